/* aggregation_clnt: typed calls to the aggregation service. */
#include "aggregation_clnt.h"

int aggregation_clnt_verdict_show(sos_clnt *c, const uint8_t *id, size_t idlen, const char *tool_id,
                                  Sos__AggregationReply **rep)
{
    Sos__AggregationRequest req = SOS__AGGREGATION_REQUEST__INIT;
    req.body_case = SOS__AGGREGATION_REQUEST__BODY_VERDICT_SHOW;
    req.verdict_show = (char *)tool_id;
    return sos_clnt_call_id(c, &req.base, id, idlen, &sos__aggregation_reply__descriptor,
                            (ProtobufCMessage **)rep);
}
