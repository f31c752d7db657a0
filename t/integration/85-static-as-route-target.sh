#!/usr/bin/env bash
# A reverse_proxy route naming a web_server service answers its host from that service's docroot while other hosts still go to the pool, request by request on one keep-alive connection.
. "$(dirname "$0")/lib.sh"

P=$(port 0)
PS=$(port 2)	# the web_server's own listener
start_lighttpd lighttpd "$(port 1)"
D=$T/files
mkdir -p "$D/sub"
printf 'from the weir docroot\n' >"$D/name"
printf 'weir docroot index\n' >"$D/index.html"
printf 'weir docroot sub index\n' >"$D/sub/index.html"
make_file "$D/big.bin" 1
chmod -R a+rX "$D"
cat >"$T/weir.json" <<EOF
{
$(conf_globals 1)
  "pools": {
    "lighttpd_pool": {"health": false, "backends": ["127.0.0.1:$(port 1)"]}
  },
  "services": {
    "front": {
      "listen": "127.0.0.1:$P",
      "pool": "lighttpd_pool",
      "persist_client": true,
      "routes": [{"host": "static.example.com", "service": "files"}]
    },
    "files": {"role": "web_server", "listen": "127.0.0.1:$PS", "docroot": "$D"}
  }
}
EOF
start_weir "$T/weir.json"
U=http://127.0.0.1:$P

# One request at a time: the static host from the docroot, others from lighttpd.
assert_eq "$(get "$U/name" -H 'Host: static.example.com')" "from the weir docroot" "/name on the static host"
assert_eq "$(get "$U/name" -H 'Host: STATIC.example.com:8080')" "from the weir docroot" "/name on the static host, other case, with port"
assert_eq "$(get "$U/" -H 'Host: static.example.com')" "weir docroot index" "/ on the static host"
assert_eq "$(get "$U/name" -H 'Host: www.example.com')" "lighttpd" "/name on another host"
assert_eq "$(get "$U/name")" "lighttpd" "/name with Host 127.0.0.1"
assert_eq "$(field "$(get "$U/echo.cgi" -H 'Host: www.example.com')" backend)" lighttpd "a CGI on another host"
# The static host never falls through to the pool.
assert_eq "$(status "$U/echo.cgi" -H 'Host: static.example.com')" 404 "a lighttpd-only path on the static host"
# The web_server's behaviour holds through the route.
hdrs=$(curl -sS --max-time 10 -o /dev/null -D - -H 'Host: static.example.com' "$U/sub")
assert_match "$hdrs" '^HTTP/1.1 301' "directory without slash on the static host"
assert_match "$(header "$hdrs" Location)" '/sub/$' "Location of the redirect"
assert_eq "$(status "$U/name" -H 'Host: static.example.com' -X POST -d x=1)" 405 "POST on the static host"
assert_eq "$(status "$U/name" -H 'Host: static.example.com' -r 0-3)" 206 "a range on the static host"
got=$(get "$U/big.bin" -H 'Host: static.example.com' | md5sum | cut -d' ' -f1)
assert_eq "$got" "$(md5 "$D/big.bin")" "md5 of a 1 MiB file through the route"

# One keep-alive connection, pipelined: the target switches per request,
# with a 1 MiB file and a HEAD among them.
out=$(printf '%s' \
    $'GET /name HTTP/1.1\r\nHost: static.example.com\r\n\r\n' \
    $'GET /name HTTP/1.1\r\nHost: www.example.com\r\n\r\n' \
    $'GET /big.bin HTTP/1.1\r\nHost: static.example.com\r\n\r\n' \
    $'GET /echo.cgi HTTP/1.1\r\nHost: www.example.com\r\n\r\n' \
    $'GET /sub/ HTTP/1.1\r\nHost: static.example.com\r\n\r\n' \
    $'GET /name HTTP/1.1\r\nHost: other.example.org\r\n\r\n' \
    $'GET /name HTTP/1.1\r\nHost: static.example.com\r\nConnection: close\r\n\r\n' |
    rawhttp "$P" --parse --timeout 20)
note "$(grep -E '^(STATUS|BODYLEN|END)' <<<"$out" | tr '\n' ' ')"
assert_eq "$(grep '^STATUS ' <<<"$out" | tr '\n' ' ')" \
    "STATUS 200 STATUS 200 STATUS 200 STATUS 200 STATUS 200 STATUS 200 STATUS 200 " \
    "seven statuses in order"
assert_eq "$(grep '^BODYLEN ' <<<"$out" | sed -n 3p)" "BODYLEN 1048576" "the 1 MiB file in the pipeline"
assert_eq "$(grep '^BODY ' <<<"$out" | sed -n 4p | grep -o 'backend=[a-z]*')" backend=lighttpd \
    "the CGI in the pipeline"
assert_eq "$(grep '^BODY ' <<<"$out" | sed '3d;4d' | tr '\n' '|')" \
    'BODY from the weir docroot\n|BODY lighttpd\n|BODY weir docroot sub index\n|BODY lighttpd\n|BODY from the weir docroot\n|' \
    "bodies of the pipelined requests, in order"
assert_match "$out" '^END closed$' "closed after Connection: close"
pass
