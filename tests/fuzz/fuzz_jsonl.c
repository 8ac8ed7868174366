/*
 * fuzz_jsonl.c - the JSONL reader (corpus_jsonl.c) on arbitrary bytes. The first byte picks
 * the per-document cap and the field names; the rest is the file. Invariants: the read never
 * fails but for memory; each line becomes at most one document or one skip; a document's text
 * is NUL-terminated, its raw line lies inside one line of the input, its metadata is a JSON
 * object; skips are named "fuzz.jsonl:LINE".
 */
#include "fuzz.h"
#include "corpus/corpus.h"

#include <jansson.h>
#include <string.h>

static size_t count_lines(const char *s, size_t len)
{
    size_t n = len > 0;

    for (size_t i = 0; i + 1 < len; i++)
        n += s[i] == '\n';
    return n;
}

static void check_doc(const rp_corpus *c, uint32_t id)
{
    const rp_doc *d = rp_corpus_doc(c, id);
    const char *raw;
    size_t raw_len;

    FUZZ_CHECK(d && d->name && d->name[0] && d->bytes);
    FUZZ_CHECK(d->bytes[d->len] == '\0');
    FUZZ_CHECK(rp_corpus_raw(c, id, &raw, &raw_len) == RP_OK);
    FUZZ_CHECK(memchr(raw, '\n', raw_len) == NULL);
    if (d->meta) {
        json_t *m = json_loads(d->meta, JSON_ALLOW_NUL, NULL); /* values may hold \u0000 */
        FUZZ_CHECK(json_is_object(m) && json_object_size(m) > 0);
        json_decref(m);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const size_t caps[4] = {RP_DOC_MAX, 1, 3, 64};
    static const char *const ids[2] = {"id", "text"};
    rp_read_options ro;
    rp_corpus *c = NULL;
    rp_buf buf = RP_BUF_INIT;
    size_t lines;

    if (size == 0)
        return 0;
    rp_read_options_init(&ro);
    ro.id_field = ids[(data[0] >> 2) & 1]; /* "text" twice: the id field is the text field */
    ro.text_field = "text";
    FUZZ_CHECK(rp_corpus_new(&c) == RP_OK);
    FUZZ_CHECK(rp_buf_add(&buf, data + 1, size - 1) == RP_OK);
    lines = count_lines((const char *)data + 1, size - 1);
    FUZZ_CHECK(rp_corpus_read_jsonl(c, "fuzz.jsonl", &buf, &ro, caps[data[0] & 3]) == RP_OK);
    FUZZ_CHECK(rp_corpus_count(c) + rp_corpus_skipped_count(c) <= lines);
    for (uint32_t i = 0; i < rp_corpus_count(c); i++)
        check_doc(c, i);
    for (size_t i = 0; i < rp_corpus_skipped_count(c); i++) {
        const rp_skip *sk = rp_corpus_skipped(c, i);
        FUZZ_CHECK(strncmp(sk->input, "fuzz.jsonl:", 11) == 0 && sk->reason[0]);
    }
    rp_corpus_free(c);
    return 0;
}
