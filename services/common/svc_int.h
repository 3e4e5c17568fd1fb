/* svc_int: what svc.c and follow.c share. Not for daemons: they see only
 * svc.h. */
#ifndef SOS_SVC_INT_H
#define SOS_SVC_INT_H

#include <stdbool.h>
#include <stdint.h>

#include "conf.h"
#include "pool.h"
#include "sign.h"
#include "store.h"
#include "svc.h"
#include "wire.h"

#define S_FETCH_EVERY_MS 1000
#define S_FETCH_TIMEOUT_MS 3000
#define S_SYNC_BUDGET_MS 2000

struct sos_svc {
    const sos_svc_spec *spec;
    const char *config_path, *home_arg; /* argv's, for SIGHUP: borrowed for the run */
    sos_conf *conf;
    sos_store *store;
    sos_wire *wire;
    sos_sock *api, *pub, *up_api, *up_events;
    const char *up_endpoint;
    sos_tkey *tkey;                      /* own CURVE pair, when any endpoint is tcp */
    uint8_t up_server_key[SOS_PK_BYTES]; /* upstream's CURVE public key */
    bool zap_on;                         /* serving CURVE: the access list is live */
    const sos_peer *peer;                /* sender of the request being handled */
    int prep;                            /* spec->prepare's result for it, or 0 */
    sos_pool *pool;                      /* verifiers, when the spec has prepare */
    void *app;
    bool synced;
    int fatal; /* exit code once the loop must stop, 0 otherwise */
    uint64_t cursor;
    uint32_t page_max; /* events asked per page; halved after an undecodable page */
    uint64_t published_head;
    bool inflight;
    bool bell_pending; /* a doorbell rang while a fetch was out */
    uint8_t inflight_id[8];
    int64_t inflight_deadline, next_fetch, next_reader_check;
    int64_t up_silent_since; /* first unanswered fetch of a silence; 0: answering */
    const ProtobufCFieldDescriptor *f_id, *f_events, *f_status;
};

/* svc_serve.c: serves what waits on the api socket (see svc.h). */
void svc_serve(sos_svc *svc);

/* Rings the events doorbell when the log head moved. */
void svc_publish(sos_svc *svc);

/* svc_open.c: everything a daemon needs before its loop (config, log
 * level, store, app init, sockets); 0 or a sysexits code, logged. */
int svc_open(sos_svc *svc, const char *config, const char *home);
/* Releases what svc_open made, in reverse; safe after a partial open. */
void svc_close(sos_svc *svc);
/* Connects kind (DEALER, SUB) to the upstream's endpoint ep, with CURVE
 * when ep is tcp. 0 or -1 (logged). */
int svc_connect_up(sos_svc *svc, sos_sock_kind kind, const char *ep, sos_sock **out);
/* Rereads the access list (SIGHUP); keeps the old one when it is bad. */
void svc_access_reload(sos_svc *svc);

/* follow.c */
void svc_follow_ask(sos_svc *svc);
/* Reads every answer waiting on the upstream socket; *more: events remain. */
void svc_follow_read(sos_svc *svc, bool *more);
/* Catches up now, within S_SYNC_BUDGET_MS: a request is waiting on it. */
void svc_follow_sync(sos_svc *svc);
/* Timeouts and the periodic fetch; bell: a doorbell rang. */
void svc_follow_tick(sos_svc *svc, bool bell);

#endif
