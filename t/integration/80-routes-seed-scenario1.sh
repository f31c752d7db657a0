#!/usr/bin/env bash
# Seed scenario 1: one listener sends the static host to lighttpd and everything else to Apache, by Host without case or port, with wildcard and path-prefix rules, per request on one keep-alive connection.
. "$(dirname "$0")/lib.sh"

P=$(port 0)
start_apache apache "$(port 1)"
mkdir "$T/apache/htdocs/thumbs"
cp "$T/apache/htdocs"/*.cgi "$T/apache/htdocs/name" "$T/apache/htdocs/thumbs/"
start_lighttpd lighttpd "$(port 2)"
d=$(make_docroot thumbs "thumbs")
# The prefix reaches the backend unchanged: serve the fixtures under it.
mkdir "$d/thumbs"
cp "$d"/*.cgi "$d/name" "$d/thumbs/"
start_lighttpd thumbs "$(port 3)" "$d"
cat >"$T/weir.json" <<EOF
{
$(conf_globals 2)
  "pools": {
    "apache_pool":   {"health": false, "backends": ["127.0.0.1:$(port 1)"]},
    "lighttpd_pool": {"health": false, "backends": ["127.0.0.1:$(port 2)"]},
    "thumbs_pool":   {"health": false, "backends": ["127.0.0.1:$(port 3)"]}
  },
  "services": {
    "select": {
      "listen": "127.0.0.1:$P",
      "pool": "apache_pool",
      "persist_client": true,
      "routes": [
        {"host": "static.example.com", "pool": "lighttpd_pool"},
        {"host": "*.img.example.com", "path": "/thumbs/", "pool": "thumbs_pool"}
      ]
    }
  }
}
EOF
start_weir "$T/weir.json"

who()	# who HOST [PATH]: the backend that answered
{
	field "$(get "http://127.0.0.1:$P${2:-/echo.cgi}" -H "Host: $1")" backend
}

assert_eq "$(who static.example.com)" lighttpd "the static host"
assert_eq "$(who STATIC.Example.COM)" lighttpd "the static host in another case"
assert_eq "$(who static.example.com:8080)" lighttpd "the static host with a port"
assert_eq "$(who static.example.com.)" lighttpd "the static host fully qualified"
assert_eq "$(who www.example.com)" apache "any other host"
assert_eq "$(who example.com)" apache "the parent domain"
assert_eq "$(who static.example.com.evil.org)" apache "a host that only starts like it"
assert_eq "$(who xstatic.example.com)" apache "a host that only ends like it"

# Wildcard plus path prefix: both must match.
assert_eq "$(who a.img.example.com /thumbs/echo.cgi)" thumbs "wildcard host, path prefix"
assert_eq "$(who a.b.img.example.com /thumbs/echo.cgi)" thumbs "deeper subdomain"
assert_eq "$(who img.example.com /thumbs/echo.cgi)" apache "the wildcard's own domain"
assert_eq "$(who a.img.example.com /echo.cgi)" apache "wildcard host, other path"
assert_eq "$(who a.img.example.com /x/../thumbs/echo.cgi)" thumbs "dot segments resolved"
assert_eq "$(who a.img.example.com /%74humbs/echo.cgi)" thumbs "percent-encoding decoded"
assert_eq "$(who a.img.example.com //thumbs/echo.cgi)" thumbs "doubled slash"
status=$(status "http://127.0.0.1:$P/../../etc/passwd" -H 'Host: a.img.example.com' --path-as-is)
assert_eq "$status" 400 "a path climbing above the root"

# Absolute-form target: its authority is what routing uses.
out=$(printf 'GET http://static.example.com/echo.cgi HTTP/1.1\r\nHost: www.example.com\r\nConnection: close\r\n\r\n' |
    rawhttp "$P" --timeout 10)
assert_match "$out" '^backend=lighttpd' "absolute-form authority routes"

# One keep-alive connection, the pool chosen per request.
out=$(printf '%s' \
    $'GET /echo.cgi HTTP/1.1\r\nHost: static.example.com\r\n\r\n' \
    $'GET /echo.cgi HTTP/1.1\r\nHost: www.example.com\r\n\r\n' \
    $'GET /echo.cgi HTTP/1.1\r\nHost: static.example.com\r\nConnection: close\r\n\r\n' |
    rawhttp "$P" --timeout 10)
assert_eq "$(grep -o '^backend=[a-z]*' <<<"$out" | tr '\n' ' ')" \
    "backend=lighttpd backend=apache backend=lighttpd " "pools switch on one connection"

# weirctl counts each request under the pool that served it.
json=$("$WEIRCTL" -s "$T/run" stats --json)
n=$(python3 -c 'import json,sys; d=json.load(sys.stdin); print(sum(b["requests"] for p in d["pools"] if p["name"]=="lighttpd_pool" for b in p["backends"]))' <<<"$json")
assert_eq "$n" 7 "requests counted under lighttpd_pool"
pass
