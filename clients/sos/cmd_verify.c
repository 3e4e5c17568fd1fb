/* verify: `sos verify`, the offline check of a rendered site. The check is
 * the site library's (clients/site/verify.h); this parses the arguments
 * and prints the problems, the summary and the exit code. */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>

#include "cli.h"
#include "cmd.h"
#include "sign.h"
#include "verify.h"

/* --json: the report as one object; lines holds verify_site's problem
 * lines, "<file>: <reason>\n" each (verify.h). */
static void s_print_json(const verify_report *rep, const char *lines)
{
    json_t *problems = json_array();
    for (const char *p = lines; p && *p;) {
        const char *nl = strchr(p, '\n'), *end = nl ? nl : p + strlen(p);
        const char *sep = memchr(p, ':', (size_t)(end - p));
        json_t *e = sep && sep + 1 < end && sep[1] == ' '
                        ? json_pack("{s:s%,s:s%}", "file", p, (size_t)(sep - p), "reason", sep + 2,
                                    (size_t)(end - sep - 2))
                        : json_pack("{s:n,s:s%}", "file", "reason", p, (size_t)(end - p));
        json_array_append_new(problems, e);
        p = nl ? nl + 1 : end;
    }
    char hex[2 * SOS_PK_BYTES + 1];
    if (rep->have_signer)
        sos_hex(rep->signer, SOS_PK_BYTES, hex);
    sos_json_print(json_pack("{s:b,s:o,s:I,s:I,s:I,s:o}", "ok", rep->problems == 0, "signer",
                             rep->have_signer ? json_string(hex) : json_null(), "tools",
                             (json_int_t)rep->tools, "comparisons", (json_int_t)rep->comparisons,
                             "files", (json_int_t)rep->files, "problems", problems));
}

int sos_cmd_verify(sos_cli *cli, int argc, char **argv)
{
    static const char about[] =
        "Checks a rendered site offline. DIR is a `sos render --out` directory (its\n"
        "current release is checked) or a release directory. Every signed take and\n"
        "verdict in the JSON twins must verify and hash to what is listed; each\n"
        "verdict must list exactly the takes shown and be their tally; every field\n"
        "a page shows must be the signed value. Then the whole site is rebuilt from\n"
        "the signed data alone and compared with DIR file by file, byte for byte.\n"
        "--key: every verdict must be signed by this key (keys/aggregation.key.pub);\n"
        "without it all verdicts must share one signer, which is printed.\n"
        "One line per problem, \"<file>: <reason>\". Exit 0 clean, 77 a signature,\n"
        "hash or signer check failed, 65 other mismatches, 66 DIR has no index.json.\n"
        "--json: one object instead, {\"ok\", \"signer\", \"tools\", \"comparisons\",\n"
        "\"files\", \"problems\": [{\"file\", \"reason\"}]}, with the same exit codes.\n";
    typedef struct {
        const char *key;
    } s_verify_opts;
    static const sos_cmd_verb verbs[] = {{NULL, NULL, "[--key HEX|FILE.pub] DIR", 1, NULL}};
    static const sos_cmd_opt opts[] = {SOS_CMD_VALUE("key", 'k', s_verify_opts, key)};
    static const sos_cmd cmd = {"verify", SOS_CMD_TABLE(verbs), SOS_CMD_TABLE(opts),
                                sizeof(s_verify_opts), about};
    const char *key = NULL;
    uint8_t pk[SOS_PK_BYTES];
    char why[PATH_MAX + 128];
    verify_report rep;
    s_verify_opts o = {0};
    int first, rc = sos_cmd_getopt(&cmd, cli, argc, argv, &o, &first);
    if (rc != SOS_CMD_GO)
        return rc;
    if (argc - first != 1)
        return sos_cmd_misuse(&cmd);
    key = o.key;
    if (key && sos_pub_read(key, pk) != 0) {
        fprintf(stderr, "sos: --key must be 64 hex digits or a .pub file holding them\n");
        return EX_USAGE;
    }
    char *lines = NULL;
    size_t nlines = 0;
    FILE *out = cli->json ? open_memstream(&lines, &nlines) : stdout;
    if (!out) {
        perror("sos: verify: open_memstream");
        return EX_OSERR;
    }
    int vrc = verify_site(argv[first], key ? pk : NULL, out, &rep, why, sizeof why);
    if (cli->json)
        fclose(out);
    if (vrc == VERIFY_OK && cli->json)
        s_print_json(&rep, lines);
    free(lines);
    switch (vrc) {
    case VERIFY_OK: break;
    case VERIFY_NOSITE: fprintf(stderr, "sos: verify: %s\n", why); return EX_NOINPUT;
    case VERIFY_ECREATE: fprintf(stderr, "sos: verify: %s\n", why); return EX_CANTCREAT;
    default: fprintf(stderr, "sos: verify: %s\n", why); return EX_IOERR;
    }
    if (cli->json)
        return rep.problems == 0 ? EX_OK : rep.forged ? EX_NOPERM : EX_DATAERR;
    if (rep.problems) {
        printf("FAILED: %zu problem%s\n", rep.problems, rep.problems == 1 ? "" : "s");
        return rep.forged ? EX_NOPERM : EX_DATAERR;
    }
    if (rep.have_signer) {
        char hex[2 * SOS_PK_BYTES + 1];
        sos_hex(rep.signer, SOS_PK_BYTES, hex);
        printf("verdicts signed by %s%s\n", hex, key ? " (--key)" : "");
    }
    printf("verified %zu tools, %zu comparisons, %zu files\n", rep.tools, rep.comparisons,
           rep.files);
    return EX_OK;
}
