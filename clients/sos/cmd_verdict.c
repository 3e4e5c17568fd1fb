/* verdict show | verdict finalize: a tool's panel verdict.
 *
 * show asks aggregation for the verdict as it stands and checks every
 * signature of a final one (77 when one does not verify); finalize asks
 * scoring to close the panel, after which aggregation signs the verdict. */
#include <stdio.h>
#include <sysexits.h>

#include "aggregation_clnt.h"
#include "cli.h"
#include "cmd.h"
#include "cmd_tool.h"
#include "scoring_clnt.h"

static const char s_about[] =
    "show: the panel verdict as it stands (provisional until final).\n"
    "finalize: the editor closes the panel now; takes are closed and aggregation\n"
    "signs the verdict over the latest take of each persona. finalize is an\n"
    "editor's signed request.\n" SOS_CMD_EDITOR_ABOUT;

static int s_verdict_finalize(sos_cmd_ctx *x)
{
    Sos__ScoringReply *rep = NULL;
    sos_clnt_editor ed;
    int rc = sos_cmd_signer(x, &ed);
    if (rc)
        return rc;
    rc = scoring_clnt_panel_close(x->clnt, NULL, 0, &ed, x->argv[0], &rep);
    if ((rc = sos_cmd_tool_reply(x, rc, rep, x->argv, 1)))
        return rc;
    printf("%s: takes closed (%zu counted); the verdict is being signed\n", x->argv[0],
           rep->closed ? rep->closed->n_take_hashes : 0);
    return 0;
}

static int s_verdict_show(sos_cmd_ctx *x)
{
    const char *tool = x->argv[0];
    Sos__AggregationReply *rep = NULL;
    int rc = aggregation_clnt_verdict_show(x->clnt, NULL, 0, tool, &rep);
    if ((rc = sos_cmd_tool_reply(x, rc, rep, x->argv, 1)))
        return rc;
    const Sos__VerdictView *v = rep->verdict;
    bool ok = true;
    if (x->cli->json) {
        json_t *j = v->final && v->signed_
                        ? sos_json_verdict(v->signed_, &ok)
                        : json_pack("{s:o}", "verdict", sos_json_verdict_body(v->body));
        json_object_set_new(j, "final", json_boolean(v->final));
        sos_json_print(j);
    } else {
        char line[128];
        sos_verdict_line(v->body, line, sizeof line);
        if (v->body->ship + v->body->skip == 0) /* a mean of nothing is not 0.00 */
            printf("%s: %s · no ship share or mean yet · %s\n", tool, line,
                   v->final ? "final, signed" : "provisional");
        else
            printf("%s: %s · %u%% panel ship · mean %.2f · %s\n", tool, line, v->body->ship_pct,
                   v->body->mean_score_x100 / 100.0, v->final ? "final, signed" : "provisional");
        if (v->final && v->signed_)
            json_decref(sos_json_verdict(v->signed_, &ok));
    }
    if (!ok) {
        fprintf(stderr, "sos: the verdict's signatures do not verify\n");
        return EX_NOPERM;
    }
    return 0;
}

static const sos_cmd_verb s_verbs[] = {
    {"show", s_verdict_show, "TOOL [--json]", 1, "aggregation"},
    {"finalize", s_verdict_finalize, "TOOL [--editor-key FILE]", 1, "scoring"}};
static const sos_cmd s_cmd = {"verdict", SOS_CMD_TABLE(s_verbs), SOS_CMD_TABLE(sos_cmd_json_editor),
                              0, s_about};

int sos_cmd_verdict(sos_cli *cli, int argc, char **argv)
{
    return sos_cmd_run(&s_cmd, cli, argc, argv);
}
