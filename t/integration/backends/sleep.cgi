#!/bin/sh
# Answers after sleeping QUERY_STRING seconds (default 1): a slow request.
echo "$REQUEST_METHOD $REQUEST_URI" >>"$(dirname "$SCRIPT_FILENAME")/requests.log" 2>/dev/null
s=${QUERY_STRING:-1}
case $s in *[!0-9.]*|'') s=1 ;; esac
sleep "$s"
printf 'Content-Type: text/plain\r\n\r\n'
printf 'slept %s\n' "$s"
