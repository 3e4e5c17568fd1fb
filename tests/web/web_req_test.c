/* unit.web.web_req: the vote body, tool ids, Content-Type and Origin. */
#include "testutil.h"

#include <stdio.h>
#include <string.h>

#include "web_req.h"

#define VOTER "00112233445566778899aabbccddeeff"

static int s_parse(const char *body, web_vote *v, web_refusal *why)
{
    return web_vote_parse(body, strlen(body), v, why);
}

static void test_vote_ok(void **state)
{
    (void)state;
    web_vote v;
    web_refusal why;
    assert_int_equal(
        s_parse("{\"tool\":\"cursor\",\"vote\":\"ship\",\"voter\":\"" VOTER "\"}", &v, &why), 0);
    assert_string_equal(v.tool, "cursor");
    assert_int_equal(v.ship, 1);
    assert_int_equal(v.voter[0], 0x00);
    assert_int_equal(v.voter[15], 0xff);
    assert_int_equal(
        s_parse("{\"voter\":\"" VOTER "\", \"vote\":\"skip\", \"tool\":\"a-1\"}", &v, &why), 0);
    assert_int_equal(v.ship, 0);
    assert_string_equal(v.tool, "a-1");
}

static void test_vote_refused(void **state)
{
    (void)state;
    static const struct {
        const char *body, *error;
        int status;
    } cases[] = {
        {"", "not_json", 400},
        {"ship", "not_json", 400},
        {"[1,2]", "not_json", 400},
        {"{\"tool\":\"x\",\"vote\":\"ship\",\"voter\":\"" VOTER "\"", "not_json", 400},
        {"{\"vote\":\"ship\",\"voter\":\"" VOTER "\"}", "bad_tool", 400},
        {"{\"tool\":5,\"vote\":\"ship\",\"voter\":\"" VOTER "\"}", "bad_tool", 400},
        {"{\"tool\":\"Cursor\",\"vote\":\"ship\",\"voter\":\"" VOTER "\"}", "bad_tool", 400},
        {"{\"tool\":\"../x\",\"vote\":\"ship\",\"voter\":\"" VOTER "\"}", "bad_tool", 400},
        {"{\"tool\":\"\",\"vote\":\"ship\",\"voter\":\"" VOTER "\"}", "bad_tool", 400},
        {"{\"tool\":\"x\",\"vote\":\"yes\",\"voter\":\"" VOTER "\"}", "bad_vote", 400},
        {"{\"tool\":\"x\",\"vote\":\"SHIP\",\"voter\":\"" VOTER "\"}", "bad_vote", 400},
        {"{\"tool\":\"x\",\"voter\":\"" VOTER "\"}", "bad_vote", 400},
        {"{\"tool\":\"x\",\"vote\":\"ship\"}", "bad_voter", 400},
        {"{\"tool\":\"x\",\"vote\":\"ship\",\"voter\":\"0011\"}", "bad_voter", 400},
        {"{\"tool\":\"x\",\"vote\":\"ship\",\"voter\":\"" VOTER "00\"}", "bad_voter", 400},
        {"{\"tool\":\"x\",\"vote\":\"ship\",\"voter\":\"zz112233445566778899aabbccddeeff\"}",
         "bad_voter", 400},
        {"{\"tool\":\"x\",\"vote\":\"ship\",\"voter\":\"" VOTER "\",\"extra\":1}", "unknown_field",
         400},
        {"{\"tool\":\"x\",\"tool\":\"y\",\"vote\":\"ship\",\"voter\":\"" VOTER "\"}", "not_json",
         400},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        web_vote v;
        web_refusal why;
        memset(&why, 0, sizeof why);
        int rc = s_parse(cases[i].body, &v, &why);
        if (rc != -1 || why.status != cases[i].status || strcmp(why.error, cases[i].error) != 0)
            fail_msg("case %zu (%s): rc %d status %d error %s", i, cases[i].body, rc, why.status,
                     why.error ? why.error : "(none)");
        assert_true(why.what_to_do[0] != '\0');
    }
}

static void test_vote_size(void **state)
{
    (void)state;
    char big[WEB_BODY_MAX + 64];
    int n = snprintf(big, sizeof big, "{\"tool\":\"x\",\"vote\":\"ship\",\"voter\":\"" VOTER "\"");
    while ((size_t)n < WEB_BODY_MAX)
        big[n++] = ' ';
    big[n - 1] = '}'; /* exactly the limit: fine */
    web_vote v;
    web_refusal why;
    assert_int_equal(web_vote_parse(big, (size_t)n, &v, &why), 0);
    big[n - 1] = ' ';
    big[n++] = '}';
    assert_int_equal(web_vote_parse(big, (size_t)n, &v, &why), -1);
    assert_int_equal(why.status, 413);
    /* NUL inside the body is not JSON */
    assert_int_equal(web_vote_parse("{\"tool\":\"x\"}\0", 13, &v, &why), -1);
}

static void test_tool_check(void **state)
{
    (void)state;
    web_refusal why;
    char id[WEB_TOOL_MAX + 2];
    memset(id, 'a', sizeof id);
    id[WEB_TOOL_MAX] = '\0';
    assert_int_equal(web_tool_check(id, &why), 0);
    id[WEB_TOOL_MAX] = 'a';
    id[WEB_TOOL_MAX + 1] = '\0';
    assert_int_equal(web_tool_check(id, &why), -1);
    assert_int_equal(web_tool_check(NULL, &why), -1);
    assert_int_equal(why.status, 400);
    assert_int_equal(web_tool_check("claude-code-2", &why), 0);
    assert_int_equal(web_tool_check("a b", &why), -1);
    assert_int_equal(web_tool_check("caf\xc3\xa9", &why), -1);
}

static void test_content_type(void **state)
{
    (void)state;
    web_refusal why;
    assert_int_equal(web_content_type_check("application/json", &why), 0);
    assert_int_equal(web_content_type_check("application/json; charset=utf-8", &why), 0);
    assert_int_equal(web_content_type_check("Application/JSON", &why), 0);
    assert_int_equal(web_content_type_check(NULL, &why), -1);
    assert_int_equal(why.status, 415);
    assert_int_equal(web_content_type_check("text/plain", &why), -1);
    assert_int_equal(web_content_type_check("application/x-www-form-urlencoded", &why), -1);
    assert_int_equal(web_content_type_check("application/jsonx", &why), -1);
}

static void test_origin(void **state)
{
    (void)state;
    web_refusal why;
    const char *site = "https://shiporskip.example";
    assert_int_equal(web_origin_check("https://shiporskip.example", NULL, site, &why), 0);
    assert_int_equal(web_origin_check("https://shiporskip.example", "same-origin", site, &why), 0);
    assert_int_equal(
        web_origin_check("https://shiporskip.example", NULL, "https://shiporskip.example/", &why),
        0);
    assert_int_equal(web_origin_check(NULL, NULL, site, &why), -1);
    assert_int_equal(why.status, 403);
    assert_string_equal(why.error, "bad_origin");
    assert_int_equal(web_origin_check("https://evil.example", NULL, site, &why), -1);
    assert_int_equal(web_origin_check("https://shiporskip.example.evil", NULL, site, &why), -1);
    assert_int_equal(web_origin_check("http://shiporskip.example", NULL, site, &why), -1);
    assert_int_equal(web_origin_check("null", NULL, site, &why), -1);
    assert_int_equal(web_origin_check("https://shiporskip.example", "cross-site", site, &why), -1);
    assert_int_equal(web_origin_check("https://shiporskip.example", "same-site", site, &why), -1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_vote_ok),      cmocka_unit_test(test_vote_refused),
        cmocka_unit_test(test_vote_size),    cmocka_unit_test(test_tool_check),
        cmocka_unit_test(test_content_type), cmocka_unit_test(test_origin),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
