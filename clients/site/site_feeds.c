/* site_feeds: the Atom feed, the JSON Feed and the sitemap of the site
 * (site.h). Every string is XML- or JSON-escaped for where it goes. */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "html.h"
#include "json.h"
#include "site.h"

static void s_rfc3339(uint64_t t, char *out, size_t cap)
{
    time_t tt = (time_t)t;
    struct tm tm;
    gmtime_r(&tt, &tm);
    strftime(out, cap, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

void site_feed_atom(const site_opts *o, const site_tool *const *newest, size_t n, sos_buf *out)
{
    html_raw(out, "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<feed "
                  "xmlns=\"http://www.w3.org/2005/Atom\">\n<title>Weekly AI Tool Verdicts</title>\n"
                  "<subtitle>New AI tools ship daily. We compare them before you waste an "
                  "afternoon.</subtitle>\n<id>");
    html_xml(out, o->base_url);
    html_raw(out, "/</id>\n<link rel=\"self\" href=\"");
    html_xml(out, o->base_url);
    html_raw(out, "/feed.atom\"/>\n<link href=\"");
    html_xml(out, o->base_url);
    html_raw(out, "/\"/>\n<updated>");
    html_xml(out, o->updated);
    html_raw(out, "</updated>\n<author><name>Ship or Skip panel</name></author>\n");
    for (size_t i = 0; i < n; i++) {
        const site_tool *t = newest[i];
        char line[160], when[40];
        sos_verdict_line(t->body, line, sizeof line);
        s_rfc3339(t->body->finalized_at, when, sizeof when);
        html_raw(out, "<entry>\n<title>");
        html_xml(out, t->v->tool->name);
        html_raw(out, ": ");
        html_xml(out, line);
        html_raw(out, "</title>\n<id>");
        html_xml(out, o->base_url);
        html_raw(out, "/tools/");
        html_xml(out, t->v->tool->tool_id);
        html_raw(out, "/</id>\n<link href=\"");
        html_xml(out, o->base_url);
        html_raw(out, "/tools/");
        html_xml(out, t->v->tool->tool_id);
        html_fmt(out, "/\"/>\n<updated>%s</updated>\n<summary>", when);
        html_fmt(out, "%u%% panel ship, mean score %.2f. ", t->body->ship_pct,
                 t->body->mean_score_x100 / 100.0);
        html_xml(out, t->v->tool->tagline);
        html_raw(out, "</summary>\n</entry>\n");
    }
    html_raw(out, "</feed>\n");
}

void site_feed_json(const site_opts *o, const site_tool *const *newest, size_t n, sos_buf *out)
{
    char url[1024];
    json_t *items = json_array();
    for (size_t i = 0; i < n; i++) {
        const site_tool *t = newest[i];
        char line[160], when[40], title[600], summary[800];
        sos_verdict_line(t->body, line, sizeof line);
        s_rfc3339(t->body->finalized_at, when, sizeof when);
        snprintf(url, sizeof url, "%s/tools/%s/", o->base_url, t->v->tool->tool_id);
        snprintf(title, sizeof title, "%s: %s", t->v->tool->name, line);
        snprintf(summary, sizeof summary, "%u%% panel ship, mean score %.2f. %s", t->body->ship_pct,
                 t->body->mean_score_x100 / 100.0, t->v->tool->tagline);
        json_array_append_new(items,
                              json_pack("{s:s, s:s, s:s, s:s, s:s}", "id", url, "url", url, "title",
                                        title, "content_text", summary, "date_published", when));
    }
    char home[1024], feed[1024];
    snprintf(home, sizeof home, "%s/", o->base_url);
    snprintf(feed, sizeof feed, "%s/feed.json", o->base_url);
    json_t *j = json_pack("{s:s, s:s, s:s, s:s, s:s, s:[{s:s}], s:o}", "version",
                          "https://jsonfeed.org/version/1.1", "title", "Weekly AI Tool Verdicts",
                          "home_page_url", home, "feed_url", feed, "description",
                          "New AI tools ship daily. We compare them before you waste an "
                          "afternoon.",
                          "authors", "name", "Ship or Skip panel", "items", items);
    char *s = json_dumps(j, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
    html_raw(out, s);
    html_raw(out, "\n");
    free(s);
    json_decref(j);
}

void site_sitemap(const site_opts *o, const site_tool *const *tools, size_t nt,
                  const Sos__Comparison *const *cmps, size_t nc, sos_buf *out)
{
    html_raw(out, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<urlset "
                  "xmlns=\"http://www.sitemaps.org/schemas/sitemap/0.9\">\n<url><loc>");
    html_xml(out, o->base_url);
    html_raw(out, "/</loc></url>\n");
    for (size_t i = 0; i < nc; i++) {
        html_raw(out, "<url><loc>");
        html_xml(out, o->base_url);
        html_raw(out, "/compare/");
        html_xml(out, cmps[i]->slug);
        html_raw(out, "/</loc></url>\n");
    }
    for (size_t i = 0; i < nt; i++) {
        html_raw(out, "<url><loc>");
        html_xml(out, o->base_url);
        html_raw(out, "/tools/");
        html_xml(out, tools[i]->v->tool->tool_id);
        html_raw(out, "/</loc></url>\n");
    }
    html_raw(out, "</urlset>\n");
}
