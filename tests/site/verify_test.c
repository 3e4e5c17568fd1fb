/* unit.site.verify: the offline verifier (clients/site/verify.c and
 * verify_check.c) on a site rendered into a temporary directory: a clean
 * site verifies and names its signer; a page or a twin changed after
 * rendering, a comparison's answer changed in its twin, a file added, a
 * wrong --key, each is refused with a line naming the file. */
#include "sitefix.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "card.h"
#include "site_dir.h"
#include "verify.h"

static sos_key *s_key;

typedef struct {
    char dir[64];
    char *lines; /* what verify_site wrote */
    size_t len;
} s_fix;

static int s_setup(void **state)
{
    s_fix *f = calloc(1, sizeof *f);
    tu_tmpdir(f->dir);
    Sos__Tool a, b;
    sf_tool(&a, "alpha", "Alpha");
    sf_tool(&b, "beta", "Beta");
    Sos__Verdict *va = sf_verdict4(s_key, &a, 1735689600), *vb = sf_verdict4(s_key, &b, 1735689700);
    Sos__Comparison c = SOS__COMPARISON__INIT;
    c.slug = (char *)"alpha-vs-beta";
    c.tool_a = (char *)"alpha";
    c.tool_b = (char *)"beta";
    c.created_at = 1735689800;
    sf_event evs[] = {{1, va, NULL}, {2, vb, NULL}, {3, NULL, &c}};
    Sos__EventsPage *page = sf_page(evs, 3);
    site_dir *d = NULL;
    site_dir_result res;
    assert_int_equal(site_dir_open(f->dir, "https://example.org", NULL, &d, NULL, 0), SITE_DIR_OK);
    assert_int_equal(site_dir_add_page(d, page, NULL), SITE_DIR_OK);
    assert_int_equal(site_dir_render(d, false, &res), SITE_DIR_OK);
    site_dir_destroy(&d);
    sos__events_page__free_unpacked(page, NULL);
    sos__verdict__free_unpacked(va, NULL);
    sos__verdict__free_unpacked(vb, NULL);
    *state = f;
    return 0;
}

static int s_teardown(void **state)
{
    s_fix *f = *state;
    assert_int_equal(tu_rmrf(f->dir), 0);
    free(f->lines);
    free(f);
    return 0;
}

/* verify_site on f->dir (or on sub when given); the problem lines in
 * f->lines. */
static int s_verify(s_fix *f, const uint8_t *key, verify_report *rep)
{
    char why[512];
    free(f->lines);
    f->lines = NULL;
    FILE *out = open_memstream(&f->lines, &f->len);
    assert_non_null(out);
    int rc = verify_site(f->dir, key, out, rep, why, sizeof why);
    assert_int_equal(fclose(out), 0);
    return rc;
}

static char *s_path(const s_fix *f, const char *rel)
{
    static char path[512];
    snprintf(path, sizeof path, "%s/current/%s", f->dir, rel);
    return path;
}

static void test_clean(void **state)
{
    s_fix *f = *state;
    verify_report rep;
    assert_int_equal(s_verify(f, NULL, &rep), VERIFY_OK);
    if (rep.problems)
        fail_msg("problems in a clean site:\n%s", f->lines);
    assert_int_equal(f->len, 0);
    assert_false(rep.forged);
    assert_true(rep.have_signer);
    assert_memory_equal(rep.signer, sos_key_public(s_key), SOS_PK_BYTES);
    assert_int_equal(rep.tools, 2);
    assert_int_equal(rep.comparisons, 1);
    assert_int_equal(rep.files, 22);
    /* pinned to the signer: clean too */
    assert_int_equal(s_verify(f, sos_key_public(s_key), &rep), VERIFY_OK);
    assert_int_equal(rep.problems, 0);
}

/* A page edited after rendering (its twin untouched): not what the signed
 * data makes. */
static void test_tampered_page(void **state)
{
    s_fix *f = *state;
    char *page = sf_read(s_path(f, "tools/alpha/index.html"));
    assert_non_null(page);
    char *at = strstr(page, "Fast on real diffs.");
    assert_non_null(at);
    memcpy(at, "Slow", 4);
    sf_write(s_path(f, "tools/alpha/index.html"), page);
    free(page);
    verify_report rep;
    assert_int_equal(s_verify(f, NULL, &rep), VERIFY_OK);
    assert_int_equal(rep.problems, 1);
    assert_false(rep.forged); /* the signatures are fine: exit 65, not 77 */
    assert_non_null(
        strstr(f->lines, "tools/alpha/index.html: differs from the signed data at line"));
}

/* A date changed on a page: the verdict's "Updated" and "published" dates
 * (finalized_at), a take's "Filed" date, the human-readable form alone,
 * the how-we-review page: each is caught (issue 14). */
static void test_tampered_dates(void **state)
{
    s_fix *f = *state;
    static const struct {
        const char *rel, *old, *new_;
    } edits[] = {
        {"compare/alpha-vs-beta/index.html", "Updated <time datetime=\"2025-01-01T00:01:40Z\">",
         "Updated <time datetime=\"2025-01-02T00:01:40Z\">"},
        {"tools/alpha/index.html", "1 Jan 2025</time></p>\n<p class=\"desc\">",
         "2 Jan 2025</time></p>\n<p class=\"desc\">"},
        {"tools/beta/index.html", "Filed <time datetime=\"2025-01-01T00:00:40Z\">1 Jan 2025",
         "Filed <time datetime=\"2025-01-01T00:00:40Z\">9 Jan 2025"},
        {"how-we-review/index.html", "four of the five", "five of the five"},
    };
    for (size_t i = 0; i < sizeof edits / sizeof *edits; i++) {
        char *page = sf_read(s_path(f, edits[i].rel)), *at;
        assert_non_null(page);
        if (!(at = strstr(page, edits[i].old)))
            fail_msg("%s does not hold %s", edits[i].rel, edits[i].old);
        assert_int_equal(strlen(edits[i].old), strlen(edits[i].new_));
        memcpy(at, edits[i].new_, strlen(edits[i].new_));
        sf_write(s_path(f, edits[i].rel), page);
        verify_report rep;
        assert_int_equal(s_verify(f, NULL, &rep), VERIFY_OK);
        assert_int_equal(rep.problems, 1);
        char want[200];
        snprintf(want, sizeof want, "%s: differs from the signed data at line", edits[i].rel);
        if (!strstr(f->lines, want))
            fail_msg("no \"%s\" in:\n%s", want, f->lines);
        memcpy(at, edits[i].old, strlen(edits[i].old)); /* restored: clean again */
        sf_write(s_path(f, edits[i].rel), page);
        free(page);
        assert_int_equal(s_verify(f, NULL, &rep), VERIFY_OK);
        assert_int_equal(rep.problems, 0);
    }
}

/* A twin whose shown take text differs from the signed one, then one whose
 * signature is broken: the first a mismatch, the second a forgery. */
static void test_tampered_twin(void **state)
{
    s_fix *f = *state;
    char *twin = sf_read(s_path(f, "tools/beta/index.json"));
    char *at = strstr(twin, "Misses context");
    assert_non_null(at);
    at[0] = 'K';
    sf_write(s_path(f, "tools/beta/index.json"), twin);
    verify_report rep;
    assert_int_equal(s_verify(f, NULL, &rep), VERIFY_OK);
    assert_true(rep.problems >= 1);
    assert_false(rep.forged);
    assert_non_null(strstr(f->lines, "tools/beta/index.json: take 2 (Skeptic) text differs from "
                                     "the signed take"));
    at[0] = 'M';
    at = strstr(twin, "\"signature\": \"");
    assert_non_null(at);
    at += strlen("\"signature\": \"");
    at[0] = at[0] == '0' ? '1' : '0';
    sf_write(s_path(f, "tools/beta/index.json"), twin);
    free(twin);
    assert_int_equal(s_verify(f, NULL, &rep), VERIFY_OK);
    assert_true(rep.forged); /* exit 77 */
    assert_non_null(strstr(f->lines, "signature does not verify"));
}

/* A comparison twin whose answer is not the one its two signed verdicts
 * give: reported on the field, a mismatch, not a forgery. */
static void test_tampered_answer(void **state)
{
    s_fix *f = *state;
    char *twin = sf_read(s_path(f, "compare/alpha-vs-beta/index.json"));
    assert_non_null(twin);
    char *at = strstr(twin, "\"answer\": \"The panel ships both");
    assert_non_null(at);
    memcpy(at + strlen("\"answer\": \"The panel "), "skips", 5);
    sf_write(s_path(f, "compare/alpha-vs-beta/index.json"), twin);
    free(twin);
    verify_report rep;
    assert_int_equal(s_verify(f, NULL, &rep), VERIFY_OK);
    assert_true(rep.problems >= 1);
    assert_false(rep.forged);
    if (!strstr(f->lines, "compare/alpha-vs-beta/index.json: comparison answer differs from the "
                          "signed verdicts"))
        fail_msg("not reported:\n%s", f->lines);
}

static void s_write_bytes(const char *path, const void *p, size_t n)
{
    FILE *fp = fopen(path, "wb");
    assert_non_null(fp);
    assert_int_equal(fwrite(p, 1, n, fp), n);
    assert_int_equal(fclose(fp), 0);
}

/* The comparison's card: another valid card (drawn from other verdicts),
 * something that is not a PNG, then none at all: each a problem. */
static void test_tampered_card(void **state)
{
    s_fix *f = *state;
    const char *card = s_path(f, "compare/alpha-vs-beta/card.png");
    char *path = sos_xstrdup(card);
    verify_report rep;
    Sos__VerdictBody v = SOS__VERDICT_BODY__INIT;
    v.label = SOS__LABEL__LABEL_SKIP;
    v.skip = 4;
    sos_buf other = SOS_BUF_INIT;
    assert_int_equal(card_compare_png(&v, "Alpha", &v, "Beta", &other), 0);
    s_write_bytes(path, other.data, other.len);
    sos_buf_free(&other);
    assert_int_equal(s_verify(f, NULL, &rep), VERIFY_OK);
    assert_int_equal(rep.problems, 1);
    assert_false(rep.forged);
    if (!strstr(f->lines,
                "compare/alpha-vs-beta/card.png: is not the card the signed verdicts draw\n"))
        fail_msg("not reported:\n%s", f->lines);

    s_write_bytes(path, "<svg/>", 6);
    assert_int_equal(s_verify(f, NULL, &rep), VERIFY_OK);
    assert_int_equal(rep.problems, 1);
    if (!strstr(f->lines, "compare/alpha-vs-beta/card.png: is not a PNG (a card is a 1200x630 "
                          "PNG)\n"))
        fail_msg("not reported:\n%s", f->lines);

    assert_int_equal(unlink(path), 0);
    assert_int_equal(s_verify(f, NULL, &rep), VERIFY_OK);
    assert_int_equal(rep.problems, 1);
    if (!strstr(f->lines, "compare/alpha-vs-beta/card.png: is missing (the signed data makes "
                          "this file)\n"))
        fail_msg("not reported:\n%s", f->lines);
    free(path);
}

static void test_extra_file_and_wrong_key(void **state)
{
    s_fix *f = *state;
    FILE *fp = fopen(s_path(f, "tools/alpha/extra.html"), "w");
    assert_non_null(fp);
    fputs("<p>not signed</p>\n", fp);
    fclose(fp);
    verify_report rep;
    assert_int_equal(s_verify(f, NULL, &rep), VERIFY_OK);
    assert_int_equal(rep.problems, 1);
    assert_non_null(
        strstr(f->lines, "tools/alpha/extra.html: is not part of the site the signed data makes"));
    unlink(s_path(f, "tools/alpha/extra.html"));

    uint8_t other[SOS_PK_BYTES];
    memcpy(other, sos_key_public(s_key), SOS_PK_BYTES);
    other[0] ^= 1;
    assert_int_equal(s_verify(f, other, &rep), VERIFY_OK);
    assert_true(rep.forged);
    assert_non_null(strstr(f->lines, "not by the --key"));
}

static void test_not_a_site(void **state)
{
    s_fix *f = *state;
    char dir[64], why[512];
    verify_report rep;
    tu_tmpdir(dir);
    assert_int_equal(verify_site(dir, NULL, stdout, &rep, why, sizeof why), VERIFY_NOSITE);
    assert_non_null(strstr(why, "no index.json in"));
    assert_int_equal(tu_rmrf(dir), 0);
    strcat(dir, "/gone");
    assert_int_equal(verify_site(dir, NULL, stdout, &rep, why, sizeof why), VERIFY_NOSITE);
    (void)f;
}

int main(void)
{
    if (sos_sign_init() != 0 || sos_key_generate(&s_key) != 0)
        return 1;
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_clean, s_setup, s_teardown),
        cmocka_unit_test_setup_teardown(test_tampered_page, s_setup, s_teardown),
        cmocka_unit_test_setup_teardown(test_tampered_dates, s_setup, s_teardown),
        cmocka_unit_test_setup_teardown(test_tampered_twin, s_setup, s_teardown),
        cmocka_unit_test_setup_teardown(test_tampered_answer, s_setup, s_teardown),
        cmocka_unit_test_setup_teardown(test_tampered_card, s_setup, s_teardown),
        cmocka_unit_test_setup_teardown(test_extra_file_and_wrong_key, s_setup, s_teardown),
        cmocka_unit_test_setup_teardown(test_not_a_site, s_setup, s_teardown),
    };
    int rc = cmocka_run_group_tests(tests, NULL, NULL);
    sos_key_destroy(&s_key);
    return rc;
}
