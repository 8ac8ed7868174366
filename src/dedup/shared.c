/*
 * shared.c - rp_dedup_run_shared: batch dedup shared among processes through the caller's
 * transport (rp_exchange). The signatures (tokenizing and winnowing every document: the
 * bulk of the work) are made by each process for its contiguous share of the documents and
 * gathered on rank 0, compactly (a header and 4 bytes a fingerprint), in document order;
 * rank 0 then judges every document in input order exactly as rp_dedup_run does, so the
 * groups and verdicts are the same.
 */
#include "dedup/dedup.h"
#include "base/exchange.h"

#include <string.h>

/* A signature on the wire: this header, then count fingerprints of 4 bytes. */
typedef struct sig_head {
    uint64_t content;
    uint64_t tokens;
    uint64_t count;
    uint64_t invalid_utf8;
} sig_head;

/* This process's signatures, one buffer (OWNED) of heads and fingerprints. */
static rp_status pack(const rp_dedup_sig *sigs, uint32_t n, char **out, size_t *len)
{
    size_t bytes = 0, at = 0;
    for (uint32_t i = 0; i < n; i++)
        bytes += sizeof(sig_head) + sigs[i].count * sizeof(uint32_t);
    char *buf = rp_malloc(bytes ? bytes : 1);
    if (!buf)
        return RP_ENOMEM;
    for (uint32_t i = 0; i < n; i++) {
        sig_head h = {sigs[i].content, sigs[i].tokens, sigs[i].count, sigs[i].invalid_utf8};
        memcpy(buf + at, &h, sizeof(h));
        at += sizeof(h);
        if (sigs[i].count)
            memcpy(buf + at, sigs[i].fps, sigs[i].count * sizeof(uint32_t));
        at += sigs[i].count * sizeof(uint32_t);
    }
    *out = buf;
    *len = bytes;
    return RP_OK;
}

/* Every document's signature from the gathered buffer (rank 0); RP_EINVAL when it does not
 * hold exactly n of them. */
static rp_status unpack(const char *buf, size_t len, size_t n, rp_dedup_sig *sigs)
{
    size_t at = 0;
    for (size_t i = 0; i < n; i++) {
        sig_head h;
        if (len - at < sizeof(h))
            return RP_EINVAL;
        memcpy(&h, buf + at, sizeof(h));
        at += sizeof(h);
        if (h.count > (len - at) / sizeof(uint32_t))
            return RP_EINVAL;
        if (!(sigs[i].fps = rp_malloc((size_t)(h.count + 1) * sizeof(uint32_t))))
            return RP_ENOMEM;
        memcpy(sigs[i].fps, buf + at, (size_t)h.count * sizeof(uint32_t));
        at += (size_t)h.count * sizeof(uint32_t);
        sigs[i].count = sigs[i].cap = (size_t)h.count;
        sigs[i].content = h.content;
        sigs[i].tokens = (uint32_t)h.tokens;
        sigs[i].invalid_utf8 = (size_t)h.invalid_utf8;
    }
    return at == len ? RP_OK : RP_EINVAL;
}

rp_status rp_dedup_run_shared(const rp_corpus *corpus, const rp_options *opts,
                              const rp_dedup_options *dopts, rp_exchange *ex,
                              rp_progress_fn progress, void *progress_ctx, rp_dedup **out)
{
    rp_group g;
    const size_t docs = rp_corpus_count(corpus);
    rp_dedup_sig *mine = NULL, *all = NULL;
    char *packed = NULL;
    void *recv = NULL;
    size_t *counts = NULL, len = 0;
    uint32_t lo = 0, n = 0;
    rp_status st;

    *out = NULL;
    /* every rank holds the same options: each refuses bad ones before signing with them */
    if ((st = rp_options_check(opts)) != RP_OK)
        return st;
    st = rp_group_begin(&g, ex, corpus, false, opts, progress, progress_ctx);
    if (st != RP_OK) {
        rp_group_end(&g);
        return st;
    }
    lo = g.doc_lo[g.me];
    n = g.doc_lo[g.me + 1] - lo;
    mine = rp_calloc((size_t)n + 1, sizeof(*mine));
    counts = rp_calloc(2 * (size_t)g.n, sizeof(size_t));
    st = mine && counts ? RP_OK : RP_ENOMEM;
    if (st == RP_OK && progress)
        progress(progress_ctx, "fingerprint", 0, n);
    if (st == RP_OK)
        st = rp_dedup_signatures(opts, corpus, lo, n, mine);
    if (st == RP_OK && progress)
        progress(progress_ctx, "fingerprint", n, n);
    if (st == RP_OK)
        st = pack(mine, n, &packed, &len);
    for (uint32_t i = 0; mine && i < n; i++)
        rp_dedup_sig_release(&mine[i]);
    rp_free(mine);
    if ((st = rp_group_agree(&g, st)) == RP_OK) {
        counts[0] = len;
        st = rp_group_exchange(&g, "gather-sigs", packed, counts, 1, &recv, counts + g.n);
    }
    rp_free(packed);
    if (st == RP_OK && g.me == 0) {
        size_t total = 0;
        for (unsigned p = 0; p < g.n; p++)
            total += counts[g.n + p];
        all = rp_calloc(docs + 1, sizeof(*all));
        st = all ? unpack(recv, total, docs, all) : RP_ENOMEM;
        rp_free(recv);
        recv = NULL;
        if (st == RP_OK) {
            st = rp_dedup_run_signed(corpus, opts, dopts, all, out); /* takes all */
            all = NULL;
        }
        for (size_t i = 0; all && i < docs; i++)
            rp_dedup_sig_release(&all[i]);
        rp_free(all);
    }
    rp_free(recv);
    if (st != RP_EEXCHANGE)
        st = rp_group_agree(&g, st);
    if (st != RP_OK) {
        rp_dedup_free(*out);
        *out = NULL;
    }
    rp_free(counts);
    rp_group_end(&g);
    return st;
}
