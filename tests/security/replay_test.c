/* security.replay: a valid take signature cannot be moved.
 *
 * Proves the "replay and cross-use" requirement against the real
 * scoring rule (scoring_take_accept) and a real store: a signature made for
 * one take is refused over a payload naming another tool, persona, revision
 * or take id, under another signer, wrapped as another kind of message, or
 * made under another domain tag (or none); the same take filed again is
 * refused as docs/protocol.md says. Every refusal is checked to have stored
 * nothing (log head, takes, latest, closed). Each case would be accepted
 * without the protection it names: the controls at the end of each test
 * file the same payloads correctly signed, and they are accepted.
 *
 * The transport identity of a reviewer (who may send takes at all) is not
 * tested here: there is none yet (docs/security.md, Transport). */
#include "sectest.h"

#include <sodium.h> /* raw Ed25519 signatures, outside the sign.h domain scheme */
#include <stdio.h>
#include <string.h>

#define TEXT "Fast to set up, thin docs."

/* Files a take by persona's own key; returns it (free it) after asserting yes. */
static void s_file_ok(sec_fx *f, sec_take *tk, const sec_body *b)
{
    sos_status st;
    sec_pack(tk, b);
    sec_sign(tk, f->keys[b->persona], SOS_DOMAIN_TAKE);
    int rc = sec_accept(f, tk, &st);
    if (rc != 0)
        fail_msg("a valid take was refused: %s \"%s\"", sos_code_name(st.code), st.msg);
}

/* The signature of an accepted take (tool-a, Builder, revision 1) over
 * payloads that change one field, with the signer an attacker would pick. */
static void test_signature_bound_to_fields(void **state)
{
    sec_fx *f = *state;
    sec_take orig;
    sec_body ob = {"tool-a", SEC_BUILDER, 80, TEXT, 1, NULL};
    s_file_ok(f, &orig, &ob);
    sec_snap snap = sec_snapshot(f);
    const uint8_t *other_id = (const uint8_t *)"another-take-id!";

    static const struct {
        const char *name;
        sec_body b;    /* take_id NULL here means: the original's */
        int signer;    /* whose public key goes in the envelope */
        bool other_id; /* the payload names another take id */
    } cases[] = {
        {"tool B", {"tool-b", SEC_BUILDER, 80, TEXT, 1, NULL}, SEC_BUILDER, false},
        {"persona Q, Q's key as signer",
         {"tool-a", SEC_SKEPTIC, 80, TEXT, 1, NULL},
         SEC_SKEPTIC,
         false},
        {"persona Q, P's key as signer",
         {"tool-a", SEC_SKEPTIC, 80, TEXT, 1, NULL},
         SEC_BUILDER,
         false},
        {"revision 2", {"tool-a", SEC_BUILDER, 80, TEXT, 2, NULL}, SEC_BUILDER, false},
        {"score 20, skip", {"tool-a", SEC_BUILDER, 20, TEXT, 1, NULL}, SEC_BUILDER, false},
        {"another take id", {"tool-a", SEC_BUILDER, 80, TEXT, 1, NULL}, SEC_BUILDER, true},
        {"same payload, Q's key as signer",
         {"tool-a", SEC_BUILDER, 80, TEXT, 1, NULL},
         SEC_SKEPTIC,
         false},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        sec_take tk;
        sec_body b = cases[i].b;
        b.take_id = cases[i].other_id ? other_id : orig.id;
        sec_pack(&tk, &b);
        sec_envelope(&tk, sos_key_public(f->keys[cases[i].signer]), orig.sig);
        sos_status st;
        int rc = sec_accept(f, &tk, &st);
        char what[128];
        snprintf(what, sizeof what, "replayed signature, %s", cases[i].name);
        sec_expect_refused(rc, &st, SOS__CODE__CODE_FORBIDDEN, "does not verify", what);
        sec_expect_unchanged(f, snap, what);
        sec_take_free(&tk);
    }

    /* controls: the moved-to payloads signed by their rightful key are
     * takes scoring accepts, so only the signature refused them above */
    static const sec_body ok[] = {
        {"tool-b", SEC_BUILDER, 80, TEXT, 1, NULL},
        {"tool-a", SEC_SKEPTIC, 80, TEXT, 1, NULL},
        {"tool-a", SEC_BUILDER, 20, TEXT, 2, NULL},
    };
    for (size_t i = 0; i < sizeof ok / sizeof ok[0]; i++) {
        sec_take tk;
        s_file_ok(f, &tk, &ok[i]);
        sec_take_free(&tk);
    }
    assert_int_equal(tu_count(f->e, SCORING_DB_TAKES), 4);
    sec_take_free(&orig);
}

/* A take validly signed, but by a key that is not registered for the
 * persona the payload names. */
static void test_signer_bound_to_persona(void **state)
{
    sec_fx *f = *state;
    sec_snap snap = sec_snapshot(f);
    static const struct {
        const char *name;
        int key;
    } cases[] = {
        {"Skeptic's key on a Builder take", SEC_SKEPTIC},
        {"Creator's key on a Builder take", SEC_CREATOR},
        {"a key registered for nobody", SEC_STRANGER},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        sec_take tk;
        sec_body b = {"tool-a", SEC_BUILDER, 80, TEXT, 1, NULL};
        sec_pack(&tk, &b);
        sec_sign(&tk, f->keys[cases[i].key], SOS_DOMAIN_TAKE);
        sos_status st;
        int rc = sec_accept(f, &tk, &st);
        sec_expect_refused(rc, &st, SOS__CODE__CODE_FORBIDDEN, "not registered for Builder",
                           cases[i].name);
        sec_expect_unchanged(f, snap, cases[i].name);
        sec_take_free(&tk);
    }
    sec_take tk;
    sec_body b = {"tool-a", SEC_BUILDER, 80, TEXT, 1, NULL};
    s_file_ok(f, &tk, &b); /* control: Builder's own key */
    sec_take_free(&tk);
}

/* Raw Ed25519 over msg = prefix || payload with a key made here. */
static void s_raw_sign(const uint8_t *sk, const char *prefix, size_t plen, const sos_buf *payload,
                       uint8_t sig[SOS_SIG_BYTES])
{
    sos_buf m = SOS_BUF_INIT;
    sos_buf_append(&m, prefix, plen);
    sos_buf_append(&m, payload->data, payload->len);
    assert_int_equal(crypto_sign_detached(sig, NULL, m.data, m.len, sk), 0);
    sos_buf_free(&m);
}

/* The same take body signed under other domain tags, or under none. */
static void test_domain_tag(void **state)
{
    sec_fx *f = *state;
    sec_snap snap = sec_snapshot(f);
    sec_take tk;
    sec_body b = {"tool-a", SEC_FUTURIST, 65, TEXT, 1, NULL};
    sec_pack(&tk, &b);
    static const char *const domains[] = {SOS_DOMAIN_VERDICT, "shiporskip/take/v2", "shiporskip",
                                          ""};
    for (size_t i = 0; i < sizeof domains / sizeof domains[0]; i++) {
        sos_status st;
        char what[96];
        sec_sign(&tk, f->keys[SEC_FUTURIST], domains[i]);
        snprintf(what, sizeof what, "signed under domain \"%s\"", domains[i]);
        sec_expect_refused(sec_accept(f, &tk, &st), &st, SOS__CODE__CODE_FORBIDDEN,
                           "does not verify", what);
        sec_expect_unchanged(f, snap, what);
    }

    /* libsodium directly, with a second key registered for Futurist */
    uint8_t pk[crypto_sign_PUBLICKEYBYTES], sk[crypto_sign_SECRETKEYBYTES], sig[SOS_SIG_BYTES];
    assert_int_equal(crypto_sign_keypair(pk, sk), 0);
    sec_register(f, SEC_FUTURIST, pk);
    static const struct {
        const char *name;
        const char *prefix;
        size_t len;
    } raw[] = {
        {"raw signature over the payload alone", "", 0},
        {"domain without its NUL separator", SOS_DOMAIN_TAKE, sizeof SOS_DOMAIN_TAKE - 1},
        {"domain with two NULs", SOS_DOMAIN_TAKE "\0", sizeof SOS_DOMAIN_TAKE + 1},
    };
    for (size_t i = 0; i < sizeof raw / sizeof raw[0]; i++) {
        sos_status st;
        s_raw_sign(sk, raw[i].prefix, raw[i].len, &tk.payload, sig);
        sec_envelope(&tk, pk, sig);
        sec_expect_refused(sec_accept(f, &tk, &st), &st, SOS__CODE__CODE_FORBIDDEN,
                           "does not verify", raw[i].name);
        sec_expect_unchanged(f, snap, raw[i].name);
    }
    /* control: "shiporskip/take/v1" NUL payload, as docs/protocol.md says,
     * by the same raw key over the same bytes: accepted */
    sos_status st;
    s_raw_sign(sk, SOS_DOMAIN_TAKE, sizeof SOS_DOMAIN_TAKE, &tk.payload, sig);
    sec_envelope(&tk, pk, sig);
    int rc = sec_accept(f, &tk, &st);
    if (rc != 0)
        fail_msg("take signed as documented refused: %s \"%s\"", sos_code_name(st.code), st.msg);
    assert_int_equal(tu_count(f->e, SCORING_DB_TAKES), 1);
    sodium_memzero(sk, sizeof sk);
    sec_take_free(&tk);
}

/* The bytes of one kind of signed message presented as another. */
static void test_other_message_kinds(void **state)
{
    sec_fx *f = *state;
    sec_snap snap = sec_snapshot(f);
    sos_status st;

    /* a verdict body, signed as a verdict by a key registered for a
     * persona, filed as a take */
    Sos__VerdictBody vb = SOS__VERDICT_BODY__INIT;
    vb.tool_id = (char *)"tool-a";
    vb.ship = 4;
    vb.ship_pct = 100;
    vb.label = SOS__LABEL__LABEL_SHIP;
    vb.rule = (char *)"quorum:4";
    sec_take v;
    memset(&v, 0, sizeof v);
    sos_buf_pack(&v.payload, &vb.base);
    sec_sign(&v, f->keys[SEC_BUILDER], SOS_DOMAIN_VERDICT);
    ProtobufCBinaryData rid = {6, (uint8_t *)"tool-a"};
    sec_expect_refused(sec_accept_signed(f, &v.s, &rid, &st), &st, SOS__CODE__CODE_FORBIDDEN,
                       "does not verify", "a signed verdict filed as a take");
    sec_expect_unchanged(f, snap, "a signed verdict filed as a take");
    sec_take_free(&v);

    /* a valid take arriving through the follower path (an upstream event)
     * instead of take_file: scoring takes takes from nobody upstream */
    sec_take tk;
    sec_body b = {"tool-a", SEC_BUILDER, 80, TEXT, 1, NULL};
    sec_pack(&tk, &b);
    sec_sign(&tk, f->keys[SEC_BUILDER], SOS_DOMAIN_TAKE);
    Sos__Event ev = SOS__EVENT__INIT;
    ev.kind_case = SOS__EVENT__KIND_TAKE;
    ev.take = &tk.s;
    sos_txn *t = tu_begin(f->e, true);
    assert_int_equal(scoring_apply(t, &ev), SOS_OK);
    tu_commit(&t);
    sec_expect_unchanged(f, snap, "a take event from upstream");

    /* a take's payload and signature presented as a verdict: the verdict
     * domain refuses it wherever a verdict is checked */
    assert_int_equal(sos_verify(tk.pk, SOS_DOMAIN_VERDICT, tk.payload.data, tk.payload.len, tk.sig),
                     -1);
    assert_int_equal(sos_verify(tk.pk, SOS_DOMAIN_TAKE, tk.payload.data, tk.payload.len, tk.sig),
                     0);
    sec_take_free(&tk);
}

/* The exact same take filed again. docs/protocol.md: the request id must
 * equal the take id, so a new request id is BAD_REQUEST; under its own id
 * the service skeleton answers the same bytes with the first reply before
 * the rule runs (faults.retry), and the rule itself, reached with the same
 * take again (no request id, or the same id), refuses it as STALE: one take
 * per tool, persona and revision. */
static void test_refile(void **state)
{
    sec_fx *f = *state;
    sec_take tk;
    sec_body b = {"tool-a", SEC_BUILDER, 80, TEXT, 1, NULL};
    s_file_ok(f, &tk, &b);
    sec_snap snap = sec_snapshot(f);
    sos_status st;

    uint8_t fresh[16];
    memset(fresh, 0xa7, sizeof fresh);
    ProtobufCBinaryData rid = {sizeof fresh, fresh};
    sec_expect_refused(sec_accept_signed(f, &tk.s, &rid, &st), &st, SOS__CODE__CODE_BAD_REQUEST,
                       "request_id must equal the take_id", "same take, new request id");
    sec_expect_unchanged(f, snap, "same take, new request id");

    sec_expect_refused(sec_accept(f, &tk, &st), &st, SOS__CODE__CODE_STALE, "not above",
                       "same take, same request id");
    sec_expect_unchanged(f, snap, "same take, same request id");
    sec_expect_refused(sec_accept_signed(f, &tk.s, NULL, &st), &st, SOS__CODE__CODE_STALE,
                       "not above", "same take, no request id");
    sec_expect_unchanged(f, snap, "same take, no request id");

    /* the same content under a new take id (a new signature) is a second
     * revision 1 of the same persona's take: refused too */
    sec_take again;
    sec_pack(&again, &b);
    sec_sign(&again, f->keys[SEC_BUILDER], SOS_DOMAIN_TAKE);
    sec_expect_refused(sec_accept(f, &again, &st), &st, SOS__CODE__CODE_STALE, "not above",
                       "same content, new take id");
    sec_expect_unchanged(f, snap, "same content, new take id");
    sec_take_free(&again);
    sec_take_free(&tk);
}

int main(void)
{
    if (sos_sign_init() != 0)
        return 1;
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_signature_bound_to_fields, sec_setup, sec_teardown),
        cmocka_unit_test_setup_teardown(test_signer_bound_to_persona, sec_setup, sec_teardown),
        cmocka_unit_test_setup_teardown(test_domain_tag, sec_setup, sec_teardown),
        cmocka_unit_test_setup_teardown(test_other_message_kinds, sec_setup, sec_teardown),
        cmocka_unit_test_setup_teardown(test_refile, sec_setup, sec_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
