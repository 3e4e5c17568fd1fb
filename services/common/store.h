/* store: the daemon's LMDB environment, its named databases and
 * transactions. The only file that includes <lmdb.h>.
 *
 * One process writes a store; readers may be other processes (backup,
 * status). Every put happens in a write transaction that the caller commits
 * before acknowledging anything: a commit is durable (no NOSYNC, no
 * WRITEMAP).
 *
 * Map growth: a put or commit that finds the map full returns SOS_MAPFULL.
 * The caller aborts the transaction, calls sos_store_grow() (no other
 * transaction of this process may be open) and redoes the work. Growth stops
 * at map_max with SOS_FULL. sos_store_write() does all of that around one
 * function.
 *
 * Disk full: a commit whose pages do not fit on the disk returns
 * SOS_NOSPACE. LMDB writes a commit's pages, fdatasyncs them, and only then
 * writes the meta page that makes it the store's state; SOS_NOSPACE means
 * the failure came before the meta page, so the transaction was aborted,
 * the store holds the commit before it and the next one may succeed once
 * there is room. SOS_EIO (a failed write or fdatasync, or a meta page not
 * written) means the disk's state is unknown: stop.
 *
 * Values returned by get and cursors point into the map: they are valid
 * until the transaction ends or the next write in it, whichever is first.
 * Copy or decode them before.
 *
 * Codes: SOS_OK is 0 and every other code is negative, SOS_NOTFOUND
 * included (as LMDB's MDB_NOTFOUND), so that a store code can never be
 * read as a rule's refusal (a positive Sos__Code, rules.h) or as one of
 * handle()'s verbs (svc.h). */
#ifndef SOS_STORE_H
#define SOS_STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum {
    SOS_OK = 0,
    SOS_NOTFOUND = -1, /* no such key / end of cursor */
    SOS_MAPFULL = -2,  /* abort, grow, retry */
    SOS_FULL = -3,     /* grew to map_max: refuse until an operator raises it */
    SOS_EIO = -4,      /* the store failed: stop the daemon */
    SOS_EINVAL = -5,
    SOS_CORRUPT = -6, /* the file or a record in it is damaged: logged as store.corrupt */
    SOS_NOSPACE = -7, /* the disk is full: nothing written, retry later */
};

typedef struct sos_store sos_store;
typedef struct sos_txn sos_txn;
typedef struct sos_cursor sos_cursor;
typedef unsigned sos_db; /* index into the names given at open */

typedef struct {
    const void *data;
    size_t len;
} sos_val;

typedef struct {
    const char *dir;        /* created if missing */
    const char *const *dbs; /* names of the databases, at most 16 */
    unsigned n_dbs;
    size_t map_size; /* initial; 0 = 16 MiB */
    size_t map_max;  /* growth limit; 0 = 8 GiB */
    bool read_only;
} sos_store_opts;

/* Opens (creating) the environment and every named database, and clears
 * reader slots left by dead processes. *out is the caller's. An existing
 * data.mdb is first checked against its meta pages (sos_store_meta_check):
 * a damaged one is never mapped, and gets SOS_CORRUPT with a store.corrupt
 * line saying what to do; so does a file LMDB itself finds damaged, and
 * (when not read_only: a daemon's own store) one whose pages do not add up
 * (sos_store_pages_count). */
int sos_store_open(const sos_store_opts *o, sos_store **out) __attribute__((warn_unused_result));
void sos_store_destroy(sos_store **s);
int sos_store_grow(sos_store *s) __attribute__((warn_unused_result));
/* Grows the map now (as sos_store_grow) when more than 3/4 of it is in use,
 * so that a write seldom finds it full: a full map makes the service re-run
 * the batch in flight one request and one fsync at a time. No transaction
 * of this process may be open. SOS_OK when nothing was needed or the map
 * grew; SOS_FULL when it is at map_max already (the next write that does
 * not fit finds out); another code when LMDB refused. */
int sos_store_grow_ahead(sos_store *s);
/* Frees reader slots left by dead processes (a killed `sos backup`, say):
 * a dead reader's old snapshot keeps pages from being reused. *cleared
 * receives how many. Cheap; the service loop calls it every few seconds. */
int sos_store_reader_check(sos_store *s, int *cleared);
size_t sos_store_map_size(const sos_store *s);
/* Drops the map's pages from this process's resident memory (madvise
 * MADV_DONTNEED: the map is read-only and file-backed, so they stay in the
 * page cache and come back on the next access; values read earlier stay
 * valid). For a process that keeps a store open after reading much of it
 * once, as `sos render` does with a site's state. */
void sos_store_release_pages(sos_store *s);
/* A new growth limit (an operator raised [store] map_max): writes refused
 * with SOS_FULL can go on, without a restart. Never below the current map. */
void sos_store_set_max(sos_store *s, size_t map_max);
/* Compacting hot copy into an empty directory. */
int sos_store_copy(sos_store *s, const char *dir) __attribute__((warn_unused_result));
/* Runs fn(t, arg) in a write transaction and commits it: SOS_OK from fn
 * commits, any other value aborts and is returned as it is (a caller may
 * use its own positive codes to say "write nothing"). When fn or the commit
 * finds the map full, the transaction is aborted, the map grown and fn run
 * again in a fresh transaction, until it fits or the map is at map_max
 * (SOS_FULL). fn may therefore run more than once: it keeps what it
 * decides in the transaction, or resets it at its start. No other
 * transaction of this process may be open. Returns SOS_OK, fn's code, or
 * the store's. */
int sos_store_write(sos_store *s, int (*fn)(sos_txn *t, void *arg), void *arg)
    __attribute__((warn_unused_result));
/* Text of the last LMDB error seen by this store (static or borrowed). */
const char *sos_store_errstr(int rc);

/* What the meta pages of a data.mdb say: the newer of the two (the larger
 * transaction id), which is the one LMDB uses. */
typedef struct {
    unsigned page_size;
    uint64_t last_pgno; /* pages in use: last_pgno + 1, counting both metas */
    uint64_t txnid;
    uint64_t map_size;
    uint64_t file_size;
} sos_store_meta;

/* Reads <dir>/data.mdb's two meta pages without mapping the file (LMDB
 * keeps no checksums, so this is what can be checked before a map turns a
 * damaged file into SIGBUS): each must be a meta page with LMDB's magic and
 * data version and a sane page size; their roots must lie below their last
 * page, and the file must hold every page up to the last page of each.
 * SOS_OK with *m filled; SOS_NOTFOUND when there is no file yet (a new
 * store; an empty file is damage); SOS_CORRUPT with a sentence in why[cap]; SOS_EIO
 * when the file cannot be read (errno). m may be NULL. */
int sos_store_meta_check(const char *dir, sos_store_meta *m, char *why, size_t cap)
    __attribute__((warn_unused_result));

/* Every page of the environment, accounted for: pages (last_pgno + 1) must
 * equal the two meta pages, plus the branch, leaf and overflow pages of the
 * main and free databases and of every named database, plus the pages the
 * free database lists. A walk by the counts the trees keep, as mdb_stat -f. */
typedef struct {
    unsigned page_size;
    uint64_t pages;  /* last_pgno + 1 */
    uint64_t in_use; /* in some tree, metas included */
    uint64_t free;   /* listed as free */
    unsigned dbs;    /* named databases found */
} sos_store_pages;
/* In one read transaction that is the newest commit (a writer may be
 * busy: tried again a few times; when it never settles, SOS_OK with pages
 * 0: not counted). SOS_OK (compare the counts yourself), or
 * SOS_CORRUPT when a tree or the free list cannot be read (why says
 * which). The store may be open read-only. */
int sos_store_pages_count(sos_store *s, sos_store_pages *out, char *why, size_t cap)
    __attribute__((warn_unused_result));

/* A record read back that is not what was written (a value of the wrong
 * length, a take whose signature fails): logs one store.corrupt line with
 * db, the key in hex (up to 256 bytes of it), what and what to do; returns
 * SOS_CORRUPT for the caller to pass on. Never serve such a record. */
int sos_store_corrupt(const char *db, const void *key, size_t kl, const char *what);

int sos_txn_begin(sos_store *s, bool write, sos_txn **out) __attribute__((warn_unused_result));
/* A transaction inside a write transaction (LMDB nesting): its writes
 * become the parent's when it commits, and vanish when it aborts. While a
 * child is open the parent must not be used. */
int sos_txn_begin_child(sos_txn *parent, sos_txn **out) __attribute__((warn_unused_result));
/* Commits and frees; *t is NULL afterwards whatever the result. */
int sos_txn_commit(sos_txn **t) __attribute__((warn_unused_result));
/* Safe on NULL and twice. */
void sos_txn_abort(sos_txn **t);

int sos_txn_get(sos_txn *t, sos_db db, const void *k, size_t kl, sos_val *v);
int sos_txn_put(sos_txn *t, sos_db db, const void *k, size_t kl, const void *v, size_t vl)
    __attribute__((warn_unused_result));
/* Put a key greater than every key present (event logs): cheaper pages. */
int sos_txn_append(sos_txn *t, sos_db db, const void *k, size_t kl, const void *v, size_t vl)
    __attribute__((warn_unused_result));
int sos_txn_del(sos_txn *t, sos_db db, const void *k, size_t kl);
int sos_txn_count(sos_txn *t, sos_db db, uint64_t *n);

int sos_cursor_open(sos_txn *t, sos_db db, sos_cursor **out) __attribute__((warn_unused_result));
void sos_cursor_destroy(sos_cursor **c);
/* First key >= k (k NULL: first key). */
int sos_cursor_seek(sos_cursor *c, const void *k, size_t kl, sos_val *key, sos_val *val);
int sos_cursor_next(sos_cursor *c, sos_val *key, sos_val *val);
int sos_cursor_last(sos_cursor *c, sos_val *key, sos_val *val);

/* Big-endian u64 keys, so that byte order is numeric order. */
void sos_be64_put(uint8_t out[8], uint64_t v);
uint64_t sos_be64_get(const uint8_t in[8]);
void sos_be32_put(uint8_t out[4], uint32_t v);
uint32_t sos_be32_get(const uint8_t in[4]);

#endif
