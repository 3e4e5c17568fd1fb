/* log: logfmt lines on stderr, one write(2) per line so lines from
 * several processes sharing a file do not interleave. */
#include "log.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static char s_svc[32] = "sos";
static int s_level = SOS_LOG_INFO;
static const char *const s_names[] = {"debug", "info", "warn", "error"};

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
    ssize_t w = write(STDERR_FILENO, line, len);
    (void)w;
}
