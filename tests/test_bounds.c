/*
 * test_bounds.c - tiny or endless inputs that would make the reader hold gigabytes: a zstd bomb
 * (plain and named .jsonl.zst), /dev/zero named directly and planted in a folder as a symlink,
 * and a FIFO fed text without end. Each is read with the default options in a forked child
 * under a 1 GiB address-space limit and must be skipped cleanly with its reason.
 */
#include "fixture.h"
#include "reprint.h"

/* cmocka needs these first, in this order */
/* clang-format off */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
/* clang-format on */

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include <zstd.h>

#if defined(__SANITIZE_ADDRESS__)
#define RP_TEST_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define RP_TEST_ASAN 1
#endif
#endif

#define ADDRESS_LIMIT ((rlim_t)1 << 30)

static char tmp_root[64];

static const char *at(const char *rel)
{
    static char buf[4][512];
    static int slot;
    char *p = buf[slot++ % 4];
    snprintf(p, sizeof(buf[0]), "%s/%s", tmp_root, rel);
    return p;
}

static int setup_tmp(void **state)
{
    (void)state;
    strcpy(tmp_root, "/tmp/rp-bounds-XXXXXX");
    return mkdtemp(tmp_root) ? 0 : -1;
}

static int teardown_tmp(void **state)
{
    (void)state;
    fixture_remove_tree(tmp_root);
    return 0;
}

/* A zstd stream of `mib` MiB of one repeated English line, compressed as it goes. */
static void put_zstd_bomb(const char *rel, size_t mib)
{
    static const char line[] = "the same line of text, over and over again\n";
    char *chunk = malloc(1 << 20), *out = malloc(ZSTD_CStreamOutSize());
    ZSTD_CCtx *cc = ZSTD_createCCtx();
    FILE *f = fopen(at(rel), "wb");

    assert_non_null(chunk);
    assert_non_null(out);
    assert_non_null(cc);
    assert_non_null(f);
    for (size_t i = 0; i < (size_t)1 << 20; i++)
        chunk[i] = line[i % (sizeof(line) - 1)];
    for (size_t m = 0; m <= mib; m++) {
        ZSTD_inBuffer in = {chunk, m < mib ? (size_t)1 << 20 : 0, 0};
        ZSTD_EndDirective end = m < mib ? ZSTD_e_continue : ZSTD_e_end;
        size_t left;
        do {
            ZSTD_outBuffer ob = {out, ZSTD_CStreamOutSize(), 0};
            left = ZSTD_compressStream2(cc, &ob, &in, end);
            assert_false(ZSTD_isError(left));
            assert_int_equal(fwrite(out, 1, ob.pos, f), ob.pos);
        } while (in.pos < in.size || (end == ZSTD_e_end && left != 0));
    }
    assert_int_equal(fclose(f), 0);
    ZSTD_freeCCtx(cc);
    free(out);
    free(chunk);
}

/* In the child: reads path with the default options; 0 when it was skipped with a reason
 * starting with `why` and nothing was read, else a distinct code (and a line on stderr). */
static int read_expect_skip(const char *path, const char *why)
{
    rp_corpus *c = NULL;
    rp_read_options ro;
    rp_status st;
    const rp_skip *sk;

    rp_read_options_init(&ro);
    ro.threads = 1;
    if (rp_corpus_new(&c) != RP_OK)
        return 10;
    st = rp_corpus_read(c, path, &ro);
    if (st != RP_OK) {
        fprintf(stderr, "%s: %s\n", path, rp_strerror(st));
        return 11;
    }
    sk = rp_corpus_skipped(c, 0);
    if (rp_corpus_count(c) != 0 || !sk || strncmp(sk->reason, why, strlen(why)) != 0) {
        fprintf(stderr, "%s: %zu documents, skip reason '%s'\n", path, rp_corpus_count(c),
                sk ? sk->reason : "(none)");
        return 12;
    }
    rp_corpus_free(c);
    return 0;
}

/* Under valgrind (its preloaded library is named vgpreload_*) the children, which do all the
 * work here, run ten times slower and unchecked (CI's memcheck keeps quiet after a fork). */
static void skip_under_valgrind(void)
{
    const char *preload = getenv("LD_PRELOAD");

    if (preload && strstr(preload, "vgpreload") != NULL) {
        fprintf(stderr, "skipped under valgrind: hundreds of MB read in a forked child\n");
        skip();
    }
}

/* Forks a child that limits its address space to 1 GiB (not under AddressSanitizer, whose
 * shadow memory needs terabytes of it) and then expects path to be skipped for `why`. */
static void assert_skipped_within_a_gib(const char *path, const char *why)
{
    pid_t pid;
    int status;

    pid = fork();

    assert_true(pid >= 0);
    if (pid == 0) {
#ifndef RP_TEST_ASAN
        struct rlimit rl = {ADDRESS_LIMIT, ADDRESS_LIMIT};
        if (setrlimit(RLIMIT_AS, &rl) != 0)
            _exit(13);
#endif
        _exit(read_expect_skip(path, why));
    }
    assert_int_equal(waitpid(pid, &status, 0), pid);
    assert_true(WIFEXITED(status));
    assert_int_equal(WEXITSTATUS(status), 0);
}

static void test_zstd_bomb_is_skipped_as_a_bomb_within_a_gib(void **state)
{
    (void)state;
    skip_under_valgrind();
    put_zstd_bomb("bomb.txt.zst", 100);
    assert_skipped_within_a_gib(at("bomb.txt.zst"), "likely a decompression bomb");
}

static void test_zstd_bomb_named_jsonl_is_skipped_as_a_bomb_within_a_gib(void **state)
{
    (void)state;
    skip_under_valgrind();
    put_zstd_bomb("bomb.jsonl.zst", 100);
    assert_skipped_within_a_gib(at("bomb.jsonl.zst"), "likely a decompression bomb");
}

static void test_dev_zero_named_is_skipped_as_binary_within_a_gib(void **state)
{
    (void)state;
    skip_under_valgrind();
    assert_int_equal(symlink("/dev/zero", at("zero")), 0);
    assert_skipped_within_a_gib(at("zero"), "binary file");
}

static void test_dev_zero_in_a_folder_is_skipped_as_a_device_within_a_gib(void **state)
{
    (void)state;
    skip_under_valgrind();
    assert_int_equal(mkdir(at("dir"), 0755), 0);
    assert_int_equal(symlink("/dev/zero", at("dir/zero.txt")), 0);
    assert_skipped_within_a_gib(at("dir"), "not a regular file (device)");
}

/* A writer that never stops: the read must end at the default limit, having held no more. */
static void test_endless_fifo_stops_at_the_default_limit_within_a_gib(void **state)
{
    static const char text[] = "words that keep coming, line after line after line\n";
    char why[96];
    pid_t writer;
    int status;

    (void)state;
    skip_under_valgrind();
    assert_int_equal(mkfifo(at("endless"), 0600), 0);
    writer = fork();
    assert_true(writer >= 0);
    if (writer == 0) {
        FILE *f = fopen(at("endless"), "w");
        signal(SIGPIPE, SIG_DFL);
        while (f && fputs(text, f) >= 0)
            ;
        _exit(0);
    }
    snprintf(why, sizeof(why), "document larger than the limit of %zu bytes",
             RP_MAX_DOC_BYTES_DEFAULT);
    assert_skipped_within_a_gib(at("endless"), why);
    kill(writer, SIGKILL);
    assert_int_equal(waitpid(writer, &status, 0), writer);
}

static void test_default_limit_is_256_mib(void **state)
{
    rp_read_options ro;

    (void)state;
    rp_read_options_init(&ro);
    assert_int_equal(ro.max_doc_bytes, (size_t)256 << 20);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_default_limit_is_256_mib),
        cmocka_unit_test(test_zstd_bomb_is_skipped_as_a_bomb_within_a_gib),
        cmocka_unit_test(test_zstd_bomb_named_jsonl_is_skipped_as_a_bomb_within_a_gib),
        cmocka_unit_test(test_dev_zero_named_is_skipped_as_binary_within_a_gib),
        cmocka_unit_test(test_dev_zero_in_a_folder_is_skipped_as_a_device_within_a_gib),
        cmocka_unit_test(test_endless_fifo_stops_at_the_default_limit_within_a_gib),
    };
    return cmocka_run_group_tests(tests, setup_tmp, teardown_tmp);
}
