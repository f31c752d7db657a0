#!/usr/bin/env python3
"""Raw HTTP/1 client for the integration tests.

Sends the bytes of --file (or stdin) to 127.0.0.1:PORT in one write, exactly
as given, then reads until the server closes or --timeout seconds pass. With
--parse it splits what came back into responses and prints, for each one,
"STATUS nnn", "HEADER name: value" lines, "BODYLEN n" and "BODY text"
(newlines escaped as \\n), and finally "END closed" or "END open" and
"ELAPSED_MS n". Without --parse it writes the received bytes to stdout.
--one stops reading after the first final response framed by its length.
--split N sends the first N bytes, waits --split-delay seconds, then sends
the rest; --tell-reset says "END reset" rather than "END closed" when the
connection ended with a reset.
"""
import argparse
import socket
import sys
import time


def parse_responses(data, head_only_count=0):
    """Yields (status, headers, body, complete) for each response in data."""
    pos = 0
    while pos < len(data):
        end = data.find(b"\r\n\r\n", pos)
        if end < 0:
            yield (None, [], data[pos:], False)
            return
        lines = data[pos:end].split(b"\r\n")
        status_line = lines[0].decode("latin-1")
        parts = status_line.split(" ", 2)
        try:
            status = int(parts[1])
        except (IndexError, ValueError):
            yield (None, [], data[pos:], False)
            return
        headers = []
        for line in lines[1:]:
            name, _, value = line.decode("latin-1").partition(":")
            headers.append((name.strip(), value.strip()))
        hmap = {n.lower(): v for n, v in headers}
        pos = end + 4
        if 100 <= status < 200 or status in (204, 304):
            yield (status, headers, b"", True)
            continue
        te = hmap.get("transfer-encoding", "").lower()
        if "chunked" in te:
            body = b""
            complete = False
            while True:
                le = data.find(b"\r\n", pos)
                if le < 0:
                    break
                size = int(data[pos:le].split(b";")[0].strip() or b"0", 16)
                pos = le + 2
                if size == 0:
                    te_end = data.find(b"\r\n\r\n", pos - 2)
                    if te_end < 0:
                        break
                    pos = te_end + 4
                    complete = True
                    break
                body += data[pos:pos + size]
                pos += size + 2
            yield (status, headers, body, complete)
            if not complete:
                return
        elif "content-length" in hmap:
            n = int(hmap["content-length"])
            body = data[pos:pos + n]
            pos += n
            yield (status, headers, body, len(body) == n)
        else:
            yield (status, headers, data[pos:], True)
            return


def has_final_response(data):
    """Whether <data> holds a whole final response whose end its framing
    says (so reading on would only wait for the next one)."""
    for status, headers, _, complete in parse_responses(data):
        if status is None or not complete:
            return False
        if status < 200:
            continue
        names = {n.lower() for n, _ in headers}
        return status in (204, 304) or "content-length" in names or \
            "transfer-encoding" in names
    return False


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("port", type=int)
    ap.add_argument("--host", default="127.0.0.1")
    ap.add_argument("--file")
    ap.add_argument("--timeout", type=float, default=5.0,
                    help="give up reading after this many seconds")
    ap.add_argument("--idle", type=float, default=0.0,
                    help="stop reading once nothing arrived for this long "
                         "(0: wait for close or --timeout)")
    ap.add_argument("--parse", action="store_true")
    ap.add_argument("--shut-wr", action="store_true",
                    help="half-close after sending")
    ap.add_argument("--split", type=int, default=0,
                    help="send this many bytes first, the rest later")
    ap.add_argument("--split-delay", type=float, default=0.5)
    ap.add_argument("--one", action="store_true",
                    help="stop reading after one complete final response "
                         "framed by Content-Length or chunked")
    ap.add_argument("--tell-reset", action="store_true",
                    help='say "END reset" for a connection reset')
    args = ap.parse_args()

    if args.file:
        with open(args.file, "rb") as f:
            req = f.read()
    else:
        req = sys.stdin.buffer.read()

    s = socket.create_connection((args.host, args.port), timeout=args.timeout)
    start = time.monotonic()
    if 0 < args.split < len(req):
        s.sendall(req[:args.split])
        time.sleep(args.split_delay)
        try:
            s.sendall(req[args.split:])
        except (BrokenPipeError, ConnectionResetError):
            pass
    else:
        s.sendall(req)
    if args.shut_wr:
        s.shutdown(socket.SHUT_WR)
    data = b""
    closed = False
    was_reset = False
    deadline = start + args.timeout
    while True:
        left = deadline - time.monotonic()
        if left <= 0:
            break
        s.settimeout(min(left, args.idle) if args.idle > 0 else left)
        try:
            chunk = s.recv(65536)
        except socket.timeout:
            break
        except ConnectionResetError:
            closed = True
            was_reset = True
            break
        if not chunk:
            closed = True
            break
        data += chunk
        if args.one and has_final_response(data):
            break
    elapsed = int((time.monotonic() - start) * 1000)
    s.close()

    if not args.parse:
        sys.stdout.buffer.write(data)
        return 0
    out = []
    for status, headers, body, complete in parse_responses(data):
        if status is None:
            out.append("GARBAGE %r" % body[:200])
            continue
        out.append("STATUS %d" % status)
        for n, v in headers:
            out.append("HEADER %s: %s" % (n, v))
        out.append("BODYLEN %d" % len(body))
        text = body[:4096].decode("latin-1").replace("\r", "\\r").replace("\n", "\\n")
        out.append("BODY %s" % text)
        if not complete:
            out.append("INCOMPLETE")
    if was_reset and args.tell_reset:
        out.append("END reset")
    else:
        out.append("END %s" % ("closed" if closed else "open"))
    out.append("ELAPSED_MS %d" % elapsed)
    print("\n".join(out))
    return 0


if __name__ == "__main__":
    sys.exit(main())
