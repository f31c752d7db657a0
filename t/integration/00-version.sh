#!/usr/bin/env bash
# weir -V prints its version and build options, including the OpenSSL and jansson versions, and exits 0.
. "$(dirname "$0")/lib.sh"

[ -x "$WEIR" ] || fail "weir binary not found at $WEIR"
out=$("$WEIR" -V 2>&1) || fail "weir -V exited $?: $out"
note "$out"
assert_match "$out" '^weir [0-9]+\.[0-9]+' "weir -V"
assert_contains "$out" "OpenSSL" "weir -V"
assert_match "$out" '[Jj]ansson' "weir -V"
pass
