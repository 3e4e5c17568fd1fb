#!/usr/bin/env python3
"""The sample catalogue: valid against its JSON Schema, the schema refuses
bad records, and every tool and take matches the publication's seed pages
(../shared/seeds beside the checkout) byte for byte."""
import copy
import glob
import json
import os
import re
import sys

from jsonschema import Draft202012Validator, FormatChecker

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
CATALOGUE = os.path.join(ROOT, "deploy", "catalogue.json")
SCHEMA = os.path.join(ROOT, "schemas", "catalogue.schema.json")
SEEDS = os.environ.get("SOS_SEEDS", os.path.join(ROOT, "..", "shared", "seeds"))


def load():
    with open(CATALOGUE, encoding="utf-8") as f:
        cat = json.load(f)
    with open(SCHEMA, encoding="utf-8") as f:
        schema = json.load(f)
    Draft202012Validator.check_schema(schema)
    return cat, Draft202012Validator(schema, format_checker=FormatChecker())


def test_schema():
    cat, v = load()
    errors = [e.message for e in v.iter_errors(cat)]
    assert not errors, errors
    bad = {
        "score 101": lambda c: c["takes"][0].update(score=101),
        "score 80.5": lambda c: c["takes"][0].update(score=80.5),
        "verdict Ship": lambda c: c["takes"][0].update(verdict="Ship"),
        "persona Critic": lambda c: c["takes"][0].update(persona="Critic"),
        "empty text": lambda c: c["takes"][0].update(text=""),
        "unknown key": lambda c: c["takes"][0].update(extra=1),
        "tier free": lambda c: c["tools"][0].update(tier="free"),
        "empty name": lambda c: c["tools"][0].update(name=""),
        "revision 0": lambda c: c["takes"][0].update(revision=0),
        "revision -1": lambda c: c["takes"][0].update(revision=-1),
        "revision 1.5": lambda c: c["takes"][0].update(revision=1.5),
        "revision '2'": lambda c: c["takes"][0].update(revision="2"),
        "revision 1000001": lambda c: c["takes"][0].update(revision=1000001),
        "filed_at -1": lambda c: c["takes"][0].update(filed_at=-1),
        "filed_at 2^63": lambda c: c["takes"][0].update(filed_at=2**63),
        "unknown top-level key": lambda c: c.update(panel=[]),
        "version 2": lambda c: c.update(version=2),
    }
    for what, mutate in bad.items():
        c = copy.deepcopy(cat)
        mutate(c)
        assert not v.is_valid(c), "schema accepted " + what


def test_matches_seeds():
    cat, _ = load()
    pages = {}
    for f in sorted(glob.glob(os.path.join(SEEDS, "*.txt"))):
        with open(f, encoding="utf-8") as fh:
            pages[f] = fh.read()
    assert pages, "no seed pages found in " + SEEDS
    names = [t["name"] for t in cat["tools"]]
    seen_takes = 0
    for f, s in pages.items():
        a, b = s.split("\n", 1)[0][len("Compare/"):].split(" vs ")
        assert a in names and b in names, (f, a, b)
        assert {"a": a, "b": b} in cat["comparisons"], (f, a, b)
        for t in cat["tools"]:
            if t["name"] not in (a, b):
                continue
            card = "\n\n%s\n\n%s\n\n%s\n\n" % (t["category"], t["name"], t["tagline"])
            assert card in s, (f, t["name"], "card")
            assert "\n\n%s\n\nEntry\n\n%s\n\n" % (t["tier"], t["description"]) in s, (f, t["name"])
            assert "\n%s\n" % t["pricing"] in s, (f, t["name"], "pricing")
        sc = s[s.index("Reviewer scorecard"):s.index("Weekly AI Tool Verdicts")]
        parts = re.split(r"\n(Builder|Skeptic|Futurist|Founder|Creator)\n", sc)
        sections = dict(zip(parts[1::2], parts[2::2]))
        for persona, sect in sections.items():
            entries = re.findall(r"(No panel take|\d+/100 · (?:ship|skip)\n\n[^\n]+)", sect)
            assert len(entries) == 2, (f, persona, entries)
            for side, tool in enumerate((a, b)):
                takes = [t for t in cat["takes"] if t["tool"] == tool and t["persona"] == persona]
                if entries[side] == "No panel take":
                    assert not takes, (f, tool, persona)
                    continue
                assert len(takes) == 1, (f, tool, persona, takes)
                tk = takes[0]
                assert entries[side] == "%d/100 · %s\n\n%s" % (tk["score"], tk["verdict"],
                                                               tk["text"]), (f, tool, persona)
                seen_takes += 1
    # every take of the catalogue appears on some page
    assert seen_takes >= len(cat["takes"]), (seen_takes, len(cat["takes"]))


if __name__ == "__main__":
    passed = failed = 0
    for t in (test_schema, test_matches_seeds):
        try:
            t()
            passed += 1
            print("PASS", t.__name__)
        except Exception as e:  # noqa: BLE001
            failed += 1
            print("FAIL %s: %r" % (t.__name__, e))
    print("%d passed, %d failed" % (passed, failed))
    sys.exit(1 if failed else 0)
