# t/integration/lib.sh: helpers sourced by every integration test.
#
# Gives each test a temporary directory, its own block of ports, real lighttpd
# and Apache backends with generated configs, the built weir, assertions, and a
# cleanup on EXIT that stops every process the test started, by pid, and fails
# the test if a sanitizer reported anything in weir's log.
#
# Environment: top_builddir, top_srcdir (set by make check; default to the
# tree this file is in), WEIR_TEST_KEEP=1 keeps the temporary directory,
# WEIR_TEST_PORT_OFFSET shifts every port (to run two trees side by side),
# WEIR_WRAPPER runs weir under a command (e.g. "valgrind -q").

set -euo pipefail

LIB_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
top_srcdir=${top_srcdir:-$(cd "$LIB_DIR/../.." && pwd)}
top_builddir=${top_builddir:-$top_srcdir}
WEIR=${WEIR:-$top_builddir/weir}
WEIRCTL=${WEIRCTL:-$top_builddir/weirctl}
FIXTURES=$LIB_DIR/backends
rawhttp()
{
	python3 "$FIXTURES/rawhttp.py" "$@"
}
TEST_NAME=$(basename "$0" .sh)
export LC_ALL=C

T=$(mktemp -d /tmp/weir-test.XXXXXX)
# Apache's children and CGIs run as www-data and read docroots under $T.
chmod 755 "$T"

_PIDS=()		# every process started, stopped in reverse order
_WEIR_MASTERS=()	# weir masters, whose children are killed too
WEIR_PID=
WEIR_LOG=$T/weir.log

# port N: the Nth port of this test's block. Blocks are 20 ports wide and
# derived from the test number, so tests never share a port.
_test_no=${TEST_NAME%%-*}
case $_test_no in
*[!0-9]* | '') _test_no=99 ;;
esac
PORT_BASE=$((20000 + 10#$_test_no * 20 + ${WEIR_TEST_PORT_OFFSET:-0}))
port()
{
	echo $((PORT_BASE + $1))
}

note()
{
	echo "# $*"
}

fail()
{
	echo "FAIL: $TEST_NAME: $*" >&2
	if [ -s "$WEIR_LOG" ]; then
		echo "--- last lines of $WEIR_LOG" >&2
		tail -n 30 "$WEIR_LOG" >&2
	fi
	exit 1
}

assert_eq()
{
	# assert_eq GOT WANT WHAT
	[ "$1" = "$2" ] || fail "${3:-value}: expected '$2', got '$1'"
}

assert_contains()
{
	# assert_contains HAYSTACK NEEDLE WHAT (fixed string)
	case $1 in
	*"$2"*) ;;
	*) fail "${3:-output}: expected to contain '$2'; got:
$1" ;;
	esac
}

assert_not_contains()
{
	case $1 in
	*"$2"*) fail "${3:-output}: must not contain '$2'; got:
$1" ;;
	esac
}

assert_match()
{
	# assert_match TEXT ERE WHAT: some line of TEXT matches ERE
	# A here-string, not a pipe: under pipefail "printf | grep -q" fails
	# when grep exits at its first match before printf is done writing.
	grep -Eq -- "$2" <<<"$1" ||
	    fail "${3:-output}: expected a line matching /$2/; got:
$1"
}

assert_no_match()
{
	if grep -Eq -- "$2" <<<"$1"; then
		fail "${3:-output}: expected no line matching /$2/; got:
$1"
	fi
}

# field TEXT KEY: value of the first "KEY=value" line of TEXT (echo.cgi output).
# (No pipes into "head" or "grep -q" here: under pipefail the writer's
# SIGPIPE would fail the caller at random.)
field()
{
	sed -n "/^$2=/{s/^$2=//p;q}" <<<"$1"
}

# header TEXT NAME: value of the first "HEADER Name: value" line of rawhttp
# --parse output, or of a "Name: value" line of curl -i/-D output
# (case-insensitive name).
header()
{
	tr -d '\r' <<<"$1" |
	    sed -n "/^\(HEADER \)\{0,1\}$2: */I{s/^\(HEADER \)\{0,1\}$2: *//I;p;q}"
}

# is_listening PORT: something listens on 127.0.0.1:PORT. Uses ss rather than
# connecting, so the probe is not a connection the proxy has to serve.
is_listening()
{
	[ -n "$(ss -Htln "sport = :$1" 2>/dev/null)" ]
}

# wait_port PORT [SECONDS] [PID]: wait until PORT listens; fail if it does not
# or if PID exits first.
wait_port()
{
	local p=$1 secs=${2:-10} pid=${3:-} i
	for ((i = 0; i < secs * 20; i++)); do
		is_listening "$p" && return 0
		if [ -n "$pid" ] && ! kill -0 "$pid" 2>/dev/null; then
			fail "process $pid exited before listening on port $p"
		fi
		sleep 0.05
	done
	fail "nothing listens on 127.0.0.1:$p after ${secs}s"
}

# wait_gone PID [SECONDS]: wait until PID no longer exists; 1 if it still does.
wait_gone()
{
	local pid=$1 secs=${2:-5} i
	for ((i = 0; i < secs * 20; i++)); do
		if ! kill -0 "$pid" 2>/dev/null; then
			wait "$pid" 2>/dev/null || true
			return 0
		fi
		# A zombie child of ours still answers kill -0: reap it.
		if [ "$(ps -o stat= -p "$pid" 2>/dev/null | cut -c1)" = Z ]; then
			wait "$pid" 2>/dev/null || true
			return 0
		fi
		sleep 0.05
	done
	return 1
}

# wait_exit PID SECONDS: wait for our child PID to exit and set EXIT_RC to its
# exit status; 1 if it is still running after SECONDS.
wait_exit()
{
	local pid=$1 secs=$2 i st
	for ((i = 0; i < secs * 20; i++)); do
		st=$(ps -o stat= -p "$pid" 2>/dev/null | cut -c1)
		if [ -z "$st" ] || [ "$st" = Z ]; then
			EXIT_RC=0
			wait "$pid" 2>/dev/null || EXIT_RC=$?
			return 0
		fi
		sleep 0.05
	done
	return 1
}

# stop_pid PID: TERM, wait up to 5 s, then KILL.
stop_pid()
{
	local pid=$1
	kill -0 "$pid" 2>/dev/null || { wait "$pid" 2>/dev/null || true; return 0; }
	kill -TERM "$pid" 2>/dev/null || true
	if ! wait_gone "$pid" 5; then
		kill -KILL "$pid" 2>/dev/null || true
		wait_gone "$pid" 2 || true
	fi
}

track()
{
	_PIDS+=("$1")
}

_cleanup()
{
	local rc=$? i pid kids
	set +e
	for ((i = ${#_WEIR_MASTERS[@]} - 1; i >= 0; i--)); do
		pid=${_WEIR_MASTERS[i]}
		kids=$(pgrep -P "$pid" 2>/dev/null)
		stop_pid "$pid"
		for k in $kids; do
			kill -KILL "$k" 2>/dev/null
		done
	done
	for ((i = ${#_PIDS[@]} - 1; i >= 0; i--)); do
		stop_pid "${_PIDS[i]}"
	done
	if [ -f "$WEIR_LOG" ] &&
	    grep -Eq 'ERROR: (AddressSanitizer|LeakSanitizer)|runtime error:|==[0-9]+== (Invalid|Conditional|Use of uninit)' "$WEIR_LOG"; then
		echo "FAIL: $TEST_NAME: sanitizer/valgrind report in weir's log:" >&2
		grep -E -A 30 'ERROR: (AddressSanitizer|LeakSanitizer)|runtime error:|==[0-9]+== (Invalid|Conditional|Use of uninit)' \
		    "$WEIR_LOG" | head -n 60 >&2
		rc=1
	fi
	if [ "${WEIR_TEST_KEEP:-0}" = 1 ]; then
		echo "# kept $T" >&2
	else
		rm -rf "$T"
	fi
	exit "$rc"
}
trap _cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# make_docroot NAME LABEL: $T/NAME/htdocs with index.html "LABEL", a "name"
# file that echo.cgi reports, and the CGI fixtures, which append
# "METHOD URI" to requests.log there for every request they serve (lighttpd
# buffers its own access log). Prints the path.
make_docroot()
{
	local name=$1 label=${2:-$1} d=$T/$1/htdocs
	mkdir -p "$d"
	printf '%s\n' "$label" >"$d/index.html"
	printf '%s\n' "$label" >"$d/name"
	cp "$FIXTURES"/*.cgi "$d/"
	: >"$d/requests.log"
	chmod 755 "$T/$1" "$d" "$d"/*.cgi
	chmod 666 "$d/requests.log"
	echo "$d"
}

# start_lighttpd NAME PORT [DOCROOT]: lighttpd on 127.0.0.1:PORT in the
# foreground, CGI on *.cgi, keep-alive for many requests, bodies up to 32 MiB.
# Sets LAST_PID. Access log (buffered by lighttpd): $T/NAME/access.log.
start_lighttpd()
{
	local name=$1 p=$2 docroot=${3:-} dir=$T/$1
	[ -n "$docroot" ] || docroot=$(make_docroot "$name" "$name")
	mkdir -p "$dir"
	cat >"$dir/lighttpd.conf" <<EOF
server.modules = ("mod_cgi", "mod_accesslog")
server.bind = "127.0.0.1"
server.port = $p
server.document-root = "$docroot"
server.errorlog = "$dir/error.log"
server.upload-dirs = ("$dir")
accesslog.filename = "$dir/access.log"
accesslog.format = "%h %{remote_port}e \"%r\" %>s %b"
index-file.names = ("index.html")
mimetype.assign = (".html" => "text/html", ".txt" => "text/plain", "" => "application/octet-stream")
cgi.assign = (".cgi" => "")
server.max-keep-alive-requests = 10000
server.max-keep-alive-idle = 60
server.max-request-size = 32768
server.stream-response-body = 2
server.max-fds = 1024
EOF
	lighttpd -D -f "$dir/lighttpd.conf" >>"$dir/stderr.log" 2>&1 &
	LAST_PID=$!
	track "$LAST_PID"
	wait_port "$p" 10 "$LAST_PID"
}

# start_apache NAME PORT [DOCROOT]: Apache (event MPM, mod_cgid) on
# 127.0.0.1:PORT in the foreground, with its own ServerRoot under $T.
# Sets LAST_PID. Access log "%a %{remote}p \"%r\" %>s %b": $T/NAME/access.log.
start_apache()
{
	local name=$1 p=$2 docroot=${3:-} dir=$T/$1 mods=/usr/lib/apache2/modules
	local user_lines=
	[ -n "$docroot" ] || docroot=$(make_docroot "$name" "$name")
	mkdir -p "$dir/run"
	if [ "$(id -u)" = 0 ]; then
		user_lines="User www-data
Group www-data"
		chown www-data "$dir/run"
	fi
	cat >"$dir/apache2.conf" <<EOF
ServerRoot "$dir"
ServerName localhost
DefaultRuntimeDir "$dir/run"
PidFile "$dir/run/apache2.pid"
Mutex file:$dir/run default
$user_lines
LoadModule mpm_event_module $mods/mod_mpm_event.so
LoadModule authz_core_module $mods/mod_authz_core.so
LoadModule mime_module $mods/mod_mime.so
LoadModule dir_module $mods/mod_dir.so
LoadModule alias_module $mods/mod_alias.so
LoadModule cgid_module $mods/mod_cgid.so
ScriptSock "$dir/run/cgid.sock"
Listen 127.0.0.1:$p
ErrorLog "$dir/error.log"
LogLevel warn
LogFormat "%a %{remote}p \"%r\" %>s %b" weirtest
CustomLog "$dir/access.log" weirtest
KeepAlive On
MaxKeepAliveRequests 0
KeepAliveTimeout 60
Timeout 30
StartServers 1
ServerLimit 2
ThreadsPerChild 32
MaxRequestWorkers 64
LimitRequestBody 0
TypesConfig /dev/null
AddType text/html .html
AddType text/plain .txt
AddHandler cgi-script .cgi
DocumentRoot "$docroot"
<Directory />
	AllowOverride None
	Require all denied
</Directory>
<Directory "$docroot">
	Options +ExecCGI
	DirectoryIndex index.html
	Require all granted
</Directory>
EOF
	# APACHE_EXTRA: more configuration lines (mod_ssl for a TLS backend).
	[ -z "${APACHE_EXTRA:-}" ] || printf '%s\n' "$APACHE_EXTRA" >>"$dir/apache2.conf"
	apache2 -f "$dir/apache2.conf" -DFOREGROUND >>"$dir/stderr.log" 2>&1 &
	LAST_PID=$!
	track "$LAST_PID"
	if ! (wait_port "$p" 10 "$LAST_PID"); then
		cat "$dir/stderr.log" "$dir/error.log" >&2 2>/dev/null
		fail "apache $name did not start"
	fi
}

# start_strict_backend PORT DIR: a backend that answers each request with
# 200 if it is strictly unambiguous, and records every byte it receives,
# per connection, under DIR (backends/strict_backend.py says what it
# accepts; "strict_backend check DIR" judges the recording afterwards).
strict_backend()
{
	python3 "$FIXTURES/strict_backend.py" "$@"
}
start_strict_backend()
{
	mkdir -p "$2"
	python3 "$FIXTURES/strict_backend.py" serve "$1" "$2" \
	    >>"$T/strict-backend-$1.log" 2>&1 &
	LAST_PID=$!
	track "$LAST_PID"
	wait_port "$1" 10 "$LAST_PID"
}

# start_blackhole PORT: a backend that accepts and reads but never answers.
start_blackhole()
{
	python3 "$FIXTURES/blackhole.py" "$1" >>"$T/blackhole-$1.log" 2>&1 &
	LAST_PID=$!
	track "$LAST_PID"
	wait_port "$1" 10 "$LAST_PID"
}

# start_recorder PORT DIR [recorder.py options]: a backend that writes each
# connection's received bytes to DIR/N.req and how it ended to DIR/ends, and
# answers with canned bytes (see backends/recorder.py).
start_recorder()
{
	local p=$1
	shift
	python3 "$FIXTURES/recorder.py" "$p" "$@" >>"$T/recorder-$p.log" 2>&1 &
	LAST_PID=$!
	track "$LAST_PID"
	wait_port "$p" 10 "$LAST_PID"
}

# WebSocket peers (backends/wsecho.py, backends/wsclient.py) run on the
# "websockets" library (Debian python3-websockets): the first python3 that
# has it, the PATH's or the system's.
ws_python()
{
	local py
	for py in python3 /usr/bin/python3; do
		if "$py" -c 'import websockets' 2>/dev/null; then
			echo "$py"
			return 0
		fi
	done
	fail "no python3 with the websockets module (apt-get install python3-websockets)"
}

# start_wsecho PORT [--tls CERT KEY] [--name NAME]: a WebSocket echo server
# on 127.0.0.1:PORT; each connection's end is logged in $T/wsecho-PORT.log.
start_wsecho()
{
	local p=$1
	shift
	"$(ws_python)" "$FIXTURES/wsecho.py" "$p" "$@" >>"$T/wsecho-$p.log" 2>&1 &
	LAST_PID=$!
	track "$LAST_PID"
	wait_port "$p" 10 "$LAST_PID"
}

# wsclient URL [--ca FILE] [--connect HOST:PORT] STEP...: one WebSocket
# connection and its steps (backends/wsclient.py says which); its output.
wsclient()
{
	"$(ws_python)" "$FIXTURES/wsclient.py" "$@"
}

# listen_ports CONFIG: the ports of every service's "listen" in CONFIG.
listen_ports()
{
	python3 - "$1" <<'EOF'
import json, sys
conf = json.load(open(sys.argv[1]))
for svc in conf.get("services", {}).values():
    ls = svc.get("listen", [])
    for a in [ls] if isinstance(ls, str) else ls:
        print(a.rsplit(":", 1)[1])
EOF
}

# start_weir CONFIG [PORT...]: run "$WEIR -c CONFIG -f" in the background,
# stdout and stderr appended to $WEIR_LOG; wait until every PORT (default:
# every listen port in CONFIG) listens. Sets WEIR_PID (the master).
start_weir()
{
	local conf=$1 p
	shift
	[ -x "$WEIR" ] || fail "weir binary not found at $WEIR (build first)"
	echo "--- start_weir $conf" >>"$WEIR_LOG"
	# shellcheck disable=SC2086
	${WEIR_WRAPPER:-} "$WEIR" -c "$conf" -f >>"$WEIR_LOG" 2>&1 &
	WEIR_PID=$!
	_WEIR_MASTERS+=("$WEIR_PID")
	local ports=("$@")
	[ ${#ports[@]} -gt 0 ] || mapfile -t ports < <(listen_ports "$conf")
	for p in "${ports[@]}"; do
		wait_port "$p" 10 "$WEIR_PID"
	done
}

# stop_weir: TERM the master and wait for it (5 s, then KILL and fail).
stop_weir()
{
	local pid=$WEIR_PID
	kill -TERM "$pid" 2>/dev/null || true
	wait_gone "$pid" 5 || { kill -KILL "$pid"; fail "weir master $pid ignored TERM for 5 s"; }
}

# weir_children: pids of the master's children, one per line.
weir_children()
{
	pgrep -P "$WEIR_PID" || true
}

# wait_children N: until the master has N children (the port listens as
# soon as the master binds, before it forks; under valgrind, well before).
wait_children()
{
	local i
	for i in $(seq 1 100); do
		[ "$(weir_children | wc -l)" -ge "$1" ] && return 0
		sleep 0.1
	done
	fail "weir has $(weir_children | wc -l) children, expected $1"
}

# get URL [curl args...]: body of a GET, failing the test on transport errors.
get()
{
	local url=$1
	shift
	curl -sS --max-time 10 "$@" "$url" || fail "curl $url failed"
}

# status URL [curl args...]: just the status code.
status()
{
	local url=$1
	shift
	curl -s -o /dev/null -w '%{http_code}' --max-time 10 "$@" "$url" || true
}

# backend_check ADDR: "STATE OK AT_UNIX DETAIL" of backend ADDR from
# weirctl stats --json (state under $T/run, as conf_globals sets it).
backend_check()
{
	"$WEIRCTL" -s "$T/run" stats --json >"$T/stats.json" ||
	    fail "weirctl stats --json exited $?"
	python3 - "$T/stats.json" "$1" <<'PY' || fail "weirctl stats --json: $(cat "$T/stats.json")"
import json, sys
s = json.load(open(sys.argv[1]))
for p in s["pools"]:
    for b in p["backends"]:
        if b["address"] == sys.argv[2]:
            c = b["check"]
            print(b["state"], "true" if c["ok"] else "false",
                  c["at_unix"], c["detail"])
            sys.exit(0)
sys.exit("no backend %s" % sys.argv[2])
PY
}

# wait_backend ADDR ERE SECONDS: poll until backend ADDR's backend_check
# line matches ERE; prints the line; fails after SECONDS.
wait_backend()
{
	local addr=$1 re=$2 secs=$3 i line
	for ((i = 0; i < secs * 20; i++)); do
		line=$(backend_check "$addr")
		if grep -Eq -- "$re" <<<"$line"; then
			echo "$line"
			return 0
		fi
		sleep 0.05
	done
	fail "backend $addr: expected /$re/ within ${secs}s; last: $line"
}

# make_file PATH MIB: PATH filled with MIB MiB of random bytes.
make_file()
{
	head -c $(($2 * 1024 * 1024)) /dev/urandom >"$1"
}

md5()
{
	md5sum <"$1" | cut -d' ' -f1
}

# log_events REGEX FILE: how many times the error log FILE says what the
# awk REGEX matches: 1 for each line it matches, N for each that ends in
# " (N more times in the last 10 s)" and matches without that end (a
# repeat is counted, not written: see common/log.c). A count is written
# when its window ends or its process stops.
log_events()
{
	awk -v re="$1" '
	{
		k = 1
		if (match($0, / \([0-9]+ more times? in the last 10 s\)$/)) {
			k = substr($0, RSTART + 2) + 0
			$0 = substr($0, 1, RSTART - 1)
		}
		if ($0 ~ re)
			n += k
	}
	END { print n + 0 }' "$2"
}

# conf_globals WORKERS: the top-level keys every test config shares (state
# under $T, logs to weir's stderr, no health checks unless a test adds them).
conf_globals()
{
	mkdir -p "$T/run"
	cat <<EOF
  "workers": $1,
  "state_dir": "$T/run",
  "pidfile": "$T/run/weir.pid",
  "log_level": "info",
EOF
}

# backend_field ADDR KEY: backend ADDR's KEY (a dotted path such as
# check.ok) in weirctl stats --json (state under $T/run), "none" when no
# pool lists it.
backend_field()
{
	"$WEIRCTL" -s "$T/run" stats --json | python3 -c '
import json, sys
s = json.load(sys.stdin)
b = [b for p in s["pools"] for b in p["backends"] if b["address"] == sys.argv[1]]
v = b[0] if b else None
for k in sys.argv[2].split("."):
    v = v[k] if v is not None else None
print("none" if v is None else v)' "$1" "$2"
}

# start_slow NAME URL DOCROOT: a GET of URL in the background (status in
# $T/NAME.code, body in $T/NAME.body, curl's errors in $T/NAME.err), once
# the CGI fixtures of DOCROOT logged it. Sets SLOW_PID.
start_slow()
{
	local path=/${2#*://*/} i
	curl -sS --max-time 20 -o "$T/$1.body" -w '%{http_code}' "$2" \
	    >"$T/$1.code" 2>"$T/$1.err" &
	SLOW_PID=$!
	track "$SLOW_PID"
	for ((i = 0; i < 100; i++)); do
		grep -qF "GET $path" "$3/requests.log" && return 0
		sleep 0.05
	done
	fail "the slow request $1 ($path) did not reach $3"
}

pass()
{
	echo "ok $TEST_NAME"
}
