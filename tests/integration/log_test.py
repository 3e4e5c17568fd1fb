"""integration.log: publishing's transparency log over the real daemons.

The checkpoint, every inclusion proof and every consistency proof that
`sos log` prints are checked again here by a second implementation, written
from RFC 9162 section 2.1 and the C2SP signed-note and tlog-checkpoint texts
(hashlib for SHA-256, the `cryptography` package for Ed25519), not from the
C code. The log grows with each publication, old checkpoints stay
consistent with new ones, and a restart keeps the same tree.
"""
import base64
import hashlib
import json
import os

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from harness import Cluster, main, wait_for

HERE = os.path.dirname(os.path.abspath(__file__))
CATALOGUE = os.path.join(HERE, "..", "..", "deploy", "catalogue.json")
EX_NOPERM = 77


# --- the second implementation ------------------------------------------


def node(l, r):
    return hashlib.sha256(b"\x01" + l + r).digest()


def check_inclusion(index, size, leaf, path, root):
    """RFC 9162 2.1.3.2."""
    if index >= size:
        return False
    fn, sn, r = index, size - 1, leaf
    for p in path:
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            r = node(p, r)
            while not fn & 1 and fn != 0:
                fn >>= 1
                sn >>= 1
        else:
            r = node(r, p)
        fn >>= 1
        sn >>= 1
    return sn == 0 and r == root


def check_consistency(m, n, old_root, new_root, path):
    """RFC 9162 2.1.4.2."""
    if m == n:
        return not path and old_root == new_root
    if not 0 < m < n or not path:
        return False
    if m & (m - 1) == 0:
        path = [old_root] + list(path)
    fn, sn = m - 1, n - 1
    while fn & 1:
        fn >>= 1
        sn >>= 1
    fr = sr = path[0]
    for c in path[1:]:
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            fr, sr = node(c, fr), node(c, sr)
            while not fn & 1 and fn != 0:
                fn >>= 1
                sn >>= 1
        else:
            sr = node(sr, c)
        fn >>= 1
        sn >>= 1
    return sn == 0 and fr == old_root and sr == new_root


def open_checkpoint(note, vkey):
    """C2SP signed-note with the verifier key `name+hex+base64(0x01||pk)`;
    returns (origin, size, root) of the tlog-checkpoint it signs."""
    name, keyid, raw = vkey.split("+", 2)
    raw = base64.b64decode(raw, validate=True)
    assert raw[0] == 1 and len(raw) == 33, vkey
    want_id = hashlib.sha256(name.encode() + b"\n" + raw).digest()[:4]
    assert want_id.hex() == keyid, (want_id.hex(), keyid)
    text, sigs = note.rsplit("\n\n", 1)
    text += "\n"
    ok = False
    for line in sigs.splitlines():
        assert line.startswith("\u2014 "), line
        who, b64 = line[2:].split(" ")
        sig = base64.b64decode(b64, validate=True)
        if who == name and sig[:4] == want_id:
            Ed25519PublicKey.from_public_bytes(raw[1:]).verify(sig[4:], text.encode())
            ok = True
    assert ok, "no signature by " + vkey
    lines = text.split("\n")
    assert lines[0] == name, (lines[0], name)  # the key is named after the log
    return lines[0], int(lines[1]), base64.b64decode(lines[2], validate=True)


# --- the tests --------------------------------------------------------------


def published(c, n):
    return wait_for(lambda: (lambda o: o if len(o["items"]) >= n else None)(c.sos_json("pull")),
                    what="%d publications" % n)


def checkpoint(c):
    j = c.sos_json("log", "checkpoint")
    assert j["verified"] is True, j
    origin, size, root = open_checkpoint(j["note"], j["verifier_key"])
    assert (origin, size, base64.b64encode(root).decode()) == \
        (j["origin"], j["tree_size"], j["root_hash"]), j
    return j, size, root


def check_all_proofs(c, size, root):
    for i in range(size):
        p = c.sos_json("log", "prove", str(i))
        assert (p["leaf_index"], p["tree_size"]) == (i, size), p
        assert base64.b64decode(p["root_hash"]) == root, p
        path = [base64.b64decode(h) for h in p["inclusion_proof"]]
        leaf = base64.b64decode(p["leaf_hash"])
        assert check_inclusion(i, size, leaf, path, root), p
        assert not check_inclusion(i, size, leaf, path, hashlib.sha256(b"x").digest())
        if path:  # and a second implementation that accepted anything would fail here
            bad = [path[0][:-1] + bytes([path[0][-1] ^ 1])] + path[1:]
            assert not check_inclusion(i, size, leaf, bad, root)
    for m in range(1, size + 1):
        p = c.sos_json("log", "consistency", str(m))
        path = [base64.b64decode(h) for h in p["consistency_proof"]]
        assert check_consistency(m, size, base64.b64decode(p["old_root_hash"]), root, path), p


def test_log(build):
    c = Cluster(build)
    try:
        c.start_all()
        # before anything is published the log is empty, and says so
        r = c.sos("log", "checkpoint", check=False)
        assert r.returncode != 0 and "nothing has been published yet" in r.stderr, r.stderr
        c.sos("import", CATALOGUE)
        published(c, 7)
        j, size, root = wait_for(lambda: (lambda t: t if t[1] == 7 else None)(checkpoint(c)),
                                 what="a checkpoint of 7 leaves")
        assert j["origin"] == "shiporskip.example/log", j
        check_all_proofs(c, 7, root)
        saved_note, saved_key = j["note"], j["verifier_key"]

        # a new publication grows the log; the old checkpoint is a prefix
        c.submit_tool("Log Grower")
        for p, v in (("builder", "ship"), ("skeptic", "skip"), ("futurist", "ship"),
                     ("founder", "ship")):
            c.sos("take", "file", "--key", os.path.join(c.home, "keys", "panel", p + ".key"),
                  "--tool", "log-grower", "--persona", p.capitalize(), "--score", "60",
                  "--" + v, "--text", "grows the log")
        published(c, 8)
        j2, size2, root2 = wait_for(lambda: (lambda t: t if t[1] == 8 else None)(checkpoint(c)),
                                    what="a checkpoint of 8 leaves")
        p = c.sos_json("log", "consistency", "7")
        path = [base64.b64decode(h) for h in p["consistency_proof"]]
        _, old_size, old_root = open_checkpoint(saved_note, saved_key)
        assert old_size == 7 and base64.b64decode(p["old_root_hash"]) == old_root, p
        assert check_consistency(7, 8, old_root, root2, path), p
        check_all_proofs(c, 8, root2)

        # a restart keeps the same tree and checkpoint
        c.stop_all()
        c.start_all()
        j3, size3, root3 = checkpoint(c)
        assert (size3, root3) == (8, root2), (size3, root3)

        # a damaged stored hash: sos check names it; a proof made with it fails
        leaf3 = base64.b64decode(c.sos_json("log", "prove", "3")["leaf_hash"])
        c.stop_all()
        mdb = os.path.join(c.home, "data", "publishing", "data.mdb")
        with open(mdb, "rb") as f:
            data = bytearray(f.read())
        at, n = data.find(leaf3), 0
        while at >= 0:  # every copy: the live page and older ones
            data[at + 5] ^= 0xFF
            at, n = data.find(leaf3, at + 1), n + 1
        assert n, "leaf 3's hash is not in publishing's store"
        with open(mdb, "wb") as f:
            f.write(data)
        r = c.sos("--json", "check", "publishing", check=False)
        assert r.returncode == 65, (r.returncode, r.stdout, r.stderr)
        damage = [d for s in json.loads(r.stdout)["stores"] for d in s.get("damage", [])]
        assert {"db": "log", "what": "a stored hash of the tree is wrong"}.items() <= \
            damage[0].items(), damage
        c.start_all()
        r = c.sos("log", "prove", "2", check=False)
        assert r.returncode == EX_NOPERM and "does not verify" in r.stderr, (r.stdout, r.stderr)

        # the CLI refuses what does not verify or does not exist
        other = os.path.join(c.home, "other.key")
        c.sos("keygen", "--out", other)
        r = c.sos("log", "checkpoint", "--key", other + ".pub", check=False)
        assert r.returncode == EX_NOPERM and "not signed by the log's key" in r.stderr, r.stderr
        r = c.sos("log", "prove", "8", check=False)
        assert r.returncode == 65 and "leaf 8 is beyond the log" in r.stderr, r.stderr
        r = c.sos("log", "consistency", "9", check=False)
        assert r.returncode == 65 and "old size 9" in r.stderr, r.stderr
        r = c.sos("log", "prove", "x", check=False)
        assert r.returncode == 65 and "INDEX must be a whole number" in r.stderr, r.stderr
        # plain text: the note itself, as a tlog client reads it
        r = c.sos("log", "checkpoint")
        assert r.stdout.startswith("shiporskip.example/log\n8\n"), r.stdout
        assert "\n\n\u2014 shiporskip.example/log " in r.stdout, r.stdout
    finally:
        c.close()


if __name__ == "__main__":
    main([test_log])
