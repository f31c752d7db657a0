#!/usr/bin/env python3
"""Perlbal's management console, scripted, for test 89.

  perlbal_console.py session PORT SCRIPT NAME=VALUE...
      sends every line of SCRIPT (NAME=VALUE words substitute ${NAME}) to
      the console at 127.0.0.1:PORT in one go, a marker command after
      each, and prints JSON: [[command, [answer lines]], ...].  The
      marker ("show pool zz_mark_N", an unknown pool) answers one ERROR
      line on Perlbal and on weir, so each answer is cut out exactly
      even when it is empty.  Lines after the last are read until the
      peer closes (QUIT) or 3 s of silence.

  perlbal_console.py say PORT COMMAND...
      the same for the COMMANDs given, printing only the answer lines,
      in order (for tests that read one answer at a time).

  perlbal_console.py check DOC PERLBAL.json WEIR.json PORT=NAME...
      compares the two sessions command by command, after putting NAME
      for each PORT (listen, console and backend ports differ between
      the two), sorting the lines of answers Perlbal prints in hash
      order (nodes, queues, states), and putting N for figures that
      depend on the moment (time, pid, CPU time, uptime).  Every answer
      that differs must be a row of the table after "<!-- console
      differences -->" in DOC, and every row must be seen.
"""
import fnmatch
import json
import re
import socket
import sys
import time

MARK = "show pool zz_mark_%d"


def session(port, script, subst):
    cmds = []
    with open(script) as f:
        for line in f:
            line = line.rstrip("\n")
            for k, v in subst.items():
                line = line.replace("${%s}" % k, v)
            cmds.append(line)
    return run(port, cmds)


def run(port, cmds):
    wire = ""
    for i, c in enumerate(cmds):
        wire += c + "\r\n" + MARK % i + "\r\n"
    s = socket.create_connection(("127.0.0.1", port), timeout=5)
    s.sendall(wire.encode())
    buf = b""
    last = ("ERROR: pool 'zz_mark_%d' does not exist\r\n" %
            (len(cmds) - 1)).encode()
    s.settimeout(3)
    try:
        while not buf.endswith(last):
            d = s.recv(65536)
            if not d:
                break
            buf += d
    except (socket.timeout, ConnectionResetError):
        pass
    s.close()
    lines = buf.decode("utf-8", "replace").split("\r\n")
    out, cur, n = [], [], 0
    for ln in lines:
        if n < len(cmds) and ln == ("ERROR: pool 'zz_mark_%d' does not "
                                    "exist" % n):
            out.append([cmds[n], cur])
            cur, n = [], n + 1
            continue
        if ln != "":
            cur.append(ln)
    # A session that ended (QUIT) leaves the rest unanswered.
    if n < len(cmds):
        out.append([cmds[n], cur + ["<closed>"]])
        n += 1
    for c in cmds[n:]:
        out.append([c, ["<closed>"]])
    return out


TIMED = re.compile(r"^(time:|pid:|utime:|stime:|starttime|uptime)( .*)$")
UNORDERED = ("nodes", "node ", "queues", "states")


def normal(cmd, lines, ports):
    res = []
    for ln in lines:
        for p, name in ports.items():
            ln = ln.replace(":%s" % p, ":" + name)
        m = TIMED.match(ln)
        if m:
            ln = m.group(1) + re.sub(r"[0-9.]+", "N", m.group(2))
        res.append(ln)
    if cmd.strip().lower().startswith(UNORDERED):
        res = sorted(res[:-1]) + res[-1:] if res[-1:] == ["."] else \
            sorted(res)
    return " / ".join(res) if res else "(nothing)"


def parse_doc(path):
    rows = []
    with open(path, encoding="utf-8") as f:
        text = f.read()
    start = text.find("<!-- console differences -->")
    if start < 0:
        sys.exit("%s: no <!-- console differences --> table" % path)
    for line in text[start:].splitlines()[1:]:
        if not line.startswith("|"):
            if rows:
                break
            continue
        cells = [x.strip() for x in line.strip().strip("|").split("|")]
        if len(cells) < 5 or not cells[0].startswith("`"):
            continue
        rows.append(tuple(x.strip("`") for x in cells[:4]))
    return rows


def check(doc, pfile, wfile, ports):
    with open(pfile) as f:
        p = json.load(f)
    with open(wfile) as f:
        w = json.load(f)
    if [c for c, _ in p] != [c for c, _ in w]:
        print("FAIL: the two sessions ran different commands")
        return 1
    rows = parse_doc(doc)
    used, bad, same = set(), [], 0
    for (cmd, pl), (_, wl) in zip(p, w):
        pv, wv = normal(cmd, pl, ports), normal(cmd, wl, ports)
        if pv == wv:
            same += 1
            print("same     %-40s %s" % (cmd, pv[:60]))
            continue
        hit = [r for r in rows if fnmatch.fnmatchcase(cmd, r[1])
               and fnmatch.fnmatchcase(pv, r[2])
               and fnmatch.fnmatchcase(wv, r[3])]
        if hit:
            used.add(hit[0][0])
            print("listed   %-40s (%s)" % (cmd, hit[0][0]))
        else:
            bad.append("not in %s: `%s`: Perlbal `%s`, weir `%s`" %
                       (doc, cmd, pv, wv))
    for r in rows:
        if r[0] not in used:
            bad.append("%s lists `%s` (`%s`), which no command shows" %
                       (doc, r[0], r[1]))
    print("%d answers the same, %d rows of console differences seen" %
          (same, len(used)))
    for b in bad:
        print("FAIL: " + b)
    return 1 if bad else 0


def main():
    a = sys.argv
    if len(a) >= 4 and a[1] == "session":
        subst = dict(x.split("=", 1) for x in a[4:])
        json.dump(session(int(a[2]), a[3], subst), sys.stdout, indent=1)
        print()
        return 0
    if len(a) >= 4 and a[1] == "say":
        for _, lines in run(int(a[2]), a[3:]):
            for ln in lines:
                print(ln)
        return 0
    if len(a) >= 5 and a[1] == "check":
        ports = dict(x.split("=", 1) for x in a[5:])
        return check(a[2], a[3], a[4], ports)
    sys.exit(__doc__)


if __name__ == "__main__":
    sys.exit(main())
