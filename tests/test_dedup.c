/*
 * test_dedup.c - batch near-duplicate grouping: verdict kinds (duplicate, near-duplicate,
 * contains, contained, new), the grouping rule (compared with group firsts, in input order),
 * representatives (first, longest, newest), thresholds, --keep-only output, the JSON report,
 * date parsing, and allocation failure. Texts are generated from a fixed word list.
 */
#include "dedup/dedup.h"
#include "base/base.h"

/* clang-format off */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
/* clang-format on */

#include <ctype.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* ---- generated texts ---- */

static const char *const words[] = {
    "amber", "bridge", "cobalt", "delta", "ember", "fjord", "garnet", "harbor", "iris",
    "juniper", "kestrel", "lantern", "meadow", "nickel", "orchard", "pylon", "quarry",
    "ridge", "saffron", "timber", "umber", "valley", "willow", "xenon", "yarrow", "zephyr",
    "anchor", "beacon", "cinder", "drift", "estuary", "falcon", "glacier", "heron",
    "inlet", "jetty", "kiln", "lagoon", "marsh", "nectar", "onyx", "prairie", "quill",
    "reef", "summit", "tundra", "upland", "vessel", "wharf", "yonder"};

/* n words from a seeded generator: the same seed gives the same text. */
static void gen_words(rp_buf *b, uint32_t seed, size_t n)
{
    uint64_t x = seed * 0x9E3779B97F4A7C15ULL + 1;

    for (size_t i = 0; i < n; i++) {
        x ^= x << 13, x ^= x >> 7, x ^= x << 17;
        assert_int_equal(rp_buf_addf(b, "%s%s", i ? " " : "", words[x % 50]), RP_OK);
        if (i % 12 == 11)
            assert_int_equal(rp_buf_adds(b, "."), RP_OK);
    }
}

static void add_doc(rp_corpus *c, const char *name, const rp_buf *b)
{
    assert_int_equal(rp_corpus_add(c, name, b->data, b->len, NULL), RP_OK);
}

/* A text of n words, and the same text with every k-th word replaced. */
static void add_generated(rp_corpus *c, const char *name, uint32_t seed, size_t n, size_t edit_every)
{
    rp_buf b = RP_BUF_INIT;
    uint64_t x = seed * 0x9E3779B97F4A7C15ULL + 1;

    for (size_t i = 0; i < n; i++) {
        x ^= x << 13, x ^= x >> 7, x ^= x << 17;
        const char *w = edit_every && i % edit_every == edit_every / 2 ? "REPLACED" : words[x % 50];
        assert_int_equal(rp_buf_addf(&b, "%s%s", i ? " " : "", w), RP_OK);
    }
    add_doc(c, name, &b);
    rp_buf_release(&b);
}

static rp_dedup *run(const rp_corpus *c, const rp_dedup_options *d)
{
    rp_options o;
    rp_dedup *dd = NULL;

    rp_options_init(&o);
    assert_int_equal(rp_dedup_run(c, &o, d, &dd), RP_OK);
    return dd;
}

static rp_dedup *run_default(const rp_corpus *c)
{
    rp_dedup_options d;

    rp_dedup_options_init(&d);
    return run(c, &d);
}

/* ---- verdicts ---- */

static void test_dedup_same_tokens_are_duplicates(void **state)
{
    rp_corpus *c;
    rp_buf a = RP_BUF_INIT, b = RP_BUF_INIT;

    (void)state;
    assert_int_equal(rp_corpus_new(&c), RP_OK);
    gen_words(&a, 1, 200);
    gen_words(&b, 1, 200);
    for (size_t i = 0; i < b.len; i++) /* case and punctuation do not count */
        b.data[i] = b.data[i] == '.' ? ';' : (char)(i % 7 == 0 ? toupper(b.data[i]) : b.data[i]);
    add_doc(c, "a", &a);
    add_doc(c, "b", &b);
    rp_dedup *dd = run_default(c);
    assert_int_equal(rp_dedup_group_count(dd), 1);
    const rp_dedup_group *g = rp_dedup_get_group(dd, 0);
    assert_int_equal(g->representative, 0);
    assert_int_equal(g->member_count, 1);
    assert_int_equal(g->members[0].doc, 1);
    assert_int_equal(g->members[0].of, 0);
    assert_int_equal(g->members[0].verdict, RP_VERDICT_DUPLICATE);
    assert_true(g->members[0].resemblance == 1.0);
    assert_true(rp_dedup_kept(dd, 0));
    assert_false(rp_dedup_kept(dd, 1));
    rp_dedup_free(dd);
    rp_corpus_free(c);
    rp_buf_release(&a);
    rp_buf_release(&b);
}

static void test_dedup_light_edits_are_near_duplicates(void **state)
{
    rp_corpus *c;

    (void)state;
    assert_int_equal(rp_corpus_new(&c), RP_OK);
    add_generated(c, "orig", 7, 300, 0);
    add_generated(c, "edit", 7, 300, 40); /* one word in 40 replaced */
    rp_dedup *dd = run_default(c);
    assert_int_equal(rp_dedup_group_count(dd), 1);
    const rp_dedup_member *m = &rp_dedup_get_group(dd, 0)->members[0];
    assert_int_equal(m->verdict, RP_VERDICT_NEAR);
    assert_int_equal(m->of, 0);
    assert_true(m->resemblance > 0.6 && m->resemblance < 1.0);
    assert_true(m->containment >= m->resemblance);
    rp_dedup_free(dd);
    rp_corpus_free(c);
}

/* short + long, where long = short followed by as much other text */
static rp_corpus *containing_pair(bool short_first)
{
    rp_corpus *c;
    rp_buf s = RP_BUF_INIT, l = RP_BUF_INIT;

    assert_int_equal(rp_corpus_new(&c), RP_OK);
    gen_words(&s, 3, 150);
    gen_words(&l, 3, 150);
    assert_int_equal(rp_buf_adds(&l, " "), RP_OK);
    gen_words(&l, 4, 250);
    add_doc(c, short_first ? "short" : "long", short_first ? &s : &l);
    add_doc(c, short_first ? "long" : "short", short_first ? &l : &s);
    rp_buf_release(&s);
    rp_buf_release(&l);
    return c;
}

static void test_dedup_a_later_superset_contains_the_earlier(void **state)
{
    rp_corpus *c = containing_pair(true);
    rp_dedup *dd = run_default(c);

    (void)state;
    assert_int_equal(rp_dedup_group_count(dd), 1);
    const rp_dedup_member *m = rp_dedup_doc(dd, 1);
    assert_int_equal(m->verdict, RP_VERDICT_CONTAINS);
    assert_true(m->containment == 1.0);
    assert_true(m->resemblance < 0.5);
    rp_dedup_free(dd);
    rp_corpus_free(c);
}

static void test_dedup_a_later_subset_is_contained(void **state)
{
    rp_corpus *c = containing_pair(false);
    rp_dedup *dd = run_default(c);

    (void)state;
    assert_int_equal(rp_dedup_doc(dd, 1)->verdict, RP_VERDICT_CONTAINED);
    assert_int_equal(rp_dedup_doc(dd, 1)->of, 0);
    assert_true(rp_dedup_doc(dd, 1)->containment == 1.0);
    rp_dedup_free(dd);
    rp_corpus_free(c);
}

static void test_dedup_unrelated_documents_stay_alone(void **state)
{
    rp_corpus *c;

    (void)state;
    assert_int_equal(rp_corpus_new(&c), RP_OK);
    for (uint32_t i = 0; i < 6; i++) {
        char name[8];
        snprintf(name, sizeof(name), "d%u", i);
        add_generated(c, name, 100 + i, 200, 0);
    }
    rp_dedup *dd = run_default(c);
    assert_int_equal(rp_dedup_group_count(dd), 0);
    for (uint32_t i = 0; i < 6; i++) {
        assert_true(rp_dedup_kept(dd, i));
        assert_int_equal(rp_dedup_doc(dd, i)->verdict, RP_VERDICT_NEW);
        assert_int_equal(rp_dedup_doc(dd, i)->of, UINT32_MAX);
    }
    rp_dedup_free(dd);
    rp_corpus_free(c);
}

static void test_dedup_thresholds_decide_the_verdict(void **state)
{
    rp_corpus *c;
    rp_dedup_options d;

    (void)state;
    assert_int_equal(rp_corpus_new(&c), RP_OK);
    add_generated(c, "orig", 7, 300, 0);
    add_generated(c, "edit", 7, 300, 40);
    rp_dedup_options_init(&d);
    d.resemblance = 1.0;
    d.containment = 1.0;
    rp_dedup *dd = run(c, &d);
    assert_int_equal(rp_dedup_group_count(dd), 0);
    rp_dedup_free(dd);
    rp_corpus_free(c);
}

/* ---- grouping and representatives ---- */

static void test_dedup_members_join_the_group_of_the_earliest_match(void **state)
{
    rp_corpus *c;

    (void)state;
    assert_int_equal(rp_corpus_new(&c), RP_OK);
    add_generated(c, "x0", 9, 300, 0);
    add_generated(c, "other", 10, 300, 0);
    add_generated(c, "x1", 9, 300, 50);
    add_generated(c, "x2", 9, 300, 0);
    rp_dedup *dd = run_default(c);
    assert_int_equal(rp_dedup_group_count(dd), 1);
    const rp_dedup_group *g = rp_dedup_get_group(dd, 0);
    assert_int_equal(g->representative, 0);
    assert_int_equal(g->member_count, 2);
    assert_int_equal(g->members[0].doc, 2);
    assert_int_equal(g->members[1].doc, 3);
    assert_int_equal(g->members[1].verdict, RP_VERDICT_DUPLICATE);
    assert_int_equal(g->members[1].of, 0);
    assert_true(rp_dedup_kept(dd, 1));
    rp_dedup_free(dd);
    rp_corpus_free(c);
}

static void test_dedup_keep_longest_picks_the_longest(void **state)
{
    rp_corpus *c = containing_pair(true);
    rp_dedup_options d;

    (void)state;
    rp_dedup_options_init(&d);
    d.keep = RP_KEEP_LONGEST;
    rp_dedup *dd = run(c, &d);
    const rp_dedup_group *g = rp_dedup_get_group(dd, 0);
    assert_int_equal(g->representative, 1);
    assert_int_equal(g->member_count, 1);
    /* the first, seen from its own side: contained in the representative */
    assert_int_equal(g->members[0].doc, 0);
    assert_int_equal(g->members[0].of, 1);
    assert_int_equal(g->members[0].verdict, RP_VERDICT_CONTAINED);
    assert_false(rp_dedup_kept(dd, 0));
    assert_true(rp_dedup_kept(dd, 1));
    rp_dedup_free(dd);
    rp_corpus_free(c);
}

static void test_dedup_keep_newest_reads_dates_from_metadata(void **state)
{
    char dir[] = "/tmp/rp-dedup-XXXXXX", path[64];
    rp_corpus *c;
    rp_read_options ro;
    rp_dedup_options d;
    rp_buf b = RP_BUF_INIT;
    FILE *f;

    (void)state;
    assert_non_null(mkdtemp(dir));
    snprintf(path, sizeof(path), "%s/items.jsonl", dir);
    gen_words(&b, 5, 200);
    f = fopen(path, "w");
    assert_non_null(f);
    fprintf(f, "{\"id\":\"old\",\"text\":\"%s\",\"date\":\"Tue, 30 Apr 2024 09:00:00 GMT\"}\n",
            b.data);
    fprintf(f, "{\"id\":\"new\",\"text\":\"%s\",\"date\":\"2024-05-01T08:00:00+02:00\"}\n", b.data);
    fprintf(f, "{\"id\":\"undated\",\"text\":\"%s\"}\n", b.data);
    fclose(f);
    rp_read_options_init(&ro);
    assert_int_equal(rp_corpus_new(&c), RP_OK);
    assert_int_equal(rp_corpus_read(c, path, &ro), RP_OK);
    assert_int_equal(rp_corpus_count(c), 3);
    rp_dedup_options_init(&d);
    d.keep = RP_KEEP_NEWEST;
    d.date_field = "published"; /* a field no line has: every item undated, the first kept */
    rp_dedup *dd = run(c, &d);
    assert_int_equal(rp_dedup_get_group(dd, 0)->representative, 0);
    rp_dedup_free(dd);
    d.date_field = NULL; /* by default the "date" field, the one feed items carry */
    dd = run(c, &d);
    assert_int_equal(rp_dedup_group_count(dd), 1);
    assert_int_equal(rp_dedup_get_group(dd, 0)->representative, 1);

    /* --keep-only writes the kept input line unchanged */
    char *text = NULL;
    size_t len = 0;
    f = open_memstream(&text, &len);
    assert_int_equal(rp_dedup_write_kept(f, c, dd), RP_OK);
    fclose(f);
    assert_non_null(strstr(text, "{\"id\":\"new\",\"text\":\""));
    assert_null(strstr(text, "\"old\""));
    assert_int_equal(text[len - 1], '\n');
    assert_int_equal(strchr(text, '\n') - text + 1, (long)len);
    free(text);
    rp_dedup_free(dd);
    rp_corpus_free(c);
    rp_buf_release(&b);
    unlink(path);
    rmdir(dir);
}

/* Items shorter than a shingle have no fingerprint: too_short, never grouped, even when equal. */
static void test_dedup_items_too_short_to_fingerprint_are_too_short(void **state)
{
    rp_corpus *c;
    rp_dedup_options d;

    (void)state;
    assert_int_equal(rp_corpus_new(&c), RP_OK);
    assert_int_equal(rp_corpus_add(c, "a", "one two three", 13, NULL), RP_OK);
    assert_int_equal(rp_corpus_add(c, "b", "one two three", 13, NULL), RP_OK);
    rp_dedup_options_init(&d);
    rp_dedup *dd = run(c, &d);
    assert_int_equal(rp_dedup_group_count(dd), 0);
    assert_int_equal(rp_dedup_doc(dd, 0)->verdict, RP_VERDICT_TOO_SHORT);
    assert_int_equal(rp_dedup_doc(dd, 1)->verdict, RP_VERDICT_TOO_SHORT);
    assert_int_equal(rp_dedup_doc(dd, 1)->of, UINT32_MAX);
    assert_string_equal(rp_verdict_name(RP_VERDICT_TOO_SHORT), "too_short");
    assert_true(rp_dedup_kept(dd, 1));
    rp_dedup_free(dd);
    rp_corpus_free(c);
}

static void test_dedup_out_of_range_options_are_refused(void **state)
{
    rp_corpus *c;
    rp_options o;
    rp_dedup_options d;
    rp_dedup *dd = NULL;

    (void)state;
    assert_int_equal(rp_corpus_new(&c), RP_OK);
    rp_options_init(&o);
    rp_dedup_options_init(&d);
    d.resemblance = 1.5;
    assert_int_equal(rp_dedup_run(c, &o, &d, &dd), RP_EINVAL);
    assert_null(dd);
    rp_corpus_free(c);
}

/* ---- report ---- */

static void test_dedup_json_report_lists_groups_and_documents(void **state)
{
    rp_corpus *c = containing_pair(true);
    rp_dedup_options d;
    rp_options o;
    char *text = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&text, &len);

    (void)state;
    rp_dedup_options_init(&d);
    rp_options_init(&o);
    rp_dedup *dd = run(c, &d);
    assert_int_equal(rp_report_dedup(f, RP_FORMAT_JSON, c, dd, &o, &d), RP_OK);
    fclose(f);
    json_t *root = json_loads(text, 0, NULL);
    assert_non_null(root);
    assert_string_equal(json_string_value(json_object_get(root, "command")), "dedup");
    assert_int_equal(json_integer_value(json_object_get(root, "version")), 1);
    json_t *docs = json_object_get(root, "documents");
    assert_int_equal(json_array_size(docs), 2);
    assert_string_equal(json_string_value(json_object_get(json_array_get(docs, 1), "name")),
                        "long");
    assert_string_equal(json_string_value(json_object_get(json_array_get(docs, 1), "verdict")),
                        "contains");
    json_t *g = json_array_get(json_object_get(root, "groups"), 0);
    assert_int_equal(json_integer_value(json_object_get(g, "representative")), 0);
    json_t *m = json_array_get(json_object_get(g, "members"), 0);
    assert_int_equal(json_integer_value(json_object_get(m, "doc")), 1);
    assert_string_equal(json_string_value(json_object_get(m, "verdict")), "contains");
    assert_true(json_real_value(json_object_get(m, "containment")) == 1.0);
    json_decref(root);
    free(text);
    rp_dedup_free(dd);
    rp_corpus_free(c);
}

/* The JSON report of a run on `threads` threads (signatures are made on the pool). */
static char *report_with_threads(const rp_corpus *c, unsigned threads)
{
    rp_dedup_options d;
    rp_options o;
    rp_dedup *dd = NULL;
    char *text = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&text, &len);

    rp_dedup_options_init(&d);
    rp_options_init(&o);
    o.threads = threads;
    assert_int_equal(rp_dedup_run(c, &o, &d, &dd), RP_OK);
    assert_int_equal(rp_report_dedup(f, RP_FORMAT_JSON, c, dd, &o, &d), RP_OK);
    fclose(f);
    rp_dedup_free(dd);
    return text;
}

static void test_dedup_report_is_the_same_for_any_threads(void **state)
{
    rp_corpus *c;
    char name[32];

    (void)state;
    assert_int_equal(rp_corpus_new(&c), RP_OK);
    /* many chunks of signatures: new texts, copies and edited copies of earlier ones */
    for (uint32_t i = 0; i < 700; i++) {
        snprintf(name, sizeof(name), "d%u", i);
        add_generated(c, name, i % 3 == 0 ? i : i / 3, 20 + i % 23, i % 5 == 1 ? 7 : 0);
    }
    char *one = report_with_threads(c, 1), *two = report_with_threads(c, 2);
    char *three = report_with_threads(c, 3);
    assert_non_null(strstr(one, "\"near-duplicate\"")); /* groups were found */
    assert_string_equal(one, two);
    assert_string_equal(one, three);
    free(one);
    free(two);
    free(three);
    rp_corpus_free(c);
}

static void test_dedup_verdict_and_keep_names_round_trip(void **state)
{
    rp_keep k;

    (void)state;
    assert_string_equal(rp_verdict_name(RP_VERDICT_NEAR), "near-duplicate");
    assert_string_equal(rp_verdict_name(RP_VERDICT_SEEN), "seen");
    assert_int_equal(rp_keep_parse("longest", &k), RP_OK);
    assert_int_equal(k, RP_KEEP_LONGEST);
    assert_int_equal(rp_keep_parse("oldest", &k), RP_EINVAL);
}

/* ---- dates ---- */

static void test_dedup_dates_parse_rfc3339_and_rfc822(void **state)
{
    int64_t t;

    (void)state;
    assert_int_equal(rp_date_parse("2024-05-01T12:00:00Z", &t), RP_OK);
    assert_int_equal(t, 1714564800);
    assert_int_equal(rp_date_parse("2024-05-01T14:00:00.250+02:00", &t), RP_OK);
    assert_int_equal(t, 1714564800);
    assert_int_equal(rp_date_parse("Wed, 01 May 2024 12:00:00 GMT", &t), RP_OK);
    assert_int_equal(t, 1714564800);
    assert_int_equal(rp_date_parse("1 May 2024 08:00:00 EDT", &t), RP_OK);
    assert_int_equal(t, 1714564800);
    assert_int_equal(rp_date_parse("Wed, 01 May 24 13:00 +0100", &t), RP_OK);
    assert_int_equal(t, 1714564800);
    assert_int_equal(rp_date_parse("1970-01-01", &t), RP_OK);
    assert_int_equal(t, 0);
    assert_int_equal(rp_date_parse("2024-13-01T00:00:00Z", &t), RP_EFORMAT);
    assert_int_equal(rp_date_parse("yesterday", &t), RP_EFORMAT);
    assert_int_equal(rp_date_parse("Wed, 01 Foo 2024 12:00:00 GMT", &t), RP_EFORMAT);
}

/* ---- signatures ---- */

static void test_dedup_keys_include_the_content_hash(void **state)
{
    rp_options o;
    rp_dedup_scratch s;
    rp_dedup_sig sig;
    uint32_t keys[8];

    (void)state;
    rp_options_init(&o);
    rp_dedup_scratch_init(&s);
    rp_dedup_sig_init(&sig);
    const rp_doc doc = {.name = "short", .bytes = "too short", .len = 9, .file_line = 1};
    assert_int_equal(rp_dedup_signature(&o, &doc, &s, &sig), RP_OK);
    assert_int_equal(sig.count, 0); /* fewer tokens than a shingle */
    assert_int_equal(sig.tokens, 2);
    assert_int_equal(rp_dedup_keys(&sig, keys), 1);
    assert_int_equal(keys[0], (uint32_t)(sig.content ^ (sig.content >> 32)));
    rp_dedup_sig_release(&sig);
    rp_dedup_scratch_release(&s);
}

static void test_dedup_allocation_failure_frees_everything(void **state)
{
    rp_corpus *c = containing_pair(true);
    rp_options o;
    rp_dedup_options d;
    rp_status st = RP_ENOMEM;

    (void)state;
    add_generated(c, "third", 3, 150, 30);
    rp_options_init(&o);
    rp_dedup_options_init(&d);
    for (unsigned long n = 1; st == RP_ENOMEM && n < 10000; n++) {
        rp_dedup *dd = NULL;
        rp_alloc_fail_after(n);
        st = rp_dedup_run(c, &o, &d, &dd);
        rp_alloc_fail_after(0);
        assert_true(st == RP_OK || st == RP_ENOMEM);
        assert_true((st == RP_OK) == (dd != NULL));
        rp_dedup_free(dd);
    }
    assert_int_equal(st, RP_OK);
    rp_corpus_free(c);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_dedup_same_tokens_are_duplicates),
        cmocka_unit_test(test_dedup_light_edits_are_near_duplicates),
        cmocka_unit_test(test_dedup_a_later_superset_contains_the_earlier),
        cmocka_unit_test(test_dedup_a_later_subset_is_contained),
        cmocka_unit_test(test_dedup_unrelated_documents_stay_alone),
        cmocka_unit_test(test_dedup_thresholds_decide_the_verdict),
        cmocka_unit_test(test_dedup_members_join_the_group_of_the_earliest_match),
        cmocka_unit_test(test_dedup_keep_longest_picks_the_longest),
        cmocka_unit_test(test_dedup_keep_newest_reads_dates_from_metadata),
        cmocka_unit_test(test_dedup_items_too_short_to_fingerprint_are_too_short),
        cmocka_unit_test(test_dedup_out_of_range_options_are_refused),
        cmocka_unit_test(test_dedup_json_report_lists_groups_and_documents),
        cmocka_unit_test(test_dedup_report_is_the_same_for_any_threads),
        cmocka_unit_test(test_dedup_verdict_and_keep_names_round_trip),
        cmocka_unit_test(test_dedup_dates_parse_rfc3339_and_rfc822),
        cmocka_unit_test(test_dedup_keys_include_the_content_hash),
        cmocka_unit_test(test_dedup_allocation_failure_frees_everything),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
