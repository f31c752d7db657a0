#!/usr/bin/env bash
# make bench: weir, HAProxy and nginx, each with one worker/thread, in front
# of the same two lighttpd backends on 127.0.0.1, under the same wrk load
# (-t2 -c64, keep-alive). Prints req/s and p50/p99 latency per proxy and
# weir's req/s as a ratio of each other proxy's.
#
# Environment: top_builddir/top_srcdir (make sets them), BENCH_DURATION
# (seconds per run, default 10), BENCH_CONNECTIONS (default 64),
# BENCH_PATHS (default "/1k.bin /small.txt"), BENCH_PORT (first of 6 ports,
# default 30080), BENCH_NO_INSTALL=1 to skip apt-get.
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
DUR=${BENCH_DURATION:-10}
CONNS=${BENCH_CONNECTIONS:-64}
PATHS=${BENCH_PATHS:-/1k.bin /small.txt}
BASE=${BENCH_PORT:-30080}
B1=$BASE
B2=$((BASE + 1))
declare -A PORT=([weir]=$((BASE + 2)) [haproxy]=$((BASE + 3)) [nginx]=$((BASE + 4)))
PROXIES="weir haproxy nginx"

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
	ss -Htln "sport = :$1" | grep -q .
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

# Backends: two lighttpd, each serving the same small files.
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

declare -A STATUS
declare -A PROXY_PID

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

for px in $PROXIES; do
	STATUS[$px]=ok
	"start_$px" || continue
	if ! wait_port "${PORT[$px]}" "${PROXY_PID[$px]}"; then
		STATUS[$px]="did not start: $(tail -n 3 "$D/$px/log" | tr '\n' ' ')"
		continue
	fi
	body=$(curl -s --max-time 5 "http://127.0.0.1:${PORT[$px]}/small.txt" || true)
	if [ "$body" != "hello from weir's bench" ]; then
		STATUS[$px]="wrong answer to a test request: '${body:0:80}'"
	fi
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
failed=0
echo "bench: wrk -t2 -c$CONNS -d${DUR}s --latency, backends lighttpd 127.0.0.1:$B1 and :$B2"
for path in $PATHS; do
	for px in $PROXIES; do
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

for path in $PATHS; do
	echo
	echo "GET $path"
	printf '%-9s %12s %10s %10s %8s\n' proxy req/s "p50 ms" "p99 ms" errors
	for px in $PROXIES; do
		k=$px$path
		if [ "${RPS[$k]:--}" = - ]; then
			printf '%-9s %12s   FAILED: %s\n' "$px" - "${STATUS[$px]}"
			continue
		fi
		printf '%-9s %12s %10s %10s %8s\n' "$px" "${RPS[$k]}" "${P50[$k]}" "${P99[$k]}" "${ERRS[$k]}"
	done
	w=${RPS[weir$path]:--}
	for px in haproxy nginx; do
		o=${RPS[$px$path]:--}
		if [ "$w" != - ] && [ "$o" != - ] && [ "$o" -gt 0 ]; then
			printf 'weir/%-8s req/s ratio: %s\n' "$px" "$(awk -v a="$w" -v b="$o" 'BEGIN {printf "%.2f", a / b}')"
		else
			printf 'weir/%-8s req/s ratio: n/a\n' "$px"
		fi
	done
done

echo
for px in $PROXIES; do
	if [ "${STATUS[$px]}" != ok ]; then
		echo "bench: $px FAILED: ${STATUS[$px]}"
		failed=1
	fi
	for path in $PATHS; do
		if [ "${ERRS[$px$path]:-0}" != 0 ]; then
			echo "bench: $px had ${ERRS[$px$path]} errors on $path (its figures are not comparable)"
			failed=1
		fi
	done
done
exit "$failed"
