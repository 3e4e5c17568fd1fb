/* fault: the SIGBUS/SIGSEGV line (fault.h).
 *
 * Everything reachable from the handler is async-signal-safe (POSIX.1-2008
 * 2.4.3): clock_gettime, write, raise; the rest is plain arithmetic on the
 * stack. The date is computed by hand because gmtime_r is not on that list. */
#define _POSIX_C_SOURCE 200809L
#include "fault.h"

#include <errno.h>
#include <signal.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static char s_svc[32] = "sos";
static const char *volatile s_map_addr;
static volatile size_t s_map_len;
/* SIGSTKSZ is no longer a constant in glibc; 64 KiB is plenty for a line. */
static char s_altstack[64 * 1024];

typedef struct {
    char *p;
    size_t left;
} s_out;

static void s_put(s_out *o, const char *s)
{
    for (; *s && o->left > 1; s++, o->left--)
        *o->p++ = *s;
}

static void s_put_uint(s_out *o, uint64_t v, unsigned width)
{
    char d[24];
    unsigned n = 0;
    do {
        d[n++] = (char)('0' + v % 10);
        v /= 10;
    } while (v && n < sizeof d);
    while (n < width && n < sizeof d)
        d[n++] = '0';
    while (n > 0 && o->left > 1) {
        *o->p++ = d[--n];
        o->left--;
    }
}

static void s_put_hex(s_out *o, uintptr_t v)
{
    static const char hex[] = "0123456789abcdef";
    char d[2 * sizeof v];
    unsigned n = 0;
    do {
        d[n++] = hex[v & 15];
        v >>= 4;
    } while (v && n < sizeof d);
    s_put(o, "0x");
    while (n > 0 && o->left > 1) {
        *o->p++ = d[--n];
        o->left--;
    }
}

/* Days since 1970-01-01 to a civil date (Howard Hinnant's algorithm). */
static void s_civil(int64_t days, int64_t *y, unsigned *m, unsigned *d)
{
    days += 719468;
    int64_t era = (days >= 0 ? days : days - 146096) / 146097;
    uint64_t doe = (uint64_t)(days - era * 146097);
    uint64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    uint64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    uint64_t mp = (5 * doy + 2) / 153;
    *d = (unsigned)(doy - (153 * mp + 2) / 5 + 1);
    *m = (unsigned)(mp < 10 ? mp + 3 : mp - 9);
    *y = (int64_t)yoe + era * 400 + (*m <= 2);
}

static const char *s_signame(int sig)
{
    switch (sig) {
    case SIGBUS: return "SIGBUS";
    case SIGSEGV: return "SIGSEGV";
    default: return "other";
    }
}

size_t sos_fault_format(char *out, size_t cap, int64_t epoch_ms, const char *svc, int sig,
                        const void *addr, int in_map)
{
    if (cap == 0)
        return 0;
    s_out o = {out, cap};
    if (epoch_ms < 0)
        epoch_ms = 0;
    int64_t secs = epoch_ms / 1000, y;
    unsigned mo, d, sod = (unsigned)(secs % 86400);
    s_civil(secs / 86400, &y, &mo, &d);
    s_put(&o, "ts=");
    s_put_uint(&o, (uint64_t)y, 4);
    s_put(&o, "-");
    s_put_uint(&o, mo, 2);
    s_put(&o, "-");
    s_put_uint(&o, d, 2);
    s_put(&o, "T");
    s_put_uint(&o, sod / 3600, 2);
    s_put(&o, ":");
    s_put_uint(&o, sod / 60 % 60, 2);
    s_put(&o, ":");
    s_put_uint(&o, sod % 60, 2);
    s_put(&o, ".");
    s_put_uint(&o, (uint64_t)(epoch_ms % 1000), 3);
    s_put(&o, "Z level=error svc=");
    s_put(&o, svc);
    s_put(&o, " event=store.fault signal=");
    s_put(&o, s_signame(sig));
    s_put(&o, " addr=");
    s_put_hex(&o, (uintptr_t)addr);
    s_put(&o, " in_map=");
    s_put(&o, in_map < 0 ? "unknown" : in_map ? "1" : "0");
    s_put(&o, " msg=\"the process dies: a damaged store reads as a bad address. Stop the "
              "daemon, run sos check, restore from sos backup (docs/operations.md)\"");
    *o.p++ = '\n';
    return (size_t)(o.p - out);
}

static void s_handler(int sig, siginfo_t *si, void *uctx)
{
    (void)uctx;
    int saved = errno;
    char line[SOS_FAULT_LINE_MAX];
    struct timespec ts = {0, 0};
    clock_gettime(CLOCK_REALTIME, &ts);
    const char *a = si ? (const char *)si->si_addr : NULL;
    const char *base = s_map_addr;
    size_t len = s_map_len;
    int in_map = base ? (a >= base && a < base + len) : -1;
    size_t n = sos_fault_format(line, sizeof line, (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000,
                                s_svc, sig, a, in_map);
    for (size_t off = 0; off < n;) {
        ssize_t w = write(STDERR_FILENO, line + off, n - off);
        if (w <= 0)
            break;
        off += (size_t)w;
    }
    errno = saved;
    /* SA_RESETHAND made the action the default again: a real fault faults
     * again on return; a sent signal is pending until then */
    raise(sig);
}

int sos_fault_install(const char *svc)
{
    size_t n = strlen(svc);
    if (n >= sizeof s_svc)
        n = sizeof s_svc - 1;
    memcpy(s_svc, svc, n);
    s_svc[n] = '\0';
    stack_t ss = {.ss_sp = s_altstack, .ss_size = sizeof s_altstack, .ss_flags = 0};
    if (sigaltstack(&ss, NULL) != 0)
        return -1;
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_sigaction = s_handler;
    sa.sa_flags = SA_SIGINFO | SA_RESETHAND | SA_ONSTACK;
    sigemptyset(&sa.sa_mask);
    if (sigaction(SIGBUS, &sa, NULL) != 0 || sigaction(SIGSEGV, &sa, NULL) != 0)
        return -1;
    return 0;
}

void sos_fault_map(const void *addr, size_t len)
{
    s_map_addr = NULL; /* never a new base with an old length */
    s_map_len = len;
    s_map_addr = addr;
}
