/*
 * text.c - PLACEHOLDER tokenizer (ASCII letters/digits, lower-cased) so that the tree links
 * while the real text model is written. To be replaced by the text module.
 */
#include "internal.h"

#include <ctype.h>
#include <string.h>
#include <xxhash.h>

void rp_tokens_init(rp_tokens *toks)
{
    memset(toks, 0, sizeof(*toks));
    toks->first_invalid = SIZE_MAX;
}

void rp_tokens_release(rp_tokens *toks)
{
    rp_free(toks->items);
    rp_free(toks->norm);
    rp_free(toks->norm_off);
    rp_tokens_init(toks);
}

rp_status rp_text_tokenize(const rp_options *opts, const char *text, size_t len, bool keep_norm,
                      rp_tokens *toks)
{
    char word[256];
    toks->count = 0;
    for (size_t i = 0; i < len;) {
        if (!isalnum((unsigned char)text[i])) {
            i++;
            continue;
        }
        size_t s = i, n = 0;
        while (i < len && isalnum((unsigned char)text[i])) {
            if (n < sizeof(word))
                word[n++] = (char)tolower((unsigned char)text[i]);
            i++;
        }
        if (RP_GROW(toks->items, toks->cap, toks->count + 1) != RP_OK)
            return RP_ENOMEM;
        toks->items[toks->count++] = (rp_token){XXH3_64bits(word, n), (uint32_t)s, (uint32_t)i};
    }
    return RP_OK;
}

rp_status rp_text_normalize(const rp_options *opts, const char *text, size_t len, char **out,
                       size_t *out_len)
{
    char *s = rp_strndup(text, len);
    if (!s)
        return RP_ENOMEM;
    for (size_t i = 0; i < len; i++)
        s[i] = (char)tolower((unsigned char)s[i]);
    *out = s;
    *out_len = len;
    return RP_OK;
}
