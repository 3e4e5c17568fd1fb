/* rules: helpers the daemons' rule functions share.
 *
 * Rule functions return an int: negative is a store code (SOS_MAPFULL,
 * SOS_EIO, ...: the skeleton deals with it), 0 is success, positive is the
 * Sos__Code of a refusal whose message is in the sos_status. Every store
 * code is negative, SOS_NOTFOUND too: a rule turns the lookups it expects
 * to miss into a refusal or a default itself; one it lets out reaches the
 * skeleton as a store code and gets INTERNAL, never a refusal. */
#ifndef SOS_RULES_H
#define SOS_RULES_H

#include <stdbool.h>
#include <stddef.h>

#include "status.h"

/* Checks an optional (min 0) or required (min 1) text field: length in
 * bytes and valid UTF-8. Refusal names the field. */
int sos_rules_text(sos_status *st, const char *field, const char *s, size_t min, size_t max);
/* Checks an identifier from a request (tool id, slug): 1 to 127 bytes of
 * valid text, so it can key the store. */
int sos_rules_id(sos_status *st, const char *field, const char *id);
/* Reply status for the outcome rc of a rule: OK, the refusal, or a store
 * failure the skeleton turns into its own reply. */
void sos_rules_status(int rc, const sos_status *st, Sos__Status *out);
/* The skeleton's verb for a rule outcome: commit on 0, abort on refusal,
 * the store code itself when negative. */
int sos_rules_verb(int rc);

#include "store.h"
#include <protobuf-c/protobuf-c.h>

/* Unpacks every value of db whose key starts with prefix (plen 0: all)
 * into a malloc'd array of messages; free with sos_rules_list_free. Values
 * that do not unpack are skipped and logged. */
int sos_rules_list(sos_txn *t, sos_db db, const ProtobufCMessageDescriptor *d, const void *prefix,
                   size_t plen, ProtobufCMessage ***out, size_t *n);
void sos_rules_list_free(ProtobufCMessage **list, size_t n);
/* One page of db in key order: up to max values whose key sorts after
 * `after` (alen 0: from the first), unpacked as by sos_rules_list; *more
 * when further keys follow. */
int sos_rules_page(sos_txn *t, sos_db db, const ProtobufCMessageDescriptor *d, const void *after,
                   size_t alen, size_t max, ProtobufCMessage ***out, size_t *n, bool *more);
/* Unpacks one value; NULL when absent or corrupt. */
ProtobufCMessage *sos_rules_get(sos_txn *t, sos_db db, const ProtobufCMessageDescriptor *d,
                                const void *k, size_t kl);
/* The "latest take" index that scoring and aggregation both keep:
 * key = tool id NUL persona (1 byte), value = revision (BE32) || take hash
 * || seq (BE64) of the scoring event that carries the signed take (packed
 * by sos_rules_latest_pack). Stores written before the seq was added hold
 * SOS_RULES_LATEST_V0_BYTES (no seq); both are read.
 * sos_rules_latest_key writes the key into out (cap >= strlen(tool) + 2)
 * and returns its length. sos_rules_latest_hashes collects the hash of
 * each persona's latest take on tool, persona order, into hashes[5] with
 * views in bin[5]; *n is how many. */
#define SOS_RULES_LATEST_BYTES (4 + 32 + 8)
#define SOS_RULES_LATEST_V0_BYTES (4 + 32)
size_t sos_rules_latest_key(char *out, const char *tool, int persona);
void sos_rules_latest_pack(uint8_t out[SOS_RULES_LATEST_BYTES], uint32_t revision,
                           const uint8_t hash[32], uint64_t seq);
int sos_rules_latest_hashes(sos_txn *t, sos_db db, const char *tool, uint8_t hashes[5][32],
                            ProtobufCBinaryData bin[5], size_t *n);
/* Packs msg and puts it under k. */
int sos_rules_put(sos_txn *t, sos_db db, const void *k, size_t kl, const ProtobufCMessage *msg)
    __attribute__((warn_unused_result));
#endif
