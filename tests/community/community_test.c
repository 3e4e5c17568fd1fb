/* unit.community.community: votes and tallies, the rule functions of
 * services/community/community.c against a real store, no sockets. */
#include "testutil.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "community.h"
#include "envelope.h"

#define NOW 1765000000u
#define SHIP SOS__VOTE_CHOICE__VOTE_CHOICE_SHIP
#define SKIP SOS__VOTE_CHOICE__VOTE_CHOICE_SKIP

typedef struct {
    tu_env *e;
    community_state c;
} fx;

static void s_publish(fx *f, const char *id, uint64_t seq)
{
    Sos__Tool tool = SOS__TOOL__INIT;
    tool.tool_id = (char *)id;
    Sos__Verdict v = SOS__VERDICT__INIT;
    v.tool = &tool;
    Sos__Event ev = SOS__EVENT__INIT;
    ev.seq = seq;
    ev.kind_case = SOS__EVENT__KIND_PUBLICATION;
    ev.publication = &v;
    sos_txn *t = tu_begin(f->e, true);
    assert_int_equal(community_apply(t, &ev), SOS_OK);
    tu_commit(&t);
}

static int s_setup(void **state)
{
    fx *f = calloc(1, sizeof *f);
    uint8_t raw[SOS_MAC_KEY_BYTES];
    assert_non_null(f);
    f->e = tu_env_new(community_spec.dbs, community_spec.n_dbs);
    assert_int_equal(sos_key_generate(&f->c.key), 0);
    sos_random(raw, sizeof raw);
    assert_int_equal(sos_mac_key_from_bytes(raw, &f->c.voter_key), 0);
    f->c.min_votes = 3;
    s_publish(f, "cursor", 1);
    s_publish(f, "claude-code", 2);
    *state = f;
    return 0;
}

static int s_teardown(void **state)
{
    fx *f = *state;
    sos_key_destroy(&f->c.key);
    sos_mac_key_destroy(&f->c.voter_key);
    tu_env_free(&f->e);
    free(f);
    return 0;
}

static void s_token(uint8_t tok[16], int n)
{
    memset(tok, 0, 16);
    tok[0] = (uint8_t)n;
    tok[15] = 0xa5;
}

/* One vote, committed: the rule's return code; *res and *tb as the rule
 * left them (tb->tool_id borrows tool). */
static int s_vote(fx *f, const char *tool, Sos__VoteChoice ch, int voter, Sos__VoteResult *res,
                  Sos__TallyBody *tb, sos_status *st)
{
    uint8_t tok[16];
    s_token(tok, voter);
    Sos__Vote v = SOS__VOTE__INIT;
    v.tool_id = (char *)tool;
    v.choice = ch;
    v.voter = (ProtobufCBinaryData){sizeof tok, tok};
    sos_txn *t = tu_begin(f->e, true);
    int rc = community_vote(&f->c, t, &v, NOW, res, tb, st);
    if (rc == 0)
        tu_commit(&t);
    else
        sos_txn_abort(&t);
    return rc;
}

static void test_vote_change_same(void **state)
{
    fx *f = *state;
    Sos__VoteResult res;
    Sos__TallyBody tb;
    sos_status st = SOS_STATUS_OK;

    assert_int_equal(s_vote(f, "cursor", SHIP, 1, &res, &tb, &st), 0);
    assert_true(res.changed);
    assert_int_equal(res.previous, SOS__VOTE_CHOICE__VOTE_CHOICE_UNSPECIFIED);
    assert_int_equal(tb.ship, 1);
    assert_int_equal(tb.skip, 0);
    assert_int_equal(tu_head(f->e), 1);

    /* the same vote again changes nothing and logs nothing */
    assert_int_equal(s_vote(f, "cursor", SHIP, 1, &res, &tb, &st), 0);
    assert_false(res.changed);
    assert_int_equal(res.previous, SHIP);
    assert_int_equal(tb.ship, 1);
    assert_int_equal(tb.total, 1);
    assert_int_equal(tu_head(f->e), 1);

    /* a change moves the tally: ship - 1, skip + 1 */
    assert_int_equal(s_vote(f, "cursor", SKIP, 1, &res, &tb, &st), 0);
    assert_true(res.changed);
    assert_int_equal(res.previous, SHIP);
    assert_int_equal(tb.ship, 0);
    assert_int_equal(tb.skip, 1);
    assert_int_equal(tb.total, 1);
    assert_int_equal(tu_head(f->e), 2);
    assert_int_equal(tb.seq, 2);

    /* another voter, another tool: separate */
    assert_int_equal(s_vote(f, "cursor", SHIP, 2, &res, &tb, &st), 0);
    assert_int_equal(tb.ship, 1);
    assert_int_equal(tb.skip, 1);
    assert_int_equal(s_vote(f, "claude-code", SHIP, 1, &res, &tb, &st), 0);
    assert_int_equal(tb.ship, 1);
    assert_int_equal(tb.total, 1);
    assert_int_equal(tu_count(f->e, COMMUNITY_DB_VOTES), 3);

    /* the log records each counted vote with the change */
    Sos__Event *ev = tu_event(f->e, 2);
    assert_non_null(ev);
    assert_int_equal(ev->kind_case, SOS__EVENT__KIND_VOTE_COUNTED);
    assert_string_equal(ev->vote_counted->tool_id, "cursor");
    assert_int_equal(ev->vote_counted->choice, SKIP);
    assert_int_equal(ev->vote_counted->previous, SHIP);
    assert_int_equal(ev->vote_counted->counted_at, NOW);
    sos__event__free_unpacked(ev, NULL);
}

static void test_refusals(void **state)
{
    fx *f = *state;
    Sos__VoteResult res;
    Sos__TallyBody tb;
    sos_status st = SOS_STATUS_OK;

    assert_int_equal(s_vote(f, "cursr", SHIP, 1, &res, &tb, &st), SOS__CODE__CODE_NOT_FOUND);
    assert_non_null(strstr(st.msg, "did you mean 'cursor'"));
    assert_true(st.upstream_may_know);
    st = (sos_status)SOS_STATUS_OK;
    assert_int_equal(s_vote(f, "zzzzzzzzzzzz", SHIP, 1, &res, &tb, &st), SOS__CODE__CODE_NOT_FOUND);
    assert_null(strstr(st.msg, "did you mean"));
    assert_int_equal(s_vote(f, "", SHIP, 1, &res, &tb, &st), SOS__CODE__CODE_BAD_REQUEST);
    assert_int_equal(
        s_vote(f, "cursor", SOS__VOTE_CHOICE__VOTE_CHOICE_UNSPECIFIED, 1, &res, &tb, &st),
        SOS__CODE__CODE_BAD_REQUEST);
    assert_int_equal(s_vote(f, "cursor", (Sos__VoteChoice)7, 1, &res, &tb, &st),
                     SOS__CODE__CODE_BAD_REQUEST);

    uint8_t tok[15] = {1};
    Sos__Vote v = SOS__VOTE__INIT;
    v.tool_id = (char *)"cursor";
    v.choice = SHIP;
    v.voter = (ProtobufCBinaryData){sizeof tok, tok};
    sos_txn *t = tu_begin(f->e, true);
    assert_int_equal(community_vote(&f->c, t, &v, NOW, &res, &tb, &st),
                     SOS__CODE__CODE_BAD_REQUEST);
    sos_txn_abort(&t);

    /* nothing was counted, nothing logged */
    assert_int_equal(tu_count(f->e, COMMUNITY_DB_VOTES), 0);
    assert_int_equal(tu_head(f->e), 0);

    t = tu_begin(f->e, false);
    assert_int_equal(community_tally(&f->c, t, "claude-cod", NOW, &tb, &st),
                     SOS__CODE__CODE_NOT_FOUND);
    assert_non_null(strstr(st.msg, "did you mean 'claude-code'"));
    sos_txn_abort(&t);
}

static void test_tally_min_votes(void **state)
{
    fx *f = *state;
    Sos__VoteResult res;
    Sos__TallyBody tb;
    sos_status st = SOS_STATUS_OK;

    sos_txn *t = tu_begin(f->e, false);
    assert_int_equal(community_tally(&f->c, t, "cursor", NOW, &tb, &st), 0);
    sos_txn_abort(&t);
    assert_int_equal(tb.total, 0);
    assert_false(tb.shown);
    assert_int_equal(tb.min_votes, 3);

    assert_int_equal(s_vote(f, "cursor", SHIP, 1, &res, &tb, &st), 0);
    assert_int_equal(s_vote(f, "cursor", SKIP, 2, &res, &tb, &st), 0);
    assert_int_equal(tb.total, 2);
    assert_false(tb.shown);
    assert_int_equal(tb.ship_pct, 0); /* below min_votes: no % */
    assert_int_equal(s_vote(f, "cursor", SHIP, 3, &res, &tb, &st), 0);
    assert_int_equal(tb.total, 3);
    assert_true(tb.shown);
    assert_int_equal(tb.ship_pct, 67); /* round(200/3) */

    assert_int_equal(community_ship_pct(1, 8), 13); /* 12.5 rounds up */
    assert_int_equal(community_ship_pct(0, 0), 0);
    assert_int_equal(community_ship_pct(5, 5), 100);
}

static void test_signed_tally(void **state)
{
    fx *f = *state;
    Sos__VoteResult res;
    Sos__TallyBody tb;
    sos_status st = SOS_STATUS_OK;
    uint8_t sig[SOS_SIG_BYTES];
    sos_buf payload = SOS_BUF_INIT;
    Sos__Signed env;
    ProtobufCMessage *m = NULL;

    for (int i = 0; i < 4; i++)
        assert_int_equal(s_vote(f, "cursor", i ? SHIP : SKIP, i, &res, &tb, &st), 0);
    sos_txn *t = tu_begin(f->e, false);
    assert_int_equal(community_tally(&f->c, t, "cursor", NOW, &tb, &st), 0);
    sos_txn_abort(&t);
    community_tally_sign(&f->c, &tb, &payload, sig, &env);
    assert_memory_equal(env.signer.data, sos_key_public(f->c.key), SOS_PK_BYTES);
    assert_int_equal(sos_envelope_open(&sos_envelope_tally, &env, false, &m), SOS_ENVELOPE_OK);
    Sos__TallyBody *b = (Sos__TallyBody *)m;
    assert_string_equal(b->tool_id, "cursor");
    assert_int_equal(b->ship, 3);
    assert_int_equal(b->skip, 1);
    assert_int_equal(b->ship_pct, 75);
    assert_true(b->shown);
    assert_int_equal(b->tallied_at, NOW);
    protobuf_c_message_free_unpacked(m, NULL);

    /* not a verdict's signature, and a changed count fails */
    assert_int_equal(sos_envelope_verify(&sos_envelope_verdict, &env), SOS_ENVELOPE_FORGED);
    payload.data[payload.len - 1] ^= 1;
    assert_int_equal(sos_envelope_verify(&sos_envelope_tally, &env), SOS_ENVELOPE_FORGED);
    sos_buf_free(&payload);
}

static bool s_contains(const uint8_t *hay, size_t hl, const uint8_t *needle, size_t nl)
{
    for (size_t i = 0; i + nl <= hl; i++)
        if (!memcmp(hay + i, needle, nl))
            return true;
    return false;
}

/* The store and the log hold the keyed hash, never the token: not as
 * it is, not in hex, not its plain (unkeyed) hash. */
static void test_voter_hash(void **state)
{
    fx *f = *state;
    Sos__VoteResult res;
    Sos__TallyBody tb;
    sos_status st = SOS_STATUS_OK;
    uint8_t tok[16], h[SOS_HASH_BYTES], plain[SOS_HASH_BYTES], h2[SOS_HASH_BYTES];
    char hex[33];

    s_token(tok, 9);
    community_voter_hash(&f->c, tok, sizeof tok, h);
    sos_hash(tok, sizeof tok, plain);
    assert_memory_not_equal(h, plain, sizeof h);
    assert_false(s_contains(h, sizeof h, tok, sizeof tok));
    /* another key, another hash */
    uint8_t raw[SOS_MAC_KEY_BYTES] = {7};
    community_state other = f->c;
    assert_int_equal(sos_mac_key_from_bytes(raw, &other.voter_key), 0);
    community_voter_hash(&other, tok, sizeof tok, h2);
    assert_memory_not_equal(h, h2, sizeof h);
    sos_mac_key_destroy(&other.voter_key);

    assert_int_equal(s_vote(f, "cursor", SHIP, 9, &res, &tb, &st), 0);
    sos_hex(tok, sizeof tok, hex);
    Sos__Event *ev = tu_event(f->e, 1);
    assert_non_null(ev);
    assert_true(tu_bin_eq(ev->vote_counted->voter_hash, h, sizeof h));
    sos__event__free_unpacked(ev, NULL);
    /* every key and value of the votes and events databases */
    sos_db dbs[] = {COMMUNITY_DB_VOTES, SOS_DB_EVENTS, COMMUNITY_DB_TALLIES};
    sos_txn *t = tu_begin(f->e, false);
    for (size_t d = 0; d < sizeof dbs / sizeof dbs[0]; d++) {
        sos_cursor *cur = NULL;
        sos_val k, v;
        assert_int_equal(sos_cursor_open(t, dbs[d], &cur), 0);
        int rc = sos_cursor_seek(cur, NULL, 0, &k, &v);
        assert_int_equal(rc, SOS_OK);
        for (; rc == SOS_OK; rc = sos_cursor_next(cur, &k, &v)) {
            assert_false(s_contains(k.data, k.len, tok, sizeof tok));
            assert_false(s_contains(v.data, v.len, tok, sizeof tok));
            assert_false(s_contains(v.data, v.len, (const uint8_t *)hex, 32));
            assert_false(s_contains(k.data, k.len, plain, sizeof plain));
        }
        sos_cursor_destroy(&cur);
    }
    sos_txn_abort(&t);
}

int main(void)
{
    if (sos_sign_init() != 0)
        return 1;
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_vote_change_same, s_setup, s_teardown),
        cmocka_unit_test_setup_teardown(test_refusals, s_setup, s_teardown),
        cmocka_unit_test_setup_teardown(test_tally_min_votes, s_setup, s_teardown),
        cmocka_unit_test_setup_teardown(test_signed_tally, s_setup, s_teardown),
        cmocka_unit_test_setup_teardown(test_voter_hash, s_setup, s_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
