/* tally: the panel arithmetic. See tally.h and docs/protocol.md. */
#include "tally.h"

#include <string.h>

void sos_tally_takes(const Sos__TakeBody *const *takes, size_t n, sos_tally *out)
{
    uint64_t sum = 0;
    memset(out, 0, sizeof *out);
    for (size_t i = 0; i < n; i++) {
        if (takes[i]->ship)
            out->ship++;
        else
            out->skip++;
        sum += takes[i]->score;
    }
    if (n == 0)
        return;
    uint64_t total = (uint64_t)out->ship + out->skip;
    out->ship_pct = (uint32_t)((200 * (uint64_t)out->ship + total) / (2 * total));
    out->mean_score_x100 = (uint32_t)((200 * sum + total) / (2 * total));
    out->label = out->ship > out->skip   ? SOS__LABEL__LABEL_SHIP
                 : out->skip > out->ship ? SOS__LABEL__LABEL_SKIP
                                         : SOS__LABEL__LABEL_SPLIT;
}
