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
 * For ipc:// binds the socket directory must exist (sos_conf_mkdirs, 0700).
 *
 * Every socket sends ZMTP heartbeats (PING every SOS_WIRE_HEARTBEAT_MS; a
 * peer silent for SOS_WIRE_HEARTBEAT_TIMEOUT_MS is disconnected, so a
 * stopped or vanished peer does not hold a connection open).
 *
 * Security. ipc:// endpoints are plain: the 0700 socket directory admits
 * only the daemons' own user, whose peers hold every role (SOS_ROLE_LOCAL).
 * tcp:// endpoints are always CURVE (a plain tcp socket is refused):
 *   - a binding socket is a CURVE server; every connection is put to the
 *     ZAP handler (sos_wire_zap_start, bound on inproc://zeromq.zap.01
 *     before any server socket may be made), which admits only keys in the
 *     access list (access.h) and labels the connection with their roles;
 *   - fail closed: a message on a CURVE socket that carries no ZAP label
 *     (the handler stopped or was never asked, which libzmq 4.3 otherwise
 *     lets through) is dropped by sos_sock_recv, never delivered;
 *   - a connecting socket names the server's public key and its own pair. */
#ifndef SOS_WIRE_H
#define SOS_WIRE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "access.h"
#include "sign.h"

#define SOS_WIRE_MAX_REQUEST (1u << 20) /* largest request a service takes */
#define SOS_WIRE_MAX_REPLY (64u << 20)  /* largest reply a client takes */
#define SOS_WIRE_MAX_FRAMES 4
#define SOS_WIRE_HEARTBEAT_MS 1000
#define SOS_WIRE_HEARTBEAT_TIMEOUT_MS 5000

typedef enum { SOS_SOCK_ROUTER, SOS_SOCK_PUB, SOS_SOCK_DEALER, SOS_SOCK_SUB } sos_sock_kind;

typedef struct sos_wire sos_wire;
typedef struct sos_sock sos_sock;

/* Received frames; each data[i] is malloc'd and owned by the struct until
 * sos_frames_clear(). */
typedef struct {
    size_t n;
    uint8_t *data[SOS_WIRE_MAX_FRAMES];
    size_t len[SOS_WIRE_MAX_FRAMES];
    sos_peer peer;
} sos_frames;

/* CURVE for one socket. own: this end's transport key pair; server_key: a
 * connecting socket's server (SOS_PK_BYTES). Borrowed for the call only
 * (libzmq copies the keys). */
typedef struct {
    const sos_tkey *own;
    const uint8_t *server_key;
} sos_curve;

typedef struct {
    const void *data;
    size_t len;
} sos_frame;

int sos_wire_new(sos_wire **out) __attribute__((warn_unused_result));
/* Every socket must have been destroyed first. */
void sos_wire_destroy(sos_wire **w);

/* Starts the ZAP handler: a thread with a REP socket bound on
 * inproc://zeromq.zap.01 that answers every CURVE handshake from access
 * (owned by w from here on; an empty list admits nobody). Once per wire,
 * before any CURVE server socket. 0, or -1 with a log line. */
int sos_wire_zap_start(sos_wire *w, sos_access *access) __attribute__((warn_unused_result));
/* Replaces the access list (owned by w from here on) for handshakes from
 * now on; connections already admitted stay (restart to cut them). */
void sos_wire_zap_reload(sos_wire *w, sos_access *access);
/* Stops the handler (as if it had died): new CURVE connections are then
 * labelled by nobody and their messages dropped. For tests. */
void sos_wire_zap_stop(sos_wire *w);
/* Handshakes answered since start: admitted and refused. */
void sos_wire_zap_counts(sos_wire *w, uint64_t *admitted, uint64_t *refused);

/* Binds (ROUTER, PUB) or connects (DEALER, SUB). 0, or -1 with a log line.
 * curve may be NULL only for ipc:// and inproc:// endpoints. */
int sos_sock_new_curve(sos_wire *w, sos_sock_kind kind, const char *endpoint,
                       const sos_curve *curve, sos_sock **out) __attribute__((warn_unused_result));
/* sos_sock_new_curve with no CURVE: ipc:// and inproc:// only. */
int sos_sock_new(sos_wire *w, sos_sock_kind kind, const char *endpoint, sos_sock **out)
    __attribute__((warn_unused_result));
/* True when endpoint must be CURVE (tcp://). */
bool sos_endpoint_needs_curve(const char *endpoint);
void sos_sock_destroy(sos_sock **s);

/* Never blocks. 0, or -1 with errno (EAGAIN: peer's queue full;
 * EHOSTUNREACH: ROUTER peer gone). */
int sos_sock_send(sos_sock *s, const sos_frame *frames, size_t n);
/* Non-blocking receive of one whole message, with out->peer set. 0; 1
 * nothing waiting; -1 a message with more than SOS_WIRE_MAX_FRAMES frames
 * (dropped, errno EPROTO), one on a CURVE socket with no ZAP label
 * (dropped, errno EACCES), or an error. */
int sos_sock_recv(sos_sock *s, sos_frames *out);
void sos_frames_clear(sos_frames *f);

/* Waits until one of socks (NULL entries are skipped) is readable or
 * timeout_ms passes (-1: forever). Sets readable[i]. Returns the number
 * readable, 0 on timeout, -1 when interrupted by a signal. */
int sos_wire_poll(sos_sock *const *socks, size_t n, bool *readable, long timeout_ms);

/* Monotonic milliseconds. */
int64_t sos_now_ms(void);

#endif
