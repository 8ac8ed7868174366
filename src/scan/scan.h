/*
 * scan.h - private: the scan's thread pool helper and the stages rp_scan_run strings together
 * (fingerprint, index, align, cluster), shared with rp_scan_explain.
 */
#ifndef REPRINT_SCAN_H
#define REPRINT_SCAN_H

#include "base/base.h"
#include "scan/align.h"
#include "scan/index.h"

/* Token hashes of one document, truncated to 32 bits for alignment. *out is OWNED (rp_free).
 * toks is scratch: tokens pass through it a block at a time. */
rp_status rp_scan_token_hashes(const rp_options *opts, const rp_doc *doc, rp_tokens *toks,
                               uint32_t **out, uint32_t *count);

/* The same for tokens held whole (rp_text_tokenize's), as --explain has them. */
rp_status rp_scan_held_token_hashes(const rp_tokens *toks, uint32_t **out, uint32_t *count);

/* Tokens a first pass or rp_scan_token_hashes holds at a time (tests make it small). */
extern size_t rp_scan_token_block;

/* Tests: when not 0, the bytes of token hashes the first pass keeps for the aligner at most
 * (otherwise an eighth of the machine's memory; documents past it are tokenized again). */
extern size_t rp_scan_keep_cap;

/* The kept token hashes of a corpus of this many bytes of text or more go to a temporary file
 * (rp_options.tmp_dir) read through a mapping, instead of the heap (tests lower it). */
#define RP_SCAN_KEEP_FILE_MIN ((size_t)64 << 20)
extern size_t rp_scan_keep_file_min;

/* Pairs aligned per window (0: about 1/16 of them; tests make it small). */
extern size_t rp_scan_align_window;

/* Tests: when not 0, the scan spills its fingerprints into about this many partitions (a power
 * of two, 4 to 1024) and its seeds into as many ranges (at most 256), and aligns in windows of
 * the documents whose hashes fit in this many times 4 KiB, whatever rp_options.memory
 * says. */
extern size_t rp_scan_spill_parts;

/* Tests: when not 0, the bytes of second documents' text one batch of a shared scan's
 * alignment takes at most (shared.c; otherwise half the process's own text, at least
 * 4 MiB). */
extern size_t rp_scan_lend_room;
/* Tests: when not 0, the bytes of text lent to rank 0 for the report one exchange of a shared
 * scan under a budget takes at most (shared.c; otherwise an eighth of the budget, at least
 * 4 MiB). */
extern size_t rp_scan_report_room;

/* The stages one at a time, for a scan shared among processes (shared.c); each gives what
 * rp_scan_run's stage gives for the same documents. */

/* Token hashes the fingerprinting keeps for the aligner, as rp_scan_run's first pass keeps
 * them: hashes[d] (OWNED, or NULL: the aligner tokenizes d again) and count[d] for every
 * document of the corpus; bytes is what they hold so far. A caller may put hashes it owns
 * elsewhere there (shared.c: lent ones) and take them out before rp_scan_kept_release. */
typedef struct rp_scan_kept {
    uint32_t **hashes;
    uint32_t *count;
    size_t docs, bytes;
} rp_scan_kept;

/* keep's arrays for the corpus's documents, none kept yet. */
rp_status rp_scan_kept_begin(rp_scan_kept *keep, const rp_corpus *corpus);

/* The fingerprints of documents [lo, hi) with their contexts (the index's re-mixed hashes),
 * by group (the hash's top 2 bits, the index's 4 groups: those of group 0 first), each
 * group's in (doc, pos) order; stats[0, hi - lo) gets those documents' token counts and
 * invalid UTF-8. out is OWNED (rp_fingerprints_release). With keep (its arrays allocated)
 * and no memory budget, the documents' token hashes are kept there too, up to the first
 * pass's cap (keep->bytes counted against it). */
rp_status rp_scan_fingerprint_docs(const rp_corpus *corpus, const rp_options *opts,
                                   uint32_t lo, uint32_t hi, rp_progress_fn progress,
                                   void *progress_ctx, rp_fingerprints *out,
                                   rp_doc_stats *stats, rp_scan_kept *keep);

/* Sorts the seeds (taken: *seeds is emptied) and aligns their pairs as rp_scan_run does;
 * out is OWNED (rp_hits_release), in canonical order. With keep (its hashes for the corpus's
 * documents: borrowed, left as they are), the documents kept there are not tokenized
 * again. */
rp_status rp_scan_align_seeds(const rp_corpus *corpus, const rp_options *opts, rp_seeds *seeds,
                              rp_scan_kept *keep, rp_progress_fn progress, void *progress_ctx,
                              rp_hits *out);

/* The kept hashes let go (keep is emptied). */
void rp_scan_kept_release(rp_scan_kept *keep);

/* Clusters from every hit of the scan (taken: *hits is emptied; any order), stats of every
 * document (copied) and the counts (alignments set here): the scan rp_scan_run makes. */
rp_status rp_scan_finish(const rp_corpus *corpus, const rp_options *opts, rp_hits *hits,
                         rp_doc_stats *stats, const rp_scan_counts *counts,
                         rp_progress_fn progress, void *progress_ctx, rp_scan **out);

#endif /* REPRINT_SCAN_H */
