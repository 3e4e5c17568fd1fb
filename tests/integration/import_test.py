#!/usr/bin/env python3
"""`sos import` of catalogues past the old 512-tool cap, and the render's
memory at a size where holding every verdict shows.

  - 600 tools, 2,400 takes, 600 comparisons in one file whose keys come in
    the wrong order (comparisons, takes, then tools): everything arrives,
    a second import duplicates nothing (every service's log head stays),
    progress lines on stderr count up to the total, and a summary; the
    takes, which have no filed_at in the file, are filed at the import's
    time (within the seconds it ran), and the second import, whose clock
    is later, neither conflicts nor files them again;
  - a take with filed_at in the file keeps it; one that changes its text
    under the same id is refused whether or not it has filed_at;
  - a file with a bad record is refused whole before anything is sent,
    wherever the record is;
  - `sos render` of 1,000 tools with 2 KB takes peaks under RENDER_RSS_KIB
    of RSS (the kernel's count for the child: no timing involved; not in
    a sanitizer build). The
    model that held every verdict whole measured 70 MiB here; the summary
    model (a few hundred bytes a tool, whole verdicts read back one page at
    a time) 28 MiB, most of it the fixed cost of pulling. Without a usable
    temporary file the verdicts stay in memory and the site is the same.
"""
import json
import os
import re
import subprocess
import time

from harness import Cluster, main, wait_for

# A large import's hang guard: about a minute in the ASan+UBSan build on a
# loaded machine; this only tells a hang from slowness.
GUARD = 900

PERSONAS = ["Builder", "Skeptic", "Futurist", "Founder"]
RENDER_TOOLS = 1000
RENDER_TEXT = 100  # about 2 KB a take: what a whole verdict costs shows
RENDER_RSS_KIB = 40 * 1024
PROGRESS = re.compile(r"^sos: import: ([\d,]+)/([\d,]+) records \(tools ([\d,]+), panel (\d), "
                      r"takes ([\d,]+), comparisons ([\d,]+)\)$")


def catalogue(n, cmps_per_tool=1, tools_last=True, text=1):
    tools, takes, cmps = [], [], []
    for i in range(n):
        name = "Stream Tool %05d" % i
        tools.append({"name": name, "vendor": "V", "tagline": "tool %d" % i,
                      "category": "Developer Tools", "tier": ["Free", "Paid", "Freemium"][i % 3],
                      "pricing": "", "description": "A tool. " * 4, "link": ""})
        for k, p in enumerate(PERSONAS):
            takes.append({"tool": name, "persona": p, "score": (i * 7 + k * 13) % 101,
                          "verdict": "ship" if (i + k) % 3 else "skip",
                          "text": "Take %d by %s. " % (i, p) * text})
        for step in range(1, cmps_per_tool + 1):
            cmps.append({"a": name, "b": "Stream Tool %05d" % ((i + step) % n)})
    if tools_last:  # the file's order is not the import's: passes, not memory
        return {"version": 1, "comparisons": cmps, "takes": takes, "tools": tools}
    return {"version": 1, "tools": tools, "takes": takes, "comparisons": cmps}


def write(c, name, cat):
    path = os.path.join(c.home, name)
    with open(path, "w") as f:
        json.dump(cat, f, indent=1)
    return path


def sanitized(build):
    with open(os.path.join(build, "CMakeCache.txt")) as f:
        return "SOS_SANITIZE:BOOL=ON" in f.read()


def heads(c):
    return [s["head"] for s in c.sos_json("status")]


def later_clock(t):
    """Waits for the clock to pass t (unix seconds): an import after it
    files its takes without filed_at at another time than one before."""
    wait_for(lambda: int(time.time()) > t, what="the clock to pass %d" % t)


def num(s):
    return int(s.replace(",", ""))


def test_import_large(build):
    n = 600
    c = Cluster(build)
    try:
        c.start_all()
        path = write(c, "big.json", catalogue(n))
        t0 = int(time.time())
        r = c.sos("import", path, timeout=GUARD)
        t1 = int(time.time()) + 1
        want = "imported %s: %d tools, %d takes, %d comparisons" % (path, n, 4 * n, n)
        assert want in r.stdout, r.stdout
        total = n + 5 + 4 * n + n
        lines = [PROGRESS.match(ln) for ln in r.stderr.splitlines()]
        lines = [m for m in lines if m]
        sent = [num(m.group(1)) for m in lines]
        assert len(lines) >= total // 1000, r.stderr
        assert sent == sorted(sent), sent
        assert all(num(m.group(2)) == total for m in lines), r.stderr
        last = lines[-1].groups()
        assert [num(x) for x in last] == [total, total, n, 5, 4 * n, n], last
        assert re.search(r"^sos: import: done: %s records in " % format(total, ","), r.stderr,
                         re.M), r.stderr

        tools = c.sos_json("tool", "list")
        assert len(tools) == n and len({t["id"] for t in tools}) == n, len(tools)
        assert len(c.sos_json("compare", "list")) == n
        # every take arrived: each tool's verdict counts its four
        want = n + n  # verdicts and comparisons published
        wait_for(lambda: heads(c)[3] >= want, timeout=120, what="%d publications" % want)
        items = c.sos_json("pull")["items"]
        verdicts = [i["verdict"] for i in items if i["type"] == "verdict"]
        assert len(verdicts) == n, len(verdicts)
        assert all(v["ship"] + v["skip"] == 4 for v in verdicts), verdicts[:3]
        assert sum(1 for i in items if i["type"] == "comparison") == n
        filed = {t["filed_at"] for i in items if i["type"] == "verdict" for t in i["takes"]}
        assert len(filed) == 1 and t0 <= min(filed) <= t1, (sorted(filed)[:3], t0, t1)

        before = heads(c)
        later_clock(t1)
        r = c.sos("import", path, timeout=GUARD)  # again: nothing new anywhere
        assert "done: %s records" % format(total, ",") in r.stderr, r.stderr
        assert "%s takes without filed_at were imported before" % format(4 * n, ",") in \
            r.stderr, r.stderr
        assert heads(c) == before, (heads(c), before)
        assert len(c.sos_json("tool", "list")) == n
        assert len(c.sos_json("compare", "list")) == n
    finally:
        c.close()


def test_filed_at(build):
    """A take's filed_at from the file is kept; without one, the import's
    time. Importing again changes nothing; a changed text under the same
    id is refused, with or without filed_at."""
    c = Cluster(build)
    try:
        c.start_all()
        cat = catalogue(2, tools_last=False)
        cat["comparisons"] = []
        cat["takes"][0]["filed_at"] = 1795000000
        path = write(c, "dated.json", cat)
        t0 = int(time.time())
        c.sos("import", path)
        t1 = int(time.time()) + 1
        wait_for(lambda: heads(c)[3] >= 2, timeout=60, what="2 publications")
        got = {}
        for i in c.sos_json("pull")["items"]:
            for t in i.get("takes", []):
                got[(i["tool"]["name"], t["persona"])] = t["filed_at"]
        assert got.pop(("Stream Tool 00000", "Builder")) == 1795000000, got
        assert len(got) == 7 and all(t0 <= v <= t1 for v in got.values()), (got, t0, t1)
        before = heads(c)
        later_clock(t1)
        r = c.sos("import", path, timeout=GUARD)
        assert "7 takes without filed_at were imported before" in r.stderr, r.stderr
        assert heads(c) == before, (heads(c), before)
        for k in (0, 1):  # with filed_at, then without
            changed = json.loads(json.dumps(cat))
            changed["takes"][k]["text"] += " (edited)"
            r = c.sos("import", write(c, "changed.json", changed), check=False)
            assert r.returncode == 65 and "take refused (conflict)" in r.stderr, (k, r.stderr)
            assert heads(c) == before, (heads(c), before)
    finally:
        c.close()


def test_import_refused_whole(build):
    """A bad record anywhere (here the last take, in a file whose tools come
    last) stops the import before the first tool is sent; so does a take
    naming a tool the file does not have, a revision or filed_at out of
    range, a tool twice."""
    c = Cluster(build)
    try:
        c.start_all()
        cat = catalogue(20)
        cat["takes"][-1]["score"] = 101
        r = c.sos("import", write(c, "bad.json", cat), check=False)
        assert r.returncode == 65, (r.returncode, r.stderr)
        assert "sos: catalogue: takes[79]: score must be an integer 0-100" in r.stderr, r.stderr
        cat = catalogue(20)
        cat["takes"][3]["tool"] = "Nowhere"
        r = c.sos("import", write(c, "ref.json", cat), check=False)
        assert r.returncode == 65 and "takes[3]: tool is not one of the file's tools" in r.stderr, \
            r.stderr
        for field, value, words in (("revision", 0, "revision must be a whole number from 1"),
                                    ("revision", 1.5, "revision must be"),
                                    ("filed_at", -1, "filed_at must be a whole number")):
            cat = catalogue(20)
            cat["takes"][7][field] = value
            r = c.sos("import", write(c, "num.json", cat), check=False)
            assert r.returncode == 65 and "takes[7]: " + words in r.stderr, r.stderr
        cat = catalogue(20)
        cat["tools"].append(dict(cat["tools"][2], name=cat["tools"][2]["name"].upper()))
        r = c.sos("import", write(c, "twice.json", cat), check=False)
        assert r.returncode == 65 and "tools[20]: is the same tool as tools[2]" in r.stderr, \
            r.stderr
        r = c.sos("import", write(c, "syntax.json", {"version": 1}), check=False)
        assert r.returncode == 65 and "tools: must be a non-empty array" in r.stderr, r.stderr
        with open(os.path.join(c.home, "trunc.json"), "w") as f:
            f.write(json.dumps(catalogue(3))[:-40])
        r = c.sos("import", os.path.join(c.home, "trunc.json"), check=False)
        assert r.returncode == 65 and "trunc.json:1:" in r.stderr, r.stderr
        assert c.sos_json("tool", "list") == []
    finally:
        c.close()


def test_render_memory(build):
    # The memory bound is the normal build's; a sanitized build checks the
    # same files and bytes on a smaller site (it draws every card twice, and
    # ASan makes that minutes at 1,000 tools)
    n = RENDER_TOOLS if not sanitized(build) else RENDER_TOOLS // 5
    c = Cluster(build)
    try:
        c.start_all()
        c.sos("import", write(c, "render.json", catalogue(n, cmps_per_tool=2, tools_last=False,
                                                     text=RENDER_TEXT)), timeout=GUARD)
        wait_for(lambda: heads(c)[3] >= 3 * n, timeout=300, what="%d publications" % (3 * n))
        out = os.path.join(c.home, "site")
        logs = [open(os.path.join(c.home, x), "w+") for x in ("render.out", "render.err")]
        p = subprocess.Popen([os.path.join(c.build, "clients", "sos"), "--home", c.home, "render",
                              "--out", out], stdout=logs[0], stderr=logs[1])
        _, status, ru = os.wait4(p.pid, 0)  # the child's own peak RSS, in KiB
        p.returncode = os.waitstatus_to_exitcode(status)
        stdout, stderr = [(f.seek(0), f.read(), f.close())[1] for f in logs]
        assert p.returncode == 0, stderr
        assert "%d tools, %d comparisons" % (n, 2 * n) in stdout, stdout
        print("render of %d tools: peak RSS %d KiB (bound %d KiB)" % (n, ru.ru_maxrss,
                                                                      RENDER_RSS_KIB))
        if not sanitized(c.build):  # ASan's shadow and quarantine are not the model's
            assert ru.ru_maxrss < RENDER_RSS_KIB, "peak RSS %d KiB" % ru.ru_maxrss
        pages = sum(len(fs) for _, _, fs in os.walk(os.path.join(out, "current")))
        # a tool: page, twin; a comparison: page, twin, card; + robots.txt, 404.html,
        # favicon.svg, how-we-review/, compare/ and tools/ index pages and twins, ...
        assert pages == 2 * n + 3 * 2 * n + 15, pages
        # no usable temporary file: the verdicts stay in memory, the same bytes
        env = dict(os.environ, TMPDIR=os.path.join(c.home, "nowhere"))
        other = os.path.join(c.home, "site-in-memory")
        r = subprocess.run([os.path.join(c.build, "clients", "sos"), "--home", c.home, "render",
                            "--out", other], capture_output=True, text=True, env=env,
                           timeout=GUARD)
        assert r.returncode == 0, r.stderr
        assert "every verdict stays in memory" in r.stderr, r.stderr
        diff = subprocess.run(["diff", "-r", os.path.join(out, "current"),
                               os.path.join(other, "current")], capture_output=True, text=True)
        assert diff.returncode == 0, diff.stdout[:2000]
    finally:
        c.close()


if __name__ == "__main__":
    main([test_import_large, test_filed_at, test_import_refused_whole, test_render_memory])
