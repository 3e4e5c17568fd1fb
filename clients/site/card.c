/* card: a comparison's social card, drawn with cairo, encoded with libpng.
 * See card.h.
 *
 * Layout (pixels of the 1200x630 card; M is the 64 px margin):
 *
 *   y   40-120  "Ship or Skip" (bold), a rule under it
 *   y  150-270  "A vs B:" (bold, 60 px, down to 40 px, then names cut with
 *               an ellipsis) and "which one should you ship?" (muted)
 *   y  300-560  two panels side by side, one a tool: its name, its label
 *               as a badge with "3 ship / 1 skip", then two bars with their
 *               figures: "75% ship" (the site's ship green) and "mean
 *               71.25" (the site's link blue); "No panel takes yet" when
 *               the tool has none
 *   y  600      the footer: what the panel is
 *
 * Determinism: no time, no random, no hinting (hint style and metrics
 * off), grey antialiasing, the font named explicitly; libpng's simplified
 * writer adds no timestamp (an sRGB chunk, IHDR, IDAT, IEND). */
#include "card.h"

#include <assert.h>
#include <cairo.h>
#include <png.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "text.h"

#define M 64.0
#define FONT "DejaVu Sans"
#define ELLIPSIS "\xe2\x80\xa6"

typedef struct {
    double r, g, b;
} s_rgb;

#define RGB(hex)                                                                                   \
    {                                                                                              \
        ((hex) >> 16 & 0xff) / 255.0, ((hex) >> 8 & 0xff) / 255.0, ((hex)&0xff) / 255.0            \
    }

/* the site's light palette (site_assets.c) */
static const s_rgb INK = RGB(0x16181d), MUTED = RGB(0x5b6270), LINE = RGB(0xd9dde3),
                   BG = RGB(0xffffff), SOFT = RGB(0xf4f6f8), SHIP = RGB(0x0b6b3a),
                   SHIP_BG = RGB(0xe3f4ea), SKIP = RGB(0x9b1c1c), SKIP_BG = RGB(0xfbe7e7),
                   SPLIT = RGB(0x6b4e00), SPLIT_BG = RGB(0xfbf1d6), LINK = RGB(0x0b4fa8);

#ifdef __SANITIZE_ADDRESS__
/* LeakSanitizer (the sanitized build): fontconfig, under cairo 1.16's toy
 * font API, loses a few hundred bytes of font patterns once per process
 * (libfontconfig's own allocations, not ours). Every program that draws a
 * card links this file, so the suppression lives here. */
const char *__lsan_default_suppressions(void);
const char *__lsan_default_suppressions(void)
{
    return "leak:libfontconfig.so\n";
}
#endif

/* The memory every card is drawn and encoded in: allocated at the first
 * card, kept for the life of the process (about 5 MB), so that drawing a
 * card does not hand 5 MB back to the system and fault it in again each
 * time (that tripled a card's time inside `sos render`). One card at a
 * time: not for threads. */
static struct {
    unsigned char *pixels; /* CARD_HEIGHT rows of s_stride bytes */
    int stride;
    unsigned char *png; /* png_cap bytes */
    size_t png_cap;
} s_mem;

static void s_colour(cairo_t *cr, s_rgb c)
{
    cairo_set_source_rgb(cr, c.r, c.g, c.b);
}

static void s_font(cairo_t *cr, bool bold, double size)
{
    cairo_select_font_face(cr, FONT, CAIRO_FONT_SLANT_NORMAL,
                           bold ? CAIRO_FONT_WEIGHT_BOLD : CAIRO_FONT_WEIGHT_NORMAL);
    cairo_set_font_size(cr, size);
}

static double s_width(cairo_t *cr, const char *s)
{
    cairo_text_extents_t e;
    cairo_text_extents(cr, s, &e);
    return e.x_advance;
}

static void s_text(cairo_t *cr, double x, double y, s_rgb c, const char *s)
{
    s_colour(cr, c);
    cairo_move_to(cr, x, y);
    cairo_show_text(cr, s);
}

/* A copy of s that cairo can draw: a byte that does not start valid UTF-8
 * becomes "?", a control character a space. The caller's (free). */
static char *s_clean(const char *s)
{
    size_t n = strlen(s), o = 0;
    char *out = sos_xmalloc(n + 1);
    for (size_t i = 0; i < n;) {
        unsigned char c = (unsigned char)s[i];
        size_t len = c < 0x80                ? 1
                     : c >= 0xc2 && c < 0xe0 ? 2
                     : c >= 0xe0 && c < 0xf0 ? 3
                     : c >= 0xf0 && c < 0xf5 ? 4
                                             : 0;
        if (len == 1 && (c < 0x20 || c == 0x7f)) {
            out[o++] = ' ';
            i++;
        } else if (len && i + len <= n && sos_text_valid(s + i, len)) {
            memcpy(out + o, s + i, len);
            o += len;
            i += len;
        } else {
            out[o++] = '?';
            i++;
        }
    }
    out[o] = '\0';
    return out;
}

/* s (clean UTF-8) cut at a character boundary, with an ellipsis, so that
 * it is at most max wide in the current font; s itself when it fits. The
 * caller's (free). */
static char *s_ellipsize(cairo_t *cr, const char *s, double max)
{
    size_t n = strlen(s);
    char *buf = sos_xmalloc(n + sizeof ELLIPSIS);
    memcpy(buf, s, n + 1);
    if (s_width(cr, buf) <= max)
        return buf;
    /* the longest prefix, cut where a character starts, that fits with
     * the ellipsis (the empty one always does) */
    size_t *cut = sos_xmalloc(n * sizeof *cut), nc = 0;
    for (size_t i = 0; i < n; i++)
        if ((s[i] & 0xc0) != 0x80)
            cut[nc++] = i;
    size_t lo = 0, hi = nc - 1;
    while (lo < hi) {
        size_t mid = lo + (hi - lo + 1) / 2;
        memcpy(buf, s, cut[mid]);
        memcpy(buf + cut[mid], ELLIPSIS, sizeof ELLIPSIS);
        if (s_width(cr, buf) <= max)
            lo = mid;
        else
            hi = mid - 1;
    }
    lo = cut[lo];
    free(cut);
    while (lo > 0 && s[lo - 1] == ' ') /* no blank before the ellipsis */
        lo--;
    memcpy(buf, s, lo);
    memcpy(buf + lo, ELLIPSIS, sizeof ELLIPSIS);
    return buf;
}

/* The largest size from hi down to lo (steps of 2) at which s fits in max,
 * set on cr; lo when none does. */
static double s_shrink(cairo_t *cr, bool bold, const char *s, double max, double hi, double lo)
{
    double size = hi;
    for (; size > lo; size -= 2) {
        s_font(cr, bold, size);
        if (s_width(cr, s) <= max)
            return size;
    }
    s_font(cr, bold, lo);
    return lo;
}

static void s_round_rect(cairo_t *cr, double x, double y, double w, double h, double r)
{
    cairo_new_sub_path(cr);
    cairo_arc(cr, x + w - r, y + r, r, -1.5707963267948966, 0);
    cairo_arc(cr, x + w - r, y + h - r, r, 0, 1.5707963267948966);
    cairo_arc(cr, x + r, y + h - r, r, 1.5707963267948966, 3.141592653589793);
    cairo_arc(cr, x + r, y + r, r, 3.141592653589793, 4.71238898038469);
    cairo_close_path(cr);
}

/* "A vs B:", at most max wide: shrunk to 40 px, then each name cut, the
 * longer one first. */
static void s_title(cairo_t *cr, const char *na, const char *nb, double y, double max)
{
    size_t n = strlen(na) + strlen(nb) + 8;
    char *line = sos_xmalloc(n);
    snprintf(line, n, "%s vs %s:", na, nb);
    s_shrink(cr, true, line, max, 60, 40);
    if (s_width(cr, line) > max) {
        double avail = max - s_width(cr, " vs :"), wa = s_width(cr, na), wb = s_width(cr, nb);
        double ma = avail / 2, mb = avail / 2;
        if (wa <= avail / 2)
            mb = avail - wa;
        else if (wb <= avail / 2)
            ma = avail - wb;
        char *ca = s_ellipsize(cr, na, ma), *cb = s_ellipsize(cr, nb, mb);
        free(line);
        n = strlen(ca) + strlen(cb) + 8;
        line = sos_xmalloc(n);
        snprintf(line, n, "%s vs %s:", ca, cb);
        free(ca);
        free(cb);
    }
    s_text(cr, M, y, INK, line);
    free(line);
}

/* A bar as on the page: a track, its fill (pct of it) and the figure. */
static void s_bar(cairo_t *cr, double x, double y, double w, double pct, s_rgb fill,
                  const char *figure)
{
    const double h = 18, tw = w - 190;
    s_round_rect(cr, x, y, tw, h, h / 2);
    s_colour(cr, SOFT);
    cairo_fill_preserve(cr);
    cairo_save(cr);
    cairo_clip_preserve(cr);
    s_colour(cr, LINE);
    cairo_set_line_width(cr, 2);
    cairo_stroke(cr);
    if (pct > 0) {
        cairo_rectangle(cr, x, y, tw * (pct > 100 ? 100 : pct) / 100.0, h);
        s_colour(cr, fill);
        cairo_fill(cr);
    }
    cairo_restore(cr);
    s_font(cr, false, 26);
    s_text(cr, x + tw + 20, y + h - 1, INK, figure);
}

/* One tool's panel at x, w wide. */
static void s_panel(cairo_t *cr, double x, double w, const Sos__VerdictBody *v, const char *name)
{
    const double y = 300, h = 260, pad = 28, inner = w - 2 * pad;
    s_round_rect(cr, x, y, w, h, 16);
    s_colour(cr, SOFT);
    cairo_fill_preserve(cr);
    s_colour(cr, LINE);
    cairo_set_line_width(cr, 2);
    cairo_stroke(cr);

    s_shrink(cr, true, name, inner, 40, 28);
    char *shown = s_ellipsize(cr, name, inner);
    s_text(cr, x + pad, y + 62, INK, shown);
    free(shown);

    if (v->label == SOS__LABEL__LABEL_UNSPECIFIED) {
        s_font(cr, false, 28);
        s_text(cr, x + pad, y + 130, MUTED, "No panel takes yet");
        return;
    }
    /* the badge */
    s_rgb fg = SPLIT, bg = SPLIT_BG;
    if (v->label == SOS__LABEL__LABEL_SHIP)
        fg = SHIP, bg = SHIP_BG;
    else if (v->label == SOS__LABEL__LABEL_SKIP)
        fg = SKIP, bg = SKIP_BG;
    const char *label = sos_label_name(v->label);
    s_font(cr, true, 28);
    double lw = s_width(cr, label);
    s_round_rect(cr, x + pad, y + 88, lw + 36, 46, 23);
    s_colour(cr, bg);
    cairo_fill(cr);
    s_text(cr, x + pad + 18, y + 121, fg, label);
    char fig[64];
    snprintf(fig, sizeof fig, "%u ship / %u skip", v->ship, v->skip);
    s_font(cr, false, 26);
    s_text(cr, x + pad + lw + 56, y + 120, MUTED, fig);

    snprintf(fig, sizeof fig, "%u%% ship", v->ship_pct);
    s_bar(cr, x + pad, y + 168, inner, v->ship_pct, SHIP, fig);
    snprintf(fig, sizeof fig, "mean %.2f", v->mean_score_x100 / 100.0);
    s_bar(cr, x + pad, y + 212, inner, v->mean_score_x100 / 100.0, LINK, fig);
}

/* The surface as PNG bytes appended to out, by libpng's own writer with its
 * "fast" setting (no row filter, zlib level 3): cairo's
 * cairo_surface_write_to_png_stream tries every filter at level 6, four
 * times slower for a card of about the same size (docs/performance.md).
 * 0 or -1. */
static int s_png_encode(cairo_surface_t *sf, sos_buf *out)
{
    const int w = cairo_image_surface_get_width(sf), h = cairo_image_surface_get_height(sf),
              stride = cairo_image_surface_get_stride(sf);
    unsigned char *px = cairo_image_surface_get_data(sf);
    /* CAIRO_FORMAT_RGB24 is a native-endian 0x00RRGGBB a pixel: packed to
     * R, G, B in place, at the start of each row (the surface is spent) */
    for (int y = 0; y < h; y++) {
        unsigned char *row = px + (size_t)y * (size_t)stride, *o = row;
        for (int x = 0; x < w; x++) {
            uint32_t v;
            memcpy(&v, row + 4 * (size_t)x, 4);
            *o++ = (unsigned char)(v >> 16);
            *o++ = (unsigned char)(v >> 8);
            *o++ = (unsigned char)v;
        }
    }
    png_image img;
    memset(&img, 0, sizeof img);
    img.version = PNG_IMAGE_VERSION;
    img.width = (png_uint_32)w;
    img.height = (png_uint_32)h;
    img.format = PNG_FORMAT_RGB;
    img.flags = PNG_IMAGE_FLAG_FAST;
    png_alloc_size_t cap = PNG_IMAGE_PNG_SIZE_MAX(img), len = cap;
    if (!s_mem.png) {
        s_mem.png = sos_xmalloc(cap);
        s_mem.png_cap = cap;
    }
    assert(s_mem.png_cap >= cap);
    int rc = png_image_write_to_memory(&img, s_mem.png, &len, 0, px, stride, NULL) ? 0 : -1;
    if (rc == 0)
        sos_buf_append(out, s_mem.png, len);
    png_image_free(&img);
    return rc;
}

int card_compare_png(const Sos__VerdictBody *a, const char *name_a, const Sos__VerdictBody *b,
                     const char *name_b, sos_buf *out)
{
    int rc = -1;
    char *na = s_clean(name_a), *nb = s_clean(name_b);
    if (!s_mem.pixels) {
        s_mem.stride = cairo_format_stride_for_width(CAIRO_FORMAT_RGB24, CARD_WIDTH);
        s_mem.pixels = sos_xmalloc((size_t)s_mem.stride * CARD_HEIGHT);
    }
    cairo_surface_t *sf = cairo_image_surface_create_for_data(
        s_mem.pixels, CAIRO_FORMAT_RGB24, CARD_WIDTH, CARD_HEIGHT, s_mem.stride);
    cairo_t *cr = cairo_create(sf);
    cairo_font_options_t *fo = cairo_font_options_create();
    cairo_font_options_set_antialias(fo, CAIRO_ANTIALIAS_GRAY);
    cairo_font_options_set_hint_style(fo, CAIRO_HINT_STYLE_NONE);
    cairo_font_options_set_hint_metrics(fo, CAIRO_HINT_METRICS_OFF);
    cairo_set_font_options(cr, fo);
    cairo_font_options_destroy(fo);

    s_colour(cr, BG);
    cairo_paint(cr);
    s_font(cr, true, 34);
    s_text(cr, M, 88, INK, "Ship or Skip");
    cairo_rectangle(cr, M, 116, CARD_WIDTH - 2 * M, 2);
    s_colour(cr, LINE);
    cairo_fill(cr);

    s_title(cr, na, nb, 200, CARD_WIDTH - 2 * M);
    s_font(cr, false, 40);
    s_text(cr, M, 258, MUTED, "which one should you ship?");

    const double gap = 32, w = (CARD_WIDTH - 2 * M - gap) / 2;
    s_panel(cr, M, w, a, na);
    s_panel(cr, M + w + gap, w, b, nb);

    s_font(cr, false, 24);
    s_text(cr, M, 604, MUTED,
           "Signed panel verdicts: Builder \xc2\xb7 Skeptic \xc2\xb7 Futurist \xc2\xb7 Founder "
           "\xc2\xb7 Creator");

    if (cairo_status(cr) != CAIRO_STATUS_SUCCESS)
        goto out;
    cairo_surface_flush(sf);
    rc = s_png_encode(sf, out);
out:
    cairo_destroy(cr);
    cairo_surface_destroy(sf);
    free(na);
    free(nb);
    return rc;
}

/* --- checking a card ---------------------------------------------------- */

typedef struct {
    const uint8_t *p;
    size_t len, at;
} s_reader;

static cairo_status_t s_png_in(void *closure, unsigned char *data, unsigned int len)
{
    s_reader *r = closure;
    if (len > r->len - r->at)
        return CAIRO_STATUS_READ_ERROR;
    memcpy(data, r->p + r->at, len);
    r->at += len;
    return CAIRO_STATUS_SUCCESS;
}

static uint32_t s_be32(const uint8_t *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

/* The decoded surface of png, or NULL when it is not a CARD_WIDTH x
 * CARD_HEIGHT PNG (why says so). The caller destroys it. */
static cairo_surface_t *s_decode(const uint8_t *png, size_t len, char *why, size_t cap)
{
    static const uint8_t sig[8] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'};
    if (len < 33 || memcmp(png, sig, 8) != 0 || s_be32(png + 8) != 13 ||
        memcmp(png + 12, "IHDR", 4) != 0) {
        snprintf(why, cap, "is not a PNG");
        return NULL;
    }
    uint32_t w = s_be32(png + 16), h = s_be32(png + 20);
    if (w != CARD_WIDTH || h != CARD_HEIGHT) {
        snprintf(why, cap, "is %ux%u, not %dx%d", w, h, CARD_WIDTH, CARD_HEIGHT);
        return NULL;
    }
    s_reader r = {png, len, 0};
    cairo_surface_t *sf = cairo_image_surface_create_from_png_stream(s_png_in, &r);
    if (cairo_surface_status(sf) != CAIRO_STATUS_SUCCESS ||
        cairo_image_surface_get_width(sf) != CARD_WIDTH ||
        cairo_image_surface_get_height(sf) != CARD_HEIGHT) {
        cairo_surface_destroy(sf);
        snprintf(why, cap, "does not decode as a PNG");
        return NULL;
    }
    return sf;
}

int card_png_check(const uint8_t *png, size_t len, char *why, size_t cap)
{
    cairo_surface_t *sf = s_decode(png, len, why, cap);
    cairo_surface_destroy(sf); /* NULL: nothing */
    return sf ? 0 : -1;
}

int card_png_pixels(const uint8_t *png, size_t len, uint32_t *px)
{
    char why[64];
    cairo_surface_t *sf = s_decode(png, len, why, sizeof why);
    if (!sf)
        return -1;
    cairo_surface_t *rgb = cairo_image_surface_create(CAIRO_FORMAT_RGB24, CARD_WIDTH, CARD_HEIGHT);
    cairo_t *cr = cairo_create(rgb);
    cairo_set_source_surface(cr, sf, 0, 0);
    cairo_set_operator(cr, CAIRO_OPERATOR_SOURCE);
    cairo_paint(cr);
    cairo_destroy(cr);
    cairo_surface_flush(rgb);
    const unsigned char *data = cairo_image_surface_get_data(rgb);
    const int stride = cairo_image_surface_get_stride(rgb);
    for (int y = 0; y < CARD_HEIGHT; y++) {
        const uint32_t *row = (const uint32_t *)(const void *)(data + (size_t)y * (size_t)stride);
        for (int x = 0; x < CARD_WIDTH; x++)
            px[(size_t)y * CARD_WIDTH + (size_t)x] = row[x] & 0xffffff;
    }
    cairo_surface_destroy(rgb);
    cairo_surface_destroy(sf);
    return 0;
}
