/*
 * store_upgrade.c - upgrading a store of format 2 to format 3 in place, as one write
 * transaction (a crash leaves format 2 whole): each record gains its checksum and the
 * similarities of its verdict (measured again against the document it matched, when held),
 * and ids are rebuilt keyed by the hash of the whole id.
 */
#include "dedup/store_db.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

/* A format 2 record head: the name (at most 511 bytes) and fingerprints follow. */
typedef struct rec_head_v2 {
    uint64_t content;
    int64_t time;
    uint32_t of;
    uint32_t len;
    uint32_t tokens;
    uint32_t nfp;
    uint16_t name_len;
    uint8_t verdict;
    uint8_t pad;
} rec_head_v2;

typedef struct upgrader {
    rp_store *s;
    MDB_txn *txn;
    unsigned char *buf; /* the new record */
    size_t buf_cap;
    uint32_t *fps;
    size_t fps_cap;
    uint32_t *other;
    size_t other_cap;
} upgrader;

/* The similarities of a member against its of (earlier, so already upgraded). */
static void measure(upgrader *u, rec_head *h)
{
    rec of;
    rp_dedup_sim sim;

    if (h->of == UINT32_MAX || rp_store_rec_get(u->s, u->txn, h->of, &of) != RP_OK ||
        rp_store_rec_fps(&of, &u->other, &u->other_cap) != RP_OK)
        return;
    rp_dedup_compare(u->fps, h->nfp, u->other, of.h.nfp, &sim);
    h->resemblance = (float)sim.resemblance;
    h->containment = (float)rp_dedup_containment(&sim);
}

/* Rewrites record num (value v, format 2) as format 3. */
static int upgrade_record(upgrader *u, uint32_t num, const MDB_val *v)
{
    rec_head_v2 o;
    rec_head h;

    if (v->mv_size < sizeof(o))
        return MDB_CORRUPTED;
    memcpy(&o, v->mv_data, sizeof(o));
    size_t body = (size_t)o.name_len + (size_t)o.nfp * 4;
    if (v->mv_size != sizeof(o) + body)
        return MDB_CORRUPTED;
    h = (rec_head){0,        o.name_len, o.content, o.time, o.of,      o.len,
                   o.tokens, o.nfp,      0.0f,      0.0f,   o.verdict, {0}};
    if (RP_GROW(u->buf, u->buf_cap, sizeof(h) + body) != RP_OK ||
        RP_GROW(u->fps, u->fps_cap, (size_t)o.nfp + 1) != RP_OK)
        return ENOMEM;
    memcpy(u->fps, (const char *)v->mv_data + sizeof(o) + o.name_len, (size_t)o.nfp * 4);
    measure(u, &h);
    memcpy(u->buf, &h, sizeof(h));
    memcpy(u->buf + sizeof(h), (const char *)v->mv_data + sizeof(o), body);
    rp_store_rec_seal(u->buf, sizeof(h) + body);
    MDB_val k = {sizeof(num), &num}, nv = {sizeof(h) + body, u->buf};
    return mdb_put(u->txn, u->s->dbi[DB_DOCS], &k, &nv, 0);
}

/* Upgrades every record, in number order (a member's of is upgraded before it). */
static int upgrade_records(upgrader *u)
{
    MDB_cursor *cur;
    MDB_val k, v;
    uint32_t num = 0;
    int rc = mdb_cursor_open(u->txn, u->s->dbi[DB_DOCS], &cur);

    if (rc)
        return rc;
    for (;;) {
        k = (MDB_val){sizeof(num), &num}; /* positioned afresh: a put may move pages */
        if ((rc = mdb_cursor_get(cur, &k, &v, MDB_SET_RANGE)) != 0)
            break;
        memcpy(&num, k.mv_data, sizeof(num));
        if ((rc = upgrade_record(u, num, &v)) != 0 || num == UINT32_MAX)
            break;
        num++;
    }
    mdb_cursor_close(cur);
    return rc == MDB_NOTFOUND ? 0 : rc;
}

/* Drops ids and makes it again from the records, keyed by the hash of the whole id. */
static int rebuild_ids(upgrader *u)
{
    MDB_cursor *cur;
    MDB_val k, v;
    rec r;
    int rc = mdb_drop(u->txn, u->s->dbi[DB_IDS], 1);

    if (!rc)
        rc =
            mdb_dbi_open(u->txn, "ids", rp_store_db_flags(DB_IDS) | MDB_CREATE, &u->s->dbi[DB_IDS]);
    if (!rc)
        rc = mdb_cursor_open(u->txn, u->s->dbi[DB_DOCS], &cur);
    if (rc)
        return rc;
    for (rc = mdb_cursor_get(cur, &k, &v, MDB_FIRST); rc == 0;
         rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT)) {
        uint32_t num;
        memcpy(&num, k.mv_data, sizeof(num));
        if (!rp_store_rec_decode(&v, &r)) {
            rc = MDB_CORRUPTED;
            break;
        }
        if ((rc = rp_store_id_put(u->s, u->txn, r.name, r.h.name_len, num)) != 0)
            break;
    }
    mdb_cursor_close(cur);
    return rc == MDB_NOTFOUND ? 0 : rc;
}

static int upgrade_txn(upgrader *u)
{
    int rc = mdb_txn_begin(u->s->env, NULL, 0, &u->txn);

    if (rc)
        return rc;
    rc = upgrade_records(u);
    if (!rc)
        rc = rebuild_ids(u);
    if (!rc)
        rc = rp_store_meta_put(u->s, u->txn, "format", RP_STORE_FORMAT);
    if (!rc)
        return mdb_txn_commit(u->txn);
    mdb_txn_abort(u->txn);
    return rc;
}

rp_status rp_store_upgrade(const char *dir, bool wait, bool *upgraded, char *msg, size_t msglen)
{
    rp_options opts;
    rp_store_options so;
    upgrader u;
    rp_status st;
    int rc;

    rp_options_init(&opts);
    rp_store_options_init(&so);
    so.wait = wait;
    so.existing = true;
    so.any_settings = true;
    memset(&u, 0, sizeof(u));
    st = rp_store_open_as(dir, &opts, &so, true, &u.s, msg, msglen);
    if (st != RP_OK)
        return st;
    *upgraded = u.s->format != RP_STORE_FORMAT;
    if (*upgraded && (rc = upgrade_txn(&u)) != 0)
        st = rp_store_mdb_fail(u.s, rc, msg, msglen);
    rp_store_close(u.s);
    rp_free(u.buf);
    rp_free(u.fps);
    rp_free(u.other);
    return st;
}
