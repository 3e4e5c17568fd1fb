/* site_dir_release: the releases of a site directory, OUT/releases/<n>
 * (site_dir.h): a number never used before, claimed with mkdir and
 * recorded in .state (release_last); the hard links from the previous
 * release; the record of a swap (cursor, layout, release, and when the
 * one before stopped being current); and pruning, which removes a release
 * only once no reader can be inside it: a grace period after it stopped
 * being current, and never the SITE_DIR_KEEP_PREVIOUS newest. */
#define _XOPEN_SOURCE 700 /* nftw */
#include "site_dir_int.h"

#include <dirent.h>
#include <errno.h>
#include <ftw.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "buf.h"
#include "conf.h"
#include "evlog.h"

/* nftw has no user pointer: the link walk's state. */
static const char *s_link_from, *s_link_to;
static size_t s_link_count;

static int s_link_one(const char *path, const struct stat *sb, int type, struct FTW *ftw)
{
    (void)sb;
    (void)ftw;
    char dst[4096];
    size_t base = strlen(s_link_from);
    if (snprintf(dst, sizeof dst, "%s%s", s_link_to, path + base) >= (int)sizeof dst)
        return -1;
    if (type == FTW_D)
        return mkdir(dst, 0755) == 0 || errno == EEXIST ? 0 : -1;
    if (type == FTW_F) {
        s_link_count++;
        return link(path, dst);
    }
    if (type == FTW_DNR || type == FTW_NS) { /* the release would lack it */
        errno = EACCES;
        return -1;
    }
    return 0;
}

static int s_rm_one(const char *path, const struct stat *sb, int type, struct FTW *ftw)
{
    (void)sb;
    (void)ftw;
    return type == FTW_DP ? rmdir(path) : unlink(path);
}

int site_dir_release_remove(const char *dir)
{
    return nftw(dir, s_rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

int site_dir_release_link(const char *from, const char *to, size_t *linked)
{
    s_link_from = from;
    s_link_to = to;
    s_link_count = 0;
    if (nftw(from, s_link_one, 16, FTW_PHYS) != 0)
        return -1;
    *linked = s_link_count;
    return 0;
}

/* The release numbers present under OUT/releases, unsorted; *n of them.
 * The caller's (free). */
static uint64_t *s_releases(const site_dir *d, size_t *n)
{
    char path[4200];
    size_t cap = 8;
    uint64_t *list = sos_xmalloc(cap * sizeof *list);
    *n = 0;
    snprintf(path, sizeof path, "%s/releases", d->out);
    DIR *dir = opendir(path);
    if (!dir)
        return list;
    for (struct dirent *e; (e = readdir(dir));) {
        char *end;
        if (e->d_name[0] < '1' || e->d_name[0] > '9')
            continue;
        uint64_t r = strtoull(e->d_name, &end, 10);
        if (*end)
            continue;
        if (*n == cap) {
            cap *= 2;
            list = realloc(list, cap * sizeof *list);
            if (!list)
                abort();
        }
        list[(*n)++] = r;
    }
    closedir(dir);
    return list;
}

/* The number of the release "releases/<n>" a readlink of current gave;
 * 0 when it names something else. */
uint64_t site_dir_release_of(const char *target)
{
    char *end;
    if (strncmp(target, "releases/", 9) != 0 || target[9] < '1' || target[9] > '9')
        return 0;
    uint64_t r = strtoull(target + 9, &end, 10);
    return *end ? 0 : r;
}

static int s_put_release_last(sos_txn *t, void *arg)
{
    return sos_meta_put_u64(t, "release_last", *(const uint64_t *)arg);
}

/* Claims a release number never used in OUT: past the highest recorded
 * and past every release present (one a render left when it died before
 * recording it), made with mkdir, which fails on a directory that exists.
 * dir (cap bytes) receives its path. */
int site_dir_release_claim(site_dir *d, uint64_t current, uint64_t *release, char *dir, size_t cap)
{
    size_t n;
    uint64_t *present = s_releases(d, &n), r = d->release_last;
    if (d->release > r)
        r = d->release;
    if (current > r)
        r = current;
    for (size_t i = 0; i < n; i++)
        if (present[i] > r)
            r = present[i];
    free(present);
    snprintf(dir, cap, "%s/releases", d->out);
    if (sos_conf_mkdirs(dir, 0755) != 0) {
        site_dir_why_set(d, "cannot create %s: %s", dir, strerror(errno));
        return SITE_DIR_ECREATE;
    }
    for (;;) {
        snprintf(dir, cap, "%s/releases/%" PRIu64, d->out, ++r);
        if (mkdir(dir, 0755) == 0)
            break;
        if (errno != EEXIST) {
            site_dir_why_set(d, "cannot create %s: %s", dir, strerror(errno));
            return SITE_DIR_ECREATE;
        }
    }
    if (sos_store_write(d->state, s_put_release_last, &r) != SOS_OK) {
        rmdir(dir);
        site_dir_why_set(d, "cannot record release %" PRIu64 " in %s/.state", r, d->out);
        return SITE_DIR_ESTATE;
    }
    d->release_last = *release = r;
    return SITE_DIR_OK;
}

typedef struct {
    uint64_t rendered, layout, release;
    uint64_t retired, now; /* the release that stopped being current (0: none), when */
} s_mark_arg;

static void s_retired_key(char *key, size_t cap, uint64_t release)
{
    snprintf(key, cap, "retired/%" PRIu64, release);
}

static int s_mark(sos_txn *t, void *arg)
{
    const s_mark_arg *a = arg;
    char key[40];
    int rc;
    if ((rc = sos_meta_put_u64(t, "rendered", a->rendered)) ||
        (rc = sos_meta_put_u64(t, "layout", a->layout)))
        return rc;
    if (a->retired && a->retired != a->release) {
        s_retired_key(key, sizeof key, a->retired);
        if ((rc = sos_meta_put_u64(t, key, a->now)))
            return rc;
    }
    return sos_meta_put_u64(t, "release", a->release);
}

int site_dir_release_record(site_dir *d, uint64_t layout, uint64_t release, uint64_t retired)
{
    s_mark_arg m = {d->pulled, layout, release, retired, (uint64_t)time(NULL)};
    return sos_store_write(d->state, s_mark, &m);
}

typedef struct {
    uint64_t release, retired; /* retired: when it stopped being current; 0 never was */
    bool removed;
} s_old;

typedef struct {
    s_old *old;
    size_t n, removed;
    uint64_t current, before, now;
} s_prune_arg;

/* When each release but current stopped being current, recorded now for
 * one that has no record and was current once (one made before records
 * were kept, or retired by a render that died before recording it).
 * Releases past the one current before this render have no record and
 * never were current: renders that died left them. S_NOTHING when there
 * was nothing to record: no commit. */
enum { S_NOTHING = 1 };

static int s_prune_record(sos_txn *t, void *arg)
{
    s_prune_arg *a = arg;
    char key[40];
    int rc = S_NOTHING;
    for (size_t i = 0; i < a->n; i++) {
        s_old *o = &a->old[i];
        s_retired_key(key, sizeof key, o->release);
        if (sos_meta_get_u64(t, key, &o->retired) != SOS_OK)
            return SOS_EIO;
        if (o->retired || o->release > a->before)
            continue;
        o->retired = a->now;
        if ((rc = sos_meta_put_u64(t, key, a->now)))
            return rc;
    }
    return rc;
}

static int s_prune_forget(sos_txn *t, void *arg)
{
    const s_prune_arg *a = arg;
    char key[40];
    if (!a->removed)
        return S_NOTHING;
    for (size_t i = 0; i < a->n; i++)
        if (a->old[i].removed) {
            s_retired_key(key, sizeof key, a->old[i].release);
            int rc = sos_txn_del(t, SITE_DIR_DB_META, key, strlen(key));
            if (rc != SOS_OK && rc != SOS_NOTFOUND)
                return rc;
        }
    return SOS_OK;
}

static int s_old_newest_first(const void *x, const void *y)
{
    const s_old *a = x, *b = y;
    return a->release < b->release ? 1 : a->release > b->release ? -1 : 0;
}

/* Removes the releases a reader cannot be inside: those renders that died
 * left, and those that stopped being current keep_seconds ago or more,
 * except the SITE_DIR_KEEP_PREVIOUS newest. before: the release current
 * when this render began (UINT64_MAX: unknown, nothing is taken for left
 * over). Trouble is reported on stderr: the site is served either way. */
void site_dir_release_prune(site_dir *d, uint64_t current, uint64_t before)
{
    size_t n, kept = 0;
    uint64_t *present = s_releases(d, &n);
    s_prune_arg a = {
        sos_xcalloc(n + 1, sizeof *a.old), 0, 0, current, before, (uint64_t)time(NULL)};
    for (size_t i = 0; i < n; i++)
        if (present[i] != current)
            a.old[a.n++].release = present[i];
    free(present);
    int rc = sos_store_write(d->state, s_prune_record, &a);
    if (rc != SOS_OK && rc != S_NOTHING) {
        fprintf(stderr, "sos: render: cannot record old releases in %s/.state\n", d->out);
        goto out;
    }
    qsort(a.old, a.n, sizeof *a.old, s_old_newest_first);
    for (size_t i = 0; i < a.n; i++) {
        s_old *o = &a.old[i];
        char dir[4200];
        if (o->retired && o->release < current && kept < SITE_DIR_KEEP_PREVIOUS) {
            kept++;
            continue;
        }
        if (o->retired && (long long)(a.now - o->retired) < d->opts.keep_seconds)
            continue;
        snprintf(dir, sizeof dir, "%s/releases/%" PRIu64, d->out, o->release);
        if (site_dir_release_remove(dir) != 0) {
            fprintf(stderr, "sos: render: cannot remove %s: %s\n", dir, strerror(errno));
            continue;
        }
        o->removed = true;
        a.removed++;
    }
    rc = sos_store_write(d->state, s_prune_forget, &a);
    if (rc != SOS_OK && rc != S_NOTHING)
        fprintf(stderr, "sos: render: cannot update %s/.state\n", d->out);
out:
    free(a.old);
}
