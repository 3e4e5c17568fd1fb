/* submission_clnt: typed calls to the submission service, each one oneof member of
 * SubmissionRequest (sos_clnt_call_oneof). */
#include "submission_clnt.h"

static int s_call(sos_clnt *c, unsigned member, const void *value, const uint8_t *id, size_t idlen,
                  Sos__SubmissionReply **rep)
{
    return sos_clnt_call_oneof(c, &sos__submission_request__descriptor, member, value, id, idlen,
                               &sos__submission_reply__descriptor, (ProtobufCMessage **)rep);
}

/* A page query: the entries after `after` ("" or NULL: from the first). */
static int s_list(sos_clnt *c, unsigned member, const char *after, uint32_t max, const uint8_t *id,
                  size_t idlen, Sos__SubmissionReply **rep)
{
    Sos__ListQuery q = SOS__LIST_QUERY__INIT;
    q.after = (char *)(after ? after : "");
    q.max = max;
    return s_call(c, member, &q, id, idlen, rep);
}

int submission_clnt_tool_submit(sos_clnt *c, const uint8_t *id, size_t idlen, Sos__Tool *tool,
                                Sos__SubmissionReply **rep)
{
    return s_call(c, SOS__SUBMISSION_REQUEST__BODY_TOOL_SUBMIT, tool, id, idlen, rep);
}

int submission_clnt_tool_show(sos_clnt *c, const uint8_t *id, size_t idlen, const char *tool_id,
                              Sos__SubmissionReply **rep)
{
    return s_call(c, SOS__SUBMISSION_REQUEST__BODY_TOOL_SHOW, tool_id, id, idlen, rep);
}

int submission_clnt_panel_add(sos_clnt *c, const uint8_t *id, size_t idlen, Sos__PanelKey *key,
                              Sos__SubmissionReply **rep)
{
    return s_call(c, SOS__SUBMISSION_REQUEST__BODY_PANEL_ADD, key, id, idlen, rep);
}

int submission_clnt_compare_create(sos_clnt *c, const uint8_t *id, size_t idlen,
                                   Sos__Comparison *cmp, Sos__SubmissionReply **rep)
{
    return s_call(c, SOS__SUBMISSION_REQUEST__BODY_COMPARE_CREATE, cmp, id, idlen, rep);
}

int submission_clnt_tool_list(sos_clnt *c, const uint8_t *id, size_t idlen, const char *after,
                              uint32_t max, Sos__SubmissionReply **rep)
{
    return s_list(c, SOS__SUBMISSION_REQUEST__BODY_TOOL_LIST, after, max, id, idlen, rep);
}

int submission_clnt_compare_list(sos_clnt *c, const uint8_t *id, size_t idlen, const char *after,
                                 uint32_t max, Sos__SubmissionReply **rep)
{
    return s_list(c, SOS__SUBMISSION_REQUEST__BODY_COMPARE_LIST, after, max, id, idlen, rep);
}

int submission_clnt_panel_list(sos_clnt *c, const uint8_t *id, size_t idlen,
                               Sos__SubmissionReply **rep)
{
    Sos__Empty empty = SOS__EMPTY__INIT;
    return s_call(c, SOS__SUBMISSION_REQUEST__BODY_PANEL_LIST, &empty, id, idlen, rep);
}
