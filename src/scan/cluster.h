/*
 * cluster.h - private: aligned passage pairs -> clusters of copies of one text, with kinds,
 * report order, line/column of each passage and per-document coverage.
 */
#ifndef REPRINT_CLUSTER_H
#define REPRINT_CLUSTER_H

#include "base/base.h"

/* One side of an alignment: token range [start, end) of doc and its byte span. */
typedef struct rp_occ {
    uint32_t doc, start, end;
    size_t off_start, off_end;
} rp_occ;

/* A bridged gap of a link: token ranges on each side. */
typedef struct rp_link_gap {
    uint32_t a_start, a_end, b_start, b_end;
} rp_link_gap;

/* An alignment between two occurrences (in different documents, or apart in one); its bridged
 * gaps (BORROWED, gap_count of them) in order. */
typedef struct rp_link {
    rp_occ a, b;
    uint32_t matches, columns;
    const rp_link_gap *gaps;
    uint32_t gap_count;
} rp_link;

/* Clusters in report order; passages and pairs of cluster i are slices of the two arrays. */
typedef struct rp_clusters {
    rp_cluster *items;
    size_t count;
    rp_passage *passages;
    size_t passage_count;
    rp_pair *pairs;
    size_t pair_count;
    rp_gap *gaps;
    size_t gap_count;
} rp_clusters;

/*
 * Clustering works on tokens, and bytes are asked for only where the result needs them: make
 * a plan from the links (token ranges; their rp_occ offsets are not read), resolve the token
 * boundaries it lists (rp_cluster_plan_bounds) to bytes, then finish it into clusters.
 *
 * Passages: the occurrences of one document, in (start, longest first) order, are grouped
 * around a representative (an occurrence joins the group whose representative holds more than
 * half of it). An occurrence shorter than half its representative is partial (a sub-phrase of
 * a longer copy). Where one stretch is partial inside two different longer copies and stands
 * at the start or end of one of them (a footer after different stories), that copy is cut
 * there, the links over the cut are split, and the grouping is made again. Groups that still
 * overlap are cut where the later one starts, so no two passages of a document overlap.
 * Clusters: union-find over the links whose sides are both whole, strongest first (identity,
 * then columns); then each cluster may join, once, the cluster of a longer text through a link
 * from one of its passages to a partial occurrence there (it becomes a partial passage of that
 * cluster); links between two partial occurrences join nothing (their bytes are reported
 * inside the longer passages). The links that joined groups are the cluster's pairs (a
 * spanning tree). covered (document count entries, zeroed by the caller) receives per
 * document the tokens copied inside passages of non-boilerplate clusters (gaps left out),
 * each token counted once.
 */
typedef struct rp_cluster_plan rp_cluster_plan;

/* A token boundary whose byte offset the plan needs: end == 0, the start of token pos; end ==
 * 1, the end of token pos - 1. The caller sets off. */
typedef struct rp_bound {
    uint32_t doc, pos, end;
    size_t off;
} rp_bound;

/* The plan's large sorts (its occurrences, links and copied stretches) run on the pool's
 * threads (rp_options.threads) from this many items on (tests make it small). */
extern size_t rp_cluster_par_sort_min;

/* *out is OWNED: rp_cluster_plan_free. links are copied. */
rp_status rp_cluster_plan_make(const rp_options *opts, const rp_link *links, size_t count,
                               rp_cluster_plan **out);
/* The boundaries to resolve, sorted by (doc, pos, end), no two equal. BORROWED (the plan's). */
rp_bound *rp_cluster_plan_bounds(rp_cluster_plan *plan, size_t *count);
rp_status rp_cluster_plan_finish(rp_cluster_plan *plan, const rp_corpus *corpus,
                                 uint32_t *covered, rp_clusters *out);
void rp_cluster_plan_free(rp_cluster_plan *plan);

/* All three steps, the bounds resolved by tokenizing the documents whole (tests, small
 * inputs). */
rp_status rp_cluster_build(const rp_corpus *corpus, const rp_options *opts, const rp_link *links,
                           size_t count, uint32_t *covered, rp_clusters *out);
void rp_clusters_release(rp_clusters *clusters);

/* Line and column (1-based; column in code points; "\r\n" and "\n" end lines) of byte off. */
void rp_cluster_line_col(const char *bytes, size_t from, uint32_t line, uint32_t col, size_t off,
                         uint32_t *line_out, uint32_t *col_out);

#endif /* REPRINT_CLUSTER_H */
