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
#include "base/exchange.h"
#include "base/pool.h"
#include "corpus/corpus.h"

#include <stdlib.h>
#include <string.h>

size_t rp_scan_lend_room = 0;
size_t rp_scan_report_room = 0;

#define RP_SHARED_BUCKET_BITS 8
#define RP_SHARED_BUCKETS (1u << RP_SHARED_BUCKET_BITS)
#define SHARED_BUCKET_OF(h) ((size_t)((h) >> (64 - RP_SHARED_BUCKET_BITS)))

typedef struct shared {
    const rp_corpus *corpus;
    rp_corpus *lend_to; /* a corpus read by shares: where documents are lent (else NULL) */
    uint32_t held_lo, held_hi;
    const rp_options *opts;
    rp_group g;
    rp_progress_fn progress;
    void *progress_ctx;
    unsigned n, me, threads;
    /* the index of the fingerprints this process owns, bucket by bucket */
    rp_fingerprint *owned; /* the buckets of one group, from group_first */
    size_t bucket_off[RP_SHARED_BUCKETS + 1];
    size_t group_first;
    rp_fingerprints *scratch; /* per worker */
    rp_seeds *wseeds;         /* per worker */
    rp_index_stats *wstats;   /* per worker */
    /* the token hashes of this process's share, kept from fingerprinting for the aligner
     * (no budget), as one process keeps them: taken by the (first) alignment */
    rp_scan_kept keep;
    /* lend-align lends token hashes (every process keeps them), not text: a lent document's
     * hashes are put in keep, where the aligner takes them as a held document's */
    bool lend_hashes;
} shared;

/* One bucket of the owned fingerprints: sorted, and its runs' seeds made. */
static rp_status bucket_task(void *ctx, size_t i, unsigned w)
{
    shared *s = ctx;
    size_t b = s->group_first + i;
    return rp_index_bucket(s->owned + (s->bucket_off[b] - s->bucket_off[s->group_first]),
                           s->bucket_off[b + 1] - s->bucket_off[b], &s->scratch[w], s->opts,
                           &s->wseeds[w], &s->wstats[w]);
}

/* Fingerprints on the wire, compactly: a stream per (sender, owner) in (doc, pos) order, each
 * fingerprint as the LEB128 difference of its document from the one before (the sender's
 * first document before the first), then of its position (from the one before in the same
 * document, else from 0), then its 8 bytes of hash: about 10 bytes, not 16. */
static size_t varint_put(uint8_t *out, uint64_t v)
{
    if (v < 0x80) { /* most differences: one byte */
        out[0] = (uint8_t)v;
        return 1;
    }
    size_t n = 0;
    do {
        uint8_t b = v & 0x7f;
        v >>= 7;
        out[n++] = (uint8_t)(b | (v ? 0x80 : 0));
    } while (v);
    return n;
}

static size_t fp_put(uint8_t *out, const rp_fingerprint *f, uint32_t *doc, uint32_t *pos)
{
    size_t n = varint_put(out, f->doc - *doc);
    n += varint_put(out + n, f->doc == *doc ? f->pos - *pos : f->pos);
    memcpy(out + n, &f->hash, sizeof(f->hash));
    *doc = f->doc;
    *pos = f->pos;
    return n + sizeof(f->hash);
}

/* The bytes varint_put takes for a value of 32 bits, and fp_put for a fingerprint (its doc
 * and pos moved on as fp_put moves them), without writing them. */
static size_t varint_len(uint32_t v)
{
    return 1 + (v >= 1u << 7) + (v >= 1u << 14) + (v >= 1u << 21) + (v >= 1u << 28);
}

static size_t fp_len(const rp_fingerprint *f, uint32_t *doc, uint32_t *pos)
{
    size_t n = varint_len(f->doc - *doc) + varint_len(f->doc == *doc ? f->pos - *pos : f->pos);
    *doc = f->doc;
    *pos = f->pos;
    return n + sizeof(f->hash);
}

/* The next fingerprint of a stream [*at, end): 0, or -1 when the stream is cut short. */
static int varint_get(const uint8_t **at, const uint8_t *end, uint64_t *v)
{
    if (*at < end && !(**at & 0x80)) { /* one byte: most differences */
        *v = *(*at)++;
        return 0;
    }
    *v = 0;
    for (unsigned shift = 0; *at < end && shift < 64; shift += 7) {
        uint8_t b = *(*at)++;
        *v |= (uint64_t)(b & 0x7f) << shift;
        if (!(b & 0x80))
            return 0;
    }
    return -1;
}

static int fp_get(const uint8_t **at, const uint8_t *end, rp_fingerprint *f, uint32_t *doc,
                  uint32_t *pos)
{
    uint64_t dd, dp;
    if (varint_get(at, end, &dd) != 0 || varint_get(at, end, &dp) != 0 ||
        (size_t)(end - *at) < sizeof(f->hash))
        return -1;
    f->doc = *doc + (uint32_t)dd;
    f->pos = (dd ? 0 : *pos) + (uint32_t)dp;
    memcpy(&f->hash, *at, sizeof(f->hash));
    *at += sizeof(f->hash);
    *doc = f->doc;
    *pos = f->pos;
    return 0;
}

#define OWNER_OF(s, h) ((unsigned)(RP_INDEX_KEY(h) % (s)->n))

/* The owners index their buckets in INDEX_GROUPS groups (by the hash's top bits), one group's
 * fingerprints in memory at a time: the fingerprints of every bucket at once (16 bytes each,
 * beside the streams and the text) were a rank's peak. */
/* scan.c's RP_SCAN_GROUPS: rp_scan_fingerprint_docs gives its fingerprints by these groups,
 * each group's in (doc, pos) order, as a stream (one group's) needs. */
#define INDEX_GROUPS 4u
#define GROUP_OF(h) (SHARED_BUCKET_OF(h) / (RP_SHARED_BUCKETS / INDEX_GROUPS))

/* What a sender sends an owner: a head of 64-bit counts, the bytes of each group's stream and
 * the fingerprints of each bucket, then the groups' streams one after the other. The owner
 * places its buckets from the heads and decodes each fingerprint once, in its group's turn;
 * with one stream an owner, it decoded every stream once to count the buckets and once for
 * each group (5 passes over about 0.35 bytes a byte of text at 1 GB, 2 ranks). */
#define HEAD_WORDS (INDEX_GROUPS + RP_SHARED_BUCKETS)
#define HEAD_BYTES (HEAD_WORDS * sizeof(uint64_t))
/* The fewest bytes a fingerprint takes in a stream (fp_put: two varints and the hash). */
#define FP_LEAST (2 + sizeof(uint64_t))

/* The share is fingerprinted in this many pieces, each encoded into the owners' streams before
 * the next is made: all of a share's fingerprints at once (16 bytes each, and the growing
 * array's slack) were a rank's peak beside its streams. */
#define FP_PIECES 16

/* Stage 1: this process's documents fingerprinted, each fingerprint sent to the owner of its
 * key; *wire gets what this process owns (OWNED), wire_bytes[p] from process p. */
static rp_status fingerprint_stage(shared *s, rp_doc_stats *stats, uint64_t *made,
                                   uint8_t **wire, size_t *wire_bytes)
{
    const uint32_t lo = s->g.doc_lo[s->me], hi = s->g.doc_lo[s->me + 1];
    const size_t ns = (size_t)s->n * INDEX_GROUPS; /* streams: owner p's group g at p * G + g */
    rp_fingerprints fps = {NULL, 0, 0};
    uint8_t *send = NULL, **stream = rp_calloc(ns, sizeof(uint8_t *));
    size_t *counts = rp_calloc(3 * ns, sizeof(size_t));
    size_t *add = counts ? counts + ns : NULL, *cursor = counts ? counts + 2 * ns : NULL;
    size_t *sizes = rp_calloc(s->n, sizeof(size_t));
    uint64_t *heads = rp_calloc((size_t)s->n * HEAD_WORDS, sizeof(uint64_t));
    /* doc, pos per stream: the streams' states, and a copy to measure a piece from */
    uint32_t *last = rp_malloc(4 * ns * sizeof(uint32_t));
    uint32_t *probe = last ? last + 2 * ns : NULL;
    void *recv = NULL;
    rp_status st = counts && last && stream && sizes && heads ? RP_OK : RP_ENOMEM;

    *made = 0;
    for (size_t q = 0; st == RP_OK && q < ns; q++)
        last[2 * q] = lo, last[2 * q + 1] = 0;
    for (unsigned k = 0; st == RP_OK && k < FP_PIECES; k++) {
        uint32_t a = lo + (uint32_t)((uint64_t)(hi - lo) * k / FP_PIECES);
        uint32_t b = lo + (uint32_t)((uint64_t)(hi - lo) * (k + 1) / FP_PIECES);
        if (a == b)
            continue;
        st = rp_scan_fingerprint_docs(s->corpus, s->opts, a, b, s->progress, s->progress_ctx,
                                      &fps, stats + (a - lo), &s->keep);
        if (st != RP_OK)
            break;
        *made += fps.count;
        memset(add, 0, ns * sizeof(size_t));
        memcpy(probe, last, 2 * ns * sizeof(uint32_t));
        for (size_t i = 0; i < fps.count; i++) {
            const uint64_t h = fps.items[i].hash;
            const unsigned p = OWNER_OF(s, h);
            const size_t q = (size_t)p * INDEX_GROUPS + GROUP_OF(h);
            add[q] += fp_len(&fps.items[i], &probe[2 * q], &probe[2 * q + 1]);
            heads[(size_t)p * HEAD_WORDS + INDEX_GROUPS + SHARED_BUCKET_OF(h)]++;
        }
        /* each stream grown exactly: measured by the varints' lengths, without writing them
         * (encoding each piece twice, to measure and to write, took 2% of a rank's
         * instructions at 100 MB). Streams in pieces of their own, or room for the most
         * bytes cut to what was taken, put a rank's peak up by 320 MB at 1 GB: the pieces
         * are heap memory that stays resident when freed, where a grown stream is mapped. */
        for (size_t q = 0; st == RP_OK && q < ns; q++) {
            uint8_t *grown = add[q] ? rp_realloc(stream[q], counts[q] + add[q] + 1) : stream[q];
            if (add[q] && !grown)
                st = RP_ENOMEM;
            else
                stream[q] = grown, cursor[q] = counts[q], counts[q] += add[q];
        }
        for (size_t i = 0; st == RP_OK && i < fps.count; i++) {
            const uint64_t h = fps.items[i].hash;
            const size_t q = (size_t)OWNER_OF(s, h) * INDEX_GROUPS + GROUP_OF(h);
            cursor[q] += fp_put(stream[q] + cursor[q], &fps.items[i], &last[2 * q],
                                &last[2 * q + 1]);
        }
        rp_fingerprints_release(&fps);
    }
    rp_fingerprints_release(&fps);
    if (st == RP_OK) { /* each owner's head and streams, in owner order */
        size_t total = 0;
        for (unsigned p = 0; p < s->n; p++) {
            sizes[p] = HEAD_BYTES;
            for (unsigned g = 0; g < INDEX_GROUPS; g++) {
                heads[(size_t)p * HEAD_WORDS + g] = counts[(size_t)p * INDEX_GROUPS + g];
                sizes[p] += counts[(size_t)p * INDEX_GROUPS + g];
            }
            total += sizes[p];
        }
        if (!(send = rp_malloc(total + 1)))
            st = RP_ENOMEM;
        size_t off = 0;
        for (unsigned p = 0; st == RP_OK && p < s->n; p++) {
            memcpy(send + off, heads + (size_t)p * HEAD_WORDS, HEAD_BYTES);
            off += HEAD_BYTES;
            for (unsigned g = 0; g < INDEX_GROUPS; g++) {
                const size_t q = (size_t)p * INDEX_GROUPS + g;
                if (counts[q])
                    memcpy(send + off, stream[q], counts[q]);
                off += counts[q];
                rp_free(stream[q]);
                stream[q] = NULL;
            }
        }
    }
    for (size_t q = 0; stream && q < ns; q++)
        rp_free(stream[q]);
    rp_free(stream);
    rp_free(last);
    rp_free(heads);
    if ((st = rp_group_agree(&s->g, st)) == RP_OK)
        st = rp_group_exchange(&s->g, "exchange-fp", send, sizes, 1, &recv, wire_bytes);
    if (st == RP_OK)
        *wire = recv;
    rp_free(send);
    rp_free(sizes);
    rp_free(counts);
    return st;
}

/* Stage 2: the owned streams decoded straight into buckets by the hash's top bits (in
 * (sender, doc, pos) order: every hash's fingerprints in (doc, pos) order), each bucket sorted
 * and its seeds made in parallel, one group of buckets at a time (each sender's stream of the
 * group decoded once). */
static rp_status index_stage(shared *s, uint8_t *wire, const size_t *wire_bytes,
                             rp_scan_counts *counts)
{
    rp_status st = RP_OK;
    size_t most = 0, cursor[RP_SHARED_BUCKETS];
    const unsigned per = RP_SHARED_BUCKETS / INDEX_GROUPS;
    size_t *group_at = rp_malloc((size_t)s->n * (INDEX_GROUPS + 1) * sizeof(size_t));

    if (!group_at)
        st = RP_ENOMEM;
    memset(s->bucket_off, 0, sizeof(s->bucket_off));
    /* the heads: where each sender's group streams start, how many fingerprints a bucket has */
    size_t at = 0;
    for (unsigned p = 0; st == RP_OK && p < s->n; p++) {
        uint64_t head[HEAD_WORDS];
        size_t len = wire_bytes[p], body = 0;
        if (len < HEAD_BYTES) {
            st = RP_EINVAL; /* a stream cut short: cannot happen */
            break;
        }
        memcpy(head, wire + at, HEAD_BYTES);
        group_at[p * (INDEX_GROUPS + 1)] = at + HEAD_BYTES;
        for (unsigned g = 0; g < INDEX_GROUPS; g++) {
            if (head[g] > len - HEAD_BYTES - body) {
                st = RP_EINVAL;
                break;
            }
            body += head[g];
            group_at[p * (INDEX_GROUPS + 1) + g + 1] = at + HEAD_BYTES + body;
        }
        /* a fingerprint takes at least FP_LEAST bytes of its group's stream: a group's bucket
         * counts bounded by its bytes keep every sum below the bytes received (counts summed
         * freely could wrap, placing buckets outside s->owned) */
        for (unsigned g = 0; st == RP_OK && g < INDEX_GROUPS; g++) {
            uint64_t fps = 0;
            for (size_t b = (size_t)g * per; st == RP_OK && b < (size_t)(g + 1) * per; b++) {
                if (head[INDEX_GROUPS + b] > head[g] / FP_LEAST - fps)
                    st = RP_EINVAL;
                fps += head[INDEX_GROUPS + b];
            }
        }
        for (size_t b = 0; st == RP_OK && b < RP_SHARED_BUCKETS; b++)
            s->bucket_off[b + 1] += head[INDEX_GROUPS + b];
        if (st == RP_OK && body != len - HEAD_BYTES)
            st = RP_EINVAL;
        at += len;
    }
    if (st == RP_OK) {
        for (size_t b = 0; b < RP_SHARED_BUCKETS; b++)
            s->bucket_off[b + 1] += s->bucket_off[b];
        for (unsigned k = 0; k < INDEX_GROUPS; k++) {
            size_t n = s->bucket_off[(k + 1) * per] - s->bucket_off[k * per];
            most = n > most ? n : most;
        }
        if (s->opts->memory && most * sizeof(rp_fingerprint) > s->opts->memory)
            st = RP_EBUDGET;
        else if (!(s->owned = rp_malloc((most ? most : 1) * sizeof(rp_fingerprint))))
            st = RP_ENOMEM;
    }
    for (unsigned k = 0; k < INDEX_GROUPS && st == RP_OK; k++) {
        const size_t lo_b = (size_t)k * per, hi_b = lo_b + per;
        for (size_t b = lo_b; b < hi_b; b++)
            cursor[b] = s->bucket_off[b] - s->bucket_off[lo_b];
        for (unsigned p = 0; p < s->n && st == RP_OK; p++) {
            const uint8_t *in = wire + group_at[p * (INDEX_GROUPS + 1) + k];
            const uint8_t *end = wire + group_at[p * (INDEX_GROUPS + 1) + k + 1];
            uint32_t doc = s->g.doc_lo[p], pos = 0;
            rp_fingerprint f;
            while (in < end) {
                size_t b;
                /* a sender fingerprints its own share: a document outside it (differences
                 * wrapping past the corpus) was counted and placed by the aligners outside
                 * their arrays, which are sized by the corpus */
                if (fp_get(&in, end, &f, &doc, &pos) != 0 || f.doc < s->g.doc_lo[p] ||
                    f.doc >= s->g.doc_lo[p + 1] || (b = SHARED_BUCKET_OF(f.hash)) < lo_b ||
                    b >= hi_b || cursor[b] >= s->bucket_off[b + 1] - s->bucket_off[lo_b]) {
                    st = RP_EINVAL; /* a stream that is not its head's: cannot happen */
                    break;
                }
                s->owned[cursor[b]++] = f;
            }
        }
        for (size_t b = lo_b; st == RP_OK && b < hi_b; b++)
            if (cursor[b] != s->bucket_off[b + 1] - s->bucket_off[lo_b])
                st = RP_EINVAL;
        if (st == RP_OK) {
            s->group_first = lo_b;
            st = rp_pool_run(s->threads, hi_b - lo_b, bucket_task, s, "index", s->progress,
                             s->progress_ctx);
        }
    }
    rp_free(group_at);
    rp_free(wire);
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

/* Stage 3: every seed sent to the process that aligns its pair, which aligns the pairs it
 * holds. A pair goes by its first document (all its seeds meet there); documents are cut into
 * RP_SHARED_ALIGN_RANGES ranges, and the ranges into contiguous runs of about equal seeds, one
 * per process: cutting by the shares' bytes gave the first process three times the pairs of
 * the last (a pair's first document is the one that comes first). */
#define RP_SHARED_ALIGN_RANGES 4096u

static unsigned align_range(const shared *s, uint32_t doc)
{
    size_t docs = rp_corpus_count(s->corpus);
    return (unsigned)((uint64_t)doc * RP_SHARED_ALIGN_RANGES / (docs ? docs : 1));
}

/* Seeds on the wire: each process's block sorted by (doc_a, doc_b, pos_a, pos_b), each seed
 * as LEB128 differences: doc_a from the one before; doc_b from the one before in the same
 * doc_a, else from doc_a; pos_a (shifted left by 2 over the lone and weak flags) from the one
 * before in the same pair, else whole; pos_b whole. About 7 bytes, not 16. */
/* The fewest bytes a seed takes (four one-byte differences) and the most (four of 32 bits,
 * pos_a's with the two flags: 5 bytes each). */
#define SEED_LEAST 4u
#define SEED_MOST 20u
#define SEED_FLAGS(sd) (((sd)->pos_a & RP_SEED_LONE ? 1u : 0u) | ((sd)->pos_b & RP_SEED_WEAK ? 2u : 0u))

static size_t seed_put(uint8_t *out, const rp_seed *sd, rp_seed *prev)
{
    uint32_t pa = sd->pos_a & ~RP_SEED_LONE, pb = sd->pos_b & ~RP_SEED_WEAK;
    bool same_a = sd->doc_a == prev->doc_a, same_pair = same_a && sd->doc_b == prev->doc_b;
    size_t n = varint_put(out, sd->doc_a - prev->doc_a);
    n += varint_put(out + n, sd->doc_b - (same_a ? prev->doc_b : sd->doc_a));
    n += varint_put(out + n, (uint64_t)(pa - (same_pair ? prev->pos_a : 0)) << 2 | SEED_FLAGS(sd));
    n += varint_put(out + n, pb);
    *prev = (rp_seed){sd->doc_a, sd->doc_b, pa, pb};
    return n;
}

static int seed_get(const uint8_t **at, const uint8_t *end, rp_seed *sd, rp_seed *prev)
{
    uint64_t da, db, pa, pb;
    if (varint_get(at, end, &da) != 0 || varint_get(at, end, &db) != 0 ||
        varint_get(at, end, &pa) != 0 || varint_get(at, end, &pb) != 0)
        return -1;
    uint32_t doc_a = prev->doc_a + (uint32_t)da;
    uint32_t doc_b = (da == 0 ? prev->doc_b : doc_a) + (uint32_t)db;
    uint32_t pos_a = (da == 0 && doc_b == prev->doc_b ? prev->pos_a : 0) + (uint32_t)(pa >> 2);
    *prev = (rp_seed){doc_a, doc_b, pos_a, (uint32_t)pb};
    *sd = (rp_seed){doc_a, doc_b, pos_a | (pa & 1 ? RP_SEED_LONE : 0),
                    (uint32_t)pb | (pa & 2 ? RP_SEED_WEAK : 0)};
    return 0;
}

/* A received block being merged: its cursor, the decoder's state and its next seed. */
typedef struct seed_stream {
    const uint8_t *at, *end;
    rp_seed prev, cur;
} seed_stream;

/* The next seed of a received block, its documents in the corpus: 0, or -1 when the block is
 * cut short or names a document past the corpus's last (the aligner looks them up). */
static int seed_next(seed_stream *ss, uint32_t docs)
{
    if (seed_get(&ss->at, ss->end, &ss->cur, &ss->prev) != 0)
        return -1;
    return ss->cur.doc_a < docs && ss->cur.doc_b < docs ? 0 : -1;
}

/* send holds counts[p] seeds for each process p in turn: each block sorted and encoded into
 * *wire (OWNED); counts become the blocks' bytes. */
static rp_status seeds_encode(shared *s, rp_seed *send, size_t *counts, uint8_t **wire)
{
    size_t at = 0, bytes = 0;
    for (unsigned p = 0; p < s->n; p++) {
        /* the block comes grouped by first document, in order (align_stage): each group sorted
         * on its own, as one process sorts its seeds, not the block as a whole */
        for (size_t i = at, j; i < at + counts[p]; i = j) {
            for (j = i + 1; j < at + counts[p] && send[j].doc_a == send[i].doc_a; j++)
                ;
            rp_seeds_sort(send + i, j - i);
        }
        at += counts[p];
    }
    /* room for the most bytes, cut to what the seeds took: measuring them first encoded every
     * seed twice */
    if (!(*wire = rp_malloc(at * SEED_MOST + 1)))
        return RP_ENOMEM;
    at = bytes = 0;
    for (unsigned p = 0; p < s->n; p++) {
        rp_seed prev = {0, 0, 0, 0};
        size_t first = bytes;
        for (size_t i = 0; i < counts[p]; i++)
            bytes += seed_put(*wire + bytes, &send[at + i], &prev);
        at += counts[p];
        counts[p] = bytes - first;
    }
    uint8_t *cut = rp_realloc(*wire, bytes + 1);
    if (cut) /* a failed cut keeps the room */
        *wire = cut;
    return RP_OK;
}

/* The heap of streams by their next seeds: heap[i]'s children are heap[2i + 1], heap[2i + 2]. */
static void stream_sift(const seed_stream *ss, unsigned *heap, size_t n, size_t i)
{
    for (size_t c; (c = 2 * i + 1) < n; i = c) {
        if (c + 1 < n && rp_seed_less(&ss[heap[c + 1]].cur, &ss[heap[c]].cur))
            c++;
        if (!rp_seed_less(&ss[heap[c]].cur, &ss[heap[i]].cur))
            return;
        unsigned t = heap[i];
        heap[i] = heap[c];
        heap[c] = t;
    }
}

/* The seeds of the blocks received (bytes[p] from process p), merged in the order
 * rp_seeds_sort gives: each block is sorted by its sender, so the aligner's sort of a batch
 * (a part of this list, in order) finds it sorted. Before, the list was the blocks one after
 * another and the aligner sorted each batch again (the seeds' second sort on every rank).
 * No two blocks hold the same seed: a pair of positions has one key, and a key one owner. */
static rp_status seeds_decode(shared *s, const uint8_t *wire, const size_t *bytes,
                              rp_seeds *out)
{
    size_t n = 0, hn = 0, most = 0;
    const size_t count = rp_corpus_count(s->corpus);
    const uint32_t docs = count < UINT32_MAX ? (uint32_t)count : UINT32_MAX;
    const uint8_t *at = wire;
    seed_stream *ss = NULL;
    unsigned *heap = NULL;

    /* room for the most seeds the blocks can hold, cut to what they held: a first pass to
     * count them decoded every seed twice */
    for (unsigned p = 0; p < s->n; p++)
        most += bytes[p] / SEED_LEAST;
    out->items = rp_malloc((most ? most : 1) * sizeof(rp_seed));
    ss = rp_malloc(s->n * sizeof(*ss));
    heap = rp_malloc(s->n * sizeof(*heap));
    if (!out->items || !ss || !heap) {
        rp_free(out->items);
        out->items = NULL;
        rp_free(ss);
        rp_free(heap);
        return RP_ENOMEM;
    }
    at = wire;
    for (unsigned p = 0; p < s->n; p++) {
        ss[p] = (seed_stream){at, at + bytes[p], {0, 0, 0, 0}, {0, 0, 0, 0}};
        at += bytes[p];
        if (ss[p].at < ss[p].end) {
            if (seed_next(&ss[p], docs) != 0)
                goto cut_short;
            heap[hn++] = p;
        }
    }
    for (size_t i = hn / 2; i-- > 0;)
        stream_sift(ss, heap, hn, i);
    for (; hn; n++) {
        seed_stream *top = &ss[heap[0]];
        if (n == most)
            goto cut_short; /* cannot happen: a seed takes SEED_LEAST bytes at least */
        out->items[n] = top->cur;
        if (top->at >= top->end)
            heap[0] = heap[--hn];
        else if (seed_next(top, docs) != 0)
            goto cut_short;
        stream_sift(ss, heap, hn, 0);
    }
    rp_free(ss);
    rp_free(heap);
    rp_seed *cut = rp_realloc(out->items, (n ? n : 1) * sizeof(rp_seed));
    if (cut) /* a failed cut keeps the room */
        out->items = cut;
    out->count = n;
    out->cap = cut ? n : most;
    return RP_OK;
cut_short: /* a block cut short or naming a document past the corpus: cannot happen */
    rp_free(out->items);
    out->items = NULL;
    rp_free(ss);
    rp_free(heap);
    return RP_EINVAL;
}

/* ---- documents lent between processes (a corpus read by shares) ---- */

/* A lent document on the wire: its length, its ignored ranges' count, the ranges, its bytes
 * and a NUL, padded to 8 bytes (so ranges that follow stay aligned). */
#define LENT_PAD(n) (((n) + 7) & ~(size_t)7)

static size_t lent_size(const rp_doc *d)
{
    return 2 * sizeof(uint64_t) + d->ignored_count * sizeof(rp_range) + LENT_PAD(d->len + 1);
}

/* Lent as token hashes: their count, 0, the hashes, padded to 8 bytes. */
static size_t lent_hashes_size(uint32_t count)
{
    return 2 * sizeof(uint64_t) + LENT_PAD((size_t)count * sizeof(uint32_t));
}

/* The kept token hashes of held document d, made now if the fingerprinting did not keep
 * them (past its cap). */
static rp_status held_hashes(shared *s, uint32_t d, rp_tokens *toks)
{
    if (s->keep.hashes[d])
        return RP_OK;
    const rp_doc *doc = rp_corpus_doc(s->corpus, d);
    rp_status st = rp_scan_token_hashes(s->opts, doc, toks, &s->keep.hashes[d],
                                        &s->keep.count[d]);
    rp_corpus_text_read(s->corpus, doc->len);
    return st;
}

/* Collective: the documents ids[0, n) (increasing, none held here) lent by their holders into
 * s->lend_to, or with hashes as token hashes into s->keep; *buf (OWNED) holds their bytes
 * until they are taken back (unlend_docs). */
static rp_status fetch_docs(shared *s, const char *stage, const uint32_t *ids, size_t n,
                            bool hashes, char **buf)
{
    size_t *counts = rp_calloc(4 * (size_t)s->n, sizeof(size_t));
    size_t *got = counts ? counts + s->n : NULL, *reply = counts ? counts + 2 * s->n : NULL;
    size_t *reply_got = counts ? counts + 3 * s->n : NULL;
    void *asks = NULL, *lent = NULL;
    char *send = NULL;
    rp_tokens toks;
    rp_status st = counts ? RP_OK : RP_ENOMEM;

    rp_tokens_init(&toks);
    *buf = NULL;
    for (size_t i = 0; st == RP_OK && i < n; i++)
        counts[rp_group_holder(&s->g, ids[i])] += sizeof(uint32_t);
    if ((st = rp_group_agree(&s->g, st)) == RP_OK)
        st = rp_group_exchange(&s->g, stage, ids, counts, sizeof(uint32_t), &asks, got);
    if (st == RP_OK) { /* the replies: each asker's documents in the order asked */
        const uint32_t *a = asks;
        size_t total = 0, k = 0;
        for (unsigned p = 0; p < s->n; p++)
            for (size_t i = 0; i < got[p] / sizeof(uint32_t); i++, k++) {
                const rp_doc *d = rp_corpus_doc(s->corpus, a[k]);
                size_t size = 0;
                rp_status made;
                if (a[k] < s->held_lo || a[k] >= s->held_hi || !d)
                    st = RP_EINVAL; /* cannot happen: asked of its holder */
                else if (!hashes)
                    size = lent_size(d);
                else if ((made = held_hashes(s, a[k], &toks)) == RP_OK)
                    size = lent_hashes_size(s->keep.count[a[k]]);
                else
                    st = made;
                reply[p] += size, total += size;
            }
        if (st == RP_OK && !(send = rp_malloc(total + 1)))
            st = RP_ENOMEM;
        char *at = send;
        for (size_t i = 0; st == RP_OK && hashes && i < k; i++) {
            uint64_t h[2] = {s->keep.count[a[i]], 0};
            size_t bytes = (size_t)h[0] * sizeof(uint32_t);
            memcpy(at, h, sizeof(h));
            at += sizeof(h);
            if (bytes)
                memcpy(at, s->keep.hashes[a[i]], bytes);
            memset(at + bytes, 0, LENT_PAD(bytes) - bytes);
            at += LENT_PAD(bytes);
        }
        for (size_t i = 0; st == RP_OK && !hashes && i < k; i++) {
            const rp_doc *d = rp_corpus_doc(s->corpus, a[i]);
            uint64_t h[2] = {d->len, d->ignored_count};
            memcpy(at, h, sizeof(h));
            at += sizeof(h);
            if (d->ignored_count)
                memcpy(at, d->ignored, d->ignored_count * sizeof(rp_range));
            at += d->ignored_count * sizeof(rp_range);
            if (d->len)
                memcpy(at, d->bytes, d->len);
            memset(at + d->len, 0, LENT_PAD(d->len + 1) - d->len);
            at += LENT_PAD(d->len + 1);
            rp_corpus_text_read(s->corpus, d->len);
        }
    }
    rp_free(asks);
    rp_tokens_release(&toks);
    if ((st = rp_group_agree(&s->g, st)) == RP_OK)
        st = rp_group_exchange(&s->g, stage, send, reply, 1, &lent, reply_got);
    rp_free(send);
    if (st == RP_OK) { /* the replies come in holder order, as the ids were asked */
        char *at = lent;
        for (size_t i = 0; hashes && i < n; i++) {
            uint64_t h[2];
            memcpy(h, at, sizeof(h));
            at += sizeof(h);
            s->keep.hashes[ids[i]] = (uint32_t *)(void *)at; /* the aligner only reads them */
            s->keep.count[ids[i]] = (uint32_t)h[0];
            at += LENT_PAD((size_t)h[0] * sizeof(uint32_t));
        }
        for (size_t i = 0; !hashes && i < n; i++) {
            uint64_t h[2];
            memcpy(h, at, sizeof(h));
            at += sizeof(h);
            const rp_range *ign = h[1] ? (const rp_range *)(const void *)at : NULL;
            at += h[1] * sizeof(rp_range);
            rp_corpus_lend(s->lend_to, ids[i], at, (size_t)h[0], ign, (size_t)h[1]);
            at += LENT_PAD((size_t)h[0] + 1);
        }
        *buf = lent;
    } else {
        rp_free(lent);
    }
    rp_free(counts);
    return st;
}

static void unlend_docs(shared *s, const uint32_t *ids, size_t n, bool hashes, char *buf)
{
    for (size_t i = 0; i < n; i++) {
        if (!hashes)
            rp_corpus_unlend(s->lend_to, ids[i]);
        else
            s->keep.hashes[ids[i]] = NULL; /* pointers into buf */
    }
    rp_free(buf);
}

static int u32_order(const void *pa, const void *pb)
{
    uint32_t a = *(const uint32_t *)pa, b = *(const uint32_t *)pb;
    return (a > b) - (a < b);
}

/* ids[0, *n) sorted, without repeats and without the documents held here. */
static void needed_only(const shared *s, uint32_t *ids, size_t *n)
{
    size_t m = 0;
    qsort(ids, *n, sizeof(uint32_t), u32_order);
    for (size_t i = 0; i < *n; i++)
        if ((m == 0 || ids[m - 1] != ids[i]) && (ids[i] < s->held_lo || ids[i] >= s->held_hi))
            ids[m++] = ids[i];
    *n = m;
}

/* Hits of one batch appended to *all (their gap indices moved past the gaps before). */
static rp_status hits_append(rp_hits *all, rp_hits *more)
{
    if (RP_GROW(all->items, all->cap, all->count + more->count + 1) != RP_OK ||
        RP_GROW(all->gaps, all->gap_cap, all->gap_count + more->gap_count + 1) != RP_OK)
        return RP_ENOMEM;
    for (size_t i = 0; i < more->count; i++) {
        all->items[all->count + i] = more->items[i];
        all->items[all->count + i].gap_first += (uint32_t)all->gap_count;
    }
    if (more->gap_count)
        memcpy(all->gaps + all->gap_count, more->gaps, more->gap_count * sizeof(rp_token_gap));
    all->count += more->count;
    all->gap_count += more->gap_count;
    rp_hits_release(more);
    return RP_OK;
}

/* The bytes of second documents one batch of alignment takes: half this process's own text
 * (at least 4 MiB). A batch holds what is lent for it (token hashes, or text under a budget)
 * and the token hashes of its documents (the aligner keeps a document's hashes until its
 * last pair, and in the order of first documents the second ones come from all over the
 * corpus): a quarter took 8 batches at 1 GB, half takes 4. One batch (everything lent at
 * once) put a rank's peak at 0.72x the one process's at 1 GB, past the 0.7x target; since
 * the kept hashes, batches no longer tokenize their first documents again. */
static size_t lend_room(const shared *s)
{
    if (rp_scan_lend_room)
        return rp_scan_lend_room;
    size_t own = 0;
    for (uint32_t d = s->held_lo; d < s->held_hi; d++)
        own += rp_corpus_doc(s->corpus, d)->len;
    return own / 2 > ((size_t)4 << 20) ? own / 2 : (size_t)4 << 20;
}

static bool held(const shared *s, uint32_t d)
{
    return d >= s->held_lo && d < s->held_hi;
}

/* Whether document d, held elsewhere, is lent here now (its hashes or its text). */
static bool lent_already(const shared *s, uint32_t d)
{
    return s->lend_hashes ? s->keep.hashes[d] != NULL : rp_corpus_doc(s->corpus, d)->bytes != NULL;
}

/* The kept token hashes of held document d let go. */
static void kept_free(shared *s, uint32_t d)
{
    rp_free(s->keep.hashes[d]);
    s->keep.hashes[d] = NULL;
}

/* The kept token hashes of held documents whose last batch is `last` (1 + its index; 0: in
 * no pair here) let go. */
static void kept_drop(shared *s, const uint32_t *last_blk, uint32_t last)
{
    for (uint32_t d = s->held_lo; s->keep.hashes && d < s->held_hi; d++)
        if (last_blk[d - s->held_lo] == last && s->keep.hashes[d])
            kept_free(s, d);
}

/* Alignment of a corpus read by shares: pairs are aligned in batches by blocks of their second
 * documents (runs of document ids whose second documents' text fits in lend_room), so each
 * second document held elsewhere is lent once (in the order of their first documents, the
 * second ones of a batch came from all over the corpus and were lent again in nearly every
 * batch: 25 bytes moved a byte of text at 100 MB). Before each batch its second documents held
 * elsewhere are lent by their holders, after it they go back; the first documents held
 * elsewhere are lent once for all batches. Every process takes part in as many batches as
 * the one with the most. A batch's seeds are picked out of the whole list (a sorted copy of
 * the list, and lists of documents as long as the seeds, were a rank's peak at 1 GB). */
#define MARK_B 1u    /* a second document */
#define MARK_A 2u    /* a first document held elsewhere */
#define MARK_WANT 4u /* asked for in this batch */

static rp_status align_lent(shared *s, rp_seeds *seeds, rp_hits *hits)
{
    const size_t docs = rp_corpus_count(s->corpus);
    uint64_t *len = rp_calloc(docs + 1, sizeof(uint64_t));
    uint8_t *mark = rp_calloc(docs + 1, 1);
    uint32_t *blk = rp_malloc((docs + 1) * sizeof(uint32_t));
    /* per held document: 1 + the last batch that aligns it (0: none), when its kept token
     * hashes are let go */
    uint32_t *last_blk = rp_calloc((size_t)(s->held_hi - s->held_lo) + 1, sizeof(uint32_t));
    size_t room = lend_room(s), blocks = 0, n_a = 0, ids_cap = 0;
    uint32_t *ids = NULL, *ids_a = NULL;
    char *lent_a = NULL;
    rp_status st = len && mark && blk && last_blk ? RP_OK : RP_ENOMEM;

    memset(hits, 0, sizeof(*hits));
    for (uint32_t d = s->held_lo; st == RP_OK && d < s->held_hi; d++)
        len[d] = rp_corpus_doc(s->corpus, d)->len;
    if (st == RP_OK) /* one more count: the processes that keep no token hashes */
        len[docs] = s->keep.hashes ? 0 : 1;
    if ((st = rp_group_agree(&s->g, st)) == RP_OK &&
        s->g.ex->allreduce(s->g.ex->ctx, len, docs + 1, RP_REDUCE_SUM) != 0)
        st = RP_EEXCHANGE;
    s->lend_hashes = st == RP_OK && len[docs] == 0;
    if (st == RP_OK) { /* the documents in pairs; the second ones cut into blocks */
        size_t used = 0;
        for (size_t i = 0; i < seeds->count; i++) {
            mark[seeds->items[i].doc_b] |= MARK_B;
            if (!held(s, seeds->items[i].doc_a))
                mark[seeds->items[i].doc_a] |= MARK_A;
        }
        for (size_t d = 0; d < docs; d++) {
            if (mark[d] & MARK_B) {
                if (blocks == 0 || (used > 0 && used + len[d] > room))
                    blocks++, used = 0;
                used += (size_t)len[d];
            }
            blk[d] = blocks ? (uint32_t)(blocks - 1) : 0;
            n_a += (mark[d] & MARK_A) != 0;
        }
        for (size_t i = 0; i < seeds->count; i++) {
            const rp_seed *sd = &seeds->items[i];
            const uint32_t b1 = blk[sd->doc_b] + 1, ds[2] = {sd->doc_a, sd->doc_b};
            for (int k = 0; k < 2; k++)
                if (held(s, ds[k]) && last_blk[ds[k] - s->held_lo] < b1)
                    last_blk[ds[k] - s->held_lo] = b1;
        }
        if (!s->lend_hashes)
            kept_drop(s, last_blk, 0); /* the hashes of documents in no pair here */
        if (!(ids_a = rp_malloc((n_a + 1) * sizeof(uint32_t))))
            st = RP_ENOMEM;
        n_a = 0;
        for (size_t d = 0; st == RP_OK && d < docs; d++)
            if (mark[d] & MARK_A)
                ids_a[n_a++] = (uint32_t)d;
    }
    uint64_t most = blocks;
    if ((st = rp_group_agree(&s->g, st)) == RP_OK &&
        s->g.ex->allreduce(s->g.ex->ctx, &most, 1, RP_REDUCE_MAX) != 0)
        st = RP_EEXCHANGE;
    /* agreed first: a rank whose reduction of `most` failed must not skip this one alone */
    if ((st = rp_group_agree(&s->g, st)) == RP_OK && s->lend_hashes) {
        /* hashes no process aligns let go (len reused) */
        memset(len, 0, docs * sizeof(uint64_t));
        for (size_t i = 0; i < seeds->count; i++)
            len[seeds->items[i].doc_a] = len[seeds->items[i].doc_b] = 1;
        if (s->g.ex->allreduce(s->g.ex->ctx, len, docs, RP_REDUCE_MAX) != 0)
            st = RP_EEXCHANGE;
        for (uint32_t d = s->held_lo; st == RP_OK && d < s->held_hi; d++)
            if (!len[d] && s->keep.hashes[d])
                kept_free(s, d);
    }
    if ((st = rp_group_agree(&s->g, st)) == RP_OK)
        st = fetch_docs(s, "lend-align", ids_a, n_a, s->lend_hashes, &lent_a);
    for (uint64_t b = 0; st == RP_OK && b < most; b++) {
        size_t count = 0, n = 0;
        rp_seeds batch = {NULL, 0, 0};
        char *lent = NULL;
        for (size_t i = 0; i < seeds->count; i++)
            count += blk[seeds->items[i].doc_b] == b;
        if (!(batch.items = rp_malloc((count + 1) * sizeof(rp_seed))))
            st = RP_ENOMEM;
        for (size_t i = 0; st == RP_OK && i < seeds->count; i++) {
            const rp_seed *sd = &seeds->items[i];
            if (blk[sd->doc_b] != b)
                continue;
            batch.items[batch.count++] = *sd;
            const uint32_t d = sd->doc_b; /* held elsewhere, not lent already */
            if (!held(s, d) && !lent_already(s, d) && !(mark[d] & MARK_WANT)) {
                if (RP_GROW(ids, ids_cap, n + 1) != RP_OK) {
                    st = RP_ENOMEM;
                    break;
                }
                mark[d] |= MARK_WANT;
                ids[n++] = d;
            }
        }
        batch.cap = batch.count;
        for (size_t i = 0; i < n; i++)
            mark[ids[i]] &= (uint8_t)~MARK_WANT;
        if (st == RP_OK && n)
            qsort(ids, n, sizeof(uint32_t), u32_order);
        if ((st = rp_group_agree(&s->g, st)) == RP_OK)
            st = fetch_docs(s, "lend-align", ids, n, s->lend_hashes, &lent);
        if (st == RP_OK && batch.count) {
            rp_hits more;
            memset(&more, 0, sizeof(more));
            st = rp_scan_align_seeds(s->corpus, s->opts, &batch, &s->keep, s->progress,
                                     s->progress_ctx, &more);
            if (st == RP_OK)
                st = hits_append(hits, &more);
            rp_hits_release(&more);
        }
        if (st == RP_OK && !s->lend_hashes) /* else kept for the others' batches */
            kept_drop(s, last_blk, (uint32_t)b + 1);
        rp_free(batch.items);
        if (lent)
            unlend_docs(s, ids, n, s->lend_hashes, lent);
        st = rp_group_agree(&s->g, st);
    }
    if (lent_a)
        unlend_docs(s, ids_a, n_a, s->lend_hashes, lent_a);
    rp_scan_kept_release(&s->keep); /* every process's batches are done */
    rp_free(ids_a);
    rp_free(ids);
    rp_free(last_blk);
    rp_free(blk);
    rp_free(mark);
    rp_free(len);
    return st;
}

/* Under a budget, the text lent for the report comes in exchanges of at most this many
 * bytes (an eighth of the budget, at least 4 MiB; a larger document alone), each written to
 * rank 0's text file before the next (what cannot be, kept in the exchange's buffer): one
 * exchange of it all was anonymous memory beside everything else (at 4 GB with 4 ranks under
 * --memory 2G it passed the budget). */
static size_t report_room(const shared *s)
{
    if (!s->opts->memory)
        return SIZE_MAX;
    if (rp_scan_report_room)
        return rp_scan_report_room;
    return s->opts->memory / 8 > ((size_t)4 << 20) ? s->opts->memory / 8 : (size_t)4 << 20;
}

/* Rank 0's report needs the text of every document a hit touches: lent for good (the corpus
 * keeps the bytes, in its text file under a budget, else the lent blob). Collective; the
 * other processes only lend. */
static rp_status fetch_for_report(shared *s, const rp_hits *all)
{
    size_t n = 0;
    uint32_t *ids = rp_malloc((2 * all->count + 1) * sizeof(uint32_t));
    char *lent = NULL;
    rp_status st = ids ? RP_OK : RP_ENOMEM;

    for (size_t i = 0; st == RP_OK && i < all->count; i++) {
        ids[n++] = all->items[i].doc_a;
        ids[n++] = all->items[i].doc_b;
    }
    if (st == RP_OK && s->me == 0) { /* its own documents no hit touches: their text let go */
        rp_corpus_spend(s->lend_to); /* a corpus read by shares serves one shared scan */
        qsort(ids, n, sizeof(uint32_t), u32_order);
        size_t k = 0;
        for (uint32_t d = s->held_lo; d < s->held_hi; d++) {
            while (k < n && ids[k] < d)
                k++;
            if (k == n || ids[k] != d)
                rp_corpus_drop_text(s->lend_to, d);
        }
    }
    if (st == RP_OK)
        needed_only(s, ids, &n);
    /* the batches: runs of ids whose text fits in report_room (every process takes part in
     * as many as rank 0 has) */
    const size_t room = report_room(s);
    uint64_t batches = 0;
    for (size_t i = 0, bytes = 0; st == RP_OK && i < n; i++) {
        size_t len = lent_size(rp_corpus_doc(s->corpus, ids[i]));
        if (i == 0 || bytes + len > room)
            batches++, bytes = 0;
        bytes += len;
    }
    if ((st = rp_group_agree(&s->g, st)) == RP_OK &&
        s->g.ex->allreduce(s->g.ex->ctx, &batches, 1, RP_REDUCE_MAX) != 0)
        st = RP_EEXCHANGE;
    for (uint64_t b = 0, i = 0; st == RP_OK && b < batches; b++) {
        size_t m = 0, bytes = 0;
        while (i + m < n) {
            size_t len = lent_size(rp_corpus_doc(s->corpus, ids[i + m]));
            if (m && bytes + len > room)
                break;
            bytes += len, m++;
        }
        if (s->me == 0) /* room for the lent text before it comes */
            st = rp_corpus_blob_room(s->lend_to);
        if ((st = rp_group_agree(&s->g, st)) == RP_OK)
            st = fetch_docs(s, "lend-report", ids + i, m, false, &lent);
        bool all_in_file = st == RP_OK;
        for (size_t k = 0; st == RP_OK && k < m; k++)
            if (!rp_corpus_lent_to_file(s->lend_to, ids[i + k]))
                all_in_file = false;
        if (all_in_file)
            rp_free(lent); /* every document's text is in the file now */
        else if (st == RP_OK && lent)
            st = rp_corpus_keep_blob(s->lend_to, lent); /* the corpus frees it */
        lent = NULL;
        i += m;
    }
    rp_free(ids);
    return st;
}

static rp_status align_stage(shared *s, rp_hits *hits)
{
    size_t total = 0;
    size_t *counts = rp_calloc(2 * (size_t)s->n, sizeof(size_t));
    size_t *cursor = counts ? counts + s->n : NULL;
    uint64_t *hist = rp_calloc(RP_SHARED_ALIGN_RANGES, sizeof(uint64_t));
    unsigned *aligner = rp_malloc(RP_SHARED_ALIGN_RANGES * sizeof(unsigned));
    rp_seed *send = NULL;
    uint8_t *wire = NULL;
    void *recv = NULL;
    rp_status st = counts && hist && aligner ? RP_OK : RP_ENOMEM;

    for (unsigned w = 0; w < s->threads; w++)
        total += s->wseeds[w].count;
    if (st == RP_OK && !(send = rp_malloc((total ? total : 1) * sizeof(rp_seed))))
        st = RP_ENOMEM;
    for (unsigned w = 0; st == RP_OK && w < s->threads; w++)
        for (size_t i = 0; i < s->wseeds[w].count; i++)
            hist[align_range(s, s->wseeds[w].items[i].doc_a)]++;
    if ((st = rp_group_agree(&s->g, st)) == RP_OK &&
        s->g.ex->allreduce(s->g.ex->ctx, hist, RP_SHARED_ALIGN_RANGES, RP_REDUCE_SUM) != 0)
        st = RP_EEXCHANGE;
    if (st == RP_OK) { /* the same cut on every process: the histogram is the job's */
        uint64_t all = 0, acc = 0;
        unsigned p = 0;
        for (unsigned b = 0; b < RP_SHARED_ALIGN_RANGES; b++)
            all += hist[b];
        for (unsigned b = 0; b < RP_SHARED_ALIGN_RANGES; b++) {
            while (p + 1 < s->n && acc >= all / s->n * (p + 1) + all % s->n * (p + 1) / s->n)
                p++;
            aligner[b] = p;
            acc += hist[b];
        }
        for (unsigned w = 0; w < s->threads; w++)
            for (size_t i = 0; i < s->wseeds[w].count; i++)
                counts[aligner[align_range(s, s->wseeds[w].items[i].doc_a)]]++;
        /* placed by first document (a counting sort: the aligners' runs of documents follow
         * each other, so the blocks come out in process order, each grouped by document) */
        const size_t docs = rp_corpus_count(s->corpus);
        size_t *at_doc = rp_calloc(docs + 1, sizeof(size_t));
        if (!at_doc)
            st = RP_ENOMEM;
        for (unsigned w = 0; st == RP_OK && w < s->threads; w++)
            for (size_t i = 0; i < s->wseeds[w].count; i++)
                at_doc[s->wseeds[w].items[i].doc_a + 1]++;
        for (size_t d = 0; st == RP_OK && d < docs; d++)
            at_doc[d + 1] += at_doc[d];
        for (unsigned w = 0; st == RP_OK && w < s->threads; w++) {
            for (size_t i = 0; i < s->wseeds[w].count; i++) {
                const rp_seed *sd = &s->wseeds[w].items[i];
                send[at_doc[sd->doc_a]++] = *sd;
            }
            rp_free(s->wseeds[w].items);
            s->wseeds[w] = (rp_seeds){NULL, 0, 0};
        }
        rp_free(at_doc);
    }
    rp_free(hist);
    rp_free(aligner);
    if (st == RP_OK)
        st = seeds_encode(s, send, counts, &wire);
    rp_free(send);
    send = NULL;
    if ((st = rp_group_agree(&s->g, st)) == RP_OK)
        st = rp_group_exchange(&s->g, "exchange-seed", wire, counts, 1, &recv, cursor);
    rp_free(wire);
    if (st == RP_OK) {
        rp_seeds seeds = {NULL, 0, 0};
        st = seeds_decode(s, recv, cursor, &seeds);
        rp_free(recv);
        if (s->lend_to) { /* every process takes part in the lending, failed or not */
            st = rp_group_agree(&s->g, st);
            if (st == RP_OK)
                st = align_lent(s, &seeds, hits);
        } else if (st == RP_OK) {
            st = rp_scan_align_seeds(s->corpus, s->opts, &seeds, &s->keep, s->progress,
                                     s->progress_ctx, hits);
            rp_scan_kept_release(&s->keep);
        }
        rp_free(seeds.items);
    }
    rp_free(counts);
    return rp_group_agree(&s->g, st);
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

    if ((st = rp_group_agree(&s->g, st)) != RP_OK)
        goto done;
    counts[0] = hits->count * sizeof(rp_hit);
    st = rp_group_exchange(&s->g, "gather-hits", hits->items, counts, sizeof(rp_hit), &h, recv_counts);
    memcpy(hit_counts, recv_counts, s->n * sizeof(size_t));
    counts[0] = hits->gap_count * sizeof(rp_token_gap);
    if (st == RP_OK)
        st = rp_group_exchange(&s->g, "gather-gaps", hits->gaps, counts, sizeof(rp_token_gap), &g,
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
    counts[0] = (size_t)(s->g.doc_lo[s->me + 1] - s->g.doc_lo[s->me]) * sizeof(rp_doc_stats);
    if (st == RP_OK)
        st = rp_group_exchange(&s->g, "gather-stats", stats, counts, sizeof(rp_doc_stats), &d, recv_counts);
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
    uint8_t *wire = NULL;
    size_t *wire_bytes = NULL;
    rp_hits hits, all;
    rp_doc_stats *stats = NULL, *all_stats = NULL;
    rp_scan_counts counts;
    uint64_t sums[5] = {0};
    rp_status st = rp_options_check(opts);

    *out = NULL;
    memset(&s, 0, sizeof(s));
    memset(&hits, 0, sizeof(hits));
    memset(&all, 0, sizeof(all));
    memset(&counts, 0, sizeof(counts));
    s.corpus = corpus;
    s.opts = opts;
    s.progress = progress;
    s.progress_ctx = progress_ctx;
    s.threads = rp_pool_threads(opts);
    if (st != RP_OK)
        return st;
    st = rp_group_begin(&s.g, ex, corpus, true, opts, progress, progress_ctx);
    if (st != RP_OK) {
        rp_group_end(&s.g);
        return st;
    }
    s.n = s.g.n;
    s.me = s.g.me;
    if (rp_corpus_held(corpus, &s.held_lo, &s.held_hi))
        s.lend_to = (rp_corpus *)corpus; /* only its empty documents are lent to */
    if (st == RP_OK) {
        s.scratch = rp_calloc(s.threads, sizeof(*s.scratch));
        s.wseeds = rp_calloc(s.threads, sizeof(*s.wseeds));
        s.wstats = rp_calloc(s.threads, sizeof(*s.wstats));
        stats = rp_calloc((size_t)(s.g.doc_lo[s.me + 1] - s.g.doc_lo[s.me]) + 1, sizeof(*stats));
        wire_bytes = rp_calloc(s.n, sizeof(size_t));
        if (!s.scratch || !s.wseeds || !s.wstats || !stats || !wire_bytes)
            st = RP_ENOMEM;
        if (st == RP_OK && !opts->memory)
            st = rp_scan_kept_begin(&s.keep, corpus);
    }
    if ((st = rp_group_agree(&s.g, st)) == RP_OK)
        st = fingerprint_stage(&s, stats, &sums[0], &wire, wire_bytes);
    if (st == RP_OK) {
        st = rp_group_agree(&s.g, index_stage(&s, wire, wire_bytes, &counts));
        wire = NULL; /* freed there */
    }
    if (st == RP_OK)
        st = align_stage(&s, &hits);
    if (st == RP_OK)
        st = gather_stage(&s, &hits, stats, &all, &all_stats);
    if (st == RP_OK && s.lend_to)
        st = rp_group_agree(&s.g, fetch_for_report(&s, &all));
    if (st == RP_OK) {
        sums[1] = counts.distinct;
        sums[2] = counts.frequent;
        sums[3] = counts.capped;
        sums[4] = counts.seeds;
        if (ex->allreduce(ex->ctx, sums, 5, RP_REDUCE_SUM) != 0)
            st = RP_EEXCHANGE;
        counts = (rp_scan_counts){sums[0], sums[1], sums[2], sums[4], 0, sums[3], 0};
    }
    if (st == RP_OK && s.me == 0) { /* the others wait: their cores, where given, are rank 0's */
        rp_options fo = *opts;
        if (ex->finish_threads)
            fo.threads = ex->finish_threads;
        st = rp_scan_finish(corpus, &fo, &all, all_stats, &counts, progress, progress_ctx, out);
    }
    if (st != RP_EEXCHANGE)
        st = rp_group_agree(&s.g, st);
    if (st != RP_OK) {
        rp_scan_free(*out);
        *out = NULL;
    }
    rp_free(wire);
    rp_free(wire_bytes);
    rp_hits_release(&hits);
    rp_hits_release(&all);
    for (unsigned w = 0; s.wseeds && w < s.threads; w++)
        rp_free(s.wseeds[w].items);
    for (unsigned w = 0; s.scratch && w < s.threads; w++)
        rp_fingerprints_release(&s.scratch[w]);
    rp_free(s.scratch);
    rp_free(s.wseeds);
    rp_free(s.wstats);
    rp_scan_kept_release(&s.keep);
    rp_group_end(&s.g);
    rp_free(stats);
    rp_free(all_stats);
    return st;
}
