#!/usr/bin/env python3
"""Stale readers: SIGKILL 200 read-only openers of the scoring store, each
holding a read transaction, while scoring keeps accepting takes.

A process killed inside a read transaction leaves its slot in lock.mdb. The
slot pins the snapshot it read, so LMDB cannot reuse pages freed after it
(the file grows), and the table has 126 slots (store.c), so 200 dead
readers would fill it and every later reader would be refused. The store's
open runs mdb_reader_check, which frees the slots of dead processes: each
new opener clears the previous one's.

Checks: every one of the 200 readers got its transaction; scoring
acknowledged every take filed meanwhile (at least one between every ten
readers: the readers wait for the writer, so the count does not depend on
speed) and answers `sos status` after; the
reader table (`mdb_stat -r`, lmdb-utils) holds a handful of slots, not
dozens; the data file grew no more than 2x its size before plus the data
actually written (compact size after minus before)."""
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "integration"))
from harness import Cluster, main, wait_for  # noqa: E402

RUNS = 200
EVERY = 10  # readers per take the writer must have acknowledged meanwhile
WARM = 30  # takes acknowledged before the sizes are first read
HANG_GUARD = 120.0  # seconds: a wait that runs out has hung, not merely been slow
TOOLS = ["alpha", "beta"]
PERSONAS = ["Builder", "Skeptic", "Futurist", "Founder"]


def reader_slots(store):
    """Slots in the reader table, live or dead (mdb_stat -r clears none)."""
    # lmdb-utils 0.9.24 exits 1 after printing the table: check the output
    out = subprocess.run(["mdb_stat", "-r", store], capture_output=True, text=True).stdout
    assert "Reader Table Status" in out, "mdb_stat -r printed no reader table: " + out
    return [ln for ln in out.splitlines() if re.match(r"^\s*\d+\s+\S+\s+\d+\s*$", ln)]


def compact_size(store):
    d = tempfile.mkdtemp(prefix="sos-compact-")
    try:
        r = subprocess.run(["mdb_copy", "-c", store, d], capture_output=True, text=True)
        if r.returncode != 0:  # every reader slot taken: clear dead ones (mdb_stat -rr), retry
            print("  mdb_copy failed (%s); clearing stale slots to measure" % r.stderr.strip())
            subprocess.run(["mdb_stat", "-rr", store], capture_output=True)
            shutil.rmtree(d)
            os.mkdir(d)
            subprocess.run(["mdb_copy", "-c", store, d], check=True, capture_output=True)
        return os.path.getsize(os.path.join(d, "data.mdb"))
    finally:
        shutil.rmtree(d, ignore_errors=True)


def test_stale_readers(build):
    reader = os.path.join(os.path.abspath(build), "tests", "faults", "fault_reader")
    assert os.access(reader, os.X_OK), "no helper at " + reader
    assert shutil.which("mdb_stat") and shutil.which("mdb_copy"), "install lmdb-utils"
    c = Cluster(build, quorum=5)  # 4 personas, quorum 5: panels stay open
    try:
        c.start_all()
        keys = c.register_panel(PERSONAS)
        for t in TOOLS:
            c.submit_tool(t)
        store = os.path.join(c.home, "data", "scoring")
        data = os.path.join(store, "data.mdb")

        acked, refused = [0], []
        stop = threading.Event()

        def writer():
            pairs = [(t, p) for t in TOOLS for p in PERSONAS]
            rev = {pr: 0 for pr in pairs}
            n = 0
            while not stop.is_set():
                t, p = pairs[n % len(pairs)]
                n += 1
                rev[(t, p)] += 1
                r = c.sos("--timeout", "10000", "take", "file", "--key", keys[p], "--tool", t,
                          "--persona", p, "--score", str(rev[(t, p)] % 100), "--ship",
                          "--text", "amendment %d " % rev[(t, p)] + "x" * 400,
                          "--revision", str(rev[(t, p)]), check=False)
                if r.returncode == 0:
                    acked[0] += 1
                else:
                    refused.append((r.returncode, r.stderr.strip()))

        th = threading.Thread(target=writer)
        th.start()
        try:
            # the free list reaches its steady state
            wait_for(lambda: acked[0] >= WARM or refused, timeout=HANG_GUARD,
                     what="%d takes before the readers" % WARM)
            size0, compact0, acked0 = os.path.getsize(data), compact_size(store), acked[0]
            t0 = time.time()
            ok, failures, cleared = 0, [], 0
            for i in range(RUNS):
                p = subprocess.Popen([reader, store], stdout=subprocess.PIPE,
                                     stderr=subprocess.PIPE, text=True)
                line = p.stdout.readline()
                if line.strip() == "ready":
                    ok += 1
                p.send_signal(signal.SIGKILL)
                _, err = p.communicate(timeout=10)
                if line.strip() != "ready":
                    failures.append((i, p.returncode, err.strip()[-200:]))
                m = re.search(r"event=store\.stale_readers .*cleared=(\d+)", err)
                cleared += int(m.group(1)) if m else 0
                if (i + 1) % EVERY == 0:  # takes go on between the kills, however slow
                    wait_for(lambda: acked[0] - acked0 >= (i + 1) // EVERY or refused,
                             timeout=HANG_GUARD, what="a take after %d readers" % (i + 1))
                time.sleep(0.01)
            loop = time.time() - t0
        finally:
            stop.set()
            th.join()
        with open(os.path.join(c.home, "log", "scoring.log"), errors="replace") as f:
            by_daemon = sum(int(n) for n in re.findall(
                r"event=store\.stale_readers .*cleared=(\d+)", f.read()))
        slots = reader_slots(store)
        size1, compact1 = os.path.getsize(data), compact_size(store)
        status = c.sos("--timeout", "1000", "status", check=False)
        written = max(0, compact1 - compact0)
        limit = 2 * size0 + written
        print("  %d/%d readers got a transaction in %.1fs; %d dead slots cleared by openers; "
              "%d by the daemon's periodic check; %d slot(s) in the table after" % (
                  ok, RUNS, loop, cleared, by_daemon, len(slots)))
        print("  takes acknowledged during the kills: %d (refused: %d)" %
              (acked[0] - acked0, len(refused)))
        print("  data.mdb %d -> %d bytes; compact %d -> %d (written %d); limit %d" %
              (size0, size1, compact0, compact1, written, limit))

        assert ok == RUNS, "%d of %d readers refused, first: %s" % (RUNS - ok, RUNS, failures[:3])
        assert not refused, "scoring refused takes: %s" % refused[:3]
        assert acked[0] - acked0 >= RUNS // EVERY, "too few takes to mean anything: %d" % (
            acked[0] - acked0)
        assert status.returncode == 0, "scoring stopped answering:\n" + c.logs()
        assert cleared + by_daemon >= RUNS - 1, "only %d + %d dead slots cleared" % (
            cleared, by_daemon)
        assert len(slots) <= 8, "reader table holds %d slots:\n%s" % (len(slots), "\n".join(slots))
        assert size1 <= limit, "data file grew %d -> %d bytes (limit %d)" % (size0, size1, limit)
        c.stop_all()
    finally:
        c.close()


if __name__ == "__main__":
    main([test_stale_readers])
