#!/usr/bin/env bash
# weirctl backend disable/enable/drain change where every worker sends new requests at once (a drained backend finishes the request it has), stats shows the admin state, bad pools and addresses exit 1 with a message, and weirctl top prints one frame when its output is not a terminal.
. "$(dirname "$0")/lib.sh"

P=$(port 0)
B1=127.0.0.1:$(port 1)
B2=127.0.0.1:$(port 2)
start_lighttpd b1 "$(port 1)" "$(make_docroot b1 "backend 1")"
start_lighttpd b2 "$(port 2)" "$(make_docroot b2 "backend 2")"
cat >"$T/weir.json" <<EOF
{
$(conf_globals 2)
  "pools": {"web": {"balance": "roundrobin", "health": false,
            "backends": ["$B1", "$B2"]}},
  "services": {"www": {"listen": "127.0.0.1:$P", "pool": "web"}}
}
EOF
start_weir "$T/weir.json"
CTL=("$WEIRCTL" -s "$T/run")

# hits N: N requests on fresh connections (so both workers serve some),
# prints how many each backend answered as "b1=X b2=Y".
hits()
{
	local i body n1=0 n2=0
	for ((i = 0; i < $1; i++)); do
		body=$(get "http://127.0.0.1:$P/")
		case $body in
		"backend 1") n1=$((n1 + 1)) ;;
		"backend 2") n2=$((n2 + 1)) ;;
		*) fail "unexpected body '$body'" ;;
		esac
	done
	echo "b1=$n1 b2=$n2"
}

# state ADDRESS: the backend's state in weirctl stats --json.
state()
{
	"${CTL[@]}" stats --json | python3 -c '
import json, sys
s = json.load(sys.stdin)
print([b["state"] for p in s["pools"] for b in p["backends"]
       if b["address"] == sys.argv[1]][0])' "$1"
}

assert_eq "$(hits 10)" "b1=5 b2=5" "round robin before any admin command"

out=$("${CTL[@]}" backend disable web "$B2") || fail "backend disable exited $?: $out"
assert_eq "$out" "backend $B2 (pool web): disabled" "weirctl backend disable output"
assert_eq "$(hits 20)" "b1=20 b2=0" "requests while $B2 is disabled"
assert_eq "$(state "$B2")" disabled "state of $B2 in stats --json"
assert_eq "$(state "$B1")" up "state of $B1 in stats --json"
assert_match "$("${CTL[@]}" stats)" "^ +$B2 +disabled " "weirctl stats table"
assert_contains "$(cat "$WEIR_LOG")" "backend $B2 (pool web): disabled by weirctl" "weir's log"

out=$("${CTL[@]}" backend enable web "$B2") || fail "backend enable exited $?: $out"
assert_eq "$out" "backend $B2 (pool web): enabled" "weirctl backend enable output"
assert_eq "$(hits 10)" "b1=5 b2=5" "round robin after enable"
assert_eq "$(state "$B2")" up "state of $B2 after enable"

# Drain with a request in flight on $B2: it must finish; new ones go to $B1.
"${CTL[@]}" backend disable web "$B1" >/dev/null || fail "backend disable $B1"
curl -sS --max-time 20 -o "$T/slow.out" -w '%{http_code}' \
    "http://127.0.0.1:$P/sleep.cgi?2" >"$T/slow.code" 2>"$T/slow.err" &
SLOW=$!
track "$SLOW"
for ((i = 0; i < 100; i++)); do
	grep -q sleep.cgi "$T/b2/htdocs/requests.log" && break
	sleep 0.05
done
grep -q sleep.cgi "$T/b2/htdocs/requests.log" || fail "the slow request did not reach $B2"
"${CTL[@]}" backend enable web "$B1" >/dev/null || fail "backend enable $B1"
out=$("${CTL[@]}" backend drain web "$B2") || fail "backend drain exited $?: $out"
assert_eq "$out" "backend $B2 (pool web): draining" "weirctl backend drain output"
assert_eq "$(hits 20)" "b1=20 b2=0" "requests while $B2 is draining"
assert_eq "$(state "$B2")" draining "state of $B2 while draining"
wait_exit "$SLOW" 15 || fail "the in-flight request on the draining backend did not finish"
assert_eq "$EXIT_RC" 0 "curl of the in-flight request ($(cat "$T/slow.err"))"
assert_eq "$(cat "$T/slow.code")" 200 "status of the in-flight request"
assert_eq "$(cat "$T/slow.out")" "slept 2" "body of the in-flight request"

# Mistakes: exit 1, a message that says what exists, nothing changed.
rc=0
err=$("${CTL[@]}" backend enable nosuch "$B2" 2>&1 >/dev/null) || rc=$?
assert_eq "$rc" 1 "exit status for an unknown pool"
assert_eq "$err" 'weirctl: no pool "nosuch"' "message for an unknown pool"
rc=0
err=$("${CTL[@]}" backend enable web 127.0.0.1:1 2>&1 >/dev/null) || rc=$?
assert_eq "$rc" 1 "exit status for an unknown backend"
assert_eq "$err" "weirctl: pool web has no backend 127.0.0.1:1 (it has: $B1, $B2)" \
    "message for an unknown backend"
rc=0
err=$("${CTL[@]}" backend pause web "$B2" 2>&1 >/dev/null) || rc=$?
assert_eq "$rc" 1 "exit status for an unknown verb"
assert_contains "$err" "usage: weirctl backend enable|disable|drain POOL ADDRESS" "usage message"
# Nothing left on it once the request in flight finished: drained.
assert_eq "$(state "$B2")" drained "state of $B2 after the mistakes"

# top, piped: one frame with the header and the tables, then exit 0.
rc=0
"${CTL[@]}" top >"$T/top.out" 2>"$T/top.err" || rc=$?
assert_eq "$rc" 0 "weirctl top exit status when piped ($(cat "$T/top.err"))"
top=$(cat "$T/top.out")
note "$(head -n 3 "$T/top.out")"
assert_match "$top" "master pid $WEIR_PID \(running\)" "weirctl top header"
assert_contains "$top" "pool web" "weirctl top"
assert_contains "$top" "REQ/S" "weirctl top"
assert_match "$top" "^ +$B2 +drained " "weirctl top backend row"
assert_not_contains "$top" $'\033' "weirctl top output to a pipe"
out=$("${CTL[@]}" top | head -n 5) || true
assert_contains "$out" "master pid $WEIR_PID" "weirctl top | head"

"${CTL[@]}" backend enable web "$B2" >/dev/null || fail "final enable"
stop_weir
rc=0
err=$("${CTL[@]}" backend enable web "$B2" 2>&1 >/dev/null) || rc=$?
assert_eq "$rc" 1 "exit status once weir is stopped"
assert_eq "$err" "weirctl: cannot reach weir's control socket $T/run/weir.sock: No such file or directory (is weir running?)" \
    "message once weir is stopped"
pass
