#!/usr/bin/env python3
"""Hostile frames to each running daemon: it answers with errors, never
dies, and still serves a well-formed client afterwards."""
import os
import subprocess

from harness import SERVICES, Cluster, main


def test_garbage(build):
    c = Cluster(build)
    try:
        c.start_all()
        tool = os.path.join(c.build, "tests", "integration", "garbage")
        for i, svc in enumerate(SERVICES):
            ep = "ipc://%s/run/%s.api" % (c.home, svc)
            r = subprocess.run([tool, ep, "2000", str(i + 1)], capture_output=True, text=True,
                               timeout=60)
            print("  " + r.stdout.strip())
            assert r.returncode == 0, (svc, r.stdout, r.stderr)
            assert c.procs[svc].poll() is None, svc + " died"
        c.stop_all()
    finally:
        c.close()


if __name__ == "__main__":
    main([test_garbage])
