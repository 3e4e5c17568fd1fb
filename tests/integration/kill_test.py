#!/usr/bin/env python3
"""SIGKILL each daemon in the middle of a stream of takes, restart it, and
find every acknowledged take present exactly once, every verdict published
exactly once, and every signature valid.

Two client threads file amendments (quorum 5 and four personas, so panels
stay open) while the main thread kills and restarts one daemon at a time;
each kill waits until a take has been acknowledged since the last one, so
the kills land in a flowing stream however slow the machine. A take counts
as acknowledged when `sos take file` exited 0."""
import os
import random
import signal
import threading
import time

from harness import HANG_GUARD, SERVICES, Cluster, main, wait_for

TOOLS = ["kappa", "lambda", "mu", "nu"]
PERSONAS = ["Builder", "Skeptic", "Futurist", "Founder"]


def test_kill_each_daemon(build):
    c = Cluster(build, quorum=5)
    rng = random.Random(20261122)
    try:
        c.start_all()
        keys = c.register_panel(PERSONAS)
        for t in TOOLS:
            c.submit_tool(t)

        acked, tried = [], [0]
        lock = threading.Lock()
        stop = threading.Event()

        def client(slot):
            # each client owns two (tool, persona) pairs, so revisions never race
            pairs = [(t, p) for t in TOOLS for p in PERSONAS][slot::2]
            rev = {pr: 0 for pr in pairs}
            n = 0
            while not stop.is_set():
                t, p = pairs[n % len(pairs)]
                n += 1
                rev[(t, p)] += 1
                tid = "%032x" % random.getrandbits(128)
                r = c.sos("--timeout", "400", "take", "file", "--key", keys[p], "--tool", t,
                          "--persona", p, "--score", str(50 + rev[(t, p)] % 50), "--ship",
                          "--text", "take %d" % rev[(t, p)], "--revision", str(rev[(t, p)]),
                          "--take-id", tid, check=False)
                with lock:
                    tried[0] += 1
                    if r.returncode == 0:
                        acked.append((t, p, rev[(t, p)], tid))
                    elif r.returncode not in (69,):
                        stop.set()
                        raise AssertionError("unexpected refusal: %s" % r.stderr)

        threads = [threading.Thread(target=client, args=(i,)) for i in range(2)]
        for th in threads:
            th.start()
        kills = 0
        for rnd in range(2):
            for svc in SERVICES:
                time.sleep(rng.uniform(0.2, 0.5))
                n = len(acked)  # the stream flows: a take acknowledged since the last kill
                wait_for(lambda: len(acked) > n or stop.is_set(),
                         what="a take acknowledged before killing %s" % svc)
                assert not stop.is_set(), "a client stopped on a refusal"
                c.kill(svc, signal.SIGKILL)
                kills += 1
                time.sleep(rng.uniform(0.05, 0.3))
                c.start(svc)
        # keep filing after the last restart until enough takes are in to
        # mean something (a loaded or sanitized machine files slowly)
        end = time.time() + HANG_GUARD
        while time.time() < end:
            with lock:
                if len(acked) >= 20:
                    break
            time.sleep(0.1)
        time.sleep(0.5)
        stop.set()
        for th in threads:
            th.join()
        c.wait_up()
        assert len(acked) >= 20, "too few takes acknowledged to mean anything: %d" % len(acked)

        stored = {}
        for t in TOOLS:
            out = c.sos_json("take", "list", t)
            for tk in out["takes"]:
                assert tk["signed"]["verified"], tk
                stored.setdefault(tk["take_id"], []).append(tk)
        for t, p, rev, tid in acked:
            got = stored.get(tid, [])
            assert len(got) == 1, "acked take %s (%s %s r%d) stored %d times" % (
                tid, t, p, rev, len(got))
            assert (got[0]["tool"], got[0]["persona"], got[0]["revision"]) == (t, p, rev)
        assert all(len(v) == 1 for v in stored.values())

        # finalize every tool and find each verdict published exactly once
        for t in TOOLS:
            c.sos("verdict", "finalize", t)
        out = wait_for(lambda: (lambda o: o if len(o["items"]) == len(TOOLS) else None)(
            c.sos_json("pull")), what="every verdict published")
        assert out["verified"]
        assert sorted(i["tool"]["id"] for i in out["items"]) == sorted(TOOLS)
        for item in out["items"]:  # each verdict counts the latest revision of each persona
            latest = {}
            for tk in (x for v in stored.values() for x in v if x["tool"] == item["tool"]["id"]):
                if tk["revision"] > latest.get(tk["persona"], {"revision": 0})["revision"]:
                    latest[tk["persona"]] = tk
            assert sorted(t["take_id"] for t in item["takes"]) == sorted(
                t["take_id"] for t in latest.values()), item["tool"]["id"]
        print("  %d kills, %d filings tried, %d acknowledged, %d stored" %
              (kills, tried[0], len(acked), len(stored)))
        c.stop_all()
    finally:
        c.close()


if __name__ == "__main__":
    main([test_kill_each_daemon])
