/*
 * fuzz.h - what the libFuzzer targets share: the entry point's prototype (the build asks for
 * prototypes), FUZZ_CHECK, which aborts with the failed invariant so libFuzzer records the
 * input as a crash, and the check that a JSON-lines report parses back.
 */
#ifndef REPRINT_FUZZ_H
#define REPRINT_FUZZ_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define FUZZ_CHECK(cond)                                                                     \
    do {                                                                                     \
        if (!(cond)) {                                                                       \
            fprintf(stderr, "%s:%d: invariant failed: %s\n", __FILE__, __LINE__, #cond);     \
            abort();                                                                         \
        }                                                                                    \
    } while (0)

/* Statuses the library may return on hostile input without that being a bug. */
#define FUZZ_OK_OR_LIMIT(st) FUZZ_CHECK((st) == RP_OK || (st) == RP_ELIMIT)

/* Every line of text[0, len) ends with a line break and holds one JSON object. */
static inline void fuzz_check_jsonl(const char *text, size_t len)
{
    for (size_t at = 0; at < len;) {
        const char *nl = memchr(text + at, '\n', len - at);
        json_t *line;
        FUZZ_CHECK(nl);
        line = json_loadb(text + at, (size_t)(nl - text) - at, JSON_ALLOW_NUL, NULL);
        FUZZ_CHECK(json_is_object(line));
        json_decref(line);
        at = (size_t)(nl - text) + 1;
    }
}

#endif /* REPRINT_FUZZ_H */
