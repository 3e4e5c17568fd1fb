/* fault: one log line when the process dies of SIGBUS or SIGSEGV.
 *
 * LMDB maps the store: a damaged page (a file cut short, a pointer gone
 * wrong) faults in whatever code reads it, and a process killed by a signal
 * writes nothing. sos_fault_install() catches SIGBUS and SIGSEGV once, on an
 * alternate stack, writes
 *
 *   ts=... level=error svc=scoring event=store.fault signal=SIGBUS addr=0x7f12...
 *       in_map=1 msg="..."
 *
 * on stderr with async-signal-safe code only (no stdio, no malloc: one
 * write(2) of a line built on the stack), and lets the signal's default
 * action end the process (the handler is reset on entry and the signal is
 * raised again), so a supervisor still sees the signal and a core is still
 * dumped. in_map says whether the address lies in the last store map
 * sos_fault_map() was told of. */
#ifndef SOS_FAULT_H
#define SOS_FAULT_H

#include <stddef.h>
#include <stdint.h>

/* Longest line sos_fault_format writes, newline included. */
#define SOS_FAULT_LINE_MAX 512

/* Installs the handlers for this process; svc names it in the line (copied,
 * at most 31 bytes kept). Call once at start, before any store opens. 0, or
 * -1 with errno. */
int sos_fault_install(const char *svc);
/* The store's map, so that a fault can say whether it hit the map. The
 * store calls it after each open and growth; NULL, 0 forgets it. */
void sos_fault_map(const void *addr, size_t len);
/* The line itself, for the handler and its test: async-signal-safe. Writes
 * at most cap bytes (cap >= SOS_FAULT_LINE_MAX for a whole line) into out,
 * ending in a newline, and returns the length. epoch_ms: wall-clock time;
 * in_map: 1, 0, or -1 when no map is known. */
size_t sos_fault_format(char *out, size_t cap, int64_t epoch_ms, const char *svc, int sig,
                        const void *addr, int in_map);

#endif
