/* test_cluster.c - grouping of occurrences, union-find over alignments, the giant-cluster
 * guard, kinds, report order, line/column and coverage. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "scan/cluster.h"

#define DOC_TOKENS 400

/* A corpus of n documents of DOC_TOKENS five-letter words: token t at bytes [6t, 6t + 5). */
static rp_corpus *make_corpus(size_t n)
{
    rp_corpus *c;
    char *text = malloc(DOC_TOKENS * 6 + 1);
    assert_int_equal(rp_corpus_new(&c), RP_OK);
    for (size_t d = 0; d < n; d++) {
        for (int t = 0; t < DOC_TOKENS; t++)
            snprintf(text + 6 * t, 7, "w%04d ", t);
        char name[32];
        snprintf(name, sizeof(name), "doc%zu", d);
        assert_int_equal(rp_corpus_add(c, name, text, DOC_TOKENS * 6, NULL), RP_OK);
    }
    free(text);
    return c;
}

static rp_occ occ(uint32_t doc, uint32_t start, uint32_t end)
{
    return (rp_occ){doc, start, end, 6 * (size_t)start, 6 * (size_t)end - 1};
}

static rp_link link_of(rp_occ a, rp_occ b, uint32_t m, uint32_t c)
{
    return (rp_link){a, b, m, c, NULL, 0};
}

typedef struct built {
    rp_corpus *corpus;
    rp_clusters cl;
    uint32_t covered[300];
} built;

static void build_ok(built *b, size_t docs, const rp_link *links, size_t n)
{
    rp_options o;
    rp_options_init(&o);
    memset(b, 0, sizeof(*b));
    b->corpus = make_corpus(docs);
    assert_int_equal(rp_cluster_build(b->corpus, &o, links, n, b->covered, &b->cl), RP_OK);
}

static void done(built *b)
{
    rp_clusters_release(&b->cl);
    rp_corpus_free(b->corpus);
}

static void test_cluster_joins_links_through_shared_occurrences(void **state)
{
    const rp_link links[] = {link_of(occ(0, 10, 60), occ(1, 0, 50), 50, 50),
                             link_of(occ(1, 2, 50), occ(2, 100, 148), 45, 48)};
    built b;
    build_ok(&b, 3, links, 2);
    assert_int_equal(b.cl.count, 1);
    const rp_cluster *c = &b.cl.items[0];
    assert_int_equal(c->kind, RP_KIND_REPRINT);
    assert_int_equal(c->passage_count, 3);
    assert_int_equal(c->documents, 3);
    assert_int_equal(c->tokens, 50);
    assert_int_equal(c->passages[1].doc, 1);
    assert_int_equal(c->passages[1].start, 0); /* the union of both occurrences in doc 1 */
    assert_int_equal(c->passages[1].end, 6 * 50 - 1);
    assert_int_equal(c->passages[0].line, 1);
    assert_int_equal(c->passages[0].column, 61);
    assert_int_equal(c->pair_count, 2);
    assert_int_equal(c->pairs[0].a, 0);
    assert_int_equal(c->pairs[0].b, 1);
    assert_int_equal(c->pairs[1].a, 1);
    assert_int_equal(c->pairs[1].b, 2);
    assert_true(c->passages[2].identity > 0.93 && c->passages[2].identity < 0.94);
    assert_int_equal(b.covered[0], 50);
    assert_int_equal(b.covered[1], 50);
    done(&b);
}

static void test_cluster_keeps_occurrences_overlapping_by_half_or_less_apart(void **state)
{
    /* doc 0: [0,100) from doc 1 and [50,150) from doc 2 overlap by exactly half */
    const rp_link links[] = {link_of(occ(0, 0, 100), occ(1, 0, 100), 100, 100),
                             link_of(occ(0, 50, 150), occ(2, 0, 100), 100, 100)};
    built b;
    build_ok(&b, 3, links, 2);
    assert_int_equal(b.cl.count, 2);
    assert_int_equal(b.covered[0], 150);
    done(&b);
}

static void test_cluster_guards_against_chaining_through_a_recurring_passage(void **state)
{
    /* A passage P recurs in 200 documents (doc i ~ doc i+1), and in each document it is
     * followed by a passage Q_i shared with one other document; some alignments cover the tail
     * of P and Q_i together. P and the Q_i must stay separate clusters. */
    enum { N = 200 };
    rp_link *links = malloc(3 * N * sizeof(*links));
    size_t n = 0;
    for (uint32_t i = 0; i + 1 < N; i++)
        links[n++] = link_of(occ(i, 0, 100), occ(i + 1, 0, 100), 90, 100);
    for (uint32_t i = 0; i + 1 < N; i += 2) {
        links[n++] = link_of(occ(i, 100, 200), occ(i + 1, 200, 300), 100, 100);
        links[n++] = link_of(occ(i, 60, 200), occ(i + 1, 160, 300), 130, 140);
    }
    built b;
    build_ok(&b, N, links, n);
    size_t biggest = 0;
    for (size_t i = 0; i < b.cl.count; i++)
        if (b.cl.items[i].passage_count > biggest)
            biggest = b.cl.items[i].passage_count;
    assert_int_equal(biggest, N);           /* P alone */
    assert_int_equal(b.cl.count, 1 + N / 2); /* and one cluster per Q_i */
    assert_int_equal(b.cl.items[0].passage_count, N);
    done(&b);
    free(links);
}

static void test_cluster_kinds_follow_documents_and_length(void **state)
{
    rp_link links[8];
    size_t n = 0;
    for (uint32_t d = 1; d < 6; d++) /* 20 tokens in 6 documents: boilerplate */
        links[n++] = link_of(occ(0, 300, 320), occ(d, 300, 320), 20, 20);
    links[n++] = link_of(occ(0, 0, 30), occ(0, 100, 130), 30, 30);   /* internal */
    links[n++] = link_of(occ(1, 0, 60), occ(2, 10, 70), 60, 60);     /* reprint */
    built b;
    build_ok(&b, 6, links, n);
    assert_int_equal(b.cl.count, 3);
    /* order: size x tokens: 6 x 20 = 120, 2 x 60 = 120 (doc 1 first), 2 x 30 = 60 */
    assert_int_equal(b.cl.items[0].kind, RP_KIND_BOILERPLATE);
    assert_int_equal(b.cl.items[0].documents, 6);
    assert_int_equal(b.cl.items[1].kind, RP_KIND_REPRINT);
    assert_int_equal(b.cl.items[2].kind, RP_KIND_INTERNAL);
    assert_int_equal(b.cl.items[2].passage_count, 2);
    assert_int_equal(b.covered[0], 60); /* boilerplate does not count */
    assert_int_equal(b.covered[3], 0);
    done(&b);
}

/* Boilerplate goes by the median passage: one copy that runs on past boilerplate_tokens does
 * not hide a template line, and a cluster whose copies are mostly long stays a reprint. */
static void test_cluster_boilerplate_goes_by_the_median_passage(void **state)
{
    rp_link links[16];
    size_t n = 0;
    for (uint32_t d = 1; d < 6; d++) /* 20 tokens in 6 documents, one copy runs on to 45 */
        links[n++] = link_of(occ(0, 300, 320), d == 3 ? occ(d, 300, 345) : occ(d, 300, 320),
                             20, d == 3 ? 45 : 20);
    for (uint32_t d = 1; d < 6; d++) /* 45 tokens in 6 documents, two copies of 30 */
        links[n++] = link_of(occ(0, 100, 145), d < 3 ? occ(d, 100, 130) : occ(d, 100, 145),
                             d < 3 ? 30 : 45, 45);
    built b;
    build_ok(&b, 6, links, n);
    assert_int_equal(b.cl.count, 2);
    for (size_t i = 0; i < 2; i++) {
        const rp_cluster *c = &b.cl.items[i];
        assert_int_equal(c->documents, 6);
        assert_int_equal(c->tokens, 45); /* the longest member, as the contract says */
        assert_int_equal(c->kind, c->passages[0].start == 6 * 300 ? RP_KIND_BOILERPLATE
                                                                   : RP_KIND_REPRINT);
    }
    done(&b);
}

static void test_cluster_orders_by_size_times_tokens(void **state)
{
    const rp_link links[] = {link_of(occ(0, 0, 20), occ(1, 0, 20), 20, 20),
                             link_of(occ(2, 0, 50), occ(3, 0, 50), 50, 50),
                             link_of(occ(0, 100, 120), occ(2, 100, 120), 20, 20),
                             link_of(occ(2, 100, 120), occ(3, 100, 120), 20, 20)};
    built b;
    build_ok(&b, 4, links, 4);
    assert_int_equal(b.cl.count, 3);
    assert_int_equal(b.cl.items[0].tokens, 50); /* 100 */
    assert_int_equal(b.cl.items[1].passage_count, 3); /* 60 */
    assert_int_equal(b.cl.items[2].passages[0].doc, 0); /* 40 */
    done(&b);
}

static void test_cluster_empty_input_gives_no_clusters(void **state)
{
    built b;
    build_ok(&b, 1, NULL, 0);
    assert_int_equal(b.cl.count, 0);
    done(&b);
}

static void test_cluster_line_col_counts_code_points_and_crlf(void **state)
{
    const char *t = "ab\r\nc\xc3\xa9" "d\rx\ny";
    uint32_t line, col;
    rp_cluster_line_col(t, 0, 1, 1, 4, &line, &col);
    assert_int_equal(line, 2);
    assert_int_equal(col, 1);
    rp_cluster_line_col(t, 0, 1, 1, 7, &line, &col); /* after "cé" */
    assert_int_equal(line, 2);
    assert_int_equal(col, 3);
    rp_cluster_line_col(t, 0, 1, 1, 9, &line, &col); /* a lone \r is not a break */
    assert_int_equal(line, 2);
    assert_int_equal(col, 5);
    rp_cluster_line_col(t, 0, 1, 1, 11, &line, &col);
    assert_int_equal(line, 3);
    assert_int_equal(col, 1);
}

static void test_cluster_frees_everything_on_allocation_failure(void **state)
{
    const rp_link links[] = {link_of(occ(0, 10, 60), occ(1, 0, 50), 50, 50),
                             link_of(occ(1, 2, 50), occ(2, 100, 148), 45, 48)};
    rp_corpus *c = make_corpus(3);
    rp_options o;
    rp_options_init(&o);
    for (unsigned long fail = 1;; fail++) {
        rp_clusters cl;
        uint32_t covered[3] = {0};
        rp_alloc_fail_after(fail);
        rp_status st = rp_cluster_build(c, &o, links, 2, covered, &cl);
        rp_alloc_fail_after(0);
        if (st == RP_OK) {
            assert_int_equal(cl.count, 1);
            rp_clusters_release(&cl);
            break;
        }
        assert_int_equal(st, RP_ENOMEM);
    }
    rp_corpus_free(c);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_cluster_joins_links_through_shared_occurrences),
        cmocka_unit_test(test_cluster_keeps_occurrences_overlapping_by_half_or_less_apart),
        cmocka_unit_test(test_cluster_guards_against_chaining_through_a_recurring_passage),
        cmocka_unit_test(test_cluster_kinds_follow_documents_and_length),
        cmocka_unit_test(test_cluster_boilerplate_goes_by_the_median_passage),
        cmocka_unit_test(test_cluster_orders_by_size_times_tokens),
        cmocka_unit_test(test_cluster_empty_input_gives_no_clusters),
        cmocka_unit_test(test_cluster_line_col_counts_code_points_and_crlf),
        cmocka_unit_test(test_cluster_frees_everything_on_allocation_failure),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
