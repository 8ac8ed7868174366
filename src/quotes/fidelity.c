/*
 * fidelity.c - how faithfully a source gives a quotation: the aligner's columns (quotes_attrib.c)
 * walked once, SAME split into verbatim and folded by the tokens' bytes, runs of other columns
 * turned into differences (an omission shown with the quotation's elision mark when it has
 * one), and the worst column kind naming the fidelity; the strings go to the result's arena.
 */
#include "quotes/quotes.h"

#include <string.h>

static const char *const fidelity_names[] = {"verbatim", "normalized", "elided", "altered"};

const char *rp_fidelity_name(rp_fidelity fidelity)
{
    return (unsigned)fidelity < 4 ? fidelity_names[fidelity] : "unknown";
}

static bool raw_equal(const rp_doc *a, const rp_token *ta, const rp_doc *b, const rp_token *tb)
{
    return ta->end - ta->start == tb->end - tb->start &&
           memcmp(a->bytes + ta->start, b->bytes + tb->start, ta->end - ta->start) == 0;
}

rp_status rp_quotes_arena_add(rp_quotes *r, const char *s, size_t len, size_t *off)
{
    *off = r->arena.len;
    if (rp_buf_add(&r->arena, s, len) != RP_OK || rp_buf_addc(&r->arena, '\0') != RP_OK)
        return RP_ENOMEM;
    return RP_OK;
}

/* The bytes of tokens [a, b) of a document, from the first's start to the last's end. */
static void words(const rp_doc *d, const rp_tokens *t, uint32_t a, uint32_t b, const char **s,
                  size_t *len)
{
    *s = d->bytes + (a < b ? t->items[a].start : 0);
    *len = a < b ? t->items[b - 1].end - t->items[a].start : 0;
}

/* An elision mark ("…", "...", "[...]", "(…)") between quotation tokens qi - 1 and qi. */
static bool elision_mark(const rp_doc *d, const rp_tokens *t, uint32_t qs, uint32_t qi, uint32_t qe,
                         const char **s, size_t *len)
{
    if (qi <= qs || qi >= qe)
        return false;
    const char *g = d->bytes + t->items[qi - 1].end, *end = d->bytes + t->items[qi].start;
    for (const char *p = g; p < end; p++) {
        size_t n = strncmp(p, "\xE2\x80\xA6", 3) == 0 ? 3 : strncmp(p, "...", 3) == 0 ? 3 : 0;
        if (n == 0 || p + n > end)
            continue;
        const char *a = p, *b = p + n;
        if (a > g && (a[-1] == '[' || a[-1] == '(') && b < end && (*b == ']' || *b == ')'))
            a--, b++;
        *s = a;
        *len = (size_t)(b - a);
        return true;
    }
    return false;
}

static rp_status add_diff(rp_quotes *r, const char *qs, size_t ql, const char *ss, size_t sl)
{
    if (RP_GROW(r->diffs, r->diff_cap, r->diff_count + 1) != RP_OK ||
        RP_GROW(r->diff_off, r->diff_off_cap, 2 * (r->diff_count + 1)) != RP_OK)
        return RP_ENOMEM;
    size_t *o = r->diff_off + 2 * r->diff_count;
    if (rp_quotes_arena_add(r, qs, ql, &o[0]) != RP_OK ||
        rp_quotes_arena_add(r, ss, sl, &o[1]) != RP_OK)
        return RP_ENOMEM;
    r->diffs[r->diff_count++] = (rp_quote_diff){NULL, NULL};
    return RP_OK;
}

/* One run of differing columns [c0, c1) starting at quote token qi and source token sj. */
static rp_status run_diff(rp_quotes *r, const rp_qside *q, const rp_qside *s, uint32_t qi,
                          uint32_t qn, uint32_t sj, uint32_t sn, uint32_t qe, bool omission)
{
    const char *qw, *sw;
    size_t ql, sl;

    words(s->doc, s->toks, sj, sj + sn, &sw, &sl);
    if (omission && !elision_mark(q->doc, q->toks, q->first, qi, qe, &qw, &ql))
        qw = "", ql = 0; /* an unmarked omission */
    else if (!omission)
        words(q->doc, q->toks, qi, qi + qn, &qw, &ql);
    return add_diff(r, qw, ql, sw, sl);
}

/* Is every column of ops SAME with the tokens byte for byte equal, found by one comparison of
 * the two ranges of bytes whose tokens stand at the same offsets in them? Another copy of the
 * quotation's text usually is: one comparison, not one a token (a text quoted 10,000 times in
 * one document listed 300,000 such sources). */
static bool all_verbatim(const rp_qops *ops, const rp_qside *q, const rp_qside *s)
{
    size_t n = ops->count;
    if (n == 0 || q->first + n > q->toks->count || s->first + n > s->toks->count)
        return false;
    const rp_token *a = q->toks->items + q->first, *b = s->toks->items + s->first;
    uint32_t qa = a[0].start, sa = b[0].start, len = a[n - 1].end - qa;
    if (b[n - 1].end - sa != len)
        return false;
    for (size_t i = 0; i < n; i++)
        if (ops->items[i] != RP_QOP_SAME || a[i].start - qa != b[i].start - sa ||
            a[i].end - qa != b[i].end - sa)
            return false;
    return memcmp(q->doc->bytes + qa, s->doc->bytes + sa, len) == 0;
}

rp_status rp_quotes_classify(rp_quotes *r, const rp_qops *ops, const rp_qside *q, const rp_qside *s,
                             uint32_t qe, rp_quote_source *out, size_t *diff_first)
{
    if (all_verbatim(ops, q, s)) { /* what the walk below finds for it */
        out->diffs = NULL;
        out->diff_count = 0;
        out->fidelity = RP_FIDELITY_VERBATIM;
        out->identity = 1.0;
        *diff_first = r->diff_count;
        return RP_OK;
    }

    uint32_t qi = q->first, sj = s->first, matches = 0, changed = 0, omitted = 0, folded = 0;
    size_t c = 0;
    rp_status st = RP_OK;

    out->diffs = NULL;
    out->diff_count = 0;
    size_t first_diff = r->diff_count;
    while (c < ops->count && st == RP_OK) {
        uint8_t op = ops->items[c];
        if (op == RP_QOP_SAME &&
            raw_equal(q->doc, &q->toks->items[qi], s->doc, &s->toks->items[sj])) {
            matches++, qi++, sj++, c++;
            continue;
        }
        bool omission = op == RP_QOP_DEL;
        uint32_t q0 = qi, s0 = sj;
        for (; c < ops->count; c++) {
            op = ops->items[c];
            if ((op == RP_QOP_DEL) != omission)
                break;
            if (op == RP_QOP_SAME &&
                raw_equal(q->doc, &q->toks->items[qi], s->doc, &s->toks->items[sj]))
                break;
            matches += op == RP_QOP_SAME, folded += op == RP_QOP_SAME;
            changed += op == RP_QOP_SUB || op == RP_QOP_INS, omitted += op == RP_QOP_DEL;
            qi += op != RP_QOP_DEL, sj += op != RP_QOP_INS;
        }
        st = run_diff(r, q, s, q0, qi - q0, s0, sj - s0, qe, omission);
    }
    if (st != RP_OK)
        return st;
    out->fidelity = changed   ? RP_FIDELITY_ALTERED
                    : omitted ? RP_FIDELITY_ELIDED
                    : folded  ? RP_FIDELITY_NORMALIZED
                              : RP_FIDELITY_VERBATIM;
    out->identity = qi > q->first ? (double)matches / (qi - q->first) : 0.0;
    out->diff_count = r->diff_count - first_diff;
    *diff_first = first_diff;
    return RP_OK;
}
