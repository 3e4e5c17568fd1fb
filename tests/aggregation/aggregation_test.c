/* unit.aggregation.aggregation: signed verdicts (the panel arithmetic itself is
 * sos_tally_takes, tested in tests/common/tally_test.c). */
#include "testutil.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "aggregation.h"
#include "rules.h"

#define NOW 1763849999u

enum { BUILDER = 1, SKEPTIC, FUTURIST, FOUNDER, CREATOR };

typedef struct {
    tu_env *e;
    aggregation_state a;
    sos_key *reviewer;
    uint64_t upstream_seq; /* the seq of the last take event applied */
} fx;

static int s_setup(void **state)
{
    fx *f = calloc(1, sizeof *f);
    assert_non_null(f);
    f->e = tu_env_new(aggregation_spec.dbs, aggregation_spec.n_dbs);
    assert_int_equal(sos_key_generate(&f->a.key), 0);
    assert_int_equal(sos_key_generate(&f->reviewer), 0);
    *state = f;
    return 0;
}

static int s_teardown(void **state)
{
    fx *f = *state;
    sos_key_destroy(&f->a.key);
    sos_key_destroy(&f->reviewer);
    tu_env_free(&f->e);
    free(f);
    return 0;
}

static void s_apply(fx *f, const Sos__Event *ev)
{
    sos_txn *t = tu_begin(f->e, true);
    assert_int_equal(aggregation_apply(&f->a, t, ev, NOW), SOS_OK);
    tu_commit(&t);
}

static void s_tool(fx *f, const char *id)
{
    Sos__Tool tool = SOS__TOOL__INIT;
    tool.tool_id = (char *)id;
    tool.name = (char *)id;
    Sos__Event ev = SOS__EVENT__INIT;
    ev.kind_case = SOS__EVENT__KIND_TOOL;
    ev.tool = &tool;
    s_apply(f, &ev);
}

/* A take event as scoring forwards it; hash receives its payload hash. */
static void s_take(fx *f, const char *tool, int persona, unsigned score, bool ship, unsigned rev,
                   uint8_t hash[SOS_HASH_BYTES])
{
    uint8_t id[16], sig[SOS_SIG_BYTES];
    memset(id, persona * 16 + (int)rev, sizeof id);
    Sos__TakeBody tb = SOS__TAKE_BODY__INIT;
    tb.take_id = (ProtobufCBinaryData){sizeof id, id};
    tb.tool_id = (char *)tool;
    tb.persona = (Sos__Persona)persona;
    tb.score = score;
    tb.ship = ship;
    tb.text = (char *)"take";
    tb.revision = rev;
    sos_buf p = SOS_BUF_INIT;
    sos_buf_pack(&p, &tb.base);
    sos_sign(f->reviewer, SOS_DOMAIN_TAKE, p.data, p.len, sig);
    Sos__Signed s = SOS__SIGNED__INIT;
    s.payload = (ProtobufCBinaryData){p.len, p.data};
    s.signer = (ProtobufCBinaryData){SOS_PK_BYTES, (uint8_t *)sos_key_public(f->reviewer)};
    s.signature = (ProtobufCBinaryData){SOS_SIG_BYTES, sig};
    Sos__Event ev = SOS__EVENT__INIT;
    ev.kind_case = SOS__EVENT__KIND_TAKE;
    ev.take = &s;
    ev.seq = ++f->upstream_seq; /* as scoring numbers it */
    s_apply(f, &ev);
    sos_hash(p.data, p.len, hash);
    sos_buf_free(&p);
}

static void s_closed(fx *f, const char *tool, uint8_t (*hashes)[SOS_HASH_BYTES], size_t n,
                     const char *rule)
{
    ProtobufCBinaryData hb[8];
    for (size_t i = 0; i < n; i++)
        hb[i] = (ProtobufCBinaryData){SOS_HASH_BYTES, hashes[i]};
    Sos__PanelClosed pc = SOS__PANEL_CLOSED__INIT;
    pc.tool_id = (char *)tool;
    pc.n_take_hashes = n;
    pc.take_hashes = hb;
    pc.rule = (char *)rule;
    Sos__Event ev = SOS__EVENT__INIT;
    ev.kind_case = SOS__EVENT__KIND_PANEL_CLOSED;
    ev.panel_closed = &pc;
    s_apply(f, &ev);
}

static void test_apply_forwarding(void **state)
{
    fx *f = *state;
    uint8_t h[SOS_HASH_BYTES];
    s_tool(f, "tool-x");
    assert_int_equal(tu_head(f->e), 1);
    assert_int_equal(tu_count(f->e, AGGREGATION_DB_TOOLS), 1);
    Sos__Event *ev = tu_event(f->e, 1);
    assert_int_equal(ev->kind_case, SOS__EVENT__KIND_TOOL);
    assert_string_equal(ev->tool->tool_id, "tool-x");
    sos__event__free_unpacked(ev, NULL);

    Sos__Comparison c = SOS__COMPARISON__INIT;
    c.slug = (char *)"tool-x-vs-tool-y";
    Sos__Event cev = SOS__EVENT__INIT;
    cev.kind_case = SOS__EVENT__KIND_COMPARISON;
    cev.comparison = &c;
    s_apply(f, &cev);
    assert_int_equal(tu_head(f->e), 2);
    ev = tu_event(f->e, 2);
    assert_int_equal(ev->kind_case, SOS__EVENT__KIND_COMPARISON);
    sos__event__free_unpacked(ev, NULL);

    /* takes are kept, not forwarded */
    s_take(f, "tool-x", BUILDER, 80, true, 1, h);
    assert_int_equal(tu_head(f->e), 2);
    assert_int_equal(tu_count(f->e, AGGREGATION_DB_TAKES), 1);
    assert_int_equal(tu_count(f->e, AGGREGATION_DB_LATEST), 1);
    sos_txn *t = tu_begin(f->e, false);
    /* kept under scoring's seq, named by the latest entry */
    uint8_t seqk[8];
    sos_be64_put(seqk, f->upstream_seq);
    assert_int_equal(sos_txn_get(t, AGGREGATION_DB_TAKES, seqk, sizeof seqk, NULL), SOS_OK);
    char key[32];
    size_t kl = sos_rules_latest_key(key, "tool-x", BUILDER);
    sos_val v;
    assert_int_equal(sos_txn_get(t, AGGREGATION_DB_LATEST, key, kl, &v), SOS_OK);
    assert_int_equal(v.len, SOS_RULES_LATEST_BYTES);
    assert_memory_equal((const uint8_t *)v.data + 4, h, SOS_HASH_BYTES);
    assert_int_equal(sos_be64_get((const uint8_t *)v.data + 4 + SOS_HASH_BYTES), f->upstream_seq);
    sos_txn_abort(&t);

    /* a panel key is none of aggregation's business */
    Sos__PanelKey k = SOS__PANEL_KEY__INIT;
    Sos__Event kev = SOS__EVENT__INIT;
    kev.kind_case = SOS__EVENT__KIND_PANEL_KEY;
    kev.panel_key = &k;
    s_apply(f, &kev);
    assert_int_equal(tu_head(f->e), 2);
}

static void test_verdict(void **state)
{
    fx *f = *state;
    uint8_t h[4][SOS_HASH_BYTES], old[SOS_HASH_BYTES];
    s_tool(f, "tool-x");
    s_take(f, "tool-x", BUILDER, 10, false, 1, old);
    s_take(f, "tool-x", BUILDER, 82, true, 2, h[0]);
    s_take(f, "tool-x", SKEPTIC, 75, true, 1, h[1]);
    s_take(f, "tool-x", FUTURIST, 80, true, 1, h[2]);
    s_take(f, "tool-x", FOUNDER, 72, false, 1, h[3]);
    assert_int_equal(tu_head(f->e), 1);
    s_closed(f, "tool-x", h, 4, "quorum:4");
    assert_int_equal(tu_head(f->e), 2);
    assert_int_equal(tu_count(f->e, AGGREGATION_DB_VERDICTS), 1);

    Sos__Event *ev = tu_event(f->e, 2);
    assert_int_equal(ev->kind_case, SOS__EVENT__KIND_VERDICT);
    const Sos__Verdict *v = ev->verdict;
    assert_non_null(v->tool);
    assert_string_equal(v->tool->tool_id, "tool-x");
    const Sos__Signed *sv = v->verdict;
    assert_non_null(sv);
    assert_true(tu_bin_eq(sv->signer, sos_key_public(f->a.key), SOS_PK_BYTES));
    assert_int_equal(sv->signature.len, SOS_SIG_BYTES);
    assert_int_equal(sos_verify(sos_key_public(f->a.key), SOS_DOMAIN_VERDICT, sv->payload.data,
                                sv->payload.len, sv->signature.data),
                     0);
    assert_int_equal(sos_verify(sos_key_public(f->a.key), SOS_DOMAIN_TAKE, sv->payload.data,
                                sv->payload.len, sv->signature.data),
                     -1);
    assert_int_equal(sos_verify(sos_key_public(f->reviewer), SOS_DOMAIN_VERDICT, sv->payload.data,
                                sv->payload.len, sv->signature.data),
                     -1);

    Sos__VerdictBody *vb = sos__verdict_body__unpack(NULL, sv->payload.len, sv->payload.data);
    assert_non_null(vb);
    assert_string_equal(vb->tool_id, "tool-x");
    assert_int_equal(vb->n_take_hashes, 4);
    for (size_t i = 0; i < 4; i++)
        assert_true(tu_bin_eq(vb->take_hashes[i], h[i], SOS_HASH_BYTES));
    assert_int_equal(vb->ship, 3);
    assert_int_equal(vb->skip, 1);
    assert_int_equal(vb->ship_pct, 75);
    assert_int_equal(vb->mean_score_x100, 7725);
    assert_int_equal(vb->label, SOS__LABEL__LABEL_SHIP);
    assert_string_equal(vb->rule, "quorum:4");
    assert_int_equal(vb->finalized_at, NOW);
    sos__verdict_body__free_unpacked(vb, NULL);

    /* the counted takes travel with the verdict, signed as filed */
    assert_int_equal(v->n_takes, 4);
    for (size_t i = 0; i < 4; i++) {
        uint8_t th[SOS_HASH_BYTES];
        const Sos__Signed *tk = v->takes[i];
        sos_hash(tk->payload.data, tk->payload.len, th);
        assert_memory_equal(th, h[i], SOS_HASH_BYTES);
        assert_int_equal(sos_verify(tk->signer.data, SOS_DOMAIN_TAKE, tk->payload.data,
                                    tk->payload.len, tk->signature.data),
                         0);
    }
    sos__event__free_unpacked(ev, NULL);
}

/* The verdict event ev carries exactly the n takes whose hashes are h, in
 * that order. */
static void s_expect_counted(const Sos__Event *ev, uint8_t (*h)[SOS_HASH_BYTES], size_t n)
{
    assert_int_equal(ev->verdict->n_takes, n);
    for (size_t i = 0; i < n; i++) {
        uint8_t th[SOS_HASH_BYTES];
        sos_hash(ev->verdict->takes[i]->payload.data, ev->verdict->takes[i]->payload.len, th);
        assert_memory_equal(th, h[i], SOS_HASH_BYTES);
    }
}

/* A verdict counts exactly the takes the closing lists, and each of them
 * is its persona's latest: scoring lists its latest takes in the
 * transaction that closes the panel and accepts none after it, and
 * aggregation applies scoring's events in order, so its latest entries
 * are the ones scoring listed. */
static void test_verdict_counts_listed_takes_only(void **state)
{
    fx *f = *state;
    uint8_t h[2][SOS_HASH_BYTES], old[SOS_HASH_BYTES], other[SOS_HASH_BYTES];
    s_tool(f, "tool-x");
    s_take(f, "tool-x", BUILDER, 20, false, 1, old); /* amended below */
    s_take(f, "tool-x", SKEPTIC, 40, false, 1, h[1]);
    s_take(f, "tool-x", BUILDER, 90, true, 2, h[0]);
    s_take(f, "tool-x", CREATOR, 90, true, 1, other); /* not listed */
    s_closed(f, "tool-x", h, 2, "editor");
    Sos__Event *ev = tu_event(f->e, 2);
    assert_non_null(ev);
    assert_int_equal(ev->kind_case, SOS__EVENT__KIND_VERDICT);
    const Sos__Signed *sv = ev->verdict->verdict;
    Sos__VerdictBody *vb = sos__verdict_body__unpack(NULL, sv->payload.len, sv->payload.data);
    assert_non_null(vb);
    assert_int_equal(vb->n_take_hashes, 2);
    assert_int_equal(vb->ship, 1);
    assert_int_equal(vb->skip, 1);
    assert_int_equal(vb->ship_pct, 50);
    assert_int_equal(vb->mean_score_x100, 6500);
    assert_int_equal(vb->label, SOS__LABEL__LABEL_SPLIT);
    assert_string_equal(vb->rule, "editor");
    sos__verdict_body__free_unpacked(vb, NULL);
    s_expect_counted(ev, h, 2);
    sos__event__free_unpacked(ev, NULL);
}

static void test_closed_without_material(void **state)
{
    fx *f = *state;
    uint8_t h[2][SOS_HASH_BYTES], newer[SOS_HASH_BYTES];
    s_tool(f, "tool-x");
    s_take(f, "tool-x", BUILDER, 20, false, 1, h[0]);
    memset(h[1], 0x42, SOS_HASH_BYTES); /* a take never received */
    s_closed(f, "tool-x", h, 2, "editor");
    s_closed(f, "nosuch", h, 1, "editor"); /* a tool never received */
    /* a superseded revision: scoring never lists one, so it is a bug
     * upstream, and no verdict is signed over it */
    s_take(f, "tool-x", BUILDER, 30, false, 2, newer);
    s_closed(f, "tool-x", h, 1, "editor");
    assert_int_equal(tu_head(f->e), 1);
    assert_int_equal(tu_count(f->e, AGGREGATION_DB_VERDICTS), 0);
}

/* A store written before takes were kept under scoring's seq holds them
 * under their hash, with latest entries without the seq: a panel closed
 * after the upgrade counts old and new takes alike. */
static void test_verdict_over_old_layout(void **state)
{
    fx *f = *state;
    uint8_t h[2][SOS_HASH_BYTES];
    s_tool(f, "tool-x");
    s_take(f, "tool-x", SKEPTIC, 40, false, 1, h[1]);
    /* Builder's take as an older build stored it: moved to its hash */
    s_take(f, "tool-x", BUILDER, 80, true, 1, h[0]);
    uint8_t seqk[8], latest[SOS_RULES_LATEST_V0_BYTES];
    sos_be64_put(seqk, f->upstream_seq);
    char key[32];
    size_t kl = sos_rules_latest_key(key, "tool-x", BUILDER);
    sos_txn *t = tu_begin(f->e, true);
    sos_val v;
    assert_int_equal(sos_txn_get(t, AGGREGATION_DB_TAKES, seqk, 8, &v), SOS_OK);
    sos_buf copy = SOS_BUF_INIT;
    sos_buf_append(&copy, v.data, v.len);
    assert_int_equal(sos_txn_del(t, AGGREGATION_DB_TAKES, seqk, 8), SOS_OK);
    assert_int_equal(
        sos_txn_put(t, AGGREGATION_DB_TAKES, h[0], SOS_HASH_BYTES, copy.data, copy.len), SOS_OK);
    sos_be32_put(latest, 1);
    memcpy(latest + 4, h[0], SOS_HASH_BYTES);
    assert_int_equal(sos_txn_put(t, AGGREGATION_DB_LATEST, key, kl, latest, sizeof latest), SOS_OK);
    tu_commit(&t);
    sos_buf_free(&copy);

    s_closed(f, "tool-x", h, 2, "editor");
    Sos__Event *ev = tu_event(f->e, 2);
    assert_non_null(ev);
    assert_int_equal(ev->kind_case, SOS__EVENT__KIND_VERDICT);
    s_expect_counted(ev, h, 2);
    sos__event__free_unpacked(ev, NULL);
}

static int s_view(fx *f, const char *tool, Sos__VerdictView *view, sos_status *st)
{
    *view = (Sos__VerdictView)SOS__VERDICT_VIEW__INIT;
    *st = (sos_status)SOS_STATUS_OK;
    sos_txn *t = tu_begin(f->e, false);
    int rc = aggregation_verdict_view(t, tool, view, st);
    sos_txn_abort(&t);
    return rc;
}

static void test_verdict_view(void **state)
{
    fx *f = *state;
    Sos__VerdictView view;
    sos_status st;
    uint8_t h[3][SOS_HASH_BYTES], stale[SOS_HASH_BYTES];
    assert_int_equal(s_view(f, "tool-x", &view, &st), SOS__CODE__CODE_NOT_FOUND);
    aggregation_view_clear(&view);

    s_tool(f, "tool-x");
    assert_int_equal(s_view(f, "tool-x", &view, &st), 0);
    assert_false(view.final);
    assert_non_null(view.body);
    assert_int_equal(view.body->n_take_hashes, 0);
    assert_int_equal(view.body->label, SOS__LABEL__LABEL_UNSPECIFIED);
    aggregation_view_clear(&view);

    s_take(f, "tool-x", BUILDER, 80, true, 1, stale);
    s_take(f, "tool-x", SKEPTIC, 40, false, 1, h[1]);
    s_take(f, "tool-x", BUILDER, 90, true, 3, h[0]);
    s_take(f, "tool-x", BUILDER, 10, false, 2, stale); /* arrives late: older, ignored */
    assert_int_equal(s_view(f, "tool-x", &view, &st), 0);
    assert_false(view.final);
    assert_null(view.signed_);
    assert_string_equal(view.body->tool_id, "tool-x");
    assert_string_equal(view.body->rule, "provisional");
    assert_int_equal(view.body->n_take_hashes, 2);
    assert_true(tu_bin_eq(view.body->take_hashes[0], h[0], SOS_HASH_BYTES));
    assert_true(tu_bin_eq(view.body->take_hashes[1], h[1], SOS_HASH_BYTES));
    assert_int_equal(view.body->ship, 1);
    assert_int_equal(view.body->skip, 1);
    assert_int_equal(view.body->ship_pct, 50);
    assert_int_equal(view.body->mean_score_x100, 6500);
    assert_int_equal(view.body->label, SOS__LABEL__LABEL_SPLIT);
    aggregation_view_clear(&view);
    assert_null(view.body);

    s_take(f, "tool-x", CREATOR, 70, true, 1, h[2]);
    s_closed(f, "tool-x", h, 3, "editor");
    assert_int_equal(s_view(f, "tool-x", &view, &st), 0);
    assert_true(view.final);
    assert_non_null(view.signed_);
    assert_true(tu_bin_eq(view.signer, sos_key_public(f->a.key), SOS_PK_BYTES));
    assert_string_equal(view.body->rule, "editor");
    assert_int_equal(view.body->ship, 2);
    assert_int_equal(view.body->skip, 1);
    assert_int_equal(view.body->label, SOS__LABEL__LABEL_SHIP);
    assert_int_equal(view.body->finalized_at, NOW);
    const Sos__Signed *sv = view.signed_->verdict;
    assert_int_equal(sos_verify(view.signer.data, SOS_DOMAIN_VERDICT, sv->payload.data,
                                sv->payload.len, sv->signature.data),
                     0);
    aggregation_view_clear(&view);

    char longid[200];
    memset(longid, 'x', sizeof longid - 1);
    longid[sizeof longid - 1] = '\0';
    assert_int_equal(s_view(f, longid, &view, &st), SOS__CODE__CODE_BAD_REQUEST);
    aggregation_view_clear(&view);
    /* an empty id is a refusal, not a store error (the daemon sends no reply) */
    assert_true(s_view(f, "", &view, &st) > 0);
    aggregation_view_clear(&view);
}

/* Flips one byte of a signature inside the packed message stored at
 * (db, key), as a disk would. */
static void s_flip_stored(fx *f, sos_db db, const void *key, size_t kl,
                          const ProtobufCMessageDescriptor *d, uint8_t *(*sig)(ProtobufCMessage *m))
{
    sos_txn *t = tu_begin(f->e, true);
    sos_val v;
    sos_buf b = SOS_BUF_INIT;
    assert_int_equal(sos_txn_get(t, db, key, kl, &v), SOS_OK);
    ProtobufCMessage *m = sos_unpack(d, v.data, v.len);
    assert_non_null(m);
    sig(m)[9] ^= 0x40;
    sos_buf_pack(&b, m);
    assert_int_equal(sos_txn_put(t, db, key, kl, b.data, b.len), SOS_OK);
    tu_commit(&t);
    sos_buf_free(&b);
    protobuf_c_message_free_unpacked(m, NULL);
}

static uint8_t *s_verdict_sig(ProtobufCMessage *m)
{
    return ((Sos__Verdict *)m)->verdict->signature.data;
}

static uint8_t *s_counted_take_sig(ProtobufCMessage *m)
{
    return ((Sos__Verdict *)m)->takes[1]->signature.data;
}

static uint8_t *s_take_sig(ProtobufCMessage *m)
{
    return ((Sos__Signed *)m)->signature.data;
}

typedef struct {
    fx *f;
    Sos__VerdictView view;
    int rc;
} s_view_call;

static void s_view_damaged(void *arg)
{
    s_view_call *c = arg;
    sos_status st;
    c->rc = s_view(c->f, "tool-x", &c->view, &st);
}

/* A stored verdict, or a take it counts or a provisional verdict tallies,
 * whose signature no longer verifies is refused (SOS_CORRUPT, a
 * store.corrupt line naming the db and key), never shown. */
static void test_verdict_view_damaged(void **state)
{
    const struct {
        const char *name;
        bool final;
        sos_db db;
        const ProtobufCMessageDescriptor *d;
        uint8_t *(*sig)(ProtobufCMessage *m);
        const char *logged;
    } cases[] = {
        {"the verdict's signature", true, AGGREGATION_DB_VERDICTS, &sos__verdict__descriptor,
         s_verdict_sig, "db=verdicts key=746f6f6c2d78 msg=\"verdict signature does not verify"},
        {"a counted take's signature", true, AGGREGATION_DB_VERDICTS, &sos__verdict__descriptor,
         s_counted_take_sig,
         "db=verdicts key=746f6f6c2d78 msg=\"counted take 2: take signature does not verify"},
        {"a provisional take's signature", false, AGGREGATION_DB_TAKES, &sos__signed__descriptor,
         s_take_sig, "db=takes key=0000000000000002 msg=\"take signature does not verify"},
    };
    for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
        fx *f = *state;
        uint8_t h[2][SOS_HASH_BYTES], seq[8];
        tu_env_free(&f->e);
        f->e = tu_env_new(aggregation_spec.dbs, aggregation_spec.n_dbs);
        f->upstream_seq = 0;
        s_tool(f, "tool-x");
        s_take(f, "tool-x", BUILDER, 80, true, 1, h[0]);
        s_take(f, "tool-x", SKEPTIC, 40, false, 1, h[1]);
        if (cases[c].final) {
            s_closed(f, "tool-x", h, 2, "editor");
            s_flip_stored(f, cases[c].db, "tool-x", 6, cases[c].d, cases[c].sig);
        } else {
            sos_be64_put(seq, 2); /* SKEPTIC's take, scoring's seq 2 */
            s_flip_stored(f, cases[c].db, seq, 8, cases[c].d, cases[c].sig);
        }
        s_view_call call = {f, SOS__VERDICT_VIEW__INIT, 0};
        char *log = tu_stderr_of(s_view_damaged, &call);
        if (call.rc != SOS_CORRUPT || !strstr(log, cases[c].logged))
            print_error("%s: rc %d, logged:\n%s\n", cases[c].name, call.rc, log);
        assert_int_equal(call.rc, SOS_CORRUPT);
        assert_non_null(strstr(log, "event=store.corrupt"));
        assert_non_null(strstr(log, cases[c].logged));
        assert_null(call.view.signed_);
        assert_null(call.view.body);
        aggregation_view_clear(&call.view);
        free(log);
    }
}

int main(void)
{
    if (sos_sign_init() != 0)
        return 1;
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_apply_forwarding, s_setup, s_teardown),
        cmocka_unit_test_setup_teardown(test_verdict, s_setup, s_teardown),
        cmocka_unit_test_setup_teardown(test_verdict_over_old_layout, s_setup, s_teardown),
        cmocka_unit_test_setup_teardown(test_verdict_counts_listed_takes_only, s_setup, s_teardown),
        cmocka_unit_test_setup_teardown(test_closed_without_material, s_setup, s_teardown),
        cmocka_unit_test_setup_teardown(test_verdict_view, s_setup, s_teardown),
        cmocka_unit_test_setup_teardown(test_verdict_view_damaged, s_setup, s_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
