/* web_http: libmicrohttpd, routing, request bodies, responses. */
#include "web_http.h"

#include <arpa/inet.h>
#include <microhttpd.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "buf.h"
#include "log.h"
#include "web_static.h"
#include "wire.h"

struct web_http {
    const web_conf *w;
    web_api *api;
    struct MHD_Daemon *d;
    unsigned port;
    atomic_int inflight;
};

/* One request's state, from its first call to its completion. */
typedef struct {
    size_t len;
    int over;
    char body[WEB_BODY_MAX];
} s_req;

static void s_header(struct MHD_Response *r, const char *k, const char *v)
{
    (void)MHD_add_response_header(r, k, v);
}

static enum MHD_Result s_send(struct MHD_Connection *c, unsigned status, struct MHD_Response *r)
{
    s_header(r, "X-Content-Type-Options", "nosniff");
    enum MHD_Result rc = MHD_queue_response(c, status, r);
    MHD_destroy_response(r);
    return rc;
}

static enum MHD_Result s_json(struct MHD_Connection *c, const web_api_reply *rep)
{
    char *text = json_dumps(rep->json, JSON_COMPACT | JSON_PRESERVE_ORDER);
    json_decref(rep->json);
    if (!text)
        return MHD_NO;
    size_t n = strlen(text);
    struct MHD_Response *r = MHD_create_response_from_buffer(n, text, MHD_RESPMEM_MUST_FREE);
    s_header(r, "Content-Type", "application/json");
    s_header(r, "Cache-Control", "no-store");
    if (rep->retry_after_s > 0) {
        char ra[32];
        snprintf(ra, sizeof ra, "%ld", rep->retry_after_s);
        s_header(r, "Retry-After", ra);
    }
    return s_send(c, (unsigned)rep->status, r);
}

static const char *s_hdr(struct MHD_Connection *c, const char *name)
{
    return MHD_lookup_connection_value(c, MHD_HEADER_KIND, name);
}

static void s_peer(struct MHD_Connection *c, char *out, size_t cap)
{
    const union MHD_ConnectionInfo *ci =
        MHD_get_connection_info(c, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
    snprintf(out, cap, "unknown");
    if (!ci || !ci->client_addr)
        return;
    const struct sockaddr *sa = ci->client_addr;
    if (sa->sa_family == AF_INET)
        inet_ntop(AF_INET, &((const struct sockaddr_in *)(const void *)sa)->sin_addr, out,
                  (socklen_t)cap);
    else if (sa->sa_family == AF_INET6)
        inet_ntop(AF_INET6, &((const struct sockaddr_in6 *)(const void *)sa)->sin6_addr, out,
                  (socklen_t)cap);
}

static void s_fill(struct MHD_Connection *c, const char *peer, web_api_req *q)
{
    memset(q, 0, sizeof *q);
    q->peer = peer;
    q->xff = s_hdr(c, "X-Forwarded-For");
    q->origin = s_hdr(c, MHD_HTTP_HEADER_ORIGIN);
    q->sec_fetch_site = s_hdr(c, "Sec-Fetch-Site");
    q->content_type = s_hdr(c, MHD_HTTP_HEADER_CONTENT_TYPE);
    q->tool = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "tool");
}

static enum MHD_Result s_api_refuse(web_http *h, struct MHD_Connection *c, const char *url,
                                    int status, const char *error, const char *what)
{
    char peer[64];
    web_api_req q;
    web_api_reply rep = {0};
    web_refusal why;
    s_peer(c, peer, sizeof peer);
    s_fill(c, peer, &q);
    web_refuse(&why, status, error, "%s", what);
    web_api_refuse(h->api, &q, url, &why, &rep);
    return s_json(c, &rep);
}

static enum MHD_Result s_text(struct MHD_Connection *c, unsigned status, const char *text)
{
    struct MHD_Response *r =
        MHD_create_response_from_buffer(strlen(text), (void *)text, MHD_RESPMEM_PERSISTENT);
    s_header(r, "Content-Type", "text/plain; charset=utf-8");
    return s_send(c, status, r);
}

static enum MHD_Result s_file(struct MHD_Connection *c, unsigned status, web_file *f)
{
    struct MHD_Response *r = MHD_create_response_from_fd64((uint64_t)f->size, f->fd);
    if (!r) {
        close(f->fd);
        return MHD_NO;
    }
    s_header(r, "Content-Type", f->type);
    return s_send(c, status, r);
}

static enum MHD_Result s_static(web_http *h, struct MHD_Connection *c, const char *url)
{
    web_file f;
    int rc = web_static_open(h->w->site_dir, url, strlen(url), &f);
    if (rc == WEB_STATIC_BAD_PATH)
        return s_text(c, 400, "400 bad request: that path is not allowed\n");
    if (rc == WEB_STATIC_NO_SITE)
        return s_text(c, 503, "503: no site has been rendered yet (`sos render` writes it)\n");
    if (rc == WEB_STATIC_REDIRECT) {
        char *loc = sos_xmalloc(strlen(url) + 2);
        sprintf(loc, "%s/", url);
        struct MHD_Response *r = MHD_create_response_from_buffer(0, NULL, MHD_RESPMEM_PERSISTENT);
        s_header(r, "Location", loc);
        free(loc);
        return s_send(c, 301, r);
    }
    if (rc != WEB_STATIC_OK) {
        if (web_static_open_404(h->w->site_dir, &f) == WEB_STATIC_OK)
            return s_file(c, 404, &f);
        return s_text(c, 404, "404 not found\n");
    }
    char lm[64];
    time_t t = (time_t)f.mtime;
    struct tm tm;
    gmtime_r(&t, &tm);
    strftime(lm, sizeof lm, "%a, %d %b %Y %H:%M:%S GMT", &tm);
    const char *inm = s_hdr(c, MHD_HTTP_HEADER_IF_NONE_MATCH);
    const char *ims = s_hdr(c, MHD_HTTP_HEADER_IF_MODIFIED_SINCE);
    if ((inm && strstr(inm, f.etag)) || (!inm && ims && strcmp(ims, lm) == 0)) {
        close(f.fd);
        struct MHD_Response *r = MHD_create_response_from_buffer(0, NULL, MHD_RESPMEM_PERSISTENT);
        s_header(r, "ETag", f.etag);
        s_header(r, "Last-Modified", lm);
        return s_send(c, 304, r);
    }
    struct MHD_Response *r = MHD_create_response_from_fd64((uint64_t)f.size, f.fd);
    if (!r) {
        close(f.fd);
        return MHD_NO;
    }
    s_header(r, "Content-Type", f.type);
    s_header(r, "ETag", f.etag);
    s_header(r, "Last-Modified", lm);
    s_header(r, "Cache-Control", "no-cache"); /* revalidate: a render can change any page */
    return s_send(c, 200, r);
}

static enum MHD_Result s_handle(void *cls, struct MHD_Connection *c, const char *url,
                                const char *method, const char *version, const char *upload,
                                size_t *upload_size, void **con_cls)
{
    web_http *h = cls;
    (void)version;
    s_req *rq = *con_cls;
    if (!rq) {
        rq = sos_xcalloc(1, sizeof *rq);
        *con_cls = rq;
        atomic_fetch_add(&h->inflight, 1);
        sos_log_debug("http.request", "method=%s api=%d",
                      strcmp(method, "POST") == 0  ? "POST"
                      : strcmp(method, "GET") == 0 ? "GET"
                                                   : "other",
                      strncmp(url, "/api/", 5) == 0);
        /* a declared length over the limit is answered before the body
         * is read (libmicrohttpd then closes the connection) */
        const char *cl = s_hdr(c, MHD_HTTP_HEADER_CONTENT_LENGTH);
        if (!cl || strtoull(cl, NULL, 10) <= WEB_BODY_MAX)
            return MHD_YES;
        rq->over = 1;
    } else if (*upload_size) {
        size_t take = *upload_size;
        if (rq->len + take > sizeof rq->body) {
            rq->over = 1;
            take = rq->len < sizeof rq->body ? sizeof rq->body - rq->len : 0;
        }
        memcpy(rq->body + rq->len, upload, take);
        rq->len += take;
        *upload_size = 0;
        return MHD_YES; /* what is over the limit is dropped, and refused at the end */
    }
    int is_get = strcmp(method, "GET") == 0 || strcmp(method, "HEAD") == 0;
    int is_post = strcmp(method, "POST") == 0;
    if (strncmp(url, "/api/", 5) == 0) {
        char peer[64];
        web_api_req q;
        web_api_reply rep = {0};
        s_peer(c, peer, sizeof peer);
        s_fill(c, peer, &q);
        q.body = rq->body;
        q.body_len = rq->len;
        q.body_over = rq->over;
        if (strcmp(url, "/api/v1/votes") == 0) {
            if (!is_post)
                return s_api_refuse(h, c, url, 405, "method_not_allowed", "POST a vote here");
            web_api_vote(h->api, &q, &rep);
        } else if (strcmp(url, "/api/v1/tally") == 0) {
            if (!is_get)
                return s_api_refuse(h, c, url, 405, "method_not_allowed",
                                    "GET /api/v1/tally?tool=ID");
            web_api_tally(h->api, &q, &rep);
        } else {
            return s_api_refuse(h, c, url, 404, "not_found",
                                "the API has POST /api/v1/votes and GET /api/v1/tally?tool=ID");
        }
        return s_json(c, &rep);
    }
    if (!is_get) {
        struct MHD_Response *r = MHD_create_response_from_buffer(0, NULL, MHD_RESPMEM_PERSISTENT);
        s_header(r, "Allow", "GET, HEAD");
        return s_send(c, 405, r);
    }
    return s_static(h, c, url);
}

static void s_completed(void *cls, struct MHD_Connection *c, void **con_cls,
                        enum MHD_RequestTerminationCode toe)
{
    web_http *h = cls;
    (void)c;
    (void)toe;
    if (*con_cls) {
        free(*con_cls);
        *con_cls = NULL;
        atomic_fetch_sub(&h->inflight, 1);
    }
}

static void s_mhd_log(void *cls, const char *fmt, va_list ap)
{
    char msg[512];
    (void)cls;
    vsnprintf(msg, sizeof msg, fmt, ap);
    for (char *p = msg; *p; p++)
        if (*p == '"' || *p == '\n')
            *p = *p == '"' ? '\'' : ' ';
    sos_log_warn("http.error", "msg=\"%s\"", msg);
}

int web_http_start(const web_conf *w, web_api *api, web_http **out, char *err, size_t errlen)
{
    web_http *h = sos_xcalloc(1, sizeof *h);
    struct sockaddr_in in4;
    struct sockaddr_in6 in6;
    const struct sockaddr *sa;
    unsigned flags =
        MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_POLL | MHD_USE_ITC | MHD_USE_ERROR_LOG;
    memset(&in4, 0, sizeof in4);
    memset(&in6, 0, sizeof in6);
    if (inet_pton(AF_INET, w->host, &in4.sin_addr) == 1) {
        in4.sin_family = AF_INET;
        in4.sin_port = htons((uint16_t)w->port);
        sa = (const struct sockaddr *)&in4;
    } else {
        inet_pton(AF_INET6, w->host, &in6.sin6_addr);
        in6.sin6_family = AF_INET6;
        in6.sin6_port = htons((uint16_t)w->port);
        sa = (const struct sockaddr *)&in6;
        flags |= MHD_USE_IPv6;
    }
    h->w = w;
    h->api = api;
    h->d = MHD_start_daemon(
        flags, (uint16_t)w->port, NULL, NULL, s_handle, h, MHD_OPTION_EXTERNAL_LOGGER, s_mhd_log,
        NULL, MHD_OPTION_SOCK_ADDR, sa, MHD_OPTION_THREAD_POOL_SIZE, (unsigned)w->threads,
        MHD_OPTION_CONNECTION_LIMIT, (unsigned)w->max_connections,
        MHD_OPTION_PER_IP_CONNECTION_LIMIT, (unsigned)w->per_ip_connections,
        MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)w->timeout_s, MHD_OPTION_CONNECTION_MEMORY_LIMIT,
        (size_t)32768, MHD_OPTION_LISTENING_ADDRESS_REUSE, (unsigned)1, MHD_OPTION_NOTIFY_COMPLETED,
        s_completed, h, MHD_OPTION_END);
    if (!h->d) {
        snprintf(err, errlen, "cannot listen on %s port %u (in use, or not an address here)",
                 w->host, w->port);
        free(h);
        return -1;
    }
    const union MHD_DaemonInfo *di = MHD_get_daemon_info(h->d, MHD_DAEMON_INFO_BIND_PORT);
    h->port = di ? di->port : w->port;
    *out = h;
    return 0;
}

unsigned web_http_port(const web_http *h)
{
    return h->port;
}

void web_http_stop(web_http **hp, int grace_ms)
{
    web_http *h = *hp;
    if (!h)
        return;
    MHD_socket ls = MHD_quiesce_daemon(h->d);
    if (ls != MHD_INVALID_SOCKET)
        close(ls);
    int64_t end = sos_now_ms() + grace_ms;
    while (atomic_load(&h->inflight) > 0 && sos_now_ms() < end) {
        struct timespec ts = {0, 10 * 1000 * 1000};
        nanosleep(&ts, NULL);
    }
    int left = atomic_load(&h->inflight);
    if (left > 0)
        sos_log_warn("stop.unfinished", "requests=%d grace_ms=%d", left, grace_ms);
    MHD_stop_daemon(h->d);
    free(h);
    *hp = NULL;
}
