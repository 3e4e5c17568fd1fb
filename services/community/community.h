/* community: readers' votes on published tools, their tallies, and the
 * newsletter's subscribers (issue 16).
 *
 * Rule functions follow rules.h: <0 store code, 0 ok, >0 refusal code
 * with the message in the sos_status. They take the transaction and the
 * clock from the caller, so tests call them without sockets. */
#ifndef COMMUNITY_H
#define COMMUNITY_H

#include <stddef.h>
#include <stdint.h>

#include "community.pb-c.h"
#include "sign.h"
#include "status.h"
#include "store.h"
#include "svc.h"

enum {
    COMMUNITY_DB_TOOLS = SOS_DB_APP, /* tool id -> publishing's seq (BE64): votable */
    COMMUNITY_DB_VOTES,              /* tool id NUL voter hash (32) -> choice (1 byte) */
    COMMUNITY_DB_TALLIES,            /* tool id -> ship (BE32) || skip (BE32) */
    COMMUNITY_DB_SUBSCRIBERS,        /* email -> packed Subscriber */
    COMMUNITY_DB_TOKENS,             /* confirm or unsubscribe token (16) -> email */
    COMMUNITY_DB_SENDS,              /* issue NUL email -> sent at (BE64) */
};

#define COMMUNITY_TOKEN_BYTES 16
#define COMMUNITY_MIN_VOTES_DEFAULT 10

typedef struct {
    sos_key *key;           /* signs tallies; owned */
    sos_mac_key *voter_key; /* keys the voter hash; owned */
    uint32_t min_votes;     /* [community] min_votes */
} community_state;

extern const sos_svc_spec community_spec;

/* Apply one publishing event: a publication makes its tool votable; the
 * rest is ignored. SOS_OK or a store code. */
int community_apply(sos_txn *t, const Sos__Event *ev);

/* The keyed hash community stores for a voter token (never the token). */
void community_voter_hash(const community_state *c, const uint8_t *token, size_t n,
                          uint8_t out[SOS_HASH_BYTES]);

/* One vote: the first of its voter on its tool is counted, a changed one
 * replaces the old (the tally moves), the same one again changes nothing.
 * A counted or changed vote appends a vote_counted event in t. On 0, *res
 * says what happened and *tb (res->tally points to it) is the tally after
 * the vote, unsigned; tb->tool_id borrows v->tool_id. Refusals:
 * BAD_REQUEST (tool id, choice, voter not COMMUNITY_TOKEN_BYTES), NOT_FOUND
 * (not published; the message names the nearest published id, and
 * st->upstream_may_know is set). */
int community_vote(const community_state *c, sos_txn *t, const Sos__Vote *v, uint64_t now,
                   Sos__VoteResult *res, Sos__TallyBody *tb, sos_status *st);

/* The tally of a published tool (zeros before the first vote) into *tb;
 * tb->tool_id borrows tool_id. NOT_FOUND as community_vote. */
int community_tally(const community_state *c, sos_txn *t, const char *tool_id, uint64_t now,
                    Sos__TallyBody *tb, sos_status *st);

/* Signs tb with c->key into *env: *payload (the caller's buffer) receives
 * the packed body, and env points into payload, sig and the key, as
 * sos_envelope_seal. */
void community_tally_sign(const community_state *c, const Sos__TallyBody *tb, sos_buf *payload,
                          uint8_t sig[SOS_SIG_BYTES], Sos__Signed *env);

/* --- subscribers (community_sub.c) ---------------------------------
 * Never logged: an address must be erasable. Tokens are made by the
 * caller (sos_random) so the rules stay deterministic. *out (a subscriber)
 * is the caller's, freed with sos__subscriber__free_unpacked, also after a
 * refusal when set. */
#define COMMUNITY_EMAIL_CAP 255
/* local@domain.tld, 3 to 254 printable ASCII bytes without spaces or
 * <>()[]\,;:", one '@'; lowercased into out. BAD_REQUEST otherwise. */
int community_email_check(const char *email, char out[COMMUNITY_EMAIL_CAP], sos_status *st);
/* New or unsubscribed: pending with these tokens. Pending: the same
 * subscriber and tokens again (a confirmation to resend). Confirmed: as it
 * is. */
int community_subscribe(sos_txn *t, const Sos__Subscribe *req, uint64_t now,
                        const uint8_t confirm[COMMUNITY_TOKEN_BYTES],
                        const uint8_t unsub[COMMUNITY_TOKEN_BYTES], Sos__Subscriber **out,
                        sos_status *st);
/* The confirm token: confirmed (again: nothing changes). NOT_FOUND for an
 * unknown token; BAD_REQUEST for an unsubscribe token. */
int community_confirm(sos_txn *t, const Sos__Token *tok, uint64_t now, Sos__Subscriber **out,
                      sos_status *st);
/* The unsubscribe token: unsubscribed, both tokens dropped (the links stop
 * working). */
int community_unsubscribe(sos_txn *t, const Sos__Token *tok, Sos__Subscriber **out, sos_status *st);
/* Erases the address, its tokens and its sends; *out is what it was. */
int community_subscriber_delete(sos_txn *t, const char *email, Sos__Subscriber **out,
                                sos_status *st);
/* Issue m->issue (1-32 bytes) went to m->email (a subscriber). */
int community_send_mark(sos_txn *t, const Sos__SendMark *m, uint64_t now, sos_status *st);
/* A page of subscribers by email (q->max: 0 = 100, at most 1000), filtered
 * by q->confirmed_only and q->unsent_issue; page->next is "" at the end.
 * Free page's contents with community_page_clear. */
int community_subscriber_list(sos_txn *t, const Sos__SubscriberQuery *q, Sos__SubscriberPage *page,
                              sos_status *st);
void community_page_clear(Sos__SubscriberPage *page);

/* round(100 * ship / total), 0 for no votes. */
uint32_t community_ship_pct(uint32_t ship, uint32_t total);

#endif
