/*
 * shingle.c - k-token shingles hashed with XXH3-64, selected by winnowing (Schleimer, Wilkerson
 * and Aiken, "Winnowing: local algorithms for document fingerprinting", SIGMOD 2003). Robust
 * winnowing: each window of w shingle hashes selects its rightmost minimum, recorded once when
 * the selection moves. Any run of w+k-1 tokens shared by two texts therefore shares at least
 * one fingerprint.
 */
#include "internal.h"

#define XXH_INLINE_ALL /* one hash per token: let it inline (the values are the library's) */
#include <xxhash.h>

#define RP_SHINGLE_SEED 0x72657072696e74ULL /* "reprint" */

enum { RING = 1024, RING_MASK = RING - 1 }; /* a power of two >= the largest window */

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

/* Hash of the k token hashes starting at toks[pos]. The default k = 5 gets a constant length,
 * so that XXH3 picks its 17..128-byte path at compile time. */
static inline uint64_t shingle_hash(const rp_token *toks, size_t pos, uint32_t k)
{
    uint64_t buf[64];

    if (k == 5) {
        for (uint32_t i = 0; i < 5; i++)
            buf[i] = toks[pos + i].hash;
        return XXH3_64bits_withSeed(buf, 5 * sizeof(buf[0]), RP_SHINGLE_SEED);
    }
    for (uint32_t i = 0; i < k; i++)
        buf[i] = toks[pos + i].hash;
    return XXH3_64bits_withSeed(buf, (size_t)k * sizeof(buf[0]), RP_SHINGLE_SEED);
}

/* The rightmost minimum of ring positions [lo, hi]. */
static size_t rightmost_min(const uint64_t *ring, size_t lo, size_t hi)
{
    size_t best = hi;
    uint64_t min = ring[hi & RING_MASK];

    for (size_t j = hi; j > lo; j--)
        if (ring[(j - 1) & RING_MASK] < min)
            best = j - 1, min = ring[best & RING_MASK];
    return best;
}

static inline rp_status push(rp_fingerprints *fps, uint64_t hash, uint32_t doc, size_t pos)
{
    if (fps->count == fps->cap && RP_GROW(fps->items, fps->cap, fps->count + 1) != RP_OK)
        return RP_ENOMEM;
    fps->items[fps->count++] = (rp_fingerprint){hash, doc, (uint32_t)pos};
    return RP_OK;
}

rp_status rp_shingle_winnow(const rp_options *opts, const rp_token *toks, size_t count, uint32_t doc,
                         rp_fingerprints *fps)
{
    const uint32_t k = opts->shingle, w = opts->window;
    uint64_t ring[RING]; /* shingle i at ring[i & RING_MASK]; w <= 1024 (rp_options_check) */
    uint64_t min;
    size_t shingles, first, chosen;

    if (k < 1 || k > 64 || w < 1 || w > RING)
        return RP_EINVAL;
    if (count < k)
        return RP_OK;
    if (count - k + 1 > UINT32_MAX)
        return RP_ELIMIT;
    shingles = count - k + 1;
    first = shingles < w ? shingles : w; /* the first window (or all there is) */
    chosen = 0;
    min = ring[0] = shingle_hash(toks, 0, k);
    for (size_t i = 1; i < first; i++) {
        ring[i] = shingle_hash(toks, i, k);
        if (ring[i] <= min) /* the rightmost minimum */
            chosen = i, min = ring[i];
    }
    if (push(fps, min, doc, chosen) != RP_OK)
        return RP_ENOMEM;
    for (size_t i = first; i < shingles; i++) {
        uint64_t h = shingle_hash(toks, i, k);
        ring[i & RING_MASK] = h;
        if (chosen + w <= i) { /* the minimum left the window */
            chosen = rightmost_min(ring, i + 1 - w, i);
            min = ring[chosen & RING_MASK];
        } else if (h < min) { /* ties keep the earlier choice: the robust rule */
            chosen = i;
            min = h;
        } else {
            continue;
        }
        if (push(fps, min, doc, chosen) != RP_OK)
            return RP_ENOMEM;
    }
    return RP_OK;
}
