/* render: the published site, from the publishing daemon's feed.
 *
 * Pulls what was published after the cursor stored with the site, renders
 * what changed into a new release beside the old one, then swaps a symlink:
 *
 *   OUT/current -> releases/<n>     what readers and web servers serve
 *   OUT/releases/<n>/               one complete site per release
 *   OUT/.state/                     what was pulled (cursor "pulled"), what
 *                                   the current release shows ("rendered"),
 *                                   the release number, every verdict and
 *                                   comparison published so far (LMDB)
 *
 * A new release starts as hard links to every file of the previous one;
 * only the pages that show something new are written (through a temporary
 * file and rename, so the old release's files are never touched). rename(2)
 * of the symlink is atomic: a reader sees the old release or the new one,
 * never half of one. What is pulled is committed page by page (the map
 * grows as needed); "rendered" moves only after the swap, so a crash in
 * between renders the same publications again next time. */
#define _XOPEN_SOURCE 700 /* nftw */
#include <errno.h>
#include <ftw.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <sysexits.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"
#include "cmd.h"
#include "conf.h"
#include "evlog.h"
#include "html.h"
#include "publishing_clnt.h"
#include "render.h"
#include "sign.h"
#include "site.h"
#include "store.h"
#include "wire.h"

enum { S_DB_META = 0, S_DB_VERDICTS = 1, S_DB_COMPARISONS = 2 };
#define S_KEEP_RELEASES 3

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

/* Stores one page of events in the state: one transaction, grown and
 * retried when the map is full. 0, or an exit code with a message. */
static int s_store_page(sos_store *st, const Sos__EventsPage *page, uint64_t *pulled)
{
    for (int attempt = 0; attempt < 16; attempt++) {
        sos_txn *t = NULL;
        int rc = sos_txn_begin(st, true, &t);
        uint64_t last = *pulled;
        for (size_t i = 0; rc == SOS_OK && i < page->n_events; i++) {
            const Sos__Event *ev = page->events[i];
            last = ev->seq;
            if (ev->kind_case == SOS__EVENT__KIND_PUBLICATION && ev->publication->tool &&
                ev->publication->tool->tool_id[0])
                rc = s_put(t, S_DB_VERDICTS, ev->publication->tool->tool_id, ev->seq,
                           &ev->publication->base);
            else if (ev->kind_case == SOS__EVENT__KIND_COMPARISON_PUBLISHED)
                rc = s_put(t, S_DB_COMPARISONS, ev->comparison_published->slug, ev->seq,
                           &ev->comparison_published->base);
        }
        if (rc == SOS_OK)
            rc = sos_meta_put_u64(t, "pulled", last);
        if (rc == SOS_OK && (rc = sos_txn_commit(&t)) == SOS_OK) {
            *pulled = last;
            return 0;
        }
        sos_txn_abort(&t);
        if (rc == SOS_MAPFULL && sos_store_grow(st) == SOS_OK)
            continue;
        fprintf(stderr, "sos: render: cannot store what was pulled: %s\n", sos_store_errstr(rc));
        return EX_IOERR;
    }
    return EX_IOERR;
}

/* Pulls everything after *pulled into the state (committed page by page)
 * and the model. Returns 0 or an exit code. */
static int s_pull(sos_cli *cli, sos_store *st, render_site *s, uint64_t *pulled, size_t *news)
{
    sos_clnt *c = NULL;
    int rc = sos_cli_connect(cli, "publishing", &c);
    if (rc)
        return rc;
    for (;;) {
        Sos__EventsReply *rep = NULL;
        rc = sos_clnt_events(c, *pulled, SOS_EVLOG_PAGE_MAX, &rep);
        if (rc != SOS_CLNT_OK) {
            rc = sos_cli_clnt_error(rc, "publishing", c);
            break;
        }
        if ((rc = sos_cli_status(rep->status, "publishing")) ||
            (rc = rep->events ? s_store_page(st, rep->events, pulled) : 0)) {
            sos__events_reply__free_unpacked(rep, NULL);
            break;
        }
        size_t n = rep->events ? rep->events->n_events : 0;
        uint64_t head = rep->events ? rep->events->head : 0;
        for (size_t i = 0; i < n; i++) {
            Sos__Event *ev = rep->events->events[i];
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
                render_site_add_tool(s, t);
                (*news)++;
            } else if (ev->kind_case == SOS__EVENT__KIND_COMPARISON_PUBLISHED) {
                Sos__Comparison *cm = ev->comparison_published;
                ev->comparison_published = NULL;
                ev->kind_case = SOS__EVENT__KIND__NOT_SET;
                render_site_add_comparison(s, cm, ev->seq, true);
                (*news)++;
            }
        }
        sos__events_reply__free_unpacked(rep, NULL);
        if (n == 0 || *pulled >= head)
            break;
        if (*news % 5000 < n)
            fprintf(stderr, "sos: render: pulled %" PRIu64 " of %" PRIu64 "\n", *pulled, head);
    }
    sos_clnt_destroy(&c);
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

/* --- releases -------------------------------------------------------- */

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

int sos_cmd_render(sos_cli *cli, int argc, char **argv)
{
    typedef struct {
        const char *out, *full, *base;
    } s_render_opts;
    static const sos_cmd_verb verbs[] = {
        {NULL, NULL, "--out DIR [--full] [--base-url URL]", 0, NULL}};
    static const sos_cmd_opt opts[] = {SOS_CMD_VALUE("out", 'o', s_render_opts, out),
                                       SOS_CMD_FLAG("full", 'f', s_render_opts, full),
                                       SOS_CMD_VALUE("base-url", 'b', s_render_opts, base)};
    static const sos_cmd cmd = {
        "render", SOS_CMD_TABLE(verbs), SOS_CMD_TABLE(opts), sizeof(s_render_opts),
        "Pulls what publishing published since the last render and writes a new\n"
        "release of the site: DIR/current points at it (serve that directory).\n"
        "Only the pages that show something new are rewritten; --full rewrites all.\n"
        "--base-url (default [site] base_url, else https://shiporskip.example) makes\n"
        "the absolute links of feeds, sitemap and canonical tags.\n"};
    static const char *const dbs[] = {"meta", "verdicts", "comparisons"};
    const char *out = NULL, *base = NULL;
    bool full = false;
    char path[4096], cur[4200], rel_new[64], tmp_link[4300], newdir[4200], olddir[4200];
    render_site *site = render_site_new();
    sos_store *st = NULL;
    sos_txn *t = NULL;
    uint64_t cursor = 0, release = 0;
    size_t news = 0, written = 0, linked = 0;
    char *base_url = NULL;
    int rc;
    s_render_opts o = {0};
    int first;
    if ((rc = sos_cmd_getopt(&cmd, cli, argc, argv, &o, &first)) != SOS_CMD_GO)
        goto out;
    out = o.out;
    full = o.full != NULL;
    base = o.base;
    if (!out || first != argc) {
        rc = sos_cmd_misuse(&cmd);
        goto out;
    }
    if (!base)
        base = sos_conf_get(cli->conf, "site", "base_url");
    base_url = sos_xstrdup(base ? base : "https://shiporskip.example");
    for (size_t n = strlen(base_url); n > 0 && base_url[n - 1] == '/'; n--)
        base_url[n - 1] = '\0';
    int64_t t0 = sos_now_ms();

    snprintf(path, sizeof path, "%s/.state", out);
    sos_store_opts so = {path, dbs, 3, 0, 0, false};
    if (sos_conf_mkdirs(out, 0755) != 0 || sos_store_open(&so, &st) != SOS_OK) {
        fprintf(stderr, "sos: render: cannot open %s\n", path);
        rc = EX_CANTCREAT;
        goto out;
    }
    uint64_t rendered = 0, layout = 0, want_layout = s_layout(base_url);
    if (sos_txn_begin(st, false, &t) || sos_meta_get_u64(t, "pulled", &cursor) ||
        sos_meta_get_u64(t, "rendered", &rendered) || sos_meta_get_u64(t, "layout", &layout) ||
        sos_meta_get_u64(t, "release", &release) || s_load(t, site)) {
        fprintf(stderr, "sos: render: cannot read %s/.state\n", out);
        rc = EX_IOERR;
        goto out;
    }
    sos_txn_abort(&t);
    if ((rc = s_pull(cli, st, site, &cursor, &news)))
        goto out;
    snprintf(cur, sizeof cur, "%s/current", out);
    ssize_t ln = readlink(cur, olddir, sizeof olddir - 1);
    if (layout != want_layout && ln > 0 && !full) {
        fprintf(stderr, "sos: render: base URL or page templates changed: rewriting every page\n");
        full = true;
    }
    if (cursor == rendered && ln > 0 && !full) {
        fprintf(stderr, "sos: render: %s is up to date (cursor %" PRIu64 ")\n", out, cursor);
        rc = 0;
        goto out;
    }
    render_site_prepare(site, rendered);

    release++;
    snprintf(rel_new, sizeof rel_new, "releases/%" PRIu64, release);
    snprintf(newdir, sizeof newdir, "%s/%s", out, rel_new);
    s_rmtree(newdir); /* a release left half-made by a crash */
    if (sos_conf_mkdirs(newdir, 0755) != 0) {
        fprintf(stderr, "sos: render: cannot create %s: %s\n", newdir, strerror(errno));
        rc = EX_CANTCREAT;
        goto out;
    }
    bool incremental = !full && ln > 0;
    if (incremental) {
        char from[4300];
        olddir[ln] = '\0';
        snprintf(from, sizeof from, "%s/%s", out, olddir);
        s_link_from = from;
        s_link_to = newdir;
        s_link_count = 0;
        if (nftw(from, s_link_one, 16, FTW_PHYS) != 0) {
            fprintf(stderr, "sos: render: cannot link %s into %s: %s\n", from, newdir,
                    strerror(errno));
            rc = EX_IOERR;
            goto out;
        }
        linked = s_link_count;
    }
    if (render_site_write(site, base_url, newdir, !incremental, &written) != 0) {
        fprintf(stderr, "sos: render: cannot write into %s: %s\n", newdir, strerror(errno));
        rc = EX_IOERR;
        goto out;
    }
    /* swap: symlink current.tmp -> releases/<n>, rename over current */
    snprintf(tmp_link, sizeof tmp_link, "%s/current.tmp", out);
    unlink(tmp_link);
    if (symlink(rel_new, tmp_link) != 0 || rename(tmp_link, cur) != 0) {
        fprintf(stderr, "sos: render: cannot swap %s: %s\n", cur, strerror(errno));
        rc = EX_IOERR;
        goto out;
    }
    if (sos_txn_begin(st, true, &t) || sos_meta_put_u64(t, "rendered", cursor) ||
        sos_meta_put_u64(t, "layout", want_layout) || sos_meta_put_u64(t, "release", release) ||
        sos_txn_commit(&t)) {
        fprintf(stderr, "sos: render: cannot record the cursor in %s/.state\n", out);
        rc = EX_IOERR;
        goto out;
    }
    /* keep the last few releases: a reader may still be inside one */
    for (uint64_t r = release > S_KEEP_RELEASES ? release - S_KEEP_RELEASES : 0; r > 0; r--) {
        char old[4200];
        snprintf(old, sizeof old, "%s/releases/%" PRIu64, out, r);
        if (access(old, F_OK) != 0)
            break;
        s_rmtree(old);
    }
    printf("rendered %s: release %" PRIu64 ", %zu tools, %zu comparisons; %zu files written, "
           "%zu kept from the previous release (%s) in %.2f s\n",
           out, release, render_site_tool_count(site), render_site_comparison_count(site), written,
           linked, incremental ? "incremental" : "full", (sos_now_ms() - t0) / 1000.0);
    fprintf(stderr, "sos: render: serve %s/current (cursor %" PRIu64 ", %zu new)\n", out, cursor,
            news);
    rc = 0;
out:
    sos_txn_abort(&t);
    sos_store_destroy(&st);
    render_site_destroy(&site);
    free(base_url);
    return rc;
}
