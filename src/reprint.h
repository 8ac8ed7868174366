/*
 * reprint.h - the public API of libreprint: find text that appears more than once.
 *
 * Pipeline: corpus (documents read from files, directories, stdin, JSONL) -> tokens (byte spans
 * into the original bytes, normalized hashes) -> fingerprints (winnowed k-token shingles) ->
 * scan (index, seeds, alignment, clusters). Every span is a byte range [start, end) into the
 * document's bytes as read. Ownership words: OWNED means the caller frees it with the named
 * function; BORROWED means it lives as long as the object it came from.
 */
#ifndef REPRINT_H
#define REPRINT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#ifdef __cplusplus
extern "C" {
#endif

/* ---- status ------------------------------------------------------------------------------ */

typedef enum {
    RP_OK = 0,
    RP_ENOMEM,   /* an allocation failed; everything taken so far was freed */
    RP_EIO,      /* reading or writing failed (errno says why) */
    RP_EUTF8,    /* text is not valid UTF-8 where validity is required */
    RP_EINVAL,   /* an argument or option is out of range */
    RP_ELIMIT,   /* a size limit was passed (document > 4 GiB, --max-doc-bytes, ...) */
    RP_EFORMAT,  /* input is not in the expected format (bad JSON, bad regex, ...) */
    RP_ENOTFOUND /* a named document or location does not exist */
} rp_status;

/* A short English phrase for a status, e.g. "out of memory". Never NULL. */
const char *rp_strerror(rp_status status);

/* "0.1.0": the library's version. */
const char *rp_version(void);

/* ---- options ----------------------------------------------------------------------------- */

typedef struct rp_options {
    /* text: each fold can be switched off */
    bool fold_case;     /* NFKC case folding */
    bool fold_marks;    /* strip combining marks (diacritics) */
    bool fold_quotes;   /* curly quotes -> straight, dashes -> '-' */
    bool fold_spelling; /* British/American spelling pairs folded to one form */
    /* fingerprints */
    uint32_t shingle; /* k: tokens per shingle */
    uint32_t window;  /* w: winnowing window in shingles; any shared run of w+k-1 tokens seeds */
    /* scan */
    uint32_t min_tokens;         /* a passage needs at least this many tokens */
    double min_identity;         /* ... and this share of aligned tokens that match */
    uint32_t max_df;             /* fingerprints in more documents seed no pairs */
    uint32_t boilerplate_docs;   /* a short cluster in at least this many documents ... */
    uint32_t boilerplate_tokens; /* ... of at most this many tokens is boilerplate */
    unsigned threads;            /* 0: all cores; results are identical for any value */
    /* reports */
    uint32_t kinds; /* clusters reported: bit (1u << rp_kind) per kind; RP_KINDS_ALL */
} rp_options;

/* Sets every field to its documented default. */
void rp_options_init(rp_options *opts);

/* Checks ranges (shingle >= 1, window >= 1, 0 <= min_identity <= 1, ...): RP_OK or RP_EINVAL. */
rp_status rp_options_check(const rp_options *opts);

/* ---- corpus ------------------------------------------------------------------------------ */

typedef struct rp_read_options {
    bool jsonl;              /* read as JSONL even without a .jsonl/.ndjson name */
    const char *id_field;    /* JSONL: the field that names a document ("id") */
    const char *text_field;  /* JSONL: the field that holds its text ("text") */
    const char *split;       /* POSIX ERE: a matching line starts a new document, or NULL */
    const char *split_after; /* POSIX ERE: a matching line ends the current document, or NULL */
    size_t max_doc_bytes;    /* larger documents are skipped; 0: no limit but 4 GiB - 1 */
} rp_read_options;

/* Sets every field to its default (no split, "id"/"text", no limit). */
void rp_read_options_init(rp_read_options *ropts);

/* Checks read options without reading anything: RP_OK, or RP_EFORMAT when split or split_after
 * is not a valid POSIX extended regex; then msg (if not NULL) gets a one-line explanation such
 * as "invalid split regex '(': Unmatched ( or \\(" (truncated to msglen). */
rp_status rp_read_options_check(const rp_read_options *ropts, char *msg, size_t msglen);

/* A document: BORROWED from its corpus. */
typedef struct rp_doc {
    const char *name;  /* "path", "path#3" for split parts, the JSONL id, "-" for stdin */
    const char *bytes; /* the document's bytes as read (not NUL-terminated for the caller) */
    size_t len;
    size_t offset;    /* where the document starts in its file (split parts), else 0 */
    const char *meta; /* JSONL: a JSON object of the line's other fields, else NULL */
} rp_doc;

typedef struct rp_corpus rp_corpus;

/* OWNED: free with rp_corpus_free. */
rp_status rp_corpus_new(rp_corpus **out);
void rp_corpus_free(rp_corpus *corpus);

/* Adds one document; the corpus copies name and bytes. id_out (may be NULL) gets its id. */
rp_status rp_corpus_add(rp_corpus *corpus, const char *name, const void *bytes, size_t len,
                        uint32_t *id_out);

/*
 * Reads a path: a file, a directory (walked recursively in byte order, hidden entries skipped),
 * or "-" for stdin; gzip and zstd are detected by their magic bytes; JSONL by name or option.
 * Inputs that cannot be used (unreadable, binary, malformed JSONL lines, ...) are recorded as
 * skipped and the rest is kept: the return is RP_OK then. Only allocation failure or a bad
 * option (e.g. a regex that does not compile: RP_EFORMAT) is returned as an error.
 */
rp_status rp_corpus_read(rp_corpus *corpus, const char *path, const rp_read_options *ropts);

size_t rp_corpus_count(const rp_corpus *corpus);

/* BORROWED; NULL when id is out of range. */
const rp_doc *rp_corpus_doc(const rp_corpus *corpus, uint32_t id);

/* Finds a document by name: RP_OK and *id_out, or RP_ENOTFOUND. */
rp_status rp_corpus_find(const rp_corpus *corpus, const char *name, uint32_t *id_out);

/* Inputs that were skipped, in the order met: "input" names it (a path, or path:line for a
 * JSONL line), "reason" says why in a few words. BORROWED. */
typedef struct rp_skip {
    const char *input;
    const char *reason;
} rp_skip;

size_t rp_corpus_skipped_count(const rp_corpus *corpus);
const rp_skip *rp_corpus_skipped(const rp_corpus *corpus, size_t i);

/* ---- text: tokens with byte spans -------------------------------------------------------- */

/* A token: its normalized form's 64-bit hash and its span [start, end) in the original bytes. */
typedef struct rp_token {
    uint64_t hash;
    uint32_t start;
    uint32_t end;
} rp_token;

/* Tokens of one text. Caller-owned struct: rp_tokens_init, then rp_tokens_release. */
typedef struct rp_tokens {
    rp_token *items;
    size_t count;
    size_t cap;
    /* with keep_norm: the normalized forms, token i at norm + norm_off[i] .. norm_off[i+1] */
    char *norm;
    size_t norm_len;
    size_t norm_cap;
    uint32_t *norm_off;
    size_t norm_off_cap;
    /* invalid UTF-8 sequences met, and the byte offset of the first (SIZE_MAX when none) */
    size_t invalid_utf8;
    size_t first_invalid;
} rp_tokens;

void rp_tokens_init(rp_tokens *toks);
void rp_tokens_release(rp_tokens *toks);

/* Tokenizes len bytes (replacing what toks held). Texts of 4 GiB or more: RP_ELIMIT. */
rp_status rp_text_tokenize(const rp_options *opts, const char *text, size_t len, bool keep_norm,
                      rp_tokens *toks);

/* Normalizes one string as the tokenizer would normalize a token (for tools and tests).
 * *out is OWNED (free()). */
rp_status rp_text_normalize(const rp_options *opts, const char *text, size_t len, char **out,
                       size_t *out_len);

/* ---- fingerprints: winnowed shingles ----------------------------------------------------- */

typedef struct rp_fingerprint {
    uint64_t hash; /* XXH3-64 of the shingle's k token hashes */
    uint32_t doc;
    uint32_t pos; /* token index where the shingle starts */
} rp_fingerprint;

typedef struct rp_fingerprints {
    rp_fingerprint *items;
    size_t count;
    size_t cap;
} rp_fingerprints;

void rp_fingerprints_init(rp_fingerprints *fps);
void rp_fingerprints_release(rp_fingerprints *fps);

/* Appends the winnowed fingerprints of one document's tokens (robust winnowing, Schleimer et
 * al. 2003: the rightmost minimum of each window of opts->window shingles, recorded once). */
rp_status rp_shingle_winnow(const rp_options *opts, const rp_token *toks, size_t count, uint32_t doc,
                         rp_fingerprints *fps);

/* ---- scan: repeated passages and clusters ------------------------------------------------ */

typedef enum { RP_KIND_REPRINT = 0, RP_KIND_INTERNAL, RP_KIND_BOILERPLATE } rp_kind;
#define RP_KINDS_ALL 0x7u

/* Parses a kind name ("reprint", "internal", "boilerplate"): RP_OK or RP_EINVAL. */
rp_status rp_kind_parse(const char *name, rp_kind *out);

/* "reprint", "internal", "boilerplate". */
const char *rp_kind_name(rp_kind kind);

typedef struct rp_passage {
    uint32_t doc;
    size_t start; /* byte offsets into the document */
    size_t end;
    uint32_t line;   /* 1-based, of start */
    uint32_t column; /* 1-based, in code points */
    uint32_t tokens;
    double identity; /* of its best alignment to another member of its cluster */
} rp_passage;

typedef struct rp_pair {
    uint32_t a; /* indexes into the cluster's passages */
    uint32_t b;
    double identity;
    uint32_t tokens; /* aligned columns */
} rp_pair;

typedef struct rp_cluster {
    rp_kind kind;
    uint32_t tokens;    /* its longest passage's tokens */
    uint32_t documents; /* distinct documents */
    const rp_passage *passages;
    size_t passage_count;
    const rp_pair *pairs;
    size_t pair_count;
} rp_cluster;

typedef struct rp_doc_stats {
    uint32_t tokens;
    double covered; /* share of tokens inside non-boilerplate passages */
    size_t invalid_utf8;
    size_t first_invalid; /* SIZE_MAX when none */
} rp_doc_stats;

typedef struct rp_scan rp_scan;

/* Called now and then from the thread that called rp_scan_run: stage name and done/total. */
typedef void (*rp_progress_fn)(void *ctx, const char *stage, uint64_t done, uint64_t total);

/* Scans a corpus. *out is OWNED: rp_scan_free. The result borrows nothing from the corpus
 * except for documents' identity (ids). */
rp_status rp_scan_run(const rp_corpus *corpus, const rp_options *opts, rp_progress_fn progress,
                      void *progress_ctx, rp_scan **out);
void rp_scan_free(rp_scan *scan);

/* Clusters in report order (size x tokens descending, then first occurrence). BORROWED. */
size_t rp_scan_cluster_count(const rp_scan *scan);
const rp_cluster *rp_scan_cluster(const rp_scan *scan, size_t i);
const rp_doc_stats *rp_scan_doc_stats(const rp_scan *scan, uint32_t doc);

/* Counters for the report and --explain. */
typedef struct rp_scan_counts {
    uint64_t fingerprints;       /* kept after winnowing */
    uint64_t distinct;           /* distinct fingerprint hashes */
    uint64_t frequent;           /* distinct hashes in more than max_df documents */
    uint64_t seeds;              /* seed pairs generated */
    uint64_t alignments;         /* aligned passages before clustering */
} rp_scan_counts;
const rp_scan_counts *rp_scan_get_counts(const rp_scan *scan);

/* ---- reports ----------------------------------------------------------------------------- */

typedef enum { RP_FORMAT_TEXT = 0, RP_FORMAT_JSON, RP_FORMAT_JSONL, RP_FORMAT_CSV } rp_format;

/* Parses "text", "json", "jsonl", "csv": RP_OK or RP_EINVAL. */
rp_status rp_format_parse(const char *name, rp_format *out);

/* Writes a scan report (DESIGN.md's contract for json, jsonl and csv). Byte-identical for the
 * same corpus, options and scan. RP_EIO when writing fails. */
rp_status rp_report_scan(FILE *out, rp_format format, const rp_corpus *corpus,
                         const rp_scan *scan, const rp_options *opts);

#ifdef __cplusplus
}
#endif

#endif /* REPRINT_H */
