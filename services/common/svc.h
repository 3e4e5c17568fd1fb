/* svc: the service skeleton every daemon runs on (Postfix's
 * single_server, for ZeroMQ and LMDB).
 *
 * A daemon hands sos_svc_main() a spec: its name, the service it follows,
 * its databases, the descriptor of its request message and its functions.
 * The skeleton owns everything else:
 *
 *   sockets   api (ROUTER, bound), events (PUB, bound, a doorbell carrying
 *             the log head), and, with an upstream, a DEALER to its api and
 *             a SUB to its events.
 *   requests  decoded with a budgeted allocator; malformed frames get an
 *             ErrorReply and the daemon goes on. Events (field 10) and
 *             status (field 11) queries are answered here. A write request
 *             runs in one write transaction with its request id: a retry with
 *             the same bytes gets the stored reply, the same id with other
 *             bytes gets CONFLICT. The reply is sent only after the commit.
 *   follower  keeps a cursor on the upstream log (follow.h): at start, on
 *             a doorbell, every second and on demand (SOS_SVC_SYNC) it asks
 *             for the events after the cursor and applies them (apply
 *             below) with the cursor in one transaction, so nothing is
 *             lost or applied twice.
 *   store     map growth on SOS_MAPFULL; a store I/O error stops the daemon
 *             (exit 74) without acknowledging; a full store (map_max) or
 *             a full disk (SOS_NOSPACE) gets UNAVAILABLE replies and the
 *             daemon goes on.
 *   access    ipc endpoints are plain; tcp endpoints are CURVE with a ZAP
 *             handler over the access list (wire.h, access.h); a request
 *             from a key whose roles may not make it gets FORBIDDEN.
 *   verify    a spec with prepare() gets a pool of verifier threads: the
 *             requests waiting are received and prepared there while the
 *             batch before them commits (group commit as a pipeline).
 *   signals   SIGTERM and SIGINT finish the message at hand and exit 0;
 *             SIGHUP rereads the config for [store] map_max and the
 *             access list.
 */
#ifndef SOS_SVC_H
#define SOS_SVC_H

#include <stdbool.h>

#include "access.h"
#include "buf.h"
#include "conf.h"
#include "evlog.h"
#include "sos.pb-c.h"
#include "store.h"

typedef struct sos_svc sos_svc;

/* What handle() returns (or a negative SOS_* store code: every store code
 * but SOS_OK is negative, store.h, so none reads as a verb). */
enum { SOS_SVC_COMMIT = 0, SOS_SVC_ABORT = 1, SOS_SVC_SYNC = 2 };

typedef struct {
    const char *name;       /* config section, data subdirectory, log name */
    const char *upstream;   /* the service followed, or NULL */
    const char *const *dbs; /* own databases: handle SOS_DB_APP + i */
    unsigned n_dbs;
    const ProtobufCMessageDescriptor *request;
    /* After the store opens. *app is the daemon's; nonzero: cannot run. */
    int (*init)(sos_svc *svc, void **app);
    void (*fini)(void *app);
    /* The roles (SOS_ROLE_* bits) that may make req over CURVE; NULL: any.
     * Events queries are for service, publisher and editor keys, status
     * for any; ipc peers (SOS_ROLE_LOCAL) may make every request. */
    unsigned (*roles)(const ProtobufCMessage *req);
    /* True when req changes state (write transaction, request id kept). */
    bool (*is_write)(const ProtobufCMessage *req);
    /* Optional: the checks on req that need neither the store nor svc (a
     * signature), run on the skeleton's verifier threads ([<name>]
     * verifiers) before req is decided, while the commit before it waits
     * on the disk. Returns what handle() reads with sos_svc_prepared(); 0
     * must mean "not checked" (handle() checks itself), and is what
     * handle() sees whenever prepare did not run. Runs on any thread at the
     * same time as handle() and other prepare() calls: it may read req
     * (borrowed for the call) and nothing of the daemon's that changes. */
    int (*prepare)(const ProtobufCMessage *req);
    /* Decide req inside txn and pack the reply into *reply. Returns
     * SOS_SVC_COMMIT (keep txn's writes), SOS_SVC_ABORT (drop them; the
     * reply says why), SOS_SVC_SYNC (catch up with upstream first and call
     * again, once), or a negative store code. req is borrowed for the call. */
    int (*handle)(sos_svc *svc, sos_txn *txn, const ProtobufCMessage *req, sos_buf *reply);
    /* Apply one upstream event inside txn. SOS_OK (applied or deliberately
     * ignored: log why) or a negative store code. */
    int (*apply)(sos_svc *svc, sos_txn *txn, const Sos__Event *ev);
    /* Optional: after the events of one upstream page are applied, in
     * their transaction (publishing signs one checkpoint a page). SOS_OK or
     * a negative store code (the page is not applied). */
    int (*applied)(sos_svc *svc, sos_txn *txn);
    /* Optional: checks each stored event an events page is about to carry
     * (publishing: the signed verdicts and takes its publications hold),
     * in the page's read transaction. A negative store code refuses the
     * whole page with INTERNAL (sos_evlog_page_checked). */
    sos_evlog_check_fn event_check;
} sos_svc_spec;

/* Parses argv (--config, --home, --verbose, --help, --version), runs the
 * daemon until SIGTERM, and returns the process exit code. */
int sos_svc_main(const sos_svc_spec *spec, int argc, char **argv);

void *sos_svc_app(const sos_svc *svc);
const sos_conf *sos_svc_conf(const sos_svc *svc);
/* The daemon's store, for init() to prepare it (sos_store_write) before
 * the first request; borrowed, valid while svc lives. */
sos_store *sos_svc_store(sos_svc *svc);
/* Who sent the request handle() is deciding: borrowed for the call. A
 * detached skeleton's peer is SOS_ROLE_LOCAL. */
const sos_peer *sos_svc_peer(const sos_svc *svc);
/* What spec->prepare returned for the request handle() is deciding, or 0
 * when it did not run for it (a retry, a request run alone, a detached
 * skeleton). */
int sos_svc_prepared(const sos_svc *svc);
/* True while handle() runs again after an upstream catch-up. */
bool sos_svc_synced(const sos_svc *svc);

/* For tests and fuzzers: a skeleton with no sockets, no store and no
 * upstream, so that a spec's handle() can be called directly with a
 * transaction of the caller's. app is borrowed (what init would have made);
 * handle() never asks for a catch-up (there is no upstream). Free with
 * sos_svc_detached_destroy. */
sos_svc *sos_svc_detached_new(const sos_svc_spec *spec, void *app);
void sos_svc_detached_destroy(sos_svc **svc);
/* What sos_svc_prepared returns to the next handle() calls on a detached
 * skeleton (what the verifier pool found for that request). */
void sos_svc_detached_prepare(sos_svc *svc, int prep);

/* Pack an ErrorReply (the shape every service's Reply shares). */
void sos_svc_error_reply(const ProtobufCBinaryData *request_id, Sos__Code code, const char *msg,
                         sos_buf *out);

#endif
