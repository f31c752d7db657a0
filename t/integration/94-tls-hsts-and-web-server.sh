#!/usr/bin/env bash
# Over TLS, proxied responses carry Strict-Transport-Security when hsts_max_age is set, a web_server behind TLS sends files byte-exact without sendfile, a session ticket issued before a reload still resumes after it, and a certificate replaced on disk is served after a reload.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/tls-certs.sh"

P=$(port 0)
PS=$(port 2)
make_tls_certs
start_lighttpd light "$(port 1)"
mkdir -p "$T/files"
head -c 3000000 /dev/urandom >"$T/files/blob.bin"
cat >"$T/weir.json" <<EOF2
{
$(conf_globals 1)
  "pools": {"web": {"health": false, "backends": ["127.0.0.1:$(port 1)"]}},
  "services": {"www": {"listen": "127.0.0.1:$P", "pool": "web",
                       "tls": {"certificates": $(tls_cert_json a), "hsts_max_age": 31536000}},
               "files": {"role": "web_server", "listen": "127.0.0.1:$PS", "docroot": "$T/files",
                         "tls": {"certificates": $(tls_cert_json a)}}}
}
EOF2
start_weir "$T/weir.json"

tls_get()	# tls_get PORT PATH [curl args]
{
	local p=$1 path=$2
	shift 2
	get "https://a.test:$p$path" --cacert "$PKI/root.pem" --resolve "a.test:$p:127.0.0.1" "$@"
}
hdrs=$(tls_get "$P" /name --http1.1 -D - -o /dev/null | tr -d '\r')
assert_match "$hdrs" '^Strict-Transport-Security: max-age=31536000$' "HSTS on a proxied response"
hdrs=$(tls_get "$PS" /blob.bin --http1.1 -D - -o /dev/null | tr -d '\r')
assert_match "$hdrs" '^Content-Length: 3000000$' "web_server over TLS: length"
# The same over HTTP/2, where field names are lower case (RFC 9113 8.2.1).
hdrs=$(tls_get "$P" /name --http2 -D - -o /dev/null | tr -d '\r')
assert_match "$hdrs" '^strict-transport-security: max-age=31536000$' "HSTS on a proxied response over HTTP/2"
hdrs=$(tls_get "$PS" /blob.bin --http2 -D - -o /dev/null | tr -d '\r')
assert_match "$hdrs" '^content-length: 3000000$' "web_server over HTTP/2: length"
assert_eq "$(tls_get "$PS" /blob.bin | md5sum)" "$(md5sum <"$T/files/blob.bin")" \
    "web_server over TLS: bytes"
assert_eq "$(tls_get "$PS" /blob.bin -r 1000-1999 | md5sum)" \
    "$(dd if="$T/files/blob.bin" bs=1 skip=1000 count=1000 2>/dev/null | md5sum)" \
    "web_server over TLS: a range"
sclient "$P" -servername a.test -tls1_2 -sess_out "$T/session" </dev/null >/dev/null 2>&1
"$WEIRCTL" -s "$T/run" reload >/dev/null || fail "reload failed"
out=$(sclient "$P" -servername a.test -tls1_2 -sess_in "$T/session" </dev/null 2>&1)
assert_match "$out" '^Reused, TLSv1.2' "a ticket from before the reload resumes"

# Renewed certificate: new files at the same paths, then HUP.
assert_eq "$(peer_subject "$P" -servername a.test)" "subject=CN = a.test" "the certificate before"
cp "$PKI/b.pem" "$PKI/a.pem"
cp "$PKI/b.key" "$PKI/a.key"
"$WEIRCTL" -s "$T/run" reload >/dev/null || fail "reload with the new certificate failed"
assert_eq "$(peer_subject "$P" -servername a.test)" "subject=CN = b.test" "the certificate after the reload"
pass
