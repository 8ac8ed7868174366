/*
 * spill.c - temporary files for what does not fit in memory (spill.h): made in a private
 * mkdtemp directory, unlinked at once, written with pwrite at offsets reserved atomically.
 */
#define _DEFAULT_SOURCE /* mkdtemp */
#include "base/spill.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

struct rp_spill {
    size_t files;
    int *fd;
    _Atomic uint64_t *end; /* per file: bytes reserved */
    atomic_int err;
};

const char *rp_spill_dir(const char *dir)
{
    if (dir && *dir)
        return dir;
    const char *env = getenv("TMPDIR");
    return env && *env ? env : "/tmp";
}

rp_status rp_spill_open(const char *dir, size_t files, rp_spill **out)
{
    const char *base = rp_spill_dir(dir);
    char path[PATH_MAX];
    rp_spill *s;
    int n = snprintf(path, sizeof(path), "%s/reprint-spill-XXXXXX", base);

    *out = NULL;
    if (n < 0 || (size_t)n >= sizeof(path) - 32) {
        errno = ENAMETOOLONG;
        return RP_EIO;
    }
    s = rp_calloc(1, sizeof(*s));
    if (!s)
        return RP_ENOMEM;
    s->fd = rp_malloc((files ? files : 1) * sizeof(int));
    s->end = rp_calloc(files ? files : 1, sizeof(*s->end));
    if (!s->fd || !s->end) {
        rp_free(s->fd);
        rp_free((void *)s->end);
        rp_free(s);
        return RP_ENOMEM;
    }
    for (size_t f = 0; f < files; f++)
        s->fd[f] = -1;
    s->files = files;
    if (!mkdtemp(path)) { /* 0700: nobody else can list or open what is inside */
        int e = errno;
        rp_spill_close(s);
        errno = e;
        return RP_EIO;
    }
    size_t len = strlen(path);
    int e = 0;
    for (size_t f = 0; f < files && !e; f++) {
        snprintf(path + len, sizeof(path) - len, "/%zu", f);
        s->fd[f] = open(path, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
        if (s->fd[f] < 0)
            e = errno;
        else
            unlink(path); /* open files only from here: nothing to clean up later */
    }
    path[len] = '\0';
    rmdir(path);
    if (e) {
        rp_spill_close(s);
        errno = e;
        return RP_EIO;
    }
    *out = s;
    return RP_OK;
}

static rp_status fail(rp_spill *s, int e)
{
    int none = 0;
    atomic_compare_exchange_strong(&s->err, &none, e);
    errno = e;
    return RP_EIO;
}

rp_status rp_spill_append(rp_spill *s, size_t f, const void *data, size_t bytes, uint64_t *at)
{
    uint64_t off = atomic_fetch_add(&s->end[f], bytes);
    const char *p = data;
    *at = off;
    while (bytes > 0) {
        ssize_t w = pwrite(s->fd[f], p, bytes, (off_t)off);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            return fail(s, w < 0 ? errno : ENOSPC);
        p += w;
        off += (uint64_t)w;
        bytes -= (size_t)w;
    }
    return RP_OK;
}

rp_status rp_spill_read(rp_spill *s, size_t f, uint64_t at, void *buf, size_t bytes)
{
    char *p = buf;
    while (bytes > 0) {
        ssize_t r = pread(s->fd[f], p, bytes, (off_t)at);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0)
            return fail(s, r < 0 ? errno : EIO);
        p += r;
        at += (uint64_t)r;
        bytes -= (size_t)r;
    }
    return RP_OK;
}

uint64_t rp_spill_size(const rp_spill *s, size_t f)
{
    return atomic_load(&((rp_spill *)s)->end[f]);
}

uint64_t rp_spill_bytes(const rp_spill *s)
{
    uint64_t n = 0;
    for (size_t f = 0; f < s->files; f++)
        n += atomic_load(&s->end[f]);
    return n;
}

int rp_spill_errno(const rp_spill *s)
{
    return atomic_load(&((rp_spill *)s)->err);
}

int rp_spill_fd(const rp_spill *s, size_t f)
{
    return s->fd[f];
}

void rp_spill_drop(rp_spill *s, size_t f)
{
    if (s->fd[f] >= 0)
        (void)!ftruncate(s->fd[f], 0);
}

void rp_spill_close(rp_spill *s)
{
    if (!s)
        return;
    for (size_t f = 0; f < s->files; f++)
        if (s->fd[f] >= 0)
            close(s->fd[f]);
    rp_free(s->fd);
    rp_free((void *)s->end);
    rp_free(s);
}
