#!/usr/bin/env bash
# USR2 replaces the running binary without dropping a request: the new master takes over the same listening sockets and the counters while wrk keeps 20 connections busy, and the old one stops; a new binary that cannot start leaves the old one serving with its pid file.
. "$(dirname "$0")/lib.sh"

P=$(port 0)
start_lighttpd b1 "$(port 1)"
start_lighttpd b2 "$(port 2)"
# weir runs from a copy, so the test can put another binary in its place.
cp "$WEIR" "$T/weir-bin"
WEIR=$T/weir-bin
cat >"$T/weir.json" <<EOF
{
$(conf_globals 2)
  "pools": {"web": {"health": false, "backends": ["127.0.0.1:$(port 1)", "127.0.0.1:$(port 2)"]}},
  "services": {"www": {"listen": "127.0.0.1:$P", "pool": "web"}}
}
EOF
start_weir "$T/weir.json"
old=$WEIR_PID
inode=$(ss -ltnpe "sport = :$P" | grep -o 'ino:[0-9]*')
requests()
{
	"$WEIRCTL" -s "$T/run" stats --json | python3 -c 'import json,sys; print(json.load(sys.stdin)["services"][0]["requests"])'
}
for i in 1 2 3 4 5; do
	get "http://127.0.0.1:$P/name" >/dev/null
done

# A binary that cannot start: the old master keeps everything.
printf '#!/bin/sh\necho "weir: this build is broken" >&2\nexit 3\n' >"$T/weir-bin.new"
chmod 755 "$T/weir-bin.new"
mv "$T/weir-bin" "$T/weir-bin.good"
mv "$T/weir-bin.new" "$T/weir-bin"
kill -USR2 "$old"
for i in $(seq 1 50); do
	grep -q 'binary upgrade failed' "$WEIR_LOG" && break
	sleep 0.1
done
assert_match "$(cat "$WEIR_LOG")" 'binary upgrade failed: the new master exited with status 3' \
    "the failure is logged with its cause"
assert_eq "$(cat "$T/run/weir.pid")" "$old" "the pid file is the old master's again"
assert_match "$(get "http://127.0.0.1:$P/name")" "^b[12]$" "still serving"

# The real upgrade, under load.
mv "$T/weir-bin.good" "$T/weir-bin"
wrk -t2 -c20 -d4s "http://127.0.0.1:$P/name" >"$T/wrk.out" 2>&1 &
load=$!
sleep 1
kill -USR2 "$old"
wait "$load" || fail "wrk failed"
note "$(cat "$T/wrk.out")"
for i in $(seq 1 50); do
	kill -0 "$old" 2>/dev/null || break
	sleep 0.1
done
kill -0 "$old" 2>/dev/null && fail "the old master is still running"
new=$(cat "$T/run/weir.pid")
_WEIR_MASTERS+=("$new")	# for the cleanup: it outlived its parent
[ "$new" != "$old" ] || fail "the pid file still names the old master"
kill -0 "$new" || fail "the new master ($new) is not running"
assert_no_match "$(cat "$T/wrk.out")" 'Socket errors' "connection errors during the upgrade"
assert_no_match "$(cat "$T/wrk.out")" 'Non-2xx' "failed requests during the upgrade"
assert_eq "$(ss -ltnpe "sport = :$P" | grep -o 'ino:[0-9]*')" "$inode" "the same listening socket"
n=$(requests)
[ "$n" -gt 5 ] || fail "counters restarted: $n requests"
[ ! -e "$T/run/weir.pid.oldbin" ] || fail "weir.pid.oldbin left behind"
pass
