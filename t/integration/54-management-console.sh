#!/usr/bin/env bash
# A "management" service speaks Perlbal's console protocol to a running weir in front of real lighttpd backends: SHOW answers in Perlbal's shapes with the requests each node served, POOL ADD and REMOVE and DISABLE/ENABLE change where every worker sends traffic at once, weirctl shows and the log names each change and who asked, a peer outside "allow" is turned away, a line too long is refused without ending the session, and a reload drops the changes and says which.
. "$(dirname "$0")/lib.sh"

P=$(port 0)
M=$(port 1)
M2=$(port 2)
B1=127.0.0.1:$(port 3)
B2=127.0.0.1:$(port 4)
B3=127.0.0.1:$(port 5)
for i in 1 2 3; do
	start_lighttpd "b$i" "$(port $((i + 2)))" \
	    "$(make_docroot "b$i" "backend $i")"
done
cat >"$T/weir.json" <<EOF
{
$(conf_globals 2)
  "pools": {"web": {"balance": "roundrobin", "health": false,
            "backends": ["$B1", "$B2"]}},
  "services": {
    "www": {"listen": "127.0.0.1:$P", "pool": "web"},
    "console": {"role": "management", "listen": "127.0.0.1:$M"},
    "elsewhere": {"role": "management", "listen": "127.0.0.1:$M2",
                  "allow": ["192.0.2.0/24"]}
  }
}
EOF
start_weir "$T/weir.json"
CTL=("$WEIRCTL" -s "$T/run")

say()	# say COMMAND...: the console's answer lines, CRs dropped
{
	python3 "$FIXTURES/perlbal_console.py" say "$M" "$@" | tr -d '\r'
}

# hits N: N requests on fresh connections (so both workers serve some),
# counted by backend as "b1=X b2=Y b3=Z".
hits()
{
	local i body n1=0 n2=0 n3=0
	for ((i = 0; i < $1; i++)); do
		body=$(get "http://127.0.0.1:$P/")
		case $body in
		"backend 1") n1=$((n1 + 1)) ;;
		"backend 2") n2=$((n2 + 1)) ;;
		"backend 3") n3=$((n3 + 1)) ;;
		*) fail "unexpected body '$body'" ;;
		esac
	done
	echo "b1=$n1 b2=$n2 b3=$n3"
}

# The listings, in Perlbal's shapes, before any traffic.
assert_eq "$(say 'show service')" "console 127.0.0.1:$M ENABLED
elsewhere 127.0.0.1:$M2 ENABLED
www 127.0.0.1:$P ENABLED
." "show service"
assert_eq "$(say 'SHOW POOL')" "web nodes 2
web services 1
." "show pool"
assert_eq "$(hits 10)" "b1=5 b2=5 b3=0" "round robin before any change"
assert_eq "$(say 'show pool web')" "$B1 5
$B2 5
." "show pool web counts what each node served, over both workers"
assert_eq "$(say 'show service www')" "SERVICE www
     listening: 127.0.0.1:$P
          role: reverse_proxy
  pend clients: 0
  pend backend: 0
 connect-ahead: 0/0
          pool: web
         nodes:
                $(printf '%-21s %7d' "$B1" 5)
                $(printf '%-21s %7d' "$B2" 5)
." "show service www: Perlbal's stats_info"

# POOL ADD: a third backend takes its share at once, in every worker.
assert_eq "$(say "pool add web $B3")" OK "pool add"
assert_eq "$(hits 15)" "b1=5 b2=5 b3=5" "the added backend gets its turn"
assert_match "$("${CTL[@]}" stats)" " $B3 +up " "weirctl stats shows it"
assert_match "$(cat "$WEIR_LOG")" "backend $B3 \(pool web\): added by console 127\.0\.0\.1:[0-9]+" \
    "the log names the change and who asked"
assert_eq "$(say "pool add web $B3" "POOL web ADD $B3")" "OK
OK" "adding a member again is OK, as in Perlbal"
assert_eq "$(say 'show pool')" "web nodes 3
web services 1
." "show pool counts it"

# POOL REMOVE: no new request goes there.
assert_eq "$(say "pool remove web $B1")" OK "pool remove"
assert_eq "$(hits 10)" "b1=0 b2=5 b3=5" "the removed backend gets nothing"
assert_no_match "$("${CTL[@]}" stats)" " $B1 " "weirctl stats no longer lists it"
assert_eq "$(say "pool remove web $B1")" OK "removing a stranger is OK"
assert_eq "$(say "pool add nope $B1" "pool delete web $B1" \
    "pool add web 10.0.0.300")" "ERROR: Pool 'nope' not found
ERROR: Invalid command:  must be 'add' or 'remove'
ERROR: Invalid syntax to 'pool' command" "bad POOL commands, in Perlbal's words"

# DISABLE: every worker refuses new clients of the service; ENABLE again.
assert_eq "$(say 'disable www')" OK "disable"
for i in 1 2 3 4; do
	assert_eq "$(status "http://127.0.0.1:$P/")" 000 \
	    "request $i to a disabled service is refused"
done
assert_eq "$(say 'show service' | grep '^www')" "www 127.0.0.1:$P DISABLED" \
    "show service says DISABLED"
svc_state()
{
	"${CTL[@]}" stats --json | python3 -c 'import json, sys
print([s["state"] for s in json.load(sys.stdin)["services"]
       if s["name"] == "www"][0])'
}
assert_eq "$(svc_state)" disabled "weirctl stats --json shows it"
assert_eq "$(say 'disable console' 'disable www')" "ERROR: can't disable management service
ERROR: service www is already disabled" "what cannot be disabled"
assert_match "$(cat "$WEIR_LOG")" "service www: disabled by console 127\.0\.0\.1:[0-9]+ until the next reload" \
    "the log names it"
assert_eq "$(say 'enable www')" OK "enable"
assert_eq "$(svc_state)" enabled "weirctl stats --json after enable"
assert_eq "$(hits 4)" "b1=0 b2=2 b3=2" "served again after enable"

# The other figures end with Perlbal's "." and count the traffic.
out=$(say 'nodes' 'stats' 'proc' 'version' 'queues' 'states www')
assert_contains "$out" "$B2 attempts 17" "nodes: requests sent to B2"
assert_contains "$out" "$B3 responsecodes 2xx 12" "nodes: answers by class"
assert_match "$out" "www +proxy_requests +39" "stats: the Stats plugin's line"
assert_match "$out" "reqs: 39 \(\+39\)" "proc: requests of every worker"
assert_contains "$out" "version 1.80" "version"
assert_contains "$out" "www-normal.count 0" "queues"
assert_eq "$(grep -c '^\.$' <<<"$out")" 6 "six listings, six dots"

# Bad lines: answered, and the session goes on; QUIT ends it.
long=$(printf 'x%.0s' $(seq 1 3000))
assert_eq "$(say "$long" 'show pool nope' 'frobnicate' 'QUIT' 'show pool')" \
    "ERROR: command longer than 1022 bytes
ERROR: pool 'nope' does not exist
ERROR: unknown command: frobnicate
<closed>
<closed>" "an over-long line, then the session goes on until QUIT"

# A peer outside "allow" gets one line and is closed.
out=$(python3 "$FIXTURES/perlbal_console.py" say "$M2" 'show pool' | tr -d '\r')
assert_eq "$out" "ERROR: not allowed
<closed>" "a peer outside allow"
assert_match "$(cat "$WEIR_LOG")" "management console elsewhere: 127\.0\.0\.1:[0-9]+ refused: not in \"allow\"" \
    "the refusal is logged"

# A reload drops the runtime changes and says which.
say 'disable www' >/dev/null
kill -HUP "$WEIR_PID"
for i in $(seq 1 50); do
	grep -q "reload: generation 2 serving" "$WEIR_LOG" && break
	sleep 0.1
done
log=$(cat "$WEIR_LOG")
assert_contains "$log" "reload: service www enabled again (disabled by a console)" \
    "the reload says the service is enabled again"
assert_match "$log" "reload: .*$B3" "the added backend is dropped, and said"
assert_eq "$(hits 4)" "b1=2 b2=2 b3=0" "the file's pool after the reload"
pass
