/*
 * quotes.c - `reprint quotes`: the quotations of the inputs, where each comes from in the
 * corpus, and how faithfully. quotes' own options (--min-words, --max-sources) are taken out
 * of argv before the common parser runs.
 */
#include "cli.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

static bool usage_number(const char *name, const char *text, unsigned long max)
{
    fprintf(stderr, "reprint: --%s takes a whole number from 1 to %lu, not '%s'\n", name, max,
            text);
    fputs("try 'reprint quotes --help'\n", stderr);
    return false;
}

static bool parse_count(const char *name, const char *text, unsigned long max, uint32_t *out)
{
    char *end;
    unsigned long v;

    errno = 0;
    v = strtoul(text, &end, 10);
    if (text[0] < '0' || text[0] > '9' || errno || *end || v < 1 || v > max)
        return usage_number(name, text, max);
    *out = (uint32_t)v;
    return true;
}

/* Takes --min-words and --max-sources (also as --opt=value) out of argv, compacting it. */
static bool take_options(rp_quotes_options *q, int *argc, char **argv)
{
    int out = 1, i;

    for (i = 1; i < *argc && strcmp(argv[i], "--") != 0; i++) {
        const char *arg = argv[i], *value = NULL;
        bool min = strncmp(arg, "--min-words", 11) == 0 && (arg[11] == '\0' || arg[11] == '=');
        bool max = strncmp(arg, "--max-sources", 13) == 0 && (arg[13] == '\0' || arg[13] == '=');
        if (!min && !max) {
            argv[out++] = argv[i];
            continue;
        }
        value = strchr(arg, '=');
        if (value)
            value++;
        else if (i + 1 < *argc)
            value = argv[++i];
        else {
            fprintf(stderr, "reprint: option '%s' needs a value\ntry 'reprint quotes --help'\n",
                    arg);
            return false;
        }
        if (!parse_count(min ? "min-words" : "max-sources", value,
                         min ? 1000 : RP_QUOTES_MAX_SOURCES, min ? &q->min_words : &q->max_sources))
            return false;
    }
    while (i < *argc)
        argv[out++] = argv[i++];
    argv[out] = NULL;
    *argc = out;
    return true;
}

typedef struct quotes_report {
    const cli_common *common;
    const rp_corpus *corpus;
    const rp_quotes *quotes;
    const rp_quotes_options *qopts;
} quotes_report;

static int write_quotes(FILE *out, void *ctx)
{
    const quotes_report *r = ctx;
    if (rp_corpus_changed(r->corpus)) /* the caller says which input shrank */
        return EXIT_TROUBLE;
    rp_status st =
        rp_report_quotes(out, r->common->format, r->corpus, r->quotes, &r->common->opts, r->qopts);
    if (st != RP_OK && st != RP_EIO) {
        cli_error("cannot write the report: %s", rp_strerror(st));
        return EXIT_TROUBLE;
    }
    if (rp_corpus_changed(r->corpus)) /* shrank while written: no file is left */
        return EXIT_TROUBLE;
    return 0;
}

/* Something to flag for --exit-code: an unsourced quotation, or a best source not verbatim. */
static bool found_any(const rp_quotes *qs)
{
    for (size_t i = 0; i < rp_quotes_count(qs); i++) {
        const rp_quote *q = rp_quotes_get(qs, i);
        if (q->source_count == 0 || q->sources[0].fidelity != RP_FIDELITY_VERBATIM)
            return true;
    }
    return false;
}

static int run(const cli_common *c, const rp_quotes_options *q, rp_corpus *corpus)
{
    rp_quotes *qs = NULL;
    rp_status st = rp_quotes_run(corpus, &c->opts, q, &qs);
    int rc;

    if (st != RP_OK) {
        cli_error("quotes failed: %s", rp_strerror(st));
        return EXIT_TROUBLE;
    }
    quotes_report r = {c, corpus, qs, q};
    rc = cli_write_report(c, write_quotes, &r);
    if (rc == 0 && c->exit_code && found_any(qs))
        rc = EXIT_FOUND;
    rp_quotes_free(qs);
    return rc;
}

int cmd_quotes(int argc, char **argv)
{
    cli_common c;
    rp_quotes_options q;
    rp_corpus *corpus;
    int first, rc;
    bool help;

    rp_quotes_options_init(&q);
    cli_common_init(&c);
    if (!take_options(&q, &argc, argv) || !cli_parse("quotes", argc, argv, &c, &first, &help))
        return EXIT_TROUBLE;
    if (help) {
        cli_help_print(stdout, cli_help_find("quotes"));
        return 0;
    }
    if (first >= argc) {
        fprintf(stderr, "reprint: quotes needs a PATH (a file, a directory, or - for standard "
                        "input)\ntry 'reprint quotes --help'\n");
        return EXIT_TROUBLE;
    }
    corpus = cli_read_inputs(&c, argc - first, argv + first);
    if (!corpus)
        return EXIT_TROUBLE;
    rc = cli_check_unchanged(corpus, run(&c, &q, corpus));
    rp_corpus_free(corpus);
    return rc;
}
