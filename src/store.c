/*
 * store.c - incremental dedup on a persistent LMDB environment (one directory). Sub-databases:
 * meta (format version, settings, next document number, batches committed), docs (document
 * number -> record: name, date, length, content hash, fingerprint set), postings (sampled
 * fingerprint -> numbers of group firsts, MDB_DUPSORT|MDB_DUPFIXED), ids (name -> number) and
 * order ((date, number) -> nothing, for the rolling window). Each batch is one write
 * transaction, so a crash leaves the store as before or after it; writers exclude each other
 * with flock on DIR/writer.lock because LMDB's own writer lock can only block.
 */
#include "store.h"

#include "dedup.h"
#include "report.h"

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

enum { DB_META, DB_DOCS, DB_POSTINGS, DB_IDS, DB_ORDER, DB_COUNT };

static const char *const db_names[DB_COUNT] = {"meta", "docs", "postings", "ids", "order"};
static const unsigned db_flags[DB_COUNT] = {
    0, MDB_INTEGERKEY, MDB_DUPSORT | MDB_DUPFIXED | MDB_INTEGERKEY | MDB_INTEGERDUP, 0, 0};

struct rp_store {
    char *dir;
    MDB_env *env;
    MDB_dbi dbi[DB_COUNT];
    int lock_fd; /* -1 when read-only */
    rp_options opts;
    rp_store_options sopts;
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
    /* NOMETASYNC: one fsync per batch; a system crash may undo the last batch, never half */
    unsigned flags = MDB_NOTLS | MDB_NOMETASYNC | (s->sopts.read_only ? MDB_RDONLY : 0);
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

/* Opens the sub-databases (creating them in a new store) and checks meta. */
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
    for (int i = 0; i < DB_COUNT && !rc; i++) {
        rc = mdb_dbi_open(txn, db_names[i], db_flags[i], &s->dbi[i]);
        if (rc == MDB_NOTFOUND && !s->sopts.read_only) {
            fresh = fresh || i == DB_META;
            rc = mdb_dbi_open(txn, db_names[i], db_flags[i] | MDB_CREATE, &s->dbi[i]);
        }
    }
    if (rc == MDB_NOTFOUND || rc == MDB_INCOMPATIBLE)
        st = fail_msg(msg, msglen, RP_EFORMAT, "'%s' is not a reprint dedup store", s->dir);
    else if (rc)
        st = mdb_fail(s, rc, msg, msglen);
    else if (fresh && (rc = meta_create(s, txn, settings)) != 0)
        st = mdb_fail(s, rc, msg, msglen);
    else if (!fresh)
        st = meta_check(s, txn, settings, msg, msglen);
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

typedef struct adder {
    rp_store *s;
    MDB_txn *txn;
    MDB_cursor *post;
    const rp_dedup_options *dopts;
    rp_dedup_scratch scratch;
    rp_dedup_sig sig;
    uint32_t *keys;
    size_t keys_cap;
    uint32_t *cands;
    size_t cand_count;
    size_t cand_cap;
    uint32_t *other; /* a candidate's fingerprints, copied out (LMDB data is unaligned) */
    size_t other_cap;
    uint64_t next;
    int rc; /* the LMDB error that stopped the batch */
} adder;

/* The group firsts sharing a key; keys in more than max_df firsts are boilerplate. */
static rp_status gather(adder *a, size_t nkeys)
{
    MDB_val k, v;
    size_t dups;

    a->cand_count = 0;
    for (size_t i = 0; i < nkeys; i++) {
        k = (MDB_val){sizeof(uint32_t), &a->keys[i]};
        int rc = mdb_cursor_get(a->post, &k, &v, MDB_SET);
        if (rc == MDB_NOTFOUND)
            continue;
        if (rc || (rc = mdb_cursor_count(a->post, &dups)) != 0)
            return a->rc = rc, mdb_status(rc);
        if (dups > a->s->opts.max_df)
            continue;
        if (RP_GROW(a->cands, a->cand_cap, a->cand_count + (size_t)dups) != RP_OK)
            return RP_ENOMEM;
        for (rc = mdb_cursor_get(a->post, &k, &v, MDB_GET_MULTIPLE); rc == 0;
             rc = mdb_cursor_get(a->post, &k, &v, MDB_NEXT_MULTIPLE)) {
            size_t n = v.mv_size / sizeof(uint32_t);
            if (a->cand_count + n > a->cand_cap)
                return a->rc = MDB_CORRUPTED, RP_EFORMAT;
            memcpy(a->cands + a->cand_count, v.mv_data, n * sizeof(uint32_t));
            a->cand_count += n;
        }
    }
    if (a->cand_count > 1)
        qsort(a->cands, a->cand_count, sizeof(*a->cands), rp_dedup_cmp_u32);
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
        rp_dedup_compare(a->sig.fps, a->sig.count, a->other, r.h.nfp, &sim);
        rp_verdict v = rp_dedup_classify(a->dopts, a->sig.content == r.h.content, &sim);
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
                        uint32_t of, size_t nkeys)
{
    uint32_t num = (uint32_t)a->next;
    rec_head h = {a->sig.content, time, of, doc->len > UINT32_MAX ? UINT32_MAX : (uint32_t)doc->len,
                  a->sig.tokens, (uint32_t)a->sig.count, 0, (uint8_t)v->verdict, 0};
    size_t name_len = strlen(doc->name) > 511 ? 511 : strlen(doc->name);
    MDB_val k = {sizeof(num), &num}, val = {sizeof(h) + name_len + a->sig.count * 4, NULL};
    unsigned char okey[12];
    int rc;

    h.name_len = (uint16_t)name_len;
    if ((rc = mdb_put(a->txn, a->s->dbi[DB_DOCS], &k, &val, MDB_APPEND | MDB_RESERVE)) != 0)
        return a->rc = rc, mdb_status(rc);
    memcpy(val.mv_data, &h, sizeof(h));
    memcpy((char *)val.mv_data + sizeof(h), doc->name, name_len);
    memcpy((char *)val.mv_data + sizeof(h) + name_len, a->sig.fps, a->sig.count * 4);
    MDB_val id = {name_len, (void *)doc->name}, nv = {sizeof(num), &num};
    rc = mdb_put(a->txn, a->s->dbi[DB_IDS], &id, &nv, 0);
    order_key(time, num, okey);
    MDB_val ok = {sizeof(okey), okey}, empty = {0, NULL};
    if (!rc)
        rc = mdb_put(a->txn, a->s->dbi[DB_ORDER], &ok, &empty, 0);
    for (size_t i = 0; i < nkeys && !rc && of == UINT32_MAX; i++) {
        MDB_val pk = {sizeof(uint32_t), &a->keys[i]};
        rc = mdb_put(a->txn, a->s->dbi[DB_POSTINGS], &pk, &nv, 0);
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
    rp_dedup_compare(a->sig.fps, a->sig.count, a->other, r.h.nfp, &sim);
    out->verdict = RP_VERDICT_SEEN;
    out->resemblance = a->sig.content == r.h.content ? 1.0 : sim.resemblance;
    out->containment = a->sig.content == r.h.content ? 1.0 : rp_dedup_containment(&sim);
    out->of = rp_strndup(r.name, r.h.name_len);
    return out->of ? RP_OK : RP_ENOMEM;
}

static rp_status add_one(adder *a, const rp_doc *doc, int64_t now, rp_store_verdict *out)
{
    size_t name_len = strlen(doc->name) > 511 ? 511 : strlen(doc->name);
    MDB_val id = {name_len, (void *)doc->name}, nv;
    int64_t time = now;
    uint32_t of;
    rp_status st;
    int rc;

    if (!(out->id = rp_strdup(doc->name)))
        return RP_ENOMEM;
    st = rp_dedup_signature(&a->s->opts, doc->bytes, doc->len, &a->scratch, &a->sig);
    if (st != RP_OK)
        return st;
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
    if (RP_GROW(a->keys, a->keys_cap, a->sig.count + 1) != RP_OK)
        return RP_ENOMEM;
    size_t nkeys = rp_dedup_keys(&a->sig, a->keys);
    if ((st = gather(a, nkeys)) != RP_OK || (st = judge(a, out, &of)) != RP_OK)
        return st;
    if (a->dopts->date_field)
        rp_dedup_doc_date(doc, a->dopts->date_field, &time);
    return insert(a, doc, time, out, of, nkeys);
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
            if ((rc = mdb_del(a->txn, a->s->dbi[DB_POSTINGS], &pk, &nv)) != 0)
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

static void adder_release(adder *a)
{
    rp_dedup_scratch_release(&a->scratch);
    rp_dedup_sig_release(&a->sig);
    rp_free(a->keys);
    rp_free(a->cands);
    rp_free(a->other);
}

/* Runs the batch inside the open transaction a->txn. */
static rp_status add_all(adder *a, const rp_corpus *corpus, rp_store_verdict *v)
{
    int64_t now = (int64_t)time(NULL);
    uint64_t batches;
    rp_status st = RP_OK;
    int rc = mdb_cursor_open(a->txn, a->s->dbi[DB_POSTINGS], &a->post);

    if (!rc)
        rc = meta_get_u64(a->s, a->txn, "next", &a->next);
    if (!rc)
        rc = meta_get_u64(a->s, a->txn, "batches", &batches);
    if (rc)
        return a->rc = rc, mdb_status(rc);
    for (uint32_t d = 0; d < rp_corpus_count(corpus) && st == RP_OK; d++)
        st = add_one(a, rp_corpus_doc(corpus, d), now, &v[d]);
    mdb_cursor_close(a->post);
    if (st != RP_OK)
        return st;
    if (!rc)
        rc = evict_old(a, now);
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
    rp_dedup_sig_init(&a.sig);
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
        rp_report_json_string(out, v[i].id, strlen(v[i].id));
        fprintf(out, ",\"verdict\":\"%s\",\"of\":", rp_verdict_name(v[i].verdict));
        if (v[i].of)
            rp_report_json_string(out, v[i].of, strlen(v[i].of));
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
    uint64_t batches = 0, next = 0, pages = 0;
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
    rp_report_json_string(out, s->dir, strlen(s->dir));
    fprintf(out,
            ",\"format\":%u,\"settings\":\"%s\",\"documents\":%llu,\"added\":%llu,"
            "\"batches\":%llu,\"postings\":%llu,\"pages\":%llu,\"page_size\":%u,"
            "\"used_bytes\":%llu,\"file_bytes\":%zu,\"map_size\":%zu,"
            "\"bytes_per_document\":%.1f}\n",
            RP_STORE_FORMAT, settings, (unsigned long long)ms[DB_DOCS].ms_entries,
            (unsigned long long)next, (unsigned long long)batches,
            (unsigned long long)ms[DB_POSTINGS].ms_entries,
            (unsigned long long)pages, ms[DB_DOCS].ms_psize,
            (unsigned long long)((info.me_last_pgno + 1) * (uint64_t)ms[DB_DOCS].ms_psize), file,
            (size_t)info.me_mapsize,
            ms[DB_DOCS].ms_entries
                ? (double)((info.me_last_pgno + 1) * (uint64_t)ms[DB_DOCS].ms_psize) /
                      (double)ms[DB_DOCS].ms_entries
                : 0.0);
    return ferror(out) ? RP_EIO : RP_OK;
}

static void export_one(FILE *out, MDB_txn *txn, const rp_store *s, uint32_t num, const rec *r)
{
    rec of;

    fprintf(out, "{\"doc\":%u,\"id\":", num);
    rp_report_json_string(out, r->name, r->h.name_len);
    fprintf(out, ",\"verdict\":\"%s\",\"of\":", rp_verdict_name((rp_verdict)r->h.verdict));
    if (r->h.of != UINT32_MAX && rec_get(s, txn, r->h.of, &of) == RP_OK)
        rp_report_json_string(out, of.name, of.h.name_len);
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

/* One document's id and order entries, and its postings when it is a group first. */
static rp_status check_doc(rp_store *s, MDB_txn *txn, uint32_t num, const rec *r, char *msg,
                           size_t msglen)
{
    MDB_val id = {r->h.name_len, (void *)r->name}, v;
    unsigned char okey[12];
    MDB_val ok = {sizeof(okey), okey};
    uint32_t got;

    if (mdb_get(txn, s->dbi[DB_IDS], &id, &v) != 0 || v.mv_size != 4 ||
        (memcpy(&got, v.mv_data, 4), got != num))
        return fail_msg(msg, msglen, RP_EFORMAT, "document %u has no id entry", num);
    order_key(r->h.time, num, okey);
    if (mdb_get(txn, s->dbi[DB_ORDER], &ok, &v) != 0)
        return fail_msg(msg, msglen, RP_EFORMAT, "document %u has no order entry", num);
    return RP_OK;
}

static rp_status check_postings(rp_store *s, MDB_txn *txn, char *msg, size_t msglen)
{
    MDB_cursor *cur;
    MDB_val k, v;
    rec r;
    rp_status st = RP_OK;
    int rc = mdb_cursor_open(txn, s->dbi[DB_POSTINGS], &cur);

    if (rc)
        return mdb_status(rc);
    for (rc = mdb_cursor_get(cur, &k, &v, MDB_FIRST); rc == 0 && st == RP_OK;
         rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT)) {
        uint32_t num;
        memcpy(&num, v.mv_data, sizeof(num));
        if (rec_get(s, txn, num, &r) != RP_OK || r.h.of != UINT32_MAX)
            st = fail_msg(msg, msglen, RP_EFORMAT, "a posting names document %u, not a first",
                          num);
    }
    mdb_cursor_close(cur);
    return st;
}

rp_status rp_store_check(rp_store *s, char *msg, size_t msglen)
{
    MDB_txn *txn;
    MDB_cursor *cur;
    MDB_stat ms[DB_COUNT];
    MDB_val k, v;
    rec r;
    rp_status st = read_txn(s, &txn);
    int rc = 0;

    if (st != RP_OK)
        return st;
    for (int i = 0; i < DB_COUNT && !rc; i++)
        rc = mdb_stat(txn, s->dbi[i], &ms[i]);
    if (!rc && (ms[DB_DOCS].ms_entries != ms[DB_IDS].ms_entries ||
                ms[DB_DOCS].ms_entries != ms[DB_ORDER].ms_entries))
        st = fail_msg(msg, msglen, RP_EFORMAT, "counts differ: %zu docs, %zu ids, %zu order",
                      (size_t)ms[DB_DOCS].ms_entries, (size_t)ms[DB_IDS].ms_entries,
                      (size_t)ms[DB_ORDER].ms_entries);
    if (!rc && st == RP_OK && !(rc = mdb_cursor_open(txn, s->dbi[DB_DOCS], &cur))) {
        for (rc = mdb_cursor_get(cur, &k, &v, MDB_FIRST); rc == 0 && st == RP_OK;
             rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT)) {
            uint32_t num;
            memcpy(&num, k.mv_data, sizeof(num));
            st = rec_decode(&v, &r) ? check_doc(s, txn, num, &r, msg, msglen)
                                    : fail_msg(msg, msglen, RP_EFORMAT, "bad record %u", num);
        }
        mdb_cursor_close(cur);
        rc = rc == MDB_NOTFOUND ? 0 : rc;
    }
    if (!rc && st == RP_OK)
        st = check_postings(s, txn, msg, msglen);
    mdb_txn_abort(txn);
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
