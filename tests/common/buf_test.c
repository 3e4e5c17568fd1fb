/* unit.common.buf: byte buffers, packing and budgeted unpacking. */
#include "testutil.h"

#include <stdlib.h>
#include <string.h>

#include "buf.h"

static void test_buf_basics(void **state)
{
    (void)state;
    sos_buf b = SOS_BUF_INIT;
    assert_null(b.data);
    sos_buf_append(&b, "hello", 5);
    sos_buf_append(&b, NULL, 0);
    sos_buf_append(&b, ", world", 7);
    assert_int_equal(b.len, 12);
    assert_true(b.cap >= 12);
    assert_memory_equal(b.data, "hello, world", 12);

    /* growth across many appends keeps every byte */
    for (int i = 0; i < 10000; i++) {
        uint8_t c = (uint8_t)i;
        sos_buf_append(&b, &c, 1);
    }
    assert_int_equal(b.len, 12 + 10000);
    for (int i = 0; i < 10000; i++)
        assert_int_equal(b.data[12 + i], (uint8_t)i);

    size_t cap = b.cap;
    sos_buf_reset(&b);
    assert_int_equal(b.len, 0);
    assert_int_equal(b.cap, cap); /* keeps the memory */
    sos_buf_reserve(&b, cap / 2);
    assert_int_equal(b.cap, cap);
    sos_buf_reserve(&b, cap + 1);
    assert_true(b.cap >= cap + 1);

    sos_buf_free(&b);
    assert_null(b.data);
    assert_int_equal(b.len, 0);
    assert_int_equal(b.cap, 0);
    sos_buf_append(&b, "again", 5); /* reusable after free */
    assert_memory_equal(b.data, "again", 5);
    sos_buf_free(&b);

    char *s = sos_xstrdup("copy me");
    assert_string_equal(s, "copy me");
    free(s);
    void *z = sos_xcalloc(4, 8);
    static const uint8_t zeros[32] = {0};
    assert_memory_equal(z, zeros, 32);
    free(z);
    free(sos_xmalloc(0)); /* never NULL, even for 0 */
}

static void s_pack_tool(sos_buf *b)
{
    Sos__Tool t = SOS__TOOL__INIT;
    t.tool_id = (char *)"llama-4-compact-12b";
    t.name = (char *)"Llama 4 Compact (12B)";
    t.vendor = (char *)"Meta";
    t.tagline = (char *)"small and quick";
    t.category = (char *)"LLM";
    t.tier = SOS__TIER__TIER_FREE;
    t.link = (char *)"https://example.org";
    t.submitted_at = 1700000000;
    sos_buf_pack(b, &t.base);
    assert_int_equal(b->len, protobuf_c_message_get_packed_size(&t.base));
}

static void test_pack_unpack_round_trip(void **state)
{
    (void)state;
    sos_buf b = SOS_BUF_INIT;
    sos_buf_append(&b, "old contents that pack replaces", 31);
    s_pack_tool(&b);
    Sos__Tool *t = (Sos__Tool *)sos_unpack(&sos__tool__descriptor, b.data, b.len);
    assert_non_null(t);
    assert_string_equal(t->tool_id, "llama-4-compact-12b");
    assert_string_equal(t->name, "Llama 4 Compact (12B)");
    assert_string_equal(t->vendor, "Meta");
    assert_int_equal(t->tier, SOS__TIER__TIER_FREE);
    assert_int_equal(t->submitted_at, 1700000000);
    assert_string_equal(t->description, "");
    protobuf_c_message_free_unpacked(&t->base, NULL);

    /* an empty message is zero bytes and unpacks to defaults */
    Sos__Empty e = SOS__EMPTY__INIT;
    sos_buf_pack(&b, &e.base);
    assert_int_equal(b.len, 0);
    Sos__Empty *e2 = (Sos__Empty *)sos_unpack(&sos__empty__descriptor, b.data, 0);
    assert_non_null(e2);
    protobuf_c_message_free_unpacked(&e2->base, NULL);
    sos_buf_free(&b);
}

static void test_unpack_truncated(void **state)
{
    (void)state;
    sos_buf b = SOS_BUF_INIT;
    s_pack_tool(&b);
    /* every proper prefix that cuts a field in half is refused; the
     * prefixes that end on a field boundary are valid messages */
    size_t refused = 0;
    for (size_t n = 1; n < b.len; n++) {
        ProtobufCMessage *m = sos_unpack(&sos__tool__descriptor, b.data, n);
        if (m)
            protobuf_c_message_free_unpacked(m, NULL);
        else
            refused++;
    }
    assert_true(refused >= b.len - 1 - 8); /* at most 8 fields end early */
    /* cut inside the first string field: refused */
    assert_null(sos_unpack(&sos__tool__descriptor, b.data, 5));
    /* garbage: a field with wire type 7 does not exist */
    static const uint8_t junk[] = {0x0f, 0x01, 0x02};
    assert_null(sos_unpack(&sos__tool__descriptor, junk, sizeof junk));
    /* a length running past the end */
    static const uint8_t longlen[] = {0x12, 0x7f, 'a', 'b'};
    assert_null(sos_unpack(&sos__tool__descriptor, longlen, sizeof longlen));
    sos_buf_free(&b);
}

/* A packed Signed with payload and signature of the given sizes. */
static void s_pack_signed(sos_buf *b, size_t payload, size_t sig)
{
    Sos__Signed s = SOS__SIGNED__INIT;
    uint8_t *p = calloc(1, payload ? payload : 1);
    uint8_t *g = calloc(1, sig ? sig : 1);
    assert_non_null(p);
    assert_non_null(g);
    s.payload = (ProtobufCBinaryData){payload, p};
    s.signature = (ProtobufCBinaryData){sig, g};
    sos_buf_pack(b, &s.base);
    free(p);
    free(g);
}

static void test_unpack_budget(void **state)
{
    (void)state;
    static const struct {
        size_t payload, sig;
        bool ok;
    } cases[] = {
        {1u << 20, 64, true},
        {SOS_UNPACK_BUDGET / 2, SOS_UNPACK_BUDGET / 4, true},
        {SOS_UNPACK_BUDGET + 1, 0, false},                     /* one field over the budget */
        {5u << 20, 5u << 20, false},                           /* each under, the sum over */
        {SOS_UNPACK_BUDGET / 2, SOS_UNPACK_BUDGET / 2, false}, /* plus the struct */
    };
    sos_buf b = SOS_BUF_INIT;
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        s_pack_signed(&b, cases[i].payload, cases[i].sig);
        Sos__Signed *s = (Sos__Signed *)sos_unpack(&sos__signed__descriptor, b.data, b.len);
        if ((s != NULL) != cases[i].ok)
            fail_msg("case %zu (payload %zu, signature %zu): unpack %s", i, cases[i].payload,
                     cases[i].sig, s ? "accepted" : "refused");
        if (s) {
            assert_int_equal(s->payload.len, cases[i].payload);
            protobuf_c_message_free_unpacked(&s->base, NULL);
        }
        /* the plain allocator takes every one of them: the budget is what refuses */
        Sos__Signed *p = sos__signed__unpack(NULL, b.len, b.data);
        assert_non_null(p);
        sos__signed__free_unpacked(p, NULL);
    }
    sos_buf_free(&b);
}

static void test_unpack_budget_is_per_call(void **state)
{
    (void)state;
    sos_buf b = SOS_BUF_INIT;
    s_pack_signed(&b, SOS_UNPACK_BUDGET / 2, 0);
    for (int i = 0; i < 4; i++) { /* 4 x half the budget: each call has its own */
        Sos__Signed *s = (Sos__Signed *)sos_unpack(&sos__signed__descriptor, b.data, b.len);
        assert_non_null(s);
        protobuf_c_message_free_unpacked(&s->base, NULL);
    }
    sos_buf_free(&b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_buf_basics),
        cmocka_unit_test(test_pack_unpack_round_trip),
        cmocka_unit_test(test_unpack_truncated),
        cmocka_unit_test(test_unpack_budget),
        cmocka_unit_test(test_unpack_budget_is_per_call),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
