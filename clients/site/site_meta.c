/* site_meta: the dates and people every page shows (issue 14, item 2):
 * what each persona judges, a signed time as a <time> element, and a
 * page's "updated" time, which the sitemap's lastmod shares. */
#include <stdio.h>
#include <time.h>

#include "html.h"
#include "site_int.h"

/* The one table of what each persona judges, by persona number (1..5).
 * The wording follows the seed pages' takes: the Builder tries the
 * primitive and its first hour, the Skeptic checks the claims against the
 * competitors, the Futurist names the bet on where things go, the Founder
 * weighs the buyer, the cost and the moat, the Creator what a maker gets
 * out of it. */
static const char *const s_judges[6] = {
    NULL,
    "the developer experience: setup, docs, the first hour of real use",
    "the claims: benchmarks, competitors, what would break it",
    "where it is heading: the bet it makes on the next few years",
    "the business case: the buyer, the cost, the moat",
    "the output quality for makers: what you can make with it",
};

const char *site_persona_judges(Sos__Persona p)
{
    return p >= 1 && p <= 5 ? s_judges[p] : NULL;
}

void site_time_html(uint64_t t, sos_buf *b)
{
    static const char *const months[12] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                           "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
    struct tm tm;
    time_t tt = (time_t)t;
    char iso[40];
    if (t == 0 || t > (uint64_t)INT64_MAX || !gmtime_r(&tt, &tm))
        return;
    strftime(iso, sizeof iso, "%Y-%m-%dT%H:%M:%SZ", &tm);
    html_fmt(b, "<time datetime=\"%s\">%d %s %lld</time>", iso, tm.tm_mday, months[tm.tm_mon],
             (long long)tm.tm_year + 1900);
}

uint64_t site_updated_at(const site_tool *a, const site_tool *b)
{
    uint64_t t = a->body->finalized_at;
    if (b && b->body->finalized_at > t)
        t = b->body->finalized_at;
    return t;
}
