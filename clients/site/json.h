/* json: the JSON shape of the protocol's records (docs/protocol.md), as
 * `sos --json` prints them and as the site's JSON twins carry them, and
 * the one-line summary of a verdict that pages and twins show. */
#ifndef SOS_JSON_H
#define SOS_JSON_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

#include "sos.pb-c.h"

/* New references, the caller's. */
json_t *sos_json_tool(const Sos__Tool *t);
/* A signed take: its body and the envelope (hex signer and signature, base64
 * payload) and whether its signature verifies ("verified"). *ok is cleared
 * when it does not verify or does not parse. */
json_t *sos_json_take(const Sos__Signed *s, bool *ok);
/* A verdict body (label, counts, %, mean). */
json_t *sos_json_verdict_body(const Sos__VerdictBody *b);
/* A final verdict with its tool, signed takes and signed verdict; checks
 * every signature and that the takes are the ones the verdict lists. */
json_t *sos_json_verdict(const Sos__Verdict *v, bool *ok);
json_t *sos_json_comparison(const Sos__Comparison *c);
/* A community tally's numbers (tool, ship, skip, total, ship_pct, shown,
 * min_votes, tallied_at, seq). */
json_t *sos_json_tally_body(const Sos__TallyBody *b);
/* A signed community tally: its body and the envelope, as sos_json_take;
 * *ok is cleared when it does not verify or does not parse. */
json_t *sos_json_tally(const Sos__Signed *s, bool *ok);
/* A verdict's summary, the one line every reader sees: the JSON's
 * "summary", `sos verdict show`, and the site's badges, titles, feeds and
 * JSON-LD reviewBody: "Ship · 3 ship / 1 skip". The label is unset only
 * when there is no take to count (sos_tally_takes): that reads "No panel
 * takes yet", never "Pending · 0 ship / 0 skip". Truncated to cap. */
void sos_verdict_line(const Sos__VerdictBody *b, char *out, size_t cap);

#endif
