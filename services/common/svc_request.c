/* svc_request: one request's decision (svc.h, svc_int.h): decode, role
 * check, events and status queries, idempotency by request id, the
 * catch-up with upstream that handle() may ask for, map growth, and the
 * error replies. svc_batch.c hands each request here, into its batch's
 * transaction when it can join one (svc_request_batched), else to run
 * alone (svc_request_run).
 *
 * A write request's id is looked up before handle() runs: the same bytes
 * again get the stored reply, other bytes under the same id get CONFLICT
 * (s_request_known, on both paths). A committed write stores its id with
 * its reply in the same transaction; a refused one is not remembered.
 */
#include <stdio.h>
#include <string.h>
#include <sysexits.h>

#include "evlog.h"
#include "log.h"
#include "sign.h"
#include "svc.h"
#include "svc_int.h"
#include "wire.h"

#define S_MAX_ID 64

/* handle() returns a verb (>= 0) or a store code: they must not overlap */
_Static_assert(SOS_NOTFOUND < 0 && SOS_MAPFULL < 0 && SOS_FULL < 0 && SOS_EIO < 0 &&
                   SOS_EINVAL < 0 && SOS_NOSPACE < 0,
               "store codes are negative");

/* Refuses a write the full disk had no room for: nothing of it was
 * written, and the client files the same request id again later, so it
 * is written once. The first refusal of an episode logs store.disk_full. */
static void s_refuse_full(sos_svc *svc, const ProtobufCBinaryData *rid, sos_buf *out)
{
    if (!svc->disk_full_since) {
        svc->disk_full_since = sos_now_ms();
        sos_log_error("store.disk_full", "service=%s msg=\"%s\" action=refuse_writes",
                      svc->spec->name, sos_store_errstr(SOS_NOSPACE));
    }
    svc->disk_full_refused++;
    sos_buf_reset(out);
    sos_svc_error_reply(rid, SOS__CODE__CODE_UNAVAILABLE,
                        "the store's disk is full; free space and retry", out);
}

void svc_request_refuse_full(sos_svc *svc, const sos_frames *f, sos_buf *out)
{
    ProtobufCMessage *req = f->len[1] > SOS_WIRE_MAX_REQUEST
                                ? NULL
                                : sos_unpack(svc->spec->request, f->data[1], f->len[1]);
    ProtobufCBinaryData rid = {0, NULL};
    if (req)
        rid = *(const ProtobufCBinaryData *)((const char *)req + svc->f_id->offset);
    s_refuse_full(svc, req ? &rid : NULL, out);
    protobuf_c_message_free_unpacked(req, NULL);
}

void svc_request_disk_ok(sos_svc *svc)
{
    if (!svc->disk_full_since)
        return;
    sos_log_info("store.disk_ok", "service=%s full_ms=%lld refused=%llu", svc->spec->name,
                 (long long)(sos_now_ms() - svc->disk_full_since),
                 (unsigned long long)svc->disk_full_refused);
    svc->disk_full_since = 0;
    svc->disk_full_refused = 0;
}

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
    /* the gateway may make only what a spec names it for (community's
     * votes, tallies and subscriptions), never what "any" allows */
    if (need == SOS_ROLE_ANY)
        need &= ~(unsigned)SOS_ROLE_GATEWAY;
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
    info.cursor = svc->follow ? sos_follow_cursor(svc->follow) : 0;
    info.version = (char *)SOS_VERSION;
    r.request_id = *rid;
    r.status = &st;
    r.info = &info;
    sos_buf_pack(out, &r.base);
    return SOS_OK;
}

/* Whether request id rid is taken, inside t. SOS_OK: it is, and out
 * holds the answer: the stored reply when hash is that request's (a retry:
 * *replayed), CONFLICT otherwise. SOS_NOTFOUND: a new id. Another code:
 * the store failed. */
static int s_request_known(sos_txn *t, const ProtobufCBinaryData *rid,
                           const uint8_t hash[SOS_HASH_BYTES], sos_buf *out, bool *replayed)
{
    sos_val prev;
    int same = 0;
    int rc = sos_request_find(t, rid, hash, &prev, &same);
    *replayed = false;
    if (rc != SOS_OK)
        return rc;
    sos_buf_reset(out);
    if (same) {
        sos_buf_append(out, prev.data, prev.len);
        *replayed = true;
    } else {
        sos_svc_error_reply(rid, SOS__CODE__CODE_CONFLICT,
                            "request id already used for a different request", out);
    }
    return SOS_OK;
}

/* Catch up with upstream now: handle() asked (SOS_SVC_SYNC). */
static void s_catch_up(sos_svc *svc)
{
    int rc = sos_follow_sync(svc->follow);
    if (rc != 0)
        svc->fatal = rc;
    svc_publish(svc);
}

bool svc_request_batched(sos_svc *svc, sos_txn *batch, const sos_frames *f,
                         const ProtobufCMessage *req, int prep, sos_buf *out)
{
    uint8_t hash[SOS_HASH_BYTES];
    sos_txn *t = NULL;
    bool done = false, replayed;
    int rc;
    if (!req)
        return false; /* over the limit or malformed: svc_request_run answers it */
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
    rc = s_request_known(t, &rid, hash, out, &replayed);
    if (rc == SOS_OK) {
        done = true;
        goto out;
    }
    if (rc != SOS_NOTFOUND)
        goto out;
    svc->synced = false;
    sos_buf_reset(out);
    svc->peer = &f->peer;
    svc->prep = prep;
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

void svc_request_run(sos_svc *svc, const sos_frames *f, sos_buf *out)
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
            rc = sos_evlog_page_checked(t, &rid, q->after, q->max, svc->spec->event_check, out);
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
            bool replayed;
            sos_log_hold(); /* released once the commit has returned */
            rc = s_request_known(t, &rid, hash, out, &replayed);
            if (rc == SOS_OK) {
                if (replayed)
                    sos_log_info("request.repeat", "replayed=1");
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
            if (svc->follow)
                s_catch_up(svc);
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
                    svc_request_disk_ok(svc);
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
    } else if (rc == SOS_NOSPACE) {
        /* the commit's pages did not fit: the meta page was not written,
         * the store is as it was (store.h), the daemon goes on */
        s_refuse_full(svc, &rid, out);
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
