/* evlog: the parts of a daemon's store every daemon has.
 *
 *   meta      string key -> value: "format" (u64 BE, SOS_STORE_FORMAT),
 *             "cursor" (u64 BE: last upstream seq applied)
 *   events    seq (u64 BE) -> packed sos.Event; seq starts at 1, no gaps
 *   requests  request id -> BLAKE2b-256 of the request frame || packed reply
 *
 * Appending an event and the state change it records happen in one
 * transaction, so the log never disagrees with the state. */
#ifndef SOS_EVLOG_H
#define SOS_EVLOG_H

#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "sos.pb-c.h"
#include "store.h"

enum { SOS_DB_META = 0, SOS_DB_EVENTS = 1, SOS_DB_REQUESTS = 2, SOS_DB_APP = 3 };
#define SOS_STORE_FORMAT 1
#define SOS_EVLOG_PAGE_MAX 1000 /* events per page at most */
/* Bytes per page, about: well under SOS_UNPACK_BUDGET, since a decoded page
 * takes more memory than its encoding. */
#define SOS_EVLOG_PAGE_BYTES (2u << 20)

/* Sets ev->seq to head + 1 and stores it. SOS_EINVAL (nothing stored)
 * when the packed event would not decode again. */
int sos_evlog_append(sos_txn *t, Sos__Event *ev) __attribute__((warn_unused_result));
int sos_evlog_head(sos_txn *t, uint64_t *head);
/* Packs a RawEventsReply (events after `after`, at most max) into out. */
int sos_evlog_page(sos_txn *t, const ProtobufCBinaryData *request_id, uint64_t after, uint32_t max,
                   sos_buf *out);
/* Checks one stored event (its key and value, borrowed for the call)
 * before a page carries it: SOS_OK, or a negative store code that refuses
 * the whole page (SOS_CORRUPT once sos_store_corrupt has named the
 * record: a damaged record is never served). */
typedef int (*sos_evlog_check_fn)(const sos_val *key, const sos_val *event);
/* sos_evlog_page with check (NULL: none) run on every event of the page;
 * out is untouched when it refuses. */
int sos_evlog_page_checked(sos_txn *t, const ProtobufCBinaryData *request_id, uint64_t after,
                           uint32_t max, sos_evlog_check_fn check, sos_buf *out);

int sos_meta_get_u64(sos_txn *t, const char *key, uint64_t *v); /* 0 when absent */
int sos_meta_put_u64(sos_txn *t, const char *key, uint64_t v) __attribute__((warn_unused_result));

/* Request ids. SOS_NOTFOUND: new; SOS_OK: *reply holds the stored reply
 * (borrowed, valid as sos_txn_get) and *same says whether the frame hash
 * matches. */
int sos_request_find(sos_txn *t, const ProtobufCBinaryData *id, const uint8_t hash[32],
                     sos_val *reply, int *same);
int sos_request_store(sos_txn *t, const ProtobufCBinaryData *id, const uint8_t hash[32],
                      const sos_buf *reply) __attribute__((warn_unused_result));

#endif
