/* html: escaping and atomic page writes. */
#include "html.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "conf.h"

void html_raw(sos_buf *b, const char *s)
{
    sos_buf_append(b, s, strlen(s));
}

void html_fmt(sos_buf *b, const char *fmt, ...)
{
    char tmp[1024];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(tmp, sizeof tmp, fmt, ap);
    va_end(ap);
    if (n < 0)
        return;
    if ((size_t)n < sizeof tmp) {
        sos_buf_append(b, tmp, (size_t)n);
        return;
    }
    sos_buf_reserve(b, b->len + (size_t)n + 1);
    va_start(ap, fmt);
    vsnprintf((char *)b->data + b->len, (size_t)n + 1, fmt, ap);
    va_end(ap);
    b->len += (size_t)n;
}

static void s_escape(sos_buf *b, const char *s, int xml)
{
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        switch (*p) {
        case '&': html_raw(b, "&amp;"); break;
        case '<': html_raw(b, "&lt;"); break;
        case '>': html_raw(b, "&gt;"); break;
        case '"': html_raw(b, "&quot;"); break;
        case '\'': html_raw(b, "&#39;"); break;
        default:
            if (xml && *p < 0x20 && *p != '\t' && *p != '\n' && *p != '\r')
                break; /* not a legal XML 1.0 character */
            sos_buf_append(b, p, 1);
        }
    }
}

void html_text(sos_buf *b, const char *s)
{
    s_escape(b, s, 0);
}
void html_xml(sos_buf *b, const char *s)
{
    s_escape(b, s, 1);
}

void html_json_script(sos_buf *b, const json_t *j)
{
    char *s = json_dumps(j, JSON_COMPACT | JSON_PRESERVE_ORDER);
    if (!s)
        return;
    for (const char *p = s; *p; p++) {
        if (*p == '<')
            html_raw(b, "\\u003c");
        else if (*p == '>')
            html_raw(b, "\\u003e");
        else if (*p == '&')
            html_raw(b, "\\u0026");
        else
            sos_buf_append(b, p, 1);
    }
    free(s);
}

bool html_url_ok(const char *url)
{
    /* a fixed scheme at the very start: browsers drop leading blanks and
     * tabs or newlines inside a scheme, so nothing else is let through */
    return strncasecmp(url, "https://", 8) == 0 || strncasecmp(url, "http://", 7) == 0;
}

int html_write(const char *dir, const char *rel, const sos_buf *b)
{
    char path[4096], tmp[4200];
    if (snprintf(path, sizeof path, "%s/%s", dir, rel) >= (int)sizeof path) {
        errno = ENAMETOOLONG;
        return -1;
    }
    char *slash = strrchr(path, '/');
    *slash = '\0';
    if (sos_conf_mkdirs(path, 0755) != 0)
        return -1;
    *slash = '/';
    snprintf(tmp, sizeof tmp, "%s.tmp%ld", path, (long)getpid());
    int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0)
        return -1;
    size_t off = 0;
    while (off < b->len) {
        ssize_t w = write(fd, b->data + off, b->len - off);
        if (w < 0) {
            if (errno == EINTR)
                continue;
            close(fd);
            unlink(tmp);
            return -1;
        }
        off += (size_t)w;
    }
    if (close(fd) != 0 || rename(tmp, path) != 0) {
        unlink(tmp);
        return -1;
    }
    return 0;
}

bool html_same(const char *dir, const char *rel, const sos_buf *b)
{
    char path[4096];
    if (snprintf(path, sizeof path, "%s/%s", dir, rel) >= (int)sizeof path)
        return false;
    FILE *f = fopen(path, "rb");
    if (!f)
        return false;
    bool same = true;
    size_t off = 0;
    char chunk[4096];
    size_t n;
    while (same && (n = fread(chunk, 1, sizeof chunk, f)) > 0) {
        same = off + n <= b->len && memcmp(chunk, b->data + off, n) == 0;
        off += n;
    }
    fclose(f);
    return same && off == b->len;
}

int html_stream_open(html_stream *w, const char *dir, const char *rel)
{
    memset(w, 0, sizeof *w);
    w->fd = -1;
    if (snprintf(w->path, sizeof w->path, "%s/%s", dir, rel) >= (int)sizeof w->path) {
        errno = ENAMETOOLONG;
        return -1;
    }
    char *slash = strrchr(w->path, '/');
    *slash = '\0';
    int rc = sos_conf_mkdirs(w->path, 0755);
    *slash = '/';
    if (rc != 0)
        return -1;
    snprintf(w->tmp, sizeof w->tmp, "%s.tmp%ld", w->path, (long)getpid());
    w->fd = open(w->tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (w->fd < 0)
        return -1;
    w->old = fopen(w->path, "rb");
    w->same = w->old != NULL;
    return 0;
}

int html_stream_write(html_stream *w, const sos_buf *b)
{
    if (w->failed)
        return -1;
    if (w->same) { /* compare with what is there, a chunk at a time */
        char chunk[4096];
        for (size_t off = 0; w->same && off < b->len;) {
            size_t n = b->len - off < sizeof chunk ? b->len - off : sizeof chunk;
            w->same = fread(chunk, 1, n, w->old) == n && memcmp(chunk, b->data + off, n) == 0;
            off += n;
        }
    }
    for (size_t off = 0; off < b->len;) {
        ssize_t n = write(w->fd, b->data + off, b->len - off);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0) {
            w->failed = true;
            w->err = errno;
            return -1;
        }
        off += (size_t)n;
    }
    return 0;
}

int html_stream_close(html_stream *w, bool keep_same, bool *written)
{
    int rc = 0, saved = 0;
    *written = false;
    bool same = w->same && getc(w->old) == EOF; /* and nothing more there */
    if (w->old)
        fclose(w->old);
    w->old = NULL;
    if (close(w->fd) != 0 && !w->failed) {
        saved = errno;
        w->failed = true;
    }
    w->fd = -1;
    if (w->failed || (keep_same && same)) {
        unlink(w->tmp);
        rc = w->failed ? -1 : 0;
    } else if (rename(w->tmp, w->path) != 0) {
        saved = errno;
        unlink(w->tmp);
        rc = -1;
    } else {
        *written = true;
    }
    if (saved || w->err)
        errno = saved ? saved : w->err;
    return rc;
}
