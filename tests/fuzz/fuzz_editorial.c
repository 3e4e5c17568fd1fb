/* fuzz_editorial: editors' signed requests through submission's and
 * scoring's own handlers.
 *
 * Input: byte 0 picks the service (bit 0: submission, scoring) and the
 * signer (bit 1: the world's editor, FZ_KEY_EDITOR; or the stranger, a key
 * nobody registered); byte 1 (mod 65) the length of a request id taken
 * from the bytes after it (0: none, which the skeleton refuses first); the
 * rest is the EditorAction payload, which the harness signs under the
 * editorial domain (so the fuzzer works behind the signature). The request
 * runs in a write transaction of that service's store of the fuzz world
 * (spec->handle on a detached skeleton), aborted afterwards.
 *
 * Checks: every reply decodes; a stranger's request never changes
 * anything (FORBIDDEN, or refused before the signer is judged); a refusal
 * logs nothing. */
#include <string.h>

#include "envelope.h"
#include "fuzz_common.h"
#include "svc.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fz_world *w = fz_world_get();
    if (size < 2)
        return 0;
    bool scoring = data[0] & 1, stranger = (data[0] & 2) != 0;
    size_t rid_len = data[1] % 65;
    data += 2;
    size -= 2;
    if (rid_len == 0 || rid_len > size)
        return 0;
    const sos_key *k = w->keys[stranger ? FZ_KEY_STRANGER : FZ_KEY_EDITOR];
    ProtobufCBinaryData rid = {rid_len, (uint8_t *)data};
    /* the payload stays in libFuzzer's exact-size copy, so ASan sees any
     * read past its end */
    const uint8_t *payload = data + rid_len;
    size_t plen = size - rid_len;
    uint8_t sig[SOS_SIG_BYTES];
    sos_sign(k, SOS_DOMAIN_EDITORIAL, payload, plen, sig);
    Sos__Signed env = SOS__SIGNED__INIT;
    env.payload = (ProtobufCBinaryData){plen, (uint8_t *)payload};
    env.signer = (ProtobufCBinaryData){SOS_PK_BYTES, (uint8_t *)sos_key_public(k)};
    env.signature = (ProtobufCBinaryData){SOS_SIG_BYTES, sig};

    Sos__SubmissionRequest sr = SOS__SUBMISSION_REQUEST__INIT;
    Sos__ScoringRequest cr = SOS__SCORING_REQUEST__INIT;
    sr.request_id = cr.request_id = rid;
    sr.body_case = SOS__SUBMISSION_REQUEST__BODY_EDITORIAL;
    sr.editorial = &env;
    cr.body_case = SOS__SCORING_REQUEST__BODY_EDITORIAL;
    cr.editorial = &env;
    const sos_svc_spec *spec = scoring ? &scoring_spec : &submission_spec;
    sos_txn *t = fz_begin(scoring ? w->score : w->sub);
    sos_svc *svc = sos_svc_detached_new(spec, scoring ? &w->rules : NULL);
    sos_buf out = SOS_BUF_INIT;
    uint64_t before = 0, after = 0;
    fz_check(sos_evlog_head(t, &before) == SOS_OK, "head");
    int rc = spec->handle(svc, t, scoring ? &cr.base : &sr.base, &out);
    fz_check(rc != SOS_SVC_SYNC, "no catch-up without an upstream");
    fz_check(sos_evlog_head(t, &after) == SOS_OK, "head");
    Sos__ErrorReply *back =
        out.len ? (Sos__ErrorReply *)sos_unpack(&sos__error_reply__descriptor, out.data, out.len)
                : NULL;
    fz_check(rc < 0 || back != NULL, "a reply decodes");
    if (back) {
        Sos__Code code = back->status ? back->status->code : SOS__CODE__CODE_OK;
        if (stranger)
            fz_check(code != SOS__CODE__CODE_OK && rc == SOS_SVC_ABORT,
                     "a stranger's editorial request is refused");
        if (code != SOS__CODE__CODE_OK)
            fz_check(after == before, "a refusal logs nothing");
        protobuf_c_message_free_unpacked(&back->base, NULL);
    }
    sos_svc_detached_destroy(&svc);
    sos_txn_abort(&t);
    sos_buf_free(&out);
    return 0;
}
