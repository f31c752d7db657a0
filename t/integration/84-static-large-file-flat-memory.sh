#!/usr/bin/env bash
# A web_server sends a 100 MiB file byte for byte, to a fast client or one reading slowly, and the worker's peak memory stays where a tiny request left it: files go out with sendfile, never through the heap.
. "$(dirname "$0")/lib.sh"

P=$(port 0)
D=$T/docroot
mkdir -p "$D"
printf 'small\n' >"$D/small.txt"
make_file "$D/big.bin" 100
chmod -R a+rX "$D"
want=$(md5 "$D/big.bin")
cat >"$T/weir.json" <<EOF
{
$(conf_globals 1)
  "services": {
    "files": {"role": "web_server", "listen": "127.0.0.1:$P", "docroot": "$D"}
  }
}
EOF
start_weir "$T/weir.json"
wait_children 1
worker=$(weir_children)
worker=${worker%%$'\n'*}
[ -n "$worker" ] || fail "no worker process"

peak_kb()
{
	awk '/^VmHWM:/ { print $2 }' "/proc/$worker/status"
}

# Warm up: the first request allocates the per-connection buffers and
# loads /etc/mime.types.
assert_eq "$(get "http://127.0.0.1:$P/small.txt")" small "small request"
before=$(peak_kb)

got=$(get "http://127.0.0.1:$P/big.bin" | md5sum | cut -d' ' -f1)
assert_eq "$got" "$want" "md5 of the 100 MiB download"
after_fast=$(peak_kb)

# A slow reader: the worker must wait for the socket, not read ahead.
curl -sS --max-time 20 --limit-rate 4M -o /dev/null \
    "http://127.0.0.1:$P/big.bin" &
slow=$!
track "$slow"
sleep 3
kill -0 "$slow" 2>/dev/null || fail "the slow download ended early (it should take ~25 s)"
after_slow=$(peak_kb)
kill "$slow" 2>/dev/null || true

# A ranged read from the middle is byte-exact too.
off=$((37 * 1024 * 1024 + 123))
len=$((20 * 1024 * 1024))
got=$(get "http://127.0.0.1:$P/big.bin" -H "Range: bytes=$off-$((off + len - 1))" | md5sum | cut -d' ' -f1)
want_range=$(dd if="$D/big.bin" bs=1M iflag=skip_bytes,count_bytes skip="$off" count="$len" status=none |
    md5sum | cut -d' ' -f1)
assert_eq "$got" "$want_range" "md5 of a 20 MiB range from the middle"
after_range=$(peak_kb)

note "worker peak RSS: ${before} kB before, ${after_fast} kB after 100 MiB, ${after_slow} kB with a slow reader, ${after_range} kB after a 20 MiB range"
[ $((after_fast - before)) -lt 1024 ] ||
	fail "worker peak memory grew by $((after_fast - before)) kB over a 100 MiB download"
[ $((after_slow - before)) -lt 1024 ] ||
	fail "worker peak memory grew by $((after_slow - before)) kB with a slow reader"
[ $((after_range - before)) -lt 1024 ] ||
	fail "worker peak memory grew by $((after_range - before)) kB over a 20 MiB range"
pass
