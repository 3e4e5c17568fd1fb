/* rules: shared validation and outcome mapping. */
#include "rules.h"

#include <string.h>

#include "svc.h"
#include "text.h"

int sos_rules_text(sos_status *st, const char *field, const char *s, size_t min, size_t max)
{
    size_t n = s ? strlen(s) : 0;
    if (n < min)
        return sos_fail(st, SOS__CODE__CODE_BAD_REQUEST, "%s must not be empty", field);
    if (n > max)
        return sos_fail(st, SOS__CODE__CODE_BAD_REQUEST, "%s is longer than %zu bytes", field, max);
    if (n && !sos_text_valid(s, n))
        return sos_fail(st, SOS__CODE__CODE_BAD_REQUEST,
                        "%s is not valid UTF-8 text (or holds control characters)", field);
    return 0;
}

int sos_rules_id(sos_status *st, const char *field, const char *id)
{
    return sos_rules_text(st, field, id, 1, 127);
}

void sos_rules_status(int rc, const sos_status *st, Sos__Status *out)
{
    out->code = rc > 0 ? st->code : SOS__CODE__CODE_OK;
    out->message = rc > 0 ? (char *)st->msg : (char *)"";
}

int sos_rules_verb(int rc)
{
    if (rc < 0)
        return rc;
    return rc == 0 ? SOS_SVC_COMMIT : SOS_SVC_ABORT;
}

#include <stdlib.h>

#include "buf.h"
#include "log.h"

/* Collects values from the cursor's position: every one under prefix
 * (plen > 0), or up to max (max > 0, setting *more). */
static int s_collect(sos_cursor *c, int rc, sos_val k, sos_val v, sos_db db,
                     const ProtobufCMessageDescriptor *d, const void *prefix, size_t plen,
                     size_t max, ProtobufCMessage ***out, size_t *n, bool *more)
{
    ProtobufCMessage **list = NULL;
    size_t cap = 0;
    for (; rc == SOS_OK; rc = sos_cursor_next(c, &k, &v)) {
        if (plen && (k.len < plen || memcmp(k.data, prefix, plen) != 0))
            break;
        if (max && *n == max) {
            *more = true;
            break;
        }
        ProtobufCMessage *m = sos_unpack(d, v.data, v.len);
        if (!m) {
            sos_log_error("store.corrupt", "db=%u type=%s", db, d->name);
            continue;
        }
        if (*n == cap) {
            cap = cap ? cap * 2 : 16;
            ProtobufCMessage **nl = realloc(list, cap * sizeof *nl);
            if (!nl)
                abort();
            list = nl;
        }
        list[(*n)++] = m;
    }
    if (rc == SOS_NOTFOUND || rc == SOS_OK) {
        *out = list;
        return SOS_OK;
    }
    sos_rules_list_free(list, *n);
    *n = 0;
    return rc;
}

int sos_rules_list(sos_txn *t, sos_db db, const ProtobufCMessageDescriptor *d, const void *prefix,
                   size_t plen, ProtobufCMessage ***out, size_t *n)
{
    sos_cursor *c = NULL;
    sos_val k = {0}, v = {0};
    bool more = false;
    int rc = sos_cursor_open(t, db, &c);
    *out = NULL;
    *n = 0;
    if (rc != SOS_OK)
        return rc;
    rc = sos_cursor_seek(c, plen ? prefix : NULL, plen, &k, &v);
    rc = s_collect(c, rc, k, v, db, d, prefix, plen, 0, out, n, &more);
    sos_cursor_destroy(&c);
    return rc;
}

int sos_rules_page(sos_txn *t, sos_db db, const ProtobufCMessageDescriptor *d, const void *after,
                   size_t alen, size_t max, ProtobufCMessage ***out, size_t *n, bool *more)
{
    sos_cursor *c = NULL;
    sos_val k = {0}, v = {0};
    int rc = sos_cursor_open(t, db, &c);
    *out = NULL;
    *n = 0;
    *more = false;
    if (rc != SOS_OK)
        return rc;
    rc = sos_cursor_seek(c, alen ? after : NULL, alen, &k, &v);
    if (rc == SOS_OK && alen && k.len == alen && memcmp(k.data, after, alen) == 0)
        rc = sos_cursor_next(c, &k, &v); /* strictly after */
    rc = s_collect(c, rc, k, v, db, d, NULL, 0, max ? max : 1, out, n, more);
    sos_cursor_destroy(&c);
    return rc;
}

void sos_rules_list_free(ProtobufCMessage **list, size_t n)
{
    for (size_t i = 0; i < n; i++)
        protobuf_c_message_free_unpacked(list[i], NULL);
    free(list);
}

ProtobufCMessage *sos_rules_get(sos_txn *t, sos_db db, const ProtobufCMessageDescriptor *d,
                                const void *k, size_t kl)
{
    sos_val v;
    if (sos_txn_get(t, db, k, kl, &v) != SOS_OK)
        return NULL;
    return sos_unpack(d, v.data, v.len);
}

size_t sos_rules_latest_key(char *out, const char *tool, int persona)
{
    size_t n = strlen(tool);
    memcpy(out, tool, n);
    out[n] = '\0';
    out[n + 1] = (char)persona;
    return n + 2;
}

void sos_rules_latest_pack(uint8_t out[SOS_RULES_LATEST_BYTES], uint32_t revision,
                           const uint8_t hash[32], uint64_t seq)
{
    sos_be32_put(out, revision);
    memcpy(out + 4, hash, 32);
    sos_be64_put(out + 4 + 32, seq);
}

int sos_rules_latest_hashes(sos_txn *t, sos_db db, const char *tool, uint8_t hashes[5][32],
                            ProtobufCBinaryData bin[5], size_t *n)
{
    char key[160];
    sos_val v;
    *n = 0;
    if (strlen(tool) + 2 > sizeof key)
        return SOS_EINVAL;
    for (int p = SOS__PERSONA__PERSONA_BUILDER; p <= SOS__PERSONA__PERSONA_CREATOR; p++) {
        size_t kl = sos_rules_latest_key(key, tool, p);
        int rc = sos_txn_get(t, db, key, kl, &v);
        if (rc == SOS_NOTFOUND)
            continue;
        if (rc)
            return rc;
        if (v.len != SOS_RULES_LATEST_BYTES && v.len != SOS_RULES_LATEST_V0_BYTES)
            return SOS_EIO;
        memcpy(hashes[*n], (const uint8_t *)v.data + 4, 32);
        bin[*n] = (ProtobufCBinaryData){32, hashes[*n]};
        (*n)++;
    }
    return 0;
}

int sos_rules_put(sos_txn *t, sos_db db, const void *k, size_t kl, const ProtobufCMessage *msg)
{
    sos_buf b = SOS_BUF_INIT;
    sos_buf_pack(&b, msg);
    int rc = sos_txn_put(t, db, k, kl, b.data, b.len);
    sos_buf_free(&b);
    return rc;
}
