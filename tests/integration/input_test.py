#!/usr/bin/env python3
"""Loose input (issue 13, part 4) through the real `sos` and the four real
daemons: numbers parsed strictly, a filed_at far ahead refused by scoring,
sizes checked before sending, a NUL in a text file refused, and every
command's options taken after its operands as before them."""
import json
import os
import time

from harness import Cluster, main

NOW = int(time.time())


def setup(c, tool="Input Tool"):
    c.start_all()
    c.submit_tool(tool)
    keys = c.register_panel(["Builder", "Skeptic"])
    return "input-tool", keys


def take(c, keys, tool, *extra, persona="Builder", text="A considered take.", revision=1):
    args = ["take", "file", "--key", keys[persona], "--tool", tool, "--persona", persona,
            "--score", "70", "--ship", "--revision", str(revision)]
    if text is not None:
        args += ["--text", text]
    return c.sos(*args, *extra, check=False)


def no_takes(c, tool):
    listed = c.sos_json("take", "list", tool)
    assert listed["takes"] == [], listed


def test_numbers_strict(build):
    """--filed-at -1 used to be sent as 2^64 - 1, abc and 0x10 as 0, 12abc as
    12. Every number option is now decimal digits in a named range; anything
    else is 65 before a request is made, the option and its range named."""
    c = Cluster(build)
    try:
        tool, keys = setup(c)
        for bad in ("-1", "abc", "0x10", "12abc", "", " 12", "+5", "1e9", "9223372036854775808",
                    "18446744073709551615", "99999999999999999999"):
            r = take(c, keys, tool, "--filed-at", bad)
            want = ("sos: --filed-at must be a whole number of seconds (Unix time) from 0 to "
                    "9223372036854775807, not '%s'" % bad)
            assert r.returncode == 65 and want in r.stderr, (bad, r.returncode, r.stderr)
        cases = [
            (("--score", "12abc"), "--score must be a whole number from 0 to 100"),
            (("--score", "-1"), "--score must be a whole number from 0 to 100"),
            (("--score", "101"), "--score must be a whole number from 0 to 100"),
            (("--revision", "2x"), "--revision must be a whole number from 1 to 1000000"),
            (("--revision", "0"), "--revision must be a whole number from 1 to 1000000"),
            (("--revision", "-3"), "--revision must be a whole number from 1 to 1000000"),
        ]
        for extra, want in cases:
            r = take(c, keys, tool, *extra)
            assert r.returncode == 65 and want in r.stderr, (extra, r.returncode, r.stderr)
        no_takes(c, tool)
        for args, want in (
                (("pull", "--since", "-1"), "--since must be a sequence number from 0 to "
                                            "18446744073709551615, not '-1'"),
                (("pull", "--since", "abc"), "--since must be a sequence number"),
                (("pull", "--limit", "0x10"), "--limit must be a whole number of events"),
                (("--timeout", "abc", "status"), "--timeout must be a whole number of "
                                                 "milliseconds from 1 to 2147483647, not 'abc'"),
                (("--timeout", "0", "status"), "--timeout must be a whole number"),
                (("--timeout", "-5", "status"), "--timeout must be a whole number"),
                (("--timeout", "100ms", "status"), "--timeout must be a whole number")):
            r = c.sos(*args, check=False)
            assert r.returncode == 65 and want in r.stderr, (args, r.returncode, r.stderr)
        # what is accepted arrives as given, and prints unsigned
        r = take(c, keys, tool, "--filed-at", str(NOW - 7))
        assert r.returncode == 0, r.stderr
        r = take(c, keys, tool, "--filed-at", "0", persona="Skeptic")
        assert r.returncode == 0, r.stderr
        got = {t["persona"]: t["filed_at"] for t in c.sos_json("take", "list", tool)["takes"]}
        assert got == {"Builder": NOW - 7, "Skeptic": 0}, got
        assert c.sos_json("pull", "--since", "18446744073709551615")["cursor"] == \
            18446744073709551615
    finally:
        c.close()


def test_filed_at_ahead(build):
    """Scoring refuses a filed_at more than a day (86,400 s) ahead of its own
    clock, whoever signed it; an hour ahead (a skewed laptop) is fine."""
    c = Cluster(build)
    try:
        tool, keys = setup(c)
        for ahead in (86400 + 120, 30 * 86400, 9223372036854775807 - NOW):
            r = take(c, keys, tool, "--filed-at", str(NOW + ahead))
            assert r.returncode == 65, (ahead, r.returncode, r.stderr)
            assert "sos: take refused (bad_request): filed_at %d is more than a day " \
                   "(86400 s) ahead of scoring's clock" % (NOW + ahead) in r.stderr, r.stderr
        no_takes(c, tool)
        r = take(c, keys, tool, "--filed-at", str(NOW + 3600))
        assert r.returncode == 0, r.stderr
    finally:
        c.close()


def test_sizes_before_sending(build):
    """A take over the limits is refused by sos itself, before it connects:
    no 7.5 s of "did not answer" for a 1 MiB text the socket would drop.
    The generic guard in the client stub catches any request over 1 MiB
    (here through import, whose texts come from a file)."""
    c = Cluster(build)
    try:
        tool, keys = setup(c)
        big = os.path.join(c.home, "big.txt")
        with open(big, "w") as f:
            f.write("a" * (1 << 20))
        for extra in (("--text-file", big), ("--text", "b" * 100000)):
            start = time.time()
            r = take(c, keys, tool, *extra, text=None)
            took = time.time() - start
            assert r.returncode == 65, (r.returncode, r.stderr)
            assert "over the limit of 65536 bytes (64 KiB) for a signed take" in r.stderr, r.stderr
            assert "did not answer" not in r.stderr and took < 2, (took, r.stderr)
        # under the payload limit, over the text limit: that limit is named
        r = take(c, keys, tool, text="c" * 10001)
        assert r.returncode == 65, r.stderr
        assert "the take's text is 10001 bytes, over the limit of 10000 bytes" in r.stderr, \
            r.stderr
        # sos checks before it connects: the same refusal with scoring down
        c.kill("scoring")
        start = time.time()
        r = c.sos("--timeout", "2500", "take", "file", "--key", keys["Builder"], "--tool", tool,
                  "--persona", "Builder", "--score", "70", "--ship", "--text-file", big,
                  check=False)
        assert r.returncode == 65 and "65536" in r.stderr and time.time() - start < 2, r.stderr
        c.start("scoring")
        c.wait_up()
        # at the limit: filed
        r = take(c, keys, tool, text="d" * 10000)
        assert r.returncode == 0, r.stderr
        # the generic guard: a request of over 1 MiB is never sent
        cat = os.path.join(c.home, "big.json")
        with open(cat, "w") as f:
            json.dump({"version": 1,
                       "tools": [{"name": "Big Tool", "tagline": "t", "category": "c",
                                  "tier": "Free", "description": "e" * (1 << 20)}],
                       "takes": [], "comparisons": []}, f)
        start = time.time()
        r = c.sos("import", "--keys", os.path.join(c.home, "ikeys"), cat, check=False)
        assert r.returncode == 65 and time.time() - start < 2, (r.returncode, r.stderr)
        assert "sos: the request to submission is" in r.stderr and \
            "over the limit of 1048576 bytes (1 MiB); nothing was sent" in r.stderr, r.stderr
    finally:
        c.close()


def test_text_file_nul(build):
    """A NUL in --text-file used to cut the take there, silently; invalid
    UTF-8 is refused locally too (scoring would refuse it)."""
    c = Cluster(build)
    try:
        tool, keys = setup(c)
        for name, data, want in (
                ("nul.txt", b"first part\0second part",
                 "nul.txt contains a NUL byte at offset 10; takes are text"),
                ("lead.txt", b"\0", "lead.txt contains a NUL byte at offset 0"),
                ("latin1.txt", b"caf\xe9", "latin1.txt is not text"),
                ("esc.txt", b"a\x1b[31mred", "esc.txt is not text")):
            path = os.path.join(c.home, name)
            with open(path, "wb") as f:
                f.write(data)
            r = take(c, keys, tool, "--text-file", path, text=None)
            assert r.returncode == 65 and want in r.stderr, (name, r.returncode, r.stderr)
        no_takes(c, tool)
        path = os.path.join(c.home, "ok.txt")
        with open(path, "wb") as f:
            f.write("first part,\tsecond part: caf\u00e9\r\n".encode())
        r = take(c, keys, tool, "--text-file", path, text=None)
        assert r.returncode == 0, r.stderr
        assert c.sos_json("take", "list", tool)["takes"][0]["text"] == \
            "first part,\tsecond part: caf\u00e9\r\n"
    finally:
        c.close()


def test_option_order(build):
    """Every command takes its options after its operands as before them,
    and --json after the command word as before it (verify and render
    print no JSON, as before): each row's forms give the same exit code
    and, where marked, the same output byte for byte."""
    c = Cluster(build)
    try:
        tool, keys = setup(c)
        take(c, keys, tool, persona="Builder")
        take(c, keys, tool, persona="Skeptic")
        c.sos("tool", "submit", "--name", "Other Tool", "--tagline", "t", "--category", "c",
              "--tier", "Paid")
        c.sos("compare", "create", tool, "other-tool")
        c.sos("verdict", "finalize", tool)
        site = os.path.join(c.home, "site")
        c.sos("render", "--out", site)
        h = c.home
        k = keys["Builder"]
        j = "--json"
        # (forms, compare stdout?): every form of a row must agree
        rows = [
            ([["backup", "--to", h + "/b1", j], ["backup", j, "--to", h + "/b2"],
              [j, "backup", "--to", h + "/b3"]], False),
            ([["take", "list", tool, j], ["take", "list", j, tool], [j, "take", "list", tool]],
             True),
            ([["pull", "--since", "0", j], ["pull", j, "--since", "0"], ["pull", j, "-s", "0"],
              [j, "pull", "--since", "0"]], True),
            ([["pull", "--since", "0", "--limit", "1", j], ["pull", "--limit", "1", j, "-s0"]],
             True),
            ([["tool", "list", j], [j, "tool", "list"]], True),
            ([["tool", "show", tool, j], ["tool", "show", j, tool], [j, "tool", "show", tool]],
             True),
            ([["verdict", "show", tool, j], ["verdict", "show", j, tool]], True),
            ([["compare", "list", j], [j, "compare", "list"]], True),
            ([["panel", "list", j], [j, "panel", "list"]], True),
            ([["status", j], [j, "status"]], False),
            ([["verify", site, j], ["verify", j, site], [j, "verify", site]], True),
            ([["render", "--out", site, j], ["render", j, "--out", site]], False),
            ([["keygen", "--out", h + "/k1", j], ["keygen", j, "--out", h + "/k2"]], False),
            ([["keygen", "--out", h + "/k3", "--only", "signing"],
              ["keygen", "--only", "signing", "--out", h + "/k4"]], False),
            # a take's options in any order; --json at the end
            ([["take", "file", "--tool", tool, "--key", k, "--persona", "Builder", "--score",
               "60", "--ship", "--text", "later", "--revision", "2", "--take-id", "ab" * 16,
               "--filed-at", str(NOW), j],
              [j, "take", "file", "--filed-at", str(NOW), "--take-id", "ab" * 16, "--revision",
               "2", "--text", "later", "--ship", "--score", "60", "--persona", "Builder",
               "--key", k, "--tool", tool]], False),
            # misuse stays misuse whatever the order
            ([["take", "list", tool, "--bogus"], ["take", "list", "--bogus", tool]], False),
            ([["tool", "show", tool, "extra", j], ["tool", "show", j, tool, "extra"]], False),
        ]
        for forms, same_out in rows:
            runs = [c.sos(*f, check=False) for f in forms]
            rcs = [r.returncode for r in runs]
            assert len(set(rcs)) == 1, (forms, rcs, [r.stderr for r in runs])
            if same_out:
                assert all(r.stdout == runs[0].stdout for r in runs), \
                    (forms, [r.stdout for r in runs])
        assert rcs[0] == 64  # the last rows: misuse
        # the rows that succeed do so
        r = c.sos("backup", "--to", h + "/b4", j, check=False)
        assert r.returncode == 0 and len(json.loads(r.stdout)["stores"]) == 5, r.stderr
    finally:
        c.close()


if __name__ == "__main__":
    main([test_numbers_strict, test_filed_at_ahead, test_sizes_before_sending,
          test_text_file_nul, test_option_order])
