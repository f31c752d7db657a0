#!/usr/bin/env bash
# weirctl backend add/remove/weight change a running pool on every worker at once, under wrk load with no failed request: an added backend (Apache next to two lighttpd) gets traffic and health checks, a new weight sets its share, a removed backend finishes its request in flight and gets no request after it, and a configured one removed and added again comes back.
. "$(dirname "$0")/lib.sh"

P=$(port 0)
B1=127.0.0.1:$(port 1)
B2=127.0.0.1:$(port 2)
B3=127.0.0.1:$(port 3)
start_lighttpd b1 "$(port 1)" "$(make_docroot b1 "backend 1")"
start_lighttpd b2 "$(port 2)" "$(make_docroot b2 "backend 2")"
start_apache b3 "$(port 3)" "$(make_docroot b3 "backend 3")"
cat >"$T/weir.json" <<EOF
{
$(conf_globals 2)
  "pools": {"web": {"balance": "roundrobin", "spare_backends": 2,
            "health": {"interval_ms": 200, "path": "/index.html"},
            "backends": ["$B1", "$B2"]}},
  "services": {"www": {"listen": "127.0.0.1:$P", "pool": "web"}}
}
EOF
start_weir "$T/weir.json"
wait_children 3
CTL=("$WEIRCTL" -s "$T/run")

# requests N: how many lines the CGI fixtures logged on backend N.
requests()
{
	wc -l <"$T/b$1/htdocs/requests.log"
}

# counts: the requests of B1, B2 and B3 from one snapshot.
counts()
{
	"${CTL[@]}" stats --json | python3 -c '
import json, sys
s = json.load(sys.stdin)
b = {b["address"]: b["requests"] for p in s["pools"] for b in p["backends"]}
print(" ".join(str(b.get(a, 0)) for a in sys.argv[1:]))' "$B1" "$B2" "$B3"
}

# --- a removed backend finishes its request in flight, then gets none ---
"${CTL[@]}" backend disable web "$B1" >/dev/null || fail "disable $B1"
start_slow slow "http://127.0.0.1:$P/sleep.cgi?2" "$T/b2/htdocs"
SLOW=$SLOW_PID
"${CTL[@]}" backend enable web "$B1" >/dev/null || fail "enable $B1"
out=$("${CTL[@]}" backend remove web "$B2") || fail "backend remove exited $?: $out"
assert_eq "$out" "backend $B2 (pool web): removed" "weirctl backend remove output"
assert_contains "$(cat "$WEIR_LOG")" "backend $B2 (pool web): removed by weirctl; 1 request(s) in flight finish there" "weir's log"
before=$(requests 2)
for i in $(seq 1 10); do
	assert_eq "$(field "$(get "http://127.0.0.1:$P/echo.cgi")" backend)" "backend 1" "request $i after the removal"
done
assert_eq "$(requests 2)" "$before" "requests logged by $B2 after its removal"
assert_eq "$(backend_field "$B2" state)" none "$B2 in stats --json after its removal"
wait_exit "$SLOW" 15 || fail "the request in flight on the removed backend did not finish"
assert_eq "$EXIT_RC" 0 "curl of the request in flight ($(cat "$T/slow.err"))"
assert_eq "$(cat "$T/slow.code") $(cat "$T/slow.body")" "200 slept 2" "the request in flight"
rc=0
err=$("${CTL[@]}" backend disable web "$B2" 2>&1 >/dev/null) || rc=$?
assert_eq "$rc:$err" "1:weirctl: pool web has no backend $B2 (it has: $B1)" "a command on the removed backend"

# Added again: the configured backend comes back, with its counters.
out=$("${CTL[@]}" backend add web "$B2") || fail "backend add $B2 exited $?: $out"
assert_eq "$out" "backend $B2 (pool web): added, weight 1" "weirctl backend add output"
declare -A seen=()
for i in $(seq 1 6); do
	seen[$(field "$(get "http://127.0.0.1:$P/echo.cgi")" backend)]=1
done
assert_eq "${!seen[*]}" "backend 2 backend 1" "backends answering once $B2 is back"
[ "$(backend_field "$B2" requests)" -ge 2 ] || fail "$B2 lost its counters: $(backend_field "$B2" requests)"

# --- under load: add, reweight, remove ---
wrk -t2 -c8 -d25s "http://127.0.0.1:$P/echo.cgi" >"$T/wrk.out" 2>&1 &
WRK=$!
track "$WRK"
sleep 2
out=$("${CTL[@]}" backend add web "$B3") || fail "backend add exited $?: $out"
assert_eq "$out" "backend $B3 (pool web): added, weight 1" "weirctl backend add output"
for ((i = 0; i < 100; i++)); do
	[ "$(requests 3)" -gt 20 ] && break
	sleep 0.05
done
[ "$(requests 3)" -gt 20 ] || fail "the added backend $B3 got $(requests 3) requests under load"
note "$B3 added: $(requests 3) requests in the first moments"

# The health checker takes the new backend on.
for ((i = 0; i < 60; i++)); do
	[ "$(backend_field "$B3" check.at_unix)" != 0 ] && break
	sleep 0.1
done
assert_eq "$(backend_field "$B3" check.ok)" True "health check of the added backend"

# Weight 3 of 5: B1's share of what follows.
out=$("${CTL[@]}" backend weight web "$B1" 3) || fail "backend weight exited $?: $out"
assert_eq "$out" "backend $B1 (pool web): weight 3 (was 1)" "weirctl backend weight output"
sleep 0.5
read -r a1 a2 a3 <<<"$(counts)"
sleep 2
read -r b1 b2 b3 <<<"$(counts)"
d1=$((b1 - a1)) d2=$((b2 - a2)) d3=$((b3 - a3))
note "requests in 2 s at weights 3:1:1: $d1 $d2 $d3"
total=$((d1 + d2 + d3))
[ "$total" -gt 50 ] || fail "too little load to judge the weights: $total requests"
# Smooth round robin over one shared counter: 60% within a few requests.
[ $((d1 * 100 / total)) -ge 55 ] && [ $((d1 * 100 / total)) -le 65 ] ||
    fail "$B1 at weight 3 of 5 got $d1 of $total requests"
assert_eq "$(backend_field "$B1" weight)" 3 "weight of $B1 in stats --json"

out=$("${CTL[@]}" backend remove web "$B2") || fail "backend remove under load exited $?: $out"
sleep 0.5
gone=$(requests 2)
sleep 2
assert_eq "$(requests 2)" "$gone" "requests reaching $B2 after its removal under load"
wait "$WRK" || true
note "$(grep -E 'requests in|Requests/sec' "$T/wrk.out")"
assert_no_match "$(cat "$T/wrk.out")" 'Socket errors|Non-2xx' "wrk under runtime changes"
assert_match "$(cat "$T/wrk.out")" '[0-9]+ requests in' "wrk output"
assert_contains "$(cat "$WEIR_LOG")" "backend $B3 (pool web): added by weirctl, weight 1" "weir's log"
assert_contains "$(cat "$WEIR_LOG")" "backend $B1 (pool web): weight 3 (was 1) by weirctl" "weir's log"
assert_contains "$(cat "$WEIR_LOG")" "backend $B3 (pool web): checked from now on" "weir's log"
assert_not_contains "$(cat "$WEIR_LOG")" "error [" "weir's log"

# Room: two spare slots, one holds B3; a second add fits, a third does not.
out=$("${CTL[@]}" backend add web 127.0.0.1:$(port 4)) || fail "second add: $out"
rc=0
err=$("${CTL[@]}" backend add web 127.0.0.1:$(port 5) 2>&1 >/dev/null) || rc=$?
assert_eq "$rc" 1 "exit status of an add with no room left"
assert_eq "$err" "weirctl: pool web has no room for another backend: its 2 spare slots are taken (raise \"spare_backends\" and reload)" \
    "an add with no room left"
stop_weir
pass
