/* render: the published site, from the publishing daemon's feed.
 *
 * Pulls what was published after the cursor stored with the site (the
 * publishing stub, page by page), hands each page to the site library
 * (clients/site/site_dir.h: .state, releases, the atomic swap) and asks it
 * for a release; prints what it did. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>

#include "cli.h"
#include "cmd.h"
#include "conf.h"
#include "evlog.h"
#include "publishing_clnt.h"
#include "site_dir.h"
#include "wire.h"

/* docs/operations.md: [site] base_url's default, a placeholder */
#define S_BASE_URL_DEFAULT "https://shiporskip.example"

/* Pulls everything after the cursor into d (committed page by page).
 * Returns 0 or an exit code. */
static int s_pull(sos_cli *cli, site_dir *d, size_t *news)
{
    sos_clnt *c = NULL;
    int rc = sos_cli_connect(cli, "publishing", &c);
    if (rc)
        return rc;
    for (;;) {
        Sos__EventsReply *rep = NULL;
        rc = sos_clnt_events(c, site_dir_cursor(d), SOS_EVLOG_PAGE_MAX, &rep);
        if (rc != SOS_CLNT_OK) {
            rc = sos_cli_clnt_error(rc, "publishing", c);
            break;
        }
        if ((rc = sos_cli_status(rep->status, "pull")) == 0 && rep->events &&
            site_dir_add_page(d, rep->events, news) != SITE_DIR_OK) {
            fprintf(stderr, "sos: render: %s\n", site_dir_why(d));
            rc = EX_IOERR;
        }
        size_t n = rep->events ? rep->events->n_events : 0;
        uint64_t head = rep->events ? rep->events->head : 0;
        sos__events_reply__free_unpacked(rep, NULL);
        if (rc || n == 0 || site_dir_cursor(d) >= head)
            break;
        if (*news % 5000 < n)
            fprintf(stderr, "sos: render: pulled %" PRIu64 " of %" PRIu64 "\n", site_dir_cursor(d),
                    head);
    }
    sos_clnt_destroy(&c);
    return rc;
}

int sos_cmd_render(sos_cli *cli, int argc, char **argv)
{
    static const char about[] =
        "Pulls what publishing published since the last render and writes a new\n"
        "release of the site: DIR/current points at it (serve that directory).\n"
        "Only the pages that show something new are rewritten; --full rewrites all.\n"
        "--base-url (default [site] base_url, else " S_BASE_URL_DEFAULT ") makes\n"
        "the absolute links of feeds, sitemap and canonical tags.\n"
        "One render writes DIR at a time: another waits for it, or with --no-wait\n"
        "exits 75. A release that stopped being current is removed after [site]\n"
        "keep_seconds (default 60); the two before current are always kept.\n"
        "--json: what was done as one object on stdout (\"up_to_date\", \"release\",\n"
        "\"tools\", \"comparisons\", \"written\", \"kept\", \"incremental\", \"cursor\",\n"
        "\"new\", \"seconds\"); progress and warnings stay on stderr.\n";
    typedef struct {
        const char *out, *full, *base, *no_wait;
    } s_render_opts;
    static const sos_cmd_verb verbs[] = {
        {NULL, NULL, "--out DIR [--full] [--base-url URL] [--no-wait]", 0, NULL}};
    static const sos_cmd_opt opts[] = {SOS_CMD_VALUE("out", 'o', s_render_opts, out),
                                       SOS_CMD_FLAG("full", 'f', s_render_opts, full),
                                       SOS_CMD_VALUE("base-url", 'b', s_render_opts, base),
                                       SOS_CMD_FLAG("no-wait", 'n', s_render_opts, no_wait)};
    static const sos_cmd cmd = {"render", SOS_CMD_TABLE(verbs), SOS_CMD_TABLE(opts),
                                sizeof(s_render_opts), about};
    const char *out = NULL, *base = NULL;
    bool full = false;
    site_dir *d = NULL;
    site_dir_result res;
    size_t news = 0;
    char *base_url = NULL, why[4608];
    site_dir_opts so = {false, SITE_DIR_KEEP_SECONDS};
    int rc;
    s_render_opts o = {0};
    int first;
    if ((rc = sos_cmd_getopt(&cmd, cli, argc, argv, &o, &first)) != SOS_CMD_GO)
        goto out;
    out = o.out;
    full = o.full != NULL;
    base = o.base;
    if (!out || first != argc) {
        rc = sos_cmd_misuse(&cmd);
        goto out;
    }
    if (!base)
        base = sos_conf_get(cli->conf, "site", "base_url");
    base_url = sos_xstrdup(base ? base : S_BASE_URL_DEFAULT);
    for (size_t n = strlen(base_url); n > 0 && base_url[n - 1] == '/'; n--)
        base_url[n - 1] = '\0';
    if (strcmp(base_url, S_BASE_URL_DEFAULT) == 0) /* a site that links to a name no one has */
        fprintf(stderr,
                "sos: render: warning: base_url is the example default %s; set [site] "
                "base_url or --base-url to the site's address\n",
                S_BASE_URL_DEFAULT);
    so.no_wait = o.no_wait != NULL;
    rc = sos_conf_int(cli->conf, "site", "keep_seconds", SITE_DIR_KEEP_SECONDS, &so.keep_seconds);
    if (rc != 0 || so.keep_seconds < 0) {
        fprintf(stderr, "sos: render: [site] keep_seconds must be a number of seconds >= 0\n");
        rc = EX_CONFIG;
        goto out;
    }
    int64_t t0 = sos_now_ms();

    switch (site_dir_open(out, base_url, &so, &d, why, sizeof why)) {
    case SITE_DIR_OK: break;
    case SITE_DIR_EBUSY:
        fprintf(stderr, "sos: render: %s; try again later or drop --no-wait\n", why);
        rc = EX_TEMPFAIL;
        goto out;
    case SITE_DIR_ECREATE:
        fprintf(stderr, "sos: render: %s\n", why);
        rc = EX_CANTCREAT;
        goto out;
    default:
        fprintf(stderr, "sos: render: %s\n", why);
        rc = EX_IOERR;
        goto out;
    }
    if ((rc = s_pull(cli, d, &news)))
        goto out;
    switch (site_dir_render(d, full, &res)) {
    case SITE_DIR_OK: break;
    case SITE_DIR_ECREATE:
        fprintf(stderr, "sos: render: %s\n", site_dir_why(d));
        rc = EX_CANTCREAT;
        goto out;
    default:
        fprintf(stderr, "sos: render: %s\n", site_dir_why(d));
        rc = EX_IOERR;
        goto out;
    }
    if (res.layout_changed)
        fprintf(stderr, "sos: render: base URL or page templates changed: rewriting every page\n");
    if (cli->json) {
        sos_json_print(json_pack("{s:s,s:b,s:I,s:I,s:I,s:I,s:I,s:b,s:I,s:I,s:f}", "out", out,
                                 "up_to_date", res.up_to_date, "release", (json_int_t)res.release,
                                 "tools", (json_int_t)res.tools, "comparisons",
                                 (json_int_t)res.comparisons, "written", (json_int_t)res.written,
                                 "kept", (json_int_t)res.linked, "incremental", res.incremental,
                                 "cursor", (json_int_t)res.cursor, "new", (json_int_t)news,
                                 "seconds", (sos_now_ms() - t0) / 1000.0));
        rc = 0;
        goto out;
    }
    if (res.up_to_date) {
        fprintf(stderr, "sos: render: %s is up to date (cursor %" PRIu64 ")\n", out, res.cursor);
        rc = 0;
        goto out;
    }
    printf("rendered %s: release %" PRIu64 ", %zu tools, %zu comparisons; %zu files written, "
           "%zu kept from the previous release (%s) in %.2f s\n",
           out, res.release, res.tools, res.comparisons, res.written, res.linked,
           res.incremental ? "incremental" : "full", (sos_now_ms() - t0) / 1000.0);
    fprintf(stderr, "sos: render: serve %s/current (cursor %" PRIu64 ", %zu new)\n", out,
            res.cursor, news);
    rc = 0;
out:
    site_dir_destroy(&d);
    free(base_url);
    return rc;
}
