/* site: the pages of the published site, from published verdicts.
 *
 * Pure functions: records in, bytes out; render.c decides what to write
 * where, site_dir.c when. Layout of a release (all links relative, so a
 * release works from a web server and from file://):
 *
 *   index.html, index.json              comparisons and tools
 *   compare/<a>-vs-<b>/index.html|json  one per published comparison
 *   compare/<a>-vs-<b>/card.png         its social card (card.h)
 *   tools/<id>/index.html|json          one per published verdict
 *   feed.atom, feed.json                "Weekly AI Tool Verdicts": verdicts
 *                                       and comparisons, newest first
 *   sitemap.xml, robots.txt, 404.html
 *   assets/site.css, assets/site.js, assets/favicon.svg
 *
 * Every JSON twin carries the signed takes and the signed verdict it shows
 * (the envelope of `sos pull --json`), so `sos verify` can check a site
 * offline. A verdict's summary, on pages, feeds and twins alike, is
 * sos_verdict_line (json.h). */
#ifndef SOS_SITE_H
#define SOS_SITE_H

#include <jansson.h>
#include <stddef.h>

#include "buf.h"
#include "sos.pb-c.h"

/* A published verdict, decoded for rendering. */
typedef struct {
    Sos__Verdict *v;        /* owned (unpacked) */
    Sos__VerdictBody *body; /* owned */
    Sos__TakeBody *take[6]; /* by persona (1..5), owned, NULL: no take */
    uint64_t seq;           /* publication sequence number */
    json_t *json;           /* its JSON (sos_json_verdict), made once on first use; owned */
} site_tool;

typedef struct {
    const char *base_url; /* absolute, no trailing slash: feeds, sitemap, og:url */
    const char *updated;  /* RFC 3339 time of this release */
} site_opts;

/* Takes ownership of v (an unpacked Verdict). 0, or -1 when its signed
 * parts do not parse (v is freed then too). */
int site_tool_load(Sos__Verdict *v, uint64_t seq, site_tool *out);
void site_tool_clear(site_tool *t);

void site_compare_html(const site_opts *o, const Sos__Comparison *c, const site_tool *a,
                       const site_tool *b, sos_buf *out);
/* The comparison's answer to "which one should you ship?", from the two
 * signed verdicts alone (the rules are a table in docs/site.md): plain
 * text, not escaped; shown under the lede and as the twin's "answer".
 * The caller's (free). */
char *site_answer_line(const Sos__VerdictBody *a, const char *name_a, const Sos__VerdictBody *b,
                       const char *name_b);
/* The alt text of the comparison's social card (card.h; its og:image:alt):
 * "A vs B. " and the answer line. Plain text, not escaped; the caller's
 * (free). */
char *site_card_alt(const site_tool *a, const site_tool *b);
/* seq: the comparison's publication sequence number. */
json_t *site_compare_json(const Sos__Comparison *c, uint64_t seq, const site_tool *a,
                          const site_tool *b);
/* cmps: the published comparisons this tool is in, with the other side. */
void site_tool_html(const site_opts *o, const site_tool *t, const Sos__Comparison *const *cmps,
                    const site_tool *const *others, size_t n, sos_buf *out);
json_t *site_tool_json(const site_tool *t);
void site_index_html(const site_opts *o, const site_tool *const *tools, size_t nt,
                     const Sos__Comparison *const *cmps, const site_tool *const *pairs, size_t nc,
                     sos_buf *out);
/* Carries o's base_url and updated, so a site can be rebuilt from its JSON. */
json_t *site_index_json(const site_opts *o, const site_tool *const *tools, size_t nt,
                        const Sos__Comparison *const *cmps, size_t nc);
/* The bytes of site_index_json dumped with JSON_INDENT(2) |
 * JSON_PRESERVE_ORDER and a newline, appended to out one entry at a time:
 * what index.json holds, without the whole tree in memory. */
void site_index_json_text(const site_opts *o, const site_tool *const *tools, size_t nt,
                          const Sos__Comparison *const *cmps, size_t nc, sos_buf *out);
/* One entry of the feeds: a published verdict (t) or a published
 * comparison (c, with its two tools a and b). Borrowed. */
typedef struct {
    const site_tool *t;
    const Sos__Comparison *c;
    const site_tool *a, *b;
} site_feed_item;
/* Newest first, at most SITE_FEED_ITEMS of them. */
#define SITE_FEED_ITEMS 50
void site_feed_atom(const site_opts *o, const site_feed_item *newest, size_t n, sos_buf *out);
void site_feed_json(const site_opts *o, const site_feed_item *newest, size_t n, sos_buf *out);
/* pairs: the two tools of each comparison (2 * nc); a page's lastmod is
 * the newest signed time it shows (finalized_at, created_at). */
void site_sitemap(const site_opts *o, const site_tool *const *tools, size_t nt,
                  const Sos__Comparison *const *cmps, const site_tool *const *pairs, size_t nc,
                  sos_buf *out);
/* robots.txt: everything allowed, and where the sitemap is (absolute). */
void site_robots(const site_opts *o, sos_buf *out);
/* 404.html: the layout of every page; its links are root-relative (the
 * path of base_url), since a server shows it at whatever path was not
 * found. Meant for a web server, not for file://. */
void site_404_html(const site_opts *o, sos_buf *out);
/* The static assets: name "site.css", "site.js" or "favicon.svg"; NULL
 * for another name. SITE_ASSETS lists them all. */
#define SITE_ASSETS                                                                                \
    {                                                                                              \
        "site.css", "site.js", "favicon.svg"                                                       \
    }
const char *site_asset(const char *name);

/* Bump when a page template changes: `sos render` then rewrites every page
 * instead of only the new ones (old pages would not match the new ones,
 * and `sos verify` would say so). */
#define SITE_TEMPLATE_VERSION 6

#endif
