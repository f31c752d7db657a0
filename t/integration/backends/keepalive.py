#!/usr/bin/env python3
"""A persistent (keep-alive) HTTP/1.1 client driven line by line.

Connects once to 127.0.0.1:PORT, then reads commands from stdin: for each
line "GET PATH" it sends that request on the same connection, reads one
response (Content-Length or chunked body) and prints "STATUS n BODY text"
(the body's lines joined by "|"), flushed at once; "CLOSE" or the end of
stdin closes the connection and exits.  A connection the server closed
prints "CLOSED" and exits 1, so a caller sees that the client was not
kept.
"""
import socket
import sys


def read_until(s, buf, sep):
    while sep not in buf:
        chunk = s.recv(65536)
        if not chunk:
            raise EOFError
        buf += chunk
    head, _, rest = buf.partition(sep)
    return head, rest


def read_exact(s, buf, n):
    while len(buf) < n:
        chunk = s.recv(65536)
        if not chunk:
            raise EOFError
        buf += chunk
    return buf[:n], buf[n:]


def read_response(s, buf):
    """Returns (status, body, rest of the buffer)."""
    head, buf = read_until(s, buf, b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    status = int(lines[0].split(" ", 2)[1])
    fields = {}
    for line in lines[1:]:
        name, _, value = line.partition(":")
        fields[name.strip().lower()] = value.strip()
    body = b""
    if fields.get("transfer-encoding", "").lower() == "chunked":
        while True:
            size, buf = read_until(s, buf, b"\r\n")
            n = int(size.split(b";")[0], 16)
            if n == 0:
                _, buf = read_until(s, buf, b"\r\n")
                break
            data, buf = read_exact(s, buf, n + 2)
            body += data[:n]
    else:
        body, buf = read_exact(s, buf, int(fields.get("content-length", 0)))
    return status, body, buf


def main():
    s = socket.create_connection(("127.0.0.1", int(sys.argv[1])), timeout=30)
    buf = b""
    for line in sys.stdin:
        words = line.split()
        if not words or words[0] == "CLOSE":
            break
        req = "GET %s HTTP/1.1\r\nHost: localhost\r\n\r\n" % words[1]
        try:
            s.sendall(req.encode())
            status, body, buf = read_response(s, buf)
        except (EOFError, OSError):
            print("CLOSED", flush=True)
            sys.exit(1)
        text = "|".join(body.decode("latin-1").splitlines())
        print("STATUS %d BODY %s" % (status, text), flush=True)
    s.close()


main()
