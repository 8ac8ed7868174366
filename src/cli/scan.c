/*
 * scan.c - `reprint scan`: read the inputs, run the scan, write the report (or, with
 * --explain A B, say what two documents share and why a passage was or was not reported;
 * with no PATH, A and B are themselves the inputs).
 */
#define _DEFAULT_SOURCE /* mkdtemp */
#include "cli.h"
#include "launch.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

typedef struct scan_report {
    const cli_common *common;
    const rp_corpus *corpus;
    const rp_scan *scan;
} scan_report;

static int write_scan(FILE *out, void *ctx)
{
    const scan_report *r = ctx;
    if (rp_corpus_changed(r->corpus)) /* the caller says which input shrank */
        return EXIT_TROUBLE;
    rp_status st = rp_report_scan(out, r->common->format, r->corpus, r->scan, &r->common->opts);
    if (st != RP_OK && st != RP_EIO) {
        cli_error("cannot write the report: %s", rp_strerror(st));
        return EXIT_TROUBLE;
    }
    if (rp_corpus_changed(r->corpus)) /* shrank while written: no file is left */
        return EXIT_TROUBLE;
    return 0; /* write errors are caught by the caller, which knows the file's name */
}

/* Text of many lines, each line written through rp_write_safe (the line breaks kept). */
static void write_lines_safe(FILE *out, const char *text)
{
    for (const char *nl; *text; text = nl + 1) {
        nl = strchr(text, '\n');
        if (!nl) {
            rp_write_safe(out, text, strlen(text));
            return;
        }
        rp_write_safe(out, text, (size_t)(nl - text));
        putc('\n', out);
    }
}

static int write_explain(FILE *out, void *ctx)
{
    write_lines_safe(out, ctx);
    return 0; /* write errors are caught by the caller, which knows the file's name */
}

static int explain(const cli_common *c, const rp_corpus *corpus)
{
    uint32_t ids[2];
    char *text = NULL;
    rp_status st;
    int rc;

    for (int i = 0; i < 2; i++) {
        if (rp_corpus_find(corpus, c->explain[i], &ids[i]) != RP_OK) {
            cli_error("--explain: no document named '%s'", c->explain[i]);
            return EXIT_TROUBLE;
        }
    }
    st = rp_scan_explain(corpus, &c->opts, ids[0], ids[1], &text);
    if (st != RP_OK) {
        cli_error("--explain: %s", rp_strerror(st));
        return EXIT_TROUBLE;
    }
    rc = cli_write_report(c, write_explain, text);
    free(text);
    return rc;
}

/* --explain writes a text for people, not a report: no other format, nothing "found". */
static bool check_explain(const cli_common *c)
{
    const char *bad = c->format != RP_FORMAT_TEXT ? "--format"
                      : c->exit_code              ? "--exit-code"
                                                  : NULL;

    if (!c->explain[0] || !bad)
        return true;
    cli_error("--explain writes text and does not go with %s", bad);
    fputs("try 'reprint scan --help'\n", stderr);
    return false;
}

static size_t reported_clusters(const rp_scan *scan, const rp_options *opts)
{
    size_t n = 0;

    for (size_t i = 0; i < rp_scan_cluster_count(scan); i++)
        n += (opts->kinds & (1u << rp_scan_cluster(scan, i)->kind)) != 0;
    return n;
}

/* Reported clusters that --max-passages shortened in the report. */
static size_t shortened_clusters(const rp_scan *scan, const rp_options *opts)
{
    size_t n = 0;

    if (opts->max_passages == 0)
        return 0;
    for (size_t i = 0; i < rp_scan_cluster_count(scan); i++) {
        const rp_cluster *c = rp_scan_cluster(scan, i);
        n += (opts->kinds & (1u << c->kind)) != 0 && rp_report_listed(c, opts) < c->passage_count;
    }
    return n;
}

/* "512 KB", "138 MB", "2.5 GB". */
static void size_text(size_t bytes, char out[32])
{
    if (bytes < (size_t)10 << 20)
        snprintf(out, 32, "%zu KB", (bytes + 1023) >> 10);
    else if (bytes < (size_t)10 << 30)
        snprintf(out, 32, "%zu MB", (bytes + (1 << 20) - 1) >> 20);
    else
        snprintf(out, 32, "%.1f GB", (double)bytes / (1 << 30));
}

/* --tmp-dir must be a directory the scan can make its private directory in: checked before
 * the inputs are read, not when the first spill fails after minutes of work. */
static bool tmp_dir_usable(const char *dir)
{
    char probe[4096];
    struct stat st;
    if (stat(dir, &st) != 0) {
        cli_error("--tmp-dir '%s': %s", dir, strerror(errno));
        return false;
    }
    if (!S_ISDIR(st.st_mode)) {
        cli_error("--tmp-dir '%s': not a directory", dir);
        return false;
    }
    if ((size_t)snprintf(probe, sizeof(probe), "%s/reprint-probe-XXXXXX", dir) >= sizeof(probe) ||
        !mkdtemp(probe)) {
        cli_error("--tmp-dir '%s': cannot create temporary files there: %s", dir, strerror(errno));
        return false;
    }
    rmdir(probe);
    return true;
}

/* ---- under mpirun or srun: the scan shared among ranks (src/mpi/launch.h) ---- */

typedef struct rank_progress {
    cli_common *c;
    unsigned rank;
} rank_progress;

/* --progress from every rank, each stage named with its rank ("r1 exchange-fp": the
 * exchanges count bytes received). */
static void shared_progress(void *ctx, const char *stage, uint64_t done, uint64_t total)
{
    const rank_progress *p = ctx;
    char named[32];
    snprintf(named, sizeof(named), "r%u %s", p->rank, stage);
    cli_progress(p->c, named, done, total);
}

/* The scan shared among the launcher's ranks: RP_OK with *scan on rank 0 (NULL elsewhere);
 * on failure rank 0 says what failed where, the other ranks stay silent. */
static rp_status run_shared(cli_common *c, rp_exchange *ex, const rp_corpus *corpus,
                            rp_scan **scan)
{
    rank_progress rp = {c, ex->rank};
    ex->round_bytes = (size_t)(c->exchange_mb ? c->exchange_mb : 256) << 20;
    /* rank 0's spans and clustering run while the other ranks wait: on its node, their
     * threads are its (--threads 0 already takes every core) */
    long cores = sysconf(_SC_NPROCESSORS_ONLN);
    unsigned finish = c->opts.threads * launch_node_ranks();
    ex->finish_threads = c->opts.threads && cores > 0 && finish > (unsigned long)cores
                             ? (unsigned)cores
                             : finish;
    rp_status st = rp_scan_run_shared(corpus, &c->opts, ex, shared_progress, &rp, scan);
    if (c->progress > 0)
        cli_error("rank %u of %u: sent %llu bytes to other ranks, received %llu", ex->rank,
                  ex->size, (unsigned long long)ex->bytes_sent,
                  (unsigned long long)ex->bytes_received);
    if (c->progress > 0) { /* where this rank stood still: waiting for the others */
        double agree, exchange;
        unsigned long agrees, exchanges;
        launch_waits(&agree, &exchange, &agrees, &exchanges);
        cli_error("rank %u of %u: %.2f s in %lu agreements (waiting for the other ranks), "
                  "%.2f s in %lu exchanges",
                  ex->rank, ex->size, agree, agrees, exchange, exchanges);
    }
    if (st != RP_OK && st != RP_EBUDGET && ex->rank == 0)
        cli_error("scan failed on rank %u of %u: %s%s", ex->failed_rank, ex->size,
                  rp_strerror(st),
                  st == RP_EINVAL ? " (the ranks must read the same inputs: a path every "
                                    "node sees alike)"
                                  : "");
    return st;
}

int cmd_scan(int argc, char **argv)
{
    cli_common c;
    rp_corpus *corpus;
    rp_scan *scan = NULL;
    rp_status st;
    int first, rc;
    bool help;

    cli_common_init(&c);
    if (!cli_parse("scan", argc, argv, &c, &first, &help))
        return EXIT_TROUBLE;
    if (help) {
        cli_help_print(stdout, cli_help_find("scan"));
        return 0;
    }
    if (!check_explain(&c))
        return EXIT_TROUBLE;
    if (c.opts.tmp_dir && !tmp_dir_usable(c.opts.tmp_dir))
        return EXIT_TROUBLE;
    if (first >= argc && !c.explain[0]) {
        fprintf(stderr, "reprint: scan needs a PATH (a file, a directory, or - for standard "
                        "input)\ntry 'reprint scan --help'\n");
        return EXIT_TROUBLE;
    }
    rp_exchange *ex = launch_exchange();
    if (ex && c.explain[0] && ex->rank != 0)
        return 0; /* --explain is one process's work: rank 0's */
    if (ex && !c.explain[0] && !cli_shared_inputs(&c, ex, argc - first, argv + first, "scan"))
        return EXIT_TROUBLE;
    if (first >= argc) /* --explain A B alone: A and B are the inputs */
        corpus = cli_read_inputs(&c, 2, c.explain);
    else if (ex && ex->size > 1 && !c.explain[0]) /* each rank reads a share */
        corpus = cli_read_shared(&c, ex, argc - first, argv + first);
    else
        corpus = cli_read_inputs(&c, argc - first, argv + first);
    if (ex && !c.explain[0] && !cli_all_read(ex, corpus)) {
        rp_corpus_free(corpus);
        return EXIT_TROUBLE;
    }
    if (!corpus)
        return EXIT_TROUBLE;
    if (c.explain[0]) {
        rc = explain(&c, corpus);
        rp_corpus_free(corpus);
        return rc;
    }
    char budget_text[32];
    size_text(c.opts.memory, budget_text);
    if (ex)
        st = run_shared(&c, ex, corpus, &scan);
    else
        st = rp_scan_run(corpus, &c.opts, cli_progress, &c, &scan);
    /* no report from a file that shrank under the scan (on any rank: all of them agree) */
    if (ex ? !cli_all_unchanged(ex, corpus) : rp_corpus_changed(corpus) != NULL) {
        rc = cli_check_unchanged(corpus, EXIT_TROUBLE);
        rp_scan_free(scan);
        rp_corpus_free(corpus);
        return rc;
    }
    if (ex && (st != RP_OK || ex->rank != 0)) {
        if (st == RP_EBUDGET && ex->rank == 0)
            cli_error("scan stopped on rank %u of %u: it would grow past --memory %s (per "
                      "rank; a shared scan does not spill): raise --memory, or use more ranks",
                      ex->failed_rank, ex->size, budget_text);
        rp_corpus_free(corpus);
        return st == RP_OK ? 0 : EXIT_TROUBLE;
    }
    if (st == RP_EBUDGET) {
        cli_error("scan stopped: it would grow past --memory %s (the fingerprints spill to "
                  "--tmp-dir; the seeds and token hashes cannot): raise --memory, or scan "
                  "fewer documents at once",
                  budget_text);
        rp_corpus_free(corpus);
        return EXIT_TROUBLE;
    }
    if (st == RP_EIO) { /* the one file a scan writes: its temporaries */
        int e = errno;
        const char *env = getenv("TMPDIR");
        const char *dir = c.opts.tmp_dir ? c.opts.tmp_dir : env && *env ? env : "/tmp";
        cli_error("scan failed: cannot write temporary files under '%s': %s", dir, strerror(e));
        rp_corpus_free(corpus);
        return EXIT_TROUBLE;
    }
    if (st != RP_OK) {
        cli_error("scan failed: %s", rp_strerror(st));
        rp_corpus_free(corpus);
        return EXIT_TROUBLE;
    }
    const rp_scan_counts *counts = rp_scan_get_counts(scan);
    if (counts->capped && !c.quiet)
        cli_error("note: %llu phrase%s occur%s more than %u times in at most %u documents: "
                  "repeats held only by %s are not reported (--max-df raises the limit)",
                  (unsigned long long)counts->capped, counts->capped == 1 ? "" : "s",
                  counts->capped == 1 ? "s" : "", c.opts.max_df * 4, c.opts.max_df,
                  counts->capped == 1 ? "it" : "them");
    scan_report r = {&c, corpus, scan};
    cli_progress(&c, "report", 0, 1);
    rc = cli_write_report(&c, write_scan, &r);
    if (rc == 0)
        cli_progress(&c, "report", 1, 1);
    size_t shortened = rc == 0 && !c.quiet ? shortened_clusters(scan, &c.opts) : 0;
    if (shortened)
        cli_error("note: %zu cluster%s more than %u passage%s: %s its first %u (passages_total "
                  "has the count)",
                  shortened, shortened == 1 ? " has" : "s have", c.opts.max_passages,
                  c.opts.max_passages == 1 ? "" : "s", shortened == 1 ? "it lists" : "each lists",
                  c.opts.max_passages);
    if (rc == 0 && c.exit_code && reported_clusters(scan, &c.opts) > 0)
        rc = EXIT_FOUND;
    rc = cli_check_unchanged(corpus, rc);
    rp_scan_free(scan);
    rp_corpus_free(corpus);
    return rc;
}
