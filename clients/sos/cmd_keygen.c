/* keygen: a reviewer's two key pairs, made and kept on this machine.
 *
 * The signing key (Ed25519) signs takes; the transport key (X25519) is the
 * CURVE identity for tcp:// services. Secret halves are written 0600 and
 * never overwritten. No service is asked. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sysexits.h>
#include <unistd.h>

#include "cli.h"
#include "cmd.h"
#include "sign.h"

typedef struct {
    const char *out, *only;
} s_keygen_opts;

static const char s_about[] =
    "Makes two unrelated key pairs, each secret 0600 and never leaving this machine:\n"
    "  FILE, FILE.pub              Ed25519 signing key: `sos panel add --key FILE.pub`\n"
    "  FILE.curve, FILE.curve.pub  X25519 transport key for tcp:// (CURVE): its public\n"
    "                              half goes into the services' access list\n"
    "Prints the signing public key (64 hex digits); --json prints both.\n";

static int s_keygen(sos_cmd_ctx *x)
{
    const s_keygen_opts *o = x->opts;
    const char *out = o->out, *only = o->only;
    char spath[4096], tpath[4096], shex[2 * SOS_PK_BYTES + 1] = "", thex[2 * SOS_PK_BYTES + 1] = "";
    sos_key *k = NULL;
    sos_tkey *tk = NULL;
    int rc = EX_OK;
    if (sos_cmd_missing(out)) {
        fprintf(stderr, "sos: keygen needs --out FILE (`sos keygen --help`)\n");
        return EX_USAGE;
    }
    if (only && strcmp(only, "signing") != 0 && strcmp(only, "transport") != 0)
        return sos_cmd_misuse(x->cmd);
    bool want_s = !only || !strcmp(only, "signing"), want_t = !only || !strcmp(only, "transport");
    if (snprintf(spath, sizeof spath, "%s", out) >= (int)sizeof spath ||
        snprintf(tpath, sizeof tpath, "%s.curve", out) >= (int)sizeof tpath) {
        fprintf(stderr, "sos: path too long: %s\n", out);
        return EX_USAGE;
    }
    if ((want_s && access(spath, F_OK) == 0) || (want_t && access(tpath, F_OK) == 0)) {
        fprintf(stderr, "sos: %s exists: not overwriting a key\n",
                want_s && access(spath, F_OK) == 0 ? spath : tpath);
        return EX_CANTCREAT;
    }
    if ((want_s && sos_key_generate(&k) != 0) || (want_t && sos_tkey_generate(&tk) != 0)) {
        fprintf(stderr, "sos: key generation failed\n");
        rc = EX_SOFTWARE;
        goto out;
    }
    const char *failed = NULL;
    if (want_s && sos_key_save(k, spath) != 0)
        failed = spath;
    else if (want_t && sos_tkey_save(tk, tpath) != 0)
        failed = tpath;
    if (failed) {
        fprintf(stderr, "sos: cannot write %s: %s\n", failed, strerror(errno));
        rc = errno == EEXIST ? EX_CANTCREAT : EX_IOERR;
        goto out;
    }
    if (k)
        sos_hex(sos_key_public(k), SOS_PK_BYTES, shex);
    if (tk)
        sos_hex(sos_tkey_public(tk), SOS_PK_BYTES, thex);
    if (x->cli->json) {
        json_t *j = json_object();
        if (k)
            json_object_set_new(j, "signing",
                                json_pack("{s:s, s:s, s:s+}", "secret_key_file", spath,
                                          "public_key", shex, "public_key_file", spath, ".pub"));
        if (tk)
            json_object_set_new(j, "transport",
                                json_pack("{s:s, s:s, s:s+}", "secret_key_file", tpath,
                                          "public_key", thex, "public_key_file", tpath, ".pub"));
        if (k) { /* the fields of the one-key form, kept for scripts */
            json_object_set_new(j, "secret_key_file", json_string(spath));
            json_object_set_new(j, "public_key", json_string(shex));
            json_object_set_new(j, "public_key_file", json_pack("s+", spath, ".pub"));
        }
        sos_json_print(j);
    } else {
        printf("%s\n", k ? shex : thex);
    }
    if (k)
        fprintf(stderr, "sos: wrote %s (signing secret, 0600) and %s.pub\n", spath, spath);
    if (tk)
        fprintf(stderr, "sos: wrote %s (transport secret, 0600) and %s.pub\n", tpath, tpath);
    if (k && tk)
        fprintf(stderr, "sos: a reviewer's access-list line: reviewer %s %s\n", thex, shex);
    if (k) /* a take is refused until its key is on the panel */
        fprintf(stderr,
                "sos: next: send %s.pub to an editor, who runs `sos panel add --persona "
                "PERSONA --key %s.pub`;\n"
                "     then file takes with `sos take file --key %s --persona PERSONA ...`\n",
                spath, spath, spath);
out:
    sos_key_destroy(&k);
    sos_tkey_destroy(&tk);
    return rc;
}

static const sos_cmd_opt s_opts[] = {
    SOS_CMD_VALUE("out", 'o', s_keygen_opts, out),
    SOS_CMD_VALUE("only", 'O', s_keygen_opts, only),
};
static const sos_cmd_verb s_verbs[] = {
    {NULL, s_keygen, "--out FILE [--only signing|transport]", 0, NULL},
};
static const sos_cmd s_cmd = {"keygen", SOS_CMD_TABLE(s_verbs), SOS_CMD_TABLE(s_opts),
                              sizeof(s_keygen_opts), s_about};

int sos_cmd_keygen(sos_cli *cli, int argc, char **argv)
{
    return sos_cmd_run(&s_cmd, cli, argc, argv);
}
