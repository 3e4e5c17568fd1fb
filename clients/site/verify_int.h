/* verify_int: what the verifier's two files share: checking signed data
 * (verify_check.c: envelopes, displayed fields, one verdict, the rebuild of
 * a verdict from its signed parts) and walking a site (verify.c: twins,
 * the rebuilt tree). Private to clients/site; verify.h is the interface. */
#ifndef SOS_VERIFY_INT_H
#define SOS_VERIFY_INT_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "render.h"
#include "sign.h"
#include "sos.pb-c.h"

/* A tool twin as far as comparisons need it. */
typedef struct {
    char *id;
    uint8_t digest[SOS_HASH_BYTES]; /* of its signed envelopes, see s_digest */
    bool clean;                     /* its checks found nothing */
    bool rendered;                  /* in the rebuilt site model */
} verify_toolrec;

typedef struct {
    size_t problems;
    bool forged; /* a signature, hash or signer check failed: exit 77 */
    bool pinned; /* --key */
    uint8_t key[SOS_PK_BYTES];
    bool have_signer;
    uint8_t signer[SOS_PK_BYTES];
    verify_toolrec *tools;
    size_t nt, capt;
    render_site *site;
    FILE *out; /* problem lines; borrowed */
} verify_ctx;

/* Where a problem is: the file, and a prefix inside it ("a (tool): "). */
typedef struct {
    const char *file;
    const char *prefix;
} verify_where;

typedef struct {
    ProtobufCBinaryData payload; /* malloc'd */
    uint8_t signer[SOS_PK_BYTES], sig[SOS_SIG_BYTES];
    uint8_t hash[SOS_HASH_BYTES]; /* computed from the payload */
    bool decoded;                 /* the envelope's fields decode */
    bool verified;                /* signature verifies, listed hash matches */
} verify_env;

typedef struct {
    Sos__VerdictBody *body; /* owned; NULL when it does not decode */
    verify_env venv;
    size_t n; /* takes shown */
    verify_env *tenv;
    Sos__TakeBody **tb; /* owned; NULL where a payload does not decode */
    /* the shown take of each listed hash, in the verdict's order; -1 none */
    long *listed;
    uint8_t digest[SOS_HASH_BYTES];
    bool clean;   /* no problem found */
    bool text_ok; /* every signed string is text (the pages cannot show others) */
} verify_vd;

/* Prints one line on out; anything but printable text is shown as \xNN. */
void verify_emit(FILE *out, const char *line);
/* Prints "<file>: <prefix><message>" and counts it; forged: a signature,
 * hash or signer check failed (exit 77). */
void verify_problem(verify_ctx *x, bool forged, const verify_where *w, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
/* A string member of o, or NULL. Borrowed from o. */
const char *verify_str(const json_t *o, const char *key);
void verify_env_clear(verify_env *e);
void verify_vd_clear(verify_vd *d);
/* Checks the verdict object j ({tool, verdict, takes}) and fills d (the
 * caller clears it). signer: apply the --key / one-signer rule. */
void verify_check_verdict(verify_ctx *x, const verify_where *w, const json_t *j, bool signer,
                          verify_vd *d);
/* The Verdict a page is rendered from, made of d's signed parts only; the
 * caller frees it with sos__verdict__free_unpacked. NULL when d is not clean. */
Sos__Verdict *verify_vd_rebuild(const verify_vd *d);
/* The comparison twin j's "answer" against site_answer_line of its two
 * checked sides (when both signed verdicts decoded with a tool record). */
void verify_check_answer(verify_ctx *x, const verify_where *w, const json_t *j, const verify_vd *a,
                         const verify_vd *b);

#endif
