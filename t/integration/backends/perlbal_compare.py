#!/usr/bin/env python3
"""Sends the same requests to Perlbal and to weir and compares the answers.

  perlbal_compare.py observe SET PORT [--apache-log FILE] > OBS.json
      runs the cases of SET ("selector", "balancer" or "down") against
      127.0.0.1:PORT and writes, for each case, short observations: the
      status, the response's version and framing, which backend answered
      and what it saw (echo.cgi's report: protocol, method, uri, the
      forwarding fields), whether the connection stayed open, and for the
      balancer what Apache's access log shows of verification and reuse.

  perlbal_compare.py check DOC PERLBAL.json WEIR.json
      lists every (case, observation) where the two differ, and fails
      unless each is a row of the table of deliberate differences in DOC
      (doc/perlbal.md) with the values seen, and each row of that table
      is seen: the document and the behaviour cannot drift apart.
"""
import hashlib
import fnmatch
import json
import re
import socket
import sys
import time

# Generous: a loaded machine must not turn a slow answer into none.
TIMEOUT = 10.0
# How long a connection that stays open is watched for a close.
LINGER = 1.0


def exchange(port, steps, want=1, timeout=TIMEOUT, head=False):
    """Sends each of <steps> (bytes) in turn on one connection, reading
    after each until <want> more final responses are whole, the peer
    closes, or <timeout>.  Returns (responses, end): responses as
    (version, status, headers, body); end "closed", "reset", "open" or
    "timeout" (no answer at all)."""
    s = socket.create_connection(("127.0.0.1", port), timeout=timeout)
    data = b""
    end = "open"
    got = 0
    for step in steps:
        try:
            s.sendall(step)
        except (BrokenPipeError, ConnectionResetError):
            end = "reset"
            break
        got += want
        deadline = time.monotonic() + timeout
        while finals(data, head) < got:
            left = deadline - time.monotonic()
            if left <= 0:
                end = "timeout" if not data else "open"
                break
            s.settimeout(left)
            try:
                chunk = s.recv(65536)
            except socket.timeout:
                continue
            except ConnectionResetError:
                end = "reset"
                break
            if not chunk:
                end = "closed"
                break
            data += chunk
        if end != "open":
            break
    if end == "open":
        # Does the server keep the connection, or close it soon?
        s.settimeout(LINGER)
        try:
            if s.recv(1) == b"":
                end = "closed"
        except socket.timeout:
            pass
        except ConnectionResetError:
            end = "reset"
    s.close()
    return responses(data, head), end


def parse(data, head):
    """Each response in <data> as (version, status, headers, body,
    complete), interim ones too; a body framed by the close is never
    complete."""
    out = []
    pos = 0
    while pos < len(data):
        end = data.find(b"\r\n\r\n", pos)
        if end < 0:
            break
        lines = data[pos:end].split(b"\r\n")
        m = re.match(rb"(HTTP/\d\.\d) (\d\d\d)", lines[0])
        if not m:
            break
        version, status = m.group(1).decode(), int(m.group(2))
        h = {}
        for ln in lines[1:]:
            n, _, v = ln.decode("latin-1").partition(":")
            h.setdefault(n.strip().lower(), v.strip())
        pos = end + 4
        if status < 200 or status in (204, 304) or head:
            out.append((version, status, h, b"", True))
            continue
        if "chunked" in h.get("transfer-encoding", "").lower():
            body, complete = b"", False
            while True:
                le = data.find(b"\r\n", pos)
                if le < 0:
                    break
                size = int(data[pos:le].split(b";")[0].strip() or b"0", 16)
                if size == 0:
                    te = data.find(b"\r\n\r\n", le)
                    if te >= 0:
                        pos, complete = te + 4, True
                    break
                if len(data) < le + 2 + size + 2:
                    break
                body += data[le + 2:le + 2 + size]
                pos = le + 2 + size + 2
            out.append((version, status, h, body, complete))
            if not complete:
                break
        elif "content-length" in h:
            n = int(h["content-length"])
            body = data[pos:pos + n]
            pos += len(body)
            out.append((version, status, h, body, len(body) == n))
        else:
            out.append((version, status, h, data[pos:], False))
            break
    return out


def responses(data, head):
    """The final responses in <data>: (version, status, headers, body)."""
    return [r[:4] for r in parse(data, head) if r[1] >= 200]


def finals(data, head):
    return sum(1 for r in parse(data, head) if r[1] >= 200 and r[4])


def report(body):
    """echo.cgi's and upload.cgi's "key=value" lines."""
    out = {}
    for line in body.decode("latin-1").splitlines():
        k, sep, v = line.partition("=")
        if sep:
            out.setdefault(k, v)
    return out


def framing(h):
    if "content-length" in h:
        return "length"
    if "chunked" in h.get("transfer-encoding", ""):
        return "chunked"
    return "close"


def observe_one(rs, end, echo=True):
    """Observations of one exchange of one request."""
    o = {"answer": "none" if not rs else str(rs[0][1]), "end": end}
    if not rs:
        return o
    version, status, h, body = rs[0]
    o["version"] = version
    o["framing"] = framing(h)
    o["resp.via"] = h.get("via", "-")
    # Perlbal signs its own answers; weir's own carry no Server field.
    o["answered-by"] = "backend" if "server" in h and \
        h["server"] != "Perlbal" else "proxy"
    if echo and status == 200:
        r = report(body)
        o["backend"] = r.get("backend", "-")
        o["backend.protocol"] = r.get("protocol", "-")
        o["backend.method"] = r.get("method", "-")
        o["backend.uri"] = r.get("uri", "-")
        o["backend.host"] = r.get("HTTP_HOST", "-")
        o["backend.xff"] = r.get("HTTP_X_FORWARDED_FOR", "-")
        o["backend.xfp"] = r.get("HTTP_X_FORWARDED_PROTO", "-")
        o["backend.xfh"] = r.get("HTTP_X_FORWARDED_HOST", "-")
        o["backend.via"] = r.get("HTTP_VIA", "-")
        o["backend.connection"] = r.get("HTTP_CONNECTION", "-")
        if "md5" in r:
            o["backend.body"] = "%s/%s" % (r.get("len"), r.get("md5"))
    return o


def req(target="/echo.cgi", host="www.example.com", version="HTTP/1.1",
        method="GET", extra="", body=b"", close=True):
    head = "%s %s %s\r\n" % (method, target, version)
    if host is not None:
        head += "Host: %s\r\n" % host
    head += extra
    if close:
        head += "Connection: close\r\n"
    return (head + "\r\n").encode() + body


def case_host(port, host, target="/echo.cgi"):
    return observe_one(*exchange(port, [req(target, host)]))


def selector_cases(port):
    """Seed scenario 1: static.example.com to lighttpd, the rest to
    Apache, the client kept alive (persist_client)."""
    c = {}
    c["host-static"] = case_host(port, "static.example.com")
    c["host-other"] = case_host(port, "www.example.com")
    c["host-with-port"] = case_host(port, "static.example.com:80")
    c["host-fully-qualified"] = case_host(port, "static.example.com.")
    c["host-in-capitals"] = case_host(port, "STATIC.Example.COM")
    c["http10-without-host"] = observe_one(*exchange(
        port, [req(host=None, version="HTTP/1.0", close=False)]))
    c["http11-without-host"] = observe_one(*exchange(
        port, [req(host=None)]))
    c["absolute-form"] = observe_one(*exchange(port, [req(
        "http://static.example.com/echo.cgi", "www.example.com")]))
    c["spoofed-forwarded-for"] = observe_one(*exchange(port, [req(
        extra="X-Forwarded-For: 10.6.6.6\r\nX-Forwarded-Host: evil\r\n")]))
    c["not-found"] = observe_one(*exchange(port, [req("/nope.html")]),
                                 echo=False)
    rs, end = exchange(port, [req("/index.html", method="HEAD")], head=True)
    c["head"] = observe_one(rs, end, echo=False)
    if rs:
        c["head"]["length"] = rs[0][2].get("content-length", "-")
    body = b"x" * 100000
    c["post-length"] = observe_one(*exchange(port, [req(
        "/upload.cgi", method="POST", body=body,
        extra="Content-Length: %d\r\n" % len(body))]))
    chunked = b"".join(b"%x\r\n%s\r\n" % (len(p), p)
                       for p in (b"a" * 1000, b"b" * 5000)) + b"0\r\n\r\n"
    c["post-chunked"] = observe_one(*exchange(port, [req(
        "/upload.cgi", method="POST", body=chunked,
        extra="Transfer-Encoding: chunked\r\n")]))
    rs, end = exchange(port, [req("/big.bin", "static.example.com")],
                       timeout=10)
    c["large-download"] = observe_one(rs, end, echo=False)
    if rs:
        c["large-download"]["md5"] = hashlib.md5(rs[0][3]).hexdigest()
    # Keep-alive: a file (its length known), then echo.cgi, whose length
    # the CGI does not say.
    ka = req("/index.html", "static.example.com", close=False)
    rs, end = exchange(port, [ka, ka])
    c["keepalive-file"] = {"answers": " ".join(str(r[1]) for r in rs),
                           "end": end,
                           "resp.connection": rs[0][2].get(
                               "connection", "-") if rs else "-"}
    cgi = req("/echo.cgi", "static.example.com", close=False)
    rs, end = exchange(port, [cgi, cgi])
    c["keepalive-cgi"] = {"answers": " ".join(str(r[1]) for r in rs),
                          "end": end,
                          "framing": framing(rs[0][2]) if rs else "-"}
    rs, end = exchange(port, [req("/index.html", "static.example.com",
                                  "HTTP/1.0", extra="Connection: "
                                  "keep-alive\r\n", close=False)] * 2)
    c["keepalive-http10"] = {"answers": " ".join(str(r[1]) for r in rs),
                             "end": end}
    rs, end = exchange(port, [ka + req("/index.html", "www.example.com",
                                       close=False)], want=2)
    c["pipelined"] = {"answers": " ".join(str(r[1]) for r in rs) or "none",
                      "backends": " ".join(r[3].decode().strip()
                                           for r in rs if r[1] == 200)
                      or "-"}
    c["garbage-request-line"] = observe_one(*exchange(
        port, [b"FOO\r\n\r\n"]), echo=False)
    c["http2-preface"] = observe_one(*exchange(
        port, [b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"]), echo=False)
    return c


def apache_lines(log):
    try:
        with open(log, encoding="latin-1") as f:
            return f.read().splitlines()
    except OSError:
        return []


def balancer_cases(port, apache_log):
    """Seed scenario 2: two web servers at random, backend connections
    kept (persist_backend) and verified first (verify_backend)."""
    c = {}
    before = len(apache_lines(apache_log))
    seen = set()
    protocols = set()
    for _ in range(30):
        rs, end = exchange(port, [req()])
        if rs and rs[0][1] == 200:
            r = report(rs[0][3])
            seen.add(r.get("backend", "-"))
            protocols.add(r.get("protocol", "-"))
    lines = apache_lines(apache_log)[before:]
    ports = {ln.split()[1] for ln in lines if "/echo.cgi" in ln}
    gets = sum(1 for ln in lines if "/echo.cgi" in ln)
    options = [re.search(r'"(OPTIONS [^"]*)"', ln).group(1)
               for ln in lines if '"OPTIONS ' in ln]
    c["spread"] = {"backends": " ".join(sorted(seen)),
                   "backend.protocol": " ".join(sorted(protocols))}
    c["verify"] = {"verified": "yes" if options else "no",
                   "request": options[0] if options else "-"}
    c["backend-reuse"] = {"reused": "yes" if gets > 0 and
                          len(ports) * 2 <= gets else "no"}
    ka = req(close=False)
    rs, end = exchange(port, [ka, ka])
    c["client-keepalive"] = {"answers": " ".join(str(r[1]) for r in rs),
                             "end": end}
    return c


def down_cases(port):
    """Scenario 1 again, lighttpd stopped: the static host's backend
    refuses connections."""
    return {"backend-down": observe_one(*exchange(
        port, [req("/index.html", "static.example.com")], timeout=4),
        echo=False)}


def parse_doc(path):
    """The rows of the table after the "deliberate differences" marker:
    (id, case, observation, perlbal, weir)."""
    rows = []
    with open(path, encoding="utf-8") as f:
        text = f.read()
    start = text.find("<!-- deliberate differences -->")
    if start < 0:
        sys.exit("%s: no <!-- deliberate differences --> table" % path)
    for line in text[start:].splitlines()[1:]:
        if not line.startswith("|"):
            if rows:
                break
            continue
        cells = [x.strip() for x in line.strip().strip("|").split("|")]
        if len(cells) < 6 or not cells[0].startswith("`"):
            continue
        rows.append(tuple(x.strip("`") for x in cells[:5]))
    return rows


def check(doc, pfile, wfile):
    with open(pfile) as f:
        p = json.load(f)
    with open(wfile) as f:
        w = json.load(f)
    rows = parse_doc(doc)
    used = set()
    bad = []
    same = 0
    for case in sorted(set(p) | set(w)):
        po, wo = p.get(case, {}), w.get(case, {})
        keys = set(po) | set(wo)
        # Different answers: what follows from them is not compared.
        for a in ("answer", "answers"):
            if po.get(a, "-") != wo.get(a, "-"):
                keys &= {a, "end"}
        for key in sorted(keys):
            pv, wv = po.get(key, "-"), wo.get(key, "-")
            if pv == wv:
                same += 1
                continue
            # A value may be a shell pattern: a port that changes.
            hit = [r for r in rows if r[1] in (case, "*") and r[2] == key
                   and fnmatch.fnmatchcase(pv, r[3])
                   and fnmatch.fnmatchcase(wv, r[4])]
            if hit:
                used.update(r[0] for r in hit)
                print("listed   %-22s %-18s Perlbal %-14s weir %s (%s)" %
                      (case, key, pv, wv, hit[0][0]))
            else:
                bad.append("not in %s: case %s, %s: Perlbal `%s`, weir "
                           "`%s`" % (doc, case, key, pv, wv))
    for r in rows:
        if r[0] not in used:
            bad.append("%s lists `%s` (case %s, %s: Perlbal `%s`, weir "
                       "`%s`), which no case shows" % (doc, r[0], r[1],
                                                       r[2], r[3], r[4]))
    print("%d observations the same, %d rows of deliberate differences "
          "seen" % (same, len(used)))
    for b in bad:
        print("FAIL: " + b)
    return 1 if bad else 0


def main():
    if len(sys.argv) >= 4 and sys.argv[1] == "observe":
        which, port = sys.argv[2], int(sys.argv[3])
        log = sys.argv[5] if len(sys.argv) > 5 and \
            sys.argv[4] == "--apache-log" else ""
        if which == "selector":
            out = selector_cases(port)
        elif which == "balancer":
            out = balancer_cases(port, log)
        elif which == "down":
            out = down_cases(port)
        else:
            sys.exit("unknown set %s" % which)
        json.dump(out, sys.stdout, indent=1, sort_keys=True)
        print()
        return 0
    if len(sys.argv) == 5 and sys.argv[1] == "check":
        return check(sys.argv[2], sys.argv[3], sys.argv[4])
    sys.exit(__doc__)


if __name__ == "__main__":
    sys.exit(main())
