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

/* An editorial request: act's oneof is set by the caller. */
static int s_edit(sos_clnt *c, const sos_clnt_editor *ed, Sos__EditorAction *act, const uint8_t *id,
                  size_t idlen, Sos__SubmissionReply **rep)
{
    return sos_clnt_call_editorial(c, &sos__submission_request__descriptor,
                                   SOS__SUBMISSION_REQUEST__BODY_EDITORIAL, ed, act, id, idlen,
                                   &sos__submission_reply__descriptor, (ProtobufCMessage **)rep);
}

int submission_clnt_tool_submit(sos_clnt *c, const uint8_t *id, size_t idlen,
                                const sos_clnt_editor *ed, Sos__Tool *tool,
                                Sos__SubmissionReply **rep)
{
    Sos__EditorAction a = SOS__EDITOR_ACTION__INIT;
    a.act_case = SOS__EDITOR_ACTION__ACT_TOOL_SUBMIT;
    a.tool_submit = tool;
    return s_edit(c, ed, &a, id, idlen, rep);
}

int submission_clnt_editor_add(sos_clnt *c, const uint8_t *id, size_t idlen,
                               const sos_clnt_editor *ed, Sos__EditorKey *key,
                               Sos__SubmissionReply **rep)
{
    Sos__EditorAction a = SOS__EDITOR_ACTION__INIT;
    a.act_case = SOS__EDITOR_ACTION__ACT_EDITOR_ADD;
    a.editor_add = key;
    return s_edit(c, ed, &a, id, idlen, rep);
}

int submission_clnt_editor_revoke(sos_clnt *c, const uint8_t *id, size_t idlen,
                                  const sos_clnt_editor *ed, const uint8_t *pk,
                                  Sos__SubmissionReply **rep)
{
    Sos__EditorAction a = SOS__EDITOR_ACTION__INIT;
    a.act_case = SOS__EDITOR_ACTION__ACT_EDITOR_REVOKE;
    a.editor_revoke = (ProtobufCBinaryData){SOS_PK_BYTES, (uint8_t *)pk};
    return s_edit(c, ed, &a, id, idlen, rep);
}

int submission_clnt_editor_list(sos_clnt *c, const uint8_t *id, size_t idlen,
                                Sos__SubmissionReply **rep)
{
    Sos__Empty e = SOS__EMPTY__INIT;
    return s_call(c, SOS__SUBMISSION_REQUEST__BODY_EDITOR_LIST, &e, id, idlen, rep);
}

int submission_clnt_tool_show(sos_clnt *c, const uint8_t *id, size_t idlen, const char *tool_id,
                              Sos__SubmissionReply **rep)
{
    return s_call(c, SOS__SUBMISSION_REQUEST__BODY_TOOL_SHOW, tool_id, id, idlen, rep);
}

int submission_clnt_panel_add(sos_clnt *c, const uint8_t *id, size_t idlen,
                              const sos_clnt_editor *ed, Sos__PanelKey *key,
                              Sos__SubmissionReply **rep)
{
    Sos__EditorAction a = SOS__EDITOR_ACTION__INIT;
    a.act_case = SOS__EDITOR_ACTION__ACT_PANEL_ADD;
    a.panel_add = key;
    return s_edit(c, ed, &a, id, idlen, rep);
}

int submission_clnt_compare_create(sos_clnt *c, const uint8_t *id, size_t idlen,
                                   const sos_clnt_editor *ed, Sos__Comparison *cmp,
                                   Sos__SubmissionReply **rep)
{
    Sos__EditorAction a = SOS__EDITOR_ACTION__INIT;
    a.act_case = SOS__EDITOR_ACTION__ACT_COMPARE_CREATE;
    a.compare_create = cmp;
    return s_edit(c, ed, &a, id, idlen, rep);
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
