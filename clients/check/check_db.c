/* check_db: what each database of each store holds, and the checks on one
 * record of it (docs/architecture.md, "Storage"): its key's shape, its
 * value decoded as the message the database keeps, its signatures opened
 * through envelope.h, and the records it names in other databases (the
 * indexes against the event log and back). Runs in the walk's child
 * process; its findings go through check_walk_found. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "aggregation.pb-c.h"
#include "buf.h"
#include "check_int.h"
#include "envelope.h"
#include "evlog.h"
#include "merkle.h"
#include "note.h"
#include "publishing.pb-c.h"
#include "rules.h"
#include "scoring.pb-c.h"
#include "sign.h"
#include "submission.pb-c.h"

/* Handles as the daemons open them: meta, events, requests, then their own
 * (services/<service>/<service>.h). */
/* clang-format off */
#define S_COMMON {"meta", CHECK_K_META}, {"events", CHECK_K_EVENTS}, {"requests", CHECK_K_REQUESTS}
const check_svcdef check_db_services[4] = {
    {"submission", NULL, &sos__submission_reply__descriptor, 8,
     {S_COMMON, {"tools", CHECK_K_TOOLS}, {"names", CHECK_K_NAMES}, {"panel", CHECK_K_PANEL_KEY},
      {"comparisons", CHECK_K_COMPARISONS}, {"editors", CHECK_K_EDITORS}}},
    {"scoring", "submission", &sos__scoring_reply__descriptor, 9,
     {S_COMMON, {"tools", CHECK_K_TOOLS}, {"panel", CHECK_K_PANEL_EMPTY},
      {"takes", CHECK_K_SCORING_TAKES}, {"latest", CHECK_K_LATEST}, {"closed", CHECK_K_CLOSED},
      {"editors", CHECK_K_EDITORS}}},
    {"aggregation", "scoring", &sos__aggregation_reply__descriptor, 7,
     {S_COMMON, {"tools", CHECK_K_TOOLS}, {"takes", CHECK_K_AGG_TAKES},
      {"latest", CHECK_K_LATEST}, {"verdicts", CHECK_K_VERDICTS}}},
    {"publishing", "aggregation", &sos__publishing_reply__descriptor, 10,
     {S_COMMON, {"tools", CHECK_K_TOOLS}, {"verdicts", CHECK_K_VERDICTS},
      {"comparisons", CHECK_K_COMPARISONS}, {"by_tool", CHECK_K_BY_TOOL},
      {"published", CHECK_K_PUBLISHED}, {"log", CHECK_K_LOG}, {"comparison_by", CHECK_K_BY}}},
};
/* clang-format on */

static sos_db s_handle(const check_svcdef *d, const char *name)
{
    for (unsigned i = 0; i < d->n; i++)
        if (strcmp(d->db[i].name, name) == 0)
            return i;
    abort(); /* the table above is wrong: a bug */
}

/* A signed envelope of kind opened by envelope.h's rules: NULL and *out
 * set (the caller frees it), or what is wrong. */
static const char *s_signed_open(const Sos__Signed *s, const sos_envelope_kind *kind,
                                 ProtobufCMessage **out)
{
    static char why[256]; /* one thread: the walk's */
    *out = NULL;
    if (!s)
        return "no signed envelope";
    int rc = sos_envelope_open(kind, s, false, out);
    if (rc == SOS_ENVELOPE_OK)
        return NULL;
    sos_envelope_describe(kind, rc, why, sizeof why);
    return why;
}

static const char *s_take_open(const Sos__Signed *s, Sos__TakeBody **b)
{
    return s_signed_open(s, &sos_envelope_take, (ProtobufCMessage **)b);
}

/* A Verdict record whole (envelope.h): NULL, or what is wrong. A counted
 * take that fails is reported in one sentence whatever the rule it breaks,
 * as the check always has (docs and faults.damage read it). */
static const char *s_verdict_check(const Sos__Verdict *v, const char *tool_id)
{
    static char why[256]; /* one thread: the walk's */
    int rc = sos_envelope_open_verdict(v, tool_id, false, NULL, why, sizeof why);
    if (rc == SOS_ENVELOPE_TAKE)
        return "a counted take's signature does not verify";
    return rc == SOS_ENVELOPE_OK ? NULL : why;
}

/* The event at seq, decoded, or NULL. */
static Sos__Event *s_event(check_walk *w, uint64_t seq)
{
    uint8_t k[8];
    sos_val v;
    sos_be64_put(k, seq);
    if (sos_txn_get(w->t, SOS_DB_EVENTS, k, 8, &v) != SOS_OK)
        return NULL;
    return (Sos__Event *)sos_unpack(&sos__event__descriptor, v.data, v.len);
}

static bool s_has(check_walk *w, const char *db, const void *k, size_t kl, sos_val *v)
{
    return sos_txn_get(w->t, s_handle(w->def, db), k, kl, v) == SOS_OK;
}

/* One record of publishing's log table (publishing_log.h): a stored hash
 * must be the leaf hash of its event or the node of the two below it; the
 * size must be the event log's head; the checkpoint must parse and be of
 * a tree no larger. What is wrong, or NULL. */
static const char *s_log_record(check_walk *w, const sos_val *k, const sos_val *v)
{
    uint8_t want[SOS_MERKLE_HASH], kb[9];
    uint64_t head = 0, size;
    sos_val ev, l, r;
    if (sos_evlog_head(w->t, &head) != SOS_OK)
        return "the event log's head cannot be read";
    if (k->len == 4 && memcmp(k->data, "size", 4) == 0)
        return v->len != 8                     ? "the tree size is not 8 bytes"
               : sos_be64_get(v->data) != head ? "the tree's size is not the event log's head"
                                               : NULL;
    if (k->len == 10 && memcmp(k->data, "checkpoint", 10) == 0) {
        char origin[SOS_NOTE_NAME_MAX + 1];
        const uint8_t *p = v->data;
        size_t tl = 0;
        while (tl + 1 < v->len && !(p[tl] == '\n' && p[tl + 1] == '\n'))
            tl++;
        if (tl + 1 >= v->len ||
            sos_checkpoint_parse(p, tl + 1, origin, sizeof origin, &size, want) != SOS_NOTE_OK)
            return "the checkpoint does not parse";
        return size > head ? "the checkpoint is of a tree larger than the log" : NULL;
    }
    if (k->len != 9 || v->len != SOS_MERKLE_HASH)
        return "not a stored hash of the tree";
    unsigned level = ((const uint8_t *)k->data)[0];
    uint64_t index = sos_be64_get((const uint8_t *)k->data + 1);
    if (level >= 64 || index >= (head >> level))
        return "a stored hash of a subtree the log does not complete";
    if (level == 0) {
        sos_be64_put(kb, index + 1);
        if (sos_txn_get(w->t, SOS_DB_EVENTS, kb, 8, &ev) != SOS_OK)
            return "the leaf's event is missing";
        sos_merkle_leaf(ev.data, ev.len, want);
    } else {
        kb[0] = (uint8_t)(level - 1);
        sos_be64_put(kb + 1, 2 * index);
        if (!s_has(w, "log", kb, 9, &l) || l.len != SOS_MERKLE_HASH)
            return "the left subtree's hash is missing";
        uint8_t left[SOS_MERKLE_HASH];
        memcpy(left, l.data, SOS_MERKLE_HASH);
        sos_be64_put(kb + 1, 2 * index + 1);
        if (!s_has(w, "log", kb, 9, &r) || r.len != SOS_MERKLE_HASH)
            return "the right subtree's hash is missing";
        sos_merkle_node(left, r.data, want);
    }
    return memcmp(want, v->data, SOS_MERKLE_HASH) ? "a stored hash of the tree is wrong" : NULL;
}

/* An event's take decoded; what is wrong, or NULL. */
static const char *s_event_take(Sos__Event *ev, Sos__TakeBody **b)
{
    *b = NULL;
    if (!ev)
        return "names an event that is missing or does not decode";
    if (ev->kind_case != SOS__EVENT__KIND_TAKE)
        return "names an event that is not a take";
    return s_take_open(ev->take, b);
}

static void s_check_event(check_walk *w, const sos_val *k, const sos_val *v, uint64_t *expect)
{
    const char *db = "events";
    if (k->len != 8) {
        check_walk_found(w, db, k->data, k->len, "key is %zu bytes, not a sequence number", k->len);
        return;
    }
    uint64_t seq = sos_be64_get(k->data);
    if (seq != *expect)
        check_walk_found(w, db, k->data, 8, "sequence number %llu where %llu was next",
                         (unsigned long long)seq, (unsigned long long)*expect);
    *expect = seq + 1;
    Sos__Event *ev = (Sos__Event *)sos_unpack(&sos__event__descriptor, v->data, v->len);
    if (!ev) {
        check_walk_found(w, db, k->data, 8, "event does not decode");
        return;
    }
    Sos__TakeBody *b = NULL;
    const char *bad = NULL;
    char key[200];
    sos_val iv;
    bool scoring = strcmp(w->def->service, "scoring") == 0;
    if (ev->seq != seq)
        check_walk_found(w, db, k->data, 8, "event says it is number %llu",
                         (unsigned long long)ev->seq);
    if (ev->by) { /* the editor's signed action that caused it */
        ProtobufCMessage *a = NULL;
        if ((bad = s_signed_open(ev->by, &sos_envelope_editorial, &a)) != NULL)
            check_walk_found(w, db, k->data, 8, "editor's signed action: %s", bad);
        if (a)
            protobuf_c_message_free_unpacked(a, NULL);
        bad = NULL;
    }
    switch (ev->kind_case) {
    case SOS__EVENT__KIND_TAKE:
        if ((bad = s_take_open(ev->take, &b)) != NULL) {
            check_walk_found(w, db, k->data, 8, "take: %s", bad);
            break;
        }
        if (!scoring)
            break;
        /* the take is indexed under its key, and its signer registered */
        if (strlen(b->tool_id) + 6 < sizeof key) {
            size_t kl = strlen(b->tool_id) + 2;
            memcpy(key, b->tool_id, kl - 2);
            key[kl - 2] = '\0';
            key[kl - 1] = (char)b->persona;
            sos_be32_put((uint8_t *)key + kl, b->revision);
            if (!s_has(w, "takes", key, kl + 4, &iv) || iv.len != 8 || sos_be64_get(iv.data) != seq)
                check_walk_found(w, db, k->data, 8, "take is not in the takes index under its key");
        }
        uint8_t pk[1 + SOS_PK_BYTES];
        pk[0] = (uint8_t)b->persona;
        memcpy(pk + 1, ev->take->signer.data, SOS_PK_BYTES);
        if (!s_has(w, "panel", pk, sizeof pk, NULL))
            check_walk_found(w, db, k->data, 8, "take is signed by a key the panel does not hold");
        break;
    case SOS__EVENT__KIND_TOOL:
        if (!ev->tool || !ev->tool->tool_id[0]) {
            check_walk_found(w, db, k->data, 8, "tool event without a tool id");
            break;
        }
        if (s_has(w, "tools", ev->tool->tool_id, strlen(ev->tool->tool_id), &iv)) {
            sos_buf p = SOS_BUF_INIT;
            sos_buf_pack(&p, &ev->tool->base);
            if (p.len != iv.len || memcmp(p.data, iv.data, p.len) != 0)
                check_walk_found(w, db, k->data, 8, "tool %s differs from the tools record",
                                 ev->tool->tool_id);
            sos_buf_free(&p);
        } else {
            check_walk_found(w, db, k->data, 8, "tool %s is missing from the tools database",
                             ev->tool->tool_id);
        }
        break;
    case SOS__EVENT__KIND_PANEL_CLOSED:
        if (scoring &&
            !s_has(w, "closed", ev->panel_closed->tool_id, strlen(ev->panel_closed->tool_id), NULL))
            check_walk_found(w, db, k->data, 8, "closed panel of %s is missing from closed",
                             ev->panel_closed->tool_id);
        break;
    case SOS__EVENT__KIND_VERDICT:
    case SOS__EVENT__KIND_PUBLICATION: {
        const Sos__Verdict *vd =
            ev->kind_case == SOS__EVENT__KIND_VERDICT ? ev->verdict : ev->publication;
        if ((bad = s_verdict_check(vd, NULL)) != NULL)
            check_walk_found(w, db, k->data, 8, "verdict: %s", bad);
        break;
    }
    case SOS__EVENT__KIND_EDITOR:
        if (!ev->editor || !ev->editor->key || ev->editor->key->public_key.len != SOS_PK_BYTES)
            check_walk_found(w, db, k->data, 8, "editor event without a public key");
        else if (!s_has(w, "editors", ev->editor->key->public_key.data, SOS_PK_BYTES, NULL))
            check_walk_found(w, db, k->data, 8, "editor key is missing from the editors database");
        break;
    case SOS__EVENT__KIND_PANEL_KEY:
    case SOS__EVENT__KIND_COMPARISON:
    case SOS__EVENT__KIND_COMPARISON_PUBLISHED: break;
    default:
        check_walk_found(w, db, k->data, 8, "event of no known kind (%d)", ev->kind_case);
        break;
    }
    if (b)
        sos__take_body__free_unpacked(b, NULL);
    sos__event__free_unpacked(ev, NULL);
}

/* tool NUL persona [revision]: the tool's length, or 0 when malformed. */
static size_t s_take_key(const sos_val *k, size_t tail)
{
    const uint8_t *p = k->data;
    if (k->len < 2 + tail || p[k->len - tail - 2] != 0)
        return 0;
    uint8_t persona = p[k->len - tail - 1];
    if (persona < SOS__PERSONA__PERSONA_BUILDER || persona > SOS__PERSONA__PERSONA_CREATOR)
        return 0;
    return k->len - tail - 2;
}

static bool s_take_is(const Sos__TakeBody *b, const sos_val *k, size_t tl)
{
    const uint8_t *p = k->data;
    return strlen(b->tool_id) == tl && memcmp(b->tool_id, p, tl) == 0 &&
           (uint8_t)b->persona == p[tl + 1];
}

void check_db_record(check_walk *w, const check_dbdef *d, const sos_val *k, const sos_val *v,
                     uint64_t *expect)
{
    const char *db = d->name, *bad = NULL;
    ProtobufCMessage *m = NULL;
    Sos__TakeBody *b = NULL;
    Sos__Event *ev = NULL;
    size_t tl;
    switch (d->kind) {
    case CHECK_K_META:
        if (v->len != 8)
            check_walk_found(w, db, k->data, k->len, "value is %zu bytes, not a number", v->len);
        else if (k->len == 6 && memcmp(k->data, "format", 6) == 0) {
            if (sos_be64_get(v->data) != SOS_STORE_FORMAT)
                check_walk_found(w, db, k->data, k->len, "format %llu, not %d",
                                 (unsigned long long)sos_be64_get(v->data), SOS_STORE_FORMAT);
        } else if (!(k->len == 6 && memcmp(k->data, "cursor", 6) == 0))
            check_walk_found(w, db, k->data, k->len, "unknown meta key");
        break;
    case CHECK_K_EVENTS: s_check_event(w, k, v, expect); break;
    case CHECK_K_REQUESTS:
        if (v->len < SOS_HASH_BYTES ||
            !(m = sos_unpack(w->def->reply, (const uint8_t *)v->data + SOS_HASH_BYTES,
                             v->len - SOS_HASH_BYTES)))
            check_walk_found(w, db, k->data, k->len, "stored reply does not decode");
        break;
    case CHECK_K_TOOLS:
        if (!(m = sos_unpack(&sos__tool__descriptor, v->data, v->len)))
            check_walk_found(w, db, k->data, k->len, "tool does not decode");
        else if (strlen(((Sos__Tool *)m)->tool_id) != k->len ||
                 memcmp(((Sos__Tool *)m)->tool_id, k->data, k->len) != 0)
            check_walk_found(w, db, k->data, k->len, "tool id differs from its key");
        break;
    case CHECK_K_NAMES:
        if (v->len == 0 || !s_has(w, "tools", v->data, v->len, NULL))
            check_walk_found(w, db, k->data, k->len, "names a tool that is not in tools");
        break;
    case CHECK_K_PANEL_KEY:
    case CHECK_K_PANEL_EMPTY:
        if (k->len != 1 + SOS_PK_BYTES || ((const uint8_t *)k->data)[0] < 1 ||
            ((const uint8_t *)k->data)[0] > 5) {
            check_walk_found(w, db, k->data, k->len, "not a persona and a public key");
            break;
        }
        if (d->kind == CHECK_K_PANEL_EMPTY) {
            if (v->len != 0)
                check_walk_found(w, db, k->data, k->len, "value should be empty");
            break;
        }
        if (!(m = sos_unpack(&sos__panel_key__descriptor, v->data, v->len)))
            check_walk_found(w, db, k->data, k->len, "panel key does not decode");
        else if ((uint8_t)((Sos__PanelKey *)m)->persona != ((const uint8_t *)k->data)[0] ||
                 ((Sos__PanelKey *)m)->public_key.len != SOS_PK_BYTES ||
                 memcmp(((Sos__PanelKey *)m)->public_key.data, (const uint8_t *)k->data + 1,
                        SOS_PK_BYTES) != 0)
            check_walk_found(w, db, k->data, k->len, "panel key differs from its key");
        break;
    case CHECK_K_COMPARISONS:
        if (!(m = sos_unpack(&sos__comparison__descriptor, v->data, v->len)))
            check_walk_found(w, db, k->data, k->len, "comparison does not decode");
        else if (strlen(((Sos__Comparison *)m)->slug) != k->len ||
                 memcmp(((Sos__Comparison *)m)->slug, k->data, k->len) != 0)
            check_walk_found(w, db, k->data, k->len, "comparison slug differs from its key");
        break;
    case CHECK_K_SCORING_TAKES:
        if (!(tl = s_take_key(k, 4))) {
            check_walk_found(w, db, k->data, k->len, "not a tool, persona and revision");
            break;
        }
        if (v->len == 8) {
            ev = s_event(w, sos_be64_get(v->data));
            bad = s_event_take(ev, &b);
        } else { /* a store from before the index: the take itself */
            Sos__Signed *s = (Sos__Signed *)sos_unpack(&sos__signed__descriptor, v->data, v->len);
            bad = s ? s_take_open(s, &b) : "take does not decode";
            m = s ? &s->base : NULL;
        }
        if (bad)
            check_walk_found(w, db, k->data, k->len, "%s", bad);
        else if (!s_take_is(b, k, tl) ||
                 b->revision != sos_be32_get((const uint8_t *)k->data + k->len - 4))
            check_walk_found(w, db, k->data, k->len, "the take it names is another one");
        break;
    case CHECK_K_LATEST: {
        if (!(tl = s_take_key(k, 0)) ||
            (v->len != SOS_RULES_LATEST_BYTES && v->len != SOS_RULES_LATEST_V0_BYTES)) {
            check_walk_found(w, db, k->data, k->len, "not a latest-take record");
            break;
        }
        if (v->len != SOS_RULES_LATEST_BYTES)
            break; /* an old record: nothing to follow */
        const uint8_t *p = v->data;
        uint64_t seq = sos_be64_get(p + 4 + SOS_HASH_BYTES);
        uint8_t h[SOS_HASH_BYTES], sk[8];
        sos_val tv;
        const Sos__Signed *s = NULL;
        if (strcmp(w->def->service, "scoring") == 0) {
            ev = s_event(w, seq);
            if (!(bad = s_event_take(ev, &b)))
                s = ev->take;
        } else {
            sos_be64_put(sk, seq);
            if (!s_has(w, "takes", sk, 8, &tv))
                bad = "names a take that is not in takes";
            else if (!(m = sos_unpack(&sos__signed__descriptor, tv.data, tv.len)))
                bad = "names a take that does not decode";
            else if (!(bad = s_take_open((Sos__Signed *)m, &b)))
                s = (Sos__Signed *)m;
        }
        if (!bad && (!s_take_is(b, k, tl) || b->revision != sos_be32_get(p)))
            bad = "the take it names is another one";
        if (!bad) {
            sos_hash(s->payload.data, s->payload.len, h);
            if (memcmp(h, p + 4, SOS_HASH_BYTES) != 0)
                bad = "take hash differs from the take's";
        }
        if (bad)
            check_walk_found(w, db, k->data, k->len, "%s", bad);
        break;
    }
    case CHECK_K_CLOSED:
        if (!(m = sos_unpack(&sos__panel_closed__descriptor, v->data, v->len)))
            check_walk_found(w, db, k->data, k->len, "closed panel does not decode");
        else if (strlen(((Sos__PanelClosed *)m)->tool_id) != k->len ||
                 memcmp(((Sos__PanelClosed *)m)->tool_id, k->data, k->len) != 0)
            check_walk_found(w, db, k->data, k->len,
                             "closed panel is for another tool than its key");
        break;
    case CHECK_K_AGG_TAKES:
        if (k->len != 8 && k->len != SOS_HASH_BYTES)
            check_walk_found(w, db, k->data, k->len, "not a sequence number or a take hash");
        else if (!(m = sos_unpack(&sos__signed__descriptor, v->data, v->len)))
            check_walk_found(w, db, k->data, k->len, "take does not decode");
        else if ((bad = s_take_open((Sos__Signed *)m, &b)) != NULL)
            check_walk_found(w, db, k->data, k->len, "take: %s", bad);
        break;
    case CHECK_K_VERDICTS: {
        char id[200];
        snprintf(id, sizeof id, "%.*s", (int)(k->len < 199 ? k->len : 199), (const char *)k->data);
        if (!(m = sos_unpack(&sos__verdict__descriptor, v->data, v->len)))
            check_walk_found(w, db, k->data, k->len, "verdict does not decode");
        else if ((bad = s_verdict_check((Sos__Verdict *)m, id)) != NULL)
            check_walk_found(w, db, k->data, k->len, "verdict: %s", bad);
        break;
    }
    case CHECK_K_BY_TOOL:
        if (!memchr(k->data, 0, k->len) || v->len != 0)
            check_walk_found(w, db, k->data, k->len, "not a tool and a comparison");
        break;
    case CHECK_K_EDITORS:
        if (k->len != SOS_PK_BYTES) {
            check_walk_found(w, db, k->data, k->len, "not a public key");
            break;
        }
        if (!(m = sos_unpack(&sos__editor_record__descriptor, v->data, v->len)))
            check_walk_found(w, db, k->data, k->len, "editor entry does not decode");
        else if (!((Sos__EditorRecord *)m)->key ||
                 ((Sos__EditorRecord *)m)->key->public_key.len != SOS_PK_BYTES ||
                 memcmp(((Sos__EditorRecord *)m)->key->public_key.data, k->data, SOS_PK_BYTES) != 0)
            check_walk_found(w, db, k->data, k->len,
                             "editor entry is for another key than its key");
        break;
    case CHECK_K_BY: {
        Sos__Signed *by = (Sos__Signed *)sos_unpack(&sos__signed__descriptor, v->data, v->len);
        const char *why = by ? s_signed_open(by, &sos_envelope_editorial, &m) : "does not decode";
        if (why)
            check_walk_found(w, db, k->data, k->len, "editor's signed action: %s", why);
        if (by)
            sos__signed__free_unpacked(by, NULL);
        break;
    }
    case CHECK_K_PUBLISHED:
        if (v->len != 8) {
            check_walk_found(w, db, k->data, k->len, "value is not a sequence number");
            break;
        }
        ev = s_event(w, sos_be64_get(v->data));
        if (!ev || ev->kind_case != SOS__EVENT__KIND_COMPARISON_PUBLISHED ||
            !ev->comparison_published || strlen(ev->comparison_published->slug) != k->len ||
            memcmp(ev->comparison_published->slug, k->data, k->len) != 0)
            check_walk_found(w, db, k->data, k->len, "names an event that is not its publication");
        break;
    case CHECK_K_LOG:
        if ((bad = s_log_record(w, k, v)) != NULL)
            check_walk_found(w, db, k->data, k->len, "%s", bad);
        break;
    }
    if (m)
        protobuf_c_message_free_unpacked(m, NULL);
    if (b)
        sos__take_body__free_unpacked(b, NULL);
    if (ev)
        sos__event__free_unpacked(ev, NULL);
}
