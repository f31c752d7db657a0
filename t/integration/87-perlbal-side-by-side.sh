#!/usr/bin/env bash
# Perlbal 1.80 itself and weir, on the same two seed configurations in front of the same Apache and lighttpd, get the same requests: status, body, framing and what the backends saw are the same but for the deliberate differences doc/perlbal.md lists with their reasons, and that list holds nothing the two do not show.
. "$(dirname "$0")/lib.sh"
. "$LIB_DIR/perlbal/perlbal.sh"

DOC=$top_srcdir/doc/perlbal.md
[ -f "$DOC" ] || fail "no $DOC"
A=$(port 1)
L=$(port 2)
start_apache apache "$A"
start_lighttpd lighttpd "$L"
LIGHTTPD_PID=$LAST_PID
head -c 1048576 /dev/urandom >"$T/lighttpd/htdocs/big.bin"
cp "$T/lighttpd/htdocs/big.bin" "$T/apache/htdocs/big.bin"

# One source is enough here (86 converts both): the originals if present.
src=$(perlbal_sources 2>/dev/null | tail -n 1)
note "seed scenarios: $src"

backends=("127.0.0.1:$A" "127.0.0.1:$L")
# Scenario 1 on Perlbal (3, console 4) and on weir (5); scenario 2 on
# Perlbal (7, console 8) and on weir (9).
perlbal_setup "$src" 1 pb-s1 "127.0.0.1:$(port 3)" "127.0.0.1:$(port 4)" \
    "${backends[@]}"
start_perlbal s1 "$(port 3)"
perlbal_setup "$src" 1 weir-s1 "127.0.0.1:$(port 5)" "127.0.0.1:$(port 6)" \
    "${backends[@]}"
perlbal_import weir-s1
perlbal_runnable weir-s1 2
start_weir "$T/weir-s1.run.json"
perlbal_setup "$src" 2 pb-s2 "127.0.0.1:$(port 7)" "127.0.0.1:$(port 8)" \
    "${backends[@]}"
start_perlbal s2 "$(port 7)"
perlbal_setup "$src" 2 weir-s2 "127.0.0.1:$(port 9)" \
    "127.0.0.1:$(port 10)" "${backends[@]}"
perlbal_import weir-s2
perlbal_runnable weir-s2 2
start_weir "$T/weir-s2.run.json"

compare()
{
	python3 "$FIXTURES/perlbal_compare.py" "$@"
}

# The same cases, Perlbal first, then weir: Apache's log shows each its
# own verification and reuse.
for who in pb:3:7 weir:5:9; do
	IFS=: read -r name p1 p2 <<<"$who"
	compare observe selector "$(port "$p1")" >"$T/$name-selector.json" ||
	    fail "observing $name (scenario 1)"
	compare observe balancer "$(port "$p2")" --apache-log \
	    "$T/apache/access.log" >"$T/$name-balancer.json" ||
	    fail "observing $name (scenario 2)"
done
# The static host's backend goes away.
stop_pid "$LIGHTTPD_PID"
for who in pb:3 weir:5; do
	IFS=: read -r name p1 <<<"$who"
	compare observe down "$(port "$p1")" >"$T/$name-down.json" ||
	    fail "observing $name with lighttpd down"
done

for name in pb weir; do
	python3 - "$T/$name" >"$T/$name.json" <<'EOF'
import json, sys
out = {}
for part in ("selector", "balancer", "down"):
    out.update(json.load(open("%s-%s.json" % (sys.argv[1], part))))
json.dump(out, sys.stdout, indent=1, sort_keys=True)
EOF
done

if ! compare check "$DOC" "$T/pb.json" "$T/weir.json" >"$T/check.out"; then
	cat "$T/check.out" >&2
	fail "Perlbal and weir differ other than $DOC says"
fi
cat "$T/check.out"
# A comparison that compared nothing would pass: make sure it did.
n=$(sed -n 's/^\([0-9]*\) observations the same.*/\1/p' "$T/check.out")
[ "${n:-0}" -ge 60 ] || fail "only ${n:-0} observations the same"
assert_eq "$(python3 -c 'import json,sys; print(len(json.load(open(sys.argv[1]))))' \
    "$T/pb.json")" 25 "cases observed on Perlbal"
pass
