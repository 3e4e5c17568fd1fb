/* unit.common.pool: the verifier pool runs each item of a run exactly
 * once, on the workers and the caller, whatever the thread count, and a
 * run's results are all there when sos_pool_wait returns. */
#include "testutil.h"

#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "pool.h"

#define N_ITEMS 5000

typedef struct {
    atomic_int seen[N_ITEMS];
    unsigned long out[N_ITEMS];
    pthread_t who[N_ITEMS];
    int slow; /* microseconds per item */
} run_arg;

static void s_item(void *arg, size_t i)
{
    run_arg *a = arg;
    atomic_fetch_add(&a->seen[i], 1);
    a->out[i] = (unsigned long)i * 2654435761ul;
    a->who[i] = pthread_self();
    if (a->slow)
        usleep((useconds_t)a->slow);
}

static run_arg *s_arg_new(int slow)
{
    run_arg *a = calloc(1, sizeof *a);
    assert_non_null(a);
    a->slow = slow;
    return a;
}

/* Every item once, with its result in place, for n threads. */
static void s_check_threads(unsigned threads)
{
    sos_pool *p = sos_pool_new(threads);
    assert_non_null(p);
    assert_int_equal(sos_pool_threads(p), threads);
    for (int round = 0; round < 20; round++) {
        run_arg *a = s_arg_new(0);
        size_t n = round == 0 ? 0 : (size_t)(round * 249) % N_ITEMS + 1;
        sos_pool_run(p, s_item, a, n);
        sos_pool_wait(p);
        for (size_t i = 0; i < N_ITEMS; i++) {
            assert_int_equal(atomic_load(&a->seen[i]), i < n ? 1 : 0);
            if (i < n)
                assert_true(a->out[i] == (unsigned long)i * 2654435761ul);
        }
        free(a);
    }
    sos_pool_destroy(&p);
    assert_null(p);
}

static void test_pool_each_item_once(void **state)
{
    (void)state;
    s_check_threads(0);
    s_check_threads(1);
    s_check_threads(3);
}

/* With slow items and a caller that waits at once, both the workers and
 * the caller take items; with a caller that is busy elsewhere, the workers
 * finish the run alone before the wait (the overlap the skeleton needs). */
static void test_pool_overlaps_the_caller(void **state)
{
    (void)state;
    sos_pool *p = sos_pool_new(2);
    assert_non_null(p);
    run_arg *a = s_arg_new(1000);
    sos_pool_run(p, s_item, a, 40);
    size_t done = 0;
    for (int ms = 0; ms < 30000 && done < 40; ms += 10) { /* the caller's commit */
        usleep(10 * 1000);
        done = 0;
        for (size_t i = 0; i < 40; i++)
            done += (size_t)atomic_load(&a->seen[i]);
    }
    sos_pool_wait(p);
    assert_int_equal(done, 40); /* all done by the workers while the caller slept */
    for (size_t i = 0; i < 40; i++)
        assert_false(pthread_equal(a->who[i], pthread_self()));
    free(a);

    a = s_arg_new(1000);
    sos_pool_run(p, s_item, a, 300);
    sos_pool_wait(p); /* the caller helps */
    size_t by_caller = 0;
    for (size_t i = 0; i < 300; i++) {
        assert_int_equal(atomic_load(&a->seen[i]), 1);
        by_caller += pthread_equal(a->who[i], pthread_self()) != 0;
    }
    assert_true(by_caller > 0 && by_caller < 300);
    free(a);
    sos_pool_destroy(&p);
}

/* Destroying a pool with a run in progress finishes the run first. */
static void test_pool_destroy_waits(void **state)
{
    (void)state;
    sos_pool *p = sos_pool_new(1);
    run_arg *a = s_arg_new(500);
    sos_pool_run(p, s_item, a, 50);
    sos_pool_destroy(&p);
    for (size_t i = 0; i < 50; i++)
        assert_int_equal(atomic_load(&a->seen[i]), 1);
    free(a);
    sos_pool_destroy(&p); /* NULL: nothing */
}

/* Threads the skeleton starts block every signal, so that SIGTERM and
 * SIGHUP reach the service thread; the caller's own mask is left as it was. */
static void *s_mask_main(void *arg)
{
    sigset_t cur;
    pthread_sigmask(SIG_BLOCK, NULL, &cur);
    *(int *)arg = sigismember(&cur, SIGTERM) == 1 && sigismember(&cur, SIGHUP) == 1 &&
                  sigismember(&cur, SIGINT) == 1;
    return NULL;
}

typedef struct {
    atomic_int blocked, unblocked;
} mask_arg;

static void s_mask_item(void *arg, size_t i)
{
    (void)i;
    mask_arg *m = arg;
    sigset_t cur;
    pthread_sigmask(SIG_BLOCK, NULL, &cur);
    if (sigismember(&cur, SIGTERM) == 1)
        atomic_fetch_add(&m->blocked, 1);
    else
        atomic_fetch_add(&m->unblocked, 1);
    usleep(1000);
}

static void test_thread_signals_blocked(void **state)
{
    (void)state;
    int ok = 0;
    pthread_t t;
    assert_int_equal(sos_thread_start(&t, s_mask_main, &ok), 0);
    pthread_join(t, NULL);
    assert_int_equal(ok, 1);
    sigset_t mine;
    pthread_sigmask(SIG_BLOCK, NULL, &mine);
    assert_int_equal(sigismember(&mine, SIGTERM), 0);

    /* the verifiers: every item a worker ran saw SIGTERM blocked; the ones
     * the caller ran in its wait did not (the caller is the service thread) */
    sos_pool *p = sos_pool_new(2);
    mask_arg m = {0, 0};
    sos_pool_run(p, s_mask_item, &m, 200);
    sos_pool_wait(p);
    assert_int_equal(atomic_load(&m.blocked) + atomic_load(&m.unblocked), 200);
    assert_true(atomic_load(&m.blocked) > 0);
    sos_pool_destroy(&p);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_pool_each_item_once),
        cmocka_unit_test(test_pool_overlaps_the_caller),
        cmocka_unit_test(test_pool_destroy_waits),
        cmocka_unit_test(test_thread_signals_blocked),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
