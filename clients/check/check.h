/* check: is every store whole? SQLite's integrity_check, for the four
 * LMDB stores. The library behind `sos check` (clients/sos/cmd_check.c);
 * it prints nothing and exits nothing: it reports.
 *
 * check_run() opens each store (<data_dir>/<service>) read-only, the
 * daemons running or not, downstream first as `sos backup` copies, and
 * reports every damaged key through a callback:
 *
 *   file     data.mdb against its meta pages (size, magic, version, last
 *            page), read without mapping it (sos_store_meta_check): a
 *            damaged file is never mapped;
 *   pages    every page accounted for: the metas, the pages of every tree
 *            and the free list add up to the file's last page
 *            (sos_store_pages_count);
 *   records  every key of every database walked in order (keys strictly
 *            increasing), every value decoded with the message its
 *            database holds (docs/architecture.md, "Storage"), every signed
 *            take and verdict verified (envelope.h);
 *   indexes  scoring's takes, latest, closed and panel, aggregation's
 *            latest, publishing's published, submission's names, the tools
 *            of each store, against the event log and back; the event log
 *            numbered 1..head without gaps; a follower's cursor not past
 *            its upstream's head.
 *
 * A damaged page can make a read fault (SIGBUS, SIGSEGV): each store is
 * walked in a child process, which writes its findings to the parent as it
 * goes, and a child killed by a signal is itself a finding (after what it
 * found before). The callback runs in the calling process. Repair:
 * docs/operations.md ("Damaged stores"). */
#ifndef CHECK_H
#define CHECK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define CHECK_SERVICES 4    /* submission, scoring, aggregation, publishing */
#define CHECK_PATH_MAX 4200 /* <data_dir>/<service>, the longest kept */

/* What check_run returns. */
enum {
    CHECK_OK = 0,      /* every store named was checked: read the result */
    CHECK_EREAD = -1,  /* a data.mdb could not be read (result: its store, errno) */
    CHECK_ESTART = -2, /* a walk could not be started: no pipe or fork (same) */
    CHECK_EINVAL = -3, /* a service name that is none of the four, or no data_dir */
};

typedef struct {
    const char *data_dir;        /* the stores are <data_dir>/<service> */
    const char *const *services; /* which stores, any order; NULL or 0 of them: all four */
    size_t n_services;           /* (they are checked downstream first all the same) */
    const char *name;            /* the walking process's name in a store.fault line */
} check_opts;

/* One finding, as the callback gets it; every pointer borrowed for the
 * call. */
typedef struct {
    const char *service; /* static */
    const char *db;      /* a database's name, or "file" and "pages" for the file itself */
    const void *key;     /* the damaged key's bytes; NULL, 0 when the damage has none */
    size_t key_len;
    const char *what; /* one sentence: what is wrong */
} check_damage;

typedef void (*check_report_fn)(const check_damage *d, void *arg);

/* One store's outcome. */
typedef struct {
    const char *service;          /* static */
    char dir[CHECK_PATH_MAX];     /* <data_dir>/<service> */
    bool missing;                 /* no data.mdb there: nothing to check */
    bool walked;                  /* the walk ran to its end (a store that would not open
                                     ends it at once, counts 0); false: a damaged file was
                                     not mapped, or the walk died, and the counts are not */
    size_t damaged;               /* findings reported about this store */
    uint64_t pages, in_use, free; /* sos_store_pages; pages 0: not counted */
    unsigned page_size;
    uint64_t records; /* keys walked in all databases */
    uint64_t head;    /* the event log's last sequence number */
    uint64_t cursor;  /* meta "cursor": the upstream seq applied */
} check_store_result;

typedef struct {
    check_store_result stores[CHECK_SERVICES]; /* in the order checked */
    size_t n;
    size_t damaged;        /* findings in all */
    size_t damaged_stores; /* stores with at least one */
    size_t present;        /* stores not missing */
    int error;             /* with CHECK_EREAD and CHECK_ESTART: the errno;
                              the store is stores[n - 1] */
} check_result;

/* Checks the stores o names and calls report(d, arg) once per damaged key,
 * in order: each store's findings as its walk makes them, then a
 * follower's cursor past its upstream's head. *out is the caller's, filled
 * here (nothing in it to free). CHECK_OK, or a code above (with
 * CHECK_EREAD/ESTART, the stores before stores[n - 1] were checked and
 * reported). Not thread-safe: it forks, and the child uses the log. */
int check_run(const check_opts *o, check_report_fn report, void *arg, check_result *out)
    __attribute__((warn_unused_result));

/* True when name is one of the four services. */
bool check_service_known(const char *name);

#endif
