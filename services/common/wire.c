/* wire: ZeroMQ sockets, options and framing. */
#include "wire.h"

#include <assert.h>
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <zmq.h>

#include "buf.h"
#include "log.h"
#include "pool.h"

#define S_ZAP_ENDPOINT "inproc://zeromq.zap.01"
#define S_META_ROLES "Sos-Roles"
#define S_META_SIGNER "Sos-Signer"

struct sos_wire {
    void *ctx;
    /* ZAP handler */
    void *zap; /* REP socket, the thread's once started */
    pthread_t zap_thread;
    bool zap_started;
    atomic_bool zap_stop;
    atomic_uint_fast64_t zap_admitted, zap_refused;
    pthread_mutex_t lock; /* guards access */
    sos_access *access;
};

struct sos_sock {
    void *z;
    sos_sock_kind kind;
    bool curve_server; /* messages must carry the ZAP label */
};

int64_t sos_now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int sos_wire_new(sos_wire **out)
{
    void *ctx = zmq_ctx_new();
    if (!ctx)
        return -1;
    /* signals are ours: zmq_poll returns EINTR instead of retrying */
    sos_wire *w = sos_xcalloc(1, sizeof *w);
    w->ctx = ctx;
    pthread_mutex_init(&w->lock, NULL);
    *out = w;
    return 0;
}

void sos_wire_destroy(sos_wire **wp)
{
    sos_wire *w = *wp;
    if (!w)
        return;
    sos_wire_zap_stop(w);
    while (zmq_ctx_term(w->ctx) != 0 && errno == EINTR)
        ;
    sos_access_destroy(&w->access);
    pthread_mutex_destroy(&w->lock);
    free(w);
    *wp = NULL;
}

/* ZAP (RFC 27): one request is version, request id, domain, address,
 * routing id, mechanism, credentials...; the reply is version, request id,
 * status code, status text, user id, metadata. */
static void s_zap_reply(void *z, const zmq_msg_t *rid, const char *code, const char *text,
                        const char *user, const uint8_t *meta, size_t meta_len)
{
    zmq_send(z, "1.0", 3, ZMQ_SNDMORE);
    zmq_send(z, zmq_msg_data((zmq_msg_t *)rid), zmq_msg_size((zmq_msg_t *)rid), ZMQ_SNDMORE);
    zmq_send(z, code, strlen(code), ZMQ_SNDMORE);
    zmq_send(z, text, strlen(text), ZMQ_SNDMORE);
    zmq_send(z, user, strlen(user), ZMQ_SNDMORE);
    zmq_send(z, meta, meta_len, 0);
}

/* Appends one ZMTP metadata property: name length (1 byte), name, value
 * length (4 bytes, network order), value. */
static size_t s_meta_put(uint8_t *m, size_t at, const char *name, const char *value)
{
    size_t nl = strlen(name), vl = strlen(value);
    m[at++] = (uint8_t)nl;
    memcpy(m + at, name, nl);
    at += nl;
    m[at++] = (uint8_t)(vl >> 24);
    m[at++] = (uint8_t)(vl >> 16);
    m[at++] = (uint8_t)(vl >> 8);
    m[at++] = (uint8_t)vl;
    memcpy(m + at, value, vl);
    return at + vl;
}

static void s_zap_answer(sos_wire *w, zmq_msg_t *f, size_t n)
{
    char user[2 * SOS_ACCESS_KEY_BYTES + 1] = "", roles_s[16], signer_hex[2 * SOS_PK_BYTES + 1];
    char names[64];
    uint8_t signer[SOS_ACCESS_KEY_BYTES], meta[128];
    size_t meta_len = 0;
    bool has_signer = false;
    unsigned roles = 0;
    const char *why = "not CURVE";
    if (n < 7 || zmq_msg_size(&f[0]) != 3 || memcmp(zmq_msg_data(&f[0]), "1.0", 3) != 0) {
        sos_log_error("zap.malformed", "frames=%zu", n);
        if (n >= 2)
            s_zap_reply(w->zap, &f[1], "500", "malformed ZAP request", "", NULL, 0);
        return;
    }
    if (zmq_msg_size(&f[5]) == 5 && memcmp(zmq_msg_data(&f[5]), "CURVE", 5) == 0 &&
        zmq_msg_size(&f[6]) == SOS_ACCESS_KEY_BYTES) {
        const uint8_t *key = zmq_msg_data(&f[6]);
        sos_hex(key, SOS_ACCESS_KEY_BYTES, user);
        pthread_mutex_lock(&w->lock);
        roles = w->access ? sos_access_find(w->access, key, signer, &has_signer) : 0;
        pthread_mutex_unlock(&w->lock);
        why = "key not in the access list";
    }
    char addr[64];
    size_t al = zmq_msg_size(&f[3]) < sizeof addr - 1 ? zmq_msg_size(&f[3]) : sizeof addr - 1;
    memcpy(addr, zmq_msg_data(&f[3]), al);
    addr[al] = '\0';
    if (!roles) {
        atomic_fetch_add(&w->zap_refused, 1);
        sos_log_warn("zap.refused", "key=%s address=%s reason=\"%s\"", user[0] ? user : "-", addr,
                     why);
        s_zap_reply(w->zap, &f[1], "400", why, "", NULL, 0);
        return;
    }
    snprintf(roles_s, sizeof roles_s, "%u", roles);
    meta_len = s_meta_put(meta, meta_len, S_META_ROLES, roles_s);
    if (has_signer) {
        sos_hex(signer, SOS_PK_BYTES, signer_hex);
        meta_len = s_meta_put(meta, meta_len, S_META_SIGNER, signer_hex);
    }
    atomic_fetch_add(&w->zap_admitted, 1);
    sos_log_debug("zap.admitted", "key=%s address=%s roles=%s", user, addr,
                  sos_role_names(roles, names, sizeof names));
    s_zap_reply(w->zap, &f[1], "200", "OK", user, meta, meta_len);
}

static void *s_zap_main(void *arg)
{
    sos_wire *w = arg;
    while (!atomic_load(&w->zap_stop)) {
        zmq_msg_t f[9];
        size_t n = 0;
        int more = 1;
        while (more) {
            zmq_msg_t m;
            zmq_msg_init(&m);
            if (zmq_msg_recv(&m, w->zap, 0) < 0) {
                zmq_msg_close(&m);
                break;
            }
            more = zmq_msg_more(&m);
            if (n < 9) {
                zmq_msg_init(&f[n]);
                zmq_msg_move(&f[n++], &m);
            }
            zmq_msg_close(&m);
        }
        if (more) { /* a receive failed */
            int e = errno;
            for (size_t i = 0; i < n; i++)
                zmq_msg_close(&f[i]);
            if (e == EAGAIN || e == EINTR)
                continue;
            if (e != ETERM)
                sos_log_error("zap.failed", "errno=%d msg=\"%s\" action=\"refuse all\"", e,
                              zmq_strerror(e));
            break;
        }
        s_zap_answer(w, f, n);
        for (size_t i = 0; i < n; i++)
            zmq_msg_close(&f[i]);
    }
    zmq_close(w->zap);
    w->zap = NULL;
    return NULL;
}

int sos_wire_zap_start(sos_wire *w, sos_access *access)
{
    assert(!w->zap_started);
    w->access = access;
    w->zap = zmq_socket(w->ctx, ZMQ_REP);
    int tmo = 200, linger = 0;
    if (!w->zap || zmq_setsockopt(w->zap, ZMQ_RCVTIMEO, &tmo, sizeof tmo) != 0 ||
        zmq_setsockopt(w->zap, ZMQ_LINGER, &linger, sizeof linger) != 0 ||
        zmq_bind(w->zap, S_ZAP_ENDPOINT) != 0) {
        sos_log_error("zap.start", "errno=%d msg=\"%s\"", errno, zmq_strerror(errno));
        if (w->zap)
            zmq_close(w->zap);
        w->zap = NULL;
        return -1;
    }
    if (sos_thread_start(&w->zap_thread, s_zap_main, w) != 0) {
        sos_log_error("zap.start", "msg=\"cannot start the ZAP thread\"");
        zmq_close(w->zap);
        w->zap = NULL;
        return -1;
    }
    w->zap_started = true;
    return 0;
}

void sos_wire_zap_reload(sos_wire *w, sos_access *access)
{
    pthread_mutex_lock(&w->lock);
    sos_access *old = w->access;
    w->access = access;
    pthread_mutex_unlock(&w->lock);
    sos_access_destroy(&old);
}

void sos_wire_zap_stop(sos_wire *w)
{
    if (!w->zap_started)
        return;
    atomic_store(&w->zap_stop, true);
    pthread_join(w->zap_thread, NULL);
    w->zap_started = false;
}

void sos_wire_zap_counts(sos_wire *w, uint64_t *admitted, uint64_t *refused)
{
    *admitted = atomic_load(&w->zap_admitted);
    *refused = atomic_load(&w->zap_refused);
}

bool sos_endpoint_needs_curve(const char *endpoint)
{
    return strncmp(endpoint, "ipc://", 6) != 0 && strncmp(endpoint, "inproc://", 9) != 0;
}

static int s_setint(void *z, int opt, int v)
{
    return zmq_setsockopt(z, opt, &v, sizeof v);
}

/* CURVE options: a binding socket serves (its ZAP handler must run), a
 * connecting one names the server. */
static int s_curve(sos_wire *w, void *z, sos_sock_kind kind, const char *endpoint,
                   const sos_curve *c)
{
    bool server = kind == SOS_SOCK_ROUTER || kind == SOS_SOCK_PUB;
    if (!zmq_has("curve")) {
        sos_log_error("wire.curve", "endpoint=%s msg=\"this libzmq has no CURVE\"", endpoint);
        return -1;
    }
    if (!c || !c->own || (!server && !c->server_key)) {
        sos_log_error("wire.curve", "endpoint=%s msg=\"a tcp endpoint needs CURVE keys%s\"",
                      endpoint, server ? "" : " and the server's public key");
        return -1;
    }
    if (server && !w->zap_started) {
        sos_log_error("wire.curve", "endpoint=%s msg=\"no ZAP handler: refusing to serve\"",
                      endpoint);
        return -1;
    }
    int one = 1;
    if (zmq_setsockopt(z, ZMQ_CURVE_SECRETKEY, sos_tkey_secret(c->own), SOS_PK_BYTES) != 0 ||
        zmq_setsockopt(z, ZMQ_CURVE_PUBLICKEY, sos_tkey_public(c->own), SOS_PK_BYTES) != 0)
        return -1;
    if (server)
        return zmq_setsockopt(z, ZMQ_CURVE_SERVER, &one, sizeof one) == 0 &&
                       zmq_setsockopt(z, ZMQ_ZAP_DOMAIN, "shiporskip", 10) == 0
                   ? 0
                   : -1;
    return zmq_setsockopt(z, ZMQ_CURVE_SERVERKEY, c->server_key, SOS_PK_BYTES);
}

int sos_sock_new(sos_wire *w, sos_sock_kind kind, const char *endpoint, sos_sock **out)
{
    return sos_sock_new_curve(w, kind, endpoint, NULL, out);
}

int sos_sock_new_curve(sos_wire *w, sos_sock_kind kind, const char *endpoint,
                       const sos_curve *curve, sos_sock **out)
{
    static const int types[] = {ZMQ_ROUTER, ZMQ_PUB, ZMQ_DEALER, ZMQ_SUB};
    bool secure = sos_endpoint_needs_curve(endpoint);
    void *z = zmq_socket(w->ctx, types[kind]);
    int rc = -1;
    if (!z) {
        sos_log_error("wire.socket", "errno=%d msg=\"%s\"", errno, zmq_strerror(errno));
        return -1;
    }
    if (secure && s_curve(w, z, kind, endpoint, curve) != 0) {
        zmq_close(z);
        return -1;
    }
    if (s_setint(z, ZMQ_HEARTBEAT_IVL, SOS_WIRE_HEARTBEAT_MS) != 0 ||
        s_setint(z, ZMQ_HEARTBEAT_TIMEOUT, SOS_WIRE_HEARTBEAT_TIMEOUT_MS) != 0 ||
        s_setint(z, ZMQ_HEARTBEAT_TTL, SOS_WIRE_HEARTBEAT_TIMEOUT_MS) != 0)
        goto out;
    int64_t maxmsg = kind == SOS_SOCK_ROUTER ? (int64_t)SOS_WIRE_MAX_REQUEST
                     : kind == SOS_SOCK_SUB  ? 64
                                             : (int64_t)SOS_WIRE_MAX_REPLY;
    if (zmq_setsockopt(z, ZMQ_MAXMSGSIZE, &maxmsg, sizeof maxmsg) != 0)
        goto out;
    if (s_setint(z, ZMQ_LINGER, kind == SOS_SOCK_DEALER ? 0 : 200) != 0)
        goto out;
    if (s_setint(z, ZMQ_SNDHWM, 10000) != 0 || s_setint(z, ZMQ_RCVHWM, 10000) != 0)
        goto out;
    switch (kind) {
    case SOS_SOCK_ROUTER:
        if (s_setint(z, ZMQ_ROUTER_MANDATORY, 1) != 0)
            goto out;
        /* fall through */
    case SOS_SOCK_PUB:
        if (zmq_bind(z, endpoint) != 0)
            goto out;
        break;
    case SOS_SOCK_SUB:
        if (zmq_setsockopt(z, ZMQ_SUBSCRIBE, "", 0) != 0)
            goto out;
        /* fall through */
    case SOS_SOCK_DEALER:
        if (s_setint(z, ZMQ_RECONNECT_IVL, 100) != 0 ||
            s_setint(z, ZMQ_RECONNECT_IVL_MAX, 1000) != 0)
            goto out;
        if (zmq_connect(z, endpoint) != 0)
            goto out;
        break;
    }
    rc = 0;
out:
    if (rc != 0) {
        sos_log_error("wire.socket", "endpoint=%s errno=%d msg=\"%s\"", endpoint, errno,
                      zmq_strerror(errno));
        zmq_close(z);
        return -1;
    }
    sos_sock *s = sos_xmalloc(sizeof *s);
    s->z = z;
    s->kind = kind;
    s->curve_server = secure && (kind == SOS_SOCK_ROUTER || kind == SOS_SOCK_PUB);
    *out = s;
    return 0;
}

void sos_sock_destroy(sos_sock **sp)
{
    sos_sock *s = *sp;
    if (!s)
        return;
    zmq_close(s->z);
    free(s);
    *sp = NULL;
}

int sos_sock_send(sos_sock *s, const sos_frame *frames, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        int flags = ZMQ_DONTWAIT | (i + 1 < n ? ZMQ_SNDMORE : 0);
        if (zmq_send(s->z, frames[i].data, frames[i].len, flags) < 0)
            return -1;
    }
    return 0;
}

void sos_frames_clear(sos_frames *f)
{
    for (size_t i = 0; i < f->n; i++)
        free(f->data[i]);
    f->n = 0;
}

/* The ZAP label of a message on a CURVE server socket: 0, or -1 when it
 * has none (the handler never saw the connection). */
static int s_peer(zmq_msg_t *m, sos_peer *p)
{
    const char *user = zmq_msg_gets(m, "User-Id");
    const char *roles = zmq_msg_gets(m, S_META_ROLES);
    const char *signer = zmq_msg_gets(m, S_META_SIGNER);
    char *end;
    if (!user || !roles || sos_unhex(user, p->key, sizeof p->key) != 0)
        return -1;
    unsigned long r = strtoul(roles, &end, 10);
    if (*end || r == 0 || (r & ~(unsigned long)(SOS_ROLE_ANY & ~SOS_ROLE_LOCAL)))
        return -1;
    p->roles = (unsigned)r;
    p->has_signer = signer && sos_unhex(signer, p->signer, sizeof p->signer) == 0;
    return 0;
}

int sos_sock_recv(sos_sock *s, sos_frames *out)
{
    int more = 1, bad = 0, labelled = 0;
    out->n = 0;
    memset(&out->peer, 0, sizeof out->peer);
    if (!s->curve_server) {
        out->peer.roles = SOS_ROLE_LOCAL;
        labelled = 1;
    }
    while (more) {
        zmq_msg_t m;
        zmq_msg_init(&m);
        if (zmq_msg_recv(&m, s->z, out->n == 0 && !bad ? ZMQ_DONTWAIT : 0) < 0) {
            int e = errno;
            zmq_msg_close(&m);
            if (e == EAGAIN && out->n == 0 && !bad)
                return 1;
            sos_frames_clear(out);
            errno = e;
            return -1;
        }
        more = zmq_msg_more(&m);
        if (!labelled && s_peer(&m, &out->peer) == 0)
            labelled = 1;
        if (out->n < SOS_WIRE_MAX_FRAMES && !bad) {
            size_t len = zmq_msg_size(&m);
            out->data[out->n] = sos_xmalloc(len);
            memcpy(out->data[out->n], zmq_msg_data(&m), len);
            out->len[out->n++] = len;
        } else {
            bad = 1;
        }
        zmq_msg_close(&m);
    }
    if (bad || !labelled) {
        sos_frames_clear(out);
        memset(&out->peer, 0, sizeof out->peer);
        if (!labelled && !bad)
            sos_log_warn("wire.unlabelled",
                         "msg=\"a CURVE message the ZAP handler never admitted: dropped\"");
        errno = bad ? EPROTO : EACCES;
        return -1;
    }
    return 0;
}

int sos_wire_poll(sos_sock *const *socks, size_t n, bool *readable, long timeout_ms)
{
    zmq_pollitem_t items[8];
    size_t map[8], k = 0;
    assert(n <= 8);
    for (size_t i = 0; i < n; i++) {
        readable[i] = false;
        if (!socks[i])
            continue;
        items[k] = (zmq_pollitem_t){socks[i]->z, 0, ZMQ_POLLIN, 0};
        map[k++] = i;
    }
    int rc = zmq_poll(items, (int)k, timeout_ms);
    if (rc < 0)
        return -1;
    for (size_t j = 0; j < k; j++)
        if (items[j].revents & ZMQ_POLLIN)
            readable[map[j]] = true;
    return rc;
}
