/* sectest: what the security tests that drive scoring's rules share.
 *
 * A fixture is a real scoring store (mkdtemp, through testutil) that has
 * seen two tools ("tool-a", "tool-b") and one registered key per persona
 * from upstream, the way scoring_apply() receives them from submission; a
 * sixth key (SEC_STRANGER) is registered for nobody. Takes are packed and
 * signed by hand so that each test can change one thing about them. */
#ifndef SOS_SECTEST_H
#define SOS_SECTEST_H

#include "testutil.h"

#include "scoring.h"
#include "sign.h"
#include "status.h"

enum { SEC_STRANGER = 0, SEC_BUILDER = 1, SEC_SKEPTIC, SEC_FUTURIST, SEC_FOUNDER, SEC_CREATOR };

#define SEC_NOW 1763840060u /* scoring's clock in these tests */

typedef struct {
    tu_env *e;
    sos_key *keys[6]; /* [persona] registered for it; [SEC_STRANGER] for none */
    scoring_rules r;
} sec_fx;

typedef struct {
    const char *tool;
    int persona;
    unsigned score;
    const char *text;
    unsigned revision;
    const uint8_t *take_id; /* 16 bytes, or NULL: a fresh one */
} sec_body;

/* A take as a client sends it; s points into the struct (payload, pk, sig). */
typedef struct {
    sos_buf payload;
    uint8_t id[16]; /* take_id, unique per sec_pack */
    uint8_t sig[SOS_SIG_BYTES];
    uint8_t pk[SOS_PK_BYTES];
    Sos__Signed s;
} sec_take;

/* cmocka setup/teardown: *state is a sec_fx, quorum 5 (no panel closes
 * unless a test asks for it). */
int sec_setup(void **state);
int sec_teardown(void **state);

/* Applies a PanelKey event for persona with public key pk (32 bytes). */
void sec_register(sec_fx *f, int persona, const uint8_t pk[SOS_PK_BYTES]);

/* Packs b with a fresh take id into tk->payload; the envelope is empty
 * until sec_sign or sec_envelope. */
void sec_pack(sec_take *tk, const sec_body *b);
/* Signs tk->payload with key under domain and fills the envelope. */
void sec_sign(sec_take *tk, const sos_key *key, const char *domain);
/* Fills the envelope with the given signer and signature as they are. */
void sec_envelope(sec_take *tk, const uint8_t pk[SOS_PK_BYTES], const uint8_t sig[SOS_SIG_BYTES]);
void sec_take_free(sec_take *tk);

/* scoring_take_accept in a write transaction that is committed whatever the
 * outcome, so anything a refusal had written would stay. rid NULL: no
 * request id (as when not called through the api). */
int sec_accept_signed(sec_fx *f, const Sos__Signed *s, const ProtobufCBinaryData *rid,
                      sos_status *st);
/* The same with the take's own id as request id, as `sos take file` sends it. */
int sec_accept(sec_fx *f, const sec_take *tk, sos_status *st);

/* What scoring has stored: log head and the record counts. */
typedef struct {
    uint64_t head, takes, latest, closed;
} sec_snap;
sec_snap sec_snapshot(sec_fx *f);
/* Fails the test (naming what) when anything was stored since before. */
void sec_expect_unchanged(sec_fx *f, sec_snap before, const char *what);
/* Fails the test unless rc and st->code are want and st->msg holds needle. */
void sec_expect_refused(int rc, const sos_status *st, int want, const char *needle,
                        const char *what);

#endif
