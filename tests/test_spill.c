/*
 * test_spill.c - a scan whose fingerprint table is spilled to temporary files (rp_options.memory
 * below its estimate, or forced into many partitions) gives the report an unconstrained scan
 * gives, byte for byte, for any thread count; it leaves no file behind; a temporary directory
 * it cannot use, or a write that fails, is RP_EIO with errno saying why.
 */
#include "scan/scan.h"
#include "base/base.h"
#include "fixture.h"

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <dirent.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

/* Documents of random words from a small vocabulary, some holding copies of a few shared
 * passages with a word changed here and there: many fingerprints, runs and clusters. */
static rp_corpus *made_corpus(uint64_t seed, unsigned docs)
{
    static const char *const vocab[] = {
        "harbour", "river",  "council", "bridge",   "market",  "winter", "storm", "mayor",
        "railway", "school", "budget",  "hospital", "the",     "of",     "and",   "a",
        "ferry",   "farm",   "orchard", "museum",   "library", "road",   "tower", "canal",
        "vote",    "plan",   "report",  "station",  "village", "mill",   "quay",  "square"};
    return fixture_made_corpus(seed, docs, vocab, sizeof(vocab) / sizeof(vocab[0]));
}

/* The JSON report of a scan (NUL-terminated; free()). */
static char *report(const rp_corpus *c, const rp_options *o, rp_scan_counts *counts)
{
    rp_scan *s = NULL;
    char *text = NULL;
    size_t len = 0;
    FILE *out;
    assert_int_equal(rp_scan_run(c, o, NULL, NULL, &s), RP_OK);
    *counts = *rp_scan_get_counts(s);
    out = open_memstream(&text, &len);
    assert_non_null(out);
    assert_int_equal(rp_report_scan(out, RP_FORMAT_JSON, c, s, o), RP_OK);
    assert_int_equal(fclose(out), 0);
    rp_scan_free(s);
    return text;
}

static char tmp_root[] = "/tmp/rp-test-spill-XXXXXX";

static size_t entries(const char *dir)
{
    size_t n = 0;
    DIR *d = opendir(dir);
    struct dirent *e;
    assert_non_null(d);
    while ((e = readdir(d)))
        n += strcmp(e->d_name, ".") && strcmp(e->d_name, "..");
    closedir(d);
    return n;
}

/* The same report spilled into 4, 64 and 1024 partitions on 1 and 2 threads, and spilled
 * because the budget is below the estimate; nothing is left in the temporary directory. */
static void same_report_spilled(rp_corpus *c)
{
    rp_options o;
    rp_scan_counts free_counts, counts;
    rp_options_init(&o);
    o.threads = 1;
    o.tmp_dir = tmp_root;
    char *want = report(c, &o, &free_counts);
    assert_int_equal(free_counts.spilled, 0);
    static const size_t parts[] = {4, 64, 1024};
    for (size_t i = 0; i < sizeof(parts) / sizeof(parts[0]); i++)
        for (unsigned threads = 1; threads <= 2; threads++) {
            o.threads = threads;
            rp_scan_spill_parts = parts[i];
            char *got = report(c, &o, &counts);
            rp_scan_spill_parts = 0;
            assert_string_equal(got, want);
            assert_int_equal(counts.spilled, (free_counts.fingerprints + free_counts.seeds) * 16);
            assert_int_equal(counts.fingerprints, free_counts.fingerprints);
            assert_int_equal(counts.seeds, free_counts.seeds);
            assert_int_equal(counts.distinct, free_counts.distinct);
            assert_int_equal(entries(tmp_root), 0);
            free(got);
        }
    o.threads = 2;
    o.memory = rp_scan_memory_estimate(c, &o) - 1; /* the table would not fit: it spills */
    char *got = report(c, &o, &counts);
    assert_string_equal(got, want);
    assert_true(counts.spilled > 0);
    assert_int_equal(entries(tmp_root), 0);
    free(got);
    free(want);
}

static void test_spill_gives_the_same_report_on_made_corpora(void **state)
{
    (void)state;
    for (uint64_t seed = 1; seed <= 3; seed++) {
        rp_corpus *c = made_corpus(seed, 150 * (unsigned)seed);
        same_report_spilled(c);
        rp_corpus_free(c);
    }
}

static void test_spill_gives_the_same_report_on_the_test_corpora(void **state)
{
    static const char *const inputs[] = {"examples/posts", "tests/data/hostile",
                                         "tests/data/outlets.jsonl"};
    (void)state;
    for (size_t i = 0; i < sizeof(inputs) / sizeof(inputs[0]); i++) {
        rp_corpus *c = fixture_read_source(inputs[i]);
        same_report_spilled(c);
        rp_corpus_free(c);
    }
}

/* The scan under budget b on `threads`: RP_EBUDGET (nothing left behind), or the report
 * `want` (returns whether it ran). */
static bool same_report_under(const rp_corpus *c, size_t b, unsigned threads, const char *want)
{
    rp_options o;
    rp_scan *s = NULL;
    rp_options_init(&o);
    o.tmp_dir = tmp_root;
    o.threads = threads;
    o.memory = b;
    rp_status st = rp_scan_run(c, &o, NULL, NULL, &s);
    assert_int_equal(entries(tmp_root), 0);
    if (st == RP_EBUDGET) {
        assert_null(s);
        return false;
    }
    assert_int_equal(st, RP_OK);
    assert_true(rp_scan_get_counts(s)->spilled > 0);
    char *got = NULL;
    size_t len = 0;
    FILE *out = open_memstream(&got, &len);
    assert_non_null(out);
    assert_int_equal(rp_report_scan(out, RP_FORMAT_JSON, c, s, &o), RP_OK);
    assert_int_equal(fclose(out), 0);
    rp_scan_free(s);
    assert_string_equal(got, want);
    free(got);
    return true;
}

/* Real budgets (not forced partitions) from the estimate down to the smallest the scan takes,
 * found by halving and then bisecting, on 1 to 3 threads: the seeds' flush (its share of the
 * budget per worker), the aligner's room less what it holds (down to one pair's documents)
 * and the window buffer sized to each window change no byte of the report. (Near the
 * smallest, whether a budget is taken can vary between runs on 2 or more threads: load_part
 * charges the seeds the workers hold, which depends on which worker indexed which bucket.) */
static void test_spill_gives_the_same_report_under_any_budget(void **state)
{
    rp_corpus *c = made_corpus(4, 300);
    rp_options o;
    rp_scan_counts counts;
    (void)state;
    rp_options_init(&o);
    o.threads = 1;
    char *want = report(c, &o, &counts);
    for (unsigned threads = 1; threads <= 3; threads++) {
        size_t ok = rp_scan_memory_estimate(c, &o) - 1, fail = 0, runs = 0;
        assert_true(same_report_under(c, ok, threads, want));
        while (fail == 0 && ok > 1) /* halving: the first budget refused */
            if (same_report_under(c, ok / 2, threads, want))
                ok /= 2, runs++;
            else
                fail = ok / 2;
        while (ok - fail > 1 + ok / 64) { /* bisecting to within 1/64 of the smallest taken */
            size_t mid = fail + (ok - fail) / 2;
            if (same_report_under(c, mid, threads, want))
                ok = mid, runs++;
            else
                fail = mid;
        }
        assert_true(runs >= 3); /* budgets well below the estimate were taken */
        assert_true(fail > 0);  /* and one was refused */
        for (int again = 0; again < 4; again++) { /* on every run: whichever worker ran what */
            assert_true(same_report_under(c, ok, threads, want));
            assert_false(same_report_under(c, fail, threads, want));
        }
    }
    free(want);
    rp_corpus_free(c);
}

static void test_spill_into_a_missing_directory_is_an_io_error(void **state)
{
    rp_corpus *c = made_corpus(7, 20);
    rp_options o;
    rp_scan *s = NULL;
    char missing[4200];
    (void)state;
    snprintf(missing, sizeof(missing), "%s/not-there", tmp_root);
    rp_options_init(&o);
    o.tmp_dir = missing;
    rp_scan_spill_parts = 4;
    errno = 0;
    assert_int_equal(rp_scan_run(c, &o, NULL, NULL, &s), RP_EIO);
    assert_int_equal(errno, ENOENT);
    assert_null(s);
    rp_scan_spill_parts = 0;
    rp_corpus_free(c);
}

/* A write that fails (here a file size limit, as a full disk would) stops the scan with
 * RP_EIO and the write's errno, and leaves nothing behind. */
static void test_spill_write_failure_is_an_io_error(void **state)
{
    rp_corpus *c = made_corpus(8, 200);
    rp_options o;
    rp_scan *s = NULL;
    struct rlimit saved, small = {4096, 4096};
    (void)state;
    rp_options_init(&o);
    o.tmp_dir = tmp_root;
    o.threads = 2;
    signal(SIGXFSZ, SIG_IGN); /* the write fails with EFBIG instead of killing the test */
    assert_int_equal(getrlimit(RLIMIT_FSIZE, &saved), 0);
    small.rlim_max = saved.rlim_max;
    assert_int_equal(setrlimit(RLIMIT_FSIZE, &small), 0);
    rp_scan_spill_parts = 4;
    rp_status st = rp_scan_run(c, &o, NULL, NULL, &s);
    int e = errno;
    rp_scan_spill_parts = 0;
    assert_int_equal(setrlimit(RLIMIT_FSIZE, &saved), 0);
    assert_int_equal(st, RP_EIO);
    assert_int_equal(e, EFBIG);
    assert_null(s);
    assert_int_equal(entries(tmp_root), 0);
    rp_corpus_free(c);
}

/* Every allocation of a spilling scan may fail: RP_ENOMEM, everything freed (ASan checks),
 * until the scan completes with the unconstrained report. */
static void test_spill_frees_everything_on_allocation_failure(void **state)
{
    rp_corpus *c = made_corpus(9, 12);
    rp_options o;
    rp_scan_counts counts;
    (void)state;
    rp_options_init(&o);
    o.threads = 1;
    o.tmp_dir = tmp_root;
    char *want = report(c, &o, &counts);
    rp_scan_spill_parts = 4;
    rp_scan_free(fixture_scan_past_allocation_failures(c, &o));
    char *got = report(c, &o, &counts);
    rp_scan_spill_parts = 0;
    assert_true(counts.spilled > 0);
    assert_string_equal(got, want);
    assert_int_equal(entries(tmp_root), 0);
    free(got);
    free(want);
    rp_corpus_free(c);
}

static int setup(void **state)
{
    (void)state;
    return mkdtemp(tmp_root) ? 0 : -1;
}

static int teardown(void **state)
{
    (void)state;
    fixture_remove_tree(tmp_root);
    return 0;
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_spill_gives_the_same_report_on_made_corpora),
        cmocka_unit_test(test_spill_gives_the_same_report_on_the_test_corpora),
        cmocka_unit_test(test_spill_gives_the_same_report_under_any_budget),
        cmocka_unit_test(test_spill_into_a_missing_directory_is_an_io_error),
        cmocka_unit_test(test_spill_write_failure_is_an_io_error),
        cmocka_unit_test(test_spill_frees_everything_on_allocation_failure),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
