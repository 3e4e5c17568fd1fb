/* import: pushes a catalogue file (schemas/catalogue.schema.json) through
 * the running services as any client would: tools, the panel's keys,
 * signed takes, comparisons.
 *
 * The reading is the catalogue library's (clients/catalogue/catalogue.h):
 * one record in memory at a time, every record judged before anything is
 * sent (catalogue_check), then handed over in the order the services need
 * (catalogue_walk: tools, the panel, takes, comparisons), each kind a pass
 * over the file, which must therefore be a regular file. This file sends
 * them through the stubs, keeps the ids submission gave the tools (a
 * pointer a tool) and prints.
 *
 * Every request id is derived from the content (BLAKE2b of a tag and the
 * record), so importing the same file twice changes nothing: the services
 * answer the repeats with their first replies. A take without filed_at in
 * the file is filed at the import's time, so a second import signs other
 * bytes under the same take id and scoring answers CONFLICT: then the
 * stored take of that id is read back (take_list) and, when it says what
 * the file says (persona, revision, score, verdict, text), it is the one
 * imported before and counts as done (s_take_known). Reviewer secret keys come
 * from --keys DIR (<persona>.key, lowercase); missing ones are generated
 * there, which makes a demo panel on a fresh installation.
 *
 * Diagnostics: progress on stderr every S_PROGRESS_EVERY records (or
 * S_PROGRESS_SECONDS, whichever comes first) and a summary; a refused
 * record is named by its path (takes[12]) and the file stops there. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <time.h>

#include "buf.h"
#include "catalogue.h"
#include "cli.h"
#include "cmd.h"
#include "conf.h"
#include "envelope.h"
#include "scoring_clnt.h"
#include "sign.h"
#include "submission_clnt.h"
#include "take.h"
#include "text.h"
#include "wire.h"

#define S_PROGRESS_EVERY 1000
#define S_PROGRESS_SECONDS 2

typedef struct {
    sos_cli *cli;
    const char *path, *keydir;
    sos_clnt *sub, *score;
    sos_key *keys[6];
    sos_key *editor;    /* signs the tools, panel keys and comparisons */
    sos_clnt_editor ed; /* issued_at 0: an import is the same bytes every run */
    char **ids;         /* by tool number: the id submission gave it, NULL until then */
    size_t n_ids;
    catalogue_counts count;
    size_t tools, takes, cmps, panel, total, sent, existed, shown;
    size_t takes_existed; /* without filed_at, filed by an earlier import */
    uint64_t now;         /* the import's time: filed_at of takes without one */
    int64_t t0, last_line;
} s_import;

static int s_bad(const char *path, const char *msg)
{
    fprintf(stderr, "sos: catalogue: %s: %s\n", path, msg);
    return EX_DATAERR;
}

/* The library's refusal, worded as the import always has. */
static int s_failed(const s_import *im, const catalogue_error *e)
{
    switch (e->code) {
    case CATALOGUE_ESEEK:
        fprintf(stderr, "sos: %s: cannot read it twice (%s): give a regular file\n", im->path,
                strerror(e->errnum));
        return EX_NOINPUT;
    case CATALOGUE_EREAD:
        if (e->at.line == 0)
            fprintf(stderr, "sos: %s: %s\n", im->path, strerror(e->errnum));
        else
            fprintf(stderr, "sos: %s:%lu:%lu: %s\n", im->path, e->at.line, e->at.col,
                    strerror(e->errnum));
        return EX_IOERR;
    case CATALOGUE_ESYNTAX:
        fprintf(stderr, "sos: %s:%lu:%lu: %s\n", im->path, e->at.line, e->at.col, e->what);
        return EX_DATAERR;
    default: return s_bad(e->path, e->what);
    }
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

/* 1234567 as "1,234,567" into out. */
static const char *s_num(size_t n, char out[32])
{
    char digits[24];
    int len = snprintf(digits, sizeof digits, "%zu", n), o = 0;
    for (int i = 0; i < len; i++) {
        if (i > 0 && (len - i) % 3 == 0)
            out[o++] = ',';
        out[o++] = digits[i];
    }
    out[o] = '\0';
    return out;
}

/* After each record sent: a line every S_PROGRESS_EVERY records or
 * S_PROGRESS_SECONDS, and always when force. */
static void s_progress(s_import *im, bool force)
{
    char a[32], b[32], t[32], k[32], c[32];
    int64_t now = sos_now_ms();
    if (im->shown == im->sent || (!force && im->sent % S_PROGRESS_EVERY != 0 &&
                                  now - im->last_line < S_PROGRESS_SECONDS * 1000))
        return;
    im->shown = im->sent;
    im->last_line = now;
    fprintf(stderr, "sos: import: %s/%s records (tools %s, panel %zu, takes %s, comparisons %s)\n",
            s_num(im->sent, a), s_num(im->total, b), s_num(im->tools, t), im->panel,
            s_num(im->takes, k), s_num(im->cmps, c));
}

static int s_tool_send(s_import *im, const catalogue_record *r)
{
    Sos__SubmissionReply *rep = NULL;
    uint8_t id[SOS_CLNT_ID_BYTES];
    int rc;
    s_id("tool", r->tool->name, NULL, NULL, id);
    rc = submission_clnt_tool_submit(im->sub, id, sizeof id, &im->ed, (Sos__Tool *)r->tool, &rep);
    if (rc != SOS_CLNT_OK)
        return sos_cli_clnt_error(rc, "submission", im->sub);
    if (rep->status->code == SOS__CODE__CODE_CONFLICT && rep->tool) {
        fprintf(stderr, "sos: import: %s exists already as %s; kept as it is\n", r->tool->name,
                rep->tool->tool_id);
        im->existed++;
    } else if ((rc = sos_cli_status(rep->status, "tool"))) {
        fprintf(stderr, "sos: catalogue: %s (%s) was refused\n", r->path, r->tool->name);
        goto out;
    }
    if (!rep->tool) {
        fprintf(stderr, "sos: import: submission gave no tool for %s\n", r->tool->name);
        rc = EX_PROTOCOL;
        goto out;
    }
    free(im->ids[r->ref[0]]);
    im->ids[r->ref[0]] = sos_xstrdup(rep->tool->tool_id);
    im->tools++;
    im->sent++;
    s_progress(im, false);
out:
    sos__submission_reply__free_unpacked(rep, NULL);
    return rc;
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
        int rc = submission_clnt_panel_add(im->sub, id, sizeof id, &im->ed, &pk, &rep);
        if (rc != SOS_CLNT_OK)
            return sos_cli_clnt_error(rc, "submission", im->sub);
        rc = sos_cli_status(rep->status, "panel key");
        sos__submission_reply__free_unpacked(rep, NULL);
        if (rc)
            return rc;
        n++;
        im->panel++;
        im->sent++;
    }
    fprintf(stderr, "sos: import: panel %d/5 (keys in %s)\n", n, dir);
    s_progress(im, true);
    return 0;
}

/* Whether scoring holds a take with b's take id and revision that says
 * what b says (all but filed_at and the signature): the take an earlier
 * import of the same record filed. 1 yes, 0 no, or an exit code. */
static int s_take_known(s_import *im, const Sos__TakeBody *b)
{
    Sos__ScoringReply *rep = NULL;
    int rc = scoring_clnt_take_list(im->score, NULL, 0, b->tool_id, &rep);
    if (rc != SOS_CLNT_OK)
        return sos_cli_clnt_error(rc, "scoring", im->score);
    int found = 0;
    if (rep->status && rep->status->code == SOS__CODE__CODE_OK && rep->takes) {
        for (size_t i = 0; !found && i < rep->takes->n_takes; i++) {
            ProtobufCMessage *m = NULL;
            if (sos_envelope_open(&sos_envelope_take, rep->takes->takes[i], true, &m) !=
                SOS_ENVELOPE_OK)
                continue;
            const Sos__TakeBody *s = (const Sos__TakeBody *)m;
            found = s->take_id.len == b->take_id.len &&
                    memcmp(s->take_id.data, b->take_id.data, b->take_id.len) == 0 &&
                    s->revision == b->revision && s->persona == b->persona &&
                    s->score == b->score && s->ship == b->ship && !strcmp(s->text, b->text) &&
                    !strcmp(s->tool_id, b->tool_id);
            protobuf_c_message_free_unpacked(m, NULL);
        }
    }
    sos__scoring_reply__free_unpacked(rep, NULL);
    return found;
}

static int s_take_send(s_import *im, const catalogue_record *r)
{
    Sos__TakeBody b = *r->take;
    Sos__Status *st = NULL;
    Sos__ScoringReply *rep = NULL;
    uint8_t id[SOS_CLNT_ID_BYTES], hash[SOS_HASH_BYTES];
    char rev[16];
    const char *tool_id = im->ids[r->ref[0]];
    int rc;
    if (!tool_id)
        return s_bad(r->path, "its tool changed while it was being imported");
    snprintf(rev, sizeof rev, "%u", b.revision);
    s_id("take", tool_id, sos_persona_name(b.persona), rev, id);
    b.take_id = (ProtobufCBinaryData){sizeof id, id};
    b.tool_id = (char *)tool_id;
    if (r->filed_at_absent)
        b.filed_at = im->now;
    rc = sos_take_file(im->score, im->keys[b.persona], &b, hash, &st, &rep);
    if (rc != SOS_CLNT_OK)
        return sos_cli_clnt_error(rc, "scoring", im->score);
    if (r->filed_at_absent && st->code == SOS__CODE__CODE_CONFLICT) {
        int known = s_take_known(im, &b);
        if (known == 1) {
            sos__scoring_reply__free_unpacked(rep, NULL);
            im->takes_existed++;
            im->takes++;
            im->sent++;
            s_progress(im, false);
            return 0;
        }
        if (known > 1) {
            sos__scoring_reply__free_unpacked(rep, NULL);
            return known;
        }
    }
    rc = sos_cli_status(st, "take");
    sos__scoring_reply__free_unpacked(rep, NULL);
    if (rc) {
        fprintf(stderr, "sos: catalogue: %s (%s on %s) was refused\n", r->path,
                sos_persona_name(b.persona), tool_id);
        return rc;
    }
    im->takes++;
    im->sent++;
    s_progress(im, false);
    return 0;
}

static int s_cmp_send(s_import *im, const catalogue_record *r)
{
    Sos__Comparison c = SOS__COMPARISON__INIT;
    Sos__SubmissionReply *rep = NULL;
    uint8_t id[SOS_CLNT_ID_BYTES];
    int rc;
    c.tool_a = im->ids[r->ref[0]];
    c.tool_b = im->ids[r->ref[1]];
    if (!c.tool_a || !c.tool_b)
        return s_bad(r->path, "its tools changed while it was being imported");
    s_id("compare", c.tool_a, c.tool_b, NULL, id);
    rc = submission_clnt_compare_create(im->sub, id, sizeof id, &im->ed, &c, &rep);
    if (rc != SOS_CLNT_OK)
        return sos_cli_clnt_error(rc, "submission", im->sub);
    if (rep->status->code == SOS__CODE__CODE_CONFLICT)
        fprintf(stderr, "sos: import: %s-vs-%s: %s\n", c.tool_a, c.tool_b, rep->status->message);
    else
        rc = sos_cli_status(rep->status, "comparison");
    sos__submission_reply__free_unpacked(rep, NULL);
    if (rc)
        return rc;
    im->cmps++;
    im->sent++;
    s_progress(im, false);
    return 0;
}

/* Each record of the walk, in the library's order, to its service. */
static int s_send(const catalogue_record *r, void *arg)
{
    s_import *im = arg;
    switch (r->kind) {
    case CATALOGUE_TOOL: return s_tool_send(im, r);
    case CATALOGUE_PANEL: return s_panel(im, im->keydir);
    case CATALOGUE_TAKE: return s_take_send(im, r);
    default: return s_cmp_send(im, r);
    }
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
        "missing. A take without filed_at is filed at the import's time.\n"
        "Importing the same file again changes nothing.\n"
        "Any number of records: the file is read one record at a time, in a few\n"
        "passes (so FILE must be a regular file, not a pipe), and checked whole\n"
        "before anything is sent. Progress goes to stderr every 1,000 records\n"
        "(or 2 seconds), and a summary.\n"
        "Tools, panel keys and comparisons are an editor's signed requests.\n" SOS_CMD_EDITOR_ABOUT;
    static const sos_cmd_verb verbs[] = {
        {NULL, NULL, "[--keys DIR] [--editor-key FILE] FILE", 1, NULL}};
    static const sos_cmd_opt opts[] = {SOS_CMD_VALUE("keys", 'k', s_import_opts, keys),
                                       SOS_CMD_OPT_EDITOR};
    static const sos_cmd cmd = {"import", SOS_CMD_TABLE(verbs), SOS_CMD_TABLE(opts),
                                sizeof(s_import_opts), about};
    s_import_opts o = {0};
    char keydir[4096], a[32], b[32], c[32];
    catalogue *cat = NULL;
    catalogue_error err;
    s_import *im;
    int first, rc;
    if ((rc = sos_cmd_getopt(&cmd, cli, argc, argv, &o, &first)) != SOS_CMD_GO)
        return rc;
    if (argc - first != 1)
        return sos_cmd_misuse(&cmd);
    im = sos_xcalloc(1, sizeof *im);
    im->keydir = o.keys;
    if (!im->keydir) {
        snprintf(keydir, sizeof keydir, "%s/panel", sos_conf_get(cli->conf, "paths", "key_dir"));
        im->keydir = keydir;
    }
    im->cli = cli;
    im->path = argv[first];
    im->t0 = im->last_line = sos_now_ms();
    im->now = (uint64_t)time(NULL);
    if (!(cat = catalogue_new(im->path))) {
        int e = errno;
        fprintf(stderr, "sos: %s: %s\n", im->path, strerror(e));
        rc = e == ENOENT ? EX_NOINPUT : EX_DATAERR;
        goto out;
    }
    if ((rc = catalogue_check(cat, &err))) {
        rc = s_failed(im, &err);
        goto out;
    }
    im->count = catalogue_counts_get(cat);
    im->total = im->count.tools + 5 + im->count.takes + im->count.comparisons;
    im->n_ids = im->count.tools;
    im->ids = sos_xcalloc(im->n_ids, sizeof *im->ids);
    if ((rc = sos_cli_editor(cli, &im->editor)))
        goto out;
    im->ed.key = im->editor;
    im->ed.issued_at = 0;
    if ((rc = sos_cli_connect(cli, "submission", &im->sub)) ||
        (rc = sos_cli_connect(cli, "scoring", &im->score)))
        goto out;
    if ((rc = catalogue_walk(cat, s_send, im, &err))) {
        if (rc < 0) /* the library's; the senders' codes are positive, said already */
            rc = s_failed(im, &err);
        goto out;
    }
    s_progress(im, true);
    double secs = (double)(sos_now_ms() - im->t0) / 1000.0;
    fprintf(stderr,
            "sos: import: done: %s records in %.1f s (%.0f/s); %s tools existed already, %s "
            "takes without filed_at were imported before\n",
            s_num(im->sent, a), secs, secs > 0 ? (double)im->sent / secs : 0.0,
            s_num(im->existed, b), s_num(im->takes_existed, c));
    printf("imported %s: %zu tools, %zu takes, %zu comparisons\n", im->path, im->count.tools,
           im->count.takes, im->count.comparisons);
out:
    for (int p = 0; p < 6; p++)
        sos_key_destroy(&im->keys[p]);
    sos_key_destroy(&im->editor);
    sos_clnt_destroy(&im->sub);
    sos_clnt_destroy(&im->score);
    for (size_t i = 0; i < im->n_ids; i++)
        free(im->ids[i]);
    free(im->ids);
    catalogue_destroy(&cat);
    free(im);
    return rc;
}
