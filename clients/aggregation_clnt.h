/* aggregation_clnt: the client stub of the aggregation service.
 *
 * Every call takes a request id (id, idlen; NULL: a fresh random one) so a
 * caller that retries a whole operation can make it idempotent. On
 * SOS_CLNT_OK *rep is the reply, the caller's to free with
 * sos__aggregation_reply__free_unpacked; its status says whether the service
 * agreed. Negative returns are clnt.h's SOS_CLNT_* codes. */
#ifndef AGGREGATION_CLNT_H
#define AGGREGATION_CLNT_H

#include <stddef.h>
#include <stdint.h>

#include "clnt.h"
#include "aggregation.pb-c.h"

/* the verdict as it stands; reply.verdict */
int aggregation_clnt_verdict_show(sos_clnt *c, const uint8_t *id, size_t idlen, const char *tool_id,
                                  Sos__AggregationReply **rep);

#endif
