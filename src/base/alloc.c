/*
 * alloc.c - allocation wrappers with failure injection (so tests can make the N-th allocation
 * fail and check that every RP_ENOMEM path frees what it took) and overflow-checked growable
 * arrays.
 */
#define _DEFAULT_SOURCE /* madvise(MADV_DONTNEED): glibc's posix_madvise ignores DONTNEED */
#include "base/base.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

static size_t page_bytes;
static pthread_once_t page_once = PTHREAD_ONCE_INIT;

static void page_init(void)
{
    long p = sysconf(_SC_PAGESIZE);
    page_bytes = p > 0 ? (size_t)p : 4096;
}

size_t rp_page_size(void)
{
    pthread_once(&page_once, page_init);
    return page_bytes;
}

void rp_pages_discard(void *buf, size_t from, size_t to)
{
    const uintptr_t page = rp_page_size();
    uintptr_t lo = ((uintptr_t)buf + from + page - 1) / page * page;
    uintptr_t hi = ((uintptr_t)buf + to) / page * page;
    if (hi > lo)
        (void)madvise((void *)lo, hi - lo, MADV_DONTNEED);
}

static unsigned long alloc_fail_at; /* 0: never fail */
static atomic_ulong alloc_made; /* pool threads allocate too */

void rp_alloc_fail_after(unsigned long n)
{
    alloc_fail_at = n;
    atomic_store_explicit(&alloc_made, 0, memory_order_relaxed);
}

unsigned long rp_alloc_count(void)
{
    return atomic_load_explicit(&alloc_made, memory_order_relaxed);
}

/* True when this allocation must fail (tests only; a plain counter when injection is off). */
static int alloc_should_fail(void)
{
    unsigned long made = atomic_fetch_add_explicit(&alloc_made, 1, memory_order_relaxed) + 1;
    return alloc_fail_at != 0 && made >= alloc_fail_at;
}

void *rp_malloc(size_t size)
{
    if (alloc_should_fail())
        return NULL;
    return malloc(size ? size : 1);
}

void *rp_calloc(size_t count, size_t size)
{
    if (alloc_should_fail())
        return NULL;
    return calloc(count ? count : 1, size ? size : 1);
}

void *rp_realloc(void *ptr, size_t size)
{
    if (alloc_should_fail())
        return NULL;
    return realloc(ptr, size ? size : 1);
}

void rp_free(void *ptr)
{
    free(ptr);
}

void *rp_pages_alloc(size_t len)
{
    if (alloc_should_fail())
        return NULL;
    void *p = mmap(NULL, len ? len : 1, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    return p == MAP_FAILED ? NULL : p;
}

void rp_pages_free(void *p, size_t len)
{
    if (p)
        (void)munmap(p, len ? len : 1);
}

char *rp_strndup(const char *s, size_t len)
{
    char *copy = len < SIZE_MAX ? rp_malloc(len + 1) : NULL;
    if (copy) {
        memcpy(copy, s, len);
        copy[len] = '\0';
    }
    return copy;
}

char *rp_strdup(const char *s)
{
    return rp_strndup(s, strlen(s));
}

rp_status rp_grow(void **items, size_t *cap, size_t need, size_t elem)
{
    size_t new_cap, bytes;
    void *grown;

    if (need <= *cap)
        return RP_OK;
    new_cap = *cap < 8 ? 8 : *cap + *cap / 2;
    if (new_cap < need)
        new_cap = need;
    if (!rp_mul_ok(new_cap, elem, &bytes))
        return RP_ENOMEM;
    grown = rp_realloc(*items, bytes);
    if (!grown)
        return RP_ENOMEM;
    *items = grown;
    *cap = new_cap;
    return RP_OK;
}
