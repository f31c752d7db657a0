#!/usr/bin/env bash
# Perlbal's two seed configurations, converted by weir --import-perlbal, pass weir -t and serve in front of real Apache and lighttpd as Perlbal served them: the static host from lighttpd and the rest from Apache, the client kept alive; two web servers at random, backend connections verified with OPTIONS and kept.
. "$(dirname "$0")/lib.sh"
. "$LIB_DIR/perlbal/perlbal.sh"

A=$(port 1)
L=$(port 2)
start_apache apache "$A"
start_lighttpd lighttpd "$L"

# check_import TAG: everything converts (the console too), without a
# warning, and the result passes weir -t as written.
check_import()
{
	local msgs
	msgs=$(cat "$T/$1.import")
	assert_match "$msgs" "^weir: .* converted to $T/$1.json, 0 warnings$" \
	    "$1: summary"
	assert_eq "$(grep -c . <<<"$msgs")" 1 "$1: nothing else to say"
	assert_eq "$(python3 -c 'import json, sys
print(json.load(open(sys.argv[1]))["services"]["mgmt"])' "$T/$1.json")" \
	    "{'role': 'management', 'listen': '127.0.0.1:$M'}" \
	    "$1: the console, on Perlbal's address"
	out=$("$WEIR" -t -c "$T/$1.json" 2>&1) ||
	    fail "$1: weir -t refuses the import: $out"
	assert_eq "$out" "configuration OK: $T/$1.json" "$1: weir -t"
}

who()	# who PORT HOST [PATH]: the backend echo.cgi names
{
	field "$(get "http://127.0.0.1:$1${3:-/echo.cgi}" -H "Host: $2")" \
	    backend
}

scenario1()	# scenario1 SOURCE: the selector
{
	local tag=$1-s1 P M out
	P=$(port 3)
	M=$(port 4)
	perlbal_setup "$1" 1 "$tag" "127.0.0.1:$P" "127.0.0.1:$M" \
	    "127.0.0.1:$A" "127.0.0.1:$L"
	perlbal_import "$tag"
	check_import "$tag"
	perlbal_runnable "$tag" 2
	start_weir "$T/$tag.run.json"

	assert_eq "$(who "$P" static.example.com)" lighttpd "$tag: static host"
	assert_eq "$(get "http://127.0.0.1:$P/index.html" -H \
	    'Host: static.example.com')" lighttpd "$tag: static file"
	assert_eq "$(who "$P" static.example.com:80)" lighttpd \
	    "$tag: static host with a port"
	assert_eq "$(who "$P" www.example.com)" apache "$tag: any other host"
	assert_eq "$(who "$P" example.com)" apache "$tag: the parent domain"
	assert_eq "$(get "http://127.0.0.1:$P/index.html" -H \
	    'Host: www.example.com')" apache "$tag: a file from Apache"
	# persist_client: several requests, both backends, one connection.
	out=$(printf '%s' \
	    $'GET /echo.cgi HTTP/1.1\r\nHost: static.example.com\r\n\r\n' \
	    $'GET /echo.cgi HTTP/1.1\r\nHost: www.example.com\r\n\r\n' \
	    $'GET /index.html HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n' |
	    rawhttp "$P" --timeout 10 --parse)
	assert_eq "$(grep -c '^STATUS 200' <<<"$out")" 3 \
	    "$tag: three answers on one connection"
	assert_eq "$(grep -o 'backend=[a-z]*' <<<"$out" | xargs)" \
	    "backend=lighttpd backend=apache" \
	    "$tag: the backend chosen per request, on one connection"
	# The management port is weir's console now.
	assert_eq "$(python3 "$FIXTURES/perlbal_console.py" say "$M" \
	    'show pool lighttpd_pool' | tr -d '\r')" "127.0.0.1:$L 4
." "$tag: the console counts the static host's requests"
	stop_weir
}

scenario2()	# scenario2 SOURCE: two web servers at random
{
	local tag=$1-s2 P M i b seen="" gets ports opts
	P=$(port 5)
	M=$(port 6)
	perlbal_setup "$1" 2 "$tag" "127.0.0.1:$P" "127.0.0.1:$M" \
	    "127.0.0.1:$A" "127.0.0.1:$L"
	perlbal_import "$tag"
	check_import "$tag"
	perlbal_runnable "$tag" 2
	: >"$T/apache/access.log"
	start_weir "$T/$tag.run.json"

	for i in $(seq 1 40); do
		b=$(field "$(get "http://127.0.0.1:$P/echo.cgi")" backend)
		case " $seen " in *" $b "*) ;; *) seen="$seen $b" ;; esac
	done
	assert_eq "$(tr ' ' '\n' <<<"$seen" | sort | xargs)" \
	    "apache lighttpd" "$tag: both web servers answer"
	# verify_backend: Apache saw OPTIONS before serving on a connection;
	# persist_backend: it served many requests on few connections.
	gets=$(grep -c '"GET /echo.cgi ' "$T/apache/access.log")
	ports=$(grep '"GET /echo.cgi ' "$T/apache/access.log" |
	    cut -d' ' -f2 | sort -u | wc -l)
	opts=$(grep -c '"OPTIONS \* HTTP/1.1" 200' "$T/apache/access.log" ||
	    true)
	[ "$opts" -ge 1 ] || fail "$tag: Apache saw no OPTIONS *: $(cat "$T/apache/access.log")"
	[ "$opts" -le "$ports" ] ||
	    fail "$tag: $opts OPTIONS for $ports connections"
	[ $((ports * 2)) -le "$gets" ] ||
	    fail "$tag: $gets requests on $ports Apache connections: not kept"
	stop_weir
}

for src in $(perlbal_sources); do
	note "seed scenarios: $src"
	scenario1 "$src"
	scenario2 "$src"
done
pass
