#!/usr/bin/env bash
# Chunked bodies leave weir in canonical framing, both ways: chunk sizes in lowercase hex without leading zeros, no chunk extensions, no trailer fields, whatever framing came in and however it was split; Apache and lighttpd still get every body byte.
. "$(dirname "$0")/lib.sh"

P=$(port 0)
PR=$(port 5)
printf 'HTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\nok\n' >"$T/ok.http"
start_recorder "$(port 1)" "$T/rec" --respond "$T/ok.http" --when message --after keep
start_apache apache "$(port 2)"
start_lighttpd light "$(port 3)"
# A backend whose chunked response has leading zeros, extensions, trailers.
printf 'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n0005;ext="a;b"\r\nhello\r\n00000006\r\n world\r\n000;end\r\nX-Trailer: 1\r\n\r\n' >"$T/resp.http"
start_recorder "$(port 4)" "$T/rec-resp" --respond "$T/resp.http" --when message --after keep
cat >"$T/weir.json" <<EOF
{
$(conf_globals 1)
  "pools": {"rec": {"health": false, "persist": true,
                    "backends": ["127.0.0.1:$(port 1)"]},
            "web": {"health": false,
                    "backends": ["127.0.0.1:$(port 2)", "127.0.0.1:$(port 3)"]},
            "resp": {"health": false, "backends": ["127.0.0.1:$(port 4)"]}},
  "services": {"www": {"listen": "127.0.0.1:$P", "pool": "rec"},
               "web": {"listen": "127.0.0.1:$(port 6)", "pool": "web"},
               "resp": {"listen": "127.0.0.1:$PR", "pool": "resp"}}
}
EOF
start_weir "$T/weir.json"

# send PORT PIECES...: one request on one connection, each piece (a Python
# bytes expression) in its own write 50 ms apart; prints the raw answer.
send()
{
	python3 - "$@" <<'EOF'
import socket, sys, time
port = int(sys.argv[1])
s = socket.create_connection(("127.0.0.1", port), timeout=10)
s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
for p in sys.argv[2:]:
    s.sendall(eval(p))
    time.sleep(0.05)
got = b""
while b"\r\n\r\n" not in got or not got.endswith(b"ok\n"):
    d = s.recv(65536)
    if not d:
        break
    got += d
sys.stdout.buffer.write(got)
EOF
}

# body_at_backend N: the body bytes of the last request on recorder
# connection N, as a Python bytes literal.
body_at_backend()
{
	python3 - "$T/rec/$1.req" <<'EOF'
import sys
data = open(sys.argv[1], "rb").read()
last = data[data.rindex(b"POST /"):]
print(repr(last[last.index(b"\r\n\r\n") + 4:]))
EOF
}

HEAD="b'POST /up HTTP/1.1\\r\\nHost: a\\r\\nTransfer-Encoding: chunked\\r\\n\\r\\n'"
D227="b'$(head -c 227 /dev/zero | tr '\0' d)'"
want="b'e3\\r\\n$(head -c 227 /dev/zero | tr '\0' d)\\r\\na\\r\\n0123456789\\r\\n0\\r\\n\\r\\n'"

# Whole: one write.
out=$(send "$P" "$HEAD + b'0000000000E3;ext=1;q=\"a;b\"\\r\\n' + $D227 + b'\\r\\n00A;x\\r\\n0123456789\\r\\n000;last\\r\\nX-Forwarded-For: 6.6.6.6\\r\\nX-Trailer: v\\r\\n\\r\\n'")
assert_match "$out" '^HTTP/1.1 200 ' "whole: status"
assert_eq "$(body_at_backend 1)" "$want" "whole: body at the backend"

# Split inside every framing line: sizes, extensions, CRLFs, trailers.
out=$(send "$P" "$HEAD" "b'00000'" "b'00000E'" "b'3;ext'" "b'=1\\r'" "b'\\n' + $D227 + b'\\r'" \
    "b'\\n0'" "b'0A'" "b';x\\r\\n0123'" "b'456789\\r'" "b'\\n0'" "b'00;la'" "b'st\\r\\nX-Forwarded-'" \
    "b'For: 6.6.6.6\\r'" "b'\\n\\r'" "b'\\n'")
assert_match "$out" '^HTTP/1.1 200 ' "split: status"
assert_eq "$(body_at_backend 1)" "$want" "split: body at the backend (the same connection, reused)"

# Real servers get the payload byte for byte.
python3 - "$T/body" <<'EOF'
import os, sys
payload = os.urandom(300000)
open(sys.argv[1] + ".payload", "wb").write(payload)
out = b""
i = 0
for n in (1, 4095, 70000, 100000, 125904):
    out += b"%012X;chunk=%d;q=\"x\"\r\n" % (n, i) + payload[i:i + n] + b"\r\n"
    i += n
out += b"0000;done\r\nX-Sum: 1\r\n\r\n"
open(sys.argv[1], "wb").write(
    b"POST /upload.cgi HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n"
    b"Connection: close\r\n\r\n" + out)
EOF
want_md5=$(md5 "$T/body.payload")
seen=
for i in 1 2; do
	out=$(rawhttp "$(port 6)" --timeout 10 --file "$T/body" | tr -d '\r')
	assert_eq "$(field "$out" len)" 300000 "payload length at $(field "$out" backend)"
	assert_eq "$(field "$out" md5)" "$want_md5" "payload md5 at $(field "$out" backend)"
	seen="$seen $(field "$out" backend)"
done
assert_contains "$seen" apache "backends that got the upload"
assert_contains "$seen" light "backends that got the upload"

# Responses: canonical to an HTTP/1.1 client, de-chunked to an HTTP/1.0 one.
printf 'POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 2\r\nConnection: close\r\n\r\nhi' |
    rawhttp "$PR" --timeout 5 >"$T/raw11"
python3 - "$T/raw11" <<'EOF' || fail "HTTP/1.1 response body: $(od -c "$T/raw11" | tail -n 6)"
import sys
raw = open(sys.argv[1], "rb").read()
body = raw[raw.index(b"\r\n\r\n") + 4:]
print(repr(body))
sys.exit(0 if body == b"5\r\nhello\r\n6\r\n world\r\n0\r\n\r\n" else 1)
EOF
printf 'POST / HTTP/1.0\r\nHost: a\r\nContent-Length: 2\r\n\r\nhi' |
    rawhttp "$PR" --timeout 5 >"$T/raw10"
python3 - "$T/raw10" <<'EOF' || fail "HTTP/1.0 response body: $(od -c "$T/raw10" | tail -n 6)"
import sys
raw = open(sys.argv[1], "rb").read()
body = raw[raw.index(b"\r\n\r\n") + 4:]
sys.exit(0 if body == b"hello world" else 1)
EOF
pass
