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

#define sos_log_debug(ev, ...) sos_log(SOS_LOG_DEBUG, ev, __VA_ARGS__)
#define sos_log_info(ev, ...) sos_log(SOS_LOG_INFO, ev, __VA_ARGS__)
#define sos_log_warn(ev, ...) sos_log(SOS_LOG_WARN, ev, __VA_ARGS__)
#define sos_log_error(ev, ...) sos_log(SOS_LOG_ERROR, ev, __VA_ARGS__)

#endif
