#!/usr/bin/env bash
# etc/init.d/weir, run by dash with and without /lib/lsb/init-functions:
# start/status/configtest/reload/rotate/upgrade/restart/stop with LSB exit codes; a
# bad configuration makes configtest name file:line:col and makes reload and
# restart refuse while the running weir keeps serving with the same pid;
# graceful-stop; a start that fails (port in use) says why; the pid file is
# found from the configuration when PIDFILE is not set.
. "$(dirname "$0")/lib.sh"

INIT=$top_srcdir/etc/init.d/weir
[ -r "$INIT" ] || fail "no init script at $INIT"
command -v start-stop-daemon >/dev/null || fail "start-stop-daemon not found (package dpkg)"
[ -x "$WEIR" ] || fail "weir binary not found at $WEIR (build first)"

P=$(port 0)
start_lighttpd b1 "$(port 1)" "$(make_docroot b1 "backend 1")"

write_conf()
{
	# write_conf PORT [EXTRA-LINE]
	cat >"$T/weir.json" <<EOF2
{
$(conf_globals 2)
  "error_log": "$WEIR_LOG",${2:+
  $2}
  "pools": {"web": {"health": false, "backends": ["127.0.0.1:$(port 1)"]}},
  "services": {"www": {"listen": "127.0.0.1:$1", "pool": "web"}}
}
EOF2
}
write_conf "$P"
GOOD_CONF=$(cat "$T/weir.json")
PIDFILE=$T/run/weir.pid

# initd ACTION: run the script with dash; sets OUT (stdout+stderr) and RC.
MODE=
initd()
{
	RC=0
	OUT=$(WEIR_DEFAULTS=$T/default WEIR_INIT_FUNCTIONS=$MODE \
	    sh "$INIT" "$1" 2>&1) || RC=$?
	echo "\$ init.d/weir $1 -> $RC"
	[ -z "$OUT" ] || printf '%s\n' "$OUT" | sed 's/^/  | /'
}

expect_rc()
{
	# expect_rc ACTION RC
	initd "$1"
	assert_eq "$RC" "$2" "exit status of '$1' ($MODE)"
}

# serving [PID]: weir answers through P, and PID (if given) is still the
# master named by the pid file.
serving()
{
	assert_eq "$(get "http://127.0.0.1:$P/")" "backend 1" "request through weir ($MODE)"
	if [ -n "${1:-}" ]; then
		[ -s "$PIDFILE" ] || fail "pid file $PIDFILE missing ($MODE)"
		assert_eq "$(cat "$PIDFILE")" "$1" "master pid ($MODE)"
		kill -0 "$1" 2>/dev/null || fail "master $1 is gone ($MODE)"
	fi
}

master_pid()
{
	[ -s "$PIDFILE" ] || fail "no pid file at $PIDFILE after start ($MODE)"
	local pid
	pid=$(tr -d ' \n' <"$PIDFILE")
	kill -0 "$pid" 2>/dev/null || fail "pid file names $pid, not running"
	_WEIR_MASTERS+=("$pid")	# stopped by the cleanup if the test fails
	echo "$pid"
}

for MODE in /lib/lsb/init-functions none; do
	if [ "$MODE" != none ] && [ ! -r "$MODE" ]; then
		note "no $MODE here; testing the fallbacks only"
		continue
	fi
	note "=== init functions: $MODE"
	if [ "$MODE" = none ]; then
		# PIDFILE left out: the script reads "pidfile" from the config.
		# reload goes through weirctl here; the other mode leaves
		# WEIRCTL at /usr/bin/weirctl, absent on a build machine: HUP.
		printf 'DAEMON=%s\nWEIRCTL=%s\nCONFIG=%s\n' "$WEIR" "$WEIRCTL" "$T/weir.json" >"$T/default"
	else
		printf 'DAEMON=%s\nCONFIG=%s\nPIDFILE=%s\n' "$WEIR" "$T/weir.json" \
		    "$PIDFILE" >"$T/default"
	fi

	expect_rc status 3
	expect_rc reload 7
	expect_rc stop 0

	expect_rc start 0
	# weir's parent returns only once the daemon serves: no waiting.
	is_listening "$P" || fail "port $P not listening right after start"
	pid=$(master_pid)
	serving "$pid"
	expect_rc start 0	# already running: LSB says 0
	serving "$pid"

	expect_rc status 0
	assert_contains "$OUT" "running" "status output"
	expect_rc configtest 0
	assert_contains "$OUT" "configuration OK: $T/weir.json" "configtest output"

	expect_rc reload 0
	expect_rc force-reload 0
	sleep 0.3
	serving "$pid"
	expect_rc rotate 0
	sleep 0.2
	serving "$pid"

	# upgrade: USR2, a new master on the same sockets, the old one gone.
	expect_rc upgrade 0
	newpid=$(master_pid)
	[ "$newpid" != "$pid" ] || fail "upgrade kept pid $pid"
	wait_gone "$pid" 5 || fail "old master $pid still running after upgrade"
	pid=$newpid
	serving "$pid"

	expect_rc restart 0
	newpid=$(master_pid)
	[ "$newpid" != "$pid" ] || fail "restart kept pid $pid"
	wait_gone "$pid" 1 || fail "old master $pid still running after restart"
	pid=$newpid
	serving "$pid"

	# A bad configuration: nothing is signalled or stopped.
	write_conf "$P" '"bogus_key": 1,'
	expect_rc configtest 1
	assert_match "$OUT" "weir\.json:[0-9]+:[0-9]+: .*bogus_key" "configtest errors"
	initd reload
	[ "$RC" -ne 0 ] || fail "reload accepted a bad configuration"
	assert_contains "$OUT" "bogus_key" "reload output"
	initd force-reload
	[ "$RC" -ne 0 ] || fail "force-reload accepted a bad configuration"
	initd restart
	[ "$RC" -ne 0 ] || fail "restart accepted a bad configuration"
	assert_contains "$OUT" "bogus_key" "restart output"
	sleep 0.3
	serving "$pid"
	expect_rc status 0
	printf '%s\n' "$GOOD_CONF" >"$T/weir.json"

	if [ "$MODE" = none ]; then
		expect_rc graceful-stop 0
	else
		expect_rc stop 0
	fi
	wait_gone "$pid" 2 || fail "master $pid still running after stop"
	[ ! -e "$PIDFILE" ] || fail "pid file still there after stop"
	is_listening "$P" && fail "port $P still listening after stop"
	expect_rc status 3
	expect_rc stop 0	# not running: still 0
	expect_rc try-restart 0
	expect_rc status 3
done

# A start that cannot bind fails with weir's reason (on stderr when there
# is no "error_log" file) and leaves nothing behind.
MODE=none
printf 'DAEMON=%s\nCONFIG=%s\nPIDFILE=%s\n' "$WEIR" "$T/weir.json" "$PIDFILE" >"$T/default"
cat >"$T/weir.json" <<EOF2
{
$(conf_globals 2)
  "pools": {"web": {"health": false, "backends": ["127.0.0.1:$(port 1)"]}},
  "services": {"www": {"listen": "127.0.0.1:$(port 1)", "pool": "web"}}
}
EOF2
initd start
[ "$RC" -ne 0 ] || fail "start succeeded on a port in use"
assert_contains "$OUT" "127.0.0.1:$(port 1)" "start failure names the address"
expect_rc status 3
[ ! -e "$PIDFILE" ] || fail "pid file left by a failed start"

expect_rc bogus-action 2
pass
