/* site_dir_int.h: what the files of a site directory share (site_dir.c,
 * site_dir_lock.c, site_dir_state.c, site_dir_release.c). Never included
 * outside them: site_dir.h is the interface. */
#ifndef SOS_SITE_DIR_INT_H
#define SOS_SITE_DIR_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "render.h"
#include "site_dir.h"
#include "store.h"

/* .state's databases */
enum { SITE_DIR_DB_META = 0, SITE_DIR_DB_VERDICTS = 1, SITE_DIR_DB_COMPARISONS = 2 };

struct site_dir {
    char *out, *base_url;
    int lock_fd; /* OUT/.lock; the flock on it while locked */
    bool locked;
    site_dir_opts opts;
    sos_store *state;
    render_site *site;
    uint64_t pulled, rendered, layout, release;
    uint64_t release_last; /* the highest release number ever claimed */
    char why[4608];
};

/* The sentence site_dir_why returns. */
void site_dir_why_set(site_dir *d, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* site_dir_lock.c: takes OUT/.lock (waiting unless opts.no_wait) and
 * writes our pid in it: SITE_DIR_OK, SITE_DIR_EBUSY or SITE_DIR_ECREATE
 * with a why. Drop clears the pid while the lock is still held, then
 * closes the file, which drops it. */
int site_dir_lock_take(site_dir *d);
void site_dir_lock_drop(site_dir *d);

/* site_dir_state.c: reads .state's marks and loads what the current
 * release shows into d->site. A store code. (site_dir_add_page is there
 * too.) */
int site_dir_state_read(site_dir *d);

/* site_dir_release.c: the number of the release "releases/<n>" a readlink
 * of current gave; 0 when it names something else. */
uint64_t site_dir_release_of(const char *target);
/* Claims a release number never used in OUT (mkdir, recorded as
 * release_last) past current and every one recorded or present; dir (cap
 * bytes) receives its path. SITE_DIR_OK, or a code with a why. */
int site_dir_release_claim(site_dir *d, uint64_t current, uint64_t *release, char *dir, size_t cap);
/* Hard links every file of the release directory from into to (made
 * alike): 0 with *linked, or -1 with errno. */
int site_dir_release_link(const char *from, const char *to, size_t *linked);
/* Removes a release directory and everything in it: 0 or -1 with errno. */
int site_dir_release_remove(const char *dir);
/* Records in .state that release is current, showing d->pulled, made with
 * layout; retired (0: none) stopped being current now. A store code. */
int site_dir_release_record(site_dir *d, uint64_t layout, uint64_t release, uint64_t retired);
/* Removes the releases a reader cannot be inside (site_dir.h: the grace
 * period, SITE_DIR_KEEP_PREVIOUS). before: the release current when this
 * render began (UINT64_MAX: unknown). Trouble goes to stderr. */
void site_dir_release_prune(site_dir *d, uint64_t current, uint64_t before);

#endif
