/*
 * quotes.c - `reprint quotes`: each quotation (quotes_extract.c) is looked up in an index of
 * every 3-token shingle of the corpus that some quotation holds (short quotations need short
 * seeds, and the quotation side must not be winnowed away; a shingle in no quotation is never
 * looked up, so it is left out), found in one probe of a table of the index's runs; seeds of
 * one document are chained along the source, each chain's window is aligned with the whole
 * quotation (quotes_attrib.c), and the alignment's columns give the source's fidelity and its
 * differences (fidelity.c). Copies of one quotation text (the same token hashes) are
 * attributed once: the other copies are sources of each other without a search, only seeds
 * outside them are chained and aligned, and every copy lists the shared ranked sources less
 * itself, so the work is linear in the copies, not quadratic. A text quoted POPULAR_COPIES
 * times or more is a source by itself of a longer quotation holding it: each copy, grown by
 * the equal words beside it, is a candidate without an alignment, and its words seed nothing
 * for the longer one (which would otherwise align with every copy). Candidates are aligned
 * for the report only when listed. Documents with fewer seeds than a chain needs are dropped
 * before the seeds are sorted, by document first (most before their seeds are written, by an
 * upper bound of their count).
 *
 * Threads: documents are prepared, the index is made in slices and the texts are attributed
 * on the pool. What all threads read (qindex) is complete before they start; each has its own
 * scratch (work). Texts go in items of whole groups of copies fixed by the input; each item's
 * sources, differences and strings go to a part of its own, added to the result in item order,
 * so the result is the same for any number of threads.
 */
#include "quotes/quotes.h"
#include "corpus/corpus.h"
#include "base/pool.h"
#include "base/sort.h"
#include "scan/cluster.h"

#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#define XXH_INLINE_ALL /* a trigram each corpus position, a key step each quoted token: inline */
#include <xxhash.h>

#define SEED_K 3           /* tokens per seed shingle */
#define SEED_OCC_CAP 2000  /* a shingle found more often seeds nothing (stop-word runs) */
#define CHAIN_GAP 50       /* tokens between seeds of one chain beyond the quotation's length */
#define WINDOW_PAD 8       /* tokens of source around a chain's projected ends */
#define MIN_SEED_SHARE 0.2 /* a chain needs seeds at this share of the quotation's shingles */
#define MIN_COVER 0.65     /* a source matches at least this share of the quotation's tokens */
#define POPULAR_COPIES 100 /* a text quoted this often is a source of a quotation holding it */
#define MAX_SLICES 8       /* the index's slices at most (the merge compares one entry a slice) */
#define TRIGRAM_SEED 0x71756f746573ULL /* "quotes" */
#define LOOKUP_AHEAD 8  /* shingles whose table slot is fetched ahead of their lookup */
#define ENTRY_AHEAD 16  /* index entries whose token is fetched ahead of their seed */
#define WINDOW_AHEAD 16 /* windows whose first source tags are fetched ahead of their bound */
#define TAG_WORDS 1024  /* a set of 16-bit tags, one bit each */

void rp_quotes_options_init(rp_quotes_options *qopts)
{
    qopts->min_words = 6;
    qopts->max_sources = 10;
}

/* One document's tokens, quotations and which tokens stand inside quotation marks. */
typedef struct docdata {
    rp_tokens toks;
    rp_qspans spans;
    uint8_t *inq;
    struct qrec *recs; /* its quotations to attribute, until collect_recs takes them */
    size_t rec_count, rec_cap;
    uint32_t *marks; /* documents of MARK_MIN bytes or more: the line and column at every
                      * MARK_STEP bytes ((i + 1) * MARK_STEP at marks[2i], marks[2i + 1]) */
} docdata;

/* A quotation's or a source's line and column are counted from the nearest mark before it, not
 * from the document's start: thousands of quotations in one long document would each scan it
 * from the top (quadratic in the document). 8 bytes of marks for every 4 KiB of text. */
#define MARK_STEP 4096u
#define MARK_MIN (16u * MARK_STEP)

/* dd->marks for a document of MARK_MIN bytes or more (NULL for a shorter one). */
static rp_status make_marks(const rp_doc *d, docdata *dd)
{
    if (d->len < MARK_MIN)
        return RP_OK;
    size_t n = d->len / MARK_STEP;
    uint32_t line = 1, col = 1;
    if (!(dd->marks = rp_malloc(2 * n * sizeof(uint32_t))))
        return RP_ENOMEM;
    for (size_t i = 0; i < n; i++) {
        rp_cluster_line_col(d->bytes, i * MARK_STEP, line, col, (i + 1) * MARK_STEP, &line, &col);
        dd->marks[2 * i] = line;
        dd->marks[2 * i + 1] = col;
    }
    return RP_OK;
}

/* The line and column (1-based, columns in characters) of byte off of document d. */
static void doc_line_col(const rp_doc *d, const docdata *dd, size_t off, uint32_t *line,
                         uint32_t *col)
{
    size_t i = off / MARK_STEP; /* marks before off: i (the i-th is at i * MARK_STEP) */
    if (dd->marks && i > 0)
        rp_cluster_line_col(d->bytes, i * MARK_STEP, dd->marks[2 * (i - 1)],
                            dd->marks[2 * (i - 1) + 1], off, line, col);
    else
        rp_cluster_line_col(d->bytes, 0, 1, 1, off, line, col);
}

/* The last place memo_line_col counted to, to count on from: copies of a text are attributed
 * in (document, position) order, thousands of them in one long document. */
typedef struct lc_memo {
    uint32_t doc, line, col;
    size_t off;
    bool set;
} lc_memo;

/* doc_line_col for byte off of document doc, counted from m's place when that lies in the same
 * document between off and the mark doc_line_col would count from (the same answer, less
 * text read); m moves to off. */
static void memo_line_col(lc_memo *m, const rp_doc *d, const docdata *dd, uint32_t doc, size_t off,
                          uint32_t *line, uint32_t *col)
{
    size_t mark = dd->marks ? off / MARK_STEP * MARK_STEP : 0;
    if (m->set && m->doc == doc && m->off <= off && m->off >= mark)
        rp_cluster_line_col(d->bytes, m->off, m->line, m->col, off, line, col);
    else
        doc_line_col(d, dd, off, line, col);
    *m = (lc_memo){doc, *line, *col, off, true};
}

/* A source of one quotation text while the result is built. */
typedef struct cand {
    uint32_t doc, t_start, t_end; /* token range in the source document */
    uint32_t matches, columns;
    bool quoted;
    bool copy;                /* another copy of the text: every column the same token */
    bool inner;               /* a copy of a popular text the quotation holds at token inner_at */
    size_t ops_off;           /* its alignment's columns in work.group_ops (not for a copy) */
    uint32_t ops_count;       /* UINT32_MAX: not aligned yet (ensure_ops) */
    uint32_t s_first, s_last; /* source tokens of the alignment, absolute */
    uint32_t inner_at;
    size_t seq;            /* its place before a sort: ties keep their order (dedupe_cands) */
    uint32_t line, column; /* of its first source token, once lc_known (add_source) */
    bool lc_known;
} cand;

/* A quotation to attribute: token range [qs, qe) of doc's span; ordinal is its place in the
 * result ((doc, start) order); key hashes its token hashes, so that copies sort together. */
typedef struct qrec {
    uint64_t key;
    uint32_t doc, span, qs, qe;
    size_t ordinal;
    bool quoted; /* most of its tokens stand inside quotation marks (a nested one's are) */
} qrec;

/* A text quoted at least POPULAR_COPIES times: its copies are recs[first, first + count). */
typedef struct popular {
    uint64_t head; /* the shingle of its first SEED_K tokens */
    size_t first, count;
    uint32_t m;
    size_t out_first, out_count; /* its runs in qindex.pruns (outside_copies) */
} popular;

/* The index entries of one shingle of a popular text that lie outside its copies: work.pidx
 * [first, first + count). */
typedef struct prun {
    uint64_t hash;
    size_t first, count;
} prun;

/* A popular text that the text being attributed holds, at its token at. */
typedef struct held {
    const popular *p;
    uint32_t at;
} held;

/* Token range [a, b) of doc where no seed of the text is taken: one of its copies, or a copy
 * of a popular text it holds; disjoint and in (doc, a) order once merged. */
typedef struct span3 {
    uint32_t doc, a, b;
} span3;

typedef struct hit {
    uint32_t doc, pos, qi;
} hit;

/* Source tokens [lo, hi) of doc: a chain's window, to be bounded and aligned (chain_hits). */
typedef struct window {
    uint32_t doc, lo, hi;
} window;

/* A run of equal hashes in the index, in its table (build_directory). */
typedef struct run_slot {
    uint64_t hash;
    size_t first; /* SIZE_MAX: empty */
    size_t count;
} run_slot;

/* What every thread of a run reads and none writes once attribute_all has built it: the
 * documents, the shingle index and its table of runs, the quotations to attribute (sorted, so
 * that copies stand together) and the popular texts with their entries outside their copies. */
typedef struct qindex {
    const rp_corpus *corpus;
    docdata *docs;
    uint32_t *edoc, *epos; /* the index: document and token of each entry, by (hash, doc, pos); */
                           /* epos lies in edoc's block (build_index) */
    size_t index_count;
    run_slot *dir; /* build_directory: each hash's entries */
    size_t dir_mask;
    qrec *recs; /* every quotation to attribute */
    size_t rec_count, rec_cap;
    popular *pop; /* the popular texts, in head order */
    size_t pop_count, pop_cap;
    prun *pruns; /* per popular text, by hash: its shingles' entries outside its copies */
    size_t prun_count, prun_cap;
    size_t *pidx; /* the entries of pruns */
    size_t pidx_count, pidx_cap;
    uint16_t *tags;  /* every token's tag (its hash's top 16 bits), document after document: a */
    size_t *tag_off; /* window's bound reads these, in one block; per document, where its */
} qindex;            /* tags start (and one past the last: tag_off[d + 1] - tag_off[d] tokens) */

/* Scratch of one thread: the text being attributed, its seeds, candidates and alignments. */
typedef struct work {
    const qindex *x;
    hit *hits;
    size_t hit_count, hit_cap;
    hit *spare; /* sort_seeds' other buffer */
    size_t spare_cap;
    uint32_t *stamp;
    size_t stamp_cap;
    cand *cands;
    size_t cand_count, cand_cap;
    window *wins; /* the text's windows (chain_hits) */
    size_t win_count, win_cap;
    uint64_t *qh, *sh;
    size_t qh_cap, sh_cap;
    rp_qalign al;
    rp_qops ops;
    const qrec *group; /* the copies of the text being attributed, in (doc, qs) order */
    size_t group_count;
    held *held; /* the popular texts it holds */
    size_t held_count, held_cap;
    span3 *blk; /* where the text's seeds are not taken (block_copies) */
    size_t blk_count, blk_cap;
    span3 *blk2; /* merge_copies' other buffer */
    size_t blk2_cap;
    size_t blk_copies;  /* copies behind blk: own ones and the held texts' */
    uint8_t *group_ops; /* the columns of its candidates' alignments */
    size_t group_ops_len, group_ops_cap;
    uint8_t *same; /* m columns of RP_QOP_SAME: a copy's alignment */
    size_t same_cap;
    rp_fingerprint *tg; /* the text's shingles, sorted (repeats looked up once) */
    size_t tg_cap;
    struct slist *lists; /* the index entries of its distinct shingles (list_shingles) */
    size_t list_count, list_cap;
    uint64_t *order; /* count_doc_hits: the lists by length (length << 32 | list) */
    size_t order_cap;
    cand *placed; /* the kept candidates in (doc, position) order */
    size_t placed_cap;
    lc_memo quote_lc, source_lc; /* add_quote's and add_source's last line and column */
    uint64_t *taken; /* dedupe_cands: a document's tokens under kept candidates (clear between) */
    size_t taken_cap;
    uint32_t *doc_hits; /* per document: hits of the text (keep_busy_docs; zero between) */
    uint32_t *touched;  /* the documents counted there */
    uint64_t *tab_key;  /* the text's tags counted (count_text, may_cover) */
    uint32_t *tab_count, *tab_used, *tab_stamp, tab_window;
    uint32_t cover;      /* the tokens a source must match (MIN_COVER of the text, SEED_K at least) */
    uint64_t tagset[TAG_WORDS]; /* the tags of the text's tokens (count_text), one bit each */
    const rp_token *tag_text;   /* the text whose tags are set in tagset, and its length */
    uint32_t tag_m;
    size_t tab_cap, tab_count_cap, tab_used_cap, tab_stamp_cap, tab_mask;
} work;

/* ---- per-document preparation and the shingle index ---- */

static uint64_t trigram(const rp_token *t)
{
    uint64_t h[SEED_K] = {t[0].hash, t[1].hash, t[2].hash};
    return XXH3_64bits_withSeed(h, sizeof(h), TRIGRAM_SEED);
}

/* First token starting at or after off. */
static uint32_t token_at(const rp_tokens *toks, size_t off)
{
    size_t lo = 0, hi = toks->count;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (toks->items[mid].start < off)
            lo = mid + 1;
        else
            hi = mid;
    }
    return (uint32_t)lo;
}

/* Token range [*a, *b) of the tokens lying inside byte range [start, end). */
static void token_range(const rp_tokens *toks, size_t start, size_t end, uint32_t *a, uint32_t *b)
{
    *a = token_at(toks, start);
    *b = token_at(toks, end);
    while (*b > *a && toks->items[*b - 1].end > end)
        (*b)--;
}

static inline uint16_t token_tag(uint64_t hash)
{
    return (uint16_t)(hash >> 48);
}

/* A document's tokens are made in room for about a token every 4 bytes (prose has one every
 * 5-6; at most TOKENS_AHEAD, past which they grow as before), then the room is cut to what they
 * take: grown a half at a time from 8, they were copied a dozen times each and kept up to half
 * as much room again unused, fresh pages (the tokens are the run's largest block) that the
 * kernel zeroes. */
#define TOKENS_AHEAD ((size_t)1 << 20)
static rp_status prepare_doc(const rp_options *opts, const rp_doc *d, docdata *dd)
{
    size_t room = d->len / 4 + 8;
    rp_status st = RP_GROW(dd->toks.items, dd->toks.cap, room < TOKENS_AHEAD ? room : TOKENS_AHEAD);
    if (st == RP_OK)
        st = rp_text_tokenize_doc(opts, d, false, &dd->toks);
    if (st == RP_OK && dd->toks.cap > dd->toks.count + 1) {
        rp_token *fit = rp_realloc(dd->toks.items, (dd->toks.count + 1) * sizeof(*fit));
        if (fit)
            dd->toks.items = fit, dd->toks.cap = dd->toks.count + 1;
    }
    if (st == RP_OK)
        st = rp_quotes_extract(d->bytes, d->len, &dd->spans);
    if (st != RP_OK)
        return st;
    dd->inq = rp_calloc(dd->toks.count + 1, 1);
    if (!dd->inq)
        return RP_ENOMEM;
    for (size_t i = 0; i < dd->spans.count; i++) {
        uint32_t a, b;
        token_range(&dd->toks, dd->spans.items[i].start, dd->spans.items[i].end, &a, &b);
        memset(dd->inq + a, 1, b > a ? b - a : 0);
    }
    return RP_OK;
}

/* Index entries and seeds sort with the library's inlined introsort (no equal entries are
 * distinguishable, so stability does not matter): qsort's callback took most of the time. */
static inline bool fp_less(const rp_fingerprint *a, const rp_fingerprint *b)
{
    if (a->hash != b->hash)
        return a->hash < b->hash;
    return a->doc != b->doc ? a->doc < b->doc : a->pos < b->pos;
}

static inline bool hit_less(const hit *a, const hit *b)
{
    if (a->doc != b->doc)
        return a->doc < b->doc;
    return a->pos != b->pos ? a->pos < b->pos : a->qi < b->qi;
}

RP_DEFINE_SORT(sort_fps, rp_fingerprint, fp_less)
RP_DEFINE_SORT(sort_hits, hit, hit_less)

static inline bool u32_less(const uint32_t *a, const uint32_t *b)
{
    return *a < *b;
}

RP_DEFINE_SORT(sort_u32, uint32_t, u32_less)

RP_DEFINE_SORT(sort_u64, uint64_t, RP_SORT_LESS_NUM)

/* Where each run of equal index hashes starts and how long it is, in an open-addressed table
 * (a power of two at least twice the runs) keyed by the hash: a lookup is one probe, where a
 * binary search of the index missed the cache at each step. The table takes over block (OWNED:
 * the sorted slices' buffer, done with), whose pages are in memory already: fresh ones cost
 * their zeroing, a tenth of a run on passage x10,000. */
static rp_status build_directory(qindex *x, const uint64_t *hash, void *block)
{
    size_t runs = 0, cap = 16;

    for (size_t k = 0; k < x->index_count; k++)
        runs += k == 0 || hash[k] != hash[k - 1];
    while (cap < 2 * runs)
        cap *= 2;
    x->dir = rp_realloc(block, cap * sizeof(*x->dir));
    if (!x->dir) {
        rp_free(block);
        return RP_ENOMEM;
    }
    x->dir_mask = cap - 1;
    for (size_t i = 0; i < cap; i++)
        x->dir[i].first = SIZE_MAX;
    for (size_t k = 0, j; k < x->index_count; k = j) {
        size_t slot = (size_t)(hash[k] >> 32 ^ hash[k]) & x->dir_mask;
        for (j = k + 1; j < x->index_count && hash[j] == hash[k]; j++)
            ;
        while (x->dir[slot].first != SIZE_MAX)
            slot = (slot + 1) & x->dir_mask;
        x->dir[slot] = (run_slot){hash[k], k, j - k};
    }
    return RP_OK;
}

/* The shingle hashes of every quotation to attribute, as a filter of bits (a power of two, at
 * least 8 a shingle; a hash sets the bit its low bits name): a shingle whose bit is clear is in
 * no quotation. A set bit may be another's: such entries are indexed but never looked up. The
 * quotations set their bits on the pool, FILTER_RECS a pool item (an OR: in any order). */
#define FILTER_RECS 1024

typedef struct shingle_filter {
    _Atomic uint64_t *bits;
    size_t mask;
    const qindex *x;
} shingle_filter;

static bool filter_has(const shingle_filter *f, uint64_t h)
{
    size_t b = (size_t)h & f->mask;
    return (atomic_load_explicit(&f->bits[b / 64], memory_order_relaxed) >> (b % 64)) & 1;
}

static rp_status filter_task(void *ctx, size_t item, unsigned worker)
{
    shingle_filter *f = ctx;
    size_t end = (item + 1) * FILTER_RECS;

    (void)worker;
    for (size_t i = item * FILTER_RECS; i < end && i < f->x->rec_count; i++) {
        const qrec *q = &f->x->recs[i];
        const rp_token *t = f->x->docs[q->doc].toks.items;
        for (uint32_t p = q->qs; p + SEED_K <= q->qe; p++) {
            size_t bit = (size_t)trigram(t + p) & f->mask;
            atomic_fetch_or_explicit(&f->bits[bit / 64], (uint64_t)1 << (bit % 64),
                                     memory_order_relaxed);
        }
    }
    return RP_OK;
}

static rp_status wanted_shingles(const qindex *x, shingle_filter *f, unsigned threads)
{
    size_t n = 0, cap = 512;

    for (size_t i = 0; i < x->rec_count; i++)
        n += x->recs[i].qe - x->recs[i].qs - SEED_K + 1;
    while (cap < 8 * n)
        cap *= 2;
    f->bits = rp_calloc(cap / 64, sizeof(*f->bits));
    if (!f->bits)
        return RP_ENOMEM;
    f->mask = cap - 1;
    f->x = x;
    return rp_pool_run(threads, (x->rec_count + FILTER_RECS - 1) / FILTER_RECS, filter_task, f,
                       "quotes", NULL, NULL);
}

/* The index is made in slices of the documents (about equal shingles each, one a thread up to 8) on
 * the pool: each slice's entries are found and sorted alone, then the sorted slices are merged
 * (the order is total, so the index is the same for any number of slices). */
typedef struct index_job {
    const qindex *x;
    const shingle_filter *set;
    rp_fingerprint *fps, *sorted; /* a slice's entries as found, and sorted (at the same place) */
    size_t *doc_first;            /* per slice: its first document (and one past the last slice) */
    size_t *off;                  /* per slice: where its entries start in fps */
    size_t *kept;                 /* per slice: how many it kept */
} index_job;

/* Sorts the n entries of a bucket, in (doc, pos) order, by hash: an insertion sort, stable,
 * so that equal hashes keep their (doc, pos) order. A bucket holds about 32 entries, more
 * where a hash is popular (its copies come in order: few moves); two popular hashes in one
 * bucket, interleaved, would cost the product of their counts (a text repeating two trigrams
 * whose hashes share their top bits, easily made: hours at a million copies each), so a large
 * bucket past SORT_BUCKET_MOVES moves an entry is left to the introsort by (hash, doc, pos),
 * the same order ((doc, pos) is unique). */
#define SORT_BUCKET_SMALL 64
#define SORT_BUCKET_MOVES 32
static void sort_bucket(rp_fingerprint *b, size_t n)
{
    size_t budget = n <= SORT_BUCKET_SMALL ? SIZE_MAX : SORT_BUCKET_MOVES * n;

    for (size_t i = 1; i < n; i++) {
        rp_fingerprint f = b[i];
        size_t k = i;
        for (; k > 0 && b[k - 1].hash > f.hash; k--)
            b[k] = b[k - 1];
        b[k] = f;
        if (i - k > budget) {
            sort_fps(b, n);
            return;
        }
        budget -= i - k;
    }
}

/* Sorts n entries of fps (found in (doc, pos) order) by (hash, doc, pos) into out: placed by
 * the top bits of the hash first (a counting pass, about 32 entries a bucket; the placing
 * keeps their order), then each bucket sorted alone in the cache by hash, stably. One
 * introsort of the whole slice took a seventh of a run on passage x10,000. */
static rp_status sort_slice(const rp_fingerprint *fps, rp_fingerprint *out, size_t n)
{
    unsigned bits = 1;
    size_t *at;

    if (n < 4096) {
        memcpy(out, fps, n * sizeof(*out));
        if (n > 1)
            sort_fps(out, n);
        return RP_OK;
    }
    while (bits < 20 && (n >> (bits + 5)) > 0)
        bits++;
    at = rp_calloc(((size_t)1 << bits) + 1, sizeof(*at));
    if (!at)
        return RP_ENOMEM;
    for (size_t i = 0; i < n; i++)
        at[(fps[i].hash >> (64 - bits)) + 1]++;
    for (size_t b = 1; b <= ((size_t)1 << bits); b++)
        at[b] += at[b - 1];
    for (size_t i = 0; i < n; i++)
        out[at[fps[i].hash >> (64 - bits)]++] = fps[i];
    for (size_t b = 0, first = 0; b < ((size_t)1 << bits); b++) { /* at[b]: bucket b's end */
        if (at[b] - first > 1)
            sort_bucket(out + first, at[b] - first);
        first = at[b];
    }
    rp_free(at);
    return RP_OK;
}

static rp_status index_task(void *ctx, size_t s, unsigned worker)
{
    index_job *j = ctx;
    size_t k = j->off[s];

    (void)worker;
    for (size_t d = j->doc_first[s]; d < j->doc_first[s + 1]; d++) {
        const rp_tokens *t = &j->x->docs[d].toks;
        uint16_t *tag = j->x->tags + j->x->tag_off[d];
        for (size_t p = 0; p < t->count; p++)
            tag[p] = token_tag(t->items[p].hash);
        /* every entry written, kept by its bit: no branch on the filter's reads (at random),
         * so that they overlap */
        for (size_t p = 0; p + SEED_K <= t->count; p++) {
            uint64_t h = trigram(t->items + p);
            j->fps[k] = (rp_fingerprint){h, (uint32_t)d, (uint32_t)p};
            k += filter_has(j->set, h);
        }
    }
    j->kept[s] = k - j->off[s];
    return sort_slice(j->fps + j->off[s], j->sorted + j->off[s], j->kept[s]);
}

/* The sorted slices are merged in as many ranges of hashes (equal shares of the 64-bit space),
 * each on the pool: range p takes entries from[p * slices + s] to from[(p + 1) * slices + s]
 * of slice s, and writes them from out[p] on. */
typedef struct merge_job {
    qindex *x;
    const index_job *j;
    uint64_t *hash;
    size_t slices;
    size_t *from, *out, *head; /* head: slices cursors a range */
} merge_job;

/* The first entry of fps[lo, hi) (sorted) whose hash is at least h. */
static size_t first_hash(const rp_fingerprint *fps, size_t lo, size_t hi, uint64_t h)
{
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (fps[mid].hash < h)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

static rp_status merge_task(void *ctx, size_t p, unsigned worker)
{
    merge_job *m = ctx;
    const rp_fingerprint *fps = m->j->sorted;
    const size_t *from = m->from + p * m->slices, *to = from + m->slices;
    size_t *head = m->head + p * m->slices;

    (void)worker;
    memcpy(head, from, m->slices * sizeof(*head));
    for (size_t k = m->out[p]; k < m->out[p + 1]; k++) {
        size_t best = SIZE_MAX;
        for (size_t s = 0; s < m->slices; s++)
            if (head[s] < to[s] && (best == SIZE_MAX || fp_less(&fps[head[s]], &fps[head[best]])))
                best = s;
        const rp_fingerprint *f = &fps[head[best]++];
        m->hash[k] = f->hash;
        m->x->edoc[k] = f->doc;
        m->x->epos[k] = f->pos;
    }
    return RP_OK;
}

/* Merges the sorted slices into the index's columns and hash (one a merged entry). */
static rp_status merge_slices(qindex *x, const index_job *j, size_t slices, unsigned threads,
                              uint64_t *hash)
{
    size_t ranges = slices;
    merge_job m = {x, j, hash, slices, NULL, NULL, NULL};
    size_t *tab = rp_malloc((2 * (ranges + 1) * slices + ranges + 1) * sizeof(*tab));
    rp_status st;

    if (!tab)
        return RP_ENOMEM;
    m.from = tab, m.head = tab + (ranges + 1) * slices, m.out = m.head + (ranges + 1) * slices;
    for (size_t p = 0; p <= ranges; p++) {
        uint64_t h = (UINT64_MAX / ranges) * p;
        m.out[p] = 0;
        for (size_t s = 0; s < slices; s++) {
            size_t lo = j->off[s], hi = lo + j->kept[s];
            size_t at = p == 0 ? lo : p == ranges ? hi : first_hash(j->sorted, lo, hi, h);
            m.from[p * slices + s] = at;
            m.out[p] += at - lo;
        }
    }
    st = rp_pool_run(threads, ranges, merge_task, &m, "quotes", NULL, NULL);
    rp_free(tab);
    return st;
}

/* Every 3-token shingle of the corpus that some quotation to attribute holds (the others are
 * never looked up: leaving them out changes no lookup), sorted by (hash, doc, pos); and every
 * token's tag (x->tags, read in the same pass). Fresh memory costs its zeroing (a sixth of a
 * run on passage x10,000), so the blocks are used twice: the entries as found give way to the
 * index's columns and hashes (16 bytes an entry either way), the sorted slices to the table. */
static rp_status build_index(qindex *x, size_t ndocs, unsigned threads)
{
    shingle_filter set = {NULL, 0, NULL};
    size_t total = 0, slices = threads < MAX_SLICES ? threads : MAX_SLICES, done = 0, s = 0;
    size_t *tab = NULL;
    uint64_t *hash = NULL;
    index_job j = {x, &set, NULL, NULL, NULL, NULL, NULL};
    rp_status st;

    for (size_t d = 0; d < ndocs; d++)
        total += x->docs[d].toks.count >= SEED_K ? x->docs[d].toks.count - SEED_K + 1 : 0;
    if (x->rec_count == 0)
        total = 0;
    if ((st = wanted_shingles(x, &set, threads)) != RP_OK)
        return st;
    tab = rp_calloc(3 * (slices + 1), sizeof(*tab));
    j.fps = rp_malloc((total ? total : 1) * sizeof(*j.fps));
    j.sorted = rp_malloc((total ? total : 1) * sizeof(*j.sorted));
    st = tab && j.fps && j.sorted ? RP_OK : RP_ENOMEM;
    if (st == RP_OK) {
        j.doc_first = tab, j.off = tab + slices + 1, j.kept = tab + 2 * (slices + 1);
        for (size_t d = 0; d < ndocs && total > 0; d++) { /* slice s ends past s+1 shares */
            while (s < slices && done * slices >= total * s)
                j.doc_first[s] = d, j.off[s++] = done;
            done += x->docs[d].toks.count >= SEED_K ? x->docs[d].toks.count - SEED_K + 1 : 0;
        }
        for (; s <= slices; s++)
            j.doc_first[s] = total > 0 ? ndocs : 0, j.off[s] = done;
        st = rp_pool_run(threads, slices, index_task, &j, "quotes", NULL, NULL);
    }
    rp_free((void *)set.bits);
    for (s = 0; s < slices && st == RP_OK; s++)
        x->index_count += j.kept[s];
    if (st == RP_OK) { /* the columns and the hashes where the entries were found */
        size_t n = x->index_count;
        x->edoc = (uint32_t *)j.fps, j.fps = NULL;
        x->epos = x->edoc + n;
        hash = (uint64_t *)(x->epos + n);
        st = merge_slices(x, &j, slices, threads, hash);
    }
    rp_free(j.fps);
    rp_free(tab);
    if (st != RP_OK) {
        rp_free(j.sorted);
        return st;
    }
    if ((st = build_directory(x, hash, j.sorted)) == RP_OK) { /* the hashes' pages handed back */
        uint32_t *cols = rp_realloc(x->edoc, (2 * x->index_count + 1) * sizeof(*cols));
        if (cols) /* else the block stays as it was, hashes and all */
            x->edoc = cols, x->epos = cols + x->index_count;
    }
    return st;
}

/* The index entries of one shingle hash: [*first, *first + *count). */
static void lookup(const qindex *x, uint64_t h, size_t *first, size_t *count)
{
    size_t slot = (size_t)(h >> 32 ^ h) & x->dir_mask;

    while (x->dir[slot].first != SIZE_MAX && x->dir[slot].hash != h)
        slot = (slot + 1) & x->dir_mask;
    *first = x->dir[slot].first == SIZE_MAX ? 0 : x->dir[slot].first;
    *count = x->dir[slot].first == SIZE_MAX ? 0 : x->dir[slot].count;
}

/* Asks the memory for the table slot where a lookup of h starts (lookup itself comes a few
 * shingles later): each lookup is a cache miss, and independent ones can overlap. */
static inline void lookup_prefetch(const qindex *x, uint64_t h)
{
    __builtin_prefetch(&x->dir[(size_t)(h >> 32 ^ h) & x->dir_mask]);
}

/* ---- the copies of one text, and of the popular texts it holds ---- */

/* Does blocked span k end at or before (doc, pos)? */
static inline bool blk_before(const work *w, size_t k, uint32_t doc, uint32_t pos)
{
    return w->blk[k].doc < doc || (w->blk[k].doc == doc && w->blk[k].b <= pos);
}

/* Does a shingle at (doc, pos) touch a copy, of the text or of a popular text it holds? The
 * blocked spans are disjoint and sorted, so the first ending after pos is the one to test;
 * *at is a cursor for one shingle's entries, met in (doc, pos) order: it moves forward by
 * doubling steps, then a binary search, so a run over n entries and s spans costs about
 * n log(s / n) steps, not n log s. */
static bool in_copy(const work *w, size_t *at, uint32_t doc, uint32_t pos)
{
    size_t lo = *at, step = 1, hi;

    while (lo + step < w->blk_count && blk_before(w, lo + step, doc, pos))
        lo += step, step *= 2;
    hi = lo + step < w->blk_count ? lo + step : w->blk_count;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (blk_before(w, mid, doc, pos))
            lo = mid + 1;
        else
            hi = mid;
    }
    *at = lo;
    return lo < w->blk_count && w->blk[lo].doc == doc && w->blk[lo].a < pos + SEED_K;
}

/* The first copy at or after (doc, pos) in the group (group_count when none). */
static size_t copy_from(const work *w, uint32_t doc, uint32_t pos)
{
    size_t lo = 0, hi = w->group_count;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        const qrec *c = &w->group[mid];
        if (c->doc < doc || (c->doc == doc && c->qs < pos))
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

/* Is there a copy in doc between source tokens a and b (a < b)? Chains never cross one (they
 * may cross a held popular text's copy: a longer source can hold it as the text does). */
static bool copy_between(const work *w, uint32_t doc, uint32_t a, uint32_t b)
{
    size_t i = copy_from(w, doc, a + 1);
    return i < w->group_count && w->group[i].doc == doc && w->group[i].qs < b;
}

/* Does token range [a, b) of doc overlap a copy? (Copies all have the text's m tokens.) */
static bool on_copy(const work *w, uint32_t doc, uint32_t a, uint32_t b, uint32_t m)
{
    size_t i = copy_from(w, doc, a + 1 > m ? a + 1 - m : 0);
    return i < w->group_count && w->group[i].doc == doc && w->group[i].qs < b;
}

/* Narrows window [*lo, *hi) of a chain with seeds from first to last to the room between the
 * copies around it in doc: a copy is a source by itself, never part of a window. */
static void clip_to_copies(const work *w, uint32_t doc, uint32_t first, uint32_t last, int64_t *lo,
                           int64_t *hi)
{
    size_t i = copy_from(w, doc, first);

    if (i < w->group_count && w->group[i].doc == doc && w->group[i].qs < *hi)
        *hi = w->group[i].qs > last ? w->group[i].qs : *hi;
    if (i > 0 && w->group[i - 1].doc == doc && w->group[i - 1].qe > *lo)
        *lo = w->group[i - 1].qe;
}

/* Merges copies c[0..n) (in (doc, qs) order) into the blocked spans (kept in that order). */
static rp_status merge_copies(work *w, const qrec *c, size_t n)
{
    size_t total = w->blk_count + n, i = 0, j = 0, k = 0;
    span3 *swap;

    if (RP_GROW(w->blk2, w->blk2_cap, total + 1) != RP_OK)
        return RP_ENOMEM;
    while (i < w->blk_count || j < n) {
        bool from_c = j < n && (i == w->blk_count || c[j].doc < w->blk[i].doc ||
                                (c[j].doc == w->blk[i].doc && c[j].qs < w->blk[i].a));
        if (from_c)
            w->blk2[k++] = (span3){c[j].doc, c[j].qs, c[j].qe}, j++;
        else
            w->blk2[k++] = w->blk[i++];
    }
    swap = w->blk, w->blk = w->blk2, w->blk2 = swap;
    i = w->blk_cap, w->blk_cap = w->blk2_cap, w->blk2_cap = i;
    w->blk_count = total;
    return RP_OK;
}

/* The spans where no seed of the text is taken: its copies and those of every popular text
 * it holds (their words are sources by themselves), merged where they overlap. */
static rp_status block_copies(work *w)
{
    size_t kept = 0;
    rp_status st;

    w->blk_count = 0;
    w->blk_copies = w->group_count;
    if ((st = merge_copies(w, w->group, w->group_count)) != RP_OK)
        return st;
    for (size_t h = 0; h < w->held_count; h++) {
        const popular *p = w->held[h].p;
        w->blk_copies += p->count;
        if ((st = merge_copies(w, w->x->recs + p->first, p->count)) != RP_OK)
            return st;
    }
    for (size_t i = 0; i < w->blk_count; i++) {
        span3 *k = kept ? &w->blk[kept - 1] : NULL;
        if (k && k->doc == w->blk[i].doc && w->blk[i].a < k->b)
            k->b = w->blk[i].b > k->b ? w->blk[i].b : k->b;
        else
            w->blk[kept++] = w->blk[i];
    }
    w->blk_count = kept;
    return RP_OK;
}

/* ---- seeds and chains of one quotation text ---- */

static inline bool prun_less(const prun *a, const prun *b)
{
    return a->hash < b->hash;
}

RP_DEFINE_SORT(sort_pruns, prun, prun_less)

/* Does a shingle at (doc, pos) touch a copy of popular text p (copies of m tokens, in (doc,
 * qs) order)? */
static bool on_popular(const qindex *x, const popular *p, uint32_t doc, uint32_t pos)
{
    const qrec *c = x->recs + p->first;
    uint32_t from = pos + 1 > p->m ? pos + 1 - p->m : 0;
    size_t lo = 0, hi = p->count;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (c[mid].doc < doc || (c[mid].doc == doc && c[mid].qs < from))
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo < p->count && c[lo].doc == doc && c[lo].qs < pos + SEED_K;
}

/* Once per popular text, before the texts are attributed: the index entries of each of its
 * shingles that lie outside its copies. A quotation holding it takes its seeds for those
 * shingles from here instead of testing every copy's entry again (which made the work
 * quotations x copies). */
static rp_status outside_copies(qindex *x, popular *p)
{
    const qrec *c = x->recs + p->first;
    const rp_token *t = x->docs[c->doc].toks.items + c->qs;
    size_t start = x->prun_count;

    for (uint32_t k = 0; k + SEED_K <= p->m; k++) {
        uint64_t h = trigram(t + k);
        bool seen = false;
        for (size_t i = start; i < x->prun_count && !seen; i++)
            seen = x->pruns[i].hash == h;
        if (seen)
            continue;
        size_t first, count;
        lookup(x, h, &first, &count);
        if (RP_GROW(x->pruns, x->prun_cap, x->prun_count + 1) != RP_OK ||
            RP_GROW(x->pidx, x->pidx_cap, x->pidx_count + count + 1) != RP_OK)
            return RP_ENOMEM;
        prun *r = &x->pruns[x->prun_count++];
        *r = (prun){h, x->pidx_count, 0};
        for (size_t e = first; e < first + count; e++)
            if (!on_popular(x, p, x->edoc[e], x->epos[e]))
                x->pidx[x->pidx_count++] = e, r->count++;
    }
    p->out_first = start;
    p->out_count = x->prun_count - start;
    if (p->out_count > 1)
        sort_pruns(x->pruns + start, p->out_count);
    return RP_OK;
}

/* The entries outside its copies of shingle hash h at text positions tg[0..r), when a held
 * popular text holds one of those positions: true and *ids, *count; false to read the index. */
static bool held_entries(const work *w, const rp_fingerprint *tg, size_t r, const size_t **ids,
                         size_t *count)
{
    for (size_t hi = 0; hi < w->held_count; hi++) {
        const popular *p = w->held[hi].p;
        uint32_t at = w->held[hi].at;
        bool inside = false;
        for (size_t k = 0; k < r && !inside; k++)
            inside = tg[k].pos >= at && tg[k].pos + SEED_K <= at + p->m;
        if (!inside)
            continue;
        size_t lo = p->out_first, top = p->out_first + p->out_count;
        while (lo < top) {
            size_t mid = lo + (top - lo) / 2;
            if (w->x->pruns[mid].hash < tg[0].hash)
                lo = mid + 1;
            else
                top = mid;
        }
        if (lo < p->out_first + p->out_count && w->x->pruns[lo].hash == tg[0].hash) {
            *ids = w->x->pidx + w->x->pruns[lo].first;
            *count = w->x->pruns[lo].count;
            return true;
        }
    }
    return false;
}

/* The distinct seeds a chain of a text of m tokens needs (chain_hits; at least 1). */
static uint32_t seeds_needed(uint32_t m)
{
    uint32_t need = (uint32_t)(MIN_SEED_SHARE * (m - SEED_K + 1));
    return need ? need : 1;
}

/* The index entries of one distinct shingle of the text that are read for its seeds. */
typedef struct slist {
    const size_t *ids; /* a held popular text's entries outside its copies, or NULL: */
    size_t first;      /* the index's run [first, first + n) */
    size_t n;
    size_t tg; /* its first place in w->tg */
    size_t r;  /* how often the text holds it */
} slist;

/* The entries of the text's shingles (tg[0..n), by hash then place): those of a shingle found
 * more than SEED_OCC_CAP times beyond what the copies hold are left out (a stop-word run,
 * whatever the copies hold); where a held popular text holds the shingle, only its entries
 * outside that text's copies (the others are in blocked spans). */
static rp_status list_shingles(work *w, size_t n)
{
    w->list_count = 0;
    for (size_t i = 0; i < n && i < LOOKUP_AHEAD; i++)
        lookup_prefetch(w->x, w->tg[i].hash);
    for (size_t i = 0, j; i < n; i = j) {
        size_t first, count, r;
        const size_t *ids = NULL;
        for (j = i + 1; j < n && w->tg[j].hash == w->tg[i].hash; j++)
            ;
        for (size_t k = i + LOOKUP_AHEAD; k < j + LOOKUP_AHEAD && k < n; k++)
            lookup_prefetch(w->x, w->tg[k].hash);
        r = j - i;
        lookup(w->x, w->tg[i].hash, &first, &count);
        if (count == 0 || count > SEED_OCC_CAP + w->blk_copies * r)
            continue;
        __builtin_prefetch(w->x->edoc + first);
        __builtin_prefetch(w->x->epos + first);
        bool in_held = held_entries(w, w->tg + i, r, &ids, &count);
        if (RP_GROW(w->lists, w->list_cap, w->list_count + 1) != RP_OK)
            return RP_ENOMEM;
        w->lists[w->list_count++] = (slist){in_held ? ids : NULL, first, count, i, r};
    }
    return RP_OK;
}

/* An upper bound of the distinct places of the text that each document's seeds can hold (a
 * chain needs `need` of them): the sum of r over the text's shingles the document holds
 * outside the copies (before the cap is taken into account), in w->doc_hits, its documents in
 * w->touched[0..*touched). The shortest lists are counted first; false as soon as no document
 * can reach need any more (its count so far and every list left, all of them, fall short): the
 * text then has no chain, and the longest lists are not read at all. */
static bool count_doc_hits(work *w, uint32_t need, size_t *touched)
{
    const uint32_t *edoc = w->x->edoc;
    size_t rest = 0;
    uint32_t top = 0;

    *touched = 0;
    for (size_t l = 0; l < w->list_count; l++) {
        uint64_t n = w->lists[l].n < UINT32_MAX ? w->lists[l].n : UINT32_MAX;
        w->order[l] = n << 32 | l;
        rest += w->lists[l].r;
    }
    if (w->list_count > 1)
        sort_u64(w->order, w->list_count);
    for (size_t k = 0; k < w->list_count; k++) {
        const slist *s = &w->lists[(uint32_t)w->order[k]];
        uint32_t prev = UINT32_MAX; /* a list's entries come by (doc, pos) */
        size_t at = 0, b = 0;       /* in_copy's cursor; the first blocked span not before d */
        rest -= s->r;
        for (size_t i = 0; i < s->n; i++) {
            size_t e = s->ids ? s->ids[i] : s->first + i;
            if (!s->ids && i % 16 == 0) /* a long list's next lines, ahead of their reading */
                __builtin_prefetch(edoc + e + 64);
            uint32_t d = edoc[e], c;
            if (d == prev)
                continue;
            while (b < w->blk_count && w->blk[b].doc < d)
                b++;
            if (b < w->blk_count && w->blk[b].doc == d && in_copy(w, &at, d, w->x->epos[e]))
                continue; /* a copy's shingle is never a seed */
            prev = d;
            c = w->doc_hits[d];
            w->touched[*touched] = d; /* kept when d is new (no branch to mispredict) */
            *touched += c == 0;
            c += (uint32_t)s->r;
            w->doc_hits[d] = c;
            top = c > top ? c : top;
        }
        if (top + rest < need)
            return false;
    }
    return true;
}

/* Seeds of list s at its r places in the text: every entry outside the copies, unless more
 * than SEED_OCC_CAP are. With need > 1, documents whose w->doc_hits bound is below need get
 * none (keep_busy_docs would drop them), and are only counted for the cap. */
static rp_status shingle_hits(work *w, const slist *s, uint32_t need)
{
    const rp_fingerprint *tg = w->tg + s->tg;
    size_t outside = 0, before = w->hit_count, at = 0;
    bool capped = s->n > SEED_OCC_CAP; /* else the cap cannot be reached */

    if (RP_GROW(w->hits, w->hit_cap, w->hit_count + s->n * s->r) != RP_OK)
        return RP_ENOMEM;
    for (size_t i = 0; i < s->n; i++) {
        size_t e = s->ids ? s->ids[i] : s->first + i;
        uint32_t doc = w->x->edoc[e], pos;
        bool hopeless = need > 1 && w->doc_hits[doc] < need;
        if (i + ENTRY_AHEAD < s->n) { /* the tokens of hopeful entries are read at random */
            size_t f = s->ids ? s->ids[i + ENTRY_AHEAD] : s->first + i + ENTRY_AHEAD;
            if (need <= 1 || w->doc_hits[w->x->edoc[f]] >= need)
                __builtin_prefetch(w->x->epos + f);
        }
        if (hopeless && !capped)
            continue;
        pos = w->x->epos[e];
        if (in_copy(w, &at, doc, pos))
            continue;
        if (++outside > SEED_OCC_CAP) {
            w->hit_count = before;
            return RP_OK;
        }
        if (hopeless)
            continue;
        for (size_t k = 0; k < s->r; k++)
            w->hits[w->hit_count++] = (hit){doc, pos, tg[k].pos};
    }
    return RP_OK;
}

/* Drops the hits of documents holding fewer hits than a chain needs distinct seeds: no chain
 * there could be tried, and sorting them cost more than all the rest. */
static void keep_busy_docs(work *w, uint32_t m)
{
    uint32_t need = seeds_needed(m);
    size_t kept = 0, touched = 0;

    if (need <= 1)
        return;
    for (size_t h = 0; h < w->hit_count; h++)
        if (w->doc_hits[w->hits[h].doc]++ == 0)
            w->touched[touched++] = w->hits[h].doc;
    for (size_t h = 0; h < w->hit_count; h++)
        if (w->doc_hits[w->hits[h].doc] >= need)
            w->hits[kept++] = w->hits[h];
    for (size_t i = 0; i < touched; i++)
        w->doc_hits[w->touched[i]] = 0;
    w->hit_count = kept;
}

/* Sorts the hits by (doc, pos, qi) (no two are equal): placed by document after a count of
 * each document met (a counting sort over the few documents, themselves sorted), then each
 * document's hits sorted alone. One sort of all the hits cost a sixth of a run. */
static rp_status sort_seeds(work *w)
{
    size_t touched = 0, at = 0;
    hit *swap;

    if (w->hit_count < 2)
        return RP_OK;
    if (w->hit_count > UINT32_MAX) {
        sort_hits(w->hits, w->hit_count);
        return RP_OK;
    }
    if (RP_GROW(w->spare, w->spare_cap, w->hit_count) != RP_OK)
        return RP_ENOMEM;
    for (size_t h = 0; h < w->hit_count; h++)
        if (w->doc_hits[w->hits[h].doc]++ == 0)
            w->touched[touched++] = w->hits[h].doc;
    if (touched > 1)
        sort_u32(w->touched, touched);
    for (size_t i = 0; i < touched; i++) { /* counts become where each document starts */
        uint32_t n = w->doc_hits[w->touched[i]];
        w->doc_hits[w->touched[i]] = (uint32_t)at;
        at += n;
    }
    for (size_t h = 0; h < w->hit_count; h++)
        w->spare[w->doc_hits[w->hits[h].doc]++] = w->hits[h];
    for (size_t i = 0, first = 0; i < touched; i++) {
        size_t end = w->doc_hits[w->touched[i]];
        if (end - first > 1)
            sort_hits(w->spare + first, end - first);
        w->doc_hits[w->touched[i]] = 0;
        first = end;
    }
    swap = w->hits, w->hits = w->spare, w->spare = swap;
    at = w->hit_cap, w->hit_cap = w->spare_cap, w->spare_cap = at;
    return RP_OK;
}

/* Has the text been found to hold popular text p already? */
static bool holds(const work *w, const popular *p)
{
    for (size_t h = 0; h < w->held_count; h++)
        if (w->held[h].p == p)
            return true;
    return false;
}

/* The popular texts that the text (tokens [qs, qe) of doc qd; its shingles in w->tg[0..n), by
 * hash then place) holds as a shorter run of its tokens, each at its first place. */
static rp_status find_held(work *w, const rp_token *qt, uint32_t m, size_t n)
{
    w->held_count = 0;
    for (size_t i = 0; i < n && w->x->pop_count > 0; i++) {
        size_t lo = 0, hi = w->x->pop_count;
        while (lo < hi) {
            size_t mid = lo + (hi - lo) / 2;
            if (w->x->pop[mid].head < w->tg[i].hash)
                lo = mid + 1;
            else
                hi = mid;
        }
        for (; lo < w->x->pop_count && w->x->pop[lo].head == w->tg[i].hash; lo++) {
            const popular *p = &w->x->pop[lo];
            const qrec *c = &w->x->recs[p->first];
            const rp_token *pt = w->x->docs[c->doc].toks.items + c->qs;
            uint32_t at = w->tg[i].pos, k = 0;
            if (p->m >= m || at + p->m > m || holds(w, p))
                continue;
            while (k < p->m && pt[k].hash == qt[at + k].hash)
                k++;
            if (k < p->m)
                continue;
            if (RP_GROW(w->held, w->held_cap, w->held_count + 1) != RP_OK)
                return RP_ENOMEM;
            w->held[w->held_count++] = (held){p, at};
        }
    }
    return RP_OK;
}

/* Seeds of the text (tokens [qs, qe) of the group's first copy) outside every copy, its own
 * and those of the popular texts it holds (found here too). */
static rp_status collect_hits(work *w, uint32_t qd, uint32_t qs, uint32_t qe)
{
    const rp_token *qt = w->x->docs[qd].toks.items;
    size_t n = qe - qs - SEED_K + 1, touched = 0;
    uint32_t need = seeds_needed(qe - qs);
    rp_status st = RP_OK;

    w->hit_count = 0;
    if (RP_GROW(w->tg, w->tg_cap, n) != RP_OK)
        return RP_ENOMEM;
    for (size_t i = 0; i < n; i++)
        w->tg[i] = (rp_fingerprint){trigram(qt + qs + i), 0, (uint32_t)i};
    if (n > 1)
        sort_fps(w->tg, n);
    if ((st = find_held(w, qt + qs, qe - qs, n)) != RP_OK || (st = block_copies(w)) != RP_OK ||
        (st = list_shingles(w, n)) != RP_OK)
        return st;
    if (need > 1 && RP_GROW(w->order, w->order_cap, w->list_count + 1) != RP_OK)
        return RP_ENOMEM;
    /* the bound spares writing (and dropping) the seeds of most documents, or of all */
    bool hopeful = need <= 1 || count_doc_hits(w, need, &touched);
    for (size_t l = 0; l < w->list_count && st == RP_OK && hopeful; l++)
        st = shingle_hits(w, &w->lists[l], need);
    for (size_t i = 0; i < touched; i++)
        w->doc_hits[w->touched[i]] = 0;
    if (st == RP_OK)
        keep_busy_docs(w, qe - qs);
    if (st == RP_OK)
        st = sort_seeds(w);
    return st;
}

/* ---- aligning one chain and judging the result ---- */

static rp_status load_hashes(uint64_t **buf, size_t *cap, const rp_token *t, uint32_t n)
{
    if (RP_GROW(*buf, *cap, (size_t)n + 1) != RP_OK)
        return RP_ENOMEM;
    for (uint32_t i = 0; i < n; i++)
        (*buf)[i] = t[i].hash;
    return RP_OK;
}

/* Aligns the text (w->qh, m hashes) with source tokens [lo, hi) of doc sd into w->ops. */
static rp_status align_with(work *w, uint32_t m, uint32_t sd, uint32_t lo, uint32_t hi)
{
    rp_status st = load_hashes(&w->sh, &w->sh_cap, w->x->docs[sd].toks.items + lo, hi - lo);
    return st == RP_OK ? rp_quotes_align(&w->al, w->qh, m, w->sh, hi - lo, &w->ops) : st;
}

static rp_status add_cand(work *w, cand c)
{
    if (RP_GROW(w->cands, w->cand_cap, w->cand_count + 1) != RP_OK)
        return RP_ENOMEM;
    c.seq = w->cand_count;
    w->cands[w->cand_count++] = c;
    return RP_OK;
}

/* The text's tokens counted by tag (each hash's top 16 bits) in an open-addressed table
 * (w->tab_*, a power of two at least twice the text's length), and its tags in a set of bits
 * (w->tagset, the last text's bits cleared first), so that a window's tokens cost a bit test
 * each and those with one of the text's tags a probe. */
static rp_status count_text(work *w, const rp_token *t, uint32_t m)
{
    size_t cap = 16;

    while (cap < 2 * (size_t)m)
        cap *= 2;
    if (RP_GROW(w->tab_key, w->tab_cap, cap) != RP_OK ||
        RP_GROW(w->tab_count, w->tab_count_cap, cap) != RP_OK ||
        RP_GROW(w->tab_used, w->tab_used_cap, cap) != RP_OK ||
        RP_GROW(w->tab_stamp, w->tab_stamp_cap, cap) != RP_OK)
        return RP_ENOMEM;
    w->tab_mask = cap - 1;
    w->cover = (uint32_t)(MIN_COVER * m);
    if (w->cover < MIN_COVER * m)
        w->cover++;
    if (w->cover < SEED_K)
        w->cover = SEED_K;
    for (uint32_t i = 0; i < w->tag_m; i++)
        w->tagset[token_tag(w->tag_text[i].hash) >> 6] = 0;
    for (uint32_t i = 0; i < m; i++)
        w->tagset[token_tag(t[i].hash) >> 6] |= (uint64_t)1 << (token_tag(t[i].hash) & 63);
    w->tag_text = t;
    w->tag_m = m;
    memset(w->tab_count, 0, cap * sizeof(*w->tab_count));
    memset(w->tab_stamp, 0, cap * sizeof(*w->tab_stamp));
    w->tab_window = 0;
    for (uint32_t i = 0; i < m; i++) {
        uint16_t tag = token_tag(t[i].hash);
        size_t k = tag & w->tab_mask;
        while (w->tab_count[k] && w->tab_key[k] != tag)
            k = (k + 1) & w->tab_mask;
        w->tab_key[k] = tag;
        w->tab_count[k]++;
    }
    return RP_OK;
}

/* Can an alignment of the text with source tokens [lo, hi) of doc sd reach the cover
 * (w->cover: at least SEED_K and MIN_COVER of the text's tokens matched, set by count_text)?
 * Only when the multiset intersection of their hashes does, and so when that of their tags
 * does (tokens of one tag counted together can only count more): far cheaper than the
 * alignment (a long quotation holding a popular one meets every copy of it, and most such
 * windows fail here), and read from the tags alone (2 bytes a token, where the tokens take
 * 16). First the tokens with one of the text's tags are counted without a branch (a set
 * bound, read in blocks of 32: windows can be long), then, if they reach the cover, counted
 * as a multiset; each stops as soon as it reaches the cover or can no longer reach it. */
static bool may_cover(work *w, uint32_t sd, uint32_t lo, uint32_t hi)
{
    const uint16_t *tag = w->x->tags + w->x->tag_off[sd];
    uint32_t need = w->cover, bound = 0, id;

    if (hi - lo < need)
        return false;
    for (uint32_t j = lo; j < hi && bound < need;) {
        uint32_t end = hi - j > 32 ? j + 32 : hi;
        for (; j < end; j++)
            bound += (uint32_t)(w->tagset[tag[j] >> 6] >> (tag[j] & 63)) & 1;
        if (bound + (hi - j) < need)
            return false;
    }
    if (bound < need)
        return false;
    bound = 0, id = ++w->tab_window;
    for (uint32_t j = lo; j < hi && bound < need && bound + (hi - j) >= need; j++) {
        uint16_t g = tag[j];
        if (!((w->tagset[g >> 6] >> (g & 63)) & 1))
            continue;
        size_t k = g & w->tab_mask;
        while (w->tab_key[k] != g) /* the set holds g: the table does */
            k = (k + 1) & w->tab_mask;
        if (w->tab_stamp[k] != id)
            w->tab_stamp[k] = id, w->tab_used[k] = 0;
        if (w->tab_used[k] < w->tab_count[k])
            w->tab_used[k]++, bound++;
    }
    return bound >= need;
}

/* Aligns the text with source tokens [lo, hi) of doc sd; appends a candidate when the source
 * covers enough of the text. */
static rp_status try_window(work *w, uint32_t m, uint32_t sd, uint32_t lo, uint32_t hi)
{
    uint32_t matches = 0, sj, inside = 0, aligned = 0;
    rp_status st;

    if (!may_cover(w, sd, lo, hi))
        return RP_OK; /* the alignment could not reach the cover either */
    st = align_with(w, m, sd, lo, hi);

    if (st == RP_ELIMIT)
        return RP_OK; /* too long to align: no source rather than no report */
    if (st != RP_OK)
        return st;
    for (size_t c = 0; c < w->ops.count; c++)
        matches += w->ops.items[c] == RP_QOP_SAME;
    if (matches < SEED_K || matches < MIN_COVER * m)
        return RP_OK;
    sj = lo + w->ops.s_first;
    for (size_t c = 0; c < w->ops.count; c++) {
        uint8_t op = w->ops.items[c];
        if (op == RP_QOP_INS)
            continue;
        if (op != RP_QOP_DEL)
            aligned++, inside += w->x->docs[sd].inq[sj];
        sj++;
    }
    cand c = {.doc = sd,
              .t_start = lo + w->ops.s_first,
              .t_end = lo + w->ops.s_last,
              .matches = matches,
              .columns = m,
              .quoted = 2 * inside > aligned,
              .ops_count = UINT32_MAX};
    return add_cand(w, c);
}

/* One chain of hits [i, j) of one document: its window, clipped off the copies, kept (in
 * w->wins) when enough distinct seeds of the text lie in it. */
static rp_status keep_chain(work *w, size_t i, size_t j, uint32_t m, uint32_t need, size_t id)
{
    uint32_t distinct = 0, sd = w->hits[i].doc;
    uint32_t ntok = (uint32_t)(w->x->tag_off[sd + 1] - w->x->tag_off[sd]); /* docs[sd] unread */
    int64_t lo = INT64_MAX, hi = 0;

    for (size_t h = i; h < j; h++) {
        const hit *x = &w->hits[h];
        distinct += w->stamp[x->qi] != (uint32_t)id;
        w->stamp[x->qi] = (uint32_t)id;
        lo = (int64_t)x->pos - x->qi < lo ? (int64_t)x->pos - x->qi : lo;
        hi = (int64_t)x->pos - x->qi + m > hi ? (int64_t)x->pos - x->qi + m : hi;
    }
    lo = lo - WINDOW_PAD < 0 ? 0 : lo - WINDOW_PAD;
    hi = hi + WINDOW_PAD > ntok ? ntok : hi + WINDOW_PAD;
    clip_to_copies(w, sd, w->hits[i].pos, w->hits[j - 1].pos, &lo, &hi);
    if (distinct < need || distinct == 0 || hi <= lo)
        return RP_OK;
    if (RP_GROW(w->wins, w->win_cap, w->win_count + 1) != RP_OK)
        return RP_ENOMEM;
    w->wins[w->win_count++] = (window){sd, (uint32_t)lo, (uint32_t)hi};
    return RP_OK;
}

/* Asks the memory for the first source tags of window v (its first lines: most windows are
 * short): may_cover reads them at random, one window after another. */
static inline void prefetch_window(const work *w, const window *v)
{
    const uint16_t *t = w->x->tags + w->x->tag_off[v->doc] + v->lo;

    __builtin_prefetch(t);
    __builtin_prefetch(t + 32);
}

/* Chains the sorted hits per document (never across a copy), then tries each chain's window
 * in that order: the windows are all known before the first is read, so that their tags
 * are fetched WINDOW_AHEAD windows ahead (each a miss at random; a text's first windows too). */
static rp_status chain_hits(work *w, uint32_t m)
{
    uint32_t need = (uint32_t)(MIN_SEED_SHARE * (m - SEED_K + 1));
    size_t i = 0, chain_id = 0;
    rp_status st = RP_OK;

    if (RP_GROW(w->stamp, w->stamp_cap, m) != RP_OK)
        return RP_ENOMEM;
    memset(w->stamp, 0, m * sizeof(*w->stamp));
    w->win_count = 0;
    while (i < w->hit_count && st == RP_OK) {
        size_t j = i + 1;
        while (j < w->hit_count && w->hits[j].doc == w->hits[i].doc &&
               w->hits[j].pos - w->hits[j - 1].pos <= m + CHAIN_GAP &&
               !copy_between(w, w->hits[j].doc, w->hits[j - 1].pos, w->hits[j].pos))
            j++;
        st = keep_chain(w, i, j, m, need, ++chain_id);
        i = j;
    }
    for (size_t k = 0; k < WINDOW_AHEAD && k < w->win_count; k++)
        prefetch_window(w, &w->wins[k]);
    for (size_t k = 0; k < w->win_count && st == RP_OK; k++) {
        if (k + WINDOW_AHEAD < w->win_count)
            prefetch_window(w, &w->wins[k + WINDOW_AHEAD]);
        st = try_window(w, m, w->wins[k].doc, w->wins[k].lo, w->wins[k].hi);
    }
    return st;
}

/* Unquoted first, then identity (matches / columns), then document and position. */
static int cand_rank(const cand *a, const cand *b)
{
    if (a->quoted != b->quoted)
        return a->quoted ? 1 : -1;
    uint64_t x = (uint64_t)a->matches * b->columns, y = (uint64_t)b->matches * a->columns;
    if (x != y)
        return x > y ? -1 : 1;
    if (a->doc != b->doc)
        return a->doc < b->doc ? -1 : 1;
    return a->t_start < b->t_start ? -1 : a->t_start > b->t_start;
}

/* The orders of dedupe_cands, made total by the place before the sort: an introsort with
 * them orders as a stable sort would (as qsort's merge sort did). */
static inline bool rank_less(const cand *a, const cand *b)
{
    int c = cand_rank(a, b);
    return c != 0 ? c < 0 : a->seq < b->seq;
}

static inline bool place_less(const cand *a, const cand *b)
{
    if (a->doc != b->doc)
        return a->doc < b->doc;
    return rank_less(a, b);
}

/* (doc, position): total on the kept candidates, those of one document being disjoint. */
static inline bool start_less(const cand *a, const cand *b)
{
    return a->doc != b->doc ? a->doc < b->doc : a->t_start < b->t_start;
}

RP_DEFINE_SORT(sort_by_rank, cand, rank_less)
RP_DEFINE_SORT(sort_by_place, cand, place_less)
RP_DEFINE_SORT(sort_by_start, cand, start_less)

/* A document with more candidates than this has its kept ones marked in a bitmap of its tokens
 * (work.taken) rather than compared one by one: one document holding 10,000 copies of a text
 * compared each with every kept one (quadratic: ~40% of `quotes` on bench/adversarial.sh's
 * paragraph corpus). */
#define DEDUPE_SCAN 8

/* The bits of [*a, b) (a < b) in the word holding bit *a: the word's index in *word, their
 * mask returned; *a moves past them. */
static inline uint64_t bits_step(uint32_t *a, uint32_t b, size_t *word)
{
    uint32_t s = *a % 64, n = b - *a < 64 - s ? b - *a : 64 - s;
    *word = *a / 64;
    *a += n;
    return (n == 64 ? ~UINT64_C(0) : (UINT64_C(1) << n) - 1) << s;
}

/* Are any of bits [a, b) of m set? */
static bool bits_any(const uint64_t *m, uint32_t a, uint32_t b)
{
    while (a < b) {
        size_t w;
        uint64_t mask = bits_step(&a, b, &w);
        if (m[w] & mask)
            return true;
    }
    return false;
}

/* Sets (on) or clears bits [a, b) of m. */
static void bits_put(uint64_t *m, uint32_t a, uint32_t b, bool on)
{
    while (a < b) {
        size_t w;
        uint64_t mask = bits_step(&a, b, &w);
        m[w] = on ? m[w] | mask : m[w] & ~mask;
    }
}

/* Does c overlap one of w->cands[first, kept) (candidates of its document)? */
static bool overlaps_kept(const work *w, const cand *c, size_t first, size_t kept)
{
    for (size_t j = first; j < kept; j++)
        if (w->cands[j].t_start < c->t_end && c->t_start < w->cands[j].t_end)
            return true;
    return false;
}

/* Keeps in w->cands[*kept...] those of candidates [i, e) (one document's, best first) that
 * overlap none kept before them: by comparison for a few, through a bitmap of the tokens the
 * kept ones cover (w->taken, all clear again on return) for more. The same ones either way
 * (a document with an empty candidate, which covers no bit, is compared). */
static rp_status keep_doc_cands(work *w, size_t i, size_t e, size_t *kept)
{
    size_t first = *kept;
    uint32_t lo = UINT32_MAX, hi = 0;
    bool bitmap = e - i > DEDUPE_SCAN;

    for (size_t k = i; k < e && bitmap; k++) {
        lo = w->cands[k].t_start < lo ? w->cands[k].t_start : lo;
        hi = w->cands[k].t_end > hi ? w->cands[k].t_end : hi;
        bitmap = w->cands[k].t_start < w->cands[k].t_end;
    }
    if (bitmap) {
        size_t words = ((size_t)hi - lo + 63) / 64, had = w->taken_cap;
        if (RP_GROW(w->taken, w->taken_cap, words) != RP_OK)
            return RP_ENOMEM;
        memset(w->taken + had, 0, (w->taken_cap - had) * sizeof(*w->taken));
    }
    for (size_t k = i; k < e; k++) {
        cand c = w->cands[k];
        if (bitmap ? bits_any(w->taken, c.t_start - lo, c.t_end - lo)
                   : overlaps_kept(w, &c, first, *kept))
            continue;
        if (bitmap)
            bits_put(w->taken, c.t_start - lo, c.t_end - lo, true);
        w->cands[(*kept)++] = c;
    }
    for (size_t k = first; k < *kept && bitmap; k++)
        bits_put(w->taken, w->cands[k].t_start - lo, w->cands[k].t_end - lo, false);
    return RP_OK;
}

/* Drops candidates overlapping a better one in the same document (chains may meet, copies
 * may coincide); keeps them in (doc, position) order in w->placed (where those of one
 * document do not overlap), then ranks them. Compares only within a document. */
static rp_status dedupe_cands(work *w)
{
    size_t kept = 0;

    if (w->cand_count > 1)
        sort_by_place(w->cands, w->cand_count);
    for (size_t i = 0, e; i < w->cand_count; i = e) {
        for (e = i + 1; e < w->cand_count && w->cands[e].doc == w->cands[i].doc; e++)
            ;
        if (keep_doc_cands(w, i, e, &kept) != RP_OK)
            return RP_ENOMEM;
    }
    w->cand_count = kept;
    for (size_t i = 0; i < kept; i++)
        w->cands[i].seq = i;
    if (RP_GROW(w->placed, w->placed_cap, kept + 1) != RP_OK)
        return RP_ENOMEM;
    memcpy(w->placed, w->cands, kept * sizeof(*w->cands));
    if (kept > 1) {
        sort_by_start(w->placed, kept); /* they came best first in each document */
        sort_by_rank(w->cands, kept);
    }
    return RP_OK;
}

/* ---- the sources of one text, found once ---- */

/* The other copies of the text as candidates: each gives every token verbatim or folded. */
static rp_status copy_cands(work *w, uint32_t m)
{
    for (size_t i = 0; i < w->group_count; i++) {
        const qrec *g = &w->group[i];
        cand c = {.doc = g->doc,
                  .t_start = g->qs,
                  .t_end = g->qe,
                  .matches = m,
                  .columns = m,
                  .quoted = g->quoted,
                  .copy = true,
                  .ops_count = m,
                  .s_first = g->qs,
                  .s_last = g->qe};
        rp_status st = add_cand(w, c);
        if (st != RP_OK)
            return st;
    }
    return RP_OK;
}

/* Every copy of a popular text the text holds (at its token at) as a candidate, grown by the
 * words on either side that equal the text's own there, when that covers enough of the text:
 * those words verbatim or folded, the text's other words missing. No alignment: a copy's place
 * is known, and a text held by thousands of quotations would meet every copy of it. */
static rp_status held_cands(work *w, const uint64_t *q, uint32_t m)
{
    for (size_t h = 0; h < w->held_count; h++) {
        const popular *p = w->held[h].p;
        uint32_t at = w->held[h].at;
        for (size_t i = 0; i < p->count; i++) {
            const qrec *g = &w->x->recs[p->first + i];
            const docdata *dd = &w->x->docs[g->doc];
            uint32_t l = 0, r = 0, inside = 0;
            if (on_copy(w, g->doc, g->qs, g->qe, m))
                continue; /* inside a copy of the text itself */
            while (l < at && l < g->qs && dd->toks.items[g->qs - l - 1].hash == q[at - l - 1])
                l++;
            while (at + p->m + r < m && g->qe + r < dd->toks.count &&
                   dd->toks.items[g->qe + r].hash == q[at + p->m + r])
                r++;
            uint32_t matches = l + p->m + r;
            if (matches < SEED_K || matches < MIN_COVER * m)
                continue;
            for (uint32_t t = g->qs - l; t < g->qe + r; t++)
                inside += dd->inq[t];
            cand c = {.doc = g->doc,
                      .t_start = g->qs - l,
                      .t_end = g->qe + r,
                      .matches = matches,
                      .columns = m,
                      .quoted = 2 * inside > matches,
                      .inner = true,
                      .ops_count = UINT32_MAX,
                      .s_first = g->qs - l,
                      .s_last = g->qe + r,
                      .inner_at = at - l};
            rp_status st = add_cand(w, c);
            if (st != RP_OK)
                return st;
        }
    }
    return RP_OK;
}

/* The columns of candidate c (the text has m tokens), made when it is first listed and kept
 * for the other copies of the text: a copy's are all the same token, a held popular text's
 * are its own words between missing ones, the rest come from aligning the text once more with
 * the candidate's own range (as reported). */
static rp_status ensure_ops(work *w, uint32_t m, cand *c)
{
    rp_status st;

    if (c->ops_count != UINT32_MAX)
        return RP_OK;
    if (RP_GROW(w->group_ops, w->group_ops_cap, w->group_ops_len + m) != RP_OK)
        return RP_ENOMEM;
    if (c->inner) {
        uint8_t *o = w->group_ops + w->group_ops_len;
        uint32_t len = c->t_end - c->t_start;
        memset(o, RP_QOP_INS, m);
        memset(o + c->inner_at, RP_QOP_SAME, len);
        c->ops_off = w->group_ops_len;
        c->ops_count = m;
        w->group_ops_len += m;
        return RP_OK;
    }
    if ((st = align_with(w, m, c->doc, c->t_start, c->t_end)) != RP_OK)
        return st;
    if (RP_GROW(w->group_ops, w->group_ops_cap, w->group_ops_len + w->ops.count) != RP_OK)
        return RP_ENOMEM;
    memcpy(w->group_ops + w->group_ops_len, w->ops.items, w->ops.count);
    c->ops_off = w->group_ops_len;
    c->ops_count = (uint32_t)w->ops.count;
    c->s_first = c->t_start + w->ops.s_first;
    c->s_last = c->t_start + w->ops.s_last;
    w->group_ops_len += w->ops.count;
    return RP_OK;
}

/* Candidates for the group's text: copies, copies of the popular texts it holds, then chained
 * seeds outside them all, deduplicated and ranked (aligned for the report when listed). */
static rp_status find_sources(work *w)
{
    const qrec *g = &w->group[0];
    uint32_t m = g->qe - g->qs;
    rp_status st;

    w->cand_count = 0;
    w->group_ops_len = 0;
    if (RP_GROW(w->same, w->same_cap, m) != RP_OK)
        return RP_ENOMEM;
    memset(w->same, RP_QOP_SAME, m);
    if ((st = count_text(w, w->x->docs[g->doc].toks.items + g->qs, m)) != RP_OK)
        return st;
    if ((st = load_hashes(&w->qh, &w->qh_cap, w->x->docs[g->doc].toks.items + g->qs, m)) != RP_OK ||
        (st = copy_cands(w, m)) != RP_OK || (st = collect_hits(w, g->doc, g->qs, g->qe)) != RP_OK ||
        (st = held_cands(w, w->qh, m)) != RP_OK || (st = chain_hits(w, m)) != RP_OK)
        return st;
    return dedupe_cands(w);
}

/* ---- one quotation: the shared sources less itself ---- */

static rp_status add_source(rp_quotes *r, work *w, const qrec *q, cand *c)
{
    const rp_doc *sdoc = rp_corpus_doc(w->x->corpus, c->doc);
    const rp_tokens *st = &w->x->docs[c->doc].toks;
    rp_qops ops = {c->copy ? w->same : w->group_ops + c->ops_off, c->ops_count, c->ops_count, 0, 0};
    rp_quote_source src = {0};
    size_t diff_first;
    rp_status s;

    rp_qside qside = {rp_corpus_doc(w->x->corpus, q->doc), &w->x->docs[q->doc].toks, q->qs};
    rp_qside sside = {sdoc, st, c->s_first};
    if ((s = rp_quotes_classify(r, &ops, &qside, &sside, q->qe, &src, &diff_first)) != RP_OK)
        return s;
    if (RP_GROW(r->sources, r->source_cap, r->source_count + 1) != RP_OK ||
        RP_GROW(r->sdiff_first, r->sdiff_cap, r->source_count + 1) != RP_OK)
        return RP_ENOMEM;
    src.doc = c->doc;
    src.start = st->items[c->s_first].start;
    src.end = st->items[c->s_last - 1].end;
    src.quoted = c->quoted;
    if (!c->lc_known) { /* every copy of the text that lists c has the same */
        memo_line_col(&w->source_lc, sdoc, &w->x->docs[c->doc], c->doc, src.start, &c->line,
                      &c->column);
        c->lc_known = true;
    }
    src.line = c->line;
    src.column = c->column;
    r->sdiff_first[r->source_count] = diff_first;
    r->sources[r->source_count++] = src;
    return RP_OK;
}

/* Does candidate c lie on copy q itself (its own words are no source of it)? */
static bool is_self(const cand *c, const qrec *q)
{
    return c->doc == q->doc && c->t_start < q->qe && q->qs < c->t_end;
}

/* How many kept candidates lie on copy q (itself, or a copy nested with it): those of one
 * document do not overlap, so they are found by a binary search of w->placed. */
static size_t self_count(const work *w, const qrec *q)
{
    size_t lo = 0, hi = w->cand_count, n = 0;

    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        const cand *c = &w->placed[mid];
        if (c->doc < q->doc || (c->doc == q->doc && c->t_end <= q->qs))
            lo = mid + 1;
        else
            hi = mid;
    }
    for (; lo < w->cand_count && is_self(&w->placed[lo], q); lo++)
        n++;
    return n;
}

/* Quotation rec into r (at its ordinal), its sources, differences and strings into part (the
 * offsets kept in r are part's until merge_part). */
static rp_status add_quote(rp_quotes *r, rp_quotes *part, work *w, const qrec *rec)
{
    const rp_doc *d = rp_corpus_doc(w->x->corpus, rec->doc);
    const rp_qspan *sp = &w->x->docs[rec->doc].spans.items[rec->span];
    rp_quote q = {rec->doc, sp->start, sp->end, 0, 0, rec->qe - rec->qs, NULL, NULL, 0, 0};
    size_t off, len, speaker = SIZE_MAX, first = part->source_count;
    rp_status st;

    for (size_t k = 0; k < w->cand_count && part->source_count - first < r->qopts.max_sources; k++)
        if (!is_self(&w->cands[k], rec) &&
            ((st = ensure_ops(w, rec->qe - rec->qs, &w->cands[k])) != RP_OK ||
             (st = add_source(part, w, rec, &w->cands[k])) != RP_OK))
            return st;
    if (rp_quotes_speaker(d->bytes, d->len, sp, &off, &len) &&
        rp_quotes_arena_add(part, d->bytes + off, len, &speaker) != RP_OK)
        return RP_ENOMEM;
    memo_line_col(&w->quote_lc, d, &w->x->docs[rec->doc], rec->doc, sp->start, &q.line, &q.column);
    q.source_count = part->source_count - first;
    q.sources_total = w->cand_count - self_count(w, rec);
    r->speaker_off[rec->ordinal] = speaker;
    r->src_first[rec->ordinal] = first;
    r->quotes[rec->ordinal] = q;
    return RP_OK;
}

/* ---- the run ---- */

/* Points the result's strings, sources and differences into their arrays, now fixed. */
static void finish(rp_quotes *r)
{
    for (size_t i = 0; i < r->diff_count; i++)
        r->diffs[i] = (rp_quote_diff){r->arena.data + r->diff_off[2 * i],
                                      r->arena.data + r->diff_off[2 * i + 1]};
    for (size_t i = 0; i < r->source_count; i++)
        r->sources[i].diffs = r->sources[i].diff_count ? r->diffs + r->sdiff_first[i] : NULL;
    for (size_t i = 0; i < r->count; i++) {
        rp_quote *q = &r->quotes[i];
        q->speaker = r->speaker_off[i] == SIZE_MAX ? NULL : r->arena.data + r->speaker_off[i];
        q->sources = q->source_count ? r->sources + r->src_first[i] : NULL;
    }
}

static void work_release(work *w)
{
    rp_free(w->hits);
    rp_free(w->spare);
    rp_free(w->stamp);
    rp_free(w->cands);
    rp_free(w->qh);
    rp_free(w->sh);
    rp_qalign_release(&w->al);
    rp_free(w->ops.items);
    rp_free(w->group_ops);
    rp_free(w->same);
    rp_free(w->tg);
    rp_free(w->lists);
    rp_free(w->order);
    rp_free(w->placed);
    rp_free(w->taken);
    rp_free(w->held);
    rp_free(w->blk);
    rp_free(w->blk2);
    rp_free(w->wins);
    rp_free(w->doc_hits);
    rp_free(w->touched);
    rp_free(w->tab_key);
    rp_free(w->tab_count);
    rp_free(w->tab_used);
    rp_free(w->tab_stamp);
}

static void qindex_release(qindex *x, size_t ndocs)
{
    for (size_t d = 0; x->docs && d < ndocs; d++) {
        rp_tokens_release(&x->docs[d].toks);
        rp_qspans_release(&x->docs[d].spans);
        rp_free(x->docs[d].inq);
        rp_free(x->docs[d].recs);
        rp_free(x->docs[d].marks);
    }
    rp_free(x->docs);
    rp_free(x->edoc); /* and epos */
    rp_free(x->dir);
    rp_free(x->recs);
    rp_free(x->pop);
    rp_free(x->pruns);
    rp_free(x->pidx);
    rp_free(x->tags);
    rp_free(x->tag_off);
}

/* Document d's quotations to attribute, in start order, into dd->recs: long enough for
 * min_words and a seed, each keyed by a hash of its token hashes (a pool item, as d's tokens
 * are made: the keys hash every quoted token). */
static rp_status doc_recs(const rp_quotes *r, docdata *dd, uint32_t d)
{
    for (size_t i = 0; i < dd->spans.count; i++) {
        uint32_t a, b;
        token_range(&dd->toks, dd->spans.items[i].start, dd->spans.items[i].end, &a, &b);
        if (b < a + r->qopts.min_words || b < a + SEED_K)
            continue;
        if (RP_GROW(dd->recs, dd->rec_cap, dd->rec_count + 1) != RP_OK)
            return RP_ENOMEM;
        uint64_t key = XXH3_64bits_withSeed(NULL, 0, b - a);
        uint32_t inside = 0;
        for (uint32_t t = a; t < b; t++) {
            key = XXH3_64bits_withSeed(&dd->toks.items[t].hash, 8, key);
            inside += dd->inq[t];
        }
        dd->recs[dd->rec_count++] = (qrec){key, d, (uint32_t)i, a, b, 0, 2 * inside > b - a};
    }
    return RP_OK;
}

/* One document's tokens, quotations and statistics (a pool item: documents are independent). */
typedef struct prep_job {
    rp_quotes *r;
    qindex *x;
} prep_job;

static rp_status prepare_task(void *ctx, size_t d, unsigned worker)
{
    prep_job *j = ctx;
    docdata *dd = &j->x->docs[d];
    size_t inside = 0;
    const rp_doc *doc = rp_corpus_doc(j->x->corpus, (uint32_t)d);
    rp_status st = prepare_doc(&j->r->opts, doc, dd);

    (void)worker;
    if (st == RP_OK)
        st = doc_recs(j->r, dd, (uint32_t)d);
    if (st == RP_OK) /* any document may be a source */
        st = make_marks(doc, dd);
    if (st != RP_OK)
        return st;
    for (size_t t = 0; t < dd->toks.count; t++)
        inside += dd->inq[t];
    j->r->stats[d] = (rp_doc_stats){(uint32_t)dd->toks.count,
                                    dd->toks.count ? (double)inside / dd->toks.count : 0.0,
                                    dd->toks.invalid_utf8, dd->toks.first_invalid};
    return RP_OK;
}

static rp_status prepare_all(rp_quotes *r, qindex *x, size_t ndocs, unsigned threads)
{
    prep_job j = {r, x};

    for (size_t d = 0; d < ndocs; d++) {
        rp_tokens_init(&x->docs[d].toks);
        rp_qspans_init(&x->docs[d].spans);
    }
    return rp_pool_run(threads, ndocs, prepare_task, &j, "quotes", NULL, NULL);
}

/* The quotations to attribute, in (doc, start) order (each document's, doc_recs). */
static rp_status collect_recs(qindex *x, size_t ndocs)
{
    size_t n = 0;

    for (size_t d = 0; d < ndocs; d++)
        n += x->docs[d].rec_count;
    if (RP_GROW(x->recs, x->rec_cap, n + 1) != RP_OK)
        return RP_ENOMEM;
    for (size_t d = 0; d < ndocs; d++) {
        docdata *dd = &x->docs[d];
        if (dd->rec_count)
            memcpy(x->recs + x->rec_count, dd->recs, dd->rec_count * sizeof(*dd->recs));
        x->rec_count += dd->rec_count;
        rp_free(dd->recs);
        dd->recs = NULL, dd->rec_count = dd->rec_cap = 0;
    }
    for (size_t i = 0; i < x->rec_count; i++)
        x->recs[i].ordinal = i;
    return RP_OK;
}

static int rec_cmp(const void *pa, const void *pb)
{
    const qrec *a = pa, *b = pb;
    if (a->key != b->key)
        return a->key < b->key ? -1 : 1;
    if (a->doc != b->doc)
        return a->doc < b->doc ? -1 : 1;
    if (a->qs != b->qs)
        return a->qs < b->qs ? -1 : 1;
    return a->ordinal < b->ordinal ? -1 : a->ordinal > b->ordinal;
}

/* Copies: the same token hashes (the key only sorts them together; a collision merely splits
 * a group, which stays correct as copies outside a group are found by their seeds). */
static bool same_text(const qindex *x, const qrec *a, const qrec *b)
{
    const rp_token *u = x->docs[a->doc].toks.items, *v = x->docs[b->doc].toks.items;

    if (a->key != b->key || a->qe - a->qs != b->qe - b->qs)
        return false;
    for (uint32_t t = 0; t < a->qe - a->qs; t++)
        if (u[a->qs + t].hash != v[b->qs + t].hash)
            return false;
    return true;
}

/* Room for every quotation's result, filled by ordinal. */
static rp_status reserve_quotes(rp_quotes *r, size_t n)
{
    if (RP_GROW(r->quotes, r->cap, n + 1) != RP_OK ||
        RP_GROW(r->speaker_off, r->speaker_cap, n + 1) != RP_OK ||
        RP_GROW(r->src_first, r->first_cap, n + 1) != RP_OK)
        return RP_ENOMEM;
    r->count = n;
    return RP_OK;
}

static int popular_cmp(const void *pa, const void *pb)
{
    const popular *a = pa, *b = pb;
    if (a->head != b->head)
        return a->head < b->head ? -1 : 1;
    return a->first < b->first ? -1 : a->first > b->first;
}

/* The texts quoted at least POPULAR_COPIES times (recs sorted, copies together), by head. */
static rp_status find_popular(qindex *x)
{
    for (size_t i = 0, j; i < x->rec_count; i = j) {
        for (j = i + 1; j < x->rec_count && same_text(x, &x->recs[i], &x->recs[j]); j++)
            ;
        if (j - i < POPULAR_COPIES)
            continue;
        if (RP_GROW(x->pop, x->pop_cap, x->pop_count + 1) != RP_OK)
            return RP_ENOMEM;
        const qrec *c = &x->recs[i];
        x->pop[x->pop_count++] = (popular){.head = trigram(x->docs[c->doc].toks.items + c->qs),
                                           .first = i,
                                           .count = j - i,
                                           .m = c->qe - c->qs};
    }
    if (x->pop_count > 1)
        qsort(x->pop, x->pop_count, sizeof(*x->pop), popular_cmp);
    return RP_OK;
}

/* The texts are attributed in items of whole groups of copies, at least PART_RECS quotations
 * or 1/PART_SHARE of them each (fixed by the input, never by the threads), on the pool; each
 * item's sources, differences and strings go to a part of its own, added to the result in item
 * order, so that the result is the same for any number of threads. */
#define PART_RECS 64
#define PART_SHARE 256

typedef struct attrib_job {
    rp_quotes *r;
    const qindex *x;
    work *works; /* one per thread */
    size_t ndocs;
    const size_t *group; /* where each group of copies starts in x->recs (and one past) */
    const size_t *item;  /* each item's first group (and one past) */
    rp_quotes **parts;   /* per item */
} attrib_job;

static rp_status attribute_task(void *ctx, size_t item, unsigned worker)
{
    attrib_job *j = ctx;
    work *w = &j->works[worker];
    rp_quotes *part;
    rp_status st = RP_OK;

    if (!w->doc_hits) {
        w->doc_hits = rp_calloc(j->ndocs ? j->ndocs : 1, sizeof(*w->doc_hits));
        w->touched = rp_malloc((j->ndocs + 1) * sizeof(*w->touched)); /* count_doc_hits */
        if (!w->doc_hits || !w->touched)
            return RP_ENOMEM;
    }
    part = j->parts[item] = rp_calloc(1, sizeof(*part));
    if (!part)
        return RP_ENOMEM;
    for (size_t g = j->item[item]; g < j->item[item + 1] && st == RP_OK; g++) {
        w->group = j->x->recs + j->group[g];
        w->group_count = j->group[g + 1] - j->group[g];
        st = find_sources(w);
        for (size_t k = j->group[g]; k < j->group[g + 1] && st == RP_OK; k++)
            st = add_quote(j->r, part, w, &j->x->recs[k]);
    }
    return st;
}

/* Adds part (the quotations recs[a, b)) to r: its arrays after r's, their offsets moved by as
 * much. */
static rp_status merge_part(rp_quotes *r, const rp_quotes *part, const qrec *recs, size_t a,
                            size_t b)
{
    size_t src0 = r->source_count, diff0 = r->diff_count, arena0 = r->arena.len;

    if (RP_GROW(r->sources, r->source_cap, src0 + part->source_count + 1) != RP_OK ||
        RP_GROW(r->sdiff_first, r->sdiff_cap, src0 + part->source_count + 1) != RP_OK ||
        RP_GROW(r->diffs, r->diff_cap, diff0 + part->diff_count + 1) != RP_OK ||
        RP_GROW(r->diff_off, r->diff_off_cap, 2 * (diff0 + part->diff_count + 1)) != RP_OK ||
        (part->arena.len && rp_buf_add(&r->arena, part->arena.data, part->arena.len) != RP_OK))
        return RP_ENOMEM;
    for (size_t i = 0; i < part->source_count; i++) {
        r->sources[src0 + i] = part->sources[i];
        r->sdiff_first[src0 + i] = part->sdiff_first[i] + diff0;
    }
    for (size_t i = 0; i < part->diff_count; i++) {
        r->diffs[diff0 + i] = part->diffs[i];
        r->diff_off[2 * (diff0 + i)] = part->diff_off[2 * i] + arena0;
        r->diff_off[2 * (diff0 + i) + 1] = part->diff_off[2 * i + 1] + arena0;
    }
    r->source_count += part->source_count;
    r->diff_count += part->diff_count;
    for (size_t k = a; k < b; k++) {
        size_t o = recs[k].ordinal;
        r->src_first[o] += src0;
        if (r->speaker_off[o] != SIZE_MAX)
            r->speaker_off[o] += arena0;
    }
    return RP_OK;
}

/* The groups of copies (same_text) of the sorted quotations, and the items they fall in. */
static rp_status plan_items(const qindex *x, size_t **group, size_t *ngroups, size_t **item,
                            size_t *nitems)
{
    size_t per = x->rec_count / PART_SHARE > PART_RECS ? x->rec_count / PART_SHARE : PART_RECS;
    size_t n = 0, m = 0;

    *group = rp_malloc((x->rec_count + 1) * sizeof(**group));
    *item = rp_malloc((x->rec_count + 1) * sizeof(**item));
    if (!*group || !*item)
        return RP_ENOMEM;
    for (size_t i = 0, j; i < x->rec_count; i = j) {
        for (j = i + 1; j < x->rec_count && same_text(x, &x->recs[i], &x->recs[j]); j++)
            ;
        if (n == 0 || i - (*group)[(*item)[m - 1]] >= per)
            (*item)[m++] = n;
        (*group)[n++] = i;
    }
    (*group)[n] = x->rec_count;
    (*item)[m] = n;
    *ngroups = n;
    *nitems = m;
    return RP_OK;
}

/* Room for every token's tag, in one block (x->tags, x->tag_off; build_index fills it). */
static rp_status collect_tags(qindex *x, size_t ndocs)
{
    size_t total = 0;

    x->tag_off = rp_malloc((ndocs + 1) * sizeof(*x->tag_off));
    if (!x->tag_off)
        return RP_ENOMEM;
    for (size_t d = 0; d < ndocs; d++)
        x->tag_off[d] = total, total += x->docs[d].toks.count;
    x->tag_off[ndocs] = total;
    x->tags = rp_malloc((total + 1) * sizeof(*x->tags));
    return x->tags ? RP_OK : RP_ENOMEM;
}

static rp_status attribute_all(rp_quotes *r, qindex *x, size_t ndocs, unsigned threads)
{
    attrib_job j = {r, x, NULL, ndocs, NULL, NULL, NULL};
    size_t *group = NULL, *item = NULL, ngroups = 0, nitems = 0;
    rp_status st = collect_recs(x, ndocs);

    if (st == RP_OK)
        st = collect_tags(x, ndocs);
    if (st == RP_OK)
        st = build_index(x, ndocs, threads);
    if (st == RP_OK)
        st = reserve_quotes(r, x->rec_count);
    if (st == RP_OK && x->rec_count > 1)
        qsort(x->recs, x->rec_count, sizeof(*x->recs), rec_cmp);
    if (st == RP_OK)
        st = find_popular(x);
    for (size_t p = 0; p < x->pop_count && st == RP_OK; p++)
        st = outside_copies(x, &x->pop[p]);
    if (st == RP_OK)
        st = plan_items(x, &group, &ngroups, &item, &nitems);
    if (st == RP_OK) {
        j.works = rp_calloc(threads, sizeof(*j.works));
        j.parts = rp_calloc(nitems ? nitems : 1, sizeof(*j.parts));
        st = j.works && j.parts ? RP_OK : RP_ENOMEM;
    }
    for (unsigned t = 0; j.works && t < threads; t++) {
        j.works[t].x = x;
        rp_qalign_init(&j.works[t].al);
    }
    j.group = group;
    j.item = item;
    if (st == RP_OK)
        st = rp_pool_run(threads, nitems, attribute_task, &j, "quotes", NULL, NULL);
    for (size_t i = 0; i < nitems && j.parts; i++) {
        if (st == RP_OK)
            st = merge_part(r, j.parts[i], x->recs, group[item[i]], group[item[i + 1]]);
        rp_quotes_free(j.parts[i]);
    }
    for (unsigned t = 0; j.works && t < threads; t++)
        work_release(&j.works[t]);
    rp_free(j.works);
    rp_free(j.parts);
    rp_free(group);
    rp_free(item);
    return st;
}

rp_status rp_quotes_run(const rp_corpus *corpus, const rp_options *opts,
                        const rp_quotes_options *qopts, rp_quotes **out)
{
    size_t ndocs = rp_corpus_count(corpus);
    qindex x;
    rp_quotes *r;
    rp_status st;
    unsigned threads;

    if (rp_options_check(opts) != RP_OK || qopts->min_words < 1 || qopts->min_words > 1000 ||
        qopts->max_sources < 1 || qopts->max_sources > RP_QUOTES_MAX_SOURCES ||
        !rp_corpus_whole(corpus))
        return RP_EINVAL;
    threads = rp_pool_threads(opts);
    memset(&x, 0, sizeof(x));
    x.corpus = corpus;
    r = rp_calloc(1, sizeof(*r));
    if (!r)
        return RP_ENOMEM;
    r->opts = *opts;
    r->qopts = *qopts;
    r->doc_count = ndocs;
    r->stats = rp_calloc(ndocs ? ndocs : 1, sizeof(*r->stats));
    x.docs = rp_calloc(ndocs ? ndocs : 1, sizeof(*x.docs));
    st = r->stats && x.docs ? RP_OK : RP_ENOMEM;
    if (st == RP_OK)
        st = prepare_all(r, &x, ndocs, threads);
    if (st == RP_OK)
        st = attribute_all(r, &x, ndocs, threads);
    qindex_release(&x, x.docs ? ndocs : 0);
    if (st != RP_OK) {
        rp_quotes_free(r);
        return st;
    }
    finish(r);
    *out = r;
    return RP_OK;
}

void rp_quotes_free(rp_quotes *r)
{
    if (!r)
        return;
    rp_free(r->quotes);
    rp_free(r->sources);
    rp_free(r->diffs);
    rp_free(r->speaker_off);
    rp_free(r->src_first);
    rp_free(r->sdiff_first);
    rp_free(r->diff_off);
    rp_buf_release(&r->arena);
    rp_free(r->stats);
    rp_free(r);
}

size_t rp_quotes_count(const rp_quotes *r)
{
    return r->count;
}

const rp_quote *rp_quotes_get(const rp_quotes *r, size_t i)
{
    return i < r->count ? &r->quotes[i] : NULL;
}

const rp_doc_stats *rp_quotes_doc_stats(const rp_quotes *r, uint32_t doc)
{
    return doc < r->doc_count ? &r->stats[doc] : NULL;
}
