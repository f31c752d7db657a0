#!/usr/bin/env bash
# Access log lines come in weir's format (backend, timings, tries) or Apache's "combined" that log tools read, with request fields escaped; USR1 after logrotate moved the files makes every process write to new ones; redirect_https answers 301 to the https URL.
. "$(dirname "$0")/lib.sh"

P=$(port 0)
PC=$(port 2)
start_lighttpd b1 "$(port 1)"
mkdir -p "$T/logs"
cat >"$T/weir.json" <<EOF
{
$(conf_globals 2)
  "access_log": "$T/logs/access.log",
  "error_log": "$T/logs/error.log",
  "pools": {"web": {"health": false, "backends": ["127.0.0.1:$(port 1)"]}},
  "services": {"www": {"listen": "127.0.0.1:$P", "pool": "web"},
               "plain": {"listen": "127.0.0.1:$(port 3)", "pool": "web", "redirect_https": true}}
}
EOF
start_weir "$T/weir.json"

get "http://127.0.0.1:$P/name?x=1" -A 'agent "007"' >/dev/null
sleep 0.3
line=$(tail -n 1 "$T/logs/access.log")
note "$line"
assert_match "$line" '^127\.0\.0\.1 \[[0-9]{2}/[A-Z][a-z]{2}/[0-9]{4}:[0-9:]{8} \+0000\] "GET /name\?x=1 HTTP/1\.1" 200 3 service=www backend=127\.0\.0\.1:[0-9]+ total_ms=[0-9.]+ backend_ms=[0-9.]+ tries=1$' \
    "weir format"

# logrotate: move the files away, USR1, and the next lines go to new files.
mv "$T/logs/access.log" "$T/logs/access.log.1"
mv "$T/logs/error.log" "$T/logs/error.log.1"
kill -USR1 "$WEIR_PID"
sleep 0.5
for i in 1 2 3 4; do
	get "http://127.0.0.1:$P/name" >/dev/null
done
sleep 0.3
[ -f "$T/logs/access.log" ] || fail "no new access log after USR1"
assert_eq "$(grep -c 'GET /name HTTP' "$T/logs/access.log")" 4 "lines in the new access log (both workers)"
assert_eq "$(grep -c 'GET /name HTTP' "$T/logs/access.log.1")" 0 "lines in the rotated one"
assert_match "$(cat "$T/logs/error.log")" 'reopened log files \(USR1\)' "the error log was reopened too"

# redirect_https
out=$(curl -sS -o /dev/null -w '%{http_code} %{redirect_url}' -H 'Host: www.example.com:8080' \
    "http://127.0.0.1:$(port 3)/a/b?c=d")
assert_eq "$out" "301 https://www.example.com/a/b?c=d" "redirect_https"

# combined format, after a reload to switch it on
sed -i 's/"access_log":/"access_log_format": "combined", "access_log":/' "$T/weir.json"
"$WEIRCTL" -s "$T/run" reload >/dev/null || fail "reload failed"
get "http://127.0.0.1:$P/name" -A 'agent "007"' -e 'http://ref.example/?q=a\b' >/dev/null
sleep 0.5
line=$(tail -n 1 "$T/logs/access.log")
note "$line"
assert_match "$line" '^127\.0\.0\.1 - - \[[0-9]{2}/[A-Z][a-z]{2}/[0-9]{4}:[0-9:]{8} \+0000\] "GET /name HTTP/1\.1" 200 3 "http://ref\.example/\?q=a\\\\b" "agent \\"007\\""$' \
    "combined format with escaped fields"
pass
