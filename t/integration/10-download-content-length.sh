#!/usr/bin/env bash
# An 8 MiB file that lighttpd sends with Content-Length reaches HTTP/1.1 and HTTP/1.0 clients byte for byte.
. "$(dirname "$0")/lib.sh"

P=$(port 0)
d=$(make_docroot b1 "backend 1")
make_file "$d/big.bin" 8
start_lighttpd b1 "$(port 1)" "$d"
cat >"$T/weir.json" <<EOF
{
$(conf_globals 1)
  "pools": {"web": {"health": false, "backends": ["127.0.0.1:$(port 1)"]}},
  "services": {"www": {"listen": "127.0.0.1:$P", "pool": "web"}}
}
EOF
start_weir "$T/weir.json"

want=$(md5 "$d/big.bin")
for v in --http1.1 --http1.0; do
	rm -f "$T/out"
	get "http://127.0.0.1:$P/big.bin" "$v" -D "$T/head" -o "$T/out"
	note "$v: $(head -n 1 "$T/head")"
	assert_match "$(head -n 1 "$T/head")" '^HTTP/1\.[01] 200 ' "$v status"
	assert_eq "$(header "$(cat "$T/head")" Content-Length)" 8388608 "$v Content-Length"
	assert_eq "$(stat -c %s "$T/out")" 8388608 "$v body size"
	assert_eq "$(md5 "$T/out")" "$want" "$v body md5"
done
pass
