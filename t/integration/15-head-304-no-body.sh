#!/usr/bin/env bash
# Responses that have no body (HEAD, 304) end at their head: a request pipelined behind them on the same connection still gets its own, intact response.
. "$(dirname "$0")/lib.sh"

P=$(port 0)
d=$(make_docroot b1 "backend 1")
head -c 5000 /dev/urandom >"$d/file.bin"
start_lighttpd b1 "$(port 1)" "$d"
cat >"$T/weir.json" <<EOF
{
$(conf_globals 1)
  "pools": {"web": {"health": false, "backends": ["127.0.0.1:$(port 1)"]}},
  "services": {"www": {"listen": "127.0.0.1:$P", "pool": "web"}}
}
EOF
start_weir "$T/weir.json"

# HEAD: the 5000-byte body it describes must not follow it.
raw=$(printf '%s' \
    $'HEAD /file.bin HTTP/1.1\r\nHost: a\r\n\r\n' \
    $'GET /name HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n' |
    rawhttp "$P" --timeout 10 | tr -d '\r')
note "$raw"
assert_eq "$(grep -c '^HTTP/1.1 200' <<<"$raw")" 2 "two responses"
assert_match "$raw" '^Content-Length: 5000$' "HEAD keeps the length of the body it omits"
assert_eq "$(tail -n 1 <<<"$raw")" "backend 1" "the GET after HEAD gets its own body"
[ "${#raw}" -lt 2000 ] || fail "HEAD response carried a body (${#raw} bytes came back)"

# 304: no body either, and the connection goes on.
lm=$(sed -n '/^Last-Modified: /{s/^Last-Modified: //p;q}' <<<"$raw")
[ -n "$lm" ] || fail "no Last-Modified from lighttpd through weir"
out=$(printf '%s' \
    "GET /file.bin HTTP/1.1"$'\r\n'"Host: a"$'\r\n'"If-Modified-Since: $lm"$'\r\n\r\n' \
    $'GET /name HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n' |
    rawhttp "$P" --parse --timeout 10)
note "$out"
assert_eq "$(grep '^STATUS ' <<<"$out" | tr '\n' ' ')" 'STATUS 304 STATUS 200 ' \
    "statuses in order"
assert_eq "$(grep '^BODY ' <<<"$out" | tail -n 1)" 'BODY backend 1\n' \
    "the request after 304 gets its own body"
assert_match "$out" '^END closed$' "closed after Connection: close"
pass
