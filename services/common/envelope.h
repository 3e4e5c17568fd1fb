/* envelope: the one place a Signed envelope is made and opened.
 *
 * A Signed { payload, signer, signature } carries an Ed25519 signature
 * (sign.h) over  domain || 0x00 || payload, where the kind's domain tag
 * names what the payload is, so a take's signature never passes for a
 * verdict's. sos_envelope_open applies the rules in this order, and no
 * caller reads a payload any other way:
 *
 *   1. shape      signer SOS_PK_BYTES, signature SOS_SIG_BYTES, a payload
 *                 of 1 to kind->max_payload bytes, no unknown fields in
 *                 the envelope;
 *   2. signature  over the exact payload bytes, before anything reads them
 *                 (never over a re-serialization: protobuf's encoding is
 *                 not canonical);
 *   3. decode     the payload is the kind's message, with no unknown
 *                 fields in it or in any message inside it;
 *   4. canonical  packing what was decoded gives the same bytes back.
 *                 protobuf-c keeps a string only up to a NUL inside it and
 *                 takes the last of a field given twice, so bytes hidden
 *                 that way would be signed, stored and published unread.
 *
 * The exact payload bytes are what gets stored and hashed (sos_hash). */
#ifndef SOS_ENVELOPE_H
#define SOS_ENVELOPE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "sign.h"
#include "sos.pb-c.h"

/* What an envelope holds: its domain tag, its payload's message and size
 * limit, and the word used for it in messages ("take"). */
typedef struct {
    const char *name;
    const char *domain;
    const ProtobufCMessageDescriptor *body;
    size_t max_payload;
} sos_envelope_kind;

/* A reviewer's take: TakeBody under SOS_DOMAIN_TAKE, at most
 * SOS_ENVELOPE_TAKE_MAX bytes. */
#define SOS_ENVELOPE_TAKE_MAX (64u << 10)
/* ... whose text is at most this many bytes (scoring's rule; sos checks it
 * before signing, to name the limit). */
#define SOS_ENVELOPE_TAKE_TEXT_MAX 10000u
extern const sos_envelope_kind sos_envelope_take;
/* A panel verdict signed by aggregation: VerdictBody under
 * SOS_DOMAIN_VERDICT, at most 1 MiB (it carries its tool, which came in
 * a request of at most that size). */
extern const sos_envelope_kind sos_envelope_verdict;
/* An editor's request: EditorAction under SOS_DOMAIN_EDITORIAL, at most
 * 1 MiB (a request's limit). */
extern const sos_envelope_kind sos_envelope_editorial;
/* A community tally signed by community: TallyBody under SOS_DOMAIN_TALLY,
 * at most SOS_ENVELOPE_TALLY_MAX bytes (a tool id and a few numbers). */
#define SOS_ENVELOPE_TALLY_MAX 1024u
extern const sos_envelope_kind sos_envelope_tally;

/* What open and verify return; negative, apart from the store's codes. */
enum {
    SOS_ENVELOPE_OK = 0,
    SOS_ENVELOPE_KEYSIZE = -30,     /* signer or signature of the wrong length */
    SOS_ENVELOPE_SIZE = -31,        /* payload empty or over kind->max_payload */
    SOS_ENVELOPE_UNKNOWN = -32,     /* the envelope carries unknown fields */
    SOS_ENVELOPE_FORGED = -33,      /* the signature does not verify */
    SOS_ENVELOPE_UNDECODABLE = -34, /* the payload is not the kind's message */
    SOS_ENVELOPE_EXTRA = -35,       /* the payload carries unknown fields */
    SOS_ENVELOPE_NONCANONICAL = -36,
    /* sos_envelope_open_verdict only: */
    SOS_ENVELOPE_MISSING = -37,  /* a Verdict record without its signed verdict */
    SOS_ENVELOPE_MISMATCH = -38, /* for another tool, or listing another number of takes */
    SOS_ENVELOPE_TAKE = -39,     /* a counted take fails one of the four rules */
};

/* Packs body (a kind->body message), signs it with k and fills *env.
 * *payload is the caller's buffer and receives the packed bytes; env's
 * fields point into payload, sig (SOS_SIG_BYTES, the caller's) and k's
 * public key, so env is valid while all three are. */
void sos_envelope_seal(const sos_envelope_kind *kind, const sos_key *k,
                       const ProtobufCMessage *body, sos_buf *payload, uint8_t sig[SOS_SIG_BYTES],
                       Sos__Signed *env);

/* Rules 1 and 2: SOS_ENVELOPE_OK, _KEYSIZE, _SIZE, _UNKNOWN or _FORGED.
 * Only reads env, so it may run on any thread (the verifier pool). */
int sos_envelope_verify(const sos_envelope_kind *kind, const Sos__Signed *env)
    __attribute__((warn_unused_result));

/* All four rules. verified: sos_envelope_verify returned OK for this very
 * env already (on a verifier thread), or the envelope was accepted by a
 * service that opened it (a record read back from a store or an upstream
 * log), so rule 2 is skipped; false checks the signature here. On OK,
 * *body is the decoded payload, the caller's to free with
 * protobuf_c_message_free_unpacked(*body, NULL); otherwise *body is NULL. */
int sos_envelope_open(const sos_envelope_kind *kind, const Sos__Signed *env, bool verified,
                      ProtobufCMessage **body) __attribute__((warn_unused_result));

/* A Verdict record (the tool, the signed verdict, the counted signed takes)
 * as aggregation stores it and publishing serves it, opened whole: the
 * verdict by all four rules, for tool_id (unless NULL), listing as many
 * take hashes as it carries takes, then every counted take by all four
 * rules. verified as for sos_envelope_open, for the verdict and its takes
 * alike (false: every signature is checked here, one Ed25519 check per
 * envelope). SOS_ENVELOPE_OK, with *body (when body is not NULL) the
 * verdict's decoded body, the caller's to free as sos_envelope_open's; or
 * the first rule broken, *body NULL and a sentence in why[cap] (the
 * verdict's own from sos_envelope_describe, or one naming the record's
 * part: SOS_ENVELOPE_MISSING, _MISMATCH, and _TAKE with "counted take N:"
 * and the take's own). */
int sos_envelope_open_verdict(const Sos__Verdict *v, const char *tool_id, bool verified,
                              Sos__VerdictBody **body, char *why, size_t cap)
    __attribute__((warn_unused_result));

/* What rc means for an envelope of kind, as one sentence for a reply or a
 * report ("take signature does not verify"). Writes at most cap bytes. */
void sos_envelope_describe(const sos_envelope_kind *kind, int rc, char *out, size_t cap);

#endif
