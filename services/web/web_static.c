/* web_static: request paths to files under the resolved site root. */
#include "web_static.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

int web_static_path_check(const char *path, size_t len)
{
    if (len == 0 || path[0] != '/' || strlen(path) != len || len >= PATH_MAX / 2)
        return WEB_STATIC_BAD_PATH;
    if (strchr(path, '\\'))
        return WEB_STATIC_BAD_PATH;
    int dotfile = 0;
    for (const char *seg = path + 1; *seg;) {
        const char *end = strchr(seg, '/');
        size_t n = end ? (size_t)(end - seg) : strlen(seg);
        if (n == 2 && seg[0] == '.' && seg[1] == '.')
            return WEB_STATIC_BAD_PATH;
        if (n > 0 && seg[0] == '.')
            dotfile = 1;
        seg += n + (end ? 1 : 0);
    }
    return dotfile ? WEB_STATIC_NOT_FOUND : WEB_STATIC_OK;
}

const char *web_static_type(const char *name)
{
    static const struct {
        const char *ext, *type;
    } types[] = {
        {"html", "text/html; charset=utf-8"},
        {"json", "application/json"},
        {"css", "text/css; charset=utf-8"},
        {"js", "text/javascript; charset=utf-8"},
        {"svg", "image/svg+xml"},
        {"png", "image/png"},
        {"xml", "application/xml"},
        {"atom", "application/atom+xml"},
        {"txt", "text/plain; charset=utf-8"},
        {"ico", "image/x-icon"},
        {"webmanifest", "application/manifest+json"},
    };
    const char *slash = strrchr(name, '/');
    const char *dot = strrchr(slash ? slash : name, '.');
    if (dot)
        for (size_t i = 0; i < sizeof types / sizeof types[0]; i++)
            if (strcasecmp(dot + 1, types[i].ext) == 0)
                return types[i].type;
    return "application/octet-stream";
}

/* resolved path inside root (resolved, rlen long), as a regular file */
static int s_open_inside(const char *root, size_t rlen, const char *want, web_file *out)
{
    char real[PATH_MAX];
    struct stat st;
    if (!realpath(want, real))
        return WEB_STATIC_NOT_FOUND;
    if (strncmp(real, root, rlen) != 0 || (real[rlen] != '/' && real[rlen] != '\0'))
        return WEB_STATIC_NOT_FOUND; /* a symlink out of the site */
    int fd = open(real, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
    if (fd < 0)
        return WEB_STATIC_NOT_FOUND;
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
        close(fd);
        return WEB_STATIC_NOT_FOUND;
    }
    out->fd = fd;
    out->size = st.st_size;
    out->mtime = (long long)st.st_mtim.tv_sec;
    out->type = web_static_type(real);
    snprintf(out->etag, sizeof out->etag, "\"%llx-%llx-%llx\"", (unsigned long long)st.st_ino,
             (unsigned long long)st.st_size,
             (unsigned long long)st.st_mtim.tv_sec * 1000000000ull +
                 (unsigned long long)st.st_mtim.tv_nsec);
    return WEB_STATIC_OK;
}

int web_static_open(const char *site_dir, const char *path, size_t len, web_file *out)
{
    char root[PATH_MAX], want[PATH_MAX * 2], real[PATH_MAX];
    struct stat st;
    int rc = web_static_path_check(path, len);
    if (rc != WEB_STATIC_OK)
        return rc;
    if (!realpath(site_dir, root))
        return WEB_STATIC_NO_SITE;
    size_t rlen = strlen(root);
    if (rlen == 1)
        rlen = 0; /* "/" as the root: every path is inside */
    snprintf(want, sizeof want, "%s%s", root, path);
    if (!realpath(want, real))
        return WEB_STATIC_NOT_FOUND;
    if (strncmp(real, root, rlen) != 0 || (real[rlen] != '/' && real[rlen] != '\0'))
        return WEB_STATIC_NOT_FOUND;
    if (stat(real, &st) != 0)
        return WEB_STATIC_NOT_FOUND;
    if (S_ISDIR(st.st_mode)) {
        if (path[len - 1] != '/')
            return WEB_STATIC_REDIRECT;
        snprintf(want, sizeof want, "%s/index.html", real);
    }
    return s_open_inside(root, rlen, want, out);
}

int web_static_open_404(const char *site_dir, web_file *out)
{
    char root[PATH_MAX], want[PATH_MAX + 16];
    if (!realpath(site_dir, root))
        return WEB_STATIC_NOT_FOUND;
    snprintf(want, sizeof want, "%s/404.html", root);
    size_t rlen = strlen(root);
    return s_open_inside(root, rlen == 1 ? 0 : rlen, want, out);
}
