/* unit.web.web_client: the client address behind trusted proxies, and the
 * salted, daily-rotating hashes that stand for addresses and tokens. */
#include "testutil.h"

#include <string.h>

#include "sign.h"
#include "web_client.h"

static void test_addr_untrusted_peer(void **state)
{
    (void)state;
    char out[64];
    const char *trusted[] = {"127.0.0.1"};
    /* a peer that is not a proxy: its own address, XFF ignored */
    assert_int_equal(web_client_addr("198.51.100.7", "1.2.3.4", trusted, 1, out, sizeof out), 0);
    assert_string_equal(out, "198.51.100.7");
    assert_int_equal(web_client_addr("198.51.100.7", NULL, trusted, 1, out, sizeof out), 0);
    assert_string_equal(out, "198.51.100.7");
    /* no trusted proxies at all */
    assert_int_equal(web_client_addr("127.0.0.1", "1.2.3.4", NULL, 0, out, sizeof out), 0);
    assert_string_equal(out, "127.0.0.1");
}

static void test_addr_behind_proxies(void **state)
{
    (void)state;
    char out[64];
    const char *trusted[] = {"127.0.0.1", "10.0.0.2", "::1"};
    assert_int_equal(web_client_addr("127.0.0.1", "203.0.113.5", trusted, 3, out, sizeof out), 0);
    assert_string_equal(out, "203.0.113.5");
    /* what the client wrote left of the real hop is ignored */
    assert_int_equal(
        web_client_addr("127.0.0.1", "6.6.6.6, 203.0.113.5", trusted, 3, out, sizeof out), 0);
    assert_string_equal(out, "203.0.113.5");
    /* two proxies: skip the trusted one */
    assert_int_equal(
        web_client_addr("127.0.0.1", "6.6.6.6,203.0.113.5 , 10.0.0.2", trusted, 3, out, sizeof out),
        0);
    assert_string_equal(out, "203.0.113.5");
    /* IPv6 proxy spelled otherwise */
    assert_int_equal(web_client_addr("0:0::1", "2001:db8::9", trusted, 3, out, sizeof out), 0);
    assert_string_equal(out, "2001:db8::9");
    /* garbage where the proxy's hop should be: the proxy itself */
    assert_int_equal(web_client_addr("127.0.0.1", "not-an-ip", trusted, 3, out, sizeof out), 0);
    assert_string_equal(out, "127.0.0.1");
    assert_int_equal(web_client_addr("127.0.0.1", "", trusted, 3, out, sizeof out), 0);
    assert_string_equal(out, "127.0.0.1");
    /* every hop trusted: the leftmost */
    assert_int_equal(web_client_addr("127.0.0.1", "10.0.0.2", trusted, 3, out, sizeof out), 0);
    assert_string_equal(out, "10.0.0.2");
    /* a peer that is not an address */
    assert_int_equal(web_client_addr("unknown", "1.2.3.4", trusted, 3, out, sizeof out), -1);
}

static void test_salt_daily(void **state)
{
    (void)state;
    web_salt *s;
    uint8_t a[WEB_KEY_BYTES], b[WEB_KEY_BYTES], c[WEB_KEY_BYTES], d[WEB_KEY_BYTES];
    assert_int_equal(sos_sign_init(), 0);
    assert_int_equal(web_salt_new(&s), 0);
    int64_t day = 20000 * 86400LL;
    assert_int_equal(web_salt_hash(s, day + 10, "ip", "1.2.3.4", 7, a), 0);
    assert_int_equal(web_salt_hash(s, day + 86399, "ip", "1.2.3.4", 7, b), 0);
    assert_memory_equal(a, b, sizeof a); /* same day, same hash */
    assert_int_equal(web_salt_hash(s, day + 20, "voter", "1.2.3.4", 7, c), 0);
    assert_memory_not_equal(a, c, sizeof a); /* kinds apart */
    assert_int_equal(web_salt_hash(s, day + 86400, "ip", "1.2.3.4", 7, d), 1);
    assert_memory_not_equal(a, d, sizeof a); /* the next day: a new salt */
    /* not the unsalted hash of the address */
    uint8_t plain[SOS_HASH_BYTES];
    sos_hash("1.2.3.4", 7, plain);
    assert_memory_not_equal(plain, d, WEB_KEY_BYTES);
    char hex[17];
    web_key_hex(d, hex);
    assert_int_equal(strlen(hex), 16);
    web_salt_destroy(&s);
    assert_null(s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_addr_untrusted_peer),
        cmocka_unit_test(test_addr_behind_proxies),
        cmocka_unit_test(test_salt_daily),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
