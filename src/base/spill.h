/*
 * spill.h - private: temporary files for data that does not fit in memory. A spill is a set
 * of files made 0600 in a private directory (mkdtemp, 0700) under the chosen directory, and
 * unlinked (the directory removed) as soon as they are open: nothing is left behind however
 * the program ends, SIGINT, SIGTERM or SIGKILL included. Appends may come from any thread.
 */
#ifndef REPRINT_SPILL_H
#define REPRINT_SPILL_H

#include "base/base.h"

typedef struct rp_spill rp_spill;

/* The directory temporaries go to: dir when not NULL, else $TMPDIR when set and not empty,
 * else /tmp. */
const char *rp_spill_dir(const char *dir);

/* Opens `files` empty temporary files under rp_spill_dir(dir). RP_EIO (errno set) when the
 * directory cannot hold them. */
rp_status rp_spill_open(const char *dir, size_t files, rp_spill **out);

/* Appends bytes to file f; *at receives where they start. Thread-safe. RP_EIO on a failed
 * or short write (errno set; a full disk is ENOSPC); the error stays with the spill. */
rp_status rp_spill_append(rp_spill *s, size_t f, const void *data, size_t bytes, uint64_t *at);

/* Reads bytes of file f from offset at into buf. RP_EIO (errno set) on failure. */
rp_status rp_spill_read(rp_spill *s, size_t f, uint64_t at, void *buf, size_t bytes);

/* Bytes appended to file f so far. */
uint64_t rp_spill_size(const rp_spill *s, size_t f);

/* Bytes appended so far over all files. */
uint64_t rp_spill_bytes(const rp_spill *s);

/* The errno of the first failure (0: none). */
int rp_spill_errno(const rp_spill *s);

/* File f's descriptor, for mapping what was written (mmap; the spill keeps it open). */
int rp_spill_fd(const rp_spill *s, size_t f);

/* Empties file f (its blocks go back to the file system). */
void rp_spill_drop(rp_spill *s, size_t f);

/* Closes every file (their space is freed with them). NULL is fine. */
void rp_spill_close(rp_spill *s);

#endif /* REPRINT_SPILL_H */
