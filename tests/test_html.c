/*
 * test_html.c - the HTML reports as written, no browser: escaping of text, attributes and the
 * embedded JSON; the machine-checkable markup (scan: one element per reported passage with the
 * JSON's doc, start, end and cluster id; quotes: one per quotation and one per source, with the
 * JSON's offsets); UTF-16 offsets; coverage split by kind; the chrome and script both pages
 * share; the Content-Security-Policy's script hashes, checked against a SHA-256 of the test's
 * own; allocation failure. The browser checks live in tests/browser/check.py.
 */
#include "report/html.h"
#include "base/escape.h"
#include "fixture.h"

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static size_t count(const char *hay, const char *needle)
{
    size_t n = 0;
    for (const char *p = strstr(hay, needle); p; p = strstr(p + 1, needle))
        n++;
    return n;
}

static void test_html_text_escapes_every_markup_character(void **state)
{
    const char in[] = "<a href=\"x\" onclick='y'>&amp;</a>";
    char *out = fixture_captured(rp_html_text, in, strlen(in), NULL);

    assert_string_equal(out, "&lt;a href=&quot;x&quot; onclick=&#39;y&#39;&gt;&amp;amp;&lt;/a&gt;");
    free(out);
}

static void test_html_text_replaces_invalid_utf8_and_controls(void **state)
{
    const char in[] = "a\xff\x01" "b\tc\n\xc3\xa9\x00!";
    char *out = fixture_captured(rp_html_text, in, sizeof(in) - 1, NULL);

    assert_string_equal(out, "a\xEF\xBF\xBD\xEF\xBF\xBD" "b\tc\n\xc3\xa9\xEF\xBF\xBD!");
    free(out);
}

static void test_html_json_string_cannot_close_the_script_block(void **state)
{
    const char in[] = "</script><!--\xE2\x80\xA8\xE2\x80\xA9&\"\\\x01\xff";
    char *out = fixture_captured(rp_html_json_string, in, sizeof(in) - 1, NULL);

    assert_string_equal(out, "\"\\u003c/script\\u003e\\u003c!--\\u2028\\u2029\\u0026\\\"\\\\"
                             "\\u0001\xEF\xBF\xBD\"");
    free(out);
}

/* ---- whole reports on hand-made clusters ---- */

typedef struct fixture {
    rp_corpus *corpus;
    rp_options opts;
    rp_passage passages[5];
    rp_pair pairs[3];
    rp_cluster clusters[3];
    rp_doc_stats stats[2];
} fixture;

static const char doc_a[] = "\xC3\xA9\xF0\x9F\x98\x80 <script>alert(1)</script> and "
                            "</textarea><img src=x onerror=alert(2)> \" onmouseover=' x";
static const char doc_b[] = "intro <script>alert(1)</script> and </textarea><img src=x "
                            "onerror=alert(2)> tail";

static rp_passage passage(uint32_t doc, size_t start, size_t end)
{
    rp_passage p = {doc, start, end, 1, 1, 6, 1.0, false, 0, 0, 0};
    return p;
}

static int setup(void **state)
{
    fixture *f = calloc(1, sizeof(*f));

    assert_non_null(f);
    assert_int_equal(rp_corpus_new(&f->corpus), RP_OK);
    assert_int_equal(rp_corpus_add(f->corpus, "a<b>\"'&.txt", doc_a, sizeof(doc_a) - 1, NULL),
                     RP_OK);
    assert_int_equal(rp_corpus_add(f->corpus, "b.txt", doc_b, sizeof(doc_b) - 1, NULL), RP_OK);
    rp_options_init(&f->opts);
    /* cluster 0: reprint, doc 0 [7, 48) and doc 1 [6, 47): "<script>...</script> and ..." */
    f->passages[0] = passage(0, 7, 48);
    f->passages[1] = passage(1, 6, 47);
    /* cluster 1: boilerplate, left out below */
    f->passages[2] = passage(0, 0, 6);
    f->passages[3] = passage(1, 0, 5);
    /* cluster 2: internal, doc 1 */
    f->passages[4] = passage(1, 48, 75);
    f->pairs[0] = (rp_pair){0, 1, 1.0, 6, NULL, 0};
    f->clusters[0] = (rp_cluster){RP_KIND_REPRINT, 6, 2, &f->passages[0], 2, &f->pairs[0], 1};
    f->clusters[1] = (rp_cluster){RP_KIND_BOILERPLATE, 1, 2, &f->passages[2], 2, NULL, 0};
    f->clusters[2] = (rp_cluster){RP_KIND_INTERNAL, 6, 1, &f->passages[4], 1, NULL, 0};
    f->opts.kinds = (1u << RP_KIND_REPRINT) | (1u << RP_KIND_INTERNAL);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    fixture *f = *state;
    rp_corpus_free(f->corpus);
    free(f);
    return 0;
}

static rp_status write_report(fixture *f, char **out)
{
    size_t size = 0;
    FILE *mem = open_memstream(out, &size);
    rp_status st;

    assert_non_null(mem);
    st = rp_html_write(mem, f->corpus, f->clusters, 3, f->stats, &f->opts);
    assert_int_equal(fclose(mem), 0);
    return st;
}

static void test_html_write_marks_exactly_the_reported_passages(void **state)
{
    fixture *f = *state;
    char *out = NULL;

    assert_int_equal(write_report(f, &out), RP_OK);
    assert_non_null(strstr(out, "data-doc=\"0\" data-start=\"7\" data-end=\"48\" "
                                "data-cluster=\"0\""));
    assert_non_null(strstr(out, "data-doc=\"1\" data-start=\"6\" data-end=\"47\" "
                                "data-cluster=\"0\""));
    /* the boilerplate cluster 1 is not reported; ids stay those of all clusters (as in JSON),
     * so the internal one is cluster 2, and the data holds null in cluster 1's place */
    assert_non_null(strstr(out, "data-doc=\"1\" data-start=\"48\" data-end=\"75\" "
                                "data-cluster=\"2\""));
    assert_non_null(strstr(out, ",\nnull,\n{\"kind\":1,"));
    assert_int_equal(count(out, "data-cluster="), 3);
    assert_int_equal(count(out, "data-doc="), 3);
    assert_null(strstr(out, "data-end=\"6\""));
    assert_null(strstr(out, "data-kind=\"boilerplate\""));
    free(out);
}

static void test_html_write_lets_no_corpus_markup_through(void **state)
{
    fixture *f = *state;
    char *out = NULL;

    assert_int_equal(write_report(f, &out), RP_OK);
    assert_int_equal(count(out, "<script"), 3); /* error handler, data, app */
    assert_int_equal(count(out, "</script"), 3);
    assert_null(strstr(out, "<img"));
    assert_null(strstr(out, "</textarea"));
    assert_null(strstr(out, "<!--"));
    assert_null(strstr(out, "alert(1)</"));
    assert_non_null(strstr(out, "title=\"a&lt;b&gt;&quot;&#39;&amp;.txt\">a&lt;b&gt;&quot;"));
    assert_non_null(strstr(out, "\"name\":\"a\\u003cb\\u003e\\\"'\\u0026.txt\""));
    assert_non_null(strstr(out, "&lt;script&gt;alert(1)&lt;/script&gt; and &lt;/textarea&gt;"));
    free(out);
}

static void test_html_write_gives_the_script_utf16_offsets(void **state)
{
    fixture *f = *state;
    char *out = NULL;

    /* doc 0 starts with a 2-byte and a 4-byte character: byte 7 is UTF-16 unit 4 */
    assert_int_equal(write_report(f, &out), RP_OK);
    assert_non_null(strstr(out, "[0,7,48,1,1,6,1.0000,4,45]"));
    assert_non_null(strstr(out, "[1,6,47,1,1,6,1.0000,6,47]"));
    free(out);
}

static void test_html_write_splits_coverage_by_kind(void **state)
{
    fixture *f = *state;
    char *out = NULL;

    f->opts.kinds = RP_KINDS_ALL;
    /* doc 1 (80 bytes): boilerplate [0,5), reprint [6,47), internal [48,75) */
    assert_int_equal(write_report(f, &out), RP_OK);
    assert_non_null(strstr(out, "href=\"#d/1\" title=\"b.txt\">b.txt <span class=\"ttl\">"));
    assert_non_null(strstr(out, "</a><div class=\"bar\"><i class=\"k-reprint\" style=\"width:51.25%\""));
    assert_non_null(strstr(out, "<i class=\"k-internal\" style=\"width:33.75%\""));
    assert_non_null(strstr(out, "<i class=\"k-boilerplate\" style=\"width:6.25%\""));
    assert_int_equal(count(out, "data-cluster="), 5);
    free(out);
}

static void test_html_write_embeds_only_texts_with_passages(void **state)
{
    fixture *f = *state;
    char *out = NULL;

    f->opts.kinds = 1u << RP_KIND_INTERNAL; /* only doc 1 has a reported passage */
    assert_int_equal(write_report(f, &out), RP_OK);
    assert_non_null(strstr(out, "\"covered\":0.0000,\"title\":"));
    assert_non_null(strstr(out, ",\"text\":null}"));
    assert_non_null(strstr(out, "\"text\":\"intro \\u003cscript"));
    assert_int_equal(count(out, "data-cluster="), 1);
    free(out);
}

/* A long name keeps its file name and "#N" and is cut in the middle on a character boundary;
 * the full name stays in the link's title. */
static void test_html_write_shortens_long_names_in_the_middle_keeping_the_part(void **state)
{
    static const char text[] = "one two three four five six seven eight nine ten";
    static const char longname[] = "/srv/\xC3\xA9\xC3\xA9\xC3\xA9\xC3\xA9-very-long-folder-name/"
                                   "and-another-one/feed-of-posts.txt#12";
    rp_corpus *corpus;
    rp_options opts;
    rp_passage ps[2] = {passage(0, 0, 13), passage(1, 0, 13)};
    rp_pair pair = {0, 1, 1.0, 3, NULL, 0};
    rp_cluster c = {RP_KIND_REPRINT, 3, 2, ps, 2, &pair, 1};
    rp_doc_stats stats[2] = {{0}, {0}};
    char *out = NULL;
    size_t size = 0;

    (void)state;
    assert_int_equal(rp_corpus_new(&corpus), RP_OK);
    assert_int_equal(rp_corpus_add(corpus, longname, text, sizeof(text) - 1, NULL), RP_OK);
    assert_int_equal(rp_corpus_add(corpus, "short.txt#2", text, sizeof(text) - 1, NULL), RP_OK);
    rp_options_init(&opts);
    FILE *mem = open_memstream(&out, &size);
    assert_non_null(mem);
    assert_int_equal(rp_html_write(mem, corpus, &c, 1, stats, &opts), RP_OK);
    assert_int_equal(fclose(mem), 0);
    /* shown: the start of the path, "…", then "/", the file name and its #N whole */
    assert_non_null(strstr(out, ">/srv/\xC3\xA9\xC3\xA9\xC3\xA9\xC3\xA9-very-long-fo\xE2\x80\xA6"
                                "/feed-of-posts.txt#12 <span class=\"ttl\">"));
    assert_non_null(strstr(out, "title=\"/srv/\xC3\xA9")); /* the full name in the title */
    assert_non_null(strstr(out, ">short.txt#2 <span"));        /* a short name as it is */
    /* the data holds the shortened name for the script, only for the long one */
    assert_int_equal(count(out, ",\"s\":\""), 1);
    /* every byte of the page is valid UTF-8: no character was cut in two */
    for (size_t i = 0; i < size;) {
        size_t n = rp_escape_utf8_len((const unsigned char *)out + i, size - i);
        assert_true(n > 0);
        i += n;
    }
    free(out);
    rp_corpus_free(corpus);
}

static void test_html_write_frees_everything_when_allocation_fails(void **state)
{
    fixture *f = *state;
    rp_status st = RP_ENOMEM;
    unsigned long n;

    for (n = 1; st == RP_ENOMEM && n < 100; n++) {
        char *out = NULL;
        rp_alloc_fail_after(n);
        st = write_report(f, &out);
        rp_alloc_fail_after(0);
        free(out);
        assert_true(st == RP_OK || st == RP_ENOMEM);
    }
    assert_int_equal(st, RP_OK);
    assert_true(n > 2); /* the first allocations did fail */
}

/* ---- the quotes report on hand-made quotations ---- */

typedef struct qfixture {
    rp_corpus *corpus;
    rp_options opts;
    rp_quotes_options qopts;
    rp_quote_diff diffs[2];
    rp_quote_source sources[3];
    rp_quote quotes[3];
    rp_doc_stats stats[2];
} qfixture;

/* doc 0 gives the words; doc 1 quotes them (quotation 0), quotes something nobody said
 * (quotation 1, full of markup), and quotes doc 0 again with a word changed (quotation 2). */
static const char qdoc_source[] = "The board said the ferry <script>alert(1)</script> runs all "
                                  "winter & fares stay as they are.";
static const char qdoc_quoting[] =
    "Reports say \xE2\x80\x9Cthe ferry <script>alert(1)</script> runs all winter & fares stay as "
    "they are\xE2\x80\x9D today. A caller wrote \xE2\x80\x9C</textarea><img src=x "
    "onerror=alert(2)> 'single' \"double\" &amp; &lt;b&gt;\xE2\x80\x9D to us. Later "
    "\xE2\x80\x9Cthe ferry runs all summer & fares stay as they are\xE2\x80\x9D.";

/* Byte offsets of the first needle in hay, as [*start, *end). */
static void span_of(const char *hay, const char *needle, size_t *start, size_t *end)
{
    const char *p = strstr(hay, needle);

    assert_non_null(p);
    *start = (size_t)(p - hay);
    *end = *start + strlen(needle);
}

static rp_quote_source qsource(uint32_t doc, const char *text, const char *needle,
                               rp_fidelity fidelity)
{
    rp_quote_source s = {doc, 0, 0, 1, 1, false, 1.0, fidelity, NULL, 0};

    span_of(text, needle, &s.start, &s.end);
    return s;
}

static rp_quote qquote(const char *needle, const rp_quote_source *sources, size_t count)
{
    rp_quote q = {1, 0, 0, 1, 1, 8, NULL, sources, count, count};

    span_of(qdoc_quoting, needle, &q.start, &q.end);
    return q;
}

static int qsetup(void **state)
{
    qfixture *f = calloc(1, sizeof(*f));
    const char *said = "the ferry <script>alert(1)</script> runs all winter & fares stay as they "
                       "are";

    assert_non_null(f);
    assert_int_equal(rp_corpus_new(&f->corpus), RP_OK);
    assert_int_equal(rp_corpus_add(f->corpus, "wire<i>.txt", qdoc_source,
                                   sizeof(qdoc_source) - 1, NULL),
                     RP_OK);
    assert_int_equal(rp_corpus_add(f->corpus, "post.txt", qdoc_quoting, sizeof(qdoc_quoting) - 1,
                                   NULL),
                     RP_OK);
    rp_options_init(&f->opts);
    rp_quotes_options_init(&f->qopts);
    /* quotation 0: two sources, doc 0 (verbatim) and its own later quotation (altered) */
    f->sources[0] = qsource(0, qdoc_source, said, RP_FIDELITY_VERBATIM);
    f->sources[1] = qsource(1, qdoc_quoting, "the ferry runs all summer", RP_FIDELITY_ALTERED);
    f->sources[1].quoted = true;
    f->diffs[0] = (rp_quote_diff){"<script>alert(1)</script>", ""};
    f->diffs[1] = (rp_quote_diff){"winter", "summer</textarea>"};
    f->sources[1].diffs = f->diffs, f->sources[1].diff_count = 2;
    /* quotation 2: doc 0 again, altered */
    f->sources[2] = qsource(0, qdoc_source, said, RP_FIDELITY_ALTERED);
    f->quotes[0] = qquote(said, &f->sources[0], 2);
    f->quotes[0].speaker = "<b onclick='x'>Reports</b> say";
    f->quotes[1] = qquote("</textarea><img src=x onerror=alert(2)> 'single' \"double\" &amp; "
                          "&lt;b&gt;",
                          NULL, 0);
    f->quotes[2] = qquote("the ferry runs all summer & fares stay as they are", &f->sources[2], 1);
    *state = f;
    return 0;
}

static int qteardown(void **state)
{
    qfixture *f = *state;
    rp_corpus_free(f->corpus);
    free(f);
    return 0;
}

static rp_status write_quotes(qfixture *f, char **out)
{
    size_t size = 0;
    FILE *mem = open_memstream(out, &size);
    rp_status st;

    assert_non_null(mem);
    st = rp_html_write_quotes(mem, f->corpus, f->quotes, 3, f->stats, &f->opts, &f->qopts);
    assert_int_equal(fclose(mem), 0);
    return st;
}

/* The attributes a quotation's element carries, from its struct. */
static char *quote_attrs(size_t id, const rp_quote *q, char *buf, size_t size)
{
    snprintf(buf, size, "data-quote=\"%zu\" data-doc=\"%u\" data-start=\"%zu\" data-end=\"%zu\"",
             id, q->doc, q->start, q->end);
    return buf;
}

static char *source_attrs(size_t id, const rp_quote_source *s, char *buf, size_t size)
{
    snprintf(buf, size,
             "data-quote=\"%zu\" data-source-doc=\"%u\" data-source-start=\"%zu\" "
             "data-source-end=\"%zu\"",
             id, s->doc, s->start, s->end);
    return buf;
}

static void test_html_quotes_mark_every_quotation_and_its_sources(void **state)
{
    qfixture *f = *state;
    char *out = NULL, buf[200];
    const char *unsourced;

    assert_int_equal(write_quotes(f, &out), RP_OK);
    for (size_t i = 0; i < 3; i++)
        assert_int_equal(count(out, quote_attrs(i, &f->quotes[i], buf, sizeof(buf))), 1);
    assert_int_equal(count(out, source_attrs(0, &f->sources[0], buf, sizeof(buf))), 1);
    assert_int_equal(count(out, source_attrs(0, &f->sources[1], buf, sizeof(buf))), 1);
    assert_int_equal(count(out, source_attrs(2, &f->sources[2], buf, sizeof(buf))), 1);
    /* nothing more: 3 quotations, 3 sources, none for the unsourced quotation */
    assert_int_equal(count(out, "data-quote="), 6);
    assert_int_equal(count(out, "data-doc="), 3);
    assert_int_equal(count(out, "data-source-doc="), 3);
    assert_null(strstr(out, "data-quote=\"1\" data-source"));
    /* the badge is the best source's fidelity; the unsourced quotation comes in its section */
    assert_non_null(strstr(out, "<article class=\"qt f-verbatim\" id=\"q0\">"));
    assert_non_null(strstr(out, "<article class=\"qt f-altered\" id=\"q2\">"));
    unsourced = strstr(out, "<section class=\"card\" id=\"unsourced\">");
    assert_non_null(unsourced);
    assert_non_null(strstr(unsourced, "<article class=\"qt f-unsourced\" id=\"q1\">"));
    assert_null(strstr(unsourced, "id=\"q0\""));
    /* the best source is shown, the other one hidden until picked */
    assert_non_null(strstr(out, "<div class=\"pane s\" data-pick=\"0\"><div"));
    assert_non_null(strstr(out, "<div class=\"pane s\" data-pick=\"1\" hidden><div"));
    assert_int_equal(count(out, "<button type=\"button\" data-pick="), 2);
    free(out);
}

static void test_html_quotes_let_no_corpus_markup_through(void **state)
{
    qfixture *f = *state;
    char *out = NULL;

    assert_int_equal(write_quotes(f, &out), RP_OK);
    assert_int_equal(count(out, "<script"), 2); /* error handler, app */
    assert_int_equal(count(out, "</script"), 2);
    assert_null(strstr(out, "<img"));
    assert_null(strstr(out, "</textarea"));
    assert_null(strstr(out, "<i>"));
    assert_null(strstr(out, "<b "));
    assert_null(strstr(out, "alert(1)</"));
    /* texts, names, speaker and differences, each escaped where it is written */
    assert_non_null(strstr(out, "<div class=\"txt\">&lt;/textarea&gt;&lt;img src=x "
                                "onerror=alert(2)&gt; &#39;single&#39; &quot;double&quot; "
                                "&amp;amp; &amp;lt;b&amp;gt;</div>"));
    assert_non_null(strstr(out, "<div class=\"txt\">the ferry &lt;script&gt;alert(1)&lt;/script"
                                "&gt; runs all winter &amp; fares"));
    assert_non_null(strstr(out, ">wire&lt;i&gt;.txt:1:1</span>"));
    assert_non_null(strstr(out, "<q>&lt;b onclick=&#39;x&#39;&gt;Reports&lt;/b&gt; say</q>"));
    assert_non_null(strstr(out, "<q>&lt;script&gt;alert(1)&lt;/script&gt;</q> \xE2\x86\x92 "
                                "<q></q>; <q>winter</q> \xE2\x86\x92 <q>summer&lt;/textarea&gt;"
                                "</q>"));
    free(out);
}

static void write_scan_page(char **out)
{
    fixture *f;

    assert_int_equal(setup((void **)&f), 0);
    assert_int_equal(write_report(f, out), RP_OK);
    teardown((void **)&f);
}

static void test_html_quotes_share_the_chrome_and_script_of_the_scan_page(void **state)
{
    qfixture *f = *state;
    char *quotes = NULL, *scan = NULL;
    const char *shared[] = {
        "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; "
        "script-src 'sha256-",
        "; style-src 'unsafe-inline'; img-src data:\">", "window.onerror = function (", "function wordDiff(a, b, keyOf) {", "function paintWords(",
        "function lcsOps(a, b) {", "function setupMore() {", "button.showmore{"};

    write_scan_page(&scan);
    assert_int_equal(write_quotes(f, &quotes), RP_OK);
    for (size_t i = 0; i < sizeof(shared) / sizeof(shared[0]); i++) {
        assert_int_equal(count(quotes, shared[i]), 1);
        assert_int_equal(count(scan, shared[i]), 1);
    }
    assert_non_null(strstr(quotes, "<title>reprint quotes report</title>"));
    assert_non_null(strstr(scan, "<title>reprint scan report</title>"));
    /* each page has its own part, and only its own */
    assert_non_null(strstr(quotes, "function compareQuote("));
    assert_null(strstr(scan, "function compareQuote("));
    assert_non_null(strstr(scan, "function showCluster("));
    assert_null(strstr(quotes, "function showCluster("));
    assert_null(strstr(quotes, "rp-data"));
    assert_null(strstr(quotes, "://")); /* no address outside the page */
    free(quotes);
    free(scan);
}

/* ---- SHA-256 (FIPS 180-4) and base64, written here so the test checks the page's CSP hashes
 * against its own computation, not the build's ---- */

static const uint32_t sha_k[64] = {
    0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4,
    0xab1c5ed5, 0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe,
    0x9bdc06a7, 0xc19bf174, 0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f,
    0x4a7484aa, 0x5cb0a9dc, 0x76f988da, 0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7,
    0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967, 0x27b70a85, 0x2e1b2138, 0x4d2c6dfc,
    0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85, 0xa2bfe8a1, 0xa81a664b,
    0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070, 0x19a4c116,
    0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
    0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7,
    0xc67178f2};

static uint32_t ror(uint32_t x, int n)
{
    return x >> n | x << (32 - n);
}

static void sha_block(uint32_t h[8], const unsigned char *p)
{
    uint32_t w[64], v[8];

    for (int i = 0; i < 16; i++)
        w[i] = (uint32_t)p[4 * i] << 24 | (uint32_t)p[4 * i + 1] << 16 |
               (uint32_t)p[4 * i + 2] << 8 | p[4 * i + 3];
    for (int i = 16; i < 64; i++) {
        uint32_t s0 = ror(w[i - 15], 7) ^ ror(w[i - 15], 18) ^ w[i - 15] >> 3;
        uint32_t s1 = ror(w[i - 2], 17) ^ ror(w[i - 2], 19) ^ w[i - 2] >> 10;
        w[i] = w[i - 16] + s0 + w[i - 7] + s1;
    }
    memcpy(v, h, sizeof(v));
    for (int i = 0; i < 64; i++) {
        uint32_t t1 = v[7] + (ror(v[4], 6) ^ ror(v[4], 11) ^ ror(v[4], 25)) +
                      ((v[4] & v[5]) ^ (~v[4] & v[6])) + sha_k[i] + w[i];
        uint32_t t2 = (ror(v[0], 2) ^ ror(v[0], 13) ^ ror(v[0], 22)) +
                      ((v[0] & v[1]) ^ (v[0] & v[2]) ^ (v[1] & v[2]));
        memmove(v + 1, v, 7 * sizeof(v[0]));
        v[4] += t1;
        v[0] = t1 + t2;
    }
    for (int i = 0; i < 8; i++)
        h[i] += v[i];
}

static void sha256(const char *data, size_t len, unsigned char out[32])
{
    uint32_t h[8] = {0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a,
                     0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19};
    unsigned char tail[128] = {0};
    size_t full = len / 64 * 64, rest = len - full, tail_len = rest < 56 ? 64 : 128;
    uint64_t bits = (uint64_t)len * 8;

    for (size_t i = 0; i < full; i += 64)
        sha_block(h, (const unsigned char *)data + i);
    memcpy(tail, data + full, rest);
    tail[rest] = 0x80;
    for (int i = 0; i < 8; i++)
        tail[tail_len - 1 - i] = (unsigned char)(bits >> (8 * i));
    for (size_t i = 0; i < tail_len; i += 64)
        sha_block(h, tail + i);
    for (int i = 0; i < 32; i++)
        out[i] = (unsigned char)(h[i / 4] >> (24 - 8 * (i % 4)));
}

/* "sha256-" and the base64 of the digest, as a CSP source names a script. */
static void csp_source(const char *data, size_t len, char out[52])
{
    static const char b64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    unsigned char d[33] = {0};
    char *o = out + 7;

    sha256(data, len, d);
    memcpy(out, "sha256-", 7);
    for (int i = 0; i < 33; i += 3) {
        uint32_t v = (uint32_t)d[i] << 16 | (uint32_t)d[i + 1] << 8 | d[i + 2];
        for (int j = 0; j < 4; j++)
            *o++ = b64[v >> (18 - 6 * j) & 63];
    }
    out[50] = '=';
    out[51] = '\0';
}

/* Checks that the page's script-src names exactly its inline scripts (<script> without a type:
 * the JSON data block is not a script), each by the hash of its bytes, and nothing else. */
static void assert_csp_allows_exactly_the_inline_scripts(const char *page)
{
    const char *csp = strstr(page, "script-src "), *end;
    char directive[512], source[52];
    size_t sources = 0, scripts = 0;

    assert_non_null(csp);
    end = strchr(csp, ';');
    assert_non_null(end);
    assert_true((size_t)(end - csp) < sizeof(directive));
    memcpy(directive, csp, (size_t)(end - csp));
    directive[end - csp] = '\0';
    assert_null(strstr(directive, "unsafe"));
    for (const char *p = strstr(directive, "'sha256-"); p; p = strstr(p + 1, "'sha256-"))
        sources++;
    for (const char *p = strstr(page, "<script>"); p; p = strstr(p + 1, "<script>")) {
        const char *body = p + strlen("<script>"), *close = strstr(body, "</script>");
        assert_non_null(close);
        csp_source(body, (size_t)(close - body), source);
        assert_non_null(strstr(directive, source));
        scripts++;
    }
    assert_int_equal(scripts, 2); /* the error handler and the page's own */
    assert_int_equal(sources, scripts);
}

static void test_html_csp_allows_exactly_the_pages_own_scripts(void **state)
{
    qfixture *f = *state;
    char *quotes = NULL, *scan = NULL, source[52];

    write_scan_page(&scan);
    assert_int_equal(write_quotes(f, &quotes), RP_OK);
    assert_csp_allows_exactly_the_inline_scripts(scan);
    assert_csp_allows_exactly_the_inline_scripts(quotes);
    /* the check itself: a script the page does not hold has a hash the policy does not name */
    csp_source("alert(1)", 8, source);
    assert_null(strstr(scan, source));
    /* and the digest is SHA-256's (FIPS 180-4's "abc" example) */
    csp_source("abc", 3, source);
    assert_string_equal(source, "sha256-ungWv48Bz+pBQUDeXa4iI7ADYaOWF3qctBD/YfIAFa0=");
    free(quotes);
    free(scan);
}

/* Through the public entry point, on quotations reprint found itself. */
static void test_html_quotes_report_from_a_real_run(void **state)
{
    const char src[] = "The minister said that the new line will carry nine thousand riders a "
                       "day from the opening week onward.";
    const char post[] = "Officials claim \xE2\x80\x9Cthe new line will carry nine thousand riders "
                        "a day from the opening week\xE2\x80\x9D, and \xE2\x80\x9Cnobody here "
                        "has ever heard these exact words before today\xE2\x80\x9D.";
    rp_corpus *c;
    rp_options o;
    rp_quotes_options qo;
    rp_quotes *r = NULL;
    char *out = NULL, buf[200];
    size_t size = 0, sourced = 0;
    FILE *mem;
    rp_status st = RP_ENOMEM;

    assert_int_equal(rp_corpus_new(&c), RP_OK);
    assert_int_equal(rp_corpus_add(c, "src.txt", src, sizeof(src) - 1, NULL), RP_OK);
    assert_int_equal(rp_corpus_add(c, "post.txt", post, sizeof(post) - 1, NULL), RP_OK);
    rp_options_init(&o);
    rp_quotes_options_init(&qo);
    assert_int_equal(rp_quotes_run(c, &o, &qo, &r), RP_OK);
    assert_int_equal(rp_quotes_count(r), 2);
    mem = open_memstream(&out, &size);
    assert_non_null(mem);
    assert_int_equal(rp_report_quotes(mem, RP_FORMAT_HTML, c, r, &o, &qo), RP_OK);
    assert_int_equal(fclose(mem), 0);
    assert_non_null(strstr(out, "<!DOCTYPE html>"));
    for (size_t i = 0; i < rp_quotes_count(r); i++) {
        const rp_quote *q = rp_quotes_get(r, i);
        assert_int_equal(count(out, quote_attrs(i, q, buf, sizeof(buf))), 1);
        for (size_t j = 0; j < q->source_count; j++, sourced++)
            assert_int_equal(count(out, source_attrs(i, &q->sources[j], buf, sizeof(buf))), 1);
    }
    assert_true(sourced > 0);
    assert_int_equal(count(out, "data-source-doc="), sourced);
    free(out);

    /* allocation failures: RP_ENOMEM, nothing leaked, until the report is written */
    for (unsigned long n = 1; st == RP_ENOMEM && n < 50; n++) {
        out = NULL;
        mem = open_memstream(&out, &size);
        assert_non_null(mem);
        rp_alloc_fail_after(n);
        st = rp_report_quotes(mem, RP_FORMAT_HTML, c, r, &o, &qo);
        rp_alloc_fail_after(0);
        assert_int_equal(fclose(mem), 0);
        free(out);
        assert_true(st == RP_OK || st == RP_ENOMEM);
        assert_true(n > 1 || st == RP_ENOMEM); /* the first allocation did fail */
    }
    assert_int_equal(st, RP_OK);
    rp_quotes_free(r);
    rp_corpus_free(c);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_html_text_escapes_every_markup_character),
        cmocka_unit_test(test_html_text_replaces_invalid_utf8_and_controls),
        cmocka_unit_test(test_html_json_string_cannot_close_the_script_block),
        cmocka_unit_test_setup_teardown(test_html_write_marks_exactly_the_reported_passages,
                                        setup, teardown),
        cmocka_unit_test_setup_teardown(test_html_write_lets_no_corpus_markup_through, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_html_write_gives_the_script_utf16_offsets, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_html_write_splits_coverage_by_kind, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_html_write_embeds_only_texts_with_passages, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_html_write_frees_everything_when_allocation_fails,
                                        setup, teardown),
        cmocka_unit_test_setup_teardown(test_html_quotes_mark_every_quotation_and_its_sources,
                                        qsetup, qteardown),
        cmocka_unit_test_setup_teardown(test_html_quotes_let_no_corpus_markup_through, qsetup,
                                        qteardown),
        cmocka_unit_test_setup_teardown(
            test_html_quotes_share_the_chrome_and_script_of_the_scan_page, qsetup, qteardown),
        cmocka_unit_test(test_html_write_shortens_long_names_in_the_middle_keeping_the_part),
        cmocka_unit_test_setup_teardown(test_html_csp_allows_exactly_the_pages_own_scripts,
                                        qsetup, qteardown),
        cmocka_unit_test(test_html_quotes_report_from_a_real_run),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
