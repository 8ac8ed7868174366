/*
 * base.h - private: what every stage of the library uses, never installed: allocation (with a
 * failure-injection hook for tests), overflow-checked growable arrays, and a string buffer.
 * Every allocation in the library goes through rp_malloc/rp_realloc/rp_free so that tests can
 * make the N-th one fail and check that each RP_ENOMEM path frees what it took.
 */
#ifndef REPRINT_BASE_H
#define REPRINT_BASE_H

#include "reprint.h"

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

/* ---- allocation ---- */

void *rp_malloc(size_t size);
void *rp_calloc(size_t count, size_t size);
void *rp_realloc(void *ptr, size_t size);
void rp_free(void *ptr);
char *rp_strdup(const char *s);
char *rp_strndup(const char *s, size_t len);

/* The system's page size (set once, safe from any thread). */
size_t rp_page_size(void);
/* Hands the whole pages inside buf's bytes [from, to) back to the system (madvise
 * MADV_DONTNEED): memory the caller is done with but frees later; those pages read as zeros if
 * touched again. Advice: a failure only keeps them resident. */
void rp_pages_discard(void *buf, size_t from, size_t to);
/* `len` bytes of zeroed pages of their own (an anonymous mapping, page-aligned), counted as an
 * allocation (rp_alloc_fail_after), or NULL: memory whose pages may later be replaced in place
 * (a corpus slab moved to a file). Freed with rp_pages_free(p, len); NULL is fine. */
void *rp_pages_alloc(size_t len);
void rp_pages_free(void *p, size_t len);

/* Tests only: the n-th allocation from now on fails (1 = the next one); 0 turns failures off.
 * rp_alloc_count() says how many allocations were made since the last call to set. */
void rp_alloc_fail_after(unsigned long n);
unsigned long rp_alloc_count(void);

/* Overflow-checked a * b: false when it overflows. */
static inline int rp_mul_ok(size_t a, size_t b, size_t *out)
{
    if (b != 0 && a > SIZE_MAX / b)
        return 0;
    *out = a * b;
    return 1;
}

/*
 * Makes room for at least `need` elements of `elem` bytes in *items (capacity *cap), growing
 * by 1.5x. On failure *items and *cap are unchanged and RP_ENOMEM is returned.
 */
rp_status rp_grow(void **items, size_t *cap, size_t need, size_t elem);

/* Typed convenience: RP_GROW(vec.items, vec.cap, n) */
#define RP_GROW(items, cap, need) rp_grow((void **)&(items), &(cap), (need), sizeof(*(items)))

/* ---- string buffer (always NUL-terminated once anything was added) ---- */

typedef struct rp_buf {
    char *data;
    size_t len;
    size_t cap;
} rp_buf;

#define RP_BUF_INIT {NULL, 0, 0}

void rp_buf_release(rp_buf *buf);
rp_status rp_buf_add(rp_buf *buf, const void *data, size_t len);
rp_status rp_buf_adds(rp_buf *buf, const char *s);
rp_status rp_buf_addc(rp_buf *buf, char c);
rp_status rp_buf_addf(rp_buf *buf, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;
rp_status rp_buf_vaddf(rp_buf *buf, const char *fmt, va_list ap)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 0)))
#endif
    ;
/* Detaches the buffer's string (OWNED, rp_free) and resets the buffer. Never NULL on RP_OK. */
rp_status rp_buf_detach(rp_buf *buf, char **out);

#endif /* REPRINT_BASE_H */
