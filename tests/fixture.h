/* fixture.h - helpers the cmocka tests share: temporary files, allocation failures. */
#ifndef REPRINT_TEST_FIXTURE_H
#define REPRINT_TEST_FIXTURE_H

#include "reprint.h"

#include <stdio.h>

/* Removes path and everything below it, not following symbolic links; directories a test made
 * unreadable are opened up first. Missing paths are fine. */
void fixture_remove_tree(const char *path);

/* Runs rp_scan_run with its n-th allocation failing, n = 1, 2, ..., asserting RP_ENOMEM and
 * no scan each time, until a run needs fewer allocations than n; returns that run's scan
 * (OWNED: rp_scan_free). */
rp_scan *fixture_scan_past_allocation_failures(const rp_corpus *c, const rp_options *o);

/* Documents of random words from vocab[0, nv) (a generator seeded by seed), some holding
 * copies of four shared passages of 80 words with a word inserted: many fingerprints, runs and
 * clusters. OWNED: rp_corpus_free. */
rp_corpus *fixture_made_corpus(uint64_t seed, unsigned docs, const char *const *vocab, size_t nv);

/* The corpus read from a path of the source tree (RP_SOURCE_DIR), asserted not empty. */
rp_corpus *fixture_read_source(const char *rel);

/* Whether p lies in a mapping of a file (/proc/self/maps: an inode), not anonymous memory. */
bool fixture_in_file_mapping(const void *p);

/* Asserts that two scans of the same corpus (docs documents) found the same: clusters, their
 * passages (places, tokens, identity, partial and within), pairs, and each document's stats. */
void fixture_assert_same_scans(const rp_scan *x, const rp_scan *y, size_t docs);

/* What fn(out, s, len) writes, captured in memory (OWNED: free()); its length in *out_len when
 * out_len is not NULL. */
char *fixture_captured(void (*fn)(FILE *, const char *, size_t), const char *s, size_t len,
                       size_t *out_len);

#endif /* REPRINT_TEST_FIXTURE_H */
