/* unit.sos.cmd: the nearest-name suggestion behind "did you mean", and
 * options parsed from a command's table. */
#include "testutil.h"

#include <string.h>
#include <sysexits.h>

#include "cmd.h"

static const char *const s_commands[] = {"keygen",  "panel",   "tool",   "take",
                                         "verdict", "compare", "pull",   "import",
                                         "render",  "verify",  "status", "backup"};

/* Fails the test unless word gets want (NULL: no suggestion). */
static void s_expect(const char *word, const char *want, const char *const *names, size_t n,
                     size_t stride)
{
    const char *got = sos_cmd_suggest(word, names, n, stride);
    if (!got != !want || (got && strcmp(got, want) != 0))
        fail_msg("'%s': suggested %s, wanted %s", word, got ? got : "none", want ? want : "none");
}

static void test_suggest_table(void **state)
{
    (void)state;
    static const struct {
        const char *word, *want; /* want NULL: no suggestion */
    } cases[] = {
        {"tol", "tool"},      /* a letter missing */
        {"toool", "tool"},    /* one too many */
        {"tkae", "take"},     /* two neighbours swapped */
        {"verfiy", "verify"}, /* swapped, in a longer word */
        {"pannel", "panel"},  /* doubled */
        {"bakcup", "backup"}, /* swapped */
        {"imprt", "import"},  /* missing */
        {"rendr", "render"},  /* missing */
        {"Tool", "tool"},     /* case is one change */
        {"comp", "compare"},  /* the only name it begins */
        {"stat", "status"},   /* the only name it begins */
        {"k", "keygen"},      /* a one-letter unique beginning */
        {"tool", "tool"},     /* itself */
        {"t", NULL},          /* begins tool and take, near neither */
        {"ver", NULL},        /* begins verdict and verify, 3 edits from each */
        {"xyz", NULL},        /* near nothing */
        {"pl", "pull"},       /* 2 edits, half the longer word */
        {"tx", NULL},         /* 3 edits from tool and take */
        {"", NULL},           /* nothing typed */
        {"--json", NULL},     /* an option, not a word */
        {"statusstatusstatusstatusstatusstatus", NULL}, /* longer than a word is cut */
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
        s_expect(cases[i].word, cases[i].want, s_commands, SOS_CMD_N(s_commands),
                 sizeof s_commands[0]);
}

static int s_noop(sos_cmd_ctx *x)
{
    (void)x;
    return 0;
}

/* A verb table, as the commands have: NULL names are passed over, an
 * earlier name wins a tie. */
static void test_suggest_verbs(void **state)
{
    (void)state;
    static const sos_cmd_verb verbs[] = {
        {"file", s_noop, "", 0, NULL}, {"list", s_noop, "", 0, NULL}, {NULL, s_noop, "", 0, NULL},
        {"show", s_noop, "", 0, NULL}, {"shop", s_noop, "", 0, NULL}, {"add", s_noop, "", 0, NULL},
    };
    static const struct {
        const char *word, *want;
    } cases[] = {
        {"fiel", "file"}, {"lst", "list"}, {"ls", "list"},   {"lis", "list"},
        {"f", "file"},    {"sho", "show"}, {"shwo", "show"}, {"x", NULL},
        {"ad", "add"},    {"ab", NULL}, /* 2 edits: more than half of "add" */
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
        s_expect(cases[i].word, cases[i].want, &verbs[0].name, SOS_CMD_N(verbs), sizeof verbs[0]);
}

typedef struct {
    const char *out, *verdict;
} s_opts_t;

static const sos_cmd_opt s_opts[] = {
    SOS_CMD_VALUE("out", 'o', s_opts_t, out),
    SOS_CMD_FLAG("ship", 'S', s_opts_t, verdict),
    SOS_CMD_FLAG("skip", 'K', s_opts_t, verdict),
    SOS_CMD_OPT_JSON,
};
static const sos_cmd_verb s_verbs[] = {{NULL, s_noop, "--out FILE", 0, NULL}};
static const sos_cmd s_cmd = {"test", SOS_CMD_TABLE(s_verbs), SOS_CMD_TABLE(s_opts),
                              sizeof(s_opts_t), NULL};

/* getopt_long over the table: long, short and abbreviated names, the last
 * flag of a field wins, --json sets cli->json, operands follow. */
static void test_getopt(void **state)
{
    (void)state;
    sos_cli cli = {0};
    s_opts_t o = {0};
    int first = 0;
    char *argv[] = {"test", "--ou", "x", "--ship", "-K", "-j", "rest", NULL};
    assert_int_equal(sos_cmd_getopt(&s_cmd, &cli, 7, argv, &o, &first), SOS_CMD_GO);
    assert_string_equal(o.out, "x");
    assert_string_equal(o.verdict, "skip");
    assert_true(cli.json);
    assert_int_equal(first, 6);
    assert_string_equal(argv[first], "rest");

    char *help[] = {"test", "-o", "y", "--help", NULL};
    memset(&o, 0, sizeof o);
    assert_int_equal(sos_cmd_getopt(&s_cmd, &cli, 4, help, &o, &first), EX_OK);
    char *bad[] = {"test", "--bogus", NULL};
    assert_int_equal(sos_cmd_getopt(&s_cmd, &cli, 2, bad, &o, &first), EX_USAGE);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_suggest_table),
        cmocka_unit_test(test_suggest_verbs),
        cmocka_unit_test(test_getopt),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
