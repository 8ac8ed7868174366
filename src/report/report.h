/*
 * report.h - private: the pieces of the scan report writers (report.c) that the other
 * reports (quotes) share, so that escaping and the common JSON head live in one place.
 */
#ifndef REPRINT_REPORT_H
#define REPRINT_REPORT_H

#include "base/base.h"

/* Length of the valid UTF-8 sequence at s[0..len) (len > 0), or 0 when it is invalid. */
size_t rp_report_utf8_len(const unsigned char *s, size_t len);

/* A JSON string: quotes, backslashes and control characters escaped, invalid UTF-8 as U+FFFD. */
void rp_report_json_string(FILE *out, const char *text, size_t len);

/* A share or identity with 4 fixed decimals. */
void rp_report_json_share(FILE *out, double x);

/* The settings object's fields without its braces ("shingle":5,...,"kinds":[...]). */
void rp_report_json_settings_fields(FILE *out, const rp_options *opts);

/* One entry of "documents" ({"id":..,"name":..,"bytes":..,"tokens":..,"covered":..,...}). */
void rp_report_json_document(FILE *out, uint32_t id, const rp_doc *doc, const rp_doc_stats *st);

/* The "skipped" array. */
void rp_report_json_skipped(FILE *out, const rp_corpus *corpus);

/* A one-line quoted excerpt of text (ASCII white space folded, other characters as
 * rp_write_safe writes them, at most 72 bytes shown, then "…"). */
void rp_report_text_excerpt(FILE *out, const char *text, size_t len);

/* Whether a pair joins two listed passages (listed: rp_report_listed), so a report shows it. */
bool rp_report_pair_listed(const rp_pair *p, size_t listed);

/* An RFC 4180 cell: quoted when it holds , " CR or LF; a cell that starts with = + - @ tab or
 * CR is quoted and led by an apostrophe, so a spreadsheet does not run it as a formula. */
void rp_report_csv_cell(FILE *out, const char *s);

/* A NUL-terminated name (or speaker) for a terminal: rp_write_safe of the whole string. */
void rp_report_write_safe_name(FILE *out, const char *name);

#endif /* REPRINT_REPORT_H */
