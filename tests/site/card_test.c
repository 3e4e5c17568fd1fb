/* unit.site.card: the social card of clients/site/card.c: a 1200x630 PNG
 * (signature, IHDR, decodes), the same bytes for the same verdicts and
 * other bytes for others, long and broken names kept inside their places,
 * and card_png_check's refusals. */
#include "sitefix.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "card.h"

static Sos__VerdictBody s_body(Sos__Label label, unsigned ship, unsigned skip, unsigned mean_x100)
{
    Sos__VerdictBody v = SOS__VERDICT_BODY__INIT;
    v.label = label;
    v.ship = ship;
    v.skip = skip;
    v.ship_pct = ship + skip ? (200 * ship + ship + skip) / (2 * (ship + skip)) : 0;
    v.mean_score_x100 = mean_x100;
    return v;
}

static void s_card(const char *na, const char *nb, Sos__Label lb, sos_buf *out)
{
    Sos__VerdictBody a = s_body(SOS__LABEL__LABEL_SHIP, 4, 0, 7725), b = s_body(lb, 1, 3, 4125);
    assert_int_equal(card_compare_png(&a, na, &b, nb, out), 0);
}

static uint32_t s_be32(const uint8_t *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static void test_png_1200_by_630(void **state)
{
    (void)state;
    sos_buf b = SOS_BUF_INIT;
    s_card("Llama 4 Compact 12B", "Mistral Small 3.1", SOS__LABEL__LABEL_SKIP, &b);
    static const uint8_t sig[8] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'};
    assert_true(b.len > 1000);
    assert_memory_equal(b.data, sig, 8);
    assert_int_equal(s_be32(b.data + 8), 13);
    assert_memory_equal(b.data + 12, "IHDR", 4);
    assert_int_equal(s_be32(b.data + 16), CARD_WIDTH);
    assert_int_equal(s_be32(b.data + 20), CARD_HEIGHT);
    assert_int_equal(CARD_WIDTH, 1200);
    assert_int_equal(CARD_HEIGHT, 630);
    char why[80];
    assert_int_equal(card_png_check(b.data, b.len, why, sizeof why), 0);
    /* appended: what out held stays */
    sos_buf c = SOS_BUF_INIT;
    sos_buf_append(&c, "x", 1);
    s_card("Llama 4 Compact 12B", "Mistral Small 3.1", SOS__LABEL__LABEL_SKIP, &c);
    assert_int_equal(c.len, b.len + 1);
    assert_memory_equal(c.data + 1, b.data, b.len);
    sos_buf_free(&b);
    sos_buf_free(&c);
}

static void test_deterministic(void **state)
{
    (void)state;
    static const Sos__Label labels[] = {SOS__LABEL__LABEL_SHIP, SOS__LABEL__LABEL_SKIP,
                                        SOS__LABEL__LABEL_SPLIT, SOS__LABEL__LABEL_UNSPECIFIED};
    sos_buf first[4] = {SOS_BUF_INIT, SOS_BUF_INIT, SOS_BUF_INIT, SOS_BUF_INIT};
    for (int i = 0; i < 4; i++) {
        sos_buf again = SOS_BUF_INIT;
        s_card("Alpha", "Beta", labels[i], &first[i]);
        s_card("Alpha", "Beta", labels[i], &again);
        assert_int_equal(again.len, first[i].len);
        assert_memory_equal(again.data, first[i].data, first[i].len);
        sos_buf_free(&again);
        /* another verdict is another card */
        for (int j = 0; j < i; j++)
            assert_true(first[j].len != first[i].len ||
                        memcmp(first[j].data, first[i].data, first[i].len) != 0);
    }
    for (int i = 0; i < 4; i++)
        sos_buf_free(&first[i]);
}

/* Every pixel of the rectangle [x0,x1) x [y0,y1) is rgb. */
static void s_all(const uint32_t *px, int x0, int x1, int y0, int y1, uint32_t rgb,
                  const char *what)
{
    for (int y = y0; y < y1; y++)
        for (int x = x0; x < x1; x++)
            if (px[y * CARD_WIDTH + x] != rgb)
                fail_msg("%s: pixel (%d,%d) is %06x, not %06x: text overflows", what, x, y,
                         (unsigned)px[y * CARD_WIDTH + x], (unsigned)rgb);
}

/* Names of 200 characters (wide letters, two-byte letters, broken UTF-8)
 * are shrunk and cut: the margins, the gap between the panels and the
 * panels' inner padding stay empty. */
static void test_long_names_fit(void **state)
{
    (void)state;
    char wide[201], accents[401], broken[201];
    memset(wide, 'W', 200);
    wide[200] = '\0';
    for (int i = 0; i < 200; i++)
        memcpy(accents + 2 * i, "\xc3\x89", 2); /* É */
    accents[400] = '\0';
    for (int i = 0; i < 200; i++)
        broken[i] = (char)(i % 3 ? 'M' : 0xff);
    broken[200] = '\0';
    const char *names[][2] = {{wide, wide}, {accents, "Beta"}, {"Alpha", broken}};
    uint32_t *px = sos_xmalloc((size_t)CARD_WIDTH * CARD_HEIGHT * sizeof *px);
    for (size_t k = 0; k < sizeof names / sizeof names[0]; k++) {
        sos_buf b = SOS_BUF_INIT;
        s_card(names[k][0], names[k][1], SOS__LABEL__LABEL_SPLIT, &b);
        assert_int_equal(card_png_pixels(b.data, b.len, px), 0);
        const uint32_t bg = 0xffffff, soft = 0xf4f6f8;
        s_all(px, 0, 60, 0, CARD_HEIGHT, bg, "left margin");
        s_all(px, CARD_WIDTH - 62, CARD_WIDTH, 0, CARD_HEIGHT, bg, "right margin");
        s_all(px, 588, 612, 300, 560, bg, "gap between the panels");
        /* inner padding of each panel (28 px; 20 checked), beside the name */
        s_all(px, 584 - 22, 584 - 4, 310, 380, soft, "first panel's padding");
        s_all(px, 1136 - 22, 1136 - 4, 310, 380, soft, "second panel's padding");
        sos_buf_free(&b);
    }
    free(px);
}

static void test_check_refuses(void **state)
{
    (void)state;
    char why[80];
    sos_buf b = SOS_BUF_INIT;
    s_card("Alpha", "Beta", SOS__LABEL__LABEL_SHIP, &b);
    assert_int_equal(card_png_check((const uint8_t *)"GIF89a", 6, why, sizeof why), -1);
    assert_string_equal(why, "is not a PNG");
    uint8_t *copy = sos_xmalloc(b.len);
    memcpy(copy, b.data, b.len);
    copy[19] = 0xb1; /* width 1201 */
    assert_int_equal(card_png_check(copy, b.len, why, sizeof why), -1);
    assert_string_equal(why, "is 1201x630, not 1200x630");
    memcpy(copy, b.data, b.len);
    assert_int_equal(card_png_check(copy, b.len / 2, why, sizeof why), -1);
    assert_string_equal(why, "does not decode as a PNG");
    copy[b.len / 2] ^= 0x55; /* a damaged IDAT: its CRC fails */
    assert_int_equal(card_png_check(copy, b.len, why, sizeof why), -1);
    uint32_t px[1];
    assert_int_equal(card_png_pixels(copy, b.len / 2, px), -1);
    free(copy);
    sos_buf_free(&b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_png_1200_by_630),
        cmocka_unit_test(test_deterministic),
        cmocka_unit_test(test_long_names_fit),
        cmocka_unit_test(test_check_refuses),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
