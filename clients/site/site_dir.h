/* site_dir: a directory the site is rendered into (`sos render --out`),
 * its releases, the atomic swap and the .state cursor:
 *
 *   OUT/current -> releases/<n>     what readers and web servers serve
 *   OUT/releases/<n>/               one complete site per release; the
 *                                   last SITE_DIR_KEEP are kept
 *   OUT/.state/                     what was pulled (cursor "pulled"), what
 *                                   the current release shows ("rendered"),
 *                                   the layout it was made with, the release
 *                                   number, every verdict and comparison
 *                                   published so far (LMDB, seq || message)
 *
 * Records in, files out: the caller feeds pages of published events
 * (site_dir_add_page, each committed to .state as it comes) and asks for a
 * release (site_dir_render). A new release starts as hard links to every
 * file of the previous one; only the pages that show something new are
 * written, through a temporary file and rename, so the old release's files
 * are never touched. rename(2) of the symlink is atomic: a reader sees the
 * old release or the new one, never half of one. "rendered" moves only
 * after the swap, so a crash in between renders the same publications
 * again next time.
 *
 * Diagnostics: a failing call returns a SITE_DIR_E* code and keeps a
 * sentence for it (site_dir_why). Progress and skipped records go to
 * stderr as "sos: render: ..." lines. */
#ifndef SOS_SITE_DIR_H
#define SOS_SITE_DIR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sos.pb-c.h"

#define SITE_DIR_KEEP 3 /* releases kept: a reader may still be inside one */

enum {
    SITE_DIR_OK = 0,
    SITE_DIR_ECREATE = -1, /* OUT, .state or a release cannot be created */
    SITE_DIR_ESTATE = -2,  /* .state cannot be read or written */
    SITE_DIR_EWRITE = -3,  /* the release cannot be linked or written, or swapped in */
    SITE_DIR_ERECORD = -4, /* swapped, but the cursor cannot be recorded */
};

typedef struct site_dir site_dir;

/* What site_dir_render did. */
typedef struct {
    bool up_to_date;     /* nothing new and a current release: nothing changed */
    bool layout_changed; /* base URL, templates or assets changed: a full render */
    bool incremental;    /* linked from the previous release */
    uint64_t release;    /* the current release's number */
    uint64_t cursor;     /* what it shows: the last publication pulled */
    size_t tools, comparisons;
    size_t written, linked; /* files written, files kept from the previous release */
} site_dir_result;

/* Opens OUT (created), its .state, and loads what was published so far.
 * base_url: absolute, no trailing slash (copied). *out is the caller's
 * (site_dir_destroy); on failure *out is NULL and the return code says
 * why (SITE_DIR_ECREATE, SITE_DIR_ESTATE); errno is not meaningful. */
int site_dir_open(const char *out_dir, const char *base_url, site_dir **out)
    __attribute__((warn_unused_result));
/* Safe on NULL and twice. */
void site_dir_destroy(site_dir **d);
/* The cursor: the sequence number of the last publication pulled. */
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
 * full: rewrite every page. Once per site_dir_open, after the pages (as
 * `sos render` does). SITE_DIR_OK or an error code (see why). */
int site_dir_render(site_dir *d, bool full, site_dir_result *res)
    __attribute__((warn_unused_result));
/* A sentence on the last failure ("cannot swap OUT/current: ..."); borrowed,
 * valid until the next call on d. */
const char *site_dir_why(const site_dir *d);

#endif
