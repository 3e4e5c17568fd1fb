/* unit.common.conf: defaults, INI overrides, errors. */
#include "testutil.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "conf.h"

typedef struct {
    char dir[64];
    char ini[128];
    char err[512];
    sos_conf *c;
} fx;

static int s_setup(void **state)
{
    fx *f = calloc(1, sizeof *f);
    assert_non_null(f);
    tu_tmpdir(f->dir);
    snprintf(f->ini, sizeof f->ini, "%s/sos.ini", f->dir);
    *state = f;
    return 0;
}

static int s_teardown(void **state)
{
    fx *f = *state;
    sos_conf_destroy(&f->c);
    tu_rmrf(f->dir);
    free(f);
    return 0;
}

static void s_write(const char *path, const char *text)
{
    FILE *fp = fopen(path, "w");
    assert_non_null(fp);
    assert_int_equal(fputs(text, fp) >= 0, 1);
    assert_int_equal(fclose(fp), 0);
}

static void s_expect(const sos_conf *c, const char *section, const char *key, const char *want)
{
    const char *got = sos_conf_get(c, section, key);
    if (!got || strcmp(got, want) != 0)
        fail_msg("[%s] %s = \"%s\", want \"%s\"", section, key, got ? got : "(null)", want);
}

static const char *const s_svcs[] = {"submission", "scoring", "aggregation", "publishing"};

static void test_defaults(void **state)
{
    fx *f = *state;
    char want[512];
    assert_int_equal(sos_conf_load(NULL, f->dir, &f->c, f->err, sizeof f->err), 0);
    s_expect(f->c, "paths", "home", f->dir);
    snprintf(want, sizeof want, "%s/run", f->dir);
    s_expect(f->c, "paths", "run_dir", want);
    snprintf(want, sizeof want, "%s/data", f->dir);
    s_expect(f->c, "paths", "data_dir", want);
    snprintf(want, sizeof want, "%s/keys", f->dir);
    s_expect(f->c, "paths", "key_dir", want);
    for (size_t i = 0; i < 4; i++) {
        snprintf(want, sizeof want, "ipc://%s/run/%s.api", f->dir, s_svcs[i]);
        s_expect(f->c, s_svcs[i], "api", want);
        snprintf(want, sizeof want, "ipc://%s/run/%s.events", f->dir, s_svcs[i]);
        s_expect(f->c, s_svcs[i], "events", want);
    }
    assert_null(sos_conf_get(f->c, "scoring", "quorum"));
    assert_null(sos_conf_get(f->c, "nosuch", "api"));
    long long q = 0;
    assert_int_equal(sos_conf_int(f->c, "scoring", "quorum", 4, &q), 0);
    assert_int_equal(q, 4);
    /* loading creates nothing */
    snprintf(want, sizeof want, "%s/run", f->dir);
    assert_int_not_equal(access(want, F_OK), 0);
}

static void test_relative_home(void **state)
{
    fx *f = *state;
    char cwd[PATH_MAX], want[PATH_MAX + 64];
    assert_non_null(getcwd(cwd, sizeof cwd));
    assert_int_equal(sos_conf_load(NULL, "rel/home", &f->c, f->err, sizeof f->err), 0);
    snprintf(want, sizeof want, "%s/rel/home", cwd);
    s_expect(f->c, "paths", "home", want);
}

static void test_home_precedence(void **state)
{
    fx *f = *state;
    char want[512];
    /* $SOS_HOME is used only when neither the argument nor the file says */
    assert_int_equal(setenv("SOS_HOME", "/env/home", 1), 0);
    assert_int_equal(sos_conf_load(NULL, NULL, &f->c, f->err, sizeof f->err), 0);
    s_expect(f->c, "paths", "home", "/env/home");
    sos_conf_destroy(&f->c);

    s_write(f->ini, "[paths]\nhome = /file/home\n");
    assert_int_equal(sos_conf_load(f->ini, NULL, &f->c, f->err, sizeof f->err), 0);
    s_expect(f->c, "paths", "home", "/file/home");
    s_expect(f->c, "scoring", "api", "ipc:///file/home/run/scoring.api");
    sos_conf_destroy(&f->c);

    assert_int_equal(sos_conf_load(f->ini, f->dir, &f->c, f->err, sizeof f->err), 0);
    s_expect(f->c, "paths", "home", f->dir);
    snprintf(want, sizeof want, "ipc://%s/run/scoring.api", f->dir);
    s_expect(f->c, "scoring", "api", want);
    unsetenv("SOS_HOME");
}

static void test_overrides(void **state)
{
    fx *f = *state;
    s_write(f->ini, "; comment\n"
                    "[paths]\n"
                    "run_dir = /srv/sos/sockets\n"
                    "data_dir = /srv/sos/db\n"
                    "\n"
                    "[submission]\n"
                    "api = tcp://127.0.0.1:7001\n"
                    "[scoring]\n"
                    "quorum = 3\n"
                    "bad = 12x\n"
                    "empty =\n"
                    "neg = -7\n"
                    "huge = 99999999999999999999999\n"
                    "[store]\n"
                    "map_size = 65536\n"
                    "[log]\n"
                    "level = debug\n");
    assert_int_equal(sos_conf_load(f->ini, "/h", &f->c, f->err, sizeof f->err), 0);
    s_expect(f->c, "paths", "run_dir", "/srv/sos/sockets");
    s_expect(f->c, "paths", "data_dir", "/srv/sos/db");
    s_expect(f->c, "paths", "key_dir", "/h/keys"); /* still defaulted */
    s_expect(f->c, "submission", "api", "tcp://127.0.0.1:7001");
    s_expect(f->c, "submission", "events", "ipc:///srv/sos/sockets/submission.events");
    s_expect(f->c, "publishing", "api", "ipc:///srv/sos/sockets/publishing.api");
    s_expect(f->c, "log", "level", "debug");

    static const struct {
        const char *section, *key;
        long long dflt;
        int rc;
        long long want;
    } ints[] = {
        {"scoring", "quorum", 4, 0, 3},
        {"store", "map_size", 1, 0, 65536},
        {"store", "map_max", 8589934592ll, 0, 8589934592ll}, /* unset: default */
        {"scoring", "neg", 0, 0, -7},
        {"scoring", "bad", 4, -1, 0},
        {"scoring", "empty", 4, -1, 0},
        {"scoring", "huge", 4, -1, 0},
        {"log", "level", 1, -1, 0},
    };
    for (size_t i = 0; i < sizeof ints / sizeof ints[0]; i++) {
        long long v = 12345;
        int rc = sos_conf_int(f->c, ints[i].section, ints[i].key, ints[i].dflt, &v);
        if (rc != ints[i].rc || (rc == 0 && v != ints[i].want))
            fail_msg("[%s] %s: rc=%d v=%lld, want rc=%d v=%lld", ints[i].section, ints[i].key, rc,
                     v, ints[i].rc, ints[i].want);
    }
}

static void test_errors(void **state)
{
    fx *f = *state;
    s_write(f->ini, "[paths]\nhome = /x\nthis line has no equals sign\n[scoring]\n");
    f->err[0] = '\0';
    assert_int_equal(sos_conf_load(f->ini, NULL, &f->c, f->err, sizeof f->err), -1);
    assert_null(f->c);
    assert_non_null(strstr(f->err, ":3: syntax error"));
    assert_non_null(strstr(f->err, f->ini));

    s_write(f->ini, "[unterminated\n");
    assert_int_equal(sos_conf_load(f->ini, NULL, &f->c, f->err, sizeof f->err), -1);
    assert_non_null(strstr(f->err, ":1: syntax error"));

    char missing[160];
    snprintf(missing, sizeof missing, "%s/missing.ini", f->dir);
    f->err[0] = '\0';
    assert_int_equal(sos_conf_load(missing, NULL, &f->c, f->err, sizeof f->err), -1);
    assert_null(f->c);
    assert_non_null(strstr(f->err, "cannot read"));
}

static void test_ipc_too_long(void **state)
{
    fx *f = *state;
    char home[256];
    /* ipc://<home>/run/aggregation.events must fit sun_path (107 bytes) */
    size_t fixed = strlen("/run/aggregation.events");
    memset(home, 0, sizeof home);
    home[0] = '/';
    memset(home + 1, 'h', 107 - fixed - 1); /* path exactly 107 bytes: accepted */
    assert_int_equal(sos_conf_load(NULL, home, &f->c, f->err, sizeof f->err), 0);
    assert_int_equal(strlen(sos_conf_get(f->c, "aggregation", "events")), 6 + 107);
    sos_conf_destroy(&f->c);

    home[strlen(home)] = 'h'; /* one more byte: refused */
    f->err[0] = '\0';
    assert_int_equal(sos_conf_load(NULL, home, &f->c, f->err, sizeof f->err), -1);
    assert_null(f->c);
    assert_non_null(strstr(f->err, "ipc path too long"));

    /* an explicit endpoint for every socket lifts the limit */
    s_write(f->ini, "[submission]\napi = tcp://a:1\nevents = tcp://a:2\n"
                    "[scoring]\napi = tcp://a:3\nevents = tcp://a:4\n"
                    "[aggregation]\napi = tcp://a:5\nevents = tcp://a:6\n"
                    "[publishing]\napi = tcp://a:7\nevents = tcp://a:8\n");
    assert_int_equal(sos_conf_load(f->ini, home, &f->c, f->err, sizeof f->err), 0);
    s_expect(f->c, "aggregation", "events", "tcp://a:6");
}

static void test_mkdirs(void **state)
{
    fx *f = *state;
    char path[256];
    struct stat st;
    snprintf(path, sizeof path, "%s/a/b/run", f->dir);
    assert_int_equal(sos_conf_mkdirs(path, 0700), 0);
    assert_int_equal(stat(path, &st), 0);
    assert_true(S_ISDIR(st.st_mode));
    assert_int_equal(st.st_mode & 0077, 0);           /* umask can only take bits away */
    assert_int_equal(sos_conf_mkdirs(path, 0700), 0); /* exists: fine */
    snprintf(path, sizeof path, "%s/sos.ini", f->dir);
    s_write(path, "");
    snprintf(path, sizeof path, "%s/sos.ini/sub", f->dir);
    assert_int_equal(sos_conf_mkdirs(path, 0700), -1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_defaults, s_setup, s_teardown),
        cmocka_unit_test_setup_teardown(test_relative_home, s_setup, s_teardown),
        cmocka_unit_test_setup_teardown(test_home_precedence, s_setup, s_teardown),
        cmocka_unit_test_setup_teardown(test_overrides, s_setup, s_teardown),
        cmocka_unit_test_setup_teardown(test_errors, s_setup, s_teardown),
        cmocka_unit_test_setup_teardown(test_ipc_too_long, s_setup, s_teardown),
        cmocka_unit_test_setup_teardown(test_mkdirs, s_setup, s_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
