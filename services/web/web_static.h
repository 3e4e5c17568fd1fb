/* web_static: the rendered site directory, served as it is.
 *
 * site_dir is resolved (realpath) on every request, so a render that
 * flips `current` to a new release is seen at once, and a reader who
 * resolved the old one keeps reading it (the release stays for a while,
 * docs/site.md). A request path is served only when it resolves, symlinks
 * followed, to a regular file inside that resolved root. */
#ifndef WEB_STATIC_H
#define WEB_STATIC_H

#include <stddef.h>
#include <sys/types.h>

enum {
    WEB_STATIC_OK = 0,
    WEB_STATIC_BAD_PATH = -1, /* "..", NUL or not starting with '/': 400 */
    WEB_STATIC_NOT_FOUND = -2,
    WEB_STATIC_REDIRECT = -3, /* a directory named without its '/': 301 to path + "/" */
    WEB_STATIC_NO_SITE = -4,  /* site_dir itself does not resolve: 503 */
};

/* Checks a decoded request path: starts with '/', no NUL (len is the
 * decoded length), no segment "..", no segment starting with '.' (those
 * are NOT_FOUND: the site has no dot files to serve). */
int web_static_path_check(const char *path, size_t len);
/* The Content-Type for a file name by its extension; static string,
 * "application/octet-stream" when unknown. */
const char *web_static_type(const char *name);

typedef struct {
    int fd;           /* the caller's to close (or hand to the response) */
    off_t size;       /* bytes */
    long long mtime;  /* seconds */
    const char *type; /* static */
    char etag[64];    /* "\"<inode>-<size>-<mtime_ns>\"" */
} web_file;

/* Opens path (as checked above) under site_dir: index.html for a
 * directory. WEB_STATIC_OK with *out filled, or a negative code above. */
int web_static_open(const char *site_dir, const char *path, size_t len, web_file *out);
/* Opens <resolved site_dir>/404.html for the not-found page; OK or
 * NOT_FOUND. */
int web_static_open_404(const char *site_dir, web_file *out);

#endif
