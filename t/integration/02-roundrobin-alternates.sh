#!/usr/bin/env bash
# With one worker, roundrobin sends successive requests on new connections to the two backends strictly in turn.
. "$(dirname "$0")/lib.sh"

P=$(port 0)
start_lighttpd b1 "$(port 1)" "$(make_docroot b1 "backend 1")"
start_lighttpd b2 "$(port 2)" "$(make_docroot b2 "backend 2")"
cat >"$T/weir.json" <<EOF
{
$(conf_globals 1)
  "pools": {"web": {"balance": "roundrobin", "health": false,
            "backends": ["127.0.0.1:$(port 1)", "127.0.0.1:$(port 2)"]}},
  "services": {"www": {"listen": "127.0.0.1:$P", "pool": "web"}}
}
EOF
start_weir "$T/weir.json"

prev=
seq=
for i in $(seq 1 20); do
	body=$(get "http://127.0.0.1:$P/")
	case $body in
	"backend 1" | "backend 2") ;;
	*) fail "request $i: unexpected body '$body'" ;;
	esac
	[ "$body" != "$prev" ] || fail "request $i went to '$body' twice in a row (sequence:$seq)"
	prev=$body
	seq="$seq ${body#backend }"
done
note "sequence:$seq"
pass
