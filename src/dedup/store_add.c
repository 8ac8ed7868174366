/*
 * store_add.c - adding a batch: the items are signed (on the pool, or ahead, during the batch
 * before), then the levels are swept down to their shares on the calling thread while the
 * batch's keys are looked up over the levels on another, the calling thread taking its share
 * once it has swept (in the snapshot the transaction began from; all levels once for the whole
 * batch, in key order); each item is judged against the group firsts it shares a key with and
 * inserted; then eviction. All in one transaction.
 */
#include "base/pool.h"
#include "base/sort.h"
#include "dedup/store_db.h"

#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* Sorts n uint64_t values ascending. */
RP_DEFINE_SORT(sort_u64, uint64_t, RP_SORT_LESS_NUM)

/* The batch's keys are looked up over all the levels once, in key order, in chunks of about
 * PROBE_CHUNK entries of the sorted keys (to the end of a key): taken from the front by the
 * thread that set them up and, once its sweep is done, from the back by the calling thread,
 * each with cursors of its own on the same snapshot. A chunk's deeps go to their place in
 * a->deeps (a key's place is its rank among the batch's keys), its postings to a pool of its
 * own, joined in order at the end. */
#define PROBE_CHUNK 256
#define KEY_AHEAD 8 /* the filter blocks of the key KEY_AHEAD places on are fetched meanwhile */

typedef struct probe_chunk {
    size_t from, to; /* entries of a->sorted */
    size_t deep0;    /* the first key's place in a->deeps */
    uint32_t *pool;
    size_t pool_count;
    size_t pool_cap;
} probe_chunk;

typedef struct lookups {
    probe_chunk *chunks;
    size_t count;
    size_t front, back; /* chunks [front, back) are not taken yet */
    bool ready;         /* set up (or failed: st) */
    rp_status st;
    int rc; /* the LMDB error behind st */
    pthread_mutex_t lock;
    pthread_cond_t cond;
} lookups;

static void lookups_init(lookups *lk)
{
    memset(lk, 0, sizeof(*lk));
    pthread_mutex_init(&lk->lock, NULL);
    pthread_cond_init(&lk->cond, NULL);
}

static void lookups_release(lookups *lk)
{
    for (size_t c = 0; c < lk->count; c++)
        rp_free(lk->chunks[c].pool);
    rp_free(lk->chunks);
    pthread_mutex_destroy(&lk->lock);
    pthread_cond_destroy(&lk->cond);
}

/* Notes a failure (the first one stays) and leaves the chunks not taken. */
static void lookups_fail(lookups *lk, rp_status st, int rc)
{
    pthread_mutex_lock(&lk->lock);
    if (lk->st == RP_OK)
        lk->st = st, lk->rc = rc;
    lk->front = lk->back;
    lk->ready = true;
    pthread_cond_broadcast(&lk->cond);
    pthread_mutex_unlock(&lk->lock);
}

/* Sorts the batch's keys and cuts them into chunks; then lookups are ready. */
static rp_status probe_setup(adder *a, lookups *lk)
{
    size_t total = a->bkey_off[a->nsigs], keys = 0;

    if (total >= UINT32_MAX)
        return RP_ELIMIT;
    if (RP_GROW(a->sorted, a->sorted_cap, total + 1) != RP_OK ||
        RP_GROW(a->bdeep, a->bdeep_cap, total + 1) != RP_OK ||
        !(lk->chunks = rp_calloc(total / PROBE_CHUNK + 1, sizeof(*lk->chunks))))
        return RP_ENOMEM;
    for (size_t e = 0; e < total; e++)
        a->sorted[e] = (uint64_t)a->bkeys[e] << 32 | e;
    sort_u64(a->sorted, total);
    for (size_t i = 0; i < total;) {
        probe_chunk *c = &lk->chunks[lk->count++];
        c->from = i;
        c->deep0 = keys;
        size_t end = i + PROBE_CHUNK < total ? i + PROBE_CHUNK : total;
        while (i < end || (i < total && (a->sorted[i] >> 32) == (a->sorted[i - 1] >> 32))) {
            keys += i == c->from || (a->sorted[i] >> 32) != (a->sorted[i - 1] >> 32);
            i++;
        }
        c->to = i;
    }
    if (RP_GROW(a->deeps, a->deep_cap, keys + 1) != RP_OK)
        return RP_ENOMEM;
    a->deep_count = keys;
    pthread_mutex_lock(&lk->lock);
    lk->back = lk->count;
    lk->ready = true;
    pthread_cond_broadcast(&lk->cond);
    pthread_mutex_unlock(&lk->lock);
    return RP_OK;
}

/* Looks up the keys of one chunk with v's cursors (v: the adder, or a copy of it with cursors
 * of its own). */
static rp_status probe_chunk_run(adder *v, probe_chunk *c)
{
    size_t max_df = v->s->opts.max_df, d = c->deep0;
    const uint64_t *sorted = v->sorted;
    MDB_val first[LEVELS];

    for (size_t i = c->from; i < c->to; d++) {
        uint32_t key = (uint32_t)(sorted[i] >> 32);
        if (i + KEY_AHEAD < c->to)
            rp_store_key_prefetch(v, (uint32_t)(sorted[i + KEY_AHEAD] >> 32));
        deep *dp = &v->deeps[d];
        dp->count = rp_store_key_count(v, key, 0, LEVELS, first);
        dp->off = c->pool_count;
        dp->added = 0;
        if (dp->count == SIZE_MAX)
            return rp_store_mdb_status(v->rc);
        if (dp->count && dp->count <= max_df) {
            if (RP_GROW(c->pool, c->pool_cap, c->pool_count + dp->count) != RP_OK)
                return RP_ENOMEM;
            rp_status st =
                rp_store_read_postings(v, first, 0, LEVELS, c->pool, &c->pool_count, c->pool_cap);
            if (st != RP_OK)
                return st;
        }
        for (; i < c->to && (uint32_t)(sorted[i] >> 32) == key; i++)
            v->bdeep[(uint32_t)sorted[i]] = (uint32_t)d;
    }
    return RP_OK;
}

/* Takes chunks (from the back, or the front) and looks them up until none is left. */
static void probe_chunks(adder *v, lookups *lk, bool from_back)
{
    for (;;) {
        size_t c;
        pthread_mutex_lock(&lk->lock);
        bool any = lk->front < lk->back;
        if (any)
            c = from_back ? --lk->back : lk->front++;
        pthread_mutex_unlock(&lk->lock);
        if (!any)
            return;
        v->rc = 0;
        rp_status st = probe_chunk_run(v, &lk->chunks[c]);
        if (st != RP_OK) {
            lookups_fail(lk, st, v->rc);
            return;
        }
    }
}

/* Joins the chunks' postings into a->pool, in key order. */
static rp_status probe_finish(adder *a, lookups *lk)
{
    size_t total = 0;

    if (lk->st != RP_OK)
        return a->rc = lk->rc, lk->st;
    for (size_t c = 0; c < lk->count; c++)
        total += lk->chunks[c].pool_count;
    if (RP_GROW(a->pool, a->pool_cap, total + 1) != RP_OK)
        return RP_ENOMEM;
    a->pool_count = 0;
    for (size_t c = 0; c < lk->count; c++) {
        probe_chunk *ch = &lk->chunks[c];
        size_t end = c + 1 < lk->count ? lk->chunks[c + 1].deep0 : a->deep_count;
        if (ch->pool_count)
            memcpy(a->pool + a->pool_count, ch->pool, ch->pool_count * sizeof(uint32_t));
        for (size_t d = ch->deep0; d < end; d++)
            a->deeps[d].off += a->pool_count;
        a->pool_count += ch->pool_count;
    }
    return RP_OK;
}

/* The group firsts sharing a key with the item; keys in more than max_df firsts are
 * boilerplate. */
static rp_status gather(adder *a)
{
    a->cand_count = 0;
    for (size_t i = 0; i < a->dnkeys; i++) {
        const deep *dp = &a->deeps[a->ddeep[i]];
        size_t n = dp->count + dp->added;
        if (n == 0 || n > a->s->opts.max_df)
            continue;
        if (RP_GROW(a->cands, a->cand_cap, a->cand_count + n) != RP_OK)
            return RP_ENOMEM;
        if (dp->count) /* the pool may not be there yet */
            memcpy(a->cands + a->cand_count, a->pool + dp->off, dp->count * sizeof(uint32_t));
        a->cand_count += dp->count;
        for (uint32_t j = dp->added ? dp->last : UINT32_MAX; j != UINT32_MAX; j = a->added_prev[j])
            a->cands[a->cand_count++] = (uint32_t)a->added[j];
    }
    if (a->cand_count > 1)
        rp_dedup_sort_u32(a->cands, a->cand_count);
    return RP_OK;
}

/* Notes the postings of a new group first, numbered num, for its batch's later items. */
static rp_status add_postings(adder *a, uint32_t num)
{
    if (RP_GROW(a->added, a->added_cap, a->added_count + a->dnkeys + 1) != RP_OK ||
        RP_GROW(a->added_prev, a->added_prev_cap, a->added_count + a->dnkeys + 1) != RP_OK)
        return RP_ENOMEM;
    if (a->added_count + a->dnkeys >= UINT32_MAX)
        return RP_ELIMIT;
    for (size_t i = 0; i < a->dnkeys; i++) {
        deep *dp = &a->deeps[a->ddeep[i]];
        a->added[a->added_count] = (uint64_t)a->dkeys[i] << 32 | num;
        a->added_prev[a->added_count] = dp->added ? dp->last : UINT32_MAX;
        dp->last = (uint32_t)a->added_count++;
        dp->added++;
    }
    return RP_OK;
}

/* Writes the postings the batch added into level 0, in key order. */
static int write_postings(adder *a)
{
    MDB_cursor *cur = NULL;
    int rc = mdb_cursor_open(a->txn, a->s->dbi[DB_POSTINGS], &cur);

    sort_u64(a->added, a->added_count);
    for (size_t i = 0; i < a->added_count && !rc; i++) {
        uint32_t key = (uint32_t)(a->added[i] >> 32), num = (uint32_t)a->added[i];
        MDB_val pk = {sizeof(key), &key}, nv = {sizeof(num), &num};
        rc = mdb_cursor_put(cur, &pk, &nv, 0);
    }
    if (cur)
        mdb_cursor_close(cur);
    return rc;
}

/* Compares the new signature with the candidates (ascending numbers: ties keep the earliest). */
static rp_status judge(adder *a, rp_store_verdict *out, uint32_t *of)
{
    rp_dedup_sim best = {0, 0, 0}, sim;
    rec r;
    rp_status st;

    *of = UINT32_MAX;
    out->verdict = RP_VERDICT_NEW;
    for (size_t i = 0; i < a->cand_count; i++) {
        if (i && a->cands[i] == a->cands[i - 1])
            continue;
        if ((st = rp_store_rec_get(a->s, a->txn, a->cands[i], &r)) == RP_ENOTFOUND)
            continue;
        if (st != RP_OK || (st = rp_store_rec_fps(&r, &a->other, &a->other_cap)) != RP_OK)
            return st;
        rp_dedup_compare(a->sig->fps, a->sig->count, a->other, r.h.nfp, &sim);
        rp_verdict v = rp_dedup_classify(a->dopts, a->sig->content == r.h.content, &sim);
        if (v != RP_VERDICT_NEW && rp_dedup_better(v, &sim, out->verdict, &best)) {
            best = sim;
            *of = a->cands[i];
            out->verdict = v;
            out->resemblance = sim.resemblance;
            out->containment = rp_dedup_containment(&sim);
            rp_free(out->of);
            if (!(out->of = rp_strndup(r.name, r.h.name_len)))
                return RP_ENOMEM;
        }
    }
    return RP_OK;
}

/* Writes the record, id and order entry of a new document, and notes its postings when it is
 * a group first. */
static rp_status insert(adder *a, const rp_doc *doc, int64_t time, const rp_store_verdict *v,
                        uint32_t of)
{
    uint32_t num = (uint32_t)a->next;
    const rp_dedup_sig *sig = a->sig;
    size_t name_len = strlen(doc->name);
    rec_head h = {(uint32_t)name_len,
                  sig->content,
                  time,
                  of,
                  doc->len > UINT32_MAX ? UINT32_MAX : (uint32_t)doc->len,
                  sig->tokens,
                  (uint32_t)sig->count,
                  (float)v->resemblance,
                  (float)v->containment,
                  (uint8_t)v->verdict};
    MDB_val k = {sizeof(num), &num}, val;
    unsigned char okey[12];
    int rc;

    if (RP_GROW(a->rbuf, a->rbuf_cap, REC_MAX_SIZE(name_len, sig->count)) != RP_OK)
        return RP_ENOMEM;
    val = (MDB_val){rp_store_rec_encode(&h, doc->name, sig->fps, a->rbuf), a->rbuf};
    if ((rc = mdb_put(a->txn, a->s->dbi[DB_DOCS], &k, &val, MDB_APPEND)) != 0)
        return a->rc = rc, rp_store_mdb_status(rc);
    rc = rp_store_id_put(a->s, a->txn, doc->name, name_len, num);
    rp_store_order_key(time, num, okey);
    MDB_val ok = {sizeof(okey), okey}, empty = {0, NULL};
    if (!rc) { /* dates mostly rise: appended at the end, no search, when it sorts last */
        rc = mdb_put(a->txn, a->s->dbi[DB_ORDER], &ok, &empty, MDB_APPEND);
        if (rc == MDB_KEYEXIST)
            rc = mdb_put(a->txn, a->s->dbi[DB_ORDER], &ok, &empty, 0);
    }
    if (rc)
        return a->rc = rc, rp_store_mdb_status(rc);
    a->next++;
    return of == UINT32_MAX ? add_postings(a, num) : RP_OK;
}

/* An id already held: "seen", not added again, with what it got when it was added (its of
 * named when that document is still held), so a repeated run recovers a lost verdict. */
static rp_status seen(adder *a, uint32_t num, rp_store_verdict *out)
{
    rec r, of;
    rp_status st = rp_store_rec_get(a->s, a->txn, num, &r);

    if (st != RP_OK)
        return st == RP_ENOTFOUND ? RP_EFORMAT : st;
    out->verdict = RP_VERDICT_SEEN;
    out->original = (rp_verdict)r.h.verdict;
    out->resemblance = r.h.resemblance;
    out->containment = r.h.containment;
    out->seq = a->query && num >= a->first ? 0 : (uint64_t)num + 1; /* not really stored */
    if (r.h.of == UINT32_MAX || rp_store_rec_get(a->s, a->txn, r.h.of, &of) != RP_OK)
        return RP_OK;
    out->of = rp_strndup(of.name, of.h.name_len);
    return out->of ? RP_OK : RP_ENOMEM;
}

/* Item d of the batch: seen, or judged against the candidates and added. */
static rp_status add_one(adder *a, uint32_t d, const rp_doc *doc, int64_t now,
                         rp_store_verdict *out)
{
    size_t name_len = strlen(doc->name);
    int64_t time = now;
    uint32_t of, num;
    rp_status st;
    int rc;

    if (!(out->id = rp_strdup(doc->name)))
        return RP_ENOMEM;
    a->sig = &a->sigs[d];
    a->dkeys = a->bkeys + a->bkey_off[d];
    a->ddeep = a->bdeep + a->bkey_off[d];
    a->dnkeys = a->bkey_off[d + 1] - a->bkey_off[d];
    rc = rp_store_id_find(a->s, a->txn, doc->name, name_len, &num);
    if (rc == 0)
        return seen(a, num, out);
    if (rc != MDB_NOTFOUND)
        return a->rc = rc, rp_store_mdb_status(rc);
    if (a->sig->count == 0) { /* nothing to compare by: judged alone, never stored */
        out->verdict = out->original = RP_VERDICT_TOO_SHORT;
        return RP_OK;
    }
    if (a->next >= UINT32_MAX)
        return RP_ELIMIT;
    if ((st = gather(a)) != RP_OK || (st = judge(a, out, &of)) != RP_OK)
        return st;
    out->original = out->verdict;
    out->seq = a->query ? 0 : a->next + 1;
    rp_dedup_doc_date(doc, rp_dedup_date_field(a->dopts), &time);
    return insert(a, doc, time, out, of);
}

/* The signature and keys of every item of corpus: sigs (*nsigs of them, each released by
 * whoever holds them, whichever were made), the keys of item d in bkeys[bkey_off[d] ..
 * bkey_off[d + 1]]. */
static rp_status sign_batch(const rp_options *opts, const rp_corpus *corpus, rp_dedup_sig **sigs,
                            size_t *nsigs, size_t **bkey_off, uint32_t **bkeys, size_t *bkeys_cap)
{
    size_t n = rp_corpus_count(corpus);
    rp_status st;

    *sigs = rp_calloc(n + 1, sizeof(**sigs)); /* zeroed: rp_dedup_sig_init */
    *bkey_off = rp_calloc(n + 1, sizeof(**bkey_off));
    if (!*sigs || !*bkey_off)
        return RP_ENOMEM;
    *nsigs = n; /* every signature is released, whichever were made */
    /* signing is most of a batch's CPU time: on the pool, the batch run's way */
    if ((st = rp_dedup_signatures(opts, corpus, 0, (uint32_t)n, *sigs)) != RP_OK)
        return st;
    for (size_t d = 0; d < n; d++) {
        if (RP_GROW(*bkeys, *bkeys_cap, (*bkey_off)[d] + (*sigs)[d].count + 1) != RP_OK)
            return RP_ENOMEM;
        (*bkey_off)[d + 1] = (*bkey_off)[d] + rp_dedup_keys(&(*sigs)[d], *bkeys + (*bkey_off)[d]);
    }
    return RP_OK;
}

static rp_status sign_all(adder *a, const rp_corpus *corpus)
{
    return sign_batch(&a->s->opts, corpus, &a->sigs, &a->nsigs, &a->bkey_off, &a->bkeys,
                      &a->bkeys_cap);
}

/* ---- the next batch, signed ahead ---- */

/* A document as it was when it was signed ahead: the call that uses the signatures must pass
 * the same corpus, every document the same. */
typedef struct doc_mark {
    const char *name;
    const char *bytes;
    size_t len;
} doc_mark;

struct store_ahead {
    rp_options opts; /* the store's, on one thread (the batch's own runs on the other) */
    const rp_corpus *corpus;
    size_t n;
    doc_mark *marks;
    rp_dedup_sig *sigs;
    size_t nsigs;
    size_t *bkey_off;
    uint32_t *bkeys;
    size_t bkeys_cap;
    rp_status st;
    pthread_t tid;
    bool running;
};

static void *ahead_thread(void *arg)
{
    struct store_ahead *h = arg;
    h->st = sign_batch(&h->opts, h->corpus, &h->sigs, &h->nsigs, &h->bkey_off, &h->bkeys,
                       &h->bkeys_cap);
    return NULL;
}

static void ahead_join(rp_store *s)
{
    if (s->ahead && s->ahead->running) {
        pthread_join(s->ahead->tid, NULL);
        s->ahead->running = false;
    }
}

void rp_store_ahead_drop(rp_store *s)
{
    struct store_ahead *h = s->ahead;

    if (!h)
        return;
    ahead_join(s);
    for (size_t d = 0; h->sigs && d < h->nsigs; d++)
        rp_dedup_sig_release(&h->sigs[d]);
    rp_free(h->sigs);
    rp_free(h->bkey_off);
    rp_free(h->bkeys);
    rp_free(h->marks);
    rp_free(h);
    s->ahead = NULL;
}

/* Starts signing next on a thread of its own (nothing when the store runs on one thread, or
 * when the thread cannot be had: the next call then signs it). */
static void ahead_start(rp_store *s, const rp_corpus *next)
{
    size_t n = rp_corpus_count(next);
    struct store_ahead *h;

    rp_store_ahead_drop(s);
    if (rp_pool_threads(&s->opts) < 2 || n == 0 || !(h = rp_calloc(1, sizeof(*h))))
        return;
    if (!(h->marks = rp_calloc(n, sizeof(*h->marks)))) {
        rp_free(h);
        return;
    }
    for (size_t d = 0; d < n; d++) {
        const rp_doc *doc = rp_corpus_doc(next, (uint32_t)d);
        h->marks[d] = (doc_mark){doc->name, doc->bytes, doc->len};
    }
    h->opts = s->opts;
    h->opts.threads = 1;
    h->corpus = next;
    h->n = n;
    h->st = RP_OK;
    s->ahead = h;
    if (pthread_create(&h->tid, NULL, ahead_thread, h) != 0) {
        rp_store_ahead_drop(s);
        return;
    }
    h->running = true;
}

/* Gives the adder the signatures made ahead when they are corpus's (a->presigned); drops them
 * either way. */
static void ahead_take(rp_store *s, adder *a, const rp_corpus *corpus)
{
    struct store_ahead *h = s->ahead;
    size_t n = rp_corpus_count(corpus);
    bool same;

    if (!h)
        return;
    ahead_join(s);
    same = h->st == RP_OK && h->corpus == corpus && h->n == n;
    for (size_t d = 0; same && d < n; d++) {
        const rp_doc *doc = rp_corpus_doc(corpus, (uint32_t)d);
        same = doc->name == h->marks[d].name && doc->bytes == h->marks[d].bytes &&
               doc->len == h->marks[d].len;
    }
    if (same) {
        a->sigs = h->sigs, a->nsigs = h->nsigs, h->sigs = NULL, h->nsigs = 0;
        a->bkey_off = h->bkey_off, h->bkey_off = NULL;
        a->bkeys = h->bkeys, a->bkeys_cap = h->bkeys_cap, h->bkeys = NULL;
        a->presigned = true;
    }
    rp_store_ahead_drop(s);
}

static void adder_release(adder *a)
{
    for (size_t d = 0; a->sigs && d < a->nsigs; d++)
        rp_dedup_sig_release(&a->sigs[d]);
    rp_free(a->sigs);
    rp_free(a->bkey_off);
    rp_free(a->bkeys);
    rp_free(a->bdeep);
    rp_free(a->sorted);
    rp_free(a->deeps);
    rp_free(a->pool);
    rp_free(a->added);
    rp_free(a->added_prev);
    rp_free(a->keys);
    rp_free(a->cands);
    rp_free(a->other);
    rp_free(a->filters);
    rp_free(a->moved);
    rp_free(a->fbuf);
    rp_free(a->rbuf);
}

/* Looks the batch's keys up over the levels as txn shows them, on this thread. */
static rp_status look_up(adder *a, MDB_txn *txn)
{
    lookups lk;
    int rc = rp_store_open_levels(a, txn);
    rp_status st;

    if (rc)
        return a->rc = rc, rp_store_mdb_status(rc);
    lookups_init(&lk);
    if ((st = probe_setup(a, &lk)) == RP_OK) {
        probe_chunks(a, &lk, false);
        st = probe_finish(a, &lk);
    }
    lookups_release(&lk);
    rp_store_close_levels(a);
    return st;
}

/* What a lookup reads of the adder, set up (the rest zero): the calling thread sweeps meanwhile,
 * writing other fields of a (moved, fbuf, sweep), so a is never copied whole while it may. */
static adder probe_view(const adder *a)
{
    adder v;

    memset(&v, 0, sizeof(v));
    v.s = a->s;
    memcpy(v.post, a->post, sizeof(v.post));
    memcpy(v.held, a->held, sizeof(v.held));
    v.filters = a->filters;
    v.sorted = a->sorted;
    v.deeps = a->deeps;
    v.bdeep = a->bdeep;
    return v;
}

/* Looks the batch up in the snapshot the transaction began from, on its own thread. */
typedef struct prober {
    adder *a;
    MDB_txn *snap;
    lookups *lk;
} prober;

static void *probe_thread(void *arg)
{
    prober *g = arg;
    int rc = rp_store_open_levels(g->a, g->snap);
    rp_status st;

    if (rc) {
        lookups_fail(g->lk, rp_store_mdb_status(rc), rc);
        return NULL;
    }
    if ((st = probe_setup(g->a, g->lk)) != RP_OK) {
        lookups_fail(g->lk, st, 0);
        rp_store_close_levels(g->a);
        return NULL;
    }
    adder v = probe_view(g->a); /* errors go to v */
    probe_chunks(&v, g->lk, false);
    rp_store_close_levels(&v); /* the calling thread forgets a->post once this thread is joined */
    return NULL;
}

/* Once its sweep is done, the calling thread takes the chunks left from the back, with
 * cursors of its own on a second snapshot of the same commit (snap). */
static void help_look_up(adder *a, lookups *lk, MDB_txn *snap)
{
    adder v;
    int rc = 0, l;

    pthread_mutex_lock(&lk->lock);
    while (!lk->ready) /* the keys sorted and cut, or a failure */
        pthread_cond_wait(&lk->cond, &lk->lock);
    bool any = lk->front < lk->back;
    pthread_mutex_unlock(&lk->lock);
    if (!any || !snap)
        return;
    v = probe_view(a); /* the filters, levels held, keys and deeps: set up, read only now */
    for (l = 0; l < LEVELS; l++)
        v.post[l] = NULL;
    for (l = 0; l < LEVELS && !rc; l++)
        rc = mdb_cursor_open(snap, a->s->dbi[DB_POSTINGS + l], &v.post[l]);
    if (!rc) /* else the prober takes them all */
        probe_chunks(&v, lk, true);
    for (l = 0; l < LEVELS; l++)
        if (v.post[l])
            mdb_cursor_close(v.post[l]);
}

/* Signs the batch (on the pool), then sweeps the levels down to their shares (what earlier
 * batches left; never for a query, whose transaction is abandoned) and looks the batch's keys
 * up. A sweep only moves postings from a level to the next, so a key's postings over all the
 * levels are the same before and after it: with two threads or more the keys are looked up on
 * a thread of their own in a read-only snapshot of the store as the transaction began (no
 * other writer can commit meanwhile: the transaction holds the writer lock) while the calling
 * thread, the transaction's, sweeps, then helps with the lookups left. A batch then waits for
 * about the longer of the two, or their mean, not their sum, and signing, done first (or
 * ahead), has every core. */
static rp_status sign_sweep_look_up(adder *a, const rp_corpus *corpus)
{
    bool due = false;
    int rc = a->query ? 0 : rp_store_sweep_due(a, &due);
    lookups lk;
    prober g = {a, NULL, &lk};
    MDB_txn *help = NULL;
    pthread_t tid;
    rp_status st;

    if (rc)
        return a->rc = rc, rp_store_mdb_status(rc);
    if (!a->presigned && (st = sign_all(a, corpus)) != RP_OK)
        return st;
    if (!due)
        return look_up(a, a->txn);
    if (rp_pool_threads(&a->s->opts) < 2 || rp_corpus_count(corpus) == 0 ||
        mdb_txn_begin(a->s->env, NULL, MDB_RDONLY, &g.snap) != 0) {
        if ((rc = rp_store_sweep_levels(a)) != 0)
            return a->rc = rc, rp_store_mdb_status(rc);
        return look_up(a, a->txn);
    }
    lookups_init(&lk);
    if (pthread_create(&tid, NULL, probe_thread, &g) != 0) {
        lookups_release(&lk);
        mdb_txn_abort(g.snap);
        if ((rc = rp_store_sweep_levels(a)) != 0)
            return a->rc = rc, rp_store_mdb_status(rc);
        return look_up(a, a->txn);
    }
    rc = rp_store_sweep_levels(a);
    if (rc)
        lookups_fail(&lk, RP_OK, 0); /* nothing more to take */
    else if (mdb_txn_begin(a->s->env, NULL, MDB_RDONLY, &help) == 0)
        help_look_up(a, &lk, help); /* no second snapshot: the prober does it all */
    pthread_join(tid, NULL);
    for (int l = 0; l < LEVELS; l++)
        a->post[l] = NULL; /* closed by the prober */
    if (help)
        mdb_txn_abort(help);
    mdb_txn_abort(g.snap);
    st = rc ? RP_OK : probe_finish(a, &lk);
    lookups_release(&lk);
    if (rc)
        return a->rc = rc, rp_store_mdb_status(rc);
    return st;
}

static rp_status add_all(adder *a, const rp_corpus *corpus, const rp_corpus *next,
                         rp_store_verdict *v)
{
    int64_t now = (int64_t)time(NULL);
    uint64_t batches;
    rp_status st = RP_OK;
    int rc = rp_store_meta_get(a->s, a->txn, "next", &a->next);

    a->first = a->next;

    if (!rc)
        rc = rp_store_meta_get(a->s, a->txn, "batches", &batches);
    if (!rc)
        rc = rp_store_sweep_get(a);
    if (rc)
        return a->rc = rc, rp_store_mdb_status(rc);
    st = sign_sweep_look_up(a, corpus);
    if (st == RP_OK && next) /* the rest of the batch runs on one thread */
        ahead_start(a->s, next);
    for (uint32_t d = 0; d < rp_corpus_count(corpus) && st == RP_OK; d++)
        st = add_one(a, d, rp_corpus_doc(corpus, d), now, &v[d]);
    if (st == RP_OK && (rc = write_postings(a)) != 0)
        a->rc = rc, st = rp_store_mdb_status(rc);
    if (st != RP_OK)
        return st;
    rc = rp_store_evict_old(a, now);
    if (!rc)
        rc = rp_store_sweep_put(a);
    if (!rc)
        rc = rp_store_meta_put(a->s, a->txn, "next", a->next);
    if (!rc)
        rc = rp_store_meta_put(a->s, a->txn, "batches", batches + 1);
    return rc ? (a->rc = rc, rp_store_mdb_status(rc)) : RP_OK;
}

/* Refuses a batch holding an id longer than a store keeps whole (never cut). */
static rp_status check_ids(const rp_store *s, const rp_corpus *corpus, char *msg, size_t msglen)
{
    for (uint32_t d = 0; d < rp_corpus_count(corpus); d++) {
        const char *name = rp_corpus_doc(corpus, d)->name;
        size_t len = strlen(name);
        if (len > RP_STORE_MAX_ID)
            return rp_store_fail(msg, msglen, RP_ELIMIT,
                                 "item %u ('%.40s...') has an id of %zu bytes; store '%s' holds "
                                 "ids of up to %u bytes (nothing of this batch was added)",
                                 d + 1, name, len, s->dir, RP_STORE_MAX_ID);
    }
    return RP_OK;
}

/* The message of a batch that failed (a->rc: the LMDB error, if that was the cause). */
static rp_status batch_fail(const adder *a, rp_status st, char *msg, size_t msglen)
{
    if (a->rc)
        return rp_store_mdb_fail(a->s, a->rc, msg, msglen);
    if (st == RP_EFORMAT)
        return rp_store_fail(msg, msglen, st,
                             "store '%s' is damaged (a record fails its check); run 'reprint "
                             "store check %s'",
                             a->s->dir, a->s->dir);
    return rp_store_fail(msg, msglen, st, "store '%s': %s", a->s->dir, rp_strerror(st));
}

/* Judges the batch in one write transaction, committed (add) or abandoned (query). */
static rp_status run_batch(rp_store *s, const rp_corpus *corpus, const rp_corpus *next,
                           const rp_dedup_options *dopts, bool query, rp_store_verdict **out,
                           size_t *count, char *msg, size_t msglen)
{
    size_t n = rp_corpus_count(corpus);
    adder a;
    rp_store_verdict *v;
    rp_status st;
    int rc;

    if (s->sopts.read_only)
        return rp_store_fail(msg, msglen, RP_EINVAL, "store '%s' is open for reading only", s->dir);
    /* a call refused here drops what was signed ahead too (as rp_store_add_ahead says): the
     * caller may change or free the announced corpus after it, and a later batch at the same
     * addresses would pass ahead_take's check */
    if ((st = check_ids(s, corpus, msg, msglen)) != RP_OK) {
        rp_store_ahead_drop(s);
        return st;
    }
    if (!(v = rp_calloc(n + 1, sizeof(*v)))) {
        rp_store_ahead_drop(s);
        return RP_ENOMEM;
    }
    memset(&a, 0, sizeof(a));
    a.s = s;
    a.dopts = dopts;
    a.query = query;
    ahead_take(s, &a, corpus);
    /* reader slots of processes killed while they read (a batch of this store reads its
     * snapshot through one) would keep the writer off the pages freed since: freed first */
    int dead;
    mdb_reader_check(s->env, &dead);
    if ((rc = mdb_txn_begin(s->env, NULL, 0, &a.txn)) != 0) {
        st = rp_store_mdb_fail(s, rc, msg, msglen);
        goto fail;
    }
    st = add_all(&a, corpus, query ? NULL : next, v);
    /* a mapped input that shrank while it was read gave zeros for its lost bytes: nothing
     * made from it is committed, or a re-run on the restored file would answer `seen` */
    const char *changed = st == RP_OK && !query ? rp_corpus_changed(corpus) : NULL;
    if (changed)
        st = RP_EIO;
    if (st == RP_OK && !query && (rc = mdb_txn_commit(a.txn)) != 0)
        a.rc = rc, st = rp_store_mdb_status(rc);
    else if (st != RP_OK || query)
        mdb_txn_abort(a.txn);
    ahead_join(s); /* no thread outlives the call */
    if (changed) {
        rp_store_fail(msg, msglen, st,
                      "'%s': the file shrank while it was being read: nothing of the batch was "
                      "added to store '%s'",
                      changed, s->dir);
        goto fail;
    }
    if (st != RP_OK) {
        batch_fail(&a, st, msg, msglen);
        goto fail;
    }
    adder_release(&a);
    *out = v;
    *count = n;
    return RP_OK;
fail:
    adder_release(&a);
    rp_store_verdicts_free(v, n);
    return st;
}

rp_status rp_store_add(rp_store *s, const rp_corpus *corpus, const rp_dedup_options *dopts,
                       rp_store_verdict **out, size_t *count, char *msg, size_t msglen)
{
    return run_batch(s, corpus, NULL, dopts, false, out, count, msg, msglen);
}

rp_status rp_store_add_ahead(rp_store *s, const rp_corpus *corpus, const rp_corpus *next,
                             const rp_dedup_options *dopts, rp_store_verdict **out, size_t *count,
                             char *msg, size_t msglen)
{
    return run_batch(s, corpus, next, dopts, false, out, count, msg, msglen);
}

rp_status rp_store_query(rp_store *s, const rp_corpus *corpus, const rp_dedup_options *dopts,
                         rp_store_verdict **out, size_t *count, char *msg, size_t msglen)
{
    return run_batch(s, corpus, NULL, dopts, true, out, count, msg, msglen);
}
