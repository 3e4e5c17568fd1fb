#!/usr/bin/env python3
"""Pipeline latency: from the acknowledgement of the last thing a panel needs
(the take that reaches the quorum, or the editor's finalize) to the verdict
being pullable from publishing (the events query `sos pull` makes), and from
there to the rendered page on disk. Prints p50/p99/max; asserts only that
every panel was closed, published and (where rendered) its pages written,
never how fast.

  pipeline_bench.py BUILD_DIR [--panels N] [--configs LIST] [--smoke]
                    [--background-rate R] [--background-seconds S]

Starts the four daemons (harness.Cluster, default quorum 4), registers a key
for each of the 5 personas, submits 1 + N x configs tools with
BUILD/tests/bench/scale_load (the first is the anchor), creates one
comparison "<tool>-vs-<anchor>" per panel tool, files the anchor's four takes
(its verdict is published before the clock starts) and three takes (Builder,
Skeptic, Futurist) on every panel tool, waits until every daemon has caught
up and renders the site once. Then, for each config MODE:WAIT[:render|:load]
of --configs (default quorum:bell,quorum:poll,finalize:bell,
quorum:bell:render,quorum:bell:load), waits for the daemons to catch up
(and, before a render config, renders what the configs before it
published, untimed), then runs BUILD/tests/bench/pipeline on N panels of
its own, one at a time (--smoke: N = 10, 10 s of background at most):

  quorum    the Founder's take is the 4th persona: its acknowledgement closes
            the panel (the verdict needs nothing else)
  finalize  the editor's panel_close (`sos verdict finalize`) closes it
  bell      wait on aggregation's and publishing's events doorbells (PUB),
            then query the log; a 250 ms fallback query is counted
  poll      query both logs back to back in a tight loop
  render    after each verdict, `sos render --out SITE` (incremental) and the
            time until SITE/current/tools/<id>/index.html and the comparison
            page exist, and until the command exits
  load      while the panels run, BUILD/tests/bench/ingest files takes on other
            tools at --background-rate per second (4 personas, revision 1, so
            a panel closes every 4 takes: background verdicts flow through
            aggregation and publishing too; default 1,000/s, tools for
            --background-seconds 60 are made in the set-up); stopped when the
            panels are done

Finally `sos pull --json` must list every verdict and comparison once.
"""
import argparse
import json
import math
import os
import subprocess
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "integration"))
from harness import Cluster  # noqa: E402

PERSONAS = ["Builder", "Skeptic", "Futurist", "Founder", "Creator"]


def pct(v, p):
    if not v:
        return float("nan")
    s = sorted(v)
    i = max(0, math.ceil(p * len(s)) - 1)
    return s[min(i, len(s) - 1)]


def run(cmd, timeout=1800):
    r = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout)
    if r.returncode != 0:
        sys.stdout.write(r.stdout)
        sys.stderr.write(r.stderr)
        raise SystemExit("bench: %s exited %d" % (os.path.basename(cmd[0]), r.returncode))
    return r


def load_json(out):
    return json.loads([ln for ln in out.splitlines() if ln.startswith("{")][-1])


def quiesce(c, timeout=120.0):
    """Waits until every follower's cursor equals its upstream's head."""
    t0 = time.time()
    while time.time() - t0 < timeout:
        st = {s["service"]: s for s in c.sos_json("status")}
        if (st["scoring"]["cursor"] >= st["submission"]["head"]
                and st["aggregation"]["cursor"] >= st["scoring"]["head"]
                and st["publishing"]["cursor"] >= st["aggregation"]["head"]):
            return st
        time.sleep(0.1)
    raise SystemExit("bench: the daemons did not catch up in %.0f s" % timeout)


def loadavg():
    return " ".join(open("/proc/loadavg").read().split()[:3])


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("build")
    ap.add_argument("--panels", type=int, default=200, help="panels per config")
    ap.add_argument("--configs",
                    default="quorum:bell,quorum:poll,finalize:bell,quorum:bell:render,"
                            "quorum:bell:load")
    ap.add_argument("--background-rate", type=float, default=1000.0,
                    help="takes/s filed on other tools during a :load config")
    ap.add_argument("--background-seconds", type=float, default=60.0,
                    help="at most this long (tools for it are made in the set-up)")
    ap.add_argument("--smoke", action="store_true", help="10 panels per config: a few seconds")
    args = ap.parse_args()
    if args.smoke:
        args.panels = 10
        args.background_seconds = min(args.background_seconds, 10.0)
    build = os.path.abspath(args.build)
    loader = os.path.join(build, "tests", "bench", "scale_load")
    probe = os.path.join(build, "tests", "bench", "pipeline")
    ingest = os.path.join(build, "tests", "bench", "ingest")
    sos = os.path.join(build, "clients", "sos")
    for exe in (loader, probe, ingest):
        if not os.path.exists(exe):
            raise SystemExit("bench: %s not built" % exe)
    configs = []
    for spec in args.configs.split(","):
        parts = spec.split(":")
        if len(parts) < 2 or parts[0] not in ("quorum", "finalize") or \
                parts[1] not in ("bell", "poll"):
            raise SystemExit("bench: bad config %r" % spec)
        configs.append((parts[0], parts[1], "render" in parts[2:], "load" in parts[2:]))

    print("bench: load before: %s" % loadavg(), flush=True)
    t_start = time.time()
    c = Cluster(build)
    try:
        c.start_all()
        run_dir = os.path.join(c.home, "run")
        keydir = os.path.join(c.home, "benchkeys")
        c.register_panel(PERSONAS, keydir)
        n_panels = args.panels * len(configs)

        ids_file = os.path.join(c.home, "tools.txt")
        run([loader, "tools", "ipc://%s/submission.api" % run_dir, ids_file,
             "--count", str(1 + n_panels), "--prefix", "Pipeline Tool",
             "--editor-key", c.editor_key])
        ids = open(ids_file).read().split()
        if len(ids) != 1 + n_panels or "-" in ids:
            raise SystemExit("bench: %d tool ids for %d tools" % (len(ids), 1 + n_panels))
        anchor, tools = ids[0], ids[1:]
        pairs = os.path.join(c.home, "pairs.txt")
        with open(pairs, "w") as f:
            f.write("".join("%s %s\n" % (t, anchor) for t in tools))
        slugs_file = os.path.join(c.home, "slugs.txt")
        run([loader, "compare", "ipc://%s/submission.api" % run_dir, pairs, slugs_file,
             "--editor-key", c.editor_key])
        slugs = open(slugs_file).read().split()
        if len(slugs) != n_panels or "-" in slugs:
            raise SystemExit("bench: %d comparisons made of %d" % (len(slugs), n_panels))
        anchor_file = os.path.join(c.home, "anchor.txt")
        with open(anchor_file, "w") as f:
            f.write(anchor + "\n")
        scoring = "ipc://%s/scoring.api" % run_dir
        r = load_json(run([loader, "takes", scoring, keydir, anchor_file, "--personas", "4",
                           "--text-bytes", "400"]).stdout)
        if r["ok"] != 4:
            raise SystemExit("bench: anchor takes: %s" % r)
        r = load_json(run([loader, "takes", scoring, keydir, ids_file,
                           "--personas", "3", "--text-bytes", "400"]).stdout)
        # the anchor got 3 more takes refused CLOSED; every panel tool 3 OK
        if r["ok"] != 3 * n_panels:
            raise SystemExit("bench: panel takes: %d OK of %d" % (r["ok"], 3 * n_panels))
        quiesce(c)
        site = os.path.join(c.home, "site")
        t0 = time.time()
        c.sos("render", "--out", site)
        print("bench: set-up %.1f s (%d panels, %d comparisons, 3 takes each); first render "
              "%.2f s" % (time.time() - t_start, n_panels, n_panels, time.time() - t0), flush=True)

        bg_tools = None
        if any(cf[3] for cf in configs):
            # enough tools for the background's time, 4 takes a tool
            n_bg = max(1, int(args.background_rate * args.background_seconds / 4))
            bg_tools = os.path.join(c.home, "bg-tools.txt")
            run([loader, "tools", "ipc://%s/submission.api" % run_dir, bg_tools,
                 "--count", str(n_bg), "--prefix", "Background Tool",
                 "--editor-key", c.editor_key])
            quiesce(c)

        results = []
        for k, (mode, wait, render, load) in enumerate(configs):
            chunk = list(zip(tools, slugs))[k * args.panels:(k + 1) * args.panels]
            pf = os.path.join(c.home, "panels-%d.txt" % k)
            with open(pf, "w") as f:
                f.write("".join("%s %s\n" % p for p in chunk))
            quiesce(c)
            if render:  # the verdicts of the configs before: not timed
                c.sos("render", "--out", site)
            la0 = loadavg()
            t0 = time.time()
            # --timeout-ms: how long a panel may wait for its publication, a
            # hang guard (the figures are what measures the time)
            cmd = [probe, c.home, keydir, pf, "--mode", mode, "--wait", wait,
                   "--render-every", "1" if render else "0", "--sos", sos, "--site", site,
                   "--timeout-ms", "60000"]
            bg = None
            if load:
                n_bg = len(open(bg_tools).read().split())
                bg = subprocess.Popen(
                    [ingest, scoring, keydir, bg_tools, "--clients", "2", "--inflight", "8",
                     "--takes", str(4 * n_bg), "--rate", "%.1f" % args.background_rate,
                     "--no-limit"], stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
                bg.stdout.readline()  # "takes signed": the sending starts
                time.sleep(1.0)  # let the background reach its rate
            try:
                r = run(cmd)
            finally:
                if bg:
                    bg_alive = bg.poll() is None
                    bg.terminate()
                    bg.wait()
            if load and not bg_alive:
                # the background is sized in time at full speed: a slow machine
                # may outrun it. That spoils the figures, which a full run
                # refuses; a smoke run checks that the work is done, not speed.
                if not args.smoke:
                    raise SystemExit("bench: the background load ended before the panels did")
                print("bench: note: the background load ended before the panels did (a slow "
                      "machine): the :load figures are partly without load", flush=True)
            rows = []
            for ln in r.stdout.splitlines():
                if ln.startswith("panel "):
                    f = ln.split()
                    rows.append([float(x) for x in f[3:9]] + [int(f[9])])
            summary = load_json(r.stdout)
            if r.stderr.strip():
                sys.stderr.write(r.stderr)
            name = "%s/%s%s%s" % (mode, wait, "/render" if render else "",
                                  "/load" if load else "")
            if render:
                cur = os.path.join(site, "current")
                print("bench: %s: the site now has %d tool pages and %d comparison pages "
                      "(each with a JSON twin)" % (
                          name, len(os.listdir(os.path.join(cur, "tools"))),
                          len(os.listdir(os.path.join(cur, "compare")))), flush=True)
            results.append((name, wait, render, rows, summary, la0, loadavg(),
                            time.time() - t0))
            print("bench: %s: %d panels in %.1f s, load %s -> %s" % (
                name, len(rows), time.time() - t0, la0, loadavg()), flush=True)

        # every verdict and comparison is pullable, once
        pull = json.loads(c.sos("pull", "--json").stdout)
        mine = set(ids)
        verdicts = [i for i in pull["items"] if i["type"] == "verdict" and i["tool"]["id"] in mine]
        comps = [i for i in pull["items"] if i["type"] == "comparison"]
        vt = {i["tool"]["id"] for i in verdicts}
        ok = (len(verdicts) == 1 + n_panels and len(comps) == n_panels and pull["verified"]
              and len(vt) == len(verdicts))
        bad = [s for (_, _, _, _, s, _, _, _) in results
               if s["closed"] != s["panels"] or s["published"] != s["panels"]
               or s["comparisons_published"] != s["panels"] or s["pages"] != s["rendered"]]

        print()
        print("%-22s %5s | %-23s | %-23s | %-23s | %-23s | %-17s" % (
            "config", "n", "ack ms p50/p99/max", "-> aggregation verdict",
            "-> pullable (publishing)", "-> comparison pullable", "-> page on disk"))
        for name, wait, render, rows, s, la0, la1, secs in results:
            def col(i, rows=rows):
                v = [x[i] for x in rows if x[i] >= 0]
                return "%6.2f %7.2f %7.2f" % (pct(v, .5), pct(v, .99), max(v)) if v else "-"
            print("%-22s %5d | %-23s | %-23s | %-23s | %-23s | %s" % (
                name, len(rows), col(0), col(1), col(2), col(3), col(4) if render else "-"))
        for name, wait, render, rows, s, la0, la1, secs in results:
            if render:
                ex = [x[5] for x in rows if x[5] >= 0]
                print("bench: %s: sos render exit after the verdict was seen: p50 %.1f p99 "
                      "%.1f max %.1f ms" % (name, pct(ex, .5), pct(ex, .99), max(ex)))
            if wait == "bell":
                print("bench: %s: doorbell fallbacks (250 ms without a bell) %d; panels "
                      "over 250 ms to pullable: %d" % (
                          name, s["bell_fallbacks"], sum(1 for x in rows if x[2] > 250)))
            slow = sorted(x[2] for x in rows)[-5:]
            print("bench: %s: slowest ack->pullable ms %s" % (
                name, " ".join("%.1f" % x for x in slow)))
        print("bench: pull check: %d verdicts, %d comparisons, verified %s: %s" % (
            len(verdicts), len(comps), pull["verified"], "OK" if ok else "MISMATCH"))
        print("bench: total %.1f s; load now %s" % (time.time() - t_start, loadavg()))
        out = {"panels_per_config": args.panels, "configs": []}
        for name, wait, render, rows, s, la0, la1, secs in results:
            d = {"config": name, "summary": s,
                 "load_before": la0, "load_after": la1, "seconds": round(secs, 2)}
            for name, i in (("ack", 0), ("agg", 1), ("pub", 2), ("cmp", 3), ("page", 4),
                            ("exit", 5)):
                v = [x[i] for x in rows if x[i] >= 0]
                if v:
                    d[name] = {"p50": pct(v, .5), "p99": pct(v, .99), "max": max(v)}
            out["configs"].append(d)
        print(json.dumps(out))
        c.stop_all()
        return 0 if ok and not bad else 1
    finally:
        c.close()


if __name__ == "__main__":
    sys.exit(main())
