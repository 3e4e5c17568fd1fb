/* note: C2SP signed-note and tlog-checkpoint (note.h). Parsing follows the
 * texts and Go's golang.org/x/mod/sumdb/note, whose test vector the unit
 * test checks: the text is everything up to the last blank line, and
 * anything that is not exactly the format is malformed. */
#include "note.h"

#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#define S_DASH "\xe2\x80\x94 " /* U+2014 EM DASH, then a space */
#define S_DASH_LEN 4
#define S_ALG_ED25519 0x01
#define S_SIG_RAW (4 + SOS_SIG_BYTES)

/* Valid UTF-8 (no overlong form, no surrogate, nothing above U+10FFFF)
 * with no control character but newline. */
static bool s_text_ok(const uint8_t *p, size_t n)
{
    for (size_t i = 0; i < n;) {
        uint8_t c = p[i];
        if (c < 0x80) {
            if ((c < 0x20 && c != '\n') || c == 0x7f)
                return false;
            i++;
            continue;
        }
        size_t len = c >= 0xf0 ? 4 : c >= 0xe0 ? 3 : c >= 0xc2 ? 2 : 0;
        if (len == 0 || c > 0xf4 || i + len > n)
            return false;
        uint32_t cp = c & (0x3f >> (len - 1));
        for (size_t k = 1; k < len; k++) {
            if ((p[i + k] & 0xc0) != 0x80)
                return false;
            cp = cp << 6 | (p[i + k] & 0x3f);
        }
        if ((len == 3 && cp < 0x800) || (len == 4 && (cp < 0x10000 || cp > 0x10ffff)) ||
            (cp >= 0xd800 && cp <= 0xdfff))
            return false;
        i += len;
    }
    return true;
}

/* A note's text: non-empty, valid, ending in a newline. */
static bool s_note_text_ok(const uint8_t *p, size_t n)
{
    return n > 0 && p[n - 1] == '\n' && s_text_ok(p, n);
}

static int s_name_ok(const char *name, size_t n)
{
    if (n == 0 || n > SOS_NOTE_NAME_MAX || !s_text_ok((const uint8_t *)name, n))
        return SOS_NOTE_MALFORMED;
    for (size_t i = 0; i < n; i++)
        if (name[i] == ' ' || name[i] == '+' || name[i] == '\n')
            return SOS_NOTE_MALFORMED;
    return SOS_NOTE_OK;
}

int sos_note_name_check(const char *name)
{
    return s_name_ok(name, strlen(name));
}

static uint32_t s_key_id(const char *name, size_t n, const uint8_t pk[SOS_PK_BYTES])
{
    static const uint8_t sep[2] = {'\n', S_ALG_ED25519};
    const sos_span parts[] = {{name, n}, {sep, 2}, {pk, SOS_PK_BYTES}};
    uint8_t h[SOS_SHA256_BYTES];
    sos_sha256(parts, 3, h);
    return (uint32_t)h[0] << 24 | (uint32_t)h[1] << 16 | (uint32_t)h[2] << 8 | h[3];
}

uint32_t sos_note_key_id(const char *name, const uint8_t pk[SOS_PK_BYTES])
{
    return s_key_id(name, strlen(name), pk);
}

int sos_note_vkey(const char *name, const uint8_t pk[SOS_PK_BYTES], sos_buf *out)
{
    if (sos_note_name_check(name) != SOS_NOTE_OK)
        return SOS_NOTE_MALFORMED;
    uint8_t raw[1 + SOS_PK_BYTES] = {S_ALG_ED25519};
    char id[9], b64[SOS_BASE64_LEN(sizeof raw)];
    memcpy(raw + 1, pk, SOS_PK_BYTES);
    snprintf(id, sizeof id, "%08x", (unsigned)sos_note_key_id(name, pk));
    sos_base64(raw, sizeof raw, b64);
    sos_buf_append(out, name, strlen(name));
    sos_buf_append(out, "+", 1);
    sos_buf_append(out, id, 8);
    sos_buf_append(out, "+", 1);
    sos_buf_append(out, b64, strlen(b64));
    return SOS_NOTE_OK;
}

/* Exactly 8 hex digits (either case) into *id. */
static int s_parse_id(const char *p, size_t n, uint32_t *id)
{
    uint32_t v = 0;
    if (n != 8)
        return SOS_NOTE_MALFORMED;
    for (size_t i = 0; i < 8; i++) {
        char c = p[i];
        int d = c >= '0' && c <= '9'   ? c - '0'
                : c >= 'a' && c <= 'f' ? c - 'a' + 10
                : c >= 'A' && c <= 'F' ? c - 'A' + 10
                                       : -1;
        if (d < 0)
            return SOS_NOTE_MALFORMED;
        v = v << 4 | (uint32_t)d;
    }
    *id = v;
    return SOS_NOTE_OK;
}

/* Strict base64 of a bounded span into out (cap bytes), *n decoded. */
static int s_unbase64(const char *p, size_t len, uint8_t *out, size_t cap, size_t *n)
{
    char tmp[SOS_BASE64_LEN(S_SIG_RAW) + 8];
    if (len == 0 || len >= sizeof tmp)
        return SOS_NOTE_MALFORMED;
    memcpy(tmp, p, len);
    tmp[len] = '\0';
    uint8_t dec[sizeof tmp];
    size_t dn;
    if (sos_unbase64(tmp, dec, sizeof dec, &dn) != 0 || dn > cap)
        return SOS_NOTE_MALFORMED;
    memcpy(out, dec, dn);
    *n = dn;
    return SOS_NOTE_OK;
}

int sos_note_vkey_parse(const char *vkey, char *name, size_t cap, uint8_t pk[SOS_PK_BYTES])
{
    const char *p1 = strchr(vkey, '+'), *p2 = p1 ? strchr(p1 + 1, '+') : NULL;
    uint8_t raw[1 + SOS_PK_BYTES + 1];
    size_t nn, rn;
    uint32_t id;
    if (!p2)
        return SOS_NOTE_MALFORMED;
    nn = (size_t)(p1 - vkey);
    if (s_name_ok(vkey, nn) != SOS_NOTE_OK || nn + 1 > cap ||
        s_parse_id(p1 + 1, (size_t)(p2 - p1 - 1), &id) != SOS_NOTE_OK ||
        s_unbase64(p2 + 1, strlen(p2 + 1), raw, sizeof raw, &rn) != SOS_NOTE_OK ||
        rn != 1 + SOS_PK_BYTES || raw[0] != S_ALG_ED25519 || s_key_id(vkey, nn, raw + 1) != id)
        return SOS_NOTE_MALFORMED;
    memcpy(name, vkey, nn);
    name[nn] = '\0';
    memcpy(pk, raw + 1, SOS_PK_BYTES);
    return SOS_NOTE_OK;
}

int sos_note_sign(const uint8_t *text, size_t n, const char *name, const sos_key *k, sos_buf *out)
{
    if (!s_note_text_ok(text, n) || sos_note_name_check(name) != SOS_NOTE_OK)
        return SOS_NOTE_MALFORMED;
    uint32_t id = sos_note_key_id(name, sos_key_public(k));
    uint8_t raw[S_SIG_RAW] = {(uint8_t)(id >> 24), (uint8_t)(id >> 16), (uint8_t)(id >> 8),
                              (uint8_t)id};
    char b64[SOS_BASE64_LEN(S_SIG_RAW)];
    sos_sign_note(k, text, n, raw + 4);
    sos_base64(raw, sizeof raw, b64);
    sos_buf_append(out, text, n);
    sos_buf_append(out, "\n" S_DASH, 1 + S_DASH_LEN);
    sos_buf_append(out, name, strlen(name));
    sos_buf_append(out, " ", 1);
    sos_buf_append(out, b64, strlen(b64));
    sos_buf_append(out, "\n", 1);
    return SOS_NOTE_OK;
}

int sos_note_open(const uint8_t *msg, size_t n, const char *name, const uint8_t pk[SOS_PK_BYTES],
                  size_t *text_len)
{
    size_t split = n, sigs = 0, want_len = strlen(name);
    uint32_t want_id = sos_note_key_id(name, pk);
    bool found = false;
    *text_len = 0;
    /* the text ends at the last blank line */
    for (size_t i = n; i >= 2; i--)
        if (msg[i - 2] == '\n' && msg[i - 1] == '\n') {
            split = i - 1;
            break;
        }
    if (split == n || !s_note_text_ok(msg, split) || !s_text_ok(msg + split + 1, n - split - 1))
        return SOS_NOTE_MALFORMED;
    const uint8_t *p = msg + split + 1, *end = msg + n;
    if (p == end || end[-1] != '\n')
        return SOS_NOTE_MALFORMED;
    int rc = SOS_NOTE_OK;
    while (p < end) {
        const uint8_t *nl = memchr(p, '\n', (size_t)(end - p));
        const uint8_t *sp;
        uint8_t raw[S_SIG_RAW + 1];
        size_t rn;
        if (++sigs > SOS_NOTE_MAX_SIGS || (size_t)(nl - p) < S_DASH_LEN ||
            memcmp(p, S_DASH, S_DASH_LEN) != 0)
            return SOS_NOTE_MALFORMED;
        p += S_DASH_LEN;
        sp = memchr(p, ' ', (size_t)(nl - p));
        if (!sp || s_name_ok((const char *)p, (size_t)(sp - p)) != SOS_NOTE_OK ||
            s_unbase64((const char *)sp + 1, (size_t)(nl - sp - 1), raw, sizeof raw, &rn) !=
                SOS_NOTE_OK ||
            rn < 5)
            return SOS_NOTE_MALFORMED;
        uint32_t id =
            (uint32_t)raw[0] << 24 | (uint32_t)raw[1] << 16 | (uint32_t)raw[2] << 8 | raw[3];
        if (id == want_id && (size_t)(sp - p) == want_len && memcmp(p, name, want_len) == 0) {
            if (rn != S_SIG_RAW || sos_verify_note(pk, msg, split, raw + 4) != 0)
                rc = SOS_NOTE_FORGED;
            else
                found = true;
        }
        p = nl + 1;
    }
    if (rc != SOS_NOTE_OK)
        return rc;
    if (!found)
        return SOS_NOTE_UNSIGNED;
    *text_len = split;
    return SOS_NOTE_OK;
}

int sos_checkpoint_text(const char *origin, uint64_t size, const uint8_t root[SOS_SHA256_BYTES],
                        sos_buf *out)
{
    size_t on = strlen(origin);
    char num[24], b64[SOS_BASE64_LEN(SOS_SHA256_BYTES)];
    if (on == 0 || on > SOS_NOTE_NAME_MAX || !s_text_ok((const uint8_t *)origin, on) ||
        memchr(origin, '\n', on))
        return SOS_NOTE_MALFORMED;
    snprintf(num, sizeof num, "%llu", (unsigned long long)size);
    sos_base64(root, SOS_SHA256_BYTES, b64);
    sos_buf_append(out, origin, on);
    sos_buf_append(out, "\n", 1);
    sos_buf_append(out, num, strlen(num));
    sos_buf_append(out, "\n", 1);
    sos_buf_append(out, b64, strlen(b64));
    sos_buf_append(out, "\n", 1);
    return SOS_NOTE_OK;
}

int sos_checkpoint_parse(const uint8_t *text, size_t n, char *origin, size_t cap, uint64_t *size,
                         uint8_t root[SOS_SHA256_BYTES])
{
    const uint8_t *end = text + n, *l1, *l2, *l3;
    uint8_t dec[SOS_SHA256_BYTES + 1];
    size_t dn;
    uint64_t v = 0;
    if (!s_note_text_ok(text, n) || !(l1 = memchr(text, '\n', n)) ||
        !(l2 = memchr(l1 + 1, '\n', (size_t)(end - l1 - 1))) ||
        !(l3 = memchr(l2 + 1, '\n', (size_t)(end - l2 - 1))))
        return SOS_NOTE_MALFORMED;
    size_t on = (size_t)(l1 - text), sn = (size_t)(l2 - l1 - 1);
    if (on == 0 || on > SOS_NOTE_NAME_MAX || on + 1 > cap || sn == 0 || sn > 20 ||
        (sn > 1 && l1[1] == '0'))
        return SOS_NOTE_MALFORMED;
    for (size_t i = 0; i < sn; i++) {
        uint8_t c = l1[1 + i];
        if (c < '0' || c > '9' || v > (UINT64_MAX - (uint64_t)(c - '0')) / 10)
            return SOS_NOTE_MALFORMED;
        v = v * 10 + (uint64_t)(c - '0');
    }
    if (s_unbase64((const char *)l2 + 1, (size_t)(l3 - l2 - 1), dec, sizeof dec, &dn) !=
            SOS_NOTE_OK ||
        dn != SOS_SHA256_BYTES)
        return SOS_NOTE_MALFORMED;
    memcpy(origin, text, on);
    origin[on] = '\0';
    *size = v;
    memcpy(root, dec, SOS_SHA256_BYTES);
    return SOS_NOTE_OK;
}
