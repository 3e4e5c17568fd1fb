/* site_index: the index page, its JSON twin (whole, or written entry by
 * entry), and 404.html. See site.h. */
#include "site.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "html.h"
#include "json.h"
#include "site_int.h"
#include "text.h"

/* --- index ----------------------------------------------------------- */

void site_index_html(const site_opts *o, const site_tool *const *tools, size_t nt,
                     const Sos__Comparison *const *cmps, const site_tool *const *pairs, size_t nc,
                     sos_buf *out)
{
    const char *root = "";
    site_page_head(o, root, "website", "AI Tool Comparisons: Ship or Skip",
                   "Side-by-side panel verdicts on new AI tools: which one should you ship?", "",
                   NULL, out);
    html_raw(out, "<p class=\"eyebrow\">AI tool comparisons</p>\n<h1>Ship or Skip</h1>\n<p "
                  "class=\"lede\">A fixed panel of five reviewers (Builder, Skeptic, Futurist, "
                  "Founder, Creator) files signed takes on new AI tools. Here is every "
                  "side-by-side verdict.</p>\n");
    html_fmt(out, "<section aria-labelledby=\"cmp\">\n<h2 id=\"cmp\">Comparisons</h2>\n%s",
             nc ? "<ul class=\"links\">\n" : "<p>No comparisons published yet.</p>\n");
    for (size_t i = 0; i < nc; i++) {
        const site_tool *a = pairs[2 * i], *b = pairs[2 * i + 1];
        char la[160], lb[160];
        sos_verdict_line(a->body, la, sizeof la);
        sos_verdict_line(b->body, lb, sizeof lb);
        html_raw(out, "<li><a href=\"compare/");
        html_text(out, cmps[i]->slug);
        html_raw(out, "/index.html\">");
        html_text(out, a->v->tool->name);
        html_raw(out, " vs ");
        html_text(out, b->v->tool->name);
        html_fmt(out, "</a> <span class=\"muted\">%s \xc2\xb7 %s</span></li>\n", la, lb);
    }
    html_raw(out, nc ? "</ul>\n</section>\n" : "</section>\n");
    html_raw(out, "<section aria-labelledby=\"tl\">\n<h2 id=\"tl\">Tools</h2>\n<div "
                  "class=\"scroll\" tabindex=\"0\" role=\"region\" aria-label=\"Tools table\">"
                  "<table class=\"decision stack\">\n<thead><tr><th "
                  "scope=\"col\">Tool</th><th scope=\"col\">Panel verdict</th><th "
                  "scope=\"col\">Panel ship</th><th scope=\"col\">Category</th></tr></thead>\n"
                  "<tbody>\n");
    for (size_t i = 0; i < nt; i++) {
        const site_tool *t = tools[i];
        char l[160];
        sos_verdict_line(t->body, l, sizeof l);
        html_raw(out, "<tr><th scope=\"row\"><a href=\"tools/");
        html_text(out, t->v->tool->tool_id);
        html_raw(out, "/index.html\">");
        html_text(out, t->v->tool->name);
        html_fmt(out,
                 "</a></th><td data-label=\"Panel verdict\"><span class=\"badge %s\">%s</span>"
                 "</td><td data-label=\"Panel ship\">%u%%</td><td data-label=\"Category\">",
                 site_label_class(t->body->label), l, t->body->ship_pct);
        html_text(out, t->v->tool->category);
        html_raw(out, "</td></tr>\n");
    }
    html_raw(out, "</tbody>\n</table></div>\n</section>\n");
    site_page_tail(root, true, out);
}

static json_t *s_index_tool(const site_tool *t)
{
    char l[160], href[512];
    sos_verdict_line(t->body, l, sizeof l);
    snprintf(href, sizeof href, "tools/%s/index.json", t->v->tool->tool_id);
    return json_pack("{s:s, s:s, s:s, s:i, s:s}", "id", t->v->tool->tool_id, "name",
                     t->v->tool->name, "verdict", l, "ship_pct", (int)t->body->ship_pct, "href",
                     href);
}

static json_t *s_index_comparison(const Sos__Comparison *c)
{
    char href[600];
    snprintf(href, sizeof href, "compare/%s/index.json", c->slug);
    json_t *cj = sos_json_comparison(c);
    json_object_set_new(cj, "href", json_string(href));
    return cj;
}

json_t *site_index_json(const site_opts *o, const site_tool *const *tools, size_t nt,
                        const Sos__Comparison *const *cmps, size_t nc)
{
    json_t *ts = json_array(), *cs = json_array();
    for (size_t i = 0; i < nt; i++)
        json_array_append_new(ts, s_index_tool(tools[i]));
    for (size_t i = 0; i < nc; i++)
        json_array_append_new(cs, s_index_comparison(cmps[i]));
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

void site_index_json_text(const site_opts *o, const site_tool *const *tools, size_t nt,
                          const Sos__Comparison *const *cmps, size_t nc, sos_buf *out)
{
    json_t *head = json_pack("{s:s, s:s, s:s}", "type", "index", "base_url", o->base_url, "updated",
                             o->updated);
    char *txt = json_dumps(head, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
    json_decref(head);
    sos_buf_append(out, txt, strlen(txt) - 2); /* without "\n}" */
    free(txt);
    html_raw(out, ",\n  \"comparisons\": [");
    for (size_t i = 0; i < nc; i++)
        s_index_item(s_index_comparison(cmps[i]), i == 0, out);
    html_raw(out, nc ? "\n  ],\n  \"tools\": [" : "],\n  \"tools\": [");
    for (size_t i = 0; i < nt; i++)
        s_index_item(s_index_tool(tools[i]), i == 0, out);
    html_raw(out, nt ? "\n  ]\n}\n" : "]\n}\n");
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
