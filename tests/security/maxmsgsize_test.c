/* security.maxmsgsize: the receive limits of the sockets wire.c makes.
 *
 * Only wire.c may include <zmq.h>, so this tests what ZMQ_MAXMSGSIZE does
 * rather than reading the option back: sockets are made through the wire
 * API on ipc endpoints in a mkdtemp directory, and a frame one byte over a
 * socket's limit must never be delivered (libzmq drops that connection)
 * while a frame at the limit is, and the socket goes on serving.
 *
 *   ROUTER (a service's api, what clients reach): SOS_WIRE_MAX_REQUEST
 *   SUB    (a follower's doorbell, what an upstream reaches): 64 bytes
 *   DEALER (clients and followers, what a service's replies reach):
 *          SOS_WIRE_MAX_REPLY
 *
 * "Never delivered" is shown by an order, not by a quiet interval where
 * there is an event to wait for: a frame taken despite the limit would
 * come before what was sent after it on the same connection (marks after a
 * request; probes after a reply, until the ROUTER finds that client gone).
 * Every wait for something that must come is a hang guard
 * (S_HANG_GUARD_MS), not a speed claim. */
#include "testutil.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "wire.h"

typedef struct {
    char dir[64];
    char ep[128];
    sos_wire *w;
    sos_sock *socks[6]; /* closed by the teardown, even after a failed assert */
    uint8_t *big;
} fx;

static int s_setup(void **state)
{
    fx *f = calloc(1, sizeof *f);
    assert_non_null(f);
    tu_tmpdir(f->dir);
    snprintf(f->ep, sizeof f->ep, "ipc://%s/sock", f->dir);
    assert_int_equal(sos_wire_new(&f->w), 0);
    *state = f;
    return 0;
}

static int s_teardown(void **state)
{
    fx *f = *state;
    for (size_t i = 0; i < sizeof f->socks / sizeof f->socks[0]; i++)
        sos_sock_destroy(&f->socks[i]);
    sos_wire_destroy(&f->w);
    free(f->big);
    tu_rmrf(f->dir);
    free(f);
    return 0;
}

#define S_HANG_GUARD_MS 30000

/* Waits up to ms for one message on s: 0 received, 1 nothing came. */
static int s_recv(sos_sock *s, sos_frames *out, long ms)
{
    int64_t end = sos_now_ms() + ms;
    for (;;) {
        int rc = sos_sock_recv(s, out);
        if (rc == 0)
            return 0;
        assert_int_equal(rc, 1);
        int64_t left = end - sos_now_ms();
        if (left <= 0)
            return 1;
        bool rd;
        sos_sock *ss[1] = {s};
        (void)sos_wire_poll(ss, 1, &rd, left);
    }
}

/* A socket on the fixture's endpoint, closed by the teardown. */
static sos_sock *s_sock(fx *f, sos_sock_kind kind)
{
    size_t i = 0;
    while (f->socks[i])
        i++;
    assert_true(i < sizeof f->socks / sizeof f->socks[0]);
    assert_int_equal(sos_sock_new(f->w, kind, f->ep, &f->socks[i]), 0);
    return f->socks[i];
}

/* A buffer of n bytes of c, freed by the teardown. */
static uint8_t *s_big(fx *f, size_t n, int c)
{
    f->big = malloc(n);
    assert_non_null(f->big);
    memset(f->big, c, n);
    return f->big;
}

static void s_send1(sos_sock *s, const void *p, size_t n)
{
    sos_frame fr = {p, n};
    assert_int_equal(sos_sock_send(s, &fr, 1), 0);
}

/* A frame over limit was just sent on d to router. Sends marks on d until
 * router receives a message, then "end" on d, and reads up to "end". Had
 * the router taken the frame, it would have come before every mark (one
 * connection keeps its order); libzmq drops that connection instead, and
 * the marks come over d's reconnection. Fails when a frame over limit
 * arrives, or nothing within the hang guard. */
static void s_expect_dropped(sos_sock *router, sos_sock *d, size_t limit)
{
    bool got_any = false, got_end = false;
    int64_t end = sos_now_ms() + S_HANG_GUARD_MS;
    while (!got_end) {
        if (sos_now_ms() > end)
            fail_msg("no mark sent after the frame over the limit came through");
        if (!got_any) {
            sos_frame m = {"mark", 4};
            (void)sos_sock_send(d, &m, 1); /* EAGAIN while reconnecting: the next one */
        }
        sos_frames fr;
        if (s_recv(router, &fr, 100) != 0)
            continue;
        size_t over = 0;
        for (size_t i = 1; i < fr.n; i++)
            if (fr.len[i] > limit)
                over = fr.len[i];
        got_end = fr.n == 2 && fr.len[1] == 3 && memcmp(fr.data[1], "end", 3) == 0;
        sos_frames_clear(&fr);
        if (over)
            fail_msg("router received a %zu-byte frame over a limit of %zu", over, limit);
        if (!got_any) {
            got_any = true;
            s_send1(d, "end", 3);
        }
    }
}

/* A reply over limit was just sent by router to the peer with routing id
 * (id, id_len), whose socket is d. Probes that peer until the router finds
 * it gone (ROUTER_MANDATORY: EHOSTUNREACH once libzmq has dropped d's
 * connection); meanwhile d must receive nothing over limit. The probes
 * follow the reply on the same connection, so a reply taken despite the
 * limit would come first. */
static void s_expect_reply_dropped(sos_sock *router, const uint8_t *id, size_t id_len, sos_sock *d,
                                   size_t limit)
{
    int64_t end = sos_now_ms() + S_HANG_GUARD_MS;
    for (;;) {
        sos_frames r;
        if (s_recv(d, &r, 50) == 0) {
            size_t n = r.len[0];
            sos_frames_clear(&r);
            if (n > limit)
                fail_msg("DEALER received a %zu-byte reply over a limit of %zu", n, limit);
        }
        sos_frame probe[2] = {{id, id_len}, {"p", 1}};
        if (sos_sock_send(router, probe, 2) != 0 && errno == EHOSTUNREACH)
            return;
        if (sos_now_ms() > end)
            fail_msg("the router still reaches a client sent a reply over its limit");
    }
}

static void test_router_request_limit(void **state)
{
    fx *f = *state;
    sos_sock *router, *at, *over, *small;
    sos_frames fr;
    uint8_t *big = s_big(f, SOS_WIRE_MAX_REQUEST + 1, 0x42);
    router = s_sock(f, SOS_SOCK_ROUTER);

    /* at the limit: delivered whole */
    at = s_sock(f, SOS_SOCK_DEALER);
    s_send1(at, big, SOS_WIRE_MAX_REQUEST);
    assert_int_equal(s_recv(router, &fr, S_HANG_GUARD_MS), 0);
    assert_int_equal(fr.n, 2); /* identity, request */
    assert_int_equal(fr.len[1], SOS_WIRE_MAX_REQUEST);
    sos_frames_clear(&fr);

    /* one byte over: never delivered, neither before what follows it on
     * its socket nor after (the dropped frame is gone for good) */
    over = s_sock(f, SOS_SOCK_DEALER);
    s_send1(over, big, SOS_WIRE_MAX_REQUEST + 1);
    s_expect_dropped(router, over, SOS_WIRE_MAX_REQUEST);

    /* and the router still serves a new connection */
    small = s_sock(f, SOS_SOCK_DEALER);
    s_send1(small, "ping", 4);
    assert_int_equal(s_recv(router, &fr, S_HANG_GUARD_MS), 0);
    assert_int_equal(fr.n, 2);
    assert_int_equal(fr.len[1], 4);
    assert_memory_equal(fr.data[1], "ping", 4);
    sos_frames_clear(&fr);
}

/* One frame of a multi-frame message over the limit is enough. */
static void test_router_limit_per_frame(void **state)
{
    fx *f = *state;
    sos_sock *router, *d;
    uint8_t *big = s_big(f, SOS_WIRE_MAX_REQUEST + 1, 0);
    router = s_sock(f, SOS_SOCK_ROUTER);
    d = s_sock(f, SOS_SOCK_DEALER);
    sos_frame parts[2] = {{"x", 1}, {big, SOS_WIRE_MAX_REQUEST + 1}};
    assert_int_equal(sos_sock_send(d, parts, 2), 0);
    s_expect_dropped(router, d, SOS_WIRE_MAX_REQUEST);
}

/* The doorbell is 8 bytes; a follower's SUB takes nothing over 64. */
static void test_sub_doorbell_limit(void **state)
{
    fx *f = *state;
    sos_sock *pub, *sub;
    sos_frames fr;
    uint8_t bell[8] = {0, 0, 0, 0, 0, 0, 0, 7}, over[65], at[64];
    memset(over, 0x6f, sizeof over);
    memset(at, 0x61, sizeof at);
    pub = s_sock(f, SOS_SOCK_PUB);
    sub = s_sock(f, SOS_SOCK_SUB);

    /* ring until the subscription has reached the PUB (slow joiner) */
    int got = 1;
    for (int64_t end = sos_now_ms() + S_HANG_GUARD_MS; got != 0 && sos_now_ms() < end;) {
        s_send1(pub, bell, sizeof bell);
        got = s_recv(sub, &fr, 50);
    }
    assert_int_equal(got, 0);
    sos_frames_clear(&fr);
    while (s_recv(sub, &fr, 100) == 0) /* drain the extra rings */
        sos_frames_clear(&fr);

    s_send1(pub, at, sizeof at); /* at the limit: delivered */
    assert_int_equal(s_recv(sub, &fr, S_HANG_GUARD_MS), 0);
    assert_int_equal(fr.len[0], sizeof at);
    sos_frames_clear(&fr);

    s_send1(pub, over, sizeof over);
    /* never delivered: libzmq ends that connection (a protocol error, so
     * this SUB does not reconnect; a follower still polls every second).
     * Nothing after the frame comes through that could mark the drop, and
     * a PUB does not say when a subscriber goes, so this one waits a
     * second: a frame taken despite the limit would come before the
     * bells sent after it. */
    for (int i = 0; i < 20; i++) {
        s_send1(pub, bell, sizeof bell);
        if (s_recv(sub, &fr, 50) == 0) {
            size_t n = fr.len[0];
            sos_frames_clear(&fr);
            if (n > 64)
                fail_msg("SUB received a %zu-byte frame over a limit of 64", n);
        }
    }
    /* the PUB goes on serving a new subscriber */
    sos_sock *sub2 = s_sock(f, SOS_SOCK_SUB);
    int heard = 1;
    for (int64_t end = sos_now_ms() + S_HANG_GUARD_MS; heard != 0 && sos_now_ms() < end;) {
        s_send1(pub, bell, sizeof bell);
        heard = s_recv(sub2, &fr, 50);
    }
    assert_int_equal(heard, 0);
    assert_int_equal(fr.len[0], sizeof bell);
    sos_frames_clear(&fr);
}

/* A client's DEALER refuses a reply over SOS_WIRE_MAX_REPLY, and takes one
 * over the request limit. */
static void test_dealer_reply_limit(void **state)
{
    fx *f = *state;
    sos_sock *router, *d;
    sos_frames fr;
    uint8_t *big = s_big(f, SOS_WIRE_MAX_REPLY + 1, 0);
    router = s_sock(f, SOS_SOCK_ROUTER);
    d = s_sock(f, SOS_SOCK_DEALER);

    s_send1(d, "hello", 5);
    assert_int_equal(s_recv(router, &fr, S_HANG_GUARD_MS), 0);
    sos_frame reply[2] = {{fr.data[0], fr.len[0]}, {big, 2 * SOS_WIRE_MAX_REQUEST}};
    assert_int_equal(sos_sock_send(router, reply, 2), 0);
    sos_frames r;
    assert_int_equal(s_recv(d, &r, S_HANG_GUARD_MS), 0);
    assert_int_equal(r.len[0], 2 * SOS_WIRE_MAX_REQUEST);
    sos_frames_clear(&r);

    reply[1].len = SOS_WIRE_MAX_REPLY + 1;
    assert_int_equal(sos_sock_send(router, reply, 2), 0);
    s_expect_reply_dropped(router, fr.data[0], fr.len[0], d, SOS_WIRE_MAX_REPLY);
    sos_frames_clear(&fr);
    /* that connection is gone (libzmq does not reconnect after a protocol
     * error); a client's Lazy Pirate retry makes a new socket, which is
     * answered */
    sos_sock *d2 = s_sock(f, SOS_SOCK_DEALER);
    s_send1(d2, "again", 5);
    assert_int_equal(s_recv(router, &fr, S_HANG_GUARD_MS), 0);
    sos_frame small[2] = {{fr.data[0], fr.len[0]}, {"ok", 2}};
    assert_int_equal(sos_sock_send(router, small, 2), 0);
    sos_frames_clear(&fr);
    assert_int_equal(s_recv(d2, &r, S_HANG_GUARD_MS), 0);
    assert_int_equal(r.len[0], 2);
    sos_frames_clear(&r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_router_request_limit, s_setup, s_teardown),
        cmocka_unit_test_setup_teardown(test_router_limit_per_frame, s_setup, s_teardown),
        cmocka_unit_test_setup_teardown(test_sub_doorbell_limit, s_setup, s_teardown),
        cmocka_unit_test_setup_teardown(test_dealer_reply_limit, s_setup, s_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
