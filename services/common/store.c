/* store: LMDB behind a small interface.
 *
 * Why these flags: MDB_NOTLS so a read transaction is not tied to a thread
 * slot; MDB_NOSUBDIR off (a directory per store); never MDB_NOSYNC,
 * MDB_NOMETASYNC or MDB_WRITEMAP, since an acknowledgement promises the
 * commit is on disk.
 *
 * A full disk (LMDB 0.9, mdb.c): mdb_txn_commit runs mdb_page_flush (the
 * dirty pages, pwritev), mdb_env_sync (fdatasync), then
 * mdb_env_write_meta (the meta page, through an O_DSYNC descriptor), and
 * stops at the first failure. Only the meta page makes a commit the
 * store's state, and LMDB never writes over the pages of the last commit.
 * mdb_page_flush returns the errno of a write that failed (ENOSPC when no
 * block was left) and EIO, without a system call setting errno, when a
 * write stopped short ("short write, filesystem full?": the disk filled
 * part way). A failed meta write sets MDB_FATAL_ERROR: every later
 * transaction gets MDB_PANIC. mdb_put writes nothing (the map is not the
 * file: growing it writes nothing either) unless a transaction grows too
 * large for memory and spills pages through mdb_page_flush.
 *
 * Beside it, with no LMDB call: store_meta.c, the check of the meta pages
 * before a file is mapped; store_be.c, the big-endian key helpers. */
#include "store.h"

#include <assert.h>
#include <errno.h>
#include <lmdb.h>
#include <sys/mman.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "buf.h"
#include "conf.h"
#include "fault.h"
#include "log.h"

#define SOS_MAX_DBS 16

struct sos_store {
    MDB_env *env;
    MDB_dbi dbi[SOS_MAX_DBS];
    unsigned n_dbs;
    size_t map_size, map_max;
};

struct sos_txn {
    MDB_txn *txn;
    sos_store *s;
};

struct sos_cursor {
    MDB_cursor *cur;
};

/* What every store.corrupt line tells the operator. */
#define S_WHAT_TO_DO                                                                               \
    "stop the daemon, run sos check, restore the store from the last sos backup "                  \
    "(docs/operations.md, Damaged stores)"

static int s_rc(int rc)
{
    switch (rc) {
    case MDB_SUCCESS: return SOS_OK;
    case MDB_NOTFOUND: return SOS_NOTFOUND;
    case MDB_MAP_FULL: return SOS_MAPFULL;
    case MDB_BAD_VALSIZE: return SOS_EINVAL; /* empty or oversize key */
    case EINVAL: return SOS_EINVAL;
    case MDB_CORRUPTED:
    case MDB_PAGE_NOTFOUND:
    case MDB_INVALID:
    case MDB_CURSOR_FULL: /* a tree deeper than any LMDB writes: a loop of pages */
        sos_log_error("store.corrupt", "rc=%d msg=\"%s: %s\"", rc, mdb_strerror(rc), S_WHAT_TO_DO);
        return SOS_CORRUPT;
    case ENOSPC: /* a page write refused: nothing of the transaction counts */
    case EDQUOT: return SOS_NOSPACE;
    default: sos_log_error("store.error", "rc=%d msg=\"%s\"", rc, mdb_strerror(rc)); return SOS_EIO;
    }
}

const char *sos_store_errstr(int rc)
{
    switch (rc) {
    case SOS_OK: return "ok";
    case SOS_NOTFOUND: return "not found";
    case SOS_MAPFULL: return "map full";
    case SOS_FULL: return "store full: map_max reached";
    case SOS_EINVAL: return "invalid argument";
    case SOS_CORRUPT: return "store is damaged: run sos check, restore from a backup";
    case SOS_NOSPACE: return "no space left on the disk";
    default: return "store I/O error";
    }
}

int sos_store_open(const sos_store_opts *o, sos_store **out)
{
    sos_store *s = sos_xcalloc(1, sizeof *s);
    MDB_txn *txn = NULL;
    int rc;
    assert(o->n_dbs <= SOS_MAX_DBS);
    s->n_dbs = o->n_dbs;
    s->map_size = o->map_size ? o->map_size : (16u << 20);
    s->map_max = o->map_max ? o->map_max : ((size_t)8 << 30);
    if (s->map_size > s->map_max)
        s->map_size = s->map_max;

    if (!o->read_only && sos_conf_mkdirs(o->dir, 0700) != 0) {
        sos_log_error("store.mkdir", "dir=%s errno=%d msg=\"%s\"", o->dir, errno, strerror(errno));
        rc = SOS_EIO;
        goto out;
    }
    char why[256];
    int mc = sos_store_meta_check(o->dir, NULL, why, sizeof why);
    if (mc == SOS_CORRUPT) {
        sos_log_error("store.corrupt", "dir=%s msg=\"%s; refusing to map it: %s\"", o->dir, why,
                      S_WHAT_TO_DO);
        rc = SOS_CORRUPT;
        goto out;
    }
    if (mc == SOS_EIO) {
        sos_log_error("store.open", "dir=%s msg=\"cannot read data.mdb: %s\"", o->dir,
                      strerror(errno));
        rc = SOS_EIO;
        goto out;
    }
    if ((rc = mdb_env_create(&s->env)) != 0)
        goto fail;
    if ((rc = mdb_env_set_maxdbs(s->env, SOS_MAX_DBS)) != 0)
        goto fail;
    if ((rc = mdb_env_set_maxreaders(s->env, 126)) != 0)
        goto fail;
    if ((rc = mdb_env_set_mapsize(s->env, s->map_size)) != 0)
        goto fail;
    if ((rc = mdb_env_open(s->env, o->dir, MDB_NOTLS | (o->read_only ? MDB_RDONLY : 0), 0600)) != 0)
        goto fail;
    /* A file larger than the map we asked for keeps its size. */
    MDB_envinfo info;
    mdb_env_info(s->env, &info);
    if (info.me_mapsize > s->map_size)
        s->map_size = info.me_mapsize;
    sos_fault_map(info.me_mapaddr, info.me_mapsize);
    int dead = 0;
    mdb_reader_check(s->env, &dead);
    if (dead)
        sos_log_warn("store.stale_readers", "dir=%s cleared=%d", o->dir, dead);

    if ((rc = mdb_txn_begin(s->env, NULL, o->read_only ? MDB_RDONLY : 0, &txn)) != 0)
        goto fail;
    for (unsigned i = 0; i < o->n_dbs; i++) {
        if ((rc = mdb_dbi_open(txn, o->dbs[i], o->read_only ? 0 : MDB_CREATE, &s->dbi[i])) != 0)
            goto fail;
    }
    rc = mdb_txn_commit(txn);
    txn = NULL;
    if (rc != 0)
        goto fail;
    /* A daemon's own store, with no writer but us yet: every page must be
     * a meta, in a tree or free (the trees' counts and the free list, no
     * record read). A daemon refuses what does not add up, rather than
     * fault on it later; sos check says where. */
    sos_store_pages pg;
    if (!o->read_only) {
        rc = sos_store_pages_count(s, &pg, why, sizeof why);
        if (rc == SOS_OK && pg.pages && pg.in_use + pg.free != pg.pages)
            snprintf(why, sizeof why,
                     "%llu pages in trees and %llu free do not add up to the %llu in use",
                     (unsigned long long)pg.in_use, (unsigned long long)pg.free,
                     (unsigned long long)pg.pages);
        else if (rc == SOS_OK)
            why[0] = '\0';
        if (why[0]) {
            sos_log_error("store.corrupt", "dir=%s msg=\"%s: %s\"", o->dir, why, S_WHAT_TO_DO);
            rc = rc == SOS_EIO ? SOS_EIO : SOS_CORRUPT;
            goto out;
        }
    }
    rc = SOS_OK;
    goto out;
fail:
    if (rc == MDB_CORRUPTED || rc == MDB_PAGE_NOTFOUND || rc == MDB_INVALID ||
        rc == MDB_VERSION_MISMATCH || rc == MDB_INCOMPATIBLE || rc == MDB_CURSOR_FULL) {
        sos_log_error("store.corrupt", "dir=%s rc=%d msg=\"%s: %s\"", o->dir, rc, mdb_strerror(rc),
                      S_WHAT_TO_DO);
        rc = SOS_CORRUPT;
        goto out;
    }
    sos_log_error("store.open", "dir=%s msg=\"%s\"", o->dir, mdb_strerror(rc));
    rc = rc == MDB_MAP_FULL ? SOS_MAPFULL : SOS_EIO;
out:
    if (txn)
        mdb_txn_abort(txn);
    if (rc == SOS_OK)
        *out = s;
    else
        sos_store_destroy(&s);
    return rc;
}

void sos_store_destroy(sos_store **sp)
{
    sos_store *s = *sp;
    if (!s)
        return;
    if (s->env) {
        sos_fault_map(NULL, 0);
        mdb_env_close(s->env);
    }
    free(s);
    *sp = NULL;
}

int sos_store_reader_check(sos_store *s, int *cleared)
{
    *cleared = 0;
    return s_rc(mdb_reader_check(s->env, cleared));
}

int sos_store_grow(sos_store *s)
{
    if (s->map_size >= s->map_max)
        return SOS_FULL;
    size_t n = s->map_size * 2;
    if (n > s->map_max)
        n = s->map_max;
    int rc = mdb_env_set_mapsize(s->env, n);
    if (rc != 0)
        return s_rc(rc);
    sos_log_info("store.grow", "from=%zu to=%zu", s->map_size, n);
    s->map_size = n;
    MDB_envinfo info;
    if (mdb_env_info(s->env, &info) == 0)
        sos_fault_map(info.me_mapaddr, info.me_mapsize);
    return SOS_OK;
}

int sos_store_grow_ahead(sos_store *s)
{
    MDB_envinfo info;
    MDB_stat st;
    int rc = mdb_env_info(s->env, &info);
    if (rc == 0)
        rc = mdb_env_stat(s->env, &st);
    if (rc != 0)
        return s_rc(rc);
    size_t used = ((size_t)info.me_last_pgno + 1) * st.ms_psize;
    if (used <= s->map_size / 4 * 3)
        return SOS_OK;
    return sos_store_grow(s);
}

int sos_store_write(sos_store *s, int (*fn)(sos_txn *t, void *arg), void *arg)
{
    for (;;) {
        sos_txn *t = NULL;
        int rc = sos_txn_begin(s, true, &t);
        if (rc == SOS_OK)
            rc = fn(t, arg);
        if (rc == SOS_OK)
            rc = sos_txn_commit(&t); /* frees t whatever the result */
        sos_txn_abort(&t);
        if (rc != SOS_MAPFULL)
            return rc;
        /* grows until map_max, then SOS_FULL: the loop ends */
        if ((rc = sos_store_grow(s)) != SOS_OK)
            return rc;
    }
}

size_t sos_store_map_size(const sos_store *s)
{
    return s->map_size;
}

void sos_store_release_pages(sos_store *s)
{
    MDB_envinfo info;
    if (mdb_env_info(s->env, &info) == 0 && info.me_mapaddr)
        (void)madvise(info.me_mapaddr, info.me_mapsize,
                      MADV_DONTNEED); /* a hint: nothing to do on failure */
}

void sos_store_set_max(sos_store *s, size_t map_max)
{
    s->map_max = map_max > s->map_size ? map_max : s->map_size;
}

int sos_store_copy(sos_store *s, const char *dir)
{
    if (sos_conf_mkdirs(dir, 0700) != 0)
        return SOS_EIO;
    return s_rc(mdb_env_copy2(s->env, dir, MDB_CP_COMPACT));
}

int sos_store_pages_count(sos_store *s, sos_store_pages *out, char *why, size_t cap)
{
    MDB_txn *txn = NULL;
    MDB_cursor *c = NULL;
    MDB_envinfo info;
    MDB_stat st;
    MDB_val k, v;
    char name[512];
    int rc;
    memset(out, 0, sizeof *out);
    snprintf(why, cap, "ok");
    /* mdb_env_info tells the last page of the newest commit, not of the
     * transaction's snapshot: count only in a snapshot that is the newest
     * (a writer may be committing while we look) */
    for (int tries = 0;; tries++) {
        if ((rc = mdb_txn_begin(s->env, NULL, MDB_RDONLY, &txn)) != 0) {
            snprintf(why, cap, "read transaction: %s", mdb_strerror(rc));
            goto out;
        }
        mdb_env_info(s->env, &info);
        if (info.me_last_txnid == mdb_txn_id(txn))
            break;
        mdb_txn_abort(txn);
        txn = NULL;
        if (tries == 20) { /* too busy to count: say nothing */
            rc = 0;
            goto out;
        }
    }
    out->pages = (uint64_t)info.me_last_pgno + 1;
    out->in_use = 2; /* the metas */
    /* FREE_DBI is 0, MAIN_DBI 1 in every LMDB */
    for (MDB_dbi d = 0; d < 2; d++) {
        if ((rc = mdb_stat(txn, d, &st)) != 0) {
            snprintf(why, cap, "%s database: %s", d ? "main" : "free", mdb_strerror(rc));
            goto out;
        }
        out->page_size = st.ms_psize;
        out->in_use += st.ms_branch_pages + st.ms_leaf_pages + st.ms_overflow_pages;
    }
    /* each free-list record: a count, then that many page numbers */
    if ((rc = mdb_cursor_open(txn, 0, &c)) != 0) {
        snprintf(why, cap, "free list: %s", mdb_strerror(rc));
        goto out;
    }
    while ((rc = mdb_cursor_get(c, &k, &v, MDB_NEXT)) == 0) {
        size_t n;
        if (v.mv_size < sizeof n) {
            snprintf(why, cap, "free list: a record of %zu bytes", v.mv_size);
            rc = MDB_CORRUPTED;
            goto out;
        }
        memcpy(&n, v.mv_data, sizeof n);
        if (n > v.mv_size / sizeof n - 1) {
            snprintf(why, cap, "free list: a record claims %zu pages in %zu bytes", n, v.mv_size);
            rc = MDB_CORRUPTED;
            goto out;
        }
        out->free += n;
    }
    if (rc != MDB_NOTFOUND) {
        snprintf(why, cap, "free list: %s", mdb_strerror(rc));
        goto out;
    }
    mdb_cursor_close(c);
    c = NULL;
    /* the named databases are the main database's keys */
    if ((rc = mdb_cursor_open(txn, 1, &c)) != 0) {
        snprintf(why, cap, "main database: %s", mdb_strerror(rc));
        goto out;
    }
    while ((rc = mdb_cursor_get(c, &k, &v, MDB_NEXT)) == 0) {
        MDB_dbi dbi;
        if (k.mv_size == 0 || k.mv_size >= sizeof name || memchr(k.mv_data, 0, k.mv_size)) {
            snprintf(why, cap, "main database: a name of %zu bytes", k.mv_size);
            rc = MDB_CORRUPTED;
            goto out;
        }
        memcpy(name, k.mv_data, k.mv_size);
        name[k.mv_size] = '\0';
        if ((rc = mdb_dbi_open(txn, name, 0, &dbi)) != 0 || (rc = mdb_stat(txn, dbi, &st)) != 0) {
            snprintf(why, cap, "database %s: %s", name, mdb_strerror(rc));
            goto out;
        }
        out->dbs++;
        out->in_use += st.ms_branch_pages + st.ms_leaf_pages + st.ms_overflow_pages;
    }
    if (rc != MDB_NOTFOUND) {
        snprintf(why, cap, "main database: %s", mdb_strerror(rc));
        goto out;
    }
    rc = 0;
out:
    if (c)
        mdb_cursor_close(c);
    if (txn)
        mdb_txn_abort(txn);
    if (rc == 0)
        return SOS_OK;
    return rc == ENOMEM || rc == EIO || rc == MDB_READERS_FULL ? SOS_EIO : SOS_CORRUPT;
}

int sos_store_corrupt(const char *db, const void *key, size_t kl, const char *what)
{
    static const char digits[] = "0123456789abcdef";
    char hex[2 * 256 + 1];
    size_t n = kl < 256 ? kl : 256;
    for (size_t i = 0; i < n; i++) {
        hex[2 * i] = digits[((const uint8_t *)key)[i] >> 4];
        hex[2 * i + 1] = digits[((const uint8_t *)key)[i] & 15];
    }
    hex[2 * n] = '\0';
    sos_log_error("store.corrupt", "db=%s key=%s msg=\"%s: %s\"", db, n ? hex : "-", what,
                  S_WHAT_TO_DO);
    return SOS_CORRUPT;
}

int sos_txn_begin(sos_store *s, bool write, sos_txn **out)
{
    MDB_txn *t;
    int rc = mdb_txn_begin(s->env, NULL, write ? 0 : MDB_RDONLY, &t);
    if (rc == MDB_MAP_RESIZED) {
        /* another process grew the map: adopt its size */
        mdb_env_set_mapsize(s->env, 0);
        rc = mdb_txn_begin(s->env, NULL, write ? 0 : MDB_RDONLY, &t);
    }
    if (rc != 0)
        return s_rc(rc);
    sos_txn *x = sos_xmalloc(sizeof *x);
    x->txn = t;
    x->s = s;
    *out = x;
    return SOS_OK;
}

int sos_txn_begin_child(sos_txn *parent, sos_txn **out)
{
    MDB_txn *t;
    int rc = mdb_txn_begin(parent->s->env, parent->txn, 0, &t);
    if (rc != 0)
        return s_rc(rc);
    sos_txn *x = sos_xmalloc(sizeof *x);
    x->txn = t;
    x->s = parent->s;
    *out = x;
    return SOS_OK;
}

/* What a failed commit means (the top of this file): SOS_NOSPACE when a
 * page write found the disk full, the meta page unwritten and the store
 * sound; else what s_rc says (an fdatasync's EIO: SOS_EIO). err: errno
 * after the commit, 0 before it, so still 0 after a short write. */
static int s_commit_rc(sos_store *s, int rc, int err)
{
    bool short_write = rc == EIO && err == 0;
    if (rc != ENOSPC && rc != EDQUOT && !short_write)
        return s_rc(rc);
    MDB_txn *probe;
    int prc = mdb_txn_begin(s->env, NULL, MDB_RDONLY, &probe);
    if (prc != 0) /* MDB_PANIC: the meta page was not written */
        return s_rc(rc);
    mdb_txn_abort(probe);
    sos_log_debug("store.nospace", "rc=%d short_write=%d", rc, short_write);
    return SOS_NOSPACE;
}

int sos_txn_commit(sos_txn **tp)
{
    sos_txn *t = *tp;
    assert(t);
    errno = 0;
    int rc = mdb_txn_commit(t->txn);
    int err = errno;
    sos_store *s = t->s;
    free(t);
    *tp = NULL;
    return rc == 0 ? SOS_OK : s_commit_rc(s, rc, err);
}

void sos_txn_abort(sos_txn **tp)
{
    sos_txn *t = *tp;
    if (!t)
        return;
    mdb_txn_abort(t->txn);
    free(t);
    *tp = NULL;
}

static MDB_dbi s_dbi(sos_txn *t, sos_db db)
{
    assert(db < t->s->n_dbs);
    return t->s->dbi[db];
}

int sos_txn_get(sos_txn *t, sos_db db, const void *k, size_t kl, sos_val *v)
{
    MDB_val key = {kl, (void *)k}, val;
    int rc = mdb_get(t->txn, s_dbi(t, db), &key, &val);
    if (rc == 0 && v) {
        v->data = val.mv_data;
        v->len = val.mv_size;
    }
    return s_rc(rc);
}

static int s_put(sos_txn *t, sos_db db, const void *k, size_t kl, const void *v, size_t vl,
                 unsigned flags)
{
    MDB_val key = {kl, (void *)k}, val = {vl, (void *)v};
    return s_rc(mdb_put(t->txn, s_dbi(t, db), &key, &val, flags));
}

int sos_txn_put(sos_txn *t, sos_db db, const void *k, size_t kl, const void *v, size_t vl)
{
    return s_put(t, db, k, kl, v, vl, 0);
}

int sos_txn_append(sos_txn *t, sos_db db, const void *k, size_t kl, const void *v, size_t vl)
{
    return s_put(t, db, k, kl, v, vl, MDB_APPEND);
}

int sos_txn_del(sos_txn *t, sos_db db, const void *k, size_t kl)
{
    MDB_val key = {kl, (void *)k};
    return s_rc(mdb_del(t->txn, s_dbi(t, db), &key, NULL));
}

int sos_txn_count(sos_txn *t, sos_db db, uint64_t *n)
{
    MDB_stat st;
    int rc = mdb_stat(t->txn, s_dbi(t, db), &st);
    if (rc == 0)
        *n = st.ms_entries;
    return s_rc(rc);
}

int sos_cursor_open(sos_txn *t, sos_db db, sos_cursor **out)
{
    MDB_cursor *c;
    int rc = mdb_cursor_open(t->txn, s_dbi(t, db), &c);
    if (rc != 0)
        return s_rc(rc);
    sos_cursor *x = sos_xmalloc(sizeof *x);
    x->cur = c;
    *out = x;
    return SOS_OK;
}

void sos_cursor_destroy(sos_cursor **cp)
{
    if (!*cp)
        return;
    mdb_cursor_close((*cp)->cur);
    free(*cp);
    *cp = NULL;
}

static int s_get(sos_cursor *c, MDB_val *k, sos_val *key, sos_val *val, MDB_cursor_op op)
{
    MDB_val v;
    int rc = mdb_cursor_get(c->cur, k, &v, op);
    if (rc == 0) {
        if (key) {
            key->data = k->mv_data;
            key->len = k->mv_size;
        }
        if (val) {
            val->data = v.mv_data;
            val->len = v.mv_size;
        }
    }
    return s_rc(rc);
}

int sos_cursor_seek(sos_cursor *c, const void *k, size_t kl, sos_val *key, sos_val *val)
{
    MDB_val mk = {kl, (void *)k};
    return s_get(c, &mk, key, val, k ? MDB_SET_RANGE : MDB_FIRST);
}

int sos_cursor_next(sos_cursor *c, sos_val *key, sos_val *val)
{
    MDB_val mk;
    return s_get(c, &mk, key, val, MDB_NEXT);
}

int sos_cursor_last(sos_cursor *c, sos_val *key, sos_val *val)
{
    MDB_val mk;
    return s_get(c, &mk, key, val, MDB_LAST);
}
