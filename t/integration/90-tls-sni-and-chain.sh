#!/usr/bin/env bash
# TLS termination picks the certificate by SNI (the first one for an unknown or absent name), sends its chain, speaks TLS 1.2 and 1.3 only, negotiates ALPN h2 then http/1.1 (http/1.1 only with "http2": false), and the backend sees X-Forwarded-Proto: https.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/tls-certs.sh"

P=$(port 0)
make_tls_certs
start_lighttpd light "$(port 1)"
cat >"$T/weir.json" <<EOF2
{
$(conf_globals 1)
  "pools": {"web": {"health": false, "backends": ["127.0.0.1:$(port 1)"]}},
  "services": {"www": {"listen": "127.0.0.1:$P", "pool": "web",
                       "tls": {"certificates": $(tls_cert_json a b)}},
               "h1only": {"listen": "127.0.0.1:$(port 2)", "pool": "web",
                          "http2": false,
                          "tls": {"certificates": $(tls_cert_json a b)}}}
}
EOF2
start_weir "$T/weir.json"

# curl verifies against the root only, so the intermediate must be sent.
for n in a b; do
	out=$(get "https://$n.test:$P/echo.cgi" --cacert "$PKI/root.pem" \
	    --resolve "$n.test:$P:127.0.0.1" -w 'status=%{http_code}\n')
	assert_eq "$(field "$out" status)" 200 "status for $n.test"
	assert_eq "$(field "$out" HTTP_X_FORWARDED_PROTO)" https \
	    "X-Forwarded-Proto at the backend for $n.test"
	assert_eq "$(field "$out" HTTP_HOST)" "$n.test:$P" "Host for $n.test"
	out=$(sclient "$P" -servername "$n.test" -showcerts </dev/null)
	assert_eq "$(printf '%s\n' "$out" | grep -c 'BEGIN CERTIFICATE')" 2 \
	    "certificates sent for $n.test (leaf and intermediate)"
done

assert_eq "$(peer_subject "$P" -servername a.test)" "subject=CN = a.test" "SNI a.test"
assert_eq "$(peer_subject "$P" -servername b.test)" "subject=CN = b.test" "SNI b.test"
assert_eq "$(peer_subject "$P" -servername www.b.test)" "subject=CN = b.test" "SNI www.b.test"
assert_eq "$(peer_subject "$P" -servername c.test)" "subject=CN = a.test" "unknown SNI gets the first certificate"
assert_eq "$(peer_subject "$P" -noservername)" "subject=CN = a.test" "no SNI gets the first certificate"

# Lower the client's own floor (Debian's openssl.cnf says TLSv1.2 and
# SECLEVEL 2) so that the refusal is the server's: a protocol_version alert.
for v in -tls1 -tls1_1; do
	out=$(sclient "$P" -servername a.test "$v" -cipher 'DEFAULT:@SECLEVEL=0' </dev/null)
	assert_contains "$out" "alert protocol version" "s_client $v"
	assert_not_contains "$out" "BEGIN CERTIFICATE" "s_client $v"
done
for v in 1.2 1.3; do
	out=$(sclient "$P" -servername a.test "-tls${v/./_}" </dev/null)
	assert_match "$out" "^New, TLSv$v, Cipher is " "s_client -tls${v/./_}"
	out=$(get "https://a.test:$P/" --cacert "$PKI/root.pem" \
	    --resolve "a.test:$P:127.0.0.1" "--tlsv$v" --tls-max "$v" \
	    -w 'status=%{http_code}\n')
	assert_contains "$out" "status=200" "curl over TLS $v"
done

# The server's preference decides: h2 first, whatever the client's order.
for alpn in h2,http/1.1 http/1.1,h2 h2; do
	assert_contains "$(sclient "$P" -servername a.test -alpn "$alpn" </dev/null)" \
	    "ALPN protocol: h2" "ALPN for $alpn"
done
assert_contains "$(sclient "$P" -servername a.test -alpn http/1.1 </dev/null)" \
    "ALPN protocol: http/1.1" "ALPN for http/1.1"
out=$(get "https://a.test:$P/" --cacert "$PKI/root.pem" \
    --resolve "a.test:$P:127.0.0.1" -w 'version=%{http_version}\n')
assert_contains "$out" "version=2" "curl's HTTP version"

# "http2": false: http/1.1 only.
P2=$(port 2)
assert_contains "$(sclient "$P2" -servername a.test -alpn h2,http/1.1 </dev/null)" \
    "ALPN protocol: http/1.1" "http2 false: ALPN for h2,http/1.1"
assert_contains "$(sclient "$P2" -servername a.test -alpn h2 </dev/null)" \
    "No ALPN negotiated" "http2 false: ALPN for h2 only"
# curl offers h2 first; it must settle on HTTP/1.1.
out=$(get "https://a.test:$P2/" --cacert "$PKI/root.pem" \
    --resolve "a.test:$P2:127.0.0.1" -w 'version=%{http_version}\n')
assert_contains "$out" "version=1.1" "http2 false: curl's HTTP version"
pass
