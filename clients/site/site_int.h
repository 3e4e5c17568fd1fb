/* site_int: what the page files of the site library share (site.c,
 * site_index.c). Not for callers of the library: they see site.h. */
#ifndef SITE_INT_H
#define SITE_INT_H

#include <jansson.h>
#include <stdbool.h>

#include "buf.h"
#include "site.h"

/* What every page title ends with. */
#define SITE_TITLE_SUFFIX " \xe2\x80\x94 Ship or Skip"

/* "ship", "skip" or "split": the CSS class of a label. Static. */
const char *site_label_class(Sos__Label l);
/* The page's head up to <main>: og_type "website" for the index, "article"
 * for a comparison or a tool; canon_path NULL for a page with no address
 * of its own (404.html); ld (JSON-LD) may be NULL and is borrowed. */
void site_page_head(const site_opts *o, const char *root, const char *og_type, const char *title,
                    const char *desc, const char *canon_path, const json_t *ld, sos_buf *b);
/* The same for a page with an address but no JSON twin (how-we-review/). */
void site_page_head_solo(const site_opts *o, const char *root, const char *og_type,
                         const char *title, const char *desc, const char *canon_path,
                         const json_t *ld, sos_buf *b);
/* site_page_head of a page with a social card (a comparison's, og_type
 * "article"): og:image is canon_path's card.png, absolute, with its size
 * and card_alt (plain text, escaped here; borrowed) as its alt text, and
 * twitter:card is "summary_large_image". */
void site_page_head_card(const site_opts *o, const char *root, const char *title, const char *desc,
                         const char *canon_path, const json_t *ld, const char *card_alt,
                         sos_buf *b);
/* From </main> to the end; twin: the page has a JSON twin to link. */
void site_page_tail(const char *root, bool twin, sos_buf *b);

/* --- site_meta.c: dates and people ------------------------------------ */

/* What persona p (1..5) judges, lowercase, no full stop ("the developer
 * experience: ..."): the one table of it, shown with each take and on the
 * "How we review" page. Static; NULL for another p. */
const char *site_persona_judges(Sos__Persona p);
/* Appends <time datetime="2026-12-06T10:00:00Z">6 Dec 2026</time> (UTC);
 * nothing when t is 0 (no time: never "1 Jan 1970"). */
void site_time_html(uint64_t t, sos_buf *b);
/* The newest signed time a page of a (and b, NULL for a tool page) shows:
 * the later finalized_at. A page's "Updated" line and its sitemap lastmod. */
uint64_t site_updated_at(const site_tool *a, const site_tool *b);

#endif
