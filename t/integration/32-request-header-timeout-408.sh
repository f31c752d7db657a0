#!/usr/bin/env bash
# A client that starts a request head and stops gets 408 after request_header_timeout_ms, and the connection closes.
. "$(dirname "$0")/lib.sh"

P=$(port 0)
start_lighttpd b1 "$(port 1)"
cat >"$T/weir.json" <<EOF
{
$(conf_globals 1)
  "pools": {"web": {"health": false, "backends": ["127.0.0.1:$(port 1)"]}},
  "services": {"www": {"listen": "127.0.0.1:$P", "pool": "web",
                       "request_header_timeout_ms": 500}}
}
EOF
start_weir "$T/weir.json"

out=$(printf 'GET / HTTP/1.1\r\nHost: a\r\n' | rawhttp "$P" --parse --timeout 5)
note "$out"
assert_eq "$(grep -m1 '^STATUS ' <<<"$out")" "STATUS 408" "partial head"
assert_match "$out" '^END closed$' "connection after 408"
ms=$(sed -n 's/^ELAPSED_MS //p' <<<"$out")
[ "$ms" -ge 400 ] && [ "$ms" -le 3000 ] || fail "408 came after ${ms} ms, expected about 500"
pass
