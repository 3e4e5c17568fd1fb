/* render_int.h: what the site model's two files share (render.c, the
 * model and the writing of a release; render_spill.c, the tools' summaries,
 * the spill file and the cache of whole verdicts read back). Never
 * included outside them: render.h is the interface. */
#ifndef SOS_RENDER_INT_H
#define SOS_RENDER_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "render.h"

#define RENDER_CACHE 64 /* whole verdicts held while writing */

/* A tool's summary: one allocation. t.v and t.body point into it (only the
 * fields the site-wide files and the links use); t has no takes and no
 * JSON. The whole verdict is at off in the spill file, or in full. */
typedef struct {
    site_tool t;
    Sos__Verdict v;
    Sos__Tool tool;
    Sos__VerdictBody body;
    off_t off;
    size_t len;
    site_tool *full; /* owned: the spill file could not take it */
    char strings[];  /* id, name, category, tagline */
} render_sum;

typedef struct {
    Sos__Comparison *c; /* owned */
    uint64_t seq;
    const site_tool *a, *b;
    size_t ia, ib; /* indexes of a and b in tools, when both are there */
    bool dirty;
    bool write; /* its page is written (set by s_render) */
    bool card;  /* its card is drawn: new, or a verdict of it is (s_render) */
} render_cmp;

typedef struct {
    size_t idx; /* in tools */
    site_tool *t;
    uint64_t used;
} render_slot;

struct render_site {
    render_sum **tools; /* sorted by id */
    size_t nt, capt;
    bool *tool_dirty;
    render_cmp *cmps;
    size_t nc, capc;
    size_t written;
    char updated[40];
    int spill; /* -1: not opened yet, -2: unusable */
    off_t spill_end;
    render_slot cache[RENDER_CACHE];
    uint64_t clock;
};

/* render_spill.c. The summary of t; t itself goes to the spill file (and
 * is freed) or into the summary. */
render_sum *render_spill_sum_new(render_site *s, site_tool *t);
void render_spill_sum_free(render_sum *m);
/* The whole verdict of tools[i], borrowed until the next call (it may be
 * evicted then). NULL with errno when it cannot be read back. */
const site_tool *render_spill_full(render_site *s, size_t i);
/* Takes t, a whole verdict render_spill_full just returned, out of the
 * cache, so that the next render_spill_full cannot evict it: the caller's
 * until render_spill_put_back. NULL when it is not in the cache (a
 * summary's own). */
site_tool *render_spill_hold(render_site *s, const site_tool *t);
/* Puts a verdict held back into the cache (an empty slot, else the least
 * recently used). t may be NULL: nothing. */
void render_spill_put_back(render_site *s, size_t i, site_tool *t);
/* Empties the cache (it holds indexes into tools, which a sort changes). */
void render_spill_cache_clear(render_site *s);
/* Empties the cache and closes the spill file. */
void render_spill_close(render_site *s);

#endif
