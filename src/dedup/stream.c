/*
 * stream.c - near-duplicate verdicts for a stream of documents given in batches. It runs the
 * batch rule of dedup.c (each document against the earliest document of every earlier group
 * sharing a sampled key; Broder 1997) but keeps only what later documents are judged against:
 * the signatures of group firsts and their keys. No text outlives the batch it came in, so a
 * caller can feed any number of documents holding one batch at a time.
 */
#include "dedup/dedup.h"

#include <string.h>

/* A group first: its stream position and its fingerprints in the shared arena. */
typedef struct stream_first {
    uint32_t pos;
    uint32_t fp_count;
    size_t fp_off;
    uint64_t content;
} stream_first;

struct rp_dedup_stream {
    rp_options opts;
    rp_dedup_options dopts;
    uint32_t next_pos;
    stream_first *firsts;
    size_t first_count, first_cap;
    uint32_t *fps; /* every first's fingerprints, back to back */
    size_t fp_count, fp_cap;
    rp_key_index index; /* sampled key -> the firsts holding it */
    rp_dedup_scratch scratch;
    rp_dedup_sig sig;
    uint32_t *keys;
    size_t keys_cap;
    uint32_t *cands;
    size_t cand_count, cand_cap;
};

rp_status rp_dedup_stream_new(const rp_options *opts, const rp_dedup_options *dopts,
                              rp_dedup_stream **out)
{
    rp_dedup_stream *s;

    if (rp_options_check(opts) != RP_OK || !(dopts->resemblance >= 0.0) ||
        dopts->resemblance > 1.0 || !(dopts->containment >= 0.0) || dopts->containment > 1.0 ||
        dopts->keep != RP_KEEP_FIRST)
        return RP_EINVAL;
    s = rp_calloc(1, sizeof(*s));
    if (!s)
        return RP_ENOMEM;
    s->opts = *opts;
    s->dopts = *dopts;
    s->dopts.date_field = NULL; /* the stream keeps first in its group: no dates read */
    rp_dedup_scratch_init(&s->scratch);
    rp_dedup_sig_init(&s->sig);
    if (rp_key_index_init(&s->index, 0) != RP_OK) {
        rp_dedup_stream_free(s);
        return RP_ENOMEM;
    }
    *out = s;
    return RP_OK;
}

void rp_dedup_stream_free(rp_dedup_stream *s)
{
    if (!s)
        return;
    rp_free(s->firsts);
    rp_free(s->fps);
    rp_key_index_release(&s->index);
    rp_dedup_scratch_release(&s->scratch);
    rp_dedup_sig_release(&s->sig);
    rp_free(s->keys);
    rp_free(s->cands);
    rp_free(s);
}

/* The firsts sharing a key (ascending, so ties go to the earliest as in the batch run). */
static rp_status gather(rp_dedup_stream *s, size_t nkeys)
{
    size_t out = 0;

    s->cand_count = 0;
    for (size_t k = 0; k < nkeys; k++) {
        const rp_key_slot *slot = rp_key_index_find(&s->index, s->keys[k]);
        if (slot->count == 0 || slot->count > s->opts.max_df)
            continue; /* absent, or boilerplate shared by too many firsts */
        if (RP_GROW(s->cands, s->cand_cap, s->cand_count + slot->count) != RP_OK)
            return RP_ENOMEM;
        for (uint32_t p = slot->head; p != UINT32_MAX; p = s->index.posts[p].next)
            s->cands[s->cand_count++] = s->index.posts[p].doc;
    }
    rp_dedup_sort_u32(s->cands, s->cand_count);
    for (size_t i = 0; i < s->cand_count; i++)
        if (out == 0 || s->cands[out - 1] != s->cands[i])
            s->cands[out++] = s->cands[i];
    s->cand_count = out;
    return RP_OK;
}

static void judge(const rp_dedup_stream *s, rp_dedup_member *m)
{
    const rp_dedup_sig *a = &s->sig;
    rp_dedup_sim best = {0, 0, 0}, sim;

    *m = (rp_dedup_member){s->next_pos, UINT32_MAX, RP_VERDICT_NEW, 0.0, 0.0};
    for (size_t i = 0; i < s->cand_count; i++) {
        const stream_first *f = &s->firsts[s->cands[i]];
        rp_dedup_compare(a->fps, a->count, s->fps + f->fp_off, f->fp_count, &sim);
        rp_verdict v = rp_dedup_classify(&s->dopts, a->content == f->content, &sim);
        if (v != RP_VERDICT_NEW && rp_dedup_better(v, &sim, m->verdict, &best)) {
            best = sim;
            *m = (rp_dedup_member){s->next_pos, f->pos, v, sim.resemblance,
                                   rp_dedup_containment(&sim)};
        }
    }
}

/* Keeps the current signature as a new group first, findable by its keys. */
static rp_status keep_first(rp_dedup_stream *s, size_t nkeys)
{
    uint32_t id = (uint32_t)s->first_count;

    if (RP_GROW(s->firsts, s->first_cap, s->first_count + 1) != RP_OK ||
        RP_GROW(s->fps, s->fp_cap, s->fp_count + s->sig.count + 1) != RP_OK)
        return RP_ENOMEM;
    for (size_t k = 0; k < nkeys; k++)
        if (rp_key_index_add(&s->index, s->keys[k], id) != RP_OK)
            return RP_ENOMEM;
    memcpy(s->fps + s->fp_count, s->sig.fps, s->sig.count * sizeof(*s->fps));
    s->firsts[s->first_count++] =
        (stream_first){s->next_pos, (uint32_t)s->sig.count, s->fp_count, s->sig.content};
    s->fp_count += s->sig.count;
    return RP_OK;
}

static rp_status judge_one(rp_dedup_stream *s, const rp_doc *doc, rp_dedup_member *m)
{
    rp_status st = rp_dedup_signature(&s->opts, doc, &s->scratch, &s->sig);
    size_t nkeys;

    if (st != RP_OK)
        return st;
    if (s->sig.count == 0) { /* nothing to compare by: alone, and no key of its own */
        *m = (rp_dedup_member){s->next_pos, UINT32_MAX, RP_VERDICT_TOO_SHORT, 0.0, 0.0};
        return RP_OK;
    }
    if (RP_GROW(s->keys, s->keys_cap, s->sig.count + 1) != RP_OK)
        return RP_ENOMEM;
    nkeys = rp_dedup_keys(&s->sig, s->keys);
    if ((st = gather(s, nkeys)) != RP_OK)
        return st;
    judge(s, m);
    return m->verdict == RP_VERDICT_NEW ? keep_first(s, nkeys) : RP_OK;
}

rp_status rp_dedup_stream_add(rp_dedup_stream *s, const rp_corpus *batch, rp_dedup_member *out)
{
    size_t n = rp_corpus_count(batch);
    rp_status st = RP_OK;

    if (n >= (size_t)UINT32_MAX - s->next_pos)
        return RP_ELIMIT;
    for (uint32_t d = 0; d < n && st == RP_OK; d++) {
        st = judge_one(s, rp_corpus_doc(batch, d), &out[d]);
        s->next_pos++;
    }
    return st;
}

uint32_t rp_dedup_stream_count(const rp_dedup_stream *s)
{
    return s->next_pos;
}
