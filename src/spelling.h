/*
 * spelling.h - British/American spelling pairs folded to one (American) form, for matching.
 * Private to the text module.
 */
#ifndef REPRINT_SPELLING_H
#define REPRINT_SPELLING_H

#include <stdbool.h>
#include <stddef.h>

/* The longest word the table looks at; longer runs are left alone. */
#define RP_SPELLING_MAX 40

/*
 * Folds one word w of n lowercase ASCII letters (4 <= n <= RP_SPELLING_MAX): true when it has a
 * British spelling, with the American form in out (room for n + 2 bytes) and its length in
 * *out_n. Folded forms are fixed points: folding them again changes nothing.
 */
bool rp_spelling_fold(const char *w, size_t n, char *out, size_t *out_n);

#endif /* REPRINT_SPELLING_H */
