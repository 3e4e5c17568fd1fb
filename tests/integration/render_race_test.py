#!/usr/bin/env python3
"""Concurrent renders into one site directory (issue 13, part 1).

Two `sos render --out DIR` released from one barrier, 20 rounds, while new
verdicts land (a writer thread submits tools and files their takes the whole
time) and a reader thread reads every file of the site through `current`,
and through the release `current` resolved to a moment before, the whole
time. Every round both renders exit 0 (the second waits for the site lock),
`sos verify DIR` passes, and the reader saw no missing or partial file. The
assertions are on outcomes, never on timing: the test waits for exits.

Also: --no-wait against a held lock exits 75 naming the holder's pid; a
render waits for a held lock and says for whom; a holder killed with
SIGKILL holds nothing; [site] keep_seconds is read from the config; in a
--no-wait race one render may exit 75, never both."""
import fcntl
import json
import os
import re
import subprocess
import threading

from harness import Cluster, main, wait_for

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.abspath(os.path.join(HERE, "..", ".."))
CATALOGUE = os.path.join(ROOT, "deploy", "catalogue.json")
PERSONAS = ["Builder", "Skeptic", "Futurist", "Founder"]
ROUNDS = 20


def published(c):
    return len(c.sos_json("pull")["items"])


def site(build):
    c = Cluster(build)
    c.start_all()
    c.sos("import", CATALOGUE)
    wait_for(lambda: published(c) >= 7, what="the catalogue's 7 publications")
    out = os.path.join(c.home, "site")
    c.sos("render", "--out", out)
    return c, out


class Writer(threading.Thread):
    """Submits a tool and files its panel's four takes, again and again:
    a new verdict lands every few hundred milliseconds."""

    def __init__(self, c):
        super().__init__(daemon=True)
        self.c, self.stop, self.tools, self.error = c, threading.Event(), 0, None

    def run(self):
        try:
            while not self.stop.is_set():
                n = self.tools + 1
                tid = "race-tool-%d" % n
                self.c.sos("tool", "submit", "--name", "Race Tool %d" % n, "--tagline", "t",
                           "--category", "c", "--tier", "Free")
                for p in PERSONAS:
                    self.c.sos("take", "file", "--key",
                               os.path.join(self.c.home, "keys", "panel", p.lower() + ".key"),
                               "--tool", tid, "--persona", p, "--score", "70", "--ship",
                               "--text", "fine")
                self.tools = n
        except Exception as e:  # noqa: BLE001 - reported by the main thread
            self.error = e


class Reader(threading.Thread):
    """Reads every file of the site, alternately through DIR/current (each
    open resolves it again) and through the release it resolved to at the
    start of the walk (a reader who resolved current a moment ago). A
    failure: a directory or file that cannot be read, an empty file, JSON
    that does not parse, a page that does not end."""

    def __init__(self, out):
        super().__init__(daemon=True)
        self.out, self.stop = out, threading.Event()
        self.reads = self.walks = self.failed = 0
        self.failures = []  # the first 20

    def fail(self, what):
        self.failed += 1
        if len(self.failures) < 20:
            self.failures.append(what)

    def walk(self, top):
        n = 0
        for d, _, files in os.walk(top, onerror=lambda e: self.fail("walk: %s" % e)):
            for name in files:
                path = os.path.join(d, name)
                try:
                    with open(path, "rb") as f:
                        data = f.read()
                except OSError as e:
                    self.fail("read: %s" % e)
                    continue
                n += 1
                if not data:
                    self.fail("empty: " + path)
                elif name.endswith(".json"):
                    try:
                        json.loads(data)
                    except ValueError:
                        self.fail("partial JSON: " + path)
                elif name.endswith(".html") and not data.rstrip().endswith(b"</html>"):
                    self.fail("partial page: " + path)
        if n == 0:
            self.fail("no files under " + top)
        self.reads += n

    def run(self):
        current = os.path.join(self.out, "current")
        while not self.stop.is_set():
            try:
                target = os.readlink(current)
            except OSError as e:
                self.fail("current: %s" % e)
                continue
            self.walk(current if self.walks % 2 == 0 else os.path.join(self.out, target))
            self.walks += 1


def sos_cmd(c, *args):
    return [os.path.join(c.build, "clients", "sos"), "--home", c.home, *args]


def barrier_pair(c, args):
    """Two `sos render` started, both blocked on one pipe, released by one
    write; returns [(pid, returncode, stderr)] once both have exited."""
    r, w = os.pipe()
    procs = []
    try:
        for _ in range(2):
            procs.append(subprocess.Popen(
                ["sh", "-c", 'read _ && exec "$@"', "sh", *sos_cmd(c, *args)], stdin=r,
                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True))
        os.write(w, b"\n\n")  # the barrier: both go
    finally:
        os.close(r)
        os.close(w)
    res = []
    for p in procs:
        out, err = p.communicate(timeout=120)
        res.append((p.pid, p.returncode, err))
    return res


def verify(c, out):
    r = c.sos("verify", out, check=False)
    return r.returncode, r.stdout[-2000:] + r.stderr[-2000:]


def test_race_rounds(build):
    c, out = site(build)
    writer, reader = Writer(c), Reader(out)
    try:
        writer.start()
        reader.start()
        broken = []
        for i in range(ROUNDS):
            res = barrier_pair(c, ("render", "--out", out))
            rcs = [rc for _, rc, _ in res]
            vrc, vout = verify(c, out)
            if rcs != [0, 0] or vrc != 0:
                broken.append("round %d: renders %s, verify %d: %s %s" % (
                    i + 1, rcs, vrc, [e[-300:] for _, _, e in res], vout[-500:]))
        writer.stop.set()
        writer.join()
        reader.stop.set()
        reader.join()
        assert writer.error is None, writer.error
        print("  %d rounds, %d tools landed, %d walks, %d reads, %d failed" % (
            ROUNDS, writer.tools, reader.walks, reader.reads, reader.failed), flush=True)
        assert not broken, "%d broken rounds:\n%s" % (len(broken), "\n".join(broken[:5]))
        assert reader.failed == 0, (reader.failed, reader.failures)
        assert reader.walks > 0
        # the site is whole: once everything landed, a render shows every tool
        want = 4 + writer.tools
        wait_for(lambda: published(c) >= 7 + writer.tools, timeout=60,
                 what="every verdict published")
        c.sos("render", "--out", out)
        with open(os.path.join(out, "current", "index.json"), encoding="utf-8") as f:
            index = json.load(f)
        assert len(index["tools"]) == want, (len(index["tools"]), want)
        vrc, vout = verify(c, out)
        assert vrc == 0, vout
    finally:
        writer.stop.set()
        reader.stop.set()
        c.close()


def hold_lock(out):
    """The site lock, held by this process as a render holds it."""
    os.makedirs(out, exist_ok=True)
    fd = os.open(os.path.join(out, ".lock"), os.O_RDWR | os.O_CREAT, 0o644)
    fcntl.flock(fd, fcntl.LOCK_EX)
    os.ftruncate(fd, 0)
    os.pwrite(fd, b"%d\n" % os.getpid(), 0)
    return fd


def test_no_wait_and_wait(build):
    c, out = site(build)
    try:
        fd = hold_lock(out)
        r = c.sos("render", "--out", out, "--no-wait", check=False)
        assert r.returncode == 75, (r.returncode, r.stderr)
        assert "another render (pid %d) is writing %s" % (os.getpid(), out) in r.stderr, r.stderr
        assert "--no-wait" in r.stderr, r.stderr
        # without --no-wait it says for whom it waits, and goes on once the lock is free
        before = os.readlink(os.path.join(out, "current"))
        p = subprocess.Popen(sos_cmd(c, "render", "--out", out, "--full"),
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        line = p.stderr.readline()
        if "warning: base_url is the example default" in line:  # no --base-url here
            line = p.stderr.readline()
        assert "waiting for another render (pid %d)" % os.getpid() in line, line
        assert p.poll() is None  # the lock is still held: it cannot have finished
        assert os.readlink(os.path.join(out, "current")) == before
        os.close(fd)  # releases the lock
        _, err = p.communicate(timeout=120)
        assert p.returncode == 0, err
        assert os.readlink(os.path.join(out, "current")) != before
        vrc, vout = verify(c, out)
        assert vrc == 0, vout
        # a holder killed with SIGKILL holds nothing: the kernel dropped its lock
        holder = subprocess.Popen(["python3", "-c", (
            "import fcntl, os, sys; fd = os.open(sys.argv[1], os.O_RDWR); "
            "fcntl.flock(fd, fcntl.LOCK_EX); print('locked', flush=True); sys.stdin.read()"),
            os.path.join(out, ".lock")], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
        assert holder.stdout.readline().strip() == "locked"
        r = c.sos("render", "--out", out, "--no-wait", check=False)
        assert r.returncode == 75, (r.returncode, r.stderr)
        holder.kill()
        holder.wait()
        r = c.sos("render", "--out", out, "--no-wait", check=False)
        assert r.returncode == 0, (r.returncode, r.stderr)
    finally:
        c.close()


def test_keep_seconds(build):
    """[site] keep_seconds from the config file: 0 keeps current and the 2
    before it; a value that is not a number of seconds exits 78."""
    c, out = site(build)
    try:
        c.config = os.path.join(c.home, "render.ini")
        with open(c.config, "w") as f:
            f.write("[site]\nkeep_seconds = 0\n")
        for _ in range(4):
            c.sos("render", "--out", out, "--full")
        releases = sorted(int(n) for n in os.listdir(os.path.join(out, "releases")))
        assert releases == [3, 4, 5], releases
        assert os.readlink(os.path.join(out, "current")) == "releases/5"
        with open(c.config, "w") as f:
            f.write("[site]\nkeep_seconds = -1\n")
        r = c.sos("render", "--out", out, check=False)
        assert r.returncode == 78 and "keep_seconds" in r.stderr, (r.returncode, r.stderr)
    finally:
        c.close()


def test_no_wait_race(build):
    c, out = site(build)
    writer = Writer(c)
    busy = 0
    try:
        writer.start()
        for i in range(5):
            res = barrier_pair(c, ("render", "--out", out, "--no-wait"))
            rcs = sorted(rc for _, rc, _ in res)
            assert rcs in ([0, 0], [0, 75]), (i, res)
            busy += rcs == [0, 75]
            for (pid, rc, err), (other, _, _) in zip(res, reversed(res)):
                if rc == 75:
                    m = re.search(r"another render \(pid (\d+)\) is writing", err)
                    assert m and int(m.group(1)) == other, (err, other)
            vrc, vout = verify(c, out)
            assert vrc == 0, (i, vout)
        print("  5 rounds, %d with one render refused (75)" % busy, flush=True)
    finally:
        writer.stop.set()
        writer.join()
        c.close()


if __name__ == "__main__":
    main([test_race_rounds, test_no_wait_and_wait, test_keep_seconds, test_no_wait_race])
