#!/usr/bin/env bash
# A reload keeps what operators rely on: counters do not reset, a backend disabled with weirctl stays disabled, a backend known down gets no traffic, a new listener opens and a removed one closes, while a listener that stays is the same socket.
. "$(dirname "$0")/lib.sh"

P=$(port 0)
P2=$(port 5)
start_lighttpd b1 "$(port 1)"
start_lighttpd b2 "$(port 2)"
start_lighttpd b3 "$(port 3)"
write_conf()	# write_conf EXTRA_SERVICE
{
	cat >"$T/weir.json" <<EOF
{
$(conf_globals 2)
  "pools": {"web": {"backends": ["127.0.0.1:$(port 1)", "127.0.0.1:$(port 2)", "127.0.0.1:$(port 4)"],
                    "health": {"interval_ms": 100, "fall": 1, "rise": 2}}},
  "services": {"www": {"listen": "127.0.0.1:$P", "pool": "web"}$1}
}
EOF
}
json()
{
	"$WEIRCTL" -s "$T/run" stats --json
}
state_of()	# state_of ADDRESS
{
	json | python3 -c 'import json,sys; d=json.load(sys.stdin); print([b["state"] for p in d["pools"] for b in p["backends"] if b["address"]==sys.argv[1]][0])' "$1"
}
write_conf ', "extra": {"listen": "127.0.0.1:'"$(port 6)"'", "pool": "web"}'
start_weir "$T/weir.json"
inode_before=$(ss -ltnpe "sport = :$P" | grep -o 'ino:[0-9]*')

# Port 4 has no server: it goes down.  b2 is disabled by the operator.
for i in $(seq 1 30); do
	[ "$(state_of "127.0.0.1:$(port 4)")" = down ] && break
	sleep 0.1
done
assert_eq "$(state_of "127.0.0.1:$(port 4)")" down "the dead backend"
"$WEIRCTL" -s "$T/run" backend disable web "127.0.0.1:$(port 2)" >/dev/null
for i in $(seq 1 10); do
	get "http://127.0.0.1:$P/name" >/dev/null
done
before=$(json | python3 -c 'import json,sys; print(json.load(sys.stdin)["services"][0]["requests"])')

write_conf ', "new": {"listen": "127.0.0.1:'"$P2"'", "pool": "web"}'
"$WEIRCTL" -s "$T/run" reload >/dev/null || fail "reload failed"
after=$(json | python3 -c 'import json,sys; print(json.load(sys.stdin)["services"][0]["requests"])')
assert_eq "$after" "$before" "service requests carried over"
assert_eq "$(state_of "127.0.0.1:$(port 2)")" disabled "disabled stays disabled"
assert_eq "$(state_of "127.0.0.1:$(port 4)")" down "down stays down"
for i in $(seq 1 10); do
	assert_eq "$(get "http://127.0.0.1:$P/name")" b1 "request $i after the reload goes to the only usable backend"
done
assert_eq "$(get "http://127.0.0.1:$P2/name")" b1 "the new listener serves"
wait_gone_port()
{
	for i in $(seq 1 50); do
		is_listening "$1" || return 0
		sleep 0.1
	done
	return 1
}
wait_gone_port "$(port 6)" || fail "the removed listener still accepts"
assert_eq "$(ss -ltnpe "sport = :$P" | grep -o 'ino:[0-9]*')" "$inode_before" \
    "the listener that stayed is the same socket"
pass
