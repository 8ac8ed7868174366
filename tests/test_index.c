/* test_index.c - the fingerprint index: radix sort, runs, document frequency, seed cuts. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "scan/index.h"

static uint64_t rng_state;

static uint64_t rng(void)
{
    rng_state = rng_state * 6364136223846793005ULL + 1442695040888963407ULL;
    return rng_state >> 17 ^ rng_state << 23;
}

/* A fingerprint hash with key x and a context whose first token is the same everywhere, so
 * that seeds between such fingerprints are not lone. */
#define H(x) ((uint64_t)(x) << RP_INDEX_CTX_BITS | 1u)

static int full_cmp(const void *pa, const void *pb)
{
    const rp_fingerprint *a = pa, *b = pb;
    if (RP_INDEX_KEY(a->hash) != RP_INDEX_KEY(b->hash))
        return RP_INDEX_KEY(a->hash) < RP_INDEX_KEY(b->hash) ? -1 : 1;
    if (a->doc != b->doc)
        return a->doc < b->doc ? -1 : 1;
    return a->pos < b->pos ? -1 : a->pos > b->pos;
}

static void test_sort_matches_qsort_on_random_data(void **state)
{
    enum { N = 20000 };
    rp_fingerprint *a = malloc(N * sizeof(*a)), *b = malloc(N * sizeof(*b)), *s = malloc(N * sizeof(*s));
    rng_state = 42;
    for (size_t i = 0; i < N; i++) /* (doc, pos) order, many repeated keys, random contexts */
        a[i] = (rp_fingerprint){(rng() % 3000 * 0x9e3779b97f4a7c15ULL & ~0xffffffULL) |
                                    (rng() & 0xffffff),
                                (uint32_t)(i / 100), (uint32_t)(i % 100)};
    memcpy(b, a, N * sizeof(*a));
    rp_index_sort(a, N, s);
    qsort(b, N, sizeof(*b), full_cmp);
    assert_memory_equal(a, b, N * sizeof(*a));
    free(a);
    free(b);
    free(s);
}

static void test_sort_handles_empty_and_single_inputs(void **state)
{
    rp_fingerprint one = {7, 1, 2}, scratch;
    rp_index_sort(NULL, 0, NULL);
    rp_index_sort(&one, 1, &scratch);
    assert_int_equal(one.hash, 7);
    assert_int_equal(one.pos, 2);
}

static void test_remix_spreads_small_hashes_over_the_top_byte(void **state)
{
    unsigned seen[256] = {0}, used = 0;
    for (uint64_t h = 0; h < 4096; h++)
        seen[rp_index_remix(h) >> 56]++;
    for (int i = 0; i < 256; i++)
        used += seen[i] > 0;
    assert_true(used > 240);
    assert_int_not_equal(rp_index_remix(1), rp_index_remix(2));
}

static void test_seeds_pair_documents_of_a_run(void **state)
{
    rp_options o;
    rp_seeds seeds = {0};
    rp_index_stats st = {0};
    const rp_fingerprint fps[] = {{H(5), 0, 3}, {H(5), 2, 9}, {H(5), 4, 1}, {H(9), 1, 1}};
    rp_options_init(&o);
    assert_int_equal(rp_index_seeds(fps, 4, &o, &seeds, &st), RP_OK);
    assert_int_equal(st.distinct, 2);
    assert_int_equal(st.frequent, 0);
    assert_int_equal(seeds.count, 3);
    assert_int_equal(st.seeds, 3);
    assert_int_equal(seeds.items[0].doc_a, 0);
    assert_int_equal(seeds.items[0].doc_b, 2);
    assert_int_equal(seeds.items[0].pos_a, 3);
    assert_int_equal(seeds.items[0].pos_b, 9);
    assert_int_equal(seeds.items[2].doc_a, 2);
    assert_int_equal(seeds.items[2].doc_b, 4);
    free(seeds.items);
}

static void test_seeds_in_one_document_need_non_overlapping_shingles(void **state)
{
    rp_options o;
    rp_seeds seeds = {0};
    rp_index_stats st = {0};
    const rp_fingerprint fps[] = {{H(5), 3, 10}, {H(5), 3, 14}, {H(5), 3, 15}};
    rp_options_init(&o); /* k = 5 */
    assert_int_equal(rp_index_seeds(fps, 3, &o, &seeds, &st), RP_OK);
    assert_int_equal(seeds.count, 1);
    assert_int_equal(seeds.items[0].pos_a, 10);
    assert_int_equal(seeds.items[0].pos_b, 15);
    free(seeds.items);
}

static void test_seeds_of_runs_in_more_than_max_df_documents_only_chain_neighbours(void **state)
{
    rp_options o;
    rp_seeds seeds = {0};
    rp_index_stats st = {0};
    rp_fingerprint fps[62];
    rp_options_init(&o);
    o.max_df = 50;
    for (uint32_t d = 0; d < 60; d++)
        fps[d] = (rp_fingerprint){H(77), d, 3};
    /* 51 documents: frequent, so each document's first occurrence meets the next one's */
    fps[51] = (rp_fingerprint){H(77), 50, 9}; /* a second occurrence in document 50 */
    fps[52] = (rp_fingerprint){H(77), 51, 4};
    assert_int_equal(rp_index_seeds(fps, 53, &o, &seeds, &st), RP_OK);
    assert_int_equal(st.frequent, 1);
    assert_int_equal(seeds.count, 52);
    for (size_t i = 0; i < 50; i++) {
        assert_int_equal(seeds.items[i].doc_a, i);
        assert_int_equal(seeds.items[i].doc_b, i + 1);
        assert_int_equal(seeds.items[i].pos_a, 3);
    }
    /* document 50's two places meet each other, then its first meets document 51 */
    assert_true(seeds.items[50].doc_a == 50 && seeds.items[50].doc_b == 50);
    /* a run in so many documents gives weak seeds: flagged in pos_b's top bit */
    assert_true(seeds.items[50].pos_a == 3 && seeds.items[50].pos_b == (9 | RP_SEED_WEAK));
    assert_true(seeds.items[51].doc_a == 50 && seeds.items[51].doc_b == 51);
    assert_int_equal(seeds.items[51].pos_b, 4 | RP_SEED_WEAK);
    /* not frequent, but in more than RP_INDEX_PAIR_DF documents: chained as well */
    seeds.count = 0;
    memset(&st, 0, sizeof(st));
    assert_int_equal(rp_index_seeds(fps, 50, &o, &seeds, &st), RP_OK);
    assert_int_equal(st.frequent, 0);
    assert_int_equal(seeds.count, 49);
    /* in few documents: every pair */
    seeds.count = 0;
    memset(&st, 0, sizeof(st));
    assert_int_equal(rp_index_seeds(fps, RP_INDEX_PAIR_DF, &o, &seeds, &st), RP_OK);
    assert_int_equal(seeds.count, RP_INDEX_PAIR_DF * (RP_INDEX_PAIR_DF - 1) / 2);
    for (size_t i = 0; i < seeds.count; i++) /* below RP_INDEX_WEAK_DF: strong seeds */
        assert_int_equal(seeds.items[i].pos_b & RP_SEED_WEAK, 0);
    free(seeds.items);
}

static void test_chained_runs_pair_neighbouring_places_inside_one_document(void **state)
{
    rp_options o;
    rp_seeds seeds = {0};
    rp_index_stats st = {0};
    rp_fingerprint fps[RP_INDEX_PAIR_DF + 3];
    rp_options_init(&o); /* k = 5 */
    for (uint32_t d = 0; d <= RP_INDEX_PAIR_DF; d++)
        fps[d] = (rp_fingerprint){H(9), d, 0};
    /* the last document holds it three times: at 0 (above), 2 (overlapping) and 20 */
    fps[RP_INDEX_PAIR_DF + 1] = (rp_fingerprint){H(9), RP_INDEX_PAIR_DF, 2};
    fps[RP_INDEX_PAIR_DF + 2] = (rp_fingerprint){H(9), RP_INDEX_PAIR_DF, 20};
    assert_int_equal(rp_index_seeds(fps, RP_INDEX_PAIR_DF + 3, &o, &seeds, &st), RP_OK);
    assert_int_equal(seeds.count, RP_INDEX_PAIR_DF + 1);
    const rp_seed *last = &seeds.items[seeds.count - 1];
    assert_int_equal(last->doc_a, RP_INDEX_PAIR_DF);
    assert_int_equal(last->doc_b, RP_INDEX_PAIR_DF);
    assert_int_equal(last->pos_a, 0);
    assert_int_equal(last->pos_b, 20 | RP_SEED_WEAK);
    free(seeds.items);
}

static void test_seeds_skip_runs_with_too_many_occurrences(void **state)
{
    rp_options o;
    rp_seeds seeds = {0};
    rp_index_stats st = {0};
    enum { N = 1000 };
    rp_fingerprint fps[N];
    rp_options_init(&o);
    for (uint32_t i = 0; i < N; i++) /* one word repeated: one document, one hash */
        fps[i] = (rp_fingerprint){H(3), 0, i * 5};
    assert_true(rp_index_occ_cap(&o) < N);
    assert_int_equal(rp_index_seeds(fps, N, &o, &seeds, &st), RP_OK);
    assert_int_equal(st.capped, 1);
    assert_int_equal(seeds.count, 0);
    free(seeds.items);
}

static void test_seeds_sort_by_pair_then_position(void **state)
{
    rp_seed s[] = {{1, 2, 5, 5}, {0, 3, 9, 1}, {0, 3, 2, 7}, {0, 1, 4, 4}};
    rp_seeds_sort(s, 4);
    assert_int_equal(s[0].doc_b, 1);
    assert_int_equal(s[1].pos_a, 2);
    assert_int_equal(s[2].pos_a, 9);
    assert_int_equal(s[3].doc_a, 1);
}

static void test_seeds_report_allocation_failure(void **state)
{
    rp_options o;
    rp_seeds seeds = {0};
    rp_index_stats st = {0};
    const rp_fingerprint fps[] = {{H(5), 0, 3}, {H(5), 2, 9}};
    rp_options_init(&o);
    rp_alloc_fail_after(1);
    assert_int_equal(rp_index_seeds(fps, 2, &o, &seeds, &st), RP_ENOMEM);
    rp_alloc_fail_after(0);
    free(seeds.items);
}

static void test_context_sketches_the_tokens_around_a_shingle(void **state)
{
    rp_token t[12];
    for (uint32_t i = 0; i < 12; i++)
        t[i] = (rp_token){1000 + i % 6, i, i + 1}; /* tokens 6.. repeat tokens 0.. */
    uint32_t mid = rp_index_context(t, 12, 3, 5); /* tokens 1, 2 | 8, 9 */
    for (unsigned i = 0; i < 4; i++)
        assert_true((mid >> (6 * i) & 63) != 0); /* every slot holds a token */
    assert_int_equal(mid >> RP_INDEX_CTX_BITS, 0);
    uint32_t edge = rp_index_context(t, 12, 0, 5); /* nothing before, tokens 5, 6 after */
    assert_int_equal(edge & 0xfff, 0);
    assert_true((edge >> 12 & 63) != 0 && (edge >> 18 & 63) != 0);
    assert_int_equal(rp_index_context(t, 5, 0, 5), 0); /* the whole document */
    /* equal tokens in the same places match; a missing token matches nothing */
    assert_true(rp_index_context_match(rp_index_context(t, 12, 1, 3),
                                        rp_index_context(t, 12, 7, 3)));
    assert_false(rp_index_context_match(edge, rp_index_context(t, 5, 0, 5)));
    assert_false(rp_index_context_match(0, 0));
    assert_true(rp_index_context_match(mid, mid));
}

static void test_seeds_whose_contexts_share_no_token_are_lone(void **state)
{
    rp_options o;
    rp_seeds seeds = {0};
    rp_index_stats st = {0};
    /* same key; contexts: (a) first slot 7, (b) first slot 7 and last 9, (c) last slot 9,
     * (d) empty */
    const uint64_t k = (uint64_t)42 << RP_INDEX_CTX_BITS;
    const rp_fingerprint fps[] = {{k | 7, 0, 1}, {k | 7 | 9u << 18, 1, 1}, {k | 9u << 18, 2, 1},
                                  {k, 3, 1}};
    rp_options_init(&o);
    assert_int_equal(rp_index_seeds(fps, 4, &o, &seeds, &st), RP_OK);
    assert_int_equal(st.distinct, 1);
    assert_int_equal(seeds.count, 6);
    const uint32_t lone[6] = {0, RP_SEED_LONE, RP_SEED_LONE, 0, RP_SEED_LONE, RP_SEED_LONE};
    for (size_t i = 0; i < 6; i++) { /* pairs (0,1) (0,2) (0,3) (1,2) (1,3) (2,3) */
        assert_int_equal(seeds.items[i].pos_a & RP_SEED_LONE, lone[i]);
        assert_int_equal(seeds.items[i].pos_a & ~RP_SEED_LONE, 1);
    }
    /* the flag does not change the order of seeds */
    rp_seed s[] = {{0, 1, 5 | RP_SEED_LONE, 9}, {0, 1, 4, 9 | RP_SEED_WEAK}, {0, 1, 4, 8}};
    rp_seeds_sort(s, 3);
    assert_int_equal(s[0].pos_b, 8);
    assert_int_equal(s[1].pos_b, 9 | RP_SEED_WEAK);
    assert_int_equal(s[2].pos_a, 5 | RP_SEED_LONE);
    free(seeds.items);
}

static int seed_ref_cmp(const void *pa, const void *pb)
{
    const rp_seed *a = pa, *b = pb;
    const uint32_t ka[4] = {a->doc_a, a->doc_b, a->pos_a & ~RP_SEED_LONE, a->pos_b & ~RP_SEED_WEAK};
    const uint32_t kb[4] = {b->doc_a, b->doc_b, b->pos_a & ~RP_SEED_LONE, b->pos_b & ~RP_SEED_WEAK};
    for (int i = 0; i < 4; i++)
        if (ka[i] != kb[i])
            return ka[i] < kb[i] ? -1 : 1;
    return 0;
}

/* Random, sorted, reversed, few distinct and all-equal inputs of many sizes sort as the
 * reference comparison sorts them (equal keys compare as equal: only keys are checked). */
static void test_seeds_sort_matches_a_reference_sort(void **state)
{
    enum { N = 5000 };
    rp_seed *a = malloc(N * sizeof(*a)), *b = malloc(N * sizeof(*b));
    rng_state = 5;
    for (int shape = 0; shape < 5; shape++) {
        for (size_t n = 0; n <= N; n = n ? n * 3 + 1 : 1) {
            for (size_t i = 0; i < n; i++) {
                uint32_t m = shape == 3 ? 3 : shape == 4 ? 1 : 1000;
                a[i] = (rp_seed){(uint32_t)(rng() % m), (uint32_t)(rng() % m),
                                 (uint32_t)(rng() % m) | (rng() & 1 ? RP_SEED_LONE : 0),
                                 (uint32_t)(rng() % m) | (rng() & 1 ? RP_SEED_WEAK : 0)};
            }
            if (shape == 1 || shape == 2)
                qsort(a, n, sizeof(*a), seed_ref_cmp);
            if (shape == 2)
                for (size_t i = 0; i < n / 2; i++) {
                    rp_seed t = a[i];
                    a[i] = a[n - 1 - i];
                    a[n - 1 - i] = t;
                }
            memcpy(b, a, n * sizeof(*a));
            rp_seeds_sort(a, n);
            qsort(b, n, sizeof(*b), seed_ref_cmp);
            for (size_t i = 0; i < n; i++)
                assert_int_equal(seed_ref_cmp(&a[i], &b[i]), 0);
        }
    }
    free(a);
    free(b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_sort_matches_qsort_on_random_data),
        cmocka_unit_test(test_sort_handles_empty_and_single_inputs),
        cmocka_unit_test(test_remix_spreads_small_hashes_over_the_top_byte),
        cmocka_unit_test(test_seeds_pair_documents_of_a_run),
        cmocka_unit_test(test_seeds_in_one_document_need_non_overlapping_shingles),
        cmocka_unit_test(test_seeds_of_runs_in_more_than_max_df_documents_only_chain_neighbours),
        cmocka_unit_test(test_chained_runs_pair_neighbouring_places_inside_one_document),
        cmocka_unit_test(test_seeds_skip_runs_with_too_many_occurrences),
        cmocka_unit_test(test_seeds_sort_by_pair_then_position),
        cmocka_unit_test(test_seeds_sort_matches_a_reference_sort),
        cmocka_unit_test(test_seeds_report_allocation_failure),
        cmocka_unit_test(test_context_sketches_the_tokens_around_a_shingle),
        cmocka_unit_test(test_seeds_whose_contexts_share_no_token_are_lone),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
