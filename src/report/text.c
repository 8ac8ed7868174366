/*
 * text.c - the text reports, for people at a terminal: scan (clusters with name:line:col and
 * an excerpt of each passage, then every document's coverage), quotes (each quotation, its
 * sources, the word differences of the best one), dedup (groups and verdicts), and the kept
 * documents of a dedup run. Names and excerpts go out through rp_write_safe.
 */
#include "report/report.h"
#include "base/escape.h"
#include "corpus/corpus.h"

#include <stdlib.h>
#include <string.h>

#define EXCERPT_BYTES 72

/* ---- pieces ---- */

static bool is_space(unsigned char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\v' || c == '\f' || c == '\r';
}

/* A one-line excerpt of a passage: runs of ASCII white space folded to one space, the rest
 * written as rp_write_safe writes it, cut on a character boundary. */
void rp_report_text_excerpt(FILE *out, const char *text, size_t len)
{
    const unsigned char *s = (const unsigned char *)text;
    size_t shown = 0, n;
    bool space = false;

    putc('"', out);
    for (size_t i = 0; i < len && shown < EXCERPT_BYTES;) {
        if (is_space(s[i])) {
            space = shown > 0;
            i++;
            continue;
        }
        if (space) {
            putc(' ', out);
            shown++;
            space = false;
        }
        i += rp_escape_safe_char(out, s + i, len - i, &n);
        shown += n;
    }
    fputs(shown >= EXCERPT_BYTES ? "…\"" : "\"", out);
}

/* A count with thousands separators ("99,998"): the unlisted rest can be large. */
static void text_count(FILE *out, size_t n)
{
    if (n >= 1000) {
        text_count(out, n / 1000);
        fprintf(out, ",%03zu", n % 1000);
    } else {
        fprintf(out, "%zu", n);
    }
}

/* ---- scan ---- */

/* Where a passage starts, in the file the user opened: a split part "path#N" is written
 * "path:LINE:COL (#N)" with LINE counted in the file; anything else NAME:LINE:COL. */
static void text_location(FILE *out, const rp_doc *d, uint32_t line, uint32_t column)
{
    const char *hash = d->part ? strrchr(d->name, '#') : NULL;

    if (!hash) {
        rp_escape_safe_cstring(out, d->name);
        fprintf(out, ":%u:%u", line, column);
        return;
    }
    rp_write_safe(out, d->name, (size_t)(hash - d->name));
    fprintf(out, ":%u:%u (#%u)", d->file_line + line - 1, column, d->part);
}

/* Titles on a report line are cut to this many code points (the JSON report has them whole). */
#define TITLE_SHOWN 60

/* "  [title]" when the document has one. */
static void text_title(FILE *out, const rp_doc *d)
{
    const char *t = d->title;
    size_t len, points = 0, i;

    if (!t)
        return;
    len = strlen(t);
    for (i = 0; i < len && points <= TITLE_SHOWN; i++)
        points += ((unsigned char)t[i] & 0xC0) != 0x80;
    fputs("  [", out);
    if (points > TITLE_SHOWN) {
        rp_write_safe(out, t, i - 1);
        fputs("…", out);
    } else {
        rp_write_safe(out, t, len);
    }
    putc(']', out);
}

typedef struct by_date {
    const rp_corpus *corpus;
    const rp_cluster *c;
} by_date;

/* Reading order: dated before undated, then date, then (doc, start) - rp_cluster_first's. */
static bool text_earlier(const by_date *bd, size_t i, size_t j)
{
    const rp_doc *a = rp_corpus_doc(bd->corpus, bd->c->passages[i].doc);
    const rp_doc *b = rp_corpus_doc(bd->corpus, bd->c->passages[j].doc);

    if (a->dated != b->dated)
        return a->dated;
    if (a->dated && a->date != b->date)
        return a->date < b->date;
    return i < j;
}

/* The listed passages earliest first (insertion sort: stable, and listings are short or
 * already nearly in order). */
static void text_order(const by_date *bd, size_t *order, size_t listed)
{
    for (size_t i = 0; i < listed; i++) {
        size_t j = i, v = i;
        for (; j > 0 && text_earlier(bd, v, order[j - 1]); j--)
            order[j] = order[j - 1];
        order[j] = v;
    }
}

static void scan_passage(FILE *out, const rp_corpus *corpus, const rp_passage *p, bool first)
{
    const rp_doc *d = rp_corpus_doc(corpus, p->doc);
    char date[RP_DATE_LEN];

    fputs("  ", out);
    text_location(out, d, p->line, p->column);
    text_title(out, d);
    fprintf(out, "  %u tokens, identity %.2f", p->tokens, p->identity);
    if (d->dated) {
        rp_date_format(d->date, date);
        fprintf(out, ", %.10s", date);
    }
    fputs(first && d->dated ? ", first  " : "  ", out);
    rp_report_text_excerpt(out, d->bytes + p->start, p->end - p->start);
    putc('\n', out);
}

static rp_status scan_cluster(FILE *out, const rp_corpus *corpus, const rp_cluster *c,
                              size_t id, const rp_options *opts)
{
    size_t listed = rp_report_listed(c, opts), first = rp_cluster_first(corpus, c);
    size_t *order = rp_malloc((listed ? listed : 1) * sizeof(*order));
    by_date bd = {corpus, c};

    if (!order)
        return RP_ENOMEM;
    fprintf(out, "cluster %zu  %s  %zu passages in %u document%s, %u tokens\n", id,
            rp_kind_name(c->kind), c->passage_count, c->documents, c->documents == 1 ? "" : "s",
            c->tokens);
    text_order(&bd, order, listed);
    for (size_t j = 0; j < listed; j++)
        scan_passage(out, corpus, &c->passages[order[j]], order[j] == first);
    rp_free(order);
    if (listed < c->passage_count) {
        size_t rest = c->passage_count - listed;
        fputs("  ... and ", out);
        text_count(out, rest);
        fprintf(out, " more passage%s (--max-passages %u)\n", rest == 1 ? "" : "s",
                opts->max_passages);
    }
    if (opts->diff)
        rp_report_text_diff(out, corpus, c, opts);
    putc('\n', out);
    return RP_OK;
}

/* Counts by kind; with --kinds, also how many are shown and how many were filtered out. */
static void scan_header(FILE *out, const rp_corpus *corpus, const rp_scan *scan,
                        const rp_options *opts)
{
    size_t n = rp_scan_cluster_count(scan), ndocs = rp_corpus_count(corpus), shown = 0;
    size_t by_kind[RP_KIND_COUNT] = {0};
    uint64_t tokens = 0;

    for (size_t i = 0; i < n; i++) {
        by_kind[rp_scan_cluster(scan, i)->kind]++;
        shown += rp_report_kind_wanted(opts, rp_scan_cluster(scan, i));
    }
    for (uint32_t i = 0; i < ndocs; i++)
        tokens += rp_scan_doc_stats(scan, i)->tokens;
    fprintf(out,
            "%zu document%s, %llu tokens: %zu cluster%s (%zu reprint, %zu internal, "
            "%zu boilerplate, %zu series)",
            ndocs, ndocs == 1 ? "" : "s", (unsigned long long)tokens, n, n == 1 ? "" : "s",
            by_kind[RP_KIND_REPRINT], by_kind[RP_KIND_INTERNAL], by_kind[RP_KIND_BOILERPLATE],
            by_kind[RP_KIND_SERIES]);
    if (shown < n)
        fprintf(out, "; %zu shown, %zu filtered out by --kinds", shown, n - shown);
    fputs("\n\n", out);
}

static void scan_coverage(FILE *out, const rp_corpus *corpus, const rp_scan *scan)
{
    size_t ndocs = rp_corpus_count(corpus);

    fputs("coverage (share of each document's tokens that also appear elsewhere, "
          "boilerplate aside)\n",
          out);
    for (uint32_t i = 0; i < ndocs; i++) {
        const rp_doc_stats *st = rp_scan_doc_stats(scan, i);
        fprintf(out, "  %3.0f%% of ", st->covered * 100.0);
        rp_escape_safe_cstring(out, rp_corpus_doc(corpus, i)->name);
        text_title(out, rp_corpus_doc(corpus, i));
        if (st->invalid_utf8)
            fprintf(out, "  (%zu invalid UTF-8 sequence%s, first at byte %zu)", st->invalid_utf8,
                    st->invalid_utf8 == 1 ? "" : "s", st->first_invalid);
        putc('\n', out);
    }
}

/* Documents with the most text shared with others (tokens in the passages they share). */
#define SOURCES_SHOWN 20

typedef struct shared_doc {
    uint32_t doc;
    uint64_t tokens;
} shared_doc;

static int shared_cmp(const void *pa, const void *pb)
{
    const shared_doc *a = pa, *b = pb;

    if (a->tokens != b->tokens)
        return a->tokens > b->tokens ? -1 : 1;
    return a->doc < b->doc ? -1 : a->doc > b->doc;
}

/* The direction in words: "copied from", "copied by", "same time", "undated". */
static const char *direction_words(rp_direction dir)
{
    switch (dir) {
    case RP_DIRECTION_FROM: return "copied from";
    case RP_DIRECTION_BY: return "copied by";
    case RP_DIRECTION_SAME: return "same time";
    case RP_DIRECTION_UNKNOWN: break;
    }
    return "undated";
}

static void scan_source_rows(FILE *out, const rp_corpus *corpus, const rp_source *src, size_t n)
{
    if (n > RP_SOURCES_LISTED)
        fprintf(out, "    ... %zu sources; the %d sharing most text:\n", n, RP_SOURCES_LISTED);
    for (size_t i = 0; i < n && i < RP_SOURCES_LISTED; i++) {
        fprintf(out, "    %6u tokens %4.0f%%  identity %.2f  %-11s  ", src[i].tokens,
                src[i].share * 100.0, src[i].identity, direction_words(src[i].direction));
        rp_escape_safe_cstring(out, rp_corpus_doc(corpus, src[i].doc)->name);
        text_title(out, rp_corpus_doc(corpus, src[i].doc));
        putc('\n', out);
    }
}

/* The sources table: for the SOURCES_SHOWN documents sharing most text, who they share it
 * with (tokens shared, share of the document, best identity, direction). */
static rp_status scan_sources(FILE *out, const rp_corpus *corpus, rp_sources *sources)
{
    size_t ndocs = rp_corpus_count(corpus), m = 0;
    shared_doc *docs = rp_malloc((ndocs ? ndocs : 1) * sizeof(*docs));
    rp_status st = RP_OK;

    if (!docs)
        return RP_ENOMEM;
    for (uint32_t d = 0; d < ndocs && st == RP_OK; d++) {
        const rp_source *src;
        size_t n;
        uint64_t t = 0;
        st = rp_sources_of(sources, d, &src, &n);
        for (size_t i = 0; i < n; i++)
            t = src[i].tokens > t ? src[i].tokens : t;
        if (n)
            docs[m++] = (shared_doc){d, t};
    }
    qsort(docs, m, sizeof(*docs), shared_cmp);
    fprintf(out, "\nsources (%s: tokens shared, share of the document, best identity, "
                 "direction)\n",
            m > SOURCES_SHOWN ? "the 20 documents sharing most text with one other"
                              : "every document sharing text");
    if (m == 0)
        fputs("  (no document shares text with another)\n", out);
    for (size_t i = 0; i < m && i < SOURCES_SHOWN && st == RP_OK; i++) {
        const rp_source *src;
        size_t n;
        fputs("  ", out);
        rp_escape_safe_cstring(out, rp_corpus_doc(corpus, docs[i].doc)->name);
        text_title(out, rp_corpus_doc(corpus, docs[i].doc));
        putc('\n', out);
        if ((st = rp_sources_of(sources, docs[i].doc, &src, &n)) == RP_OK)
            scan_source_rows(out, corpus, src, n);
    }
    rp_free(docs);
    return st;
}

rp_status rp_report_scan_text(FILE *out, const rp_corpus *corpus, const rp_scan *scan,
                              const rp_options *opts, rp_sources *sources)
{
    size_t n = rp_scan_cluster_count(scan);
    rp_status st = RP_OK;

    scan_header(out, corpus, scan, opts);
    for (size_t i = 0; i < n && st == RP_OK; i++) {
        const rp_cluster *c = rp_scan_cluster(scan, i);
        if (rp_report_kind_wanted(opts, c))
            st = scan_cluster(out, corpus, c, i, opts);
    }
    if (st != RP_OK)
        return st;
    scan_coverage(out, corpus, scan);
    return scan_sources(out, corpus, sources);
}

/* ---- quotes ---- */

static void quote_source(FILE *out, const rp_corpus *corpus, const rp_quote_source *s, bool best)
{
    fprintf(out, "  %s ", best ? "source" : "   also");
    rp_escape_safe_cstring(out, rp_corpus_doc(corpus, s->doc)->name);
    fprintf(out, ":%u:%u  %s, identity %.2f%s\n", s->line, s->column,
            rp_fidelity_name(s->fidelity), s->identity, s->quoted ? ", quoted there" : "");
    if (!best)
        return;
    for (size_t i = 0; i < s->diff_count; i++) {
        const rp_quote_diff *d = &s->diffs[i];
        fputs("    - ", out);
        rp_report_text_excerpt(out, d->quote, strlen(d->quote));
        fputs("\n    + ", out);
        rp_report_text_excerpt(out, d->source, strlen(d->source));
        putc('\n', out);
    }
}

static void quote(FILE *out, const rp_corpus *corpus, const rp_quote *q, size_t id)
{
    const rp_doc *d = rp_corpus_doc(corpus, q->doc);

    fprintf(out, "\nquote %zu  ", id);
    rp_escape_safe_cstring(out, d->name);
    fprintf(out, ":%u:%u  %u tokens  %s", q->line, q->column, q->tokens,
            q->source_count ? "sourced" : "unsourced");
    if (q->speaker) {
        fputs("  (", out);
        rp_escape_safe_cstring(out, q->speaker);
        putc(')', out);
    }
    fputs("\n  ", out);
    rp_report_text_excerpt(out, d->bytes + q->start, q->end - q->start);
    putc('\n', out);
    for (size_t j = 0; j < q->source_count; j++)
        quote_source(out, corpus, &q->sources[j], j == 0);
}

void rp_report_quotes_text(FILE *out, const rp_corpus *corpus, const rp_quotes *qs)
{
    size_t n = rp_quotes_count(qs), sourced = 0;

    for (size_t i = 0; i < n; i++)
        sourced += rp_quotes_get(qs, i)->source_count > 0;
    fprintf(out, "%zu quotation%s: %zu sourced, %zu unsourced\n", n, n == 1 ? "" : "s", sourced,
            n - sourced);
    for (size_t i = 0; i < n; i++)
        quote(out, corpus, rp_quotes_get(qs, i), i);
}

/* ---- dedup ---- */

static void dedup_group(FILE *out, const rp_corpus *corpus, const rp_dedup_group *grp, size_t g)
{
    fprintf(out, "\ngroup %zu: keep ", g);
    rp_escape_safe_cstring(out, rp_corpus_doc(corpus, grp->representative)->name);
    putc('\n', out);
    for (size_t i = 0; i < grp->member_count; i++) {
        const rp_dedup_member *m = &grp->members[i];
        fprintf(out, "  %-14s ", rp_verdict_name(m->verdict));
        rp_escape_safe_cstring(out, rp_corpus_doc(corpus, m->doc)->name);
        fprintf(out, " (resemblance %.2f, containment %.2f, of ", m->resemblance,
                m->containment);
        rp_escape_safe_cstring(out, rp_corpus_doc(corpus, m->of)->name);
        fputs(")\n", out);
    }
}

void rp_report_dedup_text(FILE *out, const rp_corpus *corpus, const rp_dedup *dd)
{
    size_t ndocs = rp_dedup_doc_count(dd), ngroups = rp_dedup_group_count(dd), kept = 0;

    for (uint32_t d = 0; d < ndocs; d++)
        kept += rp_dedup_kept(dd, d);
    fprintf(out, "%zu documents, %zu near-duplicate groups, %zu kept\n", ndocs, ngroups, kept);
    for (size_t g = 0; g < ngroups; g++)
        dedup_group(out, corpus, rp_dedup_get_group(dd, g), g);
}

/* The kept documents themselves (dedup --keep-only): the text of what survives. */
rp_status rp_dedup_write_kept(FILE *out, const rp_corpus *corpus, const rp_dedup *dd)
{
    size_t ndocs = rp_dedup_doc_count(dd);

    for (uint32_t d = 0; d < ndocs; d++) {
        const char *bytes;
        size_t len;
        if (!rp_dedup_kept(dd, d) || rp_corpus_raw(corpus, d, &bytes, &len) != RP_OK)
            continue;
        fwrite(bytes, 1, len, out);
        if (len == 0 || bytes[len - 1] != '\n')
            putc('\n', out);
    }
    return ferror(out) ? RP_EIO : RP_OK;
}
