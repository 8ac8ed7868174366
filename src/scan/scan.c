/*
 * scan.c - rp_scan_run: the scan pipeline. (1) fingerprints: documents in contiguous chunks,
 * tokenized and winnowed in parallel, kept per chunk in document order (tokens are not kept);
 * (2) index: fingerprints partitioned by the top bits of the re-mixed hash, one group at a
 * time so only a quarter is copied, each bucket radix-sorted and its runs turned into seeds;
 * (3) seeds sorted by document pair; the documents of candidate pairs are tokenized again and
 * each pair chained and aligned in parallel; (4) the passages' byte spans come from a third
 * tokenization of the documents that have passages, and cluster.c builds the clusters.
 * Every stage's output is put in a canonical order, so any thread count gives the same result.
 * Under a budget (rp_options.memory) too small for the fingerprint table, the fingerprints and
 * seeds go to temporary files (base/spill.c) and come back a partition, a range of documents,
 * a window of pairs at a time, in the same orders: the same result.
 */
#include "scan/scan.h"
#include "corpus/corpus.h"
#include "text/text.h"
#include "base/pool.h"

#include "scan/align.h"
#include "scan/cluster.h"
#include "scan/direction.h"
#include "scan/index.h"
#include "base/sort.h"
#include "base/spill.h"

#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#define RP_SCAN_CHUNKS_PER_THREAD 16
#define RP_SCAN_TOKEN_BLOCK 65536 /* tokens a first pass holds at a time (1 MiB) */
#define RP_SCAN_SPAN_BLOCK 512    /* tokens the spans pass holds at a time */
#define RP_SCAN_FP_BLOCK 65536    /* a huge document's fingerprints held before distributing */
#define RP_SCAN_SEED_SLICE 65536  /* seeds moved between releases of their old pages (1 MiB) */
#define RP_SCAN_SEED_RANGES 64    /* ranges of documents the seeds are first sorted into */
#define RP_SCAN_GROUP_BITS 2   /* the index is built in 1 << 2 groups ... */
#define RP_SCAN_BUCKET_BITS 8  /* ... of 1 << 8 buckets each */
#define RP_SCAN_GROUPS (1u << RP_SCAN_GROUP_BITS)
#define RP_SCAN_BUCKETS (1u << RP_SCAN_BUCKET_BITS)
#define GROUP_OF(h) ((size_t)((h) >> (64 - RP_SCAN_GROUP_BITS)))
#define BUCKET_OF(h)                                                                            \
    ((size_t)((h) >> (64 - RP_SCAN_GROUP_BITS - RP_SCAN_BUCKET_BITS)) &                         \
     ((1u << RP_SCAN_BUCKET_BITS) - 1))

/* Spilling (rp_options.memory below the fingerprint table's need): partitions of the re-mixed
 * hash's top bits, one temporary file each, each read back alone and cut into buckets by the
 * next 8 bits. */
#define RP_SCAN_SPILL_MIN_BITS 2
#define RP_SCAN_SPILL_MAX_BITS 10
#define RP_SCAN_SPILL_READ 65536 /* fingerprints read back at a time (1 MiB) */
/* spilling: the seeds the workers hold together before they go to the files, a part of the
 * budget (each list also grows by half past its share, and is copied once as it goes; an
 * eighth a worker held 0.6 GB at 3 GB under --memory 1G) */
#define RP_SCAN_SEED_FLUSH 32
#define PART_OF(h, bits) ((size_t)((h) >> (64 - (bits))))
#define PART_BUCKET_OF(h, bits) ((size_t)((h) >> (64 - (bits) - RP_SCAN_BUCKET_BITS)) & 0xff)
_Static_assert(RP_SCAN_BUCKET_BITS == 8, "PART_BUCKET_OF's mask");

RP_DEFINE_SORT(sort_u32, uint32_t, RP_SORT_LESS_NUM)
RP_DEFINE_SORT(sort_u64, uint64_t, RP_SORT_LESS_NUM)

struct rp_scan {
    rp_clusters clusters;
    rp_doc_stats *stats;
    size_t doc_count;
    rp_scan_counts counts;
};

/* The aligner's 32-bit hashes of a document's tokens, appended block by block: the 16-byte
 * tokens are never all held at once. */
typedef struct hash_stream {
    uint32_t *h;
    size_t count, cap;
} hash_stream;

static rp_status hash_sink(void *ctx, rp_tokens *toks)
{
    hash_stream *s = ctx;
    if (RP_GROW(s->h, s->cap, s->count + toks->count) != RP_OK)
        return RP_ENOMEM;
    for (size_t i = 0; i < toks->count; i++)
        s->h[s->count++] = (uint32_t)(toks->items[i].hash ^ (toks->items[i].hash >> 32));
    toks->count = 0;
    return RP_OK;
}

/* Appends the aligner's hashes of toks[from, count) to s (the first pass keeps them: see
 * run.keep_hashes). */
static rp_status hash_append(hash_stream *s, const rp_tokens *toks, size_t from)
{
    if (from >= toks->count)
        return RP_OK;
    if (RP_GROW(s->h, s->cap, s->count + (toks->count - from)) != RP_OK)
        return RP_ENOMEM;
    for (size_t i = from; i < toks->count; i++)
        s->h[s->count++] = (uint32_t)(toks->items[i].hash ^ (toks->items[i].hash >> 32));
    return RP_OK;
}

/* Hashes the tokens still held and hands the list over (OWNED; never NULL on RP_OK). */
static rp_status hashes_done(hash_stream *s, rp_status st, rp_tokens *toks, uint32_t **out,
                             uint32_t *count)
{
    if (st == RP_OK)
        st = hash_sink(s, toks);
    if (st == RP_OK && !s->h && !(s->h = rp_malloc(sizeof(*s->h))))
        st = RP_ENOMEM; /* no tokens: still a list to free */
    if (st != RP_OK) {
        rp_free(s->h);
        return st;
    }
    *out = s->h;
    *count = (uint32_t)s->count;
    return RP_OK;
}

rp_status rp_scan_token_hashes(const rp_options *opts, const rp_doc *doc, rp_tokens *toks,
                               uint32_t **out, uint32_t *count)
{
    hash_stream s = {NULL, 0, 0};
    rp_status st = rp_text_tokenize_stream_doc(opts, doc, false,
                                           rp_scan_token_block, hash_sink, &s, toks);
    return hashes_done(&s, st, toks, out, count);
}

rp_status rp_scan_held_token_hashes(const rp_tokens *toks, uint32_t **out, uint32_t *count)
{
    hash_stream s = {NULL, 0, 0};
    rp_tokens view = *toks; /* hash_sink empties what it is given */
    return hashes_done(&s, RP_OK, &view, out, count);
}

/* ---- the run ---- */

/* Fingerprints written in one piece to a partition's file: chunk c's seq-th distribution. */
typedef struct spill_seg {
    uint32_t part, chunk, seq;
    uint64_t at;
    size_t count;
} spill_seg;

size_t rp_scan_spill_parts = 0;

typedef struct run {
    const rp_corpus *corpus;
    const rp_options *opts;
    unsigned threads;
    rp_progress_fn progress;
    void *progress_ctx;
    size_t docs;
    /* the first pass keeps every document's token hashes for the aligner (no memory budget:
     * 4 bytes a token held from the fingerprints to the alignment), instead of the aligner
     * tokenizing the documents of its pairs a second time */
    bool keep_hashes;
    size_t keep_cap;          /* keep_hashes: bytes of kept hashes at most (rp_scan_keep_cap) */
    _Atomic size_t kept;      /* keep_hashes: bytes of kept hashes so far */
    /* keep_hashes of a large corpus (rp_scan_keep_file_min): the kept hashes are appended to a
     * temporary file instead of held in the heap from the first pass to the alignment, and
     * the aligner reads them through a mapping of it (keep_map: only the pages it touches are
     * resident, file pages the system can take back); keep_at[d] is where d's start
     * (UINT64_MAX: not in the file). (Handing the mapping's pages back after each of the 16
     * windows lowered no peak, each window reading most documents, and made the alignment
     * three times slower: every page faulted in again.) */
    rp_spill *keep_spill;
    uint64_t *keep_at;
    const char *keep_map;
    size_t keep_map_len;
    rp_doc_stats *stats;
    rp_tokens *toks; /* per worker */
    /* fingerprints, per chunk of documents */
    size_t chunk_count;
    uint32_t *chunk_first;
    rp_fingerprints *chunks;
    atomic_size_t fp_count; /* fingerprints made so far (the memory budget) */
    size_t *chunk_hist;     /* [chunk][group][bucket]: how many fingerprints */
    size_t *chunk_cursor;   /* [chunk][bucket]: where the group being gathered goes (by_bucket:
                             * where the bucket starts in the chunk's list) */
    size_t gathering;       /* that group */
    bool by_bucket;         /* the run indexes its own lists: each chunk's put in bucket order */
    /* spilling: the files, partitions (1 << part_bits), the pieces written, each
     * partition's bucket counts, each chunk's distributions so far */
    rp_spill *spill;
    unsigned part_bits;
    pthread_mutex_t seg_lock;
    bool seg_lock_made;
    spill_seg *segs;
    size_t seg_count, seg_cap;
    size_t *part_hist; /* [partition][bucket] */
    uint32_t *chunk_seq;
    /* and the seeds: one file per range of documents by doc_a (seed_range_of), aligned one
     * range at a time */
    rp_spill *seed_spill;
    size_t seed_ranges;
    uint32_t *seed_range_of; /* per document */
    size_t seed_flush;       /* a worker list longer than this goes to the files */
    /* tight windows: every document's hashes made once into one file, read through a
     * mapping of it window by window (hash_at: where, UINT64_MAX: not yet) */
    rp_spill *hash_spill;
    uint64_t *hash_at;
    uint32_t *hash_n; /* how many */
    /* index: one group at a time (by_bucket: a bucket at a time; spilling: a partition) */
    rp_fingerprint *group;
    size_t group_cap; /* gathering: one buffer for every group, the largest's size */
    rp_fingerprints *wbucket; /* per worker: the bucket being indexed */
    size_t bucket_off[(1u << RP_SCAN_BUCKET_BITS) + 1];
    rp_fingerprints *scratch; /* per worker */
    rp_seeds *wseeds;         /* per worker */
    rp_index_stats *wstats;   /* per worker */
    rp_seeds seeds;
    size_t *seed_first; /* while sorting: seeds of doc_a d start at seed_first[d] */
    /* while sorting the seeds: [worker list][doc] counts, the ranges of documents (range b
     * holds documents range_doc[b] .. range_doc[b + 1]), each document's range, and each
     * worker list's cursor per range */
    size_t *doc_rows;
    size_t ranges;
    uint32_t range_doc[2 * RP_SCAN_SEED_RANGES + 2];
    uint32_t *range_of;
    size_t *range_cursor;
    /* alignment: pair i holds seeds [pair_first[i], pair_first[i + 1]) */
    size_t *pair_first;
    size_t pair_count;
    uint32_t *need;
    size_t need_count;
    size_t *last_pair;   /* per document: one past the index of its last pair (0: none) */
    size_t *need_window; /* per document: 1 + the first pair of the window that listed it */
    size_t window_first, window_end; /* the pairs being aligned */
    size_t *pair_order;  /* tight windows: the pairs in this order (NULL: in their own) */
    uint32_t *tight_buf; /* tight windows: the window's token hashes, kept for the range's next */
    size_t tight_cap;
    uint32_t **hashes;
    uint32_t *hash_count;
    /* rp_scan_align_seeds with kept hashes: hashes[d] equal to borrowed[d] are the caller's,
     * let go by the run but never freed */
    uint32_t *const *borrowed;
    rp_align_work *work; /* per worker */
    rp_hits *whits;      /* per worker */
    rp_hits hits;
    /* clustering: the hits as links; the plan's bounds (BORROWED) by document */
    rp_link *links;
    rp_link_gap *link_gaps;
    rp_bound *bounds;
    size_t *bound_first;
    size_t bound_docs;
} run;

static void free_chunks(run *r)
{
    for (size_t c = 0; r->chunks && c < r->chunk_count * RP_SCAN_GROUPS; c++)
        rp_fingerprints_release(&r->chunks[c]);
    rp_free(r->chunks);
    r->chunks = NULL;
    rp_free(r->chunk_hist);
    rp_free(r->chunk_cursor);
    r->chunk_hist = r->chunk_cursor = NULL;
}

/* The index of the i-th pair aligned. */
#define PAIR_AT(r, i) ((r)->pair_order ? (r)->pair_order[i] : (i))

static void keep_file_map(run *r);

/* Lets go of document d's token hashes: freed, or only forgotten when they are borrowed (a
 * shared scan's) or lie in the mapping of the kept hashes' file. */
static void drop_hashes(run *r, size_t d)
{
    const char *p = (const char *)r->hashes[d];
    bool mapped = r->keep_map && p >= r->keep_map && p < r->keep_map + r->keep_map_len;
    if (!mapped && (!r->borrowed || r->borrowed[d] != r->hashes[d]))
        rp_free(r->hashes[d]);
    r->hashes[d] = NULL;
}

static void free_hashes(run *r)
{
    for (size_t d = 0; r->hashes && d < r->docs; d++)
        drop_hashes(r, d);
    rp_free(r->hashes);
    rp_free(r->hash_count);
    r->hashes = NULL;
    r->hash_count = NULL;
    if (r->keep_map)
        munmap((void *)r->keep_map, r->keep_map_len);
    r->keep_map = NULL;
    r->keep_map_len = 0;
    rp_spill_close(r->keep_spill);
    r->keep_spill = NULL;
    rp_free(r->keep_at);
    r->keep_at = NULL;
}

static void run_release(run *r)
{
    for (unsigned w = 0; w < r->threads; w++) {
        if (r->toks)
            rp_tokens_release(&r->toks[w]);
        if (r->scratch)
            rp_fingerprints_release(&r->scratch[w]);
        if (r->wbucket)
            rp_fingerprints_release(&r->wbucket[w]);
        if (r->wseeds)
            rp_free(r->wseeds[w].items);
        if (r->work)
            rp_align_work_release(&r->work[w]);
        if (r->whits)
            rp_hits_release(&r->whits[w]);
    }
    rp_free(r->toks);
    rp_free(r->scratch);
    rp_free(r->wbucket);
    rp_free(r->wseeds);
    rp_free(r->wstats);
    rp_free(r->work);
    rp_free(r->whits);
    free_chunks(r);
    free_hashes(r);
    rp_free(r->stats);
    rp_free(r->chunk_first);
    rp_free(r->group);
    rp_free(r->seeds.items);
    rp_free(r->seed_first);
    rp_free(r->range_cursor);
    rp_free(r->doc_rows);
    rp_free(r->range_of);
    rp_free(r->pair_first);
    rp_free(r->need);
    rp_free(r->last_pair);
    rp_free(r->need_window);
    rp_hits_release(&r->hits);
    rp_free(r->links);
    rp_free(r->link_gaps);
    rp_free(r->bound_first);
    rp_spill_close(r->spill);
    r->spill = NULL;
    rp_free(r->segs);
    rp_free(r->part_hist);
    rp_free(r->chunk_seq);
    rp_spill_close(r->seed_spill);
    r->seed_spill = NULL;
    rp_free(r->seed_range_of);
    rp_spill_close(r->hash_spill);
    r->hash_spill = NULL;
    rp_free(r->tight_buf);
    r->tight_buf = NULL;
    rp_free(r->hash_at);
    rp_free(r->hash_n);
    if (r->seg_lock_made)
        pthread_mutex_destroy(&r->seg_lock);
}

static rp_status run_alloc(run *r)
{
    unsigned t = r->threads;
    r->stats = rp_calloc(r->docs, sizeof(*r->stats));
    r->toks = rp_calloc(t, sizeof(*r->toks));
    r->scratch = rp_calloc(t, sizeof(*r->scratch));
    r->wbucket = rp_calloc(t, sizeof(*r->wbucket));
    r->wseeds = rp_calloc(t, sizeof(*r->wseeds));
    r->wstats = rp_calloc(t, sizeof(*r->wstats));
    r->work = rp_calloc(t, sizeof(*r->work));
    r->whits = rp_calloc(t, sizeof(*r->whits));
    if (!r->stats || !r->toks || !r->scratch || !r->wbucket || !r->wseeds || !r->wstats ||
        !r->work || !r->whits)
        return RP_ENOMEM;
    for (unsigned w = 0; w < t; w++)
        rp_tokens_init(&r->toks[w]);
    return RP_OK;
}

/* ---- the memory budget (rp_options.memory) ---- */

/* Each stage checks, before it allocates, the bytes its big arrays will hold at once. */
static rp_status budget(const run *r, size_t bytes)
{
    return r->opts->memory && bytes > r->opts->memory ? RP_EBUDGET : RP_OK;
}

/* Fingerprints per byte of English prose, measured (bench_tokenize: 0.0635 on licence texts,
 * 0.061 on news), with a margin; the index holds the table plus a quarter of it again. */
#define RP_FP_PER_BYTE 0.07
#define RP_INDEX_OVERHEAD 1.3

size_t rp_scan_memory_estimate(const rp_corpus *corpus, const rp_options *opts)
{
    double bytes = 0;
    (void)opts;
    for (uint32_t d = 0; d < rp_corpus_count(corpus); d++)
        bytes += (double)rp_corpus_doc(corpus, d)->len;
    double need = bytes * RP_FP_PER_BYTE * sizeof(rp_fingerprint) * RP_INDEX_OVERHEAD;
    return need >= (double)SIZE_MAX ? SIZE_MAX : (size_t)need;
}

/* ---- stage 1: fingerprints ---- */

/* Contiguous chunks of about equal bytes, several per thread so that threads stay busy. */
static rp_status make_chunks(run *r, size_t lo, size_t hi)
{
    size_t total = 0, target, n = 0, acc = 0;
    for (size_t d = lo; d < hi; d++)
        total += rp_corpus_doc(r->corpus, (uint32_t)d)->len;
    target = total / ((size_t)r->threads * RP_SCAN_CHUNKS_PER_THREAD) + 1;
    r->chunk_first = rp_malloc((hi - lo + 1) * sizeof(uint32_t));
    if (!r->chunk_first)
        return RP_ENOMEM;
    for (size_t d = lo; d < hi; d++) {
        if (acc == 0)
            r->chunk_first[n++] = (uint32_t)d;
        acc += rp_corpus_doc(r->corpus, (uint32_t)d)->len + 1;
        if (acc >= target)
            acc = 0;
    }
    r->chunk_first[n] = (uint32_t)hi;
    r->chunk_count = n;
    r->chunks = rp_calloc(n ? n * RP_SCAN_GROUPS : 1, sizeof(*r->chunks));
    r->chunk_hist = rp_calloc((n ? n : 1) * RP_SCAN_GROUPS * RP_SCAN_BUCKETS, sizeof(size_t));
    r->chunk_cursor = rp_malloc((n ? n : 1) * RP_SCAN_BUCKETS * sizeof(size_t));
    return r->chunks && r->chunk_hist && r->chunk_cursor ? RP_OK : RP_ENOMEM;
}

/* Moves a worker's first m fingerprints into chunk c's per-group lists; the rest move to the
 * front. Called once a chunk, and every RP_SCAN_FP_BLOCK fingerprints of a document of more
 * than a block of tokens, so that one huge document never holds its list twice. */
static rp_status spill_fps(run *r, size_t c, rp_fingerprints *fps, size_t m);

static rp_status distribute(run *r, size_t c, rp_fingerprints *fps, size_t m)
{
    if (r->spill)
        return spill_fps(r, c, fps, m);
    rp_fingerprints *out = &r->chunks[c * RP_SCAN_GROUPS];
    size_t n[RP_SCAN_GROUPS] = {0};
    size_t *hist = r->chunk_hist + c * RP_SCAN_GROUPS * RP_SCAN_BUCKETS;
    size_t total = atomic_fetch_add(&r->fp_count, m) + m;
    if (budget(r, total * sizeof(rp_fingerprint)) != RP_OK)
        return RP_EBUDGET; /* the table alone is past the budget: stop before it grows more */
    for (size_t i = 0; i < m; i++) {
        uint64_t h = fps->items[i].hash;
        n[GROUP_OF(h)]++;
        hist[GROUP_OF(h) * RP_SCAN_BUCKETS + BUCKET_OF(h)]++;
    }
    for (size_t g = 0; g < RP_SCAN_GROUPS; g++)
        if (n[g] && RP_GROW(out[g].items, out[g].cap, out[g].count + n[g]) != RP_OK)
            return RP_ENOMEM;
    for (size_t i = 0; i < m; i++) {
        rp_fingerprints *o = &out[GROUP_OF(fps->items[i].hash)];
        o->items[o->count++] = fps->items[i];
    }
    if (fps->count > m) /* fingerprints still waiting for their contexts */
        memmove(fps->items, fps->items + m, (fps->count - m) * sizeof(rp_fingerprint));
    fps->count -= m;
    return RP_OK;
}

/* One document's first pass, streamed: tokens arrive in blocks (rp_text_tokenize_stream) and
 * are winnowed at once, so a document of millions of tokens never holds its token array. */
typedef struct fp_stream {
    run *r;
    size_t chunk;
    const rp_options *opts;
    rp_winnow wn;
    rp_fingerprints *fps;
    size_t base;     /* the document's index of the first token held */
    size_t ctx_done; /* fingerprints before this one have their context */
    bool keep;       /* keep_hashes, and the cap not reached so far */
    size_t reserved; /* keep: bytes of hs counted in run.kept */
    hash_stream hs;  /* keep: the document's token hashes so far */
    size_t hashed;   /* keep_hashes: the document's tokens before this one are in hs */
} fp_stream;

size_t rp_scan_token_block = RP_SCAN_TOKEN_BLOCK;
size_t rp_scan_keep_cap = 0;
size_t rp_scan_keep_file_min = RP_SCAN_KEEP_FILE_MIN;

/* The bytes of token hashes the first pass may keep for the aligner: an eighth of the
 * machine's memory (rp_scan_keep_cap replaces it in tests). Which documents keep theirs
 * depends on the threads' timing; the report does not, since the aligner tokenizes the others
 * again to the same hashes. */
static size_t keep_cap(void)
{
    long pages = sysconf(_SC_PHYS_PAGES), size = sysconf(_SC_PAGESIZE);
    if (rp_scan_keep_cap)
        return rp_scan_keep_cap;
    if (pages <= 0 || size <= 0)
        return (size_t)1 << 30;
    return (size_t)pages / 8 * (size_t)size;
}
size_t rp_scan_align_window = 0;

/* Re-mixes the new fingerprints, with the shingle's context in the low bits (index.h): those
 * whose context tokens have all been read (at the end of the document, all of them). */
static void add_contexts(fp_stream *s, const rp_tokens *toks, bool last)
{
    const uint32_t k = s->opts->shingle;
    const size_t held = s->base + toks->count;

    for (; s->ctx_done < s->fps->count; s->ctx_done++) {
        rp_fingerprint *f = &s->fps->items[s->ctx_done];
        if (!last && f->pos + (size_t)k + 2 > held)
            break;
        f->hash = (rp_index_remix(f->hash) & ~((UINT64_C(1) << RP_INDEX_CTX_BITS) - 1)) |
                  rp_index_context(toks->items, toks->count, (uint32_t)(f->pos - s->base), k);
    }
}

/* Keeps the aligner's hashes of toks[from, count) while the run's kept bytes stay under its
 * cap: each block is counted before it is held, and a document that would pass the cap gives
 * back all it counted and keeps nothing (the aligner tokenizes it again). */
static rp_status keep_append(fp_stream *s, const rp_tokens *toks, size_t from)
{
    size_t add;
    if (!s->keep || from >= toks->count)
        return RP_OK;
    add = (toks->count - from) * sizeof(*s->hs.h);
    if (atomic_fetch_add(&s->r->kept, add) + add > s->r->keep_cap) {
        atomic_fetch_sub(&s->r->kept, s->reserved + add);
        rp_free(s->hs.h);
        s->hs = (hash_stream){NULL, 0, 0};
        s->reserved = 0;
        s->keep = false;
        return RP_OK;
    }
    s->reserved += add;
    return hash_append(&s->hs, toks, from);
}

static rp_status fp_sink(void *ctx, rp_tokens *toks)
{
    fp_stream *s = ctx;
    rp_status st = rp_winnow_feed(&s->wn, toks->items, toks->count, s->base, s->fps);
    size_t keep, drop;

    if (st != RP_OK)
        return st;
    add_contexts(s, toks, false);
    if (s->ctx_done >= RP_SCAN_FP_BLOCK) { /* finished fingerprints go to the chunk's lists */
        if ((st = distribute(s->r, s->chunk, s->fps, s->ctx_done)) != RP_OK)
            return st;
        s->ctx_done = 0;
    }
    /* keep what is still needed: the tokens of shingles the winnowing window may yet choose and
     * of the next shingle, and two tokens before every fingerprint still without a context */
    keep = s->wn.next > (size_t)s->wn.w + 2 ? s->wn.next - s->wn.w - 2 : 0;
    if (s->ctx_done < s->fps->count) {
        size_t p = s->fps->items[s->ctx_done].pos;
        if (p < keep + 2)
            keep = p >= 2 ? p - 2 : 0;
    }
    if (keep < s->base)
        keep = s->base;
    if ((st = keep_append(s, toks, s->hashed - s->base)) != RP_OK)
        return st;
    s->hashed = s->base + toks->count;
    drop = keep - s->base;
    if (drop)
        memmove(toks->items, toks->items + drop, (toks->count - drop) * sizeof(rp_token));
    toks->count -= drop;
    s->base = keep;
    return RP_OK;
}

static rp_status fingerprint_doc(run *r, size_t c, uint32_t d, rp_tokens *toks,
                                 rp_fingerprints *fps)
{
    const rp_doc *doc = rp_corpus_doc(r->corpus, d);
    /* a block holds the tail fp_sink keeps (under w + k + 4 tokens) several times over */
    size_t block = (size_t)4 * (r->opts->window + r->opts->shingle + 4);
    fp_stream s; /* fields set one by one: an initializer would clear the 8 KB ring */
    rp_status st = rp_winnow_begin(&s.wn, r->opts, d);

    s.r = r;
    s.chunk = c;
    s.opts = r->opts;
    s.fps = fps;
    s.base = 0;
    s.ctx_done = fps->count;
    s.keep = r->keep_hashes && atomic_load(&r->kept) < r->keep_cap;
    s.reserved = 0;
    s.hs = (hash_stream){NULL, 0, 0};
    s.hashed = 0;

    if (block < rp_scan_token_block)
        block = rp_scan_token_block;
    if (st == RP_OK)
        st = rp_text_tokenize_stream_doc(r->opts, doc, false, block, fp_sink, &s,
                                     toks);
    if (st == RP_OK)
        st = rp_winnow_feed(&s.wn, toks->items, toks->count, s.base, fps);
    if (st == RP_OK)
        st = rp_winnow_end(&s.wn, fps);
    if (st == RP_OK)
        st = keep_append(&s, toks, s.hashed - s.base);
    if (st == RP_OK && s.keep) {
        if (!s.hs.h && !(s.hs.h = rp_malloc(sizeof(*s.hs.h))))
            st = RP_ENOMEM; /* no tokens: still a list, as rp_scan_token_hashes gives */
        if (st == RP_OK && !r->keep_spill && s.hs.cap > s.hs.count && s.hs.count) {
            /* held: what was counted */
            uint32_t *fit = rp_realloc(s.hs.h, s.hs.count * sizeof(*s.hs.h));
            s.hs.h = fit ? fit : s.hs.h;
        }
        if (st == RP_OK && r->keep_spill && s.hs.count) {
            /* to the file, and out of the heap: a failed write only leaves the document to
             * the aligner, which tokenizes it again */
            uint64_t at;
            if (rp_spill_append(r->keep_spill, 0, s.hs.h, s.hs.count * sizeof(*s.hs.h), &at) ==
                RP_OK) {
                r->keep_at[d] = at;
                r->hash_count[d] = (uint32_t)s.hs.count;
            }
            atomic_fetch_sub(&r->kept, s.reserved);
            rp_free(s.hs.h);
            s.hs.h = NULL;
        } else if (st == RP_OK) {
            r->hashes[d] = s.hs.h;
            r->hash_count[d] = (uint32_t)s.hs.count;
            s.hs.h = NULL;
        }
    }
    if (st != RP_OK) {
        rp_free(s.hs.h);
        return st;
    }
    add_contexts(&s, toks, true);
    rp_corpus_text_read(r->corpus, doc->len); /* file pages handed back now and then */
    rp_corpus_text_park(r->corpus, d);        /* text_on_disk: its text to a file */
    r->stats[d] = (rp_doc_stats){(uint32_t)(s.base + toks->count), 0.0, toks->invalid_utf8,
                                 toks->first_invalid};
    return RP_OK;
}

/* Puts each of chunk c's group lists in bucket order (stable: a bucket's fingerprints keep
 * their order), through tmp, so that the index can take a bucket of a group from every chunk
 * without gathering the whole group into one buffer first: that buffer, written everywhere by
 * the first chunk copied, was resident beside the lists not yet copied (0.27 GB at 1 GB). */
static rp_status bucket_order(run *r, size_t c, rp_fingerprints *tmp)
{
    for (size_t g = 0; g < RP_SCAN_GROUPS; g++) {
        rp_fingerprints *f = &r->chunks[c * RP_SCAN_GROUPS + g];
        const size_t *hist = r->chunk_hist + (c * RP_SCAN_GROUPS + g) * RP_SCAN_BUCKETS;
        size_t at[RP_SCAN_BUCKETS], n = 0;
        if (f->count < 2)
            continue;
        if (RP_GROW(tmp->items, tmp->cap, f->count) != RP_OK)
            return RP_ENOMEM;
        for (size_t b = 0; b < RP_SCAN_BUCKETS; b++) {
            at[b] = n;
            n += hist[b];
        }
        for (size_t i = 0; i < f->count; i++)
            tmp->items[at[BUCKET_OF(f->items[i].hash)]++] = f->items[i];
        memcpy(f->items, tmp->items, f->count * sizeof(*f->items));
    }
    return RP_OK;
}

static rp_status fingerprint_task(void *ctx, size_t c, unsigned w)
{
    run *r = ctx;
    rp_fingerprints *fps = &r->scratch[w];
    fps->count = 0;
    for (uint32_t d = r->chunk_first[c]; d < r->chunk_first[c + 1]; d++) {
        rp_status st = fingerprint_doc(r, c, d, &r->toks[w], fps);
        if (st == RP_OK && r->spill && fps->count >= RP_SCAN_FP_BLOCK)
            st = distribute(r, c, fps, fps->count); /* spilling: a block at a time */
        if (st != RP_OK)
            return st;
    }
    rp_status st = distribute(r, c, fps, fps->count);
    return st == RP_OK && r->by_bucket ? bucket_order(r, c, fps) : st;
}

/* ---- spilling: the fingerprint table in temporary files ---- */

/* Whether the scan spills, and into how many partitions: when the estimated table (with its
 * index) is past the budget, enough that a partition holds about a quarter of the budget. */
static rp_status spill_begin(run *r)
{
    size_t need = rp_scan_memory_estimate(r->corpus, r->opts);
    unsigned bits = RP_SCAN_SPILL_MIN_BITS;

    if (rp_scan_spill_parts) {
        while (bits < RP_SCAN_SPILL_MAX_BITS && ((size_t)1 << bits) < rp_scan_spill_parts)
            bits++;
    } else if (r->opts->memory && need > r->opts->memory) {
        size_t quarter = r->opts->memory / 4 ? r->opts->memory / 4 : 1;
        while (bits < RP_SCAN_SPILL_MAX_BITS && need / ((size_t)1 << bits) > quarter)
            bits++;
    } else {
        return RP_OK; /* in memory */
    }
    r->part_bits = bits;
    r->part_hist = rp_calloc((size_t)RP_SCAN_BUCKETS << bits, sizeof(size_t));
    r->chunk_seq = rp_calloc(r->chunk_count ? r->chunk_count : 1, sizeof(uint32_t));
    if (!r->part_hist || !r->chunk_seq)
        return RP_ENOMEM;
    if (pthread_mutex_init(&r->seg_lock, NULL) != 0)
        return RP_ENOMEM;
    r->seg_lock_made = true;
    return rp_spill_open(r->opts->tmp_dir, (size_t)1 << bits, &r->spill);
}

/* distribute() when spilling: the worker's first m fingerprints, ordered by partition, are
 * appended to the partitions' files; each piece is recorded (partition, chunk, sequence), so
 * that a partition read back in (chunk, sequence) order is in (doc, pos) order, as the
 * in-memory lists are. */
static rp_status spill_fps(run *r, size_t c, rp_fingerprints *fps, size_t m)
{
    const unsigned bits = r->part_bits;
    const size_t parts = (size_t)1 << bits;
    size_t *start = rp_calloc(2 * (parts + 1), sizeof(size_t));
    rp_fingerprint *by_part = rp_malloc((m ? m : 1) * sizeof(rp_fingerprint));
    rp_status st = RP_OK;
    uint32_t seq = r->chunk_seq[c]++;

    if (!start || !by_part) {
        rp_free(start);
        rp_free(by_part);
        return RP_ENOMEM;
    }
    size_t *cursor = start + parts + 1;
    atomic_fetch_add(&r->fp_count, m);
    for (size_t i = 0; i < m; i++)
        start[PART_OF(fps->items[i].hash, bits) + 1]++;
    for (size_t p = 0; p < parts; p++)
        start[p + 1] += start[p];
    memcpy(cursor, start, (parts + 1) * sizeof(size_t));
    for (size_t i = 0; i < m; i++)
        by_part[cursor[PART_OF(fps->items[i].hash, bits)]++] = fps->items[i];
    for (size_t p = 0; p < parts && st == RP_OK; p++) {
        size_t n = start[p + 1] - start[p], hist[RP_SCAN_BUCKETS] = {0};
        uint64_t at;
        if (n == 0)
            continue;
        for (size_t i = start[p]; i < start[p + 1]; i++)
            hist[PART_BUCKET_OF(by_part[i].hash, bits)]++;
        st = rp_spill_append(r->spill, p, by_part + start[p], n * sizeof(rp_fingerprint), &at);
        if (st != RP_OK)
            break;
        pthread_mutex_lock(&r->seg_lock);
        if (RP_GROW(r->segs, r->seg_cap, r->seg_count + 1) != RP_OK) {
            st = RP_ENOMEM;
        } else {
            r->segs[r->seg_count++] = (spill_seg){(uint32_t)p, (uint32_t)c, seq, at, n};
            for (size_t b = 0; b < RP_SCAN_BUCKETS; b++)
                r->part_hist[p * RP_SCAN_BUCKETS + b] += hist[b];
        }
        pthread_mutex_unlock(&r->seg_lock);
    }
    rp_free(start);
    rp_free(by_part);
    if (st != RP_OK)
        return st;
    if (fps->count > m)
        memmove(fps->items, fps->items + m, (fps->count - m) * sizeof(rp_fingerprint));
    fps->count -= m;
    return RP_OK;
}

static int seg_order(const void *pa, const void *pb)
{
    const spill_seg *x = pa, *y = pb;
    if (x->part != y->part)
        return x->part < y->part ? -1 : 1;
    if (x->chunk != y->chunk)
        return x->chunk < y->chunk ? -1 : 1;
    return x->seq < y->seq ? -1 : x->seq > y->seq;
}

static rp_status spill_seeds(run *r, rp_seeds *list);

/* Reads partition p's pieces [*seg, ...) back into r->group, each bucket in (chunk, sequence)
 * order, and empties its file: the same buckets gather_group makes, only smaller. */
static rp_status load_part(run *r, size_t p, size_t *seg, size_t *n_out)
{
    const unsigned bits = r->part_bits;
    const size_t *hist = r->part_hist + p * RP_SCAN_BUCKETS;
    size_t n = 0, cursor[RP_SCAN_BUCKETS];
    rp_fingerprint *buf;
    rp_status st = RP_OK;

    for (size_t b = 0; b < RP_SCAN_BUCKETS; b++) {
        r->bucket_off[b] = cursor[b] = n;
        n += hist[b];
    }
    r->bucket_off[RP_SCAN_BUCKETS] = n;
    *n_out = n;
    if (n == 0)
        return RP_OK;
    /* The workers' seed lists go to the files before a partition comes in (partitions are
     * loaded only when the seeds spill): what they held depends on which worker indexed which
     * bucket, and the same budget must be accepted or refused on every run. */
    for (unsigned w = 0; w < r->threads; w++)
        if (r->wseeds[w].count && (st = spill_seeds(r, &r->wseeds[w])) != RP_OK)
            return st;
    const size_t piece = n < RP_SCAN_SPILL_READ ? n : RP_SCAN_SPILL_READ;
    if (budget(r, (n + piece) * sizeof(rp_fingerprint)) != RP_OK)
        return RP_EBUDGET; /* one partition and a piece read: past the budget */
    r->group = rp_malloc(n * sizeof(rp_fingerprint));
    buf = rp_malloc(piece * sizeof(rp_fingerprint));
    if (!r->group || !buf) {
        rp_free(buf);
        return RP_ENOMEM;
    }
    for (; *seg < r->seg_count && r->segs[*seg].part == p && st == RP_OK; (*seg)++) {
        const spill_seg *g = &r->segs[*seg];
        for (size_t done = 0; done < g->count && st == RP_OK;) {
            size_t k = g->count - done < piece ? g->count - done : piece;
            st = rp_spill_read(r->spill, p, g->at + done * sizeof(rp_fingerprint), buf,
                               k * sizeof(rp_fingerprint));
            for (size_t i = 0; st == RP_OK && i < k; i++)
                r->group[cursor[PART_BUCKET_OF(buf[i].hash, bits)]++] = buf[i];
            done += k;
        }
    }
    rp_free(buf);
    rp_spill_drop(r->spill, p);
    return st;
}

/* When the fingerprints spill, the seeds do too: into ranges of consecutive documents (by
 * doc_a) of about equal tokens, enough that a range's token hashes take about half the
 * budget; the index hands a worker's list to the files whenever it passes its share of
 * 1/RP_SCAN_SEED_FLUSH of the budget, and the aligner takes one range at a time. */
static rp_status seed_spill_begin(run *r)
{
    size_t tokens = 0, ranges, acc = 0, q = 0;
    for (size_t d = 0; d < r->docs; d++)
        tokens += r->stats[d].tokens;
    size_t half = r->opts->memory ? r->opts->memory / 2 : 0;
    if (rp_scan_spill_parts)
        ranges = rp_scan_spill_parts; /* tests: as many ranges as partitions */
    else
        ranges = half ? tokens * sizeof(uint32_t) / half + 1 : 1;
    if (ranges > 256)
        ranges = 256;
    r->seed_ranges = ranges;
    r->seed_flush =
        r->opts->memory ? r->opts->memory / RP_SCAN_SEED_FLUSH / r->threads / sizeof(rp_seed) : 0;
    if (rp_scan_spill_parts || r->seed_flush < 1024)
        r->seed_flush = rp_scan_spill_parts ? 1 : 1024;
    r->seed_range_of = rp_malloc((r->docs ? r->docs : 1) * sizeof(uint32_t));
    if (!r->seed_range_of)
        return RP_ENOMEM;
    for (size_t d = 0; d < r->docs; d++) { /* range q: tokens up to (q + 1) / ranges */
        r->seed_range_of[d] = (uint32_t)q;
        acc += r->stats[d].tokens;
        while (q + 1 < ranges && acc * ranges >= tokens * (q + 1))
            q++;
    }
    return rp_spill_open(r->opts->tmp_dir, ranges, &r->seed_spill);
}

/* Appends a worker's seeds to their ranges' files and empties the list. */
static rp_status spill_seeds(run *r, rp_seeds *list)
{
    const size_t ranges = r->seed_ranges;
    size_t *start = rp_calloc(2 * (ranges + 1), sizeof(size_t));
    rp_seed *by_range = rp_malloc((list->count ? list->count : 1) * sizeof(rp_seed));
    rp_status st = RP_OK;

    if (!start || !by_range) {
        rp_free(start);
        rp_free(by_range);
        return RP_ENOMEM;
    }
    size_t *cursor = start + ranges + 1;
    for (size_t i = 0; i < list->count; i++)
        start[r->seed_range_of[list->items[i].doc_a] + 1]++;
    for (size_t q = 0; q < ranges; q++)
        start[q + 1] += start[q];
    memcpy(cursor, start, (ranges + 1) * sizeof(size_t));
    for (size_t i = 0; i < list->count; i++)
        by_range[cursor[r->seed_range_of[list->items[i].doc_a]]++] = list->items[i];
    for (size_t q = 0; q < ranges && st == RP_OK; q++) {
        uint64_t at;
        if (start[q + 1] > start[q])
            st = rp_spill_append(r->seed_spill, q, by_range + start[q],
                                 (start[q + 1] - start[q]) * sizeof(rp_seed), &at);
    }
    rp_free(start);
    rp_free(by_range);
    list->count = 0;
    return st;
}

/* ---- stage 2: index and seeds ---- */

/* Indexes n fingerprints of one bucket (sorted in place) into worker w's seeds. */
static rp_status index_bucket(run *r, rp_fingerprint *fps, size_t n, unsigned w)
{
    rp_status st = rp_index_bucket(fps, n, &r->scratch[w], r->opts, &r->wseeds[w], &r->wstats[w]);
    if (st == RP_OK && r->seed_spill && r->wseeds[w].count > r->seed_flush)
        st = spill_seeds(r, &r->wseeds[w]);
    return st;
}

/* Bucket b of the group or partition gathered into r->group. */
static rp_status bucket_task(void *ctx, size_t b, unsigned w)
{
    run *r = ctx;
    return index_bucket(r, r->group + r->bucket_off[b], r->bucket_off[b + 1] - r->bucket_off[b], w);
}

/* Bucket b of the group being indexed, copied from every chunk's list (each in bucket order:
 * bucket_order) in chunk order into the worker's buffer, then indexed: the same fingerprints
 * in the same order as a gathered group's bucket. */
static rp_status chunk_bucket_task(void *ctx, size_t b, unsigned w)
{
    run *r = ctx;
    rp_fingerprints *buf = &r->wbucket[w];
    const size_t n = r->bucket_off[b + 1] - r->bucket_off[b];
    size_t k = 0;
    if (RP_GROW(buf->items, buf->cap, n) != RP_OK)
        return RP_ENOMEM;
    for (size_t c = 0; c < r->chunk_count; c++) {
        const rp_fingerprints *f = &r->chunks[c * RP_SCAN_GROUPS + r->gathering];
        size_t m = r->chunk_hist[(c * RP_SCAN_GROUPS + r->gathering) * RP_SCAN_BUCKETS + b];
        if (m)
            memcpy(buf->items + k, f->items + r->chunk_cursor[c * RP_SCAN_BUCKETS + b],
                   m * sizeof(*buf->items));
        k += m;
    }
    return index_bucket(r, buf->items, n, w);
}

/* The budget's check before a group of n fingerprints is copied: the groups not yet gathered,
 * the group's copy, and the seeds so far (rp_seed and rp_fingerprint are both 16 bytes). */
static rp_status group_budget(const run *r, size_t n)
{
    size_t held = 0;
    for (size_t c = 0; c < r->chunk_count * RP_SCAN_GROUPS; c++)
        held += r->chunks[c].count;
    for (unsigned w = 0; w < r->threads; w++)
        held += r->wseeds[w].count;
    return budget(r, (held + n) * sizeof(rp_fingerprint)) == RP_OK ? RP_OK : RP_EBUDGET;
}

/* by_bucket: where each bucket of group g starts in each chunk's list (chunk_cursor) and how large
 * each bucket of the group is (bucket_off). Checked against the budget as the group's copy beside
 * the groups not yet indexed and the seeds (what the index held when it gathered a group). */
static rp_status bucket_offsets(run *r, size_t g, size_t *n_out)
{
    size_t n = 0;
    memset(r->bucket_off, 0, sizeof(r->bucket_off));
    for (size_t c = 0; c < r->chunk_count; c++) {
        size_t at = 0;
        for (size_t b = 0; b < RP_SCAN_BUCKETS; b++) {
            size_t m = r->chunk_hist[(c * RP_SCAN_GROUPS + g) * RP_SCAN_BUCKETS + b];
            r->chunk_cursor[c * RP_SCAN_BUCKETS + b] = at;
            at += m;
            r->bucket_off[b + 1] += m;
        }
        n += at;
    }
    for (size_t b = 0; b < RP_SCAN_BUCKETS; b++)
        r->bucket_off[b + 1] += r->bucket_off[b];
    *n_out = n;
    r->gathering = g;
    if (n == 0)
        return RP_OK;
    return group_budget(r, n);
}

/* Copies chunk c's list of the group being gathered into its buckets, then frees it. */
static rp_status gather_task(void *ctx, size_t c, unsigned w)
{
    run *r = ctx;
    rp_fingerprints *f = &r->chunks[c * RP_SCAN_GROUPS + r->gathering];
    size_t *cursor = r->chunk_cursor + c * RP_SCAN_BUCKETS;
    (void)w;
    for (size_t i = 0; i < f->count; i++)
        r->group[cursor[BUCKET_OF(f->items[i].hash)]++] = f->items[i];
    rp_fingerprints_release(f);
    return RP_OK;
}

/* Moves group g's fingerprints out of the chunks into buckets of one buffer (r->group), each bucket
 * in chunk order (stable), the chunks copied in parallel and each chunk's list freed once copied,
 * so the index never holds more than one group twice. */
static rp_status gather_whole(run *r, size_t g, size_t *n_out)
{
    size_t n = 0;
    memset(r->bucket_off, 0, sizeof(r->bucket_off));
    for (size_t b = 0; b < RP_SCAN_BUCKETS; b++) { /* bucket b: chunk 0's, chunk 1's, ... */
        r->bucket_off[b] = n;
        for (size_t c = 0; c < r->chunk_count; c++) {
            r->chunk_cursor[c * RP_SCAN_BUCKETS + b] = n;
            n += r->chunk_hist[(c * RP_SCAN_GROUPS + g) * RP_SCAN_BUCKETS + b];
        }
    }
    r->bucket_off[RP_SCAN_BUCKETS] = n;
    *n_out = n;
    if (n == 0)
        return RP_OK;
    if (group_budget(r, n) != RP_OK)
        return RP_EBUDGET;
    if (n > r->group_cap) { /* sized once for the largest group still to come: a group in
                             * fresh pages has the kernel zero every page again */
        size_t most = n; /* under a budget only what was counted against it */
        for (size_t h = g + 1; !r->opts->memory && h < RP_SCAN_GROUPS; h++) {
            size_t m = 0;
            for (size_t c = 0; c < r->chunk_count; c++)
                m += r->chunks[c * RP_SCAN_GROUPS + h].count;
            most = m > most ? m : most;
        }
        rp_free(r->group);
        r->group_cap = 0;
        if (!(r->group = rp_malloc(most * sizeof(rp_fingerprint))))
            return RP_ENOMEM;
        r->group_cap = most;
    }
    r->gathering = g;
    return rp_pool_run(r->threads, r->chunk_count, gather_task, r, "index", NULL, NULL);
}

/* Lets go of group g's lists once indexed (their pages first: an arena may keep them). */
static void group_done(run *r, size_t g)
{
    for (size_t c = 0; c < r->chunk_count; c++) {
        rp_fingerprints *f = &r->chunks[c * RP_SCAN_GROUPS + g];
        rp_pages_discard(f->items, 0, f->count * sizeof(*f->items));
        rp_fingerprints_release(f);
    }
}

/* Counts worker list w's seeds per first document into its row of r->doc_rows. */
static rp_status count_docs_task(void *ctx, size_t w, unsigned worker)
{
    run *r = ctx;
    size_t *row = r->doc_rows + w * (r->docs + 1);
    (void)worker;
    for (size_t i = 0; i < r->wseeds[w].count; i++)
        row[r->wseeds[w].items[i].doc_a]++;
    return RP_OK;
}

/* Moves worker list w's seeds into their ranges of documents, last first (its row of
 * r->range_cursor holds where each range's part ends): a few write streams, each filled in
 * order, so the sorted list's pages fill as the worker list's own are handed back. */
static rp_status place_ranges_task(void *ctx, size_t w, unsigned worker)
{
    run *r = ctx;
    size_t *row = r->range_cursor + w * r->ranges;
    rp_seed *src = r->wseeds[w].items;
    size_t done = r->wseeds[w].count;
    (void)worker;
    for (size_t i = done; i-- > 0;) {
        r->seeds.items[--row[r->range_of[src[i].doc_a]]] = src[i];
        if (done - i >= RP_SCAN_SEED_SLICE) { /* moved: one list never held twice */
            rp_pages_discard(src, i * sizeof(rp_seed), done * sizeof(rp_seed));
            done = i;
        }
    }
    rp_free(src);
    r->wseeds[w] = (rp_seeds){NULL, 0, 0};
    return RP_OK;
}

/* Range b's seeds -> document order (a counting sort through the worker's scratch: a range of
 * several documents holds at most 1/64 of the seeds), then each document's sorted. */
static rp_status sort_range_task(void *ctx, size_t b, unsigned w)
{
    run *r = ctx;
    const uint32_t d0 = r->range_doc[b], d1 = r->range_doc[b + 1];
    const size_t lo = r->seed_first[d0], n = r->seed_first[d1] - lo;
    rp_seed *seeds = r->seeds.items + lo;

    if (d1 - d0 > 1 && n > 1) {
        rp_seeds *tmp = &r->wseeds[w]; /* emptied by place_ranges_task: the worker's scratch */
        size_t *head = r->doc_rows + d0; /* the first row: counts no longer needed */
        if (RP_GROW(tmp->items, tmp->cap, n) != RP_OK)
            return RP_ENOMEM;
        for (uint32_t d = d0; d < d1; d++)
            head[d - d0] = r->seed_first[d] - lo;
        for (size_t i = 0; i < n; i++)
            tmp->items[head[seeds[i].doc_a - d0]++] = seeds[i];
        memcpy(seeds, tmp->items, n * sizeof(rp_seed));
    }
    for (uint32_t d = d0; d < d1; d++)
        rp_seeds_sort(r->seeds.items + r->seed_first[d], r->seed_first[d + 1] - r->seed_first[d]);
    return RP_OK;
}

/* Ranges of consecutive documents holding about 1/64 of the seeds each (a document with more
 * is a range of its own), and each worker list's cursor per range (the end of its part). */
static rp_status make_ranges(run *r, size_t total)
{
    const size_t target = total / RP_SCAN_SEED_RANGES + 1;
    size_t held = 0, at = 0;

    r->ranges = 0;
    r->range_doc[0] = 0;
    for (uint32_t d = 0; d < r->docs; d++) {
        size_t n = r->seed_first[d + 1] - r->seed_first[d];
        if (d > r->range_doc[r->ranges] && held + n > target) {
            r->range_doc[++r->ranges] = d; /* close the range before d */
            held = 0;
        }
        held += n;
        r->range_of[d] = (uint32_t)r->ranges;
    }
    r->range_doc[++r->ranges] = (uint32_t)r->docs;
    r->range_cursor = rp_calloc((size_t)r->threads * r->ranges, sizeof(size_t));
    if (!r->range_cursor)
        return RP_ENOMEM;
    for (size_t b = 0; b < r->ranges; b++)
        for (unsigned w = 0; w < r->threads; w++) {
            size_t *row = r->doc_rows + w * (r->docs + 1);
            for (uint32_t d = r->range_doc[b]; d < r->range_doc[b + 1]; d++)
                at += row[d];
            r->range_cursor[w * r->ranges + b] = at;
        }
    return RP_OK;
}

/* Worker seed lists -> one list sorted by (doc_a, doc_b, pos_a, pos_b). The lists are moved
 * into ranges of documents (about 64, a few write streams), each list's pages handed back as
 * it is moved; each range is then put in document order and each document's seeds sorted,
 * ranges in parallel. A counting sort by document straight into the sorted list touched
 * every page of it at once, holding the seeds twice (10,000 identical documents make 2
 * million seeds, 1 GB of prose 34 million); one global comparison sort took most of the
 * index stage. */
static rp_status collect_seeds(run *r)
{
    size_t total = 0, rows = (size_t)r->threads * (r->docs + 1);
    rp_status st;

    for (unsigned w = 0; w < r->threads; w++)
        total += r->wseeds[w].count;
    /* the seeds once (the lists shrink as they are moved; a slice is held twice), a range
     * of them per worker, counts */
    if (budget(r, (total + (total < RP_SCAN_SEED_SLICE ? total : RP_SCAN_SEED_SLICE) +
                   r->threads * (total / RP_SCAN_SEED_RANGES + 1)) *
                          sizeof(rp_seed) +
                      (rows + 2 * r->docs + 1) * sizeof(size_t)) != RP_OK)
        return RP_EBUDGET;
    r->seeds.items = rp_malloc((total ? total : 1) * sizeof(rp_seed));
    r->seed_first = rp_malloc((r->docs + 1) * sizeof(size_t));
    r->doc_rows = rp_calloc(rows, sizeof(size_t));
    r->range_of = rp_malloc((r->docs ? r->docs : 1) * sizeof(uint32_t));
    if (!r->seeds.items || !r->seed_first || !r->doc_rows || !r->range_of)
        return RP_ENOMEM;
    r->seeds.cap = r->seeds.count = total;
    st = rp_pool_run(r->threads, r->threads, count_docs_task, r, "index", NULL, NULL);
    if (st != RP_OK)
        return st;
    r->seed_first[0] = 0; /* document d's seeds start at seed_first[d] */
    for (size_t d = 0; d < r->docs; d++) {
        size_t n = 0;
        for (unsigned w = 0; w < r->threads; w++)
            n += r->doc_rows[w * (r->docs + 1) + d];
        r->seed_first[d + 1] = r->seed_first[d] + n;
    }
    st = make_ranges(r, total);
    if (st == RP_OK)
        st = rp_pool_run(r->threads, r->threads, place_ranges_task, r, "index", NULL, NULL);
    if (st == RP_OK)
        st = rp_pool_run(r->threads, r->ranges, sort_range_task, r, "index", NULL, NULL);
    for (unsigned w = 0; w < r->threads; w++) { /* the scratch lists */
        rp_free(r->wseeds[w].items);
        r->wseeds[w] = (rp_seeds){NULL, 0, 0};
    }
    rp_free(r->doc_rows);
    rp_free(r->range_of);
    rp_free(r->range_cursor);
    rp_free(r->seed_first);
    r->doc_rows = r->range_cursor = r->seed_first = NULL;
    r->range_of = NULL;
    return st;
}

static rp_status index_stage(run *r, rp_scan_counts *counts)
{
    for (size_t c = 0; c < r->chunk_count * RP_SCAN_GROUPS; c++)
        counts->fingerprints += r->chunks[c].count;
    if (r->spill) {
        counts->fingerprints = atomic_load(&r->fp_count);
        counts->spilled = rp_spill_bytes(r->spill);
        qsort(r->segs, r->seg_count, sizeof(*r->segs), seg_order);
    }
    const size_t groups = r->spill ? (size_t)1 << r->part_bits : 1u << RP_SCAN_GROUP_BITS;
    size_t seg = 0;
    if (r->progress)
        r->progress(r->progress_ctx, "index", 0, groups + 1);
    for (size_t g = 0; g < groups; g++) {
        size_t n;
        rp_status gst = r->spill       ? load_part(r, g, &seg, &n)
                        : r->by_bucket ? bucket_offsets(r, g, &n)
                                       : gather_whole(r, g, &n);
        if (gst != RP_OK)
            return gst;
        if (n == 0)
            continue;
        rp_status st =
            rp_pool_run(r->threads, 1u << RP_SCAN_BUCKET_BITS,
                        r->by_bucket ? chunk_bucket_task : bucket_task, r, "index", NULL, NULL);
        if (r->spill) { /* load_part's buffer, one a partition (gather_whole keeps its own) */
            rp_free(r->group);
            r->group = NULL;
        } else if (r->by_bucket) {
            group_done(r, g);
        }
        if (st != RP_OK)
            return st;
        if (r->progress)
            r->progress(r->progress_ctx, "index", g + 1, groups + 1);
    }
    free_chunks(r);
    rp_free(r->group);
    r->group = NULL;
    r->group_cap = 0;
    for (unsigned w = 0; w < r->threads; w++)
        rp_fingerprints_release(&r->wbucket[w]);
    for (unsigned w = 0; w < r->threads; w++) {
        counts->distinct += r->wstats[w].distinct;
        counts->frequent += r->wstats[w].frequent;
        counts->capped += r->wstats[w].capped;
        counts->seeds += r->wstats[w].seeds;
    }
    rp_status st = RP_OK;
    if (r->seed_spill) { /* the rest of the seeds to their files: the aligner reads them */
        for (unsigned w = 0; w < r->threads && st == RP_OK; w++)
            st = spill_seeds(r, &r->wseeds[w]);
        counts->spilled += rp_spill_bytes(r->seed_spill);
    } else {
        st = collect_seeds(r);
    }
    if (st == RP_OK && r->progress)
        r->progress(r->progress_ctx, "index", groups + 1, groups + 1);
    return st;
}

/* ---- stage 3: candidate pairs, tokens again, alignment ---- */

/* Pairs = runs of equal (doc_a, doc_b) in the sorted seeds; their documents need tokens. A
 * pair whose only seed is weak (one phrase common by chance) or lone (differing words on both
 * sides of it) is dropped here, and the seeds are compacted in place with their flags
 * cleared. */
static rp_status find_pairs(run *r)
{
    rp_seed *s = r->seeds.items;
    size_t kept = 0;
    size_t n = r->docs ? r->docs : 1;
    r->pair_first = rp_malloc((r->seeds.count + 1) * sizeof(size_t));
    r->need = rp_malloc(n * sizeof(uint32_t));
    if (!r->hashes) /* keep_hashes: made by the first pass */
        r->hashes = rp_calloc(n, sizeof(uint32_t *));
    if (!r->hash_count)
        r->hash_count = rp_calloc(n, sizeof(uint32_t));
    r->last_pair = rp_calloc(n, sizeof(size_t));
    if (!r->pair_first || !r->need || !r->hashes || !r->hash_count || !r->last_pair)
        return RP_ENOMEM;
    for (size_t i = 0, j; i < r->seeds.count; i = j) {
        for (j = i + 1; j < r->seeds.count && s[j].doc_a == s[i].doc_a && s[j].doc_b == s[i].doc_b;)
            j++;
        if (j - i == 1 && rp_seed_alone_dropped(&s[i]))
            continue;
        /* last_pair holds one past a document's last pair (0: in none) */
        r->last_pair[s[i].doc_a] = r->last_pair[s[i].doc_b] = r->pair_count + 1;
        r->pair_first[r->pair_count++] = kept;
        for (size_t m = i; m < j; m++) {
            s[kept] = s[m];
            rp_seed_clear_flags(&s[kept++]);
        }
    }
    if (r->seed_spill) /* spilling: the dropped seeds' pages go back (charged as kept only) */
        rp_pages_discard(r->seeds.items, kept * sizeof(rp_seed), r->seeds.count * sizeof(rp_seed));
    r->seeds.count = kept;
    r->pair_first[r->pair_count] = kept;
    if (r->keep_hashes)
        keep_file_map(r);
    for (size_t d = 0; r->keep_hashes && d < r->docs; d++)
        if (!r->last_pair[d] && r->hashes[d]) /* kept by the first pass, in no pair */
            drop_hashes(r, d);
    return RP_OK;
}

static rp_status hashes_task(void *ctx, size_t i, unsigned w)
{
    run *r = ctx;
    uint32_t d = r->need[i];
    const rp_doc *doc = rp_corpus_doc(r->corpus, d);
    rp_status st =
        rp_scan_token_hashes(r->opts, doc, &r->toks[w], &r->hashes[d], &r->hash_count[d]);
    /* spilling, a window's documents lie all over the corpus: each maps its fault-around
     * window */
    rp_corpus_text_read(r->corpus, doc->len + (r->spill ? RP_TEXT_AROUND : 0));
    return st;
}

/* Pairs are aligned in blocks: most are single chance seeds that take well under a
 * microsecond, so one task a pair would spend much of the stage on the pool's counters. */
#define RP_SCAN_ALIGN_BLOCK 256
#define RP_SCAN_PREFETCH 8 /* pairs ahead */
#define RP_SCAN_ALIGN_WINDOWS 16

/* Whether every seed of a pair lies inside both documents' token hashes. Always, unless a
 * mapped file shrank during the scan (rp_corpus_changed): its text then reads as zeros and
 * tokenizes shorter than when its seeds were found; such a pair is left out (the program then
 * stops with an error) instead of being aligned past the end of its hashes. */
static bool seeds_fit(const rp_seed *s, size_t n, uint32_t count_a, uint32_t count_b,
                      uint32_t k)
{
    for (size_t i = 0; i < n; i++)
        if ((uint64_t)s[i].pos_a + k > count_a || (uint64_t)s[i].pos_b + k > count_b)
            return false;
    return true;
}

static rp_status align_task(void *ctx, size_t block, unsigned w)
{
    run *r = ctx;
    size_t start = r->window_first + block * RP_SCAN_ALIGN_BLOCK;
    size_t end = start + RP_SCAN_ALIGN_BLOCK;
    if (end > r->window_end)
        end = r->window_end;
    for (size_t i = start; i < end; i++) {
        /* The b side is a different document at every pair: fetch its tokens ahead. */
        if (i + RP_SCAN_PREFETCH < end) {
            const rp_seed *f = r->seeds.items + r->pair_first[PAIR_AT(r, i + RP_SCAN_PREFETCH)];
            __builtin_prefetch(r->hashes[f->doc_b] + f->pos_b);
        }
        const size_t p = PAIR_AT(r, i);
        const rp_seed *s = r->seeds.items + r->pair_first[p];
        size_t n = r->pair_first[p + 1] - r->pair_first[p];
        uint32_t a = s->doc_a, b = s->doc_b;
        if (!seeds_fit(s, n, r->hash_count[a], r->hash_count[b], r->opts->shingle))
            continue;
        rp_status st = rp_align_pair(r->opts, r->hashes[a], r->hash_count[a], r->hashes[b],
                                     r->hash_count[b], s, n, false, &r->work[w], &r->whits[w]);
        if (st != RP_OK)
            return st;
    }
    return RP_OK;
}

/* A hit's place in the canonical order: (doc_a, a_start, doc_b, b_start, a_end, b_end), then
 * where it was gathered (what qsort's merge sort, which is stable, kept): the keys are
 * unique, so an inlined introsort orders them as it did, in a fraction of the time. */
typedef struct hit_key {
    uint64_t k[3];
    size_t at; /* in the gathered hits */
} hit_key;

static inline bool hit_less(const hit_key *x, const hit_key *y)
{
    for (int i = 0; i < 3; i++)
        if (x->k[i] != y->k[i])
            return x->k[i] < y->k[i];
    return x->at < y->at;
}
RP_DEFINE_SORT(sort_hit_keys, hit_key, hit_less)

/* Hits put in canonical order, as a stable sort by hit_key would. */
static rp_status sort_hits(rp_hits *hits)
{
    const size_t n = hits->count;
    hit_key *keys = rp_malloc((n ? n : 1) * sizeof(hit_key));
    rp_hit *sorted = rp_malloc((n ? n : 1) * sizeof(rp_hit));
    if (!keys || !sorted) {
        rp_free(keys);
        rp_free(sorted);
        return RP_ENOMEM;
    }
    for (size_t i = 0; i < n; i++) {
        const rp_hit *h = &hits->items[i];
        keys[i] =
            (hit_key){{(uint64_t)h->doc_a << 32 | h->a_start, (uint64_t)h->doc_b << 32 | h->b_start,
                       (uint64_t)h->a_end << 32 | h->b_end},
                      i};
    }
    sort_hit_keys(keys, n);
    for (size_t i = 0; i < n; i++)
        sorted[i] = hits->items[keys[i].at];
    rp_free(keys);
    rp_free(hits->items);
    hits->items = sorted;
    hits->cap = n ? n : 1;
    return RP_OK;
}

/* The workers' hits in one list (in worker order), then in canonical order. */
static rp_status collect_hits(run *r)
{
    size_t total = 0, gaps = 0;
    for (unsigned w = 0; w < r->threads; w++) {
        total += r->whits[w].count;
        gaps += r->whits[w].gap_count;
    }
    r->hits.items = rp_malloc((total ? total : 1) * sizeof(rp_hit));
    r->hits.gaps = rp_malloc((gaps ? gaps : 1) * sizeof(rp_token_gap));
    if (!r->hits.items || !r->hits.gaps)
        return RP_ENOMEM;
    for (unsigned w = 0; w < r->threads; w++) {
        rp_hits *wh = &r->whits[w];
        for (size_t i = 0; i < wh->count; i++) {
            r->hits.items[r->hits.count + i] = wh->items[i];
            r->hits.items[r->hits.count + i].gap_first += (uint32_t)r->hits.gap_count;
        }
        if (wh->gap_count)
            memcpy(r->hits.gaps + r->hits.gap_count, wh->gaps, wh->gap_count * sizeof(rp_token_gap));
        r->hits.count += wh->count;
        r->hits.gap_count += wh->gap_count;
        rp_hits_release(wh);
    }
    return sort_hits(&r->hits);
}

/* A tight window's document: its hashes made once, appended to the hash file. */
static rp_status spill_hashes_task(void *ctx, size_t i, unsigned w)
{
    run *r = ctx;
    uint32_t d = r->need[i], n;
    uint32_t *h;
    uint64_t at;
    if (r->hash_at[d] != UINT64_MAX)
        return RP_OK;
    rp_status st = rp_scan_token_hashes(r->opts, rp_corpus_doc(r->corpus, d), &r->toks[w], &h, &n);
    /* a window's documents lie all over the corpus: each maps its fault-around window */
    rp_corpus_text_read(r->corpus, rp_corpus_doc(r->corpus, d)->len + RP_TEXT_AROUND);
    if (st != RP_OK)
        return st;
    st = rp_spill_append(r->hash_spill, 0, h, (size_t)n * sizeof(uint32_t), &at);
    rp_free(h);
    if (st == RP_OK) {
        r->hash_at[d] = at;
        r->hash_n[d] = n;
    }
    return st;
}

/* Reads a tight window's document i's hashes from the hash file into the window's buffer. */
static rp_status read_hashes_task(void *ctx, size_t i, unsigned w)
{
    run *r = ctx;
    uint32_t d = r->need[i];
    (void)w;
    return rp_spill_read(r->hash_spill, 0, r->hash_at[d], r->hashes[d],
                         (size_t)r->hash_n[d] * sizeof(uint32_t));
}

/* Aligns tight window [first, window_end): the hashes of its documents not yet in the hash
 * file are made and appended (each document once in the whole scan), then read back into one
 * buffer of what the window needs, freed after it. (A mapping of the file held more: faults
 * map the pages around the one touched, and all of them count as resident.) */
static rp_status align_tight_window(run *r, size_t first)
{
    rp_status st = RP_OK;
    uint32_t *buf = NULL;
    size_t total = 0;
    if (!r->hash_spill) {
        r->hash_at = rp_malloc((r->docs ? r->docs : 1) * sizeof(uint64_t));
        r->hash_n = rp_malloc((r->docs ? r->docs : 1) * sizeof(uint32_t));
        if (!r->hash_at || !r->hash_n)
            return RP_ENOMEM;
        memset(r->hash_at, 0xff, (r->docs ? r->docs : 1) * sizeof(uint64_t));
        st = rp_spill_open(r->opts->tmp_dir, 1, &r->hash_spill);
    }
    if (st == RP_OK)
        st = rp_pool_run(r->threads, r->need_count, spill_hashes_task, r, "align", NULL, NULL);
    if (st != RP_OK)
        return st;
    for (size_t i = 0; i < r->need_count; i++)
        total += r->hash_n[r->need[i]];
    /* one buffer for every window: a new one each time was zeroed by the kernel each time;
     * grown to what the window needs, not by half again (past the room the budget left) */
    if (total > r->tight_cap) {
        uint32_t *grown = rp_realloc(r->tight_buf, total * sizeof(uint32_t));
        if (!grown)
            return RP_ENOMEM;
        r->tight_buf = grown;
        r->tight_cap = total;
    }
    if (!r->tight_buf && !(r->tight_buf = rp_malloc(sizeof(uint32_t))))
        return RP_ENOMEM;
    buf = r->tight_buf;
    total = 0;
    for (size_t i = 0; i < r->need_count; i++) { /* in document order, as pairs go */
        uint32_t d = r->need[i];
        r->hashes[d] = buf + total;
        r->hash_count[d] = r->hash_n[d];
        total += r->hash_n[d];
    }
    st = rp_pool_run(r->threads, r->need_count, read_hashes_task, r, "align", NULL, NULL);
    if (st == RP_OK)
        st = rp_pool_run(r->threads,
                         (r->window_end - first + RP_SCAN_ALIGN_BLOCK - 1) / RP_SCAN_ALIGN_BLOCK,
                         align_task, r, "align", NULL, NULL);
    for (size_t i = 0; i < r->need_count; i++) /* pointers into buf */
        r->hashes[r->need[i]] = NULL;
    return st;
}

/* The documents window [first, end) of the pairs needs whose token hashes are not held yet. */
static void window_needs(run *r, size_t first, size_t end)
{
    r->need_count = 0;
    for (size_t i = first; i < end; i++) {
        const rp_seed *s = r->seeds.items + r->pair_first[i];
        const uint32_t ds[2] = {s->doc_a, s->doc_b};
        for (int k = 0; k < 2; k++)
            if (!r->hashes[ds[k]] && r->need_window[ds[k]] != first + 1) {
                r->need_window[ds[k]] = first + 1;
                r->need[r->need_count++] = ds[k];
            }
    }
}

/* Frees the hashes of documents whose last pair lies in window [first, end). (Handing back
 * the window's seed pages too cost 0.2 s at 1 GB and lowered no peak.) */
static void window_done(run *r, size_t first, size_t end)
{
    for (size_t i = first; i < end; i++) {
        const rp_seed *s = r->seeds.items + r->pair_first[i];
        const uint32_t ds[2] = {s->doc_a, s->doc_b};
        for (int k = 0; k < 2; k++)
            if (r->last_pair[ds[k]] <= end && r->hashes[ds[k]])
                drop_hashes(r, ds[k]);
    }
}

/* A document's token hashes, in bytes. */
static size_t hash_bytes(const run *r, uint32_t d)
{
    return (size_t)r->stats[d].tokens * sizeof(uint32_t);
}

/* Under a budget too small for every needed document's hashes (rp_options.memory): the window
 * from pair `first` takes pairs while the hashes of their documents fit in `room`, lists those
 * documents in r->need, and returns its end. Their hashes are made once for the whole scan
 * into a temporary file and read back window by window (align_tight_window). */
static size_t tight_window(run *r, size_t first, size_t room)
{
    size_t end = first, used = 0;
    r->need_count = 0;
    for (; end < r->pair_count; end++) {
        const rp_seed *s = r->seeds.items + r->pair_first[PAIR_AT(r, end)];
        size_t add = 0;
        if (r->need_window[s->doc_a] != first + 1)
            add += hash_bytes(r, s->doc_a);
        if (s->doc_b != s->doc_a && r->need_window[s->doc_b] != first + 1)
            add += hash_bytes(r, s->doc_b);
        if (end > first && used + add > room)
            break;
        used += add;
        const uint32_t ds[2] = {s->doc_a, s->doc_b};
        for (int k = 0; k < 2; k++)
            if (r->need_window[ds[k]] != first + 1) {
                r->need_window[ds[k]] = first + 1;
                r->need[r->need_count++] = ds[k];
            }
    }
    return end;
}

/* Tight windows: the pairs ordered by blocks of their second documents (stable), each block's
 * documents' hashes about what the room leaves beside the first documents'. In their own
 * order (by first, then second document) each window needed second documents from all over
 * the corpus, nearly all of them new: every document's hashes were read back from the hash
 * file once per window (25 times over at 100 MB under --memory 20M). Now a window holds a
 * block of second documents and the first documents that meet them; the hits are the same,
 * as collect_hits puts them in one order. */
static rp_status order_pairs(run *r, size_t room)
{
    size_t a_bytes = 0, block_bytes, blocks = 1, held = 0;
    uint32_t last_a = UINT32_MAX, *block_of = NULL;
    size_t *start = NULL;

    for (size_t i = 0; i < r->pair_count; i++) {
        const rp_seed *s = r->seeds.items + r->pair_first[i];
        if (s->doc_a != last_a)
            a_bytes += hash_bytes(r, s->doc_a);
        last_a = s->doc_a;
    }
    block_bytes = room > 2 * a_bytes ? room - a_bytes : room / 2;
    block_of = rp_malloc((r->docs ? r->docs : 1) * sizeof(uint32_t));
    r->pair_order = rp_malloc((r->pair_count ? r->pair_count : 1) * sizeof(size_t));
    if (!block_of || !r->pair_order) {
        rp_free(block_of);
        return RP_ENOMEM;
    }
    for (size_t d = 0; d < r->docs; d++) { /* only documents in pairs take room */
        size_t add = r->last_pair[d] ? hash_bytes(r, (uint32_t)d) : 0;
        if (held > 0 && held + add > block_bytes) {
            blocks++;
            held = 0;
        }
        held += add;
        block_of[d] = (uint32_t)(blocks - 1);
    }
    if (!(start = rp_calloc(blocks + 1, sizeof(size_t)))) {
        rp_free(block_of);
        return RP_ENOMEM;
    }
    for (size_t i = 0; i < r->pair_count; i++)
        start[block_of[r->seeds.items[r->pair_first[i]].doc_b] + 1]++;
    for (size_t b = 0; b < blocks; b++)
        start[b + 1] += start[b];
    for (size_t i = 0; i < r->pair_count; i++)
        r->pair_order[start[block_of[r->seeds.items[r->pair_first[i]].doc_b]]++] = i;
    rp_free(start);
    rp_free(block_of);
    return RP_OK;
}

/* Spilling, what the aligner holds beside the seeds, the pairs and the windows' hashes: the
 * hits of the ranges aligned so far, the pairs' order (tight windows), and the per-document
 * arrays (the hashes' pointers, counts and places in the hash file, the documents needed, the
 * last pairs). */
static size_t spill_align_held(const run *r)
{
    size_t held = r->pair_count * sizeof(size_t) +
                  r->docs * (sizeof(uint32_t *) + 2 * sizeof(uint64_t) + 3 * sizeof(uint32_t));
    for (unsigned w = 0; w < r->threads; w++)
        held += r->whits[w].cap * sizeof(rp_hit) + r->whits[w].gap_cap * sizeof(rp_token_gap);
    return held;
}

/* Pairs are aligned in windows of about 1/16 of them, in order: a document's token hashes are
 * made in the first window that needs them and freed after its last pair. Holding every
 * needed document's hashes at once (4 bytes a token) made this stage the peak of a corpus
 * whose pairs are near each other (10,000 identical documents). When even that is past the
 * budget, windows are cut to what fits (tight_window). */
static rp_status align_seeds(run *r)
{
    rp_status st;
    if (r->progress && !r->seed_spill)
        r->progress(r->progress_ctx, "pairs", 0, 1);
    st = find_pairs(r);
    size_t per_window, room = 0;
    bool tight = false;
    if (st == RP_OK) { /* at most: seeds, pairs and every needed document's token hashes */
        size_t fixed = r->seeds.count * sizeof(rp_seed) + r->pair_count * sizeof(size_t) +
                       r->docs * sizeof(size_t), /* need_window */
            bytes = fixed, largest = 0;
        /* and what spilling holds beside them: taken from the windows' room, never below
         * one pair's documents */
        const size_t held = r->seed_spill ? spill_align_held(r) : 0;
        for (size_t d = 0; d < r->docs; d++)
            if (r->last_pair[d])
                bytes += hash_bytes(r, (uint32_t)d);
        if (budget(r, bytes + held) != RP_OK) { /* windows of what fits, if one pair's do */
            for (size_t i = 0; i < r->pair_count; i++) {
                const rp_seed *s = r->seeds.items + r->pair_first[i];
                size_t one = hash_bytes(r, s->doc_a) +
                             (s->doc_b != s->doc_a ? hash_bytes(r, s->doc_b) : 0);
                largest = one > largest ? one : largest;
            }
            st = budget(r, fixed + largest);
            tight = true;
            room = r->opts->memory - fixed;
            room = room > largest + held ? room - held : largest;
        } else if (rp_scan_spill_parts) { /* tests: tight windows of a few documents */
            tight = true;
            room = rp_scan_spill_parts * 1024 * sizeof(uint32_t);
        }
    }
    if (st == RP_OK && !(r->need_window = rp_calloc(r->docs ? r->docs : 1, sizeof(size_t))))
        st = RP_ENOMEM;
    if (st == RP_OK && tight)
        st = order_pairs(r, room);
    per_window = rp_scan_align_window ? rp_scan_align_window
                                      : (r->pair_count / RP_SCAN_ALIGN_WINDOWS /
                                             RP_SCAN_ALIGN_BLOCK +
                                         1) * RP_SCAN_ALIGN_BLOCK;
    if (st == RP_OK && r->progress && !r->seed_spill)
        r->progress(r->progress_ctx, "pairs", 1, 1);
    if (st == RP_OK && r->progress && !r->seed_spill)
        r->progress(r->progress_ctx, "align", 0, r->pair_count);
    for (size_t first = 0; st == RP_OK && first < r->pair_count; first = r->window_end) {
        r->window_first = first;
        if (tight)
            r->window_end = tight_window(r, first, room);
        else {
            r->window_end = first + per_window < r->pair_count ? first + per_window
                                                                : r->pair_count;
            window_needs(r, first, r->window_end);
        }
        sort_u32(r->need, r->need_count); /* hashes laid out in document order, as pairs go */
        if (tight) {
            st = align_tight_window(r, first);
        } else {
            st = rp_pool_run(r->threads, r->need_count, hashes_task, r, "align", NULL, NULL);
            if (st == RP_OK)
                st = rp_pool_run(r->threads,
                                 (r->window_end - first + RP_SCAN_ALIGN_BLOCK - 1) /
                                     RP_SCAN_ALIGN_BLOCK,
                                 align_task, r, "align", NULL, NULL);
            if (st == RP_OK)
                window_done(r, first, r->window_end);
        }
        if (st == RP_OK && r->progress && !r->seed_spill)
            r->progress(r->progress_ctx, "align", r->window_end, r->pair_count);
    }
    free_hashes(r);
    rp_free(r->tight_buf); /* the windows' hashes: not held while the next range's seeds load */
    r->tight_buf = NULL;
    r->tight_cap = 0;
    rp_free(r->seeds.items);
    r->seeds = (rp_seeds){NULL, 0, 0};
    rp_free(r->pair_first);
    rp_free(r->need);
    rp_free(r->last_pair);
    rp_free(r->need_window);
    rp_free(r->pair_order);
    r->pair_first = r->last_pair = r->need_window = r->pair_order = NULL;
    r->need = NULL;
    r->pair_count = r->need_count = 0;
    return st;
}

/* The seeds of spilled range q (their file emptied) as the in-memory path leaves them. */
static rp_status load_seed_range(run *r, size_t q)
{
    size_t n = (size_t)(rp_spill_size(r->seed_spill, q) / sizeof(rp_seed));
    rp_seeds *list = &r->wseeds[0]; /* the other worker lists are empty */
    rp_status st;
    if (budget(r, n * sizeof(rp_seed)) != RP_OK)
        return RP_EBUDGET;
    if (RP_GROW(list->items, list->cap, n ? n : 1) != RP_OK)
        return RP_ENOMEM;
    st = rp_spill_read(r->seed_spill, q, 0, list->items, n * sizeof(rp_seed));
    list->count = n;
    rp_spill_drop(r->seed_spill, q);
    return st == RP_OK ? collect_seeds(r) : st;
}

/* Candidate pairs aligned, the hits in canonical order. With spilled seeds, one range of
 * documents at a time: all seeds of a pair are in its doc_a's range, and a pair's alignment
 * does not depend on the others, so the hits are the same. */
static rp_status align_stage(run *r)
{
    rp_status st = RP_OK;
    if (!r->seed_spill)
        st = align_seeds(r);
    for (size_t q = 0; r->seed_spill && st == RP_OK && q < r->seed_ranges; q++) {
        if (r->progress)
            r->progress(r->progress_ctx, "align", q, r->seed_ranges);
        st = load_seed_range(r, q);
        if (st == RP_OK)
            st = align_seeds(r);
    }
    if (st == RP_OK && r->seed_spill && r->progress)
        r->progress(r->progress_ctx, "align", r->seed_ranges, r->seed_ranges);
    if (st == RP_OK && r->progress)
        r->progress(r->progress_ctx, "hits", 0, 1);
    if (st == RP_OK)
        st = collect_hits(r);
    if (st == RP_OK && r->progress)
        r->progress(r->progress_ctx, "hits", 1, 1);
    return st;
}

/* ---- stage 4: byte spans and clusters ---- */

/* The hits as links for clustering (token ranges; the bytes come from the plan's bounds). */
static rp_status make_links(run *r)
{
    const size_t hits = r->hits.count, gaps = r->hits.gap_count;
    r->links = rp_calloc(hits ? hits : 1, sizeof(rp_link));
    r->link_gaps = rp_malloc((gaps ? gaps : 1) * sizeof(rp_link_gap));
    if (!r->links || !r->link_gaps)
        return RP_ENOMEM;
    for (size_t g = 0; g < gaps; g++) {
        const rp_token_gap *t = &r->hits.gaps[g];
        r->link_gaps[g] = (rp_link_gap){t->a_start, t->a_end, t->b_start, t->b_end};
    }
    for (size_t i = 0; i < hits; i++) {
        const rp_hit *h = &r->hits.items[i];
        r->links[i] = (rp_link){{h->doc_a, h->a_start, h->a_end, 0, 0},
                                {h->doc_b, h->b_start, h->b_end, 0, 0},
                                h->matches,
                                h->columns,
                                r->link_gaps + h->gap_first,
                                h->gap_count};
    }
    return RP_OK;
}

/* One document's bounds, streamed: want[] holds (token << 32 | bound index) sorted; each is
 * filled as its token goes by. */
typedef struct bound_stream {
    rp_bound *v;
    const uint64_t *want;
    size_t count, next;
    size_t base; /* the document's index of the first token held */
} bound_stream;

static rp_status bound_sink(void *ctx, rp_tokens *toks)
{
    bound_stream *s = ctx;
    for (; s->next < s->count && (s->want[s->next] >> 32) < s->base + toks->count; s->next++) {
        rp_bound *b = &s->v[(uint32_t)s->want[s->next]];
        const rp_token *t = &toks->items[(s->want[s->next] >> 32) - s->base];
        b->off = b->end ? t->end : t->start;
    }
    s->base += toks->count;
    toks->count = 0;
    return s->next < s->count ? RP_OK : RP_TEXT_STOP; /* the rest of the text: not needed */
}

/* The byte offsets of document i's bounds, from a streamed tokenization. */
static rp_status spans_task(void *ctx, size_t i, unsigned w)
{
    run *r = ctx;
    rp_bound *v = r->bounds + r->bound_first[i];
    const size_t n = r->bound_first[i + 1] - r->bound_first[i];
    const rp_doc *doc = rp_corpus_doc(r->corpus, v[0].doc);
    uint64_t *want = rp_malloc(n * sizeof(uint64_t));
    bound_stream s = {v, want, n, 0, 0};
    rp_status st;

    if (!want)
        return RP_ENOMEM;
    for (size_t j = 0; j < n; j++)
        want[j] = (uint64_t)(v[j].end ? v[j].pos - 1 : v[j].pos) << 32 | j;
    sort_u64(want, n);
    /* small blocks, so that the tokenizer stops soon after the document's last bound */
    st = rp_text_tokenize_stream_doc(r->opts, doc, true,
                                     rp_scan_token_block < RP_SCAN_SPAN_BLOCK
                                         ? rp_scan_token_block
                                         : RP_SCAN_SPAN_BLOCK,
                                     bound_sink, &s, &r->toks[w]);
    if (st == RP_OK && (st = bound_sink(&s, &r->toks[w])) == RP_TEXT_STOP)
        st = RP_OK;
    if (st == RP_OK && s.next < s.count)
        st = RP_EINVAL; /* a passage past the document's tokens: cannot happen */
    rp_corpus_text_read(r->corpus, doc->len);
    rp_free(want);
    return st;
}

/* Clusters at token level (rp_cluster_plan), the bytes they need from one more streamed
 * tokenization of the documents that have passages, then the clusters themselves. */
static rp_status cluster_stage(run *r, rp_scan *scan)
{
    rp_cluster_plan *plan = NULL;
    uint32_t *covered = NULL;
    rp_status st;
    if (r->progress)
        r->progress(r->progress_ctx, "plan", 0, 1);
    st = make_links(r);
    if (st == RP_OK)
        st = rp_cluster_plan_make(r->opts, r->links, r->hits.count, &plan);
    if (st == RP_OK) {
        size_t n;
        r->bounds = rp_cluster_plan_bounds(plan, &n);
        r->bound_first = rp_malloc((n + 1) * sizeof(size_t));
        if (!r->bound_first)
            st = RP_ENOMEM;
        for (size_t i = 0; st == RP_OK && i < n; i++)
            if (i == 0 || r->bounds[i].doc != r->bounds[i - 1].doc)
                r->bound_first[r->bound_docs++] = i;
        if (st == RP_OK)
            r->bound_first[r->bound_docs] = n;
    }
    if (st == RP_OK && r->progress)
        r->progress(r->progress_ctx, "plan", 1, 1);
    if (st == RP_OK)
        st = rp_pool_run(r->threads, r->bound_docs, spans_task, r, "spans", r->progress,
                         r->progress_ctx);
    if (st == RP_OK && r->progress)
        r->progress(r->progress_ctx, "cluster", 0, 1);
    if (st == RP_OK && !(covered = rp_calloc(r->docs ? r->docs : 1, sizeof(uint32_t))))
        st = RP_ENOMEM;
    if (st == RP_OK)
        st = rp_cluster_plan_finish(plan, r->corpus, covered, &scan->clusters);
    if (st == RP_OK)
        rp_direction_series(r->corpus, &scan->clusters);
    for (size_t d = 0; st == RP_OK && d < r->docs; d++)
        r->stats[d].covered = r->stats[d].tokens ? (double)covered[d] / r->stats[d].tokens : 0.0;
    rp_free(covered);
    rp_cluster_plan_free(plan);
    r->bounds = NULL;
    if (st == RP_OK && r->progress)
        r->progress(r->progress_ctx, "cluster", 1, 1);
    return st;
}

/* ---- public ---- */

/* The bytes of the corpus's text. */
static size_t text_bytes(const run *r)
{
    size_t bytes = 0;
    for (size_t d = 0; d < r->docs; d++)
        bytes += rp_corpus_doc(r->corpus, (uint32_t)d)->len;
    return bytes;
}

/* Kept hashes of a corpus of rp_scan_keep_file_min bytes or more go to a temporary file under
 * rp_options.tmp_dir (run.keep_spill); when it cannot be made they stay in the heap. */
static rp_status keep_file_begin(run *r)
{
    if (!r->docs || text_bytes(r) < rp_scan_keep_file_min)
        return RP_OK;
    if (!(r->keep_at = rp_malloc(r->docs * sizeof(uint64_t))))
        return RP_ENOMEM;
    memset(r->keep_at, 0xff, r->docs * sizeof(uint64_t));
    if (rp_spill_open(r->opts->tmp_dir, 1, &r->keep_spill) != RP_OK) {
        r->keep_spill = NULL; /* the heap, as for a small corpus */
        errno = 0;
    }
    return RP_OK;
}

/* The kept hashes' file mapped, each kept document's hashes pointed into it. When it cannot
 * be mapped, the documents are left to the aligner (tokenized again: the same hashes). */
static void keep_file_map(run *r)
{
    size_t len = r->keep_spill ? (size_t)rp_spill_size(r->keep_spill, 0) : 0;
    void *p;
    if (!len || rp_spill_errno(r->keep_spill))
        return;
    p = mmap(NULL, len, PROT_READ, MAP_SHARED, rp_spill_fd(r->keep_spill, 0), 0);
    if (p == MAP_FAILED) {
        errno = 0;
        return;
    }
    r->keep_map = p;
    r->keep_map_len = len;
    for (size_t d = 0; d < r->docs; d++)
        if (r->keep_at[d] != UINT64_MAX)
            r->hashes[d] = (uint32_t *)(void *)(r->keep_map + r->keep_at[d]);
}

static rp_status run_stages(run *r, rp_scan *scan)
{
    rp_status st = make_chunks(r, 0, r->docs);
    if (st == RP_OK)
        st = spill_begin(r);
    r->keep_hashes = st == RP_OK && !r->opts->memory && !r->spill && !rp_scan_spill_parts;
    r->keep_cap = keep_cap();
    atomic_init(&r->kept, 0);
    if (r->keep_hashes) {
        r->hashes = rp_calloc(r->docs ? r->docs : 1, sizeof(uint32_t *));
        r->hash_count = rp_calloc(r->docs ? r->docs : 1, sizeof(uint32_t));
        if (!r->hashes || !r->hash_count)
            st = RP_ENOMEM;
    }
    if (st == RP_OK && r->keep_hashes)
        st = keep_file_begin(r);
    if (st == RP_OK && r->keep_spill && r->opts->text_on_disk) {
        rp_corpus_park_begin(r->corpus, r->opts->tmp_dir); /* text to a file once read */
        r->by_bucket = true;
    }
    if (st == RP_OK)
        st = rp_pool_run(r->threads, r->chunk_count, fingerprint_task, r, "fingerprint",
                              r->progress, r->progress_ctx);
    if (st == RP_OK && r->spill)
        st = seed_spill_begin(r);
    if (st == RP_OK)
        st = index_stage(r, &scan->counts);
    if (st == RP_OK)
        st = align_stage(r);
    if (st != RP_OK)
        return st;
    scan->counts.alignments = r->hits.count;
    return cluster_stage(r, scan);
}

/* A run over the whole corpus with its per-worker arrays, no stage begun. */
static rp_status stage_run(run *r, const rp_corpus *corpus, const rp_options *opts,
                           rp_progress_fn progress, void *progress_ctx)
{
    memset(r, 0, sizeof(*r));
    r->corpus = corpus;
    r->opts = opts;
    r->threads = rp_pool_threads(opts);
    r->progress = progress;
    r->progress_ctx = progress_ctx;
    r->docs = rp_corpus_count(corpus);
    return run_alloc(r);
}

/* The finished scan takes the run's statistics; the run is let go. */
static void scan_take(run *r, rp_scan *scan, rp_scan **out)
{
    scan->stats = r->stats;
    scan->doc_count = r->docs;
    r->stats = NULL;
    run_release(r);
    *out = scan;
}

rp_status rp_scan_run(const rp_corpus *corpus, const rp_options *opts, rp_progress_fn progress,
                      void *progress_ctx, rp_scan **out)
{
    run r;
    rp_scan *scan;
    rp_status st = rp_options_check(opts);

    if (st != RP_OK)
        return st;
    if (!rp_corpus_whole(corpus)) /* read by shares, or spent by a shared scan */
        return RP_EINVAL;
    st = stage_run(&r, corpus, opts, progress, progress_ctx);
    scan = rp_calloc(1, sizeof(*scan));
    if (st != RP_OK || !scan) {
        st = RP_ENOMEM;
        goto fail;
    }
    st = run_stages(&r, scan);
    if (st != RP_OK)
        goto fail;
    scan_take(&r, scan, out);
    return RP_OK;
fail:;
    int e = st == RP_EIO && r.spill ? rp_spill_errno(r.spill) : 0;
    if (st == RP_EIO && !e && r.seed_spill)
        e = rp_spill_errno(r.seed_spill);
    if (st == RP_EIO && !e && r.hash_spill)
        e = rp_spill_errno(r.hash_spill);
    if (st == RP_EIO && !e)
        e = errno; /* the spill could not be made: rp_spill_open set it on this thread */
    run_release(&r);
    rp_scan_free(scan);
    if (st == RP_EIO)
        errno = e;
    return st;
}

void rp_scan_free(rp_scan *scan)
{
    if (!scan)
        return;
    rp_clusters_release(&scan->clusters);
    rp_free(scan->stats);
    rp_free(scan);
}

size_t rp_scan_cluster_count(const rp_scan *scan)
{
    return scan->clusters.count;
}

const rp_cluster *rp_scan_cluster(const rp_scan *scan, size_t i)
{
    return i < scan->clusters.count ? &scan->clusters.items[i] : NULL;
}

const rp_doc_stats *rp_scan_doc_stats(const rp_scan *scan, uint32_t doc)
{
    return doc < scan->doc_count ? &scan->stats[doc] : NULL;
}

const rp_scan_counts *rp_scan_get_counts(const rp_scan *scan)
{
    return &scan->counts;
}

/* ---- the stages one at a time, for a scan shared among processes (shared.c) ---- */

rp_status rp_scan_fingerprint_docs(const rp_corpus *corpus, const rp_options *opts,
                                   uint32_t lo, uint32_t hi, rp_progress_fn progress,
                                   void *progress_ctx, rp_fingerprints *out,
                                   rp_doc_stats *stats, rp_scan_kept *keep)
{
    run r;
    size_t total = 0, at = 0;
    rp_status st = stage_run(&r, corpus, opts, progress, progress_ctx);

    if (st == RP_OK)
        st = make_chunks(&r, lo, hi);
    if (st == RP_OK && keep && keep->hashes && !opts->memory && !rp_scan_spill_parts &&
        keep->bytes < keep_cap()) { /* the run writes into keep's arrays */
        r.keep_hashes = true;
        r.keep_cap = keep_cap() - keep->bytes;
        atomic_init(&r.kept, 0);
        r.hashes = keep->hashes;
        r.hash_count = keep->count;
    }
    if (st == RP_OK)
        st = rp_pool_run(r.threads, r.chunk_count, fingerprint_task, &r, "fingerprint",
                         r.progress, r.progress_ctx);
    for (size_t c = 0; st == RP_OK && c < r.chunk_count * RP_SCAN_GROUPS; c++)
        total += r.chunks[c].count;
    if (st == RP_OK && !(out->items = rp_malloc((total ? total : 1) * sizeof(rp_fingerprint))))
        st = RP_ENOMEM;
    /* group by group (the hash's top RP_SCAN_GROUP_BITS), each group's lists in chunk order:
     * within a group all in (doc, pos) order, so every hash's fingerprints are in the order
     * the index's runs need, and documents and positions rise within a group (the shared
     * scan sends each group as its own stream, as differences). Merging the groups into one
     * (doc, pos) order took 4% of a shared scan's instructions, and nothing needed it. */
    for (size_t g = 0; st == RP_OK && g < RP_SCAN_GROUPS; g++)
        for (size_t c = 0; c < r.chunk_count; c++) {
            rp_fingerprints *f = &r.chunks[c * RP_SCAN_GROUPS + g];
            if (f->count)
                memcpy(out->items + at, f->items, f->count * sizeof(rp_fingerprint));
            at += f->count;
            rp_fingerprints_release(f);
        }
    if (st == RP_OK) {
        out->count = out->cap = total;
        memcpy(stats, r.stats + lo, (size_t)(hi - lo) * sizeof(*stats));
    }
    if (r.keep_hashes) { /* keep's arrays, not the run's */
        keep->bytes += atomic_load(&r.kept);
        r.hashes = NULL;
        r.hash_count = NULL;
    }
    run_release(&r);
    return st;
}

rp_status rp_scan_kept_begin(rp_scan_kept *keep, const rp_corpus *corpus)
{
    size_t docs = rp_corpus_count(corpus);
    *keep = (rp_scan_kept){rp_calloc(docs ? docs : 1, sizeof(uint32_t *)),
                           rp_calloc(docs ? docs : 1, sizeof(uint32_t)), docs, 0};
    if (keep->hashes && keep->count)
        return RP_OK;
    rp_scan_kept_release(keep);
    return RP_ENOMEM;
}

void rp_scan_kept_release(rp_scan_kept *keep)
{
    for (size_t d = 0; keep->hashes && d < keep->docs; d++)
        rp_free(keep->hashes[d]);
    rp_free(keep->hashes);
    rp_free(keep->count);
    *keep = (rp_scan_kept){NULL, NULL, 0, 0};
}

rp_status rp_scan_align_seeds(const rp_corpus *corpus, const rp_options *opts, rp_seeds *seeds,
                              rp_scan_kept *keep, rp_progress_fn progress, void *progress_ctx,
                              rp_hits *out)
{
    run r;
    rp_status st = stage_run(&r, corpus, opts, progress, progress_ctx);

    rp_seeds_sort(seeds->items, seeds->count);
    r.seeds = *seeds;
    *seeds = (rp_seeds){NULL, 0, 0};
    if (st == RP_OK && keep && keep->hashes) { /* borrowed: the run's own lists of them */
        /* zeroed: run_release walks the list even when the second allocation failed */
        r.hashes = rp_calloc(r.docs ? r.docs : 1, sizeof(uint32_t *));
        r.hash_count = rp_malloc((r.docs ? r.docs : 1) * sizeof(uint32_t));
        if (!r.hashes || !r.hash_count) {
            st = RP_ENOMEM;
        } else {
            if (r.docs) {
                memcpy(r.hashes, keep->hashes, r.docs * sizeof(uint32_t *));
                memcpy(r.hash_count, keep->count, r.docs * sizeof(uint32_t));
            }
            r.borrowed = keep->hashes;
            r.keep_hashes = true;
        }
    }
    if (st == RP_OK)
        st = align_seeds(&r);
    if (st == RP_OK)
        st = collect_hits(&r);
    if (st == RP_OK) {
        *out = r.hits;
        memset(&r.hits, 0, sizeof(r.hits));
    }
    run_release(&r);
    return st;
}

rp_status rp_scan_finish(const rp_corpus *corpus, const rp_options *opts, rp_hits *hits,
                         rp_doc_stats *stats, const rp_scan_counts *counts,
                         rp_progress_fn progress, void *progress_ctx, rp_scan **out)
{
    run r;
    rp_scan *scan = rp_calloc(1, sizeof(*scan));
    rp_status st = stage_run(&r, corpus, opts, progress, progress_ctx);

    if (st == RP_OK && !scan)
        st = RP_ENOMEM;
    if (st == RP_OK) { /* the hits in the canonical order collect_hits gives them */
        memcpy(r.stats, stats, r.docs * sizeof(*stats));
        r.hits = *hits;
        memset(hits, 0, sizeof(*hits));
        scan->counts = *counts;
        scan->counts.alignments = r.hits.count;
        st = sort_hits(&r.hits);
        if (st == RP_OK)
            st = cluster_stage(&r, scan);
    }
    if (st != RP_OK) {
        run_release(&r);
        rp_scan_free(scan);
        return st;
    }
    scan_take(&r, scan, out);
    return RP_OK;
}
