/* scoring: signed takes from the panel, checked, stored, counted.
 *
 * Rule functions follow rules.h: <0 store code, 0 ok, >0 refusal code. */
#ifndef SCORING_H
#define SCORING_H

#include <stdint.h>

#include "envelope.h"
#include "scoring.pb-c.h"
#include "sign.h"
#include "status.h"
#include "store.h"
#include "svc.h"

enum {
    SCORING_DB_TOOLS = SOS_DB_APP, /* tool id -> packed Tool (from submission) */
    SCORING_DB_PANEL,              /* persona (1 byte) || public key -> "" */
    /* tool id NUL persona revision(BE32) -> seq(BE64) of the take's event
     * (in stores written before this index: the packed Signed itself) */
    SCORING_DB_TAKES,
    SCORING_DB_LATEST,  /* tool id NUL persona -> see rules.h (revision, hash, seq) */
    SCORING_DB_CLOSED,  /* tool id -> packed PanelClosed */
    SCORING_DB_EDITORS, /* public key -> packed EditorRecord: submission's registry, followed */
};
#define SCORING_MAX_PAYLOAD SOS_ENVELOPE_TAKE_MAX
#define SCORING_MAX_TEXT SOS_ENVELOPE_TAKE_TEXT_MAX
/* filed_at is the reviewer's clock: at most this far ahead of scoring's. */
#define SCORING_FILED_AHEAD_MAX 86400u

typedef struct {
    unsigned quorum; /* personas whose takes close a panel, 1..5 */
} scoring_rules;

extern const sos_svc_spec scoring_spec;

/* The transport check: a take sent over CURVE must be signed with the key
 * the access list names for the sending reviewer (an ipc peer, LOCAL,
 * passes). 0, or FORBIDDEN in st. */
int scoring_take_sender(const sos_peer *peer, const Sos__Signed *take, sos_status *st);

/* What scoring_take_verify found (and scoring's prepare() returns). */
enum { SCORING_SIG_UNCHECKED = 0, SCORING_SIG_GOOD = 1, SCORING_SIG_BAD = 2 };

/* The take's signature over its payload, with no store: SCORING_SIG_GOOD
 * or SCORING_SIG_BAD; SCORING_SIG_UNCHECKED when the envelope's shape is
 * wrong (scoring_take_decide refuses that with its own message). Safe on
 * any thread. */
int scoring_take_verify(const Sos__Signed *take);

/* scoring_take_accept, with the signature already checked: sig is what
 * scoring_take_verify returned for this very take (SCORING_SIG_UNCHECKED:
 * check it here). */
int scoring_take_decide(const scoring_rules *r, sos_txn *t, const Sos__Signed *take,
                        const ProtobufCBinaryData *request_id, int sig, uint64_t now,
                        uint8_t hash_out[SOS_HASH_BYTES], sos_status *st);

/* Every take on tool_id, every revision, in (persona, revision) order, as
 * the events that carry them (each ->take). *out is malloc'd; free it
 * with sos_rules_list_free((ProtobufCMessage **)*out, *n). SOS_CORRUPT
 * (logged as store.corrupt with the takes key) when a take as read does
 * not verify or decode, or the index names an event that is not a take. */
int scoring_takes_list(sos_txn *t, const char *tool_id, Sos__Event ***out, size_t *n);

/* Verifies and stores one signed take, then closes the panel when the
 * quorum is reached. hash_out: BLAKE2b of the payload. NOT_FOUND (unknown
 * tool) and FORBIDDEN (unregistered key) may turn into a yes once upstream
 * is caught up: the service asks for that before refusing. request_id, when
 * not NULL, must equal the take id. now: scoring's clock (Unix seconds);
 * a filed_at more than SCORING_FILED_AHEAD_MAX past it is BAD_REQUEST. */
int scoring_take_accept(const scoring_rules *r, sos_txn *t, const Sos__Signed *take,
                        const ProtobufCBinaryData *request_id, uint64_t now,
                        uint8_t hash_out[SOS_HASH_BYTES], sos_status *st);
/* Closes a tool's panel now (the editor finalizes): the latest take of each
 * persona is listed in a PanelClosed event and stored in SCORING_DB_CLOSED.
 * by: the editor's signed EditorAction, copied into the event (Event.by);
 * borrowed; NULL: none (tests). */
int scoring_panel_close(sos_txn *t, const char *tool_id, const char *rule, const Sos__Signed *by,
                        sos_status *st);
/* An editor's signed request (ScoringRequest.editorial): opened, its
 * request_id checked against rid, its signer judged against the registry
 * as of scoring's cursor (not registered: FORBIDDEN with
 * st->upstream_may_know, so the service catches up and asks again), then
 * its action decided: panel_close only. *tool_out: the tool closed, the
 * caller's to free(), on 0. */
int scoring_editorial(sos_txn *t, const Sos__Signed *env, const ProtobufCBinaryData *rid,
                      char **tool_out, sos_status *st);
/* Apply an upstream (submission) event. */
int scoring_apply(sos_txn *t, const Sos__Event *ev);

#endif
