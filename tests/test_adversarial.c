/*
 * test_adversarial.c - inputs built to make a scan quadratic, at sizes a test can afford (the
 * full sizes are bench/adversarial.sh's): one short passage in 2,000 documents, one word
 * repeated 200,000 times, 500 identical documents, one 50-word paragraph repeated 1,000 times
 * (and just under the occurrence cap). Through the public API only: each scan succeeds, finds
 * a handful of clusters at most, keeps pairs linear in the documents, and writes a JSON report
 * under 1 MB that parses. Text is random words from a generated vocabulary (seeded), so the
 * only repeats are the planted ones.
 */
#include "reprint.h"

/* cmocka needs these first, in this order */
/* clang-format off */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
/* clang-format on */

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* A report that grew with the square of the copies would pass this by far; every document's
 * entry (name, counts, its title, up to 5 sources) is about 500 bytes at 2,000 documents. */
#define REPORT_MAX (3 * 512 * 1024)

/* The planted passage: 20 words. */
static const char passage[] = "The night ferry to the outer islands now leaves from the east "
                              "pier at a quarter past eleven every evening.";

/* ---- text: random words from syllables, a growable buffer ---- */

typedef struct text {
    char *data;
    size_t len;
    size_t cap;
} text;

static void text_add(text *t, const char *s, size_t len)
{
    if (t->len + len + 1 > t->cap) {
        t->cap = (t->len + len + 1) * 2;
        t->data = realloc(t->data, t->cap);
        assert_non_null(t->data);
    }
    memcpy(t->data + t->len, s, len);
    t->len += len;
    t->data[t->len] = '\0';
}

static void text_adds(text *t, const char *s)
{
    text_add(t, s, strlen(s));
}

static uint64_t rng_next(uint64_t *s)
{
    *s ^= *s << 13;
    *s ^= *s >> 7;
    *s ^= *s << 17;
    return *s;
}

/* A word of 2 to 4 syllables (24^2 .. 24^4 words: chance repeats of 5 words are nil). */
static void add_word(text *t, uint64_t *rng)
{
    static const char *const syl[] = {"ka",  "lo", "mi",  "ren", "tas", "vo",  "bel", "du",
                                      "sha", "ni", "por", "qui", "te",  "wan", "zel", "gri",
                                      "fo",  "hu", "jas", "mor", "pe",  "sil", "tro", "ye"};
    int n = 2 + (int)(rng_next(rng) % 3);

    for (int i = 0; i < n; i++)
        text_adds(t, syl[rng_next(rng) % (sizeof(syl) / sizeof(*syl))]);
}

/* count random words, a line break after every tenth, a full stop after every twelfth. */
static void add_words(text *t, uint64_t *rng, unsigned count)
{
    for (unsigned i = 0; i < count; i++) {
        if (i)
            text_adds(t, i % 10 == 0 ? "\n" : " ");
        add_word(t, rng);
        if (i % 12 == 11)
            text_adds(t, ".");
    }
}

/* ---- the scan and its report ---- */

typedef struct outcome {
    rp_scan *scan;
    size_t clusters;
    size_t passages; /* over all clusters */
    size_t pairs;
    size_t report_len;
} outcome;

static void scan_and_report(const rp_corpus *corpus, const char *what, outcome *o)
{
    rp_options opts;
    struct timespec t0, t1;
    char *report = NULL;
    size_t len = 0;
    FILE *f;
    json_error_t err;
    json_t *root;

    rp_options_init(&opts);
    memset(o, 0, sizeof(*o));
    clock_gettime(CLOCK_MONOTONIC, &t0);
    assert_int_equal(rp_scan_run(corpus, &opts, NULL, NULL, &o->scan), RP_OK);
    clock_gettime(CLOCK_MONOTONIC, &t1);
    o->clusters = rp_scan_cluster_count(o->scan);
    for (size_t i = 0; i < o->clusters; i++) {
        o->passages += rp_scan_cluster(o->scan, i)->passage_count;
        o->pairs += rp_scan_cluster(o->scan, i)->pair_count;
    }
    f = open_memstream(&report, &len);
    assert_non_null(f);
    assert_int_equal(rp_report_scan(f, RP_FORMAT_JSON, corpus, o->scan, &opts), RP_OK);
    assert_int_equal(fclose(f), 0);
    o->report_len = len;
    print_message("%s: %.2f s, %zu clusters, %zu passages, %zu pairs, report %zu bytes\n", what,
                  (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9,
                  o->clusters, o->passages, o->pairs, len);
    root = json_loadb(report, len, 0, &err);
    assert_non_null(root);
    assert_int_equal(json_array_size(json_object_get(root, "clusters")), o->clusters);
    json_decref(root);
    free(report);
    assert_true(o->report_len < REPORT_MAX);
}

static void add_doc(rp_corpus *corpus, const char *name, const text *t)
{
    assert_int_equal(rp_corpus_add(corpus, name, t->data, t->len, NULL), RP_OK);
}

/* ---- the corpora ---- */

static void test_passage_in_2000_documents_is_one_boilerplate_cluster(void **state)
{
    enum { DOCS = 2000 };
    rp_corpus *corpus = NULL;
    uint64_t rng = 0x9E3779B97F4A7C15ULL;
    const rp_cluster *c;
    outcome o;
    char name[32];

    (void)state;
    assert_int_equal(rp_corpus_new(&corpus), RP_OK);
    for (unsigned d = 0; d < DOCS; d++) {
        text t = {NULL, 0, 0};
        unsigned before = 20 + (unsigned)(rng_next(&rng) % 100);
        add_words(&t, &rng, before);
        text_adds(&t, ".\n");
        text_adds(&t, passage);
        text_adds(&t, "\n");
        add_words(&t, &rng, 140 - before);
        text_adds(&t, ".\n");
        snprintf(name, sizeof(name), "d%04u", d);
        add_doc(corpus, name, &t);
        free(t.data);
    }
    scan_and_report(corpus, "passage x 2000 documents", &o);
    assert_true(o.clusters >= 1 && o.clusters <= 3);
    c = rp_scan_cluster(o.scan, 0);
    assert_int_equal(c->kind, RP_KIND_BOILERPLATE);
    assert_int_equal(c->documents, DOCS);
    assert_int_equal(c->passage_count, DOCS);
    assert_true(c->tokens >= 20 && c->tokens <= 22);
    assert_true(o.pairs <= 2 * (size_t)DOCS); /* neighbours chained, not all pairs */
    rp_scan_free(o.scan);
    rp_corpus_free(corpus);
}

static void test_one_word_repeated_200000_times_stays_small(void **state)
{
    enum { WORDS = 200000 };
    rp_corpus *corpus = NULL;
    text t = {NULL, 0, 0};
    outcome o;

    (void)state;
    for (unsigned i = 0; i < WORDS; i++)
        text_adds(&t, i % 9 == 8 ? "harbour\n" : "harbour ");
    assert_int_equal(rp_corpus_new(&corpus), RP_OK);
    add_doc(corpus, "word", &t);
    free(t.data);
    scan_and_report(corpus, "one word x 200000", &o);
    assert_true(o.clusters <= 3);
    assert_true(o.passages <= 3 * 8);
    for (size_t i = 0; i < o.clusters; i++)
        assert_int_equal(rp_scan_cluster(o.scan, i)->kind, RP_KIND_INTERNAL);
    rp_scan_free(o.scan);
    rp_corpus_free(corpus);
}

static void test_500_identical_documents_are_one_cluster_with_linear_pairs(void **state)
{
    enum { DOCS = 500 };
    rp_corpus *corpus = NULL;
    uint64_t rng = 12345;
    text t = {NULL, 0, 0};
    const rp_cluster *c;
    outcome o;
    char name[32];

    (void)state;
    add_words(&t, &rng, 120);
    text_adds(&t, ".\n");
    assert_int_equal(rp_corpus_new(&corpus), RP_OK);
    for (unsigned d = 0; d < DOCS; d++) {
        snprintf(name, sizeof(name), "copy%03u", d);
        add_doc(corpus, name, &t);
    }
    free(t.data);
    scan_and_report(corpus, "identical x 500 documents", &o);
    assert_int_equal(o.clusters, 1);
    c = rp_scan_cluster(o.scan, 0);
    assert_int_equal(c->kind, RP_KIND_REPRINT); /* 120 tokens: longer than boilerplate */
    assert_int_equal(c->documents, DOCS);
    assert_int_equal(c->passage_count, DOCS);
    assert_true(c->tokens >= 120);
    assert_true(o.pairs <= 2 * (size_t)DOCS); /* not DOCS * (DOCS - 1) / 2 */
    rp_scan_free(o.scan);
    rp_corpus_free(corpus);
}

/* One document: a 50-word paragraph of random words, then the same paragraph `repeats` - 1
 * more times. */
static rp_corpus *paragraph_corpus(unsigned repeats)
{
    rp_corpus *corpus = NULL;
    uint64_t rng = 777;
    text para = {NULL, 0, 0}, t = {NULL, 0, 0};

    add_words(&para, &rng, 50);
    text_adds(&para, ".\n\n");
    for (unsigned i = 0; i < repeats; i++)
        text_add(&t, para.data, para.len);
    assert_int_equal(rp_corpus_new(&corpus), RP_OK);
    add_doc(corpus, "paragraphs", &t);
    free(para.data);
    free(t.data);
    return corpus;
}

static void test_paragraph_repeated_1000_times_stays_small(void **state)
{
    rp_corpus *corpus = paragraph_corpus(1000);
    outcome o;

    (void)state;
    scan_and_report(corpus, "paragraph x 1000", &o);
    assert_true(o.clusters <= 3);
    for (size_t i = 0; i < o.clusters; i++)
        assert_int_equal(rp_scan_cluster(o.scan, i)->kind, RP_KIND_INTERNAL);
    rp_scan_free(o.scan);
    rp_corpus_free(corpus);
}

/* Just under the occurrence cap (max_df * 4 occurrences of a fingerprint in few documents):
 * the most seeds a repeated paragraph can ask for. Every copy must land in one internal
 * cluster (it once made 126 clusters of nested passages and a report over 1 MB). */
static void test_paragraph_repeated_just_under_the_cap_keeps_the_report_bounded(void **state)
{
    rp_options opts;
    rp_corpus *corpus;
    outcome o;

    (void)state;
    rp_options_init(&opts);
    corpus = paragraph_corpus(opts.max_df * 4 - 1);
    scan_and_report(corpus, "paragraph x (cap - 1)", &o);
    assert_int_equal(o.clusters, 1);
    assert_true(o.passages >= opts.max_df * 4 - 1); /* every copy */
    assert_true(o.report_len < 1000000);
    for (size_t i = 0; i < o.clusters; i++)
        assert_int_equal(rp_scan_cluster(o.scan, i)->kind, RP_KIND_INTERNAL);
    rp_scan_free(o.scan);
    rp_corpus_free(corpus);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_passage_in_2000_documents_is_one_boilerplate_cluster),
        cmocka_unit_test(test_one_word_repeated_200000_times_stays_small),
        cmocka_unit_test(test_500_identical_documents_are_one_cluster_with_linear_pairs),
        cmocka_unit_test(test_paragraph_repeated_1000_times_stays_small),
        cmocka_unit_test(test_paragraph_repeated_just_under_the_cap_keeps_the_report_bounded),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
