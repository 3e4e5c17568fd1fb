/* sitefix: signed records for the site library's tests, made the way
 * aggregation and publishing make them (takes signed under the take
 * domain, a tallied VerdictBody carrying the tool, signed under the
 * verdict domain), and pages of published events. The helpers fail the
 * running cmocka test instead of returning errors. */
#ifndef SOS_SITEFIX_H
#define SOS_SITEFIX_H

#include "testutil.h"

#include "buf.h"
#include "sign.h"
#include "sos.pb-c.h"

/* A tool record whose strings point at the arguments and at constants:
 * valid while they are. */
void sf_tool(Sos__Tool *t, const char *id, const char *name);

typedef struct {
    Sos__Persona persona;
    unsigned score;
    bool ship;
    const char *text;
} sf_take;

/* The published verdict on tool: the takes, each signed by k (a test has
 * one key), tallied and signed by k. finalized_at: unix seconds. The
 * caller's: sos__verdict__free_unpacked. */
Sos__Verdict *sf_verdict(const sos_key *k, const Sos__Tool *tool, const sf_take *takes, size_t n,
                         uint64_t finalized_at);
/* The same with every take's filed_at given (sf_verdict: finalized_at - 60). */
Sos__Verdict *sf_verdict_filed(const sos_key *k, const Sos__Tool *tool, const sf_take *takes,
                               size_t n, uint64_t finalized_at, uint64_t filed_at);
/* Four takes (three ship) by Builder, Skeptic, Futurist, Founder. */
Sos__Verdict *sf_verdict4(const sos_key *k, const Sos__Tool *tool, uint64_t finalized_at);

/* One published event: a verdict (v) or a comparison (c). */
typedef struct {
    uint64_t seq;
    const Sos__Verdict *v;
    const Sos__Comparison *c;
} sf_event;

/* A page of events as the publishing stub returns it (a deep copy, the
 * caller's: sos__events_page__free_unpacked); head is the last seq. */
Sos__EventsPage *sf_page(const sf_event *evs, size_t n);

/* Whole file into a NUL-terminated malloc'd string; NULL when absent. */
char *sf_read(const char *path);
/* Writes s to path (replacing it in place: same inode). */
void sf_write(const char *path, const char *s);
/* Occurrences of needle in hay, case-insensitively. */
size_t sf_count(const char *hay, const char *needle);

#endif
