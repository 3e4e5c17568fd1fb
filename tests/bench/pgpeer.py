"""The PostgreSQL peer of the ingest benchmark (docs/performance.md,
"PostgreSQL peer"): a throw-away PostgreSQL 15 instance and a run of
BUILD/tests/bench/pg_peer against it.

PgInstance runs initdb in a fresh temp directory (as the `postgres` user
through runuser when we are root: initdb refuses root), listens on
127.0.0.1 only, on a free port, with its unix socket in that directory,
trust authentication (loopback only, and it lives for one run), and
fsync = on, synchronous_commit = on; every other setting is initdb's
default (wal_level replica, wal_sync_method fdatasync, full_page_writes on,
commit_delay 0, shared_buffers 128MB, max_wal_size 1GB, checkpoint_timeout
5min). close() stops it and removes the directory; it is registered with
atexit and SIGTERM is turned into SystemExit, so the instance goes away on
failure too (not on SIGKILL).
"""
import atexit
import json
import os
import pwd
import shutil
import signal
import socket
import subprocess
import sys
import tempfile

PG_BIN = os.environ.get("SOS_PG_BIN", "/usr/lib/postgresql/15/bin")
TOOLS = ("initdb", "pg_ctl", "postgres", "psql")


def peer_exe(build):
    return os.path.join(os.path.abspath(build), "tests", "bench", "pg_peer")


def missing(build):
    """None when a PostgreSQL run is possible, else what is missing."""
    absent = [t for t in TOOLS if not os.access(os.path.join(PG_BIN, t), os.X_OK)]
    if absent:
        return "no %s in %s" % (", ".join(absent), PG_BIN)
    if not os.access(peer_exe(build), os.X_OK):
        return "%s not built (libpq-dev missing at configure time?)" % peer_exe(build)
    if os.geteuid() == 0:
        try:
            pwd.getpwnam("postgres")
        except KeyError:
            return "running as root and there is no postgres user for initdb"
    return None


def _free_port():
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _sigterm(signum, frame):
    raise SystemExit(128 + signum)


class PgInstance:
    def __init__(self):
        self.dir = None
        self.data = None
        self.port = None
        self.running = False
        self.prefix = []

    def _run(self, *args, check=True, timeout=120):
        r = subprocess.run(self.prefix + list(args), capture_output=True, text=True,
                           cwd=self.dir, timeout=timeout)
        if check and r.returncode != 0:
            raise RuntimeError("%s exited %d:\n%s%s\n%s" % (
                " ".join(args[:2]), r.returncode, r.stdout, r.stderr, self.log_tail()))
        return r

    def log_tail(self, n=20):
        try:
            with open(os.path.join(self.dir, "postgres.log")) as f:
                return "".join(f.readlines()[-n:])
        except OSError:
            return ""

    def start(self):
        atexit.register(self.close)
        if signal.getsignal(signal.SIGTERM) == signal.SIG_DFL:
            signal.signal(signal.SIGTERM, _sigterm)
        self.dir = tempfile.mkdtemp(prefix="sos-pg-")
        self.data = os.path.join(self.dir, "data")
        if os.geteuid() == 0:
            pw = pwd.getpwnam("postgres")
            os.chown(self.dir, pw.pw_uid, pw.pw_gid)
            self.prefix = ["runuser", "-u", "postgres", "--"]
        self._run(os.path.join(PG_BIN, "initdb"), "-D", self.data, "-U", "postgres",
                  "--auth=trust", "-E", "UTF8", "--no-locale")
        for attempt in range(3):
            self.port = _free_port()
            with open(os.path.join(self.data, "postgresql.conf"), "a") as f:
                f.write("\n# sos ingest bench (pgpeer.py)\n"
                        "listen_addresses = '127.0.0.1'\nport = %d\n"
                        "unix_socket_directories = '%s'\n"
                        "fsync = on\nsynchronous_commit = on\n" % (self.port, self.dir))
            r = self._run(os.path.join(PG_BIN, "pg_ctl"), "-D", self.data, "-l",
                          os.path.join(self.dir, "postgres.log"), "-w", "-t", "60", "start",
                          check=False)
            if r.returncode == 0:
                self.running = True
                return self
            if attempt == 2 or "could not bind" not in self.log_tail():
                raise RuntimeError("pg_ctl start exited %d:\n%s%s\n%s" % (
                    r.returncode, r.stdout, r.stderr, self.log_tail()))
        return self

    @property
    def conninfo(self):
        return "host=127.0.0.1 port=%d user=postgres dbname=postgres" % self.port

    def psql(self, sql):
        r = subprocess.run([os.path.join(PG_BIN, "psql"), "-X", "-At", "-v", "ON_ERROR_STOP=1",
                            "-d", self.conninfo, "-c", sql],
                           capture_output=True, text=True, timeout=120)
        if r.returncode != 0:
            raise RuntimeError("psql %r exited %d: %s" % (sql, r.returncode, r.stderr))
        return r.stdout.strip()

    def close(self):
        if self.running:
            self.running = False
            r = self._run(os.path.join(PG_BIN, "pg_ctl"), "-D", self.data, "-m", "fast", "-w",
                          "-t", "60", "stop", check=False)
            if r.returncode != 0:
                self._run(os.path.join(PG_BIN, "pg_ctl"), "-D", self.data, "-m", "immediate",
                          "-w", "stop", check=False)
        if self.dir:
            shutil.rmtree(self.dir, ignore_errors=True)
            self.dir = None


WAL_STATS = ("wal_records", "wal_fpi", "wal_bytes", "wal_write", "wal_sync")


def run(build, keydir, tools_file, takes, clients, extra=()):
    """Starts an instance, runs pg_peer once, checks that the table holds one
    row per acknowledged take, removes the instance. Returns pg_peer's JSON
    plus the server's WAL counters for the run."""
    inst = PgInstance()
    try:
        inst.start()
        inst.psql("SELECT pg_stat_reset_shared('wal')")
        cmd = [peer_exe(build), inst.conninfo, keydir, tools_file, "--clients", str(clients),
               "--takes", str(takes)] + list(extra)
        print("bench: pg_peer %s" % " ".join(cmd[2:]), flush=True)
        r = subprocess.run(cmd, capture_output=True, text=True, timeout=3600)
        sys.stdout.write(r.stdout)
        sys.stderr.write(r.stderr)
        last = [ln for ln in r.stdout.splitlines() if ln.startswith("{")]
        if r.returncode != 0 or not last:
            raise SystemExit("bench: pg_peer exited %d" % r.returncode)
        res = json.loads(last[-1])
        # the work was done: one row per acknowledged take, counted by the server
        rows = int(inst.psql("SELECT count(*) FROM takes"))
        res["rows_checked"] = rows
        if rows != res["ok"]:
            raise SystemExit("bench: postgresql holds %d rows, %d takes acknowledged" % (
                rows, res["ok"]))
        wal = inst.psql("SELECT %s FROM pg_stat_wal" % ", ".join(WAL_STATS)).split("|")
        res.update({k: int(float(v)) for k, v in zip(WAL_STATS, wal)})
        res["table_bytes"] = int(inst.psql("SELECT pg_total_relation_size('takes')"))
        return res
    finally:
        inst.close()
