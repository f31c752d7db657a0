#!/bin/sh
# Echoes what the backend received: its own name, the request line parts, the
# peer port of the proxy's connection and every request header (HTTP_* vars).
echo "$REQUEST_METHOD $REQUEST_URI" >>"$(dirname "$SCRIPT_FILENAME")/requests.log" 2>/dev/null
printf 'Content-Type: text/plain\r\n\r\n'
dir=$(dirname "$SCRIPT_FILENAME")
printf 'backend=%s\n' "$(cat "$dir/name" 2>/dev/null)"
printf 'method=%s\n' "$REQUEST_METHOD"
printf 'uri=%s\n' "$REQUEST_URI"
printf 'protocol=%s\n' "$SERVER_PROTOCOL"
printf 'remote_addr=%s\n' "$REMOTE_ADDR"
printf 'remote_port=%s\n' "$REMOTE_PORT"
env | grep '^HTTP_' | sort
