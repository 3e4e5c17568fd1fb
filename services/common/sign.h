/* sign: Ed25519 keys and detached signatures, hashes, randomness.
 * The only file that includes <sodium.h>.
 *
 * A signature covers  domain || 0x00 || payload  where domain names what
 * the payload is ("shiporskip/take/v1"), so a signature over one kind of
 * message can never be replayed as another. The payload is the exact bytes
 * that are stored; nothing is ever re-serialized to verify.
 *
 * Key files: the secret key file holds one line
 *   shiporskip-ed25519-secret <128 hex digits>
 * and is created 0600 (refused when group or others may read it); the public
 * key file beside it (<path>.pub) holds 64 hex digits. Secret keys live in
 * sodium_malloc memory and are wiped on destroy. */
#ifndef SOS_SIGN_H
#define SOS_SIGN_H

#include <stddef.h>
#include <stdint.h>

#define SOS_PK_BYTES 32
#define SOS_SIG_BYTES 64
#define SOS_HASH_BYTES 32

#define SOS_DOMAIN_TAKE "shiporskip/take/v1"
#define SOS_DOMAIN_VERDICT "shiporskip/verdict/v1"
#define SOS_DOMAIN_EDITORIAL "shiporskip/editorial/v1"
#define SOS_DOMAIN_TALLY "shiporskip/tally/v1"

typedef struct sos_key sos_key;

/* Once per process before anything else here; 0 or -1. */
int sos_sign_init(void) __attribute__((warn_unused_result));

int sos_key_generate(sos_key **out) __attribute__((warn_unused_result));
/* Writes path (0600, must not exist) and path.pub. 0, or -1 with errno. */
int sos_key_save(const sos_key *k, const char *path) __attribute__((warn_unused_result));
/* 0; -1 unreadable or malformed; -2 mode lets others read it. */
int sos_key_load(const char *path, sos_key **out) __attribute__((warn_unused_result));
/* Load path, or generate and save it when it does not exist. */
int sos_key_load_or_create(const char *path, sos_key **out) __attribute__((warn_unused_result));
void sos_key_destroy(sos_key **k);
/* Borrowed, SOS_PK_BYTES long, valid while k lives. */
const uint8_t *sos_key_public(const sos_key *k);

void sos_sign(const sos_key *k, const char *domain, const uint8_t *payload, size_t n,
              uint8_t sig[SOS_SIG_BYTES]);
/* 0 when sig is pk's signature over domain||0||payload; -1 otherwise. */
int sos_verify(const uint8_t pk[SOS_PK_BYTES], const char *domain, const uint8_t *payload, size_t n,
               const uint8_t sig[SOS_SIG_BYTES]) __attribute__((warn_unused_result));

/* Transport keys: X25519 key pairs for ZeroMQ CURVE (wire.h), never the
 * same key as a signing key. Files as above with the magic
 * "shiporskip-x25519-secret "; a signing key file does not load as a
 * transport key, nor the other way round. */
typedef struct sos_tkey sos_tkey;

int sos_tkey_generate(sos_tkey **out) __attribute__((warn_unused_result));
int sos_tkey_save(const sos_tkey *k, const char *path) __attribute__((warn_unused_result));
/* 0; -1 unreadable, malformed or not a transport key; -2 mode lets others
 * read it. */
int sos_tkey_load(const char *path, sos_tkey **out) __attribute__((warn_unused_result));
int sos_tkey_load_or_create(const char *path, sos_tkey **out) __attribute__((warn_unused_result));
void sos_tkey_destroy(sos_tkey **k);
/* Borrowed, SOS_PK_BYTES long, valid while k lives. The secret lives in
 * sodium_malloc memory (guarded, wiped on destroy); libzmq copies it into
 * its own memory when a socket is given it. */
const uint8_t *sos_tkey_public(const sos_tkey *k);
const uint8_t *sos_tkey_secret(const sos_tkey *k);

/* BLAKE2b-256. */
void sos_hash(const void *p, size_t n, uint8_t out[SOS_HASH_BYTES]);
/* A 16-byte id that sorts by when it was made (UUIDv7's layout: Unix
 * milliseconds in 48 bits, big-endian, then 80 random bits). Request and
 * take ids are made this way so the request records keyed by them are
 * added at the right edge of their B-tree (a page for many) instead of at
 * random places (a scattered page each). */
#define SOS_ID_BYTES 16
void sos_id_new(uint8_t id[SOS_ID_BYTES]);
void sos_random(void *p, size_t n);
/* out must hold 2n+1 bytes. */
void sos_hex(const uint8_t *p, size_t n, char *out);
/* A public key given as 64 hex digits, or as the path of a file whose
 * first word is; 0 or -1. */
int sos_pub_read(const char *arg, uint8_t pk[SOS_PK_BYTES]);
/* Exactly 2n hex digits into out[n]; 0 or -1. */
int sos_unhex(const char *hex, uint8_t *out, size_t n);

/* Standard base64 (RFC 4648 section 4: "+/" alphabet, "=" padding), as the
 * site's JSON twins carry payloads. SOS_BASE64_LEN(n) is what n bytes
 * encode to, with the terminating NUL. */
#define SOS_BASE64_LEN(n) (((n) + 2) / 3 * 4 + 1)
/* out must hold SOS_BASE64_LEN(n) bytes. */
void sos_base64(const uint8_t *p, size_t n, char *out);
/* b64 decoded into out (cap bytes; strlen(b64) / 4 * 3 always suffice),
 * *n its length. Standard base64 with padding and nothing else: no
 * whitespace, no URL-safe alphabet, no missing or extra "=", no non-zero
 * bits in the last character. 0, or -1 (then *n is 0). */
int sos_unbase64(const char *b64, uint8_t *out, size_t cap, size_t *n)
    __attribute__((warn_unused_result));

/* SHA-256 (FIPS 180-4) of the concatenation of n parts: what the
 * transparency log's tree (merkle.h) and its signed notes (note.h) use,
 * as RFC 9162 and C2SP specify; everything else hashes with sos_hash. */
#define SOS_SHA256_BYTES 32
typedef struct {
    const void *p;
    size_t n;
} sos_span;
void sos_sha256(const sos_span *parts, size_t n, uint8_t out[SOS_SHA256_BYTES]);

/* A key from its 32-byte Ed25519 seed (RFC 8032's secret key): for test
 * vectors. *out is the caller's (sos_key_destroy). 0 or -1. */
int sos_key_from_seed(const uint8_t seed[32], sos_key **out) __attribute__((warn_unused_result));
/* Ed25519 over msg itself, with no domain tag: a C2SP signed note's
 * signature (note.h), which is defined over the note's text. Only for a key
 * that signs notes and nothing else (publishing's log key), so that no
 * other signature can pass for one. */
void sos_sign_note(const sos_key *k, const uint8_t *msg, size_t n, uint8_t sig[SOS_SIG_BYTES]);
int sos_verify_note(const uint8_t pk[SOS_PK_BYTES], const uint8_t *msg, size_t n,
                    const uint8_t sig[SOS_SIG_BYTES]) __attribute__((warn_unused_result));

/* Keyed hashes (BLAKE2b-256 keyed): what community stores instead of a
 * voter's token, so a stolen store does not give the tokens back and a
 * guessed token cannot be checked without the key. The key file holds one
 * line "shiporskip-blake2b-key <64 hex digits>", 0600, with no .pub. */
#define SOS_MAC_KEY_BYTES 32
typedef struct sos_mac_key sos_mac_key;
/* Load path, or make a random key and save it (0600) when it does not
 * exist. 0; -1 unreadable, malformed or not writable; -2 mode lets others
 * read it. *out is the caller's: sos_mac_key_destroy. */
int sos_mac_key_load_or_create(const char *path, sos_mac_key **out)
    __attribute__((warn_unused_result));
/* A key from raw bytes (tests). 0. */
int sos_mac_key_from_bytes(const uint8_t raw[SOS_MAC_KEY_BYTES], sos_mac_key **out)
    __attribute__((warn_unused_result));
/* Wipes the key; NULLs *k; safe on NULL. */
void sos_mac_key_destroy(sos_mac_key **k);
void sos_mac(const sos_mac_key *k, const void *p, size_t n, uint8_t out[SOS_HASH_BYTES]);

#endif
