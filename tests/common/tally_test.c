/* unit.common.tally: the panel arithmetic (ship/skip counts, ship %, mean
 * score x100 rounded half up, label), shared by aggregation and sos verify. */
#include "testutil.h"

#include <string.h>

#include "tally.h"

#define MAXT 8

static void test_tally_table(void **state)
{
    (void)state;
    /* ship: how many of the first takes ship; the rest skip */
    static const struct {
        const char *what;
        unsigned ship, skip;
        uint32_t scores[MAXT];
        uint32_t pct, mean;
        Sos__Label label;
    } cases[] = {
        {"no takes", 0, 0, {0}, 0, 0, SOS__LABEL__LABEL_UNSPECIFIED},
        {"unanimous ship", 4, 0, {80, 80, 80, 80}, 100, 8000, SOS__LABEL__LABEL_SHIP},
        {"3/1 (docs example)", 3, 1, {80, 80, 80, 45}, 75, 7125, SOS__LABEL__LABEL_SHIP},
        {"2/1 (docs example)", 2, 1, {80, 70, 71}, 67, 7367, SOS__LABEL__LABEL_SHIP},
        {"3/1 other scores", 3, 1, {82, 75, 80, 72}, 75, 7725, SOS__LABEL__LABEL_SHIP},
        {"split 2/2", 2, 2, {50, 50, 50, 50}, 50, 5000, SOS__LABEL__LABEL_SPLIT},
        {"skip 1/3", 1, 3, {50, 50, 50, 50}, 25, 5000, SOS__LABEL__LABEL_SKIP},
        {"33.3% rounds down", 1, 2, {10, 20, 30}, 33, 2000, SOS__LABEL__LABEL_SKIP},
        {"66.7% rounds up", 2, 1, {10, 20, 30}, 67, 2000, SOS__LABEL__LABEL_SHIP},
        {"one skip, score 0", 0, 1, {0}, 0, 0, SOS__LABEL__LABEL_SKIP},
        {"one ship, score 100", 1, 0, {100}, 100, 10000, SOS__LABEL__LABEL_SHIP},
        {"mean 1.5 exact", 1, 1, {1, 2}, 50, 150, SOS__LABEL__LABEL_SPLIT},
        {"mean 1.666 up", 2, 1, {1, 2, 2}, 67, 167, SOS__LABEL__LABEL_SHIP},
        {"mean 0.333 down", 1, 2, {0, 0, 1}, 33, 33, SOS__LABEL__LABEL_SKIP},
        {"all five at 100", 5, 0, {100, 100, 100, 100, 100}, 100, 10000, SOS__LABEL__LABEL_SHIP},
        {"12.5% half up", 1, 7, {0, 0, 0, 0, 0, 0, 0, 1}, 13, 13, SOS__LABEL__LABEL_SKIP},
        {"mean x.xx5 half up", 3, 5, {0, 0, 0, 0, 0, 0, 0, 1}, 38, 13, SOS__LABEL__LABEL_SKIP},
        {"62.5% half up",
         5,
         3,
         {100, 100, 100, 100, 100, 0, 0, 1},
         63,
         6263,
         SOS__LABEL__LABEL_SHIP},
        {"split 3/3", 3, 3, {1, 2, 3, 4, 5, 6}, 50, 350, SOS__LABEL__LABEL_SPLIT},
        {"skip 2/3, 40%", 2, 3, {90, 85, 20, 10, 5}, 40, 4200, SOS__LABEL__LABEL_SKIP},
        {"all zero scores", 2, 0, {0, 0}, 100, 0, SOS__LABEL__LABEL_SHIP},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        Sos__TakeBody bodies[MAXT];
        const Sos__TakeBody *ptrs[MAXT];
        size_t n = cases[i].ship + cases[i].skip;
        assert_true(n <= MAXT);
        for (size_t j = 0; j < n; j++) {
            bodies[j] = (Sos__TakeBody)SOS__TAKE_BODY__INIT;
            bodies[j].ship = j < cases[i].ship;
            bodies[j].score = cases[i].scores[j];
            bodies[j].persona = (Sos__Persona)(j % 5 + 1);
            ptrs[j] = &bodies[j];
        }
        sos_tally out;
        memset(&out, 0xa5, sizeof out); /* every field must be written */
        sos_tally_takes(ptrs, n, &out);
        if (out.ship != cases[i].ship || out.skip != cases[i].skip ||
            out.ship_pct != cases[i].pct || out.mean_score_x100 != cases[i].mean ||
            out.label != cases[i].label)
            fail_msg("case %zu (%s): got %u/%u pct=%u mean=%u label=%d, want %u/%u pct=%u "
                     "mean=%u label=%d",
                     i, cases[i].what, out.ship, out.skip, out.ship_pct, out.mean_score_x100,
                     out.label, cases[i].ship, cases[i].skip, cases[i].pct, cases[i].mean,
                     cases[i].label);
    }
}

/* The takes' order, persona and other fields do not matter. */
static void test_tally_order_independent(void **state)
{
    (void)state;
    Sos__TakeBody b[4];
    const Sos__TakeBody *fwd[4], *rev[4];
    static const uint32_t scores[4] = {82, 45, 80, 71};
    static const bool ship[4] = {true, false, true, true};
    for (int i = 0; i < 4; i++) {
        b[i] = (Sos__TakeBody)SOS__TAKE_BODY__INIT;
        b[i].score = scores[i];
        b[i].ship = ship[i];
        b[i].revision = (uint32_t)(i + 1);
        b[i].text = "take";
        fwd[i] = &b[i];
        rev[3 - i] = &b[i];
    }
    sos_tally x, y;
    sos_tally_takes(fwd, 4, &x);
    sos_tally_takes(rev, 4, &y);
    assert_memory_equal(&x, &y, sizeof x);
    assert_int_equal(x.ship, 3);
    assert_int_equal(x.skip, 1);
    assert_int_equal(x.ship_pct, 75);
    assert_int_equal(x.mean_score_x100, 6950); /* 278 / 4 = 69.5 */
    assert_int_equal(x.label, SOS__LABEL__LABEL_SHIP);
}

/* Out-of-range scores (a hostile site's takes) do not disturb the counts. */
static void test_tally_large_scores(void **state)
{
    (void)state;
    Sos__TakeBody b[5];
    const Sos__TakeBody *p[5];
    for (int i = 0; i < 5; i++) {
        b[i] = (Sos__TakeBody)SOS__TAKE_BODY__INIT;
        b[i].score = UINT32_MAX;
        b[i].ship = i < 2;
        p[i] = &b[i];
    }
    sos_tally t;
    sos_tally_takes(p, 5, &t);
    assert_int_equal(t.ship, 2);
    assert_int_equal(t.skip, 3);
    assert_int_equal(t.ship_pct, 40);
    assert_int_equal(t.label, SOS__LABEL__LABEL_SKIP);
    /* (mean_score_x100 itself cannot hold 100 * UINT32_MAX; valid takes are
     * at most 100, so it is not pinned down here) */
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_tally_table),
        cmocka_unit_test(test_tally_order_independent),
        cmocka_unit_test(test_tally_large_scores),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
