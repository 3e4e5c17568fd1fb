/* unit.common.merkle: RFC 9162's tree, proofs and their checks, against
 * the Certificate Transparency reference roots and proofs, and against a
 * naive recursive MTH over the leaves at every size from 1 to 300. */
#include "testutil.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "merkle.h"
#include "sign.h"

#define N_MAX 300
#define H SOS_MERKLE_HASH

/* A log held in memory: its stored hashes, by level, filled by
 * sos_merkle_append as a daemon's store would be. */
typedef struct {
    uint8_t leaf_data[N_MAX][4];
    uint8_t (*level[10])[H]; /* 2^9 > N_MAX */
    uint64_t size;
    int reads;
} s_log;

static int s_read(void *ctx, unsigned level, uint64_t index, uint8_t out[H])
{
    s_log *l = ctx;
    assert_true(level < 10);
    assert_true(((index + 1) << level) <= l->size); /* only complete subtrees are read */
    memcpy(out, l->level[level][index], H);
    l->reads++;
    return 0;
}

static void s_append(s_log *l, const uint8_t *data, size_t n)
{
    uint8_t leaf[H], hashes[SOS_MERKLE_MAX_PATH][H];
    size_t count;
    sos_merkle_leaf(data, n, leaf);
    assert_int_equal(sos_merkle_append(l->size, leaf, s_read, l, hashes, &count), 0);
    for (size_t k = 0; k < count; k++)
        memcpy(l->level[k][l->size >> k], hashes[k], H);
    l->size++;
}

static s_log *s_log_new(void)
{
    s_log *l = calloc(1, sizeof *l);
    assert_non_null(l);
    for (int k = 0; k < 10; k++)
        assert_non_null(l->level[k] = calloc(N_MAX, H));
    return l;
}

static void s_log_free(s_log *l)
{
    for (int k = 0; k < 10; k++)
        free(l->level[k]);
    free(l);
}

/* MTH(D[lo:hi]) straight from RFC 9162 2.1.1, over the leaf data. */
static void s_naive(const s_log *l, uint64_t lo, uint64_t hi, uint8_t out[H])
{
    if (hi - lo == 1) {
        sos_merkle_leaf(l->leaf_data[lo], 4, out);
        return;
    }
    uint64_t k = 1;
    while (k * 2 < hi - lo)
        k *= 2;
    uint8_t a[H], b[H];
    s_naive(l, lo, lo + k, a);
    s_naive(l, lo + k, hi, b);
    sos_merkle_node(a, b, out);
}

static void s_unhex(const char *hex, uint8_t *out)
{
    assert_int_equal(sos_unhex(hex, out, strlen(hex) / 2), 0);
}

/* RFC 6962's test tree (Certificate Transparency's merkle_tree_test). */
static void test_reference_roots(void **state)
{
    (void)state;
    static const char *data[] = {"",
                                 "00",
                                 "10",
                                 "2021",
                                 "3031",
                                 "40414243",
                                 "5051525354555657",
                                 "606162636465666768696a6b6c6d6e6f"};
    static const char *roots[] = {
        "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
        "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
        "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
        "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
        "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
        "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
        "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
        "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328"};
    static const struct {
        uint64_t index;
        const char *path[3];
    } incl[] = {{0,
                 {"96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
                  "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
                  "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4"}},
                {5,
                 {"bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
                  "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
                  "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7"}}};
    s_log *l = s_log_new();
    uint8_t root[H], want[H], empty[H];
    sos_merkle_empty(empty);
    s_unhex("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855", want);
    assert_memory_equal(empty, want, H);
    for (size_t i = 0; i < 8; i++) {
        uint8_t d[16];
        size_t n = strlen(data[i]) / 2;
        if (n)
            s_unhex(data[i], d);
        s_append(l, d, n);
        assert_int_equal(sos_merkle_root(l->size, s_read, l, root), 0);
        s_unhex(roots[i], want);
        assert_memory_equal(root, want, H);
    }
    for (size_t t = 0; t < 2; t++) {
        uint8_t path[SOS_MERKLE_MAX_PATH][H], w[H];
        size_t len;
        assert_int_equal(sos_merkle_prove_inclusion(incl[t].index, 8, s_read, l, path, &len), 0);
        assert_int_equal(len, 3);
        for (size_t k = 0; k < 3; k++) {
            s_unhex(incl[t].path[k], w);
            assert_memory_equal(path[k], w, H);
        }
    }
    s_log_free(l);
}

/* Every root, every inclusion proof and every consistency proof of every
 * tree from 1 to N_MAX leaves, made from the stored hashes, against the
 * naive tree; and every proof with one bit flipped, or checked for
 * another leaf or size, fails. */
static void test_every_size(void **state)
{
    (void)state;
    s_log *l = s_log_new();
    static uint8_t roots[N_MAX + 1][H];
    for (uint64_t n = 1; n <= N_MAX; n++) {
        uint8_t d[4] = {(uint8_t)n, (uint8_t)(n >> 8), 0x5a, (uint8_t)(n * 7)};
        memcpy(l->leaf_data[n - 1], d, 4);
        s_append(l, d, 4);
        uint8_t want[H];
        s_naive(l, 0, n, want);
        assert_int_equal(sos_merkle_root(n, s_read, l, roots[n]), 0);
        assert_memory_equal(roots[n], want, H);
    }
    uint8_t path[SOS_MERKLE_MAX_PATH][H];
    size_t len;
    for (uint64_t n = 1; n <= N_MAX; n++) {
        for (uint64_t i = 0; i < n; i++) {
            uint8_t leaf[H];
            sos_merkle_leaf(l->leaf_data[i], 4, leaf);
            assert_int_equal(sos_merkle_prove_inclusion(i, n, s_read, l, path, &len), 0);
            assert_int_equal(
                sos_merkle_check_inclusion(i, n, leaf, (const uint8_t(*)[H])path, len, roots[n]),
                SOS_MERKLE_OK);
            if (n > 1) /* the same proof for another leaf fails */
                assert_int_not_equal(sos_merkle_check_inclusion((i + 1) % n, n, leaf,
                                                                (const uint8_t(*)[H])path, len,
                                                                roots[n]),
                                     SOS_MERKLE_OK);
            if (len) {
                size_t k = (size_t)(i % len);
                path[k][i % H] ^= 0x01;
                assert_int_equal(sos_merkle_check_inclusion(i, n, leaf, (const uint8_t(*)[H])path,
                                                            len, roots[n]),
                                 SOS_MERKLE_PROOF);
                path[k][i % H] ^= 0x01;
                /* a proof cut short or made longer fails */
                assert_int_equal(sos_merkle_check_inclusion(i, n, leaf, (const uint8_t(*)[H])path,
                                                            len - 1, roots[n]),
                                 SOS_MERKLE_PROOF);
            }
            assert_int_equal(sos_merkle_check_inclusion(i, n, leaf, (const uint8_t(*)[H])path,
                                                        len + 1, roots[n]),
                             SOS_MERKLE_PROOF);
        }
        assert_int_equal(sos_merkle_prove_inclusion(n, n, s_read, l, path, &len), SOS_MERKLE_RANGE);
    }
    for (uint64_t n = 1; n <= N_MAX; n++)
        for (uint64_t m = 1; m <= n; m++) {
            assert_int_equal(sos_merkle_prove_consistency(m, n, s_read, l, path, &len), 0);
            assert_int_equal(sos_merkle_check_consistency(m, n, roots[m], roots[n],
                                                          (const uint8_t(*)[H])path, len),
                             SOS_MERKLE_OK);
            if (m == n) {
                assert_int_equal(len, 0);
                continue;
            }
            /* another old root, or a flipped bit, fails */
            assert_int_equal(sos_merkle_check_consistency(m, n, roots[m == 1 ? 2 : m - 1], roots[n],
                                                          (const uint8_t(*)[H])path, len),
                             SOS_MERKLE_PROOF);
            size_t k = (size_t)((m + n) % len);
            path[k][(m * 3) % H] ^= 0x80;
            assert_int_equal(sos_merkle_check_consistency(m, n, roots[m], roots[n],
                                                          (const uint8_t(*)[H])path, len),
                             SOS_MERKLE_PROOF);
        }
    assert_int_equal(sos_merkle_prove_consistency(0, 5, s_read, l, path, &len), SOS_MERKLE_RANGE);
    assert_int_equal(sos_merkle_prove_consistency(6, 5, s_read, l, path, &len), SOS_MERKLE_RANGE);
    assert_int_equal(
        sos_merkle_check_consistency(6, 5, roots[6], roots[5], (const uint8_t(*)[H])path, 0),
        SOS_MERKLE_RANGE);
    s_log_free(l);
}

/* A proof reads O(log n) stored hashes, and append reads only left
 * siblings: the log never has to hold its leaves in memory. */
static void test_reads_are_logarithmic(void **state)
{
    (void)state;
    s_log *l = s_log_new();
    for (uint64_t n = 0; n < 256; n++) {
        uint8_t d[4] = {(uint8_t)n, 1, 2, 3};
        memcpy(l->leaf_data[n], d, 4);
        s_append(l, d, 4);
    }
    uint8_t path[SOS_MERKLE_MAX_PATH][H];
    size_t len;
    l->reads = 0;
    assert_int_equal(sos_merkle_prove_inclusion(77, 255, s_read, l, path, &len), 0);
    assert_true(l->reads <= 2 * 8 * 8);
    l->reads = 0;
    assert_int_equal(sos_merkle_prove_inclusion(77, 256, s_read, l, path, &len), 0);
    assert_int_equal(l->reads, 8); /* a full tree: one stored hash per level */
    s_log_free(l);
}

int main(void)
{
    if (sos_sign_init() != 0) {
        fprintf(stderr, "sos_sign_init failed\n");
        return 1;
    }
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_reference_roots),
        cmocka_unit_test(test_every_size),
        cmocka_unit_test(test_reads_are_logarithmic),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
