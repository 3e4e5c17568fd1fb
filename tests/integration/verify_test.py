#!/usr/bin/env python3
"""`sos verify`: a rendered site checked offline against its own signatures.

A fresh render and an incremental one verify clean (and a --full re-render
from the saved state gives the same bytes); every tamper of a copy of the
release (cp -a, then one edit) is caught with a line naming the tampered
file, the right reason and the right exit code (77 for signatures, hashes
and signers, 65 for content); hostile text verifies clean and never reaches
a page raw."""
import atexit
import json
import os
import re
import shutil
import subprocess
import tempfile

from harness import Cluster, main, wait_for

HERE = os.path.dirname(os.path.abspath(__file__))
CATALOGUE = os.path.join(HERE, "..", "..", "deploy", "catalogue.json")
EX_DATAERR, EX_NOINPUT, EX_NOPERM, EX_USAGE = 65, 66, 77, 64

TOOL = "mistral-small-3-1"  # Builder 80, Skeptic 45 (skip), Futurist 80, Creator 80
OTHER = "code-llama-4-70b-400b"
CMP = "llama-4-compact-12b-vs-mistral-small-3-1"  # shows Llama's Builder take, 82/100

_tmp = tempfile.mkdtemp(prefix="sos-verify-it-")
atexit.register(shutil.rmtree, _tmp, True)
_sample = {}


def published(c, n):
    return wait_for(lambda: (lambda o: o if len(o["items"]) >= n else None)(c.sos_json("pull")),
                    what="%d publications" % n)


def sample(build):
    """The sample catalogue rendered once; the daemons are gone afterwards:
    verify needs nothing but the files (and the public key for --key)."""
    if not _sample:
        c = Cluster(build)
        try:
            c.start_all()
            c.sos("import", CATALOGUE)
            published(c, 7)
            out = os.path.join(_tmp, "sample")
            c.sos("render", "--out", out)
            pub = os.path.join(_tmp, "aggregation.key.pub")
            shutil.copy(os.path.join(c.home, "keys", "aggregation.key.pub"), pub)
            other = os.path.join(_tmp, "other.key")
            c.sos("keygen", "--out", other)
        finally:
            c.close()
        _sample.update(build=os.path.abspath(build), out=out, pub=pub, other=other + ".pub")
    return _sample


def verify(build, *args):
    home = os.path.join(_tmp, "home")  # sos reads a config; verify uses none of it
    os.makedirs(home, exist_ok=True)
    return subprocess.run([os.path.join(build, "clients", "sos"), "--home", home, "verify"] +
                          list(args), capture_output=True, text=True, timeout=60)


def clean(r, tools, cmps, files=None):
    assert r.returncode == 0, (r.returncode, r.stdout, r.stderr)
    m = re.search(r"^verified (\d+) tools, (\d+) comparisons, (\d+) files$", r.stdout, re.M)
    assert m and (int(m.group(1)), int(m.group(2))) == (tools, cmps), r.stdout
    assert files is None or int(m.group(3)) == files, r.stdout
    assert "FAILED" not in r.stdout, r.stdout


def read(path):
    with open(path, encoding="utf-8") as f:
        return f.read()


def write(path, text):
    with open(path, "w", encoding="utf-8") as f:
        f.write(text)


def copy_release(s):
    """A writable copy of the current release, made as an operator would."""
    dst = tempfile.mkdtemp(prefix="tamper-", dir=_tmp)
    os.rmdir(dst)
    subprocess.run(["cp", "-a", os.path.realpath(os.path.join(s["out"], "current")), dst],
                   check=True)
    return dst


def edit(path, old, new, count=1):
    text = read(path)
    assert text.count(old) >= count, (path, old)
    write(path, text.replace(old, new, count))


def flip_hex(h, at=10):
    return h[:at] + ("0" if h[at] != "0" else "1") + h[at + 1:]


def failed(r, code, want):
    """r failed with code, and each (file, reason) in want is one of its lines."""
    assert r.returncode == code, (r.returncode, code, r.stdout, r.stderr)
    lines = r.stdout.splitlines()
    assert lines and re.match(r"^FAILED: \d+ problems?$", lines[-1]), r.stdout
    for f, reason in want:
        hit = [l for l in lines if l.startswith(f + ": ") and re.search(reason, l[len(f) + 2:])]
        assert hit, "no line %r: %r in:\n%s" % (f, reason, r.stdout)
    assert "verified " not in r.stdout, r.stdout


def tool_twin(site, tool=TOOL):
    return os.path.join(site, "tools", tool, "index.json")


# --- clean sites ------------------------------------------------------------


def test_fresh_render(build):
    s = sample(build)
    r = verify(build, s["out"])
    clean(r, 4, 3, files=32)  # 3 comparisons: a card each
    key = read(s["pub"]).strip()
    assert ("verdicts signed by %s\n" % key) in r.stdout, r.stdout
    clean(verify(build, os.path.join(s["out"], "current")), 4, 3)  # the release itself
    clean(verify(build, "--key", s["pub"], s["out"]), 4, 3)
    clean(verify(build, "--key", key, s["out"]), 4, 3)
    # a copy verifies too: nothing depends on where it lives
    clean(verify(build, copy_release(s)), 4, 3)


def test_usage(build):
    s = sample(build)
    r = verify(build, "--help")
    assert r.returncode == 0 and r.stdout.startswith("usage: sos verify"), r.stdout
    assert verify(build).returncode == EX_USAGE
    assert verify(build, s["out"], s["out"]).returncode == EX_USAGE
    assert verify(build, "--key", "nothex", s["out"]).returncode == EX_USAGE
    empty = tempfile.mkdtemp(dir=_tmp)
    r = verify(build, empty)
    assert r.returncode == EX_NOINPUT and "index.json" in r.stderr, (r.returncode, r.stderr)
    r = verify(build, os.path.join(_tmp, "no-such-dir"))
    assert r.returncode == EX_NOINPUT, r.returncode


def test_incremental_render(build):
    c = Cluster(build)
    try:
        c.start_all()
        c.sos("import", CATALOGUE)
        published(c, 7)
        out = os.path.join(c.home, "site")
        c.sos("render", "--out", out)
        clean(verify(build, out), 4, 3)
        # A tool whose comparison's slug sorts before the older comparisons of
        # the tool it is compared with, but is published after them: its
        # place in "Compared with" must not depend on how the model was fed.
        c.sos("tool", "submit", "--name", "Aardvark Coder", "--tagline", "t", "--category", "c",
              "--tier", "Paid")
        for p, score, verdict in (("builder", 70, "ship"), ("skeptic", 41, "skip"),
                                  ("futurist", 66, "ship"), ("founder", 50, "skip")):
            c.sos("take", "file", "--key", os.path.join(c.home, "keys", "panel", p + ".key"),
                  "--tool", "aardvark-coder", "--persona", p.capitalize(), "--score",
                  str(score), "--" + verdict, "--text", "fine")
        c.sos("compare", "create", "aardvark-coder", "mistral-8x24b-mixture-of-experts")
        published(c, 9)
        r = c.sos("render", "--out", out)
        assert "incremental" in r.stdout, r.stdout
        clean(verify(build, out), 5, 4, files=37)
        page = read(os.path.join(out, "current", "tools", "mistral-8x24b-mixture-of-experts",
                                 "index.html"))
        links = re.findall(r'compare/([a-z0-9-]+)/index\.html', page)
        assert links[-1] == "aardvark-coder-vs-mistral-8x24b-mixture-of-experts", links
        # a full re-render from the saved state makes the same bytes
        before = os.path.realpath(os.path.join(out, "current"))
        c.sos("render", "--out", out, "--full")
        after = os.path.realpath(os.path.join(out, "current"))
        assert after != before
        r = subprocess.run(["diff", "-r", before, after], capture_output=True, text=True)
        assert r.returncode == 0, r.stdout
        clean(verify(build, out), 5, 4)
        r = verify(build, "--key", os.path.join(c.home, "keys", "aggregation.key.pub"), out)
        clean(r, 5, 4)
        # --json: one object on stdout, nothing else there
        j = json.loads(c.sos("render", "--out", out, "--json").stdout)
        assert j["up_to_date"] is True and j["cursor"] == 9 and j["out"] == out, j
    finally:
        c.close()


def test_json(build):
    """--json: the same verdict as one object, with the same exit codes."""
    s = sample(build)
    r = verify(build, "--json", s["out"])
    assert r.returncode == 0, (r.returncode, r.stdout, r.stderr)
    j = json.loads(r.stdout)
    assert j == {"ok": True, "signer": read(s["pub"]).strip(), "tools": 4, "comparisons": 3,
                 "files": j["files"], "problems": []}, j
    assert j["files"] > 20, j
    site = copy_release(s)
    edit(tool_twin(site), '"score": 80,', '"score": 81,')
    r = verify(build, site, "--json")
    assert r.returncode == EX_DATAERR, (r.returncode, r.stdout, r.stderr)
    j = json.loads(r.stdout)
    assert j["ok"] is False and len(j["problems"]) >= 2, j
    assert {"file": "tools/%s/index.json" % TOOL,
            "reason": "take 1 (Builder) score 81 differs from the signed take (80)"} in j["problems"], j


# --- tampers, each on a copy of the release ---------------------------------


def test_tamper_score(build):
    s = sample(build)
    site = copy_release(s)
    edit(tool_twin(site), '"score": 80,', '"score": 81,')
    failed(verify(build, site), EX_DATAERR, [
        ("tools/%s/index.json" % TOOL,
         r"^take 1 \(Builder\) score 81 differs from the signed take \(80\)$"),
        ("tools/%s/index.json" % TOOL, r"^differs from the signed data at line \d+$")])


def test_tamper_take_signature(build):
    s = sample(build)
    site = copy_release(s)
    j = json.loads(read(tool_twin(site)))
    sig = j["takes"][1]["signed"]["signature"]
    edit(tool_twin(site), sig, flip_hex(sig))
    failed(verify(build, site), EX_NOPERM, [
        ("tools/%s/index.json" % TOOL, r"^take 2 \(Skeptic\) signature does not verify$")])


def test_tamper_verdict_signature(build):
    s = sample(build)
    site = copy_release(s)
    sig = json.loads(read(tool_twin(site)))["verdict"]["signed"]["signature"]
    edit(tool_twin(site), sig, flip_hex(sig, 100))
    failed(verify(build, site), EX_NOPERM, [
        ("tools/%s/index.json" % TOOL, r"^verdict signature does not verify$")])


def test_tamper_comparison_page(build):
    s = sample(build)
    site = copy_release(s)
    page = os.path.join(site, "compare", CMP, "index.html")
    lines = read(page).split("\n")
    line = next(i for i, l in enumerate(lines, 1) if "82/100" in l)
    edit(page, "82/100", "92/100")
    failed(verify(build, site), EX_DATAERR, [
        ("compare/%s/index.html" % CMP, r"^differs from the signed data at line %d$" % line)])


def test_tamper_tagline(build):
    s = sample(build)
    site = copy_release(s)
    tagline = json.loads(read(tool_twin(site)))["tool"]["tagline"]
    edit(tool_twin(site), json.dumps(tagline, ensure_ascii=False)[:-1],
         json.dumps(tagline, ensure_ascii=False)[:-1] + " and more")
    failed(verify(build, site), EX_DATAERR, [
        ("tools/%s/index.json" % TOOL, r"^tool tagline differs from the signed tool record$")])


def test_tamper_removed_page(build):
    s = sample(build)
    site = copy_release(s)
    os.unlink(os.path.join(site, "compare", CMP, "index.html"))
    failed(verify(build, site), EX_DATAERR, [
        ("compare/%s/index.html" % CMP, r"^is missing")])
    site = copy_release(s)
    os.unlink(tool_twin(site, OTHER))
    failed(verify(build, site), EX_DATAERR, [
        ("tools/%s/index.json" % OTHER, r"^is missing")])


def test_tamper_extra_page(build):
    s = sample(build)
    site = copy_release(s)
    write(os.path.join(site, "tools", TOOL, "notes.html"), "<p>hello</p>\n")
    failed(verify(build, site), EX_DATAERR, [
        ("tools/%s/notes.html" % TOOL, r"^is not part of the site the signed data makes$")])
    # a crafted name cannot print a line of its own
    site = copy_release(s)
    write(os.path.join(site, "x\nindex.html: fine"), "")
    r = verify(build, site)
    failed(r, EX_DATAERR, [(r"x\x0aindex.html", r"^fine: is not part of the site")])
    assert "index.html: fine" not in r.stdout.splitlines(), r.stdout


def test_tamper_site_files(build):
    """robots.txt, 404.html, the favicon, the sitemap's lastmod and the
    comparisons' cards are rebuilt too: an edit to any of them is caught,
    and so is a missing one."""
    s = sample(build)
    for rel, old, new in (
            ("robots.txt", "Allow: /", "Disallow: /"),
            ("404.html", "Page not found</h1>", "Gone fishing</h1>"),
            ("how-we-review/index.html", "four of the five", "three of the five"),
            ("assets/favicon.svg", "#16181d", "#ff0000"),
            ("sitemap.xml", "<lastmod>20", "<lastmod>19"),
            ("feed.atom", "Which AI Tool Should You Ship?", "Which AI Tool Should You Skip?")):
        site = copy_release(s)
        edit(os.path.join(site, rel), old, new)
        failed(verify(build, site), EX_DATAERR, [(rel, r"^differs from the signed data")])
    site = copy_release(s)
    os.unlink(os.path.join(site, "robots.txt"))
    failed(verify(build, site), EX_DATAERR, [("robots.txt", r"^is missing")])
    # two comparisons' cards swapped (each a valid card, of the other
    # comparison), then one cut short: `sos verify` exits 65 on each
    site = copy_release(s)
    cards = sorted(os.path.relpath(os.path.join(d, "card.png"), site)
                   for d, _, fs in os.walk(os.path.join(site, "compare")) if "card.png" in fs)
    assert len(cards) == 3, cards
    data = []
    for rel in cards[:2]:
        with open(os.path.join(site, rel), "rb") as f:
            data.append(f.read())
    for rel, d in zip(cards[:2], reversed(data)):
        with open(os.path.join(site, rel), "wb") as f:
            f.write(d)
    failed(verify(build, site), EX_DATAERR,
           [(rel, r"^is not the card the signed verdicts draw$") for rel in cards[:2]])
    site = copy_release(s)
    with open(os.path.join(site, cards[2]), "r+b") as f:
        f.truncate(len(data[0]) // 2)
    failed(verify(build, site), EX_DATAERR,
           [(cards[2], r"^does not decode as a PNG \(a card is a 1200x630 PNG\)$")])


def test_tamper_dates(build):
    """Issue 14: the dates a page shows are signed data too. A changed
    "Updated", "Verdict published" or take "Filed" date (its datetime or
    only the text a reader sees) on a comparison or tool page is caught."""
    s = sample(build)
    cmp_page = os.path.join("compare", CMP, "index.html")
    tool_page = os.path.join("tools", TOOL, "index.html")
    for rel, pattern in (
            (cmp_page, r'Updated <time datetime="(\d{4})'),
            (cmp_page, r'Verdict published <time datetime="[^"]+">\d+ \w+ (\d{4})<'),
            (tool_page, r'Filed <time datetime="(\d{4})'),
            (tool_page, r'Filed <time datetime="[^"]+">\d+ \w+ (\d{4})<')):
        site = copy_release(s)
        path = os.path.join(site, rel)
        text = read(path)
        m = re.search(pattern, text)
        assert m, (rel, pattern)
        year = m.group(1)
        line = text.count("\n", 0, m.start(1)) + 1
        write(path, text[:m.start(1)] + str(int(year) - 1) + text[m.end(1):])
        failed(verify(build, site), EX_DATAERR, [
            (rel, r"^differs from the signed data at line %d$" % line)])


def test_tamper_swapped_take(build):
    s = sample(build)
    # an extra take, validly signed, but from another tool's panel
    site = copy_release(s)
    mine, other = json.loads(read(tool_twin(site))), json.loads(read(tool_twin(site, OTHER)))
    mine["takes"].append(other["takes"][0])
    write(tool_twin(site), json.dumps(mine, indent=2, ensure_ascii=False) + "\n")
    failed(verify(build, site), EX_NOPERM, [
        ("tools/%s/index.json" % TOOL, r"^take 5 \(Builder\) is not one the verdict lists$"),
        ("tools/%s/index.json" % TOOL, r"^the verdict lists 4 takes, 5 are shown$")])
    # a take's signed payload (and envelope) replaced by another tool's
    site = copy_release(s)
    mine["takes"] = mine["takes"][:4]
    mine["takes"][0]["signed"] = other["takes"][0]["signed"]
    write(tool_twin(site), json.dumps(mine, indent=2, ensure_ascii=False) + "\n")
    failed(verify(build, site), EX_NOPERM, [
        ("tools/%s/index.json" % TOOL, r"^take 1 \(Builder\) is not one the verdict lists$"),
        ("tools/%s/index.json" % TOOL, r"^the verdict lists take 1 of 4, which is not shown$")])


def test_tamper_hash(build):
    s = sample(build)
    site = copy_release(s)
    h = json.loads(read(tool_twin(site)))["takes"][2]["signed"]["hash"]
    edit(tool_twin(site), '"hash": "%s"' % h, '"hash": "%s"' % flip_hex(h))
    failed(verify(build, site), EX_NOPERM, [
        ("tools/%s/index.json" % TOOL, r"^take 3 \(Futurist\) hash does not match its payload$")])


def test_wrong_key(build):
    s = sample(build)
    r = verify(build, "--key", s["other"], s["out"])
    signer = read(s["pub"]).strip()
    failed(r, EX_NOPERM, [("tools/%s/index.json" % t, r"^verdict signed by %s, not by the --key$"
                           % signer) for t in (TOOL, OTHER)])


def test_tamper_index_rows(build):
    """The index pages (index.html, compare/index.html, tools/index.html)
    and their twins are rebuilt from the signed verdicts too: a row whose
    verdict summary, answer, date, order or search data is changed fails,
    naming the file and the line."""
    s = sample(build)
    mistral = "Mistral Small 3.1: <span class=\"badge ship\">Ship \u00b7 3 ship / 1 skip</span>"
    for rel, old, new in (
            ("index.html", mistral, mistral.replace("3 ship / 1 skip", "4 ship / 0 skip")),
            ("compare/index.html", mistral, mistral.replace("badge ship\">Ship", "badge skip\">Skip")),
            ("compare/index.html", "The panel ships both", "The panel skips both"),
            ("tools/index.html", "<td data-label=\"Panel ship\">75%</td>",
             "<td data-label=\"Panel ship\">100%</td>"),
            ("tools/index.html", "<time datetime=\"20", "<time datetime=\"19"),
            ("index.html", "\"q\":\"Mistral Small 3.1", "\"q\":\"Mistral Large 3.1"),
            ("compare/index.json", "3 ship / 1 skip", "4 ship / 0 skip"),
            ("tools/index.json", "\"ship_pct\": 75", "\"ship_pct\": 100")):
        site = copy_release(s)
        path = os.path.join(site, rel)
        line = next(i for i, l in enumerate(read(path).split("\n"), 1) if old in l)
        edit(path, old, new)
        failed(verify(build, site), EX_DATAERR, [
            (rel, r"^differs from the signed data at line %d$" % line)])
    # two rows swapped: the order is checked too
    site = copy_release(s)
    path = os.path.join(site, "tools", "index.html")
    lines = read(path).split("\n")
    rows = [i for i, l in enumerate(lines) if l.startswith("<tr data-key=")]
    assert len(rows) == 4, rows
    lines[rows[0]], lines[rows[1]] = lines[rows[1]], lines[rows[0]]
    write(path, "\n".join(lines))
    failed(verify(build, site), EX_DATAERR, [
        ("tools/index.html", r"^differs from the signed data at line %d$" % (rows[0] + 1))])
    # and a missing index page is reported
    site = copy_release(s)
    os.unlink(os.path.join(site, "compare", "index.html"))
    failed(verify(build, site), EX_DATAERR, [("compare/index.html", r"^is missing")])


# --- hostile text ------------------------------------------------------------

HOSTILE = {
    "version": 1,
    "tools": [
        {"name": "Script Kiddie", "vendor": "<b>V</b>", "tagline": "best for </script> fans",
         "category": "Dev", "tier": "Free", "pricing": "Free",
         "description": "A tool </script><script>alert(2)</script> with <!-- tricks",
         "link": ""},
        {"name": "Quiet Tool", "vendor": "V", "tagline": "t", "category": "Dev", "tier": "Paid",
         "pricing": "$1", "description": "d", "link": ""},
    ],
    "takes": [
        {"tool": "Script Kiddie", "persona": p, "score": 60 + i, "verdict": "ship",
         "text": "Try <script>alert(1)</script> and then </script> and \"quotes\" & 'more'"}
        for i, p in enumerate(("Builder", "Skeptic", "Futurist", "Founder"))
    ] + [
        {"tool": "Quiet Tool", "persona": p, "score": 40, "verdict": "skip", "text": "meh"}
        for p in ("Builder", "Skeptic", "Futurist", "Founder")
    ],
    "comparisons": [{"a": "Script Kiddie", "b": "Quiet Tool"}],
}


def test_hostile_text(build):
    c = Cluster(build)
    try:
        c.start_all()
        cat = os.path.join(c.home, "hostile.json")
        with open(cat, "w", encoding="utf-8") as f:
            json.dump(HOSTILE, f)
        c.sos("import", cat)
        published(c, 3)
        out = os.path.join(c.home, "site")
        c.sos("render", "--out", out)
        clean(verify(build, out), 2, 1)
        site = os.path.join(out, "current")
        seen = 0
        for d, _, names in os.walk(site):
            for n in names:
                if n.endswith(".html"):
                    doc = read(os.path.join(d, n))
                    assert "<script>alert" not in doc, os.path.join(d, n)
                    seen += 1
        assert seen == 8, seen  # index, compare/, tools/, a comparison, two tools, 404, how-we-review
        # the raw text is what was signed: the twins carry it as JSON strings
        twin = json.loads(read(os.path.join(site, "tools", "script-kiddie", "index.json")))
        assert twin["takes"][0]["text"].startswith("Try <script>alert(1)</script>"), twin
        # and a page whose escaping is undone no longer verifies
        copy = os.path.join(c.home, "copy")
        subprocess.run(["cp", "-a", os.path.realpath(site), copy], check=True)
        page = os.path.join(copy, "tools", "script-kiddie", "index.html")
        edit(page, "&lt;script&gt;alert(1)&lt;/script&gt;", "<script>alert(1)</script>")
        failed(verify(build, copy), EX_DATAERR, [
            ("tools/script-kiddie/index.html", r"^differs from the signed data at line \d+$")])
    finally:
        c.close()


if __name__ == "__main__":
    main([test_fresh_render, test_usage, test_json, test_incremental_render, test_tamper_score,
          test_tamper_take_signature, test_tamper_verdict_signature, test_tamper_comparison_page,
          test_tamper_tagline, test_tamper_removed_page, test_tamper_extra_page,
          test_tamper_site_files, test_tamper_index_rows, test_tamper_dates,
          test_tamper_swapped_take, test_tamper_hash, test_wrong_key, test_hostile_text])
