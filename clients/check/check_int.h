/* check_int: what check.c (the run, the child, the walk) and check_db.c
 * (what each database holds, and each record's checks) share. Never
 * included outside clients/check. */
#ifndef CHECK_INT_H
#define CHECK_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "sos.pb-c.h"
#include "store.h"

/* What a database's values are. */
typedef enum {
    CHECK_K_META,
    CHECK_K_EVENTS,
    CHECK_K_REQUESTS,
    CHECK_K_TOOLS,
    CHECK_K_NAMES,
    CHECK_K_PANEL_KEY,   /* submission: persona||pk -> PanelKey */
    CHECK_K_PANEL_EMPTY, /* scoring: persona||pk -> "" */
    CHECK_K_COMPARISONS,
    CHECK_K_SCORING_TAKES,
    CHECK_K_LATEST,
    CHECK_K_CLOSED,
    CHECK_K_AGG_TAKES,
    CHECK_K_VERDICTS,
    CHECK_K_BY_TOOL,
    CHECK_K_PUBLISHED,
    CHECK_K_LOG,     /* publishing: the transparency log's tree (publishing_log.h) */
    CHECK_K_EDITORS, /* submission, scoring: pk -> EditorRecord */
    CHECK_K_BY,      /* publishing: slug -> Signed EditorAction */
} check_kind;

typedef struct {
    const char *name;
    check_kind kind;
} check_dbdef;

/* A store's databases, with the handles the daemon opens them under: meta,
 * events, requests, then its own (services/<service>/<service>.h). */
typedef struct {
    const char *service, *upstream;
    const ProtobufCMessageDescriptor *reply; /* what its requests db keeps */
    unsigned n;
    check_dbdef db[11];
} check_svcdef;

/* The four stores, upstream first (check.c walks them downstream first). */
extern const check_svcdef check_db_services[4];

/* One store's walk, in the child. Its findings go to out, one JSON line
 * each, flushed at once so that they survive a fault later in the walk. */
typedef struct {
    const check_svcdef *def;
    sos_store *store;
    sos_txn *t; /* the read transaction of the database being walked */
    FILE *out;
    size_t found, records;
} check_walk;

/* A finding about key (NULL, 0: none) of db. */
void check_walk_found(check_walk *w, const char *db, const void *key, size_t kl, const char *fmt,
                      ...) __attribute__((format(printf, 5, 6)));

/* Checks one record of d (the walk's current database); expect is the
 * event log's next sequence number, which the events database moves on. */
void check_db_record(check_walk *w, const check_dbdef *d, const sos_val *k, const sos_val *v,
                     uint64_t *expect);

#endif
