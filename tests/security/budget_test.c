/* security.budget: protobuf-c decoding never allocates beyond its budget.
 *
 * Every message a daemon receives is decoded with sos_unpack (buf.h), which
 * hands protobuf-c an allocator bounded to SOS_UNPACK_BUDGET bytes per
 * call. This executable is linked with -Wl,--wrap=malloc so that it can
 * count what the allocator really asks the C library for while one
 * sos_unpack runs: hostile frames (a small frame that decodes into many
 * structs, length prefixes far larger than the data, one field or many
 * fields over the budget) must give NULL, having asked for no more than
 * the budget in all and never for one block over it. The same bytes decode
 * with protobuf-c's plain allocator, so the budget is what refuses them. */
#include "testutil.h"

#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "wire.h"

void *__real_malloc(size_t n);
void *__wrap_malloc(size_t n);

static bool s_counting;
static size_t s_total, s_largest, s_calls;

void *__wrap_malloc(size_t n)
{
    if (s_counting) {
        s_total += n;
        s_calls++;
        if (n > s_largest)
            s_largest = n;
    }
    return __real_malloc(n);
}

/* sos_unpack with the C library's mallocs counted. */
static ProtobufCMessage *s_unpack(const ProtobufCMessageDescriptor *d, const sos_buf *b)
{
    s_total = s_largest = s_calls = 0;
    s_counting = true;
    ProtobufCMessage *m = sos_unpack(d, b->data, b->len);
    s_counting = false;
    return m;
}

static void s_expect_refused_within_budget(const ProtobufCMessageDescriptor *d, const sos_buf *b,
                                           bool plain_ok, const char *what)
{
    ProtobufCMessage *m = s_unpack(d, b);
    if (m) {
        protobuf_c_message_free_unpacked(m, NULL);
        fail_msg("%s: decoded (%zu bytes asked in %zu mallocs), want NULL", what, s_total, s_calls);
    }
    if (s_total > SOS_UNPACK_BUDGET || s_largest > SOS_UNPACK_BUDGET)
        fail_msg("%s: %zu bytes asked in %zu mallocs (largest %zu), budget %u", what, s_total,
                 s_calls, s_largest, SOS_UNPACK_BUDGET);
    /* the plain allocator: the input is a valid message (or, for lengths
     * past the end, not one at all) */
    ProtobufCMessage *p = protobuf_c_message_unpack(d, NULL, b->len, b->data);
    if ((p != NULL) != plain_ok)
        fail_msg("%s: protobuf-c's own allocator %s it", what, p ? "decodes" : "refuses");
    if (p)
        protobuf_c_message_free_unpacked(p, NULL);
}

static void s_varint(sos_buf *b, uint64_t v)
{
    uint8_t x[10];
    size_t n = 0;
    for (; v >= 0x80; v >>= 7)
        x[n++] = (uint8_t)(0x80 | (v & 0x7f));
    x[n++] = (uint8_t)v;
    sos_buf_append(b, x, n);
}

/* A request-sized frame (the 1 MiB the api socket lets in) of empty
 * repeated submessages: two bytes each on the wire, a struct and a pointer
 * each in memory (with the budget removed, this frame made protobuf-c ask
 * for 62,913,584 bytes in 524,305 mallocs: 60 times the frame). */
static void test_many_repeated_elements(void **state)
{
    (void)state;
    sos_buf b = SOS_BUF_INIT;
    static const uint8_t empty_event[] = {0x0a, 0x00}; /* EventsPage.events: Event{} */
    while (b.len + sizeof empty_event <= SOS_WIRE_MAX_REQUEST)
        sos_buf_append(&b, empty_event, sizeof empty_event);
    size_t n = b.len / 2;
    assert_true(n * (sizeof(Sos__Event) + sizeof(void *)) > SOS_UNPACK_BUDGET);
    s_expect_refused_within_budget(&sos__events_page__descriptor, &b, true,
                                   "1 MiB of empty repeated Events");

    /* within the budget the same shape decodes: the budget, not the shape */
    sos_buf_reset(&b);
    for (int i = 0; i < 1000; i++)
        sos_buf_append(&b, empty_event, sizeof empty_event);
    Sos__EventsPage *p = (Sos__EventsPage *)s_unpack(&sos__events_page__descriptor, &b);
    assert_non_null(p);
    assert_int_equal(p->n_events, 1000);
    assert_true(s_calls > 1000); /* the counting sees the allocator's mallocs */
    protobuf_c_message_free_unpacked(&p->base, NULL);
    sos_buf_free(&b);
}

/* Length prefixes that promise more than the frame holds. */
static void test_huge_length_prefixes(void **state)
{
    (void)state;
    static const uint64_t lens[] = {SOS_UNPACK_BUDGET + 1ull, 1ull << 32, 1ull << 62, UINT64_MAX};
    for (size_t i = 0; i < sizeof lens / sizeof lens[0]; i++) {
        sos_buf b = SOS_BUF_INIT;
        uint8_t tail[64] = {0};
        sos_buf_append(&b, "\x0a", 1); /* Signed.payload, length-delimited */
        s_varint(&b, lens[i]);
        sos_buf_append(&b, tail, sizeof tail);
        s_expect_refused_within_budget(&sos__signed__descriptor, &b, false,
                                       "length prefix past the end");
        assert_true(s_largest < 4096);
        sos_buf_free(&b);
    }
}

/* Fields that really are that long: one over the budget; several under it
 * each, over it together. */
static void test_fields_over_budget(void **state)
{
    (void)state;
    sos_buf b = SOS_BUF_INIT;
    uint8_t *chunk = calloc(1, SOS_UNPACK_BUDGET + 1);
    assert_non_null(chunk);

    sos_buf_append(&b, "\x0a", 1); /* Signed.payload of budget + 1 bytes */
    s_varint(&b, SOS_UNPACK_BUDGET + 1);
    sos_buf_append(&b, chunk, SOS_UNPACK_BUDGET + 1);
    s_expect_refused_within_budget(&sos__signed__descriptor, &b, true, "one bytes field over");

    sos_buf_reset(&b); /* VerdictBody.take_hashes: 9 x 1 MiB */
    for (int i = 0; i < 9; i++) {
        sos_buf_append(&b, "\x12", 1);
        s_varint(&b, 1u << 20);
        sos_buf_append(&b, chunk, 1u << 20);
    }
    s_expect_refused_within_budget(&sos__verdict_body__descriptor, &b, true,
                                   "9 repeated 1 MiB fields");

    sos_buf_reset(&b); /* 7 x 1 MiB: decodes */
    for (int i = 0; i < 7; i++) {
        sos_buf_append(&b, "\x12", 1);
        s_varint(&b, 1u << 20);
        sos_buf_append(&b, chunk, 1u << 20);
    }
    Sos__VerdictBody *v = (Sos__VerdictBody *)s_unpack(&sos__verdict_body__descriptor, &b);
    assert_non_null(v);
    assert_int_equal(v->n_take_hashes, 7);
    assert_true(s_total >= 7u << 20 && s_total <= SOS_UNPACK_BUDGET);
    protobuf_c_message_free_unpacked(&v->base, NULL);
    free(chunk);
    sos_buf_free(&b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_many_repeated_elements),
        cmocka_unit_test(test_huge_length_prefixes),
        cmocka_unit_test(test_fields_over_budget),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
