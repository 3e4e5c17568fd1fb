/* status: the outcome of a rule, as a code and a human message.
 *
 * Rules fill a sos_status; the daemon turns it into the proto Status of its
 * reply, and the sos command turns the code into a sysexits exit code. */
#ifndef SOS_STATUS_H
#define SOS_STATUS_H

#include "sos.pb-c.h"

typedef struct {
    Sos__Code code;
    /* set by a rule (after sos_fail) when the refusal may only mean that
     * this daemon has not yet seen what its upstream knows (an unknown
     * tool, an unregistered key): the service catches up once, asks again */
    int upstream_may_know;
    char msg[512];
} sos_status;

#define SOS_STATUS_OK                                                                              \
    {                                                                                              \
        SOS__CODE__CODE_OK, 0, ""                                                                  \
    }

/* Set code and a printf-style message; returns code for `return sos_fail(...)`. */
int sos_fail(sos_status *st, Sos__Code code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* The short name of a code: "ok", "bad_request", ... (static string). */
const char *sos_code_name(Sos__Code code);
/* The sysexits(3) exit code a command-line client should use for code. */
int sos_code_exit(Sos__Code code);

#endif
