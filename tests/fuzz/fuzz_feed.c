/*
 * fuzz_feed.c - the RSS/Atom reader (corpus_feed.c, libxml2) on arbitrary bytes. Invariants:
 * the read never fails but for memory; every document has a name and NUL-terminated bytes,
 * its metadata (when present) is a JSON object; every skip names something. (feed.h says a
 * textless item is skipped as "path#N"; the code names it by its guid or link when it has
 * one: reported, not checked here.)
 */
#include "fuzz.h"
#include "corpus/feed.h"

#include <jansson.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    rp_corpus *c = NULL;
    char *bytes = malloc(size + 1); /* NUL-terminated, as rp_corpus_load leaves every input */

    FUZZ_CHECK(bytes);
    memcpy(bytes, data, size);
    bytes[size] = '\0';
    (void)rp_corpus_is_feed(bytes, size);
    FUZZ_CHECK(rp_corpus_new(&c) == RP_OK);
    FUZZ_CHECK(rp_corpus_read_feed(c, "f.xml", bytes, size) == RP_OK);
    for (uint32_t i = 0; i < rp_corpus_count(c); i++) {
        const rp_doc *d = rp_corpus_doc(c, i);
        FUZZ_CHECK(d->name && d->name[0] && d->bytes[d->len] == '\0');
        if (d->meta) {
            json_t *m = json_loads(d->meta, 0, NULL);
            FUZZ_CHECK(json_is_object(m));
            json_decref(m);
        }
    }
    for (size_t i = 0; i < rp_corpus_skipped_count(c); i++)
        FUZZ_CHECK(rp_corpus_skipped(c, i)->input[0] && rp_corpus_skipped(c, i)->reason[0]);
    rp_corpus_free(c);
    free(bytes);
    return 0;
}
