/*
 * store.h - private interface of the LMDB dedup store, for tests and tools: a consistency
 * check over all sub-databases, and counters. The layout is described at the top of store.c.
 */
#ifndef REPRINT_STORE_H
#define REPRINT_STORE_H

#include "base/base.h"

/* The on-disk format version; a store of another version is refused, never misread, and one
 * of an earlier version from RP_STORE_FORMAT_UPGRADABLE on is upgraded by rp_store_upgrade
 * (format 2: 40-byte record heads, ids keyed by the cut name; format 3: 56-byte record heads
 * and raw fingerprints; format 4: compact records, see store_db.h). */
#define RP_STORE_FORMAT 4u
#define RP_STORE_FORMAT_UPGRADABLE 2u

/* Checks that every document has its id and order entries, that the counts of docs, ids and
 * order agree, that each key of each group first has exactly one posting (in one level) and
 * no other posting is held, and that each posting's filter holds its key. RP_OK, or
 * RP_EFORMAT with the first problem in msg. */
rp_status rp_store_check(rp_store *store, char *msg, size_t msglen);

/* Documents held and write batches committed since the store was made. */
rp_status rp_store_counts(rp_store *store, uint64_t *docs, uint64_t *batches);

#endif /* REPRINT_STORE_H */
