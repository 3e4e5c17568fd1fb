#!/usr/bin/env python3
"""faults.damage: a damaged store never crashes silently (issue 13, part 3).

A small real store: the four daemons import the sample catalogue
(deploy/catalogue.json), then stop. What scoring serves is kept as the
baseline (`sos --json take list TOOL` for every tool). Then, table-driven,
each case gets a fresh copy of scoring's data.mdb, damaged one way:

  truncate  to half, to one page, to nothing;
  flip      one byte (xor 0xff) at three offsets on EVERY page of the file:
            the page header (its flags), the middle, the end (where LMDB
            puts a leaf's records); the meta fields (magic, main root,
            last page, txnid) of both meta pages; the signature, signer,
            text and first payload byte (a payload that no longer decodes,
            which `sos take list` printed as "(null)") of every copy of a
            stored take (live, and old copies on free pages).

and scoring alone is started on it. Each case must end in one of:

  refused   the daemon exits at start with store.corrupt in its log (and
            `sos check` names the damage, exit 65);
  reported  the daemon starts (it may refuse a damaged read with
            store.corrupt, or die of a fault with store.fault in its log),
            and `sos check` names the damage (exit 65);
  no effect the daemon starts, serves every take list unchanged and stops
            cleanly, nothing in its log says store.*, and `sos check` exits 0.

The test fails on a daemon killed by a signal with no store.fault or
store.corrupt line (a silent crash), on any output holding "(null)", on
`sos check` exiting 0 while the daemon saw damage or the data read back
changed, and on any other exit. Waits are on events (the daemon's start
line or its exit, sos's own answer), never on time alone."""
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "integration"))
from harness import Cluster, main  # noqa: E402

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..")
CATALOGUE = os.path.join(ROOT, "deploy", "catalogue.json")
PAGE = 4096  # LMDB's page size on this platform; checked against the meta page below


class Store:
    """The pristine home (every store, the keys) and what scoring served."""

    def __init__(self, build):
        c = Cluster(build)
        try:
            c.start_all()
            c.sos("import", CATALOGUE)
            self.tools = [t["id"] for t in c.sos_json("tool", "list")]
            self.baseline = {t: c.sos_json("take", "list", t) for t in self.tools}
            c.stop_all()
        except BaseException:
            c.close()
            raise
        self.cluster = c
        self.mdb = os.path.join(c.home, "data", "scoring", "data.mdb")
        with open(self.mdb, "rb") as f:
            self.pristine = f.read()
        psize = int.from_bytes(self.pristine[16 + 24:16 + 28], "little")
        assert psize == PAGE, "page size %d" % psize
        self.pages = len(self.pristine) // PAGE
        # a stored take: its signature, signer and payload bytes lie in the file as received
        take = self.baseline[self.tools[0]]["takes"][0]
        self.take_sig = bytes.fromhex(take["signed"]["signature"])
        self.take_signer = bytes.fromhex(take["signed"]["signer"])
        self.take_text = take["text"].encode()
        # the payload opens with its take id (field 1, 16 bytes): 0a 10 <id>
        self.take_head = b"\x0a\x10" + bytes.fromhex(take["take_id"])

    def close(self):
        self.cluster.close()


def cases(st):
    """(name, damage function on a bytearray -> bytes) for every case."""
    out = [("truncate to half", lambda b: b[:len(b) // 2 // PAGE * PAGE]),
           ("truncate to one page", lambda b: b[:PAGE]),
           ("truncate to nothing", lambda b: b[:0])]

    def flip(off):
        def f(b):
            b[off] ^= 0xFF
            return b
        return f

    for p in range(st.pages):
        for name, at in (("flags", 10), ("middle", PAGE // 2), ("end", PAGE - 40)):
            out.append(("page %d %s" % (p, name), flip(p * PAGE + at)))
    meta = {"magic": 16, "main root": 16 + 24 + 48 + 40, "last page": 16 + 120,
            "txnid": 16 + 128}
    for m in (0, 1):
        for name, at in meta.items():
            out.append(("meta %d %s" % (m, name), flip(m * PAGE + at)))
    # every copy in the file: the live one, and older ones on free pages
    # (LMDB copies a page on write)
    for name, needle, at in (("take signature", st.take_sig, 30),
                             ("take signer", st.take_signer, 5),
                             ("take text", st.take_text, len(st.take_text) // 2),
                             ("take payload tag", st.take_head, 0)):
        off, n = st.pristine.find(needle), 0
        while off >= 0:
            out.append(("%s #%d" % (name, n), flip(off + at)))
            off, n = st.pristine.find(needle, off + 1), n + 1
        assert n, "the stored take's %s is not in the file" % name
    return out


def sos(build, home, *args, timeout_ms=2000):
    cmd = [os.path.join(build, "clients", "sos"), "--home", home, "--timeout", str(timeout_ms)]
    return subprocess.run(cmd + list(args), capture_output=True, text=True, timeout=120)


def wait_start(proc, log):
    """'started' once the start line is in the log, 'exited' once the daemon is gone."""
    end = time.time() + 60  # a bound for a hung daemon, not a speed assumption
    while time.time() < end:
        if proc.poll() is not None:
            return "exited"
        with open(log, errors="replace") as f:
            if " event=start " in f.read():
                return "started"
        time.sleep(0.01)
    raise AssertionError("scoring neither started nor exited:\n" + open(log).read())


def run_case(build, st, home, name, damage):
    mdb = os.path.join(home, "data", "scoring", "data.mdb")
    lock = os.path.join(home, "data", "scoring", "lock.mdb")
    if os.path.exists(lock):
        os.unlink(lock)
    with open(mdb, "wb") as f:
        f.write(bytes(damage(bytearray(st.pristine))))
    log = os.path.join(home, "log", "scoring.log")
    with open(log, "wb"):
        pass
    logf = open(log, "ab")
    proc = subprocess.Popen([os.path.join(build, "services", "sos-scoring"), "--home", home],
                            stdout=logf, stderr=logf, stdin=subprocess.DEVNULL)
    logf.close()
    outputs = []
    changed = False
    try:
        state = wait_start(proc, log)
        if state == "started":
            for tool in st.tools:
                if proc.poll() is not None:
                    break
                r = sos(build, home, "--json", "take", "list", tool)
                outputs.append(r.stdout + r.stderr)
                if r.returncode == 69 and proc.poll() is None:  # slow, not gone: once more
                    r = sos(build, home, "--json", "take", "list", tool, timeout_ms=20000)
                    outputs.append(r.stdout + r.stderr)
                try:
                    same = r.returncode == 0 and json.loads(r.stdout) == st.baseline[tool]
                except ValueError:
                    same = False
                changed |= not same
                r = sos(build, home, "take", "list", tool)  # the text form too
                outputs.append(r.stdout + r.stderr)
            if proc.poll() is None:
                proc.send_signal(signal.SIGTERM)
        rc = proc.wait(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    with open(log, errors="replace") as f:
        text = f.read()
    check = sos(build, home, "--json", "check", "scoring")
    outputs.append(check.stdout + check.stderr)
    where = "%s: daemon %s rc=%s check=%d\n--- log\n%s\n--- check\n%s" % (
        name, state, rc, check.returncode, text[-3000:], check.stderr[-2000:])
    for o in outputs:
        assert "(null)" not in o, "%s printed (null):\n%s\n%s" % (name, o, where)
    for o in outputs + [text]:  # in the ASan+UBSan build: a report is a bug, damage or not
        assert "runtime error:" not in o and "Sanitizer" not in o, \
            "%s: a sanitizer report:\n%s\n%s" % (name, o[-3000:], where)
    corrupt = "event=store.corrupt" in text
    fault = "event=store.fault" in text
    if rc < 0:
        assert fault or corrupt, "SILENT CRASH (signal %d): %s" % (-rc, where)
    assert check.returncode in (0, 65), "sos check exited %d: %s" % (check.returncode, where)
    report = json.loads(check.stdout)
    if check.returncode == 65:
        damage = report["stores"][0]["damage"]
        assert damage and all("db" in d and "key" in d and "what" in d for d in damage), where
    if state == "exited" and rc != 0 and rc >= 0:
        assert corrupt, "refused to start without store.corrupt: %s" % where
        assert check.returncode == 65, "refused, yet sos check found nothing: %s" % where
        return "refused", "store.corrupt at start", []
    if check.returncode == 65:
        # what the daemon made of it, for the tally
        how = ("died of a fault, store.fault logged" if rc < 0 else
               "refused a read with store.corrupt" if corrupt else
               "served every list unchanged" if not changed else "served something else")
        return "reported", how, [d["db"] for d in damage]
    assert state == "started" and rc == 0 and not changed and not corrupt and not fault, \
        "sos check exit 0, yet the daemon saw damage or the data changed: %s" % where
    return "no effect", "", []


def test_damage_table(build):
    st = Store(build)
    home = tempfile.mkdtemp(prefix="sos-damage-")
    try:
        shutil.copytree(os.path.join(st.cluster.home, "data"), os.path.join(home, "data"))
        shutil.copytree(os.path.join(st.cluster.home, "keys"), os.path.join(home, "keys"))
        os.makedirs(os.path.join(home, "log"))
        # the pristine store: no effect, by definition; this checks the checks
        assert run_case(build, st, home, "pristine", lambda b: b)[0] == "no effect"
        tally, how, dbs = {"refused": [], "reported": [], "no effect": []}, {}, {}
        for name, damage in cases(st):
            outcome, detail, found = run_case(build, st, home, name, damage)
            tally[outcome].append(name)
            how[detail] = how.get(detail, 0) + 1
            dbs[name] = found
        total = sum(len(v) for v in tally.values())
        print("%d cases on %d pages: %s" % (total, st.pages, ", ".join(
            "%d %s" % (len(v), k) for k, v in tally.items())))
        print("  the daemon: " + ", ".join("%d %s" % (n, d) for d, n in how.items() if d))
        for k, v in tally.items():
            print("  %s: %s" % (k, "; ".join(v)))
        for must in ("truncate to half", "truncate to one page", "truncate to nothing"):
            assert must not in tally["no effect"], "%s had no effect" % must
        # the live copy of a stored take, damaged, is named in the event log
        for must in ("take signature", "take signer", "take text", "take payload tag"):
            hit = [n for n in tally["reported"] if n.startswith(must) and "events" in dbs[n]]
            assert hit, "no copy of the stored take's %s was reported in events" % must
    finally:
        st.close()
        shutil.rmtree(home, ignore_errors=True)


def test_check_online(build):
    """sos check with the four daemons running while takes stream in: every
    store whole (exit 0) each time, its pages adding up, no follower's
    cursor past its upstream's head (stores are read downstream first)."""
    import threading
    c = Cluster(build)
    try:
        c.start_all()
        c.sos("import", CATALOGUE)
        c.submit_tool("zeta")
        key = os.path.join(c.home, "keys", "panel", "builder.key")
        stop = threading.Event()
        filed = []

        def amend():
            rev = 1
            while not stop.is_set():
                c.sos("take", "file", "--key", key, "--tool", "zeta", "--persona", "Builder",
                      "--score", str(rev % 100), "--ship", "--text", "rev %d" % rev,
                      "--revision", str(rev))
                filed.append(rev)
                rev += 1

        t = threading.Thread(target=amend)
        t.start()
        try:
            for _ in range(5):
                r = c.sos("--json", "check", check=False)
                assert r.returncode == 0, "online check found damage:\n" + r.stdout + r.stderr
                report = json.loads(r.stdout)
                assert report["ok"] and report["damaged"] == 0, r.stdout
                assert [s["service"] for s in report["stores"]] == \
                    ["publishing", "aggregation", "scoring", "submission"]  # downstream first
                for s in report["stores"]:
                    assert s["ok"] and not s["damage"] and s["records"] > 0, s
                    assert s["pages"] == 0 or s["in_use"] + s["free"] == s["pages"], s
        finally:
            stop.set()
            t.join()
        assert filed, "no take was filed while sos check ran"
        r = c.sos("check", "nosuch", check=False)
        assert r.returncode == 64, r
        c.stop_all()
    finally:
        c.close()


if __name__ == "__main__":
    main([test_check_online, test_damage_table])
