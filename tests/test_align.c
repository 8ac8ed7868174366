/* test_align.c - chains and banded alignment of token sequences (edits, transpositions,
 * self-overlap, document edges, mirror symmetry). Tokens are synthetic 32-bit ids. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "scan/align.h"

static uint64_t rng_state;

static uint32_t rng(void)
{
    rng_state = rng_state * 6364136223846793005ULL + 1442695040888963407ULL;
    return (uint32_t)(rng_state >> 33);
}

/* Fresh random tokens (ids from a large space, so chance matches are rare). */
static void fill(uint32_t *t, size_t n)
{
    for (size_t i = 0; i < n; i++)
        t[i] = 1000 + rng() % 1000000;
}

/* Every shared k-token run as a seed (a superset of what winnowing keeps). */
static size_t all_seeds(const uint32_t *a, uint32_t na, const uint32_t *b, uint32_t nb, int same,
                        uint32_t k, rp_seed *out, size_t cap)
{
    size_t n = 0;
    for (uint32_t i = 0; i + k <= na; i++)
        for (uint32_t j = same ? i + k : 0; j + k <= nb; j++)
            if (memcmp(a + i, b + j, k * sizeof(uint32_t)) == 0 && n < cap)
                out[n++] = (rp_seed){0, same ? 0 : 1, i, j};
    rp_seeds_sort(out, n);
    return n;
}

typedef struct result {
    rp_hits hits;
    rp_align_work work;
} result;

static void align(const uint32_t *a, uint32_t na, const uint32_t *b, uint32_t nb, int same,
                  result *r)
{
    static rp_seed seeds[20000];
    rp_options o;
    rp_options_init(&o);
    memset(r, 0, sizeof(*r));
    size_t n = all_seeds(a, na, b, nb, same, o.shingle, seeds, 20000);
    rp_align_work_init(&r->work);
    assert_int_equal(rp_align_pair(&o, a, na, b, nb, seeds, n, false, &r->work, &r->hits), RP_OK);
}

static void release(result *r)
{
    rp_align_work_release(&r->work);
    free(r->hits.items);
}

static void test_align_identical_run_gives_one_exact_passage(void **state)
{
    uint32_t a[80], b[100];
    result r;
    rng_state = 1;
    fill(a, 80);
    fill(b, 100);
    memcpy(b + 30, a + 10, 50 * sizeof(uint32_t));
    align(a, 80, b, 100, 0, &r);
    assert_int_equal(r.hits.count, 1);
    assert_int_equal(r.hits.items[0].a_start, 10);
    assert_int_equal(r.hits.items[0].a_end, 60);
    assert_int_equal(r.hits.items[0].b_start, 30);
    assert_int_equal(r.hits.items[0].b_end, 80);
    assert_int_equal(r.hits.items[0].matches, 50);
    assert_int_equal(r.hits.items[0].columns, 50);
    release(&r);
}

static void test_align_edits_do_not_split_a_passage(void **state)
{
    uint32_t a[120], b[130];
    result r;
    rng_state = 2;
    fill(a, 120);
    /* b: a[0,120) with a substitution at 20, a spelling variant at 33, an inserted word after
     * 50, a deleted word at 75 and an inserted clause of 3 words after 95 */
    uint32_t nb = 0;
    for (uint32_t i = 0; i < 120; i++) {
        if (i == 75)
            continue;
        b[nb++] = i == 20 || i == 33 ? a[i] + 7 : a[i];
        if (i == 50)
            b[nb++] = 5;
        if (i == 95) {
            b[nb++] = 6;
            b[nb++] = 7;
            b[nb++] = 8;
        }
    }
    align(a, 120, b, nb, 0, &r);
    assert_int_equal(r.hits.count, 1);
    const rp_hit *h = &r.hits.items[0];
    assert_int_equal(h->a_start, 0);
    assert_int_equal(h->a_end, 120);
    assert_int_equal(h->b_start, 0);
    assert_int_equal(h->b_end, nb);
    assert_int_equal(h->matches, 117);
    assert_int_equal(h->columns, 124);
    release(&r);
}

static void test_align_transposed_paragraphs_give_two_passages(void **state)
{
    uint32_t a[90], b[90];
    result r;
    rng_state = 3;
    fill(a, 90);
    memcpy(b, a + 45, 45 * sizeof(uint32_t)); /* b = second paragraph, then first */
    memcpy(b + 45, a, 45 * sizeof(uint32_t));
    align(a, 90, b, 90, 0, &r);
    assert_int_equal(r.hits.count, 2);
    assert_int_equal(r.hits.items[0].a_start, 0);
    assert_int_equal(r.hits.items[0].a_end, 45);
    assert_int_equal(r.hits.items[0].b_start, 45);
    assert_int_equal(r.hits.items[0].b_end, 90);
    assert_int_equal(r.hits.items[1].a_start, 45);
    assert_int_equal(r.hits.items[1].a_end, 90);
    assert_int_equal(r.hits.items[1].b_start, 0);
    assert_int_equal(r.hits.items[1].b_end, 45);
    release(&r);
}

static void test_align_self_repeat_sides_do_not_overlap(void **state)
{
    uint32_t d[100];
    result r;
    rng_state = 4;
    fill(d, 100);
    memcpy(d + 40, d + 10, 30 * sizeof(uint32_t)); /* [10,40) repeated right after at [40,70) */
    align(d, 100, d, 100, 1, &r);
    assert_int_equal(r.hits.count, 1);
    assert_int_equal(r.hits.items[0].a_start, 10);
    assert_int_equal(r.hits.items[0].a_end, 40);
    assert_int_equal(r.hits.items[0].b_start, 40);
    assert_int_equal(r.hits.items[0].b_end, 70);
    release(&r);
}

static void test_align_periodic_text_never_reports_overlapping_sides(void **state)
{
    uint32_t d[200];
    result r;
    for (int i = 0; i < 200; i++)
        d[i] = 10 + i % 7; /* a 7-token phrase repeated */
    align(d, 200, d, 200, 1, &r);
    for (size_t i = 0; i < r.hits.count; i++)
        assert_true(r.hits.items[i].a_end <= r.hits.items[i].b_start);
    release(&r);
}

static void test_align_reaches_document_edges(void **state)
{
    uint32_t a[40], b[40];
    result r;
    rng_state = 5;
    fill(a, 40);
    memcpy(b, a, sizeof(a));
    b[2] = 3; /* an edit near the start, beyond the first seed */
    b[35] = 4;
    align(a, 40, b, 40, 0, &r);
    assert_int_equal(r.hits.count, 1);
    assert_int_equal(r.hits.items[0].a_start, 0);
    assert_int_equal(r.hits.items[0].b_start, 0);
    assert_int_equal(r.hits.items[0].a_end, 40);
    assert_int_equal(r.hits.items[0].b_end, 40);
    release(&r);
}

static void test_align_rejects_short_and_dissimilar_pairs(void **state)
{
    uint32_t a[60], b[60];
    result r;
    rng_state = 6;
    fill(a, 60);
    fill(b, 60);
    memcpy(b + 20, a + 20, 8 * sizeof(uint32_t)); /* 8 tokens: below min_tokens = 10 */
    align(a, 60, b, 60, 0, &r);
    assert_int_equal(r.hits.count, 0);
    release(&r);
}

static void test_align_global_counts_matches_and_columns(void **state)
{
    const uint32_t a[] = {1, 2, 3, 4, 5}, b[] = {1, 2, 9, 4, 5, 6};
    rp_align_work w;
    uint32_t m, c;
    rp_align_work_init(&w);
    assert_int_equal(rp_align_global(a, 5, b, 6, &w, &m, &c), RP_OK);
    assert_int_equal(m, 4);
    assert_int_equal(c, 6);
    assert_int_equal(rp_align_global(a, 0, b, 6, &w, &m, &c), RP_OK);
    assert_int_equal(m, 0);
    assert_int_equal(c, 6);
    rp_align_work_release(&w);
}

/* A copy of a[0, na) into b with an edit about every `every` tokens (a substituted, inserted or
 * dropped token; when every > 8 also a dropped or inserted clause of up to 12); tokens from a small alphabet when `alphabet` is nonzero (chance matches
 * everywhere, as common words make them). Returns b's length (at most cap). */
static uint32_t edited_copy(const uint32_t *a, uint32_t na, uint32_t *b, uint32_t cap,
                            uint32_t every, uint32_t alphabet)
{
    uint32_t nb = 0;
    for (uint32_t i = 0; i < na && nb < cap; i++) {
        uint32_t x = rng() % every;
        uint32_t other = alphabet ? rng() % alphabet : 5000000 + rng() % 1000;
        if (x == 0)
            continue;
        if (x == 3 && every > 8) { /* a clause dropped */
            i += rng() % 12;
            continue;
        }
        b[nb++] = x == 1 ? other : a[i];
        if (x == 2 && nb < cap)
            b[nb++] = other;
        for (uint32_t n = x == 4 && every > 8 ? 2 + rng() % 11 : 0; n > 0 && nb < cap; n--)
            b[nb++] = alphabet ? rng() % alphabet : 5000000 + rng() % 1000; /* one inserted */
    }
    return nb;
}

static void random_tokens(uint32_t *t, uint32_t n, uint32_t alphabet)
{
    for (uint32_t i = 0; i < n; i++)
        t[i] = alphabet ? rng() % alphabet : 1000 + rng() % 1000000;
}

/* rp_align_global (exact runs, packed cells) gives the reference's matches and columns: copies
 * with scattered edits, unrelated sides, small alphabets, empty and one-token sides. */
static void test_align_global_fast_equals_reference(void **state)
{
    enum { N = 400 };
    static uint32_t a[N], b[N];
    rp_align_work w;
    rp_align_work_init(&w);
    rng_state = 11;
    for (int round = 0; round < 4000; round++) {
        uint32_t alphabet = round % 3 == 0 ? 0 : round % 3 == 1 ? 4 : 40;
        uint32_t na = rng() % (round % 10 == 0 ? 3 : N / 2), nb;
        random_tokens(a, na, alphabet);
        if (round % 5 == 4) {
            nb = rng() % (N / 2);
            random_tokens(b, nb, alphabet);
        } else {
            nb = edited_copy(a, na, b, N, 2 + rng() % 40, alphabet);
        }
        uint32_t m1, c1, m2, c2;
        assert_int_equal(rp_align_global(a, na, b, nb, &w, &m1, &c1), RP_OK);
        assert_int_equal(rp_align_global_cells(a, na, b, nb, &w, &m2, &c2), RP_OK);
        assert_int_equal(m1, m2);
        assert_int_equal(c1, c2);
    }
    rp_align_work_release(&w);
}

/* rp_align_extend (the leading run taken whole, a window without matches cut short, packed
 * cells) gives the reference's end, matches and columns, both ways. */
static void test_align_extend_fast_equals_reference(void **state)
{
    enum { N = 300 };
    static uint32_t a[N], b[N];
    rng_state = 12;
    for (int round = 0; round < 6000; round++) {
        uint32_t alphabet = round % 4 == 0 ? 0 : round % 4 == 1 ? 3 : round % 4 == 2 ? 30 : 300;
        uint32_t na = rng() % N, nb;
        random_tokens(a, na, alphabet);
        if (round % 7 == 6) {
            nb = rng() % N;
            random_tokens(b, nb, alphabet);
        } else {
            uint32_t keep = na ? rng() % (na + 1) : 0; /* the copy ends somewhere */
            nb = edited_copy(a, keep, b, N, 2 + rng() % 40, alphabet);
            random_tokens(b + nb, N - nb, alphabet);
            nb += rng() % (N - nb + 1);
        }
        for (int dir = -1; dir <= 1; dir += 2) {
            int64_t ba = dir > 0 ? 0 : (int64_t)na - 1, bb = dir > 0 ? 0 : (int64_t)nb - 1;
            if (dir < 0) { /* backwards from the ends: the copy reversed */
                for (uint32_t i = 0; i < na / 2; i++) {
                    uint32_t t = a[i];
                    a[i] = a[na - 1 - i];
                    a[na - 1 - i] = t;
                }
                for (uint32_t i = 0; i < nb / 2; i++) {
                    uint32_t t = b[i];
                    b[i] = b[nb - 1 - i];
                    b[nb - 1 - i] = t;
                }
            }
            rp_align_ext x = rp_align_extend(a, ba, na, b, bb, nb, dir, false);
            rp_align_ext y = rp_align_extend(a, ba, na, b, bb, nb, dir, true);
            assert_int_equal(x.a, y.a);
            assert_int_equal(x.b, y.b);
            assert_int_equal(x.matches, y.matches);
            assert_int_equal(x.columns, y.columns);
        }
    }
}

/* Long sides take the wide (64-bit) packed cells (a global band's la + lb, an extension's
 * rows, from 2^14 tokens on), shorter ones the narrow (32-bit) cells: both give the
 * reference's results, on long copies with scattered edits and on extensions of 2^14 - 1 to
 * 2^14 + 2 rows that run to their end (exact runs skipped on the way). */
static void test_align_long_sides_equal_reference(void **state)
{
    enum { N = 17000 };
    static uint32_t a[N], b[N + 2000];
    rp_align_work w;
    rp_align_work_init(&w);
    rng_state = 13;
    for (int round = 0; round < 8; round++) {
        uint32_t alphabet = round % 2 ? 50 : 0;
        uint32_t na = round < 4 ? N : 16384 - 5 + (uint32_t)round, nb, m1, c1, m2, c2;
        random_tokens(a, na, alphabet);
        nb = edited_copy(a, na, b, N + 2000, 20 + rng() % 30, alphabet);
        assert_int_equal(rp_align_global(a, na, b, nb, &w, &m1, &c1), RP_OK);
        assert_int_equal(rp_align_global_cells(a, na, b, nb, &w, &m2, &c2), RP_OK);
        assert_int_equal(m1, m2);
        assert_int_equal(c1, c2);
        /* a copy with substituted words only: the extension runs to its end */
        for (uint32_t i = 0; i < na; i++)
            b[i] = i == 0 || rng() % 15 == 0 ? a[i] + 1 : a[i];
        rp_align_ext x = rp_align_extend(a, 0, na, b, 0, na, 1, false);
        rp_align_ext y = rp_align_extend(a, 0, na, b, 0, na, 1, true);
        assert_int_equal(x.a, y.a);
        assert_int_equal(x.b, y.b);
        assert_int_equal(x.matches, y.matches);
        assert_int_equal(x.columns, y.columns);
    }
    rp_align_work_release(&w);
}

/* The same comparisons with the narrow cells on SSE2 alone (the processor's SSE4.1, when it has
 * it, is taken otherwise). */
static void test_align_sse2_narrow_cells_equal_reference(void **state)
{
    rp_align_narrow_sse2_only(true);
    test_align_global_fast_equals_reference(state);
    test_align_extend_fast_equals_reference(state);
    test_align_long_sides_equal_reference(state);
    rp_align_narrow_sse2_only(false);
}

/* A side copied into a heap block of exactly its length (at least one token), so that a read
 * past either end is an overflow under AddressSanitizer. */
static uint32_t *exact_copy(const uint32_t *t, uint32_t n)
{
    uint32_t *c = malloc((n ? n : 1) * sizeof(uint32_t));
    assert_non_null(c);
    if (n)
        memcpy(c, t, n * sizeof(uint32_t));
    return c;
}

/* rp_align_global of a against b: the narrow cells (SSE4.1 where the processor has it, and SSE2
 * alone), the wide packed cells and the reference agree. */
static void global_all_agree(const uint32_t *a0, uint32_t na, const uint32_t *b0, uint32_t nb,
                             rp_align_work *w)
{
    uint32_t *a = exact_copy(a0, na), *b = exact_copy(b0, nb);
    uint32_t m[4], c[4];
    assert_int_equal(rp_align_global_cells(a, na, b, nb, w, &m[0], &c[0]), RP_OK);
    rp_align_narrow_off(true);
    assert_int_equal(rp_align_global(a, na, b, nb, w, &m[1], &c[1]), RP_OK);
    rp_align_narrow_off(false);
    assert_int_equal(rp_align_global(a, na, b, nb, w, &m[2], &c[2]), RP_OK);
    rp_align_narrow_sse2_only(true);
    assert_int_equal(rp_align_global(a, na, b, nb, w, &m[3], &c[3]), RP_OK);
    rp_align_narrow_sse2_only(false);
    for (int k = 1; k < 4; k++) {
        assert_int_equal(m[k], m[0]);
        assert_int_equal(c[k], c[0]);
    }
    free(a);
    free(b);
}

/* rp_align_extend from the first tokens (dir 1) or the last (dir -1) of a and b: the same four
 * ways agree. */
static void extend_all_agree(const uint32_t *a0, uint32_t na, const uint32_t *b0, uint32_t nb,
                             int dir)
{
    uint32_t *a = exact_copy(a0, na), *b = exact_copy(b0, nb);
    int64_t ba = dir > 0 ? 0 : (int64_t)na - 1, bb = dir > 0 ? 0 : (int64_t)nb - 1;
    rp_align_ext x[4];
    x[0] = rp_align_extend(a, ba, na, b, bb, nb, dir, true);
    rp_align_narrow_off(true);
    x[1] = rp_align_extend(a, ba, na, b, bb, nb, dir, false);
    rp_align_narrow_off(false);
    x[2] = rp_align_extend(a, ba, na, b, bb, nb, dir, false);
    rp_align_narrow_sse2_only(true);
    x[3] = rp_align_extend(a, ba, na, b, bb, nb, dir, false);
    rp_align_narrow_sse2_only(false);
    for (int k = 1; k < 4; k++) {
        assert_int_equal(x[k].a, x[0].a);
        assert_int_equal(x[k].b, x[0].b);
        assert_int_equal(x[k].matches, x[0].matches);
        assert_int_equal(x[k].columns, x[0].columns);
    }
    free(a);
    free(b);
}

/* Narrow, wide and reference cells on many random pairs (fixed seed): short sides of 1 to 7
 * tokens (the 4-at-a-time loads' tails), bands that reach the sides' ends, small alphabets
 * (ties between cells), copies with edits; sides in blocks of exactly their length. */
static void test_align_narrow_wide_reference_agree(void **state)
{
    enum { N = 300 };
    static uint32_t a[N], b[N + 200];
    rp_align_work w;
    rp_align_work_init(&w);
    rng_state = 14;
    for (int round = 0; round < 3000; round++) {
        static const uint32_t alphabets[] = {0, 1, 2, 3, 5, 30};
        uint32_t alphabet = alphabets[rng() % 6];
        uint32_t na = round % 2 ? 1 + rng() % 7 : 1 + rng() % N, nb;
        random_tokens(a, na, alphabet);
        switch (rng() % 3) {
        case 0: /* unrelated, often as short */
            nb = round % 3 ? 1 + rng() % 7 : 1 + rng() % N;
            random_tokens(b, nb, alphabet);
            break;
        case 1: nb = edited_copy(a, na, b, N + 200, 2 + rng() % 20, alphabet); break;
        default: /* a copy with a tail of other tokens */
            nb = edited_copy(a, na, b, N, 3 + rng() % 40, alphabet);
            nb += rng() % 20;
            random_tokens(b + (nb > 20 ? nb - 20 : 0), nb > 20 ? 20 : nb, alphabet);
        }
        global_all_agree(a, na, b, nb, &w);
        extend_all_agree(a, na, b, nb, 1);
        extend_all_agree(a, na, b, nb, -1);
        extend_all_agree(b, nb, a, na, 1);
    }
    rp_align_work_release(&w);
}

/* Around 2^14 tokens, where the narrow cells give way to the wide ones: global bands of
 * la + lb = 2^14 - 2 .. 2^14 + 1, lopsided (1 token against the rest) or even, all one token
 * between differing ends (the highest scores) or nothing in common (the lowest); extensions
 * of 2^14 - 1 and 2^14 rows against long and short other sides. */
static void test_align_narrow_limit_agrees(void **state)
{
    enum { L = 1u << 14 };
    uint32_t *a = malloc((L + 64) * sizeof(uint32_t)), *b = malloc((L + 64) * sizeof(uint32_t));
    assert_non_null(a);
    assert_non_null(b);
    rp_align_work w;
    rp_align_work_init(&w);
    rng_state = 15;
    for (uint32_t sum = L - 2; sum <= L + 1; sum++) {
        const uint32_t las[] = {1, 9, 40, sum / 2, sum - 40, sum - 1};
        for (int k = 0; k < 6; k++) {
            for (int kind = 0; kind < 3; kind++) {
                uint32_t la = las[k], lb = sum - la;
                random_tokens(a, la, kind == 0 ? 1 : kind == 1 ? 0 : 2);
                random_tokens(b, lb, kind == 0 ? 1 : kind == 1 ? 0 : 2);
                a[0] = 7;
                b[0] = 8;
                a[la - 1] = 9;
                b[lb - 1] = 10;
                global_all_agree(a, la, b, lb, &w);
            }
        }
    }
    for (uint32_t na = L - 1; na <= L; na++) {
        for (int kind = 0; kind < 3; kind++) {
            uint32_t nb = kind == 2 ? 30 : na + 40;
            random_tokens(a, na, kind == 0 ? 1 : 2);
            for (uint32_t i = 0; i < nb; i++)
                b[i] = i < na && (kind != 1 || rng() % 4) ? a[i] : 3;
            b[0] = a[0] + 1;
            extend_all_agree(a, na, b, nb, 1);
            extend_all_agree(a, na, b, nb, -1);
            extend_all_agree(b, nb, a, na, 1);
        }
    }
    rp_align_work_release(&w);
    free(a);
    free(b);
}

static void test_align_mirrors_when_sides_swap(void **state)
{
    uint32_t a[150], b[160];
    rng_state = 7;
    for (int round = 0; round < 20; round++) {
        result r1, r2;
        fill(a, 150);
        fill(b, 160);
        uint32_t nb = 20;
        for (uint32_t i = 30; i < 120 && nb < 150; i++) { /* a[30,120) with random edits */
            uint32_t x = rng() % 100;
            if (x < 5)
                continue;
            b[nb++] = x < 10 ? a[i] + 1 : a[i];
            if (x >= 95)
                b[nb++] = 2;
        }
        align(a, 150, b, 160, 0, &r1);
        align(b, 160, a, 150, 0, &r2);
        assert_int_equal(r1.hits.count, r2.hits.count);
        for (size_t i = 0; i < r1.hits.count; i++) {
            const rp_hit *x = &r1.hits.items[i], *y = &r2.hits.items[i];
            assert_int_equal(x->a_start, y->b_start);
            assert_int_equal(x->a_end, y->b_end);
            assert_int_equal(x->b_start, y->a_start);
            assert_int_equal(x->b_end, y->a_end);
            assert_int_equal(x->matches, y->matches);
        }
        release(&r1);
        release(&r2);
    }
}

static void test_align_reports_allocation_failure(void **state)
{
    uint32_t a[60], b[60];
    rp_seed seeds[100];
    rp_options o;
    rng_state = 8;
    fill(a, 60);
    memcpy(b, a, sizeof(a));
    rp_options_init(&o);
    size_t n = all_seeds(a, 60, b, 60, 0, o.shingle, seeds, 100);
    for (unsigned long fail = 1; fail < 20; fail++) {
        rp_align_work w;
        rp_hits hits = {0};
        rp_align_work_init(&w);
        rp_alloc_fail_after(fail);
        rp_status st = rp_align_pair(&o, a, 60, b, 60, seeds, n, false, &w, &hits);
        rp_alloc_fail_after(0);
        assert_true(st == RP_OK || st == RP_ENOMEM);
        rp_align_work_release(&w);
        free(hits.items);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_align_identical_run_gives_one_exact_passage),
        cmocka_unit_test(test_align_edits_do_not_split_a_passage),
        cmocka_unit_test(test_align_transposed_paragraphs_give_two_passages),
        cmocka_unit_test(test_align_self_repeat_sides_do_not_overlap),
        cmocka_unit_test(test_align_periodic_text_never_reports_overlapping_sides),
        cmocka_unit_test(test_align_reaches_document_edges),
        cmocka_unit_test(test_align_rejects_short_and_dissimilar_pairs),
        cmocka_unit_test(test_align_global_counts_matches_and_columns),
        cmocka_unit_test(test_align_global_fast_equals_reference),
        cmocka_unit_test(test_align_extend_fast_equals_reference),
        cmocka_unit_test(test_align_long_sides_equal_reference),
        cmocka_unit_test(test_align_sse2_narrow_cells_equal_reference),
        cmocka_unit_test(test_align_narrow_wide_reference_agree),
        cmocka_unit_test(test_align_narrow_limit_agrees),
        cmocka_unit_test(test_align_mirrors_when_sides_swap),
        cmocka_unit_test(test_align_reports_allocation_failure),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
