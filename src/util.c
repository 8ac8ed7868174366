/*
 * util.c - allocation wrappers with failure injection, growable arrays, the string buffer,
 * and the small public odds and ends (status strings, version, option defaults).
 */
#include "internal.h"
#include "version.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static unsigned long alloc_fail_at; /* 0: never fail */
static unsigned long alloc_made;

void rp_alloc_fail_after(unsigned long n)
{
    alloc_fail_at = n;
    alloc_made = 0;
}

unsigned long rp_alloc_count(void)
{
    return alloc_made;
}

/* True when this allocation must fail (tests only; a plain counter when injection is off). */
static int alloc_should_fail(void)
{
    alloc_made++;
    return alloc_fail_at != 0 && alloc_made >= alloc_fail_at;
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

void rp_buf_release(rp_buf *buf)
{
    rp_free(buf->data);
    buf->data = NULL;
    buf->len = buf->cap = 0;
}

rp_status rp_buf_add(rp_buf *buf, const void *data, size_t len)
{
    if (len == SIZE_MAX || buf->len > SIZE_MAX - len - 1)
        return RP_ENOMEM;
    if (RP_GROW(buf->data, buf->cap, buf->len + len + 1) != RP_OK)
        return RP_ENOMEM;
    if (len)
        memcpy(buf->data + buf->len, data, len);
    buf->len += len;
    buf->data[buf->len] = '\0';
    return RP_OK;
}

rp_status rp_buf_adds(rp_buf *buf, const char *s)
{
    return rp_buf_add(buf, s, strlen(s));
}

rp_status rp_buf_addc(rp_buf *buf, char c)
{
    return rp_buf_add(buf, &c, 1);
}

rp_status rp_buf_vaddf(rp_buf *buf, const char *fmt, va_list ap)
{
    va_list again;
    int n;

    va_copy(again, ap);
    n = vsnprintf(NULL, 0, fmt, again);
    va_end(again);
    if (n < 0)
        return RP_EINVAL;
    if (buf->len > SIZE_MAX - (size_t)n - 1 ||
        RP_GROW(buf->data, buf->cap, buf->len + (size_t)n + 1) != RP_OK)
        return RP_ENOMEM;
    vsnprintf(buf->data + buf->len, (size_t)n + 1, fmt, ap);
    buf->len += (size_t)n;
    return RP_OK;
}

rp_status rp_buf_addf(rp_buf *buf, const char *fmt, ...)
{
    va_list ap;
    rp_status st;

    va_start(ap, fmt);
    st = rp_buf_vaddf(buf, fmt, ap);
    va_end(ap);
    return st;
}

rp_status rp_buf_detach(rp_buf *buf, char **out)
{
    if (!buf->data && rp_buf_add(buf, "", 0) != RP_OK)
        return RP_ENOMEM;
    *out = buf->data;
    buf->data = NULL;
    buf->len = buf->cap = 0;
    return RP_OK;
}

const char *rp_strerror(rp_status status)
{
    switch (status) {
    case RP_OK: return "success";
    case RP_ENOMEM: return "out of memory";
    case RP_EIO: return "input/output error";
    case RP_EUTF8: return "invalid UTF-8";
    case RP_EINVAL: return "invalid argument";
    case RP_ELIMIT: return "size limit exceeded";
    case RP_EFORMAT: return "malformed input";
    case RP_ENOTFOUND: return "not found";
    case RP_EBUDGET: return "over the memory budget";
    }
    return "unknown status";
}

const char *rp_version(void)
{
    return RP_VERSION_STRING;
}

const char *rp_kind_name(rp_kind kind)
{
    switch (kind) {
    case RP_KIND_REPRINT: return "reprint";
    case RP_KIND_INTERNAL: return "internal";
    case RP_KIND_BOILERPLATE: return "boilerplate";
    }
    return "unknown";
}

rp_status rp_kind_parse(const char *name, rp_kind *out)
{
    for (rp_kind k = RP_KIND_REPRINT; k <= RP_KIND_BOILERPLATE; k++) {
        if (strcmp(name, rp_kind_name(k)) == 0) {
            *out = k;
            return RP_OK;
        }
    }
    return RP_EINVAL;
}

void rp_options_init(rp_options *opts)
{
    memset(opts, 0, sizeof(*opts));
    opts->fold_case = true;
    opts->fold_marks = true;
    opts->fold_quotes = true;
    opts->fold_spelling = true;
    opts->shingle = 5;
    opts->window = 4;
    opts->min_tokens = 10;
    opts->min_identity = 0.6;
    opts->max_df = 50;
    opts->boilerplate_docs = 5;
    opts->boilerplate_tokens = 40;
    opts->threads = 0;
    opts->kinds = RP_KINDS_ALL;
    opts->max_passages = 0; /* every passage: the report is complete unless asked otherwise */
}

rp_status rp_options_check(const rp_options *opts)
{
    if (opts->shingle < 1 || opts->shingle > 64 || opts->window < 1 || opts->window > 1024)
        return RP_EINVAL;
    if (!(opts->min_identity >= 0.0 && opts->min_identity <= 1.0))
        return RP_EINVAL;
    if (opts->max_df < 2 || opts->min_tokens < 1 || opts->boilerplate_docs < 2)
        return RP_EINVAL;
    if (opts->threads > 1024)
        return RP_EINVAL;
    if (opts->kinds == 0 || (opts->kinds & ~RP_KINDS_ALL) != 0)
        return RP_EINVAL;
    return RP_OK;
}

void rp_read_options_init(rp_read_options *ropts)
{
    memset(ropts, 0, sizeof(*ropts));
    ropts->id_field = "id";
    ropts->text_field = "text";
}
