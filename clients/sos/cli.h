/* cli: what every sos subcommand shares: configuration, connections to the
 * services, exit codes, printing JSON (its shape is the site library's,
 * json.h). */
#ifndef SOS_CLI_H
#define SOS_CLI_H

#include <jansson.h>
#include <stdbool.h>

#include "clnt.h"
#include "conf.h"
#include "json.h" /* sossite: the records' JSON shape, for --json */
#include "sos.pb-c.h"

typedef struct {
    sos_conf *conf; /* owned by main */
    bool json;      /* --json: print JSON on stdout */
    int timeout_ms, retries;
    const char *tkey_path;  /* --transport-key / [client] transport_key: argv or conf's */
    sos_tkey *tkey;         /* loaded on the first tcp connection; owned by main */
    const char *editor_key; /* --editor-key FILE (argv's), or NULL: the default */
} sos_cli;

/* Connects a client to a service's api endpoint; over tcp:// with CURVE,
 * pinning [<service>] server_key and presenting cli->tkey_path. Exit code on
 * failure (78 when a tcp endpoint lacks either key). */
int sos_cli_connect(sos_cli *cli, const char *service, sos_clnt **out);
/* Prints what a client error means and returns its exit code: 69 no
 * answer, 65 a request over the size limit (not sent), 76 a reply that
 * does not parse. */
int sos_cli_clnt_error(int rc, const char *service, const sos_clnt *c);
/* Prints a refusal ("sos: take refused (forbidden): ...") and returns its
 * sysexits code; 0 when st is OK. action names what was refused, the
 * person's action (sos_cmd_action), not the service that refused it. */
int sos_cli_status(const Sos__Status *st, const char *action);

/* The secret signing key at path (a reviewer's or an editor's), or the
 * exit code after saying what to do: 66 (missing, unreadable, a public
 * key where the secret one is needed), 77 (others may read it). *out is
 * the caller's: sos_key_destroy. */
int sos_cli_key_load(const char *path, sos_key **out);
/* The editor's signing key every editorial command signs with:
 * cli->editor_key (--editor-key FILE), else <key_dir>/editor.key (what
 * deploy/sos-up makes). A missing file names the path and what to do (66);
 * otherwise as sos_cli_key_load. */
int sos_cli_editor(const sos_cli *cli, sos_key **out);
/* Where sos_cli_editor looks: cli->editor_key or the default, in out. */
void sos_cli_editor_path(const sos_cli *cli, char *out, size_t cap);

/* Prints to stdout with a trailing newline and releases j. */
void sos_json_print(json_t *j);

/* A command: returns the process exit code. argv[0] is the command word. */
int sos_cmd_keygen(sos_cli *cli, int argc, char **argv);
int sos_cmd_panel(sos_cli *cli, int argc, char **argv);
int sos_cmd_tool(sos_cli *cli, int argc, char **argv);
int sos_cmd_take(sos_cli *cli, int argc, char **argv);
int sos_cmd_verdict(sos_cli *cli, int argc, char **argv);
int sos_cmd_compare(sos_cli *cli, int argc, char **argv);
int sos_cmd_pull(sos_cli *cli, int argc, char **argv);
int sos_cmd_import(sos_cli *cli, int argc, char **argv);
int sos_cmd_status(sos_cli *cli, int argc, char **argv);
int sos_cmd_render(sos_cli *cli, int argc, char **argv);
int sos_cmd_verify(sos_cli *cli, int argc, char **argv);
int sos_cmd_backup(sos_cli *cli, int argc, char **argv);
int sos_cmd_check(sos_cli *cli, int argc, char **argv);
int sos_cmd_log(sos_cli *cli, int argc, char **argv);
int sos_cmd_editor(sos_cli *cli, int argc, char **argv);
int sos_cmd_vote(sos_cli *cli, int argc, char **argv);
int sos_cmd_tally(sos_cli *cli, int argc, char **argv);
int sos_cmd_subscriber(sos_cli *cli, int argc, char **argv);

/* True when argv holds -h or --help; the command prints usage then. */
bool sos_cli_wants_help(int argc, char **argv);

#endif
