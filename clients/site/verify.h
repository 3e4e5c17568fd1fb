/* verify: offline verification of a rendered site (the procedure is
 * described at the top of verify_check.c). Trusts nothing in the site but
 * signatures; contacts no daemon. */
#ifndef SOS_VERIFY_H
#define SOS_VERIFY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "sign.h"

enum {
    VERIFY_OK = 0,       /* the check ran: the report says what it found */
    VERIFY_NOSITE = -1,  /* DIR cannot be resolved, or has no index.json */
    VERIFY_ECREATE = -2, /* the rebuilt site cannot be created or written */
    VERIFY_EWALK = -3,   /* the site cannot be walked */
};

typedef struct {
    size_t problems;  /* lines written to out */
    bool forged;      /* a signature, hash or signer check failed */
    bool have_signer; /* signer is every verdict's signer (the key, when given) */
    uint8_t signer[SOS_PK_BYTES];
    size_t tools, comparisons; /* in the rebuilt site */
    size_t files;              /* files of the site compared */
} verify_report;

/* Checks the release at dir: dir/current when dir is a render directory,
 * else dir itself. key: NULL, or the key every verdict must be signed by
 * (else all must share one signer). One line per problem on out, "<file>:
 * <reason>", sorted within the file comparison; nothing else is written
 * there. The site is rebuilt in a temporary directory under $TMPDIR (else
 * /tmp), removed before returning. VERIFY_OK and *rep filled (clean when
 * rep->problems is 0), or an error code with a sentence in why (cap bytes,
 * "no index.json in DIR: not a rendered site"); *rep then counts what was
 * found before the error. */
int verify_site(const char *dir, const uint8_t *key, FILE *out, verify_report *rep, char *why,
                size_t cap) __attribute__((warn_unused_result));

#endif
