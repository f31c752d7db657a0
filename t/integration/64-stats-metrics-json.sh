#!/usr/bin/env bash
# A stats service's /metrics parses as the Prometheus text format with each backend's latency a histogram (cumulative buckets in order, +Inf equal to _count, a _sum the buckets bound) whose counts add up to the requests sent; its /stats.json is weirctl stats --json in structure and totals; peers outside "allow" get 403 and a closed connection; and weirctl stats --prometheus says weir_up 0 once weir is gone, stopped or killed.
. "$(dirname "$0")/lib.sh"

P=$(port 0)
PS=$(port 1)
PLOCK=$(port 2)
PNET=$(port 3)
B1=127.0.0.1:$(port 4)
B2=127.0.0.1:$(port 5)
start_lighttpd b1 "$(port 4)" "$(make_docroot b1 "backend 1")"
start_lighttpd b2 "$(port 5)" "$(make_docroot b2 "backend 2")"
cat >"$T/weir.json" <<EOF
{
$(conf_globals 2)
  "pools": {"web": {"backends": ["$B1", "$B2"],
            "health": {"path": "/index.html", "interval_ms": 500}}},
  "services": {
    "www": {"listen": "127.0.0.1:$P", "pool": "web"},
    "status": {"role": "stats", "listen": "127.0.0.1:$PS"},
    "locked": {"role": "stats", "listen": "127.0.0.1:$PLOCK",
               "allow": ["127.0.0.2"]},
    "lan": {"role": "stats", "listen": "127.0.0.1:$PNET",
            "allow": ["10.0.0.0/8", "fd00::/8"]}
  }
}
EOF
start_weir "$T/weir.json"

# 37 requests over several connections, the last one on keep-alive.
N=37
for i in $(seq 1 12); do get "http://127.0.0.1:$P/" >/dev/null; done
urls=()
for i in $(seq 13 $N); do urls+=("http://127.0.0.1:$P/name"); done
curl -sS --max-time 20 "${urls[@]}" >/dev/null || fail "keep-alive requests failed"

curl -sS -D "$T/metrics.head" -o "$T/metrics" "http://127.0.0.1:$PS/metrics" ||
    fail "GET /metrics failed"
assert_match "$(cat "$T/metrics.head")" '^HTTP/1.1 200 ' "/metrics status"
assert_eq "$(header "$(cat "$T/metrics.head")" Content-Type)" \
    "text/plain; version=0.0.4; charset=utf-8" "/metrics Content-Type"
assert_eq "$(header "$(cat "$T/metrics.head")" Cache-Control)" no-store \
    "/metrics Cache-Control"
python3 - "$T/metrics" "$N" "$B1" "$B2" <<'EOF' || fail "/metrics: see above"
import math, re, sys
path, n, b1, b2 = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4]
NAME = r'[a-zA-Z_:][a-zA-Z0-9_:]*'
VALUE = r'"((?:[^"\\\n]|\\["\\n])*)"'
LABEL = re.compile(r'([a-zA-Z_][a-zA-Z0-9_]*)=' + VALUE)
SAMPLE = re.compile(r'^(' + NAME + r')(\{(.*)\})? (\S+)$')
types, samples, errs = {}, [], []

def number(s):
    if s in ("+Inf", "-Inf", "NaN"):
        return float(s.replace("Inf", "inf").replace("NaN", "nan"))
    return float(s)

for i, line in enumerate(open(path).read().split("\n")[:-1], 1):
    if line.startswith("# TYPE "):
        _, _, name, kind = line.split(" ")
        if name in types:
            errs.append("line %d: %s typed twice" % (i, name))
        types[name] = kind
        continue
    if line.startswith("# HELP "):
        continue
    m = SAMPLE.match(line)
    if not m:
        errs.append("line %d does not parse: %r" % (i, line))
        continue
    labels = {}
    if m.group(3):
        rest = m.group(3)
        for lm in LABEL.finditer(rest):
            labels[lm.group(1)] = lm.group(2)
        if ",".join(x.group(0) for x in LABEL.finditer(rest)) != rest:
            errs.append("line %d: labels do not parse: %r" % (i, rest))
    name = m.group(1)
    family = name
    for suffix in ("_bucket", "_sum", "_count"):
        if name.endswith(suffix) and name[:-len(suffix)] in types:
            family = name[:-len(suffix)]
    if family not in types:
        errs.append("line %d: %s has no # TYPE before it" % (i, name))
        continue
    samples.append((family, name, labels, number(m.group(4))))

fam = "weir_backend_latency_seconds"
if types.get(fam) != "histogram":
    errs.append("%s is typed %r, not histogram" % (fam, types.get(fam)))
total = 0
for backend in (b1, b2):
    mine = [s for s in samples if s[0] == fam and
            s[2].get("backend") == backend and s[2].get("pool") == "web"]
    buckets = [(s[2]["le"], s[3]) for s in mine if s[1] == fam + "_bucket"]
    count = [s[3] for s in mine if s[1] == fam + "_count"]
    total_sum = [s[3] for s in mine if s[1] == fam + "_sum"]
    if len(count) != 1 or len(total_sum) != 1 or len(buckets) < 2:
        errs.append("%s: %d buckets, %d _count, %d _sum" %
                    (backend, len(buckets), len(count), len(total_sum)))
        continue
    bounds = [number(le) for le, _ in buckets]
    counts = [c for _, c in buckets]
    if bounds != sorted(bounds) or len(set(bounds)) != len(bounds):
        errs.append("%s: le bounds out of order: %s" % (backend, bounds))
    if not math.isinf(bounds[-1]):
        errs.append("%s: the last bucket is le=%s" % (backend, bounds[-1]))
    if counts != sorted(counts):
        errs.append("%s: buckets are not cumulative: %s" % (backend, counts))
    if counts[-1] != count[0]:
        errs.append("%s: +Inf %s != _count %s" % (backend, counts[-1],
                                                  count[0]))
    # The sum lies between what the buckets' bounds allow.
    lo = hi = 0.0
    prev_c, prev_b = 0, 0.0
    for b, c in zip(bounds, counts):
        if c > prev_c:
            lo += (c - prev_c) * prev_b
            hi += (c - prev_c) * b
        prev_c, prev_b = c, b
    if not (lo <= total_sum[0] <= hi) or (count[0] > 0 and total_sum[0] <= 0):
        errs.append("%s: _sum %s outside [%s, %s]" % (backend, total_sum[0],
                                                      lo, hi))
    print("# %s: _count %d, _sum %.6f s, %d buckets" %
          (backend, count[0], total_sum[0], len(buckets)))
    total += count[0]
if total != n:
    errs.append("histogram counts add up to %d, not the %d requests sent" %
                (total, n))
reqs = sum(s[3] for s in samples if s[1] == "weir_backend_requests_total")
if reqs != n:
    errs.append("weir_backend_requests_total adds up to %d, not %d" % (reqs, n))
up = [s[3] for s in samples if s[1] == "weir_up"]
if up != [1]:
    errs.append("weir_up is %s" % up)
print("\n".join(errs))
sys.exit(1 if errs else 0)
EOF

# The rest of /metrics is weirctl's own exposition, line for line (the
# figures that move on their own left out: uptime, checks, the stats
# service's own traffic, connections).
"$WEIRCTL" -s "$T/run" stats --prometheus >"$T/weirctl.prom" ||
    fail "weirctl stats --prometheus exited $?"
steady()
{
	grep -v -e latency_seconds -e uptime -e check_ -e 'service="status"' \
	    -e 'service="locked"' -e 'service="lan"' -e '^weir_worker_' \
	    -e active_connections "$1"
}
diff <(steady "$T/weirctl.prom") <(steady "$T/metrics") >"$T/prom.diff" ||
    fail "/metrics and weirctl stats --prometheus differ: $(cat "$T/prom.diff")"

# /stats.json is weirctl stats --json.
curl -sS -D "$T/json.head" -o "$T/stats.json" "http://127.0.0.1:$PS/stats.json" ||
    fail "GET /stats.json failed"
assert_eq "$(header "$(cat "$T/json.head")" Content-Type)" application/json \
    "/stats.json Content-Type"
"$WEIRCTL" -s "$T/run" stats --json >"$T/weirctl.json" ||
    fail "weirctl stats --json exited $?"
python3 - "$T/stats.json" "$T/weirctl.json" "$N" <<'EOF' ||
import json, sys
served, local = (json.load(open(p)) for p in sys.argv[1:3])
n = int(sys.argv[3])
errs = []

def shape(v, where):
    """Keys, array lengths and value types, recursively."""
    if isinstance(v, dict):
        return {k: shape(x, where + "." + k) for k, x in v.items()}
    if isinstance(v, list):
        return [shape(x, where + "[]") for x in v]
    return type(v).__name__ if not isinstance(v, bool) else "bool"

if shape(served, "") != shape(local, ""):
    errs.append("structures differ:\n%s\n%s" % (shape(served, ""),
                                                shape(local, "")))
def totals(s):
    out = {}
    for svc in s["services"]:
        if svc["name"] == "www":
            out["www"] = (svc["requests"], svc["responses"], svc["bytes_in"],
                          svc["bytes_out"])
    for p in s["pools"]:
        for b in p["backends"]:
            out[b["address"]] = (b["requests"], b["responses"], b["errors"],
                                 b["bytes_in"], b["bytes_out"], b["state"],
                                 b["latency_ms"])
    out["master"] = (s["master"]["pid"], s["master"]["generation"],
                     s["master"]["workers"])
    out["names"] = [x["name"] for x in s["services"]]
    return out
if totals(served) != totals(local):
    errs.append("totals differ:\n%s\n%s" % (totals(served), totals(local)))
if totals(served)["www"][0] != n:
    errs.append("www requests %s, not %d" % (totals(served)["www"][0], n))
print("\n".join(errs))
sys.exit(1 if errs else 0)
EOF
    fail "/stats.json against weirctl stats --json: see above"

# HEAD, other paths, other methods.
head=$(curl -sS -I "http://127.0.0.1:$PS/metrics") || fail "HEAD /metrics failed"
assert_match "$head" '^HTTP/1.1 200 ' "HEAD /metrics"
[ "$(header "$head" Content-Length)" -gt 1000 ] ||
    fail "HEAD /metrics announces $(header "$head" Content-Length) bytes"
assert_eq "$(curl -s -o /dev/null -w '%{http_code} %{size_download}' -I \
    "http://127.0.0.1:$PS/stats.json")" "200 0" "HEAD /stats.json sends no body"
assert_eq "$(status "http://127.0.0.1:$PS/nosuch")" 404 "GET /nosuch"
assert_eq "$(status "http://127.0.0.1:$PS/metrics" -X POST -d x=1)" 405 "POST /metrics"
assert_eq "$(status "http://127.0.0.1:$PS/./stats.json?pretty=1")" 200 \
    "a query and a dot segment"
page=$(curl -sS -D - "http://127.0.0.1:$PS/") || fail "GET / failed"
assert_match "$page" "^Content-Security-Policy: default-src 'none'; " "the page's CSP"
assert_contains "$page" "<script>" "the page"

# Peers outside "allow": 403, and the connection closed.
out=$(printf 'GET /metrics HTTP/1.1\r\nHost: x\r\n\r\nGET /metrics HTTP/1.1\r\nHost: x\r\n\r\n' |
    rawhttp "$PLOCK" --parse --timeout 5)
assert_contains "$out" "STATUS 403" "127.0.0.1 on a service allowing 127.0.0.2"
assert_eq "$(grep -c '^STATUS' <<<"$out")" 1 "answers before the close"
assert_contains "$out" "END closed" "the connection after 403"
assert_eq "$(status "http://127.0.0.1:$PNET/stats.json")" 403 \
    "127.0.0.1 on a service allowing 10.0.0.0/8"
assert_eq "$(status "http://127.0.0.1:$PLOCK/metrics" --interface 127.0.0.2)" 200 \
    "127.0.0.2, listed in allow"

# weir_up 0: after a stop (no segment), and after a kill (its master gone).
stop_weir
rc=0
"$WEIRCTL" -s "$T/run" stats --prometheus >"$T/down.prom" 2>"$T/down.err" || rc=$?
assert_eq "$rc" 1 "weirctl stats --prometheus exit status with weir stopped"
assert_eq "$(cat "$T/down.prom")" "# HELP weir_up 1 when the master is running.
# TYPE weir_up gauge
weir_up 0" "weirctl stats --prometheus with weir stopped"
assert_contains "$(cat "$T/down.err")" "weirctl: no running weir: " "its message"

start_weir "$T/weir.json"
wait_children 3
kids=$(weir_children)
kill -KILL "$WEIR_PID" $kids
wait_gone "$WEIR_PID" 5 || fail "weir master survived SIGKILL"
rc=0
"$WEIRCTL" -s "$T/run" stats --prometheus >"$T/down.prom" 2>"$T/down.err" || rc=$?
assert_eq "$rc" 1 "exit status with a stale segment"
assert_eq "$(tail -n 1 "$T/down.prom")" "weir_up 0" "with a stale segment"
assert_eq "$(wc -l <"$T/down.prom")" 3 "lines with a stale segment"
assert_contains "$(cat "$T/down.err")" "(stale segment)" "its message"
# The other formats print nothing: they have no way to say "down".
rc=0
out=$("$WEIRCTL" -s "$T/run" stats --json 2>/dev/null) || rc=$?
assert_eq "$rc:$out" "1:" "weirctl stats --json with a stale segment"
pass
