/*
 * corpus.c - the corpus owns every document's bytes, name and metadata; a document's id is
 * its index. (Readers for files, directories, stdin and JSONL come with the corpus module.)
 */
#include "internal.h"

#include <string.h>

struct rp_corpus {
    rp_doc *docs;
    size_t count;
    size_t cap;
    rp_skip *skipped;
    size_t skipped_count;
    size_t skipped_cap;
};

rp_status rp_corpus_new(rp_corpus **out)
{
    rp_corpus *c = rp_calloc(1, sizeof(*c));
    if (!c)
        return RP_ENOMEM;
    *out = c;
    return RP_OK;
}

void rp_corpus_free(rp_corpus *c)
{
    if (!c)
        return;
    for (size_t i = 0; i < c->count; i++) {
        rp_free((char *)c->docs[i].name);
        rp_free((char *)c->docs[i].bytes);
        rp_free((char *)c->docs[i].meta);
    }
    for (size_t i = 0; i < c->skipped_count; i++) {
        rp_free((char *)c->skipped[i].input);
        rp_free((char *)c->skipped[i].reason);
    }
    rp_free(c->docs);
    rp_free(c->skipped);
    rp_free(c);
}

rp_status rp_corpus_add(rp_corpus *c, const char *name, const void *bytes, size_t len,
                        uint32_t *id_out)
{
    char *n = NULL, *b = NULL;
    if (c->count >= UINT32_MAX)
        return RP_ELIMIT;
    if (RP_GROW(c->docs, c->cap, c->count + 1) != RP_OK)
        return RP_ENOMEM;
    n = rp_strdup(name);
    b = rp_strndup(bytes, len);
    if (!n || !b)
        goto fail;
    c->docs[c->count] = (rp_doc){n, b, len, 0, NULL};
    if (id_out)
        *id_out = (uint32_t)c->count;
    c->count++;
    return RP_OK;
fail:
    rp_free(n);
    rp_free(b);
    return RP_ENOMEM;
}

rp_status rp_corpus_read(rp_corpus *c, const char *path, const rp_read_options *ropts)
{
    return RP_EINVAL; /* readers come with the corpus module */
}

size_t rp_corpus_count(const rp_corpus *c)
{
    return c->count;
}

const rp_doc *rp_corpus_doc(const rp_corpus *c, uint32_t id)
{
    return id < c->count ? &c->docs[id] : NULL;
}

rp_status rp_corpus_find(const rp_corpus *c, const char *name, uint32_t *id_out)
{
    for (size_t i = 0; i < c->count; i++) {
        if (strcmp(c->docs[i].name, name) == 0) {
            *id_out = (uint32_t)i;
            return RP_OK;
        }
    }
    return RP_ENOTFOUND;
}

size_t rp_corpus_skipped_count(const rp_corpus *c)
{
    return c->skipped_count;
}

const rp_skip *rp_corpus_skipped(const rp_corpus *c, size_t i)
{
    return i < c->skipped_count ? &c->skipped[i] : NULL;
}
