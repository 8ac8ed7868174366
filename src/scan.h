/*
 * scan.h - private: the scan's thread pool helper and the stages rp_scan_run strings together
 * (fingerprint, index, align, cluster), shared with rp_scan_explain.
 */
#ifndef REPRINT_SCAN_H
#define REPRINT_SCAN_H

#include "internal.h"

/* One work item; worker < the thread count. Must be safe to run concurrently for distinct
 * items. */
typedef rp_status (*rp_task_fn)(void *ctx, size_t item, unsigned worker);

/* Threads to use for opts->threads (0: online processors), at least 1. */
unsigned rp_scan_threads(const rp_options *opts);

/* Runs fn over items 0..count-1 on `threads` threads (the caller's included, which reports
 * progress as stage). Stops early on the first error, which is returned. */
rp_status rp_scan_parallel(unsigned threads, size_t count, rp_task_fn fn, void *ctx,
                           const char *stage, rp_progress_fn progress, void *progress_ctx);

/* Token hashes of one document, truncated to 32 bits for alignment. *out is OWNED (rp_free).
 * toks is scratch: tokens pass through it a block at a time. */
rp_status rp_scan_token_hashes(const rp_options *opts, const rp_doc *doc, rp_tokens *toks,
                               uint32_t **out, uint32_t *count);

/* Tokens a first pass or rp_scan_token_hashes holds at a time (tests make it small). */
extern size_t rp_scan_token_block;

/* Pairs aligned per window (0: about 1/16 of them; tests make it small). */
extern size_t rp_scan_align_window;

#endif /* REPRINT_SCAN_H */
