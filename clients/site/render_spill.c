/* render_spill: how the site model holds its tools (render.h, Memory):
 * a small summary of each (what the index, feeds, sitemap and other
 * pages' links show), the whole published verdict packed into an unlinked
 * temporary file, and a cache (RENDER_CACHE) of whole verdicts read back,
 * least recently used out, so a verdict's JSON (whose signature checks are
 * the costly part) is mostly built once. When the temporary file cannot be
 * written, the verdict stays in memory: only the bound is lost, never a
 * page. */
#include "render_int.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

void render_spill_sum_free(render_sum *m)
{
    if (m && m->full) {
        site_tool_clear(m->full);
        free(m->full);
    }
    free(m);
}

/* A new temporary file, already unlinked: the spill file. */
static int s_spill_open(void)
{
    const char *dir = getenv("TMPDIR");
    char path[4096];
    if (!dir || !dir[0])
        dir = "/tmp";
    if (snprintf(path, sizeof path, "%s/sos-render-XXXXXX", dir) >= (int)sizeof path)
        return -1;
    int fd = mkstemp(path);
    if (fd >= 0)
        unlink(path);
    return fd;
}

/* Appends the whole verdict of t to the spill file: 0, or -1 (nothing
 * written that counts). */
static int s_spill(render_site *s, const site_tool *t, off_t *off, size_t *len)
{
    if (s->spill == -1 && (s->spill = s_spill_open()) < 0) {
        fprintf(stderr, "sos: render: no temporary file (%s): every verdict stays in memory\n",
                strerror(errno));
        s->spill = -2;
    }
    if (s->spill < 0)
        return -1;
    size_t n = protobuf_c_message_get_packed_size(&t->v->base);
    uint8_t *b = sos_xmalloc(n + 1);
    protobuf_c_message_pack(&t->v->base, b);
    size_t done = 0;
    while (done < n) {
        ssize_t w = pwrite(s->spill, b + done, n - done, s->spill_end + (off_t)done);
        if (w <= 0)
            break;
        done += (size_t)w;
    }
    free(b);
    if (done < n)
        return -1;
    *off = s->spill_end;
    *len = n;
    s->spill_end += (off_t)n;
    return 0;
}

render_sum *render_spill_sum_new(render_site *s, site_tool *t)
{
    const Sos__Tool *tool = t->v->tool;
    const char *str[4] = {tool->tool_id, tool->name, tool->category, tool->tagline};
    size_t n = 0, len[4];
    for (int i = 0; i < 4; i++)
        n += (len[i] = strlen(str[i])) + 1;
    render_sum *m = sos_xcalloc(1, sizeof *m + n);
    char *p = m->strings, *out[4];
    for (int i = 0; i < 4; i++) {
        out[i] = memcpy(p, str[i], len[i] + 1);
        p += len[i] + 1;
    }
    sos__verdict__init(&m->v);
    sos__tool__init(&m->tool);
    sos__verdict_body__init(&m->body);
    m->tool.tool_id = out[0];
    m->tool.name = out[1];
    m->tool.category = out[2];
    m->tool.tagline = out[3];
    m->tool.tier = tool->tier;
    m->body.tool_id = out[0];
    m->body.ship = t->body->ship;
    m->body.skip = t->body->skip;
    m->body.ship_pct = t->body->ship_pct;
    m->body.mean_score_x100 = t->body->mean_score_x100;
    m->body.label = t->body->label;
    m->body.finalized_at = t->body->finalized_at;
    m->v.tool = &m->tool;
    m->t.v = &m->v;
    m->t.body = &m->body;
    m->t.seq = t->seq;
    if (s_spill(s, t, &m->off, &m->len) == 0) {
        site_tool_clear(t);
        free(t);
    } else {
        m->full = t;
    }
    return m;
}

const site_tool *render_spill_full(render_site *s, size_t i)
{
    render_sum *m = s->tools[i];
    render_slot *victim = NULL; /* an empty slot, else the least recently used */
    if (m->full)
        return m->full;
    for (int k = 0; k < RENDER_CACHE; k++) {
        render_slot *e = &s->cache[k];
        if (e->t && e->idx == i) {
            e->used = ++s->clock;
            return e->t;
        }
        if (!victim || (victim->t && (!e->t || e->used < victim->used)))
            victim = e;
    }
    uint8_t *b = sos_xmalloc(m->len + 1);
    ssize_t r = pread(s->spill, b, m->len, m->off);
    Sos__Verdict *v = r == (ssize_t)m->len ? sos__verdict__unpack(NULL, m->len, b) : NULL;
    free(b);
    site_tool *t = v ? sos_xcalloc(1, sizeof *t) : NULL;
    if (!v || site_tool_load(v, m->t.seq, t) != 0) {
        free(t);
        errno = r < 0 ? errno : EIO;
        return NULL;
    }
    if (victim->t) {
        site_tool_clear(victim->t);
        free(victim->t);
    }
    *victim = (render_slot){i, t, ++s->clock};
    return t;
}

site_tool *render_spill_hold(render_site *s, const site_tool *t)
{
    site_tool *keep = NULL;
    for (int k = 0; k < RENDER_CACHE; k++)
        if (s->cache[k].t == t) {
            keep = s->cache[k].t;
            s->cache[k] = (render_slot){0, NULL, 0};
        }
    return keep;
}

void render_spill_put_back(render_site *s, size_t i, site_tool *t)
{
    render_slot *victim = NULL;
    if (!t)
        return;
    for (int k = 0; k < RENDER_CACHE; k++) {
        render_slot *e = &s->cache[k];
        if (!victim || (victim->t && (!e->t || e->used < victim->used)))
            victim = e;
    }
    if (victim->t) {
        site_tool_clear(victim->t);
        free(victim->t);
    }
    *victim = (render_slot){i, t, ++s->clock};
}

void render_spill_cache_clear(render_site *s)
{
    for (int k = 0; k < RENDER_CACHE; k++)
        if (s->cache[k].t) {
            site_tool_clear(s->cache[k].t);
            free(s->cache[k].t);
            s->cache[k] = (render_slot){0, NULL, 0};
        }
}

void render_spill_close(render_site *s)
{
    render_spill_cache_clear(s);
    if (s->spill >= 0)
        close(s->spill);
}
