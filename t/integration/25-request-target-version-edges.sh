#!/usr/bin/env bash
# Request-target and version edges: an absolute-form target with an empty path goes as "/" (or "*" for OPTIONS), HTTP/1.2 is served as HTTP/1.1, a request line without a version gets 400 at once, OPTIONS/TRACE with Max-Forwards: 0 are answered by weir and a higher Max-Forwards is decremented, and OPTIONS * is forwarded.
. "$(dirname "$0")/lib.sh"

P=$(port 0)
PL=$(port 3)
# "/" at Apache runs echo.cgi, so a target with an empty path shows what
# reached the backend.
D=$(make_docroot apache apache)
APACHE_EXTRA="<Directory \"$D\">
	DirectoryIndex echo.cgi
</Directory>"
start_apache apache "$(port 1)" "$D"
start_lighttpd light "$(port 2)"
cat >"$T/weir.json" <<EOF
{
$(conf_globals 1)
  "pools": {"apache": {"health": false, "backends": ["127.0.0.1:$(port 1)"]},
            "light": {"health": false, "backends": ["127.0.0.1:$(port 2)"]}},
  "services": {"www": {"listen": "127.0.0.1:$P", "pool": "apache",
                       "request_header_timeout_ms": 5000,
                       "routes": [{"path": "/static/", "pool": "light"}]},
               "light": {"listen": "127.0.0.1:$PL", "pool": "light"}}
}
EOF
start_weir "$T/weir.json"
ALOG=$T/apache/access.log

# raw PORT REQUEST: rawhttp --parse of the printf-expanded REQUEST.
raw()
{
	printf "$2" | rawhttp "$1" --parse --timeout 5
}
body()
{
	sed -n 's/^BODY //p' <<<"$1" | sed 's/\\r\\n/\n/g; s/\\n/\n/g'
}

# RFC 9112 3.2.1: origin-form always starts with "/".
out=$(raw "$P" 'GET http://h.example?q=1 HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n')
note "$out"
assert_match "$out" '^STATUS 200$' "absolute-form with an empty path and a query"
b=$(body "$out")
assert_eq "$(field "$b" uri)" "/?q=1" "target at the backend for http://h.example?q=1"
assert_eq "$(field "$b" HTTP_HOST)" "h.example" "Host from the absolute-form authority"
out=$(raw "$P" 'GET http://h.example HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n')
assert_eq "$(field "$(body "$out")" uri)" "/" "target at the backend for http://h.example"
assert_contains "$(cat "$ALOG")" '"GET /?q=1 HTTP/1.1"' "Apache's request lines"

# RFC 9110 2.5: HTTP/1.2 is served as the highest 1.x weir speaks.
out=$(raw "$P" 'GET /echo.cgi HTTP/1.2\r\nHost: x\r\nConnection: close\r\n\r\n')
assert_match "$out" '^STATUS 200$' "HTTP/1.2 request"
assert_eq "$(field "$(body "$out")" protocol)" "HTTP/1.1" "protocol at the backend"
out=$(printf 'GET /echo.cgi HTTP/1.2\r\nHost: x\r\nConnection: close\r\n\r\n' |
    rawhttp "$P" --timeout 5)
assert_match "$out" '^HTTP/1\.1 200 ' "status line for an HTTP/1.2 client"

# A request line without a version: 400 as soon as the line is in (the
# client keeps the connection open and sends nothing more), then close.
n_before=$(wc -l <"$ALOG")
out=$(raw "$P" 'GET /echo.cgi\r\n')
note "$out"
assert_eq "$(grep -m1 '^STATUS ' <<<"$out")" "STATUS 400" "request line without a version"
assert_match "$out" '^END closed$' "connection after the 400"
ms=$(sed -n 's/^ELAPSED_MS //p' <<<"$out")
[ "$ms" -lt 1000 ] || fail "400 for a missing version came after $ms ms (request_header_timeout_ms is 5000)"

# RFC 9110 7.6.2: Max-Forwards: 0 is answered by weir, not forwarded.
out=$(raw "$P" 'OPTIONS * HTTP/1.1\r\nHost: x\r\nMax-Forwards: 0\r\nConnection: close\r\n\r\n')
note "$out"
assert_match "$out" '^STATUS 200$' "OPTIONS * with Max-Forwards: 0"
assert_match "$out" '^HEADER Allow: .*OPTIONS' "Allow in weir's OPTIONS answer"
assert_no_match "$out" '^HEADER Server: Apache' "OPTIONS with Max-Forwards: 0 answered by Apache"
out=$(raw "$P" 'TRACE /echo.cgi HTTP/1.1\r\nHost: x\r\nMax-Forwards: 0\r\nCookie: sid=secret1\r\nAuthorization: Basic c2VjcmV0Mg==\r\nX-Trace-Me: 1\r\nConnection: close\r\n\r\n')
note "$out"
assert_match "$out" '^STATUS 200$' "TRACE with Max-Forwards: 0"
assert_match "$out" '^HEADER Content-Type: message/http$' "TRACE answer type"
b=$(body "$out")
assert_contains "$b" "TRACE /echo.cgi HTTP/1.1" "TRACE reflection"
assert_contains "$b" "X-Trace-Me: 1" "TRACE reflection"
assert_not_contains "$b" "secret1" "TRACE reflection (Cookie)"
assert_not_contains "$b" "c2VjcmV0Mg" "TRACE reflection (Authorization)"
# Neither reached Apache; nor did the request without a version.
n_after=$(wc -l <"$ALOG")
assert_eq "$n_after" "$n_before" "requests Apache saw for the 400 and the Max-Forwards: 0 answers"

# A Max-Forwards above 0 goes on, one less.
out=$(raw "$PL" 'OPTIONS /echo.cgi HTTP/1.1\r\nHost: x\r\nMax-Forwards: 3\r\nConnection: close\r\n\r\n')
assert_eq "$(field "$(body "$out")" HTTP_MAX_FORWARDS)" 2 "Max-Forwards of OPTIONS at lighttpd's CGI"
out=$(raw "$P" 'TRACE /echo.cgi HTTP/1.1\r\nHost: x\r\nMax-Forwards: 1\r\nConnection: close\r\n\r\n')
assert_match "$out" '^HEADER Server: Apache' "TRACE with Max-Forwards: 1 answered by Apache"
assert_contains "$(body "$out")" "Max-Forwards: 0" "Max-Forwards Apache received with TRACE"

# RFC 9112 3.2.4: OPTIONS * is valid (routes do not choke on it), and an
# absolute-form OPTIONS with an empty path goes as OPTIONS *.
out=$(raw "$P" 'OPTIONS * HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n')
note "$out"
assert_match "$out" '^STATUS 200$' "OPTIONS * through a service with routes"
assert_match "$out" '^HEADER Server: Apache' "OPTIONS * answered by Apache"
out=$(raw "$P" 'OPTIONS http://h.example HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n')
assert_match "$out" '^STATUS 200$' "OPTIONS http://h.example"
n=$(grep -c '"OPTIONS \* HTTP/1.1"' "$ALOG" || true)
assert_eq "$n" 2 "OPTIONS * request lines at Apache"
kill -0 "$WEIR_PID" || fail "weir master died"
pass
