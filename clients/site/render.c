/* render: the site model and release writing. See render.h. */
#include "render.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "html.h"

typedef struct {
    Sos__Comparison *c; /* owned */
    uint64_t seq;
    const site_tool *a, *b;
    size_t ia, ib; /* indexes of a and b in tools, when both are there */
    bool dirty;
} s_cmp;

struct render_site {
    site_tool **tools; /* sorted by id */
    size_t nt, capt;
    bool *tool_dirty;
    s_cmp *cmps;
    size_t nc, capc;
    size_t written;
    char updated[40];
};

typedef struct render_site s_site;

static int s_tool_cmp(const void *a, const void *b)
{
    const site_tool *x = *(const site_tool *const *)a, *y = *(const site_tool *const *)b;
    return strcmp(x->v->tool->tool_id, y->v->tool->tool_id);
}

static site_tool *s_find(const s_site *s, const char *id)
{
    size_t lo = 0, hi = s->nt;
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        int c = strcmp(s->tools[mid]->v->tool->tool_id, id);
        if (c == 0)
            return s->tools[mid];
        if (c < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return NULL;
}

static void s_add_tool(s_site *s, site_tool *t)
{
    if (s->nt == s->capt) {
        s->capt = s->capt ? s->capt * 2 : 64;
        s->tools = realloc(s->tools, s->capt * sizeof *s->tools);
        if (!s->tools)
            abort();
    }
    s->tools[s->nt++] = t;
}

static void s_add_cmp(s_site *s, Sos__Comparison *c, uint64_t seq, bool dirty)
{
    if (s->nc == s->capc) {
        s->capc = s->capc ? s->capc * 2 : 64;
        s->cmps = realloc(s->cmps, s->capc * sizeof *s->cmps);
        if (!s->cmps)
            abort();
    }
    s->cmps[s->nc++] = (s_cmp){c, seq, NULL, NULL, 0, 0, dirty};
}

static int s_write(s_site *s, const char *rel_dir, const char *rel, sos_buf *b)
{
    s->written++;
    if ((s->written % 2000) == 0)
        fprintf(stderr, "sos: render: %zu files written\n", s->written);
    return html_write(rel_dir, rel, b);
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
    const s_cmp *x = a, *y = b;
    return x->seq < y->seq ? 1 : x->seq > y->seq ? -1 : 0;
}

static int s_cmp_seq_asc(const void *a, const void *b)
{
    const s_cmp *x = a, *y = b;
    return x->seq < y->seq ? -1 : x->seq > y->seq ? 1 : strcmp(x->c->slug, y->c->slug);
}

/* Writes every page that shows a dirty tool or comparison, and the site-wide
 * files when anything changed. full: everything. */
static int s_render(const site_opts *o, s_site *s, const char *dir, bool full)
{
    sos_buf b = SOS_BUF_INIT;
    char rel[600];
    int rc = 0;

    for (size_t i = 0; i < s->nc; i++) {
        s_cmp *c = &s->cmps[i];
        size_t ia = 0, ib = 0;
        c->a = s_find(s, c->c->tool_a);
        c->b = s_find(s, c->c->tool_b);
        if (!c->a || !c->b) {
            fprintf(stderr, "sos: render: %s has a tool without a verdict; skipped\n", c->c->slug);
            continue;
        }
        ia = (size_t)((site_tool **)bsearch(&c->a, s->tools, s->nt, sizeof *s->tools, s_tool_cmp) -
                      s->tools);
        ib = (size_t)((site_tool **)bsearch(&c->b, s->tools, s->nt, sizeof *s->tools, s_tool_cmp) -
                      s->tools);
        c->ia = ia;
        c->ib = ib;
        if (c->dirty) /* a new comparison shows on both tools' pages */
            s->tool_dirty[ia] = s->tool_dirty[ib] = true;
        if (!(full || c->dirty || s->tool_dirty[ia] || s->tool_dirty[ib]))
            continue;
        sos_buf_reset(&b);
        site_compare_html(o, c->c, c->a, c->b, &b);
        snprintf(rel, sizeof rel, "compare/%s/index.html", c->c->slug);
        if ((rc = s_write(s, dir, rel, &b)))
            goto out;
        snprintf(rel, sizeof rel, "compare/%s/index.json", c->c->slug);
        if ((rc = s_write_json(s, dir, rel, site_compare_json(c->c, c->seq, c->a, c->b))))
            goto out;
    }
    /* tool pages, with the comparisons each is in: index them once */
    size_t *count = sos_xcalloc(s->nt + 1, sizeof *count), *first = NULL, *slot = NULL;
    size_t total = 0;
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
    for (size_t k = 0; k < s->nc; k++)
        if (s->cmps[k].a && s->cmps[k].b) {
            slot[first[s->cmps[k].ia] + count[s->cmps[k].ia]++] = k;
            slot[first[s->cmps[k].ib] + count[s->cmps[k].ib]++] = k;
        }
    const Sos__Comparison **cl = sos_xcalloc(total + 1, sizeof *cl);
    const site_tool **ol = sos_xcalloc(total + 1, sizeof *ol);
    for (size_t i = 0; i < s->nt; i++) {
        if (!full && !s->tool_dirty[i])
            continue;
        const site_tool *t = s->tools[i];
        size_t n = count[i];
        for (size_t j = 0; j < n; j++) {
            const s_cmp *c = &s->cmps[slot[first[i] + j]];
            cl[j] = c->c;
            ol[j] = c->a == t ? c->b : c->a;
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
    free(count);
    free(first);
    free(slot);
    free(cl);
    free(ol);
    if (rc)
        goto out;

    /* site-wide files */
    site_tool **by_name = sos_xmalloc((s->nt + 1) * sizeof *by_name);
    memcpy(by_name, s->tools, s->nt * sizeof *by_name);
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
    sos_buf_reset(&b);
    site_index_html(o, (const site_tool *const *)by_name, s->nt, cs, pairs, nc, &b);
    if (!(rc = s_write(s, dir, "index.html", &b)) &&
        !(rc =
              s_write_json(s, dir, "index.json",
                           site_index_json(o, (const site_tool *const *)by_name, s->nt, cs, nc)))) {
        sos_buf_reset(&b);
        site_sitemap(o, (const site_tool *const *)by_name, s->nt, cs, nc, &b);
        rc = s_write(s, dir, "sitemap.xml", &b);
    }
    if (!rc) {
        qsort(by_name, s->nt, sizeof *by_name, s_by_seq_desc);
        size_t nf = s->nt < SITE_FEED_ITEMS ? s->nt : SITE_FEED_ITEMS;
        sos_buf_reset(&b);
        site_feed_atom(o, (const site_tool *const *)by_name, nf, &b);
        if (!(rc = s_write(s, dir, "feed.atom", &b))) {
            sos_buf_reset(&b);
            site_feed_json(o, (const site_tool *const *)by_name, nf, &b);
            rc = s_write(s, dir, "feed.json", &b);
        }
    }
    for (int i = 0; !rc && i < 2; i++) { /* they change only with the program */
        const char *name = i ? "site.js" : "site.css";
        sos_buf_reset(&b);
        html_raw(&b, site_asset(name));
        snprintf(rel, sizeof rel, "assets/%s", name);
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
    for (size_t i = 0; i < s->nt; i++) {
        site_tool_clear(s->tools[i]);
        free(s->tools[i]);
    }
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
    size_t w = 0;
    for (size_t i = 0; i < s->nt; i++) {
        if (w > 0 && !strcmp(s->tools[w - 1]->v->tool->tool_id, s->tools[i]->v->tool->tool_id)) {
            site_tool *keep =
                s->tools[w - 1]->seq > s->tools[i]->seq ? s->tools[w - 1] : s->tools[i];
            site_tool *drop = keep == s->tools[i] ? s->tools[w - 1] : s->tools[i];
            site_tool_clear(drop);
            free(drop);
            s->tools[w - 1] = keep;
            continue;
        }
        s->tools[w++] = s->tools[i];
    }
    s->nt = w;
    for (size_t i = 0; i < s->nt; i++) {
        s->tool_dirty[i] = s->tools[i]->seq > since;
        if (s->tools[i]->body->finalized_at > 0) {
            char tmp[40];
            time_t tt = (time_t)s->tools[i]->body->finalized_at;
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
