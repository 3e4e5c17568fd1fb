/* subscriber list | subscriber delete: the newsletter's subscribers, for
 * the editor (a deletion request is honoured with delete: the address, its
 * tokens and its send marks are erased from community's store). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>

#include "cli.h"
#include "cmd.h"
#include "community_clnt.h"

typedef struct {
    const char *confirmed, *json;
} s_sub_opts;

static const char s_about[] =
    "list: every subscriber (--confirmed: confirmed ones only), page by page.\n"
    "delete: erases an address with its tokens and send marks (a deletion request).\n";

static const char *s_state(Sos__SubscriberState s)
{
    switch (s) {
    case SOS__SUBSCRIBER_STATE__SUBSCRIBER_STATE_PENDING: return "pending";
    case SOS__SUBSCRIBER_STATE__SUBSCRIBER_STATE_CONFIRMED: return "confirmed";
    case SOS__SUBSCRIBER_STATE__SUBSCRIBER_STATE_UNSUBSCRIBED: return "unsubscribed";
    default: return "unknown";
    }
}

static json_t *s_json(const Sos__Subscriber *s)
{
    return json_pack("{s:s, s:s, s:I, s:I}", "email", s->email, "state", s_state(s->state),
                     "created_at", (json_int_t)s->created_at, "confirmed_at",
                     (json_int_t)s->confirmed_at);
}

static int s_list(sos_cmd_ctx *x)
{
    const s_sub_opts *o = x->opts;
    json_t *arr = json_array();
    char *after = NULL;
    int rc = 0;
    for (;;) {
        Sos__CommunityReply *rep = NULL;
        rc = community_clnt_subscriber_list(x->clnt, NULL, 0, after, 0, o->confirmed != NULL, NULL,
                                            &rep);
        free(after);
        after = NULL;
        if ((rc = sos_cmd_reply(x, rc, rep)))
            break;
        const Sos__SubscriberPage *p = rep->subscribers;
        for (size_t i = 0; p && i < p->n_subscribers; i++) {
            if (x->cli->json)
                json_array_append_new(arr, s_json(p->subscribers[i]));
            else
                printf("%-40s %s\n", p->subscribers[i]->email, s_state(p->subscribers[i]->state));
        }
        if (!p || !p->next[0])
            break;
        after = strdup(p->next);
    }
    if (!rc && x->cli->json)
        sos_json_print(arr);
    else
        json_decref(arr);
    return rc;
}

static int s_delete(sos_cmd_ctx *x)
{
    Sos__CommunityReply *rep = NULL;
    int rc = community_clnt_subscriber_delete(x->clnt, NULL, 0, x->argv[0], &rep);
    if ((rc = sos_cmd_reply(x, rc, rep)))
        return rc;
    if (x->cli->json)
        sos_json_print(json_pack("{s:s, s:b}", "email", rep->subscriber->email, "deleted", 1));
    else
        printf("%s: deleted (with its tokens and send marks)\n", rep->subscriber->email);
    return 0;
}

static const sos_cmd_opt s_opts[] = {
    SOS_CMD_FLAG("confirmed", 'c', s_sub_opts, confirmed),
    SOS_CMD_OPT_JSON,
};
static const sos_cmd_verb s_verbs[] = {
    {"list", s_list, "[--confirmed] [--json]", 0, "community"},
    {"delete", s_delete, "EMAIL [--json]", 1, "community"},
};
static const sos_cmd s_cmd = {"subscriber", SOS_CMD_TABLE(s_verbs), SOS_CMD_TABLE(s_opts),
                              sizeof(s_sub_opts), s_about};

int sos_cmd_subscriber(sos_cli *cli, int argc, char **argv)
{
    return sos_cmd_run(&s_cmd, cli, argc, argv);
}
