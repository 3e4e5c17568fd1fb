/* follow: a daemon's cursor on its upstream's event log. See follow.h.
 *
 * Why the loop sleeps until the answer or its deadline while a fetch is
 * out, and asks every second only after an answer: polling on the 1 s
 * tick with a fetch out spent half a core while an upstream was stopped. */
#include "follow.h"

#include <assert.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>

#include "buf.h"
#include "evlog.h"
#include "log.h"

struct sos_follow {
    const char *upstream, *api_ep;
    sos_wire *wire;
    const sos_tkey *own;
    uint8_t server_key[SOS_PK_BYTES];
    sos_store *store;
    sos_follow_apply_fn *apply;
    sos_follow_page_fn *page_done;
    void *arg;
    sos_sock *api, *events;
    int fatal; /* exit code once the daemon must stop, 0 otherwise */
    uint64_t cursor;
    uint32_t page_max; /* events asked per page; halved after an undecodable page */
    bool inflight;
    bool bell_pending; /* a doorbell rang while a fetch was out */
    uint8_t inflight_id[8];
    int64_t inflight_deadline, next_fetch;
    int64_t silent_since;    /* first unanswered fetch of a silence; 0: answering */
    int64_t disk_full_since; /* first page refused for a full disk; 0: none */
};

static int s_connect(sos_follow *f, sos_sock_kind kind, const char *ep, sos_sock **out)
{
    sos_curve cv = {f->own, f->server_key};
    return sos_sock_new_curve(f->wire, kind, ep, f->own ? &cv : NULL, out);
}

int sos_follow_new(const sos_follow_opts *o, sos_follow **out)
{
    sos_follow *f = sos_xcalloc(1, sizeof *f);
    assert(o->upstream && o->store && o->apply);
    f->upstream = o->upstream;
    f->api_ep = o->api;
    f->wire = o->wire;
    f->own = o->own;
    if (o->own)
        memcpy(f->server_key, o->server_key, SOS_PK_BYTES);
    f->store = o->store;
    f->apply = o->apply;
    f->page_done = o->page_done;
    f->arg = o->arg;
    f->cursor = o->cursor;
    if (o->api && (s_connect(f, SOS_SOCK_DEALER, o->api, &f->api) != 0 ||
                   s_connect(f, SOS_SOCK_SUB, o->events, &f->events) != 0)) {
        sos_follow_destroy(&f);
        return -1;
    }
    *out = f;
    return 0;
}

void sos_follow_destroy(sos_follow **fp)
{
    sos_follow *f = *fp;
    if (!f)
        return;
    sos_sock_destroy(&f->api);
    sos_sock_destroy(&f->events);
    free(f);
    *fp = NULL;
}

uint64_t sos_follow_cursor(const sos_follow *f)
{
    return f->cursor;
}

void sos_follow_socks(const sos_follow *f, sos_sock *socks[2])
{
    socks[0] = f->events;
    socks[1] = f->api;
}

int64_t sos_follow_wake(const sos_follow *f)
{
    return f->inflight ? f->inflight_deadline : f->next_fetch;
}

static void s_reconnect(sos_follow *f)
{
    sos_sock_destroy(&f->api);
    if (s_connect(f, SOS_SOCK_DEALER, f->api_ep, &f->api) != 0)
        f->fatal = EX_UNAVAILABLE;
    f->inflight = false;
}

void sos_follow_ask(sos_follow *f)
{
    Sos__EventsRequest r = SOS__EVENTS_REQUEST__INIT;
    Sos__EventsQuery q = SOS__EVENTS_QUERY__INIT;
    sos_buf b = SOS_BUF_INIT;
    assert(f->api);
    sos_random(f->inflight_id, sizeof f->inflight_id);
    r.request_id = (ProtobufCBinaryData){sizeof f->inflight_id, f->inflight_id};
    q.after = f->cursor;
    q.max = f->page_max ? f->page_max : SOS_EVLOG_PAGE_MAX;
    r.events = &q;
    sos_buf_pack(&b, &r.base);
    sos_frame fr = {b.data, b.len};
    if (sos_sock_send(f->api, &fr, 1) == 0) {
        f->inflight = true;
        f->inflight_deadline = sos_now_ms() + SOS_FOLLOW_TIMEOUT_MS;
    }
    f->next_fetch = sos_now_ms() + SOS_FOLLOW_EVERY_MS;
    sos_buf_free(&b);
}

int sos_follow_apply(sos_follow *f, const Sos__EventsPage *page)
{
    sos_txn *t = NULL;
    int rc = SOS_OK;
    for (int attempt = 0; attempt < 8; attempt++) {
        uint64_t cursor = f->cursor;
        if ((rc = sos_txn_begin(f->store, true, &t)) != SOS_OK)
            break;
        sos_log_hold(); /* what the page's events log, once it commits */
        for (size_t i = 0; i < page->n_events && rc == SOS_OK; i++) {
            const Sos__Event *ev = page->events[i];
            if (ev->seq <= cursor)
                continue;
            if (ev->seq != cursor + 1)
                sos_log_warn("follow.gap", "expected=%llu got=%llu", (unsigned long long)cursor + 1,
                             (unsigned long long)ev->seq);
            rc = f->apply(f->arg, t, ev);
            if (rc == SOS_EINVAL) { /* a record no store can key: skip it, say so */
                sos_log_error("follow.bad_event", "upstream=%s seq=%llu kind=%d action=skip",
                              f->upstream, (unsigned long long)ev->seq, ev->kind_case);
                rc = SOS_OK;
            }
            cursor = ev->seq;
        }
        if (rc == SOS_OK && f->page_done)
            rc = f->page_done(f->arg, t);
        if (rc == SOS_OK)
            rc = sos_meta_put_u64(t, "cursor", cursor);
        if (rc == SOS_OK)
            rc = sos_txn_commit(&t);
        sos_log_release(rc == SOS_OK);
        if (rc == SOS_OK) {
            sos_log_debug("follow.applied", "upstream=%s cursor=%llu", f->upstream,
                          (unsigned long long)cursor);
            f->cursor = cursor;
            if (f->disk_full_since) {
                sos_log_info("store.disk_ok", "upstream=%s full_ms=%lld", f->upstream,
                             (long long)(sos_now_ms() - f->disk_full_since));
                f->disk_full_since = 0;
            }
            return cursor < page->head;
        }
        sos_txn_abort(&t);
        if (rc == SOS_MAPFULL && sos_store_grow(f->store) == SOS_OK)
            continue;
        break;
    }
    return rc;
}

/* Takes one answer. Returns 1 when more events wait upstream, 0 when
 * caught up, -1 when the answer was not for us or not usable. */
static int s_take(sos_follow *f, const uint8_t *data, size_t len)
{
    Sos__EventsReply *rep =
        (Sos__EventsReply *)sos_unpack(&sos__events_reply__descriptor, data, len);
    int more = -1, rc;
    if (!rep) {
        /* too big to decode within the budget, or garbage: ask for less */
        f->page_max = (f->page_max ? f->page_max : SOS_EVLOG_PAGE_MAX) / 2;
        if (f->page_max == 0)
            f->page_max = 1;
        f->inflight = false;
        sos_log_warn("follow.malformed", "bytes=%zu next_page_max=%u", len, f->page_max);
        return -1;
    }
    if (f->silent_since) { /* any answer, even a late one: it is alive */
        sos_log_info("upstream.back", "upstream=%s silent_ms=%lld", f->upstream,
                     (long long)(sos_now_ms() - f->silent_since));
        f->silent_since = 0;
    }
    if (rep->request_id.len != sizeof f->inflight_id ||
        memcmp(rep->request_id.data, f->inflight_id, sizeof f->inflight_id) != 0)
        goto out; /* a late answer to a question we gave up on */
    f->inflight = false;
    if (rep->status && rep->status->code != SOS__CODE__CODE_OK) {
        sos_log_warn("follow.refused", "upstream=%s msg=\"%s\"", f->upstream, rep->status->message);
        goto out;
    }
    if (!rep->events || rep->events->n_events == 0) {
        more = 0;
        goto out;
    }
    rc = sos_follow_apply(f, rep->events);
    if (rc >= 0) {
        more = rc;
        goto out;
    }
    if (rc == SOS_NOSPACE) { /* nothing written: the next fetch asks again */
        if (!f->disk_full_since) {
            f->disk_full_since = sos_now_ms();
            sos_log_error("store.disk_full", "upstream=%s msg=\"%s\" action=retry", f->upstream,
                          sos_store_errstr(rc));
        }
        goto out;
    }
    sos_log_error("follow.store", "rc=%d msg=\"%s\"", rc, sos_store_errstr(rc));
    if (rc != SOS_FULL && rc != SOS_MAPFULL)
        f->fatal = EX_IOERR;
out:
    protobuf_c_message_free_unpacked(&rep->base, NULL);
    return more;
}

bool sos_follow_doorbell(sos_follow *f)
{
    sos_frames fr;
    bool bell = false;
    while (sos_sock_recv(f->events, &fr) != 1) {
        sos_frames_clear(&fr);
        bell = true;
    }
    return bell;
}

int sos_follow_read(sos_follow *f, bool *more)
{
    sos_frames fr;
    int rc;
    while ((rc = sos_sock_recv(f->api, &fr)) != 1) {
        if (rc == 0) {
            if (fr.n == 1) {
                int m = s_take(f, fr.data[0], fr.len[0]);
                if (m >= 0 && more)
                    *more = m;
            }
            sos_frames_clear(&fr);
        } else {
            break;
        }
    }
    return f->fatal;
}

int sos_follow_sync(sos_follow *f)
{
    int64_t end = sos_now_ms() + SOS_FOLLOW_SYNC_MS;
    bool more = true;
    while (more && !f->fatal && sos_now_ms() < end) {
        if (!f->inflight)
            sos_follow_ask(f);
        more = false;
        bool readable;
        sos_sock *socks[1] = {f->api};
        int n = sos_wire_poll(socks, 1, &readable, end - sos_now_ms());
        if (n <= 0) {
            more = true;
            continue;
        }
        bool m = false;
        (void)sos_follow_read(f, &m);
        more = m || f->inflight;
    }
    return f->fatal;
}

int sos_follow_tick(sos_follow *f, bool bell)
{
    int64_t now = sos_now_ms();
    if (f->inflight && now >= f->inflight_deadline) {
        if (!f->silent_since) {
            f->silent_since = f->inflight_deadline - SOS_FOLLOW_TIMEOUT_MS;
            sos_log_warn("upstream.silent", "upstream=%s endpoint=%s waited_ms=%d action=reconnect",
                         f->upstream, f->api_ep, SOS_FOLLOW_TIMEOUT_MS);
        } else {
            sos_log_debug("follow.timeout", "upstream=%s silent_ms=%lld", f->upstream,
                          (long long)(now - f->silent_since));
        }
        s_reconnect(f);
        if (f->fatal) /* no DEALER to ask on */
            return f->fatal;
    }
    /* a doorbell while a fetch is out may announce an event that fetch was
     * answered without: keep it until the fetch is done, then ask again */
    if (bell && f->inflight)
        f->bell_pending = true;
    if (!f->inflight && (bell || f->bell_pending || now >= f->next_fetch)) {
        f->bell_pending = false;
        sos_follow_ask(f);
    }
    return f->fatal;
}
