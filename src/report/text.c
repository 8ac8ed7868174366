/*
 * text.c - the text reports, for people at a terminal: scan (clusters with name:line:col and
 * an excerpt of each passage, then every document's coverage), quotes (each quotation, its
 * sources, the word differences of the best one), dedup (groups and verdicts), and the kept
 * documents of a dedup run. Names and excerpts go out through rp_write_safe.
 */
#include "report/report.h"
#include "base/escape.h"
#include "corpus/corpus.h"

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

static void scan_cluster(FILE *out, const rp_corpus *corpus, const rp_cluster *c, size_t id,
                         const rp_options *opts)
{
    size_t listed = rp_report_listed(c, opts);

    fprintf(out, "cluster %zu  %s  %zu passages in %u document%s, %u tokens\n", id,
            rp_kind_name(c->kind), c->passage_count, c->documents, c->documents == 1 ? "" : "s",
            c->tokens);
    for (size_t j = 0; j < listed; j++) {
        const rp_passage *p = &c->passages[j];
        const rp_doc *d = rp_corpus_doc(corpus, p->doc);
        fputs("  ", out);
        rp_escape_safe_cstring(out, d->name);
        fprintf(out, ":%u:%u  %u tokens, identity %.2f  ", p->line, p->column, p->tokens,
                p->identity);
        rp_report_text_excerpt(out, d->bytes + p->start, p->end - p->start);
        putc('\n', out);
    }
    if (listed < c->passage_count) {
        size_t rest = c->passage_count - listed;
        fputs("  ... and ", out);
        text_count(out, rest);
        fprintf(out, " more passage%s (--max-passages %u)\n", rest == 1 ? "" : "s",
                opts->max_passages);
    }
    putc('\n', out);
}

static void scan_header(FILE *out, const rp_corpus *corpus, const rp_scan *scan)
{
    size_t n = rp_scan_cluster_count(scan), ndocs = rp_corpus_count(corpus);
    size_t by_kind[3] = {0, 0, 0};
    uint64_t tokens = 0;

    for (size_t i = 0; i < n; i++)
        by_kind[rp_scan_cluster(scan, i)->kind]++;
    for (uint32_t i = 0; i < ndocs; i++)
        tokens += rp_scan_doc_stats(scan, i)->tokens;
    fprintf(out,
            "%zu document%s, %llu tokens: %zu cluster%s (%zu reprint, %zu internal, "
            "%zu boilerplate)\n\n",
            ndocs, ndocs == 1 ? "" : "s", (unsigned long long)tokens, n, n == 1 ? "" : "s",
            by_kind[RP_KIND_REPRINT], by_kind[RP_KIND_INTERNAL], by_kind[RP_KIND_BOILERPLATE]);
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
        if (st->invalid_utf8)
            fprintf(out, "  (%zu invalid UTF-8 sequence%s, first at byte %zu)", st->invalid_utf8,
                    st->invalid_utf8 == 1 ? "" : "s", st->first_invalid);
        putc('\n', out);
    }
}

void rp_report_scan_text(FILE *out, const rp_corpus *corpus, const rp_scan *scan,
                         const rp_options *opts)
{
    size_t n = rp_scan_cluster_count(scan), id = 0;

    scan_header(out, corpus, scan);
    for (size_t i = 0; i < n; i++) {
        const rp_cluster *c = rp_scan_cluster(scan, i);
        if (rp_report_kind_wanted(opts, c))
            scan_cluster(out, corpus, c, id++, opts);
    }
    scan_coverage(out, corpus, scan);
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
