#!/usr/bin/env bash
# weirctl status, stats and top fit 80 columns by default, dropping the least important columns first (state, requests and a down backend's reason stay), -w shows every column as before; byte columns say what they carry and their unit the same way on service and backend rows (a 2 MiB download is RESP BYTES on both); top in a terminal fits its width, whatever it is.
. "$(dirname "$0")/lib.sh"

P=$(port 0)
B1=127.0.0.1:$(port 1)
B2=127.0.0.1:$(port 2)
D1=$(make_docroot b1 "backend 1")
make_file "$D1/big.bin" 2
start_lighttpd b1 "$(port 1)" "$D1"
cat >"$T/weir.json" <<EOF
{
$(conf_globals 2)
  "pools": {"web": {"balance": "roundrobin",
            "health": {"interval_ms": 200, "path": "/index.html"},
            "backends": ["$B1", "$B2"]}},
  "services": {"www": {"listen": "127.0.0.1:$P", "pool": "web"}}
}
EOF
start_weir "$T/weir.json"
wait_children 3
CTL=("$WEIRCTL" -s "$T/run")
wait_backend "$B2" '^down ' 10 >/dev/null
for i in 1 2 3; do
	get "http://127.0.0.1:$P/" >/dev/null
done
get "http://127.0.0.1:$P/big.bin" -o "$T/big.out" >/dev/null
assert_eq "$(md5 "$T/big.out")" "$(md5 "$D1/big.bin")" "the download"

# longest TEXT: the width of its widest line.
longest()
{
	awk '{ if (length > n) n = length } END { print n + 0 }' <<<"$1"
}

# --- 80 columns by default ---
for cmd in status stats; do
	out=$("${CTL[@]}" $cmd) || fail "weirctl $cmd exited $?"
	[ "$(longest "$out")" -le 80 ] || fail "weirctl $cmd is $(longest "$out") columns wide:
$out"
done
out=$("${CTL[@]}" top) || fail "weirctl top exited $?"
[ "$(longest "$out")" -le 80 ] || fail "weirctl top (piped) is $(longest "$out") columns wide:
$out"
stats=$("${CTL[@]}" stats)
note "$stats"
assert_match "$stats" "^  BACKEND +STATE +ACTIVE +REQUESTS " "the 80-column backend heading"
assert_match "$stats" "^  $B2 +down .*connect refused" "a down backend's reason at 80 columns"
assert_match "$stats" "^  $B1 +up +0 +4 " "a backend's row at 80 columns"

# --- -w: every column ---
wide=$("${CTL[@]}" -w stats) || fail "weirctl -w stats exited $?"
note "$wide"
[ "$(longest "$wide")" -gt 80 ] || fail "weirctl -w stats fits 80 columns: nothing was left out?"
assert_match "$wide" "^  BACKEND +STATE +WEIGHT +ACTIVE +REQUESTS +ERRORS +1XX +2XX +3XX +4XX +5XX +REQ BYTES +RESP BYTES +LAT P50/P99 +CHECK$" \
    "the wide backend heading"
assert_match "$wide" "^SERVICE +LISTEN +ACTIVE +REQUESTS +1XX +2XX +3XX +4XX +5XX +REQ BYTES +RESP BYTES +TUNNELS$" \
    "the wide service heading"
# cell TABLE-TEXT ROW-RE COLUMN: the cell of the first row matching ROW-RE
# under heading COLUMN (right-aligned: it ends where the heading ends).
cell()
{
	python3 - "$2" "$3" "$1" <<'PY'
import re, sys
row_re, col = sys.argv[1], sys.argv[2]
lines = sys.argv[3].split("\n")
head = None
for line in lines:
    if col in line and (line.startswith("SERVICE") or line.startswith("  BACKEND")):
        head = line
    elif head is not None and re.search(row_re, line):
        end = head.index(col) + len(col)
        start = head.rfind("  ", 0, head.index(col))
        print(line[start:end].strip())
        sys.exit(0)
sys.exit("no row /%s/ under %s" % (row_re, col))
PY
}
# The 2 MiB response is RESP BYTES on the service's row and the backend's.
assert_eq "$(cell "$wide" '^www ' 'RESP BYTES')" "2.0 MiB" "service RESP BYTES"
assert_eq "$(cell "$wide" "^  $B1 " 'RESP BYTES')" "2.0 MiB" "backend RESP BYTES"
assert_match "$(cell "$wide" '^www ' 'REQ BYTES')" '^[0-9]+ B$' "service REQ BYTES"
assert_match "$(cell "$wide" "^  $B1 " 'REQ BYTES')" '^[0-9.]+ (B|KiB)$' "backend REQ BYTES"
assert_match "$(cell "$wide" "^  $B1 " 'LAT P50/P99')" '^[0-9.]+/[0-9.]+ms$' "latency with its unit"
out=$("${CTL[@]}" -w top) || fail "weirctl -w top exited $?"
assert_match "$out" "REQ/S +ERRORS +1XX" "weirctl -w top"

# --- top in a terminal: as wide as the window ---
# top_at COLS: the last frame weirctl top drew in a COLSx40 terminal.
top_at()
{
	(sleep 2.5; printf q) | script -qfec "stty cols $1 rows 40; $WEIRCTL -s $T/run top" \
	    "$T/top$1.raw" >/dev/null 2>&1 || true
	python3 - "$T/top$1.raw" <<'PY'
import re, sys
t = open(sys.argv[1], "rb").read().decode("latin-1")
frame = t.split("\x1b[H\x1b[2J")[-1]
frame = re.sub(r"\x1b\[[0-9;?]*[A-Za-z]", "", frame).replace("\r", "")
print("\n".join(l for l in frame.split("\n") if not l.startswith("Script ")))
PY
}
declare -A heads=()
for w in 60 100 200; do
	frame=$(top_at "$w")
	[ "$(longest "$frame")" -le "$w" ] || fail "top at $w columns drew $(longest "$frame"):
$frame"
	assert_match "$frame" "^  $B1 +up " "top at $w columns"
	head=$(grep '^  BACKEND' <<<"$frame") || fail "top at $w columns has no heading: $frame"
	# Drawn whole, never cut by the window: it ends with a heading.
	assert_match "$head" '(REQ/S|ERRORS|5XX|CHECK|P50/P99|BYTES)$' "top's heading at $w columns"
	heads[$w]=$(wc -w <<<"$head")
done
note "backend heading words at 60/100/200 columns: ${heads[60]} ${heads[100]} ${heads[200]}"
[ "${heads[60]}" -lt "${heads[100]}" ] && [ "${heads[100]}" -lt "${heads[200]}" ] ||
    fail "top shows the same columns whatever the width: ${heads[60]} ${heads[100]} ${heads[200]}"
stop_weir
pass
