/* sign: libsodium behind a small interface. */
#include "sign.h"

#include <errno.h>
#include <fcntl.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
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

int sos_key_save(const sos_key *k, const char *path)
{
    char line[sizeof S_MAGIC + 2 * crypto_sign_SECRETKEYBYTES + 2];
    char pub[2 * SOS_PK_BYTES + 2];
    char pubpath[4096];
    int rc = -1, fd = -1;
    if (snprintf(pubpath, sizeof pubpath, "%s.pub", path) >= (int)sizeof pubpath) {
        errno = ENAMETOOLONG;
        return -1;
    }
    memcpy(line, S_MAGIC, sizeof S_MAGIC - 1);
    sodium_bin2hex(line + sizeof S_MAGIC - 1, 2 * crypto_sign_SECRETKEYBYTES + 1, k->sk,
                   crypto_sign_SECRETKEYBYTES);
    size_t n = strlen(line);
    line[n++] = '\n';
    fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (fd < 0)
        goto out;
    if (s_write_all(fd, line, n) != 0 || fsync(fd) != 0)
        goto out;
    close(fd);
    fd = open(pubpath, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0)
        goto out;
    sos_hex(k->pk, SOS_PK_BYTES, pub);
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

int sos_key_load(const char *path, sos_key **out)
{
    char line[sizeof S_MAGIC + 2 * crypto_sign_SECRETKEYBYTES + 8];
    sos_key *k = NULL;
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
    if (strncmp(line, S_MAGIC, sizeof S_MAGIC - 1) != 0)
        goto out;
    k = s_key_new();
    size_t bin_len = 0;
    if (sodium_hex2bin(k->sk, crypto_sign_SECRETKEYBYTES, line + sizeof S_MAGIC - 1,
                       2 * crypto_sign_SECRETKEYBYTES, NULL, &bin_len, NULL) != 0 ||
        bin_len != crypto_sign_SECRETKEYBYTES)
        goto out;
    crypto_sign_ed25519_sk_to_pk(k->pk, k->sk);
    rc = 0;
out:
    sodium_memzero(line, sizeof line);
    close(fd);
    if (rc == 0)
        *out = k;
    else
        sos_key_destroy(&k);
    return rc;
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

void sos_hex(const uint8_t *p, size_t n, char *out)
{
    sodium_bin2hex(out, 2 * n + 1, p, n);
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
