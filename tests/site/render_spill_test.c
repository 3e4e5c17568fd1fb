/* unit.site.render_spill: how the site model holds its tools
 * (clients/site/render_spill.c): a summary each and the whole verdict in
 * the spill file, read back whole; the cache of verdicts read back (a hit
 * is the same verdict, the least recently used goes); a verdict held out
 * of the cache outlives any number of reads and goes back in; and no
 * usable temporary directory, where every verdict stays in memory. */
#include "sitefix.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "render_int.h"

enum { S_TOOLS = RENDER_CACHE + 6 };

static char s_ids[S_TOOLS][16], s_names[S_TOOLS][16];

/* A model of S_TOOLS tools, "t000" up, sorted (render_site_prepare). */
static render_site *s_model(void)
{
    sos_key *key = NULL;
    assert_int_equal(sos_key_generate(&key), 0);
    render_site *s = render_site_new();
    for (int i = 0; i < S_TOOLS; i++) {
        Sos__Tool tool;
        snprintf(s_ids[i], sizeof s_ids[i], "t%03d", i);
        snprintf(s_names[i], sizeof s_names[i], "Tool %d", i);
        sf_tool(&tool, s_ids[i], s_names[i]);
        site_tool *t = calloc(1, sizeof *t);
        assert_non_null(t);
        assert_int_equal(site_tool_load(sf_verdict4(key, &tool, 1735689600 + i), 100 + i, t), 0);
        render_site_add_tool(s, t);
    }
    sos_key_destroy(&key);
    render_site_prepare(s, 0);
    assert_int_equal(render_site_tool_count(s), S_TOOLS);
    return s;
}

/* The whole verdict of tools[i] is tool i's. */
static void s_is(render_site *s, size_t i, const site_tool *t)
{
    assert_non_null(t);
    assert_string_equal(t->v->tool->tool_id, s_ids[i]);
    assert_string_equal(t->v->tool->name, s_names[i]);
    assert_int_equal(t->seq, 100 + i);
    assert_int_equal(t->body->finalized_at, s->tools[i]->body.finalized_at);
    assert_int_equal(t->v->n_takes, 4);
}

static void test_spill_and_cache(void **state)
{
    (void)state;
    render_site *s = s_model();
    assert_true(s->spill >= 0);
    for (size_t i = 0; i < S_TOOLS; i++) {
        assert_null(s->tools[i]->full); /* spilled */
        assert_string_equal(s->tools[i]->tool.tool_id, s_ids[i]);
        const site_tool *t = render_spill_full(s, i);
        s_is(s, i, t);
        assert_ptr_equal(render_spill_full(s, i), t); /* a hit */
    }
    /* 0 was evicted by the reads after it: read back again */
    s_is(s, 0, render_spill_full(s, 0));

    /* held out of the cache, it outlives a cache's worth of reads */
    const site_tool *a = render_spill_full(s, 1);
    site_tool *keep = render_spill_hold(s, a);
    assert_ptr_equal(keep, a);
    for (size_t i = 2; i < 2 + RENDER_CACHE; i++)
        s_is(s, i, render_spill_full(s, i));
    s_is(s, 1, keep);
    render_spill_put_back(s, 1, keep);
    assert_ptr_equal(render_spill_full(s, 1), keep);
    render_spill_put_back(s, 1, NULL); /* nothing */
    render_site_destroy(&s);
    assert_null(s);
}

static void test_no_temporary_file(void **state)
{
    (void)state;
    const char *old = getenv("TMPDIR");
    char *saved = old ? strdup(old) : NULL;
    assert_int_equal(setenv("TMPDIR", "/nonexistent/sos-render-test", 1), 0);
    render_site *s = s_model();
    assert_int_equal(s->spill, -2);
    for (size_t i = 0; i < S_TOOLS; i++) {
        assert_non_null(s->tools[i]->full); /* kept whole */
        assert_ptr_equal(render_spill_full(s, i), s->tools[i]->full);
        s_is(s, i, s->tools[i]->full);
    }
    assert_null(render_spill_hold(s, s->tools[0]->full)); /* not the cache's */
    render_site_destroy(&s);
    if (saved)
        assert_int_equal(setenv("TMPDIR", saved, 1), 0);
    else
        assert_int_equal(unsetenv("TMPDIR"), 0);
    free(saved);
}

int main(void)
{
    if (sos_sign_init() != 0)
        return 1;
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_spill_and_cache),
        cmocka_unit_test(test_no_temporary_file),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
