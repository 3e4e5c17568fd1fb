"""A small Chrome DevTools Protocol client for the browser test.

Starts Debian's chromium headless with a fresh profile and a DevTools port
chosen by the browser (read back from DevToolsActivePort), and talks CDP to
its first page over a websocket (python3-websocket). Everything stays on
127.0.0.1; every wait has a deadline.
"""
import json
import os
import shutil
import signal
import subprocess
import tempfile
import time
import urllib.request

import websocket  # Debian: python3-websocket

CHROMIUM = os.environ.get("SOS_CHROMIUM", "/usr/bin/chromium")
TIMEOUT = 10.0


class CDPError(Exception):
    pass


class Page:
    """One page target: call() a method and get its result; events are kept
    in order in self.events, and wait_event() finds one after a mark."""

    def __init__(self, ws_url, timeout=TIMEOUT):
        self.timeout = timeout
        # suppress_origin: chromium refuses websocket clients that send an
        # Origin it was not told to allow (--remote-allow-origins)
        self.ws = websocket.create_connection(ws_url, timeout=timeout, suppress_origin=True,
                                              http_no_proxy=["127.0.0.1"])
        self.next_id = 0
        self.events = []

    def _recv(self, deadline, what):
        left = deadline - time.monotonic()
        if left <= 0:
            raise TimeoutError("timed out waiting for " + what)
        self.ws.settimeout(left)
        try:
            return json.loads(self.ws.recv())
        except websocket.WebSocketTimeoutException:
            raise TimeoutError("timed out waiting for " + what) from None

    def call(self, method, timeout=None, **params):
        self.next_id += 1
        mid = self.next_id
        self.ws.send(json.dumps({"id": mid, "method": method, "params": params}))
        deadline = time.monotonic() + (timeout or self.timeout)
        while True:
            m = self._recv(deadline, method)
            if "id" not in m:
                self.events.append(m)
            elif m["id"] == mid:
                if "error" in m:
                    raise CDPError("%s: %s" % (method, m["error"]))
                return m.get("result", {})
            # else: the late reply to a call that timed out

    def mark(self):
        return len(self.events)

    def wait_event(self, method, since=0, pred=None, timeout=None):
        deadline = time.monotonic() + (timeout or self.timeout)
        i = since
        while True:
            while i < len(self.events):
                e = self.events[i]
                i += 1
                if e["method"] == method and (pred is None or pred(e.get("params", {}))):
                    return e.get("params", {})
            m = self._recv(deadline, method)
            if "id" not in m:
                self.events.append(m)

    def pump(self, seconds=0.05):
        """Takes in the events that arrive within `seconds`."""
        deadline = time.monotonic() + seconds
        try:
            while True:
                m = self._recv(deadline, "events")
                if "id" not in m:
                    self.events.append(m)
        except TimeoutError:
            pass

    def evaluate(self, expr):
        r = self.call("Runtime.evaluate", expression=expr, returnByValue=True, awaitPromise=True)
        if "exceptionDetails" in r:
            d = r["exceptionDetails"]
            raise CDPError("%s: %s" % (expr[:80], d.get("exception", {}).get("description",
                                                                           d.get("text"))))
        return r["result"].get("value")

    def navigate(self, url):
        """Navigates and waits for the load event."""
        mark = self.mark()
        r = self.call("Page.navigate", url=url)
        if r.get("errorText"):
            raise CDPError("navigate %s: %s" % (url, r["errorText"]))
        self.wait_event("Page.loadEventFired", since=mark)

    def reload(self):
        mark = self.mark()
        self.call("Page.reload", ignoreCache=True)
        self.wait_event("Page.loadEventFired", since=mark)

    def close(self):
        try:
            self.ws.close()
        except Exception:  # noqa: BLE001 - closing anyway
            pass


class Chromium:
    """A headless chromium with its own temporary profile; close() always
    kills its whole process group and removes the profile."""

    def __init__(self, timeout=TIMEOUT):
        self.dir = tempfile.mkdtemp(prefix="sos-chromium-")
        self.proc = None
        self.page = None
        try:
            self._start(timeout)
        except BaseException:
            self.close()
            raise

    def _start(self, timeout):
        profile = os.path.join(self.dir, "profile")
        os.makedirs(profile)
        log = open(os.path.join(self.dir, "chromium.log"), "wb")
        self.proc = subprocess.Popen(
            [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
             "--no-first-run", "--disable-background-networking", "--disable-component-update",
             "--disable-sync", "--no-proxy-server", "--user-data-dir=" + profile,
             "--remote-debugging-port=0", "about:blank"],
            stdout=log, stderr=log, stdin=subprocess.DEVNULL, start_new_session=True)
        log.close()
        active = os.path.join(profile, "DevToolsActivePort")
        deadline = time.monotonic() + timeout
        port = None
        while port is None:
            if self.proc.poll() is not None:
                raise RuntimeError("chromium exited %d:\n%s" % (self.proc.returncode, self.log()))
            try:
                with open(active) as f:
                    lines = f.read().split("\n")
                if len(lines) >= 2 and lines[0].strip().isdigit():
                    port = int(lines[0])
            except FileNotFoundError:
                pass
            if port is None:
                if time.monotonic() > deadline:
                    raise TimeoutError("no DevToolsActivePort from chromium:\n" + self.log())
                time.sleep(0.05)
        opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
        while True:
            with opener.open("http://127.0.0.1:%d/json/list" % port, timeout=timeout) as r:
                pages = [t for t in json.load(r) if t.get("type") == "page"]
            if pages:
                break
            if time.monotonic() > deadline:
                raise TimeoutError("chromium shows no page target")
            time.sleep(0.05)
        self.page = Page(pages[0]["webSocketDebuggerUrl"], timeout)

    def log(self):
        try:
            with open(os.path.join(self.dir, "chromium.log"), errors="replace") as f:
                return "".join(f.readlines()[-20:])
        except OSError:
            return ""

    def close(self):
        if self.page:
            self.page.close()
            self.page = None
        if self.proc:
            for sig in (signal.SIGTERM, signal.SIGKILL):
                try:
                    os.killpg(self.proc.pid, sig)
                except ProcessLookupError:
                    break
                try:
                    self.proc.wait(timeout=5)
                    break
                except subprocess.TimeoutExpired:
                    continue
            self.proc.wait()
            # helpers (zygote, renderers) in its group that outlived it: kill
            # them and wait (5 s at most) until the group is gone
            deadline = time.monotonic() + 5
            try:
                while time.monotonic() < deadline:
                    os.killpg(self.proc.pid, signal.SIGKILL)
                    time.sleep(0.02)
            except ProcessLookupError:
                pass
            self.proc = None
        shutil.rmtree(self.dir, ignore_errors=True)
