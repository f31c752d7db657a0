#!/usr/bin/env bash
# A pool whose health check fails on every backend answers 503 and the log says once which pool and why (each backend's check detail), and once when a backend is back; with "when_all_down": "panic" the same pool serves from both backends, weirctl shows the panic, and the log says so once.
. "$(dirname "$0")/lib.sh"

P=$(port 0)
B1=127.0.0.1:$(port 1)
B2=127.0.0.1:$(port 2)
D1=$(make_docroot b1 "backend 1")
D2=$(make_docroot b2 "backend 2")
start_lighttpd b1 "$(port 1)" "$D1"
start_lighttpd b2 "$(port 2)" "$D2"

# write_conf MODE_LINE: the pool checks /health.txt, which is missing (404).
write_conf()
{
	cat >"$T/weir.json" <<EOF
{
$(conf_globals 2)
  "pools": {"web": {"backends": ["$B1", "$B2"], $1
            "health": {"path": "/health.txt", "interval_ms": 200,
                       "timeout_ms": 500, "rise": 2, "fall": 2}}},
  "services": {"www": {"listen": "127.0.0.1:$P", "pool": "web"}}
}
EOF
}

# count ERE: lines of weir's log from byte LOG_FROM on that match ERE.
LOG_FROM=0
count()
{
	tail -c "+$((LOG_FROM + 1))" "$WEIR_LOG" | grep -Ec -- "$1" || true
}

# pool_json KEY: the pool's KEY from weirctl stats --json.
pool_json()
{
	"$WEIRCTL" -s "$T/run" stats --json | python3 -c '
import json, sys
print(json.load(sys.stdin)["pools"][0][sys.argv[1]])' "$1"
}

WHY="$B1 status 404, expected 2xx or 3xx; $B2 status 404, expected 2xx or 3xx"

note "default: 503 while no backend is up"
write_conf ""
start_weir "$T/weir.json"
# Two workers and the checker: under valgrind the port listens well before.
wait_children 3
wait_backend "$B1" '^down ' 5 >/dev/null
wait_backend "$B2" '^down ' 5 >/dev/null
for i in $(seq 1 10); do
	assert_eq "$(status "http://127.0.0.1:$P/")" 503 "request $i, no backend up"
done
# Seven more intervals: the pool line is still the only one, and the 503s
# above wrote none of their own.
sleep 1.5
line="pool web: no backend up, answering 503: $WHY"
assert_eq "$(count "error \[health [0-9]+\] $line\$")" 1 "lines '$line'"
assert_eq "$(count "no backend")" 1 "lines saying 'no backend'"
assert_contains "$("$WEIRCTL" -s "$T/run" stats)" "pool web (roundrobin, 2 backends, NO BACKEND UP: answering 503)" "weirctl stats"
assert_eq "$(pool_json state)" down "pool state in weirctl stats --json"
assert_eq "$(pool_json when_all_down)" fail "pool when_all_down in weirctl stats --json"

note "default: once back, said once"
echo ok >"$D1/health.txt"
wait_backend "$B1" '^up true ' 5 >/dev/null
assert_eq "$(status "http://127.0.0.1:$P/")" 200 "request once b1 is up"
sleep 1
assert_eq "$(count "pool web: backend $B1 back in service; no longer answering 503\$")" 1 "back-in-service lines"
assert_eq "$(count "pool web:")" 2 "pool lines in all"
assert_eq "$(pool_json state)" up "pool state once b1 is up"
stop_weir
rm "$D1/health.txt"

note "panic: every backend serves while none is up"
LOG_FROM=$(wc -c <"$WEIR_LOG")
write_conf '"when_all_down": "panic",'
start_weir "$T/weir.json"
# Two workers and the checker: under valgrind the port listens well before.
wait_children 3
wait_backend "$B1" '^down ' 5 >/dev/null
wait_backend "$B2" '^down ' 5 >/dev/null
n1=0
n2=0
for i in $(seq 1 20); do
	body=$(get "http://127.0.0.1:$P/name" -w '%{http_code}')
	case $body in
	$'backend 1\n200') n1=$((n1 + 1)) ;;
	$'backend 2\n200') n2=$((n2 + 1)) ;;
	*) fail "request $i in panic: got '$body'" ;;
	esac
done
# One round-robin position for every worker: strict alternation.
assert_eq "$n1 $n2" "10 10" "requests to b1 and b2 in panic"
sleep 1.5
line="pool web: no backend up; panic \(when_all_down\): sending requests to every enabled backend: $WHY"
assert_eq "$(count "warn \[health [0-9]+\] $line\$")" 1 "lines '$line'"
assert_eq "$(count "no backend")" 1 "lines saying 'no backend'"
assert_contains "$("$WEIRCTL" -s "$T/run" stats)" "pool web (roundrobin, 2 backends, PANIC: no backend up, sending to all)" "weirctl stats"
assert_eq "$(pool_json state)" panic "pool state in weirctl stats --json"
assert_eq "$(pool_json when_all_down)" panic "pool when_all_down in weirctl stats --json"

note "panic: over when a backend is up, which then takes everything"
echo ok >"$D2/health.txt"
wait_backend "$B2" '^up true ' 5 >/dev/null
for i in $(seq 1 6); do
	assert_eq "$(get "http://127.0.0.1:$P/name")" "backend 2" "request $i after panic"
done
sleep 1
assert_eq "$(count "pool web: backend $B2 back in service; panic over\$")" 1 "panic-over lines"
assert_eq "$(count "pool web:")" 2 "pool lines in all"
assert_contains "$("$WEIRCTL" -s "$T/run" stats)" "pool web (roundrobin, 2 backends, panic when all down)" "weirctl stats"
assert_eq "$(pool_json state)" up "pool state after panic"
kill -0 "$WEIR_PID" || fail "weir master died"
pass
