#!/usr/bin/env bash
# Upgrade is passed on only for the protocols a service lists (others are stripped as hop-by-hop fields, "upgrade": [] strips all), a backend that answers an upgrade request with 200 is relayed as a normal response on a connection that goes on, a 101 to a protocol not offered gets 502, weirctl shows the tunnels open and carried, and a reload lets an open tunnel run on until it ends (or until just before shutdown_timeout_ms, with its log line written).
. "$(dirname "$0")/lib.sh"

P=$(port 0)
PNO=$(port 4)		# "upgrade": []
PFOO=$(port 5)		# "upgrade": ["websocket", "foo/1"]
start_apache apache "$(port 1)"
start_wsecho "$(port 2)"
printf 'HTTP/1.1 101 Switching Protocols\r\nUpgrade: h2c\r\nConnection: Upgrade\r\n\r\n' >"$T/101-h2c"
start_recorder "$(port 3)" "$T/rec" --respond "$T/101-h2c" --when head
cat >"$T/weir.json" <<EOF
{
$(conf_globals 1)
  "shutdown_timeout_ms": 5000,
  "access_log": "$T/access.log",
  "pools": {"apache": {"health": false, "backends": ["127.0.0.1:$(port 1)"]},
            "echo": {"health": false, "backends": ["127.0.0.1:$(port 2)"]},
            "rec": {"health": false, "backends": ["127.0.0.1:$(port 3)"]},
            "late": {"health": false, "backends": ["127.0.0.1:$(port 7)"]}},
  "services": {"www": {"listen": "127.0.0.1:$P", "pool": "apache",
                       "routes": [{"path": "/ws", "pool": "echo"},
                                  {"path": "/h2c", "pool": "rec"},
                                  {"path": "/late", "pool": "late"}]},
               "noup": {"listen": "127.0.0.1:$PNO", "pool": "apache", "upgrade": [],
                        "routes": [{"path": "/ws", "pool": "echo"}]},
               "foo": {"listen": "127.0.0.1:$PFOO", "pool": "apache",
                       "upgrade": ["websocket", "foo/1"]}}
}
EOF
start_weir "$T/weir.json"
wait_children 1
WSH=(-H 'Connection: Upgrade' -H 'Upgrade: websocket' -H 'Sec-WebSocket-Version: 13'
    -H 'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==')

# A protocol the service does not list is stripped, as any hop-by-hop field.
out=$(get "http://127.0.0.1:$P/echo.cgi" -H 'Connection: Upgrade' -H 'Upgrade: foo/1')
assert_eq "$(field "$out" backend)" apache "unlisted Upgrade: answered"
assert_no_match "$out" '^HTTP_UPGRADE=' "unlisted Upgrade at the backend"
assert_no_match "$out" '^HTTP_CONNECTION=' "Connection at the backend (unlisted Upgrade)"
# ... and so is every protocol where the list is empty.
out=$(get "http://127.0.0.1:$PNO/echo.cgi" "${WSH[@]}")
assert_no_match "$out" '^HTTP_UPGRADE=' "Upgrade at the backend with \"upgrade\": []"
out=$(wsclient "ws://127.0.0.1:$PNO/ws/" echo 2>&1) &&
    fail "a WebSocket handshake through \"upgrade\": []: $out"
assert_contains "$out" "error: handshake: status 426" "WebSocket server without Upgrade"
# A listed protocol other than websocket is passed on.
out=$(get "http://127.0.0.1:$PFOO/echo.cgi" -H 'Connection: Upgrade' -H 'Upgrade: h2c, foo/1')
assert_eq "$(field "$out" HTTP_UPGRADE)" foo/1 "listed Upgrade at the backend"
assert_eq "$(field "$out" HTTP_CONNECTION)" upgrade "Connection at the backend"

# A backend that does not switch (Apache, a CGI): a normal response, and
# the connection goes on to a second request.
curl -sS --max-time 10 -D "$T/h" -o "$T/b1" -w '%{num_connects}\n' "${WSH[@]}" \
    "http://127.0.0.1:$P/echo.cgi" -o "$T/b2" "http://127.0.0.1:$P/name" >"$T/conns" 2>"$T/curl.err" ||
    fail "curl: $(cat "$T/curl.err")"
assert_eq "$(head -n 1 "$T/h" | tr -d '\r')" "HTTP/1.1 200 OK" "upgrade request answered 200"
assert_eq "$(field "$(cat "$T/b1")" HTTP_UPGRADE)" websocket "websocket Upgrade at Apache"
assert_eq "$(field "$(cat "$T/b1")" backend)" apache "the 200's body"
assert_eq "$(cat "$T/b2")" apache "the next request on the same connection"
assert_eq "$(awk '{ s += $1 } END { print s }' "$T/conns")" 1 "connections for both requests"
out=$(wsclient "ws://127.0.0.1:$P/echo.cgi" echo 2>&1) && fail "a handshake answered 200: $out"
assert_contains "$out" "error: handshake: status 200" "a WebSocket client told 200"

# A 101 to a protocol that was not offered: 502.
out=$(wsclient "ws://127.0.0.1:$P/h2c" echo 2>&1) && fail "a 101 to h2c: $out"
assert_contains "$out" "error: handshake: status 502" "a 101 not asked for"
assert_match "$(cat "$WEIR_LOG")" 'backend 127\.0\.0\.1:[0-9]+ \(pool rec\): 101 to a protocol the request did not offer' \
    "the 101 not asked for, logged"

# www_tunnels KEYS...: those figures of www's "tunnels" in weirctl stats
# --json, on one line.
www_tunnels()
{
	"$WEIRCTL" -s "$T/run" stats --json | python3 -c 'import json, sys
d = json.load(sys.stdin)
t = [s["tunnels"] for s in d["services"] if s["name"] == "www"][0]
print(*[t[k] for k in sys.argv[1:]])' "$@"
}

# wait_open N: until weirctl shows N tunnels open on www (10 s).
wait_open()
{
	local i
	for i in $(seq 1 100); do
		[ "$(www_tunnels open)" = "$1" ] && return 0
		sleep 0.1
	done
	fail "www has $(www_tunnels open) tunnels open, expected $1"
}

# A tunnel open across a reload: weirctl counts it, the old worker keeps
# it until it ends, then leaves.
old=$(weir_children)
wsclient "ws://127.0.0.1:$P/ws/held" until "$T/stop" close >"$T/held.out" 2>&1 &
held=$!
track "$held"
wait_open 1
stats=$("$WEIRCTL" -s "$T/run" -w stats)
note "$stats"
assert_match "$stats" '^SERVICE .* TUNNELS$' "weirctl stats: the TUNNELS column"
assert_match "$stats" '^www .* 1$' "weirctl stats: the open tunnel"
assert_eq "$(www_tunnels open total)" "1 1" "weirctl stats --json: www's tunnels (open total)"
sleep 0.3
read -r tin tout <<<"$(www_tunnels bytes_in bytes_out)"
[ "$tin" -gt 0 ] && [ "$tout" -gt 0 ] ||
    fail "weirctl stats --json: www's tunnel bytes in $tin, out $tout"
prom=$("$WEIRCTL" -s "$T/run" stats --prometheus)
assert_match "$prom" '^weir_service_tunnels_open\{service="www"\} 1$' "--prometheus: open"
assert_match "$prom" '^weir_service_tunnels_total\{service="www"\} 1$' "--prometheus: total"
assert_match "$prom" '^weir_service_tunnel_bytes_out_total\{service="www"\} [1-9]' "--prometheus: bytes out"

out=$("$WEIRCTL" -s "$T/run" reload) || fail "weirctl reload: $out"
assert_contains "$out" "reloaded: generation 2" "reload"
sleep 0.5
kill -0 "$old" 2>/dev/null || fail "the old worker left with a tunnel open"
out=$(wsclient "ws://127.0.0.1:$P/ws/new" echo close 2>&1) || fail "a tunnel after the reload: $out"
assert_contains "$out" "echo ok 10" "a tunnel after the reload"
sleep 1
kill -0 "$old" 2>/dev/null || fail "the old worker left with a tunnel open"
touch "$T/stop"
wait "$held" || fail "the tunnel across the reload: $(cat "$T/held.out")"
n=$(sed -n 's/^hold ok //p' "$T/held.out")
[ "${n:-0}" -ge 15 ] || fail "the tunnel across the reload: $(cat "$T/held.out")"
assert_contains "$(cat "$T/held.out")" "closed by client 1000" "the tunnel's clean close"
wait_gone "$old" 3 || fail "the old worker is still there after its last tunnel ended"
assert_match "$(cat "$WEIR_LOG")" 'graceful stop: 1 tunnel\(s\) open' "the old worker's drain"

# A tunnel that does not end by itself: the old worker closes it just
# before shutdown_timeout_ms (5 s) and logs it.
old=$(weir_children)
wsclient "ws://127.0.0.1:$P/ws/forever" idle >"$T/forever.out" 2>&1 &
forever=$!
track "$forever"
wait_open 1
t0=$(date +%s.%N)
kill -HUP "$WEIR_PID"
wait "$forever" || fail "the tunnel at the drain's end: $(cat "$T/forever.out")"
secs=$(awk -v a="$t0" -v b="$(date +%s.%N)" 'BEGIN { printf "%.1f", b - a }')
note "$(cat "$T/forever.out")"
note "closed $secs s after the reload"
assert_contains "$(cat "$T/forever.out")" "idle closed after" "the tunnel at the drain's end"
awk -v s="$secs" 'BEGIN { exit !(s >= 4 && s < 7) }' ||
	fail "a tunnel of a draining worker closed $secs s after the reload, expected 4.5 (shutdown_timeout_ms 5000 less 0.5 s)"
wait_gone "$old" 3 || fail "the old worker is still there"

sleep 0.3
log=$(cat "$T/access.log")
note "$log"
assert_match "$log" '"GET /ws/held HTTP/1\.1" 101 [0-9]+ service=www backend=127\.0\.0\.1:'"$(port 2)"' total_ms=[0-9]{4}' \
    "access log: the tunnel across the reload, written when it ended"
assert_match "$log" '"GET /ws/forever HTTP/1\.1" 101 [0-9]+ service=www .* error="shutdown"' \
    "access log: the tunnel closed by the drain"
assert_match "$log" '"GET /echo.cgi HTTP/1\.1" 200 ' "access log: the upgrade answered 200"
assert_eq "$(www_tunnels open total)" "0 3" \
    "weirctl stats --json after two reloads: www's tunnels (open total)"

# A tunnel to a backend added at runtime (weirctl backend add) in place of
# the one configured.
out=$("$WEIRCTL" -s "$T/run" backend add late "127.0.0.1:$(port 2)") || fail "backend add: $out"
out=$("$WEIRCTL" -s "$T/run" backend remove late "127.0.0.1:$(port 7)") || fail "backend remove: $out"
out=$(wsclient "ws://127.0.0.1:$P/late/x" echo close 2>&1) || fail "a tunnel to an added backend: $out"
assert_contains "$out" "echo ok 10" "a tunnel to an added backend"
sleep 0.3
assert_match "$(cat "$T/access.log")" '"GET /late/x HTTP/1\.1" 101 [0-9]+ service=www backend=127\.0\.0\.1:'"$(port 2)"' ' \
    "access log: the tunnel to the added backend"
pass
