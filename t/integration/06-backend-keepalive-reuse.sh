#!/usr/bin/env bash
# weir keeps backend connections alive and reuses them: 20 requests on 20 client connections reach lighttpd and Apache over far fewer backend connections.
. "$(dirname "$0")/lib.sh"

P=$(port 0)
start_lighttpd light "$(port 1)"
start_apache apache "$(port 2)"
cat >"$T/weir.json" <<EOF
{
$(conf_globals 1)
  "pools": {"web": {"health": false, "persist": true,
            "backends": ["127.0.0.1:$(port 1)", "127.0.0.1:$(port 2)"]}},
  "services": {"www": {"listen": "127.0.0.1:$P", "pool": "web"}}
}
EOF
start_weir "$T/weir.json"

: >"$T/seen"
for i in $(seq 1 20); do
	out=$(get "http://127.0.0.1:$P/echo.cgi")
	echo "$(field "$out" backend) $(field "$out" remote_port)" >>"$T/seen"
done
note "backend / source port of each request:"
sort "$T/seen" | uniq -c
for b in light apache; do
	reqs=$(grep -c "^$b " "$T/seen" || true)
	conns=$(grep "^$b " "$T/seen" | sort -u | wc -l)
	[ "$reqs" -ge 5 ] || fail "$b got only $reqs of 20 requests"
	[ "$conns" -le 2 ] ||
	    fail "$b saw $conns backend connections for $reqs sequential requests"
done
# Apache's own log agrees (%{remote}p is the peer port).
conns=$(awk '{print $2}' "$T/apache/access.log" | sort -u | wc -l)
[ "$conns" -le 2 ] || fail "Apache's access log shows $conns connections"
pass
