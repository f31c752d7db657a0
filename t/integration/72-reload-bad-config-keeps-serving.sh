#!/usr/bin/env bash
# A reload with a broken configuration changes nothing: the old generation keeps serving with the same workers, the log and weirctl reload name the file, line, column and key, and a fixed file then reloads.
. "$(dirname "$0")/lib.sh"

P=$(port 0)
start_lighttpd b1 "$(port 1)"
write_conf()
{
	cat >"$T/weir.json" <<EOF
{
$(conf_globals 2)
  "pools": {"web": {"health": false, "backends": ["127.0.0.1:$(port 1)"]}},
  "services": {"www": {"listen": "127.0.0.1:$P", "pool": "web"$1}}
}
EOF
}
write_conf ""
start_weir "$T/weir.json"
wait_children 2
before=$(weir_children | sort | tr '\n' ' ')

write_conf ', "max_header_bytes": "lots"'
out=$("$WEIRCTL" -s "$T/run" reload 2>&1) && fail "weirctl reload succeeded on a bad config: $out"
note "$out"
assert_match "$out" 'reload failed; generation 1 keeps serving' "weirctl says it failed"
assert_match "$out" 'weir.json:[0-9]+:[0-9]+: services.www.max_header_bytes: expected an integer' \
    "weirctl names the place"
assert_match "$(cat "$WEIR_LOG")" 'reload: .*weir.json:[0-9]+:[0-9]+: services.www.max_header_bytes' \
    "the log names the place"
assert_eq "$(weir_children | sort | tr '\n' ' ')" "$before" "same workers"
assert_eq "$(get "http://127.0.0.1:$P/name")" "b1" "still serving"

write_conf ', "max_header_bytes": 4096'
out=$("$WEIRCTL" -s "$T/run" reload) || fail "weirctl reload failed on a good config"
assert_match "$out" '^reloaded: generation 2' "weirctl reports the new generation"
assert_eq "$(get "http://127.0.0.1:$P/name")" "b1" "serving after the reload"
assert_eq "$(status "http://127.0.0.1:$P/name" -H "X-Big: $(head -c 5000 /dev/zero | tr '\0' a)")" 431 \
    "the new max_header_bytes applies"
pass
