#!/usr/bin/env bash
# A web_server answers revalidation with 304 when the client's ETag or date still holds and the full file when it does not, serves one byte range as 206 with exactly those bytes, answers an unsatisfiable range with 416 and the size, and several ranges with the whole file.
. "$(dirname "$0")/lib.sh"

P=$(port 0)
D=$T/docroot
mkdir -p "$D"
SIZE=10000
head -c "$SIZE" /dev/urandom >"$D/file.bin"
touch -d '2020-01-02 03:04:05 UTC' "$D/file.bin"
chmod -R a+rX "$D"
cat >"$T/weir.json" <<EOF
{
$(conf_globals 1)
  "services": {
    "files": {"role": "web_server", "listen": "127.0.0.1:$P", "docroot": "$D"}
  }
}
EOF
start_weir "$T/weir.json"
U=http://127.0.0.1:$P/file.bin

# req NAME [curl args...]: body to $T/NAME.body, head to $T/NAME.head; the
# status is printed.
req()
{
	local name=$1
	shift
	: >"$T/$name.body"	# curl creates no file for an empty body
	curl -sS --max-time 10 -o "$T/$name.body" -D "$T/$name.head" \
	    -w '%{http_code}' "$@" "$U" || fail "curl $name failed"
}
hdr()
{
	header "$(cat "$T/$1.head")" "$2"
}

# Validators on a plain GET.
assert_eq "$(req plain)" 200 "plain GET"
cmp -s "$D/file.bin" "$T/plain.body" || fail "plain GET: body differs from the file"
etag=$(hdr plain ETag)
lm=$(hdr plain Last-Modified)
note "ETag $etag, Last-Modified $lm"
assert_match "$etag" '^(W/)?"[^"]+"$' "ETag"
assert_eq "$lm" "Thu, 02 Jan 2020 03:04:05 GMT" "Last-Modified is the file's mtime"
assert_eq "$(hdr plain Accept-Ranges)" bytes "Accept-Ranges"

# If-None-Match with the current tag (alone, in a list, or "*"): 304, no body.
assert_eq "$(req inm -H "If-None-Match: $etag")" 304 "If-None-Match with the ETag"
assert_eq "$(stat -c %s "$T/inm.body")" 0 "304 has no body"
assert_eq "$(hdr inm ETag)" "$etag" "304 repeats the ETag"
assert_eq "$(req inm2 -H "If-None-Match: \"other\", $etag")" 304 "If-None-Match with a list holding the ETag"
assert_eq "$(req inm3 -H 'If-None-Match: *')" 304 "If-None-Match: *"
# A stale tag: the full file.
assert_eq "$(req inm4 -H 'If-None-Match: "stale-tag"')" 200 "If-None-Match with another tag"
cmp -s "$D/file.bin" "$T/inm4.body" || fail "stale If-None-Match: body differs from the file"

# If-Modified-Since: 304 at or after the mtime, 200 before it.
assert_eq "$(req ims -H "If-Modified-Since: $lm")" 304 "If-Modified-Since = Last-Modified"
assert_eq "$(stat -c %s "$T/ims.body")" 0 "304 has no body"
assert_eq "$(req ims2 -H 'If-Modified-Since: Sat, 01 Jan 2022 00:00:00 GMT')" 304 "If-Modified-Since later than the mtime"
assert_eq "$(req ims3 -H 'If-Modified-Since: Tue, 01 Jan 2019 00:00:00 GMT')" 200 "If-Modified-Since earlier than the mtime"
cmp -s "$D/file.bin" "$T/ims3.body" || fail "older If-Modified-Since: body differs from the file"
# RFC 9110 13.2.2: If-None-Match wins over If-Modified-Since.
assert_eq "$(req both -H 'If-None-Match: "stale-tag"' -H "If-Modified-Since: $lm")" 200 \
    "a stale If-None-Match overrides a matching If-Modified-Since"

# range NAME SPEC FIRST LAST: Range SPEC is 206 with bytes FIRST..LAST.
range()
{
	local name=$1 spec=$2 first=$3 last=$4
	assert_eq "$(req "$name" -H "Range: bytes=$spec")" 206 "status for bytes=$spec"
	assert_eq "$(hdr "$name" Content-Range)" "bytes $first-$last/$SIZE" "Content-Range for bytes=$spec"
	assert_eq "$(hdr "$name" Content-Length)" $((last - first + 1)) "Content-Length for bytes=$spec"
	dd if="$D/file.bin" iflag=skip_bytes,count_bytes skip="$first" \
	    count=$((last - first + 1)) status=none >"$T/$name.want"
	cmp -s "$T/$name.want" "$T/$name.body" || fail "bytes=$spec: body is not bytes $first-$last of the file"
}
range r1 0-99 0 99
range r2 -100 $((SIZE - 100)) $((SIZE - 1))
range r3 100- 100 $((SIZE - 1))
range r4 5000-5000 5000 5000
range r5 9990-20000 9990 $((SIZE - 1))

# Past the end: 416 with the size.
assert_eq "$(req r416 -H 'Range: bytes=999999999-')" 416 "status for bytes=999999999-"
assert_eq "$(hdr r416 Content-Range)" "bytes */$SIZE" "Content-Range of the 416"

# Several ranges: the whole file, 200.
assert_eq "$(req multi -H 'Range: bytes=0-9,20-29')" 200 "status for two ranges"
cmp -s "$D/file.bin" "$T/multi.body" || fail "two ranges: body is not the whole file"
pass
