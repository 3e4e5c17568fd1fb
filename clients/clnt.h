/* clnt: a request/reply client to one service, with Lazy Pirate retries.
 *
 * A call sends the request on a DEALER socket and waits timeout_ms for the
 * reply carrying the same request id; on silence it throws the socket away,
 * opens a new one and sends the same bytes again, up to retries times. The
 * services keep request ids, so a retry never makes a duplicate: the same
 * bytes get the first answer back. */
#ifndef SOS_CLNT_H
#define SOS_CLNT_H

#include <stddef.h>
#include <stdint.h>
#include <protobuf-c/protobuf-c.h>

#include "sign.h"
#include "sos.pb-c.h"

enum {
    SOS_CLNT_OK = 0,
    SOS_CLNT_UNREACHABLE = -1, /* no answer after every retry */
    SOS_CLNT_MALFORMED = -2,   /* an answer that does not parse */
    SOS_CLNT_TOO_BIG = -3,     /* the request packs to over SOS_WIRE_MAX_REQUEST: not sent */
};

#define SOS_CLNT_ID_BYTES 16

typedef struct sos_clnt sos_clnt;

/* endpoint is copied. *out is the caller's: sos_clnt_destroy. */
int sos_clnt_new(const char *endpoint, int timeout_ms, int retries, sos_clnt **out);
void sos_clnt_destroy(sos_clnt **c);
/* Borrowed, valid while c lives. */
const char *sos_clnt_endpoint(const sos_clnt *c);
/* The packed size of the last request c was given, sent or not (what
 * SOS_CLNT_TOO_BIG refers to); 0 before the first. */
size_t sos_clnt_request_size(const sos_clnt *c);
/* CURVE for a tcp:// endpoint (wire.h): own is borrowed and must outlive
 * c; server_key (the service's public transport key) is copied. */
void sos_clnt_curve(sos_clnt *c, const sos_tkey *own, const uint8_t server_key[SOS_PK_BYTES]);

/* req's field 1 (request_id) must be set. On SOS_CLNT_OK *reply is an
 * unpacked reply_desc message the caller frees with
 * protobuf_c_message_free_unpacked(*reply, NULL). A request over
 * SOS_WIRE_MAX_REQUEST packed is SOS_CLNT_TOO_BIG and never sent: the
 * service's socket would drop it, and the caller would wait every retry
 * for an answer that cannot come. */
int sos_clnt_call(sos_clnt *c, const ProtobufCMessage *req,
                  const ProtobufCMessageDescriptor *reply_desc, ProtobufCMessage **reply);
/* sos_clnt_call with req's field 1 (request_id) set for the call to id,
 * idlen (borrowed), or to a fresh id when id is NULL; field 1 is put back
 * as it was before returning. What every stub's typed call comes down to. */
int sos_clnt_call_id(sos_clnt *c, ProtobufCMessage *req, const uint8_t *id, size_t idlen,
                     const ProtobufCMessageDescriptor *reply_desc, ProtobufCMessage **reply);

/* sos_clnt_call_id for a request of req_desc (a service's XRequest)
 * whose oneof member number `member` (a message or a string field) is set
 * to value, borrowed for the call: what a stub's typed call comes down to,
 * so that the member and its case can never disagree. */
int sos_clnt_call_oneof(sos_clnt *c, const ProtobufCMessageDescriptor *req_desc, unsigned member,
                        const void *value, const uint8_t *id, size_t idlen,
                        const ProtobufCMessageDescriptor *reply_desc, ProtobufCMessage **reply);

/* Who signs an editorial request, and when: key is borrowed for the call;
 * issued_at is the EditorAction's (Unix seconds; 0 where a request must be
 * the same bytes on every run, as sos import's are). */
typedef struct {
    const sos_key *key;
    uint64_t issued_at;
} sos_clnt_editor;

/* An editor's signed request: act (its oneof set by the caller; borrowed,
 * its request_id and issued_at are set for the call and put back) gets
 * the call's request id (id, idlen; NULL: a fresh one) and ed->issued_at,
 * is sealed with ed->key under the editorial domain (envelope.h) and sent
 * as req_desc's oneof member number `member` (a Signed). As
 * sos_clnt_call_oneof otherwise. */
int sos_clnt_call_editorial(sos_clnt *c, const ProtobufCMessageDescriptor *req_desc,
                            unsigned member, const sos_clnt_editor *ed, Sos__EditorAction *act,
                            const uint8_t *id, size_t idlen,
                            const ProtobufCMessageDescriptor *reply_desc, ProtobufCMessage **reply);

/* The queries every service answers. *out: free with the matching
 * sos__*__free_unpacked. */
int sos_clnt_status(sos_clnt *c, Sos__StatusReply **out);
int sos_clnt_events(sos_clnt *c, uint64_t after, uint32_t max, Sos__EventsReply **out);

/* A fresh request id: time-ordered, 80 random bits (sos_id_new). */
void sos_clnt_new_id(uint8_t id[SOS_CLNT_ID_BYTES]);

#endif
