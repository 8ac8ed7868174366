/*
 * test_vanish.c - a directory that changes while it is walked. The walk lists a directory,
 * then visits its entries; rp_corpus_test_after_list runs in between and deletes or replaces
 * entries, so each test meets the race deterministically: a file gone after the listing is
 * skipped with a one-line reason naming it, a FIFO swapped in cannot hang the read, and the
 * rest of the directory is still read (rp_corpus_read returns RP_OK).
 */
#include "corpus/corpus.h"
#include "fixture.h"

/* cmocka needs these first, in this order */
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
#include <sys/stat.h>
#include <unistd.h>

static char tmp_root[64];
static char path_buf[4][512];
static int path_slot;

/* What the hook does, and in which directory. */
typedef enum { ACT_UNLINK, ACT_RMTREE, ACT_FIFO, ACT_UNLINK_ALL } action;

static struct {
    char dir[512];     /* the directory whose listing triggers the action */
    const char *names; /* entries acted on, separated by spaces */
    action act;
    int calls;     /* times the hook ran, any directory */
    int triggered; /* times it acted */
} hook;

/* tmp_root/rel, in one of a few rotating static buffers. */
static const char *at(const char *rel)
{
    char *p = path_buf[path_slot++ % 4];
    snprintf(p, sizeof(path_buf[0]), "%s/%s", tmp_root, rel);
    return p;
}

static void puts_file(const char *rel, const char *text)
{
    FILE *f = fopen(at(rel), "wb");
    assert_non_null(f);
    assert_int_equal(fputs(text, f) >= 0, 1);
    assert_int_equal(fclose(f), 0);
}

static void make_dir(const char *rel)
{
    assert_int_equal(mkdir(at(rel), 0755), 0);
}

/* The test hook: in hook.dir only, acts on each named entry after the listing. */
static void after_list(const char *dir)
{
    char names[256], child[1024];

    hook.calls++;
    if (strcmp(dir, hook.dir) != 0)
        return;
    hook.triggered++;
    if (hook.act == ACT_UNLINK_ALL) {
        fixture_remove_tree(dir);
        return;
    }
    snprintf(names, sizeof(names), "%s", hook.names);
    for (char *save = NULL, *n = strtok_r(names, " ", &save); n; n = strtok_r(NULL, " ", &save)) {
        snprintf(child, sizeof(child), "%s/%s", dir, n);
        if (hook.act == ACT_RMTREE) {
            fixture_remove_tree(child);
            continue;
        }
        assert_int_equal(unlink(child), 0);
        if (hook.act == ACT_FIFO)
            assert_int_equal(mkfifo(child, 0644), 0);
    }
}

static void arm(const char *dir_rel, action act, const char *names)
{
    snprintf(hook.dir, sizeof(hook.dir), "%s", at(dir_rel));
    hook.act = act;
    hook.names = names;
    hook.calls = hook.triggered = 0;
    rp_corpus_test_after_list = after_list;
}

static int setup(void **state)
{
    (void)state;
    strcpy(tmp_root, "/tmp/rp-vanish-XXXXXX");
    if (!mkdtemp(tmp_root))
        return -1;
    /* a FIFO read would block for ever: fail the test instead of hanging the suite */
    alarm(60);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    rp_corpus_test_after_list = NULL;
    alarm(0);
    fixture_remove_tree(tmp_root);
    return 0;
}

static rp_corpus *read_dir(const char *rel)
{
    rp_corpus *c = NULL;
    assert_int_equal(rp_corpus_new(&c), RP_OK);
    assert_int_equal(rp_corpus_read(c, at(rel), NULL), RP_OK);
    return c;
}

static void assert_doc(const rp_corpus *c, uint32_t id, const char *rel, const char *bytes)
{
    const rp_doc *d = rp_corpus_doc(c, id);
    assert_non_null(d);
    assert_string_equal(d->name, at(rel));
    assert_int_equal(d->len, strlen(bytes));
    assert_memory_equal(d->bytes, bytes, d->len);
}

static void assert_skip(const rp_corpus *c, size_t i, const char *rel, const char *reason)
{
    const rp_skip *s = rp_corpus_skipped(c, i);
    assert_non_null(s);
    assert_string_equal(s->input, at(rel));
    assert_string_equal(s->reason, reason);
    assert_null(strchr(s->reason, '\n'));
}

static void test_hook_is_off_by_default_and_runs_once_per_listed_directory(void **state)
{
    rp_corpus *c;

    (void)state;
    assert_true(rp_corpus_test_after_list == NULL);
    make_dir("tree");
    make_dir("tree/sub");
    puts_file("tree/a.txt", "first\n");
    puts_file("tree/sub/b.txt", "second\n");
    arm("nothing-matches", ACT_UNLINK, "");
    c = read_dir("tree");
    assert_int_equal(hook.calls, 2); /* tree, then tree/sub */
    assert_int_equal(hook.triggered, 0);
    assert_int_equal(rp_corpus_count(c), 2);
    assert_int_equal(rp_corpus_skipped_count(c), 0);
    rp_corpus_free(c);
}

static void test_file_deleted_after_listing_is_skipped_and_the_rest_read(void **state)
{
    rp_corpus *c;

    (void)state;
    make_dir("docs");
    puts_file("docs/a.txt", "The tide came in early.\n");
    puts_file("docs/b.txt", "This file will be gone by the time it is opened.\n");
    puts_file("docs/c.txt", "The boats stayed in the harbour.\n");
    arm("docs", ACT_UNLINK, "b.txt");
    c = read_dir("docs");
    assert_int_equal(hook.triggered, 1);
    assert_int_equal(rp_corpus_count(c), 2);
    assert_doc(c, 0, "docs/a.txt", "The tide came in early.\n");
    assert_doc(c, 1, "docs/c.txt", "The boats stayed in the harbour.\n");
    assert_int_equal(rp_corpus_skipped_count(c), 1);
    assert_skip(c, 0, "docs/b.txt", "No such file or directory");
    rp_corpus_free(c);
}

static void test_subdirectory_deleted_after_listing_is_skipped(void **state)
{
    rp_corpus *c;

    (void)state;
    make_dir("top");
    make_dir("top/mid");
    puts_file("top/a.txt", "kept\n");
    puts_file("top/mid/inner.txt", "never read\n");
    puts_file("top/z.txt", "also kept\n");
    arm("top", ACT_RMTREE, "mid");
    c = read_dir("top");
    assert_int_equal(rp_corpus_count(c), 2);
    assert_doc(c, 0, "top/a.txt", "kept\n");
    assert_doc(c, 1, "top/z.txt", "also kept\n");
    assert_int_equal(rp_corpus_skipped_count(c), 1);
    assert_skip(c, 0, "top/mid", "No such file or directory");
    rp_corpus_free(c);
}

static void test_file_replaced_by_a_fifo_after_listing_does_not_hang(void **state)
{
    rp_corpus *c;

    (void)state;
    make_dir("swap");
    puts_file("swap/a.txt", "before\n");
    puts_file("swap/b.txt", "replaced by a pipe nobody writes to\n");
    puts_file("swap/c.txt", "after\n");
    arm("swap", ACT_FIFO, "b.txt");
    c = read_dir("swap");
    assert_int_equal(rp_corpus_count(c), 2);
    assert_doc(c, 0, "swap/a.txt", "before\n");
    assert_doc(c, 1, "swap/c.txt", "after\n");
    assert_int_equal(rp_corpus_skipped_count(c), 1);
    assert_skip(c, 0, "swap/b.txt", "not a regular file (FIFO)");
    rp_corpus_free(c);
}

static void test_whole_directory_deleted_after_listing_skips_each_entry(void **state)
{
    rp_corpus *c = NULL;

    (void)state;
    make_dir("gone");
    puts_file("gone/b.txt", "two\n");
    puts_file("gone/a.txt", "one\n");
    puts_file("gone/c.txt", "three\n");
    arm("gone", ACT_UNLINK_ALL, NULL);
    assert_int_equal(rp_corpus_new(&c), RP_OK);
    assert_int_equal(rp_corpus_read(c, at("gone"), NULL), RP_OK);
    assert_int_equal(rp_corpus_count(c), 0);
    assert_int_equal(rp_corpus_skipped_count(c), 3);
    assert_skip(c, 0, "gone/a.txt", "No such file or directory"); /* in listing order */
    assert_skip(c, 1, "gone/b.txt", "No such file or directory");
    assert_skip(c, 2, "gone/c.txt", "No such file or directory");
    rp_corpus_free(c);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(
            test_hook_is_off_by_default_and_runs_once_per_listed_directory, setup, teardown),
        cmocka_unit_test_setup_teardown(
            test_file_deleted_after_listing_is_skipped_and_the_rest_read, setup, teardown),
        cmocka_unit_test_setup_teardown(test_subdirectory_deleted_after_listing_is_skipped, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_file_replaced_by_a_fifo_after_listing_does_not_hang,
                                        setup, teardown),
        cmocka_unit_test_setup_teardown(test_whole_directory_deleted_after_listing_skips_each_entry,
                                        setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
