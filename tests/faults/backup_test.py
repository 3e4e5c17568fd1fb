#!/usr/bin/env python3
"""`sos backup` while takes stream in, restored into a new home.

The original cluster gets two tools finalized and published, then two
client threads file amendments on two open tools (quorum 5 and four
personas, so those panels stay open) while `sos backup --to DIR` runs. Then
everything stops, DIR/<service> becomes <new home>/data/<service> and
DIR/keys becomes <new home>/keys, and the daemons start there.

Checks: the backup refuses a non-empty DIR (73); each compact copy is no
larger than the live data file; secret keys stay 0600; in the restored
system no follower's cursor is past its upstream's head (a downstream copied
after its upstream would be, and would skip events); `sos pull --json`
gives the very same items for the tools finalized before the backup, every
signature verifying; every take in the restored scoring store is one the
original acknowledged, and every take acknowledged before the backup began
is there; the restored system accepts new takes and publishes a new verdict
signed with the original aggregation key.

The stream is known to run, not assumed to: the backup starts only once
the clients have acknowledged STREAM takes on the open tools, and the
stream stops only once they have acknowledged STREAM more after it; each
wait polls for those takes, its limit only guards against a hang."""
import os
import random
import shutil
import stat
import sys
import threading
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "integration"))
from harness import SERVICES, Cluster, main, wait_for  # noqa: E402

FINAL = ["omega", "sigma"]  # finalized before the backup
OPEN = ["delta", "theta"]  # amended during the backup
PERSONAS = ["Builder", "Skeptic", "Futurist", "Founder"]
UPSTREAM = {"scoring": "submission", "aggregation": "scoring", "publishing": "aggregation"}
STREAM = 8  # takes acknowledged on the open tools before the backup, and again after it
HANG_GUARD = 120.0  # seconds


def submit(c, tool):
    c.sos("tool", "submit", "--name", tool, "--tagline", "t", "--category", "c", "--tier", "Free")


def file_take(c, keys, tool, persona, rev, check=True):
    tid = "%032x" % random.getrandbits(128)
    r = c.sos("--timeout", "10000", "take", "file", "--key", keys[persona], "--tool", tool,
              "--persona", persona, "--score", str(40 + rev % 60), "--ship" if rev % 3 else "--skip",
              "--text", "take %d on %s" % (rev, tool), "--revision", str(rev), "--take-id", tid,
              check=check)
    return tid, r


def published(c, tools):
    out = c.sos_json("pull")
    got = {i["tool"]["id"]: i for i in out["items"] if i.get("type") == "verdict"}
    return (out, got) if all(t in got for t in tools) else None


def status(c):
    return {s["service"]: s for s in c.sos_json("status")}


def test_backup_restore(build):
    c = Cluster(build, quorum=5)
    r2 = None
    try:
        c.start_all()
        keys = c.register_panel(PERSONAS)
        for t in FINAL + OPEN:
            submit(c, t)
        acked = set()
        for t in FINAL:
            for p in PERSONAS:
                acked.add(file_take(c, keys, t, p, 1)[0])
            c.sos("verdict", "finalize", t)
        _, orig_final = wait_for(lambda: published(c, FINAL), timeout=HANG_GUARD,
                                 what="the finalized verdicts published")

        lock = threading.Lock()
        stop = threading.Event()
        errors, tried = [], [0]

        def client(slot):
            pairs = [(t, p) for t in OPEN for p in PERSONAS][slot::2]
            rev = {pr: 0 for pr in pairs}
            n = 0
            while not stop.is_set():
                t, p = pairs[n % len(pairs)]
                n += 1
                rev[(t, p)] += 1
                tid, r = file_take(c, keys, t, p, rev[(t, p)], check=False)
                with lock:
                    tried[0] += 1
                    if r.returncode == 0:
                        acked.add(tid)
                    else:
                        errors.append(r.stderr.strip())

        threads = [threading.Thread(target=client, args=(i,)) for i in range(2)]
        for th in threads:
            th.start()
        try:
            with lock:
                n_final = len(acked)
            wait_for(lambda: len(acked) >= n_final + STREAM or errors, timeout=HANG_GUARD,
                     what="%d takes streamed before the backup" % STREAM)
            with lock:
                acked_before = set(acked)
            bdir = os.path.join(c.home, "bk")
            t0 = time.time()
            b = c.sos("--json", "backup", "--to", bdir, check=False)
            took = time.time() - t0
            with lock:
                n_backup = len(acked)
            # the stream goes on after the copy
            wait_for(lambda: len(acked) >= n_backup + STREAM or errors, timeout=HANG_GUARD,
                     what="%d takes streamed after the backup" % STREAM)
        finally:
            stop.set()
            for th in threads:
                th.join()
        assert b.returncode == 0, "backup exited %d: %s" % (b.returncode, b.stderr)
        assert not errors, "takes refused during the stream: %s" % errors[:3]
        again = c.sos("backup", "--to", bdir, check=False)
        assert again.returncode == 73, "non-empty DIR: exit %d" % again.returncode
        assert "not an empty directory" in again.stderr, again.stderr
        orig_status = status(c)
        sizes = []
        for s in SERVICES:
            copy = os.path.getsize(os.path.join(bdir, s, "data.mdb"))
            live = os.path.getsize(os.path.join(c.home, "data", s, "data.mdb"))
            sizes.append("%s %d/%d" % (s, copy, live))
            assert copy <= live, "%s: compact copy %d > live file %d" % (s, copy, live)
        for root, _, files in os.walk(os.path.join(bdir, "keys")):
            for f in files:
                if f.endswith(".key"):
                    mode = stat.S_IMODE(os.stat(os.path.join(root, f)).st_mode)
                    assert mode == 0o600, "%s copied with mode %o" % (f, mode)
        c.stop_all()

        # restore into a new home
        r2 = Cluster(build, quorum=5)
        os.makedirs(os.path.join(r2.home, "data"))
        for s in SERVICES:
            shutil.copytree(os.path.join(bdir, s), os.path.join(r2.home, "data", s))
        shutil.copytree(os.path.join(bdir, "keys"), os.path.join(r2.home, "keys"))
        r2.start_all()
        st = status(r2)
        for down, up in UPSTREAM.items():
            assert st[down]["cursor"] <= st[up]["head"], (
                "restored %s's cursor %d is past %s's head %d: it would skip events" %
                (down, st[down]["cursor"], up, st[up]["head"]))
        out, got = wait_for(lambda: published(r2, FINAL), timeout=HANG_GUARD,
                            what="the restored verdicts")
        assert out["verified"], "restored pull: a signature does not verify"
        for t in FINAL:
            assert got[t] == orig_final[t], "restored verdict on %s differs" % t

        restored, maxrev = set(), {}
        for t in FINAL + OPEN:
            for tk in r2.sos_json("take", "list", t)["takes"]:
                assert tk["signed"]["verified"], tk
                assert tk["take_id"] in acked, "restored take %s never acknowledged" % tk["take_id"]
                restored.add(tk["take_id"])
                k = (tk["tool"], tk["persona"])
                maxrev[k] = max(maxrev.get(k, 0), tk["revision"])
        missing = acked_before - restored
        assert not missing, "%d takes acknowledged before the backup are missing" % len(missing)

        # the restored system takes new work: an amendment, a new tool to a signed verdict
        file_take(r2, keys, OPEN[0], PERSONAS[0], maxrev.get((OPEN[0], PERSONAS[0]), 0) + 1)
        submit(r2, "zeta")
        for p in PERSONAS:
            file_take(r2, keys, "zeta", p, 1)
        r2.sos("verdict", "finalize", "zeta")
        out, got = wait_for(lambda: published(r2, FINAL + ["zeta"]), timeout=HANG_GUARD,
                            what="a new verdict published by the restored system")
        assert out["verified"]
        signer = orig_final[FINAL[0]]["verdict"]["signed"]["signer"]
        assert got["zeta"]["verdict"]["signed"]["signer"] == signer, "new verdict: another key"
        wait_for(lambda: all(status(r2)[d]["cursor"] == status(r2)[u]["head"]
                             for d, u in UPSTREAM.items()), timeout=HANG_GUARD,
                 what="followers caught up")
        print("  stream: %d filings, %d acknowledged (%d before the backup), %d restored" %
              (tried[0], len(acked), len(acked_before), len(restored)))
        print("  backup took %.2fs; copy/live bytes: %s" % (took, ", ".join(sizes)))
        print("  heads original %s; restored %s" % (
            {s: orig_status[s]["head"] for s in SERVICES}, {s: st[s]["head"] for s in SERVICES}))
        r2.stop_all()
    finally:
        c.close()
        if r2:
            r2.close()


if __name__ == "__main__":
    main([test_backup_restore])
