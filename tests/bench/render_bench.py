#!/usr/bin/env python3
"""Render benchmark: a synthetic catalogue pushed through the real daemons
(one file, `sos import` streams it), then a full `sos render` (pages per
second) and the incremental publish of one more verdict (seconds, files
rewritten). Peak RSS of the import and of each render (the kernel's
ru_maxrss for that child) against the 64 MiB bound docs/performance.md
sets at 10,000 tools. Prints figures and ratios; it asserts only that the
work was done, never how fast or how big.

  render_bench.py BUILD_DIR [--tools N]      default 10000 tools, 2 comparisons per tool
"""
import argparse
import json
import os
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "integration"))
from harness import Cluster, wait_for  # noqa: E402

PERSONAS = ["Builder", "Skeptic", "Futurist", "Founder"]
CHUNK = 500
RSS_BOUND_KIB = 64 * 1024


def measured(c, *args):
    """Runs sos args; (stdout, seconds, peak RSS in KiB) of that process.
    With /usr/bin/time the figure is sos's own; without it, ru_maxrss from
    wait4, which also counts the moment the child was a fork of this
    script (about 15 MiB): an upper bound."""
    cmd = [os.path.join(c.build, "clients", "sos"), "--home", c.home] + list(args)
    gnu_time = os.access("/usr/bin/time", os.X_OK)
    with tempfile.NamedTemporaryFile("w+") as rss, tempfile.TemporaryFile("w+") as out, \
            tempfile.TemporaryFile("w+") as err:
        if gnu_time:
            cmd = ["/usr/bin/time", "-q", "-f", "%M", "-o", rss.name] + cmd
        t0 = time.time()
        p = subprocess.Popen(cmd, stdout=out, stderr=err)
        _, status, ru = os.wait4(p.pid, 0)
        took = time.time() - t0
        out.seek(0)
        err.seek(0)
        if os.waitstatus_to_exitcode(status) != 0:
            raise AssertionError("sos %s failed:\n%s" % (" ".join(args), err.read()))
        peak = int(rss.read().split()[-1]) if gnu_time else ru.ru_maxrss
        return out.read(), took, peak


def chunk_catalogue(start, n):
    tools, takes, cmps = [], [], []
    for i in range(start, start + n):
        name = "Bench Tool %05d" % i
        tools.append({"name": name, "vendor": "Bench", "tagline": "synthetic tool %d" % i,
                      "category": "Developer Tools", "tier": ["Free", "Paid", "Freemium"][i % 3],
                      "pricing": "$%d/mo" % (i % 50), "description": "A synthetic tool. " * 8,
                      "link": ""})
        for k, p in enumerate(PERSONAS):
            takes.append({"tool": name, "persona": p, "score": (i * 7 + k * 13) % 101,
                          "verdict": "ship" if (i + k) % 3 else "skip",
                          "text": "Synthetic take %d by %s. " % (i, p) * 6})
    for j in range(n):  # two comparisons per tool, inside the chunk
        a = start + j
        for step in (1, 7):
            b = start + (j + step) % n
            cmps.append({"a": "Bench Tool %05d" % a, "b": "Bench Tool %05d" % b})
    return {"version": 1, "tools": tools, "takes": takes, "comparisons": cmps}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("build")
    ap.add_argument("--tools", type=int, default=10000)
    args = ap.parse_args()
    n = args.tools
    c = Cluster(args.build)
    try:
        c.start_all()
        path = os.path.join(c.home, "catalogue.json")
        with open(path, "w") as f:
            json.dump(chunk_catalogue(0, n), f)
        _, t_import, rss_import = measured(c, "import", path)
        print("bench: imported %d tools in one file (%.0f s)" % (n, t_import), flush=True)
        expect = n + 2 * n
        wait_for(lambda: c.sos_json("status")[3]["head"] >= expect, timeout=600,
                 what="everything published")
        out = os.path.join(c.home, "site")
        r, t_full, rss_full = measured(c, "render", "--out", out)
        print("bench: " + r.strip())
        site = os.path.join(out, "current")
        pages = sum(1 for _, _, fs in os.walk(site) for f in fs if f.endswith(".html"))
        files = sum(len(fs) for _, _, fs in os.walk(site))

        # one more verdict: a new tool, four takes, a comparison
        c.sos("tool", "submit", "--name", "Bench Extra", "--tagline", "t", "--category", "c",
              "--tier", "Free")
        for p in PERSONAS:
            c.sos("take", "file", "--key", os.path.join(c.home, "keys", "panel",
                                                         p.lower() + ".key"),
                  "--tool", "bench-extra", "--persona", p, "--score", "60", "--ship",
                  "--text", "one more")
        c.sos("compare", "create", "bench-extra", "bench-tool-00000")
        wait_for(lambda: c.sos_json("status")[3]["head"] >= expect + 2, timeout=60,
                 what="the extra verdict published")
        r, t_inc, rss_inc = measured(c, "render", "--out", out)
        print("bench: " + r.strip())
        print()
        print("render benchmark (%d tools, %d comparisons, this machine: %d cores)" % (
            n, 2 * n, os.cpu_count()))
        print("  import through the daemons: %.1f s (%.0f requests/s), peak RSS %.1f MiB" % (
            t_import, (n + 4 * n + 2 * n + 5) / t_import, rss_import / 1024))
        print("  full render: %d pages (%d files) in %.2f s = %.0f pages/s" % (
            pages, files, t_full, pages / t_full))
        print("  incremental publish of one verdict: %.3f s (%s)" % (
            t_inc, r.strip().split("; ")[1].split(" (")[0]))
        print("  ratio incremental / full: %.3f" % (t_inc / t_full))
        print("  render peak RSS: full %.1f MiB, incremental %.1f MiB; %.2f KiB a tool" % (
            rss_full / 1024, rss_inc / 1024, rss_full / n))
        print("  ratio full render peak RSS / %d MiB bound: %.2f" % (
            RSS_BOUND_KIB // 1024, rss_full / RSS_BOUND_KIB))
        c.stop_all()
    finally:
        c.close()


if __name__ == "__main__":
    main()
