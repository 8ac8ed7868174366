/*
 * escape.c - the escaping primitives (escape.h): JSON strings escape quotes, backslashes and
 * control characters and write invalid UTF-8 as U+FFFD; CSV cells are RFC 4180 quoted, and a
 * cell that a spreadsheet would read as a formula (= + - @ tab CR first) gets a leading
 * apostrophe; text for a terminal (rp_write_safe) shows control characters, invalid UTF-8 and
 * bidi controls as escapes, so no name or passage can move the cursor, recolour or retitle it.
 */
#include "base/escape.h"

#include <string.h>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

/* ---- UTF-8 ---- */

size_t rp_escape_utf8_len(const unsigned char *s, size_t len)
{
    unsigned char c = s[0];
    size_t n;
    uint32_t cp, min;

    if (c < 0x80)
        return 1;
    if (c >= 0xC2 && c <= 0xDF)
        n = 2, cp = c & 0x1F, min = 0x80;
    else if (c >= 0xE0 && c <= 0xEF)
        n = 3, cp = c & 0x0F, min = 0x800;
    else if (c >= 0xF0 && c <= 0xF4)
        n = 4, cp = c & 0x07, min = 0x10000;
    else
        return 0;
    if (n > len)
        return 0;
    for (size_t i = 1; i < n; i++) {
        if ((s[i] & 0xC0) != 0x80)
            return 0;
        cp = (cp << 6) | (s[i] & 0x3F);
    }
    if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
        return 0;
    return n;
}

/* ---- JSON ---- */

/* The length of the run at s[i..len) that needs no escape (printable ASCII but " and \, and
 * valid UTF-8), so that it goes out in one write. Plain ASCII is checked 16 bytes at a time
 * (SSE2): a report's names and passages are mostly that, and a byte at a time the check was
 * about 3% of a wire-copy scan's instructions. */
static size_t json_plain_run(const unsigned char *s, size_t i, size_t len)
{
    size_t run = i, m;

    for (;;) {
#if defined(__SSE2__)
        const __m128i low = _mm_set1_epi8(0x1F), del = _mm_set1_epi8(0x7F);
        const __m128i quote = _mm_set1_epi8('"'), slash = _mm_set1_epi8('\\');
        while (run + 16 <= len) {
            __m128i v = _mm_loadu_si128((const __m128i *)(s + run));
            /* signed: bytes of 0x80 and up are negative, so not above 0x1F */
            __m128i bad =
                _mm_or_si128(_mm_cmpeq_epi8(v, del),
                             _mm_or_si128(_mm_cmpeq_epi8(v, quote), _mm_cmpeq_epi8(v, slash)));
            unsigned ok =
                (unsigned)_mm_movemask_epi8(_mm_andnot_si128(bad, _mm_cmpgt_epi8(v, low)));
            if (ok != 0xFFFFu) {
                run += (size_t)__builtin_ctz(~ok); /* the first byte that is not plain ASCII */
                break;
            }
            run += 16;
        }
#endif
        if (run >= len)
            break;
        unsigned char c = s[run];
        m = c >= 0x80 ? rp_escape_utf8_len(s + run, len - run)
                      : c >= 0x20 && c != 0x7F && c != '"' && c != '\\';
        if (m == 0)
            break;
        run += m;
        /* the letters of another script stand side by side: the ones that follow are checked
         * here, where each would fail a 16-byte check first (Cyrillic or CJK text took 40%
         * more instructions than a byte at a time, with this about as many) */
        while (c >= 0x80 && run < len && s[run] >= 0x80 &&
               (m = rp_escape_utf8_len(s + run, len - run)) != 0)
            run += m;
    }
    return run - i;
}

/* One byte that needs an escape. */
static void json_escape_byte(FILE *out, unsigned char c)
{
    if (c >= 0x80)
        fputs("\xEF\xBF\xBD", out); /* U+FFFD for each invalid byte */
    else if (c == '"' || c == '\\')
        putc('\\', out), putc(c, out);
    else if (c == '\n')
        fputs("\\n", out);
    else if (c == '\r')
        fputs("\\r", out);
    else if (c == '\t')
        fputs("\\t", out);
    else
        fprintf(out, "\\u%04x", c);
}

void rp_escape_json_string(FILE *out, const char *text, size_t len)
{
    const unsigned char *s = (const unsigned char *)text;

    putc('"', out);
    for (size_t i = 0; i < len;) {
        size_t run = json_plain_run(s, i, len);
        if (run)
            fwrite(s + i, 1, run, out);
        i += run;
        if (i == len)
            break;
        json_escape_byte(out, s[i++]);
    }
    putc('"', out);
}

void rp_escape_json_cstring(FILE *out, const char *s)
{
    rp_escape_json_string(out, s, strlen(s));
}

/* ---- CSV ---- */

void rp_escape_csv_cell(FILE *out, const char *s)
{
    bool formula = strchr("=+-@\t\r", s[0]) != NULL && s[0] != '\0';
    bool quote = formula || strpbrk(s, ",\"\r\n") != NULL;

    if (!quote) {
        fputs(s, out);
        return;
    }
    putc('"', out);
    if (formula)
        putc('\'', out);
    for (; *s; s++) {
        if (*s == '"')
            putc('"', out);
        putc(*s, out);
    }
    putc('"', out);
}

/* ---- text for a terminal ---- */

/* The escape a terminal needs for the character at s (n: its valid UTF-8 length, 0 when the
 * byte s[0] starts no valid sequence), written into buf; NULL when it is written as it is. */
static const char *safe_escape(const unsigned char *s, size_t n, char buf[8])
{
    uint32_t cp;

    if (n == 0 || (n == 1 && (s[0] < 0x20 || s[0] == 0x7F))) {
        switch (s[0]) {
        case '\t': return "\\t";
        case '\n': return "\\n";
        case '\r': return "\\r";
        default: snprintf(buf, 8, "\\x%02x", s[0]); return buf;
        }
    }
    if (n == 2)
        cp = (uint32_t)(s[0] & 0x1F) << 6 | (s[1] & 0x3F);
    else if (n == 3)
        cp = (uint32_t)(s[0] & 0x0F) << 12 | (uint32_t)(s[1] & 0x3F) << 6 | (s[2] & 0x3F);
    else
        return NULL;
    /* C1 controls (U+0080..U+009F: CSI, OSC, ...), and the bidi embeddings, overrides and
     * isolates, which reorder the rest of a line (Trojan Source) */
    if (cp <= 0x9F || (cp >= 0x202A && cp <= 0x202E) || (cp >= 0x2066 && cp <= 0x2069)) {
        snprintf(buf, 8, "\\u%04x", (unsigned)cp);
        return buf;
    }
    return NULL;
}

size_t rp_escape_safe_char(FILE *out, const unsigned char *s, size_t len, size_t *shown)
{
    char buf[8];
    size_t n = rp_escape_utf8_len(s, len);
    const char *esc = safe_escape(s, n, buf);

    if (esc) {
        fputs(esc, out);
        *shown = strlen(esc);
        return n ? n : 1;
    }
    fwrite(s, 1, n, out);
    *shown = n;
    return n;
}

void rp_write_safe(FILE *out, const char *text, size_t len)
{
    const unsigned char *s = (const unsigned char *)text;
    size_t shown;

    for (size_t i = 0; i < len;)
        i += rp_escape_safe_char(out, s + i, len - i, &shown);
}

void rp_escape_safe_cstring(FILE *out, const char *name)
{
    rp_write_safe(out, name, strlen(name));
}
