#!/usr/bin/env bash
# Hop-by-hop fields (those the client's Connection names, Keep-Alive, TE, Upgrade, Proxy-Connection) do not reach the backend; end-to-end fields do.
. "$(dirname "$0")/lib.sh"

P=$(port 0)
start_apache apache "$(port 1)"
cat >"$T/weir.json" <<EOF
{
$(conf_globals 1)
  "pools": {"web": {"health": false, "backends": ["127.0.0.1:$(port 1)"]}},
  "services": {"www": {"listen": "127.0.0.1:$P", "pool": "web"}}
}
EOF
start_weir "$T/weir.json"

out=$(get "http://127.0.0.1:$P/echo.cgi" \
    -H 'Connection: keep-alive, X-Secret' -H 'X-Secret: 1' \
    -H 'Keep-Alive: timeout=5' -H 'TE: trailers' -H 'Upgrade: foo/1' \
    -H 'Proxy-Connection: keep-alive' -H 'X-Kept: yes')
note "$out"
assert_eq "$(field "$out" HTTP_X_KEPT)" yes "end-to-end X-Kept at the backend"
for h in HTTP_X_SECRET HTTP_KEEP_ALIVE HTTP_TE HTTP_UPGRADE HTTP_PROXY_CONNECTION; do
	assert_no_match "$out" "^$h=" "hop-by-hop field at the backend"
done
assert_no_match "$out" '^HTTP_CONNECTION=.*[Xx]-[Ss]ecret' "Connection at the backend"
pass
