/*
 * diff.c - `scan --diff`: what changed between the two passages of a cluster's best pair, word
 * by word, written as the quotes report writes a quotation's differences ("- words", "+ words").
 * Words are the tokenizer's; equal normal forms match (longest common subsequence over their
 * hashes, Wagner-Fischer style), and a match whose bytes differ is a fold, named (case,
 * quotes, marks, spelling) so an edit is told from a house style.
 */
#include "base/escape.h"
#include "report/report.h"

#include <string.h>

/* Passages longer than this product of token counts are not compared (the table is 4 bytes a
 * cell: 64 MB at most). */
#define DIFF_CELLS ((size_t)16 << 20)

/* The pair that shows what copying changed: among the pairs holding the cluster's first
 * (earliest) passage, the one with the lowest identity, then the most tokens; without such a
 * pair, the lowest identity of all. Written with the first passage as side a. */
static const rp_pair *best_pair(const rp_corpus *corpus, const rp_cluster *c, bool *swap)
{
    size_t first = rp_cluster_first(corpus, c);
    const rp_pair *best = NULL;
    bool best_first = false;

    for (size_t i = 0; i < c->pair_count; i++) {
        const rp_pair *p = &c->pairs[i];
        bool has_first = p->a == first || p->b == first;
        if (best && best_first && !has_first)
            continue;
        if (!best || (has_first && !best_first) || p->identity < best->identity ||
            (p->identity == best->identity && p->tokens > best->tokens)) {
            best = p;
            best_first = has_first;
        }
    }
    *swap = best && best->b == first;
    return best;
}

static bool contains(const char *s, size_t len, const char *needle)
{
    size_t n = strlen(needle);

    for (size_t i = 0; i + n <= len; i++)
        if (memcmp(s + i, needle, n) == 0)
            return true;
    return false;
}

/* Which fold makes two different spellings of one word equal. */
static const char *fold_name(const char *a, size_t alen, const char *b, size_t blen)
{
    static const char *const quotes[] = {"\u2018", "\u2019", "\u201c",
                                         "\u201d", "\u2013", "\u2014"};
    bool high = false, quote = false;

    for (size_t i = 0; i < sizeof(quotes) / sizeof(*quotes); i++)
        quote = quote || contains(a, alen, quotes[i]) || contains(b, blen, quotes[i]);
    for (size_t i = 0; i < alen; i++)
        high = high || (unsigned char)a[i] >= 0x80;
    for (size_t i = 0; i < blen; i++)
        high = high || (unsigned char)b[i] >= 0x80;
    if (quote)
        return "quotes";
    if (high)
        return "marks";
    if (alen == blen) {
        size_t i = 0;
        while (i < alen && (a[i] | 0x20) == (b[i] | 0x20))
            i++;
        if (i == alen)
            return "case";
    }
    return "spelling";
}

typedef struct side {
    const char *text; /* the passage's bytes; token spans are relative to it */
    rp_tokens toks;
} side;

/* Writes one side of a run of unmatched words [from, to), or "" when empty. */
static void run_text(FILE *out, const side *s, size_t from, size_t to)
{
    if (from == to)
        fputs("\"\"", out);
    else
        rp_report_text_excerpt(out, s->text + s->toks.items[from].start,
                               s->toks.items[to - 1].end - s->toks.items[from].start);
}

static bool flush_run(FILE *out, const side *a, size_t a0, size_t a1, const side *b, size_t b0,
                      size_t b1)
{
    if (a0 == a1 && b0 == b1)
        return false;
    fputs("    - ", out);
    run_text(out, a, a0, a1);
    fputs("\n    + ", out);
    run_text(out, b, b0, b1);
    putc('\n', out);
    return true;
}

static bool write_fold(FILE *out, const side *a, size_t i, const side *b, size_t j)
{
    const rp_token *x = &a->toks.items[i], *y = &b->toks.items[j];
    size_t xl = x->end - x->start, yl = y->end - y->start;

    if (xl == yl && memcmp(a->text + x->start, b->text + y->start, xl) == 0)
        return false;
    fputs("    ~ ", out);
    rp_report_text_excerpt(out, a->text + x->start, xl);
    fputs(" ", out);
    rp_report_text_excerpt(out, b->text + y->start, yl);
    fprintf(out, " (%s)\n", fold_name(a->text + x->start, xl, b->text + y->start, yl));
    return true;
}

/* lcs[i * (m + 1) + j]: the longest common subsequence of a's tokens from i and b's from j. */
static void fill_lcs(const rp_tokens *a, const rp_tokens *b, uint32_t *lcs)
{
    size_t n = a->count, m = b->count, w = m + 1;

    for (size_t i = n + 1; i-- > 0;) {
        for (size_t j = m + 1; j-- > 0;) {
            if (i == n || j == m)
                lcs[i * w + j] = 0;
            else if (a->items[i].hash == b->items[j].hash)
                lcs[i * w + j] = lcs[(i + 1) * w + j + 1] + 1;
            else
                lcs[i * w + j] = lcs[(i + 1) * w + j] > lcs[i * w + j + 1] ? lcs[(i + 1) * w + j]
                                                                           : lcs[i * w + j + 1];
        }
    }
}

static void walk(FILE *out, const side *a, const side *b, const uint32_t *lcs)
{
    size_t n = a->toks.count, m = b->toks.count, w = m + 1, i = 0, j = 0, a0 = 0, b0 = 0;
    bool any = false;

    while (i < n || j < m) {
        if (i < n && j < m && a->toks.items[i].hash == b->toks.items[j].hash) {
            any |= flush_run(out, a, a0, i, b, b0, j);
            any |= write_fold(out, a, i, b, j);
            a0 = ++i;
            b0 = ++j;
        } else if (j == m || (i < n && lcs[(i + 1) * w + j] >= lcs[i * w + j + 1])) {
            i++;
        } else {
            j++;
        }
    }
    if (!flush_run(out, a, a0, n, b, b0, m) && !any)
        fputs("    (none: the same words)\n", out);
}

void rp_report_text_diff(FILE *out, const rp_corpus *corpus, const rp_cluster *c,
                         const rp_options *opts)
{
    bool swap;
    const rp_pair *p = best_pair(corpus, c, &swap);
    side a = {NULL, {0}}, b = {NULL, {0}};
    uint32_t *lcs = NULL;

    if (!p)
        return;
    const rp_passage *pa = &c->passages[swap ? p->b : p->a];
    const rp_passage *pb = &c->passages[swap ? p->a : p->b];
    a.text = rp_corpus_doc(corpus, pa->doc)->bytes + pa->start;
    b.text = rp_corpus_doc(corpus, pb->doc)->bytes + pb->start;
    rp_tokens_init(&a.toks);
    rp_tokens_init(&b.toks);
    fputs("  differences from ", out);
    rp_escape_safe_cstring(out, rp_corpus_doc(corpus, pa->doc)->name);
    fprintf(out, ":%u to ", pa->line);
    rp_escape_safe_cstring(out, rp_corpus_doc(corpus, pb->doc)->name);
    fprintf(out, ":%u (identity %.2f):\n", pb->line, p->identity);
    if (rp_text_tokenize(opts, a.text, pa->end - pa->start, false, &a.toks) != RP_OK ||
        rp_text_tokenize(opts, b.text, pb->end - pb->start, false, &b.toks) != RP_OK) {
        fputs("    (not compared: out of memory)\n", out);
    } else if ((a.toks.count + 1) * (b.toks.count + 1) > DIFF_CELLS) {
        fputs("    (not compared: too long to compare word by word)\n", out);
    } else if (!(lcs = rp_malloc((a.toks.count + 1) * (b.toks.count + 1) * sizeof(*lcs)))) {
        fputs("    (not compared: out of memory)\n", out);
    } else {
        fill_lcs(&a.toks, &b.toks, lcs);
        walk(out, &a, &b, lcs);
    }
    rp_free(lcs);
    rp_tokens_release(&a.toks);
    rp_tokens_release(&b.toks);
}
