/* publishing_log: the transparency log in publishing's store
 * (docs/protocol.md, "The log"; the tree is merkle.h's, the checkpoint
 * note.h's).
 *
 * Every event of publishing's log is a leaf: leaf index seq - 1, and the
 * leaf's bytes are the event exactly as stored in the events table (and as
 * served by the pull and by log_leaves). The tree is kept as stored hashes
 * in the log table, written in the transaction that appends the event, so
 * the log and the publications can never disagree:
 *
 *   log  [level (1 byte)][index (u64 BE)] -> 32-byte hash (merkle.h)
 *        "size"        -> u64 BE: leaves in the tree
 *        "checkpoint"  -> the newest signed checkpoint (a C2SP signed note)
 *
 * Rule functions follow rules.h: <0 store code, 0 ok, >0 refusal code
 * (with st filled). */
#ifndef PUBLISHING_LOG_H
#define PUBLISHING_LOG_H

#include <stdint.h>

#include "buf.h"
#include "merkle.h"
#include "publishing.pb-c.h"
#include "rules.h"
#include "sign.h"
#include "store.h"

/* At most this many leaves per log_leaves reply, and about this many bytes. */
#define PUBLISHING_LOG_LEAVES_MAX 1000
#define PUBLISHING_LOG_LEAVES_BYTES (2u << 20)

/* Leaves in the tree (0 for a new store). */
int publishing_log_size(sos_txn *t, uint64_t *size);
/* Adds the leaves of every stored event the tree does not hold yet (the
 * event just appended; on a store written before the log existed, all of
 * them). *added (may be NULL): how many. */
int publishing_log_catch_up(sos_txn *t, uint64_t *added);
/* Signs a checkpoint of the current tree with k under origin and stores
 * it, unless the stored one is already of this size. */
int publishing_log_sign(sos_txn *t, const sos_key *k, const char *origin);

/* The storage a checkpoint reply points into: the caller's, zeroed before
 * the first use, publishing_log_cp_clear after. */
typedef struct {
    sos_buf note;
    sos_buf vkey; /* NUL-terminated */
    char origin[256];
    uint8_t root[SOS_MERKLE_HASH];
} publishing_log_cp;
/* Fills *out with the stored checkpoint, pointing into cp; pk: the log
 * key's public half, for the verifier key (NULL: none, ""). NOT_FOUND (a refusal) while the
 * log is empty. */
int publishing_log_checkpoint(sos_txn *t, const uint8_t pk[SOS_PK_BYTES], publishing_log_cp *cp,
                              Sos__Checkpoint *out, sos_status *st);
void publishing_log_cp_clear(publishing_log_cp *cp);

/* The storage a proof reply points into. */
typedef struct {
    uint8_t path[SOS_MERKLE_MAX_PATH][SOS_MERKLE_HASH];
    ProtobufCBinaryData hashes[SOS_MERKLE_MAX_PATH];
    uint8_t root[SOS_MERKLE_HASH], old_root[SOS_MERKLE_HASH];
} publishing_log_proof;

/* An inclusion proof (q->tree_size 0: the current size) into *out, which
 * points into p. A leaf or size beyond the tree: BAD_REQUEST naming the
 * tree's size. */
int publishing_log_prove(sos_txn *t, const Sos__InclusionQuery *q, publishing_log_proof *p,
                         Sos__LogProof *out, sos_status *st);
/* A consistency proof (q->new_size 0: the current size). */
int publishing_log_consistency(sos_txn *t, const Sos__ConsistencyQuery *q, publishing_log_proof *p,
                               Sos__LogProof *out, sos_status *st);
/* Leaves from q->start: their stored bytes, copied into *out (leaves[i].data
 * is the caller's to free: publishing_log_leaves_clear). */
int publishing_log_leaves(sos_txn *t, const Sos__LeavesQuery *q, Sos__LogLeaves *out,
                          sos_status *st);
void publishing_log_leaves_clear(Sos__LogLeaves *l);

#endif
