/* unit.publishing.publishing: verdicts and comparisons become publications. */
#include "testutil.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "merkle.h"
#include "note.h"
#include "publishing.h"
#include "publishing_log.h"
#include "rules.h"
#include "sign.h"

static int s_setup(void **state)
{
    *state = tu_env_new(publishing_spec.dbs, publishing_spec.n_dbs);
    return 0;
}

static int s_teardown(void **state)
{
    tu_env *e = *state;
    tu_env_free(&e);
    return 0;
}

static void s_apply(tu_env *e, const Sos__Event *ev)
{
    sos_txn *t = tu_begin(e, true);
    assert_int_equal(publishing_apply(t, ev), SOS_OK);
    tu_commit(&t);
}

/* A verdict event for tool; label tells two verdicts for one tool apart. */
static void s_verdict(tu_env *e, const char *tool_id, Sos__Label label)
{
    static uint8_t sig[SOS_SIG_BYTES], pk[SOS_PK_BYTES];
    Sos__Tool tool = SOS__TOOL__INIT;
    tool.tool_id = (char *)tool_id;
    tool.name = (char *)tool_id;
    Sos__VerdictBody vb = SOS__VERDICT_BODY__INIT;
    vb.tool_id = (char *)tool_id;
    vb.label = label;
    sos_buf p = SOS_BUF_INIT;
    sos_buf_pack(&p, &vb.base);
    Sos__Signed sv = SOS__SIGNED__INIT;
    sv.payload = (ProtobufCBinaryData){p.len, p.data};
    sv.signer = (ProtobufCBinaryData){sizeof pk, pk};
    sv.signature = (ProtobufCBinaryData){sizeof sig, sig};
    Sos__Verdict v = SOS__VERDICT__INIT;
    v.tool = &tool;
    v.verdict = &sv;
    Sos__Event ev = SOS__EVENT__INIT;
    ev.seq = 41;
    ev.kind_case = SOS__EVENT__KIND_VERDICT;
    ev.verdict = &v;
    s_apply(e, &ev);
    sos_buf_free(&p);
}

static void s_comparison(tu_env *e, const char *a, const char *b)
{
    char slug[300];
    snprintf(slug, sizeof slug, "%s-vs-%s", a, b);
    Sos__Comparison c = SOS__COMPARISON__INIT;
    c.slug = slug;
    c.tool_a = (char *)a;
    c.tool_b = (char *)b;
    c.created_at = 7;
    Sos__Event ev = SOS__EVENT__INIT;
    ev.kind_case = SOS__EVENT__KIND_COMPARISON;
    ev.comparison = &c;
    s_apply(e, &ev);
}

static void s_expect_publication(tu_env *e, uint64_t seq, const char *tool, Sos__Label label)
{
    Sos__Event *ev = tu_event(e, seq);
    assert_non_null(ev);
    assert_int_equal(ev->kind_case, SOS__EVENT__KIND_PUBLICATION);
    assert_non_null(ev->publication->tool);
    assert_string_equal(ev->publication->tool->tool_id, tool);
    const Sos__Signed *sv = ev->publication->verdict;
    Sos__VerdictBody *vb = sos__verdict_body__unpack(NULL, sv->payload.len, sv->payload.data);
    assert_non_null(vb);
    assert_string_equal(vb->tool_id, tool);
    assert_int_equal(vb->label, label);
    sos__verdict_body__free_unpacked(vb, NULL);
    sos__event__free_unpacked(ev, NULL);
}

static void s_expect_comparison(tu_env *e, uint64_t seq, const char *slug)
{
    Sos__Event *ev = tu_event(e, seq);
    assert_non_null(ev);
    assert_int_equal(ev->kind_case, SOS__EVENT__KIND_COMPARISON_PUBLISHED);
    assert_string_equal(ev->comparison_published->slug, slug);
    assert_int_equal(ev->comparison_published->created_at, 7);
    sos__event__free_unpacked(ev, NULL);
    /* published records the seq it got */
    uint8_t want[8];
    sos_val v;
    sos_be64_put(want, seq);
    sos_txn *t = tu_begin(e, false);
    assert_int_equal(sos_txn_get(t, PUBLISHING_DB_PUBLISHED, slug, strlen(slug), &v), SOS_OK);
    assert_int_equal(v.len, 8);
    assert_memory_equal(v.data, want, 8);
    sos_txn_abort(&t);
}

static void test_verdict_published(void **state)
{
    tu_env *e = *state;
    s_verdict(e, "tool-a", SOS__LABEL__LABEL_SHIP);
    assert_int_equal(tu_head(e), 1);
    assert_int_equal(tu_count(e, PUBLISHING_DB_VERDICTS), 1);
    s_expect_publication(e, 1, "tool-a", SOS__LABEL__LABEL_SHIP);

    /* a second verdict for the same tool is ignored: the first is final */
    s_verdict(e, "tool-a", SOS__LABEL__LABEL_SKIP);
    assert_int_equal(tu_head(e), 1);
    assert_int_equal(tu_count(e, PUBLISHING_DB_VERDICTS), 1);
    s_expect_publication(e, 1, "tool-a", SOS__LABEL__LABEL_SHIP);
    sos_txn *t = tu_begin(e, false);
    Sos__Verdict *v = (Sos__Verdict *)sos_rules_get(t, PUBLISHING_DB_VERDICTS,
                                                    &sos__verdict__descriptor, "tool-a", 6);
    sos_txn_abort(&t);
    assert_non_null(v);
    Sos__VerdictBody *vb =
        sos__verdict_body__unpack(NULL, v->verdict->payload.len, v->verdict->payload.data);
    assert_int_equal(vb->label, SOS__LABEL__LABEL_SHIP);
    sos__verdict_body__free_unpacked(vb, NULL);
    sos__verdict__free_unpacked(v, NULL);

    s_verdict(e, "tool-b", SOS__LABEL__LABEL_SPLIT);
    assert_int_equal(tu_head(e), 2);
    s_expect_publication(e, 2, "tool-b", SOS__LABEL__LABEL_SPLIT);
}

static void test_comparison_before_verdicts(void **state)
{
    tu_env *e = *state;
    s_comparison(e, "tool-a", "tool-b");
    assert_int_equal(tu_head(e), 0);
    assert_int_equal(tu_count(e, PUBLISHING_DB_COMPARISONS), 1);
    assert_int_equal(tu_count(e, PUBLISHING_DB_BY_TOOL), 2);
    s_verdict(e, "tool-a", SOS__LABEL__LABEL_SHIP);
    assert_int_equal(tu_head(e), 1); /* waits for tool-b */
    assert_int_equal(tu_count(e, PUBLISHING_DB_PUBLISHED), 0);
    s_verdict(e, "tool-b", SOS__LABEL__LABEL_SKIP);
    assert_int_equal(tu_head(e), 3);
    s_expect_publication(e, 2, "tool-b", SOS__LABEL__LABEL_SKIP);
    s_expect_comparison(e, 3, "tool-a-vs-tool-b");
    assert_int_equal(tu_count(e, PUBLISHING_DB_PUBLISHED), 1);

    /* once only: the same comparison again, or another verdict for b */
    s_comparison(e, "tool-a", "tool-b");
    s_verdict(e, "tool-b", SOS__LABEL__LABEL_SHIP);
    assert_int_equal(tu_head(e), 3);
    assert_int_equal(tu_count(e, PUBLISHING_DB_PUBLISHED), 1);
}

static void test_comparison_after_verdicts(void **state)
{
    tu_env *e = *state;
    s_verdict(e, "tool-a", SOS__LABEL__LABEL_SHIP);
    s_verdict(e, "tool-b", SOS__LABEL__LABEL_SKIP);
    assert_int_equal(tu_head(e), 2);
    s_comparison(e, "tool-a", "tool-b");
    assert_int_equal(tu_head(e), 3);
    s_expect_comparison(e, 3, "tool-a-vs-tool-b");
    s_comparison(e, "tool-a", "tool-b");
    assert_int_equal(tu_head(e), 3);

    /* one side without a verdict: waits; the verdict brings it out */
    s_comparison(e, "tool-c", "tool-a");
    assert_int_equal(tu_head(e), 3);
    s_verdict(e, "tool-c", SOS__LABEL__LABEL_SHIP);
    assert_int_equal(tu_head(e), 5);
    s_expect_publication(e, 4, "tool-c", SOS__LABEL__LABEL_SHIP);
    s_expect_comparison(e, 5, "tool-c-vs-tool-a");
    assert_int_equal(tu_count(e, PUBLISHING_DB_PUBLISHED), 2);
}

static void test_one_verdict_many_comparisons(void **state)
{
    tu_env *e = *state;
    enum { N = 5 };
    char id[32];
    for (int i = 0; i < N; i++) {
        snprintf(id, sizeof id, "other-%d", i);
        s_verdict(e, id, SOS__LABEL__LABEL_SHIP);
        s_comparison(e, "hub", id);
    }
    s_comparison(e, "hub", "never-judged");
    assert_int_equal(tu_head(e), N);
    s_verdict(e, "hub", SOS__LABEL__LABEL_SKIP);
    assert_int_equal(tu_head(e), 1 + 2 * N);
    assert_int_equal(tu_count(e, PUBLISHING_DB_PUBLISHED), N);
    for (uint64_t s = N + 2; s <= 2 * N + 1; s++) {
        Sos__Event *ev = tu_event(e, s);
        assert_int_equal(ev->kind_case, SOS__EVENT__KIND_COMPARISON_PUBLISHED);
        assert_string_equal(ev->comparison_published->tool_a, "hub");
        sos__event__free_unpacked(ev, NULL);
    }
}

/* more comparisons waiting on one tool than any fixed-size list would hold */
static void test_many_waiting(void **state)
{
    tu_env *e = *state;
    enum { N = 150 };
    char id[32];
    for (int i = 0; i < N; i++) {
        snprintf(id, sizeof id, "other-%03d", i);
        s_verdict(e, id, SOS__LABEL__LABEL_SHIP);
        s_comparison(e, "hub", id);
    }
    s_verdict(e, "hub", SOS__LABEL__LABEL_SKIP);
    assert_int_equal(tu_count(e, PUBLISHING_DB_PUBLISHED), N);
    assert_int_equal(tu_head(e), 2 * N + 1);
}

static void test_other_events(void **state)
{
    tu_env *e = *state;
    Sos__Tool tool = SOS__TOOL__INIT;
    tool.tool_id = (char *)"tool-a";
    Sos__Event ev = SOS__EVENT__INIT;
    ev.kind_case = SOS__EVENT__KIND_TOOL;
    ev.tool = &tool;
    s_apply(e, &ev);
    assert_int_equal(tu_count(e, PUBLISHING_DB_TOOLS), 1);
    assert_int_equal(tu_head(e), 0);

    /* a verdict without a tool is corrupt: logged and skipped */
    Sos__Verdict v = SOS__VERDICT__INIT;
    ev = (Sos__Event)SOS__EVENT__INIT;
    ev.kind_case = SOS__EVENT__KIND_VERDICT;
    ev.verdict = &v;
    s_apply(e, &ev);
    assert_int_equal(tu_head(e), 0);
    assert_int_equal(tu_count(e, PUBLISHING_DB_VERDICTS), 0);

    Sos__PanelClosed pc = SOS__PANEL_CLOSED__INIT;
    ev = (Sos__Event)SOS__EVENT__INIT;
    ev.kind_case = SOS__EVENT__KIND_PANEL_CLOSED;
    ev.panel_closed = &pc;
    s_apply(e, &ev);
    assert_int_equal(tu_head(e), 0);
}

/* --- the events pages: a damaged publication is never served ---------- */

/* Rewrites the stored event at seq with what fn packs into raw from it
 * (decoded; fn puts back what it borrowed), as a disk or a hand would,
 * bypassing sos_evlog_append's checks. */
static void s_rewrite(tu_env *e, uint64_t seq, void (*fn)(Sos__Event *ev, sos_buf *raw))
{
    uint8_t k[8];
    sos_buf b = SOS_BUF_INIT;
    Sos__Event *ev = tu_event(e, seq);
    assert_non_null(ev);
    fn(ev, &b);
    sos_be64_put(k, seq);
    sos_txn *t = tu_begin(e, true);
    assert_int_equal(sos_txn_put(t, SOS_DB_EVENTS, k, 8, b.data, b.len), SOS_OK);
    tu_commit(&t);
    sos_buf_free(&b);
    sos__event__free_unpacked(ev, NULL);
}

static uint8_t s_garbage[] = {0xff, 0xff, 0xff};

static void s_verdict_payload(Sos__Event *ev, sos_buf *raw)
{
    ProtobufCBinaryData *p = &ev->publication->verdict->payload, was = *p;
    *p = (ProtobufCBinaryData){sizeof s_garbage, s_garbage};
    sos_buf_pack(raw, &ev->base);
    *p = was;
}

static void s_short_signer(Sos__Event *ev, sos_buf *raw)
{
    ev->publication->verdict->signer.len = SOS_PK_BYTES - 1;
    sos_buf_pack(raw, &ev->base);
}

static void s_takes_count(Sos__Event *ev, sos_buf *raw)
{
    Sos__Signed take = SOS__SIGNED__INIT, *takes[1] = {&take};
    ev->publication->n_takes = 1; /* the verdict lists none */
    ev->publication->takes = takes;
    sos_buf_pack(raw, &ev->base);
    ev->publication->n_takes = 0;
    ev->publication->takes = NULL;
}

static void s_renumbered(Sos__Event *ev, sos_buf *raw)
{
    ev->seq = 9;
    sos_buf_pack(raw, &ev->base);
}

static void s_undecodable(Sos__Event *ev, sos_buf *raw)
{
    (void)ev;
    sos_buf_append(raw, s_garbage, sizeof s_garbage);
}

static void s_signature_flipped(Sos__Event *ev, sos_buf *raw)
{
    ev->publication->verdict->signature.data[3] ^= 0x10;
    sos_buf_pack(raw, &ev->base);
}

typedef struct {
    tu_env *e;
    sos_buf out;
    int rc;
} s_page_call;

/* An events query as the skeleton answers it, with publishing's check. */
static void s_page(void *arg)
{
    s_page_call *c = arg;
    ProtobufCBinaryData rid = {2, (uint8_t *)"r1"};
    sos_txn *t = tu_begin(c->e, false);
    c->rc = sos_evlog_page_checked(t, &rid, 0, 0, publishing_spec.event_check, &c->out);
    sos_txn_abort(&t);
}

static void test_events_damaged(void **state)
{
    const struct {
        const char *name;
        void (*damage)(Sos__Event *ev, sos_buf *raw);
        const char *logged; /* NULL: served */
    } cases[] = {
        {"a verdict payload that does not decode", s_verdict_payload,
         "db=events key=0000000000000002 msg=\"verdict payload is not a VerdictBody"},
        {"a signer of the wrong length", s_short_signer,
         "db=events key=0000000000000002 msg=\"signer must be 32 bytes, signature 64"},
        {"a take the verdict does not list", s_takes_count,
         "db=events key=0000000000000002 msg=\"verdict lists another number of takes"},
        {"an event numbered other than its key", s_renumbered,
         "db=events key=0000000000000002 msg=\"the stored event says it is another number"},
        {"a value that does not decode", s_undecodable,
         "db=events key=0000000000000002 msg=\"the stored event does not decode"},
        /* signatures are the readers' and sos check's (publishing.c) */
        {"a flipped signature byte", s_signature_flipped, NULL},
    };
    for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
        tu_env *e = *state;
        tu_env_free(&e);
        *state = e = tu_env_new(publishing_spec.dbs, publishing_spec.n_dbs);
        s_verdict(e, "tool-a", SOS__LABEL__LABEL_SHIP);
        s_verdict(e, "tool-b", SOS__LABEL__LABEL_SKIP);
        s_page_call call = {e, SOS_BUF_INIT, 0};
        s_page(&call); /* whole: served */
        assert_int_equal(call.rc, SOS_OK);
        Sos__EventsReply *rep =
            sos__events_reply__unpack(NULL, call.out.len, (const uint8_t *)call.out.data);
        assert_non_null(rep);
        assert_int_equal(rep->events->n_events, 2);
        sos__events_reply__free_unpacked(rep, NULL);
        sos_buf_reset(&call.out);

        s_rewrite(e, 2, cases[c].damage);
        char *log = tu_stderr_of(s_page, &call);
        if (cases[c].logged && (call.rc != SOS_CORRUPT || !strstr(log, cases[c].logged)))
            print_error("%s: rc %d, logged:\n%s\n", cases[c].name, call.rc, log);
        if (cases[c].logged) {
            assert_int_equal(call.rc, SOS_CORRUPT);
            assert_int_equal(call.out.len, 0); /* nothing of the page is served */
            assert_non_null(strstr(log, "event=store.corrupt"));
            assert_non_null(strstr(log, cases[c].logged));
        } else {
            assert_int_equal(call.rc, SOS_OK);
            assert_null(strstr(log, "store.corrupt"));
        }
        free(log);
        sos_buf_free(&call.out);
    }
}

/* The log: every event is a leaf (its stored bytes), in the transaction
 * that appends it; the root, the proofs and the signed checkpoint agree
 * with a tree made from the leaves alone; a store without a tree gets the
 * same one back. */
static void test_log(void **state)
{
    tu_env *e = *state;
    sos_key *k = NULL;
    assert_int_equal(sos_key_generate(&k), 0);
    s_comparison(e, "tool-a", "tool-b");
    s_verdict(e, "tool-a", SOS__LABEL__LABEL_SHIP);
    s_verdict(e, "tool-b", SOS__LABEL__LABEL_SKIP);
    s_verdict(e, "tool-c", SOS__LABEL__LABEL_SPLIT);
    s_comparison(e, "tool-c", "tool-a");
    uint64_t head = tu_head(e), size;
    assert_int_equal(head, 5);
    sos_txn *t = tu_begin(e, true);
    assert_int_equal(publishing_log_size(t, &size), SOS_OK);
    assert_int_equal(size, head);
    /* the leaves, as log_leaves serves them, are the stored events */
    Sos__LeavesQuery lq = SOS__LEAVES_QUERY__INIT;
    Sos__LogLeaves leaves = SOS__LOG_LEAVES__INIT;
    sos_status st = SOS_STATUS_OK;
    uint8_t lh[5][SOS_MERKLE_HASH];
    assert_int_equal(publishing_log_leaves(t, &lq, &leaves, &st), 0);
    assert_int_equal(leaves.n_leaves, 5);
    for (size_t i = 0; i < 5; i++) {
        Sos__Event *ev = tu_event(e, i + 1);
        sos_buf b = SOS_BUF_INIT;
        sos_buf_pack(&b, &ev->base);
        assert_int_equal(leaves.leaves[i].len, b.len);
        assert_memory_equal(leaves.leaves[i].data, b.data, b.len);
        sos_merkle_leaf(b.data, b.len, lh[i]);
        sos_buf_free(&b);
        sos__event__free_unpacked(ev, NULL);
    }
    publishing_log_leaves_clear(&leaves);
    /* root of 5 = node(node(node(0,1), node(2,3)), 4) */
    uint8_t a[SOS_MERKLE_HASH], b2[SOS_MERKLE_HASH], root[SOS_MERKLE_HASH];
    sos_merkle_node(lh[0], lh[1], a);
    sos_merkle_node(lh[2], lh[3], b2);
    sos_merkle_node(a, b2, a);
    sos_merkle_node(a, lh[4], root);
    /* the checkpoint: signed, of this size and root */
    assert_int_equal(publishing_log_sign(t, k, "test.example/log"), SOS_OK);
    publishing_log_cp cps = {SOS_BUF_INIT, SOS_BUF_INIT, "", {0}};
    Sos__Checkpoint cp = SOS__CHECKPOINT__INIT;
    assert_int_equal(publishing_log_checkpoint(t, sos_key_public(k), &cps, &cp, &st), 0);
    assert_int_equal(cp.tree_size, 5);
    assert_string_equal(cp.origin, "test.example/log");
    assert_memory_equal(cp.root_hash.data, root, SOS_MERKLE_HASH);
    char name[64];
    uint8_t pk[SOS_PK_BYTES];
    size_t tl;
    assert_int_equal(sos_note_vkey_parse(cp.verifier_key, name, sizeof name, pk), 0);
    assert_int_equal(sos_note_open(cp.note.data, cp.note.len, name, pk, &tl), SOS_NOTE_OK);
    publishing_log_cp_clear(&cps);
    /* an inclusion proof of every leaf, and consistency from every size */
    publishing_log_proof pp;
    for (uint64_t i = 0; i < 5; i++) {
        Sos__InclusionQuery iq = SOS__INCLUSION_QUERY__INIT;
        Sos__LogProof pr = SOS__LOG_PROOF__INIT;
        iq.leaf_index = i;
        assert_int_equal(publishing_log_prove(t, &iq, &pp, &pr, &st), 0);
        assert_int_equal(pr.tree_size, 5);
        assert_int_equal(sos_merkle_check_inclusion(i, 5, lh[i],
                                                    (const uint8_t(*)[SOS_MERKLE_HASH])pp.path,
                                                    pr.n_hashes, root),
                         SOS_MERKLE_OK);
        Sos__ConsistencyQuery cq = SOS__CONSISTENCY_QUERY__INIT;
        cq.old_size = i + 1;
        assert_int_equal(publishing_log_consistency(t, &cq, &pp, &pr, &st), 0);
        assert_int_equal(sos_merkle_check_consistency(i + 1, 5, pp.old_root, root,
                                                      (const uint8_t(*)[SOS_MERKLE_HASH])pp.path,
                                                      pr.n_hashes),
                         SOS_MERKLE_OK);
    }
    /* beyond the tree: refused, naming its size */
    Sos__InclusionQuery iq = SOS__INCLUSION_QUERY__INIT;
    Sos__LogProof pr = SOS__LOG_PROOF__INIT;
    iq.leaf_index = 5;
    assert_int_equal(publishing_log_prove(t, &iq, &pp, &pr, &st), SOS__CODE__CODE_BAD_REQUEST);
    assert_non_null(strstr(st.msg, "tree of 5 leaves"));
    iq.tree_size = 6;
    assert_int_equal(publishing_log_prove(t, &iq, &pp, &pr, &st), SOS__CODE__CODE_BAD_REQUEST);
    /* a store without its tree (written before the log existed) gets it back */
    sos_cursor *c = NULL;
    sos_val key;
    uint8_t keys[16][16];
    size_t kl[16];
    int n = 0;
    assert_int_equal(sos_cursor_open(t, PUBLISHING_DB_LOG, &c), SOS_OK);
    for (int rc = sos_cursor_seek(c, "\0", 1, &key, NULL); rc == SOS_OK;
         rc = sos_cursor_next(c, &key, NULL)) {
        assert_true(n < 16 && key.len <= 16);
        memcpy(keys[n], key.data, key.len);
        kl[n++] = key.len;
    }
    sos_cursor_destroy(&c);
    for (int i = 0; i < n; i++)
        assert_int_equal(sos_txn_del(t, PUBLISHING_DB_LOG, keys[i], kl[i]), SOS_OK);
    assert_int_equal(n, 10); /* 5 + 2 + 1 stored hashes, size, checkpoint */
    uint64_t added;
    assert_int_equal(publishing_log_catch_up(t, &added), SOS_OK);
    assert_int_equal(added, 5);
    assert_int_equal(publishing_log_sign(t, k, "test.example/log"), SOS_OK);
    assert_int_equal(publishing_log_checkpoint(t, sos_key_public(k), &cps, &cp, &st), 0);
    assert_memory_equal(cp.root_hash.data, root, SOS_MERKLE_HASH);
    publishing_log_cp_clear(&cps);
    tu_commit(&t);
    sos_key_destroy(&k);
}

int main(void)
{
    if (sos_sign_init() != 0)
        return 1;
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_verdict_published, s_setup, s_teardown),
        cmocka_unit_test_setup_teardown(test_comparison_before_verdicts, s_setup, s_teardown),
        cmocka_unit_test_setup_teardown(test_comparison_after_verdicts, s_setup, s_teardown),
        cmocka_unit_test_setup_teardown(test_one_verdict_many_comparisons, s_setup, s_teardown),
        cmocka_unit_test_setup_teardown(test_many_waiting, s_setup, s_teardown),
        cmocka_unit_test_setup_teardown(test_other_events, s_setup, s_teardown),
        cmocka_unit_test_setup_teardown(test_events_damaged, s_setup, s_teardown),
        cmocka_unit_test_setup_teardown(test_log, s_setup, s_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
