#!/usr/bin/env bash
# Runs the integration tests t/integration/NN-*.sh in order, each under a
# timeout, prints PASS/FAIL per test (with the tail of a failing test's log)
# and "N passed, N failed" on the last line; exits 1 if any failed.
#
# Usage: run.sh [PATTERN...]   only tests whose name contains a PATTERN
# Environment: top_builddir, top_srcdir (make check sets both; default to this
# tree), WEIR_TEST_TIMEOUT (seconds per test, default 120; a test that
# needs more says so in a line "# timeout: SECONDS").

set -uo pipefail

here=$(cd "$(dirname "$0")" && pwd)
export top_srcdir=${top_srcdir:-$(cd "$here/../.." && pwd)}
export top_builddir=${top_builddir:-$top_srcdir}
timeout_s=${WEIR_TEST_TIMEOUT:-120}
logdir=$top_builddir/t/integration/logs
mkdir -p "$logdir"

tests=()
for t in "$top_srcdir"/t/integration/[0-9][0-9]-*.sh; do
	[ -e "$t" ] || continue
	name=$(basename "$t" .sh)
	if [ $# -gt 0 ]; then
		keep=
		for pat in "$@"; do
			case $name in *"$pat"*) keep=1 ;; esac
		done
		[ -n "$keep" ] || continue
	fi
	tests+=("$t")
done

if [ ! -x "$top_builddir/weir" ]; then
	echo "warning: $top_builddir/weir is not built; tests that need it will fail"
fi

passed=0
failed=0
failed_names=()
for t in "${tests[@]}"; do
	name=$(basename "$t" .sh)
	log=$logdir/$name.log
	start=$(date +%s)
	limit=$(sed -n 's/^# timeout: \([0-9][0-9]*\)$/\1/p' "$t")
	[ -n "$limit" ] && [ "$limit" -gt "$timeout_s" ] || limit=$timeout_s
	timeout -k 10 "$limit" bash "$t" >"$log" 2>&1 </dev/null
	rc=$?
	secs=$(($(date +%s) - start))
	if [ "$rc" -eq 0 ]; then
		echo "PASS $name (${secs}s)"
		passed=$((passed + 1))
	else
		[ "$rc" -eq 124 ] && echo "# timed out after ${limit}s" >>"$log"
		echo "FAIL $name (exit $rc, ${secs}s; log: $log)"
		tail -n 40 "$log" | sed 's/^/    | /'
		failed=$((failed + 1))
		failed_names+=("$name")
	fi
done

[ "$failed" -eq 0 ] || echo "failed: ${failed_names[*]}"
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
