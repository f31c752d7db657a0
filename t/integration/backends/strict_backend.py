#!/usr/bin/env python3
"""A backend that records every byte it receives and judges it strictly.

strict_backend.py serve PORT DIR
    Listen on 127.0.0.1:PORT until killed.  Append each connection's bytes
    to DIR/conn-NNNNN.raw as they arrive, and create DIR/conn-NNNNN.closed
    when it ends.  Answer each complete request with 200 (after a 100 if it
    expects one) and the body "request C.S" (connection C, request S), also
    sent as the field X-Backend-Request: C.S.  A request for
    /cut-short/chunked or /cut-short/length gets only the start of its
    response before a clean close, as from a backend that died mid-body.
strict_backend.py check DIR
    Once every connection has ended (or 5 s passed), parse every
    DIR/conn-*.raw again and print "ID C.S xff=ADDR" per complete request,
    "TRUNCATED file offset xff=ADDR: bytes" per connection that ended inside
    a request, "BAD file offset xff=ADDR: why" per violation (ADDR: the
    request's X-Forwarded-For, "-" if none), then "connections N requests N
    truncated N bad N".  Exit 1 if anything is BAD.
strict_backend.py since DIR MARK OUT [--wait-closed]
    MARK lists "conn-NNNNN.raw SIZE" lines taken earlier (stat -c '%n %s'
    in DIR).  Write to OUT what has arrived since, once nothing new has come
    for 0.3 s, and print "conn-NNNNN open|closed" for each connection it
    came on (waiting up to 2 s for it to close, if told).

What a proxy in front of it may send is held to more than RFC 9112 asks of
a sender: one request after another, each unambiguous to any reader. So
the request line is "token SP origin-form-or-* SP HTTP/1.1"; every line ends
in CRLF, with no bare CR or LF anywhere in a head or in chunk framing; no
obs-fold; field names are tokens and values hold no control byte but HTAB;
exactly one Host; at most one Content-Length (plain decimal, no leading
zero), at most one Transfer-Encoding (exactly "chunked"), never both; chunk
sizes without leading zeros, extensions or whitespace; trailer fields as
strict as head fields.  A request that breaks one of these is answered 400
(with X-Backend-Refused) and its connection closed after the proxy's last
byte, every byte still recorded.
"""
import os
import re
import socket
import sys
import threading
import time

HEAD_MAX = 65536
TCHAR = (rb"[!#$%&'*+\-.^_`|~0-9A-Za-z]")
REQUEST_LINE = re.compile(rb"(" + TCHAR + rb"+) (\S+) HTTP/1\.1\Z")
FIELD = re.compile(rb"(" + TCHAR + rb"+):[ \t]*(.*?)[ \t]*\Z", re.S)
VALUE_OK = re.compile(rb"[\t\x20-\x7e\x80-\xff]*\Z")
CHUNK_SIZE = re.compile(rb"(0|[1-9a-fA-F][0-9a-fA-F]{0,15})\r\n")
CHUNK_SIZE_START = re.compile(rb"(0|[1-9a-fA-F][0-9a-fA-F]{0,15})?\r?")
DECIMAL = re.compile(rb"(0|[1-9][0-9]{0,18})\Z")


# Requests for these targets get the start of a response and then a clean
# close, as from a backend that died mid-body.
CUTS = {
    b"/cut-short/chunked":
        b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
        b"5\r\nhello\r\n",
    b"/cut-short/length":
        b"HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\nhello",
}


class Bad(Exception):
    """A violation at byte <offset> of the connection."""

    def __init__(self, offset, why):
        super().__init__(why)
        self.offset = offset
        self.why = why


def bare_crlf(data, start, end):
    """Offset of the first CR not followed by LF or LF not preceded by CR."""
    i = start
    while True:
        cr = data.find(b"\r", i, end)
        lf = data.find(b"\n", i, end)
        if lf >= 0 and (cr < 0 or lf < cr):
            return lf
        if cr < 0:
            return -1
        if cr + 1 < end and data[cr + 1:cr + 2] != b"\n":
            return cr
        if cr + 1 >= end:
            return -1
        i = cr + 2


def parse_fields(data, lines, offset, what):
    """[(name lowercased, value)] of field <lines>; Bad on any violation."""
    fields = []
    for line in lines:
        if line[:1] in (b" ", b"\t"):
            raise Bad(offset, "%s: obs-fold or leading whitespace" % what)
        m = FIELD.match(line)
        if not m:
            raise Bad(offset, "%s: not a field line: %r" % (what, line[:80]))
        if not VALUE_OK.match(m.group(2)):
            raise Bad(offset, "%s: control byte in the value of %r" %
                      (what, m.group(1)))
        fields.append((m.group(1).lower(), m.group(2)))
        offset += len(line) + 2
    return fields


def parse_head(data, start):
    """(head_end, method, fields) or None if the head is not complete."""
    end = data.find(b"\r\n\r\n", start)
    limit = end if end >= 0 else len(data)
    bad = bare_crlf(data, start, limit)
    if bad >= 0:
        raise Bad(bad, "bare CR or LF in the head")
    if end < 0:
        if len(data) - start > HEAD_MAX:
            raise Bad(start, "head longer than %d bytes" % HEAD_MAX)
        return None
    lines = data[start:end].split(b"\r\n")
    m = REQUEST_LINE.match(lines[0])
    if not m:
        raise Bad(start, "not a strict HTTP/1.1 request line: %r" %
                  lines[0][:120])
    method, target = m.group(1), m.group(2)
    if not (target.startswith(b"/") or
            (target == b"*" and method == b"OPTIONS")):
        raise Bad(start, "request-target is not origin-form: %r" %
                  target[:120])
    if re.search(rb"[\x00-\x20\x7f-\xff]", target):
        raise Bad(start, "control, space or 8-bit byte in the target")
    fields = parse_fields(data, lines[1:], start + len(lines[0]) + 2, "head")
    return end + 4, method, fields


def framing(fields, offset):
    """("length", n), ("chunked", None) or ("none", None)."""
    names = [n for n, _ in fields]
    if names.count(b"host") != 1:
        raise Bad(offset, "%d Host fields" % names.count(b"host"))
    cls = [v for n, v in fields if n == b"content-length"]
    tes = [v for n, v in fields if n == b"transfer-encoding"]
    if cls and tes:
        raise Bad(offset, "both Content-Length and Transfer-Encoding")
    if len(cls) > 1 or len(tes) > 1:
        raise Bad(offset, "more than one framing field")
    if cls:
        if not DECIMAL.match(cls[0]):
            raise Bad(offset, "Content-Length not canonical: %r" % cls[0])
        return "length", int(cls[0])
    if tes:
        if tes[0] != b"chunked":
            raise Bad(offset, "Transfer-Encoding is not exactly chunked: %r"
                      % tes[0])
        return "chunked", None
    return "none", None


def parse_chunked(data, pos):
    """Offset after the chunked body starting at <pos>, or None."""
    while True:
        if pos >= len(data):
            return None
        m = CHUNK_SIZE.match(data, pos)
        if not m:
            if CHUNK_SIZE_START.fullmatch(data, pos):
                return None
            raise Bad(pos, "chunk-size line not canonical: %r" %
                      data[pos:pos + 40])
        size = int(m.group(1), 16)
        pos = m.end()
        if size == 0:
            break
        if len(data) < pos + size + 2:
            return None
        if data[pos + size:pos + size + 2] != b"\r\n":
            raise Bad(pos + size, "chunk data not followed by CRLF")
        pos += size + 2
    end = data.find(b"\r\n\r\n", pos - 2)
    limit = end if end >= 0 else len(data)
    bad = bare_crlf(data, pos, limit)
    if bad >= 0:
        raise Bad(bad, "bare CR or LF in the trailer section")
    if end < 0:
        return None
    if end + 2 > pos:
        lines = data[pos:end].split(b"\r\n")
        fields = parse_fields(data, lines, pos, "trailer")
        for n, _ in fields:
            if n in (b"content-length", b"transfer-encoding", b"host"):
                raise Bad(pos, "framing or Host field in a trailer")
    return end + 4


def parse_request(data, start):
    """(end, method, fields, body_start) or None if more is needed."""
    head = parse_head(data, start)
    if head is None:
        return None
    head_end, method, fields = head
    kind, n = framing(fields, start)
    if kind == "length":
        if len(data) < head_end + n:
            return None
        return head_end + n, method, fields, head_end
    if kind == "chunked":
        end = parse_chunked(data, head_end)
        if end is None:
            return None
        return end, method, fields, head_end
    return head_end, method, fields, head_end


def head_complete(data, start):
    """(method, fields, head_end) once a strict head is in, else None."""
    head = parse_head(data, start)
    if head is None:
        return None
    return head[1], head[2], head[0]


class Conn:
    """One backend connection from the proxy, served in its own thread."""

    def __init__(self, sock, cid, directory):
        self.sock = sock
        self.cid = cid
        self.path = os.path.join(directory, "conn-%05d.raw" % cid)

    def run(self):
        data = b""
        pos = 0
        seq = 0
        continued = -1
        refused = False
        with open(self.path, "ab") as log:
            while True:
                try:
                    chunk = self.sock.recv(65536)
                except OSError:
                    chunk = b""
                if not chunk:
                    break
                log.write(chunk)
                log.flush()
                data += chunk
                if refused:
                    continue
                try:
                    while pos < len(data):
                        r = parse_request(data, pos)
                        if r is None:
                            h = head_complete(data, pos)
                            if h is not None and continued != pos and \
                                    any(n == b"expect" and
                                        v.lower() == b"100-continue"
                                        for n, v in h[1]):
                                continued = pos
                                self.sock.sendall(
                                    b"HTTP/1.1 100 Continue\r\n\r\n")
                            break
                        end, method, fields, _ = r
                        seq += 1
                        target = data[pos:end].split(b" ", 2)[1]
                        if target in CUTS:
                            self.sock.sendall(CUTS[target])
                            self.sock.shutdown(socket.SHUT_RDWR)
                            break
                        self.answer(method, fields, seq)
                        pos = end
                        if any(n == b"connection" and b"close" in v.lower()
                               for n, v in fields):
                            self.sock.shutdown(socket.SHUT_WR)
                except Bad as e:
                    refused = True
                    self.refuse(e)
                except OSError:
                    pass
        self.sock.close()
        open(self.path[:-4] + ".closed", "w").close()

    def answer(self, method, fields, seq):
        rid = "%d.%d" % (self.cid, seq)
        body = b"" if method == b"HEAD" else ("request %s\n" % rid).encode()
        head = ("HTTP/1.1 200 OK\r\nContent-Length: %d\r\n"
                "X-Backend-Request: %s\r\n\r\n" %
                (len(b"request %s\n" % rid.encode()), rid)).encode()
        self.sock.sendall(head + body)

    def refuse(self, e):
        body = ("strict backend refused: %s\n" % e.why).encode()
        try:
            self.sock.sendall(b"HTTP/1.1 400 Bad Request\r\nConnection: close"
                              b"\r\nX-Backend-Refused: 1\r\n"
                              b"Content-Length: %d\r\n\r\n" % len(body) +
                              body)
            self.sock.shutdown(socket.SHUT_WR)
        except OSError:
            pass


def serve(port, directory):
    os.makedirs(directory, exist_ok=True)
    ls = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    ls.bind(("127.0.0.1", port))
    ls.listen(256)
    cid = 0
    while True:
        s, _ = ls.accept()
        cid += 1
        t = threading.Thread(target=Conn(s, cid, directory).run, daemon=True)
        t.start()


def xff(data, start):
    """The X-Forwarded-For of the head at <start>, or "-": who the proxy
    says sent this request."""
    end = data.find(b"\r\n\r\n", start)
    m = re.compile(rb"\r\nX-Forwarded-For: ([^\r\n]*)", re.I).search(
        data, start, end if end >= 0 else len(data))
    return m.group(1).decode("latin-1") if m else "-"


def check(directory):
    conns = reqs = truncated = bad = 0
    # A connection's last bytes are in its file once it has ended.
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline and any(
            not os.path.exists(os.path.join(directory, n[:-4] + ".closed"))
            for n in sizes(directory)):
        time.sleep(0.05)
    for name in sorted(os.listdir(directory)):
        m = re.fullmatch(r"conn-(\d+)\.raw", name)
        if not m:
            continue
        conns += 1
        cid = int(m.group(1))
        with open(os.path.join(directory, name), "rb") as f:
            data = f.read()
        pos = seq = 0
        try:
            while pos < len(data):
                r = parse_request(data, pos)
                if r is None:
                    truncated += 1
                    print("TRUNCATED %s offset %d xff=%s: %r" %
                          (name, pos, xff(data, pos), data[pos:pos + 120]))
                    break
                seq += 1
                reqs += 1
                print("ID %d.%d xff=%s" % (cid, seq, xff(data, pos)))
                pos = r[0]
        except Bad as e:
            bad += 1
            print("BAD %s offset %d xff=%s: %s; bytes from %d: %r" %
                  (name, e.offset, xff(data, pos), e.why, pos,
                   data[pos:pos + 200]))
    print("connections %d requests %d truncated %d bad %d" %
          (conns, reqs, truncated, bad))
    return 1 if bad else 0


def sizes(directory):
    out = {}
    for name in os.listdir(directory):
        if re.fullmatch(r"conn-\d+\.raw", name):
            out[name] = os.path.getsize(os.path.join(directory, name))
    return out


def since(directory, mark_path, out_path, wait_closed):
    """Writes to <out_path> the bytes recorded after <mark_path> was taken,
    once nothing new has arrived for 0.3 s (at most 3 s), and prints each
    connection they came on with "open" or "closed" (the proxy ended it;
    with <wait_closed>, after waiting up to 2 s for that)."""
    before = {}
    with open(mark_path) as f:
        for line in f:
            name, size = line.split()
            before[name] = int(size)
    last, stable_since = None, time.monotonic()
    deadline = stable_since + 3
    while time.monotonic() < deadline:
        now = sizes(directory)
        if now != last:
            last, stable_since = now, time.monotonic()
        elif time.monotonic() - stable_since >= 0.3:
            break
        time.sleep(0.05)
    touched = [n for n in sorted(last) if last[n] > before.get(n, 0)]
    with open(out_path, "wb") as out:
        for name in touched:
            with open(os.path.join(directory, name), "rb") as f:
                f.seek(before.get(name, 0))
                out.write(f.read(last[name] - before.get(name, 0)))
    for name in touched:
        closed = os.path.join(directory, name[:-4] + ".closed")
        end = time.monotonic() + (2 if wait_closed else 0)
        while not os.path.exists(closed) and time.monotonic() < end:
            time.sleep(0.05)
        print("%s %s" % (name[:-4], "closed" if os.path.exists(closed)
                         else "open"))
    return 0


def main():
    if len(sys.argv) in (5, 6) and sys.argv[1] == "since" and \
            sys.argv[5:] in ([], ["--wait-closed"]):
        return since(sys.argv[2], sys.argv[3], sys.argv[4],
                     len(sys.argv) == 6)
    if len(sys.argv) == 4 and sys.argv[1] == "serve":
        serve(int(sys.argv[2]), sys.argv[3])
        return 0
    if len(sys.argv) == 3 and sys.argv[1] == "check":
        return check(sys.argv[2])
    sys.stderr.write(__doc__)
    return 2


if __name__ == "__main__":
    sys.exit(main())
