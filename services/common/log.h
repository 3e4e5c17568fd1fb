/* log: one logfmt line per event on stderr.
 *
 *   ts=2026-11-22T20:00:00.123Z level=info svc=scoring event=take.accepted tool=x
 *
 * The fmt part is written as given after "event=<event>": pass key=value
 * pairs and quote free text yourself (msg="%s"); newlines in the result are
 * replaced by spaces so that one event stays one line. */
#ifndef SOS_LOG_H
#define SOS_LOG_H

enum { SOS_LOG_DEBUG = 0, SOS_LOG_INFO = 1, SOS_LOG_WARN = 2, SOS_LOG_ERROR = 3 };

/* svc is copied. level: minimum level written. */
void sos_log_init(const char *svc, int level);
/* "debug", "info", "warn", "error"; -1 when not a level. */
int sos_log_level_parse(const char *s);
void sos_log(int level, const char *event, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Holding, for what a transaction does: between sos_log_hold() and
 * sos_log_release(), debug, info and warn lines are kept in memory, in
 * order, instead of written; error lines are written at once. The service
 * loop holds the lines of a batch while its transaction is open, so a line
 * such as take.accepted reaches the log only once its commit has returned
 * (release with keep = true: the held lines are written, as few write(2)s
 * as PIPE_BUF-sized, line-aligned pieces allow) and never for a commit that
 * failed (keep = false: they are dropped; the caller logs the failure).
 * Lines beyond SOS_LOG_HOLD_MAX bytes are written at once, as if not held.
 * Nesting is a bug (asserts). Holding is per thread: lines that other
 * threads (the ZAP handler, the verifiers) log meanwhile are written at
 * once. */
#define SOS_LOG_HOLD_MAX (256u << 10)
void sos_log_hold(void);
void sos_log_release(int keep);
/* Whether lines are held now. */
int sos_log_holding(void);

/* Repeats: warn and error lines say something went wrong, and a flood of
 * hostile messages must not become a flood of log. At most
 * SOS_LOG_BURST lines of one event are written per SOS_LOG_WINDOW_MS; the
 * rest of that window's lines of the event are counted, and once the
 * window is over one line says how many:
 *   level=warn event=log.suppressed of=request.malformed count=19998
 *   window_s=10 msg="... and 19998 more like this in the last 10 s"
 * Info and debug lines (what was done, one per acknowledged action) are
 * never suppressed. A window's summary is written by the next line logged
 * after it ends, by sos_log_tick(), which the service loop calls every few
 * seconds, or by sos_log_flush() when the daemon stops. */
#define SOS_LOG_BURST 10
#define SOS_LOG_WINDOW_MS 10000
/* Writes the summaries of the windows that are over. Cheap. */
void sos_log_tick(void);
/* Ends every window now, writing what each suppressed (a daemon that
 * stops). */
void sos_log_flush(void);
/* For tests: the clock the limiter reads (milliseconds, monotonic);
 * NULL restores CLOCK_MONOTONIC. Forgets every window. */
void sos_log_clock_set(long long (*now_ms)(void));

#define sos_log_debug(ev, ...) sos_log(SOS_LOG_DEBUG, ev, __VA_ARGS__)
#define sos_log_info(ev, ...) sos_log(SOS_LOG_INFO, ev, __VA_ARGS__)
#define sos_log_warn(ev, ...) sos_log(SOS_LOG_WARN, ev, __VA_ARGS__)
#define sos_log_error(ev, ...) sos_log(SOS_LOG_ERROR, ev, __VA_ARGS__)

#endif
