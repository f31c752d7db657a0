#!/usr/bin/env bash
# With two workers, roundrobin's position is shared, so 20 requests on new connections split exactly 10/10 whichever worker accepts them.
. "$(dirname "$0")/lib.sh"

P=$(port 0)
start_lighttpd b1 "$(port 1)" "$(make_docroot b1 "backend 1")"
start_lighttpd b2 "$(port 2)" "$(make_docroot b2 "backend 2")"
cat >"$T/weir.json" <<EOF
{
$(conf_globals 2)
  "pools": {"web": {"balance": "roundrobin", "health": false,
            "backends": ["127.0.0.1:$(port 1)", "127.0.0.1:$(port 2)"]}},
  "services": {"www": {"listen": "127.0.0.1:$P", "pool": "web"}}
}
EOF
start_weir "$T/weir.json"

n1=0
n2=0
for i in $(seq 1 20); do
	body=$(get "http://127.0.0.1:$P/")
	case $body in
	"backend 1") n1=$((n1 + 1)) ;;
	"backend 2") n2=$((n2 + 1)) ;;
	*) fail "request $i: unexpected body '$body'" ;;
	esac
done
note "backend 1: $n1, backend 2: $n2"
assert_eq "$n1/$n2" "10/10" "split over two workers"
pass
