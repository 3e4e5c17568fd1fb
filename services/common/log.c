/* log: logfmt lines on stderr, each line in one write(2) (a held batch of
 * lines in PIPE_BUF-sized pieces cut at line ends) so lines from several
 * processes sharing a file or a pipe do not interleave. */
#include "log.h"

#include <assert.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static char s_svc[32] = "sos";
static int s_level = SOS_LOG_INFO;
static const char *const s_names[] = {"debug", "info", "warn", "error"};
static char s_held[SOS_LOG_HOLD_MAX];
static size_t s_held_len;
static int s_holding;

static void s_write(const char *p, size_t len)
{
    while (len > 0) {
        ssize_t w = write(STDERR_FILENO, p, len);
        if (w <= 0)
            return; /* nowhere to report it */
        p += w;
        len -= (size_t)w;
    }
}

void sos_log_hold(void)
{
    assert(!s_holding); /* nesting is a bug */
    s_holding = 1;
    s_held_len = 0;
}

int sos_log_holding(void)
{
    return s_holding;
}

void sos_log_release(int keep)
{
    assert(s_holding);
    size_t off = 0;
    while (keep && off < s_held_len) {
        /* the longest run of whole lines within PIPE_BUF (a line is under
         * 2 KiB, so there is always one) */
        size_t end = off, n = s_held_len - off < PIPE_BUF ? s_held_len : off + PIPE_BUF;
        for (size_t i = off; i < n; i++)
            if (s_held[i] == '\n')
                end = i + 1;
        if (end == off)
            end = n;
        s_write(s_held + off, end - off);
        off = end;
    }
    s_held_len = 0;
    s_holding = 0;
}

void sos_log_init(const char *svc, int level)
{
    snprintf(s_svc, sizeof s_svc, "%s", svc);
    s_level = level;
}

int sos_log_level_parse(const char *s)
{
    for (int i = 0; i < 4; i++)
        if (strcmp(s, s_names[i]) == 0)
            return i;
    return -1;
}

void sos_log(int level, const char *event, const char *fmt, ...)
{
    if (level < s_level)
        return;
    char line[2048];
    struct timespec ts;
    struct tm tm;
    clock_gettime(CLOCK_REALTIME, &ts);
    gmtime_r(&ts.tv_sec, &tm);
    int n = snprintf(line, sizeof line,
                     "ts=%04d-%02d-%02dT%02d:%02d:%02d.%03ldZ level=%s svc=%s event=%s ",
                     tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec,
                     ts.tv_nsec / 1000000, s_names[level & 3], s_svc, event);
    if (n < 0)
        return;
    va_list ap;
    va_start(ap, fmt);
    int m = vsnprintf(line + n, sizeof line - (size_t)n - 1, fmt, ap);
    va_end(ap);
    size_t len = (size_t)n + (m < 0 ? 0 : (size_t)m);
    if (len > sizeof line - 2)
        len = sizeof line - 2;
    for (size_t i = 0; i < len; i++)
        if (line[i] == '\n' || line[i] == '\r')
            line[i] = ' ';
    line[len++] = '\n';
    if (s_holding && level < SOS_LOG_ERROR && s_held_len + len <= sizeof s_held) {
        memcpy(s_held + s_held_len, line, len);
        s_held_len += len;
        return;
    }
    s_write(line, len);
}
