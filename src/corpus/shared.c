/*
 * shared.c - reading shared among processes (rp_corpus_read_shared): rank 0 lists the inputs
 * as rp_corpus_read would meet them (rp_inputs_list: the walk without the reading) and sends
 * the list to every process; each reads a contiguous share of it, balanced by bytes
 * (rp_corpus_read_list), so no process reads or holds the whole corpus's text. The document
 * ids are the one-process ids: a process's first id is the documents of the shares before
 * its own. Rank 0 gets every other document's name and metadata (not its text) and every
 * skipped input, in input order (the shares are contiguous and come in rank order), so the
 * report's documents and skipped inputs are those of one process.
 */
#include "corpus/corpus.h"
#include "base/exchange.h"

#include <errno.h>
#include <string.h>
#include <sys/stat.h>

/* ---- the list ---- */

static rp_status add_input(rp_inputs *in, const char *path, size_t path_len, uint64_t size,
                           const char *skip)
{
    rp_input it = {rp_strndup(path, path_len), size, skip ? rp_strdup(skip) : NULL};

    if (!it.path || (skip && !it.skip) || RP_GROW(in->items, in->cap, in->count + 1) != RP_OK) {
        rp_free(it.path);
        rp_free(it.skip);
        return RP_ENOMEM;
    }
    in->items[in->count++] = it;
    return RP_OK;
}

static rp_status add_errno(rp_inputs *in, const char *path, int err)
{
    char why[RP_WHY_LEN];
    rp_corpus_errno_reason(err, why);
    return add_input(in, path, strlen(path), 0, why);
}

typedef struct walk_ids {
    dev_t *dev;
    ino_t *ino;
    size_t depth, cap, cap2;
} walk_ids;

static bool on_walk(const walk_ids *w, const struct stat *st)
{
    for (size_t i = 0; i < w->depth; i++)
        if (w->dev[i] == st->st_dev && w->ino[i] == st->st_ino)
            return true;
    return false;
}

/* A directory's entries as read.c's walk meets them: stat, then a directory walked (a loop
 * skipped), anything but a regular file skipped with the walk's reason. */
static rp_status list_walk(rp_inputs *in, walk_ids *w, const char *dir, const struct stat *st)
{
    char **names = NULL;
    size_t count = 0, base = strlen(dir);
    rp_buf child = RP_BUF_INIT;
    rp_status rs;

    while (base > 0 && dir[base - 1] == '/')
        base--;
    if (RP_GROW(w->dev, w->cap, w->depth + 1) != RP_OK ||
        RP_GROW(w->ino, w->cap2, w->depth + 1) != RP_OK)
        return RP_ENOMEM;
    w->dev[w->depth] = st->st_dev;
    w->ino[w->depth++] = st->st_ino;
    rs = rp_corpus_list_dir(dir, &names, &count);
    if (rs == RP_EIO)
        rs = add_errno(in, dir, errno);
    for (size_t i = 0; i < count && rs == RP_OK; i++) {
        struct stat est;
        child.len = 0;
        if (rp_buf_add(&child, dir, base) != RP_OK || rp_buf_addc(&child, '/') != RP_OK ||
            rp_buf_adds(&child, names[i]) != RP_OK) {
            rs = RP_ENOMEM;
            break;
        }
        if (stat(child.data, &est) != 0)
            rs = add_errno(in, child.data, errno);
        else if (S_ISDIR(est.st_mode))
            rs = on_walk(w, &est) ? add_input(in, child.data, child.len, 0, "symbolic link loop")
                                  : list_walk(in, w, child.data, &est);
        else if (!S_ISREG(est.st_mode))
            rs = add_input(in, child.data, child.len, 0, rp_corpus_kind_reason(est.st_mode));
        else
            rs = add_input(in, child.data, child.len, (uint64_t)est.st_size, NULL);
    }
    for (size_t i = 0; i < count; i++)
        rp_free(names[i]);
    rp_free(names);
    rp_buf_release(&child);
    w->depth--;
    return rs;
}

rp_status rp_inputs_list(const char *const *paths, size_t n, rp_inputs *out)
{
    walk_ids w = {NULL, NULL, 0, 0, 0};
    rp_status rs = RP_OK;

    memset(out, 0, sizeof(*out));
    for (size_t i = 0; i < n && rs == RP_OK; i++) {
        struct stat st;
        if (strcmp(paths[i], "-") == 0)
            rs = RP_EINVAL;
        else if (stat(paths[i], &st) != 0)
            rs = add_errno(out, paths[i], errno);
        else if (S_ISDIR(st.st_mode))
            rs = list_walk(out, &w, paths[i], &st);
        else
            rs = add_input(out, paths[i], strlen(paths[i]),
                           S_ISREG(st.st_mode) ? (uint64_t)st.st_size : 0, NULL);
    }
    rp_free(w.dev);
    rp_free(w.ino);
    if (rs != RP_OK)
        rp_inputs_release(out);
    return rs;
}

void rp_inputs_release(rp_inputs *in)
{
    for (size_t i = 0; in->items && i < in->count; i++) {
        rp_free(in->items[i].path);
        rp_free(in->items[i].skip);
    }
    rp_free(in->items);
    memset(in, 0, sizeof(*in));
}

/* ---- what crosses between processes: the list, documents' metadata, skipped inputs ---- */

static rp_status put(rp_buf *b, const void *v, size_t n)
{
    return rp_buf_add(b, v, n);
}

static rp_status put_u64(rp_buf *b, uint64_t v)
{
    return put(b, &v, sizeof(v));
}

/* A string or NULL: a byte saying which, then the string and its NUL. */
static rp_status put_str(rp_buf *b, const char *s)
{
    rp_status st = rp_buf_addc(b, s ? 1 : 0);
    if (st == RP_OK && s)
        st = put(b, s, strlen(s) + 1);
    return st;
}

typedef struct reader {
    const char *at, *end;
    bool bad;
} reader;

static void get(reader *r, void *v, size_t n)
{
    if ((size_t)(r->end - r->at) < n) {
        r->bad = true;
        memset(v, 0, n);
        return;
    }
    memcpy(v, r->at, n);
    r->at += n;
}

static uint64_t get_u64(reader *r)
{
    uint64_t v;
    get(r, &v, sizeof(v));
    return v;
}

/* A string put by put_str, pointing into the buffer (NULL when it was NULL). */
static const char *get_str(reader *r)
{
    char has = 0;
    get(r, &has, 1);
    if (!has || r->bad)
        return NULL;
    const char *s = r->at, *nul = memchr(r->at, '\0', (size_t)(r->end - r->at));
    if (!nul) {
        r->bad = true;
        return NULL;
    }
    r->at = nul + 1;
    return s;
}

static rp_status pack_list(const rp_inputs *in, rp_buf *b)
{
    rp_status st = put_u64(b, in->count);
    for (size_t i = 0; i < in->count && st == RP_OK; i++) {
        st = put_u64(b, in->items[i].size);
        if (st == RP_OK)
            st = put_str(b, in->items[i].path);
        if (st == RP_OK)
            st = put_str(b, in->items[i].skip);
    }
    return st;
}

static rp_status unpack_list(const char *bytes, size_t len, rp_inputs *out)
{
    reader r = {bytes, bytes + len, false};
    uint64_t n = get_u64(&r);
    rp_status st = RP_OK;

    memset(out, 0, sizeof(*out));
    for (uint64_t i = 0; i < n && st == RP_OK && !r.bad; i++) {
        uint64_t size = get_u64(&r);
        const char *path = get_str(&r), *skip = get_str(&r);
        if (r.bad || !path)
            break;
        st = add_input(out, path, strlen(path), size, skip);
    }
    if (st == RP_OK && (r.bad || out->count != n))
        st = RP_EINVAL; /* cannot happen: the list as rank 0 sent it */
    if (st != RP_OK)
        rp_inputs_release(out);
    return st;
}

/* Documents [lo, hi)'s names and metadata, then the skipped inputs from `skipped` on. */
static rp_status pack_meta(const rp_corpus *c, uint32_t lo, uint32_t hi, size_t skipped,
                           rp_buf *b)
{
    rp_status st = put_u64(b, hi - lo);
    for (uint32_t id = lo; id < hi && st == RP_OK; id++) {
        const rp_doc *d = rp_corpus_doc(c, id);
        uint32_t u[2] = {d->file_line, d->part};
        uint8_t f[2] = {d->dated, d->date_unreadable};
        st = put_u64(b, d->len);
        if (st == RP_OK)
            st = put_u64(b, d->offset);
        if (st == RP_OK)
            st = put(b, u, sizeof(u));
        if (st == RP_OK)
            st = put(b, f, sizeof(f));
        if (st == RP_OK)
            st = put(b, &d->date, sizeof(d->date));
        if (st == RP_OK)
            st = put_u64(b, d->ignored_count);
        if (st == RP_OK && d->ignored_count)
            st = put(b, d->ignored, d->ignored_count * sizeof(rp_range));
        if (st == RP_OK)
            st = put_str(b, d->name);
        if (st == RP_OK)
            st = put_str(b, d->meta);
        if (st == RP_OK)
            st = put_str(b, d->title);
        if (st == RP_OK)
            st = put_str(b, d->series);
    }
    if (st == RP_OK)
        st = put_u64(b, rp_corpus_skipped_count(c) - skipped);
    for (size_t i = skipped; i < rp_corpus_skipped_count(c) && st == RP_OK; i++) {
        st = put_str(b, rp_corpus_skipped(c, i)->input);
        if (st == RP_OK)
            st = put_str(b, rp_corpus_skipped(c, i)->reason);
    }
    return st;
}

static char *dup_or_null(const char *s, rp_status *st)
{
    char *d = s ? rp_strdup(s) : NULL;
    if (s && !d)
        *st = RP_ENOMEM;
    return d;
}

/* Another process's documents appended to rank 0's corpus without their text, then its
 * skipped inputs. */
static rp_status unpack_meta(rp_corpus *c, const char *bytes, size_t len)
{
    reader r = {bytes, bytes + len, false};
    uint64_t n = get_u64(&r);
    rp_status st = RP_OK;

    for (uint64_t i = 0; i < n && st == RP_OK && !r.bad; i++) {
        uint64_t dlen = get_u64(&r), offset = get_u64(&r), nign;
        uint32_t u[2];
        uint8_t f[2];
        int64_t date;
        get(&r, u, sizeof(u));
        get(&r, f, sizeof(f));
        get(&r, &date, sizeof(date));
        nign = get_u64(&r);
        const char *ign = r.at;
        if (nign > (size_t)(r.end - r.at) / sizeof(rp_range)) {
            r.bad = true;
            break;
        }
        r.at += nign * sizeof(rp_range);
        const char *name = get_str(&r), *meta = get_str(&r), *title = get_str(&r),
                   *series = get_str(&r);
        if (r.bad || !name) { /* every document has a name: a message without one is damaged */
            r.bad = true;
            break;
        }
        char *nm = rp_strdup(name);
        if (!nm || (st = rp_corpus_take_absent(c, nm, (size_t)dlen)) != RP_OK) {
            st = nm ? st : RP_ENOMEM;
            break;
        }
        rp_doc *d = rp_corpus_doc_edit(c, (uint32_t)(rp_corpus_count(c) - 1));
        d->offset = (size_t)offset;
        d->file_line = u[0];
        d->part = u[1];
        d->dated = f[0];
        d->date_unreadable = f[1];
        d->date = date;
        d->meta = dup_or_null(meta, &st);
        d->title = dup_or_null(title, &st);
        d->series = dup_or_null(series, &st);
        if (nign && st == RP_OK) {
            rp_range *rg = rp_malloc(nign * sizeof(rp_range));
            if (!rg)
                st = RP_ENOMEM;
            else {
                memcpy(rg, ign, nign * sizeof(rp_range));
                d->ignored = rg;
                d->ignored_count = (size_t)nign;
            }
        }
    }
    uint64_t skips = r.bad ? 0 : get_u64(&r);
    for (uint64_t i = 0; i < skips && st == RP_OK && !r.bad; i++) {
        const char *input = get_str(&r), *reason = get_str(&r);
        if (!r.bad && input && reason)
            st = rp_corpus_skip(c, input, reason);
    }
    return st == RP_OK && r.bad ? RP_EINVAL : st;
}

/* Rank 0's block of bytes sent to every other process (collective): *out on each (OWNED). */
static rp_status broadcast(rp_group *g, const char *stage, const rp_buf *b, void **out,
                           size_t *got)
{
    size_t *counts = rp_calloc(2 * (size_t)g->n, sizeof(size_t));
    char *send = NULL;
    rp_status st = counts ? RP_OK : RP_ENOMEM;

    if (st == RP_OK && g->me == 0 && g->n > 1) {
        if (!(send = rp_malloc((size_t)(g->n - 1) * b->len + 1)))
            st = RP_ENOMEM;
        for (unsigned p = 1; st == RP_OK && p < g->n; p++) {
            memcpy(send + (size_t)(p - 1) * b->len, b->data, b->len);
            counts[p] = b->len;
        }
    }
    if ((st = rp_group_agree(g, st)) == RP_OK)
        st = rp_group_exchange(g, stage, send, counts, 1, out, counts + g->n);
    if (st == RP_OK)
        *got = counts[g->n];
    rp_free(send);
    rp_free(counts);
    return st;
}

/* The list's shares: process p reads inputs [lo[p], lo[p + 1]), cut by bytes (each input
 * weighs its size and 1) as rp_group cuts documents. */
static void cut_list(const rp_inputs *in, unsigned n, size_t *lo)
{
    uint64_t total = 0, acc = 0;
    unsigned p = 0;

    for (size_t i = 0; i < in->count; i++)
        total += in->items[i].size + 1;
    lo[0] = 0;
    for (size_t i = 0; i < in->count; i++) {
        while (p + 1 < n && acc >= total / n * (p + 1) + total % n * (p + 1) / n)
            lo[++p] = i;
        acc += in->items[i].size + 1;
    }
    while (p < n)
        lo[++p] = in->count;
}

rp_status rp_corpus_read_shared(rp_corpus *corpus, const char *const *paths, size_t n,
                                const rp_read_options *ropts, rp_exchange *ex)
{
    rp_group g;
    rp_inputs in = {NULL, 0, 0};
    rp_buf b = RP_BUF_INIT;
    void *recv = NULL;
    size_t got = 0, *share = NULL, *counts = NULL;
    uint64_t *docs = NULL;
    rp_status st = rp_group_open(&g, ex, 0, NULL, NULL);

    if (st != RP_OK)
        return st;
    if (rp_corpus_count(corpus) || rp_corpus_skipped_count(corpus))
        st = RP_EINVAL;
    /* rank 0 lists and sends the list; every process cuts it the same way */
    if (st == RP_OK && g.me == 0 && (st = rp_inputs_list(paths, n, &in)) == RP_OK)
        st = pack_list(&in, &b);
    if ((st = rp_group_agree(&g, st)) == RP_OK)
        st = broadcast(&g, "list", &b, &recv, &got);
    rp_buf_release(&b);
    if (st == RP_OK && g.me != 0)
        st = unpack_list(recv, got, &in);
    rp_free(recv);
    recv = NULL;
    share = rp_malloc(((size_t)g.n + 1) * sizeof(size_t));
    docs = rp_calloc(g.n, sizeof(uint64_t));
    counts = rp_calloc(2 * (size_t)g.n, sizeof(size_t));
    if (st == RP_OK && (!share || !docs || !counts))
        st = RP_ENOMEM;
    if ((st = rp_group_agree(&g, st)) != RP_OK)
        goto done;
    cut_list(&in, g.n, share);
    st = rp_corpus_read_list(corpus, &in, share[g.me], share[g.me + 1], ropts);
    rp_inputs_release(&in);
    /* the ids: each process's first is the documents of the shares before it */
    docs[g.me] = rp_corpus_count(corpus);
    if ((st = rp_group_agree(&g, st)) != RP_OK)
        goto done;
    if (ex->allreduce(ex->ctx, docs, g.n, RP_REDUCE_SUM) != 0) {
        st = RP_EEXCHANGE;
        goto done;
    }
    uint64_t first = 0, total = 0;
    for (unsigned p = 0; p < g.n; p++) {
        first += p < g.me ? docs[p] : 0;
        total += docs[p];
    }
    if (total > UINT32_MAX)
        st = RP_ELIMIT;
    /* rank 0 gets the others' metadata and skipped inputs, in rank order: input order */
    if (st == RP_OK && g.me != 0)
        st = pack_meta(corpus, 0, (uint32_t)rp_corpus_count(corpus), 0, &b);
    counts[0] = b.len;
    if ((st = rp_group_agree(&g, st)) == RP_OK)
        st = rp_group_exchange(&g, "metadata", b.data, counts, 1, &recv, counts + g.n);
    rp_buf_release(&b);
    if (st == RP_OK && g.me == 0) {
        uint32_t held = (uint32_t)rp_corpus_count(corpus);
        const char *at = recv;
        for (unsigned p = 1; p < g.n && st == RP_OK; p++) {
            st = unpack_meta(corpus, at, counts[g.n + p]);
            at += counts[g.n + p];
        }
        rp_corpus_set_held(corpus, 0, held);
    } else if (st == RP_OK) {
        st = rp_corpus_place(corpus, (size_t)first, (size_t)total);
    }
    rp_free(recv);
    st = rp_group_agree(&g, st);
done:
    rp_inputs_release(&in);
    rp_free(share);
    rp_free(docs);
    rp_free(counts);
    rp_group_end(&g);
    return st;
}
