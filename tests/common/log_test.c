/* unit.common.log: lines held for a transaction reach stderr only on
 * release with keep, in order and whole; dropped otherwise; error lines are
 * never held; a held batch is written in line-aligned pieces of at most
 * PIPE_BUF bytes (so writers sharing a pipe do not interleave); repeated
 * warn and error lines are counted past a burst and summed up once their
 * window is over. */
#define _GNU_SOURCE /* F_SETPIPE_SZ */
#include "testutil.h"

#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "log.h"

typedef struct {
    int saved;   /* the real stderr */
    int pipe[2]; /* stderr while the test runs */
} capture;

static void s_capture(capture *c)
{
    fflush(stderr);
    assert_int_equal(pipe(c->pipe), 0);
    /* large enough for every test's output, so writes never block */
    assert_true(fcntl(c->pipe[1], F_SETPIPE_SZ, 1 << 20) >= (1 << 20));
    c->saved = dup(STDERR_FILENO);
    assert_true(c->saved >= 0);
    assert_true(dup2(c->pipe[1], STDERR_FILENO) >= 0);
    assert_int_equal(fcntl(c->pipe[0], F_SETFL, O_NONBLOCK), 0);
}

/* Everything written to the pipe since the last read, into buf
 * (NUL-terminated); its length. */
static size_t s_read(capture *c, char *buf, size_t cap)
{
    size_t n = 0;
    for (;;) {
        ssize_t r = read(c->pipe[0], buf + n, cap - 1 - n);
        if (r <= 0)
            break;
        n += (size_t)r;
    }
    buf[n] = '\0';
    return n;
}

static void s_restore(capture *c)
{
    assert_true(dup2(c->saved, STDERR_FILENO) >= 0);
    close(c->saved);
    close(c->pipe[0]);
    close(c->pipe[1]);
}

static size_t s_count(const char *hay, const char *needle)
{
    size_t n = 0;
    for (const char *p = strstr(hay, needle); p; p = strstr(p + 1, needle))
        n++;
    return n;
}

static void test_hold_keep_and_drop(void **state)
{
    (void)state;
    static char buf[1 << 20];
    capture c;
    s_capture(&c);
    sos_log_init("test", SOS_LOG_DEBUG);

    sos_log_info("plain", "n=1");
    assert_int_equal(sos_log_holding(), 0);
    assert_non_null(strstr((s_read(&c, buf, sizeof buf), buf), "event=plain n=1\n"));

    sos_log_hold();
    assert_int_equal(sos_log_holding(), 1);
    sos_log_info("held.a", "n=1");
    sos_log_debug("held.b", "n=2");
    sos_log_warn("held.c", "n=3");
    sos_log_error("urgent", "n=4"); /* never held */
    s_read(&c, buf, sizeof buf);
    assert_non_null(strstr(buf, "event=urgent n=4"));
    assert_null(strstr(buf, "held."));
    sos_log_release(1);
    assert_int_equal(sos_log_holding(), 0);
    s_read(&c, buf, sizeof buf);
    char *a = strstr(buf, "event=held.a n=1\n"), *b = strstr(buf, "event=held.b n=2\n"),
         *w = strstr(buf, "event=held.c n=3\n");
    assert_true(a && b && w && a < b && b < w); /* all, in order */
    assert_int_equal(s_count(buf, "\n"), 3);

    sos_log_hold();
    sos_log_info("dropped", "n=5");
    sos_log_release(0);
    assert_int_equal(s_read(&c, buf, sizeof buf), 0);

    /* after a release, lines go straight out again */
    sos_log_info("after", "n=6");
    assert_non_null(strstr((s_read(&c, buf, sizeof buf), buf), "event=after n=6\n"));
    s_restore(&c);
}

/* 600 held lines of about 150 bytes (several PIPE_BUF pieces): every one
 * written once, whole and in order; a line under the level is not held.
 * The size of each write is test_hold_piece_sizes'. */
static void test_hold_many_lines(void **state)
{
    (void)state;
    static char buf[1 << 20];
    capture c;
    s_capture(&c);
    sos_log_init("test", SOS_LOG_INFO);
    sos_log_hold();
    char pad[101];
    memset(pad, 'x', 100);
    pad[100] = '\0';
    for (int i = 0; i < 600; i++)
        sos_log_info("line", "i=%04d pad=%s", i, pad);
    sos_log_debug("below", "level=debug"); /* under the level: not held either */
    sos_log_release(1);
    size_t n = s_read(&c, buf, sizeof buf);
    s_restore(&c);
    assert_true(n > 600 * 100);
    assert_null(strstr(buf, "event=below"));
    const char *p = buf;
    for (int i = 0; i < 600; i++) {
        char want[32];
        snprintf(want, sizeof want, "event=line i=%04d ", i);
        const char *at = strstr(p, want);
        assert_non_null(at);
        p = at + 1;
    }
    assert_int_equal(s_count(buf, "event=line "), 600);
    assert_true(buf[n - 1] == '\n');
}

/* Past SOS_LOG_HOLD_MAX bytes a line is written at once (memory stays
 * bounded); the lines held before it come out on release. Every line is
 * written exactly once either way. */
static void test_hold_overflow(void **state)
{
    (void)state;
    static char buf[1 << 20];
    capture c;
    s_capture(&c);
    sos_log_init("test", SOS_LOG_INFO);
    char pad[201];
    memset(pad, 'z', 200);
    pad[200] = '\0';
    enum { LINES = 2000 }; /* about 530 KB: twice what can be held */
    sos_log_hold();
    for (int i = 0; i < LINES; i++)
        sos_log_info("many", "i=%04d pad=%s", i, pad);
    s_read(&c, buf, sizeof buf);
    assert_null(strstr(buf, "event=many i=0000 ")); /* the first lines are held */
    char last[32];
    snprintf(last, sizeof last, "event=many i=%04d ", LINES - 1);
    assert_non_null(strstr(buf, last)); /* the overflow went out at once */
    size_t early = s_count(buf, "event=many ");
    assert_true(early > 0 && early < LINES);
    sos_log_release(1);
    s_read(&c, buf, sizeof buf);
    s_restore(&c);
    assert_non_null(strstr(buf, "event=many i=0000 "));
    assert_int_equal(early + s_count(buf, "event=many "), LINES);
}

/* Each write(2) of a release, seen whole: stderr is a SOCK_SEQPACKET
 * socket, where one write is one record and one read returns one record.
 * Every piece is at most PIPE_BUF bytes (a pipe keeps writes that size
 * whole) and ends at a line end; together they are the 200 lines. */
static void test_hold_piece_sizes(void **state)
{
    (void)state;
    int sv[2];
    assert_int_equal(socketpair(AF_UNIX, SOCK_SEQPACKET, 0, sv), 0);
    int big = 1 << 20;
    (void)setsockopt(sv[0], SOL_SOCKET, SO_SNDBUF, &big, sizeof big);
    (void)setsockopt(sv[1], SOL_SOCKET, SO_RCVBUF, &big, sizeof big);
    fflush(stderr);
    int saved = dup(STDERR_FILENO);
    assert_true(dup2(sv[0], STDERR_FILENO) >= 0);
    sos_log_init("test", SOS_LOG_INFO);
    char pad[301];
    memset(pad, 'y', 300);
    pad[300] = '\0';
    sos_log_hold();
    for (int i = 0; i < 200; i++)
        sos_log_info("line", "i=%04d pad=%s", i, pad);
    sos_log_release(1);
    assert_true(dup2(saved, STDERR_FILENO) >= 0);
    close(saved);
    close(sv[0]);
    static char rec[1 << 16];
    size_t records = 0, lines = 0;
    ssize_t r;
    while ((r = recv(sv[1], rec, sizeof rec, MSG_DONTWAIT)) > 0) {
        records++;
        assert_true(r <= PIPE_BUF);
        assert_true(rec[r - 1] == '\n');
        for (ssize_t i = 0; i < r; i++)
            if (rec[i] == '\n')
                lines++;
    }
    close(sv[1]);
    assert_int_equal(lines, 200);
    /* about 360 bytes a line: 11 whole lines fit in PIPE_BUF */
    assert_true(records >= 200 / 11 && records < 200);
}

static long long s_fake_ms = 1000;
static long long s_fake_clock(void)
{
    return s_fake_ms;
}

/* Repeats of one warn event: SOS_LOG_BURST lines, then a count, written
 * once the window is over; other events and info lines are not touched. */
static void test_repeats_suppressed(void **state)
{
    (void)state;
    static char buf[1 << 20];
    capture c;
    s_capture(&c);
    sos_log_init("test", SOS_LOG_DEBUG);
    sos_log_clock_set(s_fake_clock);
    s_fake_ms = 1000;

    for (int i = 0; i < 2000; i++)
        sos_log_warn("request.malformed", "bytes=%d", i);
    for (int i = 0; i < 30; i++)
        sos_log_info("take.accepted", "n=%d", i); /* what was done: never suppressed */
    sos_log_warn("request.oversize", "bytes=9");  /* another event: its own window */
    s_read(&c, buf, sizeof buf);
    assert_int_equal(s_count(buf, "event=request.malformed"), SOS_LOG_BURST);
    assert_non_null(strstr(buf, "event=request.malformed bytes=0\n"));
    assert_non_null(strstr(buf, "event=request.malformed bytes=9\n"));
    assert_null(strstr(buf, "event=request.malformed bytes=10\n"));
    assert_int_equal(s_count(buf, "event=take.accepted"), 30);
    assert_int_equal(s_count(buf, "event=request.oversize"), 1);
    assert_null(strstr(buf, "log.suppressed")); /* the window is not over yet */

    /* a tick inside the window writes nothing; after it, the count */
    s_fake_ms += SOS_LOG_WINDOW_MS - 1;
    sos_log_tick();
    assert_int_equal(s_read(&c, buf, sizeof buf), 0);
    s_fake_ms += 1;
    sos_log_tick();
    s_read(&c, buf, sizeof buf);
    assert_int_equal(s_count(buf, "\n"), 1);
    assert_non_null(strstr(buf, "level=warn svc=test event=log.suppressed of=request.malformed "
                                "count=1990 window_s=10 msg=\"... and 1990 more like this in "
                                "the last 10 s\"\n"));

    /* a new window: the burst again */
    for (int i = 0; i < SOS_LOG_BURST + 2; i++)
        sos_log_error("request.malformed", "again=%d", i);
    s_read(&c, buf, sizeof buf);
    assert_int_equal(s_count(buf, "event=request.malformed"), SOS_LOG_BURST);
    /* the next line after the window's end also writes its summary */
    s_fake_ms += SOS_LOG_WINDOW_MS;
    sos_log_warn("other.event", "x=1");
    s_read(&c, buf, sizeof buf);
    assert_non_null(strstr(buf, "of=request.malformed count=2 "));
    assert_non_null(strstr(buf, "event=other.event x=1"));

    /* a stop writes what open windows suppressed */
    for (int i = 0; i < SOS_LOG_BURST + 3; i++)
        sos_log_warn("other.event", "y=%d", i);
    s_read(&c, buf, sizeof buf);
    assert_null(strstr(buf, "log.suppressed"));
    sos_log_flush();
    s_read(&c, buf, sizeof buf);
    assert_non_null(strstr(buf, "of=other.event count=4 ")); /* x=1 opened the window */

    sos_log_clock_set(NULL);
    s_restore(&c);
}

/* More events than the limiter has windows: each is still limited, and
 * the window given up is summed up first. */
static void test_repeats_many_events(void **state)
{
    (void)state;
    static char buf[1 << 20];
    char ev[32];
    capture c;
    s_capture(&c);
    sos_log_init("test", SOS_LOG_DEBUG);
    sos_log_clock_set(s_fake_clock);
    s_fake_ms = 5000;
    for (int e = 0; e < 40; e++) {
        snprintf(ev, sizeof ev, "flood.%d", e);
        for (int i = 0; i < SOS_LOG_BURST + 5; i++)
            sos_log_warn(ev, "i=%d", i);
        s_fake_ms++; /* so that the oldest window is the first event's */
    }
    s_fake_ms += SOS_LOG_WINDOW_MS;
    sos_log_tick();
    s_read(&c, buf, sizeof buf);
    /* every line written or counted: 40 x SOS_LOG_BURST written, 40 x 5 counted */
    size_t written = 0, counted = 0;
    for (int e = 0; e < 40; e++) {
        char needle[48];
        snprintf(needle, sizeof needle, "event=flood.%d i=", e);
        written += s_count(buf, needle);
        snprintf(needle, sizeof needle, "of=flood.%d count=5 ", e);
        counted += 5 * s_count(buf, needle);
    }
    assert_int_equal(written, 40 * SOS_LOG_BURST);
    assert_int_equal(counted, 40 * 5);
    sos_log_clock_set(NULL);
    s_restore(&c);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_hold_keep_and_drop), cmocka_unit_test(test_hold_many_lines),
        cmocka_unit_test(test_hold_overflow),      cmocka_unit_test(test_hold_piece_sizes),
        cmocka_unit_test(test_repeats_suppressed), cmocka_unit_test(test_repeats_many_events),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
