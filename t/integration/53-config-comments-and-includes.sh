#!/usr/bin/env bash
# A configuration with "#" and "//" comments and an include of conf.d/*.json serves as one file would (weir -t, weir, weirctl -c); an error in an included file names that file, line and column at weir -t and on a reload, which keeps the old configuration serving; a pool defined in two files names both places. t/run-demo, in a copy of this tree configured in place as a package build leaves it, builds there, picks free ports when 8080 is taken, shows requests alternating between its two backends and leaves nothing running.
# timeout: 600
. "$(dirname "$0")/lib.sh"

P=$(port 0)
B1=127.0.0.1:$(port 1)
B2=127.0.0.1:$(port 2)
start_lighttpd b1 "$(port 1)" "$(make_docroot b1 "backend 1")"
start_apache b2 "$(port 2)" "$(make_docroot b2 "backend 2")"
C=$T/etc
mkdir -p "$C/conf.d"
cat >"$C/weir.json" <<EOF
# weir's main file: globals here, the site in conf.d
{
$(conf_globals 2)
  // "workers": 999, would be wrong, but it is a comment
  "include": ["conf.d/*.json"],
  "access_log": "$T/access#1.log"   # a "#" inside a string stays
}
EOF
cat >"$C/conf.d/10-pools.json" <<EOF
// the backends
{"pools": {
  "web": {"backends": ["$B1", "$B2"], "health": false,  # lighttpd, Apache
          "tls_server_name": "a//b#c"}  // a string holds "//" and "#"
}}
EOF
cat >"$C/conf.d/20-www.json" <<EOF
{"services": {"www": {"listen": "127.0.0.1:$P", "pool": "web"}}}
EOF
echo "not JSON: conf.d/*.json does not match me" >"$C/conf.d/README"

out=$("$WEIR" -t -c "$C/weir.json" 2>&1) || fail "weir -t exited $?: $out"
assert_eq "$out" "configuration OK: $C/weir.json" "weir -t"
start_weir "$C/weir.json" "$P"
declare -A seen=()
for i in 1 2 3 4; do
	seen[$(get "http://127.0.0.1:$P/")]=1
done
assert_eq "${!seen[*]}" "backend 2 backend 1" "backends answering"
[ -s "$T/access#1.log" ] || fail "the access log named with a # was not written"
# weirctl finds the state directory through the comments.
out=$("$WEIRCTL" -c "$C/weir.json" stats --json) || fail "weirctl -c exited $?: $out"
assert_contains "$out" "\"address\": \"$B2\"" "weirctl -c stats --json"

# An error in an included file: weir -t names it, line and column.
cp "$C/conf.d/10-pools.json" "$T/10-pools.good"
cat >"$C/conf.d/10-pools.json" <<EOF
// the backends
{"pools": {
  "web": {"backends": ["$B1", "$B2"], "balance": "rr"}
}}
EOF
# Where "rr" is in that file: line 3, this column.
col=$(awk 'NR == 3 { print index($0, "\"rr\"") }' "$C/conf.d/10-pools.json")
rc=0
out=$("$WEIR" -t -c "$C/weir.json" 2>&1) || rc=$?
assert_eq "$rc" 1 "weir -t exit status with a bad included file"
assert_eq "$out" "$C/conf.d/10-pools.json:3:$col: pools.web.balance: expected one of: roundrobin, random, leastconn, source, uri
weir: configuration $C/weir.json has errors" "weir -t with a bad included file"

# The same on a reload: named, and the old configuration keeps serving.
rc=0
out=$("$WEIRCTL" -s "$T/run" reload 2>&1) || rc=$?
assert_eq "$rc" 1 "weirctl reload exit status with a bad included file"
assert_contains "$out" "$C/conf.d/10-pools.json:3:$col: pools.web.balance: expected one of" "weirctl reload"
assert_contains "$(cat "$WEIR_LOG")" "reload: $C/conf.d/10-pools.json:3:$col: pools.web.balance" "weir's log"
assert_eq "$(status "http://127.0.0.1:$P/")" 200 "serving after the failed reload"

# A pool defined twice: both places named; a JSON syntax error in an
# included file: that file.
cp "$T/10-pools.good" "$C/conf.d/10-pools.json"
printf '{"pools": {"web": {"backends": ["%s"]}}}\n' "$B1" >"$C/conf.d/15-more.json"
rc=0
out=$("$WEIR" -t -c "$C/weir.json" 2>&1) || rc=$?
assert_eq "$rc" 1 "weir -t exit status with a pool defined twice"
assert_contains "$out" "$C/conf.d/15-more.json:1:12: pools.web: pool \"web\" is already defined at $C/conf.d/10-pools.json:3:3" \
    "weir -t with a pool defined twice"
printf '{"pools": {\n  "more" {}}}\n' >"$C/conf.d/15-more.json"
rc=0
out=$("$WEIR" -t -c "$C/weir.json" 2>&1) || rc=$?
assert_eq "$rc" 1 "weir -t exit status with a syntax error in an included file"
assert_contains "$out" "$C/conf.d/15-more.json:2:10: JSON syntax:" "weir -t with a syntax error in an included file"
rm "$C/conf.d/15-more.json"

# Fixed: the reload takes.
out=$("$WEIRCTL" -s "$T/run" reload 2>&1) || fail "weirctl reload exited $?: $out"
assert_contains "$out" "reloaded: generation 2" "weirctl reload once fixed"
assert_eq "$(status "http://127.0.0.1:$P/")" 200 "serving after the reload"
stop_weir

# --- t/run-demo ---
# A copy of the tree, configured in place: what dpkg-buildpackage leaves
# (dh_auto_configure builds in the source tree), where automake refuses a
# second build in _build.
demo=$T/demo
mkdir -p "$demo"
tar -C "$top_srcdir" --exclude='./_build*' --exclude=./.git \
    --exclude=./autom4te.cache --exclude=./t/integration/logs -cf - . |
    tar -C "$demo" -xf -
if [ ! -f "$demo/configure" ]; then
	(cd "$demo" && autoreconf -fi) >"$T/demo-autoreconf.out" 2>&1 ||
	    fail "autoreconf in the copy: $(tail -5 "$T/demo-autoreconf.out")"
fi
if [ ! -f "$demo/config.status" ]; then
	(cd "$demo" && ./configure) >"$T/demo-configure.out" 2>&1 ||
	    fail "configure in the copy: $(tail -5 "$T/demo-configure.out")"
fi
# 8080 taken, as by an Apache on the blog's own layout.
is_listening 8080 || start_blackhole 8080
rc=0
timeout 500 bash "$demo/t/run-demo" --no-install >"$T/demo.out" 2>&1 || rc=$?
note "$(cat "$T/demo.out")"
assert_eq "$rc" 0 "t/run-demo exit status"
out=$(cat "$T/demo.out")
assert_contains "$out" "$demo is configured in the tree (a package build?): building there" "run-demo in a configured tree"
[ -x "$demo/weir" ] && [ -x "$demo/weirctl" ] || fail "run-demo did not build weir in the tree"
[ ! -e "$demo/_build" ] || fail "run-demo made _build next to a tree configured in place"
dport=$(sed -n 's/^==> 8080-8082 are taken: using \([0-9]*\)-[0-9]*$/\1/p' "$T/demo.out")
[ -n "$dport" ] || fail "run-demo did not say which ports it took instead of 8080"
got=$(grep -x 'backend [12]' "$T/demo.out" | tr '\n' ' ')
assert_eq "$got" "backend 1 backend 2 backend 1 backend 2 " "run-demo's four requests"
assert_match "$out" "master +pid [0-9]+, running" "run-demo's weirctl status"
assert_contains "$out" "==> stopped weir and both lighttpd instances" "run-demo's end"
for p in "$dport" $((dport + 1)) $((dport + 2)); do
	! is_listening "$p" || fail "port $p still listens after run-demo"
done
pass
