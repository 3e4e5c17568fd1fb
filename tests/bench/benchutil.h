/* benchutil: what the benchmark programs (ingest, pg_peer, scale_load)
 * share: clocks, tool lists, take text and percentiles. */
#ifndef SOS_BENCHUTIL_H
#define SOS_BENCHUTIL_H

#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "sign.h"

/* CLOCK_MONOTONIC in nanoseconds. */
int64_t bu_now_ns(void);
/* The non-empty lines of path (without their line ends), each
 * sos_xstrdup'd, in a malloc'd array: the caller frees both. NULL when the
 * file cannot be opened. */
char **bu_read_lines(const char *path, size_t *n);
/* About 1.7 KB of text for take i, different per take. */
void bu_take_text(char *out, size_t cap, const char *tool, const char *persona, uint32_t rev,
                  size_t i);
/* The frame ingest and pg_peer send for take i: a ScoringRequest whose
 * take_file is a TakeBody (tool, persona 0-3 = Builder..Founder, rev, text
 * from bu_take_text, score and ship derived from i, filed_at) signed by k
 * under the take domain, request_id = take_id = id (16 bytes). Replaces the
 * contents of frame; text is scratch of text_cap bytes. */
void bu_take_frame(sos_buf *frame, const sos_key *k, const uint8_t id[16], const char *tool,
                   int persona, const char *persona_name, unsigned rev, size_t i, uint64_t filed_at,
                   char *text, size_t text_cap);

/* qsort comparator for int64_t. */
int bu_cmp_i64(const void *a, const void *b);
/* The p-quantile (0..1) of n sorted nanosecond values, in milliseconds. */
double bu_pct_ms(const int64_t *v, size_t n, double p);

#endif
