/*
 * index.c - the fingerprint index: an LSD radix sort on the re-mixed hash (stable, so runs of
 * equal hash stay in (doc, pos) order), runs as postings, document frequency per run, and the
 * seed pairs of every run: all pairs of occurrences when df <= max_df; only neighbouring
 * documents when df > max_df (boilerplate candidates: linear, yet every copy is chained);
 * none for a huge run in few documents (more than max_df * 4 occurrences: quadratic).
 */
#include "index.h"

#include <stdlib.h>
#include <string.h>

uint64_t rp_index_remix(uint64_t h)
{
    h ^= h >> 33;
    h *= 0xff51afd7ed558ccdULL;
    h ^= h >> 33;
    h *= 0xc4ceb9fe1a85ec53ULL;
    h ^= h >> 33;
    return h;
}

size_t rp_index_occ_cap(const rp_options *opts)
{
    return (size_t)opts->max_df * 4;
}

void rp_index_sort(rp_fingerprint *fps, size_t count, rp_fingerprint *scratch)
{
    rp_fingerprint *src = fps, *dst = scratch;
    size_t counts[256];

    for (unsigned shift = 0; shift < 64; shift += 8) {
        memset(counts, 0, sizeof(counts));
        for (size_t i = 0; i < count; i++)
            counts[(src[i].hash >> shift) & 0xff]++;
        if (count == 0 || counts[(src[0].hash >> shift) & 0xff] == count)
            continue; /* every item shares this digit */
        size_t sum = 0;
        for (unsigned d = 0; d < 256; d++) {
            size_t c = counts[d];
            counts[d] = sum;
            sum += c;
        }
        for (size_t i = 0; i < count; i++)
            dst[counts[(src[i].hash >> shift) & 0xff]++] = src[i];
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

/* Every pair of occurrences of one run: other documents, or the same one without overlap. */
static rp_status run_seeds(const rp_fingerprint *run, size_t n, uint32_t k, rp_seeds *out)
{
    for (size_t i = 0; i < n; i++) {
        for (size_t j = i + 1; j < n; j++) {
            if (run[i].doc == run[j].doc && run[j].pos - run[i].pos < k)
                continue;
            if (RP_GROW(out->items, out->cap, out->count + 1) != RP_OK)
                return RP_ENOMEM;
            out->items[out->count++] =
                (rp_seed){run[i].doc, run[j].doc, run[i].pos, run[j].pos};
        }
    }
    return RP_OK;
}

/* A run in more than max_df documents (a boilerplate candidate) seeds only between each
 * document's first occurrence and the next document's: linear in the run, yet the alignments
 * still chain every copy of a template line into one cluster, which is labelled boilerplate. */
static rp_status run_chain_seeds(const rp_fingerprint *run, size_t n, rp_seeds *out)
{
    for (size_t i = 1, prev = 0; i < n; i++) {
        if (run[i].doc == run[prev].doc)
            continue;
        if (RP_GROW(out->items, out->cap, out->count + 1) != RP_OK)
            return RP_ENOMEM;
        out->items[out->count++] = (rp_seed){run[prev].doc, run[i].doc, run[prev].pos, run[i].pos};
        prev = i;
    }
    return RP_OK;
}

rp_status rp_index_seeds(const rp_fingerprint *fps, size_t count, const rp_options *opts,
                         rp_seeds *out, rp_index_stats *stats)
{
    size_t cap = rp_index_occ_cap(opts);
    for (size_t i = 0, j; i < count; i = j) {
        for (j = i + 1; j < count && fps[j].hash == fps[i].hash;)
            j++;
        stats->distinct++;
        if (j - i == 1)
            continue;
        if (run_df(fps + i, j - i) > opts->max_df) {
            size_t before = out->count;
            stats->frequent++;
            if (run_chain_seeds(fps + i, j - i, out) != RP_OK)
                return RP_ENOMEM;
            stats->seeds += out->count - before;
            continue;
        }
        if (j - i > cap) {
            stats->capped++;
            continue;
        }
        size_t before = out->count;
        if (run_seeds(fps + i, j - i, opts->shingle, out) != RP_OK)
            return RP_ENOMEM;
        stats->seeds += out->count - before;
    }
    return RP_OK;
}

static int seed_cmp(const void *pa, const void *pb)
{
    const rp_seed *a = pa, *b = pb;
    if (a->doc_a != b->doc_a)
        return a->doc_a < b->doc_a ? -1 : 1;
    if (a->doc_b != b->doc_b)
        return a->doc_b < b->doc_b ? -1 : 1;
    if (a->pos_a != b->pos_a)
        return a->pos_a < b->pos_a ? -1 : 1;
    if (a->pos_b != b->pos_b)
        return a->pos_b < b->pos_b ? -1 : 1;
    return 0;
}

void rp_seeds_sort(rp_seed *seeds, size_t count)
{
    if (count > 1)
        qsort(seeds, count, sizeof(*seeds), seed_cmp);
}
