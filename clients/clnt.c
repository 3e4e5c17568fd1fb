/* clnt: Lazy Pirate request/reply over the wire layer. */
#include "clnt.h"

#include "envelope.h"

#include <assert.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "log.h"
#include "sign.h"
#include "wire.h"

struct sos_clnt {
    sos_wire *wire;
    sos_sock *sock;
    char *endpoint;
    int timeout_ms, retries;
    size_t request_size; /* the last request's, packed */
    const sos_tkey *own; /* borrowed; NULL: no CURVE */
    uint8_t server_key[SOS_PK_BYTES];
};

int sos_clnt_new(const char *endpoint, int timeout_ms, int retries, sos_clnt **out)
{
    sos_clnt *c = sos_xcalloc(1, sizeof *c);
    c->endpoint = sos_xstrdup(endpoint);
    c->timeout_ms = timeout_ms > 0 ? timeout_ms : 2500;
    c->retries = retries > 0 ? retries : 3;
    if (sos_wire_new(&c->wire) != 0) {
        sos_clnt_destroy(&c);
        return -1;
    }
    *out = c;
    return 0;
}

void sos_clnt_destroy(sos_clnt **cp)
{
    sos_clnt *c = *cp;
    if (!c)
        return;
    sos_sock_destroy(&c->sock);
    sos_wire_destroy(&c->wire);
    free(c->endpoint);
    free(c);
    *cp = NULL;
}

void sos_clnt_curve(sos_clnt *c, const sos_tkey *own, const uint8_t server_key[SOS_PK_BYTES])
{
    c->own = own;
    memcpy(c->server_key, server_key, SOS_PK_BYTES);
    sos_sock_destroy(&c->sock);
}

const char *sos_clnt_endpoint(const sos_clnt *c)
{
    return c->endpoint;
}

size_t sos_clnt_request_size(const sos_clnt *c)
{
    return c->request_size;
}

void sos_clnt_new_id(uint8_t id[SOS_CLNT_ID_BYTES])
{
    _Static_assert(SOS_CLNT_ID_BYTES == SOS_ID_BYTES, "request ids are sos_id_new's");
    sos_id_new(id);
}

int sos_clnt_call(sos_clnt *c, const ProtobufCMessage *req,
                  const ProtobufCMessageDescriptor *reply_desc, ProtobufCMessage **reply)
{
    const ProtobufCFieldDescriptor *fid =
        protobuf_c_message_descriptor_get_field(req->descriptor, 1);
    const ProtobufCBinaryData *rid = (const ProtobufCBinaryData *)((const char *)req + fid->offset);
    sos_buf b = SOS_BUF_INIT;
    int rc = SOS_CLNT_UNREACHABLE;
    sos_buf_pack(&b, req);
    c->request_size = b.len;
    if (b.len > SOS_WIRE_MAX_REQUEST)
        rc = SOS_CLNT_TOO_BIG;
    for (int attempt = 0; attempt < c->retries && rc == SOS_CLNT_UNREACHABLE; attempt++) {
        sos_curve cv = {c->own, c->server_key};
        if (!c->sock && sos_sock_new_curve(c->wire, SOS_SOCK_DEALER, c->endpoint,
                                           c->own ? &cv : NULL, &c->sock) != 0)
            break;
        sos_frame f = {b.data, b.len};
        if (sos_sock_send(c->sock, &f, 1) != 0) {
            sos_sock_destroy(&c->sock);
            continue;
        }
        int64_t end = sos_now_ms() + c->timeout_ms;
        while (rc == SOS_CLNT_UNREACHABLE) {
            int64_t left = end - sos_now_ms();
            bool readable;
            sos_sock *socks[1] = {c->sock};
            if (left <= 0 || sos_wire_poll(socks, 1, &readable, left) <= 0)
                break;
            sos_frames in;
            while (rc == SOS_CLNT_UNREACHABLE && sos_sock_recv(c->sock, &in) == 0) {
                if (in.n == 1) {
                    ProtobufCMessage *m = sos_unpack(reply_desc, in.data[0], in.len[0]);
                    const ProtobufCBinaryData *got =
                        m ? (const ProtobufCBinaryData *)((const char *)m + fid->offset) : NULL;
                    if (!m) {
                        rc = SOS_CLNT_MALFORMED;
                    } else if (got->len == rid->len &&
                               (rid->len == 0 || memcmp(got->data, rid->data, rid->len) == 0)) {
                        *reply = m;
                        rc = SOS_CLNT_OK;
                    } else if (got->len == 0) {
                        /* the service could not read our request id: the
                         * error is ours all the same */
                        *reply = m;
                        rc = SOS_CLNT_OK;
                    } else {
                        protobuf_c_message_free_unpacked(m, NULL); /* stale reply */
                    }
                }
                sos_frames_clear(&in);
            }
        }
        if (rc == SOS_CLNT_UNREACHABLE)
            sos_sock_destroy(&c->sock); /* Lazy Pirate: a new socket per retry */
    }
    sos_buf_free(&b);
    return rc;
}

int sos_clnt_call_id(sos_clnt *c, ProtobufCMessage *req, const uint8_t *id, size_t idlen,
                     const ProtobufCMessageDescriptor *reply_desc, ProtobufCMessage **reply)
{
    const ProtobufCFieldDescriptor *fid =
        protobuf_c_message_descriptor_get_field(req->descriptor, 1);
    ProtobufCBinaryData *rid = (ProtobufCBinaryData *)((char *)req + fid->offset);
    ProtobufCBinaryData was = *rid;
    uint8_t fresh[SOS_CLNT_ID_BYTES];
    if (!id) {
        sos_clnt_new_id(fresh);
        id = fresh;
        idlen = sizeof fresh;
    }
    *rid = (ProtobufCBinaryData){idlen, (uint8_t *)id};
    int rc = sos_clnt_call(c, req, reply_desc, reply);
    *rid = was; /* not left pointing at fresh, gone on return */
    return rc;
}

int sos_clnt_call_oneof(sos_clnt *c, const ProtobufCMessageDescriptor *req_desc, unsigned member,
                        const void *value, const uint8_t *id, size_t idlen,
                        const ProtobufCMessageDescriptor *reply_desc, ProtobufCMessage **reply)
{
    const ProtobufCFieldDescriptor *f = protobuf_c_message_descriptor_get_field(req_desc, member);
    /* a stub naming a member its request does not have as a oneof: a bug */
    assert(f && (f->flags & PROTOBUF_C_FIELD_FLAG_ONEOF) &&
           (f->type == PROTOBUF_C_TYPE_MESSAGE || f->type == PROTOBUF_C_TYPE_STRING));
    ProtobufCMessage *req = sos_xcalloc(1, req_desc->sizeof_message);
    req_desc->message_init(req);
    *(uint32_t *)((char *)req + f->quantifier_offset) = f->id;
    *(const void **)((char *)req + f->offset) = value;
    int rc = sos_clnt_call_id(c, req, id, idlen, reply_desc, reply);
    free(req); /* not protobuf's free: value is the caller's */
    return rc;
}

int sos_clnt_call_editorial(sos_clnt *c, const ProtobufCMessageDescriptor *req_desc,
                            unsigned member, const sos_clnt_editor *ed, Sos__EditorAction *act,
                            const uint8_t *id, size_t idlen,
                            const ProtobufCMessageDescriptor *reply_desc, ProtobufCMessage **reply)
{
    uint8_t fresh[SOS_CLNT_ID_BYTES], sig[SOS_SIG_BYTES];
    sos_buf payload = SOS_BUF_INIT;
    Sos__Signed env;
    ProtobufCBinaryData was_id = act->request_id;
    uint64_t was_at = act->issued_at;
    if (!id) {
        sos_clnt_new_id(fresh);
        id = fresh;
        idlen = sizeof fresh;
    }
    act->request_id = (ProtobufCBinaryData){idlen, (uint8_t *)id};
    act->issued_at = ed->issued_at;
    sos_envelope_seal(&sos_envelope_editorial, ed->key, &act->base, &payload, sig, &env);
    int rc = sos_clnt_call_oneof(c, req_desc, member, &env, id, idlen, reply_desc, reply);
    act->request_id = was_id;
    act->issued_at = was_at;
    sos_buf_free(&payload);
    return rc;
}

int sos_clnt_status(sos_clnt *c, Sos__StatusReply **out)
{
    Sos__StatusRequest r = SOS__STATUS_REQUEST__INIT;
    Sos__Empty empty = SOS__EMPTY__INIT;
    r.status = &empty;
    return sos_clnt_call_id(c, &r.base, NULL, 0, &sos__status_reply__descriptor,
                            (ProtobufCMessage **)out);
}

int sos_clnt_events(sos_clnt *c, uint64_t after, uint32_t max, Sos__EventsReply **out)
{
    Sos__EventsRequest r = SOS__EVENTS_REQUEST__INIT;
    Sos__EventsQuery q = SOS__EVENTS_QUERY__INIT;
    q.after = after;
    q.max = max;
    r.events = &q;
    return sos_clnt_call_id(c, &r.base, NULL, 0, &sos__events_reply__descriptor,
                            (ProtobufCMessage **)out);
}
