#!/usr/bin/env bash
# A WebSocket client reaches a real echo server through weir, plain and over TLS on either side, and through Apache's mod_proxy_wstunnel: text and binary messages and an 8 MiB one come back whole (the worker's memory stays flat), either side closes cleanly, each tunnel logs one line with status 101 when it ends, and an idle tunnel is closed after tunnel_idle_timeout_ms.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/tls-certs.sh"

P=$(port 0)		# plain, to the plain echo server
PTLS=$(port 4)		# TLS clients
PBTLS=$(port 5)		# plain clients, TLS to the backend
PAPACHE=$(port 6)	# through Apache
PIDLE=$(port 7)		# tunnel_idle_timeout_ms 1000
make_tls_certs
start_wsecho "$(port 1)" --name plain
start_wsecho "$(port 2)" --name tls --tls "$PKI/a.pem" "$PKI/a.key"
mods=/usr/lib/apache2/modules
APACHE_EXTRA="LoadModule proxy_module $mods/mod_proxy.so
LoadModule proxy_http_module $mods/mod_proxy_http.so
LoadModule proxy_wstunnel_module $mods/mod_proxy_wstunnel.so
ProxyPass /ws/ ws://127.0.0.1:$(port 1)/" start_apache apache "$(port 3)"
cat >"$T/weir.json" <<EOF
{
$(conf_globals 1)
  "access_log": "$T/access.log",
  "pools": {"echo": {"health": false, "backends": ["127.0.0.1:$(port 1)"]},
            "echotls": {"health": false, "tls": true, "tls_ca_file": "$PKI/root.pem",
                        "tls_server_name": "a.test", "backends": ["127.0.0.1:$(port 2)"]},
            "apache": {"health": false, "backends": ["127.0.0.1:$(port 3)"]}},
  "services": {"ws": {"listen": "127.0.0.1:$P", "pool": "echo"},
               "wss": {"listen": "127.0.0.1:$PTLS", "pool": "echo",
                       "tls": {"certificates": $(tls_cert_json a)}},
               "tob": {"listen": "127.0.0.1:$PBTLS", "pool": "echotls"},
               "viaapache": {"listen": "127.0.0.1:$PAPACHE", "pool": "apache"},
               "idle": {"listen": "127.0.0.1:$PIDLE", "pool": "echo",
                        "tunnel_idle_timeout_ms": 1000}}
}
EOF
start_weir "$T/weir.json"
wait_children 1
worker=$(weir_children)
worker=${worker%%$'\n'*}
WSS=(--ca "$PKI/root.pem" --connect "127.0.0.1:$PTLS")

peak_kb()
{
	awk '/^VmHWM:/ { print $2 }' "/proc/$worker/status"
}

# run WHAT ARGS...: wsclient ARGS, failing the test on its failure.
run()
{
	local what=$1 out
	shift
	out=$(wsclient "$@" 2>&1) || fail "$what: $out"
	echo "$out"
}

# Warm-up on every path, so that the buffers and TLS state a connection
# uses exist before the peak is read.
for u in "ws://127.0.0.1:$P/" "ws://127.0.0.1:$PBTLS/"; do
	run "warm-up $u" "$u" echo close >/dev/null
done
run "warm-up TLS" "wss://a.test:$PTLS/" "${WSS[@]}" echo close >/dev/null
before=$(peak_kb)

# Plain: the handshake through weir, messages both ways, the client closes.
out=$(run plain "ws://127.0.0.1:$P/chat?room=1" headers echo large 8 name close)
note "$out"
assert_contains "$out" "status 101" "plain: handshake"
assert_match "$out" '^field Upgrade: websocket$' "plain: 101's Upgrade"
assert_match "$out" '^field Connection: upgrade$' "plain: 101's Connection"
assert_match "$out" '^field Sec-WebSocket-Accept: ' "plain: 101's accept key"
assert_match "$out" '^field X-Request-Id: [0-9a-f]{16}$' "plain: 101's X-Request-Id"
assert_contains "$out" '"path": "/chat?room=1"' "plain: path at the backend"
assert_contains "$out" '["Upgrade", "websocket"]' "plain: Upgrade at the backend"
assert_contains "$out" '["Connection", "upgrade"]' "plain: Connection at the backend"
assert_contains "$out" '["X-Forwarded-For", "127.0.0.1"]' "plain: XFF at the backend"
assert_contains "$out" '["X-Forwarded-Proto", "http"]' "plain: XFP at the backend"
assert_contains "$out" "echo ok 10" "plain: text and binary echoes"
assert_contains "$out" "large ok 8388608" "plain: 8 MiB message"
assert_contains "$out" "name plain" "plain: backend"
assert_contains "$out" "closed by client 1000" "plain: client's close"
after_plain=$(peak_kb)

# The server closes.
out=$(run "server close" "ws://127.0.0.1:$P/" echo close-server)
assert_contains "$out" "closed by server 1000 bye" "plain: server's close"

# TLS from the client, plain to the backend.
out=$(run tls "wss://a.test:$PTLS/secure" "${WSS[@]}" headers echo large 8 close)
assert_contains "$out" "status 101" "TLS client: handshake"
assert_contains "$out" '["X-Forwarded-Proto", "https"]' "TLS client: XFP at the backend"
assert_contains "$out" "echo ok 10" "TLS client: echoes"
assert_contains "$out" "large ok 8388608" "TLS client: 8 MiB message"
assert_contains "$out" "closed by client 1000" "TLS client: client's close"
out=$(run "tls server close" "wss://a.test:$PTLS/" "${WSS[@]}" echo close-server)
assert_contains "$out" "closed by server 1000 bye" "TLS client: server's close"

# Plain from the client, TLS to the backend.
out=$(run "tls backend" "ws://127.0.0.1:$PBTLS/" echo large 8 name close)
assert_contains "$out" "echo ok 10" "TLS backend: echoes"
assert_contains "$out" "large ok 8388608" "TLS backend: 8 MiB message"
assert_contains "$out" "name tls" "TLS backend: backend"
assert_contains "$out" "closed by client 1000" "TLS backend: client's close"
out=$(run "tls backend server close" "ws://127.0.0.1:$PBTLS/" close-server)
assert_contains "$out" "closed by server 1000 bye" "TLS backend: server's close"

# One buffer per direction, whatever the message: the worker's peak stays.
after=$(peak_kb)
note "worker peak RSS: ${before} kB before, ${after_plain} kB after 8 MiB there and back, ${after} kB after the same over TLS on either side"
[ $((after_plain - before)) -lt 1024 ] ||
	fail "worker peak memory grew by $((after_plain - before)) kB over an 8 MiB message"
# OpenSSL gives its record buffers back after each record
# (SSL_MODE_RELEASE_BUFFERS); AddressSanitizer's quarantine and valgrind's
# freed-block queue keep such blocks from being reused, so over TLS only
# weir run as it is built says anything about weir.
if [ -n "${WEIR_WRAPPER:-}" ] || "$WEIR" -V | grep -q 'sanitizers=yes'; then
	note "sanitizer build or wrapper: the peak over TLS is not weir's"
else
	[ $((after - before)) -lt 1024 ] ||
		fail "worker peak memory grew by $((after - before)) kB over 8 MiB messages over TLS"
fi

# Apache (mod_proxy_wstunnel) between weir and the echo server: its 101.
out=$(run apache "ws://127.0.0.1:$PAPACHE/ws/" echo large 2 close)
assert_contains "$out" "echo ok 10" "through Apache: echoes"
assert_contains "$out" "large ok 2097152" "through Apache: 2 MiB message"
assert_contains "$out" "closed by client 1000" "through Apache: client's close"

# Nothing either way for tunnel_idle_timeout_ms: weir closes both sides.
out=$(run idle "ws://127.0.0.1:$PIDLE/quiet" idle)
note "$out"
secs=$(sed -n 's/^idle closed after \([0-9.]*\) .*/\1/p' <<<"$out")
[ -n "$secs" ] || fail "idle: $out"
awk -v s="$secs" 'BEGIN { exit !(s < 3) }' ||
	fail "idle tunnel closed after $secs s, expected about 1 s"
sleep 0.5
assert_match "$(cat "$T/wsecho-$(port 1).log")" '^end 1006 ' "the backend saw the idle close"

# The echo servers saw each client's close as a clean one, through weir.
assert_eq "$(grep -c '^end 1000 done$' "$T/wsecho-$(port 1).log")" 5 \
    "clean client closes at the plain echo server"
assert_eq "$(grep -c '^end 1000 bye$' "$T/wsecho-$(port 1).log")" 2 \
    "server closes at the plain echo server"

# One access log line per tunnel, written when it ended: 101 and the
# bytes the client got.
sleep 0.3
log=$(cat "$T/access.log")
note "$log"
assert_match "$log" '"GET /chat\?room=1 HTTP/1\.1" 101 [0-9]{7,} service=ws backend=127\.0\.0\.1:'"$(port 1)" \
    "access log: the plain tunnel"
bytes=$(sed -n 's|.*"GET /chat?room=1 HTTP/1.1" 101 \([0-9]*\) .*|\1|p' <<<"$log")
[ "$bytes" -gt 8388608 ] || fail "access log: $bytes bytes for a tunnel that carried 8 MiB"
assert_match "$log" '"GET /secure HTTP/1\.1" 101 [0-9]{7,} service=wss ' "access log: the TLS tunnel"
assert_match "$log" '"GET /quiet HTTP/1\.1" 101 [0-9]+ service=idle .* error="idle timeout"' \
    "access log: the idle tunnel"
# Its whole time, from the request's first byte: at least the idle
# timeout, which counts from the 101.
ms=$(sed -n 's|.*"GET /quiet HTTP/1.1" 101 .* total_ms=\([0-9]*\).*|\1|p' <<<"$log")
[ "${ms:-0}" -ge 1000 ] && [ "$ms" -lt 3000 ] ||
    fail "access log: the idle tunnel lasted ${ms:-?} ms, expected 1000 to 3000"
assert_eq "$(grep -c '" 101 ' "$T/access.log")" 11 "access log lines of tunnels"

json=$("$WEIRCTL" -s "$T/run" stats --json)
open_total=$(python3 -c 'import json,sys
d = json.load(sys.stdin)
print(" ".join("%s=%d/%d" % (s["name"], s["tunnels"]["open"], s["tunnels"]["total"]) for s in d["services"]))' <<<"$json")
assert_eq "$open_total" "ws=0/3 wss=0/3 tob=0/3 viaapache=0/1 idle=0/1" "tunnels open/total per service"
# The test runs as root without "user": that one warning is expected.
assert_no_match "$(grep -v 'no "user"' "$WEIR_LOG")" ' (error|warn) ' \
    "errors or warnings in weir's log"
pass
