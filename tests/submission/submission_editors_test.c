/* unit.submission.editors: the editors registry (submission_editors.c) and
 * editorial requests through submission's handler: the bootstrap, a
 * non-editor, a revoked editor, the last editor, request_id, Event.by. */
#include "testutil.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "editors.h"
#include "envelope.h"
#include "sign.h"
#include "submission.h"
#include "svc.h"

#define NOW 1765000000u

typedef struct {
    tu_env *e;
    sos_key *ed, *ed2, *stranger;
} fx;

static int s_setup(void **state)
{
    fx *f = calloc(1, sizeof *f);
    assert_non_null(f);
    f->e = tu_env_new(submission_spec.dbs, submission_spec.n_dbs);
    assert_int_equal(sos_key_generate(&f->ed), 0);
    assert_int_equal(sos_key_generate(&f->ed2), 0);
    assert_int_equal(sos_key_generate(&f->stranger), 0);
    *state = f;
    return 0;
}

static int s_teardown(void **state)
{
    fx *f = *state;
    tu_env_free(&f->e);
    sos_key_destroy(&f->ed);
    sos_key_destroy(&f->ed2);
    sos_key_destroy(&f->stranger);
    free(f);
    return 0;
}

/* A SubmissionRequest carrying act signed by k for request id rid, run
 * through submission's own handler in a write transaction that is
 * committed whatever the outcome (a refusal that wrote would show). The
 * reply's status code; msg (256) gets its message. */
static int s_request(fx *f, const sos_key *k, Sos__EditorAction *act, const char *rid,
                     const char *signed_rid, char msg[256])
{
    sos_buf payload = SOS_BUF_INIT, out = SOS_BUF_INIT;
    uint8_t sig[SOS_SIG_BYTES];
    Sos__Signed env;
    act->request_id = (ProtobufCBinaryData){strlen(signed_rid), (uint8_t *)signed_rid};
    act->issued_at = NOW;
    sos_envelope_seal(&sos_envelope_editorial, k, &act->base, &payload, sig, &env);
    Sos__SubmissionRequest r = SOS__SUBMISSION_REQUEST__INIT;
    r.request_id = (ProtobufCBinaryData){strlen(rid), (uint8_t *)rid};
    r.body_case = SOS__SUBMISSION_REQUEST__BODY_EDITORIAL;
    r.editorial = &env;
    sos_svc *svc = sos_svc_detached_new(&submission_spec, NULL);
    sos_txn *t = tu_begin(f->e, true);
    int verb = submission_spec.handle(svc, t, &r.base, &out);
    assert_true(verb == SOS_SVC_COMMIT || verb == SOS_SVC_ABORT);
    tu_commit(&t);
    sos_svc_detached_destroy(&svc);
    Sos__SubmissionReply *rep =
        (Sos__SubmissionReply *)sos_unpack(&sos__submission_reply__descriptor, out.data, out.len);
    assert_non_null(rep);
    int code = rep->status ? (int)rep->status->code : 0;
    snprintf(msg, 256, "%s", rep->status ? rep->status->message : "");
    assert_int_equal(verb == SOS_SVC_COMMIT, code == 0);
    sos__submission_reply__free_unpacked(rep, NULL);
    sos_buf_free(&payload);
    sos_buf_free(&out);
    return code;
}

static int s_add(fx *f, const sos_key *signer, const sos_key *added, char msg[256])
{
    Sos__EditorAction a = SOS__EDITOR_ACTION__INIT;
    Sos__EditorKey k = SOS__EDITOR_KEY__INIT;
    k.public_key = (ProtobufCBinaryData){SOS_PK_BYTES, (uint8_t *)sos_key_public(added)};
    k.name = (char *)"an editor";
    a.act_case = SOS__EDITOR_ACTION__ACT_EDITOR_ADD;
    a.editor_add = &k;
    return s_request(f, signer, &a, "rid-add", "rid-add", msg);
}

static int s_revoke(fx *f, const sos_key *signer, const sos_key *revoked, char msg[256])
{
    Sos__EditorAction a = SOS__EDITOR_ACTION__INIT;
    a.act_case = SOS__EDITOR_ACTION__ACT_EDITOR_REVOKE;
    a.editor_revoke = (ProtobufCBinaryData){SOS_PK_BYTES, (uint8_t *)sos_key_public(revoked)};
    return s_request(f, signer, &a, "rid-revoke", "rid-revoke", msg);
}

static int s_submit(fx *f, const sos_key *signer, const char *name, char msg[256])
{
    Sos__EditorAction a = SOS__EDITOR_ACTION__INIT;
    Sos__Tool t = SOS__TOOL__INIT;
    t.name = (char *)name;
    t.tagline = (char *)"best for tests";
    t.category = (char *)"LLM";
    t.tier = SOS__TIER__TIER_FREE;
    a.act_case = SOS__EDITOR_ACTION__ACT_TOOL_SUBMIT;
    a.tool_submit = &t;
    return s_request(f, signer, &a, "rid-submit", "rid-submit", msg);
}

/* While the registry is empty only a self-signed editor_add is taken. */
static void test_bootstrap(void **state)
{
    fx *f = *state;
    char msg[256];
    assert_int_equal(s_submit(f, f->ed, "Early Tool", msg), SOS__CODE__CODE_FORBIDDEN);
    assert_non_null(strstr(msg, "no editor is registered yet"));
    assert_non_null(strstr(msg, "sos editor add"));
    /* adding another key than the signer's is not the bootstrap */
    assert_int_equal(s_add(f, f->ed, f->ed2, msg), SOS__CODE__CODE_FORBIDDEN);
    assert_int_equal(tu_head(f->e), 0);
    assert_int_equal(s_add(f, f->ed, f->ed, msg), 0);
    assert_int_equal(tu_head(f->e), 1);
    /* the event is the entry, carrying the signed action */
    Sos__Event *ev = tu_event(f->e, 1);
    assert_int_equal(ev->kind_case, SOS__EVENT__KIND_EDITOR);
    assert_true(tu_bin_eq(ev->editor->key->public_key, sos_key_public(f->ed), SOS_PK_BYTES));
    assert_int_equal(ev->editor->added_seq, 1);
    assert_int_equal(ev->editor->revoked_seq, 0);
    assert_non_null(ev->by);
    assert_true(tu_bin_eq(ev->by->signer, sos_key_public(f->ed), SOS_PK_BYTES));
    sos__event__free_unpacked(ev, NULL);
    /* the bootstrap is over: a stranger's self-signed add is refused */
    assert_int_equal(s_add(f, f->stranger, f->stranger, msg), SOS__CODE__CODE_FORBIDDEN);
    assert_non_null(strstr(msg, "is not registered"));
    assert_int_equal(tu_head(f->e), 1);
    /* the same key again: nothing changes */
    assert_int_equal(s_add(f, f->ed, f->ed, msg), 0);
    assert_int_equal(tu_head(f->e), 1);
}

static void test_non_editor_refused(void **state)
{
    fx *f = *state;
    char msg[256];
    sos_status st = SOS_STATUS_OK;
    assert_int_equal(s_add(f, f->ed, f->ed, msg), 0);
    assert_int_equal(s_submit(f, f->stranger, "Stranger Tool", msg), SOS__CODE__CODE_FORBIDDEN);
    assert_non_null(strstr(msg, "is not registered"));
    assert_non_null(strstr(msg, "--editor-key"));
    assert_int_equal(tu_count(f->e, SUBMISSION_DB_TOOLS), 0);
    /* the rule marks it as one a follower may not know yet */
    sos_txn *t = tu_begin(f->e, false);
    assert_int_equal(sos_editors_check(t, SUBMISSION_DB_EDITORS, sos_key_public(f->stranger), &st),
                     SOS__CODE__CODE_FORBIDDEN);
    assert_true(st.upstream_may_know);
    st = (sos_status)SOS_STATUS_OK;
    assert_int_equal(sos_editors_check(t, SUBMISSION_DB_EDITORS, sos_key_public(f->ed), &st), 0);
    sos_txn_abort(&t);
    /* the editor's request goes through, its event signed */
    assert_int_equal(s_submit(f, f->ed, "Editor Tool", msg), 0);
    Sos__Event *ev = tu_event(f->e, 2);
    assert_int_equal(ev->kind_case, SOS__EVENT__KIND_TOOL);
    assert_string_equal(ev->tool->tool_id, "editor-tool");
    assert_non_null(ev->by);
    sos__event__free_unpacked(ev, NULL);
}

static void test_request_id_must_match(void **state)
{
    fx *f = *state;
    char msg[256];
    assert_int_equal(s_add(f, f->ed, f->ed, msg), 0);
    Sos__EditorAction a = SOS__EDITOR_ACTION__INIT;
    a.act_case = SOS__EDITOR_ACTION__ACT_PANEL_CLOSE; /* scoring's */
    a.panel_close = (char *)"x";
    assert_int_equal(s_request(f, f->ed, &a, "rid-1", "rid-1", msg), SOS__CODE__CODE_BAD_REQUEST);
    assert_non_null(strstr(msg, "scoring"));
    Sos__Tool t = SOS__TOOL__INIT;
    t.name = (char *)"Replayed";
    t.tagline = (char *)"t";
    t.category = (char *)"c";
    t.tier = SOS__TIER__TIER_FREE;
    a.act_case = SOS__EDITOR_ACTION__ACT_TOOL_SUBMIT;
    a.tool_submit = &t;
    /* a signed action lifted into another request is refused */
    assert_int_equal(s_request(f, f->ed, &a, "rid-2", "rid-other", msg),
                     SOS__CODE__CODE_BAD_REQUEST);
    assert_non_null(strstr(msg, "request_id"));
    assert_int_equal(tu_head(f->e), 1);
    assert_int_equal(s_request(f, f->ed, &a, "rid-2", "rid-2", msg), 0);
}

static void test_revoke(void **state)
{
    fx *f = *state;
    char msg[256];
    assert_int_equal(s_add(f, f->ed, f->ed, msg), 0);
    /* the last current editor stays */
    assert_int_equal(s_revoke(f, f->ed, f->ed, msg), SOS__CODE__CODE_CONFLICT);
    assert_non_null(strstr(msg, "last current editor"));
    assert_int_equal(s_revoke(f, f->ed, f->stranger, msg), SOS__CODE__CODE_NOT_FOUND);
    assert_int_equal(s_add(f, f->ed, f->ed2, msg), 0);
    assert_int_equal(s_revoke(f, f->ed2, f->ed, msg), 0);
    assert_int_equal(tu_head(f->e), 3);
    Sos__Event *ev = tu_event(f->e, 3);
    assert_int_equal(ev->kind_case, SOS__EVENT__KIND_EDITOR);
    assert_int_equal(ev->editor->revoked_seq, 3);
    assert_int_equal(ev->editor->added_seq, 1);
    assert_true(ev->editor->revoked_at >= NOW);
    sos__event__free_unpacked(ev, NULL);
    /* the revoked key signs nothing more, and is told when */
    assert_int_equal(s_submit(f, f->ed, "Late Tool", msg), SOS__CODE__CODE_FORBIDDEN);
    assert_non_null(strstr(msg, "was revoked on"));
    assert_int_equal(s_revoke(f, f->ed, f->ed2, msg), SOS__CODE__CODE_FORBIDDEN);
    /* revoking again changes nothing; adding it back is refused */
    assert_int_equal(s_revoke(f, f->ed2, f->ed, msg), 0);
    assert_int_equal(tu_head(f->e), 3);
    assert_int_equal(s_add(f, f->ed2, f->ed, msg), SOS__CODE__CODE_CONFLICT);
    assert_non_null(strstr(msg, "stays revoked"));
    /* ed2 is now the last one */
    assert_int_equal(s_revoke(f, f->ed2, f->ed2, msg), SOS__CODE__CODE_CONFLICT);
    assert_int_equal(s_submit(f, f->ed2, "Current Tool", msg), 0);
}

int main(void)
{
    assert_int_equal(sos_sign_init(), 0);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_bootstrap, s_setup, s_teardown),
        cmocka_unit_test_setup_teardown(test_non_editor_refused, s_setup, s_teardown),
        cmocka_unit_test_setup_teardown(test_request_id_must_match, s_setup, s_teardown),
        cmocka_unit_test_setup_teardown(test_revoke, s_setup, s_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
