/* publishing_clnt: typed calls to the publishing service, each one oneof
 * member of PublishingRequest (sos_clnt_call_oneof). */
#include "publishing_clnt.h"

static int s_call(sos_clnt *c, unsigned member, const void *value, Sos__PublishingReply **rep)
{
    return sos_clnt_call_oneof(c, &sos__publishing_request__descriptor, member, value, NULL, 0,
                               &sos__publishing_reply__descriptor, (ProtobufCMessage **)rep);
}

int publishing_clnt_log_checkpoint(sos_clnt *c, Sos__PublishingReply **rep)
{
    Sos__Empty e = SOS__EMPTY__INIT;
    return s_call(c, SOS__PUBLISHING_REQUEST__BODY_LOG_CHECKPOINT, &e, rep);
}

int publishing_clnt_log_prove(sos_clnt *c, uint64_t leaf_index, uint64_t tree_size,
                              Sos__PublishingReply **rep)
{
    Sos__InclusionQuery q = SOS__INCLUSION_QUERY__INIT;
    q.leaf_index = leaf_index;
    q.tree_size = tree_size;
    return s_call(c, SOS__PUBLISHING_REQUEST__BODY_LOG_PROVE, &q, rep);
}

int publishing_clnt_log_consistency(sos_clnt *c, uint64_t old_size, uint64_t new_size,
                                    Sos__PublishingReply **rep)
{
    Sos__ConsistencyQuery q = SOS__CONSISTENCY_QUERY__INIT;
    q.old_size = old_size;
    q.new_size = new_size;
    return s_call(c, SOS__PUBLISHING_REQUEST__BODY_LOG_CONSISTENCY, &q, rep);
}

int publishing_clnt_log_leaves(sos_clnt *c, uint64_t start, uint32_t count,
                               Sos__PublishingReply **rep)
{
    Sos__LeavesQuery q = SOS__LEAVES_QUERY__INIT;
    q.start = start;
    q.count = count;
    return s_call(c, SOS__PUBLISHING_REQUEST__BODY_LOG_LEAVES, &q, rep);
}
