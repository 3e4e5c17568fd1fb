"""integration.editor: editors sign what they do (issue 15, first part).

The real daemons over ipc; `sos` signs with <home>/keys/editor.key, which
the harness makes and registers (self-signed) as deploy/sos-up does.
Editorial requests built by hand (request-id checks) are signed here with
the `cryptography` package over "shiporskip/editorial/v1\\0" || payload and
sent with BUILD/tests/integration/rawframe."""
import json
import os
import subprocess
import sys

sys.path.insert(0, os.path.dirname(__file__))
from harness import Cluster, main, wait_for  # noqa: E402

DOMAIN = b"shiporskip/editorial/v1\0"


def varint(n):
    out = b""
    while True:
        b, n = n & 0x7F, n >> 7
        if n:
            out += bytes([b | 0x80])
        else:
            return out + bytes([b])


def fld(num, data):
    """A length-delimited field (bytes, string, message)."""
    if isinstance(data, str):
        data = data.encode()
    return varint(num << 3 | 2) + varint(len(data)) + data


def fvar(num, v):
    return varint(num << 3) + varint(v)


def tool_msg(name):
    return fld(2, name) + fld(4, "t") + fld(5, "c") + fvar(6, 1)


def signed(keyfile, payload):
    """Signed{payload, signer, signature} for payload, with the sos key file."""
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
    line = open(keyfile).read().split()[-1]
    sk = bytes.fromhex(line)
    k = Ed25519PrivateKey.from_private_bytes(sk[:32])
    sig = k.sign(DOMAIN + payload)
    return fld(1, payload) + fld(2, sk[32:]) + fld(3, sig)


def raw(c, svc, frame):
    """(code, message) of svc's reply to one raw frame."""
    exe = os.path.join(c.build, "tests", "integration", "rawframe")
    ep = "ipc://%s/run/%s.api" % (c.home, svc)
    r = subprocess.run([exe, ep, frame.hex()], capture_output=True, text=True, timeout=90)
    assert r.returncode == 0, r.stderr
    code, msg = r.stdout.strip().split(" ", 1)
    return int(code.split("=")[1]), msg[len("msg="):]


def editorial_submit(c, keyfile, rid, name, issued_at=1765000000):
    """A SubmissionRequest{request_id, editorial = signed tool_submit}."""
    action = fld(1, rid) + fvar(2, issued_at) + fld(10, tool_msg(name))
    return fld(1, rid) + fld(19, signed(keyfile, action))


def keygen(c, name):
    path = os.path.join(c.home, name + ".key")
    c.sos("keygen", "--only", "signing", "--out", path)
    return path


def test_unregistered_editor_refused(build):
    c = Cluster(build)
    try:
        c.start_all()
        other = keygen(c, "other")
        r = c.sos("tool", "submit", "--name", "Stranger Tool", "--tagline", "t", "--category",
                  "c", "--tier", "Free", "--editor-key", other, check=False)
        assert r.returncode == 77, (r.returncode, r.stderr)
        assert "is not registered" in r.stderr and "sos editor add --key" in r.stderr, r.stderr
        assert "--editor-key FILE" in r.stderr, r.stderr
        # every editorial command signs: finalize too, at scoring
        c.submit_tool("Signed Tool")
        r = c.sos("verdict", "finalize", "signed-tool", "--editor-key", other, check=False)
        assert r.returncode == 77 and "is not registered" in r.stderr, (r.returncode, r.stderr)
        r = c.sos("panel", "add", "--persona", "Builder", "--key", other + ".pub",
                  "--editor-key", other, check=False)
        assert r.returncode == 77, r.stderr
        # a missing key file: its path and what to do, 66
        missing = os.path.join(c.home, "nowhere.key")
        r = c.sos("compare", "create", "a", "b", "--editor-key", missing, check=False)
        assert r.returncode == 66 and missing in r.stderr and "sos keygen" in r.stderr, r.stderr
        # a secret key others can read is refused as `take file` refuses one
        os.chmod(other, 0o644)
        r = c.sos("tool", "submit", "--name", "X", "--tagline", "t", "--category", "c",
                  "--tier", "Free", "--editor-key", other, check=False)
        assert r.returncode == 77 and "chmod 600" in r.stderr, r.stderr
        assert [t["id"] for t in c.sos_json("tool", "list")] == ["signed-tool"]
        c.stop_all()
    finally:
        c.close()


def test_unsigned_mutation_cannot_be_sent(build):
    c = Cluster(build)
    try:
        c.start_all()
        # the old SubmissionRequest.tool_submit = 12: a field no request has now
        code, msg = raw(c, "submission", fld(1, b"raw-old-1") + fld(12, tool_msg("Unsigned")))
        assert code == 1, (code, msg)  # BAD_REQUEST
        # the old ScoringRequest.panel_close = 14
        code, msg = raw(c, "scoring", fld(1, b"raw-old-2") + fld(14, "whatever"))
        assert code == 1, (code, msg)
        # an editorial envelope with a broken signature is FORBIDDEN
        frame = bytearray(editorial_submit(c, c.editor_key, b"raw-bad-sig", "Forged"))
        frame[-1] ^= 1
        code, msg = raw(c, "submission", bytes(frame))
        assert code == 4 and "signature" in msg, (code, msg)
        # the daemons go on
        c.sos("status")
        assert c.sos_json("tool", "list") == []
        c.stop_all()
    finally:
        c.close()


def test_add_list_revoke(build):
    c = Cluster(build)
    try:
        c.start_all()
        two = keygen(c, "two")
        c.sos("editor", "add", "--key", two + ".pub", "--name", "Second Editor")
        eds = c.sos_json("editor", "list")
        assert [e["state"] for e in eds] == ["current", "current"], eds
        assert {e["name"] for e in eds} == {"test editor", "Second Editor"}, eds
        # the last current editor cannot be revoked: first revoke the first
        c.sos("editor", "revoke", "--key", c.editor_key + ".pub", "--editor-key", two)
        eds = {e["name"]: e for e in c.sos_json("editor", "list")}
        assert eds["test editor"]["state"] == "revoked" and eds["test editor"]["revoked"], eds
        text = c.sos("editor", "list").stdout
        assert "revoked on " + eds["test editor"]["revoked"] in text, text
        # the revoked key (the default one) signs nothing more
        r = c.sos("tool", "submit", "--name", "Late", "--tagline", "t", "--category", "c",
                  "--tier", "Free", check=False)
        assert r.returncode == 77 and "was revoked on" in r.stderr, (r.returncode, r.stderr)
        c.sos("tool", "submit", "--name", "On Time", "--tagline", "t", "--category", "c",
              "--tier", "Free", "--editor-key", two)
        r = c.sos("editor", "revoke", "--key", two + ".pub", "--editor-key", two, check=False)
        assert r.returncode == 65 and "last current editor" in r.stderr, r.stderr
        # scoring follows the registry: the revoked key cannot finalize
        r = c.sos("verdict", "finalize", "on-time", check=False)
        assert r.returncode == 77 and "revoked" in r.stderr, (r.returncode, r.stderr)
        c.stop_all()
    finally:
        c.close()


def test_request_id_same_body_same_answer(build):
    c = Cluster(build)
    try:
        c.start_all()
        frame = editorial_submit(c, c.editor_key, b"rid-same-00000001", "Twice Tool")
        first = raw(c, "submission", frame)
        assert first[0] == 0, first
        assert raw(c, "submission", frame) == first  # the same bytes: the stored answer
        other = editorial_submit(c, c.editor_key, b"rid-same-00000001", "Another Tool")
        code, msg = raw(c, "submission", other)
        assert code == 3 and "request id" in msg, (code, msg)  # CONFLICT
        assert [t["id"] for t in c.sos_json("tool", "list")] == ["twice-tool"]
        # a signed action lifted into a request with another id is refused
        action = fld(1, b"rid-inner") + fvar(2, 1) + fld(10, tool_msg("Lifted"))
        code, msg = raw(c, "submission",
                        fld(1, b"rid-outer") + fld(19, signed(c.editor_key, action)))
        assert code == 1 and "request_id" in msg, (code, msg)
        c.stop_all()
    finally:
        c.close()


def test_pull_shows_the_editor(build):
    c = Cluster(build, quorum=5)
    try:
        c.start_all()
        keys = c.register_panel(["Builder", "Skeptic"])
        c.submit_tool("Alpha")
        c.submit_tool("Beta")
        for tool in ("alpha", "beta"):
            for p in ("Builder", "Skeptic"):
                c.sos("take", "file", "--key", keys[p], "--tool", tool, "--persona", p,
                      "--score", "70", "--ship", "--text", "ok")
        c.sos("compare", "create", "alpha", "beta")
        c.sos("verdict", "finalize", "alpha")
        c.sos("verdict", "finalize", "beta")
        pub = open(c.editor_key + ".pub").read().split()[0]
        items = wait_for(lambda: (lambda j: j["items"] if len(j["items"]) == 3 else None)(
            c.sos_json("pull")), what="two verdicts and a comparison published")
        verdicts = [i for i in items if i["type"] == "verdict"]
        assert len(verdicts) == 2, items
        for v in verdicts:
            assert v["by"]["editor_key"] == pub, v.get("by")
            assert v["by"]["action"] == "panel_close" and v["by"]["verified"], v["by"]
        cmp = [i for i in items if i["type"] == "comparison"]
        assert cmp[0]["by"]["editor_key"] == pub and cmp[0]["by"]["action"] == "compare_create", cmp
        assert json.loads(c.sos("--json", "pull").stdout)["verified"] is True
        c.stop_all()
    finally:
        c.close()


def test_bootstrap_only_self_signed(build):
    c = Cluster(build, editor=False)
    try:
        c.start_all()
        a, b = keygen(c, "a"), keygen(c, "b")
        # an empty registry takes nothing but an editor's own key, signed by it
        r = c.sos("tool", "submit", "--name", "T", "--tagline", "t", "--category", "c",
                  "--tier", "Free", "--editor-key", a, check=False)
        assert r.returncode == 77 and "no editor is registered yet" in r.stderr, r.stderr
        r = c.sos("editor", "add", "--key", b + ".pub", "--editor-key", a, check=False)
        assert r.returncode == 77, r.stderr
        c.sos("editor", "add", "--key", a + ".pub", "--name", "first", "--editor-key", a)
        c.sos("editor", "add", "--key", a + ".pub", "--name", "first", "--editor-key", a)
        r = c.sos("editor", "add", "--key", b + ".pub", "--editor-key", b, check=False)
        assert r.returncode == 77 and "is not registered" in r.stderr, r.stderr
        assert len(c.sos_json("editor", "list")) == 1
        c.stop_all()
    finally:
        c.close()


if __name__ == "__main__":
    main([test_unregistered_editor_refused, test_unsigned_mutation_cannot_be_sent,
          test_add_list_revoke, test_request_id_same_body_same_answer,
          test_pull_shows_the_editor, test_bootstrap_only_self_signed])
