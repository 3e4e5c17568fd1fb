/* follow: a daemon's cursor on its upstream's event log (see svc.h).
 *
 * At start, on a doorbell, every second and on demand, ask the upstream api
 * for the events after the cursor (an EventsRequest: the shape every
 * service answers); apply a page with the cursor in one transaction, so
 * nothing is lost or applied twice; give up on an answer after 3 s and
 * reconnect; halve the page after one that does not decode.
 *
 * The fetch every second is also the heartbeat on the upstream: the first
 * fetch left unanswered logs upstream.silent (warn), the first answer after
 * it upstream.back with how long the silence lasted. */
#include <errno.h>
#include <string.h>
#include <sysexits.h>

#include "log.h"
#include "sign.h"
#include "svc.h"
#include "svc_int.h"
#include "wire.h"

static void s_reconnect(sos_svc *svc)
{
    sos_sock_destroy(&svc->up_api);
    if (svc_connect_up(svc, SOS_SOCK_DEALER, svc->up_endpoint, &svc->up_api) != 0)
        svc->fatal = EX_UNAVAILABLE;
    svc->inflight = false;
}

void svc_follow_ask(sos_svc *svc)
{
    Sos__EventsRequest r = SOS__EVENTS_REQUEST__INIT;
    Sos__EventsQuery q = SOS__EVENTS_QUERY__INIT;
    sos_buf b = SOS_BUF_INIT;
    sos_random(svc->inflight_id, sizeof svc->inflight_id);
    r.request_id = (ProtobufCBinaryData){sizeof svc->inflight_id, svc->inflight_id};
    q.after = svc->cursor;
    q.max = svc->page_max ? svc->page_max : SOS_EVLOG_PAGE_MAX;
    r.events = &q;
    sos_buf_pack(&b, &r.base);
    sos_frame f = {b.data, b.len};
    if (sos_sock_send(svc->up_api, &f, 1) == 0) {
        svc->inflight = true;
        svc->inflight_deadline = sos_now_ms() + S_FETCH_TIMEOUT_MS;
    }
    svc->next_fetch = sos_now_ms() + S_FETCH_EVERY_MS;
    sos_buf_free(&b);
}

/* Apply one page. Returns 1 when more events wait upstream, 0 when caught
 * up, -1 when the reply was not for us or not usable. */
static int s_take(sos_svc *svc, const uint8_t *data, size_t len)
{
    Sos__EventsReply *rep =
        (Sos__EventsReply *)sos_unpack(&sos__events_reply__descriptor, data, len);
    sos_txn *t = NULL;
    int more = -1, rc = SOS_OK;
    if (!rep) {
        /* too big to decode within the budget, or garbage: ask for less */
        svc->page_max = (svc->page_max ? svc->page_max : SOS_EVLOG_PAGE_MAX) / 2;
        if (svc->page_max == 0)
            svc->page_max = 1;
        svc->inflight = false;
        sos_log_warn("follow.malformed", "bytes=%zu next_page_max=%u", len, svc->page_max);
        return -1;
    }
    if (svc->up_silent_since) { /* any answer, even a late one: it is alive */
        sos_log_info("upstream.back", "upstream=%s silent_ms=%lld", svc->spec->upstream,
                     (long long)(sos_now_ms() - svc->up_silent_since));
        svc->up_silent_since = 0;
    }
    if (rep->request_id.len != sizeof svc->inflight_id ||
        memcmp(rep->request_id.data, svc->inflight_id, sizeof svc->inflight_id) != 0)
        goto out; /* a late answer to a question we gave up on */
    svc->inflight = false;
    if (rep->status && rep->status->code != SOS__CODE__CODE_OK) {
        sos_log_warn("follow.refused", "upstream=%s msg=\"%s\"", svc->spec->upstream,
                     rep->status->message);
        goto out;
    }
    if (!rep->events || rep->events->n_events == 0) {
        more = 0;
        goto out;
    }
    for (int attempt = 0; attempt < 8; attempt++) {
        uint64_t cursor = svc->cursor;
        if ((rc = sos_txn_begin(svc->store, true, &t)) != SOS_OK)
            break;
        sos_log_hold(); /* what the page's events log, once it commits */
        for (size_t i = 0; i < rep->events->n_events && rc == SOS_OK; i++) {
            const Sos__Event *ev = rep->events->events[i];
            if (ev->seq <= cursor)
                continue;
            if (ev->seq != cursor + 1)
                sos_log_warn("follow.gap", "expected=%llu got=%llu", (unsigned long long)cursor + 1,
                             (unsigned long long)ev->seq);
            rc = svc->spec->apply(svc, t, ev);
            if (rc == SOS_EINVAL) { /* a record no store can key: skip it, say so */
                sos_log_error("follow.bad_event", "upstream=%s seq=%llu kind=%d action=skip",
                              svc->spec->upstream, (unsigned long long)ev->seq, ev->kind_case);
                rc = SOS_OK;
            }
            cursor = ev->seq;
        }
        if (rc == SOS_OK)
            rc = sos_meta_put_u64(t, "cursor", cursor);
        if (rc == SOS_OK)
            rc = sos_txn_commit(&t);
        sos_log_release(rc == SOS_OK);
        if (rc == SOS_OK) {
            sos_log_debug("follow.applied", "upstream=%s cursor=%llu", svc->spec->upstream,
                          (unsigned long long)cursor);
            svc->cursor = cursor;
            more = cursor < rep->events->head;
            break;
        }
        sos_txn_abort(&t);
        if (rc == SOS_MAPFULL && sos_store_grow(svc->store) == SOS_OK)
            continue;
        break;
    }
    if (rc != SOS_OK) {
        sos_log_error("follow.store", "rc=%d msg=\"%s\"", rc, sos_store_errstr(rc));
        if (rc != SOS_FULL && rc != SOS_MAPFULL)
            svc->fatal = EX_IOERR;
        more = -1;
    }
out:
    protobuf_c_message_free_unpacked(&rep->base, NULL);
    return more;
}

void svc_follow_read(sos_svc *svc, bool *more)
{
    sos_frames f;
    int rc;
    while ((rc = sos_sock_recv(svc->up_api, &f)) != 1) {
        if (rc == 0) {
            if (f.n == 1) {
                int m = s_take(svc, f.data[0], f.len[0]);
                if (m >= 0 && more)
                    *more = m;
            }
            sos_frames_clear(&f);
        } else {
            break;
        }
    }
}

/* Catch up now, within S_SYNC_BUDGET_MS: a request is waiting on it. */
void svc_follow_sync(sos_svc *svc)
{
    int64_t end = sos_now_ms() + S_SYNC_BUDGET_MS;
    bool more = true;
    while (more && !svc->fatal && sos_now_ms() < end) {
        if (!svc->inflight)
            svc_follow_ask(svc);
        more = false;
        bool readable;
        sos_sock *socks[1] = {svc->up_api};
        int n = sos_wire_poll(socks, 1, &readable, end - sos_now_ms());
        if (n <= 0) {
            more = true;
            continue;
        }
        bool m = false;
        svc_follow_read(svc, &m);
        more = m || svc->inflight;
    }
    svc_publish(svc);
}

void svc_follow_tick(sos_svc *svc, bool bell)
{
    int64_t now = sos_now_ms();
    if (svc->inflight && now >= svc->inflight_deadline) {
        if (!svc->up_silent_since) {
            svc->up_silent_since = svc->inflight_deadline - S_FETCH_TIMEOUT_MS;
            sos_log_warn("upstream.silent", "upstream=%s endpoint=%s waited_ms=%d action=reconnect",
                         svc->spec->upstream, svc->up_endpoint, S_FETCH_TIMEOUT_MS);
        } else {
            sos_log_debug("follow.timeout", "upstream=%s silent_ms=%lld", svc->spec->upstream,
                          (long long)(now - svc->up_silent_since));
        }
        s_reconnect(svc);
    }
    /* a doorbell while a fetch is out may announce an event that fetch was
     * answered without: keep it until the fetch is done, then ask again */
    if (bell && svc->inflight)
        svc->bell_pending = true;
    if (!svc->inflight && (bell || svc->bell_pending || now >= svc->next_fetch)) {
        svc->bell_pending = false;
        svc_follow_ask(svc);
    }
}
