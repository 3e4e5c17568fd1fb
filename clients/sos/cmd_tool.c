/* tool submit | tool list | tool show: the tools under review, kept by
 * submission. A tool's id is the slug of its name. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>

#include "buf.h"
#include "cli.h"
#include "cmd.h"
#include "cmd_tool.h"
#include "submission_clnt.h"
#include "text.h"

typedef struct {
    const char *name, *vendor, *tagline, *category, *tier, *pricing, *description, *link;
} s_tool_opts;

static const char s_about[] =
    "A tool's id is the slug of its name. A name that matches an existing tool\n"
    "ignoring case, spaces and punctuation is refused and the existing id named.\n"
    "submit is an editor's signed request.\n" SOS_CMD_EDITOR_ABOUT;

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

/* submit's and show's answer: the tool. */
static int s_tool_answer(sos_cmd_ctx *x, int rc, Sos__SubmissionReply *rep)
{
    if ((rc = sos_cmd_reply(x, rc, rep)))
        return rc;
    if (rep->body_case == SOS__SUBMISSION_REPLY__BODY_TOOL)
        s_tool_print(x->cli, rep->tool);
    return 0;
}

/* An unset string option is "", as in a fresh Sos__Tool. */
static char *s_or_empty(const char *s)
{
    return (char *)(s ? s : "");
}

static int s_tool_submit(sos_cmd_ctx *x)
{
    const s_tool_opts *o = x->opts;
    Sos__Tool tool = SOS__TOOL__INIT;
    Sos__SubmissionReply *rep = NULL;
    int rc;
    tool.name = s_or_empty(o->name);
    tool.vendor = s_or_empty(o->vendor);
    tool.tagline = s_or_empty(o->tagline);
    tool.category = s_or_empty(o->category);
    tool.pricing = s_or_empty(o->pricing);
    tool.description = s_or_empty(o->description);
    tool.link = s_or_empty(o->link);
    const char *const names[] = {"--name", "--tagline", "--category", "--tier"};
    const char *const values[] = {o->name, o->tagline, o->category, o->tier};
    char missing[64];
    if (sos_cmd_missing_list(names, values, SOS_CMD_N(names), missing, sizeof missing)) {
        fprintf(stderr, "sos: tool submit needs %s (`sos tool submit --help`)\n", missing);
        return EX_USAGE;
    }
    tool.tier = sos_tier_parse(o->tier);
    if (tool.tier == SOS__TIER__TIER_UNSPECIFIED) {
        fprintf(stderr, "sos: --tier must be Free, Paid or Freemium\n");
        return EX_DATAERR;
    }
    sos_clnt_editor ed;
    if ((rc = sos_cmd_signer(x, &ed)) || (rc = sos_cmd_connect(x, "submission")))
        return rc;
    rc = submission_clnt_tool_submit(x->clnt, NULL, 0, &ed, &tool, &rep);
    return s_tool_answer(x, rc, rep);
}

static int s_tool_show(sos_cmd_ctx *x)
{
    Sos__SubmissionReply *rep = NULL;
    int rc = submission_clnt_tool_show(x->clnt, NULL, 0, x->argv[0], &rep);
    if ((rc = sos_cmd_tool_reply(x, rc, rep, x->argv, 1)))
        return rc;
    if (rep->body_case == SOS__SUBMISSION_REPLY__BODY_TOOL)
        s_tool_print(x->cli, rep->tool);
    return 0;
}

/* Every tool id submission knows, in *ids (the caller's, each string too);
 * 0, or -1 when submission cannot say. */
static int s_tool_ids(sos_cli *cli, char ***ids, size_t *n)
{
    sos_clnt *c = NULL;
    char *after = sos_xstrdup("");
    size_t cap = 0;
    int rc = -1;
    *ids = NULL;
    *n = 0;
    int retries = cli->retries;
    cli->retries = 1; /* one try: a suggestion is not worth another wait */
    int crc = sos_cli_connect(cli, "submission", &c);
    cli->retries = retries;
    if (crc != 0)
        goto out;
    for (;;) {
        Sos__SubmissionReply *rep = NULL;
        if (submission_clnt_tool_list(c, NULL, 0, after, 0, &rep) != SOS_CLNT_OK)
            goto out;
        size_t k = rep->tools && rep->status && rep->status->code == SOS__CODE__CODE_OK
                       ? rep->tools->n_tools
                       : 0;
        for (size_t i = 0; i < k; i++) {
            if (*n == cap) {
                cap = cap ? 2 * cap : 64;
                *ids = realloc(*ids, cap * sizeof **ids);
                if (!*ids)
                    abort();
            }
            (*ids)[(*n)++] = sos_xstrdup(rep->tools->tools[i]->tool_id);
        }
        free(after);
        after = sos_xstrdup(k && rep->tools->next ? rep->tools->next : "");
        sos__submission_reply__free_unpacked(rep, NULL);
        if (!after[0])
            break;
    }
    rc = 0;
out:
    free(after);
    sos_clnt_destroy(&c);
    return rc;
}

int sos_cmd_tool_reply(sos_cmd_ctx *x, int rc, void *reply, char *const *tools, size_t n)
{
    const Sos__Status *st;
    if (!(rc = sos_cmd_answer(x, rc, reply, &st)) || !st)
        return rc;
    return sos_cmd_tool_refused(x, st, tools, n);
}

int sos_cmd_tool_refused(const sos_cmd_ctx *x, const Sos__Status *st, char *const *tools, size_t n)
{
    char **ids = NULL;
    size_t n_ids = 0, unknown = 0;
    if (st->code == SOS__CODE__CODE_NOT_FOUND && s_tool_ids(x->cli, &ids, &n_ids) == 0) {
        for (size_t i = 0; i < n; i++) {
            bool known = false;
            for (size_t j = 0; j < n_ids && !known; j++)
                known = !strcmp(ids[j], tools[i]);
            if (known)
                continue;
            const char *near = sos_cmd_suggest_id(tools[i], (const char *const *)ids, n_ids);
            fprintf(stderr, "sos: unknown tool '%s'%s%s%s (`sos tool list` shows every id)\n",
                    tools[i], near ? "; did you mean '" : "", near ? near : "", near ? "'?" : "");
            unknown++;
        }
    }
    for (size_t j = 0; j < n_ids; j++)
        free(ids[j]);
    free(ids);
    return unknown ? EX_DATAERR : sos_cmd_refused(x, st);
}

static int s_tool_list(sos_cmd_ctx *x)
{
    return sos_cmd_tool_pages(x, false);
}

int sos_cmd_tool_pages(sos_cmd_ctx *x, bool comparisons)
{
    char *after = sos_xstrdup("");
    bool first = true, json = x->cli->json;
    int rc;
    if (json)
        fputs("[", stdout);
    for (;;) {
        Sos__SubmissionReply *rep = NULL;
        rc = comparisons ? submission_clnt_compare_list(x->clnt, NULL, 0, after, 0, &rep)
                         : submission_clnt_tool_list(x->clnt, NULL, 0, after, 0, &rep);
        if ((rc = sos_cmd_reply(x, rc, rep)))
            break;
        size_t n = comparisons ? (rep->comparisons ? rep->comparisons->n_comparisons : 0)
                               : (rep->tools ? rep->tools->n_tools : 0);
        for (size_t i = 0; i < n; i++) {
            json_t *j = NULL;
            if (comparisons) {
                const Sos__Comparison *cm = rep->comparisons->comparisons[i];
                if (json)
                    j = sos_json_comparison(cm);
                else
                    printf("%s\n", cm->slug);
            } else {
                const Sos__Tool *t = rep->tools->tools[i];
                if (json)
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
        if (!after[0] || n == 0)
            break;
    }
    free(after);
    if (json)
        fputs(first ? "]\n" : "\n]\n", stdout);
    return rc;
}

static const sos_cmd_opt s_opts[] = {
    SOS_CMD_VALUE("name", 'n', s_tool_opts, name),
    SOS_CMD_VALUE("vendor", 'v', s_tool_opts, vendor),
    SOS_CMD_VALUE("tagline", 't', s_tool_opts, tagline),
    SOS_CMD_VALUE("category", 'c', s_tool_opts, category),
    SOS_CMD_VALUE("tier", 'T', s_tool_opts, tier),
    SOS_CMD_VALUE("pricing", 'p', s_tool_opts, pricing),
    SOS_CMD_VALUE("description", 'd', s_tool_opts, description),
    SOS_CMD_VALUE("link", 'l', s_tool_opts, link),
    SOS_CMD_OPT_JSON,
    SOS_CMD_OPT_EDITOR,
};
static const sos_cmd_verb s_verbs[] = {
    {"submit", s_tool_submit,
     "--name N --tagline T --category C --tier Free|Paid|Freemium\n"
     "                       [--vendor V] [--pricing P] [--description D] [--link URL]\n"
     "                       [--editor-key FILE]",
     0, NULL},
    {"list", s_tool_list, "[--json]", 0, "submission"},
    {"show", s_tool_show, "ID [--json]", 1, "submission"},
};
static const sos_cmd s_cmd = {"tool", SOS_CMD_TABLE(s_verbs), SOS_CMD_TABLE(s_opts),
                              sizeof(s_tool_opts), s_about};

int sos_cmd_tool(sos_cli *cli, int argc, char **argv)
{
    return sos_cmd_run(&s_cmd, cli, argc, argv);
}
