/*
 * pool.c - the thread pool every stage uses: rp_pool_run hands items 0..count-1 to threads that
 * take the next unclaimed item from an atomic counter (work stealing in its simplest form), so
 * uneven items balance themselves; the first failure stops the rest. rp_pool_new keeps its
 * threads across runs, which it starts without waiting for them (rp_pool_start/finish).
 */
#include "base/pool.h"
#include "base/base.h"

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdatomic.h>
#include <unistd.h>


typedef struct pool {
    rp_task_fn fn;
    void *ctx;
    size_t count;
    atomic_size_t next;
    atomic_size_t done;
    atomic_int status;
} pool;

typedef struct pool_worker {
    pool *p;
    unsigned id;
} pool_worker;

static void pool_work(pool *p, unsigned id, const char *stage, rp_progress_fn progress,
                     void *progress_ctx)
{
    size_t step = p->count / 100 + 1, reported = 0;
    for (;;) {
        if (atomic_load(&p->status) != RP_OK)
            return;
        size_t i = atomic_fetch_add(&p->next, 1);
        if (i >= p->count)
            return;
        rp_status st = p->fn(p->ctx, i, id);
        if (st != RP_OK) {
            int ok = RP_OK;
            atomic_compare_exchange_strong(&p->status, &ok, (int)st);
            return;
        }
        size_t done = atomic_fetch_add(&p->done, 1) + 1;
        if (progress && done >= reported + step) {
            reported = done;
            progress(progress_ctx, stage, done, p->count);
        }
    }
}

static void *pool_thread(void *arg)
{
    pool_worker *w = arg;
    pool_work(w->p, w->id, NULL, NULL, NULL);
    return NULL;
}

unsigned rp_pool_threads(const rp_options *opts)
{
    if (opts->threads > 0)
        return opts->threads;
    long n = sysconf(_SC_NPROCESSORS_ONLN);
    return n < 1 ? 1 : n > 256 ? 256 : (unsigned)n;
}

rp_status rp_pool_run(unsigned threads, size_t count, rp_task_fn fn, void *ctx,
                           const char *stage, rp_progress_fn progress, void *progress_ctx)
{
    pool p = {fn, ctx, count, 0, 0, RP_OK};
    pthread_t tid[256];
    pool_worker w[256];
    unsigned started = 0;

    if (threads > count)
        threads = count > 0 ? (unsigned)count : 1;
    if (threads > 256)
        threads = 256;
    for (unsigned i = 1; i < threads; i++) {
        w[i] = (pool_worker){&p, i};
        if (pthread_create(&tid[started], NULL, pool_thread, &w[i]) != 0)
            break; /* fewer threads give the same result */
        started++;
    }
    if (progress)
        progress(progress_ctx, stage, 0, count);
    pool_work(&p, 0, stage, progress, progress_ctx);
    for (unsigned i = 0; i < started; i++)
        pthread_join(tid[i], NULL);
    if (progress && atomic_load(&p.status) == RP_OK)
        progress(progress_ctx, stage, count, count);
    return (rp_status)atomic_load(&p.status);
}

/* ---- a pool whose threads are kept across runs ---- */

struct rp_pool {
    pthread_mutex_t lock;
    pthread_cond_t wake; /* a run was started, or the pool is stopping */
    pthread_cond_t idle; /* a thread left the run */
    unsigned started;    /* threads besides the caller's */
    unsigned long gen;   /* runs started so far */
    unsigned busy;       /* threads working on the current run */
    bool stop;
    pool job;
    pthread_t tid[255];
    pool_worker w[255];
};

static void *kept_thread(void *arg)
{
    pool_worker *w = arg;
    rp_pool *p = (rp_pool *)((char *)w->p - offsetof(rp_pool, job));
    unsigned long seen = 0;

    pthread_mutex_lock(&p->lock);
    for (;;) {
        while (!p->stop && p->gen == seen)
            pthread_cond_wait(&p->wake, &p->lock);
        if (p->stop)
            break;
        seen = p->gen;
        pthread_mutex_unlock(&p->lock);
        pool_work(&p->job, w->id, NULL, NULL, NULL);
        pthread_mutex_lock(&p->lock);
        if (--p->busy == 0)
            pthread_cond_signal(&p->idle);
    }
    pthread_mutex_unlock(&p->lock);
    return NULL;
}

rp_pool *rp_pool_new(unsigned threads)
{
    rp_pool *p = rp_calloc(1, sizeof(*p));

    if (!p)
        return NULL;
    if (pthread_mutex_init(&p->lock, NULL) != 0) {
        rp_free(p);
        return NULL;
    }
    if (pthread_cond_init(&p->wake, NULL) != 0) {
        pthread_mutex_destroy(&p->lock);
        rp_free(p);
        return NULL;
    }
    if (pthread_cond_init(&p->idle, NULL) != 0) {
        pthread_cond_destroy(&p->wake);
        pthread_mutex_destroy(&p->lock);
        rp_free(p);
        return NULL;
    }
    if (threads > 256)
        threads = 256;
    for (unsigned i = 1; i < threads; i++) {
        p->w[p->started] = (pool_worker){&p->job, i};
        if (pthread_create(&p->tid[p->started], NULL, kept_thread, &p->w[p->started]) != 0)
            break; /* fewer threads give the same result */
        p->started++;
    }
    return p;
}

void rp_pool_free(rp_pool *p)
{
    if (!p)
        return;
    pthread_mutex_lock(&p->lock);
    p->stop = true;
    pthread_cond_broadcast(&p->wake);
    pthread_mutex_unlock(&p->lock);
    for (unsigned i = 0; i < p->started; i++)
        pthread_join(p->tid[i], NULL);
    pthread_cond_destroy(&p->idle);
    pthread_cond_destroy(&p->wake);
    pthread_mutex_destroy(&p->lock);
    rp_free(p);
}

void rp_pool_start(rp_pool *p, size_t count, rp_task_fn fn, void *ctx)
{
    pthread_mutex_lock(&p->lock);
    p->job.fn = fn;
    p->job.ctx = ctx;
    p->job.count = count;
    atomic_store(&p->job.next, 0);
    atomic_store(&p->job.done, 0);
    atomic_store(&p->job.status, RP_OK);
    if (p->started && count) {
        p->busy = p->started;
        p->gen++;
        pthread_cond_broadcast(&p->wake);
    }
    pthread_mutex_unlock(&p->lock);
}

rp_status rp_pool_finish(rp_pool *p)
{
    pool_work(&p->job, 0, NULL, NULL, NULL);
    pthread_mutex_lock(&p->lock);
    while (p->busy)
        pthread_cond_wait(&p->idle, &p->lock);
    pthread_mutex_unlock(&p->lock);
    return (rp_status)atomic_load(&p->job.status);
}
