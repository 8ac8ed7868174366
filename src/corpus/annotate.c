/*
 * annotate.c - what a document is called, when it was written, whose it is, and which of its
 * lines matching must not see: rp_corpus_read fills in rp_doc's title, date, series and
 * ignored ranges once an input is read. The metadata (JSONL fields, a feed item's date) is
 * parsed once a document; the regexes (--series on the name, --ignore-lines and the line
 * that --split-after ends a part with) run line by line over the document's own bytes.
 */
#include "corpus/corpus.h"

#include <jansson.h>
#include <string.h>

/* A title is cut at a word to at most this many code points. */
#define TITLE_MAX 120

rp_status rp_annotator_init(rp_annotator *an, const rp_read_options *ro, char *msg, size_t msglen)
{
    rp_status st = RP_OK;

    memset(an, 0, sizeof(*an));
    an->ro = ro;
    if (ro->series &&
        (st = rp_regex_compile(&an->series, ro->series, "series", msg, msglen)) == RP_OK)
        an->has_series = true;
    if (st == RP_OK && ro->ignore_lines &&
        (st = rp_regex_compile(&an->ignore, ro->ignore_lines, "ignore-lines", msg, msglen)) ==
            RP_OK)
        an->has_ignore = true;
    if (st == RP_OK && ro->split_after &&
        (st = rp_regex_compile(&an->after, ro->split_after, "split-after", msg, msglen)) == RP_OK)
        an->has_after = true;
    if (st != RP_OK)
        rp_annotator_release(an);
    return st;
}

void rp_annotator_release(rp_annotator *an)
{
    if (an->has_series)
        regfree(&an->series);
    if (an->has_ignore)
        regfree(&an->ignore);
    if (an->has_after)
        regfree(&an->after);
    an->has_series = an->has_ignore = an->has_after = false;
}

static bool is_space(char c)
{
    return c == ' ' || c == '\t' || c == '\r' || c == '\f' || c == '\v';
}

/* The first non-blank line of s, trimmed, cut at a word to TITLE_MAX code points; *out stays
 * NULL when s is blank. */
static rp_status make_title(const char *s, size_t len, const char **out)
{
    size_t i = 0, end, cut = 0, last_space = 0, points = 0;

    while (i < len && (is_space(s[i]) || s[i] == '\n'))
        i++;
    end = i;
    while (end < len && s[end] != '\n' && s[end] != '\0')
        end++;
    while (end > i && is_space(s[end - 1]))
        end--;
    if (end == i)
        return RP_OK;
    for (cut = i; cut < end; cut++) {
        if (((unsigned char)s[cut] & 0xC0) == 0x80)
            continue; /* a continuation byte: the code point was counted at its lead */
        if (points++ == TITLE_MAX)
            break;
        if (is_space(s[cut]))
            last_space = cut;
    }
    if (cut < end && last_space > i)
        cut = last_space; /* cut at the last word boundary that fits */
    while (cut > i && is_space(s[cut - 1]))
        cut--;
    *out = rp_strndup(s + i, cut - i);
    return *out ? RP_OK : RP_ENOMEM;
}

/* A metadata value as a name: a string as it is, an integer in decimal; NULL otherwise. */
static rp_status value_text(json_t *v, char **out)
{
    rp_buf b = RP_BUF_INIT;

    *out = NULL;
    if (json_is_string(v) && json_string_length(v) > 0)
        *out = rp_strndup(json_string_value(v), strlen(json_string_value(v)));
    else if (json_is_integer(v) &&
             rp_buf_addf(&b, "%" JSON_INTEGER_FORMAT, json_integer_value(v)) == RP_OK)
        rp_buf_detach(&b, out);
    else
        return RP_OK;
    return *out ? RP_OK : RP_ENOMEM;
}

/* Title, date and series from the metadata's fields, when present. */
static rp_status meta_fields(rp_doc *d, const rp_read_options *ro)
{
    const char *title_field = ro->title_field ? ro->title_field : "title";
    const char *date_field = ro->date_field ? ro->date_field : "date";
    json_t *obj, *t;
    rp_status st = RP_OK;

    if (!d->meta)
        return RP_OK;
    obj = json_loads(d->meta, 0, NULL);
    if (!obj)
        return RP_ENOMEM; /* the corpus wrote it: only an allocation can fail */
    t = json_object_get(obj, title_field);
    if (json_is_string(t))
        st = make_title(json_string_value(t), json_string_length(t), &d->title);
    t = json_object_get(obj, date_field);
    d->dated = rp_corpus_value_date(t, &d->date);
    d->date_unreadable = t && !json_is_null(t) && !d->dated;
    if (st == RP_OK && ro->series_field)
        st = value_text(json_object_get(obj, ro->series_field), (char **)&d->series);
    json_decref(obj);
    return st;
}

/* The series named by the --series regex on the document's name: its first group, else the
 * whole match. */
static rp_status name_series(rp_doc *d, const regex_t *re)
{
    regmatch_t m[2];
    int rc = regexec(re, d->name, 2, m, 0);

    if (rc == REG_ESPACE)
        return RP_ENOMEM;
    if (rc != 0)
        return RP_OK;
    if (m[1].rm_so < 0)
        m[1] = m[0];
    if (m[1].rm_eo <= m[1].rm_so)
        return RP_OK;
    d->series = rp_strndup(d->name + m[1].rm_so, (size_t)(m[1].rm_eo - m[1].rm_so));
    return d->series ? RP_OK : RP_ENOMEM;
}

/* Does the line [ls, le) (its '\n' and a trailing '\r' not shown) match re? */
static rp_status line_hit(const regex_t *re, const char *s, size_t ls, size_t le, rp_buf *scratch,
                          bool *hit)
{
    int rc;

    if (le > ls && s[le - 1] == '\n')
        le--;
    if (le > ls && s[le - 1] == '\r')
        le--;
    scratch->len = 0;
    if (rp_buf_add(scratch, s + ls, le - ls) != RP_OK)
        return RP_ENOMEM;
    rc = regexec(re, scratch->data, 0, NULL, 0);
    if (rc == REG_ESPACE)
        return RP_ENOMEM;
    *hit = rc == 0;
    return RP_OK;
}

typedef struct ranges {
    rp_range *items;
    size_t count;
    size_t cap;
} ranges;

/* Adds [start, end), joined to the previous range when they touch. */
static rp_status add_range(ranges *r, size_t start, size_t end)
{
    if (r->count && r->items[r->count - 1].end == start) {
        r->items[r->count - 1].end = (uint32_t)end;
        return RP_OK;
    }
    if (RP_GROW(r->items, r->cap, r->count + 1) != RP_OK)
        return RP_ENOMEM;
    r->items[r->count++] = (rp_range){(uint32_t)start, (uint32_t)end};
    return RP_OK;
}

/* Is [ls, le) the document's last line, and does it match --split-after? Such a line ended
 * its part (it is a separator, "Continue reading ...", not text). */
static rp_status is_separator(const rp_annotator *an, const rp_doc *d, size_t ls, size_t le,
                              rp_buf *scratch, bool *hit)
{
    *hit = false;
    if (!an->has_after)
        return RP_OK;
    for (size_t i = le; i < d->len; i++)
        if (!is_space(d->bytes[i]) && d->bytes[i] != '\n')
            return RP_OK; /* not the last line */
    return line_hit(&an->after, d->bytes, ls, le, scratch, hit);
}

/* The ranges of lines --ignore-lines matches, and the separator line a part ends with. */
static rp_status ignored_lines(const rp_annotator *an, rp_doc *d, rp_buf *scratch)
{
    ranges r = {NULL, 0, 0};
    size_t ls, le;
    bool hit = false;
    rp_status st = RP_OK;

    for (ls = 0; ls < d->len && st == RP_OK; ls = le) {
        const char *nl = memchr(d->bytes + ls, '\n', d->len - ls);
        le = nl ? (size_t)(nl - d->bytes) + 1 : d->len;
        hit = false;
        if (an->has_ignore)
            st = line_hit(&an->ignore, d->bytes, ls, le, scratch, &hit);
        if (st == RP_OK && !hit)
            st = is_separator(an, d, ls, le, scratch, &hit);
        if (st == RP_OK && hit)
            st = add_range(&r, ls, le);
    }
    if (st != RP_OK) {
        rp_free(r.items);
        return st;
    }
    d->ignored = r.items;
    d->ignored_count = r.count;
    return RP_OK;
}

static rp_status annotate_doc(const rp_annotator *an, rp_doc *d, rp_buf *scratch)
{
    rp_status st = meta_fields(d, an->ro);

    if (st == RP_OK && !d->title)
        st = make_title(d->bytes, d->len, &d->title);
    if (st == RP_OK && !d->series && an->has_series)
        st = name_series(d, &an->series);
    if (st == RP_OK && (an->has_ignore || an->has_after))
        st = ignored_lines(an, d, scratch);
    return st;
}

rp_status rp_corpus_annotate(rp_corpus *c, const rp_annotator *an, size_t from)
{
    rp_buf scratch = RP_BUF_INIT;
    rp_status st = RP_OK;

    for (size_t i = from; i < rp_corpus_count(c) && st == RP_OK; i++) {
        rp_doc *d = rp_corpus_doc_edit(c, (uint32_t)i);
        st = annotate_doc(an, d, &scratch);
        rp_corpus_text_read(c, d->len); /* a file's pages handed back now and then */
    }
    rp_buf_release(&scratch);
    return st;
}
