/* web_client: the client address behind trusted proxies; the daily salt. */
#include "web_client.h"

#include <arpa/inet.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "sign.h"

/* addr as 16 bytes (IPv4 as mapped IPv6) into a; 0 or -1 */
static int s_parse(const char *addr, uint8_t a[16])
{
    uint8_t v4[4];
    if (inet_pton(AF_INET, addr, v4) == 1) {
        memset(a, 0, 10);
        a[10] = a[11] = 0xff;
        memcpy(a + 12, v4, 4);
        return 0;
    }
    return inet_pton(AF_INET6, addr, a) == 1 ? 0 : -1;
}

int web_addr_trusted(const char *addr, const char *const *trusted, size_t n)
{
    uint8_t a[16], t[16];
    if (s_parse(addr, a) != 0)
        return 0;
    for (size_t i = 0; i < n; i++)
        if (s_parse(trusted[i], t) == 0 && memcmp(a, t, 16) == 0)
            return 1;
    return 0;
}

int web_client_addr(const char *peer, const char *xff, const char *const *trusted, size_t n,
                    char *out, size_t cap)
{
    uint8_t a[16];
    snprintf(out, cap, "%s", peer);
    if (s_parse(peer, a) != 0)
        return -1;
    if (!xff || !web_addr_trusted(peer, trusted, n))
        return 0;
    /* walk right to left: each hop a trusted proxy vouches for */
    const char *end = xff + strlen(xff);
    while (end > xff) {
        const char *start = end;
        while (start > xff && start[-1] != ',')
            start--;
        const char *b = start, *e = end;
        while (b < e && (*b == ' ' || *b == '\t'))
            b++;
        while (e > b && (e[-1] == ' ' || e[-1] == '\t'))
            e--;
        char hop[64];
        if (e - b <= 0 || (size_t)(e - b) >= sizeof hop)
            return 0; /* an entry no proxy wrote: keep the last vouched-for hop */
        memcpy(hop, b, (size_t)(e - b));
        hop[e - b] = '\0';
        if (s_parse(hop, a) != 0)
            return 0;
        snprintf(out, cap, "%s", hop);
        if (!web_addr_trusted(hop, trusted, n))
            return 0;
        end = start > xff ? start - 1 : xff;
    }
    return 0;
}

struct web_salt {
    pthread_mutex_t mu;
    int64_t day; /* -1: none yet */
    uint8_t salt[32];
};

int web_salt_new(web_salt **out)
{
    web_salt *s = sos_xcalloc(1, sizeof *s);
    pthread_mutex_init(&s->mu, NULL);
    s->day = -1;
    *out = s;
    return 0;
}

void web_salt_destroy(web_salt **sp)
{
    web_salt *s = *sp;
    if (!s)
        return;
    memset(s->salt, 0, sizeof s->salt);
    pthread_mutex_destroy(&s->mu);
    free(s);
    *sp = NULL;
}

int web_salt_hash(web_salt *s, int64_t now_s, const char *kind, const void *p, size_t n,
                  uint8_t out[WEB_KEY_BYTES])
{
    int rotated = 0;
    size_t kl = strlen(kind);
    uint8_t *m = sos_xmalloc(sizeof s->salt + kl + 1 + n);
    pthread_mutex_lock(&s->mu);
    int64_t day = now_s / 86400;
    if (day != s->day) {
        sos_random(s->salt, sizeof s->salt);
        rotated = s->day != -1;
        s->day = day;
    }
    memcpy(m, s->salt, sizeof s->salt);
    pthread_mutex_unlock(&s->mu);
    memcpy(m + sizeof s->salt, kind, kl);
    m[sizeof s->salt + kl] = 0;
    if (n)
        memcpy(m + sizeof s->salt + kl + 1, p, n);
    uint8_t h[SOS_HASH_BYTES];
    sos_hash(m, sizeof s->salt + kl + 1 + n, h);
    memset(m, 0, sizeof s->salt);
    free(m);
    memcpy(out, h, WEB_KEY_BYTES);
    return rotated;
}

void web_key_hex(const uint8_t key[WEB_KEY_BYTES], char out[17])
{
    sos_hex(key, 8, out);
}
