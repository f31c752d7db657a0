#!/usr/bin/env bash
# An 8 MiB response that the backend streams chunked (no Content-Length) reaches the client byte for byte, from lighttpd and from Apache.
. "$(dirname "$0")/lib.sh"

P=$(port 0)
dl=$(make_docroot light light)
da=$(make_docroot apache apache)
make_file "$dl/big.bin" 8
cp "$dl/big.bin" "$da/big.bin"
start_lighttpd light "$(port 1)" "$dl"
start_apache apache "$(port 2)" "$da"
cat >"$T/weir.json" <<EOF
{
$(conf_globals 1)
  "pools": {"light": {"health": false, "backends": ["127.0.0.1:$(port 1)"]},
            "apache": {"health": false, "backends": ["127.0.0.1:$(port 2)"]}},
  "services": {"l": {"listen": "127.0.0.1:$P", "pool": "light"},
               "a": {"listen": "127.0.0.1:$(port 3)", "pool": "apache"}}
}
EOF
start_weir "$T/weir.json"

want=$(md5 "$dl/big.bin")
for b in 1:$P 2:$(port 3); do
	bp=$(port "${b%%:*}")
	wp=${b#*:}
	# The fixture really is chunked when fetched directly.
	get "http://127.0.0.1:$bp/stream.cgi" -D "$T/direct" -o /dev/null
	assert_match "$(header "$(cat "$T/direct")" Transfer-Encoding)" '^chunked$' \
	    "backend $bp's own framing of stream.cgi"
	rm -f "$T/out"
	get "http://127.0.0.1:$wp/stream.cgi" -D "$T/head" -o "$T/out"
	note "via weir from $bp: $(head -n 1 "$T/head")"
	assert_match "$(head -n 1 "$T/head")" '^HTTP/1\.1 200 ' "status"
	assert_eq "$(stat -c %s "$T/out")" 8388608 "body size from backend $bp"
	assert_eq "$(md5 "$T/out")" "$want" "body md5 from backend $bp"
done
pass
