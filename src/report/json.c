/*
 * json.c - the JSON and JSONL reports, for other tools: scan (documents, skipped inputs,
 * clusters with their listed passages, pairs), quotes and dedup. The contract is
 * docs/ARCHITECTURE.md's: field names, order and meaning never change, fields are only added. The settings,
 * documents and skipped parts are written once here for every command that shares them.
 */
#include "report/report.h"
#include "corpus/corpus.h"
#include "base/escape.h"
#include "base/pool.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* ---- pieces every command's report shares ---- */

/* v's decimal digits at q; returns their end. */
static inline char *put_u(char *q, uint64_t v)
{
    char d[20];
    size_t k = 0;
    do
        d[k++] = (char)('0' + v % 10);
    while ((v /= 10) != 0);
    while (k)
        *q++ = d[--k];
    return q;
}

/* x as printf's "%.4f" writes it (report.h). x * 10000 in a double is within 2^-30 of the
 * exact product below 2^24, so away from a tie (a millionth either side) its rounding is the
 * exact value's; ties, negative zero and the rest take snprintf's way. fprintf took about
 * 1,450 instructions a number, over 1% of a wire-copy scan's instructions. */
size_t rp_report_decimal4(char buf[RP_DECIMAL4_LEN], double x)
{
    if (x >= 0.0 && x < 1000.0 && !signbit(x)) {
        const double t = x * 10000.0;
        const uint32_t n = (uint32_t)t; /* t's floor */
        const double f = t - (double)n; /* exact: n <= t < n + 1 */
        if (f < 0.5 - 1e-6 || f > 0.5 + 1e-6) {
            uint32_t r = n + (f > 0.5), fp = r % 10000;
            size_t len = (size_t)(put_u(buf, r / 10000) - buf);
            buf[len++] = '.';
            buf[len++] = (char)('0' + fp / 1000);
            buf[len++] = (char)('0' + fp / 100 % 10);
            buf[len++] = (char)('0' + fp / 10 % 10);
            buf[len++] = (char)('0' + fp % 10);
            buf[len] = '\0';
            return len;
        }
    }
    int n = snprintf(buf, RP_DECIMAL4_LEN, "%.4f", x);
    return n < 0 ? 0 : (size_t)n < RP_DECIMAL4_LEN ? (size_t)n : RP_DECIMAL4_LEN - 1;
}

/* Shares and identities: fixed 4 decimals, so reports are byte-identical across runs. */
static void json_share(FILE *out, double x)
{
    char buf[RP_DECIMAL4_LEN];
    fwrite(buf, 1, rp_report_decimal4(buf, x), out);
}

/* A record's fields built in a line buffer and written with one fwrite: fprintf parsing its
 * format for every passage, pair and document was about 2% of a scan's instructions. A line
 * holds its literals (under 200 bytes) and either at most 9 numbers of 20 digits and one
 * rp_report_decimal4 (a passage) or 2 numbers and two of them (a document's source); each
 * rp_report_decimal4 needs RP_DECIMAL4_LEN bytes of room, its NUL included. */
#define LINE_MAX_BYTES 1024
_Static_assert(200 + 9 * 20 + RP_DECIMAL4_LEN <= LINE_MAX_BYTES &&
                   200 + 2 * 20 + 2 * RP_DECIMAL4_LEN <= LINE_MAX_BYTES,
               "a record's line fits LINE_MAX_BYTES");

static inline char *put_lit(char *q, const char *lit)
{
    size_t n = strlen(lit); /* a literal's length, folded where put_lit is inlined */
    memcpy(q, lit, n);
    return q + n;
}

static inline char *put_share(char *q, double x)
{
    return q + rp_report_decimal4(q, x);
}

static inline void put_line(FILE *out, const char *line, const char *q)
{
    fwrite(line, 1, (size_t)(q - line), out);
}

static const char *json_bool(bool b)
{
    return b ? "true" : "false";
}

/* The settings object's fields without its braces ("shingle":5,...,"kinds":[...]). */
static void settings_fields(FILE *out, const rp_options *o)
{
    fprintf(out, "\"shingle\":%u,\"window\":%u,\"min_tokens\":%u,\"min_identity\":", o->shingle,
            o->window, o->min_tokens);
    json_share(out, o->min_identity);
    fprintf(out,
            ",\"max_df\":%u,\"boilerplate_docs\":%u,\"fold_case\":%s,\"fold_marks\":%s,"
            "\"fold_spelling\":%s,\"boilerplate_tokens\":%u,\"fold_quotes\":%s,\"kinds\":[",
            o->max_df, o->boilerplate_docs, json_bool(o->fold_case), json_bool(o->fold_marks),
            json_bool(o->fold_spelling), o->boilerplate_tokens, json_bool(o->fold_quotes));
    const char *sep = "";
    for (rp_kind k = RP_KIND_REPRINT; k < RP_KIND_COUNT; k++) {
        if (o->kinds & (1u << k)) {
            fprintf(out, "%s\"%s\"", sep, rp_kind_name(k));
            sep = ",";
        }
    }
    putc(']', out);
}

static void json_cstring_or_null(FILE *out, const char *s)
{
    if (s)
        rp_escape_json_cstring(out, s);
    else
        fputs("null", out);
}

/* A document's title, first line in its file, date and series (null when it has none). */
static void document_names(FILE *out, const rp_doc *d)
{
    char date[RP_DATE_LEN];

    fputs(",\"title\":", out);
    json_cstring_or_null(out, d->title);
    fprintf(out, ",\"file_line\":%u,\"date\":", d->file_line);
    if (d->dated) {
        rp_date_format(d->date, date);
        rp_escape_json_cstring(out, date);
    } else {
        fputs("null", out);
    }
    fputs(",\"series\":", out);
    json_cstring_or_null(out, d->series);
}

/* "sources_total":N,"sources":[{"doc":..,"tokens":..,"share":..,"identity":..,
 * "direction":..},...] (the first RP_SOURCES_LISTED). */
static void document_sources(FILE *out, const rp_source *src, size_t n)
{
    fprintf(out, ",\"sources_total\":%zu,\"sources\":[", n);
    for (size_t i = 0; i < n && i < RP_SOURCES_LISTED; i++) {
        const char *dir = rp_direction_name(src[i].direction);
        char line[LINE_MAX_BYTES], *q = line;
        q = put_lit(q, i ? ",{\"doc\":" : "{\"doc\":");
        q = put_u(q, src[i].doc);
        q = put_lit(q, ",\"tokens\":");
        q = put_u(q, src[i].tokens);
        q = put_lit(q, ",\"share\":");
        q = put_share(q, src[i].share);
        q = put_lit(q, ",\"identity\":");
        q = put_share(q, src[i].identity);
        q = put_lit(q, ",\"direction\":");
        put_line(out, line, q);
        if (dir)
            fprintf(out, "\"%s\"}", dir);
        else
            fputs("null}", out);
    }
    putc(']', out);
}

/* One entry of "documents" ({"id":..,"name":..,"bytes":..,"tokens":..,"covered":..,...});
 * with_sources: the scan's n sources src (the first RP_SOURCES_LISTED of them are read). */
static void document_entry(FILE *out, uint32_t id, const rp_doc *d, const rp_doc_stats *st,
                           bool with_sources, const rp_source *src, size_t n)
{
    char line[LINE_MAX_BYTES], *q = line;
    q = put_lit(q, "{\"id\":");
    q = put_u(q, id);
    q = put_lit(q, ",\"name\":");
    put_line(out, line, q);
    rp_escape_json_cstring(out, d->name);
    q = put_lit(line, ",\"bytes\":");
    q = put_u(q, d->len);
    q = put_lit(q, ",\"tokens\":");
    q = put_u(q, st->tokens);
    q = put_lit(q, ",\"covered\":");
    q = put_share(q, st->covered);
    q = put_lit(q, ",\"invalid_utf8\":");
    q = put_u(q, st->invalid_utf8);
    q = put_lit(q, ",\"offset\":");
    q = put_u(q, d->offset);
    put_line(out, line, q);
    if (d->meta)
        fprintf(out, ",\"meta\":%s", d->meta);
    document_names(out, d);
    if (with_sources)
        document_sources(out, src, n);
    putc('}', out);
}

/* document_entry with the sources (may be NULL: no "sources" field) looked up. */
static rp_status document(FILE *out, uint32_t id, const rp_doc *d, const rp_doc_stats *st,
                          rp_sources *sources)
{
    const rp_source *src = NULL;
    size_t n = 0;
    rp_status rc = sources ? rp_sources_of(sources, id, &src, &n) : RP_OK;

    if (rc == RP_OK)
        document_entry(out, id, d, st, sources != NULL, src, n);
    return rc;
}

/* ---- ordered chunks: a report's part formatted on the pool's threads, written in order ----
 * A part's items are cut into chunks; a batch of chunks is formatted at once, each into its
 * own memory stream, and the streams are written in order, so the bytes are those of one
 * thread writing them all and at most a batch's text is held (at 1 GB, the 166,667 documents
 * alone took about 1 s of one thread). Before a batch is formatted, prepare (may be NULL) runs
 * on the calling thread. A chunk writes lead before its first item and separates its own
 * items, and says whether it wrote any; the writer puts sep between chunks that did. With one
 * thread the chunks are written straight out. */

enum { CHUNK_ITEMS = 64, CHUNKS_PER_THREAD = 8 };

typedef struct ordered {
    size_t items;
    /* items [first, end) of the batch about to be formatted, on the calling thread */
    rp_status (*prepare)(void *ctx, size_t first, size_t end);
    /* items [begin, end) to out, lead before the first one written; whether any was */
    bool (*format)(void *ctx, FILE *out, size_t begin, size_t end, const char *lead);
    void *ctx;
    size_t first_chunk; /* the batch being formatted */
    char **text;
    size_t *len;
    bool *wrote;
} ordered;

/* Chunks in a batch on `threads` threads, never more than the part has. */
static size_t batch_chunks(unsigned threads, size_t items)
{
    size_t chunks = (items + CHUNK_ITEMS - 1) / CHUNK_ITEMS, per = (size_t)threads * CHUNKS_PER_THREAD;

    return chunks < per ? (chunks ? chunks : 1) : per;
}

static rp_status ordered_task(void *ctx, size_t item, unsigned worker)
{
    const ordered *o = ctx;
    size_t begin = (o->first_chunk + item) * CHUNK_ITEMS;
    size_t end = o->items - begin < CHUNK_ITEMS ? o->items : begin + CHUNK_ITEMS;
    FILE *mem = open_memstream(&o->text[item], &o->len[item]);

    (void)worker;
    if (!mem)
        return RP_ENOMEM;
    o->wrote[item] = o->format(o->ctx, mem, begin, end, "");
    return fclose(mem) == 0 ? RP_OK : RP_ENOMEM;
}

static rp_status write_ordered(FILE *out, ordered *o, unsigned threads, const char *lead,
                               const char *sep)
{
    size_t chunks = (o->items + CHUNK_ITEMS - 1) / CHUNK_ITEMS;
    size_t per_batch = batch_chunks(threads, o->items);
    bool any = false;
    rp_status st = RP_OK;

    if (threads > 1 && chunks > 1) {
        o->text = rp_calloc(per_batch, sizeof(*o->text));
        o->len = rp_calloc(per_batch, sizeof(*o->len));
        o->wrote = rp_calloc(per_batch, sizeof(*o->wrote));
        if (!o->text || !o->len || !o->wrote)
            st = RP_ENOMEM;
    }
    for (o->first_chunk = 0; st == RP_OK && o->first_chunk < chunks; o->first_chunk += per_batch) {
        size_t count = chunks - o->first_chunk < per_batch ? chunks - o->first_chunk : per_batch;
        size_t first = o->first_chunk * CHUNK_ITEMS;
        size_t end = first + count * CHUNK_ITEMS < o->items ? first + count * CHUNK_ITEMS : o->items;
        if (o->prepare && (st = o->prepare(o->ctx, first, end)) != RP_OK)
            break;
        if (!o->text) {
            for (size_t k = 0; k < count; k++) {
                size_t b = first + k * CHUNK_ITEMS;
                if (o->format(o->ctx, out, b, end - b < CHUNK_ITEMS ? end : b + CHUNK_ITEMS,
                              any ? sep : lead))
                    any = true;
            }
            continue;
        }
        st = rp_pool_run(threads, count, ordered_task, o, "report", NULL, NULL);
        for (size_t k = 0; k < count; k++) {
            if (st == RP_OK && o->wrote[k]) {
                fputs(any ? sep : lead, out);
                fwrite(o->text[k], 1, o->len[k], out);
                any = true;
            }
            free(o->text[k]); /* open_memstream's buffer: the C library's malloc */
            o->text[k] = NULL;
        }
    }
    rp_free(o->text);
    rp_free(o->len);
    rp_free(o->wrote);
    return st;
}

/* ---- the scan's documents ----
 * A batch's sources are looked up first, in order, on the calling thread (rp_sources_of
 * works in one shared scratch); the chunks then read their copies. */

typedef struct doc_part {
    const rp_corpus *corpus;
    const rp_scan *scan;
    rp_sources *sources; /* NULL: no "sources" field */
    size_t first;        /* the batch's first document */
    rp_source *src;      /* per document of the batch: its first RP_SOURCES_LISTED sources */
    size_t *src_n;       /* and how many it has */
} doc_part;

static rp_status doc_prepare(void *ctx, size_t first, size_t end)
{
    doc_part *d = ctx;
    rp_status st = RP_OK;

    d->first = first;
    for (size_t i = first; d->sources && i < end && st == RP_OK; i++) {
        const rp_source *src;
        size_t k = i - first, m;
        if ((st = rp_sources_of(d->sources, (uint32_t)i, &src, &m)) == RP_OK) {
            d->src_n[k] = m;
            memcpy(d->src + k * RP_SOURCES_LISTED, src,
                   (m < RP_SOURCES_LISTED ? m : RP_SOURCES_LISTED) * sizeof(*src));
        }
    }
    return st;
}

/* Documents separate themselves (a comma before every one but the first of all). */
static bool doc_format(void *ctx, FILE *out, size_t begin, size_t end, const char *lead)
{
    const doc_part *d = ctx;

    (void)lead;
    for (size_t i = begin; i < end; i++) {
        size_t k = i - d->first;
        if (i)
            putc(',', out);
        document_entry(out, (uint32_t)i, rp_corpus_doc(d->corpus, (uint32_t)i),
                       rp_scan_doc_stats(d->scan, (uint32_t)i), d->sources != NULL,
                       d->src + k * RP_SOURCES_LISTED, d->src_n[k]);
    }
    return begin < end;
}

static rp_status scan_documents(FILE *out, const rp_corpus *corpus, const rp_scan *scan,
                                const rp_options *opts, rp_sources *sources)
{
    unsigned threads = rp_pool_threads(opts);
    size_t n = rp_corpus_count(corpus), per_batch = batch_chunks(threads, n) * CHUNK_ITEMS;
    doc_part d = {corpus, scan, sources, 0, NULL, NULL};
    ordered o = {n, doc_prepare, doc_format, &d, 0, NULL, NULL, NULL};
    rp_status st = RP_ENOMEM;

    d.src = rp_malloc(per_batch * RP_SOURCES_LISTED * sizeof(*d.src));
    d.src_n = rp_calloc(per_batch, sizeof(*d.src_n));
    if (d.src && d.src_n)
        st = write_ordered(out, &o, threads, "", "");
    rp_free(d.src);
    rp_free(d.src_n);
    return st;
}

static void skipped(FILE *out, const rp_corpus *corpus)
{
    size_t n = rp_corpus_skipped_count(corpus);

    putc('[', out);
    for (size_t i = 0; i < n; i++) {
        const rp_skip *sk = rp_corpus_skipped(corpus, i);
        fputs(i ? ",{\"input\":" : "{\"input\":", out);
        rp_escape_json_cstring(out, sk->input);
        fputs(",\"reason\":", out);
        rp_escape_json_cstring(out, sk->reason);
        putc('}', out);
    }
    putc(']', out);
}

/* ---- scan ---- */

/* The cluster's pairs between listed passages, the first one after lead; returns how many. */
static size_t scan_pairs(FILE *out, const rp_corpus *corpus, const rp_cluster *c, size_t id,
                         size_t listed, const char *lead)
{
    size_t written = 0;

    for (size_t j = 0; j < c->pair_count; j++) {
        const rp_pair *p = &c->pairs[j];
        if (!rp_report_pair_listed(p, listed))
            continue;
        char earlier = rp_pair_earlier(corpus, c, p);
        char line[LINE_MAX_BYTES], *q = line;
        fputs(written++ ? "," : lead, out);
        q = put_lit(q, "{\"cluster\":");
        q = put_u(q, id);
        q = put_lit(q, ",\"a\":");
        q = put_u(q, p->a);
        q = put_lit(q, ",\"b\":");
        q = put_u(q, p->b);
        q = put_lit(q, ",\"identity\":");
        q = put_share(q, p->identity);
        q = put_lit(q, ",\"tokens\":");
        q = put_u(q, p->tokens);
        q = put_lit(q, ",\"earlier\":");
        put_line(out, line, q);
        if (earlier)
            fprintf(out, "\"%c\"", earlier);
        else
            fputs("null", out);
        for (size_t g = 0; g < p->gap_count; g++) {
            const rp_gap *gp = &p->gaps[g];
            fprintf(out, "%s{\"a\":[%zu,%zu],\"b\":[%zu,%zu]}", g ? "," : ",\"gaps\":[",
                    gp->a_start, gp->a_end, gp->b_start, gp->b_end);
        }
        fputs(p->gap_count ? "]}" : "}", out);
    }
    return written;
}

/* A cluster without its closing brace (jsonl adds its pairs inside it). */
static void scan_cluster(FILE *out, const rp_corpus *corpus, const rp_cluster *c, size_t id,
                         size_t listed)
{
    fprintf(out,
            "{\"id\":%zu,\"kind\":\"%s\",\"tokens\":%u,\"documents\":%u,\"passages_total\":%zu,"
            "\"passages\":[",
            id, rp_kind_name(c->kind), c->tokens, c->documents, c->passage_count);
    size_t first = rp_cluster_first(corpus, c);
    for (size_t j = 0; j < listed; j++) {
        const rp_passage *p = &c->passages[j];
        const rp_doc *d = rp_corpus_doc(corpus, p->doc);
        char line[LINE_MAX_BYTES], *q = line;
        q = put_lit(q, j ? ",{\"doc\":" : "{\"doc\":");
        q = put_u(q, p->doc);
        q = put_lit(q, ",\"start\":");
        q = put_u(q, p->start);
        q = put_lit(q, ",\"end\":");
        q = put_u(q, p->end);
        q = put_lit(q, ",\"line\":");
        q = put_u(q, p->line);
        q = put_lit(q, ",\"column\":");
        q = put_u(q, p->column);
        q = put_lit(q, ",\"tokens\":");
        q = put_u(q, p->tokens);
        q = put_lit(q, ",\"identity\":");
        q = put_share(q, p->identity);
        if (p->partial) {
            q = put_lit(q, ",\"partial\":true,\"within\":{\"passage\":");
            q = put_u(q, p->within);
            q = put_lit(q, ",\"start\":");
            q = put_u(q, p->within_start);
            q = put_lit(q, ",\"end\":");
            q = put_u(q, p->within_end);
            q = put_lit(q, "}");
        }
        q = put_lit(q, ",\"text\":");
        put_line(out, line, q);
        rp_escape_json_string(out, d->bytes + p->start, p->end - p->start);
        /* a file's pages handed back now and then (RP_TEXT_PAGE: see corpus.h) */
        rp_corpus_text_read(corpus, p->end - p->start + RP_TEXT_PAGE);
        fputs(j == first ? ",\"first\":true}" : "}", out);
    }
    putc(']', out);
}

static rp_status scan_head(FILE *out, const rp_corpus *corpus, const rp_scan *scan,
                           const rp_options *opts, rp_sources *sources)
{
    rp_status st;

    fprintf(out, "{\"version\":2,\"tool\":\"reprint %s\",\"command\":\"scan\",\"settings\":{",
            rp_version());
    settings_fields(out, opts);
    /* max_passages bounds only this report's listing: the quotes report does not name it */
    fprintf(out, ",\"max_passages\":%u},\"documents\":[", opts->max_passages);
    st = scan_documents(out, corpus, scan, opts, sources);
    fputs("],\"skipped\":", out);
    skipped(out, corpus);
    return st;
}

/* ---- clusters and pairs ---- */

typedef enum { PART_CLUSTERS, PART_PAIRS, PART_LINES } part;

typedef struct {
    const rp_corpus *corpus;
    const rp_scan *scan;
    const rp_options *opts;
    part what;
    const char *sep;
} cluster_part;

/* Clusters [begin, end) of one part, lead before the first item written and the part's
 * separator between items; returns whether anything was written. */
static bool cluster_format(void *ctx, FILE *out, size_t begin, size_t end, const char *lead)
{
    const cluster_part *b = ctx;
    bool wrote = false;

    for (size_t i = begin; i < end; i++) {
        const rp_cluster *c = rp_scan_cluster(b->scan, i);
        if (!rp_report_kind_wanted(b->opts, c))
            continue;
        size_t listed = rp_report_listed(c, b->opts);
        switch (b->what) {
        case PART_CLUSTERS:
            fputs(wrote ? b->sep : lead, out);
            scan_cluster(out, b->corpus, c, i, listed);
            putc('}', out);
            wrote = true;
            break;
        case PART_PAIRS:
            if (scan_pairs(out, b->corpus, c, i, listed, wrote ? b->sep : lead))
                wrote = true;
            break;
        case PART_LINES:
            scan_cluster(out, b->corpus, c, i, listed);
            fputs(",\"pairs\":[", out);
            scan_pairs(out, b->corpus, c, i, listed, "");
            fputs("]}\n", out);
            wrote = true;
            break;
        }
    }
    return wrote;
}

/* Writes one part of the clusters: lead before its first item, sep between items. */
static rp_status write_part(FILE *out, const rp_corpus *corpus, const rp_scan *scan,
                            const rp_options *opts, part what, const char *lead, const char *sep)
{
    cluster_part b = {corpus, scan, opts, what, sep};
    ordered o = {rp_scan_cluster_count(scan), NULL, cluster_format, &b, 0, NULL, NULL, NULL};

    return write_ordered(out, &o, rp_pool_threads(opts), lead, sep);
}

/* Cluster ids are those of the full report: a --kinds filter leaves out clusters, never
 * renumbers them. */
static rp_status scan_json(FILE *out, const rp_corpus *corpus, const rp_scan *scan,
                           const rp_options *opts)
{
    fputs(",\"clusters\":[", out);
    rp_status st = write_part(out, corpus, scan, opts, PART_CLUSTERS, "\n", ",\n");
    if (st != RP_OK)
        return st;
    fputs("],\n\"pairs\":[", out);
    st = write_part(out, corpus, scan, opts, PART_PAIRS, "", ",");
    fputs("]}\n", out);
    return st;
}

static rp_status scan_jsonl(FILE *out, const rp_corpus *corpus, const rp_scan *scan,
                            const rp_options *opts)
{
    fputs("}\n", out);
    return write_part(out, corpus, scan, opts, PART_LINES, "", "");
}

rp_status rp_report_scan_json(FILE *out, const rp_corpus *corpus, const rp_scan *scan,
                              const rp_options *opts, rp_sources *sources, bool lines)
{
    rp_status st = scan_head(out, corpus, scan, opts, sources);

    if (st != RP_OK)
        return st;
    return lines ? scan_jsonl(out, corpus, scan, opts) : scan_json(out, corpus, scan, opts);
}

/* ---- quotes ---- */

/* A source's fields in one line buffer (put_line): fprintf parsing its formats took about a
 * fifth of `quotes`' instructions where 30,000 quotations list 10 sources each. */
static void quote_source(FILE *out, const rp_quote_source *s)
{
    char line[LINE_MAX_BYTES], *q = line;

    q = put_lit(q, "{\"doc\":");
    q = put_u(q, s->doc);
    q = put_lit(q, ",\"start\":");
    q = put_u(q, s->start);
    q = put_lit(q, ",\"end\":");
    q = put_u(q, s->end);
    q = s->quoted ? put_lit(q, ",\"quoted\":true,\"identity\":")
                  : put_lit(q, ",\"quoted\":false,\"identity\":");
    q = put_share(q, s->identity);
    q = put_lit(q, ",\"fidelity\":\"");
    q = s->fidelity == RP_FIDELITY_VERBATIM ? put_lit(q, "verbatim")
                                            : put_lit(q, rp_fidelity_name(s->fidelity));
    q = put_lit(q, "\",\"differences\":[");
    if (s->diff_count == 0) {
        q = put_lit(q, "]}");
        put_line(out, line, q);
        return;
    }
    put_line(out, line, q);
    for (size_t i = 0; i < s->diff_count; i++) {
        fputs(i ? ",{\"quote\":" : "{\"quote\":", out);
        rp_escape_json_cstring(out, s->diffs[i].quote);
        fputs(",\"source\":", out);
        rp_escape_json_cstring(out, s->diffs[i].source);
        putc('}', out);
    }
    fputs("]}", out);
}

static void quote(FILE *out, const rp_corpus *corpus, const rp_quote *q, size_t id)
{
    const rp_doc *d = rp_corpus_doc(corpus, q->doc);
    char line[LINE_MAX_BYTES], *p = line;

    p = put_lit(p, "{\"id\":");
    p = put_u(p, id);
    p = put_lit(p, ",\"doc\":");
    p = put_u(p, q->doc);
    p = put_lit(p, ",\"start\":");
    p = put_u(p, q->start);
    p = put_lit(p, ",\"end\":");
    p = put_u(p, q->end);
    p = put_lit(p, ",\"line\":");
    p = put_u(p, q->line);
    p = put_lit(p, ",\"column\":");
    p = put_u(p, q->column);
    p = put_lit(p, ",\"tokens\":");
    p = put_u(p, q->tokens);
    p = put_lit(p, ",\"text\":");
    put_line(out, line, p);
    rp_escape_json_string(out, d->bytes + q->start, q->end - q->start);
    fputs(",\"speaker\":", out);
    if (q->speaker)
        rp_escape_json_cstring(out, q->speaker);
    else
        fputs("null", out);
    fputs(q->source_count ? ",\"status\":\"sourced\",\"sources\":["
                          : ",\"status\":\"unsourced\",\"sources\":[",
          out);
    for (size_t i = 0; i < q->source_count; i++) {
        if (i)
            putc(',', out);
        quote_source(out, &q->sources[i]);
    }
    /* every source found; "sources" lists at most max_sources of them */
    p = put_lit(line, "],\"sources_total\":");
    p = put_u(p, q->sources_total);
    *p++ = '}';
    put_line(out, line, p);
}

void rp_report_quotes_json(FILE *out, const rp_corpus *corpus, const rp_quotes *qs,
                           const rp_options *opts, const rp_quotes_options *qopts)
{
    size_t ndocs = rp_corpus_count(corpus), n = rp_quotes_count(qs);

    fprintf(out, "{\"version\":1,\"tool\":\"reprint %s\",\"command\":\"quotes\",\"settings\":{",
            rp_version());
    settings_fields(out, opts);
    fprintf(out, ",\"min_words\":%u,\"max_sources\":%u},\"documents\":[", qopts->min_words,
            qopts->max_sources);
    for (uint32_t i = 0; i < ndocs; i++) {
        if (i)
            putc(',', out);
        document(out, i, rp_corpus_doc(corpus, i), rp_quotes_doc_stats(qs, i), NULL);
    }
    fputs("],\"skipped\":", out);
    skipped(out, corpus);
    fputs(",\"quotes\":[", out);
    for (size_t i = 0; i < n; i++) {
        fputs(i ? ",\n" : "\n", out);
        quote(out, corpus, rp_quotes_get(qs, i), i);
    }
    fputs("]}\n", out);
}

/* ---- dedup ---- */

static void dedup_settings(FILE *out, const rp_options *o, const rp_dedup_options *d,
                           const char *date_field)
{
    fprintf(out,
            "\"settings\":{\"shingle\":%u,\"window\":%u,\"max_df\":%u,\"sample\":%u,"
            "\"resemblance\":%.4f,\"containment\":%.4f,\"keep\":\"%s\",\"date_field\":",
            o->shingle, o->window, o->max_df, RP_DEDUP_SAMPLE, d->resemblance, d->containment,
            rp_dedup_keep_name(d->keep));
    if (date_field)
        rp_escape_json_cstring(out, date_field);
    else
        fputs("null", out);
    fprintf(out, ",\"fold_case\":%s,\"fold_marks\":%s,\"fold_quotes\":%s,\"fold_spelling\":%s}",
            json_bool(o->fold_case), json_bool(o->fold_marks), json_bool(o->fold_quotes),
            json_bool(o->fold_spelling));
}

/* The group each document belongs to (SIZE_MAX: none), filled into gid. */
static void dedup_group_ids(const rp_dedup *dd, size_t ndocs, size_t *gid)
{
    size_t ngroups = rp_dedup_group_count(dd);

    for (size_t d = 0; d < ndocs; d++)
        gid[d] = SIZE_MAX;
    for (size_t g = 0; g < ngroups; g++) {
        const rp_dedup_group *grp = rp_dedup_get_group(dd, g);
        gid[grp->representative] = g;
        for (size_t m = 0; m < grp->member_count; m++)
            gid[grp->members[m].doc] = g;
    }
}

static void dedup_document(FILE *out, const rp_corpus *corpus, const rp_dedup *dd, uint32_t d,
                           size_t gid)
{
    const rp_doc *doc = rp_corpus_doc(corpus, d);
    const rp_dedup_member *a = rp_dedup_doc(dd, d);

    fprintf(out, "{\"id\":%u,\"name\":", d);
    rp_escape_json_cstring(out, doc->name);
    fprintf(out,
            ",\"bytes\":%zu,\"tokens\":%u,\"covered\":%.4f,\"invalid_utf8\":%zu,"
            "\"offset\":%zu,\"verdict\":\"%s\",\"kept\":%s,\"group\":",
            doc->len, rp_dedup_doc_tokens(dd, d), a->of == UINT32_MAX ? 0.0 : a->containment,
            rp_dedup_doc_invalid_utf8(dd, d), doc->offset, rp_verdict_name(a->verdict),
            json_bool(rp_dedup_kept(dd, d)));
    if (gid == SIZE_MAX)
        fputs("null}", out);
    else
        fprintf(out, "%zu}", gid);
}

static void dedup_group(FILE *out, const rp_dedup_group *grp, size_t g)
{
    fprintf(out, "{\"id\":%zu,\"representative\":%u,\"members\":[", g, grp->representative);
    for (size_t i = 0; i < grp->member_count; i++) {
        const rp_dedup_member *m = &grp->members[i];
        fprintf(out,
                "%s{\"doc\":%u,\"of\":%u,\"verdict\":\"%s\",\"resemblance\":%.4f,"
                "\"containment\":%.4f}",
                i ? "," : "", m->doc, m->of, rp_verdict_name(m->verdict), m->resemblance,
                m->containment);
    }
    fputs("]}", out);
}

static rp_status dedup_head(FILE *out, const rp_corpus *corpus, const rp_dedup *dd,
                            const rp_dedup_options *dopts)
{
    size_t ndocs = rp_dedup_doc_count(dd);
    size_t *gid = rp_calloc(ndocs + 1, sizeof(*gid));

    if (!gid)
        return RP_ENOMEM;
    dedup_group_ids(dd, ndocs, gid);
    fprintf(out, "{\"version\":1,\"tool\":\"reprint %s\",\"command\":\"dedup\",", rp_version());
    dedup_settings(out, rp_dedup_run_options(dd), rp_dedup_run_dedup_options(dd),
                   dopts->date_field);
    fputs(",\"documents\":[", out);
    for (uint32_t d = 0; d < ndocs; d++) {
        fputs(d ? "," : "", out);
        dedup_document(out, corpus, dd, d, gid[d]);
    }
    fputs("],\"skipped\":", out);
    skipped(out, corpus);
    rp_free(gid);
    return RP_OK;
}

rp_status rp_report_dedup_json(FILE *out, const rp_corpus *corpus, const rp_dedup *dd,
                               const rp_dedup_options *dopts, bool lines)
{
    size_t ngroups = rp_dedup_group_count(dd);
    rp_status st = dedup_head(out, corpus, dd, dopts);

    if (st != RP_OK)
        return st;
    fputs(lines ? "}\n" : ",\"groups\":[", out);
    for (size_t g = 0; g < ngroups; g++) {
        if (!lines && g)
            putc(',', out);
        dedup_group(out, rp_dedup_get_group(dd, g), g);
        if (lines)
            putc('\n', out);
    }
    if (!lines)
        fputs("]}\n", out);
    return RP_OK;
}
