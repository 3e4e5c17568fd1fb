#!/usr/bin/env python3
"""The index pages' finder (issue 14, item 5) in a real browser: Debian's
chromium, headless, over the DevTools protocol (browser_test.py's Site and
Browser). On index.html, compare/index.html and tools/index.html, at 390
and 1280 px: the search box and the category menu are shown by the script,
typing a query (real key events) and picking a category (real arrow keys on
the focused menu) leave exactly the matching rows visible, a query that
matches nothing leaves none, and the count says so in a polite live region.
Without JavaScript the finder is hidden and every row shows. Opened from
file:// (where chromium would refuse a fetch) it works the same: its data
is in the page."""
import json
import os

from browser_test import WIDTHS, Browser, Site
from harness import Cluster, main
from site_test import published

# Three categories, so that picking one shows some rows and hides others.
TOOLS = (("Alpha Chat", "Chatbots"), ("Beta Code", "Developer Tools"),
         ("Gamma Image", "Image Generation"), ("Delta Code", "Developer Tools"))
CATALOGUE = {
    "version": 1,
    "tools": [{"name": n, "vendor": "V", "tagline": "for " + c.lower(), "category": c,
               "tier": "Paid", "pricing": "$1", "description": "d", "link": ""}
              for n, c in TOOLS],
    "takes": [{"tool": n, "persona": p, "score": 40 + 10 * i + k, "verdict":
               "ship" if (i + k) % 3 else "skip", "text": "take %d" % k}
              for i, (n, _) in enumerate(TOOLS)
              for k, p in enumerate(("Builder", "Skeptic", "Futurist", "Founder"))],
    "comparisons": [{"a": "Alpha Chat", "b": "Beta Code"}, {"a": "Beta Code", "b": "Delta Code"},
                    {"a": "Gamma Image", "b": "Alpha Chat"}],
}


def finder_site(build):
    c = Cluster(build)
    c.start_all()
    path = os.path.join(c.home, "catalogue.json")
    with open(path, "w", encoding="utf-8") as f:
        json.dump(CATALOGUE, f)
    c.sos("import", path)
    published(c, len(TOOLS) + len(CATALOGUE["comparisons"]))
    out = os.path.join(c.home, "site")
    c.sos("render", "--out", out, "--base-url", "https://example.org/")
    return c, os.path.join(out, "current")


_site = None


def site(build):
    global _site
    if _site is None:
        _site = Site(build, finder_site)
    return _site

# Rows (data-key) a reader sees, the finder's state and its count line.
ROWS = """(() => {
    const vis = el => !!el && getComputedStyle(el).display !== 'none' &&
        el.getClientRects().length > 0;
    const form = document.querySelector('form.finder');
    const live = form && form.querySelector('[aria-live=polite]');
    return {shown: [...document.querySelectorAll('[data-key]')].filter(vis)
                .map(e => e.dataset.key),
            all: [...document.querySelectorAll('[data-key]')].map(e => e.dataset.key),
            finder: vis(form), count: live ? live.textContent : null,
            options: form ? [...form.querySelectorAll('option')].map(o => o.value) : [],
            q: form ? form.querySelector('input').value : null,
            cat: form ? form.querySelector('select').value : null};
})()"""


def data_of(s, rel):
    """What the page's twin says each row is: key -> (search text, categories)."""
    with open(os.path.join(s.root, os.path.dirname(rel), "index.json"), encoding="utf-8") as f:
        j = json.load(f)
    out = {}
    for c in j.get("comparisons", []):
        cats = []
        for tid in (c["a"], c["b"]):
            with open(os.path.join(s.root, "tools", tid, "index.json"), encoding="utf-8") as f:
                cat = json.load(f)["tool"]["category"]
            if cat not in cats:
                cats.append(cat)
        out["c:" + c["slug"]] = (" ".join(c["names"]).lower(), cats)
    for t in j.get("tools", []):
        out["t:" + t["id"]] = (t["name"].lower(), [t["category"]])
    return out


def type_text(b, text):
    """Focuses the search box and types text, one real key event a character."""
    b.js("document.querySelector('form.finder input').focus(); 0")
    for ch in text:
        b.page.call("Input.dispatchKeyEvent", type="keyDown", key=ch, text=ch)
        b.page.call("Input.dispatchKeyEvent", type="keyUp", key=ch)


def clear_text(b):
    b.js("(() => { const i = document.querySelector('form.finder input'); i.focus();"
         " i.select(); return 0 })()")
    for kind in ("keyDown", "keyUp"):
        b.page.call("Input.dispatchKeyEvent", type=kind, key="Backspace", code="Backspace",
                    windowsVirtualKeyCode=8, nativeVirtualKeyCode=8)


def arrow_down(b):
    """Focuses the category menu and presses the down arrow (on a closed
    <select>, chromium on Linux picks the next option and fires change)."""
    b.js("document.querySelector('form.finder select').focus(); 0")
    for kind in ("keyDown", "keyUp"):
        b.page.call("Input.dispatchKeyEvent", type=kind, key="ArrowDown", code="ArrowDown",
                    windowsVirtualKeyCode=40, nativeVirtualKeyCode=40)


def count_line(n_c, t_c, n_t, t_t):
    say = []
    if t_c:
        say.append("%d of %d %s" % (n_c, t_c, "comparison" if t_c == 1 else "comparisons"))
    if t_t:
        say.append("%d of %d %s" % (n_t, t_t, "tool" if t_t == 1 else "tools"))
    return "Showing %s." % (" and ".join(say) or "nothing")


def expect(data, query, cat):
    words = query.lower().split()
    return [k for k, (text, cats) in data.items()
            if (not cat or cat in cats) and all(w in text for w in words)]


def check_count(st, data):
    keys = list(data)
    t_c = sum(k.startswith("c:") for k in keys)
    t_t = len(keys) - t_c
    n_c = sum(k.startswith("c:") for k in st["shown"])
    want = count_line(n_c, t_c, len(st["shown"]) - n_c, t_t)
    assert st["count"] == want, (st["count"], want)


def exercise(b, s, rel, width):
    data = data_of(s, rel)
    st = b.js(ROWS)
    assert st["finder"], "%s at %d px: the script did not show the finder" % (rel, width)
    assert st["shown"] == st["all"] and sorted(st["all"]) == sorted(data), (rel, st)
    check_count(st, data)
    cats = sorted({c for _, cs in data.values() for c in cs})
    assert st["options"] == [""] + cats, (rel, st["options"])
    # a query that matches some rows, not all: "code"
    type_text(b, "Code")
    st = b.poll("(() => { const r = %s; return r.q === 'Code' ? r : null })()" % ROWS,
                "the typed query")
    want = expect(data, "code", "")
    assert want and len(want) < len(data), (rel, want)
    assert sorted(st["shown"]) == sorted(want), (rel, width, st["shown"], want)
    check_count(st, data)
    # two words narrow it: each must be there
    type_text(b, " delta")
    st = b.js(ROWS)
    assert st["q"] == "Code delta", st
    want2 = expect(data, "code delta", "")
    assert want2 and len(want2) < len(want), (rel, want2)
    assert sorted(st["shown"]) == sorted(want2), (rel, st)
    # a query that matches nothing: no row, and the count says so
    clear_text(b)
    type_text(b, "zzqx")
    st = b.js(ROWS)
    assert st["q"] == "zzqx" and st["shown"] == [], (rel, width, st)
    check_count(st, data)
    assert st["count"].startswith("Showing 0 of"), st["count"]
    # the query cleared, the first category picked with the keyboard
    clear_text(b)
    st = b.js(ROWS)
    assert st["q"] == "" and st["shown"] == st["all"], (rel, st)
    arrow_down(b)
    st = b.poll("(() => { const r = %s; return r.cat ? r : null })()" % ROWS,
                "the category picked")
    assert st["cat"] == cats[0], (st["cat"], cats)
    want = expect(data, "", cats[0])
    assert want and len(want) < len(data), (rel, cats, want)
    assert sorted(st["shown"]) == sorted(want), (rel, width, st["shown"], want)
    check_count(st, data)
    # a category and a query together
    type_text(b, "zzqx")
    st = b.js(ROWS)
    assert st["shown"] == [], (rel, st)
    return cats


def test_finder(build):
    s = site(build)
    with Browser(s) as b:
        for width in WIDTHS:
            b.size(width)
            for rel in ("index.html", "compare/index.html", "tools/index.html"):
                b.open(rel)
                cats = exercise(b, s, rel, width)
                print("  %d px %s: search and %d categories work" % (width, rel, len(cats)))
                assert len(cats) >= 2, cats
        assert not b.problems(), b.problems()


def test_without_script(build):
    """No JavaScript: the finder is not shown (nothing inert is offered) and
    every row is there."""
    s = site(build)
    with Browser(s) as b:
        b.page.call("Emulation.setScriptExecutionDisabled", value=True)
        b.size(390)
        for rel in ("index.html", "compare/index.html", "tools/index.html"):
            b.open(rel)
            st = b.page.call("Runtime.evaluate", expression=ROWS, returnByValue=True)
            # evaluate runs even with page scripts off (it is the protocol's)
            v = st["result"]["value"]
            assert not v["finder"] and v["shown"] == v["all"] and v["all"], (rel, v)
            assert v["count"] == "Showing all %s." % {
                "index.html": "comparisons and tools", "compare/index.html": "comparisons",
                "tools/index.html": "tools"}[rel], v


def test_from_file(build):
    """Opened as a file (file://, no server): the data is in the page, so
    the finder works there as well."""
    s = site(build)
    with Browser(s) as b:
        b.size(1280)
        for rel in ("index.html", "tools/index.html"):
            b.page.navigate("file://" + os.path.join(os.path.realpath(s.root), rel))
            assert b.js("location.protocol") == "file:"
            exercise(b, s, rel, 1280)
        errors = [e for e in b.page.events if e["method"] == "Runtime.exceptionThrown"]
        assert not errors, errors


if __name__ == "__main__":
    try:
        main([test_finder, test_without_script, test_from_file])
    finally:
        if _site is not None:
            _site.close()
