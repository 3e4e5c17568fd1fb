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
const sos_envelope_kind sos_envelope_editorial = {
    "editorial", SOS_DOMAIN_EDITORIAL, &sos__editor_action__descriptor, SOS_WIRE_MAX_REQUEST};
const sos_envelope_kind sos_envelope_tally = {"tally", SOS_DOMAIN_TALLY,
                                              &sos__tally_body__descriptor, SOS_ENVELOPE_TALLY_MAX};

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

/* Unknown fields in m or in any message inside it. */
static bool s_unknown_anywhere(const ProtobufCMessage *m)
{
    const ProtobufCMessageDescriptor *d = m->descriptor;
    const char *base = (const char *)m;
    if (m->n_unknown_fields)
        return true;
    for (unsigned i = 0; i < d->n_fields; i++) {
        const ProtobufCFieldDescriptor *f = &d->fields[i];
        if (f->type != PROTOBUF_C_TYPE_MESSAGE)
            continue;
        if (f->label == PROTOBUF_C_LABEL_REPEATED) {
            size_t n = *(const size_t *)(base + f->quantifier_offset);
            ProtobufCMessage *const *v = *(ProtobufCMessage *const *const *)(base + f->offset);
            for (size_t k = 0; k < n; k++)
                if (v[k] && s_unknown_anywhere(v[k]))
                    return true;
            continue;
        }
        if ((f->flags & PROTOBUF_C_FIELD_FLAG_ONEOF) &&
            *(const uint32_t *)(base + f->quantifier_offset) != f->id)
            continue; /* another member of the oneof is set */
        const ProtobufCMessage *sub = *(ProtobufCMessage *const *)(base + f->offset);
        if (sub && s_unknown_anywhere(sub))
            return true;
    }
    return false;
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
    if (s_unknown_anywhere(m)) {
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

int sos_envelope_open_verdict(const Sos__Verdict *v, const char *tool_id, bool verified,
                              Sos__VerdictBody **body, char *why, size_t cap)
{
    ProtobufCMessage *m = NULL;
    Sos__VerdictBody *b = NULL;
    int rc;
    if (body)
        *body = NULL;
    if (!v || !v->verdict) {
        rc = SOS_ENVELOPE_MISSING;
        snprintf(why, cap, "no signed envelope");
        goto out;
    }
    if ((rc = sos_envelope_open(&sos_envelope_verdict, v->verdict, verified, &m)) !=
        SOS_ENVELOPE_OK) {
        sos_envelope_describe(&sos_envelope_verdict, rc, why, cap);
        goto out;
    }
    b = (Sos__VerdictBody *)m;
    if (tool_id && strcmp(b->tool_id, tool_id) != 0) {
        rc = SOS_ENVELOPE_MISMATCH;
        snprintf(why, cap, "verdict is for another tool than its key");
        goto out;
    }
    if (b->n_take_hashes != v->n_takes) {
        rc = SOS_ENVELOPE_MISMATCH;
        snprintf(why, cap, "verdict lists another number of takes than it carries");
        goto out;
    }
    for (size_t i = 0; i < v->n_takes; i++) {
        ProtobufCMessage *t = NULL;
        int trc = v->takes[i] ? sos_envelope_open(&sos_envelope_take, v->takes[i], verified, &t)
                              : SOS_ENVELOPE_UNDECODABLE;
        if (t)
            protobuf_c_message_free_unpacked(t, NULL);
        if (trc != SOS_ENVELOPE_OK) {
            char twhy[200];
            rc = SOS_ENVELOPE_TAKE;
            sos_envelope_describe(&sos_envelope_take, trc, twhy, sizeof twhy);
            snprintf(why, cap, "counted take %zu: %s", i + 1, twhy);
            goto out;
        }
    }
    if (body) {
        *body = b;
        b = NULL;
    }
out:
    if (b)
        sos__verdict_body__free_unpacked(b, NULL);
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
    case SOS_ENVELOPE_MISSING: snprintf(out, cap, "no signed envelope"); break;
    case SOS_ENVELOPE_MISMATCH:
        snprintf(out, cap, "%s is not the one its record names", kind->name);
        break;
    case SOS_ENVELOPE_TAKE: snprintf(out, cap, "a counted take does not open"); break;
    default: snprintf(out, cap, "%s envelope: unknown error %d", kind->name, rc); break;
    }
}
