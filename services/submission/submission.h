/* submission: the editors' front door. Tools, the panel registry and
 * comparisons are decided here and flow downstream as events.
 *
 * Rule functions follow rules.h: <0 store code, 0 ok, >0 refusal code. */
#ifndef SUBMISSION_H
#define SUBMISSION_H

#include <stdint.h>

#include "buf.h"
#include "status.h"
#include "store.h"
#include "submission.pb-c.h"
#include "svc.h"

enum {
    SUBMISSION_DB_TOOLS = SOS_DB_APP, /* tool id -> packed Tool */
    SUBMISSION_DB_NAMES,              /* folded name -> tool id */
    SUBMISSION_DB_PANEL,              /* persona (1 byte) || public key -> packed PanelKey */
    SUBMISSION_DB_COMPARISONS,        /* slug -> packed Comparison */
    SUBMISSION_DB_EDITORS,            /* public key -> packed EditorRecord (editors.h) */
};
#define SUBMISSION_ID_MAX 128

/* Tools or comparisons per listing page at most (a page of 500 tools is
 * about 150 KB, far under the clients' 8 MiB unpack budget). */
#define SUBMISSION_PAGE_MAX 500

extern const sos_svc_spec submission_spec;

/* In every rule below that appends an event, by is the editor's signed
 * EditorAction that asked for it, copied into the event (Event.by);
 * borrowed for the call; NULL: none (tests). */

/* Validates tool, assigns its id (slug of the name) and submitted_at, stores
 * it and appends a tool event. id_out receives the id; on a duplicate name
 * the refusal message and id_out name the existing tool. */
int submission_tool_submit(sos_txn *t, const Sos__Tool *tool, uint64_t now, const Sos__Signed *by,
                           char id_out[SUBMISSION_ID_MAX], sos_status *st);
/* Registers a reviewer's public key for a persona. Registering the same
 * key again is a no-op; one key serves one persona only. */
int submission_panel_add(sos_txn *t, const Sos__PanelKey *key, const Sos__Signed *by,
                         sos_status *st);
/* Pairs two known, distinct tools as "<a>-vs-<b>". */
int submission_compare_create(sos_txn *t, const Sos__Comparison *c, uint64_t now,
                              const Sos__Signed *by, char slug_out[2 * SUBMISSION_ID_MAX + 8],
                              sos_status *st);

/* --- the editors registry (submission_editors.c) --------------------- */

/* May the signer of env (opened: act is its action) make act? While the
 * registry is empty, only an editor_add of the signer's own key (the
 * bootstrap); after that, only a current editor (sos_editors_check). 0 or
 * FORBIDDEN with what to do. */
int submission_editor_admit(sos_txn *t, const Sos__Signed *env, const Sos__EditorAction *act,
                            sos_status *st);
/* Registers an editor's key (now: the service's clock) with an editor
 * event. The same current key again changes nothing; a revoked key is
 * CONFLICT (it stays revoked). *out: the entry as it stands, the
 * caller's (sos__editor_record__free_unpacked), on 0. */
int submission_editor_add(sos_txn *t, const Sos__EditorKey *key, uint64_t now,
                          const Sos__Signed *by, Sos__EditorRecord **out, sos_status *st);
/* Revokes an editor's key with an editor event. NOT_FOUND when unknown;
 * CONFLICT for the last current editor (the publication would be locked
 * out); revoking a revoked key again changes nothing. *out as for add. */
int submission_editor_revoke(sos_txn *t, const ProtobufCBinaryData *pk, uint64_t now,
                             const Sos__Signed *by, Sos__EditorRecord **out, sos_status *st);
/* Unpacks a stored tool; NULL when absent. Free with sos__tool__free_unpacked. */
Sos__Tool *submission_tool_get(sos_txn *t, const char *id);

#endif
