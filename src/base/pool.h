/*
 * pool.h - private: the thread pool (pool.c) that reading, the scan's stages and quotes run
 * their items on.
 */
#ifndef REPRINT_BASE_POOL_H
#define REPRINT_BASE_POOL_H

#include "reprint.h"

#include <stddef.h>

/* One work item; worker < the thread count. Must be safe to run concurrently for distinct
 * items. */
typedef rp_status (*rp_task_fn)(void *ctx, size_t item, unsigned worker);

/* Threads to use for opts->threads (0: online processors), at least 1. */
unsigned rp_pool_threads(const rp_options *opts);

/* Runs fn over items 0..count-1 on `threads` threads (the caller's included, which reports
 * progress as stage). Stops early on the first error, which is returned. */
rp_status rp_pool_run(unsigned threads, size_t count, rp_task_fn fn, void *ctx, const char *stage,
                      rp_progress_fn progress, void *progress_ctx);

/* A pool whose threads are started once and kept for many runs (reading starts a run per
 * window of files: starting threads for each cost more than the small files they read). One
 * run at a time: rp_pool_start hands fn over items 0..count-1 to the pool's own threads and
 * returns at once, so the caller can do other work meanwhile; rp_pool_finish has the caller
 * work on the run too (as worker 0) and returns when every item is done, with the run's
 * status (the first error stops the rest). With one thread the caller does every item in
 * rp_pool_finish. */
typedef struct rp_pool rp_pool;

/* threads: counting the caller; fewer are started when pthread_create fails (the same result).
 * NULL when out of memory. */
rp_pool *rp_pool_new(unsigned threads);
/* Stops and joins the threads (no run may be pending). NULL is ignored. */
void rp_pool_free(rp_pool *p);
void rp_pool_start(rp_pool *p, size_t count, rp_task_fn fn, void *ctx);
rp_status rp_pool_finish(rp_pool *p);

#endif /* REPRINT_BASE_POOL_H */
