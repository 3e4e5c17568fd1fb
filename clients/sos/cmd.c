/* cmd: verb tables, options, usage, suggestions and service calls for the
 * sos commands. */
#include "cmd.h"

#include <assert.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>

#include "buf.h"

const sos_cmd_opt sos_cmd_json_only[1] = {SOS_CMD_OPT_JSON};

void sos_cmd_usage(const sos_cmd *cmd, FILE *f)
{
    for (size_t i = 0; i < cmd->n_verbs; i++) {
        const sos_cmd_verb *v = &cmd->verbs[i];
        fprintf(f, "%s sos %s%s%s%s%s\n", i ? "      " : "usage:", cmd->name, v->name ? " " : "",
                v->name ? v->name : "", v->synopsis[0] ? " " : "", v->synopsis);
    }
    if (cmd->about)
        fprintf(f, "\n%s", cmd->about);
}

int sos_cmd_misuse(const sos_cmd *cmd)
{
    sos_cmd_usage(cmd, stderr);
    return EX_USAGE;
}

int sos_cmd_getopt(const sos_cmd *cmd, sos_cli *cli, int argc, char **argv, void *opts, int *first)
{
    struct option lo[SOS_CMD_MAX_OPTS + 2];
    char so[2 * SOS_CMD_MAX_OPTS + 2];
    size_t k = 0;
    assert(cmd->n_opts <= SOS_CMD_MAX_OPTS);
    for (size_t i = 0; i < cmd->n_opts; i++) {
        const sos_cmd_opt *o = &cmd->opts[i];
        assert(o->letter != 'h' && o->letter != '?' && o->letter != ':');
        lo[i] =
            (struct option){o->name, o->value ? required_argument : no_argument, NULL, o->letter};
        so[k++] = (char)o->letter;
        if (o->value)
            so[k++] = ':';
    }
    lo[cmd->n_opts] = (struct option){"help", no_argument, NULL, 'h'};
    lo[cmd->n_opts + 1] = (struct option){NULL, 0, NULL, 0};
    so[k++] = 'h';
    so[k] = '\0';
    optind = 0; /* glibc: start over, as for a new argv */
    for (int ch; (ch = getopt_long(argc, argv, so, lo, NULL)) != -1;) {
        const sos_cmd_opt *o = NULL;
        if (ch == 'h') {
            sos_cmd_usage(cmd, stdout);
            return EX_OK;
        }
        for (size_t i = 0; i < cmd->n_opts && !o; i++)
            if (cmd->opts[i].letter == ch)
                o = &cmd->opts[i];
        if (!o)
            return sos_cmd_misuse(cmd);
        if (o->at == SOS_CMD_JSON)
            cli->json = true;
        else
            *(const char **)((char *)opts + o->at) = o->value ? optarg : o->name;
    }
    *first = optind;
    return SOS_CMD_GO;
}

int sos_cmd_run(const sos_cmd *cmd, sos_cli *cli, int argc, char **argv)
{
    const sos_cmd_verb *v = cmd->verbs;
    sos_cmd_ctx x = {cmd, cli, NULL, 0, NULL, NULL, NULL, NULL};
    void *opts = NULL;
    int first, rc;
    if (v->name) { /* the verb is argv[1]; its options and operands follow */
        const char *word = argc >= 2 ? argv[1] : "";
        while (v < cmd->verbs + cmd->n_verbs && strcmp(v->name, word) != 0)
            v++;
        if (v == cmd->verbs + cmd->n_verbs) {
            if (sos_cli_wants_help(argc, argv)) {
                sos_cmd_usage(cmd, stdout);
                return EX_OK;
            }
            if (word[0] && word[0] != '-')
                sos_cmd_unknown(cmd->name, "subcommand", word, &cmd->verbs[0].name, cmd->n_verbs,
                                sizeof cmd->verbs[0]);
            return sos_cmd_misuse(cmd);
        }
        argc--;
        argv++;
    }
    opts = sos_xcalloc(1, cmd->opts_size ? cmd->opts_size : 1);
    if ((rc = sos_cmd_getopt(cmd, cli, argc, argv, opts, &first)) != SOS_CMD_GO)
        goto out;
    if (v->operands != SOS_CMD_ANY && argc - first != v->operands) {
        rc = sos_cmd_misuse(cmd);
        goto out;
    }
    assert(v->fn);
    x.opts = opts;
    x.argc = argc - first;
    x.argv = argv + first;
    if (!v->service || (rc = sos_cmd_connect(&x, v->service)) == 0)
        rc = v->fn(&x);
out:
    if (x.reply)
        protobuf_c_message_free_unpacked(x.reply, NULL);
    sos_clnt_destroy(&x.clnt);
    free(opts);
    return rc;
}

int sos_cmd_connect(sos_cmd_ctx *x, const char *service)
{
    assert(!x->clnt);
    x->service = service;
    return sos_cli_connect(x->cli, service, &x->clnt);
}

int sos_cmd_reply(sos_cmd_ctx *x, int rc, void *reply)
{
    if (x->reply)
        protobuf_c_message_free_unpacked(x->reply, NULL);
    x->reply = NULL;
    if (rc != SOS_CLNT_OK)
        return sos_cli_clnt_error(rc, x->service, x->clnt);
    assert(reply);
    x->reply = reply;
    /* every service's replies carry their Status as field 2 (protocol.md) */
    const ProtobufCMessage *m = reply;
    const ProtobufCFieldDescriptor *f = protobuf_c_message_descriptor_get_field(m->descriptor, 2);
    assert(f && f->type == PROTOBUF_C_TYPE_MESSAGE && f->descriptor == &sos__status__descriptor);
    return sos_cli_status(*(Sos__Status *const *)((const char *)m + f->offset), x->service);
}

static size_t s_min3(size_t a, size_t b, size_t c)
{
    return a < b ? (a < c ? a : c) : (b < c ? b : c);
}

/* Damerau-Levenshtein distance, optimal string alignment form; words are
 * command words: longer ones are cut at 31 bytes. */
static size_t s_distance(const char *a, const char *b)
{
    enum { MAX = 31 };
    size_t n = strnlen(a, MAX), m = strnlen(b, MAX), d[MAX + 1][MAX + 1];
    for (size_t i = 0; i <= n; i++)
        d[i][0] = i;
    for (size_t j = 0; j <= m; j++)
        d[0][j] = j;
    for (size_t i = 1; i <= n; i++)
        for (size_t j = 1; j <= m; j++) {
            size_t cost = a[i - 1] != b[j - 1];
            d[i][j] = s_min3(d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + cost);
            if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] &&
                d[i - 2][j - 2] + 1 < d[i][j])
                d[i][j] = d[i - 2][j - 2] + 1;
        }
    return d[n][m];
}

static const char *s_name(const char *const *names, size_t i, size_t stride)
{
    return *(const char *const *)((const char *)names + i * stride);
}

const char *sos_cmd_suggest(const char *word, const char *const *names, size_t n, size_t stride)
{
    const char *prefixed = NULL, *near = NULL;
    size_t prefixes = 0, best = 3, len = strlen(word);
    if (!len)
        return NULL;
    for (size_t i = 0; i < n; i++) {
        const char *name = s_name(names, i, stride);
        if (!name)
            continue;
        if (strncmp(name, word, len) == 0) {
            prefixed = name;
            prefixes++;
        }
        size_t d = s_distance(word, name), longer = len > strlen(name) ? len : strlen(name);
        if (d < best && 2 * d <= longer) {
            best = d;
            near = name;
        }
    }
    return prefixes == 1 ? prefixed : near;
}

void sos_cmd_unknown(const char *cmd, const char *what, const char *word, const char *const *names,
                     size_t n, size_t stride)
{
    const char *near = sos_cmd_suggest(word, names, n, stride);
    fprintf(stderr, "sos: %s%sunknown %s '%s'%s%s%s\n\n", cmd ? cmd : "", cmd ? ": " : "", what,
            word, near ? "; did you mean '" : "", near ? near : "", near ? "'?" : "");
}
