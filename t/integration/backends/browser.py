#!/usr/bin/env python3
"""A real headless Chromium, driven over its DevTools protocol.

Chromium runs with --remote-debugging-pipe: it reads protocol commands
(JSON, each ended by a NUL byte) on its fd 3 and writes answers and events
on its fd 4, so no port is opened and no websocket library is needed.
One page is opened; the caller loads a URL, evaluates JavaScript in it,
waits for conditions, changes the viewport and takes screenshots, while
every request the page makes and every error it reports is recorded.

    from browser import Browser
    with Browser(user_data_dir, log_path) as b:
        b.open("http://127.0.0.1:8404/")
        b.wait_for("document.querySelectorAll('tr').length > 2", 10)
        b.screenshot("page.png")

Environment: WEIR_CHROMIUM names the binary (default: chromium, then
chromium-browser, google-chrome).
"""
import base64
import ctypes
import fcntl
import json
import os
import select
import shutil
import signal
import subprocess
import time

FLAGS = [
    "--headless", "--no-sandbox", "--disable-gpu",
    "--disable-background-networking", "--disable-component-update",
    "--disable-default-apps", "--disable-extensions", "--disable-sync",
    "--disable-dev-shm-usage", "--no-first-run", "--no-default-browser-check",
    "--metrics-recording-only", "--mute-audio", "--hide-scrollbars",
    "--remote-debugging-pipe",
]


class BrowserError(Exception):
    pass


def find_chromium():
    for name in (os.environ.get("WEIR_CHROMIUM"), "chromium",
                 "chromium-browser", "google-chrome"):
        if name and shutil.which(name):
            return shutil.which(name)
    return None


def _child_setup(cmd_fd, event_fd):
    """In the child: the protocol pipes on fds 3 and 4, and death with us.

    Both go out of the way first, so neither is overwritten by the other's
    dup2; the copies on 3 and 4 are the only ones inherited (Python's own
    descriptors are not inheritable)."""
    cmd_fd = fcntl.fcntl(cmd_fd, fcntl.F_DUPFD_CLOEXEC, 10)
    event_fd = fcntl.fcntl(event_fd, fcntl.F_DUPFD_CLOEXEC, 10)
    os.dup2(cmd_fd, 3)
    os.dup2(event_fd, 4)
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(1, signal.SIGKILL)   # PR_SET_PDEATHSIG
    except OSError:
        pass


class Browser:
    def __init__(self, user_data_dir, log_path, width=1280, height=900):
        exe = find_chromium()
        if exe is None:
            raise BrowserError("no chromium binary (apt-get install chromium)")
        cmd_r, self._cmd_w = os.pipe()
        self._ev_r, ev_w = os.pipe()
        self._log = open(log_path, "ab")
        self.proc = subprocess.Popen(
            [exe] + FLAGS + ["--user-data-dir=" + user_data_dir,
                             "--window-size=%d,%d" % (width, height),
                             "about:blank"],
            stdin=subprocess.DEVNULL, stdout=self._log, stderr=self._log,
            close_fds=False, preexec_fn=lambda: _child_setup(cmd_r, ev_w))
        os.close(cmd_r)
        os.close(ev_w)
        self._buf = b""
        self._next_id = 0
        self.session = None
        self.requests = []      # URLs the page asked for
        self.errors = []        # exceptions, console errors, log errors
        target = self.call("Target.createTarget", {"url": "about:blank"},
                           session=False)["targetId"]
        self.session = self.call("Target.attachToTarget",
                                 {"targetId": target, "flatten": True},
                                 session=False)["sessionId"]
        for domain in ("Page", "Runtime", "Network", "Log"):
            self.call(domain + ".enable")

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def close(self):
        if self.proc.poll() is None:
            try:
                self._send("Browser.close", {}, session=False)
                self.proc.wait(timeout=10)
            except (BrowserError, OSError, subprocess.TimeoutExpired):
                self.proc.kill()
                self.proc.wait()
        for fd in (self._cmd_w, self._ev_r):
            try:
                os.close(fd)
            except OSError:
                pass
        self._log.close()

    # ---- the protocol ----

    def _send(self, method, params, session=True):
        self._next_id += 1
        msg = {"id": self._next_id, "method": method, "params": params}
        if session and self.session is not None:
            msg["sessionId"] = self.session
        data = json.dumps(msg).encode() + b"\0"
        while data:
            n = os.write(self._cmd_w, data)
            data = data[n:]
        return self._next_id

    def _read_message(self, deadline):
        while b"\0" not in self._buf:
            left = deadline - time.monotonic()
            if left <= 0:
                raise BrowserError("no answer from chromium in time")
            ready, _, _ = select.select([self._ev_r], [], [], left)
            if not ready:
                continue
            chunk = os.read(self._ev_r, 1 << 20)
            if not chunk:
                raise BrowserError("chromium exited (rc %s)" %
                                   self.proc.poll())
            self._buf += chunk
        msg, self._buf = self._buf.split(b"\0", 1)
        return json.loads(msg)

    def _event(self, msg):
        method, p = msg.get("method"), msg.get("params", {})
        if method == "Network.requestWillBeSent":
            self.requests.append(p["request"]["url"])
        elif method == "Runtime.exceptionThrown":
            d = p["exceptionDetails"]
            self.errors.append("exception: %s" % d.get("exception", {}).get(
                "description", d.get("text")))
        elif method == "Runtime.consoleAPICalled" and p["type"] == "error":
            self.errors.append("console.error: %s" % " ".join(
                str(a.get("value", a.get("description"))) for a in p["args"]))
        elif method == "Log.entryAdded" and p["entry"]["level"] == "error":
            self.errors.append("log: %s %s" % (p["entry"].get("url", ""),
                                               p["entry"]["text"]))

    def call(self, method, params=None, session=True, timeout=30):
        want = self._send(method, params or {}, session)
        deadline = time.monotonic() + timeout
        while True:
            msg = self._read_message(deadline)
            if msg.get("id") == want:
                if "error" in msg:
                    raise BrowserError("%s: %s" % (method, msg["error"]))
                return msg.get("result", {})
            self._event(msg)

    def pump(self, seconds):
        """Takes in the events of the next <seconds>."""
        deadline = time.monotonic() + seconds
        try:
            while True:
                self._event(self._read_message(deadline))
        except BrowserError as e:
            if "in time" not in str(e):
                raise

    # ---- what a test does with the page ----

    def open(self, url, timeout=30):
        res = self.call("Page.navigate", {"url": url})
        if res.get("errorText"):
            raise BrowserError("loading %s: %s" % (url, res["errorText"]))
        self.wait_for("document.readyState === 'complete'", timeout)

    def eval(self, expr):
        res = self.call("Runtime.evaluate", {"expression": expr,
                                             "returnByValue": True,
                                             "awaitPromise": True})
        if "exceptionDetails" in res:
            raise BrowserError("%s: %s" % (expr, res["exceptionDetails"]))
        return res["result"].get("value")

    def wait_for(self, expr, timeout):
        """Polls <expr> until it is true; returns how long that took."""
        start = time.monotonic()
        while True:
            if self.eval(expr):
                return time.monotonic() - start
            if time.monotonic() - start > timeout:
                raise BrowserError("not true after %ss: %s" % (timeout, expr))
            self.pump(0.1)

    def viewport(self, width, height, mobile=False, scale=1):
        self.call("Emulation.setDeviceMetricsOverride", {
            "width": width, "height": height, "deviceScaleFactor": scale,
            "mobile": mobile})

    def screenshot(self, path, full_page=True):
        params = {"format": "png"}
        if full_page:
            params["captureBeyondViewport"] = True
            m = self.call("Page.getLayoutMetrics")["cssContentSize"]
            params["clip"] = {"x": 0, "y": 0, "width": m["width"],
                              "height": m["height"], "scale": 1}
        data = self.call("Page.captureScreenshot", params)["data"]
        with open(path, "wb") as f:
            f.write(base64.b64decode(data))
