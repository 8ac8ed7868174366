/*
 * test_text.c - the text model: tokens, byte spans and normal forms pinned for fixed inputs,
 * every fold switch on its own, invalid UTF-8, properties over seeded random text
 * (idempotent normalization, spans on token boundaries, equal forms give equal hashes, the
 * 16-byte window path gives the reference path's tokens), and allocation failure.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "text/text.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <xxhash.h>

/* "start-end:form start-end:form ..." for the tokens of text under opts. */
static char *describe(const rp_options *opts, const char *text, size_t len, rp_tokens *toks)
{
    static char out[8192];
    size_t used = 0;

    assert_int_equal(rp_text_tokenize(opts, text, len, true, toks), RP_OK);
    out[0] = '\0';
    for (size_t i = 0; i < toks->count; i++) {
        int n = snprintf(out + used, sizeof(out) - used, "%s%u-%u:%.*s", i ? " " : "",
                         toks->items[i].start, toks->items[i].end,
                         (int)(toks->norm_off[i + 1] - toks->norm_off[i]),
                         toks->norm + toks->norm_off[i]);
        assert_true(n > 0 && (size_t)n < sizeof(out) - used);
        used += (size_t)n;
    }
    return out;
}

static void expect_tokens(const rp_options *opts, const char *text, const char *expected)
{
    rp_tokens toks;
    rp_tokens_init(&toks);
    assert_string_equal(describe(opts, text, strlen(text), &toks), expected);
    rp_tokens_release(&toks);
}

static void expect_default(const char *text, const char *expected)
{
    rp_options opts;
    rp_options_init(&opts);
    expect_tokens(&opts, text, expected);
}

/* The hash of the only token of text. */
static uint64_t hash_of(const rp_options *opts, const char *text)
{
    rp_tokens toks;
    uint64_t h;

    rp_tokens_init(&toks);
    assert_int_equal(rp_text_tokenize(opts, text, strlen(text), false, &toks), RP_OK);
    assert_int_equal(toks.count, 1);
    h = toks.items[0].hash;
    rp_tokens_release(&toks);
    return h;
}

static void test_tokens_keep_apostrophes_inside_words(void **state)
{
    (void)state;
    expect_default("China\xE2\x80\x99s China's doesn\xE2\x80\x99t",
                   "0-9:china's 10-17:china's 18-27:doesn't");
    expect_default("the \xE2\x80\x99"
                   "90s players\xE2\x80\x99 'quoted' rock'n'roll",
                   "0-3:the 7-10:90s 11-18:players 23-29:quoted 31-42:rock'n'roll");
}

static void test_tokens_join_dotted_abbreviations(void **state)
{
    (void)state;
    expect_default("U.S. US U.K. e.g., U.S.A.", "0-4:us 5-7:us 8-12:uk 13-17:eg 19-25:usa");
    expect_default("A. Smith A.Smith a.b", "0-1:a 3-8:smith 9-10:a 11-16:smith 17-20:ab");
    expect_default("U.S.-based", "0-4:us 5-10:based");
}

static void test_tokens_split_hyphens_and_dashes(void **state)
{
    (void)state;
    expect_default("China-ASEAN Pham Minh-Chinh",
                   "0-5:china 6-11:asean 12-16:pham 17-21:minh 22-27:chinh");
    expect_default("a\xE2\x80\x94"
                   "b \xE2\x80\xA2 c\xE2\x80\xA6"
                   "d e\xE2\x80\x93"
                   "f",
                   "0-1:a 4-5:b 10-11:c 14-15:d 16-17:e 20-21:f");
}

static void test_tokens_join_line_end_hyphenation(void **state)
{
    (void)state;
    expect_default("recon-\nstruction", "0-16:reconstruction");
    expect_default("recon- \r\n  struction now", "0-20:reconstruction 21-24:now");
    expect_default("China-\nASEAN", "0-5:china 7-12:asean"); /* capital: a real compound */
    expect_default("recon-\n\nstruction", "0-5:recon 8-17:struction"); /* paragraph break */
    expect_default("ab -\ncd", "0-2:ab 5-7:cd");
}

static void test_tokens_keep_number_separators(void **state)
{
    (void)state;
    expect_default("2,000 3.5 1.2.3 2000 10, 20 v1.0",
                   "0-5:2,000 6-9:3.5 10-15:1.2.3 16-20:2000 21-23:10 25-27:20 28-32:v1.0");
}

static void test_tokens_make_each_cjk_character_a_token(void **state)
{
    (void)state;
    /* 中国 + Hiragana, Katakana, Hangul; emoji are not tokens */
    expect_default("\xE4\xB8\xAD\xE5\x9B\xBD"
                   "ab\xE3\x81\x82\xE3\x82\xA2 \xED\x95\x9C "
                   "\xF0\x9F\x98\x80 x\xF0\x9F\x98\x80y",
                   "0-3:\xE4\xB8\xAD 3-6:\xE5\x9B\xBD 6-8:ab 8-11:\xE3\x81\x82 11-14:\xE3\x82\xA2 "
                   "15-18:\xE1\x84\x92\xE1\x85\xA1\xE1\x86\xAB 24-25:x 29-30:y");
}

static void test_tokens_fold_compatibility_forms(void **state)
{
    (void)state;
    /* fullwidth letters, the fi ligature, superscript two, sharp s, dotted capital I */
    expect_default("\xEF\xBC\xA1\xEF\xBD\x82 \xEF\xAC\x81ne x\xC2\xB2 Stra\xC3\x9F"
                   "e "
                   "\xC4\xB0stanbul",
                   "0-6:ab 7-12:fine 13-16:x2 17-24:strasse 25-34:istanbul");
}

static void test_tokens_skip_bom_and_nul(void **state)
{
    rp_options opts;
    rp_tokens toks;
    const char text[] = "\xEF\xBB\xBFHello\0world";

    (void)state;
    rp_options_init(&opts);
    rp_tokens_init(&toks);
    assert_string_equal(describe(&opts, text, sizeof(text) - 1, &toks), "3-8:hello 9-14:world");
    assert_int_equal(toks.invalid_utf8, 0);
    assert_true(toks.first_invalid == SIZE_MAX);
    rp_tokens_release(&toks);
}

static void test_tokens_count_invalid_utf8_as_separators(void **state)
{
    rp_options opts;
    rp_tokens toks;
    /* overlong C0 AF, surrogate ED A0 80, lone continuation 80, F8, truncated E2 82 at end */
    const char text[] = "ab\xC0\xAF"
                        "cd \xED\xA0\x80"
                        "ef\x80gh\xF8ij \xE2\x82";

    (void)state;
    rp_options_init(&opts);
    rp_tokens_init(&toks);
    assert_string_equal(describe(&opts, text, sizeof(text) - 1, &toks),
                        "0-2:ab 4-6:cd 10-12:ef 13-15:gh 16-18:ij");
    assert_int_equal(toks.invalid_utf8, 5);
    assert_int_equal(toks.first_invalid, 2);
    assert_string_equal(describe(&opts, "ok \xE2\x82", 5, &toks), "0-2:ok");
    assert_int_equal(toks.invalid_utf8, 1);
    assert_int_equal(toks.first_invalid, 3);
    rp_tokens_release(&toks);
}

static void test_tokens_of_empty_text_are_none(void **state)
{
    rp_options opts;
    rp_tokens toks;

    (void)state;
    rp_options_init(&opts);
    rp_tokens_init(&toks);
    assert_string_equal(describe(&opts, "", 0, &toks), "");
    assert_int_equal(toks.count, 0);
    assert_int_equal(toks.norm_off[0], 0);
    assert_string_equal(describe(&opts, " \n\t.,;\xE2\x80\xA2", 9, &toks), "");
    rp_tokens_release(&toks);
}

static void test_tokens_are_replaced_on_reuse(void **state)
{
    rp_options opts;
    rp_tokens toks;

    (void)state;
    rp_options_init(&opts);
    rp_tokens_init(&toks);
    assert_string_equal(describe(&opts, "one two three \x80", 15, &toks),
                        "0-3:one 4-7:two 8-13:three");
    assert_string_equal(describe(&opts, "four", 4, &toks), "0-4:four");
    assert_int_equal(toks.invalid_utf8, 0);
    assert_true(toks.first_invalid == SIZE_MAX);
    rp_tokens_release(&toks);
}

static void test_tokens_of_very_long_lines(void **state)
{
    const size_t len = 1 << 20;
    char *text = malloc(len);
    rp_options opts;
    rp_tokens toks;

    (void)state;
    assert_non_null(text);
    rp_options_init(&opts);
    rp_tokens_init(&toks);
    memset(text, 'A', len);
    assert_int_equal(rp_text_tokenize(&opts, text, len, true, &toks), RP_OK);
    assert_int_equal(toks.count, 1);
    assert_int_equal(toks.items[0].end, len);
    assert_int_equal(toks.norm_len, len);
    assert_true(toks.norm[0] == 'a' && toks.norm[len - 1] == 'a');
    for (size_t i = 0; i < len; i += 4)
        memcpy(text + i, "abc ", 4);
    assert_int_equal(rp_text_tokenize(&opts, text, len, false, &toks), RP_OK);
    assert_int_equal(toks.count, len / 4);
    assert_int_equal(toks.items[len / 4 - 1].start, len - 4);
    assert_true(toks.items[0].hash == toks.items[len / 4 - 1].hash);
    rp_tokens_release(&toks);
    free(text);
}

static void test_fold_marks_merges_accents_only_when_on(void **state)
{
    rp_options opts;
    const char *composed = "caf\xC3\xA9", *combining = "cafe\xCC\x81";

    (void)state;
    rp_options_init(&opts);
    assert_true(hash_of(&opts, composed) == hash_of(&opts, combining));
    assert_true(hash_of(&opts, composed) == hash_of(&opts, "cafe"));
    opts.fold_marks = false;
    /* canonical equivalence still holds, the bare letter no longer matches */
    assert_true(hash_of(&opts, composed) == hash_of(&opts, combining));
    assert_true(hash_of(&opts, composed) != hash_of(&opts, "cafe"));
    expect_tokens(&opts, "cafe\xCC\x81", "0-6:cafe\xCC\x81");
    /* marks are put in canonical order: dot below (220) before acute (230) */
    assert_true(hash_of(&opts, "e\xCC\x81\xCC\xA3") == hash_of(&opts, "e\xCC\xA3\xCC\x81"));
}

static void test_fold_case_is_switchable(void **state)
{
    rp_options opts;

    (void)state;
    rp_options_init(&opts);
    assert_true(hash_of(&opts, "China") == hash_of(&opts, "CHINA"));
    assert_true(hash_of(&opts, "\xC3\x89T\xC3\x89") == hash_of(&opts, "ete"));
    opts.fold_case = false;
    assert_true(hash_of(&opts, "China") != hash_of(&opts, "CHINA"));
    expect_tokens(&opts, "China U.S. \xC3\x89t\xC3\xA9", "0-5:China 6-10:US 11-16:Ete");
}

static void test_fold_quotes_is_switchable(void **state)
{
    rp_options opts;
    char *out;
    size_t out_len;

    (void)state;
    rp_options_init(&opts);
    assert_true(hash_of(&opts, "China\xE2\x80\x99s") == hash_of(&opts, "China's"));
    assert_int_equal(rp_text_normalize(&opts,
                                       "\xE2\x80\x9C"
                                       "a\xE2\x80\x9D \xE2\x80\x94 "
                                       "\xC2\xAB"
                                       "b\xC2\xBB",
                                       17, &out, &out_len),
                     RP_OK);
    assert_string_equal(out, "\"a\" - \"b\"");
    assert_int_equal(out_len, 9);
    free(out);
    opts.fold_quotes = false;
    assert_true(hash_of(&opts, "China\xE2\x80\x99s") != hash_of(&opts, "China's"));
    expect_tokens(&opts, "China\xE2\x80\x99s", "0-9:china\xE2\x80\x99s");
}

static void test_fold_spelling_is_switchable(void **state)
{
    static const char *const pairs[][2] = {
        {"neighbours", "neighbors"},
        {"emphasised", "emphasized"},
        {"neighbourhood", "neighborhood"},
        {"emphasising", "emphasizing"},
        {"colour", "color"},
        {"honourable", "honorable"},
        {"organisation", "organization"},
        {"recognise", "recognize"},
        {"realised", "realized"},
        {"analyse", "analyze"},
        {"paralysed", "paralyzed"},
        {"centre", "center"},
        {"theatres", "theaters"},
        {"kilometre", "kilometer"},
        {"centred", "centered"},
        {"travelled", "traveled"},
        {"cancelling", "canceling"},
        {"modelling", "modeling"},
        {"labelled", "labeled"},
        {"counsellor", "counselor"},
        {"programme", "program"},
        {"defence", "defense"},
        {"licence", "license"},
        {"offences", "offenses"},
        {"catalogue", "catalog"},
        {"grey", "gray"},
        {"criticised", "criticized"},
        {"harbour", "harbor"},
        {"jewellery", "jewelry"},
        {"practising", "practicing"},
    };
    rp_options opts;

    (void)state;
    rp_options_init(&opts);
    for (size_t i = 0; i < sizeof(pairs) / sizeof(pairs[0]); i++)
        assert_true(hash_of(&opts, pairs[i][0]) == hash_of(&opts, pairs[i][1]));
    opts.fold_spelling = false;
    for (size_t i = 0; i < sizeof(pairs) / sizeof(pairs[0]); i++)
        assert_true(hash_of(&opts, pairs[i][0]) != hash_of(&opts, pairs[i][1]));
}

static void test_fold_spelling_leaves_false_friends_alone(void **state)
{
    rp_options opts;

    (void)state;
    rp_options_init(&opts);
    expect_tokens(&opts,
                  "four hour your tour pour flour rise wise precise exercise advertise surprise "
                  "comprise promise franchise analysis emphasis propelled compelled cancellation "
                  "rigorous metro centrist",
                  "0-4:four 5-9:hour 10-14:your 15-19:tour 20-24:pour 25-30:flour 31-35:rise "
                  "36-40:wise 41-48:precise 49-57:exercise 58-67:advertise 68-76:surprise "
                  "77-85:comprise 86-93:promise 94-103:franchise 104-112:analysis "
                  "113-121:emphasis 122-131:propelled 132-141:compelled 142-154:cancellation "
                  "155-163:rigorous 164-169:metro 170-178:centrist");
}

static void test_fold_spelling_keeps_case_without_fold_case(void **state)
{
    rp_options opts;

    (void)state;
    rp_options_init(&opts);
    opts.fold_case = false;
    expect_tokens(&opts, "Neighbours NEIGHBOURS neighbours NeighBours China's Colour's",
                  "0-10:Neighbors 11-21:NEIGHBORS 22-32:neighbors 33-43:NeighBours "
                  "44-51:China's 52-60:Color's");
}

static void test_normalize_matches_token_forms(void **state)
{
    rp_options opts;
    char *out;
    size_t out_len;

    (void)state;
    rp_options_init(&opts);
    assert_int_equal(
        rp_text_normalize(&opts, "Neighbours\xE2\x80\x99 Caf\xC3\xA9 \xC0", 21, &out, &out_len),
        RP_OK);
    assert_string_equal(out, "neighbors' cafe \xEF\xBF\xBD");
    assert_true(XXH3_64bits("cafe", 4) == hash_of(&opts, "Caf\xC3\xA9"));
    free(out);
    assert_int_equal(rp_text_normalize(&opts, "", 0, &out, &out_len), RP_OK);
    assert_string_equal(out, "");
    assert_int_equal(out_len, 0);
    free(out);
}

/* ---- properties over seeded random text ---- */

static uint64_t rng_state;

static uint32_t rng(void)
{
    rng_state = rng_state * 6364136223846793005ULL + 1442695040888963407ULL;
    return (uint32_t)(rng_state >> 33);
}

/* Appends a random piece: ASCII words, accented letters, CJK, punctuation, quotes, invalid. */
static size_t random_piece(char *dst)
{
    static const char *const pieces[] = {
        "the",
        "China",
        "neighbours",
        "neighbors",
        "U.S.",
        "US",
        "e.g.",
        "2,000",
        "3.5",
        " ",
        "  ",
        "\n",
        "\r\n",
        "-",
        "-\n",
        "'",
        ".",
        ",",
        "\xE2\x80\x99",
        "\xE2\x80\x9C",
        "\xE2\x80\x94",
        "\xE2\x80\xA2",
        "\xC3\xA9",
        "e\xCC\x81",
        "\xCC\xA3",
        "\xE4\xB8\xAD",
        "\xE3\x81\x82",
        "\xED\x95\x9C",
        "\xF0\x9F\x98\x80",
        "\xC0\xAF",
        "\xED\xA0\x80",
        "\x80",
        "\xE2\x82",
        "\xEF\xAC\x81",
        "\xC3\x9F",
        "\xC4\xB0",
        "\xCE\xA3",
        "\xC2\xAD",
        "colour",
        "emphasise",
        "centre",
        "travelled",
        "Ab",
        "x",
        "\xEF\xBC\xA1",
        "\xC2\xB2",
        "\0",
        "\xE1\xBE\xB3",
    };
    size_t i = rng() % (sizeof(pieces) / sizeof(pieces[0]));
    size_t n = pieces[i][0] ? strlen(pieces[i]) : 1;
    memcpy(dst, pieces[i], n);
    return n;
}

static size_t random_text(char *buf, size_t cap)
{
    size_t len = 0, pieces = rng() % 40;
    for (size_t i = 0; i < pieces && len + 16 < cap; i++)
        len += random_piece(buf + len);
    return len;
}

/* Diagnostics for a failed property: the input in hex. */
/* Default options with the folds switched off in turn, by iteration. */
static void options_of_iteration(rp_options *opts, int iter)
{
    rp_options_init(opts);
    opts->fold_case = iter % 3 != 1;
    opts->fold_marks = iter % 5 != 2;
    opts->fold_spelling = iter % 7 != 3;
}

static void print_hex(const char *what, const char *s, size_t len)
{
    print_message("%s:", what);
    for (size_t i = 0; i < len; i++)
        print_message(" %02x", (unsigned char)s[i]);
    print_message("\n");
}

static bool word_byte(const char *text, size_t len, size_t p)
{
    /* an ASCII letter or digit, or any non-ASCII byte (part of a letter, mark, ...) */
    unsigned char b = p < len ? (unsigned char)text[p] : 0;
    return (b >= '0' && b <= '9') || ((b | 0x20) >= 'a' && (b | 0x20) <= 'z') || b >= 0x80;
}

static void test_property_normalize_is_idempotent(void **state)
{
    rp_options opts;
    char buf[1024];

    (void)state;
    rng_state = 20240611;
    for (int iter = 0; iter < 500; iter++) {
        size_t len = random_text(buf, sizeof(buf)), n1, n2;
        char *once, *twice;
        rp_options_init(&opts);
        opts.fold_case = iter % 3 != 1;
        opts.fold_marks = iter % 5 != 2;
        assert_int_equal(rp_text_normalize(&opts, buf, len, &once, &n1), RP_OK);
        assert_int_equal(rp_text_normalize(&opts, once, n1, &twice, &n2), RP_OK);
        if (n1 != n2 || memcmp(once, twice, n1) != 0)
            print_hex("input", buf, len), print_hex("once", once, n1),
                print_hex("twice", twice, n2);
        assert_int_equal(n1, n2);
        assert_memory_equal(once, twice, n1);
        free(once);
        free(twice);
    }
}

/*
 * Spans lie inside the text, in order, without overlap. A token starts at a letter or digit
 * (ASCII or not); when that is ASCII, the byte before it is not an ASCII letter or digit (a
 * CJK token may follow a word directly). Its last byte is a letter or digit byte or the final
 * dot of an abbreviation; after an ASCII last byte other than that dot comes no ASCII letter
 * or digit. Tokens with equal normal forms have equal hashes (XXH3 of the form).
 */
static void test_property_spans_lie_on_token_boundaries(void **state)
{
    rp_options opts;
    rp_tokens toks;
    char buf[1024];

    (void)state;
    rng_state = 7;
    rp_options_init(&opts);
    rp_tokens_init(&toks);
    for (int iter = 0; iter < 500; iter++) {
        size_t len = random_text(buf, sizeof(buf)), prev_end = 0;
        assert_int_equal(rp_text_tokenize(&opts, buf, len, true, &toks), RP_OK);
        for (size_t i = 0; i < toks.count; i++) {
            const rp_token *t = &toks.items[i];
            const char *form = toks.norm + toks.norm_off[i];
            size_t form_len = toks.norm_off[i + 1] - toks.norm_off[i];
            assert_true(t->start >= prev_end && t->start < t->end && t->end <= len);
            assert_true(word_byte(buf, len, t->start));
            assert_false(t->start > 0 && word_byte(buf, len, t->start - 1) &&
                         (unsigned char)buf[t->start - 1] < 0x80 &&
                         (unsigned char)buf[t->start] < 0x80);
            assert_false(t->end < len && word_byte(buf, len, t->end) &&
                         (unsigned char)buf[t->end] < 0x80 &&
                         (unsigned char)buf[t->end - 1] < 0x80 && buf[t->end - 1] != '.');
            assert_true(word_byte(buf, len, t->end - 1) || buf[t->end - 1] == '.');
            assert_true(form_len > 0);
            assert_true(t->hash == XXH3_64bits(form, form_len));
            for (size_t j = 0; j < i; j++) {
                size_t other_len = toks.norm_off[j + 1] - toks.norm_off[j];
                if (other_len == form_len &&
                    memcmp(toks.norm + toks.norm_off[j], form, form_len) == 0)
                    assert_true(toks.items[j].hash == t->hash);
            }
            prev_end = t->end;
        }
    }
    rp_tokens_release(&toks);
}

static void test_property_keep_norm_does_not_change_tokens(void **state)
{
    rp_options opts;
    rp_tokens a, b;
    char buf[1024];

    (void)state;
    rng_state = 99;
    rp_options_init(&opts);
    rp_tokens_init(&a);
    rp_tokens_init(&b);
    for (int iter = 0; iter < 500; iter++) {
        size_t len = random_text(buf, sizeof(buf));
        assert_int_equal(rp_text_tokenize(&opts, buf, len, true, &a), RP_OK);
        assert_int_equal(rp_text_tokenize(&opts, buf, len, false, &b), RP_OK);
        assert_int_equal(a.count, b.count);
        assert_int_equal(a.invalid_utf8, b.invalid_utf8);
        if (a.count)
            assert_memory_equal(a.items, b.items, a.count * sizeof(rp_token));
    }
    rp_tokens_release(&a);
    rp_tokens_release(&b);
}

static rp_status keep_all_sink(void *ctx, rp_tokens *toks)
{
    (void)ctx;
    (void)toks;
    return RP_OK;
}

/* The spans-only tokenizer gives the same tokens with the same spans under every fold setting;
 * a hash it skipped is 0, the rest equal rp_text_tokenize's. (One block holds every token of a
 * 1 KB text, so the sink never runs.) */
static void test_property_token_spans_match_tokenize(void **state)
{
    rp_options opts;
    rp_tokens a, b;
    char buf[1024];
    size_t skipped = 0;

    (void)state;
    rng_state = 31337;
    rp_tokens_init(&a);
    rp_tokens_init(&b);
    for (int iter = 0; iter < 800; iter++) {
        size_t len = random_text(buf, sizeof(buf));
        options_of_iteration(&opts, iter);
        assert_int_equal(rp_text_tokenize(&opts, buf, len, false, &a), RP_OK);
        assert_int_equal(rp_text_tokenize_stream(&opts, buf, len, true, sizeof(buf) + 1,
                                                 keep_all_sink, NULL, &b),
                         RP_OK);
        assert_int_equal(a.count, b.count);
        assert_int_equal(a.invalid_utf8, b.invalid_utf8);
        for (size_t i = 0; i < a.count; i++) {
            assert_int_equal(a.items[i].start, b.items[i].start);
            assert_int_equal(a.items[i].end, b.items[i].end);
            assert_true(b.items[i].hash == 0 || b.items[i].hash == a.items[i].hash);
            skipped += b.items[i].hash == 0;
        }
    }
    assert_true(skipped > 200); /* the fast path was taken (561 times with this seed) */
    rp_tokens_release(&a);
    rp_tokens_release(&b);
}

/* A sink that keeps the last `keep` tokens of each block and records the others. */
typedef struct collect {
    rp_tokens got;
    size_t keep, calls;
} collect;

static void take(collect *c, const rp_token *t, size_t n)
{
    assert_int_equal(rp_grow((void **)&c->got.items, &c->got.cap, c->got.count + n + 1,
                             sizeof(rp_token)),
                     RP_OK);
    memcpy(c->got.items + c->got.count, t, n * sizeof(*t));
    c->got.count += n;
}

static rp_status collect_sink(void *ctx, rp_tokens *toks)
{
    collect *c = ctx;
    size_t keep = c->keep < toks->count ? c->keep : toks->count;
    c->calls++;
    take(c, toks->items, toks->count - keep);
    memmove(toks->items, toks->items + toks->count - keep, keep * sizeof(rp_token));
    toks->count = keep;
    return RP_OK;
}

/* Streamed in blocks of any size, with a tail kept back, the tokens are rp_text_tokenize's. */
static void test_property_stream_gives_the_same_tokens(void **state)
{
    rp_options opts;
    rp_tokens whole, held;
    char buf[1024];
    size_t blocks = 0;

    (void)state;
    rng_state = 4242;
    rp_tokens_init(&whole);
    rp_tokens_init(&held);
    for (int iter = 0; iter < 600; iter++) {
        size_t len = random_text(buf, sizeof(buf));
        collect c = {.keep = rng() % 4, .calls = 0};
        size_t block = c.keep + 1 + rng() % 9;
        rp_tokens_init(&c.got);
        options_of_iteration(&opts, iter);
        assert_int_equal(rp_text_tokenize(&opts, buf, len, false, &whole), RP_OK);
        bool spans_only = iter % 2; /* the spans-only mode streams too */
        assert_int_equal(rp_text_tokenize_stream(&opts, buf, len, spans_only, block,
                                                 collect_sink, &c, &held),
                         RP_OK);
        assert_true(held.count <= block);
        take(&c, held.items, held.count);
        assert_int_equal(c.got.count, whole.count);
        assert_int_equal(held.invalid_utf8, whole.invalid_utf8);
        assert_int_equal(held.first_invalid, whole.first_invalid);
        for (size_t i = 0; i < whole.count; i++) {
            assert_true(c.got.items[i].hash == whole.items[i].hash ||
                        (spans_only && c.got.items[i].hash == 0));
            assert_int_equal(c.got.items[i].start, whole.items[i].start);
            assert_int_equal(c.got.items[i].end, whole.items[i].end);
        }
        blocks += c.calls;
        rp_free(c.got.items);
    }
    assert_true(blocks > 400); /* the sink really ran, many times (729 with this seed) */
    /* a sink that keeps a whole block would be called for every token: refused */
    assert_int_equal(rp_text_tokenize_stream(&opts, "one two three four", 18, false, 2,
                                             keep_all_sink, NULL, &held),
                     RP_EINVAL);
    assert_int_equal(rp_text_tokenize_stream(&opts, "one", 3, false, 0, keep_all_sink, NULL, &held),
                     RP_EINVAL);
    rp_tokens_release(&whole);
    rp_tokens_release(&held);
}

/* ---- the 16-byte window path against the reference path ---- */

/* A piece of text for the two paths to disagree on, if they can: words that end exactly at a
 * window's edge or run past it, joiners, spellings, digits, and every kind of non-ASCII byte. */
static size_t mixed_piece(char *dst)
{
    static const char *const pieces[] = {
        "the", "A", "of", "news", "Reuters", "THE", "colour", "Colour", "COLOUR", "colourful",
        "neighbours", "favour's", "organise", "organised", "travelled", "centre", "metres",
        "analyse", "internationalisation", "abcdefghijklmnopq", "abcdefghijklmno",
        "abcdefghijklmnop", "A380", "covid19", "19", "2026", "2,000", "3.5", "1.", "7,", "U.S.",
        "e.g.", "a.b", "don't", "China's", "'s", "rock'n'roll", "recon-\nstruction",
        "recon- \r\n\tstruction", "well-known", "China-ASEAN", "x-\nY", "5-\nyear", "-", "--",
        ".", ",", "'", "''", "\"", "(", ")", ";", ":", "!", "?", " ", "  ", "\t", "\n", "\r\n",
        "\r", "\n\n", "\xE2\x80\x99", "\xE2\x80\x98", "\xE2\x80\x9C", "\xE2\x80\x94",
        "\xE2\x80\x90", "\xC2\xAD", "\xC3\xA9", "caf\xC3\xA9", "e\xCC\x81", "\xCC\xA3",
        "na\xC3\xAFve", "\xC3\x9F", "\xC4\xB0", "\xCE\xA3\xCE\xBF", "\xEF\xAC\x81", "\xEF\xBC\xA1",
        "\xC2\xB2", "\xE4\xB8\xAD\xE6\x96\x87", "\xE3\x81\x82", "\xED\x95\x9C",
        "\xF0\x9F\x98\x80", "\xF0\x9F\x87\xAC\xF0\x9F\x87\xA7", "\xC0\xAF", "\xED\xA0\x80",
        "\x80", "\xBF", "\xFF", "\xE2\x82", "\xF4\x90\x80\x80", "\xEF\xBB\xBF", "\0",
        "\xE1\xBE\xB3", "\x7F", "\x01",
    };
    unsigned pick = rng() % 16;

    if (pick == 0) { /* a run of random bytes, ASCII or not */
        size_t n = 1 + rng() % 6;
        for (size_t i = 0; i < n; i++)
            dst[i] = (char)(rng() % 4 ? rng() % 0x80 : rng() % 0x100);
        return n;
    }
    if (pick == 1) { /* a run of random ASCII letters and digits, up to 40 bytes */
        static const char alnum[] = "abcdefghijklmnopqrstuvwxyz"
                                    "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
        size_t n = 1 + rng() % 40;
        for (size_t i = 0; i < n; i++)
            dst[i] = alnum[rng() % (sizeof(alnum) - 1)];
        return n;
    }
    size_t i = rng() % (sizeof(pieces) / sizeof(pieces[0]));
    size_t n = pieces[i][0] ? strlen(pieces[i]) : 1;
    memcpy(dst, pieces[i], n);
    return n;
}

/* Random ignored ranges, by start, that may overlap and run past the end. */
static size_t random_ranges(rp_range *r, size_t cap, size_t len)
{
    size_t n = rng() % 3 ? 0 : rng() % cap, at = 0;

    for (size_t i = 0; i < n; i++) {
        at += rng() % (len / 4 + 2);
        r[i].start = (uint32_t)at;
        r[i].end = (uint32_t)(at + rng() % 30);
    }
    return n;
}

static void expect_same_tokens(const rp_tokens *a, const rp_tokens *b, bool keep_norm)
{
    assert_int_equal(a->count, b->count);
    assert_int_equal(a->invalid_utf8, b->invalid_utf8);
    assert_int_equal(a->first_invalid, b->first_invalid);
    for (size_t i = 0; i < a->count; i++) {
        assert_int_equal(a->items[i].start, b->items[i].start);
        assert_int_equal(a->items[i].end, b->items[i].end);
        assert_true(a->items[i].hash == b->items[i].hash);
    }
    if (!keep_norm)
        return;
    assert_int_equal(a->norm_len, b->norm_len);
    assert_memory_equal(a->norm, b->norm, a->norm_len);
    assert_memory_equal(a->norm_off, b->norm_off, (a->count + 1) * sizeof(uint32_t));
}

/* Every option, every mode, ignored ranges: the window path gives the reference's tokens,
 * spans, hashes, kept forms and invalid counts. */
static void test_property_window_path_matches_reference(void **state)
{
    rp_options opts;
    rp_tokens fast, ref;
    rp_range ranges[8];
    char buf[2048];
    size_t tokens = 0;

    (void)state;
    rng_state = 20261207;
    rp_tokens_init(&fast);
    rp_tokens_init(&ref);
    for (int iter = 0; iter < 6000; iter++) {
        size_t len = 0, pieces = rng() % 120;
        unsigned flags = rng();
        bool keep_norm = flags & 16, spans_only = !keep_norm && (flags & 32);
        for (size_t i = 0; i < pieces && len + 64 < sizeof(buf); i++)
            len += mixed_piece(buf + len);
        rp_options_init(&opts);
        opts.fold_case = !(flags & 1) || (flags & 64); /* mostly on, as by default */
        opts.fold_marks = !(flags & 2);
        opts.fold_quotes = !(flags & 4);
        opts.fold_spelling = !(flags & 8);
        rp_doc doc = {.bytes = buf, .len = len};
        doc.ignored_count = random_ranges(ranges, 8, len);
        doc.ignored = ranges;
        assert_int_equal(rp_text_tokenize_paths(&opts, &doc, keep_norm, spans_only, true, &fast),
                         RP_OK);
        assert_int_equal(rp_text_tokenize_paths(&opts, &doc, keep_norm, spans_only, false, &ref),
                         RP_OK);
        if (fast.count != ref.count)
            print_hex("text", buf, len);
        expect_same_tokens(&fast, &ref, keep_norm);
        tokens += ref.count;
    }
    assert_true(tokens > 100000); /* the inputs were not trivially empty */
    rp_tokens_release(&fast);
    rp_tokens_release(&ref);
}

/* The public entry points take the window path: rp_text_tokenize is the window path's result. */
static void test_tokenize_takes_the_window_path(void **state)
{
    static const char text[] = "The colour of the neighbours' 2,000 metres of U.S. road, said "
                               "Reuters on Tuesday; caf\xC3\xA9 r\xC3\xA9sum\xC3\xA9 done.";
    rp_options opts;
    rp_tokens a, b;
    rp_doc doc = {.bytes = text, .len = sizeof(text) - 1};

    (void)state;
    rp_options_init(&opts);
    rp_tokens_init(&a);
    rp_tokens_init(&b);
    assert_int_equal(rp_text_tokenize(&opts, text, sizeof(text) - 1, false, &a), RP_OK);
    assert_int_equal(rp_text_tokenize_paths(&opts, &doc, false, false, false, &b), RP_OK);
    assert_int_equal(a.count, 17);
    expect_same_tokens(&a, &b, false);
    rp_tokens_release(&a);
    rp_tokens_release(&b);
}

static void test_tokenize_fails_cleanly_when_allocation_fails(void **state)
{
    const char *text = "Caf\xC3\xA9 neighbours U.S. \xE4\xB8\xAD colour e\xCC\x81\xCC\xA3 2,000 "
                       "one two three four five six seven eight nine ten eleven twelve";
    rp_options opts;
    rp_status st = RP_ENOMEM;
    unsigned long n;

    (void)state;
    rp_options_init(&opts);
    opts.fold_marks = false;
    for (n = 1; n < 1000 && st != RP_OK; n++) {
        rp_tokens toks;
        rp_tokens_init(&toks);
        rp_alloc_fail_after(n);
        st = rp_text_tokenize(&opts, text, strlen(text), true, &toks);
        rp_alloc_fail_after(0);
        assert_true(st == RP_OK || st == RP_ENOMEM);
        if (st == RP_OK)
            assert_int_equal(toks.count, 19);
        rp_tokens_release(&toks);
    }
    assert_int_equal(st, RP_OK);
    assert_true(n > 3); /* items, norm and norm_off each failed once */
    for (n = 1, st = RP_ENOMEM; n < 100 && st != RP_OK; n++) {
        char *out = NULL;
        size_t out_len;
        rp_alloc_fail_after(n);
        st = rp_text_normalize(&opts, text, strlen(text), &out, &out_len);
        rp_alloc_fail_after(0);
        assert_true(st == RP_OK || (st == RP_ENOMEM && out == NULL));
        free(out);
    }
    assert_int_equal(st, RP_OK);
}

static void test_tokenize_rejects_texts_of_4_gib(void **state)
{
    rp_options opts;
    rp_tokens toks;

    (void)state;
    if (SIZE_MAX <= UINT32_MAX)
        skip();
    rp_options_init(&opts);
    rp_tokens_init(&toks);
    /* the length is checked before any byte is read */
    assert_int_equal(rp_text_tokenize(&opts, "", (size_t)UINT32_MAX + 1, false, &toks), RP_ELIMIT);
    rp_tokens_release(&toks);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_tokens_keep_apostrophes_inside_words),
        cmocka_unit_test(test_tokens_join_dotted_abbreviations),
        cmocka_unit_test(test_tokens_split_hyphens_and_dashes),
        cmocka_unit_test(test_tokens_join_line_end_hyphenation),
        cmocka_unit_test(test_tokens_keep_number_separators),
        cmocka_unit_test(test_tokens_make_each_cjk_character_a_token),
        cmocka_unit_test(test_tokens_fold_compatibility_forms),
        cmocka_unit_test(test_tokens_skip_bom_and_nul),
        cmocka_unit_test(test_tokens_count_invalid_utf8_as_separators),
        cmocka_unit_test(test_tokens_of_empty_text_are_none),
        cmocka_unit_test(test_tokens_are_replaced_on_reuse),
        cmocka_unit_test(test_tokens_of_very_long_lines),
        cmocka_unit_test(test_fold_marks_merges_accents_only_when_on),
        cmocka_unit_test(test_fold_case_is_switchable),
        cmocka_unit_test(test_fold_quotes_is_switchable),
        cmocka_unit_test(test_fold_spelling_is_switchable),
        cmocka_unit_test(test_fold_spelling_leaves_false_friends_alone),
        cmocka_unit_test(test_fold_spelling_keeps_case_without_fold_case),
        cmocka_unit_test(test_normalize_matches_token_forms),
        cmocka_unit_test(test_property_normalize_is_idempotent),
        cmocka_unit_test(test_property_spans_lie_on_token_boundaries),
        cmocka_unit_test(test_property_keep_norm_does_not_change_tokens),
        cmocka_unit_test(test_property_token_spans_match_tokenize),
        cmocka_unit_test(test_property_stream_gives_the_same_tokens),
        cmocka_unit_test(test_property_window_path_matches_reference),
        cmocka_unit_test(test_tokenize_takes_the_window_path),
        cmocka_unit_test(test_tokenize_fails_cleanly_when_allocation_fails),
        cmocka_unit_test(test_tokenize_rejects_texts_of_4_gib),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
