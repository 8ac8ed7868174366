/*
 * shingle.c - k-token shingles hashed with XXH3-64, selected by winnowing (Schleimer, Wilkerson
 * and Aiken, "Winnowing: local algorithms for document fingerprinting", SIGMOD 2003). Robust
 * winnowing: each window of w shingle hashes selects its rightmost minimum, recorded once when
 * the selection moves. Any run of w+k-1 tokens shared by two texts therefore shares at least
 * one fingerprint.
 */
#include "internal.h"

#include <xxhash.h>

#define RP_SHINGLE_SEED 0x72657072696e74ULL /* "reprint" */

void rp_fingerprints_init(rp_fingerprints *fps)
{
    fps->items = NULL;
    fps->count = fps->cap = 0;
}

void rp_fingerprints_release(rp_fingerprints *fps)
{
    rp_free(fps->items);
    rp_fingerprints_init(fps);
}

/* Hash of the k token hashes starting at toks[pos]. */
static uint64_t shingle_hash(const rp_token *toks, size_t pos, uint32_t k)
{
    uint64_t buf[64];
    for (uint32_t i = 0; i < k; i++)
        buf[i] = toks[pos + i].hash;
    return XXH3_64bits_withSeed(buf, (size_t)k * sizeof(buf[0]), RP_SHINGLE_SEED);
}

static rp_status push(rp_fingerprints *fps, uint64_t hash, uint32_t doc, size_t pos)
{
    if (RP_GROW(fps->items, fps->cap, fps->count + 1) != RP_OK)
        return RP_ENOMEM;
    fps->items[fps->count++] = (rp_fingerprint){hash, doc, (uint32_t)pos};
    return RP_OK;
}

/* The rightmost minimum of ring positions [lo, hi]. */
static size_t rightmost_min(const uint64_t *ring, uint32_t w, size_t lo, size_t hi)
{
    size_t best = hi;
    for (size_t j = hi; j > lo; j--)
        if (ring[(j - 1) % w] < ring[best % w])
            best = j - 1;
    return best;
}

rp_status rp_shingle_winnow(const rp_options *opts, const rp_token *toks, size_t count, uint32_t doc,
                         rp_fingerprints *fps)
{
    const uint32_t k = opts->shingle, w = opts->window;
    uint64_t ring[1024]; /* the last w shingle hashes; w <= 1024 (rp_options_check) */
    size_t shingles, chosen = SIZE_MAX;

    if (k < 1 || k > 64 || w < 1 || w > 1024)
        return RP_EINVAL;
    if (count < k)
        return RP_OK;
    if (count - k + 1 > UINT32_MAX)
        return RP_ELIMIT;
    shingles = count - k + 1;
    for (size_t i = 0; i < shingles; i++) {
        ring[i % w] = shingle_hash(toks, i, k);
        if (i + 1 < w && i + 1 < shingles)
            continue; /* the first window is not full yet */
        size_t lo = i + 1 >= w ? i + 1 - w : 0, next = chosen;
        if (chosen == SIZE_MAX || chosen < lo)
            next = rightmost_min(ring, w, lo, i); /* first window, or the minimum left it */
        else if (ring[i % w] < ring[chosen % w])
            next = i; /* ties keep the earlier choice: the robust rule */
        if (next != chosen) {
            chosen = next;
            if (push(fps, ring[chosen % w], doc, chosen) != RP_OK)
                return RP_ENOMEM;
        }
    }
    return RP_OK;
}
