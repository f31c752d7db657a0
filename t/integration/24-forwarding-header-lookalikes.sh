#!/usr/bin/env bash
# Forwarding fields a client forges do not reach the backend: spellings of X-Forwarded-For/-Proto with '_' are dropped whoever sends them, and Forwarded, X-Real-IP and X-Forwarded-Host from a peer outside trusted_proxies are removed (from a trusted one they pass).
. "$(dirname "$0")/lib.sh"

P=$(port 0)
PT=$(port 1)
# Apache's CGI environment skips names with '_', so what reached Apache is
# also logged by name: "-" when no such field arrived.
APACHE_EXTRA="LogFormat \"%{X_Forwarded_For}i|%{x-forwarded_for}i|%{X_Forwarded_Proto}i|%{X_Real_IP}i|%{X_Forwarded_Host}i\" lookalikes
CustomLog \"$T/apache/lookalikes.log\" lookalikes"
start_apache apache "$(port 2)"
cat >"$T/weir.json" <<EOF
{
$(conf_globals 1)
  "pools": {"web": {"health": false, "backends": ["127.0.0.1:$(port 2)"]}},
  "services": {"plain": {"listen": "127.0.0.1:$P", "pool": "web"},
               "behind_lb": {"listen": "127.0.0.1:$PT", "pool": "web",
                             "trusted_proxies": ["127.0.0.0/8"]}}
}
EOF
start_weir "$T/weir.json"
LLOG=$T/apache/lookalikes.log

forged=(-H 'X-Forwarded-For: 1.2.3.4' -H 'X_Forwarded_For: 6.6.6.6'
	-H 'x-forwarded_for: 6.6.6.7' -H 'X-Forwarded-Proto: https'
	-H 'X_Forwarded_Proto: https' -H 'Forwarded: for=9.9.9.9'
	-H 'X-Real-IP: 8.8.8.8' -H 'X_Real_IP: 8.8.8.7'
	-H 'X-Forwarded-Host: evil.example' -H 'X_Forwarded_Host: evil2.example')

# An untrusted client: weir's own X-Forwarded-For/-Proto, nothing else.
out=$(get "http://127.0.0.1:$P/echo.cgi" "${forged[@]}")
note "$out"
assert_eq "$(field "$out" backend)" apache "backend"
assert_eq "$(field "$out" HTTP_X_FORWARDED_FOR)" 127.0.0.1 "XFF the CGI sees (untrusted)"
assert_eq "$(field "$out" HTTP_X_FORWARDED_PROTO)" http "X-Forwarded-Proto the CGI sees (untrusted)"
assert_eq "$(field "$out" HTTP_FORWARDED)" "" "Forwarded the CGI sees (untrusted)"
assert_eq "$(field "$out" HTTP_X_REAL_IP)" "" "X-Real-IP the CGI sees (untrusted)"
assert_eq "$(field "$out" HTTP_X_FORWARDED_HOST)" "" "X-Forwarded-Host the CGI sees (untrusted)"
seen=$(tail -n 1 "$LLOG")
assert_eq "$seen" "-|-|-|-|-" "'_' spellings that reached Apache (untrusted; X_Forwarded_For|x-forwarded_for|X_Forwarded_Proto|X_Real_IP|X_Forwarded_Host)"

# A trusted proxy: its X-Forwarded-For is appended to and its Forwarded,
# X-Real-IP and X-Forwarded-Host pass; the '_' spellings still go.
out=$(get "http://127.0.0.1:$PT/echo.cgi" "${forged[@]}")
note "$out"
assert_eq "$(field "$out" HTTP_X_FORWARDED_FOR)" "1.2.3.4, 127.0.0.1" "XFF the CGI sees (trusted)"
assert_eq "$(field "$out" HTTP_X_FORWARDED_PROTO)" http "X-Forwarded-Proto the CGI sees (trusted)"
assert_eq "$(field "$out" HTTP_FORWARDED)" "for=9.9.9.9" "Forwarded the CGI sees (trusted)"
assert_eq "$(field "$out" HTTP_X_REAL_IP)" "8.8.8.8" "X-Real-IP the CGI sees (trusted)"
assert_eq "$(field "$out" HTTP_X_FORWARDED_HOST)" "evil.example" "X-Forwarded-Host the CGI sees (trusted)"
seen=$(tail -n 1 "$LLOG")
assert_eq "$seen" "-|-|-|-|-" "'_' spellings that reached Apache (trusted)"

# Fields that only look a little like them are not touched.
assert_eq "$(grep -c . "$LLOG")" 2 "requests logged by Apache"
out=$(printf 'GET /echo.cgi HTTP/1.1\r\nHost: a\r\nX-Forwarded-Fore: 5\r\nConnection: close\r\n\r\n' |
    rawhttp "$P" --timeout 5)
assert_contains "$out" "HTTP_X_FORWARDED_FORE=5" "an unrelated field the CGI sees"
pass
