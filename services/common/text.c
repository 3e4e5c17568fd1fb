/* text: UTF-8 checks, slugs and the names of enums. */
#include "text.h"

#include <ctype.h>
#include <stdint.h>
#include <strings.h>

bool sos_text_valid(const char *s, size_t n)
{
    const unsigned char *p = (const unsigned char *)s;
    size_t i = 0;
    while (i < n) {
        unsigned c = p[i];
        if (c < 0x80) {
            if (c == 0 || (c < 0x20 && c != '\t' && c != '\n' && c != '\r') || c == 0x7f)
                return false;
            i++;
            continue;
        }
        size_t need;
        uint32_t cp;
        if (c >= 0xc2 && c <= 0xdf) {
            need = 1;
            cp = c & 0x1f;
        } else if (c >= 0xe0 && c <= 0xef) {
            need = 2;
            cp = c & 0x0f;
        } else if (c >= 0xf0 && c <= 0xf4) {
            need = 3;
            cp = c & 0x07;
        } else {
            return false;
        }
        if (i + need >= n) /* truncated sequence */
            return false;
        for (size_t k = 1; k <= need; k++) {
            unsigned cc = p[i + k];
            if ((cc & 0xc0) != 0x80)
                return false;
            cp = (cp << 6) | (cc & 0x3f);
        }
        if ((need == 2 && cp < 0x800) || (need == 3 && (cp < 0x10000 || cp > 0x10ffff)) ||
            (cp >= 0xd800 && cp <= 0xdfff))
            return false;
        i += need + 1;
    }
    return true;
}

size_t sos_text_slug(const char *name, char *out, size_t cap)
{
    size_t n = 0;
    bool dash = false;
    if (cap == 0)
        return 0;
    for (const unsigned char *p = (const unsigned char *)name; *p; p++) {
        if (isalnum(*p) && *p < 0x80) {
            /* a dash only when the character after it fits too */
            if (dash && n > 0 && n + 2 < cap)
                out[n++] = '-';
            else if (dash && n > 0)
                break;
            dash = false;
            if (n + 1 < cap)
                out[n++] = (char)tolower(*p);
        } else {
            dash = true;
        }
    }
    out[n] = '\0';
    return n;
}

size_t sos_text_fold(const char *name, char *out, size_t cap)
{
    size_t n = 0;
    if (cap == 0)
        return 0;
    for (const unsigned char *p = (const unsigned char *)name; *p; p++) {
        if (*p >= 0x80 || isalnum(*p)) {
            if (n + 1 < cap)
                out[n++] = (char)(*p < 0x80 ? tolower(*p) : *p);
        }
    }
    out[n] = '\0';
    return n;
}

static const char *const s_personas[] = {NULL,       "Builder", "Skeptic",
                                         "Futurist", "Founder", "Creator"};

const char *sos_persona_name(Sos__Persona p)
{
    if (p >= 1 && p <= 5)
        return s_personas[p];
    return "unknown";
}

Sos__Persona sos_persona_parse(const char *s)
{
    for (int i = 1; i <= 5; i++)
        if (s && strcasecmp(s, s_personas[i]) == 0)
            return (Sos__Persona)i;
    return SOS__PERSONA__PERSONA_UNSPECIFIED;
}

static const char *const s_tiers[] = {NULL, "Free", "Paid", "Freemium"};

const char *sos_tier_name(Sos__Tier t)
{
    if (t >= 1 && t <= 3)
        return s_tiers[t];
    return "unknown";
}

Sos__Tier sos_tier_parse(const char *s)
{
    for (int i = 1; i <= 3; i++)
        if (s && strcasecmp(s, s_tiers[i]) == 0)
            return (Sos__Tier)i;
    return SOS__TIER__TIER_UNSPECIFIED;
}

const char *sos_label_name(Sos__Label l)
{
    switch (l) {
    case SOS__LABEL__LABEL_SHIP: return "Ship";
    case SOS__LABEL__LABEL_SKIP: return "Skip";
    case SOS__LABEL__LABEL_SPLIT: return "Split";
    default: return "Pending";
    }
}
