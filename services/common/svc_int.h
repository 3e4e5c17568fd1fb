/* svc_int: what the skeleton's files share (svc.c the loop, svc_open.c
 * start and stop, svc_request.c one request's decision, svc_batch.c the
 * group-commit pipeline). Not for daemons: they see only svc.h. The
 * follower (follow.h) is an object the skeleton drives; it sees none of
 * this. */
#ifndef SOS_SVC_INT_H
#define SOS_SVC_INT_H

#include <stdbool.h>
#include <stdint.h>

#include "conf.h"
#include "follow.h"
#include "pool.h"
#include "sign.h"
#include "store.h"
#include "svc.h"
#include "wire.h"

/* The pipeline's rounds and the replies waiting for their commit
 * (svc_batch.c); one per service, made at open. */
typedef struct svc_batch svc_batch;

struct sos_svc {
    const sos_svc_spec *spec;
    const char *config_path, *home_arg; /* argv's, for SIGHUP: borrowed for the run */
    sos_conf *conf;
    sos_store *store;
    sos_wire *wire;
    sos_sock *api, *pub;
    sos_follow *follow;   /* with an upstream */
    sos_tkey *tkey;       /* own CURVE pair, when any endpoint is tcp */
    bool zap_on;          /* serving CURVE: the access list is live */
    const sos_peer *peer; /* sender of the request being handled */
    int prep;             /* spec->prepare's result for it, or 0 */
    sos_pool *pool;       /* verifiers, when the spec has prepare */
    svc_batch *batch;
    void *app;
    bool synced;
    int fatal; /* exit code once the loop must stop, 0 otherwise */
    uint64_t published_head;
    int64_t next_reader_check;
    int64_t disk_full_since;    /* sos_now_ms of the first SOS_NOSPACE of an episode, or 0 */
    uint64_t disk_full_refused; /* requests refused in the episode */
    const ProtobufCFieldDescriptor *f_id, *f_events, *f_status;
};

/* svc.c: rings the events doorbell when the log head moved. */
void svc_publish(sos_svc *svc);

/* svc_open.c: everything a daemon needs before its loop (config, log
 * level, store, app init, pipeline, sockets, follower); 0 or a sysexits
 * code, logged. */
int svc_open(sos_svc *svc, const char *config, const char *home);
/* Releases what svc_open made, in reverse; safe after a partial open. */
void svc_close(sos_svc *svc);
/* Rereads the access list (SIGHUP); keeps the old one when it is bad. */
void svc_access_reload(sos_svc *svc);

/* svc_batch.c: serves what waits on the api socket (see svc.h). */
svc_batch *svc_batch_new(void);
void svc_batch_destroy(svc_batch **b);
void svc_batch_serve(sos_svc *svc);

/* svc_request.c: one request's decision. */
/* Runs the request in f (identity, request frame) alone in a transaction
 * of its own and packs the reply into out (empty: nothing to send, the
 * loop stops with svc->fatal). Decodes, checks the id and the role,
 * answers events and status queries, replays or refuses a known request
 * id, catches up with upstream on SOS_SVC_SYNC, grows a full map. */
void svc_request_run(sos_svc *svc, const sos_frames *f, sos_buf *out);
/* Decides the write request req (decoded from f; NULL: it did not decode)
 * inside batch, in a child transaction of its own. True when done: out
 * holds the reply, to be sent once the batch commits. False when it
 * cannot be batched (not a write, a catch-up, a full map, a store error,
 * not decoded): the caller commits the batch, sends its replies and runs
 * it with svc_request_run. prep: what spec->prepare returned for it. */
bool svc_request_batched(sos_svc *svc, sos_txn *batch, const sos_frames *f,
                         const ProtobufCMessage *req, int prep, sos_buf *out);
/* The request in f was not written because the store's disk is full
 * (SOS_NOSPACE): packs UNAVAILABLE "the store's disk is full; free space
 * and retry" into out, under its request id when it decodes, and counts
 * it. The first refusal of an episode logs store.disk_full (error). */
void svc_request_refuse_full(sos_svc *svc, const sos_frames *f, sos_buf *out);
/* A write committed: a disk-full episode, if one was going on, is over
 * (store.disk_ok, with how long it lasted and what was refused). */
void svc_request_disk_ok(sos_svc *svc);

#endif
