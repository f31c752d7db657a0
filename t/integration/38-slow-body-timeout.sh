#!/usr/bin/env bash
# A request body sent too slowly (client_body_timeout_ms, client_body_min_rate) gets 408, is logged and counted, and its backend connection is closed, not reused; uploads at a normal or a modest pace, and a client held up by a backend that does not read, are not cut off.
. "$(dirname "$0")/lib.sh"

P=$(port 0)
PL=$(port 3)
PB=$(port 4)
start_apache apache "$(port 1)"
start_lighttpd light "$(port 2)"
make_file "$T/body" 4
make_file "$T/big" 64
# Lowered from the defaults (30000 ms, 500 B/s) so each case takes seconds.
LIMITS='"client_body_timeout_ms": 1500, "client_body_min_rate": 1000'
cat >"$T/weir.json" <<EOF
{
$(conf_globals 1)
  "pools": {"apache": {"health": false, "backends": ["127.0.0.1:$(port 1)"]},
            "light": {"health": false, "backends": ["127.0.0.1:$(port 2)"]},
            "apache_late": {"health": false, "response_timeout_ms": 20000,
                            "backends": ["127.0.0.1:$(port 1)"]}},
  "services": {"www": {"listen": "127.0.0.1:$P", "pool": "apache", $LIMITS},
               "lw": {"listen": "127.0.0.1:$PL", "pool": "light", $LIMITS},
               "late": {"listen": "127.0.0.1:$PB", "pool": "apache_late",
                        $LIMITS}}
}
EOF
start_weir "$T/weir.json"

slowbody()
{
	python3 "$FIXTURES/slowbody.py" "$@"
}

# The backend connection weir keeps idle after a first request: the slow
# request below takes it.
out=$(get "http://127.0.0.1:$P/echo.cgi")
port_a=$(field "$out" remote_port)
[ -n "$port_a" ] || fail "echo.cgi gave no remote_port"

# One byte every 0.5 s (2 B/s, under 1000 B/s): 408 once the 1.5 s grace
# and the 1 ms the bytes bought are spent.
out=$(slowbody "$P" --length 100 --piece 1 --interval 0.5 --timeout 10)
note "$out"
assert_match "$out" '^STATUS 408$' "a body at 2 B/s"
ms=$(sed -n 's/^RESPONSE_MS //p' <<<"$out")
[ "$ms" -ge 1400 ] && [ "$ms" -le 4000 ] ||
    fail "408 for a slow body came after $ms ms, expected about 1500"
assert_match "$out" '^END closed$' "connection after the 408"
sent=$(sed -n 's/^SENT //p' <<<"$out")
[ "$sent" -lt 100 ] || fail "the slow client sent its whole body ($sent bytes)"
assert_match "$(cat "$WEIR_LOG")" \
    'client 127\.0\.0\.1 \(service www\): request body too slow: [0-9]+ bytes in [0-9]+ ms, [0-9] B/s' \
    "weir's log"

# The backend connection that carried the incomplete request is gone.
out=$(get "http://127.0.0.1:$P/echo.cgi")
port_b=$(field "$out" remote_port)
note "backend connection before $port_a, after $port_b"
[ -n "$port_b" ] && [ "$port_b" != "$port_a" ] ||
    fail "the backend connection of the timed-out request ($port_a) was reused"
ss -tn "sport = :$port_a" | grep -q ESTAB &&
    fail "weir's backend connection from port $port_a is still established"

# A silent client (head, then nothing): 408 after the grace too.
out=$(slowbody "$PL" --length 100 --piece 1 --interval 60 --timeout 10)
assert_match "$out" '^STATUS 408$' "a body that stops after one byte"

# A few MB at full speed, to Apache and to lighttpd.
want=$(md5 "$T/body")
for p in "$P" "$PL"; do
	out=$(get "http://127.0.0.1:$p/upload.cgi" --data-binary @"$T/body" \
	    -H 'Content-Type: application/octet-stream')
	assert_eq "$(field "$out" len)" 4194304 "upload length at $(field "$out" backend)"
	assert_eq "$(field "$out" md5)" "$want" "upload md5 at $(field "$out" backend)"
done

# A modest pace above the minimum, for longer than the grace: 300 bytes
# every 0.1 s (3000 B/s) for 4 s, with Content-Length and chunked.
for how in "" --chunked; do
	out=$(slowbody "$P" --length 12000 --piece 300 --interval 0.1 $how --timeout 20)
	note "$out"
	assert_match "$out" '^STATUS 200$' "a body at 3000 B/s $how"
	b=$(sed -n 's/^BODY //p' <<<"$out" | sed 's/\\n/\n/g')
	assert_eq "$(field "$b" len)" 12000 "length of the 3000 B/s body $how"
	assert_eq "$(field "$b" md5)" "$(sed -n 's/^SENT_MD5 //p' <<<"$out")" \
	    "md5 of the 3000 B/s body $how"
done

# A client held up by the backend is not at fault: upload.cgi?3 reads
# nothing for 3 s, so Apache stops reading and weir's buffer fills; the
# client waits 3 s (twice the grace) and its body still gets through.
out=$(get "http://127.0.0.1:$PB/upload.cgi?3" -H 'Expect:' \
    --data-binary @"$T/big" -H 'Content-Type: application/octet-stream')
note "$out"
assert_eq "$(field "$out" len)" 67108864 "length of a body held up by its backend"
assert_eq "$(field "$out" md5)" "$(md5 "$T/big")" "md5 of a body held up by its backend"
assert_no_match "$(cat "$WEIR_LOG")" '\(service late\): request body too slow' "weir's log"

# Counted: two slow bodies on www+lw, none on late.
"$WEIRCTL" -s "$T/run" stats --json >"$T/stats.json" || fail "weirctl stats --json failed"
counts=$(python3 -c '
import json, sys
d = json.load(open(sys.argv[1]))
print(" ".join("%s=%d" % (s["name"], s["body_timeouts"]) for s in d["services"]))
' "$T/stats.json")
assert_eq "$counts" "www=1 lw=1 late=0" "body_timeouts per service"
kill -0 "$WEIR_PID" || fail "weir master died"
pass
