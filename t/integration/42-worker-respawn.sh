#!/usr/bin/env bash
# A worker killed with SIGKILL is replaced by the master within 2 s, requests keep succeeding, and the master logs the respawn.
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
sleep 0.3
mapfile -t kids < <(weir_children)
note "children of master $WEIR_PID: ${kids[*]}"
[ "${#kids[@]}" -ge 2 ] || fail "expected at least 2 workers, found ${#kids[@]}"

victim=
for k in "${kids[@]}"; do
	if grep -qi worker <<<"$(ps -o args= -p "$k")"; then
		victim=$k
		break
	fi
done
[ -n "$victim" ] || victim=${kids[0]}
note "killing worker $victim ($(ps -o args= -p "$victim"))"
kill -KILL "$victim"

for i in $(seq 1 10); do
	assert_eq "$(get "http://127.0.0.1:$P/")" "backend 1" "request $i after the kill"
done

ok=
for i in $(seq 1 40); do
	mapfile -t now < <(weir_children)
	if [ "${#now[@]}" -eq "${#kids[@]}" ] && ! grep -qx "$victim" <<<"$(printf '%s\n' "${now[@]}")"; then
		ok=1
		break
	fi
	sleep 0.05
done
[ -n "$ok" ] || fail "children after 2 s: ${now[*]} (before: ${kids[*]}, killed $victim)"
note "children now: ${now[*]}"

for i in $(seq 1 10); do
	assert_eq "$(get "http://127.0.0.1:$P/")" "backend 1" "request $i after the respawn"
done
log=$(cat "$WEIR_LOG")
assert_contains "$log" "$victim" "master log (names the dead worker)"
assert_match "$log" "$victim.*([Rr]espawn|[Rr]estart|new (one|worker)|[Ss]tarting)" \
    "master log (says it replaces the dead worker)"
pass
