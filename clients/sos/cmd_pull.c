/* pull: published verdicts and comparisons after a cursor, in order.
 *
 * Streams page by page (never the whole log in memory) and checks every
 * signature on the way: a take or verdict that does not verify, or a
 * verdict whose takes are not the ones it lists, makes the exit code 77. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>

#include "cli.h"
#include "cmd.h"
#include "envelope.h"
#include "publishing_clnt.h"
#include "sign.h"

typedef struct {
    const char *since, *limit;
} s_pull_opts;

static const char s_about[] =
    "Prints what publishing has published after sequence number N (default 0):\n"
    "each final verdict with its signed takes and signed verdict, and each\n"
    "comparison once both its tools are final. Every signature is checked.\n"
    "The JSON output ends with \"cursor\": pass it as --since next time.\n";

/* Who did it: the editor's signed action that caused an event, opened by
 * the envelope's rules (a bad one clears *ok): the editor's key, the
 * action's name and time, and the signed bytes. */
static json_t *s_by_json(const Sos__Signed *by, bool *ok)
{
    ProtobufCMessage *m = NULL;
    char hex[2 * SOS_PK_BYTES + 1] = "";
    int rc = sos_envelope_open(&sos_envelope_editorial, by, false, &m);
    if (by->signer.len == SOS_PK_BYTES)
        sos_hex(by->signer.data, SOS_PK_BYTES, hex);
    json_t *j = json_pack("{s:s}", "editor_key", hex);
    if (rc != SOS_ENVELOPE_OK) {
        char why[200];
        sos_envelope_describe(&sos_envelope_editorial, rc, why, sizeof why);
        json_object_set_new(j, "error", json_string(why));
        *ok = false;
        return j;
    }
    const Sos__EditorAction *a = (const Sos__EditorAction *)m;
    const ProtobufCFieldDescriptor *f =
        protobuf_c_message_descriptor_get_field(&sos__editor_action__descriptor, a->act_case);
    json_object_set_new(j, "action", json_string(f ? f->name : "unknown"));
    json_object_set_new(j, "issued_at", json_integer((json_int_t)a->issued_at));
    json_object_set_new(j, "verified", json_true());
    protobuf_c_message_free_unpacked(m, NULL);
    return j;
}

static int s_pull(sos_cmd_ctx *x)
{
    const s_pull_opts *o = x->opts;
    sos_cli *cli = x->cli;
    uint64_t since = 0, limit = UINT64_MAX, seen = 0;
    int rc;
    bool ok = true, first = true;
    if ((o->since &&
         (rc = sos_cmd_number("since", "a sequence number", o->since, 0, UINT64_MAX, &since))) ||
        (o->limit && (rc = sos_cmd_number("limit", "a whole number of events", o->limit, 0,
                                          UINT64_MAX, &limit))))
        return rc;
    if (x->argc)
        return sos_cmd_misuse(x->cmd);
    if ((rc = sos_cmd_connect(x, "publishing")))
        return rc;
    uint64_t cursor = since, head = 0;
    sos_cmd_table tab; /* a page at a time: columns as wide as that page's widest */
    sos_cmd_table_init(&tab, 4, "rlll");
    if (cli->json)
        fputs("{\"items\": [", stdout);
    while (seen < limit) {
        Sos__EventsReply *rep = NULL;
        uint32_t max = limit - seen < 1000 ? (uint32_t)(limit - seen) : 1000;
        rc = sos_clnt_events(x->clnt, cursor, max, &rep);
        if ((rc = sos_cmd_reply(x, rc, rep)))
            break;
        size_t n = rep->events ? rep->events->n_events : 0;
        head = rep->events ? rep->events->head : 0;
        for (size_t i = 0; i < n; i++) {
            const Sos__Event *ev = rep->events->events[i];
            json_t *j = NULL;
            if (ev->kind_case == SOS__EVENT__KIND_PUBLICATION) {
                j = sos_json_verdict(ev->publication, &ok);
                json_object_set_new(j, "type", json_string("verdict"));
            } else if (ev->kind_case == SOS__EVENT__KIND_COMPARISON_PUBLISHED) {
                j = json_pack("{s:s, s:o}", "type", "comparison", "comparison",
                              sos_json_comparison(ev->comparison_published));
            }
            cursor = ev->seq;
            seen++;
            if (!j)
                continue;
            json_object_set_new(j, "seq", json_integer((json_int_t)ev->seq));
            if (ev->by)
                json_object_set_new(j, "by", s_by_json(ev->by, &ok));
            if (cli->json) {
                char *s = json_dumps(j, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
                printf("%s\n%s", first ? "" : ",", s);
                free(s);
                first = false;
            } else {
                char seq[24], what[256] = "";
                const char *name =
                    ev->kind_case == SOS__EVENT__KIND_PUBLICATION
                        ? json_string_value(json_object_get(json_object_get(j, "tool"), "name"))
                        : ev->comparison_published->slug;
                snprintf(seq, sizeof seq, "%" PRIu64, ev->seq);
                if (ev->kind_case == SOS__EVENT__KIND_PUBLICATION) {
                    json_t *v = json_object_get(j, "verdict");
                    snprintf(what, sizeof what, "%s · %d%% panel ship · mean %.2f",
                             json_string_value(json_object_get(v, "summary")),
                             (int)json_integer_value(json_object_get(v, "ship_pct")),
                             json_real_value(json_object_get(v, "mean_score")));
                }
                const char *row[] = {
                    seq, ev->kind_case == SOS__EVENT__KIND_PUBLICATION ? "verdict" : "comparison",
                    name, what};
                sos_cmd_table_row(&tab, row);
            }
            json_decref(j);
        }
        sos_cmd_table_print(&tab, stdout);
        if (n == 0 || cursor >= head)
            break;
    }
    sos_cmd_table_free(&tab);
    if (cli->json)
        printf("%s], \"cursor\": %" PRIu64 ", \"head\": %" PRIu64 ", \"verified\": %s}\n",
               first ? "" : "\n", cursor, head, ok ? "true" : "false");
    else if (rc == 0)
        fprintf(stderr, "sos: cursor %" PRIu64 " of %" PRIu64 "; signatures %s\n", cursor, head,
                ok ? "verified" : "DO NOT VERIFY");
    if (rc == 0 && !ok) {
        fprintf(stderr, "sos: some signatures do not verify\n");
        rc = EX_NOPERM;
    }
    return rc;
}

static const sos_cmd_opt s_opts[] = {
    SOS_CMD_VALUE("since", 's', s_pull_opts, since),
    SOS_CMD_VALUE("limit", 'l', s_pull_opts, limit),
    SOS_CMD_OPT_JSON,
};
static const sos_cmd_verb s_verbs[] = {
    {NULL, s_pull, "[--since N] [--limit N] [--json]", SOS_CMD_ANY, NULL},
};
static const sos_cmd s_cmd = {"pull", SOS_CMD_TABLE(s_verbs), SOS_CMD_TABLE(s_opts),
                              sizeof(s_pull_opts), s_about};

int sos_cmd_pull(sos_cli *cli, int argc, char **argv)
{
    return sos_cmd_run(&s_cmd, cli, argc, argv);
}
