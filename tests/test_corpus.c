/*
 * test_corpus.c - the corpus and its input readers: files, directory walks (order, names,
 * hidden entries, symlink loops, FIFOs, unreadable entries), stdin, gzip and zstd, binary and
 * UTF-16 input, JSONL (ids, metadata, bad lines, raw lines), --split/--split-after, size
 * limits, and allocation failure. Fixtures are written at test time into a mkdtemp directory.
 */
#include "corpus/corpus.h"
#include "base/base.h"
#include "fixture.h"

/* cmocka needs these first, in this order */
/* clang-format off */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
/* clang-format on */

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include <zlib.h>
#include <zstd.h>

/* ---- fixtures ---- */

static char tmp_root[64];
static char path_buf[4][512];
static int path_slot;

/* tmp_root/rel, in one of a few rotating static buffers (enough for one assertion). */
static const char *at(const char *rel)
{
    char *p = path_buf[path_slot++ % 4];
    snprintf(p, sizeof(path_buf[0]), "%s/%s", tmp_root, rel);
    return p;
}

static void put(const char *rel, const void *bytes, size_t len)
{
    FILE *f = fopen(at(rel), "wb");
    assert_non_null(f);
    assert_int_equal(fwrite(bytes, 1, len, f), len);
    assert_int_equal(fclose(f), 0);
}

static void puts_file(const char *rel, const char *text)
{
    put(rel, text, strlen(text));
}

static void make_dir(const char *rel)
{
    assert_int_equal(mkdir(at(rel), 0755), 0);
}

static int setup_tmp(void **state)
{
    strcpy(tmp_root, "/tmp/rp-corpus-XXXXXX");
    if (!mkdtemp(tmp_root))
        return -1;
    chmod(tmp_root, 0755); /* the unreadable-file case runs as nobody */
    return 0;
}

static int teardown_tmp(void **state)
{
    fixture_remove_tree(tmp_root);
    return 0;
}

static rp_corpus *read_path(const char *path, const rp_read_options *ro)
{
    rp_corpus *c = NULL;
    assert_int_equal(rp_corpus_new(&c), RP_OK);
    assert_int_equal(rp_corpus_read(c, path, ro), RP_OK);
    return c;
}

static void assert_doc(const rp_corpus *c, uint32_t id, const char *name, const char *bytes,
                       size_t offset)
{
    const rp_doc *d = rp_corpus_doc(c, id);
    assert_non_null(d);
    assert_string_equal(d->name, name);
    assert_int_equal(d->len, strlen(bytes));
    assert_memory_equal(d->bytes, bytes, d->len);
    assert_int_equal(d->offset, offset);
}

static void assert_skip(const rp_corpus *c, size_t i, const char *input, const char *reason)
{
    const rp_skip *s = rp_corpus_skipped(c, i);
    assert_non_null(s);
    assert_string_equal(s->input, input);
    assert_string_equal(s->reason, reason);
}

static const char sample[] = "The river rose in the night and the ferry stayed ashore.\n"
                             "By noon the water had gone down again.\n";

/* ---- the basic store ---- */

static void test_corpus_add_copies_and_find_names(void **state)
{
    rp_corpus *c = NULL;
    uint32_t id = 99;
    char text[] = "abc";

    assert_int_equal(rp_corpus_new(&c), RP_OK);
    assert_int_equal(rp_corpus_add(c, "one", text, 3, &id), RP_OK);
    assert_int_equal(id, 0);
    text[0] = 'x';
    assert_int_equal(rp_corpus_add(c, "two", "de", 2, NULL), RP_OK);
    assert_int_equal(rp_corpus_count(c), 2);
    assert_doc(c, 0, "one", "abc", 0);
    assert_null(rp_corpus_doc(c, 2));
    assert_int_equal(rp_corpus_find(c, "two", &id), RP_OK);
    assert_int_equal(id, 1);
    assert_int_equal(rp_corpus_find(c, "three", &id), RP_ENOTFOUND);
    assert_int_equal(rp_corpus_skipped_count(c), 0);
    assert_null(rp_corpus_skipped(c, 0));
    rp_corpus_free(c);
    rp_corpus_free(NULL);
}

/* ---- files and directories ---- */

static void test_read_file_is_one_document_named_as_given(void **state)
{
    rp_corpus *c;
    const char *raw;
    size_t raw_len;

    puts_file("one.txt", sample);
    c = read_path(at("one.txt"), NULL);
    assert_int_equal(rp_corpus_count(c), 1);
    assert_doc(c, 0, at("one.txt"), sample, 0);
    assert_null(rp_corpus_doc(c, 0)->meta);
    assert_int_equal(rp_corpus_doc(c, 0)->bytes[strlen(sample)], '\0');
    assert_int_equal(rp_corpus_raw(c, 0, &raw, &raw_len), RP_OK);
    assert_ptr_equal(raw, rp_corpus_doc(c, 0)->bytes);
    assert_int_equal(rp_corpus_raw(c, 1, &raw, &raw_len), RP_ENOTFOUND);
    rp_corpus_free(c);
}

static void test_read_empty_file_is_an_empty_document(void **state)
{
    rp_corpus *c;
    put("empty.txt", "", 0);
    c = read_path(at("empty.txt"), NULL);
    assert_int_equal(rp_corpus_count(c), 1);
    assert_doc(c, 0, at("empty.txt"), "", 0);
    rp_corpus_free(c);
}

static void test_read_missing_path_is_skipped_with_strerror(void **state)
{
    rp_corpus *c = read_path(at("no-such-file.txt"), NULL);
    assert_int_equal(rp_corpus_count(c), 0);
    assert_int_equal(rp_corpus_skipped_count(c), 1);
    assert_skip(c, 0, at("no-such-file.txt"), "No such file or directory");
    rp_corpus_free(c);
}

static void make_walk_tree(void)
{
    make_dir("w");
    make_dir("w/sub");
    make_dir("w/sub/deeper");
    make_dir("w/.git");
    puts_file("w/b.txt", "bee\n");
    puts_file("w/a.txt", "ay\n");
    puts_file("w/B.txt", "big bee\n");
    puts_file("w/a-z.txt", "dash\n");
    puts_file("w/.hidden.txt", "hidden\n");
    puts_file("w/.git/config", "hidden dir\n");
    puts_file("w/sub/z.txt", "zed\n");
    puts_file("w/sub/deeper/0.txt", "zero\n");
    puts_file("w/subway.txt", "train\n");
}

static void test_read_dir_walks_in_byte_order_with_single_slashes(void **state)
{
    static const char *const given[] = {"w", "w/", "w//"};
    make_walk_tree();
    for (size_t g = 0; g < 3; g++) {
        rp_corpus *c = read_path(at(given[g]), NULL);
        assert_int_equal(rp_corpus_count(c), 7);
        /* strcmp order: 'B' < 'a'; "a-z" < "a.txt" ('-' < '.'); "sub" < "subway.txt" */
        assert_doc(c, 0, at("w/B.txt"), "big bee\n", 0);
        assert_doc(c, 1, at("w/a-z.txt"), "dash\n", 0);
        assert_doc(c, 2, at("w/a.txt"), "ay\n", 0);
        assert_doc(c, 3, at("w/b.txt"), "bee\n", 0);
        assert_doc(c, 4, at("w/sub/deeper/0.txt"), "zero\n", 0);
        assert_doc(c, 5, at("w/sub/z.txt"), "zed\n", 0);
        assert_doc(c, 6, at("w/subway.txt"), "train\n", 0);
        assert_int_equal(rp_corpus_skipped_count(c), 0);
        rp_corpus_free(c);
    }
}

static void test_read_hidden_file_named_explicitly_is_read(void **state)
{
    rp_corpus *c;
    puts_file(".dotfile", "explicit\n");
    c = read_path(at(".dotfile"), NULL);
    assert_int_equal(rp_corpus_count(c), 1);
    assert_doc(c, 0, at(".dotfile"), "explicit\n", 0);
    rp_corpus_free(c);
}

static void test_read_dir_skips_symlink_loops_and_dangling_links(void **state)
{
    rp_corpus *c;

    make_dir("loop");
    make_dir("loop/inner");
    puts_file("loop/inner/doc.txt", "inside\n");
    assert_int_equal(symlink("..", at("loop/inner/up")), 0);
    assert_int_equal(symlink("nowhere.txt", at("loop/dangling.txt")), 0);
    assert_int_equal(symlink("inner/doc.txt", at("loop/link.txt")), 0);
    c = read_path(at("loop"), NULL);
    assert_int_equal(rp_corpus_count(c), 2);
    assert_doc(c, 0, at("loop/inner/doc.txt"), "inside\n", 0);
    assert_doc(c, 1, at("loop/link.txt"), "inside\n", 0);
    assert_int_equal(rp_corpus_skipped_count(c), 2);
    assert_skip(c, 0, at("loop/dangling.txt"), "No such file or directory");
    assert_skip(c, 1, at("loop/inner/up"), "symbolic link loop");
    rp_corpus_free(c);
}

static void test_read_dir_skips_a_fifo_with_a_reason(void **state)
{
    rp_corpus *c;

    make_dir("fifo");
    puts_file("fifo/a.txt", "before\n");
    assert_int_equal(mkfifo(at("fifo/b.pipe"), 0644), 0);
    puts_file("fifo/c.txt", "after\n");
    c = read_path(at("fifo"), NULL);
    assert_int_equal(rp_corpus_count(c), 2);
    assert_doc(c, 0, at("fifo/a.txt"), "before\n", 0);
    assert_doc(c, 1, at("fifo/c.txt"), "after\n", 0);
    assert_int_equal(rp_corpus_skipped_count(c), 1);
    assert_skip(c, 0, at("fifo/b.pipe"), "not a regular file (FIFO)");
    rp_corpus_free(c);
}

static void test_read_fifo_named_explicitly_is_read(void **state)
{
    rp_corpus *c;
    pid_t pid;
    int status;

    assert_int_equal(mkfifo(at("direct.pipe"), 0644), 0);
    pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        int fd = open(at("direct.pipe"), O_WRONLY);
        ssize_t n = fd < 0 ? -1 : write(fd, sample, strlen(sample));
        _exit(n == (ssize_t)strlen(sample) ? 0 : 1);
    }
    c = read_path(at("direct.pipe"), NULL);
    assert_int_equal(waitpid(pid, &status, 0), pid);
    assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    assert_int_equal(rp_corpus_count(c), 1);
    assert_doc(c, 0, at("direct.pipe"), sample, 0);
    rp_corpus_free(c);
}

/* The checks of the unreadable-entries case, as an exit code (0: all hold). */
static int check_unreadable(void)
{
    rp_corpus *c = NULL;
    const rp_skip *s0, *s1;
    int bad = 0;

    if (rp_corpus_new(&c) != RP_OK || rp_corpus_read(c, at("locked"), NULL) != RP_OK)
        return 10;
    if (rp_corpus_count(c) != 2 || strcmp(rp_corpus_doc(c, 0)->name, at("locked/a.txt")) != 0 ||
        strcmp(rp_corpus_doc(c, 1)->name, at("locked/d.txt")) != 0)
        bad = 11;
    s0 = rp_corpus_skipped(c, 0);
    s1 = rp_corpus_skipped(c, 1);
    if (rp_corpus_skipped_count(c) != 2 || strcmp(s0->input, at("locked/b.txt")) != 0 ||
        strcmp(s0->reason, "Permission denied") != 0 || strcmp(s1->input, at("locked/c")) != 0 ||
        strcmp(s1->reason, "Permission denied") != 0)
        bad = bad ? bad : 12;
    rp_corpus_free(c);
    return bad;
}

static void test_read_dir_skips_unreadable_entries_and_keeps_the_rest(void **state)
{
    pid_t pid;
    int status;

    make_dir("locked");
    puts_file("locked/a.txt", "readable\n");
    puts_file("locked/b.txt", "secret\n");
    make_dir("locked/c");
    puts_file("locked/c/inside.txt", "unseen\n");
    puts_file("locked/d.txt", "readable too\n");
    assert_int_equal(chmod(at("locked/b.txt"), 0), 0);
    assert_int_equal(chmod(at("locked/c"), 0), 0);
    if (geteuid() != 0) {
        assert_int_equal(check_unreadable(), 0);
        return;
    }
    /* root reads everything: run the reader as nobody in a child */
    pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        if (setgid(65534) != 0 || setuid(65534) != 0)
            _exit(20);
        _exit(check_unreadable());
    }
    assert_int_equal(waitpid(pid, &status, 0), pid);
    assert_true(WIFEXITED(status));
    assert_int_equal(WEXITSTATUS(status), 0);
}

/* ---- stdin ---- */

static rp_corpus *read_stdin(const char *content, const rp_read_options *ro)
{
    int fds[2], saved;
    rp_corpus *c;

    assert_int_equal(pipe(fds), 0);
    assert_int_equal(write(fds[1], content, strlen(content)), (ssize_t)strlen(content));
    close(fds[1]);
    saved = dup(STDIN_FILENO);
    assert_true(saved >= 0);
    assert_int_equal(dup2(fds[0], STDIN_FILENO), STDIN_FILENO);
    close(fds[0]);
    c = read_path("-", ro);
    assert_int_equal(dup2(saved, STDIN_FILENO), STDIN_FILENO);
    close(saved);
    return c;
}

static void test_read_dash_reads_stdin_named_dash(void **state)
{
    rp_corpus *c = read_stdin(sample, NULL);
    assert_int_equal(rp_corpus_count(c), 1);
    assert_doc(c, 0, "-", sample, 0);
    rp_corpus_free(c);
}

static void test_read_stdin_splits_into_dash_parts(void **state)
{
    rp_read_options ro;
    rp_corpus *c;

    rp_read_options_init(&ro);
    ro.split = "^#";
    c = read_stdin("# one\nfirst\n# two\nsecond\n", &ro);
    assert_int_equal(rp_corpus_count(c), 2);
    assert_doc(c, 0, "-#1", "# one\nfirst\n", 0);
    assert_doc(c, 1, "-#2", "# two\nsecond\n", 12);
    rp_corpus_free(c);
}

/* ---- compression ---- */

static void put_gzip(const char *rel, const char *text, int members)
{
    size_t half = strlen(text) / 2;
    gzFile gz = gzopen(at(rel), "wb");
    assert_non_null(gz);
    if (members == 2) {
        assert_int_equal(gzwrite(gz, text, (unsigned)half), (int)half);
        assert_int_equal(gzclose(gz), Z_OK);
        gz = gzopen(at(rel), "ab");
        assert_non_null(gz);
        text += half;
    }
    assert_int_equal(gzwrite(gz, text, (unsigned)strlen(text)), (int)strlen(text));
    assert_int_equal(gzclose(gz), Z_OK);
}

/* zstd frames of text (two frames when asked), written to rel; *len gets the size. */
static void put_zstd(const char *rel, const char *text, int frames, size_t keep)
{
    size_t len = strlen(text), half = frames == 2 ? len / 2 : len, bound, n1, n2 = 0;
    char *out;

    bound = ZSTD_compressBound(len) * 2;
    out = malloc(bound);
    assert_non_null(out);
    n1 = ZSTD_compress(out, bound, text, half, 3);
    assert_false(ZSTD_isError(n1));
    if (frames == 2) {
        n2 = ZSTD_compress(out + n1, bound - n1, text + half, len - half, 3);
        assert_false(ZSTD_isError(n2));
    }
    put(rel, out, keep && keep < n1 + n2 ? keep : n1 + n2);
    free(out);
}

static void test_read_gzip_and_zstd_read_as_the_plain_text(void **state)
{
    rp_corpus *c;

    make_dir("z");
    put_gzip("z/a.txt.gz", sample, 1);
    put_gzip("z/b.gz", sample, 2);
    put_zstd("z/c.txt.zst", sample, 1, 0);
    put_zstd("z/d", sample, 2, 0);
    c = read_path(at("z"), NULL);
    assert_int_equal(rp_corpus_count(c), 4);
    assert_doc(c, 0, at("z/a.txt.gz"), sample, 0);
    assert_doc(c, 1, at("z/b.gz"), sample, 0);
    assert_doc(c, 2, at("z/c.txt.zst"), sample, 0);
    assert_doc(c, 3, at("z/d"), sample, 0);
    assert_int_equal(rp_corpus_skipped_count(c), 0);
    rp_corpus_free(c);
}

/* A walked file is read whole by its first read (the magic number looked at there): files of
 * one to five bytes read back exactly, and a compressed file whose first read stopped at the
 * cap is decoded from its start (skipped for the cap, not as a corrupt stream). */
static void test_read_short_files_and_a_compressed_file_past_the_cap(void **state)
{
    static const char *const texts[] = {"x", "xy", "\x1f\x8b", "four", "fives"};
    rp_read_options ro;
    struct stat st;
    char rel[32], why[64];
    rp_corpus *c;

    make_dir("short");
    for (size_t i = 0; i < 5; i++) {
        snprintf(rel, sizeof(rel), "short/%zu", i);
        puts_file(rel, texts[i]);
    }
    c = read_path(at("short"), NULL);
    assert_int_equal(rp_corpus_count(c), 4);
    assert_doc(c, 0, at("short/0"), "x", 0);
    assert_doc(c, 1, at("short/1"), "xy", 0);
    assert_doc(c, 2, at("short/3"), "four", 0);
    assert_doc(c, 3, at("short/4"), "fives", 0);
    assert_int_equal(rp_corpus_skipped_count(c), 1); /* a gzip magic number and no stream */
    rp_corpus_free(c);

    make_dir("capped");
    put_gzip("capped/a.gz", sample, 1);
    assert_int_equal(stat(at("capped/a.gz"), &st), 0);
    assert_true(st.st_size > 24);
    rp_read_options_init(&ro);
    ro.max_doc_bytes = 24;
    c = read_path(at("capped"), &ro);
    assert_int_equal(rp_corpus_count(c), 0);
    assert_int_equal(rp_corpus_skipped_count(c), 1);
    snprintf(why, sizeof(why), "document larger than the limit of %d bytes", 24);
    assert_skip(c, 0, at("capped/a.gz"), why);
    rp_corpus_free(c);
}

static void test_read_truncated_or_corrupt_streams_are_skipped(void **state)
{
    FILE *f;
    char gz[4096];
    size_t n;
    rp_corpus *c;

    make_dir("bad");
    put_gzip("bad/whole.gz", sample, 1);
    f = fopen(at("bad/whole.gz"), "rb");
    assert_non_null(f);
    n = fread(gz, 1, sizeof(gz), f);
    fclose(f);
    unlink(at("bad/whole.gz"));
    put("bad/a-truncated.gz", gz, n - 12);
    gz[n - 6] ^= 0x55; /* inside the stored CRC-32 */
    put("bad/b-corrupt.gz", gz, n);
    put_zstd("bad/c-truncated.zst", sample, 1, 20);
    put("bad/d-magic-only.zst", "\x28\xb5\x2f\xfd", 4);
    puts_file("bad/e.txt", "fine\n");
    c = read_path(at("bad"), NULL);
    assert_int_equal(rp_corpus_count(c), 1);
    assert_doc(c, 0, at("bad/e.txt"), "fine\n", 0);
    assert_int_equal(rp_corpus_skipped_count(c), 4);
    assert_skip(c, 0, at("bad/a-truncated.gz"), "truncated gzip stream");
    assert_skip(c, 1, at("bad/b-corrupt.gz"), "corrupt gzip stream (incorrect data check)");
    assert_skip(c, 2, at("bad/c-truncated.zst"), "truncated zstd stream");
    assert_skip(c, 3, at("bad/d-magic-only.zst"), "truncated zstd stream");
    rp_corpus_free(c);
}

static void test_read_limits_document_size_even_when_compressed(void **state)
{
    rp_read_options ro;
    char *big = malloc(100001);
    rp_corpus *c;

    assert_non_null(big);
    memset(big, 'a', 100000);
    big[100000] = '\0';
    make_dir("lim");
    put_gzip("lim/bomb.gz", big, 1);
    put_zstd("lim/bomb.zst", big, 1, 0);
    put("lim/exact.txt", big, 1000);
    put("lim/over.txt", big, 1001);
    free(big);
    rp_read_options_init(&ro);
    ro.max_doc_bytes = 1000;
    c = read_path(at("lim"), &ro);
    assert_int_equal(rp_corpus_count(c), 1);
    assert_string_equal(rp_corpus_doc(c, 0)->name, at("lim/exact.txt"));
    assert_int_equal(rp_corpus_doc(c, 0)->len, 1000);
    assert_int_equal(rp_corpus_skipped_count(c), 3);
    assert_skip(c, 0, at("lim/bomb.gz"), "document larger than the limit of 1000 bytes");
    assert_skip(c, 1, at("lim/bomb.zst"), "document larger than the limit of 1000 bytes");
    assert_skip(c, 2, at("lim/over.txt"), "document larger than the limit of 1000 bytes");
    rp_corpus_free(c);
}

/* ---- mapped files ---- */

/* A text of len bytes (lines of words, each line numbered so no two pages are alike). */
static char *text_of(size_t len)
{
    char *t = malloc(len + 1);
    size_t at = 0;
    assert_non_null(t);
    for (unsigned line = 0; at < len; line++) {
        char l[96];
        int n = snprintf(l, sizeof(l), "line %u: the ferry left the harbour at dawn\n", line);
        size_t k = (size_t)n < len - at ? (size_t)n : len - at;
        memcpy(t + at, l, k);
        at += k;
    }
    t[len] = '\0';
    return t;
}

/* Two reads of one document agree: name, bytes, and the NUL after them. */
static void assert_same_doc(const rp_doc *x, const rp_doc *y)
{
    assert_string_equal(x->name, y->name);
    assert_int_equal(x->len, y->len);
    assert_memory_equal(x->bytes, y->bytes, x->len);
    assert_int_equal(y->bytes[y->len], '\0');
}

/* Reading with every plain file mapped gives the documents and skips of reading without:
 * decoded inputs (gzip, UTF-16) and binary files are told apart as before, a file whose
 * size is a whole number of pages still ends in a NUL, a feed is read from the mapping. */
static void test_mapped_files_read_as_the_loaded_ones(void **state)
{
    const size_t saved = rp_corpus_map_min;
    const long page = sysconf(_SC_PAGESIZE);
    char *plain = text_of(20000), *exact = text_of((size_t)page * 2);
    static const char u16[] = "\xff\xfeh\0i\0 \0t\0h\0e\0r\0e\0\n\0";
    static const char feed[] = "<?xml version=\"1.0\"?><rss version=\"2.0\"><channel><title>T"
                               "</title><item><title>Ferry</title><description>The ferry left"
                               " at dawn.</description></item></channel></rss>\n";
    char binary[6000];
    rp_corpus *c[2];
    (void)state;

    memset(binary, 0, sizeof(binary));
    memcpy(binary, "\x7f" "ELF", 4);
    make_dir("mapped");
    puts_file("mapped/a-plain.txt", plain);
    puts_file("mapped/b-exact.txt", exact);
    put("mapped/c-u16.txt", u16, sizeof(u16) - 1);
    put_gzip("mapped/d-plain.txt.gz", plain, 1);
    put("mapped/e-binary.dat", binary, sizeof(binary));
    puts_file("mapped/f-feed.xml", feed);
    puts_file("mapped/g-empty.txt", "");
    for (int m = 0; m < 2; m++) {
        rp_corpus_map_min = m ? 1 : SIZE_MAX;
        c[m] = read_path(at("mapped"), NULL);
    }
    rp_corpus_map_min = saved;
    assert_true(rp_corpus_count(c[0]) >= 5);
    assert_int_equal(rp_corpus_count(c[1]), rp_corpus_count(c[0]));
    for (uint32_t d = 0; d < rp_corpus_count(c[0]); d++) {
        const rp_doc *x = rp_corpus_doc(c[0], d), *y = rp_corpus_doc(c[1], d);
        assert_same_doc(x, y);
        if ((x->title == NULL) != (y->title == NULL) || (x->title && strcmp(x->title, y->title)))
            fail_msg("title of %s differs", x->name);
    }
    assert_int_equal(rp_corpus_skipped_count(c[1]), rp_corpus_skipped_count(c[0]));
    assert_true(rp_corpus_skipped_count(c[0]) >= 1); /* the binary file */
    for (size_t i = 0; i < rp_corpus_skipped_count(c[0]); i++) {
        assert_string_equal(rp_corpus_skipped(c[1], i)->input, rp_corpus_skipped(c[0], i)->input);
        assert_string_equal(rp_corpus_skipped(c[1], i)->reason,
                            rp_corpus_skipped(c[0], i)->reason);
    }
    assert_int_equal(rp_corpus_doc(c[1], 1)->len, (size_t)page * 2); /* b-exact.txt */
    assert_null(rp_corpus_changed(c[1]));
    rp_corpus_free(c[0]);
    rp_corpus_free(c[1]);
    free(plain);
    free(exact);
}

/* A mapped file truncated while the corpus holds it: reading its bytes does not crash (the
 * bytes past the new end read as zeros, those before it are kept), a scan of it runs on its
 * worker threads, and rp_corpus_changed names it. */
static void test_a_mapped_file_truncated_while_held_reads_zeros_and_is_named(void **state)
{
    const size_t saved = rp_corpus_map_min, len = 256 * 1024;
    char *text = text_of(len);
    rp_corpus *c;
    rp_options o;
    rp_scan *scan = NULL;
    size_t nonzero = 0;
    (void)state;

    /* valgrind runs the program on a translation and turns the SIGBUS of a page past a
     * mapped file's end into a SIGSEGV at no real address: only a plain run (and ASan) can
     * show what the guard does. valgrind preloads its vgpreload_*.so libraries. */
    const char *preload = getenv("LD_PRELOAD");
    if (preload && strstr(preload, "vgpreload")) {
        free(text);
        skip();
    }
    rp_corpus_map_min = 4096;
    make_dir("shrinks");
    puts_file("shrinks/big.txt", text);
    puts_file("shrinks/small.txt", "a small file stays as it was read\n");
    c = read_path(at("shrinks"), NULL);
    rp_corpus_map_min = saved;
    assert_int_equal(rp_corpus_count(c), 2);
    assert_null(rp_corpus_changed(c));
    const rp_doc *d = rp_corpus_doc(c, 0);
    assert_int_equal(d->len, len);
    assert_memory_equal(d->bytes, text, len);

    assert_int_equal(truncate(at("shrinks/big.txt"), 100), 0);
    for (size_t i = 100; i < len; i++)
        nonzero += d->bytes[i] != 0;
    assert_int_equal(nonzero, 0);
    assert_memory_equal(d->bytes, text, 100);
    assert_non_null(rp_corpus_changed(c));
    assert_string_equal(rp_corpus_changed(c), at("shrinks/big.txt"));

    rp_options_init(&o);
    o.threads = 2;
    assert_int_equal(rp_scan_run(c, &o, NULL, NULL, &scan), RP_OK);
    rp_scan_free(scan);
    rp_corpus_free(c);
    free(text);
}

/* A SIGBUS that no fault raised (sent with kill(2) or raise(3)) is never taken for a mapped
 * file's truncation: with a file mapped and the guard installed, it still ends the program. */
static void test_a_sent_sigbus_is_not_swallowed_by_the_guard(void **state)
{
    const size_t saved = rp_corpus_map_min;
    char *text = text_of(64 * 1024);
    int status = 0;
    pid_t pid;
    (void)state;

    make_dir("sent");
    puts_file("sent/big.txt", text);
    free(text);
    fflush(NULL);
    pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        signal(SIGBUS, SIG_DFL); /* not cmocka's handler: the guard finds the default one */
        rp_corpus_map_min = 4096;
        rp_corpus *c = read_path(at("sent/big.txt"), NULL);
        if (rp_corpus_count(c) != 1)
            _exit(10);
        raise(SIGBUS); /* si_code SI_TKILL: not a fault */
        _exit(0);      /* swallowed: the guard took it for a truncation */
    }
    rp_corpus_map_min = saved;
    assert_int_equal(waitpid(pid, &status, 0), pid);
    assert_true(WIFSIGNALED(status));
    assert_int_equal(WTERMSIG(status), SIGBUS);
}

/* A feed is parsed out of its mapping, which is then let go: a shrinking seen meanwhile is
 * recorded (rp_corpus_note_changed, called by the reader when the mapping was hit) and
 * rp_corpus_changed names that input afterwards, the first one recorded. Timing a real
 * truncation between mapping and parsing would need a hook in the reader. */
static void test_a_changed_input_is_named_after_its_mapping_is_gone(void **state)
{
    const size_t saved = rp_corpus_map_min;
    rp_buf feed = RP_BUF_INIT;
    (void)state;

    const char *preload = getenv("LD_PRELOAD");
    if (preload && strstr(preload, "vgpreload"))
        skip();
    assert_int_equal(rp_buf_addf(&feed, "<?xml version=\"1.0\"?>\n<rss version=\"2.0\"><channel>"
                                        "<title>t</title>\n"), RP_OK);
    for (int i = 0; feed.len < 64 * 1024; i++)
        assert_int_equal(rp_buf_addf(&feed, "<item><guid>g%d</guid><title>item %d</title>"
                                            "<description>words of item %d</description></item>\n",
                                     i, i, i),
                         RP_OK);
    assert_int_equal(rp_buf_addf(&feed, "</channel></rss>\n"), RP_OK);
    make_dir("feedshrinks");
    puts_file("feedshrinks/feed.xml", feed.data);

    rp_corpus_map_min = 4096;
    rp_corpus *c = read_path(at("feedshrinks/feed.xml"), NULL);
    rp_corpus_map_min = saved;
    assert_true(rp_corpus_count(c) > 100);
    assert_null(rp_corpus_changed(c)); /* parsed whole: the mapping is gone and not hit */
    rp_corpus_note_changed(c, at("feedshrinks/feed.xml"));
    assert_string_equal(rp_corpus_changed(c), at("feedshrinks/feed.xml"));
    rp_corpus_note_changed(c, "another"); /* the first one is named */
    assert_string_equal(rp_corpus_changed(c), at("feedshrinks/feed.xml"));
    rp_corpus_free(c);
    rp_buf_release(&feed);
}

/* With the text kept in a temporary file (rp_read_options.text_in_file), the documents read
 * as in memory: plain files, JSONL lines, split parts, more than one read into one corpus,
 * and the pages handed back between reads of them. */
static void test_text_in_file_reads_as_in_memory(void **state)
{
    char *plain = text_of(30000);
    rp_corpus *c[2];
    (void)state;

    make_dir("infile");
    puts_file("infile/a.txt", plain);
    puts_file("infile/b.txt", "a short one\n");
    puts_file("infile/c.jsonl", "{\"id\":\"x\",\"text\":\"the ferry\"}\n{\"id\":\"y\",\"text\":\"left\"}\n");
    puts_file("infile/d.txt", "");
    for (int m = 0; m < 2; m++) {
        rp_read_options ro;
        rp_read_options_init(&ro);
        ro.text_in_file = m == 1;
        ro.tmp_dir = tmp_root;
        assert_int_equal(rp_corpus_new(&c[m]), RP_OK);
        assert_int_equal(rp_corpus_read(c[m], at("infile"), &ro), RP_OK);
        assert_int_equal(rp_corpus_read(c[m], at("infile/a.txt"), &ro), RP_OK);
    }
    assert_int_equal(rp_corpus_count(c[0]), 6); /* a, b, x, y, d (empty), a again */
    assert_int_equal(rp_corpus_count(c[1]), rp_corpus_count(c[0]));
    for (int round = 0; round < 2; round++) {
        for (uint32_t d = 0; d < rp_corpus_count(c[0]); d++) {
            assert_same_doc(rp_corpus_doc(c[0], d), rp_corpus_doc(c[1], d));
            const char *raw[2];
            size_t raw_len[2];
            assert_int_equal(rp_corpus_raw(c[0], d, &raw[0], &raw_len[0]), RP_OK);
            assert_int_equal(rp_corpus_raw(c[1], d, &raw[1], &raw_len[1]), RP_OK);
            assert_int_equal(raw_len[0], raw_len[1]);
            assert_memory_equal(raw[0], raw[1], raw_len[0]);
        }
        rp_corpus_text_read(c[1], RP_TEXT_RELEASE_EVERY); /* pages back: read again */
    }
    rp_corpus_free(c[0]);
    rp_corpus_free(c[1]);
    free(plain);
}

/* ---- binary and UTF-16 ---- */

static void test_read_binary_is_skipped_but_a_stray_nul_is_text(void **state)
{
    unsigned char bin[2048];
    char text[200];
    rp_corpus *c;

    for (size_t i = 0; i < sizeof(bin); i++)
        bin[i] = (unsigned char)(i * 7 + i / 256);
    memset(text, 'x', sizeof(text));
    text[50] = '\0';
    make_dir("bin");
    put("bin/a.bin", bin, sizeof(bin));
    put("bin/b.txt", text, sizeof(text));
    c = read_path(at("bin"), NULL);
    assert_int_equal(rp_corpus_count(c), 1);
    assert_string_equal(rp_corpus_doc(c, 0)->name, at("bin/b.txt"));
    assert_int_equal(rp_corpus_doc(c, 0)->len, sizeof(text));
    assert_memory_equal(rp_corpus_doc(c, 0)->bytes, text, sizeof(text));
    assert_int_equal(rp_corpus_skipped_count(c), 1);
    assert_skip(c, 0, at("bin/a.bin"), "binary file");
    rp_corpus_free(c);
}

static void test_is_binary_follows_the_documented_rule(void **state)
{
    char buf[1000];

    memset(buf, 'a', sizeof(buf));
    assert_false(rp_corpus_is_binary(buf, sizeof(buf)));
    memset(buf, 0, 10); /* 1%: not over it, and no other controls */
    assert_false(rp_corpus_is_binary(buf, sizeof(buf)));
    buf[10] = '\0'; /* 1.1% */
    assert_true(rp_corpus_is_binary(buf, sizeof(buf)));
    memset(buf, 'a', sizeof(buf));
    buf[0] = '\0';
    memset(buf + 1, 0x01, 50); /* one NUL and 5.1% controls */
    assert_true(rp_corpus_is_binary(buf, sizeof(buf)));
    memset(buf + 1, '\n', 50); /* line breaks are not controls */
    assert_false(rp_corpus_is_binary(buf, sizeof(buf)));
    assert_false(rp_corpus_is_binary("", 0));
}

static void test_read_utf16_with_bom_is_converted_to_utf8(void **state)
{
    /* "hé 𝄞\n" in UTF-16LE and BE, then an unpaired high surrogate and an odd last byte */
    static const char le[] = "\xff\xfe"
                             "h\0"
                             "\xe9\0"
                             " \0"
                             "\x34\xd8\x1e\xdd"
                             "\n\0";
    static const char be[] = "\xfe\xff"
                             "\0h"
                             "\0\xe9"
                             "\0 "
                             "\xd8\x34\xdd\x1e"
                             "\0\n"
                             "\xd8\x00"
                             "\0a"
                             "\x01";
    static const char want[] = "h\xc3\xa9 \xf0\x9d\x84\x9e\n";
    rp_corpus *c;

    make_dir("u16");
    put("u16/le.txt", le, sizeof(le) - 1);
    put("u16/be.txt", be, sizeof(be) - 1);
    c = read_path(at("u16"), NULL);
    assert_int_equal(rp_corpus_count(c), 2);
    assert_doc(c, 0, at("u16/be.txt"),
               "h\xc3\xa9 \xf0\x9d\x84\x9e\n\xef\xbf\xbd"
               "a\xef\xbf\xbd",
               0);
    assert_doc(c, 1, at("u16/le.txt"), want, 0);
    rp_corpus_free(c);
}

/* ---- JSONL ---- */

static const char jsonl_text[] =
    "{\"id\":\"a1\",\"text\":\"first text\",\"score\":2,\"lang\":\"en\"}\n"
    "\n"
    "{\"id\":42,\"text\":\"second\"}\r\n"
    "{\"text\":\"third\",\"b\":[1,2],\"a\":{\"y\":1,\"x\":\"\\u00e9\"}}\n"
    "{not json\n"
    "{\"id\":\"x\",\"text\":5}\n"
    "  \t \n"
    "[1,2]\n"
    "{\"id\":1.5,\"text\":\"float id\"}\n"
    "{\"id\":\"\",\"text\":\"empty id\"}";

static void test_read_jsonl_names_texts_and_metadata(void **state)
{
    rp_corpus *c;
    const char *raw;
    size_t raw_len;
    char input[600];

    puts_file("items.jsonl", jsonl_text);
    c = read_path(at("items.jsonl"), NULL);
    assert_int_equal(rp_corpus_count(c), 5);
    assert_doc(c, 0, "a1", "first text", 0);
    assert_string_equal(rp_corpus_doc(c, 0)->meta, "{\"lang\":\"en\",\"score\":2}");
    assert_doc(c, 1, "42", "second", 0);
    assert_null(rp_corpus_doc(c, 1)->meta);
    snprintf(input, sizeof(input), "%s:4", at("items.jsonl"));
    assert_doc(c, 2, input, "third", 0);
    assert_string_equal(rp_corpus_doc(c, 2)->meta,
                        "{\"a\":{\"x\":\"\xc3\xa9\",\"y\":1},\"b\":[1,2]}");
    snprintf(input, sizeof(input), "%s:9", at("items.jsonl"));
    assert_doc(c, 3, input, "float id", 0);
    assert_string_equal(rp_corpus_doc(c, 3)->meta, "{\"id\":1.5}");
    snprintf(input, sizeof(input), "%s:10", at("items.jsonl"));
    assert_doc(c, 4, input, "empty id", 0);

    assert_int_equal(rp_corpus_skipped_count(c), 3);
    snprintf(input, sizeof(input), "%s:5", at("items.jsonl"));
    assert_skip(c, 0, input, "malformed JSON: string or '}' expected near 'not'");
    snprintf(input, sizeof(input), "%s:6", at("items.jsonl"));
    assert_skip(c, 1, input, "no string field 'text'");
    snprintf(input, sizeof(input), "%s:8", at("items.jsonl"));
    assert_skip(c, 2, input, "not a JSON object");

    assert_int_equal(rp_corpus_raw(c, 0, &raw, &raw_len), RP_OK);
    assert_int_equal(raw_len, 53);
    assert_memory_equal(raw, jsonl_text, raw_len);
    assert_int_equal(rp_corpus_raw(c, 1, &raw, &raw_len), RP_OK); /* without its \r\n */
    assert_int_equal(raw_len, strlen("{\"id\":42,\"text\":\"second\"}"));
    assert_memory_equal(raw, "{\"id\":42,\"text\":\"second\"}", raw_len);
    rp_corpus_free(c);
}

/* n levels of {"m": ... } around a string, with brackets in strings that must not count. */
static char *nested_line(int levels)
{
    rp_buf b = RP_BUF_INIT;
    char *out = NULL;

    assert_int_equal(rp_buf_adds(&b, "{\"text\":\"deep [[{{ \\\" {\",\"meta\":"), RP_OK);
    for (int i = 1; i < levels; i++)
        assert_int_equal(rp_buf_adds(&b, "{\"m\":"), RP_OK);
    assert_int_equal(rp_buf_adds(&b, "\"}}]]\""), RP_OK);
    for (int i = 0; i < levels; i++)
        assert_int_equal(rp_buf_addc(&b, '}'), RP_OK);
    assert_int_equal(rp_buf_addc(&b, '\n'), RP_OK);
    rp_buf_detach(&b, &out);
    return out;
}

static void test_read_jsonl_skips_lines_nested_deeper_than_64_levels(void **state)
{
    char *ok = nested_line(64), *deep = nested_line(65), *deeper = nested_line(2000);
    char input[600];
    FILE *f = fopen(at("deep.jsonl"), "w");
    rp_corpus *c;

    assert_non_null(f);
    fputs(ok, f);
    fputs(deep, f);
    fputs(deeper, f);
    assert_int_equal(fclose(f), 0);
    c = read_path(at("deep.jsonl"), NULL);
    assert_int_equal(rp_corpus_count(c), 1);
    snprintf(input, sizeof(input), "%s:1", at("deep.jsonl"));
    assert_doc(c, 0, input, "deep [[{{ \" {", 0);
    assert_int_equal(rp_corpus_skipped_count(c), 2);
    snprintf(input, sizeof(input), "%s:2", at("deep.jsonl"));
    assert_skip(c, 0, input, "JSON nested deeper than 64 levels");
    snprintf(input, sizeof(input), "%s:3", at("deep.jsonl"));
    assert_skip(c, 1, input, "JSON nested deeper than 64 levels");
    rp_corpus_free(c);
    rp_free(ok);
    rp_free(deep);
    rp_free(deeper);
}

static void test_read_jsonl_by_option_fields_and_compression(void **state)
{
    rp_read_options ro;
    rp_corpus *c;

    puts_file("fields.txt", "\xef\xbb\xbf{\"key\":7,\"body\":\"seven\",\"text\":\"other\"}\n");
    put_gzip("packed.ndjson.gz", "{\"id\":\"g\",\"text\":\"zipped\"}\n", 1);
    rp_read_options_init(&ro);
    ro.jsonl = true;
    ro.id_field = "key";
    ro.text_field = "body";
    c = read_path(at("fields.txt"), &ro);
    assert_int_equal(rp_corpus_count(c), 1);
    assert_doc(c, 0, "7", "seven", 0);
    assert_string_equal(rp_corpus_doc(c, 0)->meta, "{\"text\":\"other\"}");
    rp_corpus_free(c);

    c = read_path(at("packed.ndjson.gz"), NULL);
    assert_int_equal(rp_corpus_count(c), 1);
    assert_doc(c, 0, "g", "zipped", 0);
    rp_corpus_free(c);
}

static void test_read_jsonl_from_stdin_names_lines_dash_line(void **state)
{
    rp_read_options ro;
    rp_corpus *c;

    rp_read_options_init(&ro);
    ro.jsonl = true;
    c = read_stdin("{\"text\":\"no id\"}\n", &ro);
    assert_int_equal(rp_corpus_count(c), 1);
    assert_doc(c, 0, "-:1", "no id", 0);
    rp_corpus_free(c);
}

/* ---- split ---- */

static void test_split_starts_parts_and_drops_blank_ones(void **state)
{
    rp_read_options ro;
    rp_corpus *c;

    puts_file("s.txt", "\n  \n== A\nalpha\n\n== B\n== C\ngamma\n");
    rp_read_options_init(&ro);
    ro.split = "^== ";
    c = read_path(at("s.txt"), &ro);
    assert_int_equal(rp_corpus_count(c), 3);
    assert_doc(c, 0, at("s.txt#1"), "== A\nalpha\n\n", 4);
    assert_doc(c, 1, at("s.txt#2"), "== B\n", 16);
    assert_doc(c, 2, at("s.txt#3"), "== C\ngamma\n", 21);
    assert_int_equal(rp_corpus_skipped_count(c), 0);
    rp_corpus_free(c);
}

static void test_split_after_ends_parts_with_the_matching_line(void **state)
{
    rp_read_options ro;
    rp_corpus *c;

    puts_file("sa.txt", "one\nEND\n \t\nEND\ntwo\nEND\n\n");
    rp_read_options_init(&ro);
    ro.split_after = "^END$";
    c = read_path(at("sa.txt"), &ro);
    assert_int_equal(rp_corpus_count(c), 3);
    assert_doc(c, 0, at("sa.txt#1"), "one\nEND\n", 0);
    assert_doc(c, 1, at("sa.txt#2"), " \t\nEND\n", 8);
    assert_doc(c, 2, at("sa.txt#3"), "two\nEND\n", 15);
    rp_corpus_free(c);
}

static void test_split_ignores_cr_and_handles_no_match_and_empty(void **state)
{
    rp_read_options ro;
    rp_corpus *c;

    puts_file("crlf.txt", "one\r\nEND\r\ntwo\r\nEND");
    puts_file("nomatch.txt", "nothing to cut\n");
    put("blank.txt", "\n\n", 2);
    rp_read_options_init(&ro);
    ro.split_after = "^END$";
    c = read_path(at("crlf.txt"), &ro);
    assert_int_equal(rp_corpus_count(c), 2);
    assert_doc(c, 0, at("crlf.txt#1"), "one\r\nEND\r\n", 0);
    assert_doc(c, 1, at("crlf.txt#2"), "two\r\nEND", 10);
    assert_int_equal(rp_corpus_read(c, at("nomatch.txt"), &ro), RP_OK);
    assert_int_equal(rp_corpus_read(c, at("blank.txt"), &ro), RP_OK);
    assert_int_equal(rp_corpus_count(c), 3);
    assert_doc(c, 2, at("nomatch.txt#1"), "nothing to cut\n", 0);
    assert_int_equal(rp_corpus_skipped_count(c), 0);
    rp_corpus_free(c);
}

static void test_split_and_split_after_together_with_a_part_limit(void **state)
{
    rp_read_options ro;
    rp_corpus *c;

    puts_file("both.txt", "head\nSTART x\nbody that is long\nSTOP\ntail\n");
    rp_read_options_init(&ro);
    ro.split = "^START";
    ro.split_after = "^STOP";
    ro.max_doc_bytes = 10;
    c = read_path(at("both.txt"), &ro);
    assert_int_equal(rp_corpus_count(c), 2);
    assert_doc(c, 0, at("both.txt#1"), "head\n", 0);
    assert_doc(c, 1, at("both.txt#3"), "tail\n", 36);
    assert_int_equal(rp_corpus_skipped_count(c), 1);
    assert_skip(c, 0, at("both.txt#2"), "document larger than the limit of 10 bytes");
    rp_corpus_free(c);
}

static void test_split_bad_regex_is_eformat_before_reading(void **state)
{
    rp_read_options ro;
    rp_corpus *c = NULL;
    char msg[200];

    puts_file("r.txt", "text\n");
    rp_read_options_init(&ro);
    ro.split_after = "(unclosed";
    assert_int_equal(rp_corpus_new(&c), RP_OK);
    assert_int_equal(rp_corpus_read(c, at("r.txt"), &ro), RP_EFORMAT);
    assert_int_equal(rp_corpus_count(c), 0);
    assert_int_equal(rp_corpus_skipped_count(c), 0);
    rp_corpus_free(c);
    assert_int_equal(rp_read_options_check(&ro, msg, sizeof(msg)), RP_EFORMAT);
    assert_string_equal(msg, "invalid split-after regex '(unclosed': Unmatched ( or \\(");
    ro.split_after = NULL;
    ro.split = "^ok";
    assert_int_equal(rp_read_options_check(&ro, msg, sizeof(msg)), RP_OK);
    assert_string_equal(msg, "");
}

static void test_split_refuses_back_references_naming_the_option(void **state)
{
    rp_read_options ro;
    rp_corpus *c = NULL;
    char msg[200];

    puts_file("b.txt", "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaab\n");
    rp_read_options_init(&ro);
    ro.split = "(a*)*\\1$";
    assert_int_equal(rp_read_options_check(&ro, msg, sizeof(msg)), RP_EFORMAT);
    assert_string_equal(msg, "invalid split regex '(a*)*\\1$': back-reference \\1 is not part "
                             "of POSIX extended regular expressions");
    assert_int_equal(rp_corpus_new(&c), RP_OK);
    assert_int_equal(rp_corpus_read(c, at("b.txt"), &ro), RP_EFORMAT);
    rp_corpus_free(c);
    ro.split = NULL;
    ro.split_after = "^(x)y\\9";
    assert_int_equal(rp_read_options_check(&ro, msg, sizeof(msg)), RP_EFORMAT);
    assert_string_equal(msg, "invalid split-after regex '^(x)y\\9': back-reference \\9 is not "
                             "part of POSIX extended regular expressions");
}

static void test_split_allows_escaped_backslashes_and_digits_in_brackets(void **state)
{
    rp_read_options ro;
    char msg[200];

    rp_read_options_init(&ro);
    ro.split = "^\\\\1 [\\1] []\\1] [[:digit:]\\2]\\.";
    assert_int_equal(rp_read_options_check(&ro, msg, sizeof(msg)), RP_OK);
    ro.split = "[^]\\3]x\\\\\\4";
    assert_int_equal(rp_read_options_check(&ro, msg, sizeof(msg)), RP_EFORMAT);
}

/* ---- JSONL and split inputs read as they are cut (bounded by max_doc_bytes) ---- */

/* A deterministic pseudo-random number (an LCG's high bits). */
static uint32_t next_rand(uint64_t *seed)
{
    *seed = *seed * 6364136223846793005u + 1442695040888963407u;
    return (uint32_t)(*seed >> 33);
}

/* Appends n bytes of words (letters, a space every few) to b. */
static void add_words(rp_buf *b, size_t n, uint64_t *seed)
{
    for (size_t i = 0; i < n; i++)
        assert_int_equal(rp_buf_addc(b, next_rand(seed) % 6 == 0 ? ' ' : 'a' + (char)(i % 23)),
                         RP_OK);
}

/* Lines 2 and 4 are over the limit (line 4 far past what is read at once): each is skipped
 * naming its line, the lines after it are read, and the same holds read from memory and
 * through gzip. */
static void test_read_jsonl_skips_lines_over_the_limit_and_keeps_the_rest(void **state)
{
    rp_read_options ro;
    rp_buf file = RP_BUF_INIT;
    uint64_t seed = 7;
    const char *raw;
    size_t raw_len;
    char input[600];

    (void)state;
    rp_read_options_init(&ro);
    ro.max_doc_bytes = 1000;
    assert_int_equal(
        rp_buf_adds(&file, "{\"id\":\"a\",\"text\":\"first\"}\n{\"id\":\"long\",\"text\":\""),
        RP_OK);
    add_words(&file, 3000, &seed);
    assert_int_equal(rp_buf_adds(&file, "\"}\n{\"id\":\"b\",\"text\":\"second\"}\n{\"text\":\""),
                     RP_OK);
    add_words(&file, 3000000, &seed);
    assert_int_equal(rp_buf_adds(&file, "\"}\n\n{\"id\":\"c\",\"text\":\"third\"}\r\n"), RP_OK);
    put("long.jsonl", file.data, file.len);
    put_gzip("long.jsonl.gz", file.data, 1);
    for (int round = 0; round < 3; round++) {
        rp_corpus *c = NULL;
        const char *name = round == 1 ? at("long.jsonl.gz") : at("long.jsonl");

        if (round < 2) {
            c = read_path(name, &ro);
        } else {
            assert_int_equal(rp_corpus_new(&c), RP_OK);
            assert_int_equal(rp_corpus_read_jsonl_bytes(c, name, file.data, file.len, 1, &ro),
                             RP_OK);
        }
        assert_int_equal(rp_corpus_count(c), 3);
        assert_doc(c, 0, "a", "first", 0);
        assert_doc(c, 1, "b", "second", 0);
        assert_doc(c, 2, "c", "third", 0);
        assert_int_equal(rp_corpus_raw(c, 2, &raw, &raw_len), RP_OK);
        assert_int_equal(raw_len, strlen("{\"id\":\"c\",\"text\":\"third\"}"));
        assert_memory_equal(raw, "{\"id\":\"c\",\"text\":\"third\"}", raw_len);
        assert_int_equal(rp_corpus_skipped_count(c), 2);
        snprintf(input, sizeof(input), "%s:2", name);
        assert_skip(c, 0, input, "line longer than the limit of 1000 bytes");
        snprintf(input, sizeof(input), "%s:4", name);
        assert_skip(c, 1, input, "line longer than the limit of 1000 bytes");
        rp_corpus_free(c);
    }
    rp_buf_release(&file);
}

/* The parts of `file` cut at lines opening with "---" (before them, or after them when
 * `after`) by a plain reading of the documented rule: a line longer than cap (with its line
 * break) is never a cut, blank parts are not numbered, a part longer than cap is skipped. */
typedef struct expected_part {
    size_t start, end, line, number;
} expected_part;

static size_t expect_parts(const rp_buf *file, bool after, size_t cap, expected_part *out,
                           size_t max)
{
    size_t n = 0, number = 0, start = 0, start_line = 1, line = 1, ls, le;

    for (ls = 0; ls <= file->len; ls = le, line++) {
        const char *nl = ls < file->len ? memchr(file->data + ls, '\n', file->len - ls) : NULL;
        bool last = ls == file->len, cut;
        size_t end = last ? ls : 0;

        le = nl ? (size_t)(nl - file->data) + 1 : file->len;
        cut = !last && le - ls <= cap && le - ls >= 3 && memcmp(file->data + ls, "---", 3) == 0;
        if (!last && cut && !after && ls > start)
            end = ls;
        else if (!last && cut && after)
            end = le;
        if (end > start || last) {
            bool blank = true;
            for (size_t i = start; i < end && blank; i++)
                blank = strchr(" \t\r\n\f\v", file->data[i]) != NULL && file->data[i] != '\0';
            if (!blank) {
                assert_true(n < max);
                out[n++] = (expected_part){start, end, start_line, ++number};
            }
            start = end;
            start_line = after ? line + 1 : line;
        }
        if (last)
            break;
    }
    return n;
}

/* A file of a few MB cut as read, with parts and lines over the limit and parts made of
 * short lines, CRLF lines and separator-like lines too long to be cuts: every part's name,
 * offset, bytes and first line, and every skip, are those of the documented rule, for
 * --split and --split-after, plain and through zstd. */
static void test_split_as_read_follows_the_rule_across_reads(void **state)
{
    enum { CAP = 100000, PARTS = 90 };
    static expected_part want[PARTS * 2 + 4];
    rp_buf file = RP_BUF_INIT;
    uint64_t seed = 11;

    (void)state;
    assert_int_equal(rp_buf_adds(&file, "\n  \n"), RP_OK); /* a blank part first */
    for (int p = 0; p < PARTS; p++) {
        uint32_t r = next_rand(&seed) % 20;
        assert_int_equal(rp_buf_adds(&file, p % 7 == 3 ? "---\r\n" : "--- a part\n"), RP_OK);
        if (r == 14 || r == 15) { /* over the limit in short lines */
            for (int l = 0; l < 2000; l++) {
                add_words(&file, 70, &seed);
                assert_int_equal(rp_buf_addc(&file, '\n'), RP_OK);
            }
        } else if (r == 16 || r == 17) { /* a separator-like line over the limit, or over
                                          * what is held at once */
            add_words(&file, 10, &seed);
            assert_int_equal(rp_buf_adds(&file, "\n---"), RP_OK);
            add_words(&file, r == 17 ? 300000 : 150000, &seed);
            assert_int_equal(rp_buf_adds(&file, "\n"), RP_OK);
        } else if (r == 18) {
            assert_int_equal(rp_buf_adds(&file, "crlf line\r\nand another\r\n"), RP_OK);
        } else if (r != 19) { /* r == 19: nothing, two cuts in a row */
            for (uint32_t l = 0; l <= r % 5; l++) {
                add_words(&file, 20 + next_rand(&seed) % 180, &seed);
                assert_int_equal(rp_buf_addc(&file, '\n'), RP_OK);
            }
        }
    }
    assert_int_equal(rp_buf_adds(&file, "the end, no line break"), RP_OK);
    put("parts.txt", file.data, file.len);
    put_zstd("parts.txt.zst", file.data, 1, 0);
    for (int round = 0; round < 4; round++) {
        bool after = round & 1;
        const char *name = round & 2 ? at("parts.txt.zst") : at("parts.txt");
        size_t n = expect_parts(&file, after, CAP, want, sizeof(want) / sizeof(*want));
        size_t docs = 0, skips = 0;
        rp_read_options ro;
        rp_corpus *c;

        rp_read_options_init(&ro);
        ro.max_doc_bytes = CAP;
        if (after)
            ro.split_after = "^---";
        else
            ro.split = "^---";
        c = read_path(name, &ro);
        for (size_t i = 0; i < n; i++) {
            char part[600];
            snprintf(part, sizeof(part), "%s#%zu", name, want[i].number);
            if (want[i].end - want[i].start > CAP) {
                assert_skip(c, skips++, part, "document larger than the limit of 100000 bytes");
                continue;
            }
            assert_true(docs < rp_corpus_count(c));
            assert_string_equal(rp_corpus_doc(c, (uint32_t)docs)->name, part);
            assert_int_equal(rp_corpus_doc(c, (uint32_t)docs)->offset, want[i].start);
            assert_int_equal(rp_corpus_doc(c, (uint32_t)docs)->len, want[i].end - want[i].start);
            assert_memory_equal(rp_corpus_doc(c, (uint32_t)docs)->bytes, file.data + want[i].start,
                                want[i].end - want[i].start);
            assert_int_equal(rp_corpus_doc(c, (uint32_t)docs)->file_line, want[i].line);
            docs++;
        }
        assert_true(skips >= 4); /* the rule's hard cases were met */
        assert_int_equal(rp_corpus_count(c), docs);
        assert_int_equal(rp_corpus_skipped_count(c), skips);
        rp_corpus_free(c);
    }
    rp_buf_release(&file);
}

static void test_split_seed_feed_gives_sixteen_posts(void **state)
{
    char path[1024];
    rp_read_options ro;
    rp_corpus *c;
    struct stat st;
    size_t end = 0;

    snprintf(path, sizeof(path), "%s/../shared/corpora/seed-feed.txt", RP_SOURCE_DIR);
    if (stat(path, &st) != 0) {
        print_message("seed feed not found at %s: skipped\n", path);
        skip();
    }
    rp_read_options_init(&ro);
    ro.split_after = "^Continue reading ";
    c = read_path(path, &ro);
    assert_int_equal(rp_corpus_count(c), 16);
    for (uint32_t i = 0; i < 16; i++) {
        const rp_doc *d = rp_corpus_doc(c, i);
        char name[1100];
        snprintf(name, sizeof(name), "%s#%u", path, i + 1);
        assert_string_equal(d->name, name);
        assert_int_equal(d->offset, end); /* no blank parts between posts */
        end = d->offset + d->len;
    }
    assert_int_equal(end, (size_t)st.st_size);
    rp_corpus_free(c);
}

/* ---- allocation failure ---- */

static void make_failure_tree(void)
{
    make_dir("af");
    puts_file("af/a.jsonl", "{\"id\":\"j1\",\"text\":\"one\",\"m\":1}\n{bad\n{\"text\":\"two\"}\n");
    puts_file("af/b.txt", "== x\nfirst\n== y\nsecond\n");
    put_gzip("af/c.gz", sample, 1);
    puts_file("af/d.txt", "== only\n");
}

/* Reads path into a corpus holding one document, with allocations failing from the 1st, the
 * 2nd, ... on until the read succeeds: each failure is RP_ENOMEM and rolls the corpus back to
 * before the read. Returns the corpus of the read that succeeded; *n is one past the number of
 * allocation points tried. */
static rp_corpus *read_failing_at_each_allocation(const char *path, const rp_read_options *ro,
                                                  unsigned long *n)
{
    rp_corpus *c = NULL;
    rp_status st = RP_ENOMEM;

    for (*n = 1; *n < 10000 && st != RP_OK; (*n)++) {
        assert_int_equal(rp_corpus_new(&c), RP_OK);
        assert_int_equal(rp_corpus_add(c, "kept", "x", 1, NULL), RP_OK);
        rp_alloc_fail_after(*n);
        st = rp_corpus_read(c, path, ro);
        rp_alloc_fail_after(0);
        if (st != RP_OK) {
            assert_int_equal(st, RP_ENOMEM);
            assert_int_equal(rp_corpus_count(c), 1); /* rolled back to before the read */
            assert_int_equal(rp_corpus_skipped_count(c), 0);
            rp_corpus_free(c);
        }
    }
    assert_int_equal(st, RP_OK);
    return c;
}

static void test_read_fails_cleanly_at_every_allocation(void **state)
{
    rp_read_options ro;
    rp_corpus *c;
    unsigned long n;

    make_failure_tree();
    rp_read_options_init(&ro);
    ro.split = "^== ";
    c = read_failing_at_each_allocation(at("af"), &ro, &n);
    print_message("rp_corpus_read failed cleanly at %lu allocation points\n", n - 2);
    assert_true(n > 20);
    assert_int_equal(rp_corpus_count(c), 7);
    assert_doc(c, 1, "j1", "one", 0);
    assert_string_equal(rp_corpus_doc(c, 1)->meta, "{\"m\":1}");
    assert_doc(c, 3, at("af/b.txt#1"), "== x\nfirst\n", 0);
    assert_doc(c, 5, at("af/c.gz#1"), sample, 0);
    assert_doc(c, 6, at("af/d.txt#1"), "== only\n", 0);
    assert_int_equal(rp_corpus_skipped_count(c), 1);
    rp_corpus_free(c);
}

/* Corpora a and b hold the same documents (names and bytes) in the same order. */
static void assert_same_documents(const rp_corpus *a, const rp_corpus *b)
{
    assert_int_equal(rp_corpus_count(a), rp_corpus_count(b));
    for (uint32_t d = 0; d < rp_corpus_count(b); d++) {
        const rp_doc *x = rp_corpus_doc(b, d), *y = rp_corpus_doc(a, d);
        assert_string_equal(x->name, y->name);
        assert_int_equal(x->len, y->len);
        assert_memory_equal(x->bytes, y->bytes, x->len);
    }
}

/* A directory's files are loaded by several threads a window at a time and taken in walk
 * order: the corpus (documents, names, bytes, skips) is the same for any thread count, across
 * window boundaries, subdirectories, binary and empty files, and a dangling symlink. */
static void test_read_dir_gives_the_same_corpus_for_any_thread_count(void **state)
{
    char rel[64], text[128];
    rp_corpus *c[3];
    const unsigned threads[3] = {1, 2, 5};

    make_dir("many");
    make_dir("many/m-sub");
    for (int i = 0; i < 700; i++) { /* more than two windows */
        snprintf(rel, sizeof(rel), i % 97 == 5 ? "many/m-sub/f%04d.txt" : "many/f%04d.txt", i);
        snprintf(text, sizeof(text), "document %d says the ferry left at %d o'clock\n", i, i % 12);
        puts_file(rel, i % 50 == 7 ? "" : text);
    }
    static const char binary[20] = {0, 0, 0, 1, 2, 'b', 'i', 'n', 0, 0, 0, 0, 0, 0, 0, 0};
    put("many/f0300.bin", binary, sizeof(binary));
    assert_int_equal(symlink(at("many/nowhere"), at("many/f0450-dangling.txt")), 0);
    for (int t = 0; t < 3; t++) {
        rp_read_options ro;
        rp_read_options_init(&ro);
        ro.threads = threads[t];
        c[t] = read_path(at("many"), &ro);
    }
    assert_true(rp_corpus_count(c[0]) >= 690);
    assert_int_equal(rp_corpus_skipped_count(c[0]), 2); /* the binary file, the dangling link */
    for (int t = 1; t < 3; t++) {
        assert_same_documents(c[t], c[0]);
        assert_int_equal(rp_corpus_skipped_count(c[t]), rp_corpus_skipped_count(c[0]));
        for (size_t i = 0; i < rp_corpus_skipped_count(c[0]); i++) {
            assert_string_equal(rp_corpus_skipped(c[t], i)->input,
                                rp_corpus_skipped(c[0], i)->input);
            assert_string_equal(rp_corpus_skipped(c[t], i)->reason,
                                rp_corpus_skipped(c[0], i)->reason);
        }
    }
    /* byte order: "f..." files first, then the subdirectory "m-sub" */
    assert_string_equal(rp_corpus_doc(c[0], 0)->name, at("many/f0000.txt"));
    assert_non_null(strstr(rp_corpus_doc(c[0], (uint32_t)rp_corpus_count(c[0]) - 1)->name,
                           "many/m-sub/f0684.txt"));
    for (int t = 0; t < 3; t++)
        rp_corpus_free(c[t]);
}

/* Small plain files are read into slabs of a few megabytes (read.c); a subdirectory between two
 * windows is walked while the next window waits, loaded; compressed, UTF-16, binary and empty
 * files among them still go to the loader. Any thread count gives the same corpus. */
static void test_read_dir_of_small_files_in_slabs_with_a_subdirectory_between_windows(void **state)
{
    static const char le[] = "\xff\xfe"
                             "h\0"
                             "i\0"
                             "\n\0";
    static const char binary[12] = {0, 0, 0, 1, 2, 'b', 'i', 'n', 0, 0, 0, 0};
    char rel[64];
    char *text = malloc(20001);
    rp_corpus *c[3];
    const unsigned threads[3] = {1, 2, 3};

    (void)state;
    assert_non_null(text);
    make_dir("slab");
    make_dir("slab/f0200-sub");
    for (int i = 0; i < 600; i++) { /* 600 x 20 KB: several slabs for each thread */
        size_t len = 0;
        while (len < 20000 - 64)
            len += (size_t)snprintf(text + len, 20001 - len, "file %d line %zu. ", i, len);
        snprintf(rel, sizeof(rel), "slab/f%04d.txt", i);
        if (i == 100)
            put_gzip(rel, text, 1);
        else if (i == 150)
            put(rel, le, sizeof(le) - 1);
        else if (i == 250)
            put(rel, binary, sizeof(binary));
        else
            puts_file(rel, i == 300 ? "" : text);
    }
    puts_file("slab/f0200-sub/a.txt", "in the subdirectory\n");
    puts_file("slab/f0200-sub/b.txt", "also in it\n");
    for (int t = 0; t < 3; t++) {
        rp_read_options ro;
        rp_read_options_init(&ro);
        ro.threads = threads[t];
        c[t] = read_path(at("slab"), &ro);
    }
    /* 599 of the files (the binary one skipped) and the subdirectory's two, in walk order */
    assert_int_equal(rp_corpus_count(c[0]), 601);
    assert_int_equal(rp_corpus_skipped_count(c[0]), 1);
    assert_string_equal(rp_corpus_skipped(c[0], 0)->reason, "binary file");
    assert_doc(c[0], 200, at("slab/f0200-sub/a.txt"), "in the subdirectory\n", 0);
    assert_doc(c[0], 201, at("slab/f0200-sub/b.txt"), "also in it\n", 0);
    assert_doc(c[0], 150, at("slab/f0150.txt"), "hi\n", 0);
    assert_doc(c[0], 301, at("slab/f0300.txt"), "", 0);
    for (int i = 0; i < 600; i++) {
        if (i == 150 || i == 250 || i == 300)
            continue;
        size_t len = 0;
        while (len < 20000 - 64)
            len += (size_t)snprintf(text + len, 20001 - len, "file %d line %zu. ", i, len);
        snprintf(rel, sizeof(rel), "slab/f%04d.txt", i);
        uint32_t id = (uint32_t)(i + (i >= 200 ? 2 : 0) - (i > 250 ? 1 : 0));
        assert_doc(c[0], id, at(rel), text, 0);
        assert_int_equal(rp_corpus_doc(c[0], id)->bytes[len], '\0');
    }
    for (int t = 1; t < 3; t++) {
        assert_same_documents(c[t], c[0]);
        assert_int_equal(rp_corpus_skipped_count(c[t]), 1);
    }
    for (int t = 0; t < 3; t++)
        rp_corpus_free(c[t]);
    free(text);
}

/* A walk of small files (slabs), a compressed, a UTF-16 and a binary one and a subdirectory:
 * every allocation that fails rolls the read back, whatever was in the slabs. */
static void test_walk_of_small_files_fails_cleanly_at_every_allocation(void **state)
{
    static const char le[] = "\xff\xfe"
                             "o\0"
                             "k\0";
    static const char binary[12] = {0, 0, 0, 1, 2, 'b', 'i', 'n', 0, 0, 0, 0};
    rp_read_options ro;
    rp_corpus *c;
    unsigned long n;

    (void)state;
    make_dir("afs");
    make_dir("afs/b-sub");
    puts_file("afs/a.txt", sample);
    puts_file("afs/b-sub/x.txt", "inside\n");
    put_gzip("afs/c.gz", sample, 1);
    put("afs/d.txt", le, sizeof(le) - 1);
    put("afs/e.bin", binary, sizeof(binary));
    puts_file("afs/f.txt", "last\n");
    rp_read_options_init(&ro);
    ro.threads = 2;
    c = read_failing_at_each_allocation(at("afs"), &ro, &n);
    assert_true(n > 10);
    assert_int_equal(rp_corpus_count(c), 6);
    assert_doc(c, 1, at("afs/a.txt"), sample, 0);
    assert_doc(c, 2, at("afs/b-sub/x.txt"), "inside\n", 0);
    assert_doc(c, 3, at("afs/c.gz"), sample, 0);
    assert_doc(c, 4, at("afs/d.txt"), "ok", 0);
    assert_doc(c, 5, at("afs/f.txt"), "last\n", 0);
    assert_int_equal(rp_corpus_skipped_count(c), 1);
    rp_corpus_free(c);
}

/* A large scan's first pass parks the text of a walk's small files: once every document of a
 * slab has been passed to rp_corpus_text_park, the slab's pages are a file's, at the same
 * address and with the same bytes; a slab with a document not yet passed stays in memory, and
 * a document passed twice counts once. */
static void test_parked_slabs_read_the_same_bytes_from_a_file(void **state)
{
    enum { FILES = 300 }; /* 300 x 20 KB: two slabs of 4 MiB on one thread */
    char rel[64];
    char *text = malloc(20001);
    rp_read_options ro;
    rp_corpus *c;

    (void)state;
    assert_non_null(text);
    make_dir("park");
    make_dir("park-tmp");
    for (int i = 0; i < FILES; i++) {
        size_t len = 0;
        while (len < 20000 - 64)
            len += (size_t)snprintf(text + len, 20001 - len, "park %d line %zu. ", i, len);
        snprintf(rel, sizeof(rel), "park/f%04d.txt", i);
        puts_file(rel, text);
    }
    rp_read_options_init(&ro);
    ro.threads = 1;
    c = read_path(at("park"), &ro);
    assert_int_equal(rp_corpus_count(c), FILES);
    const char *first = rp_corpus_doc(c, 0)->bytes, *last = rp_corpus_doc(c, FILES - 1)->bytes;
    rp_corpus_text_park(c, 0); /* before parking begins: nothing */
    rp_corpus_park_begin(c, at("park-tmp"));
    for (uint32_t d = 0; d + 1 < FILES; d++) {
        rp_corpus_text_park(c, d);
        rp_corpus_text_park(c, d);
    }
    assert_true(fixture_in_file_mapping(first));
    assert_false(fixture_in_file_mapping(last)); /* the last slab: its last document not passed */
    rp_corpus_text_park(c, FILES - 1);
    assert_true(fixture_in_file_mapping(last));
    assert_ptr_equal(rp_corpus_doc(c, 0)->bytes, first);
    for (int i = 0; i < FILES; i++) {
        size_t len = 0;
        while (len < 20000 - 64)
            len += (size_t)snprintf(text + len, 20001 - len, "park %d line %zu. ", i, len);
        snprintf(rel, sizeof(rel), "park/f%04d.txt", i);
        assert_doc(c, (uint32_t)i, at(rel), text, 0);
        assert_int_equal(rp_corpus_doc(c, (uint32_t)i)->bytes[len], '\0');
    }
    assert_null(rp_corpus_changed(c));
    rp_corpus_free(c);
    free(text);
}

/* This process's resident memory in bytes (/proc/self/statm; 0 when it cannot be read). */
static size_t resident_bytes(void)
{
    FILE *f = fopen("/proc/self/statm", "r");
    unsigned long size = 0, pages = 0;

    if (!f)
        return 0;
    if (fscanf(f, "%lu %lu", &size, &pages) != 2)
        pages = 0;
    fclose(f);
    return (size_t)pages * (size_t)sysconf(_SC_PAGESIZE);
}

/* Directories of one small file each, read one by one into a corpus (as the commands read the
 * paths they are given): each read's slabs (4 MiB, populated whole) keep resident only what
 * they hold once the read is done, not 4 MiB a directory. */
static void test_reads_of_small_directories_keep_no_idle_slab_pages(void **state)
{
    enum { DIRS = 48 };
    char rel[64];
    rp_read_options ro;
    rp_corpus *c = NULL;
    size_t before, after;

    (void)state;
    make_dir("trim");
    for (int i = 0; i < DIRS; i++) {
        snprintf(rel, sizeof(rel), "trim/d%02d", i);
        make_dir(rel);
        snprintf(rel, sizeof(rel), "trim/d%02d/a.txt", i);
        puts_file(rel, "a small file\n");
    }
    rp_read_options_init(&ro);
    ro.threads = 2;
    assert_int_equal(rp_corpus_new(&c), RP_OK);
    before = resident_bytes();
    for (int i = 0; i < DIRS; i++) {
        snprintf(rel, sizeof(rel), "trim/d%02d", i);
        assert_int_equal(rp_corpus_read(c, at(rel), &ro), RP_OK);
    }
    after = resident_bytes();
    assert_int_equal(rp_corpus_count(c), DIRS);
    for (uint32_t d = 0; d < DIRS; d++) {
        snprintf(rel, sizeof(rel), "trim/d%02u/a.txt", d);
        assert_doc(c, d, at(rel), "a small file\n", 0);
    }
    assert_true(before > 0);
    assert_true(after < before + ((size_t)DIRS << 20)); /* under 1 MiB a directory */
    rp_corpus_free(c);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_corpus_add_copies_and_find_names),
        cmocka_unit_test(test_read_dir_gives_the_same_corpus_for_any_thread_count),
        cmocka_unit_test(test_read_dir_of_small_files_in_slabs_with_a_subdirectory_between_windows),
        cmocka_unit_test(test_walk_of_small_files_fails_cleanly_at_every_allocation),
        cmocka_unit_test(test_parked_slabs_read_the_same_bytes_from_a_file),
        cmocka_unit_test(test_reads_of_small_directories_keep_no_idle_slab_pages),
        cmocka_unit_test(test_read_file_is_one_document_named_as_given),
        cmocka_unit_test(test_read_empty_file_is_an_empty_document),
        cmocka_unit_test(test_read_missing_path_is_skipped_with_strerror),
        cmocka_unit_test(test_read_dir_walks_in_byte_order_with_single_slashes),
        cmocka_unit_test(test_read_hidden_file_named_explicitly_is_read),
        cmocka_unit_test(test_read_dir_skips_symlink_loops_and_dangling_links),
        cmocka_unit_test(test_read_dir_skips_a_fifo_with_a_reason),
        cmocka_unit_test(test_read_fifo_named_explicitly_is_read),
        cmocka_unit_test(test_read_dir_skips_unreadable_entries_and_keeps_the_rest),
        cmocka_unit_test(test_read_dash_reads_stdin_named_dash),
        cmocka_unit_test(test_read_stdin_splits_into_dash_parts),
        cmocka_unit_test(test_read_gzip_and_zstd_read_as_the_plain_text),
        cmocka_unit_test(test_read_short_files_and_a_compressed_file_past_the_cap),
        cmocka_unit_test(test_read_truncated_or_corrupt_streams_are_skipped),
        cmocka_unit_test(test_read_limits_document_size_even_when_compressed),
        cmocka_unit_test(test_read_binary_is_skipped_but_a_stray_nul_is_text),
        cmocka_unit_test(test_is_binary_follows_the_documented_rule),
        cmocka_unit_test(test_read_utf16_with_bom_is_converted_to_utf8),
        cmocka_unit_test(test_read_jsonl_names_texts_and_metadata),
        cmocka_unit_test(test_read_jsonl_skips_lines_nested_deeper_than_64_levels),
        cmocka_unit_test(test_read_jsonl_by_option_fields_and_compression),
        cmocka_unit_test(test_read_jsonl_from_stdin_names_lines_dash_line),
        cmocka_unit_test(test_split_starts_parts_and_drops_blank_ones),
        cmocka_unit_test(test_split_after_ends_parts_with_the_matching_line),
        cmocka_unit_test(test_split_ignores_cr_and_handles_no_match_and_empty),
        cmocka_unit_test(test_split_and_split_after_together_with_a_part_limit),
        cmocka_unit_test(test_split_bad_regex_is_eformat_before_reading),
        cmocka_unit_test(test_split_refuses_back_references_naming_the_option),
        cmocka_unit_test(test_split_allows_escaped_backslashes_and_digits_in_brackets),
        cmocka_unit_test(test_split_seed_feed_gives_sixteen_posts),
        cmocka_unit_test(test_read_jsonl_skips_lines_over_the_limit_and_keeps_the_rest),
        cmocka_unit_test(test_split_as_read_follows_the_rule_across_reads),
        cmocka_unit_test(test_read_fails_cleanly_at_every_allocation),
        cmocka_unit_test(test_mapped_files_read_as_the_loaded_ones),
        cmocka_unit_test(test_a_mapped_file_truncated_while_held_reads_zeros_and_is_named),
        cmocka_unit_test(test_a_sent_sigbus_is_not_swallowed_by_the_guard),
        cmocka_unit_test(test_a_changed_input_is_named_after_its_mapping_is_gone),
        cmocka_unit_test(test_text_in_file_reads_as_in_memory),
    };
    return cmocka_run_group_tests(tests, setup_tmp, teardown_tmp);
}
