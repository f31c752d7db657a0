#!/usr/bin/env bash
# A web_server service on its own listener serves the index for "/" and for a subdirectory, redirects a directory named without its slash, types files from /etc/mime.types, answers HEAD without a body, 404 for a missing file and 405 with Allow for POST, and keeps the connection across requests.
. "$(dirname "$0")/lib.sh"

P=$(port 0)
D=$T/docroot
mkdir -p "$D/sub"
printf 'weir static root index\n' >"$D/index.html"
printf 'weir static sub index\n' >"$D/sub/index.html"
printf 'body { color: red; }\n' >"$D/style.css"
head -c 3000 /dev/urandom >"$D/logo.png"
head -c 5000 /dev/urandom >"$D/data.weirunknownext"
printf 'no extension\n' >"$D/README"
chmod -R a+rX "$D"
cat >"$T/weir.json" <<EOF
{
$(conf_globals 1)
  "services": {
    "files": {
      "role": "web_server",
      "listen": "127.0.0.1:$P",
      "docroot": "$D",
      "index": ["index.html"]
    }
  }
}
EOF
start_weir "$T/weir.json"
U=http://127.0.0.1:$P

# The index for the root and for a subdirectory.
assert_eq "$(get "$U/")" "weir static root index" "body of /"
assert_eq "$(status "$U/")" 200 "status of /"
assert_eq "$(get "$U/sub/")" "weir static sub index" "body of /sub/"

# A directory without its trailing slash: 301 to the same path with it,
# the query kept.
hdrs=$(curl -sS --max-time 10 -o /dev/null -D - "$U/sub")
assert_match "$hdrs" '^HTTP/1.1 301' "status of /sub"
loc=$(header "$hdrs" Location)
case $loc in
/sub/ | "$U/sub/" | "http://127.0.0.1:$P/sub/") ;;
*) fail "Location for /sub: expected /sub/, got '$loc'" ;;
esac
loc=$(header "$(curl -sS --max-time 10 -o /dev/null -D - "$U/sub?a=1&b=2")" Location)
case $loc in
*/sub/?a=1\&b=2) ;;
*) fail "Location for /sub?a=1&b=2: expected it to end in /sub/?a=1&b=2, got '$loc'" ;;
esac
assert_eq "$(get "$U/sub" -L)" "weir static sub index" "following the redirect"

# Content-Type from the extension; unknown or none: application/octet-stream.
ctype()
{
	curl -sS --max-time 10 -o /dev/null -w '%{content_type}' "$U$1" ||
	    fail "curl $1 failed"
}
assert_match "$(ctype /index.html)" '^text/html(;.*)?$' "type of .html"
assert_match "$(ctype /style.css)" '^text/css(;.*)?$' "type of .css"
assert_eq "$(ctype /logo.png)" image/png "type of .png"
assert_eq "$(ctype /data.weirunknownext)" application/octet-stream "type of an unknown extension"
assert_eq "$(ctype /README)" application/octet-stream "type of a name without extension"

# The bytes are the file's.
get "$U/logo.png" -o "$T/logo.got"
cmp -s "$D/logo.png" "$T/logo.got" || fail "logo.png: body differs from the file"

# HEAD: the head of the GET, Content-Length included, and no body; the
# request pipelined behind it gets its own response.
raw=$(printf '%s' \
    $'HEAD /data.weirunknownext HTTP/1.1\r\nHost: a\r\n\r\n' \
    $'GET /README HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n' |
    rawhttp "$P" --timeout 10 | tr -d '\r')
note "$raw"
assert_eq "$(grep -c '^HTTP/1.1 200' <<<"$raw")" 2 "two responses to HEAD + GET"
assert_match "$raw" '^Content-Length: 5000$' "HEAD keeps the Content-Length of the body it omits"
assert_match "$raw" '^Content-Type: application/octet-stream$' "HEAD has the Content-Type"
assert_eq "$(tail -n 1 <<<"$raw")" "no extension" "the GET after HEAD gets its own body"
[ "${#raw}" -lt 2000 ] || fail "HEAD response carried a body (${#raw} bytes came back)"

# Missing file: 404.
assert_eq "$(status "$U/no-such-file.html")" 404 "missing file"
assert_eq "$(status "$U/sub/no-such-dir/x")" 404 "missing directory"

# POST (and other methods): 405 with Allow.
hdrs=$(curl -sS --max-time 10 -o /dev/null -D - -X POST --data 'x=1' "$U/index.html")
assert_match "$hdrs" '^HTTP/1.1 405' "status of POST"
allow=$(header "$hdrs" Allow)
assert_contains "$allow" GET "Allow of the 405"
assert_contains "$allow" HEAD "Allow of the 405"
assert_eq "$(status "$U/index.html" -X DELETE)" 405 "status of DELETE"

# Keep-alive: several requests on one connection (curl connects once).
conns=$(curl -sS --max-time 10 -o /dev/null -o /dev/null -o /dev/null -o /dev/null \
    -w '%{http_code}:%{num_connects}\n' \
    "$U/" "$U/style.css" "$U/logo.png" "$U/sub/") || fail "curl with four URLs failed"
assert_eq "$(tr '\n' ' ' <<<"$conns")" "200:1 200:0 200:0 200:0 " \
    "status:new-connections for four requests on one connection"
out=$(printf '%s' \
    $'GET / HTTP/1.1\r\nHost: a\r\n\r\n' \
    $'GET /sub/ HTTP/1.1\r\nHost: a\r\n\r\n' \
    $'GET /README HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n' |
    rawhttp "$P" --parse --timeout 10)
assert_eq "$(grep '^BODY ' <<<"$out" | tr '\n' '|')" \
    'BODY weir static root index\n|BODY weir static sub index\n|BODY no extension\n|' \
    "three pipelined requests answered in order"
assert_match "$out" '^END closed$' "closed after Connection: close"
pass
