/* svc_batch: the skeleton's group-commit pipeline (svc.h, svc_int.h):
 * rounds of requests, the verifier pool, one write transaction per batch,
 * replies after the commit. What each request gets is decided in
 * svc_request.c.
 *
 * The pipeline: the requests waiting on the api socket are received and
 * decoded in a round of up to S_BATCH_MAX, and spec->prepare (signature
 * checks) runs on them on the verifier pool. Once prepared, the round is
 * topped up with what arrived while the batch before it committed (those
 * are checked on the pool while the round's first part is decided), and
 * the whole round is decided in arrival order inside one write
 * transaction. Then what arrived during the deciding is received: up to
 * S_JOIN_MAX of it joins the batch (checked and decided at once, and again
 * while that much keeps arriving); more makes the next round, handed to
 * the pool so that its signatures are checked while this one commits and
 * waits on the disk. The replies of a round are sent after its commit
 * returns.
 *
 * Latency: without the top-up and the join, a request that arrived while
 * a batch committed or was decided waited for the next batch's commit as
 * well as its own. Now, below full load, it waits for the commit in
 * progress and its own. At full load the clients' windows are inside the
 * daemon at each commit, the top-up finds little, the late arrivals are
 * more than S_JOIN_MAX, and the rounds stay as they were.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <time.h>

#include "log.h"
#include "svc.h"
#include "svc_int.h"
#include "wire.h"

#define S_BATCH_MAX 256  /* write requests per group commit at most */
#define S_SERVE_MAX 1024 /* requests per call, so the follower gets its turn */
#define S_JOIN_MAX 16    /* late arrivals that join the batch being decided, at most */

/* A request received and waiting for its turn in a round. */
typedef struct {
    sos_frames f;          /* identity, request */
    ProtobufCMessage *req; /* f's request decoded; NULL: over the limit or malformed */
    int prep;              /* spec->prepare(req) once the pool ran it; 0 before */
} s_item;

typedef struct {
    sos_svc *svc;
    s_item item[S_BATCH_MAX];
    size_t n;
    size_t first; /* the pool's run covers item[first .. n) */
} s_round;

/* Replies waiting for their batch to commit, and where the batch's time
 * went (logged at debug level as batch.commit). */
typedef struct {
    sos_frames req[S_BATCH_MAX];
    sos_buf reply[S_BATCH_MAX];
    size_t n;
    int64_t wait_ns, decide_ns; /* waiting for the verifiers; deciding in the txn */
} s_pending;

struct svc_batch {
    s_round rounds[2]; /* the round being decided, and the next */
    s_pending p;
};

svc_batch *svc_batch_new(void)
{
    return sos_xcalloc(1, sizeof(svc_batch));
}

void svc_batch_destroy(svc_batch **b)
{
    free(*b);
    *b = NULL;
}

static int64_t s_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static void s_send(sos_svc *svc, const sos_frames *f, const sos_buf *out)
{
    if (!out->len)
        return;
    sos_frame r[2] = {{f->data[0], f->len[0]}, {out->data, out->len}};
    if (sos_sock_send(svc->api, r, 2) != 0)
        sos_log_warn("reply.dropped", "errno=%d msg=\"%s\"", errno, strerror(errno));
}

/* Commits the batch, then sends its replies; on a failed commit nothing is
 * acknowledged: a full map runs each request again alone (which grows the
 * map), a full disk refuses them all (UNAVAILABLE: the clients file them
 * again later), anything else stops the daemon. */
static void s_flush(sos_svc *svc, sos_txn **batch, s_pending *p)
{
    int64_t t0 = s_ns();
    int rc = *batch ? sos_txn_commit(batch) : SOS_OK;
    int64_t commit_ns = s_ns() - t0;
    if (rc != SOS_OK && sos_log_holding()) /* what the batch logged did not happen */
        sos_log_release(0);
    sos_buf out = SOS_BUF_INIT;
    if (rc == SOS_MAPFULL) {
        sos_log_info("batch.retry", "requests=%zu reason=\"map full\"", p->n);
        for (size_t i = 0; i < p->n && !svc->fatal; i++) {
            sos_buf_reset(&out);
            svc_request_run(svc, &p->req[i], &out);
            s_send(svc, &p->req[i], &out);
        }
    } else if (rc == SOS_NOSPACE) {
        for (size_t i = 0; i < p->n; i++) {
            svc_request_refuse_full(svc, &p->req[i], &out);
            s_send(svc, &p->req[i], &out);
        }
    } else if (rc != SOS_OK) {
        sos_log_error("store.failed", "rc=%d msg=\"%s\" action=exit unacknowledged=%zu", rc,
                      sos_store_errstr(rc), p->n);
        svc->fatal = EX_IOERR;
    } else {
        for (size_t i = 0; i < p->n; i++)
            s_send(svc, &p->req[i], &p->reply[i]);
        /* committed: the batch's lines are true now; written after the
         * replies, which wait on nothing but the commit */
        if (sos_log_holding())
            sos_log_release(1);
        if (p->n > 0)
            svc_request_disk_ok(svc); /* a commit that wrote: room again */
        if (p->n > 0)
            sos_log_debug("batch.commit",
                          "requests=%zu verifier_wait_us=%lld decide_us=%lld commit_us=%lld", p->n,
                          (long long)(p->wait_ns / 1000), (long long)(p->decide_ns / 1000),
                          (long long)(commit_ns / 1000));
    }
    for (size_t i = 0; i < p->n; i++) {
        sos_frames_clear(&p->req[i]);
        sos_buf_free(&p->reply[i]);
    }
    p->n = 0;
    p->wait_ns = p->decide_ns = 0;
    sos_buf_free(&out);
}

/* Receives what waits on the api socket into r after its r->n items (up
 * to S_BATCH_MAX in all, and *budget at most) and decodes it; a message of
 * the wrong shape is answered or dropped here. */
static void s_receive(sos_svc *svc, s_round *r, size_t *budget, sos_buf *out)
{
    r->svc = svc;
    while (r->n<S_BATCH_MAX && * budget> 0) {
        s_item *it = &r->item[r->n];
        int rc = sos_sock_recv(svc->api, &it->f);
        if (rc == 1)
            break;
        (*budget)--;
        if (rc < 0) {
            sos_log_warn("request.dropped", "reason=\"too many frames or receive error\"");
            continue;
        }
        if (it->f.n != 2) {
            /* ROUTER puts the identity first; a peer sending extra frames
             * gets an error on its last frame's behalf. */
            sos_log_warn("request.dropped", "reason=\"expected one frame\" frames=%zu",
                         it->f.n - 1);
            if (it->f.n > 2) {
                sos_buf_reset(out);
                sos_svc_error_reply(NULL, SOS__CODE__CODE_BAD_REQUEST, "expected exactly one frame",
                                    out);
                s_send(svc, &it->f, out);
            }
            sos_frames_clear(&it->f);
            continue;
        }
        /* over the limit: never decoded (svc_request_run refuses it) */
        it->req = it->f.len[1] > SOS_WIRE_MAX_REQUEST
                      ? NULL
                      : sos_unpack(svc->spec->request, it->f.data[1], it->f.len[1]);
        it->prep = 0;
        r->n++;
    }
}

/* On a verifier thread: spec->prepare on item r->first + i. */
static void s_prepare_item(void *arg, size_t i)
{
    s_round *r = arg;
    s_item *it = &r->item[r->first + i];
    if (it->req)
        it->prep = r->svc->spec->prepare(it->req);
}

/* Hands r's items from `first` on to the pool. */
static void s_prepare_start(sos_svc *svc, s_round *r, size_t first)
{
    r->first = first;
    if (svc->pool)
        sos_pool_run(svc->pool, s_prepare_item, r, r->n - first);
}

static void s_prepare_wait(sos_svc *svc)
{
    if (svc->pool)
        sos_pool_wait(svc->pool);
}

static void s_round_clear(s_round *r)
{
    for (size_t i = 0; i < r->n; i++) {
        sos_frames_clear(&r->item[i].f);
        protobuf_c_message_free_unpacked(r->item[i].req, NULL);
        r->item[i].req = NULL;
    }
    r->n = 0;
}

/* Decides cur's items from `from` on into the batch (begun here when
 * there is none), waiting for the pool at item `wait_at` (its run covers
 * the items from there on); a request that cannot join a batch runs alone
 * after the batch before it is committed and answered. */
static void s_decide(sos_svc *svc, s_round *cur, size_t from, size_t wait_at, sos_txn **batch,
                     s_pending *p, sos_buf *out)
{
    for (size_t i = from; i < cur->n && !svc->fatal; i++) {
        s_item *it = &cur->item[i];
        int64_t t0;
        if (i == wait_at) {
            t0 = s_ns();
            s_prepare_wait(svc);
            p->wait_ns += s_ns() - t0;
        }
        if (!*batch) {
            if (sos_txn_begin(svc->store, true, batch) == SOS_OK)
                sos_log_hold(); /* the batch's lines, written once it commits */
            else
                *batch = NULL;
        }
        sos_buf_reset(out);
        t0 = s_ns();
        bool batched = *batch && svc_request_batched(svc, *batch, &it->f, it->req, it->prep, out);
        p->decide_ns += s_ns() - t0;
        if (batched) {
            p->req[p->n] = it->f;
            it->f.n = 0; /* the frames are p's now */
            p->reply[p->n] = *out;
            *out = (sos_buf)SOS_BUF_INIT;
            if (++p->n == S_BATCH_MAX)
                s_flush(svc, batch, p);
            continue;
        }
        s_flush(svc, batch, p); /* what came before is committed and answered first */
        if (!svc->fatal) {
            sos_buf_reset(out);
            svc_request_run(svc, &it->f, out);
            s_send(svc, &it->f, out);
        }
    }
}

/* Serves what waits on the api socket, round by round (see the top of
 * this file): write requests are grouped into one transaction (group
 * commit: one fsync for the lot) and answered after it commits; anything
 * that cannot join a batch runs alone after the batch before it is
 * committed, so replies never precede their commit. */
void svc_batch_serve(sos_svc *svc)
{
    s_pending *p = &svc->batch->p;
    s_round *cur = &svc->batch->rounds[0], *next = &svc->batch->rounds[1];
    sos_buf out = SOS_BUF_INIT;
    sos_txn *batch = NULL;
    size_t budget = S_SERVE_MAX;

    s_receive(svc, cur, &budget, &out);
    s_prepare_start(svc, cur, 0);
    while (cur->n > 0 && !svc->fatal) {
        int64_t t0 = s_ns();
        s_prepare_wait(svc);
        p->wait_ns += s_ns() - t0;
        /* the top-up: checked while the first part is decided */
        size_t checked = cur->n;
        s_receive(svc, cur, &budget, &out);
        if (cur->n > checked)
            s_prepare_start(svc, cur, checked);
        s_decide(svc, cur, 0, checked, &batch, p, &out);
        s_prepare_wait(svc); /* a fatal error before the top-up was reached */
        /* what arrived while the round was decided: a few join its batch
         * (checked now, by the pool and this thread), more make the next
         * round, checked while this one commits */
        while (!svc->fatal) {
            s_receive(svc, next, &budget, &out);
            if (next->n == 0 || next->n > S_JOIN_MAX || cur->n + next->n > S_BATCH_MAX)
                break;
            size_t from = cur->n;
            memcpy(&cur->item[from], next->item, next->n * sizeof next->item[0]);
            cur->n += next->n;
            next->n = 0; /* the items are cur's now */
            s_prepare_start(svc, cur, from);
            s_decide(svc, cur, from, from, &batch, p, &out);
            s_prepare_wait(svc);
        }
        s_round_clear(cur);
        if (!svc->fatal) {
            s_prepare_start(svc, next, 0);
            s_flush(svc, &batch, p);
        }
        s_round *t = cur;
        cur = next;
        next = t;
    }
    s_prepare_wait(svc); /* a fatal error: the pool lets go of the round first */
    s_round_clear(cur);
    sos_txn_abort(&batch);
    if (sos_log_holding())
        sos_log_release(0);
    for (size_t i = 0; i < p->n; i++) { /* a fatal error: nothing acknowledged */
        sos_frames_clear(&p->req[i]);
        sos_buf_free(&p->reply[i]);
    }
    p->n = 0;
    sos_buf_free(&out);
    svc_publish(svc);
}
