/* log: logfmt lines on stderr, each line in one write(2) (a held batch of
 * lines in PIPE_BUF-sized pieces cut at line ends) so lines from several
 * processes sharing a file or a pipe do not interleave. */
#include "log.h"

#include <assert.h>
#include <limits.h>
#include <pthread.h>
#include <stdbool.h>
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
/* Per thread: only the thread that holds keeps its lines (the ZAP handler
 * and the verifiers write theirs at once). */
static _Thread_local int s_holding;

/* One event's window of the repeat limiter (see log.h). */
typedef struct {
    char event[48];
    long long start_ms; /* when its window began; 0: the slot is free */
    unsigned written;   /* lines written in the window */
    unsigned long long suppressed;
} s_window;

#define S_WINDOWS 32
static s_window s_windows[S_WINDOWS];
static long long (*s_clock)(void);
static pthread_mutex_t s_windows_lock = PTHREAD_MUTEX_INITIALIZER;

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

static long long s_now_ms(void)
{
    if (s_clock)
        return s_clock();
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

void sos_log_clock_set(long long (*now_ms)(void))
{
    s_clock = now_ms;
    memset(s_windows, 0, sizeof s_windows);
}

static void s_line(int level, const char *event, const char *fmt, va_list ap);

static void s_summary_line(int level, const char *event, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static void s_summary_line(int level, const char *event, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    s_line(level, event, fmt, ap);
    va_end(ap);
}

/* Ends w's window: the summary of what it suppressed, if anything. */
static void s_window_end(s_window *w)
{
    if (w->suppressed)
        s_summary_line(SOS_LOG_WARN, "log.suppressed",
                       "of=%s count=%llu window_s=%d msg=\"... and %llu more like this in the last "
                       "%d s\"",
                       w->event, w->suppressed, SOS_LOG_WINDOW_MS / 1000, w->suppressed,
                       SOS_LOG_WINDOW_MS / 1000);
    w->start_ms = 0;
    w->written = 0;
    w->suppressed = 0;
}

static void s_tick_locked(long long now)
{
    for (int i = 0; i < S_WINDOWS; i++)
        if (s_windows[i].start_ms && now - s_windows[i].start_ms >= SOS_LOG_WINDOW_MS)
            s_window_end(&s_windows[i]);
}

void sos_log_flush(void)
{
    pthread_mutex_lock(&s_windows_lock);
    for (int i = 0; i < S_WINDOWS; i++)
        if (s_windows[i].start_ms)
            s_window_end(&s_windows[i]);
    pthread_mutex_unlock(&s_windows_lock);
}

void sos_log_tick(void)
{
    pthread_mutex_lock(&s_windows_lock);
    s_tick_locked(s_now_ms());
    pthread_mutex_unlock(&s_windows_lock);
}

/* True when this line of event may be written; false: counted instead. */
static bool s_admit(const char *event)
{
    long long now = s_now_ms();
    s_window *w = NULL, *oldest = &s_windows[0];
    bool admit;
    pthread_mutex_lock(&s_windows_lock);
    s_tick_locked(now);
    for (int i = 0; i < S_WINDOWS; i++) {
        s_window *c = &s_windows[i];
        if (c->start_ms && strncmp(c->event, event, sizeof c->event) == 0) {
            w = c;
            break;
        }
        if (!c->start_ms || (oldest->start_ms && c->start_ms < oldest->start_ms))
            oldest = c;
    }
    if (!w) { /* a new window, in a free slot or the oldest one's */
        w = oldest;
        if (w->start_ms)
            s_window_end(w);
        snprintf(w->event, sizeof w->event, "%s", event);
        w->start_ms = now ? now : 1;
    }
    admit = w->written < SOS_LOG_BURST;
    if (admit)
        w->written++;
    else
        w->suppressed++;
    pthread_mutex_unlock(&s_windows_lock);
    return admit;
}

void sos_log(int level, const char *event, const char *fmt, ...)
{
    if (level < s_level)
        return;
    if (level >= SOS_LOG_WARN && !s_admit(event))
        return;
    va_list ap;
    va_start(ap, fmt);
    s_line(level, event, fmt, ap);
    va_end(ap);
}

static void s_line(int level, const char *event, const char *fmt, va_list ap)
{
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
    int m = vsnprintf(line + n, sizeof line - (size_t)n - 1, fmt, ap);
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
