#!/usr/bin/env bash
# A request whose backend refuses the connection moves to another backend: with one dead and one live backend every request succeeds.
. "$(dirname "$0")/lib.sh"

P=$(port 0)
DEAD=$(port 1)
is_listening "$DEAD" && fail "port $DEAD is unexpectedly in use"
start_lighttpd live "$(port 2)" "$(make_docroot live "backend live")"
cat >"$T/weir.json" <<EOF
{
$(conf_globals 1)
  "pools": {"web": {"health": false, "retries": 2,
            "backends": ["127.0.0.1:$DEAD", "127.0.0.1:$(port 2)"]}},
  "services": {"www": {"listen": "127.0.0.1:$P", "pool": "web"}}
}
EOF
start_weir "$T/weir.json"

for i in $(seq 1 10); do
	assert_eq "$(get "http://127.0.0.1:$P/" -w '%{http_code}')" "backend live
200" "request $i"
done
pass
