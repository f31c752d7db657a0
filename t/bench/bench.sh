#!/usr/bin/env bash
# make bench: two sections under the same wrk load (-t2 -c64, keep-alive).
# Proxy: weir, HAProxy and nginx, each with one worker/thread, in front of
# the same two lighttpd backends on 127.0.0.1. Static files: weir's
# web_server role (1 worker), nginx (1 worker, sendfile on) and lighttpd (one
# process) serving the same 1 KiB and 1 MiB files from one docroot. Prints
# req/s and p50/p99 latency per server and weir's req/s as a ratio of each
# other server's.
#
# Environment: top_builddir/top_srcdir (make sets them), BENCH_SECONDS
# (seconds per run, default 10; BENCH_DURATION is an older name for it),
# BENCH_CONNECTIONS (default 64), BENCH_PATHS (proxy section, default
# "/1k.bin /small.txt"), BENCH_STATIC_PATHS (static section, default
# "/1k.bin /1m.bin"), BENCH_SECTIONS (default "proxy static"), BENCH_PORT
# (first of 9 ports, default 30080), BENCH_NO_INSTALL=1 to skip apt-get.
# Exit status: 0 when every proxy ran cleanly, 1 otherwise (e.g. weir missing).

set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
top_srcdir=${top_srcdir:-$(cd "$here/../.." && pwd)}
if [ -z "${top_builddir:-}" ]; then
	top_builddir=$top_srcdir
	[ -x "$top_builddir/weir" ] || [ ! -x "$top_srcdir/_build/weir" ] ||
	    top_builddir=$top_srcdir/_build
fi
WEIR=$top_builddir/weir
DUR=${BENCH_SECONDS:-${BENCH_DURATION:-10}}
CONNS=${BENCH_CONNECTIONS:-64}
PATHS=${BENCH_PATHS:-/1k.bin /small.txt}
STATIC_PATHS=${BENCH_STATIC_PATHS:-/1k.bin /1m.bin}
SECTIONS=${BENCH_SECTIONS:-proxy static}
BASE=${BENCH_PORT:-30080}
B1=$BASE
B2=$((BASE + 1))
# BASE + 5 is left free.
declare -A PORT=([weir]=$((BASE + 2)) [haproxy]=$((BASE + 3)) [nginx]=$((BASE + 4))
    [ws_weir]=$((BASE + 6)) [ws_nginx]=$((BASE + 7)) [ws_lighttpd]=$((BASE + 8)))
PROXIES=
STATICS=
for sec in $SECTIONS; do
	case $sec in
	proxy) PROXIES="weir haproxy nginx" ;;
	static) STATICS="ws_weir ws_nginx ws_lighttpd" ;;
	*) echo "bench: unknown section '$sec' in BENCH_SECTIONS" >&2; exit 1 ;;
	esac
done

if [ "${BENCH_NO_INSTALL:-0}" != 1 ]; then
	. "$top_srcdir/t/deps.sh"
	need_packages wrk haproxy nginx lighttpd curl iproute2 procps
fi

D=$(mktemp -d /tmp/weir-bench.XXXXXX)
chmod 755 "$D"
pids=()
cleanup()
{
	local i
	for ((i = ${#pids[@]} - 1; i >= 0; i--)); do
		kill -TERM "${pids[i]}" 2>/dev/null || true
	done
	for ((i = ${#pids[@]} - 1; i >= 0; i--)); do
		timeout 5 tail --pid="${pids[i]}" -f /dev/null 2>/dev/null ||
		    kill -KILL "${pids[i]}" 2>/dev/null || true
		wait "${pids[i]}" 2>/dev/null || true
	done
	rm -rf "$D"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

listening()
{
	[ -n "$(ss -Htln "sport = :$1")" ]
}

# wait_port PORT PID: 0 once PORT listens, 1 if PID dies or 10 s pass.
wait_port()
{
	local i
	for ((i = 0; i < 200; i++)); do
		listening "$1" && return 0
		kill -0 "$2" 2>/dev/null || return 1
		sleep 0.05
	done
	return 1
}

for p in "$B1" "$B2" "${PORT[@]}"; do
	if listening "$p"; then
		echo "bench: port $p is in use; set BENCH_PORT to another base" >&2
		exit 1
	fi
done

declare -A STATUS
declare -A PROXY_PID

# Backends of the proxy section: two lighttpd, each serving the same small
# files.
start_backends()
{
	local n b port
	for n in 1 2; do
		b=$D/backend$n
		mkdir -p "$b/htdocs"
		echo "hello from weir's bench" >"$b/htdocs/small.txt"
		head -c 1024 /dev/zero | tr '\0' x >"$b/htdocs/1k.bin"
		port=$B1
		[ "$n" = 2 ] && port=$B2
		cat >"$b/lighttpd.conf" <<EOF
server.bind = "127.0.0.1"
server.port = $port
server.document-root = "$b/htdocs"
server.errorlog = "$b/error.log"
server.max-keep-alive-requests = 1000000
server.max-keep-alive-idle = 60
server.max-connections = 2048
server.max-fds = 4096
mimetype.assign = (".txt" => "text/plain", "" => "application/octet-stream")
EOF
		lighttpd -D -f "$b/lighttpd.conf" >"$b/stderr.log" 2>&1 &
		pids+=($!)
		wait_port "$port" $! || { cat "$b/stderr.log" "$b/error.log" >&2; exit 1; }
	done
}

start_weir()
{
	mkdir -p "$D/weir/run"
	cat >"$D/weir/weir.json" <<EOF
{
  "workers": 1,
  "state_dir": "$D/weir/run",
  "pidfile": "$D/weir/run/weir.pid",
  "log_level": "warn",
  "pools": {"web": {"balance": "roundrobin", "health": false, "persist": true,
                    "backends": ["127.0.0.1:$B1", "127.0.0.1:$B2"]}},
  "services": {"bench": {"listen": "127.0.0.1:${PORT[weir]}", "pool": "web"}}
}
EOF
	if [ ! -x "$WEIR" ]; then
		STATUS[weir]="not built ($WEIR missing)"
		return 1
	fi
	"$WEIR" -c "$D/weir/weir.json" -f >"$D/weir/log" 2>&1 &
	PROXY_PID[weir]=$!
	pids+=($!)
}

start_haproxy()
{
	mkdir -p "$D/haproxy"
	cat >"$D/haproxy/haproxy.cfg" <<EOF
global
	nbthread 1
	maxconn 4096

defaults
	mode http
	timeout connect 3s
	timeout client 30s
	timeout server 30s
	option http-keep-alive
	option forwardfor
	http-reuse safe

frontend bench
	bind 127.0.0.1:${PORT[haproxy]}
	default_backend web

backend web
	balance roundrobin
	server b1 127.0.0.1:$B1
	server b2 127.0.0.1:$B2
EOF
	haproxy -db -f "$D/haproxy/haproxy.cfg" >"$D/haproxy/log" 2>&1 &
	PROXY_PID[haproxy]=$!
	pids+=($!)
}

start_nginx()
{
	mkdir -p "$D/nginx/logs"
	cat >"$D/nginx/nginx.conf" <<EOF
worker_processes 1;
daemon off;
pid $D/nginx/nginx.pid;
error_log $D/nginx/logs/error.log warn;
events {
	worker_connections 4096;
}
http {
	access_log off;
	upstream web {
		server 127.0.0.1:$B1;
		server 127.0.0.1:$B2;
		keepalive 32;
	}
	server {
		listen 127.0.0.1:${PORT[nginx]};
		location / {
			proxy_pass http://web;
			proxy_http_version 1.1;
			proxy_set_header Connection "";
			proxy_set_header X-Forwarded-For \$proxy_add_x_forwarded_for;
		}
	}
}
EOF
	nginx -p "$D/nginx/" -c "$D/nginx/nginx.conf" -e "$D/nginx/logs/error.log" \
	    >"$D/nginx/log" 2>&1 &
	PROXY_PID[nginx]=$!
	pids+=($!)
}

# The static section's docroot, shared by its three servers.
WS_ROOT=$D/static/htdocs
make_static_root()
{
	mkdir -p "$WS_ROOT"
	head -c 1024 /dev/zero | tr '\0' x >"$WS_ROOT/1k.bin"
	head -c $((1024 * 1024)) /dev/urandom >"$WS_ROOT/1m.bin"
	chmod -R a+rX "$D/static"
}

start_ws_weir()
{
	mkdir -p "$D/ws_weir/run"
	cat >"$D/ws_weir/weir.json" <<EOF
{
  "workers": 1,
  "state_dir": "$D/ws_weir/run",
  "pidfile": "$D/ws_weir/run/weir.pid",
  "log_level": "warn",
  "services": {"files": {"role": "web_server",
                         "listen": "127.0.0.1:${PORT[ws_weir]}",
                         "docroot": "$WS_ROOT"}}
}
EOF
	if [ ! -x "$WEIR" ]; then
		STATUS[ws_weir]="not built ($WEIR missing)"
		return 1
	fi
	"$WEIR" -c "$D/ws_weir/weir.json" -f >"$D/ws_weir/log" 2>&1 &
	PROXY_PID[ws_weir]=$!
	pids+=($!)
}

start_ws_nginx()
{
	mkdir -p "$D/ws_nginx/logs"
	cat >"$D/ws_nginx/nginx.conf" <<EOF
worker_processes 1;
daemon off;
pid $D/ws_nginx/nginx.pid;
error_log $D/ws_nginx/logs/error.log warn;
events {
	worker_connections 4096;
}
http {
	access_log off;
	sendfile on;
	tcp_nopush on;
	keepalive_requests 1000000;
	keepalive_timeout 60s;
	types {
		text/plain txt;
	}
	default_type application/octet-stream;
	server {
		listen 127.0.0.1:${PORT[ws_nginx]};
		root $WS_ROOT;
	}
}
EOF
	nginx -p "$D/ws_nginx/" -c "$D/ws_nginx/nginx.conf" \
	    -e "$D/ws_nginx/logs/error.log" >"$D/ws_nginx/log" 2>&1 &
	PROXY_PID[ws_nginx]=$!
	pids+=($!)
}

# lighttpd serves from one process unless server.max-worker says otherwise.
start_ws_lighttpd()
{
	mkdir -p "$D/ws_lighttpd"
	cat >"$D/ws_lighttpd/lighttpd.conf" <<EOF
server.bind = "127.0.0.1"
server.port = ${PORT[ws_lighttpd]}
server.document-root = "$WS_ROOT"
server.errorlog = "$D/ws_lighttpd/error.log"
server.max-keep-alive-requests = 1000000
server.max-keep-alive-idle = 60
server.max-connections = 2048
server.max-fds = 4096
mimetype.assign = (".txt" => "text/plain", "" => "application/octet-stream")
EOF
	lighttpd -D -f "$D/ws_lighttpd/lighttpd.conf" >"$D/ws_lighttpd/log" 2>&1 &
	PROXY_PID[ws_lighttpd]=$!
	pids+=($!)
}

# check_answer SERVER: "" when SERVER answers a test request correctly, else
# what was wrong.
check_answer()
{
	local px=$1 u=http://127.0.0.1:${PORT[$1]} body got want
	case $px in
	ws_*)
		got=$(curl -s --max-time 5 "$u/1m.bin" | md5sum | cut -d' ' -f1)
		want=$(md5sum <"$WS_ROOT/1m.bin" | cut -d' ' -f1)
		[ "$got" = "$want" ] || { echo "wrong bytes for /1m.bin"; return; }
		got=$(curl -s --max-time 5 -o /dev/null -w '%{http_code} %{size_download}' "$u/1k.bin")
		[ "$got" = "200 1024" ] || echo "wrong answer for /1k.bin: '$got'"
		;;
	*)
		body=$(curl -s --max-time 5 "$u/small.txt" || true)
		[ "$body" = "hello from weir's bench" ] ||
		    echo "wrong answer to a test request: '${body:0:80}'"
		;;
	esac
}

[ -z "$PROXIES" ] || start_backends
[ -z "$STATICS" ] || make_static_root
for px in $PROXIES $STATICS; do
	STATUS[$px]=ok
	"start_$px" || continue
	if ! wait_port "${PORT[$px]}" "${PROXY_PID[$px]}"; then
		STATUS[$px]="did not start: $(tail -n 3 "$D/$px/log" | tr '\n' ' ')"
		continue
	fi
	why=$(check_answer "$px")
	[ -z "$why" ] || STATUS[$px]=$why
done

# to_ms VALUE: wrk's "812.00us" / "1.23ms" / "2.01s" in milliseconds.
to_ms()
{
	awk -v v="$1" 'BEGIN {
		n = v + 0
		if (v ~ /us$/) n /= 1000
		else if (v ~ /ms$/) n = n
		else if (v ~ /m$/) n *= 60000
		else if (v ~ /s$/) n *= 1000
		printf "%.3f", n
	}'
}

declare -A RPS P50 P99 ERRS

# measure "SERVERS" "PATHS": one wrk run per server and path.
measure()
{
	local path px k out non2xx sock
	for path in $2; do
		for px in $1; do
			k=$px$path
			if [ "${STATUS[$px]}" != ok ]; then
				RPS[$k]=-
				continue
			fi
			out=$(timeout $((DUR + 20)) wrk -t2 -c"$CONNS" -d"${DUR}s" --latency \
			    "http://127.0.0.1:${PORT[$px]}$path" 2>&1) || {
				STATUS[$px]="wrk failed or hung: $(echo "$out" | tail -n 2 | tr '\n' ' ')"
				RPS[$k]=-
				continue
			}
			RPS[$k]=$(awk '/^Requests\/sec:/ {printf "%.0f", $2}' <<<"$out")
			P50[$k]=$(to_ms "$(awk '$1 == "50%" {print $2}' <<<"$out")")
			P99[$k]=$(to_ms "$(awk '$1 == "99%" {print $2}' <<<"$out")")
			non2xx=$(awk '/Non-2xx or 3xx responses:/ {print $NF}' <<<"$out")
			sock=$(awk '/Socket errors:/ {gsub(",", ""); print $4 + $6 + $8 + $10}' <<<"$out")
			ERRS[$k]=$((${non2xx:-0} + ${sock:-0}))
			if ! kill -0 "${PROXY_PID[$px]}" 2>/dev/null; then
				STATUS[$px]="died during the run: $(tail -n 3 "$D/$px/log" | tr '\n' ' ')"
			fi
		done
	done
}

# report TITLE "SERVERS" "PATHS" WEIR "OTHERS": a table per path, then WEIR's
# req/s as a ratio of each of OTHERS'. Names print without their "ws_".
report()
{
	local title=$1 servers=$2 paths=$3 weir=$4 others=$5 path px k w o
	for path in $paths; do
		echo
		echo "$title: GET $path"
		printf '%-9s %12s %10s %10s %8s\n' server req/s "p50 ms" "p99 ms" errors
		for px in $servers; do
			k=$px$path
			if [ "${RPS[$k]:--}" = - ]; then
				printf '%-9s %12s   FAILED: %s\n' "${px#ws_}" - "${STATUS[$px]}"
				continue
			fi
			printf '%-9s %12s %10s %10s %8s\n' "${px#ws_}" "${RPS[$k]}" \
			    "${P50[$k]}" "${P99[$k]}" "${ERRS[$k]}"
		done
		w=${RPS[$weir$path]:--}
		for px in $others; do
			o=${RPS[$px$path]:--}
			if [ "$w" != - ] && [ "$o" != - ] && [ "$o" -gt 0 ]; then
				printf 'weir/%-8s req/s ratio: %s\n' "${px#ws_}" \
				    "$(awk -v a="$w" -v b="$o" 'BEGIN {printf "%.2f", a / b}')"
			else
				printf 'weir/%-8s req/s ratio: n/a\n' "${px#ws_}"
			fi
		done
	done
}

echo "bench: wrk -t2 -c$CONNS -d${DUR}s --latency"
if [ -n "$PROXIES" ]; then
	echo "bench: proxy section: weir, haproxy, nginx in front of lighttpd 127.0.0.1:$B1 and :$B2"
	measure "$PROXIES" "$PATHS"
fi
if [ -n "$STATICS" ]; then
	echo "bench: static section: weir web_server, nginx, lighttpd (one worker each) serving $WS_ROOT"
	measure "$STATICS" "$STATIC_PATHS"
fi
[ -z "$PROXIES" ] || report proxy "$PROXIES" "$PATHS" weir "haproxy nginx"
[ -z "$STATICS" ] || report static "$STATICS" "$STATIC_PATHS" ws_weir "ws_nginx ws_lighttpd"

echo
failed=0
for px in $PROXIES $STATICS; do
	label=${px#ws_}
	paths=$PATHS
	case $px in ws_*) label="$label (static)"; paths=$STATIC_PATHS ;; esac
	if [ "${STATUS[$px]}" != ok ]; then
		echo "bench: $label FAILED: ${STATUS[$px]}"
		failed=1
	fi
	for path in $paths; do
		if [ "${ERRS[$px$path]:-0}" != 0 ]; then
			echo "bench: $label had ${ERRS[$px$path]} errors on $path (its figures are not comparable)"
			failed=1
		fi
	done
done
exit "$failed"
