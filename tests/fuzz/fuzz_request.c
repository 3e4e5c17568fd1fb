/* fuzz_request: the bytes of an api frame, for each service's request type.
 *
 * Input: byte 0 selects the service (low two bits: submission, scoring,
 * aggregation, publishing); the rest is the frame. The frame is decoded
 * with sos_unpack (the budgeted allocator the skeleton uses); when it
 * parses and its request_id is 1 to 64 bytes (the skeleton refuses others
 * before any rule runs), the daemon's own handler (spec->handle, on a
 * detached skeleton) runs in a write transaction on that daemon's store of
 * the fuzz world, and the transaction is aborted so every input sees the
 * same store. Events queries run sos_evlog_page, which is what the skeleton
 * answers them with. */
#include <stdio.h>
#include <string.h>

#include "fuzz_common.h"
#include "svc.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void s_events(sos_txn *t, const ProtobufCBinaryData *rid, const Sos__EventsQuery *q,
                     sos_buf *out)
{
    if (sos_evlog_page(t, rid, q->after, q->max, out) == SOS_OK) {
        ProtobufCMessage *back = sos_unpack(&sos__events_reply__descriptor, out->data, out->len);
        fz_check(back != NULL, "an events page decodes as EventsReply");
        protobuf_c_message_free_unpacked(back, NULL);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const sos_svc_spec *const specs[4] = {&submission_spec, &scoring_spec, &aggregation_spec,
                                                 &publishing_spec};
    fz_world *w = fz_world_get();
    if (size < 1)
        return 0;
    unsigned which = data[0] & 3;
    const sos_svc_spec *spec = specs[which];
    sos_store *stores[4] = {w->sub, w->score, w->agg, w->pub};
    sos_buf out = SOS_BUF_INIT;

    ProtobufCMessage *req = sos_unpack(spec->request, data + 1, size - 1);
    if (!req) {
        sos_svc_error_reply(NULL, SOS__CODE__CODE_BAD_REQUEST, "malformed request", &out);
        sos_buf_free(&out);
        return 0;
    }
    /* field 1 of every request is request_id (the skeleton asserts it) */
    const ProtobufCFieldDescriptor *f = protobuf_c_message_descriptor_get_field(spec->request, 1);
    fz_check(f && f->type == PROTOBUF_C_TYPE_BYTES, "request_id field");
    const ProtobufCBinaryData *rid = (const ProtobufCBinaryData *)((const char *)req + f->offset);
    if (rid->len == 0 || rid->len > 64) {
        sos_svc_error_reply(rid, SOS__CODE__CODE_BAD_REQUEST, "request_id must be 1 to 64 bytes",
                            &out);
    } else {
        sos_txn *t = fz_begin(stores[which]);
        /* events queries are the skeleton's; everything else the daemon's
         * own handler, as the service loop calls it */
        const ProtobufCFieldDescriptor *fe =
            protobuf_c_message_descriptor_get_field(spec->request, 10);
        const char *base = (const char *)req;
        if (fe && *(const uint32_t *)(base + fe->quantifier_offset) == fe->id) {
            s_events(t, rid, *(const Sos__EventsQuery *const *)(base + fe->offset), &out);
        } else {
            void *apps[4] = {NULL, &w->rules, &w->agg_state, NULL};
            sos_svc *svc = sos_svc_detached_new(spec, apps[which]);
            int rc = spec->handle(svc, t, req, &out);
            fz_check(rc != SOS_SVC_SYNC, "no catch-up without an upstream");
            if (out.len) { /* a client must be able to read whatever comes back */
                ProtobufCMessage *back =
                    sos_unpack(&sos__error_reply__descriptor, out.data, out.len);
                fz_check(back != NULL, "a reply decodes");
                protobuf_c_message_free_unpacked(back, NULL);
            }
            sos_svc_detached_destroy(&svc);
        }
        /* the request-id record the skeleton keeps beside a committed write */
        if (out.len) {
            uint8_t hash[SOS_HASH_BYTES];
            sos_hash(data + 1, size - 1, hash);
            (void)sos_request_store(t, rid, hash, &out);
        }
        sos_txn_abort(&t);
    }
    protobuf_c_message_free_unpacked(req, NULL);
    sos_buf_free(&out);
    return 0;
}
