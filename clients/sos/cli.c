/* cli: connections, exit codes and JSON shared by the subcommands. */
#include "cli.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <unistd.h>

#include "sign.h"
#include "status.h"
#include "wire.h"

int sos_cli_connect(sos_cli *cli, const char *service, sos_clnt **out)
{
    const char *ep = sos_conf_get(cli->conf, service, "api");
    if (!ep) {
        fprintf(stderr, "sos: no endpoint configured for %s\n", service);
        return EX_CONFIG;
    }
    uint8_t server_key[SOS_PK_BYTES];
    if (sos_endpoint_needs_curve(ep)) {
        const char *sk = sos_conf_get(cli->conf, service, "server_key");
        if (!cli->tkey_path) {
            fprintf(stderr,
                    "sos: %s is at %s: tcp needs a transport key (--transport-key FILE or "
                    "[client] transport_key; `sos keygen` makes one)\n",
                    service, ep);
            return EX_CONFIG;
        }
        int krc = cli->tkey ? 0 : sos_tkey_load(cli->tkey_path, &cli->tkey);
        if (krc != 0 && sos_pub_read(cli->tkey_path, server_key) == 0) {
            fprintf(stderr,
                    "sos: %s is a public key; use the secret transport key file (the one "
                    "without .pub)\n",
                    cli->tkey_path);
            return EX_CONFIG;
        }
        if (krc != 0) {
            fprintf(stderr, "sos: cannot load transport key %s: %s\n", cli->tkey_path,
                    krc == -2 ? "group or others may read it (chmod 600)"
                              : "unreadable, or not a transport key (`sos keygen` makes one)");
            return EX_CONFIG;
        }
        if (!sk || sos_pub_read(sk, server_key) != 0) {
            fprintf(stderr,
                    "sos: %s is at %s: cannot read its public transport key from [%s] "
                    "server_key (%s)\n",
                    service, ep, service, sk ? sk : "unset");
            return EX_CONFIG;
        }
    }
    if (sos_clnt_new(ep, cli->timeout_ms, cli->retries, out) != 0) {
        fprintf(stderr, "sos: cannot create a socket for %s\n", ep);
        return EX_OSERR;
    }
    if (sos_endpoint_needs_curve(ep))
        sos_clnt_curve(*out, cli->tkey, server_key);
    return 0;
}

int sos_cli_clnt_error(int rc, const char *service, const sos_clnt *c)
{
    if (rc == SOS_CLNT_UNREACHABLE) {
        fprintf(stderr,
                "sos: %s did not answer at %s: is it running? `sos status` shows; "
                "`deploy/sos-up` starts it\n",
                service, sos_clnt_endpoint(c));
        return EX_UNAVAILABLE;
    }
    if (rc == SOS_CLNT_TOO_BIG) {
        fprintf(stderr,
                "sos: the request to %s is %zu bytes, over the limit of %u bytes (1 MiB); "
                "nothing was sent\n",
                service, sos_clnt_request_size(c), SOS_WIRE_MAX_REQUEST);
        return EX_DATAERR;
    }
    fprintf(stderr, "sos: %s sent a reply that does not parse\n", service);
    return EX_PROTOCOL;
}

int sos_cli_status(const Sos__Status *st, const char *action)
{
    if (!st || st->code == SOS__CODE__CODE_OK)
        return 0;
    fprintf(stderr, "sos: %s refused (%s): %s\n", action, sos_code_name(st->code), st->message);
    return sos_code_exit(st->code);
}

bool sos_cli_wants_help(int argc, char **argv)
{
    for (int i = 1; i < argc; i++)
        if (strcmp(argv[i], "-h") == 0 || strcmp(argv[i], "--help") == 0)
            return true;
    return false;
}

void sos_json_print(json_t *j)
{
    json_dumpf(j, stdout, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
    fputc('\n', stdout);
    json_decref(j);
}

int sos_cli_key_load(const char *path, sos_key **out)
{
    uint8_t pk[SOS_PK_BYTES];
    size_t len = strlen(path);
    int kr = sos_key_load(path, out);
    if (kr == 0)
        return 0;
    if (sos_pub_read(path, pk) == 0) {
        if (len > 4 && strcmp(path + len - 4, ".pub") == 0)
            fprintf(stderr, "sos: %s is a public key; use the secret key file (%.*s)\n", path,
                    (int)(len - 4), path);
        else
            fprintf(stderr,
                    "sos: %s is a public key; use the secret key file (the one `sos keygen "
                    "--out FILE` wrote as FILE)\n",
                    path);
        return EX_NOINPUT;
    }
    fprintf(stderr, "sos: cannot use key %s: %s\n", path,
            kr == -2 ? "others may read it (chmod 600)" : "unreadable or not a secret key");
    return kr == -2 ? EX_NOPERM : EX_NOINPUT;
}

void sos_cli_editor_path(const sos_cli *cli, char *out, size_t cap)
{
    const char *dir = cli->conf ? sos_conf_get(cli->conf, "paths", "key_dir") : NULL;
    if (cli->editor_key)
        snprintf(out, cap, "%s", cli->editor_key);
    else
        snprintf(out, cap, "%s/editor.key", dir ? dir : "keys");
}

int sos_cli_editor(const sos_cli *cli, sos_key **out)
{
    char path[4096];
    sos_cli_editor_path(cli, path, sizeof path);
    if (access(path, F_OK) != 0) {
        fprintf(stderr,
                "sos: no editor key at %s: editorial requests are signed by an editor. Pass "
                "--editor-key FILE (your secret key, from `sos keygen --out FILE`), or make "
                "one there with `sos keygen --out %s` and have a current editor run `sos "
                "editor add --key %s.pub --name NAME`\n",
                path, path, path);
        return EX_NOINPUT;
    }
    return sos_cli_key_load(path, out);
}
