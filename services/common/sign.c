/* sign: libsodium behind a small interface. */
#include "sign.h"

#include <assert.h>
#include <errno.h>
#include <fcntl.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/stat.h>
#include <unistd.h>

#include "buf.h"

#define S_MAGIC "shiporskip-ed25519-secret "

struct sos_key {
    uint8_t *sk; /* sodium_malloc, crypto_sign_SECRETKEYBYTES */
    uint8_t pk[crypto_sign_PUBLICKEYBYTES];
};

_Static_assert(SOS_PK_BYTES == crypto_sign_PUBLICKEYBYTES, "pk size");
_Static_assert(SOS_SIG_BYTES == crypto_sign_BYTES, "sig size");

int sos_sign_init(void)
{
    return sodium_init() < 0 ? -1 : 0;
}

static sos_key *s_key_new(void)
{
    sos_key *k = sos_xcalloc(1, sizeof *k);
    k->sk = sodium_malloc(crypto_sign_SECRETKEYBYTES);
    if (!k->sk)
        abort();
    return k;
}

int sos_key_generate(sos_key **out)
{
    sos_key *k = s_key_new();
    if (crypto_sign_keypair(k->pk, k->sk) != 0) {
        sos_key_destroy(&k);
        return -1;
    }
    *out = k;
    return 0;
}

void sos_key_destroy(sos_key **kp)
{
    sos_key *k = *kp;
    if (!k)
        return;
    sodium_free(k->sk);
    free(k);
    *kp = NULL;
}

const uint8_t *sos_key_public(const sos_key *k)
{
    return k->pk;
}

static int s_write_all(int fd, const char *p, size_t n)
{
    while (n) {
        ssize_t w = write(fd, p, n);
        if (w < 0) {
            if (errno == EINTR)
                continue;
            return -1;
        }
        p += w;
        n -= (size_t)w;
    }
    return 0;
}

/* Writes "<magic><hex secret>\n" to path (0600, must not exist) and the
 * public key's hex to path.pub (none when pk is NULL). */
static int s_keyfile_save(const char *magic, const uint8_t *sk, size_t sk_len, const uint8_t *pk,
                          const char *path)
{
    char line[64 + 2 * 64 + 2];
    char pub[2 * SOS_PK_BYTES + 2];
    char pubpath[4096];
    int rc = -1, fd = -1;
    size_t ml = strlen(magic);
    assert(ml + 2 * sk_len + 2 <= sizeof line);
    if (snprintf(pubpath, sizeof pubpath, "%s.pub", path) >= (int)sizeof pubpath) {
        errno = ENAMETOOLONG;
        return -1;
    }
    memcpy(line, magic, ml);
    sodium_bin2hex(line + ml, 2 * sk_len + 1, sk, sk_len);
    size_t n = strlen(line);
    line[n++] = '\n';
    fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (fd < 0)
        goto out;
    if (s_write_all(fd, line, n) != 0 || fsync(fd) != 0)
        goto out;
    close(fd);
    fd = -1;
    if (!pk) { /* a key with no public half (a MAC key) */
        rc = 0;
        goto out;
    }
    fd = open(pubpath, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0)
        goto out;
    sos_hex(pk, SOS_PK_BYTES, pub);
    n = strlen(pub);
    pub[n++] = '\n';
    if (s_write_all(fd, pub, n) != 0 || fsync(fd) != 0)
        goto out;
    rc = 0;
out:
    sodium_memzero(line, sizeof line);
    if (fd >= 0)
        close(fd);
    return rc;
}

/* Reads a secret written by s_keyfile_save with the same magic into sk
 * (sk_len bytes). 0; -1 unreadable, malformed or another kind of key; -2
 * group or others may read it. */
static int s_keyfile_load(const char *magic, uint8_t *sk, size_t sk_len, const char *path)
{
    char line[64 + 2 * 64 + 8];
    size_t ml = strlen(magic), bin_len = 0;
    int rc = -1;
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return -1;
    struct stat st;
    if (fstat(fd, &st) != 0)
        goto out;
    if (st.st_mode & 077) {
        rc = -2;
        goto out;
    }
    ssize_t n = read(fd, line, sizeof line - 1);
    if (n <= 0)
        goto out;
    line[n] = '\0';
    if (strncmp(line, magic, ml) != 0)
        goto out;
    if (sodium_hex2bin(sk, sk_len, line + ml, 2 * sk_len, NULL, &bin_len, NULL) != 0 ||
        bin_len != sk_len)
        goto out;
    rc = 0;
out:
    sodium_memzero(line, sizeof line);
    close(fd);
    return rc;
}

int sos_key_save(const sos_key *k, const char *path)
{
    return s_keyfile_save(S_MAGIC, k->sk, crypto_sign_SECRETKEYBYTES, k->pk, path);
}

int sos_key_load(const char *path, sos_key **out)
{
    sos_key *k = s_key_new();
    int rc = s_keyfile_load(S_MAGIC, k->sk, crypto_sign_SECRETKEYBYTES, path);
    if (rc != 0) {
        sos_key_destroy(&k);
        return rc;
    }
    crypto_sign_ed25519_sk_to_pk(k->pk, k->sk);
    *out = k;
    return 0;
}

int sos_key_load_or_create(const char *path, sos_key **out)
{
    if (access(path, F_OK) == 0)
        return sos_key_load(path, out);
    sos_key *k = NULL;
    if (sos_key_generate(&k) != 0 || sos_key_save(k, path) != 0) {
        sos_key_destroy(&k);
        return -1;
    }
    *out = k;
    return 0;
}

/* Transport keys: X25519 pairs for CURVE, made and kept apart from the
 * signing keys (another magic, another generator). */
#define S_TMAGIC "shiporskip-x25519-secret "

struct sos_tkey {
    uint8_t *sk; /* sodium_malloc, crypto_box_SECRETKEYBYTES */
    uint8_t pk[crypto_box_PUBLICKEYBYTES];
};

_Static_assert(SOS_PK_BYTES == crypto_box_PUBLICKEYBYTES, "curve pk size");
_Static_assert(SOS_PK_BYTES == crypto_box_SECRETKEYBYTES, "curve sk size");

static sos_tkey *s_tkey_new(void)
{
    sos_tkey *k = sos_xcalloc(1, sizeof *k);
    k->sk = sodium_malloc(crypto_box_SECRETKEYBYTES);
    if (!k->sk)
        abort();
    return k;
}

int sos_tkey_generate(sos_tkey **out)
{
    sos_tkey *k = s_tkey_new();
    if (crypto_box_keypair(k->pk, k->sk) != 0) {
        sos_tkey_destroy(&k);
        return -1;
    }
    *out = k;
    return 0;
}

void sos_tkey_destroy(sos_tkey **kp)
{
    sos_tkey *k = *kp;
    if (!k)
        return;
    sodium_free(k->sk);
    free(k);
    *kp = NULL;
}

const uint8_t *sos_tkey_public(const sos_tkey *k)
{
    return k->pk;
}

const uint8_t *sos_tkey_secret(const sos_tkey *k)
{
    return k->sk;
}

int sos_tkey_save(const sos_tkey *k, const char *path)
{
    return s_keyfile_save(S_TMAGIC, k->sk, crypto_box_SECRETKEYBYTES, k->pk, path);
}

int sos_tkey_load(const char *path, sos_tkey **out)
{
    sos_tkey *k = s_tkey_new();
    int rc = s_keyfile_load(S_TMAGIC, k->sk, crypto_box_SECRETKEYBYTES, path);
    if (rc != 0 || crypto_scalarmult_base(k->pk, k->sk) != 0) {
        sos_tkey_destroy(&k);
        return rc ? rc : -1;
    }
    *out = k;
    return 0;
}

int sos_tkey_load_or_create(const char *path, sos_tkey **out)
{
    if (access(path, F_OK) == 0)
        return sos_tkey_load(path, out);
    sos_tkey *k = NULL;
    if (sos_tkey_generate(&k) != 0 || sos_tkey_save(k, path) != 0) {
        sos_tkey_destroy(&k);
        return -1;
    }
    *out = k;
    return 0;
}

static uint8_t *s_message(const char *domain, const uint8_t *payload, size_t n, size_t *len)
{
    size_t dl = strlen(domain) + 1;
    uint8_t *m = sos_xmalloc(dl + n);
    memcpy(m, domain, dl);
    if (n)
        memcpy(m + dl, payload, n);
    *len = dl + n;
    return m;
}

void sos_sign(const sos_key *k, const char *domain, const uint8_t *payload, size_t n,
              uint8_t sig[SOS_SIG_BYTES])
{
    size_t len;
    uint8_t *m = s_message(domain, payload, n, &len);
    crypto_sign_detached(sig, NULL, m, len, k->sk);
    free(m);
}

int sos_verify(const uint8_t pk[SOS_PK_BYTES], const char *domain, const uint8_t *payload, size_t n,
               const uint8_t sig[SOS_SIG_BYTES])
{
    size_t len;
    uint8_t *m = s_message(domain, payload, n, &len);
    int rc = crypto_sign_verify_detached(sig, m, len, pk);
    free(m);
    return rc == 0 ? 0 : -1;
}

void sos_hash(const void *p, size_t n, uint8_t out[SOS_HASH_BYTES])
{
    crypto_generichash(out, SOS_HASH_BYTES, p, n, NULL, 0);
}

void sos_random(void *p, size_t n)
{
    randombytes_buf(p, n);
}

void sos_id_new(uint8_t id[SOS_ID_BYTES])
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    uint64_t ms = (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
    for (int i = 0; i < 6; i++)
        id[i] = (uint8_t)(ms >> (40 - 8 * i));
    randombytes_buf(id + 6, SOS_ID_BYTES - 6);
}

void sos_hex(const uint8_t *p, size_t n, char *out)
{
    sodium_bin2hex(out, 2 * n + 1, p, n);
}

int sos_pub_read(const char *arg, uint8_t pk[SOS_PK_BYTES])
{
    char buf[256];
    if (sos_unhex(arg, pk, SOS_PK_BYTES) == 0)
        return 0;
    FILE *f = fopen(arg, "r");
    if (!f)
        return -1;
    size_t n = fread(buf, 1, sizeof buf - 1, f);
    fclose(f);
    buf[n] = '\0';
    buf[strcspn(buf, " \r\n")] = '\0';
    return sos_unhex(buf, pk, SOS_PK_BYTES);
}

int sos_unhex(const char *hex, uint8_t *out, size_t n)
{
    size_t got = 0;
    if (strlen(hex) != 2 * n)
        return -1;
    if (sodium_hex2bin(out, n, hex, 2 * n, NULL, &got, NULL) != 0 || got != n)
        return -1;
    return 0;
}

void sos_base64(const uint8_t *p, size_t n, char *out)
{
    sodium_bin2base64(out, SOS_BASE64_LEN(n), p, n, sodium_base64_VARIANT_ORIGINAL);
}

int sos_unbase64(const char *b64, uint8_t *out, size_t cap, size_t *n)
{
    /* no ignore set and no end pointer: any character outside the
     * alphabet, a wrong padding or trailing bytes make it fail */
    if (sodium_base642bin(out, cap, b64, strlen(b64), NULL, n, NULL,
                          sodium_base64_VARIANT_ORIGINAL) != 0) {
        *n = 0;
        return -1;
    }
    return 0;
}

void sos_sha256(const sos_span *parts, size_t n, uint8_t out[SOS_SHA256_BYTES])
{
    _Static_assert(SOS_SHA256_BYTES == crypto_hash_sha256_BYTES, "sha256 size");
    crypto_hash_sha256_state st;
    crypto_hash_sha256_init(&st);
    for (size_t i = 0; i < n; i++)
        if (parts[i].n)
            crypto_hash_sha256_update(&st, parts[i].p, parts[i].n);
    crypto_hash_sha256_final(&st, out);
}

int sos_key_from_seed(const uint8_t seed[32], sos_key **out)
{
    _Static_assert(crypto_sign_SEEDBYTES == 32, "seed size");
    sos_key *k = s_key_new();
    if (crypto_sign_seed_keypair(k->pk, k->sk, seed) != 0) {
        sos_key_destroy(&k);
        return -1;
    }
    *out = k;
    return 0;
}

void sos_sign_note(const sos_key *k, const uint8_t *msg, size_t n, uint8_t sig[SOS_SIG_BYTES])
{
    crypto_sign_detached(sig, NULL, msg, n, k->sk);
}

int sos_verify_note(const uint8_t pk[SOS_PK_BYTES], const uint8_t *msg, size_t n,
                    const uint8_t sig[SOS_SIG_BYTES])
{
    return crypto_sign_verify_detached(sig, msg, n, pk) == 0 ? 0 : -1;
}

/* Keyed hashes: BLAKE2b-256 keyed with a secret of its own (community's
 * voter key), in a file of its own magic. */
#define S_MMAGIC "shiporskip-blake2b-key "

struct sos_mac_key {
    uint8_t *k; /* sodium_malloc, SOS_MAC_KEY_BYTES */
};

_Static_assert(SOS_MAC_KEY_BYTES >= crypto_generichash_KEYBYTES_MIN &&
                   SOS_MAC_KEY_BYTES <= crypto_generichash_KEYBYTES_MAX,
               "mac key size");

static sos_mac_key *s_mac_key_new(void)
{
    sos_mac_key *k = sos_xcalloc(1, sizeof *k);
    k->k = sodium_malloc(SOS_MAC_KEY_BYTES);
    if (!k->k)
        abort();
    return k;
}

int sos_mac_key_from_bytes(const uint8_t raw[SOS_MAC_KEY_BYTES], sos_mac_key **out)
{
    sos_mac_key *k = s_mac_key_new();
    memcpy(k->k, raw, SOS_MAC_KEY_BYTES);
    *out = k;
    return 0;
}

int sos_mac_key_load_or_create(const char *path, sos_mac_key **out)
{
    sos_mac_key *k = s_mac_key_new();
    int rc;
    if (access(path, F_OK) == 0) {
        rc = s_keyfile_load(S_MMAGIC, k->k, SOS_MAC_KEY_BYTES, path);
    } else {
        randombytes_buf(k->k, SOS_MAC_KEY_BYTES);
        rc = s_keyfile_save(S_MMAGIC, k->k, SOS_MAC_KEY_BYTES, NULL, path);
    }
    if (rc != 0) {
        sos_mac_key_destroy(&k);
        return rc;
    }
    *out = k;
    return 0;
}

void sos_mac_key_destroy(sos_mac_key **kp)
{
    sos_mac_key *k = *kp;
    if (!k)
        return;
    sodium_free(k->k);
    free(k);
    *kp = NULL;
}

void sos_mac(const sos_mac_key *k, const void *p, size_t n, uint8_t out[SOS_HASH_BYTES])
{
    crypto_generichash(out, SOS_HASH_BYTES, p, n, k->k, SOS_MAC_KEY_BYTES);
}
