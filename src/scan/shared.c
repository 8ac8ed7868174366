/*
 * shared.c - rp_scan_run_shared: the scan of rp_scan_run shared among processes through a
 * transport the caller supplies (rp_exchange: an all-to-all of bytes and an all-reduce), so
 * that libreprint never depends on MPI. Every process holds the corpus; each fingerprints a
 * contiguous share of the documents (balanced by bytes); fingerprints go to the process that
 * owns their index key (the re-mixed hash's key modulo the processes), which sorts them and
 * makes the seeds of its runs exactly as the one-process index does (a run's seeds depend on
 * that run's fingerprints only, in (doc, pos) order, which the exchange keeps: shares are
 * contiguous and received in rank order); seeds go to the process owning their pair's first
 * document, which aligns its pairs; hits and per-document statistics are gathered on rank 0,
 * which clusters them. Each exchange goes in rounds of at most round_bytes a process, so no
 * process holds the whole shuffle's send and receive buffers for a round at once. After every
 * stage the processes agree on a status, so a failure anywhere is every process's failure.
 */
#include "scan/scan.h"
#include "base/pool.h"

#include <stdlib.h>
#include <string.h>

#define RP_SHARED_ROUND_DEFAULT ((size_t)256 << 20)
#define RP_SHARED_ROUND_MAX ((size_t)1 << 30)
#define RP_SHARED_BUCKET_BITS 8
#define RP_SHARED_BUCKETS (1u << RP_SHARED_BUCKET_BITS)
#define SHARED_BUCKET_OF(h) ((size_t)((h) >> (64 - RP_SHARED_BUCKET_BITS)))

typedef struct shared {
    const rp_corpus *corpus;
    const rp_options *opts;
    rp_exchange *ex;
    rp_progress_fn progress;
    void *progress_ctx;
    unsigned n, me, threads;
    size_t round;
    uint32_t *doc_lo; /* [n + 1]: process p holds documents [doc_lo[p], doc_lo[p + 1]) */
    /* the index of the fingerprints this process owns, bucket by bucket */
    rp_fingerprint *owned;
    size_t bucket_off[RP_SHARED_BUCKETS + 1];
    rp_fingerprints *scratch; /* per worker */
    rp_seeds *wseeds;         /* per worker */
    rp_index_stats *wstats;   /* per worker */
} shared;

/* The processes agree on a status: the highest one, from the highest rank that had it. */
static rp_status agree(shared *s, rp_status st)
{
    uint64_t v = st == RP_OK ? 0 : (uint64_t)st << 32 | s->me;
    if (s->ex->allreduce(s->ex->ctx, &v, 1, RP_REDUCE_MAX) != 0)
        return RP_EEXCHANGE;
    if (v)
        s->ex->failed_rank = (unsigned)(v & 0xffffffffu);
    return (rp_status)(v >> 32);
}

/* Sends send_counts[p] bytes to each process p (blocks in process order in send) and receives
 * what each sends this one into *recv_out (OWNED, blocks in process order; recv_counts[p]
 * bytes from p), in rounds of at most round bytes sent and received. elem: the size of an
 * item, which no round cuts. Collective: every process calls it, even after a failure of its
 * own, until the agreement says so. */
static rp_status exchange(shared *s, const char *stage, const void *send, const size_t *send_counts,
                          size_t elem, void **recv_out, size_t *recv_counts)
{
    const unsigned n = s->n;
    size_t cap = s->round / n / elem * elem, recv_total = 0, rounds = 0;
    uint64_t *sc = rp_malloc(2 * n * sizeof(uint64_t));
    size_t *meta = rp_calloc(7 * (size_t)n, sizeof(size_t));
    char *sendbuf = NULL, *recvbuf = NULL, *recv = NULL;
    rp_status st = sc && meta ? RP_OK : RP_ENOMEM;

    *recv_out = NULL;
    if (cap < elem)
        cap = elem;
    if ((st = agree(s, st)) != RP_OK)
        goto done;
    size_t *soff = meta, *roff = meta + n, *sent = meta + 2 * n, *got = meta + 3 * n;
    size_t *bytes8 = meta + 4 * n, *sn = meta + 5 * n, *rn = meta + 6 * n;
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
        recv_counts[p] = (size_t)sc[n + p];
        roff[p] = recv_total;
        recv_total += recv_counts[p];
        size_t most = send_counts[p] > recv_counts[p] ? send_counts[p] : recv_counts[p];
        if ((most + cap - 1) / cap > rounds)
            rounds = (most + cap - 1) / cap;
    }
    if (s->opts->memory && recv_total > s->opts->memory)
        st = RP_EBUDGET;
    if (st == RP_OK) {
        recv = rp_malloc(recv_total ? recv_total : 1);
        sendbuf = rp_malloc(n * cap);
        recvbuf = rp_malloc(n * cap);
        if (!recv || !sendbuf || !recvbuf)
            st = RP_ENOMEM;
    }
    uint64_t r64 = rounds;
    if (st == RP_OK && s->ex->allreduce(s->ex->ctx, &r64, 1, RP_REDUCE_MAX) != 0)
        st = RP_EEXCHANGE;
    if ((st = agree(s, st)) != RP_OK)
        goto done;
    if (s->progress)
        s->progress(s->progress_ctx, stage, 0, recv_total);
    for (uint64_t r = 0; r < r64; r++) {
        size_t at = 0;
        for (unsigned p = 0; p < n; p++) {
            sn[p] = send_counts[p] - sent[p] < cap ? send_counts[p] - sent[p] : cap;
            rn[p] = recv_counts[p] - got[p] < cap ? recv_counts[p] - got[p] : cap;
            if (sn[p])
                memcpy(sendbuf + at, (const char *)send + soff[p] + sent[p], sn[p]);
            at += sn[p];
        }
        if (s->ex->alltoallv(s->ex->ctx, sendbuf, sn, recvbuf, rn) != 0) {
            st = RP_EEXCHANGE;
            goto done;
        }
        at = 0;
        for (unsigned p = 0; p < n; p++) {
            if (rn[p])
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
    if (s->progress && r64 == 0)
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
static rp_status make_shares(shared *s)
{
    const uint32_t docs = (uint32_t)rp_corpus_count(s->corpus);
    uint64_t total = 0, acc = 0;
    unsigned p = 0;

    s->doc_lo = rp_malloc(((size_t)s->n + 1) * sizeof(uint32_t));
    if (!s->doc_lo)
        return RP_ENOMEM;
    for (uint32_t d = 0; d < docs; d++)
        total += rp_corpus_doc(s->corpus, d)->len + 1;
    s->doc_lo[0] = 0;
    for (uint32_t d = 0; d < docs; d++) {
        while (p + 1 < s->n && acc >= total / s->n * (p + 1) + total % s->n * (p + 1) / s->n)
            s->doc_lo[++p] = d;
        acc += rp_corpus_doc(s->corpus, d)->len + 1;
    }
    while (p < s->n)
        s->doc_lo[++p] = docs;
    return RP_OK;
}

/* The process holding document d. */
static unsigned holder(const shared *s, uint32_t d)
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
static rp_status same_corpus(shared *s)
{
    const uint32_t docs = (uint32_t)rp_corpus_count(s->corpus);
    uint64_t v[6] = {docs, 0, UINT64_C(14695981039346656037)};
    for (uint32_t d = 0; d < docs; d++) {
        const rp_doc *doc = rp_corpus_doc(s->corpus, d);
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

/* One bucket of the owned fingerprints: sorted, and its runs' seeds made. */
static rp_status bucket_task(void *ctx, size_t b, unsigned w)
{
    shared *s = ctx;
    rp_fingerprint *items = s->owned + s->bucket_off[b];
    size_t n = s->bucket_off[b + 1] - s->bucket_off[b];
    rp_fingerprints *scratch = &s->scratch[w];
    if (RP_GROW(scratch->items, scratch->cap, n) != RP_OK)
        return RP_ENOMEM;
    rp_index_sort(items, n, scratch->items);
    return rp_index_seeds(items, n, s->opts, &s->wseeds[w], &s->wstats[w]);
}

/* Stage 1: this process's documents fingerprinted, each fingerprint sent to the owner of its
 * key; *owned gets what this process owns, in (sender, doc, pos) order for each key. */
static rp_status fingerprint_stage(shared *s, rp_doc_stats *stats, uint64_t *made,
                                   rp_fingerprints *owned)
{
    const uint32_t lo = s->doc_lo[s->me], hi = s->doc_lo[s->me + 1];
    rp_fingerprints fps = {NULL, 0, 0};
    rp_fingerprint *send = NULL;
    size_t *counts = rp_calloc(2 * (size_t)s->n + 1, sizeof(size_t));
    size_t *cursor = counts ? counts + s->n : NULL;
    void *recv = NULL;
    rp_status st = counts ? RP_OK : RP_ENOMEM;

    if (st == RP_OK)
        st = rp_scan_fingerprint_docs(s->corpus, s->opts, lo, hi, s->progress,
                                      s->progress_ctx, &fps, stats);
    if (st == RP_OK && !(send = rp_malloc((fps.count ? fps.count : 1) * sizeof(*send))))
        st = RP_ENOMEM;
    if (st == RP_OK) { /* a stable counting sort by owner */
        *made = fps.count;
        for (size_t i = 0; i < fps.count; i++)
            counts[RP_INDEX_KEY(fps.items[i].hash) % s->n]++;
        for (unsigned p = 0; p < s->n; p++)
            cursor[p] = p ? cursor[p - 1] + counts[p - 1] : 0;
        for (size_t i = 0; i < fps.count; i++)
            send[cursor[RP_INDEX_KEY(fps.items[i].hash) % s->n]++] = fps.items[i];
        for (unsigned p = 0; p < s->n; p++)
            counts[p] *= sizeof(rp_fingerprint);
    }
    rp_fingerprints_release(&fps);
    if ((st = agree(s, st)) == RP_OK) {
        size_t *recv_counts = cursor; /* the cursors are spent */
        size_t total = 0;
        st = exchange(s, "exchange-fp", send, counts, sizeof(rp_fingerprint), &recv,
                      recv_counts);
        for (unsigned p = 0; st == RP_OK && p < s->n; p++)
            total += recv_counts[p];
        if (st == RP_OK)
            *owned = (rp_fingerprints){recv, total / sizeof(rp_fingerprint),
                                       total / sizeof(rp_fingerprint)};
    }
    rp_free(send);
    rp_free(counts);
    return st;
}

/* Stage 2: the owned fingerprints cut into buckets by their top bits (stably), each bucket
 * sorted and its seeds made in parallel. */
static rp_status index_stage(shared *s, rp_fingerprints *owned, rp_scan_counts *counts)
{
    rp_status st = RP_OK;
    size_t n = owned->count;
    size_t cursor[RP_SHARED_BUCKETS];

    if (s->opts->memory && 2 * n * sizeof(rp_fingerprint) > s->opts->memory)
        st = RP_EBUDGET;
    if (st == RP_OK && !(s->owned = rp_malloc((n ? n : 1) * sizeof(rp_fingerprint))))
        st = RP_ENOMEM;
    if (st == RP_OK) {
        memset(s->bucket_off, 0, sizeof(s->bucket_off));
        for (size_t i = 0; i < n; i++)
            s->bucket_off[SHARED_BUCKET_OF(owned->items[i].hash) + 1]++;
        for (size_t b = 0; b < RP_SHARED_BUCKETS; b++) {
            s->bucket_off[b + 1] += s->bucket_off[b];
            cursor[b] = s->bucket_off[b];
        }
        for (size_t i = 0; i < n; i++)
            s->owned[cursor[SHARED_BUCKET_OF(owned->items[i].hash)]++] = owned->items[i];
    }
    rp_fingerprints_release(owned);
    if (st == RP_OK)
        st = rp_pool_run(s->threads, RP_SHARED_BUCKETS, bucket_task, s, "index", s->progress,
                         s->progress_ctx);
    rp_free(s->owned);
    s->owned = NULL;
    for (unsigned w = 0; w < s->threads; w++) {
        counts->distinct += s->wstats[w].distinct;
        counts->frequent += s->wstats[w].frequent;
        counts->capped += s->wstats[w].capped;
        counts->seeds += s->wstats[w].seeds;
        rp_fingerprints_release(&s->scratch[w]);
    }
    return st;
}

/* Stage 3: every seed sent to the process holding its pair's first document, which aligns
 * the pairs it holds. */
static rp_status align_stage(shared *s, rp_hits *hits)
{
    size_t total = 0;
    size_t *counts = rp_calloc(2 * (size_t)s->n, sizeof(size_t));
    size_t *cursor = counts ? counts + s->n : NULL;
    rp_seed *send = NULL;
    void *recv = NULL;
    rp_status st = counts ? RP_OK : RP_ENOMEM;

    for (unsigned w = 0; w < s->threads; w++)
        total += s->wseeds[w].count;
    if (st == RP_OK && !(send = rp_malloc((total ? total : 1) * sizeof(rp_seed))))
        st = RP_ENOMEM;
    if (st == RP_OK) {
        for (unsigned w = 0; w < s->threads; w++)
            for (size_t i = 0; i < s->wseeds[w].count; i++)
                counts[holder(s, s->wseeds[w].items[i].doc_a)]++;
        for (unsigned p = 0; p < s->n; p++)
            cursor[p] = p ? cursor[p - 1] + counts[p - 1] : 0;
        for (unsigned w = 0; w < s->threads; w++) {
            for (size_t i = 0; i < s->wseeds[w].count; i++)
                send[cursor[holder(s, s->wseeds[w].items[i].doc_a)]++] = s->wseeds[w].items[i];
            rp_free(s->wseeds[w].items);
            s->wseeds[w] = (rp_seeds){NULL, 0, 0};
        }
        for (unsigned p = 0; p < s->n; p++)
            counts[p] *= sizeof(rp_seed);
    }
    if ((st = agree(s, st)) == RP_OK)
        st = exchange(s, "exchange-seed", send, counts, sizeof(rp_seed), &recv, cursor);
    rp_free(send);
    send = NULL;
    if (st == RP_OK) {
        size_t got = 0;
        for (unsigned p = 0; p < s->n; p++)
            got += cursor[p];
        rp_seeds seeds = {recv, got / sizeof(rp_seed), got / sizeof(rp_seed)};
        st = rp_scan_align_seeds(s->corpus, s->opts, &seeds, s->progress, s->progress_ctx,
                                 hits);
        rp_free(seeds.items);
    }
    rp_free(counts);
    return agree(s, st);
}

/* Stage 4: the hits, their gaps and the documents' statistics gathered on rank 0 (in rank
 * order: the statistics in document order; each process's gap indices moved past those of
 * the processes before it). */
static rp_status gather_stage(shared *s, rp_hits *hits, const rp_doc_stats *stats,
                              rp_hits *all, rp_doc_stats **all_stats)
{
    size_t *counts = rp_calloc(2 * (size_t)s->n, sizeof(size_t));
    size_t *recv_counts = counts ? counts + s->n : NULL;
    size_t *hit_counts = rp_calloc(s->n, sizeof(size_t));
    void *h = NULL, *g = NULL, *d = NULL;
    rp_status st = counts && hit_counts ? RP_OK : RP_ENOMEM;

    if ((st = agree(s, st)) != RP_OK)
        goto done;
    counts[0] = hits->count * sizeof(rp_hit);
    st = exchange(s, "gather-hits", hits->items, counts, sizeof(rp_hit), &h, recv_counts);
    memcpy(hit_counts, recv_counts, s->n * sizeof(size_t));
    counts[0] = hits->gap_count * sizeof(rp_token_gap);
    if (st == RP_OK)
        st = exchange(s, "gather-gaps", hits->gaps, counts, sizeof(rp_token_gap), &g,
                      recv_counts);
    if (st == RP_OK) {
        size_t hn = 0, gn = 0;
        rp_hit *hv = h;
        for (unsigned p = 0; p < s->n; p++) {
            size_t m = hit_counts[p] / sizeof(rp_hit);
            for (size_t i = 0; i < m; i++)
                hv[hn + i].gap_first += (uint32_t)gn;
            hn += m;
            gn += recv_counts[p] / sizeof(rp_token_gap);
        }
        *all = (rp_hits){h, hn, hn, g, gn, gn};
        h = g = NULL;
    }
    counts[0] = (size_t)(s->doc_lo[s->me + 1] - s->doc_lo[s->me]) * sizeof(rp_doc_stats);
    if (st == RP_OK)
        st = exchange(s, "gather-stats", stats, counts, sizeof(rp_doc_stats), &d, recv_counts);
    if (st == RP_OK)
        *all_stats = d;
done:
    rp_free(h);
    rp_free(g);
    rp_free(counts);
    rp_free(hit_counts);
    return st;
}

rp_status rp_scan_run_shared(const rp_corpus *corpus, const rp_options *opts, rp_exchange *ex,
                             rp_progress_fn progress, void *progress_ctx, rp_scan **out)
{
    shared s;
    rp_fingerprints owned = {NULL, 0, 0};
    rp_hits hits, all;
    rp_doc_stats *stats = NULL, *all_stats = NULL;
    rp_scan_counts counts;
    uint64_t sums[5] = {0};
    rp_status st = rp_options_check(opts);

    *out = NULL;
    if (!ex || ex->size == 0 || ex->rank >= ex->size || !ex->alltoallv || !ex->allreduce ||
        ex->round_bytes > RP_SHARED_ROUND_MAX)
        return RP_EINVAL;
    memset(&s, 0, sizeof(s));
    memset(&hits, 0, sizeof(hits));
    memset(&all, 0, sizeof(all));
    memset(&counts, 0, sizeof(counts));
    ex->bytes_sent = ex->bytes_received = 0;
    ex->failed_rank = 0;
    s.corpus = corpus;
    s.opts = opts;
    s.ex = ex;
    s.progress = progress;
    s.progress_ctx = progress_ctx;
    s.n = ex->size;
    s.me = ex->rank;
    s.round = ex->round_bytes ? ex->round_bytes : RP_SHARED_ROUND_DEFAULT;
    s.threads = rp_pool_threads(opts);
    if (st == RP_OK)
        st = same_corpus(&s);
    if (st == RP_OK)
        st = make_shares(&s);
    if (st == RP_OK) {
        s.scratch = rp_calloc(s.threads, sizeof(*s.scratch));
        s.wseeds = rp_calloc(s.threads, sizeof(*s.wseeds));
        s.wstats = rp_calloc(s.threads, sizeof(*s.wstats));
        stats = rp_calloc((size_t)(s.doc_lo[s.me + 1] - s.doc_lo[s.me]) + 1, sizeof(*stats));
        if (!s.scratch || !s.wseeds || !s.wstats || !stats)
            st = RP_ENOMEM;
    }
    if ((st = agree(&s, st)) == RP_OK)
        st = fingerprint_stage(&s, stats, &sums[0], &owned);
    if (st == RP_OK)
        st = agree(&s, index_stage(&s, &owned, &counts));
    if (st == RP_OK)
        st = align_stage(&s, &hits);
    if (st == RP_OK)
        st = gather_stage(&s, &hits, stats, &all, &all_stats);
    if (st == RP_OK) {
        sums[1] = counts.distinct;
        sums[2] = counts.frequent;
        sums[3] = counts.capped;
        sums[4] = counts.seeds;
        if (ex->allreduce(ex->ctx, sums, 5, RP_REDUCE_SUM) != 0)
            st = RP_EEXCHANGE;
        counts = (rp_scan_counts){sums[0], sums[1], sums[2], sums[4], 0, sums[3], 0};
    }
    if (st == RP_OK && s.me == 0)
        st = rp_scan_finish(corpus, opts, &all, all_stats, &counts, progress, progress_ctx, out);
    if (st != RP_EEXCHANGE)
        st = agree(&s, st);
    if (st != RP_OK) {
        rp_scan_free(*out);
        *out = NULL;
    }
    rp_fingerprints_release(&owned);
    rp_hits_release(&hits);
    rp_hits_release(&all);
    for (unsigned w = 0; s.wseeds && w < s.threads; w++)
        rp_free(s.wseeds[w].items);
    for (unsigned w = 0; s.scratch && w < s.threads; w++)
        rp_fingerprints_release(&s.scratch[w]);
    rp_free(s.scratch);
    rp_free(s.wseeds);
    rp_free(s.wstats);
    rp_free(s.doc_lo);
    rp_free(stats);
    rp_free(all_stats);
    return st;
}
