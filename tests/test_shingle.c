/*
 * test_shingle.c - winnowed shingle fingerprints: pinned output for a fixed token sequence,
 * documents shorter than k or than one window, the winnowing guarantee (a shared run of w+k-1
 * tokens always shares a fingerprint) over seeded random sequences, density near 2/(w+1), and
 * allocation failure.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "text/text.h"

#include <stdlib.h>
#include <string.h>

static uint64_t rng_state;

static uint64_t rng(void)
{
    rng_state = rng_state * 6364136223846793005ULL + 1442695040888963407ULL;
    return rng_state ^ (rng_state >> 29);
}

/* Tokens whose hashes are 1..count times a constant (spans are irrelevant to shingles). */
static void fixed_tokens(rp_token *toks, size_t count)
{
    for (size_t i = 0; i < count; i++)
        toks[i] = (rp_token){(uint64_t)(i + 1) * 0x9E3779B97F4A7C15ULL, (uint32_t)i * 2,
                             (uint32_t)i * 2 + 1};
}

static void test_winnow_pins_fixed_sequence(void **state)
{
    /* positions and low 16 bits of the hashes, computed once and pinned */
    static const uint32_t want_pos[] = {2, 6, 8, 10, 13, 14, 18, 19, 23, 26, 29, 31, 34};
    static const uint32_t want_low[] = {0x54b7, 0xc3f9, 0xa29e, 0xc13a, 0x3270, 0x2edc, 0x6f59,
                                        0x2f0a, 0x345d, 0x6613, 0xb7a4, 0xd5b3, 0xb003};
    rp_token toks[40];
    rp_options opts;
    rp_fingerprints fps;

    (void)state;
    rp_options_init(&opts);
    fixed_tokens(toks, 40);
    rp_fingerprints_init(&fps);
    assert_int_equal(rp_shingle_winnow(&opts, toks, 40, 7, &fps), RP_OK);
    assert_int_equal(fps.count, sizeof(want_pos) / sizeof(want_pos[0]));
    for (size_t i = 0; i < fps.count; i++) {
        assert_int_equal(fps.items[i].doc, 7);
        assert_int_equal(fps.items[i].pos, want_pos[i]);
        assert_int_equal(fps.items[i].hash & 0xFFFF, want_low[i]);
    }
    rp_fingerprints_release(&fps);
}

static void test_winnow_of_fewer_than_k_tokens_is_empty(void **state)
{
    rp_token toks[4];
    rp_options opts;
    rp_fingerprints fps;

    (void)state;
    rp_options_init(&opts);
    fixed_tokens(toks, 4);
    rp_fingerprints_init(&fps);
    assert_int_equal(rp_shingle_winnow(&opts, toks, 4, 0, &fps), RP_OK);
    assert_int_equal(fps.count, 0);
    assert_int_equal(rp_shingle_winnow(&opts, toks, 0, 0, &fps), RP_OK);
    assert_int_equal(fps.count, 0);
    rp_fingerprints_release(&fps);
}

static void test_winnow_of_fewer_than_w_shingles_keeps_the_minimum(void **state)
{
    rp_token toks[7];
    rp_options opts;
    rp_fingerprints fps, all;

    (void)state;
    rp_options_init(&opts); /* k = 5, w = 4: 7 tokens make 3 shingles */
    fixed_tokens(toks, 7);
    rp_fingerprints_init(&fps);
    rp_fingerprints_init(&all);
    assert_int_equal(rp_shingle_winnow(&opts, toks, 7, 0, &fps), RP_OK);
    assert_int_equal(fps.count, 1);
    opts.window = 1; /* every shingle */
    assert_int_equal(rp_shingle_winnow(&opts, toks, 7, 0, &all), RP_OK);
    assert_int_equal(all.count, 3);
    for (size_t i = 0; i < all.count; i++)
        assert_true(fps.items[0].hash <= all.items[i].hash);
    rp_fingerprints_release(&fps);
    rp_fingerprints_release(&all);
}

static void test_winnow_rejects_bad_options(void **state)
{
    rp_token toks[8];
    rp_options opts;
    rp_fingerprints fps;

    (void)state;
    fixed_tokens(toks, 8);
    rp_fingerprints_init(&fps);
    rp_options_init(&opts);
    opts.shingle = 0;
    assert_int_equal(rp_shingle_winnow(&opts, toks, 8, 0, &fps), RP_EINVAL);
    rp_options_init(&opts);
    opts.window = 0;
    assert_int_equal(rp_shingle_winnow(&opts, toks, 8, 0, &fps), RP_EINVAL);
    assert_int_equal(fps.count, 0);
    rp_fingerprints_release(&fps);
}

/* Random token hashes from a small vocabulary (so that repeats and ties happen). */
static void random_tokens(rp_token *toks, size_t count)
{
    for (size_t i = 0; i < count; i++)
        toks[i] = (rp_token){rng() % 50 + 1, 0, 0};
}

/* True when a and b share a fingerprint hash whose shingles lie inside the shared run in
 * both (a[ra, ra+len) == b[rb, rb+len)). */
static bool shares_inside(const rp_fingerprints *a, const rp_fingerprints *b, size_t ra, size_t rb,
                          size_t len, uint32_t k)
{
    for (size_t i = 0; i < a->count; i++) {
        const rp_fingerprint *x = &a->items[i];
        if (x->pos < ra || x->pos + k > ra + len)
            continue;
        for (size_t j = 0; j < b->count; j++) {
            const rp_fingerprint *y = &b->items[j];
            if (y->hash == x->hash && y->pos >= rb && y->pos + k <= rb + len)
                return true;
        }
    }
    return false;
}

static void test_winnow_guarantees_a_shared_fingerprint(void **state)
{
    rp_token a[200], b[200];
    rp_options opts;

    (void)state;
    rng_state = 42;
    for (int iter = 0; iter < 500; iter++) {
        rp_fingerprints fa, fb;
        rp_options_init(&opts);
        opts.shingle = 1 + (uint32_t)(rng() % 8);
        opts.window = 1 + (uint32_t)(rng() % 10);
        size_t run = opts.window + opts.shingle - 1 + rng() % 5;
        size_t pa = rng() % 40, pb = rng() % 40, sa = rng() % 40, sb = rng() % 40;
        random_tokens(a, pa);
        random_tokens(a + pa, run);
        memcpy(b + pb, a + pa, run * sizeof(rp_token));
        random_tokens(b, pb);
        random_tokens(a + pa + run, sa);
        random_tokens(b + pb + run, sb);
        rp_fingerprints_init(&fa);
        rp_fingerprints_init(&fb);
        assert_int_equal(rp_shingle_winnow(&opts, a, pa + run + sa, 0, &fa), RP_OK);
        assert_int_equal(rp_shingle_winnow(&opts, b, pb + run + sb, 1, &fb), RP_OK);
        assert_true(shares_inside(&fa, &fb, pa, pb, run, opts.shingle));
        rp_fingerprints_release(&fa);
        rp_fingerprints_release(&fb);
    }
}

/* The reference: for every full window, its rightmost minimal shingle; sorted, unique. */
static size_t reference_positions(const rp_fingerprints *all, uint32_t w, uint32_t *out)
{
    size_t n = 0, windows = all->count >= w ? all->count - w + 1 : 1;
    for (size_t s = 0; s < windows; s++) {
        size_t best = s;
        for (size_t j = s; j < s + w && j < all->count; j++)
            if (all->items[j].hash <= all->items[best].hash)
                best = j;
        if (n == 0 || out[n - 1] != best)
            out[n++] = (uint32_t)best;
    }
    return n;
}

static void test_winnow_selects_rightmost_minima_where_they_change(void **state)
{
    rp_token toks[120];
    uint32_t want[120];
    rp_options opts;

    (void)state;
    rng_state = 5;
    for (int iter = 0; iter < 300; iter++) {
        rp_fingerprints all, fps;
        size_t count = 10 + rng() % 100, n;
        rp_options_init(&opts);
        opts.shingle = 1 + (uint32_t)(rng() % 3);
        for (size_t i = 0; i < count; i++)
            toks[i] = (rp_token){rng(), 0, 0}; /* distinct shingles: no ties */
        rp_fingerprints_init(&all);
        rp_fingerprints_init(&fps);
        opts.window = 1;
        assert_int_equal(rp_shingle_winnow(&opts, toks, count, 0, &all), RP_OK);
        opts.window = 1 + (uint32_t)(rng() % 8);
        assert_int_equal(rp_shingle_winnow(&opts, toks, count, 0, &fps), RP_OK);
        n = reference_positions(&all, opts.window, want);
        assert_int_equal(fps.count, n);
        for (size_t i = 0; i < n; i++)
            assert_int_equal(fps.items[i].pos, want[i]);
        rp_fingerprints_release(&all);
        rp_fingerprints_release(&fps);
    }
}

/* Winnowing fed in pieces, each repeating an arbitrary tail of the last, is winnowing in one. */
static void test_winnow_fed_in_pieces_equals_one_pass(void **state)
{
    rp_token toks[400];
    rp_options opts;

    (void)state;
    rng_state = 77;
    for (int iter = 0; iter < 400; iter++) {
        rp_fingerprints one, parts;
        rp_winnow wn;
        size_t count = rng() % 400, base = 0, end = 0;
        rp_options_init(&opts);
        opts.shingle = 1 + (uint32_t)(rng() % 6);
        opts.window = 1 + (uint32_t)(rng() % 12);
        for (size_t i = 0; i < count; i++) /* few distinct tokens: ties on purpose */
            toks[i] = (rp_token){iter % 2 ? rng() % 3 : rng(), 0, 0};
        rp_fingerprints_init(&one);
        rp_fingerprints_init(&parts);
        assert_int_equal(rp_shingle_winnow(&opts, toks, count, 9, &one), RP_OK);
        assert_int_equal(rp_winnow_begin(&wn, &opts, 9), RP_OK);
        while (end < count) {
            end += 1 + rng() % 40;
            if (end > count)
                end = count;
            assert_int_equal(rp_winnow_feed(&wn, toks + base, end - base, base, &parts), RP_OK);
            base += rng() % (wn.next - base + 1); /* any start up to the next shingle */
        }
        assert_int_equal(rp_winnow_end(&wn, &parts), RP_OK);
        assert_int_equal(parts.count, one.count);
        for (size_t i = 0; i < one.count; i++) {
            assert_true(parts.items[i].hash == one.items[i].hash);
            assert_int_equal(parts.items[i].pos, one.items[i].pos);
            assert_int_equal(parts.items[i].doc, 9);
        }
        /* a piece that starts past the next shingle's first token is refused */
        if (count > 0) {
            assert_int_equal(rp_winnow_begin(&wn, &opts, 9), RP_OK);
            assert_int_equal(rp_winnow_feed(&wn, toks + 1, count - 1, 1, &parts), RP_EINVAL);
        }
        rp_fingerprints_release(&one);
        rp_fingerprints_release(&parts);
    }
}

static void test_winnow_density_is_near_two_over_w_plus_one(void **state)
{
    const size_t count = 100000;
    rp_token *toks = malloc(count * sizeof(*toks));
    rp_options opts;
    rp_fingerprints fps;

    (void)state;
    assert_non_null(toks);
    rng_state = 1;
    for (size_t i = 0; i < count; i++)
        toks[i] = (rp_token){rng(), 0, 0};
    rp_options_init(&opts);
    rp_fingerprints_init(&fps);
    for (uint32_t w = 2; w <= 16; w *= 2) {
        opts.window = w;
        fps.count = 0;
        assert_int_equal(rp_shingle_winnow(&opts, toks, count, 0, &fps), RP_OK);
        double density = (double)fps.count / (double)(count - opts.shingle + 1);
        double expected = 2.0 / (w + 1);
        assert_true(density > expected * 0.95 && density < expected * 1.05);
        for (size_t i = 1; i < fps.count; i++) /* in position order, each recorded once */
            assert_true(fps.items[i].pos > fps.items[i - 1].pos);
    }
    rp_fingerprints_release(&fps);
    free(toks);
}

static void test_winnow_fails_cleanly_when_allocation_fails(void **state)
{
    rp_token toks[300];
    rp_options opts;
    rp_status st = RP_ENOMEM;
    unsigned long n;

    (void)state;
    rp_options_init(&opts);
    fixed_tokens(toks, 300);
    for (n = 1; n < 100 && st != RP_OK; n++) {
        rp_fingerprints fps;
        rp_fingerprints_init(&fps);
        rp_alloc_fail_after(n);
        st = rp_shingle_winnow(&opts, toks, 300, 0, &fps);
        rp_alloc_fail_after(0);
        assert_true(st == RP_OK || st == RP_ENOMEM);
        rp_fingerprints_release(&fps);
    }
    assert_int_equal(st, RP_OK);
    assert_true(n > 2);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_winnow_pins_fixed_sequence),
        cmocka_unit_test(test_winnow_of_fewer_than_k_tokens_is_empty),
        cmocka_unit_test(test_winnow_of_fewer_than_w_shingles_keeps_the_minimum),
        cmocka_unit_test(test_winnow_rejects_bad_options),
        cmocka_unit_test(test_winnow_guarantees_a_shared_fingerprint),
        cmocka_unit_test(test_winnow_selects_rightmost_minima_where_they_change),
        cmocka_unit_test(test_winnow_fed_in_pieces_equals_one_pass),
        cmocka_unit_test(test_winnow_density_is_near_two_over_w_plus_one),
        cmocka_unit_test(test_winnow_fails_cleanly_when_allocation_fails),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
