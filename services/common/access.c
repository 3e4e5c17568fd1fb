/* access: CURVE access lists (access.h). */
#include "access.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "sign.h"

typedef struct {
    uint8_t key[SOS_ACCESS_KEY_BYTES];
    uint8_t signer[SOS_ACCESS_KEY_BYTES];
    unsigned roles;
    bool has_signer;
} s_entry;

struct sos_access {
    s_entry *e;
    size_t n, cap;
};

static const struct {
    const char *name;
    unsigned bit;
} s_roles[] = {{"editor", SOS_ROLE_EDITOR},       {"reviewer", SOS_ROLE_REVIEWER},
               {"publisher", SOS_ROLE_PUBLISHER}, {"service", SOS_ROLE_SERVICE},
               {"gateway", SOS_ROLE_GATEWAY},     {"local", SOS_ROLE_LOCAL}};
/* the roles a list may name: all but local */
#define S_LISTED 5

const char *sos_role_names(unsigned roles, char *buf, size_t len)
{
    size_t at = 0;
    buf[0] = '\0';
    for (size_t i = 0; i < sizeof s_roles / sizeof s_roles[0]; i++) {
        if (!(roles & s_roles[i].bit))
            continue;
        int n = snprintf(buf + at, len - at, "%s%s", at ? "," : "", s_roles[i].name);
        if (n < 0 || (size_t)n >= len - at)
            break;
        at += (size_t)n;
    }
    if (!at)
        snprintf(buf, len, "none");
    return buf;
}

static int s_fail(char *err, size_t errlen, unsigned line, const char *fmt, ...)
{
    va_list ap;
    int n = snprintf(err, errlen, "line %u: ", line);
    va_start(ap, fmt);
    if (n > 0 && (size_t)n < errlen)
        vsnprintf(err + n, errlen - (size_t)n, fmt, ap);
    va_end(ap);
    return -1;
}

static s_entry *s_find(const sos_access *a, const uint8_t *key)
{
    for (size_t i = 0; i < a->n; i++)
        if (memcmp(a->e[i].key, key, SOS_ACCESS_KEY_BYTES) == 0)
            return &a->e[i];
    return NULL;
}

/* One line, already split into words; 0 or -1 with err. */
static int s_line(sos_access *a, char **w, int nw, unsigned ln, char *err, size_t errlen)
{
    uint8_t key[SOS_ACCESS_KEY_BYTES], signer[SOS_ACCESS_KEY_BYTES];
    unsigned bit = 0;
    for (size_t i = 0; i < S_LISTED; i++)
        if (strcmp(w[0], s_roles[i].name) == 0)
            bit = s_roles[i].bit;
    if (!bit)
        return s_fail(err, errlen, ln,
                      "unknown role \"%s\" (editor, reviewer, publisher, service, gateway)", w[0]);
    if (nw < 2 || sos_unhex(w[1], key, sizeof key) != 0)
        return s_fail(err, errlen, ln, "expected a transport public key of 64 hex digits");
    if (bit == SOS_ROLE_REVIEWER && (nw != 3 || sos_unhex(w[2], signer, sizeof signer) != 0))
        return s_fail(err, errlen, ln,
                      "a reviewer line needs the signing public key (64 hex digits) after the "
                      "transport key");
    if (bit != SOS_ROLE_REVIEWER && nw != 2)
        return s_fail(err, errlen, ln, "unexpected words after the key");
    s_entry *e = s_find(a, key);
    if (!e) {
        if (a->n == a->cap) {
            a->cap = a->cap ? 2 * a->cap : 16;
            a->e = sos_xrealloc(a->e, a->cap * sizeof *a->e);
        }
        e = &a->e[a->n++];
        memset(e, 0, sizeof *e);
        memcpy(e->key, key, sizeof key);
    }
    if (bit == SOS_ROLE_REVIEWER) {
        if (e->has_signer && memcmp(e->signer, signer, sizeof signer) != 0)
            return s_fail(err, errlen, ln,
                          "this transport key is already a reviewer with "
                          "another signing key");
        memcpy(e->signer, signer, sizeof signer);
        e->has_signer = true;
    }
    e->roles |= bit;
    return 0;
}

int sos_access_load(const char *path, sos_access **out, char *err, size_t errlen)
{
    char buf[1024];
    unsigned ln = 0;
    int rc = 0;
    sos_access *a = sos_xcalloc(1, sizeof *a);
    FILE *f = fopen(path, "r");
    if (!f && errno != ENOENT) {
        snprintf(err, errlen, "%s: %s", path, strerror(errno));
        sos_access_destroy(&a);
        return -1;
    }
    while (f && rc == 0 && fgets(buf, sizeof buf, f)) {
        char *w[4], *save = NULL;
        int nw = 0;
        ln++;
        if (!strchr(buf, '\n') && !feof(f)) {
            rc = s_fail(err, errlen, ln, "line too long");
            break;
        }
        for (char *t = strtok_r(buf, " \t\r\n", &save); t; t = strtok_r(NULL, " \t\r\n", &save)) {
            if (nw == 0 && t[0] == '#')
                break;
            if (nw == 4) {
                nw++;
                break;
            }
            w[nw++] = t;
        }
        if (nw == 0)
            continue;
        rc = nw > 3 ? s_fail(err, errlen, ln, "too many words") : s_line(a, w, nw, ln, err, errlen);
    }
    if (f && rc == 0 && ferror(f)) {
        snprintf(err, errlen, "%s: read error", path);
        rc = -1;
    }
    if (f)
        fclose(f);
    if (rc != 0) {
        sos_access_destroy(&a);
        return -1;
    }
    *out = a;
    return 0;
}

void sos_access_destroy(sos_access **ap)
{
    sos_access *a = *ap;
    if (!a)
        return;
    free(a->e);
    free(a);
    *ap = NULL;
}

unsigned sos_access_find(const sos_access *a, const uint8_t key[SOS_ACCESS_KEY_BYTES],
                         uint8_t signer[SOS_ACCESS_KEY_BYTES], bool *has_signer)
{
    const s_entry *e = s_find(a, key);
    *has_signer = e && e->has_signer;
    if (*has_signer)
        memcpy(signer, e->signer, SOS_ACCESS_KEY_BYTES);
    return e ? e->roles : 0;
}

size_t sos_access_count(const sos_access *a)
{
    return a->n;
}
