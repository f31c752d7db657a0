#!/usr/bin/env bash
# access_log_format writes each named field (and nginx's names for them) with what happened, for requests over plain HTTP and TLS to lighttpd and to an Apache reached over TLS, for weir's own answers (with their real body sizes) and for refused requests (what came of their request line, escaped); a bad format stops "weir -t" with its place and cause.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/tls-certs.sh"

P=$(port 0)
PT=$(port 1)
B1=127.0.0.1:$(port 2)
APACHE=127.0.0.1:$(port 3)
DEAD=127.0.0.1:$(port 4)
make_tls_certs
start_lighttpd b1 "$(port 2)"
head -c 33554432 /dev/zero >"$T/b1/htdocs/big.bin"
APACHE_EXTRA=$(apache_tls_conf a) start_apache apache "$(port 3)"

# Every field, then the same ones under nginx's names; '|' between them.
NAMES=(client time time_iso request method uri protocol status bytes
    bytes_clf host tls_version sni service backend tries total_ms
    backend_ms request_time request_id user_agent referer error error_note)
NGINX=(remote_addr time_local time_iso8601 request_method request_uri
    server_protocol body_bytes_sent http_host ssl_protocol ssl_server_name
    upstream_addr http_user_agent http_referer)
FMT=
for n in "${NAMES[@]}" "${NGINX[@]}"; do
	FMT+="\$$n|"
done
FMT+='${status}xx|$$'
cat >"$T/weir.json" <<EOF
{
$(conf_globals 1)
  "access_log": "$T/access.log",
  "access_log_format": "$FMT",
  "pools": {"web": {"health": false, "backends": ["$B1"]},
            "secure": {"health": false, "tls": true, "tls_ca_file": "$PKI/root.pem",
                       "tls_server_name": "a.test", "backends": ["$APACHE"]},
            "dead": {"health": false, "retries": 0, "backends": ["$DEAD"]}},
  "services": {"plain": {"listen": "127.0.0.1:$P", "pool": "web",
                         "request_header_timeout_ms": 500,
                         "routes": [{"path": "/dead/", "pool": "dead"},
                                    {"path": "/cgi/", "pool": "secure"}]},
               "tls": {"listen": "127.0.0.1:$PT", "pool": "web",
                       "routes": [{"path": "/cgi/", "pool": "secure"}],
                       "tls": {"certificates": $(tls_cert_json a)}}}
}
EOF
start_weir "$T/weir.json"
mkdir -p "$T/apache/htdocs/cgi"
cp "$T/apache/htdocs/echo.cgi" "$T/apache/htdocs/name" "$T/apache/htdocs/cgi/"
chmod 755 "$T/apache/htdocs/cgi"

# last: the fields of the last access log line, one "name=value" a line,
# nginx's names and the two extras after weir's.
last()
{
	sleep 0.3
	python3 - "$T/access.log" "${NAMES[@]}" -- "${NGINX[@]}" <<'EOF'
import sys
args = sys.argv[2:]
cut = args.index("--")
names = args[:cut] + ["nginx_" + n for n in args[cut + 1:]] + ["status_xx", "dollar"]
line = open(sys.argv[1]).read().splitlines()[-1]
values = line.split("|")
if len(values) != len(names):
    sys.exit("%d fields in %r, expected %d" % (len(values), line, len(names)))
for n, v in zip(names, values):
    print("%s=%s" % (n, v))
EOF
}

# same_as_nginx FIELDS: nginx's names say what weir's do.
same_as_nginx()
{
	local pairs="client:remote_addr time:time_local time_iso:time_iso8601
	    method:request_method uri:request_uri protocol:server_protocol
	    bytes:body_bytes_sent host:http_host tls_version:ssl_protocol
	    sni:ssl_server_name backend:upstream_addr user_agent:http_user_agent
	    referer:http_referer" p
	for p in $pairs; do
		assert_eq "$(field "$1" "nginx_${p#*:}")" "$(field "$1" "${p%%:*}")" \
		    "\$${p#*:} against \$${p%%:*}"
	done
	assert_eq "$(field "$1" status_xx)" "$(field "$1" status)xx" '${status}xx'
	assert_eq "$(field "$1" dollar)" '$' '$$'
}

# timings F: total_ms, backend_ms and request_time agree.
timings()
{
	python3 - "$(field "$1" total_ms)" "$(field "$1" backend_ms)" \
	    "$(field "$1" request_time)" "$2" <<'EOF' || fail "timings of $2: $(tr '\n' ' ' <<<"$1")"
import sys
total, backend, seconds, has_backend = sys.argv[1:]
t, b, s = float(total), float(backend), float(seconds)
assert 0 < t < 10000, "total_ms"
assert (0 < b <= t) if has_backend == "yes" else b == 0, "backend_ms"
assert abs(s * 1000 - t) < 1.5, "request_time"
assert len(total.split(".")[1]) == 3 and len(seconds.split(".")[1]) == 3
EOF
}

note "plain HTTP to lighttpd"
curl -sS -D "$T/head" -o "$T/body" -A 'agent "007" \x' -e 'http://ref.example/?q=a' \
    "http://127.0.0.1:$P/name?x=1" || fail "curl failed"
f=$(last)
note "$(tr '\n' ' ' <<<"$f")"
assert_eq "$(field "$f" client)" 127.0.0.1 '$client'
assert_match "$(field "$f" time)" '^[0-9]{2}/[A-Z][a-z]{2}/[0-9]{4}:[0-9]{2}:[0-9]{2}:[0-9]{2} \+0000$' '$time'
assert_match "$(field "$f" time_iso)" '^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}Z$' '$time_iso'
assert_eq "$(field "$f" request)" "GET /name?x=1 HTTP/1.1" '$request'
assert_eq "$(field "$f" method)" GET '$method'
assert_eq "$(field "$f" uri)" "/name?x=1" '$uri'
assert_eq "$(field "$f" protocol)" HTTP/1.1 '$protocol'
assert_eq "$(field "$f" status)" 200 '$status'
assert_eq "$(field "$f" bytes)" 3 '$bytes'
assert_eq "$(field "$f" bytes_clf)" 3 '$bytes_clf'
assert_eq "$(field "$f" host)" "127.0.0.1:$P" '$host'
assert_eq "$(field "$f" tls_version)" - '$tls_version over plain HTTP'
assert_eq "$(field "$f" sni)" - '$sni over plain HTTP'
assert_eq "$(field "$f" service)" plain '$service'
assert_eq "$(field "$f" backend)" "$B1" '$backend'
assert_eq "$(field "$f" tries)" 1 '$tries'
timings "$f" yes
assert_eq "$(field "$f" request_id)" "$(header "$(cat "$T/head")" X-Request-Id)" '$request_id'
assert_eq "$(field "$f" user_agent)" 'agent \"007\" \\x' '$user_agent, escaped'
assert_eq "$(field "$f" referer)" 'http://ref.example/?q=a' '$referer'
assert_eq "$(field "$f" error)" - '$error'
assert_eq "$(field "$f" error_note)" "" '$error_note'
same_as_nginx "$f"

note "HTTP/1.0 HEAD with an absolute-form target, no User-Agent or Referer"
out=$(printf 'HEAD http://abs.example/name HTTP/1.0\r\n\r\n' | rawhttp "$P" --parse --timeout 5)
assert_eq "$(grep -m1 '^STATUS ' <<<"$out")" "STATUS 200" "HEAD"
f=$(last)
assert_eq "$(field "$f" request)" "HEAD http://abs.example/name HTTP/1.0" '$request'
assert_eq "$(field "$f" protocol)" HTTP/1.0 '$protocol'
assert_eq "$(field "$f" host)" abs.example '$host of an absolute-form target'
assert_eq "$(field "$f" bytes)" 0 '$bytes of a HEAD'
assert_eq "$(field "$f" bytes_clf)" - '$bytes_clf of a HEAD'
assert_eq "$(field "$f" user_agent)" - '$user_agent when none'
assert_eq "$(field "$f" referer)" - '$referer when none'
same_as_nginx "$f"

note "TLS 1.3 and 1.2 from the client, with SNI"
for v in 1.3 1.2; do
	curl -sS --http1.1 --cacert "$PKI/root.pem" --tls-max "$v" --resolve "www.a.test:$PT:127.0.0.1" \
	    -D "$T/head" -o "$T/body" "https://www.a.test:$PT/name" || fail "curl over TLS $v failed"
	f=$(last)
	note "$(tr '\n' ' ' <<<"$f")"
	assert_eq "$(field "$f" tls_version)" "TLSv$v" '$tls_version'
	assert_eq "$(field "$f" sni)" www.a.test '$sni'
	assert_eq "$(field "$f" host)" "www.a.test:$PT" '$host'
	assert_eq "$(field "$f" service)" tls '$service'
	assert_eq "$(field "$f" status) $(field "$f" bytes)" "200 3" '$status $bytes'
	assert_eq "$(field "$f" request_id)" "$(header "$(cat "$T/head")" X-Request-Id)" '$request_id'
	same_as_nginx "$f"
done

note "HTTP/2 over TLS: the same fields"
curl -sS --http2 --cacert "$PKI/root.pem" --resolve "www.a.test:$PT:127.0.0.1" \
    -A 'h2 "agent"' -e 'http://ref.example/h2' \
    -D "$T/head" -o "$T/body" "https://www.a.test:$PT/name?h=2" || fail "curl over HTTP/2 failed"
assert_match "$(head -1 "$T/head")" '^HTTP/2 200' "curl spoke HTTP/2"
f=$(last)
note "$(tr '\n' ' ' <<<"$f")"
assert_eq "$(field "$f" request)" "GET /name?h=2 HTTP/2.0" '$request over HTTP/2'
assert_eq "$(field "$f" protocol)" HTTP/2.0 '$protocol over HTTP/2'
assert_eq "$(field "$f" host)" "www.a.test:$PT" '$host over HTTP/2 (:authority)'
assert_eq "$(field "$f" tls_version) $(field "$f" sni)" "TLSv1.3 www.a.test" '$tls_version $sni over HTTP/2'
assert_eq "$(field "$f" status) $(field "$f" bytes)" "200 3" '$status $bytes over HTTP/2'
assert_eq "$(field "$f" backend) $(field "$f" tries)" "$B1 1" '$backend $tries over HTTP/2'
assert_eq "$(field "$f" user_agent)" 'h2 \"agent\"' '$user_agent over HTTP/2'
assert_eq "$(field "$f" referer)" 'http://ref.example/h2' '$referer over HTTP/2'
assert_match "$(field "$f" request_id)" '^[0-9a-f]{16}$' '$request_id over HTTP/2'
assert_eq "$(field "$f" request_id)" "$(header "$(cat "$T/head")" X-Request-Id)" '$request_id over HTTP/2 is the response'"'"'s'
timings "$f" yes
same_as_nginx "$f"

note "TLS from the client and on to Apache over TLS"
curl -sS --cacert "$PKI/root.pem" --resolve "a.test:$PT:127.0.0.1" -D "$T/head" -o "$T/body" \
    "https://a.test:$PT/cgi/echo.cgi" || fail "curl to the TLS pool failed"
assert_eq "$(field "$(cat "$T/body")" backend)" apache "the answer came from Apache"
f=$(last)
assert_eq "$(field "$f" backend)" "$APACHE" '$backend of a TLS pool'
assert_eq "$(field "$f" sni)" a.test '$sni'
assert_eq "$(field "$f" bytes)" "$(stat -c %s "$T/body")" '$bytes of the CGI answer'
assert_eq "$(field "$f" request_id)" "$(field "$(cat "$T/body")" HTTP_X_REQUEST_ID)" '$request_id Apache saw'
timings "$f" yes

note "weir's own answers: their real body sizes"
curl -sS -D "$T/head" -o "$T/body" "http://127.0.0.1:$P/dead/x" || fail "curl failed"
f=$(last)
assert_eq "$(field "$f" status)" 502 '$status of a dead backend'
assert_eq "$(field "$f" bytes)" "$(stat -c %s "$T/body")" '$bytes of the 502'
assert_eq "$(field "$f" backend) $(field "$f" tries)" "$DEAD 1" '$backend $tries of the 502'
curl -sS -I -o /dev/null "http://127.0.0.1:$P/dead/x"
f=$(last)
assert_eq "$(field "$f" status) $(field "$f" bytes)" "502 0" '$status $bytes of the 502 to a HEAD'
curl -sS -o "$T/body" -X TRACE -H 'Max-Forwards: 0' "http://127.0.0.1:$P/trace"
f=$(last)
assert_eq "$(field "$f" status) $(field "$f" bytes)" "200 $(stat -c %s "$T/body")" '$status $bytes of a TRACE answer'
assert_eq "$(field "$f" backend) $(field "$f" tries)" "- 0" '$backend $tries when no backend was used'
timings "$f" no

note "refused requests log what came of their request line"
out=$(printf 'GET /a"b\x01\\ \xff HTTP/1.1\r\nHost: a\r\n\r\n' | rawhttp "$P" --parse --timeout 5)
assert_eq "$(grep -m1 '^STATUS ' <<<"$out")" "STATUS 400" "a bad request target"
f=$(last)
note "$(tr '\n' ' ' <<<"$f")"
assert_eq "$(field "$f" request)" 'GET /a\"b\x01\\ \xff HTTP/1.1' '$request of a refused request, escaped'
assert_eq "$(field "$f" method) $(field "$f" uri)" "- -" '$method $uri of a refused request'
assert_eq "$(field "$f" bytes)" "$(sed -n 's/^BODYLEN //p' <<<"$out")" '$bytes of the 400'
assert_match "$(field "$f" request_id)" '^[0-9a-f]{16}$' '$request_id of a refused request'
out=$(printf '\r\nGET /slow' | rawhttp "$P" --parse --timeout 5)
assert_eq "$(grep -m1 '^STATUS ' <<<"$out")" "STATUS 408" "a head cut short"
f=$(last)
assert_eq "$(field "$f" request)" "GET /slow" '$request of a 408'
assert_eq "$(field "$f" bytes)" "$(sed -n 's/^BODYLEN //p' <<<"$out")" '$bytes of the 408'

code=$(curl -sS --http2 --cacert "$PKI/root.pem" --resolve "a.test:$PT:127.0.0.1" -o /dev/null \
    -w '%{http_version} %{http_code}' -X OPTIONS -H 'Max-Forwards: x"y' "https://a.test:$PT/opt")
assert_eq "$code" "2 400" "an HTTP/2 OPTIONS with a bad Max-Forwards"
f=$(last)
assert_eq "$(field "$f" request)" "OPTIONS /opt HTTP/2.0" '$request of a refused HTTP/2 stream'
assert_eq "$(field "$f" status) $(field "$f" protocol)" "400 HTTP/2.0" '$status $protocol of a refused HTTP/2 stream'
assert_eq "$(field "$f" tls_version) $(field "$f" sni)" "TLSv1.3 a.test" '$tls_version $sni of a refused HTTP/2 stream'

note "a client that leaves mid-body: \$error and \$error_note"
curl -sS "http://127.0.0.1:$P/big.bin" 2>/dev/null | head -c 100000 >/dev/null || true
f=$(last)
note "$(tr '\n' ' ' <<<"$f")"
assert_eq "$(field "$f" uri)" /big.bin '$uri'
assert_match "$(field "$f" error)" '^client (reset|closed)$' '$error'
assert_eq "$(field "$f" error_note)" " error=\"$(field "$f" error)\"" '$error_note'
[ "$(field "$f" bytes)" -lt 33554432 ] || fail "\$bytes says the whole body went"

note "a bad format: weir -t names the place and the field"
sed 's/\$request_id|/$reqest_id|/' "$T/weir.json" >"$T/bad.json"
out=$("$WEIR" -t -c "$T/bad.json" 2>&1) && fail "weir -t accepted an unknown field"
note "$out"
line=$(grep -n '"access_log_format"' "$T/bad.json" | cut -d: -f1)
at=$(($(sed -n 's/^.*"access_log_format": "//p' "$T/bad.json" | grep -bo '\$reqest_id' | cut -d: -f1) + 1))
assert_match "$out" "^$T/bad\\.json:$line:24: access_log_format: unknown field \"\\\$reqest_id\" at character $at; expected one of: client, time, time_iso, request, method, uri, protocol, status, bytes, bytes_clf, host, tls_version, sni, service, backend, tries, total_ms, backend_ms, request_time, request_id, user_agent, referer, error, error_note\$" \
    "weir -t"
pass
