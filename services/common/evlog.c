/* evlog: event log, meta values and request ids over the store. */
#include "evlog.h"

#include <stdlib.h>
#include <string.h>

int sos_evlog_head(sos_txn *t, uint64_t *head)
{
    sos_cursor *c = NULL;
    sos_val k;
    int rc = sos_cursor_open(t, SOS_DB_EVENTS, &c);
    if (rc != SOS_OK)
        return rc;
    rc = sos_cursor_last(c, &k, NULL);
    if (rc == SOS_OK && k.len == 8)
        *head = sos_be64_get(k.data);
    else if (rc == SOS_OK)
        rc = sos_store_corrupt("events", k.data, k.len, "the last key is not a sequence number");
    else if (rc == SOS_NOTFOUND) {
        *head = 0;
        rc = SOS_OK;
    }
    sos_cursor_destroy(&c);
    return rc;
}

int sos_evlog_append(sos_txn *t, Sos__Event *ev)
{
    uint64_t head = 0;
    uint8_t key[8];
    sos_buf b = SOS_BUF_INIT;
    int rc = sos_evlog_head(t, &head);
    if (rc != SOS_OK)
        return rc;
    ev->seq = head + 1;
    sos_be64_put(key, ev->seq);
    sos_buf_pack(&b, &ev->base);
    /* An event that does not decode would stop every follower at it for
     * good (protobuf-c keeps an unknown field 0 it cannot read back), so
     * what cannot be read back is never appended. */
    ProtobufCMessage *check = sos_unpack(&sos__event__descriptor, b.data, b.len);
    if (!check) {
        sos_buf_free(&b);
        return SOS_EINVAL;
    }
    protobuf_c_message_free_unpacked(check, NULL);
    rc = sos_txn_append(t, SOS_DB_EVENTS, key, 8, b.data, b.len);
    sos_buf_free(&b);
    return rc;
}

int sos_evlog_page(sos_txn *t, const ProtobufCBinaryData *request_id, uint64_t after, uint32_t max,
                   sos_buf *out)
{
    return sos_evlog_page_checked(t, request_id, after, max, NULL, out);
}

int sos_evlog_page_checked(sos_txn *t, const ProtobufCBinaryData *request_id, uint64_t after,
                           uint32_t max, sos_evlog_check_fn check, sos_buf *out)
{
    Sos__RawEventsReply rep = SOS__RAW_EVENTS_REPLY__INIT;
    Sos__Status st = SOS__STATUS__INIT;
    Sos__RawEventsPage page = SOS__RAW_EVENTS_PAGE__INIT;
    sos_cursor *c = NULL;
    sos_val k, v;
    uint8_t key[8];
    size_t bytes = 0, cap = 0;
    int rc;

    if (max == 0 || max > SOS_EVLOG_PAGE_MAX)
        max = SOS_EVLOG_PAGE_MAX;
    rep.request_id = *request_id;
    rep.status = &st;
    rep.events = &page;
    if ((rc = sos_evlog_head(t, &page.head)) != SOS_OK)
        return rc;
    if (after == UINT64_MAX) { /* nothing can come after it (and after + 1 would wrap) */
        sos_buf_pack(out, &rep.base);
        return SOS_OK;
    }
    if ((rc = sos_cursor_open(t, SOS_DB_EVENTS, &c)) != SOS_OK)
        return rc;
    sos_be64_put(key, after + 1);
    /* Values point into the map: pack before the cursor moves on is not
     * needed, they stay valid for the whole read transaction. */
    for (rc = sos_cursor_seek(c, key, 8, &k, &v); rc == SOS_OK && page.n_events < max;
         rc = sos_cursor_next(c, &k, &v)) {
        if (page.n_events > 0 && bytes + v.len > SOS_EVLOG_PAGE_BYTES)
            break;
        if (check && (rc = check(&k, &v)) != SOS_OK) {
            rc = rc == SOS_NOTFOUND ? SOS_CORRUPT : rc; /* never read as the log's end */
            break;
        }
        if (page.n_events == cap) {
            cap = cap ? cap * 2 : 64;
            ProtobufCBinaryData *ne = realloc(page.events, cap * sizeof *ne);
            if (!ne)
                abort();
            page.events = ne;
        }
        page.events[page.n_events++] = (ProtobufCBinaryData){v.len, (uint8_t *)v.data};
        bytes += v.len;
    }
    if (rc == SOS_NOTFOUND || rc == SOS_OK)
        rc = SOS_OK;
    if (rc == SOS_OK)
        sos_buf_pack(out, &rep.base);
    sos_cursor_destroy(&c);
    free(page.events);
    return rc;
}

int sos_meta_get_u64(sos_txn *t, const char *key, uint64_t *v)
{
    sos_val val;
    int rc = sos_txn_get(t, SOS_DB_META, key, strlen(key), &val);
    if (rc == SOS_NOTFOUND) {
        *v = 0;
        return SOS_OK;
    }
    if (rc == SOS_OK) {
        if (val.len != 8)
            return sos_store_corrupt("meta", key, strlen(key), "value is not a number");
        *v = sos_be64_get(val.data);
    }
    return rc;
}

int sos_meta_put_u64(sos_txn *t, const char *key, uint64_t v)
{
    uint8_t b[8];
    sos_be64_put(b, v);
    return sos_txn_put(t, SOS_DB_META, key, strlen(key), b, 8);
}

int sos_request_find(sos_txn *t, const ProtobufCBinaryData *id, const uint8_t hash[32],
                     sos_val *reply, int *same)
{
    sos_val v;
    int rc = sos_txn_get(t, SOS_DB_REQUESTS, id->data, id->len, &v);
    if (rc != SOS_OK)
        return rc;
    if (v.len < 32)
        return sos_store_corrupt("requests", id->data, id->len, "record shorter than its hash");
    *same = memcmp(v.data, hash, 32) == 0;
    reply->data = (const uint8_t *)v.data + 32;
    reply->len = v.len - 32;
    return SOS_OK;
}

int sos_request_store(sos_txn *t, const ProtobufCBinaryData *id, const uint8_t hash[32],
                      const sos_buf *reply)
{
    sos_buf b = SOS_BUF_INIT;
    sos_buf_append(&b, hash, 32);
    sos_buf_append(&b, reply->data, reply->len);
    int rc = sos_txn_put(t, SOS_DB_REQUESTS, id->data, id->len, b.data, b.len);
    sos_buf_free(&b);
    return rc;
}
