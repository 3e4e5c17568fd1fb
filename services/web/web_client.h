/* web_client: who a request is charged to, and how that is remembered.
 *
 * The client address is the TCP peer's, or, when the peer is one of the
 * configured trusted proxies, the rightmost X-Forwarded-For entry that is
 * not itself a trusted proxy (each proxy appends the address it saw, so
 * entries left of the first untrusted one are the client's to forge).
 *
 * Addresses and voter tokens are never stored or logged as they are: the
 * gateway keeps salted hashes (BLAKE2b over salt || kind || value), with a
 * random salt made in memory that is replaced when the UTC day changes, so
 * that yesterday's log lines cannot be linked to today's, and no file ever
 * holds the salt. */
#ifndef WEB_CLIENT_H
#define WEB_CLIENT_H

#include <stddef.h>
#include <stdint.h>

#include "web_limit.h"

/* peer: the TCP peer as text; xff: the X-Forwarded-For header or NULL;
 * trusted: n numeric addresses (borrowed for the call). The client address
 * goes into out (cap bytes, 46 suffice). 0, or -1 when peer itself is not
 * a numeric address (then out is peer, truncated). */
int web_client_addr(const char *peer, const char *xff, const char *const *trusted, size_t n,
                    char *out, size_t cap);
/* True when addr (numeric) is one of trusted: compared as addresses, so
 * "::1" and "0:0::1" are one. */
int web_addr_trusted(const char *addr, const char *const *trusted, size_t n);

typedef struct web_salt web_salt;
/* *out is the caller's: web_salt_destroy (which wipes the salt). */
int web_salt_new(web_salt **out);
void web_salt_destroy(web_salt **s);
/* The salted hash of kind ("ip24", "voter", ...) and p[0..n) under the
 * salt of now_s's UTC day (a new random salt on the first call of a day).
 * Returns 1 when this call replaced the salt (keys made before no longer
 * match: the caller forgets them), else 0. Thread-safe. */
int web_salt_hash(web_salt *s, int64_t now_s, const char *kind, const void *p, size_t n,
                  uint8_t out[WEB_KEY_BYTES]);
/* out (2 * 8 + 1 bytes): the first 8 bytes of a key as hex, for a log
 * line (client=3f0a...). */
void web_key_hex(const uint8_t key[WEB_KEY_BYTES], char out[17]);

#endif
