/*
 * test_regress.c - regression tests for hostile input: each input that a fuzz target
 * (tests/fuzz/) or the bad-input review found to break a rule, fed through the same path;
 * the escaping rules of docs/SECURITY.md (JSON and CSV output of hostile names and text); and
 * checked size arithmetic with synthetic sizes (no real giant buffers are allocated).
 */
#include "corpus/corpus.h"
#include "base/base.h"
#include "quotes/quotes.h"

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- helpers ---- */

/* A report in memory (NUL-terminated; free()). */
static char *report(rp_format format, const rp_corpus *c, const rp_scan *s, const rp_options *o)
{
    char *text = NULL;
    size_t len = 0;
    FILE *out = open_memstream(&text, &len);

    assert_non_null(out);
    assert_int_equal(rp_report_scan(out, format, c, s, o), RP_OK);
    assert_int_equal(fclose(out), 0);
    return text;
}

/* Forty words that repeat nowhere else, with the given bytes in the middle. */
static void passage_with(char *buf, size_t size, const char *middle)
{
    snprintf(buf, size,
             "Engineers inspected the old stone viaduct north of the market town before "
             "the winter storms %s and found cracked mortar along three arches, so the "
             "county closed the footpath beneath it until masons repair the damaged "
             "courses next spring.",
             middle);
}

/* Two documents holding the same passage: the scan reports it as one reprint cluster. */
static void scan_pair(const char *name_a, const char *name_b, const char *text, rp_corpus **c,
                      rp_scan **s, rp_options *o)
{
    rp_options_init(o);
    o->threads = 1;
    assert_int_equal(rp_corpus_new(c), RP_OK);
    assert_int_equal(rp_corpus_add(*c, name_a, text, strlen(text), NULL), RP_OK);
    assert_int_equal(rp_corpus_add(*c, name_b, text, strlen(text), NULL), RP_OK);
    assert_int_equal(rp_scan_run(*c, o, NULL, NULL, s), RP_OK);
    assert_true(rp_scan_cluster_count(*s) >= 1);
}

/* ---- found by fuzzing ---- */

/* fuzz_text: a spelling fold must leave its own output alone ("harbourharbour" was folded
 * once more on a second pass). */
static void test_normalize_is_idempotent_on_repeated_fold_candidates(void **state)
{
    static const char *const inputs[] = {"harbourharbour", "colourcolor", "defencedefence",
                                         "programmeprogramme", "HarbourHARBOUR"};
    rp_options o;
    rp_options_init(&o);
    for (size_t i = 0; i < sizeof(inputs) / sizeof(inputs[0]); i++) {
        char *once = NULL, *twice = NULL;
        size_t once_len = 0, twice_len = 0;
        assert_int_equal(rp_text_normalize(&o, inputs[i], strlen(inputs[i]), &once, &once_len),
                         RP_OK);
        assert_int_equal(rp_text_normalize(&o, once, once_len, &twice, &twice_len), RP_OK);
        assert_int_equal(twice_len, once_len);
        assert_memory_equal(twice, once, once_len);
        free(once);
        free(twice);
    }
}

/* fuzz_scan: when every fingerprint is in more than max_df documents no worker finds a seed,
 * and the seed lists were merged with memcpy from NULL (UBSan: nonnull argument). Run under
 * the sanitizers (CI) this fails until the merge skips empty lists. */
static void test_scan_survives_corpus_where_every_fingerprint_is_frequent(void **state)
{
    rp_options o;
    rp_corpus *c = NULL;
    rp_scan *s = NULL;
    char text[128];

    rp_options_init(&o);
    o.threads = 1;
    o.shingle = 1;
    o.window = 1;
    o.min_tokens = 2;
    o.max_df = 2;
    o.boilerplate_docs = 3;
    o.boilerplate_tokens = 21;
    o.min_identity = 0.5;
    assert_int_equal(rp_corpus_new(&c), RP_OK);
    for (int i = 0; i < 6; i++) {
        snprintf(text, sizeof(text),
                 "Story %d is about things. Subscribe to our newsletter for more.", i);
        assert_int_equal(rp_corpus_add(c, "d", text, strlen(text), NULL), RP_OK);
    }
    assert_int_equal(rp_scan_run(c, &o, NULL, NULL, &s), RP_OK);
    assert_non_null(rp_scan_get_counts(s));
    rp_scan_free(s);
    rp_corpus_free(c);
}

/* fuzz_scan: passages may hold NUL bytes; the JSON report writes them as \u0000 (valid JSON,
 * read back with JSON_ALLOW_NUL), never as raw NULs that would cut the report short. */
static void test_json_report_escapes_nul_bytes_in_passages(void **state)
{
    char text[512];
    rp_options o;
    rp_corpus *c = NULL;
    rp_scan *s = NULL;
    char *json;
    size_t len;

    passage_with(text, sizeof(text), "X");
    text[strlen("Engineers inspected the old stone viaduct north of the market town before "
                "the winter storms ")] = '\0';
    len = strlen(text) + 1 + strlen(text + strlen(text) + 1);
    rp_options_init(&o);
    o.threads = 1;
    assert_int_equal(rp_corpus_new(&c), RP_OK);
    assert_int_equal(rp_corpus_add(c, "a", text, len, NULL), RP_OK);
    assert_int_equal(rp_corpus_add(c, "b", text, len, NULL), RP_OK);
    assert_int_equal(rp_scan_run(c, &o, NULL, NULL, &s), RP_OK);
    json = report(RP_FORMAT_JSON, c, s, &o);
    assert_non_null(strstr(json, "storms \\u0000 and found"));
    free(json);
    rp_scan_free(s);
    rp_corpus_free(c);
}

/* fuzz_quotes: a text with no quotation (the empty one first) sorted an empty span list with
 * qsort(NULL, 0, ...) (UBSan: nonnull argument). Fails under the sanitizers until fixed. */
static void test_quotes_extract_handles_texts_without_quotations(void **state)
{
    static const char *const texts[] = {"", "no quotation marks here", "\xff\xfe"};
    rp_qspans qs;

    rp_qspans_init(&qs);
    for (size_t i = 0; i < sizeof(texts) / sizeof(texts[0]); i++) {
        assert_int_equal(rp_quotes_extract(texts[i], strlen(texts[i]), &qs), RP_OK);
        assert_int_equal(qs.count, 0);
    }
    rp_qspans_release(&qs);
}

/* ---- escaping rules (docs/SECURITY.md) ---- */

/* JSON: quotes, backslashes and control characters escaped, invalid UTF-8 as U+FFFD, in
 * document names and in passage text alike. */
static void test_json_report_escapes_hostile_names_and_text(void **state)
{
    static const char name[] = "evil\"\\\n\t\x01\x7f\xff.txt";
    char text[512];
    rp_options o;
    rp_corpus *c = NULL;
    rp_scan *s = NULL;
    json_t *root, *passage;
    char *json;

    passage_with(text, sizeof(text), "\"quoted\" back\\slash \x02 bell\x07 bad\xc0\xaf end");
    scan_pair(name, "plain.txt", text, &c, &s, &o);
    json = report(RP_FORMAT_JSON, c, s, &o);
    assert_non_null(strstr(json, "\"name\":\"evil\\\"\\\\\\n\\t\\u0001\\u007f\xef\xbf\xbd.txt\""));
    assert_non_null(strstr(json, "\\\"quoted\\\" back\\\\slash \\u0002 bell\\u0007 bad"
                                 "\xef\xbf\xbd\xef\xbf\xbd end"));
    root = json_loads(json, 0, NULL);
    assert_non_null(root);
    assert_string_equal(
        json_string_value(json_object_get(json_array_get(json_object_get(root, "documents"), 0),
                                          "name")),
        "evil\"\\\n\t\x01\x7f\xef\xbf\xbd.txt");
    passage = json_array_get(
        json_object_get(json_array_get(json_object_get(root, "clusters"), 0), "passages"), 0);
    assert_non_null(strstr(json_string_value(json_object_get(passage, "text")),
                           "\"quoted\" back\\slash \x02 bell\x07 bad\xef\xbf\xbd\xef\xbf\xbd end"));
    json_decref(root);
    free(json);
    rp_scan_free(s);
    rp_corpus_free(c);
}

/* JSONL: the same escaping keeps every record on one line. */
static void test_jsonl_report_keeps_names_with_line_breaks_on_one_line(void **state)
{
    char text[512], *jsonl, *save = NULL;
    rp_options o;
    rp_corpus *c = NULL;
    rp_scan *s = NULL;
    size_t lines = 0;

    passage_with(text, sizeof(text), "line\nbreak\r\nand\u2028separator");
    scan_pair("a\nb", "c\r\nd", text, &c, &s, &o);
    jsonl = report(RP_FORMAT_JSONL, c, s, &o);
    for (char *line = strtok_r(jsonl, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
        json_t *rec = json_loads(line, 0, NULL);
        assert_true(json_is_object(rec));
        json_decref(rec);
        lines++;
    }
    assert_int_equal(lines, 1 + rp_scan_cluster_count(s));
    free(jsonl);
    rp_scan_free(s);
    rp_corpus_free(c);
}

/* CSV: a name with a line break, a comma and quotes is one quoted cell (RFC 4180); a name a
 * spreadsheet would run as a formula gets a leading apostrophe inside quotes. */
static void test_csv_quotes_names_with_line_breaks_and_defuses_formulas(void **state)
{
    char text[512], *csv;
    rp_options o;
    rp_corpus *c = NULL;
    rp_scan *s = NULL;

    passage_with(text, sizeof(text), "plainly");
    scan_pair("two\nlines, \"q\"", "=HYPERLINK(\"x\")", text, &c, &s, &o);
    csv = report(RP_FORMAT_CSV, c, s, &o);
    assert_non_null(strstr(csv, ",0,\"two\nlines, \"\"q\"\"\","));
    assert_non_null(strstr(csv, ",1,\"'=HYPERLINK(\"\"x\"\")\","));
    free(csv);
    rp_scan_free(s);
    rp_corpus_free(c);
}

static void test_csv_defuses_every_formula_lead(void **state)
{
    static const char *const names[] = {"+1", "-1", "@SUM(A1)", "\tx", "\rx"};
    char text[512], *csv, want[64];
    rp_options o;

    passage_with(text, sizeof(text), "plainly");
    for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
        rp_corpus *c = NULL;
        rp_scan *s = NULL;
        scan_pair(names[i], "ok.txt", text, &c, &s, &o);
        csv = report(RP_FORMAT_CSV, c, s, &o);
        snprintf(want, sizeof(want), ",0,\"'%s\",", names[i]);
        assert_non_null(strstr(csv, want));
        free(csv);
        rp_scan_free(s);
        rp_corpus_free(c);
    }
}

/* dedup csv: the same RFC 4180 quoting and formula defusing as the scan report. */
static void test_dedup_csv_quotes_names_and_defuses_formulas(void **state)
{
    char text[512], *csv = NULL;
    size_t len = 0;
    rp_options o;
    rp_dedup_options dopts;
    rp_corpus *c = NULL;
    rp_dedup *dd = NULL;
    FILE *out;

    passage_with(text, sizeof(text), "plainly");
    rp_options_init(&o);
    o.threads = 1;
    rp_dedup_options_init(&dopts);
    assert_int_equal(rp_corpus_new(&c), RP_OK);
    assert_int_equal(rp_corpus_add(c, "@cmd|x", text, strlen(text), NULL), RP_OK);
    assert_int_equal(rp_corpus_add(c, "a,\"b\"\nc", text, strlen(text), NULL), RP_OK);
    assert_int_equal(rp_dedup_run(c, &o, &dopts, &dd), RP_OK);
    assert_int_equal(rp_dedup_group_count(dd), 1);
    out = open_memstream(&csv, &len);
    assert_int_equal(rp_report_dedup(out, RP_FORMAT_CSV, c, dd, &o, &dopts), RP_OK);
    assert_int_equal(fclose(out), 0);
    assert_non_null(strstr(csv, ",\"'@cmd|x\","));
    assert_non_null(strstr(csv, ",\"a,\"\"b\"\"\nc\","));
    free(csv);
    rp_dedup_free(dd);
    rp_corpus_free(c);
}

/* store verdict lines: ids escaped like every JSON string, one verdict a line. */
static void test_store_verdict_lines_escape_hostile_ids(void **state)
{
    char id[] = "q\"\\\n\x01\xff", of[] = "</script>";
    rp_store_verdict v = {id, of, RP_VERDICT_DUPLICATE, 1.0, 1.0, RP_VERDICT_DUPLICATE, 1};
    char *text = NULL;
    size_t len = 0;
    FILE *out = open_memstream(&text, &len);
    json_t *line;

    assert_int_equal(rp_store_write_verdicts(out, &v, 1), RP_OK);
    assert_int_equal(fclose(out), 0);
    assert_non_null(strstr(text, "{\"id\":\"q\\\"\\\\\\n\\u0001\xef\xbf\xbd\","));
    assert_non_null(strchr(text, '\n'));
    assert_true(strchr(text, '\n') == text + len - 1);
    line = json_loads(text, 0, NULL);
    assert_string_equal(json_string_value(json_object_get(line, "of")), "</script>");
    json_decref(line);
    free(text);
}

/* ---- input readers on hostile lines ---- */

/* JSONL: an escaped NUL ("\u0000", valid JSON) in a text field keeps its place and the bytes
 * after it, and the line is not skipped as malformed (jansson needs JSON_ALLOW_NUL). */
/* fuzz_jsonl: an id holding an escaped NUL made an empty document name. */
static void test_jsonl_id_with_escaped_nul_is_named_by_its_line(void **state)
{
    static const char file[] = "{\"id\":\"\\u0000x\",\"text\":\"words here\"}\n";
    rp_read_options ro;
    rp_corpus *c = NULL;
    rp_buf buf = RP_BUF_INIT;
    char name[32] = "";
    size_t docs;

    rp_read_options_init(&ro);
    assert_int_equal(rp_corpus_new(&c), RP_OK);
    assert_int_equal(rp_buf_add(&buf, file, sizeof(file) - 1), RP_OK);
    assert_int_equal(rp_corpus_read_jsonl(c, "n.jsonl", &buf, &ro, RP_DOC_MAX), RP_OK);
    docs = rp_corpus_count(c);
    if (docs == 1)
        snprintf(name, sizeof(name), "%s", rp_corpus_doc(c, 0)->name);
    rp_corpus_free(c);
    assert_int_equal(docs, 1);
    assert_string_equal(name, "n.jsonl:1");
}

static void test_jsonl_text_with_escaped_nul_keeps_every_byte(void **state)
{
    static const char file[] = "{\"id\":\"n\",\"text\":\"ab\\u0000cd\"}\n{\"id\":1,\"text\":5}\n";
    rp_read_options ro;
    rp_corpus *c = NULL;
    rp_buf buf = RP_BUF_INIT;
    size_t docs, skipped, len = 0;
    char bytes[8] = "", skip[32] = "";

    rp_read_options_init(&ro);
    ro.id_field = "id";
    ro.text_field = "text";
    assert_int_equal(rp_corpus_new(&c), RP_OK);
    assert_int_equal(rp_buf_add(&buf, file, sizeof(file) - 1), RP_OK);
    assert_int_equal(rp_corpus_read_jsonl(c, "x.jsonl", &buf, &ro, RP_DOC_MAX), RP_OK);
    docs = rp_corpus_count(c);
    skipped = rp_corpus_skipped_count(c);
    if (docs > 0 && rp_corpus_doc(c, 0)->len < sizeof(bytes)) {
        len = rp_corpus_doc(c, 0)->len;
        memcpy(bytes, rp_corpus_doc(c, 0)->bytes, len);
    }
    if (skipped > 0)
        snprintf(skip, sizeof(skip), "%s", rp_corpus_skipped(c, skipped - 1)->input);
    rp_corpus_free(c); /* before asserting, so a failure leaks nothing (valgrind in CI) */
    assert_int_equal(docs, 1);
    assert_int_equal(len, 5);
    assert_memory_equal(bytes, "ab\0cd", 5);
    assert_int_equal(skipped, 1);
    assert_string_equal(skip, "x.jsonl:2");
}

/* Split parts of a CRLF file tile it: each part's bytes are the file's at its offset; a
 * matching line starts its part, so a part of only that line and a blank one is kept. */
static void test_split_parts_of_crlf_file_tile_the_input(void **state)
{
    static const char file[] = "one\r\n---\r\ntwo\r\n---\r\n\r\n---\r\nthree";
    rp_read_options ro;
    rp_splitter sp;
    rp_corpus *c = NULL;
    rp_buf buf = RP_BUF_INIT;
    static const size_t offsets[4] = {0, 5, 15, 22};

    rp_read_options_init(&ro);
    ro.split = "^---$";
    assert_int_equal(rp_splitter_init(&sp, &ro, NULL, 0), RP_OK);
    assert_int_equal(rp_corpus_new(&c), RP_OK);
    assert_int_equal(rp_buf_add(&buf, file, sizeof(file) - 1), RP_OK);
    assert_int_equal(rp_corpus_read_split(c, "f", &buf, &sp, RP_DOC_MAX), RP_OK);
    assert_int_equal(rp_corpus_count(c), 4);
    for (uint32_t i = 0; i < 4; i++) {
        const rp_doc *d = rp_corpus_doc(c, i);
        assert_int_equal(d->offset, offsets[i]);
        assert_memory_equal(d->bytes, file + d->offset, d->len);
    }
    assert_string_equal(rp_corpus_doc(c, 3)->name, "f#4");
    rp_splitter_release(&sp);
    rp_corpus_free(c);
}

/* ---- checked arithmetic with synthetic sizes ---- */

static void test_mul_ok_detects_overflow(void **state)
{
    size_t out = 7;
    assert_false(rp_mul_ok(SIZE_MAX / 2 + 1, 2, &out));
    assert_int_equal(out, 7); /* untouched on overflow */
    assert_false(rp_mul_ok(SIZE_MAX, SIZE_MAX, &out));
    assert_true(rp_mul_ok(SIZE_MAX, 1, &out));
    assert_true(out == SIZE_MAX);
    assert_true(rp_mul_ok(0, SIZE_MAX, &out));
    assert_int_equal(out, 0);
    assert_true(rp_mul_ok((size_t)1 << 31, 2, &out)); /* > 4 GiB counts are fine on 64 bits */
    assert_true(out == (size_t)1 << 32);
}

/* rp_grow: a byte size past SIZE_MAX is RP_ENOMEM before any allocation, array unchanged. */
static void test_grow_refuses_huge_counts_without_allocating(void **state)
{
    rp_token *items = NULL;
    size_t cap = 0;

    rp_alloc_fail_after(0);
    assert_int_equal(RP_GROW(items, cap, SIZE_MAX / sizeof(rp_token) + 1), RP_ENOMEM);
    assert_int_equal(RP_GROW(items, cap, SIZE_MAX), RP_ENOMEM);
    assert_int_equal(rp_alloc_count(), 0);
    assert_null(items);
    assert_int_equal(cap, 0);
    assert_int_equal(RP_GROW(items, cap, 10), RP_OK); /* still usable */
    assert_true(cap >= 10);
    assert_int_equal(RP_GROW(items, cap, SIZE_MAX / 2), RP_ENOMEM);
    assert_true(cap >= 10 && items != NULL);
    rp_free(items);
}

/* rp_buf_add: a length that would pass SIZE_MAX with the NUL is refused, buffer untouched. */
static void test_buf_add_refuses_lengths_near_size_max(void **state)
{
    char small[16] = "abc";
    rp_buf buf = {small, SIZE_MAX - 4, sizeof(small)}; /* a synthetic, nearly full length */

    rp_alloc_fail_after(0);
    assert_int_equal(rp_buf_add(&buf, "0123456789", 10), RP_ENOMEM);
    assert_int_equal(rp_buf_add(&buf, "0123", 4), RP_ENOMEM); /* no room for the NUL */
    assert_true(buf.len == SIZE_MAX - 4 && buf.data == small);
    buf.len = 0;
    assert_int_equal(rp_buf_add(&buf, small, SIZE_MAX), RP_ENOMEM);
    assert_int_equal(rp_alloc_count(), 0);
    assert_string_equal(small, "abc");
}

/* Offsets are 32-bit: a text of 4 GiB or more is refused before a byte of it is read. */
static void test_tokenize_refuses_4gib_text_without_reading_it(void **state)
{
    rp_options o;
    rp_tokens toks;
    const char one = 'a';

    rp_options_init(&o);
    rp_tokens_init(&toks);
    assert_int_equal(rp_text_tokenize(&o, &one, (size_t)UINT32_MAX + 1, false, &toks),
                     RP_ELIMIT);
    assert_int_equal(rp_text_tokenize(&o, &one, SIZE_MAX, true, &toks), RP_ELIMIT);
    assert_int_equal(toks.count, 0);
    rp_tokens_release(&toks);
}

/* Token positions are 32-bit: more than 2^32 shingles is refused before any is read. */
static void test_winnow_refuses_more_than_2_pow_32_shingles(void **state)
{
    rp_options o;
    rp_fingerprints fps;
    rp_token one = {1, 0, 1};

    rp_options_init(&o);
    rp_fingerprints_init(&fps);
    assert_int_equal(rp_shingle_winnow(&o, &one, (size_t)UINT32_MAX + o.shingle, 0, &fps),
                     RP_ELIMIT);
    assert_int_equal(fps.count, 0);
    rp_fingerprints_release(&fps);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_normalize_is_idempotent_on_repeated_fold_candidates),
        cmocka_unit_test(test_scan_survives_corpus_where_every_fingerprint_is_frequent),
        cmocka_unit_test(test_json_report_escapes_nul_bytes_in_passages),
        cmocka_unit_test(test_quotes_extract_handles_texts_without_quotations),
        cmocka_unit_test(test_json_report_escapes_hostile_names_and_text),
        cmocka_unit_test(test_jsonl_report_keeps_names_with_line_breaks_on_one_line),
        cmocka_unit_test(test_csv_quotes_names_with_line_breaks_and_defuses_formulas),
        cmocka_unit_test(test_csv_defuses_every_formula_lead),
        cmocka_unit_test(test_dedup_csv_quotes_names_and_defuses_formulas),
        cmocka_unit_test(test_store_verdict_lines_escape_hostile_ids),
        cmocka_unit_test(test_jsonl_text_with_escaped_nul_keeps_every_byte),
        cmocka_unit_test(test_jsonl_id_with_escaped_nul_is_named_by_its_line),
        cmocka_unit_test(test_split_parts_of_crlf_file_tile_the_input),
        cmocka_unit_test(test_mul_ok_detects_overflow),
        cmocka_unit_test(test_grow_refuses_huge_counts_without_allocating),
        cmocka_unit_test(test_buf_add_refuses_lengths_near_size_max),
        cmocka_unit_test(test_tokenize_refuses_4gib_text_without_reading_it),
        cmocka_unit_test(test_winnow_refuses_more_than_2_pow_32_shingles),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
