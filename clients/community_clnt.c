/* community_clnt: typed calls to the community service, each one oneof
 * member of CommunityRequest (sos_clnt_call_oneof). */
#include "community_clnt.h"

static int s_call(sos_clnt *c, unsigned member, const void *value, const uint8_t *id, size_t idlen,
                  Sos__CommunityReply **rep)
{
    return sos_clnt_call_oneof(c, &sos__community_request__descriptor, member, value, id, idlen,
                               &sos__community_reply__descriptor, (ProtobufCMessage **)rep);
}

int community_clnt_vote(sos_clnt *c, const uint8_t *id, size_t idlen, const char *tool_id,
                        Sos__VoteChoice choice, const uint8_t voter[COMMUNITY_CLNT_TOKEN_BYTES],
                        Sos__CommunityReply **rep)
{
    Sos__Vote v = SOS__VOTE__INIT;
    v.tool_id = (char *)tool_id;
    v.choice = choice;
    v.voter.data = (uint8_t *)voter;
    v.voter.len = COMMUNITY_CLNT_TOKEN_BYTES;
    return s_call(c, SOS__COMMUNITY_REQUEST__BODY_VOTE, &v, id, idlen, rep);
}

int community_clnt_tally(sos_clnt *c, const uint8_t *id, size_t idlen, const char *tool_id,
                         Sos__CommunityReply **rep)
{
    return s_call(c, SOS__COMMUNITY_REQUEST__BODY_TALLY, tool_id, id, idlen, rep);
}

int community_clnt_subscribe(sos_clnt *c, const uint8_t *id, size_t idlen, const char *email,
                             Sos__CommunityReply **rep)
{
    Sos__Subscribe s = SOS__SUBSCRIBE__INIT;
    s.email = (char *)email;
    return s_call(c, SOS__COMMUNITY_REQUEST__BODY_SUBSCRIBE, &s, id, idlen, rep);
}

static int s_token(sos_clnt *c, unsigned member, const uint8_t *id, size_t idlen,
                   const uint8_t *token, size_t toklen, Sos__CommunityReply **rep)
{
    Sos__Token t = SOS__TOKEN__INIT;
    t.token.data = (uint8_t *)token;
    t.token.len = toklen;
    return s_call(c, member, &t, id, idlen, rep);
}

int community_clnt_confirm(sos_clnt *c, const uint8_t *id, size_t idlen, const uint8_t *token,
                           size_t toklen, Sos__CommunityReply **rep)
{
    return s_token(c, SOS__COMMUNITY_REQUEST__BODY_CONFIRM, id, idlen, token, toklen, rep);
}

int community_clnt_unsubscribe(sos_clnt *c, const uint8_t *id, size_t idlen, const uint8_t *token,
                               size_t toklen, Sos__CommunityReply **rep)
{
    return s_token(c, SOS__COMMUNITY_REQUEST__BODY_UNSUBSCRIBE, id, idlen, token, toklen, rep);
}

int community_clnt_subscriber_list(sos_clnt *c, const uint8_t *id, size_t idlen, const char *after,
                                   uint32_t max, int confirmed_only, const char *unsent_issue,
                                   Sos__CommunityReply **rep)
{
    Sos__SubscriberQuery q = SOS__SUBSCRIBER_QUERY__INIT;
    q.after = (char *)(after ? after : "");
    q.max = max;
    q.confirmed_only = confirmed_only != 0;
    q.unsent_issue = (char *)(unsent_issue ? unsent_issue : "");
    return s_call(c, SOS__COMMUNITY_REQUEST__BODY_SUBSCRIBER_LIST, &q, id, idlen, rep);
}

int community_clnt_subscriber_delete(sos_clnt *c, const uint8_t *id, size_t idlen,
                                     const char *email, Sos__CommunityReply **rep)
{
    return s_call(c, SOS__COMMUNITY_REQUEST__BODY_SUBSCRIBER_DELETE, email, id, idlen, rep);
}

int community_clnt_send_mark(sos_clnt *c, const uint8_t *id, size_t idlen, const char *issue,
                             const char *email, Sos__CommunityReply **rep)
{
    Sos__SendMark m = SOS__SEND_MARK__INIT;
    m.issue = (char *)issue;
    m.email = (char *)email;
    return s_call(c, SOS__COMMUNITY_REQUEST__BODY_SEND_MARK, &m, id, idlen, rep);
}
