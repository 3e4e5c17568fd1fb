/* unit.common.evlog: event log, meta values and request ids. */
#include "testutil.h"

#include <stdio.h>
#include <string.h>

#include "evlog.h"

static int s_setup(void **state)
{
    *state = tu_env_new(NULL, 0);
    return 0;
}

static int s_teardown(void **state)
{
    tu_env *e = *state;
    tu_env_free(&e);
    return 0;
}

/* Appends n tool events named tool-<i> starting at first. */
static void s_append_tools(tu_env *e, unsigned first, unsigned n)
{
    sos_txn *t = tu_begin(e, true);
    for (unsigned i = first; i < first + n; i++) {
        char id[32];
        snprintf(id, sizeof id, "tool-%u", i);
        Sos__Tool tool = SOS__TOOL__INIT;
        tool.tool_id = id;
        Sos__Event ev = SOS__EVENT__INIT;
        ev.kind_case = SOS__EVENT__KIND_TOOL;
        ev.tool = &tool;
        ev.seq = 999; /* overwritten */
        assert_int_equal(sos_evlog_append(t, &ev), SOS_OK);
        assert_int_equal(ev.seq, i);
    }
    tu_commit(&t);
}

static void test_append_and_head(void **state)
{
    tu_env *e = *state;
    assert_int_equal(tu_head(e), 0);
    s_append_tools(e, 1, 3);
    assert_int_equal(tu_head(e), 3);
    for (uint64_t s = 1; s <= 3; s++) {
        Sos__Event *ev = tu_event(e, s);
        assert_non_null(ev);
        assert_int_equal(ev->kind_case, SOS__EVENT__KIND_TOOL);
        char id[32];
        snprintf(id, sizeof id, "tool-%u", (unsigned)s);
        assert_string_equal(ev->tool->tool_id, id);
        sos__event__free_unpacked(ev, NULL);
    }
    assert_null(tu_event(e, 4));
    /* an aborted append does not advance the head */
    sos_txn *t = tu_begin(e, true);
    Sos__Event ev = SOS__EVENT__INIT;
    assert_int_equal(sos_evlog_append(t, &ev), SOS_OK);
    assert_int_equal(ev.seq, 4);
    sos_txn_abort(&t);
    assert_int_equal(tu_head(e), 3);
    s_append_tools(e, 4, 1);
    assert_int_equal(tu_head(e), 4);
}

static Sos__EventsReply *s_page(tu_env *e, uint64_t after, uint32_t max)
{
    uint8_t rid[] = {'r', 'i', 'd', 0x00, 0xff};
    ProtobufCBinaryData id = {sizeof rid, rid};
    sos_buf b = SOS_BUF_INIT;
    sos_txn *t = tu_begin(e, false);
    assert_int_equal(sos_evlog_page(t, &id, after, max, &b), SOS_OK);
    sos_txn_abort(&t);
    /* RawEventsReply is wire-compatible with EventsReply */
    Sos__EventsReply *r = sos__events_reply__unpack(NULL, b.len, b.data);
    sos_buf_free(&b);
    assert_non_null(r);
    assert_true(tu_bin_eq(r->request_id, rid, sizeof rid));
    assert_non_null(r->status);
    assert_int_equal(r->status->code, SOS__CODE__CODE_OK);
    assert_non_null(r->events);
    return r;
}

/* Found by fuzz_event: protobuf-c keeps an unknown field numbered 0 and
 * packs it back as bytes it then refuses to decode. Such an event must
 * never reach the log, where it would stop every follower for good. */
static void test_append_refuses_undecodable(void **state)
{
    tu_env *e = *state;
    /* Event { comparison { slug: "x", <field 0 varint 0> } } */
    static const uint8_t bytes[] = {0x7a, 0x06, 0x0a, 0x01, 0x78, 0x80, 0x00, 0x00};
    Sos__Event *ev = sos__event__unpack(NULL, sizeof bytes, bytes);
    assert_non_null(ev); /* protobuf-c accepts it on the way in ... */
    sos_txn *t = tu_begin(e, true);
    assert_int_equal(sos_evlog_append(t, ev), SOS_EINVAL); /* ... we do not pass it on */
    tu_commit(&t);
    assert_int_equal(tu_head(e), 0);
    sos__event__free_unpacked(ev, NULL);
    /* and a page after the largest sequence number is empty, not the log */
    s_append_tools(e, 1, 2);
    t = tu_begin(e, false);
    sos_buf out = SOS_BUF_INIT;
    ProtobufCBinaryData rid = {1, (uint8_t *)"r"};
    assert_int_equal(sos_evlog_page(t, &rid, UINT64_MAX, 10, &out), SOS_OK);
    sos_txn_abort(&t);
    Sos__EventsReply *rep = sos__events_reply__unpack(NULL, out.len, out.data);
    assert_non_null(rep);
    assert_int_equal(rep->events->n_events, 0);
    assert_int_equal(rep->events->head, 2);
    sos__events_reply__free_unpacked(rep, NULL);
    sos_buf_free(&out);
}

static void test_page(void **state)
{
    tu_env *e = *state;
    static const struct {
        uint64_t after;
        uint32_t max;
        uint64_t first;
        size_t n;
    } cases[] = {
        {0, 2, 1, 2},      {0, 10, 1, 5}, {1, 2, 2, 2},  {3, 10, 4, 2},
        {4, 1, 5, 1},      {5, 10, 0, 0}, {99, 1, 0, 0}, {0, 0, 1, 5}, /* max 0: the default */
        {2, 100000, 3, 3},                                             /* max above the cap */
    };
    Sos__EventsReply *r = s_page(e, 0, 10);
    assert_int_equal(r->events->n_events, 0);
    assert_int_equal(r->events->head, 0);
    sos__events_reply__free_unpacked(r, NULL);

    s_append_tools(e, 1, 5);
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        r = s_page(e, cases[i].after, cases[i].max);
        assert_int_equal(r->events->head, 5);
        if (r->events->n_events != cases[i].n)
            fail_msg("case %zu: after=%llu max=%u: %zu events, want %zu", i,
                     (unsigned long long)cases[i].after, cases[i].max, r->events->n_events,
                     cases[i].n);
        for (size_t j = 0; j < r->events->n_events; j++) {
            const Sos__Event *ev = r->events->events[j];
            char id[32];
            assert_int_equal(ev->seq, cases[i].first + j);
            assert_int_equal(ev->kind_case, SOS__EVENT__KIND_TOOL);
            snprintf(id, sizeof id, "tool-%llu", (unsigned long long)ev->seq);
            assert_string_equal(ev->tool->tool_id, id);
        }
        sos__events_reply__free_unpacked(r, NULL);
    }
}

static void test_page_cap(void **state)
{
    tu_env *e = *state;
    s_append_tools(e, 1, SOS_EVLOG_PAGE_MAX + 5);
    Sos__EventsReply *r = s_page(e, 0, 0);
    assert_int_equal(r->events->n_events, SOS_EVLOG_PAGE_MAX);
    assert_int_equal(r->events->head, SOS_EVLOG_PAGE_MAX + 5);
    assert_int_equal(r->events->events[SOS_EVLOG_PAGE_MAX - 1]->seq, SOS_EVLOG_PAGE_MAX);
    sos__events_reply__free_unpacked(r, NULL);
    r = s_page(e, SOS_EVLOG_PAGE_MAX, 0);
    assert_int_equal(r->events->n_events, 5);
    sos__events_reply__free_unpacked(r, NULL);
    /* a max above the cap is the cap */
    r = s_page(e, 2, SOS_EVLOG_PAGE_MAX + 3);
    assert_int_equal(r->events->n_events, SOS_EVLOG_PAGE_MAX);
    assert_int_equal(r->events->events[0]->seq, 3);
    sos__events_reply__free_unpacked(r, NULL);
}

static void test_meta(void **state)
{
    tu_env *e = *state;
    uint64_t v = 77;
    sos_txn *t = tu_begin(e, true);
    assert_int_equal(sos_meta_get_u64(t, "cursor", &v), SOS_OK);
    assert_int_equal(v, 0); /* absent reads as 0 */
    static const uint64_t vals[] = {1, 42, 0x0102030405060708ull, UINT64_MAX};
    for (size_t i = 0; i < sizeof vals / sizeof vals[0]; i++) {
        assert_int_equal(sos_meta_put_u64(t, "cursor", vals[i]), SOS_OK);
        assert_int_equal(sos_meta_get_u64(t, "cursor", &v), SOS_OK);
        assert_int_equal(v, vals[i]);
    }
    assert_int_equal(sos_meta_put_u64(t, "format", SOS_STORE_FORMAT), SOS_OK);
    /* a value of the wrong size is a damaged record (store.corrupt), not a number */
    assert_int_equal(sos_txn_put(t, SOS_DB_META, "broken", 6, "abc", 3), SOS_OK);
    assert_int_equal(sos_meta_get_u64(t, "broken", &v), SOS_CORRUPT);
    tu_commit(&t);

    t = tu_begin(e, false);
    assert_int_equal(sos_meta_get_u64(t, "cursor", &v), SOS_OK);
    assert_int_equal(v, UINT64_MAX);
    assert_int_equal(sos_meta_get_u64(t, "format", &v), SOS_OK);
    assert_int_equal(v, SOS_STORE_FORMAT);
    sos_val raw;
    assert_int_equal(sos_txn_get(t, SOS_DB_META, "format", 6, &raw), SOS_OK);
    assert_int_equal(raw.len, 8);
    assert_int_equal(((const uint8_t *)raw.data)[7], SOS_STORE_FORMAT); /* big-endian */
    sos_txn_abort(&t);
}

static void test_requests(void **state)
{
    tu_env *e = *state;
    uint8_t idb[16], h1[32], h2[32];
    memset(idb, 0x11, sizeof idb);
    memset(h1, 0xaa, sizeof h1);
    memset(h2, 0xaa, sizeof h2);
    h2[31] = 0xab;
    ProtobufCBinaryData id = {sizeof idb, idb};
    sos_buf reply = SOS_BUF_INIT;
    sos_buf_append(&reply, "the stored reply", 16);
    sos_val got;
    int same = -1;

    sos_txn *t = tu_begin(e, true);
    assert_int_equal(sos_request_find(t, &id, h1, &got, &same), SOS_NOTFOUND);
    assert_int_equal(sos_request_store(t, &id, h1, &reply), SOS_OK);
    tu_commit(&t);

    t = tu_begin(e, false);
    assert_int_equal(sos_request_find(t, &id, h1, &got, &same), SOS_OK);
    assert_int_equal(same, 1);
    assert_int_equal(got.len, 16);
    assert_memory_equal(got.data, "the stored reply", 16);
    same = -1;
    assert_int_equal(sos_request_find(t, &id, h2, &got, &same), SOS_OK);
    assert_int_equal(same, 0);
    assert_int_equal(got.len, 16);
    assert_memory_equal(got.data, "the stored reply", 16);
    /* another id is new */
    uint8_t other[16];
    memset(other, 0x12, sizeof other);
    ProtobufCBinaryData id2 = {sizeof other, other};
    assert_int_equal(sos_request_find(t, &id2, h1, &got, &same), SOS_NOTFOUND);
    sos_txn_abort(&t);

    /* an empty reply is kept as such */
    t = tu_begin(e, true);
    sos_buf empty = SOS_BUF_INIT;
    assert_int_equal(sos_request_store(t, &id2, h2, &empty), SOS_OK);
    assert_int_equal(sos_request_find(t, &id2, h2, &got, &same), SOS_OK);
    assert_int_equal(same, 1);
    assert_int_equal(got.len, 0);
    /* a value shorter than a hash is corrupt */
    assert_int_equal(sos_txn_put(t, SOS_DB_REQUESTS, "bad", 3, "short", 5), SOS_OK);
    ProtobufCBinaryData id3 = {3, (uint8_t *)"bad"};
    assert_int_equal(sos_request_find(t, &id3, h1, &got, &same), SOS_CORRUPT);
    tu_commit(&t);
    assert_int_equal(tu_count(e, SOS_DB_REQUESTS), 3);
    sos_buf_free(&reply);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_append_and_head, s_setup, s_teardown),
        cmocka_unit_test_setup_teardown(test_page, s_setup, s_teardown),
        cmocka_unit_test_setup_teardown(test_page_cap, s_setup, s_teardown),
        cmocka_unit_test_setup_teardown(test_meta, s_setup, s_teardown),
        cmocka_unit_test_setup_teardown(test_requests, s_setup, s_teardown),
        cmocka_unit_test_setup_teardown(test_append_refuses_undecodable, s_setup, s_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
