/* unit.submission.submission: tools, panel keys and comparisons. */
#include "testutil.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "submission.h"

#define NOW 1763840000u

static int s_setup(void **state)
{
    *state = tu_env_new(submission_spec.dbs, submission_spec.n_dbs);
    return 0;
}

static int s_teardown(void **state)
{
    tu_env *e = *state;
    tu_env_free(&e);
    return 0;
}

static Sos__Tool s_tool(const char *name)
{
    Sos__Tool t = SOS__TOOL__INIT;
    t.name = (char *)name;
    t.vendor = (char *)"Vendor";
    t.tagline = (char *)"best for tests";
    t.category = (char *)"LLM";
    t.tier = SOS__TIER__TIER_FREEMIUM;
    t.pricing = (char *)"$0 to start";
    t.description = (char *)"A tool.";
    t.link = (char *)"https://example.org/tool";
    return t;
}

/* Runs the rule in a write transaction that is committed whatever the
 * outcome, so a refusal that wrote anything would show. */
static int s_submit(tu_env *e, const Sos__Tool *tool, char id[SUBMISSION_ID_MAX], sos_status *st)
{
    sos_txn *t = tu_begin(e, true);
    *st = (sos_status)SOS_STATUS_OK;
    memset(id, 0, SUBMISSION_ID_MAX);
    int rc = submission_tool_submit(t, tool, NOW, NULL, id, st);
    assert_true(rc >= 0);
    if (rc > 0)
        assert_int_equal(st->code, rc);
    tu_commit(&t);
    return rc;
}

static void s_submit_ok(tu_env *e, const char *name, const char *want_id)
{
    char id[SUBMISSION_ID_MAX];
    sos_status st;
    Sos__Tool tool = s_tool(name);
    int rc = s_submit(e, &tool, id, &st);
    if (rc != 0)
        fail_msg("submit \"%s\": rc=%d %s", name, rc, st.msg);
    assert_string_equal(id, want_id);
}

static void test_tool_submit_ok(void **state)
{
    tu_env *e = *state;
    char id[SUBMISSION_ID_MAX];
    sos_status st;
    Sos__Tool in = s_tool("Llama 4 Compact (12B)");
    in.tool_id = (char *)"ignored-client-id";
    in.submitted_at = 1; /* assigned by the rule */
    assert_int_equal(s_submit(e, &in, id, &st), 0);
    assert_string_equal(id, "llama-4-compact-12b");
    assert_int_equal(tu_head(e), 1);
    assert_int_equal(tu_count(e, SUBMISSION_DB_TOOLS), 1);
    assert_int_equal(tu_count(e, SUBMISSION_DB_NAMES), 1);

    sos_txn *t = tu_begin(e, false);
    Sos__Tool *got = submission_tool_get(t, id);
    assert_non_null(got);
    assert_string_equal(got->tool_id, "llama-4-compact-12b");
    assert_string_equal(got->name, "Llama 4 Compact (12B)");
    assert_string_equal(got->tagline, "best for tests");
    assert_string_equal(got->link, "https://example.org/tool");
    assert_int_equal(got->tier, SOS__TIER__TIER_FREEMIUM);
    assert_int_equal(got->submitted_at, NOW);
    sos__tool__free_unpacked(got, NULL);
    assert_null(submission_tool_get(t, "ignored-client-id"));
    assert_null(submission_tool_get(t, "nosuch"));
    sos_val v;
    assert_int_equal(sos_txn_get(t, SUBMISSION_DB_NAMES, "llama4compact12b", 16, &v), SOS_OK);
    assert_int_equal(v.len, strlen(id));
    assert_memory_equal(v.data, id, v.len);
    sos_txn_abort(&t);

    Sos__Event *ev = tu_event(e, 1);
    assert_non_null(ev);
    assert_int_equal(ev->kind_case, SOS__EVENT__KIND_TOOL);
    assert_string_equal(ev->tool->tool_id, "llama-4-compact-12b");
    assert_string_equal(ev->tool->name, "Llama 4 Compact (12B)");
    assert_int_equal(ev->tool->submitted_at, NOW);
    sos__event__free_unpacked(ev, NULL);

    s_submit_ok(e, "Mistral Small 3.1", "mistral-small-3-1");
    assert_int_equal(tu_head(e), 2);
}

static void test_tool_unknown_fields_dropped(void **state)
{
    tu_env *e = *state;
    Sos__Tool in = s_tool("Field Test");
    sos_buf b = SOS_BUF_INIT;
    sos_buf_pack(&b, &in.base);
    static const uint8_t extra[] = {0x98, 0x06, 0x01}; /* field 99, varint 1 */
    sos_buf_append(&b, extra, sizeof extra);
    Sos__Tool *u = sos__tool__unpack(NULL, b.len, b.data);
    assert_non_null(u);
    assert_int_equal(u->base.n_unknown_fields, 1);
    char id[SUBMISSION_ID_MAX];
    sos_status st;
    assert_int_equal(s_submit(e, u, id, &st), 0);
    sos__tool__free_unpacked(u, NULL);

    sos_txn *t = tu_begin(e, false);
    Sos__Tool *got = submission_tool_get(t, id);
    assert_non_null(got);
    assert_int_equal(got->base.n_unknown_fields, 0);
    sos__tool__free_unpacked(got, NULL);
    sos_txn_abort(&t);
    Sos__Event *ev = tu_event(e, 1);
    assert_int_equal(ev->tool->base.n_unknown_fields, 0);
    assert_int_equal(ev->base.n_unknown_fields, 0);
    sos__event__free_unpacked(ev, NULL);
    sos_buf_free(&b);
}

static void test_tool_duplicate_names(void **state)
{
    tu_env *e = *state;
    s_submit_ok(e, "Llama 4 Compact (12B)", "llama-4-compact-12b");
    static const char *const dups[] = {"Llama 4 Compact (12B)",  "llama 4 compact 12b",
                                       "LLAMA-4-COMPACT-12B",    "Llama4Compact(12B)",
                                       " llama.4.compact.12b! ", "L l a m a 4 C o m p a c t 1 2 B"};
    for (size_t i = 0; i < sizeof dups / sizeof dups[0]; i++) {
        char id[SUBMISSION_ID_MAX];
        sos_status st;
        Sos__Tool tool = s_tool(dups[i]);
        int rc = s_submit(e, &tool, id, &st);
        if (rc != SOS__CODE__CODE_CONFLICT)
            fail_msg("\"%s\": rc=%d, want CONFLICT", dups[i], rc);
        assert_string_equal(id, "llama-4-compact-12b");
        assert_non_null(strstr(st.msg, "llama-4-compact-12b"));
        assert_int_equal(tu_head(e), 1);
        assert_int_equal(tu_count(e, SUBMISSION_DB_TOOLS), 1);
        assert_int_equal(tu_count(e, SUBMISSION_DB_NAMES), 1);
    }
    /* names that fold apart but slug alike get distinct ids */
    s_submit_ok(e, "Caf", "caf");
    s_submit_ok(e, "Caf\xc3\xa9", "caf-2");
    s_submit_ok(e, "CAF\xc3\x89", "caf-3");
    s_submit_ok(e, "Caf 2", "caf-2-2");
    assert_int_equal(tu_head(e), 5);
}

static char s_big[6000];

static const char *s_str(const char *prefix, size_t rep)
{
    size_t n = strlen(prefix);
    assert_true(n + rep < sizeof s_big);
    memcpy(s_big, prefix, n);
    memset(s_big + n, 'a', rep);
    s_big[n + rep] = '\0';
    return s_big;
}

#define F(f) offsetof(Sos__Tool, f)

static void test_tool_invalid_fields(void **state)
{
    tu_env *e = *state;
    s_submit_ok(e, "Existing Tool", "existing-tool");
    static const struct {
        size_t field;
        const char *prefix;
        size_t rep;
        int tier; /* 0: keep the valid one */
        const char *mentions;
    } cases[] = {
        {F(name), "", 0, 0, "name"},
        {F(name), "n", 200, 0, "name"},
        {F(name), "bad \xff byte", 0, 0, "name"},
        {F(name), "ctrl \x01 char", 0, 0, "name"},
        {F(name), "!!! ---", 0, 0, "name"},
        {F(name), "\xc3\xa9\xc3\xa9", 0, 0, "name"}, /* no ASCII letter or digit */
        {F(vendor), "v", 200, 0, "vendor"},
        {F(vendor), "\xc0\xaf", 0, 0, "vendor"},
        {F(tagline), "", 0, 0, "tagline"},
        {F(tagline), "t", 300, 0, "tagline"},
        {F(category), "", 0, 0, "category"},
        {F(category), "c", 100, 0, "category"},
        {F(pricing), "p", 300, 0, "pricing"},
        {F(description), "d", 5000, 0, "description"},
        {F(description), "nul-free but \x1b escape", 0, 0, "description"},
        {F(link), "https://", 1993, 0, "link"},
        {F(link), "ftp://example.org", 0, 0, "link"},
        {F(link), "example.org", 0, 0, "link"},
        {F(link), "javascript:alert(1)", 0, 0, "link"},
        {F(link), "http:/example.org", 0, 0, "link"},
        {F(link), " https://example.org", 0, 0, "link"},
        {F(name), "Good Name", 0, -1, "tier"}, /* tier 0 */
        {F(name), "Good Name", 0, 4, "tier"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        Sos__Tool tool = s_tool("Some New Tool");
        *(const char **)((char *)&tool + cases[i].field) = s_str(cases[i].prefix, cases[i].rep);
        if (cases[i].tier)
            tool.tier = (Sos__Tier)(cases[i].tier < 0 ? 0 : cases[i].tier);
        char id[SUBMISSION_ID_MAX];
        sos_status st;
        int rc = s_submit(e, &tool, id, &st);
        if (rc != SOS__CODE__CODE_BAD_REQUEST || !strstr(st.msg, cases[i].mentions))
            fail_msg("case %zu: rc=%d msg=\"%s\", want BAD_REQUEST naming %s", i, rc, st.msg,
                     cases[i].mentions);
        assert_int_equal(tu_head(e), 1);
        assert_int_equal(tu_count(e, SUBMISSION_DB_TOOLS), 1);
        assert_int_equal(tu_count(e, SUBMISSION_DB_NAMES), 1);
    }
}

static void test_tool_boundaries_accepted(void **state)
{
    tu_env *e = *state;
    char id[SUBMISSION_ID_MAX];
    sos_status st;
    static const struct {
        size_t field;
        const char *prefix;
        size_t rep;
    } cases[] = {
        {F(vendor), "", 0},
        {F(vendor), "v", 199},
        {F(tagline), "t", 299},
        {F(category), "c", 99},
        {F(pricing), "", 0},
        {F(pricing), "p", 299},
        {F(description), "", 0},
        {F(description), "d", 4999},
        {F(link), "", 0},
        {F(link), "http://x", 0},
        {F(link), "https://", 1992},
        {F(description), "tab\tnewline\ncr\r caf\xc3\xa9 \xf0\x9f\x9a\x80", 0},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char name[32];
        snprintf(name, sizeof name, "Boundary %zu", i);
        Sos__Tool tool = s_tool(name);
        *(const char **)((char *)&tool + cases[i].field) = s_str(cases[i].prefix, cases[i].rep);
        if (s_submit(e, &tool, id, &st) != 0)
            fail_msg("case %zu refused: %s", i, st.msg);
    }
    Sos__Tool tool = s_tool(s_str("N", 199)); /* 200 bytes */
    assert_int_equal(s_submit(e, &tool, id, &st), 0);
    assert_true(strlen(id) < SUBMISSION_ID_MAX);
    assert_int_equal(id[0], 'n');
    assert_int_equal(tu_head(e), sizeof cases / sizeof cases[0] + 1);
    /* a long name cut at a separator must not give an id ending in '-' */
    char name[160];
    memset(name, 'a', 110);
    memcpy(name + 110, " b", 3);
    tool = s_tool(name);
    assert_int_equal(s_submit(e, &tool, id, &st), 0);
    assert_int_not_equal(id[strlen(id) - 1], '-');
}

static int s_panel(tu_env *e, int persona, const uint8_t *key, size_t kl, const char *name,
                   sos_status *st)
{
    Sos__PanelKey k = SOS__PANEL_KEY__INIT;
    k.persona = (Sos__Persona)persona;
    k.public_key = (ProtobufCBinaryData){kl, (uint8_t *)key};
    k.name = (char *)name;
    *st = (sos_status)SOS_STATUS_OK;
    sos_txn *t = tu_begin(e, true);
    int rc = submission_panel_add(t, &k, NULL, st);
    assert_true(rc >= 0);
    tu_commit(&t);
    return rc;
}

static void test_panel_add(void **state)
{
    tu_env *e = *state;
    uint8_t k1[33], k2[32];
    sos_status st;
    memset(k1, 0x11, sizeof k1);
    memset(k2, 0x22, sizeof k2);
    assert_int_equal(s_panel(e, SOS__PERSONA__PERSONA_BUILDER, k1, 32, "Ana", &st), 0);
    assert_int_equal(tu_head(e), 1);
    assert_int_equal(tu_count(e, SUBMISSION_DB_PANEL), 1);
    Sos__Event *ev = tu_event(e, 1);
    assert_int_equal(ev->kind_case, SOS__EVENT__KIND_PANEL_KEY);
    assert_int_equal(ev->panel_key->persona, SOS__PERSONA__PERSONA_BUILDER);
    assert_true(tu_bin_eq(ev->panel_key->public_key, k1, 32));
    assert_string_equal(ev->panel_key->name, "Ana");
    sos__event__free_unpacked(ev, NULL);

    /* the same registration again: no-op, no event */
    assert_int_equal(s_panel(e, SOS__PERSONA__PERSONA_BUILDER, k1, 32, "Ana", &st), 0);
    assert_int_equal(tu_head(e), 1);
    assert_int_equal(tu_count(e, SUBMISSION_DB_PANEL), 1);

    static const struct {
        int persona;
        size_t kl;
        const char *name;
        int want;
        const char *mentions;
    } refusals[] = {
        {SOS__PERSONA__PERSONA_SKEPTIC, 32, "Ana", SOS__CODE__CODE_CONFLICT, "Builder"},
        {SOS__PERSONA__PERSONA_CREATOR, 32, "", SOS__CODE__CODE_CONFLICT, "Builder"},
        {0, 32, "Ana", SOS__CODE__CODE_BAD_REQUEST, "persona"},
        {6, 32, "Ana", SOS__CODE__CODE_BAD_REQUEST, "persona"},
        {SOS__PERSONA__PERSONA_SKEPTIC, 31, "Bo", SOS__CODE__CODE_BAD_REQUEST, "32 bytes"},
        {SOS__PERSONA__PERSONA_SKEPTIC, 33, "Bo", SOS__CODE__CODE_BAD_REQUEST, "32 bytes"},
        {SOS__PERSONA__PERSONA_SKEPTIC, 0, "Bo", SOS__CODE__CODE_BAD_REQUEST, "32 bytes"},
        {SOS__PERSONA__PERSONA_SKEPTIC, 32, "B\xffo", SOS__CODE__CODE_BAD_REQUEST, "name"},
    };
    for (size_t i = 0; i < sizeof refusals / sizeof refusals[0]; i++) {
        int rc = s_panel(e, refusals[i].persona, k1, refusals[i].kl, refusals[i].name, &st);
        if (rc != refusals[i].want || !strstr(st.msg, refusals[i].mentions))
            fail_msg("case %zu: rc=%d msg=\"%s\", want %d naming %s", i, rc, st.msg,
                     refusals[i].want, refusals[i].mentions);
        assert_int_equal(tu_head(e), 1);
        assert_int_equal(tu_count(e, SUBMISSION_DB_PANEL), 1);
    }

    /* another key for the same persona is a second reviewer */
    assert_int_equal(s_panel(e, SOS__PERSONA__PERSONA_BUILDER, k2, 32, "Cy", &st), 0);
    assert_int_equal(s_panel(e, SOS__PERSONA__PERSONA_SKEPTIC, k2, 32, "Cy", &st),
                     SOS__CODE__CODE_CONFLICT);
    assert_int_equal(tu_head(e), 2);
    assert_int_equal(tu_count(e, SUBMISSION_DB_PANEL), 2);
}

static int s_compare(tu_env *e, const char *a, const char *b, char *slug, sos_status *st)
{
    Sos__Comparison c = SOS__COMPARISON__INIT;
    c.tool_a = (char *)a;
    c.tool_b = (char *)b;
    c.slug = (char *)"client-slug-ignored";
    *st = (sos_status)SOS_STATUS_OK;
    slug[0] = '\0';
    sos_txn *t = tu_begin(e, true);
    int rc = submission_compare_create(t, &c, NOW + 5, NULL, slug, st);
    assert_true(rc >= 0);
    tu_commit(&t);
    return rc;
}

static void test_compare_create(void **state)
{
    tu_env *e = *state;
    char slug[2 * SUBMISSION_ID_MAX + 8];
    sos_status st;
    s_submit_ok(e, "A", "a");
    s_submit_ok(e, "B", "b");
    s_submit_ok(e, "C", "c");
    assert_int_equal(s_compare(e, "a", "b", slug, &st), 0);
    assert_string_equal(slug, "a-vs-b");
    assert_int_equal(tu_head(e), 4);
    assert_int_equal(tu_count(e, SUBMISSION_DB_COMPARISONS), 1);
    Sos__Event *ev = tu_event(e, 4);
    assert_int_equal(ev->kind_case, SOS__EVENT__KIND_COMPARISON);
    assert_string_equal(ev->comparison->slug, "a-vs-b");
    assert_string_equal(ev->comparison->tool_a, "a");
    assert_string_equal(ev->comparison->tool_b, "b");
    assert_int_equal(ev->comparison->created_at, NOW + 5);
    sos__event__free_unpacked(ev, NULL);

    static const struct {
        const char *a, *b;
        int want;
        const char *mentions;
    } refusals[] = {
        {"a", "zzz", SOS__CODE__CODE_NOT_FOUND, "zzz"},
        {"zzz", "b", SOS__CODE__CODE_NOT_FOUND, "zzz"},
        {"A", "b", SOS__CODE__CODE_NOT_FOUND, "A"}, /* ids, not names */
        {"a", "a", SOS__CODE__CODE_BAD_REQUEST, "itself"},
        {"", "b", SOS__CODE__CODE_BAD_REQUEST, "two tool ids"},
        {"a", "", SOS__CODE__CODE_BAD_REQUEST, "two tool ids"},
        {"a", "b", SOS__CODE__CODE_CONFLICT, "compared already"},
        {"b", "a", SOS__CODE__CODE_CONFLICT, "compared already"},
    };
    for (size_t i = 0; i < sizeof refusals / sizeof refusals[0]; i++) {
        int rc = s_compare(e, refusals[i].a, refusals[i].b, slug, &st);
        if (rc != refusals[i].want || !strstr(st.msg, refusals[i].mentions))
            fail_msg("case %zu (%s, %s): rc=%d msg=\"%s\", want %d naming %s", i, refusals[i].a,
                     refusals[i].b, rc, st.msg, refusals[i].want, refusals[i].mentions);
        assert_int_equal(tu_head(e), 4);
        assert_int_equal(tu_count(e, SUBMISSION_DB_COMPARISONS), 1);
    }
    /* a very long id is refused, not truncated */
    assert_int_equal(s_compare(e, "a", s_str("", SUBMISSION_ID_MAX), slug, &st),
                     SOS__CODE__CODE_BAD_REQUEST);
    assert_int_equal(s_compare(e, "c", "a", slug, &st), 0);
    assert_string_equal(slug, "c-vs-a");
    assert_int_equal(tu_head(e), 5);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_tool_submit_ok, s_setup, s_teardown),
        cmocka_unit_test_setup_teardown(test_tool_unknown_fields_dropped, s_setup, s_teardown),
        cmocka_unit_test_setup_teardown(test_tool_duplicate_names, s_setup, s_teardown),
        cmocka_unit_test_setup_teardown(test_tool_invalid_fields, s_setup, s_teardown),
        cmocka_unit_test_setup_teardown(test_tool_boundaries_accepted, s_setup, s_teardown),
        cmocka_unit_test_setup_teardown(test_panel_add, s_setup, s_teardown),
        cmocka_unit_test_setup_teardown(test_compare_create, s_setup, s_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
