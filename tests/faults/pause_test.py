#!/usr/bin/env python3
"""faults.pause: SIGSTOP scoring for 30 s, then SIGCONT, while reviewers
file takes with retries and an editor keeps working.

During the pause: aggregation (scoring's follower) notices within 6 s and
logs upstream.silent; submission, which does not depend on scoring, keeps
answering (a tool is submitted while scoring is stopped); reviewers' filings
time out and are retried with exactly the same take id, time and content.
After SIGCONT: aggregation logs upstream.back, every filing is acknowledged,
every acknowledged take is stored exactly once, and every panel that reached
its quorum is published exactly once by `sos pull`. While it waits on the
silent upstream, aggregation uses under 5 % of a core.

Usage: pause_test.py BUILD_DIR [PAUSE_SECONDS]"""
import json
import os
import signal
import sys
import threading
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "integration"))
from harness import Cluster, main, wait_for  # noqa: E402

PERSONAS = ["Builder", "Skeptic", "Futurist", "Founder"]
PAUSE = float(sys.argv[2]) if len(sys.argv) > 2 else 30.0
NOTICE_WITHIN = 6.0  # 1 s fetch period + 3 s answer timeout + slack


def cpu_seconds(pid):
    """User + system CPU seconds a process has used (/proc/PID/stat)."""
    with open("/proc/%d/stat" % pid) as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def log_events(c, svc, event):
    with open(os.path.join(c.home, "log", svc + ".log"), errors="replace") as f:
        return [ln for ln in f if "event=%s " % event in ln or ln.rstrip().endswith(
            "event=" + event)]


class Reviewer(threading.Thread):
    """Files one persona's take on each tool; a failed filing is sent again
    with the same arguments until acknowledged."""

    def __init__(self, c, persona, key, tools, filed_at):
        super().__init__(daemon=True)
        self.c, self.persona, self.key, self.tools = c, persona, key, tools
        self.filed_at = filed_at
        self.acked, self.retries, self.errors = [], 0, []

    def run(self):
        for i, tool in enumerate(self.tools):
            take_id = "%02x%030x" % (PERSONAS.index(self.persona), i)
            args = ("--timeout", "500", "take", "file", "--key", self.key, "--tool", tool,
                    "--persona", self.persona, "--score", str(60 + i % 40), "--ship", "--text",
                    "Paused and resumed.", "--take-id", take_id, "--filed-at",
                    str(self.filed_at))
            for _ in range(200):
                r = self.c.sos(*args, check=False)
                if r.returncode == 0:
                    self.acked.append((tool, take_id))
                    break
                if r.returncode != 69:  # anything but "no answer" is a real refusal
                    self.errors.append(r.stderr)
                    break
                self.retries += 1
            else:
                self.errors.append("%s %s: never acknowledged" % (self.persona, tool))
            time.sleep(0.05)


def test_sigstop_scoring(build):
    c = Cluster(build, quorum=4)
    try:
        c.start_all()
        keys = c.register_panel(PERSONAS)
        tools = []
        for i in range(12):
            r = c.sos_json("tool", "submit", "--name", "Paused Tool %d" % i, "--tagline", "t",
                           "--category", "c", "--tier", "Free")
            tools.append(r["id"])
        filed_at = int(time.time())
        revs = [Reviewer(c, p, keys[p], tools, filed_at) for p in PERSONAS]
        for r in revs:
            r.start()
        time.sleep(1.0)  # some takes in before the pause

        scoring = c.procs["scoring"]
        scoring.send_signal(signal.SIGSTOP)
        stopped = time.monotonic()
        try:
            wait_for(lambda: log_events(c, "aggregation", "upstream.silent"),
                     timeout=NOTICE_WITHIN, what="aggregation to notice scoring is silent")
            noticed = time.monotonic() - stopped
            # waiting on a silent upstream costs aggregation no CPU (it
            # used to poll with a zero timeout from the 1 s fetch tick to
            # the 3 s deadline: about half a core)
            agg = c.procs["aggregation"].pid
            cpu0, t0 = cpu_seconds(agg), time.monotonic()
            time.sleep(4.0)
            idle_cpu = (cpu_seconds(agg) - cpu0) / (time.monotonic() - t0)
            print("aggregation CPU while its upstream is stopped: %.3f s/s" % idle_cpu)
            assert idle_cpu < 0.05, "aggregation spins while waiting: %.3f s/s" % idle_cpu
            # submission does not depend on scoring: it keeps serving
            extra = c.sos_json("--timeout", "1000", "tool", "submit", "--name",
                               "Submitted During Pause", "--tagline", "t", "--category", "c",
                               "--tier", "Free")
            assert extra["id"] == "submitted-during-pause", extra
            time.sleep(max(0.0, PAUSE - (time.monotonic() - stopped)))
        finally:
            scoring.send_signal(signal.SIGCONT)
        resumed = time.monotonic()
        print("paused %.1f s; aggregation noticed after %.1f s" % (resumed - stopped, noticed))

        wait_for(lambda: log_events(c, "aggregation", "upstream.back"), timeout=10,
                 what="aggregation to log upstream.back")
        for r in revs:
            r.join(timeout=120)
            assert not r.is_alive(), "reviewer %s still filing" % r.persona
            assert not r.errors, r.errors
        retries = sum(r.retries for r in revs)
        acked = [a for r in revs for a in r.acked]
        assert len(acked) == len(tools) * len(PERSONAS), len(acked)
        assert retries > 0, "no filing was ever retried: the pause did not bite"
        print("takes acknowledged %d, retried filings %d" % (len(acked), retries))

        # every acknowledged take stored exactly once
        for tool in tools:
            listed = c.sos_json("take", "list", tool)
            ids = sorted(t["take_id"] for t in listed["takes"])
            want = sorted(tid for (tl, tid) in acked if tl == tool)
            assert ids == want, (tool, ids, want)
            assert listed["closed"], "quorum 4 reached but %s not closed" % tool

        # every panel published exactly once
        def published():
            items = c.sos_json("pull")["items"]
            got = [i["tool"]["id"] for i in items if i["type"] == "verdict"]
            return got if len(got) >= len(tools) else None
        got = wait_for(published, timeout=20, what="every verdict published")
        assert sorted(got) == sorted(tools), got
        for svc, want in (("scoring", 0), ("aggregation", 0)):
            assert c.procs[svc].poll() is None, svc + " died"
        c.stop_all()
    except AssertionError:
        print(c.logs())
        raise
    finally:
        c.close()


if __name__ == "__main__":
    main([test_sigstop_scoring])
