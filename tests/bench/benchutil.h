/* benchutil: what the benchmark programs (ingest, pg_peer, scale_load)
 * share: clocks, tool lists, take text and percentiles. */
#ifndef SOS_BENCHUTIL_H
#define SOS_BENCHUTIL_H

#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "sign.h"

/* The four personas the load generators file for (Builder..Founder): key
 * file stems in a key directory, and display names. */
#define BU_PERSONAS 4
extern const char *const bu_persona_file[BU_PERSONAS];
extern const char *const bu_persona_name[BU_PERSONAS];

/* CLOCK_MONOTONIC in nanoseconds. */
int64_t bu_now_ns(void);
/* The non-empty lines of path (without their line ends), each
 * sos_xstrdup'd, in a malloc'd array: the caller frees both. NULL when the
 * file cannot be opened. */
char **bu_read_lines(const char *path, size_t *n);
/* Appends sentences to out (len bytes used, cap in all) until it holds
 * target bytes or cap is near, different for each i; NUL-terminates. */
void bu_text_fill(char *out, size_t cap, size_t len, size_t target, size_t i);
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

/* Take i of the series ingest and pg_peer send over T tools: pair i mod
 * 4T (tool pair / 4, persona pair % 4, signed with keys[persona]), revision
 * rev_base + 1 + i / 4T, a fresh id from sos_id_new (as `sos take file`
 * makes them) written to id, and bu_take_frame's frame copied into a
 * malloc'd *frame_out of *len_out bytes. frame and text (4096 bytes) are
 * the caller's scratch. Returns the pair; *rev_out gets the revision. */
uint32_t bu_take_series(size_t i, size_t T, unsigned rev_base, sos_key *const *keys,
                        char *const *tools, uint64_t filed_at, uint8_t id[SOS_ID_BYTES],
                        sos_buf *frame, char *text, uint8_t **frame_out, size_t *len_out,
                        unsigned *rev_out);

/* qsort comparator for int64_t. */
int bu_cmp_i64(const void *a, const void *b);
/* The p-quantile (0..1) of n sorted nanosecond values, in milliseconds. */
double bu_pct_ms(const int64_t *v, size_t n, double p);

#endif
