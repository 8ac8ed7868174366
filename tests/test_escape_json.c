/*
 * test_escape_json.c - rp_escape_json_string against the rule written out a byte at a time:
 * printable ASCII but " and \ as it is, valid UTF-8 as it is, " \ \n \r \t escaped by name,
 * other controls and DEL as \u00XX, each byte of invalid UTF-8 as U+FFFD. The writer checks
 * plain ASCII 16 bytes at a time, so every special byte is tried at every place of strings
 * on both sides of 16 and 32 bytes.
 */
#include "base/escape.h"
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

/* The rule, one byte (or one UTF-8 sequence) at a time. */
static char *reference(const unsigned char *s, size_t len, size_t *out_len)
{
    char *data = NULL;
    size_t n = 0;
    FILE *f = open_memstream(&data, &n);
    assert_non_null(f);
    fputc('"', f);
    for (size_t i = 0; i < len;) {
        unsigned char c = s[i];
        size_t m = c >= 0x80 ? rp_escape_utf8_len(s + i, len - i) : 1;
        if (c >= 0x80 && m) {
            fwrite(s + i, 1, m, f);
            i += m;
            continue;
        }
        i++;
        if (c >= 0x80)
            fputs("\xEF\xBF\xBD", f);
        else if (c == '"')
            fputs("\\\"", f);
        else if (c == '\\')
            fputs("\\\\", f);
        else if (c == '\n')
            fputs("\\n", f);
        else if (c == '\r')
            fputs("\\r", f);
        else if (c == '\t')
            fputs("\\t", f);
        else if (c < 0x20 || c == 0x7F)
            fprintf(f, "\\u%04x", c);
        else
            fputc(c, f);
    }
    fputc('"', f);
    assert_int_equal(fclose(f), 0);
    *out_len = n;
    return data;
}

/* s is copied to a block of exactly len bytes, so that under ASan a read past the string's
 * end (a 16-byte load over its last bytes) fails the test. */
static void assert_same(const unsigned char *s, size_t len)
{
    size_t n_got, n_want;
    unsigned char *exact = malloc(len ? len : 1);
    assert_non_null(exact);
    memcpy(exact, s, len);
    char *got = fixture_captured(rp_escape_json_string, (const char *)exact, len, &n_got);
    char *want = reference(s, len, &n_want);
    assert_int_equal(n_got, n_want);
    assert_memory_equal(got, want, n_want);
    free(exact);
    free(got);
    free(want);
}

static void test_special_bytes_at_every_place(void **state)
{
    (void)state;
    /* each a byte or a sequence the writer must not copy as plain ASCII; from the 16th, letters
     * side by side (Cyrillic, CJK) before the string's end, a stray byte, a cut sequence or a
     * quote */
    static const char *special[] = {"\"",
                                    "\\",
                                    "\n",
                                    "\r",
                                    "\t",
                                    "\x01",
                                    "\x1f",
                                    "\x7f",
                                    "\x80",
                                    "\xff",
                                    "\xc3\xa9",
                                    "\xe2\x80\x9c",
                                    "\xf0\x9f\x98\x80",
                                    "\xe2\x80",
                                    "\xed\xa0\x80",
                                    "\xd0\xbf\xd1\x80\xd0\xb8",
                                    "\xd0\xbf\xd1\x80\x80",
                                    "\xe6\x97\xa5\xe6\x9c",
                                    "\xd0\xbf\xd1\x80\"",
                                    " "};
    unsigned char buf[64];
    for (size_t len = 0; len <= 40; len++)
        for (size_t k = 0; k < sizeof(special) / sizeof(*special); k++) {
            size_t sl = strlen(special[k]);
            for (size_t at = 0; at + sl <= len; at++) {
                for (size_t i = 0; i < len; i++)
                    buf[i] = (unsigned char)('a' + i % 26);
                memcpy(buf + at, special[k], sl);
                assert_same(buf, len);
            }
        }
}

static void test_random_bytes(void **state)
{
    (void)state;
    unsigned char buf[200];
    uint32_t x = 12345;
    for (int round = 0; round < 20000; round++) {
        size_t len = (size_t)(round % 200);
        for (size_t i = 0; i < len; i++) {
            x = x * 1103515245u + 12345u;
            unsigned r = x >> 16;
            /* mostly plain ASCII, now and then a high or control byte */
            buf[i] = (unsigned char)(r % 16 == 0 ? r >> 4 : 0x20 + (r >> 4) % 95);
        }
        assert_same(buf, len);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_special_bytes_at_every_place),
        cmocka_unit_test(test_random_bytes),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
