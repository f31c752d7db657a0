#!/usr/bin/env bash
# A reload starts the pools from the file again and says which runtime changes it dropped (weirctl reload and the log), none when the file has them; control_group lets a non-root member of that group (primary or supplementary) use the control socket and nobody else, follows a reload, and an unknown group fails weir -t and a start (placed in the file that names it) and a reload (the old configuration serving on).
. "$(dirname "$0")/lib.sh"

P=$(port 0)
B1=127.0.0.1:$(port 1)
B2=127.0.0.1:$(port 2)
B3=127.0.0.1:$(port 3)
start_lighttpd b1 "$(port 1)" "$(make_docroot b1 "backend 1")"
start_lighttpd b2 "$(port 2)" "$(make_docroot b2 "backend 2")"
start_lighttpd b3 "$(port 3)" "$(make_docroot b3 "backend 3")"
# conf BACKENDS [EXTRA]: the configuration, with these backends.
conf()
{
	cat >"$T/weir.json" <<EOF
{
$(conf_globals 2)
  ${2:-}
  "pools": {"web": {"balance": "roundrobin", "health": false,
            "backends": [$1]}},
  "services": {"www": {"listen": "127.0.0.1:$P", "pool": "web"}}
}
EOF
}
conf "\"$B1\", \"$B2\"" '"control_group": "staff",'
start_weir "$T/weir.json"
wait_children 2
CTL=("$WEIRCTL" -s "$T/run")

# backends: "ADDRESS:WEIGHT ..." of pool web in stats --json.
backends()
{
	"${CTL[@]}" stats --json | python3 -c '
import json, sys
s = json.load(sys.stdin)
print(" ".join("%s:%d" % (b["address"], b["weight"])
               for p in s["pools"] for b in p["backends"]))'
}

# --- a reload drops the runtime changes the file does not have ---
"${CTL[@]}" backend add web "$B3" >/dev/null || fail "backend add"
"${CTL[@]}" backend weight web "$B1" 4 >/dev/null || fail "backend weight"
"${CTL[@]}" backend remove web "$B2" >/dev/null || fail "backend remove"
"${CTL[@]}" backend drain web "$B1" >/dev/null || fail "backend drain"
assert_eq "$(backends)" "$B1:4 $B3:1" "backends before the reload"
out=$("${CTL[@]}" reload) || fail "weirctl reload exited $?: $out"
note "$out"
assert_eq "$out" "reloaded: generation 2 serving $T/weir.json
runtime changes dropped (the configuration does not have them): pool web: weight 4 of $B1 (now 1), backend $B2 removed, backend $B3 added" \
    "weirctl reload output"
assert_eq "$(backends)" "$B1:1 $B2:1" "backends after the reload"
log=$(cat "$WEIR_LOG")
assert_contains "$log" "reload: dropped a runtime change the configuration does not have: pool web: backend $B3 added" "weir's log"
assert_contains "$log" "reload: dropped a runtime change the configuration does not have: pool web: backend $B2 removed" "weir's log"
# The admin state is the operator's, as before: it carries over.
assert_match "$("${CTL[@]}" stats)" "^ +$B1 +(draining|drained) " "drain carried over the reload"
"${CTL[@]}" backend enable web "$B1" >/dev/null || fail "enable"
declare -A seen=()
for i in 1 2 3 4; do
	seen[$(get "http://127.0.0.1:$P/")]=1
done
assert_eq "${!seen[*]}" "backend 2 backend 1" "backends answering after the reload"

# A file that now has the change keeps it, and nothing is said.
"${CTL[@]}" backend add web "$B3" >/dev/null || fail "backend add again"
conf "\"$B1\", \"$B2\", \"$B3\"" '"control_group": "staff",'
out=$("${CTL[@]}" reload) || fail "weirctl reload exited $?: $out"
assert_eq "$out" "reloaded: generation 3 serving $T/weir.json" "weirctl reload when the file has the change"
assert_eq "$(backends)" "$B1:1 $B2:1 $B3:1" "backends after the second reload"

# --- control_group ---
sock=$T/run/weir.sock
assert_eq "$(stat -c '%a %U %G' "$sock")" "660 root staff" "control socket with control_group"
# as GROUPS...: weirctl as nobody, with the groups setpriv gives it.
as()
{
	local regid=$1
	shift
	setpriv --reuid=65534 --regid="$regid" "$@" --inh-caps=-all \
	    "$WEIRCTL" -s "$T/run" backend disable web "$B3"
}
out=$(as 65534 --groups=50 2>&1) || fail "a member of control_group (supplementary) was refused: $out"
assert_eq "$out" "backend $B3 (pool web): disabled" "weirctl as a supplementary member of staff"
assert_contains "$(cat "$WEIR_LOG")" "backend $B3 (pool web): disabled by weirctl (uid 65534)" "weir's log names the operator"
out=$(as 50 --clear-groups 2>&1) || fail "a member of control_group (primary) was refused: $out"
assert_eq "$out" "backend $B3 (pool web): disabled" "weirctl as a primary member of staff"
rc=0
out=$(as 65534 --clear-groups 2>&1) || rc=$?
assert_eq "$rc" 1 "exit status of weirctl as a user outside control_group"
assert_eq "$out" "weirctl: cannot reach weir's control socket $sock: Permission denied (it is root's and control_group's: run weirctl as root or as a member of that group)" \
    "weirctl as a user outside control_group"
# Reading the segment needs no group.
setpriv --reuid=65534 --regid=65534 --clear-groups "$WEIRCTL" -s "$T/run" stats >/dev/null ||
    fail "weirctl stats as nobody"

# A reload without control_group takes the socket back for root alone.
conf "\"$B1\", \"$B2\", \"$B3\""
out=$("${CTL[@]}" reload) || fail "weirctl reload exited $?: $out"
assert_eq "$(stat -c '%a %U %G' "$sock")" "600 root root" "control socket without control_group"
assert_contains "$(cat "$WEIR_LOG")" "reload: control socket for root alone" "weir's log"
rc=0
out=$(as 65534 --groups=50 2>&1) || rc=$?
assert_eq "$rc" 1 "exit status of a former member once control_group is gone"
"${CTL[@]}" backend enable web "$B3" >/dev/null || fail "root after the reload"
stop_weir

# An unknown group fails weir -t and a start, saying where it is named
# (here in an included file), as an unknown user does.
mkdir -p "$T/conf.d"
printf '# operators\n{\n  "control_group": "no-such-group-here"\n}\n' >"$T/conf.d/ops.json"
conf "\"$B1\"" '"include": "conf.d/*.json",'
want="$T/conf.d/ops.json:3:20: control_group: no group \"no-such-group-here\" on this system; expected an existing group"
rc=0
out=$("$WEIR" -t -c "$T/weir.json" 2>&1) || rc=$?
assert_eq "$rc" 1 "weir -t with an unknown control_group"
assert_contains "$out" "$want" "weir -t's message"
rc=0
"$WEIR" -c "$T/weir.json" -f >"$T/bad.out" 2>&1 || rc=$?
assert_eq "$rc" 1 "exit status with an unknown control_group"
assert_contains "$(cat "$T/bad.out")" "$want" "weir's message at start"

# On a reload, the running configuration keeps serving and its socket
# access stays.
rm "$T/conf.d/ops.json"
conf "\"$B1\"" '"control_group": "staff",'
start_weir "$T/weir.json"
wait_children 2
conf "\"$B1\"" '"control_group": "no-such-group-here",'
rc=0
out=$("${CTL[@]}" reload 2>&1) || rc=$?
assert_eq "$rc" 1 "weirctl reload with an unknown control_group"
assert_contains "$out" 'control_group: no group "no-such-group-here" on this system' "weirctl reload's cause"
assert_eq "$(stat -c '%a %U %G' "$sock")" "660 root staff" "control socket after the failed reload"
assert_eq "$(get "http://127.0.0.1:$P/")" "backend 1" "served after the failed reload"
out=$(setpriv --reuid=65534 --regid=65534 --groups=50 --inh-caps=-all \
    "$WEIRCTL" -s "$T/run" backend drain web "$B1" 2>&1) ||
    fail "a member of control_group was refused after the failed reload: $out"
assert_eq "$out" "backend $B1 (pool web): draining" "weirctl as a member after the failed reload"
stop_weir
pass
