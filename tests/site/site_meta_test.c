/* unit.site.site_meta: dates and people on the pages (clients/site/
 * site_meta.c), the "How we review" page (site_review.c) and the links to
 * it, and the bookmarks box without JavaScript (issue 14, items 2 and 7). */
#include "sitefix.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "site.h"
#include "site_int.h"
#include "text.h"

static sos_key *s_key;

#define S_FINAL_A 1796549400 /* 2026-12-06T09:30:00Z */
#define S_FINAL_B 1795874700 /* 2026-11-28T14:05:00Z */
#define S_FILED 1733011200   /* 2024-12-01T00:00:00Z */

typedef struct {
    Sos__Tool ta, tb;
    site_tool a, b;
    site_opts o;
    sos_buf page;
} s_fix;

static const sf_take s_takes[] = {
    {SOS__PERSONA__PERSONA_BUILDER, 90, true, "Quick to set up."},
    {SOS__PERSONA__PERSONA_CREATOR, 40, false, "Flat output."},
};

static int s_setup(void **state)
{
    s_fix *f = calloc(1, sizeof *f);
    sf_tool(&f->ta, "alpha", "Alpha");
    sf_tool(&f->tb, "beta", "Beta");
    assert_int_equal(
        site_tool_load(sf_verdict_filed(s_key, &f->ta, s_takes, 2, S_FINAL_A, S_FILED), 1, &f->a),
        0);
    /* no filed_at: an import from before the catalogue carried one */
    assert_int_equal(
        site_tool_load(sf_verdict_filed(s_key, &f->tb, s_takes, 2, S_FINAL_B, 0), 2, &f->b), 0);
    f->o = (site_opts){"https://example.org", "2026-12-06T09:30:00Z"};
    *state = f;
    return 0;
}

static int s_teardown(void **state)
{
    s_fix *f = *state;
    site_tool_clear(&f->a);
    site_tool_clear(&f->b);
    sos_buf_free(&f->page);
    free(f);
    return 0;
}

static const char *s_str(sos_buf *b)
{
    sos_buf_append(b, "", 1);
    b->len--;
    return (const char *)b->data;
}

static void test_time_element(void **state)
{
    (void)state;
    sos_buf b = SOS_BUF_INIT;
    site_time_html(0, &b);
    assert_int_equal(b.len, 0); /* no time: nothing, never 1 Jan 1970 */
    site_time_html(S_FINAL_A, &b);
    assert_string_equal(s_str(&b), "<time datetime=\"2026-12-06T09:30:00Z\">6 Dec 2026</time>");
    sos_buf_reset(&b);
    site_time_html(S_FILED, &b);
    assert_string_equal(s_str(&b), "<time datetime=\"2024-12-01T00:00:00Z\">1 Dec 2024</time>");
    sos_buf_free(&b);
}

/* The tool page: its verdict's date, "Updated", each take's filing date. */
static void test_tool_page_dates(void **state)
{
    s_fix *f = *state;
    site_tool_html(&f->o, &f->a, NULL, NULL, 0, &f->page);
    const char *p = s_str(&f->page);
    assert_non_null(strstr(p, "</h1>\n<p class=\"dates\">Updated <time "
                              "datetime=\"2026-12-06T09:30:00Z\">6 Dec 2026</time></p>\n<p "
                              "class=\"lede\">"));
    assert_non_null(strstr(p, "<p class=\"dates\">Verdict published <time "
                              "datetime=\"2026-12-06T09:30:00Z\">6 Dec 2026</time></p>"));
    assert_int_equal(sf_count(p, "<p class=\"dates\">Filed <time datetime=\"2024-12-01T00:00:00Z\">"
                                 "1 Dec 2024</time></p>"),
                     2);
    assert_int_equal(sf_count(p, "<time "), 4);

    /* takes with filed_at 0 show no date at all */
    sos_buf_reset(&f->page);
    site_tool_html(&f->o, &f->b, NULL, NULL, 0, &f->page);
    p = s_str(&f->page);
    assert_null(strstr(p, "Filed"));
    assert_null(strstr(p, "1970"));
    assert_int_equal(sf_count(p, "<time "), 2);
    assert_non_null(
        strstr(p, "Updated <time datetime=\"2026-11-28T14:05:00Z\">28 Nov 2026</time>"));
}

/* The comparison page: each card its own verdict's date; "Updated" is the
 * later one, as the sitemap's lastmod. */
static void test_compare_page_dates(void **state)
{
    s_fix *f = *state;
    Sos__Comparison c = SOS__COMPARISON__INIT;
    c.slug = (char *)"beta-vs-alpha";
    c.tool_a = (char *)"beta";
    c.tool_b = (char *)"alpha";
    c.created_at = 1;
    site_compare_html(&f->o, &c, &f->b, &f->a, &f->page);
    const char *p = s_str(&f->page);
    assert_non_null(
        strstr(p, "<p class=\"dates\">Updated <time datetime=\"2026-12-06T09:30:00Z\">"));
    const char *pb = strstr(p, "Verdict published <time datetime=\"2026-11-28T14:05:00Z\">"),
               *pa = strstr(p, "Verdict published <time datetime=\"2026-12-06T09:30:00Z\">");
    assert_true(pb && pa && pb < pa); /* the cards in the comparison's order */
    assert_int_equal(sf_count(p, "<p class=\"dates\">Filed "), 2); /* alpha's two, not beta's */
    assert_int_equal(site_updated_at(&f->b, &f->a), S_FINAL_A);
    assert_int_equal(site_updated_at(&f->a, &f->b), S_FINAL_A);
    assert_int_equal(site_updated_at(&f->b, NULL), S_FINAL_B);

    sos_buf map = SOS_BUF_INIT;
    const site_tool *tools[] = {&f->a, &f->b}, *pairs[] = {&f->b, &f->a};
    const Sos__Comparison *cmps[] = {&c};
    site_sitemap(&f->o, tools, 2, cmps, pairs, 1, &map);
    assert_non_null(strstr(s_str(&map), "/compare/beta-vs-alpha/</loc><lastmod>"
                                        "2026-12-06T09:30:00Z</lastmod>"));
    sos_buf_free(&map);
}

/* Each persona's take comes with what the persona judges, from the one
 * table; every persona has a line. */
static void test_persona_lines(void **state)
{
    s_fix *f = *state;
    site_tool_html(&f->o, &f->a, NULL, NULL, 0, &f->page);
    const char *p = s_str(&f->page);
    for (int i = 1; i <= 5; i++) {
        const char *j = site_persona_judges((Sos__Persona)i);
        assert_non_null(j);
        assert_true(strlen(j) > 10 && strlen(j) < 80);
        char want[200];
        snprintf(want, sizeof want, "<th scope=\"row\">%s<p class=\"judges\">Judges %s.</p></th>",
                 sos_persona_name((Sos__Persona)i), j);
        assert_non_null(strstr(p, want)); /* the tool page has a row per persona */
    }
    assert_null(site_persona_judges(SOS__PERSONA__PERSONA_UNSPECIFIED));
    assert_null(site_persona_judges((Sos__Persona)6));
    assert_non_null(strstr(site_persona_judges(SOS__PERSONA__PERSONA_BUILDER), "developer"));
    assert_non_null(strstr(site_persona_judges(SOS__PERSONA__PERSONA_SKEPTIC), "claims"));
}

static void test_review_page(void **state)
{
    s_fix *f = *state;
    site_review_html(&f->o, &f->page);
    const char *p = s_str(&f->page);
    assert_int_equal(sf_count(p, "<h1>"), 1);
    assert_non_null(strstr(p, "<title>How We Review \xe2\x80\x94 Ship or Skip</title>"));
    assert_non_null(
        strstr(p, "<link rel=\"canonical\" href=\"https://example.org/how-we-review/\">"));
    assert_null(strstr(p, "application/json\" href=\"index.json")); /* no twin */
    assert_null(strstr(p, "This page as JSON"));
    assert_non_null(strstr(p, "<link rel=\"stylesheet\" href=\"../assets/site.css\">"));
    for (int i = 1; i <= 5; i++) {
        char want[200];
        snprintf(want, sizeof want, "<li><strong>%s</strong> judges %s.</li>",
                 sos_persona_name((Sos__Persona)i), site_persona_judges((Sos__Persona)i));
        assert_non_null(strstr(p, want));
    }
    static const char *const facts[] = {"<code>[scoring] quorum</code>",
                                        "<code>quorum:4</code>",
                                        "<code>editor</code>",
                                        "<strong>Split</strong> when",
                                        "rounded to a whole percent",
                                        "<code>shiporskip/take/v1</code>",
                                        "<code>shiporskip/verdict/v1</code>",
                                        "sos verify DIR",
                                        "Ed25519"};
    for (size_t i = 0; i < sizeof facts / sizeof *facts; i++)
        if (!strstr(p, facts[i]))
            fail_msg("the page does not say %s", facts[i]);
    /* nothing on it comes from the data: the same bytes for any release */
    sos_buf other = SOS_BUF_INIT;
    site_opts o2 = {"https://example.org", "2030-01-01T00:00:00Z"};
    site_review_html(&o2, &other);
    assert_string_equal(s_str(&other), p);
    sos_buf_free(&other);
}

/* Every page's foot links to how-we-review/, relative to where it is. */
static void test_every_page_links_review(void **state)
{
    s_fix *f = *state;
    Sos__Comparison c = SOS__COMPARISON__INIT;
    c.slug = (char *)"alpha-vs-beta";
    c.tool_a = (char *)"alpha";
    c.tool_b = (char *)"beta";
    const site_tool *tools[] = {&f->a, &f->b}, *pairs[] = {&f->a, &f->b};
    const Sos__Comparison *cmps[] = {&c};
    static const char *const want[] = {
        "<a href=\"../../how-we-review/index.html\">How we review</a>",
        "<a href=\"../../how-we-review/index.html\">How we review</a>",
        "<a href=\"how-we-review/index.html\">How we review</a>",
        "<a href=\"/how-we-review/index.html\">How we review</a>",
        "<a href=\"../how-we-review/index.html\">How we review</a>",
    };
    for (int i = 0; i < 5; i++) {
        sos_buf_reset(&f->page);
        switch (i) {
        case 0: site_tool_html(&f->o, &f->a, NULL, NULL, 0, &f->page); break;
        case 1: site_compare_html(&f->o, &c, &f->a, &f->b, &f->page); break;
        case 2: site_index_html(&f->o, tools, 2, cmps, pairs, 1, &f->page); break;
        case 3: site_404_html(&f->o, &f->page); break;
        default: site_review_html(&f->o, &f->page); break;
        }
        const char *p = s_str(&f->page);
        if (sf_count(p, want[i]) != 1)
            fail_msg("page %d does not link %s once", i, want[i]);
        assert_non_null(strstr(p, "<footer class=\"site\">"));
        assert_true(strstr(p, want[i]) > strstr(p, "<footer class=\"site\">"));
    }
}

/* Without JavaScript the bookmarks box says so (never "Loading" forever)
 * and the Bookmark buttons, which could do nothing, stay hidden; the
 * script reveals them and says each change in a polite live region. */
static void test_bookmarks_without_script(void **state)
{
    s_fix *f = *state;
    site_tool_html(&f->o, &f->a, NULL, NULL, 0, &f->page);
    const char *p = s_str(&f->page);
    assert_null(strstr(p, "Loading"));
    assert_non_null(strstr(p, "<p class=\"bm-nojs\">Bookmarks need JavaScript"));
    assert_non_null(
        strstr(p, "<div class=\"bm-status\" role=\"status\" aria-live=\"polite\"></div>"));
    assert_int_equal(sf_count(p, "<button "), sf_count(p, " hidden data-id=\""));
    assert_int_equal(sf_count(p, "<button "), 1);
    const char *js = site_asset("site.js");
    assert_non_null(strstr(js, "querySelector('.bm-nojs').hidden=true"));
    assert_non_null(strstr(js, "btn.hidden=false"));
    assert_non_null(strstr(js, "say('Bookmarked '+name+'.')"));
    assert_non_null(strstr(js, "say('Removed '+name+' from your bookmarks.')"));
}

int main(void)
{
    if (sos_sign_init() != 0 || sos_key_generate(&s_key) != 0)
        return 1;
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_time_element),
        cmocka_unit_test_setup_teardown(test_tool_page_dates, s_setup, s_teardown),
        cmocka_unit_test_setup_teardown(test_compare_page_dates, s_setup, s_teardown),
        cmocka_unit_test_setup_teardown(test_persona_lines, s_setup, s_teardown),
        cmocka_unit_test_setup_teardown(test_review_page, s_setup, s_teardown),
        cmocka_unit_test_setup_teardown(test_every_page_links_review, s_setup, s_teardown),
        cmocka_unit_test_setup_teardown(test_bookmarks_without_script, s_setup, s_teardown),
    };
    int rc = cmocka_run_group_tests(tests, NULL, NULL);
    sos_key_destroy(&s_key);
    return rc;
}
