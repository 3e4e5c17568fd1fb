/* web_http: the HTTP server (libmicrohttpd; the only file that includes
 * microhttpd.h).
 *
 * Routes: POST /api/v1/votes and GET /api/v1/tally (web_api.h); anything
 * else under /api/ is a JSON 404 (405 for a wrong method); every other
 * GET or HEAD is a file of the site (web_static.h), with ETag and
 * Last-Modified for conditional requests, 404.html for a missing one.
 *
 * Against a slow-loris: libmicrohttpd's connection limit ([web]
 * max_connections), per-IP limit (per_ip_connections) and idle timeout
 * (connection_timeout_s); the pool's threads each poll many connections
 * (poll(2): libmicrohttpd 0.9.75's epoll mode kept connections a client
 * closed mid-request until the timeout, docs/architecture.md), so idle
 * connections hold no thread. */
#ifndef WEB_HTTP_H
#define WEB_HTTP_H

#include "web_api.h"
#include "web_conf.h"

typedef struct web_http web_http;

/* Listens on w's address and serves until web_http_stop. w and api are
 * borrowed and must outlive *out. 0, or -1 with a reason in err. */
int web_http_start(const web_conf *w, web_api *api, web_http **out, char *err, size_t errlen);
/* The port listened on (the real one when [web] listen asked for 0). */
unsigned web_http_port(const web_http *h);
/* Stops accepting connections, lets the requests in flight finish (up
 * to grace_ms), then closes every connection and frees *h. */
void web_http_stop(web_http **h, int grace_ms);

#endif
