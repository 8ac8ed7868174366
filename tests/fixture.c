/* fixture.c - helpers the cmocka tests share: temporary files, allocation failures. */
#include "fixture.h"
#include "base/base.h"

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

void fixture_remove_tree(const char *path)
{
    struct stat st;
    DIR *d;
    struct dirent *ent;

    if (lstat(path, &st) != 0)
        return;
    if (!S_ISDIR(st.st_mode)) {
        unlink(path);
        return;
    }
    chmod(path, 0700);
    if ((d = opendir(path)) != NULL) {
        while ((ent = readdir(d)) != NULL) {
            char child[1024];
            if (strcmp(ent->d_name, ".") == 0 || strcmp(ent->d_name, "..") == 0)
                continue;
            snprintf(child, sizeof(child), "%s/%s", path, ent->d_name);
            fixture_remove_tree(child);
        }
        closedir(d);
    }
    rmdir(path);
}

rp_scan *fixture_scan_past_allocation_failures(const rp_corpus *c, const rp_options *o)
{
    for (unsigned long fail = 1;; fail++) {
        rp_scan *s = NULL;
        rp_alloc_fail_after(fail);
        rp_status st = rp_scan_run(c, o, NULL, NULL, &s);
        rp_alloc_fail_after(0);
        if (st == RP_OK)
            return s;
        assert_int_equal(st, RP_ENOMEM);
        assert_null(s);
    }
}

static uint64_t made_state;

static uint32_t made_rng(void)
{
    made_state = made_state * 6364136223846793005ULL + 1442695040888963407ULL;
    return (uint32_t)(made_state >> 33);
}

rp_corpus *fixture_made_corpus(uint64_t seed, unsigned docs, const char *const *vocab, size_t nv)
{
    char *passage[4];
    rp_corpus *c;
    made_state = seed;
    for (int p = 0; p < 4; p++) {
        rp_buf b = RP_BUF_INIT;
        for (int i = 0; i < 80; i++)
            assert_int_equal(rp_buf_addf(&b, "%s%s", i ? " " : "", vocab[made_rng() % nv]), RP_OK);
        assert_int_equal(rp_buf_detach(&b, &passage[p]), RP_OK);
    }
    assert_int_equal(rp_corpus_new(&c), RP_OK);
    for (unsigned d = 0; d < docs; d++) {
        rp_buf b = RP_BUF_INIT;
        char name[32];
        unsigned parts = 1 + made_rng() % 4;
        for (unsigned k = 0; k < parts; k++) {
            for (unsigned i = 0, n = 20 + made_rng() % 200; i < n; i++)
                assert_int_equal(rp_buf_addf(&b, "%s%u ", vocab[made_rng() % nv],
                                             made_rng() % 997),
                                 RP_OK);
            if (made_rng() % 3 == 0) { /* a copy of a shared passage, a word edited */
                const char *p = passage[made_rng() % 4];
                size_t len = strlen(p), cut = made_rng() % len;
                assert_int_equal(rp_buf_add(&b, p, cut), RP_OK);
                assert_int_equal(rp_buf_adds(&b, " edited "), RP_OK);
                assert_int_equal(rp_buf_adds(&b, p + cut), RP_OK);
                assert_int_equal(rp_buf_adds(&b, ".\n"), RP_OK);
            }
        }
        snprintf(name, sizeof(name), "doc%04u", d);
        assert_int_equal(rp_corpus_add(c, name, b.data ? b.data : "", b.len, NULL), RP_OK);
        rp_buf_release(&b);
    }
    for (int p = 0; p < 4; p++)
        rp_free(passage[p]);
    return c;
}

rp_corpus *fixture_read_source(const char *rel)
{
    char path[4096];
    const char *root = getenv("RP_SOURCE_DIR");
    rp_read_options ro;
    rp_corpus *c;
    snprintf(path, sizeof(path), "%s/%s", root ? root : RP_SOURCE_DIR, rel);
    rp_read_options_init(&ro);
    assert_int_equal(rp_corpus_new(&c), RP_OK);
    assert_int_equal(rp_corpus_read(c, path, &ro), RP_OK);
    assert_true(rp_corpus_count(c) > 0);
    return c;
}

bool fixture_in_file_mapping(const void *p)
{
    FILE *f = fopen("/proc/self/maps", "r");
    char line[512];
    bool file = false;

    assert_non_null(f);
    while (fgets(line, sizeof(line), f)) {
        unsigned long lo, hi, inode = 0;
        if (sscanf(line, "%lx-%lx %*s %*s %*s %lu", &lo, &hi, &inode) == 3 && (uintptr_t)p >= lo &&
            (uintptr_t)p < hi) {
            file = inode != 0;
            break;
        }
    }
    fclose(f);
    return file;
}

void fixture_assert_same_scans(const rp_scan *x, const rp_scan *y, size_t docs)
{
    assert_int_equal(rp_scan_cluster_count(x), rp_scan_cluster_count(y));
    for (size_t i = 0; i < rp_scan_cluster_count(x); i++) {
        const rp_cluster *a = rp_scan_cluster(x, i), *b = rp_scan_cluster(y, i);
        assert_int_equal(a->kind, b->kind);
        assert_int_equal(a->passage_count, b->passage_count);
        assert_int_equal(a->pair_count, b->pair_count);
        for (size_t j = 0; j < a->passage_count; j++) {
            const rp_passage *p = &a->passages[j], *q = &b->passages[j];
            assert_int_equal(p->doc, q->doc);
            assert_int_equal(p->start, q->start);
            assert_int_equal(p->end, q->end);
            assert_int_equal(p->line, q->line);
            assert_int_equal(p->column, q->column);
            assert_int_equal(p->tokens, q->tokens);
            assert_int_equal(p->partial, q->partial);
            assert_int_equal(p->within, q->within);
            assert_int_equal(p->within_start, q->within_start);
            assert_int_equal(p->within_end, q->within_end);
            assert_true(p->identity == q->identity);
        }
        for (size_t j = 0; j < a->pair_count; j++) {
            assert_int_equal(a->pairs[j].a, b->pairs[j].a);
            assert_int_equal(a->pairs[j].b, b->pairs[j].b);
            assert_int_equal(a->pairs[j].tokens, b->pairs[j].tokens);
            assert_int_equal(a->pairs[j].gap_count, b->pairs[j].gap_count);
            assert_true(a->pairs[j].identity == b->pairs[j].identity);
        }
    }
    for (uint32_t d = 0; d < docs; d++) {
        const rp_doc_stats *p = rp_scan_doc_stats(x, d), *q = rp_scan_doc_stats(y, d);
        assert_int_equal(p->tokens, q->tokens);
        assert_true(p->covered == q->covered);
        assert_int_equal(p->invalid_utf8, q->invalid_utf8);
    }
}

char *fixture_captured(void (*fn)(FILE *, const char *, size_t), const char *s, size_t len,
                       size_t *out_len)
{
    char *buf = NULL;
    size_t size = 0;
    FILE *f = open_memstream(&buf, &size);

    assert_non_null(f);
    fn(f, s, len);
    assert_int_equal(fclose(f), 0);
    if (out_len)
        *out_len = size;
    return buf;
}
