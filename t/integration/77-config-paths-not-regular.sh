#!/usr/bin/env bash
# A configured path that is a FIFO, a device or a huge file (certificate, key, OCSP response, tls_ca_file, the configuration itself) makes "weir -t" fail at once with exit 1 and a message naming the file and what was expected, and makes a HUP reload fail within a second or two while the old generation keeps serving (weirctl reload prints the error); the master never blocks on it.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/tls-certs.sh"

P=$(port 0)
make_tls_certs
start_lighttpd light "$(port 1)"
mkfifo "$T/fifo"
# One byte over the 4 MiB bound for PEM files.
head -c $((4 * 1024 * 1024 + 1)) /dev/zero >"$T/huge.pem"

# write_conf CERT KEY [OCSP] [CA]: one TLS service, one pool to a TLS
# backend that is never used (only its context is loaded).
write_conf()
{
	local ocsp=${3:+, \"ocsp\": \"$3\"} ca=${4:-$PKI/root.pem}
	cat >"$T/weir.json" <<EOF
{
$(conf_globals 1)
  "pools": {"web": {"health": false, "backends": ["127.0.0.1:$(port 1)"]},
            "tlsb": {"health": false, "tls": true, "tls_ca_file": "$ca",
                     "backends": ["127.0.0.1:$(port 2)"]}},
  "services": {"www": {"listen": "127.0.0.1:$P", "pool": "web",
                       "tls": {"certificates": [{"cert": "$1", "key": "$2"$ocsp}]}}}
}
EOF
}

# check_refused WHAT WANT: weir -t on the current file (or on $CONF) exits 1
# within 3 s and prints WANT. The timeout makes a blocked master a failure,
# not a hang.
check_refused()
{
	local start end out rc=0
	start=$(date +%s%N)
	out=$(timeout 10 "$WEIR" -t -c "${CONF:-$T/weir.json}" 2>&1) || rc=$?
	end=$(date +%s%N)
	note "$1: exit $rc in $(((end - start) / 1000000)) ms: $out"
	[ "$rc" -ne 124 ] || fail "$1: weir -t still blocked after 10 s"
	assert_eq "$rc" 1 "$1: exit status of weir -t"
	[ $(((end - start) / 1000000)) -lt 3000 ] || fail "$1: weir -t took over 3 s"
	assert_contains "$out" "$2" "$1: message"
}

A=$PKI/a.pem
K=$PKI/a.key
svc="weir.json: services.www.tls.certificates[0]"
write_conf "$T/fifo" "$K"
check_refused "certificate FIFO" "$svc: cannot read $T/fifo: not a regular file (a FIFO)"
write_conf /dev/zero "$K"
check_refused "certificate /dev/zero" "$svc: cannot read /dev/zero: not a regular file (a character device)"
write_conf "$T/huge.pem" "$K"
check_refused "certificate over 4 MiB" "$svc: cannot read $T/huge.pem: larger than 4194304 bytes"
write_conf "$A" "$T/fifo"
check_refused "key FIFO" "$svc: cannot read $T/fifo: not a regular file (a FIFO)"
write_conf "$A" /dev/zero
check_refused "key /dev/zero" "$svc: cannot read /dev/zero: not a regular file (a character device)"
write_conf "$A" "$K" "$T/fifo"
check_refused "OCSP FIFO" "$svc: cannot read $T/fifo: not a regular file (a FIFO)"
write_conf "$A" "$K" "" "$T/fifo"
check_refused "tls_ca_file FIFO" "weir.json: pools.tlsb.tls_ca_file: cannot load $T/fifo: not a regular file (a FIFO)"
write_conf "$A" "$K" "" /dev/zero
check_refused "tls_ca_file /dev/zero" "pools.tlsb.tls_ca_file: cannot load /dev/zero: not a regular file (a character device)"
CONF=$T/fifo check_refused "configuration FIFO" "$T/fifo: cannot open: not a regular file (a FIFO)"
CONF=/dev/zero check_refused "configuration /dev/zero" "/dev/zero: cannot open: not a regular file (a character device)"

# serves: an HTTPS request through weir answers from the backend.
serves()
{
	assert_eq "$(get "https://a.test:$P/name" --cacert "$PKI/root.pem" \
	    --resolve "a.test:$P:127.0.0.1")" light "$1"
}

write_conf "$A" "$K"
"$WEIR" -t -c "$T/weir.json" >/dev/null || fail "the good configuration fails weir -t"
start_weir "$T/weir.json"
wait_children 1
serves "before any reload"

# reload_refused WHAT WANT: weirctl reload reports the failure within 3 s,
# naming WANT, and generation 1 still serves.
reload_refused()
{
	local start end out rc=0
	start=$(date +%s%N)
	out=$(timeout 15 "$WEIRCTL" -s "$T/run" reload 2>&1) || rc=$?
	end=$(date +%s%N)
	note "$1: weirctl reload exit $rc in $(((end - start) / 1000000)) ms: $out"
	assert_eq "$rc" 1 "$1: exit status of weirctl reload"
	[ $(((end - start) / 1000000)) -lt 3000 ] || fail "$1: the reload took over 3 s to fail"
	assert_contains "$out" "reload failed; generation 1 keeps serving" "$1: weirctl"
	assert_contains "$out" "$2" "$1: weirctl names the file"
	serves "$1: the old generation"
}

write_conf "$T/fifo" "$K"
reload_refused "certificate FIFO" "cannot read $T/fifo: not a regular file (a FIFO)"
write_conf "$A" /dev/zero
reload_refused "key /dev/zero" "cannot read /dev/zero: not a regular file (a character device)"
write_conf "$A" "$K" "$T/fifo"
reload_refused "OCSP FIFO" "cannot read $T/fifo: not a regular file (a FIFO)"
write_conf "$A" "$K" "" "$T/fifo"
reload_refused "tls_ca_file FIFO" "pools.tlsb.tls_ca_file: cannot load $T/fifo: not a regular file (a FIFO)"
assert_match "$(cat "$WEIR_LOG")" "reload: .*cannot read $T/fifo: not a regular file \(a FIFO\)" \
    "the error log names the file"

# The master was never stuck: a good file reloads at once.
write_conf "$A" "$K"
out=$("$WEIRCTL" -s "$T/run" reload) || fail "weirctl reload failed on the good configuration"
assert_match "$out" '^reloaded: generation 2' "the good configuration reloads"
serves "after the good reload"
pass
