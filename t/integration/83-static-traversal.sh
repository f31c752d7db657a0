#!/usr/bin/env bash
# A web_server never serves a file outside its docroot, whether asked with dot segments (plain, percent-encoded, mixed case), a NUL byte or a symlink, unless "follow_symlinks" allows symlinks; and a directory without an index is 403 unless "dirindex" is on, which lists it with names HTML-escaped.
. "$(dirname "$0")/lib.sh"

grep -q '^root:' /etc/passwd || fail "this test needs a 'root:' line in /etc/passwd"
P=$(port 0)	# follow_symlinks false, dirindex false (the defaults)
PF=$(port 1)	# follow_symlinks true
PL=$(port 2)	# dirindex true
D=$T/docroot
mkdir -p "$D/sub" "$D/noindex"
printf 'weir traversal index\n' >"$D/index.html"
printf 'weir sub index\n' >"$D/sub/index.html"
printf 'listed\n' >"$D/noindex/<b>&x.txt"
printf 'plain\n' >"$D/noindex/plain.txt"
ln -s /etc/passwd "$D/passwd-link"
ln -s / "$D/root-link"
chmod -R a+rX "$D"
cat >"$T/weir.json" <<EOF
{
$(conf_globals 1)
  "services": {
    "strict": {"role": "web_server", "listen": "127.0.0.1:$P", "docroot": "$D"},
    "follow": {"role": "web_server", "listen": "127.0.0.1:$PF", "docroot": "$D",
               "follow_symlinks": true},
    "listing": {"role": "web_server", "listen": "127.0.0.1:$PL", "docroot": "$D",
                "dirindex": true}
  }
}
EOF
start_weir "$T/weir.json"

# raw PORT TARGET: the raw response to "GET TARGET", sent byte for byte.
raw()
{
	printf 'GET %s HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n' "$2" |
	    rawhttp "$1" --timeout 10
}

# refused PORT TARGET: a 4xx without the passwd file's contents.
refused()
{
	local out code
	out=$(raw "$1" "$2")
	code=$(head -n 1 <<<"$out" | cut -d' ' -f2)
	note "GET $2 on :$1 -> $(head -n 1 <<<"$out" | tr -d '\r')"
	case $code in
	4[0-9][0-9]) ;;
	*) fail "GET $2 (port $1): expected a 4xx, got '$(head -n 1 <<<"$out")'" ;;
	esac
	assert_not_contains "$out" "root:" "response to GET $2 (port $1)"
}

for port in "$P" "$PF" "$PL"; do
	refused "$port" /../../etc/passwd
	refused "$port" /../../../../../../../../etc/passwd
	refused "$port" /sub/../../etc/passwd
	refused "$port" /%2e%2e/%2e%2e/etc/passwd
	refused "$port" /%2E%2E/%2E%2E/etc/passwd
	refused "$port" /sub/%2E%2e/%2e%2e/etc/passwd
	refused "$port" /.%2e/.%2e/etc/passwd
	refused "$port" /sub%2f..%2f..%2fetc/passwd
	refused "$port" /..%5c..%5cetc/passwd
	refused "$port" /index.html%00.txt
	refused "$port" /passwd-link%00
	refused "$port" http://a/../../etc/passwd
done
# The docroot itself still answers.
assert_eq "$(get "http://127.0.0.1:$P/")" "weir traversal index" "the index"

# Symlinks out of the docroot: refused by default...
refused "$P" /passwd-link
refused "$P" /root-link/etc/passwd
refused "$PL" /passwd-link
# ...served with "follow_symlinks": true.
assert_eq "$(status "http://127.0.0.1:$PF/passwd-link")" 200 "symlink with follow_symlinks"
get "http://127.0.0.1:$PF/passwd-link" -o "$T/followed"
cmp -s /etc/passwd "$T/followed" || fail "the followed symlink's body is not /etc/passwd"
get "http://127.0.0.1:$PF/root-link/etc/passwd" -o "$T/followed2"
cmp -s /etc/passwd "$T/followed2" || fail "a path through a followed directory symlink is not /etc/passwd"

# A directory without an index: 403 without dirindex, whatever is in it.
out=$(raw "$P" /noindex/)
assert_match "$out" '^HTTP/1.1 403' "directory without index, dirindex off"
assert_not_contains "$out" "plain.txt" "the 403 body"
# With dirindex: an HTML listing, the names escaped.
hdrs=$(curl -sS --max-time 10 -o "$T/listing.html" -D - "http://127.0.0.1:$PL/noindex/") ||
    fail "curl listing failed"
assert_match "$hdrs" '^HTTP/1.1 200' "directory without index, dirindex on"
assert_match "$(header "$hdrs" Content-Type)" '^text/html' "type of the listing"
page=$(cat "$T/listing.html")
note "$page"
assert_contains "$page" 'plain.txt' "the listing"
assert_contains "$page" '&lt;b&gt;&amp;x.txt' "the listing (escaped name)"
assert_not_contains "$page" '<b>' "the listing (no raw markup from a file name)"
assert_not_contains "$page" '&x.txt' "the listing (no raw '&' from a file name)"
# The escaped link leads to the file.
href=$(grep -o -m 1 'href="[^"]*x.txt"' <<<"$page" | sed 's/^href="//; s/"$//')
[ -n "$href" ] || fail "no link to '<b>&x.txt' in the listing"
assert_eq "$(get "http://127.0.0.1:$PL/noindex/$href")" listed "following the listing's link '$href'"
# An index still wins over the listing.
assert_eq "$(get "http://127.0.0.1:$PL/sub/")" "weir sub index" "index with dirindex on"
pass
