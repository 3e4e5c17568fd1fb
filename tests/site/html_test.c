/* unit.site.html: the escaping boundary of clients/site/html.c. Every
 * string from a tool or a take reaches a page through html_text (element
 * text, quoted attributes), html_xml (feeds, sitemap), html_json_script
 * (JSON-LD inside <script>) or, for an href, html_url_ok; and pages are
 * written beside older releases' hard links without touching them. */
#include "sitefix.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "html.h"

/* b's bytes as a NUL-terminated string (appends a NUL not counted in len) */
static const char *s_str(sos_buf *b)
{
    sos_buf_append(b, "", 1);
    b->len--;
    return (const char *)b->data;
}

/* html_text: exact output for element content. */
static void test_text_table(void **state)
{
    (void)state;
    static const struct {
        const char *in, *want;
    } cases[] = {
        {"", ""},
        {"plain text", "plain text"},
        {"<script>alert(1)</script>", "&lt;script&gt;alert(1)&lt;/script&gt;"},
        {"</title><h1>x", "&lt;/title&gt;&lt;h1&gt;x"},
        {"a & b", "a &amp; b"},
        {"&amp; stays text", "&amp;amp; stays text"}, /* an entity is text too */
        {"&#60;", "&amp;#60;"},
        {"\"double\"", "&quot;double&quot;"},
        {"it's", "it&#39;s"},
        {"<img src=x onerror=alert(1)>", "&lt;img src=x onerror=alert(1)&gt;"},
        {"<!-- c -->", "&lt;!-- c --&gt;"},
        {"caf\xc3\xa9 \xe2\x80\x94 \xe2\x9c\x93",
         "caf\xc3\xa9 \xe2\x80\x94 \xe2\x9c\x93"},                              /* UTF-8 */
        {"line\xe2\x80\xa8sep\xe2\x80\xa9", "line\xe2\x80\xa8sep\xe2\x80\xa9"}, /* U+2028/9 */
        {"javascript:alert(1)", "javascript:alert(1)"}, /* text: harmless as text */
        {"`backtick` =eq", "`backtick` =eq"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        sos_buf b = SOS_BUF_INIT;
        html_text(&b, cases[i].in);
        if (strcmp(s_str(&b), cases[i].want) != 0)
            fail_msg("html_text(\"%s\") = \"%s\", want \"%s\"", cases[i].in, s_str(&b),
                     cases[i].want);
        sos_buf_free(&b);
    }
}

/* Undoes the five entities html_text writes; NULL on any other '&'. */
static char *s_unescape(const char *s)
{
    static const struct {
        const char *ent;
        char c;
    } ents[] = {{"&amp;", '&'}, {"&lt;", '<'}, {"&gt;", '>'}, {"&quot;", '"'}, {"&#39;", '\''}};
    char *out = malloc(strlen(s) + 1), *o = out;
    assert_non_null(out);
    while (*s) {
        if (*s != '&') {
            *o++ = *s++;
            continue;
        }
        size_t k = 0;
        while (k < 5 && strncmp(s, ents[k].ent, strlen(ents[k].ent)) != 0)
            k++;
        if (k == 5) {
            free(out);
            return NULL;
        }
        *o++ = ents[k].c;
        s += strlen(ents[k].ent);
    }
    *o = '\0';
    return out;
}

/* Quoted attribute values: whatever the value, it cannot close its quotes
 * (either kind) or open a tag, and it reads back exactly. */
static void test_attribute_values(void **state)
{
    (void)state;
    static const char *const hostile[] = {
        "\" onmouseover=\"alert(1)",    "' onfocus='alert(1)' autofocus='",
        "\"><script>alert(1)</script>", "x\" data-x=\"&quot;",
        "javascript:alert(1)",          "a b\tc\nd",
        "\xe2\x80\xa8\"\xe2\x80\xa9",   "&#34;&#x22;&quot;",
    };
    for (size_t i = 0; i < sizeof hostile / sizeof hostile[0]; i++) {
        sos_buf b = SOS_BUF_INIT;
        html_raw(&b, "<a title=\"");
        html_text(&b, hostile[i]);
        html_raw(&b, "\" data-x='");
        html_text(&b, hostile[i]);
        html_raw(&b, "'>");
        const char *page = s_str(&b);
        const char *v1 = page + strlen("<a title=\""), *end1 = strchr(v1, '"');
        assert_non_null(end1);
        assert_string_equal(end1, strstr(page, "\" data-x='")); /* the first quote is ours */
        const char *v2 = end1 + strlen("\" data-x='"), *end2 = strchr(v2, '\'');
        assert_non_null(end2);
        assert_string_equal(end2, "'>");
        assert_int_equal(sf_count(page, "<"), 1); /* only "<a" */
        assert_int_equal(sf_count(page, ">"), 1);
        char *value = strndup(v1, (size_t)(end1 - v1));
        char *back = s_unescape(value);
        assert_non_null(back);
        assert_string_equal(back, hostile[i]);
        free(back);
        free(value);
        sos_buf_free(&b);
    }
}

/* html_xml: the same entities, and the characters XML 1.0 forbids dropped
 * (a feed parser would refuse the whole feed). */
static void test_xml_table(void **state)
{
    (void)state;
    static const struct {
        const char *in, *want;
    } cases[] = {
        {"<entry>&</entry>", "&lt;entry&gt;&amp;&lt;/entry&gt;"},
        {"\"q\" 'a'", "&quot;q&quot; &#39;a&#39;"},
        {"a\x01"
         "b\x08"
         "c\x0b"
         "d\x0c"
         "e\x1f"
         "f",
         "abcdef"},
        {"tab\tnl\ncr\r", "tab\tnl\ncr\r"}, /* allowed */
        {"]]>", "]]&gt;"},
        {"caf\xc3\xa9", "caf\xc3\xa9"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        sos_buf b = SOS_BUF_INIT;
        html_xml(&b, cases[i].in);
        assert_string_equal(s_str(&b), cases[i].want);
        sos_buf_free(&b);
    }
}

/* html_json_script: whatever the strings, the block has no '<', '>' or '&'
 * (so no "</script", "<!--" or "-->" can end or change the element), and
 * it is JSON that parses back to the same value. */
static void test_json_script(void **state)
{
    (void)state;
    static const char *const hostile[] = {
        "</script><script>alert(2)</script><!--",
        "</SCRIPT >",
        "</scr\\u0069pt>",
        "<!--",
        "-->",
        "<![CDATA[x]]>",
        "a&b &lt;",
        "line\xe2\x80\xa8sep\xe2\x80\xa9"
        "end", /* U+2028, U+2029 */
        "quote\" back\\slash",
        "\x01\x1f control",
    };
    for (size_t i = 0; i < sizeof hostile / sizeof hostile[0]; i++) {
        json_t *j = json_pack("{s:s, s:[s]}", "description", hostile[i], "list", hostile[i]);
        sos_buf b = SOS_BUF_INIT;
        html_json_script(&b, j);
        const char *out = s_str(&b);
        assert_null(strchr(out, '<'));
        assert_null(strchr(out, '>'));
        assert_null(strchr(out, '&'));
        json_error_t err;
        json_t *back = json_loads(out, 0, &err);
        if (!back)
            fail_msg("block does not parse: %s in %s", err.text, out);
        assert_true(json_equal(back, j));
        json_decref(back);
        json_decref(j);
        sos_buf_free(&b);
    }
    /* the exact escapes, for one */
    json_t *j = json_pack("{s:s}", "d", "</script>&");
    sos_buf b = SOS_BUF_INIT;
    html_json_script(&b, j);
    assert_string_equal(s_str(&b), "{\"d\":\"\\u003c/script\\u003e\\u0026\"}");
    json_decref(j);
    sos_buf_free(&b);
}

/* html_url_ok: only absolute http(s) URLs become an href. */
static void test_url_ok(void **state)
{
    (void)state;
    static const struct {
        const char *url;
        bool ok;
    } cases[] = {
        {"https://example.org/", true},
        {"http://example.org/a?b=1&c=2", true},
        {"HTTPS://EXAMPLE.ORG", true},
        {"https://example.org/a b\"c'd<e>", true}, /* then escaped as an attribute */
        {"javascript:alert(1)", false},
        {"JavaScript:alert(1)", false},
        {" javascript:alert(1)", false},
        {"java\tscript:alert(1)", false},
        {"java\nscript:alert(1)", false},
        {"\x01javascript:alert(1)", false},
        {"data:text/html,<script>alert(1)</script>", false},
        {"vbscript:msgbox(1)", false},
        {" https://example.org/", false}, /* leading blank: not at the start */
        {"//evil.example/", false},       /* scheme-relative */
        {"/relative/path", false},
        {"../up", false},
        {"example.org", false},
        {"https:example.org", false},
        {"https:/example.org", false},
        {"ftp://example.org/", false},
        {"", false},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
        if (html_url_ok(cases[i].url) != cases[i].ok)
            fail_msg("html_url_ok(\"%s\") != %d", cases[i].url, cases[i].ok);
}

/* html_write replaces a file through a temporary and rename: a hard link
 * held by an older release keeps the old bytes (and inode). html_same
 * compares exactly. */
static void test_write_keeps_old_links(void **state)
{
    (void)state;
    char dir[64], path[128], old[128];
    struct stat a, b;
    tu_tmpdir(dir);
    sos_buf v1 = SOS_BUF_INIT, v2 = SOS_BUF_INIT;
    html_raw(&v1, "version one\n");
    html_raw(&v2, "version two, longer\n");
    assert_int_equal(html_write(dir, "deep/er/page.html", &v1), 0); /* parents made */
    snprintf(path, sizeof path, "%s/deep/er/page.html", dir);
    snprintf(old, sizeof old, "%s/old.html", dir);
    assert_int_equal(link(path, old), 0);
    assert_true(html_same(dir, "deep/er/page.html", &v1));
    assert_false(html_same(dir, "deep/er/page.html", &v2));
    assert_false(html_same(dir, "missing.html", &v1));

    assert_int_equal(html_write(dir, "deep/er/page.html", &v2), 0);
    assert_true(html_same(dir, "deep/er/page.html", &v2));
    assert_true(html_same(dir, "old.html", &v1)); /* the link was not written through */
    assert_int_equal(stat(path, &a), 0);
    assert_int_equal(stat(old, &b), 0);
    assert_true(a.st_ino != b.st_ino);
    assert_int_equal(b.st_nlink, 1);
    char leftover[160]; /* no temporary file is left behind */
    snprintf(leftover, sizeof leftover, "%s/deep/er/page.html.tmp%ld", dir, (long)getpid());
    assert_int_equal(access(leftover, F_OK), -1);
    sos_buf_free(&v1);
    sos_buf_free(&v2);
    assert_int_equal(tu_rmrf(dir), 0);
}

/* html_stream: a page written in pieces. The same bytes as the file there,
 * with keep_same: nothing replaced (the inode stays); other bytes, a
 * prefix, or a longer file: replaced through rename, the old link intact. */
static void test_stream(void **state)
{
    (void)state;
    char dir[64], path[128];
    struct stat a, b;
    bool wrote = true;
    html_stream w;
    tu_tmpdir(dir);
    sos_buf p1 = SOS_BUF_INIT, p2 = SOS_BUF_INIT, all = SOS_BUF_INIT;
    html_raw(&p1, "first part, ");
    html_raw(&p2, "second part\n");
    html_raw(&all, "first part, second part\n");
    snprintf(path, sizeof path, "%s/a/page.html", dir);
    /* new: written, parents made */
    assert_int_equal(html_stream_open(&w, dir, "a/page.html"), 0);
    assert_int_equal(html_stream_write(&w, &p1), 0);
    assert_int_equal(html_stream_write(&w, &p2), 0);
    assert_int_equal(html_stream_close(&w, true, &wrote), 0);
    assert_true(wrote);
    assert_true(html_same(dir, "a/page.html", &all));
    assert_int_equal(stat(path, &a), 0);
    /* the same bytes in other pieces: kept as it is */
    assert_int_equal(html_stream_open(&w, dir, "a/page.html"), 0);
    assert_int_equal(html_stream_write(&w, &all), 0);
    assert_int_equal(html_stream_close(&w, true, &wrote), 0);
    assert_false(wrote);
    assert_int_equal(stat(path, &b), 0);
    assert_true(a.st_ino == b.st_ino);
    /* without keep_same: replaced all the same */
    assert_int_equal(html_stream_open(&w, dir, "a/page.html"), 0);
    assert_int_equal(html_stream_write(&w, &all), 0);
    assert_int_equal(html_stream_close(&w, false, &wrote), 0);
    assert_true(wrote);
    assert_int_equal(stat(path, &a), 0);
    assert_true(a.st_ino != b.st_ino);
    /* a prefix of what is there is not the same: replaced, and shorter */
    assert_int_equal(html_stream_open(&w, dir, "a/page.html"), 0);
    assert_int_equal(html_stream_write(&w, &p1), 0);
    assert_int_equal(html_stream_close(&w, true, &wrote), 0);
    assert_true(wrote);
    assert_true(html_same(dir, "a/page.html", &p1));
    /* longer than what is there: replaced */
    assert_int_equal(html_stream_open(&w, dir, "a/page.html"), 0);
    assert_int_equal(html_stream_write(&w, &all), 0);
    assert_int_equal(html_stream_close(&w, true, &wrote), 0);
    assert_true(wrote);
    assert_true(html_same(dir, "a/page.html", &all));
    char leftover[160];
    snprintf(leftover, sizeof leftover, "%s.tmp%ld", path, (long)getpid());
    assert_int_equal(access(leftover, F_OK), -1);
    sos_buf_free(&p1);
    sos_buf_free(&p2);
    sos_buf_free(&all);
    assert_int_equal(tu_rmrf(dir), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_text_table), cmocka_unit_test(test_attribute_values),
        cmocka_unit_test(test_xml_table),  cmocka_unit_test(test_json_script),
        cmocka_unit_test(test_url_ok),     cmocka_unit_test(test_write_keeps_old_links),
        cmocka_unit_test(test_stream),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
