/* publishing_log: the transparency log's tree and checkpoints in
 * publishing's store (publishing_log.h). */
#include "publishing_log.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "buf.h"
#include "evlog.h"
#include "log.h"
#include "note.h"
#include "publishing.h"

#define S_SIZE "size"
#define S_CHECKPOINT "checkpoint"

static void s_key(uint8_t k[9], unsigned level, uint64_t index)
{
    k[0] = (uint8_t)level;
    sos_be64_put(k + 1, index);
}

/* merkle.h's reader over the log table: a stored hash that should be there
 * and is not is a damaged store. */
static int s_read(void *ctx, unsigned level, uint64_t index, uint8_t out[SOS_MERKLE_HASH])
{
    uint8_t k[9];
    sos_val v;
    s_key(k, level, index);
    int rc = sos_txn_get(ctx, PUBLISHING_DB_LOG, k, sizeof k, &v);
    if (rc == SOS_NOTFOUND || (rc == SOS_OK && v.len != SOS_MERKLE_HASH))
        return sos_store_corrupt("log", k, sizeof k, "a stored hash of the tree is missing");
    if (rc == SOS_OK)
        memcpy(out, v.data, SOS_MERKLE_HASH);
    return rc;
}

int publishing_log_size(sos_txn *t, uint64_t *size)
{
    sos_val v;
    int rc = sos_txn_get(t, PUBLISHING_DB_LOG, S_SIZE, strlen(S_SIZE), &v);
    *size = 0;
    if (rc == SOS_NOTFOUND)
        return SOS_OK;
    if (rc == SOS_OK && v.len != 8)
        return sos_store_corrupt("log", S_SIZE, strlen(S_SIZE), "the tree size is not 8 bytes");
    if (rc == SOS_OK)
        *size = sos_be64_get(v.data);
    return rc;
}

/* Appends leaf number n, the event of seq n + 1. */
static int s_append(sos_txn *t, uint64_t n)
{
    uint8_t k[9], leaf[SOS_MERKLE_HASH], hashes[SOS_MERKLE_MAX_PATH][SOS_MERKLE_HASH];
    size_t count;
    sos_val ev;
    sos_be64_put(k, n + 1);
    int rc = sos_txn_get(t, SOS_DB_EVENTS, k, 8, &ev);
    if (rc == SOS_NOTFOUND)
        return sos_store_corrupt("events", k, 8, "an event the log needs is missing");
    if (rc)
        return rc;
    sos_merkle_leaf(ev.data, ev.len, leaf);
    if ((rc = sos_merkle_append(n, leaf, s_read, t, hashes, &count)))
        return rc;
    for (size_t l = 0; l < count && rc == SOS_OK; l++) {
        s_key(k, (unsigned)l, n >> l);
        rc = sos_txn_put(t, PUBLISHING_DB_LOG, k, sizeof k, hashes[l], SOS_MERKLE_HASH);
    }
    return rc;
}

int publishing_log_catch_up(sos_txn *t, uint64_t *added)
{
    uint64_t size, head, n;
    uint8_t be[8];
    int rc;
    if (added)
        *added = 0;
    if ((rc = publishing_log_size(t, &size)) || (rc = sos_evlog_head(t, &head)))
        return rc;
    if (size > head)
        return sos_store_corrupt("log", S_SIZE, strlen(S_SIZE),
                                 "the tree holds more leaves than the log has events");
    for (n = size; n < head; n++)
        if ((rc = s_append(t, n)))
            return rc;
    if (head == size)
        return SOS_OK;
    sos_be64_put(be, head);
    if ((rc = sos_txn_put(t, PUBLISHING_DB_LOG, S_SIZE, strlen(S_SIZE), be, 8)))
        return rc;
    if (added)
        *added = head - size;
    return SOS_OK;
}

/* The length of a signed note's text (up to and with the newline before
 * the first blank line), or 0. A checkpoint has no blank line in it. */
static size_t s_text_len(const uint8_t *p, size_t n)
{
    for (size_t i = 0; i + 1 < n; i++)
        if (p[i] == '\n' && p[i + 1] == '\n')
            return i + 1;
    return 0;
}

int publishing_log_sign(sos_txn *t, const sos_key *k, const char *origin)
{
    uint64_t size, have = 0;
    uint8_t root[SOS_MERKLE_HASH];
    sos_buf text = SOS_BUF_INIT, note = SOS_BUF_INIT;
    sos_val v;
    int rc = publishing_log_size(t, &size);
    if (rc || size == 0)
        return rc;
    rc = sos_txn_get(t, PUBLISHING_DB_LOG, S_CHECKPOINT, strlen(S_CHECKPOINT), &v);
    if (rc == SOS_OK) {
        char o[SOS_NOTE_NAME_MAX + 1];
        size_t tl = s_text_len(v.data, v.len);
        if (tl && sos_checkpoint_parse(v.data, tl, o, sizeof o, &have, root) == SOS_NOTE_OK &&
            have == size && strcmp(o, origin) == 0)
            return SOS_OK; /* ours, of this size: written in this transaction or before */
    } else if (rc != SOS_NOTFOUND) {
        return rc;
    }
    if ((rc = sos_merkle_root(size, s_read, t, root)))
        goto out;
    if (sos_checkpoint_text(origin, size, root, &text) != SOS_NOTE_OK ||
        sos_note_sign(text.data, text.len, origin, k, &note) != SOS_NOTE_OK) {
        rc = SOS_EINVAL; /* origin was checked at start: a bug */
        goto out;
    }
    rc = sos_txn_put(t, PUBLISHING_DB_LOG, S_CHECKPOINT, strlen(S_CHECKPOINT), note.data, note.len);
    if (rc == SOS_OK)
        sos_log_info("log.checkpoint", "size=%llu", (unsigned long long)size);
out:
    sos_buf_free(&text);
    sos_buf_free(&note);
    return rc;
}

int publishing_log_checkpoint(sos_txn *t, const uint8_t pk[SOS_PK_BYTES], publishing_log_cp *cp,
                              Sos__Checkpoint *out, sos_status *st)
{
    sos_val v;
    size_t tl;
    uint64_t size;
    int rc = sos_txn_get(t, PUBLISHING_DB_LOG, S_CHECKPOINT, strlen(S_CHECKPOINT), &v);
    if (rc == SOS_NOTFOUND)
        return sos_fail(st, SOS__CODE__CODE_NOT_FOUND,
                        "the log is empty: nothing has been published yet");
    if (rc)
        return rc;
    sos_buf_reset(&cp->note);
    sos_buf_append(&cp->note, v.data, v.len);
    /* the text up to the blank line, whoever signed it: the reader checks */
    tl = s_text_len(cp->note.data, cp->note.len);
    if (!tl || sos_checkpoint_parse(cp->note.data, tl, cp->origin, sizeof cp->origin, &size,
                                    cp->root) != SOS_NOTE_OK)
        return sos_store_corrupt("log", S_CHECKPOINT, strlen(S_CHECKPOINT),
                                 "the stored checkpoint does not parse");
    sos_buf_reset(&cp->vkey);
    if (pk && sos_note_vkey(cp->origin, pk, &cp->vkey) != SOS_NOTE_OK)
        return sos_store_corrupt("log", S_CHECKPOINT, strlen(S_CHECKPOINT),
                                 "the stored checkpoint's origin is not a key name");
    sos_buf_append(&cp->vkey, "", 1);
    out->note.data = cp->note.data;
    out->note.len = cp->note.len;
    out->origin = cp->origin;
    out->tree_size = size;
    out->root_hash.data = cp->root;
    out->root_hash.len = SOS_MERKLE_HASH;
    out->verifier_key = (char *)cp->vkey.data;
    return 0;
}

void publishing_log_cp_clear(publishing_log_cp *cp)
{
    sos_buf_free(&cp->note);
    sos_buf_free(&cp->vkey);
}

/* The size asked for (0: the current one), checked against the tree. */
static int s_size(sos_txn *t, uint64_t want, uint64_t *size, sos_status *st)
{
    uint64_t have;
    int rc = publishing_log_size(t, &have);
    if (rc)
        return rc;
    if (have == 0)
        return sos_fail(st, SOS__CODE__CODE_NOT_FOUND,
                        "the log is empty: nothing has been published yet");
    if (want > have)
        return sos_fail(st, SOS__CODE__CODE_BAD_REQUEST,
                        "tree size %llu is beyond the log, which holds %llu leaves",
                        (unsigned long long)want, (unsigned long long)have);
    *size = want ? want : have;
    return 0;
}

static void s_proof_out(publishing_log_proof *p, size_t len, Sos__LogProof *out)
{
    for (size_t i = 0; i < len; i++) {
        p->hashes[i].data = p->path[i];
        p->hashes[i].len = SOS_MERKLE_HASH;
    }
    out->hashes = p->hashes;
    out->n_hashes = len;
    out->root_hash.data = p->root;
    out->root_hash.len = SOS_MERKLE_HASH;
}

int publishing_log_prove(sos_txn *t, const Sos__InclusionQuery *q, publishing_log_proof *p,
                         Sos__LogProof *out, sos_status *st)
{
    uint64_t size;
    size_t len;
    int rc = s_size(t, q->tree_size, &size, st);
    if (rc)
        return rc;
    if (q->leaf_index >= size)
        return sos_fail(st, SOS__CODE__CODE_BAD_REQUEST,
                        "leaf %llu is not in a tree of %llu leaves (leaves count from 0)",
                        (unsigned long long)q->leaf_index, (unsigned long long)size);
    if ((rc = sos_merkle_prove_inclusion(q->leaf_index, size, s_read, t, p->path, &len)) ||
        (rc = sos_merkle_root(size, s_read, t, p->root)))
        return rc;
    out->leaf_index = q->leaf_index;
    out->tree_size = size;
    s_proof_out(p, len, out);
    return 0;
}

int publishing_log_consistency(sos_txn *t, const Sos__ConsistencyQuery *q, publishing_log_proof *p,
                               Sos__LogProof *out, sos_status *st)
{
    uint64_t size;
    size_t len;
    int rc = s_size(t, q->new_size, &size, st);
    if (rc)
        return rc;
    if (q->old_size == 0 || q->old_size > size)
        return sos_fail(st, SOS__CODE__CODE_BAD_REQUEST,
                        "old size %llu must be from 1 to the new size, %llu",
                        (unsigned long long)q->old_size, (unsigned long long)size);
    if ((rc = sos_merkle_prove_consistency(q->old_size, size, s_read, t, p->path, &len)) ||
        (rc = sos_merkle_root(size, s_read, t, p->root)) ||
        (rc = sos_merkle_root(q->old_size, s_read, t, p->old_root)))
        return rc;
    out->old_size = q->old_size;
    out->tree_size = size;
    s_proof_out(p, len, out);
    out->old_root_hash.data = p->old_root;
    out->old_root_hash.len = SOS_MERKLE_HASH;
    return 0;
}

int publishing_log_leaves(sos_txn *t, const Sos__LeavesQuery *q, Sos__LogLeaves *out,
                          sos_status *st)
{
    uint64_t size;
    size_t bytes = 0, cap;
    int rc = s_size(t, 0, &size, st);
    if (rc)
        return rc;
    if (q->start >= size)
        return sos_fail(st, SOS__CODE__CODE_BAD_REQUEST,
                        "leaf %llu is beyond the log, which holds %llu leaves",
                        (unsigned long long)q->start, (unsigned long long)size);
    cap = q->count && q->count < PUBLISHING_LOG_LEAVES_MAX ? q->count : PUBLISHING_LOG_LEAVES_MAX;
    if (cap > size - q->start)
        cap = (size_t)(size - q->start);
    out->start = q->start;
    out->tree_size = size;
    out->leaves = sos_xcalloc(cap, sizeof *out->leaves);
    for (size_t i = 0; i < cap && bytes < PUBLISHING_LOG_LEAVES_BYTES; i++) {
        uint8_t k[8];
        sos_val v;
        sos_be64_put(k, q->start + i + 1);
        if ((rc = sos_txn_get(t, SOS_DB_EVENTS, k, 8, &v)))
            return rc == SOS_NOTFOUND ? sos_store_corrupt("events", k, 8, "a leaf is missing") : rc;
        out->leaves[i].data = sos_xmalloc(v.len ? v.len : 1);
        memcpy(out->leaves[i].data, v.data, v.len);
        out->leaves[i].len = v.len;
        out->n_leaves = i + 1;
        bytes += v.len;
    }
    return 0;
}

void publishing_log_leaves_clear(Sos__LogLeaves *l)
{
    for (size_t i = 0; i < l->n_leaves; i++)
        free(l->leaves[i].data);
    free(l->leaves);
    l->leaves = NULL;
    l->n_leaves = 0;
}
