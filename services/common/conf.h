/* conf: one INI file, with defaults that give the embedded layout.
 *
 * Every value has a default derived from the home directory (see
 * docs/operations.md), so a daemon runs with no file at all:
 *
 *   [paths]   home, run_dir (0700; ipc sockets), data_dir, key_dir
 *   [<svc>]   api, events             endpoints, ipc://<run_dir>/<svc>.api|.events
 *             transport_key           CURVE secret for tcp://, <key_dir>/<svc>.curve
 *             server_key              its public half, <key_dir>/<svc>.curve.pub
 *                                     (what clients of <svc> pin; hex or a file)
 *   [access]  file = <key_dir>/access  who may connect over tcp:// (access.h)
 *   [scoring] quorum = 4
 *   [store]   map_size = 16777216, map_max = 8589934592
 *   [log]     level = info
 *   [client]  timeout_ms = 2500, retries = 3
 *
 * The home directory is, in order: the home argument, [paths] home in the
 * file, $SOS_HOME, ./var. */
#ifndef SOS_CONF_H
#define SOS_CONF_H

#include <stddef.h>

typedef struct sos_conf sos_conf;

/* path may be NULL (defaults only); home may be NULL. On failure returns -1
 * and writes a reason into err. *out is the caller's: sos_conf_destroy. */
int sos_conf_load(const char *path, const char *home, sos_conf **out, char *err, size_t errlen);
void sos_conf_destroy(sos_conf **c);

/* Borrowed: valid until sos_conf_destroy. NULL when neither set nor
 * defaulted. */
const char *sos_conf_get(const sos_conf *c, const char *section, const char *key);
/* Parsed integer value into *out, or dflt when unset. 0, or -1 when the
 * value is not an integer. */
int sos_conf_int(const sos_conf *c, const char *section, const char *key, long long dflt,
                 long long *out);
/* Make dir and its parents with mode (0700 for run_dir). 0 or -1/errno. */
int sos_conf_mkdirs(const char *dir, unsigned mode);

#endif
