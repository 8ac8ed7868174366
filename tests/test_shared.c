/*
 * test_shared.c - rp_scan_run_shared over an in-process transport (threads playing ranks, no
 * MPI): for 1 to 4 ranks, small exchange rounds and 1 or 2 threads a rank, rank 0's report is
 * the one-process report byte for byte (also with a transport that takes displacements, whose
 * rounds need no buffers, and with each rank reading a share of the inputs) and the counts are
 * the same, and so is shared batch
 * dedup's; allocation failures, a rank over its budget,
 * ranks holding different corpora and a failing exchange end every rank with the same status
 * and no result.
 */
#define _DEFAULT_SOURCE /* mkdtemp, mkfifo */
#include "base/base.h"
#include "fixture.h"
#include "scan/scan.h"

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/inotify.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#define MAX_RANKS 4

/* The ranks of one group: what each posts for the others between two barriers. */
typedef struct group {
    unsigned n;
    pthread_barrier_t bar;
    const void *send[MAX_RANKS];
    const size_t *send_counts[MAX_RANKS];
    const size_t *send_displs[MAX_RANKS];
    uint64_t *values[MAX_RANKS];
    unsigned fail_at; /* every rank's exchange number fail_at fails (0: none) */
} group;

typedef struct rank {
    group *g;
    unsigned me, calls;
    const rp_corpus *corpus;
    rp_options opts;
    rp_exchange ex;
    rp_status st;
    rp_scan *scan;
    rp_scan_counts counts;
    char *json;
    bool dedup; /* rp_dedup_run_shared instead of the scan */
    /* each rank reads a share of these paths (rp_corpus_read_shared) instead of corpus */
    const char *const *paths;
    size_t npaths;
    const rp_read_options *ro;
    bool scanned; /* (allocation failures) rank 0 had a result, not reported */
} rank;

/* The head a rank sends an owner with its fingerprints (shared.c): the bytes of each of 4
 * groups' streams, then the fingerprints of each of 256 buckets (64 a group). */
#define GARBLE_GROUPS 4u
#define GARBLE_BUCKETS 256u
#define GARBLE_HEAD_BYTES ((GARBLE_GROUPS + GARBLE_BUCKETS) * sizeof(uint64_t))

/* When set, rank 0 garbles the head its fingerprints come to it with from itself, once: x
 * taken from the count of group 0's first bucket and given to its last, so that the counts
 * still add up (modulo 2^64) but the first bucket's count wraps. */
static bool garble_head;

static void garble_head_of(void *recv, size_t bytes)
{
    uint64_t head[GARBLE_GROUPS + GARBLE_BUCKETS], body = 0;
    if (bytes < GARBLE_HEAD_BYTES)
        return;
    memcpy(head, recv, GARBLE_HEAD_BYTES);
    for (unsigned g = 0; g < GARBLE_GROUPS; g++)
        body += head[g];
    if (body != bytes - GARBLE_HEAD_BYTES || !head[GARBLE_GROUPS + 1])
        return; /* not the fingerprints' exchange */
    const uint64_t x = head[GARBLE_GROUPS] + ((uint64_t)1 << 20);
    head[GARBLE_GROUPS] -= x;
    head[GARBLE_GROUPS + GARBLE_BUCKETS / GARBLE_GROUPS - 1] += x;
    memcpy(recv, head, GARBLE_HEAD_BYTES);
    garble_head = false;
}

/* When set, rank 0 garbles the first fingerprint of the first stream it gets from itself,
 * once: its document's difference (one byte) made 127, past the corpus's last document, the
 * stream's length and the head's counts unchanged. */
static bool garble_doc;

static void garble_doc_of(void *recv, size_t bytes)
{
    uint64_t head[GARBLE_GROUPS], body = 0;
    uint8_t *stream = (uint8_t *)recv + GARBLE_HEAD_BYTES;
    if (bytes < GARBLE_HEAD_BYTES)
        return;
    memcpy(head, recv, sizeof(head));
    for (unsigned g = 0; g < GARBLE_GROUPS; g++)
        body += head[g];
    if (body != bytes - GARBLE_HEAD_BYTES)
        return; /* not the fingerprints' exchange */
    for (unsigned g = 0; g < GARBLE_GROUPS && !head[g]; g++)
        stream += head[g];
    if (!body || stream[0] & 0x80)
        return;
    stream[0] = 0x7f;
    garble_doc = false;
}

/* When set, rank 0 garbles the block of seeds it gets from rank 1, once: the first seed's
 * first document (one byte) made 127, past the corpus's last. The seeds' exchange is found
 * as the one after the fingerprints' (its counts first, then its blocks): garble_seed counts
 * 1 (armed), 2 (fingerprints seen), 3 (the seeds' counts seen). */
static unsigned garble_seed;

static void garble_seed_of(void *recv, const size_t *recv_counts)
{
    uint64_t head[GARBLE_GROUPS], body = 0;
    if (garble_seed == 1 && recv_counts[0] >= GARBLE_HEAD_BYTES) {
        memcpy(head, recv, sizeof(head));
        for (unsigned g = 0; g < GARBLE_GROUPS; g++)
            body += head[g];
        if (body == recv_counts[0] - GARBLE_HEAD_BYTES)
            garble_seed = 2;
    } else if (garble_seed == 2) {
        garble_seed = 3;
    } else if (garble_seed == 3) {
        uint8_t *block = (uint8_t *)recv + recv_counts[0];
        if (recv_counts[1] && !(block[0] & 0x80))
            block[0] = 0x7f;
        garble_seed = 0;
    }
}

/* When set, rank 0 garbles the first count of bytes it gets from rank 1 (an exchange's
 * counts: 8 bytes from each rank), once: made to wrap the sum of its counts to 16. */
static bool garble_count;

static void garble_count_of(void *recv, const size_t *recv_counts)
{
    uint64_t v[2];
    if (recv_counts[0] != sizeof(uint64_t) || recv_counts[1] != sizeof(uint64_t))
        return;
    memcpy(v, recv, sizeof(v));
    if (!v[0])
        return;
    v[1] = (uint64_t)0 - v[0] + 16;
    memcpy(recv, v, sizeof(v));
    garble_count = false;
}

static int thread_alltoallv(void *ctx, const void *send, const size_t *send_counts, void *recv,
                            const size_t *recv_counts)
{
    rank *r = ctx;
    group *g = r->g;
    size_t at = 0;
    if (g->fail_at && ++r->calls == g->fail_at)
        return -1;
    g->send[r->me] = send;
    g->send_counts[r->me] = send_counts;
    pthread_barrier_wait(&g->bar);
    for (unsigned p = 0; p < g->n; p++) {
        size_t from = 0;
        for (unsigned q = 0; q < r->me; q++)
            from += g->send_counts[p][q];
        assert_int_equal(g->send_counts[p][r->me], recv_counts[p]);
        assert_true(recv_counts[p] < (size_t)1 << 31);
        if (recv_counts[p])
            memcpy((char *)recv + at, (const char *)g->send[p] + from, recv_counts[p]);
        at += recv_counts[p];
    }
    if (r->me == 0 && garble_head) /* rank 0 alone reads and clears the flag */
        garble_head_of(recv, recv_counts[0]);
    if (r->me == 0 && garble_doc)
        garble_doc_of(recv, recv_counts[0]);
    if (r->me == 0 && garble_seed)
        garble_seed_of(recv, recv_counts);
    if (r->me == 0 && garble_count && g->n == 2)
        garble_count_of(recv, recv_counts);
    pthread_barrier_wait(&g->bar);
    return 0;
}

/* The transport with displacements: each block sent from and received at its own place. */
static int thread_alltoallv_at(void *ctx, const void *send, const size_t *send_counts,
                               const size_t *send_displs, void *recv, const size_t *recv_counts,
                               const size_t *recv_displs)
{
    rank *r = ctx;
    group *g = r->g;
    if (g->fail_at && ++r->calls == g->fail_at)
        return -1;
    g->send[r->me] = send;
    g->send_counts[r->me] = send_counts;
    g->send_displs[r->me] = send_displs;
    pthread_barrier_wait(&g->bar);
    for (unsigned p = 0; p < g->n; p++) {
        assert_int_equal(g->send_counts[p][r->me], recv_counts[p]);
        assert_true(recv_displs[p] < (size_t)1 << 31);
        if (recv_counts[p])
            memcpy((char *)recv + recv_displs[p],
                   (const char *)g->send[p] + g->send_displs[p][r->me], recv_counts[p]);
    }
    pthread_barrier_wait(&g->bar);
    return 0;
}

static int thread_allreduce(void *ctx, uint64_t *values, size_t n, rp_reduce_op op)
{
    rank *r = ctx;
    group *g = r->g;
    uint64_t *out = malloc((n ? n : 1) * sizeof(uint64_t));
    assert_non_null(out);
    g->values[r->me] = values;
    pthread_barrier_wait(&g->bar);
    for (size_t i = 0; i < n; i++) {
        out[i] = op == RP_REDUCE_SUM ? 0 : g->values[0][i];
        for (unsigned p = 0; p < g->n; p++)
            out[i] = op == RP_REDUCE_SUM ? out[i] + g->values[p][i]
                                         : (g->values[p][i] > out[i] ? g->values[p][i] : out[i]);
    }
    pthread_barrier_wait(&g->bar);
    memcpy(values, out, n * sizeof(uint64_t));
    free(out);
    return 0;
}

static char *json_of(const rp_corpus *c, const rp_scan *s, const rp_options *o)
{
    char *text = NULL;
    size_t len = 0;
    FILE *out = open_memstream(&text, &len);
    assert_non_null(out);
    assert_int_equal(rp_report_scan(out, RP_FORMAT_JSON, c, s, o), RP_OK);
    assert_int_equal(fclose(out), 0);
    return text;
}

static char *dedup_json_of(const rp_corpus *c, const rp_dedup *dd, const rp_options *o,
                           const rp_dedup_options *d)
{
    char *text = NULL;
    size_t len = 0;
    FILE *out = open_memstream(&text, &len);
    assert_non_null(out);
    assert_int_equal(rp_report_dedup(out, RP_FORMAT_JSON, c, dd, o, d), RP_OK);
    assert_int_equal(fclose(out), 0);
    return text;
}

static bool no_reports; /* allocations are failing: no report is made */
/* read by shares: corpora made before allocations fail (taken by the ranks, then freed) */
static rp_corpus *pre_own[MAX_RANKS];
/* read by shares, then a misuse every rank must refuse alike (RP_EINVAL) */
static enum { MISUSE_NONE, MISUSE_DEDUP, MISUSE_MIXED, MISUSE_TWICE } misuse;

/* The misuses of a corpus read by shares: rp_dedup_run_shared on it; rank 1 passing a whole
 * corpus among ranks passing shares; a second shared scan of a corpus the first one spent
 * (rank 0 lets go of text its report does not show), and runs of one process on it. */
static void misuse_shares(rank *r, rp_corpus *own)
{
    rp_dedup_options d;
    rp_dedup *dd = NULL;
    rp_dedup_options_init(&d);
    if (misuse == MISUSE_DEDUP) {
        r->st = rp_dedup_run_shared(own, &r->opts, &d, &r->ex, NULL, NULL, &dd);
        assert_null(dd);
    } else if (misuse == MISUSE_MIXED) {
        rp_corpus *whole = NULL;
        if (r->me == 1) {
            assert_int_equal(rp_corpus_new(&whole), RP_OK);
            for (size_t i = 0; i < r->npaths; i++)
                assert_int_equal(rp_corpus_read(whole, r->paths[i], r->ro), RP_OK);
        }
        r->st = rp_scan_run_shared(whole ? whole : own, &r->opts, &r->ex, NULL, NULL, &r->scan);
        assert_null(r->scan);
        rp_corpus_free(whole);
    } else {
        rp_quotes_options qo;
        rp_quotes *q = NULL;
        assert_int_equal(rp_scan_run_shared(own, &r->opts, &r->ex, NULL, NULL, &r->scan), RP_OK);
        rp_scan_free(r->scan);
        r->scan = NULL;
        rp_quotes_options_init(&qo);
        assert_int_equal(rp_scan_run(own, &r->opts, NULL, NULL, &r->scan), RP_EINVAL);
        assert_int_equal(rp_quotes_run(own, &r->opts, &qo, &q), RP_EINVAL);
        assert_int_equal(rp_dedup_run(own, &r->opts, &d, &dd), RP_EINVAL);
        r->st = rp_scan_run_shared(own, &r->opts, &r->ex, NULL, NULL, &r->scan);
        assert_null(r->scan);
    }
}

static void *rank_main(void *arg)
{
    rank *r = arg;
    if (r->dedup) {
        rp_dedup_options d;
        rp_dedup *dd = NULL;
        rp_dedup_options_init(&d);
        r->st = rp_dedup_run_shared(r->corpus, &r->opts, &d, &r->ex, NULL, NULL, &dd);
        if (dd)
            r->json = dedup_json_of(r->corpus, dd, &r->opts, &d);
        rp_dedup_free(dd);
        return NULL;
    }
    rp_corpus *own = NULL;
    if (r->paths) { /* read by shares: the rank's corpus is its own */
        if (pre_own[r->me]) {
            own = pre_own[r->me];
            pre_own[r->me] = NULL;
        } else
            assert_int_equal(rp_corpus_new(&own), RP_OK);
        r->st = rp_corpus_read_shared(own, r->paths, r->npaths, r->ro, &r->ex);
        r->corpus = own;
        if (r->st != RP_OK) {
            rp_corpus_free(own);
            r->corpus = NULL;
            return NULL;
        }
        if (misuse != MISUSE_NONE) {
            misuse_shares(r, own);
            rp_corpus_free(own);
            r->corpus = NULL;
            return NULL;
        }
    }
    r->st = rp_scan_run_shared(r->corpus, &r->opts, &r->ex, NULL, NULL, &r->scan);
    if (r->scan && no_reports) {
        r->scanned = true;
        rp_scan_free(r->scan);
        r->scan = NULL;
    }
    if (r->scan) {
        r->counts = *rp_scan_get_counts(r->scan);
        r->json = json_of(r->corpus, r->scan, &r->opts);
        rp_scan_free(r->scan);
        r->scan = NULL;
    }
    rp_corpus_free(own);
    r->corpus = NULL;
    return NULL;
}

/* Runs n ranks on corpora[rank] with opts[rank]; the results stay in ranks[]. */
static bool dedup_mode;
static bool in_place; /* the transport takes displacements (rounds without buffers) */
static struct {
    const char *const *paths;
    size_t npaths;
    const rp_read_options *ro;
} reading; /* run_ranks_reading */

static void run_ranks(group *g, rank *ranks, unsigned n, const rp_corpus *const *corpora,
                      const rp_options *opts, size_t round_bytes)
{
    pthread_t t[MAX_RANKS];
    g->n = n;
    assert_int_equal(pthread_barrier_init(&g->bar, NULL, n), 0);
    for (unsigned p = 0; p < n; p++) {
        ranks[p] = (rank){.g = g, .me = p, .corpus = corpora[p], .opts = opts[p],
                          .dedup = dedup_mode, .paths = reading.paths,
                          .npaths = reading.npaths, .ro = reading.ro};
        ranks[p].ex = (rp_exchange){.rank = p,
                                    .size = n,
                                    .round_bytes = round_bytes,
                                    .ctx = &ranks[p],
                                    .alltoallv = thread_alltoallv,
                                    .allreduce = thread_allreduce,
                                    .alltoallv_at = in_place ? thread_alltoallv_at : NULL,
                                    /* rank 0 finishing on 3 threads with 2 and 4 ranks */
                                    .finish_threads = n % 2 ? 0 : 3};
        assert_int_equal(pthread_create(&t[p], NULL, rank_main, &ranks[p]), 0);
    }
    for (unsigned p = 0; p < n; p++)
        assert_int_equal(pthread_join(t[p], NULL), 0);
    pthread_barrier_destroy(&g->bar);
}

/* run_ranks, each rank reading a share of paths itself. */
static void run_ranks_reading(group *g, rank *ranks, unsigned n, const rp_corpus *const *corpora,
                              const rp_options *opts, size_t round_bytes,
                              const char *const *paths, size_t npaths, const rp_read_options *ro)
{
    reading.paths = paths;
    reading.npaths = npaths;
    reading.ro = ro;
    run_ranks(g, ranks, n, corpora, opts, round_bytes);
    reading.paths = NULL;
}

/* Documents of random words, some holding edited copies of a few shared passages. */
static rp_corpus *made_corpus(uint64_t seed, unsigned docs)
{
    static const char *const vocab[] = {"harbour", "river", "council", "bridge", "market",
                                        "winter",  "storm", "mayor",   "the",    "of",
                                        "and",     "a",     "ferry",   "farm",   "road",
                                        "tower",   "canal", "vote",    "plan",   "quay"};
    return fixture_made_corpus(seed, docs, vocab, sizeof(vocab) / sizeof(vocab[0]));
}

/* For 1 to 4 ranks of 1 or 2 threads, rounds of 4 KiB and of the default: rank 0's report
 * and counts are the one-process scan's, and the other ranks have no result. */
static void same_as_one_process(const rp_corpus *c)
{
    rp_options o[MAX_RANKS];
    const rp_corpus *corpora[MAX_RANKS] = {c, c, c, c};
    rank ranks[MAX_RANKS];
    group g;
    rp_scan *s = NULL;
    rp_options_init(&o[0]);
    o[0].threads = 2;
    assert_int_equal(rp_scan_run(c, &o[0], NULL, NULL, &s), RP_OK);
    char *want = json_of(c, s, &o[0]);
    rp_scan_counts want_counts = *rp_scan_get_counts(s);
    rp_scan_free(s);
    assert_true(want_counts.alignments > 0);
    for (unsigned n = 1; n <= MAX_RANKS; n++)
        for (int small = 0; small <= 2; small++) { /* 2: small rounds, in place */
            for (unsigned p = 0; p < n; p++) { /* 1 or 2 threads a rank */
                rp_options_init(&o[p]);
                o[p].threads = 1 + (p + (unsigned)small) % 2;
            }
            memset(&g, 0, sizeof(g));
            in_place = small == 2;
            run_ranks(&g, ranks, n, corpora, o, small ? 4096 : 0);
            in_place = false;
            for (unsigned p = 0; p < n; p++) {
                assert_int_equal(ranks[p].st, RP_OK);
                if (p > 0)
                    assert_null(ranks[p].json);
                if (n > 1) /* each rank sent something to another */
                    assert_true(ranks[p].ex.bytes_sent > 0);
            }
            assert_non_null(ranks[0].json);
            assert_string_equal(ranks[0].json, want);
            assert_memory_equal(&ranks[0].counts, &want_counts, sizeof(want_counts));
            free(ranks[0].json);
        }
    free(want);
}

static void test_shared_scan_is_the_one_process_scan_on_made_corpora(void **state)
{
    (void)state;
    for (uint64_t seed = 1; seed <= 2; seed++) {
        rp_corpus *c = made_corpus(seed, 120 * (unsigned)seed);
        same_as_one_process(c);
        rp_corpus_free(c);
    }
}

static void test_shared_scan_is_the_one_process_scan_on_the_test_corpora(void **state)
{
    static const char *const inputs[] = {"examples/posts", "tests/data/hostile",
                                         "tests/data/outlets.jsonl"};
    (void)state;
    for (size_t i = 0; i < sizeof(inputs) / sizeof(inputs[0]); i++) {
        rp_corpus *c = fixture_read_source(inputs[i]);
        same_as_one_process(c);
        rp_corpus_free(c);
    }
}

/* Each rank reads a share of paths (rp_corpus_read_shared) and scans: for 1 to 4 ranks, 1 or
 * 2 threads a rank, rounds of 4 KiB and of the default, rank 0's report (documents, skipped
 * inputs, clusters) is the one-process report of reading every path in one corpus. */
static void read_by_shares_as_one_process(const char *const *paths, size_t npaths,
                                          const rp_read_options *ro, const rp_options *base)
{
    rp_options o[MAX_RANKS];
    const rp_corpus *corpora[MAX_RANKS] = {NULL, NULL, NULL, NULL};
    rank ranks[MAX_RANKS];
    group g;
    rp_corpus *c;
    rp_scan *s = NULL;
    assert_int_equal(rp_corpus_new(&c), RP_OK);
    for (size_t i = 0; i < npaths; i++)
        assert_int_equal(rp_corpus_read(c, paths[i], ro), RP_OK);
    assert_int_equal(rp_scan_run(c, base, NULL, NULL, &s), RP_OK);
    char *want = json_of(c, s, base);
    rp_scan_counts want_counts = *rp_scan_get_counts(s);
    rp_scan_free(s);
    rp_corpus_free(c);
    assert_true(want_counts.alignments > 0);
    for (unsigned n = 1; n <= MAX_RANKS; n++)
        for (int small = 0; small <= 2; small++) { /* 2: small rounds, in place */
            for (unsigned p = 0; p < n; p++) {
                o[p] = *base;
                o[p].threads = 1 + (p + (unsigned)small) % 2;
            }
            memset(&g, 0, sizeof(g));
            in_place = small == 2;
            run_ranks_reading(&g, ranks, n, corpora, o, small ? 4096 : 0, paths, npaths, ro);
            in_place = false;
            for (unsigned p = 0; p < n; p++) {
                assert_int_equal(ranks[p].st, RP_OK);
                if (p > 0)
                    assert_null(ranks[p].json);
            }
            assert_non_null(ranks[0].json);
            assert_string_equal(ranks[0].json, want);
            assert_memory_equal(&ranks[0].counts, &want_counts, sizeof(want_counts));
            free(ranks[0].json);
        }
    free(want);
}

static void source_path(char *out, size_t size, const char *rel)
{
    const char *root = getenv("RP_SOURCE_DIR");
    snprintf(out, size, "%s/%s", root ? root : RP_SOURCE_DIR, rel);
}

/* The three test corpora read by shares (a folder of posts, hostile inputs, a JSONL file),
 * with default reading and scan options. */
typedef struct {
    char path[3][4096];
    const char *paths[3];
    rp_read_options ro;
    rp_options o;
} test_corpora;

static void test_corpora_init(test_corpora *t)
{
    static const char *const rel[] = {"examples/posts", "tests/data/hostile",
                                      "tests/data/outlets.jsonl"};
    for (size_t i = 0; i < 3; i++) {
        source_path(t->path[i], sizeof(t->path[i]), rel[i]);
        t->paths[i] = t->path[i];
    }
    rp_read_options_init(&t->ro);
    rp_options_init(&t->o);
}

static void test_read_by_shares_is_the_one_process_scan_on_the_test_corpora(void **state)
{
    test_corpora t;
    (void)state;
    test_corpora_init(&t);
    for (size_t i = 0; i < 3; i++) /* each alone, then all three as one corpus */
        read_by_shares_as_one_process(&t.paths[i], 1, &t.ro, &t.o);
    read_by_shares_as_one_process(t.paths, 3, &t.ro, &t.o);
}

/* Alignment in many batches (a block of second documents' text at most 2 KiB), each rank's
 * token hashes kept from fingerprinting (all of them, or as many as 4 KiB holds: the others
 * made when asked for), used by every batch and lent to the others as hashes; and under a
 * memory budget, no hashes kept and text lent: the one-process report. */
static void test_read_by_shares_in_batches_with_kept_hashes(void **state)
{
    test_corpora t;
    (void)state;
    test_corpora_init(&t);
    rp_scan_lend_room = 2048;
    for (int cap = 0; cap <= 2; cap++) {
        rp_scan_keep_cap = cap == 1 ? 4096 : 0;
        t.o.memory = cap == 2 ? (size_t)1 << 30 : 0;
        read_by_shares_as_one_process(t.paths, 3, &t.ro, &t.o);
    }
    rp_scan_keep_cap = 0;
    rp_scan_lend_room = 0;
}

/* Under a budget with the text in files (as the program reads under --memory), the text lent
 * to rank 0 for the report comes in many exchanges (at most 1 KiB each), each written to rank
 * 0's text file and its buffer freed: the one-process report. */
static void test_read_by_shares_under_a_budget_lends_the_report_text_in_batches(void **state)
{
    test_corpora t;
    (void)state;
    test_corpora_init(&t);
    t.ro.text_in_file = true;
    t.o.memory = (size_t)1 << 30;
    rp_scan_report_room = 1024;
    read_by_shares_as_one_process(t.paths, 3, &t.ro, &t.o);
    rp_scan_report_room = 0;
}

static void test_read_by_shares_of_a_split_file(void **state)
{
    char path[4096];
    const char *paths[1] = {path};
    rp_read_options ro;
    rp_options o;
    (void)state;
    source_path(path, sizeof(path), "tests/cli/scan-split-titles/posts.txt");
    rp_read_options_init(&ro);
    ro.split_after = "^Continue reading ";
    ro.ignore_lines = "^Advertisement:";
    rp_options_init(&o);
    o.min_tokens = 8;
    read_by_shares_as_one_process(paths, 1, &ro, &o);
}

/* A folder of made documents with skipped inputs among them (binary, empty, a FIFO, a hidden
 * file), and one huge document: skipped inputs are reported in input order, wherever their
 * share was read, and a share may be one document bigger than all the others. */
/* A FIFO named on the command line, read by shares, is opened to read once, by read_path (one
 * reader's close seen by inotify). A loading thread opened it first and closed it: a FIFO's open
 * is its rendezvous, so a writer blocked in its open went on and, the reader gone, had its pipe
 * broken. The writer here writes again to each reader it meets (SIGPIPE ignored), so that the
 * read ends either way. */
static void test_read_by_shares_opens_a_fifo_to_read_once(void **state)
{
    static const char text[] = "a few words make one document of the fifo\n";
    char dir[] = "/tmp/reprint-test-fifo-XXXXXX", path[64], ev[4096];
    const char *paths[1] = {path};
    rp_inputs list;
    rp_read_options ro;
    rp_corpus *c;
    int status, closes = 0;
    ssize_t n;
    (void)state;
    assert_non_null(mkdtemp(dir));
    snprintf(path, sizeof(path), "%s/fifo", dir);
    assert_int_equal(mkfifo(path, 0600), 0);
    int watch = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
    if (watch < 0) { /* no inotify instance left to this user (a crowded machine) */
        unlink(path);
        rmdir(dir);
        skip();
    }
    /* opens too: inotify merges an event with the one before it when they are alike */
    assert_true(inotify_add_watch(watch, path, IN_OPEN | IN_CLOSE_NOWRITE) >= 0);
    pid_t child = fork();
    assert_true(child >= 0);
    if (child == 0) {
        prctl(PR_SET_PDEATHSIG, SIGKILL); /* not left blocked in its open if the test fails */
        signal(SIGPIPE, SIG_IGN);
        for (;;) {
            int fd = open(path, O_WRONLY);
            if (fd < 0)
                _exit(1);
            ssize_t w = write(fd, text, sizeof(text) - 1);
            close(fd);
            (void)w;
        }
    }
    assert_int_equal(rp_inputs_list(paths, 1, &list), RP_OK);
    assert_int_equal(rp_corpus_new(&c), RP_OK);
    rp_read_options_init(&ro);
    ro.threads = 2;
    assert_int_equal(rp_corpus_read_list(c, &list, 0, list.count, &ro), RP_OK);
    kill(child, SIGKILL);
    assert_int_equal(waitpid(child, &status, 0), child);
    assert_int_equal(rp_corpus_count(c), 1);
    while ((n = read(watch, ev, sizeof(ev))) > 0)
        for (ssize_t at = 0; at < n;) {
            const struct inotify_event *e = (const struct inotify_event *)(ev + at);
            closes += (e->mask & IN_CLOSE_NOWRITE) != 0;
            at += (ssize_t)(sizeof(*e) + e->len);
        }
    assert_int_equal(closes, 1);
    close(watch);
    rp_corpus_free(c);
    rp_inputs_release(&list);
    unlink(path);
    rmdir(dir);
}

static void test_read_by_shares_with_skipped_inputs_and_a_huge_document(void **state)
{
    char dir[] = "/tmp/reprint-test-shares-XXXXXX", path[4200];
    char huge[4200];
    const char *paths[2] = {huge, dir}; /* the huge one first: the folder is shared out */
    rp_corpus *made = made_corpus(3, 60);
    rp_read_options ro;
    rp_options o;
    FILE *f;
    (void)state;
    assert_non_null(mkdtemp(dir));
    for (uint32_t d = 0; d < rp_corpus_count(made); d++) {
        const rp_doc *doc = rp_corpus_doc(made, d);
        snprintf(path, sizeof(path), "%s/%03u%s", dir, d, d % 7 == 3 ? ".bin" : ".txt");
        assert_non_null(f = fopen(path, "wb"));
        if (d % 7 == 3) /* binary: skipped */
            fwrite("\0\1\2binary\0", 1, 10, f);
        else if (d % 11 != 5) /* else empty: skipped */
            fwrite(doc->bytes, 1, doc->len, f);
        fclose(f);
    }
    snprintf(path, sizeof(path), "%s/.hidden.txt", dir);
    assert_non_null(f = fopen(path, "wb"));
    fputs("hidden files are left out of a walk\n", f);
    fclose(f);
    snprintf(path, sizeof(path), "%s/050.fifo", dir);
    assert_int_equal(mkfifo(path, 0600), 0);
    snprintf(huge, sizeof(huge), "%s-huge.txt", dir); /* every made document, over and over */
    assert_non_null(f = fopen(huge, "wb"));
    for (int rep = 0; rep < 6; rep++)
        for (uint32_t d = 0; d < rp_corpus_count(made); d += 1 + (uint32_t)rep)
            fwrite(rp_corpus_doc(made, d)->bytes, 1, rp_corpus_doc(made, d)->len, f);
    fclose(f);
    rp_read_options_init(&ro);
    rp_options_init(&o);
    read_by_shares_as_one_process(paths, 2, &ro, &o);
    rp_inputs in;
    assert_int_equal(rp_inputs_list(paths, 2, &in), RP_OK);
    size_t skips = 0;
    for (size_t i = 0; i < in.count; i++) {
        assert_null(strstr(in.items[i].path, ".hidden"));
        skips += in.items[i].skip != NULL; /* the FIFO: the walk's own skip */
    }
    assert_int_equal(skips, 1);
    assert_int_equal(in.count, rp_corpus_count(made) + 2);
    rp_inputs_release(&in);
    const char *dash[1] = {"-"};
    assert_int_equal(rp_inputs_list(dash, 1, &in), RP_EINVAL);
    for (uint32_t d = 0; d < rp_corpus_count(made); d++) {
        snprintf(path, sizeof(path), "%s/%03u%s", dir, d, d % 7 == 3 ? ".bin" : ".txt");
        unlink(path);
    }
    snprintf(path, sizeof(path), "%s/.hidden.txt", dir);
    unlink(path);
    snprintf(path, sizeof(path), "%s/050.fifo", dir);
    unlink(path);
    rmdir(dir);
    unlink(huge);
    rp_corpus_free(made);
}

/* Every rank ends with want and no result. */
static void all_failed(const rank *ranks, unsigned n, rp_status want)
{
    for (unsigned p = 0; p < n; p++) {
        assert_int_equal(ranks[p].st, want);
        assert_null(ranks[p].json);
    }
}

/* Two ranks scan a small corpus while rank 0's transport garbles what it receives (the
 * caller arms one garble_* flag first; the garbler clears it once it has struck): every rank
 * fails with RP_EINVAL and no report. */
static void two_ranks_fail_invalid(void)
{
    rp_corpus *c = made_corpus(8, 60);
    const rp_corpus *corpora[MAX_RANKS] = {c, c};
    rp_options o[MAX_RANKS];
    rank ranks[MAX_RANKS];
    group g;
    for (unsigned p = 0; p < 2; p++)
        rp_options_init(&o[p]);
    memset(&g, 0, sizeof(g));
    run_ranks(&g, ranks, 2, corpora, o, (size_t)1 << 24);
    all_failed(ranks, 2, RP_EINVAL);
    rp_corpus_free(c);
}

static void test_a_rank_over_its_budget_fails_every_rank(void **state)
{
    rp_corpus *c = made_corpus(3, 100);
    const rp_corpus *corpora[MAX_RANKS] = {c, c, c};
    rp_options o[MAX_RANKS];
    rank ranks[MAX_RANKS];
    group g;
    (void)state;
    for (unsigned p = 0; p < 3; p++)
        rp_options_init(&o[p]);
    o[2].memory = 1024; /* rank 2 alone cannot hold its fingerprints */
    memset(&g, 0, sizeof(g));
    run_ranks(&g, ranks, 3, corpora, o, 0);
    all_failed(ranks, 3, RP_EBUDGET);
    for (unsigned p = 0; p < 3; p++)
        assert_int_equal(ranks[p].ex.failed_rank, 2);
    rp_corpus_free(c);
}

static void test_ranks_holding_different_corpora_fail(void **state)
{
    rp_corpus *c = made_corpus(4, 60), *other = made_corpus(5, 60);
    const rp_corpus *corpora[MAX_RANKS] = {c, c, other};
    rp_options o[MAX_RANKS];
    rank ranks[MAX_RANKS];
    group g;
    (void)state;
    for (unsigned p = 0; p < 3; p++)
        rp_options_init(&o[p]);
    memset(&g, 0, sizeof(g));
    run_ranks(&g, ranks, 3, corpora, o, 0);
    all_failed(ranks, 3, RP_EINVAL);
    rp_corpus_free(c);
    rp_corpus_free(other);
}

static void test_a_failing_exchange_fails_every_rank(void **state)
{
    rp_corpus *c = made_corpus(6, 60);
    const rp_corpus *corpora[MAX_RANKS] = {c, c};
    rp_options o[MAX_RANKS];
    rank ranks[MAX_RANKS];
    group g;
    (void)state;
    for (unsigned at = 1; at <= 4; at++) {
        for (unsigned p = 0; p < 2; p++)
            rp_options_init(&o[p]);
        memset(&g, 0, sizeof(g));
        g.fail_at = at;
        run_ranks(&g, ranks, 2, corpora, o, 4096);
        all_failed(ranks, 2, RP_EEXCHANGE);
    }
    rp_corpus_free(c);
}

static void test_a_bad_exchange_is_invalid(void **state)
{
    rp_corpus *c = made_corpus(7, 10);
    rp_options o;
    rp_scan *s = (rp_scan *)&o; /* set to NULL on return */
    rp_exchange ex = {.rank = 2, .size = 2};
    (void)state;
    rp_options_init(&o);
    assert_int_equal(rp_scan_run_shared(c, &o, &ex, NULL, NULL, &s), RP_EINVAL);
    assert_null(s);
    rp_corpus_free(c);
}

/* A head whose bucket counts wrap around (their sums still agreeing with the streams) is
 * refused, RP_EINVAL on every rank: its buckets were placed outside the fingerprints' array. */
static void test_a_garbled_head_is_invalid(void **state)
{
    (void)state;
    garble_head = true;
    two_ranks_fail_invalid();
    assert_false(garble_head); /* the head was found and garbled */
}

/* A stream naming a document past the corpus's last (its head and lengths all agreeing) is
 * refused, RP_EINVAL on every rank: its fingerprints' seeds were counted and placed by their
 * document, outside the arrays sized by the corpus. */
static void test_a_fingerprint_of_a_document_out_of_range_is_invalid(void **state)
{
    (void)state;
    garble_doc = true;
    two_ranks_fail_invalid();
    assert_false(garble_doc); /* a stream was found and garbled */
}

/* A block of seeds naming a document past the corpus's last is refused, RP_EINVAL on every
 * rank: the aligner looked the document up in the corpus. */
static void test_a_seed_of_a_document_out_of_range_is_invalid(void **state)
{
    (void)state;
    garble_seed = 1;
    two_ranks_fail_invalid();
    assert_int_equal(garble_seed, 0); /* the seeds' exchange was found */
}

/* Counts of bytes to receive whose sum wraps are refused, RP_EINVAL on every rank: the
 * buffer sized by the sum was written past its end. */
static void test_counts_that_wrap_are_invalid(void **state)
{
    (void)state;
    garble_count = true;
    two_ranks_fail_invalid();
    assert_false(garble_count); /* an exchange's counts were garbled */
}

/* Batch dedup shared by 1 to 4 ranks: rank 0's report is rp_dedup_run's. */
static void test_shared_dedup_is_the_one_process_dedup(void **state)
{
    rp_corpus *c = made_corpus(8, 200);
    rp_corpus *posts = fixture_read_source("tests/data/outlets.jsonl");
    const rp_corpus *both[2] = {c, posts};
    (void)state;
    for (int k = 0; k < 2; k++) {
        const rp_corpus *corpora[MAX_RANKS] = {both[k], both[k], both[k], both[k]};
        rp_options o[MAX_RANKS];
        rp_dedup_options d;
        rp_dedup *dd = NULL;
        rank ranks[MAX_RANKS];
        group g;
        rp_options_init(&o[0]);
        rp_dedup_options_init(&d);
        assert_int_equal(rp_dedup_run(both[k], &o[0], &d, &dd), RP_OK);
        char *want = dedup_json_of(both[k], dd, &o[0], &d);
        rp_dedup_free(dd);
        for (unsigned n = 1; n <= MAX_RANKS; n++) {
            for (unsigned p = 0; p < n; p++) {
                rp_options_init(&o[p]);
                o[p].threads = 1 + p % 2;
            }
            memset(&g, 0, sizeof(g));
            dedup_mode = true;
            run_ranks(&g, ranks, n, corpora, o, 512);
            dedup_mode = false;
            for (unsigned p = 1; p < n; p++) {
                assert_int_equal(ranks[p].st, RP_OK);
                assert_null(ranks[p].json);
            }
            assert_int_equal(ranks[0].st, RP_OK);
            assert_string_equal(ranks[0].json, want);
            free(ranks[0].json);
        }
        free(want);
    }
    rp_corpus_free(c);
    rp_corpus_free(posts);
}

/* Allocations failing from the k-th on (about `steps` values of k), whichever rank meets it
 * first, three ranks on corpora or reading paths by shares: every rank ends with the same
 * status (no rank left waiting in an exchange), and only a run that succeeds has a result on
 * rank 0. */
static void allocation_sweep(const rp_corpus *const *corpora, const char *const *paths,
                             size_t npaths, const rp_read_options *ro, unsigned long steps)
{
    rp_options o[MAX_RANKS];
    rank ranks[MAX_RANKS];
    group g;
    for (unsigned p = 0; p < 3; p++) {
        rp_options_init(&o[p]);
        o[p].threads = 1;
    }
    no_reports = true;
    rp_alloc_fail_after(0);
    memset(&g, 0, sizeof(g));
    run_ranks_reading(&g, ranks, 3, corpora, o, 4096, paths, npaths, ro);
    unsigned long total = rp_alloc_count();
    assert_true(ranks[0].scanned);
    for (unsigned long k = 1; k <= total + 10; k += total / steps + 1) {
        for (unsigned p = 0; paths && p < 3; p++) /* made before allocations fail */
            assert_int_equal(rp_corpus_new(&pre_own[p]), RP_OK);
        memset(&g, 0, sizeof(g));
        rp_alloc_fail_after(k);
        run_ranks_reading(&g, ranks, 3, corpora, o, 4096, paths, npaths, ro);
        rp_alloc_fail_after(0);
        for (unsigned p = 1; p < 3; p++) {
            assert_int_equal(ranks[p].st, ranks[0].st);
            assert_false(ranks[p].scanned);
        }
        assert_true(ranks[0].st == RP_OK || ranks[0].st == RP_ENOMEM);
        assert_int_equal(ranks[0].scanned, ranks[0].st == RP_OK);
    }
    no_reports = false;
}

static void test_allocation_failures_end_every_rank_alike(void **state)
{
    rp_corpus *c = made_corpus(9, 40);
    const rp_corpus *corpora[MAX_RANKS] = {c, c, c};
    (void)state;
    allocation_sweep(corpora, NULL, 0, NULL, 60);
    rp_corpus_free(c);
}

/* The same when the ranks read by shares: a failure while the shares are checked (before a
 * reduction whose size the others expect) is agreed on like any other. */
static void test_allocation_failures_reading_by_shares_end_every_rank_alike(void **state)
{
    char path[4096];
    const char *paths[1] = {path};
    const rp_corpus *corpora[MAX_RANKS] = {NULL, NULL, NULL};
    rp_read_options ro;
    (void)state;
    source_path(path, sizeof(path), "examples/posts");
    rp_read_options_init(&ro);
    allocation_sweep(corpora, paths, 1, &ro, 80);
}

/* Each misuse of a corpus read by shares is refused by every rank alike (3 ranks: the
 * reductions of shares and of whole corpora differ in size). */
static void test_misused_shares_are_refused_by_every_rank(void **state)
{
    char path[4096];
    const char *paths[1] = {path};
    const rp_corpus *corpora[MAX_RANKS] = {NULL, NULL, NULL};
    rp_read_options ro;
    rp_options o[MAX_RANKS];
    rank ranks[MAX_RANKS];
    group g;
    (void)state;
    source_path(path, sizeof(path), "examples/posts");
    rp_read_options_init(&ro);
    for (unsigned p = 0; p < 3; p++)
        rp_options_init(&o[p]);
    for (int m = MISUSE_DEDUP; m <= MISUSE_TWICE; m++) {
        misuse = m;
        memset(&g, 0, sizeof(g));
        run_ranks_reading(&g, ranks, 3, corpora, o, 0, paths, 1, &ro);
        for (unsigned p = 0; p < 3; p++)
            assert_int_equal(ranks[p].st, RP_EINVAL);
    }
    misuse = MISUSE_NONE;
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_shared_scan_is_the_one_process_scan_on_made_corpora),
        cmocka_unit_test(test_shared_scan_is_the_one_process_scan_on_the_test_corpora),
        cmocka_unit_test(test_read_by_shares_is_the_one_process_scan_on_the_test_corpora),
        cmocka_unit_test(test_read_by_shares_in_batches_with_kept_hashes),
        cmocka_unit_test(test_read_by_shares_under_a_budget_lends_the_report_text_in_batches),
        cmocka_unit_test(test_read_by_shares_of_a_split_file),
        cmocka_unit_test(test_read_by_shares_with_skipped_inputs_and_a_huge_document),
        cmocka_unit_test(test_read_by_shares_opens_a_fifo_to_read_once),
        cmocka_unit_test(test_a_rank_over_its_budget_fails_every_rank),
        cmocka_unit_test(test_ranks_holding_different_corpora_fail),
        cmocka_unit_test(test_allocation_failures_reading_by_shares_end_every_rank_alike),
        cmocka_unit_test(test_misused_shares_are_refused_by_every_rank),
        cmocka_unit_test(test_a_failing_exchange_fails_every_rank),
        cmocka_unit_test(test_a_bad_exchange_is_invalid),
        cmocka_unit_test(test_a_garbled_head_is_invalid),
        cmocka_unit_test(test_a_fingerprint_of_a_document_out_of_range_is_invalid),
        cmocka_unit_test(test_a_seed_of_a_document_out_of_range_is_invalid),
        cmocka_unit_test(test_counts_that_wrap_are_invalid),
        cmocka_unit_test(test_shared_dedup_is_the_one_process_dedup),
        cmocka_unit_test(test_allocation_failures_end_every_rank_alike),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
