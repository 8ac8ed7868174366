/*
 * index.c - the fingerprint index: an LSD radix sort on the re-mixed hash's key bits (stable, so
 * runs of equal key stay in (doc, pos) order), runs as postings, document frequency per run, and the
 * seed pairs of every run: all pairs of occurrences when df <= max_df; only neighbouring
 * documents when df > max_df (boilerplate candidates: linear, yet every copy is chained);
 * none for a huge run in few documents (more than max_df * 4 occurrences: quadratic).
 */
#include "scan/index.h"
#include "base/sort.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

size_t rp_index_occ_cap(const rp_options *opts)
{
    return (size_t)opts->max_df * 4;
}

#define KEY_DIGIT0 (RP_INDEX_CTX_BITS / 8)
_Static_assert(RP_INDEX_CTX_BITS % 8 == 0 && RP_INDEX_CTX_BITS >= 24,
               "the context fills whole digits and holds four 6-bit sketches");

void rp_index_sort(rp_fingerprint *fps, size_t count, rp_fingerprint *scratch)
{
    rp_fingerprint *src = fps, *dst = scratch;
    size_t counts[8][256];

    memset(counts, 0, sizeof(counts));
    for (size_t i = 0; i < count; i++) /* every digit's histogram in one pass */
        for (unsigned d = KEY_DIGIT0; d < 8; d++)
            counts[d][(src[i].hash >> (8 * d)) & 0xff]++;
    for (unsigned d = KEY_DIGIT0; d < 8 && count > 0; d++) {
        if (counts[d][(src[0].hash >> (8 * d)) & 0xff] == count)
            continue; /* every item shares this digit */
        size_t sum = 0;
        for (unsigned v = 0; v < 256; v++) {
            size_t c = counts[d][v];
            counts[d][v] = sum;
            sum += c;
        }
        for (size_t i = 0; i < count; i++)
            dst[counts[d][(src[i].hash >> (8 * d)) & 0xff]++] = src[i];
        rp_fingerprint *t = src;
        src = dst;
        dst = t;
    }
    if (src != fps)
        memcpy(fps, src, count * sizeof(*fps));
}

/* Distinct documents of a run in (doc, pos) order. */
static size_t run_df(const rp_fingerprint *run, size_t n)
{
    size_t df = n > 0;
    for (size_t i = 1; i < n; i++)
        df += run[i].doc != run[i - 1].doc;
    return df;
}

/* The seed between occurrences x and y of a run (contexts in their hashes' low bits). */
static inline rp_seed seed_of(const rp_fingerprint *x, const rp_fingerprint *y, uint32_t weak)
{
    return rp_seed_of(x->doc, x->pos, x->hash, y->doc, y->pos, y->hash, weak);
}

/* Every pair of occurrences of one run in different documents; inside one document, each
 * occurrence with the next one that does not overlap it. Pairing every two places of one
 * document would align a passage repeated m times back to back (a tandem repeat) on m - 1
 * diagonals, and report runs of 2, 3 ... copies as passages of their own; neighbours give
 * one diagonal, one passage per copy, and still chain every copy into one cluster. */
static rp_status run_seeds(const rp_fingerprint *run, size_t n, uint32_t k, uint32_t weak,
                           rp_seeds *out)
{
    for (size_t i = 0; i < n; i++) {
        bool met = false; /* occurrence i has met the next place in its own document */
        for (size_t j = i + 1; j < n; j++) {
            if (run[i].doc == run[j].doc && (met || run[j].pos - run[i].pos < k))
                continue;
            met = met || run[i].doc == run[j].doc;
            if (RP_GROW(out->items, out->cap, out->count + 1) != RP_OK)
                return RP_ENOMEM;
            out->items[out->count++] = seed_of(&run[i], &run[j], weak);
        }
    }
    return RP_OK;
}

/* Seeds of a run that is too common for every pair: each document's first occurrence meets
 * the next document's, and inside one document each occurrence meets the next one that does
 * not overlap it. Linear in the run, yet the alignments still chain every copy into one
 * cluster (a template line's copies, or a wire story reprinted by many outlets). */
static rp_status run_chain_seeds(const rp_fingerprint *run, size_t n, uint32_t k,
                                 uint32_t weak, rp_seeds *out)
{
    for (size_t i = 1, prev = 0, first = 0; i < n; i++) {
        rp_seed seed;
        if (run[i].doc != run[first].doc) {
            seed = seed_of(&run[first], &run[i], weak);
            first = prev = i;
        } else if (run[i].pos - run[prev].pos >= k) {
            seed = seed_of(&run[prev], &run[i], weak);
            prev = i;
        } else {
            continue;
        }
        if (RP_GROW(out->items, out->cap, out->count + 1) != RP_OK)
            return RP_ENOMEM;
        out->items[out->count++] = seed;
    }
    return RP_OK;
}

rp_status rp_index_seeds(const rp_fingerprint *fps, size_t count, const rp_options *opts,
                         rp_seeds *out, rp_index_stats *stats)
{
    size_t cap = rp_index_occ_cap(opts);
    for (size_t i = 0, j; i < count; i = j) {
        for (j = i + 1; j < count && RP_INDEX_KEY(fps[j].hash) == RP_INDEX_KEY(fps[i].hash);)
            j++;
        stats->distinct++;
        if (j - i == 1)
            continue;
        size_t df = run_df(fps + i, j - i), before = out->count;
        uint32_t weak = rp_seed_weak(df);
        if (df > opts->max_df)
            stats->frequent++;
        else if (j - i > cap) {
            stats->capped++;
            continue;
        }
        if (df > RP_INDEX_PAIR_DF) {
            if (run_chain_seeds(fps + i, j - i, opts->shingle, weak, out) != RP_OK)
                return RP_ENOMEM;
            stats->seeds += out->count - before;
            continue;
        }
        if (run_seeds(fps + i, j - i, opts->shingle, weak, out) != RP_OK)
            return RP_ENOMEM;
        stats->seeds += out->count - before;
    }
    return RP_OK;
}

rp_status rp_index_bucket(rp_fingerprint *fps, size_t count, rp_fingerprints *scratch,
                          const rp_options *opts, rp_seeds *out, rp_index_stats *stats)
{
    if (RP_GROW(scratch->items, scratch->cap, count) != RP_OK)
        return RP_ENOMEM;
    rp_index_sort(fps, count, scratch->items);
    return rp_index_seeds(fps, count, opts, out, stats);
}

RP_DEFINE_SORT(seed_sort, rp_seed, rp_seed_less)

void rp_seeds_sort(rp_seed *seeds, size_t count)
{
    size_t i = 1; /* sorted already (a shared scan's merged batches): left as they are */
    while (i < count && !rp_seed_less(&seeds[i], &seeds[i - 1]))
        i++;
    if (i < count)
        seed_sort(seeds, count);
}
