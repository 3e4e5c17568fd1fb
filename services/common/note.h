/* note: the transparency log's signed checkpoints, as text anyone can
 * check: C2SP signed-note (https://c2sp.org/signed-note) with Ed25519
 * signatures, carrying a C2SP tlog-checkpoint (https://c2sp.org/tlog-checkpoint).
 *
 * A signed note is its text (UTF-8, no control character but newline,
 * ending in a newline), a blank line, then one line per signature:
 *
 *   U+2014 SP <key name> SP base64(<4-byte key id> || <64-byte signature>) LF
 *
 * where the signature is Ed25519 over the text bytes (sign.h's
 * sos_sign_note) and the key id is the first 4 bytes, big-endian, of
 * SHA-256(<key name> || 0x0A || 0x01 || <public key>), 0x01 naming
 * Ed25519. A verifier key is written "<name>+<8 hex id>+<base64(0x01 ||
 * public key)>". A checkpoint's text is "<origin>\n<tree size in
 * decimal>\n<base64 root hash>\n", then any extension lines.
 *
 * Borrowed strings are only read during the call; output goes to the
 * caller's sos_buf, appended. */
#ifndef SOS_NOTE_H
#define SOS_NOTE_H

#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "sign.h"

enum {
    SOS_NOTE_OK = 0,
    SOS_NOTE_MALFORMED = -50, /* not a note, key, name or checkpoint as the texts define it */
    SOS_NOTE_UNSIGNED = -51,  /* no signature by the key asked for */
    SOS_NOTE_FORGED = -52,    /* a signature line of that key that does not verify */
};

/* At most this many signature lines in a note (Go's note package's limit). */
#define SOS_NOTE_MAX_SIGS 100
/* A key name: 1 to this many bytes, no space, no "+", no control. */
#define SOS_NOTE_NAME_MAX 255

/* 0 when name is a valid key name. */
int sos_note_name_check(const char *name);
/* The key id of (name, Ed25519 public key pk). */
uint32_t sos_note_key_id(const char *name, const uint8_t pk[SOS_PK_BYTES]);
/* Appends the verifier key "<name>+<hex id>+<base64>" (no newline).
 * SOS_NOTE_MALFORMED when name is not a key name. */
int sos_note_vkey(const char *name, const uint8_t pk[SOS_PK_BYTES], sos_buf *out)
    __attribute__((warn_unused_result));
/* Parses a verifier key (a NUL-terminated line, no newline): name into
 * name (cap bytes), the public key into pk; checks the id against them. */
int sos_note_vkey_parse(const char *vkey, char *name, size_t cap, uint8_t pk[SOS_PK_BYTES])
    __attribute__((warn_unused_result));

/* Appends text, a blank line and k's signature line under name. text (n
 * bytes) must be a note's text. */
int sos_note_sign(const uint8_t *text, size_t n, const char *name, const sos_key *k, sos_buf *out)
    __attribute__((warn_unused_result));
/* Checks the signed note msg (n bytes) for a valid signature by (name,
 * pk): SOS_NOTE_OK and *text_len (the text is msg[0 .. *text_len), with
 * its final newline); SOS_NOTE_UNSIGNED when no line is by that key (lines
 * by other keys are allowed and not checked); SOS_NOTE_FORGED when one is
 * and does not verify; SOS_NOTE_MALFORMED when msg is not a signed note. */
int sos_note_open(const uint8_t *msg, size_t n, const char *name, const uint8_t pk[SOS_PK_BYTES],
                  size_t *text_len) __attribute__((warn_unused_result));

/* Appends a checkpoint's text. origin: a key name's characters, 1 to
 * SOS_NOTE_NAME_MAX bytes (the checkpoint's origin line). */
int sos_checkpoint_text(const char *origin, uint64_t size, const uint8_t root[SOS_SHA256_BYTES],
                        sos_buf *out) __attribute__((warn_unused_result));
/* Parses a checkpoint's text (n bytes, as sos_note_open gave it): origin
 * (cap bytes), tree size, root hash. Extension lines are allowed and
 * skipped. A size with a leading zero, a sign or over 2^64 - 1 is
 * malformed. */
int sos_checkpoint_parse(const uint8_t *text, size_t n, char *origin, size_t cap, uint64_t *size,
                         uint8_t root[SOS_SHA256_BYTES]) __attribute__((warn_unused_result));

#endif
