/*
 * store.c - incremental dedup on a persistent LMDB environment (one directory). Sub-databases:
 * meta (format version, settings, next document number, batches committed), docs (document
 * number -> record: name, date, length, content hash, fingerprint set), ids (name -> number),
 * order ((date, number) -> nothing, for the rolling window), the postings (sampled
 * fingerprint -> numbers of group firsts, MDB_DUPSORT|MDB_DUPFIXED) split into LEVELS levels
 * postings0..postings5, and filters (a Bloom filter per level and slice of the key space).
 * The levels are a log-structured merge tree: a batch inserts into the small level 0, which
 * past its share is merged whole into level 1; a deeper level past its share is swept, slice by
 * slice, into the next, 16 times larger. All in key order, so each page touched is copied once,
 * and a batch writes about as much however large the store is, where one tree keyed by
 * fingerprint (random keys) had every batch copy and write nearly all of its leaves. Each
 * batch, merges and sweeps included, is one write transaction, so a crash leaves the store as
 * before or after it; writers exclude each other with flock on DIR/writer.lock because LMDB's
 * own writer lock can only block.
 */
#include "dedup/store.h"
#include "base/sort.h"

#include "dedup/dedup.h"
#include "base/escape.h"

#include <errno.h>
#include <fcntl.h>
#include <lmdb.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

/* Levels of postings; the last is unbounded. Level l holds up to level0 << (4 * l) postings
 * (level0: LEVEL0_CAP, kept in meta; 64 Ki, 1 Mi, 16 Mi, 256 Mi, 4 Gi): about 15 a group
 * first, so a million items fill three levels. */
#define LEVELS 6
#define LEVEL0_CAP ((uint64_t)1 << 16)
#define LEVEL_RATIO_BITS 4 /* a ratio of 16 */

/* The key space is cut in NSLICES slices by a key's top bits: levels are swept into the next
 * slice by slice, and filters are kept per level and slice. */
#define SLICE_BITS 12
#define NSLICES (1u << SLICE_BITS)
#define SLICE(key) ((uint32_t)(key) >> (32 - SLICE_BITS))

enum {
    DB_META,
    DB_DOCS,
    DB_IDS,
    DB_ORDER,
    DB_FILTERS,
    DB_POSTINGS,
    DB_COUNT = DB_POSTINGS + LEVELS
};

#define POSTINGS_FLAGS (MDB_DUPSORT | MDB_DUPFIXED | MDB_INTEGERKEY | MDB_INTEGERDUP)

static const char *const db_names[DB_COUNT] = {
    "meta",      "docs",      "ids",       "order",     "filters",  "postings0",
    "postings1", "postings2", "postings3", "postings4", "postings5"};
static const unsigned db_flags[DB_COUNT] = {
    0,
    MDB_INTEGERKEY,
    0,
    0,
    MDB_INTEGERKEY,
    POSTINGS_FLAGS,
    POSTINGS_FLAGS,
    POSTINGS_FLAGS,
    POSTINGS_FLAGS,
    POSTINGS_FLAGS,
    POSTINGS_FLAGS};

struct rp_store {
    char *dir;
    MDB_env *env;
    MDB_dbi dbi[DB_COUNT];
    int lock_fd; /* -1 when read-only */
    rp_options opts;
    rp_store_options sopts;
    uint64_t level0; /* postings level 0 holds before it is merged (meta "level0") */
};

/* A document record in docs: a fixed head, then the name, then the fingerprints. */
typedef struct rec_head {
    uint64_t content;
    int64_t time; /* the item's date (--date-field), else when it was added; epoch seconds */
    uint32_t of;  /* the group first it matched, UINT32_MAX for a first */
    uint32_t len;
    uint32_t tokens;
    uint32_t nfp;
    uint16_t name_len;
    uint8_t verdict;
    uint8_t pad;
} rec_head;

typedef struct rec {
    rec_head h;
    const char *name;
    const unsigned char *fps; /* nfp little-endian uint32, unaligned */
} rec;

#define MAP_SIZE_DEFAULT (sizeof(size_t) >= 8 ? (size_t)64 << 30 : (size_t)1 << 30)

void rp_store_options_init(rp_store_options *sopts)
{
    memset(sopts, 0, sizeof(*sopts));
}

/* ---- messages ---- */

static rp_status fail_msg(char *msg, size_t msglen, rp_status st, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 4, 5)))
#endif
    ;

static rp_status fail_msg(char *msg, size_t msglen, rp_status st, const char *fmt, ...)
{
    va_list ap;

    if (msg && msglen) {
        va_start(ap, fmt);
        vsnprintf(msg, msglen, fmt, ap);
        va_end(ap);
    }
    return st;
}

/* An LMDB error as a status: a full map is a limit, the rest are I/O. */
static rp_status mdb_status(int rc)
{
    return rc == MDB_MAP_FULL ? RP_ELIMIT : rc == ENOMEM ? RP_ENOMEM : RP_EIO;
}

static rp_status mdb_fail(const rp_store *s, int rc, char *msg, size_t msglen)
{
    if (rc == MDB_MAP_FULL)
        return fail_msg(msg, msglen, RP_ELIMIT,
                        "store '%s' is full (map size %zu bytes); nothing of this batch was "
                        "added (use --max-items or --max-age, or a larger map)",
                        s->dir, s->sopts.map_size);
    return fail_msg(msg, msglen, mdb_status(rc), "store '%s': %s", s->dir, mdb_strerror(rc));
}

/* ---- records ---- */

static bool rec_decode(const MDB_val *v, rec *r)
{
    if (v->mv_size < sizeof(rec_head))
        return false;
    memcpy(&r->h, v->mv_data, sizeof(rec_head));
    if (v->mv_size != sizeof(rec_head) + r->h.name_len + (size_t)r->h.nfp * 4)
        return false;
    r->name = (const char *)v->mv_data + sizeof(rec_head);
    r->fps = (const unsigned char *)r->name + r->h.name_len;
    return true;
}

static rp_status rec_fps(const rec *r, uint32_t **fps, size_t *cap)
{
    if (RP_GROW(*fps, *cap, (size_t)r->h.nfp + 1) != RP_OK)
        return RP_ENOMEM;
    memcpy(*fps, r->fps, (size_t)r->h.nfp * 4);
    return RP_OK;
}

static rp_status rec_get(const rp_store *s, MDB_txn *txn, uint32_t num, rec *r)
{
    MDB_val k = {sizeof(num), &num}, v;
    int rc = mdb_get(txn, s->dbi[DB_DOCS], &k, &v);

    if (rc == MDB_NOTFOUND)
        return RP_ENOTFOUND;
    if (rc)
        return mdb_status(rc);
    return rec_decode(&v, r) ? RP_OK : RP_EFORMAT;
}

/* ---- filters ---- */

/* Each level but 0 has, for each slice holding any of its keys, a blocked Bloom filter of
 * them in filters (key: level << 16 | slice), so a lookup reads a level's B-tree only where
 * the key may be: nearly every probe of a large level misses. A value is a filter_head, then
 * blocks of 64 bytes; a key sets FILTER_K bits of one block (one cache line). Keys swept in
 * are added; past its capacity a filter is remade from the level, sized for twice the keys
 * it holds. Keys evicted stay set until then; a slice swept out of a level loses its filter. */
typedef struct filter_head {
    uint32_t capacity; /* keys it was sized for */
    uint32_t added;    /* keys added since it was made (evicted ones count) */
} filter_head;

#define FILTER_BLOCK 64u
#define FILTER_BITS_PER_KEY 10u
#define FILTER_K 7 /* 9 bits of one 64-bit hash each */
#define FILTER_MIN_KEYS 16u

typedef struct filter {
    const unsigned char *blocks; /* NULL: no filter, so no key of the level in the slice */
    uint32_t nblocks;
} filter;

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

static bool filter_may_hold(const filter *f, uint32_t key)
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
static bool filter_decode(const MDB_val *v, filter *f, filter_head *h)
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
static int filter_get(const rp_store *s, MDB_txn *txn, int l, uint32_t p, filter *f,
                      filter_head *h)
{
    uint32_t key = (uint32_t)l << 16 | p;
    MDB_val k = {sizeof(key), &key}, v;
    int rc = mdb_get(txn, s->dbi[DB_FILTERS], &k, &v);

    f->blocks = NULL;
    f->nblocks = 0;
    if (rc)
        return rc == MDB_NOTFOUND ? 0 : rc;
    return filter_decode(&v, f, h) ? 0 : MDB_CORRUPTED;
}

/* Order keys sort by date, then number: big-endian, the date offset to unsigned. */
static void order_key(int64_t time, uint32_t num, unsigned char key[12])
{
    uint64_t t = (uint64_t)time ^ (UINT64_C(1) << 63);

    for (int i = 0; i < 8; i++)
        key[i] = (unsigned char)(t >> (56 - 8 * i));
    for (int i = 0; i < 4; i++)
        key[8 + i] = (unsigned char)(num >> (24 - 8 * i));
}

static uint32_t order_num(const MDB_val *k)
{
    const unsigned char *p = k->mv_data;
    return (uint32_t)p[8] << 24 | (uint32_t)p[9] << 16 | (uint32_t)p[10] << 8 | p[11];
}

/* ---- meta ---- */

static void settings_text(const rp_options *o, char *buf, size_t len)
{
    snprintf(buf, len,
             "shingle=%u window=%u fold_case=%d fold_marks=%d fold_quotes=%d fold_spelling=%d "
             "sample=%u",
             o->shingle, o->window, o->fold_case, o->fold_marks, o->fold_quotes,
             o->fold_spelling, RP_DEDUP_SAMPLE);
}

static int meta_get_u64(const rp_store *s, MDB_txn *txn, const char *key, uint64_t *out)
{
    MDB_val k = {strlen(key), (void *)key}, v;
    int rc = mdb_get(txn, s->dbi[DB_META], &k, &v);

    if (rc == 0 && v.mv_size == sizeof(*out))
        memcpy(out, v.mv_data, sizeof(*out));
    else if (rc == 0)
        rc = MDB_CORRUPTED;
    return rc;
}

static int meta_put_u64(const rp_store *s, MDB_txn *txn, const char *key, uint64_t value)
{
    MDB_val k = {strlen(key), (void *)key}, v = {sizeof(value), &value};
    return mdb_put(txn, s->dbi[DB_META], &k, &v, 0);
}

/* A new store: its format version and settings. */
static int meta_create(const rp_store *s, MDB_txn *txn, const char *settings)
{
    MDB_val k = {8, (void *)"settings"}, v = {strlen(settings), (void *)settings};
    int rc = meta_put_u64(s, txn, "format", RP_STORE_FORMAT);

    if (!rc)
        rc = mdb_put(txn, s->dbi[DB_META], &k, &v, 0);
    if (!rc)
        rc = meta_put_u64(s, txn, "next", 0);
    if (!rc)
        rc = meta_put_u64(s, txn, "batches", 0);
    if (!rc)
        rc = meta_put_u64(s, txn, "level0", LEVEL0_CAP);
    return rc;
}

/* Refuses a store of another format version or made with other settings. */
static rp_status meta_check(const rp_store *s, MDB_txn *txn, const char *settings, char *msg,
                            size_t msglen)
{
    MDB_val k = {8, (void *)"settings"}, v;
    uint64_t format;
    int rc = meta_get_u64(s, txn, "format", &format);

    if (rc)
        return fail_msg(msg, msglen, RP_EFORMAT, "'%s' is not a reprint dedup store", s->dir);
    if (format != RP_STORE_FORMAT)
        return fail_msg(msg, msglen, RP_EFORMAT,
                        "store '%s' has format version %llu; this reprint reads version %u",
                        s->dir, (unsigned long long)format, RP_STORE_FORMAT);
    rc = mdb_get(txn, s->dbi[DB_META], &k, &v);
    if (!rc && s->sopts.any_settings)
        return RP_OK;
    if (rc || v.mv_size != strlen(settings) || memcmp(v.mv_data, settings, v.mv_size) != 0)
        return fail_msg(msg, msglen, RP_EFORMAT,
                        "store '%s' was made with other settings (%.*s); this run has %s: use "
                        "the same --shingle, --window and folds, or another store",
                        s->dir, rc ? 0 : (int)v.mv_size, rc ? "" : (const char *)v.mv_data,
                        settings);
    return RP_OK;
}

/* ---- open and close ---- */

static rp_status take_lock(rp_store *s, char *msg, size_t msglen)
{
    size_t len = strlen(s->dir) + sizeof("/writer.lock");
    char *path = rp_malloc(len);

    if (!path)
        return RP_ENOMEM;
    snprintf(path, len, "%s/writer.lock", s->dir);
    s->lock_fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
    rp_free(path);
    if (s->lock_fd < 0)
        return fail_msg(msg, msglen, RP_EIO, "cannot open store '%s': %s", s->dir,
                        strerror(errno));
    while (flock(s->lock_fd, LOCK_EX | (s->sopts.wait ? 0 : LOCK_NB)) != 0) {
        if (errno == EINTR)
            continue;
        if (errno == EWOULDBLOCK)
            return fail_msg(msg, msglen, RP_ELIMIT,
                            "store '%s' is in use by another writer (use --wait to wait)",
                            s->dir);
        return fail_msg(msg, msglen, RP_EIO, "cannot lock store '%s': %s", s->dir,
                        strerror(errno));
    }
    return RP_OK;
}

static rp_status open_env(rp_store *s, char *msg, size_t msglen)
{
    /* Fully synchronous: a batch that returned survives a system crash. Measured on
     * bench_dedup (200,000 items): MDB_NOMETASYNC saved nothing measurable; MDB_WRITEMAP was
     * slower (msync of the map) and makes data.mdb a sparse file as large as the map. */
    unsigned flags = MDB_NOTLS | (s->sopts.read_only ? MDB_RDONLY : 0);
    int rc = mdb_env_create(&s->env);

    if (!rc)
        rc = mdb_env_set_maxdbs(s->env, DB_COUNT);
    if (!rc)
        rc = mdb_env_set_mapsize(s->env, s->sopts.map_size);
    if (!rc)
        rc = mdb_env_open(s->env, s->dir, flags, 0644);
    if (rc)
        return fail_msg(msg, msglen, mdb_status(rc), "cannot open store '%s': %s", s->dir,
                        mdb_strerror(rc));
    return RP_OK;
}

/* Opens sub-database i, creating it when the store is writable (then *created, if given). */
static int open_db(rp_store *s, MDB_txn *txn, int i, bool *created)
{
    int rc = mdb_dbi_open(txn, db_names[i], db_flags[i], &s->dbi[i]);

    if (rc == MDB_NOTFOUND && !s->sopts.read_only) {
        if (created)
            *created = true;
        rc = mdb_dbi_open(txn, db_names[i], db_flags[i] | MDB_CREATE, &s->dbi[i]);
    }
    return rc;
}

/* Opens meta and checks it (so a store of another format is refused before its layout is
 * looked at), then the other sub-databases, creating them in a new store. */
static rp_status open_dbs(rp_store *s, char *msg, size_t msglen)
{
    MDB_txn *txn;
    char settings[160];
    bool fresh = false;
    rp_status st = RP_OK;
    int rc = mdb_txn_begin(s->env, NULL, s->sopts.read_only ? MDB_RDONLY : 0, &txn);

    settings_text(&s->opts, settings, sizeof(settings));
    if (rc)
        return mdb_fail(s, rc, msg, msglen);
    rc = open_db(s, txn, DB_META, &fresh);
    if (!rc && !fresh)
        st = meta_check(s, txn, settings, msg, msglen);
    for (int i = DB_META + 1; i < DB_COUNT && !rc && st == RP_OK; i++)
        rc = open_db(s, txn, i, NULL);
    if (st == RP_OK && (rc == MDB_NOTFOUND || rc == MDB_INCOMPATIBLE))
        st = fail_msg(msg, msglen, RP_EFORMAT, "'%s' is not a reprint dedup store", s->dir);
    else if (st == RP_OK && rc)
        st = mdb_fail(s, rc, msg, msglen);
    else if (st == RP_OK && fresh && (rc = meta_create(s, txn, settings)) != 0)
        st = mdb_fail(s, rc, msg, msglen);
    if (st == RP_OK && (meta_get_u64(s, txn, "level0", &s->level0) != 0 || !s->level0))
        st = fail_msg(msg, msglen, RP_EFORMAT, "'%s' is not a reprint dedup store", s->dir);
    if (st == RP_OK) /* even read-only: committing keeps the database handles open */
        rc = mdb_txn_commit(txn), st = rc ? mdb_fail(s, rc, msg, msglen) : RP_OK;
    else
        mdb_txn_abort(txn);
    return st;
}

static rp_status make_dir(const char *dir, bool read_only, char *msg, size_t msglen)
{
    struct stat sb;

    if (stat(dir, &sb) == 0)
        return S_ISDIR(sb.st_mode) ? RP_OK
                                   : fail_msg(msg, msglen, RP_EIO,
                                              "cannot open store '%s': not a directory", dir);
    if (read_only || errno != ENOENT)
        return fail_msg(msg, msglen, RP_EIO, "cannot open store '%s': %s", dir,
                        strerror(errno));
    if (mkdir(dir, 0755) != 0)
        return fail_msg(msg, msglen, RP_EIO, "cannot create store '%s': %s", dir,
                        strerror(errno));
    return RP_OK;
}

rp_status rp_store_open(const char *dir, const rp_options *opts, const rp_store_options *sopts,
                        rp_store **out, char *msg, size_t msglen)
{
    rp_store *s;
    rp_status st;

    if (rp_options_check(opts) != RP_OK)
        return fail_msg(msg, msglen, RP_EINVAL, "invalid options");
    st = make_dir(dir, sopts->read_only, msg, msglen);
    if (st != RP_OK)
        return st;
    s = rp_calloc(1, sizeof(*s));
    if (!s || !(s->dir = rp_strdup(dir))) {
        rp_free(s);
        return RP_ENOMEM;
    }
    s->lock_fd = -1;
    s->opts = *opts;
    s->sopts = *sopts;
    if (!s->sopts.map_size)
        s->sopts.map_size = MAP_SIZE_DEFAULT;
    st = s->sopts.read_only ? RP_OK : take_lock(s, msg, msglen);
    if (st == RP_OK)
        st = open_env(s, msg, msglen);
    if (st == RP_OK)
        st = open_dbs(s, msg, msglen);
    if (st != RP_OK)
        goto fail;
    *out = s;
    return RP_OK;
fail:
    rp_store_close(s);
    return st;
}

void rp_store_close(rp_store *s)
{
    if (!s)
        return;
    if (s->env)
        mdb_env_close(s->env);
    if (s->lock_fd >= 0)
        close(s->lock_fd); /* releases the flock */
    rp_free(s->dir);
    rp_free(s);
}

/* ---- adding a batch ---- */

/* What the levels past 0 hold for one key of the batch. Those levels do not change while the
 * batch's items go in (only level 0 does), so they are read once for all its keys, in key
 * order: filters and B-tree pages are then met in order, not at random. */
typedef struct deep {
    size_t count; /* postings over the levels past 0 */
    size_t off;   /* where they are in the pool, when count <= max_df */
} deep;

typedef struct adder {
    rp_store *s;
    MDB_txn *txn;
    MDB_cursor *post[LEVELS];
    bool held[LEVELS]; /* the level had postings when the batch began (level 0: always) */
    filter *filters;   /* LEVELS * NSLICES, loaded when the batch begins */
    uint32_t sweep[LEVELS]; /* the next slice each level is swept from (meta "sweep") */
    uint32_t *moved;   /* keys of the slice being swept */
    size_t moved_count;
    size_t moved_cap;
    unsigned char *fbuf; /* a filter being written */
    size_t fbuf_cap;
    const rp_dedup_options *dopts;
    rp_dedup_scratch scratch;
    /* the batch: each item's signature and keys (bkeys[bkey_off[d] .. bkey_off[d + 1]]), each
     * key's deep (bdeep: an index into deeps), the postings of deeps in pool */
    rp_dedup_sig *sigs;
    size_t nsigs;
    size_t *bkey_off;
    uint32_t *bkeys;
    size_t bkeys_cap;
    uint32_t *bdeep;
    size_t bdeep_cap;
    uint64_t *sorted;
    size_t sorted_cap;
    deep *deeps;
    size_t deep_count;
    size_t deep_cap;
    uint32_t *pool;
    size_t pool_count;
    size_t pool_cap;
    /* the item being added */
    const rp_dedup_sig *sig;
    const uint32_t *dkeys;
    const uint32_t *ddeep;
    size_t dnkeys;
    uint32_t *keys; /* an evicted first's keys */
    size_t keys_cap;
    uint32_t *cands;
    size_t cand_count;
    size_t cand_cap;
    uint32_t *other; /* a candidate's fingerprints, copied out (LMDB data is unaligned) */
    size_t other_cap;
    uint64_t next;
    int rc; /* the LMDB error that stopped the batch */
} adder;

/* Positions the cursors of levels [from, to) on key; first[l] gets the first posting of the
 * levels holding it, a zero size for the others. Returns the number of postings for key over
 * those levels, or SIZE_MAX on an LMDB error (in a->rc). */
static size_t key_count(adder *a, uint32_t key, int from, int to, MDB_val first[LEVELS])
{
    size_t total = 0, dups;

    for (int l = from; l < to; l++) {
        MDB_val k = {sizeof(key), &key};
        first[l].mv_size = 0;
        if (!a->held[l] || (l > 0 && !filter_may_hold(&a->filters[l * NSLICES + SLICE(key)], key)))
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
static rp_status read_postings(adder *a, MDB_val first[LEVELS], int from, int to, uint32_t *buf,
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
            return a->rc = rc, mdb_status(rc);
    }
    return RP_OK;
}

/* Sorts n uint64_t values ascending. */
RP_DEFINE_SORT(sort_u64, uint64_t, RP_SORT_LESS_NUM)

/* Reads the deep of every key of the batch, in key order. */
static rp_status probe_deep(adder *a)
{
    size_t total = a->bkey_off[a->nsigs], max_df = a->s->opts.max_df;
    MDB_val first[LEVELS];
    rp_status st = RP_OK;

    if (total >= UINT32_MAX)
        return RP_ELIMIT;
    if (RP_GROW(a->sorted, a->sorted_cap, total + 1) != RP_OK ||
        RP_GROW(a->bdeep, a->bdeep_cap, total + 1) != RP_OK)
        return RP_ENOMEM;
    for (size_t e = 0; e < total; e++)
        a->sorted[e] = (uint64_t)a->bkeys[e] << 32 | e;
    sort_u64(a->sorted, total);
    a->deep_count = a->pool_count = 0;
    for (size_t i = 0; i < total && st == RP_OK;) {
        uint32_t key = (uint32_t)(a->sorted[i] >> 32);
        if (RP_GROW(a->deeps, a->deep_cap, a->deep_count + 1) != RP_OK)
            return RP_ENOMEM;
        deep *dp = &a->deeps[a->deep_count];
        dp->count = key_count(a, key, 1, LEVELS, first);
        dp->off = a->pool_count;
        if (dp->count == SIZE_MAX)
            return mdb_status(a->rc);
        if (dp->count && dp->count <= max_df) {
            if (RP_GROW(a->pool, a->pool_cap, a->pool_count + dp->count) != RP_OK)
                return RP_ENOMEM;
            st = read_postings(a, first, 1, LEVELS, a->pool, &a->pool_count, a->pool_cap);
        }
        for (; i < total && (uint32_t)(a->sorted[i] >> 32) == key; i++)
            a->bdeep[(uint32_t)a->sorted[i]] = (uint32_t)a->deep_count;
        a->deep_count++;
    }
    return st;
}

/* The group firsts sharing a key with the item; keys in more than max_df firsts are
 * boilerplate. */
static rp_status gather(adder *a)
{
    MDB_val first[LEVELS];

    a->cand_count = 0;
    for (size_t i = 0; i < a->dnkeys; i++) {
        const deep *dp = &a->deeps[a->ddeep[i]];
        size_t n0 = key_count(a, a->dkeys[i], 0, 1, first);
        if (n0 == SIZE_MAX)
            return mdb_status(a->rc);
        if (n0 + dp->count == 0 || n0 + dp->count > a->s->opts.max_df)
            continue;
        if (RP_GROW(a->cands, a->cand_cap, a->cand_count + n0 + dp->count) != RP_OK)
            return RP_ENOMEM;
        if (dp->count) /* the pool may not be there yet */
            memcpy(a->cands + a->cand_count, a->pool + dp->off, dp->count * sizeof(uint32_t));
        a->cand_count += dp->count;
        rp_status st = read_postings(a, first, 0, 1, a->cands, &a->cand_count, a->cand_cap);
        if (st != RP_OK)
            return st;
    }
    if (a->cand_count > 1)
        rp_dedup_sort_u32(a->cands, a->cand_count);
    return RP_OK;
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
        if ((st = rec_get(a->s, a->txn, a->cands[i], &r)) == RP_ENOTFOUND)
            continue;
        if (st != RP_OK || (st = rec_fps(&r, &a->other, &a->other_cap)) != RP_OK)
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

/* Writes the record, id, order entry and (for a first) postings of a new document. */
static rp_status insert(adder *a, const rp_doc *doc, int64_t time, const rp_store_verdict *v,
                        uint32_t of)
{
    uint32_t num = (uint32_t)a->next;
    const rp_dedup_sig *sig = a->sig;
    rec_head h = {sig->content, time, of, doc->len > UINT32_MAX ? UINT32_MAX : (uint32_t)doc->len,
                  sig->tokens, (uint32_t)sig->count, 0, (uint8_t)v->verdict, 0};
    size_t name_len = strlen(doc->name) > 511 ? 511 : strlen(doc->name);
    MDB_val k = {sizeof(num), &num}, val = {sizeof(h) + name_len + sig->count * 4, NULL};
    unsigned char okey[12];
    int rc;

    h.name_len = (uint16_t)name_len;
    if ((rc = mdb_put(a->txn, a->s->dbi[DB_DOCS], &k, &val, MDB_APPEND | MDB_RESERVE)) != 0)
        return a->rc = rc, mdb_status(rc);
    memcpy(val.mv_data, &h, sizeof(h));
    memcpy((char *)val.mv_data + sizeof(h), doc->name, name_len);
    memcpy((char *)val.mv_data + sizeof(h) + name_len, sig->fps, sig->count * 4);
    MDB_val id = {name_len, (void *)doc->name}, nv = {sizeof(num), &num};
    rc = mdb_put(a->txn, a->s->dbi[DB_IDS], &id, &nv, 0);
    order_key(time, num, okey);
    MDB_val ok = {sizeof(okey), okey}, empty = {0, NULL};
    if (!rc)
        rc = mdb_put(a->txn, a->s->dbi[DB_ORDER], &ok, &empty, 0);
    for (size_t i = 0; i < a->dnkeys && !rc && of == UINT32_MAX; i++) {
        MDB_val pk = {sizeof(uint32_t), (void *)&a->dkeys[i]};
        rc = mdb_cursor_put(a->post[0], &pk, &nv, 0); /* into level 0 */
    }
    a->next++;
    return rc ? (a->rc = rc, mdb_status(rc)) : RP_OK;
}

/* An id already held: "seen", compared with the stored document, not added again. */
static rp_status seen(adder *a, uint32_t num, rp_store_verdict *out)
{
    rec r;
    rp_dedup_sim sim;
    rp_status st = rec_get(a->s, a->txn, num, &r);

    if (st == RP_OK)
        st = rec_fps(&r, &a->other, &a->other_cap);
    if (st != RP_OK)
        return st;
    rp_dedup_compare(a->sig->fps, a->sig->count, a->other, r.h.nfp, &sim);
    out->verdict = RP_VERDICT_SEEN;
    out->resemblance = a->sig->content == r.h.content ? 1.0 : sim.resemblance;
    out->containment = a->sig->content == r.h.content ? 1.0 : rp_dedup_containment(&sim);
    out->of = rp_strndup(r.name, r.h.name_len);
    return out->of ? RP_OK : RP_ENOMEM;
}

/* Item d of the batch: seen, or judged against the candidates and added. */
static rp_status add_one(adder *a, uint32_t d, const rp_doc *doc, int64_t now,
                         rp_store_verdict *out)
{
    size_t name_len = strlen(doc->name) > 511 ? 511 : strlen(doc->name);
    MDB_val id = {name_len, (void *)doc->name}, nv;
    int64_t time = now;
    uint32_t of;
    rp_status st;
    int rc;

    if (!(out->id = rp_strdup(doc->name)))
        return RP_ENOMEM;
    a->sig = &a->sigs[d];
    a->dkeys = a->bkeys + a->bkey_off[d];
    a->ddeep = a->bdeep + a->bkey_off[d];
    a->dnkeys = a->bkey_off[d + 1] - a->bkey_off[d];
    rc = mdb_get(a->txn, a->s->dbi[DB_IDS], &id, &nv);
    if (rc == 0 && nv.mv_size == sizeof(uint32_t)) {
        uint32_t num;
        memcpy(&num, nv.mv_data, sizeof(num));
        return seen(a, num, out);
    }
    if (rc != MDB_NOTFOUND)
        return a->rc = rc ? rc : MDB_CORRUPTED, RP_EIO;
    if (a->next >= UINT32_MAX)
        return RP_ELIMIT;
    if ((st = gather(a)) != RP_OK || (st = judge(a, out, &of)) != RP_OK)
        return st;
    if (a->dopts->date_field)
        rp_dedup_doc_date(doc, a->dopts->date_field, &time);
    return insert(a, doc, time, out, of);
}

/* The signature and keys of every item of the batch. */
static rp_status sign_all(adder *a, const rp_corpus *corpus)
{
    size_t n = rp_corpus_count(corpus);

    a->sigs = rp_calloc(n + 1, sizeof(*a->sigs)); /* zeroed: rp_dedup_sig_init */
    a->bkey_off = rp_calloc(n + 1, sizeof(*a->bkey_off));
    if (!a->sigs || !a->bkey_off)
        return RP_ENOMEM;
    for (size_t d = 0; d < n; d++) {
        const rp_doc *doc = rp_corpus_doc(corpus, (uint32_t)d);
        rp_status st = rp_dedup_signature(&a->s->opts, doc, &a->scratch,
                                          &a->sigs[d]);
        a->nsigs = d + 1;
        if (st != RP_OK)
            return st;
        if (RP_GROW(a->bkeys, a->bkeys_cap, a->bkey_off[d] + a->sigs[d].count + 1) != RP_OK)
            return RP_ENOMEM;
        a->bkey_off[d + 1] = a->bkey_off[d] + rp_dedup_keys(&a->sigs[d], a->bkeys + a->bkey_off[d]);
    }
    return RP_OK;
}

/* ---- eviction ---- */

/* Removes document num and everything that points at it. */
static int evict(adder *a, uint32_t num)
{
    rec r;
    MDB_val k = {sizeof(num), &num}, nv = {sizeof(num), &num};
    unsigned char okey[12];
    int rc;

    if (rec_get(a->s, a->txn, num, &r) != RP_OK)
        return MDB_CORRUPTED;
    char name[512]; /* copied: deleting may move the page the record lives on */
    memcpy(name, r.name, r.h.name_len);
    MDB_val id = {r.h.name_len, name}, ok = {sizeof(okey), okey};
    order_key(r.h.time, num, okey);
    if (r.h.of == UINT32_MAX) {
        rp_dedup_sig sig = {NULL, 0, 0, r.h.content, r.h.tokens, 0};
        if (rec_fps(&r, &a->other, &a->other_cap) != RP_OK ||
            RP_GROW(a->keys, a->keys_cap, (size_t)r.h.nfp + 1) != RP_OK)
            return ENOMEM;
        sig.fps = a->other;
        sig.count = r.h.nfp;
        size_t nkeys = rp_dedup_keys(&sig, a->keys);
        for (size_t i = 0; i < nkeys; i++) {
            MDB_val pk = {sizeof(uint32_t), &a->keys[i]};
            rc = MDB_NOTFOUND; /* the posting is in exactly one level */
            for (int l = 0; l < LEVELS && rc == MDB_NOTFOUND; l++)
                rc = mdb_del(a->txn, a->s->dbi[DB_POSTINGS + l], &pk, &nv);
            if (rc)
                return rc;
        }
    }
    if ((rc = mdb_del(a->txn, a->s->dbi[DB_IDS], &id, NULL)) != 0 ||
        (rc = mdb_del(a->txn, a->s->dbi[DB_ORDER], &ok, NULL)) != 0)
        return rc;
    return mdb_del(a->txn, a->s->dbi[DB_DOCS], &k, NULL);
}

/* The rolling window: oldest by date first, past max_age or beyond max_items. */
static int evict_old(adder *a, int64_t now)
{
    MDB_cursor *cur;
    MDB_stat ms;
    MDB_val k, v;
    int rc = mdb_stat(a->txn, a->s->dbi[DB_DOCS], &ms);
    uint64_t held = ms.ms_entries;

    if (rc || (!a->s->sopts.max_items && !a->s->sopts.max_age))
        return rc;
    if ((rc = mdb_cursor_open(a->txn, a->s->dbi[DB_ORDER], &cur)) != 0)
        return rc;
    while ((rc = mdb_cursor_get(cur, &k, &v, MDB_FIRST)) == 0) {
        const unsigned char *p = k.mv_data;
        uint64_t t = 0;
        for (int i = 0; i < 8; i++)
            t = t << 8 | p[i];
        int64_t time = (int64_t)(t ^ (UINT64_C(1) << 63));
        bool too_many = a->s->sopts.max_items && held > a->s->sopts.max_items;
        bool too_old = a->s->sopts.max_age && time < now - a->s->sopts.max_age;
        if (!too_many && !too_old)
            break;
        if ((rc = evict(a, order_num(&k))) != 0)
            break;
        held--;
    }
    mdb_cursor_close(cur);
    return rc == MDB_NOTFOUND ? 0 : rc;
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

/* Adds the keys in a->moved, just swept into level l, to its filter for slice p: the old one
 * while it has room, else a new one made from every key the level holds in the slice. */
static int filter_update(adder *a, int l, uint32_t p)
{
    uint32_t fkey = (uint32_t)l << 16 | p;
    MDB_val k = {sizeof(fkey), &fkey}, v;
    filter f;
    filter_head h;
    int rc = filter_get(a->s, a->txn, l, p, &f, &h);

    if (rc)
        return rc;
    bool keep = f.blocks && (uint64_t)h.added + a->moved_count <= h.capacity;
    if (!keep) {
        if ((rc = slice_keys(a, l, p)) != 0)
            return rc;
        h.capacity = a->moved_count * 2 > FILTER_MIN_KEYS ? (uint32_t)a->moved_count * 2
                                                          : FILTER_MIN_KEYS;
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
 * in key order, so each page touched is copied once; their keys go to a->moved. */
static int move_slice(adder *a, MDB_cursor *src, MDB_cursor *dst, uint32_t p, uint64_t *moved)
{
    uint32_t key = p << (32 - SLICE_BITS), num;
    MDB_val k = {sizeof(key), &key}, v;
    int rc;

    a->moved_count = 0;
    while ((rc = mdb_cursor_get(src, &k, &v, MDB_SET_RANGE)) == 0) {
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
        k = (MDB_val){sizeof(key), &key};
        if ((rc = mdb_cursor_get(src, &k, &v, MDB_SET)) != 0 ||
            (rc = mdb_cursor_del(src, MDB_NODUPDATA)) != 0)
            return rc;
        k = (MDB_val){sizeof(key), &key}; /* the next key: this one is gone */
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

/* Merges level 0 into level 1 when past its share, then sweeps each deeper level past its
 * share into the next. */
static int sweep_levels(adder *a)
{
    for (int l = 0; l + 1 < LEVELS; l++) {
        MDB_stat ms;
        uint64_t cap = a->s->level0 << (LEVEL_RATIO_BITS * l);
        int rc = mdb_stat(a->txn, a->s->dbi[DB_POSTINGS + l], &ms);
        if (!rc && ms.ms_entries > cap)
            rc = l == 0 ? merge_level0(a) : sweep_level(a, l, ms.ms_entries - cap);
        if (rc)
            return rc;
    }
    return 0;
}

static void adder_release(adder *a)
{
    rp_dedup_scratch_release(&a->scratch);
    for (size_t d = 0; a->sigs && d < a->nsigs; d++)
        rp_dedup_sig_release(&a->sigs[d]);
    rp_free(a->sigs);
    rp_free(a->bkey_off);
    rp_free(a->bkeys);
    rp_free(a->bdeep);
    rp_free(a->sorted);
    rp_free(a->deeps);
    rp_free(a->pool);
    rp_free(a->keys);
    rp_free(a->cands);
    rp_free(a->other);
    rp_free(a->filters);
    rp_free(a->moved);
    rp_free(a->fbuf);
}

/* Points a->filters at each level's filters for the batch. */
static int load_filters(adder *a)
{
    MDB_cursor *cur;
    MDB_val k, v;
    filter_head h;
    int rc = mdb_cursor_open(a->txn, a->s->dbi[DB_FILTERS], &cur);

    if (rc)
        return rc;
    for (rc = mdb_cursor_get(cur, &k, &v, MDB_FIRST); rc == 0;
         rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT)) {
        uint32_t key;
        memcpy(&key, k.mv_data, sizeof(key));
        uint32_t l = key >> 16, p = key & 0xffff;
        if (k.mv_size != sizeof(key) || l == 0 || l >= LEVELS || p >= NSLICES ||
            !filter_decode(&v, &a->filters[l * NSLICES + p], &h)) {
            rc = MDB_CORRUPTED;
            break;
        }
    }
    mdb_cursor_close(cur);
    return rc == MDB_NOTFOUND ? 0 : rc;
}

/* Opens a cursor on each level of postings, notes which levels hold any, loads the filters. */
static int open_levels(adder *a)
{
    int rc = 0, l;

    if (!(a->filters = rp_calloc((size_t)LEVELS * NSLICES, sizeof(*a->filters))))
        return ENOMEM;
    for (l = 0; l < LEVELS && !rc; l++) {
        MDB_stat ms;
        if ((rc = mdb_stat(a->txn, a->s->dbi[DB_POSTINGS + l], &ms)) != 0 ||
            (rc = mdb_cursor_open(a->txn, a->s->dbi[DB_POSTINGS + l], &a->post[l])) != 0)
            break;
        a->held[l] = l == 0 || ms.ms_entries > 0;
    }
    if (!rc)
        rc = load_filters(a);
    if (rc)
        while (l-- > 0)
            mdb_cursor_close(a->post[l]);
    return rc;
}

/* The next slice of each level to sweep. */
static int sweep_get(adder *a)
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

static int sweep_put(adder *a)
{
    MDB_val k = {5, (void *)"sweep"}, v = {sizeof(a->sweep), a->sweep};
    return mdb_put(a->txn, a->s->dbi[DB_META], &k, &v, 0);
}

/* Runs the batch inside the open transaction a->txn. */
static rp_status add_all(adder *a, const rp_corpus *corpus, rp_store_verdict *v)
{
    int64_t now = (int64_t)time(NULL);
    uint64_t batches;
    rp_status st = RP_OK;
    int rc = meta_get_u64(a->s, a->txn, "next", &a->next);

    if (!rc)
        rc = meta_get_u64(a->s, a->txn, "batches", &batches);
    if (!rc)
        rc = sweep_get(a);
    if (!rc)
        rc = open_levels(a);
    if (rc)
        return a->rc = rc, mdb_status(rc);
    st = sign_all(a, corpus);
    if (st == RP_OK)
        st = probe_deep(a);
    for (uint32_t d = 0; d < rp_corpus_count(corpus) && st == RP_OK; d++)
        st = add_one(a, d, rp_corpus_doc(corpus, d), now, &v[d]);
    for (int l = 0; l < LEVELS; l++)
        mdb_cursor_close(a->post[l]);
    if (st != RP_OK)
        return st;
    rc = evict_old(a, now);
    if (!rc)
        rc = sweep_levels(a);
    if (!rc)
        rc = sweep_put(a);
    if (!rc)
        rc = meta_put_u64(a->s, a->txn, "next", a->next);
    if (!rc)
        rc = meta_put_u64(a->s, a->txn, "batches", batches + 1);
    return rc ? (a->rc = rc, mdb_status(rc)) : RP_OK;
}

rp_status rp_store_add(rp_store *s, const rp_corpus *corpus, const rp_dedup_options *dopts,
                       rp_store_verdict **out, size_t *count, char *msg, size_t msglen)
{
    size_t n = rp_corpus_count(corpus);
    adder a;
    rp_store_verdict *v;
    rp_status st;
    int rc;

    if (s->sopts.read_only)
        return fail_msg(msg, msglen, RP_EINVAL, "store '%s' is open for reading only", s->dir);
    if (!(v = rp_calloc(n + 1, sizeof(*v))))
        return RP_ENOMEM;
    memset(&a, 0, sizeof(a));
    a.s = s;
    a.dopts = dopts;
    rp_dedup_scratch_init(&a.scratch);
    if ((rc = mdb_txn_begin(s->env, NULL, 0, &a.txn)) != 0) {
        st = mdb_fail(s, rc, msg, msglen);
        goto fail;
    }
    st = add_all(&a, corpus, v);
    if (st == RP_OK && (rc = mdb_txn_commit(a.txn)) != 0)
        a.rc = rc, st = mdb_status(rc);
    else if (st != RP_OK)
        mdb_txn_abort(a.txn);
    if (st != RP_OK) {
        if (a.rc)
            mdb_fail(s, a.rc, msg, msglen);
        else
            fail_msg(msg, msglen, st, "store '%s': %s", s->dir, rp_strerror(st));
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

void rp_store_verdicts_free(rp_store_verdict *v, size_t count)
{
    for (size_t i = 0; v && i < count; i++) {
        rp_free(v[i].id);
        rp_free(v[i].of);
    }
    rp_free(v);
}

rp_status rp_store_write_verdicts(FILE *out, const rp_store_verdict *v, size_t count)
{
    for (size_t i = 0; i < count; i++) {
        fputs("{\"id\":", out);
        rp_escape_json_string(out, v[i].id, strlen(v[i].id));
        fprintf(out, ",\"verdict\":\"%s\",\"of\":", rp_verdict_name(v[i].verdict));
        if (v[i].of)
            rp_escape_json_string(out, v[i].of, strlen(v[i].of));
        else
            fputs("null", out);
        fprintf(out, ",\"resemblance\":%.4f,\"containment\":%.4f}\n", v[i].resemblance,
                v[i].containment);
    }
    return ferror(out) ? RP_EIO : RP_OK;
}

/* ---- inspection: stats, export, check ---- */

static rp_status read_txn(rp_store *s, MDB_txn **txn)
{
    int rc = mdb_txn_begin(s->env, NULL, MDB_RDONLY, txn);
    return rc ? mdb_status(rc) : RP_OK;
}

rp_status rp_store_counts(rp_store *s, uint64_t *docs, uint64_t *batches)
{
    MDB_txn *txn;
    MDB_stat ms;
    uint64_t b = 0;
    rp_status st = read_txn(s, &txn);

    if (st != RP_OK)
        return st;
    int rc = mdb_stat(txn, s->dbi[DB_DOCS], &ms);
    if (!rc)
        rc = meta_get_u64(s, txn, "batches", &b);
    mdb_txn_abort(txn);
    if (rc)
        return mdb_status(rc);
    *docs = ms.ms_entries;
    *batches = b;
    return RP_OK;
}

static uint64_t db_pages(const MDB_stat *ms)
{
    return ms->ms_branch_pages + ms->ms_leaf_pages + ms->ms_overflow_pages;
}

rp_status rp_store_stats(rp_store *s, FILE *out)
{
    MDB_txn *txn;
    MDB_stat ms[DB_COUNT];
    MDB_envinfo info;
    uint64_t batches = 0, next = 0, pages = 0, postings = 0;
    char settings[160];
    struct stat sb;
    rp_status st = read_txn(s, &txn);
    int rc = 0;

    if (st != RP_OK)
        return st;
    for (int i = 0; i < DB_COUNT && !rc; i++)
        rc = mdb_stat(txn, s->dbi[i], &ms[i]);
    if (!rc)
        rc = meta_get_u64(s, txn, "batches", &batches);
    if (!rc)
        rc = meta_get_u64(s, txn, "next", &next);
    MDB_val sk = {8, (void *)"settings"}, sv;
    if (!rc && (rc = mdb_get(txn, s->dbi[DB_META], &sk, &sv)) == 0)
        snprintf(settings, sizeof(settings), "%.*s", (int)sv.mv_size, (const char *)sv.mv_data);
    mdb_env_info(s->env, &info);
    mdb_txn_abort(txn);
    if (rc)
        return mdb_status(rc);
    for (int i = 0; i < DB_COUNT; i++)
        pages += db_pages(&ms[i]);
    for (int l = 0; l < LEVELS; l++)
        postings += ms[DB_POSTINGS + l].ms_entries;
    size_t file = 0;
    {
        size_t len = strlen(s->dir) + sizeof("/data.mdb");
        char *path = rp_malloc(len);
        if (!path)
            return RP_ENOMEM;
        snprintf(path, len, "%s/data.mdb", s->dir);
        file = stat(path, &sb) == 0 ? (size_t)sb.st_blocks * 512 : 0;
        rp_free(path);
    }
    fputs("{\"store\":", out);
    rp_escape_json_string(out, s->dir, strlen(s->dir));
    fprintf(out,
            ",\"format\":%u,\"settings\":\"%s\",\"documents\":%llu,\"added\":%llu,"
            "\"batches\":%llu,\"postings\":%llu,\"pages\":%llu,\"page_size\":%u,"
            "\"used_bytes\":%llu,\"file_bytes\":%zu,\"map_size\":%zu,"
            "\"bytes_per_document\":%.1f,\"postings_levels\":[",
            RP_STORE_FORMAT, settings, (unsigned long long)ms[DB_DOCS].ms_entries,
            (unsigned long long)next, (unsigned long long)batches,
            (unsigned long long)postings,
            (unsigned long long)pages, ms[DB_DOCS].ms_psize,
            (unsigned long long)((info.me_last_pgno + 1) * (uint64_t)ms[DB_DOCS].ms_psize), file,
            (size_t)info.me_mapsize,
            ms[DB_DOCS].ms_entries
                ? (double)((info.me_last_pgno + 1) * (uint64_t)ms[DB_DOCS].ms_psize) /
                      (double)ms[DB_DOCS].ms_entries
                : 0.0);
    for (int l = 0; l < LEVELS; l++)
        fprintf(out, "%s%llu", l ? "," : "", (unsigned long long)ms[DB_POSTINGS + l].ms_entries);
    fputs("]}\n", out);
    return ferror(out) ? RP_EIO : RP_OK;
}

static void export_one(FILE *out, MDB_txn *txn, const rp_store *s, uint32_t num, const rec *r)
{
    rec of;

    fprintf(out, "{\"doc\":%u,\"id\":", num);
    rp_escape_json_string(out, r->name, r->h.name_len);
    fprintf(out, ",\"verdict\":\"%s\",\"of\":", rp_verdict_name((rp_verdict)r->h.verdict));
    if (r->h.of != UINT32_MAX && rec_get(s, txn, r->h.of, &of) == RP_OK)
        rp_escape_json_string(out, of.name, of.h.name_len);
    else
        fputs("null", out);
    fprintf(out, ",\"bytes\":%u,\"tokens\":%u,\"date\":%lld,\"fingerprints\":%u}\n", r->h.len,
            r->h.tokens, (long long)r->h.time, r->h.nfp);
}

rp_status rp_store_export(rp_store *s, FILE *out)
{
    MDB_txn *txn;
    MDB_cursor *cur;
    MDB_val k, v;
    rec r;
    rp_status st = read_txn(s, &txn);
    int rc;

    if (st != RP_OK)
        return st;
    if ((rc = mdb_cursor_open(txn, s->dbi[DB_DOCS], &cur)) != 0) {
        mdb_txn_abort(txn);
        return mdb_status(rc);
    }
    for (rc = mdb_cursor_get(cur, &k, &v, MDB_FIRST); rc == 0 && st == RP_OK;
         rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT)) {
        uint32_t num;
        memcpy(&num, k.mv_data, sizeof(num));
        if (!rec_decode(&v, &r))
            st = RP_EFORMAT;
        else
            export_one(out, txn, s, num, &r);
    }
    mdb_cursor_close(cur);
    mdb_txn_abort(txn);
    if (st == RP_OK && rc != MDB_NOTFOUND)
        st = mdb_status(rc);
    return st == RP_OK && ferror(out) ? RP_EIO : st;
}

typedef struct checker {
    rp_store *s;
    MDB_txn *txn;
    MDB_cursor *post[LEVELS];
    uint32_t *fps;
    size_t fps_cap;
    uint32_t *keys;
    size_t keys_cap;
    uint64_t postings; /* the keys of the group firsts seen so far */
} checker;

/* Each key of a group first has exactly one posting naming it, in one of the levels. */
static rp_status check_first(checker *c, uint32_t num, const rec *r, char *msg, size_t msglen)
{
    rp_dedup_sig sig = {NULL, 0, 0, r->h.content, r->h.tokens, 0};

    if (rec_fps(r, &c->fps, &c->fps_cap) != RP_OK ||
        RP_GROW(c->keys, c->keys_cap, (size_t)r->h.nfp + 1) != RP_OK)
        return RP_ENOMEM;
    sig.fps = c->fps;
    sig.count = r->h.nfp;
    size_t nkeys = rp_dedup_keys(&sig, c->keys);
    for (size_t i = 0; i < nkeys; i++) {
        int found = 0;
        for (int l = 0; l < LEVELS; l++) {
            MDB_val k = {sizeof(uint32_t), &c->keys[i]}, v = {sizeof(num), &num};
            found += mdb_cursor_get(c->post[l], &k, &v, MDB_GET_BOTH) == 0;
        }
        if (found != 1)
            return fail_msg(msg, msglen, RP_EFORMAT,
                            "group first %u has %d postings for its key %08x", num, found,
                            (unsigned)c->keys[i]);
    }
    c->postings += nkeys;
    return RP_OK;
}

/* One document's id and order entries, and its postings when it is a group first. */
static rp_status check_doc(checker *c, uint32_t num, const rec *r, char *msg, size_t msglen)
{
    MDB_val id = {r->h.name_len, (void *)r->name}, v;
    unsigned char okey[12];
    MDB_val ok = {sizeof(okey), okey};
    uint32_t got;

    if (mdb_get(c->txn, c->s->dbi[DB_IDS], &id, &v) != 0 || v.mv_size != 4 ||
        (memcpy(&got, v.mv_data, 4), got != num))
        return fail_msg(msg, msglen, RP_EFORMAT, "document %u has no id entry", num);
    order_key(r->h.time, num, okey);
    if (mdb_get(c->txn, c->s->dbi[DB_ORDER], &ok, &v) != 0)
        return fail_msg(msg, msglen, RP_EFORMAT, "document %u has no order entry", num);
    return r->h.of == UINT32_MAX ? check_first(c, num, r, msg, msglen) : RP_OK;
}

/* Every posting, in every level, names a stored group first, and the filter of its level and
 * slice holds its key (level 0 has none). */
static rp_status check_postings(checker *c, char *msg, size_t msglen)
{
    MDB_val k, v;
    rec r;
    filter f = {NULL, 0};
    filter_head h;
    uint32_t slice = UINT32_MAX;
    rp_status st = RP_OK;
    int rc = 0;

    for (int l = 0; l < LEVELS && st == RP_OK; l++) {
        for (rc = mdb_cursor_get(c->post[l], &k, &v, MDB_FIRST); rc == 0 && st == RP_OK;
             rc = mdb_cursor_get(c->post[l], &k, &v, MDB_NEXT)) {
            uint32_t num, key;
            memcpy(&num, v.mv_data, sizeof(num));
            memcpy(&key, k.mv_data, sizeof(key));
            if (l > 0 && SLICE(key) != slice) {
                slice = SLICE(key);
                if ((rc = filter_get(c->s, c->txn, l, slice, &f, &h)) != 0)
                    break;
            }
            if (rec_get(c->s, c->txn, num, &r) != RP_OK || r.h.of != UINT32_MAX)
                st = fail_msg(msg, msglen, RP_EFORMAT,
                              "a posting names document %u, not a first", num);
            else if (l > 0 && !filter_may_hold(&f, key))
                st = fail_msg(msg, msglen, RP_EFORMAT,
                              "the filter of postings level %d misses its key %08x", l,
                              (unsigned)key);
        }
        slice = UINT32_MAX;
        if (rc != MDB_NOTFOUND && st == RP_OK)
            st = mdb_status(rc);
    }
    return st;
}

/* Walks docs, checking each document (st carries the first problem). */
static int check_docs(checker *c, rp_status *st, char *msg, size_t msglen)
{
    MDB_cursor *cur;
    MDB_val k, v;
    rec r;
    int rc = mdb_cursor_open(c->txn, c->s->dbi[DB_DOCS], &cur);

    if (rc)
        return rc;
    for (rc = mdb_cursor_get(cur, &k, &v, MDB_FIRST); rc == 0 && *st == RP_OK;
         rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT)) {
        uint32_t num;
        memcpy(&num, k.mv_data, sizeof(num));
        *st = rec_decode(&v, &r) ? check_doc(c, num, &r, msg, msglen)
                                 : fail_msg(msg, msglen, RP_EFORMAT, "bad record %u", num);
    }
    mdb_cursor_close(cur);
    return rc == MDB_NOTFOUND ? 0 : rc;
}

rp_status rp_store_check(rp_store *s, char *msg, size_t msglen)
{
    checker c = {s, NULL, {NULL}, NULL, 0, NULL, 0, 0};
    MDB_stat ms[DB_COUNT];
    uint64_t postings = 0;
    rp_status st = read_txn(s, &c.txn);
    int rc = 0, opened = 0;

    if (st != RP_OK)
        return st;
    for (int i = 0; i < DB_COUNT && !rc; i++)
        rc = mdb_stat(c.txn, s->dbi[i], &ms[i]);
    for (; opened < LEVELS && !rc; opened++)
        rc = mdb_cursor_open(c.txn, s->dbi[DB_POSTINGS + opened], &c.post[opened]);
    if (!rc && (ms[DB_DOCS].ms_entries != ms[DB_IDS].ms_entries ||
                ms[DB_DOCS].ms_entries != ms[DB_ORDER].ms_entries))
        st = fail_msg(msg, msglen, RP_EFORMAT, "counts differ: %zu docs, %zu ids, %zu order",
                      (size_t)ms[DB_DOCS].ms_entries, (size_t)ms[DB_IDS].ms_entries,
                      (size_t)ms[DB_ORDER].ms_entries);
    if (!rc && st == RP_OK)
        rc = check_docs(&c, &st, msg, msglen);
    for (int l = 0; l < LEVELS; l++)
        postings += ms[DB_POSTINGS + l].ms_entries;
    if (!rc && st == RP_OK && postings != c.postings)
        st = fail_msg(msg, msglen, RP_EFORMAT,
                      "%llu postings where the group firsts have %llu keys",
                      (unsigned long long)postings, (unsigned long long)c.postings);
    if (!rc && st == RP_OK)
        st = check_postings(&c, msg, msglen);
    while (opened-- > 0)
        if (c.post[opened])
            mdb_cursor_close(c.post[opened]);
    mdb_txn_abort(c.txn);
    rp_free(c.fps);
    rp_free(c.keys);
    return rc ? mdb_status(rc) : st;
}

/* ---- compact ---- */

static rp_status compact_copy(rp_store *s, char *tmp, char *msg, size_t msglen)
{
    int rc;

    if (!mkdtemp(tmp))
        return fail_msg(msg, msglen, RP_EIO, "cannot compact store '%s': %s", s->dir,
                        strerror(errno));
    rc = mdb_env_copy2(s->env, tmp, MDB_CP_COMPACT);
    if (rc)
        return fail_msg(msg, msglen, mdb_status(rc), "cannot compact store '%s': %s", s->dir,
                        mdb_strerror(rc));
    return RP_OK;
}

rp_status rp_store_compact(rp_store *s, char *msg, size_t msglen)
{
    size_t len = strlen(s->dir) + 64;
    char *tmp = rp_malloc(len), *from = rp_malloc(len), *to = rp_malloc(len);
    rp_status st = RP_ENOMEM;

    if (s->sopts.read_only)
        st = fail_msg(msg, msglen, RP_EINVAL, "store '%s' is open for reading only", s->dir);
    else if (tmp && from && to) {
        snprintf(tmp, len, "%s/compact.tmp-XXXXXX", s->dir);
        st = compact_copy(s, tmp, msg, msglen);
        snprintf(from, len, "%s/data.mdb", tmp);
        snprintf(to, len, "%s/data.mdb", s->dir);
        if (st == RP_OK) {
            mdb_env_close(s->env); /* the old map goes; the writer lock stays held */
            s->env = NULL;
            if (rename(from, to) != 0)
                st = fail_msg(msg, msglen, RP_EIO, "cannot compact store '%s': %s", s->dir,
                              strerror(errno));
            if (open_env(s, msg, msglen) == RP_OK)
                st = st == RP_OK ? open_dbs(s, msg, msglen) : st;
            else
                st = RP_EIO;
        }
        unlink(from);
        rmdir(tmp);
    }
    rp_free(tmp);
    rp_free(from);
    rp_free(to);
    return st;
}
