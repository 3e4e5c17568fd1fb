#!/usr/bin/env python3
"""Community votes and tallies through the five real daemons over ipc.

The sample catalogue (deploy/catalogue.json) is imported and published;
community follows publishing, so its tools become votable. Then, through
the real `sos vote` and `sos tally --json`:
  - first votes, a change of vote (ship - 1, skip + 1), the same vote again
    (nothing moves, nothing logged);
  - below [community] min_votes no % is shown, from it on the % is there;
  - a vote for a tool not published is refused (65) naming the nearest id;
    a bad voter token (64/65) and a missing --ship/--skip (64);
  - the tally is signed by keys/community.key and verifies;
  - community's log head is the number of counted votes and changes;
  - no voter token (raw or hex) is in community's store file;
  - `sos subscriber list` and `delete` reach community (none stored here);
  - after a SIGTERM and a restart the tally is the same.

Usage: community_test.py BUILD_DIR"""
import json
import os
import signal
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import Cluster, main, wait_for  # noqa: E402

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..")
CATALOGUE = os.path.join(ROOT, "deploy", "catalogue.json")
TOOL = "mistral-small-3-1"
OTHER = "llama-4-compact-12b"


def token(i):
    return "%032x" % (0xC0FFEE00000000000000000000000000 + i)


def published(c):
    r = c.sos("--json", "tally", TOOL, check=False)
    r2 = c.sos("--json", "tally", OTHER, check=False)
    return r.returncode == 0 and r2.returncode == 0


def vote(c, tool, choice, i, *extra):
    return json.loads(c.sos("--json", "vote", tool, "--" + choice, "--voter", token(i),
                            *extra).stdout)


def tally(c, tool):
    return json.loads(c.sos("--json", "tally", tool).stdout)


def status(c, svc):
    for s in json.loads(c.sos("--json", "status").stdout):
        if s["service"] == svc:
            return s
    raise AssertionError("no " + svc + " in sos status")


def test_votes_and_tallies(build):
    c = Cluster(build)
    try:
        c.config = os.path.join(c.home, "sos.ini")
        with open(c.config, "w") as f:
            f.write("[community]\nmin_votes = 4\n")
        c.start_all()
        c.sos("import", CATALOGUE)
        wait_for(lambda: published(c), what="community to know the published tools")

        t = tally(c, TOOL)
        assert (t["ship"], t["skip"], t["total"], t["shown"]) == (0, 0, 0, False), t
        assert t["signed"]["verified"] is True, t

        # three ship, one skip: the fourth vote reaches min_votes
        for i, ch in enumerate(["ship", "ship", "skip"]):
            v = vote(c, TOOL, ch, i)
            assert v["result"] == "counted" and v["changed"] is True, v
            assert v["tally"]["shown"] is False and v["tally"]["ship_pct"] == 0, v
        v = vote(c, TOOL, "ship", 3)
        assert (v["tally"]["ship"], v["tally"]["skip"], v["tally"]["total"]) == (3, 1, 4), v
        assert v["tally"]["shown"] is True and v["tally"]["ship_pct"] == 75, v

        # a change of vote moves the tally; the same vote again does not
        v = vote(c, TOOL, "skip", 0)
        assert v["result"] == "changed" and v["previous"] == "ship", v
        assert (v["tally"]["ship"], v["tally"]["skip"], v["tally"]["ship_pct"]) == (2, 2, 50), v
        v = vote(c, TOOL, "skip", 0)
        assert v["result"] == "unchanged" and v["changed"] is False, v
        assert (v["tally"]["ship"], v["tally"]["skip"]) == (2, 2), v

        # one voter, another tool: a vote of its own
        v = vote(c, OTHER, "skip", 0)
        assert (v["tally"]["ship"], v["tally"]["skip"]) == (0, 1), v

        # refusals
        r = c.sos("vote", "mistral-smal-3-1", "--ship", check=False)
        assert r.returncode == 65, (r.returncode, r.stderr)
        assert "did you mean 'mistral-small-3-1'" in r.stderr, r.stderr
        r = c.sos("tally", "no-such-tool", check=False)
        assert r.returncode == 65, (r.returncode, r.stderr)
        r = c.sos("vote", TOOL, "--ship", "--voter", "abc", check=False)
        assert r.returncode == 65 and "32 hex digits" in r.stderr, (r.returncode, r.stderr)
        r = c.sos("vote", TOOL, check=False)
        assert r.returncode == 64, (r.returncode, r.stderr)
        r = c.sos("vote", TOOL, "--ship", "--skip", check=False)
        assert r.returncode == 64, (r.returncode, r.stderr)

        # the tally is community's signature, and it verifies
        t = tally(c, TOOL)
        with open(os.path.join(c.home, "keys", "community.key.pub")) as f:
            assert t["signed"]["signer"] == f.read().split()[0], t
        assert t["signed"]["verified"] is True, t
        assert (t["ship"], t["skip"], t["total"], t["ship_pct"], t["min_votes"]) == \
            (2, 2, 4, 50, 4), t

        # the log: 4 first votes, 1 change, 1 vote on the other tool
        st = status(c, "community")
        assert st["head"] == 6, st
        assert st["cursor"] == status(c, "publishing")["head"], st

        # the store keeps keyed hashes, never a token
        with open(os.path.join(c.home, "data", "community", "data.mdb"), "rb") as f:
            data = f.read()
        for i in range(4):
            assert bytes.fromhex(token(i)) not in data, "raw token %d stored" % i
            assert token(i).encode() not in data, "hex token %d stored" % i
        key = os.path.join(c.home, "keys", "community.voter.key")
        assert os.stat(key).st_mode & 0o777 == 0o600, oct(os.stat(key).st_mode)

        # subscribers: none yet (readers subscribe through the gateway)
        assert json.loads(c.sos("--json", "subscriber", "list").stdout) == []
        r = c.sos("subscriber", "delete", "nobody@example.org", check=False)
        assert r.returncode == 65 and "no subscriber nobody@example.org" in r.stderr, r.stderr
        r = c.sos("subscriber", "delete", "not-an-address", check=False)
        assert r.returncode == 65 and "not an e-mail address" in r.stderr, r.stderr

        # a restart keeps everything
        assert c.kill("community", signal.SIGTERM) == 0
        c.start("community")
        c.wait_up()
        t2 = tally(c, TOOL)
        assert (t2["ship"], t2["skip"], t2["seq"]) == (2, 2, 6), t2
        c.stop_all()
    except Exception:
        print(c.logs(), flush=True)
        raise
    finally:
        c.close()


if __name__ == "__main__":
    main([test_votes_and_tallies])
