#!/usr/bin/env bash
# Over TLS, an 8 MiB download and an 8 MiB upload arrive byte for byte, and garbage or plain HTTP sent to the TLS port is closed at once without disturbing a TLS client's requests in progress.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/tls-certs.sh"

P=$(port 0)
make_tls_certs
d=$(make_docroot light light)
make_file "$d/big.bin" 8
make_file "$T/body" 8
start_lighttpd light "$(port 1)" "$d"
cat >"$T/weir.json" <<EOF2
{
$(conf_globals 1)
  "pools": {"web": {"health": false, "backends": ["127.0.0.1:$(port 1)"]}},
  "services": {"www": {"listen": "127.0.0.1:$P", "pool": "web",
                       "tls": {"certificates": $(tls_cert_json a)}}}
}
EOF2
start_weir "$T/weir.json"
TLS=(--cacert "$PKI/root.pem" --resolve "a.test:$P:127.0.0.1")
U=https://a.test:$P

for v in --http1.1 --http1.0; do
	rm -f "$T/out"
	get "$U/big.bin" "${TLS[@]}" "$v" -D "$T/head" -o "$T/out"
	assert_match "$(head -n 1 "$T/head")" '^HTTP/1\.[01] 200 ' "$v download status"
	assert_eq "$(stat -c %s "$T/out")" 8388608 "$v download size"
	assert_eq "$(md5 "$T/out")" "$(md5 "$d/big.bin")" "$v download md5"
done

out=$(get "$U/upload.cgi" "${TLS[@]}" --data-binary @"$T/body" \
    -H 'Content-Type: application/octet-stream')
assert_eq "$(field "$out" len)" 8388608 "upload length at the backend"
assert_eq "$(field "$out" md5)" "$(md5 "$T/body")" "upload md5 at the backend"

# A TLS client busy with 20 downloads on one connection (slowed down to
# last about 4 s) while the port gets junk: they must all succeed.
urls=()
for i in $(seq 1 20); do
	urls+=("$U/big.bin" -o /dev/null)
done
curl -sS --max-time 60 --limit-rate 40M "${TLS[@]}" \
    -w '%{http_code} %{num_connects}\n' "${urls[@]}" \
    >"$T/busy.out" 2>"$T/busy.err" &
busy=$!
sleep 0.3

# rejected PAYLOAD WHAT: send PAYLOAD, expect the connection closed within
# 3 s with nothing that looks like HTTP coming back.
rejected()
{
	local out
	out=$(printf '%b' "$1" | rawhttp "$P" --parse --timeout 3)
	assert_contains "$out" "END closed" "$2: connection closed"
	assert_not_contains "$out" "STATUS " "$2: got an HTTP response"
}
rejected 'GET / HTTP/1.1\r\nHost: a.test\r\n\r\n' "plain HTTP request"
rejected '\x16\x03\x01\x00\x05hello' "truncated handshake garbage"
head -c 65536 /dev/urandom >"$T/junk"
out=$(rawhttp "$P" --parse --timeout 3 --file "$T/junk")
assert_contains "$out" "END closed" "64 KiB of random bytes: connection closed"
code=0
curl -sS --max-time 5 "http://127.0.0.1:$P/" -o /dev/null 2>/dev/null || code=$?
[ "$code" -ne 0 ] && [ "$code" -ne 28 ] ||
    fail "curl http:// to the TLS port: exit $code (want a closed connection)"

kill -0 "$busy" 2>/dev/null ||
    fail "the busy client finished before the junk was sent: not a parallel test"
wait "$busy" || fail "busy TLS client failed: $(cat "$T/busy.err")"
assert_eq "$(grep -c '^200 ' "$T/busy.out")" 20 "busy client's 200s"
assert_eq "$(awk '{ s += $2 } END { print s }' "$T/busy.out")" 1 \
    "busy client's connections (keep-alive over TLS)"
assert_eq "$(get "$U/" "${TLS[@]}")" light "a request after the junk"
pass
