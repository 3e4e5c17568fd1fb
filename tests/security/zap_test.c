/* security.zap: the CURVE door in wire.c and the access list, with real
 * sockets on loopback tcp.
 *
 *   - a listed key is admitted and its messages carry its roles and key;
 *   - an unlisted key's handshake is refused: nothing is delivered;
 *   - fail closed: with the ZAP handler stopped (as if it died), a listed
 *     client's messages are dropped by sos_sock_recv, never delivered;
 *   - no CURVE server socket without the handler, no plain tcp socket;
 *   - access lists: roles, reviewers' signers, malformed files refused;
 *   - transport and signing key files never load as each other, and a
 *     secret readable by others is refused. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "testutil.h"

#include "access.h"
#include "log.h"
#include "sign.h"
#include "wire.h"

typedef struct {
    char dir[64];
    char endpoint[64];
    sos_wire *w;
    sos_sock *router;
    sos_tkey *server, *client, *stranger;
} t_env;

static void s_write(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs(text, f);
    fclose(f);
}

/* An access list naming client as editor (and reviewer with a signer). */
static sos_access *s_access(t_env *e)
{
    char path[128], line[512], ck[65], signer[65];
    uint8_t sg[32];
    char err[256];
    sos_access *a = NULL;
    memset(sg, 7, sizeof sg);
    sos_hex(sos_tkey_public(e->client), 32, ck);
    sos_hex(sg, 32, signer);
    snprintf(path, sizeof path, "%s/access", e->dir);
    snprintf(line, sizeof line, "# test\neditor %s\nreviewer %s %s\n", ck, ck, signer);
    s_write(path, line);
    assert_int_equal(sos_access_load(path, &a, err, sizeof err), 0);
    return a;
}

/* A CURVE ROUTER on a free loopback port. */
static void s_bind(t_env *e)
{
    sos_curve cv = {e->server, NULL};
    for (int i = 0; i < 50; i++) {
        snprintf(e->endpoint, sizeof e->endpoint, "tcp://127.0.0.1:%d",
                 20000 + (int)((unsigned)getpid() * 7u + (unsigned)i * 131u) % 30000);
        if (sos_sock_new_curve(e->w, SOS_SOCK_ROUTER, e->endpoint, &cv, &e->router) == 0)
            return;
    }
    fail_msg("no free port");
}

static int setup(void **state)
{
    t_env *e = calloc(1, sizeof *e);
    tu_tmpdir(e->dir);
    assert_int_equal(sos_tkey_generate(&e->server), 0);
    assert_int_equal(sos_tkey_generate(&e->client), 0);
    assert_int_equal(sos_tkey_generate(&e->stranger), 0);
    assert_int_equal(sos_wire_new(&e->w), 0);
    assert_int_equal(sos_wire_zap_start(e->w, s_access(e)), 0);
    s_bind(e);
    *state = e;
    return 0;
}

static int teardown(void **state)
{
    t_env *e = *state;
    sos_sock_destroy(&e->router);
    sos_wire_destroy(&e->w);
    sos_tkey_destroy(&e->server);
    sos_tkey_destroy(&e->client);
    sos_tkey_destroy(&e->stranger);
    tu_rmrf(e->dir);
    free(e);
    return 0;
}

/* How long s_try waits for its outcome: a hang guard, not a speed claim.
 * Each outcome is an event it watches for: the message delivered, or
 * dropped by sos_sock_recv, or the handshake refused by the ZAP handler
 * (after which nothing can come on that connection). Only a door that
 * neither admits nor refuses waits this long. */
#define S_HANG_GUARD_MS 30000

/* Sends "hello" from a new client with key k on its own wire; returns what
 * the router did: 1 delivered (peer filled), 0 nothing (the handshake was
 * refused, or S_HANG_GUARD_MS passed), -1 a message arrived and was
 * dropped (errno). */
static int s_try(t_env *e, const sos_tkey *k, sos_peer *peer, int *dropped_errno)
{
    sos_wire *cw = NULL;
    sos_sock *c = NULL;
    sos_curve cv = {k, sos_tkey_public(e->server)};
    int result = 0;
    uint64_t ok, refused0, refused;
    sos_wire_zap_counts(e->w, &ok, &refused0);
    assert_int_equal(sos_wire_new(&cw), 0);
    assert_int_equal(sos_sock_new_curve(cw, SOS_SOCK_DEALER, e->endpoint, &cv, &c), 0);
    sos_frame f = {"hello", 5};
    assert_int_equal(sos_sock_send(c, &f, 1), 0);
    int64_t end = sos_now_ms() + S_HANG_GUARD_MS;
    while (result == 0 && sos_now_ms() < end) {
        bool rd;
        sos_sock *socks[1] = {e->router};
        sos_wire_zap_counts(e->w, &ok, &refused);
        bool done = refused > refused0; /* nothing can come now: one last look */
        if (sos_wire_poll(socks, 1, &rd, done ? 0 : 50) > 0) {
            sos_frames in;
            int rc = sos_sock_recv(e->router, &in);
            if (rc == 0) {
                assert_int_equal(in.n, 2);
                assert_memory_equal(in.data[1], "hello", 5);
                *peer = in.peer;
                sos_frames_clear(&in);
                result = 1;
            } else if (rc < 0) {
                *dropped_errno = errno;
                result = -1;
            }
        }
        if (done)
            break;
    }
    sos_sock_destroy(&c);
    sos_wire_destroy(&cw);
    return result;
}

static void test_listed_key_admitted_with_roles(void **state)
{
    t_env *e = *state;
    sos_peer p;
    int err = 0;
    uint64_t ok, no;
    assert_int_equal(s_try(e, e->client, &p, &err), 1);
    assert_int_equal(p.roles, SOS_ROLE_EDITOR | SOS_ROLE_REVIEWER);
    assert_memory_equal(p.key, sos_tkey_public(e->client), 32);
    assert_true(p.has_signer);
    assert_int_equal(p.signer[0], 7);
    sos_wire_zap_counts(e->w, &ok, &no);
    assert_int_equal(ok, 1);
    assert_int_equal(no, 0);
}

static void test_unlisted_key_refused(void **state)
{
    t_env *e = *state;
    sos_peer p;
    int err = 0;
    uint64_t ok, no;
    assert_int_equal(s_try(e, e->stranger, &p, &err), 0);
    sos_wire_zap_counts(e->w, &ok, &no);
    assert_int_equal(ok, 0);
    assert_true(no >= 1);
}

static void test_reload_admits_and_removes(void **state)
{
    t_env *e = *state;
    sos_peer p;
    int err = 0;
    char path[128], line[256], sk[65];
    char msg[256];
    sos_access *a = NULL;
    /* the stranger is added (rotation: the new key first) ... */
    sos_hex(sos_tkey_public(e->stranger), 32, sk);
    snprintf(path, sizeof path, "%s/access2", e->dir);
    snprintf(line, sizeof line, "publisher %s\n", sk);
    s_write(path, line);
    assert_int_equal(sos_access_load(path, &a, msg, sizeof msg), 0);
    sos_wire_zap_reload(e->w, a);
    assert_int_equal(s_try(e, e->stranger, &p, &err), 1);
    assert_int_equal(p.roles, SOS_ROLE_PUBLISHER);
    assert_false(p.has_signer);
    /* ... and the old key, no longer listed, is refused on a new connection */
    assert_int_equal(s_try(e, e->client, &p, &err), 0);
}

static void test_fail_closed_without_handler(void **state)
{
    t_env *e = *state;
    sos_peer p;
    int err = 0;
    sos_log_init("zap_test", SOS_LOG_ERROR);
    sos_wire_zap_stop(e->w); /* as if the handler had died */
    int r = s_try(e, e->client, &p, &err);
    assert_int_not_equal(r, 1); /* never delivered */
    print_message("fail closed: %s\n", r == -1 ? "reached the socket unlabelled and was dropped"
                                               : "never reached the socket");
    if (r == -1)
        assert_int_equal(err, EACCES);
}

static void test_no_curve_server_without_handler(void **state)
{
    (void)state;
    sos_wire *w = NULL;
    sos_sock *s = NULL;
    sos_tkey *k = NULL;
    sos_log_init("zap_test", SOS_LOG_ERROR + 1);
    assert_int_equal(sos_tkey_generate(&k), 0);
    sos_curve cv = {k, NULL};
    assert_int_equal(sos_wire_new(&w), 0);
    assert_int_equal(sos_sock_new_curve(w, SOS_SOCK_ROUTER, "tcp://127.0.0.1:19999", &cv, &s), -1);
    /* plain tcp: refused for every kind */
    assert_int_equal(sos_sock_new(w, SOS_SOCK_ROUTER, "tcp://127.0.0.1:19999", &s), -1);
    assert_int_equal(sos_sock_new(w, SOS_SOCK_DEALER, "tcp://127.0.0.1:19999", &s), -1);
    /* a client without the server's key */
    assert_int_equal(sos_sock_new_curve(w, SOS_SOCK_DEALER, "tcp://127.0.0.1:19999", &cv, &s), -1);
    assert_null(s);
    sos_wire_destroy(&w);
    sos_tkey_destroy(&k);
    sos_log_init("zap_test", SOS_LOG_INFO);
}

static void test_access_file_rules(void **state)
{
    t_env *e = *state;
    char path[128], err[256], k1[65], k2[65];
    uint8_t key[32], signer[32];
    bool has;
    sos_access *a = NULL;
    memset(key, 0xab, sizeof key);
    sos_hex(key, 32, k1);
    memset(signer, 0xcd, sizeof signer);
    sos_hex(signer, 32, k2);
    snprintf(path, sizeof path, "%s/acl", e->dir);
    static const char *const bad[] = {
        "admin %s\n",                 /* unknown role */
        "reviewer %s\n",              /* reviewer without a signer */
        "editor %s extra\n",          /* trailing words */
        "editor 1234\n",              /* short key */
        "editor %s\nreviewer %s 00\n" /* bad signer */
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        char text[512];
        snprintf(text, sizeof text, bad[i], k1, k1);
        s_write(path, text);
        assert_int_equal(sos_access_load(path, &a, err, sizeof err), -1);
        assert_non_null(strstr(err, "line "));
        assert_null(a);
    }
    char text[512];
    snprintf(text, sizeof text, "\n# c\nservice %s\n  reviewer\t%s %s  \n", k1, k1, k2);
    s_write(path, text);
    assert_int_equal(sos_access_load(path, &a, err, sizeof err), 0);
    assert_int_equal(sos_access_count(a), 1);
    assert_int_equal(sos_access_find(a, key, signer, &has), SOS_ROLE_SERVICE | SOS_ROLE_REVIEWER);
    assert_true(has);
    key[0] ^= 1;
    assert_int_equal(sos_access_find(a, key, signer, &has), 0);
    assert_false(has);
    sos_access_destroy(&a);
    /* a missing file: an empty list, nobody admitted */
    snprintf(path, sizeof path, "%s/none", e->dir);
    assert_int_equal(sos_access_load(path, &a, err, sizeof err), 0);
    assert_int_equal(sos_access_count(a), 0);
    sos_access_destroy(&a);
}

static void test_key_kinds_apart(void **state)
{
    t_env *e = *state;
    char sp[128], tp[128];
    sos_key *k = NULL, *k2 = NULL;
    sos_tkey *t = NULL, *t2 = NULL;
    snprintf(sp, sizeof sp, "%s/sign.key", e->dir);
    snprintf(tp, sizeof tp, "%s/wire.curve", e->dir);
    assert_int_equal(sos_key_generate(&k), 0);
    assert_int_equal(sos_key_save(k, sp), 0);
    assert_int_equal(sos_tkey_generate(&t), 0);
    assert_int_equal(sos_tkey_save(t, tp), 0);
    assert_int_equal(sos_tkey_load(sp, &t2), -1); /* a signing key is no transport key */
    assert_int_equal(sos_key_load(tp, &k2), -1);  /* nor the other way round */
    assert_int_equal(sos_tkey_load(tp, &t2), 0);
    assert_memory_equal(sos_tkey_public(t2), sos_tkey_public(t), 32);
    sos_tkey_destroy(&t2);
    assert_int_equal(chmod(tp, 0640), 0);
    assert_int_equal(sos_tkey_load(tp, &t2), -2); /* others may read it */
    assert_null(t2);
    sos_key_destroy(&k);
    sos_tkey_destroy(&t);
}

int main(void)
{
    if (sos_sign_init() != 0)
        return 1;
    sos_log_init("zap_test", SOS_LOG_WARN);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_listed_key_admitted_with_roles, setup, teardown),
        cmocka_unit_test_setup_teardown(test_unlisted_key_refused, setup, teardown),
        cmocka_unit_test_setup_teardown(test_reload_admits_and_removes, setup, teardown),
        cmocka_unit_test_setup_teardown(test_fail_closed_without_handler, setup, teardown),
        cmocka_unit_test_setup_teardown(test_no_curve_server_without_handler, setup, teardown),
        cmocka_unit_test_setup_teardown(test_access_file_rules, setup, teardown),
        cmocka_unit_test_setup_teardown(test_key_kinds_apart, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
