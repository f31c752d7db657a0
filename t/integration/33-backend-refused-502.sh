#!/usr/bin/env bash
# When the only backend refuses connections, the client gets 502 promptly and weir keeps serving.
. "$(dirname "$0")/lib.sh"

P=$(port 0)
is_listening "$(port 1)" && fail "port $(port 1) is unexpectedly in use"
cat >"$T/weir.json" <<EOF
{
$(conf_globals 1)
  "pools": {"web": {"health": false, "retries": 2, "backends": ["127.0.0.1:$(port 1)"]}},
  "services": {"www": {"listen": "127.0.0.1:$P", "pool": "web"}}
}
EOF
start_weir "$T/weir.json"

for i in 1 2 3; do
	start=$(date +%s%N)
	assert_eq "$(status "http://127.0.0.1:$P/")" 502 "request $i to a closed port"
	ms=$((($(date +%s%N) - start) / 1000000))
	[ "$ms" -le 3000 ] || fail "502 took ${ms} ms"
done
kill -0 "$WEIR_PID" || fail "weir master died"
pass
