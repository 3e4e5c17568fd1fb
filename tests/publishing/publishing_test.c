/* unit.publishing.publishing: verdicts and comparisons become publications. */
#include "testutil.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "publishing.h"
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

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_verdict_published, s_setup, s_teardown),
        cmocka_unit_test_setup_teardown(test_comparison_before_verdicts, s_setup, s_teardown),
        cmocka_unit_test_setup_teardown(test_comparison_after_verdicts, s_setup, s_teardown),
        cmocka_unit_test_setup_teardown(test_one_verdict_many_comparisons, s_setup, s_teardown),
        cmocka_unit_test_setup_teardown(test_many_waiting, s_setup, s_teardown),
        cmocka_unit_test_setup_teardown(test_other_events, s_setup, s_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
