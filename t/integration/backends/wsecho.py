#!/usr/bin/env python3
"""A WebSocket echo server (RFC 6455) for the tunnel tests, on the
"websockets" library (Debian python3-websockets), which does the opening
handshake and the framing by the RFC.

Usage: wsecho.py PORT [--tls CERT KEY] [--name NAME]

Every message comes back as it came (text as text, binary as binary,
any size).  Three texts are commands instead:
  "headers?"  answered with the opening request's header fields as JSON
              (a list of [name, value]) and the path
  "close-me"  the server closes the connection: code 1000, reason "bye"
  "name?"     answered with NAME (which backend this is)
Each connection's end is logged on stdout: "end CODE REASON".
"""
import argparse
import asyncio
import json
import ssl
import sys

import websockets


async def serve(ws, path, name):
    try:
        async for msg in ws:
            if msg == "headers?":
                await ws.send(json.dumps({
                    "path": path,
                    "headers": [[k, v] for k, v in
                                ws.request_headers.raw_items()]}))
            elif msg == "close-me":
                await ws.close(1000, "bye")
            elif msg == "name?":
                await ws.send(name)
            else:
                await ws.send(msg)
    except websockets.ConnectionClosed:
        pass
    print("end %s %s" % (ws.close_code, ws.close_reason), flush=True)


async def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("port", type=int)
    ap.add_argument("--tls", nargs=2, metavar=("CERT", "KEY"))
    ap.add_argument("--name", default="wsecho")
    a = ap.parse_args()
    ctx = None
    if a.tls:
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.load_cert_chain(a.tls[0], a.tls[1])
    async with websockets.serve(
            lambda ws, path: serve(ws, path, a.name), "127.0.0.1", a.port,
            ssl=ctx, max_size=None, compression=None, ping_interval=None):
        print("listening on %d" % a.port, flush=True)
        await asyncio.Future()


if __name__ == "__main__":
    try:
        asyncio.run(main())
    except KeyboardInterrupt:
        sys.exit(0)
