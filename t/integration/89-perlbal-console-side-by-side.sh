#!/usr/bin/env bash
# Perlbal 1.80 itself and weir, on the two seed configurations in front of the same Apache and lighttpd, get the same scripted management session: every answer, line by line, is the same but for the deliberate differences doc/perlbal.md lists with their reasons, and that list holds nothing the two do not show.
. "$(dirname "$0")/lib.sh"
. "$LIB_DIR/perlbal/perlbal.sh"

DOC=$top_srcdir/doc/perlbal.md
[ -f "$DOC" ] || fail "no $DOC"
A=$(port 1)
L=$(port 2)
X=$(port 3)	# a third node the session adds and removes
start_apache apache "$A"
start_lighttpd lighttpd "$L"
backends=("127.0.0.1:$A" "127.0.0.1:$L")

# Scenario 2 on Perlbal (listen 4, console 5) and weir (6, 7); scenario 1
# on Perlbal (8, 9) and weir (10, 11).  Our own copies of the scenarios:
# the console sessions name their pools and services.
perlbal_setup own 2 pb-s2 "127.0.0.1:$(port 4)" "127.0.0.1:$(port 5)" \
    "${backends[@]}"
start_perlbal s2 "$(port 5)"
perlbal_setup own 2 weir-s2 "127.0.0.1:$(port 6)" "127.0.0.1:$(port 7)" \
    "${backends[@]}"
perlbal_import weir-s2
perlbal_runnable weir-s2 2
start_weir "$T/weir-s2.run.json"
perlbal_setup own 1 pb-s1 "127.0.0.1:$(port 8)" "127.0.0.1:$(port 9)" \
    "${backends[@]}"
start_perlbal s1 "$(port 9)"
perlbal_setup own 1 weir-s1 "127.0.0.1:$(port 10)" "127.0.0.1:$(port 11)" \
    "${backends[@]}"
perlbal_import weir-s1
perlbal_runnable weir-s1 2
start_weir "$T/weir-s1.run.json"

console()	# console PORT SCRIPT: the session as JSON
{
	python3 "$FIXTURES/perlbal_console.py" session "$1" \
	    "$LIB_DIR/perlbal/$2" "X=$X"
}

console "$(port 5)" console-s2.txt >"$T/pb-s2.json" || fail "Perlbal session 2"
console "$(port 7)" console-s2.txt >"$T/weir-s2.json" || fail "weir session 2"
console "$(port 9)" console-s1.txt >"$T/pb-s1.json" || fail "Perlbal session 1"
console "$(port 11)" console-s1.txt >"$T/weir-s1.json" || fail "weir session 1"

for who in pb weir; do
	python3 - "$T/$who" >"$T/$who.json" <<'EOF'
import json, sys
out = []
for part in ("s2", "s1"):
    out += json.load(open("%s-%s.json" % (sys.argv[1], part)))
json.dump(out, sys.stdout, indent=1)
EOF
done

# Ports differ between the two: each is put as the name of what it is.
names=("$(port 4)=LISTEN" "$(port 5)=CONSOLE" "$(port 6)=LISTEN"
    "$(port 7)=CONSOLE" "$(port 8)=LISTEN" "$(port 9)=CONSOLE"
    "$(port 10)=LISTEN" "$(port 11)=CONSOLE" "$A=APACHE" "$L=LIGHTTPD"
    "$X=THIRD")
if ! python3 "$FIXTURES/perlbal_console.py" check "$DOC" "$T/pb.json" \
    "$T/weir.json" "${names[@]}" >"$T/check.out"; then
	cat "$T/check.out" >&2
	fail "Perlbal's and weir's consoles differ other than $DOC says"
fi
cat "$T/check.out"
# A comparison that compared nothing would pass: make sure it did.
n=$(sed -n 's/^\([0-9]*\) answers the same.*/\1/p' "$T/check.out")
[ "${n:-0}" -ge 40 ] || fail "only ${n:-0} answers the same"
assert_eq "$(python3 -c 'import json,sys; print(len(json.load(open(sys.argv[1]))))' \
    "$T/pb.json")" 65 "commands sent to Perlbal"
pass
