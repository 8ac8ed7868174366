/*
 * quotes.c - `reprint quotes`: each quotation (quotes_extract.c) is looked up in an index of
 * every 3-token shingle of the corpus (short quotations need short seeds, and the quotation
 * side must not be winnowed away); seeds of one document are chained along the source, each
 * chain's window is aligned with the whole quotation (quotes_attrib.c), and the alignment's
 * columns give the source's fidelity and its differences.
 */
#include "quotes/quotes.h"
#include "scan/cluster.h"

#include <stdlib.h>
#include <string.h>
#include <xxhash.h>

#define SEED_K 3           /* tokens per seed shingle */
#define SEED_OCC_CAP 2000  /* a shingle found more often seeds nothing (stop-word runs) */
#define CHAIN_GAP 50       /* tokens between seeds of one chain beyond the quotation's length */
#define WINDOW_PAD 8       /* tokens of source around a chain's projected ends */
#define MIN_SEED_SHARE 0.2 /* a chain needs seeds at this share of the quotation's shingles */
#define MIN_COVER 0.65     /* a source matches at least this share of the quotation's tokens */
#define TRIGRAM_SEED 0x71756f746573ULL /* "quotes" */

static const char *const fidelity_names[] = {"verbatim", "normalized", "elided", "altered"};

const char *rp_fidelity_name(rp_fidelity fidelity)
{
    return (unsigned)fidelity < 4 ? fidelity_names[fidelity] : "unknown";
}

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
} docdata;

/* A source while the result is built: strings are offsets into the arena. */
typedef struct cand {
    uint32_t doc, t_start, t_end; /* token range in the source document */
    uint32_t matches, columns;
    bool quoted;
} cand;

typedef struct hit {
    uint32_t doc, pos, qi;
} hit;

struct rp_quotes {
    rp_options opts;
    rp_quotes_options qopts;
    rp_quote *quotes;
    size_t count, cap;
    rp_quote_source *sources;
    size_t source_count, source_cap;
    rp_quote_diff *diffs;
    size_t diff_count, diff_cap;
    size_t *speaker_off; /* per quote: arena offset or SIZE_MAX */
    size_t *src_first;   /* per quote: its first source */
    size_t speaker_cap, first_cap;
    size_t *sdiff_first; /* per source: its first diff (pointers are set by finish) */
    size_t sdiff_cap;
    size_t *diff_off; /* 2 arena offsets per diff */
    size_t diff_off_cap;
    rp_buf arena;
    rp_doc_stats *stats;
    size_t doc_count;
};

/* Scratch of one run. */
typedef struct work {
    const rp_corpus *corpus;
    docdata *docs;
    rp_fingerprint *index;
    size_t index_count;
    hit *hits;
    size_t hit_count, hit_cap;
    uint32_t *stamp;
    size_t stamp_cap;
    cand *cands;
    size_t cand_count, cand_cap;
    uint64_t *qh, *sh;
    size_t qh_cap, sh_cap;
    rp_qalign al;
    rp_qops ops;
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

static rp_status prepare_doc(const rp_options *opts, const rp_doc *d, docdata *dd)
{
    rp_status st = rp_text_tokenize_doc(opts, d, false, &dd->toks);
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

static int fp_cmp(const void *pa, const void *pb)
{
    const rp_fingerprint *a = pa, *b = pb;
    if (a->hash != b->hash)
        return a->hash < b->hash ? -1 : 1;
    if (a->doc != b->doc)
        return a->doc < b->doc ? -1 : 1;
    return a->pos < b->pos ? -1 : a->pos > b->pos;
}

static rp_status build_index(work *w, size_t ndocs)
{
    size_t total = 0, k = 0;

    for (size_t d = 0; d < ndocs; d++)
        total += w->docs[d].toks.count >= SEED_K ? w->docs[d].toks.count - SEED_K + 1 : 0;
    w->index = rp_malloc((total ? total : 1) * sizeof(*w->index));
    if (!w->index)
        return RP_ENOMEM;
    for (size_t d = 0; d < ndocs; d++) {
        const rp_tokens *t = &w->docs[d].toks;
        for (size_t p = 0; p + SEED_K <= t->count; p++)
            w->index[k++] = (rp_fingerprint){trigram(t->items + p), (uint32_t)d, (uint32_t)p};
    }
    if (total > 1)
        qsort(w->index, total, sizeof(*w->index), fp_cmp);
    w->index_count = total;
    return RP_OK;
}

/* The index entries of one shingle hash: [*first, *first + *count). */
static void lookup(const work *w, uint64_t h, size_t *first, size_t *count)
{
    size_t lo = 0, hi = w->index_count;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (w->index[mid].hash < h)
            lo = mid + 1;
        else
            hi = mid;
    }
    *first = lo;
    while (hi < w->index_count && w->index[hi].hash == h)
        hi++;
    *count = hi - lo;
}

/* ---- seeds and chains of one quotation ---- */

static int hit_cmp(const void *pa, const void *pb)
{
    const hit *a = pa, *b = pb;
    if (a->doc != b->doc)
        return a->doc < b->doc ? -1 : 1;
    if (a->pos != b->pos)
        return a->pos < b->pos ? -1 : 1;
    return a->qi < b->qi ? -1 : a->qi > b->qi;
}

/* Seeds of quotation tokens [qs, qe) of doc qd, its own span left out. */
static rp_status collect_hits(work *w, uint32_t qd, uint32_t qs, uint32_t qe)
{
    const rp_token *qt = w->docs[qd].toks.items;

    w->hit_count = 0;
    for (uint32_t i = qs; i + SEED_K <= qe; i++) {
        size_t first, count;
        lookup(w, trigram(qt + i), &first, &count);
        if (count > SEED_OCC_CAP)
            continue;
        for (size_t e = first; e < first + count; e++) {
            const rp_fingerprint *f = &w->index[e];
            if (f->doc == qd && f->pos + SEED_K > qs && f->pos < qe)
                continue; /* the quotation itself */
            if (RP_GROW(w->hits, w->hit_cap, w->hit_count + 1) != RP_OK)
                return RP_ENOMEM;
            w->hits[w->hit_count++] = (hit){f->doc, f->pos, i - qs};
        }
    }
    if (w->hit_count > 1)
        qsort(w->hits, w->hit_count, sizeof(*w->hits), hit_cmp);
    return RP_OK;
}

/* ---- aligning one chain and judging the result ---- */

static bool raw_equal(const rp_doc *a, const rp_token *ta, const rp_doc *b, const rp_token *tb)
{
    return ta->end - ta->start == tb->end - tb->start &&
           memcmp(a->bytes + ta->start, b->bytes + tb->start, ta->end - ta->start) == 0;
}

static rp_status load_hashes(uint64_t **buf, size_t *cap, const rp_token *t, uint32_t n)
{
    if (RP_GROW(*buf, *cap, (size_t)n + 1) != RP_OK)
        return RP_ENOMEM;
    for (uint32_t i = 0; i < n; i++)
        (*buf)[i] = t[i].hash;
    return RP_OK;
}

/* Aligns quotation [qs, qe) of doc qd with source tokens [lo, hi) of doc sd; appends a
 * candidate when the source covers enough of the quotation. */
static rp_status try_window(work *w, uint32_t qd, uint32_t qs, uint32_t qe, uint32_t sd,
                            uint32_t lo, uint32_t hi)
{
    const rp_tokens *qt = &w->docs[qd].toks, *stoks = &w->docs[sd].toks;
    uint32_t m = qe - qs, n = hi - lo, matches = 0;
    rp_status st;

    if ((st = load_hashes(&w->qh, &w->qh_cap, qt->items + qs, m)) != RP_OK ||
        (st = load_hashes(&w->sh, &w->sh_cap, stoks->items + lo, n)) != RP_OK)
        return st;
    st = rp_quotes_align(&w->al, w->qh, m, w->sh, n, &w->ops);
    if (st == RP_ELIMIT)
        return RP_OK; /* too long to align: no source rather than no report */
    if (st != RP_OK)
        return st;
    for (size_t c = 0; c < w->ops.count; c++)
        matches += w->ops.items[c] == RP_QOP_SAME;
    if (matches < SEED_K || matches < MIN_COVER * m)
        return RP_OK;
    if (RP_GROW(w->cands, w->cand_cap, w->cand_count + 1) != RP_OK)
        return RP_ENOMEM;
    uint32_t sj = lo + w->ops.s_first, inside = 0, aligned = 0;
    for (size_t c = 0; c < w->ops.count; c++) {
        uint8_t op = w->ops.items[c];
        if (op == RP_QOP_INS)
            continue;
        if (op != RP_QOP_DEL)
            aligned++, inside += w->docs[sd].inq[sj];
        sj++;
    }
    w->cands[w->cand_count++] =
        (cand){sd, lo + w->ops.s_first, lo + w->ops.s_last, matches, m, 2 * inside > aligned};
    return RP_OK;
}

/* Chains the sorted hits per document and aligns each chain with enough distinct seeds. */
static rp_status chain_hits(work *w, uint32_t qd, uint32_t qs, uint32_t qe)
{
    uint32_t m = qe - qs, need = (uint32_t)(MIN_SEED_SHARE * (m - SEED_K + 1));
    size_t i = 0, chain_id = 0;

    if (RP_GROW(w->stamp, w->stamp_cap, m) != RP_OK)
        return RP_ENOMEM;
    memset(w->stamp, 0, m * sizeof(*w->stamp));
    w->cand_count = 0;
    while (i < w->hit_count) {
        size_t j = i + 1;
        uint32_t distinct = 0;
        chain_id++;
        while (j < w->hit_count && w->hits[j].doc == w->hits[i].doc &&
               w->hits[j].pos - w->hits[j - 1].pos <= m + CHAIN_GAP)
            j++;
        int64_t lo = INT64_MAX, hi = 0;
        for (size_t h = i; h < j; h++) {
            const hit *x = &w->hits[h];
            distinct += w->stamp[x->qi] != (uint32_t)chain_id;
            w->stamp[x->qi] = (uint32_t)chain_id;
            lo = (int64_t)x->pos - x->qi < lo ? (int64_t)x->pos - x->qi : lo;
            hi = (int64_t)x->pos - x->qi + m > hi ? (int64_t)x->pos - x->qi + m : hi;
        }
        uint32_t sd = w->hits[i].doc, ntok = (uint32_t)w->docs[sd].toks.count;
        lo = lo - WINDOW_PAD < 0 ? 0 : lo - WINDOW_PAD;
        hi = hi + WINDOW_PAD > ntok ? ntok : hi + WINDOW_PAD;
        if (sd == qd && w->hits[i].pos >= qe && lo < qe)
            lo = qe; /* keep the window off the quotation itself */
        if (sd == qd && w->hits[j - 1].pos < qs && hi > qs)
            hi = qs;
        bool straddles = sd == qd && w->hits[i].pos < qs && w->hits[j - 1].pos >= qe;
        if (distinct >= need && distinct > 0 && hi > lo && !straddles) {
            rp_status st = try_window(w, qd, qs, qe, sd, (uint32_t)lo, (uint32_t)hi);
            if (st != RP_OK)
                return st;
        }
        i = j;
    }
    return RP_OK;
}

/* Unquoted first, then identity (matches / columns), then document and position. */
static int cand_rank(const void *pa, const void *pb)
{
    const cand *a = pa, *b = pb;
    if (a->quoted != b->quoted)
        return a->quoted ? 1 : -1;
    uint64_t x = (uint64_t)a->matches * b->columns, y = (uint64_t)b->matches * a->columns;
    if (x != y)
        return x > y ? -1 : 1;
    if (a->doc != b->doc)
        return a->doc < b->doc ? -1 : 1;
    return a->t_start < b->t_start ? -1 : a->t_start > b->t_start;
}

/* Drops candidates overlapping a better one in the same document (chains may meet). */
static void dedupe_cands(work *w)
{
    size_t kept = 0;

    if (w->cand_count > 1)
        qsort(w->cands, w->cand_count, sizeof(*w->cands), cand_rank);
    for (size_t i = 0; i < w->cand_count; i++) {
        const cand *c = &w->cands[i];
        bool dup = false;
        for (size_t j = 0; j < kept && !dup; j++)
            dup = w->cands[j].doc == c->doc && w->cands[j].t_start < c->t_end &&
                  c->t_start < w->cands[j].t_end;
        if (!dup)
            w->cands[kept++] = *c;
    }
    w->cand_count = kept;
}

/* ---- fidelity and differences ---- */

static rp_status arena_add(rp_quotes *r, const char *s, size_t len, size_t *off)
{
    *off = r->arena.len;
    if (rp_buf_add(&r->arena, s, len) != RP_OK || rp_buf_addc(&r->arena, '\0') != RP_OK)
        return RP_ENOMEM;
    return RP_OK;
}

/* The bytes of tokens [a, b) of a document, from the first's start to the last's end. */
static void words(const rp_doc *d, const rp_tokens *t, uint32_t a, uint32_t b, const char **s,
                  size_t *len)
{
    *s = d->bytes + (a < b ? t->items[a].start : 0);
    *len = a < b ? t->items[b - 1].end - t->items[a].start : 0;
}

/* An elision mark ("…", "...", "[...]", "(…)") between quotation tokens qi - 1 and qi. */
static bool elision_mark(const rp_doc *d, const rp_tokens *t, uint32_t qs, uint32_t qi, uint32_t qe,
                         const char **s, size_t *len)
{
    if (qi <= qs || qi >= qe)
        return false;
    const char *g = d->bytes + t->items[qi - 1].end, *end = d->bytes + t->items[qi].start;
    for (const char *p = g; p < end; p++) {
        size_t n = strncmp(p, "\xE2\x80\xA6", 3) == 0 ? 3 : strncmp(p, "...", 3) == 0 ? 3 : 0;
        if (n == 0 || p + n > end)
            continue;
        const char *a = p, *b = p + n;
        if (a > g && (a[-1] == '[' || a[-1] == '(') && b < end && (*b == ']' || *b == ')'))
            a--, b++;
        *s = a;
        *len = (size_t)(b - a);
        return true;
    }
    return false;
}

typedef struct side {
    const rp_doc *doc;
    const rp_tokens *toks;
    uint32_t first; /* token index of the alignment's first column */
} side;

static rp_status add_diff(rp_quotes *r, const char *qs, size_t ql, const char *ss, size_t sl)
{
    if (RP_GROW(r->diffs, r->diff_cap, r->diff_count + 1) != RP_OK ||
        RP_GROW(r->diff_off, r->diff_off_cap, 2 * (r->diff_count + 1)) != RP_OK)
        return RP_ENOMEM;
    size_t *o = r->diff_off + 2 * r->diff_count;
    if (arena_add(r, qs, ql, &o[0]) != RP_OK || arena_add(r, ss, sl, &o[1]) != RP_OK)
        return RP_ENOMEM;
    r->diffs[r->diff_count++] = (rp_quote_diff){NULL, NULL};
    return RP_OK;
}

/* One run of differing columns [c0, c1) starting at quote token qi and source token sj. */
static rp_status run_diff(rp_quotes *r, const side *q, const side *s, uint32_t qi, uint32_t qn,
                          uint32_t sj, uint32_t sn, uint32_t qe, bool omission)
{
    const char *qw, *sw;
    size_t ql, sl;

    words(s->doc, s->toks, sj, sj + sn, &sw, &sl);
    if (omission && !elision_mark(q->doc, q->toks, q->first, qi, qe, &qw, &ql))
        qw = "", ql = 0; /* an unmarked omission */
    else if (!omission)
        words(q->doc, q->toks, qi, qi + qn, &qw, &ql);
    return add_diff(r, qw, ql, sw, sl);
}

/* Walks the columns: SAME splits into SAME and FOLD by bytes; runs of other columns become
 * differences (omissions apart from changes); the worst column kind sets the fidelity. */
static rp_status classify(rp_quotes *r, const rp_qops *ops, const side *q, const side *s,
                          uint32_t qe, rp_quote_source *out, size_t *diff_first)
{
    uint32_t qi = q->first, sj = s->first, matches = 0, changed = 0, omitted = 0, folded = 0;
    size_t c = 0;
    rp_status st = RP_OK;

    out->diffs = NULL;
    out->diff_count = 0;
    size_t first_diff = r->diff_count;
    while (c < ops->count && st == RP_OK) {
        uint8_t op = ops->items[c];
        if (op == RP_QOP_SAME &&
            raw_equal(q->doc, &q->toks->items[qi], s->doc, &s->toks->items[sj])) {
            matches++, qi++, sj++, c++;
            continue;
        }
        bool omission = op == RP_QOP_DEL;
        uint32_t q0 = qi, s0 = sj;
        for (; c < ops->count; c++) {
            op = ops->items[c];
            if ((op == RP_QOP_DEL) != omission)
                break;
            if (op == RP_QOP_SAME &&
                raw_equal(q->doc, &q->toks->items[qi], s->doc, &s->toks->items[sj]))
                break;
            matches += op == RP_QOP_SAME, folded += op == RP_QOP_SAME;
            changed += op == RP_QOP_SUB || op == RP_QOP_INS, omitted += op == RP_QOP_DEL;
            qi += op != RP_QOP_DEL, sj += op != RP_QOP_INS;
        }
        st = run_diff(r, q, s, q0, qi - q0, s0, sj - s0, qe, omission);
    }
    if (st != RP_OK)
        return st;
    out->fidelity = changed   ? RP_FIDELITY_ALTERED
                    : omitted ? RP_FIDELITY_ELIDED
                    : folded  ? RP_FIDELITY_NORMALIZED
                              : RP_FIDELITY_VERBATIM;
    out->identity = qi > q->first ? (double)matches / (qi - q->first) : 0.0;
    out->diff_count = r->diff_count - first_diff;
    *diff_first = first_diff;
    return RP_OK;
}

/* ---- one quotation ---- */

static rp_status add_source(rp_quotes *r, work *w, uint32_t qd, uint32_t qs, uint32_t qe,
                            const cand *c)
{
    const rp_doc *sdoc = rp_corpus_doc(w->corpus, c->doc);
    const rp_tokens *st = &w->docs[c->doc].toks;
    uint32_t m = qe - qs, n = c->t_end - c->t_start;
    rp_quote_source src = {0};
    size_t diff_first;
    rp_status s;

    if ((s = load_hashes(&w->qh, &w->qh_cap, w->docs[qd].toks.items + qs, m)) != RP_OK ||
        (s = load_hashes(&w->sh, &w->sh_cap, st->items + c->t_start, n)) != RP_OK ||
        (s = rp_quotes_align(&w->al, w->qh, m, w->sh, n, &w->ops)) != RP_OK)
        return s;
    side q = {rp_corpus_doc(w->corpus, qd), &w->docs[qd].toks, qs};
    side sd = {sdoc, st, c->t_start + w->ops.s_first};
    if ((s = classify(r, &w->ops, &q, &sd, qe, &src, &diff_first)) != RP_OK)
        return s;
    if (RP_GROW(r->sources, r->source_cap, r->source_count + 1) != RP_OK ||
        RP_GROW(r->sdiff_first, r->sdiff_cap, r->source_count + 1) != RP_OK)
        return RP_ENOMEM;
    src.doc = c->doc;
    src.start = st->items[sd.first].start;
    src.end = st->items[c->t_start + w->ops.s_last - 1].end;
    src.quoted = c->quoted;
    rp_cluster_line_col(sdoc->bytes, 0, 1, 1, src.start, &src.line, &src.column);
    r->sdiff_first[r->source_count] = diff_first;
    r->sources[r->source_count++] = src;
    return RP_OK;
}

static rp_status add_quote(rp_quotes *r, work *w, uint32_t qd, const rp_qspan *sp, uint32_t qs,
                           uint32_t qe)
{
    const rp_doc *d = rp_corpus_doc(w->corpus, qd);
    rp_quote q = {qd, sp->start, sp->end, 0, 0, qe - qs, NULL, NULL, 0};
    size_t off, len, speaker = SIZE_MAX, first = r->source_count;
    rp_status st;

    if ((st = collect_hits(w, qd, qs, qe)) != RP_OK || (st = chain_hits(w, qd, qs, qe)) != RP_OK)
        return st;
    dedupe_cands(w);
    for (size_t k = 0; k < w->cand_count && k < r->qopts.max_sources; k++)
        if ((st = add_source(r, w, qd, qs, qe, &w->cands[k])) != RP_OK)
            return st;
    if (rp_quotes_speaker(d->bytes, d->len, sp, &off, &len) &&
        arena_add(r, d->bytes + off, len, &speaker) != RP_OK)
        return RP_ENOMEM;
    if (RP_GROW(r->quotes, r->cap, r->count + 1) != RP_OK ||
        RP_GROW(r->speaker_off, r->speaker_cap, r->count + 1) != RP_OK ||
        RP_GROW(r->src_first, r->first_cap, r->count + 1) != RP_OK)
        return RP_ENOMEM;
    rp_cluster_line_col(d->bytes, 0, 1, 1, sp->start, &q.line, &q.column);
    q.source_count = r->source_count - first;
    r->speaker_off[r->count] = speaker;
    r->src_first[r->count] = first;
    r->quotes[r->count++] = q;
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

static void work_release(work *w, size_t ndocs)
{
    for (size_t d = 0; w->docs && d < ndocs; d++) {
        rp_tokens_release(&w->docs[d].toks);
        rp_qspans_release(&w->docs[d].spans);
        rp_free(w->docs[d].inq);
    }
    rp_free(w->docs);
    rp_free(w->index);
    rp_free(w->hits);
    rp_free(w->stamp);
    rp_free(w->cands);
    rp_free(w->qh);
    rp_free(w->sh);
    rp_qalign_release(&w->al);
    rp_free(w->ops.items);
}

static rp_status prepare_all(rp_quotes *r, work *w, size_t ndocs)
{
    rp_status st;

    for (size_t d = 0; d < ndocs; d++) {
        rp_tokens_init(&w->docs[d].toks);
        rp_qspans_init(&w->docs[d].spans);
    }
    for (size_t d = 0; d < ndocs; d++) {
        docdata *dd = &w->docs[d];
        if ((st = prepare_doc(&r->opts, rp_corpus_doc(w->corpus, (uint32_t)d), dd)) != RP_OK)
            return st;
        size_t inside = 0;
        for (size_t t = 0; t < dd->toks.count; t++)
            inside += dd->inq[t];
        r->stats[d] = (rp_doc_stats){(uint32_t)dd->toks.count,
                                     dd->toks.count ? (double)inside / dd->toks.count : 0.0,
                                     dd->toks.invalid_utf8, dd->toks.first_invalid};
    }
    return build_index(w, ndocs);
}

static rp_status attribute_all(rp_quotes *r, work *w, size_t ndocs)
{
    for (size_t d = 0; d < ndocs; d++) {
        const docdata *dd = &w->docs[d];
        for (size_t i = 0; i < dd->spans.count; i++) {
            const rp_qspan *sp = &dd->spans.items[i];
            uint32_t a, b;
            token_range(&dd->toks, sp->start, sp->end, &a, &b);
            if (b < a + r->qopts.min_words || b < a + SEED_K)
                continue;
            rp_status st = add_quote(r, w, (uint32_t)d, sp, a, b);
            if (st != RP_OK)
                return st;
        }
    }
    return RP_OK;
}

rp_status rp_quotes_run(const rp_corpus *corpus, const rp_options *opts,
                        const rp_quotes_options *qopts, rp_quotes **out)
{
    size_t ndocs = rp_corpus_count(corpus);
    work w;
    rp_quotes *r;
    rp_status st;

    if (rp_options_check(opts) != RP_OK || qopts->min_words < 1 || qopts->min_words > 1000 ||
        qopts->max_sources < 1)
        return RP_EINVAL;
    memset(&w, 0, sizeof(w));
    w.corpus = corpus;
    rp_qalign_init(&w.al);
    r = rp_calloc(1, sizeof(*r));
    if (!r)
        return RP_ENOMEM;
    r->opts = *opts;
    r->qopts = *qopts;
    r->doc_count = ndocs;
    r->stats = rp_calloc(ndocs ? ndocs : 1, sizeof(*r->stats));
    w.docs = rp_calloc(ndocs ? ndocs : 1, sizeof(*w.docs));
    st = r->stats && w.docs ? RP_OK : RP_ENOMEM;
    if (st == RP_OK)
        st = prepare_all(r, &w, ndocs);
    if (st == RP_OK)
        st = attribute_all(r, &w, ndocs);
    work_release(&w, w.docs ? ndocs : 0);
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
