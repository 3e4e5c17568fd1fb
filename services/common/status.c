/* status: rule outcomes and their mapping to exit codes. */
#include "status.h"

#include <stdarg.h>
#include <stdio.h>
#include <sysexits.h>

int sos_fail(sos_status *st, Sos__Code code, const char *fmt, ...)
{
    va_list ap;
    st->code = code;
    st->upstream_may_know = 0;
    va_start(ap, fmt);
    vsnprintf(st->msg, sizeof st->msg, fmt, ap);
    va_end(ap);
    return (int)code;
}

const char *sos_code_name(Sos__Code code)
{
    switch (code) {
    case SOS__CODE__CODE_OK: return "ok";
    case SOS__CODE__CODE_BAD_REQUEST: return "bad_request";
    case SOS__CODE__CODE_NOT_FOUND: return "not_found";
    case SOS__CODE__CODE_CONFLICT: return "conflict";
    case SOS__CODE__CODE_FORBIDDEN: return "forbidden";
    case SOS__CODE__CODE_CLOSED: return "closed";
    case SOS__CODE__CODE_STALE: return "stale";
    case SOS__CODE__CODE_UNAVAILABLE: return "unavailable";
    case SOS__CODE__CODE_INTERNAL: return "internal";
    default: return "unknown";
    }
}

int sos_code_exit(Sos__Code code)
{
    switch (code) {
    case SOS__CODE__CODE_OK: return EX_OK;
    case SOS__CODE__CODE_FORBIDDEN: return EX_NOPERM;
    case SOS__CODE__CODE_UNAVAILABLE: return EX_TEMPFAIL;
    case SOS__CODE__CODE_INTERNAL: return EX_SOFTWARE;
    default: return EX_DATAERR;
    }
}
