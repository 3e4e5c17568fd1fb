/* access: the list of who may connect over CURVE, and as what.
 *
 * One file, one line per key:
 *
 *   # role      transport public key (64 hex)   signing public key (reviewers)
 *   editor      5f1c...e2
 *   reviewer    a0b1...77                       9c3d...10
 *   publisher   ...
 *   service     ...
 *   gateway     ...                             (services/web: community only)
 *
 * Roles are editor, reviewer, publisher, service (another daemon) and
 * gateway (the HTTP front door, which community alone answers). A key
 * may appear on several lines to hold several roles. A reviewer line must
 * name the Ed25519 key its takes are signed with: scoring refuses a take
 * whose signer is not the sending connection's (docs/security.md). Blank
 * lines and lines starting with '#' are skipped; anything else malformed
 * refuses the whole file (no partial list). A missing file is an empty
 * list: nobody gets in. */
#ifndef SOS_ACCESS_H
#define SOS_ACCESS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Role bits. LOCAL is the peer on an ipc socket: it is not in any list, and
 * holds every role (the socket directory's 0700 mode is its admission). */
enum {
    SOS_ROLE_EDITOR = 1,
    SOS_ROLE_REVIEWER = 2,
    SOS_ROLE_PUBLISHER = 4,
    SOS_ROLE_SERVICE = 8,
    SOS_ROLE_LOCAL = 16,
    SOS_ROLE_GATEWAY = 32, /* the HTTP front door: votes, tallies, subscriptions only */
};
#define SOS_ROLE_ANY 0x3fu

#define SOS_ACCESS_KEY_BYTES 32

typedef struct sos_access sos_access;

/* Who sent a message: what the access list says of its CURVE key, or
 * SOS_ROLE_LOCAL on a plain (ipc, inproc) socket. */
typedef struct {
    unsigned roles;                       /* SOS_ROLE_* bits */
    bool has_signer;                      /* a reviewer: signer is set */
    uint8_t key[SOS_ACCESS_KEY_BYTES];    /* CURVE public key; zero when LOCAL */
    uint8_t signer[SOS_ACCESS_KEY_BYTES]; /* the Ed25519 key it signs takes with */
} sos_peer;

/* Loads path (missing: an empty list). 0, or -1 with a reason in err
 * ("line 3: ..."). *out is the caller's: sos_access_destroy. */
int sos_access_load(const char *path, sos_access **out, char *err, size_t errlen)
    __attribute__((warn_unused_result));
void sos_access_destroy(sos_access **a);

/* The role bits listed for key (0: unlisted). For a reviewer, *signer gets
 * its signing key and *has_signer true; otherwise *has_signer is false. */
unsigned sos_access_find(const sos_access *a, const uint8_t key[SOS_ACCESS_KEY_BYTES],
                         uint8_t signer[SOS_ACCESS_KEY_BYTES], bool *has_signer);
size_t sos_access_count(const sos_access *a);

/* "editor", "reviewer", ... for one bit; "editor,reviewer" style for
 * several into buf. Returns buf. */
const char *sos_role_names(unsigned roles, char *buf, size_t len);

#endif
