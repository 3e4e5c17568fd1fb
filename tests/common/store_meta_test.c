/* unit.common.store_meta: the meta-page check of a data.mdb before it is
 * mapped (services/common/store_meta.c), and sos_store_open's refusal of
 * what it finds damaged. */
#include "testutil.h"

#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "store.h"

enum { DB_KV = SOS_DB_APP };
static const char *const s_dbs[] = {"kv"};

#define S_VALUE "a value long enough to fill pages sooner.........."

/* A data.mdb damaged while closed, table-driven: each case on a fresh
 * copy of one written store. sos_store_meta_check must call it corrupt and
 * sos_store_open refuse it with SOS_CORRUPT before mapping it (a map of a
 * file cut short is SIGBUS on the first read). */
static void s_file_put(const char *path, const uint8_t *p, size_t n)
{
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    assert_int_equal(fwrite(p, 1, n, f), n);
    assert_int_equal(fclose(f), 0);
}

static void test_meta_check_table(void **state)
{
    (void)state;
    tu_env *e = tu_env_new(s_dbs, 1);
    sos_txn *t = tu_begin(e, true);
    char k[16];
    for (int i = 0; i < 300; i++) { /* some pages: a tree of depth 2 */
        snprintf(k, sizeof k, "key-%04d", i);
        assert_int_equal(sos_txn_put(t, DB_KV, k, strlen(k), S_VALUE, strlen(S_VALUE)), SOS_OK);
    }
    tu_commit(&t);
    sos_store_destroy(&e->store);

    char path[160], lock[160], why[256];
    snprintf(path, sizeof path, "%s/data.mdb", e->path);
    snprintf(lock, sizeof lock, "%s/lock.mdb", e->path);
    FILE *f = fopen(path, "rb");
    assert_non_null(f);
    static uint8_t orig[1 << 20], copy[1 << 20];
    size_t size = fread(orig, 1, sizeof orig, f);
    fclose(f);
    assert_true(size > 8 * 4096 && size < sizeof orig);

    sos_store_meta m;
    assert_int_equal(sos_store_meta_check(e->path, &m, why, sizeof why), SOS_OK);
    assert_int_equal(m.page_size, 4096);
    assert_int_equal(m.file_size, size);
    assert_true((m.last_pgno + 1) * m.page_size <= size);

    enum { CUT, FLIP };
    static const struct {
        const char *name;
        int how;
        size_t at; /* CUT: new length; FLIP: offset of the byte */
    } cases[] = {
        {"cut to half", CUT, 0}, /* at = size / 2, below */
        {"cut to one page", CUT, 4096},
        {"cut to nothing", CUT, 0},
        {"cut inside the first meta", CUT, 100},
        {"meta 0 flags", FLIP, 10},
        {"meta 0 magic", FLIP, 16},
        {"meta 0 version", FLIP, 16 + 4},
        {"meta 0 page size", FLIP, 16 + 24 + 1},
        {"meta 0 main root", FLIP, 16 + 24 + 48 + 40 + 2},
        {"meta 0 last page", FLIP, 16 + 120 + 3},
        {"meta 0 txnid", FLIP, 16 + 128 + 2},
        {"meta 1 magic", FLIP, 4096 + 16},
        {"meta 1 main root", FLIP, 4096 + 16 + 24 + 48 + 40 + 2},
        {"meta 1 last page", FLIP, 4096 + 16 + 120 + 3},
        {"meta 1 txnid", FLIP, 4096 + 16 + 128 + 2},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        size_t n = size;
        memcpy(copy, orig, size);
        if (cases[i].how == CUT)
            n = i == 0 ? size / 2 : cases[i].at;
        else
            copy[cases[i].at] ^= 0xff;
        unlink(lock);
        s_file_put(path, copy, n);
        int rc = sos_store_meta_check(e->path, NULL, why, sizeof why);
        if (rc != SOS_CORRUPT)
            fail_msg("%s: meta check %d (%s)", cases[i].name, rc, why);
        sos_store_opts o = {
            e->path, (const char *const[]){"meta", "events", "requests", "kv"}, 4, 0, 0, false};
        sos_store *s = NULL;
        if ((rc = sos_store_open(&o, &s)) != SOS_CORRUPT)
            fail_msg("%s: open %d", cases[i].name, rc);
        assert_null(s);
    }
    /* put back, it opens and reads; and no file at all is a new store */
    unlink(lock);
    s_file_put(path, orig, size);
    tu_env_reopen(e, s_dbs, 1, false);
    t = tu_begin(e, false);
    sos_val v;
    assert_int_equal(sos_txn_get(t, DB_KV, "key-0123", 8, &v), SOS_OK);
    assert_memory_equal(v.data, S_VALUE, v.len);
    sos_txn_abort(&t);
    char none[200];
    snprintf(none, sizeof none, "%s/none", e->dir);
    assert_int_equal(sos_store_meta_check(none, NULL, why, sizeof why), SOS_NOTFOUND);
    tu_env_free(&e);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_meta_check_table),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
