/* web_req: the API's request rules. */
#include "web_req.h"

#include <jansson.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "sign.h"

int web_refuse(web_refusal *why, int status, const char *error, const char *fmt, ...)
{
    va_list ap;
    why->status = status;
    why->error = error;
    va_start(ap, fmt);
    vsnprintf(why->what_to_do, sizeof why->what_to_do, fmt, ap);
    va_end(ap);
    return -1;
}

int web_tool_check(const char *tool, web_refusal *why)
{
    size_t n = tool ? strlen(tool) : 0;
    if (n == 0 || n > WEB_TOOL_MAX)
        return web_refuse(why, 400, "bad_tool",
                          "give the tool's id as the site spells it in its address "
                          "(1 to %u lowercase letters, digits and '-')",
                          WEB_TOOL_MAX);
    for (size_t i = 0; i < n; i++) {
        char c = tool[i];
        if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-'))
            return web_refuse(why, 400, "bad_tool",
                              "a tool id has only lowercase letters, digits and '-', as in "
                              "the tool page's address");
    }
    return 0;
}

int web_vote_parse(const char *body, size_t n, web_vote *out, web_refusal *why)
{
    json_error_t err;
    json_t *j = NULL;
    int rc = -1;
    if (n > WEB_BODY_MAX) {
        web_refuse(why, 413, "too_large", "send a vote of at most %u bytes", WEB_BODY_MAX);
        goto out;
    }
    j = json_loadb(body, n, JSON_REJECT_DUPLICATES, &err);
    if (!j || !json_is_object(j)) {
        web_refuse(why, 400, "not_json",
                   "send one JSON object: {\"tool\": ID, \"vote\": \"ship\" or \"skip\", "
                   "\"voter\": 32 hex digits}");
        goto out;
    }
    const char *key;
    json_t *v;
    json_object_foreach (j, key, v) {
        if (strcmp(key, "tool") != 0 && strcmp(key, "vote") != 0 && strcmp(key, "voter") != 0) {
            web_refuse(why, 400, "unknown_field",
                       "send only the fields tool, vote and voter (not \"%.40s\")", key);
            goto out;
        }
    }
    const char *tool = json_string_value(json_object_get(j, "tool"));
    const char *vote = json_string_value(json_object_get(j, "vote"));
    const char *voter = json_string_value(json_object_get(j, "voter"));
    if (!tool || web_tool_check(tool, why) != 0) {
        if (!tool)
            web_refuse(why, 400, "bad_tool", "give the tool's id as a string in \"tool\"");
        goto out;
    }
    if (!vote || (strcmp(vote, "ship") != 0 && strcmp(vote, "skip") != 0)) {
        web_refuse(why, 400, "bad_vote", "vote \"ship\" or \"skip\"");
        goto out;
    }
    if (!voter || strlen(voter) != 2 * WEB_VOTER_BYTES ||
        sos_unhex(voter, out->voter, WEB_VOTER_BYTES) != 0) {
        web_refuse(why, 400, "bad_voter",
                   "send the voter token the page keeps: 32 hex digits (128 random bits)");
        goto out;
    }
    snprintf(out->tool, sizeof out->tool, "%s", tool);
    out->ship = strcmp(vote, "ship") == 0;
    rc = 0;
out:
    json_decref(j);
    return rc;
}

int web_content_type_check(const char *ct, web_refusal *why)
{
    static const char want[] = "application/json";
    size_t n = sizeof want - 1;
    if (ct) {
        while (*ct == ' ')
            ct++;
        if (strncasecmp(ct, want, n) == 0 && (ct[n] == '\0' || ct[n] == ';' || ct[n] == ' '))
            return 0;
    }
    return web_refuse(why, 415, "not_json", "send the body as Content-Type: application/json");
}

int web_origin_check(const char *origin, const char *sec_fetch_site, const char *want,
                     web_refusal *why)
{
    if (sec_fetch_site && strcmp(sec_fetch_site, "same-origin") != 0)
        return web_refuse(why, 403, "bad_origin",
                          "vote from the site's own pages (Sec-Fetch-Site is %.20s, not "
                          "same-origin)",
                          sec_fetch_site);
    size_t wn = strlen(want);
    while (wn > 0 && want[wn - 1] == '/')
        wn--;
    if (!origin)
        return web_refuse(why, 403, "bad_origin",
                          "vote from the site's own pages at %.*s (the request has no Origin)",
                          (int)wn, want);
    size_t on = strlen(origin);
    while (on > 0 && origin[on - 1] == '/')
        on--;
    if (on != wn || strncasecmp(origin, want, wn) != 0)
        return web_refuse(why, 403, "bad_origin", "vote from the site's own pages at %.*s", (int)wn,
                          want);
    return 0;
}
