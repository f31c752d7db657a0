#!/usr/bin/env bash
# QUIT stops accepting at once but lets an in-flight slow request finish with 200 before the master exits 0.
. "$(dirname "$0")/lib.sh"

P=$(port 0)
start_lighttpd b1 "$(port 1)" "$(make_docroot b1 "backend 1")"
B1_PID=$LAST_PID
cat >"$T/weir.json" <<EOF
{
$(conf_globals 1)
  "shutdown_timeout_ms": 10000,
  "pools": {"web": {"health": false, "backends": ["127.0.0.1:$(port 1)"]}},
  "services": {"www": {"listen": "127.0.0.1:$P", "pool": "web"}}
}
EOF
start_weir "$T/weir.json"

curl -s --max-time 10 -w ' %{http_code}' "http://127.0.0.1:$P/sleep.cgi?2" >"$T/slow" 2>&1 &
SLOW=$!
track "$SLOW"
# Wait until the request is at the backend (lighttpd has a CGI child).
for i in $(seq 1 40); do
	pgrep -P "$B1_PID" >/dev/null && break
	sleep 0.05
done
pgrep -P "$B1_PID" >/dev/null || fail "the slow request never reached the backend"
start=$(date +%s%N)
kill -QUIT "$WEIR_PID"

# The listener goes away while the request is still in flight.
for i in $(seq 1 20); do
	is_listening "$P" || break
	sleep 0.05
done
is_listening "$P" && fail "port $P still listening 1 s after QUIT"
kill -0 "$WEIR_PID" 2>/dev/null || fail "master exited before the in-flight request finished"

wait "$SLOW" || true
assert_eq "$(cat "$T/slow")" "slept 2
 200" "in-flight request during QUIT"
wait_exit "$WEIR_PID" 5 || fail "master still running 5 s after the last request"
assert_eq "$EXIT_RC" 0 "master exit status after QUIT"
ms=$((($(date +%s%N) - start) / 1000000))
note "master exited ${ms} ms after QUIT"
[ ! -e "$T/run/weir.pid" ] || fail "pid file still there after QUIT"
pass
