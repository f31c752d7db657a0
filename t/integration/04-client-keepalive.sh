#!/usr/bin/env bash
# An HTTP/1.1 client's connection stays open between requests: curl fetches a URL 5 times over one connection and every response is right.
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

u=http://127.0.0.1:$P/index.html
curl -sv --max-time 10 "$u" "$u" "$u" "$u" "$u" >"$T/bodies" 2>"$T/trace" ||
    fail "curl failed: $(cat "$T/trace")"
assert_eq "$(grep -c '^backend 1$' "$T/bodies")" 5 "responses with the right body"
assert_eq "$(grep -c 'Connected to' "$T/trace")" 1 "connections opened by curl"
assert_eq "$(grep -c 'Re-using existing connection' "$T/trace")" 4 "connection reuses"
assert_no_match "$(cat "$T/trace")" '^< Connection: close' "responses to a keep-alive client"
pass
