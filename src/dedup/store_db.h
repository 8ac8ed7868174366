/*
 * store_db.h - the store's on-disk layout and the helpers its files share (store.c opens and
 * checks it, store_records.c reads records, store_postings.c keeps the leveled postings and
 * their filters, store_add.c adds a batch, store_evict.c removes documents, store_inspect.c
 * reports and verifies, store_compact.c rewrites). Private to src/dedup/.
 *
 * One LMDB environment (one directory). Sub-databases: meta (format version, settings, next
 * document number, batches committed), docs (document number -> record: a checksum, name,
 * date, length, content hash, the verdict it got, fingerprint set; see rec_head), ids (the
 * name, or for a long one its prefix and hash -> numbers, MDB_DUPSORT: the record's name is
 * compared in full), order ((date, number) -> nothing, for the rolling window), the postings
 * (sampled fingerprint -> numbers of group firsts, MDB_DUPSORT|MDB_DUPFIXED) split into LEVELS
 * levels postings0..postings5, and filters (a Bloom filter per level and slice of the key
 * space). The levels are a log-structured merge tree: a batch inserts its postings, in key
 * order, into the small level 0, which past its share is merged whole into level 1; a deeper
 * level past its share is swept, slice by slice, into the next, 16 times larger. All in key
 * order, so each page touched is copied once, and a batch writes about as much however large
 * the store is, where one tree keyed by fingerprint (random keys) had every batch copy and
 * write nearly all of its leaves. Each batch, merges and sweeps included, is one write
 * transaction, so a crash leaves the store as before or after it; writers exclude each other
 * with flock on DIR/writer.lock because LMDB's own writer lock can only block.
 */
#ifndef REPRINT_STORE_DB_H
#define REPRINT_STORE_DB_H

#include "dedup/dedup.h"
#include "dedup/store.h"

#include <lmdb.h>

/* The LMDB map when the options say 0: 64 GiB on 64-bit systems. */
#define RP_STORE_MAP_DEFAULT (sizeof(size_t) >= 8 ? (size_t)64 << 30 : (size_t)1 << 30)

/* Levels of postings; the last is unbounded. Level l >= 1 holds, with the levels above it, up
 * to level0 << (4 * l) postings (level0: LEVEL0_CAP, kept in meta; 1 Mi, 16 Mi, 256 Mi, 4 Gi);
 * level 0 is merged into level 1 past LEVEL0_MERGE * level0 (128 Ki): about 15 postings a
 * group first, so a million items fill three levels. Each merge of level 0 copies every page
 * of level 1 and rewrites its 4,096 filters, whatever level 0 holds; merged at 128 Ki rather
 * than 64 Ki, half as often, a batch at 1,000,000 items runs ~5.5% fewer instructions on the
 * transaction's thread and writes ~13% fewer bytes (BENCHMARKS.md); level 1 keeps its share. */
#define LEVELS 6
#define LEVEL0_CAP ((uint64_t)1 << 16)
#define LEVEL_RATIO_BITS 4 /* a ratio of 16 */
#define LEVEL0_MERGE 2

/* The key space is cut in NSLICES slices by a key's top bits: levels are swept into the next
 * slice by slice, and filters are kept per level and slice. */
#define SLICE_BITS 12
#define NSLICES (1u << SLICE_BITS)
#define SLICE(key) ((uint32_t)(key) >> (32 - SLICE_BITS))

/* The sub-database an upgrade writes the new records to before they replace docs (one
 * transaction: never found in a committed store). */
#define DB_UPGRADE_DOCS "docs.upgrade"

enum {
    DB_META,
    DB_DOCS,
    DB_IDS,
    DB_ORDER,
    DB_FILTERS,
    DB_POSTINGS,
    DB_COUNT = DB_POSTINGS + LEVELS
};

struct rp_store {
    char *dir;
    MDB_env *env;
    MDB_dbi dbi[DB_COUNT];
    int lock_fd; /* -1 when read-only */
    rp_options opts;
    rp_store_options sopts;
    uint64_t level0; /* the unit of the levels' shares (meta "level0"; see LEVEL0_MERGE) */
    bool upgrading;  /* opened by rp_store_upgrade: an earlier format (2, 3) is accepted */
    uint64_t format; /* the format found (RP_STORE_FORMAT unless upgrading) */
    struct store_ahead *ahead; /* the next batch, signed ahead (rp_store_add_ahead), or NULL */
};

/* A document record in docs (format 4), compact: the XXH32 of everything after it (so a flipped
 * bit is found when the record is read), the verdict byte, LEB128 varints (name length,
 * fingerprint count, of + 1 with 0 for a group first, length, tokens, the date zigzagged), the
 * content hash (8 bytes), the verdict's resemblance and containment (2 floats, only when of is
 * set: a first's are 0), the name, then the fingerprints (ascending) as Rice-coded gaps: one
 * byte k, then per gap its quotient in unary and its k low bits. rec_head is what a record
 * holds, decoded. */
typedef struct rec_head {
    uint32_t name_len;
    uint64_t content;
    int64_t time; /* the item's date (--date-field), else when it was added; epoch seconds */
    uint32_t of;  /* the group first it matched, UINT32_MAX for a first */
    uint32_t len;
    uint32_t tokens;
    uint32_t nfp;
    float resemblance; /* the verdict's, against of */
    float containment;
    uint8_t verdict;
} rec_head;

typedef struct rec {
    rec_head h;
    const char *name;
    const unsigned char *fps; /* the Rice-coded fingerprints (rp_store_rec_fps decodes them) */
    size_t fps_size;
} rec;

/* The most bytes a record of a name of name_len bytes and nfp fingerprints takes. */
#define REC_MAX_SIZE(name_len, nfp) (64 + (size_t)(name_len) + 5 * (size_t)(nfp))

/* A level's Bloom filter for one slice (see store_postings.c): a head, then 64-byte blocks. */
typedef struct filter_head {
    uint32_t capacity; /* keys it was sized for */
    uint32_t added;    /* keys added since it was made (evicted ones count) */
} filter_head;

typedef struct filter {
    const unsigned char *blocks; /* NULL: no filter, so no key of the level in the slice */
    uint32_t nblocks;
} filter;

/* What the levels hold for one key of the batch when it begins, and what its items add. The
 * levels are read once for all the batch's keys, in key order (filters and B-tree pages are
 * then met in order, not at random); the postings of the batch's own group firsts are kept
 * here as they come (a list, newest first, through added_prev) and written to level 0, in key
 * order, once the items are in. */
typedef struct deep {
    size_t count;  /* postings over the levels when the batch began */
    size_t off;    /* where they are in the pool, when count <= max_df */
    size_t added;  /* postings the batch's items added */
    uint32_t last; /* the last one added (an index into added), when added */
} deep;

typedef struct adder {
    rp_store *s;
    MDB_txn *txn;
    MDB_cursor *post[LEVELS];
    bool held[LEVELS];      /* the level had postings when the batch began (level 0: always) */
    filter *filters;        /* LEVELS * NSLICES, loaded when the batch begins */
    uint32_t sweep[LEVELS]; /* the next slice each level is swept from (meta "sweep") */
    uint32_t *moved;        /* keys of the slice being swept */
    size_t moved_count;
    size_t moved_cap;
    unsigned char *fbuf; /* a filter being written */
    size_t fbuf_cap;
    const rp_dedup_options *dopts;
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
    uint64_t *added;      /* postings added by the batch: key << 32 | number */
    uint32_t *added_prev; /* the one added before it for the same key, UINT32_MAX for none */
    size_t added_count;
    size_t added_cap;
    size_t added_prev_cap;
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
    uint32_t *other; /* a candidate's fingerprints, decoded */
    size_t other_cap;
    unsigned char *rbuf; /* a record being written */
    size_t rbuf_cap;
    uint64_t next;
    uint64_t first; /* the batch's first document number */
    bool query;     /* judged only: the transaction is abandoned */
    bool presigned; /* sigs, bkey_off and bkeys were made ahead (rp_store_add_ahead) */
    int rc;         /* the LMDB error that stopped the batch */
} adder;

/* messages (store.c) */
rp_status rp_store_fail(char *msg, size_t msglen, rp_status st, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 4, 5)))
#endif
    ;
rp_status rp_store_mdb_status(int rc);
rp_status rp_store_mdb_fail(const rp_store *s, int rc, char *msg, size_t msglen);

/* meta and the environment (store.c) */
int rp_store_meta_get(const rp_store *s, MDB_txn *txn, const char *key, uint64_t *out);
int rp_store_meta_put(const rp_store *s, MDB_txn *txn, const char *key, uint64_t value);
rp_status rp_store_open_env(rp_store *s, char *msg, size_t msglen);
rp_status rp_store_open_dbs(rp_store *s, char *msg, size_t msglen);
unsigned rp_store_db_flags(int i);
/* rp_store_open, with s->upgrading set before meta is checked. */
rp_status rp_store_open_as(const char *dir, const rp_options *opts, const rp_store_options *sopts,
                           bool upgrading, rp_store **out, char *msg, size_t msglen);

/* records, ids and order keys (store_records.c) */
/* Writes the record of h, name and fps (h->nfp, ascending) to buf (REC_MAX_SIZE bytes),
 * checksum included; returns its size. */
size_t rp_store_rec_encode(const rec_head *h, const char *name, const uint32_t *fps,
                           unsigned char *buf);
/* The ids key of an id: the id itself up to ID_KEY_WHOLE bytes (so ids that sort together stay
 * on the same pages, as sequential ones do), else its first ID_KEY_WHOLE bytes and the XXH3 of
 * all of it (LMDB keys stop at 511 bytes). Either way the record's name is compared in full. */
#define ID_KEY_WHOLE 480
#define ID_KEY_MAX (ID_KEY_WHOLE + 8)
size_t rp_store_id_key(const char *id, size_t len, unsigned char key[ID_KEY_MAX]);
int rp_store_id_find(const rp_store *s, MDB_txn *txn, const char *id, size_t len, uint32_t *num);
int rp_store_id_put(const rp_store *s, MDB_txn *txn, const char *id, size_t len, uint32_t num);
int rp_store_id_del(const rp_store *s, MDB_txn *txn, const char *id, size_t len, uint32_t num);
bool rp_store_rec_decode(const MDB_val *v, rec *r);
rp_status rp_store_rec_fps(const rec *r, uint32_t **fps, size_t *cap);
rp_status rp_store_rec_get(const rp_store *s, MDB_txn *txn, uint32_t num, rec *r);
void rp_store_order_key(int64_t time, uint32_t num, unsigned char key[12]);
uint32_t rp_store_order_num(const MDB_val *k);

/* postings and filters (store_postings.c) */
bool rp_store_filter_may_hold(const filter *f, uint32_t key);
bool rp_store_filter_decode(const MDB_val *v, filter *f, filter_head *h);
int rp_store_filter_get(const rp_store *s, MDB_txn *txn, int l, uint32_t p, filter *f,
                        filter_head *h);
void rp_store_key_prefetch(const adder *a, uint32_t key);
size_t rp_store_key_count(adder *a, uint32_t key, int from, int to, MDB_val first[LEVELS]);
rp_status rp_store_read_postings(adder *a, MDB_val first[LEVELS], int from, int to, uint32_t *buf,
                                 size_t *count, size_t cap);
int rp_store_open_levels(adder *a, MDB_txn *txn);
void rp_store_close_levels(adder *a);
int rp_store_sweep_get(adder *a);
int rp_store_sweep_put(adder *a);
int rp_store_sweep_levels(adder *a);
int rp_store_sweep_due(adder *a, bool *due);

/* Drops what rp_store_add_ahead signed ahead, if anything (store_add.c; rp_store_close). */
void rp_store_ahead_drop(rp_store *s);

/* eviction (store_evict.c) */
int rp_store_evict(adder *a, uint32_t num);
int rp_store_evict_old(adder *a, int64_t now);

/* inspection (store_inspect.c) */
rp_status rp_store_read_txn(rp_store *s, MDB_txn **txn);

#endif /* REPRINT_STORE_DB_H */
