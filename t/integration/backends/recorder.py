#!/usr/bin/env python3
"""A backend that records every byte it receives and answers with canned bytes.

Usage: recorder.py PORT DIR [--respond FILE] [--when message|head|never]
                   [--after keep|close]

Listens on 127.0.0.1:PORT. Connection N (from 1) has its received bytes
appended to DIR/N.req as they arrive; when it ends, "N eof|reset BYTES" is
appended to DIR/ends. Once a request is complete (--when message: head and
body as its Content-Length or chunked framing says) or as soon as its head is
(--when head), the bytes of FILE are sent; then the connection is closed
(--after close, the default) or the next request is read (--after keep).
With --when never, nothing is ever sent. Runs until killed.
"""
import argparse
import os
import socket
import threading


def head_end(data):
    i = data.find(b"\r\n\r\n")
    return -1 if i < 0 else i + 4


def body_framing(head):
    """("chunked", None), ("length", n) or ("none", 0) for a request head."""
    length = 0
    for line in head.split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        name = name.strip().lower()
        if name == b"transfer-encoding" and b"chunked" in value.lower():
            return ("chunked", None)
        if name == b"content-length":
            length = int(value.strip())
    return ("length", length) if length else ("none", 0)


def chunked_end(data, pos):
    """Offset just past a chunked body starting at pos, or -1 if incomplete."""
    while True:
        le = data.find(b"\r\n", pos)
        if le < 0:
            return -1
        size = int(data[pos:le].split(b";")[0].strip() or b"0", 16)
        pos = le + 2
        if size == 0:
            while True:
                le = data.find(b"\r\n", pos)
                if le < 0:
                    return -1
                if le == pos:
                    return pos + 2
                pos = le + 2
        if len(data) < pos + size + 2:
            return -1
        pos += size + 2


def request_end(data, whole):
    """Where the first request in data ends (its head only unless whole)."""
    h = head_end(data)
    if h < 0 or not whole:
        return h
    kind, n = body_framing(data[:h])
    if kind == "chunked":
        return chunked_end(data, h)
    return h + n if len(data) >= h + n else -1


def serve(conn, n, args, answer, lock):
    path = os.path.join(args.dir, "%d.req" % n)
    total = 0
    pending = b""
    how = "eof"
    with open(path, "ab") as rec:
        while True:
            try:
                data = conn.recv(65536)
            except ConnectionResetError:
                how = "reset"
                break
            if not data:
                break
            rec.write(data)
            rec.flush()
            total += len(data)
            pending += data
            while args.when != "never":
                end = request_end(pending, args.when == "message")
                if end < 0:
                    break
                pending = pending[end:] if args.when == "message" else b""
                try:
                    conn.sendall(answer)
                except OSError:
                    break
                if args.after == "close":
                    conn.close()
                    with lock, open(os.path.join(args.dir, "ends"), "a") as f:
                        f.write("%d answered-and-closed %d\n" % (n, total))
                    return
    conn.close()
    with lock, open(os.path.join(args.dir, "ends"), "a") as f:
        f.write("%d %s %d\n" % (n, how, total))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("port", type=int)
    ap.add_argument("dir")
    ap.add_argument("--respond")
    ap.add_argument("--when", choices=("message", "head", "never"),
                    default="message")
    ap.add_argument("--after", choices=("keep", "close"), default="close")
    args = ap.parse_args()
    answer = b""
    if args.respond:
        with open(args.respond, "rb") as f:
            answer = f.read()
    os.makedirs(args.dir, exist_ok=True)
    ls = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    ls.bind(("127.0.0.1", args.port))
    ls.listen(128)
    lock = threading.Lock()
    n = 0
    while True:
        conn, _ = ls.accept()
        n += 1
        threading.Thread(target=serve, args=(conn, n, args, answer, lock),
                         daemon=True).start()


if __name__ == "__main__":
    main()
