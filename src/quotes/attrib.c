/*
 * quotes_attrib.c - a quotation against a source window: Gotoh's affine-gap alignment
 * (Gotoh 1982), global on the quotation's side and free-ended on the source's, with cheap gap
 * extension on the source side only, so that an elision ("…") costs little more for twenty
 * omitted words than for two, while a changed word still costs a substitution. Also the
 * speaker hint: the clause beside a quotation that holds a speech verb ("he added").
 */
#include "quotes/quotes.h"

#include <string.h>

enum {
    SC_MATCH = 4,
    SC_MISMATCH = -4,
    SC_INS = -4,      /* a quote word the source lacks */
    SC_DEL_OPEN = -6, /* the first source word the quote leaves out */
    SC_DEL_EXT = -1   /* each further one */
};
#define NEG_INF (INT32_MIN / 4)
#define ALIGN_MAX_CELLS ((size_t)64 << 20)

/* trace byte: bits 0-1 the best state of the cell, bit 2 D extended an earlier D */
enum { S_M = 0, S_I = 1, S_D = 2, T_DEXT = 4 };

void rp_qalign_init(rp_qalign *al)
{
    memset(al, 0, sizeof(*al));
}

void rp_qalign_release(rp_qalign *al)
{
    rp_free(al->rows);
    rp_free(al->trace);
    rp_qalign_init(al);
}

static int32_t max3(int32_t a, int32_t b, int32_t c, uint8_t *which)
{
    /* ties: a diagonal first, then an omission, then an insertion */
    *which = S_M;
    int32_t best = a;
    if (c > best)
        best = c, *which = S_D;
    if (b > best)
        best = b, *which = S_I;
    return best;
}

/* One row i of the DP (see fill); M and I are kept only when keep (the last row). */
static inline __attribute__((always_inline)) void fill_row(uint8_t *tr, uint64_t qh, uint32_t i,
                                                           const uint64_t *s, uint32_t n,
                                                           const int32_t *pb, int32_t *cb,
                                                           int32_t *cm, int32_t *ci, bool keep)
{
    int32_t left = SC_INS * (int32_t)i, d = NEG_INF, diag = pb[0];

    cb[0] = left;
    if (keep)
        cm[0] = NEG_INF, ci[0] = left;
    tr[0] = S_I;
    for (uint32_t j = 1; j <= n; j++) {
        uint8_t which;
        int32_t up = pb[j];
        int32_t mv = diag + (qh == s[j - 1] ? SC_MATCH : SC_MISMATCH);
        int32_t iv = up + SC_INS;
        bool ext = d + SC_DEL_EXT > left + SC_DEL_OPEN;
        d = ext ? d + SC_DEL_EXT : left + SC_DEL_OPEN;
        left = max3(mv, iv, d, &which);
        cb[j] = left;
        if (keep)
            cm[j] = mv, ci[j] = iv;
        tr[j] = (uint8_t)(which | (ext ? T_DEXT : 0));
        diag = up;
    }
}

/* Fills the DP. A cell's three states are read only through their best (the diagonal and up
 * from the row before, left from this one) and D from the cell to its left, so rows holds the
 * best of the previous and of the current row, and M and I of the last row (where the
 * alignment ends). Returns the best end column of the last row through *jbest. */
static void fill(rp_qalign *al, const uint64_t *q, uint32_t m, const uint64_t *s, uint32_t n,
                 uint32_t *jbest, uint8_t *state)
{
    const size_t w = (size_t)n + 1;
    int32_t *pb = al->rows, *cb = pb + w, *cm = cb + w, *ci = cm + w;
    int32_t best_end = NEG_INF;

    for (size_t j = 0; j <= n; j++)
        pb[j] = 0; /* free start in the source: M = 0, I and D impossible */
    for (uint32_t i = 1; i <= m; i++) {
        uint8_t *tr = al->trace + (size_t)i * w;
        if (i < m)
            fill_row(tr, q[i - 1], i, s, n, pb, cb, cm, ci, false);
        else
            fill_row(tr, q[i - 1], i, s, n, pb, cb, cm, ci, true);
        int32_t *t = pb;
        pb = cb, cb = t;
    }
    *jbest = 0;
    for (uint32_t j = 1; j <= n; j++) {
        int32_t v = cm[j] > ci[j] ? cm[j] : ci[j]; /* ending on an omission never helps */
        if (v > best_end)
            best_end = v, *jbest = j, *state = cm[j] >= ci[j] ? S_M : S_I;
    }
}

static rp_status trace_back(const rp_qalign *al, const uint64_t *q, uint32_t m, const uint64_t *s,
                            uint32_t n, uint32_t j, uint8_t state, rp_qops *ops)
{
    const size_t w = (size_t)n + 1;
    uint32_t i = m, last = j;

    ops->count = 0;
    while (i > 0) {
        if (RP_GROW(ops->items, ops->cap, ops->count + 1) != RP_OK)
            return RP_ENOMEM;
        uint8_t cell = al->trace[(size_t)i * w + j];
        if (state == S_M) {
            ops->items[ops->count++] = q[i - 1] == s[j - 1] ? RP_QOP_SAME : RP_QOP_SUB;
            i--, j--;
        } else if (state == S_I) {
            ops->items[ops->count++] = RP_QOP_INS;
            i--;
        } else {
            ops->items[ops->count++] = RP_QOP_DEL;
            j--;
            if (cell & T_DEXT)
                continue;
        }
        state = al->trace[(size_t)i * w + j] & 3;
    }
    for (size_t a = 0, b = ops->count; a + 1 < b; a++, b--) { /* reverse into reading order */
        uint8_t t = ops->items[a];
        ops->items[a] = ops->items[b - 1];
        ops->items[b - 1] = t;
    }
    /* changed words at either end are quote words the source lacks: keep them out of it */
    for (size_t c = 0; c < ops->count && ops->items[c] != RP_QOP_SAME; c++)
        if (ops->items[c] == RP_QOP_SUB)
            ops->items[c] = RP_QOP_INS, j++;
    for (size_t c = ops->count; c > 0 && ops->items[c - 1] != RP_QOP_SAME; c--)
        if (ops->items[c - 1] == RP_QOP_SUB)
            ops->items[c - 1] = RP_QOP_INS, last--;
    ops->s_first = j;
    ops->s_last = last;
    return RP_OK;
}

rp_status rp_quotes_align(rp_qalign *al, const uint64_t *q, uint32_t m, const uint64_t *s,
                          uint32_t n, rp_qops *ops)
{
    size_t cells, rows;
    uint32_t jbest = 0;
    uint8_t state = S_I;

    if (m == 0 || n == 0)
        return RP_EINVAL;
    if (!rp_mul_ok((size_t)m + 1, (size_t)n + 1, &cells) || cells > ALIGN_MAX_CELLS)
        return RP_ELIMIT;
    rows = 6 * ((size_t)n + 1);
    if (RP_GROW(al->rows, al->rows_cap, rows) != RP_OK ||
        RP_GROW(al->trace, al->trace_cap, cells) != RP_OK)
        return RP_ENOMEM;
    fill(al, q, m, s, n, &jbest, &state);
    return trace_back(al, q, m, s, n, jbest, state, ops);
}

/* ---- speaker hint ---- */

static const char *const speech_verbs[] = {
    "said",       "says",       "say",        "added",        "adds",     "told",
    "tells",      "noted",      "notes",      "stressed",     "stresses", "emphasised",
    "emphasized", "emphasises", "emphasizes", "stated",       "states",   "declared",
    "declares",   "explained",  "explains",   "asked",        "asks",     "wrote",
    "writes",     "observed",   "observes",   "insisted",     "insists",  "argued",
    "argues",     "warned",     "warns",      "claimed",      "claims",   "remarked",
    "continued",  "concluded",  "replied",    "urged",        "recalled", "announced",
    "according",  "pointed",    "commented",  "acknowledged", "affirmed",
};

static const char *const pronouns[] = {"he", "she", "they", "we", "i", "it", "who"};
static const char *const determiners[] = {"the", "a", "an", "his", "her", "their", "our", "its"};

#define HINT_WORDS 3 /* words kept before a speech verb */
#define CLAUSE_BYTES 160

typedef struct word {
    size_t off, len;
} word;

static bool in_list(const char *const *list, size_t count, const char *s, size_t len)
{
    char low[16];

    if (len == 0 || len >= sizeof(low))
        return false; /* no word of a list is empty or that long */
    for (size_t i = 0; i < len; i++)
        low[i] = (char)(s[i] >= 'A' && s[i] <= 'Z' ? s[i] + 32 : s[i]);
    for (size_t i = 0; i < count; i++) /* first letters first: strlen was most of the hint */
        if (list[i][0] == low[0] && strlen(list[i]) == len && memcmp(list[i], low, len) == 0)
            return true;
    return false;
}

#define IN(list, s, len) in_list(list, sizeof(list) / sizeof(list[0]), s, len)

/* A clause ends at sentence punctuation, a comma, a colon, a line break or a quotation mark
 * (“ ” „ are E2 80 9C/9D/9E, « » are C2 AB/BB): true when the byte at i is one, or is
 * the first (forward) or last (backward) byte of one. */
static bool boundary(const unsigned char *s, size_t i, size_t len, bool backward)
{
    if (s[i] != '\0' && strchr(".!?;,:\n\r()\"", s[i]))
        return true;
    if (backward) {
        if (i >= 2 && s[i - 2] == 0xE2 && s[i - 1] == 0x80 &&
            (s[i] == 0x9C || s[i] == 0x9D || s[i] == 0x9E))
            return true;
        return i >= 1 && s[i - 1] == 0xC2 && (s[i] == 0xAB || s[i] == 0xBB);
    }
    if (s[i] == 0xE2 && i + 2 < len && s[i + 1] == 0x80 &&
        (s[i + 2] == 0x9C || s[i + 2] == 0x9D || s[i + 2] == 0x9E))
        return true;
    return s[i] == 0xC2 && i + 1 < len && (s[i + 1] == 0xAB || s[i + 1] == 0xBB);
}

/* Words (ASCII letters, anything >= 0x80, apostrophes and dots inside) of [a, b). */
static size_t words_of(const char *text, size_t a, size_t b, word *out, size_t max)
{
    const unsigned char *s = (const unsigned char *)text;
    size_t n = 0;

    for (size_t i = a; i < b && n < max;) {
        if (s[i] == ' ' || s[i] == '\t' || s[i] == '-') {
            i++;
            continue;
        }
        size_t j = i;
        while (j < b && s[j] != ' ' && s[j] != '\t')
            j++;
        out[n++] = (word){i, j - i};
        i = j;
    }
    return n;
}

static bool capitalized(const char *w)
{
    return (w[0] >= 'A' && w[0] <= 'Z') || (unsigned char)w[0] >= 0xC3;
}

/* The phrase of clause [a, b) around its last speech verb: up to HINT_WORDS capitalized words
 * or one pronoun before it (before a quotation), or the clause from its start (after one). */
static bool hint_in(const char *text, size_t a, size_t b, bool after, size_t *off, size_t *len)
{
    word w[32];
    size_t n = words_of(text, a, b, w, 32), v = SIZE_MAX;

    for (size_t i = 0; i < n; i++)
        if (IN(speech_verbs, text + w[i].off, w[i].len))
            v = i;
    if (v == SIZE_MAX || (after && v > 2))
        return false;
    size_t first = v, last = v;
    if (after) {
        first = 0, last = n - 1 < v + HINT_WORDS ? n - 1 : v + HINT_WORDS;
    } else {
        while (first > 0 && v - first < HINT_WORDS) {
            const word *p = &w[first - 1];
            bool pro = IN(pronouns, text + p->off, p->len);
            bool det = IN(determiners, text + p->off, p->len);
            if (!pro && !det && !capitalized(text + p->off) && first < v)
                break;
            first--;
            if (pro || det)
                break;
        }
        if (v + 1 < n && strncmp(text + w[v].off + 1, "ccording", 8) == 0)
            last = n - 1; /* "according to the minister" */
    }
    *off = w[first].off;
    *len = w[last].off + w[last].len - w[first].off;
    return true;
}

bool rp_quotes_speaker(const char *text, size_t len, const rp_qspan *q, size_t *off, size_t *plen)
{
    const unsigned char *s = (const unsigned char *)text;
    size_t a, b;
    bool comma_end = q->end > q->start && s[q->end - 1] == ',';

    /* after: "…,” he added." */
    for (a = q->close; a < len && (s[a] == ' ' || s[a] == ','); a++)
        ;
    for (b = a; b < len && b - a < CLAUSE_BYTES && !boundary(s, b, len, false); b++)
        ;
    bool has_after = b > a && hint_in(text, a, b, true, off, plen);
    if (has_after && comma_end)
        return true;
    /* before: "Li said: “…", or "He adds:" ending the paragraph before */
    for (b = q->open; b > 0 && (s[b - 1] == ' ' || s[b - 1] == '\t'); b--)
        ;
    if (b > 0 && (s[b - 1] == '\n' || s[b - 1] == '\r')) {
        size_t p = b;
        while (p > 0 && strchr(" \t\r\n", s[p - 1]) && s[p - 1] != '\0')
            p--;
        b = p > 0 && s[p - 1] == ':' ? p : b;
    }
    for (; b > 0 && (s[b - 1] == ' ' || s[b - 1] == ':' || s[b - 1] == ','); b--)
        ;
    for (a = b; a > 0 && b - a < CLAUSE_BYTES && !boundary(s, a - 1, len, true); a--)
        ;
    size_t boff, blen;
    if (b > a && hint_in(text, a, b, false, &boff, &blen)) {
        *off = boff, *plen = blen;
        return true;
    }
    return has_after;
}
