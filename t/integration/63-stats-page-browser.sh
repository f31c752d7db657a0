#!/usr/bin/env bash
# A stats service's status page, opened in a real headless Chromium, shows every backend of the configuration with the figures weirctl reports, loads nothing but itself and /stats.json, redraws without a reload when a stopped lighttpd is marked down by the health checker, fits a phone's width, and says so when weir stops answering; screenshots are kept in the test's log directory.
. "$(dirname "$0")/lib.sh"

P=$(port 0)
PA=$(port 1)
PS=$(port 2)
B1=127.0.0.1:$(port 3)
B2=127.0.0.1:$(port 4)
A1=127.0.0.1:$(port 5)
SHOTS=$top_builddir/t/integration/logs/$TEST_NAME
rm -rf "$SHOTS"
mkdir -p "$SHOTS"

start_lighttpd b1 "$(port 3)" "$(make_docroot b1 "backend 1")"
start_lighttpd b2 "$(port 4)" "$(make_docroot b2 "backend 2")"
B2_PID=$LAST_PID
start_apache a1 "$(port 5)" "$(make_docroot a1 "apache 1")"
cat >"$T/weir.json" <<EOF
{
$(conf_globals 2)
  "pools": {
    "static": {"backends": ["$B1", "$B2"],
               "health": {"path": "/index.html", "interval_ms": 200,
                          "timeout_ms": 200, "rise": 2, "fall": 2}},
    "apache": {"backends": ["$A1"],
               "health": {"path": "/index.html", "interval_ms": 200,
                          "timeout_ms": 200, "rise": 2, "fall": 2}}
  },
  "services": {
    "www": {"listen": "127.0.0.1:$P", "pool": "static"},
    "app": {"listen": "127.0.0.1:$PA", "pool": "apache"},
    "status": {"role": "stats", "listen": "127.0.0.1:$PS"}
  }
}
EOF
start_weir "$T/weir.json"
wait_backend "$B2" '^up true ' 5 >/dev/null
wait_backend "$A1" '^up true ' 5 >/dev/null
for i in 1 2 3 4 5 6; do get "http://127.0.0.1:$P/" >/dev/null; done
for i in 1 2 3; do get "http://127.0.0.1:$PA/" >/dev/null; done

PYTHONPATH=$FIXTURES python3 - "http://127.0.0.1:$PS/" "$SHOTS" "$T" \
    "$B1 $B2 $A1" "$B2" "$B2_PID" "$WEIR_PID" <<'EOF' ||
import os, signal, sys
from browser import Browser

url, shots, tmp, backends, b2, b2_pid, weir_pid = sys.argv[1:]
backends = backends.split()
ROWS = "[...document.querySelectorAll('tr[data-backend]')]"
STATE = ("Object.fromEntries(%s.map(r => [r.dataset.backend, "
         "r.dataset.state]))" % ROWS)

def cell(selector, label):
    return ("(() => { const r = document.querySelector(%r); if (!r) "
            "return null; const c = [...r.cells].find(c => "
            "c.dataset.label === %r); return c ? c.textContent : null; })()"
            % (selector, label))

with Browser(os.path.join(tmp, "chromium"),
             os.path.join(tmp, "chromium.log")) as b:
    b.open(url)
    b.wait_for("%s.length === %d" % (ROWS, len(backends)), 10)
    b.wait_for("Object.values(%s).every(s => s === 'up')" % STATE, 10)
    states = b.eval(STATE)
    assert sorted(states) == sorted(backends), states
    # The figures are weir's: the requests each service got.
    www = cell("#services tbody tr:nth-child(1)", "Requests")
    app = cell("#services tbody tr:nth-child(2)", "Requests")
    assert b.eval(cell("#services tbody tr:nth-child(1)", "Service")) == \
        "www", b.eval("document.body.innerText")
    assert b.eval(www) == "6" and b.eval(app) == "3", \
        (b.eval(www), b.eval(app))
    assert b.eval(cell("tr[data-backend='%s']" % backends[0], "p50 ms")) \
        not in (None, "-"), "no latency for " + backends[0]
    assert "ok" in b.eval(cell("tr[data-backend='%s']" % b2, "Last check"))
    b.eval("window.weirTestMark = 'not reloaded'")
    updates = int(b.eval("document.body.dataset.updates"))
    b.screenshot(os.path.join(shots, "1-all-up.png"))

    # A real backend stops; the page follows the health checker.
    os.kill(int(b2_pid), signal.SIGTERM)
    took = b.wait_for("%s['%s'] === 'down'" % (STATE, b2), 15)
    print("# b2 shown down %.1f s after lighttpd was stopped" % took)
    check = b.eval(cell("tr[data-backend='%s']" % b2, "Last check"))
    assert "refused" in check, check
    assert b.eval("window.weirTestMark") == "not reloaded", "page reloaded"
    assert b.eval("performance.getEntriesByType('navigation').length") == 1
    assert int(b.eval("document.body.dataset.updates")) > updates
    others = b.eval(STATE)
    assert all(others[a] == "up" for a in backends if a != b2), others
    b.screenshot(os.path.join(shots, "2-b2-down.png"))

    # A phone: every backend still there, nothing wider than the screen.
    b.viewport(390, 844, mobile=True, scale=2)
    b.pump(1.5)
    assert b.eval("%s.length" % ROWS) == len(backends)
    width = b.eval("document.documentElement.scrollWidth")
    assert width <= 390, "the page is %d px wide on a 390 px phone" % width
    b.screenshot(os.path.join(shots, "3-phone.png"))

    # weir stops: the page keeps its figures and says it gets no answer.
    os.kill(int(weir_pid), signal.SIGTERM)
    b.wait_for("document.getElementById('live').className === 'stale'", 10)
    assert b.eval(ROWS + ".length") == len(backends)
    b.screenshot(os.path.join(shots, "4-weir-stopped.png"), full_page=False)

    # Nothing but the page and its figures was fetched, and nothing broke
    # (a script refused by the page's Content-Security-Policy would be).
    foreign = [u for u in b.requests if not u.startswith(url)]
    assert not foreign, "fetched from elsewhere: %s" % foreign
    assert url + "stats.json" in b.requests, b.requests
    errors = [e for e in b.errors if "stats.json" not in e and
              "ERR_CONNECTION_REFUSED" not in e]
    assert not errors, errors
    print("# %d requests, all to %s" % (len(b.requests), url))
EOF
    fail "the status page in Chromium: see above"

for f in 1-all-up 2-b2-down 3-phone 4-weir-stopped; do
	[ "$(head -c 8 "$SHOTS/$f.png" | od -An -tx1 | tr -d ' \n')" = 89504e470d0a1a0a ] ||
	    fail "no PNG screenshot $SHOTS/$f.png"
done
note "screenshots: $SHOTS"
wait_gone "$WEIR_PID" 5 || fail "weir did not stop on TERM"
pass
