/* community: the vote and tally rules (community.h). The service around
 * them is community_svc.c. */
#include "community.h"

#include <string.h>

#include "envelope.h"
#include "evlog.h"
#include "log.h"
#include "rules.h"

#define S_KEY_MAX (128 + 1 + SOS_HASH_BYTES)
/* Published ids looked at for "nearest" at most: a refusal costs at most
 * this many bounded edit distances (about 2 ms), however many tools are
 * published and however many bad votes arrive. */
#define S_NEAR_SCAN 5000

int community_apply(sos_txn *t, const Sos__Event *ev)
{
    uint8_t seq[8];
    switch (ev->kind_case) {
    case SOS__EVENT__KIND_PUBLICATION: {
        const Sos__Tool *tool = ev->publication->tool;
        if (!tool || !tool->tool_id[0] || strlen(tool->tool_id) > 127) {
            sos_log_error("publication.corrupt", "seq=%llu", (unsigned long long)ev->seq);
            return SOS_EINVAL;
        }
        sos_be64_put(seq, ev->seq);
        return sos_txn_put(t, COMMUNITY_DB_TOOLS, tool->tool_id, strlen(tool->tool_id), seq, 8);
    }
    case SOS__EVENT__KIND_COMPARISON_PUBLISHED: return SOS_OK; /* votes are per tool */
    default:
        sos_log_warn("follow.ignored", "kind=%d seq=%llu", ev->kind_case,
                     (unsigned long long)ev->seq);
        return SOS_OK;
    }
}

void community_voter_hash(const community_state *c, const uint8_t *token, size_t n,
                          uint8_t out[SOS_HASH_BYTES])
{
    sos_mac(c->voter_key, token, n, out);
}

uint32_t community_ship_pct(uint32_t ship, uint32_t total)
{
    if (!total)
        return 0;
    return (uint32_t)((200ull * ship + total) / (2ull * total));
}

/* Edit distance (insert, delete, change), capped at cap + 1. */
static size_t s_distance(const char *a, size_t al, const char *b, size_t bl, size_t cap)
{
    size_t row[129];
    if (al > 128 || bl > 128)
        return cap + 1;
    for (size_t j = 0; j <= bl; j++)
        row[j] = j;
    for (size_t i = 1; i <= al; i++) {
        size_t diag = row[0], best = row[0] = i;
        for (size_t j = 1; j <= bl; j++) {
            size_t up = row[j];
            size_t v = diag + (a[i - 1] != b[j - 1]);
            if (up + 1 < v)
                v = up + 1;
            if (row[j - 1] + 1 < v)
                v = row[j - 1] + 1;
            row[j] = v;
            diag = up;
            if (v < best)
                best = v;
        }
        if (best > cap)
            return cap + 1;
    }
    return row[bl];
}

/* NOT_FOUND for a tool not published, naming the nearest published id
 * (fewest edits; the first in id order on a tie) when one is within half
 * the id's length. */
static int s_unknown(sos_txn *t, const char *tool_id, sos_status *st)
{
    char near[129] = "";
    size_t best = strlen(tool_id) / 2 + 1, il = strlen(tool_id);
    sos_cursor *cur = NULL;
    sos_val k, v;
    int rc = sos_cursor_open(t, COMMUNITY_DB_TOOLS, &cur);
    if (rc)
        return rc;
    rc = sos_cursor_seek(cur, NULL, 0, &k, &v);
    for (size_t n = 0; rc == SOS_OK && n < S_NEAR_SCAN; n++) {
        size_t gap = k.len > il ? k.len - il : il - k.len;
        size_t d = gap >= best ? best : s_distance(tool_id, il, k.data, k.len, best);
        if (d < best && k.len < sizeof near) {
            best = d;
            memcpy(near, k.data, k.len);
            near[k.len] = '\0';
        }
        rc = sos_cursor_next(cur, &k, &v);
    }
    sos_cursor_destroy(&cur);
    if (rc != SOS_OK && rc != SOS_NOTFOUND)
        return rc;
    rc = sos_fail(st, SOS__CODE__CODE_NOT_FOUND, "tool not published: %s%s%s%s", tool_id,
                  near[0] ? "; did you mean '" : "", near, near[0] ? "'?" : "");
    st->upstream_may_know = 1;
    return rc;
}

static int s_published(sos_txn *t, const char *tool_id, sos_status *st)
{
    int rc = sos_rules_id(st, "tool id", tool_id);
    if (rc)
        return rc;
    rc = sos_txn_get(t, COMMUNITY_DB_TOOLS, tool_id, strlen(tool_id), NULL);
    if (rc == SOS_NOTFOUND)
        return s_unknown(t, tool_id, st);
    return rc;
}

static int s_counts(sos_txn *t, const char *tool_id, uint32_t *ship, uint32_t *skip)
{
    sos_val v;
    int rc = sos_txn_get(t, COMMUNITY_DB_TALLIES, tool_id, strlen(tool_id), &v);
    *ship = *skip = 0;
    if (rc == SOS_NOTFOUND)
        return 0;
    if (rc)
        return rc;
    if (v.len != 8)
        return sos_store_corrupt("tallies", tool_id, strlen(tool_id), "a tally not 8 bytes long");
    *ship = sos_be32_get(v.data);
    *skip = sos_be32_get((const uint8_t *)v.data + 4);
    return 0;
}

static int s_fill(const community_state *c, sos_txn *t, const char *tool_id, uint64_t now,
                  Sos__TallyBody *tb)
{
    uint32_t ship, skip;
    uint64_t head = 0;
    int rc;
    if ((rc = s_counts(t, tool_id, &ship, &skip)) || (rc = sos_evlog_head(t, &head)))
        return rc;
    sos__tally_body__init(tb);
    tb->tool_id = (char *)tool_id;
    tb->ship = ship;
    tb->skip = skip;
    tb->total = ship + skip;
    tb->min_votes = c->min_votes;
    tb->shown = tb->total >= c->min_votes;
    tb->ship_pct = tb->shown ? community_ship_pct(ship, tb->total) : 0;
    tb->tallied_at = now;
    tb->seq = head;
    return 0;
}

int community_tally(const community_state *c, sos_txn *t, const char *tool_id, uint64_t now,
                    Sos__TallyBody *tb, sos_status *st)
{
    int rc = s_published(t, tool_id, st);
    return rc ? rc : s_fill(c, t, tool_id, now, tb);
}

static const char *s_choice(Sos__VoteChoice ch)
{
    return ch == SOS__VOTE_CHOICE__VOTE_CHOICE_SHIP   ? "ship"
           : ch == SOS__VOTE_CHOICE__VOTE_CHOICE_SKIP ? "skip"
                                                      : "none";
}

int community_vote(const community_state *c, sos_txn *t, const Sos__Vote *v, uint64_t now,
                   Sos__VoteResult *res, Sos__TallyBody *tb, sos_status *st)
{
    uint8_t key[S_KEY_MAX], hash[SOS_HASH_BYTES], tally[8], ch;
    uint32_t ship, skip;
    sos_val old;
    int rc;

    if (v->choice != SOS__VOTE_CHOICE__VOTE_CHOICE_SHIP &&
        v->choice != SOS__VOTE_CHOICE__VOTE_CHOICE_SKIP)
        return sos_fail(st, SOS__CODE__CODE_BAD_REQUEST, "a vote is ship or skip");
    if (v->voter.len != COMMUNITY_TOKEN_BYTES)
        return sos_fail(st, SOS__CODE__CODE_BAD_REQUEST,
                        "a voter token is %d bytes (32 hex digits), not %zu", COMMUNITY_TOKEN_BYTES,
                        v->voter.len);
    if ((rc = s_published(t, v->tool_id, st)))
        return rc;
    community_voter_hash(c, v->voter.data, v->voter.len, hash);
    size_t tl = strlen(v->tool_id);
    memcpy(key, v->tool_id, tl + 1);
    memcpy(key + tl + 1, hash, sizeof hash);
    size_t kl = tl + 1 + sizeof hash;

    sos__vote_result__init(res);
    rc = sos_txn_get(t, COMMUNITY_DB_VOTES, key, kl, &old);
    if (rc == SOS_OK) {
        if (old.len != 1 || (((const uint8_t *)old.data)[0] != SOS__VOTE_CHOICE__VOTE_CHOICE_SHIP &&
                             ((const uint8_t *)old.data)[0] != SOS__VOTE_CHOICE__VOTE_CHOICE_SKIP))
            return sos_store_corrupt("votes", key, kl, "a vote that is not ship or skip");
        res->previous = (Sos__VoteChoice)((const uint8_t *)old.data)[0];
    } else if (rc != SOS_NOTFOUND) {
        return rc;
    }
    if (res->previous != v->choice) {
        if ((rc = s_counts(t, v->tool_id, &ship, &skip)))
            return rc;
        if (res->previous == SOS__VOTE_CHOICE__VOTE_CHOICE_SHIP)
            ship--;
        else if (res->previous == SOS__VOTE_CHOICE__VOTE_CHOICE_SKIP)
            skip--;
        if (v->choice == SOS__VOTE_CHOICE__VOTE_CHOICE_SHIP)
            ship++;
        else
            skip++;
        sos_be32_put(tally, ship);
        sos_be32_put(tally + 4, skip);
        ch = (uint8_t)v->choice;
        Sos__VoteCounted vc = SOS__VOTE_COUNTED__INIT;
        vc.tool_id = v->tool_id;
        vc.voter_hash = (ProtobufCBinaryData){sizeof hash, hash};
        vc.choice = v->choice;
        vc.previous = res->previous;
        vc.counted_at = now;
        Sos__Event ev = SOS__EVENT__INIT;
        ev.kind_case = SOS__EVENT__KIND_VOTE_COUNTED;
        ev.vote_counted = &vc;
        if ((rc = sos_txn_put(t, COMMUNITY_DB_VOTES, key, kl, &ch, 1)) ||
            (rc = sos_txn_put(t, COMMUNITY_DB_TALLIES, v->tool_id, tl, tally, sizeof tally)) ||
            (rc = sos_evlog_append(t, &ev)))
            return rc;
        res->changed = true;
        sos_log_debug("vote.counted", "tool=%s vote=%s previous=%s seq=%llu", v->tool_id,
                      s_choice(v->choice), s_choice(res->previous), (unsigned long long)ev.seq);
    }
    if ((rc = s_fill(c, t, v->tool_id, now, tb)))
        return rc;
    res->tally = tb;
    return 0;
}

void community_tally_sign(const community_state *c, const Sos__TallyBody *tb, sos_buf *payload,
                          uint8_t sig[SOS_SIG_BYTES], Sos__Signed *env)
{
    sos_envelope_seal(&sos_envelope_tally, c->key, &tb->base, payload, sig, env);
}
