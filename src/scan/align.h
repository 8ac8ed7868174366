/*
 * align.h - private: seed chains along diagonals and banded token alignment of one document
 * pair (or one document with itself) into passage pairs with identity.
 */
#ifndef REPRINT_ALIGN_H
#define REPRINT_ALIGN_H

#include "scan/index.h"

#include <stdbool.h>

/* Chaining limits: a seed joins a chain when it starts at most RP_ALIGN_GAP tokens after the
 * chain's last seed ends on both sides, and its diagonal (pos_b - pos_a) drifts by at most
 * RP_ALIGN_DRIFT tokens. */
#define RP_ALIGN_GAP 30
#define RP_ALIGN_DRIFT 10
/* Extension: band half-width and X-drop (score: match +1, mismatch -1, gap -1). */
#define RP_ALIGN_BAND 8
#define RP_ALIGN_XDROP 8

typedef enum {
    RP_HIT_REPORTED = 0,
    RP_HIT_SHORT,        /* a side has fewer than min_tokens tokens */
    RP_HIT_LOW_IDENTITY, /* matches / columns below min_identity */
    RP_HIT_OVERLAP,      /* one document: the two sides overlap */
    RP_HIT_MERGED        /* folded into a neighbouring alignment (explain only) */
} rp_hit_status;

/* An aligned passage pair: token ranges [a_start, a_end) of doc_a and [b_start, b_end) of
 * doc_b; identity = matches / columns. */
typedef struct rp_hit {
    uint32_t doc_a, a_start, a_end;
    uint32_t doc_b, b_start, b_end;
    uint32_t matches, columns;
    uint32_t seeds;
    rp_hit_status status;
} rp_hit;

typedef struct rp_hits {
    rp_hit *items;
    size_t count;
    size_t cap;
} rp_hits;

/* A chain of seeds: first and last seed positions and how many seeds it holds. */
typedef struct rp_chain {
    uint32_t first_a, first_b, last_a, last_b;
    uint32_t seeds;
} rp_chain;

typedef struct rp_chains {
    rp_chain *items;
    size_t count;
    size_t cap;
} rp_chains;

/* Reusable scratch of one aligning thread. */
typedef struct rp_align_work {
    rp_chains chains;
    size_t *active;
    size_t active_cap;
    void *cells;
    size_t cells_cap;
    rp_hits cands;
} rp_align_work;

void rp_align_work_init(rp_align_work *work);
void rp_align_work_release(rp_align_work *work);

/* Chains the seeds of one pair (sorted by pos_a, pos_b) into work->chains, in chain-start order. */
rp_status rp_align_chain(const rp_options *opts, const rp_seed *seeds, size_t count,
                         rp_align_work *work);

/* Global alignment of a[0, la) with b[0, lb) in a band around the corner-to-corner diagonal. */
rp_status rp_align_global(const uint32_t *a, uint32_t la, const uint32_t *b, uint32_t lb,
                          rp_align_work *work, uint32_t *matches, uint32_t *columns);

/*
 * Aligns one pair: a (na token hashes) against b (nb), same_doc when both are one document.
 * Seeds (all of one (doc_a, doc_b), sorted) are chained, each chain aligned over its span and
 * extended (X-drop) beyond its outer seeds, overlapping results merged; each result is
 * appended to out with its status. keep_rejected: also append rejected and merged ones.
 */
rp_status rp_align_pair(const rp_options *opts, const uint32_t *a, uint32_t na,
                        const uint32_t *b, uint32_t nb, const rp_seed *seeds, size_t count,
                        bool keep_rejected, rp_align_work *work, rp_hits *out);

#endif /* REPRINT_ALIGN_H */
