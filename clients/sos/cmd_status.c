/* status: what each service is doing: its log head, its cursor on the
 * service it follows, its version; one try each, exit 69 when one does not
 * answer. */
#include <stdio.h>
#include <string.h>
#include <sysexits.h>

#include "cli.h"
#include "cmd.h"
#include "publishing_clnt.h"

static const char s_about[] =
    "Asks each service for its log head, its cursor on\n"
    "the service it follows and its version. Exit 69 when one does not answer.\n";

/* No getopt: status has always passed over words it does not know. */
static const sos_cmd_verb s_verbs[] = {{NULL, NULL, "[--json]", SOS_CMD_ANY, NULL}};
static const sos_cmd s_cmd = {"status", SOS_CMD_TABLE(s_verbs), NULL, 0, 0, s_about};

int sos_cmd_status(sos_cli *cli, int argc, char **argv)
{
    static const char *const svcs[] = {"submission", "scoring", "aggregation", "publishing",
                                       "community"};
    const int n_svcs = (int)(sizeof svcs / sizeof svcs[0]);
    if (sos_cli_wants_help(argc, argv)) {
        sos_cmd_usage(&s_cmd, stdout);
        return EX_OK;
    }
    for (int i = 1; i < argc; i++)
        if (!strcmp(argv[i], "--json"))
            cli->json = true;
    int worst = 0, down = 0;
    json_t *arr = json_array();
    for (int i = 0; i < n_svcs; i++) {
        sos_clnt *c = NULL;
        Sos__StatusReply *rep = NULL;
        int retries = cli->retries;
        cli->retries = 1; /* one try each: a status probe, not a request to insist on */
        int rc = sos_cli_connect(cli, svcs[i], &c);
        cli->retries = retries;
        if (rc) {
            json_decref(arr);
            return rc;
        }
        rc = sos_clnt_status(c, &rep);
        if (rc == SOS_CLNT_OK && rep->info) {
            if (cli->json)
                json_array_append_new(arr, json_pack("{s:s, s:s, s:b, s:I, s:I, s:s}", "service",
                                                     svcs[i], "endpoint", sos_clnt_endpoint(c),
                                                     "up", 1, "head", (json_int_t)rep->info->head,
                                                     "cursor", (json_int_t)rep->info->cursor,
                                                     "version", rep->info->version));
            else
                printf("%-12s up    head=%-8llu cursor=%-8llu %s\n", svcs[i],
                       (unsigned long long)rep->info->head, (unsigned long long)rep->info->cursor,
                       sos_clnt_endpoint(c));
        } else {
            worst = EX_UNAVAILABLE;
            down++;
            if (cli->json)
                json_array_append_new(arr, json_pack("{s:s, s:s, s:b}", "service", svcs[i],
                                                     "endpoint", sos_clnt_endpoint(c), "up", 0));
            else
                printf("%-12s DOWN  %s\n", svcs[i], sos_clnt_endpoint(c));
        }
        if (rep)
            sos__status_reply__free_unpacked(rep, NULL);
        sos_clnt_destroy(&c);
    }
    if (cli->json)
        sos_json_print(arr);
    else
        json_decref(arr);
    if (down == n_svcs)
        fprintf(stderr,
                "sos: nothing is running for this home; `deploy/sos-up` starts the %d "
                "services (docs/operations.md)\n",
                n_svcs);
    else if (down)
        fprintf(stderr,
                "sos: %d of %d services are down; `deploy/sos-up` starts what is not "
                "running\n",
                down, n_svcs);
    return worst;
}
