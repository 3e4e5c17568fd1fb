/* cmd: the shape every sos command shares.
 *
 * A command is a table (sos_cmd): its word, its verbs (name, handler,
 * usage line, operand count), its options and a paragraph of help.
 * sos_cmd_run() picks the verb from argv[1], naming the nearest verb when
 * the word is none of them; runs getopt_long over the verb's argv into
 * the command's options struct; checks the operands and calls the verb.
 * Options and operands may come in any order after the verb (GNU
 * permutation; "--" ends the options). -h/--help prints the usage on
 * stdout (exit 0), a misuse on stderr (64); --json is taken by every
 * command, whether or not its table names it, as it is before the command
 * word. A value an option does not take is a data error (65), as --score
 * has always been: sos_cmd_number.
 * The verb reaches its service through sos_cmd_connect() and
 * sos_cmd_reply(), which print what went wrong and return the exit code;
 * the client and the reply are sos_cmd_run()'s to free. */
#ifndef SOS_CMD_H
#define SOS_CMD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "cli.h"
#include "clnt.h"

#define SOS_CMD_GO (-1)             /* sos_cmd_getopt: go on */
#define SOS_CMD_ANY (-1)            /* a verb's operands: the verb checks them */
#define SOS_CMD_JSON ((size_t)-1)   /* an option's at: --json sets cli->json */
#define SOS_CMD_EDITOR ((size_t)-2) /* an option's at: --editor-key sets cli->editor_key */
#define SOS_CMD_N(a) (sizeof(a) / sizeof((a)[0]))
#define SOS_CMD_TABLE(a) (a), SOS_CMD_N(a) /* a table and its length */
#define SOS_CMD_MAX_OPTS 16

/* One option, long and short. It sets the const char * at offset `at` of
 * the command's options struct: to its value, or (a flag) to its long
 * name, so that two flags sharing a field keep the last one given. */
typedef struct {
    const char *name;
    int letter;
    bool value;
    size_t at;
} sos_cmd_opt;

/* clang-format off */
#define SOS_CMD_VALUE(name, letter, type, field) {name, letter, true, offsetof(type, field)}
#define SOS_CMD_FLAG(name, letter, type, field) {name, letter, false, offsetof(type, field)}
#define SOS_CMD_OPT_JSON {"json", 'j', false, SOS_CMD_JSON}
#define SOS_CMD_OPT_EDITOR {"editor-key", 'E', true, SOS_CMD_EDITOR}
/* clang-format on */

/* The options table of a command whose only option is --json. */
extern const sos_cmd_opt sos_cmd_json_only[1];
/* ... and of one that takes --json and --editor-key FILE (an editorial
 * command: it signs with sos_cli_editor). */
extern const sos_cmd_opt sos_cmd_json_editor[2];
/* The line every editorial command's help ends with. */
#define SOS_CMD_EDITOR_ABOUT                                                                       \
    "--editor-key FILE: the editor's secret signing key the request is signed\n"                   \
    "with (default <key_dir>/editor.key, which deploy/sos-up makes).\n"

typedef struct sos_cmd sos_cmd;

/* What a verb gets. opts, argv and the strings in them are borrowed for the
 * call; clnt and reply are set by sos_cmd_connect and sos_cmd_reply. */
typedef struct {
    const sos_cmd *cmd;
    sos_cli *cli;
    const void *opts; /* the command's options struct, filled */
    int argc;         /* the operands, after the options */
    char **argv;
    const char *service; /* what clnt is connected to */
    sos_clnt *clnt;
    void *reply;     /* the latest reply, any service's */
    sos_key *editor; /* loaded by sos_cmd_signer, freed by sos_cmd_run */
} sos_cmd_ctx;

typedef struct {
    const char *name;          /* NULL: the command has no verbs, this is it */
    int (*fn)(sos_cmd_ctx *x); /* NULL: the command calls sos_cmd_getopt */
    const char *synopsis;      /* the usage line after "sos <command> <verb> " */
    int operands;              /* how many, checked by sos_cmd_run; SOS_CMD_ANY: fn checks */
    const char *service;       /* connected (x->clnt) before fn; NULL: fn connects if at all */
} sos_cmd_verb;

struct sos_cmd {
    const char *name; /* the command word */
    const sos_cmd_verb *verbs;
    size_t n_verbs;
    const sos_cmd_opt *opts; /* -h/--help comes with every command */
    size_t n_opts;
    size_t opts_size;  /* sizeof the struct the options fill */
    const char *about; /* the help after the usage lines */
};

/* Runs cmd (argv[0] is its word) and returns the process exit code. */
int sos_cmd_run(const sos_cmd *cmd, sos_cli *cli, int argc, char **argv);
/* getopt_long over argv (argv[0] a command or verb word) into opts, a
 * zeroed struct of cmd->opts_size bytes; options and operands in any order.
 * SOS_CMD_GO with the operands, in the order given, moved to the end of
 * argv from *first on; or the exit code to stop with: 0 after --help, 64
 * after an unknown option or a missing value (usage printed). */
int sos_cmd_getopt(const sos_cmd *cmd, sos_cli *cli, int argc, char **argv, void *opts, int *first);
/* "usage: sos <command> <verb> <synopsis>", a line a verb, then about. */
void sos_cmd_usage(const sos_cmd *cmd, FILE *f);
/* Prints the usage on stderr; returns 64 (EX_USAGE). */
int sos_cmd_misuse(const sos_cmd *cmd);

/* s as a whole number from min to max: decimal digits only, no sign,
 * space, base prefix or trailing junk. 0 and *out, or -1 with errno EINVAL
 * (not such a number) or ERANGE (one outside min..max; *out untouched). */
int sos_cmd_parse_u64(const char *s, uint64_t min, uint64_t max, uint64_t *out);
/* sos_cmd_parse_u64 for the value of --opt: 0, or 65 (EX_DATAERR) after
 * printing "sos: --<opt> must be <what> from <min> to <max>". what: "a
 * whole number", "a whole number of seconds", ... */
int sos_cmd_number(const char *opt, const char *what, const char *s, uint64_t min, uint64_t max,
                   uint64_t *out);

/* Loads the editor's key (sos_cli_editor: --editor-key or the default)
 * into x->editor and fills *ed to sign with it now. 0, or the exit code
 * after saying what is wrong (66, 77). */
int sos_cmd_signer(sos_cmd_ctx *x, sos_clnt_editor *ed);
/* Connects x->clnt to service, once a verb; the exit code on failure. */
int sos_cmd_connect(sos_cmd_ctx *x, const char *service);
/* rc is a stub's return and reply what it gave (a *Reply message, unread
 * unless rc is SOS_CLNT_OK). x keeps the reply, freeing the one before;
 * the verb may read it until its next sos_cmd_reply or its return.
 * Returns 0, or the exit code after printing why (no answer, a reply that
 * does not parse, a refusal). */
int sos_cmd_reply(sos_cmd_ctx *x, int rc, void *reply);
/* sos_cmd_reply, but a refusal is not printed: *refusal is set to its
 * Status (borrowed from x->reply) for the verb to word, and the exit code
 * it maps to returned. *refusal is NULL otherwise. */
int sos_cmd_answer(sos_cmd_ctx *x, int rc, void *reply, const Sos__Status **refusal);
/* Prints "sos: <action> refused (<code>): <message>" on stderr; the exit
 * code. The action from sos_cmd_action(x->service, x->cmd->name). */
int sos_cmd_refused(const sos_cmd_ctx *x, const Sos__Status *st);
/* What a person was doing when service answered, for messages: "take",
 * "tool", "panel key", "verdict", "comparison", "pull"; from one table of
 * (service, command word); service itself when the pair is not in it.
 * Static. */
const char *sos_cmd_action(const char *service, const char *command);

/* Unset (NULL) or empty: a required option's value counts as missing. */
bool sos_cmd_missing(const char *value);
/* Writes into out (size cap, always terminated) the names of the n options
 * whose values are missing (sos_cmd_missing), ", "-separated, as given
 * ("--tool", "--ship or --skip"); returns how many. */
size_t sos_cmd_missing_list(const char *const *names, const char *const *values, size_t n,
                            char *out, size_t cap);

/* A text table: rows are kept until sos_cmd_table_print, which sizes each
 * column to its widest cell (UTF-8 characters, never truncated), pads all
 * but the last, and forgets the rows; print once per page to stream. */
#define SOS_CMD_TABLE_MAX_COLS 8
typedef struct {
    size_t cols, rows, cap;
    char **cells;      /* rows * cols, owned */
    const char *align; /* a letter a column: 'r' right, else left */
} sos_cmd_table;
/* An empty table of cols columns; align as above (borrowed, may be NULL). */
void sos_cmd_table_init(sos_cmd_table *t, size_t cols, const char *align);
/* Adds a row of t->cols cells (copied; NULL is ""). */
void sos_cmd_table_row(sos_cmd_table *t, const char *const *cells);
void sos_cmd_table_print(sos_cmd_table *t, FILE *f);
void sos_cmd_table_free(sos_cmd_table *t);

/* The name nearest to word among n names, the first at names and each
 * stride bytes after the one before (&table[0].name, sizeof table[0]);
 * NULL names are passed over. Nearest: the only name word begins, else
 * the fewest edits (insert, delete, change, swap two neighbours) when at
 * most 2 and at most half the longer word's length; the earlier on a tie.
 * NULL when none is near. Borrowed from the table. */
const char *sos_cmd_suggest(const char *word, const char *const *names, size_t n, size_t stride);
/* The id among the n ids (an array of strings) that word most likely
 * means: the slug of word (sos_text_slug: "Mistral Small 3.1" is
 * "mistral-small-3-1") when it is one of them, else sos_cmd_suggest's.
 * NULL when none; borrowed from ids. */
const char *sos_cmd_suggest_id(const char *word, const char *const *ids, size_t n);
/* Prints "sos: [<cmd>: ]unknown <what> 'word'[; did you mean 'x'?]" and a
 * blank line on stderr; x from sos_cmd_suggest. cmd may be NULL. */
void sos_cmd_unknown(const char *cmd, const char *what, const char *word, const char *const *names,
                     size_t n, size_t stride);

#endif
