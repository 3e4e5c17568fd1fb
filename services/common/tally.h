/* tally: the panel arithmetic, shared by aggregation (which signs it) and
 * `sos verify` (which recomputes it from the takes a site shows).
 *
 * Over the counted takes (n = ship + skip), integer arithmetic only, so the
 * signed numbers never depend on float formatting:
 *   ship_pct        = (200 * ship + n) / (2n)       round(100 ship / n), halves up
 *   mean_score_x100 = (200 * sum(score) + n) / (2n) round(100 mean), halves up
 *   label           = Ship if ship > skip, Skip if skip > ship, Split if equal
 * No takes: every number 0 and LABEL_UNSPECIFIED. Pure. */
#ifndef SOS_TALLY_H
#define SOS_TALLY_H

#include <stddef.h>
#include <stdint.h>

#include "sos.pb-c.h"

typedef struct {
    uint32_t ship, skip;
    uint32_t ship_pct;        /* round(100 * ship / (ship + skip)), 0 with no takes */
    uint32_t mean_score_x100; /* round(100 * mean score), 0 with no takes */
    Sos__Label label;         /* Ship, Skip, Split; UNSPECIFIED with no takes */
} sos_tally;

/* takes[0..n): the latest take of each persona (the caller chooses which
 * count; nothing here looks at persona or revision). */
void sos_tally_takes(const Sos__TakeBody *const *takes, size_t n, sos_tally *out);

#endif
