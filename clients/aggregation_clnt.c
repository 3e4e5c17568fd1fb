/* aggregation_clnt: typed calls to the aggregation service, each one oneof member of
 * AggregationRequest (sos_clnt_call_oneof). */
#include "aggregation_clnt.h"

static int s_call(sos_clnt *c, unsigned member, const void *value, const uint8_t *id, size_t idlen,
                  Sos__AggregationReply **rep)
{
    return sos_clnt_call_oneof(c, &sos__aggregation_request__descriptor, member, value, id, idlen,
                               &sos__aggregation_reply__descriptor, (ProtobufCMessage **)rep);
}

int aggregation_clnt_verdict_show(sos_clnt *c, const uint8_t *id, size_t idlen, const char *tool_id,
                                  Sos__AggregationReply **rep)
{
    return s_call(c, SOS__AGGREGATION_REQUEST__BODY_VERDICT_SHOW, tool_id, id, idlen, rep);
}
