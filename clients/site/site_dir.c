/* site_dir: the render directory, its releases and its .state. See
 * site_dir.h. */
#define _XOPEN_SOURCE 700 /* nftw */
#include "site_dir.h"

#include <errno.h>
#include <ftw.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
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
    sos_store *state;
    render_site *site;
    uint64_t pulled, rendered, layout, release;
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

static int s_load(sos_txn *t, render_site *s)
{
    sos_cursor *c = NULL;
    sos_val k, v;
    int rc;
    if ((rc = sos_cursor_open(t, S_DB_VERDICTS, &c)))
        return rc;
    for (rc = sos_cursor_seek(c, NULL, 0, &k, &v); rc == SOS_OK; rc = sos_cursor_next(c, &k, &v)) {
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
    if (rc == SOS_OK && !(rc = sos_meta_get_u64(t, "pulled", &d->pulled)) &&
        !(rc = sos_meta_get_u64(t, "rendered", &d->rendered)) &&
        !(rc = sos_meta_get_u64(t, "layout", &d->layout)) &&
        !(rc = sos_meta_get_u64(t, "release", &d->release)))
        rc = s_load(t, d->site);
    sos_txn_abort(&t);
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

int site_dir_open(const char *out_dir, const char *base_url, site_dir **out)
{
    static const char *const dbs[] = {"meta", "verdicts", "comparisons"};
    char path[4096];
    site_dir *d = sos_xcalloc(1, sizeof *d);
    int rc;
    d->out = sos_xstrdup(out_dir);
    d->base_url = sos_xstrdup(base_url);
    d->site = render_site_new();
    snprintf(path, sizeof path, "%s/.state", out_dir);
    sos_store_opts so = {path, dbs, 3, 0, 0, false};
    if (sos_conf_mkdirs(out_dir, 0755) != 0 || sos_store_open(&so, &d->state) != SOS_OK) {
        rc = SITE_DIR_ECREATE;
        goto out;
    }
    rc = s_read_txn(d) == SOS_OK ? SITE_DIR_OK : SITE_DIR_ESTATE;
out:
    if (rc != SITE_DIR_OK)
        site_dir_destroy(&d);
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
 * the transaction but a->last, which it sets from the start. */
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
    return rc == SOS_OK ? sos_meta_put_u64(t, "pulled", a->last) : rc;
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

typedef struct {
    uint64_t rendered, layout, release;
} s_mark_arg;

static int s_mark(sos_txn *t, void *arg)
{
    const s_mark_arg *a = arg;
    int rc;
    if ((rc = sos_meta_put_u64(t, "rendered", a->rendered)) ||
        (rc = sos_meta_put_u64(t, "layout", a->layout)))
        return rc;
    return sos_meta_put_u64(t, "release", a->release);
}

int site_dir_render(site_dir *d, bool full, site_dir_result *res)
{
    char cur[4200], rel_new[64], tmp_link[4300], newdir[4200], olddir[4200];
    uint64_t want_layout = s_layout(d->base_url), release = d->release + 1;
    memset(res, 0, sizeof *res);
    d->why[0] = '\0';
    res->release = d->release;
    res->cursor = d->pulled;
    res->tools = render_site_tool_count(d->site);
    res->comparisons = render_site_comparison_count(d->site);

    snprintf(cur, sizeof cur, "%s/current", d->out);
    ssize_t ln = readlink(cur, olddir, sizeof olddir - 1);
    if (d->layout != want_layout && ln > 0 && !full) {
        res->layout_changed = true;
        full = true;
    }
    if (d->pulled == d->rendered && ln > 0 && !full) {
        res->up_to_date = true;
        return SITE_DIR_OK;
    }
    render_site_prepare(d->site, d->rendered);
    res->tools = render_site_tool_count(d->site); /* without the superseded verdicts */
    res->comparisons = render_site_comparison_count(d->site);

    snprintf(rel_new, sizeof rel_new, "releases/%" PRIu64, release);
    snprintf(newdir, sizeof newdir, "%s/%s", d->out, rel_new);
    s_rmtree(newdir); /* a release left half-made by a crash */
    if (sos_conf_mkdirs(newdir, 0755) != 0) {
        s_why(d, "cannot create %s: %s", newdir, strerror(errno));
        return SITE_DIR_ECREATE;
    }
    res->incremental = !full && ln > 0;
    if (res->incremental) {
        char from[4300];
        olddir[ln] = '\0';
        snprintf(from, sizeof from, "%s/%s", d->out, olddir);
        s_link_from = from;
        s_link_to = newdir;
        s_link_count = 0;
        if (nftw(from, s_link_one, 16, FTW_PHYS) != 0) {
            s_why(d, "cannot link %s into %s: %s", from, newdir, strerror(errno));
            return SITE_DIR_EWRITE;
        }
        res->linked = s_link_count;
    }
    if (render_site_write(d->site, d->base_url, newdir, !res->incremental, &res->written) != 0) {
        s_why(d, "cannot write into %s: %s", newdir, strerror(errno));
        return SITE_DIR_EWRITE;
    }
    /* swap: symlink current.tmp -> releases/<n>, rename over current */
    snprintf(tmp_link, sizeof tmp_link, "%s/current.tmp", d->out);
    unlink(tmp_link);
    if (symlink(rel_new, tmp_link) != 0 || rename(tmp_link, cur) != 0) {
        s_why(d, "cannot swap %s: %s", cur, strerror(errno));
        return SITE_DIR_EWRITE;
    }
    s_mark_arg m = {d->pulled, want_layout, release};
    if (sos_store_write(d->state, s_mark, &m) != SOS_OK) {
        s_why(d, "cannot record the cursor in %s/.state", d->out);
        return SITE_DIR_ERECORD;
    }
    d->rendered = d->pulled;
    d->layout = want_layout;
    d->release = res->release = release;
    /* keep the last few releases: a reader may still be inside one */
    for (uint64_t r = release > SITE_DIR_KEEP ? release - SITE_DIR_KEEP : 0; r > 0; r--) {
        char old[4200];
        snprintf(old, sizeof old, "%s/releases/%" PRIu64, d->out, r);
        if (access(old, F_OK) != 0)
            break;
        s_rmtree(old);
    }
    return SITE_DIR_OK;
}
