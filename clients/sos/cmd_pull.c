/* pull: published verdicts and comparisons after a cursor, in order.
 *
 * Streams page by page (never the whole log in memory) and checks every
 * signature on the way: a take or verdict that does not verify, or a
 * verdict whose takes are not the ones it lists, makes the exit code 77. */
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>

#include "cli.h"
#include "publishing_clnt.h"

int sos_cmd_pull(sos_cli *cli, int argc, char **argv)
{
    static const char usage[] =
        "usage: sos pull [--since N] [--limit N] [--json]\n\n"
        "Prints what publishing has published after sequence number N (default 0):\n"
        "each final verdict with its signed takes and signed verdict, and each\n"
        "comparison once both its tools are final. Every signature is checked.\n"
        "The JSON output ends with \"cursor\": pass it as --since next time.\n";
    static const struct option o[] = {{"since", required_argument, NULL, 's'},
                                      {"limit", required_argument, NULL, 'l'},
                                      {"json", no_argument, NULL, 'j'},
                                      {"help", no_argument, NULL, 'h'},
                                      {NULL, 0, NULL, 0}};
    uint64_t since = 0, limit = UINT64_MAX, seen = 0;
    sos_clnt *c = NULL;
    int rc;
    bool ok = true, first = true;
    optind = 0;
    for (int ch; (ch = getopt_long(argc, argv, "s:l:jh", o, NULL)) != -1;) {
        char *end;
        switch (ch) {
        case 's':
            since = strtoull(optarg, &end, 10);
            if (*end || end == optarg) {
                fprintf(stderr, "sos: --since must be a sequence number\n");
                return EX_USAGE;
            }
            break;
        case 'l': limit = strtoull(optarg, NULL, 10); break;
        case 'j': cli->json = true; break;
        case 'h': fputs(usage, stdout); return EX_OK;
        default: fputs(usage, stderr); return EX_USAGE;
        }
    }
    if (optind != argc) {
        fputs(usage, stderr);
        return EX_USAGE;
    }
    if ((rc = sos_cli_connect(cli, "publishing", &c)))
        return rc;
    uint64_t cursor = since, head = 0;
    if (cli->json)
        fputs("{\"items\": [", stdout);
    while (seen < limit) {
        Sos__EventsReply *rep = NULL;
        uint32_t max = limit - seen < 1000 ? (uint32_t)(limit - seen) : 1000;
        rc = sos_clnt_events(c, cursor, max, &rep);
        if (rc != SOS_CLNT_OK) {
            rc = sos_cli_clnt_error(rc, "publishing", c);
            break;
        }
        if ((rc = sos_cli_status(rep->status, "publishing"))) {
            sos__events_reply__free_unpacked(rep, NULL);
            break;
        }
        size_t n = rep->events ? rep->events->n_events : 0;
        head = rep->events ? rep->events->head : 0;
        for (size_t i = 0; i < n; i++) {
            const Sos__Event *ev = rep->events->events[i];
            json_t *j = NULL;
            if (ev->kind_case == SOS__EVENT__KIND_PUBLICATION) {
                j = sos_json_verdict(ev->publication, &ok);
                json_object_set_new(j, "type", json_string("verdict"));
            } else if (ev->kind_case == SOS__EVENT__KIND_COMPARISON_PUBLISHED) {
                j = json_pack("{s:s, s:o}", "type", "comparison", "comparison",
                              sos_json_comparison(ev->comparison_published));
            }
            cursor = ev->seq;
            seen++;
            if (!j)
                continue;
            json_object_set_new(j, "seq", json_integer((json_int_t)ev->seq));
            if (cli->json) {
                char *s = json_dumps(j, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
                printf("%s\n%s", first ? "" : ",", s);
                free(s);
                first = false;
            } else if (ev->kind_case == SOS__EVENT__KIND_PUBLICATION) {
                json_t *v = json_object_get(j, "verdict");
                json_t *t = json_object_get(j, "tool");
                printf("%6" PRIu64 "  verdict     %-28s %s · %d%% panel ship · mean %.2f\n",
                       ev->seq, json_string_value(json_object_get(t, "name")),
                       json_string_value(json_object_get(v, "summary")),
                       (int)json_integer_value(json_object_get(v, "ship_pct")),
                       json_real_value(json_object_get(v, "mean_score")));
            } else {
                printf("%6" PRIu64 "  comparison  %s\n", ev->seq, ev->comparison_published->slug);
            }
            json_decref(j);
        }
        sos__events_reply__free_unpacked(rep, NULL);
        if (n == 0 || cursor >= head)
            break;
    }
    if (cli->json)
        printf("%s], \"cursor\": %" PRIu64 ", \"head\": %" PRIu64 ", \"verified\": %s}\n",
               first ? "" : "\n", cursor, head, ok ? "true" : "false");
    else if (rc == 0)
        fprintf(stderr, "sos: cursor %" PRIu64 " of %" PRIu64 "; signatures %s\n", cursor, head,
                ok ? "verified" : "DO NOT VERIFY");
    if (rc == 0 && !ok) {
        fprintf(stderr, "sos: some signatures do not verify\n");
        rc = EX_NOPERM;
    }
    sos_clnt_destroy(&c);
    return rc;
}
