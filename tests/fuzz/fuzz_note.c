/* fuzz_note: the transparency log's texts (services/common/note.h): a
 * signed note opened with a fixed key, a checkpoint's text, a verifier
 * key, through the parsers a reader and sos check use.
 *
 * Checks: a note that opens has a text that is a prefix of the input
 * ending in a newline; a checkpoint that parses formats back to text that
 * parses to the same origin, size and root; a verifier key that parses
 * names a key whose own verifier key parses to the same name and key. */
#include <string.h>

#include "fuzz_common.h"
#include "note.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const uint8_t pk[SOS_PK_BYTES] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11};
    char origin[SOS_NOTE_NAME_MAX + 1], o2[SOS_NOTE_NAME_MAX + 1], name[300];
    uint8_t root[SOS_SHA256_BYTES], r2[SOS_SHA256_BYTES], kp[SOS_PK_BYTES];
    uint64_t n, n2;
    size_t tl;
    int rc = sos_note_open(data, size, "shiporskip.example/log", pk, &tl);
    fz_check(rc == SOS_NOTE_OK || rc == SOS_NOTE_MALFORMED || rc == SOS_NOTE_UNSIGNED ||
                 rc == SOS_NOTE_FORGED,
             "a note's answer is one of note.h's");
    if (rc == SOS_NOTE_OK)
        fz_check(tl > 0 && tl < size && data[tl - 1] == '\n', "the text is a prefix");
    if (sos_checkpoint_parse(data, size, origin, sizeof origin, &n, root) == SOS_NOTE_OK) {
        sos_buf b = SOS_BUF_INIT;
        fz_check(sos_checkpoint_text(origin, n, root, &b) == SOS_NOTE_OK,
                 "a parsed origin formats");
        fz_check(sos_checkpoint_parse(b.data, b.len, o2, sizeof o2, &n2, r2) == SOS_NOTE_OK &&
                     strcmp(origin, o2) == 0 && n == n2 && memcmp(root, r2, sizeof root) == 0,
                 "a checkpoint round-trips");
        sos_buf_free(&b);
    }
    char text[512];
    if (size < sizeof text) {
        memcpy(text, data, size);
        text[size] = '\0';
        if (sos_note_vkey_parse(text, name, sizeof name, kp) == SOS_NOTE_OK) {
            sos_buf b = SOS_BUF_INIT;
            fz_check(sos_note_vkey(name, kp, &b) == SOS_NOTE_OK, "a parsed key formats");
            sos_buf_append(&b, "", 1);
            char n3[300];
            uint8_t k3[SOS_PK_BYTES];
            fz_check(sos_note_vkey_parse((const char *)b.data, n3, sizeof n3, k3) == SOS_NOTE_OK &&
                         strcmp(n3, name) == 0 && memcmp(k3, kp, sizeof kp) == 0,
                     "a verifier key round-trips");
            sos_buf_free(&b);
        }
    }
    return 0;
}
