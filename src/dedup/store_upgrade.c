/*
 * store_upgrade.c - upgrading a store of format 2 or 3 to format 4 in place, as one write
 * transaction (a crash leaves the old format whole): each record is written again in the
 * compact encoding; from format 2 it also gains the similarities of its verdict (measured
 * again against the document it matched, when held), and ids are rebuilt keyed by the hash
 * of the whole id.
 */
#include "dedup/store_db.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <xxhash.h>

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

/* A format 3 record head: the name and fingerprints (raw little-endian uint32) follow; sum is
 * the XXH32 of everything after it. */
typedef struct rec_head_v3 {
    uint32_t sum;
    uint32_t name_len;
    uint64_t content;
    int64_t time;
    uint32_t of;
    uint32_t len;
    uint32_t tokens;
    uint32_t nfp;
    float resemblance;
    float containment;
    uint8_t verdict;
    uint8_t pad[7];
} rec_head_v3;

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

/* The head and fingerprints (into u->fps) of a format 2 record; its name at *name. */
static int read_v2(upgrader *u, const MDB_val *v, rec_head *h, const char **name)
{
    rec_head_v2 o;

    if (v->mv_size < sizeof(o))
        return MDB_CORRUPTED;
    memcpy(&o, v->mv_data, sizeof(o));
    if (v->mv_size != sizeof(o) + (size_t)o.name_len + (size_t)o.nfp * 4)
        return MDB_CORRUPTED;
    *h = (rec_head){o.name_len, o.content, o.time, o.of, o.len,
                    o.tokens,   o.nfp,     0.0f,   0.0f, o.verdict};
    if (RP_GROW(u->fps, u->fps_cap, (size_t)o.nfp + 1) != RP_OK)
        return ENOMEM;
    *name = (const char *)v->mv_data + sizeof(o);
    memcpy(u->fps, *name + o.name_len, (size_t)o.nfp * 4);
    measure(u, h);
    return 0;
}

/* The same of a format 3 record, its checksum checked. */
static int read_v3(upgrader *u, const MDB_val *v, rec_head *h, const char **name)
{
    rec_head_v3 o;

    if (v->mv_size < sizeof(o))
        return MDB_CORRUPTED;
    memcpy(&o, v->mv_data, sizeof(o));
    if (v->mv_size != sizeof(o) + (size_t)o.name_len + (size_t)o.nfp * 4 ||
        XXH32((const char *)v->mv_data + 4, v->mv_size - 4, 0) != o.sum)
        return MDB_CORRUPTED;
    *h = (rec_head){o.name_len, o.content, o.time,        o.of,          o.len,
                    o.tokens,   o.nfp,     o.resemblance, o.containment, o.verdict};
    if (RP_GROW(u->fps, u->fps_cap, (size_t)o.nfp + 1) != RP_OK)
        return ENOMEM;
    *name = (const char *)v->mv_data + sizeof(o);
    memcpy(u->fps, *name + o.name_len, (size_t)o.nfp * 4);
    return 0;
}

/* Rewrites record num (value v, of the store's format) as format 4. */
static int upgrade_record(upgrader *u, uint32_t num, const MDB_val *v)
{
    rec_head h;
    const char *name;
    int rc = u->s->format == 2 ? read_v2(u, v, &h, &name) : read_v3(u, v, &h, &name);

    if (rc)
        return rc;
    for (size_t i = 1; i < h.nfp; i++) /* the encoding holds ascending sets only */
        if (u->fps[i] <= u->fps[i - 1])
            return MDB_CORRUPTED;
    if (RP_GROW(u->buf, u->buf_cap, REC_MAX_SIZE(h.name_len, h.nfp)) != RP_OK)
        return ENOMEM;
    MDB_val k = {sizeof(num), &num}, nv = {rp_store_rec_encode(&h, name, u->fps, u->buf), u->buf};
    return mdb_put(u->txn, u->s->dbi[DB_DOCS], &k, &nv, MDB_APPEND); /* into the new docs */
}

/* Copies every entry of from into to (empty), appended in key order: pages filled whole. */
static int copy_db(MDB_txn *txn, MDB_dbi from, MDB_dbi to)
{
    MDB_cursor *cur;
    MDB_val k, v;
    int rc = mdb_cursor_open(txn, from, &cur);

    if (rc)
        return rc;
    for (rc = mdb_cursor_get(cur, &k, &v, MDB_FIRST); rc == 0;
         rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT))
        if ((rc = mdb_put(txn, to, &k, &v, MDB_APPEND)) != 0)
            break;
    mdb_cursor_close(cur);
    return rc == MDB_NOTFOUND ? 0 : rc;
}

/* Upgrades every record, in number order (a member's of is upgraded before it). The new
 * records are appended to a new sub-database, DB_UPGRADE_DOCS, which stands for docs while
 * they are made (measure reads the upgraded ones), then docs is emptied and they are
 * appended back: rewritten in place, the smaller records would leave docs' pages as many and
 * as full of holes as before (and `store compact` keeps pages as they are). */
static int upgrade_records(upgrader *u)
{
    MDB_cursor *cur;
    MDB_val k, v;
    MDB_dbi docs = u->s->dbi[DB_DOCS], fresh;
    uint32_t num = 0;
    int rc = mdb_dbi_open(u->txn, DB_UPGRADE_DOCS, rp_store_db_flags(DB_DOCS) | MDB_CREATE, &fresh);

    if (!rc)
        rc = mdb_drop(u->txn, fresh, 0); /* never left by a commit, but be sure */
    if (!rc)
        rc = mdb_cursor_open(u->txn, docs, &cur);
    if (rc)
        return rc;
    u->s->dbi[DB_DOCS] = fresh;
    for (rc = mdb_cursor_get(cur, &k, &v, MDB_FIRST); rc == 0;
         rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT)) {
        memcpy(&num, k.mv_data, sizeof(num));
        if ((rc = upgrade_record(u, num, &v)) != 0)
            break;
    }
    mdb_cursor_close(cur);
    u->s->dbi[DB_DOCS] = docs;
    if (rc != MDB_NOTFOUND)
        return rc;
    rc = mdb_drop(u->txn, docs, 0);
    if (!rc)
        rc = copy_db(u->txn, fresh, docs);
    return rc ? rc : mdb_drop(u->txn, fresh, 1);
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
    if (!rc && u->s->format == 2)
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
    /* One transaction holds the old records, their copy and the records written back, and
     * pages freed inside it cannot be used again: a map of 4 times the file leaves room. */
    char path[4096];
    struct stat sb;
    so.map_size = RP_STORE_MAP_DEFAULT;
    if ((size_t)snprintf(path, sizeof(path), "%s/data.mdb", dir) < sizeof(path) &&
        stat(path, &sb) == 0 && sb.st_size > 0 &&
        (uint64_t)sb.st_size < SIZE_MAX / 4 && (size_t)sb.st_size * 4 > so.map_size)
        so.map_size = (size_t)sb.st_size * 4;
    memset(&u, 0, sizeof(u));
    st = rp_store_open_as(dir, &opts, &so, true, &u.s, msg, msglen);
    if (st != RP_OK)
        return st;
    *upgraded = u.s->format != RP_STORE_FORMAT;
    if (*upgraded && (rc = upgrade_txn(&u)) == MDB_MAP_FULL)
        st = rp_store_fail(msg, msglen, RP_ELIMIT,
                           "store '%s' was not upgraded: the upgrade needs more than the map "
                           "of %zu bytes; the store is unchanged",
                           dir, so.map_size);
    else if (*upgraded && rc != 0)
        st = rp_store_mdb_fail(u.s, rc, msg, msglen);
    rp_store_close(u.s);
    rp_free(u.buf);
    rp_free(u.fps);
    rp_free(u.other);
    return st;
}
