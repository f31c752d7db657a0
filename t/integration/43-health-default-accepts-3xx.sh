#!/usr/bin/env bash
# The default health check accepts what HAProxy's httpchk accepts, 2xx and 3xx: an Apache that redirects / to its login page (302) stays up and serves, while a lighttpd without an index file (403 on /) and an Apache whose / fails (500) are marked down with "status N, expected 2xx or 3xx", and the pool, which still has a backend, is not reported down.
. "$(dirname "$0")/lib.sh"

P=$(port 0)
B1=127.0.0.1:$(port 1)
B2=127.0.0.1:$(port 2)
B3=127.0.0.1:$(port 3)

# b1: lighttpd on a docroot without index.html: 403 on /, files serve.
B1_DOCROOT=$(make_docroot b1 "backend 1")
rm "$B1_DOCROOT/index.html"
start_lighttpd b1 "$(port 1)" "$B1_DOCROOT"
[ "$(status "http://$B1/")" = 403 ] || fail "lighttpd without an index: / is not 403"

# b2: Apache sending / to a login page, as applications do.
APACHE_EXTRA='RedirectMatch 302 ^/$ /login.html' start_apache b2 "$(port 2)" "$(make_docroot b2 "backend 2")"
[ "$(status "http://$B2/")" = 302 ] || fail "apache with RedirectMatch: / is not 302"

# b3: Apache whose / is a failing application.
B3_DOCROOT=$(make_docroot b3 "backend 3")
printf '#!/bin/sh\nprintf "Status: 500 Internal Server Error\\r\\nContent-Type: text/plain\\r\\n\\r\\nbroken\\n"\n' >"$B3_DOCROOT/index.cgi"
chmod 755 "$B3_DOCROOT/index.cgi"
APACHE_EXTRA="<Directory \"$B3_DOCROOT\">
	DirectoryIndex index.cgi
</Directory>" start_apache b3 "$(port 3)" "$B3_DOCROOT"
[ "$(status "http://$B3/")" = 500 ] || fail "apache with a failing index.cgi: / is not 500"

# No "expect": the default is under test.
cat >"$T/weir.json" <<EOF
{
$(conf_globals 2)
  "pools": {"web": {"backends": ["$B1", "$B2", "$B3"],
            "health": {"interval_ms": 200, "timeout_ms": 500,
                       "rise": 2, "fall": 2}}},
  "services": {"www": {"listen": "127.0.0.1:$P", "pool": "web"}}
}
EOF
start_weir "$T/weir.json"
# Two workers and the checker: under valgrind the port listens well before.
wait_children 3

# fall * interval + interval = 600 ms; 5 s leaves room for a loaded host.
line=$(wait_backend "$B3" '^down ' 5)
note "b3 (500): $line"
# By now b2 has been checked as often as b3 was: it must have passed.
line=$(wait_backend "$B2" '^up true [1-9][0-9]* ok: status 302$' 3)
note "b2 (302): $line"
assert_contains "$(backend_check "$B3")" "status 500, expected 2xx or 3xx" "b3's check detail"
assert_match "$(cat "$WEIR_LOG")" "backend $B3 \(pool web\): down after 2 failed checks: status 500, expected 2xx or 3xx" "weir log"
line=$(wait_backend "$B1" '^down ' 5)
note "b1 (403): $line"
assert_contains "$line" "status 403, expected 2xx or 3xx" "b1's check detail"
sleep 1
line=$(backend_check "$B2")
assert_match "$line" '^up true [1-9][0-9]* ok: status 302$' "b2 a second later"
assert_no_match "$(cat "$WEIR_LOG")" "backend $B2 \(pool web\): down" "weir log"

# Every request goes to b2, which serves its files and its redirect.
for i in $(seq 1 12); do
	assert_eq "$(get "http://127.0.0.1:$P/name")" "backend 2" "request $i"
done
headers=$(curl -sS -D - -o /dev/null --max-time 10 "http://127.0.0.1:$P/")
assert_match "$headers" '^HTTP/1\.1 302 ' "/ through weir"
assert_match "$headers" 'Location: [^[:space:]]*/login\.html' "/ through weir"

# The pool has a backend: nothing says it has none.
assert_not_contains "$(cat "$WEIR_LOG")" "no backend up" "weir log"
stats=$("$WEIRCTL" -s "$T/run" stats)
assert_contains "$stats" "pool web (roundrobin, 3 backends)" "weirctl stats"
kill -0 "$WEIR_PID" || fail "weir master died"
pass
