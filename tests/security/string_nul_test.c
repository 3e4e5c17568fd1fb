/* security.string_nul: a NUL inside a signed string field.
 *
 * protobuf-c hands a string field over as a NUL-terminated C string and
 * does not refuse a NUL inside it, so a text check (strlen, then
 * sos_text_valid) sees only the bytes before the first NUL: a take whose
 * text is "ok" NUL followed by invalid UTF-8, control characters or 50 KB
 * more, or whose tool_id is "tool-a" NUL "anything", would be signed,
 * stored and published with bytes nobody checked. Scoring refuses a payload
 * that is not exactly what it would write for what it read (the canonical
 * check in scoring_take_accept); this program asserts BAD_REQUEST and
 * nothing stored. It was found as a gap and fixed; with the canonical
 * check removed it fails. */
#include "sectest.h"

#include <stdlib.h>
#include <string.h>

/* Packs a take whose text (field 6) or tool_id (field 2) is the n raw
 * bytes s, appended after the fields sec_pack wrote (the last occurrence
 * of a field is the one that counts). */
static void s_pack_raw(sec_take *tk, int field, const char *s, size_t n)
{
    sec_body b = {"tool-a", SEC_BUILDER, 70, "placeholder", 1, NULL};
    sec_pack(tk, &b);
    uint8_t hdr[4] = {(uint8_t)(field << 3 | 2)};
    size_t h = 1, v = n;
    for (; v >= 0x80; v >>= 7)
        hdr[h++] = (uint8_t)(0x80 | (v & 0x7f));
    hdr[h++] = (uint8_t)v;
    sos_buf_append(&tk->payload, hdr, h);
    sos_buf_append(&tk->payload, s, n);
}

static void test_nul_in_strings(void **state)
{
    sec_fx *f = *state;
    sec_snap snap = sec_snapshot(f);
    static const char hidden[] = "ok\0\xff\xfe\x1b[2J<script>alert(1)</script>";
    size_t big_n = 3 + 50000;
    char *big = malloc(big_n);
    assert_non_null(big);
    memcpy(big, "ok\0", 3);
    memset(big + 3, 'z', 50000);
    static const char tool[] = "tool-a\0other-tool";
    const struct {
        const char *name;
        int field;
        const char *s;
        size_t n;
    } cases[] = {
        {"text: NUL then invalid UTF-8 and controls", 6, hidden, sizeof hidden - 1},
        {"text: NUL then 50000 more bytes", 6, big, big_n},
        {"tool_id: tool-a NUL other-tool", 2, tool, sizeof tool - 1},
    };
    int wrong = 0;
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        sec_take tk;
        s_pack_raw(&tk, cases[i].field, cases[i].s, cases[i].n);
        sec_sign(&tk, f->keys[SEC_BUILDER], SOS_DOMAIN_TAKE);
        sos_status st;
        int rc = sec_accept(f, &tk, &st);
        if (rc != SOS__CODE__CODE_BAD_REQUEST) {
            print_message("GAP %s: %s \"%s\" (want bad_request)\n", cases[i].name,
                          rc ? sos_code_name(st.code) : "accepted", st.msg);
            wrong++;
        }
        sec_take_free(&tk);
        if (rc == 0) { /* accepted: let the next case start from the same state */
            sec_teardown(state);
            sec_setup(state);
            f = *state;
            snap = sec_snapshot(f);
        }
    }
    free(big);
    assert_int_equal(wrong, 0);
    sec_expect_unchanged(f, snap, "NUL in strings");
}

int main(void)
{
    if (sos_sign_init() != 0)
        return 1;
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_nul_in_strings, sec_setup, sec_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
