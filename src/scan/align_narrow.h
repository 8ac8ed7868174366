/*
 * align_narrow.h - private to align.c, which includes it once for each instruction set it
 * fills narrow cells with (NARROW_FN names the functions, NARROW_TARGET is their target
 * attribute, NARROW_MAX the 32-bit maximum of four lanes, NARROW_KILL(mask, dead, x) the lanes
 * of x in mask replaced by dead's). No include guard.
 */
/* n cells of a row: cell t takes diag[t] (plus a match when ta == tok[dir * t], else less
 * one), up[t] less a gap and the cell before it less a gap (cell -1 is `left`); with a floor,
 * cells under it are N_DEAD. Returns the row's best (N_DEAD when none). */
NARROW_TARGET static inline ncell NARROW_FN(narrow_row)(const ncell *diag, const ncell *up,
                                                        const uint32_t *tok, const int dir,
                                                        uint32_t ta, int64_t n, ncell left,
                                                        ncell *out, const bool floored, ncell floor)
{
    const __m128i one = _mm_set1_epi32(N_ONE), swing = _mm_set1_epi32(N_MATCH + N_ONE);
    const __m128i dead1 = _mm_setr_epi32(N_DEAD, 0, 0, 0),
                  dead2 = _mm_setr_epi32(N_DEAD, N_DEAD, 0, 0);
    const __m128i steps = _mm_setr_epi32(N_ONE, 2 * N_ONE, 3 * N_ONE, 4 * N_ONE);
    const __m128i vta = _mm_set1_epi32((int32_t)ta), vfloor = _mm_set1_epi32(floor);
    const __m128i vdead = _mm_set1_epi32(N_DEAD);
    __m128i best = vdead;
    int64_t t = 0;
    for (; t + 4 <= n; t += 4) {
        __m128i tk;
        if (dir > 0) {
            tk = _mm_loadu_si128((const __m128i *)(tok + t));
        } else {
            tk = _mm_loadu_si128((const __m128i *)(tok - t - 3));
            tk = _mm_shuffle_epi32(tk, _MM_SHUFFLE(0, 1, 2, 3));
        }
        __m128i s = _mm_sub_epi32(_mm_and_si128(_mm_cmpeq_epi32(tk, vta), swing), one);
        __m128i h = _mm_add_epi32(_mm_loadu_si128((const __m128i *)(diag + t)), s);
        h = NARROW_MAX(h, _mm_sub_epi32(_mm_loadu_si128((const __m128i *)(up + t)), one));
        h = NARROW_MAX(h, _mm_sub_epi32(_mm_or_si128(_mm_slli_si128(h, 4), dead1), one));
        h = NARROW_MAX(
            h, _mm_sub_epi32(_mm_or_si128(_mm_slli_si128(h, 8), dead2), _mm_add_epi32(one, one)));
        h = NARROW_MAX(h, _mm_sub_epi32(_mm_set1_epi32(left), steps));
        if (floored) {
            h = NARROW_KILL(_mm_cmpgt_epi32(vfloor, h), vdead, h);
        }
        _mm_storeu_si128((__m128i *)(out + t), h);
        best = NARROW_MAX(best, h);
        left = _mm_cvtsi128_si32(_mm_shuffle_epi32(h, _MM_SHUFFLE(3, 3, 3, 3)));
    }
    best = NARROW_MAX(best, _mm_shuffle_epi32(best, _MM_SHUFFLE(1, 0, 3, 2)));
    best = NARROW_MAX(best, _mm_shuffle_epi32(best, _MM_SHUFFLE(2, 3, 0, 1)));
    ncell rowmax = _mm_cvtsi128_si32(best);
    for (; t < n; t++) {
        ncell x = diag[t] + (ta == tok[dir * t] ? N_MATCH : -N_ONE);
        x = nmax1(x, nmax1(up[t], left) - N_ONE);
        if (floored && x < floor)
            x = N_DEAD;
        out[t] = left = x;
        rowmax = nmax1(rowmax, x);
    }
    return rowmax;
}

/* The first of cells [lo, hi] equal to v (one is). */
NARROW_TARGET static inline int64_t NARROW_FN(narrow_first)(const ncell *row, int64_t lo,
                                                            int64_t hi, ncell v)
{
    const __m128i vv = _mm_set1_epi32(v);
    int64_t j = lo;
    for (; j + 4 <= hi + 1; j += 4) {
        unsigned m = (unsigned)_mm_movemask_ps(
            _mm_castsi128_ps(_mm_cmpeq_epi32(_mm_loadu_si128((const __m128i *)(row + j)), vv)));
        if (m)
            return j + __builtin_ctz(m);
    }
    while (row[j] != v)
        j++;
    return j;
}

/* global_packed with narrow cells (la + lb < RP_NARROW_MAX): the same cells, the same runs
 * skipped. */
NARROW_TARGET static rp_status NARROW_FN(global_narrow)(const uint32_t *a, uint32_t la,
                                                        const uint32_t *b, uint32_t lb,
                                                        rp_align_work *work, uint32_t *matches,
                                                        uint32_t *columns)
{
    int64_t diff = (int64_t)lb - la;
    int64_t dlo = (diff < 0 ? diff : 0) - RP_ALIGN_BAND,
            dhi = (diff > 0 ? diff : 0) + RP_ALIGN_BAND;
    ncell *prev, *cur;

    if (grow_bytes(&work->cells, &work->cells_cap, 2 * ((size_t)lb + 2), sizeof(ncell)) != RP_OK)
        return RP_ENOMEM;
    prev = work->cells;
    cur = prev + lb + 2;
    int64_t phi = dhi < lb ? dhi : lb;
    for (int64_t j = 0; j <= phi; j++)
        prev[j] = (ncell)(-j * N_ONE);
    prev[phi + 1] = N_DEAD; /* the cell right of a row's band: no up step from it */
    for (int64_t i = 1; i <= la; i++) {
        int64_t lo = i + dlo > 0 ? i + dlo : 0, hi = i + dhi < lb ? i + dhi : lb;
        ncell left = N_DEAD;
        int64_t j = lo;
        if (lo == 0) {
            left = cur[0] = (ncell)(-i * N_ONE);
            j = 1;
        }
        ncell top_v = NARROW_FN(narrow_row)(prev + j - 1, prev + j, b + j - 1, 1, a[i - 1],
                                            hi - j + 1, left, cur + j, false, 0);
        cur[hi + 1] = N_DEAD;
        /* as in global_packed: a row shaped as a run's, the next token pair on its best cell's
         * diagonal matching: the run's rows are skipped */
        if (lo > 0 && i + dhi <= lb && i < la) {
            int64_t top = NARROW_FN(narrow_first)(cur, lo, hi, top_v);
            if (top < lb && a[i] == b[top] && narrow_global_steady(cur, lo, hi, top, top_v)) {
                int64_t n = la - i < lb - dhi - i ? la - i : lb - dhi - i;
                n = n > 0 ? (int64_t)run_fwd(a + i, b + top, (size_t)n) : 0;
                top_v += (ncell)(n * N_MATCH);
                for (j = lo + n; j <= hi + n; j++)
                    cur[j] = narrow_run_cell(j - (top + n), top_v);
                cur[hi + n + 1] = N_DEAD;
                i += n;
            }
        }
        ncell *t = prev;
        prev = cur;
        cur = t;
    }
    *matches = N_MATCHES(prev[lb]);
    *columns = 2 * N_MATCHES(prev[lb]) - (uint32_t)N_SCORE(prev[lb]);
    return RP_OK;
}
/* extend_packed with narrow cells (alen < RP_NARROW_MAX: no score or match count reaches
 * 2^14): the same cells, the same rows skipped, the same end. */
NARROW_TARGET static inline ext_res NARROW_FN(extend_narrow)(const uint32_t *pa, uint32_t alen,
                                                             const uint32_t *pb, uint32_t blen,
                                                             const int dir)
{
    enum { W = 2 * RP_ALIGN_BAND + 1 };
    ncell rows[2][W + 2], *prev = rows[0] + 1, *cur = rows[1] + 1;
    ncell best = 0;
    ext_res res = {0, 0, 0, 0};

    for (int d = -1; d <= W; d++) {
        int64_t j = d - RP_ALIGN_BAND;
        prev[d] = d >= 0 && d < W && j >= 0 && j <= blen ? (ncell)(-j * N_ONE) : N_DEAD;
        cur[d] = N_DEAD;
    }
    for (int64_t i = 1; i <= alen; i++) {
        const ncell floor = (N_SCORE(best) - RP_ALIGN_XDROP) * N_ONE;
        const uint32_t ta = pa[dir * (i - 1)];
        /* cells with j < 0 or j > blen are dead; j == 0 (i <= BAND) is all gaps */
        int64_t first = i <= RP_ALIGN_BAND ? RP_ALIGN_BAND - i : 0;
        int64_t last = (int64_t)blen - i + RP_ALIGN_BAND;
        ncell rowmax = N_DEAD;
        if (last > W - 1)
            last = W - 1;
        for (int64_t d = 0; d < first; d++)
            cur[d] = N_DEAD;
        if (i <= RP_ALIGN_BAND) { /* never better than the start: it scores below 0 */
            ncell x = (ncell)(-i * N_ONE);
            rowmax = cur[first] = x < floor ? N_DEAD : x;
            first++;
        }
        const int64_t off = i - RP_ALIGN_BAND - 1; /* cell d compares b's token off + d */
        if (first <= last)
            rowmax = nmax1(rowmax, NARROW_FN(narrow_row)(prev + first, prev + first + 1,
                                                         pb + dir * (off + first), dir, ta,
                                                         last - first + 1, cur[first - 1],
                                                         cur + first, true, floor));
        for (int64_t d = last + 1 > first ? last + 1 : first; d < W; d++)
            cur[d] = N_DEAD;
        int64_t top = -1;
        if (rowmax > best) { /* the row's first cell of that value */
            top = NARROW_FN(narrow_first)(cur, first, W - 1, rowmax);
            best = rowmax;
            res.i = (uint32_t)i;
            res.j = (uint32_t)(i + top - RP_ALIGN_BAND);
        }
        if (rowmax == N_DEAD || (i >= RP_ALIGN_BAND && N_SCORE(rowmax) <= N_SCORE(best) - 2 &&
                                 fades(pa, alen, pb, blen, dir, i, N_SCORE(rowmax), N_SCORE(best))))
            break;
        ncell *t = prev;
        prev = cur;
        cur = t;
        if (top >= 0 && i > RP_ALIGN_BAND && narrow_steady(prev, top, best)) {
            int64_t n = run_rows(pa, alen, pb, blen, dir, i, top);
            if (n > 0) {
                i += n;
                best += (ncell)(n * N_MATCH);
                res.i = (uint32_t)i;
                res.j = (uint32_t)(i + top - RP_ALIGN_BAND);
                for (int64_t d = 0; d < W; d++)
                    prev[d] = narrow_steady_cell(d, top, best);
            }
        }
    }
    res.m = N_MATCHES(best);
    res.c = 2 * res.m - (uint32_t)N_SCORE(best);
    return res;
}
