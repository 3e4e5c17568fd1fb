/* check: is every store whole? SQLite's integrity_check, for the four
 * LMDB stores.
 *
 * `sos check [--json] [SERVICE...]` opens each store (<data_dir>/<service>)
 * read-only, the daemons running or not, and reports every damaged key:
 *
 *   file     data.mdb against its meta pages (size, magic, version, last
 *            page), read without mapping it (sos_store_meta_check);
 *   pages    every page accounted for: the metas, the pages of every tree
 *            and the free list add up to the file's last page
 *            (sos_store_pages_count);
 *   records  every key of every database walked in order (keys strictly
 *            increasing), every value decoded with the message its
 *            database holds (docs/architecture.md, "Storage"), every signed
 *            take and verdict verified;
 *   indexes  scoring's takes, latest and closed, aggregation's latest,
 *            publishing's published, submission's names, the tools of
 *            each store, against the event log and back; the event log
 *            numbered 1..head without gaps; a follower's cursor not past
 *            its upstream's head.
 *
 * A damaged page can make a read fault: each store's walk runs in a child
 * process that writes its findings, one JSON line each, as it goes; a child
 * killed by a signal is itself a finding (with what it found before).
 *
 * Output: a line per finding and one per store on stderr; with --json a
 * report on stdout. Exit codes: 0 every store whole, 65 damage found, 64
 * usage, 66 no store found at all, 71 a walk could not be started, 78
 * configuration. Repair: docs/operations.md ("Damaged stores"). */
#define _XOPEN_SOURCE 700
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <sysexits.h>
#include <unistd.h>

#include "aggregation.pb-c.h"
#include "cli.h"
#include "envelope.h"
#include "evlog.h"
#include "fault.h"
#include "log.h"
#include "publishing.pb-c.h"
#include "rules.h"
#include "scoring.pb-c.h"
#include "sign.h"
#include "store.h"
#include "submission.pb-c.h"

static const char s_usage[] =
    "usage: sos check [--json] [SERVICE...]\n\n"
    "Checks every store (or the SERVICEs named), downstream first as backup\n"
    "does, read-only, with the daemons running or stopped: the file against\n"
    "its meta pages, every page accounted for, every record decoded, every\n"
    "signature verified, the indexes against the event log. Prints each\n"
    "damaged key (database, key in hex, what is wrong); --json prints a\n"
    "report. Repair: docs/operations.md.\n\n"
    "Exit codes: 0 every store is whole, 65 damage found, 64 usage, 66 no\n"
    "store found, 71 a check could not run, 78 configuration.\n";

/* What a database's values are. */
typedef enum {
    K_META,
    K_EVENTS,
    K_REQUESTS,
    K_TOOLS,
    K_NAMES,
    K_PANEL_KEY,   /* submission: persona||pk -> PanelKey */
    K_PANEL_EMPTY, /* scoring: persona||pk -> "" */
    K_COMPARISONS,
    K_SCORING_TAKES,
    K_LATEST,
    K_CLOSED,
    K_AGG_TAKES,
    K_VERDICTS,
    K_BY_TOOL,
    K_PUBLISHED,
} s_kind;

typedef struct {
    const char *name;
    s_kind kind;
} s_dbdef;

/* Handles as the daemons open them: meta, events, requests, then their own
 * (services/<service>/<service>.h). */
typedef struct {
    const char *service, *upstream;
    const ProtobufCMessageDescriptor *reply;
    unsigned n;
    s_dbdef db[8];
} s_svcdef;

#define S_COMMON                                                                                   \
    {"meta", K_META}, {"events", K_EVENTS},                                                        \
    {                                                                                              \
        "requests", K_REQUESTS                                                                     \
    }
static const s_svcdef s_svcs[] = {
    {"submission",
     NULL,
     &sos__submission_reply__descriptor,
     7,
     {S_COMMON,
      {"tools", K_TOOLS},
      {"names", K_NAMES},
      {"panel", K_PANEL_KEY},
      {"comparisons", K_COMPARISONS}}},
    {"scoring",
     "submission",
     &sos__scoring_reply__descriptor,
     8,
     {S_COMMON,
      {"tools", K_TOOLS},
      {"panel", K_PANEL_EMPTY},
      {"takes", K_SCORING_TAKES},
      {"latest", K_LATEST},
      {"closed", K_CLOSED}}},
    {"aggregation",
     "scoring",
     &sos__aggregation_reply__descriptor,
     7,
     {S_COMMON,
      {"tools", K_TOOLS},
      {"takes", K_AGG_TAKES},
      {"latest", K_LATEST},
      {"verdicts", K_VERDICTS}}},
    {"publishing",
     "aggregation",
     &sos__publishing_reply__descriptor,
     8,
     {S_COMMON,
      {"tools", K_TOOLS},
      {"verdicts", K_VERDICTS},
      {"comparisons", K_COMPARISONS},
      {"by_tool", K_BY_TOOL},
      {"published", K_PUBLISHED}}},
};
#define S_N_SVCS (sizeof s_svcs / sizeof s_svcs[0])

/* Downstream first, as sos backup copies: with the daemons running, each
 * upstream is read after its followers, so a follower's cursor is never
 * found past a head read earlier. */
static const char *const s_order[] = {"publishing", "aggregation", "scoring", "submission"};

/* One store's walk, in the child. */
typedef struct {
    const s_svcdef *def;
    sos_store *store;
    sos_txn *t;
    FILE *out; /* findings, one JSON object a line */
    size_t found, records;
} s_walk;

static sos_db s_handle(const s_svcdef *d, const char *name)
{
    for (unsigned i = 0; i < d->n; i++)
        if (strcmp(d->db[i].name, name) == 0)
            return i;
    abort(); /* the table above is wrong: a bug */
}

static json_t *s_hexj(const void *p, size_t n)
{
    char *h = sos_xmalloc(2 * n + 1);
    sos_hex(p, n, h);
    json_t *j = json_string(h);
    free(h);
    return j;
}

/* A finding: written and flushed at once, so that it survives a fault
 * later in the walk. */
static void s_found(s_walk *w, const char *db, const void *key, size_t kl, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));
static void s_found(s_walk *w, const char *db, const void *key, size_t kl, const char *fmt, ...)
{
    char what[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(what, sizeof what, fmt, ap);
    va_end(ap);
    json_t *j = json_pack("{s:s, s:o, s:s}", "db", db, "key", s_hexj(key, kl), "what", what);
    char *line = json_dumps(j, JSON_COMPACT);
    fprintf(w->out, "%s\n", line);
    fflush(w->out);
    free(line);
    json_decref(j);
    w->found++;
}

/* A signed envelope of kind opened by envelope.h's rules: NULL and *out
 * set (the caller frees it), or what is wrong. */
static const char *s_signed_open(const Sos__Signed *s, const sos_envelope_kind *kind,
                                 ProtobufCMessage **out)
{
    static char why[256]; /* one thread */
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

static const char *s_verdict_check(const Sos__Verdict *v, const char *tool_id)
{
    Sos__VerdictBody *b = NULL;
    const char *bad = s_signed_open(v->verdict, &sos_envelope_verdict, (ProtobufCMessage **)&b);
    if (bad)
        return bad;
    if (tool_id && strcmp(b->tool_id, tool_id) != 0)
        bad = "verdict is for another tool than its key";
    else if (b->n_take_hashes != v->n_takes)
        bad = "verdict lists another number of takes than it carries";
    for (size_t i = 0; !bad && i < v->n_takes; i++) {
        Sos__TakeBody *tb = NULL;
        if ((bad = s_take_open(v->takes[i], &tb)) != NULL)
            bad = "a counted take's signature does not verify";
        if (tb)
            sos__take_body__free_unpacked(tb, NULL);
    }
    sos__verdict_body__free_unpacked(b, NULL);
    return bad;
}

/* The event at seq, decoded, or NULL. */
static Sos__Event *s_event(s_walk *w, uint64_t seq)
{
    uint8_t k[8];
    sos_val v;
    sos_be64_put(k, seq);
    if (sos_txn_get(w->t, SOS_DB_EVENTS, k, 8, &v) != SOS_OK)
        return NULL;
    return (Sos__Event *)sos_unpack(&sos__event__descriptor, v.data, v.len);
}

static bool s_has(s_walk *w, const char *db, const void *k, size_t kl, sos_val *v)
{
    return sos_txn_get(w->t, s_handle(w->def, db), k, kl, v) == SOS_OK;
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

static void s_check_event(s_walk *w, const sos_val *k, const sos_val *v, uint64_t *expect)
{
    const char *db = "events";
    if (k->len != 8) {
        s_found(w, db, k->data, k->len, "key is %zu bytes, not a sequence number", k->len);
        return;
    }
    uint64_t seq = sos_be64_get(k->data);
    if (seq != *expect)
        s_found(w, db, k->data, 8, "sequence number %llu where %llu was next",
                (unsigned long long)seq, (unsigned long long)*expect);
    *expect = seq + 1;
    Sos__Event *ev = (Sos__Event *)sos_unpack(&sos__event__descriptor, v->data, v->len);
    if (!ev) {
        s_found(w, db, k->data, 8, "event does not decode");
        return;
    }
    Sos__TakeBody *b = NULL;
    const char *bad = NULL;
    char key[200];
    sos_val iv;
    bool scoring = strcmp(w->def->service, "scoring") == 0;
    if (ev->seq != seq)
        s_found(w, db, k->data, 8, "event says it is number %llu", (unsigned long long)ev->seq);
    switch (ev->kind_case) {
    case SOS__EVENT__KIND_TAKE:
        if ((bad = s_take_open(ev->take, &b)) != NULL) {
            s_found(w, db, k->data, 8, "take: %s", bad);
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
                s_found(w, db, k->data, 8, "take is not in the takes index under its key");
        }
        uint8_t pk[1 + SOS_PK_BYTES];
        pk[0] = (uint8_t)b->persona;
        memcpy(pk + 1, ev->take->signer.data, SOS_PK_BYTES);
        if (!s_has(w, "panel", pk, sizeof pk, NULL))
            s_found(w, db, k->data, 8, "take is signed by a key the panel does not hold");
        break;
    case SOS__EVENT__KIND_TOOL:
        if (!ev->tool || !ev->tool->tool_id[0]) {
            s_found(w, db, k->data, 8, "tool event without a tool id");
            break;
        }
        if (s_has(w, "tools", ev->tool->tool_id, strlen(ev->tool->tool_id), &iv)) {
            sos_buf p = SOS_BUF_INIT;
            sos_buf_pack(&p, &ev->tool->base);
            if (p.len != iv.len || memcmp(p.data, iv.data, p.len) != 0)
                s_found(w, db, k->data, 8, "tool %s differs from the tools record",
                        ev->tool->tool_id);
            sos_buf_free(&p);
        } else {
            s_found(w, db, k->data, 8, "tool %s is missing from the tools database",
                    ev->tool->tool_id);
        }
        break;
    case SOS__EVENT__KIND_PANEL_CLOSED:
        if (scoring &&
            !s_has(w, "closed", ev->panel_closed->tool_id, strlen(ev->panel_closed->tool_id), NULL))
            s_found(w, db, k->data, 8, "closed panel of %s is missing from closed",
                    ev->panel_closed->tool_id);
        break;
    case SOS__EVENT__KIND_VERDICT:
    case SOS__EVENT__KIND_PUBLICATION: {
        const Sos__Verdict *vd =
            ev->kind_case == SOS__EVENT__KIND_VERDICT ? ev->verdict : ev->publication;
        if ((bad = s_verdict_check(vd, NULL)) != NULL)
            s_found(w, db, k->data, 8, "verdict: %s", bad);
        break;
    }
    case SOS__EVENT__KIND_PANEL_KEY:
    case SOS__EVENT__KIND_COMPARISON:
    case SOS__EVENT__KIND_COMPARISON_PUBLISHED: break;
    default: s_found(w, db, k->data, 8, "event of no known kind (%d)", ev->kind_case); break;
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

static void s_check_record(s_walk *w, const s_dbdef *d, const sos_val *k, const sos_val *v,
                           uint64_t *expect)
{
    const char *db = d->name, *bad = NULL;
    ProtobufCMessage *m = NULL;
    Sos__TakeBody *b = NULL;
    Sos__Event *ev = NULL;
    size_t tl;
    switch (d->kind) {
    case K_META:
        if (v->len != 8)
            s_found(w, db, k->data, k->len, "value is %zu bytes, not a number", v->len);
        else if (k->len == 6 && memcmp(k->data, "format", 6) == 0) {
            if (sos_be64_get(v->data) != SOS_STORE_FORMAT)
                s_found(w, db, k->data, k->len, "format %llu, not %d",
                        (unsigned long long)sos_be64_get(v->data), SOS_STORE_FORMAT);
        } else if (!(k->len == 6 && memcmp(k->data, "cursor", 6) == 0))
            s_found(w, db, k->data, k->len, "unknown meta key");
        break;
    case K_EVENTS: s_check_event(w, k, v, expect); break;
    case K_REQUESTS:
        if (v->len < SOS_HASH_BYTES ||
            !(m = sos_unpack(w->def->reply, (const uint8_t *)v->data + SOS_HASH_BYTES,
                             v->len - SOS_HASH_BYTES)))
            s_found(w, db, k->data, k->len, "stored reply does not decode");
        break;
    case K_TOOLS:
        if (!(m = sos_unpack(&sos__tool__descriptor, v->data, v->len)))
            s_found(w, db, k->data, k->len, "tool does not decode");
        else if (strlen(((Sos__Tool *)m)->tool_id) != k->len ||
                 memcmp(((Sos__Tool *)m)->tool_id, k->data, k->len) != 0)
            s_found(w, db, k->data, k->len, "tool id differs from its key");
        break;
    case K_NAMES:
        if (v->len == 0 || !s_has(w, "tools", v->data, v->len, NULL))
            s_found(w, db, k->data, k->len, "names a tool that is not in tools");
        break;
    case K_PANEL_KEY:
    case K_PANEL_EMPTY:
        if (k->len != 1 + SOS_PK_BYTES || ((const uint8_t *)k->data)[0] < 1 ||
            ((const uint8_t *)k->data)[0] > 5) {
            s_found(w, db, k->data, k->len, "not a persona and a public key");
            break;
        }
        if (d->kind == K_PANEL_EMPTY) {
            if (v->len != 0)
                s_found(w, db, k->data, k->len, "value should be empty");
            break;
        }
        if (!(m = sos_unpack(&sos__panel_key__descriptor, v->data, v->len)))
            s_found(w, db, k->data, k->len, "panel key does not decode");
        else if ((uint8_t)((Sos__PanelKey *)m)->persona != ((const uint8_t *)k->data)[0] ||
                 ((Sos__PanelKey *)m)->public_key.len != SOS_PK_BYTES ||
                 memcmp(((Sos__PanelKey *)m)->public_key.data, (const uint8_t *)k->data + 1,
                        SOS_PK_BYTES) != 0)
            s_found(w, db, k->data, k->len, "panel key differs from its key");
        break;
    case K_COMPARISONS:
        if (!(m = sos_unpack(&sos__comparison__descriptor, v->data, v->len)))
            s_found(w, db, k->data, k->len, "comparison does not decode");
        else if (strlen(((Sos__Comparison *)m)->slug) != k->len ||
                 memcmp(((Sos__Comparison *)m)->slug, k->data, k->len) != 0)
            s_found(w, db, k->data, k->len, "comparison slug differs from its key");
        break;
    case K_SCORING_TAKES:
        if (!(tl = s_take_key(k, 4))) {
            s_found(w, db, k->data, k->len, "not a tool, persona and revision");
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
            s_found(w, db, k->data, k->len, "%s", bad);
        else if (!s_take_is(b, k, tl) ||
                 b->revision != sos_be32_get((const uint8_t *)k->data + k->len - 4))
            s_found(w, db, k->data, k->len, "the take it names is another one");
        break;
    case K_LATEST: {
        if (!(tl = s_take_key(k, 0)) ||
            (v->len != SOS_RULES_LATEST_BYTES && v->len != SOS_RULES_LATEST_V0_BYTES)) {
            s_found(w, db, k->data, k->len, "not a latest-take record");
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
            s_found(w, db, k->data, k->len, "%s", bad);
        break;
    }
    case K_CLOSED:
        if (!(m = sos_unpack(&sos__panel_closed__descriptor, v->data, v->len)))
            s_found(w, db, k->data, k->len, "closed panel does not decode");
        else if (strlen(((Sos__PanelClosed *)m)->tool_id) != k->len ||
                 memcmp(((Sos__PanelClosed *)m)->tool_id, k->data, k->len) != 0)
            s_found(w, db, k->data, k->len, "closed panel is for another tool than its key");
        break;
    case K_AGG_TAKES:
        if (k->len != 8 && k->len != SOS_HASH_BYTES)
            s_found(w, db, k->data, k->len, "not a sequence number or a take hash");
        else if (!(m = sos_unpack(&sos__signed__descriptor, v->data, v->len)))
            s_found(w, db, k->data, k->len, "take does not decode");
        else if ((bad = s_take_open((Sos__Signed *)m, &b)) != NULL)
            s_found(w, db, k->data, k->len, "take: %s", bad);
        break;
    case K_VERDICTS: {
        char id[200];
        snprintf(id, sizeof id, "%.*s", (int)(k->len < 199 ? k->len : 199), (const char *)k->data);
        if (!(m = sos_unpack(&sos__verdict__descriptor, v->data, v->len)))
            s_found(w, db, k->data, k->len, "verdict does not decode");
        else if ((bad = s_verdict_check((Sos__Verdict *)m, id)) != NULL)
            s_found(w, db, k->data, k->len, "verdict: %s", bad);
        break;
    }
    case K_BY_TOOL:
        if (!memchr(k->data, 0, k->len) || v->len != 0)
            s_found(w, db, k->data, k->len, "not a tool and a comparison");
        break;
    case K_PUBLISHED:
        if (v->len != 8) {
            s_found(w, db, k->data, k->len, "value is not a sequence number");
            break;
        }
        ev = s_event(w, sos_be64_get(v->data));
        if (!ev || ev->kind_case != SOS__EVENT__KIND_COMPARISON_PUBLISHED ||
            !ev->comparison_published || strlen(ev->comparison_published->slug) != k->len ||
            memcmp(ev->comparison_published->slug, k->data, k->len) != 0)
            s_found(w, db, k->data, k->len, "names an event that is not its publication");
        break;
    }
    if (m)
        protobuf_c_message_free_unpacked(m, NULL);
    if (b)
        sos__take_body__free_unpacked(b, NULL);
    if (ev)
        sos__event__free_unpacked(ev, NULL);
}

/* LMDB's default order: bytes, then the shorter first. */
static int s_keycmp(const void *a, size_t al, const void *b, size_t bl)
{
    int c = memcmp(a, b, al < bl ? al : bl);
    return c ? c : (al > bl) - (al < bl);
}

/* Every record of one database. */
static void s_walk_db(s_walk *w, const s_dbdef *d, sos_db h, uint64_t *head)
{
    sos_cursor *c = NULL;
    sos_val k, v;
    uint8_t prev[512];
    size_t pl = 0;
    bool first = true;
    uint64_t expect = 1;
    int rc = sos_cursor_open(w->t, h, &c);
    if (rc != SOS_OK) {
        s_found(w, d->name, NULL, 0, "cannot open the database: %s", sos_store_errstr(rc));
        return;
    }
    for (rc = sos_cursor_seek(c, NULL, 0, &k, &v); rc == SOS_OK; rc = sos_cursor_next(c, &k, &v)) {
        w->records++;
        if (k.len == 0 || k.len > sizeof prev)
            s_found(w, d->name, k.data, k.len > sizeof prev ? sizeof prev : k.len,
                    "key of %zu bytes", k.len);
        else if (!first && s_keycmp(prev, pl, k.data, k.len) >= 0)
            s_found(w, d->name, k.data, k.len, "key out of order (a damaged page)");
        if (k.len && k.len <= sizeof prev) {
            memcpy(prev, k.data, k.len);
            pl = k.len;
        }
        first = false;
        s_check_record(w, d, &k, &v, &expect);
    }
    if (rc != SOS_NOTFOUND)
        s_found(w, d->name, prev, pl, "the walk stopped after this key: %s", sos_store_errstr(rc));
    if (d->kind == K_EVENTS)
        *head = expect - 1;
    sos_cursor_destroy(&c);
}

/* The child: walks the store at dir, writes findings and then a summary
 * line ({"summary":...}) to out. Its exit code: 0 walked (findings or
 * not), 1 the store would not open (a finding says why). */
static int s_walk_store(const s_svcdef *def, const char *dir, FILE *out)
{
    const char *names[16];
    s_walk w = {def, NULL, NULL, out, 0, 0};
    sos_store_pages pg;
    char why[256];
    uint64_t head = 0, cursor = 0;
    json_t *j;
    int rc = 1;
    memset(&pg, 0, sizeof pg);
    for (unsigned i = 0; i < def->n; i++)
        names[i] = def->db[i].name;
    sos_store_opts o = {dir, names, def->n, 0, 0, true};
    int orc = sos_store_open(&o, &w.store);
    if (orc != SOS_OK) {
        s_found(&w, "file", NULL, 0, "the store does not open: %s", sos_store_errstr(orc));
        goto out;
    }
    if (sos_store_pages_count(w.store, &pg, why, sizeof why) != SOS_OK)
        s_found(&w, "pages", NULL, 0, "%s", why);
    else if (pg.pages && pg.in_use + pg.free != pg.pages)
        s_found(&w, "pages", NULL, 0,
                "%llu pages in trees and %llu free do not add up to the %llu pages in use",
                (unsigned long long)pg.in_use, (unsigned long long)pg.free,
                (unsigned long long)pg.pages);
    if (sos_txn_begin(w.store, false, &w.t) != SOS_OK) {
        s_found(&w, "file", NULL, 0, "no read transaction");
        goto out;
    }
    for (unsigned i = 0; i < def->n; i++) {
        s_walk_db(&w, &def->db[i], i, &head);
        /* an LMDB error spoils the transaction: a new one for the next db */
        sos_txn_abort(&w.t);
        if (sos_txn_begin(w.store, false, &w.t) != SOS_OK) {
            s_found(&w, "file", NULL, 0, "no read transaction");
            goto out;
        }
    }
    if (sos_meta_get_u64(w.t, "cursor", &cursor) != SOS_OK)
        cursor = 0;
    rc = 0;
out:
    j = json_pack("{s:{s:I, s:I, s:I, s:i, s:I, s:I, s:I}}", "summary", "pages",
                  (json_int_t)pg.pages, "in_use", (json_int_t)pg.in_use, "free",
                  (json_int_t)pg.free, "page_size", (int)pg.page_size, "records",
                  (json_int_t)w.records, "head", (json_int_t)head, "cursor", (json_int_t)cursor);
    char *line = json_dumps(j, JSON_COMPACT);
    fprintf(out, "%s\n", line);
    fflush(out);
    free(line);
    json_decref(j);
    sos_txn_abort(&w.t);
    sos_store_destroy(&w.store);
    return rc;
}

/* What one store's check found, in the parent. */
typedef struct {
    const s_svcdef *def;
    char dir[4200];
    bool missing, walked;
    json_t *damage;  /* array of {db, key, what} */
    json_t *summary; /* the child's, or NULL */
} s_report;

static void s_add(s_report *r, const char *db, const char *what)
{
    json_array_append_new(r->damage,
                          json_pack("{s:s, s:s, s:s}", "db", db, "key", "", "what", what));
}

/* Runs the walk in a child and collects what it writes. 0, or EX_OSERR. */
static int s_walk_child(s_report *r)
{
    int fd[2];
    if (pipe(fd) != 0)
        return EX_OSERR;
    fflush(NULL);
    pid_t pid = fork();
    if (pid < 0) {
        close(fd[0]);
        close(fd[1]);
        return EX_OSERR;
    }
    if (pid == 0) {
        close(fd[0]);
        FILE *out = fdopen(fd[1], "w");
        if (!out)
            _exit(EX_OSERR);
        sos_log_init("sos", SOS_LOG_ERROR + 1); /* the findings say it all */
        _exit(s_walk_store(r->def, r->dir, out));
    }
    close(fd[1]);
    FILE *in = fdopen(fd[0], "r");
    char *line = NULL;
    size_t cap = 0;
    while (in && getline(&line, &cap, in) > 0) {
        json_t *j = json_loads(line, 0, NULL);
        if (!j)
            continue;
        json_t *s = json_object_get(j, "summary");
        if (s)
            r->summary = json_incref(s);
        else
            json_array_append(r->damage, j);
        json_decref(j);
    }
    free(line);
    if (in)
        fclose(in);
    else
        close(fd[0]);
    int st = 0;
    while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
        ;
    r->walked = true;
    if (WIFSIGNALED(st)) {
        char what[160];
        snprintf(what, sizeof what,
                 "the walk died of %s: a page points outside the file or at garbage "
                 "(records after the ones above were not checked)",
                 WTERMSIG(st) == SIGBUS    ? "SIGBUS"
                 : WTERMSIG(st) == SIGSEGV ? "SIGSEGV"
                                           : strsignal(WTERMSIG(st)));
        s_add(r, "pages", what);
    } else if (!r->summary) {
        s_add(r, "file", "the walk ended without a summary");
    }
    return 0;
}

static const s_svcdef *s_find(const char *name)
{
    for (size_t i = 0; i < S_N_SVCS; i++)
        if (strcmp(s_svcs[i].service, name) == 0)
            return &s_svcs[i];
    return NULL;
}

static json_int_t s_sum(const s_report *r, const char *what)
{
    return r->summary ? json_integer_value(json_object_get(r->summary, what)) : 0;
}

int sos_cmd_check(sos_cli *cli, int argc, char **argv)
{
    static const struct option o[] = {
        {"json", no_argument, NULL, 'j'}, {"help", no_argument, NULL, 'h'}, {NULL, 0, NULL, 0}};
    const char *data_dir = sos_conf_get(cli->conf, "paths", "data_dir");
    s_report rep[S_N_SVCS];
    size_t n = 0, damaged = 0, found = 0;
    int rc;

    memset(rep, 0, sizeof rep);
    optind = 0;
    for (int ch; (ch = getopt_long(argc, argv, "jh", o, NULL)) != -1;) {
        switch (ch) {
        case 'j': cli->json = true; break;
        case 'h':
            fputs(s_usage, stdout);
            rc = EX_OK;
            goto out;
        default:
            fputs(s_usage, stderr);
            rc = EX_USAGE;
            goto out;
        }
    }
    if (!data_dir) {
        fprintf(stderr, "sos: check: no data_dir in the configuration\n");
        rc = EX_CONFIG;
        goto out;
    }
    for (int i = optind; i < argc; i++)
        if (!s_find(argv[i])) {
            fprintf(stderr,
                    "sos: check: no service %s (submission, scoring, aggregation, "
                    "publishing)\n",
                    argv[i]);
            rc = EX_USAGE;
            goto out;
        }
    /* a fault in the parent (it maps nothing) would be a bug; say so anyway */
    (void)sos_fault_install("sos");
    for (size_t i = 0; i < S_N_SVCS; i++) {
        bool wanted = optind == argc;
        for (int a = optind; a < argc; a++)
            wanted |= strcmp(argv[a], s_order[i]) == 0;
        if (!wanted)
            continue;
        s_report *r = &rep[n++];
        r->def = s_find(s_order[i]);
        r->damage = json_array();
        snprintf(r->dir, sizeof r->dir, "%s/%s", data_dir, r->def->service);
        sos_store_meta m;
        char why[256];
        int mc = sos_store_meta_check(r->dir, &m, why, sizeof why);
        if (mc == SOS_NOTFOUND) {
            r->missing = true;
            continue;
        }
        if (mc == SOS_EIO) {
            fprintf(stderr, "sos: check: %s/data.mdb: %s\n", r->dir, strerror(errno));
            rc = EX_NOINPUT;
            goto out;
        }
        if (mc == SOS_CORRUPT) {
            s_add(r, "file", why); /* never mapped: LMDB would fault on it */
            continue;
        }
        if ((rc = s_walk_child(r)) != 0) {
            fprintf(stderr, "sos: check: cannot start the walk of %s: %s\n", r->dir,
                    strerror(errno));
            goto out;
        }
    }
    /* a follower's cursor is never past its upstream's head */
    for (size_t i = 0; i < n; i++)
        for (size_t u = 0; u < n && rep[i].def->upstream; u++)
            if (strcmp(rep[u].def->service, rep[i].def->upstream) == 0 && rep[i].summary &&
                rep[u].summary && s_sum(&rep[i], "cursor") > s_sum(&rep[u], "head")) {
                char what[200];
                snprintf(what, sizeof what, "cursor %lld is past %s's head %lld",
                         (long long)s_sum(&rep[i], "cursor"), rep[u].def->service,
                         (long long)s_sum(&rep[u], "head"));
                json_array_append_new(rep[i].damage,
                                      json_pack("{s:s, s:o, s:s}", "db", "meta", "key",
                                                s_hexj("cursor", 6), "what", what));
            }
    json_t *stores = json_array();
    size_t present = 0;
    for (size_t i = 0; i < n; i++) {
        s_report *r = &rep[i];
        size_t nd = json_array_size(r->damage);
        present += !r->missing;
        found += nd;
        damaged += nd > 0;
        for (size_t d = 0; d < nd; d++) {
            json_t *x = json_array_get(r->damage, d);
            const char *key = json_string_value(json_object_get(x, "key"));
            fprintf(stderr, "sos: check: %s: %s%s%s: %s\n", r->def->service,
                    json_string_value(json_object_get(x, "db")), key && *key ? " key " : "",
                    key && *key ? key : "", json_string_value(json_object_get(x, "what")));
        }
        if (r->missing)
            fprintf(stderr, "sos: check: %-11s no store at %s\n", r->def->service, r->dir);
        else if (!r->summary)
            fprintf(stderr, "sos: check: %-11s DAMAGED: %zu damaged (not walked to the end)\n",
                    r->def->service, nd);
        else
            fprintf(stderr,
                    "sos: check: %-11s %s: %lld pages (%lld in use, %lld free), %lld records, "
                    "%zu damaged\n",
                    r->def->service, nd ? "DAMAGED" : "ok", (long long)s_sum(r, "pages"),
                    (long long)s_sum(r, "in_use"), (long long)s_sum(r, "free"),
                    (long long)s_sum(r, "records"), nd);
        json_t *s = json_pack("{s:s, s:s, s:b, s:b, s:b, s:O}", "service", r->def->service, "path",
                              r->dir, "missing", r->missing, "walked", r->summary != NULL, "ok",
                              !r->missing && nd == 0, "damage", r->damage);
        if (r->summary)
            json_object_update(s, r->summary);
        json_array_append_new(stores, s);
    }
    if (cli->json)
        sos_json_print(json_pack("{s:b, s:I, s:o}", "ok", found == 0, "damaged", (json_int_t)found,
                                 "stores", stores));
    else
        json_decref(stores);
    if (found)
        fprintf(stderr,
                "sos: check: %zu damaged record(s) in %zu store(s): stop the daemon, restore "
                "its store from the last sos backup (docs/operations.md, Damaged stores)\n",
                found, damaged);
    rc = found ? EX_DATAERR : present ? EX_OK : EX_NOINPUT;
out:
    for (size_t i = 0; i < S_N_SVCS; i++) {
        json_decref(rep[i].damage);
        json_decref(rep[i].summary);
    }
    return rc;
}
