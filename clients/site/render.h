/* render: the site model (every published verdict and comparison) and
 * writing a release of it into a directory. Used by site_dir.c (`sos
 * render`), which feeds it from the publishing daemon's pages, and by
 * verify.c (`sos verify`), which feeds it from a site's own JSON twins to
 * rebuild the site and compare.
 *
 * Memory is a few hundred bytes a tool and comparison, whatever the size of
 * the verdicts: the model keeps a summary of each tool and packs the whole
 * verdict into an unlinked temporary file in $TMPDIR (default /tmp), read
 * back for the pages that show it. When that file cannot be made or
 * written, verdicts stay in memory (one "sos: render:" line says so) and
 * the pages are the same. */
#ifndef SOS_RENDER_H
#define SOS_RENDER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "site.h"

typedef struct render_site render_site;

render_site *render_site_new(void);
void render_site_destroy(render_site **s);
/* Takes ownership of t (malloc'd, loaded with site_tool_load): it is
 * summarized and freed here, or kept whole (see above). */
void render_site_add_tool(render_site *s, site_tool *t);
/* Takes ownership of c (unpacked). dirty: its page must be written. */
void render_site_add_comparison(render_site *s, Sos__Comparison *c, uint64_t seq, bool dirty);
/* Sorts by id, keeps the newest verdict of a tool, marks dirty the tools
 * whose verdict has seq > since, and takes the release time ("updated" of
 * the feeds) from the newest finalized_at. Call once, after adding. */
void render_site_prepare(render_site *s, uint64_t since);
size_t render_site_tool_count(const render_site *s);
size_t render_site_comparison_count(const render_site *s);
/* Borrowed: RFC 3339 time of the newest verdict, valid while s lives. */
const char *render_site_updated(const render_site *s);
/* Writes every page (full) or those showing a dirty tool or comparison,
 * and the site-wide files, into dir; a comparison's card (card.h) only
 * when full, or the comparison or a verdict of one of its tools is new.
 * *written counts files. 0 or -1 with errno (EIO: a verdict could not be
 * read back from the temporary file; ENOMEM: cairo could not draw a
 * card). Progress goes to stderr every 2,000 files. */
int render_site_write(render_site *s, const char *base_url, const char *dir, bool full,
                      size_t *written);

#endif
