/* web_api: votes and tallies, checked, limited and passed on. */
#include "web_api.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "buf.h"
#include "log.h"
#include "web_client.h"
#include "web_community.h"
#include "web_limit.h"
#include "wire.h"

struct web_api {
    const web_conf *w;
    web_salt *salt;
    web_limiter *limiter;
    web_community *community;
};

int web_api_new(const web_conf *w, web_api **out, char *err, size_t errlen)
{
    web_api *a = sos_xcalloc(1, sizeof *a);
    a->w = w;
    web_salt_new(&a->salt);
    web_limiter_new(w->limiter_slots, &a->limiter);
    if (web_community_new(w, &a->community, err, errlen) != 0) {
        web_api_destroy(&a);
        return -1;
    }
    *out = a;
    return 0;
}

void web_api_destroy(web_api **ap)
{
    web_api *a = *ap;
    if (!a)
        return;
    web_community_destroy(&a->community);
    web_limiter_destroy(&a->limiter);
    web_salt_destroy(&a->salt);
    free(a);
    *ap = NULL;
}

static void s_key(web_api *a, const char *kind, const void *p, size_t n, uint8_t key[WEB_KEY_BYTES])
{
    if (web_salt_hash(a->salt, (int64_t)time(NULL), kind, p, n, key))
        web_limiter_clear(a->limiter); /* a new day: every key changed */
}

/* The client's address, as hashed for the log: never the address itself */
static void s_client_hex(web_api *a, const web_api_req *r, char hex[17])
{
    char addr[64];
    uint8_t key[WEB_KEY_BYTES];
    web_client_addr(r->peer, r->xff, (const char *const *)a->w->trusted, a->w->n_trusted, addr,
                    sizeof addr);
    s_key(a, "client", addr, strlen(addr), key);
    web_key_hex(key, hex);
}

void web_api_refuse(web_api *a, const web_api_req *r, const char *path, const web_refusal *why,
                    web_api_reply *out)
{
    char hex[17], safe[65];
    size_t i = 0;
    /* the path is the reader's: one logfmt token, nothing that reads as a field */
    for (; path[i] && i < sizeof safe - 1; i++) {
        char ch = path[i];
        int ok = (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') ||
                 ch == '/' || ch == '.' || ch == '_' || ch == '-';
        safe[i] = ok ? ch : '_';
    }
    safe[i] = '\0';
    s_client_hex(a, r, hex);
    sos_log_warn("web.refused", "status=%d error=%s path=%s client=%s", why->status, why->error,
                 safe, hex);
    out->status = why->status;
    out->json = json_pack("{s:s, s:s}", "error", why->error, "what_to_do", why->what_to_do);
}

static long s_seconds(long ms)
{
    return (ms + 999) / 1000;
}

/* The client's prefixes' budgets; 0, or the ms to wait */
static long s_prefix_limit(web_api *a, const web_api_req *r)
{
    char addr[64];
    web_prefix p[2];
    web_client_addr(r->peer, r->xff, (const char *const *)a->w->trusted, a->w->n_trusted, addr,
                    sizeof addr);
    int n = web_prefixes(addr, p);
    if (n < 0)
        return 0; /* not an IP peer (a unix socket): nothing to charge */
    int64_t now = sos_now_ms();
    for (int i = 0; i < n; i++) {
        uint8_t key[WEB_KEY_BYTES];
        s_key(a, p[i].bits == 56 ? "p56" : "p", &p[i], sizeof p[i], key);
        long wait = web_limiter_take(a->limiter, key, now,
                                     p[i].bits == 56 ? &a->w->prefix56 : &a->w->prefix);
        if (wait)
            return wait;
    }
    return 0;
}

void web_api_vote(web_api *a, const web_api_req *r, web_api_reply *out)
{
    static const char path[] = "/api/v1/votes";
    web_refusal why;
    web_vote v;
    json_t *j = NULL;
    long wait;
    memset(out, 0, sizeof *out);
    if (web_origin_check(r->origin, r->sec_fetch_site, a->w->origin, &why) != 0 ||
        web_content_type_check(r->content_type, &why) != 0)
        goto refused;
    if (r->body_over || r->body_len > WEB_BODY_MAX) {
        web_refuse(&why, 413, "too_large", "send a vote of at most %u bytes", WEB_BODY_MAX);
        goto refused;
    }
    if ((wait = s_prefix_limit(a, r)) != 0) {
        out->retry_after_s = s_seconds(wait);
        web_refuse(&why, 429, "rate_limited",
                   "too many votes from your network; try again in %ld s", out->retry_after_s);
        goto refused;
    }
    if (web_vote_parse(r->body, r->body_len, &v, &why) != 0)
        goto refused;
    uint8_t key[WEB_KEY_BYTES];
    s_key(a, "voter", v.voter, sizeof v.voter, key);
    if ((wait = web_limiter_take(a->limiter, key, sos_now_ms(), &a->w->voter)) != 0) {
        out->retry_after_s = s_seconds(wait);
        web_refuse(&why, 429, "rate_limited",
                   "too many votes from this browser; try again in %ld s", out->retry_after_s);
        goto refused;
    }
    if (web_community_vote(a->community, &v, &j, &why) != 0)
        goto refused;
    char vh[17];
    web_key_hex(key, vh);
    sos_log_info("web.vote", "tool=%s vote=%s voter=%s", v.tool, v.ship ? "ship" : "skip", vh);
    out->status = 200;
    out->json = j;
    return;
refused:
    if (why.status == 503 && !out->retry_after_s)
        out->retry_after_s = 5;
    web_api_refuse(a, r, path, &why, out);
}

void web_api_tally(web_api *a, const web_api_req *r, web_api_reply *out)
{
    static const char path[] = "/api/v1/tally";
    web_refusal why;
    json_t *j = NULL;
    memset(out, 0, sizeof *out);
    if (web_tool_check(r->tool, &why) != 0 ||
        web_community_tally(a->community, r->tool, &j, &why) != 0) {
        if (why.status == 503)
            out->retry_after_s = 5;
        web_api_refuse(a, r, path, &why, out);
        return;
    }
    out->status = 200;
    out->json = j;
}
