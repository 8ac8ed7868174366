/* test_passages.c - the passage model of a scan: no two passages of a document overlap (for any
 * thread count and block size), a copy with an inserted clause is one pair with its gap, an
 * alignment under min_identity is trimmed to pieces that pass, a stretch of a long text
 * copied elsewhere joins the long text's cluster as a partial passage, a footer after
 * different stories is reported apart from them, and short reprints at varying places are
 * reprints while lines at a document's edge in many documents are boilerplate. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/base.h"
#include "fixture.h"
#include "scan/cluster.h"
#include "scan/scan.h"

static uint64_t rng_state;

static uint32_t rng(void)
{
    rng_state = rng_state * 6364136223846793005ULL + 1442695040888963407ULL;
    return (uint32_t)(rng_state >> 33);
}

/* n pseudo-words of 2-4 syllables, each followed by a space. */
static void add_words(rp_buf *b, int n)
{
    static const char *syl[] = {"ka", "lo", "mi", "ne", "ru", "ta", "vo", "si", "pe", "da",
                                "go", "hu", "ri", "zo", "be", "fa", "tu", "wi", "xe", "yo"};
    for (int i = 0; i < n; i++) {
        int k = 2 + (int)(rng() % 3);
        for (int j = 0; j < k; j++)
            assert_int_equal(rp_buf_adds(b, syl[rng() % 20]), RP_OK);
        assert_int_equal(rp_buf_adds(b, " "), RP_OK);
    }
}

/* n words as a string (OWNED, free). */
static char *words(int n)
{
    rp_buf b = RP_BUF_INIT;
    add_words(&b, n);
    return b.data;
}

static void add_text(rp_corpus *c, const char *name, const rp_buf *b)
{
    assert_int_equal(rp_corpus_add(c, name, b->data, b->len, NULL), RP_OK);
}

static rp_scan *scan_with(const rp_corpus *c, rp_options *o)
{
    rp_scan *s = NULL;
    assert_int_equal(rp_scan_run(c, o, NULL, NULL, &s), RP_OK);
    return s;
}

static rp_scan *scan_default(const rp_corpus *c)
{
    rp_options o;
    rp_options_init(&o);
    o.threads = 2;
    return scan_with(c, &o);
}

/* Overlapping passage pairs of one document, within and across clusters. */
static size_t overlaps(const rp_scan *s)
{
    size_t n = 0;
    for (size_t i = 0; i < rp_scan_cluster_count(s); i++)
        for (size_t j = i; j < rp_scan_cluster_count(s); j++) {
            const rp_cluster *x = rp_scan_cluster(s, i), *y = rp_scan_cluster(s, j);
            for (size_t a = 0; a < x->passage_count; a++)
                for (size_t b = i == j ? a + 1 : 0; b < y->passage_count; b++) {
                    const rp_passage *p = &x->passages[a], *q = &y->passages[b];
                    n += p->doc == q->doc && p->start < q->end && q->start < p->end;
                }
        }
    return n;
}

/* A random corpus of many kinds of repeats: long reprints, stretches of them elsewhere,
 * footers after different stories, copies with clauses inserted, repeats inside one
 * document, documents with the same passages in another order. */
static rp_corpus *tangled_corpus(uint64_t seed)
{
    rp_corpus *c;
    char *texts[6], *stretch[6], *footer = words(14);
    rng_state = seed;
    for (int i = 0; i < 6; i++) {
        texts[i] = words(60 + (int)(rng() % 120));
        const char *t = texts[i];
        size_t len = strlen(t), from = rng() % (len / 2);
        while (from > 0 && t[from - 1] != ' ')
            from--;
        stretch[i] = rp_strndup(t + from, len / 4);
    }
    assert_int_equal(rp_corpus_new(&c), RP_OK);
    for (int d = 0; d < 24; d++) {
        rp_buf b = RP_BUF_INIT;
        char name[16];
        add_words(&b, (int)(rng() % 40));
        for (int k = 0; k < 3; k++) {
            uint32_t pick = rng() % 6, how = rng() % 4;
            if (how == 0) {
                assert_int_equal(rp_buf_adds(&b, stretch[pick]), RP_OK);
            } else if (how == 1) { /* a clause inserted in the middle */
                const char *t = texts[pick];
                size_t half = strlen(t) / 2;
                while (t[half] != ' ')
                    half++;
                assert_int_equal(rp_buf_add(&b, t, half + 1), RP_OK);
                add_words(&b, 5 + (int)(rng() % 25));
                assert_int_equal(rp_buf_adds(&b, t + half + 1), RP_OK);
            } else {
                assert_int_equal(rp_buf_adds(&b, texts[pick]), RP_OK);
            }
            if (rng() % 2)
                assert_int_equal(rp_buf_adds(&b, footer), RP_OK);
            add_words(&b, (int)(rng() % 30));
        }
        if (d % 5 == 0) { /* the document repeats its own start */
            char *start = rp_strndup(b.data, b.len / 3);
            assert_int_equal(rp_buf_adds(&b, start), RP_OK);
            rp_free(start);
        }
        snprintf(name, sizeof(name), "t%02d", d);
        add_text(c, name, &b);
        rp_buf_release(&b);
    }
    for (int i = 0; i < 6; i++) {
        free(texts[i]);
        rp_free(stretch[i]);
    }
    free(footer);
    return c;
}

static void test_passages_never_overlap_for_any_threads_or_blocks(void **state)
{
    size_t saved = rp_scan_token_block;
    (void)state;
    for (uint64_t seed = 1; seed <= 6; seed++) {
        rp_corpus *c = tangled_corpus(seed);
        rp_options o;
        rp_options_init(&o);
        size_t clusters = 0;
        for (unsigned threads = 1; threads <= 3; threads++) {
            o.threads = threads;
            rp_scan_token_block = threads == 3 ? 1 : saved; /* the smallest blocks too */
            rp_scan *s = scan_with(c, &o);
            assert_int_equal(overlaps(s), 0);
            if (threads == 1)
                clusters = rp_scan_cluster_count(s);
            assert_int_equal(rp_scan_cluster_count(s), clusters);
            assert_true(clusters >= 3);
            rp_scan_free(s);
        }
        rp_scan_token_block = saved;
        rp_corpus_free(c);
    }
}

/* The plan's sorts in slices on several threads, merged (every sort of two items or more),
 * give the clusters one thread gives. */
static void test_passages_are_the_same_when_the_plan_sorts_on_threads(void **state)
{
    size_t saved = rp_cluster_par_sort_min;
    (void)state;
    for (uint64_t seed = 1; seed <= 6; seed++) {
        rp_corpus *c = tangled_corpus(seed);
        rp_options o;
        rp_options_init(&o);
        o.threads = 1;
        rp_scan *one = scan_with(c, &o);
        rp_cluster_par_sort_min = 2;
        for (unsigned threads = 2; threads <= 3; threads++) {
            o.threads = threads;
            rp_scan *s = scan_with(c, &o);
            assert_true(rp_scan_cluster_count(s) >= 3);
            fixture_assert_same_scans(one, s, rp_corpus_count(c));
            rp_scan_free(s);
        }
        rp_cluster_par_sort_min = saved;
        rp_scan_free(one);
        rp_corpus_free(c);
    }
}

static void test_passages_keep_a_copy_with_an_inserted_clause_as_one_pair(void **state)
{
    rp_corpus *c;
    rp_buf a = RP_BUF_INIT, b = RP_BUF_INIT;
    (void)state;
    rng_state = 21;
    char *head = words(60), *tail = words(60), *clause = words(20);
    add_words(&a, 30);
    assert_int_equal(rp_buf_adds(&a, head), RP_OK);
    assert_int_equal(rp_buf_adds(&a, tail), RP_OK);
    add_words(&a, 30);
    add_words(&b, 10);
    assert_int_equal(rp_buf_adds(&b, head), RP_OK);
    size_t clause_at = b.len;
    assert_int_equal(rp_buf_adds(&b, clause), RP_OK);
    assert_int_equal(rp_buf_adds(&b, tail), RP_OK);
    add_words(&b, 10);
    assert_int_equal(rp_corpus_new(&c), RP_OK);
    add_text(c, "a", &a);
    add_text(c, "b", &b);
    rp_scan *s = scan_default(c);
    assert_int_equal(rp_scan_cluster_count(s), 1);
    const rp_cluster *cl = rp_scan_cluster(s, 0);
    assert_int_equal(cl->passage_count, 2);
    assert_int_equal(cl->pair_count, 1);
    const rp_pair *p = &cl->pairs[0];
    assert_true(p->identity == 1.0); /* the clause is outside the identity */
    assert_int_equal(p->tokens, 120);
    assert_int_equal(p->gap_count, 1);
    const rp_gap *g = &p->gaps[0];
    assert_int_equal(g->a_start, g->a_end); /* a lacks the clause: an empty stretch */
    assert_int_equal(g->b_start, clause_at);
    assert_int_equal(g->b_end, clause_at + strlen(clause) - 1); /* its last word's end */
    assert_int_equal(cl->passages[1].tokens, 140);
    /* coverage counts copied tokens only: b's 140-token passage holds 120 of them */
    assert_true(rp_scan_doc_stats(s, 1)->covered * 160 > 119.5 &&
                rp_scan_doc_stats(s, 1)->covered * 160 < 120.5);
    rp_scan_free(s);
    rp_corpus_free(c);
    rp_buf_release(&a);
    rp_buf_release(&b);
    free(head);
    free(tail);
    free(clause);
}

static void test_passages_trim_an_alignment_under_min_identity_to_pieces_that_pass(void **state)
{
    rp_corpus *c;
    rp_buf a = RP_BUF_INIT, b = RP_BUF_INIT;
    rp_options o;
    (void)state;
    rng_state = 22;
    char *edited = words(80), *kept = words(60);
    add_words(&a, 20);
    assert_int_equal(rp_buf_adds(&a, edited), RP_OK);
    assert_int_equal(rp_buf_adds(&a, kept), RP_OK);
    add_words(&b, 20);
    /* the first 80 words with most of them replaced, in runs, then the 60 kept */
    for (const char *w = edited; *w;) {
        const char *e = strchr(w, ' ');
        if (rng() % 10 < 6)
            add_words(&b, 1);
        else
            assert_int_equal(rp_buf_add(&b, w, (size_t)(e - w) + 1), RP_OK);
        w = e + 1;
    }
    assert_int_equal(rp_buf_adds(&b, kept), RP_OK);
    assert_int_equal(rp_corpus_new(&c), RP_OK);
    add_text(c, "a", &a);
    add_text(c, "b", &b);
    rp_options_init(&o);
    o.min_identity = 0.8;
    rp_scan *s = scan_with(c, &o);
    assert_true(rp_scan_cluster_count(s) >= 1);
    bool kept_found = false;
    for (size_t i = 0; i < rp_scan_cluster_count(s); i++) {
        const rp_cluster *cl = rp_scan_cluster(s, i);
        for (size_t j = 0; j < cl->pair_count; j++) {
            assert_true(cl->pairs[j].identity >= 0.8);
            assert_true(cl->pairs[j].tokens >= o.min_tokens);
        }
        for (size_t j = 0; j < cl->passage_count; j++) {
            const rp_passage *p = &cl->passages[j];
            kept_found |= p->doc == 0 && p->end >= a.len - 2 && p->tokens >= 60;
        }
    }
    assert_true(kept_found); /* the stretch that passes is reported, not dropped with the rest */
    rp_scan_free(s);
    rp_corpus_free(c);
    rp_buf_release(&a);
    rp_buf_release(&b);
    free(edited);
    free(kept);
}

static void test_passages_join_a_copied_stretch_to_its_long_text_as_partial(void **state)
{
    rp_corpus *c;
    rp_buf d[3] = {RP_BUF_INIT, RP_BUF_INIT, RP_BUF_INIT};
    (void)state;
    rng_state = 23;
    char *before = words(70), *middle = words(20), *after = words(70);
    for (int i = 0; i < 2; i++) {
        add_words(&d[i], 15 + 10 * i);
        assert_int_equal(rp_buf_adds(&d[i], before), RP_OK);
        assert_int_equal(rp_buf_adds(&d[i], middle), RP_OK);
        assert_int_equal(rp_buf_adds(&d[i], after), RP_OK);
        add_words(&d[i], 15);
    }
    add_words(&d[2], 40);
    size_t quoted = d[2].len;
    assert_int_equal(rp_buf_adds(&d[2], middle), RP_OK);
    add_words(&d[2], 40);
    assert_int_equal(rp_corpus_new(&c), RP_OK);
    add_text(c, "a", &d[0]);
    add_text(c, "b", &d[1]);
    add_text(c, "quote", &d[2]);
    rp_scan *s = scan_default(c);
    assert_int_equal(overlaps(s), 0);
    assert_int_equal(rp_scan_cluster_count(s), 1);
    const rp_cluster *cl = rp_scan_cluster(s, 0);
    assert_int_equal(cl->passage_count, 3);
    assert_int_equal(cl->tokens, 160);
    const rp_passage *q = &cl->passages[2];
    assert_int_equal(q->doc, 2);
    assert_int_equal(q->start, quoted);
    assert_true(q->partial);
    assert_false(cl->passages[0].partial);
    const rp_passage *host = &cl->passages[q->within];
    const rp_doc *hd = rp_corpus_doc(c, host->doc);
    assert_true(q->within_start >= host->start && q->within_end <= host->end);
    assert_int_equal(q->within_end - q->within_start, q->end - q->start);
    assert_memory_equal(hd->bytes + q->within_start, d[2].data + q->start, q->end - q->start);
    /* --explain says what the quoting document's passage was folded into */
    char *text = NULL, want[96];
    rp_options o;
    rp_options_init(&o);
    assert_int_equal(rp_scan_explain(c, &o, 0, 2, &text), RP_OK);
    snprintf(want, sizeof(want), "B bytes %zu-%zu: cluster 0 (reprint, 3 passages), partial",
             q->start, q->end);
    assert_non_null(strstr(text, want));
    rp_free(text);
    rp_scan_free(s);
    rp_corpus_free(c);
    for (int i = 0; i < 3; i++)
        rp_buf_release(&d[i]);
    free(before);
    free(middle);
    free(after);
}

/* Six documents: three carry story A, three story B, and every one ends with one footer. */
static void test_passages_report_a_footer_apart_from_the_stories_before_it(void **state)
{
    rp_corpus *c;
    (void)state;
    rng_state = 24;
    char *story[2] = {words(60), words(45)}, *footer = words(16);
    assert_int_equal(rp_corpus_new(&c), RP_OK);
    for (int d = 0; d < 6; d++) {
        rp_buf b = RP_BUF_INIT;
        char name[8];
        add_words(&b, 30);
        assert_int_equal(rp_buf_adds(&b, "\n\n"), RP_OK);
        assert_int_equal(rp_buf_adds(&b, story[d % 2]), RP_OK);
        assert_int_equal(rp_buf_adds(&b, "\n\n"), RP_OK);
        assert_int_equal(rp_buf_adds(&b, footer), RP_OK);
        snprintf(name, sizeof(name), "n%d", d);
        add_text(c, name, &b);
        rp_buf_release(&b);
    }
    rp_scan *s = scan_default(c);
    assert_int_equal(overlaps(s), 0);
    assert_int_equal(rp_scan_cluster_count(s), 3);
    size_t footers = 0, stories = 0;
    for (size_t i = 0; i < 3; i++) {
        const rp_cluster *cl = rp_scan_cluster(s, i);
        if (cl->kind == RP_KIND_BOILERPLATE) {
            footers++;
            assert_int_equal(cl->passage_count, 6);
            assert_int_equal(cl->tokens, 16);
        } else {
            stories++;
            assert_int_equal(cl->kind, RP_KIND_REPRINT);
            assert_int_equal(cl->passage_count, 3);
            assert_true(cl->tokens == 60 || cl->tokens == 45);
        }
    }
    assert_int_equal(footers, 1);
    assert_int_equal(stories, 2);
    rp_scan_free(s);
    rp_corpus_free(c);
    free(story[0]);
    free(story[1]);
    free(footer);
}

/* 40 documents: a 25-word passage reprinted in 6 of them at varying places, and a credit line
 * opening 8 of them. */
static void test_passages_tell_short_reprints_from_lines_at_an_edge(void **state)
{
    rp_corpus *c;
    (void)state;
    rng_state = 25;
    char *reprint = words(25), *credit = words(12);
    assert_int_equal(rp_corpus_new(&c), RP_OK);
    for (int d = 0; d < 40; d++) {
        rp_buf b = RP_BUF_INIT;
        char name[8];
        if (d % 5 == 0) {
            assert_int_equal(rp_buf_adds(&b, credit), RP_OK);
            assert_int_equal(rp_buf_adds(&b, "\n"), RP_OK);
        }
        for (int line = 0; line < 12; line++) {
            add_words(&b, 10);
            if (d % 6 == 1 && line == 2 + d % 7)
                assert_int_equal(rp_buf_adds(&b, reprint), RP_OK);
            assert_int_equal(rp_buf_adds(&b, "\n"), RP_OK);
        }
        snprintf(name, sizeof(name), "s%02d", d);
        add_text(c, name, &b);
        rp_buf_release(&b);
    }
    rp_scan *s = scan_default(c);
    assert_int_equal(rp_scan_cluster_count(s), 2);
    for (size_t i = 0; i < 2; i++) {
        const rp_cluster *cl = rp_scan_cluster(s, i);
        if (cl->documents == 8)
            assert_int_equal(cl->kind, RP_KIND_BOILERPLATE);
        else
            assert_int_equal(cl->kind, RP_KIND_REPRINT); /* 7 documents, mid-document */
    }
    rp_scan_free(s);
    rp_corpus_free(c);
    free(reprint);
    free(credit);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_passages_never_overlap_for_any_threads_or_blocks),
        cmocka_unit_test(test_passages_are_the_same_when_the_plan_sorts_on_threads),
        cmocka_unit_test(test_passages_keep_a_copy_with_an_inserted_clause_as_one_pair),
        cmocka_unit_test(test_passages_trim_an_alignment_under_min_identity_to_pieces_that_pass),
        cmocka_unit_test(test_passages_join_a_copied_stretch_to_its_long_text_as_partial),
        cmocka_unit_test(test_passages_report_a_footer_apart_from_the_stories_before_it),
        cmocka_unit_test(test_passages_tell_short_reprints_from_lines_at_an_edge),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
