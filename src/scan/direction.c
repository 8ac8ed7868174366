/*
 * direction.c - who had it first and who copies whom, from the clusters and the documents'
 * dates (rp_doc.date): each cluster's earliest passage, each pair's earlier side, the `series`
 * kind (a repeat among documents of one series: an outlet repeating itself), and per document
 * its sources, the documents it shares text with. Sources are gathered per document on demand
 * from a document -> passages index, so memory stays linear in the passages even when one
 * text recurs in thousands of documents.
 */
#include "scan/direction.h"

#include <stdlib.h>
#include <string.h>

/* -1 when doc a is earlier than doc b, 1 when later, 0 when unknown or the same date. */
static int date_cmp(const rp_doc *a, const rp_doc *b)
{
    if (!a->dated || !b->dated || a->date == b->date)
        return 0;
    return a->date < b->date ? -1 : 1;
}

/* Earlier in the reading order of `first`: dated before undated, then date, then input
 * order (passages come in (doc, start) order, so the index breaks the rest). */
static bool before(const rp_doc *a, const rp_doc *b)
{
    if (a->dated != b->dated)
        return a->dated;
    return a->dated && a->date < b->date;
}

size_t rp_cluster_first(const rp_corpus *corpus, const rp_cluster *c)
{
    size_t best = 0;

    for (size_t i = 1; i < c->passage_count; i++)
        if (before(rp_corpus_doc(corpus, c->passages[i].doc),
                   rp_corpus_doc(corpus, c->passages[best].doc)))
            best = i;
    return best;
}

char rp_pair_earlier(const rp_corpus *corpus, const rp_cluster *c, const rp_pair *pair)
{
    int cmp = date_cmp(rp_corpus_doc(corpus, c->passages[pair->a].doc),
                       rp_corpus_doc(corpus, c->passages[pair->b].doc));

    return cmp < 0 ? 'a' : cmp > 0 ? 'b' : 0;
}

const char *rp_direction_name(rp_direction direction)
{
    switch (direction) {
    case RP_DIRECTION_FROM: return "copied_from";
    case RP_DIRECTION_BY: return "copied_by";
    case RP_DIRECTION_SAME: return "same_time";
    case RP_DIRECTION_UNKNOWN: break;
    }
    return NULL;
}

void rp_direction_series(const rp_corpus *corpus, rp_clusters *clusters)
{
    for (size_t i = 0; i < clusters->count; i++) {
        rp_cluster *c = &clusters->items[i];
        const char *series = rp_corpus_doc(corpus, c->passages[0].doc)->series;
        bool one = series != NULL;

        if (c->kind != RP_KIND_REPRINT)
            continue;
        for (size_t j = 1; j < c->passage_count && one; j++) {
            const char *s = rp_corpus_doc(corpus, c->passages[j].doc)->series;
            one = s && strcmp(s, series) == 0;
        }
        if (one)
            c->kind = RP_KIND_SERIES;
    }
}

/* ---- sources ---- */

typedef struct entry {
    uint32_t cluster;
    uint32_t passage;
} entry;

typedef struct acc {
    uint32_t tokens;
    uint32_t stamp;  /* the last entry that counted its tokens here, plus one */
    double direct;   /* best pair identity between the two documents, -1: none */
    double indirect; /* best lower identity of two passages joined through others */
    bool touched;
} acc;

struct rp_sources {
    const rp_corpus *corpus;
    const rp_scan *scan;
    uint32_t *start; /* doc d's entries are entries[start[d], start[d + 1]) */
    entry *entries;
    acc *accs;         /* per document, for the one being gathered */
    uint32_t *touched; /* documents with an acc in use */
    rp_source *out;
};

static bool counts(const rp_cluster *c, const rp_options *opts)
{
    return c->kind != RP_KIND_BOILERPLATE && c->documents >= 2 &&
           (opts->kinds & (1u << c->kind)) != 0;
}

/* Counts then places each counted passage under its document (CSR). */
static rp_status build_index(rp_sources *s, const rp_options *opts, size_t docs)
{
    size_t n = rp_scan_cluster_count(s->scan), total = 0;

    if (!(s->start = rp_calloc(docs + 1, sizeof(*s->start))))
        return RP_ENOMEM;
    for (size_t i = 0; i < n; i++) {
        const rp_cluster *c = rp_scan_cluster(s->scan, i);
        for (size_t j = 0; counts(c, opts) && j < c->passage_count; j++, total++)
            s->start[c->passages[j].doc + 1]++;
    }
    if (total > UINT32_MAX)
        return RP_ELIMIT;
    for (size_t d = 0; d < docs; d++)
        s->start[d + 1] += s->start[d];
    if (!(s->entries = rp_malloc((total ? total : 1) * sizeof(*s->entries))))
        return RP_ENOMEM;
    for (size_t i = 0; i < n; i++) {
        const rp_cluster *c = rp_scan_cluster(s->scan, i);
        for (size_t j = 0; counts(c, opts) && j < c->passage_count; j++) {
            uint32_t *at = &s->start[c->passages[j].doc];
            s->entries[(*at)++] = (entry){(uint32_t)i, (uint32_t)j};
        }
    }
    memmove(s->start + 1, s->start, docs * sizeof(*s->start)); /* back to the starts */
    s->start[0] = 0;
    return RP_OK;
}

rp_status rp_sources_new(const rp_corpus *corpus, const rp_scan *scan, const rp_options *opts,
                         rp_sources **out)
{
    size_t docs = rp_corpus_count(corpus);
    rp_sources *s = rp_calloc(1, sizeof(*s));
    rp_status st = RP_ENOMEM;

    if (!s)
        return RP_ENOMEM;
    s->corpus = corpus;
    s->scan = scan;
    if ((st = build_index(s, opts, docs)) != RP_OK)
        goto fail;
    st = RP_ENOMEM;
    s->accs = rp_calloc(docs ? docs : 1, sizeof(*s->accs));
    s->touched = rp_malloc((docs ? docs : 1) * sizeof(*s->touched));
    s->out = rp_malloc((docs ? docs : 1) * sizeof(*s->out));
    if (!s->accs || !s->touched || !s->out)
        goto fail;
    *out = s;
    return RP_OK;
fail:
    rp_sources_free(s);
    return st;
}

void rp_sources_free(rp_sources *s)
{
    if (!s)
        return;
    rp_free(s->start);
    rp_free(s->entries);
    rp_free(s->accs);
    rp_free(s->touched);
    rp_free(s->out);
    rp_free(s);
}

static acc *touch(rp_sources *s, uint32_t doc, size_t *n_touched)
{
    acc *a = &s->accs[doc];

    if (!a->touched) {
        *a = (acc){0, 0, -1.0, 0.0, true};
        s->touched[(*n_touched)++] = doc;
    }
    return a;
}

/* Adds what passage e.passage of doc shares with the other documents of its cluster. */
static void gather(rp_sources *s, uint32_t doc, entry e, uint32_t stamp, size_t *n_touched)
{
    const rp_cluster *c = rp_scan_cluster(s->scan, e.cluster);
    const rp_passage *p = &c->passages[e.passage];

    for (size_t j = 0; j < c->passage_count; j++) {
        const rp_passage *q = &c->passages[j];
        acc *a;
        double low = p->identity < q->identity ? p->identity : q->identity;
        if (q->doc == doc)
            continue;
        a = touch(s, q->doc, n_touched);
        if (a->stamp != stamp) { /* each of doc's passages counts once per other document */
            a->stamp = stamp;
            a->tokens += p->tokens;
        }
        a->indirect = low > a->indirect ? low : a->indirect;
    }
    for (size_t k = 0; k < c->pair_count; k++) {
        const rp_pair *pr = &c->pairs[k];
        uint32_t other = pr->a == e.passage ? pr->b : pr->b == e.passage ? pr->a : UINT32_MAX;
        if (other == UINT32_MAX || c->passages[other].doc == doc)
            continue;
        acc *a = touch(s, c->passages[other].doc, n_touched);
        a->direct = pr->identity > a->direct ? pr->identity : a->direct;
    }
}

static int source_cmp(const void *pa, const void *pb)
{
    const rp_source *a = pa, *b = pb;

    if (a->tokens != b->tokens)
        return a->tokens > b->tokens ? -1 : 1;
    return a->doc < b->doc ? -1 : a->doc > b->doc;
}

static rp_direction direction_of(const rp_doc *d, const rp_doc *e)
{
    if (!d->dated || !e->dated)
        return RP_DIRECTION_UNKNOWN;
    return e->date < d->date   ? RP_DIRECTION_FROM
           : e->date > d->date ? RP_DIRECTION_BY
                               : RP_DIRECTION_SAME;
}

rp_status rp_sources_of(rp_sources *s, uint32_t doc, const rp_source **items, size_t *count)
{
    size_t n = 0;
    const rp_doc *d = rp_corpus_doc(s->corpus, doc);
    const rp_doc_stats *ds = rp_scan_doc_stats(s->scan, doc);

    if (!d)
        return RP_ENOTFOUND;
    for (uint32_t i = s->start[doc]; i < s->start[doc + 1]; i++)
        gather(s, doc, s->entries[i], i + 1, &n);
    for (size_t i = 0; i < n; i++) {
        uint32_t e = s->touched[i];
        acc *a = &s->accs[e];
        double share = ds && ds->tokens ? (double)a->tokens / ds->tokens : 0.0;
        s->out[i] = (rp_source){e, a->tokens, share > 1.0 ? 1.0 : share,
                                a->direct >= 0.0 ? a->direct : a->indirect,
                                direction_of(d, rp_corpus_doc(s->corpus, e))};
        a->touched = false;
    }
    qsort(s->out, n, sizeof(*s->out), source_cmp);
    *items = s->out;
    *count = n;
    return RP_OK;
}
