#!/usr/bin/env bash
# Host reaches the backend as the client sent it, and an absolute-form target's authority replaces Host while the backend gets origin-form; an HTTP/1.0 request that names no host reaches the backend with the address the client reached (RFC 9112 3.3), not an empty Host the backend would refuse.
. "$(dirname "$0")/lib.sh"

P=$(port 0)
start_apache apache "$(port 1)"
cat >"$T/weir.json" <<EOF
{
$(conf_globals 1)
  "pools": {"web": {"health": false, "backends": ["127.0.0.1:$(port 1)"]}},
  "services": {"www": {"listen": "127.0.0.1:$P", "pool": "web"}}
}
EOF
start_weir "$T/weir.json"

out=$(get "http://127.0.0.1:$P/echo.cgi?q=1" -H 'Host: WWW.Example.com:8080')
assert_eq "$(field "$out" HTTP_HOST)" "WWW.Example.com:8080" "Host at the backend"
assert_eq "$(field "$out" uri)" "/echo.cgi?q=1" "target at the backend"

out=$(get "http://127.0.0.1:$P/" --request-target 'http://other.example/echo.cgi?q=2' \
    -H 'Host: ignored.example')
note "$out"
assert_eq "$(field "$out" HTTP_HOST)" "other.example" "Host from an absolute-form target"
assert_eq "$(field "$out" uri)" "/echo.cgi?q=2" "absolute-form target forwarded in origin-form"

out=$(printf 'GET /echo.cgi?q=3 HTTP/1.0\r\n\r\n' | rawhttp "$P" --parse --timeout 5)
note "$out"
assert_match "$out" '^STATUS 200' "HTTP/1.0 without Host is served"
assert_contains "$out" "HTTP_HOST=127.0.0.1:$P" \
    "Host at the backend for HTTP/1.0 without Host"
pass
