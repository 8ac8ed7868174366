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

/* An alignment between two occurrences (in different documents, or apart in one). */
typedef struct rp_link {
    rp_occ a, b;
    uint32_t matches, columns;
} rp_link;

/* Clusters in report order; passages and pairs of cluster i are slices of the two arrays. */
typedef struct rp_clusters {
    rp_cluster *items;
    size_t count;
    rp_passage *passages;
    size_t passage_count;
    rp_pair *pairs;
    size_t pair_count;
} rp_clusters;

/*
 * Occurrences in one document are grouped greedily in (start, longest first) order: one joins
 * the group whose first member (its representative) it overlaps by more than half of the longer
 * of the two, so groups never drift along a document. Groups are the passages; union-find over
 * links, strongest first (identity, then columns), joins groups into clusters and the links
 * that joined them are the cluster's pairs (a spanning tree: at least one per passage).
 * covered (doc_count entries, zeroed by the caller) receives per document the tokens inside
 * passages of non-boilerplate clusters, each token counted once.
 */
rp_status rp_cluster_build(const rp_corpus *corpus, const rp_options *opts, const rp_link *links,
                           size_t count, uint32_t *covered, rp_clusters *out);
void rp_clusters_release(rp_clusters *clusters);

/* Line and column (1-based; column in code points; "\r\n" and "\n" end lines) of byte off. */
void rp_cluster_line_col(const char *bytes, size_t from, uint32_t line, uint32_t col, size_t off,
                         uint32_t *line_out, uint32_t *col_out);

#endif /* REPRINT_CLUSTER_H */
