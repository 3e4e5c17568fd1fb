/* site_dir: a directory the site is rendered into (`sos render --out`),
 * its lock, its releases, the atomic swap and the .state cursor:
 *
 *   OUT/current -> releases/<n>     what readers and web servers serve
 *   OUT/releases/<n>/               one complete site per release; one that
 *                                   stopped being current is removed after
 *                                   a grace period (keep_seconds), the 2
 *                                   before current never
 *   OUT/.lock                       the site lock (flock), and the pid of
 *                                   the render holding it
 *   OUT/.state/                     what the current release shows (cursor
 *                                   "rendered"), the layout it was made
 *                                   with, its number, the highest number
 *                                   ever used, when each old release
 *                                   stopped being current, every verdict
 *                                   and comparison published so far (LMDB,
 *                                   seq || message)
 *
 * One writer at a time: site_dir_open takes the lock before it reads
 * .state and site_dir_destroy drops it; a second opener waits (or fails
 * with SITE_DIR_EBUSY). The kernel drops the lock of a process that dies.
 *
 * Records in, files out: the caller feeds pages of published events
 * (site_dir_add_page, each committed to .state as it comes) and asks for a
 * release (site_dir_render). A new release gets a number never used before
 * (mkdir fails on one that exists) and starts as hard links to every file
 * of the previous one; only the pages that show something new are written,
 * through a temporary file and rename, so the old release's files are
 * never touched. rename(2) of the symlink is atomic: a reader sees the old
 * release or the new one, never half of one. The cursor moves only after
 * the swap: a render that fails removes its release, and the next one
 * pulls again from the cursor of the release that is current, so it
 * renders everything the failed one had taken on.
 *
 * Diagnostics: a failing call returns a SITE_DIR_E* code and keeps a
 * sentence for it (site_dir_why). Progress, waiting for the lock and
 * skipped records go to stderr as "sos: render: ..." lines. */
#ifndef SOS_SITE_DIR_H
#define SOS_SITE_DIR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sos.pb-c.h"

/* A reader may still be inside a release that stopped being current: it
 * is removed only this long after (the default of site_dir_opts), and the
 * SITE_DIR_KEEP_PREVIOUS newest before current are kept whatever their age. */
#define SITE_DIR_KEEP_SECONDS 60
#define SITE_DIR_KEEP_PREVIOUS 2

enum {
    SITE_DIR_OK = 0,
    SITE_DIR_ECREATE = -1, /* OUT, .state or a release cannot be created */
    SITE_DIR_ESTATE = -2,  /* .state cannot be read or written */
    SITE_DIR_EWRITE = -3,  /* the release cannot be linked or written, or swapped in */
    SITE_DIR_ERECORD = -4, /* swapped, but the cursor cannot be recorded */
    SITE_DIR_EBUSY = -5,   /* another process holds the lock (opts->no_wait) */
};

typedef struct {
    bool no_wait;           /* the lock is taken: SITE_DIR_EBUSY, not a wait */
    long long keep_seconds; /* grace of an old release, >= 0 */
} site_dir_opts;

typedef struct site_dir site_dir;

/* What site_dir_render did. */
typedef struct {
    bool up_to_date;     /* nothing new and a current release: no new release */
    bool layout_changed; /* base URL, templates or assets changed: a full render */
    bool incremental;    /* linked from the previous release */
    uint64_t release;    /* the current release's number */
    uint64_t cursor;     /* what it shows: the last publication pulled */
    size_t tools, comparisons;
    size_t written, linked; /* files written, files kept from the previous release */
} site_dir_result;

/* Opens OUT (created), takes its lock, opens its .state, and loads what
 * the current release shows. When another process holds the lock it says
 * so on stderr ("waiting for another render (pid N) ...") and waits, or
 * with opts->no_wait returns SITE_DIR_EBUSY at once (site_dir_why names
 * the holder's pid). One site_dir per OUT in a process: a second one would
 * wait for the first. base_url: absolute, no trailing slash (copied).
 * opts: NULL for the defaults (wait, SITE_DIR_KEEP_SECONDS). *out is the
 * caller's (site_dir_destroy, which drops the lock); on failure *out is
 * NULL, the return code says why (SITE_DIR_ECREATE, SITE_DIR_ESTATE,
 * SITE_DIR_EBUSY) and so does a sentence in why (cap bytes; why may be
 * NULL): "another render (pid 123) is writing OUT"; errno is not
 * meaningful. */
int site_dir_open(const char *out_dir, const char *base_url, const site_dir_opts *opts,
                  site_dir **out, char *why, size_t cap) __attribute__((warn_unused_result));
/* Drops the lock. Safe on NULL and twice. */
void site_dir_destroy(site_dir **d);
/* The cursor: the sequence number of the last publication added, starting
 * from the one the current release shows. */
uint64_t site_dir_cursor(const site_dir *d);
/* Stores one page of events (after site_dir_cursor) in .state, with the new
 * cursor, in one write transaction (grown and retried when the map is
 * full), then adds its publications to the site. The publications and
 * comparisons are moved out of page (their fields set to NULL); page stays
 * the caller's. *news (may be NULL) counts what was added. SITE_DIR_OK or
 * SITE_DIR_ESTATE, and nothing added then. */
int site_dir_add_page(site_dir *d, Sos__EventsPage *page, size_t *news)
    __attribute__((warn_unused_result));
/* Makes a release of everything added and swaps it in, unless nothing is
 * new and a current release with the same layout exists (res->up_to_date).
 * full: rewrite every page. Then removes the old releases past their grace
 * period, and what renders that died left. Once per site_dir_open, after
 * the pages (as `sos render` does). SITE_DIR_OK or an error code (see
 * why); on an error before the swap the new release is removed and
 * .state still shows the current one. */
int site_dir_render(site_dir *d, bool full, site_dir_result *res)
    __attribute__((warn_unused_result));
/* A sentence on the last failure ("cannot swap OUT/current: ..."); borrowed,
 * valid until the next call on d. */
const char *site_dir_why(const site_dir *d);

#endif
