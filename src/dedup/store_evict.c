/*
 * store_evict.c - removing documents: one by number with everything that points at it, the
 * rolling window (oldest by date first, past max_age or beyond max_items), and deletion by id.
 */
#include "dedup/store_db.h"

#include <errno.h>
#include <string.h>

/* ---- eviction ---- */

/* Removes document num and everything that points at it. */
int rp_store_evict(adder *a, uint32_t num)
{
    rec r;
    MDB_val k = {sizeof(num), &num}, nv = {sizeof(num), &num};
    unsigned char okey[12];
    int rc;

    if (rp_store_rec_get(a->s, a->txn, num, &r) != RP_OK)
        return MDB_CORRUPTED;
    /* the id entry goes first: deleting may move the page the record (and its name) is on */
    if ((rc = rp_store_id_del(a->s, a->txn, r.name, r.h.name_len, num)) != 0)
        return rc;
    if ((rc = rp_store_rec_get(a->s, a->txn, num, &r)) != RP_OK)
        return MDB_CORRUPTED;
    MDB_val ok = {sizeof(okey), okey};
    rp_store_order_key(r.h.time, num, okey);
    if (r.h.of == UINT32_MAX) {
        rp_dedup_sig sig = {NULL, 0, 0, r.h.content, r.h.tokens, 0};
        rp_status st = rp_store_rec_fps(&r, &a->other, &a->other_cap);
        if (st != RP_OK)
            return st == RP_EFORMAT ? MDB_CORRUPTED : ENOMEM;
        if (RP_GROW(a->keys, a->keys_cap, (size_t)r.h.nfp + 1) != RP_OK)
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
    if ((rc = mdb_del(a->txn, a->s->dbi[DB_ORDER], &ok, NULL)) != 0)
        return rc;
    return mdb_del(a->txn, a->s->dbi[DB_DOCS], &k, NULL);
}

/* The rolling window: oldest by date first, past max_age or beyond max_items. */
int rp_store_evict_old(adder *a, int64_t now)
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
        if ((rc = rp_store_evict(a, rp_store_order_num(&k))) != 0)
            break;
        held--;
    }
    mdb_cursor_close(cur);
    return rc == MDB_NOTFOUND ? 0 : rc;
}

/* Deletes the document named ids[i] when held (*deleted counts it). */
static int delete_one(adder *a, const char *id, size_t *deleted)
{
    uint32_t num;
    int rc = rp_store_id_find(a->s, a->txn, id, strlen(id), &num);

    if (rc == MDB_NOTFOUND)
        return 0;
    if (!rc && (rc = rp_store_evict(a, num)) == 0)
        (*deleted)++;
    return rc;
}

rp_status rp_store_delete(rp_store *s, const char *const *ids, size_t count, size_t *deleted,
                          char *msg, size_t msglen)
{
    adder a;
    size_t n = 0;
    int rc;

    if (s->sopts.read_only)
        return rp_store_fail(msg, msglen, RP_EINVAL, "store '%s' is open for reading only", s->dir);
    memset(&a, 0, sizeof(a));
    a.s = s;
    if ((rc = mdb_txn_begin(s->env, NULL, 0, &a.txn)) != 0)
        return rp_store_mdb_fail(s, rc, msg, msglen);
    for (size_t i = 0; i < count && !rc; i++)
        rc = delete_one(&a, ids[i], &n);
    if (!rc)
        rc = mdb_txn_commit(a.txn);
    else
        mdb_txn_abort(a.txn);
    rp_free(a.other);
    rp_free(a.keys);
    if (rc)
        return rp_store_mdb_fail(s, rc, msg, msglen);
    *deleted = n;
    return RP_OK;
}
