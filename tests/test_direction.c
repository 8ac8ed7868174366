/*
 * test_direction.c - who copies whom, on a corpus whose answers were planted
 * (tests/data/outlets.jsonl: a wire service, two papers reprinting its stories on later days,
 * one undated copy, and one paper repeating its own paragraph): titles, dates, series, each
 * cluster's first passage, each pair's earlier side, the `series` kind and every document's
 * sources, in the library and in the json, csv and text reports; plus the per-document
 * fields the corpus fills in (titles cut at a word, file lines of split parts, ignored lines).
 */
#include "base/base.h"
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
#include <unistd.h>

typedef struct run {
    rp_corpus *corpus;
    rp_scan *scan;
    rp_options opts;
} run;

static const char *source_dir(void)
{
    const char *dir = getenv("RP_SOURCE_DIR");
    return dir && *dir ? dir : RP_SOURCE_DIR;
}

static void open_outlets(run *r, uint32_t kinds)
{
    char path[4096];
    rp_read_options ro;

    snprintf(path, sizeof(path), "%s/tests/data/outlets.jsonl", source_dir());
    rp_read_options_init(&ro);
    ro.series_field = "outlet";
    rp_options_init(&r->opts);
    r->opts.kinds = kinds;
    assert_int_equal(rp_corpus_new(&r->corpus), RP_OK);
    assert_int_equal(rp_corpus_read(r->corpus, path, &ro), RP_OK);
    assert_int_equal(rp_corpus_count(r->corpus), 7);
    assert_int_equal(rp_scan_run(r->corpus, &r->opts, NULL, NULL, &r->scan), RP_OK);
}

static void close_run(run *r)
{
    rp_scan_free(r->scan);
    rp_corpus_free(r->corpus);
}

static const char *name_of(const run *r, uint32_t doc)
{
    return rp_corpus_doc(r->corpus, doc)->name;
}

/* The cluster holding a passage of document `name`, of the given kind. */
static const rp_cluster *cluster_with(const run *r, const char *name, rp_kind kind, size_t *id)
{
    for (size_t i = 0; i < rp_scan_cluster_count(r->scan); i++) {
        const rp_cluster *c = rp_scan_cluster(r->scan, i);
        for (size_t j = 0; j < c->passage_count && c->kind == kind; j++) {
            if (strcmp(name_of(r, c->passages[j].doc), name) == 0) {
                *id = i;
                return c;
            }
        }
    }
    fail_msg("no %s cluster holds %s", rp_kind_name(kind), name);
    return NULL;
}

static void test_documents_carry_title_date_and_series_from_their_fields(void **state)
{
    run r;
    const rp_doc *d;

    (void)state;
    open_outlets(&r, RP_KINDS_ALL);
    d = rp_corpus_doc(r.corpus, 4);
    assert_string_equal(d->name, "herald-2");
    assert_string_equal(d->title, "Villages go home");
    assert_string_equal(d->series, "herald");
    assert_true(d->dated); /* an RFC 822 date: Wed, 06 Mar 2024 10:00:00 GMT */
    assert_int_equal(d->date, 1709719200);
    assert_int_equal(d->file_line, 1);
    assert_false(rp_corpus_doc(r.corpus, 6)->dated);
    close_run(&r);
}

static void test_each_story_is_first_where_it_was_published_earliest(void **state)
{
    run r;
    size_t id;
    const rp_cluster *port, *dam, *bread;

    (void)state;
    open_outlets(&r, RP_KINDS_ALL);
    assert_int_equal(rp_scan_cluster_count(r.scan), 3);
    port = cluster_with(&r, "herald-1", RP_KIND_REPRINT, &id);
    assert_int_equal(port->passage_count, 3);
    assert_string_equal(name_of(&r, port->passages[rp_cluster_first(r.corpus, port)].doc),
                        "wire-1");
    dam = cluster_with(&r, "herald-3", RP_KIND_REPRINT, &id);
    assert_string_equal(name_of(&r, dam->passages[rp_cluster_first(r.corpus, dam)].doc), "wire-2");
    bread = cluster_with(&r, "daily-2", RP_KIND_SERIES, &id);
    assert_int_equal(bread->documents, 2);
    assert_string_equal(name_of(&r, bread->passages[rp_cluster_first(r.corpus, bread)].doc),
                        "daily-1");
    close_run(&r);
}

static void test_a_pair_is_earlier_on_its_dated_older_side_and_unknown_when_undated(void **state)
{
    run r;
    size_t id, dated = 0, undated = 0;
    const rp_cluster *dam;

    (void)state;
    open_outlets(&r, RP_KINDS_ALL);
    dam = cluster_with(&r, "herald-3", RP_KIND_REPRINT, &id);
    for (size_t k = 0; k < dam->pair_count; k++) {
        const rp_pair *p = &dam->pairs[k];
        const char *a = name_of(&r, dam->passages[p->a].doc);
        const char *b = name_of(&r, dam->passages[p->b].doc);
        char e = rp_pair_earlier(r.corpus, dam, p);
        if (strcmp(a, "herald-3") == 0 || strcmp(b, "herald-3") == 0) {
            assert_int_equal(e, 0);
            undated++;
        } else {
            assert_int_equal(e, strcmp(a, "wire-2") == 0 ? 'a' : 'b');
            dated++;
        }
    }
    assert_true(dated >= 1 && undated >= 1);
    close_run(&r);
}

/* name -> expected "source:direction" list, most tokens first, ties by document order. */
static const char *const planted[][4] = {
    {"wire-1", "daily-1:copied_by", "herald-1:copied_by", NULL},
    {"daily-1", "wire-1:copied_from", "herald-1:copied_by", "daily-2:copied_by"},
    {"herald-1", "wire-1:copied_from", "daily-1:copied_from", NULL},
    {"wire-2", "herald-2:copied_by", "herald-3:undated", NULL},
    {"herald-2", "wire-2:copied_from", "herald-3:undated", NULL},
    {"daily-2", "daily-1:copied_from", NULL, NULL},
    {"herald-3", "wire-2:undated", "herald-2:undated", NULL},
};

static void test_sources_are_exactly_the_planted_copies_with_their_direction(void **state)
{
    run r;
    rp_sources *src;

    (void)state;
    open_outlets(&r, RP_KINDS_ALL);
    assert_int_equal(rp_sources_new(r.corpus, r.scan, &r.opts, &src), RP_OK);
    for (uint32_t d = 0; d < 7; d++) {
        const rp_source *items;
        size_t n, want = 0;
        assert_string_equal(name_of(&r, d), planted[d][0]);
        assert_int_equal(rp_sources_of(src, d, &items, &n), RP_OK);
        while (want < 3 && planted[d][want + 1])
            want++;
        assert_int_equal(n, want);
        for (size_t i = 0; i < n; i++) {
            char got[64];
            const char *dir = rp_direction_name(items[i].direction);
            snprintf(got, sizeof(got), "%s:%s", name_of(&r, items[i].doc), dir ? dir : "undated");
            assert_string_equal(got, planted[d][i + 1]);
            assert_true(items[i].tokens >= 38 && items[i].share > 0.4 && items[i].share <= 1.0);
            assert_true(items[i].identity > 0.9);
        }
    }
    rp_sources_free(src);
    close_run(&r);
}

static char *report_of(const run *r, rp_format format)
{
    char *text = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&text, &len);

    assert_non_null(f);
    assert_int_equal(rp_report_scan(f, format, r->corpus, r->scan, &r->opts), RP_OK);
    assert_int_equal(fclose(f), 0);
    return text;
}

/* The name of the passage marked first in a JSON cluster, and how many are marked. */
static const char *json_first(json_t *root, json_t *cluster, size_t *marked)
{
    json_t *docs = json_object_get(root, "documents"), *p;
    const char *name = NULL;
    size_t i;

    *marked = 0;
    json_array_foreach(json_object_get(cluster, "passages"), i, p)
    {
        if (json_is_true(json_object_get(p, "first"))) {
            json_t *d = json_array_get(docs, json_integer_value(json_object_get(p, "doc")));
            name = json_string_value(json_object_get(d, "name"));
            ++*marked;
        }
    }
    return name;
}

static void test_the_json_report_marks_first_kinds_and_sources(void **state)
{
    run r;
    char *text;
    json_t *root, *c, *d, *s;
    size_t i, marked, series = 0;

    (void)state;
    open_outlets(&r, RP_KINDS_ALL);
    text = report_of(&r, RP_FORMAT_JSON);
    root = json_loads(text, 0, NULL);
    assert_non_null(root);
    json_array_foreach(json_object_get(root, "clusters"), i, c)
    {
        const char *first = json_first(root, c, &marked);
        const char *kind = json_string_value(json_object_get(c, "kind"));
        assert_int_equal(marked, 1);
        assert_true(strcmp(first, "wire-1") == 0 || strcmp(first, "wire-2") == 0 ||
                    (strcmp(first, "daily-1") == 0 && strcmp(kind, "series") == 0));
        series += strcmp(kind, "series") == 0;
    }
    assert_int_equal(series, 1);
    d = json_array_get(json_object_get(root, "documents"), 1);
    assert_string_equal(json_string_value(json_object_get(d, "title")), "Jobs for the north");
    assert_string_equal(json_string_value(json_object_get(d, "date")), "2024-03-02T07:30:00Z");
    assert_string_equal(json_string_value(json_object_get(d, "series")), "daily");
    assert_int_equal(json_integer_value(json_object_get(d, "sources_total")), 3);
    s = json_array_get(json_object_get(d, "sources"), 0);
    assert_int_equal(json_integer_value(json_object_get(s, "doc")), 0);
    assert_string_equal(json_string_value(json_object_get(s, "direction")), "copied_from");
    json_array_foreach(json_object_get(root, "pairs"), i, c)
    {
        json_t *e = json_object_get(c, "earlier");
        assert_true(json_is_null(e) || strcmp(json_string_value(e), "a") == 0 ||
                    strcmp(json_string_value(e), "b") == 0);
    }
    json_decref(root);
    free(text);
    close_run(&r);
}

static void test_a_kinds_filter_keeps_the_full_reports_cluster_ids(void **state)
{
    run all, some;
    char *text;
    json_t *root, *c;
    size_t id;

    (void)state;
    open_outlets(&all, RP_KINDS_ALL);
    cluster_with(&all, "daily-2", RP_KIND_SERIES, &id);
    open_outlets(&some, 1u << RP_KIND_SERIES);
    text = report_of(&some, RP_FORMAT_JSON);
    root = json_loads(text, 0, NULL);
    assert_int_equal(json_array_size(json_object_get(root, "clusters")), 1);
    c = json_array_get(json_object_get(root, "clusters"), 0);
    assert_int_equal(json_integer_value(json_object_get(c, "id")), id);
    assert_int_equal(json_integer_value(json_object_get(
                         json_array_get(json_object_get(root, "pairs"), 0), "cluster")),
                     id);
    json_decref(root);
    free(text);
    text = report_of(&some, RP_FORMAT_TEXT);
    assert_non_null(strstr(text, "; 1 shown, 2 filtered out by --kinds"));
    free(text);
    close_run(&some);
    close_run(&all);
}

static void test_the_jsonl_report_carries_the_same_fields_line_by_line(void **state)
{
    run r;
    char *text, *save = NULL;
    size_t lines = 0, firsts = 0, earlier = 0;

    (void)state;
    open_outlets(&r, RP_KINDS_ALL);
    text = report_of(&r, RP_FORMAT_JSONL);
    for (char *ln = strtok_r(text, "\n", &save); ln; ln = strtok_r(NULL, "\n", &save)) {
        json_t *obj = json_loads(ln, 0, NULL);
        assert_non_null(obj);
        if (lines++ == 0) {
            json_t *d = json_array_get(json_object_get(obj, "documents"), 5);
            assert_string_equal(json_string_value(json_object_get(d, "title")), "Bread, again");
            assert_int_equal(json_integer_value(json_object_get(d, "sources_total")), 1);
        } else {
            for (const char *p = ln; (p = strstr(p, "\"first\":true")) != NULL; p++)
                firsts++;
            for (const char *p = ln; (p = strstr(p, "\"earlier\":\"a\"")) != NULL; p++)
                earlier++;
        }
        json_decref(obj);
    }
    assert_int_equal(lines, 4);
    assert_int_equal(firsts, 3);
    assert_int_equal(earlier, 4); /* every dated pair, each listed with its older side as a */
    free(text);
    close_run(&r);
}

static void test_the_csv_and_text_reports_name_the_first_copy(void **state)
{
    run r;
    char *csv, *text;

    (void)state;
    open_outlets(&r, RP_KINDS_ALL);
    csv = report_of(&r, RP_FORMAT_CSV);
    assert_non_null(strstr(csv, ",wire-1,"));
    assert_non_null(strstr(csv, ",Port to double capacity,1\r\n"));
    assert_non_null(strstr(csv, ",Terminal news,0\r\n"));
    text = report_of(&r, RP_FORMAT_TEXT);
    assert_non_null(strstr(text, "wire-1:3:1  [Port to double capacity]  40 tokens, identity 1.00, "
                                 "2024-03-01, first"));
    /* earliest first: the undated copy is listed last */
    assert_true(strstr(text, "herald-2:3:1") < strstr(text, "herald-3:3:1"));
    assert_non_null(strstr(text, "copied from  wire-1  [Port to double capacity]"));
    free(csv);
    free(text);
    close_run(&r);
}

static void test_the_diff_names_a_spelling_fold_and_a_changed_word(void **state)
{
    run r;
    char *text;

    (void)state;
    open_outlets(&r, RP_KINDS_ALL);
    r.opts.diff = true;
    text = report_of(&r, RP_FORMAT_TEXT);
    assert_non_null(strstr(text, "differences from wire-1:3 to daily-1:6"));
    assert_non_null(strstr(text, "    ~ \"harbour\" \"harbor\" (spelling)\n"));
    assert_non_null(strstr(text, "    - \"work\"\n    + \"jobs\"\n"));
    free(text);
    close_run(&r);
}

/* ---- what the corpus fills in ---- */

static rp_corpus *read_text(const char *text, const rp_read_options *ro)
{
    char path[] = "/tmp/rp_direction_XXXXXX";
    int fd = mkstemp(path);
    rp_corpus *c;

    assert_true(fd >= 0);
    assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
    close(fd);
    assert_int_equal(rp_corpus_new(&c), RP_OK);
    assert_int_equal(rp_corpus_read(c, path, ro), RP_OK);
    unlink(path);
    return c;
}

static void test_a_long_first_line_is_cut_at_a_word_within_120_code_points(void **state)
{
    char text[1024] = "  \n\n  ";
    rp_corpus *c;
    const char *t;

    (void)state;
    for (int i = 0; i < 30; i++)
        strcat(text, "word\xc3\xa9 "); /* 6 code points a word, with the space */
    strcat(text, "\nbody\n");
    c = read_text(text, NULL);
    t = rp_corpus_doc(c, 0)->title;
    assert_non_null(t);
    assert_int_equal(strlen(t), 20 * 7 - 1); /* 20 words of 7 bytes, no trailing space */
    assert_memory_equal(t + strlen(t) - 6, "word\xc3\xa9", 6);
    rp_corpus_free(c);
}

static void test_split_parts_know_their_first_line_and_skip_their_separator(void **state)
{
    static const char file[] = "First post\nbody one\nContinue reading First post\n"
                               "\nSecond post\nbody two\nContinue reading Second post\n";
    rp_read_options ro;
    rp_corpus *c;
    const rp_doc *d;
    rp_options opts;
    rp_tokens toks;

    (void)state;
    rp_read_options_init(&ro);
    ro.split_after = "^Continue reading ";
    c = read_text(file, &ro);
    assert_int_equal(rp_corpus_count(c), 2);
    d = rp_corpus_doc(c, 1);
    assert_int_equal(d->part, 2);
    assert_int_equal(d->file_line, 4);
    assert_string_equal(d->title, "Second post");
    assert_int_equal(d->ignored_count, 1);
    assert_memory_equal(d->bytes + d->ignored[0].start, "Continue reading Second post\n",
                        d->ignored[0].end - d->ignored[0].start);
    rp_options_init(&opts);
    rp_tokens_init(&toks);
    assert_int_equal(rp_text_tokenize_doc(&opts, d, false, &toks), RP_OK);
    assert_int_equal(toks.count, 4); /* second post body two: the separator is not text */
    assert_int_equal(toks.items[3].end, d->ignored[0].start - 1);
    rp_tokens_release(&toks);
    rp_corpus_free(c);
}

static void test_ignored_lines_are_invisible_but_keep_offsets(void **state)
{
    rp_read_options ro;
    rp_corpus *c;
    rp_options opts;
    rp_tokens toks;
    const rp_doc *d;

    (void)state;
    rp_read_options_init(&ro);
    ro.ignore_lines = "^Advertisement";
    c = read_text("alpha beta\nAdvertisement buy now\nAdvertisement more\ngamma\n", &ro);
    d = rp_corpus_doc(c, 0);
    assert_int_equal(d->ignored_count, 1); /* two touching lines are one range */
    assert_int_equal(d->ignored[0].start, 11);
    assert_int_equal(d->ignored[0].end, 11 + 22 + 19);
    rp_options_init(&opts);
    rp_tokens_init(&toks);
    assert_int_equal(rp_text_tokenize_doc(&opts, d, false, &toks), RP_OK);
    assert_int_equal(toks.count, 3);
    assert_int_equal(toks.items[2].start, 52); /* gamma, at its place in the bytes */
    rp_tokens_release(&toks);
    rp_corpus_free(c);
}

static void test_a_series_regex_takes_its_group_from_the_name(void **state)
{
    rp_read_options ro;
    char msg[256];

    (void)state;
    rp_read_options_init(&ro);
    ro.series = "(";
    assert_int_equal(rp_read_options_check(&ro, msg, sizeof(msg)), RP_EFORMAT);
    assert_non_null(strstr(msg, "invalid series regex '('"));
    ro.series = "^/tmp/(rp)_";
    rp_corpus *c = read_text("some words here\n", &ro);
    assert_string_equal(rp_corpus_doc(c, 0)->series, "rp");
    rp_corpus_free(c);
}

static void test_dates_format_back_to_rfc_3339(void **state)
{
    char out[RP_DATE_LEN];
    int64_t t;

    (void)state;
    assert_int_equal(rp_date_parse("Wed, 06 Mar 2024 10:00:00 GMT", &t), RP_OK);
    rp_date_format(t, out);
    assert_string_equal(out, "2024-03-06T10:00:00Z");
    rp_date_format(-1, out);
    assert_string_equal(out, "1969-12-31T23:59:59Z");
}

/* Reading with every annotation, then the sources and the json report: each allocation that
 * fails gives RP_ENOMEM, leaves nothing behind (the sanitizer build checks), and the first run
 * that completes gives the planted answer. */
static void test_every_allocation_failure_is_reported_and_freed(void **state)
{
    char path[4096];
    rp_read_options ro;
    rp_options opts;
    rp_status st = RP_ENOMEM;
    unsigned long fail;

    (void)state;
    snprintf(path, sizeof(path), "%s/tests/data/outlets.jsonl", source_dir());
    rp_read_options_init(&ro);
    ro.series_field = "outlet";
    ro.ignore_lines = "^From the wire:";
    rp_options_init(&opts);
    for (fail = 1; st != RP_OK && fail < 100000; fail++) {
        rp_corpus *c = NULL;
        rp_scan *s = NULL;
        rp_sources *src = NULL;
        char *text = NULL;
        size_t len = 0;
        FILE *f = open_memstream(&text, &len);
        assert_int_equal(rp_corpus_new(&c), RP_OK);
        rp_alloc_fail_after(fail);
        st = rp_corpus_read(c, path, &ro);
        if (st == RP_OK)
            st = rp_scan_run(c, &opts, NULL, NULL, &s);
        if (st == RP_OK)
            st = rp_sources_new(c, s, &opts, &src);
        if (st == RP_OK)
            st = rp_report_scan(f, RP_FORMAT_JSON, c, s, &opts);
        rp_alloc_fail_after(0);
        fclose(f);
        if (st == RP_OK) {
            assert_string_equal(rp_corpus_doc(c, 1)->series, "daily");
            assert_int_equal(rp_corpus_doc(c, 1)->ignored_count, 1);
            assert_true(rp_corpus_doc(c, 4)->dated);
            assert_non_null(strstr(text, "\"direction\":\"copied_from\""));
        } else {
            assert_int_equal(st, RP_ENOMEM);
        }
        free(text);
        rp_sources_free(src);
        rp_scan_free(s);
        rp_corpus_free(c);
    }
    assert_int_equal(st, RP_OK);
    assert_true(fail > 20);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_documents_carry_title_date_and_series_from_their_fields),
        cmocka_unit_test(test_each_story_is_first_where_it_was_published_earliest),
        cmocka_unit_test(test_a_pair_is_earlier_on_its_dated_older_side_and_unknown_when_undated),
        cmocka_unit_test(test_sources_are_exactly_the_planted_copies_with_their_direction),
        cmocka_unit_test(test_the_json_report_marks_first_kinds_and_sources),
        cmocka_unit_test(test_a_kinds_filter_keeps_the_full_reports_cluster_ids),
        cmocka_unit_test(test_the_jsonl_report_carries_the_same_fields_line_by_line),
        cmocka_unit_test(test_the_csv_and_text_reports_name_the_first_copy),
        cmocka_unit_test(test_the_diff_names_a_spelling_fold_and_a_changed_word),
        cmocka_unit_test(test_a_long_first_line_is_cut_at_a_word_within_120_code_points),
        cmocka_unit_test(test_split_parts_know_their_first_line_and_skip_their_separator),
        cmocka_unit_test(test_ignored_lines_are_invisible_but_keep_offsets),
        cmocka_unit_test(test_a_series_regex_takes_its_group_from_the_name),
        cmocka_unit_test(test_dates_format_back_to_rfc_3339),
        cmocka_unit_test(test_every_allocation_failure_is_reported_and_freed),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
