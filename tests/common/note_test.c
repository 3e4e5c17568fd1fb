/* unit.common.note: C2SP signed notes and checkpoints, against the test
 * vector of Go's golang.org/x/mod/sumdb/note (the key "PeterNeumann", id
 * c74f20a3), and every way a note, a key or a checkpoint can be mangled. */
#include "testutil.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "note.h"
#include "sign.h"

/* Go's note_test.go: the signer key "PRIVATE+KEY+PeterNeumann+c74f20a3+"
 * "AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz" holds 0x01 || seed. */
#define PETER_SKEY_B64 "AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz"
#define PETER_VKEY "PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW"
#define PETER_TEXT                                                                                 \
    "If you think cryptography is the answer to your problem,\n"                                   \
    "then you don't know what your problem is.\n"
#define PETER_SIG                                                                                  \
    "\xe2\x80\x94 PeterNeumann "                                                                   \
    "x08go/ZJkuBS9UG/"                                                                             \
    "SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM=\n"
#define ENOCH_VKEY "EnochRoot+af0cfe78+ATtqJ7zOtqQtYqOo0CpvDXNlMhV3HeJDpjrASKGLWdop"
#define ENOCH_SIG                                                                                  \
    "\xe2\x80\x94 EnochRoot "                                                                      \
    "rwz+eBzmZa0SO3NbfRGzPCpDckykFXSdeX+MNtCOXm2/"                                                 \
    "5n2tiOHp+vAF1aGrQ5ovTG01oOTGwnWLox33WWd1RvMc+QQ=\n"

static sos_key *s_peter(void)
{
    uint8_t raw[40];
    size_t n;
    sos_key *k = NULL;
    assert_int_equal(sos_unbase64(PETER_SKEY_B64, raw, sizeof raw, &n), 0);
    assert_int_equal(n, 33);
    assert_int_equal(raw[0], 0x01);
    assert_int_equal(sos_key_from_seed(raw + 1, &k), 0);
    return k;
}

static int s_open(const char *msg, const char *vkey, size_t *text_len)
{
    char name[64];
    uint8_t pk[SOS_PK_BYTES];
    assert_int_equal(sos_note_vkey_parse(vkey, name, sizeof name, pk), 0);
    return sos_note_open((const uint8_t *)msg, strlen(msg), name, pk, text_len);
}

static void test_go_vector(void **state)
{
    (void)state;
    sos_key *k = s_peter();
    sos_buf b = SOS_BUF_INIT;
    char name[64];
    uint8_t pk[SOS_PK_BYTES];
    /* the key, its id and its verifier key */
    assert_int_equal(sos_note_key_id("PeterNeumann", sos_key_public(k)), 0xc74f20a3u);
    assert_int_equal(sos_note_vkey("PeterNeumann", sos_key_public(k), &b), 0);
    sos_buf_append(&b, "", 1);
    assert_string_equal((char *)b.data, PETER_VKEY);
    assert_int_equal(sos_note_vkey_parse(PETER_VKEY, name, sizeof name, pk), 0);
    assert_string_equal(name, "PeterNeumann");
    assert_memory_equal(pk, sos_key_public(k), SOS_PK_BYTES);
    /* the signed note, byte for byte (Ed25519 is deterministic) */
    sos_buf_reset(&b);
    assert_int_equal(
        sos_note_sign((const uint8_t *)PETER_TEXT, strlen(PETER_TEXT), "PeterNeumann", k, &b), 0);
    sos_buf_append(&b, "", 1);
    assert_string_equal((char *)b.data, PETER_TEXT "\n" PETER_SIG);
    size_t tl;
    assert_int_equal(s_open((char *)b.data, PETER_VKEY, &tl), SOS_NOTE_OK);
    assert_int_equal(tl, strlen(PETER_TEXT));
    sos_buf_free(&b);
    sos_key_destroy(&k);
}

static void test_open(void **state)
{
    (void)state;
    size_t tl;
    const char *both = PETER_TEXT "\n" PETER_SIG ENOCH_SIG;
    assert_int_equal(s_open(both, PETER_VKEY, &tl), SOS_NOTE_OK);
    assert_int_equal(tl, strlen(PETER_TEXT));
    assert_int_equal(s_open(both, ENOCH_VKEY, &tl), SOS_NOTE_OK);
    /* signed only by another key */
    assert_int_equal(s_open(PETER_TEXT "\n" ENOCH_SIG, PETER_VKEY, &tl), SOS_NOTE_UNSIGNED);
    assert_int_equal(tl, 0);
    /* a changed text, or a changed signature, by the key asked for */
    assert_int_equal(s_open("If you think cryptography is the answer to your problem,\n"
                            "then you don't know what your problem was.\n\n" PETER_SIG,
                            PETER_VKEY, &tl),
                     SOS_NOTE_FORGED);
    char *bad = strdup(PETER_TEXT "\n" PETER_SIG);
    char *sig = strstr(bad, "x08go") + 40;
    *sig = *sig == 'A' ? 'B' : 'A';
    assert_int_equal(s_open(bad, PETER_VKEY, &tl), SOS_NOTE_FORGED);
    free(bad);
    /* Go's malformed notes */
    const char *malformed[] = {
        PETER_TEXT,
        PETER_TEXT "\n",
        PETER_TEXT
        "\n\xe2\x80\x94 PeterNeumann "
        "x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6K"
        "E6RyyBwJnAM=",
        "\x01" PETER_TEXT "\n" PETER_SIG,
        "\xff" PETER_TEXT "\n" PETER_SIG,
        PETER_TEXT
        "\n\xe2\x80\x94 Bad Name "
        "x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6K"
        "E6RyyBwJnAM=\n",
        PETER_TEXT "\n" PETER_SIG "Unexpected line.\n",
    };
    for (size_t i = 0; i < sizeof malformed / sizeof *malformed; i++)
        assert_int_equal(s_open(malformed[i], PETER_VKEY, &tl), SOS_NOTE_MALFORMED);
    /* an empty line is a text too, which the signature is not over */
    assert_int_equal(s_open("\n\n" PETER_SIG, PETER_VKEY, &tl), SOS_NOTE_FORGED);
    /* at most SOS_NOTE_MAX_SIGS signature lines */
    sos_buf b = SOS_BUF_INIT;
    sos_buf_append(&b, PETER_TEXT "\n", strlen(PETER_TEXT) + 1);
    for (int i = 0; i < SOS_NOTE_MAX_SIGS; i++)
        sos_buf_append(&b, PETER_SIG, strlen(PETER_SIG));
    sos_buf_append(&b, "", 1);
    assert_int_equal(s_open((char *)b.data, PETER_VKEY, &tl), SOS_NOTE_OK);
    b.len--;
    sos_buf_append(&b, PETER_SIG, strlen(PETER_SIG) + 1);
    assert_int_equal(s_open((char *)b.data, PETER_VKEY, &tl), SOS_NOTE_MALFORMED);
    sos_buf_free(&b);
}

/* Go's TestNewVerifier: every part of the key, and the key with any one
 * byte changed, is refused. */
static void test_vkey_mangled(void **state)
{
    (void)state;
    char key[] = PETER_VKEY, part[sizeof key], name[64];
    uint8_t pk[SOS_PK_BYTES];
    size_t n = strlen(key);
    for (size_t i = 0; i <= n; i++)
        for (size_t j = i + 1; j <= n; j++) {
            if (i == 0 && j == n)
                continue;
            memcpy(part, key + i, j - i);
            part[j - i] = '\0';
            assert_int_equal(sos_note_vkey_parse(part, name, sizeof name, pk), SOS_NOTE_MALFORMED);
        }
    for (size_t i = 0; i < n; i++) {
        key[i]++;
        assert_int_equal(sos_note_vkey_parse(key, name, sizeof name, pk), SOS_NOTE_MALFORMED);
        key[i]--;
    }
    assert_int_equal(sos_note_vkey_parse(key, name, sizeof name, pk), SOS_NOTE_OK);
    /* a wrong-length key and an unknown algorithm, each with the id made to match */
    assert_int_equal(
        sos_note_vkey_parse(
            "PeterNeumann+cc469956+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TWBADKEY==", name,
            sizeof name, pk),
        SOS_NOTE_MALFORMED);
    assert_int_equal(
        sos_note_vkey_parse("PeterNeumann+173116ae+ZRpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW",
                            name, sizeof name, pk),
        SOS_NOTE_MALFORMED);
    /* names */
    assert_int_equal(sos_note_name_check("shiporskip.example/log"), SOS_NOTE_OK);
    assert_int_equal(sos_note_name_check(""), SOS_NOTE_MALFORMED);
    assert_int_equal(sos_note_name_check("a b"), SOS_NOTE_MALFORMED);
    assert_int_equal(sos_note_name_check("a+b"), SOS_NOTE_MALFORMED);
}

static void test_checkpoint(void **state)
{
    (void)state;
    uint8_t root[SOS_SHA256_BYTES], got[SOS_SHA256_BYTES];
    char origin[64];
    uint64_t size;
    sos_buf b = SOS_BUF_INIT;
    for (size_t i = 0; i < sizeof root; i++)
        root[i] = (uint8_t)(i * 9);
    assert_int_equal(
        sos_checkpoint_text("shiporskip.example/log", 18446744073709551615ull, root, &b), 0);
    sos_buf_append(&b, "", 1);
    assert_string_equal((char *)b.data, "shiporskip.example/log\n18446744073709551615\n"
                                        "AAkSGyQtNj9IUVpjbHV+h5CZoqu0vcbP2OHq8/wFDhc=\n");
    assert_int_equal(sos_checkpoint_parse(b.data, b.len - 1, origin, sizeof origin, &size, got), 0);
    assert_string_equal(origin, "shiporskip.example/log");
    assert_true(size == 18446744073709551615ull);
    assert_memory_equal(got, root, sizeof root);
    /* an extension line is skipped */
    const char *ext = "o\n7\nAAkSGyQtNj9IUVpjbHV+h5CZoqu0vcbP2OHq8/wFDhc=\nextra line\n";
    assert_int_equal(
        sos_checkpoint_parse((const uint8_t *)ext, strlen(ext), origin, sizeof origin, &size, got),
        0);
    assert_true(size == 7);
    const char *bad[] = {
        "o\n07\nAAkSGyQtNj9IUVpjbHV+h5CZoqu0vcbP2OHq8/wFDhc=\n",
        "o\n18446744073709551616\nAAkSGyQtNj9IUVpjbHV+h5CZoqu0vcbP2OHq8/wFDhc=\n",
        "o\n-1\nAAkSGyQtNj9IUVpjbHV+h5CZoqu0vcbP2OHq8/wFDhc=\n",
        "o\n\nAAkSGyQtNj9IUVpjbHV+h5CZoqu0vcbP2OHq8/wFDhc=\n",
        "\n7\nAAkSGyQtNj9IUVpjbHV+h5CZoqu0vcbP2OHq8/wFDhc=\n",
        "o\n7\nAAkSGyQtNj9IUVpjbHV+h5CZoqu0vcbP2OHq8/wFDg==\n", /* 31 bytes */
        "o\n7\nAAkSGyQtNj9IUVpjbHV+h5CZoqu0vcbP2OHq8/wFDhc=",   /* no final newline */
        "o\n7\n",
    };
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++)
        assert_int_equal(sos_checkpoint_parse((const uint8_t *)bad[i], strlen(bad[i]), origin,
                                              sizeof origin, &size, got),
                         SOS_NOTE_MALFORMED);
    sos_buf_free(&b);
}

int main(void)
{
    if (sos_sign_init() != 0) {
        fprintf(stderr, "sos_sign_init failed\n");
        return 1;
    }
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_go_vector),
        cmocka_unit_test(test_open),
        cmocka_unit_test(test_vkey_mangled),
        cmocka_unit_test(test_checkpoint),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
