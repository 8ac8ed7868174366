/*
 * fuzz_html.c - the HTML writers (scan and quotes pages) given hostile text and names through
 * the public API only: up to 8 documents cut at 0x1E bytes, named with markup. Each page is
 * written twice, from the input as it is and from a twin in which every '<' of texts and
 * names is a '~' (a symbol to the tokenizer as well, so both twins find the same clusters and
 * quotations). Invariants: both pages hold the same number of '<' (no '<' of the input
 * reaches the page outside escaping, in markup, attributes or the embedded JSON), and each
 * page closes as many script elements as it opens ("</script" from the input never survives).
 */
#include "fuzz_public.h"

#include <ctype.h>

/* Occurrences of needle in text, ignoring ASCII case. */
static size_t count_nocase(const char *text, size_t len, const char *needle)
{
    size_t n = 0, k = strlen(needle);

    for (size_t i = 0; i + k <= len; i++) {
        size_t j = 0;
        while (j < k && tolower((unsigned char)text[i + j]) == needle[j])
            j++;
        n += j == k;
    }
    return n;
}

static size_t count_lt(const char *text, size_t len)
{
    size_t n = 0;
    for (size_t i = 0; i < len; i++)
        n += text[i] == '<';
    return n;
}

/* The scan and quotes pages of data cut into documents named names (caller frees). */
static char *pages(const uint8_t *data, size_t size, const char *const *names, size_t *len)
{
    rp_options o;
    rp_quotes_options qo;
    rp_corpus *c = NULL;
    rp_scan *s = NULL;
    rp_quotes *q = NULL;
    fuzz_out out;
    FILE *f = fuzz_open(&out);

    rp_options_init(&o);
    o.threads = 1;
    o.shingle = 1 + (data[0] & 3);
    o.min_tokens = 1 + ((data[0] >> 2) & 7);
    rp_quotes_options_init(&qo);
    qo.min_words = 1 + (data[0] >> 7) * 5;
    FUZZ_CHECK(rp_corpus_new(&c) == RP_OK);
    fuzz_add_docs(c, data + 1, size - 1, names);
    FUZZ_CHECK(rp_scan_run(c, &o, NULL, NULL, &s) == RP_OK);
    FUZZ_CHECK(rp_report_scan(f, RP_FORMAT_HTML, c, s, &o) == RP_OK);
    FUZZ_CHECK(rp_quotes_run(c, &o, &qo, &q) == RP_OK);
    FUZZ_CHECK(rp_report_quotes(f, RP_FORMAT_HTML, c, q, &o, &qo) == RP_OK);
    fuzz_close(&out);
    rp_quotes_free(q);
    rp_scan_free(s);
    rp_corpus_free(c);
    *len = out.len;
    return out.text;
}

static void check_scripts_balanced(const char *page, size_t len)
{
    FUZZ_CHECK(count_nocase(page, len, "</script") == count_nocase(page, len, "<script"));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char tame_names[FUZZ_MAX_DOCS][32], *tame_ptrs[FUZZ_MAX_DOCS];
    uint8_t *tame;
    char *page, *twin;
    size_t len, twin_len;

    if (size < 1)
        return 0;
    tame = malloc(size);
    FUZZ_CHECK(tame);
    for (size_t i = 0; i < size; i++)
        tame[i] = data[i] == '<' && i > 0 ? '~' : data[i];
    for (int i = 0; i < FUZZ_MAX_DOCS; i++) {
        snprintf(tame_names[i], sizeof(tame_names[i]), "%s", fuzz_names[i]);
        for (char *p = tame_names[i]; *p; p++)
            *p = *p == '<' ? '~' : *p;
        tame_ptrs[i] = tame_names[i];
    }
    page = pages(data, size, fuzz_names, &len);
    twin = pages(tame, size, (const char *const *)tame_ptrs, &twin_len);
    check_scripts_balanced(page, len);
    check_scripts_balanced(twin, twin_len);
    if (count_lt(page, len) != count_lt(twin, twin_len))
        fprintf(stderr, "'<' in the page: %zu, in its twin without '<': %zu\n", count_lt(page, len),
                count_lt(twin, twin_len));
    FUZZ_CHECK(count_lt(page, len) == count_lt(twin, twin_len));
    free(twin);
    free(page);
    free(tame);
    return 0;
}
