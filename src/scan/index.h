/*
 * index.h - private: the fingerprint index of the scan (radix sort on a re-mixed hash, runs of
 * equal hashes, document frequency) and the seed pairs it yields.
 */
#ifndef REPRINT_INDEX_H
#define REPRINT_INDEX_H

#include "base/base.h"

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

/* The low RP_INDEX_CTX_BITS bits of a scan fingerprint's (re-mixed) hash carry its context
 * instead of hash bits: 6-bit sketches of the two tokens before the shingle and the two after
 * it (0: no token there; rp_index_context). Runs are fingerprints whose top 64 - CTX bits are
 * equal (40 bits: about 2,000 chance collisions among 60 million fingerprints, each at worst a
 * seed the aligner rejects). Two occurrences whose contexts share no token make a lone seed: a
 * pair of documents held only by one lone seed shares a phrase with differing words on both
 * sides, which the aligner's ungapped test almost always rejects, so the scan drops it before
 * tokenizing the documents again. */
#define RP_INDEX_CTX_BITS 24
#define RP_INDEX_KEY(h) ((h) >> RP_INDEX_CTX_BITS)

/* The context of the shingle of k tokens at pos among toks[0, n). (Inline: the first pass
 * makes one for every fingerprint.) */
static inline uint32_t rp_index_context(const rp_token *toks, size_t n, uint32_t pos, uint32_t k)
{
    const int64_t at[4] = {(int64_t)pos - 2, (int64_t)pos - 1, (int64_t)pos + k,
                           (int64_t)pos + k + 1};
    uint32_t ctx = 0;
    for (unsigned i = 0; i < 4; i++) {
        if (at[i] < 0 || at[i] >= (int64_t)n)
            continue;
        /* the aligner's 32-bit token hash, scaled to 1..63 */
        uint64_t h = toks[at[i]].hash;
        uint32_t h32 = (uint32_t)(h ^ (h >> 32)) * 0x9e3779b1u;
        ctx |= (uint32_t)(1 + (((uint64_t)h32 * 63) >> 32)) << (6 * i);
    }
    return ctx;
}

/* Whether two contexts share a token in the same place. */
static inline int rp_index_context_match(uint64_t x, uint64_t y)
{
    for (unsigned i = 0; i < RP_INDEX_CTX_BITS; i += 6) {
        uint64_t a = x >> i & 63;
        if (a && a == (y >> i & 63))
            return 1;
    }
    return 0;
}

/* Bijective 64-bit mixer (MurmurHash3's fmix64): winnowed minima cluster at small values, so
 * the index sorts and partitions by the re-mixed hash. */
static inline uint64_t rp_index_remix(uint64_t h)
{
    h ^= h >> 33;
    h *= 0xff51afd7ed558ccdULL;
    h ^= h >> 33;
    h *= 0xc4ceb9fe1a85ec53ULL;
    h ^= h >> 33;
    return h;
}

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
/* A lone seed (see RP_INDEX_CTX_BITS): the top bit of pos_a. */
#define RP_SEED_LONE 0x80000000u

/* The weak flag of a seed from a run in df documents. */
static inline uint32_t rp_seed_weak(size_t df)
{
    return df >= RP_INDEX_WEAK_DF ? RP_SEED_WEAK : 0;
}

/* A seed between place a (context ctx_a, as rp_index_context gives it) and place b, flagged
 * lone when the contexts share no token, and carrying weak (rp_seed_weak). The scan's index
 * and --explain make their seeds here, so both flag them alike. */
static inline rp_seed rp_seed_of(uint32_t doc_a, uint32_t pos_a, uint64_t ctx_a, uint32_t doc_b,
                                 uint32_t pos_b, uint64_t ctx_b, uint32_t weak)
{
    uint32_t lone = rp_index_context_match(ctx_a, ctx_b) ? 0 : RP_SEED_LONE;
    return (rp_seed){doc_a, doc_b, pos_a | lone, pos_b | weak};
}

/* Whether a pair of documents held by this seed alone is left unaligned (weak or lone). */
static inline int rp_seed_alone_dropped(const rp_seed *s)
{
    return (s->pos_b & RP_SEED_WEAK) || (s->pos_a & RP_SEED_LONE);
}

/* The seed's positions without its flags. */
static inline void rp_seed_clear_flags(rp_seed *s)
{
    s->pos_a &= ~RP_SEED_LONE;
    s->pos_b &= ~RP_SEED_WEAK;
}

/* Runs with more occurrences than this seed nothing (max_df * 4): a word repeated millions of
 * times, or a paragraph repeated thousands of times, would otherwise make seeds quadratic. */
size_t rp_index_occ_cap(const rp_options *opts);

/* Stable LSD radix sort of fps by RP_INDEX_KEY(hash), 8-bit digits, skipping digits that all
 * items share. scratch holds count items. Input in (doc, pos) order gives (key, doc, pos)
 * order. */
void rp_index_sort(rp_fingerprint *fps, size_t count, rp_fingerprint *scratch);

/* Walks the runs of equal key of sorted fps (each run in (doc, pos) order), counts them into
 * stats and appends their seeds: every pair for a run with df <= max_df and few enough
 * occurrences; each document's first occurrence with the next document's for df > max_df. */
rp_status rp_index_seeds(const rp_fingerprint *fps, size_t count, const rp_options *opts,
                         rp_seeds *out, rp_index_stats *stats);

/* One bucket of an index: fps sorted (rp_index_sort, scratch grown to count items) and its
 * runs' seeds appended (rp_index_seeds). The one-process scan and the shared one both index
 * bucket by bucket with it. */
rp_status rp_index_bucket(rp_fingerprint *fps, size_t count, rp_fingerprints *scratch,
                          const rp_options *opts, rp_seeds *out, rp_index_stats *stats);

/* The seeds' order: (doc_a, doc_b, pos_a, pos_b), flags ignored, as two 64-bit keys. */
static inline bool rp_seed_less(const rp_seed *a, const rp_seed *b)
{
    uint64_t ha = (uint64_t)a->doc_a << 32 | a->doc_b, hb = (uint64_t)b->doc_a << 32 | b->doc_b;
    if (ha != hb)
        return ha < hb;
    return ((uint64_t)(a->pos_a & ~RP_SEED_LONE) << 32 | (a->pos_b & ~RP_SEED_WEAK)) <
           ((uint64_t)(b->pos_a & ~RP_SEED_LONE) << 32 | (b->pos_b & ~RP_SEED_WEAK));
}

/* Sorts seeds by rp_seed_less. */
void rp_seeds_sort(rp_seed *seeds, size_t count);

#endif /* REPRINT_INDEX_H */
