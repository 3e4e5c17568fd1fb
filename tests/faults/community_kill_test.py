#!/usr/bin/env python3
"""kill -9 community during a stream of votes: 0 acknowledged votes lost,
0 counted twice.

The five daemons run over ipc with the sample catalogue published. Four
client threads send votes with `sos vote` (one try each: the retries are the
test's own): every vote has its own request id and voter token, and a failed
one is retried with exactly the same arguments (same request id, voter and
choice) until it is acknowledged. Each thread owns its voters; every third
voter changes its vote afterwards (ship -> skip), also with its own request
id. Meanwhile community is SIGKILLed 15 times at random moments (seeded:
restart 20-200 ms after the kill, the next kill at least one acknowledged
vote later) and must be serving again after each restart.

Afterwards, for every tool: the signed tally equals what the acknowledged
votes say (each voter's latest choice), and community's log head equals
the number of first votes plus changes: a vote counted twice would add an
event or a count, a lost one would miss one.

Usage: community_kill_test.py BUILD_DIR [SEED]"""
import json
import os
import random
import signal
import sys
import threading
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "integration"))
from harness import Cluster, wait_for  # noqa: E402

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..")
CATALOGUE = os.path.join(ROOT, "deploy", "catalogue.json")
TOOLS = ["mistral-small-3-1", "llama-4-compact-12b"]
THREADS = 4
VOTERS = 30    # per thread
KILLS = 15
HANG_GUARD = 120.0  # seconds without progress: a hang, not slowness


def backoff(tries):
    return str(min(300 << min(tries, 6), 10000))


def run(build, seed):
    rng = random.Random(seed)
    c = Cluster(build)
    errors, acked = [], []
    lock = threading.Lock()
    stop = threading.Event()
    try:
        c.start_all()
        c.sos("import", CATALOGUE)
        wait_for(lambda: all(c.sos("tally", t, check=False).returncode == 0 for t in TOOLS),
                 what="published tools at community")

        def send(tool, choice, voter, rid):
            tries = 0
            start = time.time()
            while time.time() - start < HANG_GUARD:
                r = c.sos("--timeout", backoff(tries), "--json", "vote", tool, "--" + choice,
                          "--voter", voter, "--request-id", rid, check=False)
                if r.returncode == 0:
                    return json.loads(r.stdout)
                if r.returncode != 69:  # anything but "no answer" is a failure
                    raise AssertionError("vote exited %d: %s" % (r.returncode, r.stderr))
                tries += 1
            raise AssertionError("vote never acknowledged")

        def client(k):
            trng = random.Random(seed * 100 + k)
            try:
                for i in range(VOTERS):
                    voter = "%08x%024x" % (k, i)
                    tool = TOOLS[i % len(TOOLS)]
                    first = trng.choice(["ship", "skip"])
                    send(tool, first, voter, "%08x%024x" % (k, 2 * i))
                    with lock:
                        acked.append((tool, voter, first))
                    if i % 3 == 0:
                        second = "skip" if first == "ship" else "ship"
                        send(tool, second, voter, "%08x%024x" % (k, 2 * i + 1))
                        with lock:
                            acked.append((tool, voter, second))
                    if stop.is_set():
                        return
            except Exception as e:  # noqa: BLE001
                with lock:
                    errors.append(e)

        threads = [threading.Thread(target=client, args=(k,)) for k in range(THREADS)]
        for t in threads:
            t.start()
        kills = 0
        while kills < KILLS and any(t.is_alive() for t in threads) and not errors:
            n = len(acked)
            wait_for(lambda: len(acked) > n or errors or not any(t.is_alive() for t in threads),
                     timeout=HANG_GUARD, what="an acknowledged vote between kills")
            rc = c.kill("community", signal.SIGKILL)
            assert rc == -signal.SIGKILL, "community had exited on its own: %r" % rc
            kills += 1
            time.sleep(rng.uniform(0.02, 0.2))
            c.start("community")
            wait_for(lambda: c.sos("--timeout", "300", "tally", TOOLS[0],
                                   check=False).returncode == 0,
                     timeout=HANG_GUARD, what="community serving again")
        for t in threads:
            t.join()
        assert not errors, errors
        assert kills >= 5, "only %d kills before the votes ran out" % kills

        latest, changes = {}, 0
        for tool, voter, choice in acked:
            if (tool, voter) in latest and latest[(tool, voter)] != choice:
                changes += 1
            latest[(tool, voter)] = choice
        for tool in TOOLS:
            t = json.loads(c.sos("--json", "tally", tool).stdout)
            want_ship = sum(1 for (tl, _), ch in latest.items() if tl == tool and ch == "ship")
            want_skip = sum(1 for (tl, _), ch in latest.items() if tl == tool and ch == "skip")
            assert (t["ship"], t["skip"]) == (want_ship, want_skip), \
                "%s: tally %d/%d, acknowledged %d/%d" % (tool, t["ship"], t["skip"],
                                                         want_ship, want_skip)
            assert t["signed"]["verified"] is True, t
        st = {s["service"]: s for s in json.loads(c.sos("--json", "status").stdout)}
        want_events = len(latest) + changes
        assert st["community"]["head"] == want_events, \
            "community log head %d, acknowledged first votes + changes %d" % (
                st["community"]["head"], want_events)
        print("  %d kills, %d votes acknowledged (%d voters, %d changes), 0 lost, 0 doubled"
              % (kills, len(acked), len(latest), changes), flush=True)
        c.stop_all()
    except Exception:
        stop.set()
        print(c.logs(), flush=True)
        raise
    finally:
        c.close()


def main():
    build = sys.argv[1] if len(sys.argv) > 1 else "build"
    seed = int(sys.argv[2] if len(sys.argv) > 2 else os.environ.get("SOS_FAULT_SEED", "20261207"))
    print("seed %d" % seed, flush=True)
    start = time.time()
    try:
        run(build, seed)
    except Exception as e:  # noqa: BLE001
        print("FAIL test_kill_community_votes: %s" % e, flush=True)
        print("0 passed, 1 failed")
        sys.exit(1)
    print("PASS test_kill_community_votes (%.1fs)" % (time.time() - start))
    print("1 passed, 0 failed")


if __name__ == "__main__":
    main()
