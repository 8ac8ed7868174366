/*
 * text.h - private: the tokenizer's streaming form (tokenize.c) and winnowing fed in pieces
 * (shingle.c), which the scan's stages use to fingerprint, align and place documents of any
 * size without holding all their tokens.
 */
#ifndef REPRINT_TEXT_H
#define REPRINT_TEXT_H

#include "base/base.h"

/* Takes a block of tokens from a streaming tokenizer: it consumes toks->items[0, count) and
 * leaves only a tail it still needs (fewer than the block; moved to the front, count set). */
typedef rp_status (*rp_token_sink)(void *ctx, rp_tokens *toks);

/* What a sink returns when it needs no more of the text: the stream stops there and returns
 * RP_OK, the tokens after the block never made (nor the invalid bytes after it counted). */
#define RP_TEXT_STOP ((rp_status)(RP_EEXCHANGE + 64))

/* rp_text_tokenize without normal forms, holding at most block tokens: whenever block tokens
 * are held, sink(ctx, toks) runs. The tokens still held at the end are the caller's to finish;
 * toks->invalid_utf8 and first_invalid count the whole text. A document of millions of tokens
 * is thus fingerprinted, aligned and given its spans without its whole token array (16 bytes
 * a token). spans_only: the same tokens and spans, but the hash of a plain ASCII word (most
 * tokens) is 0, not computed; other tokens keep theirs. */
rp_status rp_text_tokenize_stream(const rp_options *opts, const char *text, size_t len,
                                  bool spans_only, size_t block, rp_token_sink sink, void *ctx,
                                  rp_tokens *toks);

/* rp_text_tokenize_stream over a document, honouring its ignored lines (rp_doc.ignored). */
rp_status rp_text_tokenize_stream_doc(const rp_options *opts, const rp_doc *doc,
                                      bool spans_only, size_t block, rp_token_sink sink,
                                      void *ctx, rp_tokens *toks);

/* For tests and fuzzing, which compare the two paths: rp_text_tokenize_doc with spans_only as in
 * rp_text_tokenize_stream_doc, by the 16-byte window path (windows true, as every other entry
 * point) or by the reference path alone, a byte at a time (windows false). Both give the same
 * tokens, spans and hashes for every input. */
rp_status rp_text_tokenize_paths(const rp_options *opts, const rp_doc *doc, bool keep_norm,
                                 bool spans_only, bool windows, rp_tokens *toks);

/* Robust winnowing fed in pieces (rp_shingle_winnow is one piece): shingle i is hashed once all
 * its k tokens have been fed. Feed tokens base .. base + count of a text; base may not pass
 * wn->next, the number of shingles hashed so far (the tail before it may be fed again). */
enum { RP_WINNOW_RING = 1024 }; /* a power of two >= the largest window (rp_options_check) */
typedef struct rp_winnow {
    uint64_t ring[RP_WINNOW_RING]; /* shingle i's hash at ring[i % RP_WINNOW_RING] */
    uint64_t min;                  /* the chosen shingle's hash */
    size_t next;                   /* shingles hashed */
    size_t chosen;                 /* the chosen shingle */
    uint32_t k, w, doc;
} rp_winnow;

rp_status rp_winnow_begin(rp_winnow *wn, const rp_options *opts, uint32_t doc);
rp_status rp_winnow_feed(rp_winnow *wn, const rp_token *toks, size_t count, size_t base,
                         rp_fingerprints *fps);
/* Ends the text: a text of fewer than w shingles gets its one fingerprint here. */
rp_status rp_winnow_end(rp_winnow *wn, rp_fingerprints *fps);

#endif /* REPRINT_TEXT_H */
