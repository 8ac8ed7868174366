/*
 * store_inspect.c - looking at a store without changing it: counts, stats (one JSON object),
 * export (one JSON line per document) and the consistency check of every sub-database.
 */
#include "dedup/store_db.h"
#include "base/escape.h"

#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

/* ---- inspection: stats, export, check ---- */

rp_status rp_store_read_txn(rp_store *s, MDB_txn **txn)
{
    int rc = mdb_txn_begin(s->env, NULL, MDB_RDONLY, txn);
    return rc ? rp_store_mdb_status(rc) : RP_OK;
}

rp_status rp_store_counts(rp_store *s, uint64_t *docs, uint64_t *batches)
{
    MDB_txn *txn;
    MDB_stat ms;
    uint64_t b = 0;
    rp_status st = rp_store_read_txn(s, &txn);

    if (st != RP_OK)
        return st;
    int rc = mdb_stat(txn, s->dbi[DB_DOCS], &ms);
    if (!rc)
        rc = rp_store_meta_get(s, txn, "batches", &b);
    mdb_txn_abort(txn);
    if (rc)
        return rp_store_mdb_status(rc);
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
    rp_status st = rp_store_read_txn(s, &txn);
    int rc = 0;

    if (st != RP_OK)
        return st;
    for (int i = 0; i < DB_COUNT && !rc; i++)
        rc = mdb_stat(txn, s->dbi[i], &ms[i]);
    if (!rc)
        rc = rp_store_meta_get(s, txn, "batches", &batches);
    if (!rc)
        rc = rp_store_meta_get(s, txn, "next", &next);
    MDB_val sk = {8, (void *)"settings"}, sv;
    if (!rc && (rc = mdb_get(txn, s->dbi[DB_META], &sk, &sv)) == 0)
        snprintf(settings, sizeof(settings), "%.*s", (int)sv.mv_size, (const char *)sv.mv_data);
    mdb_env_info(s->env, &info);
    mdb_txn_abort(txn);
    if (rc)
        return rp_store_mdb_status(rc);
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
            (unsigned long long)next, (unsigned long long)batches, (unsigned long long)postings,
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
    if (r->h.of != UINT32_MAX && rp_store_rec_get(s, txn, r->h.of, &of) == RP_OK)
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
    rp_status st = rp_store_read_txn(s, &txn);
    int rc;

    if (st != RP_OK)
        return st;
    if ((rc = mdb_cursor_open(txn, s->dbi[DB_DOCS], &cur)) != 0) {
        mdb_txn_abort(txn);
        return rp_store_mdb_status(rc);
    }
    for (rc = mdb_cursor_get(cur, &k, &v, MDB_FIRST); rc == 0 && st == RP_OK;
         rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT)) {
        uint32_t num;
        memcpy(&num, k.mv_data, sizeof(num));
        if (!rp_store_rec_decode(&v, &r))
            st = RP_EFORMAT;
        else
            export_one(out, txn, s, num, &r);
    }
    mdb_cursor_close(cur);
    mdb_txn_abort(txn);
    if (st == RP_OK && rc != MDB_NOTFOUND)
        st = rp_store_mdb_status(rc);
    return st == RP_OK && ferror(out) ? RP_EIO : st;
}

typedef struct checker {
    rp_store *s;
    MDB_txn *txn;
    MDB_cursor *post[LEVELS];
    MDB_cursor *ids;
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

    if (RP_GROW(c->keys, c->keys_cap, (size_t)r->h.nfp + 1) != RP_OK)
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
            return rp_store_fail(msg, msglen, RP_EFORMAT,
                                 "group first %u has %d postings for its key %08x", num, found,
                                 (unsigned)c->keys[i]);
    }
    c->postings += nkeys;
    return RP_OK;
}

/* One document's id and order entries, and its postings when it is a group first. */
static rp_status check_doc(checker *c, uint32_t num, const rec *r, char *msg, size_t msglen)
{
    unsigned char key[ID_KEY_MAX];
    MDB_val id = {rp_store_id_key(r->name, r->h.name_len, key), key}, v = {sizeof(num), &num};
    unsigned char okey[12];
    MDB_val ok = {sizeof(okey), okey};

    if (mdb_cursor_get(c->ids, &id, &v, MDB_GET_BOTH) != 0)
        return rp_store_fail(msg, msglen, RP_EFORMAT, "document %u has no id entry", num);
    rp_store_order_key(r->h.time, num, okey);
    if (mdb_get(c->txn, c->s->dbi[DB_ORDER], &ok, &v) != 0)
        return rp_store_fail(msg, msglen, RP_EFORMAT, "document %u has no order entry", num);
    rp_status st = rp_store_rec_fps(r, &c->fps, &c->fps_cap);
    if (st == RP_EFORMAT)
        return rp_store_fail(msg, msglen, st, "record %u has damaged fingerprints", num);
    if (st != RP_OK)
        return st;
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
                if ((rc = rp_store_filter_get(c->s, c->txn, l, slice, &f, &h)) != 0)
                    break;
            }
            if (rp_store_rec_get(c->s, c->txn, num, &r) != RP_OK || r.h.of != UINT32_MAX)
                st = rp_store_fail(msg, msglen, RP_EFORMAT,
                                   "a posting names document %u, not a first", num);
            else if (l > 0 && !rp_store_filter_may_hold(&f, key))
                st = rp_store_fail(msg, msglen, RP_EFORMAT,
                                   "the filter of postings level %d misses its key %08x", l,
                                   (unsigned)key);
        }
        slice = UINT32_MAX;
        if (rc != MDB_NOTFOUND && st == RP_OK)
            st = rp_store_mdb_status(rc);
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
        *st = rp_store_rec_decode(&v, &r)
                  ? check_doc(c, num, &r, msg, msglen)
                  : rp_store_fail(msg, msglen, RP_EFORMAT, "record %u fails its checksum", num);
    }
    mdb_cursor_close(cur);
    return rc == MDB_NOTFOUND ? 0 : rc;
}

rp_status rp_store_check(rp_store *s, char *msg, size_t msglen)
{
    checker c = {s, NULL, {NULL}, NULL, NULL, 0, NULL, 0, 0};
    MDB_stat ms[DB_COUNT];
    uint64_t postings = 0;
    rp_status st = rp_store_read_txn(s, &c.txn);
    int rc = 0, opened = 0;

    if (st != RP_OK)
        return st;
    for (int i = 0; i < DB_COUNT && !rc; i++)
        rc = mdb_stat(c.txn, s->dbi[i], &ms[i]);
    if (!rc)
        rc = mdb_cursor_open(c.txn, s->dbi[DB_IDS], &c.ids);
    for (; opened < LEVELS && !rc; opened++)
        rc = mdb_cursor_open(c.txn, s->dbi[DB_POSTINGS + opened], &c.post[opened]);
    if (!rc && (ms[DB_DOCS].ms_entries != ms[DB_IDS].ms_entries ||
                ms[DB_DOCS].ms_entries != ms[DB_ORDER].ms_entries))
        st = rp_store_fail(msg, msglen, RP_EFORMAT, "counts differ: %zu docs, %zu ids, %zu order",
                           (size_t)ms[DB_DOCS].ms_entries, (size_t)ms[DB_IDS].ms_entries,
                           (size_t)ms[DB_ORDER].ms_entries);
    if (!rc && st == RP_OK)
        rc = check_docs(&c, &st, msg, msglen);
    for (int l = 0; l < LEVELS; l++)
        postings += ms[DB_POSTINGS + l].ms_entries;
    if (!rc && st == RP_OK && postings != c.postings)
        st = rp_store_fail(msg, msglen, RP_EFORMAT,
                           "%llu postings where the group firsts have %llu keys",
                           (unsigned long long)postings, (unsigned long long)c.postings);
    if (!rc && st == RP_OK)
        st = check_postings(&c, msg, msglen);
    if (c.ids)
        mdb_cursor_close(c.ids);
    while (opened-- > 0)
        if (c.post[opened])
            mdb_cursor_close(c.post[opened]);
    mdb_txn_abort(c.txn);
    rp_free(c.fps);
    rp_free(c.keys);
    return rc ? rp_store_mdb_status(rc) : st;
}

/* Reads every entry of every sub-database, so that LMDB follows every page (a broken page
 * structure shows as MDB_CORRUPTED or MDB_PAGE_NOTFOUND). */
static rp_status walk_all(rp_store *s, MDB_txn *txn, char *msg, size_t msglen)
{
    static const char *const names[DB_POSTINGS + 1] = {"meta",  "docs",    "ids",
                                                       "order", "filters", "postings"};

    for (int i = 0; i < DB_COUNT; i++) {
        MDB_cursor *cur;
        MDB_val k, v;
        int rc = mdb_cursor_open(txn, s->dbi[i], &cur);
        while (!rc)
            rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT);
        if (rc != MDB_NOTFOUND)
            return rp_store_fail(msg, msglen, RP_EFORMAT, "store '%s': %s %d: %s", s->dir,
                                 names[i < DB_POSTINGS ? i : DB_POSTINGS],
                                 i < DB_POSTINGS ? 0 : i - DB_POSTINGS, mdb_strerror(rc));
        mdb_cursor_close(cur);
    }
    return RP_OK;
}

rp_status rp_store_verify(rp_store *s, char *msg, size_t msglen)
{
    MDB_txn *txn;
    rp_status st = rp_store_read_txn(s, &txn);

    if (st != RP_OK)
        return rp_store_fail(msg, msglen, st, "store '%s': %s", s->dir, rp_strerror(st));
    st = walk_all(s, txn, msg, msglen);
    mdb_txn_abort(txn);
    if (st != RP_OK)
        return st;
    st = rp_store_check(s, msg, msglen);
    if (st == RP_EFORMAT) { /* name the store in front of the problem */
        char what[256];
        snprintf(what, sizeof(what), "%s", msg);
        return rp_store_fail(msg, msglen, st, "store '%s' is damaged: %s", s->dir, what);
    }
    return st == RP_OK ? RP_OK
                       : rp_store_fail(msg, msglen, st, "store '%s': %s", s->dir, rp_strerror(st));
}
