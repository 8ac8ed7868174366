/* fixture.h - helpers the cmocka tests share: temporary files, allocation failures. */
#ifndef REPRINT_TEST_FIXTURE_H
#define REPRINT_TEST_FIXTURE_H

#include "reprint.h"

/* Removes path and everything below it, not following symbolic links; directories a test made
 * unreadable are opened up first. Missing paths are fine. */
void fixture_remove_tree(const char *path);

/* Runs rp_scan_run with its n-th allocation failing, n = 1, 2, ..., asserting RP_ENOMEM and
 * no scan each time, until a run needs fewer allocations than n; returns that run's scan
 * (OWNED: rp_scan_free). */
rp_scan *fixture_scan_past_allocation_failures(const rp_corpus *c, const rp_options *o);

#endif /* REPRINT_TEST_FIXTURE_H */
