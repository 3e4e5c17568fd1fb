/* render: the site model and release writing. See render.h.
 *
 * Memory: the model keeps a small summary of each tool (render_sum) and
 * the whole published verdict in a spill file, read back through a small
 * cache for a page that shows it (its tool page, a comparison): that is
 * render_spill.c. Pages are written tool by tool, each comparison right
 * after the later of its two tools, which keeps the cache warm when
 * comparisons pair tools published close together. */
#include "render_int.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "card.h"
#include "html.h"

typedef struct render_site s_site;

static const char *s_id(const render_sum *t)
{
    return t->tool.tool_id;
}

static int s_tool_cmp(const void *a, const void *b)
{
    return strcmp(s_id(*(const render_sum *const *)a), s_id(*(const render_sum *const *)b));
}

static size_t s_find(const s_site *s, const char *id)
{
    size_t lo = 0, hi = s->nt;
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        int c = strcmp(s_id(s->tools[mid]), id);
        if (c == 0)
            return mid;
        if (c < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return SIZE_MAX;
}

static void s_add_tool(s_site *s, site_tool *t)
{
    if (s->nt == s->capt) {
        s->capt = s->capt ? s->capt * 2 : 64;
        s->tools = realloc(s->tools, s->capt * sizeof *s->tools);
        if (!s->tools)
            abort();
    }
    s->tools[s->nt++] = render_spill_sum_new(s, t);
}

static void s_add_cmp(s_site *s, Sos__Comparison *c, uint64_t seq, bool dirty)
{
    if (s->nc == s->capc) {
        s->capc = s->capc ? s->capc * 2 : 64;
        s->cmps = realloc(s->cmps, s->capc * sizeof *s->cmps);
        if (!s->cmps)
            abort();
    }
    s->cmps[s->nc++] = (render_cmp){c, seq, NULL, NULL, 0, 0, dirty, false, false};
}

/* Counts a file written (wrote), saying so every 2000. */
static void s_count(s_site *s, bool wrote)
{
    if (wrote && (++s->written % 2000) == 0)
        fprintf(stderr, "sos: render: %zu files written\n", s->written);
}

static int s_write(s_site *s, const char *rel_dir, const char *rel, sos_buf *b)
{
    s_count(s, true);
    return html_write(rel_dir, rel, b);
}

/* A site_sink's flush onto an html_stream (ctx). */
static int s_sink_flush(site_sink *sk)
{
    int rc = html_stream_write(sk->ctx, &sk->buf);
    sos_buf_reset(&sk->buf);
    return rc;
}

static int s_write_json(s_site *s, const char *dir, const char *rel, json_t *j)
{
    char *txt = json_dumps(j, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
    json_decref(j);
    if (!txt)
        return -1;
    sos_buf b = SOS_BUF_INIT;
    html_raw(&b, txt);
    html_raw(&b, "\n");
    free(txt);
    int rc = s_write(s, dir, rel, &b);
    sos_buf_free(&b);
    return rc;
}

static int s_by_seq_desc(const void *a, const void *b)
{
    const site_tool *x = *(const site_tool *const *)a, *y = *(const site_tool *const *)b;
    return x->seq < y->seq ? 1 : x->seq > y->seq ? -1 : 0;
}

static int s_by_name(const void *a, const void *b)
{
    const site_tool *x = *(const site_tool *const *)a, *y = *(const site_tool *const *)b;
    int c = strcasecmp(x->v->tool->name, y->v->tool->name);
    return c ? c : strcmp(x->v->tool->tool_id, y->v->tool->tool_id);
}

static int s_cmp_seq_desc(const void *a, const void *b)
{
    const render_cmp *x = a, *y = b;
    return x->seq < y->seq ? 1 : x->seq > y->seq ? -1 : 0;
}

static int s_cmp_seq_asc(const void *a, const void *b)
{
    const render_cmp *x = a, *y = b;
    return x->seq < y->seq ? -1 : x->seq > y->seq ? 1 : strcmp(x->c->slug, y->c->slug);
}

static int s_write_compare(const site_opts *o, s_site *s, const render_cmp *c, const char *dir)
{
    char rel[600];
    const site_tool *a = render_spill_full(s, c->ia);
    site_tool *keep = NULL;
    sos_buf buf = SOS_BUF_INIT;
    int rc = -1;
    if (!a)
        return -1;
    /* b's read may evict a: hold a outside the cache meanwhile */
    if (c->ia != c->ib)
        keep = render_spill_hold(s, a);
    const site_tool *b = render_spill_full(s, c->ib);
    if (!b)
        goto out;
    site_compare_html(o, c->c, a, b, &buf);
    snprintf(rel, sizeof rel, "compare/%s/index.html", c->c->slug);
    rc = s_write(s, dir, rel, &buf);
    snprintf(rel, sizeof rel, "compare/%s/index.json", c->c->slug);
    if (!rc)
        rc = s_write_json(s, dir, rel, site_compare_json(c->c, c->seq, a, b));
    if (!rc && c->card) { /* else the previous release's card, linked */
        sos_buf_reset(&buf);
        if (card_compare_png(a->body, a->v->tool->name, b->body, b->v->tool->name, &buf) != 0) {
            errno = ENOMEM;
            rc = -1;
            goto out;
        }
        snprintf(rel, sizeof rel, "compare/%s/card.png", c->c->slug);
        rc = s_write(s, dir, rel, &buf);
    }
out:
    sos_buf_free(&buf);
    render_spill_put_back(s, c->ia, keep);
    return rc;
}

/* The later of a comparison's two tools: it is written after that tool's
 * page. */
static size_t s_cmp_last(const render_cmp *c)
{
    return c->ia > c->ib ? c->ia : c->ib;
}

static const render_cmp *s_order_base;

static int s_by_last(const void *x, const void *y)
{
    size_t i = *(const size_t *)x, j = *(const size_t *)y;
    size_t li = s_cmp_last(&s_order_base[i]), lj = s_cmp_last(&s_order_base[j]);
    return li < lj ? -1 : li > lj ? 1 : i < j ? -1 : i > j ? 1 : 0;
}

/* Writes every page that shows a dirty tool or comparison, and the site-wide
 * files when anything changed. full: everything. */
static int s_render(const site_opts *o, s_site *s, const char *dir, bool full)
{
    sos_buf b = SOS_BUF_INIT;
    char rel[600];
    int rc = 0;

    for (size_t i = 0; i < s->nc; i++) {
        render_cmp *c = &s->cmps[i];
        c->ia = s_find(s, c->c->tool_a);
        c->ib = s_find(s, c->c->tool_b);
        if (c->ia == SIZE_MAX || c->ib == SIZE_MAX) {
            fprintf(stderr, "sos: render: %s has a tool without a verdict; skipped\n", c->c->slug);
            continue;
        }
        c->a = &s->tools[c->ia]->t;
        c->b = &s->tools[c->ib]->t;
        /* the card shows the two verdicts only: drawn when one of them is
         * new (tool_dirty, before the new comparisons below add to it) */
        c->card = full || c->dirty || s->tool_dirty[c->ia] || s->tool_dirty[c->ib];
    }
    for (size_t i = 0; i < s->nc; i++) {
        render_cmp *c = &s->cmps[i];
        if (!c->a || !c->b)
            continue;
        if (c->dirty) /* a new comparison shows on both tools' pages */
            s->tool_dirty[c->ia] = s->tool_dirty[c->ib] = true;
        c->write = full || c->dirty || s->tool_dirty[c->ia] || s->tool_dirty[c->ib];
    }
    /* tool pages, with the comparisons each is in: index them once */
    size_t *count = sos_xcalloc(s->nt + 1, sizeof *count), *first = NULL, *slot = NULL;
    size_t total = 0, nw = 0;
    for (size_t k = 0; k < s->nc; k++)
        if (s->cmps[k].a && s->cmps[k].b) {
            count[s->cmps[k].ia]++;
            count[s->cmps[k].ib]++;
        }
    first = sos_xcalloc(s->nt + 1, sizeof *first);
    for (size_t i = 0; i < s->nt; i++) {
        first[i] = total;
        total += count[i];
        count[i] = 0;
    }
    slot = sos_xcalloc(total + 1, sizeof *slot);
    size_t *order = sos_xcalloc(s->nc + 1, sizeof *order);
    for (size_t k = 0; k < s->nc; k++) {
        const render_cmp *c = &s->cmps[k];
        if (!c->a || !c->b)
            continue;
        slot[first[c->ia] + count[c->ia]++] = k;
        slot[first[c->ib] + count[c->ib]++] = k;
        if (c->write)
            order[nw++] = k;
    }
    s_order_base = s->cmps;
    if (nw)
        qsort(order, nw, sizeof *order, s_by_last);
    const Sos__Comparison **cl = sos_xcalloc(total + 1, sizeof *cl);
    const site_tool **ol = sos_xcalloc(total + 1, sizeof *ol);
    for (size_t i = 0, next = 0; !rc && i < s->nt; i++) {
        if (full || s->tool_dirty[i]) {
            const site_tool *t = render_spill_full(s, i);
            size_t n = count[i];
            if (!t) {
                rc = -1;
                break;
            }
            for (size_t j = 0; j < n; j++) {
                const render_cmp *c = &s->cmps[slot[first[i] + j]];
                cl[j] = c->c;
                ol[j] = c->ia == i ? c->b : c->a;
            }
            sos_buf_reset(&b);
            site_tool_html(o, t, cl, ol, n, &b);
            snprintf(rel, sizeof rel, "tools/%s/index.html", t->v->tool->tool_id);
            if ((rc = s_write(s, dir, rel, &b)))
                break;
            snprintf(rel, sizeof rel, "tools/%s/index.json", t->v->tool->tool_id);
            if ((rc = s_write_json(s, dir, rel, site_tool_json(t))))
                break;
        }
        for (; !rc && next < nw && s_cmp_last(&s->cmps[order[next]]) == i; next++)
            rc = s_write_compare(o, s, &s->cmps[order[next]], dir);
    }
    free(count);
    free(first);
    free(slot);
    free(order);
    free(cl);
    free(ol);
    if (rc)
        goto out;

    /* site-wide files */
    site_tool **by_name = sos_xmalloc((s->nt + 1) * sizeof *by_name);
    for (size_t i = 0; i < s->nt; i++)
        by_name[i] = &s->tools[i]->t;
    qsort(by_name, s->nt, sizeof *by_name, s_by_name);
    if (s->nc) /* qsort and bsearch want a real array, even for 0 elements */
        qsort(s->cmps, s->nc, sizeof *s->cmps, s_cmp_seq_desc);
    const Sos__Comparison **cs = sos_xmalloc((s->nc + 1) * sizeof *cs);
    const site_tool **pairs = sos_xmalloc((2 * s->nc + 1) * sizeof *pairs);
    size_t nc = 0;
    for (size_t k = 0; k < s->nc; k++) {
        if (!s->cmps[k].a || !s->cmps[k].b)
            continue;
        cs[nc] = s->cmps[k].c;
        pairs[2 * nc] = s->cmps[k].a;
        pairs[2 * nc + 1] = s->cmps[k].b;
        nc++;
    }
    /* the index pages, newest first (cs and pairs too, from here on); the
     * home page always (its twin carries the release time), the others
     * when their bytes change */
    const site_tool **by_time = sos_xmalloc((s->nt + 1) * sizeof *by_time);
    if (s->nt)
        memcpy(by_time, by_name, s->nt * sizeof *by_time);
    site_index_order(by_time, s->nt, cs, pairs, nc);
    static const struct {
        site_list which;
        const char *rel[2];
    } lists[] = {{SITE_LIST_HOME, {"index.html", "index.json"}},
                 {SITE_LIST_COMPARE, {"compare/index.html", "compare/index.json"}},
                 {SITE_LIST_TOOLS, {"tools/index.html", "tools/index.json"}}};
    for (size_t i = 0; !rc && i < sizeof lists / sizeof *lists; i++)
        for (int k = 0; !rc && k < 2; k++) {
            /* written as made: these grow with the site */
            html_stream w;
            site_sink sk = {SOS_BUF_INIT, s_sink_flush, &w, false};
            bool wrote = false;
            if ((rc = html_stream_open(&w, dir, lists[i].rel[k])))
                break;
            if (k == 0)
                site_list_html_to(o, lists[i].which, by_time, s->nt, cs, pairs, nc, &sk);
            else
                site_list_json_to(o, lists[i].which, by_time, s->nt, cs, pairs, nc, &sk);
            if (!sk.failed)
                s_sink_flush(&sk);
            sos_buf_free(&sk.buf);
            rc = html_stream_close(&w, lists[i].which != SITE_LIST_HOME && !full, &wrote);
            s_count(s, wrote);
        }
    free(by_time);
    if (!rc) {
        sos_buf_reset(&b);
        site_sitemap(o, (const site_tool *const *)by_name, s->nt, cs, pairs, nc, &b);
        rc = s_write(s, dir, "sitemap.xml", &b);
    }
    if (!rc) {
        /* verdicts and comparisons merged newest first; cs is newest first */
        qsort(by_name, s->nt, sizeof *by_name, s_by_seq_desc);
        site_feed_item *items = sos_xcalloc(SITE_FEED_ITEMS, sizeof *items);
        size_t nf = 0, it = 0, ic = 0, kc = 0;
        const render_cmp *cl2[SITE_FEED_ITEMS];
        for (size_t k = 0; k < s->nc && kc < SITE_FEED_ITEMS; k++)
            if (s->cmps[k].a && s->cmps[k].b)
                cl2[kc++] = &s->cmps[k];
        while (nf < SITE_FEED_ITEMS && (it < s->nt || ic < kc)) {
            if (ic < kc && (it == s->nt || cl2[ic]->seq > by_name[it]->seq)) {
                items[nf++] = (site_feed_item){NULL, cl2[ic]->c, cl2[ic]->a, cl2[ic]->b};
                ic++;
            } else {
                items[nf++] = (site_feed_item){by_name[it++], NULL, NULL, NULL};
            }
        }
        sos_buf_reset(&b);
        site_feed_atom(o, items, nf, &b);
        if (!(rc = s_write(s, dir, "feed.atom", &b))) {
            sos_buf_reset(&b);
            site_feed_json(o, items, nf, &b);
            rc = s_write(s, dir, "feed.json", &b);
        }
        free(items);
    }
    /* they change only with the program and the base URL (which mean a
     * full render): the assets, robots.txt, 404.html, how-we-review/ */
    static const char *const assets[] = SITE_ASSETS;
    for (size_t i = 0; !rc && i < sizeof assets / sizeof *assets + 3; i++) {
        size_t na = sizeof assets / sizeof *assets;
        sos_buf_reset(&b);
        if (i < na) {
            html_raw(&b, site_asset(assets[i]));
            snprintf(rel, sizeof rel, "assets/%s", assets[i]);
        } else if (i == na) {
            site_robots(o, &b);
            snprintf(rel, sizeof rel, "robots.txt");
        } else if (i == na + 1) {
            site_404_html(o, &b);
            snprintf(rel, sizeof rel, "404.html");
        } else {
            site_review_html(o, &b);
            snprintf(rel, sizeof rel, SITE_REVIEW_PAGE);
        }
        if (full || !html_same(dir, rel, &b))
            rc = s_write(s, dir, rel, &b);
    }
    free(by_name);
    free(cs);
    free(pairs);
out:
    sos_buf_free(&b);
    return rc;
}

static void s_site_free(s_site *s)
{
    for (size_t i = 0; i < s->nt; i++)
        render_spill_sum_free(s->tools[i]);
    render_spill_close(s);
    for (size_t i = 0; i < s->nc; i++)
        sos__comparison__free_unpacked(s->cmps[i].c, NULL);
    free(s->tools);
    free(s->cmps);
    free(s->tool_dirty);
}

render_site *render_site_new(void)
{
    render_site *s = sos_xcalloc(1, sizeof *s);
    strcpy(s->updated, "1970-01-01T00:00:00Z");
    s->spill = -1;
    return s;
}

void render_site_destroy(render_site **sp)
{
    if (!*sp)
        return;
    s_site_free(*sp);
    free(*sp);
    *sp = NULL;
}

void render_site_add_tool(render_site *s, site_tool *t)
{
    s_add_tool(s, t);
}

void render_site_add_comparison(render_site *s, Sos__Comparison *c, uint64_t seq, bool dirty)
{
    s_add_cmp(s, c, seq, dirty);
}

size_t render_site_tool_count(const render_site *s)
{
    return s->nt;
}
size_t render_site_comparison_count(const render_site *s)
{
    return s->nc;
}
const char *render_site_updated(const render_site *s)
{
    return s->updated;
}

void render_site_prepare(render_site *s, uint64_t since)
{
    if (s->nt)
        qsort(s->tools, s->nt, sizeof *s->tools, s_tool_cmp);
    /* publication order, whatever order they were added in (pulled, loaded
     * from the state by slug, or read back by sos verify): a tool page's
     * "Compared with" list follows it */
    if (s->nc)
        qsort(s->cmps, s->nc, sizeof *s->cmps, s_cmp_seq_asc);
    free(s->tool_dirty);
    s->tool_dirty = sos_xcalloc(s->nt + 1, sizeof *s->tool_dirty);
    render_spill_cache_clear(s); /* it holds indexes into tools */
    size_t w = 0;
    for (size_t i = 0; i < s->nt; i++) {
        if (w > 0 && !strcmp(s_id(s->tools[w - 1]), s_id(s->tools[i]))) {
            render_sum *keep =
                s->tools[w - 1]->t.seq > s->tools[i]->t.seq ? s->tools[w - 1] : s->tools[i];
            render_spill_sum_free(keep == s->tools[i] ? s->tools[w - 1] : s->tools[i]);
            s->tools[w - 1] = keep;
            continue;
        }
        s->tools[w++] = s->tools[i];
    }
    s->nt = w;
    for (size_t i = 0; i < s->nt; i++) {
        s->tool_dirty[i] = s->tools[i]->t.seq > since;
        if (s->tools[i]->body.finalized_at > 0) {
            char tmp[40];
            time_t tt = (time_t)s->tools[i]->body.finalized_at;
            struct tm tm;
            gmtime_r(&tt, &tm);
            strftime(tmp, sizeof tmp, "%Y-%m-%dT%H:%M:%SZ", &tm);
            if (strcmp(tmp, s->updated) > 0)
                strcpy(s->updated, tmp);
        }
    }
}

int render_site_write(render_site *s, const char *base_url, const char *dir, bool full,
                      size_t *written)
{
    site_opts o = {base_url, s->updated};
    s->written = 0;
    int rc = s_render(&o, s, dir, full);
    *written = s->written;
    return rc;
}
