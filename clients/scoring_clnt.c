/* scoring_clnt: typed calls to the scoring service, each one oneof member of
 * ScoringRequest (sos_clnt_call_oneof). */
#include "scoring_clnt.h"

static int s_call(sos_clnt *c, unsigned member, const void *value, const uint8_t *id, size_t idlen,
                  Sos__ScoringReply **rep)
{
    return sos_clnt_call_oneof(c, &sos__scoring_request__descriptor, member, value, id, idlen,
                               &sos__scoring_reply__descriptor, (ProtobufCMessage **)rep);
}

int scoring_clnt_take_file(sos_clnt *c, const uint8_t *id, size_t idlen, Sos__Signed *take,
                           Sos__ScoringReply **rep)
{
    return s_call(c, SOS__SCORING_REQUEST__BODY_TAKE_FILE, take, id, idlen, rep);
}

int scoring_clnt_take_list(sos_clnt *c, const uint8_t *id, size_t idlen, const char *tool_id,
                           Sos__ScoringReply **rep)
{
    return s_call(c, SOS__SCORING_REQUEST__BODY_TAKE_LIST, tool_id, id, idlen, rep);
}

int scoring_clnt_panel_close(sos_clnt *c, const uint8_t *id, size_t idlen,
                             const sos_clnt_editor *ed, const char *tool_id,
                             Sos__ScoringReply **rep)
{
    Sos__EditorAction a = SOS__EDITOR_ACTION__INIT;
    a.act_case = SOS__EDITOR_ACTION__ACT_PANEL_CLOSE;
    a.panel_close = (char *)tool_id;
    return sos_clnt_call_editorial(c, &sos__scoring_request__descriptor,
                                   SOS__SCORING_REQUEST__BODY_EDITORIAL, ed, &a, id, idlen,
                                   &sos__scoring_reply__descriptor, (ProtobufCMessage **)rep);
}
