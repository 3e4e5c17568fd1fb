/* panel add | panel list: the reviewers' public signing keys, one or more
 * per persona, registered with submission. Scoring accepts a persona's
 * takes only when signed by a key registered for it. */
#include <stdio.h>
#include <sysexits.h>

#include "cli.h"
#include "cmd.h"
#include "sign.h"
#include "submission_clnt.h"
#include "text.h"

typedef struct {
    const char *persona, *key, *name;
} s_panel_opts;

static const char s_about[] =
    "Registers a reviewer's public signing key for a persona (Builder, Skeptic,\n"
    "Futurist, Founder, Creator). Scoring accepts a persona's takes only when\n"
    "they are signed by a key registered for it. add is an editor's signed "
    "request.\n" SOS_CMD_EDITOR_ABOUT;

static int s_panel_add(sos_cmd_ctx *x)
{
    const s_panel_opts *o = x->opts;
    Sos__SubmissionReply *rep = NULL;
    uint8_t pk[SOS_PK_BYTES];
    Sos__PanelKey k = SOS__PANEL_KEY__INIT;
    const char *const names[] = {"--persona", "--key"}, *const values[] = {o->persona, o->key};
    char missing[32];
    int rc;
    if (sos_cmd_missing_list(names, values, SOS_CMD_N(names), missing, sizeof missing)) {
        fprintf(stderr, "sos: panel add needs %s (`sos panel add --help`)\n", missing);
        return EX_USAGE;
    }
    sos_clnt_editor ed;
    if ((rc = sos_cmd_signer(x, &ed)) || (rc = sos_cmd_connect(x, "submission")))
        return rc;
    k.persona = sos_persona_parse(o->persona);
    if (k.persona == SOS__PERSONA__PERSONA_UNSPECIFIED) {
        fprintf(stderr, "sos: persona must be Builder, Skeptic, Futurist, Founder or Creator\n");
        return EX_DATAERR;
    }
    if (sos_pub_read(o->key, pk) != 0) {
        fprintf(stderr, "sos: --key must be 64 hex digits or a .pub file holding them\n");
        return EX_DATAERR;
    }
    k.public_key = (ProtobufCBinaryData){SOS_PK_BYTES, pk};
    k.name = (char *)(o->name ? o->name : "");
    rc = submission_clnt_panel_add(x->clnt, NULL, 0, &ed, &k, &rep);
    if ((rc = sos_cmd_reply(x, rc, rep)))
        return rc;
    printf("registered %s key %s\n", o->persona, o->key);
    return 0;
}

static int s_panel_list(sos_cmd_ctx *x)
{
    Sos__SubmissionReply *rep = NULL;
    int rc = submission_clnt_panel_list(x->clnt, NULL, 0, &rep);
    if ((rc = sos_cmd_reply(x, rc, rep)))
        return rc;
    json_t *arr = json_array();
    for (size_t i = 0; rep->panel && i < rep->panel->n_keys; i++) {
        const Sos__PanelKey *k = rep->panel->keys[i];
        char hex[2 * SOS_PK_BYTES + 1] = "";
        if (k->public_key.len == SOS_PK_BYTES)
            sos_hex(k->public_key.data, SOS_PK_BYTES, hex);
        if (x->cli->json)
            json_array_append_new(arr, json_pack("{s:s, s:s, s:s}", "persona",
                                                 sos_persona_name(k->persona), "public_key", hex,
                                                 "name", k->name));
        else
            printf("%-9s %s %s\n", sos_persona_name(k->persona), hex, k->name);
    }
    if (x->cli->json)
        sos_json_print(arr);
    else
        json_decref(arr);
    return 0;
}

static const sos_cmd_opt s_opts[] = {
    SOS_CMD_VALUE("persona", 'p', s_panel_opts, persona),
    SOS_CMD_VALUE("key", 'k', s_panel_opts, key),
    SOS_CMD_VALUE("name", 'n', s_panel_opts, name),
    SOS_CMD_OPT_JSON,
    SOS_CMD_OPT_EDITOR,
};
/* Operands are not checked: the words after the options were always let be. */
static const sos_cmd_verb s_verbs[] = {
    {"add", s_panel_add,
     "--persona NAME --key HEX|FILE.pub [--name WHO]\n"
     "                      [--editor-key FILE]",
     SOS_CMD_ANY, NULL},
    {"list", s_panel_list, "[--json]", SOS_CMD_ANY, "submission"},
};
static const sos_cmd s_cmd = {"panel", SOS_CMD_TABLE(s_verbs), SOS_CMD_TABLE(s_opts),
                              sizeof(s_panel_opts), s_about};

int sos_cmd_panel(sos_cli *cli, int argc, char **argv)
{
    return sos_cmd_run(&s_cmd, cli, argc, argv);
}
