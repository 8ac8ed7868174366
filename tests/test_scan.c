/* test_scan.c - rp_scan_run end to end on synthetic corpora: reprints across documents, an
 * intro restating its body, boilerplate, determinism across thread counts, edge cases,
 * allocation failure, and rp_scan_explain. Text is made of generated pseudo-words. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/base.h"
#include "scan/scan.h"
#include "fixture.h"

static uint64_t rng_state;

static uint32_t rng(void)
{
    rng_state = rng_state * 6364136223846793005ULL + 1442695040888963407ULL;
    return (uint32_t)(rng_state >> 33);
}

/* A pseudo-word of 2-4 syllables (about 50,000 distinct words). */
static void add_word(rp_buf *b)
{
    static const char *syl[] = {"ka", "lo", "mi", "ne", "ru", "ta", "vo", "si", "pe", "da",
                                "go", "hu", "ri", "zo", "be", "fa", "tu", "wi", "xe", "yo"};
    int n = 2 + (int)(rng() % 3);
    for (int i = 0; i < n; i++)
        assert_int_equal(rp_buf_adds(b, syl[rng() % 20]), RP_OK);
}

/* n words separated by spaces, ending in ". " every 9 words. */
static void add_words(rp_buf *b, int n)
{
    for (int i = 0; i < n; i++) {
        add_word(b);
        assert_int_equal(rp_buf_adds(b, (i + 1) % 9 == 0 || i + 1 == n ? ". " : " "), RP_OK);
    }
}

/* A passage of n words without final punctuation (OWNED, free). */
static char *make_passage(int n)
{
    rp_buf b = RP_BUF_INIT;
    for (int i = 0; i < n; i++) {
        add_word(&b);
        if (i + 1 < n)
            assert_int_equal(rp_buf_adds(&b, i % 11 == 10 ? ", " : " "), RP_OK);
    }
    return b.data;
}

/* Adds words, the passage (its offset to *off), words. */
static void add_doc(rp_corpus *c, const char *name, int before, const char *passage, int after,
                    size_t *off)
{
    rp_buf b = RP_BUF_INIT;
    add_words(&b, before);
    if (off)
        *off = b.len;
    assert_int_equal(rp_buf_adds(&b, passage), RP_OK);
    assert_int_equal(rp_buf_adds(&b, ". "), RP_OK);
    add_words(&b, after);
    assert_int_equal(rp_corpus_add(c, name, b.data, b.len, NULL), RP_OK);
    rp_buf_release(&b);
}

static rp_scan *scan_ok(const rp_corpus *c, unsigned threads)
{
    rp_options o;
    rp_scan *s = NULL;
    rp_options_init(&o);
    o.threads = threads;
    assert_int_equal(rp_scan_run(c, &o, NULL, NULL, &s), RP_OK);
    return s;
}

static void test_scan_finds_a_passage_reprinted_in_three_documents(void **state)
{
    rp_corpus *c;
    size_t off[3];
    rng_state = 11;
    char *p = make_passage(40);
    assert_int_equal(rp_corpus_new(&c), RP_OK);
    add_doc(c, "a", 50, p, 60, &off[0]);
    add_doc(c, "b", 120, p, 10, &off[1]);
    add_doc(c, "c", 0, p, 80, &off[2]);
    rp_scan *s = scan_ok(c, 2);
    assert_int_equal(rp_scan_cluster_count(s), 1);
    const rp_cluster *cl = rp_scan_cluster(s, 0);
    assert_int_equal(cl->kind, RP_KIND_REPRINT);
    assert_int_equal(cl->passage_count, 3);
    assert_int_equal(cl->documents, 3);
    assert_int_equal(cl->tokens, 40);
    for (uint32_t i = 0; i < 3; i++) {
        assert_int_equal(cl->passages[i].doc, i);
        assert_int_equal(cl->passages[i].start, off[i]);
        assert_int_equal(cl->passages[i].end, off[i] + strlen(p));
        assert_int_equal(cl->passages[i].tokens, 40);
        assert_true(cl->passages[i].identity == 1.0);
    }
    assert_int_equal(cl->pair_count, 2);
    assert_int_equal(cl->passages[2].line, 1);
    assert_int_equal(cl->passages[2].column, 1);
    const rp_doc_stats *st = rp_scan_doc_stats(s, 1);
    assert_int_equal(st->tokens, 170);
    assert_true(st->covered > 39.99 / 170 && st->covered < 40.01 / 170);
    assert_int_equal(rp_scan_get_counts(s)->alignments, 3);
    rp_scan_free(s);
    rp_corpus_free(c);
    free(p);
}

static void test_scan_finds_an_intro_restating_its_body(void **state)
{
    rp_corpus *c;
    rp_buf b = RP_BUF_INIT, edited = RP_BUF_INIT;
    rng_state = 12;
    char *p = make_passage(30);
    /* the intro says it with one word changed */
    assert_int_equal(rp_buf_adds(&edited, p), RP_OK);
    memcpy(strchr(edited.data, ' ') + 1, "qq", 2);
    add_words(&b, 10);
    size_t intro = b.len;
    rp_buf_adds(&b, edited.data);
    rp_buf_adds(&b, ". ");
    add_words(&b, 100);
    size_t body = b.len;
    rp_buf_adds(&b, p);
    rp_buf_adds(&b, ". ");
    add_words(&b, 20);
    assert_int_equal(rp_corpus_new(&c), RP_OK);
    assert_int_equal(rp_corpus_add(c, "post", b.data, b.len, NULL), RP_OK);
    rp_scan *s = scan_ok(c, 1);
    assert_int_equal(rp_scan_cluster_count(s), 1);
    const rp_cluster *cl = rp_scan_cluster(s, 0);
    assert_int_equal(cl->kind, RP_KIND_INTERNAL);
    assert_int_equal(cl->passage_count, 2);
    assert_int_equal(cl->passages[0].start, intro);
    assert_int_equal(cl->passages[1].start, body);
    assert_int_equal(cl->passages[1].end, body + strlen(p));
    assert_true(cl->passages[0].identity > 0.9 && cl->passages[0].identity < 1.0);
    rp_scan_free(s);
    rp_corpus_free(c);
    rp_buf_release(&b);
    rp_buf_release(&edited);
    free(p);
}

static void test_scan_labels_a_template_line_in_six_documents_boilerplate(void **state)
{
    rp_corpus *c;
    rng_state = 13;
    char *p = make_passage(14);
    assert_int_equal(rp_corpus_new(&c), RP_OK);
    for (int d = 0; d < 6; d++) {
        char name[8];
        snprintf(name, sizeof(name), "d%d", d);
        add_doc(c, name, 30 + d, p, 40, NULL);
    }
    rp_scan *s = scan_ok(c, 2);
    assert_int_equal(rp_scan_cluster_count(s), 1);
    assert_int_equal(rp_scan_cluster(s, 0)->kind, RP_KIND_BOILERPLATE);
    assert_int_equal(rp_scan_cluster(s, 0)->documents, 6);
    assert_true(rp_scan_doc_stats(s, 0)->covered == 0.0);
    rp_scan_free(s);
    rp_corpus_free(c);
    free(p);
}

/* 30 documents sharing edited copies of 8 passages. */
static rp_corpus *mixed_corpus(void)
{
    rp_corpus *c;
    char *ps[8];
    rng_state = 14;
    for (int i = 0; i < 8; i++)
        ps[i] = make_passage(20 + 10 * i);
    assert_int_equal(rp_corpus_new(&c), RP_OK);
    for (int d = 0; d < 30; d++) {
        char name[8];
        char *p = ps[rng() % 8];
        char *q = strdup(p);
        q[rng() % strlen(q)] = 'z'; /* an edit */
        snprintf(name, sizeof(name), "m%d", d);
        add_doc(c, name, (int)(rng() % 80), d % 2 ? q : p, (int)(rng() % 80), NULL);
        free(q);
    }
    for (int i = 0; i < 8; i++)
        free(ps[i]);
    return c;
}

static void test_scan_is_identical_for_any_thread_count(void **state)
{
    rp_corpus *c = mixed_corpus();
    rp_scan *s1 = scan_ok(c, 1), *s2 = scan_ok(c, 2), *s3 = scan_ok(c, 3);
    assert_true(rp_scan_cluster_count(s1) >= 4);
    fixture_assert_same_scans(s1, s2, 30);
    fixture_assert_same_scans(s1, s3, 30);
    /* pairs aligned two at a time: a document's hashes are kept across windows until its
     * last pair */
    rp_scan_align_window = 2;
    rp_scan *s4 = scan_ok(c, 2);
    rp_scan_align_window = 0;
    fixture_assert_same_scans(s1, s4, 30);
    rp_scan_free(s4);
    rp_scan_free(s1);
    rp_scan_free(s2);
    rp_scan_free(s3);
    rp_corpus_free(c);
}

/* A first pass holding a few dozen tokens at a time (each document streamed in many blocks,
 * fingerprints distributed as they are made) finds exactly what one block per document finds. */
/* Adds "long" to c: random words, a 40-word passage, more words, the passage again, a few
 * more (one long document repeating its own passage far apart). */
static void add_long_doc(rp_corpus *c, uint64_t seed, size_t before, size_t between,
                         size_t after)
{
    rp_buf b = RP_BUF_INIT;
    char *p;
    rng_state = seed;
    p = make_passage(40);
    add_words(&b, before);
    assert_int_equal(rp_buf_adds(&b, p), RP_OK);
    add_words(&b, between);
    assert_int_equal(rp_buf_adds(&b, p), RP_OK);
    add_words(&b, after);
    assert_int_equal(rp_corpus_add(c, "long", b.data, b.len, NULL), RP_OK);
    rp_buf_release(&b);
    free(p);
}

static void test_scan_streams_long_documents_in_blocks(void **state)
{
    rp_corpus *c = mixed_corpus();
    size_t saved = rp_scan_token_block;
    (void)state;
    add_long_doc(c, 15, 50, 700, 30);
    rp_scan *whole = scan_ok(c, 2);
    rp_scan_token_block = 1; /* raised to the smallest block the window allows */
    rp_scan *streamed = scan_ok(c, 2);
    rp_scan_token_block = saved;
    assert_true(rp_scan_get_counts(whole)->fingerprints > 1000);
    assert_int_equal(rp_scan_get_counts(whole)->fingerprints,
                     rp_scan_get_counts(streamed)->fingerprints);
    assert_int_equal(rp_scan_get_counts(whole)->seeds, rp_scan_get_counts(streamed)->seeds);
    fixture_assert_same_scans(whole, streamed, 31);
    bool internal = false;
    for (size_t i = 0; i < rp_scan_cluster_count(streamed); i++)
        internal |= rp_scan_cluster(streamed, i)->kind == RP_KIND_INTERNAL;
    assert_true(internal);
    rp_scan_free(whole);
    rp_scan_free(streamed);
    rp_corpus_free(c);
}

/* Without a memory budget the first pass keeps every document's token hashes for the aligner;
 * under one the aligner tokenizes its documents again, as it does past the cap on kept hashes.
 * All give the same scan, whether a document arrives in one block or in many (the hashes
 * appended as each block is winnowed). */
static rp_scan *scan_budget(const rp_corpus *c, size_t memory)
{
    rp_options o;
    rp_scan *s = NULL;
    rp_options_init(&o);
    o.threads = 2;
    o.memory = memory;
    assert_int_equal(rp_scan_run(c, &o, NULL, NULL, &s), RP_OK);
    return s;
}

static void test_scan_kept_hashes_match_a_second_tokenization(void **state)
{
    rp_corpus *c = mixed_corpus();
    size_t saved = rp_scan_token_block;
    (void)state;
    add_long_doc(c, 16, 300, 900, 20);
    for (int k = 0; k < 8; k++) { /* token blocks of 1 or the default; no cap or a tiny one;
                                     * kept in the heap or in a file */
        rp_scan_token_block = k & 1 ? 1 : saved;
        rp_scan_keep_cap = k & 2 ? 64 : 0; /* 64 bytes: the first documents kept, no others */
        rp_scan_keep_file_min = k & 4 ? 1 : RP_SCAN_KEEP_FILE_MIN;
        rp_scan *kept = scan_budget(c, 0);
        rp_scan *again = scan_budget(c, (size_t)1 << 40); /* a budget that never binds */
        assert_true(rp_scan_cluster_count(kept) >= 4);
        assert_int_equal(rp_scan_get_counts(kept)->alignments,
                         rp_scan_get_counts(again)->alignments);
        fixture_assert_same_scans(kept, again, 31);
        rp_scan_free(kept);
        rp_scan_free(again);
    }
    rp_scan_token_block = saved;
    rp_scan_keep_cap = 0;
    rp_scan_keep_file_min = RP_SCAN_KEEP_FILE_MIN;
    rp_corpus_free(c);
}

/* Parking (rp_options.text_on_disk) on a corpus read from a folder of small files: the text moves to
 * a file as the first pass finishes with it and the index goes bucket by bucket, and the scan
 * is the one made without it; every document keeps its bytes. */
static void test_scan_with_parked_text_is_the_scan_without(void **state)
{
    char dir[] = "/tmp/rp-park-XXXXXX", path[64];
    rp_corpus *m = mixed_corpus(), *c[2];
    rp_read_options ro;
    rp_scan *s[2];
    (void)state;
    assert_non_null(mkdtemp(dir));
    for (uint32_t d = 0; d < 30; d++) {
        snprintf(path, sizeof(path), "%s/m%02u.txt", dir, d);
        FILE *f = fopen(path, "wb");
        assert_non_null(f);
        const rp_doc *doc = rp_corpus_doc(m, d);
        assert_int_equal(fwrite(doc->bytes, 1, doc->len, f), doc->len);
        assert_int_equal(fclose(f), 0);
    }
    rp_read_options_init(&ro);
    ro.threads = 2;
    rp_scan_keep_file_min = 1;
    for (int k = 0; k < 2; k++) {
        assert_int_equal(rp_corpus_new(&c[k]), RP_OK);
        assert_int_equal(rp_corpus_read(c[k], dir, &ro), RP_OK);
        assert_int_equal(rp_corpus_count(c[k]), 30);
        assert_false(fixture_in_file_mapping(rp_corpus_doc(c[k], 0)->bytes));
        rp_options o;
        rp_options_init(&o);
        o.threads = 2;
        o.text_on_disk = k == 1;
        s[k] = NULL;
        assert_int_equal(rp_scan_run(c[k], &o, NULL, NULL, &s[k]), RP_OK);
    }
    rp_scan_keep_file_min = RP_SCAN_KEEP_FILE_MIN;
    assert_true(rp_scan_cluster_count(s[0]) >= 4);
    fixture_assert_same_scans(s[0], s[1], 30);
    assert_false(fixture_in_file_mapping(rp_corpus_doc(c[0], 0)->bytes));
    assert_true(fixture_in_file_mapping(rp_corpus_doc(c[1], 0)->bytes));
    for (uint32_t d = 0; d < 30; d++) {
        const rp_doc *a = rp_corpus_doc(m, d), *b = rp_corpus_doc(c[1], d);
        assert_int_equal(a->len, b->len);
        assert_memory_equal(a->bytes, b->bytes, a->len);
        snprintf(path, sizeof(path), "%s/m%02u.txt", dir, d);
        assert_int_equal(unlink(path), 0);
    }
    assert_int_equal(rmdir(dir), 0);
    for (int k = 0; k < 2; k++) {
        rp_scan_free(s[k]);
        rp_corpus_free(c[k]);
    }
    rp_corpus_free(m);
}

/* Seeds are sorted in place by ranges of documents, then by document: with more documents than
 * ranges (130 here, 64 ranges), every pair still finds all its seeds together. Pairs aligned
 * in windows of a few give the same scan as one window. */
static void test_scan_pairs_documents_across_seed_ranges(void **state)
{
    rp_corpus *c;
    char *ps[65];
    (void)state;
    rng_state = 21;
    for (int j = 0; j < 65; j++)
        ps[j] = make_passage(30);
    assert_int_equal(rp_corpus_new(&c), RP_OK);
    for (int d = 0; d < 130; d++) {
        char name[8];
        snprintf(name, sizeof(name), "r%d", d);
        add_doc(c, name, 20 + (int)(rng() % 40), ps[d % 65], 20 + (int)(rng() % 40), NULL);
    }
    rp_scan *one_window = scan_ok(c, 2);
    rp_scan_align_window = 3; /* 22 windows, each document's hashes freed after its own */
    rp_scan *windows = scan_ok(c, 2);
    rp_scan_align_window = 0;
    fixture_assert_same_scans(one_window, windows, 130);
    rp_scan_free(one_window);
    rp_scan_free(windows);
    for (unsigned threads = 1; threads <= 2; threads++) {
        rp_scan *s = scan_ok(c, threads);
        bool seen[65] = {false};
        assert_int_equal(rp_scan_cluster_count(s), 65);
        /* one alignment a pair: seeds of one pair split apart would align it more than once */
        assert_int_equal(rp_scan_get_counts(s)->alignments, 65);
        for (size_t i = 0; i < 65; i++) {
            const rp_cluster *cl = rp_scan_cluster(s, i);
            assert_int_equal(cl->passage_count, 2);
            assert_int_equal(cl->passages[1].doc, cl->passages[0].doc + 65);
            assert_false(seen[cl->passages[0].doc]);
            seen[cl->passages[0].doc] = true;
        }
        rp_scan_free(s);
    }
    for (int j = 0; j < 65; j++)
        free(ps[j]);
    rp_corpus_free(c);
}

static void test_scan_handles_empty_single_and_tiny_corpora(void **state)
{
    rp_corpus *c;
    assert_int_equal(rp_corpus_new(&c), RP_OK);
    rp_scan *s = scan_ok(c, 0);
    assert_int_equal(rp_scan_cluster_count(s), 0);
    assert_null(rp_scan_doc_stats(s, 0));
    rp_scan_free(s);
    assert_int_equal(rp_corpus_add(c, "one", "lone words here", 15, NULL), RP_OK);
    assert_int_equal(rp_corpus_add(c, "two", "lone words", 10, NULL), RP_OK);
    assert_int_equal(rp_corpus_add(c, "empty", "", 0, NULL), RP_OK);
    s = scan_ok(c, 2);
    assert_int_equal(rp_scan_cluster_count(s), 0);
    assert_int_equal(rp_scan_doc_stats(s, 0)->tokens, 3);
    assert_int_equal(rp_scan_doc_stats(s, 2)->tokens, 0);
    assert_true(rp_scan_doc_stats(s, 2)->covered == 0.0);
    assert_int_equal(rp_scan_get_counts(s)->fingerprints, 0);
    rp_scan_free(s);
    rp_corpus_free(c);
}

static void test_scan_rejects_bad_options(void **state)
{
    rp_corpus *c;
    rp_options o;
    rp_scan *s = NULL;
    assert_int_equal(rp_corpus_new(&c), RP_OK);
    rp_options_init(&o);
    o.shingle = 0;
    assert_int_equal(rp_scan_run(c, &o, NULL, NULL, &s), RP_EINVAL);
    assert_null(s);
    rp_corpus_free(c);
}

static void progress(void *ctx, const char *stage, uint64_t done, uint64_t total)
{
    unsigned *seen = ctx;
    assert_true(done <= total);
    if (strcmp(stage, "fingerprint") == 0)
        seen[0]++;
    else if (strcmp(stage, "index") == 0)
        seen[1]++;
    else if (strcmp(stage, "align") == 0)
        seen[2]++;
    else if (strcmp(stage, "cluster") == 0)
        seen[3]++;
    else if (strcmp(stage, "pairs") == 0) /* the serial steps between stages, named too */
        seen[4]++;
    else if (strcmp(stage, "hits") == 0)
        seen[5]++;
    else if (strcmp(stage, "plan") == 0)
        seen[6]++;
}

static void test_scan_reports_progress_for_each_stage(void **state)
{
    rp_corpus *c = mixed_corpus();
    rp_options o;
    rp_scan *s;
    unsigned seen[7] = {0};
    rp_options_init(&o);
    assert_int_equal(rp_scan_run(c, &o, progress, seen, &s), RP_OK);
    for (int i = 0; i < 7; i++)
        assert_true(seen[i] > 0);
    rp_scan_free(s);
    rp_corpus_free(c);
}

/* A memory budget below what a stage needs stops the scan with RP_EBUDGET and frees all; a
 * budget that fits changes nothing; the estimate grows with the corpus. Budgets between the
 * two reach each checkpoint in turn. */
static void test_scan_stops_at_the_memory_budget(void **state)
{
    rp_corpus *c;
    rp_options o;
    rp_scan *s = NULL, *free_run = NULL;
    rng_state = 16;
    char *p = make_passage(25);
    assert_int_equal(rp_corpus_new(&c), RP_OK);
    add_doc(c, "a", 200, p, 20, NULL);
    add_doc(c, "b", 300, p, 50, NULL);
    add_doc(c, "c", 100, p, 5, NULL);
    rp_options_init(&o);
    o.threads = 2;
    assert_int_equal(rp_scan_run(c, &o, NULL, NULL, &free_run), RP_OK);
    size_t need = rp_scan_memory_estimate(c, &o);
    assert_true(need > 1000);
    o.memory = 64;
    assert_int_equal(rp_scan_run(c, &o, NULL, NULL, &s), RP_EBUDGET);
    assert_null(s);
    unsigned stopped = 0;
    for (size_t budget = 256; budget < 64 * need; budget *= 2) {
        o.memory = budget;
        rp_status st = rp_scan_run(c, &o, NULL, NULL, &s);
        if (st == RP_EBUDGET) {
            assert_null(s);
            stopped++;
            continue;
        }
        assert_int_equal(st, RP_OK);
        assert_int_equal(rp_scan_cluster_count(s), rp_scan_cluster_count(free_run));
        rp_scan_free(s);
        s = NULL;
    }
    assert_true(stopped > 0);
    o.memory = 64 * need;
    assert_int_equal(rp_scan_run(c, &o, NULL, NULL, &s), RP_OK);
    assert_int_equal(rp_scan_cluster_count(s), rp_scan_cluster_count(free_run));
    assert_string_equal(rp_strerror(RP_EBUDGET), "over the memory budget");
    rp_scan_free(s);
    rp_scan_free(free_run);
    rp_corpus_free(c);
    free(p);
}

static void test_scan_frees_everything_on_allocation_failure(void **state)
{
    rp_corpus *c;
    rp_options o;
    rng_state = 15;
    char *p = make_passage(25);
    assert_int_equal(rp_corpus_new(&c), RP_OK);
    add_doc(c, "a", 20, p, 20, NULL);
    add_doc(c, "b", 30, p, 5, NULL);
    add_doc(c, "c", 10, p, 5, NULL);
    rp_options_init(&o);
    o.threads = 1;
    rp_scan *s = fixture_scan_past_allocation_failures(c, &o);
    assert_int_equal(rp_scan_cluster_count(s), 1);
    rp_scan_free(s);
    rp_corpus_free(c);
    free(p);
}

static void test_scan_explain_says_what_two_documents_share(void **state)
{
    rp_corpus *c;
    rp_options o;
    char *text = NULL;
    rng_state = 16;
    char *p = make_passage(30), *q = make_passage(8);
    assert_int_equal(rp_corpus_new(&c), RP_OK);
    add_doc(c, "a", 20, p, 20, NULL);
    add_doc(c, "b", 30, p, 5, NULL);
    add_doc(c, "c", 30, q, 5, NULL);
    add_doc(c, "d", 30, q, 5, NULL);
    rp_options_init(&o);
    assert_int_equal(rp_scan_explain(c, &o, 1, 0, &text), RP_OK);
    assert_non_null(strstr(text, "A: document 0 'a'"));
    assert_non_null(strstr(text, "B: document 1 'b'"));
    assert_non_null(strstr(text, "df 2, 2 occurrences: seed"));
    assert_non_null(strstr(text, "30 matches / 30 columns = identity 1.000: reported"));
    free(text);
    assert_int_equal(rp_scan_explain(c, &o, 2, 3, &text), RP_OK);
    assert_non_null(strstr(text, "fewer than min_tokens"));
    free(text);
    assert_int_equal(rp_scan_explain(c, &o, 0, 9, &text), RP_ENOTFOUND);
    rp_corpus_free(c);
    free(p);
    free(q);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_scan_finds_a_passage_reprinted_in_three_documents),
        cmocka_unit_test(test_scan_finds_an_intro_restating_its_body),
        cmocka_unit_test(test_scan_labels_a_template_line_in_six_documents_boilerplate),
        cmocka_unit_test(test_scan_is_identical_for_any_thread_count),
        cmocka_unit_test(test_scan_streams_long_documents_in_blocks),
        cmocka_unit_test(test_scan_kept_hashes_match_a_second_tokenization),
        cmocka_unit_test(test_scan_with_parked_text_is_the_scan_without),
        cmocka_unit_test(test_scan_pairs_documents_across_seed_ranges),
        cmocka_unit_test(test_scan_handles_empty_single_and_tiny_corpora),
        cmocka_unit_test(test_scan_rejects_bad_options),
        cmocka_unit_test(test_scan_reports_progress_for_each_stage),
        cmocka_unit_test(test_scan_stops_at_the_memory_budget),
        cmocka_unit_test(test_scan_frees_everything_on_allocation_failure),
        cmocka_unit_test(test_scan_explain_says_what_two_documents_share),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
