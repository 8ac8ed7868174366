/*
 * fuzz_text.c - UTF-8 decoding, normalization, tokenization and winnowing on arbitrary bytes.
 * The first byte picks the folds, keep_norm, k and w; the rest is the text. Invariants: spans
 * lie inside the input, in order, never empty or overlapping; keep_norm changes nothing but
 * the kept forms; every kept form is already normal (normalizing is idempotent) and so is the
 * normal form of the whole input; winnowing picks strictly increasing positions, at least one
 * in every window of w shingles; the 16-byte window path and the byte-at-a-time reference give
 * the same tokens, spans, hashes and kept forms (flag bit 4 adds an ignored range).
 */
#include "fuzz.h"
#include "base/base.h"
#include "text/text.h"

#include <string.h>

static void options_from(uint8_t flags, rp_options *o)
{
    rp_options_init(o);
    o->fold_case = flags & 1;
    o->fold_marks = flags & 2;
    o->fold_quotes = flags & 4;
    o->fold_spelling = flags & 8;
    o->shingle = 1 + ((flags >> 5) & 3);
    o->window = 1 + (flags >> 7) * 3;
}

static void check_normal(const rp_options *o, const char *s, size_t len)
{
    char *again = NULL;
    size_t again_len = 0;

    FUZZ_CHECK(rp_text_normalize(o, s, len, &again, &again_len) == RP_OK);
    if (again_len != len || memcmp(again, s, len) != 0)
        fprintf(stderr, "normalizing '%.*s' gives '%.*s'\n", (int)len, s, (int)again_len, again);
    FUZZ_CHECK(again_len == len && memcmp(again, s, len) == 0);
    free(again);
}

static void check_spans(const rp_tokens *t, size_t len)
{
    size_t prev_end = 0;

    for (size_t i = 0; i < t->count; i++) {
        FUZZ_CHECK(t->items[i].start < t->items[i].end);
        FUZZ_CHECK(t->items[i].end <= len);
        FUZZ_CHECK(t->items[i].start >= prev_end);
        prev_end = t->items[i].end;
    }
    if (t->invalid_utf8 == 0)
        FUZZ_CHECK(t->first_invalid == SIZE_MAX);
    else
        FUZZ_CHECK(t->first_invalid < len);
}

/* keep_norm: same tokens, and each kept form is a fixed point of rp_text_normalize. */
static void check_kept(const rp_options *o, const rp_tokens *plain, const rp_tokens *kept)
{
    FUZZ_CHECK(plain->count == kept->count);
    FUZZ_CHECK(plain->invalid_utf8 == kept->invalid_utf8);
    for (size_t i = 0; i < kept->count; i++) {
        const rp_token *a = &plain->items[i], *b = &kept->items[i];
        FUZZ_CHECK(a->hash == b->hash && a->start == b->start && a->end == b->end);
        FUZZ_CHECK(kept->norm_off[i] < kept->norm_off[i + 1]); /* empty forms are dropped */
        FUZZ_CHECK(kept->norm_off[i + 1] <= kept->norm_len);
        if (i < 64)
            check_normal(o, kept->norm + kept->norm_off[i],
                         kept->norm_off[i + 1] - kept->norm_off[i]);
    }
}

static void check_winnow(const rp_options *o, const rp_tokens *t)
{
    rp_fingerprints fps;
    size_t shingles;

    rp_fingerprints_init(&fps);
    FUZZ_CHECK(rp_shingle_winnow(o, t->items, t->count, 7, &fps) == RP_OK);
    if (t->count < o->shingle) {
        FUZZ_CHECK(fps.count == 0);
    } else {
        shingles = t->count - o->shingle + 1;
        FUZZ_CHECK(fps.count >= 1);
        FUZZ_CHECK(fps.items[0].pos < o->window);
        FUZZ_CHECK(fps.items[fps.count - 1].pos + o->window >= shingles);
        for (size_t i = 0; i < fps.count; i++) {
            FUZZ_CHECK(fps.items[i].doc == 7 && fps.items[i].pos < shingles);
            if (i > 0) {
                FUZZ_CHECK(fps.items[i].pos > fps.items[i - 1].pos);
                FUZZ_CHECK(fps.items[i].pos - fps.items[i - 1].pos <= o->window);
            }
        }
    }
    rp_fingerprints_release(&fps);
}

/* The window path against the reference path, in each of the tokenizer's modes. */
static void check_paths(const rp_options *o, const char *text, size_t len, bool ignore)
{
    rp_range range = {(uint32_t)(len / 3), (uint32_t)(len / 2)};
    rp_doc doc = {.bytes = text, .len = len, .ignored = &range, .ignored_count = ignore};
    rp_tokens fast, ref;

    rp_tokens_init(&fast);
    rp_tokens_init(&ref);
    for (int mode = 0; mode < 3; mode++) {
        bool keep_norm = mode == 1, spans_only = mode == 2;
        FUZZ_CHECK(rp_text_tokenize_paths(o, &doc, keep_norm, spans_only, true, &fast) == RP_OK);
        FUZZ_CHECK(rp_text_tokenize_paths(o, &doc, keep_norm, spans_only, false, &ref) == RP_OK);
        FUZZ_CHECK(fast.count == ref.count);
        FUZZ_CHECK(fast.invalid_utf8 == ref.invalid_utf8);
        FUZZ_CHECK(fast.first_invalid == ref.first_invalid);
        for (size_t i = 0; i < ref.count; i++)
            FUZZ_CHECK(fast.items[i].hash == ref.items[i].hash &&
                       fast.items[i].start == ref.items[i].start &&
                       fast.items[i].end == ref.items[i].end);
        if (keep_norm) {
            FUZZ_CHECK(fast.norm_len == ref.norm_len);
            FUZZ_CHECK(ref.norm_len == 0 || memcmp(fast.norm, ref.norm, ref.norm_len) == 0);
            FUZZ_CHECK(memcmp(fast.norm_off, ref.norm_off,
                              (ref.count + 1) * sizeof(uint32_t)) == 0);
        }
    }
    rp_tokens_release(&fast);
    rp_tokens_release(&ref);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    rp_options o;
    rp_tokens plain, kept;
    const char *text = (const char *)data + 1;
    size_t len = size ? size - 1 : 0;
    char *norm = NULL;
    size_t norm_len = 0;

    if (size == 0)
        return 0;
    options_from(data[0], &o);
    rp_tokens_init(&plain);
    rp_tokens_init(&kept);
    FUZZ_CHECK(rp_text_tokenize(&o, text, len, false, &plain) == RP_OK);
    FUZZ_CHECK(rp_text_tokenize(&o, text, len, true, &kept) == RP_OK);
    check_spans(&plain, len);
    check_kept(&o, &plain, &kept);
    check_winnow(&o, &plain);
    check_paths(&o, text, len, data[0] & 16);
    FUZZ_CHECK(rp_text_normalize(&o, text, len, &norm, &norm_len) == RP_OK);
    FUZZ_CHECK(norm[norm_len] == '\0');
    check_normal(&o, norm, norm_len);
    free(norm);
    rp_tokens_release(&plain);
    rp_tokens_release(&kept);
    return 0;
}
