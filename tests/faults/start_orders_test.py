#!/usr/bin/env python3
"""Start the five daemons in 24 orders (every order of the pipeline's four,
community at a seeded random place in each), and once with the client
started before any daemon, while `sos import` is already submitting a small
catalogue; then check that nothing was lost or duplicated.

Per case: a fresh cluster home where the first editor is registered already
(submission started alone, the editor key registered self-signed as
deploy/sos-up does, submission stopped: every change is an editor's signed
request, docs/editors.md); the daemons are started in the case's order
with a seeded random pause of 0-150 ms between them; `sos import` (one try
per request, a per-try --timeout long enough to outwait any start-up) runs
concurrently: in the ordered cases it is started right after the first
daemon, in the "clients first" case before any daemon, which are started
only once it is sending (its libzmq I/O thread runs). Then:
  - the import exits 0 and reports 2 tools, 8 takes, 1 comparison: with
    [client] retries = 1, no request went unanswered (nothing lost) and none
    needed a Lazy Pirate retry, whatever the machine's speed;
  - `sos pull --json` shows exactly 2 verdicts (alpha-tool 3 ship / 1 skip,
    beta-tool 2 / 2) and 1 comparison, every signature verified;
  - `sos take list` of each tool: exactly 4 takes, 4 distinct personas,
    revision 1, all verified, panel closed;
  - `sos status`: heads exactly 9 / 13 / 5 / 3 (submission's first event is
    the editor's) and each cursor equal to its
    upstream's head;
  - every daemon is still running and stops with exit 0 on SIGTERM.

Usage: start_orders_test.py BUILD_DIR [SEED]   (SEED also from SOS_FAULT_SEED)
"""
import itertools
import json
import os
import random
import subprocess
import sys
import tempfile
import time
import traceback

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "integration"))
from harness import PIPELINE, SERVICES, Cluster, wait_for  # noqa: E402

PERSONAS = ["Builder", "Skeptic", "Futurist", "Founder", "Creator"]

CATALOGUE = {
    "version": 1,
    "tools": [
        {"name": "Alpha Tool", "tagline": "first", "category": "Testing", "tier": "Free"},
        {"name": "Beta Tool", "tagline": "second", "category": "Testing", "tier": "Paid"},
    ],
    "takes": [
        {"tool": "Alpha Tool", "persona": "Builder", "score": 80, "verdict": "ship", "text": "a1"},
        {"tool": "Alpha Tool", "persona": "Skeptic", "score": 45, "verdict": "skip", "text": "a2"},
        {"tool": "Alpha Tool", "persona": "Futurist", "score": 80, "verdict": "ship", "text": "a3"},
        {"tool": "Alpha Tool", "persona": "Founder", "score": 80, "verdict": "ship", "text": "a4"},
        {"tool": "Beta Tool", "persona": "Builder", "score": 70, "verdict": "ship", "text": "b1"},
        {"tool": "Beta Tool", "persona": "Skeptic", "score": 71, "verdict": "skip", "text": "b2"},
        {"tool": "Beta Tool", "persona": "Futurist", "score": 80, "verdict": "ship", "text": "b3"},
        {"tool": "Beta Tool", "persona": "Creator", "score": 60, "verdict": "skip", "text": "b4"},
    ],
    "comparisons": [{"a": "Alpha Tool", "b": "Beta Tool"}],
}
TOOLS = {"alpha-tool": (3, 1), "beta-tool": (2, 2)}  # id -> (ship, skip)
HEADS = {"submission": 9, "scoring": 13, "aggregation": 5, "publishing": 3, "community": 0}
IMPORT_TIMEOUT_MS = "60000"  # the one try per request must outwait the whole start-up
HANG_GUARD = 120.0  # seconds: the limit of every wait, which only tells a hang from slowness


def one_try_config(c):
    """[client] retries = 1: an unanswered request fails the import (exit 69)
    instead of being sent again."""
    c.config = os.path.join(c.home, "sos.ini")
    with open(c.config, "w") as f:
        f.write("[client]\nretries = 1\n")


def zmq_running(pid):
    """True once the process has made a ZeroMQ socket (libzmq starts its
    I/O thread with the first one; sos makes it to send its first request)."""
    try:
        for t in os.listdir("/proc/%d/task" % pid):
            with open("/proc/%d/task/%s/comm" % (pid, t)) as f:
                if f.read().startswith("ZMQbg/IO"):
                    return True
    except OSError:
        pass
    return False


def s_pull_counts(c):
    r = c.sos("--timeout", "500", "pull", "--json", check=False)
    if r.returncode != 0:
        return None
    d = json.loads(r.stdout)
    items = d["items"]
    nv = sum(1 for i in items if i.get("type") == "verdict")
    nc = sum(1 for i in items if i.get("type") == "comparison")
    return (nv, nc, d) if nv >= 2 and nc >= 1 else None


def s_check_signed(s, what):
    assert s.get("verified") is True, "%s: signature not verified: %r" % (what, s)


def s_check(c, imp, started):
    out, _ = imp.communicate(timeout=HANG_GUARD)
    took = time.time() - started
    print("  import done %.2f s after the last daemon's start" % took)
    # nothing lost: with one try per request, a request left unanswered would
    # have failed the import (exit 69)
    assert imp.returncode == 0, "sos import exited %d (69: a request went unanswered):\n%s" % (
        imp.returncode, out)
    assert "2 tools, 8 takes, 1 comparisons" in out, "import summary: %s" % out

    nv, nc, d = wait_for(lambda: s_pull_counts(c), timeout=HANG_GUARD,
                         what="2 verdicts + 1 comparison")
    assert d["verified"] is True, "pull not verified"
    items = d["items"]
    assert len(items) == 3 and nv == 2 and nc == 1, "pull items: %d verdicts, %d comparisons, %d" % (
        nv, nc, len(items))
    seqs = [i["seq"] for i in items]
    assert seqs == [1, 2, 3], "pull seqs %r" % seqs
    assert d["head"] == 3 and d["cursor"] == 3, "pull head/cursor %r/%r" % (d["head"], d["cursor"])
    seen = {}
    for it in items:
        if it["type"] == "comparison":
            cmp = it["comparison"]
            assert (cmp["slug"], cmp["a"], cmp["b"]) == (
                "alpha-tool-vs-beta-tool", "alpha-tool", "beta-tool"), cmp
            continue
        tid = it["tool"]["id"]
        assert tid in TOOLS and tid not in seen, "verdict for %r (seen %r)" % (tid, list(seen))
        seen[tid] = it
        v = it["verdict"]
        s_check_signed(v["signed"], tid + " verdict")
        assert (v["ship"], v["skip"]) == TOOLS[tid], "%s tally %r" % (tid, (v["ship"], v["skip"]))
        assert v["rule"] == "quorum:4", "%s rule %r" % (tid, v["rule"])
        assert len(it["takes"]) == 4 and len(v["take_hashes"]) == 4, tid + " counted takes"
        for t in it["takes"]:
            s_check_signed(t["signed"], tid + " take")
        assert sorted(t["signed"]["hash"] for t in it["takes"]) == sorted(v["take_hashes"])
    assert sorted(seen) == sorted(TOOLS), "verdicts for %r" % sorted(seen)

    for tid in TOOLS:
        r = c.sos("take", "list", tid, "--json")  # exit 77 if a signature fails
        tl = json.loads(r.stdout)
        takes = tl["takes"]
        assert len(takes) == 4, "%s: %d takes in take list" % (tid, len(takes))
        assert len({t["persona"] for t in takes}) == 4, "%s personas" % tid
        assert len({t["take_id"] for t in takes}) == 4, "%s take ids" % tid
        assert all(t["revision"] == 1 for t in takes), "%s revisions" % tid
        for t in takes:
            s_check_signed(t["signed"], tid + " listed take")
        assert tl["closed"] is True, tid + " panel not closed"

    def settled():
        r = c.sos("--timeout", "500", "status", "--json", check=False)
        if r.returncode != 0:
            return None
        st = {s["service"]: s for s in json.loads(r.stdout)}
        ok = all(st[SERVICES[i]]["cursor"] == st[SERVICES[i - 1]]["head"]
                 for i in range(1, len(SERVICES)))
        return st if ok else None

    st = wait_for(settled, timeout=HANG_GUARD, what="cursors equal to upstream heads")
    heads = {s: st[s]["head"] for s in SERVICES}
    assert heads == HEADS, "heads %r, expected %r" % (heads, HEADS)
    assert st["submission"]["cursor"] == 0

    for svc, p in c.procs.items():
        assert p.poll() is None, "%s exited %r" % (svc, p.returncode)
    c.stop_all()


def register_editor(c):
    """Submission alone: the editor key registered, then stopped (exit 0)."""
    c.start("submission")
    wait_for(lambda: c.sos("editor", "list", check=False).returncode == 0, timeout=HANG_GUARD,
             what="submission to answer")
    c.ensure_editor()
    p = c.procs.pop("submission")
    p.terminate()
    assert p.wait(timeout=HANG_GUARD) == 0, "submission did not stop cleanly"


def run_case(build, order, clients_first, rng, catalogue):
    c = Cluster(build)
    one_try_config(c)
    imp = None
    try:
        register_editor(c)
        cmd = [os.path.join(c.build, "clients", "sos"), "--home", c.home, "--config", c.config,
               "--timeout", IMPORT_TIMEOUT_MS, "import", catalogue]

        def start_import():
            return subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                    text=True, stdin=subprocess.DEVNULL)

        if clients_first:
            imp = start_import()
            # the import is sending into the void (and cannot be done)
            wait_for(lambda: zmq_running(imp.pid) or imp.poll() is not None, timeout=HANG_GUARD,
                     what="the import to send its first request")
            assert imp.poll() is None, "sos import ended before any daemon started"
        for i, svc in enumerate(order):
            if i:
                time.sleep(rng.uniform(0.0, 0.150))
            c.start(svc)
            if i == 0 and not clients_first:
                imp = start_import()
        s_check(c, imp, time.time())
    except Exception:
        if imp and imp.poll() is None:
            imp.kill()
            imp.wait()
        print(c.logs(), flush=True)
        raise
    finally:
        c.close()


def main():
    build = sys.argv[1] if len(sys.argv) > 1 else "build"
    seed = int(sys.argv[2] if len(sys.argv) > 2 else os.environ.get("SOS_FAULT_SEED", "20261122"))
    rng = random.Random(seed)
    print("seed %d" % seed, flush=True)
    tmp = tempfile.mkdtemp(prefix="sos-orders-")
    catalogue = os.path.join(tmp, "catalogue.json")
    with open(catalogue, "w") as f:
        json.dump(CATALOGUE, f)
    # the pipeline's 24 orders, community (publishing's follower) at a
    # seeded random place in each: 120 orders would take five times as long
    cases = []
    for p in itertools.permutations(PIPELINE):
        order = list(p)
        order.insert(rng.randrange(len(order) + 1), "community")
        cases.append((order, False))
    first = list(SERVICES)
    rng.shuffle(first)
    cases.append((first, True))
    passed = failed = 0
    t_all = time.time()
    for order, clients_first in cases:
        name = ("clients-first," if clients_first else "") + ",".join(s[:3] for s in order)
        start = time.time()
        try:
            run_case(build, order, clients_first, rng, catalogue)
            passed += 1
            print("PASS %-40s %.2fs" % (name, time.time() - start), flush=True)
        except Exception as e:  # noqa: BLE001 - report every failure
            failed += 1
            where = traceback.extract_tb(e.__traceback__)[-1]
            print("FAIL %-40s %.2fs: %s (%s:%d)" % (name, time.time() - start, e,
                                                    os.path.basename(where.filename),
                                                    where.lineno), flush=True)
    os.remove(catalogue)
    os.rmdir(tmp)
    print("total %.1fs" % (time.time() - t_all))
    print("%d passed, %d failed" % (passed, failed))
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
