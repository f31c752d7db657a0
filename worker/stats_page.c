/*
 * The stats role's page for a browser: HTML, a style sheet and a script,
 * all inline so the page loads nothing but /stats.json, which the script
 * reads every second to redraw the tables (no reload).  Data goes into
 * the page only as text (textContent), never as markup.  The page's
 * Content-Security-Policy allows exactly this style sheet and this script,
 * by their SHA-256, and connections to its own origin.
 *
 * The layout: one table per section on a wide screen; below 760 pixels
 * each row becomes a card of "label value" lines, so a phone needs no
 * sideways scrolling.
 */
#include "worker/stats_page.h"

#include <stdio.h>
#include <string.h>

#include <openssl/evp.h>

static const char page_top[] =
	"<!DOCTYPE html>\n"
	"<html lang=\"en\">\n"
	"<head>\n"
	"<meta charset=\"utf-8\">\n"
	"<meta name=\"viewport\" content=\"width=device-width, initial-scale="
	"1\">\n"
	"<meta name=\"color-scheme\" content=\"light dark\">\n"
	"<title>weir status</title>\n";

static const char page_style[] =
	":root {\n"
	"  --fg: #1f2328; --bg: #fff; --mut: #656d76; --line: #d0d7de;\n"
	"  --head: #f6f8fa; --up: #1a7f37; --down: #cf222e; --warn: #9a6700;"
	"\n"
	"}\n"
	"@media (prefers-color-scheme: dark) {\n"
	"  :root {\n"
	"    --fg: #e6edf3; --bg: #0d1117; --mut: #8d96a0; --line: #30363d;\n"
	"    --head: #161b22; --up: #2ea043; --down: #da3633; --warn: #9e6a03"
	";\n"
	"  }\n"
	"}\n"
	"* { box-sizing: border-box; }\n"
	"body {\n"
	"  margin: 0; color: var(--fg); background: var(--bg);\n"
	"  font: 14px/1.45 system-ui, -apple-system, \"Segoe UI\", sans-serif"
	";\n"
	"}\n"
	"header {\n"
	"  position: sticky; top: 0; z-index: 1; display: flex;\n"
	"  flex-wrap: wrap; align-items: baseline; gap: .2em 1.2em;\n"
	"  padding: .5em 1em; background: var(--head);\n"
	"  border-bottom: 1px solid var(--line);\n"
	"}\n"
	"h1 { font-size: 1.25em; margin: 0; }\n"
	"main { padding: 0 1em 2em; }\n"
	"h2 { font-size: 1.05em; margin: 1.4em 0 .4em; }\n"
	"h2 .mut { font-weight: normal; font-size: .9em; }\n"
	".mut { color: var(--mut); }\n"
	".wrap { overflow-x: auto; }\n"
	"table {\n"
	"  border-collapse: collapse; width: 100%;\n"
	"  font-variant-numeric: tabular-nums;\n"
	"}\n"
	"th, td {\n"
	"  padding: .3em .55em; border-bottom: 1px solid var(--line);\n"
	"  text-align: right; white-space: nowrap;\n"
	"}\n"
	"th { color: var(--mut); font-weight: 600; font-size: .85em; }\n"
	".l { text-align: left; }\n"
	"td.check { white-space: normal; min-width: 12em; overflow-wrap: anyw"
	"here; }\n"
	".st {\n"
	"  display: inline-block; padding: 0 .55em; border-radius: 1em;\n"
	"  color: #fff; font-weight: 600; font-size: .9em;\n"
	"}\n"
	".st.up { background: var(--up); }\n"
	".st.down { background: var(--down); }\n"
	".st.disabled, .st.draining, .st.panic { background: var(--warn); }\n"
	".st.drained { background: var(--mut); }\n"
	".bad { color: var(--down); }\n"
	"#live::before { content: \"\\25cf  \"; color: var(--mut); }\n"
	"#live.ok::before { color: var(--up); }\n"
	"#live.stale::before { color: var(--down); }\n"
	"/* A phone: each row a card of label and value pairs, two abreast. *"
	"/\n"
	"@media (max-width: 760px) {\n"
	"  header { padding: .5em .7em; }\n"
	"  main { padding: 0 .7em 2em; }\n"
	"  table, tbody, td { display: block; width: 100%; }\n"
	"  thead { display: none; }\n"
	"  tr {\n"
	"    display: grid; grid-template-columns: 1fr 1fr; column-gap: 1.4em"
	";\n"
	"    border: 1px solid var(--line); border-radius: .5em;\n"
	"    margin: .5em 0; padding: .35em .7em;\n"
	"  }\n"
	"  td {\n"
	"    display: flex; justify-content: space-between; gap: .6em;\n"
	"    border: 0; padding: .1em 0; white-space: normal;\n"
	"  }\n"
	"  td::before {\n"
	"    content: attr(data-label); color: var(--mut); text-align: left;"
	"\n"
	"    flex: none;\n"
	"  }\n"
	"  td:first-child, td.check, td.wide { grid-column: 1 / -1; }\n"
	"  td:first-child { font-weight: 600; }\n"
	"  td.check { min-width: 0; }\n"
	"}\n";

static const char page_middle[] =
	"</head>\n"
	"<body>\n"
	"<header><h1>weir</h1><span id=\"master\" class=\"mut\">loading...</s"
	"pan><span id=\"live\"></span></header>\n"
	"<main>\n"
	"<noscript><p>This page reads <a href=\"stats.json\">stats.json</a> w"
	"ith a script; the same figures are in <a href=\"metrics\">metrics</a"
	">.</p></noscript>\n"
	"<h2>Services</h2>\n"
	"<div class=\"wrap\"><table id=\"services\"><thead></thead><tbody></t"
	"body></table></div>\n"
	"<div id=\"pools\"></div>\n"
	"<h2>Workers</h2>\n"
	"<div class=\"wrap\"><table id=\"workers\"><thead></thead><tbody></tb"
	"ody></table></div>\n"
	"</main>\n";

/*
 * Columns are declared once per table (COLS); rates are per second
 * between two answers; a check's age is counted on the browser's clock.
 */
static const char page_script[] =
	"\"use strict\";\n"
	"(function () {\n"
	"  var COLS = {\n"
	"    services: [[\"Service\", \"l\"], [\"Listen\", \"l wide\"], [\"Ac"
	"tive\"],\n"
	"        [\"Requests\"], [\"Req/s\"], [\"1xx\"], [\"2xx\"], [\"3xx\"]"
	", [\"4xx\"],\n"
	"        [\"5xx\"], [\"In\"], [\"Out\"]],\n"
	"    backends: [[\"Backend\", \"l\"], [\"State\", \"l\"], [\"Weight\""
	"],\n"
	"        [\"Active\"], [\"Requests\"], [\"Req/s\"], [\"Errors\"], [\""
	"1xx\"],\n"
	"        [\"2xx\"], [\"3xx\"], [\"4xx\"], [\"5xx\"], [\"p50 ms\"], ["
	"\"p99 ms\"],\n"
	"        [\"In\"], [\"Out\"], [\"Last check\", \"l check\"]],\n"
	"    workers: [[\"Worker\", \"l\"], [\"PID\"], [\"Accepted\"], [\"Act"
	"ive\"],\n"
	"        [\"Requests\"]]\n"
	"  };\n"
	"  var CLASSES = [\"1xx\", \"2xx\", \"3xx\", \"4xx\", \"5xx\"];\n"
	"  var prev = {}, prevAt = 0, lastOk = 0, updates = 0;\n"
	"\n"
	"  function $(id) { return document.getElementById(id); }\n"
	"  function el(tag, cls, text) {\n"
	"    var e = document.createElement(tag);\n"
	"    if (cls) e.className = cls;\n"
	"    if (text !== undefined) e.textContent = text;\n"
	"    return e;\n"
	"  }\n"
	"  function pad(n) { return (n < 10 ? \"0\" : \"\") + n; }\n"
	"  function dur(s) {\n"
	"    s = Math.max(0, Math.floor(s));\n"
	"    var d = Math.floor(s / 86400), h = Math.floor(s % 86400 / 3600),"
	"\n"
	"        m = Math.floor(s % 3600 / 60);\n"
	"    if (d) return d + \"d\" + pad(h) + \"h\" + pad(m) + \"m\";\n"
	"    if (h) return h + \"h\" + pad(m) + \"m\" + pad(s % 60) + \"s\";"
	"\n"
	"    if (m) return m + \"m\" + pad(s % 60) + \"s\";\n"
	"    return s + \"s\";\n"
	"  }\n"
	"  function bytes(n) {\n"
	"    var u = \"KMGTPE\", i = -1;\n"
	"    if (n < 1024) return String(n);\n"
	"    do { n /= 1024; i++; } while (n >= 1024 && i < 5);\n"
	"    return n.toFixed(1) + u[i];\n"
	"  }\n"
	"  function ms(v) {\n"
	"    return v < 10 ? v.toFixed(2) : v < 100 ? v.toFixed(1) :\n"
	"        v.toFixed(0);\n"
	"  }\n"
	"  function clock(t) {\n"
	"    var d = new Date(t * 1000);\n"
	"    return pad(d.getHours()) + \":\" + pad(d.getMinutes()) + \":\" +"
	"\n"
	"        pad(d.getSeconds());\n"
	"  }\n"
	"  /* Requests a second since the last answer, for one counter. */\n"
	"  function rate(seen, key, n, dt) {\n"
	"    var was = prev[key];\n"
	"    seen[key] = n;\n"
	"    if (was === undefined || dt <= 0 || n < was) return \"-\";\n"
	"    return ((n - was) / dt).toFixed(1);\n"
	"  }\n"
	"  function head(table, cols) {\n"
	"    var tr = el(\"tr\");\n"
	"    cols.forEach(function (c) { tr.appendChild(el(\"th\", c[1], c[0]"
	")); });\n"
	"    table.tHead.replaceChildren(tr);\n"
	"  }\n"
	"  /* A row of cells, each labelled for the narrow layout. */\n"
	"  function row(cols, cells) {\n"
	"    var tr = el(\"tr\");\n"
	"    cells.forEach(function (v, i) {\n"
	"      var td = el(\"td\", cols[i][1]);\n"
	"      td.setAttribute(\"data-label\", cols[i][0]);\n"
	"      if (v instanceof Node) td.appendChild(v);\n"
	"      else td.textContent = v;\n"
	"      tr.appendChild(td);\n"
	"    });\n"
	"    return tr;\n"
	"  }\n"
	"  function badge(state) { return el(\"span\", \"st \" + state, state"
	"); }\n"
	"  function classes(r) {\n"
	"    return CLASSES.map(function (c) { return r[c]; });\n"
	"  }\n"
	"  function check(c, now) {\n"
	"    var span;\n"
	"    if (!c.at_unix) return \"-\";\n"
	"    span = el(\"span\", c.ok ? \"\" : \"bad\", (c.detail ||\n"
	"        (c.ok ? \"ok\" : \"failed\")) + \" (\" + dur(now - c.at_unix"
	") +\n"
	"        \" ago)\");\n"
	"    return span;\n"
	"  }\n"
	"  function render(s) {\n"
	"    var now = Date.now() / 1000, dt = prevAt ? now - prevAt : 0;\n"
	"    var seen = {}, tb, pools = $(\"pools\"), m = s.master;\n"
	"\n"
	"    $(\"master\").textContent = \"pid \" + m.pid + \" \\u00b7 up \" "
	"+\n"
	"        dur(m.uptime_s) + \" \\u00b7 generation \" + m.generation +"
	"\n"
	"        \" \\u00b7 \" + m.workers + \" worker\" +\n"
	"        (m.workers === 1 ? \"\" : \"s\");\n"
	"    tb = $(\"services\").tBodies[0];\n"
	"    tb.replaceChildren.apply(tb, s.services.map(function (v) {\n"
	"      return row(COLS.services, [v.name, v.listen.join(\", \"),\n"
	"          v.active, v.requests,\n"
	"          rate(seen, \"s/\" + v.name, v.requests, dt)].concat(\n"
	"          classes(v.responses), [bytes(v.bytes_in),\n"
	"          bytes(v.bytes_out)]));\n"
	"    }));\n"
	"    pools.replaceChildren.apply(pools, s.pools.map(function (p) {\n"
	"      var sec = el(\"section\"), h = el(\"h2\"), t = el(\"table\"),"
	"\n"
	"          w = el(\"div\", \"wrap\");\n"
	"      sec.setAttribute(\"data-pool\", p.name);\n"
	"      h.append(\"Pool \" + p.name + \" \", badge(p.state), \" \",\n"
	"          el(\"span\", \"mut\", p.balance + \", \" +\n"
	"          p.backends.length + \" backend\" +\n"
	"          (p.backends.length === 1 ? \"\" : \"s\") +\n"
	"          (p.when_all_down === \"panic\" ?\n"
	"          \", panic when all down\" : \"\")));\n"
	"      t.createTHead();\n"
	"      head(t, COLS.backends);\n"
	"      tb = t.createTBody();\n"
	"      p.backends.forEach(function (b) {\n"
	"        var lat = b.latency_ms, none = !lat.p50 && !lat.p99;\n"
	"        var tr = row(COLS.backends, [b.address,\n"
	"            badge(b.state), b.weight, b.active, b.requests,\n"
	"            rate(seen, \"b/\" + p.name + \"/\" + b.address,\n"
	"            b.requests, dt), b.errors].concat(\n"
	"            classes(b.responses), [none ? \"-\" : ms(lat.p50),\n"
	"            none ? \"-\" : ms(lat.p99), bytes(b.bytes_in),\n"
	"            bytes(b.bytes_out), check(b.check, now)]));\n"
	"        tr.setAttribute(\"data-backend\", b.address);\n"
	"        tr.setAttribute(\"data-state\", b.state);\n"
	"        tb.appendChild(tr);\n"
	"      });\n"
	"      w.appendChild(t);\n"
	"      sec.append(h, w);\n"
	"      return sec;\n"
	"    }));\n"
	"    tb = $(\"workers\").tBodies[0];\n"
	"    tb.replaceChildren.apply(tb, s.workers.map(function (v, i) {\n"
	"      return row(COLS.workers, [String(i), v.pid || \"-\",\n"
	"          v.accepted, v.active, v.requests]);\n"
	"    }));\n"
	"    prev = seen;\n"
	"    prevAt = now;\n"
	"  }\n"
	"  function live(ok, why) {\n"
	"    var l = $(\"live\");\n"
	"    l.className = ok ? \"ok\" : \"stale\";\n"
	"    l.textContent = ok ? \"updated \" + clock(lastOk) :\n"
	"        \"no answer (\" + why + \")\" +\n"
	"        (lastOk ? \", last update \" + clock(lastOk) : \"\");\n"
	"    document.title = (ok ? \"\" : \"(no answer) \") + \"weir status"
	"\";\n"
	"  }\n"
	"  function tick() {\n"
	"    fetch(\"stats.json\", { cache: \"no-store\" }).then(function (r)"
	" {\n"
	"      if (!r.ok) throw new Error(\"HTTP \" + r.status);\n"
	"      return r.json();\n"
	"    }).then(function (s) {\n"
	"      render(s);\n"
	"      lastOk = Date.now() / 1000;\n"
	"      document.body.setAttribute(\"data-updates\", ++updates);\n"
	"      live(true);\n"
	"    }).catch(function (e) {\n"
	"      live(false, e.message || String(e));\n"
	"    }).finally(function () {\n"
	"      setTimeout(tick, 1000);\n"
	"    });\n"
	"  }\n"
	"  head($(\"services\"), COLS.services);\n"
	"  head($(\"workers\"), COLS.workers);\n"
	"  tick();\n"
	"})();\n";

static const char page_end[] =
	"</body>\n"
	"</html>\n";

void
stats_page_write(FILE *out)
{
	fputs(page_top, out);
	fputs("<style>", out);
	fputs(page_style, out);
	fputs("</style>\n", out);
	fputs(page_middle, out);
	fputs("<script>", out);
	fputs(page_script, out);
	fputs("</script>\n", out);
	fputs(page_end, out);
}

/* "'sha256-<base64>'" of <s> into <buf> (at least 54 bytes); -1 on error. */
static int
hash_source(char *buf, size_t len, const char *s)
{
	unsigned char	md[EVP_MAX_MD_SIZE];
	unsigned char	b64[4 * ((EVP_MAX_MD_SIZE + 2) / 3) + 1];
	unsigned int	mdlen;

	if (EVP_Digest(s, strlen(s), md, &mdlen, EVP_sha256(), NULL) != 1)
		return -1;
	EVP_EncodeBlock(b64, md, (int)mdlen);
	if ((size_t)snprintf(buf, len, "'sha256-%s'", b64) >= len)
		return -1;
	return 0;
}

const char *
stats_page_csp(void)
{
	static char	csp[320];
	char		style[64], script[64];

	if (csp[0] != '\0')
		return csp;
	if (hash_source(style, sizeof(style), page_style) == -1 ||
	    hash_source(script, sizeof(script), page_script) == -1 ||
	    (size_t)snprintf(csp, sizeof(csp), "default-src 'none'; "
	    "style-src %s; script-src %s; connect-src 'self'; base-uri "
	    "'none'; form-action 'none'; frame-ancestors 'none'", style,
	    script) >= sizeof(csp)) {
		csp[0] = '\0';
		return NULL;
	}
	return csp;
}
