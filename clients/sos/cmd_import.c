/* import: pushes a catalogue file (schemas/catalogue.schema.json) through
 * the running services as any client would: tools, the panel's keys,
 * signed takes, comparisons.
 *
 * Every request id is derived from the content (BLAKE2b of a tag and the
 * record), so importing the same file twice changes nothing: the services
 * answer the repeats with their first replies. Reviewer secret keys come
 * from --keys DIR (<persona>.key, lowercase); missing ones are generated
 * there, which makes a demo panel on a fresh installation. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>

#include "buf.h"
#include "cli.h"
#include "cmd.h"
#include "conf.h"
#include "scoring_clnt.h"
#include "sign.h"
#include "submission_clnt.h"
#include "take.h"
#include "text.h"

typedef struct {
    sos_cli *cli;
    sos_clnt *sub, *score;
    sos_key *keys[6];
    json_t *root;
    char ids[512][128]; /* tool ids, by index in "tools" */
    size_t n_tools;
} s_import;

static int s_bad(const char *path, const char *msg)
{
    fprintf(stderr, "sos: catalogue: %s: %s\n", path, msg);
    return EX_DATAERR;
}

static void s_id(const char *tag, const char *a, const char *b, const char *c,
                 uint8_t id[SOS_CLNT_ID_BYTES])
{
    sos_buf buf = SOS_BUF_INIT;
    uint8_t h[SOS_HASH_BYTES];
    const char *parts[4] = {tag, a, b, c};
    for (int i = 0; i < 4; i++)
        sos_buf_append(&buf, parts[i] ? parts[i] : "", strlen(parts[i] ? parts[i] : "") + 1);
    sos_hash(buf.data, buf.len, h);
    memcpy(id, h, SOS_CLNT_ID_BYTES);
    sos_buf_free(&buf);
}

static const char *s_str(json_t *o, const char *k)
{
    json_t *v = json_object_get(o, k);
    return json_is_string(v) ? json_string_value(v) : NULL;
}

/* Shape checks the services cannot make (they see one record at a time). */
static int s_check(s_import *im)
{
    char path[64];
    json_t *tools = json_object_get(im->root, "tools");
    json_t *takes = json_object_get(im->root, "takes");
    json_t *cmps = json_object_get(im->root, "comparisons");
    if (!json_is_object(im->root))
        return s_bad("$", "must be an object");
    json_t *ver = json_object_get(im->root, "version");
    if (!json_is_integer(ver) || json_integer_value(ver) != 1)
        return s_bad("version", "must be 1 (the format this sos reads)");
    if (!json_is_array(tools) || json_array_size(tools) == 0)
        return s_bad("tools", "must be a non-empty array");
    if (json_array_size(tools) > 512)
        return s_bad("tools", "at most 512 tools per file");
    if (takes && !json_is_array(takes))
        return s_bad("takes", "must be an array");
    if (cmps && !json_is_array(cmps))
        return s_bad("comparisons", "must be an array");
    size_t i;
    json_t *t;
    json_array_foreach (tools, i, t) {
        snprintf(path, sizeof path, "tools[%zu]", i);
        if (!json_is_object(t) || !s_str(t, "name") || !s_str(t, "tagline") ||
            !s_str(t, "category") || !s_str(t, "tier"))
            return s_bad(path, "needs name, tagline, category and tier strings");
        if (sos_tier_parse(s_str(t, "tier")) == SOS__TIER__TIER_UNSPECIFIED)
            return s_bad(path, "tier must be Free, Paid or Freemium");
    }
    json_array_foreach (takes, i, t) {
        snprintf(path, sizeof path, "takes[%zu]", i);
        json_t *score = json_object_get(t, "score");
        const char *v = s_str(t, "verdict");
        if (!json_is_object(t) || !s_str(t, "tool") || !s_str(t, "persona") || !s_str(t, "text"))
            return s_bad(path, "needs tool, persona and text strings");
        if (sos_persona_parse(s_str(t, "persona")) == SOS__PERSONA__PERSONA_UNSPECIFIED)
            return s_bad(path, "persona must be Builder, Skeptic, Futurist, Founder or Creator");
        if (!json_is_integer(score) || json_integer_value(score) < 0 ||
            json_integer_value(score) > 100)
            return s_bad(path, "score must be an integer 0-100");
        if (!v || (strcmp(v, "ship") && strcmp(v, "skip")))
            return s_bad(path, "verdict must be \"ship\" or \"skip\"");
    }
    json_array_foreach (cmps, i, t) {
        snprintf(path, sizeof path, "comparisons[%zu]", i);
        if (!json_is_object(t) || !s_str(t, "a") || !s_str(t, "b"))
            return s_bad(path, "needs a and b, the names of two tools");
    }
    return 0;
}

static int s_tool_index(s_import *im, const char *name)
{
    char f1[256], f2[256];
    size_t i;
    json_t *t;
    sos_text_fold(name, f1, sizeof f1);
    json_array_foreach (json_object_get(im->root, "tools"), i, t) {
        sos_text_fold(s_str(t, "name"), f2, sizeof f2);
        if (!strcmp(f1, f2))
            return (int)i;
    }
    return -1;
}

static int s_tools(s_import *im)
{
    size_t i;
    json_t *t;
    json_t *tools = json_object_get(im->root, "tools");
    json_array_foreach (tools, i, t) {
        Sos__Tool tool = SOS__TOOL__INIT;
        Sos__SubmissionReply *rep = NULL;
        uint8_t id[SOS_CLNT_ID_BYTES];
        tool.name = (char *)s_str(t, "name");
        tool.vendor = (char *)(s_str(t, "vendor") ? s_str(t, "vendor") : "");
        tool.tagline = (char *)s_str(t, "tagline");
        tool.category = (char *)s_str(t, "category");
        tool.tier = sos_tier_parse(s_str(t, "tier"));
        tool.pricing = (char *)(s_str(t, "pricing") ? s_str(t, "pricing") : "");
        tool.description = (char *)(s_str(t, "description") ? s_str(t, "description") : "");
        tool.link = (char *)(s_str(t, "link") ? s_str(t, "link") : "");
        s_id("tool", tool.name, NULL, NULL, id);
        int rc = submission_clnt_tool_submit(im->sub, id, sizeof id, &tool, &rep);
        if (rc != SOS_CLNT_OK)
            return sos_cli_clnt_error(rc, "submission", im->sub);
        if (rep->status->code == SOS__CODE__CODE_CONFLICT && rep->tool) {
            fprintf(stderr, "sos: import: %s exists already as %s; kept as it is\n", tool.name,
                    rep->tool->tool_id);
        } else if ((rc = sos_cli_status(rep->status, "submission"))) {
            fprintf(stderr, "sos: catalogue: tools[%zu] (%s) was refused\n", i, tool.name);
            sos__submission_reply__free_unpacked(rep, NULL);
            return rc;
        }
        if (!rep->tool) {
            sos__submission_reply__free_unpacked(rep, NULL);
            fprintf(stderr, "sos: import: submission gave no tool for %s\n", tool.name);
            return EX_PROTOCOL;
        }
        snprintf(im->ids[i], sizeof im->ids[i], "%s", rep->tool->tool_id);
        sos__submission_reply__free_unpacked(rep, NULL);
    }
    im->n_tools = json_array_size(tools);
    fprintf(stderr, "sos: import: tools %zu/%zu\n", im->n_tools, im->n_tools);
    return 0;
}

static int s_panel(s_import *im, const char *dir)
{
    char path[4096], lower[16];
    int n = 0;
    if (sos_conf_mkdirs(dir, 0700) != 0) {
        fprintf(stderr, "sos: cannot create %s: %s\n", dir, strerror(errno));
        return EX_CANTCREAT;
    }
    for (int p = SOS__PERSONA__PERSONA_BUILDER; p <= SOS__PERSONA__PERSONA_CREATOR; p++) {
        Sos__SubmissionReply *rep = NULL;
        const char *name = sos_persona_name((Sos__Persona)p);
        size_t k;
        for (k = 0; name[k] && k < sizeof lower - 1; k++)
            lower[k] = (char)(name[k] | 0x20);
        lower[k] = '\0';
        if (snprintf(path, sizeof path, "%s/%s.key", dir, lower) >= (int)sizeof path) {
            fprintf(stderr, "sos: key directory path too long: %s\n", dir);
            return EX_USAGE;
        }
        int kr = sos_key_load_or_create(path, &im->keys[p]);
        if (kr != 0) {
            fprintf(stderr, "sos: cannot use key %s: %s\n", path,
                    kr == -2 ? "others may read it (chmod 600)" : "unreadable or malformed");
            return kr == -2 ? EX_NOPERM : EX_NOINPUT;
        }
        Sos__PanelKey pk = SOS__PANEL_KEY__INIT;
        char hex[2 * SOS_PK_BYTES + 1];
        uint8_t id[SOS_CLNT_ID_BYTES];
        pk.persona = (Sos__Persona)p;
        pk.public_key = (ProtobufCBinaryData){SOS_PK_BYTES, (uint8_t *)sos_key_public(im->keys[p])};
        pk.name = (char *)"demo panel";
        sos_hex(pk.public_key.data, SOS_PK_BYTES, hex);
        s_id("panel", name, hex, NULL, id);
        int rc = submission_clnt_panel_add(im->sub, id, sizeof id, &pk, &rep);
        if (rc != SOS_CLNT_OK)
            return sos_cli_clnt_error(rc, "submission", im->sub);
        rc = sos_cli_status(rep->status, "submission");
        sos__submission_reply__free_unpacked(rep, NULL);
        if (rc)
            return rc;
        n++;
    }
    fprintf(stderr, "sos: import: panel %d/5 (keys in %s)\n", n, dir);
    return 0;
}

static int s_takes(s_import *im)
{
    size_t i, total;
    json_t *t;
    json_t *takes = json_object_get(im->root, "takes");
    total = json_array_size(takes);
    json_array_foreach (takes, i, t) {
        char path[64];
        int ti = s_tool_index(im, s_str(t, "tool"));
        snprintf(path, sizeof path, "takes[%zu]", i);
        if (ti < 0)
            return s_bad(path, "tool is not one of the file's tools");
        Sos__TakeBody b = SOS__TAKE_BODY__INIT;
        uint8_t id[SOS_CLNT_ID_BYTES], hash[SOS_HASH_BYTES];
        char rev[16];
        json_t *jr = json_object_get(t, "revision"), *jf = json_object_get(t, "filed_at");
        b.persona = sos_persona_parse(s_str(t, "persona"));
        b.revision = json_is_integer(jr) ? (uint32_t)json_integer_value(jr) : 1;
        b.filed_at = json_is_integer(jf) ? (uint64_t)json_integer_value(jf) : 0;
        snprintf(rev, sizeof rev, "%u", b.revision);
        s_id("take", im->ids[ti], sos_persona_name(b.persona), rev, id);
        b.take_id = (ProtobufCBinaryData){sizeof id, id};
        b.tool_id = im->ids[ti];
        b.score = (uint32_t)json_integer_value(json_object_get(t, "score"));
        b.ship = !strcmp(s_str(t, "verdict"), "ship");
        b.text = (char *)s_str(t, "text");
        Sos__Status *st = NULL;
        Sos__ScoringReply *rep = NULL;
        int rc = sos_take_file(im->score, im->keys[b.persona], &b, hash, &st, &rep);
        if (rc != SOS_CLNT_OK)
            return sos_cli_clnt_error(rc, "scoring", im->score);
        rc = sos_cli_status(st, "scoring");
        sos__scoring_reply__free_unpacked(rep, NULL);
        if (rc) {
            fprintf(stderr, "sos: catalogue: %s (%s on %s) was refused\n", path,
                    sos_persona_name(b.persona), im->ids[ti]);
            return rc;
        }
        if ((i + 1) % 100 == 0 || i + 1 == total)
            fprintf(stderr, "sos: import: takes %zu/%zu\n", i + 1, total);
    }
    return 0;
}

static int s_comparisons(s_import *im)
{
    size_t i;
    json_t *t;
    json_t *cmps = json_object_get(im->root, "comparisons");
    json_array_foreach (cmps, i, t) {
        char path[64];
        int a = s_tool_index(im, s_str(t, "a")), b = s_tool_index(im, s_str(t, "b"));
        snprintf(path, sizeof path, "comparisons[%zu]", i);
        if (a < 0 || b < 0)
            return s_bad(path, "a and b must name tools of the file");
        Sos__Comparison c = SOS__COMPARISON__INIT;
        Sos__SubmissionReply *rep = NULL;
        uint8_t id[SOS_CLNT_ID_BYTES];
        c.tool_a = im->ids[a];
        c.tool_b = im->ids[b];
        s_id("compare", c.tool_a, c.tool_b, NULL, id);
        int rc = submission_clnt_compare_create(im->sub, id, sizeof id, &c, &rep);
        if (rc != SOS_CLNT_OK)
            return sos_cli_clnt_error(rc, "submission", im->sub);
        if (rep->status->code == SOS__CODE__CODE_CONFLICT)
            fprintf(stderr, "sos: import: %s-vs-%s: %s\n", c.tool_a, c.tool_b,
                    rep->status->message);
        else if ((rc = sos_cli_status(rep->status, "submission"))) {
            sos__submission_reply__free_unpacked(rep, NULL);
            return rc;
        }
        sos__submission_reply__free_unpacked(rep, NULL);
    }
    fprintf(stderr, "sos: import: comparisons %zu/%zu\n", json_array_size(cmps),
            json_array_size(cmps));
    return 0;
}

typedef struct {
    const char *keys;
} s_import_opts;

int sos_cmd_import(sos_cli *cli, int argc, char **argv)
{
    static const char about[] =
        "Loads a catalogue (schemas/catalogue.schema.json) through the services:\n"
        "tools, the panel's keys, signed takes, comparisons. Reviewer keys are read\n"
        "from DIR/<persona>.key (default <key_dir>/panel) and generated where\n"
        "missing. Importing the same file again changes nothing.\n";
    static const sos_cmd_verb verbs[] = {{NULL, NULL, "[--keys DIR] FILE", 1, NULL}};
    static const sos_cmd_opt opts[] = {SOS_CMD_VALUE("keys", 'k', s_import_opts, keys)};
    static const sos_cmd cmd = {"import", SOS_CMD_TABLE(verbs), SOS_CMD_TABLE(opts),
                                sizeof(s_import_opts), about};
    s_import_opts o = {0};
    char keydir[4096];
    const char *keys = NULL;
    json_error_t jerr;
    s_import *im;
    int first, rc;
    if ((rc = sos_cmd_getopt(&cmd, cli, argc, argv, &o, &first)) != SOS_CMD_GO)
        return rc;
    if (argc - first != 1)
        return sos_cmd_misuse(&cmd);
    keys = o.keys;
    im = sos_xcalloc(1, sizeof *im);
    if (!keys) {
        snprintf(keydir, sizeof keydir, "%s/panel", sos_conf_get(cli->conf, "paths", "key_dir"));
        keys = keydir;
    }
    im->cli = cli;
    im->root = json_load_file(argv[first], JSON_REJECT_DUPLICATES, &jerr);
    if (!im->root) {
        fprintf(stderr, "sos: %s:%d:%d: %s\n", argv[first], jerr.line, jerr.column, jerr.text);
        rc = errno == ENOENT ? EX_NOINPUT : EX_DATAERR;
        goto out;
    }
    if ((rc = s_check(im)))
        goto out;
    if ((rc = sos_cli_connect(cli, "submission", &im->sub)) ||
        (rc = sos_cli_connect(cli, "scoring", &im->score)))
        goto out;
    if ((rc = s_tools(im)) || (rc = s_panel(im, keys)) || (rc = s_takes(im)) ||
        (rc = s_comparisons(im)))
        goto out;
    printf("imported %s: %zu tools, %zu takes, %zu comparisons\n", argv[first], im->n_tools,
           json_array_size(json_object_get(im->root, "takes")),
           json_array_size(json_object_get(im->root, "comparisons")));
out:
    for (int p = 0; p < 6; p++)
        sos_key_destroy(&im->keys[p]);
    sos_clnt_destroy(&im->sub);
    sos_clnt_destroy(&im->score);
    json_decref(im->root);
    free(im);
    return rc;
}
