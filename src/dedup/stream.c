/*
 * stream.c - near-duplicate verdicts for a stream of documents given in batches. It runs the
 * batch rule of dedup.c (each document against the earliest document of every earlier group
 * sharing a sampled key; Broder 1997) but keeps only what later documents are judged against:
 * the signatures of group firsts, their names and their keys. No text outlives the batch it
 * came in, so a caller can feed any number of documents holding one batch at a time.
 *
 * With a memory budget (rp_options.memory) that state is bounded too, as a small log-structured
 * index: the newest firsts sit in memory (the key index of keys.c plus their signatures); when
 * they pass the budget they are spilled to two unlinked temporary files (base/spill.c), their
 * records (content hash, position, fingerprints, name) appended to one and their postings (key,
 * position, record offset), sorted by key, appended to the other as one more sorted run. A run
 * keeps in memory only a Bloom filter of its keys (5 bits a key, 4 probes) and every 64th key
 * (its fences), so a key absent from a run costs no read and a present one costs one or two
 * reads of 64 postings. Candidates are the same firsts in the same order as in memory, so the
 * verdicts are the same for any budget.
 */
#define _DEFAULT_SOURCE /* mmap(MAP_ANONYMOUS) for the runs' Bloom filters */
#include "dedup/dedup.h"
#include "base/sort.h"
#include "base/spill.h"

#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#define FENCE 64u      /* postings between two fences of a run */
#define BLOOM_BITS 5u  /* Bloom filter bits per distinct key of a run */
#define BLOOM_PROBES 4u
#define REC_HEAD 20u   /* a record: content u64, pos u32, fp count u32, name length u32 */
#define REC_READ 512u  /* bytes read at once for a spilled record */

/* A group first held in memory: its stream position, fingerprints and name in the arenas. */
typedef struct mem_first {
    uint32_t pos;
    uint32_t fp_count;
    size_t fp_off;
    size_t name_off;
    uint64_t content;
} mem_first;

/* A posting of a spilled run, as stored: a first's key, its position and its record. */
typedef struct run_posting {
    uint32_t key;
    uint32_t pos;
    uint64_t off;
} run_posting;

/* A sorted run of the postings file: postings [start, start + count), its fences and filter. */
typedef struct run {
    uint64_t start;
    size_t count;
    uint32_t *fence; /* the key of postings 0, FENCE, 2 FENCE, ... */
    uint32_t *bloom;
    uint32_t bloom_bits; /* a multiple of 32 */
} run;

/* A candidate: a first in memory (mem < UINT32_MAX) or spilled (its record at off). */
typedef struct cand {
    uint32_t pos;
    uint32_t mem;
    uint64_t off;
} cand;

struct rp_dedup_stream {
    rp_options opts;
    rp_dedup_options dopts;
    rp_status failed; /* a judging error leaves the remembered state half changed: kept */
    uint32_t next_pos;
    /* the newest firsts, in memory */
    mem_first *firsts;
    size_t first_count, first_cap;
    uint32_t *fps; /* every in-memory first's fingerprints, back to back */
    size_t fp_count, fp_cap;
    rp_buf names; /* their names, each NUL-terminated */
    rp_key_index index; /* sampled key -> the in-memory firsts holding it */
    /* the spilled firsts (budget only) */
    size_t budget;    /* 0: none, everything stays in memory */
    size_t key_limit; /* spill before the index holds more keys or postings than this */
    size_t first_bytes_limit; /* ... or its firsts' records take more than this */
    rp_spill *records, *postings; /* one file each; NULL until the first spill */
    run *runs;
    size_t run_count, run_cap;
    size_t run_bytes; /* the runs' fences and filters */
    size_t spills;
    run_posting *block;
    size_t block_cap;
    run_posting *sorted; /* the postings of a spill, kept for the next */
    size_t sorted_cap;
    unsigned char *rec;
    size_t rec_cap;
    /* per batch */
    rp_dedup_sig *sigs;
    size_t sig_cap;
    rp_buf of_names;  /* the names of the batch's matches, each NUL-terminated */
    size_t *of_name;  /* per batch document: its match's name in of_names, or SIZE_MAX */
    size_t of_name_cap, batch_count;
    uint32_t *keys;
    size_t keys_cap;
    cand *cands;
    size_t cand_count, cand_cap;
};

#define CAND_LESS(x, y) ((x)->pos < (y)->pos)
RP_DEFINE_SORT(sort_cands, cand, CAND_LESS)

/* ---- the memory budget ---- */

/* Sizes the in-memory part for what the budget leaves beside the runs' fences and filters: a
 * third for the key index's slots (12 bytes each, at most half full), a ninth for its postings
 * and two ninths for sorting them when they spill, a quarter for the firsts' records. So as
 * the runs' filters grow, the in-memory part shrinks by as much. Past three quarters of the
 * budget in runs, the in-memory part keeps a floor of a quarter (memory then grows by about a
 * byte per key, see ARCHITECTURE.md). */
static rp_status size_memory(rp_dedup_stream *s)
{
    size_t runs = s->run_bytes < s->budget / 4 * 3 ? s->run_bytes : s->budget / 4 * 3;
    size_t avail = s->budget - runs, slots = avail / 3 / sizeof(rp_key_slot);

    if (slots < 1024)
        slots = 1024;
    s->key_limit = slots / 2;
    s->first_bytes_limit = avail / 4;
    /* a new table when it would shrink by more than a sixteenth */
    if (s->index.slots && s->index.cap >= slots && s->index.cap - slots <= slots / 16)
        return RP_OK;
    rp_key_index_release(&s->index);
    return rp_key_index_init_slots(&s->index, slots);
}

/* True when keeping one more first with nkeys keys and fp_count fingerprints would pass the
 * in-memory part's limits. */
static bool memory_full(const rp_dedup_stream *s, size_t nkeys, size_t fp_count, size_t name)
{
    size_t bytes = (s->first_count + 1) * sizeof(mem_first) + (s->fp_count + fp_count) * 4 +
                   s->names.len + name + 1;

    return s->first_count > 0 && (s->index.used + nkeys > s->key_limit ||
                                  s->index.post_count + nkeys > s->key_limit ||
                                  bytes > s->first_bytes_limit);
}

/* ---- spilling ---- */

/* Appends to a spill of one file (the records or the postings). */
static rp_status append(rp_spill *f, const void *data, size_t len)
{
    uint64_t at;

    return rp_spill_append(f, 0, data, len, &at);
}

#define POSTING_LESS(x, y) ((x)->key < (y)->key || ((x)->key == (y)->key && (x)->pos < (y)->pos))
RP_DEFINE_SORT(sort_postings, run_posting, POSTING_LESS)

/* A key's two Bloom hashes; probe p is h[0] + p h[1] (double hashing), scaled to the filter's
 * size (no power of two needed). */
static void bloom_hashes(uint32_t key, uint32_t h[2])
{
    h[0] = rp_dedup_remix(key);
    h[1] = rp_dedup_remix(key ^ 0x9e3779b9u) | 1u;
}

static uint32_t bloom_bit(const run *r, const uint32_t h[2], uint32_t probe)
{
    return (uint32_t)(((uint64_t)(h[0] + probe * h[1]) * r->bloom_bits) >> 32);
}

static void bloom_set(run *r, uint32_t key)
{
    uint32_t h[2];

    bloom_hashes(key, h);
    for (uint32_t p = 0; p < BLOOM_PROBES; p++) {
        uint32_t bit = bloom_bit(r, h, p);
        r->bloom[bit / 32] |= 1u << (bit % 32);
    }
}

static bool bloom_has(const run *r, const uint32_t h[2])
{
    for (uint32_t p = 0; p < BLOOM_PROBES; p++) {
        uint32_t bit = bloom_bit(r, h, p);
        if (!(r->bloom[bit / 32] & (1u << (bit % 32))))
            return false;
    }
    return true;
}

/* A filter of about BLOOM_BITS bits for each of distinct keys. Filters are mapped pages of
 * their own, not heap blocks: a merge frees the runs' filters and makes a larger one, and on
 * the heap the larger one would not fit where the others were, so memory would grow by a
 * filter at every merge. */
static rp_status bloom_alloc(run *r, size_t distinct)
{
    size_t bits = distinct * BLOOM_BITS < (1ull << 31) ? (distinct * BLOOM_BITS + 63) / 32 * 32
                                                       : (1ull << 31);
    void *map;
    void *counted = rp_malloc(1); /* an allocation like any other for the failure tests */

    r->bloom_bits = (uint32_t)bits;
    r->bloom = NULL;
    if (!counted)
        return RP_ENOMEM;
    rp_free(counted);
    map = mmap(NULL, bits / 8, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (map == MAP_FAILED)
        return RP_ENOMEM;
    r->bloom = map; /* zeroed */
    return RP_OK;
}

static void bloom_free(run *r)
{
    if (r->bloom)
        munmap(r->bloom, r->bloom_bits / 8);
    r->bloom = NULL;
}

static size_t run_bytes(const run *r)
{
    return (r->count / FENCE + 1) * sizeof(*r->fence) + r->bloom_bits / 8 + sizeof(*r);
}

/* Appends the in-memory firsts' records; offs[i] gets first i's offset. */
static rp_status spill_records(rp_dedup_stream *s, uint64_t *offs)
{
    rp_buf out = RP_BUF_INIT;
    rp_status st = RP_OK;

    for (size_t i = 0; i < s->first_count && st == RP_OK; i++) {
        const mem_first *f = &s->firsts[i];
        const char *name = s->names.data + f->name_off;
        uint32_t name_len = (uint32_t)strlen(name);
        unsigned char head[REC_HEAD];

        memcpy(head, &f->content, 8);
        memcpy(head + 8, &f->pos, 4);
        memcpy(head + 12, &f->fp_count, 4);
        memcpy(head + 16, &name_len, 4);
        offs[i] = rp_spill_size(s->records, 0) + out.len;
        if ((st = rp_buf_add(&out, head, REC_HEAD)) == RP_OK &&
            (st = rp_buf_add(&out, s->fps + f->fp_off, f->fp_count * 4u)) == RP_OK)
            st = rp_buf_add(&out, name, name_len);
        if (st == RP_OK && out.len >= (1u << 20)) {
            st = append(s->records, out.data, out.len);
            out.len = 0;
        }
    }
    if (st == RP_OK && out.len > 0)
        st = append(s->records, out.data, out.len);
    rp_buf_release(&out);
    return st;
}

/* The in-memory postings as one sorted run, with its fences and Bloom filter. */
static rp_status spill_postings(rp_dedup_stream *s, const uint64_t *offs)
{
    size_t n = s->index.post_count, k = 0;
    run r = {rp_spill_size(s->postings, 0), n, NULL, NULL, 0};
    rp_status st = RP_ENOMEM;
    run_posting *p;

    if (RP_GROW(s->sorted, s->sorted_cap, n + 1) != RP_OK)
        return RP_ENOMEM;
    p = s->sorted;
    r.fence = rp_calloc(n / FENCE + 1, sizeof(*r.fence));
    if (!r.fence || bloom_alloc(&r, s->index.used) != RP_OK ||
        RP_GROW(s->runs, s->run_cap, s->run_count + 1) != RP_OK)
        goto done;
    for (size_t i = 0; i < s->index.cap; i++) {
        const rp_key_slot *slot = &s->index.slots[i];
        if (slot->count == 0)
            continue;
        for (uint32_t q = slot->head; q != UINT32_MAX; q = s->index.posts[q].next) {
            uint32_t f = s->index.posts[q].doc;
            p[k++] = (run_posting){slot->key, s->firsts[f].pos, offs[f]};
        }
        bloom_set(&r, slot->key);
    }
    sort_postings(p, n);
    for (size_t i = 0; i < n; i += FENCE)
        r.fence[i / FENCE] = p[i].key;
    if ((st = append(s->postings, p, n * sizeof(*p))) != RP_OK)
        goto done;
    s->run_bytes += run_bytes(&r);
    s->runs[s->run_count++] = r;
    r.fence = NULL, r.bloom = NULL;
done:
    rp_free(r.fence);
    bloom_free(&r);
    return st;
}

/* ---- merging the runs ---- */

#define MERGE_AT 3u     /* runs merged into one when a spill makes this many: each run a key
                           is looked up in costs a false positive now and then, a read */
#define MERGE_READ 256u /* postings read at once from each run */

/* Where a merge stands in one run: a window of its postings. */
typedef struct merge_in {
    run_posting *buf;
    size_t at, len;  /* the window's next posting and its size */
    size_t next;     /* the run's next posting to read */
} merge_in;

static rp_status merge_fill(const rp_dedup_stream *s, const run *r, merge_in *in)
{
    size_t n = r->count - in->next < MERGE_READ ? r->count - in->next : MERGE_READ;
    rp_status st = rp_spill_read(s->postings, 0, r->start + in->next * sizeof(run_posting),
                                 in->buf, n * sizeof(run_posting));

    in->at = 0, in->len = n, in->next += n;
    return st;
}

/* Merges every run's postings, in (key, position) order, into a new file; the merged run's
 * filter is made after the old ones are freed, so the filters never stand twice in memory. */
static rp_status merge_runs(rp_dedup_stream *s)
{
    size_t nin = s->run_count, total = 0, distinct = 0, out_len = 0, k = 0;
    merge_in *in = rp_calloc(nin, sizeof(*in));
    run_posting *out = rp_calloc(MERGE_READ * 4, sizeof(*out));
    run m = {0, 0, NULL, NULL, 0};
    uint32_t last = 0;
    rp_spill *merged = NULL;
    rp_status st = in && out ? rp_spill_open(s->opts.tmp_dir, 1, &merged) : RP_ENOMEM;

    for (size_t i = 0; st == RP_OK && i < nin; i++) {
        total += s->runs[i].count;
        in[i].buf = rp_calloc(MERGE_READ, sizeof(*in[i].buf));
        st = in[i].buf ? merge_fill(s, &s->runs[i], &in[i]) : RP_ENOMEM;
    }
    if (st == RP_OK && !(m.fence = rp_calloc(total / FENCE + 1, sizeof(*m.fence))))
        st = RP_ENOMEM;
    while (st == RP_OK && k < total) {
        size_t best = nin;
        for (size_t i = 0; i < nin; i++) {
            if (in[i].at == in[i].len)
                continue;
            if (best == nin || POSTING_LESS(&in[i].buf[in[i].at], &in[best].buf[in[best].at]))
                best = i;
        }
        run_posting p = in[best].buf[in[best].at++];
        if (in[best].at == in[best].len && in[best].next < s->runs[best].count)
            st = merge_fill(s, &s->runs[best], &in[best]);
        if (k % FENCE == 0)
            m.fence[k / FENCE] = p.key;
        distinct += k == 0 || p.key != last;
        last = p.key;
        out[out_len++] = p, k++;
        if (st == RP_OK && (out_len == MERGE_READ * 4 || k == total)) {
            st = append(merged, out, out_len * sizeof(*out));
            out_len = 0;
        }
    }
    for (size_t i = 0; in && i < nin; i++)
        rp_free(in[i].buf);
    rp_free(in);
    if (st == RP_OK) { /* the merged run replaces the others */
        for (size_t i = 0; i < nin; i++) {
            rp_free(s->runs[i].fence);
            bloom_free(&s->runs[i]);
        }
        rp_spill_close(s->postings);
        s->postings = merged, merged = NULL;
        m.count = total;
        s->runs[0] = m, m.fence = NULL;
        s->run_count = 1;
        st = bloom_alloc(&s->runs[0], distinct);
        for (size_t done = 0; st == RP_OK && done < total; done += MERGE_READ * 4) {
            size_t n = total - done < MERGE_READ * 4 ? total - done : MERGE_READ * 4;
            st = rp_spill_read(s->postings, 0, done * sizeof(*out), out, n * sizeof(*out));
            for (size_t i = 0; st == RP_OK && i < n; i++)
                bloom_set(&s->runs[0], out[i].key);
        }
        s->run_bytes = run_bytes(&s->runs[0]);
    }
    rp_spill_close(merged);
    rp_free(m.fence);
    rp_free(out);
    return st;
}

/* Moves the in-memory firsts to the files and empties memory for the next ones. */
static rp_status spill(rp_dedup_stream *s)
{
    uint64_t *offs;
    rp_status st;

    if (!s->records && (st = rp_spill_open(s->opts.tmp_dir, 1, &s->records)) != RP_OK)
        return st;
    if (!s->postings && (st = rp_spill_open(s->opts.tmp_dir, 1, &s->postings)) != RP_OK)
        return st;
    if (!(offs = rp_calloc(s->first_count + 1, sizeof(*offs))))
        return RP_ENOMEM;
    st = spill_records(s, offs);
    if (st == RP_OK)
        st = spill_postings(s, offs);
    rp_free(offs);
    s->spills += st == RP_OK;
    if (st == RP_OK && s->run_count >= MERGE_AT)
        st = merge_runs(s);
    if (st != RP_OK)
        return st;
    /* the arrays stay for the next firsts: freeing and growing them again would scatter the
     * heap and cost more memory than it gives back */
    s->first_count = s->fp_count = s->names.len = 0;
    rp_key_index_clear(&s->index);
    return size_memory(s);
}

/* ---- the stream ---- */

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
    s->budget = opts->memory;
    if ((s->budget ? size_memory(s) : rp_key_index_init(&s->index, 0)) != RP_OK) {
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
    rp_buf_release(&s->names);
    rp_key_index_release(&s->index);
    for (size_t i = 0; i < s->run_count; i++) {
        rp_free(s->runs[i].fence);
        bloom_free(&s->runs[i]);
    }
    rp_free(s->runs);
    rp_spill_close(s->records);
    rp_spill_close(s->postings);
    rp_free(s->block);
    rp_free(s->sorted);
    rp_free(s->rec);
    for (size_t i = 0; i < s->sig_cap; i++)
        rp_dedup_sig_release(&s->sigs[i]);
    rp_free(s->sigs);
    rp_buf_release(&s->of_names);
    rp_free(s->of_name);
    rp_free(s->keys);
    rp_free(s->cands);
    rp_free(s);
}

/* Adds run r's postings of key to the candidates. */
static rp_status gather_run(rp_dedup_stream *s, const run *r, uint32_t key, const uint32_t h[2])
{
    size_t lo = 0, hi = (r->count + FENCE - 1) / FENCE;
    rp_status st;

    if (!bloom_has(r, h))
        return RP_OK;
    while (lo < hi) { /* the first fence at or past key */
        size_t mid = lo + (hi - lo) / 2;
        if (r->fence[mid] < key)
            lo = mid + 1;
        else
            hi = mid;
    }
    if (RP_GROW(s->block, s->block_cap, FENCE) != RP_OK)
        return RP_ENOMEM;
    for (size_t b = lo > 0 ? lo - 1 : 0; b * FENCE < r->count; b++) {
        size_t n = r->count - b * FENCE < FENCE ? r->count - b * FENCE : FENCE;
        if ((st = rp_spill_read(s->postings, 0, r->start + b * FENCE * sizeof(run_posting),
                                s->block, n * sizeof(run_posting))) != RP_OK)
            return st;
        for (size_t i = 0; i < n; i++) {
            if (s->block[i].key > key)
                return RP_OK;
            if (s->block[i].key < key)
                continue;
            if (RP_GROW(s->cands, s->cand_cap, s->cand_count + 1) != RP_OK)
                return RP_ENOMEM;
            s->cands[s->cand_count++] = (cand){s->block[i].pos, UINT32_MAX, s->block[i].off};
        }
    }
    return RP_OK;
}

/* The firsts sharing a key, ascending by position (ties go to the earliest, as in the batch
 * run); a key held by more than max_df firsts is boilerplate and gives none. */
static rp_status gather(rp_dedup_stream *s, size_t nkeys)
{
    size_t out = 0;
    rp_status st;

    s->cand_count = 0;
    for (size_t k = 0; k < nkeys; k++) {
        size_t before = s->cand_count;
        uint32_t h[2];
        bloom_hashes(s->keys[k], h);
        for (size_t r = 0; r < s->run_count; r++)
            if ((st = gather_run(s, &s->runs[r], s->keys[k], h)) != RP_OK)
                return st;
        const rp_key_slot *slot = rp_key_index_find(&s->index, s->keys[k]);
        if (RP_GROW(s->cands, s->cand_cap, s->cand_count + slot->count) != RP_OK)
            return RP_ENOMEM;
        for (uint32_t p = slot->count ? slot->head : UINT32_MAX; p != UINT32_MAX;
             p = s->index.posts[p].next) {
            uint32_t f = s->index.posts[p].doc;
            s->cands[s->cand_count++] = (cand){s->firsts[f].pos, f, 0};
        }
        if (s->cand_count - before > s->opts.max_df)
            s->cand_count = before; /* boilerplate shared by too many firsts */
    }
    sort_cands(s->cands, s->cand_count);
    for (size_t i = 0; i < s->cand_count; i++)
        if (out == 0 || s->cands[out - 1].pos != s->cands[i].pos)
            s->cands[out++] = s->cands[i];
    s->cand_count = out;
    return RP_OK;
}

/* A spilled first's record: its fingerprints, content hash and name point into s->rec. */
static rp_status read_record(rp_dedup_stream *s, uint64_t off, const uint32_t **fps,
                             uint32_t *fp_count, uint64_t *content, const char **name,
                             uint32_t *name_len)
{
    uint64_t size = rp_spill_size(s->records, 0);
    size_t got, need;
    rp_status st;

    if (off > size || size - off < REC_HEAD)
        return RP_EIO;
    got = size - off < REC_READ ? (size_t)(size - off) : REC_READ; /* the last may be short */
    if (RP_GROW(s->rec, s->rec_cap, REC_READ) != RP_OK)
        return RP_ENOMEM;
    if ((st = rp_spill_read(s->records, 0, off, s->rec, got)) != RP_OK)
        return st;
    memcpy(content, s->rec, 8);
    memcpy(fp_count, s->rec + 12, 4);
    memcpy(name_len, s->rec + 16, 4);
    need = REC_HEAD + (size_t)*fp_count * 4 + *name_len;
    if (need > got) {
        if (RP_GROW(s->rec, s->rec_cap, need) != RP_OK)
            return RP_ENOMEM;
        /* past the file's end (shorter than what was written to it) is RP_EIO */
        if ((st = rp_spill_read(s->records, 0, off + got, s->rec + got, need - got)) != RP_OK)
            return st;
    }
    *fps = (const uint32_t *)(const void *)(s->rec + REC_HEAD); /* malloc'd: aligned */
    *name = (const char *)s->rec + REC_HEAD + (size_t)*fp_count * 4;
    return RP_OK;
}

/* Compares the current signature with each candidate and keeps the best match's name. */
static rp_status judge(rp_dedup_stream *s, const rp_dedup_sig *a, size_t d, rp_dedup_member *m)
{
    rp_dedup_sim best = {0, 0, 0}, sim;
    const uint32_t *fps;
    uint32_t fp_count, name_len;
    uint64_t content;
    const char *name;
    rp_status st;

    *m = (rp_dedup_member){s->next_pos, UINT32_MAX, RP_VERDICT_NEW, 0.0, 0.0};
    for (size_t i = 0; i < s->cand_count; i++) {
        const cand *c = &s->cands[i];
        if (c->mem != UINT32_MAX) {
            const mem_first *f = &s->firsts[c->mem];
            fps = s->fps + f->fp_off, fp_count = f->fp_count, content = f->content;
            name = s->names.data + f->name_off, name_len = (uint32_t)strlen(name);
        } else if ((st = read_record(s, c->off, &fps, &fp_count, &content, &name,
                                     &name_len)) != RP_OK) {
            return st;
        }
        rp_dedup_compare(a->fps, a->count, fps, fp_count, &sim);
        rp_verdict v = rp_dedup_classify(&s->dopts, a->content == content, &sim);
        if (v != RP_VERDICT_NEW && rp_dedup_better(v, &sim, m->verdict, &best)) {
            best = sim;
            *m = (rp_dedup_member){s->next_pos, c->pos, v, sim.resemblance,
                                   rp_dedup_containment(&sim)};
            if (s->of_name[d] == SIZE_MAX)
                s->of_name[d] = s->of_names.len;
            else
                s->of_names.len = s->of_name[d]; /* a better match replaces the name */
            if ((st = rp_buf_add(&s->of_names, name, name_len)) != RP_OK ||
                (st = rp_buf_addc(&s->of_names, '\0')) != RP_OK)
                return st;
        }
    }
    return RP_OK;
}

/* Keeps the current signature as a new group first, findable by its keys. */
static rp_status keep_first(rp_dedup_stream *s, const rp_dedup_sig *sig, const char *name,
                            size_t nkeys)
{
    size_t name_len = strlen(name);
    uint32_t id;
    rp_status st;

    if (s->budget && memory_full(s, nkeys, sig->count, name_len) && (st = spill(s)) != RP_OK)
        return st;
    id = (uint32_t)s->first_count;
    if (RP_GROW(s->firsts, s->first_cap, s->first_count + 1) != RP_OK ||
        RP_GROW(s->fps, s->fp_cap, s->fp_count + sig->count + 1) != RP_OK)
        return RP_ENOMEM;
    for (size_t k = 0; k < nkeys; k++)
        if (rp_key_index_add(&s->index, s->keys[k], id) != RP_OK)
            return RP_ENOMEM;
    memcpy(s->fps + s->fp_count, sig->fps, sig->count * sizeof(*s->fps));
    s->firsts[s->first_count++] = (mem_first){s->next_pos, (uint32_t)sig->count, s->fp_count,
                                              s->names.len, sig->content};
    s->fp_count += sig->count;
    if ((st = rp_buf_add(&s->names, name, name_len)) != RP_OK)
        return st;
    return rp_buf_addc(&s->names, '\0');
}

static rp_status judge_one(rp_dedup_stream *s, const rp_doc *doc, size_t d, rp_dedup_member *m)
{
    const rp_dedup_sig *sig = &s->sigs[d];
    size_t nkeys;
    rp_status st;

    if (sig->count == 0) { /* nothing to compare by: alone, and no key of its own */
        *m = (rp_dedup_member){s->next_pos, UINT32_MAX, RP_VERDICT_TOO_SHORT, 0.0, 0.0};
        return RP_OK;
    }
    if (RP_GROW(s->keys, s->keys_cap, sig->count + 1) != RP_OK)
        return RP_ENOMEM;
    nkeys = rp_dedup_keys(sig, s->keys);
    if ((st = gather(s, nkeys)) != RP_OK || (st = judge(s, sig, d, m)) != RP_OK)
        return st;
    return m->verdict == RP_VERDICT_NEW ? keep_first(s, sig, doc->name, nkeys) : RP_OK;
}

rp_status rp_dedup_stream_add(rp_dedup_stream *s, const rp_corpus *batch, rp_dedup_member *out)
{
    size_t n = rp_corpus_count(batch), old_cap = s->sig_cap;
    rp_status st;

    if (s->failed != RP_OK)
        return s->failed;
    if (n >= (size_t)UINT32_MAX - s->next_pos)
        return RP_ELIMIT;
    s->batch_count = 0;
    s->of_names.len = 0;
    if (RP_GROW(s->sigs, s->sig_cap, n + 1) != RP_OK)
        return RP_ENOMEM;
    for (size_t i = old_cap; i < s->sig_cap; i++)
        rp_dedup_sig_init(&s->sigs[i]);
    if (RP_GROW(s->of_name, s->of_name_cap, n + 1) != RP_OK)
        return RP_ENOMEM;
    /* signatures on the pool; judging in order, one document after another */
    if ((st = rp_dedup_signatures(&s->opts, batch, 0, (uint32_t)n, s->sigs)) != RP_OK)
        return st;
    for (size_t d = 0; d < n; d++)
        s->of_name[d] = SIZE_MAX;
    s->batch_count = n;
    for (uint32_t d = 0; d < n && st == RP_OK; d++) {
        st = judge_one(s, rp_corpus_doc(batch, d), d, &out[d]);
        s->next_pos++;
    }
    s->failed = st;
    return st;
}

uint32_t rp_dedup_stream_count(const rp_dedup_stream *s)
{
    return s->next_pos;
}

const char *rp_dedup_stream_of_name(const rp_dedup_stream *s, size_t i)
{
    return i < s->batch_count && s->of_name[i] != SIZE_MAX ? s->of_names.data + s->of_name[i]
                                                           : NULL;
}

size_t rp_dedup_stream_spilled(const rp_dedup_stream *s)
{
    return s->spills;
}
