#!/usr/bin/env bash
# weirctl status and stats --json report the running instance from the shared segment with the keys SPEC promises, and the counts match the traffic sent.
. "$(dirname "$0")/lib.sh"

P=$(port 0)
start_lighttpd b1 "$(port 1)" "$(make_docroot b1 "backend 1")"
start_lighttpd b2 "$(port 2)" "$(make_docroot b2 "backend 2")"
cat >"$T/weir.json" <<EOF
{
$(conf_globals 2)
  "pools": {"web": {"balance": "roundrobin", "health": false,
            "backends": ["127.0.0.1:$(port 1)", "127.0.0.1:$(port 2)"]}},
  "services": {"www": {"listen": "127.0.0.1:$P", "pool": "web"}}
}
EOF
start_weir "$T/weir.json"

for i in $(seq 1 10); do
	get "http://127.0.0.1:$P/" >/dev/null
done
assert_eq "$(status "http://127.0.0.1:$P/nosuch")" 404 "missing file"

out=$("$WEIRCTL" -s "$T/run" status) || fail "weirctl status exited $?: $out"
note "$out"
assert_contains "$out" "$WEIR_PID" "weirctl status (master pid)"

"$WEIRCTL" -s "$T/run" stats --json >"$T/stats.json" || fail "weirctl stats --json exited $?"
python3 - "$T/stats.json" "$WEIR_PID" "127.0.0.1:$P" "127.0.0.1:$(port 1)" "127.0.0.1:$(port 2)" <<'EOF' ||
import json, sys
path, pid, listen, b1, b2 = sys.argv[1:]
s = json.load(open(path))
errs = []
def check(what, got, want):
    if got != want:
        errs.append("%s: expected %r, got %r" % (what, want, got))
m = s["master"]
check("master.pid", m.get("pid"), int(pid))
check("master.workers", m.get("workers"), 2)
check("master.generation", m.get("generation"), 1)
if not isinstance(m.get("uptime_s"), int):
    errs.append("master.uptime_s missing")
svc = {x["name"]: x for x in s["services"]}
w = svc.get("www")
if w is None:
    errs.append("no service www")
else:
    check("services.www.listen", w.get("listen"), [listen])
    check("services.www.requests", w.get("requests"), 11)
    check("services.www.responses.2xx", w.get("responses", {}).get("2xx"), 10)
    check("services.www.responses.4xx", w.get("responses", {}).get("4xx"), 1)
    check("services.www.active", w.get("active"), 0)
pools = {x["name"]: x for x in s["pools"]}
p = pools.get("web")
if p is None:
    errs.append("no pool web")
else:
    check("pools.web.balance", p.get("balance"), "roundrobin")
    bs = {b["address"]: b for b in p["backends"]}
    check("pools.web backends", sorted(bs), sorted([b1, b2]))
    total = 0
    for a, b in bs.items():
        for k in ("state", "weight", "active", "requests", "errors", "responses",
                  "bytes_in", "bytes_out", "latency_ms", "check"):
            if k not in b:
                errs.append("backend %s: no key %s" % (a, k))
        check("backend %s state" % a, b.get("state"), "up")
        check("backend %s errors" % a, b.get("errors"), 0)
        total += b.get("requests", 0)
        if b.get("requests", 0) < 5:
            errs.append("backend %s: only %s requests" % (a, b.get("requests")))
        if b.get("bytes_in", 0) <= 0 or b.get("bytes_out", 0) <= 0:
            errs.append("backend %s: no bytes counted" % a)
    check("requests over all backends", total, 11)
print("\n".join(errs))
sys.exit(1 if errs else 0)
EOF
    fail "weirctl stats --json: see above; output: $(cat "$T/stats.json")"

# Prometheus text exposition format: every line parses, every sample's
# family was declared with # TYPE first, and the counters add up.
"$WEIRCTL" -s "$T/run" stats --prometheus >"$T/stats.prom" ||
    fail "weirctl stats --prometheus failed"
python3 - "$T/stats.prom" <<'EOF' ||
import re, sys
sample = re.compile(r'^([a-zA-Z_:][a-zA-Z0-9_:]*)'
                    r'(\{([a-zA-Z_][a-zA-Z0-9_]*="(?:[^"\\\n]|\\.)*"'
                    r'(,[a-zA-Z_][a-zA-Z0-9_]*="(?:[^"\\\n]|\\.)*")*)?\})?'
                    r' (-?[0-9.e+-]+|NaN|[+-]Inf)( -?[0-9]+)?$')
typed, errs, total = {}, [], 0.0
for n, line in enumerate(open(sys.argv[1]), 1):
    line = line.rstrip("\n")
    if line.startswith("# TYPE "):
        name, kind = line.split()[2:4]
        if kind not in ("counter", "gauge", "summary", "histogram", "untyped"):
            errs.append("line %d: type %s" % (n, kind))
        typed[name] = kind
        continue
    if line.startswith("# HELP ") or line == "":
        continue
    m = sample.match(line)
    if not m:
        errs.append("line %d does not parse: %r" % (n, line))
        continue
    name = m.group(1)
    family = re.sub(r'_(count|sum|bucket)$', '', name)
    if name not in typed and family not in typed:
        errs.append("line %d: %s has no # TYPE before it" % (n, name))
    if name == "weir_backend_requests_total":
        total += float(m.group(5))
if total != 11:
    errs.append("weir_backend_requests_total adds up to %s, not 11" % total)
print("\n".join(errs))
sys.exit(1 if errs else 0)
EOF
    fail "weirctl stats --prometheus: see above"

stop_weir
rc=0
out=$("$WEIRCTL" -s "$T/run" status 2>&1) || rc=$?
assert_eq "$rc" 1 "weirctl status exit status once weir is stopped"
[ -n "$out" ] || fail "weirctl status printed no message once weir is stopped"
pass
