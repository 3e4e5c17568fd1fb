/* The small commands: keygen, panel, tool, compare, verdict, status. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <unistd.h>

#include "aggregation_clnt.h"
#include "buf.h"
#include "cli.h"
#include "publishing_clnt.h"
#include "scoring_clnt.h"
#include "sign.h"
#include "submission_clnt.h"
#include "text.h"

/* Runs getopt over a subcommand's argv (argv[0] is the verb). */
#define S_OPTS_BEGIN(argc, argv, shortopts, longopts)                                              \
    optind = 0;                                                                                    \
    for (int ch_; (ch_ = getopt_long(argc, argv, shortopts, longopts, NULL)) != -1;)

int sos_cmd_keygen(sos_cli *cli, int argc, char **argv)
{
    static const char usage[] =
        "usage: sos keygen --out FILE [--only signing|transport]\n\n"
        "Makes two unrelated key pairs, each secret 0600 and never leaving this machine:\n"
        "  FILE, FILE.pub              Ed25519 signing key: `sos panel add --key FILE.pub`\n"
        "  FILE.curve, FILE.curve.pub  X25519 transport key for tcp:// (CURVE): its public\n"
        "                              half goes into the services' access list\n"
        "Prints the signing public key (64 hex digits); --json prints both.\n";
    static const struct option o[] = {{"out", required_argument, NULL, 'o'},
                                      {"only", required_argument, NULL, 'O'},
                                      {"help", no_argument, NULL, 'h'},
                                      {NULL, 0, NULL, 0}};
    const char *out = NULL, *only = NULL;
    char spath[4096], tpath[4096], shex[2 * SOS_PK_BYTES + 1] = "", thex[2 * SOS_PK_BYTES + 1] = "";
    sos_key *k = NULL;
    sos_tkey *tk = NULL;
    int rc = EX_OK;
    S_OPTS_BEGIN(argc, argv, "o:O:h", o)
    {
        switch (ch_) {
        case 'o': out = optarg; break;
        case 'O': only = optarg; break;
        case 'h': fputs(usage, stdout); return EX_OK;
        default: fputs(usage, stderr); return EX_USAGE;
        }
    }
    if (!out || optind != argc ||
        (only && strcmp(only, "signing") != 0 && strcmp(only, "transport") != 0)) {
        fputs(usage, stderr);
        return EX_USAGE;
    }
    bool want_s = !only || !strcmp(only, "signing"), want_t = !only || !strcmp(only, "transport");
    if (snprintf(spath, sizeof spath, "%s", out) >= (int)sizeof spath ||
        snprintf(tpath, sizeof tpath, "%s.curve", out) >= (int)sizeof tpath) {
        fprintf(stderr, "sos: path too long: %s\n", out);
        return EX_USAGE;
    }
    if ((want_s && access(spath, F_OK) == 0) || (want_t && access(tpath, F_OK) == 0)) {
        fprintf(stderr, "sos: %s exists: not overwriting a key\n",
                want_s && access(spath, F_OK) == 0 ? spath : tpath);
        return EX_CANTCREAT;
    }
    if ((want_s && sos_key_generate(&k) != 0) || (want_t && sos_tkey_generate(&tk) != 0)) {
        fprintf(stderr, "sos: key generation failed\n");
        rc = EX_SOFTWARE;
        goto out;
    }
    const char *failed = NULL;
    if (want_s && sos_key_save(k, spath) != 0)
        failed = spath;
    else if (want_t && sos_tkey_save(tk, tpath) != 0)
        failed = tpath;
    if (failed) {
        fprintf(stderr, "sos: cannot write %s: %s\n", failed, strerror(errno));
        rc = errno == EEXIST ? EX_CANTCREAT : EX_IOERR;
        goto out;
    }
    if (k)
        sos_hex(sos_key_public(k), SOS_PK_BYTES, shex);
    if (tk)
        sos_hex(sos_tkey_public(tk), SOS_PK_BYTES, thex);
    if (cli->json) {
        json_t *j = json_object();
        if (k)
            json_object_set_new(j, "signing",
                                json_pack("{s:s, s:s, s:s+}", "secret_key_file", spath,
                                          "public_key", shex, "public_key_file", spath, ".pub"));
        if (tk)
            json_object_set_new(j, "transport",
                                json_pack("{s:s, s:s, s:s+}", "secret_key_file", tpath,
                                          "public_key", thex, "public_key_file", tpath, ".pub"));
        if (k) { /* the fields of the one-key form, kept for scripts */
            json_object_set_new(j, "secret_key_file", json_string(spath));
            json_object_set_new(j, "public_key", json_string(shex));
            json_object_set_new(j, "public_key_file", json_pack("s+", spath, ".pub"));
        }
        sos_json_print(j);
    } else {
        printf("%s\n", k ? shex : thex);
    }
    if (k)
        fprintf(stderr, "sos: wrote %s (signing secret, 0600) and %s.pub\n", spath, spath);
    if (tk)
        fprintf(stderr, "sos: wrote %s (transport secret, 0600) and %s.pub\n", tpath, tpath);
    if (k && tk)
        fprintf(stderr, "sos: a reviewer's access-list line: reviewer %s %s\n", thex, shex);
out:
    sos_key_destroy(&k);
    sos_tkey_destroy(&tk);
    return rc;
}

int sos_cmd_panel(sos_cli *cli, int argc, char **argv)
{
    static const char usage[] =
        "usage: sos panel add --persona NAME --key HEX|FILE.pub [--name WHO]\n"
        "       sos panel list [--json]\n\n"
        "Registers a reviewer's public signing key for a persona (Builder, Skeptic,\n"
        "Futurist, Founder, Creator). Scoring accepts a persona's takes only when\n"
        "they are signed by a key registered for it.\n";
    static const struct option o[] = {
        {"persona", required_argument, NULL, 'p'}, {"key", required_argument, NULL, 'k'},
        {"name", required_argument, NULL, 'n'},    {"json", no_argument, NULL, 'j'},
        {"help", no_argument, NULL, 'h'},          {NULL, 0, NULL, 0}};
    const char *persona = NULL, *key = NULL, *name = "";
    Sos__SubmissionReply *rep = NULL;
    sos_clnt *c = NULL;
    int rc;
    if (argc < 2 || (strcmp(argv[1], "add") != 0 && strcmp(argv[1], "list") != 0)) {
        fputs(usage, sos_cli_wants_help(argc, argv) ? stdout : stderr);
        return sos_cli_wants_help(argc, argv) ? EX_OK : EX_USAGE;
    }
    bool add = strcmp(argv[1], "add") == 0;
    S_OPTS_BEGIN(argc - 1, argv + 1, "p:k:n:jh", o)
    {
        switch (ch_) {
        case 'p': persona = optarg; break;
        case 'k': key = optarg; break;
        case 'n': name = optarg; break;
        case 'j': cli->json = true; break;
        case 'h': fputs(usage, stdout); return EX_OK;
        default: fputs(usage, stderr); return EX_USAGE;
        }
    }
    if (add && (!persona || !key)) {
        fputs(usage, stderr);
        return EX_USAGE;
    }
    if ((rc = sos_cli_connect(cli, "submission", &c)))
        return rc;
    if (add) {
        uint8_t pk[SOS_PK_BYTES];
        Sos__PanelKey k = SOS__PANEL_KEY__INIT;
        k.persona = sos_persona_parse(persona);
        if (k.persona == SOS__PERSONA__PERSONA_UNSPECIFIED) {
            fprintf(stderr,
                    "sos: persona must be Builder, Skeptic, Futurist, Founder or Creator\n");
            rc = EX_DATAERR;
            goto out;
        }
        if (sos_pub_read(key, pk) != 0) {
            fprintf(stderr, "sos: --key must be 64 hex digits or a .pub file holding them\n");
            rc = EX_DATAERR;
            goto out;
        }
        k.public_key = (ProtobufCBinaryData){SOS_PK_BYTES, pk};
        k.name = (char *)name;
        rc = submission_clnt_panel_add(c, NULL, 0, &k, &rep);
    } else {
        rc = submission_clnt_panel_list(c, NULL, 0, &rep);
    }
    if (rc != SOS_CLNT_OK) {
        rc = sos_cli_clnt_error(rc, "submission", c);
        goto out;
    }
    if ((rc = sos_cli_status(rep->status, "submission")))
        goto out;
    if (add) {
        printf("registered %s key %s\n", persona, key);
    } else {
        json_t *arr = json_array();
        for (size_t i = 0; rep->panel && i < rep->panel->n_keys; i++) {
            const Sos__PanelKey *k = rep->panel->keys[i];
            char hex[2 * SOS_PK_BYTES + 1] = "";
            if (k->public_key.len == SOS_PK_BYTES)
                sos_hex(k->public_key.data, SOS_PK_BYTES, hex);
            if (cli->json)
                json_array_append_new(arr, json_pack("{s:s, s:s, s:s}", "persona",
                                                     sos_persona_name(k->persona), "public_key",
                                                     hex, "name", k->name));
            else
                printf("%-9s %s %s\n", sos_persona_name(k->persona), hex, k->name);
        }
        if (cli->json)
            sos_json_print(arr);
        else
            json_decref(arr);
    }
out:
    if (rep)
        sos__submission_reply__free_unpacked(rep, NULL);
    sos_clnt_destroy(&c);
    return rc;
}

static void s_tool_print(const sos_cli *cli, const Sos__Tool *t)
{
    if (cli->json) {
        sos_json_print(sos_json_tool(t));
        return;
    }
    printf("%s\n  name:        %s\n  vendor:      %s\n  best for:    %s\n  category:    %s\n"
           "  entry:       %s\n  pricing:     %s\n  link:        %s\n  description: %s\n",
           t->tool_id, t->name, t->vendor, t->tagline, t->category, sos_tier_name(t->tier),
           t->pricing, t->link, t->description);
}

/* Prints every tool (or comparison) page by page as it arrives: never the
 * whole catalogue in memory, on either side. JSON: one array. */
static int s_list(sos_cli *cli, sos_clnt *c, bool comparisons)
{
    char *after = sos_xstrdup("");
    bool first = true;
    int rc;
    if (cli->json)
        fputs("[", stdout);
    for (;;) {
        Sos__SubmissionReply *rep = NULL;
        rc = comparisons ? submission_clnt_compare_list(c, NULL, 0, after, 0, &rep)
                         : submission_clnt_tool_list(c, NULL, 0, after, 0, &rep);
        if (rc != SOS_CLNT_OK) {
            rc = sos_cli_clnt_error(rc, "submission", c);
            break;
        }
        if ((rc = sos_cli_status(rep->status, "submission"))) {
            sos__submission_reply__free_unpacked(rep, NULL);
            break;
        }
        size_t n = comparisons ? (rep->comparisons ? rep->comparisons->n_comparisons : 0)
                               : (rep->tools ? rep->tools->n_tools : 0);
        for (size_t i = 0; i < n; i++) {
            json_t *j = NULL;
            if (comparisons) {
                const Sos__Comparison *cm = rep->comparisons->comparisons[i];
                if (cli->json)
                    j = sos_json_comparison(cm);
                else
                    printf("%s\n", cm->slug);
            } else {
                const Sos__Tool *t = rep->tools->tools[i];
                if (cli->json)
                    j = sos_json_tool(t);
                else
                    printf("%-32s %-8s %s\n", t->tool_id, sos_tier_name(t->tier), t->name);
            }
            if (j) {
                char *s = json_dumps(j, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
                printf("%s\n  %s", first ? "" : ",", s ? s : "null");
                free(s);
                json_decref(j);
                first = false;
            }
        }
        const char *next = comparisons ? (rep->comparisons ? rep->comparisons->next : "")
                                       : (rep->tools ? rep->tools->next : "");
        free(after);
        after = sos_xstrdup(next ? next : "");
        sos__submission_reply__free_unpacked(rep, NULL);
        if (!after[0] || n == 0)
            break;
    }
    free(after);
    if (cli->json)
        fputs(first ? "]\n" : "\n]\n", stdout);
    return rc;
}

int sos_cmd_tool(sos_cli *cli, int argc, char **argv)
{
    static const char usage[] =
        "usage: sos tool submit --name N --tagline T --category C --tier Free|Paid|Freemium\n"
        "                       [--vendor V] [--pricing P] [--description D] [--link URL]\n"
        "       sos tool list [--json]\n"
        "       sos tool show ID [--json]\n\n"
        "A tool's id is the slug of its name. A name that matches an existing tool\n"
        "ignoring case, spaces and punctuation is refused and the existing id named.\n";
    static const struct option o[] = {{"name", required_argument, NULL, 'n'},
                                      {"vendor", required_argument, NULL, 'v'},
                                      {"tagline", required_argument, NULL, 't'},
                                      {"category", required_argument, NULL, 'c'},
                                      {"tier", required_argument, NULL, 'T'},
                                      {"pricing", required_argument, NULL, 'p'},
                                      {"description", required_argument, NULL, 'd'},
                                      {"link", required_argument, NULL, 'l'},
                                      {"json", no_argument, NULL, 'j'},
                                      {"help", no_argument, NULL, 'h'},
                                      {NULL, 0, NULL, 0}};
    Sos__Tool tool = SOS__TOOL__INIT;
    const char *tier = NULL;
    Sos__SubmissionReply *rep = NULL;
    sos_clnt *c = NULL;
    int rc;
    const char *verb = argc >= 2 ? argv[1] : "";
    if (strcmp(verb, "submit") && strcmp(verb, "list") && strcmp(verb, "show")) {
        fputs(usage, sos_cli_wants_help(argc, argv) ? stdout : stderr);
        return sos_cli_wants_help(argc, argv) ? EX_OK : EX_USAGE;
    }
    S_OPTS_BEGIN(argc - 1, argv + 1, "n:v:t:c:T:p:d:l:jh", o)
    {
        switch (ch_) {
        case 'n': tool.name = optarg; break;
        case 'v': tool.vendor = optarg; break;
        case 't': tool.tagline = optarg; break;
        case 'c': tool.category = optarg; break;
        case 'T': tier = optarg; break;
        case 'p': tool.pricing = optarg; break;
        case 'd': tool.description = optarg; break;
        case 'l': tool.link = optarg; break;
        case 'j': cli->json = true; break;
        case 'h': fputs(usage, stdout); return EX_OK;
        default: fputs(usage, stderr); return EX_USAGE;
        }
    }
    int rest = argc - 1 - optind;
    char **args = argv + 1 + optind;
    if ((!strcmp(verb, "show") && rest != 1) || (strcmp(verb, "show") && rest != 0)) {
        fputs(usage, stderr);
        return EX_USAGE;
    }
    if (!strcmp(verb, "submit")) {
        if (!tool.name[0] || !tool.tagline[0] || !tool.category[0] || !tier) {
            fprintf(stderr, "sos: tool submit needs --name, --tagline, --category and --tier\n");
            return EX_USAGE;
        }
        tool.tier = sos_tier_parse(tier);
        if (tool.tier == SOS__TIER__TIER_UNSPECIFIED) {
            fprintf(stderr, "sos: --tier must be Free, Paid or Freemium\n");
            return EX_DATAERR;
        }
    }
    if ((rc = sos_cli_connect(cli, "submission", &c)))
        return rc;
    if (!strcmp(verb, "list")) {
        rc = s_list(cli, c, false);
        goto out;
    }
    if (!strcmp(verb, "submit"))
        rc = submission_clnt_tool_submit(c, NULL, 0, &tool, &rep);
    else
        rc = submission_clnt_tool_show(c, NULL, 0, args[0], &rep);
    if (rc != SOS_CLNT_OK) {
        rc = sos_cli_clnt_error(rc, "submission", c);
        goto out;
    }
    if ((rc = sos_cli_status(rep->status, "submission")))
        goto out;
    if (rep->body_case == SOS__SUBMISSION_REPLY__BODY_TOOL)
        s_tool_print(cli, rep->tool);
out:
    if (rep)
        sos__submission_reply__free_unpacked(rep, NULL);
    sos_clnt_destroy(&c);
    return rc;
}

int sos_cmd_compare(sos_cli *cli, int argc, char **argv)
{
    static const char usage[] = "usage: sos compare create TOOL_A TOOL_B\n"
                                "       sos compare list [--json]\n\n"
                                "Pairs two tools into a comparison page, <a>-vs-<b>. It is\n"
                                "published once both tools have a final verdict.\n";
    static const struct option o[] = {
        {"json", no_argument, NULL, 'j'}, {"help", no_argument, NULL, 'h'}, {NULL, 0, NULL, 0}};
    Sos__SubmissionReply *rep = NULL;
    sos_clnt *c = NULL;
    int rc;
    const char *verb = argc >= 2 ? argv[1] : "";
    if (strcmp(verb, "create") && strcmp(verb, "list")) {
        fputs(usage, sos_cli_wants_help(argc, argv) ? stdout : stderr);
        return sos_cli_wants_help(argc, argv) ? EX_OK : EX_USAGE;
    }
    S_OPTS_BEGIN(argc - 1, argv + 1, "jh", o)
    {
        switch (ch_) {
        case 'j': cli->json = true; break;
        case 'h': fputs(usage, stdout); return EX_OK;
        default: fputs(usage, stderr); return EX_USAGE;
        }
    }
    int rest = argc - 1 - optind;
    char **args = argv + 1 + optind;
    bool create = !strcmp(verb, "create");
    if (rest != (create ? 2 : 0)) {
        fputs(usage, stderr);
        return EX_USAGE;
    }
    if ((rc = sos_cli_connect(cli, "submission", &c)))
        return rc;
    if (!create) {
        rc = s_list(cli, c, true);
        goto out;
    }
    Sos__Comparison cmp = SOS__COMPARISON__INIT;
    cmp.tool_a = args[0];
    cmp.tool_b = args[1];
    rc = submission_clnt_compare_create(c, NULL, 0, &cmp, &rep);
    if (rc != SOS_CLNT_OK) {
        rc = sos_cli_clnt_error(rc, "submission", c);
        goto out;
    }
    if ((rc = sos_cli_status(rep->status, "submission")))
        goto out;
    if (cli->json)
        sos_json_print(sos_json_comparison(rep->comparison));
    else
        printf("%s\n", rep->comparison->slug);
out:
    if (rep)
        sos__submission_reply__free_unpacked(rep, NULL);
    sos_clnt_destroy(&c);
    return rc;
}

int sos_cmd_verdict(sos_cli *cli, int argc, char **argv)
{
    static const char usage[] =
        "usage: sos verdict show TOOL [--json]\n"
        "       sos verdict finalize TOOL\n\n"
        "show: the panel verdict as it stands (provisional until final).\n"
        "finalize: the editor closes the panel now; takes are closed and aggregation\n"
        "signs the verdict over the latest take of each persona.\n";
    static const struct option o[] = {
        {"json", no_argument, NULL, 'j'}, {"help", no_argument, NULL, 'h'}, {NULL, 0, NULL, 0}};
    sos_clnt *c = NULL;
    int rc;
    const char *verb = argc >= 2 ? argv[1] : "";
    if (strcmp(verb, "show") && strcmp(verb, "finalize")) {
        fputs(usage, sos_cli_wants_help(argc, argv) ? stdout : stderr);
        return sos_cli_wants_help(argc, argv) ? EX_OK : EX_USAGE;
    }
    S_OPTS_BEGIN(argc - 1, argv + 1, "jh", o)
    {
        switch (ch_) {
        case 'j': cli->json = true; break;
        case 'h': fputs(usage, stdout); return EX_OK;
        default: fputs(usage, stderr); return EX_USAGE;
        }
    }
    if (argc - 1 - optind != 1) {
        fputs(usage, stderr);
        return EX_USAGE;
    }
    const char *tool = argv[1 + optind];
    if (!strcmp(verb, "finalize")) {
        Sos__ScoringReply *rep = NULL;
        if ((rc = sos_cli_connect(cli, "scoring", &c)))
            return rc;
        rc = scoring_clnt_panel_close(c, NULL, 0, tool, &rep);
        if (rc != SOS_CLNT_OK)
            rc = sos_cli_clnt_error(rc, "scoring", c);
        else if ((rc = sos_cli_status(rep->status, "scoring")) == 0)
            printf("%s: takes closed (%zu counted); the verdict is being signed\n", tool,
                   rep->closed ? rep->closed->n_take_hashes : 0);
        if (rep)
            sos__scoring_reply__free_unpacked(rep, NULL);
        sos_clnt_destroy(&c);
        return rc;
    }
    Sos__AggregationReply *rep = NULL;
    if ((rc = sos_cli_connect(cli, "aggregation", &c)))
        return rc;
    rc = aggregation_clnt_verdict_show(c, NULL, 0, tool, &rep);
    if (rc != SOS_CLNT_OK) {
        rc = sos_cli_clnt_error(rc, "aggregation", c);
        goto out;
    }
    if ((rc = sos_cli_status(rep->status, "aggregation")))
        goto out;
    const Sos__VerdictView *v = rep->verdict;
    bool ok = true;
    if (cli->json) {
        json_t *j = v->final && v->signed_
                        ? sos_json_verdict(v->signed_, &ok)
                        : json_pack("{s:o}", "verdict", sos_json_verdict_body(v->body));
        json_object_set_new(j, "final", json_boolean(v->final));
        sos_json_print(j);
    } else {
        char line[128];
        sos_verdict_line(v->body, line, sizeof line);
        printf("%s: %s · %u%% panel ship · mean %.2f · %s\n", tool, line, v->body->ship_pct,
               v->body->mean_score_x100 / 100.0, v->final ? "final, signed" : "provisional");
        if (v->final && v->signed_)
            json_decref(sos_json_verdict(v->signed_, &ok));
    }
    if (!ok) {
        fprintf(stderr, "sos: the verdict's signatures do not verify\n");
        rc = EX_NOPERM;
    }
out:
    if (rep)
        sos__aggregation_reply__free_unpacked(rep, NULL);
    sos_clnt_destroy(&c);
    return rc;
}

int sos_cmd_status(sos_cli *cli, int argc, char **argv)
{
    static const char *const svcs[] = {"submission", "scoring", "aggregation", "publishing"};
    if (sos_cli_wants_help(argc, argv)) {
        printf("usage: sos status [--json]\n\nAsks each service for its log head, its cursor on\n"
               "the service it follows and its version. Exit 69 when one does not answer.\n");
        return EX_OK;
    }
    for (int i = 1; i < argc; i++)
        if (!strcmp(argv[i], "--json"))
            cli->json = true;
    int worst = 0;
    json_t *arr = json_array();
    for (int i = 0; i < 4; i++) {
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
    return worst;
}
