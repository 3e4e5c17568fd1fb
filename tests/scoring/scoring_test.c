/* unit.scoring.scoring: signed takes, amendments, quorum, panel closing. */
#include "testutil.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rules.h"
#include "scoring.h"

enum { STRANGER = 0, BUILDER = 1, SKEPTIC, FUTURIST, FOUNDER, CREATOR };

typedef struct {
    tu_env *e;
    sos_key *keys[6]; /* [persona] registered for it; [0] registered for none */
    scoring_rules r;
} fx;

typedef struct {
    const char *tool;
    int persona;
    unsigned score;
    const char *text;
    unsigned revision;
    size_t id_len; /* 0: 16 */
} body;

#define S_FILED 1763840000u           /* every take's filed_at, but test_filed_at_ahead's */
#define S_NOW (S_FILED + 60u)         /* scoring's clock, passed to the rule */
static uint64_t s_filed_at = S_FILED; /* what s_make signs */

typedef struct {
    sos_buf payload;
    uint8_t sig[SOS_SIG_BYTES];
    uint8_t pk[SOS_PK_BYTES];
    uint8_t id[64];
    size_t id_len;
    Sos__Signed s;
} take;

static uint8_t s_next_id = 1;

static void s_apply(fx *f, Sos__Event *ev)
{
    sos_txn *t = tu_begin(f->e, true);
    assert_int_equal(scoring_apply(t, ev), SOS_OK);
    tu_commit(&t);
}

static void s_apply_tool(fx *f, const char *id)
{
    Sos__Tool tool = SOS__TOOL__INIT;
    tool.tool_id = (char *)id;
    tool.name = (char *)id;
    Sos__Event ev = SOS__EVENT__INIT;
    ev.kind_case = SOS__EVENT__KIND_TOOL;
    ev.tool = &tool;
    s_apply(f, &ev);
}

static void s_apply_key(fx *f, int persona, const uint8_t *pk, size_t len)
{
    Sos__PanelKey k = SOS__PANEL_KEY__INIT;
    k.persona = (Sos__Persona)persona;
    k.public_key = (ProtobufCBinaryData){len, (uint8_t *)pk};
    Sos__Event ev = SOS__EVENT__INIT;
    ev.kind_case = SOS__EVENT__KIND_PANEL_KEY;
    ev.panel_key = &k;
    s_apply(f, &ev);
}

static int s_setup(void **state)
{
    fx *f = calloc(1, sizeof *f);
    assert_non_null(f);
    f->e = tu_env_new(scoring_spec.dbs, scoring_spec.n_dbs);
    f->r.quorum = 4;
    for (int p = 0; p <= CREATOR; p++)
        assert_int_equal(sos_key_generate(&f->keys[p]), 0);
    s_apply_tool(f, "tool-x");
    s_apply_tool(f, "tool-y");
    for (int p = BUILDER; p <= CREATOR; p++)
        s_apply_key(f, p, sos_key_public(f->keys[p]), SOS_PK_BYTES);
    assert_int_equal(tu_head(f->e), 2); /* tools are forwarded, keys are not */
    assert_int_equal(tu_count(f->e, SCORING_DB_PANEL), 5);
    *state = f;
    return 0;
}

static int s_teardown(void **state)
{
    fx *f = *state;
    for (int p = 0; p <= CREATOR; p++)
        sos_key_destroy(&f->keys[p]);
    tu_env_free(&f->e);
    free(f);
    return 0;
}

static void s_take_free(take *tk)
{
    sos_buf_free(&tk->payload);
}

/* Packs b (with a raw field 99 appended when unknown), signs it with key
 * under domain, and points tk->s at the result. */
static void s_make(take *tk, const body *b, const sos_key *key, const char *domain, bool unknown)
{
    Sos__TakeBody tb = SOS__TAKE_BODY__INIT;
    memset(tk, 0, sizeof *tk);
    tk->id_len = b->id_len ? b->id_len : 16;
    memset(tk->id, s_next_id++, tk->id_len);
    tb.take_id = (ProtobufCBinaryData){tk->id_len, tk->id};
    tb.tool_id = (char *)b->tool;
    tb.persona = (Sos__Persona)b->persona;
    tb.score = b->score;
    tb.ship = b->score >= 50;
    tb.text = (char *)b->text;
    tb.revision = b->revision;
    tb.filed_at = s_filed_at;
    sos_buf_pack(&tk->payload, &tb.base);
    if (unknown) {
        static const uint8_t f99[] = {0x98, 0x06, 0x01}; /* field 99, varint 1 */
        sos_buf_append(&tk->payload, f99, sizeof f99);
    }
    sos_sign(key, domain, tk->payload.data, tk->payload.len, tk->sig);
    memcpy(tk->pk, sos_key_public(key), SOS_PK_BYTES);
    Sos__Signed s = SOS__SIGNED__INIT;
    s.payload = (ProtobufCBinaryData){tk->payload.len, tk->payload.data};
    s.signer = (ProtobufCBinaryData){SOS_PK_BYTES, tk->pk};
    s.signature = (ProtobufCBinaryData){SOS_SIG_BYTES, tk->sig};
    tk->s = s;
}

/* Runs the rule in a write transaction committed whatever the outcome. */
static int s_accept_rid(fx *f, const take *tk, const ProtobufCBinaryData *rid,
                        uint8_t hash[SOS_HASH_BYTES], sos_status *st)
{
    uint8_t h[SOS_HASH_BYTES];
    sos_status s = SOS_STATUS_OK;
    sos_txn *t = tu_begin(f->e, true);
    int rc = scoring_take_accept(&f->r, t, &tk->s, rid, S_NOW, hash ? hash : h, st ? st : &s);
    assert_true(rc >= 0);
    tu_commit(&t);
    return rc;
}

static int s_accept(fx *f, const take *tk, uint8_t hash[SOS_HASH_BYTES])
{
    ProtobufCBinaryData rid = {tk->id_len, (uint8_t *)tk->id};
    return s_accept_rid(f, tk, &rid, hash, NULL);
}

/* Makes and files a valid take by persona's own key; returns the rule's code. */
static int s_file(fx *f, const char *tool, int persona, unsigned score, unsigned rev,
                  uint8_t hash[SOS_HASH_BYTES])
{
    take tk;
    body b = {tool, persona, score, "A considered take.", rev, 0};
    s_make(&tk, &b, f->keys[persona], SOS_DOMAIN_TAKE, false);
    int rc = s_accept(f, &tk, hash);
    s_take_free(&tk);
    return rc;
}

static void s_expect_latest(fx *f, const char *tool, int persona, unsigned rev,
                            const uint8_t hash[SOS_HASH_BYTES])
{
    char key[64];
    size_t n = strlen(tool);
    memcpy(key, tool, n + 1);
    key[n + 1] = (char)persona;
    sos_val v;
    sos_txn *t = tu_begin(f->e, false);
    assert_int_equal(sos_txn_get(t, SCORING_DB_LATEST, key, n + 2, &v), SOS_OK);
    assert_int_equal(v.len, SOS_RULES_LATEST_BYTES);
    assert_int_equal(sos_be32_get(v.data), rev);
    assert_memory_equal((const uint8_t *)v.data + 4, hash, SOS_HASH_BYTES);
    /* and names the event that carries that very take */
    uint64_t seq = sos_be64_get((const uint8_t *)v.data + 4 + SOS_HASH_BYTES);
    sos_txn_abort(&t);
    Sos__Event *ev = tu_event(f->e, seq);
    assert_non_null(ev);
    assert_int_equal(ev->kind_case, SOS__EVENT__KIND_TAKE);
    uint8_t h[SOS_HASH_BYTES];
    sos_hash(ev->take->payload.data, ev->take->payload.len, h);
    assert_memory_equal(h, hash, SOS_HASH_BYTES);
    sos__event__free_unpacked(ev, NULL);
}

/* The stored take under tool NUL persona revision(BE32): the index names
 * the event that holds it. A copy; free it. */
static Sos__Signed *s_stored(fx *f, const char *tool, int persona, unsigned rev)
{
    uint8_t key[64];
    size_t n = strlen(tool);
    sos_val v;
    memcpy(key, tool, n + 1);
    key[n + 1] = (uint8_t)persona;
    sos_be32_put(key + n + 2, rev);
    sos_txn *t = tu_begin(f->e, false);
    assert_int_equal(sos_txn_get(t, SCORING_DB_TAKES, key, n + 6, &v), SOS_OK);
    assert_int_equal(v.len, 8);
    uint64_t seq = sos_be64_get(v.data);
    sos_txn_abort(&t);
    Sos__Event *ev = tu_event(f->e, seq);
    assert_non_null(ev);
    assert_int_equal(ev->kind_case, SOS__EVENT__KIND_TAKE);
    sos_buf b = SOS_BUF_INIT;
    sos_buf_pack(&b, &ev->take->base);
    Sos__Signed *s = (Sos__Signed *)sos_unpack(&sos__signed__descriptor, b.data, b.len);
    sos_buf_free(&b);
    sos__event__free_unpacked(ev, NULL);
    assert_non_null(s);
    return s;
}

/* scoring_takes_list: every revision on tool, in (persona, revision)
 * order; returns how many and checks each is a take on tool. */
static size_t s_listed(fx *f, const char *tool, unsigned *first_rev)
{
    Sos__Event **evs = NULL;
    size_t n = 0;
    sos_txn *t = tu_begin(f->e, false);
    assert_int_equal(scoring_takes_list(t, tool, &evs, &n), SOS_OK);
    sos_txn_abort(&t);
    int last_persona = 0;
    unsigned last_rev = 0;
    for (size_t i = 0; i < n; i++) {
        Sos__TakeBody *b = (Sos__TakeBody *)sos_unpack(
            &sos__take_body__descriptor, evs[i]->take->payload.data, evs[i]->take->payload.len);
        assert_non_null(b);
        assert_string_equal(b->tool_id, tool);
        assert_true((int)b->persona > last_persona ||
                    ((int)b->persona == last_persona && b->revision > last_rev));
        if (i == 0 && first_rev)
            *first_rev = b->revision;
        last_persona = (int)b->persona;
        last_rev = b->revision;
        sos__take_body__free_unpacked(b, NULL);
    }
    sos_rules_list_free((ProtobufCMessage **)evs, n);
    return n;
}

static void test_accepted(void **state)
{
    fx *f = *state;
    take tk;
    uint8_t hash[SOS_HASH_BYTES], want[SOS_HASH_BYTES];
    sos_status st = SOS_STATUS_OK;
    body b = {"tool-x", BUILDER, 82, "Solid for small projects.", 1, 0};
    s_make(&tk, &b, f->keys[BUILDER], SOS_DOMAIN_TAKE, false);
    ProtobufCBinaryData rid = {tk.id_len, tk.id};
    assert_int_equal(s_accept_rid(f, &tk, &rid, hash, &st), 0);
    sos_hash(tk.payload.data, tk.payload.len, want);
    assert_memory_equal(hash, want, SOS_HASH_BYTES);
    assert_int_equal(tu_head(f->e), 3);
    assert_int_equal(tu_count(f->e, SCORING_DB_TAKES), 1);
    s_expect_latest(f, "tool-x", BUILDER, 1, want);

    /* the event carries the exact bytes that were signed */
    Sos__Event *ev = tu_event(f->e, 3);
    assert_int_equal(ev->kind_case, SOS__EVENT__KIND_TAKE);
    assert_true(tu_bin_eq(ev->take->payload, tk.payload.data, tk.payload.len));
    assert_true(tu_bin_eq(ev->take->signer, tk.pk, SOS_PK_BYTES));
    assert_true(tu_bin_eq(ev->take->signature, tk.sig, SOS_SIG_BYTES));
    assert_int_equal(sos_verify(ev->take->signer.data, SOS_DOMAIN_TAKE, ev->take->payload.data,
                                ev->take->payload.len, ev->take->signature.data),
                     0);
    sos__event__free_unpacked(ev, NULL);

    Sos__Signed *s = s_stored(f, "tool-x", BUILDER, 1);
    assert_true(tu_bin_eq(s->payload, tk.payload.data, tk.payload.len));
    sos__signed__free_unpacked(s, NULL);
    s_take_free(&tk);

    /* no request id (not through the api) is fine too */
    body b2 = {"tool-x", SKEPTIC, 10, "No.", 1, 0};
    s_make(&tk, &b2, f->keys[SKEPTIC], SOS_DOMAIN_TAKE, false);
    assert_int_equal(s_accept_rid(f, &tk, NULL, NULL, NULL), 0);
    assert_int_equal(tu_head(f->e), 4);
    s_take_free(&tk);
}

enum { TM_NONE, TM_PAYLOAD, TM_SIG, TM_SIGNER_LEN, TM_EMPTY, TM_GARBAGE, TM_OTHER_RID };

static void test_refusals(void **state)
{
    fx *f = *state;
    static const struct {
        const char *name;
        body b;
        int signer; /* -1: the body's persona */
        const char *domain;
        bool unknown;
        int tamper;
        int want;
    } cases[] = {
        {"unknown tool",
         {"nosuch", BUILDER, 80, "ok", 1, 0},
         -1,
         NULL,
         false,
         TM_NONE,
         SOS__CODE__CODE_NOT_FOUND},
        {"score 101",
         {"tool-x", BUILDER, 101, "ok", 1, 0},
         -1,
         NULL,
         false,
         TM_NONE,
         SOS__CODE__CODE_BAD_REQUEST},
        {"persona 0",
         {"tool-x", 0, 80, "ok", 1, 0},
         BUILDER,
         NULL,
         false,
         TM_NONE,
         SOS__CODE__CODE_BAD_REQUEST},
        {"persona 6",
         {"tool-x", 6, 80, "ok", 1, 0},
         BUILDER,
         NULL,
         false,
         TM_NONE,
         SOS__CODE__CODE_BAD_REQUEST},
        {"empty text",
         {"tool-x", BUILDER, 80, "", 1, 0},
         -1,
         NULL,
         false,
         TM_NONE,
         SOS__CODE__CODE_BAD_REQUEST},
        {"invalid UTF-8 text",
         {"tool-x", BUILDER, 80, "bad \xff text", 1, 0},
         -1,
         NULL,
         false,
         TM_NONE,
         SOS__CODE__CODE_BAD_REQUEST},
        {"control char text",
         {"tool-x", BUILDER, 80, "bell\a", 1, 0},
         -1,
         NULL,
         false,
         TM_NONE,
         SOS__CODE__CODE_BAD_REQUEST},
        {"empty tool id",
         {"", BUILDER, 80, "ok", 1, 0},
         -1,
         NULL,
         false,
         TM_NONE,
         SOS__CODE__CODE_BAD_REQUEST},
        {"revision 0",
         {"tool-x", BUILDER, 80, "ok", 0, 0},
         -1,
         NULL,
         false,
         TM_NONE,
         SOS__CODE__CODE_BAD_REQUEST},
        {"short take id",
         {"tool-x", BUILDER, 80, "ok", 1, 4},
         -1,
         NULL,
         false,
         TM_NONE,
         SOS__CODE__CODE_BAD_REQUEST},
        {"key not registered",
         {"tool-x", BUILDER, 80, "ok", 1, 0},
         STRANGER,
         NULL,
         false,
         TM_NONE,
         SOS__CODE__CODE_FORBIDDEN},
        {"key of another persona",
         {"tool-x", BUILDER, 80, "ok", 1, 0},
         SKEPTIC,
         NULL,
         false,
         TM_NONE,
         SOS__CODE__CODE_FORBIDDEN},
        {"altered payload byte",
         {"tool-x", BUILDER, 80, "ok", 1, 0},
         -1,
         NULL,
         false,
         TM_PAYLOAD,
         SOS__CODE__CODE_FORBIDDEN},
        {"altered signature",
         {"tool-x", BUILDER, 80, "ok", 1, 0},
         -1,
         NULL,
         false,
         TM_SIG,
         SOS__CODE__CODE_FORBIDDEN},
        {"verdict domain tag",
         {"tool-x", BUILDER, 80, "ok", 1, 0},
         -1,
         SOS_DOMAIN_VERDICT,
         false,
         TM_NONE,
         SOS__CODE__CODE_FORBIDDEN},
        {"other domain tag",
         {"tool-x", BUILDER, 80, "ok", 1, 0},
         -1,
         "shiporskip/take/v2",
         false,
         TM_NONE,
         SOS__CODE__CODE_FORBIDDEN},
        {"unknown payload field",
         {"tool-x", BUILDER, 80, "ok", 1, 0},
         -1,
         NULL,
         true,
         TM_NONE,
         SOS__CODE__CODE_BAD_REQUEST},
        {"request id not the take id",
         {"tool-x", BUILDER, 80, "ok", 1, 0},
         -1,
         NULL,
         false,
         TM_OTHER_RID,
         SOS__CODE__CODE_BAD_REQUEST},
        {"signer 31 bytes",
         {"tool-x", BUILDER, 80, "ok", 1, 0},
         -1,
         NULL,
         false,
         TM_SIGNER_LEN,
         SOS__CODE__CODE_BAD_REQUEST},
        {"empty payload",
         {"tool-x", BUILDER, 80, "ok", 1, 0},
         -1,
         NULL,
         false,
         TM_EMPTY,
         SOS__CODE__CODE_BAD_REQUEST},
        {"signed garbage",
         {"tool-x", BUILDER, 80, "ok", 1, 0},
         -1,
         NULL,
         false,
         TM_GARBAGE,
         SOS__CODE__CODE_BAD_REQUEST},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        take tk;
        int signer = cases[i].signer < 0 ? cases[i].b.persona : cases[i].signer;
        const char *domain = cases[i].domain ? cases[i].domain : SOS_DOMAIN_TAKE;
        s_make(&tk, &cases[i].b, f->keys[signer], domain, cases[i].unknown);
        ProtobufCBinaryData rid = {tk.id_len, tk.id};
        uint8_t other[16] = {0xee};
        switch (cases[i].tamper) {
        case TM_PAYLOAD: tk.payload.data[tk.payload.len / 2] ^= 0x01; break;
        case TM_SIG: tk.sig[10] ^= 0x40; break;
        case TM_SIGNER_LEN: tk.s.signer.len = SOS_PK_BYTES - 1; break;
        case TM_EMPTY: tk.s.payload.len = 0; break;
        case TM_GARBAGE: {
            static const uint8_t junk[] = {0xff, 0xff, 0xff};
            tk.s.payload = (ProtobufCBinaryData){sizeof junk, (uint8_t *)junk};
            sos_sign(f->keys[signer], SOS_DOMAIN_TAKE, junk, sizeof junk, tk.sig);
            break;
        }
        case TM_OTHER_RID: rid = (ProtobufCBinaryData){sizeof other, other}; break;
        default: break;
        }
        sos_status st = SOS_STATUS_OK;
        int rc = s_accept_rid(f, &tk, &rid, NULL, &st);
        if (rc != cases[i].want || st.code != (Sos__Code)cases[i].want || !st.msg[0])
            fail_msg("case \"%s\": rc=%d code=%d msg=\"%s\", want %d", cases[i].name, rc, st.code,
                     st.msg, cases[i].want);
        assert_int_equal(tu_head(f->e), 2);
        assert_int_equal(tu_count(f->e, SCORING_DB_TAKES), 0);
        assert_int_equal(tu_count(f->e, SCORING_DB_LATEST), 0);
        assert_int_equal(tu_count(f->e, SCORING_DB_CLOSED), 0);
        s_take_free(&tk);
    }
    /* the same take untampered is fine: the refusals were about the tampering */
    assert_int_equal(s_file(f, "tool-x", BUILDER, 80, 1, NULL), 0);
}

/* filed_at is the reviewer's clock: any time in the past, up to a day
 * ahead of scoring's (the `now` the rule is given); beyond, BAD_REQUEST
 * naming both, and nothing stored. -1 as sent by a loose parser
 * (UINT64_MAX) is the case that broke `sos verify`. */
static void test_filed_at_ahead(void **state)
{
    fx *f = *state;
    static const struct {
        uint64_t filed_at;
        int want;
    } cases[] = {
        {1, 0},                               /* long past: not checked */
        {S_NOW, 0},                           /* now */
        {S_NOW + SCORING_FILED_AHEAD_MAX, 0}, /* a day ahead, the limit */
        {S_NOW + SCORING_FILED_AHEAD_MAX + 1, SOS__CODE__CODE_BAD_REQUEST}, /* a second more */
        {S_NOW + 10 * SCORING_FILED_AHEAD_MAX, SOS__CODE__CODE_BAD_REQUEST},
        {(uint64_t)INT64_MAX, SOS__CODE__CODE_BAD_REQUEST},
        {UINT64_MAX, SOS__CODE__CODE_BAD_REQUEST}, /* --filed-at -1, read by strtoull */
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        take tk;
        sos_status st = SOS_STATUS_OK;
        /* a persona each accepted case, so no revision is ever stale */
        body b = {"tool-x", BUILDER, 70, "On time?", (unsigned)i + 1, 0};
        uint64_t head = tu_head(f->e);
        s_filed_at = cases[i].filed_at;
        s_make(&tk, &b, f->keys[BUILDER], SOS_DOMAIN_TAKE, false);
        s_filed_at = S_FILED;
        ProtobufCBinaryData rid = {tk.id_len, tk.id};
        int rc = s_accept_rid(f, &tk, &rid, NULL, &st);
        if (rc != cases[i].want)
            fail_msg("filed_at %llu: got %d (%s), wanted %d", (unsigned long long)cases[i].filed_at,
                     rc, st.msg, cases[i].want);
        if (rc) {
            char want[64];
            snprintf(want, sizeof want, "filed_at %llu is more than a day",
                     (unsigned long long)cases[i].filed_at);
            assert_non_null(strstr(st.msg, want));
            assert_non_null(strstr(st.msg, "ahead of scoring's clock (1763840060)"));
            assert_int_equal(tu_head(f->e), head); /* nothing stored */
        }
        s_take_free(&tk);
    }
}

static void test_amendments(void **state)
{
    fx *f = *state;
    uint8_t h1[SOS_HASH_BYTES], h2[SOS_HASH_BYTES], h5[SOS_HASH_BYTES];
    assert_int_equal(s_file(f, "tool-x", BUILDER, 60, 1, h1), 0);
    assert_int_equal(s_file(f, "tool-x", BUILDER, 70, 2, h2), 0);
    assert_memory_not_equal(h1, h2, SOS_HASH_BYTES);
    s_expect_latest(f, "tool-x", BUILDER, 2, h2);
    assert_int_equal(tu_head(f->e), 4);

    static const unsigned stale[] = {2, 1};
    for (size_t i = 0; i < 2; i++) {
        assert_int_equal(s_file(f, "tool-x", BUILDER, 99, stale[i], NULL), SOS__CODE__CODE_STALE);
        assert_int_equal(tu_head(f->e), 4);
        assert_int_equal(tu_count(f->e, SCORING_DB_TAKES), 2);
        s_expect_latest(f, "tool-x", BUILDER, 2, h2);
    }
    /* every revision is kept */
    const uint8_t *hashes[] = {h1, h2};
    for (unsigned rev = 1; rev <= 2; rev++) {
        Sos__Signed *s = s_stored(f, "tool-x", BUILDER, rev);
        uint8_t h[SOS_HASH_BYTES];
        sos_hash(s->payload.data, s->payload.len, h);
        assert_memory_equal(h, hashes[rev - 1], SOS_HASH_BYTES);
        sos__signed__free_unpacked(s, NULL);
    }

    /* strictly higher, not necessarily the next */
    assert_int_equal(s_file(f, "tool-x", BUILDER, 75, 5, h5), 0);
    s_expect_latest(f, "tool-x", BUILDER, 5, h5);
    assert_int_equal(s_file(f, "tool-x", BUILDER, 75, 4, NULL), SOS__CODE__CODE_STALE);
    /* revisions are per persona and per tool */
    assert_int_equal(s_file(f, "tool-x", SKEPTIC, 40, 1, NULL), 0);
    assert_int_equal(s_file(f, "tool-y", BUILDER, 40, 1, NULL), 0);
    assert_int_equal(tu_count(f->e, SCORING_DB_TAKES), 5);
    assert_int_equal(tu_count(f->e, SCORING_DB_CLOSED), 0);
    /* what take_list answers: tool-x's four (Builder 1, 2, 5, Skeptic 1), not tool-y's */
    unsigned first = 0;
    assert_int_equal(s_listed(f, "tool-x", &first), 4);
    assert_int_equal(first, 1);
    assert_int_equal(s_listed(f, "tool-y", NULL), 1);
    assert_int_equal(s_listed(f, "tool", NULL), 0); /* a prefix of an id is not the id */
    assert_int_equal(s_listed(f, "tool-z", NULL), 0);
}

/* A store written before the takes index kept each take itself under its
 * key, and latest entries without the seq: scoring still reads it. */
static void test_takes_old_layout(void **state)
{
    fx *f = *state;
    take tk;
    body b = {"tool-x", BUILDER, 60, "Filed by an older build.", 1, 0};
    s_make(&tk, &b, f->keys[BUILDER], SOS_DOMAIN_TAKE, false);
    uint8_t key[64], latest[SOS_RULES_LATEST_V0_BYTES];
    size_t n = strlen("tool-x");
    memcpy(key, "tool-x", n + 1);
    key[n + 1] = BUILDER;
    sos_be32_put(key + n + 2, 1);
    sos_be32_put(latest, 1);
    sos_hash(tk.payload.data, tk.payload.len, latest + 4);
    sos_txn *t = tu_begin(f->e, true);
    assert_int_equal(sos_rules_put(t, SCORING_DB_TAKES, key, n + 6, &tk.s.base), SOS_OK);
    assert_int_equal(sos_txn_put(t, SCORING_DB_LATEST, key, n + 2, latest, sizeof latest), SOS_OK);
    tu_commit(&t);

    assert_int_equal(s_file(f, "tool-x", BUILDER, 70, 1, NULL), SOS__CODE__CODE_STALE);
    assert_int_equal(s_file(f, "tool-x", BUILDER, 70, 2, NULL), 0);
    unsigned first = 0;
    assert_int_equal(s_listed(f, "tool-x", &first), 2);
    assert_int_equal(first, 1);
    Sos__Signed *old = s_stored(f, "tool-x", BUILDER, 2);
    sos__signed__free_unpacked(old, NULL);
    s_take_free(&tk);
}

static bool s_has_hash(const Sos__PanelClosed *pc, const uint8_t h[SOS_HASH_BYTES])
{
    for (size_t i = 0; i < pc->n_take_hashes; i++)
        if (tu_bin_eq(pc->take_hashes[i], h, SOS_HASH_BYTES))
            return true;
    return false;
}

static void test_quorum_closes(void **state)
{
    fx *f = *state;
    uint8_t h[6][SOS_HASH_BYTES], old[SOS_HASH_BYTES];
    assert_int_equal(s_file(f, "tool-x", BUILDER, 60, 1, old), 0);
    assert_int_equal(s_file(f, "tool-x", BUILDER, 82, 2, h[BUILDER]), 0);
    assert_int_equal(s_file(f, "tool-x", SKEPTIC, 75, 1, h[SKEPTIC]), 0);
    assert_int_equal(s_file(f, "tool-x", FUTURIST, 80, 1, h[FUTURIST]), 0);
    assert_int_equal(s_file(f, "tool-y", FOUNDER, 80, 1, NULL), 0); /* another tool */
    assert_int_equal(tu_count(f->e, SCORING_DB_CLOSED), 0);
    assert_int_equal(tu_head(f->e), 7);

    assert_int_equal(s_file(f, "tool-x", FOUNDER, 72, 1, h[FOUNDER]), 0);
    assert_int_equal(tu_head(f->e), 9); /* the take, then the closing */
    assert_int_equal(tu_count(f->e, SCORING_DB_CLOSED), 1);
    Sos__Event *ev = tu_event(f->e, 8);
    assert_int_equal(ev->kind_case, SOS__EVENT__KIND_TAKE);
    sos__event__free_unpacked(ev, NULL);
    ev = tu_event(f->e, 9);
    assert_int_equal(ev->kind_case, SOS__EVENT__KIND_PANEL_CLOSED);
    const Sos__PanelClosed *pc = ev->panel_closed;
    assert_string_equal(pc->tool_id, "tool-x");
    assert_string_equal(pc->rule, "quorum:4");
    assert_int_equal(pc->n_take_hashes, 4);
    for (int p = BUILDER; p <= FOUNDER; p++)
        assert_true(s_has_hash(pc, h[p]));
    assert_false(s_has_hash(pc, old)); /* the amended take counts, not its first revision */
    sos__event__free_unpacked(ev, NULL);

    /* closed: a 5th persona, an amendment, the editor */
    assert_int_equal(s_file(f, "tool-x", CREATOR, 90, 1, NULL), SOS__CODE__CODE_CLOSED);
    assert_int_equal(s_file(f, "tool-x", BUILDER, 90, 3, NULL), SOS__CODE__CODE_CLOSED);
    sos_status st = SOS_STATUS_OK;
    sos_txn *t = tu_begin(f->e, true);
    assert_int_equal(scoring_panel_close(t, "tool-x", "editor", NULL, &st), SOS__CODE__CODE_CLOSED);
    tu_commit(&t);
    assert_int_equal(tu_head(f->e), 9);
    assert_int_equal(tu_count(f->e, SCORING_DB_TAKES), 6);
    /* the other tool is still open */
    assert_int_equal(s_file(f, "tool-y", CREATOR, 90, 1, NULL), 0);
}

static void test_amendment_is_not_a_persona(void **state)
{
    fx *f = *state;
    f->r.quorum = 2;
    assert_int_equal(s_file(f, "tool-x", BUILDER, 60, 1, NULL), 0);
    assert_int_equal(s_file(f, "tool-x", BUILDER, 61, 2, NULL), 0);
    assert_int_equal(s_file(f, "tool-x", BUILDER, 62, 3, NULL), 0);
    assert_int_equal(tu_count(f->e, SCORING_DB_CLOSED), 0);
    assert_int_equal(s_file(f, "tool-x", CREATOR, 62, 1, NULL), 0);
    assert_int_equal(tu_count(f->e, SCORING_DB_CLOSED), 1);
    Sos__Event *ev = tu_event(f->e, tu_head(f->e));
    assert_int_equal(ev->kind_case, SOS__EVENT__KIND_PANEL_CLOSED);
    assert_string_equal(ev->panel_closed->rule, "quorum:2");
    assert_int_equal(ev->panel_closed->n_take_hashes, 2);
    sos__event__free_unpacked(ev, NULL);
}

static int s_close(fx *f, const char *tool, sos_status *st)
{
    *st = (sos_status)SOS_STATUS_OK;
    sos_txn *t = tu_begin(f->e, true);
    int rc = scoring_panel_close(t, tool, "editor", NULL, st);
    assert_true(rc >= 0);
    tu_commit(&t);
    return rc;
}

static void test_panel_close(void **state)
{
    fx *f = *state;
    uint8_t hb[SOS_HASH_BYTES], hs[SOS_HASH_BYTES];
    sos_status st;
    assert_int_equal(s_file(f, "tool-x", BUILDER, 60, 1, hb), 0);
    assert_int_equal(s_file(f, "tool-x", SKEPTIC, 30, 1, hs), 0);
    assert_int_equal(tu_head(f->e), 4);

    /* refusals first: nothing stored */
    assert_int_equal(s_close(f, "tool-y", &st), SOS__CODE__CODE_BAD_REQUEST); /* no takes */
    assert_int_equal(s_close(f, "nosuch", &st), SOS__CODE__CODE_NOT_FOUND);
    assert_int_equal(tu_head(f->e), 4);
    assert_int_equal(tu_count(f->e, SCORING_DB_CLOSED), 0);

    assert_int_equal(s_close(f, "tool-x", &st), 0);
    assert_int_equal(tu_head(f->e), 5);
    Sos__Event *ev = tu_event(f->e, 5);
    assert_int_equal(ev->kind_case, SOS__EVENT__KIND_PANEL_CLOSED);
    assert_string_equal(ev->panel_closed->tool_id, "tool-x");
    assert_string_equal(ev->panel_closed->rule, "editor");
    assert_int_equal(ev->panel_closed->n_take_hashes, 2);
    assert_true(s_has_hash(ev->panel_closed, hb));
    assert_true(s_has_hash(ev->panel_closed, hs));
    sos__event__free_unpacked(ev, NULL);
    sos_txn *t = tu_begin(f->e, false);
    Sos__PanelClosed *pc = (Sos__PanelClosed *)sos_rules_get(
        t, SCORING_DB_CLOSED, &sos__panel_closed__descriptor, "tool-x", 6);
    sos_txn_abort(&t);
    assert_non_null(pc);
    assert_int_equal(pc->n_take_hashes, 2);
    sos__panel_closed__free_unpacked(pc, NULL);

    assert_int_equal(s_close(f, "tool-x", &st), SOS__CODE__CODE_CLOSED);
    assert_int_equal(s_file(f, "tool-x", FUTURIST, 30, 1, NULL), SOS__CODE__CODE_CLOSED);
    assert_int_equal(tu_head(f->e), 5);
    assert_int_equal(tu_count(f->e, SCORING_DB_CLOSED), 1);
    /* an empty or over-long (> 511 bytes, LMDB's key limit) tool id is a
     * refusal, not a store error that stops scoring */
    static char longid[600];
    memset(longid, 'x', sizeof longid - 1);
    const char *ids[] = {"", longid};
    for (int i = 0; i < 2; i++) {
        t = tu_begin(f->e, true);
        int rc = scoring_panel_close(t, ids[i], "editor", NULL, &st);
        sos_txn_abort(&t);
        assert_true(rc > 0);
    }
}

static void test_apply(void **state)
{
    fx *f = *state;
    Sos__Comparison c = SOS__COMPARISON__INIT;
    c.slug = (char *)"tool-x-vs-tool-y";
    c.tool_a = (char *)"tool-x";
    c.tool_b = (char *)"tool-y";
    Sos__Event ev = SOS__EVENT__INIT;
    ev.kind_case = SOS__EVENT__KIND_COMPARISON;
    ev.comparison = &c;
    s_apply(f, &ev);
    assert_int_equal(tu_head(f->e), 3);
    Sos__Event *got = tu_event(f->e, 3);
    assert_int_equal(got->kind_case, SOS__EVENT__KIND_COMPARISON);
    assert_string_equal(got->comparison->slug, "tool-x-vs-tool-y");
    sos__event__free_unpacked(got, NULL);

    uint8_t shortkey[31] = {1};
    s_apply_key(f, BUILDER, shortkey, sizeof shortkey); /* ignored */
    assert_int_equal(tu_count(f->e, SCORING_DB_PANEL), 5);
    Sos__Signed s = SOS__SIGNED__INIT;
    ev = (Sos__Event)SOS__EVENT__INIT;
    ev.kind_case = SOS__EVENT__KIND_TAKE; /* not from submission: ignored */
    ev.take = &s;
    s_apply(f, &ev);
    assert_int_equal(tu_head(f->e), 3);

    /* a key registered later is accepted from then on */
    assert_int_equal(s_file(f, "tool-x", BUILDER, 50, 1, NULL), 0);
    take tk;
    body b = {"tool-x", SKEPTIC, 50, "late reviewer", 1, 0};
    s_make(&tk, &b, f->keys[STRANGER], SOS_DOMAIN_TAKE, false);
    assert_int_equal(s_accept(f, &tk, NULL), SOS__CODE__CODE_FORBIDDEN);
    s_apply_key(f, SKEPTIC, tk.pk, SOS_PK_BYTES);
    assert_int_equal(s_accept(f, &tk, NULL), 0);
    s_take_free(&tk);
}

/* The verifier thread's part (scoring_take_verify) and the writer's
 * (scoring_take_decide) agree: what the pool found is what decides, and
 * UNCHECKED makes the writer check for itself. */
static int s_decide(fx *f, const take *tk, int sig)
{
    uint8_t h[SOS_HASH_BYTES];
    sos_status st = SOS_STATUS_OK;
    ProtobufCBinaryData rid = {tk->id_len, (uint8_t *)tk->id};
    sos_txn *t = tu_begin(f->e, true);
    int rc = scoring_take_decide(&f->r, t, &tk->s, &rid, sig, S_NOW, h, &st);
    assert_true(rc >= 0);
    sos_txn_abort(&t); /* nothing kept: each call decides on the same store */
    return rc;
}

static void test_prepared_signature(void **state)
{
    fx *f = *state;
    take good, forged;
    body b = {"tool-x", BUILDER, 82, "Checked on a verifier thread.", 1, 0};
    s_make(&good, &b, f->keys[BUILDER], SOS_DOMAIN_TAKE, false);
    s_make(&forged, &b, f->keys[BUILDER], SOS_DOMAIN_TAKE, false);
    forged.sig[0] ^= 1;

    assert_int_equal(scoring_take_verify(&good.s), SCORING_SIG_GOOD);
    assert_int_equal(scoring_take_verify(&forged.s), SCORING_SIG_BAD);
    /* the wrong domain does not verify either */
    take other;
    s_make(&other, &b, f->keys[BUILDER], SOS_DOMAIN_VERDICT, false);
    assert_int_equal(scoring_take_verify(&other.s), SCORING_SIG_BAD);
    /* a wrong shape is left to the writer, which says what is wrong */
    Sos__Signed shortsig = good.s;
    shortsig.signature.len = 10;
    assert_int_equal(scoring_take_verify(&shortsig), SCORING_SIG_UNCHECKED);

    assert_int_equal(s_decide(f, &good, SCORING_SIG_GOOD), 0);
    assert_int_equal(s_decide(f, &good, SCORING_SIG_UNCHECKED), 0);
    assert_int_equal(s_decide(f, &good, SCORING_SIG_BAD), SOS__CODE__CODE_FORBIDDEN);
    assert_int_equal(s_decide(f, &forged, SCORING_SIG_BAD), SOS__CODE__CODE_FORBIDDEN);
    assert_int_equal(s_decide(f, &forged, SCORING_SIG_UNCHECKED), SOS__CODE__CODE_FORBIDDEN);
    s_take_free(&good);
    s_take_free(&forged);
    s_take_free(&other);
}

/* A take damaged in the store (LMDB keeps no checksums) is refused when
 * read, as SOS_CORRUPT with a store.corrupt line, never listed: a flipped
 * signature byte, a flipped payload byte, an index naming an event that is
 * not a take. Before, the first two were served (and printed as "(null)"). */
static void test_damaged_take_refused(void **state)
{
    fx *f = *state;
    assert_int_equal(s_file(f, "tool-x", BUILDER, 60, 1, NULL), 0);
    assert_int_equal(s_listed(f, "tool-x", NULL), 1);
    char key[64];
    size_t kl = sos_rules_latest_key(key, "tool-x", BUILDER);
    sos_be32_put((uint8_t *)key + kl, 1);
    sos_txn *t = tu_begin(f->e, false);
    sos_val v;
    assert_int_equal(sos_txn_get(t, SCORING_DB_TAKES, key, kl + 4, &v), SOS_OK);
    assert_int_equal(v.len, 8);
    uint64_t seq = sos_be64_get(v.data);
    sos_txn_abort(&t);
    Sos__Event *good = tu_event(f->e, seq);
    assert_non_null(good);
    assert_int_equal(good->kind_case, SOS__EVENT__KIND_TAKE);

    enum { SIGNATURE, PAYLOAD, NOT_A_TAKE };
    for (int how = SIGNATURE; how <= NOT_A_TAKE; how++) {
        sos_buf b = SOS_BUF_INIT;
        uint8_t k[8], seqv[8];
        sos_be64_put(k, seq);
        t = tu_begin(f->e, true);
        if (how == NOT_A_TAKE) {
            sos_be64_put(seqv, 1); /* the tool event */
            assert_int_equal(sos_txn_put(t, SCORING_DB_TAKES, key, kl + 4, seqv, 8), SOS_OK);
        } else {
            uint8_t *p = how == SIGNATURE ? good->take->signature.data : good->take->payload.data;
            p[how == SIGNATURE ? 10 : good->take->payload.len - 1] ^= 0x01;
            sos_buf_pack(&b, &good->base);
            p[how == SIGNATURE ? 10 : good->take->payload.len - 1] ^= 0x01;
            assert_int_equal(sos_txn_put(t, SOS_DB_EVENTS, k, 8, b.data, b.len), SOS_OK);
        }
        tu_commit(&t);
        sos_buf_free(&b);

        Sos__Event **evs = (Sos__Event **)&f; /* not NULL: must be cleared */
        size_t n = 99;
        t = tu_begin(f->e, false);
        assert_int_equal(scoring_takes_list(t, "tool-x", &evs, &n), SOS_CORRUPT);
        sos_txn_abort(&t);
        assert_null(evs);
        assert_int_equal(n, 0);

        /* put it back: listed again */
        t = tu_begin(f->e, true);
        sos_buf_pack(&b, &good->base);
        sos_be64_put(seqv, seq);
        assert_int_equal(sos_txn_put(t, SOS_DB_EVENTS, k, 8, b.data, b.len), SOS_OK);
        assert_int_equal(sos_txn_put(t, SCORING_DB_TAKES, key, kl + 4, seqv, 8), SOS_OK);
        tu_commit(&t);
        sos_buf_free(&b);
        assert_int_equal(s_listed(f, "tool-x", NULL), 1);
    }
    sos__event__free_unpacked(good, NULL);
}

int main(void)
{
    if (sos_sign_init() != 0)
        return 1;
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_accepted, s_setup, s_teardown),
        cmocka_unit_test_setup_teardown(test_refusals, s_setup, s_teardown),
        cmocka_unit_test_setup_teardown(test_filed_at_ahead, s_setup, s_teardown),
        cmocka_unit_test_setup_teardown(test_amendments, s_setup, s_teardown),
        cmocka_unit_test_setup_teardown(test_quorum_closes, s_setup, s_teardown),
        cmocka_unit_test_setup_teardown(test_amendment_is_not_a_persona, s_setup, s_teardown),
        cmocka_unit_test_setup_teardown(test_panel_close, s_setup, s_teardown),
        cmocka_unit_test_setup_teardown(test_apply, s_setup, s_teardown),
        cmocka_unit_test_setup_teardown(test_prepared_signature, s_setup, s_teardown),
        cmocka_unit_test_setup_teardown(test_takes_old_layout, s_setup, s_teardown),
        cmocka_unit_test_setup_teardown(test_damaged_take_refused, s_setup, s_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
