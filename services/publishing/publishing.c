/* publishing: what the site is rendered from.
 *
 * SOCKETS  api ROUTER ([publishing] api): events queries are the pull
 *          (publications after a cursor); events PUB ([publishing] events)
 *          rings when something new is published. Follows aggregation.
 * STORE    <data_dir>/publishing: tools, verdicts, comparisons, by_tool,
 *          published, log (the transparency log: publishing_log.h),
 *          comparison_by + meta, events, requests.
 * KEYS     <key_dir>/publishing.key (created 0600 when missing) signs the
 *          log's checkpoints, and nothing else; [publishing] log_origin
 *          names the log (default SOS_LOG_ORIGIN_DEFAULT).
 * SECURITY read-only API; every publication carries the signed takes and
 *          the signed verdict so readers can verify offline. */
#include "publishing.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "conf.h"
#include "envelope.h"
#include "log.h"
#include "note.h"
#include "publishing_log.h"
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
    if ((rc = sos_evlog_append(t, &ev)) || (rc = publishing_log_catch_up(t, NULL)))
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
        (rc = sos_evlog_append(t, &pub)) || (rc = publishing_log_catch_up(t, NULL)))
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

typedef struct {
    sos_key *key;                       /* the log's signing key */
    char origin[SOS_NOTE_NAME_MAX + 1]; /* [publishing] log_origin */
} publishing_state;

/* A store written before the log existed gets its tree now, and every
 * store a checkpoint of its tree, before the first request. */
static int s_log_ready(sos_txn *t, void *arg)
{
    const publishing_state *p = arg;
    uint64_t added;
    int rc = publishing_log_catch_up(t, &added);
    if (rc == SOS_OK && added)
        sos_log_info("log.built", "leaves=%llu", (unsigned long long)added);
    return rc ? rc : publishing_log_sign(t, p->key, p->origin);
}

static int s_init(sos_svc *svc, void **app)
{
    char path[4096], hex[2 * SOS_PK_BYTES + 1];
    const sos_conf *conf = sos_svc_conf(svc);
    const char *dir = sos_conf_get(conf, "paths", "key_dir");
    const char *origin = sos_conf_get(conf, "publishing", "log_origin");
    publishing_state *p = sos_xcalloc(1, sizeof *p);
    if (!origin)
        origin = SOS_LOG_ORIGIN_DEFAULT;
    if (sos_note_name_check(origin) != SOS_NOTE_OK) {
        sos_log_error("config", "key=publishing.log_origin msg=\"1 to 255 bytes of UTF-8 with no "
                                "space, + or control character, like shiporskip.example/log\"");
        goto fail;
    }
    snprintf(p->origin, sizeof p->origin, "%s", origin);
    if (sos_conf_mkdirs(dir, 0700) != 0) {
        sos_log_error("key_dir", "dir=%s", dir);
        goto fail;
    }
    snprintf(path, sizeof path, "%s/publishing.key", dir);
    if (sos_key_load_or_create(path, &p->key) != 0) {
        sos_log_error("key.load", "path=%s msg=\"unreadable, malformed or not 0600\"", path);
        goto fail;
    }
    sos_hex(sos_key_public(p->key), SOS_PK_BYTES, hex);
    sos_log_info("key.loaded", "path=%s public=%s origin=%s", path, hex, p->origin);
    if (sos_store_write(sos_svc_store(svc), s_log_ready, p) != SOS_OK) {
        sos_log_error("log.build", "msg=\"cannot build or sign the log's tree\"");
        goto fail;
    }
    *app = p;
    return 0;
fail:
    sos_key_destroy(&p->key);
    free(p);
    return -1;
}

static void s_fini(void *app)
{
    publishing_state *p = app;
    sos_key_destroy(&p->key);
    free(p);
}

static bool s_is_write(const ProtobufCMessage *m)
{
    (void)m;
    return false;
}

static int s_handle(sos_svc *svc, sos_txn *t, const ProtobufCMessage *m, sos_buf *out)
{
    const Sos__PublishingRequest *r = (const Sos__PublishingRequest *)m;
    const publishing_state *p = sos_svc_app(svc);
    Sos__PublishingReply rep = SOS__PUBLISHING_REPLY__INIT;
    Sos__Status status = SOS__STATUS__INIT;
    Sos__Checkpoint cp = SOS__CHECKPOINT__INIT;
    Sos__LogProof proof = SOS__LOG_PROOF__INIT;
    Sos__LogLeaves leaves = SOS__LOG_LEAVES__INIT;
    publishing_log_cp cps = {SOS_BUF_INIT, SOS_BUF_INIT, "", {0}};
    publishing_log_proof *pp = NULL;
    sos_status st = SOS_STATUS_OK;
    int rc;

    rep.request_id = r->request_id;
    rep.status = &status;
    switch (r->body_case) {
    case SOS__PUBLISHING_REQUEST__BODY_LOG_CHECKPOINT:
        /* no app on a detached skeleton (tests, fuzzers): no verifier key then */
        if ((rc = publishing_log_checkpoint(t, p ? sos_key_public(p->key) : NULL, &cps, &cp,
                                            &st)) == 0) {
            rep.body_case = SOS__PUBLISHING_REPLY__BODY_CHECKPOINT;
            rep.checkpoint = &cp;
        }
        break;
    case SOS__PUBLISHING_REQUEST__BODY_LOG_PROVE:
    case SOS__PUBLISHING_REQUEST__BODY_LOG_CONSISTENCY:
        pp = sos_xmalloc(sizeof *pp);
        rc = r->body_case == SOS__PUBLISHING_REQUEST__BODY_LOG_PROVE
                 ? publishing_log_prove(t, r->log_prove, pp, &proof, &st)
                 : publishing_log_consistency(t, r->log_consistency, pp, &proof, &st);
        if (rc == 0) {
            rep.body_case = SOS__PUBLISHING_REPLY__BODY_PROOF;
            rep.proof = &proof;
        }
        break;
    case SOS__PUBLISHING_REQUEST__BODY_LOG_LEAVES:
        if ((rc = publishing_log_leaves(t, r->log_leaves, &leaves, &st)) == 0) {
            rep.body_case = SOS__PUBLISHING_REPLY__BODY_LEAVES;
            rep.leaves = &leaves;
        }
        break;
    default:
        rc = sos_fail(&st, SOS__CODE__CODE_BAD_REQUEST, "unknown request for publishing");
        break;
    }
    if (rc >= 0) {
        sos_rules_status(rc, &st, &status);
        if (rc > 0)
            rep.body_case = SOS__PUBLISHING_REPLY__BODY__NOT_SET;
        sos_buf_pack(out, &rep.base);
    }
    publishing_log_cp_clear(&cps);
    publishing_log_leaves_clear(&leaves);
    free(pp);
    return sos_rules_verb(rc);
}

static int s_apply(sos_svc *svc, sos_txn *t, const Sos__Event *ev)
{
    (void)svc;
    return publishing_apply(t, ev);
}

/* One checkpoint a page of aggregation's events, when it grew the tree. */
static int s_applied(sos_svc *svc, sos_txn *t)
{
    const publishing_state *p = sos_svc_app(svc);
    return publishing_log_sign(t, p->key, p->origin);
}

static const char *const s_dbs[] = {"tools",     "verdicts", "comparisons",  "by_tool",
                                    "published", "log",      "comparison_by"};

const sos_svc_spec publishing_spec = {
    .name = "publishing",
    .upstream = "aggregation",
    .dbs = s_dbs,
    .n_dbs = 7,
    .request = &sos__publishing_request__descriptor,
    .init = s_init,
    .fini = s_fini,
    .is_write = s_is_write,
    .handle = s_handle,
    .apply = s_apply,
    .applied = s_applied,
    .event_check = publishing_event_check,
};
