/*
 * buf.c - the string buffer: a growable, always NUL-terminated byte string with printf-style
 * appending.
 */
#include "base/base.h"

#include <stdio.h>
#include <string.h>

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
