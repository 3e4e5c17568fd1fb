/* fuzz_request: the bytes of an api frame, for each service's request type.
 *
 * Input: byte 0 selects the service (low two bits: submission, scoring,
 * aggregation, publishing); the rest is the frame. The frame is decoded
 * with sos_unpack (the budgeted allocator the skeleton uses); when it
 * parses and its request_id is 1 to 64 bytes (the skeleton refuses others
 * before any rule runs), the daemon's rule function for the request runs in
 * a write transaction on that daemon's store of the fuzz world, the reply
 * is packed as the daemon packs it, and the transaction is aborted so every
 * input sees the same store. Events queries run sos_evlog_page, which is
 * what the skeleton answers them with. */
#include <stdio.h>
#include <string.h>

#include "fuzz_common.h"
#include "rules.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Check the reply the way a client would: it must decode. */
static void s_reply(const ProtobufCMessage *rep, const ProtobufCMessageDescriptor *d, sos_buf *out)
{
    sos_buf_pack(out, rep);
    ProtobufCMessage *back = sos_unpack(d, out->data, out->len);
    fz_check(back != NULL, "a packed reply decodes");
    protobuf_c_message_free_unpacked(back, NULL);
}

static void s_events(sos_txn *t, const ProtobufCBinaryData *rid, const Sos__EventsQuery *q,
                     sos_buf *out)
{
    if (sos_evlog_page(t, rid, q->after, q->max, out) == SOS_OK) {
        ProtobufCMessage *back = sos_unpack(&sos__events_reply__descriptor, out->data, out->len);
        fz_check(back != NULL, "an events page decodes as EventsReply");
        protobuf_c_message_free_unpacked(back, NULL);
    }
}

static void s_submission(sos_txn *t, const Sos__SubmissionRequest *r, sos_buf *out)
{
    Sos__SubmissionReply rep = SOS__SUBMISSION_REPLY__INIT;
    Sos__Status status = SOS__STATUS__INIT;
    Sos__ToolList tools = SOS__TOOL_LIST__INIT;
    Sos__PanelList panel = SOS__PANEL_LIST__INIT;
    Sos__ComparisonList comps = SOS__COMPARISON_LIST__INIT;
    Sos__Comparison comp = SOS__COMPARISON__INIT;
    sos_status st = SOS_STATUS_OK;
    char id[2 * SUBMISSION_ID_MAX + 8];
    ProtobufCMessage **list = NULL;
    size_t n = 0;
    Sos__Tool *tool = NULL;
    int rc = 0;

    rep.request_id = r->request_id;
    rep.status = &status;
    switch (r->body_case) {
    case SOS__SUBMISSION_REQUEST__BODY_EVENTS: s_events(t, &r->request_id, r->events, out); return;
    case SOS__SUBMISSION_REQUEST__BODY_TOOL_SUBMIT:
        id[0] = '\0';
        rc = submission_tool_submit(t, r->tool_submit, FZ_NOW, id, &st);
        if ((rc == 0 || (rc == SOS__CODE__CODE_CONFLICT && id[0])) &&
            (tool = submission_tool_get(t, id)) != NULL) {
            rep.body_case = SOS__SUBMISSION_REPLY__BODY_TOOL;
            rep.tool = tool;
        }
        /* an accepted tool is stored and logged under the id it was given */
        if (rc == 0)
            fz_check(tool != NULL && strcmp(tool->tool_id, id) == 0, "accepted tool is stored");
        break;
    case SOS__SUBMISSION_REQUEST__BODY_TOOL_SHOW:
        if ((rc = sos_rules_id(&st, "tool id", r->tool_show)))
            break;
        tool = submission_tool_get(t, r->tool_show);
        if (tool) {
            rep.body_case = SOS__SUBMISSION_REPLY__BODY_TOOL;
            rep.tool = tool;
        }
        break;
    case SOS__SUBMISSION_REQUEST__BODY_TOOL_LIST:
        rc = sos_rules_list(t, SUBMISSION_DB_TOOLS, &sos__tool__descriptor, NULL, 0, &list, &n);
        tools.tools = (Sos__Tool **)list;
        tools.n_tools = n;
        rep.body_case = SOS__SUBMISSION_REPLY__BODY_TOOLS;
        rep.tools = &tools;
        break;
    case SOS__SUBMISSION_REQUEST__BODY_PANEL_ADD:
        rc = submission_panel_add(t, r->panel_add, &st);
        break;
    case SOS__SUBMISSION_REQUEST__BODY_PANEL_LIST:
        rc =
            sos_rules_list(t, SUBMISSION_DB_PANEL, &sos__panel_key__descriptor, NULL, 0, &list, &n);
        panel.keys = (Sos__PanelKey **)list;
        panel.n_keys = n;
        rep.body_case = SOS__SUBMISSION_REPLY__BODY_PANEL;
        rep.panel = &panel;
        break;
    case SOS__SUBMISSION_REQUEST__BODY_COMPARE_CREATE:
        rc = submission_compare_create(t, r->compare_create, FZ_NOW, id, &st);
        if (rc == 0) {
            comp = *r->compare_create;
            comp.base.n_unknown_fields = 0;
            comp.base.unknown_fields = NULL;
            comp.slug = id;
            comp.created_at = FZ_NOW;
            rep.body_case = SOS__SUBMISSION_REPLY__BODY_COMPARISON;
            rep.comparison = &comp;
        }
        break;
    case SOS__SUBMISSION_REQUEST__BODY_COMPARE_LIST:
        rc = sos_rules_list(t, SUBMISSION_DB_COMPARISONS, &sos__comparison__descriptor, NULL, 0,
                            &list, &n);
        comps.comparisons = (Sos__Comparison **)list;
        comps.n_comparisons = n;
        rep.body_case = SOS__SUBMISSION_REPLY__BODY_COMPARISONS;
        rep.comparisons = &comps;
        break;
    default: rc = sos_fail(&st, SOS__CODE__CODE_BAD_REQUEST, "unknown request"); break;
    }
    if (rc >= 0) {
        sos_rules_status(rc, &st, &status);
        s_reply(&rep.base, &sos__submission_reply__descriptor, out);
    }
    sos_rules_list_free(list, n);
    if (tool)
        sos__tool__free_unpacked(tool, NULL);
}

static void s_scoring(fz_world *w, sos_txn *t, const Sos__ScoringRequest *r, sos_buf *out)
{
    Sos__ScoringReply rep = SOS__SCORING_REPLY__INIT;
    Sos__Status status = SOS__STATUS__INIT;
    Sos__TakeList takes = SOS__TAKE_LIST__INIT;
    sos_status st = SOS_STATUS_OK;
    uint8_t hash[SOS_HASH_BYTES];
    ProtobufCMessage **list = NULL;
    size_t n = 0;
    Sos__PanelClosed *closed = NULL;
    int rc = 0;

    rep.request_id = r->request_id;
    rep.status = &status;
    switch (r->body_case) {
    case SOS__SCORING_REQUEST__BODY_EVENTS: s_events(t, &r->request_id, r->events, out); return;
    case SOS__SCORING_REQUEST__BODY_TAKE_FILE:
        rc = scoring_take_accept(&w->rules, t, r->take_file, &r->request_id, hash, &st);
        if (rc == 0) {
            rep.body_case = SOS__SCORING_REPLY__BODY_TAKE_HASH;
            rep.take_hash = (ProtobufCBinaryData){SOS_HASH_BYTES, hash};
        }
        break;
    case SOS__SCORING_REQUEST__BODY_PANEL_CLOSE:
        rc = scoring_panel_close(t, r->panel_close, "editor", &st);
        if (rc == 0) {
            closed = (Sos__PanelClosed *)sos_rules_get(t, SCORING_DB_CLOSED,
                                                       &sos__panel_closed__descriptor,
                                                       r->panel_close, strlen(r->panel_close));
            fz_check(closed != NULL, "a closed panel is stored");
            rep.body_case = SOS__SCORING_REPLY__BODY_CLOSED;
            rep.closed = closed;
        }
        break;
    case SOS__SCORING_REQUEST__BODY_TAKE_LIST: {
        char key[160];
        size_t kl = strlen(r->take_list) + 1;
        if ((rc = sos_rules_id(&st, "tool id", r->take_list)))
            break;
        memcpy(key, r->take_list, kl);
        rc = sos_rules_list(t, SCORING_DB_TAKES, &sos__signed__descriptor, key, kl, &list, &n);
        takes.takes = (Sos__Signed **)list;
        takes.n_takes = n;
        takes.closed = sos_txn_get(t, SCORING_DB_CLOSED, r->take_list, kl - 1, NULL) == SOS_OK;
        rep.body_case = SOS__SCORING_REPLY__BODY_TAKES;
        rep.takes = &takes;
        break;
    }
    default: rc = sos_fail(&st, SOS__CODE__CODE_BAD_REQUEST, "unknown request"); break;
    }
    if (rc >= 0) {
        sos_rules_status(rc, &st, &status);
        if (rc > 0)
            rep.body_case = SOS__SCORING_REPLY__BODY__NOT_SET;
        s_reply(&rep.base, &sos__scoring_reply__descriptor, out);
    }
    sos_rules_list_free(list, n);
    if (closed)
        sos__panel_closed__free_unpacked(closed, NULL);
}

static void s_aggregation(sos_txn *t, const Sos__AggregationRequest *r, sos_buf *out)
{
    Sos__AggregationReply rep = SOS__AGGREGATION_REPLY__INIT;
    Sos__Status status = SOS__STATUS__INIT;
    Sos__VerdictView view = SOS__VERDICT_VIEW__INIT;
    sos_status st = SOS_STATUS_OK;
    int rc = 0;

    rep.request_id = r->request_id;
    rep.status = &status;
    switch (r->body_case) {
    case SOS__AGGREGATION_REQUEST__BODY_EVENTS: s_events(t, &r->request_id, r->events, out); return;
    case SOS__AGGREGATION_REQUEST__BODY_VERDICT_SHOW:
        rc = aggregation_verdict_view(t, r->verdict_show, &view, &st);
        if (rc == 0) {
            fz_check(view.body != NULL, "a verdict view has a body");
            rep.body_case = SOS__AGGREGATION_REPLY__BODY_VERDICT;
            rep.verdict = &view;
        }
        break;
    default: rc = sos_fail(&st, SOS__CODE__CODE_BAD_REQUEST, "unknown request"); break;
    }
    if (rc >= 0) {
        sos_rules_status(rc, &st, &status);
        s_reply(&rep.base, &sos__aggregation_reply__descriptor, out);
    }
    aggregation_view_clear(&view);
}

static void s_publishing(sos_txn *t, const Sos__PublishingRequest *r, sos_buf *out)
{
    /* publishing has no rule for requests: the skeleton answers events
     * queries and the daemon refuses everything else */
    if (r->body_case == SOS__PUBLISHING_REQUEST__BODY_EVENTS)
        s_events(t, &r->request_id, r->events, out);
    else
        sos_svc_error_reply(&r->request_id, SOS__CODE__CODE_BAD_REQUEST, "unknown request", out);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const sos_svc_spec *const specs[4] = {&submission_spec, &scoring_spec, &aggregation_spec,
                                                 &publishing_spec};
    fz_world *w = fz_world_get();
    if (size < 1)
        return 0;
    unsigned which = data[0] & 3;
    const sos_svc_spec *spec = specs[which];
    sos_store *stores[4] = {w->sub, w->score, w->agg, w->pub};
    sos_buf out = SOS_BUF_INIT;

    ProtobufCMessage *req = sos_unpack(spec->request, data + 1, size - 1);
    if (!req) {
        sos_svc_error_reply(NULL, SOS__CODE__CODE_BAD_REQUEST, "malformed request", &out);
        sos_buf_free(&out);
        return 0;
    }
    /* field 1 of every request is request_id (the skeleton asserts it) */
    const ProtobufCFieldDescriptor *f = protobuf_c_message_descriptor_get_field(spec->request, 1);
    fz_check(f && f->type == PROTOBUF_C_TYPE_BYTES, "request_id field");
    const ProtobufCBinaryData *rid = (const ProtobufCBinaryData *)((const char *)req + f->offset);
    if (rid->len == 0 || rid->len > 64) {
        sos_svc_error_reply(rid, SOS__CODE__CODE_BAD_REQUEST, "request_id must be 1 to 64 bytes",
                            &out);
    } else {
        sos_txn *t = fz_begin(stores[which]);
        switch (which) {
        case 0: s_submission(t, (const Sos__SubmissionRequest *)req, &out); break;
        case 1: s_scoring(w, t, (const Sos__ScoringRequest *)req, &out); break;
        case 2: s_aggregation(t, (const Sos__AggregationRequest *)req, &out); break;
        default: s_publishing(t, (const Sos__PublishingRequest *)req, &out); break;
        }
        /* the request-id record the skeleton keeps beside a committed write */
        if (out.len) {
            uint8_t hash[SOS_HASH_BYTES];
            sos_hash(data + 1, size - 1, hash);
            (void)sos_request_store(t, rid, hash, &out);
        }
        sos_txn_abort(&t);
    }
    protobuf_c_message_free_unpacked(req, NULL);
    sos_buf_free(&out);
    return 0;
}
