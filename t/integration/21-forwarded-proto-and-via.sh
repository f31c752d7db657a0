#!/usr/bin/env bash
# The backend sees X-Forwarded-Proto: http and Via: 1.1 weir (RFC 9110 7.6.3: a gateway MUST add Via to inbound requests).
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

out=$(get "http://127.0.0.1:$P/echo.cgi")
note "$out"
assert_eq "$(field "$out" HTTP_X_FORWARDED_PROTO)" http "X-Forwarded-Proto at the backend"
assert_eq "$(field "$out" HTTP_VIA)" "1.1 weir" "Via at the backend"

# RFC 9110 7.6.3: each recipient appends its own entry.
out=$(get "http://127.0.0.1:$P/echo.cgi" -H 'Via: 1.0 fred')
assert_eq "$(field "$out" HTTP_VIA)" "1.0 fred, 1.1 weir" "Via appended to the client's"
pass
