/*
 * explain.c - rp_scan_explain: what two documents share and why a passage was or was not
 * reported. It fingerprints both documents as the scan does, counts each shared hash's
 * documents over the corpus, makes the seeds the index would make, and aligns them with the
 * scan's own aligner, writing each step as text.
 */
#include "scan/scan.h"

#include "scan/align.h"
#include "scan/index.h"

#include "base/sort.h"

#include <string.h>

RP_DEFINE_SORT(sort_u64, uint64_t, RP_SORT_LESS_NUM)


typedef struct explain {
    const rp_corpus *corpus;
    const rp_options *opts;
    uint32_t doc[2];
    rp_tokens toks[2];
    rp_fingerprints fps[2];
    uint64_t *shared; /* sorted distinct hashes found in both */
    size_t shared_count;
    uint32_t *df, *occ; /* per shared hash: documents and occurrences in the corpus */
    rp_seeds seeds;
    rp_align_work work;
    rp_hits hits;
    rp_buf out;
} explain;

static int u64_find(const uint64_t *v, size_t n, uint64_t x, size_t *at)
{
    size_t lo = 0, hi = n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (v[mid] < x)
            lo = mid + 1;
        else
            hi = mid;
    }
    *at = lo;
    return lo < n && v[lo] == x;
}

/* Sorted distinct hashes of a fingerprint list. OWNED (rp_free). */
static rp_status distinct_hashes(const rp_fingerprints *fps, uint64_t **out, size_t *count)
{
    size_t k = 0;
    uint64_t *h = rp_malloc((fps->count ? fps->count : 1) * sizeof(uint64_t));
    if (!h)
        return RP_ENOMEM;
    for (size_t i = 0; i < fps->count; i++)
        h[i] = fps->items[i].hash;
    sort_u64(h, fps->count);
    for (size_t i = 0; i < fps->count; i++)
        if (i == 0 || h[i] != h[i - 1])
            h[k++] = h[i];
    *out = h;
    *count = k;
    return RP_OK;
}

/* Distinct hashes that both sides have. */
static rp_status shared_hashes(explain *e)
{
    uint64_t *h1;
    size_t n1, m = 0, at;
    if (distinct_hashes(&e->fps[0], &e->shared, &e->shared_count) != RP_OK)
        return RP_ENOMEM;
    if (distinct_hashes(&e->fps[1], &h1, &n1) != RP_OK)
        return RP_ENOMEM;
    for (size_t i = 0; i < e->shared_count; i++)
        if (u64_find(h1, n1, e->shared[i], &at))
            e->shared[m++] = e->shared[i];
    e->shared_count = m;
    rp_free(h1);
    return RP_OK;
}

/* Documents and occurrences of each shared hash in the whole corpus (one more winnowing pass). */
static rp_status corpus_df(explain *e)
{
    rp_tokens toks;
    rp_fingerprints fps;
    uint32_t *last = rp_malloc((e->shared_count ? e->shared_count : 1) * sizeof(uint32_t));
    rp_status st = RP_OK;

    e->df = rp_calloc(e->shared_count ? e->shared_count : 1, sizeof(uint32_t));
    e->occ = rp_calloc(e->shared_count ? e->shared_count : 1, sizeof(uint32_t));
    rp_tokens_init(&toks);
    rp_fingerprints_init(&fps);
    if (!last || !e->df || !e->occ)
        st = RP_ENOMEM;
    for (size_t i = 0; st == RP_OK && i < e->shared_count; i++)
        last[i] = UINT32_MAX;
    for (uint32_t d = 0; st == RP_OK && d < rp_corpus_count(e->corpus); d++) {
        const rp_doc *doc = rp_corpus_doc(e->corpus, d);
        fps.count = 0;
        st = rp_text_tokenize_doc(e->opts, doc, false, &toks);
        if (st == RP_OK)
            st = rp_shingle_winnow(e->opts, toks.items, toks.count, d, &fps);
        for (size_t i = 0, at; st == RP_OK && i < fps.count; i++) {
            if (!u64_find(e->shared, e->shared_count, fps.items[i].hash, &at))
                continue;
            e->occ[at]++;
            e->df[at] += last[at] != d;
            last[at] = d;
        }
    }
    rp_free(last);
    rp_tokens_release(&toks);
    rp_fingerprints_release(&fps);
    return st;
}

static rp_status add_seed(rp_seeds *seeds, rp_seed s)
{
    if (RP_GROW(seeds->items, seeds->cap, seeds->count + 1) != RP_OK)
        return RP_ENOMEM;
    seeds->items[seeds->count++] = s;
    return RP_OK;
}

/* Prints the shared fingerprints and collects the seeds the scan would use. */
static rp_status shared_report(explain *e)
{
    const rp_fingerprints *fa = &e->fps[0], *fb = &e->fps[1];
    size_t cap = rp_index_occ_cap(e->opts), at;
    uint32_t k = e->opts->shingle;
    rp_status st = rp_buf_addf(&e->out, "shared fingerprints: %zu distinct\n", e->shared_count);
    for (size_t i = 0; st == RP_OK && i < fa->count; i++) {
        if (!u64_find(e->shared, e->shared_count, fa->items[i].hash, &at))
            continue;
        for (size_t j = 0; st == RP_OK && j < fb->count; j++) {
            const rp_fingerprint *x = &fa->items[i], *y = &fb->items[j];
            if (y->hash != x->hash || (e->doc[0] == e->doc[1] && y->pos < x->pos + k))
                continue;
            const char *why = e->df[at] > e->opts->max_df ? "frequent: seeds neighbouring documents only"
                              : e->occ[at] > cap          ? "too many occurrences: seeds nothing"
                                                          : "seed";
            st = rp_buf_addf(&e->out,
                             "  %016llx  A token %u (bytes %u-%u)  B token %u (bytes %u-%u)  "
                             "df %u, %u occurrences: %s\n",
                             (unsigned long long)x->hash, x->pos, e->toks[0].items[x->pos].start,
                             e->toks[0].items[x->pos + k - 1].end, y->pos,
                             e->toks[1].items[y->pos].start, e->toks[1].items[y->pos + k - 1].end,
                             e->df[at], e->occ[at], why);
            if (st != RP_OK || why[0] != 's')
                continue;
            uint32_t ca = rp_index_context(e->toks[0].items, e->toks[0].count, x->pos, k),
                     cb = rp_index_context(e->toks[1].items, e->toks[1].count, y->pos, k);
            st = add_seed(&e->seeds, rp_seed_of(e->doc[0], x->pos, ca, e->doc[1], y->pos, cb,
                                                rp_seed_weak(e->df[at])));
        }
    }
    return st;
}

static const char *hit_status_text(rp_hit_status s)
{
    switch (s) {
    case RP_HIT_REPORTED: return "reported";
    case RP_HIT_SHORT: return "not reported: a side has fewer than min_tokens tokens";
    case RP_HIT_LOW_IDENTITY: return "not reported: identity below min_identity";
    case RP_HIT_OVERLAP: return "not reported: the two sides overlap";
    case RP_HIT_MERGED: return "merged into an overlapping alignment";
    }
    return "?";
}

static rp_status hits_report(explain *e, const uint32_t *ha, const uint32_t *hb)
{
    rp_status st = rp_align_chain(e->opts, e->seeds.items, e->seeds.count, &e->work);
    if (st == RP_OK)
        st = rp_buf_addf(&e->out, "seeds: %zu\nchains: %zu\n", e->seeds.count,
                         e->work.chains.count);
    for (size_t i = 0; st == RP_OK && i < e->work.chains.count; i++) {
        const rp_chain *c = &e->work.chains.items[i];
        st = rp_buf_addf(&e->out, "  A tokens %u-%u  B tokens %u-%u  %u seeds\n", c->first_a,
                         c->last_a + e->opts->shingle, c->first_b, c->last_b + e->opts->shingle,
                         c->seeds);
    }
    if (st == RP_OK)
        st = rp_align_pair(e->opts, ha, (uint32_t)e->toks[0].count, hb,
                           (uint32_t)e->toks[1].count, e->seeds.items, e->seeds.count, true,
                           &e->work, &e->hits);
    if (st == RP_OK)
        st = rp_buf_addf(&e->out, "alignments: %zu\n", e->hits.count);
    for (size_t i = 0; st == RP_OK && i < e->hits.count; i++) {
        const rp_hit *h = &e->hits.items[i];
        const rp_token *ta = e->toks[0].items, *tb = e->toks[1].items;
        st = rp_buf_addf(&e->out,
                         "  A tokens %u-%u (bytes %u-%u)  B tokens %u-%u (bytes %u-%u)  "
                         "%u matches / %u columns = identity %.3f: %s\n",
                         h->a_start, h->a_end, ta[h->a_start].start, ta[h->a_end - 1].end,
                         h->b_start, h->b_end, tb[h->b_start].start, tb[h->b_end - 1].end,
                         h->matches, h->columns,
                         h->columns ? (double)h->matches / h->columns : 0.0,
                         hit_status_text(h->status));
    }
    return st;
}

static void explain_release(explain *e)
{
    for (int i = 0; i < 2; i++) {
        rp_tokens_release(&e->toks[i]);
        rp_fingerprints_release(&e->fps[i]);
    }
    rp_free(e->shared);
    rp_free(e->df);
    rp_free(e->occ);
    rp_free(e->seeds.items);
    rp_align_work_release(&e->work);
    rp_free(e->hits.items);
    rp_buf_release(&e->out);
}

/* Tokens, fingerprints and a header line for both documents. */
static rp_status explain_docs(explain *e)
{
    rp_status st = RP_OK;
    for (int i = 0; st == RP_OK && i < 2; i++) {
        const rp_doc *doc = rp_corpus_doc(e->corpus, e->doc[i]);
        st = rp_text_tokenize_doc(e->opts, doc, false, &e->toks[i]);
        if (st == RP_OK)
            st = rp_shingle_winnow(e->opts, e->toks[i].items, e->toks[i].count, e->doc[i],
                                   &e->fps[i]);
        if (st == RP_OK)
            st = rp_buf_addf(&e->out, "%c: document %u '%s': %zu tokens, %zu fingerprints\n",
                             "AB"[i], e->doc[i], doc->name, e->toks[i].count, e->fps[i].count);
    }
    return st;
}

rp_status rp_scan_explain(const rp_corpus *corpus, const rp_options *opts, uint32_t doc_a,
                          uint32_t doc_b, char **out_text)
{
    explain e;
    uint32_t *ha = NULL, *hb = NULL, na, nb;
    rp_status st = rp_options_check(opts);

    if (st != RP_OK)
        return st;
    if (doc_a >= rp_corpus_count(corpus) || doc_b >= rp_corpus_count(corpus))
        return RP_ENOTFOUND;
    memset(&e, 0, sizeof(e));
    e.corpus = corpus;
    e.opts = opts;
    e.doc[0] = doc_a < doc_b ? doc_a : doc_b;
    e.doc[1] = doc_a < doc_b ? doc_b : doc_a;
    for (int i = 0; i < 2; i++)
        rp_tokens_init(&e.toks[i]);
    st = explain_docs(&e);
    if (st == RP_OK)
        st = shared_hashes(&e);
    if (st == RP_OK)
        st = corpus_df(&e);
    if (st == RP_OK)
        st = shared_report(&e);
    if (st == RP_OK && e.seeds.count == 1 && rp_seed_alone_dropped(&e.seeds.items[0]))
        st = rp_buf_addf(&e.out, "the scan does not align this pair: its one seed %s\n",
                         (e.seeds.items[0].pos_b & RP_SEED_WEAK)
                             ? "is a phrase common by chance (in many documents)"
                             : "has different words on both sides of it in the two places");
    for (size_t i = 0; i < e.seeds.count; i++)
        rp_seed_clear_flags(&e.seeds.items[i]);
    if (st == RP_OK) {
        rp_seeds_sort(e.seeds.items, e.seeds.count);
        st = rp_scan_held_token_hashes(&e.toks[0], &ha, &na);
    }
    if (st == RP_OK)
        st = rp_scan_held_token_hashes(&e.toks[1], &hb, &nb);
    if (st == RP_OK)
        st = hits_report(&e, ha, hb);
    if (st == RP_OK)
        st = rp_buf_detach(&e.out, out_text);
    rp_free(ha);
    rp_free(hb);
    explain_release(&e);
    return st;
}
