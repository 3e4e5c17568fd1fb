/* site_answer: the comparison's answer to "which one should you ship?"
 * (issue 14; the wording rules are a table in docs/site.md), and the alt
 * text of its social card, which says the same. From the signed verdicts
 * alone. */
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>

#include "site.h"

/* printf onto plain text (not markup: the caller escapes the result) */
static void s_catf(sos_buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void s_catf(sos_buf *b, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (n <= 0)
        return;
    sos_buf_reserve(b, b->len + (size_t)n + 1);
    va_start(ap, fmt);
    vsnprintf((char *)b->data + b->len, (size_t)n + 1, fmt, ap);
    va_end(ap);
    b->len += (size_t)n;
}

/* "Name 75% (3/1, mean 71.00)", or "Name: no panel takes yet" */
static void s_answer_figures(sos_buf *o, const Sos__VerdictBody *v, const char *name)
{
    if (v->label == SOS__LABEL__LABEL_UNSPECIFIED)
        s_catf(o, "%s: no panel takes yet", name);
    else
        s_catf(o, "%s %u%% (%u/%u, mean %.2f)", name, v->ship_pct, v->ship, v->skip,
               v->mean_score_x100 / 100.0);
}

char *site_answer_line(const Sos__VerdictBody *a, const char *name_a, const Sos__VerdictBody *b,
                       const char *name_b)
{
    const Sos__Label SHIP = SOS__LABEL__LABEL_SHIP, SKIP = SOS__LABEL__LABEL_SKIP;
    const Sos__Label la = a->label, lb = b->label;
    const bool none_a = la == SOS__LABEL__LABEL_UNSPECIFIED,
               none_b = lb == SOS__LABEL__LABEL_UNSPECIFIED;
    sos_buf o = SOS_BUF_INIT;
    if (none_a && none_b)
        s_catf(&o, "No answer yet: the panel has no takes on either tool");
    else if (none_a || none_b)
        s_catf(&o, "No answer yet: the panel has no takes on %s", none_a ? name_a : name_b);
    else if (la == lb)
        s_catf(&o, "%s",
               la == SHIP   ? "The panel ships both"
               : la == SKIP ? "The panel skips both"
                            : "Split panel on both");
    else {
        /* the sides differ: the stronger one first (Ship, then Split, then Skip) */
        bool a_first = la == SHIP || (la != SKIP && lb == SKIP);
        const Sos__Label l1 = a_first ? la : lb, l2 = a_first ? lb : la;
        const char *n1 = a_first ? name_a : name_b, *n2 = a_first ? name_b : name_a;
        if (l1 == SHIP)
            s_catf(&o, "Ship %s; the panel %s %s", n1, l2 == SKIP ? "skips" : "is split on", n2);
        else
            s_catf(&o, "Split panel on %s; the panel skips %s", n1, n2);
    }
    s_catf(&o, ": ");
    s_answer_figures(&o, a, name_a);
    s_catf(&o, ", ");
    s_answer_figures(&o, b, name_b);
    sos_buf_append(&o, "", 1);
    return (char *)o.data; /* the buffer's memory, handed over */
}

char *site_card_alt(const site_tool *a, const site_tool *b)
{
    char *line = site_answer_line(a->body, a->v->tool->name, b->body, b->v->tool->name);
    sos_buf o = SOS_BUF_INIT;
    s_catf(&o, "%s vs %s. %s", a->v->tool->name, b->v->tool->name, line);
    sos_buf_append(&o, "", 1);
    free(line);
    return (char *)o.data;
}
