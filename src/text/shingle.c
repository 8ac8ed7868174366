/*
 * shingle.c - k-token shingles hashed with XXH3-64, selected by winnowing (Schleimer, Wilkerson
 * and Aiken, "Winnowing: local algorithms for document fingerprinting", SIGMOD 2003). Robust
 * winnowing: each window of w shingle hashes selects its rightmost minimum, recorded once when
 * the selection moves. Any run of w+k-1 tokens shared by two texts therefore shares at least
 * one fingerprint.
 */
#include "base/base.h"
#include "text/text.h"

#define XXH_INLINE_ALL /* one hash per token: let it inline (the values are the library's) */
#include <xxhash.h>

#define RP_SHINGLE_SEED 0x72657072696e74ULL /* "reprint" */

enum { RING_MASK = RP_WINNOW_RING - 1 };

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

#if defined(__GNUC__)
#define RP_ALWAYS_INLINE inline __attribute__((always_inline))
#else
#define RP_ALWAYS_INLINE inline
#endif

/* Hash of the k token hashes starting at toks[pos]. The default k = 5 gets a constant length,
 * so that XXH3 picks its 17..128-byte path at compile time. Always inlined into the winnowing
 * loop: a call a token cost winnowing 30% more instructions. */
static RP_ALWAYS_INLINE uint64_t shingle_hash(const rp_token *toks, size_t pos, uint32_t k)
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

rp_status rp_winnow_begin(rp_winnow *wn, const rp_options *opts, uint32_t doc)
{
    if (opts->shingle < 1 || opts->shingle > 64 || opts->window < 1 ||
        opts->window > RP_WINNOW_RING)
        return RP_EINVAL;
    wn->k = opts->shingle;
    wn->w = opts->window;
    wn->doc = doc;
    wn->next = wn->chosen = 0;
    wn->min = 0;
    return RP_OK;
}

rp_status rp_winnow_feed(rp_winnow *wn, const rp_token *toks, size_t count, size_t base,
                         rp_fingerprints *fps)
{
    const uint32_t k = wn->k, w = wn->w;
    uint64_t *ring = wn->ring;
    uint64_t min = wn->min; /* the state in locals: fps->items may alias *wn for the compiler */
    size_t chosen = wn->chosen, shingles;

    if (base > wn->next)
        return RP_EINVAL; /* shingle next's first token was never fed */
    if (base + count < k)
        return RP_OK;
    shingles = base + count - k + 1;
    if (shingles > UINT32_MAX)
        return RP_ELIMIT; /* positions are 32 bits */
    size_t i = wn->next;
    for (; i < shingles && i + 1 < w; i++) /* the first window is not full yet */
        ring[i & RING_MASK] = shingle_hash(toks, i - base, k);
    if (i < shingles && i + 1 == w) { /* the first window: its rightmost minimum */
        ring[i & RING_MASK] = shingle_hash(toks, i - base, k);
        chosen = rightmost_min(ring, 0, i);
        min = ring[chosen & RING_MASK];
        if (push(fps, min, wn->doc, chosen) != RP_OK)
            return RP_ENOMEM;
        i++;
    }
    for (; i < shingles; i++) {
        uint64_t h = shingle_hash(toks, i - base, k);
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
        if (push(fps, min, wn->doc, chosen) != RP_OK)
            return RP_ENOMEM;
    }
    wn->chosen = chosen;
    wn->min = min;
    if (shingles > wn->next)
        wn->next = shingles;
    return RP_OK;
}

rp_status rp_winnow_end(rp_winnow *wn, rp_fingerprints *fps)
{
    if (wn->next == 0 || wn->next >= wn->w)
        return RP_OK;
    /* fewer shingles than a window: the rightmost minimum of all there are */
    wn->chosen = rightmost_min(wn->ring, 0, wn->next - 1);
    wn->min = wn->ring[wn->chosen & RING_MASK];
    return push(fps, wn->min, wn->doc, wn->chosen);
}

rp_status rp_shingle_winnow(const rp_options *opts, const rp_token *toks, size_t count, uint32_t doc,
                         rp_fingerprints *fps)
{
    rp_winnow wn;
    rp_status st = rp_winnow_begin(&wn, opts, doc);

    if (st == RP_OK)
        st = rp_winnow_feed(&wn, toks, count, 0, fps);
    if (st == RP_OK)
        st = rp_winnow_end(&wn, fps);
    return st;
}
