#!/usr/bin/env bash
# Public HTTP/1 corpora (llhttp's request vectors, defparam/smuggler's three configurations) replayed through weir to a recording backend: nothing ambiguous reaches it, smuggler finds nothing, and nothing llhttp rejects is answered 2xx unless doc/http1-conformance.md says why the RFC allows it.
#
# The corpora are data kept outside the project, at ../shared/corpora next
# to the source tree (WEIR_CORPORA overrides); where they are absent this
# test says so and passes.
. "$(dirname "$0")/lib.sh"

CORPORA=${WEIR_CORPORA:-$top_srcdir/../shared/corpora}
LLHTTP=$CORPORA/llhttp/test/request
SMUGGLER=$CORPORA/smuggler
DOC=$top_srcdir/doc/http1-conformance.md
has_llhttp=
has_smuggler=
[ -d "$LLHTTP" ] && has_llhttp=1
[ -f "$SMUGGLER/smuggler.py" ] && has_smuggler=1
if [ -z "$has_llhttp$has_smuggler" ]; then
	echo "SKIP: $TEST_NAME: corpora not found at $CORPORA (set WEIR_CORPORA)"
	exit 0
fi
[ -n "$has_llhttp" ] || echo "SKIP: llhttp vectors not found at $LLHTTP"
[ -n "$has_smuggler" ] || echo "SKIP: smuggler not found at $SMUGGLER"
[ -f "$DOC" ] || fail "$DOC is missing"

# Two services, each with its own strict backend, so that what the llhttp
# replay saw can be matched one for one with what its backend received.
PL=$(port 0)
PS=$(port 2)
start_strict_backend "$(port 1)" "$T/backend-llhttp"
start_strict_backend "$(port 3)" "$T/backend-smuggler"
cat >"$T/weir.json" <<EOF
{
$(conf_globals 1)
  "pools": {"llhttp": {"health": false, "response_timeout_ms": 2000,
                       "backends": ["127.0.0.1:$(port 1)"]},
            "smuggler": {"health": false, "response_timeout_ms": 2000,
                         "backends": ["127.0.0.1:$(port 3)"]}},
  "services": {"llhttp": {"listen": "127.0.0.1:$PL", "pool": "llhttp",
                          "request_header_timeout_ms": 1000},
               "smuggler": {"listen": "127.0.0.1:$PS", "pool": "smuggler",
                            "request_header_timeout_ms": 1000}}
}
EOF
start_weir "$T/weir.json"

ms()
{
	echo $(($(date +%s%N) / 1000000))
}

problems=()
if [ -n "$has_llhttp" ]; then
	start=$(ms)
	rc=0
	python3 "$FIXTURES/llhttp_replay.py" run "$LLHTTP" "$PL" "$DOC" \
	    --map "$T/llhttp-map" >"$T/llhttp.out" || rc=$?
	grep -E '^VEC .* (VIOLATION|exception)$' "$T/llhttp.out" || true
	grep -v '^VEC ' "$T/llhttp.out" | sed 's/^/# /'
	note "llhttp replay took $(($(ms) - start)) ms"
	[ "$rc" -eq 0 ] || problems+=("llhttp replay: $(grep -E \
	    '^(violations|exceptions|conversion)' "$T/llhttp.out" | tr '\n' ';')")
fi

if [ -n "$has_smuggler" ]; then
	# smuggler writes a payload file next to itself for each finding, so
	# it runs from a scratch copy.
	cp -r "$SMUGGLER" "$T/smuggler"
	chmod -R u+w "$T/smuggler"
	for config in default doubles exhaustive; do
		start=$(ms)
		rc=0
		(cd "$T/smuggler" && timeout 60 python3 smuggler.py \
		    -u "http://127.0.0.1:$PS/" -c "$config.py" --no-color) \
		    >"$T/smuggler-$config.out" 2>&1 || rc=$?
		took=$(($(ms) - start))
		# one line per verdict, after the "Checking ..." progress
		tr '\r' '\n' <"$T/smuggler-$config.out" |
		    grep -E '^\[[^]]+\] *: ' | grep -v ': Checking ' |
		    grep -v '^\[CRITICAL\]' >"$T/smuggler-$config.verdicts" || true
		verdicts=$(wc -l <"$T/smuggler-$config.verdicts")
		summary=$(sed -E 's/^\[[^]]*\] *: //; s/ \(TECL.*//; s/ - .*//' \
		    "$T/smuggler-$config.verdicts" | sort | uniq -c |
		    awk '{$1=$1; print}' | paste -sd, -)
		note "smuggler $config.py: $verdicts mutations in $took ms:" \
		    "${summary:-none}"
		if [ "$rc" -ne 0 ]; then
			problems+=("smuggler $config.py exited $rc (124: over 60 s)")
		elif [ "$verdicts" -eq 0 ] ||
		    grep -q 'Error  *:' "$T/smuggler-$config.out"; then
			problems+=("smuggler $config.py did not run:
$(tr '\r' '\n' <"$T/smuggler-$config.out" | grep -v '^ *$' | tail -n 5)")
		fi
		if grep -Eq 'Potential .* Issue Found|CRITICAL' \
		    "$T/smuggler-$config.verdicts" "$T/smuggler-$config.out"; then
			problems+=("smuggler $config.py: $(grep -E \
			    'Potential .* Issue Found' \
			    "$T/smuggler-$config.verdicts" | tr '\n' ';')")
		fi
	done
fi

kill -0 "$WEIR_PID" || fail "weir master died"
stop_weir

# What reached the backends, judged once every connection has ended.
if [ -n "$has_llhttp" ]; then
	strict_backend check "$T/backend-llhttp" >"$T/llhttp-backend" || true
	rc=0
	python3 "$FIXTURES/llhttp_replay.py" judge "$T/llhttp-map" \
	    "$T/llhttp-backend" >"$T/llhttp-judged" || rc=$?
	note "backend of the llhttp replay: $(tail -n 1 "$T/llhttp-backend")"
	sed 's/^/# /' "$T/llhttp-judged" | cut -c1-400
	[ "$rc" -eq 0 ] || problems+=("llhttp: $(grep -c '^PROBLEM ' \
	    "$T/llhttp-judged") problem(s) with what reached the backend")
fi
if [ -n "$has_smuggler" ]; then
	checked=$(strict_backend check "$T/backend-smuggler") || true
	note "backend of the smuggler runs: $(tail -n 1 <<<"$checked")"
	if grep -Eq '^(BAD|TRUNCATED) ' <<<"$checked"; then
		grep -E '^(BAD|TRUNCATED) ' <<<"$checked" | cut -c1-400
		problems+=("smuggler: ambiguous or cut-short requests reached" \
		    "the backend")
	fi
fi

if [ ${#problems[@]} -gt 0 ]; then
	printf '%s\n' "${problems[@]}" >&2
	fail "${#problems[@]} problem(s) with the corpora replay"
fi
pass
