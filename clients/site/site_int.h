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
/* site_page_head of a page with a social card (a comparison's, og_type
 * "article"): og:image is canon_path's card.png, absolute, with its size
 * and card_alt (plain text, escaped here; borrowed) as its alt text, and
 * twitter:card is "summary_large_image". */
void site_page_head_card(const site_opts *o, const char *root, const char *title, const char *desc,
                         const char *canon_path, const json_t *ld, const char *card_alt,
                         sos_buf *b);
/* From </main> to the end; twin: the page has a JSON twin to link. */
void site_page_tail(const char *root, bool twin, sos_buf *b);

#endif
