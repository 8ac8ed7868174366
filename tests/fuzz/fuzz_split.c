/*
 * fuzz_split.c - --split / --split-after (corpus_split.c) with fixed expressions over arbitrary
 * text. The first byte picks the expressions and the cap; the rest is the file. Invariant: the
 * parts tile the input: in order, each part's bytes are the input's at its offset, and what
 * lies between parts (and before the first, after the last) is blank; parts are numbered
 * name#1, name#2 ... counting skipped (too large) parts too. Annotated (annotate.c) with one
 * more expression as --ignore-lines: a part's file_line is its first line in the input, its
 * ignored ranges are whole lines in order inside it, and its title one line of at most 120
 * code points.
 */
#include "fuzz.h"
#include "corpus/corpus.h"

#include <string.h>

static const char *const patterns[8] = {
    "^---$", "^#", "^$", "^(Title|From):", "^[0-9]+\\.$", "a|b", "^.*\\r$", "[[:space:]]+$",
};

static bool blank(const char *s, size_t len)
{
    for (size_t i = 0; i < len; i++)
        if (!strchr(" \t\r\n\f\v", s[i]) || s[i] == '\0')
            return false;
    return true;
}

/* The number after '#' in "fuzz.txt#N". */
static size_t part_number(const char *name)
{
    FUZZ_CHECK(strncmp(name, "fuzz.txt#", 9) == 0);
    return (size_t)strtoul(name + 9, NULL, 10);
}

static void check_annotations(const rp_doc *d, const char *in)
{
    size_t line = 1, prev = 0, points = 0;

    for (size_t i = 0; i < d->offset; i++)
        line += in[i] == '\n';
    FUZZ_CHECK(d->file_line == line);
    for (size_t k = 0; k < d->ignored_count; k++) {
        const rp_range *r = &d->ignored[k];
        FUZZ_CHECK(r->start >= prev && r->start < r->end && r->end <= d->len);
        FUZZ_CHECK(r->start == 0 || d->bytes[r->start - 1] == '\n');
        FUZZ_CHECK(r->end == d->len || d->bytes[r->end - 1] == '\n');
        prev = r->end;
    }
    if (!d->title)
        return;
    FUZZ_CHECK(d->title[0] != '\0' && !strchr(d->title, '\n'));
    for (const char *t = d->title; *t; t++)
        points += ((unsigned char)*t & 0xC0) != 0x80;
    FUZZ_CHECK(points <= 120);
}

static void check_tiling(const rp_corpus *c, const char *in, size_t len)
{
    size_t at = 0, last = 0, n;
    bool strict = rp_corpus_skipped_count(c) == 0; /* a skipped part is not blank */

    for (uint32_t i = 0; i < rp_corpus_count(c); i++) {
        const rp_doc *d = rp_corpus_doc(c, i);
        FUZZ_CHECK(d->offset >= at && d->len > 0 && d->len <= len - d->offset);
        FUZZ_CHECK(!strict || blank(in + at, d->offset - at));
        FUZZ_CHECK(memcmp(d->bytes, in + d->offset, d->len) == 0);
        check_annotations(d, in);
        FUZZ_CHECK((n = part_number(d->name)) > last);
        last = n;
        at = d->offset + d->len;
    }
    FUZZ_CHECK(!strict || blank(in + at, len - at));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    rp_read_options ro;
    rp_splitter sp;
    rp_annotator an;
    rp_corpus *c = NULL;
    rp_buf buf = RP_BUF_INIT;
    size_t len = size ? size - 1 : 0;

    if (size == 0)
        return 0;
    rp_read_options_init(&ro);
    ro.split = data[0] & 8 ? NULL : patterns[data[0] & 7];
    ro.split_after = data[0] & 16 ? patterns[(data[0] >> 5) & 7] : NULL;
    if (!ro.split && !ro.split_after)
        ro.split_after = "^$";
    FUZZ_CHECK(rp_splitter_init(&sp, &ro, NULL, 0) == RP_OK);
    FUZZ_CHECK(rp_corpus_new(&c) == RP_OK);
    FUZZ_CHECK(rp_buf_add(&buf, data + 1, len) == RP_OK);
    FUZZ_CHECK(rp_corpus_read_split(c, "fuzz.txt", &buf, &sp, data[0] & 128 ? 16 : RP_DOC_MAX) ==
               RP_OK);
    ro.ignore_lines = patterns[(data[0] >> 2) & 7];
    FUZZ_CHECK(rp_annotator_init(&an, &ro, NULL, 0) == RP_OK);
    FUZZ_CHECK(rp_corpus_annotate(c, &an, 0) == RP_OK);
    check_tiling(c, (const char *)data + 1, len);
    rp_annotator_release(&an);
    rp_splitter_release(&sp);
    rp_corpus_free(c);
    return 0;
}
