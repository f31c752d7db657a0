#!/usr/bin/env bash
# "weir -t" stays fast on huge configurations: 200,000 backends in one pool, the same with every other one a duplicate (100,000 errors, each with its position), and 20,000 pools and services referring to each other each pass or fail in well under 20 s (checking every pair took minutes); over-long strings are refused with the key and the limit named.
. "$(dirname "$0")/lib.sh"

# gen KIND N: a configuration with N backends, written to $T/KIND.json.
gen()
{
	python3 - "$1" "$2" "$T/$1.json" <<'EOF'
import sys
kind, n, path = sys.argv[1], int(sys.argv[2]), sys.argv[3]
def addr(k):
    return "10.%d.%d.%d:%d" % ((k >> 16) & 255, (k >> 8) & 255, k & 255, 8000 + (k >> 24))
out = ['{', '  "state_dir": "/nonexistent/weir-run",']
if kind == "wide":
    # n / 10 pools of 10 backends; as many services, each with its own
    # listen address, its pool and a route to the next pool.
    pools, svcs = [], []
    for p in range(n // 10):
        bs = ", ".join('"%s"' % addr(p * 10 + i) for i in range(10))
        pools.append('    "p%d": {"health": false, "backends": [%s]}' % (p, bs))
        svcs.append('    "s%d": {"listen": "127.%d.%d.1:80", "pool": "p%d", '
                    '"routes": [{"host": "h%d.test", "pool": "p%d"}]}'
                    % (p, (p >> 8) & 255, p & 255, p, p, (p + 1) % (n // 10)))
    out.append('  "pools": {\n' + ',\n'.join(pools) + '\n  },')
    out.append('  "services": {\n' + ',\n'.join(svcs) + '\n  }')
else:
    # One pool; "dup" repeats each address once, right after itself.
    ks = [k // 2 for k in range(n)] if kind == "dup" else range(n)
    out.append('  "pools": {"big": {"health": false, "backends": [')
    out.append(',\n'.join('    "%s"' % addr(k) for k in ks))
    out.append('  ]}},')
    out.append('  "services": {"s": {"listen": "127.0.0.1:80", "pool": "big"}}')
out.append('}')
open(path, "w").write("\n".join(out) + "\n")
EOF
}

# check KIND RC: weir -t on $T/KIND.json exits RC within 20 s (a linear
# check takes about 1 s on a CI machine, the pairwise one minutes); the
# output is left in OUT.
check()
{
	local start end ms rc=0
	start=$(date +%s%N)
	OUT=$(timeout 20 "$WEIR" -t -c "$T/$1.json" 2>&1) || rc=$?
	end=$(date +%s%N)
	ms=$(((end - start) / 1000000))
	note "$1: weir -t exit $rc in $ms ms"
	[ "$rc" -ne 124 ] || fail "$1: weir -t did not finish within 20 s"
	assert_eq "$rc" "$2" "$1: exit status of weir -t"
}

gen plain 200000
check plain 0
assert_eq "$OUT" "configuration OK: $T/plain.json" "200,000 backends pass"

gen dup 200000
check dup 1
assert_eq "$(grep -c 'duplicates backends\[' <<<"$OUT")" 100000 "one error per duplicate"
# has_line LINE WHAT: OUT holds LINE (without printing 100,000 lines if not).
has_line()
{
	grep -Fxq -- "$1" <<<"$OUT" || fail "$2: no line '$1' among $(wc -l <<<"$OUT") lines"
}
has_line "$T/dup.json:5:5: pools.big.backends[1]: \"10.0.0.0:8000\" duplicates backends[0] of pool \"big\"" \
    "the first duplicate, with its position"
has_line "$T/dup.json:200003:5: pools.big.backends[199999]: \"10.1.134.159:8000\" duplicates backends[199998] of pool \"big\"" \
    "the last duplicate, with its position"

gen wide 200000
check wide 0

# Strings have bounds, and the error names the key and the limit.
long_path="/$(head -c 1024 /dev/zero | tr '\0' a)"	# 1025 bytes
cat >"$T/bounds.json" <<EOF
{
  "user": "$(head -c 256 /dev/zero | tr '\0' u)",
  "pools": {"web": {"backends": ["127.0.0.1:8080"],
                    "health": {"path": "$long_path",
                               "host": "$(head -c 256 /dev/zero | tr '\0' h)"}},
            "ok": {"backends": ["127.0.0.1:8081"],
                   "health": {"path": "${long_path:0:1024}"}},
            "addr": {"backends": ["127.0.0.1:$(head -c 70 /dev/zero | tr '\0' 1)"],
                     "health": false}},
  "services": {"s": {"listen": "127.0.0.1:80", "pool": "web"}}
}
EOF
check bounds 1
note "$OUT"
assert_match "$OUT" '^.*bounds.json:4:40: pools.web.health.path: longer than 1024 bytes; expected at most 1024$' \
    "an over-long health path is refused, naming the key and the limit"
assert_match "$OUT" 'bounds.json:5:40: pools.web.health.host: longer than 255 bytes; expected at most 255$' \
    "an over-long health host is refused"
assert_match "$OUT" 'bounds.json:2:11: user: longer than 255 bytes; expected at most 255$' \
    "an over-long user name is refused"
assert_match "$OUT" 'pools.addr.backends\[0\]: longer than 63 bytes; expected a numeric "host:port"$' \
    "an over-long address is refused without being echoed"
assert_not_contains "$OUT" "pools.ok" "a health path of exactly 1024 bytes is fine"
assert_eq "$(wc -l <<<"$OUT")" 5 "four errors and the summary"
pass
