/* editors: the editors registry's shared rules. See editors.h. */
#include "editors.h"

#include <assert.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "envelope.h"
#include "rules.h"

void sos_editors_short(const uint8_t pk[SOS_PK_BYTES], char out[SOS_EDITORS_SHORT])
{
    char hex[2 * SOS_PK_BYTES + 1];
    sos_hex(pk, SOS_PK_BYTES, hex);
    snprintf(out, SOS_EDITORS_SHORT, "%.8s\xe2\x80\xa6%.4s", hex, hex + 2 * SOS_PK_BYTES - 4);
}

int sos_editors_open(const Sos__Signed *env, const ProtobufCBinaryData *rid,
                     Sos__EditorAction **act, sos_status *st)
{
    ProtobufCMessage *m = NULL;
    Sos__EditorAction *a;
    int rc;
    *act = NULL;
    if (!env)
        return sos_fail(st, SOS__CODE__CODE_BAD_REQUEST, "no signed editorial action");
    rc = sos_envelope_open(&sos_envelope_editorial, env, false, &m);
    if (rc != SOS_ENVELOPE_OK) {
        char why[256];
        sos_envelope_describe(&sos_envelope_editorial, rc, why, sizeof why);
        return sos_fail(
            st, rc == SOS_ENVELOPE_FORGED ? SOS__CODE__CODE_FORBIDDEN : SOS__CODE__CODE_BAD_REQUEST,
            "%s", why);
    }
    a = (Sos__EditorAction *)m;
    if (a->request_id.len != rid->len ||
        (rid->len && memcmp(a->request_id.data, rid->data, rid->len) != 0)) {
        sos__editor_action__free_unpacked(a, NULL);
        return sos_fail(st, SOS__CODE__CODE_BAD_REQUEST,
                        "the signed action's request_id must equal the request's");
    }
    if (a->act_case == SOS__EDITOR_ACTION__ACT__NOT_SET) {
        sos__editor_action__free_unpacked(a, NULL);
        return sos_fail(st, SOS__CODE__CODE_BAD_REQUEST, "the signed action names no action");
    }
    *act = a;
    return 0;
}

Sos__EditorRecord *sos_editors_get(sos_txn *t, sos_db db, const uint8_t pk[SOS_PK_BYTES])
{
    return (Sos__EditorRecord *)sos_rules_get(t, db, &sos__editor_record__descriptor, pk,
                                              SOS_PK_BYTES);
}

int sos_editors_check(sos_txn *t, sos_db db, const uint8_t signer[SOS_PK_BYTES], sos_status *st)
{
    char name[SOS_EDITORS_SHORT], date[32] = "?";
    int rc = sos_txn_get(t, db, signer, SOS_PK_BYTES, NULL);
    sos_editors_short(signer, name);
    if (rc == SOS_NOTFOUND) {
        rc = sos_fail(st, SOS__CODE__CODE_FORBIDDEN,
                      "editor key %s is not registered: an editor runs 'sos editor add --key "
                      "FILE.pub'; or pass --editor-key FILE",
                      name);
        st->upstream_may_know = 1;
        return rc;
    }
    if (rc != SOS_OK)
        return rc;
    Sos__EditorRecord *r = sos_editors_get(t, db, signer);
    if (!r)
        return sos_store_corrupt("editors", signer, SOS_PK_BYTES, "entry does not decode");
    if (r->revoked_seq) {
        time_t when = (time_t)r->revoked_at;
        struct tm tm;
        if (gmtime_r(&when, &tm))
            strftime(date, sizeof date, "%Y-%m-%d", &tm);
        rc = sos_fail(st, SOS__CODE__CODE_FORBIDDEN,
                      "editor key %s was revoked on %s: sign with a current editor's key "
                      "(--editor-key FILE; 'sos editor list' shows them)",
                      name, date);
    }
    sos__editor_record__free_unpacked(r, NULL);
    return rc;
}

int sos_editors_count(sos_txn *t, sos_db db, size_t *all, size_t *current)
{
    ProtobufCMessage **list = NULL;
    size_t n = 0;
    int rc = sos_rules_list(t, db, &sos__editor_record__descriptor, NULL, 0, &list, &n);
    *all = n;
    *current = 0;
    for (size_t i = 0; rc == 0 && i < n; i++)
        if (((const Sos__EditorRecord *)list[i])->revoked_seq == 0)
            (*current)++;
    sos_rules_list_free(list, n);
    return rc;
}

int sos_editors_put(sos_txn *t, sos_db db, const Sos__EditorRecord *rec)
{
    assert(rec->key && rec->key->public_key.len == SOS_PK_BYTES);
    return sos_rules_put(t, db, rec->key->public_key.data, SOS_PK_BYTES, &rec->base);
}
