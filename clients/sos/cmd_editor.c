/* editor add | editor list | editor revoke: the editors registry, kept by
 * submission. Every editorial request is signed by a current editor's
 * key; the first editor registers their own key, signed by itself. */
#include <stdio.h>
#include <sysexits.h>
#include <time.h>

#include "cli.h"
#include "cmd.h"
#include "sign.h"
#include "submission_clnt.h"

typedef struct {
    const char *key, *name;
} s_editor_opts;

static const char s_about[] =
    "add: registers an editor's public signing key (from `sos keygen`). While no\n"
    "editor is registered, the only request submission takes is the first\n"
    "editor's own key, signed by itself (deploy/sos-up does this at install).\n"
    "revoke: the key signs nothing from now on; its past actions stand. The\n"
    "last current editor cannot be revoked.\n"
    "list: every editor key, current or revoked.\n" SOS_CMD_EDITOR_ABOUT;

/* "2026-12-06" for t (Unix seconds), in out. */
static const char *s_date(uint64_t t, char out[16])
{
    time_t when = (time_t)t;
    struct tm tm;
    if (!gmtime_r(&when, &tm) || strftime(out, 16, "%Y-%m-%d", &tm) == 0)
        snprintf(out, 16, "?");
    return out;
}

static json_t *s_record_json(const Sos__EditorRecord *r)
{
    char hex[2 * SOS_PK_BYTES + 1] = "", added[16], revoked[16];
    if (r->key && r->key->public_key.len == SOS_PK_BYTES)
        sos_hex(r->key->public_key.data, SOS_PK_BYTES, hex);
    json_t *j = json_pack(
        "{s:s, s:s, s:s, s:s}", "public_key", hex, "name", r->key ? r->key->name : "", "state",
        r->revoked_seq ? "revoked" : "current", "added", s_date(r->added_at, added));
    if (r->revoked_seq)
        json_object_set_new(j, "revoked", json_string(s_date(r->revoked_at, revoked)));
    return j;
}

/* The line for r, as list prints it. */
static void s_record_print(const Sos__EditorRecord *r)
{
    json_t *j = s_record_json(r);
    const char *revoked = json_string_value(json_object_get(j, "revoked"));
    char state[40];
    if (revoked)
        snprintf(state, sizeof state, "revoked on %s", revoked);
    else
        snprintf(state, sizeof state, "current");
    printf("%s %-20s added %s  %s\n", json_string_value(json_object_get(j, "public_key")), state,
           json_string_value(json_object_get(j, "added")), r->key ? r->key->name : "");
    json_decref(j);
}

/* --key as 32 bytes, or 65 after saying what it must be. */
static int s_key_arg(const char *verb, const s_editor_opts *o, uint8_t pk[SOS_PK_BYTES])
{
    if (sos_cmd_missing(o->key)) {
        fprintf(stderr, "sos: editor %s needs --key (`sos editor %s --help`)\n", verb, verb);
        return EX_USAGE;
    }
    if (sos_pub_read(o->key, pk) != 0) {
        fprintf(stderr, "sos: --key must be 64 hex digits or a .pub file holding them\n");
        return EX_DATAERR;
    }
    return 0;
}

static int s_editor_add(sos_cmd_ctx *x)
{
    const s_editor_opts *o = x->opts;
    Sos__SubmissionReply *rep = NULL;
    Sos__EditorKey k = SOS__EDITOR_KEY__INIT;
    uint8_t pk[SOS_PK_BYTES];
    sos_clnt_editor ed;
    int rc;
    if ((rc = s_key_arg("add", o, pk)) || (rc = sos_cmd_signer(x, &ed)) ||
        (rc = sos_cmd_connect(x, "submission")))
        return rc;
    k.public_key = (ProtobufCBinaryData){SOS_PK_BYTES, pk};
    k.name = (char *)(o->name ? o->name : "");
    rc = submission_clnt_editor_add(x->clnt, NULL, 0, &ed, &k, &rep);
    if ((rc = sos_cmd_reply(x, rc, rep)))
        return rc;
    if (x->cli->json && rep->editor)
        sos_json_print(s_record_json(rep->editor));
    else
        printf("registered editor key %s%s%s%s\n", o->key, k.name[0] ? " (" : "", k.name,
               k.name[0] ? ")" : "");
    return 0;
}

static int s_editor_revoke(sos_cmd_ctx *x)
{
    const s_editor_opts *o = x->opts;
    Sos__SubmissionReply *rep = NULL;
    uint8_t pk[SOS_PK_BYTES];
    sos_clnt_editor ed;
    int rc;
    if ((rc = s_key_arg("revoke", o, pk)) || (rc = sos_cmd_signer(x, &ed)) ||
        (rc = sos_cmd_connect(x, "submission")))
        return rc;
    rc = submission_clnt_editor_revoke(x->clnt, NULL, 0, &ed, pk, &rep);
    if ((rc = sos_cmd_reply(x, rc, rep)))
        return rc;
    if (x->cli->json && rep->editor)
        sos_json_print(s_record_json(rep->editor));
    else
        printf("editor key %s is revoked\n", o->key);
    return 0;
}

static int s_editor_list(sos_cmd_ctx *x)
{
    Sos__SubmissionReply *rep = NULL;
    int rc = submission_clnt_editor_list(x->clnt, NULL, 0, &rep);
    if ((rc = sos_cmd_reply(x, rc, rep)))
        return rc;
    json_t *arr = json_array();
    for (size_t i = 0; rep->editors && i < rep->editors->n_editors; i++) {
        if (x->cli->json)
            json_array_append_new(arr, s_record_json(rep->editors->editors[i]));
        else
            s_record_print(rep->editors->editors[i]);
    }
    if (x->cli->json)
        sos_json_print(arr);
    else
        json_decref(arr);
    return 0;
}

static const sos_cmd_opt s_opts[] = {
    SOS_CMD_VALUE("key", 'k', s_editor_opts, key),
    SOS_CMD_VALUE("name", 'n', s_editor_opts, name),
    SOS_CMD_OPT_JSON,
    SOS_CMD_OPT_EDITOR,
};
static const sos_cmd_verb s_verbs[] = {
    {"add", s_editor_add, "--key HEX|FILE.pub [--name WHO] [--editor-key FILE]", 0, NULL},
    {"revoke", s_editor_revoke, "--key HEX|FILE.pub [--editor-key FILE]", 0, NULL},
    {"list", s_editor_list, "[--json]", 0, "submission"},
};
static const sos_cmd s_cmd = {"editor", SOS_CMD_TABLE(s_verbs), SOS_CMD_TABLE(s_opts),
                              sizeof(s_editor_opts), s_about};

int sos_cmd_editor(sos_cli *cli, int argc, char **argv)
{
    return sos_cmd_run(&s_cmd, cli, argc, argv);
}
