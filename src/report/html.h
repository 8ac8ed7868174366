/*
 * html.h - private: the HTML reports (html.c), reached through
 * rp_report_scan(RP_FORMAT_HTML) and rp_report_quotes(RP_FORMAT_HTML) and, for tests, directly
 * on hand-made clusters and quotations.
 */
#ifndef REPRINT_REPORT_HTML_H
#define REPRINT_REPORT_HTML_H

#include "base/base.h"

/* Writes the HTML report of a finished scan. RP_EIO when writing fails, RP_ENOMEM. */
rp_status rp_report_html(FILE *out, const rp_corpus *corpus, const rp_scan *scan,
                         const rp_options *opts);

/*
 * The same for clusters given in report order (count of them, all kinds: those outside
 * opts->kinds are left out and ids count the reported ones, as in the JSON report) and
 * per-document stats (rp_corpus_count(corpus) entries). Everything is BORROWED.
 */
rp_status rp_html_write(FILE *out, const rp_corpus *corpus, const rp_cluster *clusters,
                        size_t count, const rp_doc_stats *stats, const rp_options *opts);

/* Writes the HTML report of a finished quotes run. RP_EIO when writing fails, RP_ENOMEM. */
rp_status rp_report_quotes_html(FILE *out, const rp_corpus *corpus, const rp_quotes *quotes,
                                const rp_options *opts, const rp_quotes_options *qopts);

/*
 * The same for quotations given in report order (count of them; ids are their indices, as in
 * the JSON report) and per-document stats (rp_corpus_count(corpus) entries). Everything is
 * BORROWED; nothing is allocated.
 */
rp_status rp_html_write_quotes(FILE *out, const rp_corpus *corpus, const rp_quote *quotes,
                               size_t count, const rp_doc_stats *stats, const rp_options *opts,
                               const rp_quotes_options *qopts);

/* Writes len bytes as HTML text safe in element content and quoted attributes: & < > " '
 * escaped, invalid UTF-8 and control characters (but tab, LF, CR) as U+FFFD. */
void rp_html_text(FILE *out, const char *text, size_t len);

/* Writes len bytes as a JSON string safe inside <script type="application/json">: '<', '>',
 * '&', U+2028 and U+2029 as \u escapes (so no "</script" or "<!--" can appear), invalid
 * UTF-8 as U+FFFD, one per byte. */
void rp_html_json_string(FILE *out, const char *text, size_t len);

#endif /* REPRINT_REPORT_HTML_H */
