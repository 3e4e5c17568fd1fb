/* site_feeds: the Atom feed, the JSON Feed, the sitemap and robots.txt of
 * the site (site.h). Every string is XML- or JSON-escaped for where it goes. */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "html.h"
#include "json.h"
#include "site.h"
#include "site_int.h"

static void s_rfc3339(uint64_t t, char *out, size_t cap)
{
    time_t tt = (time_t)t;
    struct tm tm;
    gmtime_r(&tt, &tm);
    strftime(out, cap, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

/* What an entry says: title, summary, page path (from base_url, with a
 * trailing slash) and time: a comparison's created_at (in its twin, so
 * `sos verify` rebuilds the same entry), a verdict's signed finalized_at. */
typedef struct {
    char title[600], summary[900], path[600], when[40];
} s_entry;

static void s_entry_make(const site_feed_item *it, s_entry *e)
{
    if (it->c) {
        char la[160], lb[160];
        const Sos__Tool *a = it->a->v->tool, *b = it->b->v->tool;
        sos_verdict_line(it->a->body, la, sizeof la);
        sos_verdict_line(it->b->body, lb, sizeof lb);
        snprintf(e->title, sizeof e->title, "%s vs %s: Which AI Tool Should You Ship?", a->name,
                 b->name);
        snprintf(e->summary, sizeof e->summary,
                 "%s (%s, %u%% panel ship) vs %s (%s, %u%% panel ship).", a->name, la,
                 it->a->body->ship_pct, b->name, lb, it->b->body->ship_pct);
        snprintf(e->path, sizeof e->path, "compare/%s/", it->c->slug);
        s_rfc3339(it->c->created_at, e->when, sizeof e->when);
        return;
    }
    const site_tool *t = it->t;
    char line[160];
    sos_verdict_line(t->body, line, sizeof line);
    snprintf(e->title, sizeof e->title, "%s: %s", t->v->tool->name, line);
    snprintf(e->summary, sizeof e->summary, "%u%% panel ship, mean score %.2f. %s",
             t->body->ship_pct, t->body->mean_score_x100 / 100.0, t->v->tool->tagline);
    snprintf(e->path, sizeof e->path, "tools/%s/", t->v->tool->tool_id);
    s_rfc3339(t->body->finalized_at, e->when, sizeof e->when);
}

void site_feed_atom(const site_opts *o, const site_feed_item *newest, size_t n, sos_buf *out)
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
        s_entry e;
        s_entry_make(&newest[i], &e);
        html_raw(out, "<entry>\n<title>");
        html_xml(out, e.title);
        html_raw(out, "</title>\n<id>");
        html_xml(out, o->base_url);
        html_raw(out, "/");
        html_xml(out, e.path);
        html_raw(out, "</id>\n<link href=\"");
        html_xml(out, o->base_url);
        html_raw(out, "/");
        html_xml(out, e.path);
        html_fmt(out, "\"/>\n<updated>%s</updated>\n<summary>", e.when);
        html_xml(out, e.summary);
        html_raw(out, "</summary>\n</entry>\n");
    }
    html_raw(out, "</feed>\n");
}

void site_feed_json(const site_opts *o, const site_feed_item *newest, size_t n, sos_buf *out)
{
    char url[1024];
    json_t *items = json_array();
    for (size_t i = 0; i < n; i++) {
        s_entry e;
        s_entry_make(&newest[i], &e);
        snprintf(url, sizeof url, "%s/%s", o->base_url, e.path);
        json_array_append_new(items, json_pack("{s:s, s:s, s:s, s:s, s:s}", "id", url, "url", url,
                                               "title", e.title, "content_text", e.summary,
                                               "date_published", e.when));
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

static void s_url(const site_opts *o, const char *dir, const char *id, uint64_t t, sos_buf *out)
{
    char when[40];
    html_raw(out, "<url><loc>");
    html_xml(out, o->base_url);
    html_raw(out, "/");
    if (dir) {
        html_raw(out, dir);
        html_xml(out, id);
        html_raw(out, "/");
    }
    html_raw(out, "</loc><lastmod>");
    if (t) {
        s_rfc3339(t, when, sizeof when);
        html_raw(out, when);
    } else {
        html_xml(out, o->updated);
    }
    html_raw(out, "</lastmod></url>\n");
}

void site_sitemap(const site_opts *o, const site_tool *const *tools, size_t nt,
                  const Sos__Comparison *const *cmps, const site_tool *const *pairs, size_t nc,
                  sos_buf *out)
{
    html_raw(out, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<urlset "
                  "xmlns=\"http://www.sitemaps.org/schemas/sitemap/0.9\">\n");
    s_url(o, NULL, NULL, 0, out); /* the index: the release's time */
    /* compare/ and tools/: their newest row's signed time */
    uint64_t tc = 0, tt = 0;
    for (size_t i = 0; i < nc; i++) {
        uint64_t t = site_updated_at(pairs[2 * i], pairs[2 * i + 1]);
        tc = t > tc ? t : tc;
    }
    for (size_t i = 0; i < nt; i++) {
        uint64_t t = site_updated_at(tools[i], NULL);
        tt = t > tt ? t : tt;
    }
    s_url(o, "", "compare", tc, out);
    s_url(o, "", "tools", tt, out);
    for (size_t i = 0; i < nc; i++) {
        /* signed times only (a comparison record is not signed): what the
         * page's "Updated" line says */
        s_url(o, "compare/", cmps[i]->slug, site_updated_at(pairs[2 * i], pairs[2 * i + 1]), out);
    }
    for (size_t i = 0; i < nt; i++)
        s_url(o, "tools/", tools[i]->v->tool->tool_id, site_updated_at(tools[i], NULL), out);
    /* static text: the release's time, as the index */
    s_url(o, "how-we-review", "", 0, out);
    html_raw(out, "</urlset>\n");
}

void site_robots(const site_opts *o, sos_buf *out)
{
    html_raw(out, "User-agent: *\nAllow: /\n\nSitemap: ");
    html_raw(out, o->base_url);
    html_raw(out, "/sitemap.xml\n");
}
