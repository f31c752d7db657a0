#!/usr/bin/env bash
# Requests in flight in a worker killed with SIGKILL stop counting once it is gone: after two workers die under load, every backend's and service's active count returns to 0, a max_conns pool still answers 200, and leastconn still spreads over both backends.
. "$(dirname "$0")/lib.sh"

P=$(port 0)
PL=$(port 3)
B1=$(port 1)
B2=$(port 2)
start_lighttpd b1 "$B1" "$(make_docroot b1 "backend 1")"
start_apache b2 "$B2" "$(make_docroot b2 "backend 2")"
cat >"$T/weir.json" <<EOF
{
$(conf_globals 2)
  "pools": {"capped": {"health": false, "queue_timeout_ms": 2000,
                       "backends": [{"address": "127.0.0.1:$B1", "max_conns": 10},
                                    {"address": "127.0.0.1:$B2", "max_conns": 10}]},
            "least": {"balance": "leastconn", "health": false,
                      "backends": ["127.0.0.1:$B1", "127.0.0.1:$B2"]}},
  "services": {"www": {"listen": "127.0.0.1:$P", "pool": "capped"},
               "least": {"listen": "127.0.0.1:$PL", "pool": "least"}}
}
EOF
start_weir "$T/weir.json"
wait_children 2

stats()
{
	"$WEIRCTL" -s "$T/run" stats --json
}

# in_flight: "pool address active" per backend, then "service name active",
# then "worker slot active".
in_flight()
{
	stats | python3 -c 'import json, sys
s = json.load(sys.stdin)
for p in s["pools"]:
    for b in p["backends"]:
        print("pool", p["name"], b["address"], b["active"])
for v in s["services"]:
    print("service", v["name"], "-", v["active"])
for i, w in enumerate(s["workers"]):
    print("worker", i, w["pid"], w["active"])'
}

# Slow requests keep both pools busy: every max_conns slot taken, requests
# queued behind them, and leastconn's backends each holding several.  The
# load runs until both kills are done (this machine may be slow).
wrk -t2 -c40 -d60s --timeout 10s "http://127.0.0.1:$P/sleep.cgi?0.3" \
    >"$T/wrk-capped.out" 2>&1 &
W1=$!
track "$W1"
wrk -t1 -c16 -d60s --timeout 10s "http://127.0.0.1:$PL/sleep.cgi?0.3" \
    >"$T/wrk-least.out" 2>&1 &
W2=$!
track "$W2"

for slot in 0 1; do
	# Kill the worker only once it holds requests in flight.
	victim=
	for _ in $(seq 1 60); do
		now=$(in_flight)
		victim=$(awk -v s="$slot" '$1 == "worker" && $2 == s &&
		    $4 >= 4 { print $3 }' <<<"$now")
		[ -z "$victim" ] || break
		sleep 0.2
	done
	[ -n "$victim" ] || fail "worker $slot never got busy: $(tr '\n' ';' <<<"$now")"
	note "in flight before killing worker $slot: $(tr '\n' ';' <<<"$now")"
	note "kill -9 worker $slot (pid $victim)"
	kill -KILL "$victim"
	sleep 1
done
kill -INT "$W1" "$W2" 2>/dev/null || true
wait "$W1" "$W2" || true
note "wrk capped: $(grep -E 'requests in|Non-2xx|Socket errors' "$T/wrk-capped.out" | tr '\n' ' ')"
note "wrk least: $(grep -E 'requests in|Non-2xx|Socket errors' "$T/wrk-least.out" | tr '\n' ' ')"

# The last slow requests end within a second; then nothing is in flight.
end=$((SECONDS + 6))
while :; do
	now=$(in_flight)
	grep -Eq ' [1-9][0-9]*$' <<<"$now" || break
	[ "$SECONDS" -lt "$end" ] || break
	sleep 0.2
done
note "in flight once the load stopped: $(tr '\n' ';' <<<"$now")"

# Symptoms first, so a failure shows all of them.
codes=
for i in $(seq 1 6); do
	codes="$codes $(status "http://127.0.0.1:$P/name")"
done
note "max_conns pool after the kills:$codes"
n1=0
n2=0
for i in $(seq 1 20); do
	case $(get "http://127.0.0.1:$PL/name") in
	"backend 1") n1=$((n1 + 1)) ;;
	"backend 2") n2=$((n2 + 1)) ;;
	*) fail "leastconn request $i: unexpected body" ;;
	esac
done
note "leastconn after the kills: backend 1: $n1, backend 2: $n2"

assert_no_match "$now" ' [1-9][0-9]*$' "active counts once the load stopped"
assert_eq "$codes" " 200 200 200 200 200 200" "max_conns pool statuses"
[ "$n1" -ge 5 ] && [ "$n2" -ge 5 ] ||
    fail "leastconn sent $n1 / $n2 of 20 requests to its backends"
pass
