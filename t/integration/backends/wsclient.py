#!/usr/bin/env python3
"""A WebSocket client (RFC 6455, the "websockets" library) for the tunnel
tests: one connection to URL, then each STEP in order, one line of result
per step on stdout; exits 1 with "error: ..." at the first failure.

Usage: wsclient.py URL [--ca FILE] [--connect HOST:PORT] STEP...

Steps (against backends/wsecho.py):
  echo          texts (ASCII and UTF-8) and random binaries of 0 to 64 KiB
                both ways, each compared: "echo ok N"
  large MIB     one binary message of MIB MiB there and back, compared:
                "large ok BYTES MD5"
  headers       the opening request's fields as the backend saw them:
                "headers JSON"
  name          which backend answered: "name NAME"
  hold SECS     one echo every 0.1 s for SECS seconds: "hold ok N"
  until FILE    one echo every 0.1 s until FILE exists (60 s at most):
                "hold ok N"
  close         the client closes (1000): "closed by client CODE"
  close-server  the server closes: "closed by server CODE REASON"
  idle          nothing sent until the connection ends: "idle closed after
                SECS code CODE"
--connect puts the TCP connection to HOST:PORT whatever URL names (a TLS
test name that resolves nowhere).  The handshake response's status and
fields are printed first: "status 101", "field NAME: VALUE".
"""
import argparse
import asyncio
import hashlib
import json
import os
import socket
import ssl
import sys
import time
import urllib.parse

import websockets


def fail(msg):
    print("error: %s" % msg, flush=True)
    sys.exit(1)


async def step_echo(ws):
    n = 0
    for text in ["hello", "", "h\u00e9llo w\u00f6rld \u2603",
                 "x" * 70000]:
        await ws.send(text)
        got = await ws.recv()
        if got != text:
            fail("text echo differs (%d chars sent)" % len(text))
        n += 1
    for size in [0, 1, 125, 126, 65535, 65536]:
        data = os.urandom(size)
        await ws.send(data)
        got = await ws.recv()
        if got != data:
            fail("binary echo of %d bytes differs" % size)
        n += 1
    print("echo ok %d" % n, flush=True)


async def step_large(ws, mib):
    data = os.urandom(int(mib * 1024 * 1024))
    await ws.send(data)
    got = await ws.recv()
    if got != data:
        fail("large echo differs: %d bytes sent, %d back" %
             (len(data), len(got)))
    print("large ok %d %s" % (len(got), hashlib.md5(got).hexdigest()),
          flush=True)


async def step_hold(ws, secs, path=None):
    n = 0
    until = time.monotonic() + secs
    while time.monotonic() < until:
        if path is not None and os.path.exists(path):
            break
        msg = "hold %d" % n
        await ws.send(msg)
        got = await asyncio.wait_for(ws.recv(), 5)
        if got != msg:
            fail("hold: %r came back for %r" % (got, msg))
        n += 1
        await asyncio.sleep(0.1)
    print("hold ok %d" % n, flush=True)


async def step_idle(ws):
    start = time.monotonic()
    try:
        await ws.recv()
        fail("idle: a message came")
    except websockets.ConnectionClosed:
        pass
    print("idle closed after %.1f code %s" %
          (time.monotonic() - start, ws.close_code), flush=True)


async def run(a):
    kw = {"max_size": None, "compression": None, "ping_interval": None,
          "open_timeout": 10, "close_timeout": 5}
    if a.url.startswith("wss:"):
        ctx = ssl.create_default_context(cafile=a.ca)
        kw["ssl"] = ctx
    if a.connect:
        host, port = a.connect.rsplit(":", 1)
        sock = socket.create_connection((host, int(port)))
        kw["sock"] = sock
        if "ssl" in kw:
            kw["server_hostname"] = urllib.parse.urlsplit(a.url).hostname
    try:
        ws = await websockets.connect(a.url, **kw)
    except websockets.InvalidStatusCode as e:
        fail("handshake: status %d" % e.status_code)
    except Exception as e:
        fail("handshake: %s: %s" % (type(e).__name__, e))
    print("status 101", flush=True)
    for k, v in ws.response_headers.raw_items():
        print("field %s: %s" % (k, v), flush=True)
    steps = list(a.steps)
    closed = False
    try:
        while steps:
            s = steps.pop(0)
            if s == "echo":
                await step_echo(ws)
            elif s == "large":
                await step_large(ws, float(steps.pop(0)))
            elif s == "headers":
                await ws.send("headers?")
                print("headers %s" % json.dumps(json.loads(await ws.recv())),
                      flush=True)
            elif s == "name":
                await ws.send("name?")
                print("name %s" % await ws.recv(), flush=True)
            elif s == "hold":
                await step_hold(ws, float(steps.pop(0)))
            elif s == "until":
                await step_hold(ws, 60, steps.pop(0))
            elif s == "close":
                await ws.close(1000, "done")
                print("closed by client %s" % ws.close_code, flush=True)
                closed = True
            elif s == "close-server":
                await ws.send("close-me")
                try:
                    await ws.recv()
                    fail("close-server: a message came instead")
                except websockets.ConnectionClosedOK:
                    pass
                await ws.wait_closed()
                print("closed by server %s %s" %
                      (ws.close_code, ws.close_reason), flush=True)
                closed = True
            elif s == "idle":
                await step_idle(ws)
                closed = True
            else:
                fail("unknown step %s" % s)
    except websockets.ConnectionClosed as e:
        fail("connection closed: %s" % e)
    if not closed:
        await ws.close()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("url")
    ap.add_argument("--ca")
    ap.add_argument("--connect")
    ap.add_argument("steps", nargs="*")
    asyncio.run(run(ap.parse_intermixed_args()))


if __name__ == "__main__":
    main()
