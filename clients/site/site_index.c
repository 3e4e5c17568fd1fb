/* site_index: the index pages (index.html, compare/index.html,
 * tools/index.html), their JSON twins (written entry by entry), and
 * 404.html. See site.h. */
#include "site.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "html.h"
#include "json.h"
#include "site_int.h"
#include "text.h"

/* --- order and dates --------------------------------------------------- */

uint64_t site_index_cmp_time(const Sos__Comparison *c, const site_tool *a, const site_tool *b)
{
    uint64_t t = c->created_at;
    if (a->body->finalized_at > t)
        t = a->body->finalized_at;
    if (b->body->finalized_at > t)
        t = b->body->finalized_at;
    return t;
}

typedef struct {
    const Sos__Comparison *c;
    const site_tool *a, *b;
    uint64_t t;
} s_row;

static int s_tool_newest(const void *x, const void *y)
{
    const site_tool *a = *(const site_tool *const *)x, *b = *(const site_tool *const *)y;
    uint64_t ta = a->body->finalized_at, tb = b->body->finalized_at;
    return ta > tb ? -1 : ta < tb ? 1 : strcmp(a->v->tool->tool_id, b->v->tool->tool_id);
}

static int s_cmp_newest(const void *x, const void *y)
{
    const s_row *a = x, *b = y;
    return a->t > b->t ? -1 : a->t < b->t ? 1 : strcmp(a->c->slug, b->c->slug);
}

void site_index_order(const site_tool **tools, size_t nt, const Sos__Comparison **cmps,
                      const site_tool **pairs, size_t nc)
{
    if (nt)
        qsort(tools, nt, sizeof *tools, s_tool_newest);
    if (!nc)
        return;
    s_row *r = sos_xcalloc(nc, sizeof *r);
    for (size_t i = 0; i < nc; i++)
        r[i] = (s_row){cmps[i], pairs[2 * i], pairs[2 * i + 1],
                       site_index_cmp_time(cmps[i], pairs[2 * i], pairs[2 * i + 1])};
    qsort(r, nc, sizeof *r, s_cmp_newest);
    for (size_t i = 0; i < nc; i++) {
        cmps[i] = r[i].c;
        pairs[2 * i] = r[i].a;
        pairs[2 * i + 1] = r[i].b;
    }
    free(r);
}

/* <time datetime="2026-12-06T10:00:00Z">6 Dec 2026</time> (UTC); nothing
 * for 0 (no time signed). */
static void s_time(uint64_t t, sos_buf *out)
{
    static const char *const mon[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                      "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
    time_t tt = (time_t)t;
    struct tm tm;
    if (!t || !gmtime_r(&tt, &tm))
        return;
    html_fmt(out, "<time datetime=\"%04d-%02d-%02dT%02d:%02d:%02dZ\">%d %s %d</time>",
             tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec,
             tm.tm_mday, mon[tm.tm_mon], tm.tm_year + 1900);
}

/* Between rows: hands a full buffer to the sink's flush. */
static void s_flush(site_sink *sk)
{
    if (sk->flush && !sk->failed && sk->buf.len >= SITE_SINK_CHUNK && sk->flush(sk) != 0)
        sk->failed = true;
}

/* --- rows -------------------------------------------------------------- */

/* A comparison: its link and date, the answer line, and which tool has
 * which verdict. */
static void s_cmp_row(const char *root, const Sos__Comparison *c, const site_tool *a,
                      const site_tool *b, sos_buf *out)
{
    const site_tool *side[2] = {a, b};
    html_raw(out, "<li data-key=\"c:");
    html_text(out, c->slug);
    html_fmt(out, "\"><p class=\"row-head\"><a href=\"%scompare/", root);
    html_text(out, c->slug);
    html_raw(out, "/index.html\">");
    html_text(out, a->v->tool->name);
    html_raw(out, " vs ");
    html_text(out, b->v->tool->name);
    html_raw(out, "</a> ");
    s_time(site_index_cmp_time(c, a, b), out);
    char *answer = site_answer_line(a->body, a->v->tool->name, b->body, b->v->tool->name);
    html_raw(out, "</p>\n<p class=\"row-answer\">");
    html_text(out, answer);
    free(answer);
    html_raw(out, "</p>\n<p class=\"row-sides\">");
    for (int i = 0; i < 2; i++) {
        char l[160];
        sos_verdict_line(side[i]->body, l, sizeof l);
        html_raw(out, i ? "<span class=\"sep\"> \xe2\x80\x94 </span><span class=\"side\">"
                        : "<span class=\"side\">");
        html_text(out, side[i]->v->tool->name);
        html_fmt(out, ": <span class=\"badge %s\">%s</span></span>",
                 site_label_class(side[i]->body->label), l);
    }
    html_raw(out, "</p></li>\n");
}

static void s_cmp_list(const char *root, const Sos__Comparison *const *cmps,
                       const site_tool *const *pairs, size_t nc, site_sink *sk)
{
    sos_buf *out = &sk->buf;
    if (!nc) {
        html_raw(out, "<p>No comparisons published yet.</p>\n");
        return;
    }
    html_raw(out, "<ul class=\"rows\">\n");
    for (size_t i = 0; i < nc; i++) {
        s_cmp_row(root, cmps[i], pairs[2 * i], pairs[2 * i + 1], out);
        s_flush(sk);
    }
    html_raw(out, "</ul>\n");
}

static void s_tool_table(const char *root, const site_tool *const *tools, size_t nt, site_sink *sk)
{
    sos_buf *out = &sk->buf;
    html_raw(out, "<div class=\"scroll\" tabindex=\"0\" role=\"region\" aria-label=\"Tools "
                  "table\"><table class=\"decision stack\">\n<thead><tr><th "
                  "scope=\"col\">Tool</th><th scope=\"col\">Panel verdict</th><th "
                  "scope=\"col\">Panel ship</th><th scope=\"col\">Category</th><th "
                  "scope=\"col\">Published</th></tr></thead>\n<tbody>\n");
    for (size_t i = 0; i < nt; i++) {
        const site_tool *t = tools[i];
        char l[160];
        sos_verdict_line(t->body, l, sizeof l);
        html_raw(out, "<tr data-key=\"t:");
        html_text(out, t->v->tool->tool_id);
        html_fmt(out, "\"><th scope=\"row\"><a href=\"%stools/", root);
        html_text(out, t->v->tool->tool_id);
        html_raw(out, "/index.html\">");
        html_text(out, t->v->tool->name);
        html_fmt(out,
                 "</a></th><td data-label=\"Panel verdict\"><span class=\"badge %s\">%s</span>"
                 "</td><td data-label=\"Panel ship\">%u%%</td><td data-label=\"Category\">",
                 site_label_class(t->body->label), l, t->body->ship_pct);
        html_text(out, t->v->tool->category);
        html_raw(out, "</td><td data-label=\"Published\">");
        s_time(t->body->finalized_at, out);
        html_raw(out, "</td></tr>\n");
        s_flush(sk);
    }
    html_raw(out, "</tbody>\n</table></div>\n");
}

/* --- the finder: search and category filter (assets/site.js) ----------- */

/* The controls, hidden until the script shows them: without JavaScript
 * every row shows and no control that would do nothing is offered. */
static void s_finder(const char *what, sos_buf *out)
{
    html_fmt(out,
             "<form class=\"finder\" role=\"search\" aria-label=\"Find %s\" hidden>\n"
             "<div class=\"finder-field\"><label for=\"finder-q\">Search</label> <input "
             "type=\"search\" id=\"finder-q\" autocomplete=\"off\" spellcheck=\"false\"></div>\n"
             "<div class=\"finder-field\"><label for=\"finder-cat\">Category</label> <select "
             "id=\"finder-cat\"><option value=\"\">All categories</option></select></div>\n"
             "<p class=\"finder-count\" aria-live=\"polite\">Showing all %s.</p>\n</form>\n",
             what, what);
}

/* Appends s to q (a search text), a space before it. */
static void s_q_add(sos_buf *q, const char *s)
{
    if (q->len)
        sos_buf_append(q, " ", 1);
    sos_buf_append(q, s, strlen(s));
}

/* One entry of the finder's data, compact JSON, stolen. */
static void s_data_put(json_t *e, bool first, sos_buf *out)
{
    html_raw(out, first ? "\n" : ",\n");
    html_json_script(out, e);
    json_decref(e);
}

static json_t *s_data_entry(const char *kind, const char *key, const char *cat1, const char *cat2,
                            sos_buf *q)
{
    sos_buf k = SOS_BUF_INIT;
    html_fmt(&k, "%s:", kind);
    sos_buf_append(&k, key, strlen(key));
    sos_buf_append(&k, "", 1);
    sos_buf_append(q, "", 1);
    json_t *cats = json_pack("[s]", cat1);
    if (cat2 && strcmp(cat1, cat2) != 0)
        json_array_append_new(cats, json_string(cat2));
    json_t *e =
        json_pack("{s:s, s:o, s:s}", "k", (char *)k.data, "cat", cats, "q", (char *)q->data);
    sos_buf_free(&k);
    sos_buf_reset(q);
    return e;
}

/* <script type="application/json" id="sos-finder">: per row its key (the
 * row's data-key), categories and the text a search looks in. Made entry
 * by entry: no whole tree in memory. */
static void s_finder_data(const Sos__Comparison *const *cmps, const site_tool *const *pairs,
                          size_t nc, const site_tool *const *tools, size_t nt, site_sink *sk)
{
    sos_buf *out = &sk->buf, q = SOS_BUF_INIT;
    bool first = true;
    html_raw(out, "<script type=\"application/json\" id=\"sos-finder\">[");
    for (size_t i = 0; i < nc; i++) {
        const site_tool *a = pairs[2 * i], *b = pairs[2 * i + 1];
        s_q_add(&q, a->v->tool->name);
        s_q_add(&q, b->v->tool->name);
        s_q_add(&q, cmps[i]->slug);
        s_q_add(&q, a->v->tool->category);
        s_q_add(&q, b->v->tool->category);
        s_data_put(s_data_entry("c", cmps[i]->slug, a->v->tool->category, b->v->tool->category, &q),
                   first, out);
        first = false;
        s_flush(sk);
    }
    for (size_t i = 0; i < nt; i++) {
        const Sos__Tool *t = tools[i]->v->tool;
        s_q_add(&q, t->name);
        s_q_add(&q, t->tool_id);
        s_q_add(&q, t->category);
        s_q_add(&q, t->tagline);
        s_q_add(&q, sos_label_name(tools[i]->body->label));
        s_data_put(s_data_entry("t", t->tool_id, t->category, NULL, &q), first, out);
        first = false;
        s_flush(sk);
    }
    html_raw(out, "\n]</script>\n");
    sos_buf_free(&q);
}

/* --- the pages ----------------------------------------------------------- */

void site_list_html_to(const site_opts *o, site_list which, const site_tool *const *tools,
                       size_t nt, const Sos__Comparison *const *cmps, const site_tool *const *pairs,
                       size_t nc, site_sink *sk)
{
    const bool home = which == SITE_LIST_HOME, with_c = which != SITE_LIST_TOOLS,
               with_t = which != SITE_LIST_COMPARE;
    const char *root = home ? "" : "../";
    sos_buf *out = &sk->buf;
    if (home) {
        site_page_head(o, root, "website", "AI Tool Comparisons: Ship or Skip",
                       "Side-by-side panel verdicts on new AI tools: which one should you ship?",
                       "", NULL, out);
        html_raw(out, "<p class=\"eyebrow\">AI tool comparisons</p>\n<h1>Ship or Skip</h1>\n<p "
                      "class=\"lede\">A fixed panel of five reviewers (Builder, Skeptic, Futurist, "
                      "Founder, Creator) files signed takes on new AI tools. Here is every "
                      "side-by-side verdict, newest first.</p>\n<p class=\"lists\"><a "
                      "href=\"compare/index.html\">All comparisons</a> \xc2\xb7 <a "
                      "href=\"tools/index.html\">All tools</a></p>\n");
        s_finder("comparisons and tools", out);
    } else if (with_c) {
        site_page_head(o, root, "website", "All AI Tool Comparisons" SITE_TITLE_SUFFIX,
                       "Every side-by-side panel verdict on AI tools, newest first.", "compare/",
                       NULL, out);
        html_raw(out, "<nav class=\"crumbs\" aria-label=\"Breadcrumb\"><a href=\"../index.html\">"
                      "Home</a>/<span aria-current=\"page\">Comparisons</span></nav>\n"
                      "<p class=\"eyebrow\">AI tool comparisons</p>\n<h1>All comparisons</h1>\n"
                      "<p class=\"lede\">Every side-by-side panel verdict, newest first: which "
                      "tool the panel ships, and by how much.</p>\n");
        s_finder("comparisons", out);
    } else {
        site_page_head(o, root, "website", "All AI Tools Reviewed" SITE_TITLE_SUFFIX,
                       "Every AI tool the panel has reviewed, with its verdict, newest first.",
                       "tools/", NULL, out);
        html_raw(out, "<nav class=\"crumbs\" aria-label=\"Breadcrumb\"><a href=\"../index.html\">"
                      "Home</a>/<span aria-current=\"page\">Tools</span></nav>\n"
                      "<p class=\"eyebrow\">AI tools</p>\n<h1>All tools</h1>\n<p "
                      "class=\"lede\">Every tool the panel has reviewed, newest verdict first; "
                      "search or pick a category.</p>\n");
        s_finder("tools", out);
    }
    if (with_c) {
        html_raw(out, "<section aria-labelledby=\"cmp\">\n<h2 id=\"cmp\">Comparisons</h2>\n");
        s_cmp_list(root, cmps, pairs, nc, sk);
        html_raw(out, "</section>\n");
    }
    if (with_t) {
        html_raw(out, "<section aria-labelledby=\"tl\">\n<h2 id=\"tl\">Tools</h2>\n");
        s_tool_table(root, tools, nt, sk);
        html_raw(out, "</section>\n");
    }
    s_finder_data(cmps, pairs, with_c ? nc : 0, tools, with_t ? nt : 0, sk);
    site_page_tail(root, true, out);
}

void site_list_html(const site_opts *o, site_list which, const site_tool *const *tools, size_t nt,
                    const Sos__Comparison *const *cmps, const site_tool *const *pairs, size_t nc,
                    sos_buf *out)
{
    site_sink sk = {*out, NULL, NULL, false};
    site_list_html_to(o, which, tools, nt, cmps, pairs, nc, &sk);
    *out = sk.buf;
}

void site_index_html(const site_opts *o, const site_tool *const *tools, size_t nt,
                     const Sos__Comparison *const *cmps, const site_tool *const *pairs, size_t nc,
                     sos_buf *out)
{
    site_list_html(o, SITE_LIST_HOME, tools, nt, cmps, pairs, nc, out);
}

/* --- the twins ----------------------------------------------------------- */

/* dir: where the twin is, relative to the site ("" or "../"): hrefs are
 * relative to it. */
static json_t *s_index_tool(const site_tool *t, const char *dir)
{
    char l[160], href[512];
    sos_verdict_line(t->body, l, sizeof l);
    snprintf(href, sizeof href, "%s%s/index.json", dir, t->v->tool->tool_id);
    return json_pack("{s:s, s:s, s:s, s:i, s:s, s:I, s:s}", "id", t->v->tool->tool_id, "name",
                     t->v->tool->name, "verdict", l, "ship_pct", (int)t->body->ship_pct, "category",
                     t->v->tool->category, "finalized_at", (json_int_t)t->body->finalized_at,
                     "href", href);
}

static json_t *s_index_comparison(const Sos__Comparison *c, const site_tool *a, const site_tool *b,
                                  const char *dir)
{
    char href[600], la[160], lb[160];
    snprintf(href, sizeof href, "%s%s/index.json", dir, c->slug);
    sos_verdict_line(a->body, la, sizeof la);
    sos_verdict_line(b->body, lb, sizeof lb);
    char *answer = site_answer_line(a->body, a->v->tool->name, b->body, b->v->tool->name);
    json_t *cj = sos_json_comparison(c);
    json_object_set_new(cj, "updated_at", json_integer((json_int_t)site_index_cmp_time(c, a, b)));
    json_object_set_new(cj, "names", json_pack("[s, s]", a->v->tool->name, b->v->tool->name));
    json_object_set_new(cj, "verdicts", json_pack("[s, s]", la, lb));
    json_object_set_new(cj, "answer", json_string(answer));
    json_object_set_new(cj, "href", json_string(href));
    free(answer);
    return cj;
}

json_t *site_index_json(const site_opts *o, const site_tool *const *tools, size_t nt,
                        const Sos__Comparison *const *cmps, const site_tool *const *pairs,
                        size_t nc)
{
    json_t *ts = json_array(), *cs = json_array();
    for (size_t i = 0; i < nt; i++)
        json_array_append_new(ts, s_index_tool(tools[i], "tools/"));
    for (size_t i = 0; i < nc; i++)
        json_array_append_new(
            cs, s_index_comparison(cmps[i], pairs[2 * i], pairs[2 * i + 1], "compare/"));
    return json_pack("{s:s, s:s, s:s, s:o, s:o}", "type", "index", "base_url", o->base_url,
                     "updated", o->updated, "comparisons", cs, "tools", ts);
}

/* j (stolen) as an element of an array two levels deep in a document
 * dumped with JSON_INDENT(2): jansson's bytes for it there. Its strings
 * hold no raw newline (JSON escapes them), so every newline is a line. */
static void s_index_item(json_t *j, bool first, sos_buf *out)
{
    char *txt = json_dumps(j, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
    json_decref(j);
    html_raw(out, first ? "\n    " : ",\n    ");
    for (const char *p = txt, *nl; *p; p = nl + 1) {
        if (!(nl = strchr(p, '\n'))) {
            html_raw(out, p);
            break;
        }
        sos_buf_append(out, p, (size_t)(nl - p));
        html_raw(out, "\n    ");
    }
    free(txt);
}

void site_list_json_to(const site_opts *o, site_list which, const site_tool *const *tools,
                       size_t nt, const Sos__Comparison *const *cmps, const site_tool *const *pairs,
                       size_t nc, site_sink *sk)
{
    const bool home = which == SITE_LIST_HOME;
    sos_buf *out = &sk->buf;
    /* the sub-indexes carry no release time: they change only with their rows */
    json_t *head =
        home ? json_pack("{s:s, s:s, s:s}", "type", "index", "base_url", o->base_url, "updated",
                         o->updated)
             : json_pack("{s:s, s:s}", "type", which == SITE_LIST_COMPARE ? "comparisons" : "tools",
                         "base_url", o->base_url);
    char *txt = json_dumps(head, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
    json_decref(head);
    sos_buf_append(out, txt, strlen(txt) - 2); /* without "\n}" */
    free(txt);
    if (which != SITE_LIST_TOOLS) {
        html_raw(out, ",\n  \"comparisons\": [");
        for (size_t i = 0; i < nc; i++) {
            s_index_item(
                s_index_comparison(cmps[i], pairs[2 * i], pairs[2 * i + 1], home ? "compare/" : ""),
                i == 0, out);
            s_flush(sk);
        }
        html_raw(out, nc ? "\n  ]" : "]");
    }
    if (which != SITE_LIST_COMPARE) {
        html_raw(out, ",\n  \"tools\": [");
        for (size_t i = 0; i < nt; i++) {
            s_index_item(s_index_tool(tools[i], home ? "tools/" : ""), i == 0, out);
            s_flush(sk);
        }
        html_raw(out, nt ? "\n  ]" : "]");
    }
    html_raw(out, "\n}\n");
}

void site_list_json_text(const site_opts *o, site_list which, const site_tool *const *tools,
                         size_t nt, const Sos__Comparison *const *cmps,
                         const site_tool *const *pairs, size_t nc, sos_buf *out)
{
    site_sink sk = {*out, NULL, NULL, false};
    site_list_json_to(o, which, tools, nt, cmps, pairs, nc, &sk);
    *out = sk.buf;
}

void site_index_json_text(const site_opts *o, const site_tool *const *tools, size_t nt,
                          const Sos__Comparison *const *cmps, const site_tool *const *pairs,
                          size_t nc, sos_buf *out)
{
    site_list_json_text(o, SITE_LIST_HOME, tools, nt, cmps, pairs, nc, out);
}
/* --- 404 ------------------------------------------------------------- */

void site_404_html(const site_opts *o, sos_buf *out)
{
    /* root-relative links: the page's assets come from the site's own server
     * whatever path it shows at ("https://h/sub" -> "/sub/") */
    const char *host = strstr(o->base_url, "://");
    const char *path = host ? strchr(host + 3, '/') : NULL;
    sos_buf root = SOS_BUF_INIT; /* s_head and s_tail put it in attributes as it is */
    html_text(&root, path ? path : "");
    sos_buf_append(&root, "/", 2);
    const char *r = (const char *)root.data;
    site_page_head(o, r, "website", "Page not found" SITE_TITLE_SUFFIX,
                   "There is no page at this address. Every comparison and tool is listed on the "
                   "home page.",
                   NULL, NULL, out);
    html_raw(out, "<p class=\"eyebrow\">Error 404</p>\n<h1>Page not found</h1>\n<p "
                  "class=\"lede\">There is no page at this address. Every comparison and tool "
                  "is listed on the home page.</p>\n");
    html_fmt(out, "<p><a href=\"%sindex.html\">Go to the home page</a></p>\n", r);
    site_page_tail(r, false, out);
    sos_buf_free(&root);
}
