/*
 * exchange.c - a group of processes sharing one run (rp_scan_run_shared, rp_dedup_run_shared)
 * through the caller's transport (rp_exchange): agreeing on a status, exchanging bytes in
 * bounded rounds, and the shares of documents each process works on.
 */
#include "base/exchange.h"
#include "corpus/corpus.h"

#include <string.h>

#define RP_GROUP_ROUND_DEFAULT ((size_t)256 << 20)
#define RP_GROUP_ROUND_MAX ((size_t)1 << 30)

/* The processes agree on a status: the highest one, from the highest rank that had it. */
rp_status rp_group_agree(rp_group *s, rp_status st)
{
    /* a failure agreed on already keeps the rank it was agreed from: agreeing on it again
     * named the highest rank instead (a budget passed on rank 0 was said to be rank 3's) */
    unsigned who = st != RP_OK && st == s->agreed ? s->ex->failed_rank : s->me;
    uint64_t v = st == RP_OK ? 0 : (uint64_t)st << 32 | who;
    if (s->ex->allreduce(s->ex->ctx, &v, 1, RP_REDUCE_MAX) != 0)
        return RP_EEXCHANGE;
    if (v) {
        s->ex->failed_rank = (unsigned)(v & 0xffffffffu);
        s->agreed = (rp_status)(v >> 32);
    }
    return (rp_status)(v >> 32);
}

/* Sends send_counts[p] bytes to each process p (blocks in process order in send) and receives
 * what each sends this one into *recv_out (OWNED, blocks in process order; recv_counts[p]
 * bytes from p), in rounds of at most round bytes sent and received. elem: the size of an
 * item, which no round cuts. Collective: every process calls it, even after a failure of its
 * own, until the agreement says so. */
rp_status rp_group_exchange(rp_group *s, const char *stage, const void *send,
                            const size_t *send_counts, size_t elem, void **recv_out,
                            size_t *recv_counts)
{
    const unsigned n = s->n;
    size_t cap = s->round / n / elem * elem, recv_total = 0, rounds = 0;
    uint64_t *sc = rp_malloc(2 * n * sizeof(uint64_t));
    size_t *meta = rp_calloc(9 * (size_t)n, sizeof(size_t));
    char *sendbuf = NULL, *recvbuf = NULL, *recv = NULL;
    rp_status st = sc && meta ? RP_OK : RP_ENOMEM;

    *recv_out = NULL;
    if (cap < elem)
        cap = elem;
    if ((st = rp_group_agree(s, st)) != RP_OK)
        goto done;
    size_t *soff = meta, *roff = meta + n, *sent = meta + 2 * n, *got = meta + 3 * n;
    size_t *bytes8 = meta + 4 * n, *sn = meta + 5 * n, *rn = meta + 6 * n;
    size_t *sd = meta + 7 * n, *rd = meta + 8 * n;
    for (unsigned p = 0; p < n; p++) {
        sc[p] = send_counts[p];
        bytes8[p] = sizeof(uint64_t);
        soff[p] = p ? soff[p - 1] + send_counts[p - 1] : 0;
    }
    if (s->ex->alltoallv(s->ex->ctx, sc, bytes8, sc + n, bytes8) != 0) {
        st = RP_EEXCHANGE;
        goto done;
    }
    for (unsigned p = 0; p < n; p++) {
        /* counts from other processes: a sum that wraps (or a count SIZE_MAX cannot hold, or
         * not of whole items) sized recv below what the rounds then wrote into it */
        if (sc[n + p] > SIZE_MAX - recv_total || sc[n + p] % elem) {
            st = RP_EINVAL;
            sc[n + p] = 0;
        }
        recv_counts[p] = (size_t)sc[n + p];
        roff[p] = recv_total;
        recv_total += recv_counts[p];
        size_t most = send_counts[p] > recv_counts[p] ? send_counts[p] : recv_counts[p];
        if ((most + cap - 1) / cap > rounds)
            rounds = (most + cap - 1) / cap;
    }
    if (s->memory && recv_total > s->memory)
        st = RP_EBUDGET;
    if (st == RP_OK && !(recv = rp_malloc(recv_total ? recv_total : 1)))
        st = RP_ENOMEM;
    size_t send_total = soff[n - 1] + send_counts[n - 1];
    /* in place: rounds sent from and received into send and recv (the transport's
     * displacements), when every process can (a MAX of "cannot") */
    uint64_t r64[2] = {rounds, !s->ex->alltoallv_at || send_total >= (size_t)1 << 31 ||
                                   recv_total >= (size_t)1 << 31};
    /* every process asks, failed or not: the calls must pair up */
    if (s->ex->allreduce(s->ex->ctx, r64, 2, RP_REDUCE_MAX) != 0)
        st = RP_EEXCHANGE;
    const bool in_place = r64[1] == 0;
    if (st == RP_OK && r64[0] > 1 && !in_place) {
        /* a round's buffers: at most a round, at most what there is to move. One round needs
         * none: send and recv are laid out as a round's buffers already (blocks in process
         * order), so they go to the transport as they are, which spares a copy of both. */
        sendbuf = rp_malloc((send_total < n * cap ? send_total : n * cap) + 1);
        recvbuf = rp_malloc((recv_total < n * cap ? recv_total : n * cap) + 1);
        if (!sendbuf || !recvbuf)
            st = RP_ENOMEM;
    }
    if ((st = rp_group_agree(s, st)) != RP_OK)
        goto done;
    if (s->progress)
        s->progress(s->progress_ctx, stage, 0, recv_total);
    if (r64[0] == 1) {
        if (s->ex->alltoallv(s->ex->ctx, send, send_counts, recv, recv_counts) != 0) {
            st = RP_EEXCHANGE;
            goto done;
        }
        for (unsigned p = 0; p < n; p++) {
            s->ex->bytes_sent += p == s->me ? 0 : send_counts[p];
            s->ex->bytes_received += p == s->me ? 0 : recv_counts[p];
        }
        if (s->progress)
            s->progress(s->progress_ctx, stage, recv_total, recv_total);
    }
    for (uint64_t r = 0; r64[0] > 1 && r < r64[0]; r++) {
        size_t at = 0;
        for (unsigned p = 0; p < n; p++) {
            sn[p] = send_counts[p] - sent[p] < cap ? send_counts[p] - sent[p] : cap;
            rn[p] = recv_counts[p] - got[p] < cap ? recv_counts[p] - got[p] : cap;
            if (sn[p] && !in_place)
                memcpy(sendbuf + at, (const char *)send + soff[p] + sent[p], sn[p]);
            at += sn[p];
        }
        if (in_place) { /* sd, rd: where each block of this round starts */
            for (unsigned p = 0; p < n; p++) {
                sd[p] = soff[p] + sent[p];
                rd[p] = roff[p] + got[p];
            }
            if (s->ex->alltoallv_at(s->ex->ctx, send, sn, sd, recv, rn, rd) != 0) {
                st = RP_EEXCHANGE;
                goto done;
            }
        } else if (s->ex->alltoallv(s->ex->ctx, sendbuf, sn, recvbuf, rn) != 0) {
            st = RP_EEXCHANGE;
            goto done;
        }
        at = 0;
        for (unsigned p = 0; p < n; p++) {
            if (rn[p] && !in_place)
                memcpy(recv + roff[p] + got[p], recvbuf + at, rn[p]);
            at += rn[p];
            sent[p] += sn[p];
            got[p] += rn[p];
            s->ex->bytes_sent += p == s->me ? 0 : sn[p];
            s->ex->bytes_received += p == s->me ? 0 : rn[p];
        }
        if (s->progress) {
            size_t done = 0;
            for (unsigned p = 0; p < n; p++)
                done += got[p];
            s->progress(s->progress_ctx, stage, done, recv_total);
        }
    }
    if (s->progress && r64[0] == 0)
        s->progress(s->progress_ctx, stage, recv_total, recv_total);
    *recv_out = recv;
    recv = NULL;
done:
    rp_free(sc);
    rp_free(meta);
    rp_free(sendbuf);
    rp_free(recvbuf);
    rp_free(recv);
    return st;
}

/* Shares of documents by bytes: process p starts at the first document beginning at or past
 * p / n of the corpus's bytes. Contiguous, in document order, the same on every process. */
static rp_status make_shares(rp_group *s, const rp_corpus *corpus)
{
    const uint32_t docs = (uint32_t)rp_corpus_count(corpus);
    uint64_t total = 0, acc = 0;
    unsigned p = 0;

    s->doc_lo = rp_malloc(((size_t)s->n + 1) * sizeof(uint32_t));
    if (!s->doc_lo)
        return RP_ENOMEM;
    for (uint32_t d = 0; d < docs; d++)
        total += rp_corpus_doc(corpus, d)->len + 1;
    s->doc_lo[0] = 0;
    for (uint32_t d = 0; d < docs; d++) {
        while (p + 1 < s->n && acc >= total / s->n * (p + 1) + total % s->n * (p + 1) / s->n)
            s->doc_lo[++p] = d;
        acc += rp_corpus_doc(corpus, d)->len + 1;
    }
    while (p < s->n)
        s->doc_lo[++p] = docs;
    return RP_OK;
}

/* The process holding document d. */
unsigned rp_group_holder(const rp_group *s, uint32_t d)
{
    unsigned lo = 0, hi = s->n; /* doc_lo[lo] <= d < doc_lo[hi] */
    while (hi - lo > 1) {
        unsigned mid = lo + (hi - lo) / 2;
        if (s->doc_lo[mid] <= d)
            lo = mid;
        else
            hi = mid;
    }
    return lo;
}

/* Whether every process holds the same corpus: its document count, bytes and a hash of its
 * names and lengths, compared through their maxima and the maxima of their complements. */
static rp_status same_corpus(rp_group *s, const rp_corpus *corpus)
{
    const uint32_t docs = (uint32_t)rp_corpus_count(corpus);
    uint64_t v[6] = {docs, 0, UINT64_C(14695981039346656037)};
    for (uint32_t d = 0; d < docs; d++) {
        const rp_doc *doc = rp_corpus_doc(corpus, d);
        v[1] += doc->len;
        for (const char *c = doc->name; c && *c; c++)
            v[2] = (v[2] ^ (unsigned char)*c) * UINT64_C(1099511628211);
        v[2] = (v[2] ^ doc->len) * UINT64_C(1099511628211);
    }
    uint64_t mine[3] = {v[0], v[1], v[2]};
    for (int i = 0; i < 3; i++)
        v[3 + i] = ~v[i];
    if (s->ex->allreduce(s->ex->ctx, v, 6, RP_REDUCE_MAX) != 0)
        return RP_EEXCHANGE;
    for (int i = 0; i < 3; i++)
        if (v[i] != mine[i] || ~v[3 + i] != mine[i])
            return RP_EINVAL;
    return RP_OK;
}

rp_status rp_group_open(rp_group *g, rp_exchange *ex, size_t memory, rp_progress_fn progress,
                        void *progress_ctx)
{
    memset(g, 0, sizeof(*g));
    if (!ex || ex->size == 0 || ex->rank >= ex->size || !ex->alltoallv || !ex->allreduce ||
        ex->round_bytes > RP_GROUP_ROUND_MAX)
        return RP_EINVAL;
    g->ex = ex;
    g->n = ex->size;
    g->me = ex->rank;
    g->round = ex->round_bytes ? ex->round_bytes : RP_GROUP_ROUND_DEFAULT;
    g->memory = memory;
    g->progress = progress;
    g->progress_ctx = progress_ctx;
    return RP_OK;
}

/* A corpus read by shares (rp_corpus_read_shared): each process's share is what it holds;
 * the shares must follow each other from 0 to the documents' count, the same on every one. */
static rp_status held_shares(rp_group *s, const rp_corpus *corpus)
{
    uint32_t lo, hi;
    uint64_t *v = rp_calloc(2 * (size_t)s->n + 2, sizeof(uint64_t));
    rp_status st = rp_group_agree(s, v ? RP_OK : RP_ENOMEM); /* before the reduction's size */

    if (st != RP_OK) {
        rp_free(v);
        return st;
    }
    rp_corpus_held(corpus, &lo, &hi);
    v[2 * s->me] = lo;
    v[2 * s->me + 1] = hi;
    v[2 * s->n] = rp_corpus_count(corpus);
    v[2 * s->n + 1] = ~(uint64_t)rp_corpus_count(corpus);
    if (s->ex->allreduce(s->ex->ctx, v, 2 * (size_t)s->n + 2, RP_REDUCE_MAX) != 0) {
        rp_free(v);
        return RP_EEXCHANGE;
    }
    if (v[2 * s->n] != rp_corpus_count(corpus) || ~v[2 * s->n + 1] != rp_corpus_count(corpus))
        st = RP_EINVAL;
    else if (!(s->doc_lo = rp_malloc(((size_t)s->n + 1) * sizeof(uint32_t))))
        st = RP_ENOMEM;
    for (unsigned p = 0; st == RP_OK && p < s->n; p++) {
        s->doc_lo[p] = (uint32_t)v[2 * p];
        if (v[2 * p] != (p ? v[2 * p - 1] : 0))
            st = RP_EINVAL;
    }
    if (st == RP_OK && v[2 * s->n - 1] != rp_corpus_count(corpus))
        st = RP_EINVAL;
    if (st == RP_OK)
        s->doc_lo[s->n] = (uint32_t)rp_corpus_count(corpus);
    rp_free(v);
    return st;
}

rp_status rp_group_begin(rp_group *g, rp_exchange *ex, const rp_corpus *corpus, bool shares_ok,
                         const rp_options *opts, rp_progress_fn progress, void *progress_ctx)
{
    uint32_t lo, hi;
    bool held;
    uint64_t kind[3];
    rp_status st = rp_group_open(g, ex, opts->memory, progress, progress_ctx);

    if (st != RP_OK)
        return st;
    ex->bytes_sent = ex->bytes_received = 0;
    ex->failed_rank = 0;
    /* every process takes the same branch below: whether any holds a share, any a whole
     * corpus, any a spent one (each branch's reductions have their own sizes) */
    held = rp_corpus_held(corpus, &lo, &hi);
    kind[0] = held;
    kind[1] = !held;
    kind[2] = rp_corpus_spent(corpus) || (held && !shares_ok);
    if (ex->allreduce(ex->ctx, kind, 3, RP_REDUCE_MAX) != 0)
        return RP_EEXCHANGE;
    if ((kind[0] && kind[1]) || kind[2])
        return rp_group_agree(g, RP_EINVAL);
    if (held) {
        st = held_shares(g, corpus);
        if (st == RP_EEXCHANGE)
            return st;
        return rp_group_agree(g, st);
    }
    st = same_corpus(g, corpus);
    if (st == RP_EEXCHANGE)
        return st;
    if (st == RP_OK)
        st = make_shares(g, corpus);
    return rp_group_agree(g, st);
}

void rp_group_end(rp_group *g)
{
    rp_free(g->doc_lo);
    g->doc_lo = NULL;
}
