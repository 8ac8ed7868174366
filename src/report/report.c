/*
 * report.c - the reports' front door: parses a format's name and hands each report to the
 * writer of its format (text.c, json.c, csv.c, html.c). It writes nothing itself; it turns a
 * write error into RP_EIO, and a format a command has no report in into RP_EINVAL.
 */
#include "report/report.h"
#include "report/html.h"

#include <string.h>

rp_status rp_format_parse(const char *name, rp_format *out)
{
    static const char *const names[] = {"text", "json", "jsonl", "csv", "html"};

    for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
        if (strcmp(name, names[i]) == 0) {
            *out = (rp_format)i;
            return RP_OK;
        }
    }
    return RP_EINVAL;
}

/* Text and JSON list each document's sources (rp_sources, direction.c). */
static rp_status scan_with_sources(FILE *out, rp_format format, const rp_corpus *corpus,
                                   const rp_scan *scan, const rp_options *opts)
{
    rp_sources *src = NULL;
    rp_status st = rp_sources_new(corpus, scan, opts, &src);

    if (st == RP_OK && format == RP_FORMAT_TEXT)
        st = rp_report_scan_text(out, corpus, scan, opts, src);
    else if (st == RP_OK)
        st = rp_report_scan_json(out, corpus, scan, opts, src, format == RP_FORMAT_JSONL);
    rp_sources_free(src);
    return st;
}

rp_status rp_report_scan(FILE *out, rp_format format, const rp_corpus *corpus,
                         const rp_scan *scan, const rp_options *opts)
{
    rp_status st = RP_OK;

    switch (format) {
    case RP_FORMAT_TEXT:
    case RP_FORMAT_JSON:
    case RP_FORMAT_JSONL: st = scan_with_sources(out, format, corpus, scan, opts); break;
    case RP_FORMAT_CSV: rp_report_scan_csv(out, corpus, scan, opts); break;
    case RP_FORMAT_HTML: return rp_report_html(out, corpus, scan, opts);
    default: return RP_EINVAL;
    }
    if (st == RP_OK && ferror(out))
        st = RP_EIO;
    return st;
}

rp_status rp_report_quotes(FILE *out, rp_format format, const rp_corpus *corpus,
                           const rp_quotes *quotes, const rp_options *opts,
                           const rp_quotes_options *qopts)
{
    switch (format) {
    case RP_FORMAT_TEXT: rp_report_quotes_text(out, corpus, quotes); break;
    case RP_FORMAT_JSON: rp_report_quotes_json(out, corpus, quotes, opts, qopts); break;
    case RP_FORMAT_HTML: return rp_report_quotes_html(out, corpus, quotes, opts, qopts);
    default: return RP_EINVAL;
    }
    return ferror(out) ? RP_EIO : RP_OK;
}

/* Every format but html: text is also what an unknown format gets, as before. */
rp_status rp_report_dedup(FILE *out, rp_format format, const rp_corpus *corpus,
                          const rp_dedup *dd, const rp_options *opts,
                          const rp_dedup_options *dopts)
{
    rp_status st = RP_OK;

    (void)opts; /* the run's own options are reported */
    if (format == RP_FORMAT_JSON || format == RP_FORMAT_JSONL)
        st = rp_report_dedup_json(out, corpus, dd, dopts, format == RP_FORMAT_JSONL);
    else if (format == RP_FORMAT_CSV)
        rp_report_dedup_csv(out, corpus, dd);
    else
        rp_report_dedup_text(out, corpus, dd);
    if (st == RP_OK && ferror(out))
        st = RP_EIO;
    return st;
}
