#!/usr/bin/env python3
"""SIGTERM ends a daemon cleanly, even when the service it follows is gone
and a fetch to it has gone unanswered: exit 0, the stop logged, and what it
acknowledged before is still there after a restart.

How long each stop took is printed (about the socket linger time, 200 ms,
in the normal build), not asserted: a loaded or sanitized machine may take
longer. The limit on the wait, STOP_GUARD, only tells a hung stop (a
socket that lingers forever on the dead peer) from a slow one."""
import os
import signal
import subprocess
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "integration"))
from harness import Cluster, main, wait_for  # noqa: E402

STOP_GUARD = 30.0  # seconds: a hang guard, not a speed claim


def test_sigterm_with_dead_peer(build):
    c = Cluster(build)
    try:
        c.start_all()
        keys = c.register_panel(["Builder"])
        c.submit_tool("Term Tool")
        c.sos("take", "file", "--key", keys["Builder"], "--tool", "term-tool", "--persona",
              "Builder", "--score", "50", "--ship", "--text", "before the stop")
        # the upstream goes away without a word: its follower keeps asking it,
        # until a fetch has gone unanswered (and the next is on its way)
        c.kill("submission", signal.SIGKILL)
        wait_for(lambda: "event=upstream.silent" in open(
            os.path.join(c.home, "log", "scoring.log"), errors="replace").read(),
            timeout=60, what="scoring to find its upstream silent")
        worst = 0.0
        for svc in ("publishing", "aggregation", "scoring"):
            p = c.procs.pop(svc)
            t0 = time.time()
            p.send_signal(signal.SIGTERM)
            try:
                rc = p.wait(timeout=STOP_GUARD)
            except subprocess.TimeoutExpired:
                p.kill()
                p.wait()
                raise AssertionError("%s still running %.0f s after SIGTERM" % (svc, STOP_GUARD))
            took = time.time() - t0
            worst = max(worst, took)
            print("  %-11s exit %d after SIGTERM in %.3f s" % (svc, rc, took))
            assert rc == 0, "%s exited %d on SIGTERM" % (svc, rc)
        with open(os.path.join(c.home, "log", "scoring.log")) as f:
            assert "event=stop reason=signal" in f.read(), "scoring did not log its stop"
        # nothing acknowledged is lost across the stop
        c.start_all()
        takes = wait_for(lambda: c.sos_json("take", "list", "term-tool")["takes"],
                         what="the take after restart")
        assert len(takes) == 1 and takes[0]["text"] == "before the stop", takes
        print("  slowest stop: %.3f s (hang guard %.0f s)" % (worst, STOP_GUARD))
        c.stop_all()
    finally:
        c.close()


if __name__ == "__main__":
    main([test_sigterm_with_dead_peer])
