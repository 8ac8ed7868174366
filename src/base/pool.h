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

#endif /* REPRINT_BASE_POOL_H */
