/*
 * store_evict.c - removing documents: one by number with everything that points at it, and
 * the rolling window (oldest by date first, past max_age or beyond max_items).
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
    char name[512]; /* copied: deleting may move the page the record lives on */
    memcpy(name, r.name, r.h.name_len);
    MDB_val id = {r.h.name_len, name}, ok = {sizeof(okey), okey};
    rp_store_order_key(r.h.time, num, okey);
    if (r.h.of == UINT32_MAX) {
        rp_dedup_sig sig = {NULL, 0, 0, r.h.content, r.h.tokens, 0};
        if (rp_store_rec_fps(&r, &a->other, &a->other_cap) != RP_OK ||
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

