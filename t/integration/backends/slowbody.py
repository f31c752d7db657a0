#!/usr/bin/env python3
"""A client that sends a request body slowly, for the body timeout tests.

Usage: slowbody.py PORT [--path P] [--length N] [--piece K] [--interval S]
                        [--chunked] [--timeout T]

Sends "POST P HTTP/1.1" with Content-Length N (or chunked framing, one chunk
per piece) to 127.0.0.1:PORT, then the body K bytes at a time, one piece
every S seconds, and stops sending as soon as a response starts. Then reads
until the server closes or T seconds have passed since the start. Prints
"SENT n" (body bytes sent), "SENT_MD5 hex", "STATUS nnn" of the first
response (or "STATUS none"), "RESPONSE_MS n" (when its first byte came),
"BODY text" (newlines escaped), "END closed" or "END open".
"""
import argparse
import hashlib
import select
import socket
import sys
import time


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("port", type=int)
    ap.add_argument("--path", default="/upload.cgi")
    ap.add_argument("--length", type=int, default=100)
    ap.add_argument("--piece", type=int, default=1)
    ap.add_argument("--interval", type=float, default=0.5)
    ap.add_argument("--chunked", action="store_true")
    ap.add_argument("--timeout", type=float, default=10.0)
    args = ap.parse_args()

    s = socket.create_connection(("127.0.0.1", args.port), timeout=5)
    framing = ("Transfer-Encoding: chunked" if args.chunked else
               "Content-Length: %d" % args.length)
    head = ("POST %s HTTP/1.1\r\nHost: weir-test\r\n%s\r\n"
            "Content-Type: application/octet-stream\r\n"
            "Connection: close\r\n\r\n" % (args.path, framing))
    start = time.monotonic()
    s.sendall(head.encode())
    md5 = hashlib.md5()
    sent = 0
    data = b""
    closed = False
    deadline = start + args.timeout
    next_at = start
    while True:
        now = time.monotonic()
        if now >= deadline:
            break
        wait = max(0.0, min(next_at, deadline) - now)
        r, _, _ = select.select([s], [], [], wait)
        if r:
            break
        if sent >= args.length:
            if args.chunked:
                s.sendall(b"0\r\n\r\n")
            break
        piece = b"x" * min(args.piece, args.length - sent)
        try:
            s.sendall((b"%x\r\n" % len(piece) + piece + b"\r\n")
                      if args.chunked else piece)
        except OSError:
            break
        md5.update(piece)
        sent += len(piece)
        next_at += args.interval
    first_ms = None
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
        if first_ms is None:
            first_ms = int((time.monotonic() - start) * 1000)
        data += chunk
    s.close()
    status = "none"
    if data.startswith(b"HTTP/1."):
        status = data.split(b" ", 2)[1].decode("latin-1")
    body = data.split(b"\r\n\r\n", 1)[1] if b"\r\n\r\n" in data else b""
    print("SENT %d" % sent)
    print("SENT_MD5 %s" % md5.hexdigest())
    print("STATUS %s" % status)
    print("RESPONSE_MS %s" % (first_ms if first_ms is not None else -1))
    print("BODY %s" % body[:2048].decode("latin-1").replace("\r", "\\r")
          .replace("\n", "\\n"))
    print("END %s" % ("closed" if closed else "open"))
    return 0


if __name__ == "__main__":
    sys.exit(main())
