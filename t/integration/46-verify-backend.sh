#!/usr/bin/env bash
# With "verify", a new backend connection is used only after it answers OPTIONS * with 2xx: a backend that accepts but never answers costs no request, and a healthy one sees the OPTIONS first.
. "$(dirname "$0")/lib.sh"

P=$(port 0)
start_blackhole "$(port 1)"
start_apache apache "$(port 2)"
cat >"$T/weir.json" <<EOF
{
$(conf_globals 1)
  "pools": {"web": {"health": false, "verify": true, "connect_timeout_ms": 300,
                    "backends": ["127.0.0.1:$(port 1)", "127.0.0.1:$(port 2)"]}},
  "services": {"www": {"listen": "127.0.0.1:$P", "pool": "web", "persist_client": false}}
}
EOF
start_weir "$T/weir.json"

for i in 1 2 3 4; do
	out=$(get "http://127.0.0.1:$P/echo.cgi")
	assert_eq "$(field "$out" backend)" apache "request $i answered by the backend that verifies"
done
assert_match "$(cat "$WEIR_LOG")" 'verify \(OPTIONS \*\) failed: no answer in time' \
    "the silent backend is named in the log"
# Apache logged the probe before the first request on its connection.
first=$(head -n 1 "$T/apache/access.log")
assert_match "$first" '"OPTIONS \* HTTP/1.1" 200' "the probe reached Apache first"
assert_eq "$(grep -c 'GET /echo.cgi' "$T/apache/access.log")" 4 "requests served"
pass
