/* aggregation: panel verdicts.
 *
 * SOCKETS  api ROUTER ([aggregation] api), events PUB ([aggregation] events);
 *          follows scoring (tools, takes, closed panels, comparisons).
 * STORE    <data_dir>/aggregation: tools, takes, latest, verdicts + meta,
 *          events, requests.
 * SECURITY verdicts are signed with <key_dir>/aggregation.key (created 0600
 *          on first start) over "shiporskip/verdict/v1\0" || payload.
 * The takes a verdict counts are exactly the ones scoring listed when it
 * closed the panel, so a late amendment can never slip in or out. */
#include "aggregation.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "buf.h"
#include "conf.h"
#include "envelope.h"
#include "log.h"
#include "rules.h"
#include "tally.h"
#include "text.h"

#define S_KEY_MAX 160

/* A take from scoring: kept under scoring's sequence number (so takes are
 * written in order, at the end of the tree: one page for many takes, not
 * one page each), and named by the latest entry of its (tool, persona) when
 * it is that persona's newest revision. Stores written before kept takes
 * under their hash, with latest entries without the seq; s_takes_load
 * reads both. */
static int s_take(sos_txn *t, const Sos__Signed *s, uint64_t seq)
{
    uint8_t hash[SOS_HASH_BYTES], latest[SOS_RULES_LATEST_BYTES], seqk[8];
    char key[S_KEY_MAX];
    sos_val v;
    int rc;
    ProtobufCMessage *m = NULL;
    /* scoring verified it before logging it */
    int orc = sos_envelope_open(&sos_envelope_take, s, true, &m);
    Sos__TakeBody *b = (Sos__TakeBody *)m;
    if (orc != SOS_ENVELOPE_OK || strlen(b->tool_id) + 2 > S_KEY_MAX) {
        sos_log_error("take.corrupt", "msg=\"a take from scoring does not parse\"");
        rc = 0;
        goto out;
    }
    sos_hash(s->payload.data, s->payload.len, hash);
    sos_be64_put(seqk, seq);
    if ((rc = sos_rules_put(t, AGGREGATION_DB_TAKES, seqk, sizeof seqk, &s->base)))
        goto out;
    size_t kl = sos_rules_latest_key(key, b->tool_id, b->persona);
    rc = sos_txn_get(t, AGGREGATION_DB_LATEST, key, kl, &v);
    if (rc == SOS_OK && v.len >= 4 && sos_be32_get(v.data) >= b->revision) {
        rc = 0;
        goto out;
    }
    if (rc != SOS_OK && rc != SOS_NOTFOUND)
        goto out;
    sos_rules_latest_pack(latest, b->revision, hash, seq);
    rc = sos_txn_put(t, AGGREGATION_DB_LATEST, key, kl, latest, sizeof latest);
out:
    if (b)
        sos__take_body__free_unpacked(b, NULL);
    return rc;
}

/* The takes a closed panel lists, by hash: each is the latest of one of
 * the tool's personas (events arrive in scoring's order, so aggregation's
 * latest entries are scoring's when it closed the panel). verify: for a
 * reader, every take is opened with its signature checked, and one that
 * fails is refused as SOS_CORRUPT (store.corrupt names it); else a take
 * missing is SOS_NOTFOUND and one that does not open SOS_EIO. */
static int s_takes_load(sos_txn *t, const char *tool_id, const ProtobufCBinaryData *hashes,
                        size_t n, bool verify, Sos__Signed **signed_out, Sos__TakeBody **bodies)
{
    char key[S_KEY_MAX];
    if (strlen(tool_id) + 2 > S_KEY_MAX)
        return SOS_NOTFOUND;
    for (size_t i = 0; i < n; i++) {
        const uint8_t *takek = NULL; /* the take's key: its seq, or (older stores) its hash */
        size_t takekl = 0;
        for (int p = SOS__PERSONA__PERSONA_BUILDER; p <= SOS__PERSONA__PERSONA_CREATOR && !takek;
             p++) {
            sos_val v;
            size_t kl = sos_rules_latest_key(key, tool_id, (Sos__Persona)p);
            int rc = sos_txn_get(t, AGGREGATION_DB_LATEST, key, kl, &v);
            if (rc != SOS_OK && rc != SOS_NOTFOUND)
                return rc;
            if (rc != SOS_OK || hashes[i].len != SOS_HASH_BYTES ||
                (v.len != SOS_RULES_LATEST_BYTES && v.len != SOS_RULES_LATEST_V0_BYTES) ||
                memcmp((const uint8_t *)v.data + 4, hashes[i].data, SOS_HASH_BYTES) != 0)
                continue;
            if (v.len == SOS_RULES_LATEST_BYTES) {
                takek = (const uint8_t *)v.data + 4 + SOS_HASH_BYTES;
                takekl = 8;
            } else {
                takek = hashes[i].data;
                takekl = SOS_HASH_BYTES;
            }
        }
        if (!takek)
            return SOS_NOTFOUND;
        signed_out[i] = (Sos__Signed *)sos_rules_get(t, AGGREGATION_DB_TAKES,
                                                     &sos__signed__descriptor, takek, takekl);
        ProtobufCMessage *m = NULL;
        /* scoring verified the take before it logged it; read back for a
         * reader (verify), its signature is its only checksum */
        int orc = signed_out[i] ? sos_envelope_open(&sos_envelope_take, signed_out[i], !verify, &m)
                                : SOS_ENVELOPE_UNDECODABLE;
        if (orc != SOS_ENVELOPE_OK && !verify)
            return signed_out[i] ? SOS_EIO : SOS_NOTFOUND;
        if (orc != SOS_ENVELOPE_OK) {
            char why[256] = "the take its latest entry names is missing or does not decode";
            if (signed_out[i])
                sos_envelope_describe(&sos_envelope_take, orc, why, sizeof why);
            return sos_store_corrupt("takes", takek, takekl, why);
        }
        bodies[i] = (Sos__TakeBody *)m;
    }
    return 0;
}

static void s_takes_free(Sos__Signed **s, Sos__TakeBody **b, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        if (s[i])
            sos__signed__free_unpacked(s[i], NULL);
        if (b[i])
            sos__take_body__free_unpacked(b[i], NULL);
        s[i] = NULL;
        b[i] = NULL;
    }
}

static int s_finalize(const aggregation_state *a, sos_txn *t, const Sos__PanelClosed *pc,
                      const Sos__Signed *by, uint64_t now)
{
    Sos__Signed *takes[5] = {0};
    Sos__TakeBody *bodies[5] = {0};
    Sos__Tool *tool = NULL;
    sos_tally tally;
    sos_buf payload = SOS_BUF_INIT;
    uint8_t sig[SOS_SIG_BYTES];
    size_t n = pc->n_take_hashes;
    int rc;

    if (n > 5) {
        sos_log_error("panel.corrupt", "tool=%s takes=%zu", pc->tool_id, n);
        return 0;
    }
    rc = s_takes_load(t, pc->tool_id, pc->take_hashes, n, false, takes, bodies);
    if (rc == SOS_NOTFOUND || rc == SOS_EIO) {
        /* scoring listed a take it never sent us: a bug upstream */
        sos_log_error("panel.missing_take", "tool=%s", pc->tool_id);
        rc = 0;
        goto out;
    }
    tool = (Sos__Tool *)sos_rules_get(t, AGGREGATION_DB_TOOLS, &sos__tool__descriptor, pc->tool_id,
                                      strlen(pc->tool_id));
    if (!tool) {
        sos_log_error("panel.unknown_tool", "tool=%s", pc->tool_id);
        goto out;
    }
    sos_tally_takes((const Sos__TakeBody *const *)bodies, n, &tally);
    Sos__VerdictBody vb = SOS__VERDICT_BODY__INIT;
    vb.tool_id = pc->tool_id;
    vb.n_take_hashes = n;
    vb.take_hashes = pc->take_hashes;
    vb.ship = tally.ship;
    vb.skip = tally.skip;
    vb.ship_pct = tally.ship_pct;
    vb.mean_score_x100 = tally.mean_score_x100;
    vb.label = tally.label;
    vb.rule = pc->rule;
    vb.finalized_at = now;
    vb.tool = tool;
    Sos__Signed sv;
    sos_envelope_seal(&sos_envelope_verdict, a->key, &vb.base, &payload, sig, &sv);
    Sos__Verdict v = SOS__VERDICT__INIT;
    v.tool = tool;
    v.verdict = &sv;
    v.n_takes = n;
    v.takes = takes;
    Sos__Event ev = SOS__EVENT__INIT;
    ev.kind_case = SOS__EVENT__KIND_VERDICT;
    ev.verdict = &v;
    ev.by = (Sos__Signed *)by; /* the editor's finalize, when an editor closed the panel */
    if ((rc = sos_rules_put(t, AGGREGATION_DB_VERDICTS, pc->tool_id, strlen(pc->tool_id),
                            &v.base)) ||
        (rc = sos_evlog_append(t, &ev)))
        goto out;
    sos_log_info("verdict.final", "tool=%s label=%s ship=%u skip=%u pct=%u mean_x100=%u rule=%s",
                 pc->tool_id, sos_label_name(tally.label), tally.ship, tally.skip, tally.ship_pct,
                 tally.mean_score_x100, pc->rule);
out:
    s_takes_free(takes, bodies, n);
    if (tool)
        sos__tool__free_unpacked(tool, NULL);
    sos_buf_free(&payload);
    return rc;
}

int aggregation_apply(const aggregation_state *a, sos_txn *t, const Sos__Event *ev, uint64_t now)
{
    Sos__Event fwd = *ev;
    int rc;
    fwd.base.n_unknown_fields = 0;
    fwd.base.unknown_fields = NULL;
    switch (ev->kind_case) {
    case SOS__EVENT__KIND_TOOL:
        if ((rc = sos_rules_put(t, AGGREGATION_DB_TOOLS, ev->tool->tool_id,
                                strlen(ev->tool->tool_id), &ev->tool->base)))
            return rc;
        return sos_evlog_append(t, &fwd);
    case SOS__EVENT__KIND_COMPARISON: return sos_evlog_append(t, &fwd);
    case SOS__EVENT__KIND_TAKE: return s_take(t, ev->take, ev->seq);
    case SOS__EVENT__KIND_PANEL_CLOSED: return s_finalize(a, t, ev->panel_closed, ev->by, now);
    default:
        sos_log_warn("follow.ignored", "kind=%d seq=%llu", ev->kind_case,
                     (unsigned long long)ev->seq);
        return 0;
    }
}

void aggregation_view_clear(Sos__VerdictView *view)
{
    if (view->signed_)
        sos__verdict__free_unpacked(view->signed_, NULL);
    if (view->body)
        sos__verdict_body__free_unpacked(view->body, NULL);
    view->signed_ = NULL;
    view->body = NULL;
}

int aggregation_verdict_view(sos_txn *t, const char *tool_id, Sos__VerdictView *view,
                             sos_status *st)
{
    Sos__Signed *takes[5] = {0};
    Sos__TakeBody *bodies[5] = {0};
    ProtobufCBinaryData hashes[5];
    uint8_t hbuf[5][SOS_HASH_BYTES];
    size_t n = 0;
    int rc;

    if ((rc = sos_rules_id(st, "tool id", tool_id)))
        return rc;
    sos_val fv;
    rc = sos_txn_get(t, AGGREGATION_DB_VERDICTS, tool_id, strlen(tool_id), &fv);
    if (rc == SOS_OK) {
        /* the store keeps no checksums: the signatures are the record's */
        char why[256];
        Sos__Verdict *fin = (Sos__Verdict *)sos_unpack(&sos__verdict__descriptor, fv.data, fv.len);
        int orc = fin ? sos_envelope_open_verdict(fin, tool_id, false, &view->body, why, sizeof why)
                      : SOS_ENVELOPE_UNDECODABLE;
        if (orc != SOS_ENVELOPE_OK) {
            if (fin)
                sos__verdict__free_unpacked(fin, NULL);
            return sos_store_corrupt("verdicts", tool_id, strlen(tool_id),
                                     fin ? why : "the stored verdict does not decode");
        }
        view->final = true;
        view->signed_ = fin;
        view->signer = fin->verdict->signer;
        return 0;
    }
    if (rc != SOS_NOTFOUND)
        return rc;
    rc = sos_txn_get(t, AGGREGATION_DB_TOOLS, tool_id, strlen(tool_id), NULL);
    if (rc == SOS_NOTFOUND)
        return sos_fail(st, SOS__CODE__CODE_NOT_FOUND, "unknown tool: %s", tool_id);
    if (rc)
        return rc;
    if ((rc = sos_rules_latest_hashes(t, AGGREGATION_DB_LATEST, tool_id, hbuf, hashes, &n)))
        return rc;
    rc = s_takes_load(t, tool_id, hashes, n, true, takes, bodies);
    if (rc == 0) {
        sos_tally tally;
        sos_tally_takes((const Sos__TakeBody *const *)bodies, n, &tally);
        Sos__VerdictBody vb = SOS__VERDICT_BODY__INIT;
        vb.tool_id = (char *)tool_id;
        vb.n_take_hashes = n;
        vb.take_hashes = hashes;
        vb.ship = tally.ship;
        vb.skip = tally.skip;
        vb.ship_pct = tally.ship_pct;
        vb.mean_score_x100 = tally.mean_score_x100;
        vb.label = tally.label;
        vb.rule = (char *)"provisional";
        /* a deep copy the view owns, freed like an unpacked message */
        sos_buf b = SOS_BUF_INIT;
        sos_buf_pack(&b, &vb.base);
        view->body = (Sos__VerdictBody *)sos_unpack(&sos__verdict_body__descriptor, b.data, b.len);
        sos_buf_free(&b);
        view->final = false;
    } else if (rc != SOS_CORRUPT) {
        rc = SOS_EIO;
    }
    s_takes_free(takes, bodies, n);
    return rc;
}

/* --- the service ----------------------------------------------------- */

static int s_init(sos_svc *svc, void **app)
{
    char path[4096];
    const char *dir = sos_conf_get(sos_svc_conf(svc), "paths", "key_dir");
    aggregation_state *a = sos_xcalloc(1, sizeof *a);
    if (sos_conf_mkdirs(dir, 0700) != 0) {
        sos_log_error("key_dir", "dir=%s", dir);
        free(a);
        return -1;
    }
    snprintf(path, sizeof path, "%s/aggregation.key", dir);
    if (sos_key_load_or_create(path, &a->key) != 0) {
        sos_log_error("key.load", "path=%s msg=\"unreadable, malformed or not 0600\"", path);
        free(a);
        return -1;
    }
    char hex[2 * SOS_PK_BYTES + 1];
    sos_hex(sos_key_public(a->key), SOS_PK_BYTES, hex);
    sos_log_info("key.loaded", "path=%s public=%s", path, hex);
    *app = a;
    return 0;
}

static void s_fini(void *app)
{
    aggregation_state *a = app;
    sos_key_destroy(&a->key);
    free(a);
}

static bool s_is_write(const ProtobufCMessage *m)
{
    (void)m;
    return false;
}

static int s_handle(sos_svc *svc, sos_txn *t, const ProtobufCMessage *m, sos_buf *out)
{
    const Sos__AggregationRequest *r = (const Sos__AggregationRequest *)m;
    Sos__AggregationReply rep = SOS__AGGREGATION_REPLY__INIT;
    Sos__Status status = SOS__STATUS__INIT;
    Sos__VerdictView view = SOS__VERDICT_VIEW__INIT;
    sos_status st = SOS_STATUS_OK;
    int rc;

    rep.request_id = r->request_id;
    rep.status = &status;
    switch (r->body_case) {
    case SOS__AGGREGATION_REQUEST__BODY_VERDICT_SHOW:
        rc = aggregation_verdict_view(t, r->verdict_show, &view, &st);
        /* not final here yet: scoring may have closed it a moment ago */
        if ((rc > 0 || (rc == 0 && !view.final)) && !sos_svc_synced(svc)) {
            aggregation_view_clear(&view);
            return SOS_SVC_SYNC;
        }
        if (rc == 0) {
            rep.body_case = SOS__AGGREGATION_REPLY__BODY_VERDICT;
            rep.verdict = &view;
        }
        break;
    default:
        rc = sos_fail(&st, SOS__CODE__CODE_BAD_REQUEST, "unknown request for aggregation");
        break;
    }
    if (rc >= 0) {
        sos_rules_status(rc, &st, &status);
        if (rc > 0)
            rep.body_case = SOS__AGGREGATION_REPLY__BODY__NOT_SET;
        sos_buf_pack(out, &rep.base);
    }
    aggregation_view_clear(&view);
    return sos_rules_verb(rc);
}

static int s_apply(sos_svc *svc, sos_txn *t, const Sos__Event *ev)
{
    return aggregation_apply(sos_svc_app(svc), t, ev, (uint64_t)time(NULL));
}

static const char *const s_dbs[] = {"tools", "takes", "latest", "verdicts"};

const sos_svc_spec aggregation_spec = {
    .name = "aggregation",
    .upstream = "scoring",
    .dbs = s_dbs,
    .n_dbs = 4,
    .request = &sos__aggregation_request__descriptor,
    .init = s_init,
    .fini = s_fini,
    .is_write = s_is_write,
    .handle = s_handle,
    .apply = s_apply,
};
