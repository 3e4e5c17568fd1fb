/* take file | take list: a reviewer's signed takes.
 *
 * The take is signed here, on the reviewer's machine, with the secret key
 * file; only the signature and public key travel. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <time.h>

#include "buf.h"
#include "cli.h"
#include "cmd.h"
#include "cmd_tool.h"
#include "envelope.h"
#include "scoring_clnt.h"
#include "sign.h"
#include "take.h"
#include "text.h"

int sos_take_file(sos_clnt *c, const sos_key *k, Sos__TakeBody *body, uint8_t hash[SOS_HASH_BYTES],
                  Sos__Status **status_out, Sos__ScoringReply **rep_out)
{
    sos_buf payload = SOS_BUF_INIT;
    uint8_t sig[SOS_SIG_BYTES];
    Sos__Signed s;
    sos_envelope_seal(&sos_envelope_take, k, &body->base, &payload, sig, &s);
    int rc = scoring_clnt_take_file(c, body->take_id.data, body->take_id.len, &s, rep_out);
    if (rc == SOS_CLNT_OK) {
        *status_out = (*rep_out)->status;
        if ((*rep_out)->take_hash.len == SOS_HASH_BYTES)
            memcpy(hash, (*rep_out)->take_hash.data, SOS_HASH_BYTES);
    }
    sos_buf_free(&payload);
    return rc;
}

/* The whole file at path, NUL-terminated, in *out (the caller's), its
 * length in *len. -1 when it cannot be read. */
static int s_read_file(const char *path, char **out, size_t *len)
{
    FILE *f = fopen(path, "rb");
    sos_buf b = SOS_BUF_INIT;
    char chunk[4096];
    size_t n;
    int rc = -1;
    if (!f)
        return -1;
    while ((n = fread(chunk, 1, sizeof chunk, f)) > 0)
        sos_buf_append(&b, chunk, n);
    if (!ferror(f)) {
        *len = b.len;
        sos_buf_append(&b, "", 1);
        *out = (char *)b.data;
        b.data = NULL;
        rc = 0;
    }
    fclose(f);
    sos_buf_free(&b);
    return rc;
}

/* A take's text as scoring will check it, before anything is signed or
 * sent: no NUL (a C string would end there, silently), valid UTF-8 text.
 * what names it: "--text" or the file. 0 or 65 (EX_DATAERR), said. */
static int s_text_check(const char *what, const char *text, size_t len)
{
    const char *nul = memchr(text, '\0', len);
    if (nul) {
        fprintf(stderr, "sos: %s contains a NUL byte at offset %zu; takes are text\n", what,
                (size_t)(nul - text));
        return EX_DATAERR;
    }
    if (!sos_text_valid(text, len)) {
        fprintf(stderr,
                "sos: %s is not text: takes are UTF-8 without control characters other than "
                "tab, CR and LF\n",
                what);
        return EX_DATAERR;
    }
    return 0;
}

/* The size limits scoring enforces, checked here so that an oversized take
 * is refused with its limit named instead of never reaching scoring (a
 * request over SOS_WIRE_MAX_REQUEST is dropped by the socket). Payload
 * first, as scoring checks it (protocol.md, take_file). 0 or 65. */
static int s_size_check(const Sos__TakeBody *b, size_t text_len)
{
    size_t payload = protobuf_c_message_get_packed_size(&b->base);
    if (payload > SOS_ENVELOPE_TAKE_MAX) {
        fprintf(stderr,
                "sos: the take is %zu bytes, over the limit of %u bytes (64 KiB) for a signed "
                "take; its text is %zu bytes, and a take's text may have %u\n",
                payload, SOS_ENVELOPE_TAKE_MAX, text_len, SOS_ENVELOPE_TAKE_TEXT_MAX);
        return EX_DATAERR;
    }
    if (text_len > SOS_ENVELOPE_TAKE_TEXT_MAX) {
        fprintf(stderr, "sos: the take's text is %zu bytes, over the limit of %u bytes\n", text_len,
                SOS_ENVELOPE_TAKE_TEXT_MAX);
        return EX_DATAERR;
    }
    return 0;
}

/* scoring's FORBIDDEN for a signer not on the panel (scoring.c, take_accept) */
static const char s_unregistered[] = "signing key is not registered for ";

typedef struct {
    const char *key, *tool, *persona, *score, *ship, *skip, *text, *text_file, *revision, *take_id,
        *filed_at;
} s_take_opts;

static const char s_about[] =
    "file: signs the take with the secret key FILE (see `sos keygen`) and files it.\n"
    "An amendment is the same persona's take with a higher --revision; every\n"
    "revision is kept and the latest counts until the verdict is final.\n"
    "--take-id (32 hex digits) with --filed-at makes a filing repeatable: the same\n"
    "id and content again gets the first answer, the same id with other content is\n"
    "refused as a conflict. Defaults: a fresh id (time-ordered, 80 random bits),\n"
    "the current time.\n";

static int s_take_list(sos_cmd_ctx *x)
{
    Sos__ScoringReply *rep = NULL;
    int rc;
    if (x->argc != 1)
        return sos_cmd_misuse(x->cmd);
    rc = scoring_clnt_take_list(x->clnt, NULL, 0, x->argv[0], &rep);
    if ((rc = sos_cmd_tool_reply(x, rc, rep, x->argv, 1)))
        return rc;
    json_t *arr = json_array();
    bool ok = true;
    for (size_t i = 0; rep->takes && i < rep->takes->n_takes; i++) {
        json_t *t = sos_json_take(rep->takes->takes[i], &ok);
        if (!x->cli->json && json_object_get(t, "error"))
            /* never "(null)": say what the take is */
            printf("DAMAGED   take %zu: %s\n", i + 1,
                   json_string_value(json_object_get(t, "error")));
        else if (!x->cli->json)
            printf("%-9s r%-2d %3d/100 · %-4s %s\n",
                   json_string_value(json_object_get(t, "persona")),
                   (int)json_integer_value(json_object_get(t, "revision")),
                   (int)json_integer_value(json_object_get(t, "score")),
                   json_string_value(json_object_get(t, "verdict")),
                   json_is_true(json_object_get(json_object_get(t, "signed"), "verified"))
                       ? "signature ok"
                       : "SIGNATURE BAD");
        json_array_append_new(arr, t);
    }
    if (x->cli->json)
        sos_json_print(json_pack("{s:s, s:b, s:o}", "tool", x->argv[0], "closed",
                                 rep->takes && rep->takes->closed, "takes", arr));
    else
        json_decref(arr);
    return ok ? 0 : EX_NOPERM;
}

static int s_take_file(sos_cmd_ctx *x)
{
    const s_take_opts *o = x->opts;
    const char *keyfile = o->key, *tool = o->tool, *persona = o->persona, *text = o->text,
               *textfile = o->text_file, *takeid = o->take_id;
    uint64_t revision = 1, score = 0, filed_at = (uint64_t)time(NULL);
    int ship = o->ship ? 1 : 0, rc;
    char *textbuf = NULL, missing[128];
    size_t text_len = 0;
    sos_key *k = NULL;
    Sos__ScoringReply *rep = NULL;
    const Sos__Status *refusal;
    const char *const names[] = {"--key",   "--tool",           "--persona",
                                 "--score", "--ship or --skip", "--text or --text-file"};
    /* --text "" is given: an empty take is scoring's to refuse, as it always has
     * ("text must not be empty", 65); an empty --text-file name is missing */
    const char *const values[] = {
        keyfile, tool, persona, o->score, o->ship ? o->ship : o->skip, text ? "--text" : textfile};
    if (x->argc) {
        rc = sos_cmd_misuse(x->cmd);
        goto out;
    }
    if (sos_cmd_missing_list(names, values, SOS_CMD_N(names), missing, sizeof missing)) {
        fprintf(stderr, "sos: take file needs %s (`sos take file --help`)\n", missing);
        rc = EX_USAGE;
        goto out;
    }
    if ((o->ship && o->skip) || (text && textfile)) {
        fprintf(stderr, "sos: take file: give %s, not both\n",
                o->ship && o->skip ? "--ship or --skip" : "--text or --text-file");
        rc = EX_USAGE;
        goto out;
    }
    Sos__TakeBody b = SOS__TAKE_BODY__INIT;
    uint8_t id[SOS_CLNT_ID_BYTES], hash[SOS_HASH_BYTES];
    b.persona = sos_persona_parse(persona);
    /* filed_at stops at INT64_MAX: JSON (jansson) carries it exactly then,
     * and scoring refuses anything a day past its clock anyway */
    if ((rc = sos_cmd_number("score", "a whole number", o->score, 0, 100, &score)) ||
        (o->revision &&
         (rc = sos_cmd_number("revision", "a whole number", o->revision, 1, 1000000, &revision))) ||
        (o->filed_at && (rc = sos_cmd_number("filed-at", "a whole number of seconds (Unix time)",
                                             o->filed_at, 0, INT64_MAX, &filed_at))))
        goto out;
    if (b.persona == SOS__PERSONA__PERSONA_UNSPECIFIED) {
        fprintf(stderr, "sos: persona must be Builder, Skeptic, Futurist, Founder or Creator\n");
        rc = EX_DATAERR;
        goto out;
    }
    if (textfile && s_read_file(textfile, &textbuf, &text_len) != 0) {
        fprintf(stderr, "sos: cannot read %s\n", textfile);
        rc = EX_NOINPUT;
        goto out;
    }
    if (!textfile)
        text_len = strlen(text);
    if ((rc = s_text_check(textfile ? textfile : "--text", textbuf ? textbuf : text, text_len)))
        goto out;
    if (takeid ? sos_unhex(takeid, id, sizeof id) != 0 : (sos_clnt_new_id(id), 0)) {
        fprintf(stderr, "sos: --take-id must be 32 hex digits\n");
        rc = EX_DATAERR;
        goto out;
    }
    b.take_id = (ProtobufCBinaryData){sizeof id, id};
    b.tool_id = (char *)tool;
    b.score = (uint32_t)score;
    b.ship = ship;
    b.text = textbuf ? textbuf : (char *)text;
    b.revision = (uint32_t)revision;
    b.filed_at = filed_at;
    if ((rc = s_size_check(&b, text_len)))
        goto out;
    if ((rc = sos_cli_key_load(keyfile, &k)))
        goto out;
    if ((rc = sos_cmd_connect(x, "scoring")))
        goto out;
    Sos__Status *st = NULL;
    rc = sos_take_file(x->clnt, k, &b, hash, &st, &rep);
    if ((rc = sos_cmd_answer(x, rc, rep, &refusal))) {
        if (refusal && refusal->code == SOS__CODE__CODE_FORBIDDEN &&
            strncmp(refusal->message, s_unregistered, strlen(s_unregistered)) == 0)
            fprintf(stderr,
                    "sos: take refused: this key is not on the panel for %s. Send %s.pub to an "
                    "editor, who runs:\n"
                    "  sos panel add --persona %s --key %s.pub\n"
                    "then file the take again. (scoring: %s)\n",
                    sos_persona_name(b.persona), keyfile, sos_persona_name(b.persona), keyfile,
                    refusal->message);
        else if (refusal)
            rc = sos_cmd_tool_refused(x, refusal, (char *const *)&tool, 1);
        goto out;
    }
    char idhex[2 * sizeof id + 1], hhex[2 * SOS_HASH_BYTES + 1];
    sos_hex(id, sizeof id, idhex);
    sos_hex(hash, sizeof hash, hhex);
    if (x->cli->json)
        sos_json_print(json_pack("{s:s, s:s, s:s, s:i}", "take_id", idhex, "hash", hhex, "tool",
                                 tool, "revision", (int)revision));
    else
        printf("filed %s take on %s (revision %" PRIu64 "): take %s\n", sos_persona_name(b.persona),
               tool, revision, idhex);
out:
    free(textbuf);
    sos_key_destroy(&k);
    return rc;
}

static const sos_cmd_opt s_opts[] = {
    SOS_CMD_VALUE("key", 'k', s_take_opts, key),
    SOS_CMD_VALUE("tool", 't', s_take_opts, tool),
    SOS_CMD_VALUE("persona", 'p', s_take_opts, persona),
    SOS_CMD_VALUE("score", 's', s_take_opts, score),
    SOS_CMD_FLAG("ship", 'S', s_take_opts, ship),
    SOS_CMD_FLAG("skip", 'K', s_take_opts, skip),
    SOS_CMD_VALUE("text", 'x', s_take_opts, text),
    SOS_CMD_VALUE("text-file", 'X', s_take_opts, text_file),
    SOS_CMD_VALUE("revision", 'r', s_take_opts, revision),
    SOS_CMD_VALUE("take-id", 'i', s_take_opts, take_id),
    SOS_CMD_VALUE("filed-at", 'f', s_take_opts, filed_at),
    SOS_CMD_OPT_JSON,
};
/* file checks everything it can before it connects (sizes included); list
 * connects before it checks its operand, as it always has. */
static const sos_cmd_verb s_verbs[] = {
    {"file", s_take_file,
     "--key FILE --tool ID --persona NAME --score 0-100\n"
     "                     (--ship | --skip) (--text TEXT | --text-file FILE)\n"
     "                     [--revision N] [--take-id HEX] [--filed-at UNIXTIME]",
     SOS_CMD_ANY, NULL},
    {"list", s_take_list, "TOOL [--json]", SOS_CMD_ANY, "scoring"},
};
static const sos_cmd s_cmd = {"take", SOS_CMD_TABLE(s_verbs), SOS_CMD_TABLE(s_opts),
                              sizeof(s_take_opts), s_about};

int sos_cmd_take(sos_cli *cli, int argc, char **argv)
{
    return sos_cmd_run(&s_cmd, cli, argc, argv);
}
