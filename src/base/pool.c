/*
 * pool.c - the thread pool every stage uses: rp_pool_run hands items 0..count-1 to threads that
 * take the next unclaimed item from an atomic counter (work stealing in its simplest form), so
 * uneven items balance themselves; the first failure stops the rest.
 */
#include "base/pool.h"

#include <pthread.h>
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
