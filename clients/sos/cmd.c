/* cmd: verb tables, options, usage, suggestions and service calls for the
 * sos commands. */
#include "cmd.h"

#include <assert.h>
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sysexits.h>

#include "buf.h"
#include "status.h"
#include "text.h"

const sos_cmd_opt sos_cmd_json_only[1] = {SOS_CMD_OPT_JSON};
const sos_cmd_opt sos_cmd_json_editor[2] = {SOS_CMD_OPT_JSON, SOS_CMD_OPT_EDITOR};

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

int sos_cmd_parse_u64(const char *s, uint64_t min, uint64_t max, uint64_t *out)
{
    uint64_t v = 0;
    bool over = false;
    if (!s || !*s) {
        errno = EINVAL;
        return -1;
    }
    for (const char *p = s; *p; p++) {
        if (*p < '0' || *p > '9') {
            errno = EINVAL;
            return -1;
        }
        unsigned d = (unsigned)(*p - '0');
        if (v > (UINT64_MAX - d) / 10)
            over = true; /* past UINT64_MAX: out of any range; read on for junk */
        else
            v = 10 * v + d;
    }
    if (over || v < min || v > max) {
        errno = ERANGE;
        return -1;
    }
    *out = v;
    return 0;
}

int sos_cmd_number(const char *opt, const char *what, const char *s, uint64_t min, uint64_t max,
                   uint64_t *out)
{
    if (sos_cmd_parse_u64(s, min, max, out) == 0)
        return 0;
    fprintf(stderr, "sos: --%s must be %s from %" PRIu64 " to %" PRIu64 ", not '%s'\n", opt, what,
            min, max, s ? s : "");
    return EX_DATAERR;
}

int sos_cmd_getopt(const sos_cmd *cmd, sos_cli *cli, int argc, char **argv, void *opts, int *first)
{
    static const sos_cmd_opt json = SOS_CMD_OPT_JSON;
    struct option lo[SOS_CMD_MAX_OPTS + 3];
    char so[2 * SOS_CMD_MAX_OPTS + 4];
    size_t k = 0, n = 0, n_words = 0;
    bool has_json = false;
    so[k++] = '-'; /* operands come back in order as 1: options may follow them, whatever
                      POSIXLY_CORRECT says */
    assert(cmd->n_opts <= SOS_CMD_MAX_OPTS);
    for (size_t i = 0; i < cmd->n_opts; i++) {
        const sos_cmd_opt *o = &cmd->opts[i];
        assert(o->letter != 'h' && o->letter != '?' && o->letter != ':');
        assert(o->letter != 'j' || o->at == SOS_CMD_JSON);
        has_json |= o->at == SOS_CMD_JSON;
        lo[n++] =
            (struct option){o->name, o->value ? required_argument : no_argument, NULL, o->letter};
        so[k++] = (char)o->letter;
        if (o->value)
            so[k++] = ':';
    }
    if (!has_json) { /* sos --json CMD works for every command: so does CMD --json */
        lo[n++] = (struct option){json.name, no_argument, NULL, json.letter};
        so[k++] = (char)json.letter;
    }
    lo[n++] = (struct option){"help", no_argument, NULL, 'h'};
    lo[n] = (struct option){NULL, 0, NULL, 0};
    so[k++] = 'h';
    so[k] = '\0';
    char **words = sos_xcalloc((size_t)argc + 1, sizeof *words); /* the operands, in order */
    int rc = SOS_CMD_GO;
    optind = 0; /* glibc: start over, as for a new argv */
    for (int ch; rc == SOS_CMD_GO && (ch = getopt_long(argc, argv, so, lo, NULL)) != -1;) {
        const sos_cmd_opt *o = NULL;
        if (ch == 1) {
            words[n_words++] = optarg;
            continue;
        }
        if (ch == 'h') {
            sos_cmd_usage(cmd, stdout);
            rc = EX_OK;
            break;
        }
        if (ch == json.letter && !has_json)
            o = &json;
        for (size_t i = 0; i < cmd->n_opts && !o; i++)
            if (cmd->opts[i].letter == ch)
                o = &cmd->opts[i];
        if (!o) {
            rc = sos_cmd_misuse(cmd);
            break;
        }
        if (o->at == SOS_CMD_JSON)
            cli->json = true;
        else if (o->at == SOS_CMD_EDITOR)
            cli->editor_key = optarg;
        else
            *(const char **)((char *)opts + o->at) = o->value ? optarg : o->name;
    }
    if (rc == SOS_CMD_GO) {
        /* the operands at the end of argv: those met, then those after "--" */
        for (int i = optind; i < argc; i++)
            words[n_words++] = argv[i];
        *first = argc - (int)n_words;
        memcpy(argv + *first, words, n_words * sizeof *words);
    }
    free(words);
    return rc;
}

int sos_cmd_run(const sos_cmd *cmd, sos_cli *cli, int argc, char **argv)
{
    const sos_cmd_verb *v = cmd->verbs;
    sos_cmd_ctx x = {cmd, cli, NULL, 0, NULL, NULL, NULL, NULL, NULL};
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
    sos_key_destroy(&x.editor);
    free(opts);
    return rc;
}

int sos_cmd_signer(sos_cmd_ctx *x, sos_clnt_editor *ed)
{
    int rc;
    if (!x->editor && (rc = sos_cli_editor(x->cli, &x->editor)))
        return rc;
    ed->key = x->editor;
    ed->issued_at = (uint64_t)time(NULL);
    return 0;
}

int sos_cmd_connect(sos_cmd_ctx *x, const char *service)
{
    assert(!x->clnt);
    x->service = service;
    return sos_cli_connect(x->cli, service, &x->clnt);
}

/* (service, command word) -> what the person was doing. */
static const struct {
    const char *service, *command, *action;
} s_actions[] = {
    {"scoring", "take", "take"},
    {"scoring", "verdict", "verdict"},
    {"submission", "tool", "tool"},
    {"submission", "panel", "panel key"},
    {"submission", "compare", "comparison"},
    {"submission", "editor", "editor key"},
    {"aggregation", "verdict", "verdict"},
    {"publishing", "pull", "pull"},
};

const char *sos_cmd_action(const char *service, const char *command)
{
    for (size_t i = 0; service && command && i < SOS_CMD_N(s_actions); i++)
        if (!strcmp(s_actions[i].service, service) && !strcmp(s_actions[i].command, command))
            return s_actions[i].action;
    return service ? service : "request";
}

int sos_cmd_refused(const sos_cmd_ctx *x, const Sos__Status *st)
{
    fprintf(stderr, "sos: %s refused (%s): %s\n", sos_cmd_action(x->service, x->cmd->name),
            sos_code_name(st->code), st->message);
    return sos_code_exit(st->code);
}

int sos_cmd_answer(sos_cmd_ctx *x, int rc, void *reply, const Sos__Status **refusal)
{
    *refusal = NULL;
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
    const Sos__Status *st = *(Sos__Status *const *)((const char *)m + f->offset);
    if (!st || st->code == SOS__CODE__CODE_OK)
        return 0;
    *refusal = st;
    return sos_code_exit(st->code);
}

int sos_cmd_reply(sos_cmd_ctx *x, int rc, void *reply)
{
    const Sos__Status *st;
    rc = sos_cmd_answer(x, rc, reply, &st);
    return st ? sos_cmd_refused(x, st) : rc;
}

bool sos_cmd_missing(const char *value)
{
    return !value || !value[0];
}

size_t sos_cmd_missing_list(const char *const *names, const char *const *values, size_t n,
                            char *out, size_t cap)
{
    size_t k = 0, len = 0;
    assert(cap > 0);
    out[0] = '\0';
    for (size_t i = 0; i < n; i++) {
        if (!sos_cmd_missing(values[i]))
            continue;
        int w = snprintf(out + len, cap - len, "%s%s", k ? ", " : "", names[i]);
        len = w < 0 || (size_t)w >= cap - len ? cap - 1 : len + (size_t)w;
        k++;
    }
    return k;
}

void sos_cmd_table_init(sos_cmd_table *t, size_t cols, const char *align)
{
    assert(cols > 0 && cols <= SOS_CMD_TABLE_MAX_COLS);
    *t = (sos_cmd_table){cols, 0, 0, NULL, align};
}

void sos_cmd_table_row(sos_cmd_table *t, const char *const *cells)
{
    if (t->rows == t->cap) {
        t->cap = t->cap ? 2 * t->cap : 16;
        t->cells = realloc(t->cells, t->cap * t->cols * sizeof *t->cells);
        if (!t->cells)
            abort();
    }
    for (size_t c = 0; c < t->cols; c++)
        t->cells[t->rows * t->cols + c] = sos_xstrdup(cells[c] ? cells[c] : "");
    t->rows++;
}

/* Characters, not bytes: a UTF-8 continuation byte adds none. */
static size_t s_width(const char *s)
{
    size_t w = 0;
    for (; *s; s++)
        w += ((unsigned char)*s & 0xC0) != 0x80;
    return w;
}

void sos_cmd_table_print(sos_cmd_table *t, FILE *f)
{
    size_t width[SOS_CMD_TABLE_MAX_COLS] = {0};
    for (size_t i = 0; i < t->rows * t->cols; i++) {
        size_t w = s_width(t->cells[i]);
        if (w > width[i % t->cols])
            width[i % t->cols] = w;
    }
    for (size_t r = 0; r < t->rows; r++) {
        size_t n = t->cols; /* empty cells at the end: no padding after the last word */
        while (n > 1 && !t->cells[r * t->cols + n - 1][0])
            n--;
        for (size_t c = 0; c < n; c++) {
            const char *cell = t->cells[r * t->cols + c];
            bool right = t->align && t->align[c] == 'r', last = c + 1 == n;
            int pad = (int)(width[c] - s_width(cell));
            if (right)
                fprintf(f, "%*s", pad, "");
            fputs(cell, f);
            if (!right && !last)
                fprintf(f, "%*s", pad, "");
            fputs(last ? "\n" : "  ", f);
        }
    }
    sos_cmd_table_free(t);
    sos_cmd_table_init(t, t->cols, t->align);
}

void sos_cmd_table_free(sos_cmd_table *t)
{
    for (size_t i = 0; i < t->rows * t->cols; i++)
        free(t->cells[i]);
    free(t->cells);
    t->cells = NULL;
    t->rows = t->cap = 0;
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

const char *sos_cmd_suggest_id(const char *word, const char *const *ids, size_t n)
{
    char slug[128];
    if (sos_text_slug(word, slug, sizeof slug))
        for (size_t i = 0; i < n; i++)
            if (!strcmp(ids[i], slug))
                return ids[i];
    return sos_cmd_suggest(word, ids, n, sizeof ids[0]);
}

void sos_cmd_unknown(const char *cmd, const char *what, const char *word, const char *const *names,
                     size_t n, size_t stride)
{
    const char *near = sos_cmd_suggest(word, names, n, stride);
    fprintf(stderr, "sos: %s%sunknown %s '%s'%s%s%s\n\n", cmd ? cmd : "", cmd ? ": " : "", what,
            word, near ? "; did you mean '" : "", near ? near : "", near ? "'?" : "");
}
