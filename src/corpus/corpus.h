/*
 * corpus.h - private interface of the corpus module: adding documents by taking ownership,
 * recording skipped inputs, rolling back a failed read, and the input readers' entry points
 * (byte loading with gzip/zstd decoding, JSONL lines, regex splitting) shared by corpus_*.c.
 */
#ifndef REPRINT_CORPUS_H
#define REPRINT_CORPUS_H

#include "base/base.h"

#include <regex.h>
#include <sys/types.h>

/* The hard limit per document (and per input read as a whole): 4 GiB - 1 bytes. */
#define RP_DOC_MAX ((size_t)UINT32_MAX)

/* Room for a skip reason built while reading one input. */
#define RP_WHY_LEN 256

/* ---- storage (corpus.c) ---- */

/* Where a read started: a failed read drops everything added after it. */
typedef struct rp_corpus_mark {
    size_t docs;
    size_t skipped;
    size_t blobs;
    size_t slabs;
} rp_corpus_mark;

void rp_corpus_mark_get(const rp_corpus *c, rp_corpus_mark *mark);
void rp_corpus_rollback(rp_corpus *c, const rp_corpus_mark *mark);

/* Adds a document, taking name, bytes and meta (rp_malloc'd; meta may be NULL) in every case:
 * on failure they are freed. bytes must have room for a NUL at bytes[len] (it is written). */
rp_status rp_corpus_take(rp_corpus *c, char *name, char *bytes, size_t len, size_t offset,
                         char *meta);

/* The document for its reader to fill in (title, file_line, date, series, ignored: fields
 * the corpus owns and frees). NULL when id is out of range. */
rp_doc *rp_corpus_doc_edit(rp_corpus *c, uint32_t id);

/* Fills in the title, date, series and ignored lines of documents [from, count) (annotate.c);
 * the expressions are compiled by rp_annotator_init. */
typedef struct rp_annotator {
    const rp_read_options *ro;
    regex_t series, ignore, after;
    bool has_series, has_ignore, has_after;
} rp_annotator;

/* RP_OK, or RP_EFORMAT with regerror's message in msg (may be NULL). */
rp_status rp_annotator_init(rp_annotator *an, const rp_read_options *ro, char *msg,
                            size_t msglen);
void rp_annotator_release(rp_annotator *an);
rp_status rp_corpus_annotate(rp_corpus *c, const rp_annotator *an, size_t from);

/* Compiles a POSIX ERE for option `which` (REG_NEWLINE): RP_OK, RP_ENOMEM, or RP_EFORMAT with
 * "invalid WHICH regex 'PATTERN': why" in msg (may be NULL). */
rp_status rp_regex_compile(regex_t *re, const char *pattern, const char *which, char *msg,
                           size_t msglen);

/* Records a skipped input (both strings are copied). */
rp_status rp_corpus_skip(rp_corpus *c, const char *input, const char *reason);

/* Keeps a buffer alive as long as the corpus (JSONL inputs: raw lines point into it). Takes it
 * in every case. */
rp_status rp_corpus_keep_blob(rp_corpus *c, char *blob);

/* The raw bytes a document came from: for a JSONL document its whole line (without the line
 * break, so without a trailing "\r\n" or "\n"), else the document's own bytes. BORROWED.
 * For a future `dedup --keep-only`, which writes the kept input lines back out unchanged. */
rp_status rp_corpus_raw(const rp_corpus *c, uint32_t id, const char **bytes, size_t *len);
void rp_corpus_set_raw(rp_corpus *c, uint32_t id, const char *raw, size_t len);

/* ---- mapped files (map.c) ---- */

/* Plain files of at least this many bytes are mapped instead of read (rp_corpus_map_min, which
 * tests lower), at most RP_MAP_MAX at once (the kernel allows 65,530 mappings by default; each
 * file takes two). */
#define RP_MAP_MIN ((size_t)1 << 20)
#define RP_MAP_MAX 8192
extern size_t rp_corpus_map_min;

typedef struct rp_map_slot rp_map_slot;
struct rp_map_slot {
    struct guard_block *block;
    size_t i;
};

/* A file mapped read-only: bytes[len] reads as NUL. */
typedef struct rp_mapped {
    const char *bytes;
    size_t len;
    size_t map_len;
    rp_map_slot slot; /* its place in the SIGBUS guard */
} rp_mapped;

/* Maps the `size` bytes of regular file fd when it is large enough and room is left; false
 * (m cleared) when it is to be read instead. A SIGBUS from the file shrinking later is caught:
 * the missing bytes read as zeros and rp_corpus_map_hit turns true. */
bool rp_corpus_map(int fd, size_t size, rp_mapped *m);
void rp_corpus_unmap(rp_mapped *m);
bool rp_corpus_map_hit(const rp_mapped *m);
/* Records that input `name` shrank while it was read from a mapping that is let go (a feed
 * parsed out of its pages): rp_corpus_changed names it from then on. */
void rp_corpus_note_changed(rp_corpus *c, const char *name);

/* Hands the pages holding bytes [from, to) of a file's mapping back (MADV_DONTNEED): read
 * again, they come back from the file. Only for mapped files' bytes and the text file's. */
void rp_corpus_pages_release(const char *bytes, size_t from, size_t to);

/* From now on the documents' text goes to a temporary file under dir (rp_spill_dir), read
 * through mappings (rp_read_options.text_in_file); when it cannot be made or written, the text
 * stays in memory. Only the first call counts. */
void rp_corpus_text_in_file(rp_corpus *c, const char *dir);

/* The pages of every document from id `from` on that lives in a file (mapped, or in the text
 * file) handed back: reading annotates each document's start. */
void rp_corpus_release_all(const rp_corpus *c, size_t from);

/* rp_corpus_take for a mapped file (m is taken in every case; the name too). */
rp_status rp_corpus_take_mapped(rp_corpus *c, char *name, rp_mapped *m);
/* As rp_corpus_take, for bytes inside a blob or slab the corpus already keeps
 * (rp_corpus_keep_blob, rp_corpus_keep_slab), with room for the NUL at bytes[len]: never freed
 * on their own (reading's small files, loaded a few megabytes at a time). Not with
 * rp_corpus_text_in_file. name is taken. */
rp_status rp_corpus_take_in_blob(rp_corpus *c, char *name, char *bytes, size_t len);

/* Keeps slab (len bytes from rp_pages_alloc) for documents taken into it with
 * rp_corpus_take_in_blob; freed on failure (RP_ENOMEM). */
rp_status rp_corpus_keep_slab(rp_corpus *c, char *slab, size_t len);

/* Parking (a scan of a large corpus, scan.c): from now on, once every document in one of
 * reading's slabs has been passed to rp_corpus_text_park, the slab's bytes are written to a
 * temporary file under dir (rp_spill_dir) and that file mapped read-only in place of the slab's
 * pages, at the same address: every pointer into the text stays good and reads the same bytes,
 * now file pages that count as resident only while read (and are handed back as the text in
 * files is, rp_corpus_text_read). A write or mapping that fails leaves the slab as it was. The
 * corpus's contents do not change, only where its bytes live: hence const (any thread).
 * Nothing when the corpus has no slabs; only the first call counts. */
void rp_corpus_park_begin(const rp_corpus *c, const char *dir);
/* The caller is done with document id's text for a while (any thread; once a document
 * counts, later calls are nothing). */
void rp_corpus_text_park(const rp_corpus *c, uint32_t id);

/* A stage read `bytes` more of the documents' text (any thread): every RP_TEXT_RELEASE_EVERY
 * bytes read, the pages of the text that lives in files (mapped files, the text file) are
 * handed back (MADV_DONTNEED), to be read again from the page cache when needed. One call
 * for many documents: each call that hands pages back costs every thread a TLB flush, and
 * one a document (6 KB each) took a third of a scan's time. Nothing when no text is in a
 * file. */
#define RP_TEXT_RELEASE_EVERY ((size_t)32 << 20)
/* A reader of short stretches (passages) counts a page with each: a read fault maps up to 16
 * pages around the one touched (fault_around_bytes), but counting all of them handed the pages
 * back so often that the JSON report of 1 GB took 11 times longer (every page read again). */
#define RP_TEXT_PAGE ((size_t)4096)
/* A reader of whole documents scattered over the corpus (those of a window's pairs, a
 * cluster's passages at a document's end) counts the fault-around window with each: a 6 KB
 * document read alone maps 64 KiB, so 32 MiB counted as the documents' bytes held up to 11
 * times as much (at 1 GB under --memory 333M, 260 MiB of file pages at the alignment and
 * 684 MiB at clustering, where nothing was counted). Readers in document order share their
 * windows and count the bytes. */
#define RP_TEXT_AROUND ((size_t)64 << 10)
void rp_corpus_text_read(const rp_corpus *c, size_t bytes);

/* ---- loading bytes (corpus_decode.c) ---- */

/*
 * Reads fd to its end into *out (rp_buf, NUL-terminated), decoding gzip (1f 8b, concatenated
 * members) and zstd (28 b5 2f fd) streams found by their magic bytes, then UTF-16 with a BOM to
 * UTF-8, then rejecting binary content. More than `cap` bytes of output stop the read. When the
 * input must be skipped, RP_OK is returned with why[0] != '\0' (a short reason) and *out empty.
 * size_hint (0 when unknown) sizes the first buffer. Only RP_ENOMEM is an error.
 */
rp_status rp_corpus_load(int fd, size_t cap, size_t size_hint, rp_buf *out, char *why);

/*
 * A streamed input's consumer: handed the decoded bytes not yet let go (data[len] is NUL) when
 * a line has ended since the last call, when they grew by a quarter (an unfinished line that
 * may be too long already), when they pass the loader's cap, and at the end (eof, when every
 * byte must be used). It sets *used to the leading bytes it is done with, which are
 * let go; what it keeps must fit under the cap. Only RP_ENOMEM and RP_ELIMIT are errors.
 */
typedef rp_status (*rp_corpus_sink)(void *ctx, const char *data, size_t len, bool eof,
                                    size_t *used);

/*
 * rp_corpus_load for JSONL and split inputs: the same decoding and binary rule, but the bytes
 * go to sink as they come and at most `cap` (at least 64 KiB) are held at once. UTF-16 with a
 * BOM is converted whole at the end, so such an input is bounded by cap as a whole. When the
 * input must be skipped, RP_OK is returned with why[0] != '\0': what the sink took from it
 * must then be dropped by the caller (rp_corpus_rollback).
 */
rp_status rp_corpus_load_stream(int fd, size_t cap, rp_corpus_sink sink, void *ctx, char *why);

/* True when the bytes look binary (see corpus_decode.c for the rule). */
bool rp_corpus_is_binary(const char *bytes, size_t len);

/* True when the bytes, a file's first len, need decoding: gzip or zstd, or UTF-16 with a BOM. */
bool rp_corpus_is_coded(const char *bytes, size_t len);

/* ---- readers (corpus_jsonl.c, corpus_split.c) ---- */

/* One document per non-blank JSONL line of buf (taken in every case). A line longer than cap
 * is skipped as "path:LINE". */
rp_status rp_corpus_read_jsonl(rp_corpus *c, const char *path, rp_buf *buf,
                               const rp_read_options *ropts, size_t cap);

/* The same from fd, read line by line (rp_corpus_load_stream): at most about cap bytes held
 * besides the documents kept. A file that cannot be read is skipped whole. */
rp_status rp_corpus_stream_jsonl(rp_corpus *c, const char *path, int fd,
                                 const rp_read_options *ropts, size_t cap);

/* Compiled --split / --split-after expressions (either may be absent). */
typedef struct rp_splitter {
    regex_t before;
    regex_t after;
    bool has_before;
    bool has_after;
} rp_splitter;

/* RP_OK, or RP_EFORMAT with regerror's message in msg (may be NULL). */
rp_status rp_splitter_init(rp_splitter *sp, const rp_read_options *ropts, char *msg, size_t msglen);
void rp_splitter_release(rp_splitter *sp);

/* Parts of buf (taken in every case) named "name#1", "name#2" ... A part longer than cap is
 * skipped under its name; a line longer than cap is never matched. */
rp_status rp_corpus_read_split(rp_corpus *c, const char *name, rp_buf *buf, const rp_splitter *sp,
                               size_t cap);

/* The same from fd, read line by line (rp_corpus_load_stream): at most about twice cap held
 * besides the parts kept (a part under cap and an unfinished line that may end it). */
rp_status rp_corpus_stream_split(rp_corpus *c, const char *name, int fd, const rp_splitter *sp,
                                 size_t cap);

/* Tests only: when not NULL (the default), a directory walk calls it with the directory's path
 * after listing the directory and before visiting any entry, so that a test can remove or
 * replace entries in the window a real walk races against (a file deleted between the listing
 * and its open must be skipped with a reason, and the rest of the directory read). */
extern void (*rp_corpus_test_after_list)(const char *dir);

/* ---- dates (date.c) ---- */

/* The date in field of a JSON metadata object (meta may be NULL): an RFC 3339 or RFC 822
 * string (rp_date_parse) or an integer of epoch seconds. False when absent or unreadable. */
bool rp_corpus_meta_date(const char *meta, const char *field, int64_t *out);

/* The same rule for one JSON value (jansson's json_t). */
struct json_t;
bool rp_corpus_value_date(const struct json_t *v, int64_t *out);

/* "document larger than 4 GiB" or "document larger than the limit of N bytes". */
void rp_corpus_limit_reason(size_t cap, char *why);

/* strerror(err) into why, thread-safely. */
void rp_corpus_errno_reason(int err, char *why);

/* ---- a corpus read among processes (shared.c) ---- */

/* A directory's visible entries, sorted as the walk takes them (OWNED, each and the array:
 * rp_free); RP_EIO with errno when it cannot be listed. */
rp_status rp_corpus_list_dir(const char *dir, char ***names, size_t *count);

/* Why the walk skips an entry that is neither a directory nor a regular file. */
const char *rp_corpus_kind_reason(mode_t mode);

/* Adds a document whose text another process holds: its name (taken in every case) and length;
 * its bytes are NULL until lent (rp_corpus_lend). */
rp_status rp_corpus_take_absent(rp_corpus *c, char *name, size_t len);

/* The documents read so far become ids [first, first + count), every other id of [0, total)
 * an empty document (no name, no bytes): the corpus holds a share of a corpus of total
 * documents (rp_corpus_held). */
rp_status rp_corpus_place(rp_corpus *c, size_t first, size_t total);
void rp_corpus_set_held(rp_corpus *c, uint32_t lo, uint32_t hi);

/* Document id's bytes (and its ignored lines when it has none of its own) lent by another
 * process for a while: the corpus does not free them; rp_corpus_unlend takes them back. */
void rp_corpus_lend(rp_corpus *c, uint32_t id, const char *bytes, size_t len,
                    const rp_range *ignored, size_t ignored_count);
void rp_corpus_unlend(rp_corpus *c, uint32_t id);

/* Lent document id's text (and its lent ignored lines) made the corpus's own: its bytes
 * written to the text file (rp_corpus_text_in_file) and read from there, the ignored lines
 * copied, so that what was lent can be freed. false, nothing changed, when the document is not
 * lent, the corpus has no text file, the text is too large for one of its chunks (64 MiB and
 * more), or the write fails (then no more text goes to it). */
bool rp_corpus_lent_to_file(rp_corpus *c, uint32_t id);

/* Room for one more rp_corpus_keep_blob, which then cannot fail. */
rp_status rp_corpus_blob_room(rp_corpus *c);

/* The corpus serves no run again (its text lent for a report: rp_scan_run_shared's rank 0). */
void rp_corpus_spend(rp_corpus *c);

/* Document id's text let go (its metadata stays): bytes NULL from now on, and the corpus is
 * spent: no run takes it again (rp_corpus_whole, rp_corpus_spent). */
void rp_corpus_drop_text(rp_corpus *c, uint32_t id);

/* Whether every document's text is held: not read by shares, nothing let go. The runs of one
 * process (rp_scan_run, rp_quotes_run, rp_dedup_run) refuse a corpus that is not whole. */
bool rp_corpus_whole(const rp_corpus *c);
bool rp_corpus_spent(const rp_corpus *c);

#endif /* REPRINT_CORPUS_H */
