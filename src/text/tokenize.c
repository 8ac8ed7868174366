/*
 * text.c - UTF-8 validation, normalization and tokenization: tokens are byte spans into the
 * ORIGINAL text, each with the XXH3-64 hash of its normal form. Two paths give the same tokens:
 * the window path (tokenize_windows) sees 16 bytes at once (SSE2, or a portable loop over the
 * same table): bit masks of ASCII letters, digits and bytes >= 0x80 skip separators and find a
 * word's end with one count of trailing zeros, and the common word (case folded, all letters or
 * all digits, nothing or an apostrophe joined, no spelling fold) is hashed from the window's
 * lower-cased copy. Everything else, and the last 15 bytes, takes the reference path a byte at
 * a time: plain ASCII words by scan_ascii_word, the rest through utf8proc's per-character
 * decomposition (utf8proc_decompose_char) into our own buffers, never utf8proc_map.
 * rp_text_tokenize_paths runs either path, for the tests and fuzzing that compare them.
 *
 * Token rules (the reference; tests/test_text.c pins them):
 *  1. Input is UTF-8. An invalid sequence is counted once (toks->invalid_utf8, first byte offset
 *     in toks->first_invalid) and acts as a separator. One invalid sequence is: a stray
 *     continuation byte (1 byte); a byte F8..FF (1 byte); or a lead byte C0..F7 with the
 *     continuation bytes that follow it, up to the length the lead announces, when they are
 *     too few (truncated), or decode to an overlong form, a surrogate or a value > U+10FFFF.
 *     So C0 AF, ED A0 80 and a final E2 82 each count 1. A BOM (EF BB BF) at offset 0 is
 *     skipped; offsets still count it. NUL and every other control character separate.
 *  2. Classes: letters (L*), digits (N*), combining marks (M*); Han, Hiragana, Katakana and
 *     Hangul letters and numbers (code point ranges below, utf8proc has no script property)
 *     are "CJK". Everything else (spaces, punctuation, symbols, emoji, bullets, dashes, ...)
 *     separates.
 *  3. A word token starts at a letter or digit and runs over letters, digits and marks. Inside
 *     a word these joiners continue it:
 *     a. an apostrophe (' or U+2019) after a letter or digit and before a letter stays in the
 *        token ("China's", "doesn't"); a leading or trailing apostrophe is not part of it;
 *     b. a '.' or ',' between two digits stays in the token ("2,000", "3.5"); "2,000" and
 *        "2000" are different tokens;
 *     c. single letters joined by dots form one token without the dots ("U.S." -> "us",
 *        "e.g." -> "eg"): each part is exactly one letter (plus marks), at least two parts;
 *        the final dot, when present, is inside the span but not the normal form;
 *     d. a hyphen ('-', U+2010 or soft hyphen U+00AD) after a letter, then optional spaces or
 *        tabs, one line break (\n, \r\n or \r), optional spaces or tabs, then a letter that is
 *        not upper case, joins the two halves ("recon-\nstruction" -> "reconstruction"; the
 *        span runs from "recon" to "struction"); a soft hyphen between letters also joins.
 *     Any other hyphen or dash splits ("China-ASEAN" -> "china", "asean").
 *  4. A CJK character (with any marks that follow it) is a token of its own.
 *  5. Normal form (each fold switchable): Unicode compatibility decomposition with canonical
 *     ordering of marks (NFKD: two strings have the same NFKD iff they have the same NFKC; we
 *     hash the decomposed form), default-ignorable code points dropped, then case folding
 *     (fold_case), combining marks removed (fold_marks), quotes and dashes to ASCII
 *     (fold_quotes: ' " -), and British spellings to American ones (fold_spelling, applied to
 *     each run of ASCII letters in the token, see spelling.c; with fold_case off, only runs in
 *     lower, UPPER or Capitalized case). Tokens whose normal form is empty are dropped.
 */
#include "base/base.h"
#include "text/text.h"
#include "text/spelling.h"

#include <pthread.h>
#include <string.h>
#include <utf8proc.h>
#define XXH_INLINE_ALL /* the per-token hash is on the hot path: let it inline */
#include <xxhash.h>
#if defined(__SSE2__) && !defined(RP_TEXT_PORTABLE)
#include <emmintrin.h>
#endif

enum { DECOMP_MAX = 32, MARKS_MAX = 32, MARK_BYTES = MARKS_MAX * 4 };

/* Character classes. */
enum {
    C_SEP,
    C_INVALID,
    C_UPPER, /* an upper or title case letter */
    C_LETTER,
    C_DIGIT,
    C_MARK,
    C_CJK,
    C_APOS,
    C_DOT,
    C_COMMA,
    C_HYPHEN,
    C_SOFT /* soft hyphen */
};

typedef struct scanner {
    const uint8_t *s;
    size_t len;
    rp_tokens *toks;
    utf8proc_option_t uopts;
    bool fold_case, fold_quotes, fold_spelling, keep_norm;
    bool spans_only; /* hashes of plain ASCII words are not computed: only spans are wanted */
    bool windows;    /* the 16-byte window path (tokenize_windows) runs; off: the reference */
    bool hash_words; /* fold_case, no kept forms, hashes wanted: window_word's short cut */
    unsigned kinds; /* K_ bits met in the current token: plain lower-case words take a short cut */
    int32_t marks[MARKS_MAX]; /* combining marks waiting for canonical ordering */
    size_t nmarks;
    rp_token_sink sink; /* rp_text_tokenize_stream: takes every block of tokens */
    void *sink_ctx;
    size_t block;
    size_t limit; /* token count at which room() takes its slow path */
    const rp_range *skip; /* ranges no token starts in (a document's ignored lines) ... */
    const rp_range *skip_end;
    size_t skip_at; /* ... the next one's start, SIZE_MAX when none is left */
} scanner;

/* ASCII letters 1, digits 2, others 0: the fast path's one test per byte; u and U add K_U, for
 * the spelling filter's "our" test. */
enum { K_LETTER = 1, K_DIGIT = 2, K_OTHER = 4, K_U = 8 };
static const uint8_t ascii_alnum_table[128] = {
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 0, 0, 0, 0, 0, 0,
    0, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 9, 1, 1, 1, 1, 1, 0, 0, 0, 0, 0,
    0, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 9, 1, 1, 1, 1, 1, 0, 0, 0, 0, 0,
};

/* Tables over all byte values, built once, for the fast path's one load per byte: byte_kind is
 * ascii_alnum_table (0 from 0x80); byte_ends is 1 for the ASCII bytes that end a word with no
 * joiner to look at (not a letter or digit, not ' . , -). */
static uint8_t byte_kind[256], byte_ends[256];
static pthread_once_t byte_tables_once = PTHREAD_ONCE_INIT;

static void build_byte_tables(void)
{
    memcpy(byte_kind, ascii_alnum_table, sizeof(ascii_alnum_table));
    for (int b = 0; b < 0x80; b++)
        byte_ends[b] = !ascii_alnum_table[b] && !strchr(".,'-", b);
}

static inline bool is_word(int c)
{
    return c == C_LETTER || c == C_UPPER || c == C_DIGIT;
}

static inline bool is_letter(int c)
{
    return c == C_LETTER || c == C_UPPER;
}

/* Decodes s[p] (p < len): returns the length; *cp = -1 for an invalid sequence (rule 1). */
static size_t decode(const uint8_t *s, size_t p, size_t len, int32_t *cp)
{
    uint8_t b = s[p];
    size_t need;
    int32_t c, min;

    if (b < 0x80) {
        *cp = b;
        return 1;
    }
    if (b < 0xC0 || b >= 0xF8) {
        *cp = -1;
        return 1;
    }
    need = b < 0xE0 ? 2 : b < 0xF0 ? 3 : 4;
    min = need == 2 ? 0x80 : need == 3 ? 0x800 : 0x10000;
    c = b & (need == 2 ? 0x1F : need == 3 ? 0x0F : 0x07);
    for (size_t n = 1; n < need; n++) {
        if (p + n >= len || (s[p + n] & 0xC0) != 0x80) {
            *cp = -1;
            return n;
        }
        c = (c << 6) | (s[p + n] & 0x3F);
    }
    *cp = (c < min || c > 0x10FFFF || (c >= 0xD800 && c <= 0xDFFF)) ? -1 : c;
    return need;
}

/* Han, Hiragana, Katakana and Hangul (with their compatibility and extension blocks). */
static bool is_cjk(int32_t c)
{
    return (c >= 0x1100 && c <= 0x11FF) || (c >= 0x2E80 && c <= 0x2FDF) ||
           (c >= 0x3005 && c <= 0x3007) || (c >= 0x3021 && c <= 0x3029) ||
           (c >= 0x3040 && c <= 0x30FF) || (c >= 0x3130 && c <= 0x318F) ||
           (c >= 0x31F0 && c <= 0x31FF) || (c >= 0x3400 && c <= 0x4DBF) ||
           (c >= 0x4E00 && c <= 0x9FFF) || (c >= 0xA960 && c <= 0xA97F) ||
           (c >= 0xAC00 && c <= 0xD7FF) || (c >= 0xF900 && c <= 0xFAFF) ||
           (c >= 0xFF66 && c <= 0xFFDC) || (c >= 0x1B000 && c <= 0x1B16F) ||
           (c >= 0x20000 && c <= 0x3134F);
}

static int classify_ascii(int32_t c)
{
    if (c >= 'a' && c <= 'z')
        return C_LETTER;
    if (c >= 'A' && c <= 'Z')
        return C_UPPER;
    if (c >= '0' && c <= '9')
        return C_DIGIT;
    switch (c) {
    case '\'': return C_APOS;
    case '.': return C_DOT;
    case ',': return C_COMMA;
    case '-': return C_HYPHEN;
    default: return C_SEP;
    }
}

static int classify(int32_t c)
{
    if (c < 0)
        return C_INVALID;
    if (c < 0x80)
        return classify_ascii(c);
    if (c == 0x2019)
        return C_APOS;
    if (c == 0x2010)
        return C_HYPHEN;
    if (c == 0x00AD)
        return C_SOFT;
    switch (utf8proc_category(c)) {
    case UTF8PROC_CATEGORY_LU:
    case UTF8PROC_CATEGORY_LT: return C_UPPER;
    case UTF8PROC_CATEGORY_LL:
    case UTF8PROC_CATEGORY_LM:
    case UTF8PROC_CATEGORY_LO: return is_cjk(c) ? C_CJK : C_LETTER;
    case UTF8PROC_CATEGORY_ND:
    case UTF8PROC_CATEGORY_NL:
    case UTF8PROC_CATEGORY_NO: return is_cjk(c) ? C_CJK : C_DIGIT;
    case UTF8PROC_CATEGORY_MN:
    case UTF8PROC_CATEGORY_MC:
    case UTF8PROC_CATEGORY_ME: return C_MARK;
    default: return C_SEP;
    }
}

/* The class of the character at p (C_SEP past the end); *n gets its length. */
static int peek(const scanner *sc, size_t p, size_t *n)
{
    int32_t cp;
    size_t m;

    if (p >= sc->len) {
        *n = 0;
        return C_SEP;
    }
    m = decode(sc->s, p, sc->len, &cp);
    *n = m;
    return classify(cp);
}

/* ---- the normal form, written to toks->norm ---- */

/* Room for extra more bytes, and for flushing the waiting marks. */
static inline rp_status reserve(scanner *sc, size_t extra)
{
    rp_tokens *t = sc->toks;
    size_t need = t->norm_len + extra + MARK_BYTES;

    if (need <= t->norm_cap)
        return RP_OK;
    if (need < extra)
        return RP_ENOMEM;
    return RP_GROW(t->norm, t->norm_cap, need);
}

/* Writes the waiting marks in canonical order (stable by combining class). */
static void flush_marks(scanner *sc)
{
    rp_tokens *t = sc->toks;

    for (size_t i = 1; i < sc->nmarks; i++) {
        int32_t m = sc->marks[i];
        int ccc = utf8proc_get_property(m)->combining_class;
        size_t j = i;
        for (; j > 0 && utf8proc_get_property(sc->marks[j - 1])->combining_class > ccc; j--)
            sc->marks[j] = sc->marks[j - 1];
        sc->marks[j] = m;
    }
    for (size_t i = 0; i < sc->nmarks; i++)
        t->norm_len += (size_t)utf8proc_encode_char(sc->marks[i], (uint8_t *)t->norm + t->norm_len);
    sc->nmarks = 0;
}

/* Appends n ASCII bytes, lower-cased when folding case. */
static rp_status add_ascii(scanner *sc, const uint8_t *src, size_t n)
{
    rp_tokens *t = sc->toks;
    char *dst;

    if (reserve(sc, n) != RP_OK)
        return RP_ENOMEM;
    if (sc->nmarks)
        flush_marks(sc);
    dst = t->norm + t->norm_len;
    if (sc->fold_case)
        for (size_t i = 0; i < n; i++)
            dst[i] = (char)(src[i] + ((unsigned)(src[i] - 'A') < 26u) * 32);
    else
        memcpy(dst, src, n);
    t->norm_len += n;
    return RP_OK;
}

/* Quotes and dashes to ASCII (fold_quotes); other code points unchanged. */
static int32_t fold_quote(int32_t c)
{
    switch (c) {
    case 0x2018:
    case 0x2019:
    case 0x201A:
    case 0x201B:
    case 0x2039:
    case 0x203A:
    case 0x2032: return '\'';
    case 0x201C:
    case 0x201D:
    case 0x201E:
    case 0x201F:
    case 0x00AB:
    case 0x00BB:
    case 0x2033: return '"';
    case 0x2010:
    case 0x2011:
    case 0x2012:
    case 0x2013:
    case 0x2014:
    case 0x2015:
    case 0x2212:
    case 0xFE58:
    case 0xFE63:
    case 0xFF0D: return '-';
    default: return c;
    }
}

/* Writes one decomposed code point; marks wait for canonical ordering. */
static void put_cp(scanner *sc, int32_t c)
{
    rp_tokens *t = sc->toks;

    if (c >= 0x300 && utf8proc_get_property(c)->combining_class != 0) {
        if (sc->nmarks == MARKS_MAX)
            flush_marks(sc);
        sc->marks[sc->nmarks++] = c;
        return;
    }
    if (sc->nmarks)
        flush_marks(sc);
    t->norm_len += (size_t)utf8proc_encode_char(c, (uint8_t *)t->norm + t->norm_len);
}

/* Appends the normal form of one valid code point. */
static rp_status add_cp(scanner *sc, int32_t c)
{
    utf8proc_int32_t buf[DECOMP_MAX];
    utf8proc_ssize_t n;
    int boundclass = 0;

    if (sc->fold_quotes)
        c = fold_quote(c);
    if (c < 0x80) {
        uint8_t b = (uint8_t)c;
        return add_ascii(sc, &b, 1);
    }
    if (reserve(sc, DECOMP_MAX * 4) != RP_OK)
        return RP_ENOMEM;
    n = utf8proc_decompose_char(c, buf, DECOMP_MAX, sc->uopts, &boundclass);
    if (n < 0 || n > DECOMP_MAX) {
        buf[0] = c;
        n = 1;
    }
    for (utf8proc_ssize_t i = 0; i < n; i++) {
        int32_t d = sc->fold_quotes ? fold_quote(buf[i]) : buf[i];
        if (d < 0x80 && sc->fold_case)
            d += (unsigned)(d - 'A') < 26u ? 32 : 0;
        put_cp(sc, d);
    }
    return RP_OK;
}

/* ---- spelling ---- */

/* Replaces norm[i, *j) by out[0, out_n); *j moves to the end of the replacement. */
static rp_status splice(scanner *sc, size_t i, size_t *j, const char *out, size_t out_n)
{
    rp_tokens *t = sc->toks;

    if (reserve(sc, 2) != RP_OK) /* a fold adds at most 2 letters */
        return RP_ENOMEM;
    memmove(t->norm + i + out_n, t->norm + *j, t->norm_len - *j);
    memcpy(t->norm + i, out, out_n);
    t->norm_len = t->norm_len - (*j - i) + out_n;
    *j = i + out_n;
    return RP_OK;
}

/* Folds the ASCII letters norm[i, *j) (a whole run); *j moves when the length changes. Without
 * case folding, only lower, UPPER and Capitalized runs are folded, keeping their case. */
static rp_status fold_run(scanner *sc, size_t i, size_t *j)
{
    const char *w = sc->toks->norm + i;
    char lower[RP_SPELLING_MAX], out[RP_SPELLING_MAX + 2];
    size_t n = *j - i, out_n;
    bool upper_first = false, upper_rest = false, lower_rest = false;

    if (sc->fold_case) /* already lower case */
        return rp_spelling_may_fold(w, n, true) && rp_spelling_fold(w, n, out, &out_n)
                   ? splice(sc, i, j, out, out_n)
                   : RP_OK;
    for (size_t k = 0; k < n; k++) {
        bool up = w[k] >= 'A' && w[k] <= 'Z';
        lower[k] = (char)(up ? w[k] + 32 : w[k]);
        if (k == 0)
            upper_first = up;
        else if (up)
            upper_rest = true;
        else
            lower_rest = true;
    }
    if ((upper_rest && (lower_rest || !upper_first)) || !rp_spelling_may_fold(lower, n, true) ||
        !rp_spelling_fold(lower, n, out, &out_n))
        return RP_OK; /* mixed case, or nothing to fold */
    for (size_t k = 0; k < out_n; k++)
        if (upper_rest || (k == 0 && upper_first))
            out[k] = (char)(out[k] - 32);
    return splice(sc, i, j, out, out_n);
}

static inline bool ascii_letter(char c)
{
    return (unsigned)((c | 0x20) - 'a') < 26u;
}

/* Folds every run of 4 or more ASCII letters in norm[base, norm_len). */
static rp_status fold_spelling(scanner *sc, size_t base)
{
    rp_tokens *t = sc->toks;

    for (size_t i = base; i < t->norm_len;) {
        size_t j = i;
        while (j < t->norm_len && ascii_letter(t->norm[j]))
            j++;
        if (j - i >= 4 && j - i <= RP_SPELLING_MAX && fold_run(sc, i, &j) != RP_OK)
            return RP_ENOMEM;
        i = j > i ? j : i + 1;
    }
    return RP_OK;
}

/* ---- tokens ---- */

/* room's slow path: a stream hands a full block to its sink (which keeps fewer), the array
 * grows when full, and limit becomes the count at which this runs again. */
static rp_status room_slow(scanner *sc)
{
    rp_tokens *t = sc->toks;

    if (sc->sink && t->count >= sc->block) {
        rp_status st = sc->sink(sc->sink_ctx, t);
        if (st != RP_OK)
            return st;
        if (t->count >= sc->block)
            return RP_EINVAL; /* a sink that keeps everything would be called for every token */
    }
    if (t->count == t->cap && RP_GROW(t->items, t->cap, t->count + 1) != RP_OK)
        return RP_ENOMEM;
    sc->limit = sc->sink && sc->block < t->cap ? sc->block : t->cap;
    return RP_OK;
}

/* Room for one more token: one comparison a token. */
static inline rp_status room(scanner *sc)
{
    return sc->toks->count < sc->limit ? RP_OK : room_slow(sc);
}

/* Adds the token whose normal form (final) is norm[base, norm_len) and whose span is
 * [start, end). */
static inline rp_status add_token(scanner *sc, size_t start, size_t end, size_t base)
{
    rp_tokens *t = sc->toks;
    size_t n = t->norm_len - base;

    if (n == 0)
        return RP_OK;
    if (t->norm_len > UINT32_MAX)
        return RP_ELIMIT;
    rp_status st = room(sc);
    if (st != RP_OK)
        return st;
    t->items[t->count] = (rp_token){XXH3_64bits(t->norm + base, n), (uint32_t)start, (uint32_t)end};
    if (sc->keep_norm) {
        if (t->count + 1 >= t->norm_off_cap &&
            RP_GROW(t->norm_off, t->norm_off_cap, t->count + 2) != RP_OK)
            return RP_ENOMEM;
        t->norm_off[t->count] = (uint32_t)base;
    } else {
        t->norm_len = base;
    }
    t->count++;
    return RP_OK;
}

/* Ends the token whose normal form started at base and whose span is [start, end). */
static rp_status emit(scanner *sc, size_t start, size_t end, size_t base)
{
    rp_tokens *t = sc->toks;
    size_t n;

    if (sc->nmarks)
        flush_marks(sc);
    n = t->norm_len - base;
    if (sc->fold_spelling && sc->fold_case && (sc->kinds & ~(unsigned)K_U) == K_LETTER) {
        /* one run of ASCII letters, already lower case: fold it directly */
        size_t j = t->norm_len;
        if (n >= 4 && n <= RP_SPELLING_MAX && fold_run(sc, base, &j) != RP_OK)
            return RP_ENOMEM;
    } else if (sc->fold_spelling && fold_spelling(sc, base) != RP_OK) {
        return RP_ENOMEM;
    }
    return add_token(sc, start, end, base);
}

/* Consumes letters, digits and marks from *p: *last is the class of the last letter or digit,
 * *count how many letters and digits there were. */
static rp_status scan_run(scanner *sc, size_t *p, int *last, size_t *count)
{
    const uint8_t *s = sc->s;
    size_t q = *p, n = 0;

    while (q < sc->len) {
        if (s[q] < 0x80) {
            size_t r = q;
            unsigned kinds = 0;
            while (r < sc->len && s[r] < 0x80 && ascii_alnum_table[s[r]]) {
                kinds |= ascii_alnum_table[s[r]];
                r++;
            }
            sc->kinds |= kinds;
            if (r == q)
                break;
            if (add_ascii(sc, s + q, r - q) != RP_OK)
                return RP_ENOMEM;
            n += r - q;
            *last = classify_ascii(s[r - 1]);
            q = r;
            continue;
        }
        int32_t cp;
        size_t m = decode(s, q, sc->len, &cp);
        int c = classify(cp);
        if (c != C_MARK && !is_word(c))
            break;
        if (add_cp(sc, cp) != RP_OK)
            return RP_ENOMEM;
        sc->kinds |= K_OTHER;
        if (c != C_MARK) {
            n++;
            *last = c;
        }
        q += m;
    }
    *count = n;
    *p = q;
    return RP_OK;
}

/* After "-" at p: the start of the next line's letter if the hyphen ends a line (rule 3d). */
static size_t line_end_hyphen(const scanner *sc, size_t p)
{
    const uint8_t *s = sc->s;
    size_t n;

    while (p < sc->len && (s[p] == ' ' || s[p] == '\t'))
        p++;
    if (p < sc->len && s[p] == '\r')
        p++;
    else if (p < sc->len && s[p] == '\n')
        p++;
    else
        return 0;
    if (s[p - 1] == '\r' && p < sc->len && s[p] == '\n')
        p++; /* CRLF is one line break */
    while (p < sc->len && (s[p] == ' ' || s[p] == '\t'))
        p++;
    return peek(sc, p, &n) == C_LETTER ? p : 0;
}

/* True when a single letter (with marks) starts at p and is not followed by a word char. */
static bool single_letter_at(const scanner *sc, size_t p)
{
    size_t n;
    int c;

    if (!is_letter(peek(sc, p, &n)))
        return false;
    for (p += n; (c = peek(sc, p, &n)) == C_MARK; p += n)
        ;
    return !is_word(c) && c != C_CJK;
}

enum { JOIN_NONE, JOIN_WORD, JOIN_ABBR };

/* Rule 3's joiners at p, after a run ending in class last: where the next run starts. */
static int join(scanner *sc, size_t p, int last, bool abbr, size_t *next, rp_status *st)
{
    size_t n, m;
    int c;

    *st = RP_OK;
    if (p >= sc->len || (sc->s[p] < 0x80 && classify_ascii(sc->s[p]) == C_SEP))
        return JOIN_NONE; /* the common case: a space */
    c = peek(sc, p, &n);
    if (c == C_APOS && is_word(last) && is_letter(peek(sc, p + n, &m))) {
        *st = sc->fold_quotes ? add_ascii(sc, (const uint8_t *)"'", 1)
                              : add_cp(sc, n == 1 ? '\'' : 0x2019);
        *next = p + n;
        return JOIN_WORD;
    }
    if ((c == C_DOT || c == C_COMMA) && last == C_DIGIT && peek(sc, p + 1, &m) == C_DIGIT) {
        *st = add_ascii(sc, sc->s + p, 1);
        *next = p + 1;
        return JOIN_WORD;
    }
    if (c == C_DOT && abbr && single_letter_at(sc, p + 1)) {
        *next = p + 1;
        return JOIN_ABBR;
    }
    if (c == C_SOFT && is_letter(last) && is_letter(peek(sc, p + n, &m))) {
        *next = p + n;
        return JOIN_WORD;
    }
    if ((c == C_HYPHEN || c == C_SOFT) && is_letter(last) && (m = line_end_hyphen(sc, p + n))) {
        *next = m;
        return JOIN_WORD;
    }
    return JOIN_NONE;
}

/* One word token from start (a letter or digit); *next is where scanning resumes. */
static rp_status scan_word(scanner *sc, size_t start, size_t *next)
{
    size_t p = start, base = sc->toks->norm_len, runs = 0, count;
    bool abbr = true; /* every run so far is one letter, and they are joined by dots */
    int last = C_SEP, kind;
    rp_status st;

    sc->kinds = 0;
    for (;;) {
        if (scan_run(sc, &p, &last, &count) != RP_OK)
            return RP_ENOMEM;
        runs++;
        abbr = abbr && count == 1 && is_letter(last);
        kind = join(sc, p, last, abbr, &p, &st);
        if (st != RP_OK)
            return st;
        if (kind == JOIN_NONE)
            break;
        sc->kinds |= K_OTHER;
        if (kind == JOIN_WORD)
            abbr = false;
    }
    *next = abbr && runs >= 2 && p < sc->len && sc->s[p] == '.' ? p + 1 : p;
    return emit(sc, start, *next, base);
}

/* True when no joiner of rule 3 can continue the ASCII run s[start, r) at r (< len), so that
 * the run alone is the token: the byte there is plain ASCII punctuation or space. Bytes >= 0x80
 * and the rarer joiner cases answer false and take the general path (scan_word). */
static bool ascii_word_ends(const scanner *sc, size_t start, size_t r)
{
    const uint8_t *s = sc->s;
    uint8_t b = s[r], last = s[r - 1], after = r + 1 < sc->len ? s[r + 1] : ' ';
    bool digit = last <= '9';

    switch (b) {
    case '.': /* joins digit.digit, and single letters (U.S.) */
        return digit ? after < 0x80 && !(after >= '0' && after <= '9') : r - start >= 2;
    case ',': /* joins digit,digit */
        return !digit || (after < 0x80 && !(after >= '0' && after <= '9'));
    case '\'': /* joins before a letter */
        return after < 0x80 && !(ascii_alnum_table[after] & K_LETTER);
    case '-': /* a line-end hyphen after a letter joins */
        return digit;
    default: return b < 0x80;
    }
}

/* Copies n ASCII letters and digits lower-cased (| 0x20 leaves digits alone), 8 at a time while
 * the source has avail >= 8 bytes left; dst has room for n + 7 (reserve's MARK_BYTES). */
static inline void lower_copy(char *dst, const uint8_t *src, size_t n, size_t avail)
{
    size_t i = 0;

    for (; i < n && i + 8 <= avail; i += 8) {
        uint64_t v;
        memcpy(&v, src + i, 8);
        v |= UINT64_C(0x2020202020202020);
        memcpy(dst + i, &v, 8);
    }
    for (; i < n; i++)
        dst[i] = (char)(src[i] | 0x20);
}

/* The token s[start, r), a run of ASCII letters and digits that nothing joins (kinds: the K_
 * bits of its bytes). Plain lower-case words (with fold_case) are finished here, without emit's
 * general folding; everything else goes to emit. */
static rp_status finish_ascii_word(scanner *sc, size_t start, size_t r, unsigned kinds)
{
    const uint8_t *s = sc->s;
    rp_tokens *t = sc->toks;
    size_t n = r - start, base = t->norm_len;
    char *dst;

    if (sc->spans_only) { /* the span is all that is wanted, and folding never empties it */
        rp_status st = room(sc);
        if (st != RP_OK)
            return st;
        t->items[t->count++] = (rp_token){0, (uint32_t)start, (uint32_t)r};
        return RP_OK;
    }
    if (reserve(sc, n) != RP_OK)
        return RP_ENOMEM;
    dst = t->norm + base;
    t->norm_len += n;
    if (!sc->fold_case || kinds & K_DIGIT) {
        if (sc->fold_case)
            lower_copy(dst, s + start, n, sc->len - start);
        else
            memcpy(dst, s + start, n);
        sc->kinds = kinds;
        return emit(sc, start, r, base);
    }
    lower_copy(dst, s + start, n, sc->len - start);
    if (sc->fold_spelling && rp_spelling_may_fold(dst, n, kinds & K_U)) {
        size_t j = t->norm_len;
        if (fold_run(sc, base, &j) != RP_OK)
            return RP_ENOMEM;
        n = t->norm_len - base;
    }
    if (t->norm_len > UINT32_MAX)
        return RP_ELIMIT;
    rp_status st = room(sc);
    if (st != RP_OK)
        return st;
    t->items[t->count] = (rp_token){XXH3_64bits(t->norm + base, n), (uint32_t)start, (uint32_t)r};
    if (!sc->keep_norm)
        t->norm_len = base;
    else if (t->count + 1 >= t->norm_off_cap &&
             RP_GROW(t->norm_off, t->norm_off_cap, t->count + 2) != RP_OK)
        return RP_ENOMEM;
    else
        t->norm_off[t->count] = (uint32_t)base;
    t->count++;
    return RP_OK;
}

/* Rule 3's common case, a run of ASCII letters and digits that nothing joins: the token is the
 * run (finish_ascii_word); a run that a joiner may continue goes to scan_word. */
static inline rp_status scan_ascii_word(scanner *sc, size_t start, size_t *next)
{
    const uint8_t *s = sc->s;
    const uint8_t *q = s + start, *end = s + sc->len;
    size_t r;
    unsigned kinds = 0, c;

    while (q < end && (c = byte_kind[*q]) != 0) {
        kinds |= c;
        q++;
    }
    r = (size_t)(q - s);
    if (q < end && !byte_ends[*q] && !ascii_word_ends(sc, start, r))
        return scan_word(sc, start, next);
    *next = r;
    return finish_ascii_word(sc, start, r, kinds);
}

/* ---- the window path: 16 bytes classified at once ---- */

/* 16 bytes from s seen at once: bit i of each mask is about s[i]; lower[i] = s[i] | 0x20
 * (ASCII letters lower-cased, digits unchanged). */
enum { WINDOW = 16 };
typedef struct window {
    unsigned word;  /* ASCII letters and digits */
    unsigned digit; /* ASCII digits */
    unsigned high;  /* bytes >= 0x80 */
    unsigned u;     /* u and U, for the spelling filter's "our" test */
    unsigned our;   /* where "our" starts, any case: the same test without a loop */
    uint8_t lower[WINDOW];
} window;

#if defined(__SSE2__) && !defined(RP_TEXT_PORTABLE)
static inline void see_window(const uint8_t *s, window *w)
{
    const __m128i v = _mm_loadu_si128((const __m128i *)(const void *)s);
    const __m128i l = _mm_or_si128(v, _mm_set1_epi8(0x20));
    /* x - lo < span as unsigned bytes: shifted by 0x80, a signed compare */
    const __m128i letter = _mm_cmplt_epi8(_mm_add_epi8(l, _mm_set1_epi8((char)(0x80 - 'a'))),
                                          _mm_set1_epi8((char)(-128 + 26)));
    const __m128i digit = _mm_cmplt_epi8(_mm_add_epi8(v, _mm_set1_epi8((char)(0x80 - '0'))),
                                         _mm_set1_epi8((char)(-128 + 10)));

    _mm_storeu_si128((__m128i *)(void *)w->lower, l);
    w->word = (unsigned)_mm_movemask_epi8(_mm_or_si128(letter, digit));
    w->digit = (unsigned)_mm_movemask_epi8(digit);
    w->high = (unsigned)_mm_movemask_epi8(v);
    w->u = (unsigned)_mm_movemask_epi8(_mm_cmpeq_epi8(l, _mm_set1_epi8('u')));
    w->our = (unsigned)_mm_movemask_epi8(_mm_cmpeq_epi8(l, _mm_set1_epi8('o'))) & w->u >> 1 &
             (unsigned)_mm_movemask_epi8(_mm_cmpeq_epi8(l, _mm_set1_epi8('r'))) >> 2;
}
#else /* the portable form: the same masks from byte_kind, a byte at a time */
static inline void see_window(const uint8_t *s, window *w)
{
    w->word = w->digit = w->high = w->u = w->our = 0;
    for (unsigned i = 0; i < WINDOW; i++) {
        unsigned k = byte_kind[s[i]];
        w->word |= (unsigned)((k & (K_LETTER | K_DIGIT)) != 0) << i;
        w->digit |= (unsigned)((k & K_DIGIT) != 0) << i;
        w->high |= (unsigned)(s[i] >> 7) << i;
        w->u |= (unsigned)((s[i] | 0x20) == 'u') << i;
        w->lower[i] = (uint8_t)(s[i] | 0x20);
    }
    for (unsigned i = 0; i + 2 < WINDOW; i++)
        w->our |= (unsigned)(w->lower[i] == 'o' && w->lower[i + 1] == 'u' && w->lower[i + 2] == 'r')
                  << i;
}
#endif

static inline unsigned lowest_bit(unsigned x) /* x != 0 */
{
#if defined(__GNUC__)
    return (unsigned)__builtin_ctz(x);
#else
    unsigned i = 0;
    while (!(x >> i & 1))
        i++;
    return i;
#endif
}

/* Bits [i, i + n) of mask, at the bottom (i + n <= WINDOW). */
static inline unsigned bits(unsigned mask, unsigned i, unsigned n)
{
    return mask >> i & ((1u << n) - 1);
}

/* A word of letters at w->lower[k, a) and an apostrophe of m bytes at a that joins (rule 3a),
 * with fold_case and, for U+2019, fold_quotes: the token's end when it is seen whole (letters
 * at [a + m, e), then a byte that ends it) and no spelling fold applies, its hash in *hash;
 * else 0, and scan_word takes it. */
static inline size_t window_apostrophe(const scanner *sc, size_t start, const window *w,
                                       unsigned k, unsigned a, unsigned m, uint64_t *hash)
{
    const char *lower = (const char *)w->lower;
    unsigned b = a + m, after, run;
    char form[WINDOW];
    size_t r;

    if (b >= WINDOW || !((after = w->word >> b) & 1))
        return 0; /* no letter after it in the window */
    run = lowest_bit(~after);
    if (b + run >= WINDOW || bits(w->digit, b, run))
        return 0; /* past the window, or digits */
    r = start + (b + run - k);
    if (!byte_ends[sc->s[r]] && !ascii_word_ends(sc, r - run, r))
        return 0; /* another joiner may follow */
    if (sc->fold_spelling && (rp_spelling_may_fold(lower + k, a - k, bits(w->u, k, a - k)) ||
                              rp_spelling_may_fold(lower + b, run, bits(w->u, b, run))))
        return 0;
    if (m == 1) { /* ' is its own normal form: the form is the window's bytes */
        *hash = XXH3_64bits(lower + k, (b + run - k) & (WINDOW - 1));
        return r;
    }
    memcpy(form, lower + k, a - k);
    form[a - k] = '\'';
    memcpy(form + a - k + 1, lower + b, run);
    *hash = XXH3_64bits(form, (a - k + 1 + run) & (WINDOW - 1));
    return r;
}

/* With hash_words, after a word of letters s[start, r) (at w->lower[k, ...)) that
 * ascii_word_ends could not end: r when the token ends there after all (a hyphen not before a
 * line break, a character >= 0x80 that separates), the end of a token an apostrophe joins (its
 * hash in *hash), or 0: scan_word decides. */
static inline size_t window_joined(const scanner *sc, size_t start, size_t r, const window *w,
                                   unsigned k, uint64_t *hash)
{
    const uint8_t *s = sc->s;
    unsigned a = k + (unsigned)(r - start), m = 1;
    uint8_t after;
    int32_t cp;
    int c;

    if (s[r] == '-') { /* rule 3d needs spaces, tabs and a line break after it */
        after = r + 1 < sc->len ? s[r + 1] : 0;
        return after == ' ' || after == '\t' || after == '\r' || after == '\n' ? 0 : r;
    }
    if (s[r] >= 0x80) {
        m = (unsigned)decode(s, r, sc->len, &cp);
        c = classify(cp);
        if (c == C_SEP || c == C_INVALID || c == C_CJK)
            return r; /* neither the run nor a joiner goes on */
        if (c != C_APOS || !sc->fold_quotes)
            return 0;
        after = r + m < sc->len ? s[r + m] : ' ';
        if (after < 0x80 && !(byte_kind[after] & K_LETTER))
            return r; /* not before a letter: it does not join */
    } else if (s[r] != '\'') {
        return 0;
    }
    return window_apostrophe(sc, start, w, k, a, m, hash);
}

/* The word s[start, start + n) whose bytes are w->lower[k, k + n) (digits: their mask), with
 * the byte after it inside the window. The common tokens (hash_words, all letters or all
 * digits, nothing or an apostrophe joined) are decided here: their end, and their hash in
 * *hash. 0: window_slow takes it the reference's way. */
static inline size_t window_token(const scanner *sc, size_t start, size_t n, const window *w,
                                  unsigned k, unsigned digits, uint64_t *hash)
{
    const char *lower = (const char *)w->lower + k;
    size_t r = start + n;
    uint8_t b = sc->s[r];
    unsigned all = (1u << n) - 1;

    if (!byte_ends[b] && !ascii_word_ends(sc, start, r)) {
        size_t e = digits ? 0 : window_joined(sc, start, r, w, k, hash);
        if (e != r)
            return e;
    }
    /* rp_spelling_may_fold without its loop: "our" at [2, n - 3] of the word, from the mask */
    if (digits ? digits != all
               : sc->fold_spelling &&
                     (rp_spelling_may_fold_end(lower, n) ||
                      (w->our >> (k + 2) & ((1u << (n > 4 ? n - 4 : 0)) - 1)) != 0))
        return 0; /* letters and digits, or a spelling fold */
    /* n & (WINDOW - 1) == n: it tells the compiler that only XXH3's short-input path is taken */
    *hash = XXH3_64bits(lower, n & (WINDOW - 1));
    return r;
}

/* The word of window_token taken the reference's way: scan_word when a joiner may continue it,
 * else finish_ascii_word. */
static rp_status window_slow(scanner *sc, size_t start, size_t n, unsigned digits, size_t *next)
{
    size_t r = start + n;
    unsigned all = (1u << n) - 1;

    if (!byte_ends[sc->s[r]] && !ascii_word_ends(sc, start, r))
        return scan_word(sc, start, next);
    *next = r;
    /* K_U claims a u that may not be there: the spelling filter then only looks further */
    return finish_ascii_word(sc, start, r,
                             (digits ? K_DIGIT : 0) | (digits != all ? K_LETTER : 0) | K_U);
}

/* One CJK character and the marks after it. */
static rp_status scan_cjk(scanner *sc, size_t start, int32_t cp, size_t n, size_t *next)
{
    size_t p = start + n, base = sc->toks->norm_len;

    sc->kinds = K_OTHER;
    if (add_cp(sc, cp) != RP_OK)
        return RP_ENOMEM;
    while (p < sc->len) {
        size_t m = decode(sc->s, p, sc->len, &cp);
        if (classify(cp) != C_MARK)
            break;
        if (add_cp(sc, cp) != RP_OK)
            return RP_ENOMEM;
        p += m;
    }
    *next = p;
    return emit(sc, start, p, base);
}

static void scanner_init(scanner *sc, const rp_options *opts, const char *text, size_t len,
                         bool keep_norm, rp_tokens *toks)
{
    sc->s = (const uint8_t *)text;
    sc->len = len;
    sc->toks = toks;
    sc->fold_case = opts->fold_case;
    sc->fold_quotes = opts->fold_quotes;
    sc->fold_spelling = opts->fold_spelling;
    sc->keep_norm = keep_norm;
    sc->spans_only = false;
    sc->windows = true;
    sc->hash_words = false;
    sc->sink = NULL;
    sc->sink_ctx = NULL;
    sc->block = 0;
    sc->limit = 0; /* the first token takes the slow path, which sets it */
    sc->nmarks = 0;
    sc->kinds = 0;
    sc->skip = sc->skip_end = NULL;
    sc->skip_at = SIZE_MAX;
    sc->uopts = UTF8PROC_DECOMPOSE | UTF8PROC_COMPAT | UTF8PROC_IGNORE;
    if (opts->fold_spelling)
        rp_spelling_init();
    pthread_once(&byte_tables_once, build_byte_tables);
    if (opts->fold_case)
        sc->uopts |= UTF8PROC_CASEFOLD;
    if (opts->fold_marks)
        sc->uopts |= UTF8PROC_STRIPMARK;
}

void rp_tokens_init(rp_tokens *toks)
{
    memset(toks, 0, sizeof(*toks));
    toks->first_invalid = SIZE_MAX;
}

void rp_tokens_release(rp_tokens *toks)
{
    rp_free(toks->items);
    rp_free(toks->norm);
    rp_free(toks->norm_off);
    rp_tokens_init(toks);
}

/* Counts the invalid sequence at p. */
static void note_invalid(rp_tokens *toks, size_t p)
{
    if (toks->invalid_utf8++ == 0)
        toks->first_invalid = p;
}

/* The window path from *p (at least WINDOW bytes before the end): ASCII separators skipped and
 * ASCII words taken, WINDOW bytes seen at a time, until a byte >= 0x80 (left at *p for the
 * general path), an ignored range or the last WINDOW - 1 bytes. The token array's state is
 * held in locals, written back around the calls that use it. */
static rp_status tokenize_windows(scanner *sc, size_t *at)
{
    const uint8_t *s = sc->s;
    const size_t skip_at = sc->skip_at;
    const bool hash_words = sc->hash_words, spans_only = sc->spans_only;
    rp_tokens *t = sc->toks;
    rp_token *items = t->items;
    size_t p = *at, stop = sc->len - WINDOW + 1, count = t->count, limit = sc->limit;
    rp_status st = RP_OK;

    if (stop > skip_at)
        stop = skip_at;
    while (p < stop) {
        window w;
        const size_t base = p;
        see_window(s + base, &w);
        /* the window's words and bytes >= 0x80 not yet taken: most windows hold 2 or 3 words */
        for (unsigned left = w.word | w.high;;) {
            unsigned k, run, digits;
            uint64_t hash = 0;
            size_t e;
            if (!left) { /* the rest is ASCII spaces and punctuation */
                p = base + WINDOW;
                break;
            }
            k = lowest_bit(left);
            p = base + k;
            if (!(w.word >> k & 1) || p >= skip_at) {
                stop = 0; /* the general path's turn, or an ignored range's */
                break;
            }
            run = lowest_bit(~(w.word >> k)); /* at most WINDOW - k */
            if (run == WINDOW - k && k)
                break; /* the word runs past the window: see it from its start */
            digits = bits(w.digit, k, run);
            if (run == WINDOW - k) /* a word of WINDOW bytes or more */
                e = 0;
            else if (spans_only) /* finish_ascii_word's spans-only token (hash 0), or 0 */
                e = byte_ends[s[p + run]] || ascii_word_ends(sc, p, p + run) ? p + run : 0;
            else
                e = hash_words ? window_token(sc, p, run, &w, k, digits, &hash) : 0;
            if (!e) { /* the reference's way; then a new window where it ended */
                t->count = count;
                st = run < WINDOW - k ? window_slow(sc, p, run, digits, &p)
                                      : scan_ascii_word(sc, p, &p);
                items = t->items, count = t->count, limit = sc->limit;
                if (st != RP_OK)
                    stop = 0;
                break;
            }
            if (count == limit) {
                t->count = count;
                if ((st = room_slow(sc)) != RP_OK) { /* the sink's STOP or a failure: toks
                                                       * as the sink left them */
                    items = t->items, count = t->count;
                    stop = 0;
                    break;
                }
                items = t->items, count = t->count, limit = sc->limit;
            }
            items[count++] = (rp_token){hash, (uint32_t)p, (uint32_t)e};
            p = e;
            left &= ~0u << (e - base); /* e - base < WINDOW: the byte at e ends the token */
        }
    }
    t->count = count;
    *at = p;
    return st;
}

static rp_status tokenize(scanner *sc)
{
    const uint8_t *s = sc->s;
    size_t p = 0;
    rp_status st = RP_OK;

    if (sc->len >= 3 && s[0] == 0xEF && s[1] == 0xBB && s[2] == 0xBF)
        p = 3;
    while (p < sc->len) {
        int32_t cp;
        size_t n;
        int c;
        if (p >= sc->skip_at) {
            p = p > sc->skip->end ? p : sc->skip->end;
            sc->skip++;
            sc->skip_at = sc->skip < sc->skip_end ? sc->skip->start : SIZE_MAX;
            continue;
        }
        if (sc->windows && sc->len - p >= WINDOW) {
            if ((st = tokenize_windows(sc, &p)) != RP_OK)
                return st;
            if (p >= sc->len || p >= sc->skip_at)
                continue;
            /* a byte >= 0x80 at p, or the last 15 bytes: the general path */
        }
        if (byte_kind[s[p]]) {
            if ((st = scan_ascii_word(sc, p, &p)) != RP_OK)
                return st;
            continue;
        }
        if (s[p] < 0x80) {
            p++;
            continue;
        }
        n = decode(s, p, sc->len, &cp);
        c = classify(cp);
        if (c == C_INVALID)
            note_invalid(sc->toks, p);
        if (is_word(c))
            st = scan_word(sc, p, &p);
        else if (c == C_CJK)
            st = scan_cjk(sc, p, cp, n, &p);
        else
            p += n;
        if (st != RP_OK)
            return st;
    }
    return RP_OK;
}

/* Tokenizes len bytes into toks; with a sink, block by block (rp_text_tokenize_stream). */
static rp_status run_tokenizer(const rp_options *opts, const char *text, size_t len,
                               const rp_range *skip, size_t nskip, bool keep_norm,
                               bool spans_only, bool windows, rp_token_sink sink, void *ctx,
                               size_t block, rp_tokens *toks)
{
    scanner sc;
    rp_status st;

    if (len > UINT32_MAX)
        return RP_ELIMIT;
    toks->count = 0;
    toks->norm_len = 0;
    toks->invalid_utf8 = 0;
    toks->first_invalid = SIZE_MAX;
    scanner_init(&sc, opts, text, len, keep_norm, toks);
    sc.spans_only = spans_only;
    sc.windows = windows;
    sc.hash_words = opts->fold_case && !keep_norm && !spans_only;
    sc.sink = sink;
    sc.sink_ctx = ctx;
    sc.block = block;
    if (nskip) {
        sc.skip = skip;
        sc.skip_end = skip + nskip;
        sc.skip_at = skip->start;
    }
    st = tokenize(&sc);
    if (st == RP_TEXT_STOP && sink)
        return RP_OK; /* the sink needs nothing more (toks: what it left) */
    if (st == RP_OK && keep_norm) {
        if (RP_GROW(toks->norm_off, toks->norm_off_cap, toks->count + 1) != RP_OK)
            return RP_ENOMEM;
        toks->norm_off[toks->count] = (uint32_t)toks->norm_len;
    }
    if (!keep_norm)
        toks->norm_len = 0;
    return st;
}

rp_status rp_text_tokenize(const rp_options *opts, const char *text, size_t len, bool keep_norm,
                           rp_tokens *toks)
{
    return run_tokenizer(opts, text, len, NULL, 0, keep_norm, false, true, NULL, NULL, 0, toks);
}

rp_status rp_text_tokenize_doc(const rp_options *opts, const rp_doc *doc, bool keep_norm,
                               rp_tokens *toks)
{
    return run_tokenizer(opts, doc->bytes, doc->len, doc->ignored, doc->ignored_count, keep_norm,
                         false, true, NULL, NULL, 0, toks);
}

rp_status rp_text_tokenize_stream(const rp_options *opts, const char *text, size_t len,
                                  bool spans_only, size_t block, rp_token_sink sink, void *ctx,
                                  rp_tokens *toks)
{
    if (!sink || block == 0)
        return RP_EINVAL;
    return run_tokenizer(opts, text, len, NULL, 0, false, spans_only, true, sink, ctx, block,
                         toks);
}

rp_status rp_text_tokenize_stream_doc(const rp_options *opts, const rp_doc *doc,
                                      bool spans_only, size_t block, rp_token_sink sink,
                                      void *ctx, rp_tokens *toks)
{
    if (!sink || block == 0)
        return RP_EINVAL;
    return run_tokenizer(opts, doc->bytes, doc->len, doc->ignored, doc->ignored_count, false,
                         spans_only, true, sink, ctx, block, toks);
}

rp_status rp_text_tokenize_paths(const rp_options *opts, const rp_doc *doc, bool keep_norm,
                                 bool spans_only, bool windows, rp_tokens *toks)
{
    return run_tokenizer(opts, doc->bytes, doc->len, doc->ignored, doc->ignored_count, keep_norm,
                         spans_only, windows, NULL, NULL, 0, toks);
}

rp_status rp_text_normalize(const rp_options *opts, const char *text, size_t len, char **out,
                            size_t *out_len)
{
    rp_tokens buf;
    scanner sc;
    rp_status st = RP_OK;

    rp_tokens_init(&buf);
    scanner_init(&sc, opts, text, len, true, &buf);
    for (size_t p = 0; p < len && st == RP_OK;) {
        int32_t cp;
        size_t n = decode(sc.s, p, len, &cp);
        st = add_cp(&sc, cp < 0 ? 0xFFFD : cp);
        p += n;
    }
    if (st == RP_OK)
        st = reserve(&sc, 1);
    if (st == RP_OK) {
        if (sc.nmarks)
            flush_marks(&sc);
        if (opts->fold_spelling)
            st = fold_spelling(&sc, 0);
    }
    if (st != RP_OK) {
        rp_tokens_release(&buf);
        return st;
    }
    buf.norm[buf.norm_len] = '\0';
    *out = buf.norm;
    *out_len = buf.norm_len;
    rp_free(buf.items);
    rp_free(buf.norm_off);
    return RP_OK;
}
