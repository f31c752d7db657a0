#!/usr/bin/env bash
# A pool with "tls" reaches an Apache that speaks only TLS, verifies its certificate against the configured CA and name, keeps those connections alive for reuse, and refuses (502, with the reason logged) a backend whose certificate does not match.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/tls-certs.sh"

P=$(port 0)
PBAD=$(port 2)
make_tls_certs
APACHE_EXTRA=$(apache_tls_conf a) start_apache apache "$(port 1)"
cat >"$T/weir.json" <<EOF
{
$(conf_globals 1)
  "pools": {"secure": {"health": false, "tls": true, "tls_ca_file": "$PKI/root.pem",
                       "tls_server_name": "a.test", "backends": ["127.0.0.1:$(port 1)"]},
            "wrong": {"health": false, "tls": true, "tls_ca_file": "$PKI/root.pem",
                      "tls_server_name": "b.test", "backends": ["127.0.0.1:$(port 1)"]}},
  "services": {"www": {"listen": "127.0.0.1:$P", "pool": "secure"},
               "bad": {"listen": "127.0.0.1:$PBAD", "pool": "wrong"}}
}
EOF
start_weir "$T/weir.json"

for i in 1 2 3 4 5; do
	out=$(get "http://127.0.0.1:$P/echo.cgi")
	assert_eq "$(field "$out" backend)" apache "request $i through TLS to Apache"
done
head -c 3000000 /dev/urandom >"$T/up.bin"
out=$(get "http://127.0.0.1:$P/upload.cgi" --data-binary @"$T/up.bin")
assert_eq "$(field "$out" md5)" "$(md5sum <"$T/up.bin" | cut -d' ' -f1)" "a 3 MB upload over backend TLS"
sleep 0.5
conns=$(awk '{ print $2 }' "$T/apache/access.log" | sort -u | wc -l)
[ "$conns" -lt 6 ] || fail "no backend TLS connection was reused ($conns connections for 6 requests)"

assert_eq "$(status "http://127.0.0.1:$PBAD/echo.cgi")" 502 "a certificate for another name"
assert_match "$(cat "$WEIR_LOG")" 'backend 127\.0\.0\.1:[0-9]+ \(pool wrong\): TLS handshake failed: .*(hostname mismatch|certificate verify failed)' \
    "the refusal is logged with its reason"
pass
