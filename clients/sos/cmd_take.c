/* take file | take list: a reviewer's signed takes.
 *
 * The take is signed here, on the reviewer's machine, with the secret key
 * file; only the signature and public key travel. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <time.h>

#include "buf.h"
#include "cli.h"
#include "scoring_clnt.h"
#include "sign.h"
#include "take.h"
#include "text.h"

int sos_take_file(sos_clnt *c, const sos_key *k, Sos__TakeBody *body, uint8_t hash[SOS_HASH_BYTES],
                  Sos__Status **status_out, Sos__ScoringReply **rep_out)
{
    sos_buf payload = SOS_BUF_INIT;
    uint8_t sig[SOS_SIG_BYTES];
    sos_buf_pack(&payload, &body->base);
    sos_sign(k, SOS_DOMAIN_TAKE, payload.data, payload.len, sig);
    Sos__Signed s = SOS__SIGNED__INIT;
    s.payload = (ProtobufCBinaryData){payload.len, payload.data};
    s.signer = (ProtobufCBinaryData){SOS_PK_BYTES, (uint8_t *)sos_key_public(k)};
    s.signature = (ProtobufCBinaryData){SOS_SIG_BYTES, sig};
    int rc = scoring_clnt_take_file(c, body->take_id.data, body->take_id.len, &s, rep_out);
    if (rc == SOS_CLNT_OK) {
        *status_out = (*rep_out)->status;
        if ((*rep_out)->take_hash.len == SOS_HASH_BYTES)
            memcpy(hash, (*rep_out)->take_hash.data, SOS_HASH_BYTES);
    }
    sos_buf_free(&payload);
    return rc;
}

static int s_read_file(const char *path, char **out)
{
    FILE *f = fopen(path, "rb");
    sos_buf b = SOS_BUF_INIT;
    char chunk[4096];
    size_t n;
    if (!f)
        return -1;
    while ((n = fread(chunk, 1, sizeof chunk, f)) > 0)
        sos_buf_append(&b, chunk, n);
    fclose(f);
    sos_buf_append(&b, "", 1);
    *out = (char *)b.data;
    return 0;
}

int sos_cmd_take(sos_cli *cli, int argc, char **argv)
{
    static const char usage[] =
        "usage: sos take file --key FILE --tool ID --persona NAME --score 0-100\n"
        "                     (--ship | --skip) (--text TEXT | --text-file FILE)\n"
        "                     [--revision N] [--take-id HEX] [--filed-at UNIXTIME]\n"
        "       sos take list TOOL [--json]\n\n"
        "file: signs the take with the secret key FILE (see `sos keygen`) and files it.\n"
        "An amendment is the same persona's take with a higher --revision; every\n"
        "revision is kept and the latest counts until the verdict is final.\n"
        "--take-id (32 hex digits) with --filed-at makes a filing repeatable: the same\n"
        "id and content again gets the first answer, the same id with other content is\n"
        "refused as a conflict. Defaults: a fresh id (time-ordered, 80 random bits),\n"
        "the current time.\n";
    static const struct option o[] = {
        {"key", required_argument, NULL, 'k'},      {"tool", required_argument, NULL, 't'},
        {"persona", required_argument, NULL, 'p'},  {"score", required_argument, NULL, 's'},
        {"ship", no_argument, NULL, 'S'},           {"skip", no_argument, NULL, 'K'},
        {"text", required_argument, NULL, 'x'},     {"text-file", required_argument, NULL, 'X'},
        {"revision", required_argument, NULL, 'r'}, {"take-id", required_argument, NULL, 'i'},
        {"filed-at", required_argument, NULL, 'f'}, {"json", no_argument, NULL, 'j'},
        {"help", no_argument, NULL, 'h'},           {NULL, 0, NULL, 0}};
    const char *keyfile = NULL, *tool = NULL, *persona = NULL, *score = NULL, *text = NULL,
               *textfile = NULL, *takeid = NULL, *filedat = NULL;
    long revision = 1;
    int ship = -1, rc;
    char *textbuf = NULL;
    sos_key *k = NULL;
    sos_clnt *c = NULL;
    Sos__ScoringReply *rep = NULL;
    const char *verb = argc >= 2 ? argv[1] : "";
    if (strcmp(verb, "file") && strcmp(verb, "list")) {
        fputs(usage, sos_cli_wants_help(argc, argv) ? stdout : stderr);
        return sos_cli_wants_help(argc, argv) ? EX_OK : EX_USAGE;
    }
    optind = 0;
    for (int ch; (ch = getopt_long(argc - 1, argv + 1, "k:t:p:s:SKx:X:r:i:f:jh", o, NULL)) != -1;) {
        switch (ch) {
        case 'k': keyfile = optarg; break;
        case 't': tool = optarg; break;
        case 'p': persona = optarg; break;
        case 's': score = optarg; break;
        case 'S': ship = 1; break;
        case 'K': ship = 0; break;
        case 'x': text = optarg; break;
        case 'X': textfile = optarg; break;
        case 'r': revision = strtol(optarg, NULL, 10); break;
        case 'i': takeid = optarg; break;
        case 'f': filedat = optarg; break;
        case 'j': cli->json = true; break;
        case 'h': fputs(usage, stdout); return EX_OK;
        default: fputs(usage, stderr); return EX_USAGE;
        }
    }
    int rest = argc - 1 - optind;
    char **args = argv + 1 + optind;
    if ((rc = sos_cli_connect(cli, "scoring", &c)))
        return rc;
    if (!strcmp(verb, "list")) {
        if (rest != 1) {
            fputs(usage, stderr);
            rc = EX_USAGE;
            goto out;
        }
        rc = scoring_clnt_take_list(c, NULL, 0, args[0], &rep);
        if (rc != SOS_CLNT_OK) {
            rc = sos_cli_clnt_error(rc, "scoring", c);
            goto out;
        }
        if ((rc = sos_cli_status(rep->status, "scoring")))
            goto out;
        json_t *arr = json_array();
        bool ok = true;
        for (size_t i = 0; rep->takes && i < rep->takes->n_takes; i++) {
            json_t *t = sos_json_take(rep->takes->takes[i], &ok);
            if (!cli->json && json_object_get(t, "error"))
                /* never "(null)": say what the take is */
                printf("DAMAGED   take %zu: %s\n", i + 1,
                       json_string_value(json_object_get(t, "error")));
            else if (!cli->json)
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
        if (cli->json)
            sos_json_print(json_pack("{s:s, s:b, s:o}", "tool", args[0], "closed",
                                     rep->takes && rep->takes->closed, "takes", arr));
        else
            json_decref(arr);
        rc = ok ? 0 : EX_NOPERM;
        goto out;
    }

    if (rest || !keyfile || !tool || !persona || !score || ship < 0 || (!text == !textfile)) {
        fprintf(stderr, "sos: take file needs --key, --tool, --persona, --score, --ship or "
                        "--skip, and --text or --text-file\n");
        rc = EX_USAGE;
        goto out;
    }
    char *end;
    long sc = strtol(score, &end, 10);
    Sos__TakeBody b = SOS__TAKE_BODY__INIT;
    uint8_t id[SOS_CLNT_ID_BYTES], hash[SOS_HASH_BYTES];
    b.persona = sos_persona_parse(persona);
    if (*end || end == score || sc < 0 || sc > 100) {
        fprintf(stderr, "sos: --score must be a whole number from 0 to 100\n");
        rc = EX_DATAERR;
        goto out;
    }
    if (b.persona == SOS__PERSONA__PERSONA_UNSPECIFIED) {
        fprintf(stderr, "sos: persona must be Builder, Skeptic, Futurist, Founder or Creator\n");
        rc = EX_DATAERR;
        goto out;
    }
    if (revision < 1 || revision > 1000000) {
        fprintf(stderr, "sos: --revision must be 1 or more\n");
        rc = EX_DATAERR;
        goto out;
    }
    if (textfile && s_read_file(textfile, &textbuf) != 0) {
        fprintf(stderr, "sos: cannot read %s\n", textfile);
        rc = EX_NOINPUT;
        goto out;
    }
    if (takeid ? sos_unhex(takeid, id, sizeof id) != 0 : (sos_clnt_new_id(id), 0)) {
        fprintf(stderr, "sos: --take-id must be 32 hex digits\n");
        rc = EX_DATAERR;
        goto out;
    }
    int kr = sos_key_load(keyfile, &k);
    if (kr != 0) {
        fprintf(stderr, "sos: cannot use key %s: %s\n", keyfile,
                kr == -2 ? "others may read it (chmod 600)" : "unreadable or not a secret key");
        rc = kr == -2 ? EX_NOPERM : EX_NOINPUT;
        goto out;
    }
    b.take_id = (ProtobufCBinaryData){sizeof id, id};
    b.tool_id = (char *)tool;
    b.score = (uint32_t)sc;
    b.ship = ship;
    b.text = textbuf ? textbuf : (char *)text;
    b.revision = (uint32_t)revision;
    b.filed_at = filedat ? strtoull(filedat, NULL, 10) : (uint64_t)time(NULL);
    Sos__Status *st = NULL;
    rc = sos_take_file(c, k, &b, hash, &st, &rep);
    if (rc != SOS_CLNT_OK) {
        rc = sos_cli_clnt_error(rc, "scoring", c);
        goto out;
    }
    if ((rc = sos_cli_status(st, "scoring")))
        goto out;
    char idhex[2 * sizeof id + 1], hhex[2 * SOS_HASH_BYTES + 1];
    sos_hex(id, sizeof id, idhex);
    sos_hex(hash, sizeof hash, hhex);
    if (cli->json)
        sos_json_print(json_pack("{s:s, s:s, s:s, s:i}", "take_id", idhex, "hash", hhex, "tool",
                                 tool, "revision", (int)revision));
    else
        printf("filed %s take on %s (revision %ld): take %s\n", sos_persona_name(b.persona), tool,
               revision, idhex);
out:
    free(textbuf);
    sos_key_destroy(&k);
    if (rep)
        sos__scoring_reply__free_unpacked(rep, NULL);
    sos_clnt_destroy(&c);
    return rc;
}
