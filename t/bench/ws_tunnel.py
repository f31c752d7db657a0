#!/usr/bin/env python3
"""make bench's websocket section: the backend and the clients of Upgrade
tunnels through a proxy.  The proxies under test look at the opening
handshake only (RFC 6455 4); after the 101 they pass bytes, so the bytes
here are not framed: what is measured is the proxy's tunnel, not a
WebSocket implementation.

  ws_tunnel.py serve PORT
      a backend on 127.0.0.1:PORT: answers each WebSocket handshake with
      101 (Sec-WebSocket-Accept computed as RFC 6455 4.2.2 says), then
      sends back every byte it gets, until the client closes.
  ws_tunnel.py stream PORT CONNS MIB
      CONNS tunnels through the proxy at 127.0.0.1:PORT at once, each
      sending MIB MiB and reading them back; prints
      "ok BYTES SECONDS" (BYTES: the total that went each way).
  ws_tunnel.py idle PORT N
      opens N tunnels (each has echoed one message), prints "ready N",
      holds them until stdin closes.
"""
import asyncio
import base64
import hashlib
import os
import resource
import sys
import time

GUID = b"258EAFA5-E914-47DA-95CA-C5AB0DC85B11"
CHUNK = 256 * 1024


async def read_head(reader):
    return await reader.readuntil(b"\r\n\r\n")


async def serve_one(reader, writer):
    try:
        head = await read_head(reader)
        key = b""
        for line in head.split(b"\r\n"):
            name, _, value = line.partition(b":")
            if name.strip().lower() == b"sec-websocket-key":
                key = value.strip()
        accept = base64.b64encode(hashlib.sha1(key + GUID).digest())
        writer.write(b"HTTP/1.1 101 Switching Protocols\r\n"
                     b"Upgrade: websocket\r\nConnection: Upgrade\r\n"
                     b"Sec-WebSocket-Accept: " + accept + b"\r\n\r\n")
        while True:
            data = await reader.read(CHUNK)
            if not data:
                break
            writer.write(data)
            await writer.drain()
    except (ConnectionError, asyncio.IncompleteReadError):
        pass
    finally:
        writer.close()


async def open_tunnel(port):
    reader, writer = await asyncio.open_connection("127.0.0.1", port,
                                                   limit=4 * CHUNK)
    key = base64.b64encode(os.urandom(16))
    writer.write(b"GET /bench HTTP/1.1\r\nHost: bench\r\n"
                 b"Upgrade: websocket\r\nConnection: Upgrade\r\n"
                 b"Sec-WebSocket-Version: 13\r\nSec-WebSocket-Key: " + key +
                 b"\r\n\r\n")
    head = await read_head(reader)
    if not head.startswith(b"HTTP/1.1 101"):
        raise SystemExit("no 101: %r" % head.split(b"\r\n")[0])
    return reader, writer


async def stream_one(port, nbytes):
    reader, writer = await open_tunnel(port)
    block = os.urandom(CHUNK)

    async def send():
        left = nbytes
        while left > 0:
            writer.write(block[:min(left, CHUNK)])
            left -= min(left, CHUNK)
            await writer.drain()

    async def receive():
        got = 0
        while got < nbytes:
            data = await reader.read(CHUNK)
            if not data:
                raise SystemExit("closed after %d of %d bytes" %
                                 (got, nbytes))
            got += len(data)
        return got

    _, got = await asyncio.gather(send(), receive())
    writer.close()
    return got


async def stream(port, conns, mib):
    nbytes = int(mib * 1024 * 1024)
    t0 = time.monotonic()
    got = await asyncio.gather(*[stream_one(port, nbytes)
                                 for _ in range(conns)])
    print("ok %d %.3f" % (sum(got), time.monotonic() - t0), flush=True)


async def idle(port, n):
    tunnels = []
    for _ in range(n):
        reader, writer = await open_tunnel(port)
        writer.write(b"x")
        await reader.readexactly(1)
        tunnels.append(writer)
    print("ready %d" % len(tunnels), flush=True)
    await asyncio.get_running_loop().run_in_executor(None, sys.stdin.read)
    for w in tunnels:
        w.close()


async def main():
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    cmd, port = sys.argv[1], int(sys.argv[2])
    if cmd == "serve":
        server = await asyncio.start_server(serve_one, "127.0.0.1", port,
                                            limit=4 * CHUNK, backlog=4096)
        async with server:
            await server.serve_forever()
    elif cmd == "stream":
        await stream(port, int(sys.argv[3]), float(sys.argv[4]))
    elif cmd == "idle":
        await idle(port, int(sys.argv[3]))
    else:
        raise SystemExit(__doc__)


if __name__ == "__main__":
    asyncio.run(main())
