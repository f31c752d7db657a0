#!/usr/bin/env bash
# weirctl backend drain lets the request in flight (a slow CGI) and the keep-alive clients the backend was serving finish there while new clients go elsewhere, shows "draining", then "drained" once the last such client leaves, and logs it; an HTTP/2 client's next streams on its connection stay there too; disable also lets the request in flight finish but moves a keep-alive client's next request to another backend at once.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/tls-certs.sh"

P=$(port 0)
B1=127.0.0.1:$(port 1)
B2=127.0.0.1:$(port 2)
start_lighttpd b1 "$(port 1)" "$(make_docroot b1 "backend 1")"
start_apache b2 "$(port 2)" "$(make_docroot b2 "backend 2")"
make_tls_certs
cat >"$T/weir.json" <<EOF
{
$(conf_globals 2)
  "pools": {"web": {"balance": "roundrobin", "health": false,
            "backends": ["$B1", "$B2"]}},
  "services": {"www": {"listen": "127.0.0.1:$P", "pool": "web",
                       "client_idle_timeout_ms": 60000},
               "h2": {"listen": "127.0.0.1:$(port 3)", "pool": "web",
                      "tls": {"certificates": $(tls_cert_json a)},
                      "client_idle_timeout_ms": 60000}}
}
EOF
start_weir "$T/weir.json"
wait_children 2
CTL=("$WEIRCTL" -s "$T/run")

# A keep-alive client NAME on one connection: say NAME PATH sends a request
# on it and prints the backend's name from echo.cgi; bye NAME closes it.
declare -A KA_FD=()
client()
{
	mkfifo "$T/$1.in"
	python3 "$FIXTURES/keepalive.py" "$P" <"$T/$1.in" >"$T/$1.out" 2>&1 &
	track "$!"
	exec {fd}>"$T/$1.in"
	KA_FD[$1]=$fd
}
say()
{
	local n i
	n=$(($(wc -l <"$T/$1.out") + 1))
	echo "GET $2" >&"${KA_FD[$1]}"
	for ((i = 0; i < 200; i++)); do
		[ "$(wc -l <"$T/$1.out")" -ge "$n" ] && break
		sleep 0.05
	done
	line=$(sed -n "${n}p" "$T/$1.out")
	case $line in
	"STATUS 200 BODY backend="*) line=${line#STATUS 200 BODY backend=}; echo "${line%%|*}" ;;
	*) fail "keep-alive client $1: $line" ;;
	esac
}
bye()
{
	exec {KA_FD[$1]}>&-
}

# new_clients N: N requests on fresh connections, "b1=X b2=Y".
new_clients()
{
	local i n1=0 n2=0
	for ((i = 0; i < $1; i++)); do
		case $(field "$(get "http://127.0.0.1:$P/echo.cgi")" backend) in
		"backend 1") n1=$((n1 + 1)) ;;
		"backend 2") n2=$((n2 + 1)) ;;
		*) fail "unexpected answer" ;;
		esac
	done
	echo "b1=$n1 b2=$n2"
}

# While B1 is disabled, a keep-alive client and a slow request land on B2.
pin_to_b2()
{
	"${CTL[@]}" backend disable web "$B1" >/dev/null || fail "disable $B1"
	client "$1"
	assert_eq "$(say "$1" /echo.cgi)" "backend 2" "first request of client $1"
	start_slow "$2" "http://127.0.0.1:$P/sleep.cgi?3" "$T/b2/htdocs"
	"${CTL[@]}" backend enable web "$B1" >/dev/null || fail "enable $B1"
}

# assert_drained WHAT: $B2 reads "drained" within 5 s.
assert_drained()
{
	local i
	for ((i = 0; i < 100; i++)); do
		[ "$(backend_field "$B2" state)" = drained ] && break
		sleep 0.05
	done
	assert_eq "$(backend_field "$B2" state)" drained "$1"
}

# --- drain ---
pin_to_b2 ka1 slow1
SLOW1=$SLOW_PID
out=$("${CTL[@]}" backend drain web "$B2") || fail "backend drain exited $?: $out"
assert_eq "$out" "backend $B2 (pool web): draining" "weirctl backend drain output"
assert_eq "$(new_clients 10)" "b1=10 b2=0" "new clients while $B2 drains"
assert_eq "$(say ka1 /echo.cgi)" "backend 2" "the keep-alive client's next request while $B2 drains"
assert_eq "$(say ka1 /echo.cgi)" "backend 2" "and the one after"
assert_eq "$(backend_field "$B2" state)" draining "state while a request is in flight"
assert_match "$("${CTL[@]}" stats)" "^ +$B2 +draining " "weirctl stats while draining"
wait_exit "$SLOW1" 15 || fail "the slow request did not finish on the draining backend"
assert_eq "$EXIT_RC $(cat "$T/slow1.code") $(cat "$T/slow1.body")" "0 200 slept 3" \
    "the request in flight on the draining backend ($(cat "$T/slow1.err"))"
# The keep-alive client is still there: not drained yet.
sleep 0.5
assert_eq "$(backend_field "$B2" state)" draining "state with a keep-alive client left"
assert_eq "$(say ka1 /echo.cgi)" "backend 2" "the keep-alive client after the slow request"
bye ka1
assert_drained "state once the keep-alive client left"
assert_match "$("${CTL[@]}" stats)" "^ +$B2 +drained " "weirctl stats once drained"
for ((i = 0; i < 40; i++)); do
	grep -q "backend $B2 (pool web): drained" "$WEIR_LOG" && break
	sleep 0.05
done
assert_contains "$(cat "$WEIR_LOG")" "backend $B2 (pool web): drained: no request in flight and no client kept on it" "weir's log"
assert_eq "$(new_clients 4)" "b1=4 b2=0" "new clients once $B2 is drained"
"${CTL[@]}" backend enable web "$B2" >/dev/null || fail "enable $B2"
assert_eq "$(new_clients 4)" "b1=2 b2=2" "after enable"

# --- drain, an HTTP/2 client ---
# curl sends 4 requests one after the other on one HTTP/2 connection (TLS,
# ALPN h2), 2 s apart; the drain comes after the first answer.
"${CTL[@]}" backend disable web "$B1" >/dev/null || fail "disable $B1"
curl -sSN --http2 --cacert "$PKI/root.pem" --resolve "a.test:$(port 3):127.0.0.1" \
    --rate 30/m -w 'connects=%{num_connects} %{http_version}\n' \
    "https://a.test:$(port 3)/echo.cgi?[1-4]" >"$T/h2.out" 2>"$T/h2.err" &
H2CURL=$!
track "$H2CURL"
for ((i = 0; i < 100; i++)); do
	grep -q '^connects=' "$T/h2.out" && break
	sleep 0.05
done
"${CTL[@]}" backend enable web "$B1" >/dev/null || fail "enable $B1"
"${CTL[@]}" backend drain web "$B2" >/dev/null || fail "drain $B2"
assert_eq "$(new_clients 4)" "b1=4 b2=0" "new clients while $B2 drains (HTTP/2 client open)"
wait_exit "$H2CURL" 30 || fail "curl over HTTP/2 did not finish"
assert_eq "$EXIT_RC" 0 "curl over HTTP/2 ($(cat "$T/h2.err"))"
assert_eq "$(grep '^backend=' "$T/h2.out" | tr '\n' ' ')" \
    "backend=backend 2 backend=backend 2 backend=backend 2 backend=backend 2 " \
    "the HTTP/2 client's streams before and after the drain"
assert_eq "$(grep '^connects=' "$T/h2.out" | tr '\n' ' ')" \
    "connects=1 2 connects=0 2 connects=0 2 connects=0 2 " "one HTTP/2 connection"
# Its connection closed with curl: nothing keeps the backend now.
assert_drained "state once the HTTP/2 client left"
"${CTL[@]}" backend enable web "$B2" >/dev/null || fail "enable $B2"

# --- disable ---
pin_to_b2 ka2 slow2
SLOW2=$SLOW_PID
out=$("${CTL[@]}" backend disable web "$B2") || fail "backend disable exited $?: $out"
assert_eq "$out" "backend $B2 (pool web): disabled" "weirctl backend disable output"
assert_eq "$(new_clients 6)" "b1=6 b2=0" "new clients while $B2 is disabled"
assert_eq "$(say ka2 /echo.cgi)" "backend 1" "the keep-alive client's next request once $B2 is disabled"
assert_eq "$(backend_field "$B2" state)" disabled "state of a disabled backend with a request in flight"
wait_exit "$SLOW2" 15 || fail "the slow request did not finish on the disabled backend"
assert_eq "$EXIT_RC $(cat "$T/slow2.code") $(cat "$T/slow2.body")" "0 200 slept 3" \
    "the request in flight on the disabled backend ($(cat "$T/slow2.err"))"
bye ka2
sleep 0.3
assert_eq "$(backend_field "$B2" state)" disabled "state of a disabled backend with nothing left"
assert_eq "$(grep -c "backend $B2 (pool web): drained" "$WEIR_LOG")" 2 "drained lines in weir's log (one per drain, none for disable)"
stop_weir
pass
