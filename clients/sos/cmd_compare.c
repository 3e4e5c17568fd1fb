/* compare create | compare list: side-by-side pages of two tools, kept by
 * submission and published once both tools have a final verdict. */
#include <stdio.h>

#include "cli.h"
#include "cmd.h"
#include "cmd_tool.h"
#include "submission_clnt.h"

static const char s_about[] = "Pairs two tools into a comparison page, <a>-vs-<b>. It is\n"
                              "published once both tools have a final verdict.\n"
                              "create is an editor's signed request.\n" SOS_CMD_EDITOR_ABOUT;

static int s_compare_create(sos_cmd_ctx *x)
{
    Sos__Comparison cmp = SOS__COMPARISON__INIT;
    Sos__SubmissionReply *rep = NULL;
    int rc;
    sos_clnt_editor ed;
    cmp.tool_a = x->argv[0];
    cmp.tool_b = x->argv[1];
    if ((rc = sos_cmd_signer(x, &ed)))
        return rc;
    rc = submission_clnt_compare_create(x->clnt, NULL, 0, &ed, &cmp, &rep);
    if ((rc = sos_cmd_tool_reply(x, rc, rep, x->argv, 2)))
        return rc;
    if (x->cli->json)
        sos_json_print(sos_json_comparison(rep->comparison));
    else
        printf("%s\n", rep->comparison->slug);
    return 0;
}

static int s_compare_list(sos_cmd_ctx *x)
{
    return sos_cmd_tool_pages(x, true);
}

static const sos_cmd_verb s_verbs[] = {
    {"create", s_compare_create, "TOOL_A TOOL_B [--editor-key FILE]", 2, "submission"},
    {"list", s_compare_list, "[--json]", 0, "submission"}};
static const sos_cmd s_cmd = {"compare", SOS_CMD_TABLE(s_verbs), SOS_CMD_TABLE(sos_cmd_json_editor),
                              0, s_about};

int sos_cmd_compare(sos_cli *cli, int argc, char **argv)
{
    return sos_cmd_run(&s_cmd, cli, argc, argv);
}
