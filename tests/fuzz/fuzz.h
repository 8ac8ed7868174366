/*
 * fuzz.h - what the libFuzzer targets share: the entry point's prototype (the build asks for
 * prototypes) and FUZZ_CHECK, which aborts with the failed invariant so libFuzzer records the
 * input as a crash.
 */
#ifndef REPRINT_FUZZ_H
#define REPRINT_FUZZ_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

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

#endif /* REPRINT_FUZZ_H */
