/*
 * quotes_extract.c - quotation spans in a text: a stack machine over quotation marks (“…”
 * "…" ‘…’ '…' «…» »…« ‹…› „…“ ‚…‘ 「…」 『…』). Whether a mark opens, closes or is an
 * apostrophe (China’s, the ’90s, players’) depends on its neighbours; a quotation spanning
 * paragraphs continues when the next paragraph opens with the same mark (the typographers'
 * rule); one still open at a blank line ends there, so a stray mark swallows one paragraph.
 */
#include "quotes/quotes.h"

#include <stdlib.h>
#include <string.h>
#include <utf8proc.h>

#define MAX_DEPTH 16
#define NO_ALT UINT32_MAX

enum style {
    ST_DCURLY,    /* “ ” */
    ST_LOW9,      /* „ “ or „ ” */
    ST_RDQ,       /* ” ” (Swedish, Finnish) */
    ST_ASCII2,    /* " " */
    ST_SCURLY,    /* ‘ ’ */
    ST_LOW9S,     /* ‚ ‘ or ‚ ’ */
    ST_ASCII1,    /* ' ' */
    ST_GUIL,      /* « » */
    ST_GUIL_REV,  /* » « (Danish, German) */
    ST_SGUIL,     /* ‹ › */
    ST_SGUIL_REV, /* › ‹ */
    ST_CORNER,    /* 「 」 */
    ST_WCORNER    /* 『 』 */
};

#define BIT(s) (1u << (s))

typedef struct entry {
    uint8_t style;
    uint16_t paragraphs;
    uint32_t open, start;
    uint32_t alt, alt_len; /* a possessive-looking ’ that may have closed it after all */
} entry;

typedef struct extractor {
    const uint8_t *s;
    size_t len;
    entry stack[MAX_DEPTH];
    size_t depth;
    rp_qspans *out;
} extractor;

void rp_qspans_init(rp_qspans *qs)
{
    qs->items = NULL;
    qs->count = qs->cap = 0;
}

void rp_qspans_release(rp_qspans *qs)
{
    rp_free(qs->items);
    rp_qspans_init(qs);
}

/* The code point at s[i] and its length; invalid bytes decode as -1, length 1. An ASCII byte
 * is its own code point (as utf8proc would say, without the call: most of a text). */
static inline size_t decode(const uint8_t *s, size_t len, size_t i, int32_t *cp)
{
    if (i < len && s[i] < 0x80) {
        *cp = s[i];
        return 1;
    }
    utf8proc_ssize_t n = utf8proc_iterate(s + i, (utf8proc_ssize_t)(len - i), cp);

    if (n <= 0) {
        *cp = -1;
        return 1;
    }
    return (size_t)n;
}

static bool is_space(int32_t c)
{
    return c == ' ' || (c >= '\t' && c <= '\r') || c == 0xA0 || (c >= 0x2000 && c <= 0x200A) ||
           c == 0x202F || c == 0x3000;
}

static bool is_alnum(int32_t c)
{
    if (c < 0)
        return false;
    if (c < 0x80)
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
    utf8proc_category_t cat = utf8proc_category(c);
    return cat >= UTF8PROC_CATEGORY_LU && cat <= UTF8PROC_CATEGORY_NO &&
           (cat <= UTF8PROC_CATEGORY_LO || cat >= UTF8PROC_CATEGORY_ND);
}

static bool is_opening_mark(int32_t c)
{
    return c == 0x201C || c == 0x2018 || c == 0x201E || c == 0x201A || c == 0xAB || c == 0x2039 ||
           c == 0x300C || c == 0x300E || c == '"' || c == '\'';
}

/* A mark after this character may open a quotation: the text's start, space, an opening
 * bracket or dash, or another opening mark. */
static bool open_ctx(int32_t prev)
{
    return prev == 0 || is_space(prev) || (prev > 0 && prev < 0x80 && strchr("([{-/", prev)) ||
           prev == 0x2013 || prev == 0x2014 || is_opening_mark(prev);
}

/* The topmost open quotation of one of the styles, or -1. */
static int find(const extractor *ex, unsigned styles)
{
    for (size_t k = ex->depth; k > 0; k--)
        if (styles & BIT(ex->stack[k - 1].style))
            return (int)(k - 1);
    return -1;
}

static bool trim_byte_space(const uint8_t *s, size_t i, size_t len, size_t *n)
{
    int32_t c;
    *n = decode(s, len, i, &c);
    return is_space(c);
}

/* The byte where the white space ending just before `end` starts. */
static uint32_t trim_back(const uint8_t *s, uint32_t start, uint32_t end)
{
    while (end > start) {
        uint32_t b = end - 1;
        while (b > start && (s[b] & 0xC0) == 0x80)
            b--;
        size_t n;
        if (!trim_byte_space(s, b, end, &n) || b + n != end)
            break;
        end = b;
    }
    return end;
}

static rp_status emit(extractor *ex, const entry *e, size_t depth, uint32_t end, uint32_t close,
                      bool closed)
{
    uint32_t start = e->start;
    size_t n;

    while (start < end && trim_byte_space(ex->s, start, end, &n))
        start += (uint32_t)n;
    end = trim_back(ex->s, start, end);
    if (start >= end)
        return RP_OK;
    if (RP_GROW(ex->out->items, ex->out->cap, ex->out->count + 1) != RP_OK)
        return RP_ENOMEM;
    ex->out->items[ex->out->count++] =
        (rp_qspan){e->open, start, end, close, (uint16_t)depth, e->paragraphs, closed};
    return RP_OK;
}

/* Ends every quotation above level k, unclosed, at `end` (or at its possessive-looking ’). */
static rp_status end_above(extractor *ex, size_t k, uint32_t end)
{
    while (ex->depth > k) {
        const entry *e = &ex->stack[ex->depth - 1];
        rp_status st = e->alt != NO_ALT
                           ? emit(ex, e, ex->depth - 1, e->alt, e->alt + e->alt_len, true)
                           : emit(ex, e, ex->depth - 1, end, end, false);
        if (st != RP_OK)
            return st;
        ex->depth--;
    }
    return RP_OK;
}

static rp_status close_at(extractor *ex, int k, size_t i, size_t n)
{
    rp_status st = end_above(ex, (size_t)k + 1, (uint32_t)i);

    if (st == RP_OK)
        st = emit(ex, &ex->stack[k], (size_t)k, (uint32_t)i, (uint32_t)(i + n), true);
    ex->depth = (size_t)k;
    return st;
}

static void push(extractor *ex, enum style style, size_t i, size_t n)
{
    if (ex->depth == MAX_DEPTH)
        return;
    ex->stack[ex->depth++] = (entry){(uint8_t)style, 1, (uint32_t)i, (uint32_t)(i + n), NO_ALT, 0};
}

/* A closing ’ or ' that may be a plural possessive ("the players’ union"): after an s, before
 * a space and a lower-case letter. */
static bool possessive(const extractor *ex, int32_t prev, size_t next_i)
{
    int32_t c1, c2;

    if (prev != 's' && prev != 'S')
        return false;
    if (next_i >= ex->len)
        return false;
    size_t n = decode(ex->s, ex->len, next_i, &c1);
    if (c1 != ' ' || next_i + n >= ex->len)
        return false;
    decode(ex->s, ex->len, next_i + n, &c2);
    return c2 >= 0 && utf8proc_category(c2) == UTF8PROC_CATEGORY_LL;
}

/* ’ or ': an apostrophe, or the close of a single-quoted quotation. */
static rp_status single_close(extractor *ex, int k, int32_t prev, size_t i, size_t n)
{
    entry *e = &ex->stack[k];

    if (possessive(ex, prev, i + n)) {
        if (e->alt == NO_ALT)
            e->alt = (uint32_t)i, e->alt_len = (uint32_t)n;
        return RP_OK;
    }
    return close_at(ex, k, i, n);
}

static rp_status on_double(extractor *ex, int32_t c, int32_t prev, int32_t next, size_t i, size_t n)
{
    int k;

    switch (c) {
    case 0x201C: /* “ */
        if ((k = find(ex, BIT(ST_LOW9))) >= 0)
            return close_at(ex, k, i, n);
        if ((k = find(ex, BIT(ST_DCURLY))) >= 0 && !open_ctx(prev) && !is_alnum(next))
            return close_at(ex, k, i, n); /* a “ typed for ” */
        push(ex, ST_DCURLY, i, n);
        return RP_OK;
    case 0x201D: /* ” */
        if ((k = find(ex, BIT(ST_DCURLY) | BIT(ST_LOW9) | BIT(ST_RDQ))) >= 0)
            return close_at(ex, k, i, n);
        if (open_ctx(prev) && next != 0 && !is_space(next))
            push(ex, ST_RDQ, i, n);
        return RP_OK;
    case 0x201E: /* „ */ push(ex, ST_LOW9, i, n); return RP_OK;
    default: /* " */
        k = find(ex, BIT(ST_ASCII2));
        bool opener = open_ctx(prev) && next != 0 && !is_space(next);
        if (k >= 0 && (!opener || ex->stack[ex->depth - 1].style != ST_ASCII2 || prev == 0))
            return close_at(ex, k, i, n);
        if (opener)
            push(ex, ST_ASCII2, i, n); /* "… "inner" …": the same mark nests */
        else if (k >= 0)
            return close_at(ex, k, i, n);
        return RP_OK;
    }
}

static rp_status on_single(extractor *ex, int32_t c, int32_t prev, int32_t next, size_t i, size_t n)
{
    int k;
    bool digit_next = next >= '0' && next <= '9';

    switch (c) {
    case 0x2018: /* ‘ */
        if ((k = find(ex, BIT(ST_LOW9S))) >= 0 && !open_ctx(prev))
            return close_at(ex, k, i, n);
        if (!digit_next && open_ctx(prev))
            push(ex, ST_SCURLY, i, n);
        return RP_OK;
    case 0x201A: /* ‚ */
        if (open_ctx(prev))
            push(ex, ST_LOW9S, i, n);
        return RP_OK;
    default: /* ’ or ' */
        if (is_alnum(prev) && is_alnum(next))
            return RP_OK; /* China’s, doesn’t */
        k = find(ex, c == '\'' ? BIT(ST_ASCII1) : BIT(ST_SCURLY) | BIT(ST_LOW9S));
        if (k >= 0 && !open_ctx(prev))
            return single_close(ex, k, prev, i, n);
        if (c == '\'' && open_ctx(prev) && is_alnum(next) && !digit_next)
            push(ex, ST_ASCII1, i, n);
        return RP_OK; /* ’90s, players’ */
    }
}

/* Guillemets and corner brackets: unambiguous pairs (» « and › ‹ also in reverse). */
static rp_status on_pair(extractor *ex, int32_t c, int32_t prev, int32_t next, size_t i, size_t n)
{
    static const struct {
        int32_t mark;
        enum style opens, closes_rev;
        int32_t close_of; /* style this mark closes */
    } table[] = {
        {0xAB, ST_GUIL, ST_GUIL_REV, -1},       {0xBB, ST_GUIL_REV, ST_GUIL, -1},
        {0x2039, ST_SGUIL, ST_SGUIL_REV, -1},   {0x203A, ST_SGUIL_REV, ST_SGUIL, -1},
        {0x300C, ST_CORNER, ST_CORNER, 0x300D}, {0x300E, ST_WCORNER, ST_WCORNER, 0x300F},
    };
    int k;

    for (size_t t = 0; t < sizeof(table) / sizeof(table[0]); t++) {
        if (table[t].close_of == c) {
            k = find(ex, BIT(table[t].opens));
            return k >= 0 ? close_at(ex, k, i, n) : RP_OK;
        }
        if (table[t].mark != c)
            continue;
        if (table[t].close_of < 0 && (k = find(ex, BIT(table[t].closes_rev))) >= 0)
            return close_at(ex, k, i, n);
        bool reversed = c == 0xBB || c == 0x203A;
        if (!reversed || (open_ctx(prev) && next != 0 && !is_space(next)))
            push(ex, table[t].opens, i, n);
        return RP_OK;
    }
    return RP_OK;
}

static bool continues(enum style st, int32_t c)
{
    static const int32_t marks[] = {
        [ST_DCURLY] = 0x201C, [ST_LOW9] = 0x201E,  [ST_RDQ] = 0x201D,       [ST_ASCII2] = '"',
        [ST_SCURLY] = 0x2018, [ST_LOW9S] = 0x201A, [ST_ASCII1] = '\'',      [ST_GUIL] = 0xAB,
        [ST_GUIL_REV] = 0xBB, [ST_SGUIL] = 0x2039, [ST_SGUIL_REV] = 0x203A, [ST_CORNER] = 0x300C,
        [ST_WCORNER] = 0x300E};
    return marks[st] == c || (st == ST_GUIL && c == 0xBB);
}

/* At a line break (s[i] == '\n'): a quotation open at level 0 continues when the next line
 * opens with its mark (that mark is skipped) unless a possessive-looking ’ may have closed it;
 * at a blank line, anything else still open ends.
 * Returns where scanning resumes. */
static rp_status line_break(extractor *ex, size_t i, size_t *next_i)
{
    size_t j = i + 1, n = 0;
    bool blank = false;
    int32_t c = 0;

    while (j < ex->len && ex->s[j] < 0x80 && is_space((int32_t)ex->s[j])) {
        blank |= ex->s[j] == '\n';
        j++;
    }
    if (j < ex->len)
        n = decode(ex->s, ex->len, j, &c);
    *next_i = i + 1;
    if (ex->depth == 0)
        return RP_OK;
    if (continues((enum style)ex->stack[0].style, c) && ex->stack[0].alt == NO_ALT) {
        rp_status st = end_above(ex, 1, (uint32_t)i);
        ex->stack[0].paragraphs++;
        *next_i = j + n;
        return st;
    }
    return blank ? end_above(ex, 0, (uint32_t)i) : RP_OK;
}

static int cmp_span(const void *pa, const void *pb)
{
    const rp_qspan *a = pa, *b = pb;

    if (a->start != b->start)
        return a->start < b->start ? -1 : 1;
    if (a->end != b->end)
        return a->end > b->end ? -1 : 1;
    return 0;
}

static rp_status on_mark(extractor *ex, int32_t c, int32_t prev, int32_t next, size_t i, size_t n)
{
    switch (c) {
    case 0x201C:
    case 0x201D:
    case 0x201E:
    case '"': return on_double(ex, c, prev, next, i, n);
    case 0x2018:
    case 0x2019:
    case 0x201A:
    case '\'': return on_single(ex, c, prev, next, i, n);
    case 0xAB:
    case 0xBB:
    case 0x2039:
    case 0x203A:
    case 0x300C:
    case 0x300D:
    case 0x300E:
    case 0x300F: return on_pair(ex, c, prev, next, i, n);
    default: return RP_OK;
    }
}

rp_status rp_quotes_extract(const char *text, size_t len, rp_qspans *qs)
{
    extractor ex = {(const uint8_t *)text, len, {{0}}, 0, qs};
    int32_t prev = 0, c, next;
    rp_status st = RP_OK;

    if (len >= UINT32_MAX)
        return RP_ELIMIT;
    qs->count = 0;
    for (size_t i = 0; i < len && st == RP_OK;) {
        uint8_t b = ex.s[i];
        if (b < 0x80 && b != '\n' && b != '"' && b != '\'') {
            prev = b, i++; /* neither a mark nor a line break: only the next one's prev */
            continue;
        }
        size_t n = decode(ex.s, len, i, &c);
        if (c == '\n') {
            st = line_break(&ex, i, &i);
            prev = '\n';
            continue;
        }
        next = 0;
        if (i + n < len)
            decode(ex.s, len, i + n, &next);
        st = on_mark(&ex, c, prev, next, i, n);
        prev = c;
        i += n;
    }
    if (st == RP_OK)
        st = end_above(&ex, 0, (uint32_t)len);
    if (st != RP_OK) {
        qs->count = 0;
        return st;
    }
    if (qs->items && qs->count > 1)
        qsort(qs->items, qs->count, sizeof(qs->items[0]), cmp_span);
    return RP_OK;
}
