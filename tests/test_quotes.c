/*
 * test_quotes.c - quotation extraction (marks, apostrophes, nesting, paragraphs, unbalanced
 * marks, other languages' marks), fidelity labels and differences, attribution to the same
 * and other documents, the quoted flag and ranking, the speaker hint, the JSON report, sources'
 * consistency on random documents, and the seed acceptance check (skipped when
 * ../shared/corpora/seed-feed.txt is absent).
 */
/* clang-format off: cmocka needs these first, in this order */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
/* clang-format on */

#include "quotes/quotes.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- extraction ---- */

static rp_qspans extract(const char *t)
{
    rp_qspans qs;
    rp_qspans_init(&qs);
    assert_int_equal(rp_quotes_extract(t, strlen(t), &qs), RP_OK);
    return qs;
}

static void assert_span(const char *t, const rp_qspan *q, const char *text)
{
    assert_int_equal(q->end - q->start, strlen(text));
    assert_memory_equal(t + q->start, text, strlen(text));
}

static void test_extract_curly_quotation_spans_text_without_marks(void **state)
{
    (void)state;
    const char *t = "He said “one two three” today.";
    rp_qspans qs = extract(t);
    assert_int_equal(qs.count, 1);
    assert_int_equal(qs.items[0].open, 8);
    assert_int_equal(qs.items[0].start, 11);
    assert_int_equal(qs.items[0].end, 24);
    assert_int_equal(qs.items[0].close, 27);
    assert_true(qs.items[0].closed);
    rp_qspans_release(&qs);
}

static void test_extract_apostrophes_are_not_quotation_marks(void **state)
{
    (void)state;
    const char *t = "China’s leaders don’t hedge, as in the ’90s; the players’ union said "
                    "‘we will strike again soon’ and left.";
    rp_qspans qs = extract(t);
    assert_int_equal(qs.count, 1);
    assert_span(t, &qs.items[0], "we will strike again soon");
    rp_qspans_release(&qs);
}

static void test_extract_possessive_inside_single_quotes_does_not_close(void **state)
{
    (void)state;
    const char *t = "She called it ‘the workers’ own victory at last’ on Friday.";
    rp_qspans qs = extract(t);
    assert_int_equal(qs.count, 1);
    assert_span(t, &qs.items[0], "the workers’ own victory at last");
    rp_qspans_release(&qs);
}

static void test_extract_nested_quotation_has_depth_one(void **state)
{
    (void)state;
    const char *t = "“He called it ‘a total farce’ and walked out,” she said.";
    rp_qspans qs = extract(t);
    assert_int_equal(qs.count, 2);
    assert_span(t, &qs.items[0], "He called it ‘a total farce’ and walked out,");
    assert_int_equal(qs.items[0].depth, 0);
    assert_span(t, &qs.items[1], "a total farce");
    assert_int_equal(qs.items[1].depth, 1);
    rp_qspans_release(&qs);
}

static void test_extract_multi_paragraph_quotation_is_one(void **state)
{
    (void)state;
    const char *t =
        "He wrote:\n\n“First paragraph of the letter.\n\n“Second paragraph ends it.”\n\n"
        "After.";
    rp_qspans qs = extract(t);
    assert_int_equal(qs.count, 1);
    assert_span(t, &qs.items[0], "First paragraph of the letter.\n\n“Second paragraph ends it.");
    assert_int_equal(qs.items[0].paragraphs, 2);
    rp_qspans_release(&qs);
}

static void test_extract_unbalanced_mark_ends_at_its_paragraph(void **state)
{
    (void)state;
    const char *t = "A stray “open mark runs on\n\nThen “a real one” here, and “another at the end";
    rp_qspans qs = extract(t);
    assert_int_equal(qs.count, 3);
    assert_span(t, &qs.items[0], "open mark runs on");
    assert_false(qs.items[0].closed);
    assert_span(t, &qs.items[1], "a real one");
    assert_true(qs.items[1].closed);
    assert_span(t, &qs.items[2], "another at the end");
    assert_false(qs.items[2].closed);
    rp_qspans_release(&qs);
}

static void test_extract_other_languages_marks(void **state)
{
    (void)state;
    const char *t = "Er sagte „das ist ‚sehr‘ gut“. Il dit « bonjour à tous ». "
                    "彼は「こんにちは」と言った。 \"plain ascii\" and 'single ascii' too.";
    rp_qspans qs = extract(t);
    assert_int_equal(qs.count, 6);
    assert_span(t, &qs.items[0], "das ist ‚sehr‘ gut");
    assert_span(t, &qs.items[1], "sehr");
    assert_span(t, &qs.items[2], "bonjour à tous");
    assert_span(t, &qs.items[3], "こんにちは");
    assert_span(t, &qs.items[4], "plain ascii");
    assert_span(t, &qs.items[5], "single ascii");
    rp_qspans_release(&qs);
}

static void test_extract_empty_text_finds_nothing(void **state)
{
    (void)state;
    rp_qspans qs = extract("");
    assert_int_equal(qs.count, 0);
    rp_qspans_release(&qs);
}

/* ---- attribution and fidelity ---- */

static const char SRC[] =
    "The minister said the new bridge will open next spring and carry four lanes of traffic. "
    "Officials in the U.S. praised the plan for its neighbors and its modest cost. "
    "The council voted to fund the project after a long and heated debate on Monday night. "
    "Residents hope the road will bring more visitors and new jobs to the valley.\n";

static const char POST[] =
    "A bridge story.\n\n"
    "“the new bridge will open next spring and carry four lanes of traffic”\n\n"
    "“Officials in the US praised the plan for its neighbours and its modest cost”\n\n"
    "“The council voted to fund the project … on Monday night”\n\n"
    "“Residents hope the road will bring more tourists and new jobs to the valley”\n\n"
    "“Nobody expected the orchestra to play a waltz at midnight”\n\n"
    "“The minister said the new bridge will carry four lanes of traffic”\n";

static rp_corpus *corpus_of(const char *const *texts, size_t n)
{
    rp_corpus *c = NULL;
    char name[32];
    assert_int_equal(rp_corpus_new(&c), RP_OK);
    for (size_t i = 0; i < n; i++) {
        snprintf(name, sizeof(name), "d%zu", i);
        assert_int_equal(rp_corpus_add(c, name, texts[i], strlen(texts[i]), NULL), RP_OK);
    }
    return c;
}

static rp_quotes *run(const rp_corpus *c)
{
    rp_options o;
    rp_quotes_options q;
    rp_quotes *r = NULL;
    rp_options_init(&o);
    rp_quotes_options_init(&q);
    assert_int_equal(rp_quotes_run(c, &o, &q, &r), RP_OK);
    return r;
}

static void assert_diff(const rp_quote_diff *d, const char *quote, const char *source)
{
    assert_string_equal(d->quote, quote);
    assert_string_equal(d->source, source);
}

/* The line and column (1-based, in code points) of byte off, counted from the text's start. */
static void line_col_of(const char *text, size_t off, uint32_t *line, uint32_t *col)
{
    *line = 1, *col = 1;
    for (size_t i = 0; i < off; i++)
        if (text[i] == '\n')
            ++*line, *col = 1;
        else
            *col += ((unsigned char)text[i] & 0xc0) != 0x80;
}

/* lines of filler (accented letters: columns count code points, not bytes), then tail */
static char *padded(unsigned lines, const char *tail)
{
    size_t cap = (size_t)lines * 80 + strlen(tail) + 1, n = 0;
    char *t = malloc(cap);
    assert_non_null(t);
    for (unsigned i = 0; i < lines; i++)
        n += (size_t)snprintf(t + n, cap - n, "entr\xC3\xA9" "e %u du registre, caf\xC3\xA9 %u\n", i,
                              i * 7919 % 1000);
    n += (size_t)snprintf(t + n, cap - n, "%s", tail);
    assert_true(n < cap);
    return t;
}

/* Quotations and sources far into long documents (past the line marks' first 64 KiB, and on a
 * line that starts with accented text) get the line and column a count from the top gives. */
static void test_line_and_column_deep_in_long_documents(void **state)
{
    (void)state;
    char *texts[2] = {padded(3000, SRC), padded(4500, POST)};
    rp_corpus *c = corpus_of((const char *const *)texts, 2);
    rp_quotes *r = run(c);
    size_t deep = 0;
    uint32_t line, col;

    assert_true(strlen(texts[0]) > 100000 && strlen(texts[1]) > 150000);
    assert_int_equal(rp_quotes_count(r), 6);
    for (size_t i = 0; i < rp_quotes_count(r); i++) {
        const rp_quote *q = rp_quotes_get(r, i);
        line_col_of(texts[q->doc], q->start, &line, &col);
        assert_int_equal(q->line, line);
        assert_int_equal(q->column, col);
        deep += q->start > 150000;
        for (size_t k = 0; k < q->source_count; k++) {
            const rp_quote_source *src = &q->sources[k];
            line_col_of(texts[src->doc], src->start, &line, &col);
            assert_int_equal(src->line, line);
            assert_int_equal(src->column, col);
            deep += src->start > 100000;
        }
    }
    assert_true(deep >= 6);
    rp_quotes_free(r);
    rp_corpus_free(c);
    free(texts[0]);
    free(texts[1]);
}

static void test_fidelity_labels_and_differences(void **state)
{
    (void)state;
    const char *texts[] = {SRC, POST};
    rp_corpus *c = corpus_of(texts, 2);
    rp_quotes *r = run(c);
    const rp_quote *q;

    assert_int_equal(rp_quotes_count(r), 6);
    q = rp_quotes_get(r, 0);
    assert_int_equal(q->doc, 1);
    assert_int_equal(q->start, strstr(POST, "the new bridge") - POST);
    assert_int_equal(q->line, 3);
    assert_int_equal(q->column, 2);
    assert_int_equal(q->tokens, 13);
    assert_int_equal(q->source_count, 2); /* the source, and the last quotation, altered */
    assert_true(q->sources[1].quoted);
    assert_int_equal(q->sources[1].fidelity, RP_FIDELITY_ALTERED);
    assert_int_equal(q->sources[0].doc, 0);
    assert_int_equal(q->sources[0].start, strstr(SRC, "the new bridge") - SRC);
    assert_int_equal(q->sources[0].end, strstr(SRC, ". Officials") - SRC);
    assert_int_equal(q->sources[0].fidelity, RP_FIDELITY_VERBATIM);
    assert_int_equal(q->sources[0].diff_count, 0);
    assert_false(q->sources[0].quoted);

    q = rp_quotes_get(r, 1);
    assert_int_equal(q->sources[0].fidelity, RP_FIDELITY_NORMALIZED);
    assert_int_equal(q->sources[0].diff_count, 2);
    assert_diff(&q->sources[0].diffs[0], "US", "U.S.");
    assert_diff(&q->sources[0].diffs[1], "neighbours", "neighbors");

    q = rp_quotes_get(r, 2);
    assert_int_equal(q->sources[0].fidelity, RP_FIDELITY_ELIDED);
    assert_int_equal(q->sources[0].diff_count, 1);
    assert_diff(&q->sources[0].diffs[0], "…", "after a long and heated debate");
    assert_true(q->sources[0].identity == 1.0);

    q = rp_quotes_get(r, 3);
    assert_int_equal(q->sources[0].fidelity, RP_FIDELITY_ALTERED);
    assert_int_equal(q->sources[0].diff_count, 1);
    assert_diff(&q->sources[0].diffs[0], "tourists", "visitors");
    assert_in_range((long)(q->sources[0].identity * 1000), 928, 929); /* 13 of 14 */

    q = rp_quotes_get(r, 4);
    assert_int_equal(q->source_count, 0);

    q = rp_quotes_get(r, 5);
    assert_int_equal(q->sources[0].fidelity, RP_FIDELITY_ELIDED);
    assert_diff(&q->sources[0].diffs[0], "", "open next spring and");
    rp_quotes_free(r);
    rp_corpus_free(c);
}

static void test_source_in_same_document_below_the_quotation(void **state)
{
    (void)state;
    const char *t = "Intro: the editor wrote “rivers of the north carry silt to the wide sea "
                    "each spring” in her note.\n\nThe report. Rivers of the north carry silt "
                    "to the wide sea each spring, and farmers wait.\n";
    rp_corpus *c = corpus_of(&t, 1);
    rp_quotes *r = run(c);
    assert_int_equal(rp_quotes_count(r), 1);
    const rp_quote *q = rp_quotes_get(r, 0);
    assert_int_equal(q->source_count, 1);
    assert_int_equal(q->sources[0].doc, 0);
    assert_int_equal(q->sources[0].start, strstr(t, "Rivers of the north") - t);
    assert_int_equal(q->sources[0].fidelity, RP_FIDELITY_NORMALIZED);
    assert_diff(&q->sources[0].diffs[0], "rivers", "Rivers");
    assert_string_equal(q->speaker, "the editor wrote");
    rp_quotes_free(r);
    rp_corpus_free(c);
}

static void test_unquoted_source_ranks_before_quoted_one(void **state)
{
    (void)state;
    const char *texts[] = {
        "A wire: “the harvest this year was the best in a decade by far,” the farmer said.\n",
        "Another wire: the harvest this year was the best in a decade by far, said the farmer.\n",
        "The blog: “the harvest this year was the best in a decade by far”, he added.\n"};
    rp_corpus *c = corpus_of(texts, 3);
    rp_quotes *r = run(c);
    assert_int_equal(rp_quotes_count(r), 2);
    const rp_quote *q = rp_quotes_get(r, 1);
    assert_int_equal(q->doc, 2);
    assert_int_equal(q->source_count, 2);
    assert_int_equal(q->sources[0].doc, 1);
    assert_false(q->sources[0].quoted);
    assert_int_equal(q->sources[1].doc, 0);
    assert_true(q->sources[1].quoted);
    assert_string_equal(q->speaker, "he added");
    assert_string_equal(rp_quotes_get(r, 0)->speaker, "the farmer said");
    rp_quotes_free(r);
    rp_corpus_free(c);
}

static void test_short_quotations_are_left_out(void **state)
{
    (void)state;
    const char *t = "It was “too short to count” and “this one has exactly six words” here.";
    rp_corpus *c = corpus_of(&t, 1);
    rp_quotes *r = run(c);
    assert_int_equal(rp_quotes_count(r), 1);
    assert_int_equal(rp_quotes_get(r, 0)->tokens, 6);
    assert_int_equal(rp_quotes_get(r, 0)->source_count, 0);
    assert_null(rp_quotes_get(r, 0)->speaker);
    assert_int_equal(rp_quotes_doc_stats(r, 0)->tokens, 14);
    rp_quotes_free(r);
    rp_corpus_free(c);
}

static void test_speaker_hint_patterns(void **state)
{
    (void)state;
    const char *t[] = {"Li said: “we will go on”", "“We will go on,” he added.",
                       "“We will go on,” added Mr Barua, a minister.",
                       "According to the mayor, “we will go on”", "The sky: “we will go on”"};
    const char *want[] = {"Li said", "he added", "added Mr Barua", "According to the mayor", NULL};
    for (size_t i = 0; i < 5; i++) {
        rp_qspans qs = extract(t[i]);
        size_t off, len;
        assert_int_equal(qs.count, 1);
        bool found = rp_quotes_speaker(t[i], strlen(t[i]), &qs.items[0], &off, &len);
        if (want[i]) {
            assert_true(found);
            assert_int_equal(len, strlen(want[i]));
            assert_memory_equal(t[i] + off, want[i], len);
        } else {
            assert_false(found);
        }
        rp_qspans_release(&qs);
    }
}

static void test_json_report_follows_the_schema(void **state)
{
    (void)state;
    const char *texts[] = {
        "Officials in the U.S. praised the plan for its modest cost.\n",
        "“Officials in the US praised the plan for its modest cost,” he said.\n"};
    rp_corpus *c = corpus_of(texts, 2);
    rp_quotes *r = run(c);
    rp_options o;
    rp_quotes_options qo;
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    rp_options_init(&o);
    rp_quotes_options_init(&qo);
    assert_int_equal(rp_report_quotes(f, RP_FORMAT_JSON, c, r, &o, &qo), RP_OK);
    fclose(f);
    assert_non_null(strstr(buf, "{\"version\":1,\"tool\":\"reprint "));
    assert_non_null(strstr(buf, "\"command\":\"quotes\",\"settings\":{\"shingle\":"));
    assert_non_null(strstr(buf, "\"min_words\":6,\"max_sources\":10},\"documents\":[{\"id\":0,"));
    assert_non_null(strstr(
        buf, "\"quotes\":[\n{\"id\":0,\"doc\":1,\"start\":3,\"end\":60,\"line\":1,\"column\":2,"
             "\"tokens\":11,\"text\":\"Officials in the US praised the plan for its modest "
             "cost,\",\"speaker\":\"he said\",\"status\":\"sourced\",\"sources\":[{\"doc\":0,"
             "\"start\":0,\"end\":58,\"quoted\":false,\"identity\":1.0000,\"fidelity\":"
             "\"normalized\",\"differences\":[{\"quote\":\"US\",\"source\":\"U.S.\"}]}],"
             "\"sources_total\":1}]}\n"));
    assert_int_equal(rp_report_quotes(stderr, RP_FORMAT_CSV, c, r, &o, &qo), RP_EINVAL);
    free(buf);
    rp_quotes_free(r);
    rp_corpus_free(c);
}

/* n documents quoting one sentence (some with a capital, so copies differ in bytes), then one
 * document holding it unquoted. */
static rp_corpus *copies_corpus(size_t n)
{
    rp_corpus *c = NULL;
    char text[256], name[32];

    assert_int_equal(rp_corpus_new(&c), RP_OK);
    for (size_t i = 0; i < n; i++) {
        snprintf(text, sizeof(text),
                 "Post %zu. The mayor said: “%s ferry will keep running all "
                 "winter whatever the weather”.\n",
                 i, i % 7 ? "the" : "The");
        snprintf(name, sizeof(name), "p%zu", i);
        assert_int_equal(rp_corpus_add(c, name, text, strlen(text), NULL), RP_OK);
    }
    snprintf(text, sizeof(text),
             "Notes. The ferry will keep running all winter whatever the "
             "weather, the mayor told the council.\n");
    assert_int_equal(rp_corpus_add(c, "source", text, strlen(text), NULL), RP_OK);
    return c;
}

/* Past 2,000 copies every shingle of the quotation is common, yet each copy keeps its
 * sources: the unquoted one first, then the other copies, at most max_sources listed, and
 * sources_total counts them all (itself left out). */
static void test_copies_past_two_thousand_keep_their_sources(void **state)
{
    (void)state;
    const size_t n = 2100;
    rp_corpus *c = copies_corpus(n);
    rp_quotes *r = run(c);

    assert_int_equal(rp_quotes_count(r), n);
    for (size_t i = 0; i < n; i++) {
        const rp_quote *q = rp_quotes_get(r, i);
        assert_int_equal(q->doc, i);
        assert_int_equal(q->source_count, 10);
        assert_int_equal(q->sources_total, n);
        assert_int_equal(q->sources[0].doc, n);
        assert_false(q->sources[0].quoted);
        for (size_t k = 1; k < q->source_count; k++) {
            assert_true(q->sources[k].quoted);
            assert_int_not_equal(q->sources[k].doc, i);
            assert_true(q->sources[k].fidelity == RP_FIDELITY_VERBATIM ||
                        q->sources[k].fidelity == RP_FIDELITY_NORMALIZED);
        }
    }
    /* copy 0 ("The") against copy 1 ("the"): the same words after folding case */
    assert_int_equal(rp_quotes_get(r, 0)->sources[1].doc, 1);
    assert_int_equal(rp_quotes_get(r, 0)->sources[1].fidelity, RP_FIDELITY_NORMALIZED);
    assert_int_equal(rp_quotes_get(r, 1)->sources[1].doc, 0);
    rp_quotes_free(r);
    rp_corpus_free(c);
}

static void test_sources_listed_stop_at_max_sources_of_at_most_100(void **state)
{
    (void)state;
    rp_corpus *c = copies_corpus(150);
    rp_options o;
    rp_quotes_options qo;
    rp_quotes *r = NULL;

    rp_options_init(&o);
    rp_quotes_options_init(&qo);
    qo.max_sources = RP_QUOTES_MAX_SOURCES + 1;
    assert_int_equal(rp_quotes_run(c, &o, &qo, &r), RP_EINVAL);
    assert_null(r);
    qo.max_sources = RP_QUOTES_MAX_SOURCES;
    assert_int_equal(rp_quotes_run(c, &o, &qo, &r), RP_OK);
    for (size_t i = 0; i < rp_quotes_count(r); i++) {
        assert_int_equal(rp_quotes_get(r, i)->source_count, 100);
        assert_int_equal(rp_quotes_get(r, i)->sources_total, 150);
    }
    rp_quotes_free(r);
    rp_corpus_free(c);
}

/* Two texts quoted over and over in one document (more candidates there than dedupe_cands
 * compares one by one), one of them also standing unquoted in it now and then: every copy
 * lists every other place of its text, unquoted ones first, then by position, each verbatim
 * with the line and column a count from the top gives (a source's line and column are counted
 * once for all the copies that list it). */
static void test_many_copies_in_one_document_list_every_other_place(void **state)
{
    (void)state;
    static const char a[] = "the tide came in over the old stone harbour wall before dawn";
    static const char b[] = "seven grey herons waited by the mill pond for the thaw";
    enum { LINES = 30 };
    size_t cap = LINES * 200, n = 0, at_a[LINES], at_b[LINES];
    bool plain[LINES];
    char *t = malloc(cap);
    rp_options o;
    rp_quotes_options qo;
    rp_quotes *r = NULL;
    uint32_t line, col;

    assert_non_null(t);
    for (size_t i = 0; i < LINES; i++) {
        plain[i] = i % 6 == 5;
        n += (size_t)snprintf(t + n, cap - n, plain[i] ? "plain %zu: " : "line %zu caf\xC3\xA9: \xE2\x80\x9C", i);
        at_a[i] = n;
        n += (size_t)snprintf(t + n, cap - n, "%s%s\n", a, plain[i] ? " and more." : "\xE2\x80\x9D he said.");
        n += (size_t)snprintf(t + n, cap - n, "then \xE2\x80\x9C");
        at_b[i] = n;
        n += (size_t)snprintf(t + n, cap - n, "%s\xE2\x80\x9D she wrote.\n", b);
    }
    assert_true(n < cap);
    const char *texts[] = {t};
    rp_corpus *c = corpus_of(texts, 1);
    rp_options_init(&o);
    rp_quotes_options_init(&qo);
    qo.max_sources = RP_QUOTES_MAX_SOURCES;
    assert_int_equal(rp_quotes_run(c, &o, &qo, &r), RP_OK);
    assert_int_equal(rp_quotes_count(r), LINES - LINES / 6 + LINES);
    for (size_t i = 0; i < rp_quotes_count(r); i++) {
        const rp_quote *q = rp_quotes_get(r, i);
        bool is_a = strncmp(t + q->start, a, strlen(a)) == 0;
        const size_t *at = is_a ? at_a : at_b;
        size_t k = 0;
        assert_true(is_a || strncmp(t + q->start, b, strlen(b)) == 0);
        assert_int_equal(q->sources_total, LINES - 1);
        assert_int_equal(q->source_count, LINES - 1);
        for (int pass = 0; pass < 2; pass++) /* unquoted places first, then quoted ones */
            for (size_t l = 0; l < LINES; l++) {
                if (at[l] == q->start || (is_a && plain[l]) != (pass == 0))
                    continue;
                const rp_quote_source *src = &q->sources[k++];
                assert_int_equal(src->doc, 0);
                assert_int_equal(src->start, at[l]);
                assert_int_equal(src->quoted, pass == 1);
                assert_int_equal(src->fidelity, RP_FIDELITY_VERBATIM);
                line_col_of(t, src->start, &line, &col);
                assert_int_equal(src->line, line);
                assert_int_equal(src->column, col);
            }
        assert_int_equal(k, LINES - 1);
        line_col_of(t, q->start, &line, &col);
        assert_int_equal(q->line, line);
        assert_int_equal(q->column, col);
    }
    rp_quotes_free(r);
    rp_corpus_free(c);
    free(t);
}

/* A small generator for the randomized test below (fixed seeds: the same corpora every run). */
static uint32_t rnd(uint64_t *s, uint32_t n)
{
    *s = *s * 6364136223846793005u + 1442695040888963407u;
    return (uint32_t)(*s >> 33) % n;
}

/* Appends a random variant of text (words w[0..n)) to t at *len: most verbatim, some with a
 * word upper-cased, dropped, replaced, elided or a neighbour's words glued on either side. */
static void put_variant(char *t, size_t *len, uint64_t *s, const char *const *dict, size_t nd,
                        const uint32_t *w, uint32_t n)
{
    uint32_t kind = rnd(s, 10), at = rnd(s, n), from = kind == 9 ? rnd(s, n) : 0;
    for (uint32_t i = from; i < n; i++) {
        const char *word = dict[w[i]];
        if (kind == 5 && i == at)
            continue; /* dropped */
        if (kind == 6 && i == at)
            word = dict[rnd(s, (uint32_t)nd)];
        if (kind == 7 && i == at)
            word = "...";
        *len += (size_t)sprintf(t + *len, i > from ? " %s" : "%s", word);
        if (kind == 8 && i == at) /* upper-cased in place */
            for (char *p = t + *len - strlen(word); p < t + *len; p++)
                *p = (char)(*p >= 'a' && *p <= 'z' ? *p - 32 : *p);
    }
}

/* Random documents quoting a few texts over and over (variants, overlapping neighbours, all
 * kinds of marks, nested ones around the same words (copies that coincide), \n, \r\n and \r
 * breaks, multi-byte letters, some documents long enough for line marks): whatever the
 * candidates, every source's and quotation's line and column are a count from the top, a
 * quotation's sources in one document are disjoint, a verbatim one has no difference, and
 * sources_total counts every listed source (all of them when fewer than max_sources are
 * listed). */
static void test_random_documents_keep_sources_consistent(void **state)
{
    (void)state;
    static const char *const dict[] = {"the",
                                       "tide",
                                       "came",
                                       "over",
                                       "old",
                                       "stone",
                                       "wall",
                                       "dawn",
                                       "grey",
                                       "heron",
                                       "waited",
                                       "mill",
                                       "pond",
                                       "thaw",
                                       "caf\xC3\xA9",
                                       "na\xC3\xAFve",
                                       "\xC3\x9C"
                                       "ber",
                                       "colour",
                                       "color",
                                       "harbour"};
    static const char *const opens[] = {
        "\xE2\x80\x9C", "\"", "\xC2\xAB", "", "\xE2\x80\x98", "\xE2\x80\x9C\xE2\x80\x98"};
    static const char *const closes[] = {
        "\xE2\x80\x9D", "\"", "\xC2\xBB", "", "\xE2\x80\x99", "\xE2\x80\x99\xE2\x80\x9D"};
    static const char *const breaks[] = {"\n", "\r\n", "\r"};
    const size_t nd = sizeof(dict) / sizeof(dict[0]), cap = 200000;
    uint32_t line, col;

    for (uint64_t seed = 1; seed <= 24; seed++) {
        uint64_t s = seed;
        uint32_t w[4][16], wn[4], ntexts = 1 + rnd(&s, 4), ndocs = 1 + rnd(&s, 3);
        char *texts[3] = {NULL, NULL, NULL};
        for (uint32_t k = 0; k < ntexts; k++) {
            wn[k] = 4 + rnd(&s, 12);
            for (uint32_t i = 0; i < wn[k]; i++)
                w[k][i] = rnd(&s, (uint32_t)nd);
        }
        for (uint32_t d = 0; d < ndocs; d++) {
            char *t = texts[d] = malloc(cap);
            size_t len = 0;
            bool big = rnd(&s, 3) == 0;
            const char *br = breaks[rnd(&s, 3)];
            assert_non_null(t);
            for (uint32_t p = 0, np = 10 + rnd(&s, 50); p < np; p++) {
                uint32_t k = rnd(&s, ntexts), m = rnd(&s, 6), g = rnd(&s, ntexts);
                if (big && rnd(&s, 2))
                    for (uint32_t f = rnd(&s, 300); f > 0; f--)
                        len += (size_t)sprintf(t + len,
                                               "filler na\xC3\xAFve \xC3\xBCnic\xC3\xB6"
                                               "de%s",
                                               br);
                len += (size_t)sprintf(t + len, "%s%s", rnd(&s, 2) ? "He said " : "x ", opens[m]);
                if (rnd(&s, 4) == 0) { /* a neighbour's words before */
                    put_variant(t, &len, &s, dict, nd, w[g], wn[g]);
                    t[len++] = ' ';
                }
                put_variant(t, &len, &s, dict, nd, w[k], wn[k]);
                if (rnd(&s, 4) == 0) { /* and after */
                    t[len++] = ' ';
                    put_variant(t, &len, &s, dict, nd, w[g], wn[g]);
                }
                len += (size_t)sprintf(t + len, "%s%s", closes[m], rnd(&s, 2) ? ". " : br);
                assert_true(len < cap - 40000);
            }
            t[len] = '\0';
        }
        rp_corpus *c = corpus_of((const char *const *)texts, ndocs);
        rp_options o;
        rp_quotes_options qo;
        rp_quotes *r = NULL;
        rp_options_init(&o);
        rp_quotes_options_init(&qo);
        qo.min_words = 3;
        qo.max_sources = RP_QUOTES_MAX_SOURCES;
        assert_int_equal(rp_quotes_run(c, &o, &qo, &r), RP_OK);
        for (size_t i = 0; i < rp_quotes_count(r); i++) {
            const rp_quote *q = rp_quotes_get(r, i);
            line_col_of(texts[q->doc], q->start, &line, &col);
            assert_int_equal(q->line, line);
            assert_int_equal(q->column, col);
            assert_true(q->source_count <= qo.max_sources && q->source_count <= q->sources_total);
            if (q->source_count < qo.max_sources)
                assert_int_equal(q->sources_total, q->source_count);
            for (size_t j = 0; j < q->source_count; j++) {
                const rp_quote_source *a = &q->sources[j];
                line_col_of(texts[a->doc], a->start, &line, &col);
                assert_int_equal(a->line, line);
                assert_int_equal(a->column, col);
                assert_true(a->start < a->end);
                if (a->fidelity == RP_FIDELITY_VERBATIM) {
                    assert_int_equal(a->diff_count, 0);
                    assert_true(a->identity == 1.0);
                }
                for (size_t k = 0; k < j; k++) {
                    const rp_quote_source *b = &q->sources[k];
                    assert_false(a->doc == b->doc && a->start < b->end && b->start < a->end);
                }
            }
        }
        rp_quotes_free(r);
        rp_corpus_free(c);
        for (uint32_t d = 0; d < ndocs; d++)
            free(texts[d]);
    }
}

/* A text quoted in 120 documents (popular), and longer quotations holding it. A copy of the
 * popular text is a source of such a quotation by itself, grown by the words beside it that
 * equal the quotation's own there (no alignment: "The mayor said" joins it, "on Monday" stops
 * it); other places are still found by their seeds (a chain crosses a held text's copy); a
 * quotation that the held text covers too little of gets no source from its copies. */
static void test_quotation_holding_a_popular_text_is_sourced_by_its_copies(void **state)
{
    (void)state;
    enum { N = 120, M = N + 4 };
    static const char held[] = "the ferry will keep running all winter whatever the weather "
                               "brings us";
    static const char *const more[] = {
        "Column. A reader wrote: “as the mayor said ",
        "Letter. Another wrote: “so the mayor said ",
        "Essay. She wrote: “orchards climb the northern ridge where goats graze among old stone "
        "walls and crooked pear trees while ",
        "Note. He wrote: “as the mayor said on Monday ",
    }; /* each followed by the held text and “”.” */
    char *texts[M];
    rp_corpus *c = NULL;
    char name[32];

    for (size_t i = 0; i < M; i++) {
        texts[i] = malloc(512);
        assert_non_null(texts[i]);
        if (i < N)
            snprintf(texts[i], 512, "Post %zu. The mayor said: “%s”.\n", i, held);
        else
            snprintf(texts[i], 512, "%s%s”.\n", more[i - N], held);
    }
    assert_int_equal(rp_corpus_new(&c), RP_OK);
    for (size_t i = 0; i < M; i++) {
        snprintf(name, sizeof(name), "d%zu", i);
        assert_int_equal(rp_corpus_add(c, name, texts[i], strlen(texts[i]), NULL), RP_OK);
    }
    rp_quotes *r = run(c);
    const rp_quote *q;
    const rp_quote_source *s;

    assert_int_equal(rp_quotes_count(r), M);
    q = rp_quotes_get(r, 0); /* the popular text: the other copies, column, letter, note, essay */
    assert_int_equal(q->sources_total, N - 1 + 4);

    q = rp_quotes_get(r, N); /* "as the mayor said the ferry ...": 16 words */
    assert_int_equal(q->tokens, 16);
    assert_int_equal(q->sources_total, N + 3); /* every copy, the letter, the essay, the note */
    assert_int_equal(q->source_count, 10);
    assert_int_equal(q->sources[0].doc, N + 3); /* every word, "on Monday" left out */
    assert_int_equal(q->sources[0].fidelity, RP_FIDELITY_ELIDED);
    s = &q->sources[1];
    assert_int_equal(s->doc, 0);
    assert_int_equal(s->start, strstr(texts[0], "The mayor") - texts[0]);
    assert_int_equal(s->end, strstr(texts[0], "”.") - texts[0]);
    assert_true(s->quoted);
    assert_int_equal(s->fidelity, RP_FIDELITY_ALTERED);
    assert_in_range((long)(s->identity * 1000), 937, 938); /* 15 of 16 */
    assert_int_equal(s->diff_count, 1);
    assert_diff(&s->diffs[0], "as the", "The"); /* a missing word, a folded one */

    q = rp_quotes_get(r, N + 1); /* the letter: the copies, the column, the essay, the note */
    assert_int_equal(q->sources_total, N + 3);
    q = rp_quotes_get(r, N + 2); /* the essay: the held text is 12 of its 31 words */
    assert_int_equal(q->sources_total, 0);

    q = rp_quotes_get(r, N + 3); /* the note: 18 words */
    assert_int_equal(q->tokens, 18);
    assert_int_equal(q->sources_total, N + 3);
    assert_int_equal(q->sources[0].doc, N);     /* 16 of 18 */
    assert_int_equal(q->sources[1].doc, N + 1); /* 15 of 18 */
    s = &q->sources[2];                         /* a copy: 12 of 18, "The mayor said" apart */
    assert_int_equal(s->doc, 0);
    assert_int_equal(s->start, strstr(texts[0], held) - texts[0]);
    assert_in_range((long)(s->identity * 1000), 666, 667);
    assert_int_equal(s->diff_count, 1);
    assert_diff(&s->diffs[0], "as the mayor said on Monday", "");
    rp_quotes_free(r);
    rp_corpus_free(c);
    for (size_t i = 0; i < M; i++)
        free(texts[i]);
}

/* ---- the same report for any number of threads ---- */

static uint32_t lcg(uint32_t *x)
{
    *x = *x * 1664525u + 1013904223u;
    return *x >> 8;
}

/* Sentence k of a wire (or of no document, for k past the wires): 14 words drawn by k from
 * 256 made of two syllables each. */
static void sentence(char *out, size_t cap, uint32_t k)
{
    static const char *const syl[] = {"ba", "ko", "ri",  "tem", "sun", "lo",  "var", "den",
                                      "mi", "pa", "zor", "el",  "fu",  "nat", "gri", "so"};
    uint32_t x = k * 2654435761u + 7;
    size_t n = 0;

    for (int w = 0; w < 14; w++) {
        uint32_t v = lcg(&x);
        n += (size_t)snprintf(out + n, cap - n, "%s%s%s", w ? " " : "", syl[v % 16],
                              syl[(v >> 4) % 16]);
    }
}

/* 40 wires of 10 sentences; 420 posts quoting three sentences each (copied, one word
 * changed, one word left out, a capital, or a sentence of no wire) with a speaker, 110 of
 * them also quoting one popular sentence and some a longer quotation holding it. */
static rp_corpus *many_quotes_corpus(void)
{
    enum { WIRES = 40, PER = 10, POSTS = 420 };
    rp_corpus *c = NULL;
    char name[32], s[256], *text = malloc(1 << 14);
    uint32_t x = 12345;

    assert_non_null(text);
    assert_int_equal(rp_corpus_new(&c), RP_OK);
    for (uint32_t d = 0; d < WIRES; d++) {
        size_t n = (size_t)snprintf(text, 1 << 14, "Wire %u.", d);
        for (uint32_t k = 0; k < PER; k++) {
            sentence(s, sizeof(s), d * PER + k);
            n += (size_t)snprintf(text + n, (1 << 14) - n, " %s.", s);
        }
        snprintf(name, sizeof(name), "wire%u", d);
        assert_int_equal(rp_corpus_add(c, name, text, n, NULL), RP_OK);
    }
    for (uint32_t p = 0; p < POSTS; p++) {
        size_t n = (size_t)snprintf(text, 1 << 14, "Post %u.\n\n", p);
        for (int q = 0; q < 3; q++) {
            uint32_t pick = lcg(&x), k = pick % (WIRES * PER + 60), how = (pick >> 12) % 5;
            sentence(s, sizeof(s), k);
            char *sp = strchr(s, ' ');
            if (how == 1)
                memcpy(s, "qq", 2); /* a changed word */
            else if (how == 2)
                memmove(sp, strchr(sp + 1, ' '), strlen(strchr(sp + 1, ' ')) + 1); /* left out */
            else if (how == 3)
                s[0] = (char)(s[0] - 'a' + 'A');
            n += (size_t)snprintf(text + n, (1 << 14) - n, "“%s,” %s said.\n\n", s,
                                  q == 1 ? "the mayor" : "she");
        }
        if (p % 4 == 0)
            n += (size_t)snprintf(text + n, (1 << 14) - n,
                                  "“the ferry will keep running all winter whatever the "
                                  "weather brings us”\n\n");
        if (p % 40 == 1)
            n += (size_t)snprintf(text + n, (1 << 14) - n,
                                  "He wrote: “as the mayor said the ferry will keep running "
                                  "all winter whatever the weather brings us on Monday”\n");
        snprintf(name, sizeof(name), "post%u", p);
        assert_int_equal(rp_corpus_add(c, name, text, n, NULL), RP_OK);
    }
    free(text);
    return c;
}

/* Bytes [a, b) of t, lower-cased (ASCII), as a string. */
static char *lower_copy(const char *t, size_t a, size_t b)
{
    char *s = malloc(b - a + 1);
    assert_non_null(s);
    for (size_t i = a; i < b; i++)
        s[i - a] = (char)(t[i] >= 'A' && t[i] <= 'Z' ? t[i] - 'A' + 'a' : t[i]);
    s[b - a] = '\0';
    return s;
}

/* Each source of each quotation is its own: most of the quotation's word pairs stand in the
 * source's bytes (unrelated sentences share about 1 in 250), each difference
 * stands in the quotation and in the source, and the speaker stands next to the quotation. Catches
 * sources, differences or strings added to the wrong quotation. */
static void assert_sources_are_their_own(const rp_corpus *c, const rp_quotes *r)
{
    for (size_t i = 0; i < rp_quotes_count(r); i++) {
        const rp_quote *q = rp_quotes_get(r, i);
        const rp_doc *qd = rp_corpus_doc(c, q->doc);
        char *qt = lower_copy(qd->bytes, q->start, q->end);
        if (q->speaker) { /* "..., she said." or "He wrote: ..." */
            size_t n = qd->len - q->end < 24 ? qd->len - q->end : 24;
            char *after = lower_copy(qd->bytes, q->end, q->end + n);
            char *before = lower_copy(qd->bytes, q->start < 24 ? 0 : q->start - 24, q->start);
            char *sp = lower_copy(q->speaker, 0, strlen(q->speaker));
            assert_true(strstr(after, sp) || strstr(before, sp));
            free(after);
            free(before);
            free(sp);
        }
        for (size_t k = 0; k < q->source_count; k++) {
            const rp_quote_source *s = &q->sources[k];
            const rp_doc *sd = rp_corpus_doc(c, s->doc);
            char *st = lower_copy(sd->bytes, s->start, s->end);
            char *a = qt, *b, pair[64];
            size_t pairs = 0, found = 0;
            while ((b = strchr(a, ' ')) != NULL && strchr(b + 1, ' ') != NULL) {
                size_t n = (size_t)(strchr(b + 1, ' ') - a);
                if (n < sizeof(pair)) {
                    memcpy(pair, a, n);
                    pair[n] = '\0';
                    pairs++;
                    found += strstr(st, pair) != NULL;
                }
                a = b + 1;
            }
            assert_true(pairs > 0 && 3 * found >= pairs);
            for (size_t d = 0; d < s->diff_count; d++) {
                char *dq = lower_copy(s->diffs[d].quote, 0, strlen(s->diffs[d].quote));
                char *ds = lower_copy(s->diffs[d].source, 0, strlen(s->diffs[d].source));
                assert_non_null(strstr(qt, dq));
                assert_non_null(strstr(st, ds));
                free(dq);
                free(ds);
            }
            free(st);
        }
        free(qt);
    }
}

/* Word i of made-up text k: three letters and a suffix, so that no text shares a word. */
static void word_of(char *out, size_t cap, unsigned k, unsigned i)
{
    snprintf(out, cap, "%c%c%cven", 'a' + k, 'a' + i / 26, 'a' + i % 26);
}

/* Words [a, b) of text k, each followed by a space, except where keep says the word is
 * replaced by "other" (keep NULL: every word). */
static void add_words(char *buf, size_t cap, unsigned k, unsigned a, unsigned b,
                      bool (*keep)(unsigned))
{
    char w[16];
    for (unsigned i = a; i < b; i++) {
        word_of(w, sizeof(w), k, i);
        strncat(buf, keep && !keep(i) ? "other" : w, cap - strlen(buf) - 1);
        strncat(buf, " ", cap - strlen(buf) - 1);
    }
}

static bool every_fourth_changed(unsigned i)
{
    return i % 4 != 3;
}

static bool every_third_changed(unsigned i)
{
    return i % 3 != 2;
}

/* The documents' seed bound (the distinct places of a text each document holds outside the
 * text's own copy, the shortest lists first, the text given up once no document can reach what
 * a chain needs) changes no answer: a source holding just enough seeds (7 of the 28 shingles of
 * a 30-word quotation, 5 needed) and 23 of its words is found; one with the words but no seed is
 * not; a text held 4 shingles at a time (5 needed) by 300 documents, and whole only by its own
 * quotation, has no source. */
static void test_seed_bound_keeps_a_source_with_just_enough_seeds(void **state)
{
    (void)state;
    enum { FILLERS = 300, WORDS = 30, CAP = 4096 };
    char *texts[FILLERS + 4];
    for (size_t d = 0; d < FILLERS + 4; d++) {
        texts[d] = calloc(CAP, 1);
        assert_non_null(texts[d]);
    }
    strcat(texts[0], "Intro. Ann said \xe2\x80\x9c");
    add_words(texts[0], CAP, 0, 0, WORDS, NULL);
    strcat(texts[0], "\xe2\x80\x9d and left.\n");
    add_words(texts[1], CAP, 0, 0, WORDS, every_fourth_changed);
    strcat(texts[1], "\n");
    add_words(texts[2], CAP, 0, 0, WORDS, every_third_changed);
    strcat(texts[2], "\n");
    strcat(texts[3], "Later. Bob said \xe2\x80\x9c");
    add_words(texts[3], CAP, 1, 0, WORDS, NULL);
    strcat(texts[3], "\xe2\x80\x9d again.\n");
    for (unsigned f = 0; f < FILLERS; f++) {
        char *t = texts[4 + f];
        unsigned at = f % (WORDS - 2);
        strcat(t, "filler words come first here. ");
        add_words(t, CAP, 0, at, at + 3, NULL);
        for (unsigned j = 0; j < 4; j++) {
            unsigned p = (f * 4 + j * 7) % (WORDS - 2);
            strcat(t, "and then some plain words between. ");
            add_words(t, CAP, 1, p, p + 3, NULL);
        }
        strcat(t, "the end.\n");
    }
    rp_corpus *c = corpus_of((const char *const *)texts, FILLERS + 4);
    rp_quotes *r = run(c);
    assert_int_equal(rp_quotes_count(r), 2);
    const rp_quote *q = rp_quotes_get(r, 0), *q2 = rp_quotes_get(r, 1);
    assert_int_equal(q->doc, 0);
    assert_int_equal(q->tokens, WORDS);
    assert_int_equal(q->source_count, 1);
    assert_int_equal(q->sources_total, 1);
    assert_int_equal(q->sources[0].doc, 1);
    assert_int_equal(q->sources[0].start, 0);
    assert_int_equal(q2->doc, 3);
    assert_int_equal(q2->source_count, 0);
    assert_int_equal(q2->sources_total, 0);
    rp_quotes_free(r);
    rp_corpus_free(c);
    for (size_t d = 0; d < FILLERS + 4; d++)
        free(texts[d]);
}

static char *quotes_json(const rp_corpus *c, unsigned threads, size_t *count)
{
    rp_options o;
    rp_quotes_options qo;
    rp_quotes *r = NULL;
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);

    assert_non_null(f);
    rp_options_init(&o);
    rp_quotes_options_init(&qo);
    o.threads = threads;
    assert_int_equal(rp_quotes_run(c, &o, &qo, &r), RP_OK);
    assert_sources_are_their_own(c, r);
    assert_int_equal(rp_report_quotes(f, RP_FORMAT_JSON, c, r, &o, &qo), RP_OK);
    fclose(f);
    *count = rp_quotes_count(r);
    rp_quotes_free(r);
    return buf;
}

/* Texts are attributed in items on the thread pool and their results added in input order:
 * the report (sources, differences, speakers, totals) is byte for byte the one of one thread,
 * whichever thread took which item and whatever it attributed before, and each quotation's
 * sources are its own. */
static void test_report_is_the_same_for_any_thread_count(void **state)
{
    (void)state;
    rp_corpus *c = many_quotes_corpus();
    size_t n1 = 0, n;
    char *one = quotes_json(c, 1, &n1);

    assert_true(n1 >= 1300);                                  /* many items of texts */
    assert_non_null(strstr(one, "\"fidelity\":\"altered\"")); /* differences, */
    assert_non_null(strstr(one, "\"fidelity\":\"elided\""));
    assert_non_null(strstr(one, "\"speaker\":\"the mayor said\"")); /* speakers, */
    assert_non_null(strstr(one, "\"status\":\"unsourced\""));       /* and texts of no wire */
    for (unsigned t = 2; t <= 4; t++) {
        for (int again = 0; again < 2; again++) {
            char *other = quotes_json(c, t, &n);
            assert_int_equal(n, n1);
            assert_string_equal(other, one);
            free(other);
        }
    }
    free(one);
    rp_corpus_free(c);
}

static void test_bad_options_are_rejected(void **state)
{
    (void)state;
    const char *t = "x";
    rp_corpus *c = corpus_of(&t, 1);
    rp_options o;
    rp_quotes_options q;
    rp_quotes *r = NULL;
    rp_options_init(&o);
    rp_quotes_options_init(&q);
    q.min_words = 0;
    assert_int_equal(rp_quotes_run(c, &o, &q, &r), RP_EINVAL);
    assert_null(r);
    rp_corpus_free(c);
}

static void test_allocation_failures_free_everything(void **state)
{
    (void)state;
    const char *texts[] = {SRC, POST};
    rp_corpus *c = corpus_of(texts, 2);
    rp_options o;
    rp_quotes_options q;
    rp_status st = RP_ENOMEM;
    rp_options_init(&o);
    rp_quotes_options_init(&q);
    for (unsigned long n = 1; st == RP_ENOMEM && n < 10000; n++) {
        rp_quotes *r = NULL;
        rp_alloc_fail_after(n);
        st = rp_quotes_run(c, &o, &q, &r);
        rp_alloc_fail_after(0);
        assert_true(st == RP_OK || st == RP_ENOMEM);
        assert_true((st == RP_OK) == (r != NULL));
        rp_quotes_free(r);
    }
    assert_int_equal(st, RP_OK);
    rp_corpus_free(c);
}

/* ---- the seed (acceptance) ---- */

static const char *source_dir(void)
{
    const char *dir = getenv("RP_SOURCE_DIR");
    return dir && *dir ? dir : RP_SOURCE_DIR;
}

/* The quotation starting on `line` of document `doc`, or NULL. */
static const rp_quote *quote_on(const rp_quotes *r, uint32_t doc, uint32_t line)
{
    for (size_t i = 0; i < rp_quotes_count(r); i++)
        if (rp_quotes_get(r, i)->doc == doc && rp_quotes_get(r, i)->line == line)
            return rp_quotes_get(r, i);
    return NULL;
}

static rp_quotes *seed_run(const char *split_after, rp_corpus **out)
{
    char path[4096];
    rp_read_options ro;
    rp_corpus *c = NULL;
    FILE *f;

    snprintf(path, sizeof(path), "%s/../shared/corpora/seed-feed.txt", source_dir());
    f = fopen(path, "rb");
    if (!f)
        return NULL;
    fclose(f);
    rp_read_options_init(&ro);
    ro.split_after = split_after;
    assert_int_equal(rp_corpus_new(&c), RP_OK);
    assert_int_equal(rp_corpus_read(c, path, &ro), RP_OK);
    *out = c;
    return run(c);
}

/* Lines are those of the seed as one file; with --split-after, of post #2 (the Bangladesh and
 * G20 posts' part starts on line 38 of the file). */
static void check_seed(const rp_quotes *r, uint32_t doc, uint32_t shift)
{
    const uint32_t g20[] = {97, 101, 105}, bangla[] = {49, 53}, beyond[] = {245, 247, 251, 267};
    for (size_t i = 0; i < 3; i++) {
        const rp_quote *q = quote_on(r, doc, g20[i] - shift);
        assert_non_null(q);
        assert_true(q->source_count >= 1);
        assert_int_equal(q->sources[0].doc, doc);
        assert_false(q->sources[0].quoted);
        assert_int_equal(q->sources[0].fidelity,
                         i < 2 ? RP_FIDELITY_NORMALIZED : RP_FIDELITY_VERBATIM);
        if (i < 2)
            assert_string_equal(q->sources[0].diffs[0].source, "U.S.");
    }
    assert_int_equal(quote_on(r, doc, 103 - shift), NULL); /* part of the 101 quotation */
    assert_true(quote_on(r, doc, 101 - shift)->tokens > 80);
    for (size_t i = 0; i < 2; i++) {
        const rp_quote *q = quote_on(r, doc, bangla[i] - shift);
        assert_non_null(q);
        assert_true(q->source_count >= 1);
        assert_true(q->sources[0].quoted);
        assert_true(q->sources[0].start > q->end);
    }
    (void)beyond;
}

static void test_seed_quotations_as_one_file(void **state)
{
    (void)state;
    rp_corpus *c = NULL;
    rp_quotes *r = seed_run(NULL, &c);
    if (!r) {
        print_message("seed-feed.txt not found next to the repository: skipped\n");
        skip();
    }
    check_seed(r, 0, 0);
    const uint32_t beyond[] = {245, 247, 251, 267, 269, 271, 610, 618};
    for (size_t i = 0; i < sizeof(beyond) / sizeof(beyond[0]); i++) {
        const rp_quote *q = quote_on(r, 0, beyond[i]);
        assert_non_null(q);
        assert_int_equal(q->source_count, 0);
    }
    rp_quotes_free(r);
    rp_corpus_free(c);
}

static void test_seed_quotations_split_after_continue_reading(void **state)
{
    (void)state;
    rp_corpus *c = NULL;
    rp_quotes *r = seed_run("^Continue reading ", &c);
    if (!r) {
        print_message("seed-feed.txt not found next to the repository: skipped\n");
        skip();
    }
    check_seed(r, 1, 37);
    size_t unsourced = 0;
    for (size_t i = 0; i < rp_quotes_count(r); i++)
        unsourced += rp_quotes_get(r, i)->doc >= 3 && rp_quotes_get(r, i)->source_count == 0;
    assert_true(unsourced >= 20);
    rp_quotes_free(r);
    rp_corpus_free(c);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_extract_curly_quotation_spans_text_without_marks),
        cmocka_unit_test(test_extract_apostrophes_are_not_quotation_marks),
        cmocka_unit_test(test_extract_possessive_inside_single_quotes_does_not_close),
        cmocka_unit_test(test_extract_nested_quotation_has_depth_one),
        cmocka_unit_test(test_extract_multi_paragraph_quotation_is_one),
        cmocka_unit_test(test_extract_unbalanced_mark_ends_at_its_paragraph),
        cmocka_unit_test(test_extract_other_languages_marks),
        cmocka_unit_test(test_extract_empty_text_finds_nothing),
        cmocka_unit_test(test_fidelity_labels_and_differences),
        cmocka_unit_test(test_line_and_column_deep_in_long_documents),
        cmocka_unit_test(test_source_in_same_document_below_the_quotation),
        cmocka_unit_test(test_unquoted_source_ranks_before_quoted_one),
        cmocka_unit_test(test_short_quotations_are_left_out),
        cmocka_unit_test(test_speaker_hint_patterns),
        cmocka_unit_test(test_json_report_follows_the_schema),
        cmocka_unit_test(test_copies_past_two_thousand_keep_their_sources),
        cmocka_unit_test(test_sources_listed_stop_at_max_sources_of_at_most_100),
        cmocka_unit_test(test_many_copies_in_one_document_list_every_other_place),
        cmocka_unit_test(test_random_documents_keep_sources_consistent),
        cmocka_unit_test(test_quotation_holding_a_popular_text_is_sourced_by_its_copies),
        cmocka_unit_test(test_seed_bound_keeps_a_source_with_just_enough_seeds),
        cmocka_unit_test(test_report_is_the_same_for_any_thread_count),
        cmocka_unit_test(test_bad_options_are_rejected),
        cmocka_unit_test(test_allocation_failures_free_everything),
        cmocka_unit_test(test_seed_quotations_as_one_file),
        cmocka_unit_test(test_seed_quotations_split_after_continue_reading),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
