/*
 * quotes.h - private: the pieces of `reprint quotes` that tests reach directly: quotation
 * span extraction (quotes_extract.c), the quote-to-source aligner and the speaker hint
 * (quotes_attrib.c), and the fidelity classifier (fidelity.c).
 */
#ifndef REPRINT_QUOTES_H
#define REPRINT_QUOTES_H

#include "base/base.h"

/* ---- extraction ---- */

/* A quotation in a text: [start, end) is the quoted text without its marks and without white
 * space at its edges; open is where the opening mark starts and close where the closing one
 * ends (close == end when no mark closed it: a paragraph or the text ended first). */
typedef struct rp_qspan {
    uint32_t open;
    uint32_t start;
    uint32_t end;
    uint32_t close;
    uint16_t depth;      /* 0: outermost; 1: a quotation inside a quotation ... */
    uint16_t paragraphs; /* > 1: each paragraph opened with a mark, only the last closed */
    bool closed;
} rp_qspan;

typedef struct rp_qspans {
    rp_qspan *items;
    size_t count;
    size_t cap;
} rp_qspans;

void rp_qspans_init(rp_qspans *qs);
void rp_qspans_release(rp_qspans *qs);

/* Replaces qs's content with the quotations of text, in (start, longest first) order. */
rp_status rp_quotes_extract(const char *text, size_t len, rp_qspans *qs);

/* ---- alignment of a quotation with a source window ---- */

typedef enum {
    RP_QOP_SAME = 0, /* the same token, byte for byte */
    RP_QOP_FOLD,     /* the same token after folding (hashes equal, bytes differ) */
    RP_QOP_SUB,      /* a different word */
    RP_QOP_INS,      /* a quote word with no source word */
    RP_QOP_DEL       /* a source word the quote leaves out */
} rp_qop;

typedef struct rp_qops {
    uint8_t *items; /* rp_qop per column, in order */
    size_t count;
    size_t cap;
    uint32_t s_first; /* source token range of the alignment (relative to s) */
    uint32_t s_last;  /* one past */
} rp_qops;

/* Scratch of the aligner (its DP matrices), reused across calls. */
typedef struct rp_qalign {
    int32_t *rows;
    size_t rows_cap;
    uint8_t *trace;
    size_t trace_cap;
} rp_qalign;

void rp_qalign_init(rp_qalign *al);
void rp_qalign_release(rp_qalign *al);

/*
 * Aligns all of q (m token hashes) with a part of s (n): global on the quote's side, free
 * ends on the source's side, affine gaps on the source side (a long omission costs little
 * more than a short one). Columns go to ops (SAME for equal hashes; the caller refines SAME
 * into FOLD by comparing bytes); RP_ELIMIT when m * n is too large.
 */
rp_status rp_quotes_align(rp_qalign *al, const uint64_t *q, uint32_t m, const uint64_t *s,
                          uint32_t n, rp_qops *ops);

/* ---- the result and fidelity (quotes.c, fidelity.c) ---- */

/* The result of a run: quotations, their sources and differences; strings in one arena. */
struct rp_quotes {
    rp_options opts;
    rp_quotes_options qopts;
    rp_quote *quotes;
    size_t count, cap;
    rp_quote_source *sources;
    size_t source_count, source_cap;
    rp_quote_diff *diffs;
    size_t diff_count, diff_cap;
    size_t *speaker_off; /* per quote: arena offset or SIZE_MAX */
    size_t *src_first;   /* per quote: its first source */
    size_t speaker_cap, first_cap;
    size_t *sdiff_first; /* per source: its first diff (pointers are set by finish) */
    size_t sdiff_cap;
    size_t *diff_off; /* 2 arena offsets per diff */
    size_t diff_off_cap;
    rp_buf arena;
    rp_doc_stats *stats;
    size_t doc_count;
};

/* One side of an alignment: a document, its tokens, and the token of the first column. */
typedef struct rp_qside {
    const rp_doc *doc;
    const rp_tokens *toks;
    uint32_t first;
} rp_qside;

/* Copies len bytes of s and a NUL into the result's arena; *off is where they start. */
rp_status rp_quotes_arena_add(rp_quotes *r, const char *s, size_t len, size_t *off);

/*
 * Walks the columns of one alignment of quotation q (ending at token qe) with source s: SAME
 * splits into SAME and FOLD by bytes; runs of other columns become differences (omissions
 * apart from changes), appended to r; the worst column kind sets out->fidelity, and
 * out->identity and out->diff_count are set, *diff_first being the first difference's index.
 */
rp_status rp_quotes_classify(rp_quotes *r, const rp_qops *ops, const rp_qside *q, const rp_qside *s,
                             uint32_t qe, rp_quote_source *out, size_t *diff_first);

/* ---- speaker hint ---- */

/* The attributing phrase next to quotation span q of text ("he added", "Li said", "according
 * to the minister"): true and its byte range [*off, *off + *len) when one is found. */
bool rp_quotes_speaker(const char *text, size_t len, const rp_qspan *q, size_t *off, size_t *plen);

#endif /* REPRINT_QUOTES_H */
