#!/usr/bin/env python3
"""Scale: a synthetic catalogue of T tools and N takes through the four real
daemons. Prints the ingest rate on the empty store against the rate at the
end, each daemon's memory (RssAnon: heap and stacks, i.e. RSS besides the
LMDB map, which is file-backed; and VmRSS) per phase, and the peak RSS of
`sos pull --json` over 10 % and over 100 % of the published log. Asserts
only that the work was done (every take acknowledged, every verdict and
comparison published and pulled, signatures verified), never how fast.

  scale_bench.py BUILD_DIR [--tools 100000] [--takes 500000] [--smoke]
                 [--comparisons T/2] [--text-bytes 600] [--clients 4] [--inflight 16]
                 [--alternate 3] [--burst-tools 5000]

Starts the daemons (harness.Cluster, quorum 5), registers a key for each of
the 5 personas, then with BUILD/tests/bench/scale_load (pipelined requests,
--clients threads with --inflight each):
  1. submits T tools, then T/2 comparisons (tool 2k vs tool 2k+1), and
     waits until every daemon has caught up;
  2. files N takes, 5 per tool (one per persona, revision 1; about
     --text-bytes of text each, signed before the clock starts), so the 5th
     take of each tool closes its panel: a verdict per tool, a published
     comparison per pair. The rate of each slice of N/20 acknowledgements
     is recorded: the first slice is the empty store, the last the full one;
  3. waits for aggregation and publishing to catch up (the time is printed);
  4. runs `sos pull --json` with --limit of 10 % of publishing's log, then of
     all of it, counting the items as they stream out and taking the
     client's peak RSS (/usr/bin/time %M) and its VmRSS every 0.1 s;
  5. runs `sos tool list --json` and `sos compare list --json` once each and
     samples submission's memory around them (each reply holds the whole
     catalogue; its exit code is printed, not asserted);
  6. --alternate R rounds (default 3): the full store against an empty one,
     measured alternately so that the disk's drift over the long run does
     not decide the comparison. A round is a burst on the full cluster and
     one on a fresh cluster (its own keys, quorum 5), in turn first: the
     same load each, --burst-tools B new tools (untimed, followed
     downstream) then 5 takes each through scale_load (timed), then the
     cluster catches up before the other's burst. Prints each burst's rate
     and the median of full / empty.
Memory of each daemon is read from /proc/PID/status every 0.25 s throughout
(the full cluster's; the fresh clusters are not sampled).
"""
import argparse
import json
import os
import subprocess
import sys
import threading
import time

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "integration"))
from harness import SERVICES, Cluster  # noqa: E402

PERSONAS = ["Builder", "Skeptic", "Futurist", "Founder", "Creator"]
FIELDS = ("VmRSS", "RssAnon", "RssFile", "VmHWM")


def status_kib(pid):
    out = {}
    try:
        with open("/proc/%d/status" % pid) as f:
            for ln in f:
                k, _, v = ln.partition(":")
                if k in FIELDS:
                    out[k] = int(v.split()[0])
    except OSError:
        pass
    return out


class Sampler(threading.Thread):
    """Max of each /proc status field per daemon, per phase."""

    def __init__(self, pids, every=0.25):
        super().__init__(daemon=True)
        self.pids, self.every = pids, every
        self.phase = "start"
        self.max = {}  # phase -> svc -> field -> KiB
        self.last = {}
        self.stop_ev = threading.Event()
        self.lock = threading.Lock()

    def sample(self):
        with self.lock:
            ph = self.max.setdefault(self.phase, {})
            for svc, pid in self.pids.items():
                st = status_kib(pid)
                self.last[svc] = st
                m = ph.setdefault(svc, {})
                for k, v in st.items():
                    m[k] = max(m.get(k, 0), v)

    def set_phase(self, name):
        self.sample()
        with self.lock:
            self.phase = name
        self.sample()

    def run(self):
        while not self.stop_ev.is_set():
            self.sample()
            self.stop_ev.wait(self.every)


def run(cmd, timeout=3600):
    r = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout)
    sys.stdout.write("".join(ln + "\n" for ln in r.stdout.splitlines()
                             if not ln.startswith("{")))
    if r.returncode != 0:
        sys.stdout.write(r.stdout)
        sys.stderr.write(r.stderr)
        raise SystemExit("bench: %s exited %d" % (os.path.basename(cmd[0]), r.returncode))
    return json.loads([ln for ln in r.stdout.splitlines() if ln.startswith("{")][-1])


def heads(c):
    return {s["service"]: s for s in c.sos_json("status")}


def quiesce(c, timeout=1800.0):
    t0 = time.time()
    while time.time() - t0 < timeout:
        st = heads(c)
        if (st["scoring"]["cursor"] >= st["submission"]["head"]
                and st["aggregation"]["cursor"] >= st["scoring"]["head"]
                and st["publishing"]["cursor"] >= st["aggregation"]["head"]):
            return time.time() - t0, st
        time.sleep(0.25)
    raise SystemExit("bench: the daemons did not catch up in %.0f s" % timeout)


def pull(c, limit):
    """sos pull --json [--limit]: items counted as they stream, peak RSS."""
    cmd = [os.path.join(c.build, "clients", "sos"), "--home", c.home, "pull", "--json"]
    if limit:
        cmd += ["--limit", str(limit)]
    # the peak RSS from /usr/bin/time: getrusage of a child forked from this
    # Python process would report Python's RSS (Linux keeps ru_maxrss across exec)
    timef = os.path.join(c.home, "pull-time.txt")
    if os.path.exists("/usr/bin/time"):
        cmd = ["/usr/bin/time", "-f", "%M", "-o", timef] + cmd
    t0 = time.time()
    p = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    rss = []
    stop = threading.Event()

    def target():  # sos itself, under /usr/bin/time
        try:
            with open("/proc/%d/task/%d/children" % (p.pid, p.pid)) as f:
                kids = f.read().split()
            return int(kids[0]) if kids else p.pid
        except OSError:
            return p.pid

    def watch():
        while not stop.is_set():
            st = status_kib(target())
            if "VmRSS" in st:
                rss.append(st["VmRSS"])
            stop.wait(0.1)
    w = threading.Thread(target=watch, daemon=True)
    w.start()
    counts = {"verdict": 0, "comparison": 0}
    nbytes = 0
    tail = b""
    for ln in p.stdout:
        nbytes += len(ln)
        s = ln.strip()
        if s == b'"type": "verdict",' or s == b'"type": "verdict"':
            counts["verdict"] += 1
        elif s == b'"type": "comparison",' or s == b'"type": "comparison"':
            counts["comparison"] += 1
        tail = ln
    err = p.stderr.read()
    p.wait()
    stop.set()
    w.join()
    secs = time.time() - t0
    if p.returncode != 0:
        raise SystemExit("bench: sos pull exited %d: %s" % (p.returncode, err.decode()[-500:]))
    end = json.loads(b"{" + tail.split(b"]", 1)[1].lstrip(b", ") if b"]" in tail else b"{}")
    maxrss = 0
    if os.path.exists(timef):
        with open(timef) as f:
            maxrss = int(f.read().split()[-1])
        os.unlink(timef)
    return {"seconds": secs, "bytes": nbytes, "maxrss_kib": maxrss,
            "vmrss_max_sampled_kib": max(rss) if rss else 0, "counts": counts, "end": end}


def costs(path, frac=0.1):
    """CPU ms and KB written per acknowledged take by each daemon over the
    first and the last `frac` of the acknowledgements (scale_load --stats)."""
    rows = []
    with open(path) as f:
        for ln in f:
            p = ln.split()
            d = {p[i]: (int(p[i + 1]), int(p[i + 2])) for i in range(2, len(p) - 2, 3)}
            rows.append((float(p[0]), int(p[1]), d))
    if len(rows) < 4:
        return {}
    total = rows[-1][1]
    tick_ms = 1000.0 / os.sysconf("SC_CLK_TCK")

    def at(acks):  # the first sample at or past acks
        for r in rows:
            if r[1] >= acks:
                return r
        return rows[-1]
    out = {}
    for name, (a, b) in (("first", (at(0), at(total * frac))),
                         ("last", (at(total * (1 - frac)), rows[-1]))):
        n = b[1] - a[1]
        if n <= 0:
            continue
        out[name] = {"acks": n, "seconds": b[0] - a[0], "rate": n / max(1e-9, b[0] - a[0])}
        for svc in a[2]:
            out[name][svc] = {
                "cpu_ms_per_take": (b[2][svc][0] - a[2][svc][0]) * tick_ms / n,
                "kb_written_per_take": (b[2][svc][1] - a[2][svc][1]) / 1024.0 / n}
    return out


def burst(c, loader, keydir, prefix, n_tools, text_bytes, common):
    """n_tools new tools (untimed, followed downstream), then 5 takes each
    (timed); waits until c has caught up. Returns scale_load's result."""
    run_dir = os.path.join(c.home, "run")
    ids_file = os.path.join(c.home, prefix + "-tools.txt")
    r = run([loader, "tools", "ipc://%s/submission.api" % run_dir, ids_file,
             "--count", str(n_tools), "--prefix", prefix, "--editor-key", c.editor_key] + common)
    if r["ok"] != n_tools:
        raise SystemExit("bench: burst %s: %d tools submitted of %d" % (prefix, r["ok"], n_tools))
    quiesce(c)
    r = run([loader, "takes", "ipc://%s/scoring.api" % run_dir, keydir, ids_file,
             "--personas", "5", "--text-bytes", str(text_bytes),
             "--slice", str(5 * n_tools)] + common)
    if r["ok"] != 5 * n_tools:
        raise SystemExit("bench: burst %s: %d takes acknowledged of %d (codes %s)" %
                         (prefix, r["ok"], 5 * n_tools, r["codes"]))
    quiesce(c)
    return r


def loadavg():
    return " ".join(open("/proc/loadavg").read().split()[:3])


def mib(kib):
    return kib / 1024.0


def dir_mib(path):
    total = 0
    for root, _, files in os.walk(path):
        for f in files:
            try:
                total += os.stat(os.path.join(root, f)).st_blocks * 512
            except OSError:
                pass
    return total / 1048576.0


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("build")
    ap.add_argument("--tools", type=int, default=100000)
    ap.add_argument("--takes", type=int, default=500000)
    ap.add_argument("--comparisons", type=int, default=-1, help="default: tools / 2")
    ap.add_argument("--text-bytes", type=int, default=600)
    ap.add_argument("--clients", type=int, default=4)
    ap.add_argument("--inflight", type=int, default=16)
    ap.add_argument("--alternate", type=int, default=3,
                    help="rounds of full-store and empty-store bursts, alternately")
    ap.add_argument("--burst-tools", type=int, default=5000,
                    help="new tools per burst (5 takes each)")
    ap.add_argument("--smoke", action="store_true",
                    help="2,000 tools, 10,000 takes, 1 round of 200-tool bursts")
    args = ap.parse_args()
    if args.smoke:
        args.tools, args.takes = 2000, 10000
        args.alternate, args.burst_tools = min(args.alternate, 1), 200
    if args.comparisons < 0:
        args.comparisons = args.tools // 2
    if args.takes % 5 or args.takes // 5 > args.tools:
        raise SystemExit("bench: --takes must be 5 x the tools that get takes (<= --tools)")
    if 2 * args.comparisons > args.tools:
        raise SystemExit("bench: at most tools / 2 comparisons")
    build = os.path.abspath(args.build)
    loader = os.path.join(build, "tests", "bench", "scale_load")
    if not os.path.exists(loader):
        raise SystemExit("bench: %s not built" % loader)
    common = ["--clients", str(args.clients), "--inflight", str(args.inflight)]

    print("bench: load before: %s" % loadavg(), flush=True)
    t_start = time.time()
    c = Cluster(build, quorum=5)
    sampler = None
    try:
        c.start_all()
        sampler = Sampler({s: c.procs[s].pid for s in SERVICES})
        sampler.start()
        run_dir = os.path.join(c.home, "run")
        keydir = os.path.join(c.home, "benchkeys")
        c.register_panel(PERSONAS, keydir)
        sub_ep = "ipc://%s/submission.api" % run_dir
        timings = {}

        # 1. the catalogue
        sampler.set_phase("1 tools+comparisons")
        ids_file = os.path.join(c.home, "tools.txt")
        r = run([loader, "tools", sub_ep, ids_file, "--count", str(args.tools),
                 "--editor-key", c.editor_key] + common)
        timings["tools"] = r
        ids = open(ids_file).read().split()
        if len(ids) != args.tools or r["ok"] != args.tools:
            raise SystemExit("bench: %d tools submitted of %d" % (r["ok"], args.tools))
        pairs = os.path.join(c.home, "pairs.txt")
        with open(pairs, "w") as f:
            f.write("".join("%s %s\n" % (ids[2 * k], ids[2 * k + 1])
                            for k in range(args.comparisons)))
        if args.comparisons:
            r = run([loader, "compare", sub_ep, pairs, os.path.join(c.home, "slugs.txt"),
                     "--editor-key", c.editor_key] + common)
            timings["comparisons"] = r
            if r["ok"] != args.comparisons:
                raise SystemExit("bench: %d comparisons of %d" % (r["ok"], args.comparisons))
        timings["catalogue_catchup_s"], _ = quiesce(c)
        print("bench: catalogue followed downstream %.1f s after the last reply" %
              timings["catalogue_catchup_s"], flush=True)

        # 2. the takes
        sampler.set_phase("2 ingest")
        n_taken = args.takes // 5
        take_ids = ids_file
        if n_taken < len(ids):
            take_ids = os.path.join(c.home, "take-tools.txt")
            with open(take_ids, "w") as f:
                f.write("\n".join(ids[:n_taken]) + "\n")
        slice_n = max(1, args.takes // 20)
        stats_file = os.path.join(c.home, "ingest-stats.txt")
        watch = []
        for svc in SERVICES:
            watch += ["--watch", "%s=%d" % (svc, c.procs[svc].pid)]
        la_ingest = loadavg()
        r = run([loader, "takes", "ipc://%s/scoring.api" % run_dir, keydir, take_ids,
                 "--personas", "5", "--text-bytes", str(args.text_bytes), "--slice",
                 str(slice_n), "--timeline", os.path.join(c.home, "timeline.txt"),
                 "--stats", stats_file] + watch + common)
        timings["takes"] = r
        la_ingest += " -> " + loadavg()
        if r["ok"] != args.takes:
            raise SystemExit("bench: %d takes acknowledged of %d (codes %s)" %
                             (r["ok"], args.takes, r["codes"]))

        # 3. downstream catches up
        sampler.set_phase("3 catch-up")
        timings["takes_catchup_s"], st = quiesce(c)
        print("bench: aggregation and publishing caught up %.1f s after the last take" %
              timings["takes_catchup_s"], flush=True)
        sampler.set_phase("4 idle")
        time.sleep(2.0)
        # counts: every event where it belongs
        # (+1 in submission: the first editor's registration; community
        # follows publishing and holds no votes)
        want = {"submission": args.tools + 5 + args.comparisons + 1,
                "scoring": args.tools + args.comparisons + args.takes + n_taken,
                "aggregation": args.tools + args.comparisons + n_taken,
                "publishing": n_taken + min(args.comparisons, n_taken // 2),
                "community": 0}
        got = {s: st[s]["head"] for s in SERVICES}
        if got != want:
            raise SystemExit("bench: log heads %s, expected %s" % (got, want))

        # 4. pull, 10 % then everything
        sampler.set_phase("5 pull")
        head = got["publishing"]
        p10 = pull(c, max(1, head // 10))
        p100 = pull(c, 0)
        if (p100["counts"]["verdict"] != n_taken or p100["end"].get("head") != head
                or p100["end"].get("cursor") != head or p100["end"].get("verified") is not True
                or sum(p100["counts"].values()) != head):
            raise SystemExit("bench: pull of everything: %s" % p100)
        if sum(p10["counts"].values()) != max(1, head // 10):
            raise SystemExit("bench: pull of 10 %%: %s" % p10)

        # 5. the whole catalogue in one reply
        sampler.set_phase("6 tool list")
        before = status_kib(c.procs["submission"].pid)
        t0 = time.time()
        tl = subprocess.run([os.path.join(build, "clients", "sos"), "--home", c.home,
                             "--json", "tool", "list"], capture_output=True, timeout=600)
        tl_s = time.time() - t0
        time.sleep(0.5)
        after = status_kib(c.procs["submission"].pid)
        n_listed = len(json.loads(tl.stdout)) if tl.returncode == 0 else -1
        cl = subprocess.run([os.path.join(build, "clients", "sos"), "--home", c.home,
                             "--json", "compare", "list"], capture_output=True, timeout=600)
        time.sleep(0.5)
        after_cl = status_kib(c.procs["submission"].pid)
        n_compared = len(json.loads(cl.stdout)) if cl.returncode == 0 else -1
        sizes = {s: dir_mib(os.path.join(c.home, "data", s)) for s in SERVICES}

        # 6. the full store against an empty one, alternately
        sampler.set_phase("7 alternate")
        alt = []
        for rnd in range(args.alternate):
            pair = {}
            for which in (("full", "empty") if rnd % 2 == 0 else ("empty", "full")):
                prefix = "Burst %d" % (rnd + 1)
                if which == "full":
                    r = burst(c, loader, keydir, prefix, args.burst_tools, args.text_bytes,
                              common)
                else:
                    e = Cluster(build, quorum=5)
                    try:
                        e.start_all()
                        ekeys = os.path.join(e.home, "benchkeys")
                        e.register_panel(PERSONAS, ekeys)
                        r = burst(e, loader, ekeys, prefix, args.burst_tools, args.text_bytes,
                                  common)
                        e.stop_all()
                    finally:
                        e.close()
                pair[which] = r["ok_per_s"]
                print("bench: round %d, %-5s store: %d takes at %.0f/s (p50 %.1f ms, p99 %.1f "
                      "ms)" % (rnd + 1, which, r["ok"], r["ok_per_s"], r["p50_ms"], r["p99_ms"]),
                      flush=True)
            pair["ratio"] = pair["full"] / pair["empty"]
            alt.append(pair)
        timings["alternate"] = alt
        sampler.set_phase("end")
        sampler.stop_ev.set()
        sampler.join()

        # report
        tk = timings["takes"]
        rates = tk["slice_rates"]
        print()
        print("bench: %d tools (%.0f/s), %d comparisons (%.0f/s), %d takes of %.0f bytes "
              "(%.0f acks/s overall, ack p50 %.1f ms p99 %.1f ms), load %s" % (
                  args.tools, timings["tools"]["ok_per_s"], args.comparisons,
                  timings.get("comparisons", {}).get("ok_per_s", 0), args.takes,
                  tk["bytes_per_frame"], tk["ok_per_s"], tk["p50_ms"], tk["p99_ms"],
                  la_ingest))
        print("bench: ingest rate per slice of %d acks (takes/s): %s" % (
            slice_n, " ".join("%.0f" % x for x in rates)))
        if rates:
            print("bench: empty store (first slice) %.0f/s, full store (last slice) %.0f/s: "
                  "ratio %.3f" % (rates[0], rates[-1], rates[-1] / rates[0]))
            print("bench: first 25 %% %.0f/s, last 25 %% %.0f/s: ratio %.3f" % (
                sum(rates[:5]) / 5, sum(rates[-5:]) / 5, sum(rates[-5:]) / sum(rates[:5])))
        print("bench: downstream caught up %.1f s after the last take" %
              timings["takes_catchup_s"])
        if alt:
            ratios = sorted(a["ratio"] for a in alt)
            print("bench: alternating bursts of %d tools x 5 takes, full store (%d takes) "
                  "against a fresh one: full/empty per round %s; median %.3f" % (
                      args.burst_tools, args.takes,
                      " ".join("%.0f/%.0f=%.3f" % (a["full"], a["empty"], a["ratio"])
                               for a in alt), ratios[len(ratios) // 2]))
        cost = costs(stats_file)
        timings["costs"] = cost
        if "first" in cost and "last" in cost:
            print("bench: per acknowledged take, first 10 %% of the acks (%.0f/s) -> last 10 %% "
                  "(%.0f/s): CPU ms and KB written by each daemon" % (
                      cost["first"]["rate"], cost["last"]["rate"]))
            for svc in SERVICES:
                f, la = cost["first"][svc], cost["last"][svc]
                print("bench:   %-12s cpu %.3f -> %.3f ms   written %.2f -> %.2f KB" % (
                    svc, f["cpu_ms_per_take"], la["cpu_ms_per_take"],
                    f["kb_written_per_take"], la["kb_written_per_take"]))
        print()
        phases = [ph for ph in sampler.max if ph not in ("start", "end")]
        print("RssAnon (heap, stacks: RSS besides the LMDB map), MiB, max per phase; then the "
              "max over the run of RssFile (mapped store pages) and VmRSS")
        print("%-12s" % "daemon" + "".join(" %10s" % ph.split(" ", 1)[1][:10] for ph in phases)
              + " | %8s %8s" % ("RssFile", "VmRSS"))
        for svc in SERVICES:
            row = "%-12s" % svc
            for ph in phases:
                row += " %10.1f" % mib(sampler.max[ph].get(svc, {}).get("RssAnon", 0))
            row += " | %8.1f %8.1f" % (
                mib(max(sampler.max[ph].get(svc, {}).get("RssFile", 0) for ph in sampler.max)),
                mib(max(sampler.max[ph].get(svc, {}).get("VmRSS", 0) for ph in sampler.max)))
            print(row)
        print("bench: max RssAnon over the run (MiB): %s" % ", ".join(
            "%s %.1f" % (svc, mib(max(sampler.max[ph].get(svc, {}).get("RssAnon", 0)
                                      for ph in sampler.max))) for svc in SERVICES))
        print("bench: store sizes on disk (MiB): %s" % ", ".join(
            "%s %.0f" % (s, sizes[s]) for s in SERVICES))
        print()
        for name, p in (("10 %", p10), ("100 %", p100)):
            print("bench: sos pull --json of %-5s: %6d items, %7.1f MB of JSON in %6.1f s; "
                  "peak RSS %.1f MiB (/usr/bin/time; sampled VmRSS max %.1f MiB)" % (
                      name, sum(p["counts"].values()), p["bytes"] / 1e6, p["seconds"],
                      mib(p["maxrss_kib"]), mib(p["vmrss_max_sampled_kib"])))
        print("bench: sos tool list --json: exit %d, %d tools listed in %.1f s%s; submission "
              "RssAnon %.1f -> %.1f MiB, VmRSS %.1f -> %.1f MiB" % (
                  tl.returncode, max(0, n_listed), tl_s,
                  "" if tl.returncode == 0 else " (%s)" % tl.stderr.decode().strip()[-80:],
                  mib(before.get("RssAnon", 0)), mib(after.get("RssAnon", 0)),
                  mib(before.get("VmRSS", 0)), mib(after.get("VmRSS", 0))))
        print("bench: sos compare list --json: exit %d, %d comparisons listed%s; submission "
              "RssAnon then %.1f MiB" % (
                  cl.returncode, max(0, n_compared),
                  "" if cl.returncode == 0 else " (%s)" % cl.stderr.decode().strip()[-80:],
                  mib(after_cl.get("RssAnon", 0))))
        print("bench: counts OK: log heads %s; pulled %d verdicts + %d comparisons, verified; "
              "total %.1f s; load now %s" % (
                  got, p100["counts"]["verdict"], p100["counts"]["comparison"],
                  time.time() - t_start, loadavg()))
        print(json.dumps({"tools": args.tools, "takes": args.takes,
                          "comparisons": args.comparisons, "timings": timings,
                          "rss_max_kib": sampler.max, "pull10": p10, "pull100": p100,
                          "tool_list": {"seconds": tl_s, "before": before, "after": after,
                                        "listed": n_listed, "exit": tl.returncode},
                          "compare_list": {"after": after_cl, "listed": n_compared,
                                           "exit": cl.returncode},
                          "store_mib": sizes, "load_ingest": la_ingest}))
        c.stop_all()
        return 0
    finally:
        if sampler:
            sampler.stop_ev.set()
        c.close()


if __name__ == "__main__":
    sys.exit(main())
