/* unit.site.site: the pages of clients/site/site.c and site_feeds.c built
 * from hostile records: no string from a tool or a take adds markup, a
 * script, an event handler or a link of its own, and every one reads
 * back as written. */
#include "sitefix.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "html.h"
#include "json.h"
#include "site.h"

static sos_key *s_key;

#define S_NAME "Evil</title><script>alert(1)</script>"
#define S_TAGLINE "\"><img src=x onerror=alert(1)>"
#define S_DESC "</script><script>alert(2)</script><!--"
#define S_VENDOR "<b>Vendor</b> & 'co'"
#define S_TAKE "' onmouseover='alert(3)' x='\" autofocus onfocus=\"alert(4)"

typedef struct {
    Sos__Tool evil, good;
    site_tool te, tg;
    site_opts o;
} s_fix;

static int s_setup(void **state)
{
    s_fix *f = calloc(1, sizeof *f);
    sf_tool(&f->evil, "evil", S_NAME);
    f->evil.tagline = (char *)S_TAGLINE;
    f->evil.description = (char *)S_DESC;
    f->evil.vendor = (char *)S_VENDOR;
    f->evil.pricing = (char *)"<u>$1</u>";
    f->evil.category = (char *)"AI & \"ML\"";
    f->evil.link = (char *)"javascript:alert(5)";
    sf_tool(&f->good, "good", "Good Tool");
    f->good.link = (char *)"https://example.org/?a=1&b=\"2\"";
    static const sf_take takes[] = {
        {SOS__PERSONA__PERSONA_BUILDER, 90, true, S_TAKE},
        {SOS__PERSONA__PERSONA_SKEPTIC, 10, false, "</td></tr></table><script>alert(6)</script>"},
    };
    assert_int_equal(site_tool_load(sf_verdict(s_key, &f->evil, takes, 2, 1735689600), 7, &f->te),
                     0);
    assert_int_equal(site_tool_load(sf_verdict4(s_key, &f->good, 1735689700), 8, &f->tg), 0);
    f->o = (site_opts){"https://example.org", "2025-01-01T00:01:40Z"};
    *state = f;
    return 0;
}

static int s_teardown(void **state)
{
    s_fix *f = *state;
    site_tool_clear(&f->te);
    site_tool_clear(&f->tg);
    free(f);
    return 0;
}

static const char *s_str(sos_buf *b)
{
    sos_buf_append(b, "", 1);
    b->len--;
    return (const char *)b->data;
}

/* The page's markup, read the way a browser tokenizes it (every '<' in
 * escaped text is an entity, so each one left is a tag): only the
 * template's elements, no attribute named on*, no href or src that is not
 * relative or http(s); no '<' inside a script
 * element. Returns the number of script elements. */
static size_t s_check_markup(const char *page)
{
    static const char *const tags[] = {
        "html",    "head",   "meta", "title",  "link",   "script", "body",  "a",
        "header",  "main",   "nav",  "span",   "p",      "h1",     "h2",    "section",
        "article", "div",    "ul",   "li",     "button", "table",  "thead", "tbody",
        "tr",      "td",     "th",   "aside",  "footer", "form",   "label", "input",
        "select",  "option", "time", "strong", "code",   "pre"};
    size_t scripts = 0;
    for (const char *p = strchr(page, '<'); p; p = strchr(p, '<')) {
        p++;
        if (strncasecmp(p, "!doctype", 8) == 0) {
            p = strchr(p, '>');
            continue;
        }
        bool end = *p == '/';
        p += end;
        size_t n = strspn(p, "abcdefghijklmnopqrstuvwxyz0123456789");
        size_t k = 0;
        while (k < sizeof tags / sizeof tags[0] &&
               !(strlen(tags[k]) == n && !strncmp(p, tags[k], n)))
            k++;
        if (k == sizeof tags / sizeof tags[0])
            fail_msg("element not from the template: <%.20s", p - end);
        bool script = !end && n == 6 && !strncmp(p, "script", 6);
        p += n;
        for (;;) { /* attributes */
            p += strspn(p, " \t\n/");
            if (*p == '>' || !*p)
                break;
            size_t an = strcspn(p, "= \t\n>");
            if (an >= 2 && strncasecmp(p, "on", 2) == 0)
                fail_msg("event handler attribute: %.30s", p);
            bool url = (an == 4 && !strncmp(p, "href", 4)) || (an == 3 && !strncmp(p, "src", 3));
            p += an;
            if (*p != '=')
                continue;
            p++;
            char q = *p == '"' || *p == '\'' ? *p++ : ' ';
            const char *v = p, *ve = q == ' ' ? p + strcspn(p, " >") : strchr(p, q);
            assert_non_null(ve);
            if (url) {
                size_t vl = (size_t)(ve - v), colon = strcspn(v, ":/");
                bool relative = colon >= vl || v[colon] == '/';
                bool ok = relative || !strncmp(v, "https://", 8) || !strncmp(v, "http://", 7);
                if (!ok)
                    fail_msg("href/src not relative or http(s): %.40s", v);
            }
            p = ve + (q != ' ');
        }
        if (script) { /* no '<' inside: no "</script", no "<!--" */
            scripts++;
            const char *body = p + 1;
            p = strstr(body, "</script>");
            assert_non_null(p);
            if (memchr(body, '<', (size_t)(p - body)))
                fail_msg("'<' inside a script element: %.60s", body);
        }
    }
    return scripts;
}

/* What every page must satisfy whatever the data: the template's markup
 * only, its own scripts (JSON-LD when it has one, and assets/site.js) and
 * one title and h1. */
static void s_check_page(const char *page, size_t ld_blocks)
{
    /* an index page's finder data (one block at most) */
    size_t finder = sf_count(page, "<script type=\"application/json\" id=\"sos-finder\">");
    assert_true(finder <= 1);
    assert_int_equal(s_check_markup(page), ld_blocks + 1 + finder);
    assert_int_equal(sf_count(page, "<script src=\"../../assets/site.js\"></script>") +
                         sf_count(page, "<script src=\"assets/site.js\"></script>"),
                     1);
    assert_int_equal(sf_count(page, "<script type=\"application/ld+json\">"), ld_blocks);
    assert_int_equal(sf_count(page, "<title>"), 1);
    assert_int_equal(sf_count(page, "</title>"), 1);
    assert_int_equal(sf_count(page, "<h1>"), 1);
}

/* The JSON-LD blocks parse and carry the description exactly. */
static void s_check_ld(const char *page)
{
    const char *p = strstr(page, "<script type=\"application/ld+json\">");
    assert_non_null(p);
    p += strlen("<script type=\"application/ld+json\">");
    const char *end = strstr(p, "</script>");
    char *block = strndup(p, (size_t)(end - p));
    json_error_t err;
    json_t *ld = json_loads(block, 0, &err);
    if (!ld)
        fail_msg("JSON-LD does not parse: %s", err.text);
    char *txt = json_dumps(ld, 0);
    assert_non_null(strstr(txt, "\"description\": \"" S_DESC "\""));
    free(txt);
    json_decref(ld);
    free(block);
}

/* og:type for the kind of page, the Twitter card (the large one for a
 * page with a social card: a comparison), the favicon. */
static void s_check_head_card(const char *page, const char *og_type, bool card)
{
    char want[128];
    snprintf(want, sizeof want, "<meta property=\"og:type\" content=\"%s\">", og_type);
    assert_int_equal(sf_count(page, "og:type"), 1);
    assert_non_null(strstr(page, want));
    snprintf(want, sizeof want, "<meta name=\"twitter:card\" content=\"%s\">",
             card ? "summary_large_image" : "summary");
    assert_int_equal(sf_count(page, "twitter:card"), 1);
    assert_int_equal(sf_count(page, want), 1);
    assert_int_equal(sf_count(page, "og:image\""), card ? 1 : 0);
    assert_int_equal(sf_count(page, "<link rel=\"icon\" type=\"image/svg+xml\" href=\""), 1);
    assert_non_null(strstr(page, "assets/favicon.svg\">"));
}

static void s_check_head(const char *page, const char *og_type)
{
    s_check_head_card(page, og_type, false);
}

static void test_tool_page(void **state)
{
    s_fix *f = *state;
    sos_buf b = SOS_BUF_INIT;
    site_tool_html(&f->o, &f->te, NULL, NULL, 0, &b);
    const char *page = s_str(&b);
    s_check_page(page, 1);
    s_check_ld(page);
    /* the data, escaped, where it belongs */
    assert_non_null(
        strstr(page, "<h1>Evil&lt;/title&gt;&lt;script&gt;alert(1)&lt;/script&gt;</h1>"));
    assert_non_null(strstr(page, "&quot;&gt;&lt;img src=x onerror=alert(1)&gt;"));
    assert_non_null(strstr(page, "&lt;b&gt;Vendor&lt;/b&gt; &amp; &#39;co&#39;"));
    assert_non_null(strstr(
        page, "&#39; onmouseover=&#39;alert(3)&#39; x=&#39;&quot; autofocus onfocus=&quot;"));
    assert_non_null(strstr(page, "data-name=\"Evil&lt;/title&gt;"));
    /* a link that is not http(s) is shown, never linked */
    assert_int_equal(sf_count(page, "href=\"javascript"), 0);
    assert_non_null(strstr(page, "<tr><th scope=\"row\">Link</th><td>javascript:alert(5)</td>"));
    sos_buf_free(&b);
}

/* An http(s) link is an href, escaped; any other scheme is text. */
static void test_links(void **state)
{
    s_fix *f = *state;
    sos_buf b = SOS_BUF_INIT;
    site_tool_html(&f->o, &f->tg, NULL, NULL, 0, &b);
    const char *page = s_str(&b);
    s_check_page(page, 1);
    assert_non_null(strstr(page, "<a rel=\"nofollow noopener\" "
                                 "href=\"https://example.org/?a=1&amp;b=&quot;2&quot;\">"));
    sos_buf_free(&b);
    f->good.link = (char *)"data:text/html,hi";
    Sos__Verdict *v = sf_verdict4(s_key, &f->good, 1735689700);
    site_tool t;
    assert_int_equal(site_tool_load(v, 9, &t), 0);
    site_tool_html(&f->o, &t, NULL, NULL, 0, &b);
    page = s_str(&b);
    s_check_page(page, 1);
    assert_int_equal(sf_count(page, "href=\"data:"), 0); /* the link is text, not a link */
    assert_non_null(strstr(page, "<tr><th scope=\"row\">Link</th><td>data:text/html,hi</td></tr>"));
    site_tool_clear(&t);
    sos_buf_free(&b);
}

static void test_compare_and_index(void **state)
{
    s_fix *f = *state;
    Sos__Comparison c = SOS__COMPARISON__INIT;
    c.slug = (char *)"evil-vs-good";
    c.tool_a = (char *)"evil";
    c.tool_b = (char *)"good";
    c.created_at = 1735689800;
    sos_buf b = SOS_BUF_INIT;
    site_compare_html(&f->o, &c, &f->te, &f->tg, &b);
    const char *page = s_str(&b);
    s_check_page(page, 1);
    s_check_ld(page);
    assert_non_null(strstr(page, "&lt;/td&gt;&lt;/tr&gt;&lt;/table&gt;&lt;script&gt;alert(6)"));
    s_check_head_card(page, "article", true);
    /* the card: absolute, its size, an alt text that is escaped */
    assert_non_null(strstr(page, "<meta property=\"og:image\" content=\"https://example.org/"
                                 "compare/evil-vs-good/card.png\">\n"));
    assert_non_null(strstr(page, "<meta property=\"og:image:width\" content=\"1200\">\n"
                                 "<meta property=\"og:image:height\" content=\"630\">\n"));
    assert_non_null(strstr(page, "<meta property=\"og:image:alt\" content=\"Evil&lt;/title&gt;"
                                 "&lt;script&gt;alert(1)&lt;/script&gt; vs Good Tool. Ship "));
    sos_buf_free(&b);

    const site_tool *tools[] = {&f->te, &f->tg}, *pairs[] = {&f->te, &f->tg};
    const Sos__Comparison *cmps[] = {&c};
    site_index_html(&f->o, tools, 2, cmps, pairs, 1, &b);
    page = s_str(&b);
    s_check_page(page, 0);
    s_check_head(page, "website");
    sos_buf_free(&b);
    site_tool_html(&f->o, &f->tg, NULL, NULL, 0, &b);
    s_check_head(s_str(&b), "article");
    sos_buf_free(&b);
}

/* robots.txt names the sitemap by its absolute URL; the sitemap gives
 * every page a lastmod from signed times (the newer verdict for a
 * comparison, not its unsigned created_at). */
static void test_robots_and_sitemap(void **state)
{
    s_fix *f = *state;
    sos_buf b = SOS_BUF_INIT;
    site_robots(&f->o, &b);
    assert_string_equal(s_str(&b), "User-agent: *\nAllow: /\n\nSitemap: "
                                   "https://example.org/sitemap.xml\n");
    sos_buf_free(&b);
    Sos__Comparison c = SOS__COMPARISON__INIT;
    c.slug = (char *)"evil-vs-good";
    c.tool_a = (char *)"evil";
    c.tool_b = (char *)"good";
    c.created_at = 1735689999;
    const site_tool *tools[] = {&f->te, &f->tg}, *pairs[] = {&f->te, &f->tg};
    const Sos__Comparison *cmps[] = {&c};
    site_sitemap(&f->o, tools, 2, cmps, pairs, 1, &b);
    const char *map = s_str(&b);
    assert_int_equal(sf_count(map, "<url>"), 7);
    assert_int_equal(sf_count(map, "<lastmod>"), 7);
    /* the two index pages: their newest row's signed time */
    assert_non_null(strstr(map, "<loc>https://example.org/compare/</loc><lastmod>"
                                "2025-01-01T00:01:40Z</lastmod>"));
    assert_non_null(strstr(map, "<loc>https://example.org/tools/</loc><lastmod>"
                                "2025-01-01T00:01:40Z</lastmod>"));
    /* the static "How we review" page: the release's time, as the index */
    assert_non_null(strstr(map, "<loc>https://example.org/how-we-review/</loc><lastmod>"
                                "2025-01-01T00:01:40Z</lastmod>"));
    assert_non_null(strstr(map, "<loc>https://example.org/</loc><lastmod>2025-01-01T00:01:40Z"
                                "</lastmod>"));
    assert_non_null(strstr(map, "<loc>https://example.org/compare/evil-vs-good/</loc><lastmod>"
                                "2025-01-01T00:01:40Z</lastmod>")); /* good's finalized_at */
    assert_non_null(strstr(map, "<loc>https://example.org/tools/evil/</loc><lastmod>"
                                "2025-01-01T00:00:00Z</lastmod>"));
    sos_buf_free(&b);
}

/* 404.html: the layout of every page, root-relative links (it shows at
 * any path), no canonical address and no twin; a base URL is escaped. */
static void test_not_found(void **state)
{
    s_fix *f = *state;
    sos_buf b = SOS_BUF_INIT;
    site_404_html(&f->o, &b);
    const char *page = s_str(&b);
    assert_int_equal(s_check_markup(page), 1);
    assert_int_equal(sf_count(page, "<h1>"), 1);
    assert_non_null(strstr(page, "<a href=\"/index.html\">Go to the home"));
    assert_non_null(strstr(page, "<script src=\"/assets/site.js\">"));
    assert_null(strstr(page, "rel=\"canonical\""));
    assert_null(strstr(page, "index.json"));
    s_check_head(page, "website");
    sos_buf_free(&b);
    site_opts o = {"https://example.org/sub", f->o.updated};
    site_404_html(&o, &b);
    assert_non_null(strstr(s_str(&b), "<link rel=\"stylesheet\" href=\"/sub/assets/site.css\">"));
    sos_buf_free(&b);
    o.base_url = "https://example.org/\"><script>alert(7)</script>";
    site_404_html(&o, &b);
    page = s_str(&b);
    assert_int_equal(s_check_markup(page), 1);
    assert_null(strstr(page, "<script>alert"));
    sos_buf_free(&b);
}

/* index.json is written entry by entry (site_index_json_text): the same
 * bytes as the whole tree dumped, with and without comparisons and tools. */
static void test_index_json_text(void **state)
{
    s_fix *f = *state;
    Sos__Comparison c = SOS__COMPARISON__INIT;
    c.slug = (char *)"evil-vs-good";
    c.tool_a = (char *)"evil";
    c.tool_b = (char *)"good";
    c.created_at = 1735689800;
    const site_tool *tools[] = {&f->te, &f->tg}, *pairs[] = {&f->te, &f->tg, &f->tg, &f->te};
    const Sos__Comparison *cmps[] = {&c, &c};
    static const size_t shapes[][2] = {{2, 2}, {2, 0}, {0, 1}, {0, 0}, {1, 1}};
    for (size_t k = 0; k < sizeof shapes / sizeof shapes[0]; k++) {
        size_t nt = shapes[k][0], nc = shapes[k][1];
        json_t *j = site_index_json(&f->o, tools, nt, cmps, pairs, nc);
        char *want = json_dumps(j, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
        sos_buf b = SOS_BUF_INIT;
        site_index_json_text(&f->o, tools, nt, cmps, pairs, nc, &b);
        assert_int_equal(b.len, strlen(want) + 1);
        assert_memory_equal(b.data, want, strlen(want));
        assert_int_equal(b.data[b.len - 1], '\n');
        free(want);
        json_decref(j);
        sos_buf_free(&b);
    }
}

static void test_feeds(void **state)
{
    s_fix *f = *state;
    Sos__Comparison c = SOS__COMPARISON__INIT;
    c.slug = (char *)"evil-vs-good";
    c.tool_a = (char *)"evil";
    c.tool_b = (char *)"good";
    c.created_at = 1735689999;
    const site_feed_item newest[] = {
        {NULL, &c, &f->te, &f->tg}, {&f->tg, NULL, NULL, NULL}, {&f->te, NULL, NULL, NULL}};
    sos_buf b = SOS_BUF_INIT;
    site_feed_atom(&f->o, newest, 3, &b);
    const char *atom = s_str(&b);
    assert_int_equal(sf_count(atom, "<script"), 0);
    assert_int_equal(sf_count(atom, "<img"), 0);
    assert_non_null(strstr(atom, "Evil&lt;/title&gt;&lt;script&gt;"));
    assert_int_equal(sf_count(atom, "<entry>"), 3);
    /* the comparison: its page as id and link, its created_at as time */
    assert_non_null(strstr(atom, "<entry>\n<title>Evil&lt;/title&gt;&lt;script&gt;alert(1)&lt;/"
                                 "script&gt; vs Good Tool: Which AI Tool Should You Ship?</title>\n"
                                 "<id>https://example.org/compare/evil-vs-good/</id>\n<link "
                                 "href=\"https://example.org/compare/evil-vs-good/\"/>\n"
                                 "<updated>2025-01-01T00:06:39Z</updated>"));
    sos_buf_free(&b);
    site_feed_json(&f->o, newest, 3, &b);
    json_error_t err;
    json_t *feed = json_loadb((const char *)b.data, b.len, 0, &err);
    assert_non_null(feed);
    json_t *items = json_object_get(feed, "items");
    assert_int_equal(json_array_size(items), 3);
    json_t *first = json_array_get(items, 0);
    assert_string_equal(json_string_value(json_object_get(first, "id")),
                        "https://example.org/compare/evil-vs-good/");
    assert_string_equal(json_string_value(json_object_get(first, "date_published")),
                        "2025-01-01T00:06:39Z");
    assert_non_null(strstr(json_string_value(json_object_get(json_array_get(items, 2), "title")),
                           S_NAME)); /* JSON Feed: the text itself, JSON-escaped */
    json_decref(feed);
    sos_buf_free(&b);
}

/* The page, the feeds and the JSON twin show one and the same line, also
 * for a verdict without takes (the line once differed there). */
static void test_one_verdict_line(void **state)
{
    s_fix *f = *state;
    Sos__Tool t;
    sf_tool(&t, "empty", "Empty");
    site_tool st;
    assert_int_equal(site_tool_load(sf_verdict(s_key, &t, NULL, 0, 1735689900), 10, &st), 0);
    json_t *j = site_tool_json(&st);
    const char *summary =
        json_string_value(json_object_get(json_object_get(j, "verdict"), "summary"));
    assert_string_equal(summary, "No panel takes yet");
    sos_buf b = SOS_BUF_INIT;
    site_tool_html(&f->o, &st, NULL, NULL, 0, &b);
    assert_non_null(strstr(s_str(&b), "No panel takes yet"));
    assert_null(strstr(s_str(&b), "0 ship / 0 skip"));
    sos_buf_free(&b);
    const site_feed_item one[] = {{&st, NULL, NULL, NULL}};
    site_feed_atom(&f->o, one, 1, &b);
    assert_non_null(strstr(s_str(&b), "<title>Empty: No panel takes yet</title>"));
    sos_buf_free(&b);
    json_decref(j);
    site_tool_clear(&st);
}

/* The answer line (issue 14) over every pair of labels that reads
 * differently: the wording comes from the labels, the figures from the
 * counts, ship % and mean. */
static void test_answer_line(void **state)
{
    (void)state;
    enum { NONE, SHIP, SKIP, SPLIT };
    static const struct {
        int la;
        unsigned ship_a, skip_a, pct_a, mean_a;
        int lb;
        unsigned ship_b, skip_b, pct_b, mean_b;
        const char *want;
    } cases[] = {
        {SHIP, 4, 0, 100, 7725, SHIP, 3, 1, 75, 7125,
         "The panel ships both: A 100% (4/0, mean 77.25), B 75% (3/1, mean 71.25)"},
        {SHIP, 3, 1, 75, 7000, SKIP, 1, 3, 25, 4050,
         "Ship A; the panel skips B: A 75% (3/1, mean 70.00), B 25% (1/3, mean 40.50)"},
        {SKIP, 0, 4, 0, 2000, SHIP, 4, 0, 100, 9000,
         "Ship B; the panel skips A: A 0% (0/4, mean 20.00), B 100% (4/0, mean 90.00)"},
        {SKIP, 1, 3, 25, 3000, SKIP, 0, 4, 0, 1000,
         "The panel skips both: A 25% (1/3, mean 30.00), B 0% (0/4, mean 10.00)"},
        {SPLIT, 2, 2, 50, 5500, SHIP, 4, 0, 100, 8000,
         "Ship B; the panel is split on A: A 50% (2/2, mean 55.00), B 100% (4/0, mean 80.00)"},
        {SPLIT, 2, 2, 50, 5500, SKIP, 0, 4, 0, 1500,
         "Split panel on A; the panel skips B: A 50% (2/2, mean 55.00), B 0% (0/4, mean 15.00)"},
        {SKIP, 0, 4, 0, 1500, SPLIT, 2, 2, 50, 5500,
         "Split panel on B; the panel skips A: A 0% (0/4, mean 15.00), B 50% (2/2, mean 55.00)"},
        {SPLIT, 2, 2, 50, 5000, SPLIT, 2, 3, 40, 4833,
         "Split panel on both: A 50% (2/2, mean 50.00), B 40% (2/3, mean 48.33)"},
        {SHIP, 4, 0, 100, 8000, NONE, 0, 0, 0, 0,
         "No answer yet: the panel has no takes on B: A 100% (4/0, mean 80.00), B: no panel "
         "takes yet"},
        {NONE, 0, 0, 0, 0, NONE, 0, 0, 0, 0,
         "No answer yet: the panel has no takes on either tool: A: no panel takes yet, B: no "
         "panel takes yet"},
    };
    static const Sos__Label label[] = {SOS__LABEL__LABEL_UNSPECIFIED, SOS__LABEL__LABEL_SHIP,
                                       SOS__LABEL__LABEL_SKIP, SOS__LABEL__LABEL_SPLIT};
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        Sos__VerdictBody a = SOS__VERDICT_BODY__INIT, b = SOS__VERDICT_BODY__INIT;
        a.label = label[cases[i].la];
        a.ship = cases[i].ship_a;
        a.skip = cases[i].skip_a;
        a.ship_pct = cases[i].pct_a;
        a.mean_score_x100 = cases[i].mean_a;
        b.label = label[cases[i].lb];
        b.ship = cases[i].ship_b;
        b.skip = cases[i].skip_b;
        b.ship_pct = cases[i].pct_b;
        b.mean_score_x100 = cases[i].mean_b;
        char *got = site_answer_line(&a, "A", &b, "B");
        if (strcmp(got, cases[i].want) != 0)
            fail_msg("case %zu:\n  got  %s\n  want %s", i, got, cases[i].want);
        free(got);
    }
}

/* The comparison page shows the answer right under the lede, escaped, with
 * a bar and its figure per tool for ship % and mean; the twin carries the
 * same answer. */
static void test_answer_on_page(void **state)
{
    s_fix *f = *state;
    Sos__Comparison c = SOS__COMPARISON__INIT;
    c.slug = (char *)"evil-vs-good";
    c.tool_a = (char *)"evil";
    c.tool_b = (char *)"good";
    c.created_at = 1735689800;
    char *want = site_answer_line(f->te.body, S_NAME, f->tg.body, "Good Tool");
    /* evil: 1 ship, 1 skip (Split); good: 3 ship, 1 skip (Ship) */
    assert_non_null(strstr(want, "Ship Good Tool; the panel is split on Evil</title>"));
    sos_buf esc = SOS_BUF_INIT, b = SOS_BUF_INIT;
    html_raw(&esc, "</p>\n<div class=\"answer\">\n<p class=\"answer-line\">");
    html_text(&esc, want);
    html_raw(&esc, "</p>\n");
    const char *e = s_str(&esc);
    site_compare_html(&f->o, &c, &f->te, &f->tg, &b);
    const char *page = s_str(&b), *lede = strstr(page, "<p class=\"lede\">");
    assert_non_null(lede);
    const char *after = strstr(lede, "</p>\n");
    assert_non_null(after);
    if (strncmp(after, e, strlen(e)) != 0)
        fail_msg("no answer under the lede:\n%.400s", after);
    assert_null(strstr(page, "Ship Good Tool; the panel is split on Evil</title>"));
    assert_non_null(strstr(page, "style=\"width:50.00%\"></div></div><span class=\"bar-num\">50% "
                                 "ship</span>"));
    assert_non_null(strstr(page, "<span class=\"bar-num\">75% ship</span>"));
    assert_int_equal(sf_count(page, "class=\"bar\" aria-hidden=\"true\""), 4);
    json_t *j = site_compare_json(&c, 9, &f->te, &f->tg);
    assert_string_equal(json_string_value(json_object_get(j, "answer")), want);
    json_decref(j);
    free(want);
    sos_buf_free(&esc);
    sos_buf_free(&b);
}

int main(void)
{
    if (sos_sign_init() != 0 || sos_key_generate(&s_key) != 0)
        return 1;
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_tool_page, s_setup, s_teardown),
        cmocka_unit_test_setup_teardown(test_links, s_setup, s_teardown),
        cmocka_unit_test_setup_teardown(test_compare_and_index, s_setup, s_teardown),
        cmocka_unit_test_setup_teardown(test_index_json_text, s_setup, s_teardown),
        cmocka_unit_test_setup_teardown(test_feeds, s_setup, s_teardown),
        cmocka_unit_test_setup_teardown(test_one_verdict_line, s_setup, s_teardown),
        cmocka_unit_test(test_answer_line),
        cmocka_unit_test_setup_teardown(test_answer_on_page, s_setup, s_teardown),
        cmocka_unit_test_setup_teardown(test_robots_and_sitemap, s_setup, s_teardown),
        cmocka_unit_test_setup_teardown(test_not_found, s_setup, s_teardown),
    };
    int rc = cmocka_run_group_tests(tests, NULL, NULL);
    sos_key_destroy(&s_key);
    return rc;
}
