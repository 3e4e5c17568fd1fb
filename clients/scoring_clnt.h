/* scoring_clnt: the client stub of the scoring service.
 *
 * Every call takes a request id (id, idlen; NULL: a fresh random one) so a
 * caller that retries a whole operation can make it idempotent. On
 * SOS_CLNT_OK *rep is the reply, the caller's to free with
 * sos__scoring_reply__free_unpacked; its status says whether the service
 * agreed. Negative returns are clnt.h's SOS_CLNT_* codes. */
#ifndef SCORING_CLNT_H
#define SCORING_CLNT_H

#include <stddef.h>
#include <stdint.h>

#include "clnt.h"
#include "scoring.pb-c.h"

/* files a signed take; the request id must be the take id; reply.take_hash */
int scoring_clnt_take_file(sos_clnt *c, const uint8_t *id, size_t idlen, Sos__Signed *take,
                           Sos__ScoringReply **rep);
/* every revision of every take on a tool; reply.takes */
int scoring_clnt_take_list(sos_clnt *c, const uint8_t *id, size_t idlen, const char *tool_id,
                           Sos__ScoringReply **rep);
/* the editor finalizes a tool, signed (sos_clnt_call_editorial: ed says
 * who and when): takes close, a verdict follows; reply.closed */
int scoring_clnt_panel_close(sos_clnt *c, const uint8_t *id, size_t idlen,
                             const sos_clnt_editor *ed, const char *tool_id,
                             Sos__ScoringReply **rep);

#endif
