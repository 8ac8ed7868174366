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
    RP_HIT_MERGED,       /* folded into a neighbouring alignment (explain only) */
    RP_HIT_BRIDGED,      /* joined to the alignment before it across a gap (explain only) */
    RP_HIT_TRIMMED       /* below min_identity: cut into the pieces that pass (explain only) */
} rp_hit_status;

/* A stretch left unaligned inside a passage pair (an inserted, deleted or rewritten clause):
 * token ranges [a_start, a_end) and [b_start, b_end), either may be empty. */
typedef struct rp_token_gap {
    uint32_t a_start, a_end, b_start, b_end;
} rp_token_gap;

/* An aligned passage pair: token ranges [a_start, a_end) of doc_a and [b_start, b_end) of
 * doc_b; identity = matches / columns, counted over the aligned columns only (the bridged gaps,
 * gap_count of them from its list's gaps[gap_first], are not columns). */
typedef struct rp_hit {
    uint32_t doc_a, a_start, a_end;
    uint32_t doc_b, b_start, b_end;
    uint32_t matches, columns;
    uint32_t seeds;
    uint32_t gap_first, gap_count;
    rp_hit_status status;
} rp_hit;

/* Hits and the gaps they bridge (a hit's gaps are consecutive, in token order). */
typedef struct rp_hits {
    rp_hit *items;
    size_t count;
    size_t cap;
    rp_token_gap *gaps;
    size_t gap_count;
    size_t gap_cap;
} rp_hits;

/* Longest stretch bridged inside a copy of `tokens` tokens: max(40, a third of the copy). */
#define RP_ALIGN_GAP_MIN 40
static inline uint32_t rp_align_gap_limit(uint32_t tokens)
{
    return tokens / 3 > RP_ALIGN_GAP_MIN ? tokens / 3 : RP_ALIGN_GAP_MIN;
}

/* Appends hit h of list `from` (its gaps too) to list `to`. */
rp_status rp_hits_append(rp_hits *to, const rp_hit *h, const rp_hits *from);
void rp_hits_release(rp_hits *hits);

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
    unsigned char *dirs; /* traceback of a trimmed alignment */
    size_t dirs_cap;
    void *path; /* its columns */
    size_t path_cap;
    rp_hits cands;
    rp_hits pieces; /* what one trimmed alignment became */
} rp_align_work;

void rp_align_work_init(rp_align_work *work);
void rp_align_work_release(rp_align_work *work);

/* Chains the seeds of one pair (sorted by pos_a, pos_b) into work->chains, in chain-start order. */
rp_status rp_align_chain(const rp_options *opts, const rp_seed *seeds, size_t count,
                         rp_align_work *work);

/* Global alignment of a[0, la) with b[0, lb) in a band around the corner-to-corner diagonal:
 * the common prefix and suffix are taken as matches without DP (exact), the rest is filled
 * with packed cells. */
rp_status rp_align_global(const uint32_t *a, uint32_t la, const uint32_t *b, uint32_t lb,
                          rp_align_work *work, uint32_t *matches, uint32_t *columns);
/* The same alignment filled cell by cell over the whole band (the reference: tests compare
 * the two; rp_align_global takes it for sides of 2^28 tokens or more). */
rp_status rp_align_global_cells(const uint32_t *a, uint32_t la, const uint32_t *b, uint32_t lb,
                                rp_align_work *work, uint32_t *matches, uint32_t *columns);

/* An X-drop extension: tokens taken on each side, matches and columns. */
typedef struct rp_align_ext {
    uint32_t a, b, matches, columns;
} rp_align_ext;

/* Tests: true makes the narrow (32-bit) cells take SSE2 alone even where the processor has
 * SSE4.1 (the default takes SSE4.1 there); both give the same cells. Set it before aligning,
 * on one thread. */
void rp_align_narrow_sse2_only(bool on);
/* Tests: true makes rp_align_global and rp_align_extend fill the wide (64-bit) packed cells even
 * where the narrow ones would be taken, to compare the two. Set it before aligning, on one
 * thread. */
void rp_align_narrow_off(bool on);

/* Extends from a point: token t of a side is seq[base + dir * t] for t < len (dir 1 or -1).
 * cells: the reference, cell by cell over the whole band; else as rp_align_pair extends (an
 * exact run first, packed cells after). Tests compare the two. */
rp_align_ext rp_align_extend(const uint32_t *a, int64_t a_base, uint32_t a_len, const uint32_t *b,
                             int64_t b_base, uint32_t b_len, int dir, bool cells);

/*
 * Aligns one pair: a (na token hashes) against b (nb), same_doc when both are one document.
 * Seeds (all of one (doc_a, doc_b), sorted) are chained, each chain aligned over its span and
 * extended (X-drop) beyond its outer seeds; overlapping results are merged (never losing one
 * that passes on its own), consecutive ones whose flanks pass are bridged across a gap of at
 * most rp_align_gap_limit tokens, and one below min_identity is trimmed to its longest
 * stretches that pass. Each result is appended to out with its status. keep_rejected: also
 * append rejected, merged, bridged and trimmed ones (before the pieces they became).
 */
rp_status rp_align_pair(const rp_options *opts, const uint32_t *a, uint32_t na,
                        const uint32_t *b, uint32_t nb, const rp_seed *seeds, size_t count,
                        bool keep_rejected, rp_align_work *work, rp_hits *out);

#endif /* REPRINT_ALIGN_H */
