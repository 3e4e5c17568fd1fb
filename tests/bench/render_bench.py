#!/usr/bin/env python3
"""Render benchmark: a synthetic catalogue pushed through the real daemons,
then a full `sos render` (pages per second) and the incremental publish of
one more verdict (seconds, files rewritten). Prints figures and ratios; it
asserts only that the work was done, never how fast.

  render_bench.py BUILD_DIR [--tools N]      default 10000 tools, 2 comparisons per tool
"""
import argparse
import json
import os
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "integration"))
from harness import Cluster, wait_for  # noqa: E402

PERSONAS = ["Builder", "Skeptic", "Futurist", "Founder"]
CHUNK = 500


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
        t0 = time.time()
        for start in range(0, n, CHUNK):
            path = os.path.join(c.home, "chunk.json")
            with open(path, "w") as f:
                json.dump(chunk_catalogue(start, min(CHUNK, n - start)), f)
            c.sos("import", path)
            print("bench: imported %d/%d tools (%.0f s)" % (min(start + CHUNK, n), n,
                                                           time.time() - t0), flush=True)
        t_import = time.time() - t0
        expect = n + 2 * n - (0 if n >= 8 else 0)
        wait_for(lambda: c.sos_json("status")[3]["head"] >= expect, timeout=600,
                 what="everything published")
        out = os.path.join(c.home, "site")
        t1 = time.time()
        r = c.sos("render", "--out", out)
        t_full = time.time() - t1
        print("bench: " + r.stdout.strip())
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
        t2 = time.time()
        r = c.sos("render", "--out", out)
        t_inc = time.time() - t2
        print("bench: " + r.stdout.strip())
        print()
        print("render benchmark (%d tools, %d comparisons, this machine: %d cores)" % (
            n, 2 * n, os.cpu_count()))
        print("  import through the daemons: %.1f s (%.0f requests/s)" % (
            t_import, (n + 4 * n + 2 * n + 5) / t_import))
        print("  full render: %d pages (%d files) in %.2f s = %.0f pages/s" % (
            pages, files, t_full, pages / t_full))
        print("  incremental publish of one verdict: %.3f s (%s)" % (
            t_inc, r.stdout.strip().split("; ")[1].split(" (")[0]))
        print("  ratio incremental / full: %.3f" % (t_inc / t_full))
        c.stop_all()
    finally:
        c.close()


if __name__ == "__main__":
    main()
