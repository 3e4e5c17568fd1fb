#!/usr/bin/env python3
"""security.transport: the five real daemons on loopback tcp with CURVE, the
access list and roles, through the real `sos` command.

Shows: a listed editor is served; an unlisted key gets nothing (the
handshake is refused, the client times out); a signing key is no transport
key; editors' requests are refused from reviewer keys and reviewers' from
editor keys; a reviewer's transport key must match the key its take is
signed with; reviewers cannot read sealed takes or pull; the daemons follow
each other over CURVE as services, so a verdict reaches the publisher; the
gateway key may vote and read tallies at community and nothing else; a
key added to the access list is admitted after SIGHUP and a removed one is
refused (rotation)."""
import os
import signal
import socket
import sys

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "integration"))
from harness import HANG_GUARD, SERVICES, Cluster, main, wait_for  # noqa: E402

REVIEWERS = ["Builder", "Skeptic", "Futurist", "Founder"]


def free_ports(n):
    socks, ports = [], []
    for _ in range(n):
        s = socket.socket()
        s.bind(("127.0.0.1", 0))
        socks.append(s)
        ports.append(s.getsockname()[1])
    for s in socks:
        s.close()
    return ports


def pub(path):
    with open(path) as f:
        return f.read().split()[0]


class Curve:
    """A cluster on tcp: keys for the daemons and for each person."""

    def __init__(self, build):
        self.c = c = Cluster(build)
        self.keys = os.path.join(c.home, "keys")
        os.makedirs(self.keys, mode=0o700)
        ports = iter(free_ports(2 * len(SERVICES)))
        people = os.path.join(c.home, "people")
        os.makedirs(people)
        self.person = {}
        for who in ["editor", "editor2", "publisher", "stranger", "gateway"] + REVIEWERS:
            path = os.path.join(people, who.lower())
            self.person[who] = path
        c.config = os.path.join(c.home, "sos.ini")
        with open(c.config, "w") as f:
            f.write("[scoring]\nquorum = 4\n[client]\ntransport_key = %s.curve\n"
                    % self.person["editor"])
            for s in SERVICES:
                f.write("[%s]\napi = tcp://127.0.0.1:%d\nevents = tcp://127.0.0.1:%d\n"
                        % (s, next(ports), next(ports)))
        for path in self.person.values():
            c.sos("keygen", "--out", path)
            assert oct(os.stat(path + ".curve").st_mode & 0o777) == "0o600"
        for s in SERVICES:  # the daemons' own transport keys, where they look for them
            c.sos("keygen", "--only", "transport", "--out", os.path.join(self.keys, s))
        lines = ["# test access list"]
        lines += ["service %s" % pub(os.path.join(self.keys, s + ".curve.pub")) for s in SERVICES]
        lines.append("editor %s" % pub(self.person["editor"] + ".curve.pub"))
        lines.append("publisher %s" % pub(self.person["publisher"] + ".curve.pub"))
        lines.append("gateway %s" % pub(self.person["gateway"] + ".curve.pub"))
        for r in REVIEWERS:
            lines.append("reviewer %s %s" % (pub(self.person[r] + ".curve.pub"),
                                             pub(self.person[r] + ".pub")))
        self.write_access(lines)
        self.lines = lines
        # A request that must be answered (or refused by the service, 77) gets
        # a generous try: a hang guard, not a speed claim. A refused handshake
        # is never answered, so there a short try only saves time; what shows
        # the refusal is the event, the daemon's zap.refused line for that
        # key (sos_refused), not the silence, which a slow answer would give
        # too.
        self.timeout = "30000"
        sanitized = "SOS_SANITIZE:BOOL=ON" in open(os.path.join(c.build, "CMakeCache.txt")).read()
        self.refused_timeout = "1500" if sanitized else "400"

    def write_access(self, lines):
        with open(os.path.join(self.keys, "access"), "w") as f:
            f.write("\n".join(lines) + "\n")

    def sos(self, who, *args, check=False, timeout=None):
        return self.c.sos("--timeout", timeout or self.timeout, "--transport-key",
                          self.person[who] + ".curve", *args, check=check)

    def refusals(self, who, svc="submission"):
        """svc's zap.refused lines for who's transport key."""
        key = pub(self.person[who] + ".curve.pub")
        return sum(1 for ln in self.log(svc).splitlines()
                   if "event=zap.refused" in ln and key in ln)

    def try_refused(self, who, *args, svc="submission"):
        """Runs sos as who; True when it exited 69 and svc logged the refusal
        of who's key meanwhile (waiting up to HANG_GUARD for the line)."""
        before = self.refusals(who, svc)
        r = self.sos(who, *args, timeout=self.refused_timeout)
        if r.returncode != 69:
            return False
        wait_for(lambda: self.refusals(who, svc) > before, timeout=HANG_GUARD,
                 what="%s to log the refusal of %s's key" % (svc, who))
        return True

    def sos_refused(self, who, *args, what="", svc="submission"):
        """sos as who must be refused at the handshake: exit 69, and the
        refusal logged by svc."""
        assert self.try_refused(who, *args, svc=svc), "%s: not refused at the handshake" % what

    def take(self, who, signer, tool, score=80):
        return self.sos(who, "take", "file", "--key", self.person[signer], "--tool", tool,
                        "--persona", signer, "--score", str(score), "--ship", "--text",
                        "Signed on the reviewer's machine.")

    def log(self, svc):
        with open(os.path.join(self.c.home, "log", svc + ".log"), errors="replace") as f:
            return f.read()


def expect(r, code, what, text=None):
    assert r.returncode == code, "%s: exit %d (wanted %d)\n%s%s" % (
        what, r.returncode, code, r.stdout, r.stderr)
    if text:
        assert text in r.stderr, "%s: %r not in %r" % (what, text, r.stderr)


def start(t):
    """All four, then wait until the editor's `sos status` sees them (a CURVE
    handshake per service: slower than ipc, much slower under ASan)."""
    for s in SERVICES:
        t.c.start(s)
    wait_for(lambda: t.sos("editor", "status").returncode == 0,
             what="the four daemons serving over tcp")
    t.c.ensure_editor()  # the editor's signing key, registered over CURVE as editor


def test_curve_roles_and_rotation(build):
    t = Curve(build)
    c = t.c
    try:
        start(t)
        st = c.sos_json("status")
        assert sorted(s["service"] for s in st) == sorted(SERVICES), st
        assert all(s["up"] for s in st), st
        for s in SERVICES:
            assert "event=curve " in t.log(s) and "event=access " in t.log(s), t.log(s)

        # an unlisted key: refused at the handshake, nothing served
        t.sos_refused("stranger", "status", what="unlisted key")
        # a signing key is not a transport key
        r = c.sos("--transport-key", t.person["editor"], "status", check=False)
        expect(r, 78, "signing key as transport key", "not a transport key")

        # the editor registers the panel and submits a tool
        for r in REVIEWERS:
            c.sos("panel", "add", "--persona", r, "--key", t.person[r] + ".pub")
        c.sos("tool", "submit", "--name", "Alpha", "--tagline", "t", "--category", "c",
              "--tier", "Free")
        # editors' requests refused from a reviewer key, and the other way round
        expect(t.sos("Builder", "tool", "submit", "--name", "Rogue", "--tagline", "t",
                     "--category", "c", "--tier", "Free"), 77, "reviewer submits a tool",
               "refused (forbidden): a reviewer key may not")
        expect(t.sos("Builder", "verdict", "finalize", "alpha"), 77, "reviewer finalizes")
        expect(t.take("editor", "Builder", "alpha"), 77, "editor files a take")
        # a reviewer's transport key must match the key the take is signed with
        expect(t.take("Skeptic", "Builder", "alpha"), 77, "Skeptic's connection, Builder's take",
               "connection's reviewer")
        assert "event=request.forbidden" in t.log("submission")
        # reviewers may read the catalogue but not sealed takes or the event logs
        expect(t.sos("Builder", "tool", "list"), 0, "reviewer lists tools")
        expect(t.sos("Builder", "take", "list", "alpha"), 77, "reviewer reads takes")
        expect(t.sos("Builder", "pull"), 77, "reviewer pulls")

        for i, r in enumerate(REVIEWERS):
            expect(t.take(r, r, "alpha", 70 + i), 0, r + " files")
        # the daemons follow each other over CURVE as services: the verdict
        # reaches publishing, and the publisher pulls it
        out = wait_for(lambda: (lambda j: j if j["items"] else None)(
            __import__("json").loads(t.sos("publisher", "--json", "pull", check=True).stdout)),
            what="the verdict published over tcp")
        v = out["items"][0]
        assert v["type"] == "verdict" and v["tool"]["id"] == "alpha", v
        assert v["verdict"]["ship"] == 4, v

        # the gateway (services/web's key) may vote and read tallies at
        # community, and make no other request anywhere
        wait_for(lambda: t.sos("gateway", "tally", "alpha").returncode == 0,
                 what="alpha votable at community over tcp")
        expect(t.sos("gateway", "vote", "alpha", "--ship"), 0, "gateway votes")
        tally = __import__("json").loads(t.sos("gateway", "--json", "tally", "alpha",
                                               check=True).stdout)
        assert (tally["ship"], tally["signed"]["verified"]) == (1, True), tally
        expect(t.sos("gateway", "tool", "list"), 77, "gateway lists tools",
               "refused (forbidden)")
        expect(t.sos("gateway", "verdict", "show", "alpha"), 77, "gateway reads a verdict")
        expect(t.sos("gateway", "pull"), 77, "gateway pulls")
        expect(t.sos("Builder", "vote", "alpha", "--skip"), 77, "a reviewer votes")
        assert "needs=editor,gateway" in t.log("community"), t.log("community")

        # rotation: the new editor key is added and admitted after SIGHUP ...
        t.sos_refused("editor2", "tool", "list", what="editor2 before it is listed")
        lines = t.lines + ["editor %s" % pub(t.person["editor2"] + ".curve.pub")]
        t.write_access(lines)
        c.procs["submission"].send_signal(signal.SIGHUP)
        wait_for(lambda: t.sos("editor2", "tool", "list").returncode == 0,
                 what="editor2 admitted after SIGHUP")
        # ... then the old one is removed and refused on its next connection
        old = "editor %s" % pub(t.person["editor"] + ".curve.pub")
        t.write_access([ln for ln in lines if ln != old])
        c.procs["submission"].send_signal(signal.SIGHUP)
        wait_for(lambda: t.try_refused("editor", "tool", "list"),
                 what="the old editor key refused after SIGHUP")
        expect(t.sos("editor2", "tool", "submit", "--name", "Beta", "--tagline", "t",
                     "--category", "c", "--tier", "Free"), 0, "editor2 submits")
        c.stop_all()
    except AssertionError:
        print(c.logs())
        raise
    finally:
        c.close()


def test_tcp_without_access_list_admits_nobody(build):
    t = Curve(build)
    c = t.c
    try:
        os.unlink(os.path.join(t.keys, "access"))
        c.start("submission")
        wait_for(lambda: "event=access " in t.log("submission"), what="submission started")
        assert "keys=0" in t.log("submission"), t.log("submission")
        t.sos_refused("editor", "tool", "list", what="no access list")
        c.stop_all()
    finally:
        c.close()


if __name__ == "__main__":
    main([test_curve_roles_and_rotation, test_tcp_without_access_list_admits_nobody])
