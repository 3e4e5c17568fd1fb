/* unit.common.store: the LMDB store behind store.h. */
#include "testutil.h"

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include "store.h"

enum { DB_KV = SOS_DB_APP, DB_LOG };
static const char *const s_dbs[] = {"kv", "log"};

static int s_setup(void **state)
{
    *state = tu_env_new(s_dbs, 2);
    return 0;
}

static int s_setup_small(void **state)
{
    *state = tu_env_new_sized(s_dbs, 2, 64u << 10, 256u << 10);
    return 0;
}

static int s_teardown(void **state)
{
    tu_env *e = *state;
    tu_env_free(&e);
    return 0;
}

static void s_put(sos_txn *t, sos_db db, const char *k, const char *v)
{
    assert_int_equal(sos_txn_put(t, db, k, strlen(k), v, strlen(v)), SOS_OK);
}

static void s_expect(sos_txn *t, sos_db db, const char *k, const char *want)
{
    sos_val v;
    assert_int_equal(sos_txn_get(t, db, k, strlen(k), &v), SOS_OK);
    assert_int_equal(v.len, strlen(want));
    assert_memory_equal(v.data, want, v.len);
}

static void test_put_get_del_count(void **state)
{
    tu_env *e = *state;
    sos_txn *t = tu_begin(e, true);
    s_put(t, DB_KV, "alpha", "1");
    s_put(t, DB_KV, "beta", "22");
    s_put(t, DB_KV, "gamma", "333");
    s_put(t, DB_KV, "beta", "two"); /* overwrite */
    s_put(t, DB_LOG, "alpha", "other db");
    tu_commit(&t);

    assert_int_equal(tu_count(e, DB_KV), 3);
    assert_int_equal(tu_count(e, DB_LOG), 1);
    assert_int_equal(tu_count(e, SOS_DB_META), 0);

    t = tu_begin(e, false);
    s_expect(t, DB_KV, "alpha", "1");
    s_expect(t, DB_KV, "beta", "two");
    s_expect(t, DB_KV, "gamma", "333");
    s_expect(t, DB_LOG, "alpha", "other db");
    assert_int_equal(sos_txn_get(t, DB_KV, "delta", 5, NULL), SOS_NOTFOUND);
    assert_int_equal(sos_txn_get(t, DB_LOG, "beta", 4, NULL), SOS_NOTFOUND);
    assert_int_equal(sos_txn_get(t, DB_KV, "alpha", 5, NULL), SOS_OK); /* v may be NULL */
    sos_txn_abort(&t);
    assert_null(t);
    sos_txn_abort(&t); /* twice is safe */

    t = tu_begin(e, true);
    assert_int_equal(sos_txn_del(t, DB_KV, "beta", 4), SOS_OK);
    assert_int_equal(sos_txn_del(t, DB_KV, "beta", 4), SOS_NOTFOUND);
    tu_commit(&t);
    assert_int_equal(tu_count(e, DB_KV), 2);

    /* an aborted write leaves nothing behind */
    t = tu_begin(e, true);
    s_put(t, DB_KV, "zeta", "z");
    assert_int_equal(sos_txn_del(t, DB_KV, "alpha", 5), SOS_OK);
    sos_txn_abort(&t);
    assert_int_equal(tu_count(e, DB_KV), 2);
    t = tu_begin(e, false);
    s_expect(t, DB_KV, "alpha", "1");
    assert_int_equal(sos_txn_get(t, DB_KV, "zeta", 4, NULL), SOS_NOTFOUND);
    sos_txn_abort(&t);
}

static void s_put_u64(sos_txn *t, sos_db db, uint64_t k, uint64_t v, bool append)
{
    uint8_t kb[8], vb[8];
    sos_be64_put(kb, k);
    sos_be64_put(vb, v);
    int rc = append ? sos_txn_append(t, db, kb, 8, vb, 8) : sos_txn_put(t, db, kb, 8, vb, 8);
    assert_int_equal(rc, SOS_OK);
}

static uint64_t s_u64(sos_val v)
{
    assert_int_equal(v.len, 8);
    return sos_be64_get(v.data);
}

static void test_cursor_seek_next_last(void **state)
{
    tu_env *e = *state;
    /* keys 2, 4, ..., 20 in a scrambled order: byte order must be numeric */
    static const uint64_t keys[] = {14, 2, 20, 8, 4, 18, 6, 12, 10, 16};
    sos_txn *t = tu_begin(e, true);
    for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++)
        s_put_u64(t, DB_KV, keys[i], keys[i] * 100, false);
    s_put_u64(t, DB_KV, 300, 30000, false); /* > 255: needs the second byte */
    tu_commit(&t);

    t = tu_begin(e, false);
    sos_cursor *c = NULL;
    sos_val k, v;
    uint8_t kb[8];
    assert_int_equal(sos_cursor_open(t, DB_KV, &c), SOS_OK);

    assert_int_equal(sos_cursor_seek(c, NULL, 0, &k, &v), SOS_OK); /* first */
    assert_int_equal(s_u64(k), 2);
    assert_int_equal(s_u64(v), 200);
    uint64_t prev = 2, n = 1;
    while (sos_cursor_next(c, &k, &v) == SOS_OK) {
        assert_true(s_u64(k) > prev);
        assert_int_equal(s_u64(v), s_u64(k) * 100);
        prev = s_u64(k);
        n++;
    }
    assert_int_equal(n, 11);
    assert_int_equal(prev, 300);

    static const struct {
        uint64_t seek, found;
    } seeks[] = {{0, 2}, {2, 2}, {3, 4}, {11, 12}, {20, 20}, {21, 300}, {300, 300}};
    for (size_t i = 0; i < sizeof seeks / sizeof seeks[0]; i++) {
        sos_be64_put(kb, seeks[i].seek);
        assert_int_equal(sos_cursor_seek(c, kb, 8, &k, &v), SOS_OK);
        assert_int_equal(s_u64(k), seeks[i].found);
    }
    sos_be64_put(kb, 301);
    assert_int_equal(sos_cursor_seek(c, kb, 8, &k, &v), SOS_NOTFOUND);

    sos_be64_put(kb, 11);
    assert_int_equal(sos_cursor_seek(c, kb, 8, &k, NULL), SOS_OK);
    assert_int_equal(sos_cursor_next(c, NULL, &v), SOS_OK); /* key may be NULL */
    assert_int_equal(s_u64(v), 1400);

    assert_int_equal(sos_cursor_last(c, &k, &v), SOS_OK);
    assert_int_equal(s_u64(k), 300);
    assert_int_equal(sos_cursor_next(c, &k, &v), SOS_NOTFOUND);
    sos_cursor_destroy(&c);
    assert_null(c);
    sos_cursor_destroy(&c); /* safe twice */

    /* an empty database: no first, no last */
    assert_int_equal(sos_cursor_open(t, DB_LOG, &c), SOS_OK);
    assert_int_equal(sos_cursor_seek(c, NULL, 0, &k, &v), SOS_NOTFOUND);
    assert_int_equal(sos_cursor_last(c, &k, &v), SOS_NOTFOUND);
    sos_cursor_destroy(&c);
    sos_txn_abort(&t);
}

static void test_append_order(void **state)
{
    tu_env *e = *state;
    sos_txn *t = tu_begin(e, true);
    for (uint64_t i = 1; i <= 500; i++)
        s_put_u64(t, DB_LOG, i, i ^ 0x5a5a, true);
    tu_commit(&t);

    /* a key not above the last one is refused, and nothing changes */
    uint8_t kb[8], vb[1] = {0};
    t = tu_begin(e, true);
    sos_be64_put(kb, 250);
    assert_int_not_equal(sos_txn_append(t, DB_LOG, kb, 8, vb, 1), SOS_OK);
    sos_txn_abort(&t);
    t = tu_begin(e, true);
    sos_be64_put(kb, 500);
    assert_int_not_equal(sos_txn_append(t, DB_LOG, kb, 8, vb, 1), SOS_OK);
    sos_txn_abort(&t);
    assert_int_equal(tu_count(e, DB_LOG), 500);

    t = tu_begin(e, false);
    sos_cursor *c = NULL;
    sos_val k, v;
    assert_int_equal(sos_cursor_open(t, DB_LOG, &c), SOS_OK);
    uint64_t want = 1;
    for (int rc = sos_cursor_seek(c, NULL, 0, &k, &v); rc == SOS_OK;
         rc = sos_cursor_next(c, &k, &v), want++) {
        assert_int_equal(s_u64(k), want);
        assert_int_equal(s_u64(v), want ^ 0x5a5a);
    }
    assert_int_equal(want, 501);
    sos_cursor_destroy(&c);
    sos_txn_abort(&t);
}

/* One put of a 1 KiB value under key i in its own transaction. */
static int s_put_one(tu_env *e, uint32_t i)
{
    uint8_t k[4], val[1024];
    sos_txn *t = tu_begin(e, true);
    sos_be32_put(k, i);
    memset(val, (int)(i & 0xff), sizeof val);
    int rc = sos_txn_put(t, DB_KV, k, 4, val, sizeof val);
    if (rc == SOS_OK)
        return sos_txn_commit(&t);
    sos_txn_abort(&t);
    return rc;
}

/* sos_store_grow_ahead: nothing while the map is at most 3/4 used; past
 * that it doubles the map, so the writes that follow never find it full
 * before map_max. */
static void test_map_grow_ahead(void **state)
{
    tu_env *e = *state;
    assert_int_equal(sos_store_grow_ahead(e->store), SOS_OK);
    assert_int_equal(sos_store_map_size(e->store), 64u << 10); /* empty: no growth */
    uint32_t i = 0;
    int grew = 0;
    size_t last = sos_store_map_size(e->store);
    for (; i < 100; i++) {
        assert_int_equal(s_put_one(e, i), SOS_OK); /* never MAPFULL */
        int rc = sos_store_grow_ahead(e->store);
        assert_true(rc == SOS_OK || rc == SOS_FULL);
        if (sos_store_map_size(e->store) != last) {
            assert_int_equal(sos_store_map_size(e->store), 2 * last);
            last = sos_store_map_size(e->store);
            grew++;
        }
    }
    assert_int_equal(grew, 2); /* 64 -> 128 -> 256 KiB: map_max */
    assert_int_equal(sos_store_map_size(e->store), 256u << 10);
    assert_int_equal(sos_store_grow(e->store), SOS_FULL);
    assert_int_equal(tu_count(e, DB_KV), 100);
}

static void test_map_growth(void **state)
{
    tu_env *e = *state;
    assert_int_equal(sos_store_map_size(e->store), 64u << 10);
    uint32_t i = 0;
    size_t sizes[] = {128u << 10, 256u << 10};
    for (int g = 0; g < 2; g++) {
        int rc;
        while ((rc = s_put_one(e, i)) == SOS_OK)
            i++;
        assert_int_equal(rc, SOS_MAPFULL);
        assert_true(i > 0);
        assert_int_equal(sos_store_grow(e->store), SOS_OK);
        assert_int_equal(sos_store_map_size(e->store), sizes[g]);
        assert_int_equal(s_put_one(e, i), SOS_OK); /* the retry succeeds */
        i++;
    }
    int rc;
    while ((rc = s_put_one(e, i)) == SOS_OK)
        i++;
    assert_int_equal(rc, SOS_MAPFULL);
    assert_int_equal(sos_store_grow(e->store), SOS_FULL);
    assert_int_equal(sos_store_map_size(e->store), 256u << 10);
    assert_true(i > 100); /* 256 KiB holds well over 100 1 KiB values */

    /* everything committed is there, the refused put is not */
    assert_int_equal(tu_count(e, DB_KV), i);
    sos_txn *t = tu_begin(e, false);
    uint8_t k[4];
    sos_val v;
    for (uint32_t j = 0; j < i; j++) {
        sos_be32_put(k, j);
        assert_int_equal(sos_txn_get(t, DB_KV, k, 4, &v), SOS_OK);
        assert_int_equal(v.len, 1024);
        assert_int_equal(((const uint8_t *)v.data)[1023], j & 0xff);
    }
    sos_be32_put(k, i);
    assert_int_equal(sos_txn_get(t, DB_KV, k, 4, &v), SOS_NOTFOUND);
    sos_txn_abort(&t);

    /* a reopen with a smaller map keeps the file's size */
    sos_store_destroy(&e->store);
    const char *names[] = {"meta", "events", "requests", "kv", "log"};
    sos_store_opts o = {e->path, names, 5, 64u << 10, 256u << 10, false};
    assert_int_equal(sos_store_open(&o, &e->store), SOS_OK);
    assert_true(sos_store_map_size(e->store) >= (192u << 10));
    assert_int_equal(tu_count(e, DB_KV), i);
}

static void test_readonly_reopen(void **state)
{
    tu_env *e = *state;
    sos_txn *t = tu_begin(e, true);
    s_put(t, DB_KV, "kept", "yes");
    s_put_u64(t, DB_LOG, 1, 11, true);
    tu_commit(&t);

    tu_env_reopen(e, s_dbs, 2, true);
    t = tu_begin(e, false);
    s_expect(t, DB_KV, "kept", "yes");
    sos_txn_abort(&t);
    assert_int_equal(tu_count(e, DB_LOG), 1);
    /* no writing through a read-only store */
    assert_int_not_equal(sos_txn_begin(e->store, true, &t), SOS_OK);
    assert_null(t);

    /* a read-only open of a database that was never created fails */
    sos_store_destroy(&e->store);
    const char *names[] = {"meta", "events", "requests", "kv", "never-created"};
    sos_store_opts o = {e->path, names, 5, 0, 0, true};
    sos_store *s = NULL;
    assert_int_not_equal(sos_store_open(&o, &s), SOS_OK);
    assert_null(s);
    tu_env_reopen(e, s_dbs, 2, false);
}

static void test_copy(void **state)
{
    tu_env *e = *state;
    char dst[160];
    sos_txn *t = tu_begin(e, true);
    s_put(t, DB_KV, "copied", "value");
    tu_commit(&t);
    snprintf(dst, sizeof dst, "%s/copy", e->dir);
    assert_int_equal(sos_store_copy(e->store, dst), SOS_OK);

    const char *names[] = {"meta", "events", "requests", "kv", "log"};
    sos_store_opts o = {dst, names, 5, 0, 0, true};
    sos_store *s = NULL;
    assert_int_equal(sos_store_open(&o, &s), SOS_OK);
    assert_int_equal(sos_txn_begin(s, false, &t), SOS_OK);
    s_expect(t, DB_KV, "copied", "value");
    sos_txn_abort(&t);
    sos_store_destroy(&s);
    assert_null(s);
}

static void test_open_creates_dirs(void **state)
{
    (void)state;
    char dir[64], path[160];
    tu_tmpdir(dir);
    snprintf(path, sizeof path, "%s/a/b/c", dir);
    const char *names[] = {"meta", "events", "requests"};
    sos_store_opts o = {path, names, 3, 0, 0, false};
    sos_store *s = NULL;
    assert_int_equal(sos_store_open(&o, &s), SOS_OK);
    assert_int_equal(sos_store_map_size(s), 16u << 20); /* the default */
    snprintf(path, sizeof path, "%s/a/b/c/data.mdb", dir);
    assert_int_equal(access(path, F_OK), 0);
    sos_store_destroy(&s);
    assert_int_equal(tu_rmrf(dir), 0);
    assert_int_not_equal(access(dir, F_OK), 0);
}

/* sos_store_write: fn puts n 1 KiB values in one transaction. */
typedef struct {
    uint32_t n;
    int calls;
    int rc; /* what fn returns once its puts succeed */
} s_write_arg;

static int s_write_fn(sos_txn *t, void *arg)
{
    s_write_arg *a = arg;
    uint8_t k[4], val[1024];
    a->calls++;
    for (uint32_t i = 0; i < a->n; i++) {
        sos_be32_put(k, i);
        memset(val, (int)(i & 0xff), sizeof val);
        int rc = sos_txn_put(t, DB_KV, k, 4, val, sizeof val);
        if (rc != SOS_OK)
            return rc;
    }
    return a->rc;
}

/* A transaction bigger than the map: aborted, the map grown, fn run again
 * in a fresh transaction, committed once it fits; too big for map_max:
 * SOS_FULL and nothing written; fn's own code aborts and comes back. */
static void test_write_grows_and_retries(void **state)
{
    tu_env *e = *state; /* 64 KiB map, 256 KiB max */
    s_write_arg fits = {100, 0, SOS_OK};
    assert_int_equal(sos_store_write(e->store, s_write_fn, &fits), SOS_OK);
    assert_true(fits.calls >= 2); /* 100 KiB did not fit in 64 KiB */
    assert_true(sos_store_map_size(e->store) > (64u << 10));
    assert_int_equal(tu_count(e, DB_KV), 100);

    s_write_arg refused = {10, 0, 7}; /* fn says: write nothing */
    assert_int_equal(sos_store_write(e->store, s_write_fn, &refused), 7);
    assert_int_equal(refused.calls, 1);
    assert_int_equal(tu_count(e, DB_KV), 100);

    s_write_arg huge = {400, 0, SOS_OK};
    assert_int_equal(sos_store_write(e->store, s_write_fn, &huge), SOS_FULL);
    assert_int_equal(sos_store_map_size(e->store), 256u << 10);
    assert_int_equal(tu_count(e, DB_KV), 100); /* none of the 400 */
}

/* A commit whose page write stops short (LMDB says EIO, "short write,
 * filesystem full?") is SOS_NOSPACE, not SOS_EIO: the meta page was not
 * written, so the store holds the commit before it and goes on. A file
 * size limit stops the write short as a full disk does (faults.disk_full
 * fills a real one). */
static void test_commit_short_write(void **state)
{
    tu_env *e = *state;
    char path[128];
    struct stat st;
    struct rlimit old, lim;
    static char big[64 << 10];
    memset(big, 'x', sizeof big);
    sos_txn *t = tu_begin(e, true);
    s_put(t, DB_KV, "before", "1");
    tu_commit(&t);

    snprintf(path, sizeof path, "%s/data.mdb", e->path);
    assert_int_equal(stat(path, &st), 0);
    assert_int_equal(getrlimit(RLIMIT_FSIZE, &old), 0);
    void (*old_xfsz)(int) = signal(SIGXFSZ, SIG_IGN);
    lim = old;
    lim.rlim_cur = (rlim_t)st.st_size + 4096; /* one page past the end: the rest is cut */
    assert_int_equal(setrlimit(RLIMIT_FSIZE, &lim), 0);
    t = tu_begin(e, true);
    assert_int_equal(sos_txn_put(t, DB_KV, "big", 3, big, sizeof big), SOS_OK);
    int rc = sos_txn_commit(&t);
    assert_int_equal(setrlimit(RLIMIT_FSIZE, &old), 0);
    signal(SIGXFSZ, old_xfsz);
    assert_int_equal(rc, SOS_NOSPACE);
    assert_null(t);

    t = tu_begin(e, false); /* the commit before is there, the refused one is not */
    s_expect(t, DB_KV, "before", "1");
    assert_int_equal(sos_txn_get(t, DB_KV, "big", 3, NULL), SOS_NOTFOUND);
    sos_txn_abort(&t);
    t = tu_begin(e, true); /* and the next commit, with room, succeeds */
    assert_int_equal(sos_txn_put(t, DB_KV, "big", 3, big, sizeof big), SOS_OK);
    tu_commit(&t);
    assert_int_equal(tu_count(e, DB_KV), 2);
}

static void test_errstr(void **state)
{
    (void)state;
    static const int codes[] = {SOS_OK,  SOS_NOTFOUND, SOS_MAPFULL, SOS_FULL,
                                SOS_EIO, SOS_EINVAL,   SOS_NOSPACE};
    for (size_t i = 0; i < sizeof codes / sizeof codes[0]; i++) {
        const char *s = sos_store_errstr(codes[i]);
        assert_non_null(s);
        assert_true(strlen(s) > 0);
        for (size_t j = 0; j < i; j++)
            assert_string_not_equal(s, sos_store_errstr(codes[j]));
    }
}

/* Every page is a meta, in a tree, or free; and a store written, partly
 * deleted and rewritten still adds up. */
static void test_pages_count(void **state)
{
    tu_env *e = *state;
    char k[16], why[256];
    for (int round = 0; round < 3; round++) {
        sos_txn *t = tu_begin(e, true);
        for (int i = 0; i < 200; i++) {
            snprintf(k, sizeof k, "key-%04d", i);
            if (round == 1 && i % 2)
                assert_int_equal(sos_txn_del(t, DB_KV, k, strlen(k)), SOS_OK);
            else
                s_put(t, DB_KV, k, "a value long enough to fill pages sooner..........");
        }
        tu_commit(&t);
        sos_store_pages pg;
        assert_int_equal(sos_store_pages_count(e->store, &pg, why, sizeof why), SOS_OK);
        assert_int_equal(pg.page_size, 4096);
        assert_int_equal(pg.dbs, 5);
        assert_true(pg.pages > 4);
        assert_int_equal(pg.in_use + pg.free, pg.pages);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_put_get_del_count, s_setup, s_teardown),
        cmocka_unit_test_setup_teardown(test_cursor_seek_next_last, s_setup, s_teardown),
        cmocka_unit_test_setup_teardown(test_append_order, s_setup, s_teardown),
        cmocka_unit_test_setup_teardown(test_map_growth, s_setup_small, s_teardown),
        cmocka_unit_test_setup_teardown(test_map_grow_ahead, s_setup_small, s_teardown),
        cmocka_unit_test_setup_teardown(test_write_grows_and_retries, s_setup_small, s_teardown),
        cmocka_unit_test_setup_teardown(test_readonly_reopen, s_setup, s_teardown),
        cmocka_unit_test_setup_teardown(test_copy, s_setup, s_teardown),
        cmocka_unit_test(test_open_creates_dirs),
        cmocka_unit_test(test_errstr),
        cmocka_unit_test_setup_teardown(test_pages_count, s_setup, s_teardown),
        cmocka_unit_test_setup_teardown(test_commit_short_write, s_setup, s_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
