/* web_limit: token buckets, address prefixes, the bucket table. */
#include "web_limit.h"

#include <arpa/inet.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"

long web_bucket_take(web_bucket *b, int64_t now_ms, const web_rate *r)
{
    if (r->burst <= 0)
        return 0;
    if (!b->used) {
        b->tokens = r->burst;
        b->last_ms = now_ms;
        b->used = 1;
    }
    if (now_ms > b->last_ms) {
        b->tokens += (double)(now_ms - b->last_ms) * r->per_min / 60000.0;
        if (b->tokens > r->burst)
            b->tokens = r->burst;
        b->last_ms = now_ms;
    }
    if (b->tokens >= 1.0) {
        b->tokens -= 1.0;
        return 0;
    }
    if (r->per_min <= 0)
        return 24L * 3600 * 1000; /* never refills: a day is as good as never */
    double wait = (1.0 - b->tokens) * 60000.0 / r->per_min;
    return wait < 1.0 ? 1 : (long)wait + 1;
}

static void s_mask(web_prefix *p, uint8_t family, uint8_t bits, const uint8_t *a, size_t len)
{
    memset(p, 0, sizeof *p);
    p->family = family;
    p->bits = bits;
    memcpy(p->addr, a, len);
    for (size_t i = 0; i < len; i++) {
        size_t from = i * 8;
        if (from >= bits)
            p->addr[i] = 0;
        else if (from + 8 > bits)
            p->addr[i] &= (uint8_t)(0xff << (8 - (bits - from)));
    }
}

int web_prefixes(const char *addr, web_prefix out[2])
{
    uint8_t a[16];
    if (inet_pton(AF_INET, addr, a) == 1) {
        s_mask(&out[0], 4, 24, a, 4);
        return 1;
    }
    if (inet_pton(AF_INET6, addr, a) != 1)
        return -1;
    static const uint8_t mapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
    if (memcmp(a, mapped, sizeof mapped) == 0) {
        s_mask(&out[0], 4, 24, a + 12, 4);
        return 1;
    }
    s_mask(&out[0], 6, 64, a, 16);
    s_mask(&out[1], 6, 56, a, 16);
    return 2;
}

typedef struct {
    uint8_t key[WEB_KEY_BYTES];
    int live;
    web_bucket b;
} s_slot;

struct web_limiter {
    pthread_mutex_t mu;
    size_t sets;
    s_slot *slots; /* sets * 4 */
};

int web_limiter_new(size_t slots, web_limiter **out)
{
    web_limiter *l = sos_xcalloc(1, sizeof *l);
    l->sets = (slots + 3) / 4;
    if (l->sets == 0)
        l->sets = 1;
    l->slots = sos_xcalloc(l->sets * 4, sizeof *l->slots);
    pthread_mutex_init(&l->mu, NULL);
    *out = l;
    return 0;
}

void web_limiter_destroy(web_limiter **lp)
{
    web_limiter *l = *lp;
    if (!l)
        return;
    pthread_mutex_destroy(&l->mu);
    free(l->slots);
    free(l);
    *lp = NULL;
}

void web_limiter_clear(web_limiter *l)
{
    pthread_mutex_lock(&l->mu);
    memset(l->slots, 0, l->sets * 4 * sizeof *l->slots);
    pthread_mutex_unlock(&l->mu);
}

long web_limiter_take(web_limiter *l, const uint8_t key[WEB_KEY_BYTES], int64_t now_ms,
                      const web_rate *r)
{
    uint64_t h;
    memcpy(&h, key, sizeof h); /* the key is a salted hash already: its bits are uniform */
    pthread_mutex_lock(&l->mu);
    s_slot *set = &l->slots[(h % l->sets) * 4], *pick = NULL;
    for (int i = 0; i < 4 && !pick; i++)
        if (set[i].live && memcmp(set[i].key, key, WEB_KEY_BYTES) == 0)
            pick = &set[i];
    for (int i = 0; i < 4 && !pick; i++)
        if (!set[i].live)
            pick = &set[i];
    if (!pick) {
        pick = &set[0];
        for (int i = 1; i < 4; i++)
            if (set[i].b.last_ms < pick->b.last_ms)
                pick = &set[i];
    }
    if (!pick->live || memcmp(pick->key, key, WEB_KEY_BYTES) != 0) {
        memset(pick, 0, sizeof *pick);
        memcpy(pick->key, key, WEB_KEY_BYTES);
        pick->live = 1;
    }
    long wait = web_bucket_take(&pick->b, now_ms, r);
    pthread_mutex_unlock(&l->mu);
    return wait;
}
