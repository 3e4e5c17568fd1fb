/* unit.site.json: the records' JSON shape (clients/site/json.c), which
 * `sos --json` prints and the site's twins carry, and the verdict line. */
#include "sitefix.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "json.h"

static sos_key *s_key;

/* One line for every reader; an unset label (no take counted) reads as a
 * sentence, not as "Pending · 0 ship / 0 skip". */
static void test_verdict_line(void **state)
{
    (void)state;
    static const struct {
        Sos__Label label;
        unsigned ship, skip;
        size_t cap;
        const char *want;
    } cases[] = {
        {SOS__LABEL__LABEL_SHIP, 3, 1, 128, "Ship \xc2\xb7 3 ship / 1 skip"},
        {SOS__LABEL__LABEL_SKIP, 1, 4, 128, "Skip \xc2\xb7 1 ship / 4 skip"},
        {SOS__LABEL__LABEL_SPLIT, 2, 2, 128, "Split \xc2\xb7 2 ship / 2 skip"},
        {SOS__LABEL__LABEL_UNSPECIFIED, 0, 0, 128, "No panel takes yet"},
        {SOS__LABEL__LABEL_SHIP, 3, 1, 5, "Ship"}, /* truncated to cap, terminated */
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        Sos__VerdictBody b = SOS__VERDICT_BODY__INIT;
        char line[128];
        b.label = cases[i].label;
        b.ship = cases[i].ship;
        b.skip = cases[i].skip;
        sos_verdict_line(&b, line, cases[i].cap);
        assert_string_equal(line, cases[i].want);
        if (cases[i].cap == 128) { /* the JSON's summary is the same line */
            json_t *j = sos_json_verdict_body(&b);
            assert_string_equal(json_string_value(json_object_get(j, "summary")), cases[i].want);
            json_decref(j);
        }
    }
}

/* A published verdict: its envelope carries the payload in standard
 * base64, the signer, the signature and the payload's hash, all checked. */
static void test_verdict_envelopes(void **state)
{
    (void)state;
    Sos__Tool tool;
    sf_tool(&tool, "lintbot", "LintBot");
    Sos__Verdict *v = sf_verdict4(s_key, &tool, 1735689600);
    bool ok = true;
    json_t *j = sos_json_verdict(v, &ok);
    assert_true(ok);
    assert_string_equal(json_string_value(json_object_get(json_object_get(j, "tool"), "name")),
                        "LintBot");
    json_t *vj = json_object_get(j, "verdict");
    assert_string_equal(json_string_value(json_object_get(vj, "summary")),
                        "Ship \xc2\xb7 3 ship / 1 skip");
    assert_int_equal(json_array_size(json_object_get(j, "takes")), 4);
    const json_t *env = json_object_get(vj, "signed");
    assert_true(json_is_true(json_object_get(env, "verified")));
    const char *b64 = json_string_value(json_object_get(env, "payload"));
    uint8_t raw[4096];
    size_t n;
    assert_int_equal(sos_unbase64(b64, raw, sizeof raw, &n), 0);
    assert_int_equal(n, v->verdict->payload.len);
    assert_memory_equal(raw, v->verdict->payload.data, n);
    uint8_t h[SOS_HASH_BYTES];
    char hex[2 * SOS_HASH_BYTES + 1], pk[2 * SOS_PK_BYTES + 1];
    sos_hash(raw, n, h);
    sos_hex(h, sizeof h, hex);
    assert_string_equal(json_string_value(json_object_get(env, "hash")), hex);
    sos_hex(sos_key_public(s_key), SOS_PK_BYTES, pk);
    assert_string_equal(json_string_value(json_object_get(env, "signer")), pk);
    json_decref(j);

    /* a flipped signature bit, then a take the verdict does not list */
    v->verdict->signature.data[0] ^= 1;
    ok = true;
    j = sos_json_verdict(v, &ok);
    assert_false(ok);
    assert_true(json_is_false(
        json_object_get(json_object_get(json_object_get(j, "verdict"), "signed"), "verified")));
    json_decref(j);
    v->verdict->signature.data[0] ^= 1;
    v->takes[0]->payload.data[v->takes[0]->payload.len - 1] ^= 1; /* filed_at: still decodes */
    ok = true;
    json_decref(sos_json_verdict(v, &ok));
    assert_false(ok);
    sos__verdict__free_unpacked(v, NULL);
}

static void test_tool_and_comparison(void **state)
{
    (void)state;
    Sos__Tool tool;
    sf_tool(&tool, "lintbot", "Lint<Bot>");
    json_t *j = sos_json_tool(&tool);
    assert_string_equal(json_string_value(json_object_get(j, "id")), "lintbot");
    assert_string_equal(json_string_value(json_object_get(j, "name")), "Lint<Bot>"); /* raw */
    assert_string_equal(json_string_value(json_object_get(j, "tier")), "Freemium");
    assert_int_equal(json_integer_value(json_object_get(j, "submitted_at")), 1700000000);
    json_decref(j);
    Sos__Comparison c = SOS__COMPARISON__INIT;
    c.slug = (char *)"a-vs-b";
    c.tool_a = (char *)"a";
    c.tool_b = (char *)"b";
    c.created_at = 5;
    j = sos_json_comparison(&c);
    char *txt = json_dumps(j, JSON_COMPACT | JSON_PRESERVE_ORDER);
    assert_string_equal(txt, "{\"slug\":\"a-vs-b\",\"a\":\"a\",\"b\":\"b\",\"created_at\":5}");
    free(txt);
    json_decref(j);
}

int main(void)
{
    if (sos_sign_init() != 0 || sos_key_generate(&s_key) != 0)
        return 1;
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_verdict_line),
        cmocka_unit_test(test_verdict_envelopes),
        cmocka_unit_test(test_tool_and_comparison),
    };
    int rc = cmocka_run_group_tests(tests, NULL, NULL);
    sos_key_destroy(&s_key);
    return rc;
}
