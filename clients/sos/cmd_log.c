/* log checkpoint | prove | consistency: publishing's transparency log
 * (docs/protocol.md, "The log"). Every answer is checked here before it
 * is printed: the checkpoint's signature against the log's key, each proof
 * against the checkpoint's root. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>

#include "cli.h"
#include "cmd.h"
#include "merkle.h"
#include "note.h"
#include "publishing_clnt.h"
#include "sign.h"

typedef struct {
    const char *key, *size;
} s_log_opts;

static const char s_about[] =
    "Publishing keeps every publication in an append-only Merkle tree (RFC 9162)\n"
    "and signs a checkpoint of it (C2SP tlog-checkpoint, a signed note) after\n"
    "each batch. checkpoint prints the newest one; prove INDEX the inclusion\n"
    "proof of leaf INDEX (leaf = the publication of seq INDEX + 1) in the tree\n"
    "of --size leaves (default: the checkpoint's); consistency OLD [NEW] the\n"
    "proof that the tree of OLD leaves is a prefix of the one of NEW (default:\n"
    "the checkpoint's). Each is verified before it is printed: the checkpoint\n"
    "against --key (the log's public key, HEX or FILE.pub; default\n"
    "<key_dir>/publishing.key.pub), proofs against the checkpoint's root.\n"
    "Exit 77 when a signature or proof does not verify.\n";

/* The verified checkpoint: what prove and consistency check against. */
typedef struct {
    char origin[SOS_NOTE_NAME_MAX + 1];
    uint64_t size;
    uint8_t root[SOS_MERKLE_HASH];
    char *note; /* owned, NUL-terminated */
    char vkey[512];
} s_cp;

static void s_b64(const uint8_t *p, size_t n, char *out)
{
    sos_base64(p, n, out);
}

/* Asks for the checkpoint and checks its signature by the log's key. */
static int s_checkpoint(sos_cmd_ctx *x, s_cp *cp)
{
    const s_log_opts *o = x->opts;
    char path[4096];
    const char *key = o->key;
    uint8_t pk[SOS_PK_BYTES], root[SOS_MERKLE_HASH];
    size_t tl;
    Sos__PublishingReply *rep = NULL;
    if (!key) {
        snprintf(path, sizeof path, "%s/publishing.key.pub",
                 sos_conf_get(x->cli->conf, "paths", "key_dir"));
        key = path;
    }
    if (sos_pub_read(key, pk) != 0) {
        fprintf(stderr,
                "sos: log: cannot read the log's public key from %s; pass --key HEX|FILE.pub "
                "(the publishing service's keys/publishing.key.pub)\n",
                key);
        return EX_NOINPUT;
    }
    int rc = publishing_clnt_log_checkpoint(x->clnt, &rep);
    if ((rc = sos_cmd_reply(x, rc, rep)))
        return rc;
    const Sos__Checkpoint *c = rep->checkpoint;
    if (!c) {
        fprintf(stderr, "sos: log: publishing sent no checkpoint\n");
        return EX_PROTOCOL;
    }
    rc = sos_note_open(c->note.data, c->note.len, c->origin, pk, &tl);
    if (rc != SOS_NOTE_OK || sos_checkpoint_parse(c->note.data, tl, cp->origin, sizeof cp->origin,
                                                  &cp->size, root) != SOS_NOTE_OK) {
        fprintf(stderr, "sos: log: the checkpoint is %s\n",
                rc == SOS_NOTE_UNSIGNED ? "not signed by the log's key (--key)"
                : rc == SOS_NOTE_FORGED ? "signed, but the signature does not verify"
                                        : "not a signed checkpoint");
        return EX_NOPERM;
    }
    memcpy(cp->root, root, SOS_MERKLE_HASH);
    cp->note = sos_xmalloc(c->note.len + 1);
    memcpy(cp->note, c->note.data, c->note.len);
    cp->note[c->note.len] = '\0';
    snprintf(cp->vkey, sizeof cp->vkey, "%s", c->verifier_key);
    return 0;
}

static int s_log_checkpoint(sos_cmd_ctx *x)
{
    s_cp cp = {0};
    char root[SOS_BASE64_LEN(SOS_MERKLE_HASH)];
    int rc = s_checkpoint(x, &cp);
    if (rc)
        return rc;
    s_b64(cp.root, SOS_MERKLE_HASH, root);
    if (x->cli->json)
        sos_json_print(json_pack("{s:s,s:I,s:s,s:s,s:s,s:b}", "origin", cp.origin, "tree_size",
                                 (json_int_t)cp.size, "root_hash", root, "verifier_key", cp.vkey,
                                 "note", cp.note, "verified", 1));
    else
        fputs(cp.note, stdout);
    fprintf(stderr, "sos: log: checkpoint of %llu leaves, signed by %s: verified\n",
            (unsigned long long)cp.size, cp.vkey);
    free(cp.note);
    return 0;
}

/* The proof's hashes, checked for length. */
static int s_path(const Sos__LogProof *p, uint8_t path[SOS_MERKLE_MAX_PATH][SOS_MERKLE_HASH])
{
    if (p->n_hashes > SOS_MERKLE_MAX_PATH)
        return -1;
    for (size_t i = 0; i < p->n_hashes; i++) {
        if (p->hashes[i].len != SOS_MERKLE_HASH)
            return -1;
        memcpy(path[i], p->hashes[i].data, SOS_MERKLE_HASH);
    }
    return 0;
}

static json_t *s_path_json(const uint8_t (*path)[SOS_MERKLE_HASH], size_t n)
{
    json_t *a = json_array();
    for (size_t i = 0; i < n; i++) {
        char b[SOS_BASE64_LEN(SOS_MERKLE_HASH)];
        s_b64(path[i], SOS_MERKLE_HASH, b);
        json_array_append_new(a, json_string(b));
    }
    return a;
}

static void s_path_print(const uint8_t (*path)[SOS_MERKLE_HASH], size_t n)
{
    for (size_t i = 0; i < n; i++) {
        char b[SOS_BASE64_LEN(SOS_MERKLE_HASH)];
        s_b64(path[i], SOS_MERKLE_HASH, b);
        printf("  %s\n", b);
    }
}

static int s_number(const char *what, const char *s, uint64_t *v)
{
    if (sos_cmd_parse_u64(s, 0, UINT64_MAX >> 1, v) != 0) {
        fprintf(stderr, "sos: log: %s must be a whole number\n", what);
        return EX_DATAERR;
    }
    return 0;
}

static int s_log_prove(sos_cmd_ctx *x)
{
    const s_log_opts *o = x->opts;
    uint64_t index, size = 0;
    uint8_t path[SOS_MERKLE_MAX_PATH][SOS_MERKLE_HASH], leaf[SOS_MERKLE_HASH],
        root[SOS_MERKLE_HASH];
    size_t n;
    s_cp cp = {0};
    Sos__PublishingReply *rep = NULL;
    int rc;
    if ((rc = s_number("INDEX", x->argv[0], &index)) ||
        (o->size && (rc = s_number("--size", o->size, &size))) || (rc = s_checkpoint(x, &cp)))
        goto out;
    if (!size)
        size = cp.size;
    rc = publishing_clnt_log_leaves(x->clnt, index, 1, &rep);
    if ((rc = sos_cmd_reply(x, rc, rep)))
        goto out;
    if (!rep->leaves || rep->leaves->n_leaves != 1) {
        fprintf(stderr, "sos: log: publishing sent no leaf %llu\n", (unsigned long long)index);
        rc = EX_PROTOCOL;
        goto out;
    }
    sos_merkle_leaf(rep->leaves->leaves[0].data, rep->leaves->leaves[0].len, leaf);
    rc = publishing_clnt_log_prove(x->clnt, index, size, &rep);
    if ((rc = sos_cmd_reply(x, rc, rep)))
        goto out;
    if (!rep->proof || s_path(rep->proof, path) != 0 ||
        rep->proof->root_hash.len != SOS_MERKLE_HASH) {
        fprintf(stderr, "sos: log: publishing sent a malformed proof\n");
        rc = EX_PROTOCOL;
        goto out;
    }
    n = rep->proof->n_hashes;
    /* the checkpoint's root is signed; another size's root is publishing's word */
    memcpy(root, size == cp.size ? cp.root : rep->proof->root_hash.data, SOS_MERKLE_HASH);
    if (sos_merkle_check_inclusion(index, size, leaf, (const uint8_t(*)[SOS_MERKLE_HASH])path, n,
                                   root) != SOS_MERKLE_OK) {
        fprintf(stderr,
                "sos: log: the inclusion proof of leaf %llu in the tree of %llu does not "
                "verify\n",
                (unsigned long long)index, (unsigned long long)size);
        rc = EX_NOPERM;
        goto out;
    }
    char lb[SOS_BASE64_LEN(SOS_MERKLE_HASH)], rb[SOS_BASE64_LEN(SOS_MERKLE_HASH)];
    s_b64(leaf, SOS_MERKLE_HASH, lb);
    s_b64(root, SOS_MERKLE_HASH, rb);
    if (x->cli->json) {
        sos_json_print(json_pack("{s:I,s:I,s:s,s:s,s:o,s:b,s:b}", "leaf_index", (json_int_t)index,
                                 "tree_size", (json_int_t)size, "leaf_hash", lb, "root_hash", rb,
                                 "inclusion_proof",
                                 s_path_json((const uint8_t(*)[SOS_MERKLE_HASH])path, n),
                                 "verified", 1, "signed_root", size == cp.size));
    } else {
        printf("leaf %llu (seq %llu) is in the tree of %llu leaves\nleaf hash %s\nroot %s%s\n"
               "proof (%zu hashes):\n",
               (unsigned long long)index, (unsigned long long)index + 1, (unsigned long long)size,
               lb, rb, size == cp.size ? " (the signed checkpoint's)" : "", n);
        s_path_print((const uint8_t(*)[SOS_MERKLE_HASH])path, n);
    }
    rc = 0;
out:
    free(cp.note);
    return rc;
}

static int s_log_consistency(sos_cmd_ctx *x)
{
    uint64_t old_size, size = 0;
    uint8_t path[SOS_MERKLE_MAX_PATH][SOS_MERKLE_HASH], root[SOS_MERKLE_HASH];
    size_t n;
    s_cp cp = {0};
    Sos__PublishingReply *rep = NULL;
    int rc;
    if (x->argc < 1 || x->argc > 2) {
        rc = sos_cmd_misuse(x->cmd);
        goto out;
    }
    if ((rc = s_number("OLD", x->argv[0], &old_size)) ||
        (x->argc == 2 && (rc = s_number("NEW", x->argv[1], &size))) || (rc = s_checkpoint(x, &cp)))
        goto out;
    if (!size)
        size = cp.size;
    rc = publishing_clnt_log_consistency(x->clnt, old_size, size, &rep);
    if ((rc = sos_cmd_reply(x, rc, rep)))
        goto out;
    const Sos__LogProof *p = rep->proof;
    if (!p || s_path(p, path) != 0 || p->root_hash.len != SOS_MERKLE_HASH ||
        p->old_root_hash.len != SOS_MERKLE_HASH) {
        fprintf(stderr, "sos: log: publishing sent a malformed proof\n");
        rc = EX_PROTOCOL;
        goto out;
    }
    n = p->n_hashes;
    memcpy(root, size == cp.size ? cp.root : p->root_hash.data, SOS_MERKLE_HASH);
    if (sos_merkle_check_consistency(old_size, size, p->old_root_hash.data, root,
                                     (const uint8_t(*)[SOS_MERKLE_HASH])path, n) != SOS_MERKLE_OK) {
        fprintf(stderr,
                "sos: log: the consistency proof from %llu to %llu leaves does not verify\n",
                (unsigned long long)old_size, (unsigned long long)size);
        rc = EX_NOPERM;
        goto out;
    }
    char ob[SOS_BASE64_LEN(SOS_MERKLE_HASH)], rb[SOS_BASE64_LEN(SOS_MERKLE_HASH)];
    s_b64(p->old_root_hash.data, SOS_MERKLE_HASH, ob);
    s_b64(root, SOS_MERKLE_HASH, rb);
    if (x->cli->json) {
        sos_json_print(
            json_pack("{s:I,s:I,s:s,s:s,s:o,s:b}", "old_size", (json_int_t)old_size, "tree_size",
                      (json_int_t)size, "old_root_hash", ob, "root_hash", rb, "consistency_proof",
                      s_path_json((const uint8_t(*)[SOS_MERKLE_HASH])path, n), "verified", 1));
    } else {
        printf("the tree of %llu leaves (root %s) is a prefix of the tree of %llu (root %s)\n"
               "proof (%zu hashes):\n",
               (unsigned long long)old_size, ob, (unsigned long long)size, rb, n);
        s_path_print((const uint8_t(*)[SOS_MERKLE_HASH])path, n);
    }
    rc = 0;
out:
    free(cp.note);
    return rc;
}

static const sos_cmd_verb s_verbs[] = {
    {"checkpoint", s_log_checkpoint, "[--key HEX|FILE.pub] [--json]", 0, "publishing"},
    {"prove", s_log_prove, "INDEX [--size N] [--key HEX|FILE.pub] [--json]", 1, "publishing"},
    {"consistency", s_log_consistency, "OLD [NEW] [--key HEX|FILE.pub] [--json]", SOS_CMD_ANY,
     "publishing"}};
static const sos_cmd_opt s_opts[] = {SOS_CMD_VALUE("key", 'k', s_log_opts, key),
                                     SOS_CMD_VALUE("size", 's', s_log_opts, size),
                                     SOS_CMD_OPT_JSON};
static const sos_cmd s_cmd = {"log", SOS_CMD_TABLE(s_verbs), SOS_CMD_TABLE(s_opts),
                              sizeof(s_log_opts), s_about};

int sos_cmd_log(sos_cli *cli, int argc, char **argv)
{
    return sos_cmd_run(&s_cmd, cli, argc, argv);
}
