#!/usr/bin/env bash
# Killing one of two backends while requests flow loses no request started after the kill (refused connects and dead idle connections are retried elsewhere), and no weir process dies.
. "$(dirname "$0")/lib.sh"

P=$(port 0)
start_lighttpd b1 "$(port 1)" "$(make_docroot b1 "backend 1")"
start_lighttpd b2 "$(port 2)" "$(make_docroot b2 "backend 2")"
B2_PID=$LAST_PID
cat >"$T/weir.json" <<EOF
{
$(conf_globals 2)
  "pools": {"web": {"health": false, "retries": 2, "persist": true,
            "backends": ["127.0.0.1:$(port 1)", "127.0.0.1:$(port 2)"]}},
  "services": {"www": {"listen": "127.0.0.1:$P", "pool": "web"}}
}
EOF
start_weir "$T/weir.json"
wait_children 2
children_before=$(weir_children | sort | tr '\n' ' ')

# Sequential requests, each on a new client connection; weir keeps idle
# backend connections, so some of them die with b2 and must be retried.
(
	while [ ! -e "$T/stop" ]; do
		phase=before
		[ -e "$T/killed" ] && phase=after
		code=$(curl -s -o /dev/null -w '%{http_code}' --max-time 5 "http://127.0.0.1:$P/")
		echo "$phase $code"
	done
) >"$T/codes" &
LOOP=$!
track "$LOOP"
sleep 1
kill -KILL "$B2_PID"
wait_gone "$B2_PID" 5 || fail "lighttpd b2 did not die"
touch "$T/killed"
sleep 2
touch "$T/stop"
wait "$LOOP" || true

note "$(sort "$T/codes" | uniq -c | tr '\n' ';')"
before=$(grep -c '^before ' "$T/codes" || true)
after=$(grep -c '^after ' "$T/codes" || true)
[ "$before" -ge 5 ] || fail "only $before requests ran before the kill"
[ "$after" -ge 20 ] || fail "only $after requests ran after the kill"
bad_before=$(grep -c '^before [^2]' "$T/codes" || true)
# A request already on b2 when it died may fail; no more than that one.
[ "$bad_before" -le 1 ] || fail "$bad_before requests failed before/at the kill"
grep -q '^after [^2]' "$T/codes" && fail "requests failed after the kill: $(grep '^after [^2]' "$T/codes" | sort | uniq -c)"
assert_eq "$(tail -n 1 "$T/codes")" "after 200" "last request"
kill -0 "$WEIR_PID" || fail "weir master died"
assert_eq "$(weir_children | sort | tr '\n' ' ')" "$children_before" "weir children (none may have died)"
pass
