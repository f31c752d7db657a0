#!/usr/bin/env bash
# The error log never floods: the same event repeated (a dead backend under load, one client's bad requests on many connections, accept failing for want of file descriptors) is written once, then once with its count when its 10 s window ends, per cause and object; the count adds up to what happened; a reload's cause still reaches weirctl every time.
. "$(dirname "$0")/lib.sh"

P=$(port 0)
P2=$(port 3)
DEAD=127.0.0.1:$(port 1)
DEAD2=127.0.0.1:$(port 2)
for p in "$(port 1)" "$(port 2)"; do
	is_listening "$p" && fail "port $p is unexpectedly in use"
done
LOG=$T/error.log
cat >"$T/weir.json" <<EOF
{
$(conf_globals 1)
  "error_log": "$LOG",
  "access_log": "$T/access.log",
  "access_log_format": "\$service \$status \$backend",
  "pools": {"dead": {"health": false, "backends": ["$DEAD"]},
            "dead2": {"health": false, "backends": ["$DEAD2"]}},
  "services": {"www": {"listen": "127.0.0.1:$P", "pool": "dead"},
               "www2": {"listen": "127.0.0.1:$P2", "pool": "dead2"}}
}
EOF
start_weir "$T/weir.json"

# refused POOL ADDR: the error log's plain lines for ADDR's refusals.
refused()
{
	grep -c "backend $2 (pool $1): connect failed: Connection refused\$" "$LOG"
}
# counted POOL ADDR: the counts written for them, one a line.
counted()
{
	sed -n "s/.*backend $2 (pool $1): connect failed: Connection refused (\([0-9]*\) more times\{0,1\} in the last 10 s)\$/\1/p" "$LOG"
}
# answered SERVICE: the 502s the access log has for SERVICE.
answered()
{
	grep -c "^$1 502 " "$T/access.log"
}

note "3000 requests to a dead backend, 300 to another, within the same window"
t0=$(date +%s)
curl -s -o /dev/null "http://127.0.0.1:$P/[1-3000]" &
LOAD=$!
curl -s -o /dev/null "http://127.0.0.1:$P2/x[1-300]"
wait "$LOAD"
sent=$(($(date +%s) - t0))
note "sent in about $sent s"
[ "$sent" -lt 9 ] || note "slow machine: the window may end during the load"
sleep 1
n1=$(answered www)
n2=$(answered www2)
assert_eq "$n1 $n2" "3000 300" "every request got its 502"
lines=$(wc -l <"$LOG")
note "error log after the load: $lines lines"
if [ "$sent" -lt 9 ]; then
	assert_eq "$(refused dead "$DEAD")" 1 "the dead backend's refusal written once"
	assert_eq "$(refused dead2 "$DEAD2")" 1 "the other backend's refusal has its own line"
	[ "$lines" -le 20 ] || fail "the error log has $lines lines: $(head -30 "$LOG")"
fi

note "when the window ends, each writes how often it came"
for _ in $(seq 1 250); do
	[ -n "$(counted dead "$DEAD")" ] && [ -n "$(counted dead2 "$DEAD2")" ] && break
	sleep 0.1
done
c1=$(counted dead "$DEAD" | awk '{s += $1} END {print s + 0}')
c2=$(counted dead2 "$DEAD2" | awk '{s += $1} END {print s + 0}')
note "$(grep 'more times' "$LOG")"
[ -n "$(counted dead "$DEAD")" ] || fail "no count for $DEAD: $(cat "$LOG")"
[ -n "$(counted dead2 "$DEAD2")" ] || fail "no count for $DEAD2: $(cat "$LOG")"
assert_eq "$(($(refused dead "$DEAD") + c1))" "$n1" "written + counted refusals of $DEAD = its 502s"
assert_eq "$(($(refused dead2 "$DEAD2") + c2))" "$n2" "written + counted refusals of $DEAD2 = its 502s"

note "after the window, the next one is written again at once"
before=$(refused dead "$DEAD")
assert_eq "$(status "http://127.0.0.1:$P/again")" 502 "one more request"
for _ in $(seq 1 50); do
	[ "$(refused dead "$DEAD")" -gt "$before" ] && break
	sleep 0.1
done
assert_eq "$(refused dead "$DEAD")" $((before + 1)) "a new window starts with a written line"

note "bad requests on 20 connections at once: one line a client"
curl -s -o /dev/null --parallel --parallel-max 20 --request-target '/a b' \
    "http://127.0.0.1:$P/[1-200]"
curl -s -o /dev/null --parallel --parallel-max 20 --interface 127.0.0.2 \
    --request-target '/a b' "http://127.0.0.1:$P/[1-50]"
sleep 0.5
assert_eq "$(grep -c '^www 400 ' "$T/access.log")" 250 "every bad request got its 400"
assert_eq "$(grep -c 'client 127.0.0.1 (service www): rejected request: ' "$LOG")" 1 \
    "one client's bad requests: one line"
assert_eq "$(grep -c 'client 127.0.0.2 (service www): rejected request: ' "$LOG")" 1 \
    "another client's: its own line"

note "a reload's cause reaches weirctl every time, repeats or not"
cp "$T/weir.json" "$T/good.json"
sed 's/"health": false, "backends"/"health": "maybe", "backends"/' "$T/good.json" >"$T/weir.json"
for i in 1 2 3; do
	out=$("$WEIRCTL" -s "$T/run" reload 2>&1) && fail "reload $i of a bad config succeeded: $out"
	assert_contains "$out" "health" "reload $i names the bad key"
done
cp "$T/good.json" "$T/weir.json"
stop_weir

note "accept failing for want of file descriptors: one line, then its count"
cat >"$T/weir.json" <<EOF
{
$(conf_globals 1)
  "error_log": "$LOG",
  "max_connections": 1000,
  "pools": {"dead": {"health": false, "backends": ["$DEAD"]}},
  "services": {"www": {"listen": "127.0.0.1:$P", "pool": "dead"}}
}
EOF
: >"$LOG"
# Root could raise the hard limit: without CAP_SYS_RESOURCE it cannot.
# Bare weir (no WEIR_WRAPPER): valgrind keeps descriptors of its own under
# the limit and answers setrlimit itself.
WEIR_WRAPPER="prlimit --nofile=64:64 setpriv --bounding-set=-sys_resource" \
    start_weir "$T/weir.json"
assert_contains "$(cat "$LOG")" "cannot be raised" "weir warned of the low limit"
python3 - "$P" <<'PY' &
import socket, sys, time
held = []
for _ in range(150):
    try:
        held.append(socket.create_connection(("127.0.0.1", int(sys.argv[1])), timeout=2))
    except OSError:
        pass
time.sleep(4)
PY
HOLD=$!
track "$HOLD"
sleep 3
emfile=$(grep -c 'accept: Too many open files; pausing' "$LOG")
note "after 3 s out of descriptors: $emfile accept lines"
assert_eq "$emfile" 1 "accept's EMFILE written once"
wait "$HOLD" || true
for _ in $(seq 1 150); do
	grep -q 'accept: Too many open files; pausing .* more times\{0,1\} in the last 10 s)$' "$LOG" && break
	sleep 0.1
done
assert_match "$(grep 'accept: Too many open files' "$LOG" | tail -1)" \
    '\(raise the fd limit\) \([0-9]+ more times? in the last 10 s\)$' "accept's EMFILE counted"
kill -0 "$WEIR_PID" || fail "weir master died"
stop_weir
pass
