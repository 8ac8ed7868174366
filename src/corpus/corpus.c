/*
 * corpus.c - the corpus owns every document's bytes, name and metadata; a document's id is
 * its index. Skipped inputs are kept in the order met. A read that fails (out of memory) rolls
 * the corpus back to where it started, so callers never see half of an input. A document's
 * bytes are rp_malloc'd, a mapped file (map.c), or, with rp_read_options.text_in_file, in the
 * corpus's temporary text file, read through 64 MiB mappings whose pages can be handed back. The readers
 * live in corpus_read.c (paths, directories, stdin), corpus_decode.c, corpus_jsonl.c and
 * corpus_split.c.
 */
#define _DEFAULT_SOURCE /* MAP_SHARED's pages handed back: madvise */
#include "corpus/corpus.h"
#include "base/spill.h"

#include <errno.h>
#include <stdatomic.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

/* rp_read_options.text_in_file: documents' bytes are written to a temporary file and read
 * through a mapping of it, in chunks of this many bytes (one mapping each). */
#define TEXT_CHUNK ((size_t)64 << 20)

/* Per-document data that is not public: the raw line of a JSONL document, the mapping of a
 * mapped file. */
typedef struct rp_doc_raw {
    const char *bytes; /* NULL: the document's own bytes; else points into a blob */
    size_t len;
    rp_mapped map; /* bytes NULL: the document's bytes are rp_malloc'd or in the text file */
    bool in_file;  /* the bytes are in the text file's mapping */
    /* a document another process holds (rp_corpus_lend): its bytes, and its ignored lines
     * when lent_ignored, are the lender's, not the corpus's to free */
    bool lent, lent_ignored;
    bool in_blob; /* the bytes lie in a blob the corpus keeps (rp_corpus_take_in_blob) */
    uint32_t slab; /* in_blob: 1 + the index of the slab holding the bytes, or 0 */
} rp_doc_raw;

/* One of reading's slabs (rp_corpus_keep_slab): pages of its own, and what parking needs. */
typedef struct rp_slab {
    char *p;
    size_t len;         /* its pages, from p */
    size_t used;        /* bytes from p that hold documents (with their NULs) */
    atomic_uint left;   /* its documents not yet passed to rp_corpus_text_park */
    atomic_bool parked; /* its first used pages are the park file's */
} rp_slab;

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
    rp_slab *slabs;
    size_t slab_count, slab_cap;
    /* parking (rp_corpus_park_begin): the file, and which documents were passed to it */
    rp_spill *park;
    atomic_uchar *parked_docs;
    size_t parked_cap;
    /* text_in_file: the file, its chunks' mappings, the bytes used in the last one */
    rp_spill *text;
    char **chunks;
    size_t chunk_count, chunk_cap, chunk_used;
    bool text_tried;
    bool has_files; /* some document's bytes are a file's pages (mapped, or the text file) */
    atomic_size_t touched; /* bytes read since the pages were last handed back */
    char *changed; /* the first input that shrank while read and whose mapping is gone */
    bool changed_unnamed; /* one did, but its name could not be kept (out of memory) */
    /* read among processes (rp_corpus_read_shared): the documents whose text this one holds */
    bool shared;
    uint32_t held_lo, held_hi;
    bool spent; /* some held document's text let go (rp_corpus_drop_text) */
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
    mark->slabs = c->slab_count;
}

/* Lets go of document id's bytes as they are held: unmapped, freed, or left where they are
 * (in the text file, whose room is not reused, or lent by another process). */
static void release_bytes(rp_corpus *c, size_t id)
{
    rp_doc_raw *raw = &c->raws[id];
    if (raw->map.bytes)
        rp_corpus_unmap(&raw->map);
    else if (!raw->in_file && !raw->lent && !raw->in_blob)
        rp_free((char *)c->docs[id].bytes);
    c->docs[id].bytes = NULL;
}

void rp_corpus_rollback(rp_corpus *c, const rp_corpus_mark *mark)
{
    for (size_t i = mark->docs; i < c->count; i++) {
        rp_free((char *)c->docs[i].name);
        release_bytes(c, i);
        rp_free((char *)c->docs[i].meta);
        rp_free((char *)c->docs[i].title);
        rp_free((char *)c->docs[i].series);
        if (!c->raws[i].lent_ignored)
            rp_free((rp_range *)c->docs[i].ignored);
    }
    for (size_t i = mark->skipped; i < c->skipped_count; i++) {
        rp_free((char *)c->skipped[i].input);
        rp_free((char *)c->skipped[i].reason);
    }
    for (size_t i = mark->blobs; i < c->blob_count; i++)
        rp_free(c->blobs[i]);
    for (size_t i = mark->slabs; i < c->slab_count; i++)
        rp_pages_free(c->slabs[i].p, c->slabs[i].len);
    c->count = mark->docs;
    c->skipped_count = mark->skipped;
    c->blob_count = mark->blobs;
    c->slab_count = mark->slabs;
}

void rp_corpus_free(rp_corpus *c)
{
    static const rp_corpus_mark empty = {0, 0, 0, 0};

    if (!c)
        return;
    rp_corpus_rollback(c, &empty);
    for (size_t k = 0; k < c->chunk_count; k++)
        munmap(c->chunks[k], TEXT_CHUNK);
    rp_free(c->chunks);
    rp_spill_close(c->text);
    rp_free(c->docs);
    rp_free(c->raws);
    rp_free(c->skipped);
    rp_free(c->blobs);
    rp_free(c->slabs);
    rp_spill_close(c->park);
    rp_free(c->parked_docs);
    rp_free(c->changed);
    rp_free(c);
}

void rp_corpus_text_in_file(rp_corpus *c, const char *dir)
{
    if (c->text_tried)
        return;
    c->text_tried = true;
    if (rp_spill_open(dir, 1, &c->text) != RP_OK)
        c->text = NULL; /* the text stays in memory */
}

/* Writes bytes [0, len] (the NUL included) to the text file: where they are in its mapping,
 * or NULL when they stay where they are (too large for a chunk, or the file cannot take
 * them: then no more text goes to it). */
static const char *text_to_file(rp_corpus *c, const char *bytes, size_t len)
{
    if (!c->text || len >= TEXT_CHUNK)
        return NULL;
    if (!c->chunk_count || c->chunk_used + len + 1 > TEXT_CHUNK) {
        void *p;
        if (RP_GROW(c->chunks, c->chunk_cap, c->chunk_count + 1) != RP_OK)
            return NULL;
        p = mmap(NULL, TEXT_CHUNK, PROT_READ, MAP_SHARED, rp_spill_fd(c->text, 0),
                 (off_t)(c->chunk_count * TEXT_CHUNK));
        if (p == MAP_FAILED)
            goto stop;
        c->chunks[c->chunk_count++] = p;
        c->chunk_used = 0;
    }
    const size_t at = c->chunk_used;
    const off_t off = (off_t)((c->chunk_count - 1) * TEXT_CHUNK + at);
    for (size_t done = 0; done < len + 1;) {
        ssize_t w = pwrite(rp_spill_fd(c->text, 0), bytes + done, len + 1 - done,
                           off + (off_t)done);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            goto stop; /* a full disk: what was written stays, the rest in memory */
        done += (size_t)w;
    }
    c->chunk_used += len + 1;
    return c->chunks[c->chunk_count - 1] + at;
stop:
    rp_spill_close(c->text); /* the chunks' mappings keep the file while they last */
    c->text = NULL;
    return NULL;
}

/* Room for one more document: RP_ELIMIT past 2^32 - 1 of them, RP_ENOMEM. */
static rp_status room_for_one(rp_corpus *c)
{
    if (c->count >= UINT32_MAX)
        return RP_ELIMIT;
    if (RP_GROW(c->docs, c->cap, c->count + 1) != RP_OK ||
        RP_GROW(c->raws, c->raw_cap, c->count + 1) != RP_OK)
        return RP_ENOMEM;
    return RP_OK;
}

rp_status rp_corpus_take(rp_corpus *c, char *name, char *bytes, size_t len, size_t offset,
                         char *meta)
{
    rp_status st = room_for_one(c);

    if (st != RP_OK)
        goto fail;
    bytes[len] = '\0';
    const char *in_file = text_to_file(c, bytes, len);
    if (in_file) {
        rp_free(bytes);
        bytes = (char *)in_file;
    }
    c->docs[c->count] = (rp_doc){.name = name, .bytes = bytes, .len = len, .offset = offset,
                                  .meta = meta, .file_line = 1};
    c->raws[c->count] = (rp_doc_raw){.in_file = in_file != NULL};
    c->has_files |= in_file != NULL;
    c->count++;
    return RP_OK;
fail:
    rp_free(name);
    rp_free(bytes);
    rp_free(meta);
    return st;
}

rp_status rp_corpus_take_in_blob(rp_corpus *c, char *name, char *bytes, size_t len)
{
    rp_status st = room_for_one(c);

    if (st != RP_OK) {
        rp_free(name);
        return st;
    }
    bytes[len] = '\0';
    c->docs[c->count] = (rp_doc){.name = name, .bytes = bytes, .len = len, .file_line = 1};
    c->raws[c->count] = (rp_doc_raw){.in_blob = true};
    for (size_t k = c->slab_count; k-- > 0;) { /* one of the last few: a slab per thread */
        rp_slab *sl = &c->slabs[k];
        if (bytes >= sl->p && bytes < sl->p + sl->len) {
            size_t end = (size_t)(bytes - sl->p) + len + 1;
            sl->used = end > sl->used ? end : sl->used;
            atomic_fetch_add(&sl->left, 1);
            c->raws[c->count].slab = (uint32_t)(k + 1);
            break;
        }
    }
    c->count++;
    return RP_OK;
}

rp_status rp_corpus_take_mapped(rp_corpus *c, char *name, rp_mapped *m)
{
    rp_status st = room_for_one(c);

    if (st != RP_OK)
        goto fail;
    c->docs[c->count] = (rp_doc){.name = name, .bytes = m->bytes, .len = m->len, .file_line = 1};
    c->raws[c->count] = (rp_doc_raw){.map = *m};
    c->has_files = true;
    c->count++;
    memset(m, 0, sizeof(*m));
    return RP_OK;
fail:
    rp_free(name);
    rp_corpus_unmap(m);
    return st;
}

void rp_corpus_text_read(const rp_corpus *c, size_t bytes)
{
    if (!c->has_files)
        return;
    /* the counter is the corpus's own bookkeeping, not its contents: updated through const */
    size_t before = atomic_fetch_add(&((rp_corpus *)c)->touched, bytes);
    if (before / RP_TEXT_RELEASE_EVERY != (before + bytes) / RP_TEXT_RELEASE_EVERY)
        rp_corpus_release_all(c, 0);
}

void rp_corpus_release_all(const rp_corpus *c, size_t from)
{
    for (size_t k = 0; k < c->chunk_count; k++)
        rp_corpus_pages_release(c->chunks[k], 0, TEXT_CHUNK);
    for (size_t i = from; i < c->count; i++)
        if (c->raws[i].map.bytes)
            rp_corpus_pages_release(c->docs[i].bytes, 0, c->docs[i].len);
}

void rp_corpus_note_changed(rp_corpus *c, const char *name)
{
    if (!c->changed && !(c->changed = rp_strdup(name)))
        c->changed_unnamed = true; /* out of memory: the name is lost, not the fact */
}

const char *rp_corpus_changed(const rp_corpus *c)
{
    if (c->changed || c->changed_unnamed)
        return c->changed ? c->changed : "(an input)";
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

rp_status rp_corpus_blob_room(rp_corpus *c)
{
    return RP_GROW(c->blobs, c->blob_cap, c->blob_count + 1);
}

void rp_corpus_spend(rp_corpus *c)
{
    c->spent = true;
}

rp_status rp_corpus_keep_blob(rp_corpus *c, char *blob)
{
    if (rp_corpus_blob_room(c) != RP_OK) {
        rp_free(blob);
        return RP_ENOMEM;
    }
    c->blobs[c->blob_count++] = blob;
    return RP_OK;
}

rp_status rp_corpus_keep_slab(rp_corpus *c, char *slab, size_t len)
{
    if (RP_GROW(c->slabs, c->slab_cap, c->slab_count + 1) != RP_OK) {
        rp_pages_free(slab, len);
        return RP_ENOMEM;
    }
    rp_slab *sl = &c->slabs[c->slab_count++];
    sl->p = slab;
    sl->len = len;
    sl->used = 0;
    atomic_init(&sl->left, 0);
    atomic_init(&sl->parked, false);
    return RP_OK;
}

void rp_corpus_park_begin(const rp_corpus *c, const char *dir)
{
    /* where the bytes live is the corpus's bookkeeping, not its contents: through const */
    rp_corpus *w = (rp_corpus *)c;
    if (w->park || !w->slab_count)
        return;
    if (!(w->parked_docs = rp_calloc(w->count ? w->count : 1, sizeof(*w->parked_docs))))
        return; /* out of memory: the text stays where it is */
    if (rp_spill_open(dir, 1, &w->park) != RP_OK) {
        rp_free(w->parked_docs);
        w->parked_docs = NULL;
        w->park = NULL;
        errno = 0;
        return;
    }
    w->parked_cap = w->count;
}

/* A slab whose pages failed to be replaced may have lost them (a kernel that unmaps before a
 * MAP_FIXED mapping fails): its bytes are put back from the file into fresh pages at the same
 * address; if even that fails the text is gone and the commands stop as for a file that shrank
 * while mapped. */
static void park_undo(rp_corpus *c, rp_slab *sl, size_t len, uint64_t at)
{
    void *p = mmap(sl->p, len, PROT_READ | PROT_WRITE,
                   MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);
    if (p == MAP_FAILED && errno == EEXIST)
        return; /* the slab's own pages are still there */
    if (p != sl->p || rp_spill_read(c->park, 0, at, sl->p, len) != RP_OK) {
        if (p != MAP_FAILED && p != sl->p)
            munmap(p, len);
        rp_corpus_note_changed(c, "(the scan's parked text)");
    }
}

/* Writes a slab's used pages to the park file and maps them from there in their place. */
static void park_slab(rp_corpus *c, rp_slab *sl)
{
    const size_t pg = rp_page_size();
    const size_t len = (sl->used + pg - 1) / pg * pg;
    uint64_t at;
    if (!len || rp_spill_errno(c->park) || rp_spill_append(c->park, 0, sl->p, len, &at) != RP_OK)
        return; /* a full disk: this slab and the next ones stay in memory */
    void *p =
        mmap(sl->p, len, PROT_READ, MAP_SHARED | MAP_FIXED, rp_spill_fd(c->park, 0), (off_t)at);
    if (p == MAP_FAILED) {
        park_undo(c, sl, len, at);
        return;
    }
    atomic_store(&sl->parked, true);
}

void rp_corpus_text_park(const rp_corpus *c, uint32_t id)
{
    rp_corpus *w = (rp_corpus *)c; /* as rp_corpus_park_begin */
    if (!w->park || id >= w->parked_cap || !w->raws[id].slab ||
        atomic_exchange(&w->parked_docs[id], 1))
        return;
    rp_slab *sl = &w->slabs[w->raws[id].slab - 1];
    if (atomic_fetch_sub(&sl->left, 1) == 1)
        park_slab(w, sl);
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

/* ---- a corpus read among processes (corpus/shared.c) ---- */

rp_status rp_corpus_take_absent(rp_corpus *c, char *name, size_t len)
{
    rp_status st = room_for_one(c);

    if (st != RP_OK) {
        rp_free(name);
        return st;
    }
    c->docs[c->count] = (rp_doc){.name = name, .bytes = NULL, .len = len, .file_line = 1};
    c->raws[c->count] = (rp_doc_raw){0};
    c->count++;
    return RP_OK;
}

rp_status rp_corpus_place(rp_corpus *c, size_t first, size_t total)
{
    size_t held = c->count;

    if (total < first + held || total > UINT32_MAX)
        return RP_EINVAL;
    if (RP_GROW(c->docs, c->cap, total ? total : 1) != RP_OK ||
        RP_GROW(c->raws, c->raw_cap, total ? total : 1) != RP_OK)
        return RP_ENOMEM;
    memmove(c->docs + first, c->docs, held * sizeof(*c->docs));
    memmove(c->raws + first, c->raws, held * sizeof(*c->raws));
    for (size_t i = 0; i < total; i++)
        if (i < first || i >= first + held) {
            c->docs[i] = (rp_doc){.file_line = 1};
            c->raws[i] = (rp_doc_raw){0};
        }
    c->count = total;
    rp_corpus_set_held(c, (uint32_t)first, (uint32_t)(first + held));
    return RP_OK;
}

void rp_corpus_set_held(rp_corpus *c, uint32_t lo, uint32_t hi)
{
    c->shared = true;
    c->held_lo = lo;
    c->held_hi = hi;
}

bool rp_corpus_held(const rp_corpus *c, uint32_t *lo, uint32_t *hi)
{
    *lo = c->shared ? c->held_lo : 0;
    *hi = c->shared ? c->held_hi : (uint32_t)c->count;
    return c->shared;
}

void rp_corpus_lend(rp_corpus *c, uint32_t id, const char *bytes, size_t len,
                    const rp_range *ignored, size_t ignored_count)
{
    rp_doc *d = &c->docs[id];
    d->bytes = bytes;
    d->len = len;
    c->raws[id].lent = true;
    if (!d->ignored && ignored_count) {
        d->ignored = ignored;
        d->ignored_count = ignored_count;
        c->raws[id].lent_ignored = true;
    }
}

void rp_corpus_unlend(rp_corpus *c, uint32_t id)
{
    if (!c->raws[id].lent)
        return;
    c->docs[id].bytes = NULL;
    c->raws[id].lent = false;
    if (c->raws[id].lent_ignored) {
        c->docs[id].ignored = NULL;
        c->docs[id].ignored_count = 0;
        c->raws[id].lent_ignored = false;
    }
}

bool rp_corpus_lent_to_file(rp_corpus *c, uint32_t id)
{
    rp_doc *d = &c->docs[id];
    rp_doc_raw *raw = &c->raws[id];
    rp_range *ign = NULL;

    if (!raw->lent || !c->text)
        return false;
    if (raw->lent_ignored && !(ign = rp_malloc(d->ignored_count * sizeof(rp_range))))
        return false;
    const char *in_file = text_to_file(c, d->bytes, d->len);
    if (!in_file) {
        rp_free(ign);
        return false;
    }
    if (ign) {
        memcpy(ign, d->ignored, d->ignored_count * sizeof(rp_range));
        d->ignored = ign;
        raw->lent_ignored = false;
    }
    d->bytes = in_file;
    raw->lent = false;
    raw->in_file = true;
    c->has_files = true;
    return true;
}

void rp_corpus_drop_text(rp_corpus *c, uint32_t id)
{
    if (c->raws[id].lent) {
        rp_corpus_unlend(c, id);
        return;
    }
    release_bytes(c, id); /* a mapping's shrinking was looked for while it was read */
    c->spent = true;
}

bool rp_corpus_whole(const rp_corpus *c)
{
    return !c->shared && !c->spent;
}

bool rp_corpus_spent(const rp_corpus *c)
{
    return c->spent;
}
