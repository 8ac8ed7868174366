/*
 * dedup.c - near-duplicate documents. A document's signature is its set of winnowed
 * fingerprints (Schleimer et al. 2003); two documents compare by resemblance, the Jaccard
 * index of their sets, and containment, the share of one set inside the other (Broder, "On
 * the resemblance and containment of documents", 1997). Candidates come from an inverted index
 * of a fixed-rate sample of fingerprints (Broder's "mod m" sampling keeps containment), so
 * batch grouping runs the same incremental rule as the LMDB store (store.c) and agrees with it.
 */
#include "dedup/dedup.h"
#include "base/pool.h"
#include "base/sort.h"

#include "corpus/corpus.h"
#include "base/escape.h"

#include <jansson.h>
#include <stdlib.h>
#include <string.h>
#include <xxhash.h>

/* ---- names, options ---- */

static const char *const verdict_names[] = {"new",       "duplicate", "near-duplicate",
                                            "contains",  "contained", "seen",
                                            "too_short"};

const char *rp_verdict_name(rp_verdict verdict)
{
    return (unsigned)verdict <= RP_VERDICT_TOO_SHORT ? verdict_names[verdict] : "?";
}

rp_status rp_keep_parse(const char *name, rp_keep *out)
{
    static const char *const names[] = {"first", "longest", "newest"};

    for (int i = 0; i < 3; i++) {
        if (strcmp(name, names[i]) == 0) {
            *out = (rp_keep)i;
            return RP_OK;
        }
    }
    return RP_EINVAL;
}

static const char *keep_name(rp_keep keep)
{
    return keep == RP_KEEP_LONGEST ? "longest" : keep == RP_KEEP_NEWEST ? "newest" : "first";
}

void rp_dedup_options_init(rp_dedup_options *dopts)
{
    /* Measured on bench/gen_feed.py's generated feed (BENCHMARKS.md). */
    dopts->resemblance = 0.5;
    dopts->containment = 0.6;
    dopts->keep = RP_KEEP_FIRST;
    dopts->date_field = NULL;
}

static bool dedup_options_ok(const rp_dedup_options *d)
{
    return d->resemblance >= 0.0 && d->resemblance <= 1.0 && d->containment >= 0.0 &&
           d->containment <= 1.0;
}

/* ---- dates: one rule with the scan (corpus/date.c) ---- */

const char *rp_dedup_date_field(const rp_dedup_options *dopts)
{
    return dopts->date_field ? dopts->date_field : "date";
}

bool rp_dedup_doc_date(const rp_doc *doc, const char *field, int64_t *out)
{
    return rp_corpus_meta_date(doc->meta, field, out);
}

/* ---- signatures and similarity ---- */

void rp_dedup_scratch_init(rp_dedup_scratch *s)
{
    rp_tokens_init(&s->toks);
    rp_fingerprints_init(&s->fps);
    s->hashes = NULL;
    s->hashes_cap = 0;
}

void rp_dedup_scratch_release(rp_dedup_scratch *s)
{
    rp_tokens_release(&s->toks);
    rp_fingerprints_release(&s->fps);
    rp_free(s->hashes);
    s->hashes = NULL;
    s->hashes_cap = 0;
}

void rp_dedup_sig_init(rp_dedup_sig *sig)
{
    memset(sig, 0, sizeof(*sig));
}

void rp_dedup_sig_release(rp_dedup_sig *sig)
{
    rp_free(sig->fps);
    rp_dedup_sig_init(sig);
}

RP_DEFINE_SORT(sort_u32, uint32_t, RP_SORT_LESS_NUM)

void rp_dedup_sort_u32(uint32_t *v, size_t n)
{
    sort_u32(v, n);
}

/* Sorts and drops repeats; returns the new count. */
static size_t sort_unique_u32(uint32_t *v, size_t n)
{
    size_t out = 0;

    rp_dedup_sort_u32(v, n);
    for (size_t i = 0; i < n; i++)
        if (out == 0 || v[out - 1] != v[i])
            v[out++] = v[i];
    return out;
}

/* XXH3 over the token hashes: equal sequences after normalization, equal hash. Hashed in one
 * call over a copy (the same value as feeding them one by one, several times faster). */
static rp_status content_hash(rp_dedup_scratch *scratch, uint64_t *out)
{
    const rp_tokens *toks = &scratch->toks;

    if (RP_GROW(scratch->hashes, scratch->hashes_cap, toks->count + 1) != RP_OK)
        return RP_ENOMEM;
    for (size_t i = 0; i < toks->count; i++)
        scratch->hashes[i] = toks->items[i].hash;
    *out = XXH3_64bits(scratch->hashes, toks->count * sizeof(uint64_t));
    return RP_OK;
}

rp_status rp_dedup_signature(const rp_options *opts, const rp_doc *doc,
                             rp_dedup_scratch *scratch, rp_dedup_sig *sig)
{
    rp_status st = rp_text_tokenize_doc(opts, doc, false, &scratch->toks);

    if (st != RP_OK)
        return st;
    scratch->fps.count = 0;
    st = rp_shingle_winnow(opts, scratch->toks.items, scratch->toks.count, 0, &scratch->fps);
    if (st != RP_OK)
        return st;
    if (RP_GROW(sig->fps, sig->cap, scratch->fps.count + 1) != RP_OK)
        return RP_ENOMEM;
    for (size_t i = 0; i < scratch->fps.count; i++)
        sig->fps[i] = (uint32_t)scratch->fps.items[i].hash;
    sig->count = sort_unique_u32(sig->fps, scratch->fps.count);
    if (content_hash(scratch, &sig->content) != RP_OK)
        return RP_ENOMEM;
    sig->tokens = (uint32_t)scratch->toks.count;
    sig->invalid_utf8 = scratch->toks.invalid_utf8;
    return RP_OK;
}

/* Signatures on the pool: documents cut into chunks a worker takes whole, each worker with its
 * own scratch. Each signature depends on its document alone, so they are the same for any
 * number of threads; the judging that follows stays in input order on one thread. */
#define SIG_CHUNK 64u

typedef struct sig_job {
    const rp_options *opts;
    const rp_corpus *corpus;
    uint32_t from, count;
    rp_dedup_sig *sigs;
    rp_dedup_scratch *scratch; /* one per worker */
} sig_job;

static rp_status sign_chunk(void *ctx, size_t item, unsigned worker)
{
    const sig_job *j = ctx;
    uint32_t lo = (uint32_t)item * SIG_CHUNK;
    uint32_t hi = j->count - lo < SIG_CHUNK ? j->count : lo + SIG_CHUNK;
    rp_status st = RP_OK;

    for (uint32_t i = lo; i < hi && st == RP_OK; i++)
        st = rp_dedup_signature(j->opts, rp_corpus_doc(j->corpus, j->from + i),
                                &j->scratch[worker], &j->sigs[i]);
    return st;
}

rp_status rp_dedup_signatures(const rp_options *opts, const rp_corpus *corpus, uint32_t from,
                              uint32_t count, rp_dedup_sig *sigs)
{
    size_t chunks = ((size_t)count + SIG_CHUNK - 1) / SIG_CHUNK;
    unsigned threads = rp_pool_threads(opts);
    sig_job j = {opts, corpus, from, count, sigs, NULL};
    rp_status st;

    if (threads > chunks)
        threads = chunks ? (unsigned)chunks : 1;
    if (threads > 256)
        threads = 256;
    j.scratch = rp_calloc(threads, sizeof(*j.scratch));
    if (!j.scratch)
        return RP_ENOMEM;
    for (unsigned w = 0; w < threads; w++)
        rp_dedup_scratch_init(&j.scratch[w]);
    st = rp_pool_run(threads, chunks, sign_chunk, &j, "fingerprint", NULL, NULL);
    for (unsigned w = 0; w < threads; w++)
        rp_dedup_scratch_release(&j.scratch[w]);
    rp_free(j.scratch);
    return st;
}

size_t rp_dedup_keys(const rp_dedup_sig *sig, uint32_t *keys)
{
    uint32_t low[RP_DEDUP_MIN_KEYS], low_mix[RP_DEDUP_MIN_KEYS];
    size_t n = 0, nlow = 0;

    for (size_t i = 0; i < sig->count; i++) {
        uint32_t mix = rp_dedup_remix(sig->fps[i]);
        if (mix < UINT32_MAX / RP_DEDUP_SAMPLE) {
            keys[n++] = sig->fps[i];
            continue;
        }
        /* the smallest remixed values outside the sample: keys for short documents */
        size_t j = nlow < RP_DEDUP_MIN_KEYS ? nlow++ : RP_DEDUP_MIN_KEYS;
        for (; j > 0 && low_mix[j - 1] > mix; j--)
            if (j < RP_DEDUP_MIN_KEYS)
                low[j] = low[j - 1], low_mix[j] = low_mix[j - 1];
        if (j < RP_DEDUP_MIN_KEYS)
            low[j] = sig->fps[i], low_mix[j] = mix;
    }
    for (size_t i = 0; n < RP_DEDUP_MIN_KEYS && i < nlow; i++)
        keys[n++] = low[i];
    keys[n++] = (uint32_t)(sig->content ^ (sig->content >> 32));
    return sort_unique_u32(keys, n);
}

void rp_dedup_compare(const uint32_t *a, size_t na, const uint32_t *b, size_t nb,
                      rp_dedup_sim *out)
{
    size_t i = 0, j = 0, both = 0;

    while (i < na && j < nb) {
        if (a[i] < b[j])
            i++;
        else if (a[i] > b[j])
            j++;
        else
            both++, i++, j++;
    }
    out->resemblance = na + nb - both ? (double)both / (double)(na + nb - both) : 0.0;
    out->a_in_b = na ? (double)both / (double)na : 0.0;
    out->b_in_a = nb ? (double)both / (double)nb : 0.0;
}

rp_verdict rp_dedup_classify(const rp_dedup_options *d, bool same_content,
                             const rp_dedup_sim *sim)
{
    bool a_in = sim->a_in_b >= d->containment, b_in = sim->b_in_a >= d->containment;

    if (same_content)
        return RP_VERDICT_DUPLICATE;
    if (sim->resemblance >= d->resemblance || (a_in && b_in))
        return RP_VERDICT_NEAR;
    if (b_in)
        return RP_VERDICT_CONTAINS;
    if (a_in)
        return RP_VERDICT_CONTAINED;
    return RP_VERDICT_NEW;
}

double rp_dedup_containment(const rp_dedup_sim *sim)
{
    return sim->a_in_b > sim->b_in_a ? sim->a_in_b : sim->b_in_a;
}

static int verdict_rank(rp_verdict v)
{
    return v == RP_VERDICT_DUPLICATE ? 3 : v == RP_VERDICT_NEAR ? 2 : v == RP_VERDICT_NEW ? 0 : 1;
}

bool rp_dedup_better(rp_verdict v, const rp_dedup_sim *sim, rp_verdict best_v,
                     const rp_dedup_sim *best)
{
    if (verdict_rank(v) != verdict_rank(best_v))
        return verdict_rank(v) > verdict_rank(best_v);
    if (sim->resemblance != best->resemblance)
        return sim->resemblance > best->resemblance;
    return rp_dedup_containment(sim) > rp_dedup_containment(best);
}

/* ---- batch: an in-memory inverted index of group firsts' keys ---- */

/* ---- batch run ---- */

struct rp_dedup {
    size_t doc_count;
    rp_dedup_member *arrival; /* per document: its verdict on arrival */
    uint32_t *tokens;         /* per document */
    size_t *invalid_utf8;
    bool *kept;
    rp_dedup_group *groups;
    size_t group_count;
    rp_dedup_member *members; /* all groups' members, in group order */
    size_t member_count;
    rp_options opts;
    rp_dedup_options dopts;
};

typedef struct batch {
    const rp_corpus *corpus;
    const rp_options *opts;
    const rp_dedup_options *dopts;
    rp_dedup_sig *sigs;
    rp_key_index ix;
    uint32_t *keys;
    size_t keys_cap;
    uint32_t *cands;
    size_t cand_count;
    size_t cand_cap;
} batch;

/* The earlier group firsts sharing a key with doc (keys in b->keys[0..nkeys)). */
static rp_status gather(batch *b, size_t nkeys)
{
    b->cand_count = 0;
    for (size_t k = 0; k < nkeys; k++) {
        const rp_key_slot *s = rp_key_index_find(&b->ix, b->keys[k]);
        if (s->count == 0 || s->count > b->opts->max_df)
            continue; /* absent, or boilerplate shared by too many firsts */
        if (RP_GROW(b->cands, b->cand_cap, b->cand_count + s->count) != RP_OK)
            return RP_ENOMEM;
        for (uint32_t p = s->head; p != UINT32_MAX; p = b->ix.posts[p].next)
            b->cands[b->cand_count++] = b->ix.posts[p].doc;
    }
    b->cand_count = sort_unique_u32(b->cands, b->cand_count);
    return RP_OK;
}

/* Compares doc with each candidate and records its best match (or new). */
static void judge(batch *b, uint32_t doc, rp_dedup_member *m)
{
    const rp_dedup_sig *a = &b->sigs[doc];
    rp_dedup_sim best = {0, 0, 0}, sim;

    *m = (rp_dedup_member){doc, UINT32_MAX, RP_VERDICT_NEW, 0.0, 0.0};
    for (size_t i = 0; i < b->cand_count; i++) {
        const rp_dedup_sig *e = &b->sigs[b->cands[i]];
        rp_dedup_compare(a->fps, a->count, e->fps, e->count, &sim);
        rp_verdict v = rp_dedup_classify(b->dopts, a->content == e->content, &sim);
        if (v != RP_VERDICT_NEW && rp_dedup_better(v, &sim, m->verdict, &best)) {
            best = sim;
            *m = (rp_dedup_member){doc, b->cands[i], v, sim.resemblance,
                                   rp_dedup_containment(&sim)};
        }
    }
}

static rp_status judge_all(batch *b, rp_dedup *dd, bool signed_already)
{
    rp_status st = signed_already ? RP_OK
                                  : rp_dedup_signatures(b->opts, b->corpus, 0,
                                                        (uint32_t)dd->doc_count, b->sigs);

    for (uint32_t d = 0; d < dd->doc_count && st == RP_OK; d++) {
        dd->tokens[d] = b->sigs[d].tokens;
        dd->invalid_utf8[d] = b->sigs[d].invalid_utf8;
        if (b->sigs[d].count == 0) { /* nothing to compare by: alone, and no key of its own */
            dd->arrival[d] = (rp_dedup_member){d, UINT32_MAX, RP_VERDICT_TOO_SHORT, 0.0, 0.0};
            continue;
        }
        if (RP_GROW(b->keys, b->keys_cap, b->sigs[d].count + 1) != RP_OK) {
            st = RP_ENOMEM;
            break;
        }
        size_t nkeys = rp_dedup_keys(&b->sigs[d], b->keys);
        st = gather(b, nkeys);
        if (st != RP_OK)
            break;
        judge(b, d, &dd->arrival[d]);
        for (size_t k = 0; k < nkeys && dd->arrival[d].verdict == RP_VERDICT_NEW; k++)
            if ((st = rp_key_index_add(&b->ix, b->keys[k], d)) != RP_OK)
                break;
    }
    return st;
}

/* ---- groups ---- */

/* The representative among a group's documents (docs[0] is the first, then input order). */
static uint32_t pick_representative(const rp_dedup *dd, const rp_corpus *corpus,
                                    const uint32_t *docs, size_t n)
{
    uint32_t rep = docs[0];
    int64_t rep_date = INT64_MIN, date;

    if (dd->dopts.keep == RP_KEEP_FIRST)
        return rep;
    if (!rp_dedup_doc_date(rp_corpus_doc(corpus, rep), rp_dedup_date_field(&dd->dopts),
                           &rep_date))
        rep_date = INT64_MIN; /* undated documents count as the oldest */
    for (size_t i = 1; i < n; i++) {
        const rp_doc *doc = rp_corpus_doc(corpus, docs[i]);
        if (dd->dopts.keep == RP_KEEP_LONGEST) {
            if (doc->len > rp_corpus_doc(corpus, rep)->len)
                rep = docs[i];
        } else if (rp_dedup_doc_date(doc, rp_dedup_date_field(&dd->dopts), &date) &&
                   date > rep_date) {
            rep = docs[i], rep_date = date;
        }
    }
    return rep;
}

/* The first's entry when another document represents its group: seen from the first's side. */
static rp_dedup_member first_as_member(const batch *b, uint32_t first, uint32_t rep)
{
    const rp_dedup_sig *a = &b->sigs[first], *r = &b->sigs[rep];
    rp_dedup_sim sim;

    rp_dedup_compare(a->fps, a->count, r->fps, r->count, &sim);
    return (rp_dedup_member){first, rep,
                             rp_dedup_classify(b->dopts, a->content == r->content, &sim),
                             sim.resemblance, rp_dedup_containment(&sim)};
}

/* One group from its documents (the first, then its members in input order). */
static void fill_group(const batch *b, rp_dedup *dd, const uint32_t *docs, size_t n)
{
    uint32_t first = docs[0], rep = pick_representative(dd, b->corpus, docs, n);
    rp_dedup_group *grp = &dd->groups[dd->group_count++];

    grp->representative = rep;
    grp->members = &dd->members[dd->member_count];
    for (size_t i = 0; i < n; i++) {
        if (docs[i] == rep)
            continue;
        dd->members[dd->member_count++] =
            docs[i] == first ? first_as_member(b, first, rep) : dd->arrival[docs[i]];
    }
    grp->member_count = n - 1;
    dd->kept[first] = false;
    dd->kept[rep] = true;
}

/* Buckets the documents by group first (a counting sort: members always follow their first),
 * then fills the groups in the order of their firsts. */
static rp_status build_groups(const batch *b, rp_dedup *dd)
{
    size_t n = dd->doc_count, ngroups = 0, nmembers = 0, off = 0;
    size_t *size = rp_calloc(n + 1, sizeof(*size)), *next = rp_calloc(n + 1, sizeof(*next));
    uint32_t *docs = rp_calloc(n + 1, sizeof(*docs));
    rp_status st = RP_ENOMEM;

    if (!size || !next || !docs)
        goto fail;
    for (size_t d = 0; d < n; d++) {
        dd->kept[d] = dd->arrival[d].of == UINT32_MAX;
        if (!dd->kept[d]) {
            ngroups += size[dd->arrival[d].of]++ == 0;
            nmembers++;
        }
    }
    dd->groups = rp_calloc(ngroups + 1, sizeof(*dd->groups));
    dd->members = rp_calloc(nmembers + 1, sizeof(*dd->members));
    if (!dd->groups || !dd->members)
        goto fail;
    for (size_t f = 0; f < n; f++)
        if (size[f])
            next[f] = off, off += size[f] + 1;
    for (size_t d = 0; d < n; d++) {
        size_t f = dd->kept[d] ? d : dd->arrival[d].of;
        if (size[f])
            docs[next[f]++] = (uint32_t)d;
    }
    for (size_t f = 0; f < n; f++)
        if (size[f])
            fill_group(b, dd, docs + next[f] - size[f] - 1, size[f] + 1);
    st = RP_OK;
fail:
    rp_free(size);
    rp_free(next);
    rp_free(docs);
    return st;
}

static rp_status dedup_alloc(rp_dedup *dd, size_t n)
{
    dd->doc_count = n;
    dd->arrival = rp_calloc(n + 1, sizeof(*dd->arrival));
    dd->tokens = rp_calloc(n + 1, sizeof(*dd->tokens));
    dd->invalid_utf8 = rp_calloc(n + 1, sizeof(*dd->invalid_utf8));
    dd->kept = rp_calloc(n + 1, sizeof(*dd->kept));
    return dd->arrival && dd->tokens && dd->invalid_utf8 && dd->kept ? RP_OK : RP_ENOMEM;
}

/* The run, with every document's signature made here (sigs NULL) or given (taken). */
static rp_status dedup_run(const rp_corpus *corpus, const rp_options *opts,
                           const rp_dedup_options *dopts, rp_dedup_sig *sigs, rp_dedup **out)
{
    size_t n = rp_corpus_count(corpus);
    batch b = {corpus, opts, dopts, sigs, {0}, NULL, 0, NULL, 0, 0};
    rp_dedup *dd = NULL;
    rp_status st;

    if (rp_options_check(opts) != RP_OK || !dedup_options_ok(dopts) || n >= UINT32_MAX ||
        !rp_corpus_whole(corpus))
        st = RP_EINVAL;
    else if (!(dd = rp_calloc(1, sizeof(*dd))))
        st = RP_ENOMEM;
    else
        st = RP_OK;
    if (st != RP_OK) {
        for (size_t i = 0; sigs && i < n; i++)
            rp_dedup_sig_release(&sigs[i]);
        rp_free(sigs);
        return st;
    }
    dd->opts = *opts;
    dd->dopts = *dopts; /* date_field is borrowed during the run only, cleared below */
    if (!b.sigs)
        b.sigs = rp_calloc(n + 1, sizeof(*b.sigs));
    st = b.sigs ? dedup_alloc(dd, n) : RP_ENOMEM;
    if (st == RP_OK)
        st = rp_key_index_init(&b.ix, n * 4);
    if (st == RP_OK)
        st = judge_all(&b, dd, sigs != NULL);
    if (st == RP_OK)
        st = build_groups(&b, dd);
    for (size_t i = 0; b.sigs && i < n; i++)
        rp_dedup_sig_release(&b.sigs[i]);
    rp_free(b.sigs);
    rp_free(b.keys);
    rp_free(b.cands);
    rp_key_index_release(&b.ix);
    if (st != RP_OK)
        goto fail;
    dd->dopts.date_field = NULL; /* the caller's string may not outlive this call */
    *out = dd;
    return RP_OK;
fail:
    rp_dedup_free(dd);
    return st;
}

rp_status rp_dedup_run(const rp_corpus *corpus, const rp_options *opts,
                       const rp_dedup_options *dopts, rp_dedup **out)
{
    return dedup_run(corpus, opts, dopts, NULL, out);
}

rp_status rp_dedup_run_signed(const rp_corpus *corpus, const rp_options *opts,
                              const rp_dedup_options *dopts, rp_dedup_sig *sigs, rp_dedup **out)
{
    return dedup_run(corpus, opts, dopts, sigs, out);
}

void rp_dedup_free(rp_dedup *dd)
{
    if (!dd)
        return;
    rp_free(dd->arrival);
    rp_free(dd->tokens);
    rp_free(dd->invalid_utf8);
    rp_free(dd->kept);
    rp_free(dd->groups);
    rp_free(dd->members);
    rp_free(dd);
}

size_t rp_dedup_group_count(const rp_dedup *dd)
{
    return dd->group_count;
}

const rp_dedup_group *rp_dedup_get_group(const rp_dedup *dd, size_t i)
{
    return i < dd->group_count ? &dd->groups[i] : NULL;
}

const rp_dedup_member *rp_dedup_doc(const rp_dedup *dd, uint32_t doc)
{
    return doc < dd->doc_count ? &dd->arrival[doc] : NULL;
}

bool rp_dedup_kept(const rp_dedup *dd, uint32_t doc)
{
    return doc < dd->doc_count && dd->kept[doc];
}

/* ---- what the dedup report reads (dedup.h) ---- */

size_t rp_dedup_doc_count(const rp_dedup *dd)
{
    return dd->doc_count;
}

uint32_t rp_dedup_doc_tokens(const rp_dedup *dd, uint32_t doc)
{
    return doc < dd->doc_count ? dd->tokens[doc] : 0;
}

size_t rp_dedup_doc_invalid_utf8(const rp_dedup *dd, uint32_t doc)
{
    return doc < dd->doc_count ? dd->invalid_utf8[doc] : 0;
}

const rp_options *rp_dedup_run_options(const rp_dedup *dd)
{
    return &dd->opts;
}

const rp_dedup_options *rp_dedup_run_dedup_options(const rp_dedup *dd)
{
    return &dd->dopts;
}

const char *rp_dedup_keep_name(rp_keep keep)
{
    return keep_name(keep);
}

/* ---- an item as a line of output (--keep-only, the store's new items) ---- */

/* The "date" of a document's metadata as a JSON value, or null. */
static void write_date(FILE *out, const rp_doc *doc)
{
    json_t *meta = doc->meta ? json_loads(doc->meta, 0, NULL) : NULL;
    json_t *date = json_object_get(meta, "date");

    if (json_is_string(date))
        rp_escape_json_string(out, json_string_value(date), json_string_length(date));
    else
        fputs("null", out);
    json_decref(meta);
}

/* A document that was not a JSONL line, as one JSON object. */
static void write_object(FILE *out, const rp_doc *doc)
{
    const char *nl = memchr(doc->bytes, '\n', doc->len);
    size_t title = nl ? (size_t)(nl - doc->bytes) : doc->len;
    bool url = strncmp(doc->name, "http://", 7) == 0 || strncmp(doc->name, "https://", 8) == 0;

    fputs("{\"id\":", out);
    rp_escape_json_string(out, doc->name, strlen(doc->name));
    fputs(",\"link\":", out);
    if (url)
        rp_escape_json_string(out, doc->name, strlen(doc->name));
    else
        fputs("null", out);
    fputs(",\"title\":", out);
    rp_escape_json_string(out, doc->bytes, title);
    fputs(",\"date\":", out);
    write_date(out, doc);
    fputs(",\"text\":", out);
    rp_escape_json_string(out, doc->bytes, doc->len);
    fputs("}\n", out);
}

void rp_dedup_write_item(FILE *out, const rp_corpus *corpus, uint32_t d)
{
    const rp_doc *doc = rp_corpus_doc(corpus, d);
    const char *bytes;
    size_t len;

    if (rp_corpus_raw(corpus, d, &bytes, &len) != RP_OK)
        return;
    if (bytes == doc->bytes) { /* not a JSONL line */
        write_object(out, doc);
        return;
    }
    fwrite(bytes, 1, len, out);
    if (len == 0 || bytes[len - 1] != '\n')
        putc('\n', out);
}
