#!/usr/bin/env bash
# HTTP/2 clients across reloads: HUP every 0.5 s for 10 s while h2load and curl keep HTTP/2 connections busy and a large HTTP/2 download is in flight; the old workers end their connections with GOAWAY (the last stream id) and finish the streams in flight: every request that reached weir is answered whole, curl (which retries what a GOAWAY left unprocessed) loses none, and the download arrives whole.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/tls-certs.sh"

P=$(port 0)
make_tls_certs
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
  "access_log": "$T/access.log",
  "services": {"www": {"listen": "127.0.0.1:$P", "pool": "web",
                       "tls": {"certificates": $(tls_cert_json a)}}}
}
EOF
start_weir "$T/weir.json"
TLS=(--cacert "$PKI/root.pem" --resolve "a.test:$P:127.0.0.1")
U=https://a.test:$P

# The download spans every reload: 300 MiB at 30 MiB/s, one stream.
curl -sS --http2 --max-time 60 --limit-rate 30M "${TLS[@]}" -o /dev/null \
    -w '%{http_code} %{size_download} %{http_version}' "$U/big.bin" \
    >"$T/download" 2>"$T/download.err" &
dl=$!

# h2load does not move to a new connection after a GOAWAY: it stops
# asking.  So short runs follow each other, each on new connections.  What
# h2load still had to ask when the GOAWAY came, nghttp2 refuses to send
# and h2load counts as failed (nginx's reload shows the same): such
# requests never reach the server, which the access log proves below.
(
	end=$((SECONDS + 10))
	i=0
	while [ "$SECONDS" -lt "$end" ]; do
		h2load -n 500 -c 8 -m 10 -H ':authority: a.test' \
		    "https://127.0.0.1:$P/name" >"$T/h2load.$i" 2>&1 ||
		    echo "h2load run $i exited $?" >>"$T/h2load.errors"
		i=$((i + 1))
	done
) &
load=$!
# curl retries on a new connection what a GOAWAY left unprocessed.
(
	end=$((SECONDS + 10))
	urls=()
	for i in $(seq 1 200); do
		urls+=("$U/name" -o /dev/null)
	done
	while [ "$SECONDS" -lt "$end" ]; do
		curl -sS --http2 --max-time 30 "${TLS[@]}" \
		    -w '%{http_code} %{http_version} %{num_connects}\n' "${urls[@]}" \
		    >>"$T/curl.out" 2>>"$T/curl.err" ||
		    echo "curl exited $?" >>"$T/curl.err"
	done
) &
curls=$!
for i in $(seq 1 20); do
	sleep 0.5
	kill -HUP "$WEIR_PID"
done
wait "$load"
wait "$curls"
wait "$dl" || fail "download failed: $(cat "$T/download.err")"
# The last HUP came moments ago: its reload may still be under way.
for i in $(seq 1 100); do
	gen=$("$WEIRCTL" -s "$T/run" stats --json | python3 -c 'import json,sys; print(json.load(sys.stdin)["master"]["generation"])')
	[ "$gen" != 21 ] || break
	sleep 0.1
done
assert_eq "$gen" 21 "generation after 20 reloads"

[ ! -s "$T/h2load.errors" ] || fail "$(cat "$T/h2load.errors")"
runs=0
total=0
unsent=0
for f in "$T"/h2load.*; do
	line=$(grep '^requests: ' "$f") || fail "h2load run $f printed no result: $(tail -n 3 "$f")"
	read -r _ _ _ started _ done _ ok _ failed _ _ _ timeout _ <<<"$line"
	[ "$timeout" = 0 ] && [ "$started" = "$done" ] ||
	    fail "h2load run $f: $line"
	grep -q 'status codes: [0-9]* 2xx, 0 3xx, 0 4xx, 0 5xx' "$f" ||
	    fail "h2load run $f: $(grep 'status codes' "$f")"
	runs=$((runs + 1))
	total=$((total + ok))
	unsent=$((unsent + failed))
done
note "h2load: $runs runs, $total requests answered, $unsent refused by the client after a GOAWAY"
[ "$total" -gt 1000 ] || fail "only $total requests went through h2load"

[ ! -s "$T/curl.err" ] || fail "curl: $(head -n 5 "$T/curl.err")"
n=$(wc -l <"$T/curl.out")
[ "$n" -ge 200 ] || fail "curl made only $n requests"
assert_eq "$(awk '$1 != 200 || $2 != 2' "$T/curl.out" | head -n 3)" "" "curl answers that are not HTTP/2 200"
conns=$(awk '{ s += $3 } END { print s }' "$T/curl.out")
runs=$((n / 200))
note "curl: $n requests over $conns connections in $runs runs"
[ "$conns" -gt "$runs" ] || fail "no curl run met a reload ($conns connections, $runs runs)"

assert_eq "$(cat "$T/download")" "200 314572800 2" "the HTTP/2 download in flight across 20 reloads"

# Every request that reached weir was answered whole: as many 200s for
# /name in the access log as h2load and curl got, none cut short.
stop_weir
assert_eq "$(grep -c ' error="' "$T/access.log")" 0 "requests cut short"
assert_eq "$(grep -c '"GET /name HTTP/2.0" 200 ' "$T/access.log")" $((total + n)) \
    "requests weir answered against those h2load and curl received"
assert_eq "$(grep -vc '" 200 ' "$T/access.log")" 0 "answers other than 200"
pass
