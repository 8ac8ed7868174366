/*
 * quotes_report.c - the quotes report: text for people (each quotation, its best source as
 * name:line:col, the word differences) and JSON for tools (issue 4's schema; the settings,
 * documents and skipped parts are written by report.c's shared pieces, as scan writes them).
 */
#include "report/report.h"
#include "report/html.h"

#include <string.h>

static void json_cstr(FILE *out, const char *s)
{
    rp_report_json_string(out, s, strlen(s));
}

static void json_source(FILE *out, const rp_quote_source *s)
{
    fprintf(out, "{\"doc\":%u,\"start\":%zu,\"end\":%zu,\"quoted\":%s,\"identity\":", s->doc,
            s->start, s->end, s->quoted ? "true" : "false");
    rp_report_json_share(out, s->identity);
    fprintf(out, ",\"fidelity\":\"%s\",\"differences\":[", rp_fidelity_name(s->fidelity));
    for (size_t i = 0; i < s->diff_count; i++) {
        fputs(i ? ",{\"quote\":" : "{\"quote\":", out);
        json_cstr(out, s->diffs[i].quote);
        fputs(",\"source\":", out);
        json_cstr(out, s->diffs[i].source);
        putc('}', out);
    }
    fputs("]}", out);
}

static void json_quote(FILE *out, const rp_corpus *corpus, const rp_quote *q, size_t id)
{
    const rp_doc *d = rp_corpus_doc(corpus, q->doc);

    fprintf(out,
            "{\"id\":%zu,\"doc\":%u,\"start\":%zu,\"end\":%zu,\"line\":%u,\"column\":%u,"
            "\"tokens\":%u,\"text\":",
            id, q->doc, q->start, q->end, q->line, q->column, q->tokens);
    rp_report_json_string(out, d->bytes + q->start, q->end - q->start);
    fputs(",\"speaker\":", out);
    if (q->speaker)
        json_cstr(out, q->speaker);
    else
        fputs("null", out);
    fprintf(out, ",\"status\":\"%s\",\"sources\":[", q->source_count ? "sourced" : "unsourced");
    for (size_t i = 0; i < q->source_count; i++) {
        if (i)
            putc(',', out);
        json_source(out, &q->sources[i]);
    }
    fputs("]}", out);
}

static void write_json(FILE *out, const rp_corpus *corpus, const rp_quotes *qs,
                       const rp_options *opts, const rp_quotes_options *qopts)
{
    size_t ndocs = rp_corpus_count(corpus), n = rp_quotes_count(qs);

    fprintf(out, "{\"version\":1,\"tool\":\"reprint %s\",\"command\":\"quotes\",\"settings\":{",
            rp_version());
    rp_report_json_settings_fields(out, opts);
    fprintf(out, ",\"min_words\":%u,\"max_sources\":%u},\"documents\":[", qopts->min_words,
            qopts->max_sources);
    for (uint32_t i = 0; i < ndocs; i++) {
        if (i)
            putc(',', out);
        rp_report_json_document(out, i, rp_corpus_doc(corpus, i), rp_quotes_doc_stats(qs, i));
    }
    fputs("],\"skipped\":", out);
    rp_report_json_skipped(out, corpus);
    fputs(",\"quotes\":[", out);
    for (size_t i = 0; i < n; i++) {
        fputs(i ? ",\n" : "\n", out);
        json_quote(out, corpus, rp_quotes_get(qs, i), i);
    }
    fputs("]}\n", out);
}

static void text_source(FILE *out, const rp_corpus *corpus, const rp_quote_source *s, bool best)
{
    fprintf(out, "  %s ", best ? "source" : "   also");
    rp_report_write_safe_name(out, rp_corpus_doc(corpus, s->doc)->name);
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

static void write_text(FILE *out, const rp_corpus *corpus, const rp_quotes *qs)
{
    size_t n = rp_quotes_count(qs), sourced = 0;

    for (size_t i = 0; i < n; i++)
        sourced += rp_quotes_get(qs, i)->source_count > 0;
    fprintf(out, "%zu quotation%s: %zu sourced, %zu unsourced\n", n, n == 1 ? "" : "s", sourced,
            n - sourced);
    for (size_t i = 0; i < n; i++) {
        const rp_quote *q = rp_quotes_get(qs, i);
        const rp_doc *d = rp_corpus_doc(corpus, q->doc);
        fprintf(out, "\nquote %zu  ", i);
        rp_report_write_safe_name(out, d->name);
        fprintf(out, ":%u:%u  %u tokens  %s", q->line, q->column, q->tokens,
                q->source_count ? "sourced" : "unsourced");
        if (q->speaker) {
            fputs("  (", out);
            rp_report_write_safe_name(out, q->speaker);
            putc(')', out);
        }
        fputs("\n  ", out);
        rp_report_text_excerpt(out, d->bytes + q->start, q->end - q->start);
        putc('\n', out);
        for (size_t j = 0; j < q->source_count; j++)
            text_source(out, corpus, &q->sources[j], j == 0);
    }
}

rp_status rp_report_quotes(FILE *out, rp_format format, const rp_corpus *corpus,
                           const rp_quotes *quotes, const rp_options *opts,
                           const rp_quotes_options *qopts)
{
    switch (format) {
    case RP_FORMAT_TEXT: write_text(out, corpus, quotes); break;
    case RP_FORMAT_JSON: write_json(out, corpus, quotes, opts, qopts); break;
    case RP_FORMAT_HTML: return rp_report_quotes_html(out, corpus, quotes, opts, qopts);
    default: return RP_EINVAL;
    }
    return ferror(out) ? RP_EIO : RP_OK;
}
