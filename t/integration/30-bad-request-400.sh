#!/usr/bin/env bash
# A malformed request, Content-Length with Transfer-Encoding, and obs-fold each get 400 with Connection: close, and the connection closes without reaching the backend.
. "$(dirname "$0")/lib.sh"

P=$(port 0)
start_lighttpd b1 "$(port 1)"
cat >"$T/weir.json" <<EOF
{
$(conf_globals 1)
  "pools": {"web": {"health": false, "backends": ["127.0.0.1:$(port 1)"]}},
  "services": {"www": {"listen": "127.0.0.1:$P", "pool": "web"}}
}
EOF
start_weir "$T/weir.json"

check_400()
{
	local what=$1 req=$2 out
	out=$(printf '%s' "$req" | rawhttp "$P" --parse --timeout 5)
	note "$what: $(tr '\n' ' ' <<<"$out")"
	assert_eq "$(grep -m1 '^STATUS ' <<<"$out")" "STATUS 400" "$what"
	assert_match "$(header "$out" Connection)" '^[Cc]lose$' "$what: Connection header"
	assert_match "$out" '^END closed$' "$what: connection"
}

check_400 "malformed request line" $'GARBAGE\r\n\r\n'
check_400 "Content-Length with Transfer-Encoding" \
    $'POST /echo.cgi HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n'
check_400 "obs-fold" $'GET /echo.cgi HTTP/1.1\r\nHost: a\r\nX-A: b\r\n c\r\n\r\n'
check_400 "space before colon" $'GET /echo.cgi HTTP/1.1\r\nHost : a\r\n\r\n'
check_400 "conflicting Content-Lengths" \
    $'POST /echo.cgi HTTP/1.1\r\nHost: a\r\nContent-Length: 3\r\nContent-Length: 4\r\n\r\nabcd'
check_400 "chunked not the final coding (RFC 9112 6.3)" \
    $'POST /echo.cgi HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked, identity\r\n\r\n0\r\n\r\n'
[ ! -s "$T/b1/htdocs/requests.log" ] ||
    fail "a rejected request reached the backend: $(cat "$T/b1/htdocs/requests.log")"
pass
