/*
 * test_terminal.c - text for a terminal: rp_write_safe's rule for each class of dangerous
 * character (C0 controls, DEL, C1 controls, invalid UTF-8, bidi controls), the text excerpt,
 * and the scan and dedup text reports, which must carry no raw control byte of a hostile
 * document name or passage.
 */
#include "base/escape.h"
#include "report/report.h"

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

/* What a writer wrote into a memory stream, NUL-terminated (free()). */
typedef struct captured {
    FILE *f;
    char *data;
    size_t len;
} captured;

static void capture_open(captured *c)
{
    c->data = NULL;
    c->len = 0;
    c->f = open_memstream(&c->data, &c->len);
    assert_non_null(c->f);
}

static char *capture_close(captured *c)
{
    assert_int_equal(ferror(c->f), 0);
    assert_int_equal(fclose(c->f), 0);
    return c->data;
}

/* rp_write_safe of len bytes, as a string (free()). */
static char *safe(const char *text, size_t len)
{
    captured c;
    capture_open(&c);
    rp_write_safe(c.f, text, len);
    return capture_close(&c);
}

static void assert_safe(const char *text, size_t len, const char *want)
{
    char *got = safe(text, len);
    assert_string_equal(got, want);
    free(got);
}

#define ASSERT_SAFE(lit, want) assert_safe(lit, sizeof(lit) - 1, want)

/* True when s holds no byte a terminal acts on: C0 but LF, DEL, C1 as UTF-8 (C2 80..C2 9F),
 * bidi controls (E2 80 AA..AE, E2 81 A6..A9), or invalid UTF-8. */
static bool terminal_clean(const char *text, size_t len)
{
    const unsigned char *s = (const unsigned char *)text;

    for (size_t i = 0; i < len;) {
        size_t n = rp_escape_utf8_len(s + i, len - i);
        if (n == 0 || (s[i] < 0x20 && s[i] != '\n') || s[i] == 0x7F)
            return false;
        if (n == 2 && s[i] == 0xC2 && s[i + 1] <= 0x9F)
            return false;
        if (n == 3 && s[i] == 0xE2 && s[i + 1] == 0x80 && s[i + 2] >= 0xAA && s[i + 2] <= 0xAE)
            return false;
        if (n == 3 && s[i] == 0xE2 && s[i + 1] == 0x81 && s[i + 2] >= 0xA6 && s[i + 2] <= 0xA9)
            return false;
        i += n;
    }
    return true;
}

/* ---- rp_write_safe, class by class ---- */

static void test_write_safe_keeps_printable_text_and_valid_utf8(void **state)
{
    (void)state;
    ASSERT_SAFE("plain name.txt", "plain name.txt");
    ASSERT_SAFE("caf\xc3\xa9 \xe2\x80\x94 \xe6\x9d\xb1\xe4\xba\xac \xf0\x9f\x8e\x89",
                "caf\xc3\xa9 \xe2\x80\x94 \xe6\x9d\xb1\xe4\xba\xac \xf0\x9f\x8e\x89");
    ASSERT_SAFE("back\\slash \"quoted\" ~", "back\\slash \"quoted\" ~");
    /* the neighbours of the escaped ranges pass: NBSP, U+2029, U+2065, U+206A, RLM */
    ASSERT_SAFE("\xc2\xa0|\xe2\x80\xa9|\xe2\x81\xa5|\xe2\x81\xaa|\xe2\x80\x8f",
                "\xc2\xa0|\xe2\x80\xa9|\xe2\x81\xa5|\xe2\x81\xaa|\xe2\x80\x8f");
    ASSERT_SAFE("", "");
}

static void test_write_safe_escapes_every_c0_control_and_del(void **state)
{
    char want[16];

    (void)state;
    ASSERT_SAFE("\x1b]0;owned\x07", "\\x1b]0;owned\\x07");
    ASSERT_SAFE("\x1b[2J\x1b[31mred", "\\x1b[2J\\x1b[31mred");
    ASSERT_SAFE("a\tb\nc\rd", "a\\tb\\nc\\rd");
    ASSERT_SAFE("nul\0here", "nul\\x00here");
    ASSERT_SAFE("del\x7f", "del\\x7f");
    for (int c = 0; c < 0x20; c++) {
        char in = (char)c;
        if (c == '\t' || c == '\n' || c == '\r')
            continue;
        snprintf(want, sizeof(want), "\\x%02x", c);
        assert_safe(&in, 1, want);
    }
}

static void test_write_safe_escapes_c1_controls_as_code_points(void **state)
{
    (void)state;
    ASSERT_SAFE("\xc2\x80", "\\u0080");
    ASSERT_SAFE("\302\23331m", "\\u009b31m");                /* CSI */
    ASSERT_SAFE("\302\2350;t\302\234", "\\u009d0;t\\u009c"); /* OSC ... ST */
    ASSERT_SAFE("\xc2\x9f", "\\u009f");
    for (unsigned c = 0x80; c <= 0x9F; c++) {
        char in[2] = {(char)0xC2, (char)c}, want[8];
        snprintf(want, sizeof(want), "\\u%04x", c);
        assert_safe(in, 2, want);
    }
}

static void test_write_safe_escapes_each_invalid_utf8_byte(void **state)
{
    (void)state;
    ASSERT_SAFE("\xff", "\\xff");
    ASSERT_SAFE("a\x80z", "a\\x80z");                        /* stray continuation */
    ASSERT_SAFE("\xc0\xaf", "\\xc0\\xaf");                   /* overlong '/' */
    ASSERT_SAFE("\xed\xa0\x80", "\\xed\\xa0\\x80");          /* surrogate */
    ASSERT_SAFE("\xf4\x90\x80\x80", "\\xf4\\x90\\x80\\x80"); /* past U+10FFFF */
    ASSERT_SAFE("end\xe2\x82", "end\\xe2\\x82");             /* truncated */
    /* a raw C1 byte (Latin-1 CSI) is invalid UTF-8: escaped, not passed to the terminal */
    ASSERT_SAFE("\2332J", "\\x9b2J");
}

static void test_write_safe_escapes_bidi_embeddings_overrides_and_isolates(void **state)
{
    (void)state;
    ASSERT_SAFE("\xe2\x80\xaa", "\\u202a");
    ASSERT_SAFE("\xe2\x80\xab", "\\u202b");
    ASSERT_SAFE("\xe2\x80\xac", "\\u202c");
    ASSERT_SAFE("\xe2\x80\xad", "\\u202d");
    ASSERT_SAFE("invoice\xe2\x80\xaetxt.exe", "invoice\\u202etxt.exe");
    ASSERT_SAFE("\xe2\x81\xa6", "\\u2066");
    ASSERT_SAFE("\xe2\x81\xa7", "\\u2067");
    ASSERT_SAFE("\xe2\x81\xa8", "\\u2068");
    ASSERT_SAFE("\xe2\x81\xa9", "\\u2069");
}

static void test_write_safe_output_is_always_terminal_clean(void **state)
{
    unsigned char all[256 + 64];
    size_t n = 0;
    char *got;

    (void)state;
    for (int c = 0; c < 256; c++)
        all[n++] = (unsigned char)c;
    memcpy(all + n, "\xc2\x85\xe2\x80\xae\xe2\x81\xa9\xed\xbf\xbf", 11);
    n += 11;
    got = safe((const char *)all, n);
    assert_true(terminal_clean(got, strlen(got)));
    assert_null(strchr(got, '\n'));
    free(got);
}

/* ---- the excerpt ---- */

static char *excerpt(const char *text, size_t len)
{
    captured c;
    capture_open(&c);
    rp_report_text_excerpt(c.f, text, len);
    return capture_close(&c);
}

static void test_excerpt_folds_white_space_and_escapes_the_rest(void **state)
{
    static const char text[] = "  one\t\ttwo\r\n three\x1b[1m \xc2\x9b\xe2\x80\xae\xff end \n";
    char *got = excerpt(text, sizeof(text) - 1);

    (void)state;
    assert_string_equal(got, "\"one two three\\x1b[1m \\u009b\\u202e\\xff end\"");
    free(got);
}

static void test_excerpt_counts_escapes_toward_its_width(void **state)
{
    char text[200], *got;

    (void)state;
    memset(text, 0x1b, sizeof(text));
    got = excerpt(text, sizeof(text));
    /* 18 escapes of 4 bytes fill the 72 bytes shown */
    assert_int_equal(strlen(got), 1 + 18 * 4 + strlen("…\""));
    assert_true(strncmp(got + 1 + 18 * 4, "…\"", strlen("…\"")) == 0);
    free(got);
}

/* ---- the text reports ---- */

#define HOSTILE_A "evil\x1b]0;pwned\x07name"
#define HOSTILE_B "also\302\2332J\342\200\256txt\377"

static const char shared_text[] =
    "The ferry schedule changes on the first of the month when the winter timetable begins "
    "and the late crossing to the island is dropped until spring returns to the harbour town "
    "and the cafes open their terraces again for the visitors who come by the morning boat.";

static rp_corpus *hostile_corpus(void)
{
    rp_corpus *corpus = NULL;
    char a[1024], b[1024];

    snprintf(a, sizeof(a), "Notes from the quay.\n%s\nMore \x1b[5mlater.\n", shared_text);
    snprintf(b, sizeof(b), "A letter home. %s The end.\n", shared_text);
    assert_int_equal(rp_corpus_new(&corpus), RP_OK);
    assert_int_equal(rp_corpus_add(corpus, HOSTILE_A, a, strlen(a), NULL), RP_OK);
    assert_int_equal(rp_corpus_add(corpus, HOSTILE_B, b, strlen(b), NULL), RP_OK);
    return corpus;
}

static void test_scan_text_report_escapes_hostile_names(void **state)
{
    rp_corpus *corpus = hostile_corpus();
    rp_options opts;
    rp_scan *scan = NULL;
    captured c;
    char *got;

    (void)state;
    rp_options_init(&opts);
    opts.threads = 1;
    assert_int_equal(rp_scan_run(corpus, &opts, NULL, NULL, &scan), RP_OK);
    assert_true(rp_scan_cluster_count(scan) >= 1);
    capture_open(&c);
    assert_int_equal(rp_report_scan(c.f, RP_FORMAT_TEXT, corpus, scan, &opts), RP_OK);
    got = capture_close(&c);
    assert_true(terminal_clean(got, c.len));
    /* in the cluster's passage lines and in the coverage list */
    assert_non_null(strstr(got, "  evil\\x1b]0;pwned\\x07name:"));
    assert_non_null(strstr(got, "  also\\u009b2J\\u202etxt\\xff:"));
    assert_non_null(strstr(got, "% of evil\\x1b]0;pwned\\x07name  ["));
    assert_non_null(strstr(got, "% of also\\u009b2J\\u202etxt\\xff  ["));
    free(got);
    rp_scan_free(scan);
    rp_corpus_free(corpus);
}

static void test_dedup_text_report_escapes_hostile_names(void **state)
{
    rp_corpus *corpus = hostile_corpus();
    rp_options opts;
    rp_dedup_options dopts;
    rp_dedup *dd = NULL;
    captured c;
    char *got;

    (void)state;
    rp_options_init(&opts);
    rp_dedup_options_init(&dopts);
    assert_int_equal(rp_dedup_run(corpus, &opts, &dopts, &dd), RP_OK);
    assert_int_equal(rp_dedup_group_count(dd), 1);
    capture_open(&c);
    assert_int_equal(rp_report_dedup(c.f, RP_FORMAT_TEXT, corpus, dd, &opts, &dopts), RP_OK);
    got = capture_close(&c);
    assert_true(terminal_clean(got, c.len));
    assert_non_null(strstr(got, "keep evil\\x1b]0;pwned\\x07name\n"));
    assert_non_null(strstr(got, " also\\u009b2J\\u202etxt\\xff (resemblance"));
    assert_non_null(strstr(got, "of evil\\x1b]0;pwned\\x07name)\n"));
    free(got);
    rp_dedup_free(dd);
    rp_corpus_free(corpus);
}

static void test_quotes_text_report_escapes_hostile_names(void **state)
{
    rp_corpus *corpus = NULL;
    rp_options opts;
    rp_quotes_options qopts;
    rp_quotes *qs = NULL;
    captured c;
    char *got;
    const char quoting[] = "The harbour master told us that \"the late crossing to the island is "
                           "dropped until spring returns to the harbour town\" this year.\n";

    (void)state;
    assert_int_equal(rp_corpus_new(&corpus), RP_OK);
    assert_int_equal(rp_corpus_add(corpus, HOSTILE_A, quoting, strlen(quoting), NULL), RP_OK);
    assert_int_equal(rp_corpus_add(corpus, HOSTILE_B, shared_text, strlen(shared_text), NULL),
                     RP_OK);
    rp_options_init(&opts);
    rp_quotes_options_init(&qopts);
    assert_int_equal(rp_quotes_run(corpus, &opts, &qopts, &qs), RP_OK);
    assert_int_equal(rp_quotes_count(qs), 1);
    assert_int_equal(rp_quotes_get(qs, 0)->source_count, 1);
    capture_open(&c);
    assert_int_equal(rp_report_quotes(c.f, RP_FORMAT_TEXT, corpus, qs, &opts, &qopts), RP_OK);
    got = capture_close(&c);
    assert_true(terminal_clean(got, c.len));
    /* the quotation's place and its source's */
    assert_non_null(strstr(got, "quote 0  evil\\x1b]0;pwned\\x07name:1:"));
    assert_non_null(strstr(got, "source also\\u009b2J\\u202etxt\\xff:1:"));
    free(got);
    rp_quotes_free(qs);
    rp_corpus_free(corpus);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_write_safe_keeps_printable_text_and_valid_utf8),
        cmocka_unit_test(test_write_safe_escapes_every_c0_control_and_del),
        cmocka_unit_test(test_write_safe_escapes_c1_controls_as_code_points),
        cmocka_unit_test(test_write_safe_escapes_each_invalid_utf8_byte),
        cmocka_unit_test(test_write_safe_escapes_bidi_embeddings_overrides_and_isolates),
        cmocka_unit_test(test_write_safe_output_is_always_terminal_clean),
        cmocka_unit_test(test_excerpt_folds_white_space_and_escapes_the_rest),
        cmocka_unit_test(test_excerpt_counts_escapes_toward_its_width),
        cmocka_unit_test(test_scan_text_report_escapes_hostile_names),
        cmocka_unit_test(test_dedup_text_report_escapes_hostile_names),
        cmocka_unit_test(test_quotes_text_report_escapes_hostile_names),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
