#!/usr/bin/env bash
# Every request (HTTP/1.x and HTTP/2) gets an X-Request-Id that Apache's CGI sees, the client gets in the response and the access log records: made by weir (16 hex digits, a new one per request, weir's own answers included), or passed on from a trusted proxy when it is well formed; from an untrusted peer it is replaced; "request_id": false leaves the field alone.
. "$(dirname "$0")/lib.sh"

P=$(port 0)
PT=$(port 1)
POFF=$(port 2)
P2=$(port 4)
PT2=$(port 5)
start_apache apache "$(port 3)"
cat >"$T/weir.json" <<EOF
{
$(conf_globals 2)
  "access_log": "$T/access.log",
  "access_log_format": "\$service \$request_id \$status \$request",
  "pools": {"web": {"health": false, "backends": ["127.0.0.1:$(port 3)"]}},
  "services": {"plain": {"listen": "127.0.0.1:$P", "pool": "web"},
               "behind_lb": {"listen": "127.0.0.1:$PT", "pool": "web",
                             "trusted_proxies": ["127.0.0.0/8"]},
               "plain_h2": {"listen": "127.0.0.1:$P2", "pool": "web",
                            "h2c": true},
               "lb_h2": {"listen": "127.0.0.1:$PT2", "pool": "web",
                         "h2c": true, "trusted_proxies": ["127.0.0.0/8"]},
               "off": {"listen": "127.0.0.1:$POFF", "pool": "web",
                       "request_id": false}}
}
EOF
start_weir "$T/weir.json"

# fetch URL [curl args]: the response head and body in $T/resp; prints
# the X-Request-Id the client got, then the one Apache's CGI saw.
fetch()
{
	local url=$1
	shift
	curl -sS --max-time 10 -D "$T/head" -o "$T/body" "$@" "$url" ||
	    fail "curl $url failed"
	echo "$(header "$(cat "$T/head")" X-Request-Id) $(field "$(cat "$T/body")" HTTP_X_REQUEST_ID)"
}

# logged SERVICE ID: the access log line of the request with ID.
logged()
{
	sleep 0.3
	grep "^$1 $2 " "$T/access.log" || true
}

note "made by weir when the client sends none"
read -r got seen <<<"$(fetch "http://127.0.0.1:$P/echo.cgi?a=1")"
assert_match "$got" '^[0-9a-f]{16}$' "X-Request-Id in the response"
assert_eq "$seen" "$got" "X-Request-Id Apache's CGI saw"
assert_eq "$(logged plain "$got")" "plain $got 200 GET /echo.cgi?a=1 HTTP/1.1" "access log line"

note "one per request, across two workers and on one keep-alive connection"
for i in $(seq 1 20); do
	fetch "http://127.0.0.1:$P/echo.cgi" | cut -d' ' -f1
done >"$T/ids"
curl -sS -D - -o /dev/null -o /dev/null "http://127.0.0.1:$P/name" "http://127.0.0.1:$P/name" |
    tr -d '\r' | sed -n 's/^X-Request-Id: //Ip' >>"$T/ids"
assert_eq "$(wc -l <"$T/ids")" 22 "ids received"
assert_eq "$(sort -u "$T/ids" | wc -l)" 22 "distinct ids"
assert_eq "$(grep -Evc '^[0-9a-f]{16}$' "$T/ids")" 0 "ids that are not 16 hex digits"

note "an untrusted peer's X-Request-Id is replaced"
read -r got seen <<<"$(fetch "http://127.0.0.1:$P/echo.cgi" -H 'X-Request-Id: forged-by-client')"
assert_match "$got" '^[0-9a-f]{16}$' "X-Request-Id in the response"
assert_eq "$seen" "$got" "X-Request-Id Apache's CGI saw"
assert_not_contains "$(cat "$T/body")" forged-by-client "what Apache's CGI saw"
assert_eq "$(grep -c forged "$T/access.log")" 0 "access log lines with the client's id"

note "a trusted proxy's X-Request-Id is passed on"
ID=lb-7f3a.2026:11/25+x=@1
read -r got seen <<<"$(fetch "http://127.0.0.1:$PT/echo.cgi" -H "X-Request-Id: $ID")"
assert_eq "$got" "$ID" "X-Request-Id in the response"
assert_eq "$seen" "$ID" "X-Request-Id Apache's CGI saw"
assert_eq "$(logged behind_lb "$ID")" "behind_lb $ID 200 GET /echo.cgi HTTP/1.1" "access log line"
assert_eq "$(grep -ci '^x-request-id:' "$T/head")" 1 "X-Request-Id fields in the response"

note "a backend's own X-Request-Id does not reach the client beside weir's"
printf '#!/bin/sh\nprintf "Content-Type: text/plain\\r\\nX-Request-Id: made-by-apache\\r\\n\\r\\nhello\\n"\n' \
    >"$T/apache/htdocs/rid.cgi"
chmod 755 "$T/apache/htdocs/rid.cgi"
read -r got seen <<<"$(fetch "http://127.0.0.1:$PT/rid.cgi" -H "X-Request-Id: $ID")"
assert_eq "$(cat "$T/body")" hello "the CGI's body"
assert_eq "$got" "$ID" "X-Request-Id in the response"
assert_eq "$(grep -ci '^x-request-id:' "$T/head")" 1 "X-Request-Id fields in the response"

note "from a trusted proxy too, a malformed or over-long one is replaced"
for bad in 'two words' "$(printf 'x%.0s' $(seq 1 65))" 'a"b'; do
	read -r got seen <<<"$(fetch "http://127.0.0.1:$PT/echo.cgi" -H "X-Request-Id: $bad")"
	assert_match "$got" '^[0-9a-f]{16}$' "X-Request-Id in the response to '$bad'"
	assert_eq "$seen" "$got" "X-Request-Id Apache's CGI saw for '$bad'"
done

note "a trusted proxy that sends none gets one made"
read -r got seen <<<"$(fetch "http://127.0.0.1:$PT/echo.cgi")"
assert_match "$got" '^[0-9a-f]{16}$' "X-Request-Id in the response"
assert_eq "$seen" "$got" "X-Request-Id Apache's CGI saw"

note "weir's own answers carry it, and their log line too"
out=$(printf 'GET /echo.cgi HTTP/1.1\r\nHost: a\r\nX-A: b\r\n c\r\n\r\n' | rawhttp "$P" --parse --timeout 5)
assert_eq "$(grep -m1 '^STATUS ' <<<"$out")" "STATUS 400" "obs-fold"
got=$(header "$out" X-Request-Id)
assert_match "$got" '^[0-9a-f]{16}$' "X-Request-Id of a 400"
assert_eq "$(logged plain "$got")" "plain $got 400 GET /echo.cgi HTTP/1.1" "access log line of the 400"
out=$(printf 'NOT A REQUEST\r\n\r\n' | rawhttp "$P" --parse --timeout 5)
got=$(header "$out" X-Request-Id)
assert_match "$got" '^[0-9a-f]{16}$' "X-Request-Id of a refused request line"
assert_eq "$(logged plain "$got")" "plain $got 400 NOT A REQUEST" "access log line of the refused request line"

note "over HTTP/2 (h2c) the same: made, replaced, passed on"
H2=--http2-prior-knowledge
read -r got seen <<<"$(fetch "http://127.0.0.1:$P2/echo.cgi?h2" $H2)"
assert_match "$(head -1 "$T/head")" '^HTTP/2 200' "curl spoke HTTP/2"
assert_match "$got" '^[0-9a-f]{16}$' "X-Request-Id in the HTTP/2 response"
assert_eq "$seen" "$got" "X-Request-Id Apache's CGI saw over HTTP/2"
assert_eq "$(logged plain_h2 "$got")" "plain_h2 $got 200 GET /echo.cgi?h2 HTTP/2.0" "access log line over HTTP/2"
read -r got seen <<<"$(fetch "http://127.0.0.1:$P2/echo.cgi" $H2 -H 'X-Request-Id: forged-by-client')"
assert_match "$got" '^[0-9a-f]{16}$' "an untrusted HTTP/2 client's id replaced"
assert_eq "$seen" "$got" "X-Request-Id Apache's CGI saw for an untrusted HTTP/2 client"
read -r got seen <<<"$(fetch "http://127.0.0.1:$PT2/echo.cgi" $H2 -H "X-Request-Id: $ID")"
assert_eq "$got $seen" "$ID $ID" "a trusted proxy's id over HTTP/2, to Apache and back"
assert_eq "$(grep -ci '^x-request-id:' "$T/head")" 1 "X-Request-Id fields in the HTTP/2 response"
assert_eq "$(logged lb_h2 "$ID")" "lb_h2 $ID 200 GET /echo.cgi HTTP/2.0" "access log line over HTTP/2"

note "request_id false: the field passes as received, nothing is added"
curl -sS -D "$T/head" -o "$T/body" -H 'X-Request-Id: from-the-client' "http://127.0.0.1:$POFF/echo.cgi"
assert_eq "$(field "$(cat "$T/body")" HTTP_X_REQUEST_ID)" from-the-client "X-Request-Id Apache's CGI saw"
assert_eq "$(header "$(cat "$T/head")" X-Request-Id)" "" "X-Request-Id in the response"
curl -sS -D "$T/head" -o "$T/body" "http://127.0.0.1:$POFF/echo.cgi"
assert_eq "$(field "$(cat "$T/body")" HTTP_X_REQUEST_ID)" "" "X-Request-Id Apache's CGI saw"
sleep 0.3
assert_eq "$(grep -c '^off - 200 GET /echo.cgi HTTP/1.1$' "$T/access.log")" 2 "access log lines without an id"
pass
