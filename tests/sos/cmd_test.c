/* unit.sos.cmd: the nearest-name suggestion behind "did you mean",
 * options parsed from a command's table (in any order with the operands),
 * and the one strict number parser every option value goes through. */
#include "testutil.h"

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
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

/* Options after operands, between them, and before them all come out the
 * same: the operands in order at argv[first..], the options set. "--" ends
 * the options. --json is taken although this table has no json entry,
 * and works with POSIXLY_CORRECT set. */
static void test_getopt_order(void **state)
{
    (void)state;
    static const sos_cmd_opt opts[] = {SOS_CMD_VALUE("out", 'o', s_opts_t, out)};
    static const sos_cmd cmd = {"order", SOS_CMD_TABLE(s_verbs), SOS_CMD_TABLE(opts),
                                sizeof(s_opts_t), NULL};
    static const struct {
        int argc;
        const char *argv[7];
        int operands; /* want: "A" then "B" (then "--x" after --) */
        bool json;
    } cases[] = {
        {5, {"order", "--out", "x", "A", "B"}, 2, false},
        {5, {"order", "A", "B", "--out", "x"}, 2, false},
        {5, {"order", "A", "--out", "x", "B"}, 2, false},
        {6, {"order", "A", "B", "--out", "x", "--json"}, 2, true},
        {6, {"order", "--json", "A", "-o", "x", "B"}, 2, true},
        {6, {"order", "A", "-ox", "-j", "--", "B"}, 2, true},
        {6, {"order", "A", "--out=x", "--", "B", "--json"}, 3, false}, /* --json an operand */
    };
    for (int pass = 0; pass < 2; pass++) {
        if (pass)
            setenv("POSIXLY_CORRECT", "1", 1);
        for (size_t i = 0; i < SOS_CMD_N(cases); i++) {
            char *argv[8] = {0};
            sos_cli cli = {0};
            s_opts_t o = {0};
            int first = -1;
            for (int a = 0; a < cases[i].argc; a++)
                argv[a] = (char *)cases[i].argv[a];
            assert_int_equal(sos_cmd_getopt(&cmd, &cli, cases[i].argc, argv, &o, &first),
                             SOS_CMD_GO);
            if (!o.out || strcmp(o.out, "x") != 0 || cli.json != cases[i].json ||
                cases[i].argc - first != cases[i].operands || strcmp(argv[first], "A") != 0 ||
                strcmp(argv[first + 1], "B") != 0)
                fail_msg("case %zu (POSIXLY_CORRECT %s): out %s, json %d, %d operands from %s", i,
                         pass ? "set" : "unset", o.out ? o.out : "unset", cli.json,
                         cases[i].argc - first, first < cases[i].argc ? argv[first] : "-");
            if (cases[i].operands == 3)
                assert_string_equal(argv[first + 2], "--json");
        }
    }
    unsetenv("POSIXLY_CORRECT");
}

/* Decimal digits only, each bound checked, ERANGE past it or past
 * UINT64_MAX; EINVAL for anything else. *out is set only on success. */
static void test_parse_u64(void **state)
{
    (void)state;
    static const struct {
        const char *s;
        uint64_t min, max;
        int err; /* 0: parses to want */
        uint64_t want;
    } cases[] = {
        {"0", 0, 100, 0, 0},
        {"100", 0, 100, 0, 100},
        {"007", 0, 100, 0, 7}, /* leading zeros are decimal, not octal */
        {"101", 0, 100, ERANGE, 0},
        {"0", 1, 100, ERANGE, 0},
        {"18446744073709551615", 0, UINT64_MAX, 0, UINT64_MAX},
        {"18446744073709551616", 0, UINT64_MAX, ERANGE, 0}, /* UINT64_MAX + 1 */
        {"99999999999999999999999", 0, UINT64_MAX, ERANGE, 0},
        {"9223372036854775807", 0, INT64_MAX, 0, INT64_MAX},
        {"9223372036854775808", 0, INT64_MAX, ERANGE, 0},
        {"-1", 0, UINT64_MAX, EINVAL, 0}, /* strtoull: UINT64_MAX */
        {"+1", 0, 100, EINVAL, 0},
        {"abc", 0, UINT64_MAX, EINVAL, 0},   /* atoi: 0 */
        {"0x10", 0, UINT64_MAX, EINVAL, 0},  /* strtoull base 10: 0 */
        {"12abc", 0, UINT64_MAX, EINVAL, 0}, /* strtoull: 12 */
        {" 12", 0, 100, EINVAL, 0},
        {"12 ", 0, 100, EINVAL, 0},
        {"1e3", 0, 10000, EINVAL, 0},
        {"1.5", 0, 100, EINVAL, 0},
        {"", 0, 100, EINVAL, 0},
        {"99999999999999999999x", 0, UINT64_MAX, EINVAL, 0}, /* junk wins over range */
    };
    for (size_t i = 0; i < SOS_CMD_N(cases); i++) {
        uint64_t v = 12345;
        errno = 0;
        int rc = sos_cmd_parse_u64(cases[i].s, cases[i].min, cases[i].max, &v);
        if (cases[i].err ? rc != -1 || errno != cases[i].err || v != 12345
                         : rc != 0 || v != cases[i].want)
            fail_msg("'%s' in %llu..%llu: rc %d errno %d value %llu", cases[i].s,
                     (unsigned long long)cases[i].min, (unsigned long long)cases[i].max, rc, errno,
                     (unsigned long long)v);
    }
    uint64_t v;
    assert_int_equal(sos_cmd_parse_u64(NULL, 0, 1, &v), -1);
    assert_int_equal(sos_cmd_number("filed-at", "a whole number", "-1", 0, 10, &v), EX_DATAERR);
    assert_int_equal(sos_cmd_number("filed-at", "a whole number", "10", 0, 10, &v), 0);
    assert_int_equal(v, 10);
}

/* Refusals name what the person was doing, from one table. */
static void test_action(void **state)
{
    (void)state;
    static const struct {
        const char *service, *command, *want;
    } cases[] = {
        {"scoring", "take", "take"},
        {"scoring", "verdict", "verdict"},
        {"aggregation", "verdict", "verdict"},
        {"submission", "tool", "tool"},
        {"submission", "panel", "panel key"},
        {"submission", "compare", "comparison"},
        {"publishing", "pull", "pull"},
        {"scoring", "render", "scoring"}, /* not in the table: the service */
        {NULL, "take", "request"},
    };
    for (size_t i = 0; i < SOS_CMD_N(cases); i++)
        assert_string_equal(sos_cmd_action(cases[i].service, cases[i].command), cases[i].want);
}

/* A missing option is named alone; empty counts as missing. */
static void test_missing(void **state)
{
    (void)state;
    const char *const names[] = {"--key", "--tool", "--ship or --skip"};
    const char *const all[] = {"k", "t", "ship"}, *none[] = {NULL, "", NULL},
                      *tool[] = {"k", "", "skip"};
    char out[64];
    assert_int_equal(sos_cmd_missing_list(names, all, 3, out, sizeof out), 0);
    assert_string_equal(out, "");
    assert_int_equal(sos_cmd_missing_list(names, tool, 3, out, sizeof out), 1);
    assert_string_equal(out, "--tool");
    assert_int_equal(sos_cmd_missing_list(names, none, 3, out, sizeof out), 3);
    assert_string_equal(out, "--key, --tool, --ship or --skip");
    char small[8]; /* cut, still terminated */
    assert_int_equal(sos_cmd_missing_list(names, none, 3, small, sizeof small), 3);
    assert_string_equal(small, "--key, ");
    assert_true(sos_cmd_missing(NULL) && sos_cmd_missing("") && !sos_cmd_missing(" "));
}

/* The id meant: the slug of what was typed, else the nearest id. */
static void test_suggest_id(void **state)
{
    (void)state;
    static const char *const ids[] = {"mistral-small-3-1", "claude", "gpt-4o"};
    assert_string_equal(sos_cmd_suggest_id("Mistral Small 3.1", ids, 3), "mistral-small-3-1");
    assert_string_equal(sos_cmd_suggest_id("mistral-smal-3-1", ids, 3), "mistral-small-3-1");
    assert_string_equal(sos_cmd_suggest_id("Claude", ids, 3), "claude");
    assert_null(sos_cmd_suggest_id("no-such-tool", ids, 3));
    assert_null(sos_cmd_suggest_id("x", ids, 0));
}

/* Columns sized to the widest cell in characters, never cut; right or
 * left; no padding after a row's last word; printing empties the table. */
static void test_table(void **state)
{
    (void)state;
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    sos_cmd_table t;
    sos_cmd_table_init(&t, 4, "rlll");
    const char *r1[] = {"7", "verdict", "A Tool Whose Name Runs Past Twenty-Eight", "Ship · 1"};
    const char *r2[] = {"12", "comparison", "a-vs-b", NULL};
    const char *r3[] = {"13", "verdict", "Ünï", "Skip · 2"};
    sos_cmd_table_row(&t, r1);
    sos_cmd_table_row(&t, r2);
    sos_cmd_table_row(&t, r3);
    sos_cmd_table_print(&t, f);
    assert_int_equal(t.rows, 0);
    sos_cmd_table_print(&t, f); /* empty: nothing */
    fclose(f);
    assert_string_equal(buf,
                        " 7  verdict     A Tool Whose Name Runs Past Twenty-Eight  Ship · 1\n"
                        "12  comparison  a-vs-b\n"
                        "13  verdict     Ünï                                       Skip · 2\n");
    free(buf);
    sos_cmd_table_free(&t);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_suggest_table), cmocka_unit_test(test_suggest_verbs),
        cmocka_unit_test(test_getopt),        cmocka_unit_test(test_getopt_order),
        cmocka_unit_test(test_parse_u64),     cmocka_unit_test(test_action),
        cmocka_unit_test(test_missing),       cmocka_unit_test(test_suggest_id),
        cmocka_unit_test(test_table),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
