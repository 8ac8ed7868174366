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

#include <stdlib.h>
#include <string.h>

/* ---- pieces every command's report shares ---- */

/* Shares and identities: fixed 4 decimals, so reports are byte-identical across runs. */
static void json_share(FILE *out, double x)
{
    fprintf(out, "%.4f", x);
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
        fprintf(out, "%s{\"doc\":%u,\"tokens\":%u,\"share\":", i ? "," : "", src[i].doc,
                src[i].tokens);
        json_share(out, src[i].share);
        fputs(",\"identity\":", out);
        json_share(out, src[i].identity);
        fputs(",\"direction\":", out);
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
    fprintf(out, "{\"id\":%u,\"name\":", id);
    rp_escape_json_cstring(out, d->name);
    fprintf(out, ",\"bytes\":%zu,\"tokens\":%u,\"covered\":", d->len, st->tokens);
    json_share(out, st->covered);
    fprintf(out, ",\"invalid_utf8\":%zu,\"offset\":%zu", st->invalid_utf8, d->offset);
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

/* ---- the scan's documents, formatted on the pool's threads ----
 * Documents are cut into chunks; for a batch of chunks the sources are looked up first, in
 * order (rp_sources_of works in one shared scratch), then each chunk is formatted into its
 * own memory stream and the streams are written in order: the bytes of one thread writing
 * them all (at 1 GB, 166,667 documents took about 1 s of one thread). */

enum { DOC_CHUNK = 64, DOC_CHUNKS_PER_THREAD = 8 };

typedef struct doc_batch {
    const rp_corpus *corpus;
    const rp_scan *scan;
    bool with_sources;
    uint32_t first, end; /* the batch's documents */
    rp_source *src;      /* per document of the batch: its first RP_SOURCES_LISTED sources */
    size_t *src_n;       /* and how many it has */
    char **text;
    size_t *len;
} doc_batch;

static rp_status doc_chunk_task(void *ctx, size_t item, unsigned worker)
{
    const doc_batch *b = ctx;
    uint32_t lo = b->first + (uint32_t)(item * DOC_CHUNK);
    uint32_t hi = b->end - lo < DOC_CHUNK ? b->end : lo + DOC_CHUNK;
    FILE *mem = open_memstream(&b->text[item], &b->len[item]);

    (void)worker;
    if (!mem)
        return RP_ENOMEM;
    for (uint32_t i = lo; i < hi; i++) {
        size_t k = i - b->first;
        if (i)
            putc(',', mem);
        document_entry(mem, i, rp_corpus_doc(b->corpus, i), rp_scan_doc_stats(b->scan, i),
                       b->with_sources, b->src + k * RP_SOURCES_LISTED, b->src_n[k]);
    }
    return fclose(mem) == 0 ? RP_OK : RP_ENOMEM;
}

static rp_status scan_documents(FILE *out, const rp_corpus *corpus, const rp_scan *scan,
                                const rp_options *opts, rp_sources *sources)
{
    size_t n = rp_corpus_count(corpus);
    unsigned threads = rp_pool_threads(opts);
    size_t chunks = (size_t)threads * DOC_CHUNKS_PER_THREAD, per_batch = chunks * DOC_CHUNK;
    if (per_batch > n) { /* a batch no larger than the corpus, whatever --threads says */
        chunks = (n + DOC_CHUNK - 1) / DOC_CHUNK;
        per_batch = chunks * DOC_CHUNK;
    }
    doc_batch b = {corpus, scan, sources != NULL, 0, 0, NULL, NULL, NULL, NULL};
    rp_status st = RP_OK;

    if (threads == 1 || n <= DOC_CHUNK) {
        for (uint32_t i = 0; i < n && st == RP_OK; i++) {
            if (i)
                putc(',', out);
            st = document(out, i, rp_corpus_doc(corpus, i), rp_scan_doc_stats(scan, i),
                          sources);
        }
        return st;
    }
    b.src = rp_malloc(per_batch * RP_SOURCES_LISTED * sizeof(*b.src));
    b.src_n = rp_calloc(per_batch, sizeof(*b.src_n));
    b.text = rp_calloc(chunks, sizeof(*b.text));
    b.len = rp_calloc(chunks, sizeof(*b.len));
    if (!b.src || !b.src_n || !b.text || !b.len)
        st = RP_ENOMEM;
    for (size_t first = 0; st == RP_OK && first < n; first += per_batch) {
        b.first = (uint32_t)first;
        b.end = (uint32_t)(n - first < per_batch ? n : first + per_batch);
        for (uint32_t i = b.first; sources && i < b.end && st == RP_OK; i++) {
            const rp_source *src;
            size_t k = i - b.first, m;
            if ((st = rp_sources_of(sources, i, &src, &m)) == RP_OK) {
                b.src_n[k] = m;
                memcpy(b.src + k * RP_SOURCES_LISTED, src,
                       (m < RP_SOURCES_LISTED ? m : RP_SOURCES_LISTED) * sizeof(*src));
            }
        }
        size_t count = (b.end - b.first + DOC_CHUNK - 1) / DOC_CHUNK;
        if (st == RP_OK)
            st = rp_pool_run(threads, count, doc_chunk_task, &b, "report", NULL, NULL);
        for (size_t k = 0; k < count; k++) {
            if (st == RP_OK)
                fwrite(b.text[k], 1, b.len[k], out);
            free(b.text[k]); /* open_memstream's buffer: the C library's malloc */
            b.text[k] = NULL;
        }
    }
    rp_free(b.src);
    rp_free(b.src_n);
    rp_free(b.text);
    rp_free(b.len);
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
        fprintf(out, "%s{\"cluster\":%zu,\"a\":%u,\"b\":%u,\"identity\":",
                written++ ? "," : lead, id, p->a, p->b);
        json_share(out, p->identity);
        fprintf(out, ",\"tokens\":%u,\"earlier\":", p->tokens);
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
        fprintf(out,
                "%s{\"doc\":%u,\"start\":%zu,\"end\":%zu,\"line\":%u,\"column\":%u,"
                "\"tokens\":%u,\"identity\":",
                j ? "," : "", p->doc, p->start, p->end, p->line, p->column, p->tokens);
        json_share(out, p->identity);
        if (p->partial)
            fprintf(out, ",\"partial\":true,\"within\":{\"passage\":%u,\"start\":%zu,\"end\":%zu}",
                    p->within, p->within_start, p->within_end);
        fputs(",\"text\":", out);
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

/* ---- clusters and pairs, formatted on the pool's threads ----
 * The clusters are cut into chunks; a batch of chunks is formatted at once, each into its own
 * memory stream, and written in order, so the bytes are those of one thread writing them all
 * and at most a batch's text is held. A chunk separates its own items; the writer puts `sep`
 * between chunks that wrote something. */

enum { CHUNK_CLUSTERS = 64, CHUNKS_PER_THREAD = 8 };

typedef enum { PART_CLUSTERS, PART_PAIRS, PART_LINES } part;

typedef struct {
    const rp_corpus *corpus;
    const rp_scan *scan;
    const rp_options *opts;
    part what;
    const char *sep;
    size_t first_chunk, clusters;
    char **text;
    size_t *len;
    bool *wrote;
} chunk_batch;

/* Clusters [begin, end) of one part, lead before the first item written and the part's
 * separator between items; returns whether anything was written. */
static bool write_chunk(FILE *out, const chunk_batch *b, size_t begin, size_t end,
                        const char *lead)
{
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

static rp_status chunk_task(void *ctx, size_t item, unsigned worker)
{
    const chunk_batch *b = ctx;
    size_t begin = (b->first_chunk + item) * CHUNK_CLUSTERS;
    size_t end = begin + CHUNK_CLUSTERS < b->clusters ? begin + CHUNK_CLUSTERS : b->clusters;
    FILE *mem = open_memstream(&b->text[item], &b->len[item]);

    (void)worker;
    if (!mem)
        return RP_ENOMEM;
    b->wrote[item] = write_chunk(mem, b, begin, end, "");
    return fclose(mem) == 0 ? RP_OK : RP_ENOMEM;
}

/* Writes one part of the clusters: lead before its first item, sep between items. */
static rp_status write_part(FILE *out, const rp_corpus *corpus, const rp_scan *scan,
                            const rp_options *opts, part what, const char *lead, const char *sep)
{
    size_t n = rp_scan_cluster_count(scan), chunks = (n + CHUNK_CLUSTERS - 1) / CHUNK_CLUSTERS;
    unsigned threads = rp_pool_threads(opts);
    size_t per_batch = (size_t)threads * CHUNKS_PER_THREAD;
    chunk_batch b = {corpus, scan, opts, what, sep, 0, n, NULL, NULL, NULL};
    bool any = false;
    rp_status st = RP_OK;

    if (threads == 1 || chunks < 2) {
        (void)write_chunk(out, &b, 0, n, lead);
        return RP_OK;
    }
    b.text = rp_calloc(per_batch, sizeof(*b.text));
    b.len = rp_calloc(per_batch, sizeof(*b.len));
    b.wrote = rp_calloc(per_batch, sizeof(*b.wrote));
    if (!b.text || !b.len || !b.wrote)
        st = RP_ENOMEM;
    for (; st == RP_OK && b.first_chunk < chunks; b.first_chunk += per_batch) {
        size_t count = chunks - b.first_chunk < per_batch ? chunks - b.first_chunk : per_batch;
        st = rp_pool_run(threads, count, chunk_task, &b, "report", NULL, NULL);
        for (size_t k = 0; k < count; k++) {
            if (st == RP_OK && b.wrote[k]) {
                fputs(any ? sep : lead, out);
                fwrite(b.text[k], 1, b.len[k], out);
                any = true;
            }
            free(b.text[k]); /* open_memstream's buffer: the C library's malloc */
            b.text[k] = NULL;
        }
    }
    rp_free(b.text);
    rp_free(b.len);
    rp_free(b.wrote);
    return st;
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

static void quote_source(FILE *out, const rp_quote_source *s)
{
    fprintf(out, "{\"doc\":%u,\"start\":%zu,\"end\":%zu,\"quoted\":%s,\"identity\":", s->doc,
            s->start, s->end, json_bool(s->quoted));
    json_share(out, s->identity);
    fprintf(out, ",\"fidelity\":\"%s\",\"differences\":[", rp_fidelity_name(s->fidelity));
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

    fprintf(out,
            "{\"id\":%zu,\"doc\":%u,\"start\":%zu,\"end\":%zu,\"line\":%u,\"column\":%u,"
            "\"tokens\":%u,\"text\":",
            id, q->doc, q->start, q->end, q->line, q->column, q->tokens);
    rp_escape_json_string(out, d->bytes + q->start, q->end - q->start);
    fputs(",\"speaker\":", out);
    if (q->speaker)
        rp_escape_json_cstring(out, q->speaker);
    else
        fputs("null", out);
    fprintf(out, ",\"status\":\"%s\",\"sources\":[", q->source_count ? "sourced" : "unsourced");
    for (size_t i = 0; i < q->source_count; i++) {
        if (i)
            putc(',', out);
        quote_source(out, &q->sources[i]);
    }
    /* every source found; "sources" lists at most max_sources of them */
    fprintf(out, "],\"sources_total\":%zu}", q->sources_total);
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
