/*
 * report_html.c - the HTML reports: each one self-contained file (inline CSS and JS, no fetches),
 * sharing the escaping, the page chrome (head, CSP, styles, header, "show more" blocks) and the
 * script's helpers and word diff (LCS over words).
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
#include "report/report.h"

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
        size_t n = rp_report_utf8_len(s + i, len - i);
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
        size_t n = rp_report_utf8_len(s + i, len - i);
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
        size_t n = rp_report_utf8_len(s + i, len - i);
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

/* ---- what the page needs beyond the clusters: UTF-16 offsets and coverage by kind ---- */

#define KIND_COUNT 3

typedef struct html_report {
    const rp_corpus *corpus;
    const rp_options *opts;
    const rp_doc_stats *stats;
    const rp_cluster **clusters; /* the reported ones, in report order: index = id */
    size_t count;
    size_t passages;
    uint32_t *u16;     /* per passage (in report order): start and end in UTF-16 units */
    size_t *cover;     /* per document and kind: bytes shown in that kind's colour */
    size_t by_kind[KIND_COUNT];
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
    size_t active[KIND_COUNT] = {0, 0, 0}, b = 0, u = 0, prev = 0;
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
            size_t m = rp_report_utf8_len(s + b, len - b);
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
    r->cover = rp_calloc(ndocs ? ndocs : 1, KIND_COUNT * sizeof(*r->cover));
    if (!r->clusters || !r->cover)
        return RP_ENOMEM;
    for (size_t i = 0; i < count; i++) {
        if (!(r->opts->kinds & (1u << clusters[i].kind)))
            continue;
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
    rp_free(r->u16);
    rp_free(r->cover);
}

/* ---- the page ---- */

static const char *const html_css[] = {
    ":root{--bg:#f7f7f5;--fg:#1d1f21;--mute:#6b6f76;--line:#e2e2de;--card:#fff;--accent:#2457c5;\n"
    "--reprint:#e8833a;--internal:#3a8ee8;--boilerplate:#9aa0a6;--del:#fbd3d0;--ins:#cdeccf;--sub:#fbe7a6}\n"
    "*{box-sizing:border-box}\n"
    "body{margin:0;background:var(--bg);color:var(--fg);font:15px/1.5 system-ui,-apple-system,\"Segoe UI\",Roboto,sans-serif}\n"
    "a{color:var(--accent);text-decoration:none}a:hover{text-decoration:underline}\n"
    "header.top{background:#1f2a44;color:#fff;padding:14px 28px;display:flex;align-items:baseline;gap:24px;flex-wrap:wrap}\n"
    "header.top h1{font-size:20px;margin:0;font-weight:600}header.top .tool{color:#aab4cc;font-size:13px}\n"
    "nav.views{display:flex;gap:4px;margin-left:auto}nav.views a{color:#dfe6f5;padding:4px 12px;border-radius:6px}\n"
    "nav.views a.on,nav.views a:hover{background:#34426a;text-decoration:none}\n"
    "main{max-width:1200px;margin:0 auto;padding:20px 28px 60px}\n"
    "section.card,.card{background:var(--card);border:1px solid var(--line);border-radius:10px;padding:16px 20px;margin:0 0 18px}\n"
    "h2{font-size:17px;margin:0 0 10px}h3{font-size:15px;margin:14px 0 8px}\n"
    ".stats{display:flex;flex-wrap:wrap;gap:10px}.stat{background:var(--bg);border-radius:8px;padding:8px 14px;min-width:120px}\n"
    ".stat b{display:block;font-size:20px}.stat span{color:var(--mute);font-size:12px;text-transform:uppercase;letter-spacing:.04em}\n"
    ".settings,.mute{color:var(--mute);font-size:13px}\n"
    ".badge{display:inline-block;font-size:11px;font-weight:600;text-transform:uppercase;letter-spacing:.05em;padding:1px 8px;border-radius:9px;color:#fff;vertical-align:2px}\n"
    ".badge.k-reprint{background:var(--reprint)}.badge.k-internal{background:var(--internal)}.badge.k-boilerplate{background:var(--boilerplate)}\n"
    ".covlist{max-height:420px;overflow:auto}\n"
    ".cov{display:grid;grid-template-columns:minmax(140px,300px) 1fr 56px;gap:12px;align-items:center;padding:3px 0;content-visibility:auto;contain-intrinsic-size:auto 26px}\n"
    ".cov .name{overflow:hidden;text-overflow:ellipsis;white-space:nowrap;font-size:13px}\n"
    ".bar{display:flex;height:12px;background:#eceae4;border-radius:6px;overflow:hidden}\n"
    ".bar i{display:block;height:100%}.bar .k-reprint{background:var(--reprint)}.bar .k-internal{background:var(--internal)}.bar .k-boilerplate{background:var(--boilerplate)}\n"
    ".pct{text-align:right;font-variant-numeric:tabular-nums;font-size:13px}\n"
    ".legend{display:flex;gap:16px;font-size:13px;color:var(--mute);margin:4px 0 10px}\n"
    ".legend i{display:inline-block;width:10px;height:10px;border-radius:2px;margin-right:5px}\n"
    ".legend .k-reprint{background:var(--reprint)}.legend .k-internal{background:var(--internal)}.legend .k-boilerplate{background:var(--boilerplate)}\n"
    ".filters{display:flex;gap:16px;align-items:center;margin-bottom:10px;font-size:14px}\n"
    ".filters label{cursor:pointer}\n"
    ".cl{border-top:1px solid var(--line);padding:10px 0;content-visibility:auto;contain-intrinsic-size:auto 110px}\n"
    ".cl h3{margin:0 0 4px;font-size:14px;display:flex;gap:10px;align-items:baseline;flex-wrap:wrap}\n"
    ".cl .ex{margin:2px 0 6px;color:#34373b;font-family:Georgia,serif;font-size:14px}\n"
    "ol.occ{margin:0;padding-left:20px;font-size:13px;columns:2 340px}ol.occ li{break-inside:avoid}\n"
    ".loc{font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;font-size:12.5px}\n"
    ".hide-reprint .cl.k-reprint,.hide-internal .cl.k-internal,.hide-boilerplate .cl.k-boilerplate{display:none}\n"
    "table.occt{border-collapse:collapse;width:100%;font-size:13px}\n",
    "table.occt td,table.occt th{border-bottom:1px solid var(--line);padding:4px 8px;text-align:left;vertical-align:top}\n"
    "table.occt th{color:var(--mute);font-weight:500}\n"
    ".cmp{display:grid;grid-template-columns:1fr 1fr;gap:16px}\n"
    ".pane{border:1px solid var(--line);border-radius:8px;padding:10px 14px;background:#fcfcfa}\n"
    ".pane .txt{font-family:Georgia,serif;white-space:pre-wrap;overflow-wrap:anywhere;font-size:14.5px;line-height:1.6}\n"
    ".w-del{background:var(--del);text-decoration:line-through;text-decoration-color:#c0392b}\n"
    ".w-ins{background:var(--ins)}.w-sub{background:var(--sub)}\n"
    ".diffsum{display:flex;gap:14px;flex-wrap:wrap;font-size:13px;margin:6px 0 10px}\n"
    ".doctext{font-family:Georgia,serif;white-space:pre-wrap;overflow-wrap:anywhere;font-size:15px;line-height:1.7;max-width:860px}\n"
    "mark{background:none;cursor:pointer;border-radius:2px}\n"
    "mark.k-reprint{background:#fbdcc4}mark.k-internal{background:#cfe3fa}mark.k-boilerplate{background:#e6e8ea}\n"
    "mark.multi{box-shadow:inset 0 -2px 0 #7a4b9e}mark:hover{outline:1px solid #555}\n"
    "mark.flash{animation:flash 2s ease-out 1}@keyframes flash{0%{background:#ffe14d}100%{}}\n"
    "#rp-errors{background:#fde2e1;color:#8a1f17;border-bottom:1px solid #f3b5b1;padding:8px 28px;font-size:14px}\n"
    "#rp-errors:empty{display:none}\n"
    ".back{font-size:13px;margin-bottom:10px;display:inline-block}\n"
    "select{font:inherit;font-size:13px;max-width:100%}\n"
    "button.showmore{font:inherit;font-size:13px;margin:10px 0 0;padding:5px 14px;border:1px solid var(--line);border-radius:6px;background:var(--bg);color:var(--accent);cursor:pointer}\n"
    "ol.occ li{color:var(--mute)}\n",
};

static const char *const html_css_quotes[] = {
    ".badge.f-verbatim{background:#2e8b57}.badge.f-normalized{background:#3a8ee8}.badge.f-elided{background:#b7791f}\n"
    ".badge.f-altered{background:#c0392b}.badge.f-unsourced{background:#6b6f76}\n"
    ".qt{border-top:1px solid var(--line);padding:12px 0;content-visibility:auto;contain-intrinsic-size:auto 180px}\n"
    ".qt h3{margin:0 0 8px;font-size:14px;display:flex;gap:10px;align-items:baseline;flex-wrap:wrap}\n"
    ".qt .pane .mute{font-size:13px;margin-bottom:4px}.qt .diffsum:empty{display:none}\n"
    ".hide-verbatim .qt.f-verbatim,.hide-normalized .qt.f-normalized,.hide-elided .qt.f-elided,.hide-altered .qt.f-altered{display:none}\n"
    ".qdiff{font-size:13px;margin:8px 0 0;color:var(--mute)}.qdiff q{color:var(--fg)}\n"
    ".picks{display:flex;gap:6px;flex-wrap:wrap;align-items:center;font-size:13px;margin:8px 0 0}\n"
    ".picks button{font:inherit;font-size:12.5px;padding:2px 8px;border:1px solid var(--line);border-radius:6px;background:var(--bg);cursor:pointer}\n"
    ".picks button.on{border-color:var(--accent);background:#e7eefc}\n",
};

/* The script's first part, shared by every page: DOM helpers and the word diff. */
static const char *const html_js_base[] = {
    "(function () {\n"
    "'use strict';\n"
    "/* Corpus text only ever reaches the page through textContent and text nodes. */\n"
    "function el(tag, cls, text) {\n"
    "  var e = document.createElement(tag);\n"
    "  if (cls) e.className = cls;\n"
    "  if (text != null) e.textContent = String(text);\n"
    "  return e;\n"
    "}\n"
    "function link(href, text, cls) { var a = el('a', cls, text); a.href = href; return a; }\n"
    "function add(parent) {\n"
    "  for (var i = 1; i < arguments.length; i++) {\n"
    "    var x = arguments[i];\n"
    "    parent.appendChild(typeof x === 'string' ? document.createTextNode(x) : x);\n"
    "  }\n"
    "  return parent;\n"
    "}\n"
    "function pct(x) { return (x * 100).toFixed(x > 0 && x < 0.1 ? 1 : 0) + '%'; }\n"
    "\n"
    "/* ---- word diff: LCS over words (case and quote style folded), runs of changes paired up\n"
    "   as substitutions ---- */\n"
    "var MAX_CELLS = 4e6;\n"
    "function words(s) { return s.match(/\\s+|[^\\s]+/g) || []; }\n"
    "function key(w) { return w.toLowerCase().replace(/[\\u2018\\u2019]/g, \"'\").replace(/[\\u201c\\u201d\\u00ab\\u00bb\\u201e]/g, '\"'); }\n"
    "function lcsOps(a, b) {\n"
    "  var lo = 0, ha = a.length, hb = b.length, ops = [], mid = [], i, j;\n"
    "  while (lo < ha && lo < hb && a[lo] === b[lo]) lo++;\n"
    "  while (ha > lo && hb > lo && a[ha - 1] === b[hb - 1]) { ha--; hb--; }\n"
    "  for (i = 0; i < lo; i++) ops.push('=');\n"
    "  var n = ha - lo, m = hb - lo;\n"
    "  if (n * m > MAX_CELLS) {\n"
    "    for (i = 0; i < n; i++) mid.push('-');\n"
    "    for (j = 0; j < m; j++) mid.push('+');\n"
    "  } else {\n"
    "    var w = m + 1, t = new Uint32Array((n + 1) * w);\n"
    "    for (i = n - 1; i >= 0; i--)\n"
    "      for (j = m - 1; j >= 0; j--)\n"
    "        t[i * w + j] = a[lo + i] === b[lo + j] ? t[(i + 1) * w + j + 1] + 1\n"
    "          : Math.max(t[(i + 1) * w + j], t[i * w + j + 1]);\n"
    "    i = 0; j = 0;\n"
    "    while (i < n || j < m) {\n"
    "      if (i < n && j < m && a[lo + i] === b[lo + j]) { mid.push('='); i++; j++; }\n"
    "      else if (j >= m || (i < n && t[(i + 1) * w + j] >= t[i * w + j + 1])) { mid.push('-'); i++; }\n"
    "      else { mid.push('+'); j++; }\n"
    "    }\n"
    "  }\n"
    "  ops = ops.concat(mid);\n"
    "  for (i = ha; i < a.length; i++) ops.push('=');\n"
    "  return ops;\n"
    "}\n"
    "/* Classes for the words of a and b: '' same, 'del', 'ins', 'sub'; words compared by\n"
    "   keyOf(word), key by default. */\n"
    "function wordDiff(a, b, keyOf) {\n"
    "  var f = keyOf || key, ops = lcsOps(a.map(f), b.map(f)), ca = [], cb = [], k = 0, st = {same: 0, sub: 0, del: 0, ins: 0};\n"
    "  while (k < ops.length) {\n"
    "    if (ops[k] === '=') { ca.push(''); cb.push(''); st.same++; k++; continue; }\n"
    "    var d = 0, n = 0;\n"
    "    while (k < ops.length && ops[k] !== '=') { if (ops[k] === '-') d++; else n++; k++; }\n"
    "    var s = Math.min(d, n), x;\n"
    "    for (x = 0; x < d; x++) ca.push(x < s ? 'sub' : 'del');\n"
    "    for (x = 0; x < n; x++) cb.push(x < s ? 'sub' : 'ins');\n"
    "    st.sub += s; st.del += d - s; st.ins += n - s;\n"
    "  }\n"
    "  return {a: ca, b: cb, stats: st};\n"
    "}\n"
    "function isWord(t) { return !/^\\s/.test(t); }\n"
    "/* Fills box with toks (from words()), the k-th word in a span of class 'w-' + cls[k] when\n"
    "   cls[k] is set: the text stays the same, only spans are added. */\n"
    "function paintWords(box, toks, cls) {\n",
    "  var k = 0, frag = document.createDocumentFragment();\n"
    "  toks.forEach(function (t) {\n"
    "    if (!isWord(t)) { frag.appendChild(document.createTextNode(t)); return; }\n"
    "    var c = cls[k++];\n"
    "    frag.appendChild(c ? el('span', 'w-' + c, t) : document.createTextNode(t));\n"
    "  });\n"
    "  box.textContent = '';\n"
    "  box.appendChild(frag);\n"
    "}\n"
    "\n",
};

/* The scan page: cluster and document views, drawn from the embedded data. */
static const char *const html_js_scan[] = {
    "var KINDS = ['reprint', 'internal', 'boilerplate'];\n"
    "var D = null;\n"
    "function data() {\n"
    "  if (D) return D;\n"
    "  D = JSON.parse(document.getElementById('rp-data').textContent);\n"
    "  D.byDoc = D.docs.map(function () { return []; });\n"
    "  D.clusters.forEach(function (c, ci) {\n"
    "    c.p.forEach(function (p, pi) { D.byDoc[p[0]].push({c: ci, i: pi, p: p}); });\n"
    "  });\n"
    "  D.byDoc.forEach(function (l) {\n"
    "    l.sort(function (a, b) { return a.p[7] - b.p[7] || b.p[8] - a.p[8]; });\n"
    "  });\n"
    "  return D;\n"
    "}\n"
    "function badge(kind) { return el('span', 'badge k-' + KINDS[kind], KINDS[kind]); }\n"
    "function passText(p) { var t = D.docs[p[0]].text; return t == null ? '' : t.slice(p[7], p[8]); }\n"
    "function locText(p) { return D.docs[p[0]].name + ':' + p[3] + ':' + p[4]; }\n"
    "function placeHref(p, ci, pi) { return '#d/' + p[0] + '/' + ci + '.' + pi; }\n"
    "\n"
    "function diffPane(p, toks, cls, title) {\n"
    "  var pane = el('div', 'pane'), txt = el('div', 'txt');\n"
    "  add(pane, add(el('div', 'mute'), title, ' ', link(placeHref(p.p, p.c, p.i), locText(p.p), 'loc')), txt);\n"
    "  paintWords(txt, toks, cls);\n"
    "  return pane;\n"
    "}\n"
    "function renderCompare(box, c, ci, ia, ib) {\n"
    "  box.textContent = '';\n"
    "  var pa = {p: c.p[ia], c: ci, i: ia}, pb = {p: c.p[ib], c: ci, i: ib};\n"
    "  var ta = words(passText(pa.p)), tb = words(passText(pb.p));\n"
    "  var wa = ta.filter(isWord), wb = tb.filter(isWord);\n"
    "  var d = wordDiff(wa, wb), s = d.stats, pair = null;\n"
    "  c.pairs.forEach(function (q) { if ((q[0] === ia && q[1] === ib) || (q[0] === ib && q[1] === ia)) pair = q; });\n"
    "  var sum = el('div', 'diffsum');\n"
    "  add(sum, el('b', null, 'word identity ' + pct(s.same / Math.max(wa.length, wb.length, 1))),\n"
    "    el('span', 'w-sub', s.sub + ' substituted'), el('span', 'w-del', s.del + ' deleted'),\n"
    "    el('span', 'w-ins', s.ins + ' inserted'));\n"
    "  if (pair) add(sum, el('span', 'mute', 'aligned identity ' + pct(pair[2]) + ' over ' + pair[3] + ' tokens'));\n"
    "  if (ia === ib) add(sum, el('span', 'mute', '(the same occurrence)'));\n"
    "  add(box, sum, add(el('div', 'cmp'), diffPane(pa, ta, d.a, 'A'), diffPane(pb, tb, d.b, 'B')));\n"
    "}\n"
    "\n"
    "/* ---- cluster view ---- */\n"
    "function showCluster(ci) {\n"
    "  var v = document.getElementById('view-cluster'), c = data().clusters[ci];\n"
    "  v.textContent = '';\n"
    "  if (!c) { add(v, el('p', null, 'No cluster ' + ci + '.')); return; }\n"
    "  add(v, link('#clusters', '\\u2190 all clusters', 'back'));\n"
    "  var head = el('section', 'card');\n"
    "  add(head, add(el('h2'), 'Cluster ' + ci + ' ', badge(c.kind)),\n"
    "    el('p', 'mute', c.n + ' occurrences in ' + c.documents + ' document' + (c.documents === 1 ? '' : 's') +\n"
    "      ', longest ' + c.tokens + ' tokens' + (c.p.length < c.n ? ', the first ' + c.p.length + ' listed (--max-passages)' : '') +\n"
    "      '. Pick any two occurrences (A, B) to compare them word by word.'));\n"
    "  var tab = el('table', 'occt'), tr = add(el('tr'));\n"
    "  ['A', 'B', 'location', 'tokens', 'identity', 'begins'].forEach(function (h) { tr.appendChild(el('th', null, h)); });\n"
    "  tab.appendChild(tr);\n"
    "  var pick = [0, c.p.length > 1 ? 1 : 0];\n"
    "  if (c.pairs.length) pick = [c.pairs[0][0], c.pairs[0][1]];\n"
    "  var box = el('div');\n"
    "  c.p.forEach(function (p, pi) {\n"
    "    var row = el('tr');\n"
    "    [0, 1].forEach(function (side) {\n",
    "      var r = el('input'); r.type = 'radio'; r.name = 'side' + side; r.checked = pick[side] === pi;\n"
    "      r.addEventListener('change', function () { pick[side] = pi; renderCompare(box, c, ci, pick[0], pick[1]); });\n"
    "      add(row, add(el('td'), r));\n"
    "    });\n"
    "    var ex = passText(p).replace(/\\s+/g, ' ').trim();\n"
    "    add(row, add(el('td'), link(placeHref(p, ci, pi), locText(p), 'loc')), el('td', null, p[5]),\n"
    "      el('td', null, pct(p[6])), el('td', 'mute', ex.length > 90 ? ex.slice(0, 90) + '\\u2026' : ex));\n"
    "    tab.appendChild(row);\n"
    "  });\n"
    "  add(head, tab);\n"
    "  var cmp = el('section', 'card');\n"
    "  add(cmp, el('h2', null, 'Side by side'), box);\n"
    "  add(v, head, cmp);\n"
    "  renderCompare(box, c, ci, pick[0], pick[1]);\n"
    "}\n"
    "\n"
    "/* ---- document view: the text cut at every passage boundary, each piece marked with the\n"
    "   passages covering it ---- */\n"
    "function showDoc(di, target) {\n"
    "  var v = document.getElementById('view-doc'), d = data().docs[di];\n"
    "  v.textContent = '';\n"
    "  if (!d) { add(v, el('p', null, 'No document ' + di + '.')); return; }\n"
    "  var refs = D.byDoc[di], card = el('section', 'card'), seen = {}, list = el('p', 'mute');\n"
    "  add(v, link('#documents', '\\u2190 all documents', 'back'), card);\n"
    "  add(card, el('h2', null, d.name), el('p', 'mute', d.bytes + ' bytes, ' + d.tokens + ' tokens, ' +\n"
    "    pct(d.covered) + ' covered by repeated text (boilerplate aside), ' + refs.length + ' repeated passages.'));\n"
    "  add(list, 'Clusters here: ');\n"
    "  refs.forEach(function (r) {\n"
    "    if (seen[r.c]) return;\n"
    "    seen[r.c] = 1;\n"
    "    add(list, link('#c/' + r.c, '#' + r.c + ' ' + KINDS[D.clusters[r.c].kind]), ' ');\n"
    "  });\n"
    "  if (refs.length) add(card, list);\n"
    "  var body = el('div', 'doctext');\n"
    "  add(v, add(el('section', 'card'), body));\n"
    "  if (d.text == null) { add(body, el('em', 'mute', '(no repeated passage: the text is not embedded)')); return; }\n"
    "  var marks = renderText(body, d.text, refs);\n"
    "  if (target && marks[target]) {\n"
    "    var m = marks[target];\n"
    "    m[0].scrollIntoView({block: 'center'});\n"
    "    m.forEach(function (e) { e.classList.add('flash'); });\n"
    "  }\n"
    "}\n"
    "function renderText(body, text, refs) {\n"
    "  var ev = [], active = [], pos = 0, marks = {}, frag = document.createDocumentFragment();\n"
    "  refs.forEach(function (r) { ev.push([r.p[7], 1, r], [r.p[8], -1, r]); });\n"
    "  ev.sort(function (a, b) { return a[0] - b[0] || a[1] - b[1]; });\n"
    "  function flush(to) {\n"
    "    if (to <= pos) return;\n"
    "    var s = text.slice(pos, to);\n"
    "    if (!active.length) { frag.appendChild(document.createTextNode(s)); pos = to; return; }\n"
    "    var top = active[0], cs = [];\n"
    "    active.forEach(function (r) {\n"
    "      if (D.clusters[r.c].kind < D.clusters[top.c].kind) top = r;\n"
    "      if (cs.indexOf(r.c) < 0) cs.push(r.c);\n"
    "    });\n"
    "    var m = el('mark', 'k-' + KINDS[D.clusters[top.c].kind] + (cs.length > 1 ? ' multi' : ''), s);\n"
    "    m.title = cs.map(function (c) { return 'cluster ' + c + ' (' + KINDS[D.clusters[c].kind] + ')'; }).join(', ');\n"
    "    m.addEventListener('click', function () { location.hash = '#c/' + top.c; });\n"
    "    active.forEach(function (r) { var k = r.c + '.' + r.i; (marks[k] = marks[k] || []).push(m); });\n",
    "    frag.appendChild(m);\n"
    "    pos = to;\n"
    "  }\n"
    "  ev.forEach(function (e) {\n"
    "    flush(e[0]);\n"
    "    if (e[1] > 0) active.push(e[2]); else active.splice(active.indexOf(e[2]), 1);\n"
    "  });\n"
    "  flush(text.length);\n"
    "  body.appendChild(frag);\n"
    "  return marks;\n"
    "}\n"
    "\n"
    "var VIEWS = {c: showCluster, d: showDoc};\n"
    "function setupPage() {}\n"
    "function revealed() {}\n",
};

/* The quotes page: each quotation beside one of its sources (buttons pick which), their words
 * compared once the quotation is shown; the texts are read back from the panes' text nodes. */
static const char *const html_js_quotes[] = {
    "/* ---- quotations: word diff of the quotation and the source shown beside it ---- */\n"
    "var VIEWS = {};\n"
    "function each(root, sel, fn) { Array.prototype.forEach.call(root.querySelectorAll(sel), fn); }\n"
    "/* A quotation's edges differ from its source's by punctuation and marks: words compare\n"
    "   without what surrounds their letters and digits. */\n"
    "function quoteKey(w) { var k = key(w); return k.replace(/^[^\\p{L}\\p{N}]+|[^\\p{L}\\p{N}]+$/gu, '') || k; }\n"
    "function compareQuote(art) {\n"
    "  var q = art.querySelector('.pane.q .txt'), s = art.querySelector('.pane.s:not([hidden]) .txt');\n"
    "  if (!q || !s) return;\n"
    "  var tq = words(q.textContent), ts = words(s.textContent);\n"
    "  var d = wordDiff(tq.filter(isWord), ts.filter(isWord), quoteKey), st = d.stats, sum = art.querySelector('.diffsum');\n"
    "  paintWords(q, tq, d.a);\n"
    "  paintWords(s, ts, d.b);\n"
    "  sum.textContent = '';\n"
    "  [['sub', st.sub, ' substituted'], ['del', st.del, ' only in the quotation'], ['ins', st.ins, ' only in the source']]\n"
    "    .forEach(function (x) { if (x[1]) add(sum, el('span', 'w-' + x[0], x[1] + x[2])); });\n"
    "  if (!sum.firstChild) add(sum, el('span', 'mute', 'the same words (case and punctuation aside)'));\n"
    "  art.setAttribute('data-compared', String(st.same));\n"
    "}\n"
    "function pickSource(art, j) {\n"
    "  each(art, '.pane.s', function (p) { p.hidden = p.getAttribute('data-pick') !== j; });\n"
    "  each(art, '.picks button', function (b) { b.classList.toggle('on', b.getAttribute('data-pick') === j); });\n"
    "  compareQuote(art);\n"
    "}\n"
    "function revealed(root) { each(root, 'article.qt', compareQuote); }\n"
    "function setupPage() {\n"
    "  each(document, '.picks button', function (b) {\n"
    "    b.addEventListener('click', function () { pickSource(b.closest('article.qt'), b.getAttribute('data-pick')); });\n"
    "  });\n"
    "  each(document, 'main section > article.qt', compareQuote);\n"
    "}\n",
};

/* The script's last part, shared: filters, routing by the location's hash, "show more"; it
 * calls the page's setupPage() and revealed(block), and VIEWS (name -> renderer). */
static const char *const html_js_tail[] = {
    "/* ---- overview: kind filters; routing between views by the location's hash ---- */\n"
    "function setupFilters() {\n"
    "  Array.prototype.forEach.call(document.querySelectorAll('.filters input[data-kind]'), function (box) {\n"
    "    box.addEventListener('change', function () {\n"
    "      document.body.classList.toggle('hide-' + box.getAttribute('data-kind'), !box.checked);\n"
    "    });\n"
    "  });\n"
    "}\n"
    "function route() {\n"
    "  var h = decodeURIComponent(location.hash.slice(1)), m = /^([a-z])\\/(\\d+)(?:\\/(\\d+\\.\\d+))?$/.exec(h);\n"
    "  var name = m && VIEWS[m[1]] ? m[1] : null;\n"
    "  Array.prototype.forEach.call(document.querySelectorAll('main > .view'), function (s) {\n"
    "    s.hidden = s.getAttribute('data-view') !== (name || 'overview');\n"
    "  });\n"
    "  Array.prototype.forEach.call(document.querySelectorAll('nav.views a'), function (a) {\n"
    "    a.classList.toggle('on', a.getAttribute('data-view') === (name || 'overview'));\n"
    "  });\n"
    "  if (name) { VIEWS[name](+m[2], m[3]); if (!m[3]) window.scrollTo(0, 0); return; }\n"
    "  var t = h && document.getElementById(h);\n"
    "  for (var p = t && t.parentNode; p; p = p.parentNode)\n"
    "    if (p.nodeType === 1 && p.hidden && p.classList.contains('more')) { p.hidden = false; revealed(p); }\n"
    "  if (t) t.scrollIntoView(); else window.scrollTo(0, 0);\n"
    "}\n"
    "function setupMore() {\n"
    "  Array.prototype.forEach.call(document.querySelectorAll('button.showmore'), function (b) {\n"
    "    b.addEventListener('click', function () {\n"
    "      var next = b.parentNode.querySelector('.more[hidden]');\n"
    "      if (next) { next.hidden = false; revealed(next); }\n"
    "      if (!b.parentNode.querySelector('.more[hidden]')) b.hidden = true;\n"
    "    });\n"
    "  });\n"
    "}\n"
    "setupFilters();\n"
    "setupMore();\n"
    "setupPage();\n"
    "window.addEventListener('hashchange', route);\n"
    "route();\n"
    "window.addEventListener('load', function () {\n"
    "  void document.body.offsetHeight;\n"
    "  document.documentElement.setAttribute('data-rp-ready', String(Math.round(performance.now())));\n"
    "});\n"
    "})();\n",
};

/* Script errors are written into the page (people see them; the browser test reads them). */
static const char html_onerror[] =
    "window.onerror=function(m,s,l,c){var b=document.getElementById('rp-errors');"
    "if(b){var d=document.createElement('div');d.className='rp-error';"
    "d.textContent='script error: '+m+' (line '+l+':'+c+')';b.appendChild(d);}};";

static void write_chunks(FILE *out, const char *const *chunks, size_t count)
{
    for (size_t i = 0; i < count; i++)
        fputs(chunks[i], out);
}

/* The page up to <main>: CSP (nothing outside the file), styles (the shared ones, then extra),
 * the error handler, and the header naming the command, with nav links (trusted markup). */
static void write_head(FILE *out, const char *command, const char *const *css, size_t ncss,
                       const char *nav)
{
    fputs("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
          "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
          "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; "
          "script-src 'unsafe-inline'; style-src 'unsafe-inline'; img-src data:\">\n"
          "<meta name=\"generator\" content=\"reprint ",
          out);
    fprintf(out, "%s\">\n<title>reprint %s report</title>\n<style>\n", rp_version(), command);
    write_chunks(out, html_css, sizeof(html_css) / sizeof(html_css[0]));
    write_chunks(out, css, ncss);
    fprintf(out, "</style>\n</head>\n<body>\n<div id=\"rp-errors\"></div>\n<script>%s</script>\n",
            html_onerror);
    fprintf(out,
            "<header class=\"top\"><h1>reprint report</h1><span class=\"tool\">%s</span>\n"
            "<nav class=\"views\"><a href=\"#overview\" data-view=\"overview\">Overview</a>%s</nav>"
            "</header>\n<main>\n",
            command, nav);
}

/* The page's script: the shared parts around the page's own (which defines VIEWS, setupPage
 * and revealed), then the end of the page. */
static void write_script(FILE *out, const char *const *page, size_t npage)
{
    fputs("<script>\n", out);
    write_chunks(out, html_js_base, sizeof(html_js_base) / sizeof(html_js_base[0]));
    write_chunks(out, page, npage);
    write_chunks(out, html_js_tail, sizeof(html_js_tail) / sizeof(html_js_tail[0]));
    fputs("</script>\n</body>\n</html>\n", out);
}

/* Long lists show their first rows; the rest is parsed but hidden (no style or layout work
 * while the page opens) in blocks that a "show more" button reveals one at a time. */
#define SHOWN_DOCS 200
#define SHOWN_CLUSTERS 200
#define MORE_BLOCK 2000

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
        fprintf(out, "<div class=\"cov\"><a class=\"name\" href=\"#d/%u\" title=\"", i);
        html_cstring(out, d->name);
        fputs("\">", out);
        html_cstring(out, d->name);
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
static void write_cluster(FILE *out, const html_report *r, size_t id)
{
    const rp_cluster *c = r->clusters[id];
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
        fprintf(out,
                "<li><a class=\"loc\" href=\"#d/%u/%zu.%zu\" data-doc=\"%u\" data-start=\"%zu\" "
                "data-end=\"%zu\" data-cluster=\"%zu\">",
                p->doc, id, j, p->doc, p->start, p->end, id);
        html_cstring(out, rp_corpus_doc(r->corpus, p->doc)->name);
        fprintf(out, ":%u:%u</a> %u tokens, %.0f%%</li>", p->line, p->column, p->tokens,
                100.0 * p->identity);
    }
    fputs("</ol></article>\n", out);
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

static void write_data_docs(FILE *out, const html_report *r)
{
    size_t ndocs = rp_corpus_count(r->corpus);

    fputs("\"docs\":[", out);
    for (uint32_t i = 0; i < ndocs; i++) {
        const rp_doc *d = rp_corpus_doc(r->corpus, i);
        const size_t *cov = &r->cover[(size_t)i * KIND_COUNT];
        fputs(i ? ",\n{\"name\":" : "\n{\"name\":", out);
        json_cstring(out, d->name);
        fprintf(out, ",\"bytes\":%zu,\"tokens\":%u,\"covered\":%.4f,\"text\":", d->len,
                r->stats[i].tokens, r->stats[i].covered);
        if (cov[0] || cov[1] || cov[2])
            rp_html_json_string(out, d->bytes, d->len);
        else
            fputs("null", out);
        putc('}', out);
    }
    putc(']', out);
}

/* Passages as [doc, start, end, line, column, tokens, identity, u16 start, u16 end]: the
 * listed ones, and the pairs between them; n counts them all. */
static void write_data_clusters(FILE *out, const html_report *r)
{
    size_t k = 0; /* the first passage's index in report order (u16 holds every passage) */

    fputs(",\"clusters\":[", out);
    for (size_t i = 0; i < r->count; i++) {
        const rp_cluster *c = r->clusters[i];
        size_t listed = rp_report_listed(c, r->opts);
        const char *sep = "";
        fprintf(out, "%s{\"kind\":%d,\"tokens\":%u,\"documents\":%u,\"n\":%zu,\"p\":[",
                i ? ",\n" : "\n", (int)c->kind, c->tokens, c->documents, c->passage_count);
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

static void write_tail(FILE *out, const html_report *r)
{
    fputs("<div class=\"view\" data-view=\"c\" id=\"view-cluster\" hidden></div>\n"
          "<div class=\"view\" data-view=\"d\" id=\"view-doc\" hidden></div>\n</main>\n"
          "<script type=\"application/json\" id=\"rp-data\">{\"version\":1,\"command\":\"scan\",",
          out);
    write_data_docs(out, r);
    write_data_clusters(out, r);
    fputs("}</script>\n", out);
    write_script(out, html_js_scan, sizeof(html_js_scan) / sizeof(html_js_scan[0]));
}

rp_status rp_html_write(FILE *out, const rp_corpus *corpus, const rp_cluster *clusters,
                        size_t count, const rp_doc_stats *stats, const rp_options *opts)
{
    html_report r;
    rp_status st;

    memset(&r, 0, sizeof(r));
    r.corpus = corpus, r.opts = opts, r.stats = stats;
    st = report_prepare(&r, clusters, count);
    if (st != RP_OK)
        goto fail;
    write_head(out, "scan", NULL, 0,
               "<a href=\"#documents\">Documents</a><a href=\"#clusters\">Clusters</a>");
    fputs("<div class=\"view\" data-view=\"overview\">\n", out);
    write_summary(out, &r);
    write_coverage(out, &r);
    write_clusters(out, &r);
    fputs("</div>\n", out);
    write_tail(out, &r);
    st = ferror(out) ? RP_EIO : RP_OK;
fail:
    report_release(&r);
    return st;
}

rp_status rp_report_html(FILE *out, const rp_corpus *corpus, const rp_scan *scan,
                         const rp_options *opts)
{
    size_t count = rp_scan_cluster_count(scan), ndocs = rp_corpus_count(corpus);
    rp_cluster *clusters = rp_malloc(count ? count * sizeof(*clusters) : 1);
    rp_doc_stats *stats = rp_malloc(ndocs ? ndocs * sizeof(*stats) : 1);
    rp_status st = RP_ENOMEM;

    if (!clusters || !stats)
        goto fail;
    for (size_t i = 0; i < count; i++)
        clusters[i] = *rp_scan_cluster(scan, i);
    for (uint32_t i = 0; i < ndocs; i++)
        stats[i] = *rp_scan_doc_stats(scan, i);
    st = rp_html_write(out, corpus, clusters, count, stats, opts);
fail:
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
    write_head(out, "quotes", html_css_quotes, sizeof(html_css_quotes) / sizeof(html_css_quotes[0]),
               "<a href=\"#sourced\">Sourced</a><a href=\"#unsourced\">Unsourced</a>");
    fputs("<div class=\"view\" data-view=\"overview\">\n", out);
    write_quotes_summary(out, &p);
    write_quote_list(out, &p, true);
    write_quote_list(out, &p, false);
    fputs("</div>\n</main>\n", out);
    write_script(out, html_js_quotes, sizeof(html_js_quotes) / sizeof(html_js_quotes[0]));
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
