/*
 * corpus_split.c - cuts one input into documents at lines that match POSIX extended regular
 * expressions: --split starts a new part at a matching line, --split-after ends the current
 * part with it. Lines end at '\n'; a trailing '\r' is not shown to the regex, so '$' works on
 * CRLF files. Blank parts are dropped and the numbering ("name#1", "name#2" ...) counts the
 * parts kept; each part records the byte offset where it starts in the input.
 */
#include "corpus/corpus.h"

#include <string.h>

rp_status rp_regex_compile(regex_t *re, const char *pattern, const char *which, char *msg,
                           size_t msglen)
{
    char err[RP_WHY_LEN];
    int rc = regcomp(re, pattern, REG_EXTENDED | REG_NEWLINE);

    if (rc == 0)
        return RP_OK;
    if (rc == REG_ESPACE)
        return RP_ENOMEM;
    regerror(rc, re, err, sizeof(err));
    if (msg && msglen)
        snprintf(msg, msglen, "invalid %s regex '%s': %s", which, pattern, err);
    return RP_EFORMAT;
}

rp_status rp_splitter_init(rp_splitter *sp, const rp_read_options *ropts, char *msg, size_t msglen)
{
    rp_status st;

    memset(sp, 0, sizeof(*sp));
    if (msg && msglen)
        msg[0] = '\0';
    if (ropts->split) {
        if ((st = rp_regex_compile(&sp->before, ropts->split, "split", msg, msglen)) != RP_OK)
            return st;
        sp->has_before = true;
    }
    if (ropts->split_after) {
        st = rp_regex_compile(&sp->after, ropts->split_after, "split-after", msg, msglen);
        if (st != RP_OK) {
            rp_splitter_release(sp);
            return st;
        }
        sp->has_after = true;
    }
    return RP_OK;
}

void rp_splitter_release(rp_splitter *sp)
{
    if (sp->has_before)
        regfree(&sp->before);
    if (sp->has_after)
        regfree(&sp->after);
    sp->has_before = sp->has_after = false;
}

/* Does the line (without its '\n' and a trailing '\r') match? *hit says; RP_ENOMEM else. */
static rp_status line_matches(const regex_t *re, const char *line, size_t len, rp_buf *scratch,
                              bool *hit)
{
    int rc;

    if (len > 0 && line[len - 1] == '\n')
        len--;
    if (len > 0 && line[len - 1] == '\r')
        len--;
    scratch->len = 0;
    if (rp_buf_add(scratch, line, len) != RP_OK)
        return RP_ENOMEM;
    rc = regexec(re, scratch->data, 0, NULL, 0);
    if (rc == REG_ESPACE)
        return RP_ENOMEM;
    *hit = rc == 0;
    return RP_OK;
}

static bool is_blank(const char *s, size_t len)
{
    for (size_t i = 0; i < len; i++) {
        if (!strchr(" \t\r\n\f\v", s[i]) || s[i] == '\0')
            return false;
    }
    return true;
}

typedef struct splitting {
    rp_corpus *c;
    const char *name;
    rp_buf *buf;
    size_t cap;
    size_t kept; /* parts numbered so far */
    size_t counted; /* lines are counted up to this offset ... */
    uint32_t line;  /* ... where this line starts (so a part knows its first line) */
} splitting;

/* The 1-based line of the input at offset off (>= the last asked for). */
static uint32_t line_at(splitting *sx, size_t off)
{
    const char *p = sx->buf->data + sx->counted, *end = sx->buf->data + off;

    while (p < end && (p = memchr(p, '\n', (size_t)(end - p))) != NULL) {
        p++;
        sx->line++;
    }
    sx->counted = off;
    return sx->line;
}

/* Adds bytes [start, end) as the next part unless it is blank. */
static rp_status emit(splitting *sx, size_t start, size_t end)
{
    rp_buf name = RP_BUF_INIT;
    char why[RP_WHY_LEN], *bytes;
    rp_status st;

    if (is_blank(sx->buf->data + start, end - start))
        return RP_OK;
    sx->kept++;
    if (rp_buf_addf(&name, "%s#%zu", sx->name, sx->kept) != RP_OK)
        return RP_ENOMEM;
    if (end - start > sx->cap) {
        rp_corpus_limit_reason(sx->cap, why);
        st = rp_corpus_skip(sx->c, name.data, why);
        rp_buf_release(&name);
        return st;
    }
    bytes = rp_strndup(sx->buf->data + start, end - start);
    if (!bytes) {
        rp_buf_release(&name);
        return RP_ENOMEM;
    }
    st = rp_corpus_take(sx->c, name.data, bytes, end - start, start, NULL);
    if (st == RP_OK)
    {
        rp_doc *d = rp_corpus_doc_edit(sx->c, (uint32_t)(rp_corpus_count(sx->c) - 1));
        d->file_line = line_at(sx, start);
        d->part = (uint32_t)sx->kept;
    }
    return st;
}

rp_status rp_corpus_read_split(rp_corpus *c, const char *name, rp_buf *buf, const rp_splitter *sp,
                               size_t cap)
{
    splitting sx = {c, name, buf, cap, 0, 0, 1};
    rp_buf scratch = RP_BUF_INIT;
    size_t start = 0, ls, le;
    const char *nl;
    bool hit;
    rp_status st = RP_OK;

    for (ls = 0; ls < buf->len && st == RP_OK; ls = le) {
        nl = memchr(buf->data + ls, '\n', buf->len - ls);
        le = nl ? (size_t)(nl - buf->data) + 1 : buf->len;
        if (sp->has_before && ls > start) {
            st = line_matches(&sp->before, buf->data + ls, le - ls, &scratch, &hit);
            if (st == RP_OK && hit) {
                st = emit(&sx, start, ls);
                start = ls;
            }
        }
        if (st == RP_OK && sp->has_after) {
            st = line_matches(&sp->after, buf->data + ls, le - ls, &scratch, &hit);
            if (st == RP_OK && hit) {
                st = emit(&sx, start, le);
                start = le;
            }
        }
    }
    if (st == RP_OK)
        st = emit(&sx, start, buf->len);
    rp_buf_release(&scratch);
    rp_buf_release(buf);
    return st;
}
