#!/usr/bin/env python3
"""Ingest benchmark: durable, acknowledged takes per second through the real
scoring daemon, over ipc and over tcp with CURVE, against the in-process
limit of the same work (scoring's own pipeline with no sockets: verifier
pool, handle(), a commit per 64, the takes in the order they were sent;
ingest.c s_limit), and latency at
full and at half load. Prints figures and ratios; it asserts only that
nothing was lost or duplicated, never how fast.

  ingest_bench.py BUILD_DIR [--tools T] [--takes N] [--clients C] [--inflight K]
                  [--follower stopped|running] [--transport ipc|curve|both] [--no-pg]
                  [--smoke]

The same work as the limit, by default: 4 clients x 32 in flight (128
outstanding, as the limit keeps two rounds of 64 in its pipeline: one being
checked, one committing), and aggregation (scoring's follower, which copies
every take into its own store on the same disk) stopped during the timed
runs and started afterwards, when it must catch up. --follower running and
--inflight 16 measure the cluster as deployed and session 3's load.

Plain tcp is not a transport here: the daemons refuse tcp without CURVE
(docs/security.md), so "tcp" is measured as tcp + CURVE. Each transport
gets a fresh cluster; with CURVE each client presents its persona's
transport key (the reviewer identity must match the signing key).

Starts the four daemons (harness.Cluster, quorum 5 so the 4-persona panels
stay open), registers 4 persona keys, submits T tools, then runs
BUILD/tests/bench/ingest twice: at full load, then paced at half the rate
just measured (with --follower running, waiting after each run until
aggregation has caught up, so the second run does not compete with it).
Finally `sos take list` on a sample of tools must show as many takes as were
acknowledged for them over both runs.

Then, unless --no-pg, the PostgreSQL peer (pgpeer.py, pg_peer.c): a fresh
PostgreSQL 15 on loopback, the same takes (same keys and tools) inserted one
row and one durable commit per take by --pg-clients connections (default:
--clients), each verifying the signature first; it checks the table holds
one row per acknowledged take and prints "ratio ours/postgresql" against
the full-load rate above. Without PostgreSQL or pg_peer it prints
"postgresql: skipped (not installed)" and goes on.
"""
import argparse
import json
import os
import random
import shutil
import signal
import subprocess
import sys
import time

sys.dont_write_bytecode = True  # no __pycache__ in the tree
sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "integration"))
from harness import Cluster  # noqa: E402
import pgpeer  # noqa: E402

PERSONAS = ["Builder", "Skeptic", "Futurist", "Founder"]


def scoring_endpoint(c):
    if getattr(c, "curve", False):
        import configparser
        cp = configparser.ConfigParser(strict=False)
        cp.read(c.config)
        return cp["scoring"]["api"]
    return "ipc://" + os.path.join(c.home, "run", "scoring.api")


def run_ingest(exe, c, keydir, tools_file, args, extra, acked):
    ep = scoring_endpoint(c)
    if getattr(c, "curve", False):
        extra = extra + ["--curve", os.path.join(c.home, "keys", "scoring.curve.pub")]
    cmd = [exe, ep, keydir, tools_file, "--clients", str(args.clients), "--inflight",
           str(args.inflight), "--takes", str(args.takes), "--acked", acked,
           "--limit-dir", c.home] + extra
    print("bench: " + " ".join(cmd[:1] + cmd[4:]), flush=True)
    r = subprocess.run(cmd, capture_output=True, text=True, timeout=1800)
    sys.stdout.write(r.stdout)
    sys.stderr.write(r.stderr)
    last = [ln for ln in r.stdout.splitlines() if ln.startswith("{")]
    if r.returncode != 0 or not last:
        raise SystemExit("bench: ingest exited %d" % r.returncode)
    return json.loads(last[-1])


def quiesce(c, timeout=300.0):
    """Waits until aggregation has pulled scoring's whole log (the follower's
    catch-up otherwise competes with the next run); returns seconds waited."""
    t0 = time.time()
    while time.time() - t0 < timeout:
        st = {s["service"]: s for s in c.sos_json("status")}
        if st["aggregation"]["cursor"] >= st["scoring"]["head"]:
            return time.time() - t0
        time.sleep(0.2)
    raise SystemExit("bench: aggregation did not catch up with scoring in %.0f s" % timeout)


def read_acked(path, into):
    with open(path) as f:
        for line in f:
            tool, n = line.split()
            into[tool] = into.get(tool, 0) + int(n)


def run_pg(args, keydir, tools_file, full):
    """The PostgreSQL peer on the same takes, after our daemons have stopped."""
    why = pgpeer.missing(args.build)
    if why:
        print("postgresql: skipped (not installed): %s" % why)
        return None
    load = open("/proc/loadavg").read().split()[:3]
    pg = pgpeer.run(args.build, keydir, tools_file, args.takes,
                    args.pg_clients or args.clients)
    ratio = full["acks_per_s"] / pg["acks_per_s"] if pg["acks_per_s"] else 0
    print()
    print("%-22s %10s %8s %8s %9s %11s" % ("ingest", "acks/s", "p50 ms", "p99 ms", "p99.9 ms",
                                          "OK/takes"))
    print("%-22s %10.0f %8.2f %8.2f %9.2f %11s" % (
        "ours, ipc, full load", full["acks_per_s"], full["p50_ms"], full["p99_ms"],
        full["p999_ms"], "%d/%d" % (full["ok"], full["takes"])))
    print("%-22s %10.0f %8.2f %8.2f %9.2f %11s" % (
        "postgresql, %d conns" % pg["clients"], pg["acks_per_s"], pg["p50_ms"], pg["p99_ms"],
        pg["p999_ms"], "%d/%d" % (pg["ok"], pg["takes"])))
    print("bench: postgresql %s, fsync %s, synchronous_commit %s, wal_sync_method %s; "
          "%d rows checked; %.1f takes per WAL sync, %.0f WAL bytes per take" % (
              pg["server_version"].split()[0], pg["fsync"], pg["synchronous_commit"],
              pg["wal_sync_method"], pg["rows_checked"],
              pg["ok"] / pg["wal_sync"] if pg["wal_sync"] else 0,
              pg["wal_bytes"] / pg["ok"] if pg["ok"] else 0))
    print("ratio ours/postgresql = %.2f" % ratio)
    print(json.dumps({"postgresql": pg, "ours_full_acks_per_s": full["acks_per_s"],
                      "ratio_ours_pg": ratio, "uptime_before_pg": load}))
    return pg


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("build")
    ap.add_argument("--tools", type=int, default=100)
    ap.add_argument("--takes", type=int, default=20000)
    ap.add_argument("--clients", type=int, default=4)
    ap.add_argument("--inflight", type=int, default=32,
                    help="requests in flight per client (default 32: 4 x 32 = 128, the limit's "
                         "two rounds of 64)")
    ap.add_argument("--follower", choices=["stopped", "running"], default="stopped",
                    help="aggregation during the timed runs (default stopped: the limit has no "
                         "follower; it is started afterwards and must catch up)")
    ap.add_argument("--sample", type=int, default=20, help="tools checked with sos take list")
    ap.add_argument("--smoke", action="store_true", help="500 takes, 20 tools: a few seconds")
    ap.add_argument("--no-pg", action="store_true", help="skip the PostgreSQL peer")
    ap.add_argument("--pg-clients", type=int, default=None,
                    help="PostgreSQL connections (default: --clients)")
    ap.add_argument("--transport", choices=["ipc", "curve", "both"], default="both")
    args = ap.parse_args()
    if args.smoke:
        args.takes, args.tools = 500, 20
    exe = os.path.join(os.path.abspath(args.build), "tests", "bench", "ingest")
    if not os.path.exists(exe):
        raise SystemExit("bench: %s not built" % exe)

    results, bad_any, pg_keys = {}, False, None
    for transport in (["ipc", "curve"] if args.transport == "both" else [args.transport]):
        print("\n== transport: %s" % transport, flush=True)
        r = run_transport(args, exe, transport)
        results[transport] = r
        bad_any = bad_any or r["bad"]
        pg_keys = pg_keys or r
    print()
    print("bench: %d clients x %d in flight, aggregation %s during the timed runs" % (
        args.clients, args.inflight, args.follower))
    print("%-10s %-6s %10s %10s %8s %8s %8s %9s" % ("transport", "load", "acks/s", "limit/s",
                                                    "ratio", "p50 ms", "p99 ms", "p99.9 ms"))
    for t, r in results.items():
        for name in ("full", "half"):
            x = r[name]
            print("%-10s %-6s %10.0f %10s %8s %8.2f %8.2f %9.2f" % (
                t, name, x["acks_per_s"], "%.0f" % r["full"]["limit_per_s"] if name == "full"
                else "", "%.3f" % r["full"]["ratio"] if name == "full" else "", x["p50_ms"],
                x["p99_ms"], x["p999_ms"]))
    print(json.dumps({"clients": args.clients, "inflight": args.inflight,
                      "follower": args.follower,
                      "transports": {t: {"full": r["full"], "half": r["half"]}
                                     for t, r in results.items()}}))
    if not args.no_pg:
        base = results.get("ipc") or next(iter(results.values()))
        run_pg(args, base["keydir"], base["tools_file"], base["full"])
    for r in results.values():
        shutil.rmtree(r["home"], ignore_errors=True)
    return 1 if bad_any else 0


def run_transport(args, exe, transport):
    """One fresh cluster on the transport: full load, half load, the loss check."""
    c = Cluster(args.build, quorum=5)
    try:
        keydir = os.path.join(c.home, "benchkeys")
        os.makedirs(keydir, mode=0o700)
        for p in PERSONAS:  # both kinds: signing, and transport for CURVE
            c.sos("keygen", "--out", os.path.join(keydir, p.lower() + ".key"))
        if transport == "curve":
            c.use_curve([(os.path.join(keydir, p.lower() + ".key.curve.pub"),
                          os.path.join(keydir, p.lower() + ".key.pub")) for p in PERSONAS])
        c.start_all()
        for p in PERSONAS:
            c.sos("panel", "add", "--persona", p, "--key",
                  os.path.join(keydir, p.lower() + ".key.pub"))
        # tools through one import (faster than T sos processes)
        cat = {"version": 1, "tools": [
            {"name": "Ingest Tool %05d" % i, "tagline": "ingest bench", "category": "Bench",
             "tier": "Free"} for i in range(args.tools)], "takes": [], "comparisons": []}
        cat_path = os.path.join(c.home, "tools.json")
        with open(cat_path, "w") as f:
            json.dump(cat, f)
        c.sos("import", "--keys", os.path.join(c.home, "importkeys"), cat_path)
        tools = [t["id"] for t in c.sos_json("tool", "list")]
        if len(tools) != args.tools:
            raise SystemExit("bench: %d tools listed, %d submitted" % (len(tools), args.tools))
        tools_file = os.path.join(c.home, "tools.txt")
        with open(tools_file, "w") as f:
            f.write("\n".join(tools) + "\n")

        acked = {}
        following = args.follower == "running"
        if not following:  # scoring's work alone, as the limit measures it
            rc = c.kill("aggregation", signal.SIGTERM)
            if rc != 0:
                raise SystemExit("bench: aggregation exited %d on SIGTERM" % rc)
            print("bench: aggregation stopped for the timed runs (--follower running keeps it)")
        full = run_ingest(exe, c, keydir, tools_file, args, [],
                          os.path.join(c.home, "acked-full.txt"))
        read_acked(os.path.join(c.home, "acked-full.txt"), acked)
        if following:
            full["catchup_s"] = quiesce(c)
            print("bench: aggregation caught up %.1f s after the full run" % full["catchup_s"])
        half_rate = max(1.0, full["acks_per_s"] / 2)
        half = run_ingest(exe, c, keydir, tools_file, args,
                          ["--rate", "%.1f" % half_rate, "--rev-base", str(full["max_revision"]),
                           "--no-limit"], os.path.join(c.home, "acked-half.txt"))
        read_acked(os.path.join(c.home, "acked-half.txt"), acked)
        if not following:
            c.start("aggregation")
            c.wait_up()
        half["catchup_s"] = quiesce(c)
        print("bench: aggregation caught up %.1f s after the %s" % (
            half["catchup_s"], "half run" if following else "runs, started afterwards"))

        # no loss, no duplicates: the daemon lists what it acknowledged
        sample = random.Random(1).sample(tools, min(args.sample, len(tools)))
        bad = []
        for t in sample:
            listed = c.sos_json("take", "list", t)
            takes = listed["takes"] if isinstance(listed, dict) else listed
            if len(takes) != acked.get(t, 0):
                bad.append((t, len(takes), acked.get(t, 0)))
        st = c.sos_json("status")
        scoring = [s for s in st if s.get("service") == "scoring"]

        print()
        print("%-10s %10s %10s %8s %8s %8s %9s %9s" % ("load", "acks/s", "limit/s", "ratio",
                                                         "p50 ms", "p99 ms", "p99.9 ms",
                                                         "OK/sent"))
        for name, r in (("full", full), ("half", half)):
            print("%-10s %10.0f %10s %8s %8.2f %8.2f %9.2f %9s" % (
                name, r["acks_per_s"],
                "%.0f" % full["limit_per_s"] if name == "full" else "",
                "%.3f" % full["ratio"] if name == "full" else "",
                r["p50_ms"], r["p99_ms"], r["p999_ms"], "%d/%d" % (r["ok"], r["sent"])))
        print("bench: half load paced at %.0f/s achieved %.0f/s; p99 half/full %.2f" % (
            half_rate, half["acks_per_s"],
            half["p99_ms"] / full["p99_ms"] if full["p99_ms"] else 0))
        print("bench: refused full %d (stale %d), half %d (stale %d)" % (
            full["refused"], full["stale"], half["refused"], half["stale"]))
        if scoring:
            print("bench: scoring log head %s (tools + takes)" % scoring[0].get("head"))
        print("bench: take list check on %d tools: %s" % (
            len(sample), "OK" if not bad else "MISMATCH %s" % bad[:5]))
        print(json.dumps({"full": full, "half": half, "half_rate": half_rate,
                          "check_tools": len(sample), "check_mismatch": len(bad),
                          "uptime": open("/proc/loadavg").read().split()[:3]}))
        c.stop_all()
        return {"full": full, "half": half, "bad": bool(bad), "keydir": keydir,
                "tools_file": tools_file, "home": c.home}
    except BaseException:
        c.close()
        raise


if __name__ == "__main__":
    sys.exit(main())
