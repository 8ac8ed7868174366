/*
 * test_bounds.c - tiny or endless inputs that would make the reader hold gigabytes: a zstd bomb
 * (plain and named .jsonl.zst), /dev/zero named directly and planted in a folder as a symlink,
 * and a FIFO fed text without end. Each is read with the default options in a forked child
 * under a 1 GiB address-space limit and must be skipped cleanly with its reason. JSONL and
 * split inputs of 1.2 GiB through a FIFO, with lines and parts over the limit: those are
 * skipped and the rest read, within the same limit.
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

/* Forks; the child (0 returned) limits its address space to 1 GiB (not under AddressSanitizer,
 * whose shadow memory needs terabytes of it). */
static pid_t fork_within_a_gib(void)
{
    pid_t pid = fork();

    assert_true(pid >= 0);
#ifndef RP_TEST_ASAN
    if (pid == 0) {
        struct rlimit rl = {ADDRESS_LIMIT, ADDRESS_LIMIT};
        if (setrlimit(RLIMIT_AS, &rl) != 0)
            _exit(13);
    }
#endif
    return pid;
}

/* Asserts that a child's status says it exited 0. */
static void assert_exited_ok(int status)
{
    assert_true(WIFEXITED(status));
    assert_int_equal(WEXITSTATUS(status), 0);
}

/* Expects path to be skipped for `why` in a child limited to 1 GiB of address space. */
static void assert_skipped_within_a_gib(const char *path, const char *why)
{
    pid_t pid = fork_within_a_gib();
    int status;

    if (pid == 0)
        _exit(read_expect_skip(path, why));
    assert_int_equal(waitpid(pid, &status, 0), pid);
    assert_exited_ok(status);
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

/* ---- JSONL and split inputs are cut as read: memory held does not grow with the file ---- */

#define HUGE_LINE ((size_t)600 << 20) /* two of them: more than the address space allowed */

/* In a forked writer: small lines and huge ones into the FIFO at rel, then exits. `kinds` is
 * one letter a line: 's' a small line, pre, its number and post, 'h' HUGE_LINE bytes of
 * words on one line, 'p' HUGE_LINE bytes of short lines (a huge part of small lines). */
static pid_t write_fifo(const char *rel, const char *kinds, const char *pre, const char *post)
{
    pid_t pid;

    assert_int_equal(mkfifo(at(rel), 0600), 0);
    pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        static char chunk[1 << 16];
        FILE *f = fopen(at(rel), "w");
        signal(SIGPIPE, SIG_DFL);
        if (!f)
            _exit(1);
        for (int i = 0; kinds[i]; i++) {
            if (kinds[i] == 's') {
                fprintf(f, "%s%d%s", pre, i + 1, post);
                continue;
            }
            for (size_t k = 0; k < sizeof(chunk); k++)
                chunk[k] =
                    k % 8 == 7 ? (kinds[i] == 'p' && k % 64 == 63 ? '\n' : ' ') : 'a' + k % 7;
            for (size_t done = 0; done < HUGE_LINE; done += sizeof(chunk))
                if (fwrite(chunk, 1, sizeof(chunk), f) != sizeof(chunk))
                    _exit(2);
            fputc('\n', f);
        }
        _exit(fclose(f) == 0 ? 0 : 3);
    }
    return pid;
}

/* A name without the leading tmp_root and '/'. */
static const char *short_name(const char *name)
{
    size_t n = strlen(tmp_root);
    return strncmp(name, tmp_root, n) == 0 && name[n] == '/' ? name + n + 1 : name;
}

/* In the child: reads path (JSONL, or cut by --split) with the default limit; 0 when the
 * documents are exactly `names` (comma-separated, tmp_root left out) and the skipped inputs
 * `skips` with the reason `why`, else a distinct code (and a line on stderr). */
static int read_expect(const char *path, const char *split, const char *names, const char *skips,
                       const char *why)
{
    char got[512] = "", got_skips[512] = "";
    rp_corpus *c = NULL;
    rp_read_options ro;
    rp_status st;

    rp_read_options_init(&ro);
    ro.threads = 1;
    ro.split = split;
    if (rp_corpus_new(&c) != RP_OK)
        return 10;
    if ((st = rp_corpus_read(c, path, &ro)) != RP_OK) {
        fprintf(stderr, "%s: %s\n", path, rp_strerror(st));
        return 11;
    }
    for (uint32_t i = 0; i < rp_corpus_count(c); i++)
        snprintf(got + strlen(got), sizeof(got) - strlen(got), "%s%s", i ? "," : "",
                 short_name(rp_corpus_doc(c, i)->name));
    for (size_t i = 0; i < rp_corpus_skipped_count(c); i++) {
        const rp_skip *sk = rp_corpus_skipped(c, i);
        if (strcmp(sk->reason, why) != 0) {
            fprintf(stderr, "%s: skipped %s for '%s'\n", path, sk->input, sk->reason);
            return 12;
        }
        snprintf(got_skips + strlen(got_skips), sizeof(got_skips) - strlen(got_skips), "%s%s",
                 i ? "," : "", short_name(sk->input));
    }
    rp_corpus_free(c);
    if (strcmp(got, names) != 0 || strcmp(got_skips, skips) != 0) {
        fprintf(stderr, "%s: documents '%s', skipped '%s'\n", path, got, got_skips);
        return 14;
    }
    return 0;
}

/* Runs read_expect in a child limited to 1 GiB of address space, then reaps the writer. */
static void assert_read_within_a_gib(pid_t writer, const char *path, const char *split,
                                     const char *names, const char *skips, const char *why)
{
    pid_t pid = fork_within_a_gib();
    int status;

    if (pid == 0)
        _exit(read_expect(path, split, names, skips, why));
    assert_int_equal(waitpid(pid, &status, 0), pid);
    kill(writer, SIGKILL);
    waitpid(writer, NULL, 0);
    assert_exited_ok(status);
}

/* 1.2 GiB of JSONL: lines 2 and 4 are 600 MiB each, over the default limit; the others are
 * read. Loaded whole, the file would not fit in the address space. */
static void test_jsonl_lines_over_the_limit_are_skipped_within_a_gib(void **state)
{
    char why[96];
    pid_t writer;

    (void)state;
    skip_under_valgrind();
    writer =
        write_fifo("items.jsonl", "shshs", "{\"id\":\"item", "\",\"text\":\"a short item\"}\n");
    snprintf(why, sizeof(why), "line longer than the limit of %zu bytes", RP_MAX_DOC_BYTES_DEFAULT);
    assert_read_within_a_gib(writer, at("items.jsonl"), NULL, "item1,item3,item5",
                             "items.jsonl:2,items.jsonl:4", why);
}

/* 1.2 GiB cut by --split: part 3 holds 600 MiB of short lines, part 5 one 600 MiB line; both
 * are skipped under their numbers and the small parts around them are read. */
static void test_split_parts_over_the_limit_are_skipped_within_a_gib(void **state)
{
    char why[96];
    pid_t writer;

    (void)state;
    skip_under_valgrind();
    writer = write_fifo("parts.txt", "ssspsshs", "---\n", ": a short part\n");
    snprintf(why, sizeof(why), "document larger than the limit of %zu bytes",
             RP_MAX_DOC_BYTES_DEFAULT);
    assert_read_within_a_gib(writer, at("parts.txt"), "^---$",
                             "parts.txt#1,parts.txt#2,parts.txt#4,parts.txt#6",
                             "parts.txt#3,parts.txt#5", why);
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
        cmocka_unit_test(test_jsonl_lines_over_the_limit_are_skipped_within_a_gib),
        cmocka_unit_test(test_split_parts_over_the_limit_are_skipped_within_a_gib),
    };
    return cmocka_run_group_tests(tests, setup_tmp, teardown_tmp);
}
