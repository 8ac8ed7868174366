/*
 * index.h - private: the fingerprint index of the scan (radix sort on a re-mixed hash, runs of
 * equal hashes, document frequency) and the seed pairs it yields.
 */
#ifndef REPRINT_INDEX_H
#define REPRINT_INDEX_H

#include "internal.h"

/* A seed: the same fingerprint at (doc_a, pos_a) and (doc_b, pos_b); doc_a <= doc_b, and in one
 * document pos_a + k <= pos_b (non-overlapping shingles). */
typedef struct rp_seed {
    uint32_t doc_a;
    uint32_t doc_b;
    uint32_t pos_a;
    uint32_t pos_b;
} rp_seed;

typedef struct rp_seeds {
    rp_seed *items;
    size_t count;
    size_t cap;
} rp_seeds;

typedef struct rp_index_stats {
    uint64_t distinct; /* runs of equal hash */
    uint64_t frequent; /* runs in more than max_df documents: neighbouring documents only */
    uint64_t capped;   /* runs of more than rp_index_occ_cap() occurrences: no seeds */
    uint64_t seeds;
} rp_index_stats;

/* Bijective 64-bit mixer (MurmurHash3's fmix64): winnowed minima cluster at small values, so
 * the index sorts and partitions by the re-mixed hash. */
uint64_t rp_index_remix(uint64_t hash);

/* Runs in more documents than this seed only between neighbouring documents (and neighbouring
 * places in one document), not every pair: seeds then grow linearly with the corpus, where
 * all pairs of a phrase common by chance grow with the square of its document frequency. */
#ifndef RP_INDEX_PAIR_DF
#define RP_INDEX_PAIR_DF 8
#endif

/* A seed from a run in at least this many documents is weak: a pair of documents whose only
 * seed is weak shares one phrase that is common by chance and is not aligned. The flag is
 * the top bit of pos_b (token positions stay below 2^31: a token and its separator take at
 * least two bytes of a document under 4 GiB); find_pairs clears it. */
#ifndef RP_INDEX_WEAK_DF
#define RP_INDEX_WEAK_DF 9
#endif
#define RP_SEED_WEAK 0x80000000u

/* Runs with more occurrences than this seed nothing (max_df * 4): a word repeated millions of
 * times, or a paragraph repeated thousands of times, would otherwise make seeds quadratic. */
size_t rp_index_occ_cap(const rp_options *opts);

/* Stable LSD radix sort of fps by hash, 8-bit digits, skipping digits that all items share.
 * scratch holds count items. Input in (doc, pos) order gives (hash, doc, pos) order. */
void rp_index_sort(rp_fingerprint *fps, size_t count, rp_fingerprint *scratch);

/* Walks the runs of equal hash of sorted fps (each run in (doc, pos) order), counts them into
 * stats and appends their seeds: every pair for a run with df <= max_df and few enough
 * occurrences; each document's first occurrence with the next document's for df > max_df. */
rp_status rp_index_seeds(const rp_fingerprint *fps, size_t count, const rp_options *opts,
                         rp_seeds *out, rp_index_stats *stats);

/* Sorts seeds by (doc_a, doc_b, pos_a, pos_b). */
void rp_seeds_sort(rp_seed *seeds, size_t count);

#endif /* REPRINT_INDEX_H */
