/* retry: one signed take request sent many times must be decided once.
 *
 *   retry ENDPOINT KEYFILE TOOL PERSONA COUNT
 *
 * ENDPOINT is scoring's api; KEYFILE a secret key registered for PERSONA
 * (1-5) on TOOL, which must have no take yet. Builds ONE ScoringRequest
 * frame (take_file, request_id = take_id, TakeBody signed with KEYFILE) and:
 *   1. sends those exact bytes COUNT times pipelined on one DEALER: COUNT
 *      replies, every one OK, with the take id as request id, the take hash
 *      (BLAKE2b-256 of the payload), and byte-identical reply frames;
 *   2. files the same take 100 more times one by one through
 *      scoring_clnt_take_file with the same id: OK and the same hash;
 *   3. take_list shows exactly one record, the payload sent;
 *   4. the same take id with another body (score changed, re-signed) is
 *      refused with CONFLICT (3);
 *   5. take_list still shows exactly one record, the first payload;
 *   6. one burst (one group commit, or a few) mixing MIXED good amendments
 *      (revisions 2..MIXED+1) with a badly signed copy and a stale
 *      revision after each: every good one OK, every bad one refused with
 *      its own code, and take_list then holds 1 + MIXED records — a
 *      refusal inside a batch undoes nothing but itself.
 * Prints each check and "N passed, M failed"; exit 0 when all passed.
 *
 * Every limit on a wait (R_HANG_GUARD_MS, the client's try) is a hang
 * guard, not a speed claim: each loop ends as soon as every reply is in. */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "clnt.h"
#include "scoring_clnt.h"
#include "sign.h"
#include "wire.h"

#define TAKE_ID_BYTES 16
#define SEQUENTIAL 100
#define MIXED 40
#define R_HANG_GUARD_MS 120000
#define R_TRY_MS 30000 /* scoring_clnt's wait per try (3 tries) */

static int s_passed, s_failed;

static void s_check(bool ok, const char *what)
{
    printf("%s %s\n", ok ? "PASS" : "FAIL", what);
    fflush(stdout);
    if (ok)
        s_passed++;
    else
        s_failed++;
}

/* Packs body, signs it with k; payload and sig are the caller's. */
static void s_sign_take(const sos_key *k, Sos__TakeBody *body, sos_buf *payload,
                        uint8_t sig[SOS_SIG_BYTES], Sos__Signed *s)
{
    sos_buf_reset(payload);
    sos_buf_pack(payload, &body->base);
    sos_sign(k, SOS_DOMAIN_TAKE, payload->data, payload->len, sig);
    *s = (Sos__Signed)SOS__SIGNED__INIT;
    s->payload = (ProtobufCBinaryData){payload->len, payload->data};
    s->signer = (ProtobufCBinaryData){SOS_PK_BYTES, (uint8_t *)sos_key_public(k)};
    s->signature = (ProtobufCBinaryData){SOS_SIG_BYTES, sig};
}

/* Pipelines count copies of frame on one DEALER; checks every reply. */
static void s_pipelined(const char *ep, const sos_buf *frame, long count, const uint8_t *id,
                        const uint8_t hash[SOS_HASH_BYTES])
{
    sos_wire *w = NULL;
    sos_sock *s = NULL;
    long sent = 0, replies = 0, ok = 0, refused = 0, same_id = 0, same_hash = 0, identical = 0;
    sos_buf first = SOS_BUF_INIT;
    char line[160];
    if (sos_wire_new(&w) != 0 || sos_sock_new(w, SOS_SOCK_DEALER, ep, &s) != 0) {
        s_check(false, "pipelined: socket");
        return;
    }
    int64_t end = sos_now_ms() + R_HANG_GUARD_MS;
    while (replies < count && sos_now_ms() < end) {
        while (sent < count) {
            sos_frame f = {frame->data, frame->len};
            if (sos_sock_send(s, &f, 1) != 0)
                break; /* queue full: drain replies first */
            sent++;
        }
        bool rd;
        sos_sock *ss[1] = {s};
        if (sos_wire_poll(ss, 1, &rd, 200) <= 0)
            continue;
        sos_frames in;
        while (sos_sock_recv(s, &in) == 0) {
            replies++;
            if (in.n == 1) {
                if (first.len == 0)
                    sos_buf_append(&first, in.data[0], in.len[0]);
                if (in.len[0] == first.len && memcmp(in.data[0], first.data, first.len) == 0)
                    identical++;
                Sos__ScoringReply *r = (Sos__ScoringReply *)sos_unpack(
                    &sos__scoring_reply__descriptor, in.data[0], in.len[0]);
                if (r) {
                    if (r->status && r->status->code == SOS__CODE__CODE_OK)
                        ok++;
                    else if (refused++ == 0)
                        printf("  first refusal: code %d %s\n",
                               r->status ? (int)r->status->code : -1,
                               r->status && r->status->message ? r->status->message : "");
                    if (r->request_id.len == TAKE_ID_BYTES &&
                        memcmp(r->request_id.data, id, TAKE_ID_BYTES) == 0)
                        same_id++;
                    if (r->take_hash.len == SOS_HASH_BYTES &&
                        memcmp(r->take_hash.data, hash, SOS_HASH_BYTES) == 0)
                        same_hash++;
                    sos__scoring_reply__free_unpacked(r, NULL);
                }
            }
            sos_frames_clear(&in);
        }
    }
    printf("pipelined: %ld sent, %ld replies, %ld OK, %ld with the take id, %ld with the take "
           "hash, %ld byte-identical to the first\n",
           sent, replies, ok, same_id, same_hash, identical);
    snprintf(line, sizeof line, "pipelined: %ld replies to %ld identical frames", replies, count);
    s_check(sent == count && replies == count, line);
    s_check(ok == count, "pipelined: every reply OK");
    s_check(same_id == count, "pipelined: every reply carries the take id");
    s_check(same_hash == count, "pipelined: every reply carries the same take hash");
    s_check(identical == count, "pipelined: every reply byte-identical");
    sos_buf_free(&first);
    sos_sock_destroy(&s);
    sos_wire_destroy(&w);
}

/* take_list: 1 when exactly one take with this payload, else 0. */
static bool s_one_take(sos_clnt *c, const char *tool, const sos_buf *payload)
{
    Sos__ScoringReply *r = NULL;
    bool one = false;
    if (scoring_clnt_take_list(c, NULL, 0, tool, &r) != SOS_CLNT_OK)
        return false;
    if (r->status && r->status->code == SOS__CODE__CODE_OK && r->takes) {
        printf("take_list %s: %zu record(s)\n", tool, r->takes->n_takes);
        one = r->takes->n_takes == 1 && r->takes->takes[0]->payload.len == payload->len &&
              memcmp(r->takes->takes[0]->payload.data, payload->data, payload->len) == 0;
    }
    sos__scoring_reply__free_unpacked(r, NULL);
    return one;
}

/* One signed take_file frame for body (a fresh take id), its signature
 * spoilt when bad. The frame is the caller's. */
static void s_frame(const sos_key *k, Sos__TakeBody *body, bool bad, uint8_t id[TAKE_ID_BYTES],
                    sos_buf *frame)
{
    sos_buf payload = SOS_BUF_INIT;
    uint8_t sig[SOS_SIG_BYTES];
    Sos__Signed s;
    sos_random(id, TAKE_ID_BYTES);
    body->take_id = (ProtobufCBinaryData){TAKE_ID_BYTES, id};
    s_sign_take(k, body, &payload, sig, &s);
    if (bad)
        sig[7] ^= 0x20;
    Sos__ScoringRequest req = SOS__SCORING_REQUEST__INIT;
    req.request_id = (ProtobufCBinaryData){TAKE_ID_BYTES, id};
    req.body_case = SOS__SCORING_REQUEST__BODY_TAKE_FILE;
    req.take_file = &s;
    sos_buf_pack(frame, &req.base);
    sos_buf_free(&payload);
}

/* Step 6: good amendments, each followed by a forged and a stale take, in
 * one burst on one DEALER; returns how many replies had the expected code. */
static long s_mixed_burst(const char *ep, const sos_key *k, Sos__TakeBody body)
{
    enum { N = 3 * MIXED };
    static uint8_t ids[N][TAKE_ID_BYTES];
    int want[N];
    sos_buf frames[N];
    sos_wire *w = NULL;
    sos_sock *s = NULL;
    long right = 0, got = 0;
    body.text = (char *)"an amendment in a crowd";
    for (int i = 0; i < MIXED; i++) {
        frames[3 * i] = frames[3 * i + 1] = frames[3 * i + 2] = (sos_buf)SOS_BUF_INIT;
        body.revision = (uint32_t)(2 + i);
        s_frame(k, &body, false, ids[3 * i], &frames[3 * i]);
        want[3 * i] = SOS__CODE__CODE_OK;
        s_frame(k, &body, true, ids[3 * i + 1], &frames[3 * i + 1]);
        want[3 * i + 1] = SOS__CODE__CODE_FORBIDDEN;
        body.revision = 1;
        s_frame(k, &body, false, ids[3 * i + 2], &frames[3 * i + 2]);
        want[3 * i + 2] = SOS__CODE__CODE_STALE;
    }
    if (sos_wire_new(&w) != 0 || sos_sock_new(w, SOS_SOCK_DEALER, ep, &s) != 0)
        goto out;
    for (int i = 0; i < N; i++) {
        sos_frame f = {frames[i].data, frames[i].len};
        if (sos_sock_send(s, &f, 1) != 0)
            goto out;
    }
    int64_t end = sos_now_ms() + R_HANG_GUARD_MS;
    while (got < N && sos_now_ms() < end) {
        bool rd;
        sos_sock *ss[1] = {s};
        if (sos_wire_poll(ss, 1, &rd, 200) <= 0)
            continue;
        sos_frames in;
        while (sos_sock_recv(s, &in) == 0) {
            Sos__ScoringReply *r =
                in.n == 1 ? sos__scoring_reply__unpack(NULL, in.len[0], in.data[0]) : NULL;
            for (int i = 0; r && i < N; i++)
                if (r->request_id.len == TAKE_ID_BYTES &&
                    memcmp(r->request_id.data, ids[i], TAKE_ID_BYTES) == 0) {
                    int code = r->status ? (int)r->status->code : 0;
                    right += code == want[i];
                    if (code != want[i])
                        printf("burst: take %d wanted code %d, got %d\n", i, want[i], code);
                }
            got += r != NULL;
            if (r)
                sos__scoring_reply__free_unpacked(r, NULL);
            sos_frames_clear(&in);
        }
    }
    printf("burst: %d requests, %ld replies, %ld with the expected code\n", N, got, right);
out:
    for (int i = 0; i < N; i++)
        sos_buf_free(&frames[i]);
    sos_sock_destroy(&s);
    sos_wire_destroy(&w);
    return right;
}

static size_t s_count(sos_clnt *c, const char *tool)
{
    Sos__ScoringReply *r = NULL;
    size_t n = 0;
    if (scoring_clnt_take_list(c, NULL, 0, tool, &r) != SOS_CLNT_OK)
        return 0;
    if (r->takes)
        n = r->takes->n_takes;
    sos__scoring_reply__free_unpacked(r, NULL);
    return n;
}

int main(int argc, char **argv)
{
    if (argc != 6) {
        fputs("usage: retry ENDPOINT KEYFILE TOOL PERSONA COUNT\n", stderr);
        return 64;
    }
    const char *ep = argv[1], *keyfile = argv[2], *tool = argv[3];
    int persona = atoi(argv[4]);
    long count = atol(argv[5]);
    sos_key *k = NULL;
    sos_clnt *c = NULL;
    if (sos_sign_init() != 0 || sos_key_load(keyfile, &k) != 0) {
        fprintf(stderr, "retry: cannot load %s\n", keyfile);
        return 66;
    }
    if (sos_clnt_new(ep, R_TRY_MS, 3, &c) != 0)
        return 69;

    uint8_t id[TAKE_ID_BYTES], hash[SOS_HASH_BYTES], sig[SOS_SIG_BYTES];
    sos_random(id, sizeof id);
    Sos__TakeBody body = SOS__TAKE_BODY__INIT;
    body.take_id = (ProtobufCBinaryData){sizeof id, id};
    body.tool_id = (char *)tool;
    body.persona = (Sos__Persona)persona;
    body.score = 42;
    body.ship = 0;
    body.text = (char *)"the same take, sent again and again";
    body.revision = 1;
    body.filed_at = 1795000000;
    sos_buf payload = SOS_BUF_INIT, frame = SOS_BUF_INIT;
    Sos__Signed signed_take;
    s_sign_take(k, &body, &payload, sig, &signed_take);
    sos_hash(payload.data, payload.len, hash);
    Sos__ScoringRequest req = SOS__SCORING_REQUEST__INIT;
    req.request_id = (ProtobufCBinaryData){sizeof id, id};
    req.body_case = SOS__SCORING_REQUEST__BODY_TAKE_FILE;
    req.take_file = &signed_take;
    sos_buf_pack(&frame, &req.base);
    printf("one request frame: %zu bytes, payload %zu bytes\n", frame.len, payload.len);

    /* 1 */
    s_pipelined(ep, &frame, count, id, hash);

    /* 2 */
    long seq_ok = 0;
    for (int i = 0; i < SEQUENTIAL; i++) {
        Sos__ScoringReply *r = NULL;
        if (scoring_clnt_take_file(c, id, sizeof id, &signed_take, &r) != SOS_CLNT_OK)
            continue;
        if (r->status && r->status->code == SOS__CODE__CODE_OK &&
            r->take_hash.len == SOS_HASH_BYTES && memcmp(r->take_hash.data, hash, sizeof hash) == 0)
            seq_ok++;
        sos__scoring_reply__free_unpacked(r, NULL);
    }
    printf("sequential: %ld of %d OK with the same take hash\n", seq_ok, SEQUENTIAL);
    s_check(seq_ok == SEQUENTIAL, "sequential: scoring_clnt_take_file, same id, same answer");

    /* 3 */
    s_check(s_one_take(c, tool, &payload), "take_list: exactly one record, the payload sent");

    /* 4: same take id, score changed, re-signed */
    sos_buf payload2 = SOS_BUF_INIT;
    uint8_t sig2[SOS_SIG_BYTES];
    Sos__Signed other;
    body.score = 43;
    s_sign_take(k, &body, &payload2, sig2, &other);
    Sos__ScoringReply *r = NULL;
    int code = -1;
    if (scoring_clnt_take_file(c, id, sizeof id, &other, &r) == SOS_CLNT_OK) {
        code = r->status ? (int)r->status->code : 0;
        printf("other body, same take id: code %d %s\n", code,
               r->status && r->status->message ? r->status->message : "");
        sos__scoring_reply__free_unpacked(r, NULL);
    }
    s_check(code == SOS__CODE__CODE_CONFLICT, "other body, same take id: CONFLICT (3)");

    /* 5 */
    s_check(s_one_take(c, tool, &payload), "take_list after the conflict: still one record");

    /* 6 */
    s_check(s_mixed_burst(ep, k, body) == 3 * MIXED,
            "mixed burst: every good amendment OK, every forged or stale one refused");
    s_check(s_count(c, tool) == 1 + MIXED, "mixed burst: take_list holds 1 + the good ones");

    sos_buf_free(&payload);
    sos_buf_free(&payload2);
    sos_buf_free(&frame);
    sos_key_destroy(&k);
    sos_clnt_destroy(&c);
    printf("%d passed, %d failed\n", s_passed, s_failed);
    return s_failed ? 1 : 0;
}
