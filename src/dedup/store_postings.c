/*
 * store_postings.c - the leveled postings (sampled fingerprint -> group firsts) and the blocked
 * Bloom filters of each level and slice: looking a key up over the levels, merging level 0 and
 * sweeping deeper levels into the next, slice by slice, in key order.
 */
#include "dedup/store_db.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

/* ---- filters ---- */

/* Each level but 0 has, for each slice holding any of its keys, a blocked Bloom filter of
 * them in filters (key: level << 16 | slice), so a lookup reads a level's B-tree only where
 * the key may be: nearly every probe of a large level misses. A value is a filter_head, then
 * blocks of 64 bytes; a key sets FILTER_K bits of one block (one cache line). Keys swept in
 * are added; past its capacity a filter is remade from the level, sized for the next point of
 * its slice's grid past 1.25 times the keys it holds (filter_capacity). Keys evicted stay set
 * until then; a slice swept out of a level loses its filter. */
#define FILTER_BLOCK 64u
#define FILTER_BITS_PER_KEY 10u
#define FILTER_K 7 /* 9 bits of one 64-bit hash each */

/* splitmix64's finalizer */
static uint64_t mix64(uint64_t x)
{
    x ^= x >> 30;
    x *= UINT64_C(0xbf58476d1ce4e5b9);
    x ^= x >> 27;
    x *= UINT64_C(0x94d049bb133111eb);
    return x ^ (x >> 31);
}

/* The offset of key's block, and in *bits the hash its bit positions come from. */
static size_t filter_block(uint32_t key, uint32_t nblocks, uint64_t *bits)
{
    uint64_t h = mix64(key + UINT64_C(0x9e3779b97f4a7c15));

    *bits = mix64(h);
    return (size_t)(((h >> 32) * nblocks) >> 32) * FILTER_BLOCK;
}

static void filter_add(unsigned char *blocks, uint32_t nblocks, uint32_t key)
{
    uint64_t bits;
    unsigned char *b = blocks + filter_block(key, nblocks, &bits);

    for (int i = 0; i < FILTER_K; i++, bits >>= 9)
        b[(bits & 511) >> 3] |= (unsigned char)(1u << (bits & 7));
}

bool rp_store_filter_may_hold(const filter *f, uint32_t key)
{
    uint64_t bits;
    const unsigned char *b;

    if (!f->blocks)
        return false;
    b = f->blocks + filter_block(key, f->nblocks, &bits);
    for (int i = 0; i < FILTER_K; i++, bits >>= 9)
        if (!(b[(bits & 511) >> 3] & (1u << (bits & 7))))
            return false;
    return true;
}

static uint32_t filter_nblocks(uint32_t capacity)
{
    return (uint32_t)(((uint64_t)capacity * FILTER_BITS_PER_KEY + FILTER_BLOCK * 8 - 1) /
                      (FILTER_BLOCK * 8));
}

/* A filter value's head and blocks (pointing into v); false when malformed. */
bool rp_store_filter_decode(const MDB_val *v, filter *f, filter_head *h)
{
    if (v->mv_size < sizeof(*h) + FILTER_BLOCK || (v->mv_size - sizeof(*h)) % FILTER_BLOCK)
        return false;
    memcpy(h, v->mv_data, sizeof(*h));
    f->blocks = (const unsigned char *)v->mv_data + sizeof(*h);
    f->nblocks = (uint32_t)((v->mv_size - sizeof(*h)) / FILTER_BLOCK);
    return f->nblocks == filter_nblocks(h->capacity);
}

/* The filter of level l for slice p (blocks NULL when there is none); it points into the map,
 * valid until filters is written. */
int rp_store_filter_get(const rp_store *s, MDB_txn *txn, int l, uint32_t p, filter *f,
                        filter_head *h)
{
    uint32_t key = (uint32_t)l << 16 | p;
    MDB_val k = {sizeof(key), &key}, v;
    int rc = mdb_get(txn, s->dbi[DB_FILTERS], &k, &v);

    f->blocks = NULL;
    f->nblocks = 0;
    if (rc)
        return rc == MDB_NOTFOUND ? 0 : rc;
    return rp_store_filter_decode(&v, f, h) ? 0 : MDB_CORRUPTED;
}

/* Starts loading the filter blocks a lookup of key will read (levels 1 and deeper): a batch's
 * keys are hashes, so each probe is a cache miss into another filter of the map, and probed one
 * after the other they wait for memory in turn (7% of the calling thread's perf samples at
 * 1,000,000 items on bench_dedup). */
void rp_store_key_prefetch(const adder *a, uint32_t key)
{
    for (int l = 1; l < LEVELS; l++) {
        const filter *f = &a->filters[l * NSLICES + SLICE(key)];
        uint64_t bits;
        if (a->held[l] && f->blocks)
            __builtin_prefetch(f->blocks + filter_block(key, f->nblocks, &bits));
    }
}

/* Positions the cursors of levels [from, to) on key; first[l] gets the first posting of the
 * levels holding it, a zero size for the others. Returns the number of postings for key over
 * those levels, or SIZE_MAX on an LMDB error (in a->rc). */
size_t rp_store_key_count(adder *a, uint32_t key, int from, int to, MDB_val first[LEVELS])
{
    size_t total = 0, dups;

    for (int l = from; l < to; l++) {
        MDB_val k = {sizeof(key), &key};
        first[l].mv_size = 0;
        if (!a->held[l] ||
            (l > 0 && !rp_store_filter_may_hold(&a->filters[l * NSLICES + SLICE(key)], key)))
            continue;
        int rc = mdb_cursor_get(a->post[l], &k, &first[l], MDB_SET);
        if (rc == MDB_NOTFOUND) {
            first[l].mv_size = 0;
            continue;
        }
        if (rc || (rc = mdb_cursor_count(a->post[l], &dups)) != 0)
            return a->rc = rc, SIZE_MAX;
        total += dups;
    }
    return total;
}

/* Appends the postings of levels [from, to) found by key_count to buf (*count of cap used). */
rp_status rp_store_read_postings(adder *a, MDB_val first[LEVELS], int from, int to, uint32_t *buf,
                                 size_t *count, size_t cap)
{
    MDB_val k, v;

    for (int l = from; l < to; l++) {
        /* GET_MULTIPLE leaves v alone for a key with one posting: v is that posting */
        int rc = first[l].mv_size
                     ? (v = first[l], mdb_cursor_get(a->post[l], &k, &v, MDB_GET_MULTIPLE))
                     : MDB_NOTFOUND;
        for (; rc == 0; rc = mdb_cursor_get(a->post[l], &k, &v, MDB_NEXT_MULTIPLE)) {
            size_t n = v.mv_size / sizeof(uint32_t);
            if (*count + n > cap)
                return a->rc = MDB_CORRUPTED, RP_EFORMAT;
            memcpy(buf + *count, v.mv_data, n * sizeof(uint32_t));
            *count += n;
        }
        if (rc != MDB_NOTFOUND)
            return a->rc = rc, rp_store_mdb_status(rc);
    }
    return RP_OK;
}

/* ---- sweeping levels ---- */

/* Collects the keys level l holds in slice p into a->moved. */
static int slice_keys(adder *a, int l, uint32_t p)
{
    MDB_cursor *cur;
    uint32_t start = p << (32 - SLICE_BITS), key;
    MDB_val k = {sizeof(start), &start}, v;
    int rc = mdb_cursor_open(a->txn, a->s->dbi[DB_POSTINGS + l], &cur);

    if (rc)
        return rc;
    a->moved_count = 0;
    for (rc = mdb_cursor_get(cur, &k, &v, MDB_SET_RANGE); rc == 0;
         rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT_NODUP)) {
        memcpy(&key, k.mv_data, sizeof(key));
        if (SLICE(key) != p)
            break;
        if (RP_GROW(a->moved, a->moved_cap, a->moved_count + 1) != RP_OK) {
            rc = ENOMEM;
            break;
        }
        a->moved[a->moved_count++] = key;
    }
    mdb_cursor_close(cur);
    return rc == MDB_NOTFOUND ? 0 : rc;
}

/* The capacity of a filter remade for slice p holding keys: the first point of the slice's grid,
 * phase(p) * 2^j, at or above 1.25 times the keys, so the next remake comes when the slice's keys
 * reach that point. The slices of a level grow together (keys are hashes): a capacity drawn
 * from the keys at the last remake (2 to 2.875 times them, by slice) kept the filters of a
 * level in step, remade in clusters (at 1,000,000 items on bench_dedup about half the level-2
 * filters a sweep reached were remade, each reading its ~3,600 keys back from the level).
 * Points fixed per slice, 8 phases over a doubling, spread the remakes evenly however the
 * level grew. */
static uint32_t filter_capacity(uint32_t p, uint64_t keys)
{
    static const uint8_t phase[8] = {16, 17, 19, 21, 23, 25, 27, 29}; /* 16 * 2^(i / 8) */
    uint64_t cap = phase[(p * UINT32_C(2654435761)) >> 29];

    while (cap < keys + keys / 4)
        cap *= 2;
    return cap > UINT32_MAX ? UINT32_MAX : (uint32_t)cap;
}

/* Adds the keys in a->moved, just swept into level l, to its filter for slice p: the old one
 * while it has room, else a new one made from every key the level holds in the slice. */
static int filter_update(adder *a, int l, uint32_t p)
{
    uint32_t fkey = (uint32_t)l << 16 | p;
    MDB_val k = {sizeof(fkey), &fkey}, v;
    filter f;
    filter_head h;
    int rc = rp_store_filter_get(a->s, a->txn, l, p, &f, &h);

    if (rc)
        return rc;
    bool keep = f.blocks && (uint64_t)h.added + a->moved_count <= h.capacity;
    if (!keep) {
        if ((rc = slice_keys(a, l, p)) != 0)
            return rc;
        h.capacity = filter_capacity(p, a->moved_count);
        h.added = 0;
    }
    h.added += (uint32_t)a->moved_count;
    v.mv_size = sizeof(h) + (size_t)filter_nblocks(h.capacity) * FILTER_BLOCK;
    if (RP_GROW(a->fbuf, a->fbuf_cap, v.mv_size) != RP_OK)
        return ENOMEM;
    if (keep) /* copied first: the put may move or free the old value */
        memcpy(a->fbuf + sizeof(h), f.blocks, v.mv_size - sizeof(h));
    else
        memset(a->fbuf + sizeof(h), 0, v.mv_size - sizeof(h));
    memcpy(a->fbuf, &h, sizeof(h));
    for (size_t i = 0; i < a->moved_count; i++)
        filter_add(a->fbuf + sizeof(h), filter_nblocks(h.capacity), a->moved[i]);
    v.mv_data = a->fbuf;
    return mdb_put(a->txn, a->s->dbi[DB_FILTERS], &k, &v, 0);
}

/* Moves the postings of level l in slice p into level l + 1 (src and dst: cursors on them),
 * in key order, so each page touched is copied once; their keys go to a->moved. src is placed
 * once: a deleted key leaves it on the next, so MDB_NEXT_NODUP reads that one without a search
 * from the root. */
static int move_slice(adder *a, MDB_cursor *src, MDB_cursor *dst, uint32_t p, uint64_t *moved)
{
    uint32_t key = p << (32 - SLICE_BITS), num;
    MDB_val k = {sizeof(key), &key}, v;
    int rc;

    a->moved_count = 0;
    for (rc = mdb_cursor_get(src, &k, &v, MDB_SET_RANGE); rc == 0;
         rc = mdb_cursor_get(src, &k, &v, MDB_NEXT_NODUP)) {
        memcpy(&key, k.mv_data, sizeof(key)); /* copied: a put may move pages */
        if (SLICE(key) != p)
            break;
        do {
            memcpy(&num, v.mv_data, sizeof(num));
            MDB_val pk = {sizeof(key), &key}, nv = {sizeof(num), &num};
            if ((rc = mdb_cursor_put(dst, &pk, &nv, 0)) != 0)
                return rc;
            (*moved)++;
        } while ((rc = mdb_cursor_get(src, &k, &v, MDB_NEXT_DUP)) == 0);
        if (rc != MDB_NOTFOUND)
            return rc;
        if (RP_GROW(a->moved, a->moved_cap, a->moved_count + 1) != RP_OK)
            return ENOMEM;
        a->moved[a->moved_count++] = key;
        /* still on the key (NEXT_DUP found no more; puts into dst leave src's cursor alone) */
        if ((rc = mdb_cursor_del(src, MDB_NODUPDATA)) != 0)
            return rc;
    }
    return rc == MDB_NOTFOUND ? 0 : rc;
}

/* Sweeps slices of level l into level l + 1, from where the last sweep stopped, until at least
 * excess postings moved (a whole turn at most). */
static int sweep_level(adder *a, int l, uint64_t excess)
{
    MDB_cursor *src, *dst;
    uint32_t p = a->sweep[l];
    uint64_t moved = 0;
    int rc = mdb_cursor_open(a->txn, a->s->dbi[DB_POSTINGS + l], &src);

    if (rc)
        return rc;
    if ((rc = mdb_cursor_open(a->txn, a->s->dbi[DB_POSTINGS + l + 1], &dst)) != 0) {
        mdb_cursor_close(src);
        return rc;
    }
    for (uint32_t i = 0; i < NSLICES && moved < excess && !rc; i++, p = (p + 1) % NSLICES) {
        uint32_t fkey = (uint32_t)l << 16 | p;
        MDB_val fk = {sizeof(fkey), &fkey};
        if ((rc = move_slice(a, src, dst, p, &moved)) != 0 || a->moved_count == 0)
            continue;
        rc = filter_update(a, l + 1, p);
        if (!rc && l > 0 && (rc = mdb_del(a->txn, a->s->dbi[DB_FILTERS], &fk, NULL)) != 0)
            rc = rc == MDB_NOTFOUND ? 0 : rc;
    }
    mdb_cursor_close(dst);
    mdb_cursor_close(src);
    a->sweep[l] = p;
    return rc;
}

/* Moves all of level 0 into level 1 in key order, filters following slice by slice, and
 * empties level 0 at once: level 0 is small, so its merges cost little and never stall. */
static int merge_level0(adder *a)
{
    MDB_cursor *src, *dst;
    MDB_val k, v;
    uint32_t slice = UINT32_MAX, key, num;
    int rc = mdb_cursor_open(a->txn, a->s->dbi[DB_POSTINGS], &src);

    if (rc)
        return rc;
    if ((rc = mdb_cursor_open(a->txn, a->s->dbi[DB_POSTINGS + 1], &dst)) != 0) {
        mdb_cursor_close(src);
        return rc;
    }
    a->moved_count = 0;
    for (rc = mdb_cursor_get(src, &k, &v, MDB_FIRST); rc == 0;
         rc = mdb_cursor_get(src, &k, &v, MDB_NEXT)) {
        memcpy(&key, k.mv_data, sizeof(key)); /* copied: a put may move pages */
        memcpy(&num, v.mv_data, sizeof(num));
        if (SLICE(key) != slice && a->moved_count && (rc = filter_update(a, 1, slice)) != 0)
            break;
        if (SLICE(key) != slice)
            slice = SLICE(key), a->moved_count = 0;
        MDB_val pk = {sizeof(key), &key}, nv = {sizeof(num), &num};
        if ((rc = mdb_cursor_put(dst, &pk, &nv, 0)) != 0)
            break;
        if (a->moved_count && a->moved[a->moved_count - 1] == key)
            continue;
        if (RP_GROW(a->moved, a->moved_cap, a->moved_count + 1) != RP_OK) {
            rc = ENOMEM;
            break;
        }
        a->moved[a->moved_count++] = key;
    }
    if (rc == MDB_NOTFOUND)
        rc = a->moved_count ? filter_update(a, 1, slice) : 0;
    mdb_cursor_close(dst);
    mdb_cursor_close(src);
    return rc ? rc : mdb_drop(a->txn, a->s->dbi[DB_POSTINGS], 0);
}

/* The postings levels 0 .. l may hold together before level l (l >= 1) is swept into the next:
 * its share counts the levels above it, so room for what they will pass down is made a little
 * at every batch (about what a batch adds), not all at once when level 0 is merged. Level 0
 * alone is merged past LEVEL0_MERGE times level0 (store_db.h). */
static uint64_t level_cap(const adder *a, int l)
{
    return l == 0 ? a->s->level0 * LEVEL0_MERGE : a->s->level0 << (LEVEL_RATIO_BITS * l);
}

/* The postings past level l's share (*excess): level 0's own, for a deeper level those of it
 * and the levels above it together. */
static int level_excess(adder *a, int l, uint64_t *excess)
{
    uint64_t held = 0;

    for (int j = 0; j <= l; j++) {
        MDB_stat ms;
        int rc = mdb_stat(a->txn, a->s->dbi[DB_POSTINGS + j], &ms);
        if (rc)
            return rc;
        held += ms.ms_entries;
    }
    *excess = held > level_cap(a, l) ? held - level_cap(a, l) : 0;
    return 0;
}

/* Merges level 0 into level 1 when past its share, then sweeps each deeper level past its
 * share into the next. */
int rp_store_sweep_levels(adder *a)
{
    uint64_t excess;

    for (int l = 0; l + 1 < LEVELS; l++) {
        int rc = level_excess(a, l, &excess);
        if (!rc && excess)
            rc = l == 0 ? merge_level0(a) : sweep_level(a, l, excess);
        if (rc)
            return rc;
    }
    return 0;
}

/* Whether rp_store_sweep_levels has anything to do (*due). */
int rp_store_sweep_due(adder *a, bool *due)
{
    uint64_t excess = 0;
    int rc = 0;

    *due = false;
    for (int l = 0; l + 1 < LEVELS && !rc && !*due; l++)
        if ((rc = level_excess(a, l, &excess)) == 0)
            *due = excess > 0;
    return rc;
}

/* Points a->filters at each level's filters for the batch. The filters are thousands of
 * values on pages of their own: their heads are fetched while the tree is walked and read
 * FILTER_AHEAD entries later, not each waited for in turn. */
#define FILTER_AHEAD 16
static int load_filters(adder *a, MDB_txn *txn)
{
    MDB_cursor *cur;
    MDB_val k, v, ring[FILTER_AHEAD];
    uint32_t at[FILTER_AHEAD];
    filter_head h;
    size_t n = 0; /* entries read; ring[i % FILTER_AHEAD] holds entry i until it is decoded */
    int rc = mdb_cursor_open(txn, a->s->dbi[DB_FILTERS], &cur);

    if (rc)
        return rc;
    for (rc = mdb_cursor_get(cur, &k, &v, MDB_FIRST); rc == 0;
         rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT), n++) {
        uint32_t key, slot = (uint32_t)(n % FILTER_AHEAD);
        memcpy(&key, k.mv_data, sizeof(key));
        uint32_t l = key >> 16, p = key & 0xffff;
        if (k.mv_size != sizeof(key) || l == 0 || l >= LEVELS || p >= NSLICES ||
            (n >= FILTER_AHEAD &&
             !rp_store_filter_decode(&ring[slot], &a->filters[at[slot]], &h))) {
            rc = MDB_CORRUPTED;
            break;
        }
        __builtin_prefetch(v.mv_data);
        ring[slot] = v;
        at[slot] = l * NSLICES + p;
    }
    if (rc == MDB_NOTFOUND)
        rc = 0;
    for (size_t i = n > FILTER_AHEAD ? n - FILTER_AHEAD : 0; i < n && !rc; i++) /* the last ones */
        if (!rp_store_filter_decode(&ring[i % FILTER_AHEAD], &a->filters[at[i % FILTER_AHEAD]], &h))
            rc = MDB_CORRUPTED;
    mdb_cursor_close(cur);
    return rc;
}

/* Opens a cursor in txn on each level of postings, notes which levels hold any, loads the
 * filters (valid while txn lives); rp_store_close_levels closes the cursors. */
int rp_store_open_levels(adder *a, MDB_txn *txn)
{
    int rc = 0, l;

    if (!a->filters && !(a->filters = rp_calloc((size_t)LEVELS * NSLICES, sizeof(*a->filters))))
        return ENOMEM;
    for (l = 0; l < LEVELS && !rc; l++) {
        MDB_stat ms;
        if ((rc = mdb_stat(txn, a->s->dbi[DB_POSTINGS + l], &ms)) != 0 ||
            (rc = mdb_cursor_open(txn, a->s->dbi[DB_POSTINGS + l], &a->post[l])) != 0)
            break;
        a->held[l] = l == 0 || ms.ms_entries > 0;
    }
    if (!rc)
        rc = load_filters(a, txn);
    if (rc)
        while (l-- > 0)
            mdb_cursor_close(a->post[l]), a->post[l] = NULL;
    return rc;
}

void rp_store_close_levels(adder *a)
{
    for (int l = 0; l < LEVELS; l++)
        if (a->post[l])
            mdb_cursor_close(a->post[l]), a->post[l] = NULL;
}

/* The next slice of each level to sweep. */
int rp_store_sweep_get(adder *a)
{
    MDB_val k = {5, (void *)"sweep"}, v;
    int rc = mdb_get(a->txn, a->s->dbi[DB_META], &k, &v);

    memset(a->sweep, 0, sizeof(a->sweep));
    if (rc == MDB_NOTFOUND)
        return 0;
    if (!rc && v.mv_size != sizeof(a->sweep))
        return MDB_CORRUPTED;
    if (!rc)
        memcpy(a->sweep, v.mv_data, sizeof(a->sweep));
    for (int l = 0; l < LEVELS && !rc; l++)
        rc = a->sweep[l] < NSLICES ? 0 : MDB_CORRUPTED;
    return rc;
}

int rp_store_sweep_put(adder *a)
{
    MDB_val k = {5, (void *)"sweep"}, v = {sizeof(a->sweep), a->sweep};
    return mdb_put(a->txn, a->s->dbi[DB_META], &k, &v, 0);
}

/* Runs the batch inside the open transaction a->txn. */
