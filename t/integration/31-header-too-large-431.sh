#!/usr/bin/env bash
# A request head over max_header_bytes gets 431, while one under the limit is served.
. "$(dirname "$0")/lib.sh"

P=$(port 0)
start_lighttpd b1 "$(port 1)"
cat >"$T/weir.json" <<EOF
{
$(conf_globals 1)
  "pools": {"web": {"health": false, "backends": ["127.0.0.1:$(port 1)"]}},
  "services": {"www": {"listen": "127.0.0.1:$P", "pool": "web", "max_header_bytes": 2048}}
}
EOF
start_weir "$T/weir.json"

small=$(head -c 1000 /dev/zero | tr '\0' a)
big=$(head -c 3000 /dev/zero | tr '\0' a)
assert_eq "$(status "http://127.0.0.1:$P/" -H "X-Pad: $small")" 200 "1000-byte header"
out=$(printf 'GET / HTTP/1.1\r\nHost: a\r\nX-Pad: %s\r\n\r\n' "$big" |
    rawhttp "$P" --parse --timeout 5)
note "$(grep -v '^BODY' <<<"$out")"
assert_eq "$(grep -m1 '^STATUS ' <<<"$out")" "STATUS 431" "3000-byte header"
# Same, with the oversized head still arriving (no blank line yet).
out=$(printf 'GET / HTTP/1.1\r\nHost: a\r\nX-Pad: %s' "$big" |
    rawhttp "$P" --parse --timeout 5)
assert_eq "$(grep -m1 '^STATUS ' <<<"$out")" "STATUS 431" "unfinished 3000-byte header"
pass
