/* publishing: what the site is rendered from.
 *
 * SOCKETS  api ROUTER ([publishing] api): events queries are the pull
 *          (publications after a cursor); events PUB ([publishing] events)
 *          rings when something new is published. Follows aggregation.
 * STORE    <data_dir>/publishing: tools, verdicts, comparisons, by_tool,
 *          published, comparison_by + meta, events, requests.
 * SECURITY read-only API; every publication carries the signed takes and
 *          the signed verdict so readers can verify offline. */
#include "publishing.h"

#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "envelope.h"
#include "log.h"
#include "rules.h"

static int s_publish_comparison(sos_txn *t, const char *slug)
{
    int rc = sos_txn_get(t, PUBLISHING_DB_PUBLISHED, slug, strlen(slug), NULL);
    if (rc != SOS_NOTFOUND)
        return rc; /* published already, or an error */
    Sos__Comparison *c = (Sos__Comparison *)sos_rules_get(
        t, PUBLISHING_DB_COMPARISONS, &sos__comparison__descriptor, slug, strlen(slug));
    Sos__Signed *by = NULL;
    if (!c)
        return 0;
    const char *ids[2] = {c->tool_a, c->tool_b};
    for (int i = 0; i < 2 && rc == SOS_NOTFOUND; i++) {
        int g = sos_txn_get(t, PUBLISHING_DB_VERDICTS, ids[i], strlen(ids[i]), NULL);
        if (g != SOS_OK) {
            rc = g == SOS_NOTFOUND ? 0 : g;
            goto out;
        }
    }
    Sos__Event ev = SOS__EVENT__INIT;
    ev.kind_case = SOS__EVENT__KIND_COMPARISON_PUBLISHED;
    ev.comparison_published = c;
    /* the editor who created it, when an editor's request did */
    ev.by = by = (Sos__Signed *)sos_rules_get(t, PUBLISHING_DB_COMPARISON_BY,
                                              &sos__signed__descriptor, slug, strlen(slug));
    uint8_t seq[8];
    if ((rc = sos_evlog_append(t, &ev)))
        goto out;
    sos_be64_put(seq, ev.seq);
    rc = sos_txn_put(t, PUBLISHING_DB_PUBLISHED, slug, strlen(slug), seq, 8);
    if (rc == 0)
        sos_log_info("comparison.published", "slug=%s seq=%llu", slug, (unsigned long long)ev.seq);
out:
    if (by)
        sos__signed__free_unpacked(by, NULL);
    sos__comparison__free_unpacked(c, NULL);
    return rc;
}

static int s_verdict(sos_txn *t, const Sos__Event *ev)
{
    const Sos__Verdict *v = ev->verdict;
    int rc;
    if (!v->tool || !v->tool->tool_id[0] || !v->verdict) {
        sos_log_error("verdict.corrupt", "seq=%llu", (unsigned long long)ev->seq);
        return 0;
    }
    const char *id = v->tool->tool_id;
    sos_status st;
    if (sos_rules_id(&st, "tool id", id))
        return SOS_EINVAL;
    rc = sos_txn_get(t, PUBLISHING_DB_VERDICTS, id, strlen(id), NULL);
    if (rc == SOS_OK)
        return 0; /* a verdict is final once */
    if (rc != SOS_NOTFOUND)
        return rc;
    Sos__Event pub = SOS__EVENT__INIT;
    pub.kind_case = SOS__EVENT__KIND_PUBLICATION;
    pub.publication = (Sos__Verdict *)v;
    pub.by = ev->by; /* the editor's finalize, when an editor closed the panel */
    if ((rc = sos_rules_put(t, PUBLISHING_DB_VERDICTS, id, strlen(id), &v->base)) ||
        (rc = sos_evlog_append(t, &pub)))
        return rc;
    sos_log_info("verdict.published", "tool=%s seq=%llu", id, (unsigned long long)pub.seq);

    /* comparisons waiting on this tool: collect the slugs first, since
     * publishing writes to the store the cursor walks */
    sos_cursor *c = NULL;
    sos_val k;
    size_t plen = strlen(id) + 1;
    char **slugs = NULL;
    size_t n = 0, cap = 0;
    if ((rc = sos_cursor_open(t, PUBLISHING_DB_BY_TOOL, &c)))
        return rc;
    for (rc = sos_cursor_seek(c, id, plen, &k, NULL); rc == SOS_OK;
         rc = sos_cursor_next(c, &k, NULL)) {
        if (k.len < plen || memcmp(k.data, id, plen) != 0)
            break;
        if (n == cap) {
            cap = cap ? cap * 2 : 8;
            char **ns = realloc(slugs, cap * sizeof *ns);
            if (!ns)
                abort();
            slugs = ns;
        }
        size_t sl = k.len - plen;
        slugs[n] = sos_xmalloc(sl + 1);
        memcpy(slugs[n], (const char *)k.data + plen, sl);
        slugs[n++][sl] = '\0';
    }
    sos_cursor_destroy(&c);
    if (rc == SOS_NOTFOUND)
        rc = 0;
    for (size_t i = 0; i < n && rc == 0; i++)
        rc = s_publish_comparison(t, slugs[i]);
    for (size_t i = 0; i < n; i++)
        free(slugs[i]);
    free(slugs);
    return rc;
}

static int s_comparison(sos_txn *t, const Sos__Comparison *c, const Sos__Signed *by)
{
    char key[511]; /* LMDB's default maximum key size */
    int rc;
    const char *ids[2] = {c->tool_a, c->tool_b};
    if ((rc = sos_rules_put(t, PUBLISHING_DB_COMPARISONS, c->slug, strlen(c->slug), &c->base)))
        return rc;
    if (by &&
        (rc = sos_rules_put(t, PUBLISHING_DB_COMPARISON_BY, c->slug, strlen(c->slug), &by->base)))
        return rc;
    for (int i = 0; i < 2; i++) {
        size_t a = strlen(ids[i]), b = strlen(c->slug);
        if (a + 1 + b > sizeof key) {
            /* submission bounds ids to 127 bytes, so this is corrupt input */
            sos_log_error("comparison.corrupt", "slug_bytes=%zu", b);
            return 0;
        }
        memcpy(key, ids[i], a);
        key[a] = '\0';
        memcpy(key + a + 1, c->slug, b);
        if ((rc = sos_txn_put(t, PUBLISHING_DB_BY_TOOL, key, a + 1 + b, "", 0)))
            return rc;
    }
    return s_publish_comparison(t, c->slug);
}

int publishing_apply(sos_txn *t, const Sos__Event *ev)
{
    sos_status st;
    switch (ev->kind_case) {
    case SOS__EVENT__KIND_TOOL:
        if (sos_rules_id(&st, "tool id", ev->tool->tool_id))
            return SOS_EINVAL;
        return sos_rules_put(t, PUBLISHING_DB_TOOLS, ev->tool->tool_id, strlen(ev->tool->tool_id),
                             &ev->tool->base);
    case SOS__EVENT__KIND_VERDICT: return s_verdict(t, ev);
    case SOS__EVENT__KIND_COMPARISON:
        if (sos_rules_text(&st, "slug", ev->comparison->slug, 1, 300) ||
            sos_rules_id(&st, "tool id", ev->comparison->tool_a) ||
            sos_rules_id(&st, "tool id", ev->comparison->tool_b))
            return SOS_EINVAL;
        return s_comparison(t, ev->comparison, ev->by);
    default:
        sos_log_warn("follow.ignored", "kind=%d seq=%llu", ev->kind_case,
                     (unsigned long long)ev->seq);
        return 0;
    }
}

/* Decode and shape only: every page of the pull and the render passes
 * here, and checking the six signatures of each publication (about 0.29 ms
 * of Ed25519) made publishing's CPU for a pull of 3,000 publications 0.87 s
 * instead of 0.02 s, nearly doubling the pull, while the readers check
 * them anyway (sos pull: exit 77; the site's JSON flags each signature
 * and sos verify refuses a site with a bad one) and sos check verifies
 * them in the store. A flipped byte in a payload, a tag or a length fails
 * here: decode, unknown fields, canonical form. */
int publishing_event_check(const sos_val *key, const sos_val *event)
{
    char why[256];
    int rc = SOS_OK;
    Sos__Event *ev = (Sos__Event *)sos_unpack(&sos__event__descriptor, event->data, event->len);
    if (!ev)
        return sos_store_corrupt("events", key->data, key->len, "the stored event does not decode");
    if (key->len != 8 || ev->seq != sos_be64_get(key->data))
        rc = sos_store_corrupt("events", key->data, key->len,
                               "the stored event says it is another number than its key");
    else if (ev->kind_case == SOS__EVENT__KIND_PUBLICATION &&
             sos_envelope_open_verdict(ev->publication, NULL, true, NULL, why, sizeof why) !=
                 SOS_ENVELOPE_OK)
        rc = sos_store_corrupt("events", key->data, key->len, why);
    sos__event__free_unpacked(ev, NULL);
    return rc;
}

/* --- the service ----------------------------------------------------- */

static bool s_is_write(const ProtobufCMessage *m)
{
    (void)m;
    return false;
}

static int s_handle(sos_svc *svc, sos_txn *t, const ProtobufCMessage *m, sos_buf *out)
{
    const Sos__PublishingRequest *r = (const Sos__PublishingRequest *)m;
    (void)svc;
    (void)t;
    sos_svc_error_reply(&r->request_id, SOS__CODE__CODE_BAD_REQUEST,
                        "unknown request for publishing", out);
    return SOS_SVC_ABORT;
}

static int s_apply(sos_svc *svc, sos_txn *t, const Sos__Event *ev)
{
    (void)svc;
    return publishing_apply(t, ev);
}

static const char *const s_dbs[] = {"tools",   "verdicts",  "comparisons",
                                    "by_tool", "published", "comparison_by"};

const sos_svc_spec publishing_spec = {
    .name = "publishing",
    .upstream = "aggregation",
    .dbs = s_dbs,
    .n_dbs = 6,
    .request = &sos__publishing_request__descriptor,
    .is_write = s_is_write,
    .handle = s_handle,
    .apply = s_apply,
    .event_check = publishing_event_check,
};
