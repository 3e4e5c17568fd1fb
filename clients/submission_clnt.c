/* submission_clnt: typed calls to the submission service. */
#include "submission_clnt.h"

int submission_clnt_tool_submit(sos_clnt *c, const uint8_t *id, size_t idlen, Sos__Tool *tool,
                                Sos__SubmissionReply **rep)
{
    Sos__SubmissionRequest req = SOS__SUBMISSION_REQUEST__INIT;
    req.body_case = SOS__SUBMISSION_REQUEST__BODY_TOOL_SUBMIT;
    req.tool_submit = tool;
    return sos_clnt_call_id(c, &req.base, id, idlen, &sos__submission_reply__descriptor,
                            (ProtobufCMessage **)rep);
}

int submission_clnt_tool_show(sos_clnt *c, const uint8_t *id, size_t idlen, const char *tool_id,
                              Sos__SubmissionReply **rep)
{
    Sos__SubmissionRequest req = SOS__SUBMISSION_REQUEST__INIT;
    req.body_case = SOS__SUBMISSION_REQUEST__BODY_TOOL_SHOW;
    req.tool_show = (char *)tool_id;
    return sos_clnt_call_id(c, &req.base, id, idlen, &sos__submission_reply__descriptor,
                            (ProtobufCMessage **)rep);
}

int submission_clnt_tool_list(sos_clnt *c, const uint8_t *id, size_t idlen, const char *after,
                              uint32_t max, Sos__SubmissionReply **rep)
{
    Sos__SubmissionRequest req = SOS__SUBMISSION_REQUEST__INIT;
    Sos__ListQuery q = SOS__LIST_QUERY__INIT;
    q.after = (char *)(after ? after : "");
    q.max = max;
    req.body_case = SOS__SUBMISSION_REQUEST__BODY_TOOL_LIST;
    req.tool_list = &q;
    return sos_clnt_call_id(c, &req.base, id, idlen, &sos__submission_reply__descriptor,
                            (ProtobufCMessage **)rep);
}

int submission_clnt_panel_add(sos_clnt *c, const uint8_t *id, size_t idlen, Sos__PanelKey *key,
                              Sos__SubmissionReply **rep)
{
    Sos__SubmissionRequest req = SOS__SUBMISSION_REQUEST__INIT;
    req.body_case = SOS__SUBMISSION_REQUEST__BODY_PANEL_ADD;
    req.panel_add = key;
    return sos_clnt_call_id(c, &req.base, id, idlen, &sos__submission_reply__descriptor,
                            (ProtobufCMessage **)rep);
}

int submission_clnt_panel_list(sos_clnt *c, const uint8_t *id, size_t idlen,
                               Sos__SubmissionReply **rep)
{
    Sos__SubmissionRequest req = SOS__SUBMISSION_REQUEST__INIT;
    Sos__Empty empty = SOS__EMPTY__INIT;
    req.body_case = SOS__SUBMISSION_REQUEST__BODY_PANEL_LIST;
    req.panel_list = &empty;
    return sos_clnt_call_id(c, &req.base, id, idlen, &sos__submission_reply__descriptor,
                            (ProtobufCMessage **)rep);
}

int submission_clnt_compare_create(sos_clnt *c, const uint8_t *id, size_t idlen,
                                   Sos__Comparison *cmp, Sos__SubmissionReply **rep)
{
    Sos__SubmissionRequest req = SOS__SUBMISSION_REQUEST__INIT;
    req.body_case = SOS__SUBMISSION_REQUEST__BODY_COMPARE_CREATE;
    req.compare_create = cmp;
    return sos_clnt_call_id(c, &req.base, id, idlen, &sos__submission_reply__descriptor,
                            (ProtobufCMessage **)rep);
}

int submission_clnt_compare_list(sos_clnt *c, const uint8_t *id, size_t idlen, const char *after,
                                 uint32_t max, Sos__SubmissionReply **rep)
{
    Sos__SubmissionRequest req = SOS__SUBMISSION_REQUEST__INIT;
    Sos__ListQuery q = SOS__LIST_QUERY__INIT;
    q.after = (char *)(after ? after : "");
    q.max = max;
    req.body_case = SOS__SUBMISSION_REQUEST__BODY_COMPARE_LIST;
    req.compare_list = &q;
    return sos_clnt_call_id(c, &req.base, id, idlen, &sos__submission_reply__descriptor,
                            (ProtobufCMessage **)rep);
}
