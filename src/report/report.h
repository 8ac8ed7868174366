/*
 * report.h - private: the report writers, one file per format (text.c, json.c, csv.c, html.c),
 * which only the dispatcher (report.c) calls, and what a report lists (listing.c), which every
 * writer shares. No writer calls another; the escaping they share is base/escape.h.
 */
#ifndef REPRINT_REPORT_H
#define REPRINT_REPORT_H

#include "base/base.h"
#include "dedup/dedup.h"

/* ---- what a report lists (listing.c) ---- */

/* Whether a pair joins two listed passages (listed: rp_report_listed), so a report shows it. */
bool rp_report_pair_listed(const rp_pair *p, size_t listed);

/* Whether the cluster's kind is one --kinds selects. */
bool rp_report_kind_wanted(const rp_options *opts, const rp_cluster *c);

/* ---- text for people (text.c) ---- */

rp_status rp_report_scan_text(FILE *out, const rp_corpus *corpus, const rp_scan *scan,
                              const rp_options *opts, rp_sources *sources);
/* --diff: the word differences of the cluster's best pair (diff.c), folds named. */
void rp_report_text_diff(FILE *out, const rp_corpus *corpus, const rp_cluster *c,
                         const rp_options *opts);
void rp_report_quotes_text(FILE *out, const rp_corpus *corpus, const rp_quotes *quotes);
void rp_report_dedup_text(FILE *out, const rp_corpus *corpus, const rp_dedup *dd);

/* A one-line quoted excerpt of text (ASCII white space folded, other characters as
 * rp_write_safe writes them, at most 72 bytes shown, then "…"). */
void rp_report_text_excerpt(FILE *out, const char *text, size_t len);

/* ---- json and jsonl for tools (json.c); lines: jsonl, one record a line ---- */

/* Room for rp_report_decimal4's text and its NUL (printf's "%.4f" of any double fits in 320). */
#define RP_DECIMAL4_LEN 320
/* x as printf's "%.4f" writes it, NUL-terminated in buf; returns the length. */
size_t rp_report_decimal4(char buf[RP_DECIMAL4_LEN], double x);

rp_status rp_report_scan_json(FILE *out, const rp_corpus *corpus, const rp_scan *scan,
                              const rp_options *opts, rp_sources *sources, bool lines);
void rp_report_quotes_json(FILE *out, const rp_corpus *corpus, const rp_quotes *quotes,
                           const rp_options *opts, const rp_quotes_options *qopts);
rp_status rp_report_dedup_json(FILE *out, const rp_corpus *corpus, const rp_dedup *dd,
                               const rp_dedup_options *dopts, bool lines);

/* ---- csv for spreadsheets (csv.c) ---- */

void rp_report_scan_csv(FILE *out, const rp_corpus *corpus, const rp_scan *scan,
                        const rp_options *opts);
void rp_report_dedup_csv(FILE *out, const rp_corpus *corpus, const rp_dedup *dd);

#endif /* REPRINT_REPORT_H */
