#!/usr/bin/env python3
"""Opens N keep-alive connections to a server, one request each, and holds them.

Usage: idle_conns.py HOST PORT N PATH [--tls]

Each connection sends "GET PATH HTTP/1.1" and reads the whole response
(Content-Length framing), so the server has served it and parked the
connection as idle keep-alive. Then the script prints "ready N" and waits
until its standard input closes, keeping every connection open; the bench
reads the server's memory meanwhile. A connection the server closes or an
answer that is not 200 ends the script with status 1 and a message.
"""
import socket
import ssl
import sys


def read_response(s):
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = s.recv(65536)
        if not chunk:
            raise OSError("closed before the response head")
        data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    lines = head.split(b"\r\n")
    if not lines[0].startswith(b"HTTP/1.1 200"):
        raise OSError("answer: " + lines[0].decode("latin-1"))
    length = None
    for line in lines[1:]:
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            length = int(value.strip())
    if length is None:
        raise OSError("no Content-Length in the answer")
    while len(body) < length:
        chunk = s.recv(65536)
        if not chunk:
            raise OSError("closed in the body")
        body += chunk


def main():
    host, port, n, path = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4]
    use_tls = "--tls" in sys.argv[5:]
    ctx = None
    if use_tls:
        ctx = ssl.create_default_context()
        ctx.check_hostname = False
        ctx.verify_mode = ssl.CERT_NONE
    req = ("GET %s HTTP/1.1\r\nHost: bench\r\n\r\n" % path).encode()
    held = []
    try:
        for _ in range(n):
            s = socket.create_connection((host, port), timeout=10)
            if ctx is not None:
                s = ctx.wrap_socket(s)
            s.sendall(req)
            read_response(s)
            held.append(s)
    except OSError as e:
        print("idle_conns: connection %d: %s" % (len(held) + 1, e), file=sys.stderr)
        return 1
    print("ready %d" % len(held), flush=True)
    sys.stdin.read()
    return 0


if __name__ == "__main__":
    sys.exit(main())
