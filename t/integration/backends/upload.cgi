#!/bin/sh
# Reads the whole request body from stdin and prints its length and md5, so a
# test can prove a body reached the backend byte for byte.  A QUERY_STRING of
# seconds makes it wait that long before reading (a backend slow to take a
# body).
echo "$REQUEST_METHOD $REQUEST_URI" >>"$(dirname "$SCRIPT_FILENAME")/requests.log" 2>/dev/null
case ${QUERY_STRING:-} in
'' | *[!0-9.]*) ;;
*) sleep "$QUERY_STRING" ;;
esac
f=$(mktemp)
trap 'rm -f "$f"' EXIT
cat >"$f"
printf 'Content-Type: text/plain\r\n\r\n'
printf 'backend=%s\n' "$(cat "$(dirname "$SCRIPT_FILENAME")/name" 2>/dev/null)"
printf 'method=%s\n' "$REQUEST_METHOD"
printf 'content_length=%s\n' "${CONTENT_LENGTH:-}"
printf 'len=%s\n' "$(wc -c <"$f" | tr -d ' ')"
printf 'md5=%s\n' "$(md5sum <"$f" | cut -d' ' -f1)"
