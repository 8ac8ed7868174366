/*
 * test_api.c - the public API as another program sees it: only reprint.h. Status strings,
 * option defaults and checks, the corpus lifecycle, and the report contract (JSON fields,
 * order and offsets, read back with jansson; CSV escaping; determinism across threads).
 */
#include "reprint.h"

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void test_strerror_names_every_status(void **state)
{
    for (int s = RP_OK; s <= RP_ENOTFOUND; s++) {
        const char *msg = rp_strerror((rp_status)s);
        assert_non_null(msg);
        assert_string_not_equal(msg, "unknown status");
    }
    assert_string_equal(rp_strerror((rp_status)999), "unknown status");
}

static void test_options_init_sets_the_documented_defaults(void **state)
{
    rp_options o;
    rp_options_init(&o);
    assert_int_equal(o.shingle, 5);
    assert_int_equal(o.window, 4);
    assert_int_equal(o.min_tokens, 10);
    assert_true(o.min_identity > 0.59 && o.min_identity < 0.61);
    assert_int_equal(o.max_df, 50);
    assert_int_equal(o.boilerplate_docs, 5);
    assert_true(o.fold_case && o.fold_marks && o.fold_quotes && o.fold_spelling);
    assert_int_equal(o.kinds, RP_KINDS_ALL);
    assert_int_equal(o.max_passages, 0); /* reports list every passage unless asked */
    assert_int_equal(rp_options_check(&o), RP_OK);
}

static void test_options_check_rejects_out_of_range_values(void **state)
{
    rp_options o;
    rp_options_init(&o);
    o.shingle = 0;
    assert_int_equal(rp_options_check(&o), RP_EINVAL);
    rp_options_init(&o);
    o.min_identity = 1.5;
    assert_int_equal(rp_options_check(&o), RP_EINVAL);
    rp_options_init(&o);
    o.kinds = 0;
    assert_int_equal(rp_options_check(&o), RP_EINVAL);
    rp_options_init(&o);
    o.window = 5000;
    assert_int_equal(rp_options_check(&o), RP_EINVAL);
}

static void test_corpus_copies_and_finds_documents(void **state)
{
    rp_corpus *c = NULL;
    char text[] = "one two three";
    uint32_t id = 99;

    assert_int_equal(rp_corpus_new(&c), RP_OK);
    assert_int_equal(rp_corpus_add(c, "a.txt", text, strlen(text), &id), RP_OK);
    assert_int_equal(id, 0);
    text[0] = 'X'; /* the corpus holds its own copy */
    const rp_doc *d = rp_corpus_doc(c, 0);
    assert_non_null(d);
    assert_string_equal(d->name, "a.txt");
    assert_memory_equal(d->bytes, "one two three", 13);
    assert_int_equal(d->len, 13);
    assert_null(rp_corpus_doc(c, 1));
    assert_int_equal(rp_corpus_find(c, "a.txt", &id), RP_OK);
    assert_int_equal(rp_corpus_find(c, "b.txt", &id), RP_ENOTFOUND);
    assert_int_equal(rp_corpus_count(c), 1);
    rp_corpus_free(c);
    rp_corpus_free(NULL);
}

static void test_kind_and_format_names_round_trip(void **state)
{
    rp_kind k;
    rp_format f;
    assert_int_equal(rp_kind_parse("internal", &k), RP_OK);
    assert_int_equal(k, RP_KIND_INTERNAL);
    assert_string_equal(rp_kind_name(RP_KIND_BOILERPLATE), "boilerplate");
    assert_int_equal(rp_kind_parse("other", &k), RP_EINVAL);
    assert_int_equal(rp_format_parse("jsonl", &f), RP_OK);
    assert_int_equal(f, RP_FORMAT_JSONL);
    assert_int_equal(rp_format_parse("xml", &f), RP_EINVAL);
}

/* ---- the report contract ---- */

static const char *const wire =
    "The harbour board voted on Monday to rebuild the old stone pier at the mouth of the river, "
    "after engineers warned that winter storms had cracked its foundations in several places.";

/* Three documents: the wire paragraph reprinted in two, with an intro of their own. */
static rp_corpus *report_corpus(void)
{
    rp_corpus *c = NULL;
    char buf[1024];

    assert_int_equal(rp_corpus_new(&c), RP_OK);
    snprintf(buf, sizeof(buf), "Our own intro about the weather.\n\n%s\n\nA \"quoted\" end.", wire);
    assert_int_equal(rp_corpus_add(c, "post-a.txt", buf, strlen(buf), NULL), RP_OK);
    snprintf(buf, sizeof(buf), "=cmd,\"odd\" name\n%s\n", wire);
    assert_int_equal(rp_corpus_add(c, "=b,\"x\".txt", buf, strlen(buf), NULL), RP_OK);
    snprintf(buf, sizeof(buf), "Nothing shared here at all, only some words of its own.");
    assert_int_equal(rp_corpus_add(c, "c.txt", buf, strlen(buf), NULL), RP_OK);
    return c;
}

/* The scan report of c with options o (OWNED, free). */
static char *report_with(const rp_corpus *c, rp_format format, const rp_options *o)
{
    rp_scan *scan = NULL;
    char *out = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&out, &len);

    assert_non_null(f);
    assert_int_equal(rp_options_check(o), RP_OK);
    assert_int_equal(rp_scan_run(c, o, NULL, NULL, &scan), RP_OK);
    assert_int_equal(rp_report_scan(f, format, c, scan, o), RP_OK);
    assert_int_equal(fclose(f), 0);
    rp_scan_free(scan);
    return out;
}

static char *report_string(const rp_corpus *c, rp_format format, unsigned threads)
{
    rp_options o;

    rp_options_init(&o);
    o.threads = threads;
    return report_with(c, format, &o);
}

static void test_json_report_follows_the_contract(void **state)
{
    rp_corpus *c = report_corpus();
    char *text = report_string(c, RP_FORMAT_JSON, 1);
    json_error_t err;
    json_t *root = json_loads(text, 0, &err);

    assert_non_null(root);
    /* top-level fields in the documented order */
    const char *order[] = {"\"version\"", "\"tool\"", "\"command\"", "\"settings\"",
                           "\"documents\"", "\"skipped\"", "\"clusters\"", "\"pairs\""};
    const char *prev = text;
    for (size_t i = 0; i < sizeof(order) / sizeof(order[0]); i++) {
        const char *at = strstr(text, order[i]);
        assert_non_null(at);
        assert_true(at >= prev);
        prev = at;
    }
    assert_int_equal(json_integer_value(json_object_get(root, "version")), 2);
    assert_string_equal(json_string_value(json_object_get(root, "command")), "scan");
    json_t *docs = json_object_get(root, "documents");
    assert_int_equal(json_array_size(docs), 3);
    assert_string_equal(json_string_value(json_object_get(json_array_get(docs, 1), "name")),
                        "=b,\"x\".txt");

    json_t *clusters = json_object_get(root, "clusters");
    assert_int_equal(json_array_size(clusters), 1);
    json_t *cl = json_array_get(clusters, 0);
    assert_string_equal(json_string_value(json_object_get(cl, "kind")), "reprint");
    json_t *passages = json_object_get(cl, "passages");
    assert_int_equal(json_array_size(passages), 2);
    for (size_t i = 0; i < 2; i++) {
        json_t *p = json_array_get(passages, i);
        uint32_t doc = (uint32_t)json_integer_value(json_object_get(p, "doc"));
        size_t start = (size_t)json_integer_value(json_object_get(p, "start"));
        size_t end = (size_t)json_integer_value(json_object_get(p, "end"));
        const rp_doc *d = rp_corpus_doc(c, doc);
        /* offsets are bytes of the document; text is exactly those bytes */
        assert_true(start < end && end <= d->len);
        assert_int_equal(strlen(json_string_value(json_object_get(p, "text"))), end - start);
        assert_memory_equal(json_string_value(json_object_get(p, "text")), d->bytes + start,
                            end - start);
        /* the planted paragraph is covered */
        const char *w = strstr(d->bytes, "The harbour board");
        assert_true(start <= (size_t)(w - d->bytes) + 5);
        assert_true(end + 5 >= (size_t)(w - d->bytes) + strlen(wire));
    }
    json_t *pairs = json_object_get(root, "pairs");
    assert_true(json_array_size(pairs) >= 1);
    assert_int_equal(json_integer_value(json_object_get(json_array_get(pairs, 0), "cluster")), 0);
    json_decref(root);
    free(text);
    rp_corpus_free(c);
}

static void test_reports_are_identical_for_any_thread_count(void **state)
{
    rp_corpus *c = report_corpus();
    for (rp_format f = RP_FORMAT_TEXT; f <= RP_FORMAT_CSV; f++) {
        char *one = report_string(c, f, 1);
        char *three = report_string(c, f, 3);
        assert_string_equal(one, three);
        free(one);
        free(three);
    }
    rp_corpus_free(c);
}

/* Enough clusters that the JSON writers format them on several threads, in chunks: made-up
 * words, so every paragraph is its own cluster. Pairs of documents share a paragraph (a
 * reprint); every fifth document also repeats a paragraph of its own (internal). */
static rp_corpus *many_clusters_corpus(size_t pairs)
{
    rp_corpus *c = NULL;
    char text[4096];

    assert_int_equal(rp_corpus_new(&c), RP_OK);
    for (size_t d = 0; d < 2 * pairs; d++) {
        size_t len = 0;
        for (size_t w = 0; w < 30; w++)
            len += (size_t)snprintf(text + len, sizeof(text) - len, "w%zux%zu ", d / 2, w);
        len += (size_t)snprintf(text + len, sizeof(text) - len, "\n\nown%zu words.\n\n", d);
        for (size_t rep = 0; d % 5 == 0 && rep < 2; rep++) {
            for (size_t w = 0; w < 25; w++)
                len += (size_t)snprintf(text + len, sizeof(text) - len, "in%zuy%zu ", d, w);
            len += (size_t)snprintf(text + len, sizeof(text) - len, "\n\nsep%zu%zu.\n\n", d,
                                    rep);
        }
        assert_true(len < sizeof(text));
        char name[32];
        snprintf(name, sizeof(name), "doc-%zu.txt", d);
        assert_int_equal(rp_corpus_add(c, name, text, len, NULL), RP_OK);
    }
    return c;
}

static void test_reports_in_chunks_are_those_of_one_thread(void **state)
{
    rp_corpus *c = many_clusters_corpus(900);
    const uint32_t filters[] = {RP_KINDS_ALL, 1u << RP_KIND_INTERNAL, 1u << RP_KIND_REPRINT};

    for (size_t k = 0; k < sizeof(filters) / sizeof(filters[0]); k++) {
        for (rp_format f = RP_FORMAT_JSON; f <= RP_FORMAT_JSONL; f++) {
            rp_options o;
            rp_options_init(&o);
            o.kinds = filters[k];
            o.threads = 1;
            char *one = report_with(c, f, &o);
            o.threads = 2;
            char *two = report_with(c, f, &o);
            assert_string_equal(one, two);
            if (f == RP_FORMAT_JSON) {
                json_error_t err;
                json_t *root = json_loads(two, 0, &err);
                assert_non_null(root);
                size_t n = json_array_size(json_object_get(root, "clusters"));
                /* over 16 chunks of 64 clusters: more than one batch at 2 threads */
                assert_true(k == 0 ? n >= 1260 : k == 1 ? n >= 360 : n >= 900);
                assert_true(json_array_size(json_object_get(root, "pairs")) >= n);
                /* documents too: over 16 chunks of 64, more than one batch at 2 threads */
                assert_int_equal(json_array_size(json_object_get(root, "documents")), 1800);
                json_decref(root);
            }
            free(one);
            free(two);
        }
    }
    rp_corpus_free(c);
}

static void test_jsonl_report_has_a_header_line_then_one_cluster_a_line(void **state)
{
    rp_corpus *c = report_corpus();
    char *text = report_string(c, RP_FORMAT_JSONL, 0);
    char *line = text, *nl;
    size_t n = 0;

    for (; (nl = strchr(line, '\n')) != NULL; line = nl + 1, n++) {
        json_error_t err;
        json_t *obj = json_loadb(line, (size_t)(nl - line), 0, &err);
        assert_non_null(obj);
        if (n == 0) {
            assert_non_null(json_object_get(obj, "documents"));
            assert_null(json_object_get(obj, "clusters"));
        } else {
            assert_non_null(json_object_get(obj, "passages"));
            assert_non_null(json_object_get(obj, "pairs"));
        }
        json_decref(obj);
    }
    assert_int_equal(n, 2);
    free(text);
    rp_corpus_free(c);
}

static void test_csv_quotes_cells_and_defuses_formulas(void **state)
{
    rp_corpus *c = report_corpus();
    char *text = report_string(c, RP_FORMAT_CSV, 0);

    assert_true(strncmp(text,
                        "cluster,kind,doc,name,start,end,line,column,tokens,identity,title,"
                        "first\r\n",
                        73) == 0);
    assert_non_null(strstr(text, ",\"'=b,\"\"x\"\".txt\","));
    assert_non_null(strstr(text, ",post-a.txt,"));
    free(text);
    rp_corpus_free(c);
}

/* ---- --max-passages: a bounded listing, the same clusters and coverage ---- */

static const char *const notice =
    "The lighthouse keeper's cottage on the headland will open to visitors every weekend from "
    "May, the heritage trust announced, once the new path along the cliff has been fenced.";

/* Five documents with the notice, each with a line of its own around it, and one without. */
static rp_corpus *notice_corpus(void)
{
    static const char *const own[] = {
        "Fishing boats stayed in port on Sunday because of the gale.",
        "The bakery on Quay Street has a new owner and longer hours.",
        "Swimmers are asked to keep away from the outflow pipe.",
        "A lost spaniel was found asleep in the lifeboat station.",
        "Tide tables for the summer are now printed in the almanac.",
        "The ferry timetable changes on the first of next month.",
    };
    rp_corpus *c = NULL;
    char buf[1024], name[32];

    assert_int_equal(rp_corpus_new(&c), RP_OK);
    for (size_t i = 0; i < 6; i++) {
        if (i < 5)
            snprintf(buf, sizeof(buf), "%s\n\n%s\n\nEnd of item %zu.", own[i], notice, i);
        else
            snprintf(buf, sizeof(buf), "%s", own[i]);
        snprintf(name, sizeof(name), "item-%zu.txt", i);
        assert_int_equal(rp_corpus_add(c, name, buf, strlen(buf), NULL), RP_OK);
    }
    return c;
}

/* The report of the notice corpus with max_passages; boilerplate_docs is raised so the five
 * copies are a reprint cluster and count towards each document's coverage. */
static char *notice_report(const rp_corpus *c, rp_format format, uint32_t max_passages)
{
    rp_options o;

    rp_options_init(&o);
    o.threads = 1;
    o.boilerplate_docs = 100;
    o.max_passages = max_passages;
    return report_with(c, format, &o);
}

static size_t json_size_field(const json_t *obj, const char *key)
{
    const json_t *v = json_object_get(obj, key);

    assert_true(json_is_integer(v));
    return (size_t)json_integer_value(v);
}

static void test_max_passages_bounds_the_listing_only(void **state)
{
    rp_corpus *c = notice_corpus();
    char *capped_text = notice_report(c, RP_FORMAT_JSON, 2);
    char *full_text = notice_report(c, RP_FORMAT_JSON, 0);
    json_t *capped = json_loads(capped_text, 0, NULL), *full = json_loads(full_text, 0, NULL);
    size_t shortened = 0;

    assert_non_null(capped);
    assert_non_null(full);
    assert_int_equal(json_size_field(json_object_get(capped, "settings"), "max_passages"), 2);
    assert_int_equal(json_size_field(json_object_get(full, "settings"), "max_passages"), 0);
    /* documents and their coverage are those of every passage */
    assert_true(json_equal(json_object_get(capped, "documents"),
                           json_object_get(full, "documents")));

    json_t *ccl = json_object_get(capped, "clusters"), *fcl = json_object_get(full, "clusters");
    assert_true(json_array_size(fcl) >= 1);
    assert_int_equal(json_array_size(ccl), json_array_size(fcl));
    for (size_t i = 0; i < json_array_size(fcl); i++) {
        json_t *cc = json_array_get(ccl, i), *fc = json_array_get(fcl, i);
        json_t *cp = json_object_get(cc, "passages"), *fp = json_object_get(fc, "passages");
        size_t total = json_size_field(fc, "passages_total");
        /* uncapped: the total is the listing's length; capped: the same total, 2 listed */
        assert_int_equal(total, json_array_size(fp));
        assert_int_equal(json_size_field(cc, "passages_total"), total);
        assert_int_equal(json_array_size(cp), total > 2 ? 2 : total);
        shortened += total > 2;
        for (size_t j = 0; j < json_array_size(cp); j++)
            assert_true(json_equal(json_array_get(cp, j), json_array_get(fp, j)));
        static const char *const same[] = {"id", "kind", "tokens", "documents"};
        for (size_t k = 0; k < sizeof(same) / sizeof(same[0]); k++)
            assert_true(json_equal(json_object_get(cc, same[k]), json_object_get(fc, same[k])));
    }
    assert_true(shortened >= 1); /* the five copies of the notice */
    assert_int_equal(json_size_field(json_array_get(fcl, 0), "passages_total"), 5);
    assert_string_equal(json_string_value(json_object_get(json_array_get(fcl, 0), "kind")),
                        "reprint");

    /* pairs: exactly the uncapped ones between the two listed passages of their cluster */
    json_t *cpairs = json_object_get(capped, "pairs"), *fpairs = json_object_get(full, "pairs");
    size_t kept = 0;
    for (size_t j = 0; j < json_array_size(cpairs); j++) {
        json_t *p = json_array_get(cpairs, j);
        assert_true(json_size_field(p, "a") < 2 && json_size_field(p, "b") < 2);
    }
    for (size_t j = 0; j < json_array_size(fpairs); j++) {
        json_t *p = json_array_get(fpairs, j);
        if (json_size_field(p, "a") < 2 && json_size_field(p, "b") < 2)
            assert_true(json_equal(p, json_array_get(cpairs, kept++)));
    }
    assert_int_equal(json_array_size(cpairs), kept);
    assert_true(json_array_size(cpairs) < json_array_size(fpairs));

    json_decref(capped);
    json_decref(full);
    free(capped_text);
    free(full_text);
    rp_corpus_free(c);
}

/* jsonl, csv and text apply the same cap; 0 lists everything. */
static void test_max_passages_caps_jsonl_csv_and_text(void **state)
{
    rp_corpus *c = notice_corpus();
    char *jsonl = notice_report(c, RP_FORMAT_JSONL, 2), *save = NULL;
    size_t clusters = 0, listed = 0, rows = 0;

    for (char *line = strtok_r(jsonl, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
        json_t *rec = json_loads(line, 0, NULL);
        assert_non_null(rec);
        json_t *passages = json_object_get(rec, "passages"), *pairs = json_object_get(rec, "pairs");
        if (passages) {
            size_t total = json_size_field(rec, "passages_total");
            assert_int_equal(json_array_size(passages), total > 2 ? 2 : total);
            for (size_t j = 0; j < json_array_size(pairs); j++) {
                json_t *p = json_array_get(pairs, j);
                assert_true(json_size_field(p, "a") < 2 && json_size_field(p, "b") < 2);
            }
            clusters++;
            listed += json_array_size(passages);
        } else {
            assert_int_equal(json_size_field(json_object_get(rec, "settings"), "max_passages"), 2);
        }
        json_decref(rec);
    }
    assert_true(clusters >= 1);
    free(jsonl);

    char *csv = notice_report(c, RP_FORMAT_CSV, 2);
    for (const char *p = csv; (p = strstr(p, "\r\n")) != NULL; p += 2)
        rows++;
    assert_int_equal(rows, 1 + listed); /* the header, then the listed passages */
    free(csv);

    char *text = notice_report(c, RP_FORMAT_TEXT, 2);
    char *all = notice_report(c, RP_FORMAT_TEXT, 0);
    assert_non_null(strstr(text, "reprint  5 passages in 5 documents"));
    assert_non_null(strstr(text, "\n  ... and 3 more passages (--max-passages 2)\n"));
    assert_null(strstr(text, "item-2.txt:3:1"));
    assert_non_null(strstr(all, "item-2.txt:3:1"));
    assert_null(strstr(all, "more passage"));
    /* the coverage section is the same */
    assert_string_equal(strstr(text, "\ncoverage "), strstr(all, "\ncoverage "));
    free(text);
    free(all);
    rp_corpus_free(c);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_strerror_names_every_status),
        cmocka_unit_test(test_options_init_sets_the_documented_defaults),
        cmocka_unit_test(test_options_check_rejects_out_of_range_values),
        cmocka_unit_test(test_corpus_copies_and_finds_documents),
        cmocka_unit_test(test_kind_and_format_names_round_trip),
        cmocka_unit_test(test_json_report_follows_the_contract),
        cmocka_unit_test(test_reports_are_identical_for_any_thread_count),
        cmocka_unit_test(test_reports_in_chunks_are_those_of_one_thread),
        cmocka_unit_test(test_jsonl_report_has_a_header_line_then_one_cluster_a_line),
        cmocka_unit_test(test_csv_quotes_cells_and_defuses_formulas),
        cmocka_unit_test(test_max_passages_bounds_the_listing_only),
        cmocka_unit_test(test_max_passages_caps_jsonl_csv_and_text),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
