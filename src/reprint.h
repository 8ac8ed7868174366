/*
 * reprint.h - the public API of libreprint: find text that appears more than once.
 *
 * Pipeline: corpus (documents read from files, directories, stdin, JSONL) -> tokens (byte spans
 * into the original bytes, normalized hashes) -> fingerprints (winnowed k-token shingles) ->
 * scan (index, seeds, alignment, clusters). Every span is a byte range [start, end) into the
 * document's bytes as read. Ownership words: OWNED means the caller frees it with the named
 * function; BORROWED means it lives as long as the object it came from. The JSON reports are
 * described in ARCHITECTURE.md (installed under share/doc/reprint), section "The JSON report".
 *
 * Threads. The library keeps no global state a caller can see (its internal tables are built
 * once, under pthread_once), so different objects may be used from different threads freely.
 * For one object: a function taking it as const only reads it, and any number of threads may
 * call such functions at once; a function taking it non-const must have it to itself (no
 * other call on that object, reading or writing, at the same time). So: a corpus is filled by
 * one thread (rp_corpus_read, rp_corpus_add), then may be scanned, deduplicated, quoted and
 * reported by many threads at once; rp_scan, rp_dedup and rp_quotes results never change
 * after they are made and may be read by many threads; options structs are only read. An
 * rp_store handle is used by one thread at a time (every rp_store_* call on it); to use a
 * store from several threads or processes, open it in each: readers see a snapshot and never
 * wait, and writers exclude each other (rp_store_options.wait). The library runs its own
 * worker threads inside rp_scan_run, rp_dedup_run, rp_quotes_run and rp_corpus_read; the
 * progress callback is called from the calling thread only.
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
    RP_ENOTFOUND, /* a named document or location does not exist */
    RP_EBUDGET,   /* the scan's index would grow past rp_options.memory */
    RP_EEXCHANGE  /* an exchange between the processes of a shared scan failed */
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
    size_t memory; /* budget in bytes for the scan's fingerprint table, index, seeds and token
                      hashes (the corpus's own bytes aside); 0: none. When the fingerprint
                      table would not fit (rp_scan_memory_estimate), the scan spills it to
                      temporary files under tmp_dir, same result; it stops with RP_EBUDGET
                      before any other stage would allocate past the budget. A dedup stream
                      (rp_dedup_stream_new) reads it as the budget of its remembered state,
                      past which it moves that state to temporary files under tmp_dir. */
    const char *tmp_dir; /* where a scan or a dedup stream spills (BORROWED): NULL for
                            $TMPDIR, else /tmp; a scan without a budget of 64 MiB of text or
                            more keeps its aligner's token hashes there too. The files are
                            0600, unlinked as soon as they are open; a failed write gives
                            RP_EIO with errno (ENOSPC: full), except the token hashes': those
                            are then made again. */
    /* reports */
    uint32_t kinds;        /* clusters reported: bit (1u << rp_kind) per kind; RP_KINDS_ALL */
    uint32_t max_passages; /* passages a report lists per cluster (its first ones, with the
                              pairs between them); 0: all. Only the listing is bounded: a
                              cluster's kind, tokens, documents and the documents' coverage
                              stay those of all its passages. */
    bool diff; /* text report: the word differences of each cluster's best pair */
    /* scan, one process, no budget, 64 MiB of text or more (the size past which its token
     * hashes go to tmp_dir): once the first pass is done with the text read from a folder,
     * that text moves to a temporary file under tmp_dir mapped at the same addresses (the same
     * bytes), and the index is made bucket by bucket instead of in one buffer. Peak memory
     * falls by about the text's size (1 GB: 2.5x the text -> 1.5x) for about 15% more CPU
     * time; the report is the same. A failed write leaves the text in memory. */
    bool text_on_disk;
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
    size_t max_doc_bytes;    /* larger documents are skipped (RP_MAX_DOC_BYTES_DEFAULT, 256 MiB;
                                raise it for bigger documents); 0: no limit but 4 GiB - 1.
                                Also what one plain file loads at most before it is skipped */
    unsigned threads;        /* files of a directory loaded at once; 0: one per core. The
                                corpus is the same for any number. */
    /* what a document is called, when it was written and whose it is (rp_doc) */
    const char *title_field;  /* JSONL: the field holding a title ("title" when present) */
    const char *date_field;   /* JSONL: the field holding a date ("date": a feed item's date) */
    const char *series_field; /* JSONL: the field naming the document's series, or NULL */
    const char *series;       /* POSIX ERE on the document's name: its first capture group (or
                                 the whole match) names the series, or NULL */
    const char *ignore_lines; /* POSIX ERE: matching lines are invisible to matching, or NULL */
    /* Where the documents' text is kept: false (the default), in memory; true, in a temporary
     * file under tmp_dir (NULL: $TMPDIR, else /tmp), unlinked at once and mapped, so that the
     * pages a stage is done with go back to the system and are read again from the file when
     * needed (the scan under rp_options.memory). Large plain files are mapped either way. When
     * the file cannot be written, the text stays in memory. Set on a corpus's first read. */
    bool text_in_file;
    const char *tmp_dir;
} rp_read_options;

/* The default max_doc_bytes: 256 MiB. A file of text this large is rare; a device, a file that
 * grows while read or a decompression bomb stops here instead of at 4 GiB. */
#define RP_MAX_DOC_BYTES_DEFAULT ((size_t)256 << 20)

/* Sets every field to its default (no split, "id"/"text", max_doc_bytes 256 MiB). */
void rp_read_options_init(rp_read_options *ropts);

/* Checks read options without reading anything: RP_OK, or RP_EFORMAT when split, split_after,
 * series or ignore_lines is not a valid POSIX extended regex (a back-reference \1 .. \9, which
 * glibc would accept and which can make matching exponential, is refused too); then msg (if
 * not NULL) gets a one-line explanation such as "invalid split regex '(': Unmatched ( or \\("
 * (truncated to msglen). */
rp_status rp_read_options_check(const rp_read_options *ropts, char *msg, size_t msglen);

/* A byte range [start, end) of a document. */
typedef struct rp_range {
    uint32_t start;
    uint32_t end;
} rp_range;

/* A document: BORROWED from its corpus. */
typedef struct rp_doc {
    const char *name;  /* "path", "path#3" for split parts, the JSONL id, "-" for stdin */
    const char *bytes; /* the document's bytes as read (not NUL-terminated for the caller) */
    size_t len;
    size_t offset;    /* where the document starts in its file (split parts), else 0 */
    const char *meta; /* JSONL: a JSON object of the line's other fields, else NULL */
    /* set by rp_corpus_read (rp_corpus_add leaves them empty, file_line 1): */
    const char *title;  /* the title field, else the first non-blank line, trimmed and cut at a
                           word to at most 120 code points; NULL when the text is blank */
    uint32_t file_line; /* 1-based line of its file where the document starts (split parts) */
    uint32_t part;      /* N of a split part named "path#N", else 0 */
    bool dated;         /* date holds the document's date */
    bool date_unreadable; /* the date field is there but holds no date rp_date_parse reads */
    int64_t date;       /* seconds since the epoch (the date field, see rp_date_parse) */
    const char *series; /* the series it belongs to (outlet, folder), or NULL */
    const rp_range *ignored; /* lines invisible to matching (the --split-after line that ends a
                                part, --ignore-lines), by start; their bytes stay in place */
    size_t ignored_count;
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

/* Reads JSONL already in memory (a stream's next lines, a request body) as rp_corpus_read reads
 * a .jsonl file: one document per non-blank line, a bad line recorded as skipped under
 * "NAME:LINE" (line numbers start at first_line). The bytes are copied. */
rp_status rp_corpus_read_jsonl_bytes(rp_corpus *corpus, const char *name, const void *bytes,
                                     size_t len, size_t first_line,
                                     const rp_read_options *ropts);

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

/* Large plain files are mapped, not copied. When such a file shrinks (is truncated) while the
 * corpus holds it, the program does not crash: the bytes past its new end read as zeros. This
 * names the first document that happened to (BORROWED), or is NULL: anything computed from the
 * corpus once it is not NULL must not be trusted (the program stops with an error). */
const char *rp_corpus_changed(const rp_corpus *corpus);

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

/* Tokenizes a document: as rp_text_tokenize, but no token starts inside its ignored lines
 * (rp_doc.ignored), so they are invisible to matching while offsets stay those of its bytes. */
rp_status rp_text_tokenize_doc(const rp_options *opts, const rp_doc *doc, bool keep_norm,
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

/* series: across documents that all belong to one series (rp_doc.series), e.g. an outlet
 * repeating itself; reprint: across documents otherwise. */
typedef enum {
    RP_KIND_REPRINT = 0,
    RP_KIND_INTERNAL,
    RP_KIND_BOILERPLATE,
    RP_KIND_SERIES
} rp_kind;
#define RP_KIND_COUNT 4
#define RP_KINDS_ALL 0xFu

/* Parses a kind name ("reprint", "internal", "boilerplate", "series"): RP_OK or RP_EINVAL. */
rp_status rp_kind_parse(const char *name, rp_kind *out);

/* "reprint", "internal", "boilerplate", "series". */
const char *rp_kind_name(rp_kind kind);

typedef struct rp_passage {
    uint32_t doc;
    size_t start; /* byte offsets into the document */
    size_t end;
    uint32_t line;   /* 1-based, of start */
    uint32_t column; /* 1-based, in code points */
    uint32_t tokens;
    double identity; /* of its best alignment to another member of its cluster */
    /* A partial passage copies only a stretch of a longer passage of its cluster: passage
     * `within` (an index into the cluster's passages), bytes [within_start, within_end) of
     * that passage's document. Such a copy joins the long text's cluster rather than
     * making a second cluster over the same bytes. */
    bool partial;
    uint32_t within;
    size_t within_start;
    size_t within_end;
} rp_passage;

/* A stretch inside a passage pair that the two copies do not share (an inserted, deleted or
 * rewritten clause, bridged so that the copy stays one pair): byte ranges [a_start, a_end) of
 * passage a's document and [b_start, b_end) of passage b's; either may be empty (start ==
 * end: the other side inserted text there). It is not counted in the pair's identity. */
typedef struct rp_gap {
    size_t a_start, a_end;
    size_t b_start, b_end;
} rp_gap;

typedef struct rp_pair {
    uint32_t a; /* indexes into the cluster's passages */
    uint32_t b;
    double identity; /* over the aligned columns, the gaps left out */
    uint32_t tokens; /* aligned columns */
    const rp_gap *gaps; /* in document order */
    size_t gap_count;
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

/* Called now and then from the thread that called rp_scan_run: stage name and done/total.
 * Each stage (fingerprint, index, tokens, align, spans, cluster) reports done = 0 when it
 * starts and done = total when it ends. */
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

/* ---- direction: who had it first, who copies whom ---- */

/* The index of a cluster's earliest passage: by its document's date, undated documents after
 * dated ones, ties in (doc, start) order. */
size_t rp_cluster_first(const rp_corpus *corpus, const rp_cluster *c);

/* Which side of a pair is earlier: 'a', 'b', or 0 when either document is undated or both
 * have the same date. */
char rp_pair_earlier(const rp_corpus *corpus, const rp_cluster *c, const rp_pair *pair);

/* Direction of a source relative to the document it is listed for. */
typedef enum {
    RP_DIRECTION_UNKNOWN = 0, /* either document is undated */
    RP_DIRECTION_FROM,        /* the source is earlier: the document copied from it */
    RP_DIRECTION_BY,          /* the source is later: it copied the document */
    RP_DIRECTION_SAME         /* both have the same date */
} rp_direction;

/* null (JSON) for unknown, else "copied_from", "copied_by", "same_time". */
const char *rp_direction_name(rp_direction direction);

/* A document another shares text with (through clusters of a reported kind, boilerplate
 * aside). */
typedef struct rp_source {
    uint32_t doc;
    uint32_t tokens;  /* the document's tokens in passages it shares with doc */
    double share;     /* tokens / the document's tokens */
    double identity;  /* the best alignment between the two; when they are joined only through
                         a third copy, the lower identity of the two passages */
    rp_direction direction;
} rp_source;

typedef struct rp_sources rp_sources;

/* Indexes a scan's clusters by document. *out is OWNED: rp_sources_free. */
rp_status rp_sources_new(const rp_corpus *corpus, const rp_scan *scan, const rp_options *opts,
                         rp_sources **out);
void rp_sources_free(rp_sources *src);

/* The sources of one document, most tokens first (ties by doc): *items is BORROWED until the
 * next call. Costs the sum over its clusters of their documents. Reports list the first
 * RP_SOURCES_LISTED (a text in hundreds of documents would otherwise make every document
 * list all the others: a report quadratic in the corpus) and say how many there are. */
#define RP_SOURCES_LISTED 5
rp_status rp_sources_of(rp_sources *src, uint32_t doc, const rp_source **items, size_t *count);

/* Counters for the report and --explain. */
typedef struct rp_scan_counts {
    uint64_t fingerprints;       /* kept after winnowing */
    uint64_t distinct;           /* distinct fingerprint hashes */
    uint64_t frequent;           /* distinct hashes in more than max_df documents */
    uint64_t seeds;              /* seed pairs generated */
    uint64_t alignments;         /* aligned passages before clustering */
    uint64_t capped; /* distinct hashes with more than 4 x max_df occurrences in at most max_df
                        documents (a phrase repeated hundreds of times): they seed nothing */
    uint64_t spilled; /* bytes of fingerprints written to temporary files (rp_options.memory) */
} rp_scan_counts;
const rp_scan_counts *rp_scan_get_counts(const rp_scan *scan);

/* The bytes a scan of this corpus is expected to need beyond the corpus itself, at its peak
 * (the fingerprint table and its index; from the corpus's size and the measured density of
 * fingerprints in English prose). A scan spills when this is past rp_options.memory. */
size_t rp_scan_memory_estimate(const rp_corpus *corpus, const rp_options *opts);

/* Explains what documents doc_a and doc_b share (doc_a == doc_b: what one document repeats):
 * the shared fingerprints (hash, token positions, byte offsets, document frequency in the
 * corpus), the seed chains, and each candidate alignment with its tokens and identity and
 * whether it would be reported or why not. *out_text is OWNED: free() (rp_free is the same).
 * RP_ENOTFOUND when a document id is out of range. */
rp_status rp_scan_explain(const rp_corpus *corpus, const rp_options *opts, uint32_t doc_a,
                          uint32_t doc_b, char **out_text);

/* ---- a scan shared among processes (MPI ranks; threads in tests) ------------------------ */

/* How rp_scan_run_shared talks to the other processes. The library holds no transport of its
 * own: the caller supplies one (the reprint program's src/mpi/ over MPI; tests use threads),
 * so libreprint never depends on MPI. Every process of the group calls the same functions
 * with the same corpus and options, in the same order. */
typedef enum { RP_REDUCE_SUM, RP_REDUCE_MAX } rp_reduce_op;

typedef struct rp_exchange {
    unsigned rank; /* this process: 0 .. size - 1; rank 0 gets the result */
    unsigned size; /* processes in the group (>= 1) */
    size_t round_bytes; /* what one process sends in one round of an exchange, at most
                           (0: 256 MiB; at most 1 GiB); each also receives at most this much */
    void *ctx;
    /* Every process sends send_counts[p] bytes to process p (the blocks one after another in
     * send, in process order) and receives recv_counts[p] bytes from p into recv (likewise).
     * Every count, and each side's total, is below 2^31. 0, or -1 when the exchange failed. */
    int (*alltoallv)(void *ctx, const void *send, const size_t *send_counts, void *recv,
                     const size_t *recv_counts);
    /* values[0, n) combined across the processes by op, the result on every process: 0 or -1. */
    int (*allreduce)(void *ctx, uint64_t *values, size_t n, rp_reduce_op op);
    /* Filled by rp_scan_run_shared: bytes this process sent and received (exchanges of
     * fingerprints, seeds, hits and statistics), and on failure the rank that failed first
     * (the highest status, then the highest rank with it). */
    uint64_t bytes_sent, bytes_received;
    unsigned failed_rank;
    /* Optional (NULL: an exchange of several rounds copies each round through buffers of its
     * own, up to round_bytes to send and as much to receive): alltoallv with the block for
     * process p sent from send + send_displs[p] and received at recv + recv_displs[p], so that
     * every round sends from and receives into the whole exchange's buffers in place. Used
     * only while both buffers are below 2^31 bytes. 0, or -1 when the exchange failed. */
    int (*alltoallv_at)(void *ctx, const void *send, const size_t *send_counts,
                        const size_t *send_displs, void *recv, const size_t *recv_counts,
                        const size_t *recv_displs);
    /* Optional (0: rp_options.threads): the threads rank 0 uses for the stages it runs alone at
     * the end (byte spans and clustering) while the other processes wait, when the waiting
     * ones leave cores free to it (the program: its threads times the ranks on rank 0's node,
     * at most the node's cores). The result does not depend on it. */
    unsigned finish_threads;
} rp_exchange;

/* The scan of rp_scan_run, shared among ex->size processes: each fingerprints a contiguous
 * share of the documents (balanced by bytes); the fingerprints go to an owner process by
 * their re-mixed hash, where the index and its seeds are made; the seeds go to the process
 * owning their pair's first document, which aligns it; the hits and the documents' statistics
 * are gathered on rank 0, which clusters them. On rank 0, *out is the scan rp_scan_run would
 * make (the report is byte-identical); elsewhere *out is NULL. Either every process holds the
 * same corpus (RP_EINVAL on every process when their corpora differ), or each holds a share
 * read by rp_corpus_read_shared: then the documents a process aligns and does not hold are
 * lent to it for a batch of alignment (their text, from their holders), and rank 0's corpus
 * is lent the text of every document a hit touches, which it keeps for the report (the text
 * of its own documents no hit touches is let go). Every process passes its corpus, which a
 * share's lending changes (hence not const in spirit: no other thread may use it meanwhile). A failure on any process
 * is the status of every process (ex->failed_rank says which). rp_options.memory is per
 * process; the spilling of rp_scan_run is not done here (RP_EBUDGET instead). */
rp_status rp_scan_run_shared(const rp_corpus *corpus, const rp_options *opts, rp_exchange *ex,
                             rp_progress_fn progress, void *progress_ctx, rp_scan **out);

/* ---- reading shared among processes: each reads a share of the inputs ---- */

/* One input as rp_corpus_read meets it: a file to read, or what its walk skipped. */
typedef struct rp_input {
    char *path;    /* the name rp_corpus_read gives it (a directory's entries: "dir/name") */
    uint64_t size; /* its bytes on disk (what shares are balanced by) */
    char *skip;    /* not NULL: the walk skips it, for this reason (what rp_corpus_read says) */
} rp_input;

typedef struct rp_inputs {
    rp_input *items;
    size_t count, cap;
} rp_inputs;

/* The inputs rp_corpus_read meets reading paths[0, n) in turn, in its order, without reading
 * them: directories walked as it walks them (entries in byte order, hidden ones left out,
 * symbolic link loops caught); "-" (standard input) cannot be listed: RP_EINVAL. *out is OWNED
 * (rp_inputs_release); only RP_ENOMEM and RP_EINVAL are errors. */
rp_status rp_inputs_list(const char *const *paths, size_t n, rp_inputs *out);
void rp_inputs_release(rp_inputs *in);

/* Reads inputs [lo, hi) of a list into corpus, each as rp_corpus_read reads a file (the
 * walk's skips recorded as skipped): the documents of those inputs, in the list's order. */
rp_status rp_corpus_read_list(rp_corpus *corpus, const rp_inputs *in, size_t lo, size_t hi,
                              const rp_read_options *ropts);

/*
 * Reading shared among ex->size processes (collective; corpus new and empty on each): rank 0
 * lists the inputs (rp_inputs_list) and sends the list to every process; each reads a
 * contiguous share of it, balanced by bytes (rp_corpus_read_list). Document ids are those
 * reading everything in one process gives. Rank 0's corpus then has every document with its
 * name and metadata, every skipped input in input order, and the text of its own share only;
 * another process's corpus has the text of its share and empty documents elsewhere.
 * rp_corpus_held says which documents' text a corpus holds; rp_scan_run_shared takes such a
 * corpus, lends the text a stage needs between processes and, on rank 0, fetches the text
 * of the documents its report shows and lets go of the text of its own documents the report
 * does not show: the corpus is then spent, good for that scan's report only. The runs of one
 * process (rp_scan_run, rp_quotes_run, rp_dedup_run), rp_dedup_run_shared and a second
 * rp_scan_run_shared refuse a corpus read by shares or spent (RP_EINVAL, on every process).
 * RP_EINVAL for "-" (rp_inputs_list cannot list standard input).
 */
rp_status rp_corpus_read_shared(rp_corpus *corpus, const char *const *paths, size_t n,
                                const rp_read_options *ropts, rp_exchange *ex);

/* Whether corpus was read by rp_corpus_read_shared; [*lo, *hi) are the documents whose text it
 * holds (every document, when not). */
bool rp_corpus_held(const rp_corpus *corpus, uint32_t *lo, uint32_t *hi);

/* ---- dedup: near-duplicate documents ----------------------------------------------------- */

/* A document's verdict against the earlier documents (in input order, or in a store). */
typedef enum {
    RP_VERDICT_NEW = 0,    /* no earlier document is close enough */
    RP_VERDICT_DUPLICATE,  /* identical after normalization (same token sequence) */
    RP_VERDICT_NEAR,       /* "near-duplicate": resemblance >= the threshold */
    RP_VERDICT_CONTAINS,   /* it contains the earlier document (containment of that in it) */
    RP_VERDICT_CONTAINED,  /* it is contained in the earlier document */
    RP_VERDICT_SEEN,       /* store only: its id is already held (not added again) */
    RP_VERDICT_TOO_SHORT   /* fewer tokens than a shingle: no fingerprint to compare by; never
                            * grouped, never stored */
} rp_verdict;

/* "new", "duplicate", "near-duplicate", "contains", "contained", "seen", "too_short". */
const char *rp_verdict_name(rp_verdict verdict);

typedef enum { RP_KEEP_FIRST = 0, RP_KEEP_LONGEST, RP_KEEP_NEWEST } rp_keep;

/* Parses "first", "longest", "newest": RP_OK or RP_EINVAL. */
rp_status rp_keep_parse(const char *name, rp_keep *out);

typedef struct rp_dedup_options {
    double resemblance;     /* near-duplicate: Jaccard of fingerprint sets >= this */
    double containment;     /* contains/contained: share of one set inside the other >= this */
    rp_keep keep;           /* which member of a group is its representative */
    const char *date_field; /* JSONL metadata field (or "date" for feeds) holding a date */
} rp_dedup_options;

/* Sets the documented defaults (resemblance 0.5, containment 0.6, keep first, no date). */
void rp_dedup_options_init(rp_dedup_options *dopts);

/* Parses an RFC 3339 ("2024-05-01T12:00:00Z", offsets and fractions allowed) or RFC 822
 * (RSS: "Wed, 01 May 2024 12:00:00 GMT", "+0200", "EST") date: seconds since the epoch. */
rp_status rp_date_parse(const char *text, int64_t *out);

/* Writes seconds since the epoch as RFC 3339 in UTC ("2024-05-01T12:00:00Z"); a year outside
 * 0..9999 as the plain number of seconds. */
#define RP_DATE_LEN 32
void rp_date_format(int64_t seconds, char out[RP_DATE_LEN]);

/* A group member; its verdict and similarities are relative to `of`, the document it matched
 * (the group's earliest document; for that document itself, when --keep picked another
 * representative, `of` is the representative and the verdict is seen from its side). */
typedef struct rp_dedup_member {
    uint32_t doc;
    uint32_t of;
    rp_verdict verdict;
    double resemblance; /* |A and B| / |A or B| over fingerprint sets */
    double containment; /* the larger of |A and B|/|A| and |A and B|/|B| */
} rp_dedup_member;

typedef struct rp_dedup_group {
    uint32_t representative;
    const rp_dedup_member *members; /* every other document of the group, by doc id */
    size_t member_count;
} rp_dedup_group;

typedef struct rp_dedup rp_dedup;

/* Groups a corpus's documents: each document, in input order, is compared with the earliest
 * document of every earlier group that shares a sampled fingerprint, and joins the group of
 * its best match (the same rule as a store, so batch and incremental verdicts agree).
 * *out is OWNED: rp_dedup_free. RP_EINVAL for out-of-range options. */
rp_status rp_dedup_run(const rp_corpus *corpus, const rp_options *opts,
                       const rp_dedup_options *dopts, rp_dedup **out);
void rp_dedup_free(rp_dedup *dd);

/* rp_dedup_run shared among processes (rp_exchange, above): each makes the signatures of a
 * contiguous share of the documents, rank 0 gathers them and judges every document in input
 * order, so *out on rank 0 has rp_dedup_run's groups and verdicts (NULL elsewhere). The same
 * corpus on every process (RP_EINVAL otherwise); a failure anywhere is every process's. */
rp_status rp_dedup_run_shared(const rp_corpus *corpus, const rp_options *opts,
                              const rp_dedup_options *dopts, rp_exchange *ex,
                              rp_progress_fn progress, void *progress_ctx, rp_dedup **out);

/* Groups of two or more documents, in the order of their earliest documents. BORROWED. */
size_t rp_dedup_group_count(const rp_dedup *dd);
const rp_dedup_group *rp_dedup_get_group(const rp_dedup *dd, size_t i);

/* The verdict a document got on arrival (new for group firsts and documents alone). */
const rp_dedup_member *rp_dedup_doc(const rp_dedup *dd, uint32_t doc);

/* True when doc is kept: alone, or its group's representative. */
bool rp_dedup_kept(const rp_dedup *dd, uint32_t doc);

/* Writes the kept documents: for a JSONL document its input line unchanged plus "\n"; any
 * other (an RSS/Atom item, a file) as one JSON line {"id","link","title","date","text"}, as
 * rp_store_write_new does, never bare text. RP_EIO when writing fails. */
rp_status rp_dedup_write_kept(FILE *out, const rp_corpus *corpus, const rp_dedup *dd);

/* ---- dedup stream: verdicts for documents given in batches ------------------------------ */

/* The batch rule of rp_dedup_run applied to documents that arrive in batches: each document
 * gets the verdict it would get at its place in one corpus holding every batch in order. The
 * stream keeps the group firsts' fingerprints, keys and names, never a document's text. With
 * opts->memory 0 all of that stays in memory, which grows with the number of distinct
 * documents (about 260 bytes each for feed items). With opts->memory set, it is the budget of
 * that state: past it the stream moves the older firsts to two temporary files in $TMPDIR (or
 * /tmp), unlinked at once, so they go when the stream is freed or the process ends, and keeps
 * of them under a byte per key in memory (Bloom filters and fences, counted in the budget;
 * about 3 bytes per distinct feed item). Verdicts are the same for any budget. Signatures are
 * made on opts->threads threads (the verdicts are the same for any number). Keep is always
 * first (a later representative would need the whole input). */
typedef struct rp_dedup_stream rp_dedup_stream;

/* OWNED: free with rp_dedup_stream_free. RP_EINVAL for out-of-range options or a keep other
 * than RP_KEEP_FIRST. rp_dedup_stream_add returns RP_EIO when a temporary file cannot be made,
 * written or read. */
rp_status rp_dedup_stream_new(const rp_options *opts, const rp_dedup_options *dopts,
                              rp_dedup_stream **out);
void rp_dedup_stream_free(rp_dedup_stream *stream);

/* Judges the documents of batch, in order, against every document given before. out must hold
 * rp_corpus_count(batch) entries; doc and of are stream positions (the first document ever
 * given is 0; of is UINT32_MAX for new). RP_ELIMIT past 2^32 - 1 documents. After an error
 * while judging, the stream may hold part of the batch: every later call returns that error;
 * free it. */
rp_status rp_dedup_stream_add(rp_dedup_stream *stream, const rp_corpus *batch,
                              rp_dedup_member *out);

/* Documents given so far. */
uint32_t rp_dedup_stream_count(const rp_dedup_stream *stream);

/* The name of the group first that document i of the last batch given matched (its `of`), or
 * NULL when it matched none. BORROWED: valid until the next rp_dedup_stream_add. */
const char *rp_dedup_stream_of_name(const rp_dedup_stream *stream, size_t i);

/* How many times the stream has moved its in-memory firsts to its temporary files (0 without
 * a budget, or while the state fits in it). */
size_t rp_dedup_stream_spilled(const rp_dedup_stream *stream);

/* ---- store: incremental dedup on a persistent LMDB index --------------------------------- */

typedef struct rp_store rp_store;

typedef struct rp_store_options {
    bool wait;          /* wait for another writer instead of failing at once */
    bool read_only;     /* open for reading (stats, export); never blocks on a writer */
    uint64_t max_items; /* keep at most this many documents (oldest evicted); 0: no limit */
    int64_t max_age;    /* evict documents older than this many seconds; 0: no limit */
    size_t map_size;    /* LMDB map size in bytes; 0: the default (64 GiB on 64-bit) */
    bool any_settings;  /* accept the store's own settings (stats, export, compact) */
    bool existing;      /* refuse to create: dir must already hold a store (store commands) */
} rp_store_options;

void rp_store_options_init(rp_store_options *sopts);

/* Opens (creating when missing, unless read_only or existing) the store in directory dir.
 * The file is checked first: an empty or truncated data.mdb (shorter than LMDB's last page)
 * is refused, never mapped. A writer sweeps the temporaries a killed compact left. Errors:
 * RP_EIO (cannot create or open), RP_EFORMAT (not a reprint store, empty or damaged, another
 * format version — an older one is named with `reprint store upgrade` —, or other
 * shingle/window/fold settings), RP_ELIMIT (another writer holds it and wait is false). msg
 * gets a one-line explanation. *out is OWNED: rp_store_close. One rp_store is used by one
 * thread at a time; several processes may open one directory (one writer at a time). */
rp_status rp_store_open(const char *dir, const rp_options *opts, const rp_store_options *sopts,
                        rp_store **out, char *msg, size_t msglen);
void rp_store_close(rp_store *store);

/* One incoming item's verdict. Strings are OWNED by the result array. For `seen`, of,
 * resemblance, containment and original are those the item got when it was added, so a run
 * repeated after a lost output recovers every verdict. */
typedef struct rp_store_verdict {
    char *id;
    char *of; /* NULL for new and too_short */
    rp_verdict verdict;
    double resemblance;
    double containment;
    rp_verdict original; /* seen: the stored verdict; otherwise the same as verdict */
    uint64_t seq;        /* the item's place in the store's commit order (1, 2, ...); 0 when
                          * it is not stored (too_short, or judged by rp_store_query) */
} rp_store_verdict;

/* The longest id a store holds (bytes); an item with a longer id fails the batch, named. */
#define RP_STORE_MAX_ID 65535u

/* Adds every document of the corpus, in order, as ONE write transaction (all or nothing),
 * then evicts past max_items / max_age. Ids are stored and compared whole. *out (count
 * entries, one per document) is OWNED: rp_store_verdicts_free. RP_ELIMIT when the map is full
 * or an id is longer than RP_STORE_MAX_ID (the store is unchanged); RP_EIO, the store
 * unchanged, when a mapped input shrank while it was read (rp_corpus_changed). */
rp_status rp_store_add(rp_store *store, const rp_corpus *corpus, const rp_dedup_options *dopts,
                       rp_store_verdict **out, size_t *count, char *msg, size_t msglen);

/* As rp_store_add, and next, when not NULL, is the corpus the caller adds next on this store:
 * it is signed on another thread while this batch is judged and committed (the part of a batch
 * that runs on one thread; that thread is done before the call returns), and the next
 * rp_store_add, rp_store_add_ahead or rp_store_query of that corpus, its documents unchanged,
 * uses those signatures instead of signing it again; such a call of any other corpus (refused
 * or not), or rp_store_close, drops them. Verdicts are exactly rp_store_add's. "That corpus" is
 * told by identity, not content: the same rp_corpus, its documents' names and bytes at the same
 * addresses and of the same lengths; so next must stay valid and its bytes unchanged until the
 * next such call on this store, whichever corpus it adds. A failure to sign next ahead is not
 * this call's: next is then signed by the call that adds it, which reports its own errors.
 * With rp_options.threads 1 nothing is signed ahead. */
rp_status rp_store_add_ahead(rp_store *store, const rp_corpus *corpus, const rp_corpus *next,
                             const rp_dedup_options *dopts, rp_store_verdict **out, size_t *count,
                             char *msg, size_t msglen);

/* Judges every document of the corpus exactly as rp_store_add would (items of the batch see
 * the earlier ones), and changes nothing: the transaction is abandoned. The store must be open
 * for writing. seq is 0 in every verdict. *out as for rp_store_add. */
rp_status rp_store_query(rp_store *store, const rp_corpus *corpus,
                         const rp_dedup_options *dopts, rp_store_verdict **out, size_t *count,
                         char *msg, size_t msglen);

/* Deletes the documents with these ids (count of them), as one transaction; ids not held are
 * passed over. *deleted gets how many were removed. A deleted group first no longer finds its
 * members' copies (as when it is evicted). */
rp_status rp_store_delete(rp_store *store, const char *const *ids, size_t count,
                          size_t *deleted, char *msg, size_t msglen);
void rp_store_verdicts_free(rp_store_verdict *verdicts, size_t count);

/* One JSON line per verdict: {"id":..,"verdict":..,"of":..|null,"resemblance":..,
 * "containment":..,"original":..,"seq":..}. */
rp_status rp_store_write_verdicts(FILE *out, const rp_store_verdict *verdicts, size_t count);

/* Writes the documents judged new (verdicts[i] is document i's, as rp_store_add gives them):
 * a JSONL document's input line unchanged; any other (an RSS/Atom item, a file) as one JSON
 * line {"id","link","title","date","text"} (link: the id when it is an http(s) URL, title: the
 * first line, date: the item's, else null), never bare text. RP_EIO when writing fails. */
rp_status rp_store_write_new(FILE *out, const rp_corpus *corpus,
                             const rp_store_verdict *verdicts, size_t count);

/* stats: one JSON object (counts and sizes); export: one JSON line per stored document. */
rp_status rp_store_stats(rp_store *store, FILE *out);
rp_status rp_store_export(rp_store *store, FILE *out);

/* Rewrites the store compactly (mdb_env_copy2 with MDB_CP_COMPACT into a temporary directory,
 * then swapped in by rename). The store must be open for writing. */
rp_status rp_store_compact(rp_store *store, char *msg, size_t msglen);

/* Verifies the whole store: LMDB's page structure (every record read), each record's
 * checksum, ids, order and postings against the documents, and the filters. RP_OK, or
 * RP_EFORMAT with the first problem in msg. */
rp_status rp_store_verify(rp_store *store, char *msg, size_t msglen);

/* Upgrades a store of an earlier format version (2 or 3) in place, as one transaction (a crash
 * leaves it as it was); a store already current is left alone (*upgraded false). It takes
 * the writer lock (wait: as rp_store_options.wait). */
rp_status rp_store_upgrade(const char *dir, bool wait, bool *upgraded, char *msg,
                           size_t msglen);

/* ---- quotes: quotations, their sources and fidelity ------------------------------------- */

/* How faithfully a source gives a quotation's words. */
typedef enum {
    RP_FIDELITY_VERBATIM = 0, /* the same words, byte for byte (quotation marks aside) */
    RP_FIDELITY_NORMALIZED,   /* the same words after folding case, quotes, spelling, US/U.S. */
    RP_FIDELITY_ELIDED,       /* the source with words left out (marked by ... or not) */
    RP_FIDELITY_ALTERED       /* words differ */
} rp_fidelity;

/* "verbatim", "normalized", "elided", "altered". */
const char *rp_fidelity_name(rp_fidelity fidelity);

/* One difference between a quotation and a source: the words on each side as written (an
 * elision: quote is the mark as written, e.g. "…" or "[...]", or "" when unmarked). */
typedef struct rp_quote_diff {
    const char *quote;
    const char *source;
} rp_quote_diff;

typedef struct rp_quote_source {
    uint32_t doc;
    size_t start; /* byte offsets of the matched words in the source document */
    size_t end;
    uint32_t line;   /* 1-based, of start */
    uint32_t column; /* 1-based, in code points */
    bool quoted;     /* the source itself stands inside quotation marks */
    double identity; /* matching tokens / aligned tokens, elided words not counted */
    rp_fidelity fidelity;
    const rp_quote_diff *diffs;
    size_t diff_count;
} rp_quote_source;

typedef struct rp_quote {
    uint32_t doc;
    size_t start; /* the quoted text without its marks (multi-paragraph: first opening mark to */
    size_t end;   /* the last closing one) */
    uint32_t line;
    uint32_t column;
    uint32_t tokens;
    const char *speaker; /* the attributing phrase ("he added", "Li said"), or NULL */
    const rp_quote_source *sources; /* ranked: unquoted first, identity, document, position */
    size_t source_count;            /* listed: at most max_sources; 0: unsourced */
    size_t sources_total;           /* found, listed or not (>= source_count) */
} rp_quote;

/* The most sources a quotation lists (rp_quotes_options.max_sources); sources_total still
 * counts every one found. */
#define RP_QUOTES_MAX_SOURCES 100

typedef struct rp_quotes_options {
    uint32_t min_words;   /* shorter quotations are not reported (default 6) */
    uint32_t max_sources; /* sources listed per quotation, 1 .. RP_QUOTES_MAX_SOURCES
                             (default 10) */
} rp_quotes_options;

void rp_quotes_options_init(rp_quotes_options *qopts);

typedef struct rp_quotes rp_quotes;

/* Finds the quotations of every document, their sources in the corpus (other documents, or
 * the same one outside the quotation) and each source's fidelity. *out is OWNED:
 * rp_quotes_free. RP_EINVAL for out-of-range options. */
rp_status rp_quotes_run(const rp_corpus *corpus, const rp_options *opts,
                        const rp_quotes_options *qopts, rp_quotes **out);
void rp_quotes_free(rp_quotes *quotes);

/* Quotations in (doc, start) order. BORROWED. */
size_t rp_quotes_count(const rp_quotes *quotes);
const rp_quote *rp_quotes_get(const rp_quotes *quotes, size_t i);
/* tokens, invalid UTF-8, and covered = share of the document's tokens inside quotations. */
const rp_doc_stats *rp_quotes_doc_stats(const rp_quotes *quotes, uint32_t doc);

/* ---- reports ----------------------------------------------------------------------------- */

typedef enum {
    RP_FORMAT_TEXT = 0,
    RP_FORMAT_JSON,
    RP_FORMAT_JSONL,
    RP_FORMAT_CSV,
    RP_FORMAT_HTML /* one self-contained page: inline CSS and JS, no fetches */
} rp_format;

/* Parses "text", "json", "jsonl", "csv", "html": RP_OK or RP_EINVAL. */
rp_status rp_format_parse(const char *name, rp_format *out);

/* Writes a scan report (json, jsonl and csv as ARCHITECTURE.md's "The JSON report" section
 * describes them: a contract, fields are added, never renamed). Byte-identical for the
 * same corpus, options and scan. RP_EIO when writing fails. */
rp_status rp_report_scan(FILE *out, rp_format format, const rp_corpus *corpus,
                         const rp_scan *scan, const rp_options *opts);

/* How many of a cluster's passages a scan report lists: its first opts->max_passages
 * (--max-passages; 0: all). Every format lists the same ones. */
size_t rp_report_listed(const rp_cluster *c, const rp_options *opts);

/* Writes a dedup report (text, json, jsonl or csv; see `reprint dedup --help`). RP_EIO when
 * writing fails. */
rp_status rp_report_dedup(FILE *out, rp_format format, const rp_corpus *corpus,
                          const rp_dedup *dd, const rp_options *opts,
                          const rp_dedup_options *dopts);

/* Writes len bytes of a name or text for a person's terminal, as the text reports and the
 * program's messages do: valid UTF-8 is written as it is, except for what could move the
 * cursor, recolour or retitle the terminal, or reorder the line. TAB, LF and CR become \t \n
 * \r; other C0 controls and DEL \xNN; C1 controls (U+0080..U+009F) and the bidi embeddings,
 * overrides and isolates (U+202A..U+202E, U+2066..U+2069) \uNNNN; each byte of an invalid
 * UTF-8 sequence \xNN. Backslash itself is not escaped: the text is for reading (the JSON
 * reports are exact). Write errors show in ferror(out). */
void rp_write_safe(FILE *out, const char *text, size_t len);

/* Writes a quotes report: text (each quotation, its best source as name:line:col and a word
 * diff), json (its fields are listed by `reprint quotes --help` and reprint-quotes(1)) or html
 * (one self-contained page: each quotation beside its sources, words compared). RP_EINVAL for other formats; RP_EIO when writing fails. */
rp_status rp_report_quotes(FILE *out, rp_format format, const rp_corpus *corpus,
                           const rp_quotes *quotes, const rp_options *opts,
                           const rp_quotes_options *qopts);

#ifdef __cplusplus
}
#endif

#endif /* REPRINT_H */
