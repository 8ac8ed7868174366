/*
 * corpus_split.c - cuts one input into documents at lines that match POSIX extended regular
 * expressions: --split starts a new part at a matching line, --split-after ends the current
 * part with it. Lines end at '\n'; a trailing '\r' is not shown to the regex, so '$' works on
 * CRLF files. Blank parts are dropped and the numbering ("name#1", "name#2" ...) counts the
 * parts kept; each part records the byte offset where it starts in the input. A file is cut as
 * it is read (rp_corpus_stream_split): a part longer than the per-document cap is let go as it
 * comes and skipped under its number, and a line longer than the cap is never tested.
 */
#include "corpus/corpus.h"

#include <string.h>

/* The end of the bracket expression opening at p ('['), or NULL when it does not close: a
 * leading ']' (after an optional '^') is literal, and [:class:], [=equiv=], [.coll.] nest. */
static const char *bracket_end(const char *p)
{
    p++;
    if (*p == '^')
        p++;
    if (*p == ']')
        p++;
    for (; *p && *p != ']'; p++) {
        if (*p == '[' && (p[1] == ':' || p[1] == '=' || p[1] == '.')) {
            char close = p[1];
            const char *q = p + 2;
            while (*q && !(q[0] == close && q[1] == ']'))
                q++;
            if (!*q)
                return NULL;
            p = q + 1;
        }
    }
    return *p ? p : NULL;
}

/* The first back-reference (\1 .. \9) outside bracket expressions, or NULL. POSIX leaves them
 * out of extended expressions; glibc accepts them, and matching with them is exponential in
 * the worst case ('(a*)*\1$' on a line of a's runs for minutes). */
static const char *find_backref(const char *pattern)
{
    for (const char *p = pattern; *p; p++) {
        if (*p == '\\') {
            if (p[1] >= '1' && p[1] <= '9')
                return p;
            if (p[1])
                p++;
        } else if (*p == '[') {
            const char *end = bracket_end(p);
            if (!end)
                return NULL; /* regcomp reports the unmatched '[' */
            p = end;
        }
    }
    return NULL;
}

rp_status rp_regex_compile(regex_t *re, const char *pattern, const char *which, char *msg,
                           size_t msglen)
{
    char err[RP_WHY_LEN];
    const char *backref = find_backref(pattern);
    int rc;

    if (backref) {
        if (msg && msglen)
            snprintf(msg, msglen,
                     "invalid %s regex '%s': back-reference \\%c is not part of POSIX extended "
                     "regular expressions",
                     which, pattern, backref[1]);
        return RP_EFORMAT;
    }
    rc = regcomp(re, pattern, REG_EXTENDED | REG_NEWLINE);

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

/* An input being cut, a buffer or a stream (rp_corpus_load_stream): the bytes not let go yet
 * are data[0, len), and the current part starts at data[0] or later. */
typedef struct splitting {
    rp_corpus *c;
    const char *name;
    const rp_splitter *sp;
    size_t cap;
    rp_buf scratch;
    const char *data;
    size_t base;       /* input offset of data[0] */
    size_t kept;       /* parts numbered so far */
    size_t pos;        /* data offset of the first line not yet tested */
    size_t counted;    /* lines are counted up to this data offset ... */
    uint32_t line;     /* ... where this line starts (so a part knows its first line) */
    bool dropping;     /* the current part is longer than cap: its bytes are let go as read */
    bool dropped_text; /* ... and some of them were not blank */
    bool long_line;    /* ... and the line being read is too: let go up to its end */
} splitting;

/* The 1-based line of the input at data offset off (>= the last asked for). */
static uint32_t line_at(splitting *sx, size_t off)
{
    const char *p = sx->data + sx->counted, *end = sx->data + off;

    while (p < end && (p = memchr(p, '\n', (size_t)(end - p))) != NULL) {
        p++;
        sx->line++;
    }
    sx->counted = off;
    return sx->line;
}

/* Adds data [start, end) as the next part unless it is blank. */
static rp_status emit(splitting *sx, size_t start, size_t end)
{
    rp_buf name = RP_BUF_INIT;
    char why[RP_WHY_LEN], *bytes;
    rp_status st;

    if (is_blank(sx->data + start, end - start))
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
    bytes = rp_strndup(sx->data + start, end - start);
    if (!bytes) {
        rp_buf_release(&name);
        return RP_ENOMEM;
    }
    st = rp_corpus_take(sx->c, name.data, bytes, end - start, sx->base + start, NULL);
    if (st == RP_OK) {
        rp_doc *d = rp_corpus_doc_edit(sx->c, (uint32_t)(rp_corpus_count(sx->c) - 1));
        d->file_line = line_at(sx, start);
        d->part = (uint32_t)sx->kept;
    }
    return st;
}

/* Lets data [from, to) of a part being dropped go (remembering whether it was blank). */
static void drop(splitting *sx, size_t from, size_t to)
{
    if (!sx->dropped_text && !is_blank(sx->data + from, to - from))
        sx->dropped_text = true;
}

/* Ends the current part at data offset end: emitted, or (dropping) skipped as too long. */
static rp_status end_part(splitting *sx, size_t start, size_t end)
{
    char why[RP_WHY_LEN];
    rp_buf name = RP_BUF_INIT;
    rp_status st;

    if (!sx->dropping)
        return emit(sx, start, end);
    drop(sx, start, end);
    sx->dropping = false;
    if (!sx->dropped_text)
        return RP_OK;
    sx->kept++;
    if (rp_buf_addf(&name, "%s#%zu", sx->name, sx->kept) != RP_OK)
        return RP_ENOMEM;
    rp_corpus_limit_reason(sx->cap, why);
    st = rp_corpus_skip(sx->c, name.data, why);
    rp_buf_release(&name);
    return st;
}

/* Does the line data [ls, le) match re? A line longer than cap never does. */
static rp_status matches(splitting *sx, const regex_t *re, size_t ls, size_t le, bool *hit)
{
    *hit = false;
    if (le - ls > sx->cap)
        return RP_OK;
    return line_matches(re, sx->data + ls, le - ls, &sx->scratch, hit);
}

/* rp_corpus_sink: tests each complete line, cuts the parts they end, and keeps the current
 * part (and an unfinished line) unless it is already longer than cap: then its bytes are let
 * go as they come and it is skipped under its number when it ends. */
static rp_status split_sink(void *ctx, const char *data, size_t len, bool eof, size_t *used)
{
    splitting *sx = ctx;
    size_t start = 0, ls = sx->pos, le;
    const char *nl;
    bool hit;
    rp_status st = RP_OK;

    sx->data = data;
    if (sx->long_line) { /* the rest of a line too long to test */
        nl = memchr(data, '\n', len);
        ls = start = nl ? (size_t)(nl - data) + 1 : len;
        drop(sx, 0, start);
        sx->long_line = !nl && !eof;
    }
    for (; ls < len && st == RP_OK; ls = le) {
        nl = memchr(data + ls, '\n', len - ls);
        if (!nl && !eof)
            break;
        le = nl ? (size_t)(nl - data) + 1 : len;
        if (sx->sp->has_before && (ls > start || sx->dropping)) {
            st = matches(sx, &sx->sp->before, ls, le, &hit);
            if (st == RP_OK && hit) {
                st = end_part(sx, start, ls);
                start = ls;
            }
        }
        if (st == RP_OK && sx->sp->has_after) {
            st = matches(sx, &sx->sp->after, ls, le, &hit);
            if (st == RP_OK && hit) {
                st = end_part(sx, start, le);
                start = le;
            }
        }
    }
    if (st == RP_OK && eof) {
        st = end_part(sx, start, len);
        start = ls = len;
    } else if (st == RP_OK && !sx->long_line) {
        if (!sx->dropping && (ls - start > sx->cap || len - ls > sx->cap)) {
            sx->dropping = true; /* too long whatever ends it */
            sx->dropped_text = false;
        }
        if (sx->dropping) {
            drop(sx, start, ls);
            start = ls;
            if (len - ls > sx->cap) { /* an unfinished line too long to test */
                drop(sx, ls, len);
                sx->long_line = true;
                start = ls = len;
            }
        }
    }
    line_at(sx, start);
    sx->counted = 0;
    sx->base += start;
    sx->pos = ls - start;
    *used = start;
    return st;
}

static void splitting_init(splitting *sx, rp_corpus *c, const char *name, const rp_splitter *sp,
                           size_t cap)
{
    memset(sx, 0, sizeof(*sx));
    sx->c = c;
    sx->name = name;
    sx->sp = sp;
    sx->cap = cap;
    sx->scratch = (rp_buf)RP_BUF_INIT;
    sx->line = 1;
}

rp_status rp_corpus_read_split(rp_corpus *c, const char *name, rp_buf *buf, const rp_splitter *sp,
                               size_t cap)
{
    splitting sx;
    size_t used;
    rp_status st;

    splitting_init(&sx, c, name, sp, cap);
    st = split_sink(&sx, buf->data ? buf->data : "", buf->len, true, &used);
    rp_buf_release(&sx.scratch);
    rp_buf_release(buf);
    return st;
}

rp_status rp_corpus_stream_split(rp_corpus *c, const char *name, int fd, const rp_splitter *sp,
                                 size_t cap)
{
    char why[RP_WHY_LEN];
    rp_corpus_mark mark;
    splitting sx;
    rp_status st;

    splitting_init(&sx, c, name, sp, cap);
    rp_corpus_mark_get(c, &mark);
    st = rp_corpus_load_stream(fd, 2 * cap + 2, split_sink, &sx, why);
    rp_buf_release(&sx.scratch);
    if (st != RP_OK || !why[0])
        return st;
    rp_corpus_rollback(c, &mark); /* the input is skipped whole */
    return rp_corpus_skip(c, name, why);
}
