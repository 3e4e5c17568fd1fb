/* publishing_clnt: the client stub of the publishing service.
 *
 * Every call takes a request id (id, idlen; NULL: a fresh random one) so a
 * caller that retries a whole operation can make it idempotent. On
 * SOS_CLNT_OK *rep is the reply, the caller's to free with
 * sos__publishing_reply__free_unpacked; its status says whether the service
 * agreed. Negative returns are clnt.h's SOS_CLNT_* codes. */
#ifndef PUBLISHING_CLNT_H
#define PUBLISHING_CLNT_H

#include <stddef.h>
#include <stdint.h>

#include "clnt.h"
#include "publishing.pb-c.h"

/* Beside the common queries (sos_clnt_events() is the pull,
 * sos_clnt_status() the status), publishing answers for its transparency
 * log (docs/protocol.md, "The log"). Sizes of 0 mean the current tree. */

/* The newest signed checkpoint; reply.checkpoint */
int publishing_clnt_log_checkpoint(sos_clnt *c, Sos__PublishingReply **rep);
/* An inclusion proof; reply.proof */
int publishing_clnt_log_prove(sos_clnt *c, uint64_t leaf_index, uint64_t tree_size,
                              Sos__PublishingReply **rep);
/* A consistency proof; reply.proof */
int publishing_clnt_log_consistency(sos_clnt *c, uint64_t old_size, uint64_t new_size,
                                    Sos__PublishingReply **rep);
/* Up to count leaves (the stored events) from start; reply.leaves */
int publishing_clnt_log_leaves(sos_clnt *c, uint64_t start, uint32_t count,
                               Sos__PublishingReply **rep);

#endif
