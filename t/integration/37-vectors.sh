#!/usr/bin/env bash
# Every raw request in t/vectors/ (listed in t/vectors/INDEX as "file status rule"), replayed byte for byte, gets its expected status; 400s also close the connection.
. "$(dirname "$0")/lib.sh"

V=$top_srcdir/t/vectors
[ -f "$V/INDEX" ] || fail "$V/INDEX is missing"
P=$(port 0)
start_lighttpd b1 "$(port 1)"
cat >"$T/weir.json" <<EOF
{
$(conf_globals 1)
  "pools": {"web": {"health": false, "response_timeout_ms": 2000,
            "backends": ["127.0.0.1:$(port 1)"]}},
  "services": {"www": {"listen": "127.0.0.1:$P", "pool": "web",
                       "request_header_timeout_ms": 1000}}
}
EOF
start_weir "$T/weir.json"

n=0
bad=0
while read -r file want rule; do
	case $file in '' | '#'*) continue ;; esac
	[ -f "$V/$file" ] || fail "INDEX names $file, which does not exist"
	n=$((n + 1))
	out=$(rawhttp "$P" --parse --timeout 3 --file "$V/$file")
	got=$(grep -m1 '^STATUS ' <<<"$out" | cut -d' ' -f2)
	if [ "$got" != "$want" ]; then
		echo "vector $file ($rule): expected $want, got ${got:-nothing}"
		bad=$((bad + 1))
	elif [ "$want" = 400 ] && ! grep -q '^END closed$' <<<"$out"; then
		echo "vector $file ($rule): 400 but the connection stayed open"
		bad=$((bad + 1))
	fi
done <"$V/INDEX"
note "$n vectors, $bad wrong"
[ "$n" -gt 0 ] || fail "$V/INDEX lists no vectors"
[ "$bad" -eq 0 ] || fail "$bad of $n vectors got the wrong answer"
kill -0 "$WEIR_PID" || fail "weir master died"
pass
