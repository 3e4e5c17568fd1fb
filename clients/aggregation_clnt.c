/* aggregation_clnt: typed calls to the aggregation service. */
#include "aggregation_clnt.h"

static int s_call(sos_clnt *c, Sos__AggregationRequest *req, const uint8_t *id, size_t idlen,
                  Sos__AggregationReply **rep)
{
    uint8_t fresh[SOS_CLNT_ID_BYTES];
    if (!id) {
        sos_clnt_new_id(fresh);
        id = fresh;
        idlen = sizeof fresh;
    }
    req->request_id = (ProtobufCBinaryData){idlen, (uint8_t *)id};
    return sos_clnt_call(c, &req->base, &sos__aggregation_reply__descriptor,
                         (ProtobufCMessage **)rep);
}

int aggregation_clnt_verdict_show(sos_clnt *c, const uint8_t *id, size_t idlen, const char *tool_id,
                                  Sos__AggregationReply **rep)
{
    Sos__AggregationRequest req = SOS__AGGREGATION_REQUEST__INIT;
    req.body_case = SOS__AGGREGATION_REQUEST__BODY_VERDICT_SHOW;
    req.verdict_show = (char *)tool_id;
    return s_call(c, &req, id, idlen, rep);
}
