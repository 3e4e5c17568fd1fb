/* fuzz_signed_take: signed takes through scoring_take_accept.
 *
 * Input byte 0 picks the mode:
 *   even  envelope mode: the rest is a Sos__Signed (TakeBody payload,
 *         signer, signature) as a reviewer would send it. The committed
 *         corpus holds envelopes validly signed by keys the fuzz world
 *         registers, so the fuzzer starts past the signature check.
 *   odd   signing mode: byte 1 picks a fixed key (mod 6: keys 0-4 are
 *         registered for Builder..Creator, 5 for nobody), byte 2 (mod 65)
 *         the length of a request id taken from the bytes after it (0: no
 *         request id), and the rest is the TakeBody payload, which the
 *         harness signs. This fuzzes the parse and the checks behind the
 *         signature that envelope mode cannot reach once a payload byte
 *         changes.
 * Each input runs in a write transaction on the world's scoring store,
 * which is aborted afterwards. */
#include <string.h>

#include "fuzz_common.h"
#include "rules.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void s_accept(fz_world *w, const Sos__Signed *s, const ProtobufCBinaryData *rid)
{
    uint8_t hash[SOS_HASH_BYTES];
    sos_status st = SOS_STATUS_OK;
    sos_txn *t = fz_begin(w->score);
    uint64_t before = 0, after = 0;
    fz_check(sos_evlog_head(t, &before) == SOS_OK, "scoring head");
    int rc = scoring_take_accept(&w->rules, t, s, rid, FZ_NOW, hash, &st);
    fz_check(sos_evlog_head(t, &after) == SOS_OK, "scoring head");
    if (rc == 0) {
        /* accepted: logged (and maybe the panel closed), hash is the payload's */
        uint8_t want[SOS_HASH_BYTES];
        sos_hash(s->payload.data, s->payload.len, want);
        fz_check(memcmp(hash, want, sizeof want) == 0, "take hash is BLAKE2b of the payload");
        fz_check(after == before + 1 || after == before + 2, "an accepted take is logged");
    } else if (rc > 0) {
        /* refused: nothing logged, and the refusal says why */
        fz_check(after == before, "a refused take changes nothing");
        fz_check(st.code == (Sos__Code)rc && st.msg[0], "a refusal has a code and a message");
    }
    sos_txn_abort(&t);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fz_world *w = fz_world_get();
    if (size < 1)
        return 0;
    if ((data[0] & 1) == 0) {
        Sos__Signed *s = (Sos__Signed *)sos_unpack(&sos__signed__descriptor, data + 1, size - 1);
        if (!s)
            return 0;
        s_accept(w, s, NULL);
        protobuf_c_message_free_unpacked(&s->base, NULL);
        return 0;
    }
    if (size < 3)
        return 0;
    int key = data[1] % 6;
    size_t rid_len = data[2] % 65;
    data += 3;
    size -= 3;
    if (rid_len > size)
        return 0;
    ProtobufCBinaryData rid = {rid_len, (uint8_t *)data};
    /* the payload stays in libFuzzer's exact-size copy, so ASan sees any
     * read past its end */
    sos_buf payload = {(uint8_t *)data + rid_len, size - rid_len, size - rid_len};
    uint8_t sig[SOS_SIG_BYTES];
    Sos__Signed s;
    fz_take_sign(w, key, &payload, sig, &s);
    s_accept(w, &s, rid_len ? &rid : NULL);
    return 0;
}
