/*
 * fuzz_attrib.c - quotation attribution (rp_quotes_run) over up to 8 documents cut at 0x1E
 * bytes, through the public API only; the first byte sets min_words (1 .. 8) and
 * max_sources (1 .. 4). Invariants: quotations lie inside their documents in (doc, start)
 * order; a quotation lists at most max_sources sources and no more than sources_total, and
 * lists one whenever there is one; each source lies inside its document, never on its own
 * quotation, with identity in [0, 1] and its differences' strings present; the JSON and text
 * reports are written.
 */
#include "fuzz_public.h"

#include <jansson.h>

static void check_source(const rp_corpus *c, const rp_quote *q, const rp_quote_source *s)
{
    const rp_doc *d = rp_corpus_doc(c, s->doc);

    FUZZ_CHECK(d && s->start < s->end && s->end <= d->len);
    FUZZ_CHECK(s->line >= 1 && s->column >= 1);
    FUZZ_CHECK(s->identity >= 0.0 && s->identity <= 1.0);
    FUZZ_CHECK((unsigned)s->fidelity <= RP_FIDELITY_ALTERED);
    FUZZ_CHECK(s->doc != q->doc || s->end <= q->start || s->start >= q->end);
    for (size_t k = 0; k < s->diff_count; k++)
        FUZZ_CHECK(s->diffs[k].quote && s->diffs[k].source);
}

static void check_quotes(const rp_corpus *c, const rp_quotes *qs, const rp_quotes_options *qo)
{
    for (size_t i = 0; i < rp_quotes_count(qs); i++) {
        const rp_quote *q = rp_quotes_get(qs, i), *p = i ? rp_quotes_get(qs, i - 1) : NULL;
        const rp_doc *d = rp_corpus_doc(c, q->doc);
        FUZZ_CHECK(d && q->start <= q->end && q->end <= d->len);
        FUZZ_CHECK(q->tokens >= qo->min_words);
        FUZZ_CHECK(!p || p->doc < q->doc || (p->doc == q->doc && p->start <= q->start));
        FUZZ_CHECK(q->source_count <= qo->max_sources && q->source_count <= q->sources_total);
        FUZZ_CHECK((q->source_count == 0) == (q->sources_total == 0));
        for (size_t k = 0; k < q->source_count; k++)
            check_source(c, q, &q->sources[k]);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    rp_options o;
    rp_quotes_options qo;
    rp_corpus *c = NULL;
    rp_quotes *q = NULL;
    fuzz_out out;
    json_t *root;

    if (size < 1)
        return 0;
    rp_options_init(&o);
    o.threads = 1;
    rp_quotes_options_init(&qo);
    qo.min_words = 1 + (data[0] & 7);
    qo.max_sources = 1 + ((data[0] >> 3) & 3);
    FUZZ_CHECK(rp_corpus_new(&c) == RP_OK);
    fuzz_add_docs(c, data + 1, size - 1, fuzz_names);
    FUZZ_CHECK(rp_quotes_run(c, &o, &qo, &q) == RP_OK);
    check_quotes(c, q, &qo);
    FUZZ_CHECK(rp_report_quotes(fuzz_open(&out), RP_FORMAT_JSON, c, q, &o, &qo) == RP_OK);
    fuzz_close(&out);
    root = json_loadb(out.text, out.len, JSON_ALLOW_NUL, NULL);
    FUZZ_CHECK(json_array_size(json_object_get(root, "quotes")) == rp_quotes_count(q));
    json_decref(root);
    free(out.text);
    FUZZ_CHECK(rp_report_quotes(fuzz_open(&out), RP_FORMAT_TEXT, c, q, &o, &qo) == RP_OK);
    fuzz_close(&out);
    free(out.text);
    rp_quotes_free(q);
    rp_corpus_free(c);
    return 0;
}
