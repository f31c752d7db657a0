#!/usr/bin/env python3
"""Replays llhttp's request test vectors (markdown) against a proxy.

  llhttp_replay.py list CORPUS
  llhttp_replay.py run CORPUS PORT EXCEPTIONS [--jobs N] [--map FILE]
  llhttp_replay.py judge FILE CHECKED

CORPUS is llhttp's test/request directory.  Each test there is a heading,
an HTML comment "<!-- meta={...} -->", a ```http block holding the raw
message and a ```log block holding the parser's events, which end in
"off=N error code=C reason=..." when llhttp rejects the input.  The ```http
text becomes bytes the way llhttp's own harness documents it: lines are
joined with CRLF, a backslash at the end of a line joins it to the next,
\\r \\n \\t \\f \\xHH and octal \\NNN stand for those characters, and
the result is sent as UTF-8 (so "\\xff" is two bytes, as the offsets in
the logs show).  Every span the log reports (off=N len=L span[...]="...")
is checked against the bytes built, so a mistake in this conversion shows
up as a count, not as a wrong verdict.

Verdicts: "accept" (no error, or only llhttp's pause codes 21-23, which
hand the rest of the stream to an upgraded protocol), "reject" (an error;
the messages llhttp completed before it are counted), and "lenient" (llhttp
accepts the input only with a leniency flag, so by default it rejects it
somewhere: no message counts as complete, unless a test without the flag
has the same bytes, whose verdict is then taken).

"run" sends each vector on its own connection, as is and, when llhttp's
log shows an HTTP/1.1 message without Host, once more with "Host:
corpus.test" after its request line (otherwise every such vector would
stop at weir's 400 for a missing Host and never reach a backend).  It
half-closes after sending, reads until the proxy closes (10 s at most),
then requires that no more 2xx answers came back than llhttp completed
messages before rejecting,
unless EXCEPTIONS (a markdown file) lists the vector as a line starting
"- `llhttp:FILE:HEADING`".  Every listed vector must exist and must need
its exception, so the list says exactly what weir does.  It prints a VEC
line per replay and a summary.  Exit 1 on a violation, a stale or unknown
exception, or a conversion mismatch.  Each replay comes from a loopback
address of its own, which weir passes on in X-Forwarded-For; --map writes
to FILE which replay used which address and what it got back.

"judge" then reads CHECKED, the output of "strict_backend.py check" on the
backend's recording, and requires that nothing ambiguous reached the
backend, that the backend answered exactly the requests whose answers weir
relayed to each replay, and that no part of a request weir rejected itself
reached the backend (every replay is sent in one write, so weir had all of
it before deciding); a request is left unfinished on the backend only when
the vector itself ends before its message does.
"""
import concurrent.futures
import json
import os
import re
import socket
import sys
import time

sys.dont_write_bytecode = True     # no __pycache__ in the source tree
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from rawhttp import parse_responses  # noqa: E402

PAUSE_CODES = {21, 22, 23}
HOST_LINE = b"Host: corpus.test\r\n"


def unescape_input(text):
    """The bytes an ```http block stands for (see the module comment)."""
    if "${" in text:
        return None
    text = re.sub(r"\\(\r\n|\r|\n)", "", text)
    text = re.sub(r"\r\n|\r|\n", "\r\n", text)
    text = text.replace("\\r", "\r").replace("\\n", "\n")
    text = text.replace("\\t", "\t").replace("\\f", "\f")
    text = re.sub(r"\\x([0-9a-fA-F]+)",
                  lambda m: chr(int(m.group(1), 16)), text)
    text = re.sub(r"\\([0-7]{1,3})",
                  lambda m: chr(int(m.group(1), 8)), text)
    return text.encode("utf-8", "surrogateescape")


def span_forms(text):
    """What a span printed in the log may stand for: the log escapes HTAB,
    FF, CR and LF (not always) and shows everything else as is."""
    return {t.encode("utf-8") for t in (
        text, text.replace("\\r", "\r").replace("\\n", "\n")
        .replace("\\t", "\t").replace("\\f", "\f"))}


class Vector:
    """One llhttp test: its id ("FILE:HEADING"), meta type, bytes and log,
    and what llhttp made of it."""

    def __init__(self, vid, kind, raw, log):
        self.vid = vid
        self.kind = kind
        self.raw = raw
        self.log = log
        self.verdict, self.ok_before, self.reason = self.judge()
        self.mismatches = self.check_spans()

    def judge(self):
        if self.kind.startswith("request-lenient"):
            for line in self.log:
                m = re.match(r'off=\d+ error code=(\d+) reason="(.*)"', line)
                if m and int(m.group(1)) not in PAUSE_CODES:
                    return "reject", 0, m.group(2)
            return "lenient", 0, "needs " + self.kind
        completes = 0
        for line in self.log:
            if re.match(r"off=\d+ message complete", line):
                completes += 1
            m = re.match(r'off=\d+ error code=(\d+) reason="(.*)"', line)
            if m:
                if int(m.group(1)) in PAUSE_CODES:
                    return "accept", completes, "paused: " + m.group(2)
                return "reject", completes, m.group(2)
        return "accept", completes, ""

    def check_spans(self):
        bad = 0
        for line in self.log:
            m = re.match(r'off=(\d+) len=(\d+) span\[[a-z_]+\]="(.*)"\Z',
                         line)
            if not m:
                continue
            off, n = int(m.group(1)), int(m.group(2))
            if self.raw[off:off + n] not in span_forms(m.group(3)):
                bad += 1
        return bad

    def with_host(self):
        """The bytes with Host added to each HTTP/1.1 message lacking it."""
        starts, inserts = [], []
        version = None
        has_host = False
        for line in self.log:
            if re.match(r"off=\d+ message begin", line):
                starts.append(None)
                version, has_host = None, False
            m = re.match(r'off=\d+ len=\d+ span\[version\]="(.*)"', line)
            if m:
                version = m.group(1)
            m = re.match(r"off=(\d+) version complete", line)
            if m and version == "1.1":
                starts[-1] = int(m.group(1))
            m = re.match(r'off=\d+ len=\d+ span\[header_field\]="(.*)"',
                         line)
            if m and m.group(1).lower() == "host":
                has_host = True
            if re.match(r"off=\d+ headers complete", line):
                if starts and starts[-1] is not None and not has_host:
                    inserts.append(starts[-1])
        raw = self.raw
        for at in reversed(inserts):
            if raw[at:at + 2] != b"\r\n" or raw[at + 2:at + 3] in (b" ",
                                                                  b"\t"):
                continue
            raw = raw[:at + 2] + HOST_LINE + raw[at + 2:]
        return raw if raw != self.raw else None


def read_corpus(corpus):
    """Every request vector in <corpus>/*.md, in file order, and how many
    were left out because their message is computed by inline JavaScript
    ("${...}", which the harness evaluates)."""
    vectors = []
    computed = 0
    for name in sorted(os.listdir(corpus)):
        if not name.endswith(".md"):
            continue
        with open(os.path.join(corpus, name), encoding="utf-8") as f:
            lines = f.read().split("\n")
        heading, meta, block, block_kind = None, None, None, None
        http, seen = None, {}
        prev = ""
        for line in lines:
            if block is not None:
                if line.startswith("```"):
                    if block_kind == "http":
                        http = "\n".join(block)
                    elif block_kind == "log" and http is not None and \
                            meta is not None:
                        vid = "%s:%s" % (name, heading)
                        seen[vid] = seen.get(vid, 0) + 1
                        if seen[vid] > 1:
                            vid += " #%d" % seen[vid]
                        raw = unescape_input(http)
                        kind = meta.get("type", "")
                        if raw is None:
                            computed += 1
                        elif kind.startswith("request"):
                            vectors.append(Vector(vid, kind, raw, block))
                        http, meta = None, None
                    block = None
                else:
                    block.append(line)
                continue
            if line.startswith("```"):
                block_kind = line[3:].strip()
                block = []
                continue
            m = re.match(r"#+\s+(.*?)\s*\Z", line)
            if m:
                heading = m.group(1)
            elif re.match(r"(=+|-+)\s*\Z", line) and prev.strip():
                heading = prev.strip()
            m = re.match(r"<!--\s*meta=(.*?)\s*-->", line)
            if m:
                meta = json.loads(m.group(1))
            prev = line
    # A leniency test often has a twin: the same bytes without the flag,
    # whose log says where llhttp's default parser stops.
    strict = {}
    for v in vectors:
        if not v.kind.startswith("request-lenient"):
            strict.setdefault(v.raw, v)
    for v in vectors:
        twin = strict.get(v.raw)
        if v.kind.startswith("request-lenient") and twin is not None:
            v.verdict, v.ok_before = twin.verdict, twin.ok_before
            v.reason = "as %s: %s" % (twin.vid, twin.reason)
    return vectors, computed


def read_exceptions(path):
    """Vector ids the document allows a 2xx for."""
    ids = set()
    with open(path, encoding="utf-8") as f:
        for line in f:
            m = re.match(r"- `llhttp:([^`]+)`", line)
            if m:
                ids.add(m.group(1))
    return ids


def source_address(i):
    """A loopback address of its own for replay <i>: weir names it in the
    X-Forwarded-For it sends, so the backend's bytes say whose they are."""
    return "127.10.%d.%d" % (i // 254, i % 254 + 1)


def exchange(port, source, raw, timeout):
    """Sends <raw> from <source> and half-closes: the proxy answers what it
    has and closes, so no answer is missed for want of waiting.  Returns
    [(status, who)] of the answers, who being the backend's
    X-Backend-Request id, "refused" (the backend's own 400) or None (weir's
    own answer), and whether the connection closed within <timeout>."""
    s = socket.create_connection(("127.0.0.1", port), timeout=timeout,
                                 source_address=(source, 0))
    s.sendall(raw)
    s.shutdown(socket.SHUT_WR)
    data = b""
    closed = False
    deadline = time.monotonic() + timeout
    while True:
        left = deadline - time.monotonic()
        if left <= 0:
            break
        s.settimeout(left)
        try:
            chunk = s.recv(65536)
        except socket.timeout:
            break
        except ConnectionResetError:
            closed = True
            break
        if not chunk:
            closed = True
            break
        data += chunk
    s.close()
    answers = []
    for status, headers, _, _ in parse_responses(data):
        if status is None:
            answers.append(("garbage", None))
            continue
        who = None
        for n, v in headers:
            if n.lower() == "x-backend-request":
                who = v
            elif n.lower() == "x-backend-refused":
                who = "refused"
        answers.append((status, who))
    return answers, closed


def run(corpus, port, exceptions_path, jobs, map_path):
    vectors, computed = read_corpus(corpus)
    allowed = read_exceptions(exceptions_path)
    unknown = allowed - {v.vid for v in vectors}
    mismatched = [v for v in vectors if v.mismatches]
    replays = []
    for v in vectors:
        replays.append((v, "as-is", v.raw))
        host = v.with_host()
        if host is not None:
            replays.append((v, "+host", host))

    def one(i):
        v, variant, raw = replays[i]
        return exchange(port, source_address(i), raw, 10.0)

    with concurrent.futures.ThreadPoolExecutor(jobs) as pool:
        results = list(pool.map(one, range(len(replays))))

    relayed = 0
    violations = 0
    used = set()
    tally = {}
    records = []
    for i, ((v, variant, raw), (answers, closed)) in enumerate(
            zip(replays, results)):
        statuses = [a[0] for a in answers]
        ok = sum(1 for s in statuses if isinstance(s, int) and
                 200 <= s < 300)
        relayed += sum(1 for a in answers if a[1] not in (None, "refused"))
        wrong = v.verdict != "accept" and ok > v.ok_before
        if wrong and v.vid in allowed:
            used.add(v.vid)
            wrong = False
            mark = "exception"
        else:
            mark = "VIOLATION" if wrong else "ok"
        violations += wrong
        weir = "2xx" if ok else ("error" if statuses else "nothing")
        key = (v.verdict, weir)
        tally[key] = tally.get(key, 0) + 1
        print("VEC %s [%s] llhttp=%s(%d complete%s) weir=%s %s%s" % (
            v.vid, variant, v.verdict, v.ok_before,
            ", " + v.reason if v.reason else "",
            ",".join(str(s) for s in statuses) or "-",
            "closed" if closed else "open", "" if mark == "ok" else
            " " + mark))
        records.append({"source": source_address(i), "vector": v.vid,
                        "variant": variant, "answers": answers})
    if map_path:
        with open(map_path, "w") as f:
            json.dump(records, f)
    files = len({v.vid.split(":")[0] for v in vectors})
    print("llhttp vectors: %d from %d files (%d computed by JavaScript "
          "left out); replays: %d (%d with Host added)" % (
              len(vectors), files, computed, len(replays),
              len(replays) - len(vectors)))
    for verdict in ("accept", "reject", "lenient"):
        n = sum(1 for v in vectors if v.verdict == verdict)
        by = ", ".join("%s %d" % (w, tally.get((verdict, w), 0))
                       for w in ("2xx", "error", "nothing"))
        print("llhttp %s: %d vectors; weir answered (per replay): %s" %
              (verdict, n, by))
    unused = allowed - used - unknown
    print("exceptions listed %d, used %d%s%s" % (
        len(allowed), len(used),
        "; naming no vector: " + ", ".join(sorted(unknown))
        if unknown else "",
        "; not needed: " + ", ".join(sorted(unused)) if unused else ""))
    print("backend answers relayed: %d" % relayed)
    print("conversion mismatches: %d vectors%s" % (
        len(mismatched),
        " (" + ", ".join(v.vid for v in mismatched) + ")"
        if mismatched else ""))
    print("violations: %d" % violations)
    return 1 if violations or mismatched or unknown or unused else 0


def judge(map_path, check_path):
    """Holds what the backend received (the output of strict_backend.py
    check) against what each replay got back."""
    with open(map_path) as f:
        replays = {r["source"]: r for r in json.load(f)}
    answered = {}
    problems = []
    cut_by_client = 0

    def name(r):
        return "%s [%s]" % (r["vector"], r["variant"])

    with open(check_path) as f:
        lines = f.read().splitlines()
    for line in lines:
        m = re.match(r"(ID|TRUNCATED|BAD) (.*?)\bxff=(\S+?):? ", line + " ")
        if not m:
            continue
        kind, what, source = m.group(1), m.group(2).strip(), m.group(3)
        r = replays.get(source)
        if r is None:
            problems.append("%s %s from %s, which no replay used" %
                            (kind, what, source))
            continue
        if kind == "ID":
            answered.setdefault(source, set()).add(what)
        elif kind == "BAD":
            problems.append("%s: ambiguous bytes reached the backend: %s" %
                            (name(r), line))
        else:
            # All of a replay's bytes go in one write: if weir rejected a
            # request itself, none of it may have gone on.  A request the
            # client itself left unfinished is cut short by its close.
            own = [s for s, who in r["answers"]
                   if who is None and isinstance(s, int) and s >= 400 and
                   s != 408]
            if own:
                problems.append("%s: weir answered %s itself, yet part of "
                                "the request reached the backend: %s" %
                                (name(r), own, line))
            else:
                cut_by_client += 1
                print("UNFINISHED %s (weir answered %s)" % (
                    name(r), [a[0] for a in r["answers"]] or "nothing"))
    relayed = 0
    for source, r in replays.items():
        got = {who for _, who in r["answers"]
               if who not in (None, "refused")}
        relayed += len(got)
        sent = answered.get(source, set())
        if got != sent:
            problems.append("%s: the backend answered %s, weir relayed %s" %
                            (name(r), sorted(sent) or "nothing",
                             sorted(got) or "nothing"))
    total = sum(len(v) for v in answered.values())
    print("backend: %d requests answered, %d answers relayed, %d requests "
          "cut short by the client's own unfinished input" %
          (total, relayed, cut_by_client))
    for p in problems:
        print("PROBLEM " + p)
    return 1 if problems else 0


def list_vectors(corpus):
    for v in read_corpus(corpus)[0]:
        print("%s\t%s\t%s\t%d\t%s\t%d\t%r" % (
            v.vid, v.kind, v.verdict, v.ok_before, v.reason, v.mismatches,
            v.raw))
    return 0


def main():
    args = sys.argv[1:]
    if len(args) == 2 and args[0] == "list":
        return list_vectors(args[1])
    if len(args) == 3 and args[0] == "judge":
        return judge(args[1], args[2])
    if len(args) >= 4 and args[0] == "run":
        jobs, map_path = 8, None
        rest = args[4:]
        while rest:
            if rest[0] == "--jobs" and len(rest) > 1:
                jobs = int(rest[1])
            elif rest[0] == "--map" and len(rest) > 1:
                map_path = rest[1]
            else:
                break
            rest = rest[2:]
        if not rest:
            return run(args[1], int(args[2]), args[3], jobs, map_path)
    sys.stderr.write(__doc__)
    return 2


if __name__ == "__main__":
    sys.exit(main())
