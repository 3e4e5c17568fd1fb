/* testutil: temp directories and stores for the unit tests. */
#include "testutil.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

void tu_tmpdir(char out[64])
{
    snprintf(out, 64, "/tmp/sos-test-XXXXXX");
    assert_non_null(mkdtemp(out));
}

int tu_rmrf(const char *path)
{
    struct stat st;
    if (lstat(path, &st) != 0)
        return errno == ENOENT ? 0 : -1;
    if (!S_ISDIR(st.st_mode))
        return unlink(path);
    DIR *d = opendir(path);
    if (!d)
        return -1;
    struct dirent *de;
    int rc = 0;
    char sub[4096];
    while ((de = readdir(d)) != NULL) {
        if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
            continue;
        if (snprintf(sub, sizeof sub, "%s/%s", path, de->d_name) >= (int)sizeof sub) {
            rc = -1;
            continue;
        }
        if (tu_rmrf(sub) != 0)
            rc = -1;
    }
    closedir(d);
    if (rmdir(path) != 0)
        rc = -1;
    return rc;
}

static void s_open(tu_env *e, const char *const *app_dbs, unsigned n_app, size_t map_size,
                   size_t map_max, bool read_only)
{
    const char *names[16] = {"meta", "events", "requests"};
    assert_true(SOS_DB_APP + n_app <= 16);
    for (unsigned i = 0; i < n_app; i++)
        names[SOS_DB_APP + i] = app_dbs[i];
    sos_store_opts o = {e->path, names, SOS_DB_APP + n_app, map_size, map_max, read_only};
    assert_int_equal(sos_store_open(&o, &e->store), SOS_OK);
    assert_non_null(e->store);
}

tu_env *tu_env_new_sized(const char *const *app_dbs, unsigned n_app, size_t map_size,
                         size_t map_max)
{
    tu_env *e = calloc(1, sizeof *e);
    assert_non_null(e);
    tu_tmpdir(e->dir);
    snprintf(e->path, sizeof e->path, "%s/store", e->dir);
    s_open(e, app_dbs, n_app, map_size, map_max, false);
    return e;
}

tu_env *tu_env_new(const char *const *app_dbs, unsigned n_app)
{
    return tu_env_new_sized(app_dbs, n_app, 1u << 20, 64u << 20);
}

void tu_env_reopen(tu_env *e, const char *const *app_dbs, unsigned n_app, bool read_only)
{
    sos_store_destroy(&e->store);
    s_open(e, app_dbs, n_app, 1u << 20, 64u << 20, read_only);
}

void tu_env_free(tu_env **ep)
{
    tu_env *e = *ep;
    if (!e)
        return;
    sos_store_destroy(&e->store);
    if (e->dir[0] && tu_rmrf(e->dir) != 0)
        fprintf(stderr, "warning: could not remove %s\n", e->dir);
    free(e);
    *ep = NULL;
}

sos_txn *tu_begin(tu_env *e, bool write)
{
    sos_txn *t = NULL;
    assert_int_equal(sos_txn_begin(e->store, write, &t), SOS_OK);
    assert_non_null(t);
    return t;
}

void tu_commit(sos_txn **t)
{
    assert_int_equal(sos_txn_commit(t), SOS_OK);
    assert_null(*t);
}

uint64_t tu_head(tu_env *e)
{
    uint64_t head = UINT64_MAX;
    sos_txn *t = tu_begin(e, false);
    assert_int_equal(sos_evlog_head(t, &head), SOS_OK);
    sos_txn_abort(&t);
    return head;
}

uint64_t tu_count(tu_env *e, sos_db db)
{
    uint64_t n = UINT64_MAX;
    sos_txn *t = tu_begin(e, false);
    assert_int_equal(sos_txn_count(t, db, &n), SOS_OK);
    sos_txn_abort(&t);
    return n;
}

Sos__Event *tu_event(tu_env *e, uint64_t seq)
{
    uint8_t key[8];
    sos_val v;
    Sos__Event *ev = NULL;
    sos_be64_put(key, seq);
    sos_txn *t = tu_begin(e, false);
    if (sos_txn_get(t, SOS_DB_EVENTS, key, 8, &v) == SOS_OK) {
        ev = sos__event__unpack(NULL, v.len, v.data);
        assert_non_null(ev);
        assert_int_equal(ev->seq, seq);
    }
    sos_txn_abort(&t);
    return ev;
}

bool tu_bin_eq(ProtobufCBinaryData a, const void *b, size_t n)
{
    return a.len == n && (n == 0 || memcmp(a.data, b, n) == 0);
}

char *tu_stderr_of(void (*fn)(void *arg), void *arg)
{
    char path[] = "/tmp/sos-test-log-XXXXXX";
    int fd = mkstemp(path), saved = dup(2);
    assert_true(fd >= 0 && saved >= 0);
    fflush(stderr);
    assert_int_equal(dup2(fd, 2), 2);
    fn(arg);
    fflush(stderr);
    assert_int_equal(dup2(saved, 2), 2);
    close(saved);
    off_t n = lseek(fd, 0, SEEK_END);
    assert_true(n >= 0);
    char *text = calloc(1, (size_t)n + 1);
    assert_non_null(text);
    assert_int_equal(pread(fd, text, (size_t)n, 0), n);
    close(fd);
    unlink(path);
    return text;
}
