#!/usr/bin/env bash
# An HTTP/1.0 client gets a chunked backend response de-chunked: no Transfer-Encoding, the exact 8 MiB body, then the connection closes.
. "$(dirname "$0")/lib.sh"

P=$(port 0)
d=$(make_docroot light light)
make_file "$d/big.bin" 8
start_lighttpd light "$(port 1)" "$d"
cat >"$T/weir.json" <<EOF
{
$(conf_globals 1)
  "pools": {"web": {"health": false, "backends": ["127.0.0.1:$(port 1)"]}},
  "services": {"www": {"listen": "127.0.0.1:$P", "pool": "web"}}
}
EOF
start_weir "$T/weir.json"

get "http://127.0.0.1:$(port 1)/stream.cgi" -D "$T/direct" -o /dev/null
assert_match "$(header "$(cat "$T/direct")" Transfer-Encoding)" '^chunked$' \
    "lighttpd's own framing of stream.cgi to HTTP/1.1"

get "http://127.0.0.1:$P/stream.cgi" --http1.0 -D "$T/head" -o "$T/out"
note "$(tr -d '\r' <"$T/head")"
assert_match "$(head -n 1 "$T/head")" '^HTTP/1\.[01] 200 ' "status"
assert_eq "$(header "$(cat "$T/head")" Transfer-Encoding)" "" "Transfer-Encoding to an HTTP/1.0 client"
assert_eq "$(stat -c %s "$T/out")" 8388608 "body size"
assert_eq "$(md5 "$T/out")" "$(md5 "$d/big.bin")" "body md5"

# Raw: the bytes after the head are exactly the file, and the server closes.
printf 'GET /stream.cgi HTTP/1.0\r\nHost: a\r\n\r\n' |
    rawhttp "$P" --timeout 10 >"$T/raw"
python3 - "$T/raw" "$d/big.bin" <<'EOF' || fail "raw HTTP/1.0 response body differs from the file"
import sys
raw = open(sys.argv[1], "rb").read()
want = open(sys.argv[2], "rb").read()
body = raw[raw.index(b"\r\n\r\n") + 4:]
sys.exit(0 if body == want else 1)
EOF
pass
