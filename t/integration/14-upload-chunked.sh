#!/usr/bin/env bash
# An 8 MiB chunked request body (Transfer-Encoding: chunked) reaches Apache's and lighttpd's CGI byte for byte.
. "$(dirname "$0")/lib.sh"

P=$(port 0)
start_apache apache "$(port 1)"
start_lighttpd light "$(port 2)"
make_file "$T/body" 8
cat >"$T/weir.json" <<EOF
{
$(conf_globals 1)
  "pools": {"web": {"health": false,
            "backends": ["127.0.0.1:$(port 1)", "127.0.0.1:$(port 2)"]}},
  "services": {"www": {"listen": "127.0.0.1:$P", "pool": "web"}}
}
EOF
start_weir "$T/weir.json"

want=$(md5 "$T/body")
seen=
for i in 1 2 3 4; do
	out=$(get "http://127.0.0.1:$P/upload.cgi" --data-binary @"$T/body" \
	    -H 'Transfer-Encoding: chunked' -H 'Content-Type: application/octet-stream')
	note "$out"
	assert_eq "$(field "$out" method)" POST "method"
	assert_eq "$(field "$out" len)" 8388608 "body length at $(field "$out" backend)"
	assert_eq "$(field "$out" md5)" "$want" "body md5 at $(field "$out" backend)"
	seen="$seen $(field "$out" backend)"
done
assert_contains "$seen" apache "backends that got an upload"
assert_contains "$seen" light "backends that got an upload"
pass
