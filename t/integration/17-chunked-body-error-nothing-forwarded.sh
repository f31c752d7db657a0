#!/usr/bin/env bash
# A chunked request body that is malformed in bytes weir already holds (sent with the head) gets 400 and not one byte reaches a backend; a bad chunk that arrives after the head went out aborts the request: the backend never gets a complete message, its connection is closed and not reused, and the client gets 400, or a reset once a response is under way.
. "$(dirname "$0")/lib.sh"

P=$(port 0)
PSTREAM=$(port 2)
printf 'HTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\nok\n' >"$T/ok.http"
start_recorder "$(port 1)" "$T/rec" --respond "$T/ok.http" --when message --after keep
# Answers at once, before the request body, with a body that goes on.
printf 'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nfirst\r\n' >"$T/early.http"
start_recorder "$(port 3)" "$T/rec-early" --respond "$T/early.http" --when head --after keep
cat >"$T/weir.json" <<EOF
{
$(conf_globals 1)
  "access_log": "$T/access.log",
  "pools": {"rec": {"health": false, "persist": true,
                    "backends": ["127.0.0.1:$(port 1)"]},
            "early": {"health": false, "persist": true,
                      "backends": ["127.0.0.1:$(port 3)"]}},
  "services": {"www": {"listen": "127.0.0.1:$P", "pool": "rec",
                       "max_body_bytes": 100},
               "stream": {"listen": "127.0.0.1:$PSTREAM", "pool": "early"}}
}
EOF
start_weir "$T/weir.json"

HEAD='POST /upload HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n'
big=$(head -c 8192 /dev/zero | tr '\0' x)
# name | body (printf format): each one is bad somewhere
cases=(
	"size-overflow|10000000000000000\r\nx\r\n0\r\n\r\n"
	"size-overflow-after-zeros|000010000000000000000\r\nx\r\n0\r\n\r\n"
	"bare-lf-after-size|5\nhello\r\n0\r\n\r\n"
	"bare-lf-after-data|5\r\nhello\n0\r\n\r\n"
	"bare-lf-last-chunk|5\r\nhello\r\n0\n\r\n"
	"data-longer-than-size|3\r\nhello\r\n0\r\n\r\n"
	"ctl-in-extension|5;a=\001\r\nhello\r\n0\r\n\r\n"
	"bare-cr-in-extension|5;a\rb\r\nhello\r\n0\r\n\r\n"
	"bare-lf-in-extension|5;a=b\nhello\r\n0\r\n\r\n"
	"bad-trailer|5\r\nhello\r\n0\r\nX : y\r\n\r\n"
	"bad-after-8k-of-good|2000\r\n$big\r\nzz\r\n0\r\n\r\n"
)
for c in "${cases[@]}"; do
	name=${c%%|*}
	printf "$HEAD${c#*|}" >"$T/req"
	out=$(rawhttp "$P" --parse --timeout 5 --file "$T/req")
	assert_eq "$(grep -m1 '^STATUS ' <<<"$out")" "STATUS 400" "$name: status"
	assert_contains "$out" "END closed" "$name: connection"
done
# Over max_body_bytes, known from the bytes held: 413, nothing sent either.
{ printf "$HEAD"; printf '%x\r\n%s\r\n0\r\n\r\n' 200 "${big:0:200}"; } >"$T/req"
out=$(rawhttp "$P" --parse --timeout 5 --file "$T/req")
assert_eq "$(grep -m1 '^STATUS ' <<<"$out")" "STATUS 413" "chunked body over max_body_bytes: status"

shopt -s nullglob
files=("$T"/rec/*.req)
[ ${#files[@]} -eq 0 ] || fail "the backend was contacted for a bad body: $(cat "$T"/rec/ends 2>/dev/null; od -c "${files[0]}" | head -n 5)"

# The recorder does record: a good body goes through, once.
printf "${HEAD}5\r\nhello\r\n0\r\n\r\n" >"$T/req"
out=$(rawhttp "$P" --parse --timeout 5 --idle 1 --file "$T/req")
assert_eq "$(grep -m1 '^STATUS ' <<<"$out")" "STATUS 200" "good body: status"
files=("$T"/rec/*.req)
assert_eq "${#files[@]}" 1 "backend connections after the good body"
assert_contains "$(cat "$T/rec/1.req")" "hello" "good body at the backend"

# late CLIENT_PORT WAIT: head and a good chunk, then (after a pause, or once
# the response head is in) a bad chunk line. Prints how the connection ended
# (eof / reset / open) and the status line seen.
late()
{
	python3 - "$1" "$2" <<'EOF'
import socket, sys, time
port, wait = int(sys.argv[1]), sys.argv[2]
s = socket.create_connection(("127.0.0.1", port), timeout=5)
s.sendall(b"POST /late HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n"
          b"\r\n5\r\nhello\r\n")
got = b""
if wait == "head":
    while b"\r\n\r\n" not in got:
        d = s.recv(65536)
        if not d:
            break
        got += d
else:
    time.sleep(0.5)
s.sendall(b"zz\r\nhello\r\n0\r\n\r\n")
how = "open"
try:
    while True:
        d = s.recv(65536)
        if not d:
            how = "eof"
            break
        got += d
except ConnectionResetError:
    how = "reset"
except socket.timeout:
    pass
print(how)
print(got.split(b"\r\n", 1)[0].decode("latin-1"))
EOF
}

# Late, no response yet: 400; the backend got the head and the good chunk,
# never the end, and its connection was closed.
out=$(late "$P" pause)
note "$out"
assert_eq "$(sed -n 2p <<<"$out")" "HTTP/1.1 400 Bad Request" "late bad chunk: status"
assert_eq "$(sed -n 1p <<<"$out")" eof "late bad chunk: client connection after the 400"
late_conn=$(grep -l 'POST /late' "$T"/rec/*.req) || fail "the late request never reached the backend"
python3 - "$late_conn" <<'EOF' || fail "the backend got more than the head and the good chunk: $(od -c "$late_conn" | tail -n 5)"
import sys
data = open(sys.argv[1], "rb").read()
late = data[data.index(b"POST /late"):]
body = late[late.index(b"\r\n\r\n") + 4:]
sys.exit(0 if body == b"5\r\nhello\r\n" else 1)
EOF
n=$(basename "$late_conn" .req)
for i in $(seq 1 50); do
	grep -q "^$n " "$T/rec/ends" 2>/dev/null && break
	sleep 0.1
done
assert_match "$(cat "$T/rec/ends" 2>/dev/null)" "^$n (eof|reset) " "the aborted backend connection was closed"
# Not reused: the next request goes on a new backend connection.
printf "${HEAD}2\r\nhi\r\n0\r\n\r\n" >"$T/req"
out=$(rawhttp "$P" --parse --timeout 5 --idle 1 --file "$T/req")
assert_eq "$(grep -m1 '^STATUS ' <<<"$out")" "STATUS 200" "request after the abort"
next_conn=$(grep -l 'hi' "$T"/rec/*.req | grep -v "^$late_conn\$" | tail -n 1)
[ -n "$next_conn" ] || fail "request after the abort: not seen by the backend"
[ "$(basename "$next_conn" .req)" -gt "$n" ] || fail "request after the abort went on connection $(basename "$next_conn" .req), not a new one"

# Late, with a response under way: the client connection is reset, the
# backend connection closed with the message incomplete.
out=$(late "$PSTREAM" head)
note "$out"
assert_eq "$(sed -n 2p <<<"$out")" "HTTP/1.1 200 OK" "response under way: status"
assert_eq "$(sed -n 1p <<<"$out")" reset "response under way: client connection after a late bad chunk"
for i in $(seq 1 50); do
	[ -s "$T/rec-early/ends" ] && break
	sleep 0.1
done
assert_match "$(cat "$T/rec-early/ends" 2>/dev/null)" "^1 (eof|reset) " "backend connection of the aborted request"
assert_eq "$(python3 -c 'import sys; d=open(sys.argv[1],"rb").read(); print(d[d.index(b"\r\n\r\n")+4:])' "$T/rec-early/1.req")" "b'5\\r\\nhello\\r\\n'" "what the backend got of the aborted body"
for i in $(seq 1 50); do
	grep -q 'service=stream' "$T/access.log" 2>/dev/null && break
	sleep 0.1
done
assert_match "$(cat "$T/access.log")" '"POST /late HTTP/1.1" 200 .*service=stream .* error="bad request"$' "access log of the aborted exchange"
kill -0 "$WEIR_PID" || fail "weir master died"
# The same line repeated is counted, and the count written at the latest
# when the worker stops.
stop_weir
assert_eq "$(log_events 'bad chunked body$' "$WEIR_LOG")" 11 \
    "'bad chunked body' in the error log (refused before any backend)"
pass
