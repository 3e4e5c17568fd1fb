/* pool: see pool.h. One mutex, two condition variables; the items of a
 * run are handed out by index, so a run costs no allocation. */
#include "pool.h"

#include <assert.h>
#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"

#define S_THREADS_MAX 16

struct sos_pool {
    pthread_mutex_t mu;
    pthread_cond_t work, done_cv;
    sos_pool_fn *fn;
    void *arg;
    size_t n, next, done; /* items of the run, handed out, finished */
    bool running, stop;
    unsigned n_threads;
    pthread_t thread[S_THREADS_MAX];
};

/* With p->mu held: runs the items left, dropping the lock around each. */
static void s_work(sos_pool *p)
{
    while (p->running && p->next < p->n) {
        size_t i = p->next++;
        sos_pool_fn *fn = p->fn;
        void *arg = p->arg;
        pthread_mutex_unlock(&p->mu);
        fn(arg, i);
        pthread_mutex_lock(&p->mu);
        if (++p->done == p->n)
            pthread_cond_signal(&p->done_cv);
    }
}

static void *s_main(void *arg)
{
    sos_pool *p = arg;
    pthread_mutex_lock(&p->mu);
    while (!p->stop) {
        s_work(p);
        if (!p->stop)
            pthread_cond_wait(&p->work, &p->mu);
    }
    pthread_mutex_unlock(&p->mu);
    return NULL;
}

int sos_thread_start(pthread_t *t, void *(*fn)(void *), void *arg)
{
    sigset_t all, old;
    sigfillset(&all);
    pthread_sigmask(SIG_SETMASK, &all, &old);
    int rc = pthread_create(t, NULL, fn, arg);
    pthread_sigmask(SIG_SETMASK, &old, NULL);
    return rc;
}

sos_pool *sos_pool_new(unsigned threads)
{
    sos_pool *p = calloc(1, sizeof *p);
    if (!p)
        return NULL;
    pthread_mutex_init(&p->mu, NULL);
    pthread_cond_init(&p->work, NULL);
    pthread_cond_init(&p->done_cv, NULL);
    if (threads > S_THREADS_MAX)
        threads = S_THREADS_MAX;
    for (unsigned i = 0; i < threads; i++) {
        int rc = sos_thread_start(&p->thread[p->n_threads], s_main, p);
        if (rc != 0) {
            sos_log_warn("pool.thread", "started=%u wanted=%u msg=\"%s\"", p->n_threads, threads,
                         strerror(rc));
            break;
        }
        p->n_threads++;
    }
    return p;
}

void sos_pool_destroy(sos_pool **pp)
{
    sos_pool *p = *pp;
    if (!p)
        return;
    sos_pool_wait(p);
    pthread_mutex_lock(&p->mu);
    p->stop = true;
    pthread_cond_broadcast(&p->work);
    pthread_mutex_unlock(&p->mu);
    for (unsigned i = 0; i < p->n_threads; i++)
        pthread_join(p->thread[i], NULL);
    pthread_cond_destroy(&p->done_cv);
    pthread_cond_destroy(&p->work);
    pthread_mutex_destroy(&p->mu);
    free(p);
    *pp = NULL;
}

unsigned sos_pool_threads(const sos_pool *p)
{
    return p->n_threads;
}

void sos_pool_run(sos_pool *p, sos_pool_fn *fn, void *arg, size_t n)
{
    pthread_mutex_lock(&p->mu);
    assert(!p->running); /* one run at a time: sos_pool_wait first */
    p->fn = fn;
    p->arg = arg;
    p->n = n;
    p->next = p->done = 0;
    p->running = n > 0;
    if (p->running)
        pthread_cond_broadcast(&p->work);
    pthread_mutex_unlock(&p->mu);
}

void sos_pool_wait(sos_pool *p)
{
    pthread_mutex_lock(&p->mu);
    s_work(p);
    while (p->running && p->done < p->n)
        pthread_cond_wait(&p->done_cv, &p->mu);
    p->running = false;
    pthread_mutex_unlock(&p->mu);
}
