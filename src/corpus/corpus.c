/*
 * corpus.c - the corpus owns every document's bytes, name and metadata; a document's id is
 * its index. Skipped inputs are kept in the order met. A read that fails (out of memory) rolls
 * the corpus back to where it started, so callers never see half of an input. The readers
 * live in corpus_read.c (paths, directories, stdin), corpus_decode.c, corpus_jsonl.c and
 * corpus_split.c.
 */
#include "corpus/corpus.h"

#include <string.h>

/* Per-document data that is not public: the raw line of a JSONL document, the mapping of a
 * mapped file. */
typedef struct rp_doc_raw {
    const char *bytes; /* NULL: the document's own bytes; else points into a blob */
    size_t len;
    rp_mapped map; /* bytes NULL: the document's bytes are rp_malloc'd */
} rp_doc_raw;

struct rp_corpus {
    rp_doc *docs;
    rp_doc_raw *raws; /* parallel to docs, same capacity */
    size_t count;
    size_t cap;
    size_t raw_cap;
    rp_skip *skipped;
    size_t skipped_count;
    size_t skipped_cap;
    char **blobs;
    size_t blob_count;
    size_t blob_cap;
};

rp_status rp_corpus_new(rp_corpus **out)
{
    rp_corpus *c = rp_calloc(1, sizeof(*c));
    if (!c)
        return RP_ENOMEM;
    *out = c;
    return RP_OK;
}

void rp_corpus_mark_get(const rp_corpus *c, rp_corpus_mark *mark)
{
    mark->docs = c->count;
    mark->skipped = c->skipped_count;
    mark->blobs = c->blob_count;
}

void rp_corpus_rollback(rp_corpus *c, const rp_corpus_mark *mark)
{
    for (size_t i = mark->docs; i < c->count; i++) {
        rp_free((char *)c->docs[i].name);
        if (c->raws[i].map.bytes)
            rp_corpus_unmap(&c->raws[i].map);
        else
            rp_free((char *)c->docs[i].bytes);
        rp_free((char *)c->docs[i].meta);
        rp_free((char *)c->docs[i].title);
        rp_free((char *)c->docs[i].series);
        rp_free((rp_range *)c->docs[i].ignored);
    }
    for (size_t i = mark->skipped; i < c->skipped_count; i++) {
        rp_free((char *)c->skipped[i].input);
        rp_free((char *)c->skipped[i].reason);
    }
    for (size_t i = mark->blobs; i < c->blob_count; i++)
        rp_free(c->blobs[i]);
    c->count = mark->docs;
    c->skipped_count = mark->skipped;
    c->blob_count = mark->blobs;
}

void rp_corpus_free(rp_corpus *c)
{
    static const rp_corpus_mark empty = {0, 0, 0};

    if (!c)
        return;
    rp_corpus_rollback(c, &empty);
    rp_free(c->docs);
    rp_free(c->raws);
    rp_free(c->skipped);
    rp_free(c->blobs);
    rp_free(c);
}

rp_status rp_corpus_take(rp_corpus *c, char *name, char *bytes, size_t len, size_t offset,
                         char *meta)
{
    rp_status st = RP_ENOMEM;

    if (c->count >= UINT32_MAX) {
        st = RP_ELIMIT;
        goto fail;
    }
    if (RP_GROW(c->docs, c->cap, c->count + 1) != RP_OK ||
        RP_GROW(c->raws, c->raw_cap, c->count + 1) != RP_OK)
        goto fail;
    bytes[len] = '\0';
    c->docs[c->count] = (rp_doc){.name = name, .bytes = bytes, .len = len, .offset = offset,
                                  .meta = meta, .file_line = 1};
    c->raws[c->count] = (rp_doc_raw){NULL, 0, {0}};
    c->count++;
    return RP_OK;
fail:
    rp_free(name);
    rp_free(bytes);
    rp_free(meta);
    return st;
}

rp_status rp_corpus_take_mapped(rp_corpus *c, char *name, rp_mapped *m)
{
    rp_status st = RP_ENOMEM;

    if (c->count >= UINT32_MAX) {
        st = RP_ELIMIT;
        goto fail;
    }
    if (RP_GROW(c->docs, c->cap, c->count + 1) != RP_OK ||
        RP_GROW(c->raws, c->raw_cap, c->count + 1) != RP_OK)
        goto fail;
    c->docs[c->count] = (rp_doc){.name = name, .bytes = m->bytes, .len = m->len, .file_line = 1};
    c->raws[c->count] = (rp_doc_raw){NULL, 0, *m};
    c->count++;
    memset(m, 0, sizeof(*m));
    return RP_OK;
fail:
    rp_free(name);
    rp_corpus_unmap(m);
    return st;
}

void rp_corpus_release_text(const rp_corpus *c, uint32_t id, size_t from, size_t to)
{
    if (id < c->count && c->raws[id].map.bytes)
        rp_corpus_map_release(&c->raws[id].map, from, to);
}

const char *rp_corpus_changed(const rp_corpus *c)
{
    for (size_t i = 0; i < c->count; i++)
        if (rp_corpus_map_hit(&c->raws[i].map))
            return c->docs[i].name;
    return NULL;
}

rp_status rp_corpus_add(rp_corpus *c, const char *name, const void *bytes, size_t len,
                        uint32_t *id_out)
{
    char *n = NULL, *b = NULL;
    rp_corpus_mark mark;
    rp_read_options ro;
    rp_annotator an;
    rp_status st;

    if (c->count >= UINT32_MAX || len > RP_DOC_MAX)
        return RP_ELIMIT;
    n = rp_strdup(name);
    b = rp_strndup(bytes, len);
    if (!n || !b) {
        rp_free(n);
        rp_free(b);
        return RP_ENOMEM;
    }
    rp_corpus_mark_get(c, &mark);
    st = rp_corpus_take(c, n, b, len, 0, NULL);
    if (st == RP_OK) { /* a title like a file read's: its first non-blank line */
        rp_read_options_init(&ro);
        if ((st = rp_annotator_init(&an, &ro, NULL, 0)) == RP_OK) {
            st = rp_corpus_annotate(c, &an, mark.docs);
            rp_annotator_release(&an);
        }
        if (st != RP_OK)
            rp_corpus_rollback(c, &mark);
    }
    if (st == RP_OK && id_out)
        *id_out = (uint32_t)(c->count - 1);
    return st;
}

rp_status rp_corpus_skip(rp_corpus *c, const char *input, const char *reason)
{
    char *in = NULL, *why = NULL;

    if (RP_GROW(c->skipped, c->skipped_cap, c->skipped_count + 1) != RP_OK)
        return RP_ENOMEM;
    in = rp_strdup(input);
    why = rp_strdup(reason);
    if (!in || !why) {
        rp_free(in);
        rp_free(why);
        return RP_ENOMEM;
    }
    c->skipped[c->skipped_count++] = (rp_skip){in, why};
    return RP_OK;
}

rp_status rp_corpus_keep_blob(rp_corpus *c, char *blob)
{
    if (RP_GROW(c->blobs, c->blob_cap, c->blob_count + 1) != RP_OK) {
        rp_free(blob);
        return RP_ENOMEM;
    }
    c->blobs[c->blob_count++] = blob;
    return RP_OK;
}

void rp_corpus_set_raw(rp_corpus *c, uint32_t id, const char *raw, size_t len)
{
    if (id < c->count) {
        c->raws[id].bytes = raw;
        c->raws[id].len = len;
    }
}

rp_status rp_corpus_raw(const rp_corpus *c, uint32_t id, const char **bytes, size_t *len)
{
    if (id >= c->count)
        return RP_ENOTFOUND;
    if (c->raws[id].bytes) {
        *bytes = c->raws[id].bytes;
        *len = c->raws[id].len;
    } else {
        *bytes = c->docs[id].bytes;
        *len = c->docs[id].len;
    }
    return RP_OK;
}

rp_doc *rp_corpus_doc_edit(rp_corpus *c, uint32_t id)
{
    return id < c->count ? &c->docs[id] : NULL;
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
