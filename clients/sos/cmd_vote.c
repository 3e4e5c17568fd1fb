/* vote | tally: readers' community votes, for operators and tests (readers
 * vote through the HTTP gateway, services/web).
 *
 * vote sends one vote to community with a voter token (--voter, 32 hex
 * digits; without it a fresh random one, printed so it can be used again
 * to change the vote) and a request id (--request-id, 32 hex digits; a
 * retry with the same id is counted once). tally prints the signed tally
 * and checks its signature (77 when it does not verify). */
#include <stdio.h>
#include <string.h>
#include <sysexits.h>

#include "cli.h"
#include "cmd.h"
#include "community_clnt.h"

typedef struct {
    const char *ship, *skip, *voter, *request_id, *json;
} s_vote_opts;

static const char s_vote_about[] =
    "Counts one community vote on a published tool: one vote per voter per tool,\n"
    "the latest counts. --voter is the voter's token (32 hex digits; default: a\n"
    "new random one, printed); --request-id (32 hex digits) makes a retry safe.\n";
static const char s_tally_about[] =
    "The community tally of a published tool, signed by community: ship, skip,\n"
    "total, and the ship % once there are [community] min_votes votes.\n";

static const char *s_choice(Sos__VoteChoice c)
{
    return c == SOS__VOTE_CHOICE__VOTE_CHOICE_SHIP   ? "ship"
           : c == SOS__VOTE_CHOICE__VOTE_CHOICE_SKIP ? "skip"
                                                     : "none";
}

/* "64% ship · 1203 votes" or "3 votes so far (a % shows from 10)" */
static void s_tally_line(const Sos__TallyBody *b, char *out, size_t cap)
{
    if (b->shown)
        snprintf(out, cap, "%u%% ship · %u vote%s (%u ship, %u skip)", b->ship_pct, b->total,
                 b->total == 1 ? "" : "s", b->ship, b->skip);
    else
        snprintf(out, cap, "%u vote%s so far (%u ship, %u skip; a %% shows from %u)", b->total,
                 b->total == 1 ? "" : "s", b->ship, b->skip, b->min_votes);
}

static int s_hex_opt(const char *opt, const char *v, uint8_t out[16])
{
    if (v && sos_unhex(v, out, 16) != 0) {
        fprintf(stderr, "sos: --%s must be 32 hex digits\n", opt);
        return EX_DATAERR;
    }
    return 0;
}

static int s_vote(sos_cmd_ctx *x)
{
    const s_vote_opts *o = x->opts;
    uint8_t voter[16], rid[16];
    char hex[33], line[128];
    Sos__CommunityReply *rep = NULL;
    int rc;

    if (!o->ship == !o->skip) {
        fprintf(stderr, "sos: vote: give one of --ship or --skip\n");
        return sos_cmd_misuse(x->cmd);
    }
    if ((rc = s_hex_opt("voter", o->voter, voter)) ||
        (rc = s_hex_opt("request-id", o->request_id, rid)))
        return rc;
    if (!o->voter)
        sos_random(voter, sizeof voter);
    if ((rc = sos_cmd_connect(x, "community")))
        return rc;
    rc = community_clnt_vote(
        x->clnt, o->request_id ? rid : NULL, o->request_id ? sizeof rid : 0, x->argv[0],
        o->ship ? SOS__VOTE_CHOICE__VOTE_CHOICE_SHIP : SOS__VOTE_CHOICE__VOTE_CHOICE_SKIP, voter,
        &rep);
    if ((rc = sos_cmd_reply(x, rc, rep)))
        return rc;
    const Sos__VoteResult *r = rep->vote;
    if (!r || !r->tally) {
        fprintf(stderr, "sos: community's reply carries no vote\n");
        return EX_PROTOCOL;
    }
    sos_hex(voter, sizeof voter, hex);
    const char *what = !r->changed                                                ? "unchanged"
                       : r->previous == SOS__VOTE_CHOICE__VOTE_CHOICE_UNSPECIFIED ? "counted"
                                                                                  : "changed";
    if (x->cli->json) {
        json_t *j =
            json_pack("{s:s, s:s, s:s, s:s, s:b, s:s, s:o}", "tool", x->argv[0], "vote",
                      o->ship ? "ship" : "skip", "result", what, "previous", s_choice(r->previous),
                      "changed", r->changed, "voter", hex, "tally", sos_json_tally_body(r->tally));
        sos_json_print(j);
    } else {
        s_tally_line(r->tally, line, sizeof line);
        printf("%s: %s %s (voter %s); community: %s\n", x->argv[0], what, o->ship ? "ship" : "skip",
               hex, line);
    }
    return 0;
}

static int s_tally(sos_cmd_ctx *x)
{
    Sos__CommunityReply *rep = NULL;
    char line[128];
    bool ok = true;
    int rc = community_clnt_tally(x->clnt, NULL, 0, x->argv[0], &rep);
    if ((rc = sos_cmd_reply(x, rc, rep)))
        return rc;
    const Sos__TallyView *v = rep->tally;
    if (!v || !v->signed_ || !v->body) {
        fprintf(stderr, "sos: community's reply carries no tally\n");
        return EX_PROTOCOL;
    }
    json_t *j = sos_json_tally(v->signed_, &ok);
    if (x->cli->json) {
        sos_json_print(j);
    } else {
        json_decref(j);
        s_tally_line(v->body, line, sizeof line);
        printf("%s: community: %s · signed\n", x->argv[0], line);
    }
    if (!ok) {
        fprintf(stderr, "sos: the tally's signature does not verify\n");
        return EX_NOPERM;
    }
    return 0;
}

static const sos_cmd_opt s_vote_opts_t[] = {
    SOS_CMD_FLAG("ship", 'S', s_vote_opts, ship),
    SOS_CMD_FLAG("skip", 'K', s_vote_opts, skip),
    SOS_CMD_VALUE("voter", 'v', s_vote_opts, voter),
    SOS_CMD_VALUE("request-id", 'r', s_vote_opts, request_id),
    SOS_CMD_OPT_JSON,
};
static const sos_cmd_verb s_vote_verbs[] = {
    {NULL, s_vote, "TOOL (--ship | --skip) [--voter HEX] [--request-id HEX] [--json]", 1, NULL}};
static const sos_cmd s_vote_cmd = {"vote", SOS_CMD_TABLE(s_vote_verbs),
                                   SOS_CMD_TABLE(s_vote_opts_t), sizeof(s_vote_opts), s_vote_about};

static const sos_cmd_verb s_tally_verbs[] = {{NULL, s_tally, "TOOL [--json]", 1, "community"}};
static const sos_cmd s_tally_cmd = {"tally", SOS_CMD_TABLE(s_tally_verbs),
                                    SOS_CMD_TABLE(sos_cmd_json_only), 0, s_tally_about};

int sos_cmd_vote(sos_cli *cli, int argc, char **argv)
{
    return sos_cmd_run(&s_vote_cmd, cli, argc, argv);
}

int sos_cmd_tally(sos_cli *cli, int argc, char **argv)
{
    return sos_cmd_run(&s_tally_cmd, cli, argc, argv);
}
