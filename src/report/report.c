/*
 * report.c - the scan report writers: text for people; json, jsonl and csv for other tools
 * (the contract in DESIGN.md: field names, order and meaning never change, fields are only
 * added). All escaping lives here: JSON strings escape quotes, backslashes and control
 * characters and write invalid UTF-8 as U+FFFD; CSV cells are RFC 4180 quoted, and a cell
 * that a spreadsheet would read as a formula (= + - @ tab CR first) gets a leading apostrophe;
 * text for a terminal (rp_write_safe) shows control characters, invalid UTF-8 and bidi
 * controls as escapes, so no name or passage can move the cursor, recolour or retitle it.
 */
#include "report/report.h"
#include "report/html.h"

#include <string.h>

/* ---- UTF-8 scanning for escapes ---- */

size_t rp_report_utf8_len(const unsigned char *s, size_t len)
{
    unsigned char c = s[0];
    size_t n;
    uint32_t cp, min;

    if (c < 0x80)
        return 1;
    if (c >= 0xC2 && c <= 0xDF)
        n = 2, cp = c & 0x1F, min = 0x80;
    else if (c >= 0xE0 && c <= 0xEF)
        n = 3, cp = c & 0x0F, min = 0x800;
    else if (c >= 0xF0 && c <= 0xF4)
        n = 4, cp = c & 0x07, min = 0x10000;
    else
        return 0;
    if (n > len)
        return 0;
    for (size_t i = 1; i < n; i++) {
        if ((s[i] & 0xC0) != 0x80)
            return 0;
        cp = (cp << 6) | (s[i] & 0x3F);
    }
    if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
        return 0;
    return n;
}

static void json_string(FILE *out, const char *text, size_t len)
{
    const unsigned char *s = (const unsigned char *)text;

    putc('"', out);
    for (size_t i = 0; i < len;) {
        /* a run that needs no escape (printable ASCII but " and \, valid UTF-8) in one write */
        size_t run = i, m;
        for (; run < len; run += m) {
            unsigned char c = s[run];
            m = c >= 0x80 ? rp_report_utf8_len(s + run, len - run)
                          : c >= 0x20 && c != 0x7F && c != '"' && c != '\\';
            if (m == 0)
                break;
        }
        if (run > i)
            fwrite(s + i, 1, run - i, out);
        if (run == len)
            break;
        /* one byte that needs an escape */
        unsigned char c = s[run];
        if (c >= 0x80)
            fputs("\xEF\xBF\xBD", out); /* U+FFFD for each invalid byte */
        else if (c == '"' || c == '\\')
            putc('\\', out), putc(c, out);
        else if (c == '\n')
            fputs("\\n", out);
        else if (c == '\r')
            fputs("\\r", out);
        else if (c == '\t')
            fputs("\\t", out);
        else
            fprintf(out, "\\u%04x", c);
        i = run + 1;
    }
    putc('"', out);
}

static void json_cstring(FILE *out, const char *s)
{
    json_string(out, s, strlen(s));
}

/* Shares and identities: fixed 4 decimals, so reports are byte-identical across runs. */
static void json_share(FILE *out, double x)
{
    fprintf(out, "%.4f", x);
}

void rp_report_json_string(FILE *out, const char *text, size_t len)
{
    json_string(out, text, len);
}

void rp_report_json_share(FILE *out, double x)
{
    json_share(out, x);
}

/* ---- shared pieces of the json and jsonl reports ---- */

void rp_report_json_settings_fields(FILE *out, const rp_options *o)
{
    fprintf(out, "\"shingle\":%u,\"window\":%u,\"min_tokens\":%u,\"min_identity\":", o->shingle,
            o->window, o->min_tokens);
    json_share(out, o->min_identity);
    fprintf(out,
            ",\"max_df\":%u,\"boilerplate_docs\":%u,\"fold_case\":%s,\"fold_marks\":%s,"
            "\"fold_spelling\":%s,\"boilerplate_tokens\":%u,\"fold_quotes\":%s,\"kinds\":[",
            o->max_df, o->boilerplate_docs, o->fold_case ? "true" : "false",
            o->fold_marks ? "true" : "false", o->fold_spelling ? "true" : "false",
            o->boilerplate_tokens, o->fold_quotes ? "true" : "false");
    const char *sep = "";
    for (rp_kind k = RP_KIND_REPRINT; k <= RP_KIND_BOILERPLATE; k++) {
        if (o->kinds & (1u << k)) {
            fprintf(out, "%s\"%s\"", sep, rp_kind_name(k));
            sep = ",";
        }
    }
    putc(']', out);
}

/* The scan report's settings: the shared fields, then the scan's own (max_passages bounds only
 * this report's listing, so the quotes report, which shares the fields above, does not name it). */
static void json_settings(FILE *out, const rp_options *o)
{
    putc('{', out);
    rp_report_json_settings_fields(out, o);
    fprintf(out, ",\"max_passages\":%u}", o->max_passages);
}

/* ---- the listing cap (--max-passages): a cluster lists its first passages and the pairs
 * between them; its other fields and the documents' coverage stay those of all passages ---- */

size_t rp_report_listed(const rp_cluster *c, const rp_options *opts)
{
    return opts->max_passages && c->passage_count > opts->max_passages ? opts->max_passages
                                                                       : c->passage_count;
}

bool rp_report_pair_listed(const rp_pair *p, size_t listed)
{
    return p->a < listed && p->b < listed;
}

void rp_report_json_document(FILE *out, uint32_t id, const rp_doc *d, const rp_doc_stats *st)
{
    fprintf(out, "{\"id\":%u,\"name\":", id);
    json_cstring(out, d->name);
    fprintf(out, ",\"bytes\":%zu,\"tokens\":%u,\"covered\":", d->len, st->tokens);
    json_share(out, st->covered);
    fprintf(out, ",\"invalid_utf8\":%zu,\"offset\":%zu", st->invalid_utf8, d->offset);
    if (d->meta)
        fprintf(out, ",\"meta\":%s", d->meta);
    putc('}', out);
}

static void json_documents(FILE *out, const rp_corpus *corpus, const rp_scan *scan)
{
    size_t n = rp_corpus_count(corpus);

    putc('[', out);
    for (uint32_t i = 0; i < n; i++) {
        if (i)
            putc(',', out);
        rp_report_json_document(out, i, rp_corpus_doc(corpus, i), rp_scan_doc_stats(scan, i));
    }
    putc(']', out);
}

void rp_report_json_skipped(FILE *out, const rp_corpus *corpus)
{
    size_t n = rp_corpus_skipped_count(corpus);

    putc('[', out);
    for (size_t i = 0; i < n; i++) {
        const rp_skip *sk = rp_corpus_skipped(corpus, i);
        fputs(i ? ",{\"input\":" : "{\"input\":", out);
        json_cstring(out, sk->input);
        fputs(",\"reason\":", out);
        json_cstring(out, sk->reason);
        putc('}', out);
    }
    putc(']', out);
}

/* The cluster's pairs between listed passages, the first one after lead; returns how many. */
static size_t json_pairs(FILE *out, const rp_cluster *c, size_t id, size_t listed,
                         const char *lead)
{
    size_t written = 0;

    for (size_t j = 0; j < c->pair_count; j++) {
        const rp_pair *p = &c->pairs[j];
        if (!rp_report_pair_listed(p, listed))
            continue;
        fprintf(out, "%s{\"cluster\":%zu,\"a\":%u,\"b\":%u,\"identity\":",
                written++ ? "," : lead, id, p->a, p->b);
        json_share(out, p->identity);
        fprintf(out, ",\"tokens\":%u}", p->tokens);
    }
    return written;
}

static void json_cluster(FILE *out, const rp_corpus *corpus, const rp_cluster *c, size_t id,
                         size_t listed)
{
    fprintf(out,
            "{\"id\":%zu,\"kind\":\"%s\",\"tokens\":%u,\"documents\":%u,\"passages_total\":%zu,"
            "\"passages\":[",
            id, rp_kind_name(c->kind), c->tokens, c->documents, c->passage_count);
    for (size_t j = 0; j < listed; j++) {
        const rp_passage *p = &c->passages[j];
        const rp_doc *d = rp_corpus_doc(corpus, p->doc);
        fprintf(out,
                "%s{\"doc\":%u,\"start\":%zu,\"end\":%zu,\"line\":%u,\"column\":%u,"
                "\"tokens\":%u,\"identity\":",
                j ? "," : "", p->doc, p->start, p->end, p->line, p->column, p->tokens);
        json_share(out, p->identity);
        fputs(",\"text\":", out);
        json_string(out, d->bytes + p->start, p->end - p->start);
        putc('}', out);
    }
    putc(']', out);
}

static bool kind_wanted(const rp_options *o, const rp_cluster *c)
{
    return (o->kinds & (1u << c->kind)) != 0;
}

static void json_head(FILE *out, const rp_corpus *corpus, const rp_scan *scan,
                      const rp_options *opts)
{
    fprintf(out, "{\"version\":1,\"tool\":\"reprint %s\",\"command\":\"scan\",\"settings\":",
            rp_version());
    json_settings(out, opts);
    fputs(",\"documents\":", out);
    json_documents(out, corpus, scan);
    fputs(",\"skipped\":", out);
    rp_report_json_skipped(out, corpus);
}

static void write_json(FILE *out, const rp_corpus *corpus, const rp_scan *scan,
                       const rp_options *opts)
{
    size_t n = rp_scan_cluster_count(scan), id = 0;
    const char *lead = "";

    json_head(out, corpus, scan, opts);
    fputs(",\"clusters\":[", out);
    for (size_t i = 0; i < n; i++) {
        const rp_cluster *c = rp_scan_cluster(scan, i);
        if (!kind_wanted(opts, c))
            continue;
        fputs(id ? ",\n" : "\n", out);
        json_cluster(out, corpus, c, id, rp_report_listed(c, opts));
        putc('}', out);
        id++;
    }
    fputs("],\n\"pairs\":[", out);
    id = 0;
    for (size_t i = 0; i < n; i++) {
        const rp_cluster *c = rp_scan_cluster(scan, i);
        if (!kind_wanted(opts, c))
            continue;
        if (json_pairs(out, c, id, rp_report_listed(c, opts), lead))
            lead = ",";
        id++;
    }
    fputs("]}\n", out);
}

static void write_jsonl(FILE *out, const rp_corpus *corpus, const rp_scan *scan,
                        const rp_options *opts)
{
    size_t n = rp_scan_cluster_count(scan), id = 0;

    json_head(out, corpus, scan, opts);
    fputs("}\n", out);
    for (size_t i = 0; i < n; i++) {
        const rp_cluster *c = rp_scan_cluster(scan, i);
        if (!kind_wanted(opts, c))
            continue;
        size_t listed = rp_report_listed(c, opts);
        json_cluster(out, corpus, c, id, listed);
        fputs(",\"pairs\":[", out);
        json_pairs(out, c, id, listed, "");
        fputs("]}\n", out);
        id++;
    }
}

/* ---- csv ---- */

void rp_report_csv_cell(FILE *out, const char *s)
{
    bool formula = strchr("=+-@\t\r", s[0]) != NULL && s[0] != '\0';
    bool quote = formula || strpbrk(s, ",\"\r\n") != NULL;

    if (!quote) {
        fputs(s, out);
        return;
    }
    putc('"', out);
    if (formula)
        putc('\'', out);
    for (; *s; s++) {
        if (*s == '"')
            putc('"', out);
        putc(*s, out);
    }
    putc('"', out);
}

static void write_csv(FILE *out, const rp_corpus *corpus, const rp_scan *scan,
                      const rp_options *opts)
{
    size_t n = rp_scan_cluster_count(scan), id = 0;

    fputs("cluster,kind,doc,name,start,end,line,column,tokens,identity\r\n", out);
    for (size_t i = 0; i < n; i++) {
        const rp_cluster *c = rp_scan_cluster(scan, i);
        if (!kind_wanted(opts, c))
            continue;
        for (size_t j = 0, listed = rp_report_listed(c, opts); j < listed; j++) {
            const rp_passage *p = &c->passages[j];
            fprintf(out, "%zu,%s,%u,", id, rp_kind_name(c->kind), p->doc);
            rp_report_csv_cell(out, rp_corpus_doc(corpus, p->doc)->name);
            fprintf(out, ",%zu,%zu,%u,%u,%u,%.4f\r\n", p->start, p->end, p->line, p->column,
                    p->tokens, p->identity);
        }
        id++;
    }
}

/* ---- text: names and excerpts made safe for a terminal ---- */

#define EXCERPT_BYTES 72

/* The escape a terminal needs for the character at s (n: its valid UTF-8 length, 0 when the
 * byte s[0] starts no valid sequence), written into buf; NULL when it is written as it is. */
static const char *safe_escape(const unsigned char *s, size_t n, char buf[8])
{
    uint32_t cp;

    if (n == 0 || (n == 1 && (s[0] < 0x20 || s[0] == 0x7F))) {
        switch (s[0]) {
        case '\t': return "\\t";
        case '\n': return "\\n";
        case '\r': return "\\r";
        default: snprintf(buf, 8, "\\x%02x", s[0]); return buf;
        }
    }
    if (n == 2)
        cp = (uint32_t)(s[0] & 0x1F) << 6 | (s[1] & 0x3F);
    else if (n == 3)
        cp = (uint32_t)(s[0] & 0x0F) << 12 | (uint32_t)(s[1] & 0x3F) << 6 | (s[2] & 0x3F);
    else
        return NULL;
    /* C1 controls (U+0080..U+009F: CSI, OSC, ...), and the bidi embeddings, overrides and
     * isolates, which reorder the rest of a line (Trojan Source) */
    if (cp <= 0x9F || (cp >= 0x202A && cp <= 0x202E) || (cp >= 0x2066 && cp <= 0x2069)) {
        snprintf(buf, 8, "\\u%04x", (unsigned)cp);
        return buf;
    }
    return NULL;
}

/* Writes the character at s[0..len) (len > 0), escaped when it must be; returns the bytes
 * consumed, and *shown gets the bytes written. */
static size_t write_safe_char(FILE *out, const unsigned char *s, size_t len, size_t *shown)
{
    char buf[8];
    size_t n = rp_report_utf8_len(s, len);
    const char *esc = safe_escape(s, n, buf);

    if (esc) {
        fputs(esc, out);
        *shown = strlen(esc);
        return n ? n : 1;
    }
    fwrite(s, 1, n, out);
    *shown = n;
    return n;
}

void rp_write_safe(FILE *out, const char *text, size_t len)
{
    const unsigned char *s = (const unsigned char *)text;
    size_t shown;

    for (size_t i = 0; i < len;)
        i += write_safe_char(out, s + i, len - i, &shown);
}

void rp_report_write_safe_name(FILE *out, const char *name)
{
    rp_write_safe(out, name, strlen(name));
}

static bool is_space(unsigned char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\v' || c == '\f' || c == '\r';
}

/* A one-line excerpt of a passage: runs of ASCII white space folded to one space, the rest
 * written as rp_write_safe writes it, cut on a character boundary. */
void rp_report_text_excerpt(FILE *out, const char *text, size_t len)
{
    const unsigned char *s = (const unsigned char *)text;
    size_t shown = 0, n;
    bool space = false;

    putc('"', out);
    for (size_t i = 0; i < len && shown < EXCERPT_BYTES;) {
        if (is_space(s[i])) {
            space = shown > 0;
            i++;
            continue;
        }
        if (space) {
            putc(' ', out);
            shown++;
            space = false;
        }
        i += write_safe_char(out, s + i, len - i, &n);
        shown += n;
    }
    fputs(shown >= EXCERPT_BYTES ? "…\"" : "\"", out);
}

/* A count with thousands separators ("99,998"): the unlisted rest can be large. */
static void text_count(FILE *out, size_t n)
{
    if (n >= 1000) {
        text_count(out, n / 1000);
        fprintf(out, ",%03zu", n % 1000);
    } else {
        fprintf(out, "%zu", n);
    }
}

static void text_cluster(FILE *out, const rp_corpus *corpus, const rp_cluster *c, size_t id,
                         const rp_options *opts)
{
    size_t listed = rp_report_listed(c, opts);

    fprintf(out, "cluster %zu  %s  %zu passages in %u document%s, %u tokens\n", id,
            rp_kind_name(c->kind), c->passage_count, c->documents, c->documents == 1 ? "" : "s",
            c->tokens);
    for (size_t j = 0; j < listed; j++) {
        const rp_passage *p = &c->passages[j];
        const rp_doc *d = rp_corpus_doc(corpus, p->doc);
        fputs("  ", out);
        rp_report_write_safe_name(out, d->name);
        fprintf(out, ":%u:%u  %u tokens, identity %.2f  ", p->line, p->column, p->tokens,
                p->identity);
        rp_report_text_excerpt(out, d->bytes + p->start, p->end - p->start);
        putc('\n', out);
    }
    if (listed < c->passage_count) {
        size_t rest = c->passage_count - listed;
        fputs("  ... and ", out);
        text_count(out, rest);
        fprintf(out, " more passage%s (--max-passages %u)\n", rest == 1 ? "" : "s",
                opts->max_passages);
    }
    putc('\n', out);
}

static void write_text(FILE *out, const rp_corpus *corpus, const rp_scan *scan,
                       const rp_options *opts)
{
    size_t n = rp_scan_cluster_count(scan), ndocs = rp_corpus_count(corpus), id = 0;
    size_t by_kind[3] = {0, 0, 0};
    uint64_t tokens = 0;

    for (size_t i = 0; i < n; i++)
        by_kind[rp_scan_cluster(scan, i)->kind]++;
    for (uint32_t i = 0; i < ndocs; i++)
        tokens += rp_scan_doc_stats(scan, i)->tokens;
    fprintf(out,
            "%zu document%s, %llu tokens: %zu cluster%s (%zu reprint, %zu internal, "
            "%zu boilerplate)\n\n",
            ndocs, ndocs == 1 ? "" : "s", (unsigned long long)tokens, n, n == 1 ? "" : "s",
            by_kind[RP_KIND_REPRINT], by_kind[RP_KIND_INTERNAL], by_kind[RP_KIND_BOILERPLATE]);
    for (size_t i = 0; i < n; i++) {
        const rp_cluster *c = rp_scan_cluster(scan, i);
        if (kind_wanted(opts, c))
            text_cluster(out, corpus, c, id++, opts);
    }
    fputs("coverage (share of each document's tokens that also appear elsewhere, "
          "boilerplate aside)\n",
          out);
    for (uint32_t i = 0; i < ndocs; i++) {
        const rp_doc_stats *st = rp_scan_doc_stats(scan, i);
        fprintf(out, "  %3.0f%% of ", st->covered * 100.0);
        rp_report_write_safe_name(out, rp_corpus_doc(corpus, i)->name);
        if (st->invalid_utf8)
            fprintf(out, "  (%zu invalid UTF-8 sequence%s, first at byte %zu)", st->invalid_utf8,
                    st->invalid_utf8 == 1 ? "" : "s", st->first_invalid);
        putc('\n', out);
    }
}

rp_status rp_format_parse(const char *name, rp_format *out)
{
    static const char *const names[] = {"text", "json", "jsonl", "csv", "html"};

    for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
        if (strcmp(name, names[i]) == 0) {
            *out = (rp_format)i;
            return RP_OK;
        }
    }
    return RP_EINVAL;
}

rp_status rp_report_scan(FILE *out, rp_format format, const rp_corpus *corpus,
                         const rp_scan *scan, const rp_options *opts)
{
    switch (format) {
    case RP_FORMAT_TEXT: write_text(out, corpus, scan, opts); break;
    case RP_FORMAT_JSON: write_json(out, corpus, scan, opts); break;
    case RP_FORMAT_JSONL: write_jsonl(out, corpus, scan, opts); break;
    case RP_FORMAT_CSV: write_csv(out, corpus, scan, opts); break;
    case RP_FORMAT_HTML: return rp_report_html(out, corpus, scan, opts);
    default: return RP_EINVAL;
    }
    return ferror(out) ? RP_EIO : RP_OK;
}
