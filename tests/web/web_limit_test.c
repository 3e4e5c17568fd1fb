/* unit.web.web_limit: token buckets under an injected clock, address
 * prefixes for IPv4 and IPv6, the bucket table. No sleeping: time is a
 * number the test moves. */
#include "testutil.h"

#include <string.h>

#include "web_limit.h"

static void test_bucket_burst_then_refill(void **state)
{
    (void)state;
    web_rate r = {3, 60}; /* 3 at once, then one a second */
    web_bucket b = {0};
    int64_t t = 1000000;
    for (int i = 0; i < 3; i++)
        assert_int_equal(web_bucket_take(&b, t, &r), 0);
    long wait = web_bucket_take(&b, t, &r);
    assert_true(wait >= 999 && wait <= 1001);
    assert_true(web_bucket_take(&b, t + 500, &r) > 0); /* half a token: not yet */
    assert_int_equal(web_bucket_take(&b, t + 1000, &r), 0);
    assert_true(web_bucket_take(&b, t + 1000, &r) > 0);
    /* an hour later the bucket holds the burst, no more */
    t += 3600 * 1000;
    for (int i = 0; i < 3; i++)
        assert_int_equal(web_bucket_take(&b, t, &r), 0);
    assert_true(web_bucket_take(&b, t, &r) > 0);
}

static void test_bucket_clock_back_and_off(void **state)
{
    (void)state;
    web_rate r = {1, 60};
    web_bucket b = {0};
    assert_int_equal(web_bucket_take(&b, 5000, &r), 0);
    /* a clock that goes back refills nothing */
    assert_true(web_bucket_take(&b, 1000, &r) > 0);
    assert_true(web_bucket_take(&b, 5500, &r) > 0);
    assert_int_equal(web_bucket_take(&b, 6000, &r), 0);
    web_rate off = {0, 0};
    web_bucket o = {0};
    for (int i = 0; i < 1000; i++)
        assert_int_equal(web_bucket_take(&o, 0, &off), 0);
    web_rate never = {1, 0};
    web_bucket n = {0};
    assert_int_equal(web_bucket_take(&n, 0, &never), 0);
    assert_true(web_bucket_take(&n, 1000000, &never) > 0);
}

static void test_prefixes_v4(void **state)
{
    (void)state;
    web_prefix p[2], q[2];
    assert_int_equal(web_prefixes("203.0.113.77", p), 1);
    assert_int_equal(p[0].family, 4);
    assert_int_equal(p[0].bits, 24);
    static const uint8_t want[16] = {203, 0, 113, 0};
    assert_memory_equal(p[0].addr, want, 16);
    /* one /24, whatever the last byte; another /24 differs */
    assert_int_equal(web_prefixes("203.0.113.1", q), 1);
    assert_memory_equal(&p[0], &q[0], sizeof p[0]);
    assert_int_equal(web_prefixes("203.0.114.77", q), 1);
    assert_memory_not_equal(&p[0], &q[0], sizeof p[0]);
    /* an IPv4-mapped IPv6 peer is its IPv4 address */
    assert_int_equal(web_prefixes("::ffff:203.0.113.9", q), 1);
    assert_memory_equal(&p[0], &q[0], sizeof p[0]);
}

static void test_prefixes_v6(void **state)
{
    (void)state;
    web_prefix p[2], q[2];
    assert_int_equal(web_prefixes("2001:db8:aaaa:bb12:1:2:3:4", p), 2);
    assert_int_equal(p[0].bits, 64);
    assert_int_equal(p[1].bits, 56);
    static const uint8_t w64[16] = {0x20, 0x01, 0x0d, 0xb8, 0xaa, 0xaa, 0xbb, 0x12};
    static const uint8_t w56[16] = {0x20, 0x01, 0x0d, 0xb8, 0xaa, 0xaa, 0xbb, 0x00};
    assert_memory_equal(p[0].addr, w64, 16);
    assert_memory_equal(p[1].addr, w56, 16);
    /* another /64 in the same /56: /64 differs, /56 the same */
    assert_int_equal(web_prefixes("2001:db8:aaaa:bb34::1", q), 2);
    assert_memory_not_equal(&p[0], &q[0], sizeof p[0]);
    assert_memory_equal(&p[1], &q[1], sizeof p[1]);
    /* another /56 */
    assert_int_equal(web_prefixes("2001:db8:aaaa:cc12::1", q), 2);
    assert_memory_not_equal(&p[1], &q[1], sizeof p[1]);
}

static void test_prefixes_refused(void **state)
{
    (void)state;
    web_prefix p[2];
    const char *bad[] = {"",          "localhost", "1.2.3",      "1.2.3.4.5",
                         "256.1.1.1", "::g",       "1.2.3.4/24", " 1.2.3.4"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        assert_int_equal(web_prefixes(bad[i], p), -1);
}

static void test_limiter_keys_apart(void **state)
{
    (void)state;
    web_limiter *l;
    web_rate r = {2, 60};
    uint8_t a[WEB_KEY_BYTES], b[WEB_KEY_BYTES];
    memset(a, 0x11, sizeof a);
    memset(b, 0x22, sizeof b);
    assert_int_equal(web_limiter_new(1024, &l), 0);
    assert_int_equal(web_limiter_take(l, a, 0, &r), 0);
    assert_int_equal(web_limiter_take(l, a, 0, &r), 0);
    assert_true(web_limiter_take(l, a, 0, &r) > 0);
    assert_int_equal(web_limiter_take(l, b, 0, &r), 0); /* b has its own budget */
    assert_int_equal(web_limiter_take(l, a, 1000, &r), 0);
    web_limiter_clear(l);
    assert_int_equal(web_limiter_take(l, a, 1000, &r), 0);
    assert_int_equal(web_limiter_take(l, a, 1000, &r), 0);
    web_limiter_destroy(&l);
    assert_null(l);
}

static void test_limiter_full_table(void **state)
{
    (void)state;
    web_limiter *l;
    web_rate r = {1, 1};
    uint8_t k[WEB_KEY_BYTES];
    assert_int_equal(web_limiter_new(4, &l), 0); /* one set of four */
    for (int i = 0; i < 100; i++) {
        memset(k, 0, sizeof k);
        k[8] = (uint8_t)i; /* the same set, other keys */
        assert_int_equal(web_limiter_take(l, k, i, &r), 0);
    }
    /* the newest four keep their spent buckets */
    for (int i = 96; i < 100; i++) {
        memset(k, 0, sizeof k);
        k[8] = (uint8_t)i;
        assert_true(web_limiter_take(l, k, 100, &r) > 0);
    }
    web_limiter_destroy(&l);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_bucket_burst_then_refill),
        cmocka_unit_test(test_bucket_clock_back_and_off),
        cmocka_unit_test(test_prefixes_v4),
        cmocka_unit_test(test_prefixes_v6),
        cmocka_unit_test(test_prefixes_refused),
        cmocka_unit_test(test_limiter_keys_apart),
        cmocka_unit_test(test_limiter_full_table),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
