/* garbage: a flood of hostile frames at one running daemon's api. The
 * daemon must answer every message that gets an answer, keep serving
 * well-formed clients all the while, and not grow its memory.
 *
 *   garbage [options] SERVICE ENDPOINT
 *     --pid PID           the daemon: VmRSS, RssAnon, RssFile from
 *                         /proc/PID/status before and after the flood
 *     --frames N          messages in the measured flood (default 100000)
 *     --warmup N          messages sent before the first reading (default 5000)
 *     --seed S            the PRNG seed (default 1), printed: the same seed
 *                         sends the same bytes
 *     --max-growth-kib K  fail when VmRSS grew by K KiB or more (default -1:
 *                         report only)
 *     --tool ID           a tool whose panel is closed (seeds name it)
 *     --open-tool ID      a tool with no takes (seeds name it)
 *     --window N          messages awaiting their reply at most (default 512)
 *
 * The mix (s_gen), from a fixed seed: random bytes of random length (most
 * under 4 KiB, 5 % up to 64 KiB, 0.1 % up to SOS_WIRE_MAX_REQUEST); valid
 * requests of the service cut at a random byte; valid requests with 1-4
 * bits flipped; valid requests with random bytes appended; empty frames;
 * messages of 2-3 frames (answered BAD_REQUEST) and of 4-8 frames (dropped
 * without a reply); and every 100th message a well-formed status or events
 * query whose reply is checked field by field. Only seeds whose flipped
 * forms cannot commit are flipped (reads, a take under an unregistered key,
 * editorial requests (tool submit, panel add, compare create, finalize)
 * signed by a key nobody registered), and a cut never leaves a whole
 * request (its body is one length-delimited field, last). So
 * the flood changes no state, and each status/events check asserts the log
 * head it had before.
 *
 * Many messages are in flight (up to --window awaiting a reply, and at most
 * 4 MiB of them); replies are read as they come, so no high-water mark
 * blocks. Every reply must parse as an ErrorReply, and their number must
 * equal the number of messages of 1-3 frames. Every tenth of the flood a
 * fresh client (sos_clnt, its own connection) must get a correct status.
 *
 * Then, each on a fresh connection: a frame of exactly
 * SOS_WIRE_MAX_REQUEST bytes must be answered; frames of
 * SOS_WIRE_MAX_REQUEST + 1 bytes and of 16 MiB must get no reply (libzmq
 * drops the connection; security.maxmsgsize shows the frame never reaches
 * the socket): the status queries sent after such a frame on its socket
 * are answered, and nothing before them (s_over).
 *
 * The "before" reading is taken after the warm-up (a burst of G_BURST
 * random frames of 256 KiB to 1 MiB, then the same mix, one frame of each
 * size above and fresh clients), so allocator pools and libzmq's
 * per-connection objects are warm and near their high-water mark; "after"
 * once every reply is in.
 *
 * Prints one line of key=value pairs (garbage_test.py reads it); exit 0
 * when everything holds, 1 after "garbage: FAIL: why", 64 usage, 69 no
 * socket. */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "aggregation.pb-c.h"
#include "buf.h"
#include "clnt.h"
#include "envelope.h"
#include "publishing.pb-c.h"
#include "scoring.pb-c.h"
#include "sign.h"
#include "submission.pb-c.h"
#include "wire.h"

#define G_MAX_SEEDS 16
#define G_MAX_PARTS 8
#define G_INFLIGHT_BYTES (4u << 20)
#define G_BIG (16u << 20)
/* How long a wait for something that must come lasts: a hang guard, not a
 * speed claim (a sanitized or loaded machine is slow, not broken). A fresh
 * client's query is fair-queued with the flood's connection, so it is
 * answered after a message or two, however long the flood takes. */
#define G_HANG_GUARD_MS 30000
#define G_STALL_MS G_HANG_GUARD_MS /* no reply at all for this long: stalled */
#define G_BURST 64                 /* big frames opening the warm-up */

typedef struct {
    const char *svc, *ep;
    const ProtobufCMessageDescriptor *desc;
    sos_wire *w;
    sos_sock *s;
    sos_buf seed[G_MAX_SEEDS];
    size_t n_seeds, n_flip; /* seed[0..n_flip) may be flipped; all may be cut */
    uint64_t head;          /* the log head before the flood */
    uint8_t *scratch;       /* G_MAX_PARTS parts of up to SOS_WIRE_MAX_REQUEST + 64 */
    /* in flight: sizes of the messages awaiting a reply, in order */
    size_t *ring, ring_cap, ring_at, ring_n, inflight;
    long window;
    /* counts */
    long msgs, frames, expect, replies, errors, checks, checks_ok;
    long k_random, k_cut, k_flip, k_tail, k_empty, k_multi_ans, k_multi_drop;
    long malformed; /* one-frame messages that do not parse: request.malformed */
    long clnt_calls, clnt_max_ms;
    long big_left; /* messages still to send as a burst of big frames */
    long long bytes;
} g_state;

static uint64_t s_rng;

static uint64_t s_next(void) /* splitmix64 */
{
    uint64_t z = (s_rng += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

static size_t s_below(size_t n)
{
    return n ? (size_t)(s_next() % n) : 0;
}

static void s_fill(uint8_t *p, size_t n)
{
    while (n >= 8) {
        uint64_t v = s_next();
        memcpy(p, &v, 8);
        p += 8;
        n -= 8;
    }
    if (n) {
        uint64_t v = s_next();
        memcpy(p, &v, n);
    }
}

static int s_fail(g_state *g, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int s_fail(g_state *g, const char *fmt, ...)
{
    va_list ap;
    fprintf(stderr, "garbage: FAIL: %s: ", g->svc);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
    return -1;
}

/* --- seeds: valid requests of the service ------------------------------ */

static void s_seed(g_state *g, const ProtobufCMessage *m)
{
    if (g->n_seeds < G_MAX_SEEDS)
        sos_buf_pack(&g->seed[g->n_seeds++], m);
}

#define S_ID(r, k)                                                                                 \
    (r).request_id = (ProtobufCBinaryData)                                                         \
    {                                                                                              \
        6, (uint8_t *)"seed-" k                                                                    \
    }

/* An editorial request's envelope: act for request id rid (6 bytes),
 * signed by k, a fresh key nobody registered, so every form of the
 * request is refused (FORBIDDEN, or its signature or shape is). env
 * points into payload and sig, the caller's. */
static void s_editorial(Sos__EditorAction *act, ProtobufCBinaryData rid, const sos_key *k,
                        sos_buf *payload, uint8_t sig[SOS_SIG_BYTES], Sos__Signed *env)
{
    act->request_id = rid;
    act->issued_at = 1;
    sos_envelope_seal(&sos_envelope_editorial, k, &act->base, payload, sig, env);
}

static void s_seeds(g_state *g, const char *tool, const char *open_tool)
{
    Sos__Empty empty = SOS__EMPTY__INIT;
    Sos__ListQuery page = SOS__LIST_QUERY__INIT;
    Sos__EventsQuery q = SOS__EVENTS_QUERY__INIT;
    q.after = 0;
    q.max = 5;
    { /* every service: status and events */
        Sos__StatusRequest r = SOS__STATUS_REQUEST__INIT;
        S_ID(r, "a");
        r.status = &empty;
        s_seed(g, &r.base);
        Sos__EventsRequest e = SOS__EVENTS_REQUEST__INIT;
        S_ID(e, "b");
        e.events = &q;
        s_seed(g, &e.base);
    }
    if (strcmp(g->svc, "submission") == 0) {
        Sos__SubmissionRequest r = SOS__SUBMISSION_REQUEST__INIT;
        Sos__Comparison cmp = SOS__COMPARISON__INIT;
        S_ID(r, "c");
        r.body_case = SOS__SUBMISSION_REQUEST__BODY_TOOL_SHOW;
        r.tool_show = (char *)tool;
        s_seed(g, &r.base);
        S_ID(r, "d");
        r.body_case = SOS__SUBMISSION_REQUEST__BODY_TOOL_LIST;
        r.tool_list = &page;
        s_seed(g, &r.base);
        S_ID(r, "e");
        r.body_case = SOS__SUBMISSION_REQUEST__BODY_PANEL_LIST;
        r.panel_list = &empty;
        s_seed(g, &r.base);
        S_ID(r, "f");
        r.body_case = SOS__SUBMISSION_REQUEST__BODY_COMPARE_LIST;
        r.compare_list = &page;
        s_seed(g, &r.base);
        /* editorial requests signed by a key nobody registered: every
         * variant is refused (FORBIDDEN, a broken signature or shape) */
        sos_key *k = NULL;
        if (sos_key_generate(&k) != 0)
            return;
        Sos__EditorAction a = SOS__EDITOR_ACTION__INIT;
        Sos__Signed env;
        sos_buf payload = SOS_BUF_INIT;
        uint8_t sig[SOS_SIG_BYTES];
        S_ID(r, "g");
        cmp.tool_a = (char *)tool;
        cmp.tool_b = (char *)open_tool;
        a.act_case = SOS__EDITOR_ACTION__ACT_COMPARE_CREATE;
        a.compare_create = &cmp;
        s_editorial(&a, r.request_id, k, &payload, sig, &env);
        r.body_case = SOS__SUBMISSION_REQUEST__BODY_EDITORIAL;
        r.editorial = &env;
        s_seed(g, &r.base);
        Sos__Tool t = SOS__TOOL__INIT;
        Sos__PanelKey pk = SOS__PANEL_KEY__INIT;
        uint8_t key[32];
        memset(key, 0x5a, sizeof key);
        t.name = "Garbage Tool";
        t.tagline = "never whole";
        t.category = "c";
        t.tier = SOS__TIER__TIER_FREE;
        S_ID(r, "h");
        a.act_case = SOS__EDITOR_ACTION__ACT_TOOL_SUBMIT;
        a.tool_submit = &t;
        s_editorial(&a, r.request_id, k, &payload, sig, &env);
        s_seed(g, &r.base);
        pk.persona = SOS__PERSONA__PERSONA_SKEPTIC;
        pk.public_key = (ProtobufCBinaryData){sizeof key, key};
        S_ID(r, "i");
        a.act_case = SOS__EDITOR_ACTION__ACT_PANEL_ADD;
        a.panel_add = &pk;
        s_editorial(&a, r.request_id, k, &payload, sig, &env);
        s_seed(g, &r.base);
        g->n_flip = g->n_seeds;
        sos_buf_free(&payload);
        sos_key_destroy(&k);
    } else if (strcmp(g->svc, "scoring") == 0) {
        Sos__ScoringRequest r = SOS__SCORING_REQUEST__INIT;
        S_ID(r, "c");
        r.body_case = SOS__SCORING_REQUEST__BODY_TAKE_LIST;
        r.take_list = (char *)tool;
        s_seed(g, &r.base);
        /* a finalize signed by a key nobody registered: FORBIDDEN, and
         * every variant is refused */
        {
            sos_key *ek = NULL;
            Sos__EditorAction a = SOS__EDITOR_ACTION__INIT;
            Sos__Signed env;
            sos_buf ep = SOS_BUF_INIT;
            uint8_t esig[SOS_SIG_BYTES];
            if (sos_key_generate(&ek) == 0) {
                S_ID(r, "d");
                a.act_case = SOS__EDITOR_ACTION__ACT_PANEL_CLOSE;
                a.panel_close = (char *)open_tool;
                s_editorial(&a, r.request_id, ek, &ep, esig, &env);
                r.body_case = SOS__SCORING_REQUEST__BODY_EDITORIAL;
                r.editorial = &env;
                s_seed(g, &r.base);
            }
            sos_buf_free(&ep);
            sos_key_destroy(&ek);
        }
        /* a well-signed take by a key nobody registered: FORBIDDEN, and a
         * flipped one fails its signature, its parse or request id = take id */
        Sos__TakeBody tb = SOS__TAKE_BODY__INIT;
        Sos__Signed sg = SOS__SIGNED__INIT;
        sos_key *k = NULL;
        uint8_t take_id[16], sig[SOS_SIG_BYTES];
        memcpy(take_id, "garbage-take-id!", sizeof take_id);
        tb.take_id = (ProtobufCBinaryData){sizeof take_id, take_id};
        tb.tool_id = (char *)tool;
        tb.persona = SOS__PERSONA__PERSONA_BUILDER;
        tb.score = 50;
        tb.ship = 1;
        tb.text = "a take nobody may file";
        tb.revision = 9;
        sos_buf payload = SOS_BUF_INIT;
        sos_buf_pack(&payload, &tb.base);
        if (sos_key_generate(&k) == 0) {
            sos_sign(k, SOS_DOMAIN_TAKE, payload.data, payload.len, sig);
            sg.payload = (ProtobufCBinaryData){payload.len, payload.data};
            sg.signer = (ProtobufCBinaryData){SOS_PK_BYTES, (uint8_t *)sos_key_public(k)};
            sg.signature = (ProtobufCBinaryData){SOS_SIG_BYTES, sig};
            r.request_id = tb.take_id;
            r.body_case = SOS__SCORING_REQUEST__BODY_TAKE_FILE;
            r.take_file = &sg;
            s_seed(g, &r.base);
            sos_key_destroy(&k);
        }
        sos_buf_free(&payload);
        g->n_flip = g->n_seeds;
    } else if (strcmp(g->svc, "aggregation") == 0) {
        Sos__AggregationRequest r = SOS__AGGREGATION_REQUEST__INIT;
        S_ID(r, "c");
        r.body_case = SOS__AGGREGATION_REQUEST__BODY_VERDICT_SHOW;
        r.verdict_show = (char *)tool;
        s_seed(g, &r.base);
        S_ID(r, "d");
        r.verdict_show = (char *)open_tool;
        s_seed(g, &r.base);
        g->n_flip = g->n_seeds;
    } else {
        g->n_flip = g->n_seeds;
    }
}

/* --- the mix -------------------------------------------------------------- */

typedef struct {
    size_t n;
    sos_frame f[G_MAX_PARTS];
} g_msg;

static size_t s_random_len(void)
{
    size_t r = s_below(1000);
    if (r < 700)
        return s_below(257);
    if (r < 950)
        return 256 + s_below(4096 - 256 + 1);
    if (r < 999)
        return 4096 + s_below(65536 - 4096 + 1);
    return 65536 + s_below(SOS_WIRE_MAX_REQUEST - 65536 + 1);
}

/* One part into p: random, cut, flipped or tailed seed. Returns its length. */
static size_t s_part(g_state *g, uint8_t *p, int kind)
{
    const sos_buf *sd = &g->seed[s_below(kind == 1 ? g->n_seeds : g->n_flip)];
    size_t n;
    switch (kind) {
    case 0: /* random bytes */
        n = s_random_len();
        s_fill(p, n);
        return n;
    case 1: /* cut: never the whole request */
        n = s_below(sd->len);
        memcpy(p, sd->data, n);
        return n;
    case 2: /* 1-4 bits flipped */
        memcpy(p, sd->data, sd->len);
        for (size_t i = 0, k = 1 + s_below(4); i < k; i++)
            p[s_below(sd->len)] ^= (uint8_t)(1u << s_below(8));
        return sd->len;
    default: /* random bytes after a whole request */
        memcpy(p, sd->data, sd->len);
        n = 1 + s_below(64);
        s_fill(p + sd->len, n);
        return sd->len + n;
    }
}

static void s_check_msg(g_state *g, g_msg *m, uint8_t *p)
{
    static const char *const kinds = "SE";
    char id[16];
    int kind = (int)(g->checks % 2);
    snprintf(id, sizeof id, "chk%c%08ld", kinds[kind], g->checks % 100000000);
    ProtobufCBinaryData rid = {12, (uint8_t *)id};
    sos_buf b = SOS_BUF_INIT;
    Sos__Empty empty = SOS__EMPTY__INIT;
    Sos__EventsQuery q = SOS__EVENTS_QUERY__INIT;
    if (kind == 0) {
        Sos__StatusRequest r = SOS__STATUS_REQUEST__INIT;
        r.request_id = rid;
        r.status = &empty;
        sos_buf_pack(&b, &r.base);
    } else {
        Sos__EventsRequest r = SOS__EVENTS_REQUEST__INIT;
        q.max = 5;
        r.request_id = rid;
        r.events = &q;
        sos_buf_pack(&b, &r.base);
    }
    memcpy(p, b.data, b.len);
    m->n = 1;
    m->f[0] = (sos_frame){p, b.len};
    sos_buf_free(&b);
    g->checks++;
}

/* The next message of the mix into m (parts in g->scratch). */
static void s_gen(g_state *g, g_msg *m)
{
    const size_t stride = SOS_WIRE_MAX_REQUEST + 64;
    uint8_t *p = g->scratch;
    if (g->msgs % 100 == 99) {
        s_check_msg(g, m, p);
        return;
    }
    if (g->big_left > 0) { /* the warm-up's burst: the largest random frames */
        g->big_left--;
        g->k_random++;
        size_t n = SOS_WIRE_MAX_REQUEST / 4 + s_below(SOS_WIRE_MAX_REQUEST * 3 / 4 + 1);
        s_fill(p, n);
        m->n = 1;
        m->f[0] = (sos_frame){p, n};
        return;
    }
    size_t r = s_below(100);
    m->n = 1;
    if (r < 30) {
        g->k_random++;
        m->f[0] = (sos_frame){p, s_part(g, p, 0)};
    } else if (r < 50) {
        g->k_cut++;
        m->f[0] = (sos_frame){p, s_part(g, p, 1)};
    } else if (r < 72) {
        g->k_flip++;
        m->f[0] = (sos_frame){p, s_part(g, p, 2)};
    } else if (r < 80) {
        g->k_tail++;
        m->f[0] = (sos_frame){p, s_part(g, p, 3)};
    } else if (r < 90) {
        g->k_empty++;
        m->f[0] = (sos_frame){p, 0};
    } else {
        m->n = 2 + s_below(G_MAX_PARTS - 1); /* 2..8 */
        if (m->n <= 3)
            g->k_multi_ans++;
        else
            g->k_multi_drop++;
        for (size_t i = 0; i < m->n; i++) {
            uint8_t *q = p + i * stride;
            size_t pick = s_below(5);
            size_t n = pick == 4 ? 0 : pick == 0 ? s_below(65) : s_part(g, q, (int)pick);
            if (pick == 0)
                s_fill(q, n);
            m->f[i] = (sos_frame){q, n};
        }
    }
}

/* --- replies ------------------------------------------------------------ */

static int s_check_reply(g_state *g, const uint8_t *d, size_t len, char kind)
{
    char msg[160];
    if (kind == 'S') {
        Sos__StatusReply *r =
            (Sos__StatusReply *)sos_unpack(&sos__status_reply__descriptor, d, len);
        int ok = r && (!r->status || r->status->code == SOS__CODE__CODE_OK) && r->info &&
                 strcmp(r->info->service, g->svc) == 0 && r->info->head == g->head;
        snprintf(msg, sizeof msg, "service=%s head=%llu", r && r->info ? r->info->service : "?",
                 r && r->info ? (unsigned long long)r->info->head : 0ull);
        if (r)
            sos__status_reply__free_unpacked(r, NULL);
        if (!ok)
            return s_fail(g, "a status query answered wrongly during the flood: %s", msg);
    } else {
        Sos__EventsReply *r =
            (Sos__EventsReply *)sos_unpack(&sos__events_reply__descriptor, d, len);
        size_t want = g->head < 5 ? (size_t)g->head : 5;
        int ok = r && (!r->status || r->status->code == SOS__CODE__CODE_OK) && r->events &&
                 r->events->head == g->head && r->events->n_events == want;
        snprintf(msg, sizeof msg, "head=%llu events=%zu",
                 r && r->events ? (unsigned long long)r->events->head : 0ull,
                 r && r->events ? r->events->n_events : 0);
        for (size_t i = 0; ok && i < want; i++)
            ok = r->events->events[i]->seq == i + 1;
        if (r)
            sos__events_reply__free_unpacked(r, NULL);
        if (!ok)
            return s_fail(g, "an events query answered wrongly during the flood: %s", msg);
    }
    g->checks_ok++;
    return 0;
}

/* Reads every reply waiting. 0, or -1 on a reply that is wrong. */
static int s_drain(g_state *g)
{
    sos_frames in;
    int rc;
    while ((rc = sos_sock_recv(g->s, &in)) == 0) {
        int bad = in.n != 1;
        Sos__ErrorReply *er = bad ? NULL
                                  : (Sos__ErrorReply *)sos_unpack(&sos__error_reply__descriptor,
                                                                  in.data[0], in.len[0]);
        if (!er) {
            sos_frames_clear(&in);
            return s_fail(g, "%s",
                          bad ? "a reply of several frames" : "a reply that does not parse");
        }
        g->replies++;
        if (g->ring_n) {
            g->inflight -= g->ring[g->ring_at];
            g->ring_at = (g->ring_at + 1) % g->ring_cap;
            g->ring_n--;
        }
        if (er->status && er->status->code != SOS__CODE__CODE_OK)
            g->errors++;
        rc = 0;
        if (er->request_id.len == 12 && memcmp(er->request_id.data, "chk", 3) == 0)
            rc = s_check_reply(g, in.data[0], in.len[0], (char)er->request_id.data[3]);
        protobuf_c_message_free_unpacked(&er->base, NULL);
        sos_frames_clear(&in);
        if (rc != 0)
            return -1;
    }
    if (rc < 0)
        return s_fail(g, "%s", "receive error");
    return 0;
}

/* A fresh client, its own connection: a correct status (within the hang
 * guard). */
static int s_clnt_status(g_state *g)
{
    sos_clnt *c = NULL;
    Sos__StatusReply *st = NULL;
    char why[160] = "no answer";
    int64_t t0 = sos_now_ms();
    int rc = -1;
    if (sos_clnt_new(g->ep, G_HANG_GUARD_MS, 1, &c) == 0 &&
        sos_clnt_status(c, &st) == SOS_CLNT_OK) {
        snprintf(why, sizeof why, "service=%s head=%llu, expected %s head=%llu",
                 st->info ? st->info->service : "?",
                 st->info ? (unsigned long long)st->info->head : 0ull, g->svc,
                 (unsigned long long)g->head);
        if (st->info && strcmp(st->info->service, g->svc) == 0 && st->info->head == g->head)
            rc = 0;
    }
    long ms = (long)(sos_now_ms() - t0);
    if (st)
        sos__status_reply__free_unpacked(st, NULL);
    sos_clnt_destroy(&c);
    g->clnt_calls++;
    if (ms > g->clnt_max_ms)
        g->clnt_max_ms = ms;
    if (rc != 0)
        return s_fail(g, "a fresh client's status query during the flood: %s", why);
    return 0;
}

/* Counts a one-frame message the daemon will log request.malformed: it runs
 * the same budgeted unpack. */
static void s_predict(g_state *g, const void *data, size_t len)
{
    ProtobufCMessage *u = sos_unpack(g->desc, data, len);
    if (u)
        protobuf_c_message_free_unpacked(u, NULL);
    else
        g->malformed++;
}

/* Books a message sent: counts, the reply it awaits, and what the daemon will
 * log. */
static void s_sent(g_state *g, const g_msg *m)
{
    size_t bytes = 0;
    for (size_t k = 0; k < m->n; k++)
        bytes += m->f[k].len;
    g->msgs++;
    g->frames += (long)m->n;
    g->bytes += (long long)bytes;
    if (m->n <= 3) {
        g->expect++;
        g->ring[(g->ring_at + g->ring_n++) % g->ring_cap] = bytes;
        g->inflight += bytes;
    }
    if (m->n == 1)
        s_predict(g, m->f[0].data, m->f[0].len);
}

/* Sends n messages of the mix, pipelined, then waits for every reply. */
static int s_flood(g_state *g, long n)
{
    long step = n / 10 > 0 ? n / 10 : n;
    int64_t progress_at = sos_now_ms();
    long last_replies = g->replies;
    g_msg m;
    bool pending = false;
    for (long i = 0; i < n || g->replies < g->expect;) {
        if (s_drain(g) != 0)
            return -1;
        if (g->replies != last_replies) {
            last_replies = g->replies;
            progress_at = sos_now_ms();
        }
        if (i < n && g->ring_n < (size_t)g->window && g->inflight < G_INFLIGHT_BYTES) {
            if (!pending)
                s_gen(g, &m);
            pending = true;
            if (sos_sock_send(g->s, m.f, m.n) == 0) {
                pending = false;
                s_sent(g, &m);
                i++;
                if (i % step == 0 && s_clnt_status(g) != 0)
                    return -1;
                continue;
            }
            if (errno != EAGAIN)
                return s_fail(g, "send: %s", strerror(errno));
            /* the queue is full: wait below, then send the same message */
        }
        if (sos_now_ms() - progress_at > G_STALL_MS)
            return s_fail(g, "%ld of %ld replies, none for %d s", g->replies, g->expect,
                          G_STALL_MS / 1000);
        bool rd;
        sos_sock *ss[1] = {g->s};
        (void)sos_wire_poll(ss, 1, &rd, pending ? 5 : 100);
    }
    return 0;
}

/* --- frames at and over the limit -------------------------------------- */

/* A frame of exactly SOS_WIRE_MAX_REQUEST random bytes on a connection of
 * its own: it is within the limit, so it must be answered. */
static int s_exact(g_state *g, long *answered)
{
    sos_sock *x = NULL;
    size_t n = SOS_WIRE_MAX_REQUEST;
    s_fill(g->scratch, n);
    if (sos_sock_new(g->w, SOS_SOCK_DEALER, g->ep, &x) != 0)
        return s_fail(g, "%s", "no socket");
    sos_frame f = {g->scratch, n};
    int rc = sos_sock_send(x, &f, 1);
    if (rc == 0) {
        s_predict(g, f.data, f.len); /* booked apart from the flood's replies */
        rc = -1;
        for (int64_t end = sos_now_ms() + G_HANG_GUARD_MS; rc != 0 && sos_now_ms() < end;) {
            bool rd;
            sos_sock *ss[1] = {x};
            sos_frames in;
            if (sos_wire_poll(ss, 1, &rd, 100) <= 0 || sos_sock_recv(x, &in) != 0)
                continue;
            ProtobufCMessage *er =
                in.n == 1 ? sos_unpack(&sos__error_reply__descriptor, in.data[0], in.len[0]) : NULL;
            if (er)
                protobuf_c_message_free_unpacked(er, NULL);
            sos_frames_clear(&in);
            if (!er) {
                sos_sock_destroy(&x);
                return s_fail(g, "%s", "the reply to a frame of SOS_WIRE_MAX_REQUEST bytes");
            }
            rc = 0;
        }
    }
    sos_sock_destroy(&x);
    if (rc != 0)
        return s_fail(g, "%s", "a frame of exactly SOS_WIRE_MAX_REQUEST bytes got no answer");
    (*answered)++;
    return 0;
}

/* A status query with request id id (12 bytes) on s: 0, or -1 (EAGAIN
 * while s reconnects: the caller sends another). */
static int s_mark(sos_sock *s, const char *id)
{
    Sos__StatusRequest r = SOS__STATUS_REQUEST__INIT;
    Sos__Empty empty = SOS__EMPTY__INIT;
    sos_buf b = SOS_BUF_INIT;
    r.request_id = (ProtobufCBinaryData){12, (uint8_t *)id};
    r.status = &empty;
    sos_buf_pack(&b, &r.base);
    sos_frame f = {b.data, b.len};
    int rc = sos_sock_send(s, &f, 1);
    sos_buf_free(&b);
    return rc;
}

/* A frame of size bytes on a connection of its own: the daemon's
 * MAXMSGSIZE makes libzmq drop the connection before anything is decoded,
 * so it must get no reply (the skeleton's own backstop would answer
 * "request too large": that counts as a failure too, since it means the
 * frame got through libzmq). Shown by order, not by a quiet interval: status
 * queries (marks) follow the frame on its socket until one is answered,
 * over the reconnection once libzmq has dropped the first connection; then
 * a last one; every reply up to the last one's must be a mark's, since a
 * frame taken would be answered before what follows it on its connection.
 * The fresh clients after it show the daemon still serves. */
static int s_over(g_state *g, size_t size, const uint8_t *data, long *dropped_out)
{
    static const char mark[] = "over-mark---", last[] = "over-last---";
    sos_sock *x = NULL;
    bool answered = false, done = false;
    int rc = 0;
    if (sos_sock_new(g->w, SOS_SOCK_DEALER, g->ep, &x) != 0)
        return s_fail(g, "%s", "no socket");
    sos_frame f = {data, size};
    if (sos_sock_send(x, &f, 1) != 0) {
        sos_sock_destroy(&x);
        return s_fail(g, "send of %zu bytes: %s", size, strerror(errno));
    }
    for (int64_t end = sos_now_ms() + G_HANG_GUARD_MS; !done && rc == 0;) {
        if (sos_now_ms() > end) {
            rc = s_fail(g, "%s", "no status query after a frame over the limit was answered");
            break;
        }
        if (!answered)
            (void)s_mark(x, mark);
        bool rd;
        sos_sock *ss[1] = {x};
        sos_frames in;
        if (sos_wire_poll(ss, 1, &rd, 100) <= 0)
            continue;
        while (!done && rc == 0 && sos_sock_recv(x, &in) == 0) {
            Sos__ErrorReply *er = in.n == 1
                                      ? (Sos__ErrorReply *)sos_unpack(&sos__error_reply__descriptor,
                                                                      in.data[0], in.len[0])
                                      : NULL;
            bool is_mark =
                er && er->request_id.len == 12 && memcmp(er->request_id.data, mark, 12) == 0;
            done = er && er->request_id.len == 12 && memcmp(er->request_id.data, last, 12) == 0;
            if (!is_mark && !done)
                rc = s_fail(g, "a frame over SOS_WIRE_MAX_REQUEST (%s bytes) was answered",
                            size > SOS_WIRE_MAX_REQUEST + 1 ? "16 MiB" : "MAXMSGSIZE + 1");
            if (er)
                protobuf_c_message_free_unpacked(&er->base, NULL);
            sos_frames_clear(&in);
            if (!answered && rc == 0) {
                answered = true;
                if (s_mark(x, last) != 0)
                    rc = s_fail(g, "%s", "the last mark could not be sent");
            }
        }
    }
    sos_sock_destroy(&x);
    if (rc != 0)
        return rc;
    (*dropped_out)++;
    return 0;
}

/* --- memory -------------------------------------------------------------- */

typedef struct {
    long rss, anon, file, hwm; /* KiB, -1 when unknown */
} g_mem;

static g_mem s_mem(long pid)
{
    g_mem m = {-1, -1, -1, -1};
    char path[64], line[256];
    if (pid <= 0)
        return m;
    snprintf(path, sizeof path, "/proc/%ld/status", pid);
    FILE *f = fopen(path, "r");
    if (!f)
        return m;
    while (fgets(line, sizeof line, f)) {
        long v;
        if (sscanf(line, "VmRSS: %ld", &v) == 1)
            m.rss = v;
        else if (sscanf(line, "RssAnon: %ld", &v) == 1)
            m.anon = v;
        else if (sscanf(line, "RssFile: %ld", &v) == 1)
            m.file = v;
        else if (sscanf(line, "VmHWM: %ld", &v) == 1)
            m.hwm = v;
    }
    fclose(f);
    return m;
}

/* The flood's allocations are back in the daemon's allocator once every
 * reply is in; a moment for libzmq's I/O thread to close what it holds. */
static void s_settle(void)
{
    struct timespec ts = {0, 300 * 1000 * 1000};
    nanosleep(&ts, NULL);
}

/* --- main ----------------------------------------------------------------- */

static const ProtobufCMessageDescriptor *s_desc(const char *svc)
{
    if (strcmp(svc, "submission") == 0)
        return &sos__submission_request__descriptor;
    if (strcmp(svc, "scoring") == 0)
        return &sos__scoring_request__descriptor;
    if (strcmp(svc, "aggregation") == 0)
        return &sos__aggregation_request__descriptor;
    if (strcmp(svc, "publishing") == 0)
        return &sos__publishing_request__descriptor;
    return NULL;
}

/* The flood's phases, both alike: the mix, then the frames at and over the
 * limit, then a fresh client. */
static int s_round(g_state *g, long n, long burst, const uint8_t *big, long *exact, long *over)
{
    g->big_left = burst;
    if (s_flood(g, n) != 0 || s_exact(g, exact) != 0)
        return -1;
    if (s_over(g, SOS_WIRE_MAX_REQUEST + 1, big, over) != 0 || s_over(g, G_BIG, big, over) != 0)
        return -1;
    return s_clnt_status(g);
}

int main(int argc, char **argv)
{
    static const struct option opts[] = {{"pid", required_argument, NULL, 'p'},
                                         {"frames", required_argument, NULL, 'n'},
                                         {"warmup", required_argument, NULL, 'w'},
                                         {"seed", required_argument, NULL, 's'},
                                         {"max-growth-kib", required_argument, NULL, 'm'},
                                         {"tool", required_argument, NULL, 't'},
                                         {"open-tool", required_argument, NULL, 'o'},
                                         {"window", required_argument, NULL, 'W'},
                                         {NULL, 0, NULL, 0}};
    long pid = 0, frames = 100000, warmup = 5000, max_growth = -1, exact = 0, over = 0;
    unsigned long long seed = 1;
    const char *tool = "no-such-tool", *open_tool = "no-such-open-tool";
    g_state g;
    int ch;
    memset(&g, 0, sizeof g);
    g.window = 512;
    while ((ch = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        switch (ch) {
        case 'p': pid = atol(optarg); break;
        case 'n': frames = atol(optarg); break;
        case 'w': warmup = atol(optarg); break;
        case 's': seed = strtoull(optarg, NULL, 10); break;
        case 'm': max_growth = atol(optarg); break;
        case 't': tool = optarg; break;
        case 'o': open_tool = optarg; break;
        case 'W': g.window = atol(optarg); break;
        default: return 64;
        }
    }
    if (argc - optind != 2 || frames < 0 || warmup < 0 || g.window < 1)
        return 64;
    g.svc = argv[optind];
    g.ep = argv[optind + 1];
    g.desc = s_desc(g.svc);
    if (!g.desc)
        return 64;
    s_rng = seed;
    signal(SIGPIPE, SIG_IGN);
    printf("garbage: %s: seed=%llu (replay: --seed %llu)\n", g.svc, seed, seed);
    fflush(stdout);
    if (sos_sign_init() != 0)
        return 70;

    g.ring_cap = (size_t)g.window;
    g.ring = sos_xcalloc(g.ring_cap, sizeof *g.ring);
    g.scratch = sos_xmalloc(G_MAX_PARTS * (SOS_WIRE_MAX_REQUEST + 64));
    uint8_t *big = sos_xcalloc(1, G_BIG);
    s_seeds(&g, tool, open_tool);
    int rc = 1;
    g_mem before = {-1, -1, -1, -1}, after = before;
    double secs = 0;
    long msgs0 = 0;

    /* the head every check expects: the flood must change nothing */
    {
        sos_clnt *c = NULL;
        Sos__StatusReply *st = NULL;
        if (sos_clnt_new(g.ep, G_HANG_GUARD_MS, 1, &c) != 0 ||
            sos_clnt_status(c, &st) != SOS_CLNT_OK || !st->info) {
            fprintf(stderr, "garbage: FAIL: %s: no status before the flood\n", g.svc);
            rc = 69;
        } else {
            g.head = st->info->head;
        }
        if (st)
            sos__status_reply__free_unpacked(st, NULL);
        sos_clnt_destroy(&c);
        if (rc == 69)
            goto out;
    }
    if (sos_wire_new(&g.w) != 0 || sos_sock_new(g.w, SOS_SOCK_DEALER, g.ep, &g.s) != 0) {
        rc = 69;
        goto out;
    }

    if (s_round(&g, warmup, G_BURST, big, &exact, &over) != 0)
        goto out;
    s_settle();
    before = s_mem(pid);
    msgs0 = g.msgs;
    int64_t t0 = sos_now_ms();
    if (s_flood(&g, frames) != 0)
        goto out;
    secs = (double)(sos_now_ms() - t0) / 1000.0;
    if (s_round(&g, 0, 0, big, &exact, &over) != 0)
        goto out;
    s_settle();
    after = s_mem(pid);
    if (pid > 0 && (before.rss < 0 || after.rss < 0)) {
        fprintf(stderr, "garbage: FAIL: %s: cannot read /proc/%ld/status (daemon gone?)\n", g.svc,
                pid);
        goto out;
    }
    if (g.checks_ok != g.checks) {
        fprintf(stderr, "garbage: FAIL: %s: %ld of %ld checked queries answered\n", g.svc,
                g.checks_ok, g.checks);
        goto out;
    }
    if (g.errors == 0) {
        fprintf(stderr, "garbage: FAIL: %s: no error reply at all\n", g.svc);
        goto out;
    }
    rc = 0;
    if (pid > 0 && max_growth >= 0 && after.rss - before.rss >= max_growth) {
        fprintf(stderr,
                "garbage: FAIL: %s: VmRSS grew %ld KiB (%ld -> %ld), the bound is %ld KiB\n", g.svc,
                after.rss - before.rss, before.rss, after.rss, max_growth);
        rc = 1;
    }
out:
    printf("garbage: %s: seed=%llu msgs=%ld frames=%ld bytes=%lld flood_msgs=%ld flood_secs=%.2f "
           "rate=%.0f random=%ld cut=%ld flipped=%ld tailed=%ld empty=%ld multi_answered=%ld "
           "multi_dropped=%ld checks=%ld checks_ok=%ld expect=%ld replies=%ld errors=%ld "
           "malformed=%ld clnt_calls=%ld clnt_max_ms=%ld exact_answered=%ld over_dropped=%ld "
           "rss_before=%ld rss_after=%ld anon_before=%ld anon_after=%ld file_before=%ld "
           "file_after=%ld hwm_after=%ld growth_kib=%ld ok=%d\n",
           g.svc, seed, g.msgs, g.frames, g.bytes, g.msgs - msgs0, secs,
           secs > 0 ? (double)(g.msgs - msgs0) / secs : 0.0, g.k_random, g.k_cut, g.k_flip,
           g.k_tail, g.k_empty, g.k_multi_ans, g.k_multi_drop, g.checks, g.checks_ok, g.expect,
           g.replies, g.errors, g.malformed, g.clnt_calls, g.clnt_max_ms, exact, over, before.rss,
           after.rss, before.anon, after.anon, before.file, after.file, after.hwm,
           after.rss >= 0 && before.rss >= 0 ? after.rss - before.rss : -1, rc == 0);
    sos_sock_destroy(&g.s);
    sos_wire_destroy(&g.w);
    for (size_t i = 0; i < g.n_seeds; i++)
        sos_buf_free(&g.seed[i]);
    free(g.ring);
    free(g.scratch);
    free(big);
    return rc;
}
