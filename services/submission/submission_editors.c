/* submission_editors: the editors registry (submission.h): who may sign
 * editorial requests, the bootstrap rule, add and revoke. */
#include <string.h>

#include "editors.h"
#include "evlog.h"
#include "rules.h"
#include "submission.h"

int submission_editor_admit(sos_txn *t, const Sos__Signed *env, const Sos__EditorAction *act,
                            sos_status *st)
{
    size_t all = 0, current = 0;
    int rc = sos_editors_count(t, SUBMISSION_DB_EDITORS, &all, &current);
    if (rc)
        return rc;
    if (all > 0)
        return sos_editors_check(t, SUBMISSION_DB_EDITORS, env->signer.data, st);
    /* The bootstrap: the first editor registers their own key. */
    if (act->act_case == SOS__EDITOR_ACTION__ACT_EDITOR_ADD && act->editor_add &&
        act->editor_add->public_key.len == SOS_PK_BYTES &&
        memcmp(act->editor_add->public_key.data, env->signer.data, SOS_PK_BYTES) == 0)
        return 0;
    return sos_fail(st, SOS__CODE__CODE_FORBIDDEN,
                    "no editor is registered yet: the first editor registers their own key, "
                    "signed by it: sos editor add --key FILE.pub --name NAME --editor-key FILE");
}

/* Appends the editor event for rec (by: the signed action) and stores rec. */
static int s_record(sos_txn *t, Sos__EditorRecord *rec, const Sos__Signed *by)
{
    Sos__Event ev = SOS__EVENT__INIT;
    int rc;
    ev.kind_case = SOS__EVENT__KIND_EDITOR;
    ev.editor = rec;
    ev.by = (Sos__Signed *)by;
    if ((rc = sos_evlog_append(t, &ev)))
        return rc;
    return sos_editors_put(t, SUBMISSION_DB_EDITORS, rec);
}

/* The seq the next event appended in t gets. */
static int s_next_seq(sos_txn *t, uint64_t *seq)
{
    uint64_t head = 0;
    int rc = sos_evlog_head(t, &head);
    *seq = head + 1;
    return rc == SOS_NOTFOUND ? 0 : rc;
}

int submission_editor_add(sos_txn *t, const Sos__EditorKey *in, uint64_t now, const Sos__Signed *by,
                          Sos__EditorRecord **out, sos_status *st)
{
    int rc;
    *out = NULL;
    if (in->public_key.len != SOS_PK_BYTES)
        return sos_fail(st, SOS__CODE__CODE_BAD_REQUEST, "public key must be %d bytes",
                        SOS_PK_BYTES);
    if ((rc = sos_rules_text(st, "name", in->name, 0, 200)))
        return rc;
    Sos__EditorRecord *old = sos_editors_get(t, SUBMISSION_DB_EDITORS, in->public_key.data);
    if (old && old->revoked_seq) {
        char name[SOS_EDITORS_SHORT];
        sos_editors_short(in->public_key.data, name);
        sos__editor_record__free_unpacked(old, NULL);
        return sos_fail(st, SOS__CODE__CODE_CONFLICT,
                        "editor key %s was revoked and stays revoked: make a new key with "
                        "'sos keygen' and add that",
                        name);
    }
    if (old) { /* registered already: nothing changes */
        *out = old;
        return 0;
    }
    Sos__EditorKey k = *in;
    k.base.n_unknown_fields = 0;
    k.base.unknown_fields = NULL;
    Sos__EditorRecord rec = SOS__EDITOR_RECORD__INIT;
    rec.key = &k;
    rec.added_at = now;
    if ((rc = s_next_seq(t, &rec.added_seq)) || (rc = s_record(t, &rec, by)))
        return rc;
    *out = sos_editors_get(t, SUBMISSION_DB_EDITORS, in->public_key.data);
    return *out ? 0 : SOS_EIO;
}

int submission_editor_revoke(sos_txn *t, const ProtobufCBinaryData *pk, uint64_t now,
                             const Sos__Signed *by, Sos__EditorRecord **out, sos_status *st)
{
    size_t all = 0, current = 0;
    char name[SOS_EDITORS_SHORT];
    int rc;
    *out = NULL;
    if (pk->len != SOS_PK_BYTES)
        return sos_fail(st, SOS__CODE__CODE_BAD_REQUEST, "public key must be %d bytes",
                        SOS_PK_BYTES);
    sos_editors_short(pk->data, name);
    Sos__EditorRecord *rec = sos_editors_get(t, SUBMISSION_DB_EDITORS, pk->data);
    if (!rec)
        return sos_fail(st, SOS__CODE__CODE_NOT_FOUND,
                        "editor key %s is not registered ('sos editor list' shows them)", name);
    if (rec->revoked_seq) { /* revoked already: the first answer stands */
        *out = rec;
        return 0;
    }
    if ((rc = sos_editors_count(t, SUBMISSION_DB_EDITORS, &all, &current)))
        goto out;
    if (current <= 1) {
        rc = sos_fail(st, SOS__CODE__CODE_CONFLICT,
                      "editor key %s is the last current editor: revoking it would lock every "
                      "editor out; add another editor first ('sos editor add')",
                      name);
        goto out;
    }
    rec->revoked_at = now;
    if ((rc = s_next_seq(t, &rec->revoked_seq)) || (rc = s_record(t, rec, by)))
        goto out;
    *out = rec;
    rec = NULL;
out:
    if (rec)
        sos__editor_record__free_unpacked(rec, NULL);
    return rc;
}
