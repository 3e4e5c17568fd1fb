#!/usr/bin/env python3
"""Live garbage: 100,000 hostile messages (random and truncated frames,
bit-flipped requests, wrong frame counts, empty frames) to each running
daemon of the pipeline (community runs beside them, unflooded: its request
type is fuzz_community's), then one frame of SOS_WIRE_MAX_REQUEST + 1 bytes and one of 16 MiB.
No daemon dies; each answers every message that gets an answer; its resident
memory grows by less than 10 MiB; well-formed clients are answered during
and after (the C tool checks status and events queries inside the flood and
from fresh connections, and `sos status` runs beside it); the state is
unchanged; each log accounts for every rejected frame (written, or counted
by the log's repeat limiter once its burst is spent) and stays within the
limiter's burst per window.

The flood itself is tests/integration/garbage.c (its header says what it
sends and checks). Set GARBAGE_SEED to replay a failure: the seed used for
each daemon is printed.

Memory. VmRSS is read from /proc/<pid>/status after a warm-up (a burst of
the largest frames, then the same mix: allocator pools, libzmq's
per-connection objects) and again after the flood; the growth must stay
under 10 MiB. RssAnon and RssFile are printed too: the store is an LMDB file
mapping, so store pages a read touches count in RssFile, not in a leak. The
flood changes no state and reads only a few pages (RssFile did not move in
any run), so VmRSS itself is asserted, as the requirement states it. What
growth remains is RssAnon nearing the heap's high-water mark: it levels off
(without the burst, aggregation gave +2.4, +2.8, +2.9 MiB after 50k, 100k
and 300k messages; with it, under 1.5 MiB), while a leak of about 100 bytes
per message crosses the bound.

Sanitized build (SOS_SANITIZE=ON in the build's CMakeCache.txt): the daemons
run with ASAN_OPTIONS quarantine_size_mb=1 (instead of 256 MiB), so freed
memory returns to use almost at once, as with glibc, and the same 10 MiB
bound means the same thing there. ASan's size-class allocator reaches its
high-water mark more slowly (after a 5,000-message warm-up, publishing grew
+6.1, +6.7, +8.0 MiB over 50k, 100k, 300k messages), so the warm-up there is
20,000 messages (then +1.9 to +3.9 MiB). LeakSanitizer still checks each
daemon when it exits on SIGTERM at the end (stop_all asserts exit 0).

The flood keeps about two cores busy (a daemon, the tool, `sos status`), and
timing-bound tests run beside it under ASan lose throughput (integration.kill
then acknowledged too few takes), so CMakeLists.txt gives this test
PROCESSORS 2: ctest -j2 runs it alone.
"""
import datetime
import json
import os
import re
import subprocess
import time

from harness import PIPELINE, SERVICES, Cluster, main, wait_for

FRAMES = 100000
WARMUP = 5000
WARMUP_SANITIZED = 20000
MAX_GROWTH_KIB = 10 * 1024
PERSONAS = ["Builder", "Skeptic", "Futurist", "Founder"]


def _log_limits():
    """SOS_LOG_BURST and SOS_LOG_WINDOW_MS / 1000 from services/common/log.h."""
    here = os.path.dirname(os.path.abspath(__file__))
    with open(os.path.join(here, "..", "..", "services", "common", "log.h")) as f:
        text = f.read()
    burst = int(re.search(r"^#define SOS_LOG_BURST (\d+)$", text, re.M).group(1))
    window = int(re.search(r"^#define SOS_LOG_WINDOW_MS (\d+)$", text, re.M).group(1))
    return burst, window / 1000.0


LOG_BURST, LOG_WINDOW_S = _log_limits()


def _sanitized(build):
    try:
        with open(os.path.join(build, "CMakeCache.txt")) as f:
            return re.search(r"^SOS_SANITIZE:BOOL=(ON|1|TRUE|YES)\s*$", f.read(), re.M | re.I)
    except OSError:
        return False


def _fields(line):
    return dict(kv.split("=", 1) for kv in line.split() if "=" in kv)


def _snapshot(c):
    """What a well-formed client sees: must be the same after the garbage."""
    return {
        "status": c.sos("status").stdout,
        "tools": c.sos("--json", "tool", "list").stdout,
        "panel": c.sos("--json", "panel", "list").stdout,
        "compare": c.sos("--json", "compare", "list").stdout,
        "takes": c.sos("--json", "take", "list", "alpha-tool").stdout,
        "verdict": c.sos("--json", "verdict", "show", "alpha-tool").stdout,
        "pull": c.sos("--json", "pull").stdout,
    }


def _settled(c):
    r = c.sos("status", check=False)
    st = {m.group(1): (int(m.group(2)), int(m.group(3)))
          for m in re.finditer(r"^(\w+)\s+up\s+head=(\d+)\s+cursor=(\d+)", r.stdout, re.M)}
    if r.returncode != 0 or len(st) != len(SERVICES) or st["publishing"][0] < 1:
        return False
    return all(st[d][1] == st[u][0] for u, d in zip(SERVICES, SERVICES[1:]))


def _log_counts(c, svc):
    """Lines written per event, the counts of repeats the log limiter
    suppressed (log.suppressed), and the span of time the written lines of
    each event cover."""
    n = {"malformed": 0, "one_frame": 0, "too_many": 0}
    suppressed = {"request.malformed": 0, "request.dropped": 0}
    span = {}
    with open(os.path.join(c.home, "log", svc + ".log"), errors="replace") as f:
        for line in f:
            m = re.search(r"^ts=(\S+) .* event=(request\.malformed|request\.dropped) ", line)
            if m:
                t = datetime.datetime.strptime(m.group(1), "%Y-%m-%dT%H:%M:%S.%fZ").timestamp()
                lo, hi = span.get(m.group(2), (t, t))
                span[m.group(2)] = (min(lo, t), max(hi, t))
            if "event=request.malformed" in line:
                n["malformed"] += 1
            elif "event=request.dropped" in line:
                n["one_frame" if "expected one frame" in line else "too_many"] += 1
            m = re.search(r"event=log\.suppressed of=(\S+) count=(\d+) ", line)
            if m and m.group(1) in suppressed:
                suppressed[m.group(1)] += int(m.group(2))
    return n, suppressed, span


def _check_log(c, svc, f):
    """Every frame the daemon turned away is in its log, written or counted
    by the repeat limiter, and the limiter kept the written lines to its
    burst per window (LOG_BURST per LOG_WINDOW_S, log.h)."""
    n, suppressed, span = _log_counts(c, svc)
    print("  %-11s log: request.malformed %d + %d suppressed (predicted %s), request.dropped: "
          "expected one frame %d, too many frames %d, + %d suppressed (sent %s + %s)" %
          (svc, n["malformed"], suppressed["request.malformed"], f["malformed"], n["one_frame"],
           n["too_many"], suppressed["request.dropped"], f["multi_answered"], f["multi_dropped"]))
    assert int(f["malformed"]) > 0 and int(f["multi_answered"]) > 0 and int(f["multi_dropped"]) > 0
    assert n["malformed"] + suppressed["request.malformed"] == int(f["malformed"]), (svc, n, f)
    assert (n["one_frame"] + n["too_many"] + suppressed["request.dropped"] ==
            int(f["multi_answered"]) + int(f["multi_dropped"])), (svc, n, suppressed, f)
    # a window opens at an event's first line after the last one ended, so
    # the lines written cover at most span/window + 1 windows
    for ev, written in (("request.malformed", n["malformed"]),
                        ("request.dropped", n["one_frame"] + n["too_many"])):
        lo, hi = span[ev]
        windows = int((hi - lo) // LOG_WINDOW_S) + 1
        assert written <= LOG_BURST * windows, (svc, ev, written, windows)


def test_garbage(build):
    sanitized = _sanitized(build)
    if sanitized:
        # inherited by the daemons Cluster starts (and by the tool)
        os.environ["ASAN_OPTIONS"] = ":".join(
            o for o in (os.environ.get("ASAN_OPTIONS", ""), "quarantine_size_mb=1",
                        "thread_local_quarantine_size_kb=64") if o)
    warmup = WARMUP_SANITIZED if sanitized else WARMUP
    print("  build: %s; warm-up %d msgs; VmRSS growth bound %d KiB per daemon%s" %
          ("ASan+UBSan" if sanitized else "normal", warmup, MAX_GROWTH_KIB,
           " (ASan quarantine 1 MiB)" if sanitized else ""), flush=True)
    base_seed = int(os.environ.get("GARBAGE_SEED", "20240611"))
    c = Cluster(build)
    try:
        c.start_all()
        # a closed panel with a verdict and a publication, an open tool, a comparison
        keys = c.register_panel(PERSONAS)
        c.submit_tool("Alpha Tool")
        c.submit_tool("Bravo Tool")
        for i, p in enumerate(PERSONAS):
            c.sos("take", "file", "--key", keys[p], "--tool", "alpha-tool", "--persona", p,
                  "--score", str(60 + i), "--ship", "--text", "take %d" % i)
        c.sos("compare", "create", "alpha-tool", "bravo-tool")
        # settled: every cursor at its upstream's head (the C tool asserts the
        # heads do not move during the flood), the verdict published
        wait_for(lambda: _settled(c), what="the followers to settle")
        before = _snapshot(c)
        assert json.loads(before["verdict"])["final"], before["verdict"]
        assert len(json.loads(before["pull"])["items"]) == 1, before["pull"]

        tool = os.path.join(c.build, "tests", "integration", "garbage")
        start = time.time()
        predicted = {}
        # the pipeline's four (the tool seeds their request types); community
        # runs beside them, and its request type is fuzz_community's
        for i, svc in enumerate(PIPELINE):
            pid = c.procs[svc].pid
            ep = "ipc://%s/run/%s.api" % (c.home, svc)
            seed = base_seed + i
            t0 = time.time()
            p = subprocess.Popen([tool, "--pid", str(pid), "--frames", str(FRAMES), "--warmup",
                                  str(warmup), "--seed", str(seed), "--max-growth-kib",
                                  str(MAX_GROWTH_KIB), "--tool", "alpha-tool", "--open-tool",
                                  "bravo-tool", svc, ep],
                                 stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
            # a well-formed client through the real command, beside the flood
            # (its query is fair-queued with the flood's connection: the
            # 30 s per service is a hang guard, not a speed claim)
            during = failed = 0
            while p.poll() is None:
                r = c.sos("--timeout", "30000", "status", check=False)
                if r.returncode == 0:
                    during += 1
                else:
                    failed += 1
                    print("  sos status failed during the %s flood: %s" % (svc, r.stderr.strip()))
                time.sleep(0.5)
            out, err = p.communicate(timeout=120)
            dead = ["%s (exit %d)" % (s, c.procs[s].returncode) for s in SERVICES
                    if c.procs[s].poll() is not None]
            assert not dead, "died during the %s flood: %s\n%s\n%s" % (svc, ", ".join(dead),
                                                                       out + err, c.logs())
            lines = [ln for ln in out.splitlines() if " msgs=" in ln]
            assert p.returncode == 0 and lines, (svc, p.returncode, out, err, c.logs())
            f = _fields(lines[-1])
            kib = lambda k: int(f[k])  # noqa: E731
            print("  %-11s seed %d: flood of %s msgs in %s s = %s msgs/s; %s msgs (%s frames, "
                  "%.1f MB) in all in %.1f s; replies %s/%s (%s errors); checked queries %s/%s, "
                  "fresh clients %s (slowest %s ms), sos status %d/%d; exact-limit frame answered "
                  "%s/2, over-limit connections dropped %s/4; VmRSS %d -> %d KiB (%+d), RssAnon "
                  "%d -> %d, RssFile %d -> %d, VmHWM %d" %
                  (svc, seed, f["flood_msgs"], f["flood_secs"], f["rate"], f["msgs"], f["frames"],
                   int(f["bytes"]) / 1e6, time.time() - t0, f["replies"], f["expect"],
                   f["errors"], f["checks_ok"], f["checks"], f["clnt_calls"], f["clnt_max_ms"],
                   during, during + failed, f["exact_answered"], f["over_dropped"],
                   kib("rss_before"), kib("rss_after"), kib("growth_kib"), kib("anon_before"),
                   kib("anon_after"), kib("file_before"), kib("file_after"), kib("hwm_after")),
                  flush=True)
            assert int(f["flood_msgs"]) == FRAMES, f
            assert f["replies"] == f["expect"], f
            assert f["over_dropped"] == "4" and f["exact_answered"] == "2", f
            assert kib("growth_kib") < MAX_GROWTH_KIB, f
            assert failed == 0, "%s: sos status failed %d times during the flood" % (svc, failed)
            predicted[svc] = f
        print("  flood of all four: %.1f s" % (time.time() - start))

        after = _snapshot(c)
        for k in before:
            assert after[k] == before[k], "%s changed:\n%s\n---\n%s" % (k, before[k], after[k])
        c.stop_all()  # exit 0 each (LeakSanitizer's verdict too, in that build)
        # the logs once the daemons have stopped: a stop writes the counts
        # of the repeat limiter's open windows
        for svc in PIPELINE:
            _check_log(c, svc, predicted[svc])
    finally:
        c.close()


if __name__ == "__main__":
    main([test_garbage])
