#!/usr/bin/env python3
"""Opens connections one at a time and keeps every one of them open.

Each connection sends one complete GET of --path to 127.0.0.1:PORT, waits
for the whole response (Content-Length body), and then stays open as an
idle keep-alive client while the next one is opened.  The time from the
connect() to the last byte of the response is measured per connection.

Prints "OPENED n", "SLOW n" (responses slower than --limit-ms), "MAX_MS n",
"P50_MS n", one "LATE i ms" line per slow connection (the first 20), and
"HELD" once every connection is open; then holds them until its stdin
closes (or --hold seconds pass) so the caller can look at the proxy.
A connection whose response does not come within --timeout seconds counts
as slow and is given up on; after --give-up such connections it stops
opening more, so a proxy that stalls fails quickly instead of slowly.
"""
import argparse
import select
import socket
import sys
import time


def read_response(s, deadline):
    """Reads one response with a Content-Length body; returns its status."""
    data = b""
    while True:
        end = data.find(b"\r\n\r\n")
        if end >= 0:
            head = data[:end].decode("latin-1").split("\r\n")
            length = 0
            for line in head[1:]:
                name, _, value = line.partition(":")
                if name.strip().lower() == "content-length":
                    length = int(value.strip())
            if len(data) >= end + 4 + length:
                return int(head[0].split(" ")[1])
        left = deadline - time.monotonic()
        if left <= 0:
            raise TimeoutError("no complete response")
        s.settimeout(left)
        chunk = s.recv(65536)
        if not chunk:
            raise ConnectionError("closed before the response ended")
        data += chunk


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("port", type=int)
    ap.add_argument("--count", type=int, default=1000)
    ap.add_argument("--path", default="/")
    ap.add_argument("--limit-ms", type=float, default=100.0)
    ap.add_argument("--timeout", type=float, default=3.0)
    ap.add_argument("--give-up", type=int, default=5)
    ap.add_argument("--hold", type=float, default=60.0)
    args = ap.parse_args()

    req = ("GET %s HTTP/1.1\r\nHost: holdopen\r\n\r\n" % args.path).encode()
    socks, times, late, errors = [], [], [], 0
    for i in range(args.count):
        s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        t0 = time.monotonic()
        try:
            s.settimeout(args.timeout)
            s.connect(("127.0.0.1", args.port))
            s.sendall(req)
            status = read_response(s, t0 + args.timeout)
            if status != 200:
                raise ConnectionError("status %d" % status)
        except (OSError, ValueError, IndexError) as e:
            errors += 1
            late.append((i, (time.monotonic() - t0) * 1000.0, str(e)))
            s.close()
            if errors >= args.give_up:
                break
            continue
        ms = (time.monotonic() - t0) * 1000.0
        times.append(ms)
        if ms > args.limit_ms:
            late.append((i, ms, ""))
        socks.append(s)
    times.sort()
    print("OPENED %d" % len(socks))
    print("SLOW %d" % len(late))
    print("MAX_MS %.1f" % (max([t for _, t, _ in late] + times + [0.0])))
    print("P50_MS %.1f" % (times[len(times) // 2] if times else 0.0))
    for i, ms, why in late[:20]:
        print("LATE %d %.1f %s" % (i, ms, why))
    print("HELD", flush=True)
    r, _, _ = select.select([sys.stdin], [], [], args.hold)
    if r:
        sys.stdin.read()
    for s in socks:
        s.close()


if __name__ == "__main__":
    main()
