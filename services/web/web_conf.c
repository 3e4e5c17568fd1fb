/* web_conf: [web] and [community] settings. */
#include "web_conf.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"

int web_listen_parse(const char *s, char *host, size_t cap, unsigned *port)
{
    const char *colon;
    size_t hn;
    const char *h = s;
    if (s[0] == '[') {
        const char *rb = strchr(s, ']');
        if (!rb || rb[1] != ':')
            return -1;
        h = s + 1;
        hn = (size_t)(rb - h);
        colon = rb + 1;
    } else {
        colon = strrchr(s, ':');
        if (!colon)
            return -1;
        hn = (size_t)(colon - s);
    }
    if (hn == 0 || hn >= cap)
        return -1;
    char *end;
    long p = strtol(colon + 1, &end, 10);
    if (*end || end == colon + 1 || p < 0 || p > 65535)
        return -1;
    memcpy(host, h, hn);
    host[hn] = '\0';
    uint8_t a[16];
    if (inet_pton(AF_INET, host, a) != 1 && inet_pton(AF_INET6, host, a) != 1)
        return -1;
    *port = (unsigned)p;
    return 0;
}

static char *s_str(const sos_conf *c, const char *sec, const char *key, const char *dflt)
{
    const char *v = sos_conf_get(c, sec, key);
    return sos_xstrdup(v ? v : dflt);
}

static int s_num(const sos_conf *c, const char *key, long long dflt, long long min, long long max,
                 long long *out, char *err, size_t errlen)
{
    if (sos_conf_int(c, "web", key, dflt, out) != 0 || *out < min || *out > max) {
        snprintf(err, errlen, "[web] %s must be an integer from %lld to %lld", key, min, max);
        return -1;
    }
    return 0;
}

int web_conf_load(const sos_conf *c, web_conf *w, char *err, size_t errlen)
{
    char buf[4096];
    long long v[13];
    static const struct {
        const char *key;
        long long dflt, min, max;
    } nums[] = {
        {"prefix_burst", 30, 0, 1000000},
        {"prefix_per_min", 30, 0, 1000000},
        {"prefix56_burst", 120, 0, 1000000},
        {"prefix56_per_min", 120, 0, 1000000},
        {"voter_burst", 20, 0, 1000000},
        {"voter_per_min", 20, 0, 1000000},
        {"limiter_slots", 65536, 4, 1 << 24},
        {"max_connections", 512, 1, 65536},
        {"per_ip_connections", 32, 0, 65536},
        {"connection_timeout_s", 10, 1, 3600},
        {"threads", 4, 1, 64},
        {"community_timeout_ms", 500, 10, 60000},
        {"community_retries", 2, 1, 10},
    };
    _Static_assert(sizeof nums / sizeof nums[0] == sizeof v / sizeof v[0], "one value a key");
    memset(w, 0, sizeof *w);
    const char *home = sos_conf_get(c, "paths", "home");
    const char *run = sos_conf_get(c, "paths", "run_dir");
    const char *keys = sos_conf_get(c, "paths", "key_dir");
    const char *listen = sos_conf_get(c, "web", "listen");
    if (web_listen_parse(listen ? listen : "127.0.0.1:8080", w->host, sizeof w->host, &w->port) !=
        0) {
        snprintf(err, errlen, "[web] listen must be ADDRESS:PORT (127.0.0.1:8080, [::1]:8080)");
        return -1;
    }
    snprintf(buf, sizeof buf, "%s/site/current", home ? home : "var");
    w->site_dir = s_str(c, "web", "site_dir", buf);
    w->origin = s_str(c, "web", "origin", "http://127.0.0.1:8080");
    if (strncmp(w->origin, "http://", 7) != 0 && strncmp(w->origin, "https://", 8) != 0) {
        snprintf(err, errlen, "[web] origin must be http://HOST[:PORT] or https://HOST[:PORT]");
        return -1;
    }
    snprintf(buf, sizeof buf, "ipc://%s/community.api", run ? run : "var/run");
    w->community_api = s_str(c, "community", "api", buf);
    snprintf(buf, sizeof buf, "%s/web.curve", keys ? keys : "var/keys");
    w->transport_key = s_str(c, "web", "transport_key", buf);
    snprintf(buf, sizeof buf, "%s/community.curve.pub", keys ? keys : "var/keys");
    w->community_server_key = s_str(c, "community", "server_key", buf);

    const char *tp = sos_conf_get(c, "web", "trusted_proxies");
    if (tp) {
        char *copy = sos_xstrdup(tp), *save = NULL;
        for (char *t = strtok_r(copy, ", \t", &save); t; t = strtok_r(NULL, ", \t", &save)) {
            uint8_t a[16];
            if (inet_pton(AF_INET, t, a) != 1 && inet_pton(AF_INET6, t, a) != 1) {
                snprintf(err, errlen, "[web] trusted_proxies: %.64s is not a numeric address", t);
                free(copy);
                return -1;
            }
            w->trusted = sos_xrealloc(w->trusted, (w->n_trusted + 1) * sizeof *w->trusted);
            w->trusted[w->n_trusted++] = sos_xstrdup(t);
        }
        free(copy);
    }
    for (size_t i = 0; i < sizeof nums / sizeof nums[0]; i++)
        if (s_num(c, nums[i].key, nums[i].dflt, nums[i].min, nums[i].max, &v[i], err, errlen))
            return -1;
    w->prefix = (web_rate){(double)v[0], (double)v[1]};
    w->prefix56 = (web_rate){(double)v[2], (double)v[3]};
    w->voter = (web_rate){(double)v[4], (double)v[5]};
    w->limiter_slots = (unsigned)v[6];
    w->max_connections = (unsigned)v[7];
    w->per_ip_connections = (unsigned)v[8];
    w->timeout_s = (unsigned)v[9];
    w->threads = (unsigned)v[10];
    w->community_timeout_ms = (int)v[11];
    w->community_retries = (int)v[12];
    return 0;
}

void web_conf_free(web_conf *w)
{
    for (size_t i = 0; i < w->n_trusted; i++)
        free(w->trusted[i]);
    free(w->trusted);
    free(w->site_dir);
    free(w->origin);
    free(w->community_api);
    free(w->transport_key);
    free(w->community_server_key);
    memset(w, 0, sizeof *w);
}
