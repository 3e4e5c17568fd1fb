/* follow: a daemon's cursor on its upstream's event log.
 *
 *   sockets   a DEALER to the upstream's api and a SUB to its events
 *             doorbell, both owned here (CURVE when the endpoint is tcp).
 *   fetching  at start, on a doorbell, every SOS_FOLLOW_EVERY_MS and on
 *             demand, ask the api for the events after the cursor (an
 *             EventsRequest: the shape every service answers) with a
 *             random 8-byte request id; an answer with another id (a late
 *             one) is ignored. No answer within SOS_FOLLOW_TIMEOUT_MS: the
 *             DEALER is replaced (Lazy Pirate). A page that does not
 *             decode halves the page asked for.
 *   applying  a page goes to the apply callback event by event, and the
 *             page and the new cursor (meta "cursor") are committed in one
 *             write transaction, so nothing is lost or applied twice:
 *             events at or below the cursor are skipped, a jump logs
 *             follow.gap and is applied anyway, SOS_EINVAL from apply
 *             skips that event (follow.bad_event), a full map grows.
 *   heartbeat the periodic fetch is also the heartbeat on the upstream:
 *             the first fetch left unanswered logs upstream.silent (warn),
 *             the first answer after it upstream.back.
 *   failures  the calls that can fail for good return 0 or the sysexits
 *             code the daemon must stop with (logged, and returned again
 *             by every later call): EX_IOERR when the store failed under a
 *             page, EX_UNAVAILABLE when the DEALER cannot be replaced. A
 *             store at map_max (SOS_FULL) or on a full disk (SOS_NOSPACE:
 *             store.disk_full once, store.disk_ok when a page commits
 *             again) is not fatal: the cursor stays and the page is asked
 *             again on the next fetch.
 *
 * The follower knows nothing of the service loop that drives it: the
 * loop polls its sockets (sos_follow_socks) until sos_follow_wake, calls
 * sos_follow_read and sos_follow_tick, and rings its own doorbell when
 * the pages it applied moved its log head.
 */
#ifndef SOS_FOLLOW_H
#define SOS_FOLLOW_H

#include <stdbool.h>
#include <stdint.h>

#include "sign.h"
#include "sos.pb-c.h"
#include "store.h"
#include "wire.h"

#define SOS_FOLLOW_EVERY_MS 1000   /* the periodic fetch, after an answer */
#define SOS_FOLLOW_TIMEOUT_MS 3000 /* an answer's deadline */
#define SOS_FOLLOW_SYNC_MS 2000    /* what sos_follow_sync may take */

typedef struct sos_follow sos_follow;

/* Apply one upstream event inside txn: SOS_OK (applied or deliberately
 * ignored), SOS_EINVAL (a record no store can key: skipped, logged) or
 * another negative store code (the page is not applied). ev is borrowed
 * for the call. */
typedef int sos_follow_apply_fn(void *arg, sos_txn *txn, const Sos__Event *ev);
/* After every event of a page is applied, in the same transaction, before
 * the cursor is written: SOS_OK, or a negative store code (the page is not
 * applied). */
typedef int sos_follow_page_fn(void *arg, sos_txn *txn);

/* What a follower needs; everything borrowed for its life but server_key
 * (copied). */
typedef struct {
    const char *upstream;      /* the service followed: its name, for the log */
    const char *api, *events;  /* its endpoints; api NULL: no sockets (tests) */
    sos_wire *wire;            /* where the sockets are made */
    const sos_tkey *own;       /* own CURVE pair, or NULL: plain endpoints only */
    const uint8_t *server_key; /* the upstream's CURVE public key, with own */
    sos_store *store;          /* pages and the cursor are written here */
    uint64_t cursor;           /* the last seq applied (meta "cursor") */
    sos_follow_apply_fn *apply;
    sos_follow_page_fn *page_done; /* optional */
    void *arg;                     /* apply's and page_done's first argument */
} sos_follow_opts;

/* Connects both sockets. 0, or -1 (logged); *out is the caller's. */
int sos_follow_new(const sos_follow_opts *o, sos_follow **out) __attribute__((warn_unused_result));
/* Closes the sockets; NULLs *f; safe on NULL and twice. */
void sos_follow_destroy(sos_follow **f);

/* The last seq applied. */
uint64_t sos_follow_cursor(const sos_follow *f);
/* The sockets to poll: socks[0] the doorbell (SUB), socks[1] the answers
 * (DEALER). Borrowed until the next sos_follow_tick, which may replace
 * the DEALER. NULL for a follower without sockets. */
void sos_follow_socks(const sos_follow *f, sos_sock *socks[2]);
/* When sos_follow_tick has something to do (sos_now_ms clock): the
 * deadline of the fetch in flight, else the next periodic fetch. */
int64_t sos_follow_wake(const sos_follow *f);

/* Asks for the events after the cursor; a fetch in flight is given up
 * (its answer will not match). */
void sos_follow_ask(sos_follow *f);
/* Drains the doorbell; true when it rang since the last call. */
bool sos_follow_doorbell(sos_follow *f);
/* Applies every answer waiting on the DEALER; *more (may be NULL) is set
 * when an answer said that events remain upstream. 0 or an exit code. */
int sos_follow_read(sos_follow *f, bool *more);
/* Catches up now, within SOS_FOLLOW_SYNC_MS: a request waits on it.
 * 0 or an exit code. */
int sos_follow_sync(sos_follow *f);
/* Gives up on a fetch past its deadline (reconnecting) and asks again when
 * due: bell, a doorbell rang (or a page left more to read); a bell while a
 * fetch is out is kept until that fetch is done. 0 or an exit code. */
int sos_follow_tick(sos_follow *f, bool bell);

/* What sos_follow_read does with each page answered: applies page's
 * events after the cursor and the new cursor in one write transaction,
 * growing the map and trying again when it is full. 1 when events remain
 * upstream (page->head is past the new cursor), 0 when caught up, or a
 * negative store code with nothing applied and the cursor unchanged. */
int sos_follow_apply(sos_follow *f, const Sos__EventsPage *page);

#endif
