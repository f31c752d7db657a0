#!/usr/bin/env bash
# HTTP/2 clients that flood (rapid reset, CONTINUATION floods, a stream-count flood, SETTINGS/PING/empty DATA floods) get GOAWAY ENHANCE_YOUR_CALM, counted in weirctl, while a normal h2load client alongside loses no request and weir's memory and CPU stay bounded; requests HTTP/1.1 would refuse (431, 413, 400) are answered on their own stream without disturbing the others.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/tls-certs.sh"

P=$(port 0)
make_tls_certs
d=$(make_docroot light light)
start_lighttpd light "$(port 1)" "$d"
cat >"$T/weir.json" <<EOF
{
$(conf_globals 1)
  "access_log": "$T/access.log",
  "pools": {"light": {"health": false, "backends": ["127.0.0.1:$(port 1)"]}},
  "services": {"www": {"listen": "127.0.0.1:$P", "pool": "light",
                       "max_body_bytes": 50000,
                       "tls": {"certificates": $(tls_cert_json a)}}}
}
EOF
# Under AddressSanitizer freed memory waits in a quarantine (256 MiB by
# default) before reuse: a small one keeps the memory bound meaningful.
export ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}quarantine_size_mb=4
start_weir "$T/weir.json"
wait_children 1
WORKER=
for p in $(weir_children); do
	[ "$(cat "/proc/$p/comm" 2>/dev/null)" != weir-worker0 ] || WORKER=$p
done
[ -n "$WORKER" ] || fail "no worker process"
flood()
{
	python3 "$FIXTURES/h2flood.py" 127.0.0.1 "$P" "$@" --tls
}
calm_count()
{
	"$WEIRCTL" -s "$T/run" stats --json | python3 -c '
import json, sys
s = [s for s in json.load(sys.stdin)["services"] if s["name"] == "www"][0]
print(s["h2_calm"][sys.argv[1]])' "$1"
}
rss_kb()
{
	awk '/^VmRSS:/ { print $2 }' "/proc/$WORKER/status"
}
cpu_ticks()
{
	local f
	read -r -a f <<<"$(sed 's/^.*) //' "/proc/$WORKER/stat")"
	echo $((f[11] + f[12]))
}

# Requests HTTP/1.1 would refuse, beside a slow good one on the same
# connection: each answered on its stream, the good one untouched.
out=$(flood bad-requests) || fail "bad-requests client failed: $out"
note "$out"
assert_contains "$out" "stream 1 end=1 rst=- body=slept 1" "the good stream beside the bad ones"
assert_contains "$out" "stream 3 end=1 rst=- body=weir: the request head is larger" "431 on its stream"
assert_contains "$out" "stream 5 end=1 rst=0 body=weir: the request body is larger" "413 for a content-length over max_body_bytes"
assert_contains "$out" "stream 7 end=0 rst=1 " "RST_STREAM PROTOCOL_ERROR for a request without authority (RFC 9113 8.3.1)"
# The client is still sending (it never ends stream 9): after the 413,
# RST_STREAM NO_ERROR asks it to stop (RFC 9113 8.1).
assert_contains "$out" "stream 9 end=1 rst=0 body=weir: the request body is larger" "413 for a body that grows past max_body_bytes, then RST_STREAM NO_ERROR"
assert_contains "$out" "goaway=-" "no GOAWAY for bad requests"
for i in $(seq 1 50); do
	grep -q '" 431 ' "$T/access.log" 2>/dev/null && break
	sleep 0.1
done
assert_match "$(cat "$T/access.log")" '" 431 ' "431 in the access log"
assert_match "$(cat "$T/access.log")" '"POST /upload.cgi HTTP/2.0" 413 ' "413 in the access log"

# Warm up, then the floods, every kind at once, each client reconnecting
# for 4 s, while a well-behaved client keeps asking.
h2load -n 200 -c 2 -m 10 -H ':authority: a.test' "https://127.0.0.1:$P/index.html" >/dev/null 2>&1 ||
    fail "warm-up h2load failed"
rss0=$(rss_kb)
cpu0=$(cpu_ticks)
t0=$EPOCHREALTIME
h2load -D 9 -c 2 -m 4 --rps 25 -H ':authority: a.test' \
    "https://127.0.0.1:$P/index.html" >"$T/normal.out" 2>&1 &
normal=$!
sleep 1
modes="rapid-reset continuation empty-continuation streams ping settings empty-data"
fl=()
for m in $modes; do
	flood "$m" --seconds 4 >"$T/flood.$m" 2>&1 &
	fl+=($!)
done
rss_max=$rss0
while kill -0 "${fl[0]}" 2>/dev/null; do
	r=$(rss_kb)
	[ "$r" -le "$rss_max" ] || rss_max=$r
	sleep 0.2
done
for p in "${fl[@]}"; do
	wait "$p" || fail "a flood client failed: $(tail -n 3 "$T"/flood.*)"
done
t1=$EPOCHREALTIME
cpu1=$(cpu_ticks)
wait "$normal" || fail "the normal client failed: $(cat "$T/normal.out")"
note "$(grep -E '^(finished|requests|status)' "$T/normal.out")"

for m in $modes; do
	last=$(tail -n 1 "$T/flood.$m")
	note "$m: $last"
	n=$(sed -n 's/^connections=\([0-9]*\) calm=.*/\1/p' <<<"$last")
	c=$(sed -n 's/^connections=[0-9]* calm=\([0-9]*\)$/\1/p' <<<"$last")
	[ -n "$n" ] && [ "$n" -ge 1 ] || fail "$m: no connection made: $(tail -n 3 "$T/flood.$m")"
	assert_eq "$c" "$n" "$m: connections ended with GOAWAY ENHANCE_YOUR_CALM"
done
[ "$(calm_count rapid_reset)" -ge 2 ] || fail "rapid resets and stream floods not counted"
[ "$(calm_count header_flood)" -ge 2 ] || fail "CONTINUATION floods not counted"
[ "$(calm_count control_flood)" -ge 3 ] || fail "control frame floods not counted"
out=$("$WEIRCTL" -s "$T/run" stats --prometheus)
assert_match "$out" '^weir_service_h2_calm_rapid_reset_total\{service="www"\} [1-9]' "rapid resets in --prometheus"

# The normal client alongside lost nothing.
assert_match "$(cat "$T/normal.out")" ' 0 failed, 0 errored, 0 timeout' "the normal client's requests during the floods"
ok=$(sed -n 's/^requests: .* \([0-9]*\) succeeded.*/\1/p' "$T/normal.out")
[ "${ok:-0}" -ge 100 ] || fail "the normal client got only ${ok:-0} answers"
assert_eq "$(get "https://a.test:$P/" --cacert "$PKI/root.pem" --resolve "a.test:$P:127.0.0.1" --http2)" light "a request after the floods"

# Bounded: the worker's resident memory and its CPU while flooded.
note "worker RSS ${rss0} KiB before, ${rss_max} KiB at most during the floods"
cpu_pct=$(awk -v c=$((cpu1 - cpu0)) -v hz="$(getconf CLK_TCK)" -v a="$t0" -v b="$t1" \
    'BEGIN { printf "%d", 100 * c / hz / (b - a) }')
note "worker CPU during the floods: ${cpu_pct}% of one core"
[ $((rss_max - rss0)) -le 32768 ] || fail "the worker grew by $((rss_max - rss0)) KiB under the floods"
[ "$cpu_pct" -le 75 ] || fail "the worker used ${cpu_pct}% of a core under the floods"
pass
