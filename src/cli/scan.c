/*
 * scan.c - `reprint scan`: read the inputs, run the scan, write the report (or, with
 * --explain A B, say what two documents share and why a passage was or was not reported).
 */
#include "cli.h"

#include <stdlib.h>
#include <string.h>

static void scan_help(const rp_options *d)
{
    printf("usage: reprint scan [options] PATH...\n\n"
           "Finds passages that appear more than once, within and across documents, aligns\n"
           "them (edited copies still match) and groups the copies of one text into clusters.\n\n"
           "inputs:\n"
           "  --jsonl                 read JSON lines (implied by a .jsonl or .ndjson name)\n"
           "  --id-field NAME         JSONL field naming a document (default id)\n"
           "  --text-field NAME       JSONL field holding its text (default text)\n"
           "  --split REGEX           a line matching REGEX starts a new document\n"
           "  --split-after REGEX     a line matching REGEX ends the current document\n"
           "  --title-field NAME      JSONL field holding a title (default title, when\n"
           "                          present; else a document's first non-blank line)\n"
           "  --date-field NAME       JSONL field holding an RFC 3339 or RFC 822 date (default\n"
           "                          date, as feed items have): the first copy is the earliest\n"
           "  --series-field NAME     JSONL field naming a document's series (outlet)\n"
           "  --series REGEX          the series is REGEX's first group in the document's name\n"
           "  --ignore-lines REGEX    lines matching REGEX are invisible to matching (the line\n"
           "                          --split-after matches is too)\n"
           "  --max-doc-bytes N       skip documents larger than N bytes\n"
           "  --memory SIZE           budget for the fingerprint index (e.g. 800M, 2G): past it\n"
           "                          the scan stops with an error, before allocating\n"
           "text:\n"
           "  --no-fold-case, --no-fold-marks, --no-fold-quotes, --no-fold-spelling\n"
           "                          keep case, diacritics, quote/dash style, British and\n"
           "                          American spellings apart (each fold is on by default)\n"
           "detection:\n"
           "  --shingle K             tokens per shingle (default %u)\n"
           "  --window W              winnowing window; any shared run of W+K-1 tokens is\n"
           "                          found (default %u)\n"
           "  --min-tokens N          shortest passage reported, in tokens (default %u)\n"
           "  --min-identity X        least share of aligned tokens that match (default %.2f)\n"
           "  --max-df N              fingerprints in more than N documents (boilerplate\n"
           "                          candidates) pair only neighbouring documents (default %u)\n"
           "  --boilerplate-docs N    a cluster in N or more documents whose passages are (at\n"
           "  --boilerplate-tokens M  the median) at most M tokens long is boilerplate\n"
           "                          (defaults %u, %u);\n"
           "                          other clusters are reprint (across documents) or\n"
           "                          internal (inside one document only); series when\n"
           "                          all its documents are of one series\n"
           "  --kinds LIST            report only these kinds: reprint,internal,boilerplate,\n"
           "                          series (cluster ids stay those of the full report)\n"
           "  --threads N             worker threads (default: all cores; same report for any N)\n"
           "output:\n"
           "  -f, --format FORMAT     text (default), json, jsonl, csv or html\n"
           "  -o, --output FILE       write the report to FILE (complete, or not at all)\n"
           "  --max-passages N        list at most the first N passages of each cluster, and\n"
           "                          the pairs between them (default 0: all); passages_total\n"
           "                          keeps the count, documents and covered are unchanged\n"
           "  --diff                  text: the word differences of each cluster's best pair\n"
           "  --explain A B           what documents A and B share (names, or name:line), and\n"
           "                          why a passage was or was not reported\n"
           "  --progress, --no-progress  progress on stderr (default: on a terminal)\n"
           "  --exit-code             exit 1 when a cluster was found\n"
           "  -q, --quiet             no progress and no warnings about skipped inputs\n\n"
           "exit status: 0 done, 1 found (with --exit-code), 2 usage error, nothing read, or\n"
           "the report could not be written.\n",
           d->shingle, d->window, d->min_tokens, d->min_identity, d->max_df, d->boilerplate_docs,
           d->boilerplate_tokens);
}

typedef struct scan_report {
    const cli_common *common;
    const rp_corpus *corpus;
    const rp_scan *scan;
} scan_report;

static int write_scan(FILE *out, void *ctx)
{
    const scan_report *r = ctx;
    rp_status st = rp_report_scan(out, r->common->format, r->corpus, r->scan, &r->common->opts);

    if (st != RP_OK && st != RP_EIO) {
        cli_error("cannot write the report: %s", rp_strerror(st));
        return EXIT_TROUBLE;
    }
    return 0; /* write errors are caught by the caller, which knows the file's name */
}

/* A document named NAME, or NAME:LINE (the line picks nothing more yet than the document). */
static bool resolve_doc(const rp_corpus *corpus, const char *spec, uint32_t *id)
{
    const char *colon = strrchr(spec, ':');
    char *name;
    bool found;

    if (rp_corpus_find(corpus, spec, id) == RP_OK)
        return true;
    if (!colon || colon[1] == '\0' || strspn(colon + 1, "0123456789") != strlen(colon + 1))
        return false;
    name = strndup(spec, (size_t)(colon - spec));
    found = name && rp_corpus_find(corpus, name, id) == RP_OK;
    free(name);
    return found;
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

static int explain(const cli_common *c, const rp_corpus *corpus)
{
    uint32_t ids[2];
    char *text = NULL;
    rp_status st;

    for (int i = 0; i < 2; i++) {
        if (!resolve_doc(corpus, c->explain[i], &ids[i])) {
            cli_error("--explain: no document named '%s'", c->explain[i]);
            return EXIT_TROUBLE;
        }
    }
    st = rp_scan_explain(corpus, &c->opts, ids[0], ids[1], &text);
    if (st != RP_OK) {
        cli_error("--explain: %s", rp_strerror(st));
        return EXIT_TROUBLE;
    }
    write_lines_safe(stdout, text);
    free(text);
    return fflush(stdout) == 0 ? 0 : EXIT_TROUBLE;
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
        scan_help(&c.opts);
        return 0;
    }
    if (first >= argc) {
        fprintf(stderr, "reprint: scan needs a PATH (a file, a directory, or - for standard "
                        "input)\ntry 'reprint scan --help'\n");
        return EXIT_TROUBLE;
    }
    corpus = cli_read_inputs(&c, argc - first, argv + first);
    if (!corpus)
        return EXIT_TROUBLE;
    if (c.explain[0]) {
        rc = explain(&c, corpus);
        rp_corpus_free(corpus);
        return rc;
    }
    char budget_text[32];
    size_text(c.opts.memory, budget_text);
    size_t need = c.opts.memory ? rp_scan_memory_estimate(corpus, &c.opts) : 0;
    if (need > c.opts.memory) {
        char need_text[32];
        size_text(need, need_text);
        cli_error("scanning these documents needs about %s for the fingerprint index, more "
                  "than --memory %s: raise --memory, or scan fewer documents at once",
                  need_text, budget_text);
        rp_corpus_free(corpus);
        return EXIT_TROUBLE;
    }
    st = rp_scan_run(corpus, &c.opts, cli_progress, &c, &scan);
    if (st == RP_EBUDGET) {
        cli_error("scan stopped: its fingerprint index would grow past --memory %s: raise "
                  "--memory, or scan fewer documents at once", budget_text);
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
    rp_scan_free(scan);
    rp_corpus_free(corpus);
    return rc;
}
