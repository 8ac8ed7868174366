/*
 * corpus_feed.c - RSS and Atom feeds as documents. libxml2 parses the feed into a tree (no
 * network, no DTD loaded, no entity expanded, no recovery: a malformed feed, or one with a
 * DTD internal subset, where entities are declared, is skipped whole);
 * each <item> or <entry> becomes a document of its title and text. HTML inside descriptions
 * (escaped or CDATA) is reduced to text by a small tag stripper with entity decoding; block
 * tags become line breaks and runs of white space one space.
 */
#include "corpus/feed.h"

#include <jansson.h>
#include <libxml/parser.h>
#include <libxml/tree.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* ---- text building: white space collapsed, breaks kept ---- */

enum { BRK_NONE, BRK_SPACE, BRK_LINE, BRK_PARA };

typedef struct text_out {
    rp_buf buf;
    int pending; /* the strongest break met since the last character */
    rp_status st;
} text_out;

static void out_break(text_out *t, int level)
{
    if (level > t->pending)
        t->pending = level;
}

static void out_bytes(text_out *t, const char *s, size_t n)
{
    static const char *const breaks[] = {"", " ", "\n", "\n\n"};

    if (t->st != RP_OK)
        return;
    if (t->buf.len && t->pending)
        t->st = rp_buf_adds(&t->buf, breaks[t->pending]);
    t->pending = BRK_NONE;
    if (t->st == RP_OK)
        t->st = rp_buf_add(&t->buf, s, n);
}

/* Plain text: white space runs become one break. */
static void out_text(text_out *t, const char *s, size_t n)
{
    size_t i = 0;

    while (i < n) {
        size_t j = i;
        if (strchr(" \t\r\n\f\v", s[i])) {
            while (j < n && strchr(" \t\r\n\f\v", s[j]) && s[j])
                j++;
            out_break(t, BRK_SPACE);
        } else {
            while (j < n && !strchr(" \t\r\n\f\v", s[j]))
                j++;
            out_bytes(t, s + i, j - i);
        }
        i = j > i ? j : i + 1;
    }
}

static void out_codepoint(text_out *t, uint32_t cp)
{
    char u[4];
    size_t n;

    if (cp == 0 || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
        cp = 0xFFFD;
    if (cp == 0xA0 || cp == ' ' || cp == '\t' || cp == '\n' || cp == '\r') {
        out_break(t, BRK_SPACE);
        return;
    }
    if (cp < 0x80)
        u[0] = (char)cp, n = 1;
    else if (cp < 0x800)
        u[0] = (char)(0xC0 | cp >> 6), u[1] = (char)(0x80 | (cp & 0x3F)), n = 2;
    else if (cp < 0x10000)
        u[0] = (char)(0xE0 | cp >> 12), u[1] = (char)(0x80 | ((cp >> 6) & 0x3F)),
        u[2] = (char)(0x80 | (cp & 0x3F)), n = 3;
    else
        u[0] = (char)(0xF0 | cp >> 18), u[1] = (char)(0x80 | ((cp >> 12) & 0x3F)),
        u[2] = (char)(0x80 | ((cp >> 6) & 0x3F)), u[3] = (char)(0x80 | (cp & 0x3F)), n = 4;
    out_bytes(t, u, n);
}

/* ---- HTML: tags stripped, entities decoded ---- */

static const struct {
    const char *name;
    uint32_t cp;
} html_entities[] = {
    {"amp", '&'},      {"lt", '<'},       {"gt", '>'},       {"quot", '"'},
    {"apos", '\''},    {"nbsp", 0xA0},    {"ndash", 0x2013}, {"mdash", 0x2014},
    {"lsquo", 0x2018}, {"rsquo", 0x2019}, {"ldquo", 0x201C}, {"rdquo", 0x201D},
    {"laquo", 0xAB},   {"raquo", 0xBB},   {"hellip", 0x2026}, {"copy", 0xA9},
    {"reg", 0xAE},     {"trade", 0x2122}, {"eacute", 0xE9},  {"egrave", 0xE8},
    {"aacute", 0xE1},  {"agrave", 0xE0},  {"uuml", 0xFC},    {"ouml", 0xF6},
    {"auml", 0xE4},    {"szlig", 0xDF},   {"ccedil", 0xE7},  {"euro", 0x20AC},
    {"pound", 0xA3},   {"deg", 0xB0},     {"middot", 0xB7},  {"bull", 0x2022},
};

/* Decodes the entity at s[0] == '&'; returns its length, 0 when it is not one. */
static size_t entity(const char *s, size_t n, uint32_t *cp)
{
    const char *semi = memchr(s, ';', n < 12 ? n : 12);
    size_t len;

    if (!semi || semi == s + 1)
        return 0;
    len = (size_t)(semi - s) + 1;
    if (s[1] == '#') {
        char *end;
        unsigned long v = s[2] == 'x' || s[2] == 'X' ? strtoul(s + 3, &end, 16)
                                                     : strtoul(s + 2, &end, 10);
        if (end != semi || end == s + 2 || end == s + 3)
            return 0;
        *cp = v > 0x10FFFF ? 0xFFFD : (uint32_t)v;
        return len;
    }
    for (size_t i = 0; i < sizeof(html_entities) / sizeof(html_entities[0]); i++) {
        if (strlen(html_entities[i].name) == len - 2 &&
            memcmp(html_entities[i].name, s + 1, len - 2) == 0) {
            *cp = html_entities[i].cp;
            return len;
        }
    }
    return 0;
}

static bool tag_is(const char *tag, size_t n, const char *name)
{
    size_t len = strlen(name);
    return n >= len && strncasecmp(tag, name, len) == 0 &&
           (n == len || strchr(" \t\r\n/>", tag[len]));
}

/* Tags that end a line or a paragraph of text. */
static int tag_break(const char *tag, size_t n)
{
    static const char *const para[] = {"p", "div", "h1", "h2", "h3", "h4", "h5", "h6",
                                       "blockquote", "pre", "table", "ul", "ol", "section",
                                       "article", "header", "footer", "figure", "hr"};
    static const char *const line[] = {"br", "li", "tr", "dd", "dt", "figcaption"};

    if (n && tag[0] == '/')
        tag++, n--;
    for (size_t i = 0; i < sizeof(para) / sizeof(*para); i++)
        if (tag_is(tag, n, para[i]))
            return BRK_PARA;
    for (size_t i = 0; i < sizeof(line) / sizeof(*line); i++)
        if (tag_is(tag, n, line[i]))
            return BRK_LINE;
    return BRK_NONE;
}

/* Skips a tag (or comment, or script/style element) at s[i] == '<'; returns where text
 * resumes, or i when the '<' is plain text. */
static size_t skip_tag(text_out *t, const char *s, size_t n, size_t i)
{
    const char *end;
    static const char *const raw[] = {"script", "style"};

    if (i + 4 <= n && memcmp(s + i, "<!--", 4) == 0) {
        for (size_t j = i + 4; j + 3 <= n; j++)
            if (memcmp(s + j, "-->", 3) == 0)
                return j + 3;
        return n;
    }
    if (i + 1 >= n || !(strchr("/!?", s[i + 1]) || (s[i + 1] | 0x20) >= 'a') ||
        !(end = memchr(s + i, '>', n - i)))
        return i;
    size_t tlen = (size_t)(end - s - i - 1);
    out_break(t, tag_break(s + i + 1, tlen));
    for (size_t k = 0; k < 2; k++) {
        if (!tag_is(s + i + 1, tlen, raw[k]))
            continue;
        for (size_t j = (size_t)(end - s); j + 2 + strlen(raw[k]) <= n; j++)
            if (s[j] == '<' && s[j + 1] == '/' && strncasecmp(s + j + 2, raw[k], strlen(raw[k])) == 0)
                return j;
        return n;
    }
    return (size_t)(end - s) + 1;
}

static void out_html(text_out *t, const char *s, size_t n)
{
    size_t i = 0, run = 0;
    uint32_t cp = 0; /* set by entity() whenever it returns non-zero */

    while (i < n) {
        size_t next, elen;
        if (s[i] == '<') {
            out_text(t, s + run, i - run); /* the text before the tag, then its break */
            next = skip_tag(t, s, n, i);
            run = i;
            i = next == i ? i + 1 : (run = next); /* a lone '<' stays text */
        } else if (s[i] == '&' && (elen = entity(s + i, n - i, &cp)) != 0) {
            out_text(t, s + run, i - run);
            out_codepoint(t, cp);
            i = run = i + elen;
        } else {
            i++;
        }
    }
    out_text(t, s + run, n - run);
}

/* ---- the tree ---- */

static bool named(const xmlNode *node, const char *name)
{
    return node->type == XML_ELEMENT_NODE && strcmp((const char *)node->name, name) == 0;
}

/* XHTML content (Atom type="xhtml"): text nodes as they are, elements as breaks. */
static void out_xhtml(text_out *t, const xmlNode *node)
{
    for (const xmlNode *n = node->children; n; n = n->next) {
        if (n->type == XML_TEXT_NODE || n->type == XML_CDATA_SECTION_NODE) {
            out_text(t, (const char *)n->content, strlen((const char *)n->content));
        } else if (n->type == XML_ELEMENT_NODE) {
            int brk = tag_break((const char *)n->name, strlen((const char *)n->name));
            out_break(t, brk);
            out_xhtml(t, n);
            out_break(t, brk);
        }
    }
}

/* An element's text: Atom type="text" as is, type="xhtml" from its tree, else as HTML. */
static void out_element(text_out *t, xmlNode *node, bool rss)
{
    xmlChar *type = rss ? NULL : xmlGetProp(node, (const xmlChar *)"type");
    xmlChar *text;

    if (type && strcmp((const char *)type, "xhtml") == 0) {
        out_xhtml(t, node);
    } else if ((text = xmlNodeGetContent(node)) != NULL) {
        size_t n = strlen((const char *)text);
        if (type && strcmp((const char *)type, "text") == 0)
            out_text(t, (const char *)text, n);
        else
            out_html(t, (const char *)text, n);
        xmlFree(text);
    }
    xmlFree(type);
}

typedef struct feed_item {
    xmlNode *title, *body, *summary, *id, *link, *date;
} feed_item;

static void item_fields(xmlNode *item, feed_item *f)
{
    static const char *const dates[] = {"pubDate", "updated", "published", "date"};
    int date_rank = 4;

    memset(f, 0, sizeof(*f));
    for (xmlNode *n = item->children; n; n = n->next) {
        if (n->type != XML_ELEMENT_NODE)
            continue;
        if (named(n, "title") && !f->title)
            f->title = n;
        else if ((named(n, "encoded") || named(n, "content")) && !f->body)
            f->body = n;
        else if ((named(n, "description") || named(n, "summary")) && !f->summary)
            f->summary = n;
        else if ((named(n, "guid") || named(n, "id")) && !f->id)
            f->id = n;
        else if (named(n, "link") && !f->link) {
            xmlChar *rel = xmlGetProp(n, (const xmlChar *)"rel");
            if (!rel || strcmp((const char *)rel, "alternate") == 0)
                f->link = n;
            xmlFree(rel);
        }
        for (int d = 0; d < date_rank; d++)
            if (named(n, dates[d]))
                f->date = n, date_rank = d;
    }
}

/* An element's trimmed text, or an Atom link's href; rp_malloc'd, NULL when empty. */
static char *field_text(xmlNode *node, bool href)
{
    xmlChar *raw;
    char *out = NULL;

    if (!node)
        return NULL;
    raw = href ? xmlGetProp(node, (const xmlChar *)"href") : NULL;
    if (!raw)
        raw = xmlNodeGetContent(node);
    if (raw) {
        const char *s = (const char *)raw;
        size_t len;
        while (*s && strchr(" \t\r\n", *s))
            s++;
        len = strlen(s);
        while (len && strchr(" \t\r\n", s[len - 1]))
            len--;
        out = len ? rp_strndup(s, len) : NULL;
        xmlFree(raw);
    }
    return out;
}

static rp_status item_meta(xmlNode *date, char **meta)
{
    char *text = field_text(date, false), *dumped = NULL;
    json_t *obj;

    *meta = NULL;
    if (!text)
        return RP_OK;
    obj = json_pack("{s:s}", "date", text);
    rp_free(text);
    if (obj)
        dumped = json_dumps(obj, JSON_COMPACT);
    json_decref(obj);
    if (!dumped)
        return RP_ENOMEM;
    *meta = rp_strdup(dumped);
    free(dumped);
    return *meta ? RP_OK : RP_ENOMEM;
}

static rp_status add_item(rp_corpus *c, const char *path, xmlNode *item, size_t number)
{
    feed_item f;
    text_out t = {RP_BUF_INIT, BRK_NONE, RP_OK};
    char *name = NULL, *meta = NULL;
    rp_buf fallback = RP_BUF_INIT;

    item_fields(item, &f);
    if (f.title)
        out_element(&t, f.title, false);
    out_break(&t, BRK_PARA);
    if (f.body || f.summary)
        out_element(&t, f.body ? f.body : f.summary, named(item, "item"));
    name = field_text(f.id, false);
    if (!name)
        name = field_text(f.link, true);
    if (!name && t.st == RP_OK && rp_buf_addf(&fallback, "%s#%zu", path, number) == RP_OK)
        rp_buf_detach(&fallback, &name);
    if (t.st != RP_OK || !name || item_meta(f.date, &meta) != RP_OK)
        goto fail;
    if (t.buf.len == 0) {
        /* named by its place in the file, so the message says which file it came from */
        rp_status st = RP_ENOMEM;
        rp_buf where = RP_BUF_INIT;
        rp_buf_release(&t.buf);
        if (rp_buf_addf(&where, "%s#%zu", path, number) == RP_OK)
            st = rp_corpus_skip(c, where.data, "feed item without text");
        rp_buf_release(&where);
        rp_free(name);
        rp_free(meta);
        return st;
    }
    return rp_corpus_take(c, name, t.buf.data, t.buf.len, 0, meta);
fail:
    rp_buf_release(&t.buf);
    rp_buf_release(&fallback);
    rp_free(name);
    rp_free(meta);
    return RP_ENOMEM;
}

/* Items and entries anywhere under node, in document order (never nested in each other). */
static rp_status walk(rp_corpus *c, const char *path, xmlNode *node, size_t *number)
{
    rp_status st = RP_OK;

    for (xmlNode *n = node; n && st == RP_OK; n = n->next) {
        if (named(n, "item") || named(n, "entry"))
            st = add_item(c, path, n, ++*number);
        else if (n->type == XML_ELEMENT_NODE)
            st = walk(c, path, n->children, number);
    }
    return st;
}

static rp_status skip_malformed(rp_corpus *c, const char *path, xmlParserCtxt *ctxt)
{
    const xmlError *e = xmlCtxtGetLastError(ctxt);
    char why[RP_WHY_LEN];
    size_t len;

    snprintf(why, sizeof(why), "malformed XML: line %d: %s", e ? e->line : 0,
             e && e->message ? e->message : "not well-formed");
    len = strlen(why);
    while (len && (why[len - 1] == '\n' || why[len - 1] == ' '))
        why[--len] = '\0';
    return rp_corpus_skip(c, path, why);
}

/* Entities are never expanded (a billion-laughs feed of 1 KB would be gigabytes of text), and
 * declarations live in the internal subset: a feed that has one is skipped whole. */
#define SUBSET_REASON "feed declares a DTD internal subset (entities are not expanded)"

static size_t root_start(const char *bytes, size_t len, bool *subset);

rp_status rp_corpus_read_feed(rp_corpus *c, const char *path, const char *bytes, size_t len)
{
    const int flags = XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING |
                      XML_PARSE_NOCDATA; /* no NOENT, no DTDLOAD, no RECOVER, no HUGE */
    xmlParserCtxt *ctxt;
    xmlDoc *doc;
    rp_corpus_mark mark;
    size_t number = 0;
    bool subset;
    rp_status st;

    if (len > INT32_MAX)
        return rp_corpus_skip(c, path, "feed larger than 2 GiB");
    root_start(bytes, len, &subset);
    if (subset)
        return rp_corpus_skip(c, path, SUBSET_REASON);
    if (!(ctxt = xmlNewParserCtxt()))
        return RP_ENOMEM;
    doc = xmlCtxtReadMemory(ctxt, bytes, (int)len, path, NULL, flags);
    if (!doc || !ctxt->wellFormed) {
        st = skip_malformed(c, path, ctxt);
    } else if (xmlGetIntSubset(doc) && xmlGetIntSubset(doc)->children) {
        st = rp_corpus_skip(c, path, SUBSET_REASON); /* one the scan above did not see */
    } else {
        rp_corpus_mark_get(c, &mark);
        st = walk(c, path, xmlDocGetRootElement(doc), &number);
        if (st != RP_OK)
            rp_corpus_rollback(c, &mark);
    }
    xmlFreeDoc(doc);
    xmlFreeParserCtxt(ctxt);
    return st;
}

/* The end (one past '>') of the markup declaration at bytes[i] == '<' ("<?", "<!"), or 0 when
 * it does not close. A DOCTYPE's quoted ids and its internal subset ("[ ... ]") may hold '>':
 * they are stepped over, and *subset says whether there was one. */
static size_t decl_end(const char *bytes, size_t len, size_t i, bool *subset)
{
    bool doctype = len - i >= 9 && memcmp(bytes + i, "<!DOCTYPE", 9) == 0;
    int depth = 0;
    char quote = 0;

    for (; i < len; i++) {
        char ch = bytes[i];
        if (quote) {
            quote = ch == quote ? 0 : quote;
        } else if (doctype && (ch == '"' || ch == '\'')) {
            quote = ch;
        } else if (doctype && ch == '[') {
            depth++;
            *subset = true;
        } else if (doctype && ch == ']' && depth > 0) {
            depth--;
        } else if (ch == '>' && depth == 0) {
            return i + 1;
        }
    }
    return 0;
}

/* Where the first element starts (after a BOM, the XML declaration, comments, processing
 * instructions and a doctype), or len when there is none. */
static size_t root_start(const char *bytes, size_t len, bool *subset)
{
    size_t i = len >= 3 && memcmp(bytes, "\xEF\xBB\xBF", 3) == 0 ? 3 : 0;

    *subset = false;
    while (i < len) {
        while (i < len && strchr(" \t\r\n", bytes[i]) && bytes[i])
            i++;
        if (i >= len || bytes[i] != '<')
            return len;
        if (i + 1 < len && strchr("?!", bytes[i + 1])) {
            if ((i = decl_end(bytes, len, i, subset)) == 0)
                return len;
            continue;
        }
        return i;
    }
    return len;
}

bool rp_corpus_is_feed(const char *bytes, size_t len)
{
    bool subset;
    size_t i = root_start(bytes, len, &subset);
    const char *p = bytes + i + 1;
    size_t left = i < len ? len - i - 1 : 0;

    return (left >= 3 && memcmp(p, "rss", 3) == 0) || (left >= 4 && memcmp(p, "feed", 4) == 0) ||
           (left >= 7 && memcmp(p, "rdf:RDF", 7) == 0);
}
