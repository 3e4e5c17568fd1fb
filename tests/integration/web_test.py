#!/usr/bin/env python3
"""The HTTP front door (services/web) against the real daemons over ipc:
the rendered site served as files, votes and changes of vote, tallies,
every refusal with its logfmt line, the rate limits, and two gateways in
front of one community daemon. Driven over HTTP from Python; nothing
mocked."""
import json
import os
import re
import socket
import uuid

from harness import main, wait_for
from webtest import ORIGIN, VOTER, Gateway, site_cluster, wait_community


def _voter():
    return uuid.uuid4().hex


def test_static_files(build):
    c, tools = site_cluster(build)
    gw = None
    try:
        gw = Gateway(c)
        site = os.path.realpath(os.path.join(c.home, "site", "current"))
        st, hd, body = gw.request("GET", "/")
        assert st == 200 and hd["content-type"] == "text/html; charset=utf-8", (st, hd)
        with open(os.path.join(site, "index.html"), "rb") as f:
            assert body == f.read()
        want = {".html": "text/html; charset=utf-8", ".json": "application/json",
                ".css": "text/css; charset=utf-8", ".xml": "application/xml",
                ".atom": "application/atom+xml", ".txt": "text/plain; charset=utf-8",
                ".js": "text/javascript; charset=utf-8", ".svg": "image/svg+xml",
                ".png": "image/png"}
        seen = set()
        for root, _, files in os.walk(site):
            for name in files:
                ext = os.path.splitext(name)[1]
                if ext in want and ext not in seen:
                    rel = "/" + os.path.relpath(os.path.join(root, name), site)
                    st, hd, b = gw.request("GET", rel)
                    assert st == 200 and hd["content-type"] == want[ext], (rel, st, hd)
                    seen.add(ext)
        assert {".html", ".json", ".css", ".xml", ".atom", ".txt"} <= seen, seen
        # a directory: its index.html; without the slash, a redirect to it
        sub = next(d for d in sorted(os.listdir(site))
                   if os.path.isfile(os.path.join(site, d, "index.html")))
        st, hd, _ = gw.request("GET", "/" + sub + "/")
        assert st == 200, st
        st, hd, _ = gw.request("GET", "/" + sub)
        assert st == 301 and hd["location"] == "/" + sub + "/", (st, hd)
        # HEAD: the headers, no body
        st, hd, b = gw.request("HEAD", "/")
        assert st == 200 and b == b"", (st, b)
        # conditional GET
        st, hd, _ = gw.request("GET", "/index.html")
        st2, _, b2 = gw.request("GET", "/index.html", headers={"If-None-Match": hd["etag"]})
        assert st2 == 304 and b2 == b"", st2
        st3, _, _ = gw.request("GET", "/index.html",
                               headers={"If-Modified-Since": hd["last-modified"]})
        assert st3 == 304, st3
        # missing: 404.html with status 404
        st, hd, b = gw.request("GET", "/no/such/page.html")
        with open(os.path.join(site, "404.html"), "rb") as f:
            assert st == 404 and b == f.read(), st
        # traversal: refused, raw and percent-encoded
        for p in ["/../../../etc/passwd", "/%2e%2e/%2e%2e/etc/passwd", "/tools/../../x",
                  "/..%2f..%2fetc%2fpasswd"]:
            st, _, b = gw.request("GET", p)
            assert st in (400, 404) and b"root:" not in b, (p, st)
        st, _, _ = gw.request("GET", "/../../../etc/passwd")
        assert st == 400, st
        # a symlink out of the release is not followed; the state directory is not served
        os.symlink("/etc/passwd", os.path.join(site, "leak.txt"))
        st, _, b = gw.request("GET", "/leak.txt")
        assert st == 404 and b"root:" not in b, st
        st, _, _ = gw.request("GET", "/.state/data.mdb")
        assert st == 404, st
        # not GET: 405
        st, hd, _ = gw.request("DELETE", "/index.html")
        assert st == 405 and "GET" in hd["allow"], st
        assert gw.stop() == 0
    finally:
        if gw:
            gw.stop()
        c.close()


def test_votes_and_tallies(build):
    c, tools = site_cluster(build)
    gw = None
    try:
        gw = Gateway(c)
        tool = tools[0]
        wait_community(gw, tool)
        st, t = gw.tally(tool)
        assert st == 200 and t["tool"] == tool and t["total"] == 0, t
        assert t["pct"] is None and t["shown"] is False and t["min_votes"] == 3, t
        assert set(t["signed"]) >= {"payload", "signer", "signature"}, t
        st, _, r = gw.vote(tool, "ship")
        assert st == 200 and r["previous"] is None and r["changed"] is True, (st, r)
        assert r["tally"]["ship"] == 1 and r["tally"]["total"] == 1, r
        # a change of vote: the latest counts, once
        st, _, r = gw.vote(tool, "skip")
        assert st == 200 and r["previous"] == "ship" and r["changed"] is True, r
        assert (r["tally"]["ship"], r["tally"]["skip"]) == (0, 1), r
        # the same vote again: nothing moves
        st, _, r = gw.vote(tool, "skip")
        assert st == 200 and r["changed"] is False and r["tally"]["total"] == 1, r
        st, t = gw.tally(tool)
        assert (t["ship"], t["skip"], t["total"], t["pct"]) == (0, 1, 1, None), t
        # other voters: past min_votes the % shows
        for v in ("ship", "ship", "ship"):
            assert gw.vote(tool, v, voter=_voter())[0] == 200
        st, t = gw.tally(tool)
        assert (t["ship"], t["skip"], t["total"]) == (3, 1, 4), t
        assert t["shown"] is True and t["pct"] == 75, t
        # another tool's tally is its own
        st, t2 = gw.tally(tools[1])
        assert st == 200 and t2["total"] == 0, t2
        assert "event=web.vote" in gw.text() and VOTER not in gw.text()
        assert gw.stop() == 0
    finally:
        if gw:
            gw.stop()
        c.close()


def _refusal_lines(text):
    """web.refused lines written, plus those the log limiter counted."""
    n = len(re.findall(r"event=web\.refused ", text))
    n += sum(int(m) for m in re.findall(r"event=log\.suppressed of=web\.refused count=(\d+)", text))
    return n


def test_refusals(build):
    c, tools = site_cluster(build)
    gw = None
    try:
        gw = Gateway(c, "voter_burst = 3\nvoter_per_min = 1\n")
        tool = tools[0]
        wait_community(gw, tool)
        refused = 0

        def expect(got, status, error):
            nonlocal refused
            st, hd, body = got
            if isinstance(body, bytes):
                body = json.loads(body)
            assert st == status and body["error"] == error and body["what_to_do"], (got, status)
            assert hd["content-type"] == "application/json", hd
            refused += 1
            return hd

        good = json.dumps({"tool": tool, "vote": "ship", "voter": _voter()})
        jh = {"Content-Type": "application/json"}
        # first, before the log limiter holds back web.refused lines
        expect(gw.request("GET", "/api/v1/x%20status=200%20error=none"), 404, "not_found")
        expect(gw.vote(tool, "ship", origin="https://evil.example"), 403, "bad_origin")
        expect(gw.request("POST", "/api/v1/votes", good, jh), 403, "bad_origin")  # no Origin
        expect(gw.vote(tool, "ship", extra={"Sec-Fetch-Site": "cross-site"}), 403, "bad_origin")
        expect(gw.vote("no-such-tool", "ship", voter=_voter()), 404, "unknown_tool")
        expect(gw.vote("Not A Tool", "ship", voter=_voter()), 400, "bad_tool")
        expect(gw.vote(tool, "maybe", voter=_voter()), 400, "bad_vote")
        expect(gw.vote(tool, "ship", voter="1234"), 400, "bad_voter")
        expect(gw.request("POST", "/api/v1/votes", good,
                          {"Content-Type": "text/plain", "Origin": ORIGIN}), 415, "not_json")
        expect(gw.request("POST", "/api/v1/votes", "tool=x&vote=ship",
                          {"Content-Type": "application/x-www-form-urlencoded", "Origin": ORIGIN}),
               415, "not_json")
        expect(gw.request("POST", "/api/v1/votes", "{not json",
                          {"Content-Type": "application/json", "Origin": ORIGIN}), 400, "not_json")
        big = json.dumps({"tool": tool, "vote": "ship", "voter": _voter(), "pad": "x" * 2000})
        expect(gw.request("POST", "/api/v1/votes", big,
                          {"Content-Type": "application/json", "Origin": ORIGIN}),
               413, "too_large")
        expect(gw.request("GET", "/api/v1/votes"), 405, "method_not_allowed")
        expect(gw.request("GET", "/api/v1/nothing"), 404, "not_found")
        expect(gw.request("GET", "/api/v1/tally?tool=../x"), 400, "bad_tool")
        expect(gw.request("GET", "/api/v1/tally"), 400, "bad_tool")
        expect(gw.request("GET", "/api/v1/tally?tool=no-such-tool"), 404, "unknown_tool")
        # the voter token's budget: 3 at once, then 429 with Retry-After
        v = _voter()
        for i in range(3):
            assert gw.vote(tools[i % len(tools)], "ship", voter=v)[0] == 200
        hd = expect(gw.vote(tools[0], "skip", voter=v), 429, "rate_limited")
        assert int(hd["retry-after"]) >= 1, hd
        # another voter is not held back
        assert gw.vote(tools[0], "skip", voter=_voter())[0] == 200
        # none of the refused votes counted: 3 + 1 from the last two voters
        st, t = gw.tally(tools[0])
        assert st == 200 and t["total"] == 2, t  # v's first ship, the last skip
        assert gw.stop() == 0
        text = gw.text()
        assert _refusal_lines(text) == refused, (refused, _refusal_lines(text), text[-3000:])
        for e in ("bad_origin", "unknown_tool", "not_json"):
            assert "error=" + e in text, e
        assert "127.0.0.1" not in re.sub(r"listen=\S+|url=\S+", "", text)  # no raw address
        assert "error=none" not in text  # a path cannot write log fields
    finally:
        if gw:
            gw.stop()
        c.close()


def test_prefix_limits_behind_proxy(build):
    c, tools = site_cluster(build)
    gw = None
    try:
        gw = Gateway(c, "trusted_proxies = 127.0.0.1\nprefix_burst = 4\nprefix_per_min = 1\n"
                        "prefix56_burst = 6\nprefix56_per_min = 1\n")
        tool = tools[0]
        wait_community(gw, tool)

        def vote_from(addr):
            return gw.vote(tool, "ship", voter=_voter(),
                           extra={"X-Forwarded-For": "6.6.6.6, " + addr})[0]
        # IPv4: one /24 has 4; the next /24 its own 4
        assert [vote_from("198.51.100.%d" % i) for i in range(1, 6)] == [200] * 4 + [429]
        assert vote_from("198.51.101.1") == 200
        # IPv6: each /64 has 4, the /56 around them 6
        got = [vote_from("2001:db8:0:1%d::%d" % (i // 4, i)) for i in range(8)]
        assert got == [200] * 4 + [200, 200, 429, 429], got
        assert vote_from("2001:db8:0:200::1") == 200  # another /56
        # a peer that is not a trusted proxy cannot pick its address
        gw2 = Gateway(c, "prefix_burst = 2\nprefix_per_min = 1\n")
        got = [gw2.vote(tool, "ship", voter=_voter(),
                        extra={"X-Forwarded-For": "203.0.113.%d" % i})[0] for i in range(3)]
        assert got == [200, 200, 429], got
        assert gw2.stop() == 0
        assert gw.stop() == 0
    finally:
        if gw:
            gw.stop()
        c.close()


def test_two_gateways(build):
    c, tools = site_cluster(build)
    a = b = None
    try:
        a, b = Gateway(c), Gateway(c)
        tool = tools[2]
        wait_community(a, tool)
        v = _voter()
        assert a.vote(tool, "ship", voter=v)[0] == 200
        st, t = b.tally(tool)
        assert st == 200 and t["ship"] == 1, t
        # a change through the other gateway is the same voter's change
        st, _, r = b.vote(tool, "skip", voter=v)
        assert st == 200 and r["previous"] == "ship", r
        st, t = a.tally(tool)
        assert (t["ship"], t["skip"], t["total"]) == (0, 1, 1), t
        assert a.stop() == 0 and b.stop() == 0
    finally:
        for g in (a, b):
            if g:
                g.stop()
        c.close()


def test_curve_gateway(build):
    """community on tcp with CURVE: a gateway whose key the access list
    holds as `gateway` votes; one with an unlisted key gets 503."""
    run_ports = []
    for _ in range(2):
        s = socket.socket()
        s.bind(("127.0.0.1", 0))
        run_ports.append(s.getsockname()[1])
        s.close()
    c, tools = site_cluster(build, "min_votes = 3\n")
    gw = gw2 = None
    try:
        keys = os.path.join(c.home, "keys")
        c.kill("community")
        with open(c.config, "a") as f:  # later keys win (inih: the last value)
            f.write("[community]\napi = tcp://127.0.0.1:%d\nevents = tcp://127.0.0.1:%d\n"
                    % tuple(run_ports))
            # the defaults conf.h gives, spelled out
            f.write("transport_key = %s/community.curve\nserver_key = %s/community.curve.pub\n"
                    % (keys, keys))
        c.sos("keygen", "--only", "transport", "--out", os.path.join(keys, "web"))
        c.sos("keygen", "--only", "transport", "--out", os.path.join(c.home, "stranger"))
        with open(os.path.join(keys, "web.curve.pub")) as f:
            pub = f.read().split()[0]
        with open(os.path.join(keys, "access"), "a") as f:
            f.write("gateway %s\n" % pub)
        c.start("community")
        wait_for(lambda: os.path.exists(os.path.join(keys, "community.curve.pub")),
                 what="community's transport key")
        gw = Gateway(c)
        try:
            wait_community(gw, tools[0])
        except AssertionError:
            raise AssertionError(c.logs() + gw.text()[-1500:])
        assert gw.vote(tools[0], "ship", voter=_voter())[0] == 200
        gw2 = Gateway(c, "transport_key = %s\ncommunity_timeout_ms = 200\n"
                      % os.path.join(c.home, "stranger.curve"))
        st, _, body = gw2.vote(tools[0], "ship", voter=_voter())
        assert st == 503 and body["error"] == "unavailable", (st, body)
        assert gw.stop() == 0 and gw2.stop() == 0
    finally:
        for g in (gw, gw2):
            if g:
                g.stop()
        c.close()


if __name__ == "__main__":
    main([test_static_files, test_votes_and_tallies, test_refusals,
          test_prefix_limits_behind_proxy, test_two_gateways, test_curve_gateway])
