/* scoring: the panel's takes.
 *
 * SOCKETS  api ROUTER ([scoring] api), events PUB ([scoring] events);
 *          follows submission (tools, panel keys, comparisons).
 * STORE    <data_dir>/scoring: tools, panel, takes (every revision: an
 *          index to the events, which hold each signed take once; stores
 *          written before the index hold the take itself, read too),
 *          latest, closed + meta, events, requests.
 * SECURITY a take is verified over "shiporskip/take/v1\0" || payload with the
 *          signer's key before its payload is parsed, and the signer must be
 *          registered for the take's persona. The payload bytes are stored as
 *          received. Unknown fields in a payload are refused.
 * CONFIG   [scoring] quorum (default 4). */
#include "scoring.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "buf.h"
#include "conf.h"
#include "editors.h"
#include "envelope.h"
#include "log.h"
#include "rules.h"
#include "text.h"

#define S_KEY_MAX 160

/* Closes tool_id's panel on the takes in now; *n_out: how many. The
 * caller logs panel.closed once everything it writes has succeeded. */
static int s_close(sos_txn *t, const char *tool_id, const char *rule, const Sos__Signed *by,
                   size_t *n_out)
{
    uint8_t hashes[5][SOS_HASH_BYTES];
    ProtobufCBinaryData hb[5];
    size_t n = 0;
    int rc = sos_rules_latest_hashes(t, SCORING_DB_LATEST, tool_id, hashes, hb, &n);
    if (rc)
        return rc;
    Sos__PanelClosed pc = SOS__PANEL_CLOSED__INIT;
    ProtobufCBinaryData *hp = hb;
    pc.tool_id = (char *)tool_id;
    pc.n_take_hashes = n;
    pc.take_hashes = hp;
    pc.rule = (char *)rule;
    Sos__Event ev = SOS__EVENT__INIT;
    ev.kind_case = SOS__EVENT__KIND_PANEL_CLOSED;
    ev.panel_closed = &pc;
    ev.by = (Sos__Signed *)by;
    if ((rc = sos_rules_put(t, SCORING_DB_CLOSED, tool_id, strlen(tool_id), &pc.base)) ||
        (rc = sos_evlog_append(t, &ev)))
        return rc;
    *n_out = n;
    return 0;
}

static int s_body_check(const Sos__TakeBody *b, uint64_t now, sos_status *st)
{
    int rc;
    if (b->take_id.len < 8 || b->take_id.len > 64)
        return sos_fail(st, SOS__CODE__CODE_BAD_REQUEST, "take_id must be 8 to 64 bytes");
    if ((rc = sos_rules_text(st, "tool_id", b->tool_id, 1, 127)))
        return rc;
    if (b->persona < SOS__PERSONA__PERSONA_BUILDER || b->persona > SOS__PERSONA__PERSONA_CREATOR)
        return sos_fail(st, SOS__CODE__CODE_BAD_REQUEST,
                        "persona must be Builder, Skeptic, Futurist, Founder or Creator");
    if (b->score > 100)
        return sos_fail(st, SOS__CODE__CODE_BAD_REQUEST, "score %u is outside 0-100", b->score);
    if ((rc = sos_rules_text(st, "text", b->text, 1, SCORING_MAX_TEXT)))
        return rc;
    if (b->revision < 1)
        return sos_fail(st, SOS__CODE__CODE_BAD_REQUEST, "revision must be 1 or more");
    /* the reviewer's clock, not checked for the past (imports carry 0);
     * a date far ahead is a mistake (-1 read as 2^64 - 1), never a clock */
    if (b->filed_at > now && b->filed_at - now > SCORING_FILED_AHEAD_MAX)
        return sos_fail(st, SOS__CODE__CODE_BAD_REQUEST,
                        "filed_at %llu is more than a day (%u s) ahead of scoring's clock (%llu)",
                        (unsigned long long)b->filed_at, SCORING_FILED_AHEAD_MAX,
                        (unsigned long long)now);
    return 0;
}

int scoring_take_sender(const sos_peer *peer, const Sos__Signed *take, sos_status *st)
{
    if (peer->roles & SOS_ROLE_LOCAL)
        return 0;
    if (!peer->has_signer || take->signer.len != SOS_PK_BYTES ||
        memcmp(peer->signer, take->signer.data, SOS_PK_BYTES) != 0)
        return sos_fail(st, SOS__CODE__CODE_FORBIDDEN,
                        "the take is signed with a key this connection's reviewer does not hold");
    return 0;
}

int scoring_take_verify(const Sos__Signed *take)
{
    switch (sos_envelope_verify(&sos_envelope_take, take)) {
    case SOS_ENVELOPE_OK: return SCORING_SIG_GOOD;
    case SOS_ENVELOPE_FORGED: return SCORING_SIG_BAD;
    default: return SCORING_SIG_UNCHECKED; /* the shape: decide says what is wrong */
    }
}

int scoring_take_accept(const scoring_rules *r, sos_txn *t, const Sos__Signed *take,
                        const ProtobufCBinaryData *request_id, uint64_t now,
                        uint8_t hash[SOS_HASH_BYTES], sos_status *st)
{
    return scoring_take_decide(r, t, take, request_id, SCORING_SIG_UNCHECKED, now, hash, st);
}

int scoring_take_decide(const scoring_rules *r, sos_txn *t, const Sos__Signed *take,
                        const ProtobufCBinaryData *request_id, int sig, uint64_t now,
                        uint8_t hash[SOS_HASH_BYTES], sos_status *st)
{
    Sos__TakeBody *b = NULL;
    ProtobufCMessage *m = NULL;
    char key[S_KEY_MAX + 4];
    uint8_t pkey[1 + SOS_PK_BYTES];
    uint8_t latest[SOS_RULES_LATEST_BYTES], seqk[8];
    sos_val v;
    int rc;

    /* The envelope's rules, the signature over the exact bytes first (on a
     * verifier thread already, when sig says so). */
    rc = sig == SCORING_SIG_BAD
             ? SOS_ENVELOPE_FORGED
             : sos_envelope_open(&sos_envelope_take, take, sig == SCORING_SIG_GOOD, &m);
    if (rc != SOS_ENVELOPE_OK) {
        char why[256];
        sos_envelope_describe(&sos_envelope_take, rc, why, sizeof why);
        return sos_fail(
            st, rc == SOS_ENVELOPE_FORGED ? SOS__CODE__CODE_FORBIDDEN : SOS__CODE__CODE_BAD_REQUEST,
            "%s", why);
    }
    b = (Sos__TakeBody *)m;
    if ((rc = s_body_check(b, now, st)))
        goto out;
    if (request_id && (request_id->len != b->take_id.len ||
                       memcmp(request_id->data, b->take_id.data, b->take_id.len) != 0)) {
        rc = sos_fail(st, SOS__CODE__CODE_BAD_REQUEST, "request_id must equal the take_id");
        goto out;
    }
    rc = sos_txn_get(t, SCORING_DB_TOOLS, b->tool_id, strlen(b->tool_id), NULL);
    if (rc == SOS_NOTFOUND) {
        rc = sos_fail(st, SOS__CODE__CODE_NOT_FOUND, "unknown tool: %s", b->tool_id);
        st->upstream_may_know = 1;
        goto out;
    }
    if (rc)
        goto out;
    pkey[0] = (uint8_t)b->persona;
    memcpy(pkey + 1, take->signer.data, SOS_PK_BYTES);
    rc = sos_txn_get(t, SCORING_DB_PANEL, pkey, sizeof pkey, NULL);
    if (rc == SOS_NOTFOUND) {
        rc = sos_fail(st, SOS__CODE__CODE_FORBIDDEN, "signing key is not registered for %s",
                      sos_persona_name(b->persona));
        st->upstream_may_know = 1;
        goto out;
    }
    if (rc)
        goto out;
    rc = sos_txn_get(t, SCORING_DB_CLOSED, b->tool_id, strlen(b->tool_id), NULL);
    if (rc == SOS_OK) {
        rc = sos_fail(st, SOS__CODE__CODE_CLOSED, "the verdict on %s is final: takes are closed",
                      b->tool_id);
        goto out;
    }
    if (rc != SOS_NOTFOUND)
        goto out;
    size_t kl = sos_rules_latest_key(key, b->tool_id, b->persona);
    rc = sos_txn_get(t, SCORING_DB_LATEST, key, kl, &v);
    bool first = rc == SOS_NOTFOUND;
    if (rc == SOS_OK) {
        uint32_t prev = sos_be32_get(v.data);
        if (b->revision <= prev) {
            rc = sos_fail(st, SOS__CODE__CODE_STALE,
                          "revision %u is not above the stored revision %u", b->revision, prev);
            goto out;
        }
    } else if (rc != SOS_NOTFOUND) {
        goto out;
    }
    /* The signed take is stored once, in its event; the takes index and
     * the latest entry name that event's seq. */
    sos_hash(take->payload.data, take->payload.len, hash);
    Sos__Signed s = *take;
    Sos__Event ev = SOS__EVENT__INIT;
    ev.kind_case = SOS__EVENT__KIND_TAKE;
    ev.take = &s;
    if ((rc = sos_evlog_append(t, &ev)))
        goto out;
    sos_rules_latest_pack(latest, b->revision, hash, ev.seq);
    sos_be32_put((uint8_t *)key + kl, b->revision);
    sos_be64_put(seqk, ev.seq);
    if ((rc = sos_txn_put(t, SCORING_DB_TAKES, key, kl + 4, seqk, sizeof seqk)) ||
        (rc = sos_txn_put(t, SCORING_DB_LATEST, key, kl, latest, sizeof latest)))
        goto out;
    char rule[32] = "";
    size_t closed_on = 0;
    if (first) {
        unsigned personas = 0;
        for (int p = SOS__PERSONA__PERSONA_BUILDER; p <= SOS__PERSONA__PERSONA_CREATOR; p++) {
            size_t l = sos_rules_latest_key(key, b->tool_id, (Sos__Persona)p);
            int g = sos_txn_get(t, SCORING_DB_LATEST, key, l, NULL);
            if (g == SOS_OK)
                personas++;
            else if (g != SOS_NOTFOUND) {
                rc = g;
                goto out;
            }
        }
        if (personas >= r->quorum) {
            snprintf(rule, sizeof rule, "quorum:%u", r->quorum);
            rc = s_close(t, b->tool_id, rule, NULL, &closed_on);
        }
    }
    if (rc == 0) { /* all written: the service loop holds these until the commit */
        sos_log_info("take.accepted", "tool=%s persona=%s revision=%u score=%u verdict=%s",
                     b->tool_id, sos_persona_name(b->persona), b->revision, b->score,
                     b->ship ? "ship" : "skip");
        if (rule[0])
            sos_log_info("panel.closed", "tool=%s takes=%zu rule=%s", b->tool_id, closed_on, rule);
    }
out:
    if (b)
        sos__take_body__free_unpacked(b, NULL);
    return rc;
}

/* A takes value as stores written before the index kept it (the packed
 * Signed itself), wrapped in the event a newer store points to. */
static Sos__Event *s_take_event_v0(const sos_val *v)
{
    Sos__Signed *s = (Sos__Signed *)sos_unpack(&sos__signed__descriptor, v->data, v->len);
    if (!s)
        return NULL;
    Sos__Event ev = SOS__EVENT__INIT;
    ev.kind_case = SOS__EVENT__KIND_TAKE;
    ev.take = s;
    sos_buf b = SOS_BUF_INIT;
    sos_buf_pack(&b, &ev.base);
    sos__signed__free_unpacked(s, NULL);
    Sos__Event *out = (Sos__Event *)sos_unpack(&sos__event__descriptor, b.data, b.len);
    sos_buf_free(&b);
    return out;
}

/* What is wrong with a stored take as read back (the store keeps no
 * checksums: the take's signature is its checksum), or NULL. */
static const char *s_take_damage(const Sos__Event *ev)
{
    if (!ev)
        return "the take's event is missing or does not decode";
    if (ev->kind_case != SOS__EVENT__KIND_TAKE || !ev->take)
        return "the index names an event that is not a take";
    ProtobufCMessage *m = NULL;
    int rc = sos_envelope_open(&sos_envelope_take, ev->take, false, &m);
    if (m)
        protobuf_c_message_free_unpacked(m, NULL);
    if (rc == SOS_ENVELOPE_FORGED)
        return "the stored take's signature does not verify";
    if (rc != SOS_ENVELOPE_OK)
        return "the stored take is not a well-formed signed take";
    return NULL;
}

int scoring_takes_list(sos_txn *t, const char *tool_id, Sos__Event ***out, size_t *n)
{
    char key[S_KEY_MAX];
    size_t kl = strlen(tool_id) + 1, cap = 0;
    sos_cursor *c = NULL;
    sos_val k, v;
    *out = NULL;
    *n = 0;
    if (kl > S_KEY_MAX - 5)
        return SOS_EINVAL;
    memcpy(key, tool_id, kl);
    int rc = sos_cursor_open(t, SCORING_DB_TAKES, &c);
    if (rc != SOS_OK)
        return rc;
    for (rc = sos_cursor_seek(c, key, kl, &k, &v); rc == SOS_OK; rc = sos_cursor_next(c, &k, &v)) {
        if (k.len < kl || memcmp(k.data, key, kl) != 0)
            break;
        Sos__Event *ev =
            v.len == 8
                ? (Sos__Event *)sos_rules_get(t, SOS_DB_EVENTS, &sos__event__descriptor, v.data, 8)
                : s_take_event_v0(&v);
        const char *bad = s_take_damage(ev);
        if (bad) {
            if (ev)
                sos__event__free_unpacked(ev, NULL);
            /* refused, never served; sos check finds the rest */
            rc = sos_store_corrupt("takes", k.data, k.len, bad);
            break;
        }
        if (*n == cap) {
            cap = cap ? 2 * cap : 8;
            *out = sos_xrealloc(*out, cap * sizeof **out);
        }
        (*out)[(*n)++] = ev;
    }
    sos_cursor_destroy(&c);
    if (rc == SOS_NOTFOUND)
        rc = SOS_OK;
    if (rc != SOS_OK) {
        sos_rules_list_free((ProtobufCMessage **)*out, *n);
        *out = NULL;
        *n = 0;
    }
    return rc;
}

int scoring_panel_close(sos_txn *t, const char *tool_id, const char *rule, const Sos__Signed *by,
                        sos_status *st)
{
    char key[S_KEY_MAX];
    int rc = sos_rules_id(st, "tool id", tool_id);
    if (rc)
        return rc;
    rc = sos_txn_get(t, SCORING_DB_TOOLS, tool_id, strlen(tool_id), NULL);
    if (rc == SOS_NOTFOUND) {
        rc = sos_fail(st, SOS__CODE__CODE_NOT_FOUND, "unknown tool: %s", tool_id);
        st->upstream_may_know = 1;
        return rc;
    }
    if (rc)
        return rc;
    rc = sos_txn_get(t, SCORING_DB_CLOSED, tool_id, strlen(tool_id), NULL);
    if (rc == SOS_OK)
        return sos_fail(st, SOS__CODE__CODE_CLOSED, "the verdict on %s is final already", tool_id);
    if (rc != SOS_NOTFOUND)
        return rc;
    bool any = false;
    for (int p = SOS__PERSONA__PERSONA_BUILDER; p <= SOS__PERSONA__PERSONA_CREATOR && !any; p++) {
        size_t kl = sos_rules_latest_key(key, tool_id, (Sos__Persona)p);
        rc = sos_txn_get(t, SCORING_DB_LATEST, key, kl, NULL);
        if (rc == SOS_OK)
            any = true;
        else if (rc != SOS_NOTFOUND)
            return rc;
    }
    if (!any)
        return sos_fail(st, SOS__CODE__CODE_BAD_REQUEST, "%s has no takes to finalize", tool_id);
    size_t n = 0;
    if ((rc = s_close(t, tool_id, rule, by, &n)) == 0)
        sos_log_info("panel.closed", "tool=%s takes=%zu rule=%s", tool_id, n, rule);
    return rc;
}

int scoring_editorial(sos_txn *t, const Sos__Signed *env, const ProtobufCBinaryData *rid,
                      char **tool_out, sos_status *st)
{
    Sos__EditorAction *a = NULL;
    int rc;
    *tool_out = NULL;
    if ((rc = sos_editors_open(env, rid, &a, st)) ||
        (rc = sos_editors_check(t, SCORING_DB_EDITORS, env->signer.data, st)))
        goto out;
    if (a->act_case != SOS__EDITOR_ACTION__ACT_PANEL_CLOSE) {
        rc = sos_fail(st, SOS__CODE__CODE_BAD_REQUEST,
                      "scoring takes one editorial action, panel_close (verdict finalize); the "
                      "others go to submission");
        goto out;
    }
    if ((rc = scoring_panel_close(t, a->panel_close, "editor", env, st)) == 0)
        *tool_out = sos_xstrdup(a->panel_close);
out:
    if (a)
        sos__editor_action__free_unpacked(a, NULL);
    return rc;
}

int scoring_apply(sos_txn *t, const Sos__Event *ev)
{
    Sos__Event fwd = *ev;
    uint8_t pkey[1 + SOS_PK_BYTES];
    int rc;
    fwd.base.n_unknown_fields = 0;
    fwd.base.unknown_fields = NULL;
    sos_status st;
    switch (ev->kind_case) {
    case SOS__EVENT__KIND_TOOL:
        if (sos_rules_id(&st, "tool id", ev->tool->tool_id))
            return SOS_EINVAL;
        if ((rc = sos_rules_put(t, SCORING_DB_TOOLS, ev->tool->tool_id, strlen(ev->tool->tool_id),
                                &ev->tool->base)))
            return rc;
        return sos_evlog_append(t, &fwd);
    case SOS__EVENT__KIND_PANEL_KEY:
        if (ev->panel_key->public_key.len != SOS_PK_BYTES)
            return 0;
        pkey[0] = (uint8_t)ev->panel_key->persona;
        memcpy(pkey + 1, ev->panel_key->public_key.data, SOS_PK_BYTES);
        return sos_txn_put(t, SCORING_DB_PANEL, pkey, sizeof pkey, "", 0);
    case SOS__EVENT__KIND_COMPARISON: return sos_evlog_append(t, &fwd);
    case SOS__EVENT__KIND_EDITOR: /* the registry as of the cursor: not forwarded */
        if (!ev->editor->key || ev->editor->key->public_key.len != SOS_PK_BYTES)
            return 0;
        return sos_editors_put(t, SCORING_DB_EDITORS, ev->editor);
    default:
        sos_log_warn("follow.ignored", "kind=%d seq=%llu", ev->kind_case,
                     (unsigned long long)ev->seq);
        return 0;
    }
}

/* --- the service ----------------------------------------------------- */

static int s_init(sos_svc *svc, void **app)
{
    long long q;
    if (sos_conf_int(sos_svc_conf(svc), "scoring", "quorum", 4, &q) != 0 || q < 1 || q > 5) {
        sos_log_error("config", "msg=\"[scoring] quorum must be 1 to 5\"");
        return -1;
    }
    scoring_rules *r = sos_xcalloc(1, sizeof *r);
    r->quorum = (unsigned)q;
    *app = r;
    return 0;
}

static void s_fini(void *app)
{
    free(app);
}

/* Reviewers file takes, editors close panels; the takes of an open panel
 * are sealed from reviewers (one reviewer does not read another's take
 * before filing). */
static unsigned s_roles(const ProtobufCMessage *m)
{
    const Sos__ScoringRequest *r = (const Sos__ScoringRequest *)m;
    switch (r->body_case) {
    case SOS__SCORING_REQUEST__BODY_TAKE_FILE: return SOS_ROLE_REVIEWER;
    case SOS__SCORING_REQUEST__BODY_EDITORIAL: return SOS_ROLE_EDITOR;
    case SOS__SCORING_REQUEST__BODY_TAKE_LIST:
        return SOS_ROLE_EDITOR | SOS_ROLE_PUBLISHER | SOS_ROLE_SERVICE;
    default: return SOS_ROLE_ANY;
    }
}

static bool s_is_write(const ProtobufCMessage *m)
{
    const Sos__ScoringRequest *r = (const Sos__ScoringRequest *)m;
    return r->body_case == SOS__SCORING_REQUEST__BODY_TAKE_FILE ||
           r->body_case == SOS__SCORING_REQUEST__BODY_EDITORIAL;
}

static int s_handle(sos_svc *svc, sos_txn *t, const ProtobufCMessage *m, sos_buf *out)
{
    const Sos__ScoringRequest *r = (const Sos__ScoringRequest *)m;
    Sos__ScoringReply rep = SOS__SCORING_REPLY__INIT;
    Sos__Status status = SOS__STATUS__INIT;
    Sos__TakeList takes = SOS__TAKE_LIST__INIT;
    sos_status st = SOS_STATUS_OK;
    uint8_t hash[SOS_HASH_BYTES];
    ProtobufCMessage **list = NULL;
    Sos__Signed **signed_list = NULL; /* views into list's events */
    size_t n = 0;
    Sos__PanelClosed *closed = NULL;
    int rc;

    rep.request_id = r->request_id;
    rep.status = &status;
    switch (r->body_case) {
    case SOS__SCORING_REQUEST__BODY_TAKE_FILE:
        if ((rc = scoring_take_sender(sos_svc_peer(svc), r->take_file, &st)))
            break;
        rc = scoring_take_decide(sos_svc_app(svc), t, r->take_file, &r->request_id,
                                 sos_svc_prepared(svc), (uint64_t)time(NULL), hash, &st);
        if (rc > 0 && st.upstream_may_know && !sos_svc_synced(svc))
            return SOS_SVC_SYNC; /* maybe submission knows more than we do yet */
        if (rc == 0) {
            rep.body_case = SOS__SCORING_REPLY__BODY_TAKE_HASH;
            rep.take_hash = (ProtobufCBinaryData){SOS_HASH_BYTES, hash};
        }
        break;
    case SOS__SCORING_REQUEST__BODY_EDITORIAL: {
        char *tool = NULL;
        rc = scoring_editorial(t, r->editorial, &r->request_id, &tool, &st);
        if (rc > 0 && st.upstream_may_know && !sos_svc_synced(svc))
            return SOS_SVC_SYNC; /* a new editor or tool submission has not sent yet */
        if (rc == 0 && (closed = (Sos__PanelClosed *)sos_rules_get(t, SCORING_DB_CLOSED,
                                                                   &sos__panel_closed__descriptor,
                                                                   tool, strlen(tool))) != NULL) {
            rep.body_case = SOS__SCORING_REPLY__BODY_CLOSED;
            rep.closed = closed;
        }
        free(tool);
        break;
    }
    case SOS__SCORING_REQUEST__BODY_TAKE_LIST: {
        char key[S_KEY_MAX];
        size_t kl = strlen(r->take_list) + 1;
        if ((rc = sos_rules_id(&st, "tool id", r->take_list)))
            break;
        memcpy(key, r->take_list, kl);
        rc = sos_txn_get(t, SCORING_DB_TOOLS, r->take_list, kl - 1, NULL);
        if (rc == SOS_NOTFOUND) { /* not an empty list: a tool nobody submitted */
            rc = sos_fail(&st, SOS__CODE__CODE_NOT_FOUND, "unknown tool: %s", r->take_list);
            if (!sos_svc_synced(svc))
                return SOS_SVC_SYNC; /* maybe submission knows more than we do yet */
            break;
        }
        if (rc)
            break;
        rc = scoring_takes_list(t, r->take_list, (Sos__Event ***)&list, &n);
        if (rc == 0 && n) {
            signed_list = sos_xcalloc(n, sizeof *signed_list);
            for (size_t i = 0; i < n; i++)
                signed_list[i] = ((Sos__Event *)list[i])->take;
        }
        takes.takes = signed_list;
        takes.n_takes = rc == 0 ? n : 0;
        takes.closed = sos_txn_get(t, SCORING_DB_CLOSED, r->take_list, kl - 1, NULL) == SOS_OK;
        rep.body_case = SOS__SCORING_REPLY__BODY_TAKES;
        rep.takes = &takes;
        break;
    }
    default: rc = sos_fail(&st, SOS__CODE__CODE_BAD_REQUEST, "unknown request for scoring"); break;
    }
    if (rc > 0)
        sos_log_info("request.refused", "code=%s msg=\"%s\"", sos_code_name(st.code), st.msg);
    if (rc >= 0) {
        sos_rules_status(rc, &st, &status);
        if (rc > 0)
            rep.body_case = SOS__SCORING_REPLY__BODY__NOT_SET;
        sos_buf_pack(out, &rep.base);
    }
    free(signed_list);
    sos_rules_list_free(list, n);
    if (closed)
        sos__panel_closed__free_unpacked(closed, NULL);
    return sos_rules_verb(rc);
}

static int s_apply(sos_svc *svc, sos_txn *t, const Sos__Event *ev)
{
    (void)svc;
    return scoring_apply(t, ev);
}

/* On a verifier thread: a take's signature, before its turn. */
static int s_prepare(const ProtobufCMessage *m)
{
    const Sos__ScoringRequest *r = (const Sos__ScoringRequest *)m;
    if (r->body_case != SOS__SCORING_REQUEST__BODY_TAKE_FILE || !r->take_file)
        return SCORING_SIG_UNCHECKED;
    return scoring_take_verify(r->take_file);
}

static const char *const s_dbs[] = {"tools", "panel", "takes", "latest", "closed", "editors"};

const sos_svc_spec scoring_spec = {
    .name = "scoring",
    .upstream = "submission",
    .dbs = s_dbs,
    .n_dbs = 6,
    .request = &sos__scoring_request__descriptor,
    .init = s_init,
    .fini = s_fini,
    .roles = s_roles,
    .is_write = s_is_write,
    .prepare = s_prepare,
    .handle = s_handle,
    .apply = s_apply,
};
