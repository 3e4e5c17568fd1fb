/* unit.common.text: UTF-8 checks, slugs, folding, enum names. */
#include "testutil.h"

#include <string.h>

#include "text.h"

#define T(s, ok)                                                                                   \
    {                                                                                              \
#s, s, sizeof(s) - 1, ok                                                                   \
    }

static void test_utf8_table(void **state)
{
    (void)state;
    static const struct {
        const char *name;
        const char *s;
        size_t n;
        bool ok;
    } cases[] = {
        T("", true),
        T("plain ASCII, punctuation: !?#~", true),
        T("tab\tnewline\ncarriage return\r", true),
        T("caf\xc3\xa9", true),             /* 2-byte e-acute */
        T("\xc2\x80", true),                /* smallest 2-byte */
        T("\xdf\xbf", true),                /* largest 2-byte */
        T("\xe2\x82\xac euro", true),       /* 3-byte */
        T("\xe0\xa0\x80", true),            /* smallest 3-byte U+0800 */
        T("\xef\xbf\xbd", true),            /* U+FFFD */
        T("\xed\x9f\xbf", true),            /* U+D7FF, just below surrogates */
        T("\xee\x80\x80", true),            /* U+E000, just above */
        T("\xf0\x9f\x9a\x80 rocket", true), /* 4-byte */
        T("\xf0\x90\x80\x80", true),        /* U+10000 */
        T("\xf4\x8f\xbf\xbf", true),        /* U+10FFFF */
        T("\xc0\xaf", false),               /* overlong '/' */
        T("\xc1\xbf", false),               /* overlong */
        T("\xe0\x80\xaf", false),           /* overlong 3-byte */
        T("\xe0\x9f\xbf", false),           /* overlong U+07FF */
        T("\xf0\x80\x80\xaf", false),       /* overlong 4-byte */
        T("\xf0\x8f\xbf\xbf", false),       /* overlong U+FFFF */
        T("\xed\xa0\x80", false),           /* surrogate U+D800 */
        T("\xed\xbf\xbf", false),           /* surrogate U+DFFF */
        T("\xf4\x90\x80\x80", false),       /* U+110000 */
        T("\xf5\x80\x80\x80", false),       /* lead byte beyond U+10FFFF */
        T("\xff", false),
        T("\xfe", false),
        T("\x80", false),            /* lone continuation */
        T("abc\xc3", false),         /* truncated 2-byte at end */
        T("abc\xe2\x82", false),     /* truncated 3-byte at end */
        T("abc\xf0\x9f\x9a", false), /* truncated 4-byte at end */
        T("\xc3(", false),           /* bad continuation */
        T("\xe2\x28\xa1", false),
        T("nul\0inside", false),
        T("bell\a", false),
        T("escape\x1b[0m", false),
        T("\x01", false),
        T("delete\x7f", false),
        T("vertical\vtab", false),
        T("form\ffeed", false),
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        bool got = sos_text_valid(cases[i].s, cases[i].n);
        if (got != cases[i].ok)
            fail_msg("case %zu %s: got %d, want %d", i, cases[i].name, got, cases[i].ok);
    }
    /* the length counts, not the NUL terminator: a prefix that cuts a
     * sequence is invalid, a prefix before it is fine */
    assert_false(sos_text_valid("caf\xc3\xa9", 4));
    assert_true(sos_text_valid("caf\xc3\xa9", 3));
}

static void test_slug_table(void **state)
{
    (void)state;
    static const struct {
        const char *in, *want;
    } cases[] = {
        {"Llama 4 Compact (12B)", "llama-4-compact-12b"},
        {"Mistral Small 3.1", "mistral-small-3-1"},
        {"Code Llama 4 (70B & 400B)", "code-llama-4-70b-400b"},
        {"  --  ", ""},
        {"", ""},
        {"GPT-4o", "gpt-4o"},
        {"  leading and trailing  ", "leading-and-trailing"},
        {"a---b___c", "a-b-c"},
        {"Caf\xc3\xa9 Noir", "caf-noir"}, /* non-ASCII is a separator */
        {"\xc3\xa9t\xc3\xa9", "t"},
        {"ALLCAPS", "allcaps"},
        {"x", "x"},
        {"123", "123"},
    };
    char out[128];
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        memset(out, 'Z', sizeof out);
        size_t n = sos_text_slug(cases[i].in, out, sizeof out);
        if (strcmp(out, cases[i].want) != 0 || n != strlen(cases[i].want))
            fail_msg("slug(\"%s\") = \"%s\" (%zu), want \"%s\"", cases[i].in, out, n,
                     cases[i].want);
    }
    /* capacity bounds the output, always NUL-terminated */
    memset(out, 'Z', sizeof out);
    assert_int_equal(sos_text_slug("abcdefgh", out, 4), 3);
    assert_string_equal(out, "abc");
    assert_int_equal(out[4], 'Z');
    assert_int_equal(sos_text_slug("abc", out, 0), 0);
    assert_int_equal(out[0], 'a'); /* untouched */
    /* a cut at a separator must not leave a trailing '-' */
    assert_int_equal(sos_text_slug("ab cd", out, 4), 2);
    assert_string_equal(out, "ab");
}

static void test_fold(void **state)
{
    (void)state;
    static const char *const same[] = {"Llama 4 Compact (12B)", "llama-4-compact-12b",
                                       "LLAMA4COMPACT12B", " l.l.a.m.a 4 compact 12 b! "};
    char a[128], b[128];
    sos_text_fold(same[0], a, sizeof a);
    assert_string_equal(a, "llama4compact12b");
    for (size_t i = 1; i < sizeof same / sizeof same[0]; i++) {
        assert_int_equal(sos_text_fold(same[i], b, sizeof b), strlen(a));
        assert_string_equal(a, b);
    }
    static const char *const other[] = {"Llama 4 Compact (13B)", "Llama 4 Compact", "Llama4"};
    for (size_t i = 0; i < sizeof other / sizeof other[0]; i++) {
        sos_text_fold(other[i], b, sizeof b);
        assert_string_not_equal(a, b);
    }
    /* non-ASCII letters are kept, so "Caf\xc3\xa9" and "Caf" stay apart */
    sos_text_fold("Caf\xc3\xa9", a, sizeof a);
    sos_text_fold("Caf", b, sizeof b);
    assert_string_not_equal(a, b);
    assert_int_equal(sos_text_fold("!!! ---", a, sizeof a), 0);
    assert_string_equal(a, "");
    assert_int_equal(sos_text_fold("abcdef", a, 3), 2);
    assert_string_equal(a, "ab");
}

static void test_persona(void **state)
{
    (void)state;
    static const struct {
        const char *in;
        Sos__Persona want;
    } cases[] = {
        {"Builder", SOS__PERSONA__PERSONA_BUILDER},
        {"builder", SOS__PERSONA__PERSONA_BUILDER},
        {"SKEPTIC", SOS__PERSONA__PERSONA_SKEPTIC},
        {"Futurist", SOS__PERSONA__PERSONA_FUTURIST},
        {"fOuNdEr", SOS__PERSONA__PERSONA_FOUNDER},
        {"creator", SOS__PERSONA__PERSONA_CREATOR},
        {"", SOS__PERSONA__PERSONA_UNSPECIFIED},
        {"build", SOS__PERSONA__PERSONA_UNSPECIFIED},
        {"builders", SOS__PERSONA__PERSONA_UNSPECIFIED},
        {" Builder", SOS__PERSONA__PERSONA_UNSPECIFIED},
        {"unknown", SOS__PERSONA__PERSONA_UNSPECIFIED},
        {"1", SOS__PERSONA__PERSONA_UNSPECIFIED},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        if (sos_persona_parse(cases[i].in) != cases[i].want)
            fail_msg("persona_parse(\"%s\") = %d, want %d", cases[i].in,
                     sos_persona_parse(cases[i].in), cases[i].want);
    }
    assert_int_equal(sos_persona_parse(NULL), SOS__PERSONA__PERSONA_UNSPECIFIED);
    static const char *const names[] = {"Builder", "Skeptic", "Futurist", "Founder", "Creator"};
    for (int p = 1; p <= 5; p++) {
        assert_string_equal(sos_persona_name((Sos__Persona)p), names[p - 1]);
        assert_int_equal(sos_persona_parse(sos_persona_name((Sos__Persona)p)), p);
    }
    assert_string_equal(sos_persona_name(SOS__PERSONA__PERSONA_UNSPECIFIED), "unknown");
    assert_string_equal(sos_persona_name((Sos__Persona)6), "unknown");
}

static void test_tier_label(void **state)
{
    (void)state;
    static const struct {
        const char *in;
        Sos__Tier want;
    } cases[] = {
        {"Free", SOS__TIER__TIER_FREE},         {"free", SOS__TIER__TIER_FREE},
        {"PAID", SOS__TIER__TIER_PAID},         {"Freemium", SOS__TIER__TIER_FREEMIUM},
        {"freemium", SOS__TIER__TIER_FREEMIUM}, {"", SOS__TIER__TIER_UNSPECIFIED},
        {"Fre", SOS__TIER__TIER_UNSPECIFIED},   {"premium", SOS__TIER__TIER_UNSPECIFIED},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        if (sos_tier_parse(cases[i].in) != cases[i].want)
            fail_msg("tier_parse(\"%s\") = %d, want %d", cases[i].in, sos_tier_parse(cases[i].in),
                     cases[i].want);
    }
    assert_int_equal(sos_tier_parse(NULL), SOS__TIER__TIER_UNSPECIFIED);
    static const char *const tiers[] = {"Free", "Paid", "Freemium"};
    for (int t = 1; t <= 3; t++) {
        assert_string_equal(sos_tier_name((Sos__Tier)t), tiers[t - 1]);
        assert_int_equal(sos_tier_parse(tiers[t - 1]), t);
    }
    assert_string_equal(sos_tier_name(SOS__TIER__TIER_UNSPECIFIED), "unknown");
    assert_string_equal(sos_tier_name((Sos__Tier)4), "unknown");

    assert_string_equal(sos_label_name(SOS__LABEL__LABEL_SHIP), "Ship");
    assert_string_equal(sos_label_name(SOS__LABEL__LABEL_SKIP), "Skip");
    assert_string_equal(sos_label_name(SOS__LABEL__LABEL_SPLIT), "Split");
    assert_string_equal(sos_label_name(SOS__LABEL__LABEL_UNSPECIFIED), "Pending");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_utf8_table), cmocka_unit_test(test_slug_table),
        cmocka_unit_test(test_fold),       cmocka_unit_test(test_persona),
        cmocka_unit_test(test_tier_label),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
