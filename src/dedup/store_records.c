/*
 * store_records.c - document records (varint fields, the name, the Rice-coded fingerprints) and
 * order keys as the store keeps them, and the verdicts handed back to callers.
 */
#include "dedup/store_db.h"
#include "base/escape.h"

#include <stdlib.h>
#include <string.h>
#include <xxhash.h>

/* ---- records ---- */

static unsigned char *put_varint(unsigned char *p, uint64_t v)
{
    for (; v >= 0x80; v >>= 7)
        *p++ = (unsigned char)(v | 0x80);
    *p++ = (unsigned char)v;
    return p;
}

/* Reads a varint of at most 64 bits from [*p, end); false when cut short or too long. */
static bool get_varint(const unsigned char **p, const unsigned char *end, uint64_t *v)
{
    *v = 0;
    for (unsigned shift = 0; *p < end && shift < 64; shift += 7) {
        unsigned char b = *(*p)++;
        *v |= (uint64_t)(b & 0x7f) << shift;
        if (!(b & 0x80))
            return true;
    }
    return false;
}

static bool get_u32(const unsigned char **p, const unsigned char *end, uint32_t *v)
{
    uint64_t x;
    if (!get_varint(p, end, &x) || x > UINT32_MAX)
        return false;
    *v = (uint32_t)x;
    return true;
}

/* Bits are written and read least significant first. */
typedef struct bit_writer {
    unsigned char *p;
    uint64_t acc;
    unsigned n;
} bit_writer;

static void put_bits(bit_writer *w, uint64_t v, unsigned n) /* n <= 32 */
{
    w->acc |= v << w->n;
    if ((w->n += n) >= 32) { /* four bytes at once */
        w->p[0] = (unsigned char)w->acc, w->p[1] = (unsigned char)(w->acc >> 8);
        w->p[2] = (unsigned char)(w->acc >> 16), w->p[3] = (unsigned char)(w->acc >> 24);
        w->p += 4, w->acc >>= 32, w->n -= 32;
    }
}

static void flush_bits(bit_writer *w)
{
    for (; w->n > 0; w->acc >>= 8, w->n = w->n > 8 ? w->n - 8 : 0)
        *w->p++ = (unsigned char)w->acc;
}

typedef struct bit_reader {
    const unsigned char *p, *end;
    uint64_t acc;
    unsigned n;
} bit_reader;

static void refill(bit_reader *r)
{
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
    if (r->end - r->p >= 8) { /* whole bytes up to 56 or more bits, in one load */
        uint64_t w;
        memcpy(&w, r->p, sizeof(w));
        r->acc |= w << r->n;
        r->p += (63 - r->n) >> 3;
        r->n |= 56;
        return;
    }
#endif
    for (; r->n <= 56 && r->p < r->end; r->n += 8)
        r->acc |= (uint64_t)*r->p++ << r->n;
}

static void skip_bits(bit_reader *r, unsigned n)
{
    r->acc = n >= 64 ? 0 : r->acc >> n;
    r->n -= n;
}

/* A unary count: ones up to a zero. */
static bool get_unary(bit_reader *r, uint64_t *q)
{
    for (*q = 0;;) {
        refill(r);
        if (r->n == 0)
            return false;
        uint64_t zeros = ~r->acc; /* past n they are ones: a zero is found within n */
        unsigned t = zeros ? (unsigned)__builtin_ctzll(zeros) : 64;
        if (t < r->n) {
            *q += t;
            skip_bits(r, t + 1);
            return true;
        }
        *q += r->n;
        skip_bits(r, r->n);
    }
}

/* The Rice parameter of ascending fps: about log2 of their mean gap. */
static unsigned rice_k(const uint32_t *fps, size_t n)
{
    uint64_t mean = n ? ((uint64_t)fps[n - 1] + 1) / n : 0;
    unsigned k = mean ? 63u - (unsigned)__builtin_clzll(mean) : 0;

    return k < 31 ? k : 31;
}

size_t rp_store_rec_encode(const rec_head *h, const char *name, const uint32_t *fps,
                           unsigned char *buf)
{
    unsigned char *p = buf + 4;
    unsigned k = rice_k(fps, h->nfp);
    int64_t t = h->time;

    *p++ = h->verdict;
    p = put_varint(p, h->name_len);
    p = put_varint(p, h->nfp);
    p = put_varint(p, h->of == UINT32_MAX ? 0 : (uint64_t)h->of + 1);
    p = put_varint(p, h->len);
    p = put_varint(p, h->tokens);
    p = put_varint(p, t < 0 ? ~((uint64_t)t << 1) : (uint64_t)t << 1);
    memcpy(p, &h->content, 8);
    p += 8;
    if (h->of != UINT32_MAX) {
        memcpy(p, &h->resemblance, 4);
        memcpy(p + 4, &h->containment, 4);
        p += 8;
    }
    memcpy(p, name, h->name_len);
    p += h->name_len;
    *p++ = (unsigned char)k;
    bit_writer w = {p, 0, 0};
    for (size_t i = 0; i < h->nfp; i++) {
        uint32_t gap = i ? fps[i] - fps[i - 1] - 1 : fps[0];
        uint64_t q = gap >> k;
        for (; q >= 16; q -= 16)
            put_bits(&w, 0xffff, 16);
        /* q ones, a zero, then the k low bits: at most 16 + 31 bits, in two puts */
        put_bits(&w, (UINT64_C(1) << q) - 1, (unsigned)q + 1);
        put_bits(&w, gap & ((UINT64_C(1) << k) - 1), k);
    }
    flush_bits(&w);
    size_t size = (size_t)(w.p - buf);
    uint32_t sum = XXH32(buf + 4, size - 4, 0);
    memcpy(buf, &sum, sizeof(sum));
    return size;
}

bool rp_store_rec_decode(const MDB_val *v, rec *r)
{
    const unsigned char *p = v->mv_data, *end = p + v->mv_size;
    uint32_t sum, of;
    uint64_t t;

    if (v->mv_size < 6)
        return false;
    memcpy(&sum, p, sizeof(sum));
    if (XXH32(p + 4, v->mv_size - 4, 0) != sum)
        return false;
    p += 4;
    r->h.verdict = *p++;
    if (!get_u32(&p, end, &r->h.name_len) || !get_u32(&p, end, &r->h.nfp) ||
        !get_u32(&p, end, &of) || !get_u32(&p, end, &r->h.len) || !get_u32(&p, end, &r->h.tokens) ||
        !get_varint(&p, end, &t) || end - p < 8)
        return false;
    r->h.of = of ? of - 1 : UINT32_MAX;
    r->h.time = (int64_t)(t & 1 ? ~(t >> 1) : t >> 1);
    memcpy(&r->h.content, p, 8);
    p += 8;
    r->h.resemblance = r->h.containment = 0.0f;
    if (of) {
        if (end - p < 8)
            return false;
        memcpy(&r->h.resemblance, p, 4);
        memcpy(&r->h.containment, p + 4, 4);
        p += 8;
    }
    if ((size_t)(end - p) < (size_t)r->h.name_len + 1)
        return false;
    r->name = (const char *)p;
    r->fps = p + r->h.name_len;
    r->fps_size = (size_t)(end - r->fps);
    /* each code takes k + 1 bits at least: a count the bytes cannot hold is refused here */
    return r->fps[0] < 32 &&
           (uint64_t)r->h.nfp * (r->fps[0] + 1u) <= (uint64_t)(r->fps_size - 1) * 8;
}

rp_status rp_store_rec_fps(const rec *r, uint32_t **fps, size_t *cap)
{
    unsigned k = r->fps[0];
    bit_reader br = {r->fps + 1, r->fps + r->fps_size, 0, 0};
    uint64_t prev = 0;

    if (RP_GROW(*fps, *cap, (size_t)r->h.nfp + 1) != RP_OK)
        return RP_ENOMEM;
    uint64_t mask = (UINT64_C(1) << k) - 1;

    for (size_t i = 0; i < r->h.nfp; i++) {
        uint64_t q, gap;
        refill(&br);
        uint64_t zeros = ~br.acc;
        unsigned t = zeros ? (unsigned)__builtin_ctzll(zeros) : 64;
        if (t + 1 + k <= br.n) { /* the usual case: the whole code in the bits at hand */
            gap = (uint64_t)t << k | ((br.acc >> t >> 1) & mask); /* t + 1 may be 64 */
            skip_bits(&br, t + 1 + k);
        } else {
            if (!get_unary(&br, &q) || q > UINT32_MAX)
                return RP_EFORMAT;
            refill(&br);
            if (br.n < k)
                return RP_EFORMAT;
            gap = q << k | (br.acc & mask);
            skip_bits(&br, k);
        }
        uint64_t value = i ? prev + 1 + gap : gap;
        if (value > UINT32_MAX)
            return RP_EFORMAT;
        (*fps)[i] = (uint32_t)(prev = value);
    }
    return br.p == br.end && br.n < 8 ? RP_OK : RP_EFORMAT;
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
        rp_escape_json_string(out, v[i].id, strlen(v[i].id));
        fprintf(out, ",\"verdict\":\"%s\",\"of\":", rp_verdict_name(v[i].verdict));
        if (v[i].of)
            rp_escape_json_string(out, v[i].of, strlen(v[i].of));
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
