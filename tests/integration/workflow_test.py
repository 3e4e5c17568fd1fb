#!/usr/bin/env python3
"""The editorial workflow end to end through the real `sos` command and the
four real daemons: tools, panel keys, takes (a skip, an amendment), a
finalize, a comparison, the pull; then the errors a user gets."""
import json
import os
import subprocess

from harness import Cluster, main, wait_for

PERSONAS = ["Builder", "Skeptic", "Futurist", "Founder", "Creator"]


def setup_panel(c):
    keys = {}
    for p in PERSONAS:
        path = os.path.join(c.home, p.lower() + ".key")
        pub = c.sos("keygen", "--out", path).stdout.strip()
        assert len(pub) == 64, pub
        assert oct(os.stat(path).st_mode & 0o777) == "0o600"
        c.sos("panel", "add", "--persona", p, "--key", path + ".pub", "--name", p + " reviewer")
        keys[p] = path
    listed = c.sos_json("panel", "list")
    assert sorted(k["persona"] for k in listed) == sorted(PERSONAS), listed
    return keys


def submit(c, name, tagline="best for tests"):
    return c.sos_json("tool", "submit", "--name", name, "--tagline", tagline, "--category",
                      "Developer Tools", "--tier", "Free", "--pricing", "Free",
                      "--vendor", "Test Co", "--description", "A tool.")


def take(c, keys, tool, persona, score, verdict, text="A considered take.", revision=1,
         key=None, check=True, extra=()):
    return c.sos("take", "file", "--key", key or keys[persona], "--tool", tool, "--persona",
                 persona, "--score", str(score), "--" + verdict, "--text", text, "--revision",
                 str(revision), *extra, check=check)


def pulled(c):
    return c.sos_json("pull")


def test_workflow(build):
    c = Cluster(build)
    try:
        c.start_all()
        a = submit(c, "Alpha Coder (7B)")
        b = submit(c, "Beta Vision")
        assert a["id"] == "alpha-coder-7b" and b["id"] == "beta-vision", (a, b)
        keys = setup_panel(c)

        # Alpha: a skip, then an amendment of Builder, then the editor finalizes.
        take(c, keys, "alpha-coder-7b", "Builder", 82, "ship")
        take(c, keys, "alpha-coder-7b", "Skeptic", 45, "skip")
        take(c, keys, "alpha-coder-7b", "Futurist", 80, "ship")
        take(c, keys, "alpha-coder-7b", "Builder", 90, "ship", text="Amended.", revision=2)
        listed = c.sos_json("take", "list", "alpha-coder-7b")
        assert len(listed["takes"]) == 4 and not listed["closed"], listed
        assert all(t["signed"]["verified"] for t in listed["takes"])
        prov = c.sos_json("verdict", "show", "alpha-coder-7b")
        assert prov["final"] is False and prov["verdict"]["ship"] == 2, prov
        c.sos("verdict", "finalize", "alpha-coder-7b")

        # Beta: four personas reach the quorum and close it by themselves.
        for p, s, v in [("Builder", 80, "ship"), ("Skeptic", 75, "ship"),
                        ("Futurist", 70, "skip"), ("Founder", 60, "skip")]:
            take(c, keys, "beta-vision", p, s, v)
        cmp = c.sos_json("compare", "create", "alpha-coder-7b", "beta-vision")
        assert cmp["slug"] == "alpha-coder-7b-vs-beta-vision", cmp

        out = wait_for(lambda: (lambda o: o if len(o["items"]) == 3 else None)(pulled(c)),
                       what="two verdicts and a comparison published")
        assert out["verified"] is True
        items = out["items"]
        verdicts = {i["tool"]["id"]: i for i in items if i["type"] == "verdict"}
        va, vb = verdicts["alpha-coder-7b"]["verdict"], verdicts["beta-vision"]["verdict"]
        assert (va["label"], va["ship"], va["skip"], va["ship_pct"]) == ("Ship", 2, 1, 67), va
        assert abs(va["mean_score"] - 71.67) < 1e-9, va  # (90 + 45 + 80) / 3
        assert va["rule"] == "editor" and va["summary"] == "Ship \u00b7 2 ship / 1 skip"
        scores = sorted(t["score"] for t in verdicts["alpha-coder-7b"]["takes"])
        assert scores == [45, 80, 90], scores  # the amendment counts, not revision 1
        assert (vb["label"], vb["ship"], vb["skip"], vb["ship_pct"]) == ("Split", 2, 2, 50), vb
        assert abs(vb["mean_score"] - 71.25) < 1e-9 and vb["rule"] == "quorum:4", vb
        for v in verdicts.values():
            assert v["verdict"]["signed"]["verified"] is True
            assert all(t["signed"]["verified"] for t in v["takes"])
            assert len(v["verdict"]["take_hashes"]) == len(v["takes"])
        assert items[-1]["type"] == "comparison"
        assert items[-1]["comparison"]["slug"] == "alpha-coder-7b-vs-beta-vision"
        seqs = [i["seq"] for i in items]
        assert seqs == sorted(seqs) and len(set(seqs)) == 3
        assert pulled(c)["items"] == items  # pulling again gives the same, in order
        assert c.sos_json("pull", "--since", str(seqs[0]))["items"] == items[1:]
        c.stop_all()  # SIGTERM: each exits 0
    finally:
        c.close()


def test_errors(build):
    c = Cluster(build)
    try:
        c.start_all()
        submit(c, "Gamma Agent")
        keys = setup_panel(c)
        cases = [
            # (what, args, exit code, a phrase the user must see)
            ("unknown tool", dict(tool="no-such-tool", persona="Builder", score=50,
                                  verdict="ship"), 65, "unknown tool 'no-such-tool'"),
            ("score above 100", dict(tool="gamma-agent", persona="Builder", score=101,
                                     verdict="ship"), 65, "0 to 100"),
            ("unknown persona", dict(tool="gamma-agent", persona="Critic", score=50,
                                     verdict="ship", key=keys["Builder"]), 65,
             "persona must be"),
            ("empty text", dict(tool="gamma-agent", persona="Builder", score=50, verdict="ship",
                                text=""), 65, "text must not be empty"),
            ("key of another persona", dict(tool="gamma-agent", persona="Builder", score=50,
                                            verdict="ship", key=keys["Skeptic"]), 77,
             "not registered for Builder"),
        ]
        for what, kw, code, phrase in cases:
            r = take(c, keys, check=False, **kw)
            assert r.returncode == code, (what, r.returncode, r.stderr)
            assert phrase in r.stderr, (what, r.stderr)
        assert c.sos_json("take", "list", "gamma-agent")["takes"] == []

        stranger = os.path.join(c.home, "stranger.key")
        c.sos("keygen", "--out", stranger)
        r = take(c, keys, "gamma-agent", "Builder", 50, "ship", key=stranger, check=False)
        assert r.returncode == 77 and "not registered" in r.stderr, r.stderr

        r = c.sos("take", "file", "--key", keys["Builder"], "--tool", "gamma-agent",
                  "--persona", "Builder", "--score", "50", "--text", "x", check=False)
        assert r.returncode == 64, r.stderr  # neither --ship nor --skip

        take(c, keys, "gamma-agent", "Builder", 70, "ship", revision=2)
        for rev in ("2", "1"):
            r = take(c, keys, "gamma-agent", "Builder", 71, "ship", revision=rev, check=False)
            assert r.returncode == 65 and "not above the stored revision 2" in r.stderr, r.stderr

        # the same take id: same content is one record, other content a conflict
        tid = "00112233445566778899aabbccddeeff"
        same = ("--take-id", tid, "--filed-at", "1700000000")
        first = take(c, keys, "gamma-agent", "Skeptic", 40, "skip", extra=same)
        again = take(c, keys, "gamma-agent", "Skeptic", 40, "skip", extra=same)
        assert first.stdout == again.stdout, (first.stdout, again.stdout)
        takes = c.sos_json("take", "list", "gamma-agent")["takes"]
        assert len(takes) == 2, takes
        r = take(c, keys, "gamma-agent", "Skeptic", 41, "skip", extra=same, check=False)
        assert r.returncode == 65 and "different request" in r.stderr, r.stderr
        assert len(c.sos_json("take", "list", "gamma-agent")["takes"]) == 2

        r = c.sos("tool", "submit", "--name", "gamma  AGENT!", "--tagline", "t", "--category",
                  "c", "--tier", "Paid", check=False)
        assert r.returncode == 65 and "gamma-agent" in r.stderr, r.stderr
        r = c.sos("tool", "submit", "--name", "Delta", "--tagline", "t", "--category", "c",
                  "--tier", "Cheap", check=False)
        assert r.returncode == 65 and "Free, Paid or Freemium" in r.stderr, r.stderr
        r = c.sos("tool", "show", "nope", check=False)
        assert r.returncode == 65 and "unknown tool" in r.stderr, r.stderr
        r = c.sos("compare", "create", "gamma-agent", "nope", check=False)
        assert r.returncode == 65 and "unknown tool 'nope'" in r.stderr, r.stderr

        c.sos("verdict", "finalize", "gamma-agent")
        r = take(c, keys, "gamma-agent", "Futurist", 90, "ship", check=False)
        assert r.returncode == 65 and "is final" in r.stderr, r.stderr
        r = c.sos("verdict", "finalize", "gamma-agent", check=False)
        assert r.returncode == 65 and "final already" in r.stderr, r.stderr

        for bad in ("", "x" * 600):  # ids the store cannot key: refused, scoring lives on
            r = c.sos("verdict", "finalize", bad, check=False)
            assert r.returncode == 65 and "tool id" in r.stderr, r.stderr
            r = c.sos("verdict", "show", bad, check=False)
            assert r.returncode == 65 and "tool id" in r.stderr, r.stderr
        assert c.procs["scoring"].poll() is None and c.procs["aggregation"].poll() is None

        c.kill("scoring")
        r = c.sos("--timeout", "100", "take", "list", "gamma-agent", check=False)
        assert r.returncode == 69 and "did not answer" in r.stderr, r.stderr
        r = c.sos("--timeout", "100", "status", check=False)
        assert r.returncode == 69 and "scoring      DOWN" in r.stdout, r.stdout
        r = c.sos("tool", "list", "--bogus", check=False)
        assert r.returncode == 64, r.returncode
        for cmd in ("keygen", "panel", "tool", "take", "verdict", "compare", "pull", "import",
                    "status"):
            r = c.sos(cmd, "--help")
            assert r.stdout.startswith("usage: sos " + cmd), (cmd, r.stdout)
        # a mistyped command or subcommand is named, the nearest one suggested
        for args, said in ((("tol", "list"), "sos: unknown command 'tol'; did you mean 'tool'?"),
                           (("take", "fiel"),
                            "sos: take: unknown subcommand 'fiel'; did you mean 'file'?")):
            r = c.sos(*args, check=False)
            assert r.returncode == 64 and r.stderr.startswith(said + "\n\nusage: sos "), r.stderr
    finally:
        c.close()


def test_listing_pages(build):
    """tool list and compare list come page by page (500 a page): 1,203 tools
    and 600 comparisons listed once each, in order, in JSON and in text."""
    c = Cluster(build)
    try:
        c.start_all()
        for part in range(3):  # a catalogue file holds at most 512 tools
            names = ["Paged Tool %04d" % i for i in range(part * 401, part * 401 + 401)]
            cat = {"version": 1, "tools": [{"name": n, "tagline": "t", "category": "c",
                                            "tier": "Free"} for n in names],
                   "takes": [], "comparisons": [{"a": names[i], "b": names[i + 1]}
                                                for i in range(0, 400, 2)]}
            path = os.path.join(c.home, "paged%d.json" % part)
            with open(path, "w") as f:
                json.dump(cat, f)
            c.sos("import", "--keys", os.path.join(c.home, "importkeys"), path)
        tools = c.sos_json("tool", "list")
        ids = [t["id"] for t in tools]
        assert len(ids) == 1203 and ids == sorted(ids) and len(set(ids)) == 1203, len(ids)
        text = c.sos("tool", "list").stdout.splitlines()
        assert [ln.split()[0] for ln in text] == ids
        comps = c.sos_json("compare", "list")
        slugs = [x["slug"] for x in comps]
        assert len(slugs) == 600 and slugs == sorted(slugs) and len(set(slugs)) == 600, len(slugs)
        assert c.sos("compare", "list").stdout.split() == slugs
    finally:
        c.close()


def test_verifiers(build):
    """[scoring] verifiers: with 0 the service thread checks each signature
    itself, with 3 the verifier threads do, and both decide alike; a bad
    value stops the daemon with EX_CONFIG (78) and says why."""
    for n in (0, 3):
        c = Cluster(build)
        try:
            c.config = os.path.join(c.home, "sos.ini")
            with open(c.config, "w") as f:
                f.write("[scoring]\nverifiers = %d\n" % n)
            c.start_all()
            with open(os.path.join(c.home, "log", "scoring.log")) as f:
                assert ("verifiers=%d" % n) in f.read()
            submit(c, "Delta Agent")
            keys = setup_panel(c)
            for p in PERSONAS[:3]:
                take(c, keys, "delta-agent", p, 70, "ship")
            r = take(c, keys, "delta-agent", "Founder", 50, "skip", key=keys["Builder"],
                     check=False)
            assert r.returncode == 77 and "not registered for Founder" in r.stderr, r.stderr
            listed = c.sos_json("take", "list", "delta-agent")["takes"]
            assert sorted(t["persona"] for t in listed) == sorted(PERSONAS[:3]), listed
        finally:
            c.close()
    c = Cluster(build)
    try:
        c.config = os.path.join(c.home, "sos.ini")
        with open(c.config, "w") as f:
            f.write("[scoring]\nverifiers = -1\n")
        r = subprocess.run([c.binary("scoring"), "--home", c.home, "--config", c.config],
                           capture_output=True, text=True, timeout=30)
        assert r.returncode == 78, (r.returncode, r.stderr)
        assert "[scoring] verifiers must be 0 to 16" in r.stderr, r.stderr
    finally:
        c.close()


def test_sample_catalogue(build):
    """The README's main job in miniature: import the sample catalogue twice."""
    c = Cluster(build)
    try:
        c.start_all()
        cat = os.path.join(os.path.dirname(__file__), "..", "..", "deploy", "catalogue.json")
        for _ in range(2):
            c.sos("import", cat)
        out = wait_for(lambda: (lambda o: o if len(o["items"]) == 7 else None)(pulled(c)),
                       what="4 verdicts and 3 comparisons")
        assert out["verified"]
        got = {i["tool"]["name"]: i["verdict"] for i in out["items"] if i["type"] == "verdict"}
        want = {  # what the seed pages show
            "Llama 4 Compact (12B)": ("Ship", 4, 0, 100),
            "Mistral Small 3.1": ("Ship", 3, 1, 75),
            "Code Llama 4 (70B & 400B)": ("Ship", 4, 0, 100),
            "Mistral 8x24B Mixture-of-Experts": ("Ship", 4, 0, 100),
        }
        for name, (label, ship, skip, pct) in want.items():
            v = got[name]
            assert (v["label"], v["ship"], v["skip"], v["ship_pct"]) == (label, ship, skip, pct)
        assert len(c.sos_json("tool", "list")) == 4
        assert c.sos("status").returncode == 0
    finally:
        c.close()


if __name__ == "__main__":
    main([test_workflow, test_listing_pages, test_errors, test_verifiers, test_sample_catalogue])
