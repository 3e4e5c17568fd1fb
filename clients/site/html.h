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
#include <stdio.h>

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

/* A page written piece by piece (one that grows with the site: the index
 * pages), so it is never whole in memory: to a temporary file beside
 * dir/rel, compared on the way with the file already there. */
typedef struct {
    char path[4096], tmp[4200];
    int fd;    /* the temporary file; -1 once closed */
    FILE *old; /* the file at path before, read alongside; NULL: none */
    bool same; /* every byte so far is old's */
    bool failed;
    int err; /* errno of the failed write */
} html_stream;
/* 0, or -1 with errno (nothing is left behind then). */
int html_stream_open(html_stream *w, const char *dir, const char *rel);
/* Appends b's bytes. 0, or -1 with errno (w is failed: close discards). */
int html_stream_write(html_stream *w, const sos_buf *b);
/* Ends w: renames the temporary file over dir/rel, unless keep_same and it
 * holds exactly what dir/rel did (then it is removed, and dir/rel, maybe a
 * hard link from an older release, stays as it is). *written: whether
 * dir/rel was replaced. 0, or -1 with errno (a failed w: -1, nothing
 * replaced). */
int html_stream_close(html_stream *w, bool keep_same, bool *written);

#endif
