/* aggregation: turns a closed panel into a signed verdict.
 *
 * Rule functions follow rules.h: <0 store code, 0 ok, >0 refusal code. */
#ifndef AGGREGATION_H
#define AGGREGATION_H

#include <stddef.h>
#include <stdint.h>

#include "aggregation.pb-c.h"
#include "sign.h"
#include "status.h"
#include "store.h"
#include "svc.h"

enum {
    AGGREGATION_DB_TOOLS = SOS_DB_APP, /* tool id -> packed Tool */
    AGGREGATION_DB_TAKES,    /* scoring's seq(BE64) (older stores: take hash) -> packed Signed */
    AGGREGATION_DB_LATEST,   /* tool id NUL persona -> revision(BE32) || take hash || seq(BE64) */
    AGGREGATION_DB_VERDICTS, /* tool id -> packed Verdict (final, signed) */
};

typedef struct {
    sos_key *key; /* signs verdicts; owned */
} aggregation_state;

extern const sos_svc_spec aggregation_spec;

/* Apply one scoring event; a closed panel becomes a signed verdict event.
 * now: finalized_at for verdicts made by this call. */
int aggregation_apply(const aggregation_state *a, sos_txn *t, const Sos__Event *ev, uint64_t now);
/* The verdict on a tool as it stands; *final_out tells whether it is
 * signed. *view is filled with memory the caller frees with
 * aggregation_view_clear. */
int aggregation_verdict_view(sos_txn *t, const char *tool_id, Sos__VerdictView *view,
                             sos_status *st);
void aggregation_view_clear(Sos__VerdictView *view);

#endif
