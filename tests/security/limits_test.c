/* security.limits: what scoring refuses in a validly signed take.
 *
 * Proves, against scoring_take_accept and a real store, the limits
 * on signed payloads: unknown fields are refused in the TakeBody payload and
 * in the Signed envelope even though the signature is valid; text and
 * tool_id must be valid UTF-8 without control characters and within their
 * lengths; a payload over SCORING_MAX_PAYLOAD is refused before its
 * signature is checked or its bytes are parsed. Every refusal stores
 * nothing; the controls show the same shapes within the limits are taken. */
#include "sectest.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"

#define TEXT "Solid, but the pricing page is a maze."

/* Signs payload as it is (unknown fields and all) with persona's key. */
static void s_sign_raw(sec_fx *f, sec_take *tk, int persona)
{
    sec_sign(tk, f->keys[persona], SOS_DOMAIN_TAKE);
}

static void test_unknown_fields(void **state)
{
    sec_fx *f = *state;
    sec_snap snap = sec_snapshot(f);
    static const struct {
        const char *name;
        uint8_t bytes[12];
        size_t n;
    } extra[] = {
        {"unknown varint field 99", {0x98, 0x06, 0x01}, 3},
        {"unknown bytes field 15", {0x7a, 0x03, 'x', 'y', 'z'}, 5},
        {"unknown fixed64 field 9", {0x49, 1, 2, 3, 4, 5, 6, 7, 8}, 9},
        {"unknown fixed32 field 100", {0xa5, 0x06, 1, 2, 3, 4}, 6},
    };
    for (size_t i = 0; i < sizeof extra / sizeof extra[0]; i++) {
        sec_take tk;
        sec_body b = {"tool-a", SEC_BUILDER, 70, TEXT, 1, NULL};
        sec_pack(&tk, &b);
        sos_buf_append(&tk.payload, extra[i].bytes, extra[i].n);
        s_sign_raw(f, &tk, SEC_BUILDER);
        /* the signature is good: only the unknown field is wrong */
        assert_int_equal(
            sos_verify(tk.pk, SOS_DOMAIN_TAKE, tk.payload.data, tk.payload.len, tk.sig), 0);
        sos_status st;
        sec_expect_refused(sec_accept(f, &tk, &st), &st, SOS__CODE__CODE_BAD_REQUEST,
                           "take payload carries unknown fields", extra[i].name);
        sec_expect_unchanged(f, snap, extra[i].name);
        sec_take_free(&tk);
    }

    /* an unknown field in the Signed envelope around a valid take, as the
     * service sees it after decoding the request */
    sec_take tk;
    sec_body b = {"tool-a", SEC_BUILDER, 70, TEXT, 1, NULL};
    sec_pack(&tk, &b);
    s_sign_raw(f, &tk, SEC_BUILDER);
    sos_buf env = SOS_BUF_INIT;
    sos_buf_pack(&env, &tk.s.base);
    static const uint8_t f4[] = {0x22, 0x01, 'x'}; /* field 4, bytes "x" */
    sos_buf_append(&env, f4, sizeof f4);
    Sos__Signed *s = (Sos__Signed *)sos_unpack(&sos__signed__descriptor, env.data, env.len);
    assert_non_null(s);
    assert_int_equal(s->base.n_unknown_fields, 1);
    ProtobufCBinaryData rid = {sizeof tk.id, tk.id};
    sos_status st;
    sec_expect_refused(sec_accept_signed(f, s, &rid, &st), &st, SOS__CODE__CODE_BAD_REQUEST,
                       "signed envelope carries unknown fields", "unknown field in the envelope");
    sec_expect_unchanged(f, snap, "unknown field in the envelope");
    protobuf_c_message_free_unpacked(&s->base, NULL);
    sos_buf_free(&env);

    /* control: the same take without the extra field is accepted */
    if (sec_accept(f, &tk, &st) != 0)
        fail_msg("control refused: %s \"%s\"", sos_code_name(st.code), st.msg);
    sec_take_free(&tk);
}

static void test_text_and_tool_id(void **state)
{
    sec_fx *f = *state;
    sec_snap snap = sec_snapshot(f);
    static char long_text[SCORING_MAX_TEXT + 2], long_tool[129];
    memset(long_text, 'a', SCORING_MAX_TEXT + 1);
    memset(long_tool, 'a', 128);
    static const struct {
        const char *name;
        const char *tool, *text;
        const char *needle;
    } cases[] = {
        {"text: a lone 0xff", "tool-a", "bad \xff byte", "text is not valid UTF-8"},
        {"text: overlong '/' (c0 af)", "tool-a", "a\xc0\xaf", "text is not valid UTF-8"},
        {"text: overlong 3-byte (e0 80 af)", "tool-a", "a\xe0\x80\xaf", "text is not valid UTF-8"},
        {"text: UTF-16 surrogate (ed a0 80)", "tool-a", "a\xed\xa0\x80", "text is not valid UTF-8"},
        {"text: above U+10FFFF (f4 90 80 80)", "tool-a", "a\xf4\x90\x80\x80",
         "text is not valid UTF-8"},
        {"text: truncated sequence at the end", "tool-a", "euro \xe2\x82",
         "text is not valid UTF-8"},
        {"text: continuation byte alone", "tool-a", "a\x80z", "text is not valid UTF-8"},
        {"text: ESC control character", "tool-a", "\x1b[31mred", "text is not valid UTF-8"},
        {"text: DEL", "tool-a", "del\x7f", "text is not valid UTF-8"},
        {"text: 10001 bytes", "tool-a", long_text, "text is longer than 10000 bytes"},
        {"text: empty", "tool-a", "", "text must not be empty"},
        {"tool_id: 0xff", "tool-\xff", TEXT, "tool_id is not valid UTF-8"},
        {"tool_id: overlong",
         "tool\xc1\xad"
         "a",
         TEXT, "tool_id is not valid UTF-8"},
        {"tool_id: SOH control character", "tool-a\x01", TEXT, "tool_id is not valid UTF-8"},
        {"tool_id: 128 bytes", long_tool, TEXT, "tool_id is longer than 127 bytes"},
        {"tool_id: empty", "", TEXT, "tool_id must not be empty"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        sec_take tk;
        sec_body b = {cases[i].tool, SEC_BUILDER, 70, cases[i].text, 1, NULL};
        sec_pack(&tk, &b);
        s_sign_raw(f, &tk, SEC_BUILDER);
        sos_status st;
        sec_expect_refused(sec_accept(f, &tk, &st), &st, SOS__CODE__CODE_BAD_REQUEST,
                           cases[i].needle, cases[i].name);
        sec_expect_unchanged(f, snap, cases[i].name);
        sec_take_free(&tk);
    }

    /* controls at the limits: a 127-byte tool id passes the checks (and is
     * unknown: NOT_FOUND); 10000 bytes of two-byte characters, tab, newline
     * and a 4-byte character are accepted */
    sos_status st;
    sec_take tk;
    long_tool[127] = '\0';
    sec_body b = {long_tool, SEC_BUILDER, 70, TEXT, 1, NULL};
    sec_pack(&tk, &b);
    s_sign_raw(f, &tk, SEC_BUILDER);
    sec_expect_refused(sec_accept(f, &tk, &st), &st, SOS__CODE__CODE_NOT_FOUND, "unknown tool",
                       "127-byte tool id");
    sec_take_free(&tk);
    char *text = malloc(SCORING_MAX_TEXT + 1);
    assert_non_null(text);
    for (size_t i = 0; i < SCORING_MAX_TEXT; i += 2)
        memcpy(text + i, "\xc3\xa9", 2); /* é */
    memcpy(text,
           "\t\n\r\xf0\x9f\x9a\x80"
           "a",
           8); /* tab, newline, CR, U+1F680 */
    text[SCORING_MAX_TEXT] = '\0';
    sec_body ok = {"tool-a", SEC_BUILDER, 70, text, 1, NULL};
    sec_pack(&tk, &ok);
    s_sign_raw(f, &tk, SEC_BUILDER);
    if (sec_accept(f, &tk, &st) != 0)
        fail_msg("10000-byte valid text refused: %s \"%s\"", sos_code_name(st.code), st.msg);
    sec_take_free(&tk);
    free(text);
}

/* Appends field 6 (text) holding n copies of c. */
static void s_append_text(sos_buf *b, char c, size_t n)
{
    uint8_t hdr[11] = {0x32};
    size_t h = 1, v = n;
    for (; v >= 0x80; v >>= 7)
        hdr[h++] = (uint8_t)(0x80 | (v & 0x7f));
    hdr[h++] = (uint8_t)v;
    sos_buf_append(b, hdr, h);
    char *p = malloc(n);
    assert_non_null(p);
    memset(p, c, n);
    sos_buf_append(b, p, n);
    free(p);
}

/* A payload of exactly SCORING_MAX_PAYLOAD + 1 bytes that is otherwise a
 * take scoring would accept: protobuf keeps the last of repeated
 * occurrences of a field, so it repeats the text field and the last one,
 * the one that counts, is valid and under 10000 bytes. */
static void test_payload_size(void **state)
{
    sec_fx *f = *state;
    sec_snap snap = sec_snapshot(f);
    const size_t target = SCORING_MAX_PAYLOAD + 1;
    sec_take tk;
    sec_body b = {"tool-a", SEC_BUILDER, 70, "x", 1, NULL};
    sec_pack(&tk, &b);
    size_t last;
    for (;;) { /* full texts, then one that lands exactly on target */
        size_t left = target - tk.payload.len;
        if (left - 3 <= SCORING_MAX_TEXT) {
            last = left - 3; /* tag and a 2-byte length */
            break;
        }
        s_append_text(&tk.payload, 'a', left - 203 < 10000 ? left - 203 : 10000);
    }
    assert_true(last >= 128 && last <= SCORING_MAX_TEXT);
    s_append_text(&tk.payload, 'b', last);
    assert_int_equal(tk.payload.len, target);
    Sos__TakeBody *tb =
        (Sos__TakeBody *)sos_unpack(&sos__take_body__descriptor, tk.payload.data, tk.payload.len);
    assert_non_null(tb); /* a valid TakeBody, the last text counting */
    assert_int_equal(strlen(tb->text), last);
    assert_int_equal(tb->base.n_unknown_fields, 0);
    sos__take_body__free_unpacked(tb, NULL);

    sos_status st;
    s_sign_raw(f, &tk, SEC_BUILDER);
    sec_expect_refused(sec_accept(f, &tk, &st), &st, SOS__CODE__CODE_BAD_REQUEST,
                       "take payload must be 1 to 65536 bytes", "payload one byte over, signed");
    sec_expect_unchanged(f, snap, "payload one byte over, signed");
    /* refused before the signature is looked at: a bad one changes nothing */
    tk.sig[0] ^= 0xff;
    sec_expect_refused(sec_accept(f, &tk, &st), &st, SOS__CODE__CODE_BAD_REQUEST,
                       "take payload must be 1 to 65536 bytes", "payload one byte over, bad sig");
    sec_expect_unchanged(f, snap, "payload one byte over, bad sig");
    sec_take_free(&tk);
}

int main(void)
{
    if (sos_sign_init() != 0)
        return 1;
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_unknown_fields, sec_setup, sec_teardown),
        cmocka_unit_test_setup_teardown(test_text_and_tool_id, sec_setup, sec_teardown),
        cmocka_unit_test_setup_teardown(test_payload_size, sec_setup, sec_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
