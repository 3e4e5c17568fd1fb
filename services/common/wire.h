/* wire: the one place that creates ZeroMQ sockets, sets their options and
 * moves frames. The only file that includes <zmq.h>.
 *
 * Kinds and what they do:
 *   SOS_SOCK_ROUTER  binds a service's api; ROUTER_MANDATORY (a reply to a
 *                    gone peer fails instead of vanishing), MAXMSGSIZE
 *                    SOS_WIRE_MAX_REQUEST, sends never block.
 *   SOS_SOCK_PUB     binds a service's events doorbell.
 *   SOS_SOCK_DEALER  connects to an api (clients, followers); linger 0 so a
 *                    Lazy Pirate retry can throw the socket away.
 *   SOS_SOCK_SUB     connects to a doorbell, subscribed to everything.
 * For ipc:// binds the socket directory must exist (sos_conf_mkdirs, 0700). */
#ifndef SOS_WIRE_H
#define SOS_WIRE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define SOS_WIRE_MAX_REQUEST (1u << 20) /* largest request a service takes */
#define SOS_WIRE_MAX_REPLY (64u << 20)  /* largest reply a client takes */
#define SOS_WIRE_MAX_FRAMES 4

typedef enum { SOS_SOCK_ROUTER, SOS_SOCK_PUB, SOS_SOCK_DEALER, SOS_SOCK_SUB } sos_sock_kind;

typedef struct sos_wire sos_wire;
typedef struct sos_sock sos_sock;

/* Received frames; each data[i] is malloc'd and owned by the struct until
 * sos_frames_clear(). */
typedef struct {
    size_t n;
    uint8_t *data[SOS_WIRE_MAX_FRAMES];
    size_t len[SOS_WIRE_MAX_FRAMES];
} sos_frames;

typedef struct {
    const void *data;
    size_t len;
} sos_frame;

int sos_wire_new(sos_wire **out) __attribute__((warn_unused_result));
/* Every socket must have been destroyed first. */
void sos_wire_destroy(sos_wire **w);

/* Binds (ROUTER, PUB) or connects (DEALER, SUB). 0, or -1 with a log line. */
int sos_sock_new(sos_wire *w, sos_sock_kind kind, const char *endpoint, sos_sock **out)
    __attribute__((warn_unused_result));
void sos_sock_destroy(sos_sock **s);

/* Never blocks. 0, or -1 with errno (EAGAIN: peer's queue full;
 * EHOSTUNREACH: ROUTER peer gone). */
int sos_sock_send(sos_sock *s, const sos_frame *frames, size_t n);
/* Non-blocking receive of one whole message. 0; 1 nothing waiting; -1 a
 * message with more than SOS_WIRE_MAX_FRAMES frames (dropped) or an error. */
int sos_sock_recv(sos_sock *s, sos_frames *out);
void sos_frames_clear(sos_frames *f);

/* Waits until one of socks (NULL entries are skipped) is readable or
 * timeout_ms passes (-1: forever). Sets readable[i]. Returns the number
 * readable, 0 on timeout, -1 when interrupted by a signal. */
int sos_wire_poll(sos_sock *const *socks, size_t n, bool *readable, long timeout_ms);

/* Monotonic milliseconds. */
int64_t sos_now_ms(void);

#endif
