#!/usr/bin/env bash
# The workers' user cannot turn weir's files against root: with "user": "nobody" the state directory, pid file, segment and socket stay root's; a state or log directory that user can write, a symbolic link or a foreign file at the pid path are refused (the file a link points to is untouched), a log file linked elsewhere is not followed or handed over; and a pid file holding garbage or a foreign pid makes neither logrotate's postrotate command nor the init script signal anything, nor weirctl reload a pid forged in the segment.
. "$(dirname "$0")/lib.sh"

if [ "$(id -u)" != 0 ]; then
	note "skipped: needs root (to run weir's workers as nobody)"
	pass
	exit 0
fi
command -v setpriv >/dev/null || fail "setpriv not found (package util-linux)"
command -v start-stop-daemon >/dev/null || fail "start-stop-daemon not found (package dpkg)"

P=$(port 0)
start_lighttpd b1 "$(port 1)"

# as_nobody CMD...: run CMD as the unprivileged user the workers run as.
as_nobody()
{
	setpriv --reuid=nobody --regid=nogroup --clear-groups -- "$@"
}

# write_conf STATE_DIR [EXTRA-LINES]: weir as root, workers as nobody.
write_conf()
{
	cat >"$T/weir.json" <<EOF
{
  "user": "nobody",
  "group": "nogroup",
  "workers": 2,
  "state_dir": "$1",
  "log_level": "info",${2:+
  $2}
  "pools": {"web": {"health": false, "backends": ["127.0.0.1:$(port 1)"]}},
  "services": {"www": {"listen": "127.0.0.1:$P", "pool": "web"}}
}
EOF
}

# owner_mode PATH: "user mode" of PATH itself (not where a link points).
owner_mode()
{
	stat -c '%U %a' -- "$1"
}

# A root-owned file nobody must be able to reach through weir.
printf 'precious\n' >"$T/victim"
chmod 600 "$T/victim"
victim_intact()
{
	assert_eq "$(cat "$T/victim")" precious "$1: content of the file the link points to"
	assert_eq "$(owner_mode "$T/victim")" "root 600" "$1: owner and mode of that file"
}

# start_refused WHAT WANT: weir exits 2 (a start failure) naming WANT.
start_refused()
{
	local rc=0 out
	out=$(timeout 10 "$WEIR" -c "$T/weir.json" -f 2>&1) || rc=$?
	note "$1: exit $rc: $out"
	assert_eq "$rc" 2 "$1: exit status"
	assert_contains "$out" "$2" "$1: message"
}

# --- The state directory and what is in it stay root's.
write_conf "$T/run"
start_weir "$T/weir.json"
wait_children 2
assert_eq "$(get "http://127.0.0.1:$P/name")" b1 "serving"
for k in $(weir_children); do
	assert_eq "$(ps -o user= -p "$k")" nobody "user of child $k"
done
assert_eq "$(owner_mode "$T/run")" "root 755" "state_dir"
assert_eq "$(owner_mode "$T/run/weir.pid")" "root 644" "pid file"
assert_eq "$(owner_mode "$T/run/weir.shm")" "root 644" "segment"
assert_eq "$(owner_mode "$T/run/weir.sock")" "root 600" "control socket"
as_nobody sh -c ": >'$T/run/planted'" 2>/dev/null && fail "nobody can create files in state_dir"
# The workers still count through the segment they inherited, and the
# workers' user can still read the stats.
out=$(as_nobody "$WEIRCTL" -s "$T/run" stats) || fail "weirctl stats as nobody"
assert_contains "$out" "127.0.0.1:$(port 1)" "weirctl stats as nobody"

# --- weirctl reload signals only the master that maps the segment: a
# forged pid (what a compromised worker could write) is refused.
sleep 300 &
FOREIGN=$!
track "$FOREIGN"
# set_master_pid FROM TO: replace FROM with TO where the segment holds the
# master's pid, as a compromised worker could.
set_master_pid()
{
	python3 - "$T/run/weir.shm" "$1" "$2" <<'EOF'
import mmap, struct, sys
path, old, new = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
with open(path, "r+b") as f:
    m = mmap.mmap(f.fileno(), 0)
    off = m.find(struct.pack("<q", old), 0, 256)
    if off < 0:
        sys.exit("pid %d not found in the segment header" % old)
    m[off:off + 8] = struct.pack("<q", new)
    m.close()
EOF
}
worker=$(weir_children | head -n 1)
for forged in "$FOREIGN" "$worker"; do
	set_master_pid "$WEIR_PID" "$forged"
	out=$("$WEIRCTL" -s "$T/run" reload 2>&1) && fail "weirctl reload signalled forged pid $forged: $out"
	note "forged $forged: $out"
	assert_contains "$out" "not signalling the master pid the segment names" "weirctl on forged pid $forged"
	kill -0 "$FOREIGN" 2>/dev/null || fail "weirctl reload killed foreign process $FOREIGN"
	kill -0 "$worker" 2>/dev/null || fail "weirctl reload killed worker $worker"
	set_master_pid "$forged" "$WEIR_PID"
done
out=$("$WEIRCTL" -s "$T/run" reload) || fail "weirctl reload of the real master failed"
assert_match "$out" '^reloaded: generation 2' "weirctl reload with the real master pid"

# --- logrotate's postrotate command, run as logrotate would, with the test's
# pid file and binary: it reaches the running weir...
postrotate=$(sed -n '/^[[:space:]]*postrotate/,/^[[:space:]]*endscript/{/postrotate\|endscript/d;/^[[:space:]]*#/d;p}' \
    "$top_srcdir/etc/logrotate.d/weir")
[ -n "$postrotate" ] || fail "no postrotate command in etc/logrotate.d/weir"
run_postrotate()
{
	# $1: the pid file to use instead of /run/weir/weir.pid
	local cmd=${postrotate//\/run\/weir\/weir.pid/$1}
	sh -c "${cmd//\/usr\/sbin\/weir/$WEIR}" >/dev/null 2>&1 || true
}
run_postrotate "$T/run/weir.pid"
for i in $(seq 1 50); do
	grep -q 'reopened log files (USR1)' "$WEIR_LOG" && break
	sleep 0.1
done
grep -q 'reopened log files (USR1)' "$WEIR_LOG" || fail "postrotate did not reach the running weir"
stop_weir

# ... but a pid file with garbage or a foreign pid gets nobody signalled,
# by postrotate or by the init script.
mkdir -p "$T/fake"
cat >"$T/default" <<EOF
DAEMON=$WEIR
CONFIG=$T/weir.json
PIDFILE=$T/fake/weir.pid
EOF
initd()
{
	local rc=0 out
	out=$(WEIR_DEFAULTS=$T/default WEIR_INIT_FUNCTIONS=none sh "$top_srcdir/etc/init.d/weir" "$1" 2>&1) || rc=$?
	note "init.d/weir $1 -> $rc: $out"
	INIT_RC=$rc
	INIT_OUT=$out
}
for content in "$FOREIGN" "${FOREIGN}abc" "abc" "4294967296" " $FOREIGN" "$FOREIGN $FOREIGN"; do
	printf '%s\n' "$content" >"$T/fake/weir.pid"
	run_postrotate "$T/fake/weir.pid"
	kill -0 "$FOREIGN" 2>/dev/null || fail "postrotate signalled pid file content '$content'"
	for action in rotate reload upgrade status stop; do
		initd "$action"
		kill -0 "$FOREIGN" 2>/dev/null || fail "init.d/weir $action signalled pid file content '$content'"
		assert_not_contains "$INIT_OUT" "running (pid" "init.d/weir $action with '$content'"
	done
	assert_eq "$INIT_RC" 0 "init.d/weir stop with '$content' (not running)"
	initd rotate
	assert_eq "$INIT_RC" 7 "init.d/weir rotate with '$content' (not running)"
	printf '%s\n' "$content" >"$T/fake/weir.pid"
done
[ "$(ps -o stat= -p "$FOREIGN" | cut -c1)" != T ] || fail "foreign process stopped"

# --- A state directory the workers' user can write, as earlier versions
# left it: nobody plants a link at the pid path; weir refuses to start and
# never touches the file the link names.
mkdir "$T/old"
chown nobody:nogroup "$T/old"
as_nobody ln -s "$T/victim" "$T/old/weir.pid"
write_conf "$T/old"
start_refused "state_dir owned by nobody" "state_dir $T/old: $T/old belongs to uid 65534, not root"
victim_intact "state_dir owned by nobody"

# The same directory given back to root, the link still there: not followed.
chown root:root "$T/old"
start_refused "link at the pid path" "pid file $T/old/weir.pid: is a symbolic link; weir does not follow it"
victim_intact "link at the pid path"

# A pid file nobody made while it could: refused, left as it is.
rm "$T/old/weir.pid"
printf '%s\n' "$FOREIGN" >"$T/old/weir.pid"
chown nobody "$T/old/weir.pid"
start_refused "pid file owned by nobody" "pid file $T/old/weir.pid: belongs to uid 65534"
assert_eq "$(cat "$T/old/weir.pid")" "$FOREIGN" "the refused pid file is left alone"

# Group- or world-writable state directories are refused too.
rm "$T/old/weir.pid"
chmod 775 "$T/old"
start_refused "group-writable state_dir" "state_dir $T/old: $T/old is writable by its group (mode 0775)"
chmod 755 "$T/old"

# --- Log files: a log directory nobody can write; a link planted at the
# access log is neither followed nor handed to nobody, and one at the
# error log stops the start.
mkdir "$T/logs"
chown nobody:nogroup "$T/logs"
as_nobody ln -s "$T/victim" "$T/logs/access.log"
write_conf "$T/run" "\"access_log\": \"$T/logs/access.log\","
start_weir "$T/weir.json"
for i in $(seq 1 50); do
	grep -q "access.log: is a symbolic link" "$WEIR_LOG" && break
	sleep 0.1
done
assert_match "$(cat "$WEIR_LOG")" "log file $T/logs/access.log: is a symbolic link, which weir does not follow" \
    "the master names the linked access log"
victim_intact "link at the access log"
stop_weir
as_nobody ln -s "$T/victim" "$T/logs/error.log"
write_conf "$T/run" "\"error_log\": \"$T/logs/error.log\","
start_refused "link at the error log" "error_log $T/logs/error.log: cannot open: is a symbolic link, which weir does not follow"
victim_intact "link at the error log"
# A hard link instead (what fs.protected_hardlinks=0 would let nobody make):
# root does not append to a file that has another name.
rm "$T/logs/error.log"
ln "$T/victim" "$T/logs/error.log"
start_refused "hard link at the error log" "error_log $T/logs/error.log: cannot open: has another name (a hard link)"
rm "$T/logs/error.log"
victim_intact "hard link at the error log"
pass
