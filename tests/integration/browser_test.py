#!/usr/bin/env python3
"""The rendered site in a real browser: Debian's chromium, headless, driven
over the Chrome DevTools Protocol (cdp.py). The sample catalogue is rendered
once and served from 127.0.0.1 by a local HTTP server; each test gets a fresh
browser profile. Checks the comparison page at 1280 and 390 px (full-page
screenshots saved under <build>/tests/integration/screenshots/ for a person
to look at), the bookmarks script with real mouse clicks and reloads, and
that no page throws or logs an error or asks anything of another origin."""
import base64
import functools
import glob
import http.server
import json
import os
import struct
import threading
import time

from cdp import Chromium
from harness import main
from site_test import sample_site

COMPARE = "compare/llama-4-compact-12b-vs-mistral-small-3-1/index.html"
TOOL = "tools/mistral-small-3-1/index.html"
TIMEOUT = 60.0  # seconds per wait on chromium: a hang guard, not a speed claim


class Site:
    """The sample site, rendered once, served on 127.0.0.1:<free port>."""

    def __init__(self, build):
        self.cluster, self.root = sample_site(build)
        self.cluster.stop_all()  # the site is files now
        self.served = []  # (path, status)
        served = self.served

        class Handler(http.server.SimpleHTTPRequestHandler):
            def log_request(self, code="-", size="-"):
                served.append((self.path, int(code) if str(code).isdigit() else 0))

            def log_message(self, *args):
                pass

        handler = functools.partial(Handler, directory=os.path.realpath(self.root))
        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self.httpd.daemon_threads = True
        self.origin = "http://127.0.0.1:%d" % self.httpd.server_address[1]
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()

    def url(self, rel):
        return self.origin + "/" + rel

    def close(self):
        self.httpd.shutdown()
        self.httpd.server_close()
        self.thread.join(timeout=TIMEOUT)
        self.cluster.close()


_site = None


def site(build):
    global _site
    if _site is None:
        _site = Site(build)
    return _site


class Browser:
    """A fresh chromium with Page, Runtime, Network and Log events on."""

    def __init__(self, s):
        self.site = s
        self.chromium = Chromium(TIMEOUT)
        self.page = self.chromium.page
        for domain in ("Page", "Runtime", "Network", "Log"):
            self.page.call(domain + ".enable")

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.chromium.close()

    def size(self, width):
        mobile = width < 720
        self.page.call("Emulation.setDeviceMetricsOverride", width=width,
                       height=844 if mobile else 900, deviceScaleFactor=1, mobile=mobile)

    def open(self, rel):
        self.page.navigate(self.site.url(rel))
        self.page.evaluate("document.fonts.ready.then(() => true)")

    def js(self, expr):
        return self.page.evaluate(expr)

    def poll(self, expr, what):
        """Evaluates expr until it is truthy (TIMEOUT at most)."""
        end = time.monotonic() + TIMEOUT
        while True:
            v = self.js(expr)
            if v:
                return v
            if time.monotonic() > end:
                raise AssertionError("timed out waiting for " + what)
            time.sleep(0.02)

    def click(self, selector):
        """A real mouse click (moved, pressed, released) at the middle of the
        element's box, after checking nothing else is on top of it there."""
        at = self.js("""(() => {
            const el = document.querySelector(%s);
            if (!el) return null;
            el.scrollIntoView({block: 'center'});
            const r = el.getBoundingClientRect();
            const x = r.left + r.width / 2, y = r.top + r.height / 2;
            const hit = document.elementFromPoint(x, y);
            return {x, y, w: r.width, h: r.height, hit: !!hit && (hit === el || el.contains(hit)),
                    top: hit ? hit.outerHTML.slice(0, 80) : null};
        })()""" % json.dumps(selector))
        assert at, "no element " + selector
        assert at["w"] > 0 and at["h"] > 0, (selector, at)
        assert at["hit"], "%s is covered at its middle by %s" % (selector, at["top"])
        self.page.call("Input.dispatchMouseEvent", type="mouseMoved", x=at["x"], y=at["y"])
        for kind in ("mousePressed", "mouseReleased"):
            self.page.call("Input.dispatchMouseEvent", type=kind, x=at["x"], y=at["y"],
                           button="left", buttons=1 if kind == "mousePressed" else 0,
                           clickCount=1)

    def screenshot(self, path, width):
        m = self.page.call("Page.getLayoutMetrics")
        content = m.get("cssContentSize") or m["contentSize"]
        clip = {"x": 0, "y": 0, "width": max(width, int(content["width"] + 0.99)),
                "height": int(content["height"] + 0.99), "scale": 1}
        data = base64.b64decode(self.page.call("Page.captureScreenshot", format="png", clip=clip,
                                               captureBeyondViewport=True)["data"])
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "wb") as f:
            f.write(data)
        return data, clip

    def problems(self):
        """Errors the pages threw or logged, and requests to other origins.
        A round trip through the page first: what the page threw or logged
        before it is sent ahead of its answer, so none is missed however
        slowly chromium runs (the short pump then takes in stragglers)."""
        self.js("0")
        self.page.pump(0.05)
        out = []
        for e in self.page.events:
            p = e.get("params", {})
            if e["method"] == "Runtime.exceptionThrown":
                d = p["exceptionDetails"]
                out.append("exception: %s (%s:%s)" % (
                    d.get("exception", {}).get("description", d.get("text")), d.get("url"),
                    d.get("lineNumber")))
            elif e["method"] == "Log.entryAdded" and p["entry"]["level"] == "error":
                if favicon(p["entry"].get("url")):
                    continue
                out.append("log: %s (%s)" % (p["entry"]["text"], p["entry"].get("url")))
            elif e["method"] == "Runtime.consoleAPICalled" and p["type"] == "error":
                out.append("console.error: %s" % [a.get("value", a.get("description"))
                                                  for a in p["args"]])
            elif e["method"] == "Network.requestWillBeSent":
                url = p["request"]["url"]
                if not url.startswith(self.site.origin + "/"):
                    out.append("request left the local server: " + url)
            elif e["method"] == "Network.loadingFailed":
                out.append("loading failed: %s %s" % (p.get("errorText"), p.get("type")))
        out += ["HTTP %d for %s" % (code, path) for path, code in self.site.served
                if code >= 400 and not favicon(path)]
        return out

    def requests(self):
        return [e["params"]["request"]["url"] for e in self.page.events
                if e["method"] == "Network.requestWillBeSent"]


def favicon(url):
    """The browser asks every origin for /favicon.ico on its own; the site
    has none (and names no icon), so that one 404 is the browser's, not a
    page's request. It is reported, not failed: see test_no_errors."""
    return bool(url) and url.split("?")[0].endswith("/favicon.ico")


def png_size(data):
    assert data[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG: %r" % data[:8]
    assert data[12:16] == b"IHDR", data[:32]
    return struct.unpack(">II", data[16:24])


# Elements (outside the .scroll table wrappers, which scroll by design) that
# reach past the right edge of a w px viewport, and the page's own width.
# (A mobile viewport grows to fit what overflows it, so innerWidth alone
# would hide the problem: w is the emulated width.)
OVERFLOW = """((w) => {
    const out = [];
    for (const el of document.body.querySelectorAll('*')) {
        if (el.parentElement && el.parentElement.closest('.scroll')) continue;
        const r = el.getBoundingClientRect();
        if (r.width === 0 || r.height === 0) continue;
        if (r.right > w + 1)
            out.push(el.tagName.toLowerCase() + (el.className ? '.' + el.className : '') +
                     ' right=' + Math.round(r.right) + ' "' +
                     (el.textContent || '').trim().slice(0, 40) + '"');
    }
    return {inner: window.innerWidth, scroll: document.documentElement.scrollWidth,
            bodyScroll: document.body.scrollWidth, out: out.slice(0, 10),
            wrappers: [...document.querySelectorAll('.scroll')].map(
                s => [s.clientWidth, s.scrollWidth])};
})(%d)"""

STRUCTURE = """(() => {
    const cards = [...document.querySelectorAll('.scorecard')];
    return {h1: document.querySelectorAll('h1').length,
            h1text: (document.querySelector('h1') || {}).textContent,
            scorecards: cards.map(t => ({tag: t.tagName,
                rows: t.querySelectorAll('tbody tr').length,
                rowHeaders: [...t.querySelectorAll('tbody tr')].filter(tr =>
                    tr.firstElementChild && tr.firstElementChild.tagName === 'TH' &&
                    tr.firstElementChild.getAttribute('scope') === 'row').length}))};
})()"""


def test_compare_page_widths(build):
    s = site(build)
    shots = os.path.join(os.path.abspath(build), "tests", "integration", "screenshots")
    with Browser(s) as b:
        for width in (1280, 390):
            b.size(width)
            b.open(COMPARE)
            st = b.js(STRUCTURE)
            assert st["h1"] == 1, (width, st)
            assert "Llama 4 Compact (12B) vs Mistral Small 3.1" in st["h1text"], st
            assert st["scorecards"], "no scorecard"
            for t in st["scorecards"]:
                assert t["tag"] == "TABLE", t
                assert t["rows"] >= 4 and t["rowHeaders"] == t["rows"], t
            path = os.path.join(shots, "compare-%d.png" % width)
            data, clip = b.screenshot(path, width)
            w, h = png_size(data)
            assert w == clip["width"] and h == clip["height"], ((w, h), clip)
            assert w >= width and h > 1500 and len(data) > 20000, (w, h, len(data))
            ov = b.js(OVERFLOW % width)
            print("  %d px: page %dx%d, screenshot %s (%d bytes), .scroll [client, scroll] "
                  "widths %s" % (width, ov["scroll"], h, path, len(data), ov["wrappers"]))
            assert ov["scroll"] <= width + 1, "page is %d px wide at %d px: %s" % (
                ov["scroll"], width, ov["out"])
            assert not ov["out"], "past the right edge at %d px: %s" % (width, ov["out"])
            assert ov["inner"] == width, ov
            if width == 390:  # the check is not blind: a too-wide block is caught
                b.js("document.querySelector('main').insertAdjacentHTML('beforeend', "
                     "'<div id=sos-probe style=\"width:600px\">x</div>'); 0")
                ov = b.js(OVERFLOW % width)
                assert ov["scroll"] > width and any(o.startswith("div ") and '"x"' in o
                                                    for o in ov["out"]), ov
        reqs = b.requests()
        assert any(u.endswith("/assets/site.css") for u in reqs), reqs
        assert any(u.endswith("/assets/site.js") for u in reqs), reqs
        assert not b.problems(), b.problems()


STATE = """(() => {
    const vis = el => !!el && !el.hidden && getComputedStyle(el).display !== 'none' &&
        el.getClientRects().length > 0;
    const box = document.querySelector('.bookmarks');
    return {loading: vis(box.querySelector('.bm-loading')),
            empty: vis(box.querySelector('.bm-empty')),
            links: [...box.querySelectorAll('.bm-list a')].map(a => ({
                text: a.textContent, attr: a.getAttribute('href'), href: a.href})),
            buttons: [...document.querySelectorAll('button.bookmark')].map(b => ({
                id: b.dataset.id, name: b.dataset.name, href: b.dataset.href,
                text: b.textContent, pressed: b.getAttribute('aria-pressed')})),
            stored: localStorage.getItem('sos.bookmarks'), root: document.body.dataset.root};
})()"""


def test_bookmarks(build):
    s = site(build)
    with Browser(s) as b:
        b.size(1280)
        b.open(COMPARE)
        st = b.js(STATE)
        assert not st["loading"] and st["empty"], "script did not run: %s" % st
        assert st["links"] == [] and st["stored"] is None, st
        assert len(st["buttons"]) == 2, st["buttons"]
        first = st["buttons"][0]
        assert first["text"] == "Bookmark" and first["pressed"] == "false", first
        b.click("button.bookmark")
        b.poll("(localStorage.getItem('sos.bookmarks') || '').includes(%s)" %
               json.dumps(json.dumps(first["id"])), "the click to store a bookmark")
        b.page.reload()
        st = b.js(STATE)
        assert not st["loading"] and not st["empty"], st
        assert [l["text"] for l in st["links"]] == [first["name"]], st["links"]
        mine = [x for x in st["buttons"] if x["id"] == first["id"]][0]
        assert mine["text"] == "Bookmarked" and mine["pressed"] == "true", mine
        other = [x for x in st["buttons"] if x["id"] != first["id"]][0]
        assert other["text"] == "Bookmark" and other["pressed"] == "false", other

        # another page lists it, with a relative link that works
        b.open(TOOL)
        st = b.js(STATE)
        assert not st["loading"] and not st["empty"], st
        assert len(st["links"]) == 1 and st["links"][0]["text"] == first["name"], st["links"]
        link = st["links"][0]
        assert link["attr"] == st["root"] + first["href"], (link, st["root"])
        assert not link["attr"].startswith("/") and "://" not in link["attr"], link
        assert link["href"] == s.url(first["href"]), link
        mark = b.page.mark()
        b.click(".bm-list a")
        b.page.wait_event("Page.loadEventFired", since=mark)
        here = b.js("({url: location.href, h1: document.querySelector('h1').textContent})")
        assert here["url"] == link["href"], here
        assert here["h1"] == first["name"], here

        # click again (the bookmarked tool's own page) to remove it
        sel = "button.bookmark[data-id=%s]" % json.dumps(first["id"])
        st = b.js(STATE)
        assert [x["pressed"] for x in st["buttons"] if x["id"] == first["id"]] == ["true"], st
        b.click(sel)
        b.poll("JSON.parse(localStorage.getItem('sos.bookmarks') || '[1]').length === 0",
               "the click to remove the bookmark")
        b.page.reload()
        st = b.js(STATE)
        assert not st["loading"] and st["empty"] and st["links"] == [], st
        mine = [x for x in st["buttons"] if x["id"] == first["id"]][0]
        assert mine["text"] == "Bookmark" and mine["pressed"] == "false", mine
        b.open(COMPARE)
        st = b.js(STATE)
        assert st["empty"] and st["links"] == [], st
        assert all(x["pressed"] == "false" for x in st["buttons"]), st["buttons"]
        assert not b.problems(), b.problems()


def test_no_errors(build):
    s = site(build)
    html = sorted(os.path.relpath(p, s.root)
                  for p in glob.glob(os.path.join(s.root, "**", "*.html"), recursive=True))
    assert len(html) == 8, html
    with Browser(s) as b:
        for width in (1280, 390):
            b.size(width)
            for rel in html:
                b.open(rel)
                assert b.js("document.querySelectorAll('h1').length") == 1, rel
                # the script ran: the loading line is gone
                assert b.js("document.querySelector('.bm-loading').hidden"), rel
        assert not b.problems(), b.problems()
        # a script error is caught by this check (it is not blind)
        b.js("setTimeout(() => { throw new Error('sos-probe') }, 0); true")
        b.page.wait_event("Runtime.exceptionThrown")
        got = b.problems()
        assert len(got) == 1 and "sos-probe" in got[0], got
        # and so is a request to another origin (blocked: it never leaves)
        b.page.call("Network.setBlockedURLs", urls=["*sos-probe.invalid*"])
        b.page.events.clear()
        b.js("(() => { new Image().src = 'http://sos-probe.invalid/x.png'; return 1 })()")
        b.page.wait_event("Network.requestWillBeSent",
                          pred=lambda p: "sos-probe.invalid" in p["request"]["url"])
        got = b.problems()
        assert any("left the local server: http://sos-probe.invalid/" in g for g in got), got
        b.page.events.clear()
        b.open(COMPARE)
        assert not b.problems(), b.problems()
        assert len(b.requests()) >= 3, b.requests()
        missing = sorted({p for p, code in s.served if code == 404})
        if missing:
            print("  note: the browser's own request for %s got 404" % ", ".join(missing))


if __name__ == "__main__":
    try:
        main([test_compare_page_widths, test_bookmarks, test_no_errors])
    finally:
        if _site is not None:
            _site.close()
