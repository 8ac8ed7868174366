/*
 * fuzz_quotes.c - quotation extraction (quotes_extract.c) on arbitrary text. Invariants: each
 * span nests as open <= start <= end <= close <= len, and spans come in (start, longest first)
 * order. (quotes.h says close == end for an unclosed one; the code puts close past trailing
 * white space, e.g. at the end of the text: reported, not checked here.)
 */
#include "fuzz.h"
#include "quotes/quotes.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    rp_qspans qs;

    rp_qspans_init(&qs);
    FUZZ_CHECK(rp_quotes_extract((const char *)data, size, &qs) == RP_OK);
    for (size_t i = 0; i < qs.count; i++) {
        const rp_qspan *q = &qs.items[i];
        FUZZ_CHECK(q->open <= q->start && q->start <= q->end && q->end <= q->close);
        FUZZ_CHECK(q->close <= size);
        if (i > 0) {
            const rp_qspan *p = &qs.items[i - 1];
            FUZZ_CHECK(p->start < q->start || (p->start == q->start && p->end >= q->end));
        }
    }
    rp_qspans_release(&qs);
    return 0;
}
