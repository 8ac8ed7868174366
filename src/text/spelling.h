/*
 * spelling.h - British/American spelling pairs folded to one (American) form, for matching.
 * Private to the text module.
 */
#ifndef REPRINT_SPELLING_H
#define REPRINT_SPELLING_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

/* The longest word the table looks at; longer runs are left alone. */
#define RP_SPELLING_MAX 40

/* Builds the filters below once (thread-safe). Call before rp_spelling_may_fold. */
void rp_spelling_init(void);

/* Bit rp_spelling_end(w, n) (n >= 4): some suffix rule may change a word ending in these four
 * letters (a hash of them, so a few other endings share a bit). */
#define RP_SPELLING_ENDS 65536
static inline uint32_t rp_spelling_end(const char *w, size_t n)
{
    uint32_t v;

    memcpy(&v, w + n - 4, 4);
    return (v * 2654435761u) >> 16;
}
extern uint64_t rp_spelling_ends[RP_SPELLING_ENDS / 64];

/* The second step for words whose bit is set: does w end in the pattern of some suffix rule? */
bool rp_spelling_ends_match(const char *w, size_t n);

/* The quick test's first step (w, n as below): false means that no suffix rule changes w. */
static inline bool rp_spelling_may_fold_end(const char *w, size_t n)
{
    uint32_t k;

    if (n < 4 || n > RP_SPELLING_MAX)
        return false;
    k = rp_spelling_end(w, n);
    return (rp_spelling_ends[k / 64] >> (k % 64) & 1) && rp_spelling_ends_match(w, n);
}

/*
 * The quick test before rp_spelling_fold (w, n as there; rp_spelling_init called first): false
 * means that rp_spelling_fold would return false. Most words are decided by one bit for their
 * last three letters. The -our -> -or rule applies anywhere in a run ("colourful"): words with
 * "our" after two or more letters are candidates; has_u false promises that w has no 'u'.
 */
static inline bool rp_spelling_may_fold(const char *w, size_t n, bool has_u)
{
    if (n < 4 || n > RP_SPELLING_MAX)
        return false;
    if (rp_spelling_may_fold_end(w, n))
        return true;
    if (has_u)
        for (size_t i = 2; i + 2 < n; i++)
            if (w[i + 1] == 'u' && w[i] == 'o' && w[i + 2] == 'r')
                return true;
    return false;
}

/*
 * Folds one word w of n lowercase ASCII letters (4 <= n <= RP_SPELLING_MAX): true when it has a
 * British spelling, with the American form in out (room for n + 2 bytes) and its length in
 * *out_n. Folded forms are fixed points: folding them again changes nothing.
 */
bool rp_spelling_fold(const char *w, size_t n, char *out, size_t *out_n);

#endif /* REPRINT_SPELLING_H */
