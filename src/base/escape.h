/*
 * escape.h - private: the escaping primitives every writer shares, whatever stage it is in:
 * UTF-8 validation, JSON strings, RFC 4180 CSV cells and text made safe for a terminal
 * (rp_write_safe, public, is built on rp_escape_safe_char). The reports and the store both
 * write with these, so one fix to an escape reaches every output.
 */
#ifndef REPRINT_ESCAPE_H
#define REPRINT_ESCAPE_H

#include "base/base.h"

#include <stdio.h>

/* Length of the valid UTF-8 sequence at s[0..len) (len > 0), or 0 when it is invalid. */
size_t rp_escape_utf8_len(const unsigned char *s, size_t len);

/* A JSON string: quotes, backslashes and control characters escaped, invalid UTF-8 as U+FFFD. */
void rp_escape_json_string(FILE *out, const char *text, size_t len);

/* The same for a NUL-terminated string. */
void rp_escape_json_cstring(FILE *out, const char *s);

/* An RFC 4180 cell: quoted when it holds , " CR or LF; a cell that starts with = + - @ tab or
 * CR is quoted and led by an apostrophe, so a spreadsheet does not run it as a formula. */
void rp_escape_csv_cell(FILE *out, const char *s);

/* Writes the character at s[0..len) (len > 0) as rp_write_safe does, escaped when it must
 * be; returns the bytes consumed, and *shown gets the bytes written. */
size_t rp_escape_safe_char(FILE *out, const unsigned char *s, size_t len, size_t *shown);

/* A NUL-terminated name (or speaker) for a terminal: rp_write_safe of the whole string. */
void rp_escape_safe_cstring(FILE *out, const char *name);

#endif /* REPRINT_ESCAPE_H */
