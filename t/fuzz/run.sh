#!/usr/bin/env bash
# make fuzz: builds the libFuzzer harnesses of t/fuzz/ with clang (whatever
# compiler the main build uses), with AddressSanitizer and
# UndefinedBehaviorSanitizer, and runs each for FUZZ_SECONDS, starting from
# its seeds in t/fuzz/corpus/TARGET/ and from what earlier runs found (kept
# in $top_builddir/t/fuzz/out/corpus/TARGET/). A crash, a leak, a sanitizer
# report, an input that takes over 20 s or a disagreement (the harness
# aborts) fails the harness; the input is left in t/fuzz/out/.
#
# Prints one line per harness (runs, executions per second, libFuzzer's
# cov: and ft: figures, corpus size) and "fuzz: N passed, N failed" last;
# exits 1 if any failed.
#
# Usage: run.sh [TARGET...]   (default: every harness below)
# Environment: top_srcdir, top_builddir, FUZZ_CC (default clang),
# FUZZ_SECONDS (default 60), JANSSON_CFLAGS and JANSSON_LIBS (default:
# pkg-config's).
# Replay one input: t/fuzz/out/fuzz_TARGET INPUT

set -uo pipefail

here=$(cd "$(dirname "$0")" && pwd)
top_srcdir=${top_srcdir:-$(cd "$here/../.." && pwd)}
top_builddir=${top_builddir:-$top_srcdir}
cc=${FUZZ_CC:-clang}
seconds=${FUZZ_SECONDS:-60}
jansson_cflags=${JANSSON_CFLAGS-$(pkg-config --cflags jansson)}
jansson_libs=${JANSSON_LIBS-$(pkg-config --libs jansson)}
out=$top_builddir/t/fuzz/out

# TARGET SOURCE [FLAGS]: one harness per line.
HARNESSES="
h1_request fuzz_h1_head.c -DFUZZ_RESPONSE=0
h1_response fuzz_h1_head.c -DFUZZ_RESPONSE=1
h1_chunked fuzz_h1_chunked.c
path fuzz_path.c
config fuzz_config.c
snapshot fuzz_snapshot.c
"
# What the harnesses link: the modules they fuzz and what those use.
LIB_SOURCES=$(cd "$top_srcdir" && ls common/*.c stats/*.c ctl/render.c)

SAN="-fsanitize=address,undefined -fno-sanitize-recover=all"
CFLAGS="-g -O1 -fno-omit-frame-pointer -std=gnu11 -D_GNU_SOURCE $SAN \
-I$top_srcdir -I$top_builddir $jansson_cflags"

if ! command -v "$cc" >/dev/null; then
	echo "fuzz: $cc not found (on Debian: apt-get install clang" \
	    "libclang-rt-14-dev)" >&2
	exit 1
fi

targets=("$@")
if [ ${#targets[@]} -eq 0 ]; then
	while read -r t _; do
		[ -n "$t" ] && targets+=("$t")
	done <<<"$HARNESSES"
fi

# The modules, instrumented for coverage, in one archive, rebuilt when a
# source or header under common/, stats/ or ctl/ is newer than it.
build_lib()
{
	local f o objs=() pids=() rc=0
	mkdir -p "$out/obj"
	if [ -f "$out/libfuzz.a" ] && [ -z "$(find "$top_srcdir/common" \
	    "$top_srcdir/stats" "$top_srcdir/ctl" -newer "$out/libfuzz.a" -name '*.[ch]' | head -n 1)" ]; then
		return 0
	fi
	echo "==> fuzz: building the modules with $cc"
	for f in $LIB_SOURCES; do
		o=$out/obj/$(echo "$f" | tr / _).o
		objs+=("$o")
		# shellcheck disable=SC2086
		"$cc" $CFLAGS -fsanitize=fuzzer-no-link -c "$top_srcdir/$f" \
		    -o "$o" &
		pids+=($!)
		if [ ${#pids[@]} -ge 2 ]; then
			wait "${pids[0]}" || rc=1
			pids=("${pids[@]:1}")
		fi
	done
	for f in "${pids[@]}"; do
		wait "$f" || rc=1
	done
	[ "$rc" -eq 0 ] || return 1
	rm -f "$out/libfuzz.a"
	ar rcs "$out/libfuzz.a" "${objs[@]}"
}

# build TARGET SOURCE FLAGS...: $out/fuzz_TARGET.
build()
{
	local t=$1 src=$2
	shift 2
	# shellcheck disable=SC2086
	"$cc" $CFLAGS -fsanitize=fuzzer -Wall -Wextra -Werror "$@" \
	    "$here/$src" "$out/libfuzz.a" $jansson_libs -o "$out/fuzz_$t"
}

# figure LOG KEY: the number after "KEY" in libFuzzer's final figures.
figure()
{
	case $2 in
	stat::*) sed -n "s/^$2: *\([0-9]*\).*/\1/p" "$1" | tail -n 1 ;;
	*) grep -E '^#[0-9]+[[:space:]]+DONE' "$1" | tail -n 1 |
	    sed -n "s/.* $2: \([0-9]*\).*/\1/p" ;;
	esac
}

build_lib || { echo "fuzz: building the modules FAILED"; echo "fuzz: 0 passed, ${#targets[@]} failed"; exit 1; }
passed=0
failed=0
for t in "${targets[@]}"; do
	line=$(grep -E "^$t " <<<"$HARNESSES") || {
		echo "FAIL fuzz_$t: no such harness"
		failed=$((failed + 1))
		continue
	}
	# shellcheck disable=SC2086
	set -- $line
	shift
	if ! build "$t" "$@" 2>"$out/fuzz_$t.build.log"; then
		echo "FAIL fuzz_$t: build failed"
		sed 's/^/    | /' "$out/fuzz_$t.build.log" | tail -n 30
		failed=$((failed + 1))
		continue
	fi
	mkdir -p "$out/corpus/$t"
	log=$out/fuzz_$t.log
	UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1} \
	    "$out/fuzz_$t" -max_total_time="$seconds" -timeout=20 \
	    -print_final_stats=1 -artifact_prefix="$out/fuzz_$t-" \
	    "$out/corpus/$t" "$here/corpus/$t" >"$log" 2>&1
	rc=$?
	runs=$(figure "$log" stat::number_of_executed_units)
	eps=$(figure "$log" stat::average_exec_per_sec)
	cov=$(figure "$log" cov)
	ft=$(figure "$log" ft)
	corp=$(ls "$out/corpus/$t" | wc -l)
	if [ "$rc" -eq 0 ] && [ -n "$runs" ]; then
		echo "PASS fuzz_$t: ${seconds} s, $runs runs, $eps exec/s, cov $cov, ft $ft, corpus $corp"
		passed=$((passed + 1))
	else
		echo "FAIL fuzz_$t (exit $rc; log: $log)"
		grep -E -A 25 '^==[0-9]+==|^fuzz: check failed|runtime error' "$log" |
		    head -n 40 | sed 's/^/    | /'
		ls "$out"/fuzz_"$t"-* 2>/dev/null | sed 's/^/    input: /'
		failed=$((failed + 1))
	fi
done
echo "fuzz: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
