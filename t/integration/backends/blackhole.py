#!/usr/bin/env python3
"""A backend that accepts connections and reads requests but never answers.

Usage: blackhole.py PORT. Listens on 127.0.0.1:PORT until killed.
"""
import selectors
import socket
import sys

port = int(sys.argv[1])
ls = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
ls.bind(("127.0.0.1", port))
ls.listen(128)
ls.setblocking(False)
sel = selectors.DefaultSelector()
sel.register(ls, selectors.EVENT_READ)
while True:
    for key, _ in sel.select():
        if key.fileobj is ls:
            try:
                c, _ = ls.accept()
            except BlockingIOError:
                continue
            c.setblocking(False)
            sel.register(c, selectors.EVENT_READ)
        else:
            try:
                data = key.fileobj.recv(65536)
            except (BlockingIOError, ConnectionResetError):
                data = b"" if not isinstance(sys.exc_info()[1], BlockingIOError) else None
            if data == b"":
                sel.unregister(key.fileobj)
                key.fileobj.close()
