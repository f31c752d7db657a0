#!/usr/bin/env bash
# X-Forwarded-For from an untrusted peer is replaced by the peer's address; from a trusted proxy the peer's address is appended.
. "$(dirname "$0")/lib.sh"

P=$(port 0)
PT=$(port 1)
start_apache apache "$(port 2)"
cat >"$T/weir.json" <<EOF
{
$(conf_globals 1)
  "pools": {"web": {"health": false, "backends": ["127.0.0.1:$(port 2)"]}},
  "services": {"plain": {"listen": "127.0.0.1:$P", "pool": "web"},
               "behind_lb": {"listen": "127.0.0.1:$PT", "pool": "web",
                             "trusted_proxies": ["127.0.0.0/8"]}}
}
EOF
start_weir "$T/weir.json"

out=$(get "http://127.0.0.1:$P/echo.cgi")
assert_eq "$(field "$out" backend)" apache "backend"
assert_eq "$(field "$out" HTTP_X_FORWARDED_FOR)" 127.0.0.1 "XFF added for a client that sent none"

out=$(get "http://127.0.0.1:$P/echo.cgi" -H 'X-Forwarded-For: 1.2.3.4')
assert_eq "$(field "$out" HTTP_X_FORWARDED_FOR)" 127.0.0.1 "XFF from an untrusted peer"

out=$(get "http://127.0.0.1:$PT/echo.cgi" -H 'X-Forwarded-For: 1.2.3.4')
assert_eq "$(field "$out" HTTP_X_FORWARDED_FOR)" "1.2.3.4, 127.0.0.1" "XFF from a trusted peer"

out=$(get "http://127.0.0.1:$PT/echo.cgi")
assert_eq "$(field "$out" HTTP_X_FORWARDED_FOR)" 127.0.0.1 "XFF from a trusted peer that sent none"
pass
