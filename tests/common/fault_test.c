/* unit.common.fault: the line a dying process writes (fault.h).
 *
 * sos_fault_format, table-driven: the date computed by hand (gmtime_r is
 * not async-signal-safe) agrees with gmtime_r's; the address in hex; the
 * fields in logfmt; never past cap. Then for real: a child that installs
 * the handler and faults (a SIGSEGV on a bad address, a SIGBUS on a mapped
 * file cut short, as a damaged store does) still dies of that signal, and
 * its stderr holds exactly one store.fault line with the address. */
#define _GNU_SOURCE
#include "testutil.h"

#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "fault.h"

static void test_format_table(void **state)
{
    (void)state;
    static const struct {
        int64_t ms;
        int sig;
        uintptr_t addr;
        int in_map;
        const char *want;
    } cases[] = {
        {0, SIGSEGV, 0, -1,
         "ts=1970-01-01T00:00:00.000Z level=error svc=scoring event=store.fault signal=SIGSEGV "
         "addr=0x0 in_map=unknown "},
        {951782400123, SIGBUS, 0x7f12ab00cdefu, 1, /* 2000-02-29, a leap day */
         "ts=2000-02-29T00:00:00.123Z level=error svc=scoring event=store.fault signal=SIGBUS "
         "addr=0x7f12ab00cdef in_map=1 "},
        {1796592011325, SIGSEGV, 0xdeadbeefu, 0,
         "ts=2026-12-06T21:20:11.325Z level=error svc=scoring event=store.fault signal=SIGSEGV "
         "addr=0xdeadbeef in_map=0 "},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char line[SOS_FAULT_LINE_MAX];
        size_t n = sos_fault_format(line, sizeof line, cases[i].ms, "scoring", cases[i].sig,
                                    (const void *)cases[i].addr, cases[i].in_map);
        assert_true(n > 0 && n < sizeof line);
        assert_int_equal(line[n - 1], '\n');
        assert_memory_equal(line, cases[i].want, strlen(cases[i].want));
        assert_non_null(memmem(line, n, "msg=\"", 5));
        assert_null(memchr(line, '\n', n - 1)); /* one line */
    }
}

/* The hand-made date against gmtime_r, a day at a time over 1970-2100. */
static void test_format_dates(void **state)
{
    (void)state;
    for (int64_t s = 0; s < 4102444800; s += 86400 + 3661) {
        char line[SOS_FAULT_LINE_MAX], want[64];
        time_t t = (time_t)s;
        struct tm tm;
        gmtime_r(&t, &tm);
        snprintf(want, sizeof want, "ts=%04d-%02d-%02dT%02d:%02d:%02d.000Z", tm.tm_year + 1900,
                 tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec);
        sos_fault_format(line, sizeof line, s * 1000, "x", SIGBUS, NULL, -1);
        assert_memory_equal(line, want, strlen(want));
    }
}

static void test_format_short_buffer(void **state)
{
    (void)state;
    char line[40];
    memset(line, 'z', sizeof line);
    size_t n = sos_fault_format(line, 32, 0, "scoring", SIGBUS, NULL, -1);
    assert_true(n <= 32);
    assert_int_equal(line[n - 1], '\n');
    assert_int_equal(line[32], 'z'); /* nothing past cap */
}

/* Runs fn in a child with the handler installed and stderr to a pipe; the
 * signal it died of, and its stderr in out. */
static int s_child(void (*fn)(void), char *out, size_t cap)
{
    int p[2];
    assert_int_equal(pipe(p), 0);
    fflush(NULL);
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        dup2(p[1], STDERR_FILENO);
        close(p[0]);
        /* cmocka's own handlers are inherited: the default, as in a daemon */
        signal(SIGSEGV, SIG_DFL);
        signal(SIGBUS, SIG_DFL);
        if (sos_fault_install("faulty") != 0)
            _exit(3);
        fn();
        _exit(4); /* not reached */
    }
    close(p[1]);
    size_t n = 0;
    for (ssize_t r; n + 1 < cap && (r = read(p[0], out + n, cap - 1 - n)) > 0;)
        n += (size_t)r;
    out[n] = '\0';
    close(p[0]);
    int st;
    assert_int_equal(waitpid(pid, &st, 0), pid);
    assert_true(WIFSIGNALED(st));
    return WTERMSIG(st);
}

static void s_segv(void)
{
    volatile uintptr_t a = 0x10; /* hidden from the compiler's bounds checks */
    *(volatile int *)a = 1;
}

/* A file mapped past its end, as LMDB maps a store cut short. */
static void s_bus(void)
{
    char path[] = "/tmp/sos-fault-XXXXXX";
    int fd = mkstemp(path);
    if (fd < 0 || ftruncate(fd, 4096) != 0)
        _exit(5);
    volatile char *m = mmap(NULL, 8 * 4096, PROT_READ, MAP_SHARED, fd, 0);
    unlink(path);
    if (m == MAP_FAILED)
        _exit(6);
    sos_fault_map((const void *)m, 8 * 4096);
    (void)m[5 * 4096];
}

static void test_handler_segv(void **state)
{
    (void)state;
    char out[4096];
    assert_int_equal(s_child(s_segv, out, sizeof out), SIGSEGV);
    assert_non_null(strstr(out, "svc=faulty event=store.fault signal=SIGSEGV addr=0x10 "));
    assert_non_null(strstr(out, "in_map=unknown"));
    assert_null(strchr(strchr(out, '\n') + 1, '\n')); /* one line only */
}

static void test_handler_sigbus_in_map(void **state)
{
    (void)state;
    char out[4096];
    assert_int_equal(s_child(s_bus, out, sizeof out), SIGBUS);
    assert_non_null(strstr(out, "event=store.fault signal=SIGBUS addr=0x"));
    assert_non_null(strstr(out, "in_map=1"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_format_table),          cmocka_unit_test(test_format_dates),
        cmocka_unit_test(test_format_short_buffer),   cmocka_unit_test(test_handler_segv),
        cmocka_unit_test(test_handler_sigbus_in_map),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
