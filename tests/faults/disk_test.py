#!/usr/bin/env python3
"""The disk says no: a full map and a failing fsync.

- Map full: scoring starts with a 1 MiB map and a 4 MiB hard limit. Takes
  are filed until the store refuses one (exit 75, "store is full"): the map
  grew on the way, every acknowledged take is present, nothing refused is.
  Then map_max is raised in the config and scoring gets SIGHUP: ingest goes
  on, same process, no restart.
- fsync EIO: scoring runs with a preloaded library that makes fdatasync and
  fsync fail with EIO while a trigger file exists. With the trigger set, a
  take is not acknowledged and scoring stops (exit 74); restarted without
  the trigger, every take acknowledged before is there."""
import os
import re
import signal
import subprocess
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "integration"))
from harness import Cluster, main, wait_for  # noqa: E402

TEXT = "A long take, to fill the store. " * 280  # about 9 KB


def _config(c, map_max):
    c.config = os.path.join(c.home, "sos.ini")
    with open(c.config, "w") as f:
        f.write("[scoring]\nquorum = 5\n[store]\nmap_size = 1048576\nmap_max = %d\n" % map_max)


def _file(c, keys, rev, timeout="30000"):
    """Files revision rev; timeout is each try's (3 tries): for a filing that
    must be answered, a hang guard (a loaded disk is slow, not broken)."""
    return c.sos("--timeout", timeout, "take", "file", "--key", keys["Builder"], "--tool",
                 "disk-tool", "--persona", "Builder", "--score", str(rev % 100), "--ship",
                 "--text", TEXT, "--revision", str(rev), check=False)


def _revisions(c):
    return sorted(t["revision"] for t in c.sos_json("take", "list", "disk-tool")["takes"])


def test_map_full_then_raised(build):
    c = Cluster(build)
    try:
        _config(c, 4 << 20)
        c.start_all()
        keys = c.register_panel(["Builder"])
        c.submit_tool("Disk Tool")
        acked, refused = [], None
        for rev in range(1, 2000):
            r = _file(c, keys, rev)
            if r.returncode == 0:
                acked.append(rev)
                continue
            refused = (rev, r.returncode, r.stderr.strip())
            break
        print("  acknowledged %d takes of ~9 KB, then: %s" % (len(acked), refused))
        assert refused and refused[1] == 75 and "store is full" in refused[2], refused
        with open(os.path.join(c.home, "log", "scoring.log")) as f:
            log = f.read()
        assert "event=store.grow" in log and "event=store.full" in log, "no growth logged"
        assert _revisions(c) == acked, "acknowledged and stored differ"
        pid = c.procs["scoring"].pid
        _config(c, 64 << 20)  # the operator raises the limit ...
        c.procs["scoring"].send_signal(signal.SIGHUP)  # ... and tells scoring
        wait_for(lambda: "event=config.reload map_max=67108864" in open(
            os.path.join(c.home, "log", "scoring.log")).read(), what="the reload")
        rev = refused[0]
        r = _file(c, keys, rev)
        assert r.returncode == 0, "still refused after the limit was raised: " + r.stderr
        assert c.procs["scoring"].pid == pid and c.procs["scoring"].poll() is None
        assert _revisions(c) == acked + [rev]
        c.stop_all()
    finally:
        c.close()


def test_fsync_eio(build):
    shim = os.path.join(os.path.abspath(build), "tests", "faults", "libsos_eio_shim.so")
    assert os.path.exists(shim), "no shim at " + shim
    c = Cluster(build)
    try:
        trigger = os.path.join(c.home, "eio")
        c.start_all()
        keys = c.register_panel(["Builder"])
        c.submit_tool("Disk Tool")
        # scoring again, with the disk that can fail
        c.kill("scoring")
        env = dict(os.environ, LD_PRELOAD=shim, SOS_EIO_TRIGGER=trigger,
                   ASAN_OPTIONS=os.environ.get("ASAN_OPTIONS", "") + ":verify_asan_link_order=0")
        log = open(os.path.join(c.home, "log", "scoring.log"), "ab")
        p = subprocess.Popen([c.binary("scoring"), "--home", c.home], stdout=log, stderr=log,
                             stdin=subprocess.DEVNULL, env=env)
        c.procs["scoring"] = p
        c.wait_up()
        acked = [rev for rev in range(1, 6) if _file(c, keys, rev).returncode == 0]
        assert acked == [1, 2, 3, 4, 5], acked
        open(trigger, "w").close()
        r = _file(c, keys, 6, timeout="500")
        print("  with fsync failing: sos exit %d: %s" % (r.returncode, r.stderr.strip()))
        assert r.returncode != 0, "a take was acknowledged although its commit failed"
        rc = p.wait(timeout=60)  # a hang guard: scoring stops on the failed commit
        assert rc == 74, "scoring exited %d, not 74" % rc
        del c.procs["scoring"]
        with open(os.path.join(c.home, "log", "scoring.log")) as f:
            text = f.read()
        assert "event=store.failed" in text
        # the log says what happened: a take is logged as accepted once its
        # commit has returned, so never the one whose commit failed
        accepted = sorted(int(m) for m in re.findall(r"event=take\.accepted .*revision=(\d+)", text))
        assert accepted == acked, "take.accepted for %s, acknowledged %s" % (accepted, acked)
        os.unlink(trigger)
        c.start("scoring")
        c.wait_up()
        got = _revisions(c)
        print("  after restart: revisions %s (acknowledged %s)" % (got, acked))
        assert got[:5] == acked and len(got) in (5, 6), got  # 6 only if the disk kept it anyway
        c.stop_all()
    finally:
        c.close()


if __name__ == "__main__":
    main([test_map_full_then_raised, test_fsync_eio])
