/* unit.site.site_index: the index pages of clients/site/site_index.c.
 * Rows newest first by signed time, ties by id / slug; each comparison row
 * names which tool has which verdict, with the answer line; dates in UTC;
 * the finder hidden until its script runs, its data in the page naming
 * exactly the rows, with no markup breaking out of it; compare/ and tools/
 * pages and twins of their own. */
#include "sitefix.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "html.h"
#include "site.h"

static sos_key *s_key;

#define S_EVIL "Evil</script><!--<b>x</b>"

typedef struct {
    Sos__Tool tool[3];
    site_tool t[3]; /* a (t 1796549405), b (t 100), c (t 1796549405): a and c tie */
    site_opts o;
} s_fix;

static int s_setup(void **state)
{
    s_fix *f = calloc(1, sizeof *f);
    static const char *const ids[] = {"aa", "bb", "cc"};
    static const char *const names[] = {"Alpha " S_EVIL, "Beta", "Gamma"};
    static const uint64_t when[] = {1796549405, 100, 1796549405};
    static const sf_take skip[] = {{SOS__PERSONA__PERSONA_BUILDER, 20, false, "no"},
                                   {SOS__PERSONA__PERSONA_SKEPTIC, 10, false, "no"}};
    for (int i = 0; i < 3; i++) {
        sf_tool(&f->tool[i], ids[i], names[i]);
        if (i == 2)
            f->tool[i].category = (char *)"Image & \"art\"";
        Sos__Verdict *v = i == 1 ? sf_verdict(s_key, &f->tool[i], skip, 2, when[i])
                                 : sf_verdict4(s_key, &f->tool[i], when[i]);
        assert_int_equal(site_tool_load(v, (uint64_t)i + 1, &f->t[i]), 0);
    }
    f->o = (site_opts){"https://example.org", "2026-12-06T09:30:05Z"};
    *state = f;
    return 0;
}

static int s_teardown(void **state)
{
    s_fix *f = *state;
    for (int i = 0; i < 3; i++)
        site_tool_clear(&f->t[i]);
    free(f);
    return 0;
}

static void s_cmp(Sos__Comparison *c, const char *slug, const char *a, const char *b,
                  uint64_t created)
{
    *c = (Sos__Comparison)SOS__COMPARISON__INIT;
    c->slug = (char *)slug;
    c->tool_a = (char *)a;
    c->tool_b = (char *)b;
    c->created_at = created;
}

static const char *s_str(sos_buf *b)
{
    sos_buf_append(b, "", 1);
    b->len--;
    return (const char *)b->data;
}

/* Newest first: tools by finalized_at, comparisons by the later of
 * created_at and their verdicts' finalized_at; ties by id and by slug. */
static void test_order(void **state)
{
    s_fix *f = *state;
    Sos__Comparison c1, c2, c3;
    s_cmp(&c1, "bb-vs-cc", "bb", "cc", 50);            /* cc's time: 1796549405 */
    s_cmp(&c2, "zz-bb-vs-bb", "bb", "bb", 1796549999); /* its own, newest */
    s_cmp(&c3, "aa-vs-bb", "aa", "bb", 60);            /* aa's time: ties c1, slug first */
    const site_tool *tools[] = {&f->t[1], &f->t[2], &f->t[0]};
    const Sos__Comparison *cmps[] = {&c1, &c2, &c3};
    const site_tool *pairs[] = {&f->t[1], &f->t[2], &f->t[1], &f->t[1], &f->t[0], &f->t[1]};
    site_index_order(tools, 3, cmps, pairs, 3);
    assert_ptr_equal(tools[0], &f->t[0]);
    assert_ptr_equal(tools[1], &f->t[2]);
    assert_ptr_equal(tools[2], &f->t[1]);
    assert_ptr_equal(cmps[0], &c2);
    assert_ptr_equal(cmps[1], &c3);
    assert_ptr_equal(cmps[2], &c1);
    /* the pairs moved with their comparisons */
    assert_ptr_equal(pairs[2], &f->t[0]);
    assert_ptr_equal(pairs[3], &f->t[1]);
    assert_ptr_equal(pairs[4], &f->t[1]);
    assert_ptr_equal(pairs[5], &f->t[2]);
    assert_int_equal(site_index_cmp_time(&c2, &f->t[1], &f->t[1]), 1796549999);
    assert_int_equal(site_index_cmp_time(&c1, &f->t[1], &f->t[2]), 1796549405);
    site_index_order(tools, 0, cmps, pairs, 0); /* nothing to sort: fine */
}

/* The home page: every row, its date, which tool has which verdict, the
 * answer; the finder hidden, labelled, its count a polite live region;
 * hostile names escaped everywhere, in the finder's data too. */
static void test_home(void **state)
{
    s_fix *f = *state;
    Sos__Comparison c;
    s_cmp(&c, "aa-vs-bb", "aa", "bb", 60);
    const site_tool *tools[] = {&f->t[0], &f->t[2], &f->t[1]};
    const Sos__Comparison *cmps[] = {&c};
    const site_tool *pairs[] = {&f->t[0], &f->t[1]};
    sos_buf b = SOS_BUF_INIT;
    site_list_html(&f->o, SITE_LIST_HOME, tools, 3, cmps, pairs, 1, &b);
    const char *page = s_str(&b);
    assert_null(strstr(page, S_EVIL));
    assert_null(strstr(page, "<b>x"));
    assert_non_null(strstr(page, "<li data-key=\"c:aa-vs-bb\"><p class=\"row-head\"><a "
                                 "href=\"compare/aa-vs-bb/index.html\">Alpha Evil&lt;/script&gt;"));
    assert_non_null(strstr(page, "<time datetime=\"2026-12-06T09:30:05Z\">6 Dec 2026</time>"));
    assert_non_null(strstr(page, "<time datetime=\"1970-01-01T00:01:40Z\">1 Jan 1970</time>"));
    /* which tool has which verdict: Alpha ships, Beta is skipped */
    assert_non_null(strstr(page, "&lt;/b&gt;: <span class=\"badge ship\">Ship \xc2\xb7 3 ship / 1 "
                                 "skip</span></span><span class=\"sep\"> \xe2\x80\x94 </span><span "
                                 "class=\"side\">Beta: <span "
                                 "class=\"badge skip\">Skip \xc2\xb7 0 ship / 2 skip</span>"));
    char *answer = site_answer_line(f->t[0].body, f->t[0].v->tool->name, f->t[1].body, "Beta");
    sos_buf esc = SOS_BUF_INIT;
    html_text(&esc, answer);
    assert_non_null(strstr(page, "<p class=\"row-answer\">"));
    assert_non_null(strstr(page, s_str(&esc)));
    assert_non_null(strstr(answer, "Ship Alpha"));
    free(answer);
    sos_buf_free(&esc);
    /* the rows in the order given, tools after comparisons */
    const char *k1 = strstr(page, "data-key=\"c:aa-vs-bb\""),
               *k2 = strstr(page, "data-key=\"t:aa\""), *k3 = strstr(page, "data-key=\"t:cc\""),
               *k4 = strstr(page, "data-key=\"t:bb\"");
    assert_true(k1 && k2 && k3 && k4 && k1 < k2 && k2 < k3 && k3 < k4);
    /* the finder: hidden without the script, labelled, announced */
    assert_non_null(strstr(page, "<form class=\"finder\" role=\"search\" aria-label=\"Find "
                                 "comparisons and tools\" hidden>"));
    assert_non_null(strstr(page, "<label for=\"finder-q\">Search</label> <input type=\"search\" "
                                 "id=\"finder-q\""));
    assert_non_null(strstr(page, "<label for=\"finder-cat\">Category</label> <select "
                                 "id=\"finder-cat\">"));
    /* the finder's count, and the bookmarks' status every page has */
    assert_int_equal(sf_count(page, "<p class=\"finder-count\" aria-live=\"polite\">"), 1);
    assert_int_equal(sf_count(page, "aria-live=\"polite\""), 2);
    assert_non_null(strstr(page, "<a href=\"compare/index.html\">All comparisons</a>"));
    assert_non_null(strstr(page, "<a href=\"tools/index.html\">All tools</a>"));
    /* its data: one entry a row, same keys, no '<' (nothing breaks out) */
    const char *open = "<script type=\"application/json\" id=\"sos-finder\">";
    const char *d = strstr(page, open);
    assert_non_null(d);
    d += strlen(open);
    const char *end = strstr(d, "</script>");
    assert_non_null(end);
    assert_null(memchr(d, '<', (size_t)(end - d)));
    char *text = strndup(d, (size_t)(end - d));
    json_error_t err;
    json_t *data = json_loads(text, 0, &err);
    if (!data)
        fail_msg("finder data does not parse: %s", err.text);
    assert_int_equal(json_array_size(data), 4);
    static const char *const keys[] = {"c:aa-vs-bb", "t:aa", "t:cc", "t:bb"};
    for (size_t i = 0; i < 4; i++)
        assert_string_equal(json_string_value(json_object_get(json_array_get(data, i), "k")),
                            keys[i]);
    json_t *cc = json_array_get(data, 2);
    assert_string_equal(json_string_value(json_array_get(json_object_get(cc, "cat"), 0)),
                        "Image & \"art\"");
    assert_non_null(strstr(json_string_value(json_object_get(json_array_get(data, 1), "q")),
                           S_EVIL)); /* the text as it is, escaped only in transport */
    /* a comparison of two categories lists both, once each */
    assert_int_equal(json_array_size(json_object_get(json_array_get(data, 0), "cat")), 1);
    json_decref(data);
    free(text);
    sos_buf_free(&b);
}

/* compare/index.html and tools/index.html: their own rows only, links up
 * to the site, the twins' rows with hrefs relative to themselves. */
static void test_lists(void **state)
{
    s_fix *f = *state;
    Sos__Comparison c;
    s_cmp(&c, "cc-vs-bb", "cc", "bb", 60);
    const site_tool *tools[] = {&f->t[0], &f->t[2], &f->t[1]};
    const Sos__Comparison *cmps[] = {&c};
    const site_tool *pairs[] = {&f->t[2], &f->t[1]};
    sos_buf b = SOS_BUF_INIT;
    site_list_html(&f->o, SITE_LIST_COMPARE, tools, 3, cmps, pairs, 1, &b);
    const char *page = s_str(&b);
    assert_non_null(strstr(page, "<a href=\"../compare/cc-vs-bb/index.html\">Gamma vs Beta</a>"));
    assert_null(strstr(page, "data-key=\"t:"));
    assert_non_null(strstr(page, "<link rel=\"canonical\" href=\"https://example.org/compare/\">"));
    assert_non_null(strstr(page, "<a href=\"../index.html\">Home</a>"));
    assert_non_null(strstr(page, "<script src=\"../assets/site.js\"></script>"));
    assert_int_equal(sf_count(page, "<h1>"), 1);
    sos_buf_reset(&b);
    site_list_html(&f->o, SITE_LIST_TOOLS, tools, 3, cmps, pairs, 1, &b);
    page = s_str(&b);
    assert_null(strstr(page, "data-key=\"c:"));
    assert_int_equal(sf_count(page, "<tr data-key=\"t:"), 3);
    assert_non_null(strstr(page, "<a href=\"../tools/cc/index.html\">Gamma</a>"));
    assert_non_null(strstr(page, "<td data-label=\"Category\">Image &amp; &quot;art&quot;</td>"));
    sos_buf_reset(&b);

    static const struct {
        site_list which;
        const char *type, *list, *href;
        size_t n;
    } twins[] = {{SITE_LIST_COMPARE, "comparisons", "comparisons", "cc-vs-bb/index.json", 1},
                 {SITE_LIST_TOOLS, "tools", "tools", "aa/index.json", 3},
                 {SITE_LIST_HOME, "index", "tools", "tools/aa/index.json", 3}};
    for (size_t i = 0; i < 3; i++) {
        sos_buf_reset(&b);
        site_list_json_text(&f->o, twins[i].which, tools, 3, cmps, pairs, 1, &b);
        json_error_t err;
        json_t *j = json_loadb((const char *)b.data, b.len, 0, &err);
        if (!j)
            fail_msg("twin %zu does not parse: %s", i, err.text);
        assert_string_equal(json_string_value(json_object_get(j, "type")), twins[i].type);
        json_t *list = json_object_get(j, twins[i].list);
        assert_int_equal(json_array_size(list), twins[i].n);
        assert_string_equal(json_string_value(json_object_get(json_array_get(list, 0), "href")),
                            twins[i].href);
        /* only the home twin carries the release time */
        assert_true((json_object_get(j, "updated") != NULL) == (twins[i].which == SITE_LIST_HOME));
        json_decref(j);
    }
    sos_buf_free(&b);
}

/* With nothing published the pages still stand, and say so. */
static void test_empty(void **state)
{
    s_fix *f = *state;
    sos_buf b = SOS_BUF_INIT;
    site_list_html(&f->o, SITE_LIST_COMPARE, NULL, 0, NULL, NULL, 0, &b);
    assert_non_null(strstr(s_str(&b), "<p>No comparisons published yet.</p>"));
    assert_non_null(strstr(s_str(&b), "id=\"sos-finder\">[\n]</script>"));
    sos_buf_reset(&b);
    site_list_json_text(&f->o, SITE_LIST_TOOLS, NULL, 0, NULL, NULL, 0, &b);
    assert_string_equal(s_str(&b), "{\n  \"type\": \"tools\",\n  \"base_url\": "
                                   "\"https://example.org\",\n  \"tools\": []\n}\n");
    sos_buf_free(&b);
}

/* The finder's script: it reads the embedded data (no request), hides
 * rows, announces the count. */
static void test_script(void **state)
{
    (void)state;
    const char *js = site_asset("site.js"), *css = site_asset("site.css");
    assert_non_null(strstr(js, "getElementById('sos-finder')"));
    assert_null(strstr(js, "fetch("));
    assert_null(strstr(js, "XMLHttpRequest"));
    assert_non_null(strstr(js, "el.hidden=!ok"));
    assert_non_null(strstr(js, "form.hidden=false"));
    assert_non_null(strstr(css, "[hidden]{display:none!important}"));
}

/* A flushing sink: what it is handed, and the most it held. */
typedef struct {
    sos_buf all;
    size_t calls, most;
} s_taken;

static int s_take(site_sink *sk)
{
    s_taken *t = sk->ctx;
    t->calls++;
    if (sk->buf.len > t->most)
        t->most = sk->buf.len;
    sos_buf_append(&t->all, sk->buf.data, sk->buf.len);
    sos_buf_reset(&sk->buf);
    return 0;
}

/* A page and a twin of 3,000 rows through a flushing sink: handed over
 * in chunks of about SITE_SINK_CHUNK (never the whole page held), the
 * same bytes as made whole. */
static void test_sink(void **state)
{
    s_fix *f = *state;
    enum { N = 3000 };
    const site_tool **tools = calloc(N, sizeof *tools), **pairs = calloc(2 * N, sizeof *pairs);
    const Sos__Comparison **cmps = calloc(N, sizeof *cmps);
    Sos__Comparison c;
    s_cmp(&c, "aa-vs-cc", "aa", "cc", 60);
    for (size_t i = 0; i < N; i++) {
        tools[i] = &f->t[i % 3];
        cmps[i] = &c;
        pairs[2 * i] = &f->t[0];
        pairs[2 * i + 1] = &f->t[2];
    }
    for (int k = 0; k < 2; k++) {
        s_taken t = {SOS_BUF_INIT, 0, 0};
        site_sink sk = {SOS_BUF_INIT, s_take, &t, false};
        sos_buf whole = SOS_BUF_INIT;
        if (k == 0) {
            site_list_html_to(&f->o, SITE_LIST_HOME, tools, N, cmps, pairs, N, &sk);
            site_list_html(&f->o, SITE_LIST_HOME, tools, N, cmps, pairs, N, &whole);
        } else {
            site_list_json_to(&f->o, SITE_LIST_HOME, tools, N, cmps, pairs, N, &sk);
            site_list_json_text(&f->o, SITE_LIST_HOME, tools, N, cmps, pairs, N, &whole);
        }
        s_take(&sk); /* the rest, as the caller does */
        assert_false(sk.failed);
        assert_true(whole.len > 8 * SITE_SINK_CHUNK);
        assert_true(t.calls > 8);
        assert_true(t.most < SITE_SINK_CHUNK + 4096);
        assert_int_equal(t.all.len, whole.len);
        assert_memory_equal(t.all.data, whole.data, whole.len);
        sos_buf_free(&t.all);
        sos_buf_free(&sk.buf);
        sos_buf_free(&whole);
    }
    free(tools);
    free(pairs);
    free(cmps);
}

int main(void)
{
    if (sos_sign_init() != 0 || sos_key_generate(&s_key) != 0)
        return 1;
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_order, s_setup, s_teardown),
        cmocka_unit_test_setup_teardown(test_home, s_setup, s_teardown),
        cmocka_unit_test_setup_teardown(test_lists, s_setup, s_teardown),
        cmocka_unit_test_setup_teardown(test_empty, s_setup, s_teardown),
        cmocka_unit_test_setup_teardown(test_sink, s_setup, s_teardown),
        cmocka_unit_test(test_script),
    };
    int rc = cmocka_run_group_tests(tests, NULL, NULL);
    sos_key_destroy(&s_key);
    return rc;
}
