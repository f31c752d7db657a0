#!/usr/bin/env bash
# A request body over max_body_bytes gets 413 without reaching the backend; one under the limit is forwarded.
. "$(dirname "$0")/lib.sh"

P=$(port 0)
start_lighttpd b1 "$(port 1)"
cat >"$T/weir.json" <<EOF
{
$(conf_globals 1)
  "pools": {"web": {"health": false, "backends": ["127.0.0.1:$(port 1)"]}},
  "services": {"www": {"listen": "127.0.0.1:$P", "pool": "web", "max_body_bytes": 1000}}
}
EOF
start_weir "$T/weir.json"

head -c 500 /dev/urandom >"$T/small"
head -c 2000 /dev/urandom >"$T/big"
out=$(get "http://127.0.0.1:$P/upload.cgi" --data-binary @"$T/small")
assert_eq "$(field "$out" len)" 500 "500-byte body under a 1000-byte limit"
assert_eq "$(status "http://127.0.0.1:$P/upload.cgi" --data-binary @"$T/big")" 413 \
    "2000-byte body over a 1000-byte limit"
assert_eq "$(grep -c 'upload.cgi' "$T/b1/htdocs/requests.log")" 1 "uploads that reached the backend"
pass
