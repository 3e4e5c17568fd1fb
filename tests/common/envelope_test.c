/* unit.common.envelope: Signed envelopes sealed and opened by one set of
 * rules (shape, signature, decode, canonical form), one case per rule. */
#include "testutil.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "envelope.h"
#include "sign.h"

/* A take's fields, signed by key: what the tests bend. */
typedef struct {
    sos_key *key, *other;
    uint8_t take_id[16];
    Sos__TakeBody body;
} fx;

static int s_setup(void **state)
{
    fx *f = calloc(1, sizeof *f);
    assert_non_null(f);
    assert_int_equal(sos_key_generate(&f->key), 0);
    assert_int_equal(sos_key_generate(&f->other), 0);
    memset(f->take_id, 7, sizeof f->take_id);
    f->body = (Sos__TakeBody)SOS__TAKE_BODY__INIT;
    f->body.take_id = (ProtobufCBinaryData){sizeof f->take_id, f->take_id};
    f->body.tool_id = (char *)"mistral-small-3-1";
    f->body.persona = SOS__PERSONA__PERSONA_SKEPTIC;
    f->body.score = 45;
    f->body.text = (char *)"Claims outrun the evals.";
    f->body.revision = 1;
    *state = f;
    return 0;
}

static int s_teardown(void **state)
{
    fx *f = *state;
    sos_key_destroy(&f->key);
    sos_key_destroy(&f->other);
    free(f);
    return 0;
}

/* Signs raw payload bytes (which need not be a valid TakeBody) under kind's
 * domain, the way a hostile but key-holding client would. */
static void s_sign_raw(const sos_key *k, const char *domain, const sos_buf *payload,
                       uint8_t sig[SOS_SIG_BYTES], Sos__Signed *env)
{
    sos_sign(k, domain, payload->data, payload->len, sig);
    *env = (Sos__Signed)SOS__SIGNED__INIT;
    env->payload = (ProtobufCBinaryData){payload->len, payload->data};
    env->signer = (ProtobufCBinaryData){SOS_PK_BYTES, (uint8_t *)sos_key_public(k)};
    env->signature = (ProtobufCBinaryData){SOS_SIG_BYTES, sig};
}

static void test_seal_open(void **state)
{
    fx *f = *state;
    sos_buf payload = SOS_BUF_INIT;
    uint8_t sig[SOS_SIG_BYTES];
    Sos__Signed env;
    ProtobufCMessage *m = NULL;
    sos_envelope_seal(&sos_envelope_take, f->key, &f->body.base, &payload, sig, &env);
    assert_int_equal(sos_envelope_verify(&sos_envelope_take, &env), SOS_ENVELOPE_OK);
    assert_int_equal(sos_envelope_open(&sos_envelope_take, &env, false, &m), SOS_ENVELOPE_OK);
    assert_non_null(m);
    Sos__TakeBody *b = (Sos__TakeBody *)m;
    assert_string_equal(b->tool_id, "mistral-small-3-1");
    assert_int_equal(b->score, 45);
    assert_int_equal(b->persona, SOS__PERSONA__PERSONA_SKEPTIC);
    protobuf_c_message_free_unpacked(m, NULL);
    /* the exact bytes signed are the bytes carried */
    assert_true(tu_bin_eq(env.payload, payload.data, payload.len));
    assert_memory_equal(env.signer.data, sos_key_public(f->key), SOS_PK_BYTES);
    sos_buf_free(&payload);
}

static void test_verdict_kind(void **state)
{
    fx *f = *state;
    Sos__VerdictBody vb = SOS__VERDICT_BODY__INIT;
    sos_buf payload = SOS_BUF_INIT;
    uint8_t sig[SOS_SIG_BYTES];
    Sos__Signed env;
    ProtobufCMessage *m = NULL;
    vb.tool_id = (char *)"llama-4-compact-12b";
    vb.ship = 3;
    vb.skip = 1;
    vb.ship_pct = 75;
    vb.label = SOS__LABEL__LABEL_SHIP;
    sos_envelope_seal(&sos_envelope_verdict, f->key, &vb.base, &payload, sig, &env);
    assert_int_equal(sos_envelope_open(&sos_envelope_verdict, &env, false, &m), SOS_ENVELOPE_OK);
    assert_int_equal(((Sos__VerdictBody *)m)->ship_pct, 75);
    protobuf_c_message_free_unpacked(m, NULL);
    /* a verdict's signature is not a take's: the domains keep them apart */
    assert_int_equal(sos_envelope_verify(&sos_envelope_take, &env), SOS_ENVELOPE_FORGED);
    sos_buf_free(&payload);
}

/* An editor's action: sealed and opened under the editorial domain, and
 * neither a take's nor a verdict's signature passes for one (or the other
 * way round). */
static void test_editorial_kind(void **state)
{
    fx *f = *state;
    Sos__EditorAction a = SOS__EDITOR_ACTION__INIT;
    sos_buf payload = SOS_BUF_INIT;
    uint8_t sig[SOS_SIG_BYTES], rid[16];
    Sos__Signed env;
    ProtobufCMessage *m = NULL;
    memset(rid, 9, sizeof rid);
    a.request_id = (ProtobufCBinaryData){sizeof rid, rid};
    a.issued_at = 1765000000;
    a.act_case = SOS__EDITOR_ACTION__ACT_PANEL_CLOSE;
    a.panel_close = (char *)"llama-4-compact-12b";
    assert_string_equal(sos_envelope_editorial.domain, "shiporskip/editorial/v1");
    sos_envelope_seal(&sos_envelope_editorial, f->key, &a.base, &payload, sig, &env);
    assert_int_equal(sos_envelope_open(&sos_envelope_editorial, &env, false, &m), SOS_ENVELOPE_OK);
    assert_int_equal(((Sos__EditorAction *)m)->act_case, SOS__EDITOR_ACTION__ACT_PANEL_CLOSE);
    assert_string_equal(((Sos__EditorAction *)m)->panel_close, "llama-4-compact-12b");
    assert_true(tu_bin_eq(((Sos__EditorAction *)m)->request_id, rid, sizeof rid));
    protobuf_c_message_free_unpacked(m, NULL);
    assert_int_equal(sos_envelope_verify(&sos_envelope_take, &env), SOS_ENVELOPE_FORGED);
    assert_int_equal(sos_envelope_verify(&sos_envelope_verdict, &env), SOS_ENVELOPE_FORGED);
    /* the same bytes signed under another domain do not open as editorial */
    Sos__Signed wrong;
    uint8_t sig2[SOS_SIG_BYTES];
    s_sign_raw(f->key, SOS_DOMAIN_TAKE, &payload, sig2, &wrong);
    assert_int_equal(sos_envelope_open(&sos_envelope_editorial, &wrong, false, &m),
                     SOS_ENVELOPE_FORGED);
    assert_null(m);
    /* another key's signature over it does not verify either */
    memcpy(&wrong, &env, sizeof wrong);
    wrong.signer = (ProtobufCBinaryData){SOS_PK_BYTES, (uint8_t *)sos_key_public(f->other)};
    assert_int_equal(sos_envelope_verify(&sos_envelope_editorial, &wrong), SOS_ENVELOPE_FORGED);
    sos_buf_free(&payload);
}

/* An unknown field inside a nested message (the verdict's tool) is refused
 * as one at the top is. */
static void test_nested_unknown(void **state)
{
    fx *f = *state;
    Sos__VerdictBody vb = SOS__VERDICT_BODY__INIT;
    Sos__Tool tool = SOS__TOOL__INIT;
    sos_buf payload = SOS_BUF_INIT, tb = SOS_BUF_INIT;
    uint8_t sig[SOS_SIG_BYTES];
    Sos__Signed env;
    ProtobufCMessage *m = NULL;
    vb.tool_id = (char *)"llama-4-compact-12b";
    tool.tool_id = (char *)"llama-4-compact-12b";
    tool.name = (char *)"Llama 4 Compact";
    sos_buf_pack(&payload, &vb.base);
    sos_buf_pack(&tb, &tool.base);
    sos_buf_append(&tb, "\x98\x06\x01", 3); /* field 99 inside the tool */
    assert_true(tb.len < 128);
    uint8_t hdr[2] = {(10 << 3) | 2, (uint8_t)tb.len}; /* field 10, length-delimited */
    sos_buf_append(&payload, hdr, 2);
    sos_buf_append(&payload, tb.data, tb.len);
    s_sign_raw(f->key, SOS_DOMAIN_VERDICT, &payload, sig, &env);
    assert_int_equal(sos_envelope_verify(&sos_envelope_verdict, &env), SOS_ENVELOPE_OK);
    assert_int_equal(sos_envelope_open(&sos_envelope_verdict, &env, false, &m), SOS_ENVELOPE_EXTRA);
    assert_null(m);
    sos_buf_free(&payload);
    sos_buf_free(&tb);
}

/* Each broken envelope and the rule that catches it. */
static void test_refusals(void **state)
{
    fx *f = *state;
    enum {
        SIGNER_SHORT,
        SIG_SHORT,
        EMPTY,
        OVERSIZE,
        ENV_UNKNOWN,
        TAMPERED,
        OTHER_KEY,
        GARBAGE,
        BODY_UNKNOWN,
        TWICE,
        NUL_IN_STRING,
        DEFAULT_WRITTEN,
        N_CASES
    };
    static const struct {
        const char *name;
        int want;
    } cases[N_CASES] = {
        [SIGNER_SHORT] = {"signer of 31 bytes", SOS_ENVELOPE_KEYSIZE},
        [SIG_SHORT] = {"signature of 63 bytes", SOS_ENVELOPE_KEYSIZE},
        [EMPTY] = {"empty payload", SOS_ENVELOPE_SIZE},
        [OVERSIZE] = {"payload over 64 KiB", SOS_ENVELOPE_SIZE},
        [ENV_UNKNOWN] = {"unknown field in the envelope", SOS_ENVELOPE_UNKNOWN},
        [TAMPERED] = {"one payload byte changed", SOS_ENVELOPE_FORGED},
        [OTHER_KEY] = {"signer is not the key that signed", SOS_ENVELOPE_FORGED},
        [GARBAGE] = {"signed bytes that are no TakeBody", SOS_ENVELOPE_UNDECODABLE},
        [BODY_UNKNOWN] = {"signed TakeBody with field 99", SOS_ENVELOPE_EXTRA},
        [TWICE] = {"signed TakeBody with tool_id twice", SOS_ENVELOPE_NONCANONICAL},
        [NUL_IN_STRING] = {"signed TakeBody with a NUL in text", SOS_ENVELOPE_NONCANONICAL},
        [DEFAULT_WRITTEN] = {"signed TakeBody with score 0 written out", SOS_ENVELOPE_NONCANONICAL},
    };
    for (int i = 0; i < N_CASES; i++) {
        sos_buf payload = SOS_BUF_INIT, packed = SOS_BUF_INIT;
        uint8_t sig[SOS_SIG_BYTES];
        Sos__Signed env;
        Sos__Signed *reread = NULL;
        ProtobufCMessage *m = (ProtobufCMessage *)&env; /* must come back NULL */
        const Sos__Signed *use = &env;
        sos_buf_pack(&payload, &f->body.base);
        switch (i) {
        case EMPTY: sos_buf_reset(&payload); break;
        case OVERSIZE: {
            static char big[(64u << 10) + 1];
            memset(big, 'x', sizeof big - 1);
            f->body.text = big;
            sos_buf_pack(&payload, &f->body.base);
            f->body.text = (char *)"Claims outrun the evals.";
            break;
        }
        case GARBAGE:
            sos_buf_reset(&payload);
            sos_buf_append(&payload, "\xff\xff\xff", 3);
            break;
        case BODY_UNKNOWN: sos_buf_append(&payload, "\x98\x06\x01", 3); break; /* 99: varint 1 */
        case TWICE: sos_buf_append(&payload, "\x12\x01x", 3); break;           /* 2: "x" again */
        case NUL_IN_STRING: {
            Sos__TakeBody b = f->body;
            b.text = (char *)"first part";
            sos_buf_pack(&payload, &b.base);
            /* "first part" -> "first\0part": same length, a NUL inside */
            size_t at = 0;
            while (at + 10 <= payload.len && memcmp(payload.data + at, "first part", 10) != 0)
                at++;
            assert_true(at + 10 <= payload.len);
            payload.data[at + 5] = '\0';
            break;
        }
        case DEFAULT_WRITTEN: sos_buf_append(&payload, "\x20\x00", 2); break; /* 4: score 0 */
        default: break;
        }
        s_sign_raw(f->key, SOS_DOMAIN_TAKE, &payload, sig, &env);
        switch (i) {
        case SIGNER_SHORT: env.signer.len = SOS_PK_BYTES - 1; break;
        case SIG_SHORT: env.signature.len = SOS_SIG_BYTES - 1; break;
        case TAMPERED: payload.data[payload.len - 1] ^= 1; break;
        case OTHER_KEY: env.signer.data = (uint8_t *)sos_key_public(f->other); break;
        case ENV_UNKNOWN:
            sos_buf_pack(&packed, &env.base);
            sos_buf_append(&packed, "\x98\x06\x01", 3);
            reread = sos__signed__unpack(NULL, packed.len, packed.data);
            assert_non_null(reread);
            use = reread;
            break;
        default: break;
        }
        int rc = sos_envelope_open(&sos_envelope_take, use, false, &m);
        if (rc != cases[i].want)
            fail_msg("%s: got %d, want %d", cases[i].name, rc, cases[i].want);
        assert_null(m);
        /* verify alone stops at the first two rules */
        int vrc = sos_envelope_verify(&sos_envelope_take, use);
        int vwant = cases[i].want >= SOS_ENVELOPE_FORGED ? cases[i].want : SOS_ENVELOPE_OK;
        if (vrc != vwant)
            fail_msg("%s: verify got %d, want %d", cases[i].name, vrc, vwant);
        if (reread)
            sos__signed__free_unpacked(reread, NULL);
        sos_buf_free(&payload);
        sos_buf_free(&packed);
    }
}

/* verified=true trusts that the signature was checked (on a verifier
 * thread, or by the service that stored the record): the other rules
 * still apply. */
static void test_verified_skips_only_the_signature(void **state)
{
    fx *f = *state;
    sos_buf payload = SOS_BUF_INIT;
    uint8_t sig[SOS_SIG_BYTES];
    Sos__Signed env;
    ProtobufCMessage *m = NULL;
    sos_envelope_seal(&sos_envelope_take, f->key, &f->body.base, &payload, sig, &env);
    sig[0] ^= 1; /* now forged */
    assert_int_equal(sos_envelope_open(&sos_envelope_take, &env, false, &m), SOS_ENVELOPE_FORGED);
    assert_int_equal(sos_envelope_open(&sos_envelope_take, &env, true, &m), SOS_ENVELOPE_OK);
    protobuf_c_message_free_unpacked(m, NULL);
    sos_buf_append(&payload, "\x98\x06\x01", 3);
    env.payload = (ProtobufCBinaryData){payload.len, payload.data};
    assert_int_equal(sos_envelope_open(&sos_envelope_take, &env, true, &m), SOS_ENVELOPE_EXTRA);
    assert_null(m);
    env.signer.len = 3;
    assert_int_equal(sos_envelope_open(&sos_envelope_take, &env, true, &m), SOS_ENVELOPE_KEYSIZE);
    sos_buf_free(&payload);
}

/* The sentences the services send back (tests/security matches them). */
static void test_describe(void **state)
{
    (void)state;
    static const struct {
        const sos_envelope_kind *kind;
        int rc;
        const char *want;
    } cases[] = {
        {&sos_envelope_take, SOS_ENVELOPE_KEYSIZE, "signer must be 32 bytes, signature 64"},
        {&sos_envelope_take, SOS_ENVELOPE_SIZE, "take payload must be 1 to 65536 bytes"},
        {&sos_envelope_take, SOS_ENVELOPE_UNKNOWN, "signed envelope carries unknown fields"},
        {&sos_envelope_take, SOS_ENVELOPE_FORGED, "take signature does not verify"},
        {&sos_envelope_verdict, SOS_ENVELOPE_FORGED, "verdict signature does not verify"},
        {&sos_envelope_take, SOS_ENVELOPE_UNDECODABLE, "take payload is not a TakeBody"},
        {&sos_envelope_verdict, SOS_ENVELOPE_UNDECODABLE, "verdict payload is not a VerdictBody"},
        {&sos_envelope_take, SOS_ENVELOPE_EXTRA, "take payload carries unknown fields"},
    };
    char out[256];
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        sos_envelope_describe(cases[i].kind, cases[i].rc, out, sizeof out);
        assert_string_equal(out, cases[i].want);
    }
    sos_envelope_describe(&sos_envelope_take, SOS_ENVELOPE_NONCANONICAL, out, sizeof out);
    assert_non_null(strstr(out, "take payload is not in canonical form"));
}

/* A Verdict record opened whole: the verdict, its tool, its count of
 * takes, every counted take; one broken part each. */
static void test_open_verdict(void **state)
{
    fx *f = *state;
    Sos__VerdictBody vb = SOS__VERDICT_BODY__INIT, *body = NULL;
    sos_buf vp = SOS_BUF_INIT, tp = SOS_BUF_INIT;
    uint8_t vsig[SOS_SIG_BYTES], tsig[SOS_SIG_BYTES], hash[SOS_HASH_BYTES];
    Sos__Signed venv, tenv, *takes[1] = {&tenv};
    char why[256];
    sos_envelope_seal(&sos_envelope_take, f->other, &f->body.base, &tp, tsig, &tenv);
    sos_hash(tp.data, tp.len, hash);
    ProtobufCBinaryData hashes[1] = {{SOS_HASH_BYTES, hash}};
    vb.tool_id = (char *)"mistral-small-3-1";
    vb.n_take_hashes = 1;
    vb.take_hashes = hashes;
    vb.ship = 1;
    sos_envelope_seal(&sos_envelope_verdict, f->key, &vb.base, &vp, vsig, &venv);
    Sos__Verdict v = SOS__VERDICT__INIT;
    v.verdict = &venv;
    v.n_takes = 1;
    v.takes = takes;

    assert_int_equal(
        sos_envelope_open_verdict(&v, "mistral-small-3-1", false, &body, why, sizeof why),
        SOS_ENVELOPE_OK);
    assert_non_null(body);
    assert_int_equal(body->ship, 1);
    sos__verdict_body__free_unpacked(body, NULL);
    assert_int_equal(sos_envelope_open_verdict(&v, NULL, false, NULL, why, sizeof why),
                     SOS_ENVELOPE_OK);
    assert_int_equal(sos_envelope_open_verdict(&v, "other-tool", false, &body, why, sizeof why),
                     SOS_ENVELOPE_MISMATCH);
    assert_null(body);
    assert_string_equal(why, "verdict is for another tool than its key");
    v.n_takes = 0;
    assert_int_equal(sos_envelope_open_verdict(&v, NULL, false, NULL, why, sizeof why),
                     SOS_ENVELOPE_MISMATCH);
    v.n_takes = 1;
    tsig[3] ^= 1; /* a counted take forged: checked unless verified */
    assert_int_equal(sos_envelope_open_verdict(&v, NULL, false, NULL, why, sizeof why),
                     SOS_ENVELOPE_TAKE);
    assert_string_equal(why, "counted take 1: take signature does not verify");
    assert_int_equal(sos_envelope_open_verdict(&v, NULL, true, NULL, why, sizeof why),
                     SOS_ENVELOPE_OK);
    tsig[3] ^= 1;
    vsig[5] ^= 1; /* the verdict forged */
    assert_int_equal(sos_envelope_open_verdict(&v, NULL, false, &body, why, sizeof why),
                     SOS_ENVELOPE_FORGED);
    assert_null(body);
    assert_string_equal(why, "verdict signature does not verify");
    v.verdict = NULL;
    assert_int_equal(sos_envelope_open_verdict(&v, NULL, false, NULL, why, sizeof why),
                     SOS_ENVELOPE_MISSING);
    sos_buf_free(&vp);
    sos_buf_free(&tp);
}

int main(void)
{
    if (sos_sign_init() != 0) {
        fprintf(stderr, "sos_sign_init failed\n");
        return 1;
    }
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_seal_open, s_setup, s_teardown),
        cmocka_unit_test_setup_teardown(test_verdict_kind, s_setup, s_teardown),
        cmocka_unit_test_setup_teardown(test_editorial_kind, s_setup, s_teardown),
        cmocka_unit_test_setup_teardown(test_nested_unknown, s_setup, s_teardown),
        cmocka_unit_test_setup_teardown(test_refusals, s_setup, s_teardown),
        cmocka_unit_test_setup_teardown(test_verified_skips_only_the_signature, s_setup,
                                        s_teardown),
        cmocka_unit_test(test_describe),
        cmocka_unit_test_setup_teardown(test_open_verdict, s_setup, s_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
