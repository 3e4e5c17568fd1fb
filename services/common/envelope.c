/* envelope: Signed envelopes made and opened by one set of rules. See
 * envelope.h. */
#include "envelope.h"

#include <assert.h>
#include <stdio.h>
#include <string.h>

#include "wire.h"

const sos_envelope_kind sos_envelope_take = {"take", SOS_DOMAIN_TAKE, &sos__take_body__descriptor,
                                             SOS_ENVELOPE_TAKE_MAX};
const sos_envelope_kind sos_envelope_verdict = {
    "verdict", SOS_DOMAIN_VERDICT, &sos__verdict_body__descriptor, SOS_WIRE_MAX_REQUEST};

void sos_envelope_seal(const sos_envelope_kind *kind, const sos_key *k,
                       const ProtobufCMessage *body, sos_buf *payload, uint8_t sig[SOS_SIG_BYTES],
                       Sos__Signed *env)
{
    assert(body->descriptor == kind->body); /* the wrong message for this kind: a bug */
    sos_buf_pack(payload, body);
    sos_sign(k, kind->domain, payload->data, payload->len, sig);
    *env = (Sos__Signed)SOS__SIGNED__INIT;
    env->payload = (ProtobufCBinaryData){payload->len, payload->data};
    env->signer = (ProtobufCBinaryData){SOS_PK_BYTES, (uint8_t *)sos_key_public(k)};
    env->signature = (ProtobufCBinaryData){SOS_SIG_BYTES, sig};
}

static int s_shape(const sos_envelope_kind *kind, const Sos__Signed *env)
{
    if (env->signer.len != SOS_PK_BYTES || env->signature.len != SOS_SIG_BYTES)
        return SOS_ENVELOPE_KEYSIZE;
    if (env->payload.len == 0 || env->payload.len > kind->max_payload)
        return SOS_ENVELOPE_SIZE;
    if (env->base.n_unknown_fields)
        return SOS_ENVELOPE_UNKNOWN;
    return SOS_ENVELOPE_OK;
}

int sos_envelope_verify(const sos_envelope_kind *kind, const Sos__Signed *env)
{
    int rc = s_shape(kind, env);
    if (rc != SOS_ENVELOPE_OK)
        return rc;
    if (sos_verify(env->signer.data, kind->domain, env->payload.data, env->payload.len,
                   env->signature.data) != 0)
        return SOS_ENVELOPE_FORGED;
    return SOS_ENVELOPE_OK;
}

static bool s_canonical(const ProtobufCMessage *m, const ProtobufCBinaryData *bytes)
{
    sos_buf b = SOS_BUF_INIT;
    sos_buf_pack(&b, m);
    bool same = b.len == bytes->len && memcmp(b.data, bytes->data, b.len) == 0;
    sos_buf_free(&b);
    return same;
}

int sos_envelope_open(const sos_envelope_kind *kind, const Sos__Signed *env, bool verified,
                      ProtobufCMessage **body)
{
    ProtobufCMessage *m = NULL;
    int rc = verified ? s_shape(kind, env) : sos_envelope_verify(kind, env);
    *body = NULL;
    if (rc != SOS_ENVELOPE_OK)
        goto out;
    m = sos_unpack(kind->body, env->payload.data, env->payload.len);
    if (!m) {
        rc = SOS_ENVELOPE_UNDECODABLE;
        goto out;
    }
    if (m->n_unknown_fields) {
        rc = SOS_ENVELOPE_EXTRA;
        goto out;
    }
    if (!s_canonical(m, &env->payload)) {
        rc = SOS_ENVELOPE_NONCANONICAL;
        goto out;
    }
    *body = m;
    m = NULL;
out:
    if (m)
        protobuf_c_message_free_unpacked(m, NULL);
    return rc;
}

void sos_envelope_describe(const sos_envelope_kind *kind, int rc, char *out, size_t cap)
{
    switch (rc) {
    case SOS_ENVELOPE_OK: snprintf(out, cap, "%s envelope is sound", kind->name); break;
    case SOS_ENVELOPE_KEYSIZE:
        snprintf(out, cap, "signer must be %d bytes, signature %d", SOS_PK_BYTES, SOS_SIG_BYTES);
        break;
    case SOS_ENVELOPE_SIZE:
        snprintf(out, cap, "%s payload must be 1 to %zu bytes", kind->name, kind->max_payload);
        break;
    case SOS_ENVELOPE_UNKNOWN: snprintf(out, cap, "signed envelope carries unknown fields"); break;
    case SOS_ENVELOPE_FORGED: snprintf(out, cap, "%s signature does not verify", kind->name); break;
    case SOS_ENVELOPE_UNDECODABLE:
        snprintf(out, cap, "%s payload is not a %s", kind->name, kind->body->short_name);
        break;
    case SOS_ENVELOPE_EXTRA:
        snprintf(out, cap, "%s payload carries unknown fields", kind->name);
        break;
    case SOS_ENVELOPE_NONCANONICAL:
        snprintf(out, cap,
                 "%s payload is not in canonical form (a NUL inside a string, a field given "
                 "twice or a default value written out)",
                 kind->name);
        break;
    default: snprintf(out, cap, "%s envelope: unknown error %d", kind->name, rc); break;
    }
}
