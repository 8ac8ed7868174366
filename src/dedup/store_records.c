/*
 * store_records.c - document records (a fixed head, the name, the fingerprints) and order keys
 * as the store keeps them, and the verdicts handed back to callers.
 */
#include "dedup/store_db.h"
#include "report/report.h"

#include <stdlib.h>
#include <string.h>
#include <xxhash.h>

/* ---- records ---- */

bool rp_store_rec_decode(const MDB_val *v, rec *r)
{
    if (v->mv_size < sizeof(rec_head))
        return false;
    memcpy(&r->h, v->mv_data, sizeof(rec_head));
    if (v->mv_size != sizeof(rec_head) + (size_t)r->h.name_len + (size_t)r->h.nfp * 4)
        return false;
    if (XXH32((const char *)v->mv_data + 4, v->mv_size - 4, 0) != r->h.sum)
        return false;
    r->name = (const char *)v->mv_data + sizeof(rec_head);
    r->fps = (const unsigned char *)r->name + r->h.name_len;
    return true;
}

rp_status rp_store_rec_fps(const rec *r, uint32_t **fps, size_t *cap)
{
    if (RP_GROW(*fps, *cap, (size_t)r->h.nfp + 1) != RP_OK)
        return RP_ENOMEM;
    memcpy(*fps, r->fps, (size_t)r->h.nfp * 4);
    return RP_OK;
}

rp_status rp_store_rec_get(const rp_store *s, MDB_txn *txn, uint32_t num, rec *r)
{
    MDB_val k = {sizeof(num), &num}, v;
    int rc = mdb_get(txn, s->dbi[DB_DOCS], &k, &v);

    if (rc == MDB_NOTFOUND)
        return RP_ENOTFOUND;
    if (rc)
        return rp_store_mdb_status(rc);
    return rp_store_rec_decode(&v, r) ? RP_OK : RP_EFORMAT;
}

void rp_store_rec_seal(void *data, size_t size)
{
    uint32_t sum = XXH32((const char *)data + 4, size - 4, 0);
    memcpy(data, &sum, sizeof(sum));
}

size_t rp_store_id_key(const char *id, size_t len, unsigned char key[ID_KEY_MAX])
{
    uint64_t h;

    if (len <= ID_KEY_WHOLE) {
        memcpy(key, id, len);
        return len;
    }
    h = XXH3_64bits(id, len);
    memcpy(key, id, ID_KEY_WHOLE);
    memcpy(key + ID_KEY_WHOLE, &h, sizeof(h));
    return ID_KEY_MAX;
}

/* The number of the document whose whole name is id: 0, MDB_NOTFOUND, or an LMDB error
 * (MDB_CORRUPTED for an entry whose record is missing or damaged). */
int rp_store_id_find(const rp_store *s, MDB_txn *txn, const char *id, size_t len, uint32_t *num)
{
    unsigned char key[ID_KEY_MAX];
    MDB_val k = {rp_store_id_key(id, len, key), key}, v;
    MDB_cursor *cur;
    rec r;
    int rc = mdb_cursor_open(txn, s->dbi[DB_IDS], &cur);

    if (rc)
        return rc;
    for (rc = mdb_cursor_get(cur, &k, &v, MDB_SET); rc == 0;
         rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT_DUP)) {
        uint32_t n;
        memcpy(&n, v.mv_data, sizeof(n));
        if (rp_store_rec_get(s, txn, n, &r) != RP_OK) {
            rc = MDB_CORRUPTED;
            break;
        }
        if (r.h.name_len == len && memcmp(r.name, id, len) == 0) {
            *num = n;
            break;
        }
    }
    mdb_cursor_close(cur);
    return rc;
}

int rp_store_id_put(const rp_store *s, MDB_txn *txn, const char *id, size_t len, uint32_t num)
{
    unsigned char key[ID_KEY_MAX];
    MDB_val k = {rp_store_id_key(id, len, key), key}, v = {sizeof(num), &num};
    return mdb_put(txn, s->dbi[DB_IDS], &k, &v, 0);
}

int rp_store_id_del(const rp_store *s, MDB_txn *txn, const char *id, size_t len, uint32_t num)
{
    unsigned char key[ID_KEY_MAX];
    MDB_val k = {rp_store_id_key(id, len, key), key}, v = {sizeof(num), &num};
    return mdb_del(txn, s->dbi[DB_IDS], &k, &v);
}

/* Order keys sort by date, then number: big-endian, the date offset to unsigned. */
void rp_store_order_key(int64_t time, uint32_t num, unsigned char key[12])
{
    uint64_t t = (uint64_t)time ^ (UINT64_C(1) << 63);

    for (int i = 0; i < 8; i++)
        key[i] = (unsigned char)(t >> (56 - 8 * i));
    for (int i = 0; i < 4; i++)
        key[8 + i] = (unsigned char)(num >> (24 - 8 * i));
}

uint32_t rp_store_order_num(const MDB_val *k)
{
    const unsigned char *p = k->mv_data;
    return (uint32_t)p[8] << 24 | (uint32_t)p[9] << 16 | (uint32_t)p[10] << 8 | p[11];
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
        fprintf(out, ",\"resemblance\":%.4f,\"containment\":%.4f,\"original\":\"%s\",\"seq\":",
                v[i].resemblance, v[i].containment, rp_verdict_name(v[i].original));
        if (v[i].seq)
            fprintf(out, "%llu}\n", (unsigned long long)v[i].seq);
        else
            fputs("null}\n", out);
    }
    return ferror(out) ? RP_EIO : RP_OK;
}

rp_status rp_store_write_new(FILE *out, const rp_corpus *corpus, const rp_store_verdict *v,
                             size_t count)
{
    for (uint32_t d = 0; d < count && d < rp_corpus_count(corpus); d++) {
        if (v[d].verdict == RP_VERDICT_NEW)
            rp_dedup_write_item(out, corpus, d);
    }
    return ferror(out) ? RP_EIO : RP_OK;
}
