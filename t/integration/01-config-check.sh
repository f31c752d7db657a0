#!/usr/bin/env bash
# weir -t accepts a good config, rejects a bad one naming file:line:col and the JSON path, and a bad config or a busy port stops weir before it serves (exit 1 and 2).
. "$(dirname "$0")/lib.sh"

P=$(port 0)
B=$(port 1)

cat >"$T/good.json" <<EOF
{
$(conf_globals 1)
  "pools": {"web": {"backends": ["127.0.0.1:$B"], "health": false}},
  "services": {"www": {"listen": "127.0.0.1:$P", "pool": "web"}}
}
EOF
out=$("$WEIR" -t -c "$T/good.json" 2>&1) || fail "weir -t on a good config exited $?: $out"
assert_contains "$out" "configuration OK" "weir -t good.json"

# Line 6 holds the unknown key.
cat >"$T/bad.json" <<EOF
{
  "state_dir": "$T/run",
  "pools": {
    "web": {
      "backends": ["127.0.0.1:$B"],
      "bogus": 1
    }
  },
  "services": {"www": {"listen": "127.0.0.1:$P", "pool": "web"}}
}
EOF
rc=0
out=$("$WEIR" -t -c "$T/bad.json" 2>&1) || rc=$?
note "$out"
assert_eq "$rc" 1 "exit status of weir -t on an unknown key"
assert_not_contains "$out" "configuration OK" "weir -t bad.json"
assert_match "$out" "bad\.json:6:[0-9]+: pools\.web\.bogus" "error for the unknown key"

# A service naming a pool that does not exist (line 4).
cat >"$T/nopool.json" <<EOF
{
  "state_dir": "$T/run",
  "pools": {"web": {"backends": ["127.0.0.1:$B"]}},
  "services": {"www": {"listen": "127.0.0.1:$P", "pool": "nosuch"}}
}
EOF
rc=0
out=$("$WEIR" -t -c "$T/nopool.json" 2>&1) || rc=$?
note "$out"
assert_eq "$rc" 1 "exit status of weir -t on an undefined pool"
assert_match "$out" "nopool\.json:4:[0-9]+: services\.www\.pool" "error for the undefined pool"

# Not even the foreground daemon starts on a bad config.
rc=0
timeout 10 "$WEIR" -c "$T/bad.json" -f >"$T/bad.out" 2>&1 || rc=$?
assert_eq "$rc" 1 "exit status of weir -f on a bad config"
is_listening "$P" && fail "weir listens on $P despite a bad config"
assert_match "$(cat "$T/bad.out")" "pools\.web\.bogus" "weir -f bad.json message"

# Port already in use: exit 2, naming the address.
start_blackhole "$P"
rc=0
timeout 10 "$WEIR" -c "$T/good.json" -f >"$T/busy.out" 2>&1 || rc=$?
out=$(cat "$T/busy.out")
note "$out"
assert_eq "$rc" 2 "exit status of weir when its port is in use"
assert_contains "$out" "127.0.0.1:$P" "port-in-use message"
[ ! -e "$T/run/weir.pid" ] || fail "pid file left behind after a failed start"
pass
