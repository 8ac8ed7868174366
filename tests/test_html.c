/*
 * test_html.c - the HTML report as written, no browser: escaping of text, attributes and the
 * embedded JSON; the machine-checkable markup (one element per reported passage with the JSON's
 * doc, start, end and cluster id); UTF-16 offsets; coverage split by kind; allocation failure.
 * The browser checks live in tests/browser/check.py.
 */
#include "report_html.h"

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Runs fn into a memory stream and returns what it wrote (free()). */
static char *capture_text(void (*fn)(FILE *, const char *, size_t), const char *s, size_t len)
{
    char *buf = NULL;
    size_t size = 0;
    FILE *f = open_memstream(&buf, &size);

    assert_non_null(f);
    fn(f, s, len);
    assert_int_equal(fclose(f), 0);
    return buf;
}

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
    char *out = capture_text(rp_html_text, in, strlen(in));

    assert_string_equal(out, "&lt;a href=&quot;x&quot; onclick=&#39;y&#39;&gt;&amp;amp;&lt;/a&gt;");
    free(out);
}

static void test_html_text_replaces_invalid_utf8_and_controls(void **state)
{
    const char in[] = "a\xff\x01" "b\tc\n\xc3\xa9\x00!";
    char *out = capture_text(rp_html_text, in, sizeof(in) - 1);

    assert_string_equal(out, "a\xEF\xBF\xBD\xEF\xBF\xBD" "b\tc\n\xc3\xa9\xEF\xBF\xBD!");
    free(out);
}

static void test_html_json_string_cannot_close_the_script_block(void **state)
{
    const char in[] = "</script><!--\xE2\x80\xA8\xE2\x80\xA9&\"\\\x01\xff";
    char *out = capture_text(rp_html_json_string, in, sizeof(in) - 1);

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
    rp_passage p = {doc, start, end, 1, 1, 6, 1.0};
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
    f->pairs[0] = (rp_pair){0, 1, 1.0, 6};
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
    /* the boilerplate cluster is not reported, so the internal one is cluster 1 */
    assert_non_null(strstr(out, "data-doc=\"1\" data-start=\"48\" data-end=\"75\" "
                                "data-cluster=\"1\""));
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
    assert_non_null(strstr(out, "href=\"#d/1\" title=\"b.txt\">b.txt</a><div class=\"bar\">"
                                "<i class=\"k-reprint\" style=\"width:51.25%\""));
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
    assert_non_null(strstr(out, "\"covered\":0.0000,\"text\":null}"));
    assert_non_null(strstr(out, "\"text\":\"intro \\u003cscript"));
    assert_int_equal(count(out, "data-cluster="), 1);
    free(out);
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
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
