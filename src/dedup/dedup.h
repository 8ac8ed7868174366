/*
 * dedup.h - private interface of the dedup module, shared with the store: a document's
 * signature (its set of winnowed fingerprints cut to 32 bits, sorted, plus a hash of its whole
 * normalized token sequence), the sampled keys used to find candidates, pair similarity, and
 * the verdict rule. Batch (dedup.c) and store (store.c) use exactly these, so they agree.
 */
#ifndef REPRINT_DEDUP_H
#define REPRINT_DEDUP_H

#include "base/base.h"

/* A fingerprint is a candidate key when its remixed hash falls in 1/RP_DEDUP_SAMPLE of the
 * range: containment survives sampling (the sample of A and B is the sample of each). */
#define RP_DEDUP_SAMPLE 8u

/* A document with fewer sampled fingerprints adds its smallest others (by the same remixed
 * order, a bottom-k sketch), so short near-copies still meet. */
#define RP_DEDUP_MIN_KEYS 4u

/* A document's signature. fps is OWNED by the signature (rp_dedup_sig_release). */
typedef struct rp_dedup_sig {
    uint32_t *fps; /* distinct fingerprint hashes (low 32 bits), ascending */
    size_t count;
    size_t cap;
    uint64_t content; /* XXH3 of the normalized token hashes: equal means "duplicate" */
    uint32_t tokens;
    size_t invalid_utf8;
} rp_dedup_sig;

/* Scratch space reused across documents. */
typedef struct rp_dedup_scratch {
    rp_tokens toks;
    rp_fingerprints fps;
    uint64_t *hashes; /* the token hashes, contiguous, for the content hash */
    size_t hashes_cap;
} rp_dedup_scratch;

void rp_dedup_scratch_init(rp_dedup_scratch *s);
void rp_dedup_scratch_release(rp_dedup_scratch *s);

void rp_dedup_sig_init(rp_dedup_sig *sig);
void rp_dedup_sig_release(rp_dedup_sig *sig);

/* Tokenizes and fingerprints a document (its ignored lines left out) into sig (replacing what
 * it held). */
rp_status rp_dedup_signature(const rp_options *opts, const rp_doc *doc,
                             rp_dedup_scratch *scratch, rp_dedup_sig *sig);

/* The signatures of documents from..from+count-1 of corpus into sigs[0..count), computed on
 * rp_pool_threads(opts) threads; the same for any number. */
rp_status rp_dedup_signatures(const rp_options *opts, const rp_corpus *corpus, uint32_t from,
                              uint32_t count, rp_dedup_sig *sigs);

/* rp_dedup_run with every document's signature given: sigs[0, count) is taken (released and
 * freed here, whatever the result). The shared dedup (shared.c) makes them on many processes. */
rp_status rp_dedup_run_signed(const rp_corpus *corpus, const rp_options *opts,
                              const rp_dedup_options *dopts, rp_dedup_sig *sigs, rp_dedup **out);

/* The candidate keys of a signature: the sampled fingerprints (topped up to
 * RP_DEDUP_MIN_KEYS from the bottom of the remixed order) plus the content hash folded to 32
 * bits (so exact copies meet even when nothing is sampled). keys must hold count + 1. */
size_t rp_dedup_keys(const rp_dedup_sig *sig, uint32_t *keys);

/* murmur3's 32-bit finalizer: the key sample uses it so that it does not follow winnowing's
 * bias to small values, and the key index to spread keys over its slots. */
static inline uint32_t rp_dedup_remix(uint32_t h)
{
    h ^= h >> 16;
    h *= 0x85ebca6bu;
    h ^= h >> 13;
    h *= 0xc2b2ae35u;
    h ^= h >> 16;
    return h;
}

/* Similarity of a new document (fps a) to an earlier one (fps b). */
typedef struct rp_dedup_sim {
    double resemblance;
    double a_in_b; /* share of a's fingerprints in b */
    double b_in_a;
} rp_dedup_sim;

void rp_dedup_compare(const uint32_t *a, size_t na, const uint32_t *b, size_t nb,
                      rp_dedup_sim *out);

/* The verdict of a new document against one earlier document; RP_VERDICT_NEW when no
 * threshold is met. same_content: their content hashes are equal. */
rp_verdict rp_dedup_classify(const rp_dedup_options *dopts, bool same_content,
                             const rp_dedup_sim *sim);

/* True when candidate verdict (v, sim) is a better match than the best so far. */
bool rp_dedup_better(rp_verdict v, const rp_dedup_sim *sim, rp_verdict best_v,
                     const rp_dedup_sim *best);

/* The containment reported for a verdict: the larger direction. */
double rp_dedup_containment(const rp_dedup_sim *sim);

/* The metadata field that dates documents: --date-field, else "date" (which feed items carry:
 * RSS pubDate, Atom published or updated). */
const char *rp_dedup_date_field(const rp_dedup_options *dopts);

/* The date of a document from its JSONL metadata field (false when absent or unparsable). */
bool rp_dedup_doc_date(const rp_doc *doc, const char *field, int64_t *out);

/* Writes document d as --keep-only does: a JSONL document's input line unchanged, any other
 * (a feed item, a file) as one JSON line {"id","link","title","date","text"}. */
void rp_dedup_write_item(FILE *out, const rp_corpus *corpus, uint32_t d);

/* Sorts n uint32_t values in place, ascending. */
void rp_dedup_sort_u32(uint32_t *v, size_t n);

/* What the dedup report reads beyond the public accessors: the documents counted, each one's
 * tokens and invalid UTF-8 sequences, the options the run used, and --keep's names. */
size_t rp_dedup_doc_count(const rp_dedup *dd);
uint32_t rp_dedup_doc_tokens(const rp_dedup *dd, uint32_t doc);
size_t rp_dedup_doc_invalid_utf8(const rp_dedup *dd, uint32_t doc);
const rp_options *rp_dedup_run_options(const rp_dedup *dd);
const rp_dedup_options *rp_dedup_run_dedup_options(const rp_dedup *dd);
const char *rp_dedup_keep_name(rp_keep keep);

/* ---- the inverted index of sampled keys (keys.c) ---- */

typedef struct rp_key_slot {
    uint32_t key;
    uint32_t count; /* 0: an empty slot */
    uint32_t head;  /* the newest posting, an index into posts */
} rp_key_slot;

typedef struct rp_key_posting {
    uint32_t doc;
    uint32_t next; /* UINT32_MAX: the end of the chain */
} rp_key_posting;

typedef struct rp_key_index {
    rp_key_slot *slots;
    size_t cap; /* slots */
    size_t used;
    rp_key_posting *posts;
    size_t post_count;
    size_t post_cap;
} rp_key_index;

/* Room for about expect keys before the first growth. */
rp_status rp_key_index_init(rp_key_index *ix, size_t expect);
/* Exactly `slots` slots (16 to 2^32 - 1; it grows at half full like any other). */
rp_status rp_key_index_init_slots(rp_key_index *ix, size_t slots);
void rp_key_index_release(rp_key_index *ix);
/* Empties the index, keeping its room. */
void rp_key_index_clear(rp_key_index *ix);
/* Adds doc to key's chain (keys are sampled fingerprints: any 32-bit value). */
rp_status rp_key_index_add(rp_key_index *ix, uint32_t key, uint32_t doc);
/* key's slot: count 0 when no document holds it. BORROWED, valid until the next add. */
const rp_key_slot *rp_key_index_find(const rp_key_index *ix, uint32_t key);

#endif /* REPRINT_DEDUP_H */
