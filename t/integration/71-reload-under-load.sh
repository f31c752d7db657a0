#!/usr/bin/env bash
# HUP every 0.5 s for 10 s while wrk keeps 20 keep-alive connections busy and a large download is in flight: not one request fails, not one connection errors, and the download arrives whole.
. "$(dirname "$0")/lib.sh"

P=$(port 0)
d1=$(make_docroot b1 "backend 1")
d2=$(make_docroot b2 "backend 2")
truncate -s 300M "$d1/big.bin"
cp --sparse=always "$d1/big.bin" "$d2/big.bin"
start_lighttpd b1 "$(port 1)" "$d1"
start_lighttpd b2 "$(port 2)" "$d2"
cat >"$T/weir.json" <<EOF
{
$(conf_globals 2)
  "pools": {"web": {"backends": ["127.0.0.1:$(port 1)", "127.0.0.1:$(port 2)"],
                    "health": {"interval_ms": 200}}},
  "services": {"www": {"listen": "127.0.0.1:$P", "pool": "web"}}
}
EOF
start_weir "$T/weir.json"

# The download spans every reload: 300 MiB at 30 MiB/s.
curl -sS --max-time 60 --limit-rate 30M -o /dev/null -w '%{http_code} %{size_download}' \
    "http://127.0.0.1:$P/big.bin" >"$T/download" 2>"$T/download.err" &
dl=$!
wrk -t2 -c20 -d10s "http://127.0.0.1:$P/name" >"$T/wrk.out" 2>&1 &
load=$!
for i in $(seq 1 20); do
	sleep 0.5
	kill -HUP "$WEIR_PID"
done
wait "$load" || fail "wrk failed: $(cat "$T/wrk.out")"
note "$(cat "$T/wrk.out")"
wait "$dl" || fail "download failed: $(cat "$T/download.err")"

assert_match "$(cat "$T/wrk.out")" 'requests in' "wrk ran"
assert_no_match "$(cat "$T/wrk.out")" 'Socket errors' "connection errors during reloads"
assert_no_match "$(cat "$T/wrk.out")" 'Non-2xx' "failed requests during reloads"
n=$(awk '/requests in/ { print $1 }' "$T/wrk.out")
[ "$n" -gt 1000 ] || fail "only $n requests went through"
assert_eq "$(cat "$T/download")" "200 314572800" "the download in flight across 20 reloads"
gen=$("$WEIRCTL" -s "$T/run" stats --json | python3 -c 'import json,sys; print(json.load(sys.stdin)["master"]["generation"])')
assert_eq "$gen" 21 "generation after 20 reloads"
assert_eq "$(grep -c 'reload: generation .* serving' "$WEIR_LOG")" 20 "reloads logged"
pass
