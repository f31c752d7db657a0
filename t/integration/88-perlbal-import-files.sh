#!/usr/bin/env bash
# weir --import-perlbal as a command: exit status 0, 1 or 2 with every bad line named and nothing written on error, -o replacing a file (never writing through a symbolic link), standard output without -o; INCLUDE, nodefile and ${VAR} read from real files, and Perlbal's own virtual-hosts example serving its web_server services through a selector.
. "$(dirname "$0")/lib.sh"

A=$(port 1)
L=$(port 2)
P=$(port 3)

# Usage.
out=$("$WEIR" -o "$T/x.json" 2>&1) && fail "-o alone accepted"
assert_contains "$out" "-o goes with --import-perlbal" "-o alone"
out=$("$WEIR" --import-perlbal 2>&1) && fail "no file accepted"
"$WEIR" -h | grep -q -- "--import-perlbal PERLBAL_CONF" ||
    fail "weir -h does not mention --import-perlbal"

# A bad configuration: every bad line named, exit 1, nothing written.
cat >"$T/bad.conf" <<'EOF'
CREATE POOL web
  POOL web ADD 10.0.0.1:8080
  POOL web ADD 10.0.0.300

CREATE SERVICE www
  SET role = reverse_proxy
  SET pool = web
  SET persist_backend = maybe
  SET listen = 80
ENABLE www
frobnicate
EOF
echo '{"previous": true}' >"$T/keep.json"
rc=0
out=$("$WEIR" --import-perlbal "$T/bad.conf" -o "$T/keep.json" 2>&1) || rc=$?
assert_eq "$rc" 1 "exit status of a bad configuration"
assert_contains "$out" "$T/bad.conf:3: POOL web add: \"10.0.0.300\": expected an IPv4 address" "line 3"
assert_contains "$out" "$T/bad.conf:8: SET persist_backend: expecting boolean value" "line 8"
assert_contains "$out" "$T/bad.conf:11: unknown command: frobnicate" "line 11"
assert_contains "$out" "weir: $T/bad.conf does not convert (3 errors); nothing written" "summary"
assert_eq "$(cat "$T/keep.json")" '{"previous": true}' "the old output is kept"
rc=0
"$WEIR" --import-perlbal "$T/nonexistent.conf" 2>"$T/err" || rc=$?
assert_eq "$rc" 1 "exit status for a missing file"
assert_contains "$(cat "$T/err")" "$T/nonexistent.conf: No such file or directory" "missing file"

# INCLUDE, nodefile and variables, from real files, serving for real.
start_apache apache "$A"
start_lighttpd lighttpd "$L"
mkdir "$T/conf.d"
printf '# the web servers\n127.0.0.1:%s   # Apache\n127.0.0.1:%s # lighttpd\n' \
    "$A" "$L" >"$T/nodes.dat"
cat >"$T/conf.d/pool.conf" <<'EOF'
CREATE POOL web
  SET nodefile = $PB_DIR/nodes.dat
  SET balance_method = round_robin
EOF
cat >"$T/conf.d/service.conf" <<'EOF'
CREATE SERVICE www
  SET role            = reverse_proxy
  SET pool            = web
  SET listen          = ${PB_LISTEN}
  SET persist_client  = on
  SET persist_backend = on
ENABLE www
EOF
cat >"$T/main.conf" <<'EOF'
# Everything is in conf.d.
LOAD include
INCLUDE = $PB_DIR/conf.d/*.conf
SERVER pidfile = $PB_DIR/run/weir.pid
EOF
mkdir -p "$T/run"
ln -s "$T/target.json" "$T/link.json"
echo 'untouched' >"$T/target.json"
PB_DIR=$T PB_LISTEN=127.0.0.1:$P "$WEIR" --import-perlbal "$T/main.conf" \
    -o "$T/link.json" 2>"$T/msgs" || fail "import: $(cat "$T/msgs")"
msgs=$(cat "$T/msgs")
assert_not_contains "$msgs" "nodefile" "an absolute nodefile: nothing to say"
assert_contains "$msgs" "$T/conf.d/pool.conf:3: warning: pool web: balance_method = round_robin: Perlbal 1.80 refuses it" "round_robin"
# rename() replaced the link itself: its target is as it was.
[ -L "$T/link.json" ] && fail "-o wrote through the symbolic link"
assert_eq "$(cat "$T/target.json")" untouched "the link's target"
assert_eq "$(stat -c %a "$T/link.json")" 644 "the output's mode"
python3 - "$T/link.json" "$T/run" <<'EOF' || fail "not the expected conversion: $(cat "$T/link.json")"
import json, sys
c = json.load(open(sys.argv[1]))
assert c["pidfile"] == sys.argv[2] + "/weir.pid", c
p = c["pools"]["web"]
assert p["balance"] == "roundrobin" and p["persist"] is True, p
assert p["nodefile"] == sys.argv[2][:-len("/run")] + "/nodes.dat", p
assert "backends" not in p, p
c["state_dir"] = sys.argv[2]
c["workers"] = 1
json.dump(c, open(sys.argv[1], "w"))
EOF
start_weir "$T/link.json"
seq_=""
for i in 1 2 3 4; do
	seq_="$seq_ $(field "$(get "http://127.0.0.1:$P/echo.cgi")" backend)"
done
case $seq_ in
" apache lighttpd apache lighttpd" | " lighttpd apache lighttpd apache") ;;
*) fail "round_robin: not in turn:$seq_" ;;
esac
stop_weir

# Perlbal's own example: two web_server services that listen nowhere,
# reached through a selector by Host; to standard output.
mkdir -p "$T/site" "$T/example"
echo site >"$T/site/index.html"
echo example >"$T/example/index.html"
sed -e "s#/var/www/site.com/#$T/site/#" \
    -e "s#/var/www/example.com/#$T/example/#" \
    -e "s#0.0.0.0:80#127.0.0.1:$P#" \
    -e "s#127.0.0.1:16000#127.0.0.1:$(port 9)#" \
    /usr/share/doc/perlbal/examples/virtual-hosts.conf >"$T/vhosts.conf"
"$WEIR" --import-perlbal "$T/vhosts.conf" >"$T/vhosts.json" 2>"$T/msgs" ||
    fail "virtual-hosts example: $(cat "$T/msgs")"
assert_contains "$(cat "$T/msgs")" "converted to (standard output), 0 warnings" "stdout"
python3 - "$T/vhosts.json" "$T/run" <<'EOF'
import json, sys
c = json.load(open(sys.argv[1]))
assert "listen" not in c["services"]["site"], c
c.update({"state_dir": sys.argv[2], "pidfile": sys.argv[2] + "/w.pid",
          "workers": 1})
json.dump(c, open(sys.argv[1], "w"))
EOF
start_weir "$T/vhosts.json"
assert_eq "$(get "http://127.0.0.1:$P/" -H 'Host: www.site.com')" site "*.site.com"
assert_eq "$(get "http://127.0.0.1:$P/" -H 'Host: site.com')" site "site.com itself, as in Perlbal"
assert_eq "$(get "http://127.0.0.1:$P/" -H 'Host: a.b.example.com')" example "*.example.com"
assert_eq "$(status "http://127.0.0.1:$P/" -H 'Host: other.org')" 404 "no vhost"
stop_weir

# An output that cannot be written: exit 2.
rc=0
"$WEIR" --import-perlbal "$T/vhosts.conf" -o "$T/no/such/dir/w.json" \
    2>"$T/err" || rc=$?
assert_eq "$rc" 2 "exit status when the output cannot be written"
assert_contains "$(cat "$T/err")" "cannot create a file beside $T/no/such/dir/w.json" "why"
pass
