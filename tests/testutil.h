/* testutil: what the unit tests share.
 *
 * Every test that touches a store gets a fresh directory from mkdtemp under
 * /tmp and opens it the way the daemons do: {"meta", "events", "requests"}
 * followed by the daemon's own databases, so SOS_DB_* and <DAEMON>_DB_*
 * indices line up. The helpers fail the running cmocka test (they use
 * assert_*) instead of returning errors. */
#ifndef SOS_TESTUTIL_H
#define SOS_TESTUTIL_H

/* cmocka needs these before it */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdbool.h>

#include "buf.h"
#include "evlog.h"
#include "sos.pb-c.h"
#include "store.h"

typedef struct {
    char dir[64];  /* the mkdtemp directory, removed by tu_env_free */
    char path[96]; /* dir + "/store": the store itself */
    sos_store *store;
} tu_env;

/* mkdtemp("/tmp/sos-test-XXXXXX") into out (64 bytes); fails the test on error. */
void tu_tmpdir(char out[64]);
/* rm -r path; 0 or -1. */
int tu_rmrf(const char *path);

/* A fresh temp directory and a store in it with the common databases and
 * app_dbs (NULL/0: none) after them. Returns the env (malloc'd). */
tu_env *tu_env_new(const char *const *app_dbs, unsigned n_app);
/* Same with explicit map sizes. */
tu_env *tu_env_new_sized(const char *const *app_dbs, unsigned n_app, size_t map_size,
                         size_t map_max);
/* Closes the store and removes the directory. Safe on NULL. */
void tu_env_free(tu_env **e);
/* Reopen the store in e (read_only as given) after closing it. */
void tu_env_reopen(tu_env *e, const char *const *app_dbs, unsigned n_app, bool read_only);

sos_txn *tu_begin(tu_env *e, bool write);
void tu_commit(sos_txn **t);

/* Read-only peeks, each in its own read transaction. */
uint64_t tu_head(tu_env *e);
uint64_t tu_count(tu_env *e, sos_db db);
/* The event at seq, unpacked; NULL when absent. Free with
 * sos__event__free_unpacked(ev, NULL). */
Sos__Event *tu_event(tu_env *e, uint64_t seq);

/* Binary data that tests compare. */
bool tu_bin_eq(ProtobufCBinaryData a, const void *b, size_t n);

/* Runs fn(arg) with stderr (where the log goes) sent to a temp file, and
 * returns what was written there, NUL-terminated: the caller frees it. */
char *tu_stderr_of(void (*fn)(void *arg), void *arg);

#endif
