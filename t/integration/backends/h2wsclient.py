#!/usr/bin/env python3
"""A WebSocket client over HTTP/2 (RFC 8441 extended CONNECT) for test 99,
on the "h2" library (Debian python3-h2) for the HTTP/2 framing and flow
control; the WebSocket framing (RFC 6455 5) is written here, client
frames masked, as a browser sends them.

Usage: h2wsclient.py HOST:PORT [--tls CA] [--path PATH] STEP...

It connects (TLS with ALPN h2 and the CA to verify, or cleartext h2 with
prior knowledge), waits for the server's SETTINGS and prints
"connect_protocol N" (SETTINGS_ENABLE_CONNECT_PROTOCOL), then opens an
extended CONNECT stream (:protocol websocket, sec-websocket-version 13)
to PATH and prints "status S" and "field NAME: VALUE" of the answer.  A
status other than 200 ends the run there ("stream ended" or
"stream reset CODE" after it).  Then each STEP, one line of result each;
exits 1 with "error: ..." at the first failure.

Steps (against backends/wsecho.py):
  echo          texts and random binaries of 0 to 64 KiB both ways, each
                compared: "echo ok N"
  large MIB     one binary message of MIB MiB there and back, compared:
                "large ok BYTES MD5"
  headers       the opening request's fields as the backend saw them:
                "headers JSON"
  second        a second tunnel on the same connection, echoing beside
                the first, then closed: "second ok"
  get PATH      a plain GET on the same connection while the tunnel is
                open: "get STATUS BYTES"
  close         the client closes (1000), then ends its side of the
                stream: "closed by client CODE"
  close-server  the server closes: "closed by server CODE REASON"
  reset         the client resets the stream (CANCEL): "reset sent"
  idle          nothing sent until the stream ends: "idle ended after SECS
                (ended|reset CODE)"
  hold FILE     one echo every 0.1 s until FILE exists (60 s at most):
                "hold ok N"
"""
import argparse
import hashlib
import json
import os
import socket
import ssl
import struct
import sys
import time

import h2.config
import h2.connection
import h2.events
import h2.settings


def fail(msg):
    print("error: %s" % msg, flush=True)
    sys.exit(1)


def ws_frame(opcode, payload):
    """One client frame, FIN set, masked (RFC 6455 5.3)."""
    n = len(payload)
    head = bytes([0x80 | opcode])
    if n < 126:
        head += bytes([0x80 | n])
    elif n < 65536:
        head += bytes([0x80 | 126]) + struct.pack("!H", n)
    else:
        head += bytes([0x80 | 127]) + struct.pack("!Q", n)
    mask = os.urandom(4)
    m = (mask * (n // 4 + 1))[:n]
    body = (int.from_bytes(payload, "big") ^ int.from_bytes(m, "big")) \
        .to_bytes(n, "big") if n else b""
    return head + mask + body


class Stream:
    def __init__(self, sid):
        self.sid = sid
        self.buf = b""          # DATA not yet parsed as frames
        self.msgs = []          # (opcode, payload) whole messages
        self.frag = None        # a message in fragments
        self.ended = False
        self.reset = None
        self.headers = None
        self.raw = False        # a plain request: DATA kept as they come


class Client:
    def __init__(self, addr, ca, path):
        host, port = addr.rsplit(":", 1)
        self.sock = socket.create_connection((host, int(port)), timeout=30)
        self.authority = addr
        self.scheme = "http"
        if ca:
            ctx = ssl.create_default_context(cafile=ca)
            ctx.check_hostname = False
            ctx.set_alpn_protocols(["h2"])
            self.sock = ctx.wrap_socket(self.sock)
            if self.sock.selected_alpn_protocol() != "h2":
                fail("ALPN chose %r" % self.sock.selected_alpn_protocol())
            self.scheme = "https"
        self.path = path
        cfg = h2.config.H2Configuration(client_side=True,
                                        header_encoding="utf-8")
        self.conn = h2.connection.H2Connection(config=cfg)
        self.conn.initiate_connection()
        self.flush()
        self.streams = {}
        self.settings_seen = False
        self.goaway = False
        self.raw = b""
        while not self.settings_seen:
            self.pump()

    def flush(self):
        data = self.conn.data_to_send()
        if data:
            self.sock.sendall(data)

    def pump(self, timeout=30):
        self.sock.settimeout(timeout)
        try:
            data = self.sock.recv(1 << 16)
        except socket.timeout:
            fail("nothing came in %s s" % timeout)
        if not data:
            fail("connection closed")
        for ev in self.conn.receive_data(self.strip_goaway(data)):
            self.event(ev)
        self.flush()

    def strip_goaway(self, data):
        """The h2 library closes its side on any GOAWAY, while RFC 9113
        6.8 lets the streams already open run on after a graceful one
        (NO_ERROR): those are taken out here and noted; whole frames
        only, the rest waits for more bytes."""
        self.raw += data
        out = b""
        while True:
            if len(self.raw) < 9:
                break
            n = int.from_bytes(self.raw[:3], "big")
            if len(self.raw) < 9 + n:
                break
            frame, self.raw = self.raw[:9 + n], self.raw[9 + n:]
            if frame[3] == 7 and int.from_bytes(frame[13:17], "big") == 0:
                self.goaway = True
                continue
            out += frame
        return out

    def event(self, ev):
        if isinstance(ev, h2.events.RemoteSettingsChanged):
            self.settings_seen = True
        elif isinstance(ev, h2.events.ResponseReceived):
            self.streams[ev.stream_id].headers = ev.headers
        elif isinstance(ev, h2.events.DataReceived):
            st = self.streams.get(ev.stream_id)
            self.conn.acknowledge_received_data(ev.flow_controlled_length,
                                                ev.stream_id)
            if st is not None:
                st.buf += ev.data
                if not st.raw:
                    self.parse(st)
        elif isinstance(ev, h2.events.StreamEnded):
            if ev.stream_id in self.streams:
                self.streams[ev.stream_id].ended = True
        elif isinstance(ev, h2.events.StreamReset):
            if ev.stream_id in self.streams:
                self.streams[ev.stream_id].reset = int(ev.error_code)
        elif isinstance(ev, h2.events.ConnectionTerminated):
            fail("GOAWAY %s" % ev.error_code)

    def parse(self, st):
        while len(st.buf) >= 2:
            b0, b1 = st.buf[0], st.buf[1]
            if b1 & 0x80:
                fail("a masked frame from the server")
            n, off = b1 & 0x7f, 2
            if n == 126:
                if len(st.buf) < 4:
                    return
                n, off = struct.unpack("!H", st.buf[2:4])[0], 4
            elif n == 127:
                if len(st.buf) < 10:
                    return
                n, off = struct.unpack("!Q", st.buf[2:10])[0], 10
            if len(st.buf) < off + n:
                return
            payload, st.buf = st.buf[off:off + n], st.buf[off + n:]
            op = b0 & 0x0f
            if op == 0:
                st.frag = (st.frag[0], st.frag[1] + payload)
            elif op in (1, 2):
                st.frag = (op, payload)
            else:
                st.msgs.append((op, payload))
                continue
            if b0 & 0x80:
                st.msgs.append(st.frag)
                st.frag = None

    def open(self, path):
        sid = self.conn.get_next_available_stream_id()
        self.streams[sid] = Stream(sid)
        self.conn.send_headers(sid, [
            (":method", "CONNECT"), (":protocol", "websocket"),
            (":scheme", self.scheme), (":path", path),
            (":authority", self.authority),
            ("sec-websocket-version", "13"),
            ("origin", "%s://%s" % (self.scheme, self.authority))])
        self.flush()
        st = self.streams[sid]
        while st.headers is None and st.reset is None and not st.ended:
            self.pump()
        return st

    def send(self, st, data, end=False):
        """Sends within the stream's and the connection's windows."""
        while data:
            room = min(self.conn.local_flow_control_window(st.sid),
                       self.conn.max_outbound_frame_size)
            if room <= 0:
                self.pump()
                if st.reset is not None:
                    fail("stream reset (%d) while sending" % st.reset)
                continue
            self.conn.send_data(st.sid, data[:room])
            data = data[room:]
            self.flush()
        if end:
            self.conn.end_stream(st.sid)
            self.flush()

    def recv(self, st, timeout=30):
        deadline = time.monotonic() + timeout
        while not st.msgs:
            if st.reset is not None or st.ended:
                fail("stream %s while waiting for a message" %
                     ("reset (%d)" % st.reset if st.reset is not None
                      else "ended"))
            left = deadline - time.monotonic()
            if left <= 0:
                fail("no message in %s s" % timeout)
            self.pump(left)
        return st.msgs.pop(0)

    def echo(self, st, op, payload):
        self.send(st, ws_frame(op, payload))
        got = self.recv(st)
        if got != (op, payload):
            fail("echo of %d bytes (opcode %d) differs" % (len(payload), op))


def step_echo(c, st):
    n = 0
    for text in ["hello", "", "h\u00e9llo w\u00f6rld \u2603", "x" * 70000]:
        c.echo(st, 1, text.encode())
        n += 1
    for size in [0, 1, 125, 126, 65535, 65536]:
        c.echo(st, 2, os.urandom(size))
        n += 1
    return "echo ok %d" % n


def step_large(c, st, mib):
    data = os.urandom(int(mib) << 20)
    c.send(st, ws_frame(2, data))
    op, got = c.recv(st, 120)
    if got != data:
        fail("large message differs (%d bytes back)" % len(got))
    return "large ok %d %s" % (len(got), hashlib.md5(got).hexdigest())


def step_close(c, st):
    c.send(st, ws_frame(8, struct.pack("!H", 1000)))
    op, payload = c.recv(st)
    if op != 8:
        fail("opcode %d instead of the close" % op)
    c.send(st, b"", end=True)
    while not st.ended and st.reset is None:
        c.pump()
    code = struct.unpack("!H", payload[:2])[0] if payload else 1005
    return "closed by client %d" % code


def step_close_server(c, st):
    c.send(st, ws_frame(1, b"close-me"))
    op, payload = c.recv(st)
    if op != 8:
        fail("opcode %d instead of the close" % op)
    c.send(st, ws_frame(8, payload[:2]), end=True)
    while not st.ended and st.reset is None:
        c.pump()
    code = struct.unpack("!H", payload[:2])[0]
    return "closed by server %d %s" % (code, payload[2:].decode())


def step_idle(c, st):
    t0 = time.monotonic()
    while not st.ended and st.reset is None:
        c.pump(120)
    how = "ended" if st.reset is None else "reset %d" % st.reset
    return "idle ended after %.1f %s" % (time.monotonic() - t0, how)


def step_get(c, path):
    sid = c.conn.get_next_available_stream_id()
    st = c.streams[sid] = Stream(sid)
    st.raw = True
    c.conn.send_headers(sid, [(":method", "GET"), (":scheme", c.scheme),
                              (":path", path),
                              (":authority", c.authority)],
                        end_stream=True)
    c.flush()
    body = b""
    while not st.ended and st.reset is None:
        c.pump()
        body += st.buf
        st.buf = b""
    status = dict(st.headers or [])
    return "get %s %d" % (status.get(":status"), len(body))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("addr")
    ap.add_argument("--tls", metavar="CA")
    ap.add_argument("--path", default="/")
    ap.add_argument("steps", nargs="*")
    a = ap.parse_intermixed_args()
    c = Client(a.addr, a.tls, a.path)
    print("connect_protocol %d" %
          c.conn.remote_settings.enable_connect_protocol, flush=True)
    st = c.open(a.path)
    if st.headers is None:
        print("stream %s" % ("reset %d" % st.reset if st.reset is not None
                             else "ended"), flush=True)
        return
    for k, v in st.headers:
        if k == ":status":
            print("status %s" % v, flush=True)
        else:
            print("field %s: %s" % (k, v), flush=True)
    if dict(st.headers).get(":status") != "200":
        while not st.ended and st.reset is None:
            c.pump()
        print("stream %s" % ("reset %d" % st.reset if st.reset is not None
                             else "ended"), flush=True)
        return
    steps = list(a.steps)
    while steps:
        s = steps.pop(0)
        if s == "echo":
            out = step_echo(c, st)
        elif s == "large":
            out = step_large(c, st, steps.pop(0))
        elif s == "headers":
            c.send(st, ws_frame(1, b"headers?"))
            out = "headers " + c.recv(st)[1].decode()
        elif s == "second":
            st2 = c.open(a.path)
            if dict(st2.headers or []).get(":status") != "200":
                fail("second tunnel: %r" % st2.headers)
            c.echo(st, 1, b"first")
            c.echo(st2, 1, b"second")
            step_close(c, st2)
            out = "second ok"
        elif s == "get":
            out = step_get(c, steps.pop(0))
        elif s == "close":
            out = step_close(c, st)
        elif s == "close-server":
            out = step_close_server(c, st)
        elif s == "reset":
            c.conn.reset_stream(st.sid, 8)
            c.flush()
            out = "reset sent"
        elif s == "idle":
            out = step_idle(c, st)
        elif s == "hold":
            path, n = steps.pop(0), 0
            deadline = time.monotonic() + 60
            while not os.path.exists(path) and time.monotonic() < deadline:
                c.echo(st, 1, b"tick %d" % n)
                n += 1
                time.sleep(0.1)
            out = "hold ok %d%s" % (n, " after GOAWAY" if c.goaway else "")
        else:
            fail("unknown step %s" % s)
        print(out, flush=True)


if __name__ == "__main__":
    main()
