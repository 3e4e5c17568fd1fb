/* fuzz_common: what the libFuzzer targets share.
 *
 * A "world" is the four daemons' stores, built once per process by running
 * the real pipeline on fixed data: submission decides tools, panel keys and
 * comparisons; its events are applied to scoring, which then accepts signed
 * takes and closes a panel; scoring's events go to aggregation, whose
 * events go to publishing. Each store is opened the way the daemons open
 * theirs ({"meta", "events", "requests"} then the spec's databases) in a
 * fresh mkdtemp directory that is unlinked at once (LMDB keeps its open
 * files), so nothing is left behind even when a target crashes.
 *
 * What the world holds (every id below exists in every store that keeps
 * tools):
 *   tools        alpha-tool, beta, gamma, closed-tool
 *   comparisons  alpha-tool-vs-beta, closed-tool-vs-beta
 *   panel keys   fz key 0..4 registered for Builder..Creator; key 5 is a
 *                stranger (registered for nobody); key 6 signs verdicts
 *   editors      fz key 7, registered last (submission's last event), so
 *                scoring's copy of the registry has it too
 *   takes        alpha-tool: Builder rev 1 and 2, Skeptic, Futurist (one
 *                more persona reaches the quorum of 4); closed-tool:
 *                Builder, Creator, panel closed by the editor; beta: Creator
 *   verdicts     closed-tool (final, published); comparison
 *                closed-tool-vs-beta waits for beta's verdict
 *
 * The keys come from fixed seeds so the committed corpora can hold validly
 * signed takes: changing fz_key_seed() invalidates those seeds. */
#ifndef SOS_FUZZ_COMMON_H
#define SOS_FUZZ_COMMON_H

#include <stddef.h>
#include <stdint.h>

#include "aggregation.h"
#include "buf.h"
#include "publishing.h"
#include "scoring.h"
#include "sign.h"
#include "store.h"
#include "submission.h"

#define FZ_NOW 1700000000u /* "now" for every rule that takes a clock */
#define FZ_KEYS 8
#define FZ_KEY_STRANGER 5
#define FZ_KEY_VERDICT 6
#define FZ_KEY_EDITOR 7

typedef struct {
    sos_store *sub, *score, *agg, *pub;
    sos_key *keys[FZ_KEYS];
    scoring_rules rules;         /* quorum 4, the default */
    aggregation_state agg_state; /* signs with keys[FZ_KEY_VERDICT] */
} fz_world;

/* Builds the world on first call (abort() on any failure: a harness that
 * cannot set up must not report clean runs). Quiet logs unless
 * SOS_FUZZ_LOG is set in the environment. */
fz_world *fz_world_get(void);

/* A fresh store for spec opened as the daemons open theirs, its files
 * unlinked at once (a target's own world: fuzz_community). The caller's. */
sos_store *fz_store(const sos_svc_spec *spec);

/* A write transaction on s; abort() when the store refuses one. */
sos_txn *fz_begin(sos_store *s);

/* The 32-byte seed of fixed key i (0 <= i < FZ_KEYS). */
void fz_key_seed(int i, uint8_t seed[32]);

/* A TakeBody as the pipeline builds them: take_id is 16 bytes derived from
 * tool, persona and revision (fz_take_id). Packs it into payload. */
void fz_take_id(const char *tool, int persona, unsigned revision, uint8_t id[16]);
void fz_take_payload(const char *tool, int persona, unsigned score, int ship, unsigned revision,
                     const char *text, sos_buf *payload);
/* Signs payload with key i into sig and fills s (borrowing payload, sig
 * and the key's public half). */
void fz_take_sign(const fz_world *w, int key, const sos_buf *payload, uint8_t sig[SOS_SIG_BYTES],
                  Sos__Signed *s);

/* abort() with "fuzz check failed: <what>" unless ok: setup failures and
 * the targets' own checks (which libFuzzer then reports as a crash). */
void fz_check(int ok, const char *what);

#endif
