"""What the gateway tests share: a cluster with community and a rendered
site, gateways on random loopback ports, and an HTTP client that returns
refusals instead of raising them."""
import http.client
import json
import os
import re
import signal
import subprocess

from harness import Cluster, wait_for

HERE = os.path.dirname(os.path.abspath(__file__))
CATALOGUE = os.path.join(HERE, "..", "..", "deploy", "catalogue.json")
ORIGIN = "http://127.0.0.1:8080"  # the default [web] origin
VOTER = "00112233445566778899aabbccddeeff"


def site_cluster(build, community_conf="min_votes = 3\n"):
    """The four daemons and community over ipc, the sample catalogue
    published and rendered into <home>/site (the gateway's default
    site_dir is <home>/site/current). Returns (cluster, tool ids)."""
    c = Cluster(build)
    c.config = os.path.join(c.home, "sos.ini")
    run = os.path.join(c.home, "run")
    with open(c.config, "w") as f:
        # the endpoints spelled out: what the defaults give (conf.h)
        f.write("[community]\napi = ipc://%s/community.api\nevents = ipc://%s/community.events\n"
                % (run, run) + community_conf)
    c.start_all()
    c.start("community")
    c.sos("import", CATALOGUE)
    items = wait_for(lambda: (lambda o: o["items"] if len(o["items"]) >= 7 else None)(
        c.sos_json("pull")), what="7 publications")
    tools = sorted({i["tool"]["id"] for i in items if isinstance(i.get("tool"), dict)})
    c.sos("render", "--out", os.path.join(c.home, "site"), "--base-url", "https://example.org/")
    return c, tools


class Gateway:
    """One sos-web on 127.0.0.1:0 with the cluster's config plus a [web]
    section of its own; .port is what it says it listens on."""
    count = 0

    def __init__(self, c, web_conf="", verbose=False):
        Gateway.count += 1
        self.c = c
        self.name = "web%d" % Gateway.count
        self.config = os.path.join(c.home, self.name + ".ini")
        with open(c.config) as f:
            base = f.read()
        with open(self.config, "w") as f:
            f.write(base + "\n[web]\nlisten = 127.0.0.1:0\n" + web_conf)
        self.log = os.path.join(c.home, "log", self.name + ".log")
        out = open(self.log, "ab")
        self.proc = subprocess.Popen(
            [os.path.join(c.build, "services", "sos-web"), "--home", c.home, "--config",
             self.config] + (["--verbose"] if verbose else []), stdout=out, stderr=out, stdin=subprocess.DEVNULL)
        out.close()
        self.port = int(wait_for(lambda: self._port(), what=self.name + " listening"))

    def _port(self):
        if self.proc.poll() is not None:
            raise AssertionError("%s exited %d:\n%s" % (self.name, self.proc.returncode,
                                                        self.text()))
        m = re.search(r"event=start listen=127\.0\.0\.1:(\d+)", self.text())
        return m and m.group(1)

    def text(self):
        with open(self.log, errors="replace") as f:
            return f.read()

    def request(self, method, path, body=None, headers=None, timeout=60):
        """(status, headers dict lowercased, body bytes); refusals are
        returned, not raised. timeout: a hang guard."""
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=timeout)
        try:
            conn.request(method, path, body=body, headers=headers or {})
            r = conn.getresponse()
            return r.status, {k.lower(): v for k, v in r.getheaders()}, r.read()
        finally:
            conn.close()

    def vote(self, tool, vote, voter=VOTER, origin=ORIGIN, extra=None):
        h = {"Content-Type": "application/json", "Origin": origin}
        h.update(extra or {})
        st, hd, b = self.request("POST", "/api/v1/votes",
                                 json.dumps({"tool": tool, "vote": vote, "voter": voter}), h)
        return st, hd, json.loads(b) if b else None

    def tally(self, tool):
        st, hd, b = self.request("GET", "/api/v1/tally?tool=" + tool)
        return st, json.loads(b)

    def stop(self, sig=signal.SIGTERM):
        if self.proc.poll() is None:
            self.proc.send_signal(sig)
        return self.proc.wait(timeout=60)


def wait_community(gw, tool):
    """Until community has followed publishing far enough to know tool."""
    return wait_for(lambda: gw.tally(tool)[0] == 200, what="community to know " + tool)
