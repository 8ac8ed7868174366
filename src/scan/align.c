/*
 * align.c - seeds -> chains -> banded token alignment. Seeds of one document pair are chained
 * along diagonals with bounded gaps and drift; each chain's span is aligned globally in a band
 * (Needleman-Wunsch restricted to diagonals, as in banded Smith-Waterman / BLAST), then
 * extended beyond its outer seeds with X-drop (Zhang et al. 2000) so the ends of a passage the
 * seeds missed are found; ends stop on matching tokens. Overlapping results are merged.
 */
#include "scan/align.h"

#include <stdlib.h>
#include <string.h>

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
    rp_free(work->cands.items);
    rp_align_work_init(work);
}

static rp_status cells_for(rp_align_work *work, size_t n, cell **out)
{
    size_t bytes;
    if (!rp_mul_ok(n, sizeof(cell), &bytes))
        return RP_ENOMEM;
    if (bytes > work->cells_cap) {
        void *p = rp_realloc(work->cells, bytes);
        if (!p)
            return RP_ENOMEM;
        work->cells = p;
        work->cells_cap = bytes;
    }
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

rp_status rp_align_global(const uint32_t *a, uint32_t la, const uint32_t *b, uint32_t lb,
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

static ext_res extend(const side *a, const side *b)
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

/* ---- one pair ---- */

static double hit_identity(const rp_hit *h)
{
    return h->columns ? (double)h->matches / h->columns : 0.0;
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

/* Folds y into x when both sides overlap: the union box re-aligned, or else the better one.
 * Inside one document, a union whose sides would overlap is a tandem repeat (copies back to
 * back): x and y are two of its copy pairs and both stay, so every copy is linked. */
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
    if (hit_identity(&u) >= opts->min_identity ||
        (hit_identity(x) < opts->min_identity && hit_identity(y) < opts->min_identity)) {
        *x = u;
        y->status = RP_HIT_MERGED;
        return RP_OK;
    }
    if (y->matches > x->matches) {
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

static rp_hit_status judge(const rp_hit *h, int same, const rp_options *opts)
{
    if (h->status == RP_HIT_MERGED)
        return RP_HIT_MERGED;
    if (h->a_end - h->a_start < opts->min_tokens || h->b_end - h->b_start < opts->min_tokens)
        return RP_HIT_SHORT;
    if (hit_identity(h) < opts->min_identity)
        return RP_HIT_LOW_IDENTITY;
    if (same && h->a_end > h->b_start)
        return RP_HIT_OVERLAP;
    return RP_HIT_REPORTED;
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
    cands->count = 0;
    if (RP_GROW(cands->items, cands->cap, work->chains.count) != RP_OK)
        return RP_ENOMEM;
    for (size_t i = 0; i < work->chains.count; i++) {
        const rp_chain *c = &work->chains.items[i];
        if (!keep_rejected && c->seeds == 1 && ungapped_span(a, na, b, nb, c->first_a, c->first_b, opts->shingle,
                                           same ? c->first_b : na) < opts->min_tokens)
            continue;
        rp_hit *h = &cands->items[cands->count++];
        memset(h, 0, sizeof(*h));
        h->doc_a = seeds[0].doc_a;
        h->doc_b = seeds[0].doc_b;
        if (chain_hit(&work->chains.items[i], opts->shingle, a, na, b, nb, same, work, h) !=
            RP_OK)
            return RP_ENOMEM;
    }
    qsort(cands->items, cands->count, sizeof(rp_hit), hit_cmp);
    if (merge_all(cands, a, b, same, opts, work) != RP_OK)
        return RP_ENOMEM;
    for (size_t i = 0; i < cands->count; i++) {
        rp_hit h = cands->items[i];
        h.status = judge(&h, same, opts);
        if (h.status != RP_HIT_REPORTED && !keep_rejected)
            continue;
        if (RP_GROW(out->items, out->cap, out->count + 1) != RP_OK)
            return RP_ENOMEM;
        out->items[out->count++] = h;
    }
    return RP_OK;
}
