#!/usr/bin/env bash
# A pool's nodefile, edited while weir serves steady keep-alive traffic from two clients to three Apaches: a node added to the file gets requests within seconds, a node taken out gets no new ones while its requests finish, not one request fails; each change is logged and shows in weirctl; a line weir cannot use is logged with its line and the rest applied; a file gone for a moment changes nothing; a reload reads the file afresh and drops nothing.
. "$(dirname "$0")/lib.sh"

P=$(port 0)
M=$(port 4)
B1=127.0.0.1:$(port 1)
B2=127.0.0.1:$(port 2)
B3=127.0.0.1:$(port 3)
for i in 1 2 3; do
	start_apache "b$i" "$(port "$i")" "$(make_docroot "b$i" "backend $i")"
done
printf '# the web servers\n%s\n%s   # second\n' "$B1" "$B2" >"$T/nodes"
cat >"$T/weir.json" <<EOF
{
$(conf_globals 2)
  "pools": {"web": {"balance": "roundrobin", "health": false,
            "nodefile": "nodes"}},
  "services": {"www": {"listen": "127.0.0.1:$P", "pool": "web"},
               "console": {"role": "management",
                           "listen": "127.0.0.1:$M"}}
}
EOF
start_weir "$T/weir.json"
CTL=("$WEIRCTL" -s "$T/run")

# Two clients, each on one keep-alive connection (a new one when weir
# closes it), until $T/stop appears; every answer that is not a 200 from
# a backend, and every error, is counted in $T/load-N.out.
load()
{
	python3 - "$P" "$T/stop" "$T/load-$1.out" <<'PY' &
import http.client, os, sys, time
port, stop, out = int(sys.argv[1]), sys.argv[2], sys.argv[3]
ok = bad = 0
seen = {}
conn = None
while not os.path.exists(stop):
    try:
        if conn is None:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
        conn.request("GET", "/")
        r = conn.getresponse()
        body = r.read().decode().strip()
        if r.status == 200 and body.startswith("backend "):
            ok += 1
            seen[body] = seen.get(body, 0) + 1
        else:
            bad += 1
        if r.getheader("connection", "").lower() == "close":
            conn.close()
            conn = None
    except (ConnectionError, http.client.HTTPException, OSError) as e:
        bad += 1
        conn = None
    time.sleep(0.005)
with open(out, "w") as f:
    f.write("ok=%d bad=%d %s\n" % (ok, bad, " ".join(
        "%s=%d" % (k.replace(" ", ""), v) for k, v in sorted(seen.items()))))
PY
	track $!
}

# served NAME: requests Apache NAME logged (it writes each at once).
served()
{
	if [ -f "$T/$1/access.log" ]; then
		grep -c 'GET / ' "$T/$1/access.log" || true
	else
		echo 0
	fi
}

# more_than NAME N: Apache NAME logged more than N requests.
more_than()
{
	[ "$(served "$1")" -gt "$2" ]
}

# wait_for SECONDS COMMAND...: until COMMAND succeeds.
wait_for()
{
	local secs=$1 i
	shift
	for ((i = 0; i < secs * 10; i++)); do
		"$@" && return 0
		sleep 0.1
	done
	return 1
}

load 1
load 2
wait_for 10 more_than b1 20 || fail "no traffic reaches b1"
assert_eq "$(served b3)" 0 "b3 is not in the file yet"

# A node added (a deploy renames a new file into place).
printf '%s\n%s\n%s\n' "$B1" "$B2" "$B3" >"$T/nodes.new"
mv "$T/nodes.new" "$T/nodes"
wait_for 5 more_than b3 10 ||
    fail "b3 gets no traffic 5 s after it was added to the file"
assert_match "$(cat "$WEIR_LOG")" "backend $B3 \(pool web\): added by node file $T/nodes" \
    "the log names the change and its cause"
assert_match "$(cat "$WEIR_LOG")" "pool web: node file $T/nodes read: 3 node\(s\), 1 added, 0 removed" \
    "the log says what the file did"
assert_match "$("${CTL[@]}" stats)" " $B3 +up " "weirctl stats shows b3"

# A node taken out, the file edited in place.
printf '%s\n%s\n' "$B2" "$B3" >"$T/nodes"
wait_for 5 grep -q "backend $B1 (pool web): removed by node file" "$WEIR_LOG" ||
    fail "b1 was not removed 5 s after it left the file"
sleep 0.5
before=$(served b1)
sleep 2
assert_eq "$(served b1)" "$before" "b1 gets no new request once removed"
assert_no_match "$("${CTL[@]}" stats)" " $B1 " "weirctl stats no longer lists b1"

# A line weir cannot use: logged with its line; the others still apply.
printf '%s\nweb4.example:80\n%s\n%s\n' "$B2" "$B3" "$B1" >"$T/nodes"
wait_for 5 grep -q "backend $B1 (pool web): added by node file" "$WEIR_LOG" ||
    fail "b1 did not come back"
assert_contains "$(cat "$WEIR_LOG")" "$T/nodes:2: \"web4.example:80\" names no node; skipped" \
    "the unusable line, with its place"

# Gone for a moment: nothing changes.
mv "$T/nodes" "$T/nodes.away"
sleep 2.5
assert_match "$("${CTL[@]}" stats)" " $B1 +up " "a missing file removes nothing"
mv "$T/nodes.away" "$T/nodes"

# A console stops following the file, and resumes; it names no other file.
say()
{
	python3 "$FIXTURES/perlbal_console.py" say "$M" "$@" | tr -d '\r'
}
assert_eq "$(say 'set web.nodefile = none')" OK "stop following"
printf '%s\n%s\n' "$B2" "$B3" >"$T/nodes"
sleep 2.5
assert_match "$("${CTL[@]}" stats)" " $B1 +up " "a file not followed changes nothing"
assert_eq "$(say 'set web.nodefile = /etc/shadow')" \
    "ERROR: pool web follows only its nodefile from the configuration, $T/nodes" \
    "no other file is read"
assert_eq "$(say "set web.nodefile = $T/nodes")" OK "follow again"
assert_no_match "$("${CTL[@]}" stats)" " $B1 " "read at once when resumed"
printf '%s\n%s\n%s\n' "$B1" "$B2" "$B3" >"$T/nodes"
b1_added_twice()
{
	[ "$(grep -c "backend $B1 (pool web): added by node file" \
	    "$WEIR_LOG")" -ge 2 ]
}
wait_for 5 b1_added_twice || fail "b1 did not come back again"

# Everything the clients asked was answered by a backend.
sleep 1
touch "$T/stop"
wait_for 15 test -s "$T/load-1.out" -a -s "$T/load-2.out" ||
    fail "the clients did not finish"
for i in 1 2; do
	out=$(cat "$T/load-$i.out")
	note "client $i: $out"
	assert_match "$out" "^ok=[0-9]+ bad=0 " "client $i: no request failed"
done

# A reload reads the file afresh: nothing of its changes is dropped.
: >"$T/mark"
kill -HUP "$WEIR_PID"
wait_for 10 grep -q "reload: generation 2 serving" "$WEIR_LOG" ||
    fail "no reload"
assert_no_match "$(cat "$WEIR_LOG")" "reload: .*dropped" \
    "a reload drops none of the node file's changes"
assert_match "$("${CTL[@]}" stats)" " $B3 +up " "b3 is in the reloaded pool"
pass
