#!/usr/bin/env bash
# A crafted weir.shm (an index, a count or a string of the segment out of range) makes every weirctl command that reads it exit 1 with "weirctl: PATH: corrupt segment: ..." and never crash or signal anyone, while the same segment uncrafted is read as usual.
. "$(dirname "$0")/lib.sh"

P=$(port 0)
cat >"$T/weir.json" <<EOF
{
$(conf_globals 1)
  "pools": {"web": {"balance": "roundrobin", "health": false,
            "backends": ["127.0.0.1:$(port 1)", "127.0.0.1:$(port 2)"]}},
  "services": {"www": {"listen": "127.0.0.1:$P", "pool": "web"}}
}
EOF
start_weir "$T/weir.json"
"$WEIRCTL" -s "$T/run" stats --prometheus >/dev/null ||
    fail "weirctl stats --prometheus on the live segment exited $?"
cp "$T/run/weir.shm" "$T/good.shm"

# craft NAME FIELD VALUE: $T/NAME/weir.shm, a copy of the live segment with
# one field changed. Only the header's leading fields and the first bytes of
# a section entry are addressed, so a layout change elsewhere leaves this
# test valid.
craft()
{
	mkdir -p "$T/$1"
	python3 - "$T/good.shm" "$T/$1/weir.shm" "$2" "${3:-0}" <<'EOF'
import struct, sys
src, dst, field, value = sys.argv[1:]
b = bytearray(open(src, "rb").read())
(magic, version, size, gen, pid, started, nworkers, npools, nbackends,
 nservices, workers_off, pools_off, backends_off, services_off,
 held_off) = struct.unpack_from("<IIQQqqIIIIQQQQQ", b, 0)
CONFIG_PATH = 96	# after held_off (common/shm_layout.h)
NAME_MAX = 64
SLOT_STATE = 80	# offsetof(struct shm_backend, slot_state)
where = {
    "nbackends": (48, "<I"),
    "backend0.pool": (backends_off + NAME_MAX, "<I"),
    "backend0.admin": (backends_off + NAME_MAX + 8, "<I"),
    "backend0.slot": (backends_off + SLOT_STATE, "<I"),
    "pool0.first_backend": (pools_off + NAME_MAX + 4, "<I"),
    "pool0.nconf": (pools_off + NAME_MAX + 24, "<I"),
    "service0.nlisten": (services_off + NAME_MAX, "<I"),
}
if field == "pool0.name":
    b[pools_off:pools_off + NAME_MAX] = b"A" * NAME_MAX
elif field == "config_path":
    b[CONFIG_PATH:CONFIG_PATH + 256] = b"/" * 256
else:
    off, fmt = where[field]
    struct.pack_into(fmt, b, off, int(value))
open(dst, "wb").write(bytes(b))
EOF
}

# The issue's crash: an index into the pools that is not checked.
craft pool-index backend0.pool 1000000
craft pool-range pool0.first_backend 4294967295
craft listen-count service0.nlisten 1000
craft admin-state backend0.admin 7
craft slot-state backend0.slot 9
craft pool-conf pool0.nconf 19
craft pool-name pool0.name
craft config-path config_path
craft sections nbackends 4000000000
declare -A WHY=(
	[pool-index]="backend 0 names pool 1000000 of 1"
	[pool-range]="pool 0 names 18 backends from 4294967295 of 18"
	[listen-count]="service 0 has 1000 listen addresses, at most 8"
	[admin-state]="backend 0 admin state 7 (expected 0 to 2)"
	[slot-state]="backend 0 slot state 9 (expected 0 to 2)"
	[pool-conf]="pool 0 has 19 configured backends in 18 slots"
	[pool-name]="pool 0 name is not a terminated printable string"
	[config-path]="config_path is not terminated"
	[sections]="backend section (4000000000 x"
)

# The uncrafted copy is read, so what follows fails for the crafted field.
mkdir -p "$T/good"
cp "$T/good.shm" "$T/good/weir.shm"
out=$("$WEIRCTL" -s "$T/good" stats --prometheus 2>&1) ||
    fail "weirctl stats --prometheus on the uncrafted copy exited $?: $out"
assert_contains "$out" "weir_backend_up{pool=\"web\"" "uncrafted copy"

CMDS=("status" "stats" "stats --json" "stats --prometheus" "top" "reload")
for name in "${!WHY[@]}"; do
	seg=$T/$name/weir.shm
	for cmd in "${CMDS[@]}"; do
		rc=0
		# shellcheck disable=SC2086
		"$WEIRCTL" -s "$T/$name" $cmd >"$T/out" 2>"$T/err" </dev/null || rc=$?
		err=$(cat "$T/err")
		assert_no_match "$err" 'Sanitizer|runtime error' \
		    "weirctl $cmd on $name: sanitizer report"
		assert_eq "$rc" 1 "weirctl $cmd on $name: exit status ($err)"
		assert_contains "$err" "weirctl: $seg: corrupt segment: ${WHY[$name]}" \
		    "weirctl $cmd on $name"
		[ ! -s "$T/out" ] || fail "weirctl $cmd on $name printed: $(head -c 300 "$T/out")"
	done
	note "$name: $err"
done

# weir never noticed: no reload was signalled by a crafted segment.
assert_eq "$(grep -c 'reload' "$WEIR_LOG" || true)" 0 "reloads in weir's log"
stop_weir
pass
