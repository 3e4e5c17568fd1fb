#!/usr/bin/env python3
"""A full disk under scoring: refused, not down.

scoring's store is put on a small ext4 filesystem (a 64 MiB loop-mounted
image the test makes and removes), which a ballast file fills to about
2 MiB free. Takes are filed until scoring refuses one with UNAVAILABLE
"disk is full" (sos exit 75): scoring is still running and answers reads,
and its log says store.disk_full once, however many takes were refused.
Then the ballast is deleted: the refused take, filed again with the same
take id, is accepted by the same process (no restart), store.disk_ok is
logged, and every acknowledged take is there exactly once.

Needs root and a kernel that lends a loop device and mounts ext4: where
either is refused, the test prints SKIPPED and exits 77 (ctest's skip)."""
import os
import shutil
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "integration"))
from harness import Cluster, main  # noqa: E402

TEXT = "A long take, to fill the disk. " * 290  # about 9 KB
SKIP = 77
MNT = None  # the small filesystem's mount point, made in __main__


def _run(*args):
    return subprocess.run(list(args), capture_output=True, text=True)


def _mount(top):
    """Makes and mounts the image under top; the mount point, or None with
    why not printed."""
    img, mnt = os.path.join(top, "disk.img"), os.path.join(top, "mnt")
    os.mkdir(mnt)
    if os.geteuid() != 0:
        print("SKIPPED: needs root to mount a loop device")
        return None
    for cmd in (["truncate", "-s", "64M", img], ["mkfs.ext4", "-q", "-F", "-m", "0", img],
                ["mount", "-o", "loop", img, mnt]):
        if shutil.which(cmd[0]) is None:
            print("SKIPPED: %s is not installed (coreutils, e2fsprogs, mount)" % cmd[0])
            return None
        r = _run(*cmd)
        if r.returncode != 0:
            print("SKIPPED: `%s` failed (the kernel refuses loop mounts here?): %s"
                  % (" ".join(cmd), r.stderr.strip()))
            return None
    return mnt


def _file(c, keys, rev, take_id=None):
    args = ["--timeout", "2000", "take", "file", "--key", keys["Builder"], "--tool", "disk-tool",
            "--persona", "Builder", "--score", str(rev % 100), "--ship", "--text", TEXT,
            "--revision", str(rev)]
    if take_id:
        args += ["--take-id", take_id, "--filed-at", "1700000000"]
    return c.sos(*args, check=False)


def _revisions(c):
    return [t["revision"] for t in c.sos_json("take", "list", "disk-tool")["takes"]]


def _log(c):
    with open(os.path.join(c.home, "log", "scoring.log")) as f:
        return f.read()


def test_disk_full_then_freed(build):
    c = Cluster(build)
    ballast = os.path.join(MNT, "ballast")
    try:
        # scoring's data directory is on the small filesystem
        os.makedirs(os.path.join(c.home, "data"))
        os.mkdir(os.path.join(MNT, "scoring"), 0o700)
        os.symlink(os.path.join(MNT, "scoring"), os.path.join(c.home, "data", "scoring"))
        c.start_all()
        keys = c.register_panel(["Builder"])
        c.submit_tool("Disk Tool")
        st = os.statvfs(MNT)
        free = st.f_bavail * st.f_frsize
        fd = os.open(ballast, os.O_WRONLY | os.O_CREAT, 0o600)
        try:
            os.posix_fallocate(fd, 0, free - (2 << 20))
        finally:
            os.close(fd)
        print("  %d KiB free on %s before the ballast, %d KiB after"
              % (free >> 10, MNT, (os.statvfs(MNT).f_bavail * st.f_frsize) >> 10))
        pid = c.procs["scoring"].pid

        acked, refused = [], None
        for rev in range(1, 3000):  # a bound, not a timing: 3000 takes are 27 MB
            take_id = "%032x" % rev
            r = _file(c, keys, rev, take_id)
            if r.returncode == 0:
                acked.append(rev)
                continue
            refused = (rev, take_id, r.returncode, r.stderr.strip())
            break
        print("  acknowledged %d takes of ~9 KB, then: %s" % (len(acked), refused))
        assert refused, "the disk never filled"
        assert refused[2] == 75 and "disk is full" in refused[3], "%s\n%s" % (refused,
                                                                           _log(c)[-1500:])
        assert c.procs["scoring"].poll() is None, "scoring stopped: exit %s" % (
            c.procs["scoring"].poll(),)
        # still refused while full, and still answering reads
        r = _file(c, keys, refused[0], refused[1])
        assert r.returncode == 75 and "disk is full" in r.stderr, r.stderr
        assert _revisions(c) == acked, "acknowledged and stored differ while full"
        log = _log(c)
        assert log.count("event=store.disk_full") == 1, "store.disk_full not logged once"
        assert "event=store.failed" not in log and "Input/output error" not in log, log[-2000:]

        os.unlink(ballast)  # the operator frees space: no restart
        r = _file(c, keys, refused[0], refused[1])
        assert r.returncode == 0, "still refused after space was freed: " + r.stderr
        acked.append(refused[0])
        r = _file(c, keys, refused[0], refused[1])  # a retry gets the first answer
        assert r.returncode == 0, r.stderr
        for rev in range(refused[0] + 1, refused[0] + 4):
            r = _file(c, keys, rev)
            assert r.returncode == 0, r.stderr
            acked.append(rev)
        assert c.procs["scoring"].pid == pid and c.procs["scoring"].poll() is None
        got = _revisions(c)
        print("  after freeing: %d takes stored, %d acknowledged" % (len(got), len(acked)))
        assert sorted(got) == acked and len(set(got)) == len(got), (got, acked)
        assert "event=store.disk_ok" in _log(c)
        c.stop_all()
    finally:
        c.close()
        if os.path.exists(ballast):
            os.unlink(ballast)


if __name__ == "__main__":
    top = tempfile.mkdtemp(prefix="sos-diskfull-")
    try:
        MNT = _mount(top)
        if MNT is None:
            sys.exit(SKIP)
        main([test_disk_full_then_freed])
    finally:
        mnt = os.path.join(top, "mnt")
        if os.path.ismount(mnt):
            r = _run("umount", mnt)
            if r.returncode != 0:  # a daemon still holds it: lazily, so the image goes
                _run("umount", "-l", mnt)
        shutil.rmtree(top, ignore_errors=True)
