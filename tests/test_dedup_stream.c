/*
 * test_dedup_stream.c - near-duplicate verdicts for documents given in batches: the same
 * verdicts as the batch run over one corpus holding every batch, whatever the batch size;
 * positions that count across batches; options refused; allocation failure. Texts are made
 * from a seeded word generator with copies, edits and containments mixed in.
 */
#include "base/base.h"

/* clang-format off */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
/* clang-format on */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define STREAM_DOCS 240

static const char *const words[] = {
    "alder", "basalt", "canyon", "dune", "egret", "fennel", "gorse", "hollow", "ibis", "jasper",
    "kelp", "linden", "moraine", "nettle", "osprey", "plover", "quartz", "rowan", "sedge",
    "thistle", "urchin", "vetch", "wren", "yew", "zircon", "aster", "birch", "clover", "dipper",
    "elm"};

/* Appends n seeded words to b; every edit_every-th word (0: none) is replaced by "altered". */
static void gen_words(rp_buf *b, uint32_t seed, size_t n, size_t edit_every)
{
    uint64_t x = seed * 0x9E3779B97F4A7C15ULL + 7;

    for (size_t i = 0; i < n; i++) {
        x ^= x << 13, x ^= x >> 7, x ^= x << 17;
        const char *w = edit_every && i % edit_every == edit_every - 1 ? "altered" : words[x % 30];
        assert_int_equal(rp_buf_addf(b, "%s%s", b->len ? " " : "", w), RP_OK);
    }
}

/* Document i: new texts, exact copies, edited copies, a text holding an earlier one, and a
 * short piece of an earlier one, so every verdict kind occurs. */
static void gen_doc(rp_buf *b, uint32_t i)
{
    b->len = 0;
    switch (i % 6) {
    case 0:
    case 1:
        gen_words(b, i, 40 + i % 17, 0);
        break;
    case 2:
        gen_words(b, i - 2, 40 + (i - 2) % 17, 0); /* a copy of i - 2 */
        break;
    case 3:
        gen_words(b, i - 2, 40 + (i - 2) % 17, 9); /* an edited copy of i - 2 */
        break;
    case 4:
        gen_words(b, i - 4, 40 + (i - 4) % 17, 0); /* i - 4 and more */
        gen_words(b, i + 1000, 30, 0);
        break;
    default:
        if (i % 60 == 11)
            gen_words(b, i, 3, 0); /* shorter than a shingle */
        else
            gen_words(b, i - 5, 20, 0); /* the start of i - 5 */
        break;
    }
    if (b->data)
        b->data[b->len] = '\0';
}

static void add_docs(rp_corpus *c, uint32_t from, uint32_t to)
{
    rp_buf b = RP_BUF_INIT;
    char name[32];

    for (uint32_t i = from; i < to; i++) {
        gen_doc(&b, i);
        snprintf(name, sizeof(name), "d%u", i);
        assert_int_equal(rp_corpus_add(c, name, b.data, b.len, NULL), RP_OK);
    }
    rp_buf_release(&b);
}

/* The generated documents cut into batches of batch_size; *count gets how many batches. */
static rp_corpus **make_batches(uint32_t batch_size, size_t *count)
{
    size_t n = (STREAM_DOCS + batch_size - 1) / batch_size;
    rp_corpus **batches = calloc(n, sizeof(*batches));

    assert_non_null(batches);
    for (size_t k = 0; k < n; k++) {
        uint32_t from = (uint32_t)k * batch_size;
        uint32_t to = from + batch_size < STREAM_DOCS ? from + batch_size : STREAM_DOCS;
        assert_int_equal(rp_corpus_new(&batches[k]), RP_OK);
        add_docs(batches[k], from, to);
    }
    *count = n;
    return batches;
}

static void free_batches(rp_corpus **batches, size_t count)
{
    for (size_t k = 0; k < count; k++)
        rp_corpus_free(batches[k]);
    free(batches);
}

/* Streams the batches into out (STREAM_DOCS entries). */
static rp_status stream_all(const rp_options *o, const rp_dedup_options *d, rp_corpus **batches,
                            size_t count, rp_dedup_member *out)
{
    rp_dedup_stream *s = NULL;
    rp_status st = rp_dedup_stream_new(o, d, &s);

    for (size_t k = 0; st == RP_OK && k < count; k++) {
        st = rp_dedup_stream_add(s, batches[k], out);
        out += rp_corpus_count(batches[k]);
    }
    if (st == RP_OK)
        assert_int_equal(rp_dedup_stream_count(s), STREAM_DOCS);
    rp_dedup_stream_free(s);
    return st;
}

/* Streams the generated documents in batches of batch_size into out. */
static rp_status stream_sized(const rp_options *o, const rp_dedup_options *d,
                              uint32_t batch_size, rp_dedup_member *out)
{
    size_t count;
    rp_corpus **batches = make_batches(batch_size, &count);
    rp_status st = stream_all(o, d, batches, count, out);

    free_batches(batches, count);
    return st;
}

static void test_stream_verdicts_equal_the_batch_run_for_any_batch_size_budget_and_threads(
    void **state)
{
    static const uint32_t sizes[] = {1, 7, 64, STREAM_DOCS};
    /* no budget; one that spills after every first; one that spills every few dozen */
    static const size_t budgets[] = {0, 1, 6000};
    rp_dedup_member got[STREAM_DOCS];
    rp_options o;
    rp_dedup_options d;
    rp_corpus *c;
    rp_dedup *dd;
    size_t kinds[RP_VERDICT_TOO_SHORT + 1] = {0};

    rp_options_init(&o);
    rp_dedup_options_init(&d);
    assert_int_equal(rp_corpus_new(&c), RP_OK);
    add_docs(c, 0, STREAM_DOCS);
    assert_int_equal(rp_dedup_run(c, &o, &d, &dd), RP_OK);
    for (size_t k = 0; k < 3 * sizeof(sizes) / sizeof(sizes[0]); k++) {
        o.memory = budgets[k / 4];
        o.threads = 1 + (unsigned)k % 3;
        assert_int_equal(stream_sized(&o, &d, sizes[k % 4], got), RP_OK);
        for (uint32_t i = 0; i < STREAM_DOCS; i++) {
            const rp_dedup_member *want = rp_dedup_doc(dd, i);
            assert_int_equal(got[i].doc, i);
            assert_int_equal(got[i].verdict, want->verdict);
            assert_int_equal(got[i].of, want->of);
            assert_true(got[i].resemblance == want->resemblance);
            assert_true(got[i].containment == want->containment);
            kinds[got[i].verdict]++;
        }
    }
    /* the corpus exercises every verdict a batch run gives */
    for (int v = RP_VERDICT_NEW; v <= RP_VERDICT_CONTAINED; v++)
        assert_true(kinds[v] > 0);
    assert_true(kinds[RP_VERDICT_TOO_SHORT] > 0);
    rp_dedup_free(dd);
    rp_corpus_free(c);
}

static void test_stream_positions_count_across_batches(void **state)
{
    rp_dedup_member got[STREAM_DOCS];
    rp_options o;
    rp_dedup_options d;

    rp_options_init(&o);
    rp_dedup_options_init(&d);
    assert_int_equal(stream_sized(&o, &d, 61, got), RP_OK);
    /* document 62 (the second batch) copies document 60 (the first) */
    assert_int_equal(got[62].doc, 62);
    assert_int_equal(got[62].verdict, RP_VERDICT_DUPLICATE);
    assert_int_equal(got[62].of, 60);
    assert_int_equal(got[60].of, UINT32_MAX);
}

/* Streams the documents in batches of 50 with the given budget; checks each `of` name against
 * the document it names; returns how many times the stream spilled. */
static size_t stream_names(size_t budget)
{
    rp_options o;
    rp_dedup_options d;
    rp_dedup_stream *s;
    rp_dedup_member got[STREAM_DOCS];
    size_t count, spills, named = 0;
    rp_corpus **batches = make_batches(50, &count);
    char want[32];

    rp_options_init(&o);
    rp_dedup_options_init(&d);
    o.memory = budget;
    assert_int_equal(rp_dedup_stream_new(&o, &d, &s), RP_OK);
    for (size_t k = 0; k < count; k++) {
        rp_dedup_member *m = got + k * 50;
        assert_int_equal(rp_dedup_stream_add(s, batches[k], m), RP_OK);
        for (size_t i = 0; i < rp_corpus_count(batches[k]); i++) {
            const char *name = rp_dedup_stream_of_name(s, i);
            if (m[i].of == UINT32_MAX) {
                assert_null(name);
                continue;
            }
            snprintf(want, sizeof(want), "d%u", m[i].of);
            assert_non_null(name);
            assert_string_equal(name, want);
            named++;
        }
        assert_null(rp_dedup_stream_of_name(s, rp_corpus_count(batches[k])));
    }
    assert_true(named > STREAM_DOCS / 3);
    spills = rp_dedup_stream_spilled(s);
    rp_dedup_stream_free(s);
    free_batches(batches, count);
    return spills;
}

static void test_stream_names_the_first_matched_and_spills_within_a_budget(void **state)
{
    assert_int_equal(stream_names(0), 0);
    assert_int_equal(stream_names(64 << 20), 0); /* fits */
    assert_true(stream_names(1) > 50);          /* one first at a time */
    assert_true(stream_names(6000) > 1);
}

static void test_stream_unwritable_temporary_directory_is_eio(void **state)
{
    rp_dedup_member got[STREAM_DOCS];
    rp_options o;
    rp_dedup_options d;
    const char *old = getenv("TMPDIR");
    char *saved = old ? strdup(old) : NULL;

    rp_options_init(&o);
    rp_dedup_options_init(&d);
    o.memory = 1;
    setenv("TMPDIR", "/nonexistent/reprint-test", 1);
    assert_int_equal(stream_sized(&o, &d, 64, got), RP_EIO);
    if (saved)
        setenv("TMPDIR", saved, 1);
    else
        unsetenv("TMPDIR");
    free(saved);
}

/* The tmp_dir option names where the stream spills; a spill that fails there is RP_EIO, and
 * the stream, half changed, keeps answering that error. */
static void test_stream_tmp_dir_option_and_an_error_that_stays(void **state)
{
    rp_dedup_member got[STREAM_DOCS];
    rp_options o;
    rp_dedup_options d;
    rp_dedup_stream *s = NULL;
    rp_status st = RP_OK;
    size_t count, k = 0;
    rp_corpus **batches = make_batches(40, &count);
    char dir[64] = "/nonexistent/reprint-test"; /* borrowed by the stream */

    rp_options_init(&o);
    rp_dedup_options_init(&d);
    o.memory = 1;
    o.threads = 1;
    o.tmp_dir = dir;
    assert_int_equal(rp_dedup_stream_new(&o, &d, &s), RP_OK);
    for (; st == RP_OK && k < count; k++)
        st = rp_dedup_stream_add(s, batches[k], got);
    assert_int_equal(st, RP_EIO);
    strcpy(dir, "/tmp"); /* a spill would work now, but the stream's state is half changed */
    assert_int_equal(rp_dedup_stream_add(s, batches[0], got), RP_EIO);
    rp_dedup_stream_free(s);
    free_batches(batches, count);
}

static void test_stream_refuses_keep_other_than_first_and_bad_thresholds(void **state)
{
    rp_options o;
    rp_dedup_options d;
    rp_dedup_stream *s = NULL;

    rp_options_init(&o);
    rp_dedup_options_init(&d);
    d.keep = RP_KEEP_LONGEST;
    assert_int_equal(rp_dedup_stream_new(&o, &d, &s), RP_EINVAL);
    rp_dedup_options_init(&d);
    d.resemblance = 1.5;
    assert_int_equal(rp_dedup_stream_new(&o, &d, &s), RP_EINVAL);
    rp_dedup_options_init(&d);
    o.shingle = 0;
    assert_int_equal(rp_dedup_stream_new(&o, &d, &s), RP_EINVAL);
    assert_null(s);
    rp_dedup_stream_free(NULL);
}

static void test_stream_empty_batch_judges_nothing(void **state)
{
    rp_options o;
    rp_dedup_options d;
    rp_dedup_stream *s;
    rp_corpus *c;
    rp_dedup_member m;

    rp_options_init(&o);
    rp_dedup_options_init(&d);
    assert_int_equal(rp_dedup_stream_new(&o, &d, &s), RP_OK);
    assert_int_equal(rp_corpus_new(&c), RP_OK);
    assert_int_equal(rp_dedup_stream_add(s, c, &m), RP_OK);
    assert_int_equal(rp_dedup_stream_count(s), 0);
    rp_corpus_free(c);
    rp_dedup_stream_free(s);
}

static void test_stream_allocation_failure_returns_enomem_and_frees(void **state)
{
    rp_dedup_member got[STREAM_DOCS];
    rp_options o;
    rp_dedup_options d;
    rp_status st = RP_ENOMEM;
    size_t count;
    rp_corpus **batches = make_batches(100, &count);

    rp_options_init(&o);
    rp_dedup_options_init(&d);
    o.threads = 1; /* one thread: the n-th allocation is the same one every run */
    for (int budget = 0; budget < 2; budget++) {
        o.memory = budget ? 6000 : 0; /* spilling fails cleanly too */
        st = RP_ENOMEM;
        for (unsigned long n = 1; st == RP_ENOMEM; n++) {
            rp_alloc_fail_after(n);
            st = stream_all(&o, &d, batches, count, got);
            rp_alloc_fail_after(0);
            assert_true(st == RP_OK || st == RP_ENOMEM);
        }
    }
    free_batches(batches, count);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(
            test_stream_verdicts_equal_the_batch_run_for_any_batch_size_budget_and_threads),
        cmocka_unit_test(test_stream_names_the_first_matched_and_spills_within_a_budget),
        cmocka_unit_test(test_stream_unwritable_temporary_directory_is_eio),
        cmocka_unit_test(test_stream_tmp_dir_option_and_an_error_that_stays),
        cmocka_unit_test(test_stream_positions_count_across_batches),
        cmocka_unit_test(test_stream_refuses_keep_other_than_first_and_bad_thresholds),
        cmocka_unit_test(test_stream_empty_batch_judges_nothing),
        cmocka_unit_test(test_stream_allocation_failure_returns_enomem_and_frees),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
