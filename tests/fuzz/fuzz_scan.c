/*
 * fuzz_scan.c - a whole scan of small multi-document corpora: the input after its first two
 * bytes (options) is cut at 0x1E bytes into up to 8 documents, scanned with one thread, and
 * reported in every format. Invariants: passages lie inside their documents, pairs index their
 * cluster's passages, shares are in [0, 1]; the JSON report parses, lists every document and
 * quotes each passage's text; every JSONL line parses; explaining two documents works; a scan
 * that streams tokens in the smallest blocks and aligns pairs one window at a time finds the
 * same clusters. --max-passages (0 to 3) is taken from the option bytes too.
 */
#include "fuzz.h"
#include "base/base.h"
#include "scan/scan.h"

#include <jansson.h>
#include <string.h>

#define MAX_DOCS 8
#define SEPARATOR 0x1E

static void options_from(const uint8_t *head, rp_options *o)
{
    rp_options_init(o);
    o->threads = 1;
    o->fold_case = head[0] & 1;
    o->fold_marks = head[0] & 2;
    o->fold_quotes = head[0] & 4;
    o->fold_spelling = head[0] & 8;
    o->shingle = 1 + ((head[0] >> 4) & 3);
    o->window = 1 + ((head[0] >> 6) & 3);
    o->min_tokens = 1 + (head[1] & 7);
    o->max_df = 2 + ((head[1] >> 3) & 3);
    o->boilerplate_docs = 2 + ((head[1] >> 5) & 3);
    o->boilerplate_tokens = 1 + (head[1] >> 7) * 20;
    o->min_identity = head[1] & 128 ? 0.5 : 0.8;
    o->max_passages = (head[0] ^ head[1]) & 3;
}

/* Names that need escaping in every format: quotes, commas, a formula sign, a line break. */
static void add_docs(rp_corpus *c, const uint8_t *data, size_t size)
{
    static const char *const names[MAX_DOCS] = {"a.txt", "=b,\"1\"", "c\nd", "-d",
                                                "e\\f", "f\x01g", "g\xff", "@h"};
    size_t start = 0, n = 0;

    for (size_t i = 0; i <= size; i++) {
        if (i < size && (data[i] != SEPARATOR || n == MAX_DOCS - 1))
            continue;
        FUZZ_CHECK(rp_corpus_add(c, names[n++], data + start, i - start, NULL) == RP_OK);
        start = i + 1;
    }
}

static void check_scan(const rp_corpus *c, const rp_scan *s)
{
    for (size_t i = 0; i < rp_scan_cluster_count(s); i++) {
        const rp_cluster *cl = rp_scan_cluster(s, i);
        FUZZ_CHECK(cl->passage_count >= 1 && cl->documents >= 1);
        for (size_t j = 0; j < cl->passage_count; j++) {
            const rp_passage *p = &cl->passages[j];
            const rp_doc *d = rp_corpus_doc(c, p->doc);
            FUZZ_CHECK(d && p->start < p->end && p->end <= d->len);
            FUZZ_CHECK(p->line >= 1 && p->column >= 1);
            FUZZ_CHECK(p->identity >= 0.0 && p->identity <= 1.0);
        }
        for (size_t j = 0; j < cl->pair_count; j++) {
            const rp_pair *p = &cl->pairs[j];
            FUZZ_CHECK(p->a < cl->passage_count && p->b < cl->passage_count);
            FUZZ_CHECK(p->identity >= 0.0 && p->identity <= 1.0);
        }
    }
    for (uint32_t i = 0; i < rp_corpus_count(c); i++) {
        const rp_doc_stats *ds = rp_scan_doc_stats(s, i);
        FUZZ_CHECK(ds && ds->covered >= 0.0 && ds->covered <= 1.0);
    }
}

/* Two scans of one corpus found the same clusters and coverage. */
static void check_same(const rp_corpus *c, const rp_scan *x, const rp_scan *y)
{
    FUZZ_CHECK(rp_scan_cluster_count(x) == rp_scan_cluster_count(y));
    for (size_t i = 0; i < rp_scan_cluster_count(x); i++) {
        const rp_cluster *a = rp_scan_cluster(x, i), *b = rp_scan_cluster(y, i);
        FUZZ_CHECK(a->kind == b->kind && a->passage_count == b->passage_count &&
                   a->pair_count == b->pair_count);
        for (size_t j = 0; j < a->passage_count; j++) {
            const rp_passage *p = &a->passages[j], *q = &b->passages[j];
            FUZZ_CHECK(p->doc == q->doc && p->start == q->start && p->end == q->end &&
                       p->tokens == q->tokens && p->identity == q->identity);
        }
    }
    for (uint32_t i = 0; i < rp_corpus_count(c); i++)
        FUZZ_CHECK(rp_scan_doc_stats(x, i)->tokens == rp_scan_doc_stats(y, i)->tokens &&
                   rp_scan_doc_stats(x, i)->covered == rp_scan_doc_stats(y, i)->covered);
}

/* The report in one format, in memory (NUL-terminated, caller frees). */
static char *report(rp_format f, const rp_corpus *c, const rp_scan *s, const rp_options *o,
                    size_t *len)
{
    char *text = NULL;
    FILE *out = open_memstream(&text, len);

    FUZZ_CHECK(out);
    FUZZ_CHECK(rp_report_scan(out, f, c, s, o) == RP_OK);
    FUZZ_CHECK(fclose(out) == 0);
    return text;
}

static void check_json(const char *text, size_t len, const rp_corpus *c)
{
    json_error_t err;
    json_t *root = json_loadb(text, len, JSON_ALLOW_NUL, &err), *clusters, *cl, *p;
    size_t i, j;

    if (!root)
        fprintf(stderr, "bad JSON report: %s at %d\n%s\n", err.text, err.position, text);
    FUZZ_CHECK(root);
    FUZZ_CHECK(json_array_size(json_object_get(root, "documents")) == rp_corpus_count(c));
    clusters = json_object_get(root, "clusters");
    FUZZ_CHECK(json_is_array(clusters));
    json_array_foreach(clusters, i, cl) {
        json_array_foreach(json_object_get(cl, "passages"), j, p) {
            FUZZ_CHECK(json_is_string(json_object_get(p, "text")));
        }
    }
    json_decref(root);
}

static void check_reports(const rp_corpus *c, const rp_scan *s, const rp_options *o)
{
    size_t len;
    char *text;

    text = report(RP_FORMAT_JSON, c, s, o, &len);
    check_json(text, len, c);
    free(text);
    text = report(RP_FORMAT_JSONL, c, s, o, &len);
    fuzz_check_jsonl(text, len);
    free(text);
    free(report(RP_FORMAT_CSV, c, s, o, &len));
    free(report(RP_FORMAT_TEXT, c, s, o, &len));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    rp_options o;
    rp_corpus *c = NULL;
    rp_scan *s = NULL;
    char *why = NULL;

    if (size < 2)
        return 0;
    options_from(data, &o);
    FUZZ_CHECK(rp_options_check(&o) == RP_OK);
    FUZZ_CHECK(rp_corpus_new(&c) == RP_OK);
    add_docs(c, data + 2, size - 2);
    FUZZ_CHECK(rp_scan_run(c, &o, NULL, NULL, &s) == RP_OK);
    check_scan(c, s);
    check_reports(c, s, &o);
    size_t block = rp_scan_token_block;
    rp_scan_token_block = 1; /* raised to the smallest block the window allows */
    rp_scan_align_window = 1;
    rp_scan *streamed = NULL;
    FUZZ_CHECK(rp_scan_run(c, &o, NULL, NULL, &streamed) == RP_OK);
    rp_scan_token_block = block;
    rp_scan_align_window = 0;
    check_same(c, s, streamed);
    rp_scan_free(streamed);
    FUZZ_CHECK(rp_scan_explain(c, &o, 0, (uint32_t)(rp_corpus_count(c) - 1), &why) == RP_OK);
    FUZZ_CHECK(why != NULL);
    free(why);
    rp_scan_free(s);
    rp_corpus_free(c);
    return 0;
}
