/*
 * scan.h - private: the scan's thread pool helper and the stages rp_scan_run strings together
 * (fingerprint, index, align, cluster), shared with rp_scan_explain.
 */
#ifndef REPRINT_SCAN_H
#define REPRINT_SCAN_H

#include "base/base.h"

/* Token hashes of one document, truncated to 32 bits for alignment. *out is OWNED (rp_free).
 * toks is scratch: tokens pass through it a block at a time. */
rp_status rp_scan_token_hashes(const rp_options *opts, const rp_doc *doc, rp_tokens *toks,
                               uint32_t **out, uint32_t *count);

/* The same for tokens held whole (rp_text_tokenize's), as --explain has them. */
rp_status rp_scan_held_token_hashes(const rp_tokens *toks, uint32_t **out, uint32_t *count);

/* Tokens a first pass or rp_scan_token_hashes holds at a time (tests make it small). */
extern size_t rp_scan_token_block;

/* Pairs aligned per window (0: about 1/16 of them; tests make it small). */
extern size_t rp_scan_align_window;

/* Tests: when not 0, the scan spills its fingerprints into about this many partitions (a power
 * of two, 4 to 1024) and its seeds into as many ranges (at most 256), and aligns in windows of
 * the documents whose hashes fit in this many times 4 KiB, whatever rp_options.memory
 * says. */
extern size_t rp_scan_spill_parts;

#endif /* REPRINT_SCAN_H */
