#!/usr/bin/env bash
# A stopped backend is marked down by the health checker within fall checks (with "refused" as the reason) while every request goes to the other one, and is marked up again within rise checks once it listens again.
. "$(dirname "$0")/lib.sh"

P=$(port 0)
B1=127.0.0.1:$(port 1)
B2=127.0.0.1:$(port 2)
start_lighttpd b1 "$(port 1)" "$(make_docroot b1 "backend 1")"
B2_DOCROOT=$(make_docroot b2 "backend 2")
start_lighttpd b2 "$(port 2)" "$B2_DOCROOT"
B2_PID=$LAST_PID
cat >"$T/weir.json" <<EOF
{
$(conf_globals 2)
  "pools": {"web": {"backends": ["$B1", "$B2"],
            "health": {"path": "/index.html", "interval_ms": 200,
                       "timeout_ms": 200, "rise": 2, "fall": 2}}},
  "services": {"www": {"listen": "127.0.0.1:$P", "pool": "web"}}
}
EOF
start_weir "$T/weir.json"

# Both checked (at_unix set) and passing.
wait_backend "$B1" '^up true [1-9][0-9]*( |$)' 3 >/dev/null
wait_backend "$B2" '^up true [1-9][0-9]*( |$)' 3 >/dev/null

stop_pid "$B2_PID"
# fall * interval + interval = 600 ms; 3 s leaves room for a loaded host.
line=$(wait_backend "$B2" '^down ' 3)
note "b2 after stop: $line"
assert_contains "$line" "refused" "b2's check detail once down"
assert_match "$(cat "$WEIR_LOG")" "backend $B2 \(pool web\): down after 2 failed checks: connect refused" "weir log"
assert_match "$(backend_check "$B1")" '^up true ' "b1 while b2 is down"

for i in $(seq 1 30); do
	body=$(get "http://127.0.0.1:$P/")
	assert_eq "$body" "backend 1" "request $i while b2 is down"
done

start_lighttpd b2 "$(port 2)" "$B2_DOCROOT"
# rise * interval + interval = 600 ms.
line=$(wait_backend "$B2" '^up true [1-9][0-9]*( |$)' 3)
note "b2 after restart: $line"
assert_match "$(cat "$WEIR_LOG")" "backend $B2 \(pool web\): up after 2 passed checks" "weir log"

seen2=0
for i in $(seq 1 10); do
	[ "$(get "http://127.0.0.1:$P/")" = "backend 2" ] && seen2=$((seen2 + 1))
done
[ "$seen2" -gt 0 ] || fail "no request reached b2 after it came back up"
kill -0 "$WEIR_PID" || fail "weir master died"
pass
