/* unit.community.community_sub: the newsletter's subscribers
 * (services/community/community_sub.c) against a real store. */
#include "testutil.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "community.h"

#define NOW 1765000000u
#define PENDING SOS__SUBSCRIBER_STATE__SUBSCRIBER_STATE_PENDING
#define CONFIRMED SOS__SUBSCRIBER_STATE__SUBSCRIBER_STATE_CONFIRMED
#define UNSUBSCRIBED SOS__SUBSCRIBER_STATE__SUBSCRIBER_STATE_UNSUBSCRIBED

static int s_setup(void **state)
{
    *state = tu_env_new(community_spec.dbs, community_spec.n_dbs);
    return 0;
}

static int s_teardown(void **state)
{
    tu_env *e = *state;
    tu_env_free(&e);
    return 0;
}

/* Runs one rule in a committed write transaction (aborted on refusal). */
typedef struct {
    int kind; /* 0 subscribe, 1 confirm, 2 unsubscribe, 3 delete, 4 send mark */
    const char *email, *issue;
    const uint8_t *token;
    uint8_t seed;
} s_op;

static int s_run(tu_env *e, const s_op *op, Sos__Subscriber **out, sos_status *st)
{
    uint8_t c[16], u[16];
    memset(c, op->seed, sizeof c);
    memset(u, op->seed + 1, sizeof u);
    Sos__Subscribe sub = SOS__SUBSCRIBE__INIT;
    sub.email = (char *)op->email;
    Sos__Token tok = SOS__TOKEN__INIT;
    tok.token = (ProtobufCBinaryData){16, (uint8_t *)op->token};
    Sos__SendMark m = SOS__SEND_MARK__INIT;
    m.issue = (char *)op->issue;
    m.email = (char *)op->email;
    sos_txn *t = tu_begin(e, true);
    int rc;
    *out = NULL;
    switch (op->kind) {
    case 0: rc = community_subscribe(t, &sub, NOW, c, u, out, st); break;
    case 1: rc = community_confirm(t, &tok, NOW + 5, out, st); break;
    case 2: rc = community_unsubscribe(t, &tok, out, st); break;
    case 3: rc = community_subscriber_delete(t, op->email, out, st); break;
    default: rc = community_send_mark(t, &m, NOW, st); break;
    }
    if (rc == 0)
        tu_commit(&t);
    else
        sos_txn_abort(&t);
    return rc;
}

static size_t s_list(tu_env *e, bool confirmed, const char *unsent, char emails[][64], size_t cap)
{
    Sos__SubscriberQuery q = SOS__SUBSCRIBER_QUERY__INIT;
    Sos__SubscriberPage page = SOS__SUBSCRIBER_PAGE__INIT;
    sos_status st = SOS_STATUS_OK;
    size_t n = 0;
    q.confirmed_only = confirmed;
    q.unsent_issue = (char *)unsent;
    q.max = 1; /* page by page, through next */
    for (;;) {
        sos_txn *t = tu_begin(e, false);
        assert_int_equal(community_subscriber_list(t, &q, &page, &st), 0);
        sos_txn_abort(&t);
        for (size_t i = 0; i < page.n_subscribers && n < cap; i++)
            snprintf(emails[n++], 64, "%s", page.subscribers[i]->email);
        static char after[64];
        snprintf(after, sizeof after, "%s", page.next);
        community_page_clear(&page);
        if (!after[0])
            return n;
        q.after = after;
    }
}

static void test_lifecycle(void **state)
{
    tu_env *e = *state;
    Sos__Subscriber *s = NULL;
    sos_status st = SOS_STATUS_OK;
    uint8_t ctok[16], utok[16];
    char got[8][64];

    assert_int_equal(s_run(e, &(s_op){0, "Reader@Example.org", NULL, NULL, 1}, &s, &st), 0);
    assert_string_equal(s->email, "reader@example.org");
    assert_int_equal(s->state, PENDING);
    assert_int_equal(s->created_at, NOW);
    memcpy(ctok, s->confirm_token.data, 16);
    memcpy(utok, s->unsubscribe_token.data, 16);
    sos__subscriber__free_unpacked(s, NULL);
    /* again while pending: the same tokens (the confirmation is resent) */
    assert_int_equal(s_run(e, &(s_op){0, "reader@example.org", NULL, NULL, 9}, &s, &st), 0);
    assert_memory_equal(s->confirm_token.data, ctok, 16);
    sos__subscriber__free_unpacked(s, NULL);
    assert_int_equal(s_run(e, &(s_op){0, "other@example.net", NULL, NULL, 3}, &s, &st), 0);
    sos__subscriber__free_unpacked(s, NULL);

    assert_int_equal(s_list(e, false, "", got, 8), 2);
    assert_int_equal(s_list(e, true, "", got, 8), 0);
    /* the unsubscribe token does not confirm */
    assert_int_equal(s_run(e, &(s_op){1, NULL, NULL, utok, 0}, &s, &st),
                     SOS__CODE__CODE_BAD_REQUEST);
    sos__subscriber__free_unpacked(s, NULL);
    assert_int_equal(s_run(e, &(s_op){1, NULL, NULL, ctok, 0}, &s, &st), 0);
    assert_int_equal(s->state, CONFIRMED);
    assert_int_equal(s->confirmed_at, NOW + 5);
    sos__subscriber__free_unpacked(s, NULL);
    assert_int_equal(s_list(e, true, "", got, 8), 1);
    assert_string_equal(got[0], "reader@example.org");

    /* a send is marked: a rerun of the issue skips it */
    assert_int_equal(s_run(e, &(s_op){4, "reader@example.org", "2026-W49", NULL, 0}, &s, &st), 0);
    assert_int_equal(s_list(e, true, "2026-W49", got, 8), 0);
    assert_int_equal(s_list(e, true, "2026-W50", got, 8), 1);
    assert_int_equal(s_run(e, &(s_op){4, "nobody@example.org", "2026-W49", NULL, 0}, &s, &st),
                     SOS__CODE__CODE_NOT_FOUND);

    /* one-click unsubscribe: the links stop working */
    assert_int_equal(s_run(e, &(s_op){2, NULL, NULL, utok, 0}, &s, &st), 0);
    assert_int_equal(s->state, UNSUBSCRIBED);
    sos__subscriber__free_unpacked(s, NULL);
    assert_int_equal(s_run(e, &(s_op){1, NULL, NULL, ctok, 0}, &s, &st), SOS__CODE__CODE_NOT_FOUND);
    assert_int_equal(s_list(e, true, "", got, 8), 0);

    /* delete erases the address, its tokens and its sends */
    assert_int_equal(s_run(e, &(s_op){3, "reader@example.org", NULL, NULL, 0}, &s, &st), 0);
    sos__subscriber__free_unpacked(s, NULL);
    assert_int_equal(tu_count(e, COMMUNITY_DB_SENDS), 0);
    assert_int_equal(s_list(e, false, "", got, 8), 1);
    assert_int_equal(s_run(e, &(s_op){3, "reader@example.org", NULL, NULL, 0}, &s, &st),
                     SOS__CODE__CODE_NOT_FOUND);
    assert_int_equal(tu_count(e, COMMUNITY_DB_TOKENS), 2); /* other@'s two */
    /* nothing of it was logged */
    assert_int_equal(tu_head(e), 0);
}

static void test_bad_addresses(void **state)
{
    tu_env *e = *state;
    Sos__Subscriber *s = NULL;
    const char *bad[] = {"",
                         "a@b",
                         "no-at.example.org",
                         "@example.org",
                         "a@@example.org",
                         "a b@example.org",
                         "a@example",
                         "a@.example.org",
                         "a@example.org.",
                         "<a>@example.org",
                         "a@example.org\n"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        sos_status st = SOS_STATUS_OK;
        if (s_run(e, &(s_op){0, bad[i], NULL, NULL, 1}, &s, &st) != SOS__CODE__CODE_BAD_REQUEST)
            fail_msg("accepted '%s'", bad[i]);
        assert_true(st.msg[0] != '\0');
    }
    assert_int_equal(tu_count(e, COMMUNITY_DB_SUBSCRIBERS), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_lifecycle, s_setup, s_teardown),
        cmocka_unit_test_setup_teardown(test_bad_addresses, s_setup, s_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
