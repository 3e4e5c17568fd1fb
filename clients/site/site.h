/* site: the pages of the published site, from published verdicts.
 *
 * Pure functions: records in, bytes out; render.c decides what to write
 * where, site_dir.c when. Layout of a release (all links relative, so a
 * release works from a web server and from file://):
 *
 *   index.html, index.json              comparisons and tools, newest first
 *   compare/index.html|json             every comparison, newest first
 *   compare/<a>-vs-<b>/index.html|json  one per published comparison
 *   tools/index.html|json               every tool, newest verdict first
 *   compare/<a>-vs-<b>/card.png         its social card (card.h)
 *   tools/<id>/index.html|json          one per published verdict
 *   feed.atom, feed.json                "Weekly AI Tool Verdicts": verdicts
 *                                       and comparisons, newest first
 *   sitemap.xml, robots.txt, 404.html
 *   how-we-review/index.html            the panel, the labels, the signatures
 *   assets/site.css, assets/site.js, assets/favicon.svg
 *
 * Every JSON twin carries the signed takes and the signed verdict it shows
 * (the envelope of `sos pull --json`), so `sos verify` can check a site
 * offline. A verdict's summary, on pages, feeds and twins alike, is
 * sos_verdict_line (json.h). */
#ifndef SOS_SITE_H
#define SOS_SITE_H

#include <jansson.h>
#include <stdbool.h>
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
/* The index pages (docs/site.md, "The index pages"): which one. Each
 * shows its rows newest first (site_index_order), each with its date, a
 * search box and a category filter (assets/site.js, over the rows' data
 * embedded in the page; hidden without JavaScript), and has a JSON twin. */
typedef enum {
    SITE_LIST_HOME,    /* index.html: comparisons and tools */
    SITE_LIST_COMPARE, /* compare/index.html: comparisons */
    SITE_LIST_TOOLS    /* tools/index.html: tools */
} site_list;
/* Sorts tools (by their verdict's finalized_at) and cmps with their pairs
 * (2 * nc, the two tools of each; by site_index_cmp_time) newest first,
 * ties by tool id / slug. In place; the arrays are the caller's. */
void site_index_order(const site_tool **tools, size_t nt, const Sos__Comparison **cmps,
                      const site_tool **pairs, size_t nc);
/* A comparison's time on the index pages: the later of its created_at and
 * its two verdicts' finalized_at (all signed). */
uint64_t site_index_cmp_time(const Sos__Comparison *c, const site_tool *a, const site_tool *b);
/* Where a page that grows with the site goes: the page function appends
 * to buf and, between rows, once buf holds SITE_SINK_CHUNK bytes or more,
 * calls flush (when not NULL), which takes buf's bytes and empties it;
 * when flush fails (-1) failed is set and no flush is tried again. The
 * caller writes what is left in buf at the end. With flush NULL the whole
 * page is in buf. */
#define SITE_SINK_CHUNK (64 * 1024)
typedef struct site_sink {
    sos_buf buf;
    int (*flush)(struct site_sink *s);
    void *ctx; /* flush's */
    bool failed;
} site_sink;
/* pairs: the two tools of each comparison (2 * nc). All borrowed. */
void site_list_html_to(const site_opts *o, site_list which, const site_tool *const *tools,
                       size_t nt, const Sos__Comparison *const *cmps, const site_tool *const *pairs,
                       size_t nc, site_sink *out);
/* site_list_html_to, the whole page appended to out. */
void site_list_html(const site_opts *o, site_list which, const site_tool *const *tools, size_t nt,
                    const Sos__Comparison *const *cmps, const site_tool *const *pairs, size_t nc,
                    sos_buf *out);
/* The twin of site_list_html's page, made one entry at a time (never the
 * whole tree in memory, nor with a flushing sink the whole text), as jansson dumps it with
 * JSON_INDENT(2) | JSON_PRESERVE_ORDER, and a newline. The home twin
 * (index.json) is site_index_json's; compare/index.json and
 * tools/index.json hold {type "comparisons" or "tools", base_url, and the
 * same entries, hrefs relative to themselves}, no release time, so that
 * they change only with their rows. */
void site_list_json_to(const site_opts *o, site_list which, const site_tool *const *tools,
                       size_t nt, const Sos__Comparison *const *cmps, const site_tool *const *pairs,
                       size_t nc, site_sink *out);
/* site_list_json_to, the whole twin appended to out. */
void site_list_json_text(const site_opts *o, site_list which, const site_tool *const *tools,
                         size_t nt, const Sos__Comparison *const *cmps,
                         const site_tool *const *pairs, size_t nc, sos_buf *out);
/* site_list_html(SITE_LIST_HOME) */
void site_index_html(const site_opts *o, const site_tool *const *tools, size_t nt,
                     const Sos__Comparison *const *cmps, const site_tool *const *pairs, size_t nc,
                     sos_buf *out);
/* Carries o's base_url and updated, so a site can be rebuilt from its JSON. */
json_t *site_index_json(const site_opts *o, const site_tool *const *tools, size_t nt,
                        const Sos__Comparison *const *cmps, const site_tool *const *pairs,
                        size_t nc);
/* site_list_json_text(SITE_LIST_HOME): the bytes of site_index_json. */
void site_index_json_text(const site_opts *o, const site_tool *const *tools, size_t nt,
                          const Sos__Comparison *const *cmps, const site_tool *const *pairs,
                          size_t nc, sos_buf *out);
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
/* how-we-review/index.html (SITE_REVIEW_PAGE): the panel, the quorum, the
 * labels, the signatures and how to verify them; static text (site_review.c)
 * that every page's foot links to. */
#define SITE_REVIEW_PAGE "how-we-review/index.html"
void site_review_html(const site_opts *o, sos_buf *out);
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
#define SITE_TEMPLATE_VERSION 8

#endif
