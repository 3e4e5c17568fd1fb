/* unit.site.site_dir: rendering a small model into a temporary directory
 * (clients/site/site_dir.c): the files of a release, the swap of
 * OUT/current, the .state cursor across runs, incremental releases made of
 * hard links, pruning after the grace period, a full render when the
 * layout changes, release numbers never reused, and a failed render that
 * leaves nothing behind (clients/site/site_dir_state.c and
 * site_dir_release.c through it). The site lock: site_dir_lock_test.c. */
#include "sitefix.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "site_dir.h"

static sos_key *s_key;

typedef struct {
    char dir[64];
    Sos__Tool a, b, c;
    site_dir_opts opts; /* what s_run opens with */
} s_fix;

static int s_setup(void **state)
{
    s_fix *f = calloc(1, sizeof *f);
    tu_tmpdir(f->dir);
    sf_tool(&f->a, "alpha", "Alpha");
    sf_tool(&f->b, "beta", "Beta");
    sf_tool(&f->c, "gamma", "Gamma");
    f->opts = (site_dir_opts){false, SITE_DIR_KEEP_SECONDS};
    *state = f;
    return 0;
}

static int s_teardown(void **state)
{
    s_fix *f = *state;
    assert_int_equal(tu_rmrf(f->dir), 0);
    free(f);
    return 0;
}

/* Feeds page (seq 1..n) to a fresh site_dir on f->dir and renders. */
static void s_run(s_fix *f, const char *base, const sf_event *evs, size_t n, bool full,
                  site_dir_result *res)
{
    site_dir *d = NULL;
    assert_int_equal(site_dir_open(f->dir, base, &f->opts, &d, NULL, 0), SITE_DIR_OK);
    if (n) {
        Sos__EventsPage *page = sf_page(evs, n);
        size_t news = 0;
        assert_int_equal(site_dir_add_page(d, page, &news), SITE_DIR_OK);
        assert_int_equal(news, n);
        assert_int_equal(site_dir_cursor(d), page->head);
        sos__events_page__free_unpacked(page, NULL);
    }
    int rc = site_dir_render(d, full, res);
    if (rc != SITE_DIR_OK)
        fail_msg("site_dir_render: %d %s", rc, site_dir_why(d));
    site_dir_destroy(&d);
    assert_null(d);
    site_dir_destroy(&d); /* safe twice */
}

static char *s_file(const s_fix *f, const char *rel)
{
    char path[512];
    snprintf(path, sizeof path, "%s/%s", f->dir, rel);
    return sf_read(path);
}

static ino_t s_ino(const s_fix *f, const char *rel)
{
    char path[512];
    struct stat st;
    snprintf(path, sizeof path, "%s/%s", f->dir, rel);
    assert_int_equal(stat(path, &st), 0);
    return st.st_ino;
}

static void s_current_is(const s_fix *f, const char *want)
{
    char path[512], target[64];
    snprintf(path, sizeof path, "%s/current", f->dir);
    ssize_t n = readlink(path, target, sizeof target - 1);
    assert_true(n > 0);
    target[n] = '\0';
    assert_string_equal(target, want);
}

static void test_first_release(void **state)
{
    s_fix *f = *state;
    Sos__Verdict *va = sf_verdict4(s_key, &f->a, 1735689600),
                 *vb = sf_verdict4(s_key, &f->b, 1735689700);
    Sos__Comparison c = SOS__COMPARISON__INIT;
    c.slug = (char *)"alpha-vs-beta";
    c.tool_a = (char *)"alpha";
    c.tool_b = (char *)"beta";
    c.created_at = 1735689800;
    sf_event evs[] = {{1, va, NULL}, {2, vb, NULL}, {3, NULL, &c}};
    site_dir_result res;
    s_run(f, "https://example.org", evs, 3, false, &res);
    assert_false(res.up_to_date);
    assert_false(res.incremental);
    assert_int_equal(res.release, 1);
    assert_int_equal(res.cursor, 3);
    assert_int_equal(res.tools, 2);
    assert_int_equal(res.comparisons, 1);
    assert_int_equal(res.linked, 0);
    s_current_is(f, "releases/1");
    static const char *const files[] = {"index.html",
                                        "index.json",
                                        "feed.atom",
                                        "feed.json",
                                        "sitemap.xml",
                                        "assets/site.css",
                                        "assets/site.js",
                                        "assets/favicon.svg",
                                        "robots.txt",
                                        "404.html",
                                        "how-we-review/index.html",
                                        "tools/alpha/index.html",
                                        "tools/alpha/index.json",
                                        "tools/beta/index.html",
                                        "tools/beta/index.json",
                                        "compare/alpha-vs-beta/index.html",
                                        "compare/alpha-vs-beta/index.json",
                                        "compare/index.html",
                                        "compare/index.json",
                                        "tools/index.html",
                                        "tools/index.json",
                                        "compare/alpha-vs-beta/card.png"};
    size_t nf = sizeof files / sizeof files[0];
    assert_int_equal(res.written, nf);
    for (size_t i = 0; i < nf; i++) {
        char rel[128];
        snprintf(rel, sizeof rel, "current/%s", files[i]);
        char *s = s_file(f, rel);
        if (!s)
            fail_msg("%s is missing", rel);
        assert_true(strlen(s) > 0);
        free(s);
    }
    char *cmp = s_file(f, "current/compare/alpha-vs-beta/index.html");
    assert_non_null(strstr(cmp, "<h1>Alpha vs Beta</h1>"));
    assert_non_null(strstr(cmp, "https://example.org/compare/alpha-vs-beta/"));
    free(cmp);
    char *tmp = s_file(f, "current.tmp"); /* the swap left no temporary link */
    assert_null(tmp);

    /* the cursor is in .state: nothing new, nothing changes */
    s_run(f, "https://example.org", NULL, 0, false, &res);
    assert_true(res.up_to_date);
    assert_int_equal(res.cursor, 3);
    assert_int_equal(res.release, 1);
    s_current_is(f, "releases/1");
    char rel2[512];
    snprintf(rel2, sizeof rel2, "%s/releases/2", f->dir);
    assert_int_equal(access(rel2, F_OK), -1);
    sos__verdict__free_unpacked(va, NULL);
    sos__verdict__free_unpacked(vb, NULL);
}

/* A new verdict: release 2 is release 1's files as hard links, with only
 * the pages that show something new written anew; release 1 is untouched. */
static void test_incremental_release(void **state)
{
    s_fix *f = *state;
    Sos__Verdict *va = sf_verdict4(s_key, &f->a, 1735689600),
                 *vb = sf_verdict4(s_key, &f->b, 1735689700);
    Sos__Comparison c = SOS__COMPARISON__INIT;
    c.slug = (char *)"alpha-vs-beta";
    c.tool_a = (char *)"alpha";
    c.tool_b = (char *)"beta";
    c.created_at = 1735689800;
    sf_event first[] = {{1, va, NULL}, {2, vb, NULL}, {3, NULL, &c}};
    site_dir_result res;
    s_run(f, "https://example.org", first, 3, false, &res);
    char *index1 = s_file(f, "releases/1/index.html");

    Sos__Verdict *vc = sf_verdict4(s_key, &f->c, 1735690000);
    sf_event second[] = {{4, vc, NULL}};
    s_run(f, "https://example.org", second, 1, false, &res);
    assert_true(res.incremental);
    assert_int_equal(res.release, 2);
    assert_int_equal(res.cursor, 4);
    assert_int_equal(res.tools, 3);
    assert_int_equal(res.linked, 22);
    s_current_is(f, "releases/2");
    /* compare/index.html shows no tool without a comparison: the same
     * bytes, so not rewritten; tools/index.html lists the new tool */
    assert_true(s_ino(f, "releases/1/compare/index.html") ==
                s_ino(f, "releases/2/compare/index.html"));
    assert_true(s_ino(f, "releases/1/compare/index.json") ==
                s_ino(f, "releases/2/compare/index.json"));
    assert_true(s_ino(f, "releases/1/tools/index.html") != s_ino(f, "releases/2/tools/index.html"));
    /* untouched pages are the same inode as in release 1 */
    assert_true(s_ino(f, "releases/1/compare/alpha-vs-beta/index.html") ==
                s_ino(f, "releases/2/compare/alpha-vs-beta/index.html"));
    assert_true(s_ino(f, "releases/1/compare/alpha-vs-beta/card.png") ==
                s_ino(f, "releases/2/compare/alpha-vs-beta/card.png"));
    assert_true(s_ino(f, "releases/1/tools/alpha/index.html") ==
                s_ino(f, "releases/2/tools/alpha/index.html"));
    /* pages showing the new verdict are new files; release 1 kept its own */
    assert_true(s_ino(f, "releases/1/index.html") != s_ino(f, "releases/2/index.html"));
    char *index1_after = s_file(f, "releases/1/index.html"),
         *index2 = s_file(f, "current/index.html");
    assert_string_equal(index1_after, index1);
    assert_null(strstr(index1, "Gamma"));
    assert_non_null(strstr(index2, "Gamma"));
    char *gamma = s_file(f, "current/tools/gamma/index.json");
    assert_non_null(gamma);
    free(gamma);
    free(index1);
    free(index1_after);
    free(index2);
    sos__verdict__free_unpacked(va, NULL);
    sos__verdict__free_unpacked(vb, NULL);
    sos__verdict__free_unpacked(vc, NULL);
}

/* A card is drawn only for a new comparison or a new verdict of one of its
 * tools: after a new comparison of alpha, alpha's other cards are linked
 * from the previous release; a new verdict of alpha draws every card of
 * alpha anew. */
static void test_card_redrawn_when_a_verdict_changes(void **state)
{
    s_fix *f = *state;
    Sos__Verdict *va = sf_verdict4(s_key, &f->a, 1735689600),
                 *vb = sf_verdict4(s_key, &f->b, 1735689700),
                 *vc = sf_verdict4(s_key, &f->c, 1735689750);
    Sos__Comparison ab = SOS__COMPARISON__INIT, ac = SOS__COMPARISON__INIT;
    ab.slug = (char *)"alpha-vs-beta";
    ab.tool_a = (char *)"alpha";
    ab.tool_b = (char *)"beta";
    ab.created_at = 1735689800;
    ac.slug = (char *)"alpha-vs-gamma";
    ac.tool_a = (char *)"alpha";
    ac.tool_b = (char *)"gamma";
    ac.created_at = 1735689900;
    sf_event first[] = {{1, va, NULL}, {2, vb, NULL}, {3, vc, NULL}, {4, NULL, &ab}};
    site_dir_result res;
    s_run(f, "https://example.org", first, 4, false, &res);
    char *card1 = s_file(f, "releases/1/compare/alpha-vs-beta/card.png");
    assert_non_null(card1);

    sf_event second[] = {{5, NULL, &ac}};
    s_run(f, "https://example.org", second, 1, false, &res);
    assert_true(res.incremental);
    assert_true(s_ino(f, "releases/1/compare/alpha-vs-beta/card.png") ==
                s_ino(f, "releases/2/compare/alpha-vs-beta/card.png"));
    char *card_ac = s_file(f, "releases/2/compare/alpha-vs-gamma/card.png");
    assert_non_null(card_ac);

    /* alpha's panel turns: every take a skip */
    const sf_take skips[] = {{SOS__PERSONA__PERSONA_BUILDER, 20, false, "no"},
                             {SOS__PERSONA__PERSONA_SKEPTIC, 10, false, "no"},
                             {SOS__PERSONA__PERSONA_FUTURIST, 30, false, "no"},
                             {SOS__PERSONA__PERSONA_FOUNDER, 25, false, "no"}};
    Sos__Verdict *va2 = sf_verdict(s_key, &f->a, skips, 4, 1735690000);
    sf_event third[] = {{6, va2, NULL}};
    s_run(f, "https://example.org", third, 1, false, &res);
    assert_true(res.incremental);
    assert_true(s_ino(f, "releases/2/compare/alpha-vs-beta/card.png") !=
                s_ino(f, "releases/3/compare/alpha-vs-beta/card.png"));
    assert_true(s_ino(f, "releases/2/compare/alpha-vs-gamma/card.png") !=
                s_ino(f, "releases/3/compare/alpha-vs-gamma/card.png"));
    char path[512];
    struct stat st1, st3;
    snprintf(path, sizeof path, "%s/releases/1/compare/alpha-vs-beta/card.png", f->dir);
    assert_int_equal(stat(path, &st1), 0);
    snprintf(path, sizeof path, "%s/releases/3/compare/alpha-vs-beta/card.png", f->dir);
    assert_int_equal(stat(path, &st3), 0);
    char *card3 = sf_read(path);
    assert_true(st1.st_size != st3.st_size || memcmp(card1, card3, (size_t)st1.st_size) != 0);
    free(card1);
    free(card3);
    free(card_ac);
    sos__verdict__free_unpacked(va, NULL);
    sos__verdict__free_unpacked(vb, NULL);
    sos__verdict__free_unpacked(vc, NULL);
    sos__verdict__free_unpacked(va2, NULL);
}

/* With no grace period, current and the SITE_DIR_KEEP_PREVIOUS before it
 * stay; a changed base URL is a full render; --full rewrites everything. */
static void test_prune_layout_full(void **state)
{
    s_fix *f = *state;
    site_dir_result res;
    uint64_t seq = 0;
    f->opts.keep_seconds = 0;
    for (int i = 0; i < 5; i++) {
        Sos__Tool t;
        char id[16];
        snprintf(id, sizeof id, "tool%d", i);
        sf_tool(&t, id, id);
        Sos__Verdict *v = sf_verdict4(s_key, &t, 1735689600 + (uint64_t)i);
        sf_event ev[] = {{++seq, v, NULL}};
        s_run(f, "https://example.org", ev, 1, false, &res);
        assert_int_equal(res.release, (uint64_t)i + 1);
        sos__verdict__free_unpacked(v, NULL);
    }
    for (int r = 1; r <= 5; r++) {
        char path[512];
        snprintf(path, sizeof path, "%s/releases/%d", f->dir, r);
        assert_int_equal(access(path, F_OK) == 0, r >= 5 - SITE_DIR_KEEP_PREVIOUS);
    }
    s_run(f, "https://other.example", NULL, 0, false, &res);
    assert_false(res.up_to_date);
    assert_true(res.layout_changed);
    assert_false(res.incremental);
    assert_int_equal(res.release, 6);
    char *idx = s_file(f, "current/sitemap.xml");
    assert_non_null(strstr(idx, "https://other.example/tools/tool4/"));
    free(idx);
    s_run(f, "https://other.example", NULL, 0, true, &res);
    assert_false(res.up_to_date);
    assert_false(res.incremental);
    assert_int_equal(res.release, 7);
    assert_int_equal(res.written, 5 * 2 + 15); /* every tool page and twin, the site files */
}

/* A directory that cannot be made is an error, not a crash. */
static void test_open_fails(void **state)
{
    s_fix *f = *state;
    char file[128], below[160];
    snprintf(file, sizeof file, "%s/file", f->dir);
    FILE *fp = fopen(file, "w");
    assert_non_null(fp);
    fclose(fp);
    snprintf(below, sizeof below, "%s/out", file);
    site_dir *d = (site_dir *)1;
    char why[256];
    assert_int_equal(site_dir_open(below, "https://example.org", NULL, &d, why, sizeof why),
                     SITE_DIR_ECREATE);
    assert_null(d);
    assert_non_null(strstr(why, below));
}

static void s_create(const char *path, const char *text)
{
    FILE *fp = fopen(path, "wx");
    assert_non_null(fp);
    assert_int_equal(fputs(text, fp) >= 0, 1);
    assert_int_equal(fclose(fp), 0);
}

static bool s_exists(const s_fix *f, const char *rel)
{
    char path[512];
    snprintf(path, sizeof path, "%s/%s", f->dir, rel);
    return access(path, F_OK) == 0;
}

/* One new tool per render, seq after seq. */
static void s_run_tool(s_fix *f, uint64_t seq, site_dir_result *res)
{
    Sos__Tool t;
    char id[32];
    snprintf(id, sizeof id, "tool%" PRIu64, seq);
    sf_tool(&t, id, id);
    Sos__Verdict *v = sf_verdict4(s_key, &t, 1735689600 + seq);
    sf_event ev[] = {{seq, v, NULL}};
    s_run(f, "https://example.org", ev, 1, false, res);
    sos__verdict__free_unpacked(v, NULL);
}

/* A release that stopped being current stays for keep_seconds, whoever
 * renders meanwhile (an up-to-date render prunes too); past it, only the
 * SITE_DIR_KEEP_PREVIOUS before current stay. */
static void test_grace_period(void **state)
{
    s_fix *f = *state;
    site_dir_result res;
    f->opts.keep_seconds = 3600;
    for (uint64_t i = 1; i <= 5; i++)
        s_run_tool(f, i, &res);
    assert_int_equal(res.release, 5);
    for (int r = 1; r <= 5; r++) {
        char rel[32];
        snprintf(rel, sizeof rel, "releases/%d", r);
        if (!s_exists(f, rel))
            fail_msg("%s was removed within its grace period", rel);
    }
    f->opts.keep_seconds = 0; /* the grace is over */
    s_run(f, "https://example.org", NULL, 0, false, &res);
    assert_true(res.up_to_date);
    assert_false(s_exists(f, "releases/1"));
    assert_false(s_exists(f, "releases/2"));
    assert_true(s_exists(f, "releases/3") && s_exists(f, "releases/4"));
    s_current_is(f, "releases/5");
    s_run_tool(f, 6, &res);
    s_current_is(f, "releases/6");
    assert_false(s_exists(f, "releases/3"));
    assert_true(s_exists(f, "releases/4") && s_exists(f, "releases/5"));
}

/* A release number in use (another writer's, or left by a render that
 * died) is never written into nor reused: the release is the next number. */
static void test_release_exclusive(void **state)
{
    s_fix *f = *state;
    site_dir_result res;
    char path[512];
    s_run_tool(f, 1, &res);
    assert_int_equal(res.release, 1);
    snprintf(path, sizeof path, "%s/releases/2", f->dir);
    assert_int_equal(mkdir(path, 0755), 0);
    snprintf(path, sizeof path, "%s/releases/2/marker", f->dir);
    s_create(path, "not a release of ours");
    s_run_tool(f, 2, &res);
    assert_int_equal(res.release, 3);
    s_current_is(f, "releases/3");
    assert_false(s_exists(f, "current/marker"));
    assert_true(s_exists(f, "current/tools/tool2/index.html"));
    /* never current, so nobody reads it: the render removed what was left */
    assert_false(s_exists(f, "releases/2"));
    s_run_tool(f, 3, &res);
    assert_int_equal(res.release, 4);
}

/* A render that fails half way (a page cannot be written: a file where its
 * directory must go) removes its release and leaves the cursor at the
 * current one: the next render takes on the same publications again
 * ("4 new", not "0 new") and shows them; the failed number is not reused. */
static void test_failed_render(void **state)
{
    s_fix *f = *state;
    Sos__Verdict *va = sf_verdict4(s_key, &f->a, 1735689600),
                 *vb = sf_verdict4(s_key, &f->b, 1735689700);
    sf_event first[] = {{1, va, NULL}, {2, vb, NULL}};
    site_dir_result res;
    s_run(f, "https://example.org", first, 2, false, &res);
    assert_int_equal(res.release, 1);

    Sos__Tool td, te;
    sf_tool(&td, "delta", "Delta");
    sf_tool(&te, "epsilon", "Epsilon");
    Sos__Verdict *vc = sf_verdict4(s_key, &f->c, 1735690000),
                 *vd = sf_verdict4(s_key, &td, 1735690100),
                 *ve = sf_verdict4(s_key, &te, 1735690200);
    Sos__Comparison cm = SOS__COMPARISON__INIT;
    cm.slug = (char *)"alpha-vs-delta";
    cm.tool_a = (char *)"alpha";
    cm.tool_b = (char *)"delta";
    cm.created_at = 1735690300;
    sf_event second[] = {{3, vd, NULL}, {4, ve, NULL}, {5, vc, NULL}, {6, NULL, &cm}};
    char plant[512];
    snprintf(plant, sizeof plant, "%s/releases/1/tools/gamma", f->dir);
    s_create(plant, "a file where a directory must go");

    site_dir *d = NULL;
    size_t news = 0;
    assert_int_equal(site_dir_open(f->dir, "https://example.org", &f->opts, &d, NULL, 0),
                     SITE_DIR_OK);
    Sos__EventsPage *page = sf_page(second, 4);
    assert_int_equal(site_dir_add_page(d, page, &news), SITE_DIR_OK);
    sos__events_page__free_unpacked(page, NULL);
    assert_int_equal(news, 4);
    assert_int_equal(site_dir_render(d, false, &res), SITE_DIR_EWRITE);
    assert_non_null(strstr(site_dir_why(d), "releases/2"));
    site_dir_destroy(&d);
    s_current_is(f, "releases/1");
    assert_false(s_exists(f, "releases/2")); /* its partial release is gone */
    assert_false(s_exists(f, "current.tmp"));

    assert_int_equal(unlink(plant), 0); /* the operator frees the disk */
    news = 0;
    assert_int_equal(site_dir_open(f->dir, "https://example.org", &f->opts, &d, NULL, 0),
                     SITE_DIR_OK);
    assert_int_equal(site_dir_cursor(d), 2); /* the current release's */
    page = sf_page(second, 4);               /* what the pull gives again */
    assert_int_equal(site_dir_add_page(d, page, &news), SITE_DIR_OK);
    sos__events_page__free_unpacked(page, NULL);
    assert_int_equal(news, 4);
    assert_int_equal(site_dir_render(d, false, &res), SITE_DIR_OK);
    site_dir_destroy(&d);
    assert_int_equal(res.release, 3);
    assert_int_equal(res.cursor, 6);
    assert_int_equal(res.tools, 5);
    assert_int_equal(res.comparisons, 1); /* once, though stored by the failed render too */
    s_current_is(f, "releases/3");
    static const char *const ids[] = {"alpha", "beta", "gamma", "delta", "epsilon"};
    for (size_t i = 0; i < 5; i++) {
        char rel[64];
        snprintf(rel, sizeof rel, "current/tools/%s/index.json", ids[i]);
        if (!s_exists(f, rel))
            fail_msg("%s is missing", rel);
    }
    char *index = s_file(f, "current/index.json");
    assert_non_null(strstr(index, "\"gamma\""));
    free(index);
    s_run(f, "https://example.org", NULL, 0, false, &res);
    assert_true(res.up_to_date);
    assert_int_equal(res.tools, 5);
    assert_int_equal(res.comparisons, 1);
    sos__verdict__free_unpacked(va, NULL);
    sos__verdict__free_unpacked(vb, NULL);
    sos__verdict__free_unpacked(vc, NULL);
    sos__verdict__free_unpacked(vd, NULL);
    sos__verdict__free_unpacked(ve, NULL);
}

int main(void)
{
    if (sos_sign_init() != 0 || sos_key_generate(&s_key) != 0)
        return 1;
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_first_release, s_setup, s_teardown),
        cmocka_unit_test_setup_teardown(test_incremental_release, s_setup, s_teardown),
        cmocka_unit_test_setup_teardown(test_card_redrawn_when_a_verdict_changes, s_setup,
                                        s_teardown),
        cmocka_unit_test_setup_teardown(test_prune_layout_full, s_setup, s_teardown),
        cmocka_unit_test_setup_teardown(test_open_fails, s_setup, s_teardown),
        cmocka_unit_test_setup_teardown(test_grace_period, s_setup, s_teardown),
        cmocka_unit_test_setup_teardown(test_release_exclusive, s_setup, s_teardown),
        cmocka_unit_test_setup_teardown(test_failed_render, s_setup, s_teardown),
    };
    int rc = cmocka_run_group_tests(tests, NULL, NULL);
    sos_key_destroy(&s_key);
    return rc;
}
