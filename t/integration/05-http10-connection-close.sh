#!/usr/bin/env bash
# An HTTP/1.0 request without keep-alive gets Connection: close and the connection closes; with Connection: keep-alive it stays open.
. "$(dirname "$0")/lib.sh"

P=$(port 0)
start_lighttpd b1 "$(port 1)" "$(make_docroot b1 "backend 1")"
cat >"$T/weir.json" <<EOF
{
$(conf_globals 1)
  "pools": {"web": {"health": false, "backends": ["127.0.0.1:$(port 1)"]}},
  "services": {"www": {"listen": "127.0.0.1:$P", "pool": "web"}}
}
EOF
start_weir "$T/weir.json"

out=$(printf 'GET /index.html HTTP/1.0\r\nHost: a\r\n\r\n' | rawhttp "$P" --parse --timeout 5)
note "$out"
assert_match "$out" '^STATUS 200$' "HTTP/1.0 response"
assert_match "$out" '^BODY backend 1\\n$' "HTTP/1.0 body"
assert_match "$(header "$out" Connection)" '^[Cc]lose$' "Connection header to an HTTP/1.0 client"
assert_match "$out" '^END closed$' "HTTP/1.0 connection"

out=$(printf 'GET /index.html HTTP/1.0\r\nHost: a\r\nConnection: keep-alive\r\n\r\n' |
    rawhttp "$P" --parse --timeout 5 --idle 1)
note "$out"
assert_match "$out" '^STATUS 200$' "HTTP/1.0 keep-alive response"
assert_match "$(header "$out" Connection)" '^[Kk]eep-[Aa]live$' "Connection header to an HTTP/1.0 keep-alive client"
assert_match "$out" '^END open$' "HTTP/1.0 keep-alive connection"
pass
