/* web_api: the API's two endpoints, apart from HTTP's plumbing
 * (web_http.c hands each request here as plain strings).
 *
 *   POST /api/v1/votes   {"tool": ID, "vote": "ship"|"skip", "voter": TOKEN}
 *   GET  /api/v1/tally?tool=ID
 *
 * The checks, in order (docs/security.md): Origin and Sec-Fetch-Site (403),
 * Content-Type (415), size (413), the client's address prefixes (429),
 * the body (400), the voter token's budget (429), then community (200,
 * 404 unknown tool, 503 unreachable). Each refusal is one logfmt line
 * (event=web.refused) naming the client by its salted hash. */
#ifndef WEB_API_H
#define WEB_API_H

#include <jansson.h>
#include <stddef.h>

#include "web_conf.h"
#include "web_req.h"

typedef struct web_api web_api;

/* What a request says, borrowed for the call. Absent headers are NULL. */
typedef struct {
    const char *peer; /* the TCP peer, numeric */
    const char *xff, *origin, *sec_fetch_site, *content_type;
    const char *tool; /* ?tool= */
    const char *body; /* body_len bytes, not NUL-terminated */
    size_t body_len;
    int body_over; /* more than WEB_BODY_MAX bytes came */
} web_api_req;

typedef struct {
    int status;
    json_t *json;       /* the caller's: json_decref */
    long retry_after_s; /* > 0: send Retry-After */
} web_api_reply;

/* w is borrowed and must outlive *out. 0, or -1 with a reason in err. */
int web_api_new(const web_conf *w, web_api **out, char *err, size_t errlen);
void web_api_destroy(web_api **a);

void web_api_vote(web_api *a, const web_api_req *r, web_api_reply *out);
void web_api_tally(web_api *a, const web_api_req *r, web_api_reply *out);
/* A refusal of path (for the log) as a reply, logged; used by web_http
 * too (405, 404 under /api/). */
void web_api_refuse(web_api *a, const web_api_req *r, const char *path, const web_refusal *why,
                    web_api_reply *out);

#endif
