/* web_limit: the gateway's rate limits, in memory (docs/security.md).
 *
 * A vote is charged to token buckets: one per client address prefix (/24
 * for IPv4; /64 and then /56 for IPv6, each with its own budget) and one
 * per voter token. Buckets are kept in a fixed-size table under keys that
 * are salted hashes (web_salt.h), never raw addresses or tokens: a
 * gateway's memory, lost on restart, not state anyone must keep. Nothing
 * here reads a clock: callers pass now_ms, so tests inject time. */
#ifndef WEB_LIMIT_H
#define WEB_LIMIT_H

#include <stddef.h>
#include <stdint.h>

/* A budget: burst tokens at most, refilled at per_min a minute. A burst
 * of 0 turns the limit off. */
typedef struct {
    double burst, per_min;
} web_rate;

typedef struct {
    double tokens;
    int64_t last_ms;
    int used; /* 0: never charged (starts full) */
} web_bucket;

/* Takes one token from b at now_ms. 0 when taken; otherwise the
 * milliseconds until one is there (at least 1), and nothing is taken. A
 * clock that goes back is treated as standing still. */
long web_bucket_take(web_bucket *b, int64_t now_ms, const web_rate *r);

/* An address prefix: family 4 or 6, bits 24, 56 or 64, the address
 * masked to bits (the rest zero). */
typedef struct {
    uint8_t family, bits;
    uint8_t addr[16];
} web_prefix;

/* The prefixes a client address is charged to: IPv4 (and IPv4-mapped
 * IPv6, ::ffff:a.b.c.d) gives one, its /24; IPv6 gives two, its /64 then
 * its /56. Returns how many (1 or 2) into out[2], or -1 when addr is not
 * a numeric address. */
int web_prefixes(const char *addr, web_prefix out[2]);

/* The bucket table: slots rounded up to a multiple of 4 (4-way sets; a
 * full set forgets its least recently charged bucket, which can only ever
 * give some client a fresh budget). Thread-safe. *out is the caller's:
 * web_limiter_destroy. */
#define WEB_KEY_BYTES 16
typedef struct web_limiter web_limiter;
int web_limiter_new(size_t slots, web_limiter **out);
void web_limiter_destroy(web_limiter **l);
/* web_bucket_take on the bucket of key (borrowed for the call). */
long web_limiter_take(web_limiter *l, const uint8_t key[WEB_KEY_BYTES], int64_t now_ms,
                      const web_rate *r);
/* Forgets every bucket (the salt rotated: every key changed). */
void web_limiter_clear(web_limiter *l);

#endif
