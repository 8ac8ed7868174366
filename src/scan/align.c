/*
 * align.c - seeds -> chains -> banded token alignment. Seeds of one document pair are chained
 * along diagonals with bounded gaps and drift; each chain's span is aligned globally in a band
 * (Needleman-Wunsch restricted to diagonals, as in banded Smith-Waterman / BLAST), then
 * extended beyond its outer seeds with X-drop (Zhang et al. 2000) so the ends of a passage the
 * seeds missed are found; ends stop on matching tokens. Overlapping results are merged.
 * Both DPs fill packed cells and skip the rows of exact runs (found 8 token hashes at a time);
 * the cell-by-cell fill stays as the reference they equal (docs/ARCHITECTURE.md, "Cost").
 */
#include "scan/align.h"

#include <stdlib.h>
#include <string.h>
#if defined(__SSE2__)
#include <emmintrin.h>
#endif
/* SSE4.1 for the narrow cells: built in, or taken at run time where the compiler can */
#if defined(__SSE4_1__) || (defined(__SSE2__) && (defined(__GNUC__) || defined(__clang__)) &&      \
                            (defined(__x86_64__) || defined(__i386__)))
#define RP_ALIGN_SSE41 1
#include <smmintrin.h>
#else
#define RP_ALIGN_SSE41 0
#endif

#define NEG (INT32_MIN / 2)
#define RP_ALIGN_ACTIVE_MAX 256 /* open chains kept at once (repeats inside one document) */
#define RP_ALIGN_BACKSCAN 32    /* earlier results checked for merging */

typedef struct cell {
    int32_t s;
    uint32_t m, c;
} cell;

/* Higher score; then more matches (at equal score an end reaches past a lone changed word);
 * then fewer columns. Symmetric in a and b. */
static inline int better(cell x, cell y)
{
    if (x.s != y.s)
        return x.s > y.s;
    if (x.m != y.m)
        return x.m > y.m;
    return x.c < y.c;
}

/* Higher score; then more matches; then fewer columns: for filling DP cells. */
static inline cell pick(cell x, cell y)
{
    if (x.s != y.s)
        return x.s > y.s ? x : y;
    if (x.m != y.m)
        return x.m > y.m ? x : y;
    return x.c <= y.c ? x : y;
}

static inline cell step(cell from, int32_t ds, uint32_t dm)
{
    if (from.s <= NEG)
        return (cell){NEG, 0, 0};
    return (cell){from.s + ds, from.m + dm, from.c + 1};
}

void rp_align_work_init(rp_align_work *work)
{
    memset(work, 0, sizeof(*work));
}

void rp_align_work_release(rp_align_work *work)
{
    rp_free(work->chains.items);
    rp_free(work->active);
    rp_free(work->cells);
    rp_free(work->dirs);
    rp_free(work->path);
    rp_hits_release(&work->cands);
    rp_hits_release(&work->pieces);
    rp_align_work_init(work);
}

void rp_hits_release(rp_hits *hits)
{
    rp_free(hits->items);
    rp_free(hits->gaps);
    memset(hits, 0, sizeof(*hits));
}

rp_status rp_hits_append(rp_hits *to, const rp_hit *h, const rp_hits *from)
{
    if (RP_GROW(to->items, to->cap, to->count + 1) != RP_OK)
        return RP_ENOMEM;
    if (h->gap_count && RP_GROW(to->gaps, to->gap_cap, to->gap_count + h->gap_count) != RP_OK)
        return RP_ENOMEM;
    rp_hit *n = &to->items[to->count++];
    *n = *h;
    n->gap_first = (uint32_t)to->gap_count;
    if (h->gap_count)
        memcpy(to->gaps + to->gap_count, from->gaps + h->gap_first, h->gap_count * sizeof(rp_token_gap));
    to->gap_count += h->gap_count;
    return RP_OK;
}

/* Makes room for n elements of elem bytes in *buf (capacity *cap, in bytes); keeps the
 * contents' first bytes, as realloc does. */
static rp_status grow_bytes(void **buf, size_t *cap, size_t n, size_t elem)
{
    size_t bytes;
    if (!rp_mul_ok(n, elem, &bytes))
        return RP_ENOMEM;
    if (bytes > *cap) {
        void *p = rp_realloc(*buf, bytes);
        if (!p)
            return RP_ENOMEM;
        *buf = p;
        *cap = bytes;
    }
    return RP_OK;
}

static rp_status cells_for(rp_align_work *work, size_t n, cell **out)
{
    if (grow_bytes(&work->cells, &work->cells_cap, n, sizeof(cell)) != RP_OK)
        return RP_ENOMEM;
    *out = work->cells;
    return RP_OK;
}

/* ---- chains ---- */

/* The open chain that seed s extends best (least drift, then nearest), or SIZE_MAX. */
static size_t best_chain(const rp_align_work *work, size_t active, const rp_seed *s, uint32_t k,
                         int same)
{
    size_t best = SIZE_MAX;
    int64_t best_drift = 0;
    for (size_t t = 0; t < active; t++) {
        const rp_chain *c = &work->chains.items[work->active[t]];
        if (s->pos_a <= c->last_a || s->pos_b <= c->last_b)
            continue;
        if (s->pos_a > c->last_a + k + RP_ALIGN_GAP || s->pos_b > c->last_b + k + RP_ALIGN_GAP)
            continue;
        if (same && s->pos_a + k > c->first_b)
            continue; /* the a side would reach into the b side */
        int64_t drift = ((int64_t)s->pos_b - s->pos_a) - ((int64_t)c->last_b - c->last_a);
        if (drift < 0)
            drift = -drift;
        if (drift <= RP_ALIGN_DRIFT && (best == SIZE_MAX || drift < best_drift)) {
            best = t;
            best_drift = drift;
        }
    }
    return best;
}

/* Drops open chains that no later seed (pos_a >= pa) can extend; keeps their order. */
static size_t expire(rp_align_work *work, size_t active, uint32_t pa, uint32_t k)
{
    size_t kept = 0;
    for (size_t t = 0; t < active; t++) {
        const rp_chain *c = &work->chains.items[work->active[t]];
        if ((uint64_t)c->last_a + k + RP_ALIGN_GAP >= pa)
            work->active[kept++] = work->active[t];
    }
    return kept;
}

static rp_status open_chain(rp_align_work *work, size_t *active, const rp_seed *s)
{
    rp_chains *ch = &work->chains;
    if (RP_GROW(ch->items, ch->cap, ch->count + 1) != RP_OK)
        return RP_ENOMEM;
    ch->items[ch->count] = (rp_chain){s->pos_a, s->pos_b, s->pos_a, s->pos_b, 1};
    if (*active == RP_ALIGN_ACTIVE_MAX) {
        memmove(work->active, work->active + 1, (*active - 1) * sizeof(size_t));
        (*active)--;
    }
    if (RP_GROW(work->active, work->active_cap, *active + 1) != RP_OK)
        return RP_ENOMEM;
    work->active[(*active)++] = ch->count++;
    return RP_OK;
}

rp_status rp_align_chain(const rp_options *opts, const rp_seed *seeds, size_t count,
                         rp_align_work *work)
{
    const uint32_t k = opts->shingle;
    size_t active = 0;

    work->chains.count = 0;
    for (size_t i = 0; i < count; i++) {
        const rp_seed *s = &seeds[i];
        int same = s->doc_a == s->doc_b;
        active = expire(work, active, s->pos_a, k);
        size_t t = best_chain(work, active, s, k, same);
        if (t == SIZE_MAX) {
            if (open_chain(work, &active, s) != RP_OK)
                return RP_ENOMEM;
            continue;
        }
        rp_chain *c = &work->chains.items[work->active[t]];
        c->last_a = s->pos_a;
        c->last_b = s->pos_b;
        c->seeds++;
    }
    return RP_OK;
}

/* ---- banded global alignment ---- */

/* One DP cell of the global band: prev row covers [plo, phi], cur row [lo, j). */
static cell global_cell(const cell *prev, const cell *cur, int64_t plo, int64_t phi, int64_t lo,
                        int64_t i, int64_t j, int eq)
{
    cell best = {NEG, 0, 0};
    if (j == 0)
        return (cell){(int32_t)-i, 0, (uint32_t)i};
    if (j - 1 >= plo && j - 1 <= phi)
        best = pick(best, step(prev[j - 1], eq ? 1 : -1, eq ? 1 : 0));
    if (j >= plo && j <= phi)
        best = pick(best, step(prev[j], -1, 0));
    if (j - 1 >= lo)
        best = pick(best, step(cur[j - 1], -1, 0));
    return best;
}

rp_status rp_align_global_cells(const uint32_t *a, uint32_t la, const uint32_t *b, uint32_t lb,
                                rp_align_work *work, uint32_t *matches, uint32_t *columns)
{
    int64_t diff = (int64_t)lb - la;
    int64_t dlo = (diff < 0 ? diff : 0) - RP_ALIGN_BAND, dhi = (diff > 0 ? diff : 0) + RP_ALIGN_BAND;
    cell *prev, *cur;

    if (la == 0 || lb == 0) {
        *matches = 0;
        *columns = la + lb;
        return RP_OK;
    }
    if (cells_for(work, 2 * ((size_t)lb + 1), &prev) != RP_OK)
        return RP_ENOMEM;
    cur = prev + lb + 1;
    int64_t plo = 0, phi = dhi < lb ? dhi : lb;
    for (int64_t j = 0; j <= phi; j++)
        prev[j] = (cell){(int32_t)-j, 0, (uint32_t)j};
    for (int64_t i = 1; i <= la; i++) {
        int64_t lo = i + dlo > 0 ? i + dlo : 0, hi = i + dhi < lb ? i + dhi : lb;
        for (int64_t j = lo; j <= hi; j++)
            cur[j] = global_cell(prev, cur, plo, phi, lo, i, j, j > 0 && a[i - 1] == b[j - 1]);
        cell *t = prev;
        prev = cur;
        cur = t;
        plo = lo;
        phi = hi;
    }
    *matches = prev[lb].m;
    *columns = prev[lb].c;
    return RP_OK;
}

/* ---- exact runs and packed scores ---- */

/* Tokens a[t] == b[t] from t = 0 on (at most n): 8 token hashes at a time. */
static size_t run_fwd(const uint32_t *a, const uint32_t *b, size_t n)
{
    size_t t = 0;
#if defined(__SSE2__)
    for (; t + 8 <= n; t += 8) {
        __m128i x0 = _mm_cmpeq_epi32(_mm_loadu_si128((const __m128i *)(a + t)),
                                     _mm_loadu_si128((const __m128i *)(b + t)));
        __m128i x1 = _mm_cmpeq_epi32(_mm_loadu_si128((const __m128i *)(a + t + 4)),
                                     _mm_loadu_si128((const __m128i *)(b + t + 4)));
        unsigned mask = (unsigned)_mm_movemask_epi8(_mm_and_si128(x0, x1));
        if (mask != 0xFFFFu)
            break;
    }
#endif
    while (t < n && a[t] == b[t])
        t++;
    return t;
}

/* Tokens a[-1 - t] == b[-1 - t] from t = 0 on (at most n): a and b point past their ends. */
static size_t run_bwd(const uint32_t *a, const uint32_t *b, size_t n)
{
    size_t t = 0;
#if defined(__SSE2__)
    for (; t + 8 <= n; t += 8) {
        __m128i x0 = _mm_cmpeq_epi32(_mm_loadu_si128((const __m128i *)(a - t - 4)),
                                     _mm_loadu_si128((const __m128i *)(b - t - 4)));
        __m128i x1 = _mm_cmpeq_epi32(_mm_loadu_si128((const __m128i *)(a - t - 8)),
                                     _mm_loadu_si128((const __m128i *)(b - t - 8)));
        unsigned mask = (unsigned)_mm_movemask_epi8(_mm_and_si128(x0, x1));
        if (mask != 0xFFFFu)
            break;
    }
#endif
    while (t < n && a[-1 - (ptrdiff_t)t] == b[-1 - (ptrdiff_t)t])
        t++;
    return t;
}

/*
 * A DP cell packed in one integer: score * 2^32 + matches, so that one comparison orders cells
 * as better() does (score, then matches; columns = 2 * matches - score, as every step adds
 * +1 score and +1 match, or -1 score). Scores stay far from INT32_MIN / 2 (NEG) only while
 * sides are short: longer ones take the reference cells above (RP_PACK_MAX).
 */
typedef int64_t pcell;
#define P_ONE ((int64_t)1 << 32)
#define P_MATCH (P_ONE + 1)
#define P_DEAD (INT64_MIN / 4)
#define P_SCORE(x) ((int32_t)((x) >> 32))
#define P_MATCHES(x) ((uint32_t)((uint64_t)(x) & 0xFFFFFFFFu))
#define RP_PACK_MAX (1u << 28) /* la + lb below this: scores stay above NEG */

static inline pcell pmax(pcell x, pcell y)
{
    return x > y ? x : y;
}

/* A cell of a row shaped as along a run (see "Along a run" below, here without the drop): k
 * columns right of the best cell v, v less k gaps; k left of it, v less 2k gaps and k matches. */
static inline pcell run_cell(int64_t k, pcell v)
{
    return k >= 0 ? v - k * P_ONE : v + 2 * k * P_ONE + k;
}

static inline int global_steady(const pcell *row, int64_t lo, int64_t hi, int64_t top, pcell v)
{
    for (int64_t j = lo; j <= hi; j++)
        if (row[j] != run_cell(j - top, v))
            return 0;
    return 1;
}

/* The band of rp_align_global_cells with packed cells, on sides that differ at both ends. */
static rp_status global_packed(const uint32_t *a, uint32_t la, const uint32_t *b, uint32_t lb,
                               rp_align_work *work, uint32_t *matches, uint32_t *columns)
{
    int64_t diff = (int64_t)lb - la;
    int64_t dlo = (diff < 0 ? diff : 0) - RP_ALIGN_BAND, dhi = (diff > 0 ? diff : 0) + RP_ALIGN_BAND;
    pcell *prev, *cur;

    if (grow_bytes(&work->cells, &work->cells_cap, 2 * ((size_t)lb + 2), sizeof(pcell)) != RP_OK)
        return RP_ENOMEM;
    prev = work->cells;
    cur = prev + lb + 2;
    int64_t phi = dhi < lb ? dhi : lb;
    for (int64_t j = 0; j <= phi; j++)
        prev[j] = -j * P_ONE;
    prev[phi + 1] = P_DEAD; /* the cell right of a row's band: no up step from it */
    for (int64_t i = 1; i <= la; i++) {
        int64_t lo = i + dlo > 0 ? i + dlo : 0, hi = i + dhi < lb ? i + dhi : lb;
        const uint32_t ta = a[i - 1];
        pcell left;
        int64_t j = lo;
        if (lo == 0) {
            left = cur[0] = -i * P_ONE;
            j = 1;
        } else {
            left = P_DEAD;
        }
        pcell diag = prev[j - 1], top_v = P_DEAD;
        int64_t top = j;
        for (; j <= hi; j++) {
            pcell up = prev[j];
            pcell x = diag + (ta == b[j - 1] ? P_MATCH : -P_ONE);
            x = pmax(x, pmax(up, left) - P_ONE);
            cur[j] = left = x;
            diag = up;
            top = x > top_v ? j : top;
            top_v = pmax(top_v, x);
        }
        cur[hi + 1] = P_DEAD;
        /* a row inside both sides, the same shape as a run's (the exact-run note above), the
         * next token pair on its best cell's diagonal matching: the run's rows are skipped */
        if (lo > 0 && i + dhi <= lb && i < la && top < lb && a[i] == b[top] &&
            global_steady(cur, lo, hi, top, top_v)) {
            int64_t n = la - i < lb - dhi - i ? la - i : lb - dhi - i;
            n = n > 0 ? (int64_t)run_fwd(a + i, b + top, (size_t)n) : 0;
            top_v += n * P_MATCH;
            for (j = lo + n; j <= hi + n; j++)
                cur[j] = run_cell(j - (top + n), top_v);
            cur[hi + n + 1] = P_DEAD;
            i += n;
        }
        pcell *t = prev;
        prev = cur;
        cur = t;
    }
    *matches = P_MATCHES(prev[lb]);
    *columns = 2 * P_MATCHES(prev[lb]) - (uint32_t)P_SCORE(prev[lb]);
    return RP_OK;
}

static rp_status global_band(const uint32_t *a, uint32_t la, const uint32_t *b, uint32_t lb,
                             rp_align_work *work, uint32_t *matches, uint32_t *columns);

/*
 * Same result as rp_align_global_cells. A common prefix and suffix are aligned token to token without
 * DP: where a[i-1] == b[j-1] a cell of the band always equals its diagonal neighbour plus a
 * match (in cost terms, with the other two steps never cheaper: dropping b's last token from
 * an alignment costs at most one gap), so the best path takes every leading and trailing match
 * and the band between keeps its diagonals (the sides lose as many tokens each).
 */
rp_status rp_align_global(const uint32_t *a, uint32_t la, const uint32_t *b, uint32_t lb,
                          rp_align_work *work, uint32_t *matches, uint32_t *columns)
{
    uint32_t n = la < lb ? la : lb;
    uint32_t pre, suf;

    if ((uint64_t)la + lb >= RP_PACK_MAX)
        return rp_align_global_cells(a, la, b, lb, work, matches, columns);
    pre = (uint32_t)run_fwd(a, b, n);
    suf = (uint32_t)run_bwd(a + la, b + lb, n - pre);
    la -= pre + suf;
    lb -= pre + suf;
    if (la == 0 || lb == 0) {
        *matches = pre + suf;
        *columns = pre + suf + la + lb;
        return RP_OK;
    }
    if (global_band(a + pre, la, b + pre, lb, work, matches, columns) != RP_OK)
        return RP_ENOMEM;
    *matches += pre + suf;
    *columns += pre + suf;
    return RP_OK;
}

/* ---- X-drop extension ---- */

typedef struct ext_res {
    uint32_t i, j, m, c;
} ext_res;

/* A side to extend: token t is seq[base + dir * t], for t < len. */
typedef struct side {
    const uint32_t *seq;
    int64_t base;
    int dir;
    uint32_t len;
} side;

static uint32_t at(const side *s, int64_t t)
{
    return s->seq[s->base + s->dir * t];
}

/* One row of the extension band; returns the row's best score. */
static int32_t ext_row(const side *a, const side *b, const cell *prev, cell *cur, int64_t i,
                       int32_t floor, cell *best, ext_res *res)
{
    const int W = 2 * RP_ALIGN_BAND + 1;
    int32_t rowmax = NEG;
    for (int d = 0; d < W; d++) {
        int64_t j = i + d - RP_ALIGN_BAND;
        cell x = {NEG, 0, 0};
        if (j == 0) {
            x = (cell){(int32_t)-i, 0, (uint32_t)i};
        } else if (j > 0 && j <= b->len) {
            int eq = at(a, i - 1) == at(b, j - 1);
            x = step(prev[d], eq ? 1 : -1, eq ? 1 : 0);
            if (d + 1 < W)
                x = pick(x, step(prev[d + 1], -1, 0));
            if (d > 0)
                x = pick(x, step(cur[d - 1], -1, 0));
        }
        if (x.s < floor)
            x = (cell){NEG, 0, 0};
        cur[d] = x;
        if (x.s > rowmax)
            rowmax = x.s;
        if (x.s > NEG && better(x, *best)) {
            *best = x;
            *res = (ext_res){(uint32_t)i, (uint32_t)j, x.m, x.c};
        }
    }
    return rowmax;
}

static ext_res extend_cells(const side *a, const side *b)
{
    enum { W = 2 * RP_ALIGN_BAND + 1 };
    cell rows[2][W], *prev = rows[0], *cur = rows[1];
    cell best = {0, 0, 0};
    ext_res res = {0, 0, 0, 0};

    for (int d = 0; d < W; d++) {
        int64_t j = d - RP_ALIGN_BAND;
        prev[d] = j >= 0 && j <= b->len ? (cell){(int32_t)-j, 0, (uint32_t)j} : (cell){NEG, 0, 0};
        if (prev[d].s < -RP_ALIGN_XDROP)
            prev[d].s = NEG;
    }
    for (int64_t i = 1; i <= a->len; i++) {
        if (ext_row(a, b, prev, cur, i, best.s - RP_ALIGN_XDROP, &best, &res) <= NEG)
            break;
        cell *t = prev;
        prev = cur;
        cur = t;
    }
    return res;
}

/*
 * Along a run. When a row's best cell v (column top) is the best so far, the cells right of it
 * are v less a gap each (dead from 10 on: under the drop) and the cells left of it v less two
 * gaps and a match each (dead from 5 on), and the next row's tokens match on v's diagonal,
 * the next row is the same shape one match higher: its best cell is the diagonal step, every
 * other cell takes its value from it by gaps (through the row, or down from the rows above),
 * a diagonal step into it scores no more whether its tokens match or not (a match from the
 * same shape lands on the same value), and the drop moves up by one with the best. So the rows
 * of an exact run on v's diagonal are skipped (8 token hashes compared at a time), their last
 * one written out whole.
 */
static inline pcell steady_cell(int64_t d, int64_t top, pcell v)
{
    int64_t k = d - top;
    if (k >= 0)
        return k <= RP_ALIGN_XDROP + 1 ? v - k * P_ONE : P_DEAD;
    k = -k;
    return 2 * k <= RP_ALIGN_XDROP + 1 ? v - 2 * k * P_ONE - k : P_DEAD;
}

static inline int steady(const pcell *row, int64_t top, pcell v)
{
    for (int64_t d = 0; d < 2 * RP_ALIGN_BAND + 1; d++)
        if (row[d] != steady_cell(d, top, v))
            return 0;
    return 1;
}

static inline void steady_row(pcell *row, int64_t top, pcell v)
{
    for (int64_t d = 0; d < 2 * RP_ALIGN_BAND + 1; d++)
        row[d] = steady_cell(d, top, v);
}

/* Rows after row i (all of whose band is inside b) whose tokens match on column top's
 * diagonal. */
static inline int64_t run_rows(const uint32_t *pa, uint32_t alen, const uint32_t *pb,
                               uint32_t blen, const int dir, int64_t i, int64_t top)
{
    const int64_t delta = top - RP_ALIGN_BAND; /* row r compares a[r - 1] with b[r - 1 + delta] */
    int64_t n = (int64_t)alen - i, nb = (int64_t)blen - RP_ALIGN_BAND - i;
    if (nb < n)
        n = nb;
    if (n <= 0)
        return 0;
    if (dir > 0)
        return (int64_t)run_fwd(pa + i, pb + i + delta, (size_t)n);
    return (int64_t)run_bwd(pa - i + 1, pb - (i + delta) + 1, (size_t)n);
}

/* Whether token t is among b's tokens lo .. hi (1-based, pb[dir * (j - 1)]; none when hi < lo):
 * they lie together in memory, compared 4 at a time. */
static inline unsigned band_has(const uint32_t *pb, const int dir, int64_t lo, int64_t hi,
                                uint32_t t)
{
    const int64_t n = hi - lo + 1;
    unsigned hit = 0;
    int64_t k = 0;
    if (n <= 0)
        return 0;
    const uint32_t *p = dir > 0 ? pb + (lo - 1) : pb - (hi - 1);
#if defined(__SSE2__)
    const __m128i vt = _mm_set1_epi32((int32_t)t);
    __m128i acc = _mm_setzero_si128();
    for (; k + 4 <= n; k += 4)
        acc = _mm_or_si128(acc, _mm_cmpeq_epi32(_mm_loadu_si128((const __m128i *)(p + k)), vt));
    hit = _mm_movemask_epi8(acc) != 0;
#endif
    for (; k < n; k++)
        hit |= p[k] == t;
    return hit;
}

/*
 * Whether an extension past row i (i >= BAND: no all-gap cells below) can only fade: a path
 * enters each row by one diagonal step at most, so a cell t rows on scores at most the row's
 * best r - t + 2 m, m the rows among those t with a matching token pair anywhere in the band.
 * When that stays under the best so far until it falls under the drop, no later cell is
 * better and the extension ends with what it has.
 */
static inline int fades(const uint32_t *pa, uint32_t alen, const uint32_t *pb, uint32_t blen,
                        const int dir, int64_t i, int64_t r, int64_t b)
{
    int64_t m = 0;
    for (int64_t t = 1; i + t <= alen; t++) {
        const int64_t row = i + t;
        const uint32_t ta = pa[dir * (row - 1)];
        int64_t lo = row - RP_ALIGN_BAND, hi = row + RP_ALIGN_BAND < blen ? row + RP_ALIGN_BAND : blen;
        unsigned hit = band_has(pb, dir, lo, hi, ta);
        m += hit;
        if (r - t + 2 * m >= b)
            return 0;
        if (r - t + 2 * m < b - RP_ALIGN_XDROP)
            return 1;
    }
    return 1; /* the rows end first */
}

/*
 * extend_cells with packed cells (same cells, same X-drop, same best cell: the first one of
 * the highest value in row order), dir a constant of each caller so that token steps are plain
 * pointer steps. Rows are W cells between two dead guards (d = -1 and d = W).
 */
static inline ext_res extend_packed(const uint32_t *pa, uint32_t alen, const uint32_t *pb,
                                    uint32_t blen, const int dir)
{
    enum { W = 2 * RP_ALIGN_BAND + 1 };
    pcell rows[2][W + 2], *prev = rows[0] + 1, *cur = rows[1] + 1;
    pcell best = 0;
    ext_res res = {0, 0, 0, 0};

    for (int d = -1; d <= W; d++) {
        int64_t j = d - RP_ALIGN_BAND;
        prev[d] = d >= 0 && d < W && j >= 0 && j <= blen ? -j * P_ONE : P_DEAD;
        cur[d] = P_DEAD;
    }
    for (int64_t i = 1; i <= alen; i++) {
        const pcell floor = ((int64_t)P_SCORE(best) - RP_ALIGN_XDROP) * P_ONE;
        const uint32_t ta = pa[dir * (i - 1)];
        /* cells with j < 0 or j > blen are dead; j == 0 (i <= BAND) is all gaps */
        int64_t first = i <= RP_ALIGN_BAND ? RP_ALIGN_BAND - i : 0;
        int64_t last = (int64_t)blen - i + RP_ALIGN_BAND;
        pcell rowmax = P_DEAD;
        if (last > W - 1)
            last = W - 1;
        for (int64_t d = 0; d < first; d++)
            cur[d] = P_DEAD;
        if (i <= RP_ALIGN_BAND) { /* never better than the start: it scores below 0 */
            pcell x = -i * P_ONE;
            rowmax = cur[first] = x < floor ? P_DEAD : x;
            first++;
        }
        const int64_t off = i - RP_ALIGN_BAND - 1; /* cell d compares b's token off + d */
        pcell left = cur[first - 1], diag = prev[first];
        for (int64_t d = first; d <= last; d++) {
            pcell up = prev[d + 1];
            pcell x = diag + (ta == pb[dir * (off + d)] ? P_MATCH : -P_ONE);
            x = pmax(x, pmax(up, left) - P_ONE);
            x = x < floor ? P_DEAD : x;
            cur[d] = left = x;
            rowmax = pmax(rowmax, x);
            diag = up;
        }
        int64_t top = -1;
        if (rowmax > best) { /* the row's first cell of that value */
            top = first;
            while (cur[top] != rowmax)
                top++;
            best = rowmax;
            res.i = (uint32_t)i;
            res.j = (uint32_t)(i + top - RP_ALIGN_BAND);
        }
        for (int64_t d = last + 1 > first ? last + 1 : first; d < W; d++)
            cur[d] = P_DEAD;
        if (rowmax == P_DEAD || (i >= RP_ALIGN_BAND && P_SCORE(rowmax) <= P_SCORE(best) - 2 &&
                                 fades(pa, alen, pb, blen, dir, i, P_SCORE(rowmax), P_SCORE(best))))
            break;
        pcell *t = prev;
        prev = cur;
        cur = t;
        if (top >= 0 && i > RP_ALIGN_BAND && steady(prev, top, best)) {
            int64_t n = run_rows(pa, alen, pb, blen, dir, i, top);
            if (n > 0) {
                i += n;
                best += n * P_MATCH;
                res.i = (uint32_t)i;
                res.j = (uint32_t)(i + top - RP_ALIGN_BAND);
                steady_row(prev, top, best);
            }
        }
    }
    res.m = P_MATCHES(best);
    res.c = 2 * res.m - (uint32_t)P_SCORE(best);
    return res;
}

/*
 * Narrow cells. While the sides are short (la + lb, or an extension's rows, under
 * RP_NARROW_MAX) a packed cell fits 32 bits as score * 2^15 + matches (|score| < 2^14,
 * matches < 2^15), the same order, so four cells of a row go in one SSE2 register. A row is
 * then filled four cells at a time (align_narrow.h, made once with SSE2 and once with SSE4.1's
 * pmaxsd, taken when the processor has it): each cell's best of the diagonal and up steps, then the
 * left steps as a running maximum (cell t takes cell t - s less s gaps: shifts by one and by
 * two cells, then the cell before the four less 1 to 4 gaps). A running maximum taken before
 * an extension's X-drop floor is applied gives the cells the floor gives cell by cell: a cell
 * under the floor passes on less than the floor to its right.
 */
#if defined(__SSE2__)
typedef int32_t ncell;
#define N_ONE ((int32_t)1 << 15)
#define N_MATCH (N_ONE + 1)
#define N_DEAD (-((int32_t)1 << 30))
#define N_SCORE(x) ((x) >> 15)
#define N_MATCHES(x) ((uint32_t)(x)&0x7FFFu)
#define RP_NARROW_MAX (1u << 14)

/* SSE2 has no 32-bit maximum */
static inline __m128i nmax_sse2(__m128i x, __m128i y)
{
    __m128i gt = _mm_cmpgt_epi32(x, y);
    return _mm_or_si128(_mm_and_si128(gt, x), _mm_andnot_si128(gt, y));
}

static inline ncell nmax1(ncell x, ncell y)
{
    return x > y ? x : y;
}

static inline ncell narrow_run_cell(int64_t k, ncell v)
{
    return (ncell)(k >= 0 ? v - k * N_ONE : v + 2 * k * N_ONE + k);
}

static inline int narrow_global_steady(const ncell *row, int64_t lo, int64_t hi, int64_t top,
                                       ncell v)
{
    for (int64_t j = lo; j <= hi; j++)
        if (row[j] != narrow_run_cell(j - top, v))
            return 0;
    return 1;
}

static inline ncell narrow_steady_cell(int64_t d, int64_t top, ncell v)
{
    int64_t k = d - top;
    if (k >= 0)
        return k <= RP_ALIGN_XDROP + 1 ? (ncell)(v - k * N_ONE) : N_DEAD;
    k = -k;
    return 2 * k <= RP_ALIGN_XDROP + 1 ? (ncell)(v - 2 * k * N_ONE - k) : N_DEAD;
}

static inline int narrow_steady(const ncell *row, int64_t top, ncell v)
{
    for (int64_t d = 0; d < 2 * RP_ALIGN_BAND + 1; d++)
        if (row[d] != narrow_steady_cell(d, top, v))
            return 0;
    return 1;
}

#define NARROW_FN(name) name##_sse2
#define NARROW_TARGET
#define NARROW_MAX nmax_sse2
#define NARROW_KILL(m, dead, x) _mm_or_si128(_mm_and_si128(m, dead), _mm_andnot_si128(m, x))
#include "scan/align_narrow.h"
#undef NARROW_FN
#undef NARROW_TARGET
#undef NARROW_MAX
#undef NARROW_KILL
#if RP_ALIGN_SSE41
#define NARROW_FN(name) name##_sse41
#define NARROW_TARGET __attribute__((target("sse4.1")))
#define NARROW_MAX _mm_max_epi32
#define NARROW_KILL(m, dead, x) _mm_blendv_epi8(x, dead, m)
#include "scan/align_narrow.h"
#undef NARROW_FN
#undef NARROW_TARGET
#undef NARROW_MAX
#undef NARROW_KILL
#endif

static bool narrow_sse2_only;

void rp_align_narrow_sse2_only(bool on)
{
    narrow_sse2_only = on;
}

/* Whether the narrow cells take SSE4.1's 32-bit maximum. */
static inline bool narrow_sse41(void)
{
#if defined(__SSE4_1__)
    return !narrow_sse2_only;
#elif RP_ALIGN_SSE41
    return !narrow_sse2_only && __builtin_cpu_supports("sse4.1");
#else
    return false;
#endif
}
#else
void rp_align_narrow_sse2_only(bool on)
{
    (void)on;
}
#endif

static bool narrow_off;

void rp_align_narrow_off(bool on)
{
    narrow_off = on;
}

/* Which cells fill a band of this length (la + lb, or an extension's rows). */
typedef enum { CELLS_WIDE, CELLS_NARROW_SSE2, CELLS_NARROW_SSE41 } cells_kind;

static inline cells_kind band_cells(uint64_t len)
{
#if defined(__SSE2__)
    if (!narrow_off && len < RP_NARROW_MAX)
        return narrow_sse41() ? CELLS_NARROW_SSE41 : CELLS_NARROW_SSE2;
#endif
    (void)len;
    return CELLS_WIDE;
}

/* The band between a common prefix and suffix: narrow cells while the sides are short. */
static rp_status global_band(const uint32_t *a, uint32_t la, const uint32_t *b, uint32_t lb,
                             rp_align_work *work, uint32_t *matches, uint32_t *columns)
{
    switch (band_cells((uint64_t)la + lb)) {
#if RP_ALIGN_SSE41
    case CELLS_NARROW_SSE41: return global_narrow_sse41(a, la, b, lb, work, matches, columns);
#endif
#if defined(__SSE2__)
    case CELLS_NARROW_SSE2: return global_narrow_sse2(a, la, b, lb, work, matches, columns);
#endif
    default: return global_packed(a, la, b, lb, work, matches, columns);
    }
}

/* Whether no token pair compared in rows 1 .. XDROP + 1 of an extension band matches: then
 * every cell there scores at most -max(i, j) (all its columns mismatches or gaps), none beats
 * the start, and row XDROP + 1 is all below the drop: the extension takes nothing. */
static inline int no_match_window(const uint32_t *pa, uint32_t alen, const uint32_t *pb,
                                  uint32_t blen, const int dir)
{
    const int64_t rows = alen < RP_ALIGN_XDROP + 1 ? alen : RP_ALIGN_XDROP + 1;
    unsigned hit = 0;
    for (int64_t i = 1; i <= rows; i++) {
        const uint32_t ta = pa[dir * (i - 1)];
        int64_t lo = i - RP_ALIGN_BAND > 1 ? i - RP_ALIGN_BAND : 1;
        int64_t hi = i + RP_ALIGN_BAND < blen ? i + RP_ALIGN_BAND : blen;
        hit |= band_has(pb, dir, lo, hi, ta);
    }
    return !hit;
}

/* An extension past its leading run: narrow cells while a's side is short. */
static inline ext_res extend_band(const uint32_t *pa, uint32_t alen, const uint32_t *pb,
                                  uint32_t blen, const int dir)
{
    switch (band_cells(alen)) {
#if RP_ALIGN_SSE41
    case CELLS_NARROW_SSE41: return extend_narrow_sse41(pa, alen, pb, blen, dir);
#endif
#if defined(__SSE2__)
    case CELLS_NARROW_SSE2: return extend_narrow_sse2(pa, alen, pb, blen, dir);
#endif
    default: return extend_packed(pa, alen, pb, blen, dir);
    }
}

/*
 * An extension takes the run of matching tokens it starts with as they are and extends afresh
 * from the run's end: there the run's last cell is the best so far (no other cell scores as
 * much), every cell beyond the run on both sides is the run's score plus the fresh
 * extension's cell (its best path may take the run: dropping a leading match never helps, so
 * cells that left the run early are never better and are dropped as the fresh ones are), and
 * cells that left it early on the way are never better than the run's end: the result is the
 * run plus the fresh extension's. A fresh extension whose first rows hold no match is empty.
 */
static inline ext_res extend_runs(const uint32_t *pa, uint32_t alen, const uint32_t *pb,
                                  uint32_t blen, const int dir)
{
    uint32_t n = alen < blen ? alen : blen;
    uint32_t r = (uint32_t)(dir > 0 ? run_fwd(pa, pb, n) : run_bwd(pa + 1, pb + 1, n));
    ext_res x = {0, 0, 0, 0};
    if (r < n) {
        pa += dir * (int64_t)r;
        pb += dir * (int64_t)r;
        if (!no_match_window(pa, alen - r, pb, blen - r, dir))
            x = extend_band(pa, alen - r, pb, blen - r, dir);
    }
    x.i += r;
    x.j += r;
    x.m += r;
    x.c += r;
    return x;
}

static ext_res extend(const side *a, const side *b);

rp_align_ext rp_align_extend(const uint32_t *a, int64_t a_base, uint32_t a_len, const uint32_t *b,
                             int64_t b_base, uint32_t b_len, int dir, bool cells)
{
    side sa = {a, a_base, dir, a_len}, sb = {b, b_base, dir, b_len};
    ext_res r = cells ? extend_cells(&sa, &sb) : extend(&sa, &sb);
    return (rp_align_ext){r.i, r.j, r.m, r.c};
}

static ext_res extend(const side *a, const side *b)
{
    if ((uint64_t)a->len + b->len >= RP_PACK_MAX)
        return extend_cells(a, b);
    if (a->dir > 0)
        return extend_runs(a->seq + a->base, a->len, b->seq + b->base, b->len, 1);
    return extend_runs(a->seq + a->base, a->len, b->seq + b->base, b->len, -1);
}

/* ---- one pair ---- */

static double hit_identity(const rp_hit *h)
{
    return h->columns ? (double)h->matches / h->columns : 0.0;
}

/* ---- the columns of a banded global alignment (for trimming) ---- */

enum { DIR_DIAG, DIR_UP, DIR_LEFT }; /* UP: a advances alone; LEFT: b advances alone */

/* One column of an alignment path: the tokens of each side before it, and whether it is a
 * matching pair. */
typedef struct column {
    uint32_t a, b;
    uint32_t match;
    int64_t sum; /* sum of column scores before it (trimming) */
} column;

/* One DP row of global_path, recording each cell's predecessor in dir. */
static void path_row(const uint32_t *a, const uint32_t *b, const cell *prev, cell *cur,
                     unsigned char *dir, int64_t i, int64_t lo, int64_t hi, int64_t plo,
                     int64_t phi, int64_t dlo)
{
    for (int64_t j = lo; j <= hi; j++) {
        unsigned char *d = &dir[j - (i + dlo)];
        if (j == 0) {
            cur[0] = (cell){(int32_t)-i, 0, (uint32_t)i};
            *d = DIR_UP;
            continue;
        }
        int eq = a[i - 1] == b[j - 1];
        cell best = {NEG, 0, 0}, x;
        *d = DIR_DIAG;
        if (j - 1 >= plo && j - 1 <= phi)
            best = step(prev[j - 1], eq ? 1 : -1, eq ? 1 : 0);
        if (j >= plo && j <= phi && better(x = step(prev[j], -1, 0), best)) {
            best = x;
            *d = DIR_UP;
        }
        if (j - 1 >= lo && better(x = step(cur[j - 1], -1, 0), best)) {
            best = x;
            *d = DIR_LEFT;
        }
        cur[j] = best;
    }
}

/* The columns of the banded global alignment of a[0, la) with b[0, lb) (scored as
 * rp_align_global scores them) into work->path, in order; *n_out columns. */
static rp_status global_path(const uint32_t *a, uint32_t la, const uint32_t *b, uint32_t lb,
                             rp_align_work *work, size_t *n_out)
{
    int64_t diff = (int64_t)lb - la;
    int64_t dlo = (diff < 0 ? diff : 0) - RP_ALIGN_BAND, dhi = (diff > 0 ? diff : 0) + RP_ALIGN_BAND;
    size_t w = (size_t)(dhi - dlo + 1), cells;
    cell *prev, *cur;

    if (!rp_mul_ok((size_t)la + 1, w, &cells) ||
        grow_bytes((void **)&work->dirs, &work->dirs_cap, cells, 1) != RP_OK ||
        grow_bytes(&work->path, &work->path_cap, (size_t)la + lb + 1, sizeof(column)) != RP_OK ||
        cells_for(work, 2 * ((size_t)lb + 1), &prev) != RP_OK)
        return RP_ENOMEM;
    cur = prev + lb + 1;
    int64_t plo = 0, phi = dhi < lb ? dhi : lb;
    for (int64_t j = 0; j <= phi; j++) {
        prev[j] = (cell){(int32_t)-j, 0, (uint32_t)j};
        work->dirs[j - dlo] = DIR_LEFT;
    }
    for (int64_t i = 1; i <= la; i++) {
        int64_t lo = i + dlo > 0 ? i + dlo : 0, hi = i + dhi < lb ? i + dhi : lb;
        path_row(a, b, prev, cur, work->dirs + (size_t)i * w, i, lo, hi, plo, phi, dlo);
        cell *t = prev;
        prev = cur;
        cur = t;
        plo = lo;
        phi = hi;
    }
    column *col = work->path;
    size_t n = 0;
    for (int64_t i = la, j = lb; i > 0 || j > 0; n++) {
        unsigned char d = work->dirs[(size_t)i * w + (size_t)(j - (i + dlo))];
        int da = d != DIR_LEFT, db = d != DIR_UP;
        col[n].match = da && db && a[i - 1] == b[j - 1];
        i -= da;
        j -= db;
        col[n].a = (uint32_t)i;
        col[n].b = (uint32_t)j;
    }
    for (size_t x = 0; x < n / 2; x++) {
        column t = col[x];
        col[x] = col[n - 1 - x];
        col[n - 1 - x] = t;
    }
    *n_out = n;
    return RP_OK;
}

/* ---- trimming: the longest stretches of an alignment whose identity passes ---- */

/* Identity >= t over columns [s, e) <=> sum of (match ? 1 - t : -t) >= 0: scores in units of
 * 1/RP_TRIM_SCALE so that the sums are exact. */
#define RP_TRIM_SCALE 1000000

/* The longest [s, e) within [lo, hi) whose score sum is >= 0 (col[x].sum is the sum before
 * column x; col[hi].sum must be set): prefix minima as starts, suffix maxima as ends, two
 * pointers. Returns its length, 0 when none. */
static size_t longest_passing(const column *col, size_t lo, size_t hi, size_t *s_out,
                              size_t *scratch)
{
    size_t *starts = scratch, *ends = scratch + (hi - lo + 1), ns = 0, ne = 0, best = 0;
    for (size_t x = lo; x <= hi; x++)
        if (ns == 0 || col[x].sum < col[starts[ns - 1]].sum)
            starts[ns++] = x;
    for (size_t x = hi + 1; x-- > lo;)
        if (ne == 0 || col[x].sum > col[ends[ne - 1]].sum)
            ends[ne++] = x;
    for (size_t l = 0, r = ne; l < r; l++, r--) { /* ends in increasing position */
        size_t t = ends[l];
        ends[l] = ends[r - 1];
        ends[r - 1] = t;
    }
    size_t j = 0;
    for (size_t i = 0; i < ns; i++) {
        int64_t p = col[starts[i]].sum;
        if (col[ends[0]].sum < p)
            continue;
        while (j + 1 < ne && col[ends[j + 1]].sum >= p)
            j++;
        if (ends[j] > starts[i] && ends[j] - starts[i] > best) {
            best = ends[j] - starts[i];
            *s_out = starts[i];
        }
    }
    return best;
}

/* Cuts hit h (identity below min_identity) into its longest stretches that pass, each with at
 * least min_tokens tokens on both sides and starting and ending on matching tokens, appended
 * to work->pieces. */
static rp_status trim(const rp_hit *h, const uint32_t *a, const uint32_t *b,
                      const rp_options *opts, rp_align_work *work)
{
    size_t n, *stack = NULL, *scratch = NULL, depth = 0;
    const int64_t t = (int64_t)(opts->min_identity * RP_TRIM_SCALE + 0.5);
    rp_status st = global_path(a + h->a_start, h->a_end - h->a_start, b + h->b_start,
                               h->b_end - h->b_start, work, &n);
    if (st != RP_OK)
        return st;
    column *col = work->path;
    col[n] = (column){h->a_end - h->a_start, h->b_end - h->b_start, 0, 0};
    col[0].sum = 0;
    for (size_t x = 0; x < n; x++)
        col[x + 1].sum = col[x].sum + (col[x].match ? RP_TRIM_SCALE - t : -t);
    stack = rp_malloc(2 * (n + 1) * sizeof(size_t));
    scratch = rp_malloc(2 * (n + 2) * sizeof(size_t));
    if (!stack || !scratch) {
        st = RP_ENOMEM;
        goto done;
    }
    stack[depth++] = 0;
    stack[depth++] = n;
    while (st == RP_OK && depth > 0) {
        size_t hi = stack[--depth], lo = stack[--depth], s = 0, e, len;
        if (hi - lo < opts->min_tokens || (len = longest_passing(col, lo, hi, &s, scratch)) == 0)
            continue;
        e = s + len;
        while (s < e && !col[s].match)
            s++;
        while (e > s && !col[e - 1].match)
            e--;
        uint32_t m = 0;
        for (size_t x = s; x < e; x++)
            m += col[x].match;
        rp_hit p = *h;
        p.a_start = h->a_start + col[s].a;
        p.b_start = h->b_start + col[s].b;
        p.a_end = h->a_start + col[e].a;
        p.b_end = h->b_start + col[e].b;
        p.matches = m;
        p.columns = (uint32_t)(e - s);
        p.gap_count = 0;
        p.status = RP_HIT_REPORTED;
        if (e <= s || p.a_end - p.a_start < opts->min_tokens ||
            p.b_end - p.b_start < opts->min_tokens || hit_identity(&p) < opts->min_identity)
            continue; /* the longest passing stretch is too short: so is every other */
        st = rp_hits_append(&work->pieces, &p, &work->pieces);
        stack[depth++] = lo;
        stack[depth++] = s;
        stack[depth++] = e;
        stack[depth++] = hi;
    }
done:
    rp_free(stack);
    rp_free(scratch);
    return st;
}

/* Tokens an ungapped X-drop extension of the seed at (pa, pb) spans, seed included: a cheap
 * test that spares the gapped alignment for the many one-seed chance matches (a common
 * phrase), while a real passage with at most substituted words nearby passes. */
static uint32_t ungapped_span(const uint32_t *a, uint32_t na, const uint32_t *b, uint32_t nb,
                              uint32_t pa, uint32_t pb, uint32_t k, uint32_t a_lim)
{
    uint32_t span = k;
    for (int dir = -1; dir <= 1; dir += 2) {
        int32_t score = 0, best = 0;
        uint32_t len = 0, best_len = 0;
        for (;;) {
            int64_t i = dir > 0 ? (int64_t)pa + k + len : (int64_t)pa - 1 - len;
            int64_t j = dir > 0 ? (int64_t)pb + k + len : (int64_t)pb - 1 - len;
            if (i < 0 || j < 0 || i >= (dir > 0 ? a_lim : na) || j >= nb)
                break;
            score += a[i] == b[j] ? 1 : -1;
            len++;
            if (score > best) {
                best = score;
                best_len = len;
            } else if (score < best - RP_ALIGN_XDROP / 2) {
                break;
            }
        }
        span += best_len;
    }
    return span;
}

/* Aligns a chain's span, then extends both ends. */
static rp_status chain_hit(const rp_chain *c, uint32_t k, const uint32_t *a, uint32_t na,
                           const uint32_t *b, uint32_t nb, int same, rp_align_work *work,
                           rp_hit *h)
{
    h->a_start = c->first_a;
    h->a_end = c->last_a + k;
    h->b_start = c->first_b;
    h->b_end = c->last_b + k;
    h->seeds = c->seeds;
    if (rp_align_global(a + h->a_start, h->a_end - h->a_start, b + h->b_start,
                        h->b_end - h->b_start, work, &h->matches, &h->columns) != RP_OK)
        return RP_ENOMEM;
    side ra = {a, h->a_end, 1, (same ? h->b_start : na) - h->a_end};
    side rb = {b, h->b_end, 1, nb - h->b_end};
    ext_res r = extend(&ra, &rb);
    h->a_end += r.i;
    h->b_end += r.j;
    side la = {a, (int64_t)h->a_start - 1, -1, h->a_start};
    side lb = {b, (int64_t)h->b_start - 1, -1, h->b_start - (same ? h->a_end : 0)};
    ext_res l = extend(&la, &lb);
    h->a_start -= l.i;
    h->b_start -= l.j;
    h->matches += r.m + l.m;
    h->columns += r.c + l.c;
    return RP_OK;
}

static int hit_cmp(const void *pa, const void *pb)
{
    const rp_hit *x = pa, *y = pb;
    if (x->a_start != y->a_start)
        return x->a_start < y->a_start ? -1 : 1;
    if (x->b_start != y->b_start)
        return x->b_start < y->b_start ? -1 : 1;
    if (x->a_end != y->a_end)
        return x->a_end < y->a_end ? -1 : 1;
    return x->b_end < y->b_end ? -1 : x->b_end > y->b_end;
}

/* Folds y into x when both sides overlap: the union box re-aligned when it passes (or when
 * neither passes: trimming may still find what does). Otherwise no alignment that passes on
 * its own is lost: both stay when both pass, else the one that passes. Inside one document, a
 * union whose sides would overlap is a tandem repeat (copies back to back): x and y are two of
 * its copy pairs and both stay, so every copy is linked. */
static rp_status merge(rp_hit *x, rp_hit *y, const uint32_t *a, const uint32_t *b, int same,
                       const rp_options *opts, rp_align_work *work)
{
    rp_hit u = *x;
    u.a_start = x->a_start < y->a_start ? x->a_start : y->a_start;
    u.a_end = x->a_end > y->a_end ? x->a_end : y->a_end;
    u.b_start = x->b_start < y->b_start ? x->b_start : y->b_start;
    u.b_end = x->b_end > y->b_end ? x->b_end : y->b_end;
    u.seeds = x->seeds + y->seeds;
    if (same && u.a_end > u.b_start)
        return RP_OK; /* neighbouring copies of a passage repeated back to back: both stay */
    if (rp_align_global(a + u.a_start, u.a_end - u.a_start, b + u.b_start, u.b_end - u.b_start,
                        work, &u.matches, &u.columns) != RP_OK)
        return RP_ENOMEM;
    int xp = hit_identity(x) >= opts->min_identity, yp = hit_identity(y) >= opts->min_identity;
    if (hit_identity(&u) >= opts->min_identity || (!xp && !yp)) {
        *x = u;
        y->status = RP_HIT_MERGED;
        return RP_OK;
    }
    if (xp && yp)
        return RP_OK;
    if (yp) {
        rp_hit t = *x;
        *x = *y;
        *y = t;
    }
    y->status = RP_HIT_MERGED;
    return RP_OK;
}

/* Diagonals (b - a) a hit runs along: from its start to its end. */
static void diag_range(const rp_hit *h, int64_t *lo, int64_t *hi)
{
    int64_t d0 = (int64_t)h->b_start - h->a_start, d1 = (int64_t)h->b_end - h->a_end;
    *lo = d0 < d1 ? d0 : d1;
    *hi = d0 < d1 ? d1 : d0;
}

/* Two hits that overlap are one passage only when they run along nearby diagonals; otherwise
 * they are different copies (a repeat) that happen to touch. */
static int same_diagonals(const rp_hit *x, const rp_hit *y)
{
    int64_t xl, xh, yl, yh;
    diag_range(x, &xl, &xh);
    diag_range(y, &yl, &yh);
    return xl <= yh + RP_ALIGN_DRIFT && yl <= xh + RP_ALIGN_DRIFT;
}

/* Merges results that overlap on both sides (sorted by a_start): later ones fold into earlier. */
static rp_status merge_all(rp_hits *cands, const uint32_t *a, const uint32_t *b, int same,
                           const rp_options *opts, rp_align_work *work)
{
    for (size_t i = 0; i < cands->count; i++) {
        rp_hit *y = &cands->items[i];
        size_t stop = i > RP_ALIGN_BACKSCAN ? i - RP_ALIGN_BACKSCAN : 0;
        for (size_t t = i; t-- > stop;) {
            rp_hit *x = &cands->items[t];
            if (x->status == RP_HIT_MERGED)
                continue;
            if (x->a_end > y->a_start && y->a_end > x->a_start && x->b_end > y->b_start &&
                y->b_end > x->b_start && same_diagonals(x, y)) {
                if (merge(x, y, a, b, same, opts, work) != RP_OK)
                    return RP_ENOMEM;
                break;
            }
        }
    }
    return RP_OK;
}

/* Whether y continues x's copy across a gap: y lies after x on both sides (they may touch or
 * overlap by less than a band), both pass min_identity, together they hold min_tokens on each
 * side, and the gap is at most rp_align_gap_limit of the joined copy. *gap: its length. */
static int bridgeable(const rp_hit *x, const rp_hit *y, int same, const rp_options *opts,
                      uint32_t *gap)
{
    int64_t ga = (int64_t)y->a_start - x->a_end, gb = (int64_t)y->b_start - x->b_end;
    if (y->a_start < x->a_start || y->b_start < x->b_start || y->a_end <= x->a_end ||
        y->b_end <= x->b_end || ga < -RP_ALIGN_BAND || gb < -RP_ALIGN_BAND)
        return 0;
    if (hit_identity(x) < opts->min_identity || hit_identity(y) < opts->min_identity)
        return 0;
    uint32_t g = (uint32_t)(ga > gb ? (ga > 0 ? ga : 0) : (gb > 0 ? gb : 0));
    uint32_t la = y->a_end - x->a_start, lb = y->b_end - x->b_start;
    uint32_t copy = la > lb ? la : lb;
    if (g > rp_align_gap_limit(copy) || la - (ga > 0 ? ga : 0) < opts->min_tokens ||
        lb - (gb > 0 ? gb : 0) < opts->min_tokens)
        return 0;
    if (same && y->a_end > x->b_start)
        return 0; /* one document: the a side would reach into the b side */
    *gap = g;
    return 1;
}

/* x takes y in: its span runs on to y's end, the unaligned stretch between them is x's next
 * gap (x's gaps are copied to the end of the list first, so that they stay consecutive). */
static rp_status bridge(rp_hits *c, rp_hit *x, rp_hit *y)
{
    const int ga = y->a_start > x->a_end, gb = y->b_start > x->b_end;
    size_t need = c->gap_count + x->gap_count + 1 + y->gap_count;
    if (RP_GROW(c->gaps, c->gap_cap, need) != RP_OK)
        return RP_ENOMEM;
    rp_token_gap *g = c->gaps + c->gap_count;
    memmove(g, c->gaps + x->gap_first, x->gap_count * sizeof(rp_token_gap));
    size_t n = x->gap_count;
    if (ga || gb)
        g[n++] = (rp_token_gap){x->a_end, ga ? y->a_start : x->a_end, x->b_end, gb ? y->b_start : x->b_end};
    memmove(g + n, c->gaps + y->gap_first, y->gap_count * sizeof(rp_token_gap));
    n += y->gap_count;
    x->gap_first = (uint32_t)c->gap_count;
    x->gap_count = (uint32_t)n;
    c->gap_count += n;
    x->a_end = y->a_end;
    x->b_end = y->b_end;
    x->matches += y->matches;
    x->columns += y->columns;
    x->seeds += y->seeds;
    y->status = RP_HIT_BRIDGED;
    return RP_OK;
}

/* Bridges each result (in a_start order) to the earlier one it continues across the
 * smallest gap. */
static rp_status bridge_all(rp_hits *cands, int same, const rp_options *opts)
{
    for (size_t i = 0; i < cands->count; i++) {
        size_t best = SIZE_MAX, stop = i > RP_ALIGN_BACKSCAN ? i - RP_ALIGN_BACKSCAN : 0;
        uint32_t best_gap = 0, g;
        if (cands->items[i].status != RP_HIT_REPORTED)
            continue;
        for (size_t t = i; t-- > stop;) {
            const rp_hit *x = &cands->items[t];
            if (x->status == RP_HIT_REPORTED && bridgeable(x, &cands->items[i], same, opts, &g) &&
                (best == SIZE_MAX || g < best_gap)) {
                best = t;
                best_gap = g;
            }
        }
        if (best != SIZE_MAX && bridge(cands, &cands->items[best], &cands->items[i]) != RP_OK)
            return RP_ENOMEM;
    }
    return RP_OK;
}

static rp_hit_status judge(const rp_hit *h, int same, const rp_options *opts)
{
    if (h->status != RP_HIT_REPORTED)
        return h->status;
    if (same && h->a_end > h->b_start)
        return RP_HIT_OVERLAP;
    if (h->a_end - h->a_start < opts->min_tokens || h->b_end - h->b_start < opts->min_tokens)
        return RP_HIT_SHORT;
    if (hit_identity(h) < opts->min_identity)
        return RP_HIT_LOW_IDENTITY;
    return RP_HIT_REPORTED;
}

/* Judges each result; one below min_identity is trimmed to the pieces that pass. */
static rp_status judge_all(const rp_hits *cands, const uint32_t *a, const uint32_t *b, int same,
                           const rp_options *opts, bool keep_rejected, rp_align_work *work,
                           rp_hits *out)
{
    for (size_t i = 0; i < cands->count; i++) {
        rp_hit h = cands->items[i];
        h.status = judge(&h, same, opts);
        work->pieces.count = work->pieces.gap_count = 0;
        if (h.status == RP_HIT_LOW_IDENTITY) {
            if (trim(&h, a, b, opts, work) != RP_OK)
                return RP_ENOMEM;
            if (work->pieces.count)
                h.status = RP_HIT_TRIMMED;
        }
        if ((h.status == RP_HIT_REPORTED || keep_rejected) &&
            rp_hits_append(out, &h, cands) != RP_OK)
            return RP_ENOMEM;
        for (size_t p = 0; p < work->pieces.count; p++)
            if (rp_hits_append(out, &work->pieces.items[p], &work->pieces) != RP_OK)
                return RP_ENOMEM;
    }
    return RP_OK;
}

rp_status rp_align_pair(const rp_options *opts, const uint32_t *a, uint32_t na,
                        const uint32_t *b, uint32_t nb, const rp_seed *seeds, size_t count,
                        bool keep_rejected, rp_align_work *work, rp_hits *out)
{
    rp_hits *cands = &work->cands;
    int same;

    if (count == 0)
        return RP_OK;
    same = seeds[0].doc_a == seeds[0].doc_b;
    /* Most pairs hold one chance seed: test it before any chaining work. */
    if (count == 1 && !keep_rejected &&
        ungapped_span(a, na, b, nb, seeds[0].pos_a, seeds[0].pos_b, opts->shingle,
                      same ? seeds[0].pos_b : na) < opts->min_tokens)
        return RP_OK;
    if (rp_align_chain(opts, seeds, count, work) != RP_OK)
        return RP_ENOMEM;
    cands->count = cands->gap_count = 0;
    if (RP_GROW(cands->items, cands->cap, work->chains.count) != RP_OK)
        return RP_ENOMEM;
    for (size_t i = 0; i < work->chains.count; i++) {
        const rp_chain *c = &work->chains.items[i];
        if (!keep_rejected && c->seeds == 1 &&
            ungapped_span(a, na, b, nb, c->first_a, c->first_b, opts->shingle,
                          same ? c->first_b : na) < opts->min_tokens)
            continue;
        rp_hit *h = &cands->items[cands->count++];
        memset(h, 0, sizeof(*h));
        h->doc_a = seeds[0].doc_a;
        h->doc_b = seeds[0].doc_b;
        if (chain_hit(c, opts->shingle, a, na, b, nb, same, work, h) != RP_OK)
            return RP_ENOMEM;
    }
    qsort(cands->items, cands->count, sizeof(rp_hit), hit_cmp);
    if (merge_all(cands, a, b, same, opts, work) != RP_OK ||
        bridge_all(cands, same, opts) != RP_OK)
        return RP_ENOMEM;
    return judge_all(cands, a, b, same, opts, keep_rejected, work, out);
}
