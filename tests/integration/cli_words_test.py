#!/usr/bin/env python3
"""The command line a person can use (issue 14): each error says what to do
next, through the real `sos` and the four real daemons. One case per
message: its exit code and its key words."""
import json
import os
import re

from harness import Cluster, main, wait_for

TOOL = "Mistral Small 3.1"
TOOL_ID = "mistral-small-3-1"


def _tcp_conf(c):
    """A config putting submission on tcp, so that sos loads its transport key."""
    path = os.path.join(c.home, "tcp.ini")
    with open(path, "w") as f:
        f.write("[submission]\napi = tcp://127.0.0.1:1\nserver_key = %s\n" % ("00" * 32))
    return path


def setup(c):
    c.start_all()
    c.submit_tool(TOOL)
    return c.register_panel(["Builder"])


def take(c, key, *extra, persona="Builder", tool=TOOL_ID, verdict="--ship"):
    args = ["take", "file", "--key", key, "--tool", tool, "--persona", persona, "--score", "70"]
    if verdict:
        args.append(verdict)
    return c.sos(*args, "--text", "A take.", *extra, check=False)


def expect(r, code, *words, absent=()):
    assert r.returncode == code, (code, r.returncode, r.stdout, r.stderr)
    for w in words:
        assert w in r.stderr, (w, r.stderr)
    for w in absent:
        assert w not in r.stderr, (w, r.stderr)


def test_unregistered_key(build):
    """A key not on the panel: what to send to whom, and the editor's
    command; scoring's own words after it. keygen says the same next step."""
    c = Cluster(build)
    try:
        setup(c)
        me = os.path.join(c.home, "me.key")
        r = c.sos("keygen", "--out", me)
        assert ("send %s.pub to an editor, who runs `sos panel add --persona PERSONA --key "
                "%s.pub`" % (me, me)) in r.stderr, r.stderr
        r = take(c, me, persona="Skeptic")
        expect(r, 77, "sos: take refused: this key is not on the panel for Skeptic. Send "
               "%s.pub to an editor, who runs:" % me,
               "sos panel add --persona Skeptic --key %s.pub" % me,
               "signing key is not registered for Skeptic", absent=("scoring refused",))
    finally:
        c.close()


def test_public_key_as_secret(build):
    """--key FILE.pub: the public half where the secret one is needed."""
    c = Cluster(build)
    try:
        keys = setup(c)
        r = take(c, keys["Builder"] + ".pub")
        expect(r, 66, "sos: %s.pub is a public key; use the secret key file (%s)" %
               (keys["Builder"], keys["Builder"]), absent=("chmod",))
        # the transport key too (checked before any connection is made)
        tk = keys["Builder"] + ".curve.pub"
        r = c.sos("--transport-key", tk, "--config", _tcp_conf(c), "status", check=False)
        expect(r, 78, "sos: %s is a public key; use the secret transport key file" % tk)
    finally:
        c.close()


def test_flags(build):
    """--ship with --skip is a usage error before anything is sent; a missing
    flag, or one given empty, is named alone."""
    c = Cluster(build)
    try:
        keys = setup(c)
        k = keys["Builder"]
        expect(take(c, k, "--skip"), 64, "sos: take file: give --ship or --skip, not both")
        expect(take(c, k, verdict=None), 64, "sos: take file needs --ship or --skip (")
        r = c.sos("take", "file", "--key", k, "--persona", "Builder", "--score", "70", "--ship",
                  "--text", "t", check=False)
        expect(r, 64, "sos: take file needs --tool (", absent=("--persona,", "--key,"))
        expect(take(c, "", "--tool", TOOL_ID), 64, "sos: take file needs --key (")
        expect(take(c, k, tool=""), 64, "sos: take file needs --tool (")
        expect(take(c, k, "--tool", TOOL_ID, persona=""), 64, "sos: take file needs --persona (")
        r = c.sos("take", "file", "--key", k, "--tool", TOOL_ID, "--persona", "Builder",
                  "--score", "70", "--ship", "--text-file", "", check=False)
        expect(r, 64, "needs --text or --text-file (")
        # an empty --text is given: scoring's to refuse, as workflow_test pins
        r = c.sos("take", "file", "--key", k, "--tool", TOOL_ID, "--persona", "Builder",
                  "--score", "70", "--ship", "--text", "", check=False)
        expect(r, 65, "sos: take refused (bad_request): text must not be empty")
        assert c.sos_json("take", "list", TOOL_ID)["takes"] == []
        # the same for the other commands with required options
        r = c.sos("panel", "add", "--persona", "Skeptic", check=False)
        expect(r, 64, "sos: panel add needs --key (", absent=("--persona,",))
        r = c.sos("panel", "add", "--persona", "", "--key", k + ".pub", check=False)
        expect(r, 64, "sos: panel add needs --persona (")
        expect(c.sos("keygen", "--out", "", check=False), 64, "sos: keygen needs --out FILE")
        r = c.sos("tool", "submit", "--name", "N", "--tagline", "t", "--category", "",
                  "--tier", "Free", check=False)
        expect(r, 64, "sos: tool submit needs --category (", absent=("--name,", "--tier"))
    finally:
        c.close()


def test_unknown_tool(build):
    """take list, tool show, verdict show/finalize, compare create and take
    file: an unknown tool is 65 and named, with the id meant: the slug of
    what was typed, else the nearest id."""
    c = Cluster(build)
    try:
        keys = setup(c)
        r = c.sos("take", "list", "no-such-tool", check=False)
        expect(r, 65, "sos: unknown tool 'no-such-tool' (`sos tool list` shows every id)")
        assert r.stdout == "", r.stdout
        for args in (["take", "list", TOOL], ["tool", "show", TOOL], ["verdict", "show", TOOL],
                     ["verdict", "finalize", TOOL], ["compare", "create", TOOL_ID, TOOL]):
            r = c.sos(*args, check=False)
            expect(r, 65, "sos: unknown tool '%s'; did you mean '%s'?" % (TOOL, TOOL_ID))
        r = c.sos("tool", "show", "mistral-smal-3-1", check=False)
        expect(r, 65, "unknown tool 'mistral-smal-3-1'; did you mean '%s'?" % TOOL_ID)
        expect(take(c, keys["Builder"], tool="mistral-small-31"), 65,
               "unknown tool 'mistral-small-31'; did you mean '%s'?" % TOOL_ID)
    finally:
        c.close()


def test_action_words(build):
    """Refusals name the action, not the service; a service that does not
    answer is named, with how to see and start it."""
    c = Cluster(build)
    try:
        setup(c)
        r = c.sos("verdict", "finalize", TOOL_ID, check=False)
        expect(r, 65, "sos: verdict refused (bad_request): %s has no takes" % TOOL_ID,
               absent=("scoring refused",))
        r = c.sos("tool", "submit", "--name", "mistral small 3.1", "--tagline", "t",
                  "--category", "c", "--tier", "Free", check=False)
        expect(r, 65, "sos: tool refused (conflict)", absent=("submission refused",))
        c.kill("scoring")
        r = c.sos("--timeout", "100", "take", "list", TOOL_ID, check=False)
        expect(r, 69, "scoring did not answer at",
               "is it running? `sos status` shows; `deploy/sos-up` starts it")
    finally:
        c.close()


def test_import_action_words(build):
    """`sos import` names the action too: a take in a second catalogue that
    changes a filed take's text under the same id is refused as a take, not
    as "scoring"."""
    c = Cluster(build)
    try:
        c.start_all()
        here = os.path.dirname(os.path.abspath(__file__))
        sample = os.path.join(here, "..", "..", "deploy", "catalogue.json")
        c.sos("import", sample)
        with open(sample, encoding="utf-8") as f:
            cat = json.load(f)
        cat["takes"][0]["text"] += " (edited)"
        changed = os.path.join(c.home, "changed.json")
        with open(changed, "w", encoding="utf-8") as f:
            json.dump(cat, f)
        r = c.sos("import", changed, check=False)
        expect(r, 65, "sos: take refused (conflict)", "was refused",
               absent=("scoring refused",))
    finally:
        c.close()


def test_verdict_no_takes(build):
    """No takes: no mean yet, not "mean 0.00"."""
    c = Cluster(build)
    try:
        setup(c)
        # the tool reaches aggregation through scoring's log: wait for it there
        r = wait_for(lambda: (lambda r: r if r.returncode == 0 else None)(
            c.sos("verdict", "show", TOOL_ID, check=False)), what="the tool in aggregation")
        assert "no ship share or mean yet" in r.stdout and "mean 0.00" not in r.stdout, r.stdout
    finally:
        c.close()


def test_help_exit_codes(build):
    """sos --help lists every code sos returns, 66 and 73 included."""
    c = Cluster(build)
    try:
        out = c.sos("--help").stdout
        for code in (0, 64, 65, 66, 69, 70, 71, 73, 74, 75, 76, 77, 78):
            assert re.search(r"^  %d +\S" % code, out, re.M), (code, out)
    finally:
        c.close()


def test_status_nothing_running(build):
    """Nothing running: status says how to start it."""
    c = Cluster(build)
    try:
        r = c.sos("--timeout", "100", "status", check=False)
        expect(r, 69, "nothing is running", "`deploy/sos-up` starts")
    finally:
        c.close()


def test_pull_columns(build):
    """pull's columns are as wide as the widest name: a long name does not
    push its row's summary out of line."""
    c = Cluster(build)
    try:
        keys = setup(c)
        long_name = "A Tool Whose Name Runs Well Past Twenty-Eight Characters"
        c.submit_tool(long_name)
        long_id = "a-tool-whose-name-runs-well-past-twenty-eight-characters"
        for tool in (TOOL_ID, long_id):
            assert take(c, keys["Builder"], tool=tool).returncode == 0
            c.sos("verdict", "finalize", tool)
        wait_for(lambda: len(c.sos_json("pull")["items"]) == 2, what="two verdicts published")
        lines = [ln for ln in c.sos("pull").stdout.splitlines() if " verdict " in ln]
        assert len(lines) == 2, lines
        cols = {ln.index("Ship") for ln in lines}
        assert len(cols) == 1, lines
        assert long_name in "".join(lines) and TOOL in "".join(lines), lines
    finally:
        c.close()


if __name__ == "__main__":
    main([test_unregistered_key, test_public_key_as_secret, test_flags, test_unknown_tool,
          test_action_words, test_import_action_words, test_verdict_no_takes, test_help_exit_codes,
          test_status_nothing_running, test_pull_columns])
