#!/usr/bin/env bash
# A backend that dies mid-body (a Content-Length body, or a chunked one mid-chunk or between chunks) makes weir reset the client connection, plain or TLS, HTTP/1.0 (de-chunked) or 1.1, so curl fails instead of keeping a short body as whole; the access log and weirctl stats record the error.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/tls-certs.sh"

make_tls_certs
python3 - "$T" <<'EOF'
import sys
t = sys.argv[1]
open(t + "/cl.http", "wb").write(
    b"HTTP/1.1 200 OK\r\nContent-Length: 100000\r\n\r\n" + b"a" * 1000)
open(t + "/midchunk.http", "wb").write(
    b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n4000\r\n" + b"b" * 1000)
open(t + "/between.http", "wb").write(
    b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n400\r\n" + b"c" * 1024 + b"\r\n")
EOF
# Each answers as soon as it has the head, then closes.
start_recorder "$(port 1)" "$T/rec-cl" --respond "$T/cl.http" --when head
start_recorder "$(port 3)" "$T/rec-mid" --respond "$T/midchunk.http" --when head
start_recorder "$(port 5)" "$T/rec-between" --respond "$T/between.http" --when head
cat >"$T/weir.json" <<EOF
{
$(conf_globals 1)
  "access_log": "$T/access.log",
  "pools": {"cl": {"health": false, "backends": ["127.0.0.1:$(port 1)"]},
            "mid": {"health": false, "backends": ["127.0.0.1:$(port 3)"]},
            "between": {"health": false,
                        "backends": ["127.0.0.1:$(port 5)"]}},
  "services": {"cl": {"listen": "127.0.0.1:$(port 0)", "pool": "cl"},
               "mid": {"listen": "127.0.0.1:$(port 2)", "pool": "mid"},
               "between": {"listen": "127.0.0.1:$(port 4)", "pool": "between"},
               "tls": {"listen": "127.0.0.1:$(port 6)", "pool": "between",
                       "tls": {"certificates": $(tls_cert_json a)}}}
}
EOF
start_weir "$T/weir.json"

# curl exits 18 (CURLE_PARTIAL_FILE) when a connection closes cleanly before
# the announced length or the last chunk, and 56 (CURLE_RECV_ERROR,
# "Connection reset by peer") when the read fails on a reset, whether or not
# it knew the length.  A reset is what weir must send, so 56 it is: never 0
# (a short body taken for the whole one), and not 18, which a clean FIN
# gives and which an HTTP/1.0 client of a de-chunked body would not get.
n=0
for target in "cl http://127.0.0.1:$(port 0)/" "mid http://127.0.0.1:$(port 2)/" \
    "between http://127.0.0.1:$(port 4)/" "tls https://a.test:$(port 6)/"; do
	name=${target%% *}
	url=${target#* }
	for v in --http1.0 --http1.1; do
		rc=0
		curl -sS --max-time 10 "$v" --cacert "$PKI/root.pem" \
		    --resolve "a.test:$(port 6):127.0.0.1" -o "$T/out" "$url" \
		    2>"$T/err" || rc=$?
		note "$name $v: curl exit $rc, $(stat -c %s "$T/out") bytes: $(cat "$T/err")"
		assert_eq "$rc" 56 "$name $v: curl exit status"
		assert_contains "$(cat "$T/err")" "reset by peer" "$name $v: curl's error"
		n=$((n + 1))
	done
done

# Raw, for the HTTP/1.0 client of a de-chunked body: the payload it got is
# short, and the connection ended with a reset, not a FIN.
python3 - "$(port 2)" <<'EOF' >"$T/raw" || fail "raw HTTP/1.0 client: $(cat "$T/raw")"
import socket, sys
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])), timeout=5)
s.sendall(b"GET / HTTP/1.0\r\nHost: a\r\n\r\n")
got = b""
try:
    while True:
        d = s.recv(65536)
        if not d:
            print("eof")
            sys.exit(1)
        got += d
except ConnectionResetError:
    pass
body = got[got.index(b"\r\n\r\n") + 4:]
print("reset after %d body bytes" % len(body))
sys.exit(0 if body == b"b" * len(body) and len(body) <= 1000 else 1)
EOF
note "$(cat "$T/raw")"
n=$((n + 1))

for i in $(seq 1 50); do
	[ "$(grep -c . "$T/access.log" 2>/dev/null)" -ge "$n" ] && break
	sleep 0.1
done
log=$(cat "$T/access.log")
note "$log"
assert_eq "$(grep -c ' 200 .* error="backend closed early"$' <<<"$log")" "$n" \
    "access log lines of cut responses (status sent, and the error)"
assert_no_match "$log" 'tries=1$' "access log lines without the error"

"$WEIRCTL" -s "$T/run" stats --json >"$T/stats.json" || fail "weirctl stats --json exited $?"
python3 - "$T/stats.json" "127.0.0.1:$(port 1)" "127.0.0.1:$(port 3)" "127.0.0.1:$(port 5)" <<'EOF' || fail "stats: $(cat "$T/stats.json")"
import json, sys
s = json.load(open(sys.argv[1]))
want = {sys.argv[2]: 2, sys.argv[3]: 3, sys.argv[4]: 4}
got = {b["address"]: b["errors"] for p in s["pools"] for b in p["backends"]}
print(got)
sys.exit(0 if got == want else 1)
EOF
kill -0 "$WEIR_PID" || fail "weir master died"
# The same line repeated is counted, and the count written at the latest
# when the worker stops.
stop_weir
assert_eq "$(log_events 'closed mid-response after' "$WEIR_LOG")" "$n" "error log events"
pass
