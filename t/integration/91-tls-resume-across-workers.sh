#!/usr/bin/env bash
# With two workers, TLS sessions resume by ticket whichever worker a client reaches: TLS 1.2 reconnects all say Reused, and a TLS 1.3 ticket issued by one worker resumes on the others after that worker is killed; without tickets nothing resumes (there is no per-worker cache).
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/tls-certs.sh"

P=$(port 0)
make_tls_certs
cat >"$T/weir.json" <<EOF2
{
$(conf_globals 2)
  "pools": {"web": {"health": false, "backends": ["127.0.0.1:$(port 1)"]}},
  "services": {
    "tickets": {"listen": "127.0.0.1:$P", "pool": "web",
                "tls": {"certificates": $(tls_cert_json a b)}},
    "no-tickets": {"listen": "127.0.0.1:$(port 2)", "pool": "web",
                   "tls": {"certificates": $(tls_cert_json a),
                           "session_tickets": false}}}
}
EOF2
start_weir "$T/weir.json"

# count WORD TEXT: lines of s_client -reconnect output starting with WORD.
count()
{
	printf '%s\n' "$2" | grep -c "^$1, " || true
}

# TLS 1.2: s_client -reconnect connects once, then five more times.
out=$(sclient "$P" -servername a.test -tls1_2 -reconnect </dev/null)
note "$(printf '%s\n' "$out" | grep -E '^(New|Reused), ')"
assert_eq "$(count New "$out")/$(count Reused "$out")" 1/5 \
    "TLS 1.2 New/Reused over 6 connections"

# TLS 1.3 tickets come after the handshake, and s_client -reconnect does
# not wait for them; keep the first connection open a moment instead, and
# note which worker holds it.
(sleep 1.5 | sclient "$P" -servername a.test -sess_out "$T/sess.pem" \
    >"$T/first.out") &
first=$!
issuer=
for i in $(seq 1 20); do
	sleep 0.05
	ss -Htnp state established "( sport = :$P )" >"$T/ss.out" 2>&1 || true
	for pid in $(grep -o 'pid=[0-9]*' "$T/ss.out" | cut -d= -f2); do
		if grep -qx "$pid" <<<"$(weir_children)"; then
			issuer=$pid
			break 2
		fi
	done
done
wait "$first" || true
assert_match "$(cat "$T/first.out")" '^New, TLSv1\.3, ' "first TLS 1.3 connection"
[ -s "$T/sess.pem" ] || fail "s_client saved no session"
[ -n "$issuer" ] || fail "cannot tell which worker served the first connection: $(cat "$T/ss.out")"
note "ticket issued by worker $issuer; killing it"
kill -KILL "$issuer"
wait_gone "$issuer" 5 || fail "worker $issuer survived SIGKILL"

# Whatever accepts now (the other worker or the replacement the master
# forks) never saw this ticket being made.
for i in 1 2 3 4 5; do
	out=$(sclient "$P" -servername a.test -sess_in "$T/sess.pem" </dev/null)
	assert_match "$out" '^Reused, TLSv1\.3, ' "TLS 1.3 resumption $i after the issuer died"
done
out=$(sclient "$P" -servername a.test -tls1_2 -reconnect </dev/null)
assert_eq "$(count Reused "$out")" 5 "TLS 1.2 reconnects after the kill"

# "session_tickets": false and no session cache: always a full handshake.
out=$(sclient "$(port 2)" -servername a.test -tls1_2 -reconnect </dev/null)
assert_eq "$(count New "$out")/$(count Reused "$out")" 6/0 \
    "TLS 1.2 New/Reused without tickets"
out=$(sclient "$(port 2)" -servername a.test -tls1_2 -no_ticket -reconnect </dev/null)
assert_eq "$(count Reused "$out")" 0 "TLS 1.2 -no_ticket reconnects"
pass
