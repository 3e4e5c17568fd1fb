/* community_clnt: the client stub of the community service (votes, tallies,
 * newsletter subscribers).
 *
 * Every call takes a request id (id, idlen; NULL: a fresh random one) so a
 * caller that retries a whole operation can make it idempotent: a vote
 * retried with the same id is counted once. On SOS_CLNT_OK *rep is the
 * reply, the caller's to free with sos__community_reply__free_unpacked; its
 * status says whether the service agreed (proto/community.proto lists the
 * refusals). Negative returns are clnt.h's SOS_CLNT_* codes. String and
 * byte arguments are borrowed for the call only. */
#ifndef COMMUNITY_CLNT_H
#define COMMUNITY_CLNT_H

#include <stddef.h>
#include <stdint.h>

#include "clnt.h"
#include "community.pb-c.h"

#define COMMUNITY_CLNT_TOKEN_BYTES 16

/* voter: the raw token, COMMUNITY_CLNT_TOKEN_BYTES bytes. reply.vote */
int community_clnt_vote(sos_clnt *c, const uint8_t *id, size_t idlen, const char *tool_id,
                        Sos__VoteChoice choice, const uint8_t voter[COMMUNITY_CLNT_TOKEN_BYTES],
                        Sos__CommunityReply **rep);
/* the signed tally; reply.tally */
int community_clnt_tally(sos_clnt *c, const uint8_t *id, size_t idlen, const char *tool_id,
                         Sos__CommunityReply **rep);
/* a pending subscriber with its tokens; reply.subscriber */
int community_clnt_subscribe(sos_clnt *c, const uint8_t *id, size_t idlen, const char *email,
                             Sos__CommunityReply **rep);
/* token from the confirmation link; reply.subscriber */
int community_clnt_confirm(sos_clnt *c, const uint8_t *id, size_t idlen, const uint8_t *token,
                           size_t toklen, Sos__CommunityReply **rep);
/* token from List-Unsubscribe; reply.subscriber */
int community_clnt_unsubscribe(sos_clnt *c, const uint8_t *id, size_t idlen, const uint8_t *token,
                               size_t toklen, Sos__CommunityReply **rep);
/* after: "" or NULL from the start; unsent_issue: NULL or "" for all;
 * reply.subscribers */
int community_clnt_subscriber_list(sos_clnt *c, const uint8_t *id, size_t idlen, const char *after,
                                   uint32_t max, int confirmed_only, const char *unsent_issue,
                                   Sos__CommunityReply **rep);
/* erases the address and its sends; reply.subscriber (as it was) */
int community_clnt_subscriber_delete(sos_clnt *c, const uint8_t *id, size_t idlen,
                                     const char *email, Sos__CommunityReply **rep);
/* issue went to email; reply.sent */
int community_clnt_send_mark(sos_clnt *c, const uint8_t *id, size_t idlen, const char *issue,
                             const char *email, Sos__CommunityReply **rep);

#endif
