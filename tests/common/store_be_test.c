/* unit.common.store_be: the big-endian key helpers
 * (services/common/store_be.c). */
#include "testutil.h"

#include <string.h>

#include "store.h"

static void test_be_round_trips(void **state)
{
    (void)state;
    static const uint64_t v64[] = {
        0, 1, 0xff, 0x100, 0x0102030405060708ull, 0x8000000000000000ull, UINT64_MAX};
    uint8_t b[8], b2[8];
    for (size_t i = 0; i < sizeof v64 / sizeof v64[0]; i++) {
        sos_be64_put(b, v64[i]);
        assert_int_equal(sos_be64_get(b), v64[i]);
    }
    static const uint8_t want64[8] = {1, 2, 3, 4, 5, 6, 7, 8};
    sos_be64_put(b, 0x0102030405060708ull);
    assert_memory_equal(b, want64, 8);
    /* byte order is numeric order */
    for (size_t i = 0; i + 1 < sizeof v64 / sizeof v64[0]; i++) {
        sos_be64_put(b, v64[i]);
        sos_be64_put(b2, v64[i + 1]);
        assert_true(memcmp(b, b2, 8) < 0);
    }

    static const uint32_t v32[] = {0, 1, 0xff, 0x100, 0x01020304u, 0x80000000u, UINT32_MAX};
    for (size_t i = 0; i < sizeof v32 / sizeof v32[0]; i++) {
        sos_be32_put(b, v32[i]);
        assert_int_equal(sos_be32_get(b), v32[i]);
    }
    static const uint8_t want32[4] = {1, 2, 3, 4};
    sos_be32_put(b, 0x01020304u);
    assert_memory_equal(b, want32, 4);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_be_round_trips),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
