/*
 * fuzz_load.c - loading one input's bytes (corpus_decode.c): gzip and zstd streams found by
 * their magic bytes, UTF-16 with a BOM, the binary-content rule, and the per-input cap. The
 * first byte picks the cap; the rest is written to a scratch file that rp_corpus_load reads.
 * Invariants: only RP_ENOMEM is an error; a skipped input yields a reason and no bytes; a kept
 * one is NUL-terminated, within the cap, and decoded UTF-16 is valid UTF-8 length-wise.
 */
#include "fuzz.h"
#include "corpus/corpus.h"

#include <fcntl.h>
#include <string.h>
#include <unistd.h>

static int scratch_fd(void)
{
    static int fd = -1;
    char path[] = "/tmp/reprint-fuzz-load-XXXXXX";

    if (fd < 0) {
        fd = mkstemp(path);
        FUZZ_CHECK(fd >= 0);
        unlink(path);
    }
    return fd;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const size_t caps[4] = {RP_DOC_MAX, 1, 100, 5000};
    char why[RP_WHY_LEN];
    rp_buf out = RP_BUF_INIT;
    size_t cap;
    int fd = scratch_fd();

    if (size == 0)
        return 0;
    cap = caps[data[0] & 3];
    FUZZ_CHECK(ftruncate(fd, 0) == 0);
    FUZZ_CHECK(pwrite(fd, data + 1, size - 1, 0) == (ssize_t)(size - 1));
    FUZZ_CHECK(lseek(fd, 0, SEEK_SET) == 0);
    why[0] = 'x';
    FUZZ_CHECK(rp_corpus_load(fd, cap, data[0] & 4 ? size - 1 : 0, &out, why) == RP_OK);
    if (why[0]) {
        FUZZ_CHECK(strlen(why) < RP_WHY_LEN);
        FUZZ_CHECK(out.len == 0);
    } else {
        FUZZ_CHECK(out.data && out.data[out.len] == '\0');
        FUZZ_CHECK(out.len <= cap);
        FUZZ_CHECK(!rp_corpus_is_binary(out.data, out.len));
    }
    rp_buf_release(&out);
    return 0;
}
