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
 *          SOS_WIRE_MAX_REPLY */
#include "testutil.h"

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
    assert_int_equal(s_recv(router, &fr, 5000), 0);
    assert_int_equal(fr.n, 2); /* identity, request */
    assert_int_equal(fr.len[1], SOS_WIRE_MAX_REQUEST);
    sos_frames_clear(&fr);

    /* one byte over: never delivered */
    over = s_sock(f, SOS_SOCK_DEALER);
    s_send1(over, big, SOS_WIRE_MAX_REQUEST + 1);
    if (s_recv(router, &fr, 1500) == 0)
        fail_msg("router received a %zu-byte frame over a limit of %u", fr.n > 1 ? fr.len[1] : 0,
                 SOS_WIRE_MAX_REQUEST);

    /* and the router still serves a new connection */
    small = s_sock(f, SOS_SOCK_DEALER);
    s_send1(small, "ping", 4);
    assert_int_equal(s_recv(router, &fr, 5000), 0);
    assert_int_equal(fr.n, 2);
    assert_int_equal(fr.len[1], 4);
    assert_memory_equal(fr.data[1], "ping", 4);
    sos_frames_clear(&fr);
    /* nothing else arrives later (the dropped frame is gone for good) */
    if (s_recv(router, &fr, 500) == 0) {
        size_t n = fr.n > 1 ? fr.len[1] : 0;
        sos_frames_clear(&fr);
        fail_msg("router received a late %zu-byte frame", n);
    }
}

/* One frame of a multi-frame message over the limit is enough. */
static void test_router_limit_per_frame(void **state)
{
    fx *f = *state;
    sos_sock *router, *d;
    sos_frames fr;
    uint8_t *big = s_big(f, SOS_WIRE_MAX_REQUEST + 1, 0);
    router = s_sock(f, SOS_SOCK_ROUTER);
    d = s_sock(f, SOS_SOCK_DEALER);
    sos_frame parts[2] = {{"x", 1}, {big, SOS_WIRE_MAX_REQUEST + 1}};
    assert_int_equal(sos_sock_send(d, parts, 2), 0);
    int rc = sos_sock_recv(router, &fr);
    for (int64_t end = sos_now_ms() + 1500; rc == 1 && sos_now_ms() < end;) {
        bool rd;
        sos_sock *ss[1] = {router};
        (void)sos_wire_poll(ss, 1, &rd, 100);
        rc = sos_sock_recv(router, &fr);
    }
    if (rc == 0) {
        sos_frames_clear(&fr);
        fail_msg("router received a message with a frame over the limit");
    }
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
    for (int i = 0; i < 100 && got != 0; i++) {
        s_send1(pub, bell, sizeof bell);
        got = s_recv(sub, &fr, 50);
    }
    assert_int_equal(got, 0);
    sos_frames_clear(&fr);
    while (s_recv(sub, &fr, 100) == 0) /* drain the extra rings */
        sos_frames_clear(&fr);

    s_send1(pub, at, sizeof at); /* at the limit: delivered */
    assert_int_equal(s_recv(sub, &fr, 2000), 0);
    assert_int_equal(fr.len[0], sizeof at);
    sos_frames_clear(&fr);

    s_send1(pub, over, sizeof over);
    /* never delivered: libzmq ends that connection (a protocol error, so
     * this SUB does not reconnect; a follower still polls every second) */
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
    for (int i = 0; i < 100 && heard != 0; i++) {
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
    assert_int_equal(s_recv(router, &fr, 5000), 0);
    sos_frame reply[2] = {{fr.data[0], fr.len[0]}, {big, 2 * SOS_WIRE_MAX_REQUEST}};
    assert_int_equal(sos_sock_send(router, reply, 2), 0);
    sos_frames r;
    assert_int_equal(s_recv(d, &r, 5000), 0);
    assert_int_equal(r.len[0], 2 * SOS_WIRE_MAX_REQUEST);
    sos_frames_clear(&r);

    reply[1].len = SOS_WIRE_MAX_REPLY + 1;
    assert_int_equal(sos_sock_send(router, reply, 2), 0);
    sos_frames_clear(&fr);
    if (s_recv(d, &r, 3000) == 0) {
        size_t n = r.len[0];
        sos_frames_clear(&r);
        fail_msg("DEALER received a %zu-byte reply over a limit of %u", n, SOS_WIRE_MAX_REPLY);
    }
    /* that connection is gone (libzmq does not reconnect after a protocol
     * error); a client's Lazy Pirate retry makes a new socket, which is
     * answered */
    sos_sock *d2 = s_sock(f, SOS_SOCK_DEALER);
    s_send1(d2, "again", 5);
    assert_int_equal(s_recv(router, &fr, 5000), 0);
    sos_frame small[2] = {{fr.data[0], fr.len[0]}, {"ok", 2}};
    assert_int_equal(sos_sock_send(router, small, 2), 0);
    sos_frames_clear(&fr);
    assert_int_equal(s_recv(d2, &r, 5000), 0);
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
