#!/usr/bin/env bash
# A request whose Transfer-Encoding names a coding weir does not implement (gzip, alone or before chunked) gets 501 (RFC 9112 6.1) and the connection closes.
. "$(dirname "$0")/lib.sh"

P=$(port 0)
start_lighttpd b1 "$(port 1)"
cat >"$T/weir.json" <<EOF
{
$(conf_globals 1)
  "pools": {"web": {"health": false, "backends": ["127.0.0.1:$(port 1)"]}},
  "services": {"www": {"listen": "127.0.0.1:$P", "pool": "web"}}
}
EOF
start_weir "$T/weir.json"

for te in 'gzip' 'gzip, chunked' 'x-unknown, chunked'; do
	out=$(printf 'POST /upload.cgi HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: %s\r\n\r\n3\r\nabc\r\n0\r\n\r\n' "$te" |
	    rawhttp "$P" --parse --timeout 5)
	note "$te: $(tr '\n' ' ' <<<"$out")"
	assert_eq "$(grep -m1 '^STATUS ' <<<"$out")" "STATUS 501" "Transfer-Encoding: $te"
	assert_match "$out" '^END closed$' "connection after 501 for Transfer-Encoding: $te"
done
[ ! -s "$T/b1/htdocs/requests.log" ] ||
    fail "a rejected request reached the backend: $(cat "$T/b1/htdocs/requests.log")"
pass
