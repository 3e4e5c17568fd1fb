/* sos: the command line of shiporskip, for editors, reviewers, the
 * publishing pipeline and operators. It reaches the services only through
 * their client stubs (clients/<service>_clnt.h). Run `sos --help`. */
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>

#include "cli.h"
#include "cmd.h"
#include "log.h"
#include "sign.h"

static const struct {
    const char *name;
    int (*fn)(sos_cli *, int, char **);
    const char *what;
} s_cmds[] = {
    {"keygen", sos_cmd_keygen, "make a reviewer's signing key pair"},
    {"panel", sos_cmd_panel, "add | list: the panel's registered keys"},
    {"editor", sos_cmd_editor, "add | list | revoke: the editors' signing keys"},
    {"tool", sos_cmd_tool, "submit | list | show: tools under review"},
    {"take", sos_cmd_take, "file | list: a reviewer's signed takes"},
    {"verdict", sos_cmd_verdict, "show | finalize: a tool's panel verdict"},
    {"compare", sos_cmd_compare, "create | list: side-by-side comparisons"},
    {"pull", sos_cmd_pull, "published verdicts and comparisons after a cursor"},
    {"import", sos_cmd_import, "load a catalogue file through the services"},
    {"render", sos_cmd_render, "write the site from what was published"},
    {"verify", sos_cmd_verify, "check a rendered site's signatures and pages offline"},
    {"status", sos_cmd_status, "what each service is doing"},
    {"backup", sos_cmd_backup, "hot, compact copy of every store"},
    {"check", sos_cmd_check, "is every store whole? (offline or online)"},
    {"log", sos_cmd_log, "checkpoint | prove | consistency: the transparency log"},
    {"vote", sos_cmd_vote, "a community vote on a published tool (operators, tests)"},
    {"tally", sos_cmd_tally, "a tool's signed community tally"},
    {"subscriber", sos_cmd_subscriber, "list | delete: the newsletter's subscribers"},
};

static void s_usage(FILE *f)
{
    fprintf(f, "usage: sos [--home DIR] [--config FILE] [--json] [--timeout MS]\n"
               "           [--transport-key FILE] [--editor-key FILE] COMMAND [ARGS]\n\n"
               "Commands:\n");
    for (size_t i = 0; i < sizeof s_cmds / sizeof s_cmds[0]; i++)
        fprintf(f, "  %-9s %s\n", s_cmds[i].name, s_cmds[i].what);
    fprintf(f, "\n"
               "  --home DIR     the installation (default $SOS_HOME or ./var)\n"
               "  --config FILE  INI file (docs/operations.md)\n"
               "  --json         print JSON on stdout\n"
               "  --timeout MS   wait per try before retrying (default 2500; 3 tries)\n"
               "  --transport-key FILE  CURVE key (from `sos keygen`) for tcp:// services\n"
               "  --editor-key FILE     the editor's secret signing key for editorial\n"
               "                 requests (tool submit, panel add, compare create, verdict\n"
               "                 finalize, import, editor add|revoke); default\n"
               "                 <key_dir>/editor.key, which deploy/sos-up makes\n\n"
               "`sos COMMAND --help` tells more. A command's options may come before or\n"
               "after its operands; --json also after the command word.\n\n"
               "Exit codes (sysexits; docs/protocol.md has each case):\n"
               "  0   done\n"
               "  64  usage: an unknown or missing option or operand, --ship with --skip\n"
               "  65  refused input: a service's refusal (bad request, not found,\n"
               "      conflict, closed, stale), an unknown tool, a bad option value, a\n"
               "      take over its size limit; `check`: a damaged store\n"
               "  66  a file to read is missing or unusable: key, --text-file, catalogue,\n"
               "      store; a public key where the secret one is needed\n"
               "  69  a service did not answer; `status`: one is down\n"
               "  70  internal error (a service's INTERNAL, libsodium)\n"
               "  71  a socket or process cannot be made\n"
               "  73  a file or directory to write exists or cannot be made\n"
               "  74  writing failed (keygen, render, backup, verify)\n"
               "  75  try later: a service's store or disk is full\n"
               "  76  a reply that does not parse\n"
               "  77  forbidden: a key not on the panel or not allowed, an editor key\n"
               "      not registered or revoked, a secret key\n"
               "      others can read, a signature that does not verify\n"
               "  78  configuration: config file, endpoint, transport key\n");
}

int main(int argc, char **argv)
{
    static const struct option opts[] = {{"home", required_argument, NULL, 'H'},
                                         {"config", required_argument, NULL, 'c'},
                                         {"json", no_argument, NULL, 'j'},
                                         {"timeout", required_argument, NULL, 't'},
                                         {"transport-key", required_argument, NULL, 'T'},
                                         {"editor-key", required_argument, NULL, 'E'},
                                         {"help", no_argument, NULL, 'h'},
                                         {"version", no_argument, NULL, 'V'},
                                         {NULL, 0, NULL, 0}};
    const char *home = NULL, *config = NULL, *tkey = NULL;
    sos_cli cli = {NULL, false, 2500, 3, NULL, NULL, NULL};
    char err[512];
    int ch, rc = EX_USAGE;
    uint64_t timeout;
    bool timeout_set = false;

    while ((ch = getopt_long(argc, argv, "+H:c:jt:T:E:hV", opts, NULL)) != -1) {
        switch (ch) {
        case 'H': home = optarg; break;
        case 'c': config = optarg; break;
        case 'j': cli.json = true; break;
        case 't':
            if (sos_cmd_number("timeout", "a whole number of milliseconds", optarg, 1, INT_MAX,
                               &timeout) != 0)
                return EX_DATAERR;
            cli.timeout_ms = (int)timeout;
            timeout_set = true;
            break;
        case 'T': tkey = optarg; break;
        case 'E': cli.editor_key = optarg; break;
        case 'h': s_usage(stdout); return EX_OK;
        case 'V': printf("sos %s\n", SOS_VERSION); return EX_OK;
        default: s_usage(stderr); return EX_USAGE;
        }
    }
    if (optind >= argc) {
        s_usage(stderr);
        return EX_USAGE;
    }
    sos_log_init("sos", SOS_LOG_WARN);
    if (sos_sign_init() != 0) {
        fprintf(stderr, "sos: libsodium failed to initialise\n");
        return EX_SOFTWARE;
    }
    if (sos_conf_load(config, home, &cli.conf, err, sizeof err) != 0) {
        fprintf(stderr, "sos: %s\n", err);
        return EX_CONFIG;
    }
    long long v;
    if (sos_conf_int(cli.conf, "client", "retries", 3, &v) == 0 && v > 0 && v <= INT_MAX)
        cli.retries = (int)v;
    if (!timeout_set && sos_conf_int(cli.conf, "client", "timeout_ms", 2500, &v) == 0 && v > 0 &&
        v <= INT_MAX)
        cli.timeout_ms = (int)v;
    cli.tkey_path = tkey ? tkey : sos_conf_get(cli.conf, "client", "transport_key");
    const char *cmd = argv[optind];
    size_t i;
    for (i = 0; i < sizeof s_cmds / sizeof s_cmds[0]; i++)
        if (strcmp(cmd, s_cmds[i].name) == 0)
            break;
    if (i == sizeof s_cmds / sizeof s_cmds[0]) {
        sos_cmd_unknown(NULL, "command", cmd, &s_cmds[0].name, SOS_CMD_N(s_cmds), sizeof s_cmds[0]);
        s_usage(stderr);
        goto out;
    }
    int first = optind;
    optind = 0; /* each command parses its own options: glibc starts over */
    rc = s_cmds[i].fn(&cli, argc - first, argv + first);
out:
    sos_tkey_destroy(&cli.tkey);
    sos_conf_destroy(&cli.conf);
    return rc;
}
