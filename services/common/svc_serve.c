/* svc_serve: the request path of the skeleton (svc.h): decode, role
 * check, idempotency by request id, group commit, replies after the
 * commit.
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
#include <stdio.h>
#include <string.h>
#include <sysexits.h>
#include <time.h>

#include "log.h"
#include "sign.h"
#include "svc.h"
#include "svc_int.h"
#include "wire.h"

#define S_BATCH_MAX 256 /* write requests per group commit at most */
#define S_MAX_ID 64
#define S_SERVE_MAX 1024 /* requests per call, so the follower gets its turn */
#define S_JOIN_MAX 16    /* late arrivals that join the batch being decided, at most */

/* handle() returns a verb (>= 0) or a store code: they must not overlap */
_Static_assert(SOS_NOTFOUND < 0 && SOS_MAPFULL < 0 && SOS_FULL < 0 && SOS_EIO < 0 && SOS_EINVAL < 0,
               "store codes are negative");

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

/* A oneof member of msg, when it is the one set. */
static const void *s_oneof(const ProtobufCMessage *msg, const ProtobufCFieldDescriptor *f)
{
    if (!f)
        return NULL;
    const char *base = (const char *)msg;
    if (*(const uint32_t *)(base + f->quantifier_offset) != f->id)
        return NULL;
    return *(const void *const *)(base + f->offset);
}

/* 0 when peer may make req; otherwise -1 with a FORBIDDEN reply in out. */
static int s_allowed(sos_svc *svc, const ProtobufCMessage *req, const ProtobufCBinaryData *rid,
                     const sos_peer *peer, sos_buf *out)
{
    unsigned need;
    char have[64], want[64];
    if (peer->roles & SOS_ROLE_LOCAL)
        return 0;
    if (s_oneof(req, svc->f_events))
        need = SOS_ROLE_SERVICE | SOS_ROLE_PUBLISHER | SOS_ROLE_EDITOR;
    else if (s_oneof(req, svc->f_status))
        need = SOS_ROLE_ANY;
    else
        need = svc->spec->roles ? svc->spec->roles(req) : SOS_ROLE_ANY;
    if (peer->roles & need)
        return 0;
    sos_role_names(peer->roles, have, sizeof have);
    sos_role_names(need, want, sizeof want);
    sos_log_warn("request.forbidden", "roles=%s needs=%s", have, want);
    sos_buf_reset(out);
    char msg[256];
    snprintf(msg, sizeof msg, "a %s key may not make this request (needs %s)", have, want);
    sos_svc_error_reply(rid, SOS__CODE__CODE_FORBIDDEN, msg, out);
    return -1;
}

static int s_status_reply(sos_svc *svc, const ProtobufCBinaryData *rid, sos_buf *out)
{
    Sos__StatusReply r = SOS__STATUS_REPLY__INIT;
    Sos__Status st = SOS__STATUS__INIT;
    Sos__StatusInfo info = SOS__STATUS_INFO__INIT;
    sos_txn *t = NULL;
    int rc = sos_txn_begin(svc->store, false, &t);
    if (rc != SOS_OK)
        return rc;
    (void)sos_evlog_head(t, &info.head);
    (void)sos_txn_count(t, SOS_DB_EVENTS, &info.records);
    sos_txn_abort(&t);
    info.service = (char *)svc->spec->name;
    info.cursor = svc->cursor;
    info.version = (char *)SOS_VERSION;
    r.request_id = *rid;
    r.status = &st;
    r.info = &info;
    sos_buf_pack(out, &r.base);
    return SOS_OK;
}

/* Run one decoded request to a packed reply. */
/* Group commit: a write request inside the batch's transaction, in a
 * child transaction of its own so that a refusal undoes only its own
 * writes. Returns true when done (out holds the reply, to be sent once the
 * batch commits); false when the request cannot be batched (a read, a
 * catch-up with upstream, a full map, a store error): the caller commits
 * the batch, sends its replies and runs the request alone with s_dispatch. */
static bool s_dispatch_batched(sos_svc *svc, sos_txn *batch, const s_item *it, sos_buf *out)
{
    const sos_frames *f = &it->f;
    const ProtobufCMessage *req = it->req;
    uint8_t hash[SOS_HASH_BYTES];
    sos_txn *t = NULL;
    bool done = false;
    int rc, same = 0;
    sos_val prev;
    if (!req)
        return false; /* over the limit or malformed: s_dispatch answers it */
    ProtobufCBinaryData rid = *(const ProtobufCBinaryData *)((const char *)req + svc->f_id->offset);
    if (rid.len == 0 || rid.len > S_MAX_ID || s_oneof(req, svc->f_events) ||
        s_oneof(req, svc->f_status) || !svc->spec->is_write(req))
        goto out;
    if (s_allowed(svc, req, &rid, &f->peer, out) != 0) {
        done = true;
        goto out;
    }
    sos_hash(f->data[1], f->len[1], hash);
    if (sos_txn_begin_child(batch, &t) != SOS_OK)
        goto out;
    rc = sos_request_find(t, &rid, hash, &prev, &same);
    if (rc == SOS_OK) {
        sos_buf_reset(out);
        if (same)
            sos_buf_append(out, prev.data, prev.len);
        else
            sos_svc_error_reply(&rid, SOS__CODE__CODE_CONFLICT,
                                "request id already used for a different request", out);
        done = true;
        goto out;
    }
    if (rc != SOS_NOTFOUND)
        goto out;
    svc->synced = false;
    sos_buf_reset(out);
    svc->peer = &f->peer;
    svc->prep = it->prep;
    rc = svc->spec->handle(svc, t, req, out);
    svc->peer = NULL;
    svc->prep = 0;
    if (rc == SOS_SVC_ABORT) {
        done = true;
    } else if (rc == SOS_SVC_COMMIT) {
        if (sos_request_store(t, &rid, hash, out) == SOS_OK && sos_txn_commit(&t) == SOS_OK)
            done = true;
    }
out:
    sos_txn_abort(&t); /* a refusal's writes, or an unfinished child */
    if (!done)
        sos_buf_reset(out);
    return done;
}

static void s_dispatch(sos_svc *svc, const sos_frames *f, sos_buf *out)
{
    const uint8_t *frame = f->data[1];
    size_t len = f->len[1];
    uint8_t hash[SOS_HASH_BYTES];
    ProtobufCMessage *req =
        len > SOS_WIRE_MAX_REQUEST ? NULL : sos_unpack(svc->spec->request, frame, len);
    ProtobufCBinaryData rid = {0, NULL};
    const Sos__EventsQuery *q;
    sos_txn *t = NULL;
    int rc;

    if (len > SOS_WIRE_MAX_REQUEST) { /* ZMQ_MAXMSGSIZE drops these first; this is the backstop */
        sos_log_warn("request.oversize", "bytes=%zu", len);
        sos_svc_error_reply(NULL, SOS__CODE__CODE_BAD_REQUEST, "request too large", out);
        return;
    }
    if (!req) {
        sos_log_warn("request.malformed", "bytes=%zu", len);
        sos_svc_error_reply(NULL, SOS__CODE__CODE_BAD_REQUEST, "malformed request", out);
        return;
    }
    rid = *(const ProtobufCBinaryData *)((const char *)req + svc->f_id->offset);
    if (rid.len == 0 || rid.len > S_MAX_ID) {
        sos_svc_error_reply(&rid, SOS__CODE__CODE_BAD_REQUEST, "request_id must be 1 to 64 bytes",
                            out);
        goto out;
    }
    if (s_allowed(svc, req, &rid, &f->peer, out) != 0)
        goto out;
    if ((q = s_oneof(req, svc->f_events)) != NULL) {
        if ((rc = sos_txn_begin(svc->store, false, &t)) == SOS_OK)
            rc = sos_evlog_page(t, &rid, q->after, q->max, out);
        sos_txn_abort(&t);
        if (rc != SOS_OK)
            sos_svc_error_reply(&rid, SOS__CODE__CODE_INTERNAL, sos_store_errstr(rc), out);
        goto out;
    }
    if (s_oneof(req, svc->f_status)) {
        if ((rc = s_status_reply(svc, &rid, out)) != SOS_OK)
            sos_svc_error_reply(&rid, SOS__CODE__CODE_INTERNAL, sos_store_errstr(rc), out);
        goto out;
    }

    bool write = svc->spec->is_write(req);
    if (write)
        sos_hash(frame, len, hash);
    svc->synced = false;
    for (int attempt = 0; attempt < 8; attempt++) {
        rc = sos_txn_begin(svc->store, write, &t);
        if (rc != SOS_OK)
            break;
        if (write) {
            sos_val prev;
            int same = 0;
            sos_log_hold(); /* released once the commit has returned */
            rc = sos_request_find(t, &rid, hash, &prev, &same);
            if (rc == SOS_OK) {
                if (same) {
                    sos_buf_reset(out);
                    sos_buf_append(out, prev.data, prev.len);
                    sos_log_info("request.repeat", "replayed=1");
                } else {
                    sos_svc_error_reply(&rid, SOS__CODE__CODE_CONFLICT,
                                        "request id already used for a different request", out);
                }
                sos_txn_abort(&t);
                goto out;
            }
            if (rc != SOS_NOTFOUND)
                break;
        }
        sos_buf_reset(out);
        svc->peer = &f->peer;
        rc = svc->spec->handle(svc, t, req, out);
        svc->peer = NULL;
        if (rc == SOS_SVC_SYNC && !svc->synced) {
            /* handle() packs no reply with SYNC: run it again after the
             * catch-up (or at once, with no upstream), when it must decide */
            sos_txn_abort(&t);
            if (write)
                sos_log_release(0); /* it runs again after the catch-up */
            if (svc->up_api)
                svc_follow_sync(svc);
            svc->synced = true;
            continue;
        }
        if (rc == SOS_SVC_SYNC) { /* asked twice: a bug in the daemon, not the client's */
            sos_txn_abort(&t);
            sos_log_error("request.sync_twice", "service=%s", svc->spec->name);
            sos_svc_error_reply(&rid, SOS__CODE__CODE_INTERNAL, "internal error", out);
            goto out;
        }
        /* a read that decided: handle()'s verbs are >= 0, store codes < 0 */
        if (rc == SOS_SVC_ABORT || (!write && rc >= 0)) {
            sos_txn_abort(&t);
            goto out;
        }
        if (rc == SOS_SVC_COMMIT) {
            rc = sos_request_store(t, &rid, hash, out);
            if (rc == SOS_OK) {
                rc = sos_txn_commit(&t);
                if (rc == SOS_OK) {
                    sos_log_release(1);
                    goto out;
                }
            }
        }
        sos_txn_abort(&t);
        if (sos_log_holding())
            sos_log_release(0); /* refused or failed: its lines say nothing true */
        if (rc == SOS_MAPFULL) {
            rc = sos_store_grow(svc->store);
            if (rc == SOS_OK)
                continue;
        }
        break;
    }
    sos_txn_abort(&t);
    if (rc == SOS_EINVAL) {
        /* a key the store cannot hold (empty, over 511 bytes): the request
         * is at fault, not the store */
        sos_svc_error_reply(&rid, SOS__CODE__CODE_BAD_REQUEST, "invalid identifier", out);
    } else if (rc == SOS_FULL || rc == SOS_MAPFULL) {
        sos_log_error("store.full", "map_size=%zu", sos_store_map_size(svc->store));
        sos_svc_error_reply(&rid, SOS__CODE__CODE_UNAVAILABLE,
                            "store is full; raise [store] map_max and retry", out);
    } else if (rc == SOS_NOTFOUND) {
        /* a lookup's "not found" that the daemon's rule let out: a bug in
         * the daemon (the store is sound), and never a refusal */
        sos_log_error("request.notfound", "service=%s", svc->spec->name);
        sos_svc_error_reply(&rid, SOS__CODE__CODE_INTERNAL, "internal error", out);
    } else if (!write) {
        sos_log_error("store.read_failed", "rc=%d msg=\"%s\"", rc, sos_store_errstr(rc));
        sos_svc_error_reply(&rid, SOS__CODE__CODE_INTERNAL, sos_store_errstr(rc), out);
    } else {
        /* The commit may not be on disk: acknowledge nothing, stop. */
        sos_log_error("store.failed", "rc=%d msg=\"%s\" action=exit", rc, sos_store_errstr(rc));
        svc->fatal = EX_IOERR;
        sos_buf_reset(out);
    }
out:
    if (sos_log_holding())
        sos_log_release(1); /* a replay or a refusal: nothing was written */
    protobuf_c_message_free_unpacked(req, NULL);
}

/* Replies waiting for their batch to commit, and where the batch's time
 * went (logged at debug level as batch.commit). */
typedef struct {
    sos_frames req[S_BATCH_MAX];
    sos_buf reply[S_BATCH_MAX];
    size_t n;
    int64_t wait_ns, decide_ns; /* waiting for the verifiers; deciding in the txn */
} s_pending;

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
 * map), anything else stops the daemon. */
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
            s_dispatch(svc, &p->req[i], &out);
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
        /* over the limit: never decoded (s_dispatch refuses it) */
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
        bool batched = *batch && s_dispatch_batched(svc, *batch, it, out);
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
            s_dispatch(svc, &it->f, out);
            s_send(svc, &it->f, out);
        }
    }
}

/* Serves what waits on the api socket, round by round (see the top of
 * this file): write requests are grouped into one transaction (group
 * commit: one fsync for the lot) and answered after it commits; anything
 * that cannot join a batch runs alone after the batch before it is
 * committed, so replies never precede their commit. */
void svc_serve(sos_svc *svc)
{
    static s_round rounds[2];
    static s_pending p;
    s_round *cur = &rounds[0], *next = &rounds[1];
    sos_buf out = SOS_BUF_INIT;
    sos_txn *batch = NULL;
    size_t budget = S_SERVE_MAX;

    s_receive(svc, cur, &budget, &out);
    s_prepare_start(svc, cur, 0);
    while (cur->n > 0 && !svc->fatal) {
        int64_t t0 = s_ns();
        s_prepare_wait(svc);
        p.wait_ns += s_ns() - t0;
        /* the top-up: checked while the first part is decided */
        size_t checked = cur->n;
        s_receive(svc, cur, &budget, &out);
        if (cur->n > checked)
            s_prepare_start(svc, cur, checked);
        s_decide(svc, cur, 0, checked, &batch, &p, &out);
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
            s_decide(svc, cur, from, from, &batch, &p, &out);
            s_prepare_wait(svc);
        }
        s_round_clear(cur);
        if (!svc->fatal) {
            s_prepare_start(svc, next, 0);
            s_flush(svc, &batch, &p);
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
    for (size_t i = 0; i < p.n; i++) { /* a fatal error: nothing acknowledged */
        sos_frames_clear(&p.req[i]);
        sos_buf_free(&p.reply[i]);
    }
    p.n = 0;
    sos_buf_free(&out);
    svc_publish(svc);
}
