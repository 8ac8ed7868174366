/*
 * direction.h - private: the scan's hook into direction.c (the `series` kind, set once the
 * clusters are built); first, earlier and sources are public (reprint.h).
 */
#ifndef REPRINT_DIRECTION_H
#define REPRINT_DIRECTION_H

#include "scan/cluster.h"

/* Turns each reprint whose passages all lie in documents of one series into kind series. */
void rp_direction_series(const rp_corpus *corpus, rp_clusters *clusters);

#endif /* REPRINT_DIRECTION_H */
