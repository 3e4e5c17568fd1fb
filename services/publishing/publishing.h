/* publishing: the ordered feed of finalized verdicts and ready
 * comparisons that the site pipeline pulls by cursor.
 *
 * Rule functions follow rules.h: <0 store code, 0 ok, >0 refusal code. */
#ifndef PUBLISHING_H
#define PUBLISHING_H

#include "publishing.pb-c.h"
#include "store.h"
#include "svc.h"

enum {
    PUBLISHING_DB_TOOLS = SOS_DB_APP, /* tool id -> packed Tool */
    PUBLISHING_DB_VERDICTS,           /* tool id -> packed Verdict */
    PUBLISHING_DB_COMPARISONS,        /* slug -> packed Comparison */
    PUBLISHING_DB_BY_TOOL,            /* tool id NUL slug -> "" */
    PUBLISHING_DB_PUBLISHED,          /* slug -> seq (BE64) of its publication */
    PUBLISHING_DB_LOG,                /* the transparency log's tree (publishing_log.h) */
    PUBLISHING_DB_COMPARISON_BY,      /* slug -> packed Signed: the editor's compare_create */
};

extern const sos_svc_spec publishing_spec;

/* The log's name (checkpoint origin and key name) when [publishing]
 * log_origin is not set: set it once, at install, to the site's host and
 * "/log"; a log renamed later is another log to its readers. */
#define SOS_LOG_ORIGIN_DEFAULT "shiporskip.example/log"

/* Apply one aggregation event: a verdict is published at once; a
 * comparison once both of its tools have a final verdict. Every event
 * appended is a leaf of the log's tree in the same transaction
 * (publishing_log_catch_up); signing a checkpoint is the daemon's, which
 * holds the key. */
int publishing_apply(sos_txn *t, const Sos__Event *ev);
/* One event of publishing's log before an events page (the pull, the
 * render) carries it: an event that does not decode, is numbered other
 * than its key, or is a publication whose Verdict record does not open
 * whole (sos_envelope_open_verdict, verified: the shape, decode and
 * canonical form of the verdict and of every counted take; the signatures
 * are left to the readers and sos check, see publishing.c) is refused:
 * SOS_CORRUPT after a store.corrupt line naming db events and the key. */
int publishing_event_check(const sos_val *key, const sos_val *event);

#endif
