#!/usr/bin/env bash
# With two workers, 1,000 connections opened one at a time that each send a request and stay open idle are each answered within 100 ms (no worker leaves the accept queue unserved) and split between the workers within 10 %; a normal client is served as fast among slow-header clients.
. "$(dirname "$0")/lib.sh"

P=$(port 0)
N=1000
LIMIT_MS=100
# The client holds N sockets and weir's workers about N between them.
[ "$(ulimit -n)" -ge $((N + 200)) ] || ulimit -n $((N + 200)) 2>/dev/null ||
    fail "needs ulimit -n of at least $((N + 200)) (have $(ulimit -n))"

start_lighttpd b1 "$(port 1)"
cat >"$T/weir.json" <<EOF
{
$(conf_globals 2)
  "max_connections": 2048,
  "pools": {"web": {"health": false, "backends": ["127.0.0.1:$(port 1)"]}},
  "services": {"www": {"listen": "127.0.0.1:$P", "pool": "web",
                       "client_idle_timeout_ms": 120000,
                       "request_header_timeout_ms": 120000}}
}
EOF
start_weir "$T/weir.json"
wait_children 2

# worker_active: "a b", each worker's open client connections.
worker_active()
{
	"$WEIRCTL" -s "$T/run" stats --json | python3 -c '
import json, sys
print(" ".join(str(w["active"]) for w in json.load(sys.stdin)["workers"]))'
}

# --- 1. N idle keep-alive connections, opened one at a time.
mkfifo "$T/hold"
python3 "$FIXTURES/holdopen.py" "$P" --count "$N" --path /name \
    --limit-ms "$LIMIT_MS" --hold 120 <"$T/hold" >"$T/holdopen.out" 2>&1 &
HOLD_PID=$!
track "$HOLD_PID"
exec 3>"$T/hold"
for _ in $(seq 1 1200); do
	grep -q '^HELD' "$T/holdopen.out" && break
	kill -0 "$HOLD_PID" 2>/dev/null || break
	sleep 0.1
done
out=$(cat "$T/holdopen.out")
note "$(tr '\n' ' ' <<<"$out")"
# Let the last close/accept bookkeeping settle before reading the shares.
sleep 0.3
read -r a b <<<"$(worker_active)"
note "worker shares of the open connections: $a / $b"
exec 3>&-
wait "$HOLD_PID" 2>/dev/null || true
assert_match "$out" '^HELD' "client finished opening connections"
assert_match "$out" "^OPENED $N\$" "every connection was answered"
assert_match "$out" '^SLOW 0$' "connections waiting more than $LIMIT_MS ms"
[ $((a + b)) -eq "$N" ] ||
    fail "the workers hold $a + $b connections, the client $N"
d=$((a > b ? a - b : b - a))
[ $((d * 100)) -le $((N / 2 * 10)) ] ||
    fail "shares $a / $b differ by $d, more than 10 % of $((N / 2))"

# --- 2. slow-header clients (slowloris) while a normal client fetches.
python3 - "$P" 400 <<'EOF' >"$T/slow.out" 2>&1 &
import socket, sys, time
port, n = int(sys.argv[1]), int(sys.argv[2])
socks = []
for i in range(n):
    s = socket.create_connection(("127.0.0.1", port))
    s.sendall(b"GET / HTTP/1.1\r\nHost: slow\r\n")
    socks.append(s)
print("SLOW_OPEN %d" % len(socks), flush=True)
for _ in range(30):
    time.sleep(1)
    for s in socks:
        try:
            s.sendall(b"X-Slow: 1\r\n")
        except OSError:
            pass
EOF
SLOW_PID=$!
track "$SLOW_PID"
for _ in $(seq 1 200); do
	grep -q '^SLOW_OPEN' "$T/slow.out" && break
	sleep 0.1
done
assert_match "$(cat "$T/slow.out")" '^SLOW_OPEN 400$' "slow clients connected"
out=$(python3 "$FIXTURES/holdopen.py" "$P" --count 200 --path /name \
    --limit-ms "$LIMIT_MS" --hold 0 </dev/null)
note "among 400 slow clients: $(tr '\n' ' ' <<<"$out")"
assert_match "$out" '^OPENED 200$' "normal client's requests answered"
assert_match "$out" '^SLOW 0$' "normal requests slower than $LIMIT_MS ms"
read -r a b <<<"$(worker_active)"
note "worker shares among slow clients: $a / $b"
kill "$SLOW_PID" 2>/dev/null || true
pass
