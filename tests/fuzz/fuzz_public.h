/*
 * fuzz_public.h - helpers of the targets that go through the public API only (reprint.h):
 * cutting an input into named documents, writing a report into memory, and reading CSV back
 * (RFC 4180: quoted cells, doubled quotes, CRLF records; LF alone accepted too).
 */
#ifndef REPRINT_FUZZ_PUBLIC_H
#define REPRINT_FUZZ_PUBLIC_H

#include "fuzz.h"
#include "reprint.h"

#include <string.h>

#define FUZZ_SEPARATOR 0x1E
#define FUZZ_MAX_DOCS 8

/* Names that need escaping in every format: markup, quotes, commas, formula signs, a line
 * break, a control byte and invalid UTF-8. */
static const char *const fuzz_names[FUZZ_MAX_DOCS] = {
    "a<b>.txt", "=b,\"1\"", "</script><!--c", "-d\nx", "e\\f&amp;", "f\x01g", "g\xff<", "@h'"};

/* Cuts data at FUZZ_SEPARATOR bytes into up to FUZZ_MAX_DOCS documents named from names. */
static inline void fuzz_add_docs(rp_corpus *c, const uint8_t *data, size_t size,
                                 const char *const *names)
{
    size_t start = 0, n = 0;

    for (size_t i = 0; i <= size; i++) {
        if (i < size && (data[i] != FUZZ_SEPARATOR || n == FUZZ_MAX_DOCS - 1))
            continue;
        FUZZ_CHECK(rp_corpus_add(c, names[n++], data + start, i - start, NULL) == RP_OK);
        start = i + 1;
    }
}

/* A memory stream for a report; fuzz_close gives its bytes (NUL-terminated, caller frees). */
typedef struct fuzz_out {
    FILE *f;
    char *text;
    size_t len;
} fuzz_out;

static inline FILE *fuzz_open(fuzz_out *o)
{
    o->text = NULL;
    o->len = 0;
    o->f = open_memstream(&o->text, &o->len);
    FUZZ_CHECK(o->f);
    return o->f;
}

static inline void fuzz_close(fuzz_out *o)
{
    FUZZ_CHECK(fclose(o->f) == 0);
}

/* One CSV cell at text[*at]: its unescaped bytes into cell (NUL-terminated, room for len + 1),
 * *at past the cell; *end_of_record when a CRLF, an LF or the end followed. False when
 * malformed. */
static inline bool fuzz_csv_cell(const char *text, size_t len, size_t *at, char *cell,
                                 bool *end_of_record)
{
    size_t i = *at, n = 0;

    if (i < len && text[i] == '"') {
        for (i++;; i++) {
            if (i >= len)
                return false; /* unclosed quote */
            if (text[i] == '"' && i + 1 < len && text[i + 1] == '"')
                cell[n++] = '"', i++;
            else if (text[i] == '"')
                break;
            else
                cell[n++] = text[i];
        }
        i++;
    } else {
        for (; i < len && text[i] != ',' && text[i] != '\r' && text[i] != '\n'; i++) {
            if (text[i] == '"')
                return false; /* a quote inside an unquoted cell */
            cell[n++] = text[i];
        }
    }
    cell[n] = '\0';
    if (i < len && text[i] == ',') {
        *end_of_record = false;
        *at = i + 1;
        return true;
    }
    if (i + 1 < len && text[i] == '\r' && text[i + 1] == '\n') {
        *end_of_record = true;
        *at = i + 2;
        return true;
    }
    if (i < len && text[i] == '\n') { /* the dedup report ends records with LF alone */
        *end_of_record = true;
        *at = i + 1;
        return true;
    }
    *end_of_record = true;
    *at = i;
    return i == len;
}

/* What a name must read back as from a CSV cell: a formula lead gets a "'" before it. */
static inline bool fuzz_csv_name_matches(const char *cell, const char *name)
{
    bool formula = name[0] != '\0' && strchr("=+-@\t\r", name[0]) != NULL;
    return formula ? cell[0] == '\'' && strcmp(cell + 1, name) == 0 : strcmp(cell, name) == 0;
}

#endif /* REPRINT_FUZZ_PUBLIC_H */
