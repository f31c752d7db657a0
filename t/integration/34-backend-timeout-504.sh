#!/usr/bin/env bash
# A backend that accepts the request but never answers makes weir answer 504 after response_timeout_ms.
. "$(dirname "$0")/lib.sh"

P=$(port 0)
start_blackhole "$(port 1)"
cat >"$T/weir.json" <<EOF
{
$(conf_globals 1)
  "pools": {"web": {"health": false, "response_timeout_ms": 500,
            "backends": ["127.0.0.1:$(port 1)"]}},
  "services": {"www": {"listen": "127.0.0.1:$P", "pool": "web"}}
}
EOF
start_weir "$T/weir.json"

start=$(date +%s%N)
code=$(status "http://127.0.0.1:$P/")
ms=$((($(date +%s%N) - start) / 1000000))
note "status $code after $ms ms"
assert_eq "$code" 504 "silent backend"
[ "$ms" -ge 400 ] && [ "$ms" -le 3000 ] || fail "504 came after ${ms} ms, expected about 500"
pass
