/* web_community: the gateway's calls to the community daemon.
 *
 * A small pool of clients (clnt.h), one per request in flight, so that the
 * thread pool's threads never share a ZeroMQ socket. Over ipc (the
 * embedded default) the connection is plain; over tcp it is CURVE with the
 * gateway's transport key ([web] transport_key), which community's access
 * list holds with the gateway role, pinning [community] server_key.
 *
 * Each call gives up after [web] community_timeout_ms times
 * community_retries with a 503: a reader waits about a second at most,
 * never hangs. */
#ifndef WEB_COMMUNITY_H
#define WEB_COMMUNITY_H

#include <jansson.h>
#include <stddef.h>

#include "web_conf.h"
#include "web_req.h"

typedef struct web_community web_community;

/* w is borrowed and must outlive *out (web_community_destroy). 0, or -1
 * with a reason in err (a tcp endpoint whose keys do not load). */
int web_community_new(const web_conf *w, web_community **out, char *err, size_t errlen);
void web_community_destroy(web_community **c);

/* Records v. 0 with *out the reply's JSON (the caller's: json_decref):
 * {"tool","vote","previous","changed","tally":{...}}; -1 with why filled
 * (404 unknown tool, 400 refused, 503 unreachable, 502 a reply that does
 * not parse). */
int web_community_vote(web_community *c, const web_vote *v, json_t **out, web_refusal *why);
/* The signed tally of tool: {"tool","ship","skip","total","pct"|null,
 * "shown","min_votes","tallied_at","signed":{"payload","signer",
 * "signature"}}; errors as above. */
int web_community_tally(web_community *c, const char *tool, json_t **out, web_refusal *why);

#endif
