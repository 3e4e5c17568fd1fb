/* merkle: RFC 9162 section 2.1 over stored hashes (merkle.h). The proofs
 * follow the RFC's recursive definitions (PATH and SUBPROOF) over leaf
 * ranges [lo, hi); a range is always one the definitions make, so its
 * hash is one stored hash when its size is a power of two and otherwise
 * splits at the largest power of two below its size. */
#include "merkle.h"

#include <assert.h>
#include <string.h>

#include "sign.h"

_Static_assert(SOS_MERKLE_HASH == SOS_SHA256_BYTES, "hash size");

void sos_merkle_leaf(const uint8_t *data, size_t n, uint8_t out[SOS_MERKLE_HASH])
{
    static const uint8_t zero = 0x00;
    const sos_span parts[] = {{&zero, 1}, {data, n}};
    sos_sha256(parts, 2, out);
}

void sos_merkle_node(const uint8_t left[SOS_MERKLE_HASH], const uint8_t right[SOS_MERKLE_HASH],
                     uint8_t out[SOS_MERKLE_HASH])
{
    static const uint8_t one = 0x01;
    const sos_span parts[] = {{&one, 1}, {left, SOS_MERKLE_HASH}, {right, SOS_MERKLE_HASH}};
    sos_sha256(parts, 3, out);
}

void sos_merkle_empty(uint8_t out[SOS_MERKLE_HASH])
{
    sos_sha256(NULL, 0, out);
}

/* The largest power of two below n (n >= 2). */
static uint64_t s_split(uint64_t n)
{
    assert(n >= 2);
    return (uint64_t)1 << (63 - __builtin_clzll(n - 1));
}

static int s_is_pow2(uint64_t n)
{
    return n && (n & (n - 1)) == 0;
}

/* MTH(D[lo:hi]) for a range the RFC's definitions make (hi > lo). */
static int s_range(uint64_t lo, uint64_t hi, sos_merkle_reader rd, void *ctx,
                   uint8_t out[SOS_MERKLE_HASH])
{
    uint64_t n = hi - lo;
    assert(hi > lo);
    if (s_is_pow2(n)) {
        unsigned level = (unsigned)__builtin_ctzll(n);
        assert((lo & (n - 1)) == 0);
        return rd(ctx, level, lo >> level, out);
    }
    uint64_t k = s_split(n);
    uint8_t left[SOS_MERKLE_HASH], right[SOS_MERKLE_HASH];
    int rc = s_range(lo, lo + k, rd, ctx, left);
    if (rc == 0)
        rc = s_range(lo + k, hi, rd, ctx, right);
    if (rc == 0)
        sos_merkle_node(left, right, out);
    return rc;
}

int sos_merkle_append(uint64_t n, const uint8_t leaf[SOS_MERKLE_HASH], sos_merkle_reader rd,
                      void *ctx, uint8_t hashes[SOS_MERKLE_MAX_PATH][SOS_MERKLE_HASH],
                      size_t *count)
{
    size_t level = 1;
    memcpy(hashes[0], leaf, SOS_MERKLE_HASH);
    for (; level < SOS_MERKLE_MAX_PATH && ((n >> (level - 1)) & 1); level++) {
        uint8_t left[SOS_MERKLE_HASH];
        int rc = rd(ctx, (unsigned)(level - 1), (n >> (level - 1)) - 1, left);
        if (rc)
            return rc;
        sos_merkle_node(left, hashes[level - 1], hashes[level]);
    }
    *count = level;
    return SOS_MERKLE_OK;
}

int sos_merkle_root(uint64_t size, sos_merkle_reader rd, void *ctx, uint8_t out[SOS_MERKLE_HASH])
{
    if (size == 0)
        return SOS_MERKLE_RANGE;
    return s_range(0, size, rd, ctx, out);
}

typedef struct {
    sos_merkle_reader rd;
    void *ctx;
    uint8_t (*path)[SOS_MERKLE_HASH];
    size_t len;
} s_proof;

static int s_push(s_proof *p, uint64_t lo, uint64_t hi)
{
    assert(p->len < SOS_MERKLE_MAX_PATH);
    return s_range(lo, hi, p->rd, p->ctx, p->path[p->len++]);
}

/* PATH(m, D[lo:hi]) */
static int s_path(s_proof *p, uint64_t m, uint64_t lo, uint64_t hi)
{
    if (hi - lo == 1)
        return 0;
    uint64_t k = s_split(hi - lo);
    int rc;
    if (m < lo + k)
        rc = s_path(p, m, lo, lo + k);
    else
        rc = s_path(p, m, lo + k, hi);
    if (rc)
        return rc;
    return m < lo + k ? s_push(p, lo + k, hi) : s_push(p, lo, lo + k);
}

int sos_merkle_prove_inclusion(uint64_t index, uint64_t size, sos_merkle_reader rd, void *ctx,
                               uint8_t path[SOS_MERKLE_MAX_PATH][SOS_MERKLE_HASH], size_t *len)
{
    s_proof p = {rd, ctx, path, 0};
    *len = 0;
    if (index >= size)
        return SOS_MERKLE_RANGE;
    int rc = s_path(&p, index, 0, size);
    *len = rc ? 0 : p.len;
    return rc;
}

/* SUBPROOF(m, D[lo:hi], b), m the old tree's size (lo < m <= hi). */
static int s_subproof(s_proof *p, uint64_t m, uint64_t lo, uint64_t hi, int b)
{
    if (m == hi)
        return b ? 0 : s_push(p, lo, hi);
    uint64_t k = s_split(hi - lo);
    int rc;
    if (m <= lo + k) {
        if ((rc = s_subproof(p, m, lo, lo + k, b)))
            return rc;
        return s_push(p, lo + k, hi);
    }
    if ((rc = s_subproof(p, m, lo + k, hi, 0)))
        return rc;
    return s_push(p, lo, lo + k);
}

int sos_merkle_prove_consistency(uint64_t old_size, uint64_t new_size, sos_merkle_reader rd,
                                 void *ctx, uint8_t path[SOS_MERKLE_MAX_PATH][SOS_MERKLE_HASH],
                                 size_t *len)
{
    s_proof p = {rd, ctx, path, 0};
    *len = 0;
    if (old_size == 0 || old_size > new_size)
        return SOS_MERKLE_RANGE;
    int rc = s_subproof(&p, old_size, 0, new_size, 1);
    *len = rc ? 0 : p.len;
    return rc;
}

int sos_merkle_check_inclusion(uint64_t index, uint64_t size, const uint8_t leaf[SOS_MERKLE_HASH],
                               const uint8_t (*path)[SOS_MERKLE_HASH], size_t len,
                               const uint8_t root[SOS_MERKLE_HASH])
{
    if (index >= size)
        return SOS_MERKLE_RANGE;
    uint64_t fn = index, sn = size - 1;
    uint8_t r[SOS_MERKLE_HASH];
    memcpy(r, leaf, SOS_MERKLE_HASH);
    for (size_t i = 0; i < len; i++) {
        if (sn == 0)
            return SOS_MERKLE_PROOF;
        if ((fn & 1) || fn == sn) {
            sos_merkle_node(path[i], r, r);
            while (!(fn & 1) && fn != 0) {
                fn >>= 1;
                sn >>= 1;
            }
        } else {
            sos_merkle_node(r, path[i], r);
        }
        fn >>= 1;
        sn >>= 1;
    }
    return sn == 0 && memcmp(r, root, SOS_MERKLE_HASH) == 0 ? SOS_MERKLE_OK : SOS_MERKLE_PROOF;
}

int sos_merkle_check_consistency(uint64_t old_size, uint64_t new_size,
                                 const uint8_t old_root[SOS_MERKLE_HASH],
                                 const uint8_t new_root[SOS_MERKLE_HASH],
                                 const uint8_t (*path)[SOS_MERKLE_HASH], size_t len)
{
    if (old_size == 0 || old_size > new_size)
        return SOS_MERKLE_RANGE;
    if (old_size == new_size)
        return len == 0 && memcmp(old_root, new_root, SOS_MERKLE_HASH) == 0 ? SOS_MERKLE_OK
                                                                            : SOS_MERKLE_PROOF;
    if (len == 0)
        return SOS_MERKLE_PROOF;
    /* When old_size is a power of two its root is the first hash of the
     * proof, which the RFC leaves out of it. */
    size_t i = 0;
    const uint8_t *first = path[0];
    if (s_is_pow2(old_size))
        first = old_root;
    else
        i = 1;
    uint64_t fn = old_size - 1, sn = new_size - 1;
    while (fn & 1) {
        fn >>= 1;
        sn >>= 1;
    }
    uint8_t fr[SOS_MERKLE_HASH], sr[SOS_MERKLE_HASH];
    memcpy(fr, first, SOS_MERKLE_HASH);
    memcpy(sr, first, SOS_MERKLE_HASH);
    for (; i < len; i++) {
        if (sn == 0)
            return SOS_MERKLE_PROOF;
        if ((fn & 1) || fn == sn) {
            sos_merkle_node(path[i], fr, fr);
            sos_merkle_node(path[i], sr, sr);
            while (!(fn & 1) && fn != 0) {
                fn >>= 1;
                sn >>= 1;
            }
        } else {
            sos_merkle_node(sr, path[i], sr);
        }
        fn >>= 1;
        sn >>= 1;
    }
    return sn == 0 && memcmp(fr, old_root, SOS_MERKLE_HASH) == 0 &&
                   memcmp(sr, new_root, SOS_MERKLE_HASH) == 0
               ? SOS_MERKLE_OK
               : SOS_MERKLE_PROOF;
}
