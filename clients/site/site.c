/* site: HTML, JSON, feeds and sitemap of the published site. */
#include "site.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "card.h"
#include "envelope.h"
#include "html.h"
#include "json.h"
#include "site_int.h"
#include "text.h"

#define S_LEDE                                                                                     \
    "Which one should you ship with? Here is the side-by-side panel verdict, pricing read, "       \
    "reviewer split, and community vote comparison."
#define S_NO_VOTES "No community votes yet"

int site_tool_load(Sos__Verdict *v, uint64_t seq, site_tool *out)
{
    memset(out, 0, sizeof *out);
    out->v = v;
    out->seq = seq;
    if (!v->tool || !v->verdict)
        goto bad;
    /* the signatures are the caller's to check (sos_json_verdict) */
    ProtobufCMessage *m;
    if (sos_envelope_open(&sos_envelope_verdict, v->verdict, true, &m) != SOS_ENVELOPE_OK)
        goto bad;
    out->body = (Sos__VerdictBody *)m;
    for (size_t i = 0; i < v->n_takes; i++) {
        if (sos_envelope_open(&sos_envelope_take, v->takes[i], true, &m) != SOS_ENVELOPE_OK)
            goto bad;
        Sos__TakeBody *b = (Sos__TakeBody *)m;
        if (b->persona < 1 || b->persona > 5 || out->take[b->persona]) {
            sos__take_body__free_unpacked(b, NULL);
            goto bad;
        }
        out->take[b->persona] = b;
    }
    return 0;
bad:
    site_tool_clear(out);
    return -1;
}

void site_tool_clear(site_tool *t)
{
    for (int p = 0; p < 6; p++)
        if (t->take[p])
            sos__take_body__free_unpacked(t->take[p], NULL);
    if (t->body)
        sos__verdict_body__free_unpacked(t->body, NULL);
    if (t->v)
        sos__verdict__free_unpacked(t->v, NULL);
    json_decref(t->json);
    memset(t, 0, sizeof *t);
}

const char *site_label_class(Sos__Label l)
{
    return l == SOS__LABEL__LABEL_SHIP ? "ship" : l == SOS__LABEL__LABEL_SKIP ? "skip" : "split";
}

/* --- pieces ---------------------------------------------------------- */

static json_t *s_ld_app(const site_opts *o, const site_tool *t)
{
    const Sos__Tool *tool = t->v->tool;
    char body[160], url[1024];
    sos_verdict_line(t->body, body, sizeof body);
    snprintf(url, sizeof url, "%s/tools/%s/", o->base_url, tool->tool_id);
    json_t *app = json_pack(
        "{s:s, s:s, s:s, s:s, s:s, s:b, s:{s:s, s:s}, s:{s:s, s:{s:s, s:s}, s:{s:s, s:f, s:i, "
        "s:i}, s:s}}",
        "@type", "SoftwareApplication", "name", tool->name, "applicationCategory", tool->category,
        "description", tool->description, "url", url, "isAccessibleForFree",
        tool->tier == SOS__TIER__TIER_FREE, "creator", "@type", "Organization", "name",
        tool->vendor[0] ? tool->vendor : tool->name, "review", "@type", "Review", "author", "@type",
        "Organization", "name", "Ship or Skip panel", "reviewRating", "@type", "Rating",
        "ratingValue", t->body->mean_score_x100 / 100.0, "bestRating", 100, "worstRating", 0,
        "reviewBody", body);
    if (tool->link[0])
        json_object_set_new(app, "sameAs", json_string(tool->link));
    return app;
}

/* og_type: "website" for the index, "article" for a comparison or a tool.
 * canon_path NULL: a page with no address of its own (404.html). twin: it
 * has a JSON twin to name as its alternate. card_alt: the page has a social
 * card, canon_path's card.png (a comparison). */
static void s_page_head(const site_opts *o, const char *root, const char *og_type,
                        const char *title, const char *desc, const char *canon_path,
                        const json_t *ld, bool twin, const char *card_alt, sos_buf *b)
{
    html_raw(b, "<!doctype html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
                "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
                "<title>");
    html_text(b, title);
    html_raw(b, "</title>\n<meta name=\"description\" content=\"");
    html_text(b, desc);
    html_raw(b, "\">\n");
    if (canon_path) {
        html_raw(b, "<link rel=\"canonical\" href=\"");
        html_text(b, o->base_url);
        html_raw(b, "/");
        html_text(b, canon_path);
        html_raw(b, "\">\n");
    }
    html_fmt(b,
             "<meta property=\"og:site_name\" content=\"Ship or Skip\">\n"
             "<meta property=\"og:type\" content=\"%s\">\n<meta property=\"og:title\" "
             "content=\"",
             og_type);
    html_text(b, title);
    html_raw(b, "\">\n<meta property=\"og:description\" content=\"");
    html_text(b, desc);
    html_raw(b, "\">\n");
    if (canon_path) {
        html_raw(b, "<meta property=\"og:url\" content=\"");
        html_text(b, o->base_url);
        html_raw(b, "/");
        html_text(b, canon_path);
        html_raw(b, "\">\n");
    }
    if (canon_path && card_alt) { /* the card (card.h), absolute like og:url */
        html_raw(b, "<meta property=\"og:image\" content=\"");
        html_text(b, o->base_url);
        html_raw(b, "/");
        html_text(b, canon_path);
        html_fmt(b,
                 "card.png\">\n<meta property=\"og:image:type\" content=\"image/png\">\n"
                 "<meta property=\"og:image:width\" content=\"%d\">\n<meta "
                 "property=\"og:image:height\" content=\"%d\">\n<meta property=\"og:image:alt\" "
                 "content=\"",
                 CARD_WIDTH, CARD_HEIGHT);
        html_text(b, card_alt);
        html_raw(b, "\">\n");
    }
    html_fmt(b, "<meta name=\"twitter:card\" content=\"%s\">\n",
             canon_path && card_alt ? "summary_large_image" : "summary");
    if (canon_path && twin)
        html_raw(b, "<link rel=\"alternate\" type=\"application/json\" href=\"index.json\">\n");
    html_fmt(b,
             "<link rel=\"alternate\" type=\"application/atom+xml\" title=\"Weekly AI Tool "
             "Verdicts\" href=\"%sfeed.atom\">\n"
             "<link rel=\"alternate\" type=\"application/feed+json\" title=\"Weekly AI Tool "
             "Verdicts\" href=\"%sfeed.json\">\n"
             "<link rel=\"stylesheet\" href=\"%sassets/site.css\">\n"
             "<link rel=\"icon\" type=\"image/svg+xml\" href=\"%sassets/favicon.svg\">\n",
             root, root, root, root);
    if (ld) {
        html_raw(b, "<script type=\"application/ld+json\">");
        html_json_script(b, ld);
        html_raw(b, "</script>\n");
    }
    html_fmt(b,
             "</head>\n<body data-root=\"%s\">\n<a class=\"skip-link\" href=\"#main\">Skip to "
             "content</a>\n<header class=\"site\"><a class=\"brand\" href=\"%sindex.html\">Ship "
             "or Skip</a></header>\n<main id=\"main\">\n",
             root, root);
}

void site_page_head(const site_opts *o, const char *root, const char *og_type, const char *title,
                    const char *desc, const char *canon_path, const json_t *ld, sos_buf *b)
{
    s_page_head(o, root, og_type, title, desc, canon_path, ld, true, NULL, b);
}

void site_page_head_solo(const site_opts *o, const char *root, const char *og_type,
                         const char *title, const char *desc, const char *canon_path,
                         const json_t *ld, sos_buf *b)
{
    s_page_head(o, root, og_type, title, desc, canon_path, ld, false, NULL, b);
}

void site_page_head_card(const site_opts *o, const char *root, const char *title, const char *desc,
                         const char *canon_path, const json_t *ld, const char *card_alt, sos_buf *b)
{
    s_page_head(o, root, "article", title, desc, canon_path, ld, true, card_alt, b);
}

/* twin: the page has a JSON twin (index.json next to it) to link */
void site_page_tail(const char *root, bool twin, sos_buf *b)
{
    html_fmt(b,
             "<section class=\"newsletter\" aria-labelledby=\"nl\">\n<h2 id=\"nl\">Weekly AI Tool "
             "Verdicts</h2>\n<p class=\"strong\">Get the next comparison in your inbox</p>\n"
             "<p>New AI tools ship daily. We compare them before you waste an afternoon.</p>\n"
             "<p class=\"feeds\">Follow by <a href=\"%sfeed.atom\">Atom</a> or <a "
             "href=\"%sfeed.json\">JSON Feed</a></p>\n</section>\n",
             root, root);
    html_raw(b, "<aside class=\"bookmarks\" aria-labelledby=\"bm\">\n<h2 id=\"bm\">Bookmarks</h2>\n"
                /* without JavaScript this line is all the box says (issue 14,
                 * item 7); site.js hides it, shows the list and the buttons,
                 * and says each change in the live region */
                "<p class=\"bm-nojs\">Bookmarks need JavaScript: they are kept in this "
                "browser only, and nothing is sent anywhere.</p>\n"
                "<div class=\"bm-empty\" hidden><p>No bookmarks yet</p>\n"
                "<p>Bookmark tools to save them for later</p></div>\n"
                "<ul class=\"bm-list\"></ul>\n"
                "<div class=\"bm-status\" role=\"status\" aria-live=\"polite\"></div>\n"
                "</aside>\n</main>\n");
    html_fmt(b,
             "<footer class=\"site\"><p>Panel verdicts are signed and never blended with "
             "community votes. <a href=\"%s" SITE_REVIEW_PAGE "\">How we review</a> \xc2\xb7 "
             "%s<a href=\"%sindex.html\">All comparisons</a></p></footer>\n"
             "<script src=\"%sassets/site.js\"></script>\n</body>\n</html>\n",
             root, twin ? "<a href=\"index.json\">This page as JSON</a> \xc2\xb7 " : "", root,
             root);
}

static void s_card(const char *root, const site_tool *t, sos_buf *b)
{
    const Sos__Tool *tool = t->v->tool;
    char initial[8] = "?";
    /* first character of the name, whole UTF-8 sequence */
    const unsigned char *n = (const unsigned char *)tool->name;
    size_t len = n[0] < 0x80 ? 1 : n[0] < 0xe0 ? 2 : n[0] < 0xf0 ? 3 : 4;
    if (n[0] && strlen(tool->name) >= len) {
        memcpy(initial, n, len);
        initial[len] = '\0';
        if (len == 1 && initial[0] >= 'a' && initial[0] <= 'z')
            initial[0] = (char)(initial[0] - 32);
    }
    html_raw(b, "<article class=\"card\">\n<div class=\"avatar\" aria-hidden=\"true\">");
    html_text(b, initial);
    html_raw(b, "</div>\n<p class=\"cat\">");
    html_text(b, tool->category);
    html_fmt(b, "</p>\n<h2><a href=\"%stools/", root);
    html_text(b, tool->tool_id);
    html_raw(b, "/index.html\">");
    html_text(b, tool->name);
    html_raw(b, "</a></h2>\n<p class=\"tagline\">");
    html_text(b, tool->tagline);
    html_fmt(b,
             "</p>\n<ul class=\"stats\">\n<li><div class=\"badge %s\">%s</div></li>\n"
             "<li><div class=\"v\">%u%%</div><div class=\"k\">Panel ship</div></li>\n"
             "<li><div class=\"v muted\">No votes</div><div "
             "class=\"k\">Community</div></li>\n<li><div class=\"v\">%s</div><div "
             "class=\"k\">Entry</div></li>\n</ul>\n",
             site_label_class(t->body->label), sos_label_name(t->body->label), t->body->ship_pct,
             sos_tier_name(tool->tier));
    if (t->body->finalized_at) {
        html_raw(b, "<p class=\"dates\">Verdict published ");
        site_time_html(t->body->finalized_at, b);
        html_raw(b, "</p>\n");
    }
    html_raw(b, "<p class=\"desc\">");
    html_text(b, tool->description);
    html_raw(b, "</p>\n<button type=\"button\" class=\"bookmark\" aria-pressed=\"false\" "
                "hidden data-id=\"");
    html_text(b, tool->tool_id);
    html_raw(b, "\" data-name=\"");
    html_text(b, tool->name);
    html_raw(b, "\" data-href=\"tools/");
    html_text(b, tool->tool_id);
    html_raw(b, "/index.html\">Bookmark</button>\n</article>\n");
}

/* Opens a cell of a table that stacks on narrow screens (class "stack"):
 * label is what the column header says, shown above the cell then. */
static void s_td(const char *label, sos_buf *b)
{
    html_raw(b, "<td data-label=\"");
    html_text(b, label);
    html_raw(b, "\">");
}

/* label: the tool's name, shown above the cell when the table stacks */
static void s_take_cell(const Sos__TakeBody *tk, const char *label, sos_buf *b)
{
    html_raw(b, "<td data-label=\"");
    html_text(b, label);
    if (!tk) {
        html_raw(b, "\" class=\"none\">No panel take</td>");
        return;
    }
    html_fmt(b, "\"><p class=\"score %s\">%u/100 \xc2\xb7 %s</p><p>", tk->ship ? "ship" : "skip",
             tk->score, tk->ship ? "ship" : "skip");
    html_text(b, tk->text);
    html_raw(b, "</p>");
    if (tk->filed_at) {
        html_raw(b, "<p class=\"dates\">Filed ");
        site_time_html(tk->filed_at, b);
        html_raw(b, "</p>");
    }
    html_raw(b, "</td>");
}

/* A scorecard row's header: the persona, and what it judges. */
static void s_persona_th(int p, sos_buf *b)
{
    html_fmt(b, "<tr><th scope=\"row\">%s<p class=\"judges\">Judges %s.</p></th>",
             sos_persona_name((Sos__Persona)p), site_persona_judges((Sos__Persona)p));
}

/* "Updated <date>" under a page's heading: the newest signed time it shows. */
static void s_updated(const site_tool *a, const site_tool *b, sos_buf *out)
{
    uint64_t t = site_updated_at(a, b);
    if (!t)
        return;
    html_raw(out, "<p class=\"dates\">Updated ");
    site_time_html(t, out);
    html_raw(out, "</p>\n");
}

/* --- the answer (issue 14): which one to ship; the line is site_answer.c's */

static char *s_answer(const site_tool *a, const site_tool *b)
{
    return site_answer_line(a->body, a->v->tool->name, b->body, b->v->tool->name);
}

/* A bar: the decorative fill, hidden from screen readers, and its figure
 * as text beside it so nothing rests on colour or length alone. Divs, not
 * spans: tidy trims an empty inline element. */
static void s_bar(sos_buf *out, const char *kind, double pct, const char *figure)
{
    html_fmt(out,
             "<div class=\"bar-row\"><div class=\"bar\" aria-hidden=\"true\"><div "
             "class=\"bar-fill %s\" style=\"width:%.2f%%\"></div></div><span "
             "class=\"bar-num\">%s</span></div>\n",
             kind, pct, figure);
}

/* Under the lede: the answer line, then each tool's ship % and mean as bars. */
static void s_answer_html(const site_tool *a, const site_tool *b, sos_buf *out)
{
    char *line = s_answer(a, b);
    html_raw(out, "<div class=\"answer\">\n<p class=\"answer-line\">");
    html_text(out, line);
    html_raw(out, "</p>\n<ul class=\"answer-bars\">\n");
    free(line);
    const site_tool *side[2] = {a, b};
    for (int i = 0; i < 2; i++) {
        const Sos__VerdictBody *v = side[i]->body;
        html_raw(out, "<li><span class=\"bar-name\">");
        html_text(out, side[i]->v->tool->name);
        html_raw(out, "</span>\n");
        if (v->label == SOS__LABEL__LABEL_UNSPECIFIED) {
            html_raw(out, "<span class=\"bar-num\">No panel takes yet</span>\n");
        } else {
            char fig[64];
            snprintf(fig, sizeof fig, "%u%% ship", v->ship_pct);
            s_bar(out, "ship", v->ship_pct, fig);
            snprintf(fig, sizeof fig, "mean %.2f", v->mean_score_x100 / 100.0);
            s_bar(out, "mean", v->mean_score_x100 / 100.0, fig);
        }
        html_raw(out, "</li>\n");
    }
    html_raw(out, "</ul>\n</div>\n");
}

/* --- comparison page --------------------------------------------------- */

void site_compare_html(const site_opts *o, const Sos__Comparison *c, const site_tool *a,
                       const site_tool *b, sos_buf *out)
{
    const site_tool *side[2] = {a, b};
    const char *root = "../../";
    sos_buf title = SOS_BUF_INIT, desc = SOS_BUF_INIT, canon = SOS_BUF_INIT;
    char la[160], lb[160];
    sos_verdict_line(a->body, la, sizeof la);
    sos_verdict_line(b->body, lb, sizeof lb);
    html_fmt(&title, "%s vs %s: Which AI Tool Should You Ship?" SITE_TITLE_SUFFIX, a->v->tool->name,
             b->v->tool->name);
    html_fmt(&desc,
             "%s (%s, %u%% panel ship) vs %s (%s, %u%% panel ship): the panel verdict, "
             "pricing and reviewer split side by side.",
             a->v->tool->name, la, a->body->ship_pct, b->v->tool->name, lb, b->body->ship_pct);
    html_fmt(&canon, "compare/%s/", c->slug);
    sos_buf_append(&title, "", 1);
    sos_buf_append(&desc, "", 1);
    sos_buf_append(&canon, "", 1);
    json_t *ld = json_pack("{s:s, s:[o, o]}", "@context", "https://schema.org", "@graph",
                           s_ld_app(o, a), s_ld_app(o, b));
    char *alt = site_card_alt(a, b);
    site_page_head_card(o, root, (char *)title.data, (char *)desc.data, (char *)canon.data, ld, alt,
                        out);
    free(alt);
    json_decref(ld);

    html_fmt(out,
             "<nav class=\"crumbs\" aria-label=\"Breadcrumb\"><a href=\"%sindex.html\">"
             "Compare</a>/<span aria-current=\"page\">",
             root);
    html_text(out, a->v->tool->name);
    html_raw(out, " vs ");
    html_text(out, b->v->tool->name);
    html_raw(out, "</span></nav>\n<p class=\"eyebrow\">AI tool comparison</p>\n<h1>");
    html_text(out, a->v->tool->name);
    html_raw(out, " vs ");
    html_text(out, b->v->tool->name);
    html_raw(out, "</h1>\n");
    s_updated(a, b, out);
    html_raw(out, "<p class=\"lede\">" S_LEDE "</p>\n");
    s_answer_html(a, b, out);
    html_raw(out, "<section class=\"cards\" aria-label=\"The two tools\">\n");
    for (int i = 0; i < 2; i++)
        s_card(root, side[i], out);
    html_raw(out, "</section>\n");

    /* Decision */
    html_raw(out, "<section aria-labelledby=\"decision\">\n<h2 id=\"decision\">Decision</h2>\n"
                  "<div class=\"scroll\" tabindex=\"0\" role=\"region\" aria-label=\"Decision "
                  "table\"><table class=\"decision stack\">\n<thead><tr><td></td>");
    for (int i = 0; i < 2; i++) {
        html_raw(out, "<th scope=\"col\">");
        html_text(out, side[i]->v->tool->name);
        html_raw(out, "</th>");
    }
    html_raw(out, "</tr></thead>\n<tbody>\n<tr><th scope=\"row\">Panel verdict</th>");
    for (int i = 0; i < 2; i++) {
        s_td(side[i]->v->tool->name, out);
        html_fmt(out, "<span class=\"badge %s\">%s</span></td>",
                 site_label_class(side[i]->body->label), i ? lb : la);
    }
    html_raw(out, "</tr>\n<tr><th scope=\"row\">Community</th>");
    for (int i = 0; i < 2; i++) {
        s_td(side[i]->v->tool->name, out);
        html_raw(out, S_NO_VOTES "</td>");
    }
    html_raw(out, "</tr>\n");
    static const char *const rows[] = {"Pricing", "Best for", "Category"};
    for (int r = 0; r < 3; r++) {
        html_fmt(out, "<tr><th scope=\"row\">%s</th>", rows[r]);
        for (int i = 0; i < 2; i++) {
            const Sos__Tool *t = side[i]->v->tool;
            s_td(t->name, out);
            html_text(out, r == 0 ? t->pricing : r == 1 ? t->tagline : t->category);
            html_raw(out, "</td>");
        }
        html_raw(out, "</tr>\n");
    }
    html_raw(out, "</tbody>\n</table></div>\n</section>\n");

    /* Reviewer scorecard: a row per persona that either side has a take from */
    html_raw(out, "<section aria-labelledby=\"scorecard\">\n<h2 id=\"scorecard\">Reviewer "
                  "scorecard</h2>\n<table class=\"scorecard stack\">\n<thead><tr>"
                  "<th scope=\"col\"><span class=\"sr-only\">Persona</span></th>");
    for (int i = 0; i < 2; i++) {
        html_raw(out, "<th scope=\"col\">");
        html_text(out, side[i]->v->tool->name);
        html_raw(out, "</th>");
    }
    html_raw(out, "</tr></thead>\n<tbody>\n");
    for (int p = 1; p <= 5; p++) {
        if (!a->take[p] && !b->take[p])
            continue;
        s_persona_th(p, out);
        s_take_cell(a->take[p], a->v->tool->name, out);
        s_take_cell(b->take[p], b->v->tool->name, out);
        html_raw(out, "</tr>\n");
    }
    html_raw(out, "</tbody>\n</table>\n</section>\n");
    site_page_tail(root, true, out);
    sos_buf_free(&title);
    sos_buf_free(&desc);
    sos_buf_free(&canon);
}

/* The verdict's JSON, checked and built once per render however many
 * pages show it (signature checks are the costly part). Borrowed. */
static json_t *s_verdict_json(const site_tool *t)
{
    site_tool *m = (site_tool *)t; /* a cache, not a change of what t is */
    bool ok = true;
    if (!m->json)
        m->json = sos_json_verdict(t->v, &ok);
    return m->json;
}

json_t *site_compare_json(const Sos__Comparison *c, uint64_t seq, const site_tool *a,
                          const site_tool *b)
{
    char *answer = s_answer(a, b);
    json_t *j = json_pack("{s:s, s:I, s:o, s:s, s:O, s:O}", "type", "comparison", "seq",
                          (json_int_t)seq, "comparison", sos_json_comparison(c), "answer", answer,
                          "a", s_verdict_json(a), "b", s_verdict_json(b));
    free(answer);
    return j;
}

/* --- tool page ------------------------------------------------------- */

void site_tool_html(const site_opts *o, const site_tool *t, const Sos__Comparison *const *cmps,
                    const site_tool *const *others, size_t n, sos_buf *out)
{
    const char *root = "../../";
    const Sos__Tool *tool = t->v->tool;
    sos_buf title = SOS_BUF_INIT, desc = SOS_BUF_INIT, canon = SOS_BUF_INIT;
    char line[160];
    sos_verdict_line(t->body, line, sizeof line);
    html_fmt(&title, "%s: %s \xe2\x80\x94 Panel Verdict" SITE_TITLE_SUFFIX, tool->name,
             sos_label_name(t->body->label));
    html_fmt(&desc, "%s: %s, %u%% panel ship, mean score %.2f. %s", tool->name, line,
             t->body->ship_pct, t->body->mean_score_x100 / 100.0, tool->tagline);
    html_fmt(&canon, "tools/%s/", tool->tool_id);
    sos_buf_append(&title, "", 1);
    sos_buf_append(&desc, "", 1);
    sos_buf_append(&canon, "", 1);
    json_t *ld = s_ld_app(o, t);
    json_object_set_new(ld, "@context", json_string("https://schema.org"));
    site_page_head(o, root, "article", (char *)title.data, (char *)desc.data, (char *)canon.data,
                   ld, out);
    json_decref(ld);

    html_fmt(out,
             "<nav class=\"crumbs\" aria-label=\"Breadcrumb\"><a href=\"%sindex.html\">"
             "Tools</a>/<span aria-current=\"page\">",
             root);
    html_text(out, tool->name);
    html_raw(out, "</span></nav>\n<p class=\"eyebrow\">");
    html_text(out, tool->category);
    html_raw(out, "</p>\n<h1>");
    html_text(out, tool->name);
    html_raw(out, "</h1>\n");
    s_updated(t, NULL, out);
    html_raw(out, "<p class=\"lede\">");
    html_text(out, tool->tagline);
    html_raw(out, "</p>\n<section class=\"cards one\" aria-label=\"The tool\">\n");
    s_card(root, t, out);
    html_raw(out, "</section>\n<section aria-labelledby=\"facts\">\n<h2 id=\"facts\">Panel "
                  "verdict</h2>\n<table class=\"decision\"><tbody>\n");
    html_fmt(out,
             "<tr><th scope=\"row\">Panel verdict</th><td><span class=\"badge %s\">%s</span>"
             "</td></tr>\n<tr><th scope=\"row\">Panel ship</th><td>%u%%</td></tr>\n"
             "<tr><th scope=\"row\">Mean score</th><td>%.2f/100</td></tr>\n"
             "<tr><th scope=\"row\">Community</th><td>" S_NO_VOTES "</td></tr>\n",
             site_label_class(t->body->label), line, t->body->ship_pct,
             t->body->mean_score_x100 / 100.0);
    static const char *const rows[] = {"Vendor", "Pricing", "Entry", "Best for", "Category"};
    const char *vals[] = {tool->vendor, tool->pricing, sos_tier_name(tool->tier), tool->tagline,
                          tool->category};
    for (int r = 0; r < 5; r++) {
        html_fmt(out, "<tr><th scope=\"row\">%s</th><td>", rows[r]);
        html_text(out, vals[r]);
        html_raw(out, "</td></tr>\n");
    }
    if (tool->link[0] && html_url_ok(tool->link)) {
        html_raw(out, "<tr><th scope=\"row\">Link</th><td><a rel=\"nofollow noopener\" href=\"");
        html_text(out, tool->link);
        html_raw(out, "\">");
        html_text(out, tool->link);
        html_raw(out, "</a></td></tr>\n");
    } else if (tool->link[0]) { /* submission takes only http(s): never from the services */
        html_raw(out, "<tr><th scope=\"row\">Link</th><td>");
        html_text(out, tool->link);
        html_raw(out, "</td></tr>\n");
    }
    html_raw(out, "</tbody></table>\n</section>\n<section aria-labelledby=\"scorecard\">\n"
                  "<h2 id=\"scorecard\">Reviewer scorecard</h2>\n<table class=\"scorecard "
                  "solo\">\n"
                  "<thead class=\"sr-only\"><tr><th scope=\"col\">Persona</th><th "
                  "scope=\"col\">Take</th></tr></thead>\n<tbody>\n");
    for (int p = 1; p <= 5; p++) {
        s_persona_th(p, out);
        s_take_cell(t->take[p], tool->name, out);
        html_raw(out, "</tr>\n");
    }
    html_raw(out, "</tbody>\n</table>\n</section>\n");
    if (n) {
        html_raw(out, "<section aria-labelledby=\"vs\">\n<h2 id=\"vs\">Compared with</h2>\n<ul "
                      "class=\"links\">\n");
        for (size_t i = 0; i < n; i++) {
            html_fmt(out, "<li><a href=\"%scompare/", root);
            html_text(out, cmps[i]->slug);
            html_raw(out, "/index.html\">");
            bool first = strcmp(cmps[i]->tool_a, tool->tool_id) == 0; /* the page's order */
            html_text(out, first ? tool->name : others[i]->v->tool->name);
            html_raw(out, " vs ");
            html_text(out, first ? others[i]->v->tool->name : tool->name);
            html_raw(out, "</a></li>\n");
        }
        html_raw(out, "</ul>\n</section>\n");
    }
    site_page_tail(root, true, out);
    sos_buf_free(&title);
    sos_buf_free(&desc);
    sos_buf_free(&canon);
}

json_t *site_tool_json(const site_tool *t)
{
    json_t *j = json_copy(s_verdict_json(t)); /* shallow: the shared parts stay shared */
    json_object_set_new(j, "type", json_string("verdict"));
    json_object_set_new(j, "seq", json_integer((json_int_t)t->seq));
    return j;
}
