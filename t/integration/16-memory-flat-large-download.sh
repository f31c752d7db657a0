#!/usr/bin/env bash
# A 1 GiB download through weir, fast or to a client reading slowly, leaves the worker's peak memory where a tiny request left it: bodies stream, they are never buffered whole.
. "$(dirname "$0")/lib.sh"

P=$(port 0)
d=$(make_docroot b1 "backend 1")
truncate -s 1G "$d/huge.bin"
start_lighttpd b1 "$(port 1)" "$d"
cat >"$T/weir.json" <<EOF
{
$(conf_globals 1)
  "pools": {"web": {"health": false, "backends": ["127.0.0.1:$(port 1)"]}},
  "services": {"www": {"listen": "127.0.0.1:$P", "pool": "web"}}
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

# Warm up: the first request allocates the per-connection buffers.
assert_eq "$(get "http://127.0.0.1:$P/name")" "backend 1" "small request"
before=$(peak_kb)

size=$(get "http://127.0.0.1:$P/huge.bin" -o /dev/null -w '%{size_download}')
assert_eq "$size" 1073741824 "bytes downloaded"
after_fast=$(peak_kb)

# A slow reader: weir must stop reading the backend, not queue the file.
curl -sS --max-time 20 --limit-rate 4M -o /dev/null \
    "http://127.0.0.1:$P/huge.bin" &
slow=$!
track "$slow"
sleep 3
after_slow=$(peak_kb)
kill "$slow" 2>/dev/null || true

note "worker peak RSS: ${before} kB before, ${after_fast} kB after 1 GiB, ${after_slow} kB with a slow reader"
[ $((after_fast - before)) -lt 1024 ] ||
	fail "worker peak memory grew by $((after_fast - before)) kB over a 1 GiB download"
[ $((after_slow - before)) -lt 1024 ] ||
	fail "worker peak memory grew by $((after_slow - before)) kB with a slow reader"
pass
