#!/usr/bin/env bash
# A backend at its max_conns is not overloaded: further requests wait in a bounded queue and are served in turn, and one that waits longer than queue_timeout_ms gets 503.
. "$(dirname "$0")/lib.sh"

P=$(port 0)
PQ=$(port 3)
start_lighttpd b1 "$(port 1)"
cat >"$T/weir.json" <<EOF
{
$(conf_globals 1)
  "pools": {"one": {"health": false, "queue_timeout_ms": 5000,
                    "backends": [{"address": "127.0.0.1:$(port 1)", "max_conns": 1}]},
            "short": {"health": false, "queue_timeout_ms": 300,
                      "backends": [{"address": "127.0.0.1:$(port 1)", "max_conns": 1}]}},
  "services": {"www": {"listen": "127.0.0.1:$P", "pool": "one"},
               "impatient": {"listen": "127.0.0.1:$PQ", "pool": "short"}}
}
EOF
start_weir "$T/weir.json"

start=$(date +%s%N)
clients=()
for i in 1 2 3; do
	get "http://127.0.0.1:$P/sleep.cgi?1" >"$T/out.$i" &
	clients+=($!)
done
wait "${clients[@]}"
ms=$(( ($(date +%s%N) - start) / 1000000 ))
for i in 1 2 3; do
	assert_eq "$(cat "$T/out.$i")" "slept 1" "queued request $i served"
done
note "three 1 s requests through max_conns 1 took $ms ms"
[ "$ms" -ge 2900 ] || fail "requests overlapped on the backend ($ms ms for three 1 s requests)"

# Queue timeout: the second request gives up after 300 ms.
get "http://127.0.0.1:$PQ/sleep.cgi?1" >/dev/null &
slow=$!
sleep 0.2
assert_eq "$(status "http://127.0.0.1:$PQ/name")" 503 "request queued past queue_timeout_ms"
wait "$slow"
assert_match "$(cat "$WEIR_LOG")" 'pool short: no backend slot within 300 ms' "the log says why"
pass
