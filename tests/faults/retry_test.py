#!/usr/bin/env python3
"""Drives tests/faults/retry.c against a real cluster: one signed take
request sent 1,000 times is decided once, and the same take id with another
body is refused CONFLICT.

Set-up with the real command line: `sos keygen`, `sos panel add`, `sos tool
submit`; then the C program (which loads the secret key with sos_key_load)
sends the frames; then the driver checks with `sos` that exactly one record
and one take event exist, and that `sos take file` reusing the take id with
other content exits 65 (CONFLICT).

Usage: retry_test.py BUILD_DIR [COUNT]"""
import json
import os
import subprocess
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "integration"))
from harness import Cluster, main  # noqa: E402

COUNT = int(sys.argv[2]) if len(sys.argv) > 2 else 1000
MIXED = 40  # retry.c: good amendments in the mixed burst
TOOL = "retry-tool"


def test_retry_same_bytes(build):
    c = Cluster(build)
    try:
        c.start_all()
        key = os.path.join(c.home, "skeptic.key")
        c.sos("keygen", "--out", key)
        c.sos("panel", "add", "--persona", "Skeptic", "--key", key + ".pub")
        tool = c.sos_json("tool", "submit", "--name", "Retry Tool", "--tagline", "t",
                          "--category", "c", "--tier", "Free")
        assert tool.get("id", tool.get("tool_id")) == TOOL, tool

        prog = os.path.join(c.build, "tests", "faults", "retry")
        ep = "ipc://%s/run/scoring.api" % c.home
        r = subprocess.run([prog, ep, key, TOOL, "2", str(COUNT)], capture_output=True,
                           text=True, timeout=600)  # a hang guard; retry.c's own are 120 s
        for line in r.stdout.splitlines():
            print("  " + line)
        if r.stderr.strip():
            print("  stderr: " + r.stderr.strip())
        assert r.returncode == 0, "retry exited %d" % r.returncode

        takes = c.sos_json("take", "list", TOOL)["takes"]
        # the repeated take (revision 1) and the burst's good amendments (retry.c step 6)
        assert len(takes) == 1 + MIXED, "%d records in take list" % len(takes)
        first = [t for t in takes if t["revision"] == 1]
        assert len(first) == 1 and first[0]["score"] == 42, first
        assert all(t["signed"]["verified"] for t in takes)
        tid = first[0]["take_id"]

        # the same take id from the command line, other content: CONFLICT, exit 65
        r = c.sos("take", "file", "--key", key, "--tool", TOOL, "--persona", "Skeptic",
                  "--score", "44", "--skip", "--text", "other", "--take-id", tid,
                  "--filed-at", "1795000000", check=False)
        assert r.returncode == 65, "sos take file with a reused take id exited %d: %s" % (
            r.returncode, r.stderr)
        assert "request id already used" in r.stderr, r.stderr
        assert len(c.sos_json("take", "list", TOOL)["takes"]) == 1 + MIXED, "a record was added"

        # scoring's log: the forwarded tool and one take, nothing else
        st = {s["service"]: s for s in json.loads(c.sos("status", "--json").stdout)}
        assert st["scoring"]["head"] == 2 + MIXED, "scoring head %d, expected %d" % (
            st["scoring"]["head"], 2 + MIXED)
        c.stop_all()
    finally:
        c.close()


if __name__ == "__main__":
    main([test_retry_same_bytes])
