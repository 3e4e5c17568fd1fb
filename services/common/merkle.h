/* merkle: the transparency log's Merkle tree (RFC 9162 section 2.1).
 *
 * Leaves are hashed SHA-256(0x00 || leaf), inner nodes SHA-256(0x01 ||
 * left || right), and a tree of n leaves splits at the largest power of
 * two below n, exactly as RFC 6962/9162 define MTH. Proofs are in RFC 9162
 * order: from the leaf (or the old tree) up.
 *
 * A log keeps its tree as "stored hashes", as Go's sumdb/tlog and the
 * C2SP tlog-tiles layout do: (level L, index i) is the hash of the complete
 * subtree over leaves [i * 2^L, (i + 1) * 2^L), level 0 being the leaf
 * hashes. Appending a leaf completes a few of them (sos_merkle_append),
 * never changes one, and every root and proof of any size up to the
 * log's is made from them, read through the caller's sos_merkle_reader
 * (an LMDB table, an array in a test, the tiles of a rendered site).
 * Pure functions: no allocation, no I/O but the reader's. */
#ifndef SOS_MERKLE_H
#define SOS_MERKLE_H

#include <stddef.h>
#include <stdint.h>

#define SOS_MERKLE_HASH 32
/* No proof or append is longer than one hash per level of a 2^64 tree. */
#define SOS_MERKLE_MAX_PATH 64

/* Puts the stored hash (level, index) into out: 0, or a negative code of
 * the caller's, which the function that called it returns as is. */
typedef int (*sos_merkle_reader)(void *ctx, unsigned level, uint64_t index,
                                 uint8_t out[SOS_MERKLE_HASH]);

enum {
    SOS_MERKLE_OK = 0,
    SOS_MERKLE_RANGE = -40, /* an index or size outside the tree, or sizes in the wrong order */
    SOS_MERKLE_PROOF = -41, /* a proof that does not prove what it is checked against */
};

/* RFC 9162's leaf hash, SHA-256(0x00 || data). */
void sos_merkle_leaf(const uint8_t *data, size_t n, uint8_t out[SOS_MERKLE_HASH]);
/* RFC 9162's inner node, SHA-256(0x01 || left || right). */
void sos_merkle_node(const uint8_t left[SOS_MERKLE_HASH], const uint8_t right[SOS_MERKLE_HASH],
                     uint8_t out[SOS_MERKLE_HASH]);

/* The stored hashes that appending leaf number n (the tree had n leaves)
 * completes, to store beside the others: (0, n) = leaf, then (L, n >> L)
 * for L = 1, 2, ... while the low L bits of n are all ones. Fills
 * hashes[k] with the hash of level k (index n >> k) and *count with
 * 1 + the number of trailing one bits of n. Reads (L - 1, (n >> (L - 1)) - 1),
 * the left siblings. 0 or the reader's code. */
int sos_merkle_append(uint64_t n, const uint8_t leaf[SOS_MERKLE_HASH], sos_merkle_reader rd,
                      void *ctx, uint8_t hashes[SOS_MERKLE_MAX_PATH][SOS_MERKLE_HASH],
                      size_t *count) __attribute__((warn_unused_result));

/* The root of the tree of the first size leaves (size >= 1; the empty
 * tree's root is SHA-256 of nothing, sos_merkle_empty). */
int sos_merkle_root(uint64_t size, sos_merkle_reader rd, void *ctx, uint8_t out[SOS_MERKLE_HASH])
    __attribute__((warn_unused_result));
void sos_merkle_empty(uint8_t out[SOS_MERKLE_HASH]);

/* RFC 9162 2.1.3.1: the inclusion proof of leaf index in the tree of size
 * leaves (index < size). Fills path, *len hashes. */
int sos_merkle_prove_inclusion(uint64_t index, uint64_t size, sos_merkle_reader rd, void *ctx,
                               uint8_t path[SOS_MERKLE_MAX_PATH][SOS_MERKLE_HASH], size_t *len)
    __attribute__((warn_unused_result));
/* RFC 9162 2.1.4.1: the consistency proof from the tree of old_size
 * leaves to the one of new_size (0 < old_size <= new_size; empty when
 * they are equal). */
int sos_merkle_prove_consistency(uint64_t old_size, uint64_t new_size, sos_merkle_reader rd,
                                 void *ctx, uint8_t path[SOS_MERKLE_MAX_PATH][SOS_MERKLE_HASH],
                                 size_t *len) __attribute__((warn_unused_result));

/* RFC 9162 2.1.3.2: SOS_MERKLE_OK when path proves that leaf (a leaf
 * hash) is number index of the tree of size leaves whose root is root;
 * SOS_MERKLE_RANGE when index >= size, else SOS_MERKLE_PROOF. */
int sos_merkle_check_inclusion(uint64_t index, uint64_t size, const uint8_t leaf[SOS_MERKLE_HASH],
                               const uint8_t (*path)[SOS_MERKLE_HASH], size_t len,
                               const uint8_t root[SOS_MERKLE_HASH])
    __attribute__((warn_unused_result));
/* RFC 9162 2.1.4.2: SOS_MERKLE_OK when path proves that the tree of
 * old_size leaves with root old_root is a prefix of the one of new_size
 * with new_root (equal sizes: an empty path and equal roots);
 * SOS_MERKLE_RANGE when old_size is 0 or above new_size. */
int sos_merkle_check_consistency(uint64_t old_size, uint64_t new_size,
                                 const uint8_t old_root[SOS_MERKLE_HASH],
                                 const uint8_t new_root[SOS_MERKLE_HASH],
                                 const uint8_t (*path)[SOS_MERKLE_HASH], size_t len)
    __attribute__((warn_unused_result));

#endif
