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
};
#define SUBMISSION_ID_MAX 128

/* Tools or comparisons per listing page at most (a page of 500 tools is
 * about 150 KB, far under the clients' 8 MiB unpack budget). */
#define SUBMISSION_PAGE_MAX 500

extern const sos_svc_spec submission_spec;

/* Validates tool, assigns its id (slug of the name) and submitted_at, stores
 * it and appends a tool event. id_out receives the id; on a duplicate name
 * the refusal message and id_out name the existing tool. */
int submission_tool_submit(sos_txn *t, const Sos__Tool *tool, uint64_t now,
                           char id_out[SUBMISSION_ID_MAX], sos_status *st);
/* Registers a reviewer's public key for a persona. Registering the same
 * key again is a no-op; one key serves one persona only. */
int submission_panel_add(sos_txn *t, const Sos__PanelKey *key, sos_status *st);
/* Pairs two known, distinct tools as "<a>-vs-<b>". */
int submission_compare_create(sos_txn *t, const Sos__Comparison *c, uint64_t now,
                              char slug_out[2 * SUBMISSION_ID_MAX + 8], sos_status *st);
/* Unpacks a stored tool; NULL when absent. Free with sos__tool__free_unpacked. */
Sos__Tool *submission_tool_get(sos_txn *t, const char *id);

#endif
