#!/usr/bin/env bash
# Three requests pipelined in one write get three responses, in order, even when the first is the slowest.
. "$(dirname "$0")/lib.sh"

P=$(port 0)
d=$(make_docroot b1 "backend 1")
echo one >"$d/one.txt"
echo two >"$d/two.txt"
start_lighttpd b1 "$(port 1)" "$d"
cat >"$T/weir.json" <<EOF
{
$(conf_globals 1)
  "pools": {"web": {"health": false, "backends": ["127.0.0.1:$(port 1)"]}},
  "services": {"www": {"listen": "127.0.0.1:$P", "pool": "web"}}
}
EOF
start_weir "$T/weir.json"

out=$(printf '%s' \
    $'GET /sleep.cgi?1 HTTP/1.1\r\nHost: a\r\n\r\n' \
    $'GET /one.txt HTTP/1.1\r\nHost: a\r\n\r\n' \
    $'GET /two.txt HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n' |
    rawhttp "$P" --parse --timeout 10)
note "$out"
assert_eq "$(grep -c '^STATUS 200$' <<<"$out")" 3 "responses"
assert_eq "$(grep '^BODY ' <<<"$out" | tr '\n' '|')" \
    'BODY slept 1\n|BODY one\n|BODY two\n|' "bodies in request order"
assert_match "$out" '^END closed$' "connection after the Connection: close request"
pass
