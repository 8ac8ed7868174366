/*
 * fuzz_writers.c - the JSON and CSV writers read back: a scan of up to 8 documents (cut at
 * 0x1E bytes, named with markup, quotes, commas, formula signs, controls and invalid UTF-8)
 * and the quotes found in them are written as JSON and CSV through the public API only.
 * Invariants: the scan and quotes JSON reports parse, list every document under its exact
 * name (the invalid UTF-8 one aside) and every quotation; the CSV report parses by RFC 4180,
 * every record has the header's ten cells, and each name cell reads back as the document's
 * name (with the "'" a formula lead gets).
 */
#include "fuzz_public.h"

#include <jansson.h>

#define CSV_COLUMNS 12 /* cluster,kind,doc,name,start,end,line,column,tokens,identity,title,first */
#define NAME_COLUMN 3
#define INVALID_NAME 6 /* fuzz_names[6] holds invalid UTF-8: JSON gives U+FFFD for it */

static void check_json_documents(const char *text, size_t len, const rp_corpus *c)
{
    json_error_t err;
    json_t *root = json_loadb(text, len, JSON_ALLOW_NUL, &err), *docs;

    if (!root)
        fprintf(stderr, "bad JSON report: %s at %d\n", err.text, err.position);
    FUZZ_CHECK(json_is_object(root));
    docs = json_object_get(root, "documents");
    FUZZ_CHECK(json_array_size(docs) == rp_corpus_count(c));
    for (uint32_t i = 0; i < rp_corpus_count(c); i++) {
        const char *name = json_string_value(json_object_get(json_array_get(docs, i), "name"));
        FUZZ_CHECK(name);
        FUZZ_CHECK(i == INVALID_NAME || strcmp(name, rp_corpus_doc(c, i)->name) == 0);
    }
    json_decref(root);
}

/* The CSV scan report: records of ten cells, names read back, passages counted. */
static void check_csv(const char *text, size_t len, const rp_corpus *c, size_t passages)
{
    char *cell = malloc(len + 1);
    size_t at = 0, records = 0;

    FUZZ_CHECK(cell);
    while (at < len) {
        bool end = false;
        int column = 0;
        uint32_t doc = UINT32_MAX;
        for (; !end; column++) {
            FUZZ_CHECK(fuzz_csv_cell(text, len, &at, cell, &end));
            if (records > 0 && column == 2)
                doc = (uint32_t)strtoul(cell, NULL, 10);
            if (records > 0 && column == NAME_COLUMN)
                FUZZ_CHECK(doc < rp_corpus_count(c) &&
                           fuzz_csv_name_matches(cell, rp_corpus_doc(c, doc)->name));
        }
        FUZZ_CHECK(column == CSV_COLUMNS);
        records++;
    }
    FUZZ_CHECK(records == passages + 1);
    free(cell);
}

static size_t listed_passages(const rp_scan *s, const rp_options *o)
{
    size_t n = 0;
    for (size_t i = 0; i < rp_scan_cluster_count(s); i++)
        n += rp_report_listed(rp_scan_cluster(s, i), o);
    return n;
}

static void check_quotes_json(const char *text, size_t len, const rp_corpus *c, const rp_quotes *q)
{
    json_t *root = json_loadb(text, len, JSON_ALLOW_NUL, NULL);

    FUZZ_CHECK(json_is_object(root));
    check_json_documents(text, len, c);
    FUZZ_CHECK(json_array_size(json_object_get(root, "quotes")) == rp_quotes_count(q));
    json_decref(root);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    rp_options o;
    rp_quotes_options qo;
    rp_corpus *c = NULL;
    rp_scan *s = NULL;
    rp_quotes *q = NULL;
    fuzz_out out;

    if (size < 1)
        return 0;
    rp_options_init(&o);
    o.threads = 1;
    o.shingle = 1 + (data[0] & 3);
    o.min_tokens = 1 + ((data[0] >> 2) & 7);
    o.max_passages = (data[0] >> 5) & 3;
    rp_quotes_options_init(&qo);
    qo.min_words = 1 + (data[0] >> 7) * 5;
    FUZZ_CHECK(rp_corpus_new(&c) == RP_OK);
    fuzz_add_docs(c, data + 1, size - 1, fuzz_names);
    FUZZ_CHECK(rp_scan_run(c, &o, NULL, NULL, &s) == RP_OK);
    FUZZ_CHECK(rp_report_scan(fuzz_open(&out), RP_FORMAT_JSON, c, s, &o) == RP_OK);
    fuzz_close(&out);
    check_json_documents(out.text, out.len, c);
    free(out.text);
    FUZZ_CHECK(rp_report_scan(fuzz_open(&out), RP_FORMAT_CSV, c, s, &o) == RP_OK);
    fuzz_close(&out);
    check_csv(out.text, out.len, c, listed_passages(s, &o));
    free(out.text);
    FUZZ_CHECK(rp_quotes_run(c, &o, &qo, &q) == RP_OK);
    FUZZ_CHECK(rp_report_quotes(fuzz_open(&out), RP_FORMAT_JSON, c, q, &o, &qo) == RP_OK);
    fuzz_close(&out);
    check_quotes_json(out.text, out.len, c, q);
    free(out.text);
    rp_quotes_free(q);
    rp_scan_free(s);
    rp_corpus_free(c);
    return 0;
}
