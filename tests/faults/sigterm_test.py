#!/usr/bin/env python3
"""SIGTERM ends a daemon cleanly and quickly, even when the service it
follows is gone: within the socket linger time (200 ms) plus 1 s, exit 0,
and what it acknowledged before is still there after a restart."""
import os
import signal
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "integration"))
from harness import Cluster, main, wait_for  # noqa: E402

LINGER_S = 0.2


def test_sigterm_with_dead_peer(build):
    c = Cluster(build)
    try:
        c.start_all()
        keys = c.register_panel(["Builder"])
        c.submit_tool("Term Tool")
        c.sos("take", "file", "--key", keys["Builder"], "--tool", "term-tool", "--persona",
              "Builder", "--score", "50", "--ship", "--text", "before the stop")
        # the upstream goes away without a word: its follower keeps asking it
        c.kill("submission", signal.SIGKILL)
        time.sleep(1.5)  # at least one fetch to the dead peer is in flight or timed out
        worst = 0.0
        for svc in ("publishing", "aggregation", "scoring"):
            p = c.procs.pop(svc)
            t0 = time.time()
            p.send_signal(signal.SIGTERM)
            rc = p.wait(timeout=10)
            took = time.time() - t0
            worst = max(worst, took)
            print("  %-11s exit %d after SIGTERM in %.3f s" % (svc, rc, took))
            assert rc == 0, "%s exited %d on SIGTERM" % (svc, rc)
            assert took <= LINGER_S + 1.0, "%s took %.2f s to stop" % (svc, took)
        with open(os.path.join(c.home, "log", "scoring.log")) as f:
            assert "event=stop reason=signal" in f.read(), "scoring did not log its stop"
        # nothing acknowledged is lost across the stop
        c.start_all()
        takes = wait_for(lambda: c.sos_json("take", "list", "term-tool")["takes"],
                         what="the take after restart")
        assert len(takes) == 1 and takes[0]["text"] == "before the stop", takes
        print("  slowest stop: %.3f s (limit %.1f s)" % (worst, LINGER_S + 1.0))
        c.stop_all()
    finally:
        c.close()


if __name__ == "__main__":
    main([test_sigterm_with_dead_peer])
