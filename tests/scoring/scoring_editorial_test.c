/* unit.scoring.editorial: an editor's finalize (scoring_editorial), judged
 * against scoring's copy of the editors registry as of its cursor. */
#include "testutil.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "envelope.h"
#include "scoring.h"

#define NOW 1765000000u

typedef struct {
    tu_env *e;
    sos_key *ed, *reviewer;
    scoring_rules r;
} fx;

static void s_apply(fx *f, Sos__Event *ev)
{
    sos_txn *t = tu_begin(f->e, true);
    assert_int_equal(scoring_apply(t, ev), SOS_OK);
    tu_commit(&t);
}

/* submission's editor event for ed: added at seq, revoked at revoked (0: not) */
static void s_apply_editor(fx *f, uint64_t seq, uint64_t revoked)
{
    Sos__EditorKey k = SOS__EDITOR_KEY__INIT;
    Sos__EditorRecord rec = SOS__EDITOR_RECORD__INIT;
    k.public_key = (ProtobufCBinaryData){SOS_PK_BYTES, (uint8_t *)sos_key_public(f->ed)};
    k.name = (char *)"ed";
    rec.key = &k;
    rec.added_seq = seq;
    rec.added_at = NOW;
    rec.revoked_seq = revoked;
    rec.revoked_at = revoked ? NOW + 86400 : 0;
    Sos__Event ev = SOS__EVENT__INIT;
    ev.kind_case = SOS__EVENT__KIND_EDITOR;
    ev.editor = &rec;
    s_apply(f, &ev);
}

static int s_setup(void **state)
{
    fx *f = calloc(1, sizeof *f);
    assert_non_null(f);
    f->e = tu_env_new(scoring_spec.dbs, scoring_spec.n_dbs);
    f->r.quorum = 4;
    assert_int_equal(sos_key_generate(&f->ed), 0);
    assert_int_equal(sos_key_generate(&f->reviewer), 0);
    Sos__Tool tool = SOS__TOOL__INIT;
    tool.tool_id = (char *)"tool-x";
    tool.name = (char *)"Tool X";
    Sos__Event ev = SOS__EVENT__INIT;
    ev.kind_case = SOS__EVENT__KIND_TOOL;
    ev.tool = &tool;
    s_apply(f, &ev);
    Sos__PanelKey pk = SOS__PANEL_KEY__INIT;
    pk.persona = SOS__PERSONA__PERSONA_BUILDER;
    pk.public_key = (ProtobufCBinaryData){SOS_PK_BYTES, (uint8_t *)sos_key_public(f->reviewer)};
    ev.kind_case = SOS__EVENT__KIND_PANEL_KEY;
    ev.panel_key = &pk;
    s_apply(f, &ev);
    /* one take, so the panel can be closed */
    uint8_t id[16], hash[SOS_HASH_BYTES], sig[SOS_SIG_BYTES];
    memset(id, 1, sizeof id);
    Sos__TakeBody b = SOS__TAKE_BODY__INIT;
    b.take_id = (ProtobufCBinaryData){sizeof id, id};
    b.tool_id = (char *)"tool-x";
    b.persona = SOS__PERSONA__PERSONA_BUILDER;
    b.score = 70;
    b.ship = 1;
    b.text = (char *)"fine";
    b.revision = 1;
    sos_buf payload = SOS_BUF_INIT;
    Sos__Signed s;
    sos_status st = SOS_STATUS_OK;
    sos_envelope_seal(&sos_envelope_take, f->reviewer, &b.base, &payload, sig, &s);
    sos_txn *t = tu_begin(f->e, true);
    assert_int_equal(scoring_take_accept(&f->r, t, &s, NULL, NOW, hash, &st), 0);
    tu_commit(&t);
    sos_buf_free(&payload);
    *state = f;
    return 0;
}

static int s_teardown(void **state)
{
    fx *f = *state;
    sos_key_destroy(&f->ed);
    sos_key_destroy(&f->reviewer);
    tu_env_free(&f->e);
    free(f);
    return 0;
}

/* The editor's finalize of tool, signed by k for request id rid; the
 * transaction committed whatever the outcome. */
static int s_finalize(fx *f, const sos_key *k, const char *tool, const char *rid, sos_status *st)
{
    Sos__EditorAction a = SOS__EDITOR_ACTION__INIT;
    sos_buf payload = SOS_BUF_INIT;
    uint8_t sig[SOS_SIG_BYTES];
    Sos__Signed env;
    char *closed = NULL;
    ProtobufCBinaryData r = {strlen(rid), (uint8_t *)rid};
    a.request_id = r;
    a.issued_at = NOW;
    a.act_case = SOS__EDITOR_ACTION__ACT_PANEL_CLOSE;
    a.panel_close = (char *)tool;
    sos_envelope_seal(&sos_envelope_editorial, k, &a.base, &payload, sig, &env);
    *st = (sos_status)SOS_STATUS_OK;
    sos_txn *t = tu_begin(f->e, true);
    int rc = scoring_editorial(t, &env, &r, &closed, st);
    tu_commit(&t);
    assert_true(rc >= 0);
    if (rc == 0)
        assert_string_equal(closed, tool);
    free(closed);
    sos_buf_free(&payload);
    return rc;
}

static void test_unknown_editor_is_retryable(void **state)
{
    fx *f = *state;
    sos_status st;
    uint64_t head = tu_head(f->e);
    /* not followed yet: a refusal the service retries after a catch-up */
    assert_int_equal(s_finalize(f, f->ed, "tool-x", "rid-1", &st), SOS__CODE__CODE_FORBIDDEN);
    assert_true(st.upstream_may_know);
    assert_non_null(strstr(st.msg, "is not registered"));
    assert_int_equal(tu_head(f->e), head);
    s_apply_editor(f, 7, 0);
    assert_int_equal(tu_count(f->e, SCORING_DB_EDITORS), 1);
    assert_int_equal(tu_head(f->e), head); /* the registry is not forwarded */
    assert_int_equal(s_finalize(f, f->ed, "tool-x", "rid-1", &st), 0);
    Sos__Event *ev = tu_event(f->e, head + 1);
    assert_int_equal(ev->kind_case, SOS__EVENT__KIND_PANEL_CLOSED);
    assert_string_equal(ev->panel_closed->rule, "editor");
    assert_non_null(ev->by); /* who closed it travels with the event */
    assert_true(tu_bin_eq(ev->by->signer, sos_key_public(f->ed), SOS_PK_BYTES));
    sos__event__free_unpacked(ev, NULL);
}

static void test_non_editor_and_revoked(void **state)
{
    fx *f = *state;
    sos_status st;
    s_apply_editor(f, 7, 0);
    /* a reviewer's key is not an editor's */
    assert_int_equal(s_finalize(f, f->reviewer, "tool-x", "rid-1", &st), SOS__CODE__CODE_FORBIDDEN);
    /* the request id inside the signed action must be the request's */
    Sos__EditorAction a = SOS__EDITOR_ACTION__INIT;
    sos_buf payload = SOS_BUF_INIT;
    uint8_t sig[SOS_SIG_BYTES];
    Sos__Signed env;
    char *closed = NULL;
    a.request_id = (ProtobufCBinaryData){5, (uint8_t *)"rid-a"};
    a.act_case = SOS__EDITOR_ACTION__ACT_PANEL_CLOSE;
    a.panel_close = (char *)"tool-x";
    sos_envelope_seal(&sos_envelope_editorial, f->ed, &a.base, &payload, sig, &env);
    ProtobufCBinaryData other = {5, (uint8_t *)"rid-b"};
    sos_txn *t = tu_begin(f->e, true);
    assert_int_equal(scoring_editorial(t, &env, &other, &closed, &st), SOS__CODE__CODE_BAD_REQUEST);
    sos_txn_abort(&t);
    sos_buf_free(&payload);
    /* revoked as of the cursor: refused for good, with the date */
    s_apply_editor(f, 7, 9);
    assert_int_equal(s_finalize(f, f->ed, "tool-x", "rid-2", &st), SOS__CODE__CODE_FORBIDDEN);
    assert_false(st.upstream_may_know);
    assert_non_null(strstr(st.msg, "was revoked on"));
    assert_int_equal(tu_count(f->e, SCORING_DB_CLOSED), 0);
}

int main(void)
{
    assert_int_equal(sos_sign_init(), 0);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_unknown_editor_is_retryable, s_setup, s_teardown),
        cmocka_unit_test_setup_teardown(test_non_editor_and_revoked, s_setup, s_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
