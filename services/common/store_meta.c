/* store_meta: the check of a data.mdb's two meta pages before LMDB maps
 * the file (sos_store_meta_check, store.h). LMDB keeps no checksums, and a
 * map of a damaged or cut-short file faults on the first read: so the file
 * is read here by hand, with pread, and no LMDB call. This file does not
 * include <lmdb.h> (store.c is the only one that does): the on-disk layout
 * it needs is written out below, from liblmdb's mdb.c (0.9: MDB_page,
 * MDB_meta, MDB_db, P_META, MDB_MAGIC, MDB_DATA_VERSION, P_INVALID). */
#include "store.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* LMDB's on-disk meta page (mdb.c, 0.9): a 16-byte page header (pgno u64,
 * pad u16, flags u16, lower/upper u16) then MDB_meta: magic u32, version
 * u32, address u64, mapsize u64, the free and main MDB_db records (48 bytes
 * each: pad/psize u32, flags u16, depth u16, branch, leaf, overflow pages,
 * entries, root: u64 each), last_pgno u64, txnid u64. Native byte order. */
enum {
    S_PAGEHDR = 16,
    S_P_META = 0x08,
    S_MAGIC = 0xBEEFC0DE,
    S_DATA_VERSION = 1,
    S_DB_BYTES = 48,
    S_META_BYTES = 8 + 8 + 8 + 2 * S_DB_BYTES + 8 + 8,
    S_ROOT_OFF = 40, /* in an MDB_db */
};
#define S_P_INVALID UINT64_MAX

typedef struct {
    uint32_t magic, version, psize;
    uint16_t flags;
    uint64_t mapsize, last_pgno, txnid, root[2], depth[2];
} s_meta;

static uint64_t s_u64(const uint8_t *p)
{
    uint64_t v;
    memcpy(&v, p, 8);
    return v;
}

static uint32_t s_u32(const uint8_t *p)
{
    uint32_t v;
    memcpy(&v, p, 4);
    return v;
}

static uint16_t s_u16(const uint8_t *p)
{
    uint16_t v;
    memcpy(&v, p, 2);
    return v;
}

static void s_meta_parse(const uint8_t *page, s_meta *m)
{
    const uint8_t *mm = page + S_PAGEHDR;
    m->flags = s_u16(page + 10);
    m->magic = s_u32(mm);
    m->version = s_u32(mm + 4);
    m->mapsize = s_u64(mm + 16);
    m->psize = s_u32(mm + 24); /* the free db's md_pad */
    for (int i = 0; i < 2; i++) {
        const uint8_t *db = mm + 24 + (size_t)i * S_DB_BYTES;
        m->depth[i] = s_u16(db + 6);
        m->root[i] = s_u64(db + S_ROOT_OFF);
    }
    m->last_pgno = s_u64(mm + 24 + 2 * S_DB_BYTES);
    m->txnid = s_u64(mm + 24 + 2 * S_DB_BYTES + 8);
}

/* NULL when m is a usable meta for a file of size bytes; else why not. */
static const char *s_meta_bad(const s_meta *m, unsigned psize, uint64_t size, char *buf, size_t cap)
{
    if (!(m->flags & S_P_META))
        return "not a meta page";
    if (m->magic != S_MAGIC)
        return "bad magic number";
    if (m->version != S_DATA_VERSION)
        return "unknown data version";
    if (m->psize != psize)
        return "page size differs from the other meta page";
    if (m->last_pgno < 1 || m->last_pgno > (UINT64_MAX / psize) - 1)
        return "last page number out of range";
    if ((m->last_pgno + 1) * psize > size) {
        snprintf(buf, cap,
                 "file is %llu bytes but its last page ends at %llu (cut short, or a damaged "
                 "meta page)",
                 (unsigned long long)size, (unsigned long long)((m->last_pgno + 1) * psize));
        return buf;
    }
    if (m->mapsize < (m->last_pgno + 1) * psize)
        return "map size below the pages in use";
    for (int i = 0; i < 2; i++) {
        if (m->root[i] == S_P_INVALID ? m->depth[i] != 0
                                      : (m->root[i] < 2 || m->root[i] > m->last_pgno ||
                                         m->depth[i] == 0 || m->depth[i] > 64)) {
            return i ? "main database root out of range" : "free database root out of range";
        }
    }
    return NULL;
}

int sos_store_meta_check(const char *dir, sos_store_meta *out, char *why, size_t cap)
{
    char path[4200];
    uint8_t page[2][S_PAGEHDR + S_META_BYTES];
    s_meta m[2];
    struct stat st;
    int fd = -1, rc;
    snprintf(why, cap, "ok");
    if (snprintf(path, sizeof path, "%s/data.mdb", dir) >= (int)sizeof path) {
        errno = ENAMETOOLONG;
        return SOS_EIO;
    }
    if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0) {
        rc = errno == ENOENT ? SOS_NOTFOUND : SOS_EIO;
        goto out;
    }
    if (fstat(fd, &st) != 0) {
        rc = SOS_EIO;
        goto out;
    }
    uint64_t size = (uint64_t)st.st_size;
    rc = SOS_CORRUPT;
    if (size == 0) {
        /* LMDB would take it for a new store and start over, empty */
        snprintf(why, cap,
                 "data.mdb is empty (cut short to nothing; if this store never "
                 "held anything, delete the file)");
        goto out;
    }
    if (size < sizeof page[0]) {
        snprintf(why, cap, "data.mdb is %llu bytes: shorter than one meta page",
                 (unsigned long long)size);
        goto out;
    }
    if (pread(fd, page[0], sizeof page[0], 0) != (ssize_t)sizeof page[0]) {
        rc = SOS_EIO;
        goto out;
    }
    s_meta_parse(page[0], &m[0]);
    unsigned psize = m[0].psize;
    if (psize < 512 || psize > 65536 || (psize & (psize - 1)) != 0) {
        snprintf(why, cap, "meta page 0: page size %u is not a power of two from 512 to 65536",
                 psize);
        goto out;
    }
    if (size < 2ull * psize) {
        snprintf(why, cap, "data.mdb is %llu bytes: shorter than its two meta pages",
                 (unsigned long long)size);
        goto out;
    }
    if (pread(fd, page[1], sizeof page[1], psize) != (ssize_t)sizeof page[1]) {
        rc = SOS_EIO;
        goto out;
    }
    s_meta_parse(page[1], &m[1]);
    char buf[200];
    for (int i = 0; i < 2; i++) {
        const char *bad = s_meta_bad(&m[i], psize, size, buf, sizeof buf);
        if (bad) {
            snprintf(why, cap, "meta page %d: %s", i, bad);
            goto out;
        }
    }
    /* The two metas are the last two commits: their ids differ by one (both
     * 0 in a file no transaction has committed to yet). More means one of
     * them is damaged, and LMDB would trust the larger. */
    uint64_t a = m[0].txnid, b = m[1].txnid;
    if ((a > b ? a - b : b - a) > 1) {
        snprintf(why, cap, "meta pages name transactions %llu and %llu: one of them is damaged",
                 (unsigned long long)a, (unsigned long long)b);
        goto out;
    }
    const s_meta *cur = b > a ? &m[1] : &m[0];
    if (cur->last_pgno < m[0].last_pgno || cur->last_pgno < m[1].last_pgno) {
        snprintf(why, cap, "the newer meta page has fewer pages than the older");
        goto out;
    }
    if (out)
        *out = (sos_store_meta){psize, cur->last_pgno, cur->txnid, cur->mapsize, size};
    rc = SOS_OK;
out:
    if (fd >= 0)
        close(fd);
    return rc;
}
