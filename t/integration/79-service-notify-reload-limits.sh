#!/usr/bin/env bash
# Service management: weir tells systemd's notify socket READY=1, RELOADING=1 with MONOTONIC_USEC, STATUS= and STOPPING=1 (and MAINPID= after a binary upgrade); a reload that did not take fails weirctl reload and the init script's reload with the cause (not "see the lines above"), its STATUS says why; weir -t, a start and a reload fail on a user or group that does not exist, naming file:line:col; a reload warns of a changed user only when the uid or gid in effect would change; root without "user" warns that the workers run as root; the open-files limit is raised to what max_connections needs, and a limit that cannot be raised is a clear warning.
. "$(dirname "$0")/lib.sh"

[ "$(id -u)" = 0 ] || fail "needs root (workers as nobody, file limits, signals)"
command -v setpriv >/dev/null || fail "setpriv not found (package util-linux)"
command -v start-stop-daemon >/dev/null || fail "start-stop-daemon not found (package dpkg)"

P=$(port 0)
start_lighttpd b1 "$(port 1)" "$(make_docroot b1 "backend 1")"

# A notify socket as systemd's: every datagram, one per block, in notify.log.
cat >"$T/notify.py" <<'EOF'
import os, socket, sys
path, log = sys.argv[1], sys.argv[2]
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind(path)
open(log + ".ready", "w").close()
while True:
    data = s.recv(4096).decode()
    with open(log, "a") as f:
        f.write(data.rstrip("\n") + "\n--\n")
EOF
: >"$T/notify.log"
python3 "$T/notify.py" "$T/notify.sock" "$T/notify.log" >>"$T/notify.err" 2>&1 &
track $!
for i in $(seq 1 50); do [ -e "$T/notify.log.ready" ] && break; sleep 0.1; done
[ -e "$T/notify.log.ready" ] || fail "the notify listener did not start"

# wait_notify ERE: until a line of notify.log matches ERE (5 s).
wait_notify()
{
	local i
	for i in $(seq 1 100); do
		grep -Eq -- "$1" "$T/notify.log" && return 0
		sleep 0.05
	done
	fail "no notify line matching /$1/; got:
$(cat "$T/notify.log")"
}
# notify_since N: the messages after the first N lines of notify.log.
notify_since()
{
	tail -n +"$(($1 + 1))" "$T/notify.log"
}

# write_conf [EXTRA-TOP-LINES] [EXTRA-LISTEN]
write_conf()
{
	local listen="\"127.0.0.1:$P\""
	[ -z "${2:-}" ] || listen="$listen, \"$2\""
	cat >"$T/weir.json" <<EOF
{
$(conf_globals 2)
  "user": "nobody",${1:+
  $1}
  "pools": {"web": {"health": false, "backends": ["127.0.0.1:$(port 1)"]}},
  "services": {"www": {"listen": [$listen], "pool": "web"}}
}
EOF
}
write_conf
NOTIFY_SOCKET=$T/notify.sock start_weir "$T/weir.json"
wait_notify '^READY=1$'
assert_match "$(cat "$T/notify.log")" "^STATUS=generation 1 serving $T/weir.json\$" "STATUS once serving"
assert_no_match "$(cat "$WEIR_LOG")" 'workers .*run as root' "no root warning with \"user\""

# --- a reload that takes: RELOADING=1 with the monotonic time, then READY=1.
n=$(wc -l <"$T/notify.log")
before_us=$(python3 -c 'import time; print(time.clock_gettime_ns(time.CLOCK_MONOTONIC) // 1000)')
out=$("$WEIRCTL" -s "$T/run" reload) || fail "weirctl reload: $out"
assert_match "$out" '^reloaded: generation 2' "weirctl reload"
wait_notify '^STATUS=generation 2 serving'
msgs=$(notify_since "$n")
note "$msgs"
assert_match "$msgs" '^RELOADING=1$' "RELOADING=1"
us=$(sed -n 's/^MONOTONIC_USEC=\([0-9][0-9]*\)$/\1/p' <<<"$msgs")
[ -n "$us" ] || fail "no MONOTONIC_USEC with RELOADING=1"
[ "$us" -ge "$before_us" ] && [ $((us - before_us)) -lt 10000000 ] ||
    fail "MONOTONIC_USEC $us is not CLOCK_MONOTONIC at the reload (before it: $before_us us)"
assert_eq "$(grep -n . <<<"$msgs" | grep -E 'RELOADING=1|READY=1' | cut -d: -f2 | tr '\n' ' ')" \
    "RELOADING=1 READY=1 " "RELOADING=1 then READY=1"

# --- the account: no warning when what runs would not change.
write_conf '"group": "nogroup",'
"$WEIRCTL" -s "$T/run" reload >/dev/null || fail "reload with nobody's own group"
write_conf
"$WEIRCTL" -s "$T/run" reload >/dev/null || fail "reload back"
assert_no_match "$(cat "$WEIR_LOG")" 'changed; it takes effect' \
    "a \"changed\" warning although nothing in effect changed"
write_conf '"group": "www-data",'
"$WEIRCTL" -s "$T/run" reload >/dev/null || fail "reload with another group"
assert_match "$(cat "$WEIR_LOG")" 'reload: "group" changed; it takes effect at the next restart' \
    "a changed group is warned of"
assert_no_match "$(cat "$WEIR_LOG")" '"user" changed' "the user did not change"
write_conf
"$WEIRCTL" -s "$T/run" reload >/dev/null || fail "reload back to nogroup"
assert_eq "$(grep -c 'changed; it takes effect' "$WEIR_LOG")" 1 \
    "going back to what runs warns of nothing"
checked=0
for k in $(weir_children); do
	# A worker of an older generation may finish draining meanwhile.
	u=$(ps -o user= -p "$k" | tr -d ' ') || continue
	assert_eq "$u" nobody "child $k runs as"
	checked=$((checked + 1))
done
[ "$checked" -ge 2 ] || fail "only $checked children to look at"

# --- unknown user or group: weir -t, a start and a reload fail, placed.
write_conf '"group": "nosuchgroup79",'
sed -i 's/"user": "nobody"/"user": "nosuchuser79"/' "$T/weir.json"
rc=0
out=$("$WEIR" -t -c "$T/weir.json" 2>&1) || rc=$?
note "$out"
assert_eq "$rc" 1 "weir -t exit status on an unknown user and group"
assert_match "$out" "^$T/weir.json:[0-9]+:[0-9]+: user: no user \"nosuchuser79\" on this system" \
    "weir -t names the place of the unknown user"
assert_match "$out" "^$T/weir.json:[0-9]+:[0-9]+: group: no group \"nosuchgroup79\" on this system" \
    "weir -t names the place of the unknown group"
assert_match "$out" "has errors" "weir -t summary"
rc=0
out=$(timeout 10 "$WEIR" -c "$T/weir.json" -f 2>&1) || rc=$?
assert_eq "$rc" 1 "a start with an unknown user (a configuration error)"
assert_contains "$out" 'user: no user "nosuchuser79"' "the start says why"
gen=$("$WEIRCTL" -s "$T/run" stats --json | python3 -c 'import json,sys; print(json.load(sys.stdin)["master"]["generation"])')
rc=0
out=$("$WEIRCTL" -s "$T/run" reload 2>&1) || rc=$?
note "$out"
assert_eq "$rc" 1 "weirctl reload with an unknown user"
assert_match "$out" "keeps serving" "weirctl reload says the old generation serves"
assert_contains "$out" 'user: no user "nosuchuser79"' "weirctl reload says why"
assert_eq "$(get "http://127.0.0.1:$P/name")" "backend 1" "serving after the refused reload"

# --- a valid file that cannot be put in place: a listener on a port in use.
write_conf "" "127.0.0.1:$(port 1)"
"$WEIR" -t -c "$T/weir.json" >/dev/null || fail "weir -t should pass (it does not bind)"
n=$(wc -l <"$T/notify.log")
rc=0
out=$("$WEIRCTL" -s "$T/run" reload 2>&1) || rc=$?
note "$out"
assert_eq "$rc" 1 "weirctl reload exit status when a listener cannot be bound"
assert_match "$out" "reload failed; generation $gen keeps serving" "weirctl reload failure line"
assert_contains "$out" "cannot listen on 127.0.0.1:$(port 1) (service www): Address already in use" \
    "weirctl reload prints the cause"
assert_not_contains "$out" "lines above" "weirctl reload refers to lines it did not print"
wait_notify '^STATUS=reload failed'
msgs=$(notify_since "$n")
note "$msgs"
assert_match "$msgs" '^RELOADING=1$' "RELOADING=1 before a failed reload"
assert_match "$msgs" '^READY=1$' "READY=1 after a failed reload: the old generation serves"
assert_match "$msgs" "^STATUS=reload failed, generation $gen serving on: cannot listen on 127.0.0.1:$(port 1)" \
    "STATUS says why the reload failed"
assert_eq "$(get "http://127.0.0.1:$P/name")" "backend 1" "serving after the failed reload"

# The init script's reload says the same, and fails.  (It finds weir by
# its executable, as start-stop-daemon does: not under WEIR_WRAPPER.)
if [ -z "${WEIR_WRAPPER:-}" ]; then
	printf 'DAEMON=%s\nWEIRCTL=%s\nCONFIG=%s\nPIDFILE=%s\n' "$WEIR" "$WEIRCTL" \
	    "$T/weir.json" "$T/run/weir.pid" >"$T/default"
	initd()
	{
		RC=0
		OUT=$(WEIR_DEFAULTS=$T/default WEIR_INIT_FUNCTIONS=none \
		    sh "$top_srcdir/etc/init.d/weir" "$1" 2>&1) || RC=$?
		note "init.d/weir $1 -> $RC: $OUT"
	}
	initd reload
	assert_eq "$RC" 1 "init script reload exit status when the reload fails"
	assert_contains "$OUT" "cannot listen on 127.0.0.1:$(port 1)" "init script reload prints the cause"
	write_conf
	initd reload
	assert_eq "$RC" 0 "init script reload of a good configuration"
else
	note "WEIR_WRAPPER set: the init script's reload is not tried"
	write_conf
	"$WEIRCTL" -s "$T/run" reload >/dev/null || fail "weirctl reload of a good configuration"
fi
wait_notify '^STATUS=generation [0-9]+ serving'

# --- binary upgrade in the foreground: the old master hands systemd the
# new main pid, and only the master systemd knows says STOPPING=1.
old=$WEIR_PID
n=$(wc -l <"$T/notify.log")
kill -USR2 "$old"
wait_notify '^MAINPID=[0-9]+$'
wait_gone "$old" 10 || fail "the old master $old still runs after the upgrade"
new=$(cat "$T/run/weir.pid")
_WEIR_MASTERS+=("$new")
msgs=$(notify_since "$n")
note "$msgs"
assert_match "$msgs" "^MAINPID=$new\$" "MAINPID names the new master"
assert_no_match "$msgs" '^STOPPING=1$' "the old master, no longer systemd's, says nothing of stopping"
n=$(wc -l <"$T/notify.log")
kill -TERM "$new"
wait_gone "$new" 10 || fail "the new master did not stop"
wait_notify '^STOPPING=1$'

# --- root without "user": a warning; the soft limit raised to what
# max_connections needs (300 connections, from a limit of 64).
cat >"$T/root.json" <<EOF
{
$(conf_globals 1)
  "max_connections": 300,
  "pools": {"web": {"health": false, "backends": ["127.0.0.1:$(port 1)"]}},
  "services": {"www": {"listen": "127.0.0.1:$(port 2)", "pool": "web"}}
}
EOF
# start_limited SHELL-CODE: weir on root.json, run by "sh -c SHELL-CODE
# weir ARGS" (ulimit first); sets WEIR_PID and log (its output).
start_limited()
{
	: >"$T/root.log"
	sh -c "$1" weir "$WEIR" -c "$T/root.json" -f >>"$T/root.log" 2>&1 &
	WEIR_PID=$!
	_WEIR_MASTERS+=("$WEIR_PID")
	wait_port "$(port 2)" 10 "$WEIR_PID"
	wait_children 1
	log=$(cat "$T/root.log")
	note "$log"
}
start_limited 'ulimit -S -n 64 && exec "$@"'
pid=$WEIR_PID
assert_match "$log" 'no "user": the workers and the health checker run as root' "root without user warns"
assert_match "$log" 'open files: limit raised from 64 to [0-9]+ for max_connections 300' "the raise is logged"
need=$(sed -n 's/.*limit raised from 64 to \([0-9]*\) .*/\1/p' <<<"$log")
[ "$need" -ge 600 ] || fail "300 connections need at least 600 descriptors, not $need"
for k in $(pgrep -P "$pid"); do
	soft=$(awk '/^Max open files/ {print $4}' "/proc/$k/limits")
	assert_eq "$soft" "$need" "soft open-files limit of worker $k"
done
assert_eq "$(get "http://127.0.0.1:$(port 2)/name")" "backend 1" "serving"
stop_pid "$pid"

# A limit that cannot reach it (hard 1024, without CAP_SYS_RESOURCE to
# raise it): weir starts, raised as far as it goes, and says what to do.
sed -i 's/"max_connections": 300/"max_connections": 2000/' "$T/root.json"
start_limited 'ulimit -S -n 1024 && ulimit -H -n 1024 &&
    exec setpriv --bounding-set -sys_resource -- "$@"'
pid=$WEIR_PID
assert_match "$log" 'warn .*open files: max_connections 2000 needs [0-9]+ descriptors a process, but the limit is 1024 and cannot be raised \(Operation not permitted\): a worker refuses connections beyond about [0-9]+; raise the hard limit' \
    "a limit that cannot be raised is a warning that says what to raise"
for k in $(pgrep -P "$pid"); do
	assert_eq "$(awk '/^Max open files/ {print $4}' "/proc/$k/limits")" 1024 \
	    "worker $k runs at the hard limit"
done
assert_eq "$(get "http://127.0.0.1:$(port 2)/name")" "backend 1" "serving within the lower limit"
stop_pid "$pid"
pass
