/* web_conf: the gateway's settings, from the shared INI (conf.h).
 *
 *   [web]  listen = 127.0.0.1:8080        host:port ([::1]:8080 for IPv6)
 *          site_dir = <home>/site/current the rendered site, served as is
 *          origin = http://127.0.0.1:8080 the site's origin, for the Origin check
 *          trusted_proxies =              addresses whose X-Forwarded-For is believed
 *          prefix_burst = 30, prefix_per_min = 30       IPv4 /24 and IPv6 /64
 *          prefix56_burst = 120, prefix56_per_min = 120 IPv6 /56
 *          voter_burst = 20, voter_per_min = 20         one voter token
 *          limiter_slots = 65536          buckets kept in memory
 *          max_connections = 512, per_ip_connections = 32
 *          connection_timeout_s = 10      an idle or slow connection is closed
 *          threads = 4                    libmicrohttpd's thread pool
 *          community_timeout_ms = 500, community_retries = 2
 *          transport_key = <key_dir>/web.curve  CURVE key, for a tcp community
 *   [community] api = ipc://<run_dir>/community.api
 *          server_key = <key_dir>/community.curve.pub
 */
#ifndef WEB_CONF_H
#define WEB_CONF_H

#include <stddef.h>

#include "conf.h"
#include "web_limit.h"

typedef struct {
    char host[64];
    unsigned port;
    char *site_dir, *origin;
    char **trusted; /* n_trusted numeric addresses */
    size_t n_trusted;
    web_rate prefix, prefix56, voter;
    unsigned limiter_slots;
    unsigned max_connections, per_ip_connections, timeout_s, threads;
    int community_timeout_ms, community_retries;
    char *community_api, *transport_key, *community_server_key;
} web_conf;

/* Fills *out from c (borrowed for the call). 0, or -1 with a reason in
 * err naming the key. Free with web_conf_free (also after a failure). */
int web_conf_load(const sos_conf *c, web_conf *out, char *err, size_t errlen);
void web_conf_free(web_conf *w);
/* "127.0.0.1:8080", "[::1]:8080" into host (cap bytes) and *port; 0 or -1. */
int web_listen_parse(const char *s, char *host, size_t cap, unsigned *port);

#endif
