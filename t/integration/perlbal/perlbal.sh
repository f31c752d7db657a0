# t/integration/perlbal/perlbal.sh: helpers for the tests of weir
# --import-perlbal (86-88), sourced after lib.sh.
#
# The seed scenarios come from two places: our own copies here
# (scenario1.conf, scenario2.conf), which read their addresses from the
# environment as Perlbal does ($PB_LISTEN, ...), and the originals in
# ../shared/perlbal beside the source tree (or $WEIR_PERLBAL_SCENARIOS),
# whose fixed addresses are rewritten to the test's ports.

PERLBAL_OWN=$LIB_DIR/perlbal
PERLBAL_SHARED=${WEIR_PERLBAL_SCENARIOS:-$top_srcdir/../shared/perlbal}

# perlbal_sources: "own", and "shared" when the originals are there.
perlbal_sources()
{
	echo own
	if [ -f "$PERLBAL_SHARED/scenario1.conf" ] &&
	    [ -f "$PERLBAL_SHARED/scenario2.conf" ]; then
		echo shared
	else
		note "skip: no seed scenarios at $PERLBAL_SHARED (set" \
		    "WEIR_PERLBAL_SCENARIOS); our own copies only" >&2
	fi
}

# perlbal_setup SOURCE N TAG LISTEN MGMT BACKEND1 BACKEND2: scenario N of
# SOURCE with these addresses (BACKEND1 is Apache's in scenario 1, the
# first node in scenario 2).  Sets PB_CONF, the file to read, and PB_ENV,
# the VAR=value words env(1) needs to read it.
perlbal_setup()
{
	local src=$1 n=$2 tag=$3 listen=$4 mgmt=$5 b1=$6 b2=$7 f from
	if [ "$src" = own ]; then
		PB_CONF=$PERLBAL_OWN/scenario$n.conf
		PB_ENV=(PB_LISTEN="$listen" PB_MGMT="$mgmt" PB_APACHE="$b1"
		    PB_LIGHTTPD="$b2" PB_BACKEND1="$b1" PB_BACKEND2="$b2")
		return 0
	fi
	f=$PERLBAL_SHARED/scenario$n.conf
	if [ "$n" = 1 ]; then
		from=(0.0.0.0:80 127.0.0.1:16000 127.0.0.1:8080 127.0.0.1:8181)
	else
		from=(0.0.0.0:80 127.0.0.1:16000 192.0.2.1:8080 192.0.2.2:8080)
	fi
	for a in "${from[@]}"; do
		grep -qF "$a" "$f" ||
		    fail "$f no longer holds $a: adapt perlbal.sh to it"
	done
	PB_CONF=$T/$tag-scenario$n.conf
	sed -e "s/${from[0]}/$listen/" -e "s/${from[1]}/$mgmt/" \
	    -e "s/${from[2]}/$b1/" -e "s/${from[3]}/$b2/" "$f" >"$PB_CONF"
	PB_ENV=(PB_UNUSED=1)
}

# perlbal_import TAG: weir --import-perlbal on PB_CONF into $T/TAG.json;
# its messages in $T/TAG.import.  Fails the test unless it converts.
perlbal_import()
{
	env "${PB_ENV[@]}" "$WEIR" --import-perlbal "$PB_CONF" \
	    -o "$T/$1.json" 2>"$T/$1.import" ||
	    fail "weir --import-perlbal $PB_CONF: exit $?: $(cat "$T/$1.import")"
}

# perlbal_runnable TAG WORKERS: $T/TAG.json with the test's state_dir and
# pid file (the import writes neither: /run/weir is the default) as
# $T/TAG.run.json.
perlbal_runnable()
{
	mkdir -p "$T/run-$1"
	python3 - "$T/$1.json" "$T/$1.run.json" "$T/run-$1" "$2" <<'EOF'
import json, sys
c = json.load(open(sys.argv[1]))
c.update({"workers": int(sys.argv[4]), "state_dir": sys.argv[3],
          "pidfile": sys.argv[3] + "/weir.pid", "log_level": "info"})
json.dump(c, open(sys.argv[2], "w"), indent=1)
EOF
}

# start_perlbal TAG PORT: Perlbal 1.80 on PB_CONF, until PORT listens.
start_perlbal()
{
	command -v perlbal >/dev/null ||
	    fail "perlbal not installed (Debian package perlbal)"
	env "${PB_ENV[@]}" perlbal --config="$PB_CONF" \
	    >>"$T/perlbal-$1.log" 2>&1 &
	LAST_PID=$!
	track "$LAST_PID"
	if ! (wait_port "$2" 10 "$LAST_PID"); then
		cat "$T/perlbal-$1.log" >&2
		fail "perlbal $1 did not start"
	fi
}
