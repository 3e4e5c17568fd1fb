"""Test harness: the five real daemons in a temporary home over ipc.

Each test gets a Cluster: a fresh SOS_HOME under a temp dir, daemons started
from the build tree, and `sos()` to run the real command line against them.
Nothing is mocked: real sockets, real LMDB files, real signatures.

No test may depend on the machine's speed: a test waits for the event it
checks (wait_for polls for it), and the limits here (HANG_GUARD and the
like) are generous on purpose: running out of one means a hang, not a slow
machine (a sanitized build, a loaded CPU).
"""
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import traceback

# The pipeline, each following the one before it, then community (which
# follows publishing: votes on published tools).
PIPELINE = ["submission", "scoring", "aggregation", "publishing"]
SERVICES = PIPELINE + ["community"]
HANG_GUARD = 60.0  # seconds: the default limit of every wait below


class Cluster:
    def __init__(self, build, quorum=None, editor=True):
        """editor: once submission is up (wait_up), make the editor key
        <home>/keys/editor.key, where `sos` looks by default, and register
        it self-signed (the bootstrap, as deploy/sos-up does); False leaves
        the editors registry empty."""
        self.build = os.path.abspath(build)
        self.home = tempfile.mkdtemp(prefix="sos-it-")
        self.procs = {}
        self.config = None
        self.editor = editor
        self.editor_key = os.path.join(self.home, "keys", "editor.key")
        if quorum is not None:
            self.config = os.path.join(self.home, "sos.ini")
            with open(self.config, "w") as f:
                f.write("[scoring]\nquorum = %d\n" % quorum)
        os.makedirs(os.path.join(self.home, "log"), exist_ok=True)

    def use_curve(self, reviewers=()):
        """Before start: puts the five daemons on loopback tcp with CURVE.
        Makes their transport keys and an editor key (which this cluster's
        `sos` presents), and writes the access list: the daemons as service,
        the editor as editor and publisher, and each (transport .pub path,
        signing .pub path) in reviewers as a reviewer."""
        import socket
        socks = []
        for _ in range(2 * len(SERVICES)):
            s = socket.socket()
            s.bind(("127.0.0.1", 0))
            socks.append(s)
        ports = iter([s.getsockname()[1] for s in socks])
        for s in socks:
            s.close()
        keys = os.path.join(self.home, "keys")
        os.makedirs(keys, mode=0o700, exist_ok=True)
        editor = os.path.join(self.home, "editor")
        if not self.config:
            self.config = os.path.join(self.home, "sos.ini")
            open(self.config, "w").close()
        with open(self.config, "a") as f:
            f.write("[client]\ntransport_key = %s.curve\n" % editor)
            for svc in SERVICES:
                f.write("[%s]\napi = tcp://127.0.0.1:%d\nevents = tcp://127.0.0.1:%d\n"
                        % (svc, next(ports), next(ports)))
        self.sos("keygen", "--only", "transport", "--out", editor)
        lines = []
        for svc in SERVICES:
            self.sos("keygen", "--only", "transport", "--out", os.path.join(keys, svc))
            lines.append("service " + _pub(os.path.join(keys, svc + ".curve.pub")))
        lines.append("editor " + _pub(editor + ".curve.pub"))
        lines.append("publisher " + _pub(editor + ".curve.pub"))
        for tpub, spub in reviewers:
            lines.append("reviewer %s %s" % (_pub(tpub), _pub(spub)))
        with open(os.path.join(keys, "access"), "w") as f:
            f.write("\n".join(lines) + "\n")
        self.curve = True

    def binary(self, svc):
        return os.path.join(self.build, "services", "sos-" + svc)

    def start(self, svc):
        args = [self.binary(svc), "--home", self.home]
        if self.config:
            args += ["--config", self.config]
        log = open(os.path.join(self.home, "log", svc + ".log"), "ab")
        self.procs[svc] = subprocess.Popen(args, stdout=log, stderr=log, stdin=subprocess.DEVNULL)
        log.close()

    def start_all(self, order=SERVICES):
        for s in order:
            self.start(s)
        self.wait_up()

    def wait_up(self, timeout=HANG_GUARD):
        end = time.time() + timeout
        try_ms = 1000 if getattr(self, "curve", False) else 200
        while time.time() < end:
            r = self.sos("--timeout", str(try_ms), "status", check=False)
            if r.returncode == 0:
                if self.editor and "submission" in self.procs:
                    self.ensure_editor()
                return
            try_ms = min(2 * try_ms, 5000)  # a loaded machine answers, only later
            time.sleep(0.1)
        raise AssertionError("services did not come up:\n" + self.logs())

    def ensure_editor(self):
        """The editor key (made once) registered with submission: self-
        signed while the registry is empty, a no-op once it is there."""
        if getattr(self, "editor_ready", False):
            return
        if not os.path.exists(self.editor_key):
            os.makedirs(os.path.dirname(self.editor_key), mode=0o700, exist_ok=True)
            self.sos("keygen", "--only", "signing", "--out", self.editor_key)
        self.sos("editor", "add", "--key", self.editor_key + ".pub", "--name", "test editor")
        self.editor_ready = True

    def kill(self, svc, sig=signal.SIGKILL):
        p = self.procs.pop(svc)
        p.send_signal(sig)
        return p.wait(timeout=10)

    def stop_all(self):
        for svc in list(self.procs):
            p = self.procs.pop(svc)
            p.send_signal(signal.SIGTERM)
            try:
                rc = p.wait(timeout=HANG_GUARD)  # a sanitized exit checks for leaks first
            except subprocess.TimeoutExpired:
                p.kill()
                raise AssertionError("%s ignored SIGTERM" % svc)
            if rc != 0:
                raise AssertionError("%s exited %d on SIGTERM:\n%s" % (svc, rc, self.logs()))

    def sos(self, *args, check=True, input=None, timeout=60):
        """Runs sos; timeout is a hang guard (a sanitized build on a loaded
        machine imports a large catalogue in about a minute)."""
        cmd = [os.path.join(self.build, "clients", "sos"), "--home", self.home]
        if self.config:
            cmd += ["--config", self.config]
        r = subprocess.run(cmd + list(args), capture_output=True, text=True, input=input,
                           timeout=timeout)
        if check and r.returncode != 0:
            raise AssertionError("sos %s exited %d\nstdout: %s\nstderr: %s" %
                                 (" ".join(args), r.returncode, r.stdout, r.stderr))
        return r

    def register_panel(self, personas, keydir=None):
        """A key pair per persona (in keydir, made 0700, or else the home),
        registered; {persona: secret key path}. The benchmark programs read
        keydir/<persona>.key."""
        keys = {}
        if keydir:
            os.makedirs(keydir, mode=0o700)
        for p in personas:
            path = os.path.join(keydir or self.home, p.lower() + ".key")
            self.sos("keygen", "--out", path)
            self.sos("panel", "add", "--persona", p, "--key", path + ".pub")
            keys[p] = path
        return keys

    def submit_tool(self, name, tier="Free"):
        return self.sos("tool", "submit", "--name", name, "--tagline", "t", "--category", "c",
                        "--tier", tier)

    def sos_json(self, *args):
        return json.loads(self.sos("--json", *args).stdout)

    def logs(self):
        out = []
        d = os.path.join(self.home, "log")
        for name in sorted(os.listdir(d)):
            with open(os.path.join(d, name), errors="replace") as f:
                out.append("== %s\n%s" % (name, "".join(f.readlines()[-20:])))
        return "\n".join(out)

    def close(self):
        for p in self.procs.values():
            p.kill()
            p.wait()
        self.procs = {}
        shutil.rmtree(self.home, ignore_errors=True)


def _pub(path):
    with open(path) as f:
        return f.read().split()[0]


def wait_for(pred, timeout=HANG_GUARD, what="condition"):
    """Polls pred until it returns something true, which is returned; after
    timeout seconds (a hang guard, not a speed claim) raises AssertionError."""
    end = time.time() + timeout
    while time.time() < end:
        v = pred()
        if v:
            return v
        time.sleep(0.05)
    raise AssertionError("timed out waiting for " + what)


def main(tests):
    """Runs test functions taking the build dir; prints a closing line."""
    build = sys.argv[1] if len(sys.argv) > 1 else "build"
    passed = failed = 0
    for t in tests:
        start = time.time()
        try:
            t(build)
            passed += 1
            print("PASS %s (%.1fs)" % (t.__name__, time.time() - start), flush=True)
        except Exception as e:  # noqa: BLE001 - report every failure
            failed += 1
            where = traceback.extract_tb(e.__traceback__)[-1]
            print("FAIL %s: %s (%s:%d: %s)" % (t.__name__, e, os.path.basename(where.filename),
                                               where.lineno, where.line), flush=True)
    print("%d passed, %d failed" % (passed, failed))
    sys.exit(1 if failed else 0)
