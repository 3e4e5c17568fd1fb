/* unit.common.sign: keys, signatures, hashes, hex, base64. */
#include "testutil.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/stat.h>
#include <unistd.h>

#include "sign.h"

typedef struct {
    char dir[64];
    sos_key *a, *b;
} fx;

static int s_setup(void **state)
{
    fx *f = calloc(1, sizeof *f);
    assert_non_null(f);
    tu_tmpdir(f->dir);
    assert_int_equal(sos_key_generate(&f->a), 0);
    assert_int_equal(sos_key_generate(&f->b), 0);
    *state = f;
    return 0;
}

static int s_teardown(void **state)
{
    fx *f = *state;
    sos_key_destroy(&f->a);
    sos_key_destroy(&f->b);
    tu_rmrf(f->dir);
    free(f);
    return 0;
}

static void s_path(const fx *f, const char *name, char *out, size_t n)
{
    snprintf(out, n, "%s/%s", f->dir, name);
}

static void s_write_file(const char *path, const char *text, mode_t mode)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, mode);
    assert_true(fd >= 0);
    assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
    close(fd);
    assert_int_equal(chmod(path, mode), 0);
}

static void test_generate(void **state)
{
    fx *f = *state;
    static const uint8_t zero[SOS_PK_BYTES] = {0};
    assert_non_null(sos_key_public(f->a));
    assert_memory_not_equal(sos_key_public(f->a), zero, SOS_PK_BYTES);
    assert_memory_not_equal(sos_key_public(f->a), sos_key_public(f->b), SOS_PK_BYTES);
    sos_key *k = f->a;
    sos_key_destroy(&k);
    assert_null(k);
    f->a = NULL;
    sos_key_destroy(&k); /* NULL is fine */
    assert_int_equal(sos_key_generate(&f->a), 0);
}

enum { T_NONE, T_PAYLOAD, T_SIG, T_DOMAIN, T_KEY, T_TRUNCATE };

static void test_sign_verify_table(void **state)
{
    fx *f = *state;
    static const struct {
        const char *name;
        int tamper;
        size_t at;
        int want;
    } cases[] = {
        {"round trip", T_NONE, 0, 0},
        {"first payload byte", T_PAYLOAD, 0, -1},
        {"last payload byte", T_PAYLOAD, 31, -1},
        {"first signature byte", T_SIG, 0, -1},
        {"last signature byte", T_SIG, SOS_SIG_BYTES - 1, -1},
        {"other domain tag", T_DOMAIN, 0, -1},
        {"other key", T_KEY, 0, -1},
        {"payload one byte shorter", T_TRUNCATE, 0, -1},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        uint8_t payload[32], sig[SOS_SIG_BYTES];
        for (size_t j = 0; j < sizeof payload; j++)
            payload[j] = (uint8_t)(j * 7 + 1);
        sos_sign(f->a, SOS_DOMAIN_TAKE, payload, sizeof payload, sig);
        const uint8_t *pk = sos_key_public(f->a);
        const char *domain = SOS_DOMAIN_TAKE;
        size_t n = sizeof payload;
        switch (cases[i].tamper) {
        case T_PAYLOAD: payload[cases[i].at] ^= 0x01; break;
        case T_SIG: sig[cases[i].at] ^= 0x80; break;
        case T_DOMAIN: domain = SOS_DOMAIN_VERDICT; break;
        case T_KEY: pk = sos_key_public(f->b); break;
        case T_TRUNCATE: n--; break;
        default: break;
        }
        int rc = sos_verify(pk, domain, payload, n, sig);
        if (rc != cases[i].want)
            fail_msg("case \"%s\": verify returned %d, want %d", cases[i].name, rc, cases[i].want);
    }
}

static void test_domain_separation(void **state)
{
    fx *f = *state;
    /* moving a byte between domain and payload changes what is signed:
     * "dom" NUL "ab" is not "doma" NUL "b" */
    uint8_t sig[SOS_SIG_BYTES];
    const uint8_t p1[] = {'a', 'b'};
    sos_sign(f->a, "dom", p1, sizeof p1, sig);
    assert_int_equal(sos_verify(sos_key_public(f->a), "dom", p1, sizeof p1, sig), 0);
    assert_int_equal(sos_verify(sos_key_public(f->a), "doma", p1 + 1, 1, sig), -1);
    /* an empty payload signs and verifies */
    sos_sign(f->a, SOS_DOMAIN_VERDICT, NULL, 0, sig);
    assert_int_equal(sos_verify(sos_key_public(f->a), SOS_DOMAIN_VERDICT, NULL, 0, sig), 0);
    assert_int_equal(sos_verify(sos_key_public(f->a), SOS_DOMAIN_TAKE, NULL, 0, sig), -1);
}

static void test_key_save_load(void **state)
{
    fx *f = *state;
    char path[128], pub[160], text[256];
    struct stat st;
    s_path(f, "reviewer.key", path, sizeof path);
    assert_int_equal(sos_key_save(f->a, path), 0);
    assert_int_equal(stat(path, &st), 0);
    assert_int_equal(st.st_mode & 0777, 0600);

    snprintf(pub, sizeof pub, "%s.pub", path);
    FILE *fp = fopen(pub, "r");
    assert_non_null(fp);
    assert_non_null(fgets(text, sizeof text, fp));
    fclose(fp);
    assert_int_equal(strlen(text), 2 * SOS_PK_BYTES + 1);
    assert_int_equal(text[2 * SOS_PK_BYTES], '\n');
    text[2 * SOS_PK_BYTES] = '\0';
    assert_int_equal(strspn(text, "0123456789abcdef"), 2 * SOS_PK_BYTES);
    uint8_t pk[SOS_PK_BYTES];
    assert_int_equal(sos_unhex(text, pk, sizeof pk), 0);
    assert_memory_equal(pk, sos_key_public(f->a), SOS_PK_BYTES);

    /* an existing key file is never replaced */
    assert_int_equal(sos_key_save(f->b, path), -1);
    assert_int_equal(errno, EEXIST);

    sos_key *k = NULL;
    assert_int_equal(sos_key_load(path, &k), 0);
    assert_non_null(k);
    assert_memory_equal(sos_key_public(k), sos_key_public(f->a), SOS_PK_BYTES);
    uint8_t sig[SOS_SIG_BYTES];
    const uint8_t msg[] = "signed by the loaded key";
    sos_sign(k, SOS_DOMAIN_TAKE, msg, sizeof msg, sig);
    assert_int_equal(sos_verify(sos_key_public(f->a), SOS_DOMAIN_TAKE, msg, sizeof msg, sig), 0);
    sos_key_destroy(&k);
}

static void test_key_load_refusals(void **state)
{
    fx *f = *state;
    char path[128], good[128];
    sos_key *k = NULL;
    s_path(f, "good.key", good, sizeof good);
    assert_int_equal(sos_key_save(f->a, good), 0);

    /* the same good key with a mode that lets others read it */
    static const mode_t modes[] = {0644, 0640, 0604, 0660};
    for (size_t i = 0; i < sizeof modes / sizeof modes[0]; i++) {
        assert_int_equal(chmod(good, modes[i]), 0);
        k = NULL;
        assert_int_equal(sos_key_load(good, &k), -2);
        assert_null(k);
    }
    assert_int_equal(chmod(good, 0600), 0);
    assert_int_equal(sos_key_load(good, &k), 0);
    sos_key_destroy(&k);

    static const char *const garbage[] = {
        "",
        "garbage\n",
        "shiporskip-ed25519-secret \n",
        "shiporskip-ed25519-secret 0123456789abcdef\n", /* truncated */
        "shiporskip-ed25519-secret zz23456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
        "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef\n",
        "shiporskip-ed25519-public 0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
        "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef\n",
    };
    for (size_t i = 0; i < sizeof garbage / sizeof garbage[0]; i++) {
        snprintf(path, sizeof path, "%s/garbage-%zu.key", f->dir, i);
        s_write_file(path, garbage[i], 0600);
        k = NULL;
        int rc = sos_key_load(path, &k);
        if (rc != -1)
            fail_msg("garbage %zu: load returned %d, want -1", i, rc);
        assert_null(k);
    }
    s_path(f, "missing.key", path, sizeof path);
    assert_int_equal(sos_key_load(path, &k), -1);
}

static void test_key_load_or_create(void **state)
{
    fx *f = *state;
    char path[128];
    sos_key *k1 = NULL, *k2 = NULL;
    s_path(f, "agg.key", path, sizeof path);
    assert_int_equal(sos_key_load_or_create(path, &k1), 0);
    assert_int_equal(access(path, F_OK), 0);
    assert_int_equal(sos_key_load_or_create(path, &k2), 0);
    assert_memory_equal(sos_key_public(k1), sos_key_public(k2), SOS_PK_BYTES);
    sos_key_destroy(&k1);
    sos_key_destroy(&k2);
    assert_int_equal(chmod(path, 0644), 0);
    assert_int_not_equal(sos_key_load_or_create(path, &k1), 0);
    assert_null(k1);
}

/* community's voter key: made 0600 with no .pub, the same key on reload,
 * refused when others may read it or when it is another kind of key; the
 * keyed hash depends on the key and is not the plain hash. */
static void test_mac_key(void **state)
{
    fx *f = *state;
    char path[128], pub[140], kpath[128];
    sos_mac_key *k1 = NULL, *k2 = NULL;
    uint8_t h1[SOS_HASH_BYTES], h2[SOS_HASH_BYTES], plain[SOS_HASH_BYTES];
    struct stat st;
    s_path(f, "community.voter.key", path, sizeof path);
    assert_int_equal(sos_mac_key_load_or_create(path, &k1), 0);
    assert_int_equal(stat(path, &st), 0);
    assert_int_equal(st.st_mode & 0777, 0600);
    snprintf(pub, sizeof pub, "%s.pub", path);
    assert_int_not_equal(access(pub, F_OK), 0);
    assert_int_equal(sos_mac_key_load_or_create(path, &k2), 0);
    sos_mac(k1, "token", 5, h1);
    sos_mac(k2, "token", 5, h2);
    assert_memory_equal(h1, h2, sizeof h1);
    sos_hash("token", 5, plain);
    assert_memory_not_equal(h1, plain, sizeof h1);
    sos_mac_key_destroy(&k2);
    uint8_t raw[SOS_MAC_KEY_BYTES] = {1};
    assert_int_equal(sos_mac_key_from_bytes(raw, &k2), 0);
    sos_mac(k2, "token", 5, h2);
    assert_memory_not_equal(h1, h2, sizeof h1);
    sos_mac_key_destroy(&k1);
    sos_mac_key_destroy(&k2);
    assert_null(k1);
    assert_int_equal(chmod(path, 0644), 0);
    assert_int_equal(sos_mac_key_load_or_create(path, &k1), -2);
    assert_null(k1);
    /* a signing key file is not a voter key */
    s_path(f, "sign.key", kpath, sizeof kpath);
    assert_int_equal(sos_key_save(f->a, kpath), 0);
    assert_int_equal(sos_mac_key_load_or_create(kpath, &k1), -1);
    assert_null(k1);
}

static void test_hex(void **state)
{
    (void)state;
    static const uint8_t bin[] = {0x00, 0x01, 0x7f, 0x80, 0xab, 0xcd, 0xef, 0xff};
    char hex[2 * sizeof bin + 1];
    uint8_t back[sizeof bin];
    sos_hex(bin, sizeof bin, hex);
    assert_string_equal(hex, "00017f80abcdefff");
    assert_int_equal(sos_unhex(hex, back, sizeof back), 0);
    assert_memory_equal(back, bin, sizeof bin);
    assert_int_equal(sos_unhex("00017F80ABCDEFFF", back, sizeof back), 0); /* upper case */
    assert_memory_equal(back, bin, sizeof bin);

    static const struct {
        const char *hex;
        size_t n;
    } bad[] = {{"0001", 3}, {"000102", 2}, {"zz", 1}, {"0g", 1}, {"", 1}, {"0 01", 2}};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        if (sos_unhex(bad[i].hex, back, bad[i].n) != -1)
            fail_msg("unhex(\"%s\", %zu) accepted", bad[i].hex, bad[i].n);
    }
    char empty[1];
    sos_hex(bin, 0, empty);
    assert_string_equal(empty, "");
}

/* RFC 4648's test vectors both ways, then what the decoder must refuse:
 * the site's payloads are read back only in the one canonical form. */
static void test_base64(void **state)
{
    (void)state;
    static const struct {
        const char *bin, *b64;
    } good[] = {
        {"", ""},
        {"f", "Zg=="},
        {"fo", "Zm8="},
        {"foo", "Zm9v"},
        {"foob", "Zm9vYg=="},
        {"fooba", "Zm9vYmE="},
        {"foobar", "Zm9vYmFy"},
        {"\xfb\xff\xbf", "+/+/"}, /* the "+/" alphabet */
    };
    for (size_t i = 0; i < sizeof good / sizeof good[0]; i++) {
        size_t n = strlen(good[i].bin), got = 99;
        char b64[SOS_BASE64_LEN(8)];
        uint8_t back[8];
        sos_base64((const uint8_t *)good[i].bin, n, b64);
        assert_string_equal(b64, good[i].b64);
        assert_int_equal(strlen(b64) + 1, SOS_BASE64_LEN(n));
        assert_int_equal(sos_unbase64(good[i].b64, back, sizeof back, &got), 0);
        assert_int_equal(got, n);
        assert_memory_equal(back, good[i].bin, n);
    }
    static const char *const bad[] = {
        "Zg",        /* padding missing */
        "Zg=",       /* padding short */
        "Zg===",     /* padding long */
        "Zh==",      /* non-zero bits after the last byte */
        "Zm9=",      /* the same, one byte short */
        "Z===",      /* one character: not a byte */
        "=",         /* padding alone */
        "Zg==Zg==",  /* padding in the middle */
        "Zm9v\n",    /* whitespace */
        " Zm9v",     /* whitespace */
        "Zm 9v",     /* whitespace */
        "-_-_",      /* URL-safe alphabet */
        "Zm9v!",     /* not base64 */
        "Zm9vYmFy=", /* padding after a full quantum */
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        uint8_t back[16];
        size_t got = 99;
        if (sos_unbase64(bad[i], back, sizeof back, &got) != -1)
            fail_msg("unbase64(\"%s\") accepted", bad[i]);
        assert_int_equal(got, 0);
    }
    uint8_t small[2];
    size_t got;
    assert_int_equal(sos_unbase64("Zm9v", small, sizeof small, &got), -1); /* cap too small */
}

static void test_hash(void **state)
{
    (void)state;
    uint8_t h1[SOS_HASH_BYTES + 1], h2[SOS_HASH_BYTES + 1], want[SOS_HASH_BYTES];
    memset(h1, 0xee, sizeof h1);
    memset(h2, 0xee, sizeof h2);
    sos_hash("abc", 3, h1);
    sos_hash("abc", 3, h2);
    assert_memory_equal(h1, h2, SOS_HASH_BYTES);
    assert_int_equal(h1[SOS_HASH_BYTES], 0xee); /* exactly 32 bytes written */
    /* BLAKE2b-256 test vectors */
    assert_int_equal(sos_unhex("bddd813c634239723171ef3fee98579b94964e3bb1cb3e427262c8c068d52319",
                               want, sizeof want),
                     0);
    assert_memory_equal(h1, want, SOS_HASH_BYTES);
    sos_hash("", 0, h2);
    assert_int_equal(sos_unhex("0e5751c026e543b2e8ab2eb06099daa1d1e5df47778f7787faab45cdf12fe3a8",
                               want, sizeof want),
                     0);
    assert_memory_equal(h2, want, SOS_HASH_BYTES);
    sos_hash("abd", 3, h2);
    assert_memory_not_equal(h1, h2, SOS_HASH_BYTES);
}

static void test_random(void **state)
{
    (void)state;
    uint8_t a[32], b[32];
    memset(a, 0, sizeof a);
    memset(b, 0, sizeof b);
    sos_random(a, sizeof a);
    sos_random(b, sizeof b);
    assert_memory_not_equal(a, b, sizeof a);
}

/* sos_id_new: the first 6 bytes are now's Unix milliseconds, so ids sort
 * by time; the other 10 differ from id to id. */
static void test_id_new(void **state)
{
    (void)state;
    uint8_t a[SOS_ID_BYTES], b[SOS_ID_BYTES];
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    uint64_t before = (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
    sos_id_new(a);
    uint64_t ms = 0;
    for (int i = 0; i < 6; i++)
        ms = ms << 8 | a[i];
    assert_true(ms >= before && ms < before + 60000);
    struct timespec pause = {0, 3 * 1000 * 1000};
    nanosleep(&pause, NULL);
    sos_id_new(b);
    assert_true(memcmp(a, b, SOS_ID_BYTES) < 0); /* later sorts after */
    for (int i = 0; i < 100; i++) {
        sos_id_new(b);
        assert_memory_not_equal(a + 6, b + 6, SOS_ID_BYTES - 6);
    }
}

int main(void)
{
    if (sos_sign_init() != 0) {
        fprintf(stderr, "sos_sign_init failed\n");
        return 1;
    }
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_generate, s_setup, s_teardown),
        cmocka_unit_test_setup_teardown(test_sign_verify_table, s_setup, s_teardown),
        cmocka_unit_test_setup_teardown(test_domain_separation, s_setup, s_teardown),
        cmocka_unit_test_setup_teardown(test_key_save_load, s_setup, s_teardown),
        cmocka_unit_test_setup_teardown(test_key_load_refusals, s_setup, s_teardown),
        cmocka_unit_test_setup_teardown(test_key_load_or_create, s_setup, s_teardown),
        cmocka_unit_test_setup_teardown(test_mac_key, s_setup, s_teardown),
        cmocka_unit_test(test_hex),
        cmocka_unit_test(test_base64),
        cmocka_unit_test(test_hash),
        cmocka_unit_test(test_random),
        cmocka_unit_test(test_id_new),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
