/* conf: INI parsing (inih) over a table of computed defaults. */
#include "conf.h"

#include <errno.h>
#include <ini.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "buf.h"

typedef struct {
    char *section;
    char *key;
    char *value;
} s_entry;

struct sos_conf {
    s_entry *e;
    size_t n, cap;
};

static void s_set(sos_conf *c, const char *section, const char *key, const char *value)
{
    for (size_t i = 0; i < c->n; i++) {
        if (strcmp(c->e[i].section, section) == 0 && strcmp(c->e[i].key, key) == 0) {
            free(c->e[i].value);
            c->e[i].value = sos_xstrdup(value);
            return;
        }
    }
    if (c->n == c->cap) {
        c->cap = c->cap ? c->cap * 2 : 32;
        s_entry *ne = realloc(c->e, c->cap * sizeof *ne);
        if (!ne)
            abort();
        c->e = ne;
    }
    c->e[c->n++] = (s_entry){sos_xstrdup(section), sos_xstrdup(key), sos_xstrdup(value)};
}

const char *sos_conf_get(const sos_conf *c, const char *section, const char *key)
{
    for (size_t i = 0; i < c->n; i++)
        if (strcmp(c->e[i].section, section) == 0 && strcmp(c->e[i].key, key) == 0)
            return c->e[i].value;
    return NULL;
}

int sos_conf_int(const sos_conf *c, const char *section, const char *key, long long dflt,
                 long long *out)
{
    const char *v = sos_conf_get(c, section, key);
    if (!v) {
        *out = dflt;
        return 0;
    }
    char *end;
    errno = 0;
    long long x = strtoll(v, &end, 10);
    if (errno || end == v || *end)
        return -1;
    *out = x;
    return 0;
}

static int s_ini_cb(void *user, const char *section, const char *name, const char *value)
{
    s_set(user, section, name, value);
    return 1;
}

int sos_conf_mkdirs(const char *dir, unsigned mode)
{
    char tmp[PATH_MAX];
    if (snprintf(tmp, sizeof tmp, "%s", dir) >= (int)sizeof tmp) {
        errno = ENAMETOOLONG;
        return -1;
    }
    for (char *p = tmp + 1; *p; p++) {
        if (*p != '/')
            continue;
        *p = '\0';
        if (mkdir(tmp, 0755) != 0 && errno != EEXIST)
            return -1;
        *p = '/';
    }
    if (mkdir(tmp, (mode_t)mode) != 0 && errno != EEXIST)
        return -1;
    return 0;
}

static const char *const s_services[] = {"submission", "scoring", "aggregation", "publishing",
                                         "community"};

int sos_conf_load(const char *path, const char *home, sos_conf **out, char *err, size_t errlen)
{
    sos_conf *c = sos_xcalloc(1, sizeof *c);
    char buf[PATH_MAX + 64];
    int rc = -1;

    if (path) {
        int line = ini_parse(path, s_ini_cb, c);
        if (line < 0) {
            snprintf(err, errlen, "cannot read config file %s", path);
            goto out;
        }
        if (line > 0) {
            snprintf(err, errlen, "%s:%d: syntax error", path, line);
            goto out;
        }
    }
    const char *h = home;
    if (!h)
        h = sos_conf_get(c, "paths", "home");
    if (!h)
        h = getenv("SOS_HOME");
    if (!h || !*h)
        h = "var";
    char abs[PATH_MAX];
    if (h[0] != '/') {
        char cwd[PATH_MAX];
        if (!getcwd(cwd, sizeof cwd) ||
            snprintf(abs, sizeof abs, "%s/%s", cwd, h) >= (int)sizeof abs) {
            snprintf(err, errlen, "home directory path too long");
            goto out;
        }
    } else {
        snprintf(abs, sizeof abs, "%s", h);
    }
    s_set(c, "paths", "home", abs);
    static const struct {
        const char *key, *sub;
    } dirs[] = {{"run_dir", "run"}, {"data_dir", "data"}, {"key_dir", "keys"}};
    for (size_t i = 0; i < sizeof dirs / sizeof dirs[0]; i++) {
        if (!sos_conf_get(c, "paths", dirs[i].key)) {
            snprintf(buf, sizeof buf, "%s/%s", abs, dirs[i].sub);
            s_set(c, "paths", dirs[i].key, buf);
        }
    }
    const char *run = sos_conf_get(c, "paths", "run_dir");
    const char *keys = sos_conf_get(c, "paths", "key_dir");
    if (!sos_conf_get(c, "access", "file")) {
        snprintf(buf, sizeof buf, "%s/access", keys);
        s_set(c, "access", "file", buf);
    }
    for (size_t i = 0; i < sizeof s_services / sizeof s_services[0]; i++) {
        static const char *const tk[][2] = {{"transport_key", ""}, {"server_key", ".pub"}};
        for (int k = 0; k < 2; k++) {
            if (sos_conf_get(c, s_services[i], tk[k][0]))
                continue;
            snprintf(buf, sizeof buf, "%s/%s.curve%s", keys, s_services[i], tk[k][1]);
            s_set(c, s_services[i], tk[k][0], buf);
        }
        const char *kinds[] = {"api", "events"};
        for (int k = 0; k < 2; k++) {
            if (sos_conf_get(c, s_services[i], kinds[k]))
                continue;
            snprintf(buf, sizeof buf, "ipc://%s/%s.%s", run, s_services[i], kinds[k]);
            if (strlen(buf) - 6 >= 108) {
                snprintf(err, errlen, "ipc path too long (max 107 bytes): %s", buf + 6);
                goto out;
            }
            s_set(c, s_services[i], kinds[k], buf);
        }
    }
    rc = 0;
out:
    if (rc == 0)
        *out = c;
    else
        sos_conf_destroy(&c);
    return rc;
}

void sos_conf_destroy(sos_conf **cp)
{
    sos_conf *c = *cp;
    if (!c)
        return;
    for (size_t i = 0; i < c->n; i++) {
        free(c->e[i].section);
        free(c->e[i].key);
        free(c->e[i].value);
    }
    free(c->e);
    free(c);
    *cp = NULL;
}
