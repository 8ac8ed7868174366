/*
 * exchange.h - private: a group of processes sharing one run through the caller's transport
 * (rp_exchange in reprint.h): status agreement, bounded exchanges, shares of documents.
 * Every function here is collective unless it says otherwise: every process of the group
 * calls it, in the same order, even after a failure of its own.
 */
#ifndef REPRINT_EXCHANGE_H
#define REPRINT_EXCHANGE_H

#include "base/base.h"

typedef struct rp_group {
    rp_exchange *ex;
    unsigned n, me;
    size_t round;  /* bytes a process sends (and receives) in one round, at most */
    size_t memory; /* rp_options.memory: what one exchange may receive, at most */
    rp_progress_fn progress;
    void *progress_ctx;
    uint32_t *doc_lo; /* [n + 1]: process p works on documents [doc_lo[p], doc_lo[p + 1]) */
    rp_status agreed; /* the last failure agreed on (its rank is ex->failed_rank) */
} rp_group;

/* Checks the transport (RP_EINVAL, not collective, when it is unusable), checks that every
 * process holds the same corpus (RP_EINVAL on all when not: document count, bytes, a hash of
 * names and lengths) and cuts it into contiguous shares of about equal bytes, in document
 * order; a corpus read by shares (rp_corpus_held) keeps its shares, which must follow each
 * other from the first document to the last (only where shares_ok: RP_EINVAL on all otherwise,
 * as when some processes pass a corpus read by shares and others not, or a corpus is spent).
 * rp_group_end frees what it holds (also after a failure). */
rp_status rp_group_begin(rp_group *g, rp_exchange *ex, const rp_corpus *corpus, bool shares_ok,
                         const rp_options *opts, rp_progress_fn progress, void *progress_ctx);
void rp_group_end(rp_group *g);

/* A group without a corpus (reading shared among processes): the transport checked (RP_EINVAL,
 * not collective), nothing exchanged. rp_group_end frees what it holds. */
rp_status rp_group_open(rp_group *g, rp_exchange *ex, size_t memory, rp_progress_fn progress,
                        void *progress_ctx);

/* The status every process returns: the highest of theirs, from the highest rank that had
 * it (ex->failed_rank); RP_EEXCHANGE when the transport failed. */
rp_status rp_group_agree(rp_group *g, rp_status st);

/* Sends send_counts[p] bytes to each process p (blocks in process order in send) and receives
 * what each sends into *recv_out (OWNED; blocks in process order, recv_counts[p] bytes from
 * p), in rounds of at most g->round bytes sent and received; elem is an item's size, which
 * no round cuts. Progress: stage, bytes received so far of the total. */
rp_status rp_group_exchange(rp_group *g, const char *stage, const void *send,
                            const size_t *send_counts, size_t elem, void **recv_out,
                            size_t *recv_counts);

/* The process whose share holds document d (not collective). */
unsigned rp_group_holder(const rp_group *g, uint32_t d);

#endif /* REPRINT_EXCHANGE_H */
