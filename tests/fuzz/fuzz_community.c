/* fuzz_community: an api frame for community (CommunityRequest).
 *
 * The target's own world: a community store that knows two published tools
 * ("alpha-tool", "beta", applied as publishing's publication events) and
 * holds three committed votes, with fixed signing and voter keys. Each
 * input is decoded with sos_unpack (the skeleton's budgeted allocator);
 * when it parses with a request id of 1 to 64 bytes, community's handler
 * (spec->handle on a detached skeleton) runs in a write transaction that is
 * then aborted, so every input sees the same store. Checks: the reply
 * decodes as a CommunityReply with the request's id; a vote reply carries a
 * tally whose counts add up; a tally reply's signature verifies; a refusal
 * leaves the log as it was; no voter token is written to the log. */
#include <stdio.h>
#include <string.h>

#include "community.h"
#include "envelope.h"
#include "fuzz_common.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static sos_store *s_store;

static int s_contains(const void *hay, size_t hl, const void *needle, size_t nl)
{
    for (size_t i = 0; nl && i + nl <= hl; i++)
        if (!memcmp((const char *)hay + i, needle, nl))
            return 1;
    return 0;
}
static community_state s_c;

static void s_world(void)
{
    uint8_t seed[32], raw[SOS_MAC_KEY_BYTES] = {0x5a};
    const char *tools[] = {"alpha-tool", "beta"};
    (void)fz_world_get(); /* sodium and the quiet log */
    s_store = fz_store(&community_spec);
    fz_key_seed(FZ_KEY_VERDICT, seed);
    fz_check(sos_key_from_seed(seed, &s_c.key) == 0, "community key");
    fz_check(sos_mac_key_from_bytes(raw, &s_c.voter_key) == 0, "voter key");
    s_c.min_votes = 2;
    sos_txn *t = fz_begin(s_store);
    for (int i = 0; i < 2; i++) {
        Sos__Tool tool = SOS__TOOL__INIT;
        tool.tool_id = (char *)tools[i];
        Sos__Verdict v = SOS__VERDICT__INIT;
        v.tool = &tool;
        Sos__Event ev = SOS__EVENT__INIT;
        ev.seq = (uint64_t)i + 1;
        ev.kind_case = SOS__EVENT__KIND_PUBLICATION;
        ev.publication = &v;
        fz_check(community_apply(t, &ev) == SOS_OK, "publication");
    }
    for (int i = 0; i < 3; i++) {
        uint8_t tok[16];
        memset(tok, i, sizeof tok);
        Sos__Vote v = SOS__VOTE__INIT;
        v.tool_id = (char *)"alpha-tool";
        v.choice = i ? SOS__VOTE_CHOICE__VOTE_CHOICE_SHIP : SOS__VOTE_CHOICE__VOTE_CHOICE_SKIP;
        v.voter = (ProtobufCBinaryData){sizeof tok, tok};
        Sos__VoteResult res;
        Sos__TallyBody tb;
        sos_status st = SOS_STATUS_OK;
        fz_check(community_vote(&s_c, t, &v, FZ_NOW, &res, &tb, &st) == 0, "a vote");
    }
    fz_check(sos_txn_commit(&t) == SOS_OK, "commit the world");
}

static void s_check_reply(const ProtobufCBinaryData *rid, const sos_buf *out, uint64_t head_before,
                          uint64_t head_after)
{
    Sos__CommunityReply *rep =
        (Sos__CommunityReply *)sos_unpack(&sos__community_reply__descriptor, out->data, out->len);
    fz_check(rep != NULL, "a reply decodes");
    fz_check(rep->request_id.len == rid->len &&
                 (!rid->len || !memcmp(rep->request_id.data, rid->data, rid->len)),
             "the reply carries the request id");
    fz_check(rep->status != NULL, "a reply has a status");
    if (rep->status->code != SOS__CODE__CODE_OK) {
        fz_check(rep->status->message[0] != '\0', "a refusal says why");
        fz_check(head_after == head_before, "a refusal logs nothing");
    } else if (rep->body_case == SOS__COMMUNITY_REPLY__BODY_VOTE) {
        const Sos__TallyBody *tb = rep->vote->tally;
        fz_check(tb && tb->total == tb->ship + tb->skip, "a vote's tally adds up");
        fz_check(head_after == head_before + (rep->vote->changed ? 1 : 0),
                 "one event per counted vote");
    } else if (rep->body_case == SOS__COMMUNITY_REPLY__BODY_TALLY) {
        fz_check(rep->tally->signed_ && sos_envelope_verify(&sos_envelope_tally,
                                                            rep->tally->signed_) == SOS_ENVELOPE_OK,
                 "a tally's signature verifies");
    }
    sos__community_reply__free_unpacked(rep, NULL);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (!s_store)
        s_world();
    sos_buf out = SOS_BUF_INIT;
    Sos__CommunityRequest *req =
        (Sos__CommunityRequest *)sos_unpack(&sos__community_request__descriptor, data, size);
    if (!req)
        return 0;
    const ProtobufCBinaryData *rid = &req->request_id;
    if (rid->len >= 1 && rid->len <= 64 && req->body_case != SOS__COMMUNITY_REQUEST__BODY_EVENTS &&
        req->body_case != SOS__COMMUNITY_REQUEST__BODY_STATUS) {
        uint64_t before = 0, after = 0;
        sos_txn *t = fz_begin(s_store);
        fz_check(sos_evlog_head(t, &before) == SOS_OK, "head");
        sos_svc *svc = sos_svc_detached_new(&community_spec, &s_c);
        int rc = community_spec.handle(svc, t, &req->base, &out);
        fz_check(rc != SOS_SVC_SYNC, "no catch-up without an upstream");
        fz_check(rc >= 0, "no store failure on a good store");
        fz_check(sos_evlog_head(t, &after) == SOS_OK, "head after");
        if (out.len)
            s_check_reply(rid, &out, before, after);
        if (req->body_case == SOS__COMMUNITY_REQUEST__BODY_VOTE && after > before &&
            req->vote->voter.len) {
            Sos__Event *ev = NULL;
            uint8_t k[8];
            sos_val v;
            sos_be64_put(k, after);
            fz_check(sos_txn_get(t, SOS_DB_EVENTS, k, 8, &v) == SOS_OK, "the new event");
            ev = (Sos__Event *)sos_unpack(&sos__event__descriptor, v.data, v.len);
            fz_check(ev && ev->kind_case == SOS__EVENT__KIND_VOTE_COUNTED, "a vote_counted");
            fz_check(!s_contains(v.data, v.len, req->vote->voter.data, req->vote->voter.len),
                     "the token is not in the log");
            sos__event__free_unpacked(ev, NULL);
        }
        sos_svc_detached_destroy(&svc);
        sos_txn_abort(&t);
    }
    protobuf_c_message_free_unpacked(&req->base, NULL);
    sos_buf_free(&out);
    return 0;
}
