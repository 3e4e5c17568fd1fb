/* pool: worker threads that run one function over the items of an array
 * while the caller goes on with other work: the skeleton's verifiers, so
 * that signatures are checked while the writer's commit waits on the disk.
 *
 *   sos_pool *p = sos_pool_new(2);      2 worker threads
 *   sos_pool_run(p, fn, arg, n);        fn(arg, 0) .. fn(arg, n - 1) start
 *   ... the caller's own work ...
 *   sos_pool_wait(p);                   the caller helps, then every fn
 *                                       has returned
 *   sos_pool_destroy(&p);
 *
 * One run at a time (a second sos_pool_run before sos_pool_wait is a bug
 * and asserts). fn runs on any thread, the caller's included, so it may
 * touch only arg's i-th item and what is safe to share; until
 * sos_pool_wait returns the caller must not touch the items either. arg is
 * borrowed until then. With 0 threads (or on a machine where they could
 * not start) sos_pool_wait does all the work on the caller's thread. */
#ifndef SOS_POOL_H
#define SOS_POOL_H

#include <stddef.h>

#include <pthread.h>

typedef struct sos_pool sos_pool;
typedef void sos_pool_fn(void *arg, size_t i);

/* NULL only when memory runs out. Fewer threads than asked for start when
 * the system refuses some (logged). */
sos_pool *sos_pool_new(unsigned threads);
/* Stops and joins the threads; waits for a run in progress first. */
void sos_pool_destroy(sos_pool **p);
unsigned sos_pool_threads(const sos_pool *p);
void sos_pool_run(sos_pool *p, sos_pool_fn *fn, void *arg, size_t n);
void sos_pool_wait(sos_pool *p);

/* pthread_create with every signal blocked in the new thread, so that
 * SIGTERM and SIGHUP always reach the service thread and interrupt its
 * poll (the ZAP handler and the verifiers start this way). 0 or an errno
 * value. */
int sos_thread_start(pthread_t *t, void *(*fn)(void *), void *arg);

#endif
