/* wire: ZeroMQ sockets, options and framing. */
#include "wire.h"

#include <assert.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <zmq.h>

#include "buf.h"
#include "log.h"

struct sos_wire {
    void *ctx;
};

struct sos_sock {
    void *z;
    sos_sock_kind kind;
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
    sos_wire *w = sos_xmalloc(sizeof *w);
    w->ctx = ctx;
    *out = w;
    return 0;
}

void sos_wire_destroy(sos_wire **wp)
{
    sos_wire *w = *wp;
    if (!w)
        return;
    while (zmq_ctx_term(w->ctx) != 0 && errno == EINTR)
        ;
    free(w);
    *wp = NULL;
}

static int s_setint(void *z, int opt, int v)
{
    return zmq_setsockopt(z, opt, &v, sizeof v);
}

int sos_sock_new(sos_wire *w, sos_sock_kind kind, const char *endpoint, sos_sock **out)
{
    static const int types[] = {ZMQ_ROUTER, ZMQ_PUB, ZMQ_DEALER, ZMQ_SUB};
    void *z = zmq_socket(w->ctx, types[kind]);
    int rc = -1;
    if (!z) {
        sos_log_error("wire.socket", "errno=%d msg=\"%s\"", errno, zmq_strerror(errno));
        return -1;
    }
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

int sos_sock_recv(sos_sock *s, sos_frames *out)
{
    int more = 1, bad = 0;
    out->n = 0;
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
    if (bad) {
        sos_frames_clear(out);
        errno = EPROTO;
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
