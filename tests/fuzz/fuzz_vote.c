/* fuzz_vote: the gateway's request rules (services/web/web_req.c and
 * friends) on bytes a reader sends.
 *
 * The whole input is a vote body for web_vote_parse (JSON through
 * jansson, at most 1 KiB accepted); the same bytes, cut at the first NUL,
 * are also tried as a tool id, a Content-Type, an Origin and a
 * Sec-Fetch-Site, a static path, an X-Forwarded-For header and a client
 * address. Checks: a refusal has a 4xx status, an error code and a
 * sentence; an accepted vote has a valid tool id and re-encodes to the
 * same voter; prefixes are masked. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz_common.h"
#include "sign.h"
#include "web_client.h"
#include "web_limit.h"
#include "web_req.h"
#include "web_static.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void s_refusal_ok(const web_refusal *why)
{
    fz_check(why->status >= 400 && why->status < 500, "a refusal is a 4xx");
    fz_check(why->error && why->error[0], "a refusal has an error code");
    fz_check(why->what_to_do[0] != '\0', "a refusal says what to do");
}

static int s_no_dotdot(const char *path)
{
    if (path[0] != '/')
        return 0;
    size_t n = strlen(path);
    for (size_t i = 0; i + 2 <= n; i++)
        if (path[i] == '/' && path[i + 1] == '.' && path[i + 2] == '.' &&
            (i + 3 == n || path[i + 3] == '/'))
            return 0;
    return 1;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    web_vote v;
    web_refusal why;
    memset(&why, 0, sizeof why);
    if (web_vote_parse((const char *)data, size, &v, &why) == 0) {
        fz_check(size <= WEB_BODY_MAX, "an accepted vote is at most 1 KiB");
        fz_check(web_tool_check(v.tool, &why) == 0, "an accepted vote names a valid tool id");
        fz_check(v.ship == 0 || v.ship == 1, "ship or skip");
        char hex[2 * WEB_VOTER_BYTES + 1];
        uint8_t back[WEB_VOTER_BYTES];
        sos_hex(v.voter, sizeof v.voter, hex);
        fz_check(sos_unhex(hex, back, sizeof back) == 0 && memcmp(back, v.voter, sizeof back) == 0,
                 "the voter token round-trips");
    } else {
        s_refusal_ok(&why);
    }

    char *s = malloc(size + 1);
    memcpy(s, data, size);
    s[size] = '\0';
    if (web_tool_check(s, &why) != 0)
        s_refusal_ok(&why);
    if (web_content_type_check(s, &why) != 0)
        s_refusal_ok(&why);
    if (web_origin_check(s, s, "https://shiporskip.example", &why) != 0)
        s_refusal_ok(&why);
    int rc = web_static_path_check(s, strlen(s));
    fz_check(rc == WEB_STATIC_OK || rc == WEB_STATIC_BAD_PATH || rc == WEB_STATIC_NOT_FOUND,
             "a path check's outcome");
    if (rc == WEB_STATIC_OK)
        fz_check(s_no_dotdot(s), "an accepted path starts with '/' and has no '..' segment");
    (void)web_static_type(s);
    const char *trusted[] = {"127.0.0.1", "::1"};
    char out[64];
    (void)web_client_addr("127.0.0.1", s, trusted, 2, out, sizeof out);
    fz_check(strlen(out) < sizeof out, "the client address fits");
    web_prefix p[2];
    int n = web_prefixes(s, p);
    fz_check(n >= -1 && n <= 2, "prefix count");
    for (int i = 0; i < n; i++) {
        size_t len = p[i].family == 4 ? 4 : 16;
        for (size_t b = p[i].bits / 8; b < len; b++)
            fz_check(p[i].addr[b] == 0, "a prefix is masked");
    }
    free(s);
    return 0;
}
