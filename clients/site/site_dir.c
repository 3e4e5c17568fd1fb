/* site_dir: the render directory, its releases and its .state. See
 * site_dir.h. */
#define _XOPEN_SOURCE 700 /* nftw */
#include "site_dir.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "buf.h"
#include "conf.h"
#include "evlog.h"
#include "render.h"
#include "sign.h"
#include "site.h"
#include "store.h"

enum { S_DB_META = 0, S_DB_VERDICTS = 1, S_DB_COMPARISONS = 2 };

struct site_dir {
    char *out, *base_url;
    int lock_fd; /* OUT/.lock; the flock on it while locked */
    bool locked;
    site_dir_opts opts;
    sos_store *state;
    render_site *site;
    uint64_t pulled, rendered, layout, release;
    uint64_t release_last; /* the highest release number ever claimed */
    char why[4608];
};

static void s_why(site_dir *d, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void s_why(site_dir *d, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(d->why, sizeof d->why, fmt, ap);
    va_end(ap);
}

/* --- .state ------------------------------------------------------------ */

/* Verdicts and comparisons are stored as seq (BE64) || packed message. */
static int s_put(sos_txn *t, sos_db db, const char *key, uint64_t seq, const ProtobufCMessage *m)
{
    sos_buf b = SOS_BUF_INIT;
    uint8_t s8[8];
    sos_be64_put(s8, seq);
    sos_buf_append(&b, s8, 8);
    size_t n = protobuf_c_message_get_packed_size(m);
    sos_buf_reserve(&b, 8 + n);
    protobuf_c_message_pack(m, b.data + 8);
    b.len = 8 + n;
    int rc = sos_txn_put(t, db, key, strlen(key), b.data, b.len);
    sos_buf_free(&b);
    return rc;
}

/* Loads what the current release shows: records past rendered were stored
 * by a render that failed, and come again with the pull from rendered. */
static int s_load(sos_store *st_store, sos_txn *t, render_site *s, uint64_t rendered)
{
    sos_cursor *c = NULL;
    sos_val k, v;
    int rc;
    size_t n = 0;
    if ((rc = sos_cursor_open(t, S_DB_VERDICTS, &c)))
        return rc;
    for (rc = sos_cursor_seek(c, NULL, 0, &k, &v); rc == SOS_OK; rc = sos_cursor_next(c, &k, &v)) {
        /* the model keeps what it needs of each: the map's pages read for
         * it need not stay resident (at 10,000 tools they were ~43 MiB) */
        if (++n % 256 == 0)
            sos_store_release_pages(st_store);
        if (v.len > 8 && sos_be64_get(v.data) > rendered)
            continue;
        Sos__Verdict *vd = v.len > 8
                               ? (Sos__Verdict *)sos_unpack(&sos__verdict__descriptor,
                                                            (const uint8_t *)v.data + 8, v.len - 8)
                               : NULL;
        site_tool *st = sos_xcalloc(1, sizeof *st);
        if (!vd || site_tool_load(vd, sos_be64_get(v.data), st) != 0) {
            free(st);
            fprintf(stderr, "sos: render: a stored verdict does not decode; skipped\n");
            continue;
        }
        render_site_add_tool(s, st);
    }
    sos_cursor_destroy(&c);
    if (rc != SOS_NOTFOUND)
        return rc;
    if ((rc = sos_cursor_open(t, S_DB_COMPARISONS, &c)))
        return rc;
    for (rc = sos_cursor_seek(c, NULL, 0, &k, &v); rc == SOS_OK; rc = sos_cursor_next(c, &k, &v)) {
        if (v.len > 8 && sos_be64_get(v.data) > rendered)
            continue;
        Sos__Comparison *cm =
            v.len > 8 ? (Sos__Comparison *)sos_unpack(&sos__comparison__descriptor,
                                                      (const uint8_t *)v.data + 8, v.len - 8)
                      : NULL;
        if (cm)
            render_site_add_comparison(s, cm, sos_be64_get(v.data), false);
    }
    sos_cursor_destroy(&c);
    return rc == SOS_NOTFOUND ? 0 : rc;
}

static int s_read_txn(site_dir *d)
{
    sos_txn *t = NULL;
    int rc = sos_txn_begin(d->state, false, &t);
    if (rc == SOS_OK && !(rc = sos_meta_get_u64(t, "rendered", &d->rendered)) &&
        !(rc = sos_meta_get_u64(t, "layout", &d->layout)) &&
        !(rc = sos_meta_get_u64(t, "release", &d->release)) &&
        !(rc = sos_meta_get_u64(t, "release_last", &d->release_last)))
        rc = s_load(d->state, t, d->site, d->rendered);
    d->pulled = d->rendered;
    sos_txn_abort(&t);
    sos_store_release_pages(d->state);
    return rc;
}

/* What every page depends on besides the data: the base URL, the templates
 * and the assets. A change means a full render. */
static uint64_t s_layout(const char *base_url)
{
    sos_buf b = SOS_BUF_INIT;
    uint8_t h[SOS_HASH_BYTES];
    char v[32];
    snprintf(v, sizeof v, "%d", SITE_TEMPLATE_VERSION);
    sos_buf_append(&b, v, strlen(v) + 1);
    sos_buf_append(&b, base_url, strlen(base_url) + 1);
    sos_buf_append(&b, site_asset("site.css"), strlen(site_asset("site.css")));
    sos_buf_append(&b, site_asset("site.js"), strlen(site_asset("site.js")));
    sos_hash(b.data, b.len, h);
    sos_buf_free(&b);
    return sos_be64_get(h);
}

/* --- the lock ------------------------------------------------------- */

/* The pid in OUT/.lock, 0 when there is none yet. */
static long s_lock_holder(int fd)
{
    char b[32];
    ssize_t n = pread(fd, b, sizeof b - 1, 0);
    if (n <= 0)
        return 0;
    b[n] = '\0';
    return strtol(b, NULL, 10);
}

/* 0 when taken, 1 when another open file holds it (*holder: its pid, 0
 * unknown), -1 with errno. The holder writes its pid just after it takes
 * the lock, and clears it just before it drops it: a moment's retry reads
 * the pid, or finds the lock free. */
static int s_lock_try(int fd, long *holder)
{
    struct timespec ms = {0, 1000000};
    for (int i = 0;; i++) {
        if (flock(fd, LOCK_EX | LOCK_NB) == 0)
            return 0;
        if (errno != EWOULDBLOCK && errno != EINTR)
            return -1;
        if ((*holder = s_lock_holder(fd)) > 0 || i == 1000)
            return 1;
        nanosleep(&ms, NULL);
    }
}

/* Takes OUT/.lock (waiting unless no_wait) and writes our pid in it. flock
 * belongs to the open file, so the kernel drops it when the process dies,
 * however it dies. */
static int s_lock(site_dir *d)
{
    char path[4200], pid[32], who[48];
    long holder = 0;
    int rc;
    snprintf(path, sizeof path, "%s/.lock", d->out);
    if ((d->lock_fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0644)) < 0) {
        s_why(d, "cannot open %s: %s", path, strerror(errno));
        return SITE_DIR_ECREATE;
    }
    if ((rc = s_lock_try(d->lock_fd, &holder)) == 1) {
        if (holder > 0)
            snprintf(who, sizeof who, "pid %ld", holder);
        else
            snprintf(who, sizeof who, "pid unknown");
        if (d->opts.no_wait) {
            s_why(d, "another render (%s) is writing %s", who, d->out);
            return SITE_DIR_EBUSY;
        }
        fprintf(stderr, "sos: render: waiting for another render (%s) writing %s\n", who, d->out);
        while ((rc = flock(d->lock_fd, LOCK_EX)) != 0 && errno == EINTR)
            ;
    }
    if (rc != 0) {
        s_why(d, "cannot lock %s: %s", path, strerror(errno));
        return SITE_DIR_ECREATE;
    }
    d->locked = true;
    int n = snprintf(pid, sizeof pid, "%ld\n", (long)getpid());
    if (ftruncate(d->lock_fd, 0) != 0 || pwrite(d->lock_fd, pid, (size_t)n, 0) != n) {
        s_why(d, "cannot write %s: %s", path, strerror(errno));
        return SITE_DIR_ECREATE;
    }
    return SITE_DIR_OK;
}

int site_dir_open(const char *out_dir, const char *base_url, const site_dir_opts *opts,
                  site_dir **out, char *why, size_t cap)
{
    static const char *const dbs[] = {"meta", "verdicts", "comparisons"};
    char path[4096];
    site_dir *d = sos_xcalloc(1, sizeof *d);
    int rc;
    d->out = sos_xstrdup(out_dir);
    d->base_url = sos_xstrdup(base_url);
    d->lock_fd = -1;
    d->opts = opts ? *opts : (site_dir_opts){false, SITE_DIR_KEEP_SECONDS};
    d->site = render_site_new();
    if (sos_conf_mkdirs(out_dir, 0755) != 0) {
        s_why(d, "cannot create %s: %s", out_dir, strerror(errno));
        rc = SITE_DIR_ECREATE;
        goto out;
    }
    if ((rc = s_lock(d)) != SITE_DIR_OK)
        goto out;
    snprintf(path, sizeof path, "%s/.state", out_dir);
    sos_store_opts so = {path, dbs, 3, 0, 0, false};
    if (sos_store_open(&so, &d->state) != SOS_OK) {
        s_why(d, "cannot open %s", path);
        rc = SITE_DIR_ECREATE;
        goto out;
    }
    if (s_read_txn(d) != SOS_OK) {
        s_why(d, "cannot read %s", path);
        rc = SITE_DIR_ESTATE;
    }
out:
    if (rc != SITE_DIR_OK) {
        if (why && cap)
            snprintf(why, cap, "%s", d->why);
        site_dir_destroy(&d);
    }
    *out = d;
    return rc;
}

void site_dir_destroy(site_dir **dp)
{
    site_dir *d = *dp;
    if (!d)
        return;
    sos_store_destroy(&d->state);
    render_site_destroy(&d->site);
    /* our pid goes while we still hold the lock; close drops it */
    if (d->locked && ftruncate(d->lock_fd, 0) != 0)
        fprintf(stderr, "sos: render: cannot clear %s/.lock: %s\n", d->out, strerror(errno));
    if (d->lock_fd >= 0)
        close(d->lock_fd);
    free(d->out);
    free(d->base_url);
    free(d);
    *dp = NULL;
}

uint64_t site_dir_cursor(const site_dir *d)
{
    return d->pulled;
}

const char *site_dir_why(const site_dir *d)
{
    return d->why;
}

typedef struct {
    const Sos__EventsPage *page;
    uint64_t last; /* the page's cursor, set by each run */
} s_page_arg;

/* Run by sos_store_write, maybe more than once: decides nothing outside
 * the transaction but a->last, which it sets from the start. The records
 * only: the cursor ("rendered") moves with the swap. */
static int s_store_page(sos_txn *t, void *arg)
{
    s_page_arg *a = arg;
    const Sos__EventsPage *page = a->page;
    int rc = SOS_OK;
    for (size_t i = 0; rc == SOS_OK && i < page->n_events; i++) {
        const Sos__Event *ev = page->events[i];
        a->last = ev->seq;
        if (ev->kind_case == SOS__EVENT__KIND_PUBLICATION && ev->publication->tool &&
            ev->publication->tool->tool_id[0])
            rc = s_put(t, S_DB_VERDICTS, ev->publication->tool->tool_id, ev->seq,
                       &ev->publication->base);
        else if (ev->kind_case == SOS__EVENT__KIND_COMPARISON_PUBLISHED)
            rc = s_put(t, S_DB_COMPARISONS, ev->comparison_published->slug, ev->seq,
                       &ev->comparison_published->base);
    }
    return rc;
}

int site_dir_add_page(site_dir *d, Sos__EventsPage *page, size_t *news)
{
    s_page_arg a = {page, d->pulled};
    size_t added = 0;
    int rc = sos_store_write(d->state, s_store_page, &a);
    if (rc != SOS_OK) {
        s_why(d, "cannot store what was pulled: %s", sos_store_errstr(rc));
        return SITE_DIR_ESTATE;
    }
    d->pulled = a.last;
    for (size_t i = 0; i < page->n_events; i++) {
        Sos__Event *ev = page->events[i];
        if (ev->kind_case == SOS__EVENT__KIND_PUBLICATION) {
            Sos__Verdict *v = ev->publication;
            if (!v->tool || !v->tool->tool_id[0])
                continue;
            ev->publication = NULL; /* the model owns it now */
            ev->kind_case = SOS__EVENT__KIND__NOT_SET;
            site_tool *t = sos_xcalloc(1, sizeof *t);
            if (site_tool_load(v, ev->seq, t) != 0) {
                free(t);
                fprintf(stderr, "sos: render: verdict at seq %" PRIu64 " does not decode\n",
                        ev->seq);
                continue;
            }
            render_site_add_tool(d->site, t);
            added++;
        } else if (ev->kind_case == SOS__EVENT__KIND_COMPARISON_PUBLISHED) {
            Sos__Comparison *cm = ev->comparison_published;
            ev->comparison_published = NULL;
            ev->kind_case = SOS__EVENT__KIND__NOT_SET;
            render_site_add_comparison(d->site, cm, ev->seq, true);
            added++;
        }
    }
    if (news)
        *news += added;
    return SITE_DIR_OK;
}

/* --- releases -------------------------------------------------------- */

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

static int s_rmtree(const char *dir)
{
    return nftw(dir, s_rm_one, 16, FTW_DEPTH | FTW_PHYS);
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
static uint64_t s_release_of(const char *target)
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
static int s_claim(site_dir *d, uint64_t current, uint64_t *release, char *dir, size_t cap)
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
        s_why(d, "cannot create %s: %s", dir, strerror(errno));
        return SITE_DIR_ECREATE;
    }
    for (;;) {
        snprintf(dir, cap, "%s/releases/%" PRIu64, d->out, ++r);
        if (mkdir(dir, 0755) == 0)
            break;
        if (errno != EEXIST) {
            s_why(d, "cannot create %s: %s", dir, strerror(errno));
            return SITE_DIR_ECREATE;
        }
    }
    if (sos_store_write(d->state, s_put_release_last, &r) != SOS_OK) {
        rmdir(dir);
        s_why(d, "cannot record release %" PRIu64 " in %s/.state", r, d->out);
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

/* --- pruning --------------------------------------------------------- */

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
            int rc = sos_txn_del(t, S_DB_META, key, strlen(key));
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
static void s_prune(site_dir *d, uint64_t current, uint64_t before)
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
        if (s_rmtree(dir) != 0) {
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

int site_dir_render(site_dir *d, bool full, site_dir_result *res)
{
    char cur[4200], rel_new[64], tmp_link[4300], newdir[4200], olddir[4200];
    uint64_t want_layout = s_layout(d->base_url), release = 0, before = UINT64_MAX;
    bool swapped = false;
    int rc = SITE_DIR_OK;
    memset(res, 0, sizeof *res);
    d->why[0] = '\0';
    newdir[0] = '\0';
    res->release = d->release;
    res->cursor = d->pulled;
    res->tools = render_site_tool_count(d->site);
    res->comparisons = render_site_comparison_count(d->site);

    snprintf(cur, sizeof cur, "%s/current", d->out);
    snprintf(tmp_link, sizeof tmp_link, "%s/current.tmp", d->out);
    ssize_t ln = readlink(cur, olddir, sizeof olddir - 1);
    if (ln > 0) {
        olddir[ln] = '\0';
        if (s_release_of(olddir))
            before = s_release_of(olddir);
    } else if (d->release == 0) {
        before = 0; /* nothing was ever current */
    }
    if (d->layout != want_layout && ln > 0 && !full) {
        res->layout_changed = true;
        full = true;
    }
    if (d->pulled == d->rendered && ln > 0 && !full) {
        res->up_to_date = true;
        if (before != UINT64_MAX) /* else current is not ours to reason about */
            s_prune(d, before, before);
        return SITE_DIR_OK;
    }
    render_site_prepare(d->site, d->rendered);
    res->tools = render_site_tool_count(d->site); /* without the superseded verdicts */
    res->comparisons = render_site_comparison_count(d->site);

    if ((rc = s_claim(d, before == UINT64_MAX ? 0 : before, &release, newdir, sizeof newdir))) {
        newdir[0] = '\0'; /* nothing of ours to remove */
        goto out;
    }
    snprintf(rel_new, sizeof rel_new, "releases/%" PRIu64, release);
    res->incremental = !full && ln > 0;
    if (res->incremental) {
        char from[4300];
        snprintf(from, sizeof from, "%s/%s", d->out, olddir);
        s_link_from = from;
        s_link_to = newdir;
        s_link_count = 0;
        if (nftw(from, s_link_one, 16, FTW_PHYS) != 0) {
            s_why(d, "cannot link %s into %s: %s", from, newdir, strerror(errno));
            rc = SITE_DIR_EWRITE;
            goto out;
        }
        res->linked = s_link_count;
    }
    if (render_site_write(d->site, d->base_url, newdir, !res->incremental, &res->written) != 0) {
        s_why(d, "cannot write into %s: %s", newdir, strerror(errno));
        rc = SITE_DIR_EWRITE;
        goto out;
    }
    /* swap: symlink current.tmp -> releases/<n>, rename over current */
    unlink(tmp_link);
    if (symlink(rel_new, tmp_link) != 0 || rename(tmp_link, cur) != 0) {
        s_why(d, "cannot swap %s: %s", cur, strerror(errno));
        rc = SITE_DIR_EWRITE;
        goto out;
    }
    swapped = true;
    s_mark_arg m = {d->pulled, want_layout, release, before == UINT64_MAX ? 0 : before,
                    (uint64_t)time(NULL)};
    if (sos_store_write(d->state, s_mark, &m) != SOS_OK) {
        s_why(d, "cannot record the cursor in %s/.state", d->out);
        rc = SITE_DIR_ERECORD;
        goto out;
    }
    d->rendered = d->pulled;
    d->layout = want_layout;
    d->release = res->release = release;
    s_prune(d, release, before);
out:
    if (rc != SITE_DIR_OK && !swapped && newdir[0]) { /* nobody saw it: it goes */
        unlink(tmp_link);
        s_rmtree(newdir);
    }
    return rc;
}
