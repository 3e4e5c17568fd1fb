/* editors: the editors registry's rules that submission (which keeps the
 * registry) and scoring (which keeps a copy, following submission's log)
 * share: opening an editorial request and judging its signer.
 *
 * A registry is one database of the daemon's: 32-byte public key ->
 * packed EditorRecord. An entry is never deleted: a revoked key keeps its
 * entry with revoked_seq and revoked_at set, so a refusal can say when.
 *
 * Rule functions follow rules.h: <0 store code, 0 ok, >0 refusal code. */
#ifndef SOS_EDITORS_H
#define SOS_EDITORS_H

#include <stdbool.h>
#include <stdint.h>

#include "sign.h"
#include "sos.pb-c.h"
#include "status.h"
#include "store.h"

/* "3f2a91b0…04c1": a key as refusals and listings name it briefly (the
 * first 8 and last 4 hex digits). */
#define SOS_EDITORS_SHORT 24
void sos_editors_short(const uint8_t pk[SOS_PK_BYTES], char out[SOS_EDITORS_SHORT]);

/* Opens env, an editorial request, by the envelope's four rules and checks
 * that its request_id equals rid (the request's). 0 with *act the decoded
 * action, the caller's to free with sos__editor_action__free_unpacked; or
 * BAD_REQUEST (malformed, another request id, no action) or FORBIDDEN (the
 * signature does not verify) in st, *act NULL. Reads no store. */
int sos_editors_open(const Sos__Signed *env, const ProtobufCBinaryData *rid,
                     Sos__EditorAction **act, sos_status *st);

/* The entry for pk in db; NULL when absent (or unreadable, logged). The
 * caller frees it with sos__editor_record__free_unpacked. */
Sos__EditorRecord *sos_editors_get(sos_txn *t, sos_db db, const uint8_t pk[SOS_PK_BYTES]);

/* 0 when signer is a current editor in db. Otherwise FORBIDDEN with a
 * message that says what to do: not registered (st->upstream_may_know is
 * set: a follower may not have caught up yet) or revoked on its date. */
int sos_editors_check(sos_txn *t, sos_db db, const uint8_t signer[SOS_PK_BYTES], sos_status *st);

/* How many entries db holds (current or not), and how many are current. */
int sos_editors_count(sos_txn *t, sos_db db, size_t *all, size_t *current);

/* Stores rec under its key (rec->key->public_key, 32 bytes: a bug
 * otherwise). */
int sos_editors_put(sos_txn *t, sos_db db, const Sos__EditorRecord *rec)
    __attribute__((warn_unused_result));

#endif
