#!/usr/bin/env bash
# TERM to the master stops it and every worker, closes the listener, removes the pid file, and exits 0.
. "$(dirname "$0")/lib.sh"

P=$(port 0)
start_lighttpd b1 "$(port 1)" "$(make_docroot b1 "backend 1")"
cat >"$T/weir.json" <<EOF
{
$(conf_globals 2)
  "pools": {"web": {"health": false, "backends": ["127.0.0.1:$(port 1)"]}},
  "services": {"www": {"listen": "127.0.0.1:$P", "pool": "web"}}
}
EOF
start_weir "$T/weir.json"
wait_children 2
assert_eq "$(get "http://127.0.0.1:$P/")" "backend 1" "request before TERM"
[ -f "$T/run/weir.pid" ] || fail "no pid file at $T/run/weir.pid"
assert_eq "$(tr -d ' \n' <"$T/run/weir.pid")" "$WEIR_PID" "pid file contents"
mapfile -t kids < <(weir_children)
[ "${#kids[@]}" -ge 2 ] || fail "expected at least 2 workers, found ${#kids[@]}"

kill -TERM "$WEIR_PID"
wait_exit "$WEIR_PID" 5 || fail "master still running 5 s after TERM"
assert_eq "$EXIT_RC" 0 "master exit status after TERM"
for k in "${kids[@]}"; do
	wait_gone "$k" 2 || fail "worker $k still running after the master exited"
done
[ ! -e "$T/run/weir.pid" ] || fail "pid file still there after TERM"
is_listening "$P" && fail "port $P still listening after TERM"
pass
