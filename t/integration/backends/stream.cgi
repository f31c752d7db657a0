#!/bin/sh
# Streams big.bin from its directory with no Content-Length, so an HTTP/1.1
# server has to send the response chunked.
echo "$REQUEST_METHOD $REQUEST_URI" >>"$(dirname "$SCRIPT_FILENAME")/requests.log" 2>/dev/null
dir=$(dirname "$SCRIPT_FILENAME")
printf 'Content-Type: application/octet-stream\r\n\r\n'
cat "$dir/big.bin"
