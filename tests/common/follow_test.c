/* unit.common.follow: the follower's page apply, against a temp store and
 * with no sockets (sos_follow_opts.api NULL). What a page does to the
 * cursor, the events applied and the store, for a page after the cursor,
 * over it, with a gap, with an event skipped, with a failing apply, and
 * when the map is full. */
#include "testutil.h"

#include <string.h>

#include "follow.h"
#include "log.h"

enum { DB_APPLIED = SOS_DB_APP };
static const char *const s_dbs[] = {"applied"};

/* The apply callback's record, and what it should do. */
typedef struct {
    uint64_t seqs[16]; /* applied, in order (including the attempts rolled back) */
    size_t n;
    uint64_t fail_seq; /* answer fail_rc for this event (0: none) */
    int fail_rc;
    size_t value_len; /* bytes put per event */
    size_t pages;     /* page_done calls */
    int page_rc;      /* what page_done answers */
} s_probe;

static int s_apply(void *arg, sos_txn *txn, const Sos__Event *ev)
{
    s_probe *p = arg;
    static uint8_t value[16u << 10];
    uint8_t k[8];
    if (p->n < sizeof p->seqs / sizeof p->seqs[0])
        p->seqs[p->n++] = ev->seq;
    if (ev->seq == p->fail_seq)
        return p->fail_rc;
    assert_true(p->value_len <= sizeof value);
    sos_be64_put(k, ev->seq);
    return sos_txn_put(txn, DB_APPLIED, k, 8, value, p->value_len ? p->value_len : 1);
}

/* page_done: counts, and writes a record of the page in its transaction */
static int s_page_done(void *arg, sos_txn *txn)
{
    s_probe *p = arg;
    p->pages++;
    return p->page_rc ? p->page_rc : sos_txn_put(txn, DB_APPLIED, "page", 4, "x", 1);
}

static sos_follow *s_follow(tu_env *e, s_probe *p, uint64_t cursor)
{
    sos_follow_opts o = {.upstream = "upstream",
                         .store = e->store,
                         .cursor = cursor,
                         .apply = s_apply,
                         .page_done = s_page_done,
                         .arg = p};
    sos_follow *f = NULL;
    assert_int_equal(sos_follow_new(&o, &f), 0);
    assert_non_null(f);
    return f;
}

/* A page of tool events with the given seqs and head. */
typedef struct {
    Sos__EventsPage page;
    Sos__Event ev[8], *evp[8];
    Sos__Tool tool;
} s_page;

static void s_page_make(s_page *pg, const uint64_t *seqs, size_t n, uint64_t head)
{
    assert_true(n <= 8);
    pg->page = (Sos__EventsPage)SOS__EVENTS_PAGE__INIT;
    pg->tool = (Sos__Tool)SOS__TOOL__INIT;
    pg->tool.tool_id = (char *)"tool";
    for (size_t i = 0; i < n; i++) {
        pg->ev[i] = (Sos__Event)SOS__EVENT__INIT;
        pg->ev[i].seq = seqs[i];
        pg->ev[i].kind_case = SOS__EVENT__KIND_TOOL;
        pg->ev[i].tool = &pg->tool;
        pg->evp[i] = &pg->ev[i];
    }
    pg->page.n_events = n;
    pg->page.events = pg->evp;
    pg->page.head = head;
}

static uint64_t s_meta_cursor(tu_env *e)
{
    uint64_t c = 0;
    sos_txn *t = tu_begin(e, false);
    assert_int_equal(sos_meta_get_u64(t, "cursor", &c), SOS_OK);
    sos_txn_abort(&t);
    return c;
}

static bool s_stored(tu_env *e, uint64_t seq)
{
    uint8_t k[8];
    sos_be64_put(k, seq);
    sos_txn *t = tu_begin(e, false);
    int rc = sos_txn_get(t, DB_APPLIED, k, 8, NULL);
    sos_txn_abort(&t);
    assert_true(rc == SOS_OK || rc == SOS_NOTFOUND);
    return rc == SOS_OK;
}

static int s_setup(void **state)
{
    *state = tu_env_new(s_dbs, 1);
    return 0;
}

static int s_setup_small(void **state)
{
    *state = tu_env_new_sized(s_dbs, 1, 64u << 10, 256u << 10);
    return 0;
}

static int s_teardown(void **state)
{
    tu_env *e = *state;
    tu_env_free(&e);
    return 0;
}

static void test_apply_cases(void **state)
{
    (void)state;
    static const struct {
        const char *name;
        uint64_t cursor;   /* at start */
        uint64_t seqs[6];  /* the page, 0-terminated */
        uint64_t head;     /* the page's head */
        uint64_t fail_seq; /* apply fails on it with fail_rc */
        int fail_rc;
        int want_rc;              /* sos_follow_apply's result */
        uint64_t want_cursor;     /* after */
        uint64_t want_applied[6]; /* apply called for, in order; 0-terminated */
        uint64_t want_stored[6];  /* the events whose writes were committed */
    } cases[] = {
        {"caught up", 0, {1, 2, 3}, 3, 0, 0, 0, 3, {1, 2, 3}, {1, 2, 3}},
        {"more upstream", 0, {1, 2}, 9, 0, 0, 1, 2, {1, 2}, {1, 2}},
        {"at and below the cursor skipped", 2, {1, 2, 3, 4}, 4, 0, 0, 0, 4, {3, 4}, {3, 4}},
        {"all below the cursor", 5, {1, 2}, 5, 0, 0, 0, 5, {0}, {0}},
        {"a gap is applied", 0, {1, 4}, 4, 0, 0, 0, 4, {1, 4}, {1, 4}},
        {"EINVAL skips the event", 0, {1, 2, 3}, 3, 2, SOS_EINVAL, 0, 3, {1, 2, 3}, {1, 3}},
        {"a store error applies nothing", 0, {1, 2, 3}, 3, 2, SOS_EIO, SOS_EIO, 0, {1, 2}, {0}},
        {"full: nothing, cursor kept", 1, {2, 3}, 3, 3, SOS_FULL, SOS_FULL, 1, {2, 3}, {0}},
        {"disk full: cursor kept", 1, {2, 3}, 3, 3, SOS_NOSPACE, SOS_NOSPACE, 1, {2, 3}, {0}},
        {"a NOTFOUND let out is no success", 0, {1}, 1, 1, SOS_NOTFOUND, SOS_NOTFOUND, 0, {1}, {0}},
    };
    for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
        tu_env *e = tu_env_new(s_dbs, 1);
        s_probe p = {.fail_seq = cases[c].fail_seq, .fail_rc = cases[c].fail_rc};
        sos_follow *f = s_follow(e, &p, cases[c].cursor);
        s_page pg;
        size_t n = 0;
        while (n < 6 && cases[c].seqs[n])
            n++;
        s_page_make(&pg, cases[c].seqs, n, cases[c].head);
        print_message("case: %s\n", cases[c].name);
        assert_int_equal(sos_follow_apply(f, &pg.page), cases[c].want_rc);
        assert_false(sos_log_holding()); /* the page's lines released either way */
        assert_int_equal(sos_follow_cursor(f), cases[c].want_cursor);
        /* the stored cursor moves with the page, or not at all */
        assert_int_equal(s_meta_cursor(e), cases[c].want_rc >= 0 ? cases[c].want_cursor : 0);
        size_t k = 0;
        for (; k < 6 && cases[c].want_applied[k]; k++) {
            assert_true(k < p.n);
            assert_int_equal(p.seqs[k], cases[c].want_applied[k]);
        }
        assert_int_equal(p.n, k);
        for (uint64_t s = 1; s <= 6; s++) {
            bool want = false;
            for (size_t j = 0; j < 6 && cases[c].want_stored[j]; j++)
                want = want || cases[c].want_stored[j] == s;
            assert_int_equal(s_stored(e, s), want);
        }
        sos_follow_destroy(&f);
        tu_env_free(&e);
    }
}

/* The cursor a follower starts from is the one its pages move on from,
 * page after page. */
static void test_apply_pages_in_turn(void **state)
{
    tu_env *e = *state;
    s_probe p = {0};
    sos_follow *f = s_follow(e, &p, 0);
    s_page pg;
    static const uint64_t first[] = {1, 2, 3}, second[] = {3, 4, 5};
    s_page_make(&pg, first, 3, 5);
    assert_int_equal(sos_follow_apply(f, &pg.page), 1);
    s_page_make(&pg, second, 3, 5);
    assert_int_equal(sos_follow_apply(f, &pg.page), 0);
    assert_int_equal(p.n, 5); /* 3 was not applied twice */
    assert_int_equal(sos_follow_cursor(f), 5);
    assert_int_equal(p.pages, 2); /* once a page, not once an event */
    sos_txn *t = tu_begin(e, false);
    assert_int_equal(sos_txn_get(t, DB_APPLIED, "page", 4, NULL), SOS_OK);
    sos_txn_abort(&t);
    sos_follow_destroy(&f);

    /* a page_done that fails: the page is not applied, the cursor stays */
    s_probe q = {.page_rc = SOS_EINVAL};
    f = s_follow(e, &q, 5);
    static const uint64_t third[] = {6};
    s_page_make(&pg, third, 1, 6);
    assert_int_equal(sos_follow_apply(f, &pg.page), SOS_EINVAL);
    assert_int_equal(sos_follow_cursor(f), 5);
    assert_int_equal(s_meta_cursor(e), 5);
    sos_follow_destroy(&f);

    /* a new follower on the stored cursor (as a restarted daemon) */
    f = s_follow(e, &p, s_meta_cursor(e));
    assert_int_equal(sos_follow_cursor(f), 5);
    s_page_make(&pg, second, 3, 5);
    assert_int_equal(sos_follow_apply(f, &pg.page), 0);
    assert_int_equal(p.n, 5);
    sos_follow_destroy(&f);
}

/* A page that does not fit the map grows it and is applied whole. */
static void test_apply_grows_map(void **state)
{
    tu_env *e = *state;
    s_probe p = {.value_len = 10000};
    sos_follow *f = s_follow(e, &p, 0);
    static const uint64_t seqs[] = {1, 2, 3, 4, 5, 6, 7, 8};
    s_page pg;
    s_page_make(&pg, seqs, 8, 8);
    size_t before = sos_store_map_size(e->store);
    assert_int_equal(sos_follow_apply(f, &pg.page), 0);
    assert_true(sos_store_map_size(e->store) > before);
    assert_true(p.n > 8); /* the attempt that found the map full, then the page again */
    assert_int_equal(sos_follow_cursor(f), 8);
    assert_int_equal(s_meta_cursor(e), 8);
    for (uint64_t s = 1; s <= 8; s++)
        assert_true(s_stored(e, s));
    sos_follow_destroy(&f);
}

/* Without an api endpoint the follower has no sockets; destroy is safe
 * twice. */
static void test_no_sockets(void **state)
{
    tu_env *e = *state;
    s_probe p = {0};
    sos_follow *f = s_follow(e, &p, 7);
    sos_sock *socks[2] = {(sos_sock *)1, (sos_sock *)1};
    sos_follow_socks(f, socks);
    assert_null(socks[0]);
    assert_null(socks[1]);
    assert_int_equal(sos_follow_cursor(f), 7);
    sos_follow_destroy(&f);
    assert_null(f);
    sos_follow_destroy(&f);
}

int main(void)
{
    sos_log_init("follow_test", SOS_LOG_ERROR);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_apply_cases),
        cmocka_unit_test_setup_teardown(test_apply_pages_in_turn, s_setup, s_teardown),
        cmocka_unit_test_setup_teardown(test_apply_grows_map, s_setup_small, s_teardown),
        cmocka_unit_test_setup_teardown(test_no_sockets, s_setup, s_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
