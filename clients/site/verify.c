/* verify: offline verification of a rendered site: the twins, the rebuild
 * and the comparison with the rebuilt tree. The procedure is described in
 * verify_check.c; the checks of signed data live there. */
#define _XOPEN_SOURCE 700 /* nftw, mkdtemp, realpath */
#include "verify.h"

#include <errno.h>
#include <ftw.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "buf.h"
#include "card.h"
#include "render.h"
#include "sign.h"
#include "site.h"
#include "verify_int.h"

/* --- twins ----------------------------------------------------------- */

static json_t *s_load_json(verify_ctx *x, const char *root, const char *rel)
{
    char path[PATH_MAX];
    json_error_t err;
    verify_where w = {rel, NULL};
    snprintf(path, sizeof path, "%s/%s", root, rel);
    if (access(path, F_OK) != 0) {
        verify_problem(x, false, &w, "is missing (index.json links it)");
        return NULL;
    }
    json_t *j = json_load_file(path, 0, &err);
    if (!j)
        verify_problem(x, false, &w, "does not parse as JSON (line %d: %s)", err.line, err.text);
    else if (!json_is_object(j)) {
        verify_problem(x, false, &w, "is not a JSON object");
        json_decref(j);
        j = NULL;
    }
    return j;
}

/* "tools/<id>/index.json" -> id in out; false when href is not that shape. */
static bool s_href(const char *href, const char *dir, char *out, size_t cap)
{
    size_t dl = strlen(dir);
    static const char tail[] = "/index.json";
    if (!href || strncmp(href, dir, dl) != 0 || href[dl] != '/')
        return false;
    const char *id = href + dl + 1, *slash = strchr(id, '/');
    if (!slash || strcmp(slash, tail) != 0 || slash == id || (size_t)(slash - id) >= cap)
        return false;
    memcpy(out, id, (size_t)(slash - id));
    out[slash - id] = '\0';
    return strcmp(out, ".") != 0 && strcmp(out, "..") != 0;
}

static verify_toolrec *s_find_tool(verify_ctx *x, const char *id)
{
    for (size_t i = 0; i < x->nt; i++)
        if (strcmp(x->tools[i].id, id) == 0)
            return &x->tools[i];
    return NULL;
}

static void s_tool_twin(verify_ctx *x, const char *root, const char *rel, const char *href_id)
{
    json_t *j = s_load_json(x, root, rel);
    if (!j)
        return;
    verify_where w = {rel, NULL};
    verify_vd d;
    verify_check_verdict(x, &w, j, true, &d);
    const json_t *seq = json_object_get(j, "seq");
    if (!json_is_integer(seq) || json_integer_value(seq) < 0)
        verify_problem(x, false, &w, "seq is missing or not a sequence number");
    if (d.body && strcmp(d.body->tool_id, href_id) != 0) {
        verify_problem(x, false, &w, "holds the verdict on %s", d.body->tool_id);
        d.clean = false;
    }
    if (x->nt == x->capt) {
        x->capt = x->capt ? 2 * x->capt : 16;
        x->tools = realloc(x->tools, x->capt * sizeof *x->tools);
        if (!x->tools)
            abort();
    }
    verify_toolrec *r = &x->tools[x->nt++];
    r->id = sos_xstrdup(href_id);
    memcpy(r->digest, d.digest, SOS_HASH_BYTES);
    r->clean = d.clean;
    r->rendered = false;

    /* the rebuilt pages go to tools/<signed id>/: only ids that are the
     * href's (a plain path segment) get there */
    Sos__Verdict *v = d.body && d.body->tool && strcmp(d.body->tool_id, href_id) == 0 &&
                              strcmp(d.body->tool->tool_id, href_id) == 0
                          ? verify_vd_rebuild(&d)
                          : NULL;
    if (v) {
        site_tool *st = sos_xcalloc(1, sizeof *st);
        uint64_t sq = json_is_integer(seq) && json_integer_value(seq) > 0
                          ? (uint64_t)json_integer_value(seq)
                          : 0;
        if (site_tool_load(v, sq, st) == 0) {
            render_site_add_tool(x->site, st);
            r->rendered = true;
        } else {
            free(st);
            verify_problem(x, false, &w, "its signed data cannot be rendered");
        }
    }
    verify_vd_clear(&d);
    json_decref(j);
}

static void s_compare_twin(verify_ctx *x, const char *root, const char *rel, const char *href_slug)
{
    json_t *j = s_load_json(x, root, rel);
    if (!j)
        return;
    verify_where w = {rel, NULL};
    const json_t *cj = json_object_get(j, "comparison"), *seq = json_object_get(j, "seq");
    const char *slug = verify_str(cj, "slug"), *a = verify_str(cj, "a"), *b = verify_str(cj, "b");
    const json_t *created = json_object_get(cj, "created_at");
    if (!slug || !a || !b || !json_is_integer(created) || json_integer_value(created) < 0 ||
        !json_is_integer(seq) || json_integer_value(seq) < 0) {
        verify_problem(x, false, &w, "comparison (slug, a, b, created_at) or seq is missing");
        json_decref(j);
        return;
    }
    size_t want = strlen(a) + strlen(b) + 5;
    char *expect = sos_xmalloc(want);
    snprintf(expect, want, "%s-vs-%s", a, b);
    if (strcmp(slug, expect) != 0)
        verify_problem(x, false, &w, "comparison slug %s is not %s", slug, expect);
    if (strcmp(slug, href_slug) != 0)
        verify_problem(x, false, &w, "holds the comparison %s", slug);
    free(expect);

    bool both = true; /* both tools are in the rebuilt model */
    verify_vd ds[2];
    for (int side = 0; side < 2; side++) {
        const char *key = side ? "b" : "a", *id = side ? b : a;
        char prefix[300];
        snprintf(prefix, sizeof prefix, "%s (%.200s): ", key, id);
        verify_where sw = {rel, prefix};
        verify_toolrec *r = s_find_tool(x, id);
        verify_vd *d = &ds[side];
        verify_check_verdict(x, &sw, json_object_get(j, key), false, d);
        if (d->body && strcmp(d->body->tool_id, id) != 0)
            verify_problem(x, false, &sw, "is the verdict on %s", d->body->tool_id);
        if (!r)
            verify_problem(x, false, &sw, "index.json lists no tool page for it");
        if (!r || !r->rendered)
            both = false;
        else if (d->clean && r->clean && memcmp(d->digest, r->digest, SOS_HASH_BYTES) != 0)
            verify_problem(x, false, &sw, "its signed data is not that of tools/%s/index.json", id);
    }
    verify_check_answer(x, &w, j, &ds[0], &ds[1]);
    verify_vd_clear(&ds[0]);
    verify_vd_clear(&ds[1]);

    Sos__Comparison c = SOS__COMPARISON__INIT;
    c.slug = (char *)slug;
    c.tool_a = (char *)a;
    c.tool_b = (char *)b;
    c.created_at = (uint64_t)json_integer_value(created);
    sos_buf pb = SOS_BUF_INIT;
    sos_buf_pack(&pb, &c.base);
    Sos__Comparison *copy =
        (Sos__Comparison *)sos_unpack(&sos__comparison__descriptor, pb.data, pb.len);
    sos_buf_free(&pb);
    if (copy && both && strcmp(slug, href_slug) == 0) /* a plain path segment */
        render_site_add_comparison(x->site, copy, (uint64_t)json_integer_value(seq), true);
    else if (copy)
        sos__comparison__free_unpacked(copy, NULL);
    json_decref(j);
}

/* --- the rebuilt tree against the site --------------------------------- */

/* Line (from 1) of the first difference between files a and b; 0 when they
 * are the same, -1 when one cannot be read. */
static long s_first_diff(const char *a, const char *b)
{
    FILE *fa = fopen(a, "rb"), *fb = fopen(b, "rb");
    long line = 1, rc = 0;
    if (!fa || !fb) {
        rc = -1;
        goto out;
    }
    for (;;) {
        int ca = getc(fa), cb = getc(fb);
        if (ca != cb) {
            rc = line;
            break;
        }
        if (ca == EOF)
            break;
        if (ca == '\n')
            line++;
    }
    if (ferror(fa) || ferror(fb))
        rc = -1;
out:
    if (fa)
        fclose(fa);
    if (fb)
        fclose(fb);
    return rc;
}

/* nftw has no user pointer: the walk's state. */
static struct {
    const char *other; /* the tree compared with */
    size_t base;       /* strlen of the walked root */
    bool site_side;    /* walking the site (else the rebuilt tree) */
    size_t files;
    char **lines; /* problems, sorted before printing */
    size_t nl, capl;
} s_walk;

static void s_walk_problem(const char *rel, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void s_walk_problem(const char *rel, const char *fmt, ...)
{
    char reason[200], *line;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(reason, sizeof reason, fmt, ap);
    va_end(ap);
    size_t n = strlen(rel) + strlen(reason) + 3;
    line = sos_xmalloc(n);
    snprintf(line, n, "%s: %s", rel, reason);
    if (s_walk.nl == s_walk.capl) {
        s_walk.capl = s_walk.capl ? 2 * s_walk.capl : 16;
        s_walk.lines = realloc(s_walk.lines, s_walk.capl * sizeof *s_walk.lines);
        if (!s_walk.lines)
            abort();
    }
    s_walk.lines[s_walk.nl++] = line;
}

/* compare/<slug>/card.png: a comparison's social card (card.h) */
static bool s_is_card(const char *rel)
{
    size_t n = strlen(rel);
    return strncmp(rel, "compare/", 8) == 0 && n > 9 && strcmp(rel + n - 9, "/card.png") == 0;
}

/* The whole file into b (at most 16 MiB: a card is some 60 KiB). 0 or -1. */
static int s_slurp(const char *path, sos_buf *b)
{
    FILE *f = fopen(path, "rb");
    char chunk[16384];
    size_t n;
    if (!f)
        return -1;
    while ((n = fread(chunk, 1, sizeof chunk, f)) > 0 && b->len < (16u << 20))
        sos_buf_append(b, chunk, n);
    int rc = ferror(f) || b->len >= (16u << 20) ? -1 : 0;
    fclose(f);
    return rc;
}

/* A card of the site: a CARD_WIDTH x CARD_HEIGHT PNG, byte for byte the
 * one the rebuild drew from the signed verdicts (drawing is deterministic). */
static void s_check_card(const char *path, const char *rebuilt, const char *rel)
{
    sos_buf have = SOS_BUF_INIT, want = SOS_BUF_INIT;
    char why[80];
    if (s_slurp(path, &have) != 0 || s_slurp(rebuilt, &want) != 0)
        s_walk_problem(rel, "cannot be read");
    else if (card_png_check(have.data, have.len, why, sizeof why) != 0)
        s_walk_problem(rel, "%s (a card is a %dx%d PNG)", why, CARD_WIDTH, CARD_HEIGHT);
    else if (have.len != want.len || memcmp(have.data, want.data, have.len) != 0)
        s_walk_problem(rel, "is not the card the signed verdicts draw");
    sos_buf_free(&have);
    sos_buf_free(&want);
}

static int s_walk_one(const char *path, const struct stat *sb, int type, struct FTW *ftw)
{
    (void)sb;
    (void)ftw;
    const char *rel = path + s_walk.base;
    char other[PATH_MAX];
    struct stat os;
    while (*rel == '/')
        rel++;
    if (!*rel || type == FTW_D || type == FTW_DP)
        return 0;
    if (snprintf(other, sizeof other, "%s/%s", s_walk.other, rel) >= (int)sizeof other) {
        s_walk_problem(rel, "path is too long");
        return 0;
    }
    bool there = lstat(other, &os) == 0;
    if (!s_walk.site_side) {
        if (!there)
            s_walk_problem(rel, "is missing (the signed data makes this file)");
        return 0;
    }
    s_walk.files++;
    if (type == FTW_DNR)
        s_walk_problem(rel, "directory cannot be read");
    else if (type != FTW_F)
        s_walk_problem(rel, "is not a regular file");
    else if (!there || !S_ISREG(os.st_mode))
        s_walk_problem(rel, "is not part of the site the signed data makes");
    else if (s_is_card(rel))
        s_check_card(path, other, rel);
    else {
        long line = s_first_diff(path, other);
        if (line < 0)
            s_walk_problem(rel, "cannot be read");
        else if (line > 0)
            s_walk_problem(rel, "differs from the signed data at line %ld", line);
    }
    return 0;
}

static int s_line_cmp(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Compares root and rebuilt both ways; prints and counts the problems. */
static int s_compare_trees(verify_ctx *x, const char *root, const char *rebuilt, size_t *files)
{
    int rc = 0;
    memset(&s_walk, 0, sizeof s_walk);
    s_walk.other = rebuilt;
    s_walk.base = strlen(root);
    s_walk.site_side = true;
    if (nftw(root, s_walk_one, 16, FTW_PHYS) != 0)
        rc = -1;
    *files = s_walk.files;
    s_walk.other = root;
    s_walk.base = strlen(rebuilt);
    s_walk.site_side = false;
    if (rc == 0 && nftw(rebuilt, s_walk_one, 16, FTW_PHYS) != 0)
        rc = -1;
    if (s_walk.nl)
        qsort(s_walk.lines, s_walk.nl, sizeof *s_walk.lines, s_line_cmp);
    for (size_t i = 0; i < s_walk.nl; i++) {
        verify_emit(x->out, s_walk.lines[i]);
        free(s_walk.lines[i]);
        x->problems++;
    }
    free(s_walk.lines);
    memset(&s_walk, 0, sizeof s_walk);
    return rc;
}

static int s_rm_one(const char *path, const struct stat *sb, int type, struct FTW *ftw)
{
    (void)sb;
    (void)ftw;
    return type == FTW_DP ? rmdir(path) : unlink(path);
}

/* --- the whole check --------------------------------------------------- */

int verify_site(const char *dir, const uint8_t *key, FILE *out, verify_report *rep, char *why,
                size_t cap)
{
    verify_ctx x = {0};
    char root[PATH_MAX], path[PATH_MAX + 32], tmp[PATH_MAX];
    struct stat sb;
    json_t *index = NULL;
    int rc = VERIFY_OK;
    tmp[0] = '\0';
    memset(rep, 0, sizeof *rep);
    if (cap)
        why[0] = '\0';
    x.out = out;
    if (key) {
        memcpy(x.key, key, SOS_PK_BYTES);
        x.pinned = true;
    }
    snprintf(path, sizeof path, "%s/current", dir);
    if (lstat(path, &sb) != 0)
        snprintf(path, sizeof path, "%s", dir);
    if (!realpath(path, root)) {
        snprintf(why, cap, "%s: %s", path, strerror(errno));
        return VERIFY_NOSITE;
    }
    snprintf(path, sizeof path, "%s/index.json", root);
    if (access(path, F_OK) != 0) {
        snprintf(why, cap, "no index.json in %s: not a rendered site", root);
        return VERIFY_NOSITE;
    }
    x.site = render_site_new();

    /* 1-2: the index and every twin it links, one at a time */
    verify_where iw = {"index.json", NULL};
    index = s_load_json(&x, root, "index.json");
    const char *base_url = verify_str(index, "base_url"), *updated = verify_str(index, "updated");
    const json_t *tools = json_object_get(index, "tools"),
                 *cmps = json_object_get(index, "comparisons");
    if (index && (!base_url || !updated || !json_is_array(tools) || !json_is_array(cmps)))
        verify_problem(&x, false, &iw, "base_url, updated, tools or comparisons is missing");
    if (!index || !base_url || !json_is_array(tools) || !json_is_array(cmps))
        goto out;
    for (size_t i = 0; i < json_array_size(tools); i++) {
        const char *href = verify_str(json_array_get(tools, i), "href");
        char id[256];
        if (!s_href(href, "tools", id, sizeof id)) {
            verify_problem(&x, false, &iw, "tool %zu: href is not tools/<id>/index.json", i + 1);
            continue;
        }
        s_tool_twin(&x, root, href, id);
    }
    for (size_t i = 0; i < json_array_size(cmps); i++) {
        const char *href = verify_str(json_array_get(cmps, i), "href");
        char slug[600];
        if (!s_href(href, "compare", slug, sizeof slug)) {
            verify_problem(&x, false, &iw, "comparison %zu: href is not compare/<slug>/index.json",
                           i + 1);
            continue;
        }
        s_compare_twin(&x, root, href, slug);
    }

    /* 3: rebuild from the signed data alone and compare */
    render_site_prepare(x.site, 0);
    if (updated && strcmp(updated, render_site_updated(x.site)) != 0)
        verify_problem(&x, false, &iw, "updated %s is not the newest verdict's time %s", updated,
                       render_site_updated(x.site));
    const char *td = getenv("TMPDIR");
    snprintf(tmp, sizeof tmp, "%s/sos-verify-XXXXXX", td && *td ? td : "/tmp");
    if (!mkdtemp(tmp)) {
        snprintf(why, cap, "cannot create %s: %s", tmp, strerror(errno));
        tmp[0] = '\0';
        rc = VERIFY_ECREATE;
        goto out;
    }
    size_t written = 0;
    if (render_site_write(x.site, base_url, tmp, true, &written) != 0) {
        snprintf(why, cap, "cannot write the rebuilt site into %s: %s", tmp, strerror(errno));
        rc = VERIFY_ECREATE;
        goto out;
    }
    if (s_compare_trees(&x, root, tmp, &rep->files) != 0) {
        snprintf(why, cap, "cannot walk %s: %s", root, strerror(errno));
        rc = VERIFY_EWALK;
        goto out;
    }
out:
    rep->problems = x.problems;
    rep->forged = x.forged;
    rep->have_signer = x.pinned || x.have_signer;
    memcpy(rep->signer, x.pinned ? x.key : x.signer, SOS_PK_BYTES);
    rep->tools = render_site_tool_count(x.site);
    rep->comparisons = render_site_comparison_count(x.site);
    if (tmp[0])
        nftw(tmp, s_rm_one, 16, FTW_DEPTH | FTW_PHYS);
    json_decref(index);
    render_site_destroy(&x.site);
    for (size_t i = 0; i < x.nt; i++)
        free(x.tools[i].id);
    free(x.tools);
    return rc;
}
