#!/usr/bin/env bash
# WebSocket over HTTP/2 (RFC 8441): a TLS service offers SETTINGS_ENABLE_CONNECT_PROTOCOL, an extended CONNECT with :protocol websocket reaches the real echo server of test 28 as an HTTP/1.1 Upgrade (with a Sec-WebSocket-Key weir made) and is answered 200 after its 101; messages (an 8 MiB one too) cross both ways in DATA frames within flow control while the worker's memory stays flat, a second tunnel and a plain GET share the connection, either side closes cleanly (END_STREAM), a client RST_STREAM cuts the backend, cleartext h2c works the same, the idle timeout ends the stream, a service that tunnels nothing does not offer it, a backend's 200 instead of 101 gets 502, a reload lets an HTTP/2 tunnel run on (and a draining worker ends one still open just before shutdown_timeout_ms), and the tunnels are counted and logged.
# timeout: 240
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/tls-certs.sh"

PTLS=$(port 0)		# TLS, ALPN h2, to the echo server
PH2C=$(port 4)		# cleartext h2c
PIDLE=$(port 5)		# tunnel_idle_timeout_ms 1000
PNO=$(port 6)		# "upgrade": []
PAPACHE=$(port 7)	# Apache, which answers 200, not 101
PSTATS=$(port 8)	# the stats role
make_tls_certs
start_wsecho "$(port 1)" --name plain
start_apache apache "$(port 3)"
cat >"$T/weir.json" <<EOF
{
$(conf_globals 1)
  "shutdown_timeout_ms": 4000,
  "access_log": "$T/access.log",
  "pools": {"echo": {"health": false, "backends": ["127.0.0.1:$(port 1)"]},
            "apache": {"health": false, "backends": ["127.0.0.1:$(port 3)"]}},
  "services": {"h2ws": {"listen": "127.0.0.1:$PTLS", "pool": "echo",
                        "tls": {"certificates": $(tls_cert_json a)}},
               "h2c": {"listen": "127.0.0.1:$PH2C", "pool": "echo", "h2c": true},
               "idle": {"listen": "127.0.0.1:$PIDLE", "pool": "echo",
                        "tunnel_idle_timeout_ms": 1000,
                        "tls": {"certificates": $(tls_cert_json a)}},
               "noup": {"listen": "127.0.0.1:$PNO", "pool": "echo", "upgrade": [],
                        "tls": {"certificates": $(tls_cert_json a)}},
               "toapache": {"listen": "127.0.0.1:$PAPACHE", "pool": "apache",
                            "tls": {"certificates": $(tls_cert_json a)}},
               "status": {"role": "stats", "listen": "127.0.0.1:$PSTATS"}}
}
EOF
start_weir "$T/weir.json"
wait_children 1
worker=$(weir_children)
worker=${worker%%$'\n'*}

# h2ws ARGS...: backends/h2wsclient.py on a python3 with the h2 module
# (Debian python3-h2).
h2ws()
{
	local py
	for py in python3 /usr/bin/python3; do
		if "$py" -c 'import h2' 2>/dev/null; then
			"$py" "$FIXTURES/h2wsclient.py" "$@"
			return
		fi
	done
	fail "no python3 with the h2 module (apt-get install python3-h2)"
}

# run WHAT ARGS...: h2ws ARGS, failing the test on its failure.
run()
{
	local what=$1 out
	shift
	out=$(h2ws "$@" 2>&1) || fail "$what: $out"
	echo "$out"
}

peak_kb()
{
	awk '/^VmHWM:/ { print $2 }' "/proc/$worker/status"
}

H2=(--tls "$PKI/root.pem")

# Warm-up, so that the buffers and TLS state a connection uses exist
# before the peak is read.
run "warm-up" "127.0.0.1:$PTLS" "${H2[@]}" echo close >/dev/null
before=$(peak_kb)

# The handshake, what the backend saw, echoes both ways, 8 MiB there and
# back, a second tunnel and a plain GET beside the first, a clean close.
out=$(run "TLS tunnel" "127.0.0.1:$PTLS" "${H2[@]}" --path "/chat?room=2" \
    headers echo large 8 second get /plain close)
note "$out"
assert_contains "$out" "connect_protocol 1" "SETTINGS_ENABLE_CONNECT_PROTOCOL"
assert_contains "$out" "status 200" "the extended CONNECT's answer"
assert_no_match "$out" '^field (sec-websocket-accept|upgrade|connection):' \
    "HTTP/1.1 handshake fields in the HTTP/2 answer"
hdrs=$(sed -n 's/^headers //p' <<<"$out")
python3 - "$hdrs" <<'PY' || fail "what the backend saw: $hdrs"
import json, sys
d = json.loads(sys.argv[1])
h = {}
for k, v in d["headers"]:
    h.setdefault(k.lower(), []).append(v)
def want(name, value):
    if h.get(name) != [value]:
        sys.exit("%s: %r, expected %r" % (name, h.get(name), value))
assert d["path"] == "/chat?room=2", d["path"]
want("upgrade", "websocket")
want("connection", "upgrade")
want("sec-websocket-version", "13")
want("x-forwarded-proto", "https")
key = h.get("sec-websocket-key", [""])[0]
import base64
assert len(base64.b64decode(key)) == 16, key
PY
assert_contains "$out" "echo ok 10" "echoes over HTTP/2"
assert_match "$out" '^large ok 8388608 ' "8 MiB there and back over HTTP/2"
assert_contains "$out" "second ok" "a second tunnel on the same connection"
# The echo server answers a GET that asks no upgrade 426, relayed on its
# own stream while the tunnel runs.
assert_match "$out" '^get 426 [0-9]+$' "a plain request beside the tunnel"
assert_contains "$out" "closed by client 1000" "a clean close by the client"
after=$(peak_kb)
note "worker peak RSS: $before kB before, $after kB after 8 MiB there and back over HTTP/2"
# Over TLS: AddressSanitizer's quarantine and valgrind's keep the record
# buffers OpenSSL frees (SSL_MODE_RELEASE_BUFFERS), as in test 28.
if [ -n "${WEIR_WRAPPER:-}" ] || "$WEIR" -V | grep -q 'sanitizers=yes'; then
	note "sanitizer build or wrapper: the peak over TLS is not weir's"
elif [ $((after - before)) -ge 4096 ]; then
	fail "the worker's peak memory grew from $before to $after kB carrying 8 MiB"
fi

# The server closes: its close frame, then END_STREAM.
out=$(run "server close" "127.0.0.1:$PTLS" "${H2[@]}" --path /bye echo close-server)
assert_contains "$out" "closed by server 1000 bye" "a clean close by the server"

# The client resets its stream: the backend's connection is cut (1006).
out=$(run "reset" "127.0.0.1:$PTLS" "${H2[@]}" --path /reset echo reset)
assert_contains "$out" "reset sent" "RST_STREAM sent"
for _ in $(seq 50); do
	grep -q '^end 1006 ' "$T/wsecho-$(port 1).log" && break
	sleep 0.1
done
assert_match "$(cat "$T/wsecho-$(port 1).log")" '^end 1006 ' "the backend cut after RST_STREAM"

# Cleartext HTTP/2 (prior knowledge) the same.
out=$(run "h2c tunnel" "127.0.0.1:$PH2C" echo close)
assert_contains "$out" "connect_protocol 1" "h2c: SETTINGS_ENABLE_CONNECT_PROTOCOL"
assert_contains "$out" "echo ok 10" "h2c: echoes"

# The idle timeout ends the stream.
out=$(run "idle" "127.0.0.1:$PIDLE" "${H2[@]}" --path /quiet echo idle)
note "$out"
secs=$(sed -n 's/^idle ended after \([0-9.]*\) .*/\1/p' <<<"$out")
awk -v s="${secs:-0}" 'BEGIN { exit !(s >= 0.9 && s < 3) }' ||
	fail "idle tunnel ended after ${secs:-never} s, expected 1"

# A service that tunnels nothing does not offer extended CONNECT.
out=$(h2ws "127.0.0.1:$PNO" "${H2[@]}" 2>&1)
note "$out"
assert_contains "$out" "connect_protocol 0" "no SETTINGS_ENABLE_CONNECT_PROTOCOL where nothing tunnels"

# A backend that answers 200 without switching: the client must not think
# its tunnel open.
out=$(run "apache" "127.0.0.1:$PAPACHE" "${H2[@]}" --path /)
note "$out"
assert_contains "$out" "status 502" "200 instead of 101: 502"
assert_match "$(cat "$WEIR_LOG")" 'backend 127.0.0.1:[0-9]+ \(pool apache\): 200, not 101, to an upgrade asked over HTTP/2' \
    "the log names the backend that did not switch"

# Counted while open, and across a reload the old worker keeps it.
h2ws "127.0.0.1:$PTLS" "${H2[@]}" --path /held hold "$T/stop" close >"$T/held.out" 2>&1 &
held=$!
for _ in $(seq 100); do
	n=$("$WEIRCTL" -s "$T/run" stats --json | python3 -c 'import json, sys
d = json.load(sys.stdin)
print([s for s in d["services"] if s["name"] == "h2ws"][0]["tunnels"]["open"])')
	[ "$n" = 1 ] && break
	sleep 0.1
done
assert_eq "$n" 1 "weirctl: the HTTP/2 tunnel open"
# The stats role's /metrics, from the same table: the tunnels so far (the
# bytes once, the connection's, in bytes_in/out).
metrics=$(curl -sS "http://127.0.0.1:$PSTATS/metrics") || fail "GET /metrics"
assert_match "$metrics" '^weir_service_tunnels_open\{service="h2ws"\} 1$' "/metrics: the HTTP/2 tunnel open"
assert_match "$metrics" '^weir_service_tunnels_total\{service="h2ws"\} 6$' "/metrics: the HTTP/2 tunnels opened"
tout=$(sed -n 's/^weir_service_tunnel_bytes_out_total{service="h2ws"} //p' <<<"$metrics")
bout=$(sed -n 's/^weir_service_bytes_out_total{service="h2ws"} //p' <<<"$metrics")
note "h2ws: tunnel bytes out $tout, connection bytes out $bout"
[ "${tout:-0}" -gt 8388608 ] && [ "${bout:-0}" -gt "$tout" ] &&
    [ "$bout" -lt $((tout + 4 * 1048576)) ] ||
	fail "/metrics: tunnel bytes out $tout, service bytes out $bout (8 MiB once each)"
out=$("$WEIRCTL" -s "$T/run" reload) || fail "weirctl reload: $out"
sleep 1.5
touch "$T/stop"
wait "$held" || fail "the HTTP/2 tunnel across the reload: $(cat "$T/held.out")"
n=$(sed -n 's/^hold ok \([0-9]*\) after GOAWAY$/\1/p' "$T/held.out")
[ "${n:-0}" -ge 10 ] || fail "the HTTP/2 tunnel across the reload (GOAWAY, then echoes): $(cat "$T/held.out")"
assert_contains "$(cat "$T/held.out")" "closed by client 1000" "the tunnel across the reload closed cleanly"

# One still open when shutdown_timeout_ms (4 s) nearly ran out is ended by
# its draining worker, 3.5 s after the reload, its stream ended (not cut).
h2ws "127.0.0.1:$PTLS" "${H2[@]}" --path /drained echo idle >"$T/drained.out" 2>&1 &
drained=$!
for _ in $(seq 100); do
	grep -q '^echo ok' "$T/drained.out" && break
	sleep 0.1
done
out=$("$WEIRCTL" -s "$T/run" reload) || fail "weirctl reload: $out"
# weirctl returns once the new generation serves and the old one drains.
t0=$(date +%s.%N)
wait "$drained" || fail "the tunnel of a draining worker: $(cat "$T/drained.out")"
secs=$(awk -v a="$t0" -v b="$(date +%s.%N)" 'BEGIN { printf "%.1f", b - a }')
note "$(tail -1 "$T/drained.out"), $secs s after the reload"
assert_match "$(cat "$T/drained.out")" '^idle ended after [0-9.]+ (ended|reset 0)$' \
    "the tunnel of a draining worker: END_STREAM, or RST_STREAM NO_ERROR"
awk -v s="$secs" 'BEGIN { exit !(s >= 3 && s < 5) }' ||
	fail "a tunnel of a draining worker ended $secs s after the reload, expected 3.5 (shutdown_timeout_ms 4000 less 0.5 s)"

# One access log line per tunnel, as HTTP/2 with the 200 the client saw.
for _ in $(seq 50); do
	grep -q '"GET /held HTTP/2' "$T/access.log" && break
	sleep 0.1
done
log=$(cat "$T/access.log")
note "$log"
assert_match "$log" '"GET /chat\?room=2 HTTP/2(\.0)?" 200 [0-9]{7,} service=h2ws ' \
    "access log: the tunnel's line with the bytes sent"
assert_match "$log" '"GET /bye HTTP/2(\.0)?" 200 [0-9]+ service=h2ws [^"]*$' \
    "access log: the tunnel the server closed, whole"
assert_match "$log" '"GET /reset HTTP/2(\.0)?" 200 .*error="client reset"' \
    "access log: the tunnel the client reset"
assert_match "$log" '"GET /quiet HTTP/2(\.0)?" 200 .*error="idle timeout"' \
    "access log: the idle tunnel"
assert_match "$log" '"GET /held HTTP/2(\.0)?" 200 ' "access log: the tunnel across the reload"
assert_match "$log" '"GET /drained HTTP/2(\.0)?" 200 .*error="shutdown"' \
    "access log: the tunnel its draining worker closed"
assert_no_match "$(grep -v 'no "user"' "$WEIR_LOG")" ' error ' "errors in weir's log"
pass
