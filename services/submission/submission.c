/* submission: tools, panel keys and comparisons.
 *
 * SOCKETS  api ROUTER ([submission] api), events PUB ([submission] events).
 * STORE    <data_dir>/submission: tools, names, panel, comparisons + the
 *          common meta, events, requests.
 * SECURITY editors only; panel keys registered here are the only keys
 *          scoring accepts takes from.
 * UPSTREAM none: submission is the head of the pipeline. */
#include "submission.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

#include "editors.h"
#include "rules.h"
#include "sign.h"
#include "text.h"

Sos__Tool *submission_tool_get(sos_txn *t, const char *id)
{
    return (Sos__Tool *)sos_rules_get(t, SUBMISSION_DB_TOOLS, &sos__tool__descriptor, id,
                                      strlen(id));
}

static int s_tool_check(const Sos__Tool *x, sos_status *st)
{
    int rc;
    if ((rc = sos_rules_text(st, "name", x->name, 1, 200)) ||
        (rc = sos_rules_text(st, "vendor", x->vendor, 0, 200)) ||
        (rc = sos_rules_text(st, "tagline", x->tagline, 1, 300)) ||
        (rc = sos_rules_text(st, "category", x->category, 1, 100)) ||
        (rc = sos_rules_text(st, "pricing", x->pricing, 0, 300)) ||
        (rc = sos_rules_text(st, "description", x->description, 0, 5000)) ||
        (rc = sos_rules_text(st, "link", x->link, 0, 2000)))
        return rc;
    if (x->tier < SOS__TIER__TIER_FREE || x->tier > SOS__TIER__TIER_FREEMIUM)
        return sos_fail(st, SOS__CODE__CODE_BAD_REQUEST, "tier must be Free, Paid or Freemium");
    if (x->link[0] && strncmp(x->link, "https://", 8) != 0 && strncmp(x->link, "http://", 7) != 0)
        return sos_fail(st, SOS__CODE__CODE_BAD_REQUEST, "link must be an http(s) URL");
    return 0;
}

int submission_tool_submit(sos_txn *t, const Sos__Tool *in, uint64_t now, const Sos__Signed *by,
                           char id_out[SUBMISSION_ID_MAX], sos_status *st)
{
    char fold[256], slug[SUBMISSION_ID_MAX - 16];
    sos_val v;
    int rc = s_tool_check(in, st);
    if (rc)
        return rc;
    sos_text_fold(in->name, fold, sizeof fold);
    if (sos_text_slug(in->name, slug, sizeof slug) == 0 || fold[0] == '\0')
        return sos_fail(st, SOS__CODE__CODE_BAD_REQUEST,
                        "name must contain at least one letter or digit");
    rc = sos_txn_get(t, SUBMISSION_DB_NAMES, fold, strlen(fold), &v);
    if (rc == SOS_OK) {
        snprintf(id_out, SUBMISSION_ID_MAX, "%.*s", (int)v.len, (const char *)v.data);
        return sos_fail(st, SOS__CODE__CODE_CONFLICT, "a tool with this name exists: %s", id_out);
    }
    if (rc != SOS_NOTFOUND)
        return rc;
    /* Names that fold apart can still slug alike ("Café" and "Caf"). */
    snprintf(id_out, SUBMISSION_ID_MAX, "%s", slug);
    for (int i = 2;
         (rc = sos_txn_get(t, SUBMISSION_DB_TOOLS, id_out, strlen(id_out), NULL)) == SOS_OK; i++)
        snprintf(id_out, SUBMISSION_ID_MAX, "%s-%d", slug, i);
    if (rc != SOS_NOTFOUND)
        return rc;

    Sos__Tool tool = *in;
    tool.base.n_unknown_fields = 0;
    tool.base.unknown_fields = NULL;
    tool.tool_id = id_out;
    tool.submitted_at = now;
    Sos__Event ev = SOS__EVENT__INIT;
    ev.kind_case = SOS__EVENT__KIND_TOOL;
    ev.tool = &tool;
    ev.by = (Sos__Signed *)by;
    if ((rc = sos_rules_put(t, SUBMISSION_DB_TOOLS, id_out, strlen(id_out), &tool.base)) ||
        (rc = sos_txn_put(t, SUBMISSION_DB_NAMES, fold, strlen(fold), id_out, strlen(id_out))) ||
        (rc = sos_evlog_append(t, &ev)))
        return rc;
    return 0;
}

int submission_panel_add(sos_txn *t, const Sos__PanelKey *in, const Sos__Signed *by, sos_status *st)
{
    uint8_t key[1 + SOS_PK_BYTES];
    ProtobufCMessage **all = NULL;
    size_t n = 0;
    int rc;
    if (in->persona < SOS__PERSONA__PERSONA_BUILDER || in->persona > SOS__PERSONA__PERSONA_CREATOR)
        return sos_fail(st, SOS__CODE__CODE_BAD_REQUEST,
                        "persona must be Builder, Skeptic, Futurist, Founder or Creator");
    if (in->public_key.len != SOS_PK_BYTES)
        return sos_fail(st, SOS__CODE__CODE_BAD_REQUEST, "public key must be %d bytes",
                        SOS_PK_BYTES);
    if ((rc = sos_rules_text(st, "name", in->name, 0, 200)))
        return rc;
    key[0] = (uint8_t)in->persona;
    memcpy(key + 1, in->public_key.data, SOS_PK_BYTES);
    rc = sos_txn_get(t, SUBMISSION_DB_PANEL, key, sizeof key, NULL);
    if (rc == SOS_OK)
        return 0; /* already registered: nothing changes */
    if (rc != SOS_NOTFOUND)
        return rc;
    if ((rc = sos_rules_list(t, SUBMISSION_DB_PANEL, &sos__panel_key__descriptor, NULL, 0, &all,
                             &n)))
        return rc;
    for (size_t i = 0; i < n && rc == 0; i++) {
        const Sos__PanelKey *k = (const Sos__PanelKey *)all[i];
        if (k->public_key.len == SOS_PK_BYTES &&
            memcmp(k->public_key.data, in->public_key.data, SOS_PK_BYTES) == 0)
            rc = sos_fail(st, SOS__CODE__CODE_CONFLICT, "this key is registered for %s already",
                          sos_persona_name(k->persona));
    }
    sos_rules_list_free(all, n);
    if (rc)
        return rc;
    Sos__PanelKey pk = *in;
    pk.base.n_unknown_fields = 0;
    pk.base.unknown_fields = NULL;
    Sos__Event ev = SOS__EVENT__INIT;
    ev.kind_case = SOS__EVENT__KIND_PANEL_KEY;
    ev.panel_key = &pk;
    ev.by = (Sos__Signed *)by;
    if ((rc = sos_rules_put(t, SUBMISSION_DB_PANEL, key, sizeof key, &pk.base)) ||
        (rc = sos_evlog_append(t, &ev)))
        return rc;
    return 0;
}

int submission_compare_create(sos_txn *t, const Sos__Comparison *in, uint64_t now,
                              const Sos__Signed *by, char slug[2 * SUBMISSION_ID_MAX + 8],
                              sos_status *st)
{
    const char *ids[2] = {in->tool_a, in->tool_b};
    char rev[2 * SUBMISSION_ID_MAX + 8];
    int rc;
    for (int i = 0; i < 2; i++) {
        if (!ids[i][0] || strlen(ids[i]) >= SUBMISSION_ID_MAX)
            return sos_fail(st, SOS__CODE__CODE_BAD_REQUEST, "a comparison needs two tool ids");
        rc = sos_txn_get(t, SUBMISSION_DB_TOOLS, ids[i], strlen(ids[i]), NULL);
        if (rc == SOS_NOTFOUND)
            return sos_fail(st, SOS__CODE__CODE_NOT_FOUND, "unknown tool: %s", ids[i]);
        if (rc)
            return rc;
    }
    if (strcmp(ids[0], ids[1]) == 0)
        return sos_fail(st, SOS__CODE__CODE_BAD_REQUEST, "a tool cannot be compared with itself");
    snprintf(slug, 2 * SUBMISSION_ID_MAX + 8, "%s-vs-%s", ids[0], ids[1]);
    snprintf(rev, sizeof rev, "%s-vs-%s", ids[1], ids[0]);
    if ((rc = sos_txn_get(t, SUBMISSION_DB_COMPARISONS, slug, strlen(slug), NULL)) == SOS_OK ||
        (rc = sos_txn_get(t, SUBMISSION_DB_COMPARISONS, rev, strlen(rev), NULL)) == SOS_OK)
        return sos_fail(st, SOS__CODE__CODE_CONFLICT, "these tools are compared already");
    if (rc != SOS_NOTFOUND)
        return rc;
    Sos__Comparison c = SOS__COMPARISON__INIT;
    c.slug = slug;
    c.tool_a = (char *)ids[0];
    c.tool_b = (char *)ids[1];
    c.created_at = now;
    Sos__Event ev = SOS__EVENT__INIT;
    ev.kind_case = SOS__EVENT__KIND_COMPARISON;
    ev.comparison = &c;
    ev.by = (Sos__Signed *)by;
    if ((rc = sos_rules_put(t, SUBMISSION_DB_COMPARISONS, slug, strlen(slug), &c.base)) ||
        (rc = sos_evlog_append(t, &ev)))
        return rc;
    return 0;
}

/* --- the service ----------------------------------------------------- */

/* Editors change the catalogue; any listed key may read it. */
static unsigned s_roles(const ProtobufCMessage *m)
{
    const Sos__SubmissionRequest *r = (const Sos__SubmissionRequest *)m;
    return r->body_case == SOS__SUBMISSION_REQUEST__BODY_EDITORIAL ? SOS_ROLE_EDITOR : SOS_ROLE_ANY;
}

/* A listing page: the asked size, at most SUBMISSION_PAGE_MAX. */
static size_t s_page_max(const Sos__ListQuery *q)
{
    return q->max == 0 || q->max > SUBMISSION_PAGE_MAX ? SUBMISSION_PAGE_MAX : q->max;
}

static bool s_is_write(const ProtobufCMessage *m)
{
    const Sos__SubmissionRequest *r = (const Sos__SubmissionRequest *)m;
    return r->body_case == SOS__SUBMISSION_REQUEST__BODY_EDITORIAL;
}

/* What an editorial request decided, for the reply: the tool (submitted,
 * or the one a duplicate name belongs to), the comparison as stored, or
 * the editor entry; each the caller's to free. */
typedef struct {
    Sos__Tool *tool;
    Sos__EditorRecord *editor;
    Sos__Comparison *comp;
    char slug[2 * SUBMISSION_ID_MAX + 8];
} s_outcome;

/* An editor's signed request: opened, its signer admitted, then decided
 * as the action says, with the envelope carried into the event. */
static int s_editorial(sos_txn *t, const Sos__SubmissionRequest *r, uint64_t now, s_outcome *e,
                       sos_status *st)
{
    const Sos__Signed *by = r->editorial;
    Sos__EditorAction *a = NULL;
    char id[SUBMISSION_ID_MAX];
    int rc;
    if ((rc = sos_editors_open(by, &r->request_id, &a, st)) ||
        (rc = submission_editor_admit(t, by, a, st)))
        goto out;
    switch (a->act_case) {
    case SOS__EDITOR_ACTION__ACT_TOOL_SUBMIT:
        id[0] = '\0';
        rc = submission_tool_submit(t, a->tool_submit, now, by, id, st);
        /* a duplicate name answers with the tool that has it */
        if (rc == 0 || (rc == SOS__CODE__CODE_CONFLICT && id[0]))
            e->tool = submission_tool_get(t, id);
        break;
    case SOS__EDITOR_ACTION__ACT_PANEL_ADD:
        rc = submission_panel_add(t, a->panel_add, by, st);
        break;
    case SOS__EDITOR_ACTION__ACT_COMPARE_CREATE:
        rc = submission_compare_create(t, a->compare_create, now, by, e->slug, st);
        if (rc == 0)
            e->comp = (Sos__Comparison *)sos_rules_get(t, SUBMISSION_DB_COMPARISONS,
                                                       &sos__comparison__descriptor, e->slug,
                                                       strlen(e->slug));
        break;
    case SOS__EDITOR_ACTION__ACT_EDITOR_ADD:
        rc = submission_editor_add(t, a->editor_add, now, by, &e->editor, st);
        break;
    case SOS__EDITOR_ACTION__ACT_EDITOR_REVOKE:
        rc = submission_editor_revoke(t, &a->editor_revoke, now, by, &e->editor, st);
        break;
    default:
        rc = sos_fail(st, SOS__CODE__CODE_BAD_REQUEST,
                      "this editorial action is not submission's (verdict finalize goes to "
                      "scoring)");
        break;
    }
out:
    if (a)
        sos__editor_action__free_unpacked(a, NULL);
    return rc;
}

static int s_handle(sos_svc *svc, sos_txn *t, const ProtobufCMessage *m, sos_buf *out)
{
    const Sos__SubmissionRequest *r = (const Sos__SubmissionRequest *)m;
    Sos__SubmissionReply rep = SOS__SUBMISSION_REPLY__INIT;
    Sos__Status status = SOS__STATUS__INIT;
    sos_status st = SOS_STATUS_OK;
    ProtobufCMessage **list = NULL;
    size_t n = 0;
    Sos__Tool *tool = NULL;
    Sos__ToolList tools = SOS__TOOL_LIST__INIT;
    Sos__PanelList panel = SOS__PANEL_LIST__INIT;
    Sos__ComparisonList comps = SOS__COMPARISON_LIST__INIT;
    Sos__EditorList editors = SOS__EDITOR_LIST__INIT;
    s_outcome e = {NULL, NULL, NULL, ""};
    uint64_t now = (uint64_t)time(NULL);
    int rc;
    (void)svc;

    rep.request_id = r->request_id;
    rep.status = &status;
    switch (r->body_case) {
    case SOS__SUBMISSION_REQUEST__BODY_EDITORIAL:
        rc = s_editorial(t, r, now, &e, &st);
        if (e.tool) {
            rep.body_case = SOS__SUBMISSION_REPLY__BODY_TOOL;
            rep.tool = tool = e.tool;
        } else if (e.editor) {
            rep.body_case = SOS__SUBMISSION_REPLY__BODY_EDITOR;
            rep.editor = e.editor;
        } else if (e.comp) {
            rep.body_case = SOS__SUBMISSION_REPLY__BODY_COMPARISON;
            rep.comparison = e.comp;
        }
        break;
    case SOS__SUBMISSION_REQUEST__BODY_TOOL_SHOW:
        if ((rc = sos_rules_id(&st, "tool id", r->tool_show)))
            break;
        tool = submission_tool_get(t, r->tool_show);
        rc = tool ? 0 : sos_fail(&st, SOS__CODE__CODE_NOT_FOUND, "unknown tool: %s", r->tool_show);
        if (tool) {
            rep.body_case = SOS__SUBMISSION_REPLY__BODY_TOOL;
            rep.tool = tool;
        }
        break;
    case SOS__SUBMISSION_REQUEST__BODY_TOOL_LIST: {
        const Sos__ListQuery *q = r->tool_list;
        bool more = false;
        rc = sos_rules_page(t, SUBMISSION_DB_TOOLS, &sos__tool__descriptor, q->after,
                            strlen(q->after), s_page_max(q), &list, &n, &more);
        tools.tools = (Sos__Tool **)list;
        tools.n_tools = n;
        tools.next = more && n ? tools.tools[n - 1]->tool_id : "";
        rep.body_case = SOS__SUBMISSION_REPLY__BODY_TOOLS;
        rep.tools = &tools;
        break;
    }
    case SOS__SUBMISSION_REQUEST__BODY_PANEL_LIST:
        rc =
            sos_rules_list(t, SUBMISSION_DB_PANEL, &sos__panel_key__descriptor, NULL, 0, &list, &n);
        panel.keys = (Sos__PanelKey **)list;
        panel.n_keys = n;
        rep.body_case = SOS__SUBMISSION_REPLY__BODY_PANEL;
        rep.panel = &panel;
        break;
    case SOS__SUBMISSION_REQUEST__BODY_EDITOR_LIST:
        rc = sos_rules_list(t, SUBMISSION_DB_EDITORS, &sos__editor_record__descriptor, NULL, 0,
                            &list, &n);
        editors.editors = (Sos__EditorRecord **)list;
        editors.n_editors = n;
        rep.body_case = SOS__SUBMISSION_REPLY__BODY_EDITORS;
        rep.editors = &editors;
        break;
    case SOS__SUBMISSION_REQUEST__BODY_COMPARE_LIST: {
        const Sos__ListQuery *q = r->compare_list;
        bool more = false;
        rc = sos_rules_page(t, SUBMISSION_DB_COMPARISONS, &sos__comparison__descriptor, q->after,
                            strlen(q->after), s_page_max(q), &list, &n, &more);
        comps.comparisons = (Sos__Comparison **)list;
        comps.n_comparisons = n;
        comps.next = more && n ? comps.comparisons[n - 1]->slug : "";
        rep.body_case = SOS__SUBMISSION_REPLY__BODY_COMPARISONS;
        rep.comparisons = &comps;
        break;
    }
    default:
        rc = sos_fail(&st, SOS__CODE__CODE_BAD_REQUEST, "unknown request for submission");
        break;
    }
    if (rc >= 0) {
        sos_rules_status(rc, &st, &status);
        if (rc > 0 && !(rc == SOS__CODE__CODE_CONFLICT && tool))
            rep.body_case = SOS__SUBMISSION_REPLY__BODY__NOT_SET;
        sos_buf_pack(out, &rep.base);
    }
    sos_rules_list_free(list, n);
    if (tool)
        sos__tool__free_unpacked(tool, NULL);
    if (e.editor)
        sos__editor_record__free_unpacked(e.editor, NULL);
    if (e.comp)
        sos__comparison__free_unpacked(e.comp, NULL);
    return sos_rules_verb(rc);
}

static const char *const s_dbs[] = {"tools", "names", "panel", "comparisons", "editors"};

const sos_svc_spec submission_spec = {
    .name = "submission",
    .upstream = NULL,
    .dbs = s_dbs,
    .n_dbs = 5,
    .request = &sos__submission_request__descriptor,
    .roles = s_roles,
    .is_write = s_is_write,
    .handle = s_handle,
};
