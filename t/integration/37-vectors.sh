#!/usr/bin/env bash
# Every raw request in t/vectors/ (listed in t/vectors/INDEX as "file status [expectation...] rule"), replayed byte for byte, gets its expected status; 400s also close the connection; what reaches the backend and how connections end are as INDEX says, and nothing ambiguous reaches the backend.
. "$(dirname "$0")/lib.sh"

V=$top_srcdir/t/vectors
[ -f "$V/INDEX" ] || fail "$V/INDEX is missing"
P=$(port 0)
SEEN=$T/backend
start_strict_backend "$(port 1)" "$SEEN"
# The vectors pin the bytes a backend gets: no X-Request-Id, which is new
# for every request (26-request-id tests it).
cat >"$T/weir.json" <<EOF
{
$(conf_globals 1)
  "pools": {"web": {"health": false, "response_timeout_ms": 2000,
            "backends": ["127.0.0.1:$(port 1)"]}},
  "services": {"www": {"listen": "127.0.0.1:$P", "pool": "web",
                       "request_header_timeout_ms": 1000,
                       "request_id": false}}
}
EOF
start_weir "$T/weir.json"

n=0
bad=0
wrong()
{
	echo "vector $file ($rule): $*"
	bad=$((bad + 1))
}
while read -r file want rule; do
	case $file in '' | '#'*) continue ;; esac
	[ -f "$V/$file" ] || fail "INDEX names $file, which does not exist"
	n=$((n + 1))
	backend='' backend_end='' end='' split=''
	while [[ $rule =~ ^([a-z-]+)=([^[:space:]]+)[[:space:]]+(.*)$ ]]; do
		key=${BASH_REMATCH[1]} val=${BASH_REMATCH[2]}
		rule=${BASH_REMATCH[3]}
		case $key in
		head) ;;
		backend) backend=$val ;;
		backend-end) backend_end=$val ;;
		end) end=$val ;;
		split) split=$val ;;
		*) fail "INDEX: $file: unknown expectation $key=$val" ;;
		esac
	done
	if [ -n "$backend" ] && [ "$backend" != none ] &&
	    [ ! -f "$V/$backend" ]; then
		fail "INDEX: $file: backend=$backend does not exist"
	fi
	args=(--parse --timeout 3 --file "$V/$file")
	[ -z "$split" ] || args+=(--split "$split")
	if [ -n "$end" ]; then
		args+=(--tell-reset)
	elif [ "$want" != 400 ] && [ -n "$backend" ]; then
		# the answer is all there is to see: the connection stays open
		args+=(--one)
	fi
	if [ -n "$backend$backend_end" ]; then
		(cd "$SEEN" && stat -c '%n %s' conn-*.raw 2>/dev/null) \
		    >"$T/mark" || true
	fi
	out=$(rawhttp "$P" "${args[@]}")
	got=$(grep -m1 '^STATUS ' <<<"$out" | cut -d' ' -f2)
	if [ "$got" != "$want" ]; then
		wrong "expected $want, got ${got:-nothing}"
	elif [ "$want" = 400 ] && [ -z "$end" ] &&
	    ! grep -q '^END closed$' <<<"$out"; then
		wrong "400 but the connection stayed open"
	fi
	if [ -n "$end" ] && ! grep -q "^END $end\$" <<<"$out"; then
		wrong "expected the connection to end $end, got" \
		    "$(grep '^END ' <<<"$out")"
	fi
	[ -n "$backend$backend_end" ] || continue
	conns=$(strict_backend since "$SEEN" "$T/mark" "$T/got" \
	    ${backend_end:+--wait-closed})
	if [ "$backend" = none ] && [ -s "$T/got" ]; then
		wrong "the backend received $(wc -c <"$T/got") bytes:" \
		    "$(head -c 300 "$T/got" | od -c | head -n 8)"
	elif [ -n "$backend" ] && [ "$backend" != none ] &&
	    ! cmp -s "$T/got" "$V/$backend"; then
		wrong "the backend did not receive exactly $backend; it got:" \
		    "$(od -c "$T/got" | head -n 20)"
	fi
	if [ "$backend_end" = closed ] && grep -q ' open$' <<<"$conns"; then
		wrong "a backend connection stayed open: $conns"
	fi
done <"$V/INDEX"
note "$n vectors, $bad wrong"
[ "$n" -gt 0 ] || fail "$V/INDEX lists no vectors"
for f in "$V"/*.backend; do
	[ -e "$f" ] || continue
	grep -q " backend=${f##*/} " "$V/INDEX" ||
	    fail "${f##*/} is named by no line of INDEX"
done
kill -0 "$WEIR_PID" || fail "weir master died"
stop_weir
checked=$(strict_backend check "$SEEN") ||
	fail "something ambiguous reached the backend:
$(grep -v '^ID ' <<<"$checked")"
note "backend: $(tail -n 1 <<<"$checked")"
[ "$bad" -eq 0 ] || fail "$bad of $n vectors got the wrong answer"
pass
