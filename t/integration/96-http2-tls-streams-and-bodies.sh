#!/usr/bin/env bash
# HTTP/2 over TLS (ALPN h2) in front of real lighttpd and Apache: curl, nghttp and h2load get their answers, 100 streams run at once on one connection, 8 MiB bodies arrive byte for byte both ways (with a length and without), the backend sees the same head as over HTTP/1.1, routing follows :authority, the access log and weirctl count HTTP/2, and a plain "h2c" service speaks HTTP/2 with prior knowledge.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/tls-certs.sh"

P=$(port 0)
make_tls_certs
dl=$(make_docroot light light)
da=$(make_docroot apache apache)
make_file "$dl/big.bin" 8
cp "$dl/big.bin" "$da/big.bin"
make_file "$T/body" 8
start_lighttpd light "$(port 1)" "$dl"
start_apache apache "$(port 2)" "$da"
cat >"$T/weir.json" <<EOF
{
$(conf_globals 1)
  "access_log": "$T/access.log",
  "pools": {"light": {"health": false, "backends": ["127.0.0.1:$(port 1)"]},
            "apache": {"health": false,
                       "backends": [{"address": "127.0.0.1:$(port 2)", "max_conns": 32}]}},
  "services": {"www": {"listen": "127.0.0.1:$P", "pool": "light",
                       "routes": [{"host": "www.a.test", "pool": "apache"}],
                       "tls": {"certificates": $(tls_cert_json a)}},
               "clear": {"listen": "127.0.0.1:$(port 3)", "pool": "light",
                         "h2c": true}}
}
EOF
start_weir "$T/weir.json"
TLS=(--cacert "$PKI/root.pem" --resolve "a.test:$P:127.0.0.1"
    --resolve "www.a.test:$P:127.0.0.1")
U=https://a.test:$P
W=https://www.a.test:$P

# stats_field PATH...: a value of weirctl stats --json, service www.
stats_field()
{
	"$WEIRCTL" -s "$T/run" stats --json | python3 -c '
import json, sys
v = [s for s in json.load(sys.stdin)["services"] if s["name"] == "www"][0]
for k in sys.argv[1:]:
    v = v[k]
print(v)' "$@"
}

# curl negotiates h2 through ALPN; :authority picks the route.
out=$(get "$U/" "${TLS[@]}" --http2 -w '%{http_version}')
assert_eq "$out" "light
2" "curl --http2 to a.test"
out=$(get "$W/" "${TLS[@]}" --http2 -w '%{http_version}')
assert_eq "$out" "apache
2" "curl --http2 to www.a.test (routed by :authority)"

# nghttp speaks HTTP/2 only; it shows the frames.
out=$(nghttp -nv "https://127.0.0.1:$P/" \
    -H ':authority: www.a.test' 2>&1) || fail "nghttp failed: $out"
assert_match "$out" 'recv \(stream_id=[0-9]+\) :status: 200' "nghttp status"
assert_match "$out" 'recv SETTINGS frame' "nghttp saw weir's SETTINGS"
assert_match "$out" 'SETTINGS_MAX_CONCURRENT_STREAMS\(0x03\):128' \
    "max_concurrent_streams announced"
out=$(nghttp "https://127.0.0.1:$P/" \
    -H ':authority: www.a.test' 2>"$T/nghttp.err")
assert_eq "$out" apache "nghttp body (routed by :authority)"

# The backend sees the head an HTTP/1.1 client's request would get.
hdrs=(-H 'X-Custom: one, two' -H 'Accept: text/plain' -H 'User-Agent: weir-test')
h1=$(get "$U/echo.cgi?q=1" "${TLS[@]}" --http1.1 "${hdrs[@]}")
h2=$(get "$U/echo.cgi?q=1" "${TLS[@]}" --http2 "${hdrs[@]}")
# Each request has its own X-Request-Id: compared apart.
pick()
{
	grep -E '^(method|uri|protocol|HTTP_[A-Z_]*|CONTENT_[A-Z]*)=' <<<"$1" |
	    grep -v '^HTTP_X_REQUEST_ID=' | sort
}
assert_eq "$(pick "$h2")" "$(pick "$h1")" "backend's view of the same request over HTTP/2 and HTTP/1.1"
assert_match "$(field "$h1" HTTP_X_REQUEST_ID) $(field "$h2" HTTP_X_REQUEST_ID)" \
    '^[0-9a-f]{16} [0-9a-f]{16}$' "the backend's X-Request-Id over HTTP/1.1 and HTTP/2"
assert_eq "$(field "$h2" HTTP_X_FORWARDED_PROTO)" https "X-Forwarded-Proto over HTTP/2"
assert_eq "$(field "$h2" HTTP_HOST)" "a.test:$P" "Host from :authority"
# Cookies sent as separate fields reach HTTP/1.1 as one (RFC 9113 8.2.3).
out=$(nghttp "https://127.0.0.1:$P/echo.cgi" \
    -H ':authority: a.test' -H 'cookie: a=1' -H 'cookie: b=2' 2>"$T/nghttp.err")
assert_eq "$(field "$out" HTTP_COOKIE)" "a=1; b=2" "cookie crumbs joined"

# 8 MiB down: with a Content-Length (a file) and without (chunked at the
# backend, DATA frames here), from each backend.
for base in "$U" "$W"; do
	for path in big.bin stream.cgi; do
		rm -f "$T/out"
		get "$base/$path" "${TLS[@]}" --http2 -o "$T/out" -D "$T/head"
		assert_match "$(head -n 1 "$T/head")" '^HTTP/2 200' "$base/$path status"
		assert_eq "$(stat -c %s "$T/out")" 8388608 "$base/$path size"
		assert_eq "$(md5 "$T/out")" "$(md5 "$dl/big.bin")" "$base/$path md5"
	done
done
assert_eq "$(header "$(cat "$T/head")" transfer-encoding)" "" "no transfer-encoding over HTTP/2"

# 8 MiB up: with content-length, and without (curl sends no length for
# stdin): the backend gets it chunked.
for base in "$U" "$W"; do
	out=$(get "$base/upload.cgi" "${TLS[@]}" --http2 --data-binary @"$T/body" \
	    -H 'Content-Type: application/octet-stream')
	assert_eq "$(field "$out" len)" 8388608 "$base upload with length: length"
	assert_eq "$(field "$out" md5)" "$(md5 "$T/body")" "$base upload with length: md5"
	out=$(curl -sS --max-time 30 "${TLS[@]}" --http2 -X POST -T - \
	    -H 'Content-Type: application/octet-stream' "$base/upload.cgi" <"$T/body") ||
	    fail "chunked upload to $base failed"
	assert_eq "$(field "$out" len)" 8388608 "$base upload without length: length"
	assert_eq "$(field "$out" md5)" "$(md5 "$T/body")" "$base upload without length: md5"
done
# Apache's CGI gets no CONTENT_LENGTH for a chunked body: it was chunked.
assert_eq "$(field "$out" content_length)" "" "the body without length went chunked"

# 100 streams at once on one connection: 100 one-second requests take
# about a second, not a hundred.
c0=$(stats_field by_protocol_connections HTTP/2)
r0=$(stats_field by_protocol_requests HTTP/2)
start=$(date +%s)
h2load -n 100 -c 1 -m 100 -H ':authority: a.test' \
    "https://127.0.0.1:$P/sleep.cgi?1" >"$T/h2load.out" 2>&1 ||
    fail "h2load failed: $(cat "$T/h2load.out")"
secs=$(($(date +%s) - start))
note "$(grep -E '^(finished|requests|status)' "$T/h2load.out")"
assert_match "$(cat "$T/h2load.out")" 'requests: 100 total, 100 started, 100 done, 100 succeeded, 0 failed' "h2load, 100 concurrent streams"
assert_match "$(cat "$T/h2load.out")" 'status codes: 100 2xx' "h2load statuses"
[ "$secs" -le 8 ] || fail "100 concurrent one-second streams took ${secs}s"
assert_eq "$(stats_field by_protocol_connections HTTP/2)" $((c0 + 1)) "HTTP/2 connections counted"
assert_eq "$(stats_field by_protocol_requests HTTP/2)" $((r0 + 100)) "HTTP/2 requests counted"

# Many more on one connection, to each backend (Apache, with its 64
# workers, behind max_conns: streams past it wait in weir's queue).
for host in a.test www.a.test; do
	h2load -n 4000 -c 1 -m 100 -H ":authority: $host" \
	    "https://127.0.0.1:$P/index.html" >"$T/h2load.out" 2>&1 ||
	    fail "h2load failed: $(cat "$T/h2load.out")"
	assert_match "$(cat "$T/h2load.out")" 'requests: 4000 total, 4000 started, 4000 done, 4000 succeeded, 0 failed' "h2load, 4000 requests on one connection to $host"
	assert_match "$(cat "$T/h2load.out")" 'status codes: 4000 2xx' "h2load statuses ($host)"
done

# Cleartext prior knowledge on the h2c service; HTTP/1 is not spoken there.
out=$(get "http://127.0.0.1:$(port 3)/" --http2-prior-knowledge -w '%{http_version}')
assert_eq "$out" "light
2" "curl --http2-prior-knowledge to the h2c service"
h2load -n 1000 -c 2 -m 50 "http://127.0.0.1:$(port 3)/index.html" >"$T/h2load.out" 2>&1 ||
    fail "h2load over h2c failed: $(cat "$T/h2load.out")"
assert_match "$(cat "$T/h2load.out")" 'requests: 1000 total, 1000 started, 1000 done, 1000 succeeded, 0 failed' "h2load over h2c"
code=$(curl -s -o /dev/null -w '%{http_code}' --http1.1 --max-time 5 "http://127.0.0.1:$(port 3)/" || true)
assert_eq "$code" 000 "an HTTP/1.1 request to the h2c service gets no HTTP/1 answer"

# The access log says HTTP/2.0 and the HTTP/1.1 lines say HTTP/1.1.
"$WEIRCTL" -s "$T/run" stats --json >/dev/null
kill -USR1 "$WEIR_PID"
for i in $(seq 1 50); do
	grep -q 'HTTP/2.0' "$T/access.log" 2>/dev/null && break
	sleep 0.1
done
assert_match "$(cat "$T/access.log")" '"GET /echo.cgi\?q=1 HTTP/2.0" 200 ' "access log line of an HTTP/2 request"
assert_match "$(cat "$T/access.log")" '"GET /echo.cgi\?q=1 HTTP/1.1" 200 ' "access log line of an HTTP/1.1 request"
[ "$(stats_field by_protocol_requests HTTP/1.1)" -ge 1 ] || fail "HTTP/1.1 requests not counted"
pass
