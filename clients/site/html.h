/* html: writing text into pages, escaped for where it goes.
 *
 * Every string from a tool or a take is untrusted: it reaches a page only
 * through html_text (element content and quoted attribute values), html_xml
 * (feeds, sitemap) or html_json_script (JSON inside <script>), and an href
 * made of data only when html_url_ok says so. html_raw is for the page's
 * own markup and constants, never for data. */
#ifndef SOS_HTML_H
#define SOS_HTML_H

#include <jansson.h>
#include <stdbool.h>

#include "buf.h"

void html_raw(sos_buf *b, const char *s);
/* printf for markup and numbers; never pass data through %s here. */
void html_fmt(sos_buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* & < > " ' escaped: safe in element content and in quoted attributes. */
void html_text(sos_buf *b, const char *s);
/* XML 1.0: the same five entities; characters XML forbids are dropped. */
void html_xml(sos_buf *b, const char *s);
/* j serialized for a <script type="application/ld+json"> block: < > & as
 * \u escapes, so no "</script>" or "<!--" can appear. Does not steal j. */
void html_json_script(sos_buf *b, const json_t *j);
/* True when url may become an href: an absolute http:// or https:// URL
 * (the scheme in any case). Anything else (javascript:, data:, vbscript:,
 * relative or scheme-relative, leading blanks or controls) may not; the
 * page shows it as text instead. The caller still escapes it (html_text). */
bool html_url_ok(const char *url);
/* Writes b to dir/rel (parents created) via a temporary file and rename, so
 * a file hard-linked from an older release is replaced, never modified.
 * 0 or -1 with errno. */
int html_write(const char *dir, const char *rel, const sos_buf *b);
/* True when dir/rel holds exactly b. */
bool html_same(const char *dir, const char *rel, const sos_buf *b);

#endif
