/* web_req: what a request to the API must be before the gateway acts on
 * it (docs/protocol.md, "The HTTP API"; docs/security.md, "Votes"). Pure:
 * strings in, a decision out, so tests and the fuzzer call it directly.
 *
 * A refusal is an HTTP status, a short error code and a sentence saying
 * what the reader (or the page's script) can do about it: the gateway
 * answers {"error": code, "what_to_do": sentence}. */
#ifndef WEB_REQ_H
#define WEB_REQ_H

#include <stddef.h>
#include <stdint.h>

#define WEB_BODY_MAX 1024u /* bytes: a vote is under 200 */
#define WEB_TOOL_MAX 127u
#define WEB_VOTER_BYTES 16 /* 128 bits, 32 hex digits */

typedef struct {
    int status;        /* 400, 403, 404, 413, 415, 429, 503, ... */
    const char *error; /* static: "bad_origin", "not_json", ... */
    char what_to_do[256];
} web_refusal;

typedef struct {
    char tool[WEB_TOOL_MAX + 1];
    int ship; /* 1 ship, 0 skip */
    uint8_t voter[WEB_VOTER_BYTES];
} web_vote;

/* Fills why; returns -1 so a check can `return web_refuse(...)`. */
int web_refuse(web_refusal *why, int status, const char *error, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/* A tool id as the site spells it: 1 to 127 of [a-z0-9-]. 0 or -1. */
int web_tool_check(const char *tool, web_refusal *why);
/* The vote body: a JSON object with exactly tool (a tool id), vote
 * ("ship" or "skip") and voter (32 hex digits), at most WEB_BODY_MAX
 * bytes. body is n bytes, not NUL-terminated, borrowed for the call. 0
 * with *out filled, or -1. */
int web_vote_parse(const char *body, size_t n, web_vote *out, web_refusal *why);
/* Content-Type must be application/json (parameters such as charset=utf-8
 * allowed). ct may be NULL (missing: refused). */
int web_content_type_check(const char *ct, web_refusal *why);
/* A write comes from the site's own pages: Origin must be present and
 * equal want (the configured origin, compared without a trailing '/'),
 * and Sec-Fetch-Site, when the browser sends it, must be "same-origin".
 * Either header may be NULL (absent). */
int web_origin_check(const char *origin, const char *sec_fetch_site, const char *want,
                     web_refusal *why);

#endif
