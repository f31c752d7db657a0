#!/usr/bin/env bash
# make bench: five sections; proxy and static run the same wrk load
# (-t2 -c64, keep-alive).
# Proxy: weir, HAProxy and nginx, each with one worker/thread, in front of
# the same two lighttpd backends on 127.0.0.1. Static files: weir's
# web_server role (1 worker), nginx (1 worker, sendfile on) and lighttpd (one
# process) serving the same 1 KiB and 1 MiB files from one docroot. Prints
# req/s and p50/p99 latency per server and weir's req/s as a ratio of each
# other server's. TLS: weir and HAProxy (one worker/thread each) terminating
# TLS (1.2 and 1.3, default ciphers, the same ECDSA P-256 key and certificate)
# in front of the same lighttpd backends: full and resumed handshakes per
# second (one GET /small.txt per connection) and keep-alive req/s over TLS.
#
# Environment: top_builddir/top_srcdir (make sets them), BENCH_SECONDS
# (seconds per run, default 10; BENCH_DURATION is an older name for it),
# BENCH_CONNECTIONS (default 64), BENCH_PATHS (proxy section, default
# "/1k.bin /small.txt"), BENCH_STATIC_PATHS (static section, default
# "/1k.bin /1m.bin"), BENCH_SECTIONS (default "proxy static tls memory
# websocket"),
# BENCH_TLS_PATH (tls section's keep-alive path, default /1k.bin),
# BENCH_TLS_CLIENTS (tls section's parallel openssl s_time clients, default
# 8), BENCH_IDLE_CONNECTIONS (memory section, default 10000),
# BENCH_IDLE_TLS_CONNECTIONS (default 2000), BENCH_METRICS_BACKENDS (metrics
# section, default 100), BENCH_METRICS_CONNECTIONS (its wrk connections,
# default 4), BENCH_WS_CONNECTIONS, BENCH_WS_MIB, BENCH_WS_IDLE (websocket
# section), BENCH_PORT (first of 20 ports, default 30080),
# BENCH_NO_INSTALL=1 to skip apt-get.
#
# Metrics (not in the default sections): the cost of a Prometheus scrape,
# weir's stats role (/metrics, latency as histograms) against HAProxy's
# prometheus-exporter service, each with one pool of BENCH_METRICS_BACKENDS
# backends, under the same wrk load; and each answer's size.
#
# HTTP/2: weir, HAProxy and nginx (one worker/thread each) terminating TLS
# with ALPN h2 (the tls section's certificate) in front of the same
# lighttpd backends, loaded by h2load (BENCH_H2_CLIENTS connections,
# default 16, BENCH_H2_STREAMS concurrent streams each, default 10, on
# BENCH_H2_PATH, default /1k.bin): req/s, weir's ratio and CPU per request.
#
# Every wrk run also reads the server's CPU time (utime + stime of its
# processes, from /proc) and prints it per request: on a shared machine it
# is steadier than req/s. Memory: the proxy and tls section's servers hold
# BENCH_IDLE_CONNECTIONS idle keep-alive connections (each has had one
# request answered) and the growth of their resident memory is printed per
# connection, plain and over TLS.
# WebSocket: weir, HAProxy and nginx (one worker/thread each) tunnelling
# Upgrade requests to the same backend (t/bench/ws_tunnel.py, which echoes
# the bytes after its 101): BENCH_WS_CONNECTIONS tunnels (default 4) each
# carrying BENCH_WS_MIB MiB (default 256) there and back, with the proxy's
# throughput and CPU time per GiB; then BENCH_WS_IDLE idle tunnels (default
# 2000) and the growth of the proxy's resident memory per tunnel.
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
SECTIONS=${BENCH_SECTIONS:-proxy static tls h2 memory websocket}
H2_CLIENTS=${BENCH_H2_CLIENTS:-16}
H2_STREAMS=${BENCH_H2_STREAMS:-10}
H2_PATH=${BENCH_H2_PATH:-/1k.bin}
IDLE_CONNS=${BENCH_IDLE_CONNECTIONS:-10000}
IDLE_TLS_CONNS=${BENCH_IDLE_TLS_CONNECTIONS:-2000}
MEMORY=
TLS_PATH=${BENCH_TLS_PATH:-/1k.bin}
TLS_CLIENTS=${BENCH_TLS_CLIENTS:-8}
BASE=${BENCH_PORT:-30080}
B1=$BASE
B2=$((BASE + 1))
declare -A PORT=([weir]=$((BASE + 2)) [haproxy]=$((BASE + 3)) [nginx]=$((BASE + 4))
    [tls_weir]=$((BASE + 5)) [ws_weir]=$((BASE + 6)) [ws_nginx]=$((BASE + 7))
    [ws_lighttpd]=$((BASE + 8)) [tls_haproxy]=$((BASE + 9))
    [mx_weir]=$((BASE + 10)) [mx_haproxy]=$((BASE + 11)) [mx_proxy]=$((BASE + 12))
    [h2_weir]=$((BASE + 13)) [h2_haproxy]=$((BASE + 14)) [h2_nginx]=$((BASE + 15)))
MX_BACKENDS=${BENCH_METRICS_BACKENDS:-100}
# The websocket section's backend and proxies.
PORT[wst_backend]=$((BASE + 16))
PORT[wst_weir]=$((BASE + 17))
PORT[wst_haproxy]=$((BASE + 18))
PORT[wst_nginx]=$((BASE + 19))
WS_CONNS=${BENCH_WS_CONNECTIONS:-4}
WS_MIB=${BENCH_WS_MIB:-256}
WS_IDLE=${BENCH_WS_IDLE:-2000}
# Servers to start; the memory section uses the proxy and tls ones.
PROXIES=
STATICS=
TLSS=
MXS=
H2S=
DO_PROXY=
DO_TLS=
WSTS=
for sec in $SECTIONS; do
	case $sec in
	proxy) PROXIES="weir haproxy nginx"; DO_PROXY=1 ;;
	static) STATICS="ws_weir ws_nginx ws_lighttpd" ;;
	tls) TLSS="tls_weir tls_haproxy"; DO_TLS=1 ;;
	metrics) MXS="mx_weir mx_haproxy" ;;
	h2) H2S="h2_weir h2_haproxy h2_nginx" ;;
	memory)
		MEMORY=1
		PROXIES="weir haproxy nginx"
		TLSS="tls_weir tls_haproxy"
		;;
	websocket) WSTS="wst_weir wst_haproxy wst_nginx" ;;
	*) echo "bench: unknown section '$sec' in BENCH_SECTIONS" >&2; exit 1 ;;
	esac
done

if [ "${BENCH_NO_INSTALL:-0}" != 1 ]; then
	. "$top_srcdir/t/deps.sh"
	need_packages wrk haproxy nginx lighttpd curl iproute2 procps openssl \
	    nghttp2-client
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

# run_weir NAME: weir with $D/NAME/weir.json, in the background.
run_weir()
{
	if [ ! -x "$WEIR" ]; then
		STATUS[$1]="not built ($WEIR missing)"
		return 1
	fi
	"$WEIR" -c "$D/$1/weir.json" -f >"$D/$1/log" 2>&1 &
	PROXY_PID[$1]=$!
	pids+=($!)
}

# weir_proxy NAME [SERVICE_JSON]: weir as NAME, proxying to the backends,
# with SERVICE_JSON (e.g. "tls") added to its service.
weir_proxy()
{
	local px=$1 extra=${2:+, $2}
	mkdir -p "$D/$px/run"
	cat >"$D/$px/weir.json" <<EOF
{
  "workers": 1,
  "max_connections": $((IDLE_CONNS + 1000)),
  "state_dir": "$D/$px/run",
  "pidfile": "$D/$px/run/weir.pid",
  "log_level": "warn",
  "pools": {"web": {"balance": "roundrobin", "health": false, "persist": true,
                    "max_idle": 128,
                    "backends": ["127.0.0.1:$B1", "127.0.0.1:$B2"]}},
  "services": {"bench": {"listen": "127.0.0.1:${PORT[$px]}", "pool": "web"$extra}}
}
EOF
	run_weir "$px"
}

start_weir()
{
	weir_proxy weir
}

# haproxy_proxy NAME [BIND_OPTIONS]: HAProxy as NAME, proxying to the
# backends, with BIND_OPTIONS (e.g. "ssl crt FILE") on its bind line.
haproxy_proxy()
{
	local px=$1 bindopts=${2:+ $2}
	mkdir -p "$D/$px"
	cat >"$D/$px/haproxy.cfg" <<EOF
global
	nbthread 1
	maxconn $((IDLE_CONNS + 1000))
	ulimit-n 20000
	no strict-limits

defaults
	mode http
	timeout connect 3s
	timeout client 30s
	timeout server 30s
	option http-keep-alive
	option forwardfor
	http-reuse safe

frontend bench
	bind 127.0.0.1:${PORT[$px]}$bindopts
	default_backend web

backend web
	balance roundrobin
	server b1 127.0.0.1:$B1
	server b2 127.0.0.1:$B2
EOF
	haproxy -db -f "$D/$px/haproxy.cfg" >"$D/$px/log" 2>&1 &
	PROXY_PID[$px]=$!
	pids+=($!)
}

start_haproxy()
{
	haproxy_proxy haproxy
}

# The tls section's certificate, for both servers: a self-signed ECDSA P-256
# one for localhost; HAProxy reads it and its key from one file.
TLS_DIR=$D/tls
make_tls_cert()
{
	mkdir -p "$TLS_DIR"
	openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
	    -keyout "$TLS_DIR/key.pem" -out "$TLS_DIR/cert.pem" -days 2 \
	    -subj /CN=localhost -addext subjectAltName=DNS:localhost,IP:127.0.0.1 \
	    >"$TLS_DIR/openssl.log" 2>&1 || { cat "$TLS_DIR/openssl.log" >&2; exit 1; }
	cat "$TLS_DIR/cert.pem" "$TLS_DIR/key.pem" >"$TLS_DIR/combined.pem"
}

# Both offer TLS 1.2 and 1.3 (weir's default) with their default ciphers, and
# resume with tickets (their default; HAProxy also keeps a session cache).
start_tls_weir()
{
	weir_proxy tls_weir "\"tls\": {\"certificates\": [{\"cert\": \"$TLS_DIR/cert.pem\", \"key\": \"$TLS_DIR/key.pem\"}]}"
}

start_tls_haproxy()
{
	haproxy_proxy tls_haproxy "ssl crt $TLS_DIR/combined.pem ssl-min-ver TLSv1.2"
}

# HTTP/2 section: the tls section's certificate, ALPN h2 then http/1.1.
start_h2_weir()
{
	weir_proxy h2_weir "\"tls\": {\"certificates\": [{\"cert\": \"$TLS_DIR/cert.pem\", \"key\": \"$TLS_DIR/key.pem\"}]}"
}

start_h2_haproxy()
{
	haproxy_proxy h2_haproxy "ssl crt $TLS_DIR/combined.pem ssl-min-ver TLSv1.2 alpn h2,http/1.1"
}

start_h2_nginx()
{
	mkdir -p "$D/h2_nginx/logs"
	cat >"$D/h2_nginx/nginx.conf" <<EOF
worker_processes 1;
daemon off;
pid $D/h2_nginx/nginx.pid;
error_log $D/h2_nginx/logs/error.log warn;
events {
	worker_connections 4096;
}
http {
	access_log off;
	http2_max_requests 1000000;
	keepalive_requests 1000000;
	# h2load keeps up to 160 requests in flight: room for them all to
	# stay connected, as weir's max_idle 128 per backend gives.
	upstream web {
		server 127.0.0.1:$B1;
		server 127.0.0.1:$B2;
		keepalive 256;
	}
	server {
		listen 127.0.0.1:${PORT[h2_nginx]} ssl http2;
		ssl_certificate $TLS_DIR/cert.pem;
		ssl_certificate_key $TLS_DIR/key.pem;
		location / {
			proxy_pass http://web;
			proxy_http_version 1.1;
			proxy_set_header Connection "";
			proxy_set_header X-Forwarded-For \$proxy_add_x_forwarded_for;
		}
	}
}
EOF
	nginx -p "$D/h2_nginx/" -c "$D/h2_nginx/nginx.conf" \
	    -e "$D/h2_nginx/logs/error.log" >"$D/h2_nginx/log" 2>&1 &
	PROXY_PID[h2_nginx]=$!
	pids+=($!)
}

start_nginx()
{
	mkdir -p "$D/nginx/logs"
	cat >"$D/nginx/nginx.conf" <<EOF
worker_processes 1;
worker_rlimit_nofile $((2 * IDLE_CONNS + 1000));
daemon off;
pid $D/nginx/nginx.pid;
error_log $D/nginx/logs/error.log warn;
events {
	worker_connections $((IDLE_CONNS + 1000));
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

# The metrics section: one pool of MX_BACKENDS backends that nothing
# connects to (no health checks, no traffic), and what scrapes it.
# mx_backends: their addresses, one a line.
mx_backends()
{
	local i
	for ((i = 0; i < MX_BACKENDS; i++)); do
		echo "10.9.$((i / 250)).$((i % 250 + 1)):80"
	done
}

start_mx_weir()
{
	mkdir -p "$D/mx_weir/run"
	cat >"$D/mx_weir/weir.json" <<EOF
{
  "workers": 1,
  "state_dir": "$D/mx_weir/run",
  "pidfile": "$D/mx_weir/run/weir.pid",
  "log_level": "warn",
  "pools": {"web": {"health": false,
                    "backends": [$(mx_backends | sed 's/.*/"&"/' | paste -sd,)]}},
  "services": {"bench": {"listen": "127.0.0.1:${PORT[mx_proxy]}", "pool": "web"},
               "status": {"role": "stats", "listen": "127.0.0.1:${PORT[mx_weir]}"}}
}
EOF
	run_weir mx_weir
}

start_mx_haproxy()
{
	mkdir -p "$D/mx_haproxy"
	cat >"$D/mx_haproxy/haproxy.cfg" <<EOF
global
	nbthread 1

defaults
	mode http
	timeout connect 3s
	timeout client 30s
	timeout server 30s

frontend stats
	bind 127.0.0.1:${PORT[mx_haproxy]}
	http-request use-service prometheus-exporter if { path /metrics }

backend web
	balance roundrobin
$(mx_backends | awk '{ printf "\tserver s%d %s\n", NR, $0 }')
EOF
	haproxy -db -f "$D/mx_haproxy/haproxy.cfg" >"$D/mx_haproxy/log" 2>&1 &
	PROXY_PID[mx_haproxy]=$!
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
	run_weir ws_weir
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

# ---- the websocket section ----

# The backend: answers the handshake with 101, then echoes bytes.
start_wst_backend()
{
	mkdir -p "$D/wst_backend"
	python3 "$here/ws_tunnel.py" serve "${PORT[wst_backend]}" \
	    >"$D/wst_backend/log" 2>&1 &
	pids+=($!)
	wait_port "${PORT[wst_backend]}" $! ||
	    { cat "$D/wst_backend/log" >&2; exit 1; }
}

start_wst_weir()
{
	mkdir -p "$D/wst_weir/run"
	cat >"$D/wst_weir/weir.json" <<EOF
{
  "workers": 1,
  "max_connections": $((WS_IDLE + 1000)),
  "state_dir": "$D/wst_weir/run",
  "pidfile": "$D/wst_weir/run/weir.pid",
  "log_level": "warn",
  "pools": {"ws": {"health": false, "backends": ["127.0.0.1:${PORT[wst_backend]}"]}},
  "services": {"bench": {"listen": "127.0.0.1:${PORT[wst_weir]}", "pool": "ws"}}
}
EOF
	if [ ! -x "$WEIR" ]; then
		STATUS[wst_weir]="not built ($WEIR missing)"
		return 1
	fi
	"$WEIR" -c "$D/wst_weir/weir.json" -f >"$D/wst_weir/log" 2>&1 &
	PROXY_PID[wst_weir]=$!
	pids+=($!)
}

# HAProxy tunnels an Upgrade in mode http by itself; "timeout tunnel" is
# its idle timeout then.
start_wst_haproxy()
{
	mkdir -p "$D/wst_haproxy"
	cat >"$D/wst_haproxy/haproxy.cfg" <<EOF
global
	nbthread 1
	maxconn $((WS_IDLE + 1000))
	ulimit-n $((4 * WS_IDLE + 1000))
	no strict-limits

defaults
	mode http
	timeout connect 3s
	timeout client 30s
	timeout server 30s
	timeout tunnel 1h
	option forwardfor

frontend bench
	bind 127.0.0.1:${PORT[wst_haproxy]}
	default_backend ws

backend ws
	server b1 127.0.0.1:${PORT[wst_backend]}
EOF
	haproxy -db -f "$D/wst_haproxy/haproxy.cfg" >"$D/wst_haproxy/log" 2>&1 &
	PROXY_PID[wst_haproxy]=$!
	pids+=($!)
}

# nginx passes an Upgrade on only when told to (its WebSocket recipe).
start_wst_nginx()
{
	mkdir -p "$D/wst_nginx/logs"
	cat >"$D/wst_nginx/nginx.conf" <<EOF
worker_processes 1;
worker_rlimit_nofile $((4 * WS_IDLE + 1000));
daemon off;
pid $D/wst_nginx/nginx.pid;
error_log $D/wst_nginx/logs/error.log warn;
events {
	worker_connections $((2 * WS_IDLE + 1000));
}
http {
	access_log off;
	server {
		listen 127.0.0.1:${PORT[wst_nginx]};
		location / {
			proxy_pass http://127.0.0.1:${PORT[wst_backend]};
			proxy_http_version 1.1;
			proxy_set_header Upgrade \$http_upgrade;
			proxy_set_header Connection "upgrade";
			proxy_set_header X-Forwarded-For \$proxy_add_x_forwarded_for;
			proxy_read_timeout 1h;
		}
	}
}
EOF
	nginx -p "$D/wst_nginx/" -c "$D/wst_nginx/nginx.conf" \
	    -e "$D/wst_nginx/logs/error.log" >"$D/wst_nginx/log" 2>&1 &
	PROXY_PID[wst_nginx]=$!
	pids+=($!)
}

declare -A WSMIBS WSCPU

# ws_stream SERVER: WS_CONNS tunnels through SERVER at once, WS_MIB MiB
# each there and back: MiB/s one way, and SERVER's CPU ms per GiB carried
# (both ways counted).
ws_stream()
{
	local px=$1 out c0 c1 ok bytes secs
	WSMIBS[$px]=-
	[ "${STATUS[$px]}" = ok ] || return 0
	c0=$(cpu_ticks "${PROXY_PID[$px]}")
	out=$(timeout 600 python3 "$here/ws_tunnel.py" stream "${PORT[$px]}" \
	    "$WS_CONNS" "$WS_MIB" 2>&1) || {
		STATUS[$px]="stream failed: $(echo "$out" | tail -n 2 | tr '\n' ' ')"
		return 0
	}
	c1=$(cpu_ticks "${PROXY_PID[$px]}")
	read -r ok bytes secs <<<"$out"
	WSMIBS[$px]=$(awk -v b="$bytes" -v s="$secs" 'BEGIN {printf "%.0f", b / s / 1048576}')
	WSCPU[$px]=$(awk -v c=$((c1 - c0)) -v hz="$HZ" -v b="$bytes" \
	    'BEGIN {printf "%.0f", c / hz * 1000 / (2 * b / 1073741824)}')
}

# ws_ratio A B: A / B, or n/a.
ws_ratio()
{
	awk -v a="$1" -v b="$2" \
	    'BEGIN {if (a != "-" && b != "-" && b > 0) printf "%.2f", a / b; else print "n/a"}'
}

report_ws()
{
	local px fmt='%-9s %8s %11s %8s %11s  %s\n'
	echo
	echo "websocket: $WS_CONNS tunnels of $WS_MIB MiB each way at once, then $WS_IDLE idle tunnels"
	# shellcheck disable=SC2059
	printf "$fmt" server "MiB/s" "cpu ms/GiB" tunnels "KiB/tunnel" "weir / this: MiB/s, cpu, memory"
	for px in $WSTS; do
		if [ "${STATUS[$px]}" != ok ] || [ "${WSMIBS[$px]:--}" = - ]; then
			# shellcheck disable=SC2059
			printf "$fmt" "${px#wst_}" - - - - "FAILED: ${STATUS[$px]}"
			continue
		fi
		# shellcheck disable=SC2059
		printf "$fmt" "${px#wst_}" "${WSMIBS[$px]}" "${WSCPU[$px]}" \
		    "${MEMN[$px]:--}" "${MEMPER[$px]:--}" \
		    "$([ "$px" = wst_weir ] || echo "$(ws_ratio "${WSMIBS[wst_weir]:--}" \
		    "${WSMIBS[$px]}") $(ws_ratio "${WSCPU[wst_weir]:--}" "${WSCPU[$px]}") \
$(ws_ratio "${MEMPER[wst_weir]:--}" "${MEMPER[$px]:--}")")"
	done
}

# url SERVER: the base URL of SERVER.
url()
{
	case $1 in
	tls_* | h2_*) echo "https://127.0.0.1:${PORT[$1]}" ;;
	*) echo "http://127.0.0.1:${PORT[$1]}" ;;
	esac
}

# check_answer SERVER: "" when SERVER answers a test request correctly, else
# what was wrong.
check_answer()
{
	local px=$1 u body got want
	u=$(url "$px")
	case $px in
	wst_*)
		got=$(timeout 20 python3 "$here/ws_tunnel.py" stream "${PORT[$px]}" 1 1 2>&1)
		[ "${got%% *}" = ok ] || echo "no tunnel: ${got:0:80}"
		;;
	mx_*)
		# weir labels a backend by its address, HAProxy by its name.
		got=$(curl -s --max-time 5 "$u/metrics" |
		    grep -Ec 'backend="10\.9\.0\.1:80"|server="s1"' || true)
		[ "$got" -gt 0 ] || echo "no figures for the first backend on /metrics"
		;;
	ws_*)
		got=$(curl -s --max-time 5 "$u/1m.bin" | md5sum | cut -d' ' -f1)
		want=$(md5sum <"$WS_ROOT/1m.bin" | cut -d' ' -f1)
		[ "$got" = "$want" ] || { echo "wrong bytes for /1m.bin"; return; }
		got=$(curl -s --max-time 5 -o /dev/null -w '%{http_code} %{size_download}' "$u/1k.bin")
		[ "$got" = "200 1024" ] || echo "wrong answer for /1k.bin: '$got'"
		;;
	h2_*)
		body=$(curl -s --http2 --max-time 5 --cacert "$TLS_DIR/cert.pem" \
		    -w ' %{http_version}' "$u/small.txt" || true)
		[ "$body" = "hello from weir's bench
 2" ] || echo "wrong answer to a test request over HTTP/2: '${body:0:80}'"
		;;
	*)
		# Over TLS, curl checks that the bench's certificate is served.
		body=$(curl -s --max-time 5 --cacert "$TLS_DIR/cert.pem" "$u/small.txt" || true)
		[ "$body" = "hello from weir's bench" ] ||
		    echo "wrong answer to a test request: '${body:0:80}'"
		;;
	esac
}

[ -z "$PROXIES$TLSS$H2S" ] || start_backends
[ -z "$STATICS" ] || make_static_root
[ -z "$TLSS$H2S" ] || make_tls_cert
[ -z "$WSTS" ] || start_wst_backend
for px in $PROXIES $STATICS $TLSS $MXS $H2S $WSTS; do
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

declare -A RPS P50 P99 ERRS CPUREQ MXBYTES

# measure "SERVERS" "PATHS": one wrk run per server and path.
measure()
{
	local path px k out non2xx sock c0 c1 reqs
	for path in $2; do
		for px in $1; do
			k=$px$path
			if [ "${STATUS[$px]}" != ok ]; then
				RPS[$k]=-
				continue
			fi
			c0=$(cpu_ticks "${PROXY_PID[$px]}")
			out=$(timeout $((DUR + 20)) wrk -t2 -c"$CONNS" -d"${DUR}s" --latency \
			    "$(url "$px")$path" 2>&1) || {
				STATUS[$px]="wrk failed or hung: $(echo "$out" | tail -n 2 | tr '\n' ' ')"
				RPS[$k]=-
				continue
			}
			c1=$(cpu_ticks "${PROXY_PID[$px]}")
			RPS[$k]=$(awk '/^Requests\/sec:/ {printf "%.0f", $2}' <<<"$out")
			reqs=$(awk '/ requests in / {print $1}' <<<"$out")
			CPUREQ[$k]=$(awk -v c=$((c1 - c0)) -v hz="$HZ" -v n="${reqs:-0}" \
			    'BEGIN {if (n > 0) printf "%.1f", c / hz * 1e6 / n; else print "-"}')
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
		printf '%-9s %12s %10s %10s %8s %11s\n' server req/s "p50 ms" "p99 ms" errors "cpu us/req"
		for px in $servers; do
			k=$px$path
			if [ "${RPS[$k]:--}" = - ]; then
				printf '%-9s %12s   FAILED: %s\n' "${px#ws_}" - "${STATUS[$px]}"
				continue
			fi
			printf '%-9s %12s %10s %10s %8s %11s\n' "${px#ws_}" "${RPS[$k]}" \
			    "${P50[$k]}" "${P99[$k]}" "${ERRS[$k]}" "${CPUREQ[$k]}"
		done
		w=${RPS[$weir$path]:--}
		for px in $others; do
			o=${RPS[$px$path]:--}
			if [ "$w" != - ] && [ "$o" != - ] && [ "$o" -gt 0 ]; then
				printf 'weir/%-8s req/s ratio: %s, cpu per request ratio: %s\n' "${px#ws_}" \
				    "$(awk -v a="$w" -v b="$o" 'BEGIN {printf "%.2f", a / b}')" \
				    "$(awk -v a="${CPUREQ[$weir$path]}" -v b="${CPUREQ[$px$path]}" \
				    'BEGIN {if (a > 0 && b > 0) printf "%.2f", a / b; else print "n/a"}')"
			else
				printf 'weir/%-8s req/s ratio: n/a\n' "${px#ws_}"
			fi
		done
	done
}

HZ=$(getconf CLK_TCK)

# cpu_ticks PID: the user and system CPU time so far of PID and of its
# descendants (weir's workers), in clock ticks.
cpu_ticks()
{
	local p st f kids t=0 todo=("$1")
	while [ ${#todo[@]} -gt 0 ]; do
		p=${todo[0]}
		read -r -d '' -a kids < <(ps -o pid= --ppid "$p") || true
		todo=("${todo[@]:1}" "${kids[@]}")
		st=$(cat "/proc/$p/stat" 2>/dev/null) || continue
		read -r -a f <<<"${st##*) }"
		t=$((t + f[11] + f[12]))
	done
	echo "$t"
}

# The tls section's figures, keyed by SERVER/METRIC: value, the server's CPU
# use in % of one CPU, the % of connections resumed, per second of server CPU.
declare -A TV TCPU TRES TPER

# tls_handshakes SERVER MODE: handshakes per second with openssl s_time
# -MODE (new or reuse), TLS_CLIENTS of them in parallel.
#
# Each s_time client makes one connection at a time (connect, handshake,
# "GET /small.txt HTTP/1.0", read to the server's close): -new offers no
# session, so every handshake is full; -reuse offers the session of its first
# connection, so every one resumes if the server can (a ticket, read with
# the response). s_time prints '*' per full handshake and 'r' per resumed
# one: the "resumed" column counts them, so the table shows what happened.
# Not wrk -H 'Connection: close': wrk keeps the session over its reconnects
# (SSL_shutdown then SSL_clear keep it) and resumes whenever the server
# issues tickets, so it cannot force full handshakes.
#
# A full handshake costs the client more than the server (it verifies the
# ECDSA signature the server makes, and verifying is the dearer operation),
# so on a small machine the clients, not the server, may set the rate. The
# figure per second of the server's CPU (its processes' utime + stime from
# /proc) measures the server whatever the clients manage; "srv cpu" shows how
# busy the server was.
tls_handshakes()
{
	local px=$1 mode=$2 k=$1/$2 i t0 t1 c0 c1 n marks reused rc=0 spids=()
	TV[$k]=-
	[ "${STATUS[$px]}" = ok ] || return 0
	rm -f "$D/$px/s_time.$mode".*
	c0=$(cpu_ticks "${PROXY_PID[$px]}")
	t0=$EPOCHREALTIME
	for ((i = 0; i < TLS_CLIENTS; i++)); do
		timeout $((DUR + 20)) openssl s_time -connect "127.0.0.1:${PORT[$px]}" \
		    "-$mode" -time "$DUR" -www /small.txt >"$D/$px/s_time.$mode.$i" 2>&1 &
		spids+=($!)
	done
	for i in "${spids[@]}"; do
		wait "$i" || rc=$?
	done
	t1=$EPOCHREALTIME
	c1=$(cpu_ticks "${PROXY_PID[$px]}")
	if [ "$rc" != 0 ]; then
		STATUS[$px]="openssl s_time -$mode failed ($rc): $(cat "$D/$px/s_time.$mode".* |
		    grep -v '^[*rt3]*$' | tail -n 2 | tr '\n' ' ')"
		return 0
	fi
	n=$(awk '/ connections in .* real seconds/ {n += $1} END {print n + 0}' \
	    "$D/$px/s_time.$mode".*)
	marks=$(grep -hE '^[*rt3]+$' "$D/$px/s_time.$mode".* | tr -d '\n' || true)
	reused=${marks//[^r]/}
	TV[$k]=$(awk -v n="$n" -v a="$t0" -v b="$t1" 'BEGIN {printf "%.0f", n / (b - a)}')
	TCPU[$k]=$(awk -v c=$((c1 - c0)) -v hz="$HZ" -v a="$t0" -v b="$t1" \
	    'BEGIN {printf "%.0f", 100 * c / hz / (b - a)}')
	TPER[$k]=$(awk -v n="$n" -v c=$((c1 - c0)) -v hz="$HZ" \
	    'BEGIN {if (c > 0) printf "%.0f", n * hz / c; else print "-"}')
	TRES[$k]=$(awk -v r=${#reused} -v m=${#marks} \
	    'BEGIN {if (m > 0) printf "%.0f", 100 * r / m; else print "-"}')
	if ! kill -0 "${PROXY_PID[$px]}" 2>/dev/null; then
		STATUS[$px]="died during the run: $(tail -n 3 "$D/$px/log" | tr '\n' ' ')"
	fi
}

# tls_keepalive SERVER: measure's keep-alive wrk run over TLS on TLS_PATH,
# with the server's CPU use.
tls_keepalive()
{
	local px=$1 k=$1/keepalive t0 t1 c0 c1
	TV[$k]=-
	[ "${STATUS[$px]}" = ok ] || return 0
	c0=$(cpu_ticks "${PROXY_PID[$px]}")
	t0=$EPOCHREALTIME
	measure "$px" "$TLS_PATH"
	t1=$EPOCHREALTIME
	c1=$(cpu_ticks "${PROXY_PID[$px]}")
	TV[$k]=${RPS[$px$TLS_PATH]}
	TCPU[$k]=$(awk -v c=$((c1 - c0)) -v hz="$HZ" -v a="$t0" -v b="$t1" \
	    'BEGIN {printf "%.0f", 100 * c / hz / (b - a)}')
	TPER[$k]=$(awk -v v="${TV[$k]}" -v s="$DUR" -v c=$((c1 - c0)) -v hz="$HZ" \
	    'BEGIN {if (c > 0 && v != "-") printf "%.0f", v * s * hz / c; else print "-"}')
}

# report_tls: one row per server and metric, with weir's value as a ratio of
# HAProxy's on HAProxy's rows.
report_tls()
{
	local m px k v label w fmt='%-9s %-28s %10s %8s %8s %11s\n'
	echo
	echo "tls: ECDSA P-256, TLS 1.3 negotiated (both offer 1.2 and 1.3); handshakes:"
	echo "     $TLS_CLIENTS openssl s_time clients, one GET /small.txt per connection"
	# shellcheck disable=SC2059
	printf "$fmt" proxy metric value "srv cpu" resumed "weir ratio"
	for m in new new/cpu reuse reuse/cpu keepalive keepalive/cpu; do
		case $m in
		new) label="full handshakes/s" ;;
		new/cpu) label="full handshakes/cpu-s" ;;
		reuse) label="resumed handshakes/s" ;;
		reuse/cpu) label="resumed handshakes/cpu-s" ;;
		keepalive) label="keep-alive req/s $TLS_PATH" ;;
		keepalive/cpu) label="keep-alive req/cpu-s" ;;
		esac
		w=
		for px in $TLSS; do
			k=$px/${m%/cpu}
			if [ "${TV[$k]:--}" = - ]; then
				# shellcheck disable=SC2059
				printf "$fmt" "${px#tls_}" "$label" - "" "" "FAILED: ${STATUS[$px]}"
				continue
			fi
			case $m in
			*/cpu) v=${TPER[$k]:--} ;;
			*) v=${TV[$k]} ;;
			esac
			[ "$px" = tls_weir ] && w=$v
			# shellcheck disable=SC2059
			case $m in
			*/cpu) printf "$fmt" "${px#tls_}" "$label" "$v" "" "" "$(ratio "$w" "$v" "$px")" ;;
			keepalive) printf "$fmt" "${px#tls_}" "$label" "$v" "${TCPU[$k]}%" "" "$(ratio "$w" "$v" "$px")" ;;
			*) printf "$fmt" "${px#tls_}" "$label" "$v" "${TCPU[$k]}%" "${TRES[$k]}%" "$(ratio "$w" "$v" "$px")" ;;
			esac
		done
	done
}

# ratio WEIR OTHER SERVER: WEIR / OTHER, or nothing on weir's own row.
ratio()
{
	[ "$3" != tls_weir ] || return 0
	if [ -n "$1" ] && [ "$1" != - ] && [ "$2" != - ] && [ "$2" -gt 0 ]; then
		awk -v a="$1" -v b="$2" 'BEGIN {printf "%.2f", a / b}'
	else
		echo n/a
	fi
}

declare -A H2RPS H2CPU H2ERR

# h2_measure SERVER: one h2load run of DUR seconds after a second of
# warm-up, with the server's CPU time over both.
h2_measure()
{
	local px=$1 out c0 c1 t0 t1 done
	H2RPS[$px]=-
	[ "${STATUS[$px]}" = ok ] || return 0
	c0=$(cpu_ticks "${PROXY_PID[$px]}")
	t0=$EPOCHREALTIME
	out=$(timeout $((DUR + 30)) h2load -c "$H2_CLIENTS" -m "$H2_STREAMS" \
	    --warm-up-time=1 -D "$DUR" "$(url "$px")$H2_PATH" 2>&1) || {
		STATUS[$px]="h2load failed: $(echo "$out" | tail -n 2 | tr '\n' ' ')"
		return 0
	}
	t1=$EPOCHREALTIME
	c1=$(cpu_ticks "${PROXY_PID[$px]}")
	if ! grep -q '^Application protocol: h2' <<<"$out"; then
		STATUS[$px]="h2 was not negotiated"
		return 0
	fi
	H2RPS[$px]=$(awk '/^finished in/ {gsub(",", ""); printf "%.0f", $4}' <<<"$out")
	done=$(awk '/^requests:/ {print $6}' <<<"$out")
	H2ERR[$px]=$(awk '/^requests:/ {print $10 + $12 + $14}' <<<"$out")
	# Requests over the whole time the CPU was read, warm-up included.
	H2CPU[$px]=$(awk -v c=$((c1 - c0)) -v hz="$HZ" -v r="${H2RPS[$px]}" -v a="$t0" -v b="$t1" \
	    'BEGIN {n = r * (b - a); if (n > 0) printf "%.1f", c / hz * 1e6 / n; else print "-"}')
	[ "${done:-0}" -gt 0 ] || STATUS[$px]="h2load: no request done"
	if ! kill -0 "${PROXY_PID[$px]}" 2>/dev/null; then
		STATUS[$px]="died during the run: $(tail -n 3 "$D/$px/log" | tr '\n' ' ')"
	fi
}

# report_h2: req/s, errors, CPU per request, and weir's ratios.
report_h2()
{
	local px w fmt='%-9s %12s %8s %11s\n'
	echo
	echo "h2: h2load -c $H2_CLIENTS -m $H2_STREAMS -D ${DUR}s, GET $H2_PATH over TLS, ALPN h2"
	# shellcheck disable=SC2059
	printf "$fmt" server req/s errors "cpu us/req"
	for px in $H2S; do
		if [ "${H2RPS[$px]:--}" = - ]; then
			printf '%-9s %12s   FAILED: %s\n' "${px#h2_}" - "${STATUS[$px]}"
			continue
		fi
		# shellcheck disable=SC2059
		printf "$fmt" "${px#h2_}" "${H2RPS[$px]}" "${H2ERR[$px]}" "${H2CPU[$px]}"
	done
	w=${H2RPS[h2_weir]:--}
	for px in $H2S; do
		[ "$px" != h2_weir ] || continue
		printf 'weir/%-8s h2 req/s ratio: %s, cpu per request ratio: %s\n' "${px#h2_}" \
		    "$(awk -v a="$w" -v b="${H2RPS[$px]:--}" \
		    'BEGIN {if (a != "-" && b != "-" && b > 0) printf "%.2f", a / b; else print "n/a"}')" \
		    "$(awk -v a="${H2CPU[h2_weir]:--}" -v b="${H2CPU[$px]:--}" \
		    'BEGIN {if (a != "-" && b != "-" && a > 0 && b > 0) printf "%.2f", a / b; else print "n/a"}')"
	done
}

# rss_kb PID: the resident memory of PID and its descendants, in KiB.
rss_kb()
{
	local p kids t=0 v todo=("$1")
	while [ ${#todo[@]} -gt 0 ]; do
		p=${todo[0]}
		read -r -d '' -a kids < <(ps -o pid= --ppid "$p") || true
		todo=("${todo[@]:1}" "${kids[@]}")
		v=$(awk '/^VmRSS:/ {print $2}' "/proc/$p/status" 2>/dev/null) || continue
		t=$((t + ${v:-0}))
	done
	echo "$t"
}

declare -A MEMB MEMA MEMN MEMPER

# idle_memory SERVER N [--tls]: SERVER's resident memory with one idle
# keep-alive connection, then with N, and the growth per connection.
idle_memory()
{
	local px=$1 n=$2 tls=$3
	MEMPER[$px]=-
	[ "${STATUS[$px]}" = ok ] || return 0
	# One connection first: buffers and caches a first request warms up
	# are not what an idle connection costs.
	python3 "$here/idle_conns.py" 127.0.0.1 "${PORT[$px]}" 1 /small.txt $tls \
	    </dev/null >/dev/null 2>&1 || true
	hold_idle "$px" python3 "$here/idle_conns.py" 127.0.0.1 "${PORT[$px]}" \
	    "$n" /small.txt $tls
}

# hold_idle SERVER CLIENT...: SERVER's resident memory now (MEMB), then
# while CLIENT (which prints "ready N" once it holds N idle connections,
# and lets them go when its stdin closes) holds them (MEMA), and the
# growth per connection (MEMPER).
hold_idle()
{
	local px=$1 k=$1 fifo out pid line i
	shift
	fifo=$D/$px/idle.in
	out=$D/$px/idle.out
	rm -f "$fifo"
	mkfifo "$fifo"
	sleep 0.5
	MEMB[$k]=$(rss_kb "${PROXY_PID[$px]}")
	"$@" <"$fifo" >"$out" 2>&1 &
	pid=$!
	exec 9>"$fifo"
	line=
	for ((i = 0; i < 1200; i++)); do
		line=$(head -n 1 "$out" 2>/dev/null || true)
		[ -z "$line" ] || break
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.1
	done
	if [ "${line%% *}" != ready ]; then
		STATUS[$px]="idle connections failed: $(tail -n 2 "$out" | tr '\n' ' ')"
		exec 9>&-
		wait "$pid" 2>/dev/null || true
		return 0
	fi
	sleep 1
	MEMA[$k]=$(rss_kb "${PROXY_PID[$px]}")
	MEMN[$k]=${line#ready }
	exec 9>&-
	wait "$pid" 2>/dev/null || true
	MEMPER[$k]=$(awk -v a="${MEMA[$k]}" -v b="${MEMB[$k]}" -v n="${MEMN[$k]}" \
	    'BEGIN {printf "%.2f", (a - b) / n}')
}

report_memory()
{
	local px k w fmt='%-9s %-6s %12s %12s %14s %11s\n'
	echo
	echo "memory: resident memory of the server's processes (VmRSS), idle keep-alive connections"
	# shellcheck disable=SC2059
	printf "$fmt" server kind connections "before KiB" "KiB/connection" "weir ratio"
	for px in weir haproxy nginx tls_weir tls_haproxy; do
		k=$px
		case $px in tls_*) kind=tls ;; *) kind=plain ;; esac
		if [ "${MEMPER[$k]:--}" = - ]; then
			# shellcheck disable=SC2059
			printf "$fmt" "${px#tls_}" "$kind" - - - "FAILED: ${STATUS[$px]}"
			continue
		fi
		case $px in tls_*) w=${MEMPER[tls_weir]:--} ;; *) w=${MEMPER[weir]:--} ;; esac
		# shellcheck disable=SC2059
		printf "$fmt" "${px#tls_}" "$kind" "${MEMN[$k]}" "${MEMB[$k]}" "${MEMPER[$k]}" \
		    "$(case $px in weir | tls_weir) ;; *) awk -v a="$w" -v b="${MEMPER[$k]}" \
		    'BEGIN {if (a != "-" && b > 0) printf "%.2f", a / b; else print "n/a"}' ;; esac)"
	done
}

echo "bench: wrk -t2 -c$CONNS -d${DUR}s --latency"
if [ -n "$DO_PROXY" ]; then
	echo "bench: proxy section: weir, haproxy, nginx in front of lighttpd 127.0.0.1:$B1 and :$B2"
	measure "$PROXIES" "$PATHS"
fi
if [ -n "$STATICS" ]; then
	echo "bench: static section: weir web_server, nginx, lighttpd (one worker each) serving $WS_ROOT"
	measure "$STATICS" "$STATIC_PATHS"
fi
if [ -n "$DO_TLS" ]; then
	echo "bench: tls section: weir, haproxy terminating TLS in front of lighttpd 127.0.0.1:$B1 and :$B2"
	for px in $TLSS; do
		tls_handshakes "$px" new
		tls_handshakes "$px" reuse
		tls_keepalive "$px"
	done
fi
if [ -n "$MXS" ]; then
	echo "bench: metrics section: weir's stats role and HAProxy's prometheus-exporter, $MX_BACKENDS backends"
	# A few scrapers at once, not a crowd of clients.
	CONNS=${BENCH_METRICS_CONNECTIONS:-4} measure "$MXS" /metrics
	for px in $MXS; do
		[ "${STATUS[$px]}" != ok ] ||
		    MXBYTES[$px]=$(curl -s --max-time 10 "$(url "$px")/metrics" | wc -c)
	done
fi
if [ -n "$H2S" ]; then
	echo "bench: h2 section: weir, haproxy, nginx terminating TLS with ALPN h2 in front of lighttpd 127.0.0.1:$B1 and :$B2"
	for px in $H2S; do
		h2_measure "$px"
	done
fi
if [ -n "$MEMORY" ]; then
	echo "bench: memory section: $IDLE_CONNS idle keep-alive connections (plain), $IDLE_TLS_CONNS over TLS"
	for px in weir haproxy nginx; do
		idle_memory "$px" "$IDLE_CONNS" ""
	done
	for px in tls_weir tls_haproxy; do
		idle_memory "$px" "$IDLE_TLS_CONNS" --tls
	done
fi
if [ -n "$WSTS" ]; then
	echo "bench: websocket section: weir, haproxy, nginx tunnelling to 127.0.0.1:${PORT[wst_backend]}"
	for px in $WSTS; do
		ws_stream "$px"
		[ "${STATUS[$px]}" != ok ] ||
		    hold_idle "$px" python3 "$here/ws_tunnel.py" idle "${PORT[$px]}" "$WS_IDLE"
	done
fi
[ -z "$DO_PROXY" ] || report proxy "$PROXIES" "$PATHS" weir "haproxy nginx"
[ -z "$STATICS" ] || report static "$STATICS" "$STATIC_PATHS" ws_weir "ws_nginx ws_lighttpd"
[ -z "$DO_TLS" ] || report_tls
[ -z "$H2S" ] || report_h2
[ -z "$MEMORY" ] || report_memory
if [ -n "$MXS" ]; then
	report metrics "$MXS" /metrics mx_weir mx_haproxy
	for px in $MXS; do
		echo "${px#mx_}: ${MXBYTES[$px]:--} bytes per /metrics answer"
	done
fi

[ -z "$WSTS" ] || report_ws

echo
failed=0
for px in $PROXIES $STATICS $TLSS $MXS $H2S $WSTS; do
	label=${px#ws_}
	paths=$PATHS
	case $px in
	ws_*) label="$label (static)"; paths=$STATIC_PATHS ;;
	wst_*) label="${px#wst_} (websocket)"; paths= ;;
	mx_*) label="${px#mx_} (metrics)"; paths=/metrics ;;
	h2_*)
		label="${px#h2_} (h2)"
		paths=
		if [ "${H2ERR[$px]:-0}" != 0 ]; then
			echo "bench: $label had ${H2ERR[$px]} failed requests (its figures are not comparable)"
			failed=1
		fi
		;;
	tls_*)
		label="${px#tls_} (tls)"
		paths=$TLS_PATH
		if [ "${TRES[$px/new]:-0}" != 0 ]; then
			echo "bench: $label resumed ${TRES[$px/new]}% of the full handshakes (not comparable)"
			failed=1
		fi
		if [ "${TV[$px/reuse]:--}" != - ] && [ "${TRES[$px/reuse]:-0}" != 100 ]; then
			echo "bench: $label resumed only ${TRES[$px/reuse]}% of the resumed handshakes (not comparable)"
			failed=1
		fi
		;;
	esac
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
