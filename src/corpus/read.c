/*
 * corpus_read.c - rp_corpus_read: turns a path into documents. "-" is stdin; a directory is
 * walked depth-first with entries in byte order (strcmp), hidden entries left out, symlinks
 * followed with loops caught by the (device, inode) pairs of the directories on the current
 * path; anything that cannot be read is recorded as skipped and the walk goes on. Each input
 * then goes to the JSONL reader, the regex splitter, the RSS/Atom reader (an XML file whose
 * root is <rss>, <feed> or <rdf:RDF>), or becomes one document. A directory's files are loaded
 * (read, decompressed, checked) by rp_read_options.threads threads kept for the whole read, a
 * window at a time (the next loading while this one is taken), and taken into the corpus in
 * walk order: the corpus is the same for any thread count. JSONL and split inputs are opened
 * there but read as they are cut, in walk order (never whole). Large plain files are mapped
 * instead of loaded (map.c); small plain ones are read into slabs the corpus keeps.
 */
#define _DEFAULT_SOURCE /* DT_REG: the kind readdir gives */
#include "corpus/corpus.h"
#include "base/pool.h"
#include "corpus/feed.h"
#include "scan/scan.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

typedef struct dir_id {
    dev_t dev;
    ino_t ino;
} dir_id;

typedef struct reader {
    rp_corpus *c;
    rp_read_options ro; /* with the default field names filled in */
    rp_splitter sp;
    size_t cap;   /* per document */
    dir_id *path; /* directories from the walk's root to here */
    size_t depth;
    size_t path_cap;
    unsigned threads; /* loading a directory's files */
    rp_pool *pool;    /* those threads, started once for the whole read */
    struct slab *slabs; /* per loading thread: small files' bytes (read.c's slab) */
} reader;

rp_status rp_read_options_check(const rp_read_options *ropts, char *msg, size_t msglen)
{
    rp_splitter sp;
    rp_annotator an;
    rp_status st = rp_splitter_init(&sp, ropts, msg, msglen);

    if (st == RP_OK)
        rp_splitter_release(&sp);
    if (st == RP_OK && (st = rp_annotator_init(&an, ropts, msg, msglen)) == RP_OK)
        rp_annotator_release(&an);
    return st;
}

static rp_status skip_errno(reader *rd, const char *input, int err)
{
    char why[RP_WHY_LEN];
    rp_corpus_errno_reason(err, why);
    return rp_corpus_skip(rd->c, input, why);
}

/* Case-insensitive suffix test. */
static bool ends_with(const char *s, size_t len, const char *suffix)
{
    size_t n = strlen(suffix);
    if (len < n)
        return false;
    for (size_t i = 0; i < n; i++) {
        char a = s[len - n + i];
        if ((a >= 'A' && a <= 'Z' ? a - 'A' + 'a' : a) != suffix[i])
            return false;
    }
    return true;
}

/* items.jsonl, items.ndjson, and either with a .gz or .zst suffix. */
static bool name_is_jsonl(const char *name)
{
    size_t len = strlen(name);
    if (ends_with(name, len, ".gz"))
        len -= 3;
    else if (ends_with(name, len, ".zst"))
        len -= 4;
    return ends_with(name, len, ".jsonl") || ends_with(name, len, ".ndjson");
}

/* Whether an input is read as JSONL (--jsonl, or its name). */
static bool read_as_jsonl(const reader *rd, const char *name)
{
    return rd->ro.jsonl || name_is_jsonl(name);
}

/* JSONL and split inputs are read as they are cut (never loaded whole). */
static bool streamed(const reader *rd, const char *name)
{
    return read_as_jsonl(rd, name) || rd->sp.has_before || rd->sp.has_after;
}

/* A streamed input from fd: JSONL lines or split parts. */
static rp_status read_streamed(reader *rd, const char *name, int fd)
{
    if (read_as_jsonl(rd, name))
        return rp_corpus_stream_jsonl(rd->c, name, fd, &rd->ro, rd->cap);
    return rp_corpus_stream_split(rd->c, name, fd, &rd->sp, rd->cap);
}

/* A loaded input (buf is taken): a feed, or a single document. */
static rp_status take_loaded(reader *rd, const char *name, rp_buf buf)
{
    char *copy;
    rp_status st;

    if (rp_corpus_is_feed(buf.data, buf.len)) {
        st = rp_corpus_read_feed(rd->c, name, buf.data, buf.len);
        rp_buf_release(&buf);
        return st;
    }
    if (!(copy = rp_strdup(name))) {
        rp_buf_release(&buf);
        return RP_ENOMEM;
    }
    return rp_corpus_take(rd->c, copy, buf.data, buf.len, 0, NULL);
}

/* A small file loaded into a slab the corpus keeps: a feed, or a single document. */
static rp_status take_in_slab(reader *rd, const char *name, rp_buf buf)
{
    char *copy;

    if (rp_corpus_is_feed(buf.data, buf.len))
        return rp_corpus_read_feed(rd->c, name, buf.data, buf.len);
    if (!(copy = rp_strdup(name)))
        return RP_ENOMEM;
    return rp_corpus_take_in_blob(rd->c, copy, buf.data, buf.len);
}

/* A mapped input (m is taken): a feed (read from the mapping, which is then let go), or a
 * single document whose bytes stay mapped. */
static rp_status take_mapped(reader *rd, const char *name, rp_mapped *m)
{
    char *copy;
    rp_status st;

    if (rp_corpus_is_feed(m->bytes, m->len)) {
        st = rp_corpus_read_feed(rd->c, name, m->bytes, m->len);
        if (rp_corpus_map_hit(m)) /* parsed partly from zeros: the file shrank meanwhile */
            rp_corpus_note_changed(rd->c, name);
        rp_corpus_unmap(m);
        return st;
    }
    if (!(copy = rp_strdup(name))) {
        rp_corpus_unmap(m);
        return RP_ENOMEM;
    }
    return rp_corpus_take_mapped(rd->c, copy, m);
}

/* Maps a regular file that needs no decoding (no gzip or zstd magic, no UTF-16 byte order
 * mark) when it is large enough (rp_corpus_map): true when mapped, or when it was found
 * binary (why set, nothing mapped); false when it is to be loaded instead. */
static bool map_plain(const reader *rd, int fd, const struct stat *st, rp_mapped *m, char *why)
{
    static const unsigned char gz[] = {0x1f, 0x8b}, zst[] = {0x28, 0xb5, 0x2f, 0xfd};

    why[0] = '\0';
    if (!S_ISREG(st->st_mode) || st->st_size <= 0 || (uintmax_t)st->st_size > rd->cap ||
        !rp_corpus_map(fd, (size_t)st->st_size, m))
        return false;
    const unsigned char *s = (const unsigned char *)m->bytes;
    if (memcmp(s, gz, 2) == 0 || (m->len >= 4 && memcmp(s, zst, 4) == 0) ||
        (s[0] == 0xff && s[1] == 0xfe) || (s[0] == 0xfe && s[1] == 0xff)) {
        rp_corpus_unmap(m); /* decoded into a buffer of its own */
        return false;
    }
    if (rp_corpus_is_binary(m->bytes, m->len)) {
        rp_corpus_unmap(m);
        snprintf(why, RP_WHY_LEN, "binary file");
    }
    return true;
}

/* One opened input: load, then take it. */
static rp_status read_fd(reader *rd, const char *name, int fd, size_t size_hint)
{
    char why[RP_WHY_LEN];
    rp_buf buf = RP_BUF_INIT;
    rp_mapped m;
    struct stat fst;
    rp_status st;

    if (streamed(rd, name))
        return read_streamed(rd, name, fd);
    if (size_hint && fstat(fd, &fst) == 0 && map_plain(rd, fd, &fst, &m, why))
        return why[0] ? rp_corpus_skip(rd->c, name, why) : take_mapped(rd, name, &m);
    if ((st = rp_corpus_load(fd, rd->cap, size_hint, &buf, why)) != RP_OK)
        return st;
    if (why[0])
        return rp_corpus_skip(rd->c, name, why);
    return take_loaded(rd, name, buf);
}

/* The bytes a regular file should hold, for the loader's first buffer (0: unknown). */
static size_t size_hint(const struct stat *st)
{
    return S_ISREG(st->st_mode) && st->st_size > 0 && (uintmax_t)st->st_size < SIZE_MAX
               ? (size_t)st->st_size
               : 0;
}

/* A file named on the command line: FIFOs and devices are read too (a walk's files are loaded
 * by load_entry). */
static rp_status read_file(reader *rd, const char *name)
{
    struct stat st;
    int fd = open(name, O_RDONLY | O_CLOEXEC);
    rp_status rs;

    if (fd < 0)
        return skip_errno(rd, name, errno);
    rs = read_fd(rd, name, fd, fstat(fd, &st) == 0 ? size_hint(&st) : 0);
    close(fd);
    return rs;
}

static int compare_names(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

typedef struct name_list {
    char **items;
    size_t count;
    size_t cap;
} name_list;

static void names_release(name_list *names)
{
    for (size_t i = 0; i < names->count; i++)
        rp_free(names->items[i]);
    rp_free(names->items);
}

/* The kind of a listed entry as the directory gave it (DT_REG, DT_DIR, ..., DT_UNKNOWN): kept
 * in the byte after its name's NUL. */
static unsigned char entry_type(const char *name)
{
    return (unsigned char)name[strlen(name) + 1];
}

/* The directory's visible entries, sorted, each with its kind after the name (entry_type);
 * RP_EIO with errno when it cannot be listed. */
static rp_status list_dir(const char *dir, name_list *names)
{
    DIR *d = opendir(dir);
    struct dirent *ent;
    int err;

    if (!d)
        return RP_EIO;
    for (;;) {
        errno = 0;
        if (!(ent = readdir(d)))
            break;
        if (ent->d_name[0] == '.')
            continue;
        size_t len = strlen(ent->d_name);
        char *name;
        if (RP_GROW(names->items, names->cap, names->count + 1) != RP_OK ||
            !(name = rp_malloc(len + 2))) {
            closedir(d);
            return RP_ENOMEM;
        }
        memcpy(name, ent->d_name, len + 1);
        name[len + 1] = (char)ent->d_type; /* past the NUL: see entry_type */
        names->items[names->count++] = name;
    }
    err = errno;
    closedir(d);
    if (err) {
        errno = err;
        return RP_EIO;
    }
    if (names->count)
        qsort(names->items, names->count, sizeof(*names->items), compare_names);
    return RP_OK;
}

void (*rp_corpus_test_after_list)(const char *dir) = NULL;

/* ---- a directory's entries: files loaded in parallel, taken in order ---- */

/* Entries loaded at once, twice this (one window taken while the next loads): bounds the
 * memory and the descriptors of loaded but not yet taken files. */
#define RP_READ_WINDOW 128

typedef struct entry {
    char *path;       /* dir/name, OWNED */
    const char *name; /* the name in the listing (stat and open relative to the window's dirfd) */
    struct stat st; /* of the path, symlinks followed */
    int stat_err;   /* errno of stat, or 0 */
    int open_err;   /* a regular file: errno of open, or 0 */
    bool irregular; /* a regular file replaced by something else after stat */
    rp_status load; /* rp_corpus_load's status */
    rp_buf buf;     /* the loaded bytes, or empty with why set */
    int fd;         /* a streamed input, opened but read only when taken (else -1) */
    rp_mapped map;  /* a mapped file (bytes NULL: none) */
    bool in_slab;   /* buf's bytes lie in a slab (never freed on their own) */
    char *new_slab; /* a slab this entry began: kept by the corpus when taken, else freed */
    char why[RP_WHY_LEN];
} entry;

/* Small plain files are read into slabs of this many bytes, one being filled per loading
 * thread, which the corpus keeps whole (rp_corpus_keep_slab; pages of their own, so that a
 * scan can have the corpus move them to a file, rp_corpus_park_begin): one allocation and a few
 * page faults for hundreds of files instead of a malloc each (whose arena grew by an mprotect every
 * other file, each blocking the other thread's page faults). */
#define RP_READ_SLAB ((size_t)4 << 20)
#define RP_READ_SMALL ((size_t)64 << 10)

typedef struct slab {
    char *data;
    size_t used;
} slab;

typedef struct window {
    const reader *rd;
    slab *slabs; /* per worker: the slab being filled (NULL: none; text_in_file) */
    entry *items;
    int dirfd; /* the directory, opened once: each file's lookup is one step, not the whole
                * path again (AT_FDCWD with -1 names: the joined paths are used) */
} window;

/* Faults in a fresh slab's pages with one call (where the kernel can) instead of a fault a
 * page as reads first write them; nothing changes if it cannot. */
static void populate(char *p, size_t len)
{
#ifdef MADV_POPULATE_WRITE
    const uintptr_t page = rp_page_size();
    uintptr_t lo = ((uintptr_t)p + page - 1) / page * page, hi = ((uintptr_t)p + len) / page * page;
    if (hi > lo)
        (void)madvise((void *)lo, hi - lo, MADV_POPULATE_WRITE);
#else
    (void)p;
    (void)len;
#endif
}

/* After a read that succeeded, the pages of each thread's last slab past what it holds are
 * handed back (madvise MADV_DONTNEED: they read as zeros if touched, and nothing touches
 * them). Populated whole when begun, a slab barely used would otherwise keep 4 MiB resident:
 * each rp_corpus_read begins slabs of its own, one a loading thread, so a scan of many small
 * directories named one by one held 4 MiB a directory (and any read, one a thread). Only on
 * success, when every slab is the corpus's: a failed read has freed some. */
static void slabs_trim(const reader *rd)
{
    for (unsigned t = 0; rd->slabs && t < rd->threads; t++)
        if (rd->slabs[t].data)
            rp_pages_discard(rd->slabs[t].data, rd->slabs[t].used, RP_READ_SLAB);
}

/* A small plain file of `size` bytes read whole into the worker's slab with one read (the
 * slab's room: the bytes, a byte more that proves the end, and the NUL): true when e->buf now
 * holds it (or, the file unable to go back to its start, e->why says so). False for anything
 * else (compressed, UTF-16, binary, not the size fstat gave, out of memory), with the file put
 * back at its start for rp_corpus_load, which decides as it always has. */
static bool load_small(window *w, unsigned worker, entry *e, int fd, size_t size)
{
    slab *sl = &w->slabs[worker];
    ssize_t n;

    if (!sl->data || RP_READ_SLAB - sl->used < size + 2) {
        char *fresh = rp_pages_alloc(RP_READ_SLAB);
        if (!fresh)
            return false;
        populate(fresh, RP_READ_SLAB);
        sl->data = e->new_slab = fresh;
        sl->used = 0;
    }
    char *p = sl->data + sl->used;
    do
        n = read(fd, p, size + 1);
    while (n < 0 && errno == EINTR);
    if (n >= 0 && (size_t)n == size) {
        p[size] = '\0';
        if (!rp_corpus_is_coded(p, size) && !rp_corpus_is_binary(p, size)) {
            e->buf = (rp_buf){.data = p, .len = size, .cap = size + 1};
            e->in_slab = true;
            sl->used += (size + 1 + 15) & ~(size_t)15;
            return true;
        }
    }
    int read_errno = errno;
    if (n != 0 && lseek(fd, 0, SEEK_SET) != 0) { /* cannot be read again from the start */
        /* the read's own error when it failed: the seek's only says it could not retry */
        rp_corpus_errno_reason(n < 0 ? read_errno : ESPIPE, e->why);
        return true;
    }
    return false;
}

/* What a walk needs of one entry, without touching the corpus (runs on any thread). */
static rp_status load_entry(void *ctx, size_t i, unsigned worker)
{
    window *w = ctx;
    entry *e = &w->items[i];
    struct stat fst;
    int fd;

    const char *at = w->dirfd == AT_FDCWD ? e->path : e->name;
    if (entry_type(e->name) == DT_REG) {
        /* listed as a regular file (not a link): opened at once, and what was opened is what
         * the fstat below describes; replaced by anything else since the listing, it is taken
         * as a stat would have found it (a directory walked, a FIFO skipped as one) */
        fd = openat(w->dirfd, at, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
        if (fd < 0) {
            e->stat_err = errno;
            return RP_OK;
        }
        if (fstat(fd, &e->st) != 0) {
            e->stat_err = errno;
            close(fd);
            return RP_OK;
        }
        if (!S_ISREG(e->st.st_mode)) {
            close(fd);
            return RP_OK;
        }
        fst = e->st;
        goto opened;
    }
    if (fstatat(w->dirfd, at, &e->st, 0) != 0) {
        e->stat_err = errno;
        return RP_OK;
    }
    if (!S_ISREG(e->st.st_mode))
        return RP_OK;
    /* O_NONBLOCK: a FIFO swapped in after the stat cannot hang the walk */
    fd = openat(w->dirfd, at, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
    if (fd < 0) {
        e->open_err = errno;
        return RP_OK;
    }
    if (fstat(fd, &fst) != 0)
        fst = e->st;
    if (!S_ISREG(fst.st_mode)) {
        e->irregular = true;
        close(fd);
        return RP_OK;
    }
opened:
    if (streamed(w->rd, e->path)) { /* read in walk order, as it is cut */
        e->fd = fd;
        return RP_OK;
    }
    if (map_plain(w->rd, fd, &fst, &e->map, e->why)) {
        close(fd); /* the mapping stays */
        return RP_OK;
    }
    if (w->slabs && fst.st_size > 0 && (uintmax_t)fst.st_size <= RP_READ_SMALL &&
        (uintmax_t)fst.st_size <= w->rd->cap && load_small(w, worker, e, fd, (size_t)fst.st_size)) {
        close(fd);
        return RP_OK;
    }
    e->load = rp_corpus_load(fd, w->rd->cap, size_hint(&fst), &e->buf, e->why);
    close(fd);
    return RP_OK;
}

static bool on_path(const reader *rd, const struct stat *st);
static const char *kind_reason(mode_t mode);
static rp_status walk_dir(reader *rd, const char *dir, const struct stat *st);

/* Takes a loaded entry into the corpus, in walk order (its buffer is taken or freed). */
static rp_status take_entry(reader *rd, entry *e)
{
    rp_buf buf = e->buf;
    char *fresh = e->new_slab;

    e->buf = (rp_buf)RP_BUF_INIT;
    e->new_slab = NULL;
    if (fresh && rp_corpus_keep_slab(rd->c, fresh, RP_READ_SLAB) != RP_OK)
        return RP_ENOMEM; /* freed; no later entry is taken */
    if (e->stat_err)
        return skip_errno(rd, e->path, e->stat_err);
    if (S_ISDIR(e->st.st_mode)) {
        if (on_path(rd, &e->st))
            return rp_corpus_skip(rd->c, e->path, "symbolic link loop");
        return walk_dir(rd, e->path, &e->st);
    }
    if (!S_ISREG(e->st.st_mode))
        return rp_corpus_skip(rd->c, e->path, kind_reason(e->st.st_mode));
    if (e->open_err)
        return skip_errno(rd, e->path, e->open_err);
    if (e->irregular)
        return rp_corpus_skip(rd->c, e->path, "not a regular file");
    if (e->fd >= 0) {
        rp_status rs = read_streamed(rd, e->path, e->fd);
        close(e->fd);
        e->fd = -1;
        return rs;
    }
    if (e->load != RP_OK) {
        rp_buf_release(&buf);
        return e->load;
    }
    if (e->why[0])
        return rp_corpus_skip(rd->c, e->path, e->why);
    if (e->map.bytes)
        return take_mapped(rd, e->path, &e->map);
    if (e->in_slab)
        return take_in_slab(rd, e->path, buf);
    return take_loaded(rd, e->path, buf);
}

static void entries_release(entry *items, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        rp_free(items[i].path);
        if (!items[i].in_slab)
            rp_buf_release(&items[i].buf);
        rp_pages_free(items[i].new_slab, RP_READ_SLAB); /* begun, not kept: the read stops */
        rp_corpus_unmap(&items[i].map);
        if (items[i].fd >= 0)
            close(items[i].fd);
    }
}

/* Entries [first, first + n) of a listing into items: paths joined ("dir" or "dir/", any
 * number of slashes, and the entry by one '/'), nothing loaded yet. */
static rp_status window_paths(const char *dir, size_t base, const name_list *names, size_t first,
                              size_t n, entry *items)
{
    size_t i;

    memset(items, 0, n * sizeof(*items));
    for (i = 0; i < n; i++)
        items[i].fd = -1;
    for (i = 0; i < n; i++) {
        rp_buf child = RP_BUF_INIT;
        if (rp_buf_add(&child, dir, base) != RP_OK || rp_buf_addc(&child, '/') != RP_OK ||
            rp_buf_adds(&child, names->items[first + i]) != RP_OK) {
            rp_buf_release(&child);
            entries_release(items, i);
            return RP_ENOMEM;
        }
        items[i].path = child.data;
        items[i].name = names->items[first + i];
    }
    return RP_OK;
}

/* Where a windowed read's items come from (a directory's listing, a list of inputs) and how
 * each is taken. Two windows of entries are held, items[0] and items[1]. */
typedef struct item_source {
    entry *items[2];
    void *load_ctx[2]; /* the pool's task's context for each window */
    rp_task_fn load;   /* loads entry i of a window (the pool's threads) */
    /* items [first, first + n) into window o's entries, nothing loaded yet */
    rp_status (*paths)(struct item_source *src, unsigned o, size_t first, size_t n);
    /* whether taking entry i of window o walks a directory (which uses the pool) */
    bool (*walks)(const struct item_source *src, unsigned o, size_t i);
    rp_status (*take)(struct item_source *src, reader *rd, unsigned o, size_t i);
} item_source;

/* The pool (made once for the whole read) and the slabs, then a buffer of two windows of cap
 * entries: NULL when memory runs out. */
static entry *windows_begin(reader *rd, size_t cap)
{
    if (!rd->pool && !(rd->pool = rp_pool_new(rd->threads)))
        return NULL;
    if (!rd->slabs && !rd->ro.text_in_file &&
        !(rd->slabs = rp_calloc(rd->threads, sizeof(*rd->slabs))))
        return NULL;
    return rp_malloc(2 * cap * sizeof(entry));
}

/* total items, a window of cap at a time, two windows held: while this thread takes one into
 * the corpus in order, the pool's other threads load the next (rp_pool_start), and this thread
 * joins them when it is done taking. An item that walks a directory is taken with the pool
 * idle: the next window's load is finished first. */
static rp_status take_windows(reader *rd, item_source *src, size_t total, size_t cap)
{
    size_t n[2] = {0, 0};
    bool pending = false; /* the other window's load is started, not finished */
    rp_status rs, ls = RP_OK;
    unsigned cur = 0;

    n[0] = cap;
    if ((rs = src->paths(src, 0, 0, n[0])) != RP_OK)
        return rs;
    rp_pool_start(rd->pool, n[0], src->load, src->load_ctx[0]);
    rs = rp_pool_finish(rd->pool);
    for (size_t first = 0; first < total; first += n[cur], cur ^= 1) {
        size_t next = first + n[cur];
        unsigned o = cur ^ 1;
        n[o] = 0;
        if (rs == RP_OK && next < total) {
            n[o] = total - next < cap ? total - next : cap;
            if ((rs = src->paths(src, o, next, n[o])) != RP_OK) {
                n[o] = 0;
            } else {
                rp_pool_start(rd->pool, n[o], src->load, src->load_ctx[o]);
                pending = true;
            }
        }
        for (size_t i = 0; i < n[cur] && rs == RP_OK; i++) {
            if (pending && src->walks(src, cur, i)) {
                ls = rp_pool_finish(rd->pool); /* the walk uses the pool */
                pending = false;
            }
            rs = src->take(src, rd, cur, i);
        }
        if (pending) {
            ls = rp_pool_finish(rd->pool);
            pending = false;
        }
        entries_release(src->items[cur], n[cur]);
        if (rs == RP_OK)
            rs = ls;
        if (rs != RP_OK) {
            entries_release(src->items[o], n[o]);
            break;
        }
    }
    return rs;
}

/* A directory's listing as an item source. */
typedef struct dir_source {
    item_source src;
    const char *dir;
    size_t base;
    const name_list *names;
} dir_source;

static rp_status dir_paths(item_source *src, unsigned o, size_t first, size_t n)
{
    const dir_source *d = (const dir_source *)src;
    return window_paths(d->dir, d->base, d->names, first, n, src->items[o]);
}

static bool dir_walks(const item_source *src, unsigned o, size_t i)
{
    const entry *e = &src->items[o][i];
    return !e->stat_err && S_ISDIR(e->st.st_mode);
}

static rp_status dir_take(item_source *src, reader *rd, unsigned o, size_t i)
{
    return take_entry(rd, &src->items[o][i]);
}

/* The listing's entries in walk order, by windows (take_windows). */
static rp_status walk_entries(reader *rd, const char *dir, int dirfd, size_t base,
                              const name_list *names)
{
    size_t total = names->count, cap = total < RP_READ_WINDOW ? total : RP_READ_WINDOW;
    entry *buf = windows_begin(rd, cap);
    if (!buf)
        return RP_ENOMEM;
    window w[2] = {{rd, rd->slabs, buf, dirfd}, {rd, rd->slabs, buf + cap, dirfd}};
    dir_source d = {{{buf, buf + cap}, {&w[0], &w[1]}, load_entry, dir_paths, dir_walks, dir_take},
                    dir, base, names};
    rp_status rs = take_windows(rd, &d.src, total, cap);
    rp_free(buf);
    return rs;
}

static rp_status walk_dir(reader *rd, const char *dir, const struct stat *st)
{
    name_list names = {NULL, 0, 0};
    size_t base = strlen(dir);
    int dirfd = AT_FDCWD;
    rp_status rs;

    while (base > 0 && dir[base - 1] == '/')
        base--;
    if (RP_GROW(rd->path, rd->path_cap, rd->depth + 1) != RP_OK)
        return RP_ENOMEM;
    rd->path[rd->depth++] = (dir_id){st->st_dev, st->st_ino};
    rs = list_dir(dir, &names);
    if (rs == RP_OK && names.count) {
        /* the directory listed: the same one, or (replaced meanwhile) one whose entries are
         * looked up by their joined paths as before */
        struct stat dst;
        dirfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (dirfd >= 0 && (fstat(dirfd, &dst) != 0 || dst.st_dev != st->st_dev ||
                           dst.st_ino != st->st_ino)) {
            close(dirfd);
            dirfd = -1;
        }
        if (dirfd < 0)
            dirfd = AT_FDCWD;
    }
    if (rs == RP_EIO)
        rs = skip_errno(rd, dir, errno);
    if (rs == RP_OK && rp_corpus_test_after_list)
        rp_corpus_test_after_list(dir);
    if (rs == RP_OK && names.count)
        rs = walk_entries(rd, dir, dirfd, base, &names);
    if (dirfd >= 0)
        close(dirfd);
    names_release(&names);
    rd->depth--;
    return rs;
}

static bool on_path(const reader *rd, const struct stat *st)
{
    for (size_t i = 0; i < rd->depth; i++) {
        if (rd->path[i].dev == st->st_dev && rd->path[i].ino == st->st_ino)
            return true;
    }
    return false;
}

static const char *kind_reason(mode_t mode)
{
    if (S_ISFIFO(mode))
        return "not a regular file (FIFO)";
    if (S_ISSOCK(mode))
        return "not a regular file (socket)";
    if (S_ISCHR(mode) || S_ISBLK(mode))
        return "not a regular file (device)";
    return "not a regular file";
}

static rp_status read_path(reader *rd, const char *path)
{
    struct stat st;

    if (strcmp(path, "-") == 0)
        return read_fd(rd, "-", STDIN_FILENO, 0);
    if (stat(path, &st) != 0)
        return skip_errno(rd, path, errno);
    if (S_ISDIR(st.st_mode))
        return walk_dir(rd, path, &st);
    return read_file(rd, path);
}

static rp_status list_entries(reader *rd, const rp_inputs *in, size_t lo, size_t hi);

/* One read into c, with the reader set up from ropts: of path (a file or a folder), or else
 * of inputs lo..hi of the list in. On failure c is as it was. */
static rp_status read_into(rp_corpus *c, const rp_read_options *ropts, const char *path,
                           const rp_inputs *in, size_t lo, size_t hi)
{
    reader rd;
    rp_corpus_mark mark;
    rp_annotator an;
    rp_status st;

    memset(&rd, 0, sizeof(rd));
    rd.c = c;
    if (ropts)
        rd.ro = *ropts;
    else
        rp_read_options_init(&rd.ro);
    if (!rd.ro.id_field)
        rd.ro.id_field = "id";
    if (!rd.ro.text_field)
        rd.ro.text_field = "text";
    rd.cap =
        rd.ro.max_doc_bytes && rd.ro.max_doc_bytes < RP_DOC_MAX ? rd.ro.max_doc_bytes : RP_DOC_MAX;
    {
        rp_options o; /* the scan's thread count rule: 0 = every core */
        rp_options_init(&o);
        o.threads = rd.ro.threads;
        rd.threads = rp_pool_threads(&o);
    }
    if ((st = rp_splitter_init(&rd.sp, &rd.ro, NULL, 0)) != RP_OK)
        return st;
    if ((st = rp_annotator_init(&an, &rd.ro, NULL, 0)) != RP_OK) {
        rp_splitter_release(&rd.sp);
        return st;
    }
    if (rd.ro.text_in_file)
        rp_corpus_text_in_file(c, rd.ro.tmp_dir);
    rp_corpus_mark_get(c, &mark);
    st = path ? read_path(&rd, path) : list_entries(&rd, in, lo, hi);
    if (st == RP_OK)
        st = rp_corpus_annotate(c, &an, mark.docs);
    if (st == RP_OK) {
        rp_corpus_release_all(c, mark.docs);
        slabs_trim(&rd);
    }
    if (st != RP_OK)
        rp_corpus_rollback(c, &mark);
    rp_annotator_release(&an);
    rp_splitter_release(&rd.sp);
    rp_free(rd.path);
    rp_pool_free(rd.pool);
    rp_free(rd.slabs); /* the slabs themselves are the corpus's */
    return st;
}

rp_status rp_corpus_read(rp_corpus *c, const char *path, const rp_read_options *ropts)
{
    return read_into(c, ropts, path, NULL, 0, 0);
}

rp_status rp_corpus_list_dir(const char *dir, char ***names, size_t *count)
{
    name_list list = {NULL, 0, 0};
    rp_status st = list_dir(dir, &list);
    int err = errno;

    if (st != RP_OK) {
        names_release(&list);
        errno = err;
        return st;
    }
    *names = list.items;
    *count = list.count;
    return RP_OK;
}

const char *rp_corpus_kind_reason(mode_t mode)
{
    return kind_reason(mode);
}

/* ---- a list of inputs (a share of rp_inputs_list's): loaded in parallel, taken in order ---- */

/* A window of listed inputs: the walk's window, and the list's items it holds (the skipped
 * ones are not loaded). */
typedef struct listed_window {
    window w;
    const rp_input *inputs;
} listed_window;

static rp_status load_listed(void *ctx, size_t i, unsigned worker)
{
    listed_window *lw = ctx;
    return lw->inputs[i].skip ? RP_OK : load_entry(&lw->w, i, worker);
}

/* Items [first, first + n) of the list into entries, nothing loaded: each path with the kind
 * byte entry_type reads after its NUL. DT_REG (opened at once, as a listed regular file is)
 * only for an input listed with bytes: a FIFO named on the command line (listed with none)
 * must not be opened by a loading thread, as the open is a FIFO's rendezvous: it would let a
 * writer blocked in its open go on, and the close that follows break its pipe before
 * read_path opens it to read. DT_UNKNOWN: stat first (an empty regular file is opened then). */
static rp_status listed_paths(const rp_input *inputs, size_t n, entry *items)
{
    memset(items, 0, n * sizeof(*items));
    for (size_t i = 0; i < n; i++)
        items[i].fd = -1;
    for (size_t i = 0; i < n; i++) {
        size_t len = strlen(inputs[i].path);
        char *p = rp_malloc(len + 2);
        if (!p) {
            entries_release(items, i);
            return RP_ENOMEM;
        }
        memcpy(p, inputs[i].path, len + 1);
        p[len + 1] = (char)(inputs[i].size ? DT_REG : DT_UNKNOWN);
        items[i].path = p;
        items[i].name = p;
    }
    return RP_OK;
}

/* A listed input taken into the corpus, as rp_corpus_read(path) would take it: the list's
 * skip; a regular file as the walk takes its entries (the same bytes, mapping and slabs);
 * anything else found there now (a FIFO or device named on the command line, or an input
 * replaced since it was listed) read as a named path is (read_path). */
static rp_status take_listed(reader *rd, const rp_input *in, entry *e)
{
    if (in->skip)
        return rp_corpus_skip(rd->c, in->path, in->skip);
    if (!e->stat_err && !S_ISREG(e->st.st_mode))
        return read_path(rd, e->path);
    return take_entry(rd, e);
}

/* A list of inputs as an item source: window o's entries are w[o].inputs'. */
typedef struct list_source {
    item_source src;
    const rp_input *first; /* the list's item lo */
    listed_window *w;      /* the two windows */
} list_source;

static rp_status list_paths(item_source *src, unsigned o, size_t first, size_t n)
{
    const list_source *l = (const list_source *)src;
    l->w[o].inputs = l->first + first;
    return listed_paths(l->w[o].inputs, n, src->items[o]);
}

static bool list_walks(const item_source *src, unsigned o, size_t i)
{
    const list_source *l = (const list_source *)src;
    const entry *e = &src->items[o][i];
    return !l->w[o].inputs[i].skip && !e->stat_err && !S_ISREG(e->st.st_mode);
}

static rp_status list_take(item_source *src, reader *rd, unsigned o, size_t i)
{
    const list_source *l = (const list_source *)src;
    return take_listed(rd, &l->w[o].inputs[i], &src->items[o][i]);
}

/* The list's items [lo, hi) in order, by windows as walk_entries takes a directory's entries. */
static rp_status list_entries(reader *rd, const rp_inputs *in, size_t lo, size_t hi)
{
    size_t total = hi - lo, cap = total < RP_READ_WINDOW ? total : RP_READ_WINDOW;
    entry *buf = windows_begin(rd, cap);
    if (!buf)
        return RP_ENOMEM;
    listed_window w[2] = {{{rd, rd->slabs, buf, AT_FDCWD}, in->items + lo},
                          {{rd, rd->slabs, buf + cap, AT_FDCWD}, in->items + lo}};
    list_source l = {
        {{buf, buf + cap}, {&w[0], &w[1]}, load_listed, list_paths, list_walks, list_take},
        in->items + lo, w};
    rp_status rs = take_windows(rd, &l.src, total, cap);
    rp_free(buf);
    return rs;
}

/* rp_corpus_read_list (reprint.h): the share read as one walk reads a directory, one pool,
 * slabs and annotation for the whole share (an rp_corpus_read an input read each on the calling
 * thread into a buffer of its own). */
rp_status rp_corpus_read_list(rp_corpus *c, const rp_inputs *in, size_t lo, size_t hi,
                              const rp_read_options *ropts)
{
    if (hi > in->count)
        hi = in->count;
    if (lo >= hi)
        return RP_OK;
    return read_into(c, ropts, NULL, in, lo, hi);
}
