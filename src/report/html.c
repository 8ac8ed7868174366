/*
 * html.c - the HTML reports: each one self-contained file (inline CSS and JS, no fetches),
 * sharing the escaping, the page chrome (head, CSP, header, "show more" blocks); the style
 * sheets and scripts are the files of src/report/assets/, embedded at build time (assets.h).
 *
 * scan: the static markup holds the overview (summary, coverage bars, clusters largest first)
 * and, for every reported passage, one element carrying data-doc/-start/-end/-cluster, so it can
 * be checked before any script runs. Document texts are embedded once, as JSON in a
 * <script type="application/json"> block; the cluster view (side by side, word diff) and the
 * document view are drawn from it on demand, through text nodes only. Byte offsets become
 * UTF-16 offsets for the script, and coverage is split by kind, in one sweep over passage ends.
 *
 * quotes: all static; every quotation is an article with its text (an element carrying
 * data-quote and data-doc/-start/-end) beside its sources' texts (each location carrying
 * data-quote and data-source-doc/-start/-end), the best one shown, and a fidelity badge; the
 * unsourced quotations follow. The script only reads the panes' texts back to mark the words
 * that differ, and switches sources.
 */
#include "report/html.h"
#include "report/assets.h"
#include "report/report.h"
#include "base/escape.h"

#include <stdlib.h>
#include <string.h>

#define EXCERPT_BYTES 180

#define REPLACEMENT "\xEF\xBF\xBD"

/* The entity for a character HTML must not see raw, or NULL. */
static const char *html_entity(unsigned char c)
{
    switch (c) {
    case '&': return "&amp;";
    case '<': return "&lt;";
    case '>': return "&gt;";
    case '"': return "&quot;";
    case '\'': return "&#39;";
    default: return NULL;
    }
}

void rp_html_text(FILE *out, const char *text, size_t len)
{
    const unsigned char *s = (const unsigned char *)text;

    for (size_t i = 0; i < len;) {
        size_t n = rp_escape_utf8_len(s + i, len - i);
        const char *ent = n == 1 ? html_entity(s[i]) : NULL;
        bool control = n == 1 && ((s[i] < 0x20 && s[i] != '\t' && s[i] != '\n' && s[i] != '\r') ||
                                  s[i] == 0x7F);
        if (ent)
            fputs(ent, out);
        else if (n == 0 || control)
            fputs(REPLACEMENT, out);
        else
            fwrite(s + i, 1, n, out);
        i += n ? n : 1;
    }
}

static void html_cstring(FILE *out, const char *s)
{
    rp_html_text(out, s, strlen(s));
}

/* The escape for an ASCII character inside a JSON string in a script block, or NULL. */
static const char *json_escape(unsigned char c)
{
    switch (c) {
    case '"': return "\\\"";
    case '\\': return "\\\\";
    case '\n': return "\\n";
    case '\r': return "\\r";
    case '\t': return "\\t";
    case '<': return "\\u003c"; /* no "</script" nor "<!--" can close or confuse the block */
    case '>': return "\\u003e";
    case '&': return "\\u0026";
    default: return NULL;
    }
}

void rp_html_json_string(FILE *out, const char *text, size_t len)
{
    const unsigned char *s = (const unsigned char *)text;

    putc('"', out);
    for (size_t i = 0; i < len;) {
        size_t n = rp_escape_utf8_len(s + i, len - i);
        const char *esc = n == 1 ? json_escape(s[i]) : NULL;
        if (n == 0) {
            fputs(REPLACEMENT, out);
            n = 1;
        } else if (esc) {
            fputs(esc, out);
        } else if (n == 1 && (s[i] < 0x20 || s[i] == 0x7F)) {
            fprintf(out, "\\u%04x", s[i]);
        } else if (n == 3 && s[i] == 0xE2 && s[i + 1] == 0x80 && (s[i + 2] & 0xFE) == 0xA8) {
            fputs(s[i + 2] == 0xA8 ? "\\u2028" : "\\u2029", out); /* line ends in old JS */
        } else {
            fwrite(s + i, 1, n, out);
        }
        i += n;
    }
    putc('"', out);
}

static void json_cstring(FILE *out, const char *s)
{
    rp_html_json_string(out, s, strlen(s));
}

/* A one-line excerpt: white space folded, cut on a character boundary, escaped. */
static void html_excerpt(FILE *out, const char *text, size_t len)
{
    const unsigned char *s = (const unsigned char *)text;
    size_t shown = 0, i = 0;
    bool space = false;

    while (i < len && shown < EXCERPT_BYTES) {
        size_t n = rp_escape_utf8_len(s + i, len - i);
        if (n == 1 && (s[i] <= ' ' || s[i] == 0x7F)) {
            space = shown > 0;
            i++;
            continue;
        }
        if (space)
            putc(' ', out), shown++, space = false;
        rp_html_text(out, text + i, n ? n : 1);
        shown += n ? n : 1;
        i += n ? n : 1;
    }
    if (i < len)
        fputs("\xE2\x80\xA6", out);
}

/* ---- names shortened in the middle ---- */

#define NAME_SHOWN 48 /* bytes of a name shown before it is shortened */

/* Where a long name is cut: it shows as name[0..*head) "…" name[*tail..]. The file name and its
 * "#N" stay whole (a long file name keeps its start and its end); false when it fits. */
static bool short_cut(const char *name, size_t *head, size_t *tail)
{
    size_t len = strlen(name), base = 0;

    if (len <= NAME_SHOWN)
        return false;
    for (size_t i = 0; i < len; i++)
        if (name[i] == '/')
            base = i + 1;
    if (len - base <= NAME_SHOWN - 8) {
        *tail = base ? base - 1 : 0; /* "…/file.txt#3" */
        *head = NAME_SHOWN - (len - *tail) - 1;
    } else {
        *tail = len - NAME_SHOWN / 2;
        *head = NAME_SHOWN / 2 - 1;
    }
    while (*head > 0 && ((unsigned char)name[*head] & 0xC0) == 0x80)
        (*head)--;
    while (*tail < len && ((unsigned char)name[*tail] & 0xC0) == 0x80)
        (*tail)++;
    return true;
}

/* A name as HTML text, shortened in the middle when long. */
static void html_short_name(FILE *out, const char *name)
{
    size_t head, tail;

    if (!short_cut(name, &head, &tail)) {
        html_cstring(out, name);
        return;
    }
    rp_html_text(out, name, head);
    fputs("\xE2\x80\xA6", out);
    html_cstring(out, name + tail);
}

/* The same as a JSON field ,"s":"..." for the script, only when the name is shortened. */
static void json_short_name(FILE *out, const char *name)
{
    size_t head, tail, len = strlen(name);
    char *buf;

    if (!short_cut(name, &head, &tail) || !(buf = rp_malloc(len + 4)))
        return;
    memcpy(buf, name, head);
    memcpy(buf + head, "\xE2\x80\xA6", 3);
    memcpy(buf + head + 3, name + tail, len - tail);
    fputs(",\"s\":", out);
    rp_html_json_string(out, buf, head + 3 + len - tail);
    rp_free(buf);
}

/* ---- what the page needs beyond the clusters: UTF-16 offsets and coverage by kind ---- */

#define KIND_COUNT RP_KIND_COUNT

typedef struct html_report {
    const rp_corpus *corpus;
    const rp_options *opts;
    const rp_doc_stats *stats;
    const rp_cluster **clusters; /* the reported ones (--kinds), in report order */
    size_t *ids;                 /* each one's id: its index among all clusters, as in JSON */
    size_t count;
    size_t total; /* all clusters, reported or not */
    size_t passages;
    uint32_t *u16;     /* per passage (in report order): start and end in UTF-16 units */
    size_t *cover;     /* per document and kind: bytes shown in that kind's colour */
    size_t by_kind[KIND_COUNT];
    rp_sources *sources; /* each document's sources, or NULL (hand-made clusters, no scan) */
} html_report;

/* One end of a passage, for the sweep along each document. */
typedef struct html_event {
    uint32_t doc;
    uint32_t kind;
    size_t off;
    size_t passage; /* index in report order */
    int end;        /* 0 start, 1 end */
} html_event;

static int event_cmp(const void *pa, const void *pb)
{
    const html_event *a = pa, *b = pb;

    if (a->doc != b->doc)
        return a->doc < b->doc ? -1 : 1;
    if (a->off != b->off)
        return a->off < b->off ? -1 : 1;
    if (a->passage != b->passage)
        return a->passage < b->passage ? -1 : 1;
    return a->end - b->end;
}

static rp_status collect_events(const html_report *r, html_event **out)
{
    html_event *ev;
    size_t n = 0, k = 0, size;

    if (!rp_mul_ok(r->passages, 2 * sizeof(*ev), &size))
        return RP_ENOMEM;
    ev = rp_malloc(size ? size : 1);
    if (!ev)
        return RP_ENOMEM;
    for (size_t i = 0; i < r->count; i++) {
        const rp_cluster *c = r->clusters[i];
        for (size_t j = 0; j < c->passage_count; j++, k++) {
            const rp_passage *p = &c->passages[j];
            ev[n++] = (html_event){p->doc, (uint32_t)c->kind, p->start, k, 0};
            ev[n++] = (html_event){p->doc, (uint32_t)c->kind, p->end, k, 1};
        }
    }
    qsort(ev, n, sizeof(*ev), event_cmp);
    *out = ev;
    return RP_OK;
}

/* Walks each document once along the sorted passage ends: UTF-16 offsets (an invalid byte is
 * one U+FFFD, as in the embedded text) and bytes covered, each byte given to the first kind
 * (reprint, internal, boilerplate) of the passages over it. */
static void sweep(html_report *r, const html_event *ev, size_t n)
{
    size_t active[KIND_COUNT] = {0}, b = 0, u = 0, prev = 0;
    uint32_t doc = UINT32_MAX;
    const unsigned char *s = NULL;
    size_t len = 0;

    for (size_t i = 0; i < n; i++) {
        const html_event *e = &ev[i];
        if (e->doc != doc) {
            const rp_doc *d = rp_corpus_doc(r->corpus, e->doc);
            doc = e->doc, s = (const unsigned char *)d->bytes, len = d->len, b = u = prev = 0;
        }
        for (unsigned k = 0; k < KIND_COUNT; k++) {
            if (active[k]) {
                r->cover[(size_t)doc * KIND_COUNT + k] += e->off - prev;
                break;
            }
        }
        prev = e->off;
        while (b < e->off && b < len) {
            size_t m = rp_escape_utf8_len(s + b, len - b);
            u += m == 4 ? 2 : 1;
            b += m ? m : 1;
        }
        r->u16[2 * e->passage + (size_t)e->end] = (uint32_t)u;
        if (e->end)
            active[e->kind]--;
        else
            active[e->kind]++;
    }
}

static rp_status report_prepare(html_report *r, const rp_cluster *clusters, size_t count)
{
    size_t ndocs = rp_corpus_count(r->corpus), size;
    html_event *ev = NULL;
    rp_status st = RP_ENOMEM;

    r->clusters = rp_malloc(count ? count * sizeof(*r->clusters) : 1);
    r->ids = rp_malloc(count ? count * sizeof(*r->ids) : 1);
    r->cover = rp_calloc(ndocs ? ndocs : 1, KIND_COUNT * sizeof(*r->cover));
    if (!r->clusters || !r->ids || !r->cover)
        return RP_ENOMEM;
    r->total = count;
    for (size_t i = 0; i < count; i++) {
        if (!(r->opts->kinds & (1u << clusters[i].kind)))
            continue;
        r->ids[r->count] = i;
        r->clusters[r->count++] = &clusters[i];
        r->passages += clusters[i].passage_count;
        r->by_kind[clusters[i].kind]++;
    }
    if (!rp_mul_ok(r->passages, 2 * sizeof(*r->u16), &size))
        return RP_ENOMEM;
    r->u16 = rp_malloc(size ? size : 1);
    if (!r->u16)
        return RP_ENOMEM;
    st = collect_events(r, &ev);
    if (st != RP_OK)
        return st;
    sweep(r, ev, 2 * r->passages);
    rp_free(ev);
    return RP_OK;
}

static void report_release(html_report *r)
{
    rp_free(r->clusters);
    rp_free(r->ids);
    rp_free(r->u16);
    rp_free(r->cover);
}

/* ---- the page ---- */

/* An embedded asset, byte for byte. */
static void write_asset(FILE *out, const rp_asset *a)
{
    fwrite(a->bytes, 1, a->len, out);
}

/* The Content-Security-Policy: nothing from outside the file, and of the inline scripts only
 * the page's own two run (by their hashes, computed at build time), so that text an escaping
 * bug let through as markup still cannot run. */
static void write_csp(FILE *out, const rp_asset *script)
{
    fprintf(out,
            "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; "
            "script-src %s %s; style-src 'unsafe-inline'; img-src data:\">\n",
            rp_asset_onerror_script.csp, script->csp);
}

/* The page up to <main>: CSP, styles (the shared ones, then extra), the error handler, and the
 * header naming the command, with nav links (trusted markup). script: the page's own, which
 * write_script writes at the end. */
static void write_head(FILE *out, const char *command, const rp_asset *css,
                       const rp_asset *script, const char *nav)
{
    fputs("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
          "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n",
          out);
    write_csp(out, script);
    fputs("<meta name=\"generator\" content=\"reprint ", out);
    fprintf(out, "%s\">\n<title>reprint %s report</title>\n<style>\n", rp_version(), command);
    write_asset(out, &rp_asset_report_css);
    if (css)
        write_asset(out, css);
    fputs("</style>\n</head>\n<body>\n<div id=\"rp-errors\"></div>\n<script>", out);
    write_asset(out, &rp_asset_onerror_script);
    fputs("</script>\n", out);
    fprintf(out,
            "<header class=\"top\"><h1>reprint report</h1><span class=\"tool\">%s</span>\n"
            "<nav class=\"views\"><a href=\"#overview\" data-view=\"overview\">Overview</a>%s</nav>"
            "</header>\n<main>\n",
            command, nav);
}

/* The page's script (assembled at build time: base.js, the page's own, page.js), then the end
 * of the page. */
static void write_script(FILE *out, const rp_asset *script)
{
    fputs("<script>", out);
    write_asset(out, script);
    fputs("</script>\n</body>\n</html>\n", out);
}

/* Long lists show their first rows; the rest is parsed but hidden (no style or layout work
 * while the page opens) in blocks that a "show more" button reveals one at a time. */
#define SHOWN_DOCS 200
#define SHOWN_CLUSTERS 200
#define MORE_BLOCK 2000
#define SOURCES_LISTED 50 /* sources embedded per document (the count says how many in all) */
#define FOLD_ROWS 20 /* a list of passages shows this many rows, the rest behind a button */

static void more_open(FILE *out, size_t i, size_t count, size_t shown)
{
    if (i >= shown && (i - shown) % MORE_BLOCK == 0)
        fputs(i > shown ? "</div><div class=\"more\" hidden>\n" : "<div class=\"more\" hidden>\n",
              out);
}

static void more_close(FILE *out, size_t count, size_t shown, const char *what)
{
    if (count > shown)
        fprintf(out, "</div><button type=\"button\" class=\"showmore\">show more %s (%zu in "
                "all)</button>\n", what, count);
}

static void write_stat(FILE *out, unsigned long long value, const char *label)
{
    fprintf(out, "<div class=\"stat\"><b>%llu</b><span>%s</span></div>", value, label);
}

/* The inputs that could not be used, as a heading and a list (nothing when there is none). */
static void write_skipped(FILE *out, const rp_corpus *corpus)
{
    size_t nskip = rp_corpus_skipped_count(corpus);

    if (!nskip)
        return;
    fprintf(out, "<h3>%zu input%s skipped</h3><ul class=\"mute\">", nskip, nskip == 1 ? "" : "s");
    for (size_t i = 0; i < nskip; i++) {
        const rp_skip *sk = rp_corpus_skipped(corpus, i);
        fputs("<li>", out);
        html_cstring(out, sk->input);
        fputs(": ", out);
        html_cstring(out, sk->reason);
        fputs("</li>", out);
    }
    fputs("</ul>", out);
}

/* The overview card's head, with the corpus's documents and tokens; the page adds its own
 * figures and settings, then close_overview. */
static void open_overview(FILE *out, const char *title, const rp_corpus *corpus,
                          const rp_doc_stats *stats)
{
    size_t ndocs = rp_corpus_count(corpus);
    unsigned long long tokens = 0;

    for (uint32_t i = 0; i < ndocs; i++)
        tokens += stats[i].tokens;
    fprintf(out, "<section class=\"card\" id=\"overview\"><h2>%s</h2><div class=\"stats\">",
            title);
    write_stat(out, ndocs, "documents");
    write_stat(out, tokens, "tokens");
}

/* The skipped inputs, and the card's end. */
static void close_overview(FILE *out, const rp_corpus *corpus)
{
    write_skipped(out, corpus);
    fputs("</section>\n", out);
}

static void write_summary(FILE *out, const html_report *r)
{
    const rp_options *o = r->opts;

    open_overview(out, "Corpus", r->corpus, r->stats);
    write_stat(out, r->count, "clusters");
    write_stat(out, r->passages, "passages");
    for (unsigned k = 0; k < KIND_COUNT; k++)
        if (o->kinds & (1u << k))
            write_stat(out, r->by_kind[k], rp_kind_name((rp_kind)k));
    fprintf(out,
            "</div>\n<p class=\"settings\">shingle %u, window %u, min tokens %u, min identity "
            "%.2f, max df %u, boilerplate: %u+ documents and at most %u tokens</p>\n",
            o->shingle, o->window, o->min_tokens, o->min_identity, o->max_df,
            o->boilerplate_docs, o->boilerplate_tokens);
    close_overview(out, r->corpus);
}

static void write_legend(FILE *out)
{
    fputs("<div class=\"legend\">", out);
    for (unsigned k = 0; k < KIND_COUNT; k++)
        fprintf(out, "<span><i class=\"k-%s\"></i>%s</span>", rp_kind_name((rp_kind)k),
                rp_kind_name((rp_kind)k));
    fputs("</div>\n", out);
}

static void write_coverage(FILE *out, const html_report *r)
{
    size_t ndocs = rp_corpus_count(r->corpus);

    fputs("<section class=\"card\" id=\"documents\"><h2>Documents</h2>\n<p class=\"mute\">Share "
          "of each document's bytes found elsewhere, by kind; the figure is the share of its "
          "tokens in repeated passages, boilerplate aside.</p>\n",
          out);
    write_legend(out);
    fputs("<div class=\"covlist\">\n", out);
    for (uint32_t i = 0; i < ndocs; i++) {
        const rp_doc *d = rp_corpus_doc(r->corpus, i);
        more_open(out, i, ndocs, SHOWN_DOCS);
        const size_t *cov = &r->cover[(size_t)i * KIND_COUNT];
        fprintf(out, "<div class=\"cov\" data-row=\"%u\"><a class=\"name\" href=\"#d/%u\" "
                "title=\"", i, i);
        html_cstring(out, d->name);
        fputs("\">", out);
        html_short_name(out, d->name);
        if (d->title) {
            fputs(" <span class=\"ttl\">", out);
            html_cstring(out, d->title);
            fputs("</span>", out);
        }
        fputs("</a><div class=\"bar\">", out);
        for (unsigned k = 0; k < KIND_COUNT; k++)
            if (cov[k] && d->len)
                fprintf(out, "<i class=\"k-%s\" style=\"width:%.2f%%\" title=\"%s %.1f%%\"></i>",
                        rp_kind_name((rp_kind)k), 100.0 * (double)cov[k] / (double)d->len,
                        rp_kind_name((rp_kind)k), 100.0 * (double)cov[k] / (double)d->len);
        fprintf(out, "</div><span class=\"pct\">%.0f%%</span></div>\n", 100.0 * r->stats[i].covered);
    }
    more_close(out, ndocs, SHOWN_DOCS, "documents");
    fputs("</div></section>\n", out);
}

static void write_filters(FILE *out, const html_report *r)
{
    fputs("<div class=\"filters\"><span class=\"mute\">show</span>", out);
    for (unsigned k = 0; k < KIND_COUNT; k++) {
        if (!(r->opts->kinds & (1u << k)))
            continue;
        fprintf(out,
                "<label><input type=\"checkbox\" data-kind=\"%s\" checked> <span "
                "class=\"badge k-%s\">%s</span> %zu</label>",
                rp_kind_name((rp_kind)k), rp_kind_name((rp_kind)k), rp_kind_name((rp_kind)k),
                r->by_kind[k]);
    }
    fputs("</div>\n", out);
}

/* One cluster: heading, an excerpt, and its listed passages, each an element with the four
 * data-* attributes of the JSON report (the machine-checkable markup). */
static void write_cluster(FILE *out, const html_report *r, size_t i)
{
    const rp_cluster *c = r->clusters[i];
    size_t id = r->ids[i];
    const char *kind = rp_kind_name(c->kind);
    const rp_passage *first = &c->passages[0];
    const rp_doc *fd = rp_corpus_doc(r->corpus, first->doc);
    size_t listed = rp_report_listed(c, r->opts);

    fprintf(out,
            "<article class=\"cl k-%s\" id=\"c%zu\"><h3><a href=\"#c/%zu\">Cluster %zu</a>"
            "<span class=\"badge k-%s\">%s</span><span class=\"mute\">%zu occurrences in %u "
            "document%s, %u tokens",
            kind, id, id, id, kind, kind, c->passage_count, c->documents,
            c->documents == 1 ? "" : "s", c->tokens);
    if (listed < c->passage_count)
        fprintf(out, "; the first %zu listed (--max-passages)", listed);
    fputs("</span></h3>\n<p class=\"ex\">", out);
    if (c->passage_count)
        html_excerpt(out, fd->bytes + first->start, first->end - first->start);
    fputs("</p>\n<ol class=\"occ\">", out);
    for (size_t j = 0; j < listed; j++) {
        const rp_passage *p = &c->passages[j];
        const rp_doc *d = rp_corpus_doc(r->corpus, p->doc);
        fprintf(out,
                "<li%s><a class=\"loc\" href=\"#d/%u/%zu.%zu\" data-doc=\"%u\" data-start=\"%zu\" "
                "data-end=\"%zu\" data-cluster=\"%zu\" title=\"",
                j >= FOLD_ROWS ? " hidden" : "", p->doc, id, j, p->doc, p->start, p->end, id);
        html_cstring(out, d->title ? d->title : d->name);
        fputs("\">", out);
        html_short_name(out, d->name);
        fprintf(out, ":%u:%u</a> %u tokens, %.0f%%</li>", p->line, p->column, p->tokens,
                100.0 * p->identity);
    }
    fputs("</ol>", out);
    if (listed > FOLD_ROWS)
        fprintf(out, "<button type=\"button\" class=\"unfold\">show %zu more passages</button>",
                listed - FOLD_ROWS);
    fputs("</article>\n", out);
}

static void write_clusters(FILE *out, const html_report *r)
{
    fputs("<section class=\"card\" id=\"clusters\"><h2>Clusters, largest first</h2>\n", out);
    write_filters(out, r);
    if (r->count == 0)
        fputs("<p class=\"mute\">No repeated passage was found.</p>\n", out);
    for (size_t i = 0; i < r->count; i++) {
        more_open(out, i, r->count, SHOWN_CLUSTERS);
        write_cluster(out, r, i);
    }
    more_close(out, r->count, SHOWN_CLUSTERS, "clusters");
    fputs("</section>\n", out);
}

/* ---- the embedded data: documents (texts only of those with passages) and clusters ---- */

static bool covered_any(const size_t *cov)
{
    for (unsigned k = 0; k < KIND_COUNT; k++)
        if (cov[k])
            return true;
    return false;
}

/* What names and places a document: title, date (seconds since the epoch), series. */
static void write_data_about(FILE *out, const rp_doc *d)
{
    if (d->title) {
        fputs(",\"title\":", out);
        json_cstring(out, d->title);
    }
    if (d->dated)
        fprintf(out, ",\"date\":%lld", (long long)d->date);
    if (d->series) {
        fputs(",\"series\":", out);
        json_cstring(out, d->series);
    }
}

/* The documents it shares text with, most tokens first, at most SOURCES_LISTED of them, as
 * "src":[[doc, tokens, share, identity, direction]...] and "nsrc" (how many in all); the
 * direction is rp_direction's number (0 unknown, 1 copied from, 2 copied by, 3 same time). */
static rp_status write_data_sources(FILE *out, const html_report *r, uint32_t doc)
{
    const rp_source *items;
    size_t n;

    if (!r->sources)
        return RP_OK;
    rp_status st = rp_sources_of(r->sources, doc, &items, &n);
    if (st != RP_OK || n == 0)
        return st;
    fputs(",\"src\":[", out);
    for (size_t j = 0; j < n && j < SOURCES_LISTED; j++)
        fprintf(out, "%s[%u,%u,%.4f,%.4f,%d]", j ? "," : "", items[j].doc, items[j].tokens,
                items[j].share, items[j].identity, (int)items[j].direction);
    fprintf(out, "],\"nsrc\":%zu", n);
    return RP_OK;
}

static rp_status write_data_docs(FILE *out, const html_report *r)
{
    size_t ndocs = rp_corpus_count(r->corpus);

    fputs("\"docs\":[", out);
    for (uint32_t i = 0; i < ndocs; i++) {
        const rp_doc *d = rp_corpus_doc(r->corpus, i);
        const size_t *cov = &r->cover[(size_t)i * KIND_COUNT];
        fputs(i ? ",\n{\"name\":" : "\n{\"name\":", out);
        json_cstring(out, d->name);
        json_short_name(out, d->name);
        fprintf(out, ",\"bytes\":%zu,\"tokens\":%u,\"covered\":%.4f", d->len,
                r->stats[i].tokens, r->stats[i].covered);
        write_data_about(out, d);
        if (write_data_sources(out, r, i) != RP_OK)
            return RP_ENOMEM;
        fputs(",\"text\":", out);
        if (covered_any(cov))
            rp_html_json_string(out, d->bytes, d->len);
        else
            fputs("null", out);
        putc('}', out);
    }
    putc(']', out);
    return RP_OK;
}

/* Every cluster by id, null when --kinds leaves it out; passages as [doc, start, end, line,
 * column, tokens, identity, u16 start, u16 end]: the listed ones, and the pairs between them;
 * n counts them all. */
static void write_data_clusters(FILE *out, const html_report *r)
{
    size_t k = 0; /* the first passage's index in report order (u16 holds every passage) */

    fputs(",\"clusters\":[", out);
    for (size_t id = 0, i = 0; id < r->total; id++) {
        fputs(id ? ",\n" : "\n", out);
        if (i == r->count || r->ids[i] != id) {
            fputs("null", out); /* not reported (--kinds): ids stay those of all clusters */
            continue;
        }
        const rp_cluster *c = r->clusters[i++];
        size_t listed = rp_report_listed(c, r->opts);
        const char *sep = "";
        fprintf(out,
                "{\"kind\":%d,\"tokens\":%u,\"documents\":%u,\"n\":%zu,\"first\":%zu,\"p\":[",
                (int)c->kind, c->tokens, c->documents, c->passage_count,
                rp_cluster_first(r->corpus, c));
        for (size_t j = 0; j < listed; j++) {
            const rp_passage *p = &c->passages[j];
            fprintf(out, "%s[%u,%zu,%zu,%u,%u,%u,%.4f,%u,%u]", j ? "," : "", p->doc, p->start,
                    p->end, p->line, p->column, p->tokens, p->identity, r->u16[2 * (k + j)],
                    r->u16[2 * (k + j) + 1]);
        }
        k += c->passage_count;
        fputs("],\"pairs\":[", out);
        for (size_t j = 0; j < c->pair_count; j++) {
            const rp_pair *q = &c->pairs[j];
            if (!rp_report_pair_listed(q, listed))
                continue;
            fprintf(out, "%s[%u,%u,%.4f,%u]", sep, q->a, q->b, q->identity, q->tokens);
            sep = ",";
        }
        fputs("]}", out);
    }
    fputs("]", out);
}

static rp_status write_tail(FILE *out, const html_report *r)
{
    fputs("<div class=\"view\" data-view=\"c\" id=\"view-cluster\" hidden></div>\n"
          "<div class=\"view\" data-view=\"d\" id=\"view-doc\" hidden></div>\n"
          "<div class=\"view\" data-view=\"n\" id=\"view-network\" hidden></div>\n</main>\n"
          "<script type=\"application/json\" id=\"rp-data\">{\"version\":1,\"command\":\"scan\",",
          out);
    if (write_data_docs(out, r) != RP_OK)
        return RP_ENOMEM;
    write_data_clusters(out, r);
    fputs("}</script>\n", out);
    write_script(out, &rp_asset_scan_script);
    return RP_OK;
}

/* The scan page; sources may be NULL (the page then has no sources view data). */
static rp_status html_write(FILE *out, const rp_corpus *corpus, const rp_cluster *clusters,
                            size_t count, const rp_doc_stats *stats, const rp_options *opts,
                            rp_sources *sources)
{
    html_report r;
    rp_status st;

    memset(&r, 0, sizeof(r));
    r.corpus = corpus, r.opts = opts, r.stats = stats, r.sources = sources;
    st = report_prepare(&r, clusters, count);
    if (st != RP_OK)
        goto fail;
    write_head(out, "scan", NULL, &rp_asset_scan_script,
               "<a href=\"#documents\">Documents</a><a href=\"#clusters\">Clusters</a>"
               "<a href=\"#n/200\" data-view=\"n\">Who copies whom</a>");
    fputs("<div class=\"view\" data-view=\"overview\">\n", out);
    write_summary(out, &r);
    write_coverage(out, &r);
    write_clusters(out, &r);
    fputs("</div>\n", out);
    st = write_tail(out, &r);
    if (st == RP_OK && ferror(out))
        st = RP_EIO;
fail:
    report_release(&r);
    return st;
}

rp_status rp_html_write(FILE *out, const rp_corpus *corpus, const rp_cluster *clusters,
                        size_t count, const rp_doc_stats *stats, const rp_options *opts)
{
    return html_write(out, corpus, clusters, count, stats, opts, NULL);
}

rp_status rp_report_html(FILE *out, const rp_corpus *corpus, const rp_scan *scan,
                         const rp_options *opts)
{
    size_t count = rp_scan_cluster_count(scan), ndocs = rp_corpus_count(corpus);
    rp_cluster *clusters = rp_malloc(count ? count * sizeof(*clusters) : 1);
    rp_doc_stats *stats = rp_malloc(ndocs ? ndocs * sizeof(*stats) : 1);
    rp_sources *sources = NULL;
    rp_status st = RP_ENOMEM;

    if (!clusters || !stats)
        goto fail;
    for (size_t i = 0; i < count; i++)
        clusters[i] = *rp_scan_cluster(scan, i);
    for (uint32_t i = 0; i < ndocs; i++)
        stats[i] = *rp_scan_doc_stats(scan, i);
    st = rp_sources_new(corpus, scan, opts, &sources);
    if (st != RP_OK)
        goto fail;
    st = html_write(out, corpus, clusters, count, stats, opts, sources);
fail:
    rp_sources_free(sources);
    rp_free(clusters);
    rp_free(stats);
    return st;
}

/* ---- the quotes report: each quotation beside its sources, the unsourced ones listed ---- */

#define SHOWN_QUOTES 200
#define FIDELITY_COUNT 4

typedef struct quotes_page {
    const rp_corpus *corpus;
    const rp_quote *quotes;
    size_t count;
    const rp_doc_stats *stats;
    const rp_options *opts;
    const rp_quotes_options *qopts;
    size_t sourced;
    size_t by_fidelity[FIDELITY_COUNT]; /* of the best sources */
} quotes_page;

/* "name:line:column", escaped. */
static void write_place(FILE *out, const quotes_page *p, uint32_t doc, uint32_t line,
                        uint32_t column)
{
    html_cstring(out, rp_corpus_doc(p->corpus, doc)->name);
    fprintf(out, ":%u:%u", line, column);
}

static void write_quotes_summary(FILE *out, const quotes_page *p)
{
    const rp_options *o = p->opts;

    open_overview(out, "Quotations", p->corpus, p->stats);
    write_stat(out, p->count, "quotations");
    write_stat(out, p->sourced, "sourced");
    write_stat(out, p->count - p->sourced, "unsourced");
    fprintf(out,
            "</div>\n<p class=\"settings\">quotations of %u words or more, at most %u sources "
            "each; words compared with case %s, marks %s, quotes %s, spelling %s</p>\n",
            p->qopts->min_words, p->qopts->max_sources, o->fold_case ? "folded" : "kept",
            o->fold_marks ? "folded" : "kept", o->fold_quotes ? "folded" : "kept",
            o->fold_spelling ? "folded" : "kept");
    close_overview(out, p->corpus);
}

/* reprint's own list of differences ("…" → "" for an unmarked omission). */
static void write_quote_diffs(FILE *out, const rp_quote_source *s)
{
    if (!s->diff_count)
        return;
    fputs("<p class=\"qdiff\">differences: ", out);
    for (size_t i = 0; i < s->diff_count; i++) {
        fputs(i ? "; <q>" : "<q>", out);
        html_cstring(out, s->diffs[i].quote);
        fputs("</q> \xE2\x86\x92 <q>", out);
        html_cstring(out, s->diffs[i].source);
        fputs("</q>", out);
    }
    fputs("</p>", out);
}

/* One source, shown beside the quotation (the first) or hidden until picked. Its location carries
 * data-quote and data-source-doc/-start/-end, the values of the JSON report. */
static void write_source_pane(FILE *out, const quotes_page *p, size_t id, size_t j)
{
    const rp_quote_source *s = &p->quotes[id].sources[j];
    const rp_doc *d = rp_corpus_doc(p->corpus, s->doc);
    const char *f = rp_fidelity_name(s->fidelity);

    fprintf(out,
            "<div class=\"pane s\" data-pick=\"%zu\"%s><div class=\"mute\">source <span "
            "class=\"loc\" data-quote=\"%zu\" data-source-doc=\"%u\" data-source-start=\"%zu\" "
            "data-source-end=\"%zu\">",
            j, j ? " hidden" : "", id, s->doc, s->start, s->end);
    write_place(out, p, s->doc, s->line, s->column);
    fprintf(out, "</span> <span class=\"badge f-%s\">%s</span> identity %.0f%%%s</div>", f, f,
            100.0 * s->identity, s->quoted ? ", quoted there too" : "");
    fputs("<div class=\"txt\">", out);
    rp_html_text(out, d->bytes + s->start, s->end - s->start);
    fputs("</div>", out);
    write_quote_diffs(out, s);
    fputs("</div>\n", out);
}

/* One quotation: heading with the best source's fidelity (or "unsourced"), the quotation's text
 * in a pane whose location carries data-quote and data-doc/-start/-end, and its sources. */
static void write_quote(FILE *out, const quotes_page *p, size_t id)
{
    const rp_quote *q = &p->quotes[id];
    const rp_doc *d = rp_corpus_doc(p->corpus, q->doc);
    const char *f = q->source_count ? rp_fidelity_name(q->sources[0].fidelity) : "unsourced";

    fprintf(out,
            "<article class=\"qt f-%s\" id=\"q%zu\"><h3><a href=\"#q%zu\">Quotation %zu</a>"
            "<span class=\"badge f-%s\">%s</span><span class=\"mute\">%u tokens",
            f, id, id, id, f, f, q->tokens);
    if (q->source_count)
        fprintf(out, ", %zu source%s", q->source_count, q->source_count == 1 ? "" : "s");
    if (q->speaker) {
        fputs(", <q>", out);
        html_cstring(out, q->speaker);
        fputs("</q>", out);
    }
    fprintf(out,
            "</span></h3>\n<div class=\"%s\"><div class=\"pane q\"><div class=\"mute\">quoted in "
            "<span class=\"loc\" data-quote=\"%zu\" data-doc=\"%u\" data-start=\"%zu\" "
            "data-end=\"%zu\">",
            q->source_count ? "cmp" : "one", id, q->doc, q->start, q->end);
    write_place(out, p, q->doc, q->line, q->column);
    fputs("</span></div><div class=\"txt\">", out);
    rp_html_text(out, d->bytes + q->start, q->end - q->start);
    fputs("</div></div>\n", out);
    for (size_t j = 0; j < q->source_count; j++)
        write_source_pane(out, p, id, j);
    fputs("</div>\n", out);
    if (q->source_count)
        fputs("<div class=\"diffsum\"></div>\n", out);
    if (q->source_count > 1) {
        fputs("<div class=\"picks\"><span class=\"mute\">compare with</span>", out);
        for (size_t j = 0; j < q->source_count; j++) {
            const rp_quote_source *s = &q->sources[j];
            fprintf(out, "<button type=\"button\" data-pick=\"%zu\"%s>", j,
                    j ? "" : " class=\"on\"");
            write_place(out, p, s->doc, s->line, s->column);
            fprintf(out, " %s</button>", rp_fidelity_name(s->fidelity));
        }
        fputs("</div>\n", out);
    }
    fputs("</article>\n", out);
}

static void write_fidelity_filters(FILE *out, const quotes_page *p)
{
    fputs("<div class=\"filters\"><span class=\"mute\">show</span>", out);
    for (unsigned f = 0; f < FIDELITY_COUNT; f++) {
        const char *name = rp_fidelity_name((rp_fidelity)f);
        fprintf(out,
                "<label><input type=\"checkbox\" data-kind=\"%s\" checked> <span "
                "class=\"badge f-%s\">%s</span> %zu</label>",
                name, name, name, p->by_fidelity[f]);
    }
    fputs("</div>\n", out);
}

/* The sourced quotations (sourced true) or the unsourced ones, in report order. */
static void write_quote_list(FILE *out, const quotes_page *p, bool sourced)
{
    size_t total = sourced ? p->sourced : p->count - p->sourced, k = 0;

    if (sourced) {
        fputs("<section class=\"card\" id=\"sourced\"><h2>Quotations and their sources</h2>\n",
              out);
        write_fidelity_filters(out, p);
        fputs("<p class=\"mute\">Each quotation beside its best source (the others a click "
              "away), words compared: <span class=\"w-sub\">substituted</span> <span "
              "class=\"w-del\">only in the quotation</span> <span class=\"w-ins\">only in the "
              "source</span>.</p>\n",
              out);
    } else {
        fputs("<section class=\"card\" id=\"unsourced\"><h2>Unsourced quotations</h2>\n<p "
              "class=\"mute\">No other place in the corpus gives their words.</p>\n",
              out);
    }
    if (total == 0)
        fputs("<p class=\"mute\">None.</p>\n", out);
    for (size_t i = 0; i < p->count; i++) {
        if ((p->quotes[i].source_count > 0) != sourced)
            continue;
        more_open(out, k++, total, SHOWN_QUOTES);
        write_quote(out, p, i);
    }
    more_close(out, total, SHOWN_QUOTES, "quotations");
    fputs("</section>\n", out);
}

rp_status rp_html_write_quotes(FILE *out, const rp_corpus *corpus, const rp_quote *quotes,
                               size_t count, const rp_doc_stats *stats, const rp_options *opts,
                               const rp_quotes_options *qopts)
{
    quotes_page p;

    memset(&p, 0, sizeof(p));
    p.corpus = corpus, p.quotes = quotes, p.count = count, p.stats = stats;
    p.opts = opts, p.qopts = qopts;
    for (size_t i = 0; i < count; i++) {
        if (!quotes[i].source_count)
            continue;
        p.sourced++;
        if ((unsigned)quotes[i].sources[0].fidelity < FIDELITY_COUNT)
            p.by_fidelity[quotes[i].sources[0].fidelity]++;
    }
    write_head(out, "quotes", &rp_asset_quotes_css, &rp_asset_quotes_script,
               "<a href=\"#sourced\">Sourced</a><a href=\"#unsourced\">Unsourced</a>");
    fputs("<div class=\"view\" data-view=\"overview\">\n", out);
    write_quotes_summary(out, &p);
    write_quote_list(out, &p, true);
    write_quote_list(out, &p, false);
    fputs("</div>\n</main>\n", out);
    write_script(out, &rp_asset_quotes_script);
    return ferror(out) ? RP_EIO : RP_OK;
}

rp_status rp_report_quotes_html(FILE *out, const rp_corpus *corpus, const rp_quotes *quotes,
                                const rp_options *opts, const rp_quotes_options *qopts)
{
    size_t count = rp_quotes_count(quotes), ndocs = rp_corpus_count(corpus);
    rp_quote *list = rp_malloc(count ? count * sizeof(*list) : 1);
    rp_doc_stats *stats = rp_malloc(ndocs ? ndocs * sizeof(*stats) : 1);
    rp_status st = RP_ENOMEM;

    if (!list || !stats)
        goto fail;
    for (size_t i = 0; i < count; i++)
        list[i] = *rp_quotes_get(quotes, i);
    for (uint32_t i = 0; i < ndocs; i++)
        stats[i] = *rp_quotes_doc_stats(quotes, i);
    st = rp_html_write_quotes(out, corpus, list, count, stats, opts, qopts);
fail:
    rp_free(list);
    rp_free(stats);
    return st;
}
