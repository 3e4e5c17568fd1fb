/* sectest: scoring fixture and hand-made signed takes for the security tests. */
#include "sectest.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static uint32_t s_next_id = 1;

static void s_apply(sec_fx *f, Sos__Event *ev)
{
    sos_txn *t = tu_begin(f->e, true);
    assert_int_equal(scoring_apply(t, ev), SOS_OK);
    tu_commit(&t);
}

static void s_apply_tool(sec_fx *f, const char *id)
{
    Sos__Tool tool = SOS__TOOL__INIT;
    tool.tool_id = (char *)id;
    tool.name = (char *)id;
    Sos__Event ev = SOS__EVENT__INIT;
    ev.kind_case = SOS__EVENT__KIND_TOOL;
    ev.tool = &tool;
    s_apply(f, &ev);
}

void sec_register(sec_fx *f, int persona, const uint8_t pk[SOS_PK_BYTES])
{
    Sos__PanelKey k = SOS__PANEL_KEY__INIT;
    k.persona = (Sos__Persona)persona;
    k.public_key = (ProtobufCBinaryData){SOS_PK_BYTES, (uint8_t *)pk};
    Sos__Event ev = SOS__EVENT__INIT;
    ev.kind_case = SOS__EVENT__KIND_PANEL_KEY;
    ev.panel_key = &k;
    s_apply(f, &ev);
}

int sec_setup(void **state)
{
    sec_fx *f = calloc(1, sizeof *f);
    assert_non_null(f);
    f->e = tu_env_new(scoring_spec.dbs, scoring_spec.n_dbs);
    f->r.quorum = 5;
    for (int p = SEC_STRANGER; p <= SEC_CREATOR; p++)
        assert_int_equal(sos_key_generate(&f->keys[p]), 0);
    s_apply_tool(f, "tool-a");
    s_apply_tool(f, "tool-b");
    for (int p = SEC_BUILDER; p <= SEC_CREATOR; p++)
        sec_register(f, p, sos_key_public(f->keys[p]));
    assert_int_equal(tu_head(f->e), 2); /* the two tools, forwarded */
    assert_int_equal(tu_count(f->e, SCORING_DB_PANEL), 5);
    *state = f;
    return 0;
}

int sec_teardown(void **state)
{
    sec_fx *f = *state;
    for (int p = SEC_STRANGER; p <= SEC_CREATOR; p++)
        sos_key_destroy(&f->keys[p]);
    tu_env_free(&f->e);
    free(f);
    return 0;
}

void sec_pack(sec_take *tk, const sec_body *b)
{
    Sos__TakeBody tb = SOS__TAKE_BODY__INIT;
    memset(tk, 0, sizeof *tk);
    if (b->take_id) {
        memcpy(tk->id, b->take_id, sizeof tk->id);
    } else {
        uint32_t n = s_next_id++;
        memset(tk->id, 0x5a, sizeof tk->id);
        memcpy(tk->id, &n, sizeof n);
    }
    tb.take_id = (ProtobufCBinaryData){sizeof tk->id, tk->id};
    tb.tool_id = (char *)b->tool;
    tb.persona = (Sos__Persona)b->persona;
    tb.score = b->score;
    tb.ship = b->score >= 50;
    tb.text = (char *)b->text;
    tb.revision = b->revision;
    tb.filed_at = SEC_NOW - 60;
    sos_buf_pack(&tk->payload, &tb.base);
}

void sec_envelope(sec_take *tk, const uint8_t pk[SOS_PK_BYTES], const uint8_t sig[SOS_SIG_BYTES])
{
    if (pk != tk->pk)
        memcpy(tk->pk, pk, SOS_PK_BYTES);
    if (sig != tk->sig)
        memcpy(tk->sig, sig, SOS_SIG_BYTES);
    Sos__Signed s = SOS__SIGNED__INIT;
    s.payload = (ProtobufCBinaryData){tk->payload.len, tk->payload.data};
    s.signer = (ProtobufCBinaryData){SOS_PK_BYTES, tk->pk};
    s.signature = (ProtobufCBinaryData){SOS_SIG_BYTES, tk->sig};
    tk->s = s;
}

void sec_sign(sec_take *tk, const sos_key *key, const char *domain)
{
    sos_sign(key, domain, tk->payload.data, tk->payload.len, tk->sig);
    sec_envelope(tk, sos_key_public(key), tk->sig);
}

void sec_take_free(sec_take *tk)
{
    sos_buf_free(&tk->payload);
}

int sec_accept_signed(sec_fx *f, const Sos__Signed *s, const ProtobufCBinaryData *rid,
                      sos_status *st)
{
    uint8_t hash[SOS_HASH_BYTES];
    *st = (sos_status)SOS_STATUS_OK;
    sos_txn *t = tu_begin(f->e, true);
    int rc = scoring_take_accept(&f->r, t, s, rid, SEC_NOW, hash, st);
    assert_true(rc >= 0); /* a refusal or a yes, never a store error */
    tu_commit(&t);
    return rc;
}

int sec_accept(sec_fx *f, const sec_take *tk, sos_status *st)
{
    ProtobufCBinaryData rid = {sizeof tk->id, (uint8_t *)tk->id};
    return sec_accept_signed(f, &tk->s, &rid, st);
}

sec_snap sec_snapshot(sec_fx *f)
{
    sec_snap s = {tu_head(f->e), tu_count(f->e, SCORING_DB_TAKES),
                  tu_count(f->e, SCORING_DB_LATEST), tu_count(f->e, SCORING_DB_CLOSED)};
    return s;
}

void sec_expect_unchanged(sec_fx *f, sec_snap before, const char *what)
{
    sec_snap now = sec_snapshot(f);
    if (now.head != before.head || now.takes != before.takes || now.latest != before.latest ||
        now.closed != before.closed)
        fail_msg("%s: something was stored: head %llu -> %llu, takes %llu -> %llu, latest "
                 "%llu -> %llu, closed %llu -> %llu",
                 what, (unsigned long long)before.head, (unsigned long long)now.head,
                 (unsigned long long)before.takes, (unsigned long long)now.takes,
                 (unsigned long long)before.latest, (unsigned long long)now.latest,
                 (unsigned long long)before.closed, (unsigned long long)now.closed);
}

void sec_expect_refused(int rc, const sos_status *st, int want, const char *needle,
                        const char *what)
{
    if (rc != want || st->code != (Sos__Code)want || !strstr(st->msg, needle))
        fail_msg("%s: rc=%d code=%s msg=\"%s\"; want %s with \"%s\"", what, rc,
                 sos_code_name(st->code), st->msg, sos_code_name((Sos__Code)want), needle);
}
