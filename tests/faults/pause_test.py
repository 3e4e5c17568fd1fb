#!/usr/bin/env python3
"""faults.pause: SIGSTOP scoring for 30 s, then SIGCONT, while reviewers
file takes with retries and an editor keeps working.

The order is forced, not timed: each reviewer files its takes on the first
four tools and waits; scoring is stopped only once every one of those is
acknowledged; only then do the reviewers go on to the other eight, one
after the other, so each reviewer's first of them is filed while scoring
is stopped (and blocks it until acknowledged); and SIGCONT comes only after
PAUSE_SECONDS and once every reviewer has seen that filing go unanswered
and has sent it again. However fast or slow the machine, the pause bites.

During the pause: aggregation (scoring's follower) notices and logs
upstream.silent; submission, which does not depend on scoring, keeps
answering (a tool is submitted while scoring is stopped); reviewers'
filings time out and are retried with exactly the same take id, time and
content; nothing is acknowledged. After SIGCONT: aggregation logs
upstream.back; every filing made during the pause (one per reviewer) is
acknowledged once, after the SIGCONT and after at least one retry, as is
every filing after it; every acknowledged take is stored exactly once; and
every panel that
reached its quorum is published exactly once by `sos pull`. While it waits
on the silent upstream, aggregation uses under 5 % of a core.

No bound here is a speed claim: each wait polls for its event, and its
limit only guards against a hang (a follower that never notices takes far
longer than its 1 s fetch period plus 3 s answer timeout).

Usage: pause_test.py BUILD_DIR [PAUSE_SECONDS]"""
import os
import signal
import sys
import threading
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "integration"))
from harness import Cluster, main, wait_for  # noqa: E402

PERSONAS = ["Builder", "Skeptic", "Futurist", "Founder"]
PAUSE = float(sys.argv[2]) if len(sys.argv) > 2 else 30.0
BEFORE = 4  # tools whose takes are all acknowledged before the pause; the rest are filed in it
HANG_GUARD = 120.0  # seconds: any wait below that runs out has hung, not merely been slow


def cpu_seconds(pid):
    """User + system CPU seconds a process has used (/proc/PID/stat)."""
    with open("/proc/%d/stat" % pid) as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def log_events(c, svc, event):
    with open(os.path.join(c.home, "log", svc + ".log"), errors="replace") as f:
        return [ln for ln in f if "event=%s " % event in ln or ln.rstrip().endswith(
            "event=" + event)]


class Filing:
    """One take as a reviewer files it, and what became of it."""

    def __init__(self, tool, take_id):
        self.tool, self.take_id = tool, take_id
        self.first_try = None  # time.monotonic() of the first `sos` run
        self.acked_at = None   # time.monotonic() when a run exited 0
        self.tries = 0


class Reviewer(threading.Thread):
    """Files one persona's take on each tool; a failed filing is sent again
    with the same arguments until acknowledged. After the first `before`
    tools it sets `ready` and waits for `go`."""

    def __init__(self, c, persona, key, tools, before, filed_at, go):
        super().__init__(daemon=True)
        self.c, self.persona, self.key, self.tools = c, persona, key, tools
        self.before, self.filed_at, self.go = before, filed_at, go
        self.ready = threading.Event()
        self.filings = []
        self.retries, self.errors = 0, []

    def run(self):
        try:
            for i, tool in enumerate(self.tools):
                if i == self.before:
                    self.ready.set()
                    self.go.wait()
                self.file(i, tool)
        finally:
            self.ready.set()  # an error before the pause must not leave the main thread waiting

    def file(self, i, tool):
        take_id = "%02x%030x" % (PERSONAS.index(self.persona), i)
        f = Filing(tool, take_id)
        self.filings.append(f)
        args = ("--timeout", "500", "take", "file", "--key", self.key, "--tool", tool,
                "--persona", self.persona, "--score", str(60 + i % 40), "--ship", "--text",
                "Paused and resumed.", "--take-id", take_id, "--filed-at", str(self.filed_at))
        for _ in range(200):
            if f.first_try is None:
                f.first_try = time.monotonic()
            f.tries += 1
            r = self.c.sos(*args, check=False)
            if r.returncode == 0:
                f.acked_at = time.monotonic()
                return
            if r.returncode != 69:  # anything but "no answer" is a real refusal
                self.errors.append(r.stderr)
                return
            self.retries += 1
        self.errors.append("%s %s: never acknowledged" % (self.persona, tool))

    def in_pause(self):
        return self.filings[self.before:]


def test_sigstop_scoring(build):
    c = Cluster(build, quorum=4)
    go = threading.Event()
    try:
        c.start_all()
        keys = c.register_panel(PERSONAS)
        tools = []
        for i in range(12):
            r = c.sos_json("tool", "submit", "--name", "Paused Tool %d" % i, "--tagline", "t",
                           "--category", "c", "--tier", "Free")
            tools.append(r["id"])
        filed_at = int(time.time())
        revs = [Reviewer(c, p, keys[p], tools, BEFORE, filed_at, go) for p in PERSONAS]
        for r in revs:
            r.start()
        # some takes in before the pause: all of the first BEFORE tools', none in flight
        for r in revs:
            assert r.ready.wait(HANG_GUARD), "reviewer %s hung before the pause" % r.persona
            assert not r.errors, r.errors
            assert all(f.acked_at for f in r.filings) and len(r.filings) == BEFORE, r.persona

        def acked_in_pause():
            return [(r.persona, f.tool) for r in revs for f in r.in_pause() if f.acked_at]

        scoring = c.procs["scoring"]
        scoring.send_signal(signal.SIGSTOP)
        stopped = time.monotonic()
        resuming = None
        try:
            go.set()  # every filing from here on is made while scoring is stopped
            # the pause bites: every reviewer's first filing of the pause went
            # unanswered and is being sent again (or, if scoring answered
            # although stopped, stop waiting and say so)
            wait_for(lambda: acked_in_pause() or all(
                r.errors or (r.in_pause() and r.in_pause()[0].tries >= 2) for r in revs),
                timeout=HANG_GUARD, what="every reviewer to retry a filing of the pause")
            assert not acked_in_pause(), "acknowledged while scoring was stopped: %s" % (
                acked_in_pause())
            wait_for(lambda: log_events(c, "aggregation", "upstream.silent"),
                     timeout=HANG_GUARD, what="aggregation to notice scoring is silent")
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
            extra = c.sos_json("--timeout", "10000", "tool", "submit", "--name",
                               "Submitted During Pause", "--tagline", "t", "--category", "c",
                               "--tier", "Free")
            assert extra["id"] == "submitted-during-pause", extra
            time.sleep(max(0.0, PAUSE - (time.monotonic() - stopped)))
            in_pause = acked_in_pause()
        finally:
            resuming = time.monotonic()
            scoring.send_signal(signal.SIGCONT)
        print("paused %.1f s; aggregation noticed after %.1f s" % (resuming - stopped, noticed))
        assert not in_pause, "acknowledged while scoring was stopped: %s" % in_pause

        wait_for(lambda: log_events(c, "aggregation", "upstream.back"), timeout=HANG_GUARD,
                 what="aggregation to log upstream.back")
        for r in revs:
            r.join(timeout=HANG_GUARD)
            assert not r.is_alive(), "reviewer %s still filing" % r.persona
            assert not r.errors, r.errors
        retries = sum(r.retries for r in revs)
        acked = [(f.tool, f.take_id) for r in revs for f in r.filings if f.acked_at]
        assert len(acked) == len(tools) * len(PERSONAS), len(acked)
        assert retries > 0, "no filing was ever retried: the pause did not bite"
        # what was filed during the pause: one filing per reviewer (it blocks
        # the reviewer until acknowledged), filed after the SIGSTOP, retried,
        # acknowledged once after the SIGCONT; the filings after it too
        later = [f for r in revs for f in r.in_pause()]
        assert len(later) == (len(tools) - BEFORE) * len(PERSONAS), len(later)
        during = [f for f in later if f.first_try < resuming]
        assert sorted(f.take_id for f in during) == sorted(r.in_pause()[0].take_id
                                                           for r in revs), during
        for f in during:
            assert f.tries >= 2, "%s: filed during the pause but not retried" % f.take_id
        for f in later:
            assert f.first_try > stopped, (f.tool, "filed before the pause")
            assert f.acked_at > resuming, (f.tool, "acknowledged before the SIGCONT")
        print("takes acknowledged %d (%d filed during the pause, %d sends of them; %d after "
              "it), retried filings %d" % (len(acked), len(during), sum(f.tries for f in during),
                                            len(later) - len(during), retries))

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
        got = wait_for(published, timeout=HANG_GUARD, what="every verdict published")
        assert sorted(got) == sorted(tools), got
        for svc in ("scoring", "aggregation"):
            assert c.procs[svc].poll() is None, svc + " died"
        c.stop_all()
    except AssertionError:
        print(c.logs())
        raise
    finally:
        go.set()
        c.close()


if __name__ == "__main__":
    main([test_sigstop_scoring])
