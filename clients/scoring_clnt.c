/* scoring_clnt: typed calls to the scoring service. */
#include "scoring_clnt.h"

int scoring_clnt_take_file(sos_clnt *c, const uint8_t *id, size_t idlen, Sos__Signed *take,
                           Sos__ScoringReply **rep)
{
    Sos__ScoringRequest req = SOS__SCORING_REQUEST__INIT;
    req.body_case = SOS__SCORING_REQUEST__BODY_TAKE_FILE;
    req.take_file = take;
    return sos_clnt_call_id(c, &req.base, id, idlen, &sos__scoring_reply__descriptor,
                            (ProtobufCMessage **)rep);
}

int scoring_clnt_take_list(sos_clnt *c, const uint8_t *id, size_t idlen, const char *tool_id,
                           Sos__ScoringReply **rep)
{
    Sos__ScoringRequest req = SOS__SCORING_REQUEST__INIT;
    req.body_case = SOS__SCORING_REQUEST__BODY_TAKE_LIST;
    req.take_list = (char *)tool_id;
    return sos_clnt_call_id(c, &req.base, id, idlen, &sos__scoring_reply__descriptor,
                            (ProtobufCMessage **)rep);
}

int scoring_clnt_panel_close(sos_clnt *c, const uint8_t *id, size_t idlen, const char *tool_id,
                             Sos__ScoringReply **rep)
{
    Sos__ScoringRequest req = SOS__SCORING_REQUEST__INIT;
    req.body_case = SOS__SCORING_REQUEST__BODY_PANEL_CLOSE;
    req.panel_close = (char *)tool_id;
    return sos_clnt_call_id(c, &req.base, id, idlen, &sos__scoring_reply__descriptor,
                            (ProtobufCMessage **)rep);
}
